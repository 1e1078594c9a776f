//! The set of scrapers an exporter has, and which of them are enabled.

use std::sync::Arc;
use std::time::Duration;

use super::gather::ScrapeGatherer;
use super::{Connect, DynScraper, Probe, Scraper};
use crate::collector::Collector;
use crate::desc::Desc;
use crate::desc::DescError;
use crate::encoding::MetricEncoder;
use crate::error::CollectError;
use crate::registry::RegisterError;
use crate::registry::Registry;

/// The scrapers of an exporter, with the exporter's namespace (the `<ns>`
/// of `<ns>_up` and `<ns>_scrape_collector_*`). Cheap to clone.
///
/// ```
/// use exporter_core::scrape::{scraper, ScrapeContext, ScrapeError, Scrapers};
/// use exporter_core::Collector;
///
/// #[derive(Collector)]
/// struct Time {
///     /// System time in seconds since epoch (1970).
///     #[metric(gauge)]
///     node_time_seconds: f64,
/// }
///
/// #[derive(Collector)]
/// struct Procs {
///     /// Number of PIDs.
///     #[metric(gauge)]
///     node_processes_pids: f64,
/// }
///
/// let scrapers = Scrapers::new("node")
///     .collect_flag_prefix("collector") // --collector.<name>, as node_exporter
///     .with(scraper("time", "Exposes the current time", |_: ScrapeContext| async {
///         Ok::<_, ScrapeError>(Time { node_time_seconds: 1.7e9 })
///     }))
///     .with(scraper("processes", "Exposes process counts", |_: ScrapeContext| async {
///         Ok::<_, ScrapeError>(Procs { node_processes_pids: 80.0 })
///     }).disabled_by_default());
/// scrapers.check()?;
/// let selection = scrapers.default_selection();
/// assert!(selection.is_enabled("time") && !selection.is_enabled("processes"));
/// let only = scrapers.selection(["processes"])?;
/// assert_eq!(only.enabled().collect::<Vec<_>>(), ["processes"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Scrapers<T = ()> {
    pub(super) namespace: String,
    pub(super) prefix: String,
    pub(super) list: Vec<Arc<dyn DynScraper<T>>>,
    pub(super) coalesce: bool,
    pub(super) timeout: Option<Duration>,
}

impl<T> Clone for Scrapers<T> {
    fn clone(&self) -> Self {
        Scrapers {
            namespace: self.namespace.clone(),
            prefix: self.prefix.clone(),
            list: self.list.clone(),
            coalesce: self.coalesce,
            timeout: self.timeout,
        }
    }
}

impl<T> std::fmt::Debug for Scrapers<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scrapers")
            .field("namespace", &self.namespace)
            .field("prefix", &self.prefix)
            .field(
                "scrapers",
                &self.list.iter().map(|s| s.name()).collect::<Vec<_>>(),
            )
            .field("coalesce", &self.coalesce)
            .finish_non_exhaustive()
    }
}

impl<T: Send + Sync + 'static> Scrapers<T> {
    /// No scrapers yet, for an exporter whose metrics start with `namespace`.
    pub fn new(namespace: impl Into<String>) -> Self {
        Scrapers {
            namespace: namespace.into(),
            prefix: "collect".to_owned(),
            list: Vec::new(),
            coalesce: false,
            timeout: None,
        }
    }

    /// Adds a scraper (names are checked by [`check`](Self::check) and when
    /// the exporter starts).
    #[must_use]
    pub fn with(mut self, scraper: impl Scraper<T>) -> Self {
        self.list.push(Arc::new(scraper));
        self
    }

    /// The flag prefix: `collect` (default, `--collect.<name>` as
    /// mysqld_exporter) or `collector` (`--collector.<name>` as node_exporter).
    #[must_use]
    pub fn collect_flag_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Concurrent scrapes of the same `collect[]` selection and target share
    /// one collection while it runs (Go's `HandlerOpts.CoalesceGather`):
    /// an HA pair of Prometheus servers queries the target once. Each
    /// request still encodes in its own format. Default `false`.
    #[must_use]
    pub fn coalesce(mut self, enable: bool) -> Self {
        self.coalesce = enable;
        self
    }

    /// The deadline of a scrape whose request brings none (no
    /// `X-Prometheus-Scrape-Timeout-Seconds` and no handler timeout), so a
    /// hanging target cannot hold a scrape forever. Default none, as
    /// node_exporter.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The exporter's namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The flag prefix (see [`collect_flag_prefix`](Self::collect_flag_prefix)).
    pub fn flag_prefix(&self) -> &str {
        &self.prefix
    }

    /// The scrapers' names, in the order added.
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.list.iter().map(|s| s.name())
    }

    /// `(name, help, enabled by default)` of each scraper, for flags and docs.
    pub fn describe(&self) -> impl Iterator<Item = (&str, &str, bool)> + '_ {
        self.list
            .iter()
            .map(|s| (s.name(), s.help(), s.enabled_by_default()))
    }

    /// The scrapers on by default.
    pub fn default_selection(&self) -> Selection {
        Selection {
            names: self.names().map(str::to_owned).collect(),
            enabled: self.list.iter().map(|s| s.enabled_by_default()).collect(),
        }
    }

    /// Exactly the named scrapers (`--collect.disable-defaults` plus
    /// `--collect.<name>` for each).
    ///
    /// # Errors
    ///
    /// [`ScrapersError::Unknown`] for a name no scraper has.
    pub fn selection<S: AsRef<str>>(
        &self,
        names: impl IntoIterator<Item = S>,
    ) -> Result<Selection, ScrapersError> {
        let mut selection = Selection {
            names: self.names().map(str::to_owned).collect(),
            enabled: vec![false; self.list.len()],
        };
        for name in names {
            selection
                .set(name.as_ref(), true)
                .map_err(|()| self.unknown(name.as_ref()))?;
        }
        Ok(selection)
    }

    pub(super) fn unknown(&self, name: &str) -> ScrapersError {
        ScrapersError::Unknown {
            name: name.to_owned(),
            known: self.names().collect::<Vec<_>>().join(", "),
        }
    }

    /// Checks the names (valid, distinct) and that the scrapers' families
    /// agree with each other and with the reports (one help, type and label
    /// names per family name), as registering them would.
    ///
    /// # Errors
    ///
    /// The first problem found.
    pub fn check(&self) -> Result<(), ScrapersError> {
        let mut seen = std::collections::HashSet::new();
        for s in &self.list {
            let name = s.name();
            let valid = !name.is_empty()
                && name != "disable-defaults"
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
            if !valid {
                return Err(ScrapersError::InvalidName(name.to_owned()));
            }
            if !seen.insert(name) {
                return Err(ScrapersError::Duplicate(name.to_owned()));
            }
        }
        // Each distinct descriptor registered once (several scrapers may
        // write one family, as long as they describe it alike; a series
        // written twice is caught at scrape time); the registry checks that
        // the families agree.
        let registry = Registry::new();
        let reports = super::report::Reports::new(&self.namespace, true)?;
        let mut seen: Vec<Desc> = Vec::new();
        let mut sources = vec![("", reports.descs())];
        for s in &self.list {
            let descs = s.descs().map_err(|source| ScrapersError::Describe {
                scraper: s.name().to_owned(),
                source,
            })?;
            sources.push((s.name(), descs));
        }
        for (scraper, descs) in sources {
            for desc in descs {
                let same_id =
                    |d: &&Desc| d.name() == desc.name() && d.const_labels() == desc.const_labels();
                if let Some(earlier) = seen.iter().find(same_id) {
                    if earlier.help() != desc.help()
                        || earlier.metric_type() != desc.metric_type()
                        || earlier.variable_labels() != desc.variable_labels()
                    {
                        return Err(ScrapersError::Conflict {
                            scraper: scraper.to_owned(),
                            family: desc.name().to_owned(),
                        });
                    }
                    continue;
                }
                registry
                    .register(DescsOnly(vec![desc.clone()]))
                    .map_err(|e| ScrapersError::Families(scraper.to_owned(), e))?;
                seen.push(desc.clone());
            }
        }
        Ok(())
    }

    /// The gatherer serving `selection` of these scrapers at `/metrics`,
    /// with `connect` as the `<ns>_up` step (`()` for none).
    ///
    /// # Errors
    ///
    /// What [`check`](Self::check) finds, or a selection made for another set.
    pub fn gatherer(
        &self,
        selection: Selection,
        connect: impl Connect<T>,
    ) -> Result<ScrapeGatherer<T>, ScrapersError> {
        self.check()?;
        ScrapeGatherer::new(self.clone(), selection, Arc::new(connect), None)
    }

    /// The gatherer serving `selection` at `/probe?target=`, each request
    /// connecting to its own target through `connect` once `probe` allows it.
    ///
    /// # Errors
    ///
    /// As [`gatherer`](Self::gatherer).
    pub fn probe_gatherer(
        &self,
        selection: Selection,
        connect: impl Connect<T>,
        probe: Probe,
    ) -> Result<ScrapeGatherer<T>, ScrapersError> {
        self.check()?;
        ScrapeGatherer::new(self.clone(), selection, Arc::new(connect), Some(probe))
    }
}

/// Which scrapers of a [`Scrapers`] set run (the flags' result).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    names: Vec<String>,
    enabled: Vec<bool>,
}

impl Selection {
    /// Whether the scraper called `name` is enabled.
    pub fn is_enabled(&self, name: &str) -> bool {
        self.index(name).is_some_and(|i| self.enabled[i])
    }

    /// The enabled scrapers' names, in the set's order.
    pub fn enabled(&self) -> impl Iterator<Item = &str> + '_ {
        self.names
            .iter()
            .zip(&self.enabled)
            .filter(|(_, on)| **on)
            .map(|(n, _)| n.as_str())
    }

    /// Turns one scraper on or off.
    ///
    /// # Errors
    ///
    /// `Err(())` for a name the set does not have.
    #[allow(clippy::result_unit_err)]
    pub fn set(&mut self, name: &str, enabled: bool) -> Result<(), ()> {
        let i = self.index(name).ok_or(())?;
        self.enabled[i] = enabled;
        Ok(())
    }

    pub(super) fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    pub(super) fn mask(&self) -> &[bool] {
        &self.enabled
    }

    pub(super) fn names(&self) -> &[String] {
        &self.names
    }
}

/// A [`Scrapers`] set that cannot be served.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScrapersError {
    /// A scraper name that is empty or has characters a flag cannot carry.
    #[error("invalid scraper name `{0}` (use letters, digits, `_`, `-` and `.`)")]
    InvalidName(String),
    /// Two scrapers share a name.
    #[error("two scrapers are called `{0}`")]
    Duplicate(String),
    /// A name no scraper has.
    #[error("unknown scraper `{name}` (known: {known})")]
    Unknown {
        /// The name asked for.
        name: String,
        /// The known names, comma-separated.
        known: String,
    },
    /// A scraper's families disagree with another's (or with the reports).
    #[error("scraper `{0}`: {1}")]
    Families(String, RegisterError),
    /// A scraper describes a family another describes differently.
    #[error("scraper `{scraper}` describes `{family}` unlike another scraper")]
    Conflict {
        /// The scraper.
        scraper: String,
        /// The family name.
        family: String,
    },
    /// A scraper's output failed to build one of its descriptors.
    #[error("scraper `{scraper}`: its output cannot be described: {source}")]
    Describe {
        /// The scraper.
        scraper: String,
        /// Why the descriptor could not be built.
        source: DescError,
    },
    /// The namespace makes invalid metric names.
    #[error("invalid namespace: {0}")]
    Namespace(#[from] DescError),
    /// The selection was made for another set of scrapers.
    #[error("the selection does not belong to this set of scrapers")]
    ForeignSelection,
}

/// Stands for a scraper's descriptors in the check's registry.
struct DescsOnly(Vec<Desc>);

impl Collector for DescsOnly {
    fn describe(&self) -> Vec<&Desc> {
        self.0.iter().collect()
    }

    fn collect(&self, _: &mut MetricEncoder) -> Result<(), CollectError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desc::MetricType;
    use crate::scrape::{scraper, ScrapeContext, ScrapeError, Unchecked};

    /// A hand-written output describing `help` for the family `shared_total`.
    struct Out(Desc);

    impl Collector for Out {
        fn describe(&self) -> Vec<&Desc> {
            vec![&self.0]
        }

        fn collect(&self, _: &mut MetricEncoder) -> Result<(), CollectError> {
            Ok(())
        }
    }

    fn unchecked(name: &str) -> impl Scraper {
        scraper(name.to_owned(), "help", |_: ScrapeContext| async {
            Ok::<_, ScrapeError>(Unchecked(Out(Desc::new(
                "x",
                "x.",
                MetricType::Gauge,
                [] as [&str; 0],
            )
            .unwrap())))
        })
    }

    #[test]
    fn names_must_be_flag_safe_and_distinct() {
        for bad in ["", "a b", "disable-defaults", "ünï", "a=b"] {
            let set = Scrapers::new("ns").with(unchecked(bad));
            assert!(
                matches!(set.check(), Err(ScrapersError::InvalidName(n)) if n == bad),
                "{bad}"
            );
        }
        let set = Scrapers::new("ns")
            .with(unchecked("cpu.info"))
            .with(unchecked("cpu.info"));
        assert!(matches!(set.check(), Err(ScrapersError::Duplicate(n)) if n == "cpu.info"));
        let ok = Scrapers::new("ns")
            .with(unchecked("cpu.info"))
            .with(unchecked("net_dev-2"));
        assert!(ok.check().is_ok());
    }

    #[test]
    fn selections_name_known_scrapers_and_belong_to_their_set() {
        let set = Scrapers::new("ns")
            .with(unchecked("a"))
            .with(unchecked("b"));
        let err = set.selection(["a", "c"]).unwrap_err();
        assert_eq!(err.to_string(), "unknown scraper `c` (known: a, b)");
        let other = Scrapers::new("ns")
            .with(unchecked("b"))
            .with(unchecked("a"));
        let foreign = other.default_selection();
        assert!(matches!(
            set.gatherer(foreign, ()),
            Err(ScrapersError::ForeignSelection)
        ));
        let mut selection = set.default_selection();
        assert_eq!(selection.set("c", true), Err(()));
        selection.set("a", false).unwrap();
        assert_eq!(selection.enabled().collect::<Vec<_>>(), ["b"]);
    }

    /// Since issue 10 any non-empty UTF-8 metric name is valid (client_golang
    /// 1.24), so a namespace with `-` makes valid names (escaped for a
    /// Prometheus 2 scraper) rather than an error; nothing panics either way.
    #[test]
    fn a_namespace_with_odd_characters_is_a_utf8_name_not_a_panic() {
        let set = Scrapers::new("odd-ns").with(unchecked("a"));
        assert!(set.check().is_ok());
    }

    macro_rules! static_out {
        ($ty:ident, $help:literal) => {
            struct $ty;

            impl Collector for $ty {
                fn describe(&self) -> Vec<&Desc> {
                    <Self as crate::collector::StaticCollector>::static_describe()
                }

                fn collect(&self, _: &mut MetricEncoder) -> Result<(), CollectError> {
                    Ok(())
                }
            }

            impl crate::collector::StaticCollector for $ty {
                fn static_describe() -> Vec<&'static Desc> {
                    static DESC: std::sync::OnceLock<Desc> = std::sync::OnceLock::new();
                    let desc = DESC.get_or_init(|| {
                        Desc::new("shared_total", $help, MetricType::Counter, ["x"]).unwrap()
                    });
                    vec![desc]
                }
            }
        };
    }

    /// Claims `ns_up` with another help than the machinery's.
    struct Reported;

    impl Collector for Reported {
        fn describe(&self) -> Vec<&Desc> {
            <Self as crate::collector::StaticCollector>::static_describe()
        }

        fn collect(&self, _: &mut MetricEncoder) -> Result<(), CollectError> {
            Ok(())
        }
    }

    impl crate::collector::StaticCollector for Reported {
        fn static_describe() -> Vec<&'static Desc> {
            static DESC: std::sync::OnceLock<Desc> = std::sync::OnceLock::new();
            vec![DESC.get_or_init(|| {
                Desc::new("ns_up", "Mine.", MetricType::Gauge, [] as [&str; 0]).unwrap()
            })]
        }
    }

    static_out!(First, "Shared.");
    static_out!(Same, "Shared.");
    static_out!(Other, "Described otherwise.");

    #[test]
    fn scrapers_may_share_a_family_only_if_they_describe_it_alike() {
        let one = |name: &str| {
            scraper(name.to_owned(), "h", |_: ScrapeContext| async {
                Ok::<_, ScrapeError>(First)
            })
        };
        let same = scraper("same", "h", |_: ScrapeContext| async {
            Ok::<_, ScrapeError>(Same)
        });
        let other = scraper("other", "h", |_: ScrapeContext| async {
            Ok::<_, ScrapeError>(Other)
        });
        assert!(Scrapers::new("ns")
            .with(one("a"))
            .with(same)
            .check()
            .is_ok());
        let err = Scrapers::new("ns")
            .with(one("a"))
            .with(other)
            .check()
            .unwrap_err();
        assert!(
            matches!(&err, ScrapersError::Conflict { scraper, family } if scraper == "other" && family == "shared_total"),
            "{err}"
        );
        // Nor one of the reports' families, described by the machinery.
        let reports = scraper("r", "h", |_: ScrapeContext| async {
            Ok::<_, ScrapeError>(Reported)
        });
        let err = Scrapers::new("ns").with(reports).check().unwrap_err();
        assert!(
            matches!(&err, ScrapersError::Conflict { family, .. } if family == "ns_up"),
            "{err}"
        );
    }
    /// Output whose descriptor cannot be built: `static_describe` has
    /// nothing to give, `try_static_describe` says why.
    struct Broken;

    fn broken_desc() -> DescError {
        Desc::new("broken", "Broken.", MetricType::Gauge, ["__reserved"]).unwrap_err()
    }

    impl Collector for Broken {
        fn describe(&self) -> Vec<&Desc> {
            Vec::new()
        }

        fn try_describe(&self) -> Result<Vec<&Desc>, DescError> {
            Err(broken_desc())
        }

        fn collect(&self, _: &mut MetricEncoder) -> Result<(), CollectError> {
            Ok(())
        }
    }

    impl crate::collector::StaticCollector for Broken {
        fn static_describe() -> Vec<&'static Desc> {
            Vec::new()
        }

        fn try_static_describe() -> Result<Vec<&'static Desc>, DescError> {
            Err(broken_desc())
        }
    }

    /// A scraper whose output fails to describe itself is refused when the
    /// set is checked and when a gatherer is built, naming the scraper and
    /// the descriptor error, instead of being served as unchecked output.
    #[test]
    fn output_that_fails_to_describe_itself_is_an_error_not_unchecked() {
        use crate::scrape::ScrapeOutput;

        assert!(Broken::descs().is_empty());
        assert_eq!(Broken::try_descs().unwrap_err(), broken_desc());
        let broken = || {
            scraper("broken", "h", |_: ScrapeContext| async {
                Ok::<_, ScrapeError>(Broken)
            })
        };
        let set = Scrapers::new("ns").with(unchecked("fine")).with(broken());
        for err in [
            set.check().unwrap_err(),
            set.gatherer(set.default_selection(), ()).unwrap_err(),
        ] {
            assert!(
                matches!(&err, ScrapersError::Describe { scraper, source }
                    if scraper == "broken" && *source == broken_desc()),
                "{err}"
            );
            assert!(err.to_string().contains("scraper `broken`"), "{err}");
        }
        // Unchecked output is still accepted: it describes nothing on purpose.
        let set = Scrapers::new("ns").with(unchecked("fine"));
        assert!(set.gatherer(set.default_selection(), ()).is_ok());
    }
}
