//! The per-request cost of basic auth once a user's password was verified (the
//! remembered check: header parse, base64, a map lookup and a set lookup); issue 11
//! asks for under 10 µs. Run with: `cargo bench -p exporter-benches --bench basic_auth`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use exporter_core::http::WebConfig;

fn basic_auth(c: &mut Criterion) {
    let hash = "$2b$10$iLvL/jmOpWFdvpkp/L1rIOC4VGuvYBWv61Q3UaCaw/hVeFAGlrkLa";
    let Ok(config) = WebConfig::from_yaml(
        &format!("basic_auth_users:\n  prometheus: {hash}\n  other: {hash}\n"),
        ".".as_ref(),
    ) else {
        return;
    };
    // base64("prometheus:secret")
    let header = b"Basic cHJvbWV0aGV1czpzZWNyZXQ=";
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().build() else {
        return;
    };
    // The first check runs bcrypt (cost 10) and remembers the credentials.
    assert!(runtime.block_on(config.check_basic_auth(Some(header))));
    c.bench_function("basic_auth/cached_lookup", |b| {
        b.iter(|| black_box(config.check_basic_auth_cached(black_box(header))));
    });
    c.bench_function("basic_auth/cached_check_async", |b| {
        b.iter(|| runtime.block_on(config.check_basic_auth(Some(black_box(header)))));
    });
}

criterion_group!(benches, basic_auth);
criterion_main!(benches);
