//! Prometheus text format 0.0.4.
//!
//! ```text
//! # HELP a_hello_world_exporter Help Info for Hello World Exporter
//! # TYPE a_hello_world_exporter gauge
//! a_hello_world_exporter{name="haohao"} 81
//! ```

use crate::desc::Desc;
use crate::labels::EncodeLabelValues;
use crate::value::{write_float, Number};

/// Writes the `# HELP` and `# TYPE` lines of a family.
pub(super) fn header_into(out: &mut Vec<u8>, desc: &Desc) {
    let name = text_family_name(desc);
    out.extend_from_slice(b"# HELP ");
    out.extend_from_slice(name.as_bytes());
    out.push(b' ');
    out.extend_from_slice(desc.rendered().help.as_bytes());
    out.extend_from_slice(b"\n# TYPE ");
    out.extend_from_slice(name.as_bytes());
    out.push(b' ');
    out.extend_from_slice(desc.metric_type().as_text_str().as_bytes());
    out.push(b'\n');
}

/// The family name on text header lines (the descriptor's name).
fn text_family_name(desc: &Desc) -> &str {
    desc.name()
}

/// Writes one sample line: `name<suffix>{const,labels,extra} value [timestamp]`.
///
/// Returns the number of label values `labels` supplied, for the arity check.
#[inline]
pub(super) fn sample_into<L: EncodeLabelValues + ?Sized>(
    out: &mut Vec<u8>,
    desc: &Desc,
    suffix: &str,
    labels: &L,
    extra: Option<(&str, Number)>,
    value: Number,
    timestamp_ms: Option<i64>,
) -> usize {
    out.extend_from_slice(desc.name().as_bytes());
    out.extend_from_slice(suffix.as_bytes());
    let const_labels = desc.rendered().const_labels.as_bytes();
    let names = desc.variable_labels();
    let got;
    if const_labels.is_empty() && names.is_empty() && extra.is_none() {
        // No braces; still count what `labels` supplies (it should be nothing).
        got = super::write_text_labels(out, names, labels, false);
    } else {
        out.push(b'{');
        out.extend_from_slice(const_labels);
        got = super::write_text_labels(out, names, labels, !const_labels.is_empty());
        if let Some((name, v)) = extra {
            if !const_labels.is_empty() || !names.is_empty() {
                out.push(b',');
            }
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"=\"");
            match v {
                Number::Float(f) => write_float(out, f),
                other => other.write_text(out),
            }
            out.push(b'"');
        }
        out.push(b'}');
    }
    out.push(b' ');
    value.write_text(out);
    if let Some(ts) = timestamp_ms {
        out.push(b' ');
        out.extend_from_slice(itoa::Buffer::new().format(ts).as_bytes());
    }
    out.push(b'\n');
    got
}
