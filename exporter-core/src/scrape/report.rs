//! The families the scrape machinery writes itself: each scraper's
//! `<ns>_scrape_collector_success` and `_duration_seconds`, `<ns>_up`, and
//! `/probe`'s `probe_success` and `probe_duration_seconds`.

use crate::collector::Collector;
use crate::desc::{Desc, DescError, MetricType};
use crate::encoding::MetricEncoder;
use crate::error::CollectError;

/// One scraper of a scrape, as the reports show it.
pub(super) struct Ran {
    pub(super) index: usize,
    pub(super) seconds: f64,
    /// It returned a snapshot and the snapshot was encoded.
    pub(super) ok: bool,
}

/// The descriptors of the families the machinery itself writes.
pub(super) struct Reports {
    up: Option<Desc>,
    duration: Desc,
    success: Desc,
    pub(super) probe_success: Desc,
    pub(super) probe_duration: Desc,
}

impl Reports {
    pub(super) fn new(namespace: &str, up: bool) -> Result<Self, DescError> {
        let name = |suffix: &str| {
            if namespace.is_empty() {
                suffix.to_owned()
            } else {
                format!("{namespace}_{suffix}")
            }
        };
        let exporter = name("exporter");
        Ok(Reports {
            up: up
                .then(|| {
                    Desc::new(
                        name("up"),
                        "Whether the target could be reached (1) or not (0).",
                        MetricType::Gauge,
                        [] as [&str; 0],
                    )
                })
                .transpose()?,
            duration: Desc::new(
                name("scrape_collector_duration_seconds"),
                format!("{exporter}: Duration of a collector scrape."),
                MetricType::Gauge,
                ["collector"],
            )?,
            success: Desc::new(
                name("scrape_collector_success"),
                format!("{exporter}: Whether a collector succeeded."),
                MetricType::Gauge,
                ["collector"],
            )?,
            probe_success: Desc::new(
                "probe_success",
                "Displays whether or not the probe was a success",
                MetricType::Gauge,
                [] as [&str; 0],
            )?,
            probe_duration: Desc::new(
                "probe_duration_seconds",
                "Returns how long the probe took to complete in seconds",
                MetricType::Gauge,
                [] as [&str; 0],
            )?,
        })
    }

    pub(super) fn descs(&self) -> Vec<&Desc> {
        self.up
            .iter()
            .chain([&self.duration, &self.success])
            .collect()
    }
}

/// The machinery's own families for one scrape.
pub(super) struct Report<'a> {
    pub(super) reports: &'a Reports,
    pub(super) labels: &'a [[String; 1]],
    pub(super) up: Option<bool>,
    /// The scrapers that ran, in the set's order.
    pub(super) ran: &'a [Ran],
    /// `(success, seconds)` on `/probe`.
    pub(super) probe: Option<(bool, f64)>,
}

impl Collector for Report<'_> {
    fn describe(&self) -> Vec<&Desc> {
        self.reports.descs()
    }

    fn collect(&self, encoder: &mut MetricEncoder) -> Result<(), CollectError> {
        let no_labels: [&str; 0] = [];
        if let (Some(desc), Some(up)) = (&self.reports.up, self.up) {
            encoder.family(desc)?.sample(&no_labels, up)?;
        }
        if !self.ran.is_empty() {
            let count = self.ran.len();
            let ran = || {
                self.ran
                    .iter()
                    .filter_map(|r| Some((self.labels.get(r.index)?, r)))
            };
            // One series per scraper, whose names are unique (`Scrapers`
            // checks them): keyed like a map, so not hashed for duplicates.
            let mut family = encoder.family(&self.reports.duration)?;
            family.reserve_series(count);
            let keyed = family.check_mut().set_keyed(true);
            let written = family.samples(ran().map(|(label, r)| (label, r.seconds)));
            family.check_mut().set_keyed(keyed);
            written?;
            let mut family = encoder.family(&self.reports.success)?;
            family.reserve_series(count);
            let keyed = family.check_mut().set_keyed(true);
            let written = family.samples(ran().map(|(label, r)| (label, r.ok)));
            family.check_mut().set_keyed(keyed);
            written?;
        }
        if let Some((ok, seconds)) = self.probe {
            encoder
                .family(&self.reports.probe_success)?
                .sample(&no_labels, ok)?;
            encoder
                .family(&self.reports.probe_duration)?
                .sample(&no_labels, seconds)?;
        }
        Ok(())
    }

    fn name(&self) -> &'static str {
        "scrape reports"
    }
}
