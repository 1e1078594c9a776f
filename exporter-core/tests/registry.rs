//! Registry rules: registration consistency, `AlreadyRegistered`, unregister,
//! containment of failing collectors, gather-time duplicate and collision
//! checks, wrapping, `Gatherers` and the default registry. Output is judged
//! with a third-party parser (`prometheus-parse`).
// Values are compared exactly: they are small integers or round-trip exactly.
#![allow(clippy::float_cmp)]

use std::sync::Arc;

use exporter_core::metric::{Counter, Family, Gauge, Histogram, Metric};
use exporter_core::registry::{Gatherers, NameCollision};
use exporter_core::{
    default_registry, CollectError, Collector, Desc, DescError, Format, GatherError, Gatherer,
    MetricEncoder, MetricType, RegisterError, Registry, StaticCollector,
};
use prometheus_parse::{Scrape, Value};

type CollectFn = dyn Fn(&[Desc], &mut MetricEncoder) -> Result<(), CollectError> + Send + Sync;

/// A hand-written collector: `descs`, described (checked) or not, and a collect body.
struct Custom {
    name: &'static str,
    descs: Vec<Desc>,
    checked: bool,
    collect: Box<CollectFn>,
}

impl Custom {
    fn new(
        name: &'static str,
        descs: Vec<Desc>,
        checked: bool,
        collect: impl Fn(&[Desc], &mut MetricEncoder) -> Result<(), CollectError>
            + Send
            + Sync
            + 'static,
    ) -> Self {
        Custom {
            name,
            descs,
            checked,
            collect: Box::new(collect),
        }
    }
}

impl Collector for Custom {
    fn describe(&self) -> Vec<&Desc> {
        if self.checked {
            self.descs.iter().collect()
        } else {
            Vec::new()
        }
    }
    fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
        (self.collect)(&self.descs, encoder)
    }
    fn name(&self) -> &str {
        self.name
    }
}

fn gauge(name: &str, help: &str, labels: &[&str]) -> Desc {
    Desc::new(name, help, MetricType::Gauge, labels.iter().copied()).unwrap()
}

fn with_const(name: &str, t: MetricType, k: &str, v: &str) -> Desc {
    Desc::builder(name, t)
        .help("h")
        .const_label(k, v)
        .build()
        .unwrap()
}

/// A checked collector writing one sample of value `v` for each descriptor.
fn constant(name: &'static str, descs: Vec<Desc>, v: f64) -> Custom {
    Custom::new(name, descs, true, move |descs, enc| {
        for d in descs {
            enc.family(d)?.sample(&(), v)?;
        }
        Ok(())
    })
}

fn parse(text: &str) -> Scrape {
    Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("parses")
}

fn inconsistent(err: RegisterError) -> (String, &'static str) {
    match err {
        RegisterError::Inconsistent { name, reason } => (name, reason),
        other => panic!("expected Inconsistent, got {other:?}"),
    }
}

fn gather(g: &dyn Gatherer) -> (String, Vec<GatherError>) {
    let mut enc = MetricEncoder::new(Format::Text);
    let errors = g.gather_into(&mut enc);
    let mut out = Vec::new();
    enc.finish_into(&mut out);
    (String::from_utf8(out).unwrap(), errors)
}

#[test]
fn same_name_needs_same_help() {
    let r = Registry::new();
    r.register(constant("a", vec![gauge("x", "one", &[])], 1.0))
        .unwrap();
    let err = r.register(constant(
        "b",
        vec![with_const("x", MetricType::Gauge, "k", "v")],
        1.0,
    ));
    let (name, reason) = inconsistent(err.unwrap_err());
    assert_eq!(name, "x");
    assert!(reason.contains("help"), "{reason}");
}

#[test]
fn same_name_needs_same_type() {
    let r = Registry::new();
    r.register(constant(
        "a",
        vec![with_const("x", MetricType::Gauge, "k", "1")],
        1.0,
    ))
    .unwrap();
    let err = r.register(constant(
        "b",
        vec![with_const("x", MetricType::Counter, "k", "2")],
        1.0,
    ));
    assert!(inconsistent(err.unwrap_err()).1.contains("type"));
}

#[test]
fn same_name_needs_same_label_names() {
    let r = Registry::new();
    r.register(constant(
        "a",
        vec![with_const("x", MetricType::Gauge, "k", "1")],
        1.0,
    ))
    .unwrap();
    let err = r.register(constant(
        "b",
        vec![with_const("x", MetricType::Gauge, "j", "1")],
        1.0,
    ));
    assert!(inconsistent(err.unwrap_err()).1.contains("label names"));
}

#[test]
fn one_series_belongs_to_one_collector() {
    let r = Registry::new();
    r.register(constant(
        "a",
        vec![gauge("x", "h", &[]), gauge("y", "h", &[])],
        1.0,
    ))
    .unwrap();
    // Same name and const labels (none), in a collector with other descriptors too.
    let err = r.register(constant(
        "b",
        vec![gauge("x", "h", &[]), gauge("z", "h", &[])],
        1.0,
    ));
    assert!(inconsistent(err.unwrap_err())
        .1
        .contains("const label values"));
}

#[test]
fn a_collector_cannot_describe_a_series_twice() {
    let r = Registry::new();
    let err = r.register(constant(
        "a",
        vec![gauge("x", "h", &[]), gauge("x", "h", &[])],
        1.0,
    ));
    assert!(inconsistent(err.unwrap_err()).1.contains("twice"));
}

#[test]
fn colliding_sample_names_are_refused_at_registration() {
    let r = Registry::new();
    let h = Metric::new(
        Desc::new("rpc_seconds", "h", MetricType::Histogram, [] as [&str; 0]).unwrap(),
        Histogram::new(),
    )
    .unwrap();
    r.register(h).unwrap();
    for (name, t) in [
        ("rpc_seconds_count", MetricType::Gauge),
        ("rpc_seconds_bucket", MetricType::Counter),
    ] {
        let d = Desc::new(name, "h", t, [] as [&str; 0]).unwrap();
        let err = r.register(constant("b", vec![d], 1.0));
        let (n, reason) = inconsistent(err.unwrap_err());
        assert_eq!(n, name);
        assert!(reason.contains("collide"), "{reason}");
    }
    // Within one collector too.
    let r = Registry::new();
    let err = r.register(constant(
        "c",
        vec![
            Desc::new("jobs", "h", MetricType::Counter, [] as [&str; 0]).unwrap(),
            gauge("jobs_total", "h", &[]),
        ],
        1.0,
    ));
    assert!(inconsistent(err.unwrap_err()).1.contains("collide"));
}

/// The counter `foo_total` writes `foo_created` in OpenMetrics: a gauge of
/// that name is refused whichever registers first (the derive refuses the
/// same pair in one struct at compile time, by the same `name` rules).
#[test]
fn a_counter_and_a_gauge_named_like_its_created_series_collide() {
    let counter = || Desc::new("foo_total", "h", MetricType::Counter, [] as [&str; 0]).unwrap();
    let created = || gauge("foo_created", "h", &[]);
    for (first, second, refused) in [
        (counter(), created(), "foo_created"),
        (created(), counter(), "foo_total"),
    ] {
        let r = Registry::new();
        r.register(constant("a", vec![first], 1.0)).unwrap();
        let err = r.register(constant("b", vec![second], 1.0));
        let (n, reason) = inconsistent(err.unwrap_err());
        assert_eq!(n, refused);
        assert!(reason.contains("collide"), "{reason}");
    }
}

/// A snapshot type whose descriptor cannot be built.
struct BrokenSnapshot;

impl Collector for BrokenSnapshot {
    fn describe(&self) -> Vec<&Desc> {
        Vec::new()
    }
    fn try_describe(&self) -> Result<Vec<&Desc>, DescError> {
        Self::try_static_describe()
    }
    fn collect(&self, _: &mut MetricEncoder) -> Result<(), CollectError> {
        Ok(())
    }
}

impl StaticCollector for BrokenSnapshot {
    fn static_describe() -> Vec<&'static Desc> {
        Vec::new()
    }
    fn try_static_describe() -> Result<Vec<&'static Desc>, DescError> {
        // A label name with the reserved `__` prefix is refused, UTF-8 or not.
        Desc::new("broken", "h", MetricType::Gauge, ["__reserved"]).map(|_| Vec::new())
    }
}

/// `describe` returning no descriptors makes an unchecked collector; a
/// descriptor that failed to build must not become that by accident: it is
/// an error at registration, directly, through `from_fn` and through wrapping.
#[test]
fn a_describe_error_is_a_registration_error_not_an_unchecked_collector() {
    let r = Registry::new();
    let is_invalid = |e: RegisterError| matches!(e, RegisterError::InvalidDesc(_));
    assert!(is_invalid(r.register(BrokenSnapshot).unwrap_err()));
    let from_fn = exporter_core::collector::from_fn(|| Ok(BrokenSnapshot));
    assert!(is_invalid(r.register(from_fn).unwrap_err()));
    let wrapped = r.wrap().prefix("app_");
    assert!(is_invalid(wrapped.register(BrokenSnapshot).unwrap_err()));
    // Nothing was registered, not even as unchecked.
    assert_eq!(r.gather_text(), "");
}

/// Descriptors kept as a derived type keeps them, one of which cannot be built.
fn broken_descs() -> Result<Vec<Desc>, DescError> {
    Ok(vec![
        Desc::new("fine", "h", MetricType::Gauge, ["a"])?,
        Desc::new("broken", "h", MetricType::Gauge, ["__reserved"])?,
    ])
}
static BROKEN: exporter_core::collector::LazyDescs =
    exporter_core::collector::LazyDescs::new(broken_descs);

/// A hand-written collector that lists its descriptors in `describe` only
/// (no `try_describe`), as a wrapper that forwards `describe` does.
struct DescribeOnly;

impl Collector for DescribeOnly {
    fn describe(&self) -> Vec<&Desc> {
        BROKEN.describe()
    }
    fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
        for desc in self.describe() {
            encoder.family(desc)?.sample(&["x"], 1.0)?;
        }
        Ok(())
    }
}

/// The error survives `describe`, which has no `Result`: it lists one
/// invalid descriptor (Go's `NewInvalidDesc`), never an empty list, so a
/// collector or wrapper that forwards only `describe` is refused too, with
/// the descriptor's own error; and a family written with it fails.
#[test]
fn a_describe_error_survives_a_collector_that_forwards_describe_only() {
    let expected = broken_descs().unwrap_err();
    assert_eq!(BROKEN.get().unwrap_err(), expected);
    let listed = BROKEN.describe();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].error(), Some(&expected));

    let r = Registry::new();
    match r.register(DescribeOnly) {
        Err(RegisterError::InvalidDesc(e)) => assert_eq!(e, expected),
        other => panic!("expected InvalidDesc, got {other:?}"),
    }
    match r.wrap().prefix("app_").register(DescribeOnly) {
        Err(RegisterError::InvalidDesc(e)) => assert_eq!(e, expected),
        other => panic!("expected InvalidDesc through wrapping, got {other:?}"),
    }
    assert_eq!(r.gather_text(), "");

    // Written anyway (an unchecked collector), the family is refused with
    // the same error and the scrape goes on without it.
    let r = Registry::new();
    r.register(exporter_core::scrape::Unchecked(DescribeOnly))
        .unwrap();
    let (body, errors) = r.gather(Format::Text);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].error.to_string().contains("__reserved"),
        "{}",
        errors[0].error
    );
    assert_eq!(body, b"");
}

/// A hand-written `build` that lists an invalid descriptor among valid ones
/// gets the error from `get` too, and two invalid descriptors are equal only
/// when their errors are.
#[test]
fn an_invalid_descriptor_anywhere_in_the_list_is_the_error() {
    fn mixed() -> Result<Vec<Desc>, DescError> {
        let error = Desc::new("x", "", MetricType::Gauge, [] as [&str; 0]).unwrap_err();
        Ok(vec![
            Desc::new("fine", "h", MetricType::Gauge, ["a"])?,
            Desc::invalid(error),
        ])
    }
    static MIXED: exporter_core::collector::LazyDescs =
        exporter_core::collector::LazyDescs::new(mixed);
    let error = MIXED.get().unwrap_err();
    assert!(error.to_string().contains("help"), "{error}");
    assert_eq!(MIXED.describe().len(), 2);

    let other = Desc::new("ok", "h", MetricType::Gauge, ["__bad"]);
    let other = Desc::invalid(other.unwrap_err());
    assert_ne!(Desc::invalid(error.clone()), other);
    assert_eq!(Desc::invalid(error.clone()), Desc::invalid(error.clone()));
    assert!(format!("{other:?}").contains("error"), "{other:?}");
}

#[test]
fn same_family_from_two_collectors_with_different_const_labels_is_one_family() {
    let r = Registry::new();
    r.register(constant(
        "a",
        vec![with_const("temp", MetricType::Gauge, "room", "kitchen")],
        21.0,
    ))
    .unwrap();
    r.register(constant(
        "b",
        vec![with_const("temp", MetricType::Gauge, "room", "cellar")],
        12.0,
    ))
    .unwrap();
    let text = r.gather_text();
    assert_eq!(text.matches("# TYPE temp gauge").count(), 1, "{text}");
    let s = parse(&text);
    assert_eq!(s.samples.len(), 2);
    let cellar = s
        .samples
        .iter()
        .find(|x| x.labels.get("room") == Some("cellar"))
        .unwrap();
    assert!(matches!(cellar.value, Value::Gauge(v) if v == 12.0));
}

#[test]
fn already_registered_hands_back_the_same_arc() {
    let r = Registry::new();
    let desc = Desc::new("hits_total", "Hits.", MetricType::Counter, ["page"]).unwrap();
    let first =
        Arc::new(Metric::new(desc.clone(), Family::<[String; 1], Counter>::default()).unwrap());
    r.register_arc(first.clone()).unwrap();
    let second = Metric::new(desc, Family::<[String; 1], Counter>::default()).unwrap();
    let err = r.register(second).unwrap_err();
    assert!(err.is_already_registered());
    let RegisterError::AlreadyRegistered { existing } = err else {
        unreachable!()
    };
    let first_dyn: Arc<dyn Collector> = first.clone();
    assert!(Arc::ptr_eq(&existing, &first_dyn));
    // The handed-back collector is the live one: its updates show in the scrape.
    first.with(&["/"], Counter::inc);
    assert!(r.gather_text().contains("hits_total{page=\"/\"} 1\n"));
}

#[test]
fn unregister_removes_the_collector_and_frees_the_name() {
    let r = Registry::new();
    let c = Arc::new(constant("a", vec![gauge("x", "one", &[])], 1.0));
    r.register_arc(c.clone()).unwrap();
    assert!(r.unregister(c.as_ref()));
    assert!(!r.unregister(c.as_ref()));
    assert_eq!(r.gather_text(), "");
    // The name is free again, even with another help.
    r.register(constant("b", vec![gauge("x", "two", &[])], 2.0))
        .unwrap();
    assert_eq!(r.gather_text(), "# HELP x two\n# TYPE x gauge\nx 2\n");
    // Unchecked collectors cannot be unregistered (as in Go).
    let unchecked = Arc::new(Custom::new("u", vec![], false, |_, _| Ok(())));
    r.register_arc(unchecked.clone()).unwrap();
    assert!(!r.unregister(unchecked.as_ref()));
}

#[test]
fn a_panicking_collector_leaves_the_others_intact() {
    let r = Registry::new();
    r.register(constant("before", vec![gauge("a", "h", &[])], 1.0))
        .unwrap();
    r.register(Custom::new(
        "boom",
        vec![gauge("shared", "h", &["k"]), gauge("b", "h", &[])],
        true,
        |d, enc| {
            enc.family(&d[0])?.sample(&["from_boom"], 1)?;
            enc.family(&d[1])?.sample(&(), 1)?;
            panic!("collector exploded");
        },
    ))
    .unwrap();
    r.register(constant("after", vec![gauge("c", "h", &[])], 3.0))
        .unwrap();
    let (body, errors) = r.gather(Format::Text);
    let text = String::from_utf8(body).unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].collector, "boom");
    assert!(matches!(&errors[0].error, CollectError::Panicked(m) if m == "collector exploded"));
    let s = parse(&text);
    let names: Vec<&str> = s.samples.iter().map(|x| x.metric.as_str()).collect();
    assert_eq!(names, ["a", "c"], "{text}");
}

#[test]
fn an_erroring_collector_is_reported_with_its_name_and_its_output_removed() {
    let r = Registry::new();
    r.register(constant("good", vec![gauge("up", "h", &[])], 1.0))
        .unwrap();
    r.register(Custom::new(
        "mysql",
        vec![
            gauge("up", "h", &["db"]).clone(),
            gauge("mysql_rows", "h", &[]),
        ],
        false,
        |d, enc| {
            enc.family(&d[1])?.sample(&(), 5)?;
            Err(CollectError::other("connection refused"))
        },
    ))
    .unwrap();
    let (body, errors) = r.gather(Format::Text);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].collector, "mysql");
    assert_eq!(
        errors[0].to_string(),
        "collector `mysql`: connection refused"
    );
    let text = String::from_utf8(body).unwrap();
    assert!(!text.contains("mysql_rows"), "{text}");
    assert_eq!(parse(&text).samples.len(), 1);
}

#[test]
fn a_series_written_twice_by_one_collector_is_a_duplicate() {
    let r = Registry::new();
    r.register(Custom::new(
        "dup",
        vec![gauge("temp", "h", &["room"])],
        true,
        |d, enc| {
            let rows = vec![(["kitchen"], 1.0), (["cellar"], 2.0), (["kitchen"], 3.0)];
            let mut f = enc.family(&d[0])?;
            for (labels, v) in &rows {
                f.sample(labels, *v)?;
            }
            Ok(())
        },
    ))
    .unwrap();
    r.register(constant("other", vec![gauge("other", "h", &[])], 1.0))
        .unwrap();
    let (body, errors) = r.gather(Format::Text);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].collector, "dup");
    match &errors[0].error {
        CollectError::DuplicateSeries { name, labels } => {
            assert_eq!(name, "temp");
            assert_eq!(labels, "{room=\"kitchen\"}");
        }
        other => panic!("{other:?}"),
    }
    let text = String::from_utf8(body).unwrap();
    assert_eq!(text, "# HELP other h\n# TYPE other gauge\nother 1\n");
}

#[test]
fn a_batch_of_series_stops_at_its_first_repeat() {
    // Long enough for several batches of the duplicate check, the repeat in
    // the second: `r7` again as the 46th series.
    let desc = gauge("temp", "h", &["room"]);
    let rooms: Vec<([String; 1], u32)> = (0..70)
        .map(|i| ([format!("r{}", if i == 45 { 7 } else { i })], i))
        .collect();
    let series = || rooms.iter().map(|(labels, v)| (labels, *v));

    let mut enc = MetricEncoder::new(Format::Text);
    let error = enc.family(&desc).unwrap().samples(series()).unwrap_err();
    match &error {
        CollectError::DuplicateSeries { name, labels } => {
            assert_eq!(name, "temp");
            assert_eq!(labels, "{room=\"r7\"}");
        }
        other => panic!("{other:?}"),
    }
    // The series before the repeat stay written, as with `sample` one by one.
    let mut out = Vec::new();
    enc.finish_into(&mut out);
    let scrape = parse(&String::from_utf8(out).unwrap());
    assert_eq!(scrape.samples.len(), 45);
    assert_eq!(scrape.samples[44].labels.get("room"), Some("r44"));
    assert!(matches!(scrape.samples[44].value, Value::Gauge(v) if v == 44.0));

    // With the check off, all of them.
    let mut enc = MetricEncoder::new(Format::Text);
    enc.check_duplicate_series(false);
    enc.family(&desc).unwrap().samples(series()).unwrap();
    let mut out = Vec::new();
    enc.finish_into(&mut out);
    assert_eq!(parse(&String::from_utf8(out).unwrap()).samples.len(), 70);
}

#[test]
fn the_same_series_from_two_collectors_is_a_duplicate() {
    let r = Registry::new();
    for name in ["first", "second"] {
        r.register(Custom::new(
            name,
            vec![with_const("x", MetricType::Gauge, "k", "v")],
            false,
            |d, enc| enc.family(&d[0])?.sample(&(), 1),
        ))
        .unwrap();
    }
    let (text, errors) = gather(&r);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].collector, "second");
    assert!(matches!(
        errors[0].error,
        CollectError::DuplicateSeries { .. }
    ));
    assert_eq!(parse(&text).samples.len(), 1);
    // A failed collector's series are forgotten: they do not make later ones duplicates.
    let r = Registry::new();
    r.register(Custom::new(
        "fails",
        vec![gauge("y", "h", &[])],
        false,
        |d, enc| {
            enc.family(&d[0])?.sample(&(), 1)?;
            Err(CollectError::other("late failure"))
        },
    ))
    .unwrap();
    r.register(Custom::new(
        "ok",
        vec![gauge("y", "h", &[])],
        false,
        |d, enc| enc.family(&d[0])?.sample(&(), 2),
    ))
    .unwrap();
    let (text, errors) = gather(&r);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].collector, "fails");
    assert_eq!(text, "# HELP y h\n# TYPE y gauge\ny 2\n");
}

#[test]
fn duplicate_check_can_be_turned_off() {
    let c = Custom::new("dup", vec![gauge("x", "h", &[])], true, |d, enc| {
        let mut f = enc.family(&d[0])?;
        f.sample(&(), 1)?;
        f.sample(&(), 2)
    });
    let mut enc = MetricEncoder::new(Format::Text);
    enc.check_duplicate_series(false);
    c.collect(&mut enc).unwrap();
    let mut out = Vec::new();
    enc.finish_into(&mut out);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "# HELP x h\n# TYPE x gauge\nx 1\nx 2\n"
    );
}

#[test]
fn colliding_names_from_unchecked_collectors_are_caught_at_gather() {
    let r = Registry::new();
    r.register(Custom::new(
        "hist",
        vec![Desc::new("rpc", "h", MetricType::Histogram, [] as [&str; 0]).unwrap()],
        false,
        |d, enc| {
            let h = Histogram::new();
            h.observe(1.0);
            exporter_core::field::EncodeFamily::encode_family(&h, &mut enc.family(&d[0])?)
        },
    ))
    .unwrap();
    r.register(Custom::new(
        "count",
        vec![gauge("rpc_count", "h", &[])],
        false,
        |d, enc| enc.family(&d[0])?.sample(&(), 1),
    ))
    .unwrap();
    let (text, errors) = gather(&r);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].collector, "count");
    let CollectError::Other(e) = &errors[0].error else {
        panic!("{:?}", errors[0])
    };
    let collision = e.downcast_ref::<NameCollision>().expect("a NameCollision");
    assert_eq!(collision.name, "rpc_count");
    assert_eq!(collision.other, "rpc");
    assert_eq!(collision.other_type, MetricType::Histogram);
    // The gauge is left out; the histogram (and its own `rpc_count`) stays.
    assert!(!text.contains("# TYPE rpc_count gauge"), "{text}");
    assert!(
        text.contains("rpc_count 1\nrpc_sum") || text.contains("rpc_sum 1\nrpc_count 1\n"),
        "{text}"
    );
}

#[test]
fn wrapping_adds_prefix_and_labels_and_unwraps_on_already_registered() {
    let r = Registry::new();
    let fam = Arc::new(
        Metric::new(
            Desc::new("jobs_total", "Jobs.", MetricType::Counter, ["state"]).unwrap(),
            Family::<[String; 1], Counter>::default(),
        )
        .unwrap(),
    );
    let wrapper = r.wrap().prefix("app_").const_label("shard", "3");
    wrapper.register_arc(fam.clone()).unwrap();
    fam.with(&["done"], Counter::inc);
    // An unchecked collector is rewritten at collect time.
    wrapper
        .register(Custom::new(
            "free",
            vec![gauge("temp", "h", &[])],
            false,
            |d, enc| enc.family(&d[0])?.sample(&(), 7),
        ))
        .unwrap();
    let s = parse(&r.gather_text());
    let jobs = s
        .samples
        .iter()
        .find(|x| x.metric == "app_jobs_total")
        .expect("wrapped family");
    assert_eq!(jobs.labels.get("shard"), Some("3"));
    assert_eq!(jobs.labels.get("state"), Some("done"));
    let temp = s
        .samples
        .iter()
        .find(|x| x.metric == "app_temp")
        .expect("wrapped unchecked");
    assert_eq!(temp.labels.get("shard"), Some("3"));

    let err = wrapper.register_arc(fam.clone()).unwrap_err();
    let RegisterError::AlreadyRegistered { existing } = err else {
        panic!("{err:?}")
    };
    let fam_dyn: Arc<dyn Collector> = fam.clone();
    assert!(Arc::ptr_eq(&existing, &fam_dyn));
    // Registering the same collector unwrapped is a different family name: fine.
    r.register_arc(fam.clone()).unwrap();

    assert!(wrapper.unregister(fam.as_ref()));
    assert!(!r.gather_text().contains("app_jobs_total"));

    // A wrapping label the collector already has makes an invalid descriptor.
    let err = r
        .wrap()
        .const_label("state", "x")
        .register_arc(fam.clone())
        .unwrap_err();
    assert!(
        matches!(
            err,
            RegisterError::InvalidDesc(DescError::DuplicateLabel { .. })
        ),
        "{err:?}"
    );
    // Any non-empty UTF-8 name is valid (client_golang 1.24), but a `__`
    // label prefix is still reserved.
    let err = r
        .wrap()
        .const_label("__reserved", "x")
        .register_arc(fam.clone())
        .unwrap_err();
    assert!(
        matches!(err, RegisterError::InvalidDesc(DescError::LabelName { .. })),
        "{err:?}"
    );
}

#[test]
fn gatherers_merge_registries_and_check_across_them() {
    let first_reg = Arc::new(Registry::new());
    let second_reg = Arc::new(Registry::new());
    first_reg
        .register(constant(
            "a",
            vec![with_const("temp", MetricType::Gauge, "site", "a")],
            1.0,
        ))
        .unwrap();
    second_reg
        .register(constant(
            "b",
            vec![with_const("temp", MetricType::Gauge, "site", "b")],
            2.0,
        ))
        .unwrap();
    let all = Gatherers::new()
        .with(first_reg.clone())
        .with(second_reg.clone());
    let (text, errors) = gather(&all);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(text.matches("# TYPE temp").count(), 1);
    assert_eq!(parse(&text).samples.len(), 2);

    // The same series in both: the second gatherer's collector is reported.
    second_reg
        .register(constant(
            "b-dup",
            vec![with_const("temp", MetricType::Gauge, "site", "a")],
            3.0,
        ))
        .unwrap();
    let (_, errors) = gather(&all);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].collector, "b-dup");
    assert!(matches!(
        errors[0].error,
        CollectError::DuplicateSeries { .. }
    ));

    // Live families (whose series are not hashed) with the same identity in two registries.
    let live = || {
        let m = Arc::new(
            Metric::new(
                Desc::new("hits_total", "Hits.", MetricType::Counter, ["page"]).unwrap(),
                Family::<[String; 1], Counter>::default(),
            )
            .unwrap(),
        );
        m.with(&["/"], Counter::inc);
        m
    };
    let (left, right) = (Arc::new(Registry::new()), Arc::new(Registry::new()));
    left.register_arc(live()).unwrap();
    right.register_arc(live()).unwrap();
    let (text, errors) = gather(&Gatherers::new().with(left).with(right));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        matches!(&errors[0].error, CollectError::DuplicateSeries { name, .. } if name == "hits_total")
    );
    assert_eq!(parse(&text).samples.len(), 1);

    // Inconsistent help across gatherers.
    let third_reg = Arc::new(Registry::new());
    third_reg
        .register(constant(
            "c",
            vec![gauge("temp", "other help", &["site"])],
            1.0,
        ))
        .unwrap();
    let (body, errors) = all.clone().with(third_reg).gather(Format::Text);
    assert!(errors
        .iter()
        .any(|e| e.collector == "c" && matches!(e.error, CollectError::Inconsistent { .. })));
    assert!(!String::from_utf8(body).unwrap().contains("other help"));
}

#[test]
fn default_registry_is_one_per_process() {
    assert!(std::ptr::eq(default_registry(), default_registry()));
    let g = Arc::new(
        Metric::new(
            gauge("registry_test_default_gauge", "h", &[]),
            Gauge::<i64>::new(),
        )
        .unwrap(),
    );
    default_registry().register_arc(g.clone()).unwrap();
    g.set(-4);
    assert!(default_registry()
        .gather_text()
        .contains("registry_test_default_gauge -4\n"));
    assert!(default_registry().unregister(g.as_ref()));
}
