//! The way from a scrape to the response body: whole when it is small,
//! compressed chunks while it is written when it is not.

use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::oneshot;

use super::scrape::{compress_whole, count_encoding_error};
use super::{InFlight, Outcome, CHANNEL_CHUNKS, CHUNK};
use crate::encoding::MetricEncoder;
use crate::http::body::{self, Chunk, ChunkSender};
use crate::http::compress::{Compression, Compressor};
use crate::http::instrument::HandlerMetrics;

/// Turns the scrape into the response: one whole body when it fits in
/// [`CHUNK`] bytes, else compressed chunks of about [`CHUNK`] uncompressed
/// bytes each, sent as soon as they are ready. It receives the families
/// streamed while collectors run, then the rest at the end.
pub(super) struct Stream {
    compression: Compression,
    /// Started once the scrape is known to be streamed.
    compressor: Option<Compressor>,
    /// Uncompressed bytes not yet compressed.
    pending: Vec<u8>,
    /// Taken when the response head is decided.
    head: Option<oneshot::Sender<Outcome>>,
    /// Made when the scrape turns out big enough to stream: a small one
    /// (most) never pays for the channel.
    chunks: Option<ChunkSender>,
    /// The scrape runs on an async worker, which waits for the client
    /// inside `block_in_place` (see [`ChunkSender::waiting_in_place`]).
    in_place: bool,
    metrics: Option<Arc<HandlerMetrics>>,
    /// Set when the client went away or the body was aborted: skip the rest.
    done: bool,
    /// This scrape's in-flight slot (the streamed body holds another handle).
    guard: Option<Arc<InFlight>>,
}

impl Stream {
    /// A stream for one scrape in `compression`; the outcome goes to `head`
    /// when it is decided.
    pub(super) fn new(
        compression: Compression,
        head: oneshot::Sender<Outcome>,
        in_place: bool,
        metrics: Option<Arc<HandlerMetrics>>,
        guard: Option<Arc<InFlight>>,
    ) -> Self {
        Stream {
            compression,
            compressor: None,
            pending: Vec::new(),
            head: Some(head),
            chunks: None,
            in_place,
            metrics,
            done: false,
            guard,
        }
    }

    pub(super) fn push(&mut self, family: &[u8]) {
        if self.done {
            return;
        }
        self.pending.extend_from_slice(family);
        if self.pending.len() < CHUNK {
            return;
        }
        if self.compressor.is_none() {
            match Compressor::new(self.compression) {
                Ok(c) => self.compressor = Some(c),
                Err(error) => return self.fail(&error),
            }
            let Some(head) = self.head.take() else {
                self.done = true;
                return;
            };
            let (tx, rx) = body::channel(CHANNEL_CHUNKS);
            self.chunks = Some(if self.in_place {
                tx.waiting_in_place()
            } else {
                tx
            });
            if head.send(Outcome::Streaming(rx)).is_err() {
                self.done = true; // timed out meanwhile
                return;
            }
        }
        self.flush();
    }

    /// Takes the rest of the scrape (what was not streamed while collectors
    /// ran) and ends the response.
    pub(super) fn finish_with(&mut self, encoder: MetricEncoder) {
        if self.head.is_some() && self.pending.is_empty() && encoder.encoded_len() < CHUNK {
            // A small scrape: written straight into `pending` (the first
            // family's buffer becomes it), one copy fewer.
            encoder.finish_into(&mut self.pending);
        } else {
            encoder.finish_chunks(|family| self.push(family));
        }
        self.finish();
    }

    /// Compresses and sends `pending`.
    fn flush(&mut self) {
        let Some(compressor) = &mut self.compressor else {
            return;
        };
        let out = compressor.push(&self.pending);
        self.pending.clear();
        match out {
            Ok(out) => self.send(out),
            Err(error) => self.fail(&error),
        }
    }

    fn send(&mut self, out: Vec<u8>) {
        // A send error means the client went away: stop encoding.
        let Some(chunks) = &self.chunks else {
            return;
        };
        if !out.is_empty() && !chunks.send(Bytes::from(out)) {
            self.done = true;
        }
    }

    fn finish(&mut self) {
        if self.done {
            return;
        }
        if let Some(head) = self.head.take() {
            // Never started streaming: the whole scrape is in `pending`.
            let outcome = match compress_whole(self.compression, std::mem::take(&mut self.pending))
            {
                Ok(bytes) => Outcome::Whole(bytes),
                Err(error) => {
                    count_encoding_error(self.metrics.as_deref(), &error);
                    Outcome::Failed(format!("error encoding metrics: {error}\n"))
                }
            };
            drop(self.guard.take());
            let _ = head.send(outcome);
            return;
        }
        self.flush();
        if self.done {
            return;
        }
        if let Some(compressor) = self.compressor.take() {
            match compressor.finish() {
                Ok(out) => self.send(out),
                Err(error) => return self.fail(&error),
            }
        }
        if !self.done {
            if let Some(chunks) = &self.chunks {
                chunks.send_last(Chunk::End);
            }
            self.done = true;
        }
    }

    /// A collector failed under [`ErrorHandling::HttpError`](crate::http::ErrorHandling::HttpError): answer 500 if
    /// nothing was sent yet, else abort the body already under way.
    pub(super) fn fail_scrape(&mut self, message: String) {
        match self.head.take() {
            Some(head) => {
                drop(self.guard.take());
                let _ = head.send(Outcome::Failed(message));
            }
            None => self.abort(message),
        }
        self.done = true;
    }

    /// Ends a streamed body with an error, so the client sees a failed
    /// transfer rather than a body that looks complete.
    fn abort(&mut self, reason: String) {
        if !self.done {
            if let Some(chunks) = &self.chunks {
                chunks.send_last(Chunk::Abort(reason));
            }
            self.done = true;
        }
    }

    fn fail(&mut self, error: &std::io::Error) {
        count_encoding_error(self.metrics.as_deref(), error);
        match self.head.take() {
            Some(head) => {
                drop(self.guard.take());
                let _ = head.send(Outcome::Failed(format!(
                    "error encoding metrics: {error}\n"
                )));
            }
            None => self.abort(format!("error encoding metrics: {error}")),
        }
        self.done = true;
    }
}
