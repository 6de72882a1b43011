//! Plan fidelity: does a query get the same PostgreSQL plan on generated data as on
//! production? The end measure of this project (issue 17); built up in parts.
//!
//! * [`explain`] — a plan as `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)` reports it, read into
//!   typed nodes, and [`explain::explain`] running it on a connection.
//! * [`queries`] — the query file: named queries whose parameters say which value they want
//!   (`rank`, `quantile`, `any`), to be resolved on each database separately.
//! * [`resolve`] — those parameters resolved on one database and bound to the query as
//!   `$n::type`.
//! * [`shape`] — two plans of one query compared: the first node where they part, or the rows
//!   at each node relative to the data's size.
//!
//! * [`stats`] — the planner's statistics of a table on both sides, and those that differ
//!   enough to change a plan (why two plans part).
//!
//! Imports: `shape → explain`, `resolve → queries`; nothing from the write side or the coordination tables.

pub mod explain;
pub mod queries;
pub mod resolve;
pub mod shape;
pub mod stats;

pub use explain::{ExplainError, PlanNode};
pub use shape::{Difference, RowRatio, ShapeComparison, compare};
