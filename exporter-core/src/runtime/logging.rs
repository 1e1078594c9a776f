//! `--log.level` and `--log.format`: tracing-subscriber writing logfmt or
//! JSON lines to stderr, like Go exporters' promslog.

use std::fmt;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// The log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum LogFormat {
    /// `ts=... level=info msg="..." key=value`, Go exporters' default.
    #[default]
    Logfmt,
    /// One JSON object per line.
    Json,
}

/// Installs the `--log.level` / `--log.format` logging the runtime uses
/// (logfmt or JSON lines on stderr, like Go exporters' promslog), for an
/// exporter that parses its flags with [`ExporterBuilder::try_parse_from`](super::ExporterBuilder::try_parse_from)
/// and builds its own server instead of calling `run()`. A second call (or
/// one after another subscriber was set, as in tests) keeps the first.
///
/// ```
/// use exporter_core::runtime::{init_logging, Exporter};
///
/// let config = Exporter::builder("demo_exporter")
///     .try_parse_from(["demo_exporter", "--log.level=debug", "--log.format=json"])?;
/// init_logging(config.log_level, config.log_format);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn init_logging(level: Level, format: LogFormat) {
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Logfmt => builder.event_format(Logfmt).try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// The logfmt event formatter.
struct Logfmt;

impl<S, N> FormatEvent<S, N> for Logfmt
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        writer.write_str("ts=")?;
        SystemTime.format_time(&mut writer)?;
        let level = meta.level().as_str().to_ascii_lowercase();
        write!(writer, " level={level} target=")?;
        write_value(&mut writer, meta.target())?;
        let mut visitor = Visitor {
            writer: &mut writer,
            result: Ok(()),
        };
        event.record(&mut visitor);
        visitor.result?;
        writeln!(writer)
    }
}

struct Visitor<'a, 'w> {
    writer: &'a mut Writer<'w>,
    result: fmt::Result,
}

impl Visit for Visitor<'_, '_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if self.result.is_ok() {
            self.result = write_pair(self.writer, field, value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if self.result.is_ok() {
            self.result = write_pair(self.writer, field, &format!("{value:?}"));
        }
    }
}

fn write_pair(w: &mut Writer<'_>, field: &Field, value: &str) -> fmt::Result {
    let key = match field.name() {
        "message" => "msg",
        name => name,
    };
    write!(w, " {key}=")?;
    write_value(w, value)
}

/// Writes `value` bare when it is a plain token, else quoted and escaped.
fn write_value(w: &mut Writer<'_>, value: &str) -> fmt::Result {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '=' && c != '\\');
    if plain {
        return w.write_str(value);
    }
    w.write_char('"')?;
    for c in value.chars() {
        match c {
            '"' => w.write_str("\\\"")?,
            '\\' => w.write_str("\\\\")?,
            '\n' => w.write_str("\\n")?,
            c => w.write_char(c)?,
        }
    }
    w.write_char('"')
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use super::Logfmt;

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn logfmt_lines_quote_what_needs_quoting() {
        let buf = Buf::default();
        let sink = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .event_format(Logfmt)
            .with_writer(move || sink.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(address = "127.0.0.1:9100", error = %"it \"broke\"\nbadly", "cannot start");
        });
        let line = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(line.starts_with("ts=20"), "{line}");
        let rest = line.split_once(' ').unwrap().1;
        assert_eq!(
            rest,
            "level=warn target=exporter_core::runtime::logging::tests msg=\"cannot start\" \
             address=127.0.0.1:9100 error=\"it \\\"broke\\\"\\nbadly\"\n"
        );
    }
}
