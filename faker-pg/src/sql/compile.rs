//! The compiler: [`Compiler`], [`compile`], [`Compiled`] and [`SqlError`].
//!
//! One unit although it is long: each operator's SQL must agree with the in-memory evaluator
//! case by case (types, nulls, missing fields), and keeping every operator beside the one
//! recursive walk that emits it is what makes that agreement reviewable.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use faker_core::spec::Query;
use serde_json::{Map, Value};
use sqlx::Postgres;
use sqlx::postgres::PgArguments;

use super::param::Param;
use super::relation::RelationResolver;
use crate::ident::Ident;

/// The largest placeholder number PostgreSQL accepts (`$65535`).
pub const MAX_PARAM: usize = u16::MAX as usize;

/// Why a query cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SqlError {
    /// [`Compiler::first_param`] was 0; placeholders start at `$1`.
    #[error("placeholders start at $1, not $0")]
    FirstParamZero,
    /// The query needs more placeholders than PostgreSQL allows.
    #[error(
        "the query needs placeholders ${first}..${last}, but PostgreSQL allows at most ${max}",
        max = MAX_PARAM
    )]
    TooManyParams {
        /// The first placeholder number.
        first: usize,
        /// The last placeholder number the query would need.
        last: usize,
    },
    /// A string or key holds a NUL character, which PostgreSQL's `text` and `jsonb` cannot
    /// store.
    #[error("{what} {text:?} contains a NUL character, which PostgreSQL cannot store")]
    Nul {
        /// `"key"` or `"string"`.
        what: &'static str,
        /// The offending text.
        text: String,
    },
}

/// A compiled query: a SQL boolean expression and its bind values.
///
/// Put [`sql`](Compiled::sql) into a statement (it is a complete, parenthesis-safe boolean
/// expression) and bind [`params`](Compiled::params) in order, for example with
/// [`Compiled::bind`]. The text holds no value from the query: only placeholders, quoted
/// identifiers, aliases the compiler made up, and SQL keywords and constants.
#[derive(Clone, Debug, PartialEq)]
pub struct Compiled {
    /// The boolean expression, with placeholders `$first`..`$(first + params.len() - 1)`.
    pub sql: String,
    /// The bind values, in placeholder order.
    pub params: Vec<Param>,
}

impl Compiled {
    /// Binds every parameter to `query`, in order.
    ///
    /// ```no_run
    /// # async fn run(pool: &sqlx::PgPool) -> Result<(), Box<dyn std::error::Error>> {
    /// use faker_core::spec::Query;
    /// use sqlx::{AssertSqlSafe, Row};
    ///
    /// let q = Query::parse(&serde_json::json!({"status": "active", "age": {"$gte": 18}}))?;
    /// let compiled = faker_pg::sql::compile(&q)?;
    /// let sql = format!("SELECT id FROM people WHERE {}", compiled.sql);
    /// let rows = compiled.bind(sqlx::query(AssertSqlSafe(sql))).fetch_all(pool).await?;
    /// # Ok(()) }
    /// ```
    pub fn bind<'q>(
        self,
        mut query: sqlx::query::Query<'q, Postgres, PgArguments>,
    ) -> sqlx::query::Query<'q, Postgres, PgArguments> {
        for param in self.params {
            query = query.bind(param);
        }
        query
    }

    /// [`Compiled::bind`] for [`sqlx::query_as()`].
    pub fn bind_as<'q, O>(
        self,
        mut query: sqlx::query::QueryAs<'q, Postgres, O, PgArguments>,
    ) -> sqlx::query::QueryAs<'q, Postgres, O, PgArguments> {
        for param in self.params {
            query = query.bind(param);
        }
        query
    }

    /// [`Compiled::bind`] for [`sqlx::query_scalar()`].
    pub fn bind_scalar<'q, O>(
        self,
        mut query: sqlx::query::QueryScalar<'q, Postgres, O, PgArguments>,
    ) -> sqlx::query::QueryScalar<'q, Postgres, O, PgArguments> {
        for param in self.params {
            query = query.bind(param);
        }
        query
    }
}

/// Writes [`Compiled::sql`].
impl fmt::Display for Compiled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sql)
    }
}

/// The `jsonb` expression a query is evaluated on.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    /// The column `value`.
    Default,
    /// An unqualified column.
    Column(Ident),
    /// `table.column`.
    Qualified(Ident, Ident),
}

impl Target {
    fn sql(&self) -> String {
        match self {
            Target::Default => "\"value\"".to_owned(),
            Target::Column(column) => column.quoted(),
            Target::Qualified(table, column) => format!("{table}.{column}"),
        }
    }

    /// Names the compiler must not use for its own aliases and columns: the target's column
    /// and table, so that no alias or column made up inside a subquery captures a reference
    /// to the target.
    fn names(&self) -> Vec<&str> {
        match self {
            Target::Default => vec!["value"],
            Target::Column(column) => vec![column.as_str()],
            Target::Qualified(table, column) => vec![table.as_str(), column.as_str()],
        }
    }
}

/// Compiles [`Query`]s to SQL boolean expressions over a `jsonb` expression; see the
/// [module documentation](super) for what each operator becomes.
///
/// ```
/// use faker_core::spec::Query;
/// use faker_pg::sql::{Compiler, Param};
/// use faker_pg::Ident;
/// use serde_json::json;
///
/// let q = Query::parse(&json!({"status": "active"}))?;
/// let compiled = Compiler::new()
///     .qualified_column(Ident::new("b")?, Ident::new("state")?)
///     .first_param(3)
///     .compile(&q)?;
/// assert_eq!(compiled.sql, r#""b"."state" @> $3::jsonb"#);
/// assert_eq!(compiled.params, [Param::Jsonb(json!({"status": "active"}))]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Compiler<'r> {
    target: Target,
    resolver: Option<&'r dyn RelationResolver>,
    first_param: usize,
}

impl fmt::Debug for Compiler<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Compiler")
            .field("target", &self.target.sql())
            .field("resolver", &self.resolver.map(|_| ".."))
            .field("first_param", &self.first_param)
            .finish()
    }
}

impl Default for Compiler<'_> {
    fn default() -> Self {
        Compiler::new()
    }
}

impl<'r> Compiler<'r> {
    /// A compiler over the column `value`, without a relation resolver, numbering placeholders
    /// from `$1`.
    pub fn new() -> Compiler<'r> {
        Compiler {
            target: Target::Default,
            resolver: None,
            first_param: 1,
        }
    }

    /// Evaluate queries on the `jsonb` column `column` (unqualified).
    pub fn column(mut self, column: Ident) -> Compiler<'r> {
        self.target = Target::Column(column);
        self
    }

    /// Evaluate queries on the `jsonb` column `table.column` (`table` is a table name or an
    /// alias of the surrounding statement).
    pub fn qualified_column(mut self, table: Ident, column: Ident) -> Compiler<'r> {
        self.target = Target::Qualified(table, column);
        self
    }

    /// Resolve `$rel` through `resolver`. Without one, `$rel` evaluates its inner query on the
    /// value itself, as [`Query::matches`] does.
    pub fn resolver(mut self, resolver: &'r dyn RelationResolver) -> Compiler<'r> {
        self.resolver = Some(resolver);
        self
    }

    /// Number placeholders from `$first` (default 1), to follow the statement's own
    /// parameters.
    pub fn first_param(mut self, first: usize) -> Compiler<'r> {
        self.first_param = first;
        self
    }

    /// Compiles `query`.
    pub fn compile(&self, query: &Query) -> Result<Compiled, SqlError> {
        if self.first_param == 0 {
            return Err(SqlError::FirstParamZero);
        }
        let mut state = State {
            avoid: self.target.names(),
            params: Vec::new(),
            seen: HashMap::new(),
            aliases: 0,
            error: None,
        };
        let sql = state.pred(
            query,
            &self.target.sql(),
            false,
            self.resolver,
            &mut Vec::new(),
        );
        if let Some(error) = state.error {
            return Err(error);
        }
        let (sql, params) = number_placeholders(&sql, state.params, self.first_param);
        let last = (self.first_param - 1).saturating_add(params.len());
        if !params.is_empty() && last > MAX_PARAM {
            return Err(SqlError::TooManyParams {
                first: self.first_param,
                last,
            });
        }
        Ok(Compiled { sql, params })
    }
}

/// Compiles `query` over the column `value`, without a relation resolver, with placeholders
/// from `$1`: `Compiler::new().compile(query)`.
///
/// ```
/// use faker_core::spec::Query;
/// use faker_pg::sql::{compile, Param};
/// use serde_json::json;
///
/// let q = Query::parse(&json!({"age": {"$gt": 18}}))?;
/// let compiled = compile(&q)?;
/// assert_eq!(
///     compiled.sql,
///     "(jsonb_typeof(\"value\") = 'object' AND (jsonb_typeof(COALESCE(\"value\" -> $1::text, \
///      'null'::jsonb)) = 'number' AND COALESCE(\"value\" -> $1::text, 'null'::jsonb) > $2::jsonb))"
/// );
/// assert_eq!(compiled.params, [Param::Text("age".into()), Param::Jsonb(json!(18))]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn compile(query: &Query) -> Result<Compiled, SqlError> {
    Compiler::new().compile(query)
}

/// Where a parameter is recorded, to reuse a placeholder for a repeated value.
#[derive(PartialEq, Eq, Hash)]
enum Seen {
    Jsonb(String),
    Text(String),
}

/// Marks a placeholder in the text under construction: `MARK <index into params> MARK`. A NUL
/// cannot occur in the text otherwise (identifiers reject it, values never enter the text).
const MARK: char = '\0';

/// Numbers the placeholders marked in `sql` in order of first appearance, from `first`, and
/// keeps only the parameters that appear: a field key read for a branch that folded to a
/// constant (`FALSE`) would otherwise be bound but unused, which PostgreSQL accepts but a
/// statement cache keyed by text does not expect.
fn number_placeholders(sql: &str, params: Vec<Param>, first: usize) -> (String, Vec<Param>) {
    let mut slots: Vec<Option<Param>> = params.into_iter().map(Some).collect();
    let mut numbers: HashMap<usize, usize> = HashMap::new();
    let mut out_params = Vec::new();
    let mut out = String::with_capacity(sql.len());
    let mut parts = sql.split(MARK);
    if let Some(head) = parts.next() {
        out.push_str(head);
    }
    // After the head, parts alternate: an index, then the text up to the next mark.
    while let (Some(index), Some(text)) = (parts.next(), parts.next()) {
        let index: usize = index.parse().unwrap_or(usize::MAX);
        let number = *numbers.entry(index).or_insert_with(|| {
            let number = first.saturating_add(out_params.len());
            if let Some(param) = slots.get_mut(index).and_then(Option::take) {
                out_params.push(param);
            }
            number
        });
        out.push('$');
        out.push_str(&number.to_string());
        out.push_str(text);
    }
    (out, out_params)
}

/// One compilation in progress.
///
/// Every predicate it returns is a SQL boolean expression that binds at least as tightly as
/// `NOT` (a parenthesised `AND`/`OR`, or a comparison, `IN`, `@>`, `EXISTS`, `NOT (..)`)
/// that is never SQL NULL, provided the `jsonb` expression it was given is never SQL NULL: a
/// missing field is turned into JSON `null` right where it is read
/// (`COALESCE(e -> key, 'null'::jsonb)`), so `NOT`, `AND` and `OR` behave as two-valued logic,
/// as in memory. No predicate can raise an error for any document: set-returning and length
/// functions only ever see arrays (`CASE` substitutes `[]`), and comparisons are `jsonb` with
/// `jsonb` or `text` with `text`.
struct State<'t> {
    avoid: Vec<&'t str>,
    params: Vec<Param>,
    seen: HashMap<Seen, usize>,
    aliases: usize,
    error: Option<SqlError>,
}

impl State<'_> {
    /// A placeholder for `param`, reusing the one of an equal earlier parameter.
    fn placeholder(&mut self, seen: Seen, param: Param, cast: &str) -> String {
        let index = match self.seen.get(&seen) {
            Some(&index) => index,
            None => {
                let index = self.params.len();
                self.params.push(param);
                self.seen.insert(seen, index);
                index
            }
        };
        format!("{MARK}{index}{MARK}::{cast}")
    }

    fn fail(&mut self, error: SqlError) {
        if self.error.is_none() {
            self.error = Some(error);
        }
    }

    /// `$n::jsonb` bound to `value`.
    fn json(&mut self, value: &Value) -> String {
        if let Some(text) = nul_string(value) {
            self.fail(SqlError::Nul {
                what: "string",
                text,
            });
        }
        self.placeholder(
            Seen::Jsonb(value.to_string()),
            Param::Jsonb(value.clone()),
            "jsonb",
        )
    }

    /// `$n::text` bound to `text`.
    fn text(&mut self, what: &'static str, text: &str) -> String {
        if text.contains('\0') {
            self.fail(SqlError::Nul {
                what,
                text: text.to_owned(),
            });
        }
        self.placeholder(
            Seen::Text(text.to_owned()),
            Param::Text(text.to_owned()),
            "text",
        )
    }

    /// A fresh alias `<prefix><n>` that is none of the target's names.
    fn alias(&mut self, prefix: &str) -> String {
        loop {
            self.aliases += 1;
            let alias = format!("{prefix}{}", self.aliases);
            if !self.avoid.contains(&alias.as_str()) {
                return alias;
            }
        }
    }

    /// `base`, or `base_`, `base__`, ... : a column name of a derived table that is none of
    /// the target's names.
    fn column_name(&self, base: &str) -> String {
        let mut name = base.to_owned();
        while self.avoid.contains(&name.as_str()) {
            name.push('_');
        }
        name
    }

    /// The value of field `key` of the object `e`, JSON `null` when missing (or when `e` is not
    /// an object; callers check that separately).
    fn field(&mut self, e: &str, key: &str) -> String {
        let key = self.text("key", key);
        format!("COALESCE({e} -> {key}, 'null'::jsonb)")
    }

    /// The predicate for `query` over the never-NULL `jsonb` expression `e`. `path` is the
    /// field path relative to the aggregate `resolver` describes.
    ///
    /// `number` says that `e` is always a JSON number (the length computed by `$len`). Then an
    /// operator that needs an object or an array is simply false; besides saving work, this
    /// keeps the text linear in the query: `e` is written several times into a `$len`'s
    /// expression, and re-expanding it for every nested `$len` would grow exponentially.
    fn pred<'q>(
        &mut self,
        query: &'q Query,
        e: &str,
        number: bool,
        resolver: Option<&dyn RelationResolver>,
        path: &mut Vec<&'q str>,
    ) -> String {
        if number
            && matches!(
                query,
                Query::Fields(_) | Query::Any(_) | Query::All(_) | Query::Len(_)
            )
        {
            return "FALSE".to_owned();
        }
        match query {
            Query::Eq(value) => self.equal(value, e),
            Query::Ne(value) => not(&self.equal(value, e)),
            Query::Gt(bound) => self.compare(">", bound, e),
            Query::Gte(bound) => self.compare(">=", bound, e),
            Query::Lt(bound) => self.compare("<", bound, e),
            Query::Lte(bound) => self.compare("<=", bound, e),
            Query::In(values) => self.one_of(values, e),
            Query::Nin(values) => not(&self.one_of(values, e)),
            Query::IsNull(true) => format!("jsonb_typeof({e}) = 'null'"),
            Query::IsNull(false) => format!("jsonb_typeof({e}) <> 'null'"),
            Query::Not(inner) => not(&self.pred(inner, e, number, resolver, path)),
            Query::And(all) => {
                let parts: Vec<String> = all
                    .iter()
                    .map(|q| self.pred(q, e, number, resolver, path))
                    .collect();
                join(parts, " AND ", "TRUE")
            }
            Query::Or(any) => {
                let parts: Vec<String> = any
                    .iter()
                    .map(|q| self.pred(q, e, number, resolver, path))
                    .collect();
                join(parts, " OR ", "FALSE")
            }
            Query::Any(inner) => {
                let (from, item) = self.elements(e);
                let cond = self.pred(inner, &item, false, resolver, path);
                format!("EXISTS (SELECT 1 FROM {from} WHERE {cond})")
            }
            Query::All(inner) => {
                let (from, item) = self.elements(e);
                let cond = self.pred(inner, &item, false, resolver, path);
                format!(
                    "(jsonb_typeof({e}) = 'array' AND NOT EXISTS (SELECT 1 FROM {from} WHERE NOT ({cond})))"
                )
            }
            Query::Len(inner) => {
                let len = format!("to_jsonb(jsonb_array_length({}))", as_array(e));
                let cond = self.pred(inner, &len, true, resolver, path);
                format!("(jsonb_typeof({e}) = 'array' AND {cond})")
            }
            Query::Fields(fields) => {
                let mut pattern = Map::new();
                let mut conds = Vec::new();
                self.fields(fields, e, resolver, path, &mut pattern, &mut conds);
                self.object(e, pattern, conds)
            }
            Query::Rel(inner) => self.rel(inner, e, number, resolver, path),
        }
    }

    /// `e` equals `value` as `$eq` defines it: an object is a partial match, anything else is
    /// `jsonb` equality (numbers numerically, arrays element-wise in order, objects inside
    /// arrays exactly).
    fn equal(&mut self, value: &Value, e: &str) -> String {
        match value {
            Value::Object(pattern) => {
                let mut contained = Map::new();
                let mut conds = Vec::new();
                self.pattern(pattern, e, &mut contained, &mut conds);
                self.object(e, contained, conds)
            }
            _ => {
                let value = self.json(value);
                format!("{e} = {value}")
            }
        }
    }

    /// `e` is an object containing `pattern` (by `@>`) and satisfying `conds`.
    fn object(&mut self, e: &str, pattern: Map<String, Value>, mut conds: Vec<String>) -> String {
        let head = if pattern.is_empty() {
            // Nothing to contain: only the type is checked.
            format!("jsonb_typeof({e}) = 'object'")
        } else {
            let pattern = self.json(&Value::Object(pattern));
            format!("{e} @> {pattern}")
        };
        if conds.is_empty() {
            return head;
        }
        conds.insert(0, head);
        format!("({})", conds.join(" AND "))
    }

    /// Splits the field dict `fields` over the object `e` into a containment `pattern` (what
    /// `e @> pattern` decides exactly like the evaluator) and explicit `conds` (everything
    /// else).
    ///
    /// `{"k": v} @> ...` agrees with the evaluator for a non-null scalar `v` (key present,
    /// same kind, numbers numerically, strings byte-wise) and, recursively, for a non-empty
    /// object pattern (the value must be an object containing it: PostgreSQL's "an array
    /// contains a scalar" rule applies only at the top level). It disagrees for `null` (a
    /// missing key is null in memory), for arrays (containment ignores order, length and
    /// duplicates), and for `{}` (nothing to check the type with).
    fn fields<'q>(
        &mut self,
        fields: &'q BTreeMap<String, Query>,
        e: &str,
        resolver: Option<&dyn RelationResolver>,
        path: &mut Vec<&'q str>,
        pattern: &mut Map<String, Value>,
        conds: &mut Vec<String>,
    ) {
        for (key, query) in fields {
            let value = match query {
                Query::Eq(value) if containable_scalar(value) => {
                    pattern.insert(key.clone(), value.clone());
                    continue;
                }
                _ => self.field(e, key),
            };
            match query {
                Query::Fields(inner) if !inner.is_empty() => {
                    let mut sub = Map::new();
                    path.push(key);
                    self.fields(inner, &value, resolver, path, &mut sub, conds);
                    path.pop();
                    self.nest(key, &value, sub, pattern, conds);
                }
                Query::Eq(Value::Object(inner)) if !inner.is_empty() => {
                    let mut sub = Map::new();
                    self.pattern(inner, &value, &mut sub, conds);
                    self.nest(key, &value, sub, pattern, conds);
                }
                _ => {
                    path.push(key);
                    let cond = self.pred(query, &value, false, resolver, path);
                    path.pop();
                    conds.push(cond);
                }
            }
        }
    }

    /// [`State::fields`] for an object operand of `$eq` (values instead of queries).
    fn pattern(
        &mut self,
        fields: &Map<String, Value>,
        e: &str,
        pattern: &mut Map<String, Value>,
        conds: &mut Vec<String>,
    ) {
        for (key, value) in fields {
            if containable_scalar(value) {
                pattern.insert(key.clone(), value.clone());
                continue;
            }
            let field = self.field(e, key);
            match value {
                Value::Object(inner) if !inner.is_empty() => {
                    let mut sub = Map::new();
                    self.pattern(inner, &field, &mut sub, conds);
                    self.nest(key, &field, sub, pattern, conds);
                }
                _ => {
                    let cond = self.equal(value, &field);
                    conds.push(cond);
                }
            }
        }
    }

    /// Puts the sub-pattern of field `key` into the parent pattern; an empty one cannot check
    /// that the field is an object, so that becomes an explicit condition.
    fn nest(
        &mut self,
        key: &str,
        value: &str,
        sub: Map<String, Value>,
        pattern: &mut Map<String, Value>,
        conds: &mut Vec<String>,
    ) {
        if sub.is_empty() {
            conds.push(format!("jsonb_typeof({value}) = 'object'"));
        } else {
            pattern.insert(key.to_owned(), Value::Object(sub));
        }
    }

    /// `$gt`..`$lte`: numbers with numbers (`jsonb` order is numeric), strings with strings by
    /// code point (`COLLATE "C"`; `jsonb` itself would use the database collation), anything
    /// else is false.
    fn compare(&mut self, op: &str, bound: &Value, e: &str) -> String {
        match bound {
            Value::Number(_) => {
                let bound = self.json(bound);
                format!("(jsonb_typeof({e}) = 'number' AND {e} {op} {bound})")
            }
            Value::String(text) => {
                let bound = self.text("string", text);
                format!(
                    "(jsonb_typeof({e}) = 'string' AND ({e} #>> '{{}}') COLLATE \"C\" {op} {bound})"
                )
            }
            _ => "FALSE".to_owned(),
        }
    }

    /// `$in`: `e IN (..)` for the non-object values, one partial match per object value.
    fn one_of(&mut self, values: &[Value], e: &str) -> String {
        let mut parts = Vec::new();
        let mut scalars = Vec::new();
        for value in values {
            if value.is_object() {
                parts.push(self.equal(value, e));
            } else {
                scalars.push(self.json(value));
            }
        }
        match scalars.len() {
            0 => {}
            1 => parts.insert(0, format!("{e} = {}", scalars.join(""))),
            _ => parts.insert(0, format!("{e} IN ({})", scalars.join(", "))),
        }
        join(parts, " OR ", "FALSE")
    }

    /// The `FROM` item enumerating the elements of `e` (none unless `e` is an array) and the
    /// expression of one element.
    fn elements(&mut self, e: &str) -> (String, String) {
        let alias = self.alias("a");
        let column = self.column_name("elem");
        (
            format!("jsonb_array_elements({}) AS {alias}({column})", as_array(e)),
            format!("{alias}.{column}"),
        )
    }

    /// `$rel`: the row of the referenced table whose id equals `e` matches `inner`.
    fn rel<'q>(
        &mut self,
        inner: &'q Query,
        e: &str,
        number: bool,
        resolver: Option<&dyn RelationResolver>,
        path: &mut Vec<&'q str>,
    ) -> String {
        let Some(resolver) = resolver else {
            return self.pred(inner, e, number, None, path);
        };
        let Some(relation) = resolver.relation(&path.join(".")) else {
            return "FALSE".to_owned();
        };
        let alias = self.alias("r");
        let id = self.column_name("id");
        let doc = self.column_name("doc");
        let cond = self.pred(
            inner,
            &format!("{alias}.{doc}"),
            false,
            relation.nested,
            &mut Vec::new(),
        );
        // The derived table renames the columns, so that a reference to an unqualified target
        // column (`value`) inside the subquery cannot resolve to the referenced table's column
        // of the same name.
        format!(
            "EXISTS (SELECT 1 FROM (SELECT {} AS {id}, {} AS {doc} FROM {}) AS {alias} \
             WHERE {alias}.{id} = {e} AND {cond})",
            relation.id_sql(),
            relation.value_sql(),
            relation.table_sql(),
        )
    }
}

/// `NOT (cond)`.
fn not(cond: &str) -> String {
    format!("NOT ({cond})")
}

/// `e` when it is an array, else `[]`.
fn as_array(e: &str) -> String {
    format!("CASE WHEN jsonb_typeof({e}) = 'array' THEN {e} ELSE '[]'::jsonb END")
}

/// A value whose `{"k": value}` containment agrees with the evaluator's `$eq`.
fn containable_scalar(value: &Value) -> bool {
    matches!(value, Value::Bool(_) | Value::Number(_) | Value::String(_))
}

/// `parts` joined by `op` in parentheses; `empty` for none, the part itself for one.
fn join(mut parts: Vec<String>, op: &str, empty: &str) -> String {
    match parts.len() {
        0 => empty.to_owned(),
        1 => parts.pop().unwrap_or_default(),
        _ => format!("({})", parts.join(op)),
    }
}

/// The first string (key or value) inside `value` that contains a NUL character.
fn nul_string(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => text.contains('\0').then(|| text.clone()),
        Value::Array(items) => items.iter().find_map(nul_string),
        Value::Object(fields) => fields.iter().find_map(|(key, value)| {
            if key.contains('\0') {
                Some(key.clone())
            } else {
                nul_string(value)
            }
        }),
        _ => None,
    }
}
