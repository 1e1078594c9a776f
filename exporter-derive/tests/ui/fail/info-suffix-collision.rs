// An info metric `build` is exposed as `build_info`: a gauge of that name collides.
use exporter_core::Collector;

#[derive(Collector)]
struct Stats {
    /// Build information.
    #[metric(info, labels(version))]
    build: [&'static str; 1],
    /// Whether the build is a release.
    #[metric(gauge)]
    build_info: f64,
}

fn main() {}
