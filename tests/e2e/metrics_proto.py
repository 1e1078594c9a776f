"""The `io.prometheus.client` protobuf schema (prometheus/client_model metrics.proto),
built at run time with the `protobuf` package, so no `protoc` is needed.

Field numbers and types are copied from client_model's `io/prometheus/client/metrics.proto`
(proto2). Decoding a scrape with these classes is decoding it with Google's protobuf runtime,
not with a hand-written reader.
"""

from google.protobuf import descriptor_pb2, descriptor_pool, timestamp_pb2  # noqa: F401

try:  # protobuf >= 4.21
    from google.protobuf.message_factory import GetMessageClass as _message_class
except ImportError:  # pragma: no cover - older protobuf
    from google.protobuf import message_factory as _mf

    _factory = _mf.MessageFactory()

    def _message_class(desc):
        return _factory.GetPrototype(desc)


F = descriptor_pb2.FieldDescriptorProto
OPT, REP = F.LABEL_OPTIONAL, F.LABEL_REPEATED

# (message name, [(field name, number, type, label, type name for messages/enums)])
_MESSAGES = [
    ("LabelPair", [("name", 1, F.TYPE_STRING, OPT, None), ("value", 2, F.TYPE_STRING, OPT, None)]),
    ("Gauge", [("value", 1, F.TYPE_DOUBLE, OPT, None)]),
    (
        "Counter",
        [
            ("value", 1, F.TYPE_DOUBLE, OPT, None),
            ("exemplar", 2, F.TYPE_MESSAGE, OPT, ".io.prometheus.client.Exemplar"),
            ("created_timestamp", 3, F.TYPE_MESSAGE, OPT, ".google.protobuf.Timestamp"),
        ],
    ),
    ("Quantile", [("quantile", 1, F.TYPE_DOUBLE, OPT, None), ("value", 2, F.TYPE_DOUBLE, OPT, None)]),
    (
        "Summary",
        [
            ("sample_count", 1, F.TYPE_UINT64, OPT, None),
            ("sample_sum", 2, F.TYPE_DOUBLE, OPT, None),
            ("quantile", 3, F.TYPE_MESSAGE, REP, ".io.prometheus.client.Quantile"),
            ("created_timestamp", 4, F.TYPE_MESSAGE, OPT, ".google.protobuf.Timestamp"),
        ],
    ),
    ("Untyped", [("value", 1, F.TYPE_DOUBLE, OPT, None)]),
    (
        "Histogram",
        [
            ("sample_count", 1, F.TYPE_UINT64, OPT, None),
            ("sample_count_float", 4, F.TYPE_DOUBLE, OPT, None),
            ("sample_sum", 2, F.TYPE_DOUBLE, OPT, None),
            ("bucket", 3, F.TYPE_MESSAGE, REP, ".io.prometheus.client.Bucket"),
            ("created_timestamp", 15, F.TYPE_MESSAGE, OPT, ".google.protobuf.Timestamp"),
            ("schema", 5, F.TYPE_SINT32, OPT, None),
            ("zero_threshold", 6, F.TYPE_DOUBLE, OPT, None),
            ("zero_count", 7, F.TYPE_UINT64, OPT, None),
            ("zero_count_float", 8, F.TYPE_DOUBLE, OPT, None),
            ("negative_span", 9, F.TYPE_MESSAGE, REP, ".io.prometheus.client.BucketSpan"),
            ("negative_delta", 10, F.TYPE_SINT64, REP, None),
            ("negative_count", 11, F.TYPE_DOUBLE, REP, None),
            ("positive_span", 12, F.TYPE_MESSAGE, REP, ".io.prometheus.client.BucketSpan"),
            ("positive_delta", 13, F.TYPE_SINT64, REP, None),
            ("positive_count", 14, F.TYPE_DOUBLE, REP, None),
            ("exemplars", 16, F.TYPE_MESSAGE, REP, ".io.prometheus.client.Exemplar"),
        ],
    ),
    (
        "Bucket",
        [
            ("cumulative_count", 1, F.TYPE_UINT64, OPT, None),
            ("cumulative_count_float", 4, F.TYPE_DOUBLE, OPT, None),
            ("upper_bound", 2, F.TYPE_DOUBLE, OPT, None),
            ("exemplar", 3, F.TYPE_MESSAGE, OPT, ".io.prometheus.client.Exemplar"),
        ],
    ),
    ("BucketSpan", [("offset", 1, F.TYPE_SINT32, OPT, None), ("length", 2, F.TYPE_UINT32, OPT, None)]),
    (
        "Exemplar",
        [
            ("label", 1, F.TYPE_MESSAGE, REP, ".io.prometheus.client.LabelPair"),
            ("value", 2, F.TYPE_DOUBLE, OPT, None),
            ("timestamp", 3, F.TYPE_MESSAGE, OPT, ".google.protobuf.Timestamp"),
        ],
    ),
    (
        "Metric",
        [
            ("label", 1, F.TYPE_MESSAGE, REP, ".io.prometheus.client.LabelPair"),
            ("gauge", 2, F.TYPE_MESSAGE, OPT, ".io.prometheus.client.Gauge"),
            ("counter", 3, F.TYPE_MESSAGE, OPT, ".io.prometheus.client.Counter"),
            ("summary", 4, F.TYPE_MESSAGE, OPT, ".io.prometheus.client.Summary"),
            ("untyped", 5, F.TYPE_MESSAGE, OPT, ".io.prometheus.client.Untyped"),
            ("histogram", 7, F.TYPE_MESSAGE, OPT, ".io.prometheus.client.Histogram"),
            ("timestamp_ms", 6, F.TYPE_INT64, OPT, None),
        ],
    ),
    (
        "MetricFamily",
        [
            ("name", 1, F.TYPE_STRING, OPT, None),
            ("help", 2, F.TYPE_STRING, OPT, None),
            ("type", 3, F.TYPE_ENUM, OPT, ".io.prometheus.client.MetricType"),
            ("metric", 4, F.TYPE_MESSAGE, REP, ".io.prometheus.client.Metric"),
            ("unit", 5, F.TYPE_STRING, OPT, None),
        ],
    ),
]

METRIC_TYPES = ["COUNTER", "GAUGE", "SUMMARY", "UNTYPED", "HISTOGRAM", "GAUGE_HISTOGRAM"]


def _build():
    fdp = descriptor_pb2.FileDescriptorProto(
        name="io/prometheus/client/metrics_e2e.proto",
        package="io.prometheus.client",
        syntax="proto2",
        dependency=["google/protobuf/timestamp.proto"],
    )
    enum = fdp.enum_type.add(name="MetricType")
    for number, name in enumerate(METRIC_TYPES):
        enum.value.add(name=name, number=number)
    for msg_name, fields in _MESSAGES:
        msg = fdp.message_type.add(name=msg_name)
        for name, number, ftype, label, type_name in fields:
            field = msg.field.add(name=name, number=number, type=ftype, label=label)
            if type_name:
                field.type_name = type_name
    pool = descriptor_pool.Default()
    pool.Add(fdp)
    return _message_class(pool.FindMessageTypeByName("io.prometheus.client.MetricFamily"))


MetricFamily = _build()


def read_delimited(body: bytes):
    """Splits a `encoding=delimited` body into MetricFamily messages (varint length prefix)."""
    families, pos = [], 0
    while pos < len(body):
        length, shift = 0, 0
        while True:
            if pos >= len(body):
                raise ValueError("truncated varint length prefix")
            byte = body[pos]
            pos += 1
            length |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
            if shift > 63:
                raise ValueError("varint length prefix too long")
        if pos + length > len(body):
            raise ValueError(f"frame of {length} bytes runs past the end of the body")
        family = MetricFamily()
        family.ParseFromString(body[pos : pos + length])
        families.append(family)
        pos += length
    return families
