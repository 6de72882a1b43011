//! `#[derive(Provider)]` for ddd-faker.
//!
//! The derive is not written yet: this crate currently exports nothing. It will parse
//! `#[provider(..)]`, `#[reference(..)]` and `#[distributor(..)]` attributes into an
//! intermediate model, validate them with spans, and expand to calls into `faker-core`.
