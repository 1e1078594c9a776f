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
        rx: mpsc::UnboundedReceiver<Chunk>,
        /// One credit back to the producer per chunk taken.
        credits: std::sync::mpsc::SyncSender<()>,
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

    /// A body fed by `rx` (see [`channel`]), keeping `guard` alive until the
    /// body is dropped. It ends at [`Chunk::End`]; a [`Chunk::Abort`], or the
    /// sender going away without `End`, ends it with an error.
    pub(crate) fn stream(rx: ChunkReceiver, guard: Box<dyn Send + Sync>) -> Self {
        Body {
            kind: Kind::Stream {
                rx: rx.data,
                credits: rx.credits,
                ended: false,
                _guard: guard,
            },
        }
    }
}

/// A channel for the chunks of a streamed body holding at most `bound`
/// chunks. Its sender waits on a plain std channel rather than Tokio's
/// `blocking_send`, which refuses to run inside a runtime: the producer
/// sends from collectors that run inside `Handle::block_on` on a blocking
/// thread, where waiting is fine, or on an async worker, which waits
/// inside `block_in_place` (see [`ChunkSender::waiting_in_place`]).
pub(crate) fn channel(bound: usize) -> (ChunkSender, ChunkReceiver) {
    let (data_tx, data_rx) = mpsc::unbounded_channel();
    let (credit_tx, credit_rx) = std::sync::mpsc::sync_channel(bound);
    for _ in 0..bound {
        let _ = credit_tx.try_send(());
    }
    (
        ChunkSender {
            data: data_tx,
            credits: credit_rx,
            in_place: false,
        },
        ChunkReceiver {
            data: data_rx,
            credits: credit_tx,
        },
    )
}

/// The producer's end of [`channel`].
pub(crate) struct ChunkSender {
    data: mpsc::UnboundedSender<Chunk>,
    credits: std::sync::mpsc::Receiver<()>,
    /// Wait for room inside `block_in_place` (the sender runs on an async worker).
    in_place: bool,
}

/// The body's end of [`channel`], for [`Body::stream`].
pub(crate) struct ChunkReceiver {
    data: mpsc::UnboundedReceiver<Chunk>,
    credits: std::sync::mpsc::SyncSender<()>,
}

impl ChunkSender {
    /// Sends the next bytes, waiting while the channel is full. Returns
    /// false when the body is gone (the client went away).
    pub(crate) fn send(&self, bytes: Bytes) -> bool {
        let credit = match self.credits.try_recv() {
            Ok(()) => Ok(()),
            Err(std::sync::mpsc::TryRecvError::Disconnected) => return false,
            // The client reads slower than the scrape writes: wait for it.
            Err(std::sync::mpsc::TryRecvError::Empty) if self.in_place => {
                tokio::task::block_in_place(|| self.credits.recv())
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => self.credits.recv(),
        };
        credit.is_ok() && self.data.send(Chunk::Data(bytes)).is_ok()
    }

    /// This sender, for a producer that runs on a multi-thread runtime's
    /// async worker: while it waits for the client, the worker's other
    /// tasks move to another thread (`block_in_place`), so nothing else
    /// waits with it.
    pub(crate) fn waiting_in_place(mut self) -> Self {
        self.in_place = true;
        self
    }

    /// Sends `End` or `Abort`, without waiting: nothing follows it.
    pub(crate) fn send_last(&self, chunk: Chunk) {
        let _ = self.data.send(chunk);
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
            Kind::Stream {
                rx, ended, credits, ..
            } => rx.poll_recv(cx).map(|chunk| {
                let reason = match chunk {
                    Some(Chunk::Data(b)) => {
                        // Room for one more; never full, as the producer
                        // took this credit to send `b`.
                        let _ = credits.try_send(());
                        return Some(Ok(Frame::data(b)));
                    }
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use http_body_util::BodyExt;

    use super::*;

    #[tokio::test]
    async fn a_stream_ends_cleanly_only_at_end() {
        let (tx, rx) = channel(2);
        let body = Body::stream(rx, Box::new(()));
        std::thread::spawn(move || {
            assert!(tx.send(Bytes::from_static(b"a")));
            tx.send_last(Chunk::End);
        });
        assert_eq!(body.collect().await.unwrap().to_bytes(), "a");

        // The producer went away (panicked, say) without `End`.
        let (tx, rx) = channel(2);
        let body = Body::stream(rx, Box::new(()));
        std::thread::spawn(move || assert!(tx.send(Bytes::from_static(b"a"))));
        assert!(body.collect().await.is_err());

        let (tx, rx) = channel(2);
        let body = Body::stream(rx, Box::new(()));
        tx.send_last(Chunk::Abort("collector failed".to_owned()));
        let err = body.collect().await.unwrap_err();
        assert!(err.to_string().contains("collector failed"), "{err}");
    }

    #[tokio::test]
    async fn the_channel_holds_at_most_its_bound() {
        let (tx, rx) = channel(2);
        let mut body = Body::stream(rx, Box::new(()));
        let sent = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&sent);
        let producer = std::thread::spawn(move || {
            for _ in 0..3 {
                assert!(tx.send(Bytes::from_static(b"x")));
                counter.fetch_add(1, Ordering::SeqCst);
            }
            tx.send_last(Chunk::End);
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(sent.load(Ordering::SeqCst), 2, "the third send waits");
        let first = body.frame().await.unwrap().unwrap();
        assert_eq!(first.into_data().unwrap(), "x");
        assert_eq!(body.collect().await.unwrap().to_bytes(), "xx");
        producer.join().unwrap();
        assert_eq!(sent.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn the_sender_sees_a_dropped_body() {
        let (tx, rx) = channel(1);
        drop(Body::stream(rx, Box::new(())));
        assert!(!tx.send(Bytes::from_static(b"x")));
    }
}
