#[allow(unused_qualifications)]
const _: () = {
    static __DESCS: ::exporter_core::__private::LazyDescs = ::exporter_core::__private::LazyDescs::new(
        __build_descs,
    );
    fn __build_descs() -> ::core::result::Result<
        ::std::vec::Vec<::exporter_core::__private::Desc>,
        ::exporter_core::__private::DescError,
    > {
        ::core::result::Result::Ok(
            ::std::vec![
                ::exporter_core::__private::Desc::builder("http_requests_total",
                ::exporter_core::__private::implied_metric_type(< Family < [String; 1],
                Counter > as ::exporter_core::__private::EncodeFamily > ::METRIC_TYPE,))
                .help("Requests served, by method.").labels(["method"]).build() ?,
                ::exporter_core::__private::Desc::builder("http_request_duration_seconds",
                ::exporter_core::__private::implied_metric_type(< Histogram as
                ::exporter_core::__private::EncodeFamily > ::METRIC_TYPE,))
                .help("Request latency.").build() ?,
                ::exporter_core::__private::Desc::builder("http_response_size_bytes",
                ::exporter_core::__private::implied_metric_type(< Histogram as
                ::exporter_core::__private::EncodeFamily > ::METRIC_TYPE,))
                .help("Response sizes: native buckets growing by at most 10%, at most 160 of them.")
                .build() ?
            ],
        )
    }
    #[automatically_derived]
    impl ::exporter_core::__private::Collector for HttpMetrics {
        fn describe(&self) -> ::std::vec::Vec<&::exporter_core::__private::Desc> {
            <Self as ::exporter_core::__private::StaticCollector>::static_describe()
        }
        fn try_describe(
            &self,
        ) -> ::core::result::Result<
            ::std::vec::Vec<&::exporter_core::__private::Desc>,
            ::exporter_core::__private::DescError,
        > {
            <Self as ::exporter_core::__private::StaticCollector>::try_static_describe()
        }
        fn collect(
            &self,
            __encoder: &mut ::exporter_core::__private::MetricEncoder,
        ) -> ::core::result::Result<(), ::exporter_core::__private::CollectError> {
            let __descs = ::core::result::Result::map_err(
                ::exporter_core::__private::LazyDescs::get(&__DESCS),
                ::exporter_core::__private::CollectError::other,
            )?;
            <Family<
                [String; 1],
                Counter,
            > as ::exporter_core::__private::EncodeFamily>::encode_family(
                &self.requests_total,
                &mut __encoder.family(&__descs[0])?,
            )?;
            <Histogram as ::exporter_core::__private::EncodeFamily>::encode_family(
                &self.request_duration_seconds,
                &mut __encoder.family(&__descs[1])?,
            )?;
            <Histogram as ::exporter_core::__private::EncodeFamily>::encode_family(
                &self.response_size_bytes,
                &mut __encoder.family(&__descs[2])?,
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
            let __all = ::exporter_core::__private::LazyDescs::describe(&__DESCS);
            __all
        }
        fn try_static_describe() -> ::core::result::Result<
            ::std::vec::Vec<&'static ::exporter_core::__private::Desc>,
            ::exporter_core::__private::DescError,
        > {
            let __all: ::std::vec::Vec<&'static ::exporter_core::__private::Desc> = ::core::iter::Iterator::collect(
                <[::exporter_core::__private::Desc]>::iter(
                    ::exporter_core::__private::LazyDescs::get(&__DESCS)?,
                ),
            );
            ::core::result::Result::Ok(__all)
        }
    }
    #[automatically_derived]
    impl ::exporter_core::__private::MetricNames for HttpMetrics {
        const NAMES: &'static [&'static str] = &[
            "http_requests_total",
            "http_request_duration_seconds",
            "http_response_size_bytes",
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
                        native: ::core::option::Option::None,
                    },
                ),
                request_duration_seconds: <Histogram as ::exporter_core::__private::Instrument>::from_opts(
                    &::exporter_core::__private::InstrumentOpts {
                        buckets: ::core::option::Option::Some(&[0.005, 0.05, 0.5, 5.0]),
                        objectives: ::core::option::Option::None,
                        max_age: ::core::option::Option::None,
                        native: ::core::option::Option::None,
                    },
                ),
                response_size_bytes: <Histogram as ::exporter_core::__private::Instrument>::from_opts(
                    &::exporter_core::__private::InstrumentOpts {
                        buckets: ::core::option::Option::None,
                        objectives: ::core::option::Option::None,
                        max_age: ::core::option::Option::None,
                        native: ::core::option::Option::Some(::exporter_core::__private::NativeOpts {
                            factor: 1.1,
                            zero_threshold: ::core::option::Option::None,
                            max_buckets: 160,
                            min_reset_duration: ::core::time::Duration::new(3600, 0),
                            max_zero_threshold: 0.0,
                            max_exemplars: ::core::option::Option::None,
                        }),
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
    > as ::exporter_core::__private::EncodeFamily>::METRIC_TYPE
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
        > as ::exporter_core::__private::EncodeFamily>::METRIC_TYPE,
        ::exporter_core::__private::MetricType::Counter,
    ) {
        ::core::panic!(
            "`_total` is for counters, but `http_requests_total` is not one; drop the suffix, or add `allow(non_counter_total)`"
        )
    };
    const _: () = <::exporter_core::__private::Arity as ::exporter_core::__private::LabelArity<
        [String; 1],
        1,
        {
            ::exporter_core::__private::count_or(
                <[String; 1] as ::exporter_core::__private::LabelCount>::COUNT,
                1,
            )
        },
    >>::FITS;
    const _: () = if <Histogram as ::exporter_core::__private::EncodeFamily>::METRIC_TYPE
        .is_none()
    {
        ::core::panic!(
            "missing metric type: the type of `request_duration_seconds` does not imply one; add one of `counter`, `gauge`, `untyped`, `histogram`, `summary` to `#[metric(...)]`"
        )
    };
    const _: () = if ::exporter_core::__private::implies(
        <Histogram as ::exporter_core::__private::EncodeFamily>::METRIC_TYPE,
        ::exporter_core::__private::MetricType::Counter,
    ) {
        ::core::panic!(
            "counter `http_request_duration_seconds` should end in `_total`; rename it `http_request_duration_seconds_total`, or add `allow(counter_total)`"
        )
    };
    const _: () = if ::exporter_core::__private::metric_type_differs(
        <Histogram as ::exporter_core::__private::EncodeFamily>::METRIC_TYPE,
        ::exporter_core::__private::MetricType::Histogram,
    ) {
        ::core::panic!(
            "`buckets(...)` applies to histograms, but the type of `request_duration_seconds` is not one; remove it, or use a histogram field type"
        )
    };
    const _: () = if ::exporter_core::__private::label_arity_differs(
        <Histogram as ::exporter_core::__private::EncodeFamily>::LABELS,
        0,
    ) {
        ::core::panic!(
            "missing `labels(...)`: each series of `request_duration_seconds` carries label values but has no label names; add `labels(name, ...)`"
        )
    };
    const _: () = if <Histogram as ::exporter_core::__private::EncodeFamily>::METRIC_TYPE
        .is_none()
    {
        ::core::panic!(
            "missing metric type: the type of `response_size_bytes` does not imply one; add one of `counter`, `gauge`, `untyped`, `histogram`, `summary` to `#[metric(...)]`"
        )
    };
    const _: () = if ::exporter_core::__private::implies(
        <Histogram as ::exporter_core::__private::EncodeFamily>::METRIC_TYPE,
        ::exporter_core::__private::MetricType::Counter,
    ) {
        ::core::panic!(
            "counter `http_response_size_bytes` should end in `_total`; rename it `http_response_size_bytes_total`, or add `allow(counter_total)`"
        )
    };
    const _: () = if ::exporter_core::__private::metric_type_differs(
        <Histogram as ::exporter_core::__private::EncodeFamily>::METRIC_TYPE,
        ::exporter_core::__private::MetricType::Histogram,
    ) {
        ::core::panic!(
            "`native(...)` applies to histograms, but the type of `response_size_bytes` is not one; remove it, or use a histogram field type"
        )
    };
    const _: () = if ::exporter_core::__private::label_arity_differs(
        <Histogram as ::exporter_core::__private::EncodeFamily>::LABELS,
        0,
    ) {
        ::core::panic!(
            "missing `labels(...)`: each series of `response_size_bytes` carries label values but has no label names; add `labels(name, ...)`"
        )
    };
};
