//! Integration tests against a live PostgreSQL, one test binary in modules by subject.
//!
//! The server is `DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`). Without a
//! reachable server these tests fail; they never skip. `scripts/test` starts a local cluster when
//! it can.
//!
//! Every test works in its own schema (`t_<test>_<pid>_<random>`), dropped at the end even when
//! the test fails, so tests run in parallel and leave nothing behind.
//!
//! The modules:
//!
//! - [`support`]: connection, one schema per test, statement helpers, known distributions and
//!   the profiled bookstore schema, shared by the modules below (and by the tests of the
//!   `faker-pg` command line tool, package `faker-pg-cli`).
//! - [`spec_sql`]: the query DSL compiled to SQL over JSONB agrees with the in-memory evaluator.
//! - [`bulk`]: bulk and write-behind writes (`COPY` batches, reserved keys, mirrors, rollback,
//!   the target guard) equal the in-memory run.
//! - [`shared_pools`]: pools, leases and sequences shared between generators.
//! - [`profile`]: server-side column and tuple profiles equal the Rust estimators.
//! - [`catalog`]: keys and candidate columns found in the catalog.
//! - [`histogram`]: a numeric, date or timestamp column's exact quantiles and bucket shares.
//! - [`nullable`]: a nullable composite reference stored as `NULL` in every column, per
//!   aggregate and in bulk.
//! - [`refusals`]: aggregates the domain refuses are drawn again and store nothing, per
//!   aggregate and in bulk.
//! - [`reference_ids`]: an aggregate whose id is made only of references is stored once per
//!   combination and reused, per aggregate and in bulk.
//! - [`collections`]: a collection of entities inside an aggregate stored in a child table
//!   keyed by the aggregate's id, per aggregate and in bulk.
//! - [`fidelity`]: plans of one query on production and on copies of it compared node by node.
//! - [`store`]: the two write modes behind one helper, for the modules above.
//!
//! The `faker-pg` command line tool (`profile`, `compare`) is tested with its binary, in
//! `faker-pg-cli/tests/cli`.

mod bulk;
mod catalog;
mod collections;
mod fidelity;
mod histogram;
mod nullable;
mod order;
mod profile;
mod reference_ids;
mod refusals;
mod shared_pools;
mod spec_sql;
mod store;
mod support;
