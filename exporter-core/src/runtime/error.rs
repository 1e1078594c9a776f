//! Why an exporter could not start.

use std::io;

use crate::desc::DescError;
use crate::registry::RegisterError;

/// Why the exporter could not start. Display texts are not a stable API.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct Error(Box<ErrorKind>);

#[derive(Debug, thiserror::Error)]
pub(super) enum ErrorKind {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: io::Error },
    #[error("cannot register collector: {0}")]
    Register(RegisterError),
    #[error("invalid exporter name for build info: {0}")]
    BuildInfo(DescError),
    #[error("cannot serve the scrapers: {0}")]
    Scrapers(crate::scrape::ScrapersError),
    #[error("cannot serve /probe: {0}")]
    Probe(&'static str),
    #[cfg(feature = "tls")]
    #[error("{0}")]
    WebConfig(crate::http::WebConfigError),
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error(Box::new(kind))
    }
}

impl Error {
    /// A listen address could not be bound (busy, not local, unresolvable).
    pub fn is_bind(&self) -> bool {
        matches!(*self.0, ErrorKind::Bind { .. })
    }

    /// The `--web.config.file` could not be loaded.
    pub fn is_web_config(&self) -> bool {
        #[cfg(feature = "tls")]
        return matches!(*self.0, ErrorKind::WebConfig(_));
        #[cfg(not(feature = "tls"))]
        false
    }

    /// A collector could not be registered.
    pub fn is_register(&self) -> bool {
        matches!(*self.0, ErrorKind::Register(_))
    }
}
