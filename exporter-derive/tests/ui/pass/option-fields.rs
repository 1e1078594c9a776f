// `Option<T>` fields: `None` writes no sample, the type is inferred through it.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Maybe a value.
    #[metric(gauge)]
    maybe: Option<f64>,
    /// Maybe a histogram; the type comes from the field type.
    maybe_latency_seconds: Option<exporter_core::encoding::HistogramValue<'static>>,
    /// Maybe rows.
    #[metric(gauge, labels(name))]
    maybe_rows: Option<Vec<([String; 1], u64)>>,
}

fn main() {
    let stats = Stats { maybe: None, maybe_latency_seconds: None, maybe_rows: None };
    assert_eq!(stats.describe().len(), 3);
}
