//! Specifications as SQL: a [`Query`](faker_core::spec::Query) compiled to a PostgreSQL boolean
//! expression over a `jsonb` expression, selecting exactly the rows whose value
//! [`Query::matches`](faker_core::spec::Query::matches) accepts.
//!
//! ```
//! use faker_core::spec::Query;
//! use faker_pg::sql::{compile, Param};
//! use serde_json::json;
//!
//! let q = Query::parse(&json!({"status": "active", "tags": {"$any": {"$eq": "new"}}}))?;
//! let compiled = compile(&q)?;
//! // SELECT id FROM people WHERE <compiled.sql>, binding compiled.params in order
//! assert!(compiled.sql.starts_with(r#"("value" @> $1::jsonb AND EXISTS (SELECT 1 FROM "#));
//! assert_eq!(compiled.params[0], Param::Jsonb(json!({"status": "active"})));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! * [`compile`] compiles over the column `value` with placeholders from `$1`; a [`Compiler`]
//!   chooses another column ([`Compiler::column`], [`Compiler::qualified_column`]), the first
//!   placeholder number ([`Compiler::first_param`]) and a [`RelationResolver`] for `$rel`.
//! * [`Compiled`] holds the text and the [`Param`]s; [`Compiled::bind`] (`bind_as`,
//!   `bind_scalar`) binds them to a sqlx query.
//!
//! # Safety of the text
//!
//! No value of the query enters the SQL text: operands, field names and string bounds are all
//! bind parameters (`$n::jsonb`, `$n::text`). The only names in the text are [`Ident`]s
//! (always quoted) and aliases the compiler makes up (`a1`, `r2`, chosen to differ from the
//! target's column and table names, so they never capture a reference to it). Placeholders are
//! numbered in order of appearance and every bound parameter appears in the text.
//!
//! # What each operator becomes
//!
//! `E` is the `jsonb` expression the operator applies to: the target column at the root, and
//! for a field `k` of `E`, `F = COALESCE(E -> $k::text, 'null'::jsonb)` — a missing field *is*
//! JSON `null`, as in memory, so no sub-expression is ever SQL `NULL` and `NOT`, `AND` and `OR`
//! keep two-valued logic. `A(E)` is `CASE WHEN jsonb_typeof(E) = 'array' THEN E ELSE
//! '[]'::jsonb END`, so that array functions never see a non-array and never raise.
//!
//! | Query | SQL |
//! |---|---|
//! | `v`, `{"$eq": v}`, `v` not an object | `E = $n::jsonb` (numbers numerically; arrays element-wise in order; objects inside arrays exactly) |
//! | field dict `{"k": q, ..}`, `$eq` of an object | `E @> $n::jsonb` with the fields that containment decides exactly (below), or `jsonb_typeof(E) = 'object'` when there are none; then `AND` each other field's predicate over `F` |
//! | `{"$ne": v}` | `NOT (<$eq v>)` |
//! | `{"$gt": 5}` (also `$gte`, `$lt`, `$lte`) | `(jsonb_typeof(E) = 'number' AND E > $n::jsonb)` |
//! | `{"$gt": "s"}` | `(jsonb_typeof(E) = 'string' AND (E #>> '{}') COLLATE "C" > $n::text)` |
//! | `{"$gt": x}`, `x` null, bool, array or object | `FALSE` |
//! | `{"$in": [..]}` | `E IN ($n::jsonb, ..)` for the non-object items (`E = $n::jsonb` for one), `OR` a partial match per object item; `FALSE` for none |
//! | `{"$nin": [..]}` | `NOT (<$in>)` |
//! | `{"$is_null": true}` / `false` | `jsonb_typeof(E) = 'null'` / `jsonb_typeof(E) <> 'null'` |
//! | `{"$not": q}` | `NOT (q)` |
//! | `$and` / `$or` | `(a AND b ..)` / `(a OR b ..)`; an empty one is `TRUE` / `FALSE` |
//! | `{"$any": q}` | `EXISTS (SELECT 1 FROM jsonb_array_elements(A(E)) AS aN(elem) WHERE q(aN.elem))` |
//! | `{"$all": q}` | `(jsonb_typeof(E) = 'array' AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(A(E)) AS aN(elem) WHERE NOT (q(aN.elem))))` |
//! | `{"$len": q}` | `(jsonb_typeof(E) = 'array' AND q(to_jsonb(jsonb_array_length(A(E)))))`; inside it, operators that need an object or array are `FALSE` |
//! | `{"$rel": q}`, the resolver knows the field | `EXISTS (SELECT 1 FROM (SELECT "value_id" AS id, "value" AS doc FROM <table>) AS rN WHERE rN.id = E AND q(rN.doc))`, `q` compiled with the relation's nested resolver |
//! | `{"$rel": q}`, the resolver does not know the field | `FALSE` (in memory: the resolver finds nothing) |
//! | `{"$rel": q}`, no resolver | `q(E)` (in memory: the inner query on the value itself) |
//!
//! **Containment.** `{"k": v} @> ..` agrees with the evaluator when `v` is a boolean, number or
//! string (the key must be present with an equal value: `'{"k": 1.0}' @> '{"k": 1}'`), and,
//! recursively, when `v` is a non-empty object of such fields (PostgreSQL lets an array contain
//! a bare scalar only at the top level, so `'{"k": [1]}' @> '{"k": 1}'` is false, as it must
//! be). It is *not* used for `null` (a missing key is null in memory, but not contained), for
//! arrays (containment ignores order, length and repeats: `'[2, 1, 1]' @> '[1, 2]'`), for `{}`,
//! or at the top level for a scalar (`'[5]' @> '5'` is true). Everything it does decide goes into
//! one `E @> $n::jsonb`, which a GIN index on the column (`USING gin (value jsonb_path_ops)`)
//! serves when `E` is the column itself.
//!
//! # Where plain SQL would disagree with the evaluator, and what is done instead
//!
//! * **Missing fields and JSON null**: `E -> 'k'` is SQL `NULL` for a missing key but JSON
//!   `null` for a null one, so `IS NULL` and three-valued `NOT` give wrong answers; hence `F`.
//! * **Ordering across kinds**: `jsonb` orders every pair of values (`'"x"' < '1'`), the
//!   evaluator orders only number/number and string/string; hence the `jsonb_typeof` guard.
//! * **String order**: `jsonb` compares strings with the database collation (`en_US`: `"a" <
//!   "B"`), the evaluator by code point (`"B" < "a"`, so ISO-8601 timestamps order in time);
//!   hence `COLLATE "C"` on the string's text.
//! * **Arrays**: `$eq` of an array is ordered, exact equality, not containment; `$any`, `$all`
//!   and `$len` of a non-array are false without raising.
//! * **`$rel` and name capture**: with the unqualified column `value` as the target, `WHERE
//!   r.value_id = value -> 'k'` inside `FROM companies r` reads `r.value`, not the outer row's
//!   column (the Python original has this bug); the derived table renames the columns so the
//!   target is never captured.
//!
//! # Limits
//!
//! * The target expression must not be SQL `NULL` (faker's tables declare it `NOT NULL`).
//! * Numbers are compared as PostgreSQL `numeric`, which agrees with the evaluator's exact
//!   comparison for integers of any size and for floats below 2^53 in magnitude. A float at or
//!   beyond 2^53 travels as the shortest decimal that reads back as it (what `serde_json`
//!   writes), so it may compare differently with a nearby large integer: the evaluator finds
//!   `9223372036854775900 > 9.223372036854776e18` (the float is 2^63 exactly), PostgreSQL
//!   compares with `9223372036854776000` and does not.
//! * Strings and keys with a NUL character cannot be stored by PostgreSQL: compiling such a query
//!   is a [`SqlError::Nul`].
//! * A relation's id column is `jsonb` and is compared with `jsonb =`; when several rows share an
//!   id, any of them matching is enough.
//!
//! [`Ident`]: crate::Ident

mod compile;
mod param;
mod relation;

pub use compile::{Compiled, Compiler, MAX_PARAM, SqlError, compile};
pub use param::Param;
pub use relation::{Relation, RelationResolver};
