//! The encoder API around the formats: name filters, chunked output, and the
//! errors (never panics) for bad exemplars, wrong sample kinds and label arity.

mod common;

use exporter_core::value::{Exemplar, ExemplarError, HistogramValue, SampleOpts};
use exporter_core::{CollectError, Desc, Format, MetricEncoder, MetricType};

const FORMATS: [Format; 3] = [Format::Text, Format::OpenMetrics, Format::Protobuf];

fn all_into(enc: &mut MetricEncoder) {
    for f in common::ALL {
        f(enc);
    }
}

#[test]
fn chunks_concatenate_to_the_whole_output() {
    for format in FORMATS {
        let whole = common::encode(format, common::ALL);
        let mut enc = MetricEncoder::new(format);
        all_into(&mut enc);
        let mut chunks: Vec<Vec<u8>> = Vec::new();
        enc.finish_chunks(|c| chunks.push(c.to_vec()));
        // One chunk per family, plus `# EOF` in OpenMetrics.
        let expected = 7 + usize::from(format == Format::OpenMetrics);
        assert_eq!(chunks.len(), expected, "{format:?}");
        assert_eq!(chunks.concat(), whole, "{format:?}");
    }
}

#[test]
fn finish_appends_after_what_out_holds() {
    for format in FORMATS {
        let whole = common::encode(format, common::ALL);
        let mut enc = MetricEncoder::new(format);
        all_into(&mut enc);
        let mut out = b"before".to_vec();
        enc.finish_into(&mut out);
        assert_eq!(out, [&b"before"[..], &whole].concat(), "{format:?}");
    }
}

#[test]
fn families_come_out_sorted_whole_and_without_empty_ones() {
    let desc = |name: &str| Desc::new(name, "h", MetricType::Gauge, ["k"]).unwrap();
    let (a, b, c) = (desc("a"), desc("b"), desc("c"));
    let mut enc = MetricEncoder::new(Format::Text);
    enc.family(&b).unwrap().sample(&["1"], 1).unwrap();
    enc.family(&c).unwrap();
    enc.family(&a).unwrap().sample(&["x"], 0.5).unwrap();
    enc.family(&b).unwrap().sample(&["2"], 2).unwrap();
    let mut out = Vec::new();
    enc.finish_into(&mut out);
    let text = String::from_utf8(out).unwrap();
    assert_eq!(
        text,
        "# HELP a h\n# TYPE a gauge\na{k=\"x\"} 0.5\n\
         # HELP b h\n# TYPE b gauge\nb{k=\"1\"} 1\nb{k=\"2\"} 2\n"
    );
    let families = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned())))
        .unwrap()
        .samples;
    assert_eq!(families.len(), 3);
}

#[test]
fn a_size_hint_changes_nothing_in_the_output() {
    let desc = Desc::new("a", "h", MetricType::Gauge, ["k"]).unwrap();
    let write = |hint: Option<usize>| {
        let mut enc = MetricEncoder::new(Format::Text);
        let mut fam = enc.family(&desc).unwrap();
        if let Some(series) = hint {
            fam.reserve_series(series);
        }
        fam.sample(&["x"], 1).unwrap();
        fam.sample(&["y"], 2).unwrap();
        let mut out = Vec::new();
        enc.finish_into(&mut out);
        out
    };
    assert_eq!(write(Some(1000)), write(None));
    assert_eq!(write(Some(0)), write(None));
}

#[test]
fn filter_keeps_only_named_families() {
    for format in FORMATS {
        let mut enc = MetricEncoder::new(format);
        enc.filter_names(["door".to_owned(), "build_info".to_owned()]);
        all_into(&mut enc);
        let mut out = Vec::new();
        enc.finish_into(&mut out);
        let expected = common::encode(format, &[common::info, common::stateset]);
        assert_eq!(out, expected, "{format:?}");
    }
}

#[test]
fn empty_filter_means_all() {
    let mut enc = MetricEncoder::new(Format::Text);
    enc.filter_names(Vec::new());
    all_into(&mut enc);
    let mut out = Vec::new();
    enc.finish_into(&mut out);
    assert_eq!(out, common::encode(Format::Text, common::ALL));
}

fn counter() -> Desc {
    Desc::new("c_total", "C.", MetricType::Counter, ["l"]).unwrap()
}

fn exemplar_error(e: CollectError) -> ExemplarError {
    match e {
        CollectError::Other(inner) => *inner.downcast::<ExemplarError>().unwrap(),
        other => panic!("expected an exemplar error, got {other:?}"),
    }
}

#[test]
fn exemplar_over_128_chars_is_an_error() {
    let long = "é".repeat(121); // 121 characters, 242 bytes
    let ok = "é".repeat(120);
    for format in FORMATS {
        let desc = counter();
        let mut enc = MetricEncoder::new(format);
        let mut fam = enc.family(&desc).unwrap();
        // "trace_id" is 8 characters: 8 + 120 = 128 is allowed, 129 is not.
        let labels = [("trace_id", ok.as_str())];
        fam.sample_with_exemplar(
            &["a"],
            1u64,
            &SampleOpts::default(),
            &Exemplar::new(&labels, 1.0),
        )
        .unwrap();
        let labels = [("trace_id", long.as_str())];
        let err = fam
            .sample_with_exemplar(
                &["b"],
                1u64,
                &SampleOpts::default(),
                &Exemplar::new(&labels, 1.0),
            )
            .unwrap_err();
        assert_eq!(exemplar_error(err), ExemplarError::TooLong { chars: 129 });
        let bad = [("trace-id", "x")];
        let value = HistogramValue {
            buckets: &[(1.0, 1)],
            sum: 1.0,
            count: 1,
        };
        let hdesc = Desc::new("h", "H.", MetricType::Histogram, [] as [&str; 0]).unwrap();
        let err = enc
            .family(&hdesc)
            .unwrap()
            .histogram_with(
                &(),
                &value,
                &SampleOpts::default(),
                &[Some(Exemplar::new(&bad, 1.0))],
            )
            .unwrap_err();
        assert!(matches!(
            exemplar_error(err),
            ExemplarError::LabelName { .. }
        ));
        // The refused samples left nothing behind.
        let mut out = Vec::new();
        enc.finish_into(&mut out);
        assert_eq!(out, {
            let mut enc = MetricEncoder::new(format);
            let labels = [("trace_id", ok.as_str())];
            enc.family(&desc)
                .unwrap()
                .sample_with_exemplar(
                    &["a"],
                    1u64,
                    &SampleOpts::default(),
                    &Exemplar::new(&labels, 1.0),
                )
                .unwrap();
            let mut out = Vec::new();
            enc.finish_into(&mut out);
            out
        });
    }
}

#[test]
fn wrong_kind_of_sample_is_an_error() {
    for format in FORMATS {
        let gauge = Desc::new("g", "G.", MetricType::Gauge, [] as [&str; 0]).unwrap();
        let mut enc = MetricEncoder::new(format);
        let mut fam = enc.family(&gauge).unwrap();
        let e = Exemplar::new(&[], 1.0);
        assert!(matches!(
            fam.sample_with_exemplar(&(), 1, &SampleOpts::default(), &e),
            Err(CollectError::WrongType { .. })
        ));
        assert!(matches!(fam.info(&()), Err(CollectError::WrongType { .. })));
        assert!(matches!(
            fam.stateset(&(), &[("a", true)]),
            Err(CollectError::WrongType { .. })
        ));
        let info = Desc::new("i", "I.", MetricType::Info, [] as [&str; 0]).unwrap();
        assert!(matches!(
            enc.family(&info).unwrap().sample(&(), 1),
            Err(CollectError::WrongType { .. })
        ));
    }
}

#[test]
fn label_arity_is_checked_in_every_format() {
    for format in FORMATS {
        let desc = counter();
        let mut enc = MetricEncoder::new(format);
        let mut fam = enc.family(&desc).unwrap();
        assert!(matches!(
            fam.sample(&["a", "b"], 1),
            Err(CollectError::LabelArity {
                expected: 1,
                got: 2,
                ..
            })
        ));
        assert!(matches!(
            fam.sample(&(), 1),
            Err(CollectError::LabelArity {
                expected: 1,
                got: 0,
                ..
            })
        ));
        let sdesc = Desc::new("s", "S.", MetricType::StateSet, ["l"]).unwrap();
        assert!(matches!(
            enc.family(&sdesc)
                .unwrap()
                .stateset(&(), &[("x", true), ("y", false)]),
            Err(CollectError::LabelArity { .. })
        ));
        let mut out = Vec::new();
        enc.finish_into(&mut out);
        let trailer: &[u8] = if format == Format::OpenMetrics {
            b"# EOF\n"
        } else {
            b""
        };
        assert_eq!(
            out, trailer,
            "{format:?}: failed samples must leave nothing"
        );
    }
}

/// Writes one good sample, then fails half-way through a second family.
struct HalfFailing {
    good: Desc,
    bad: Desc,
}

impl exporter_core::Collector for HalfFailing {
    fn describe(&self) -> Vec<&Desc> {
        vec![&self.good, &self.bad]
    }

    fn collect(&self, enc: &mut MetricEncoder) -> Result<(), CollectError> {
        enc.family(&self.good)?.sample(&(), 1)?;
        let mut fam = enc.family(&self.bad)?;
        fam.sample(&(), 2)?;
        Err(CollectError::other("backend down"))
    }
}

#[test]
fn a_failing_collector_leaves_no_trace_in_any_format() {
    for format in FORMATS {
        let registry = exporter_core::Registry::new();
        registry
            .register(HalfFailing {
                good: Desc::new("half_good", "G.", MetricType::Gauge, [] as [&str; 0]).unwrap(),
                bad: Desc::new("half_bad", "B.", MetricType::Gauge, [] as [&str; 0]).unwrap(),
            })
            .unwrap();
        registry.register(common::counter_collector()).unwrap();
        let (out, errors) = registry.gather(format);
        assert_eq!(errors.len(), 1, "{format:?}");
        assert_eq!(
            out,
            common::encode(format, &[common::counter]),
            "{format:?}"
        );
    }
}

#[test]
fn exemplar_timestamp_must_be_finite() {
    let desc = counter();
    let mut enc = MetricEncoder::new(Format::OpenMetrics);
    let e = Exemplar::new(&[], 1.0).with_timestamp(f64::NAN);
    let err = enc
        .family(&desc)
        .unwrap()
        .sample_with_exemplar(&["a"], 1, &SampleOpts::default(), &e)
        .unwrap_err();
    assert_eq!(exemplar_error(err), ExemplarError::Timestamp);
}

#[test]
fn nan_and_negative_counters_are_left_out_and_recorded_in_every_format() {
    let desc = Desc::new("jobs_total", "Jobs.", MetricType::Counter, ["queue"]).unwrap();
    let gauge = Desc::new("temp", "T.", MetricType::Gauge, [] as [&str; 0]).unwrap();
    for format in FORMATS {
        for batched in [false, true] {
            let mut enc = MetricEncoder::new(format);
            let rows = [(["ok"], 1.0), (["nan"], f64::NAN), (["neg"], -2.0)];
            let mut family = enc.family(&desc).unwrap();
            if batched {
                family.samples(rows.iter().map(|(l, v)| (l, *v))).unwrap();
            } else {
                for (l, v) in &rows {
                    family.sample(l, *v).unwrap();
                }
            }
            // Integers too; a negative gauge is fine.
            enc.family(&desc).unwrap().sample(&["int"], -3_i64).unwrap();
            enc.family(&gauge).unwrap().sample(&(), -1.5).unwrap();
            let dropped: Vec<(String, String)> = enc
                .dropped_series()
                .iter()
                .map(|d| (d.family.clone(), d.labels.clone()))
                .collect();
            assert_eq!(
                dropped,
                [
                    ("jobs_total".to_owned(), "{queue=\"nan\"}".to_owned()),
                    ("jobs_total".to_owned(), "{queue=\"neg\"}".to_owned()),
                    ("jobs_total".to_owned(), "{queue=\"int\"}".to_owned()),
                ],
                "{format:?}"
            );
            let mut out = Vec::new();
            enc.finish_into(&mut out);
            let out = String::from_utf8_lossy(&out);
            assert!(
                out.contains("ok")
                    && !out.contains("nan")
                    && !out.contains("neg")
                    && !out.contains("int"),
                "{format:?}: {out}"
            );
        }
    }
}

#[test]
fn a_left_out_counter_still_checks_its_label_count() {
    let desc = Desc::new("jobs_total", "Jobs.", MetricType::Counter, ["queue"]).unwrap();
    let mut enc = MetricEncoder::new(Format::Text);
    let err = enc
        .family(&desc)
        .unwrap()
        .sample(&["a", "b"], f64::NAN)
        .unwrap_err();
    assert!(
        matches!(err, CollectError::LabelArity { got: 2, .. }),
        "{err:?}"
    );
    assert!(enc.dropped_series().is_empty());
}

/// The name-collision check is skipped for a family created after the very
/// same families as in the last scrape on this thread; any other sequence
/// is checked, so a collision is found whatever scraped before.
#[test]
fn name_collisions_are_found_after_scrapes_that_passed() {
    let hist = Desc::new("lat_seconds", "L.", MetricType::Histogram, [] as [&str; 0]).unwrap();
    let count = Desc::new(
        "lat_seconds_count",
        "C.",
        MetricType::Gauge,
        [] as [&str; 0],
    )
    .unwrap();
    let other = Desc::new("other", "O.", MetricType::Gauge, [] as [&str; 0]).unwrap();
    for round in 0..3 {
        // Passes, and is remembered.
        let mut enc = MetricEncoder::new(Format::Text);
        enc.family(&hist).unwrap();
        enc.family(&other).unwrap();
        drop(enc);
        // Same first family, then a colliding one.
        let mut enc = MetricEncoder::new(Format::Text);
        enc.family(&hist).unwrap();
        assert!(enc.family(&count).is_err(), "round {round}");
        drop(enc);
        // The colliding pair the other way round, after a passing `count` first.
        let mut enc = MetricEncoder::new(Format::Text);
        enc.family(&count).unwrap();
        drop(enc);
        let mut enc = MetricEncoder::new(Format::Text);
        enc.family(&count).unwrap();
        assert!(enc.family(&hist).is_err(), "round {round}");
    }
}
