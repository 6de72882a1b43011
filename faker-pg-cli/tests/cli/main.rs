//! The `faker-pg` binary against a live PostgreSQL, one test binary in modules by command.
//!
//! The server is `DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`); without a
//! reachable server these tests fail, they never skip. Every test works in its own schema,
//! dropped at the end even when the test fails. The binary itself always runs without
//! `DATABASE_URL` in its environment, with the URL on its command line.
//!
//! The modules:
//!
//! - [`support`]: faker-pg's own test support (`faker-pg/tests/pg/support.rs`, included by path so
//!   that the library's tests and these set up the database the same way): connection, one
//!   schema per test, known distributions, the profiled bookstore schema.
//! - [`binary`]: running the built binary and reading its output.
//! - [`profile`]: `faker-pg profile`'s figures, suggestions and `--all`, and the one-line errors
//!   of both commands.
//! - [`compare`]: `faker-pg compare`, the profile → generate → compare round trip, and a failed
//!   foreign-key lookup reported as an error.
//! - [`plans`]: `faker-pg plans` on a skewed table and two copies of it (plan fidelity).

mod binary;
mod compare;
mod plans;
mod profile;
mod scaffold;

// Not every helper of faker-pg's support is needed by the binary's tests.
#[path = "../../../faker-pg/tests/pg/support.rs"]
#[allow(dead_code)]
mod support;
