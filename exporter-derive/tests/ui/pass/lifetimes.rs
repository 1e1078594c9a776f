// Borrowed snapshots: lifetimes on the struct and in field types.
use exporter_core::{Collector, Format, MetricEncoder};

#[derive(Collector)]
struct Stats<'a> {
    /// Rows borrowed from the caller.
    #[metric(gauge, labels(name))]
    rows: &'a [([&'a str; 1], f64)],
    /// A borrowed histogram.
    latency_seconds: exporter_core::encoding::HistogramValue<'a>,
}

fn main() {
    let rows = vec![(["a"], 1.0)];
    let stats = Stats {
        rows: &rows,
        latency_seconds: exporter_core::encoding::HistogramValue {
            buckets: &[(1.0, 1)],
            sum: 0.5,
            count: 1,
        },
    };
    assert_eq!(stats.describe().len(), 2);
    let mut encoder = MetricEncoder::new(Format::Text);
    stats.collect(&mut encoder).unwrap();
    let mut out = Vec::new();
    encoder.finish_into(&mut out);
    assert!(String::from_utf8(out).unwrap().contains("rows{name=\"a\"} 1\n"));
}
