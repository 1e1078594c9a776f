//! A test kit for exporter authors, Go's `prometheus/testutil`: collect a
//! collector or gatherer to text, compare with expected exposition text
//! (order-insensitive, with a readable diff), read one series' value, count
//! series, and lint with promlint's rules.

use crate::collector::Collector;
use crate::encoding::{Format, MetricEncoder};
use crate::error::{CollectError, GatherError};
use crate::registry::Gatherer;

/// Collects `collector` once into the Prometheus text format.
///
/// # Errors
///
/// The collector's error.
pub fn collect_text(collector: &dyn Collector) -> Result<String, CollectError> {
    let mut encoder = MetricEncoder::new(Format::Text);
    collector.collect(&mut encoder)?;
    Ok(finish(encoder))
}

/// Gathers `gatherer` (a registry, several) into the text format.
///
/// # Errors
///
/// The failures of the gather, if any.
pub fn gather_text(gatherer: &dyn Gatherer) -> Result<String, Vec<GatherError>> {
    let mut encoder = MetricEncoder::new(Format::Text);
    let errors = gatherer.gather_into(&mut encoder);
    if errors.is_empty() {
        Ok(finish(encoder))
    } else {
        Err(errors)
    }
}

/// Gathers `gatherer` awaiting its async collectors and scrapers (no
/// deadline) into the text format.
///
/// # Errors
///
/// The failures of the gather, if any.
#[cfg(feature = "async")]
pub async fn gather_async_text(gatherer: &dyn Gatherer) -> Result<String, GatherErrors> {
    let mut encoder = MetricEncoder::new(Format::Text);
    let errors = gatherer.gather_async(&mut encoder, None).await;
    if errors.is_empty() {
        Ok(finish(encoder))
    } else {
        Err(GatherErrors(errors))
    }
}

/// The failures of a gather, as one error.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct GatherErrors(pub Vec<GatherError>);

fn finish(encoder: MetricEncoder) -> String {
    let mut out = Vec::new();
    encoder.finish_into(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}
