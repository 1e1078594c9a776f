/// An instrument struct: live metrics built by the generated constructor.
#[derive(Collector)]
#[collector(namespace = "http", new)]
struct HttpMetrics {
    /// Requests served, by method.
    #[metric(labels(method))]
    requests_total: Family<[String; 1], Counter>,
    /// Request latency.
    #[metric(buckets(0.005, 0.05, 0.5, 5))]
    request_duration_seconds: Histogram,
    /// Response sizes: native buckets growing by at most 10%, at most 160 of them.
    #[metric(native(factor = 1.1, max_buckets = 160, min_reset_duration = "1h"))]
    response_size_bytes: Histogram,
}
