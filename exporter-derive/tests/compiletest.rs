//! The compile-time contract of the derives: every rejected input with its
//! reviewed error (`tests/ui/fail`), and inputs that must compile (`tests/ui/pass`).
//! Regenerate with `TRYBUILD=overwrite cargo test -p exporter-derive --test compiletest`
//! and review every `.stderr` diff by eye.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
