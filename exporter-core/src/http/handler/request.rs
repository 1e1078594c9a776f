//! What the handler reads from a request: the method, the headers that pick
//! the format, the coding and the deadline, and the `name[]` filter.

use std::time::{Duration, Instant};

use http::{header, HeaderName, HeaderValue, Method, Request};

use crate::collector::ScrapeRequest;

/// The scraper's own timeout, in seconds (Prometheus sends it on every scrape).
static SCRAPE_TIMEOUT: HeaderName = HeaderName::from_static("x-prometheus-scrape-timeout-seconds");

/// What the handler needs from a request, taken before the first await so
/// that the answer does not borrow the request. Headers are kept as they
/// came (a cheap clone of shared bytes); one that is not visible ASCII reads
/// as absent, never as an error.
pub(super) struct RequestInfo {
    pub(super) method: Method,
    accept: Option<HeaderValue>,
    accept_encoding: Option<HeaderValue>,
    scrape_timeout: Option<HeaderValue>,
    /// `name[]` query parameters: only these families are written.
    pub(super) names: Vec<String>,
    /// `collect[]`, `target` and `module`, for the scrapers.
    pub(super) request: ScrapeRequest,
}

impl RequestInfo {
    pub(super) fn of<B>(req: &Request<B>) -> Self {
        // One pass over the few headers a scrape sends, instead of a lookup
        // per header wanted: each lookup hashes its name. The first value of
        // a name is kept, as a lookup gives.
        let (mut accept, mut accept_encoding, mut scrape_timeout) = (None, None, None);
        for (name, value) in req.headers() {
            let wanted = if name == header::ACCEPT {
                &mut accept
            } else if name == header::ACCEPT_ENCODING {
                &mut accept_encoding
            } else if name == SCRAPE_TIMEOUT {
                &mut scrape_timeout
            } else {
                continue;
            };
            if wanted.is_none() {
                *wanted = Some(value.clone());
            }
        }
        let (names, request) = read_query(req.uri().query());
        RequestInfo {
            method: req.method().clone(),
            accept,
            accept_encoding,
            scrape_timeout,
            names,
            request,
        }
    }

    pub(super) fn accept(&self) -> Option<&str> {
        self.accept.as_ref().and_then(|v| v.to_str().ok())
    }

    pub(super) fn accept_encoding(&self) -> Option<&str> {
        self.accept_encoding.as_ref().and_then(|v| v.to_str().ok())
    }

    /// When async collectors are cancelled: the scraper's timeout minus
    /// `offset`, capped by the handler's own `timeout`. A malformed or
    /// absurd header (negative, not a number, past what an `Instant` holds)
    /// is ignored.
    pub(super) fn deadline(&self, offset: Duration, timeout: Option<Duration>) -> Option<Instant> {
        if self.scrape_timeout.is_none() && timeout.is_none() {
            return None;
        }
        let now = Instant::now();
        let from_header = self
            .scrape_timeout
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|secs| secs.is_finite() && *secs > 0.0)
            .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
            .and_then(|limit| now.checked_add(limit.saturating_sub(offset)));
        let from_opts = timeout.and_then(|limit| now.checked_add(limit));
        match (from_header, from_opts) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// Reads the query in one pass: the `name[]` values for the handler's
/// filter, and `collect[]`, `target` and `module` for the scrapers, decoded
/// as Go's `url.ParseQuery` decodes them (`+` is a space, `%XX` a byte); a
/// malformed escape is kept as written, where Go drops the pair.
fn read_query(query: Option<&str>) -> (Vec<String>, ScrapeRequest) {
    let (mut names, mut request) = (Vec::new(), ScrapeRequest::default());
    for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if key == "name[]" {
            names.push(value.into_owned());
        } else {
            request.read_pair(&key, value);
        }
    }
    (names, request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_is_read_once_and_decoded_as_go_does() {
        let query = "name%5B%5D=a+b&x=1&collect[]=c+d&name[]=c%2Fd&target=t&name[]=";
        let (names, request) = read_query(Some(query));
        assert_eq!(names, ["a b", "c/d", ""]);
        assert_eq!(request, ScrapeRequest::from_query(Some(query)));
        assert_eq!(
            (request.collect(), request.target()),
            (&["c d".to_owned()][..], Some("t"))
        );
        let (names, request) = read_query(None);
        assert!(names.is_empty());
        assert_eq!(request, ScrapeRequest::default());
    }

    #[test]
    fn the_first_value_of_each_header_is_read() {
        let req = Request::builder()
            .header(header::ACCEPT, "text/plain")
            .header("Accept-Encoding", "gzip")
            .header(header::ACCEPT, "application/openmetrics-text")
            .header(&SCRAPE_TIMEOUT, "10")
            .header(&SCRAPE_TIMEOUT, "20")
            .body(())
            .unwrap();
        let info = RequestInfo::of(&req);
        assert_eq!(info.accept(), Some("text/plain"));
        assert_eq!(info.accept_encoding(), Some("gzip"));
        let deadline = info.deadline(Duration::ZERO, None).unwrap();
        assert!(deadline <= Instant::now() + Duration::from_secs(10));
        assert!(deadline > Instant::now() + Duration::from_secs(9));
    }

    #[test]
    fn a_huge_scrape_timeout_is_ignored_not_a_panic() {
        let req = Request::builder()
            .header(&SCRAPE_TIMEOUT, "1e19")
            .body(())
            .unwrap();
        let info = RequestInfo::of(&req);
        assert_eq!(info.deadline(Duration::from_millis(500), None), None);
        let capped = info.deadline(Duration::ZERO, Some(Duration::from_secs(1)));
        assert!(capped.is_some_and(|d| d <= Instant::now() + Duration::from_secs(1)));
    }
}
