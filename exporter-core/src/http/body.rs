//! The response body of the handler: either whole, or streamed from a
//! producer task through a bounded channel.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use tokio::sync::mpsc;

/// The body of every response the handler and the server produce.
///
/// A streamed body holds the request's in-flight slot: when the client goes
/// away and hyper drops the body, the slot is released and the producer
/// stops at its next chunk.
pub struct Body {
    kind: Kind,
}

enum Kind {
    Full(Option<Bytes>),
    Stream {
        rx: mpsc::Receiver<Chunk>,
        /// `End` or an error was seen: nothing follows.
        ended: bool,
        _guard: Box<dyn Send + Sync>,
    },
}

/// What the producer of a streamed body sends.
#[derive(Debug)]
pub(crate) enum Chunk {
    /// The next bytes.
    Data(Bytes),
    /// The body is complete.
    End,
    /// The body cannot be completed (why, for the error): the client must
    /// see a failed transfer, never a shorter body that looks whole.
    Abort(String),
}

/// Why a streamed response body ended before it was complete; hyper then
/// cuts the connection (HTTP/1.1: no last chunk) or resets the stream
/// (HTTP/2), so the scraper records a failed scrape.
///
/// The display text is not a stable API.
#[derive(Debug, Clone)]
pub struct BodyError {
    reason: String,
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "metrics response aborted: {}", self.reason)
    }
}

impl std::error::Error for BodyError {}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            Kind::Full(b) => f
                .debug_struct("Body")
                .field("len", &b.as_ref().map_or(0, Bytes::len))
                .finish(),
            Kind::Stream { .. } => f.debug_struct("Body").field("stream", &true).finish(),
        }
    }
}

impl Body {
    /// A body of `bytes`.
    pub fn full(bytes: impl Into<Bytes>) -> Self {
        let bytes = bytes.into();
        Body {
            kind: Kind::Full((!bytes.is_empty()).then_some(bytes)),
        }
    }

    /// An empty body.
    pub fn empty() -> Self {
        Body {
            kind: Kind::Full(None),
        }
    }

    /// A body fed by `rx`, keeping `guard` alive until the body is dropped.
    /// It ends at [`Chunk::End`]; a [`Chunk::Abort`], or the sender going
    /// away without `End`, ends it with an error.
    pub(crate) fn stream(rx: mpsc::Receiver<Chunk>, guard: Box<dyn Send + Sync>) -> Self {
        Body {
            kind: Kind::Stream {
                rx,
                ended: false,
                _guard: guard,
            },
        }
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        match &mut self.get_mut().kind {
            Kind::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            Kind::Stream { ended: true, .. } => Poll::Ready(None),
            Kind::Stream { rx, ended, .. } => rx.poll_recv(cx).map(|chunk| {
                let reason = match chunk {
                    Some(Chunk::Data(b)) => return Some(Ok(Frame::data(b))),
                    Some(Chunk::End) => {
                        *ended = true;
                        return None;
                    }
                    Some(Chunk::Abort(reason)) => reason,
                    None => "the scrape stopped before the end of the body".to_owned(),
                };
                *ended = true;
                Some(Err(BodyError { reason }))
            }),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(
            self.kind,
            Kind::Full(None) | Kind::Stream { ended: true, .. }
        )
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            Kind::Stream { .. } => SizeHint::default(),
        }
    }
}
