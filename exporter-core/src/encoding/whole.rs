//! Families a caller renders whole, header and samples, and the encoder
//! only files under their names: the handler's self-metrics, whose lines are
//! the same at every scrape but for six numbers, skip the per-family and
//! per-sample work of [`MetricEncoder::family`] in the usual scrape.

use super::encoder::{Family, MetricEncoder};
use super::Format;
use crate::desc::Desc;

impl MetricEncoder {
    /// Whether families of `descs`, rendered whole by the caller (header and
    /// samples, in this encoder's format), can be filed with
    /// [`whole_family`](Self::whole_family) instead of written through
    /// [`family`](Self::family): the handler's self-metrics, whose lines are
    /// the same but for six numbers. Only for the last writer of a scrape:
    /// the families are not entered in the duplicate-series check, so a
    /// later collector writing them would not be refused. Only in a plain
    /// text scrape (no `name[]` filter, nothing streaming, no wrapping, no OpenMetrics `_created` lines), for names
    /// escaping leaves alone, when no family of these names was written and
    /// none collides with one that was. Otherwise the caller writes them as
    /// any collector does, which reports what is wrong.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn takes_whole(&mut self, descs: &[&Desc]) -> bool {
        let plain = match self.format {
            Format::Text => true,
            Format::OpenMetrics => !self.created_lines,
            Format::Protobuf => false,
        };
        if !plain || self.filter.is_some() || self.sends() || !self.wraps.is_empty() {
            return false;
        }
        for desc in descs {
            let same = desc
                .for_escaping(self.escaping)
                .is_ok_and(|d| std::ptr::eq(d, *desc));
            if !same
                || desc.error().is_some()
                || self
                    .index
                    .get_hashed(&self.families, desc.name(), desc.name_hash())
                    .is_some()
            {
                return false;
            }
        }
        // As `family` checks a new family, in the same order (the check
        // remembers the sequence from one scrape to the next); put back as it
        // was when the answer is no, for the caller's own writes to check.
        let mark = self.check.memo_mark();
        let (families, index) = (&self.families, &self.index);
        let clear = descs.iter().all(|desc| {
            self.check
                .family(desc, |name| index.metric_type(families, name))
                .is_ok()
        });
        if !clear {
            self.check.restore_memo(mark);
        }
        clear
    }

    /// Files a family rendered whole by `render` (see
    /// [`takes_whole`](Self::takes_whole), which must have said yes for
    /// it): `render` writes the header, returns its length, then writes the
    /// samples, into a buffer the last scrape left when there is one.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn whole_family(&mut self, desc: &Desc, render: impl FnOnce(&mut Vec<u8>) -> usize) {
        let mut body = self.spare_bodies.pop().unwrap_or_default();
        let header_len = render(&mut body);
        let idx = self.families.len();
        self.families.push(Family {
            desc: desc.clone(),
            body,
            header_len,
            epoch: self.epoch,
            streamed: false,
            unescaped: None,
        });
        self.index.insert(&self.families, idx);
    }
}
