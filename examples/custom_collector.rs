//! Run with: cargo run --example custom_collector
//!
//! The hello world with the `Collector` trait written by hand, the way a Go
//! author writes `Describe` and `Collect`: a struct holding the descriptor,
//! `describe` returning it, `collect` writing one sample per label value.
//! This is what `#[derive(Collector)]` generates for you.

use std::process::ExitCode;

use exporter_core::runtime::Exporter;
use exporter_core::{CollectError, Collector, Desc, DescError, MetricEncoder, MetricType};

/// Go: `type helloCollector struct { desc *prometheus.Desc }`.
struct HelloCollector {
    desc: Desc,
}

impl HelloCollector {
    /// Go: `prometheus.NewDesc("a_hello_world_exporter", "Help Info ...", []string{"name"}, nil)`.
    fn new() -> Result<Self, DescError> {
        let desc = Desc::new(
            "a_hello_world_exporter",
            "Help Info for Hello World Exporter",
            MetricType::Gauge,
            ["name"],
        )?;
        Ok(HelloCollector { desc })
    }
}

impl Collector for HelloCollector {
    /// Go: `func (c *helloCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }`.
    fn describe(&self) -> Vec<&Desc> {
        vec![&self.desc]
    }

    /// Go: `ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, v, "haohao")`, ...
    fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
        let mut family = encoder.family(&self.desc)?;
        family.sample(&["haohao"], f64::from(fastrand::u32(0..1000)))?;
        family.sample(&["nana"], f64::from(fastrand::u32(0..100)))?;
        Ok(())
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let collector = match HelloCollector::new() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("invalid descriptor: {e}");
            return ExitCode::FAILURE;
        }
    };
    Exporter::builder("custom_collector")
        .description("The hello world, with the Collector trait written by hand.")
        .version(env!("CARGO_PKG_VERSION"))
        .collector(collector)
        .run()
        .await
}
