#[allow(unused_qualifications)]
const _: () = {
    static __DESCS: ::exporter_core::__private::DescCell = ::exporter_core::__private::OnceLock::new();
    fn __build_descs() -> ::core::result::Result<
        ::std::vec::Vec<::exporter_core::__private::Desc>,
        ::exporter_core::__private::DescError,
    > {
        ::core::result::Result::Ok(
            ::std::vec![
                ::exporter_core::__private::desc("a_hello_world_exporter",
                "Help Info for Hello World Exporter",
                ::exporter_core::__private::MetricType::Gauge,
                ::core::option::Option::None, & ["name"], & [],) ?
            ],
        )
    }
    #[automatically_derived]
    impl ::exporter_core::__private::Collector for HelloWorld {
        fn describe(&self) -> ::std::vec::Vec<&::exporter_core::__private::Desc> {
            <Self as ::exporter_core::__private::StaticCollector>::static_describe()
        }
        fn collect(
            &self,
            __encoder: &mut ::exporter_core::__private::MetricEncoder,
        ) -> ::core::result::Result<(), ::exporter_core::__private::CollectError> {
            let __descs = ::exporter_core::__private::descs(&__DESCS, __build_descs)?;
            <Vec<
                ([&'static str; 1], f64),
            > as ::exporter_core::__private::CollectField>::collect_field(
                &self.values,
                &mut __encoder.family(&__descs[0])?,
            )?;
            ::core::result::Result::Ok(())
        }
        fn may_block(&self) -> bool {
            false
        }
    }
    #[automatically_derived]
    impl ::exporter_core::__private::StaticCollector for HelloWorld {
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
    impl ::exporter_core::__private::MetricNames for HelloWorld {
        const NAMES: &'static [&'static str] = &["a_hello_world_exporter"];
    }
    ::exporter_core::__private::__impl_prometheus_collector!([] [HelloWorld] []);
    const _: () = if ::exporter_core::__private::metric_type_differs(
        <Vec<
            ([&'static str; 1], f64),
        > as ::exporter_core::__private::CollectField>::METRIC_TYPE,
        ::exporter_core::__private::MetricType::Gauge,
    ) {
        ::core::panic!(
            "`gauge` contradicts the metric type of the field type of `values`; remove `gauge` and let the field type decide"
        )
    };
    const _: () = if ::exporter_core::__private::label_arity_differs(
        <Vec<
            ([&'static str; 1], f64),
        > as ::exporter_core::__private::CollectField>::LABELS,
        1,
    ) {
        ::core::panic!(
            "`labels(...)` names 1 label(s), but each series of `values` carries a different number of label values; give one name per value"
        )
    };
};
