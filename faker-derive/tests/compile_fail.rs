//! Attribute mistakes are compile errors at the offending token, each saying what to write
//! instead. Every `tests/ui/*.rs` case has a reviewed `.stderr`; regenerate with
//! `TRYBUILD=overwrite cargo test -p faker-derive --test compile_fail` and review the diff.

#[test]
fn attribute_mistakes_are_compile_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
