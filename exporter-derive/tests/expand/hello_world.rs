/// The classic client_golang hello world, as a snapshot struct.
#[derive(Collector)]
struct HelloWorld {
    /// Help Info for Hello World Exporter
    #[metric(gauge, name = "a_hello_world_exporter", labels(name))]
    values: Vec<([&'static str; 1], f64)>,
}
