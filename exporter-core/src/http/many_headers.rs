//! Request heads with many header fields, paid for only by the requests that have them.
//!
//! hyper parses a request head into a fixed number of header slots. Its default, 100
//! slots, lives on the stack and costs nothing; any other number is a pair of arrays
//! that hyper allocates and fills for every request. At the 1 000 fields the server
//! takes (Go has no count limit at all), that is about 10 000 instructions and 64 KiB
//! of writes per request, more than the rest of a small scrape's parsing and routing.
//! So a connection pays for the wide parse only once a head needs it:
//!
//! 1. A connection starts on hyper's default slots, its IO wrapped in [`Widen`].
//! 2. A head with more than 100 fields makes hyper answer 431 and end the connection
//!    with a "too large" parse error. [`Widen`] holds that 431 back from the client
//!    and keeps the socket open, and hyper gives it back with the bytes it read but
//!    did not parse.
//! 3. The connection goes on with the wide parse over the same socket, reading the
//!    refused head again first. That head is served, or refused for real (more than
//!    1 000 fields, or over the size limit, which takes the same path).
//!
//! hyper writes such an answer only between responses (it reads the next head after
//! the previous response is flushed), into an empty buffer, so its first write
//! starts with the status line. `Widen` holds a write back only when it starts so
//! and does not continue a partial write (where any bytes may come); a body frame
//! written on its own could still start so in theory, so should the connection go
//! on, the held bytes are written before anything else, only late.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::{Buf, Bytes};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The status line hyper writes when a head is too large for its slots or buffer.
const REFUSED: &[u8] = b"HTTP/1.1 431 ";

/// A connection's IO that can hold back hyper's 431 for a head with many fields, and
/// replay that head to the wide parse (see the module docs).
pub(super) struct Widen<S> {
    io: S,
    /// Still on hyper's default slots: its 431 may be held back.
    narrow: bool,
    /// The last write to the socket was partial: the next one continues it.
    partial: bool,
    /// A write held back (what of it is not written yet, once released).
    held: Bytes,
    /// Read before the socket: the head the default slots refused.
    replay: Bytes,
}

impl<S> Widen<S> {
    pub(super) fn new(io: S) -> Self {
        Widen {
            io,
            narrow: true,
            partial: false,
            held: Bytes::new(),
            replay: Bytes::new(),
        }
    }

    /// Whether hyper's answer to a head is held back.
    pub(super) fn holds_refusal(&self) -> bool {
        self.held.starts_with(REFUSED)
    }

    /// For the wide parse: drops the held answer and reads `unparsed` (the bytes
    /// hyper read and did not parse, the refused head first) before the socket.
    pub(super) fn widen(mut self, unparsed: Bytes) -> Self {
        self.narrow = false;
        self.held = Bytes::new();
        self.replay = unparsed;
        self
    }
}

impl<S: AsyncWrite + Unpin> Widen<S> {
    /// Writes what was held back, when the connection went on after all.
    fn poll_release(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.held.is_empty() {
            let n = ready!(Pin::new(&mut self.io).poll_write(cx, &self.held))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.held.advance(n);
        }
        Poll::Ready(Ok(()))
    }

    /// Holds `bufs` back when they are hyper's answer to a head with many fields.
    fn hold(&mut self, bufs: &[io::IoSlice<'_>]) -> Option<usize> {
        if !self.narrow || self.partial {
            return None;
        }
        let first = bufs.iter().find(|b| !b.is_empty())?;
        if !first.starts_with(REFUSED) {
            return None;
        }
        self.held = bufs.iter().flat_map(|b| b.iter().copied()).collect();
        Some(self.held.len())
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Widen<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.replay.is_empty() {
            let n = this.replay.len().min(buf.remaining());
            buf.put_slice(&this.replay[..n]);
            this.replay.advance(n);
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.io).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Widen<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[io::IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_release(cx))?;
        if let Some(n) = this.hold(bufs) {
            return Poll::Ready(Ok(n));
        }
        let n = ready!(Pin::new(&mut this.io).poll_write_vectored(cx, bufs))?;
        if this.narrow {
            this.partial = n < bufs.iter().map(|b| b.len()).sum();
        }
        Poll::Ready(Ok(n))
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    /// Flushes the socket, not what is held back: that is written only if the
    /// connection goes on.
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    /// Keeps the socket open while hyper's 431 is held back: the connection
    /// goes on with the wide parse. Otherwise writes what is held, then shuts down.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.narrow && this.holds_refusal() {
            return Poll::Ready(Ok(()));
        }
        ready!(this.poll_release(cx))?;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const HEAD: &[u8] = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";

    #[tokio::test]
    async fn a_refusal_is_held_and_the_head_replayed_to_the_wide_parse() {
        let (server, mut client) = tokio::io::duplex(1 << 16);
        let mut io = Widen::new(server);
        client.write_all(HEAD).await.unwrap();
        let mut head = vec![0; HEAD.len()];
        io.read_exact(&mut head).await.unwrap();
        io.write_all(b"HTTP/1.1 431 Request Header Fields Too Large\r\n\r\n")
            .await
            .unwrap();
        io.flush().await.unwrap();
        assert!(io.holds_refusal());

        let mut io = io.widen(Bytes::from(head));
        assert!(!io.holds_refusal());
        let mut replayed = vec![0; HEAD.len()];
        io.read_exact(&mut replayed).await.unwrap();
        assert_eq!(replayed, HEAD);
        // Wide: a 431 now goes out.
        io.write_all(b"HTTP/1.1 431 x\r\n\r\n").await.unwrap();
        io.write_all(b"HTTP/1.1 200 OK\r\n\r\n").await.unwrap();
        io.shutdown().await.unwrap();
        let mut seen = String::new();
        client.read_to_string(&mut seen).await.unwrap();
        assert_eq!(seen, "HTTP/1.1 431 x\r\n\r\nHTTP/1.1 200 OK\r\n\r\n");
    }

    #[tokio::test]
    async fn the_rest_of_a_partial_write_is_never_held() {
        let (server, mut client) = tokio::io::duplex(16);
        let mut io = Widen::new(server);
        assert_eq!(io.write(&[b'a'; 32]).await.unwrap(), 16);
        let mut first = [0; 16];
        client.read_exact(&mut first).await.unwrap();
        io.write_all(b"HTTP/1.1 431 x\r\n").await.unwrap();
        assert!(!io.holds_refusal());
        let mut rest = [0; 16];
        client.read_exact(&mut rest).await.unwrap();
        assert_eq!(&rest, b"HTTP/1.1 431 x\r\n");
    }

    #[tokio::test]
    async fn held_bytes_go_out_first_when_the_connection_goes_on() {
        let (server, mut client) = tokio::io::duplex(1 << 16);
        let mut io = Widen::new(server);
        // A body frame that happens to look like the refusal.
        io.write_all(b"HTTP/1.1 431 inside a body, ").await.unwrap();
        assert!(io.holds_refusal());
        io.write_all(b"then the rest").await.unwrap();
        assert!(!io.holds_refusal());
        io.write_all(b"; and the end").await.unwrap();
        io.shutdown().await.unwrap();
        let mut seen = String::new();
        client.read_to_string(&mut seen).await.unwrap();
        assert_eq!(
            seen,
            "HTTP/1.1 431 inside a body, then the rest; and the end"
        );
    }
}
