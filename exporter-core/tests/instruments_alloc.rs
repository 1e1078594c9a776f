//! Updating an existing labelled series allocates nothing. Its own test binary,
//! because `allocation-counter` replaces the global allocator (it counts the
//! allocations of the measuring thread only).

use exporter_core::metric::{Counter, Family, Gauge, Histogram};

#[test]
fn labelled_update_of_an_existing_series_does_not_allocate() {
    let counters = Family::<[String; 2], Counter>::default();
    let tuples = Family::<(String, String), Gauge>::default();
    let hists = Family::<[String; 1], Histogram>::default();
    // Creating series allocates (the key, the instrument); do it up front.
    for i in 0..100 {
        let code = i.to_string();
        counters.get_or_create(&["GET", code.as_str()]);
        tuples.get_or_create(&("a", code.as_str()));
    }
    hists.get_or_create(&["/"]);

    let info = allocation_counter::measure(|| {
        for _ in 0..1_000 {
            counters.with(&["GET", "42"], Counter::inc);
            counters.get_or_create(&["GET", "7"]).inc_by(2);
            tuples.with(&("a", "99"), |g| g.set(1.5));
            hists.with(&["/"], |h| h.observe(0.2));
            assert!(counters.get(&["GET", "missing"]).is_none());
        }
    });
    assert_eq!(info.count_total, 0, "{info:?}");
    assert_eq!(counters.get(&["GET", "42"]).map(|c| c.get()), Some(1_000));
    assert_eq!(counters.get(&["GET", "7"]).map(|c| c.get()), Some(2_000));

    // The measurement is real: creating one series is seen.
    let info = allocation_counter::measure(|| {
        counters.with(&["GET", "new"], Counter::inc);
    });
    assert!(info.count_total > 0, "{info:?}");
}

/// Issue 10: a native observation whose bucket exists allocates nothing; the
/// first ones in new buckets grow the bucket table.
#[test]
fn native_observation_of_an_existing_bucket_does_not_allocate() {
    let proto = Histogram::builder().native(1.1).build().unwrap();
    let hists = Family::<[String; 1], Histogram>::new_with(move || proto.empty_like());
    hists.with(&["/"], |h| {
        h.observe(0.2);
        h.observe(-0.2);
        h.observe(0.0);
    });
    let info = allocation_counter::measure(|| {
        for _ in 0..1_000 {
            hists.with(&["/"], |h| {
                h.observe(0.2);
                h.observe(-0.2);
                h.observe(0.0);
            });
        }
    });
    assert_eq!(info.count_total, 0, "{info:?}");
    assert_eq!(hists.get(&["/"]).map(|h| h.count()), Some(3_003));
    // New buckets grow the bucket table: that is seen.
    let info = allocation_counter::measure(|| {
        hists.with(&["/"], |h| {
            for i in 1..40 {
                h.observe(f64::from(i) * 10.0);
            }
        });
    });
    assert!(info.count_total > 0, "{info:?}");
}
