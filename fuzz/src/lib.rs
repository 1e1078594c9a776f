//! Shared pieces of the fuzz targets: a fixed registry, a runtime, and
//! independent readers of what the handler answers (content codings, family
//! names per format, the `name[]` query), so the targets can assert
//! properties of the answer and not only that nothing panicked.
//!
//! The readers here are written from the specifications (Go's promhttp and
//! `httputil.NegotiateContentEncoding`, the exposition formats), not copied
//! from exporter-core, so a target fails when the two disagree.

use std::io::Read as _;
use std::sync::{Arc, OnceLock};

use exporter_core::metric::{Counter, Family, Gauge, Histogram};
use exporter_core::{Collector, Format, Registry};

/// The families of [`fixture_registry`], by descriptor name.
pub const FAMILIES: &[&str] = &[
    "fz_requests_total",
    "fz_in_use",
    "fz_latency_seconds",
    "fz_labelled_total",
];

#[derive(Collector)]
#[collector(new)]
struct Fixture {
    /// Requests seen.
    fz_requests_total: Counter,
    /// Things in use.
    fz_in_use: Gauge,
    /// Latency of things.
    #[metric(buckets(0.1, 0.5, 1))]
    fz_latency_seconds: Histogram,
    /// Labelled events, with label values a parser must escape.
    #[metric(labels(kind))]
    fz_labelled_total: Family<[String; 1], Counter>,
}

/// A registry with a counter, a gauge, a histogram and a labelled family,
/// whose values never change (so two scrapes give the same bytes).
pub fn fixture_registry() -> Registry {
    let fixture = Fixture::new();
    fixture.fz_requests_total.inc_by(7);
    fixture.fz_in_use.set(3.5);
    fixture.fz_latency_seconds.observe(0.2);
    fixture.fz_latency_seconds.observe(2.0);
    for kind in ["plain", "quote\"d", "back\\slash", "new\nline", "ünï"] {
        fixture
            .fz_labelled_total
            .get_or_create(&[kind.to_owned()])
            .inc();
    }
    let registry = Registry::new();
    if let Err(e) = registry.register(fixture) {
        panic!("the fixture registers: {e}");
    }
    registry
}

/// A shared multi-thread runtime with two workers (so a scrape that moves
/// out of the request's task has a worker to move to).
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("runtime: {e}"))
    })
}

/// Shared state built once per process.
pub fn once<T: Send + Sync + 'static>(
    cell: &'static OnceLock<Arc<T>>,
    f: impl FnOnce() -> T,
) -> Arc<T> {
    Arc::clone(cell.get_or_init(|| Arc::new(f())))
}

/// Splits fuzz input into `n` fields at the first `n - 1` NUL bytes; missing
/// fields are `None` (an absent header), so seeds are readable text.
pub fn fields(data: &[u8], n: usize) -> Vec<Option<&[u8]>> {
    let mut out = Vec::with_capacity(n);
    let mut rest = Some(data);
    for i in 0..n {
        let Some(r) = rest else {
            out.push(None);
            continue;
        };
        if i + 1 == n {
            out.push(Some(r));
            rest = None;
        } else if let Some(pos) = r.iter().position(|&b| b == 0) {
            out.push(Some(&r[..pos]));
            rest = Some(&r[pos + 1..]);
        } else {
            out.push(Some(r));
            rest = None;
        }
    }
    out
}

/// The coding Go's `httputil.NegotiateContentEncoding` picks among `offers`
/// (in order of preference) for an `Accept-Encoding` value: the highest `q`
/// wins, ties go to the earlier offer, an exact name beats `*`, `q=0` (or a
/// `q` that is not a number in 0..=1) refuses; `None` is identity.
pub fn reference_encoding(header: Option<&str>, offers: &[&'static str]) -> Option<&'static str> {
    let header = header?;
    let mut best = None;
    let mut best_q = 0.0_f64;
    for &offer in offers {
        let mut exact = None;
        let mut star = None;
        for entry in header.split(',') {
            let mut parts = entry.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let mut q = 1.0;
            for p in parts {
                if let Some((k, v)) = p.split_once('=') {
                    if k.trim().eq_ignore_ascii_case("q") {
                        q = match v.trim().parse::<f64>() {
                            Ok(q) if (0.0..=1.0).contains(&q) => q,
                            _ => 0.0,
                        };
                    }
                }
            }
            if coding.eq_ignore_ascii_case(offer) {
                exact = Some(q);
            } else if coding == "*" {
                star = Some(q);
            }
        }
        let q = exact.or(star).unwrap_or(0.0);
        if q > best_q {
            best_q = q;
            best = Some(offer);
        }
    }
    best
}

/// The values of the `name[]` parameters of a query, as the handler
/// documents it: split on `&`, key and value percent-decoded (`+` is a
/// space, a malformed escape stays literal), invalid UTF-8 replaced.
pub fn reference_names(query: Option<&str>) -> Vec<String> {
    fn decode(s: &str) -> String {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%'
                && i + 2 < b.len()
                && b[i + 1].is_ascii_hexdigit()
                && b[i + 2].is_ascii_hexdigit()
            {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("00");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(0));
                i += 3;
            } else {
                out.push(if b[i] == b'+' { b' ' } else { b[i] });
                i += 1;
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    let Some(q) = query else { return Vec::new() };
    q.split('&')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k) == "name[]").then(|| decode(v))
        })
        .collect()
}

/// Decodes a body by its `Content-Encoding` (none, `gzip` or `zstd`).
pub fn decode_body(encoding: Option<&str>, body: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    match encoding {
        None => out.extend_from_slice(body),
        Some("gzip") => {
            flate2::read::GzDecoder::new(body)
                .read_to_end(&mut out)
                .map_err(|e| format!("gzip: {e}"))?;
        }
        Some("zstd") => {
            out = zstd::stream::decode_all(body).map_err(|e| format!("zstd: {e}"))?;
        }
        Some(other) => return Err(format!("unexpected Content-Encoding {other:?}")),
    }
    Ok(out)
}

/// The descriptor names of the families in a body, in order, read from the
/// `# TYPE` lines (text formats) or the `name` field of each delimited
/// `MetricFamily` message (protobuf). Errors on a malformed body.
pub fn families_in(format: Format, body: &[u8]) -> Result<Vec<String>, String> {
    match format {
        Format::Protobuf => proto_family_names(body),
        _ => {
            let text = std::str::from_utf8(body).map_err(|e| format!("body is not UTF-8: {e}"))?;
            if format == Format::OpenMetrics && !text.ends_with("# EOF\n") {
                return Err("OpenMetrics body without `# EOF`".to_owned());
            }
            if !text.is_empty() && !text.ends_with('\n') {
                return Err("text body not ending in a newline".to_owned());
            }
            let mut names = Vec::new();
            for line in text.lines() {
                if let Some(rest) = line.strip_prefix("# TYPE ") {
                    let (name, kind) = rest.split_once(' ').ok_or("bad # TYPE line")?;
                    // OpenMetrics names a counter family without `_total`.
                    let name = if format == Format::OpenMetrics && kind == "counter" {
                        format!("{name}_total")
                    } else {
                        name.to_owned()
                    };
                    names.push(name);
                }
            }
            Ok(names)
        }
    }
}

fn varint(b: &[u8], i: &mut usize) -> Result<u64, String> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*i).ok_or("truncated varint")?;
        *i += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err("varint too long".to_owned())
}

fn proto_family_names(body: &[u8]) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut i = 0;
    while i < body.len() {
        let len = usize::try_from(varint(body, &mut i)?).map_err(|e| e.to_string())?;
        let end = i
            .checked_add(len)
            .filter(|&e| e <= body.len())
            .ok_or("message past the end")?;
        let msg = &body[i..end];
        let mut j = 0;
        let mut name = None;
        while j < msg.len() {
            let key = varint(msg, &mut j)?;
            match key & 7 {
                0 => {
                    varint(msg, &mut j)?;
                }
                1 => j += 8,
                5 => j += 4,
                2 => {
                    let l = usize::try_from(varint(msg, &mut j)?).map_err(|e| e.to_string())?;
                    let e = j
                        .checked_add(l)
                        .filter(|&e| e <= msg.len())
                        .ok_or("field past the end")?;
                    if key >> 3 == 1 {
                        name =
                            Some(String::from_utf8(msg[j..e].to_vec()).map_err(|e| e.to_string())?);
                    }
                    j = e;
                }
                t => return Err(format!("wire type {t}")),
            }
        }
        if j != msg.len() {
            return Err("field past the end of its message".to_owned());
        }
        names.push(name.ok_or("MetricFamily without a name")?);
        i = end;
    }
    Ok(names)
}

/// What a body must hold for a `name[]` selection: every fixture family when
/// none is named, else exactly the named ones the registry has.
pub fn expected_families(names: &[String]) -> Vec<String> {
    let mut v: Vec<String> = FAMILIES
        .iter()
        .filter(|f| names.is_empty() || names.iter().any(|n| n == *f))
        .map(|f| (*f).to_owned())
        .collect();
    v.sort();
    v
}
