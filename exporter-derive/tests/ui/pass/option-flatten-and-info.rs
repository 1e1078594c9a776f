// `Option<T>` on `flatten` and `info`: `None` writes no samples, `Some` writes them.
use exporter_core::{Collector, LabelSet, Registry};

#[derive(Collector)]
struct Disk {
    /// Bytes free.
    #[metric(gauge)]
    disk_free_bytes: u64,
}

#[derive(LabelSet)]
struct Build {
    version: &'static str,
}

#[derive(Collector)]
struct Stats {
    /// Up.
    #[metric(gauge)]
    up: u8,
    #[metric(flatten)]
    disk: Option<Disk>,
    /// Build information.
    #[metric(info)]
    build: Option<Build>,
    /// Build information, with label names given.
    #[metric(info, labels(revision))]
    revision: Option<[&'static str; 1]>,
}

fn main() {
    let none = Registry::new();
    none.register(Stats { up: 1, disk: None, build: None, revision: None }).unwrap();
    let text = none.gather_text();
    assert!(text.contains("up 1\n"), "{text}");
    assert!(!text.contains("disk_free_bytes 0"), "{text}");
    assert!(!text.contains("version="), "{text}");

    let some = Registry::new();
    some.register(Stats {
        up: 1,
        disk: Some(Disk { disk_free_bytes: 7 }),
        build: Some(Build { version: "1.2" }),
        revision: Some(["abc"]),
    })
    .unwrap();
    let text = some.gather_text();
    assert!(text.contains("disk_free_bytes 7\n"), "{text}");
    assert!(text.contains("build_info{version=\"1.2\"} 1\n"), "{text}");
    assert!(text.contains("revision_info{revision=\"abc\"} 1\n"), "{text}");
}
