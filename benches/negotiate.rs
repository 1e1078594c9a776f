//! Content negotiation of an `Accept` header (issue 11 item 2): Prometheus 3's
//! real header, a crafted one of 24 000 clauses (0.48 s per request when every
//! clause was insertion-sorted), and the longest the request-head limit allows
//! (1 MiB of clauses). At most 64 clauses are read, so the last two cost what
//! 64 clauses cost.
//!
//! Run with: cargo bench -p exporter-benches --bench negotiate

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion};
use exporter_core::encoding::negotiate_accept;

use exporter_benches::report;

const PROM3: &str = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";

fn main() {
    let crafted = "a/b;q=0.5,".repeat(24_000);
    let clause = "application/x-nothing;q=0.5;escaping=dots,";
    let longest = clause.repeat(1024 * 1024 / clause.len());
    let mut c = Criterion::default()
        .output_directory(&report::output_dir())
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    {
        let mut group = c.benchmark_group("negotiate");
        for (name, header) in [
            ("prometheus_3", PROM3),
            ("24000_clauses", crafted.as_str()),
            ("1MiB_header", longest.as_str()),
        ] {
            group.bench_function(BenchmarkId::new(report::OURS, name), |b| {
                b.iter(|| negotiate_accept(Some(black_box(header)), true));
            });
        }
        group.finish();
    }
    c.final_summary();
    report::print_table(
        "negotiate",
        &[report::OURS],
        &[
            ("prometheus_3", 1),
            ("24000_clauses", 1),
            ("1MiB_header", 1),
        ],
        "header",
    );
}
