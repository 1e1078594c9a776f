// Native histograms: live ones built by the constructor from `native(...)` (native only,
// both native and classic, every option, in a family), and snapshot fields that hold one
// (alone, in an `Option`, in labelled collections), with counter and histogram snapshots
// that carry a created time.
use std::collections::{BTreeMap, HashMap};

use exporter_core::metric::{Family, Histogram};
use exporter_core::value::NativeHistogramSnapshot;
use exporter_core::{Collector, CounterSnapshot, HistogramSnapshot, SummarySnapshot};

#[derive(Collector)]
#[collector(new)]
struct Live {
    /// Native only.
    #[metric(histogram, native(factor = 1.1))]
    native_seconds: Histogram,
    /// Native and classic; the type is inferred from the field type.
    #[metric(buckets(0.1, 1, 10), native(factor = 1.1))]
    both_seconds: Histogram,
    /// Every option.
    #[metric(native(
        factor = 2,
        zero_threshold = 0,
        max_buckets = 160,
        min_reset_duration = "1h30m",
        max_zero_threshold = 0.001,
        max_exemplars = 4
    ))]
    tuned_seconds: Histogram,
    /// A reset duration in seconds, as `max_age`.
    #[metric(native(factor = 1.5, max_buckets = 10, min_reset_duration = 3600))]
    seconds_reset_seconds: Histogram,
    /// In a family.
    #[metric(labels(method), native(factor = 1.1))]
    request_duration_seconds: Family<[String; 1], Histogram>,
}

#[derive(Collector)]
struct Snapshot {
    /// One native histogram.
    #[metric(histogram)]
    latency_seconds: NativeHistogramSnapshot,
    /// Inferred from the field type.
    inferred_seconds: NativeHistogramSnapshot,
    /// Absent on some scrapes.
    maybe_seconds: Option<NativeHistogramSnapshot>,
    /// Labelled.
    #[metric(labels(db))]
    by_db_seconds: Vec<([String; 1], NativeHistogramSnapshot)>,
    /// In maps.
    #[metric(labels(table))]
    by_table_seconds: BTreeMap<[String; 1], NativeHistogramSnapshot>,
    /// In hash maps.
    #[metric(labels(shard))]
    by_shard_seconds: HashMap<[String; 1], NativeHistogramSnapshot>,
    /// A counter with its created time.
    queries_total: CounterSnapshot<u64>,
    /// Counters with created times, labelled.
    #[metric(labels(code))]
    errors_total: Vec<([&'static str; 1], CounterSnapshot<f64>)>,
    /// Classic snapshots carry one too.
    classic_seconds: HistogramSnapshot,
    /// And summaries.
    response_size_bytes: SummarySnapshot,
}

fn main() {
    let live = Live::new();
    live.native_seconds.observe(0.5);
    live.request_duration_seconds.with(&["GET"], |h| h.observe(0.1));
    let _ = Snapshot {
        latency_seconds: NativeHistogramSnapshot::from_buckets(0, 0.0, 0, [], [], 0.0, 0).unwrap(),
        inferred_seconds: NativeHistogramSnapshot::from_buckets(0, 0.0, 0, [], [], 0.0, 0).unwrap(),
        maybe_seconds: None,
        by_db_seconds: Vec::new(),
        by_table_seconds: BTreeMap::new(),
        by_shard_seconds: HashMap::new(),
        queries_total: CounterSnapshot::new(1),
        errors_total: Vec::new(),
        classic_seconds: HistogramSnapshot::default(),
        response_size_bytes: SummarySnapshot::default(),
    };
}
