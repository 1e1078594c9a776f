//! Response compression: `Accept-Encoding` negotiation and a streaming
//! compressor that turns uncompressed chunks into compressed ones.

use std::io::{self, Write};

/// A content coding the handler can answer in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Compression {
    /// No compression.
    Identity,
    /// `gzip` (flate2).
    Gzip,
    /// `zstd`, with the `zstd` cargo feature.
    #[cfg(feature = "zstd")]
    Zstd,
}

impl Compression {
    /// The `Content-Encoding` token, `None` for identity.
    pub fn content_encoding(self) -> Option<&'static str> {
        match self {
            Compression::Identity => None,
            Compression::Gzip => Some("gzip"),
            #[cfg(feature = "zstd")]
            Compression::Zstd => Some("zstd"),
        }
    }

    /// Every coding this build offers, in the server's order of preference
    /// (used to break ties between equal `q` values).
    pub fn offered() -> &'static [Compression] {
        &[
            Compression::Gzip,
            #[cfg(feature = "zstd")]
            Compression::Zstd,
        ]
    }
}

/// Picks the coding for `accept_encoding` among `offers` (Go's
/// `httputil.NegotiateContentEncoding`): the highest `q` wins, ties go to the
/// earlier offer, `*` matches any offer, `q=0` refuses. Never fails: an absent
/// or malformed header means identity, and malformed entries are skipped.
pub(crate) fn negotiate(accept_encoding: Option<&str>, offers: &[Compression]) -> Compression {
    let Some(header) = accept_encoding else {
        return Compression::Identity;
    };
    let mut best = Compression::Identity;
    let mut best_q = 0.0_f64;
    for offer in offers {
        let Some(token) = offer.content_encoding() else {
            continue;
        };
        let mut q_exact: Option<f64> = None;
        let mut q_star: Option<f64> = None;
        for entry in header.split(',') {
            let mut parts = entry.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let mut q = 1.0;
            for param in parts {
                if let Some((k, v)) = param.split_once('=') {
                    if k.trim().eq_ignore_ascii_case("q") {
                        // A malformed q refuses that entry rather than the request.
                        q = v
                            .trim()
                            .parse::<f64>()
                            .ok()
                            .filter(|q| (0.0..=1.0).contains(q))
                            .unwrap_or(0.0);
                    }
                }
            }
            if coding.eq_ignore_ascii_case(token) {
                q_exact = Some(q);
            } else if coding == "*" {
                q_star = Some(q);
            }
        }
        let q = q_exact.or(q_star).unwrap_or(0.0);
        if q > best_q {
            best_q = q;
            best = *offer;
        }
    }
    best
}

/// Compresses a stream of chunks; each [`push`](Compressor::push) returns the
/// compressed bytes produced so far, so they can be sent before the rest of
/// the body exists.
pub(crate) enum Compressor {
    Identity,
    Gzip(flate2::write::GzEncoder<Vec<u8>>),
    #[cfg(feature = "zstd")]
    Zstd(zstd::stream::write::Encoder<'static, Vec<u8>>),
}

impl Compressor {
    // Only zstd's encoder can fail to start.
    #[cfg_attr(not(feature = "zstd"), allow(clippy::unnecessary_wraps))]
    pub(crate) fn new(compression: Compression) -> io::Result<Self> {
        Ok(match compression {
            Compression::Identity => Compressor::Identity,
            // Level 1, as Go's promhttp (gzip.BestSpeed): scrapes are frequent
            // and the CPU cost matters more than the last few percent of size.
            Compression::Gzip => Compressor::Gzip(flate2::write::GzEncoder::new(
                Vec::new(),
                flate2::Compression::fast(),
            )),
            #[cfg(feature = "zstd")]
            Compression::Zstd => {
                Compressor::Zstd(zstd::stream::write::Encoder::new(Vec::new(), 1)?)
            }
        })
    }

    /// Feeds `chunk`; returns the compressed output that is ready.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> io::Result<Vec<u8>> {
        match self {
            Compressor::Identity => Ok(chunk.to_vec()),
            Compressor::Gzip(enc) => {
                enc.write_all(chunk)?;
                Ok(std::mem::take(enc.get_mut()))
            }
            #[cfg(feature = "zstd")]
            Compressor::Zstd(enc) => {
                enc.write_all(chunk)?;
                Ok(std::mem::take(enc.get_mut()))
            }
        }
    }

    /// Ends the stream; returns the last compressed bytes.
    pub(crate) fn finish(self) -> io::Result<Vec<u8>> {
        match self {
            Compressor::Identity => Ok(Vec::new()),
            Compressor::Gzip(enc) => enc.finish(),
            #[cfg(feature = "zstd")]
            Compressor::Zstd(enc) => enc.finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_follows_q_values() {
        let offers = Compression::offered();
        assert_eq!(negotiate(None, offers), Compression::Identity);
        assert_eq!(negotiate(Some("gzip"), offers), Compression::Gzip);
        assert_eq!(negotiate(Some("GZIP;q=0.5"), offers), Compression::Gzip);
        assert_eq!(negotiate(Some("gzip;q=0"), offers), Compression::Identity);
        assert_eq!(
            negotiate(Some("br, deflate"), offers),
            Compression::Identity
        );
        assert_eq!(negotiate(Some("*"), offers), Compression::Gzip);
        assert_eq!(
            negotiate(Some(";;;,,=q=,gzip;q=zz"), offers),
            Compression::Identity
        );
        assert_eq!(negotiate(Some("gzip"), &[]), Compression::Identity);
        #[cfg(feature = "zstd")]
        {
            assert_eq!(negotiate(Some("zstd"), offers), Compression::Zstd);
            assert_eq!(
                negotiate(Some("gzip;q=0.5, zstd"), offers),
                Compression::Zstd
            );
            assert_eq!(negotiate(Some("gzip, zstd"), offers), Compression::Gzip);
        }
    }

    #[test]
    fn gzip_stream_round_trips() {
        let mut c = Compressor::new(Compression::Gzip).unwrap();
        let mut out = Vec::new();
        let text = "metric_a 1\n".repeat(10_000);
        for chunk in text.as_bytes().chunks(777) {
            out.extend(c.push(chunk).unwrap());
        }
        out.extend(c.finish().unwrap());
        let mut back = String::new();
        io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&out[..]), &mut back).unwrap();
        assert_eq!(back, text);
    }
}
