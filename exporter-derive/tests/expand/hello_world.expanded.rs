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
                ::exporter_core::__private::Desc::builder("a_hello_world_exporter",
                ::exporter_core::__private::MetricType::Gauge)
                .help("Help Info for Hello World Exporter").labels(["name"]).build() ?
            ],
        )
    }
    #[automatically_derived]
    impl ::exporter_core::__private::Collector for HelloWorld {
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
            <Vec<
                ([&'static str; 1], f64),
            > as ::exporter_core::__private::EncodeFamily>::encode_family(
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
    impl ::exporter_core::__private::MetricNames for HelloWorld {
        const NAMES: &'static [&'static str] = &["a_hello_world_exporter"];
    }
    ::exporter_core::__private::__impl_prometheus_collector!([] [HelloWorld] []);
    const _: () = if ::exporter_core::__private::metric_type_differs(
        <Vec<
            ([&'static str; 1], f64),
        > as ::exporter_core::__private::EncodeFamily>::METRIC_TYPE,
        ::exporter_core::__private::MetricType::Gauge,
    ) {
        ::core::panic!(
            "`gauge` contradicts the metric type of the field type of `values`; remove `gauge` and let the field type decide"
        )
    };
    const _: () = <::exporter_core::__private::Arity as ::exporter_core::__private::LabelArity<
        [&'static str; 1],
        1,
        {
            ::exporter_core::__private::count_or(
                <[&'static str; 1] as ::exporter_core::__private::LabelCount>::COUNT,
                1,
            )
        },
    >>::FITS;
};
