#[allow(unused_qualifications)]
const _: () = {
    static __DESCS: ::exporter_core::__private::DescCell = ::exporter_core::__private::OnceLock::new();
    fn __build_descs() -> ::core::result::Result<
        ::std::vec::Vec<::exporter_core::__private::Desc>,
        ::exporter_core::__private::DescError,
    > {
        ::core::result::Result::Ok(
            ::std::vec![
                ::exporter_core::__private::desc("http_requests_total",
                "Requests served, by method.",
                ::exporter_core::__private::implied_metric_type(< Family < [String; 1],
                Counter > as ::exporter_core::__private::CollectField > ::METRIC_TYPE,),
                ::core::option::Option::None, & ["method"], & [],) ?,
                ::exporter_core::__private::desc("http_request_duration_seconds",
                "Request latency.", ::exporter_core::__private::implied_metric_type(<
                Histogram as ::exporter_core::__private::CollectField > ::METRIC_TYPE,),
                ::core::option::Option::None, & [], & [],) ?
            ],
        )
    }
    #[automatically_derived]
    impl ::exporter_core::__private::Collector for HttpMetrics {
        fn describe(&self) -> ::std::vec::Vec<&::exporter_core::__private::Desc> {
            <Self as ::exporter_core::__private::StaticCollector>::static_describe()
        }
        fn collect(
            &self,
            __encoder: &mut ::exporter_core::__private::MetricEncoder,
        ) -> ::core::result::Result<(), ::exporter_core::__private::CollectError> {
            let __descs = ::exporter_core::__private::descs(&__DESCS, __build_descs)?;
            <Family<
                [String; 1],
                Counter,
            > as ::exporter_core::__private::CollectField>::collect_field(
                &self.requests_total,
                &mut __encoder.family(&__descs[0])?,
            )?;
            <Histogram as ::exporter_core::__private::CollectField>::collect_field(
                &self.request_duration_seconds,
                &mut __encoder.family(&__descs[1])?,
            )?;
            ::core::result::Result::Ok(())
        }
        fn may_block(&self) -> bool {
            false
        }
    }
    #[automatically_derived]
    impl ::exporter_core::__private::StaticCollector for HttpMetrics {
        fn static_describe() -> ::std::vec::Vec<
            &'static ::exporter_core::__private::Desc,
        > {
            let __all: ::std::vec::Vec<&'static ::exporter_core::__private::Desc> = match ::exporter_core::__private::descs(
                &__DESCS,
                __build_descs,
            ) {
                ::core::result::Result::Ok(descs) => {
                    ::core::iter::Iterator::collect(descs.iter())
                }
                ::core::result::Result::Err(_) => ::std::vec::Vec::new(),
            };
            __all
        }
    }
    #[automatically_derived]
    impl ::exporter_core::__private::MetricNames for HttpMetrics {
        const NAMES: &'static [&'static str] = &[
            "http_requests_total",
            "http_request_duration_seconds",
        ];
    }
    ::exporter_core::__private::__impl_prometheus_collector!([] [HttpMetrics] []);
    #[automatically_derived]
    impl HttpMetrics {
        /// Builds every metric of the struct from its `#[metric(...)]` attributes.
        #[must_use]
        pub fn new() -> Self {
            Self {
                requests_total: <Family<
                    [String; 1],
                    Counter,
                > as ::exporter_core::__private::Instrument>::from_opts(
                    &::exporter_core::__private::InstrumentOpts {
                        buckets: ::core::option::Option::None,
                        objectives: ::core::option::Option::None,
                        max_age: ::core::option::Option::None,
                    },
                ),
                request_duration_seconds: <Histogram as ::exporter_core::__private::Instrument>::from_opts(
                    &::exporter_core::__private::InstrumentOpts {
                        buckets: ::core::option::Option::Some(&[0.005, 0.05, 0.5, 5.0]),
                        objectives: ::core::option::Option::None,
                        max_age: ::core::option::Option::None,
                    },
                ),
            }
        }
    }
    #[automatically_derived]
    impl ::core::default::Default for HttpMetrics {
        fn default() -> Self {
            Self::new()
        }
    }
    const _: () = if <Family<
        [String; 1],
        Counter,
    > as ::exporter_core::__private::CollectField>::METRIC_TYPE
        .is_none()
    {
        ::core::panic!(
            "missing metric type: the type of `requests_total` does not imply one; add one of `counter`, `gauge`, `untyped`, `histogram`, `summary` to `#[metric(...)]`"
        )
    };
    const _: () = if ::exporter_core::__private::metric_type_differs(
        <Family<
            [String; 1],
            Counter,
        > as ::exporter_core::__private::CollectField>::METRIC_TYPE,
        ::exporter_core::__private::MetricType::Counter,
    ) {
        ::core::panic!(
            "`_total` is for counters, but `http_requests_total` is not one; drop the suffix, or add `allow(non_counter_total)`"
        )
    };
    const _: () = if ::exporter_core::__private::label_arity_differs(
        <Family<
            [String; 1],
            Counter,
        > as ::exporter_core::__private::CollectField>::LABELS,
        1,
    ) {
        ::core::panic!(
            "`labels(...)` names 1 label(s), but each series of `requests_total` carries a different number of label values; give one name per value"
        )
    };
    const _: () = if <Histogram as ::exporter_core::__private::CollectField>::METRIC_TYPE
        .is_none()
    {
        ::core::panic!(
            "missing metric type: the type of `request_duration_seconds` does not imply one; add one of `counter`, `gauge`, `untyped`, `histogram`, `summary` to `#[metric(...)]`"
        )
    };
    const _: () = if ::exporter_core::__private::implies(
        <Histogram as ::exporter_core::__private::CollectField>::METRIC_TYPE,
        ::exporter_core::__private::MetricType::Counter,
    ) {
        ::core::panic!(
            "counter `http_request_duration_seconds` should end in `_total`; rename it `http_request_duration_seconds_total`, or add `allow(counter_total)`"
        )
    };
    const _: () = if ::exporter_core::__private::label_arity_differs(
        <Histogram as ::exporter_core::__private::CollectField>::LABELS,
        0,
    ) {
        ::core::panic!(
            "missing `labels(...)`: each series of `request_duration_seconds` carries label values but has no label names; add `labels(name, ...)`"
        )
    };
};
