//! What to profile in a schema: its foreign keys and its candidate low-cardinality columns, read
//! from the system catalog (`pg_constraint`, `pg_attribute`, `pg_index`, `pg_stats`).
//!
//! [`plan_schema`] turns the catalog into a list of [`Subject`]s, in table order: each foreign
//! key (a single column, or the tuple of columns of a composite key), then every other column
//! that may hold few distinct values. Whether a candidate really has few values is only known
//! after counting them ([`super::report::profile_subject`] does, on the server); columns that
//! certainly do not are left out up front:
//!
//! * columns that are the single column of a foreign key (profiled as that key), declared or,
//!   with [`PlanOptions::min_inclusion`], found in the data ([`super::inferred`]: a column
//!   whose values are nearly all values of a unique column);
//! * columns with a unique index of their own (primary keys, `UNIQUE`): every value once;
//! * with planner statistics allowed, columns whose `pg_stats.n_distinct` estimate exceeds ten
//!   times the limit, unless they are non-integer numeric, date or timestamp columns (those are
//!   reported by their histogram, [`super::histogram`], when they turn out not low-cardinality) (statistics come from a sample and may be stale; the margin keeps a column
//!   with at most `limit` values from being dropped, and [`PlanOptions::use_statistics`] turns
//!   the shortcut off).

use sqlx::{PgConnection, Row};

use super::histogram::ValueKind;
use super::inferred::{self, CatalogColumn, DEFAULT_MIN_INCLUSION, Inclusion};
use super::profile::columns_label;
use crate::ident::{Ident, IdentError};

/// A foreign key constraint (`pg_constraint.contype = 'f'`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    /// The constraint's name.
    pub name: String,
    /// The referencing columns, in key order.
    pub columns: Vec<Ident>,
    /// The referenced table's schema.
    pub ref_schema: Ident,
    /// The referenced table.
    pub ref_table: Ident,
    /// The referenced columns, in key order.
    pub ref_columns: Vec<Ident>,
    /// `None` for a declared constraint; for a reference found in the data
    /// ([`super::inferred`]), how much of the column the referenced column holds.
    pub inferred: Option<Inclusion>,
}

impl ForeignKey {
    /// What the key is, for people to read: `foreign key NAME -> schema.table(id)`, or for a
    /// key found in the data `inferred reference -> .. (97.0% of the values, 6 dangling rows, 80.0% of the keys
    /// used)`.
    pub fn describe(&self) -> String {
        match &self.inferred {
            None => format!("foreign key {} -> {}", self.name, self.references()),
            Some(i) => format!(
                "inferred reference -> {} ({:.1}% of the values, {} dangling rows, {:.1}% of \
                 the keys used; generated rows reference existing ones only)",
                self.references(),
                100.0 * i.share(),
                i.dangling(),
                100.0 * i.coverage()
            ),
        }
    }

    /// `schema.table(columns)` of the referenced side, for people to read.
    pub fn references(&self) -> String {
        let cols = columns_label(&self.ref_columns);
        let cols = if cols.starts_with('(') {
            cols
        } else {
            format!("({cols})")
        };
        format!(
            "{}.{}{cols}",
            self.ref_schema.as_str(),
            self.ref_table.as_str()
        )
    }
}

/// One thing to profile: a column or a tuple of columns of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// The table's schema (`None`: found through the `search_path`).
    pub schema: Option<Ident>,
    /// The table.
    pub table: Ident,
    /// The column, or the columns of a tuple.
    pub columns: Vec<Ident>,
    /// The foreign key these columns form, when the catalog says so.
    pub foreign_key: Option<ForeignKey>,
}

impl Subject {
    /// A subject without catalog knowledge (e.g. named on the command line).
    pub fn new(schema: Option<Ident>, table: Ident, columns: Vec<Ident>) -> Subject {
        Subject {
            schema,
            table,
            columns,
            foreign_key: None,
        }
    }

    /// `schema.table`, names as stored, for people to read.
    pub fn table_label(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{}.{}", schema.as_str(), self.table.as_str()),
            None => self.table.as_str().to_owned(),
        }
    }

    /// `column` or `(a, b)`.
    pub fn column_label(&self) -> String {
        columns_label(&self.columns)
    }

    /// `schema.table.column` or `schema.table.(a, b)`.
    pub fn label(&self) -> String {
        format!("{}.{}", self.table_label(), self.column_label())
    }
}

/// How [`plan_schema`] chooses candidate columns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlanOptions {
    /// At most this many distinct values make a column low-cardinality.
    pub max_values: u64,
    /// Skip columns whose planner statistics estimate more than ten times `max_values` distinct
    /// values, without scanning them.
    pub use_statistics: bool,
    /// Treat as a reference a column whose non-null values are at least this share of values
    /// of a unique column ([`super::inferred`]); `None`: declared foreign keys only.
    pub min_inclusion: Option<f64>,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            max_values: 100,
            use_statistics: true,
            min_inclusion: Some(DEFAULT_MIN_INCLUSION),
        }
    }
}

/// A column [`plan_schema`] left out, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    /// The column's table.
    pub table: Ident,
    /// `schema.table.column`.
    pub label: String,
    /// Why, for people to read.
    pub reason: String,
}

/// What [`plan_schema`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaPlan {
    /// Foreign keys and candidate columns, table by table (foreign keys of a table first).
    pub subjects: Vec<Subject>,
    /// Columns left out without a scan.
    pub skipped: Vec<Skipped>,
}

/// Foreign keys of the tables of `$1`, one row per constraint; inherited copies on partitions
/// are left out (the partitioned parent holds the constraint).
const FOREIGN_KEYS_SQL: &str = "\
SELECT con.conname::text AS name,
       cl.relname::text AS table_name,
       ARRAY(SELECT a.attname::text
             FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, i)
             JOIN pg_catalog.pg_attribute AS a
               ON a.attrelid = con.conrelid AND a.attnum = k.attnum
             ORDER BY k.i) AS columns,
       rn.nspname::text AS ref_schema,
       rc.relname::text AS ref_table,
       ARRAY(SELECT a.attname::text
             FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, i)
             JOIN pg_catalog.pg_attribute AS a
               ON a.attrelid = con.confrelid AND a.attnum = k.attnum
             ORDER BY k.i) AS ref_columns
FROM pg_catalog.pg_constraint AS con
JOIN pg_catalog.pg_class AS cl ON cl.oid = con.conrelid
JOIN pg_catalog.pg_namespace AS n ON n.oid = cl.relnamespace
JOIN pg_catalog.pg_class AS rc ON rc.oid = con.confrelid
JOIN pg_catalog.pg_namespace AS rn ON rn.oid = rc.relnamespace
WHERE con.contype = 'f'
  AND con.conparentid = 0
  AND n.nspname = $1
  AND NOT cl.relispartition
ORDER BY cl.relname, con.conname";

/// User columns of the ordinary and partitioned tables of `$1` (partitions are covered by their
/// parent), with whether a one-column unique index covers them and the planner's estimate of
/// their distinct values (null without statistics).
const COLUMNS_SQL: &str = "\
SELECT c.relname::text AS table_name,
       a.attname::text AS column_name,
       format_type(a.atttypid, a.atttypmod) AS type_name,
       EXISTS (SELECT 1
               FROM pg_catalog.pg_index AS i
               WHERE i.indrelid = c.oid
                 AND i.indisunique
                 AND i.indnkeyatts = 1
                 AND i.indkey[0] = a.attnum
                 AND i.indpred IS NULL) AS is_unique,
       (SELECT CASE WHEN s.n_distinct >= 0 THEN s.n_distinct::float8
                    ELSE -s.n_distinct::float8 * greatest(c.reltuples, 0)::float8 END
        FROM pg_catalog.pg_stats AS s
        WHERE s.schemaname = n.nspname
          AND s.tablename = c.relname
          AND s.attname = a.attname
          AND s.inherited = (c.relkind = 'p')
        LIMIT 1) AS estimated_distinct
FROM pg_catalog.pg_class AS c
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE n.nspname = $1
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
ORDER BY c.relname, a.attnum";

/// An identifier read from the catalog: it always is a valid one.
fn catalog_ident(name: String) -> Result<Ident, sqlx::Error> {
    Ident::new(name).map_err(|err: IdentError| sqlx::Error::Decode(Box::new(err)))
}

fn catalog_idents(names: Vec<String>) -> Result<Vec<Ident>, sqlx::Error> {
    names.into_iter().map(catalog_ident).collect()
}

/// Whether the schema `name` exists.
pub async fn schema_exists(conn: &mut PgConnection, name: &Ident) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)")
        .bind(name.as_str())
        .fetch_one(&mut *conn)
        .await
}

/// The columns of every table and view of `schema`, as `(table, column)` names: what a
/// comparison asks before profiling a column on a database that may not have it.
pub async fn columns(
    conn: &mut PgConnection,
    schema: &Ident,
) -> Result<std::collections::BTreeSet<(String, String)>, sqlx::Error> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text, a.attname::text
         FROM pg_catalog.pg_attribute a
         JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND a.attnum > 0 AND NOT a.attisdropped
           AND c.relkind IN ('r', 'p', 'v', 'm', 'f')",
    )
    .bind(schema.as_str())
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().collect())
}

/// The connection's current schema (the first existing schema of its `search_path`).
pub async fn current_schema(conn: &mut PgConnection) -> Result<Option<Ident>, sqlx::Error> {
    let name: Option<String> = sqlx::query_scalar("SELECT current_schema()::text")
        .fetch_one(&mut *conn)
        .await?;
    name.map(catalog_ident).transpose()
}

/// The foreign keys of the tables in `schema`, with their tables, in table order; composite
/// keys keep their columns in key order. A key declared twice on the same columns is listed once.
pub async fn foreign_keys(
    conn: &mut PgConnection,
    schema: &Ident,
) -> Result<Vec<(Ident, ForeignKey)>, sqlx::Error> {
    let rows = sqlx::query(FOREIGN_KEYS_SQL)
        .bind(schema.as_str())
        .fetch_all(&mut *conn)
        .await?;
    let mut keys: Vec<(Ident, ForeignKey)> = Vec::with_capacity(rows.len());
    for row in rows {
        let table = catalog_ident(row.try_get("table_name")?)?;
        let key = ForeignKey {
            name: row.try_get("name")?,
            columns: catalog_idents(row.try_get("columns")?)?,
            ref_schema: catalog_ident(row.try_get("ref_schema")?)?,
            ref_table: catalog_ident(row.try_get("ref_table")?)?,
            ref_columns: catalog_idents(row.try_get("ref_columns")?)?,
            inferred: None,
        };
        if !keys
            .iter()
            .any(|(t, k)| *t == table && k.columns == key.columns)
        {
            keys.push((table, key));
        }
    }
    Ok(keys)
}

/// The foreign key `subject`'s columns form, if the catalog has one (in key order, as
/// [`foreign_keys`] lists them): for a subject named without catalog knowledge, e.g. on the
/// command line. The key is looked up in the subject's schema or, when it names none, in the
/// connection's current schema; `Ok(None)` when there is no such key, or no current schema.
///
/// # Errors
///
/// The catalog query's error. Callers should not read it as "no foreign key": the key decides
/// which figures `compare` checks ([`super::compare::compare_reports`]).
pub async fn foreign_key_of(
    conn: &mut PgConnection,
    subject: &Subject,
) -> Result<Option<ForeignKey>, sqlx::Error> {
    let schema = match &subject.schema {
        Some(schema) => schema.clone(),
        None => match current_schema(&mut *conn).await? {
            Some(schema) => schema,
            None => return Ok(None),
        },
    };
    Ok(foreign_keys(conn, &schema)
        .await?
        .into_iter()
        .find(|(table, key)| *table == subject.table && key.columns == subject.columns)
        .map(|(_, key)| key))
}

/// Lists what to profile in `schema`: every foreign key, and every column that may be
/// low-cardinality (see the module docs for what is left out, and why).
pub async fn plan_schema(
    conn: &mut PgConnection,
    schema: &Ident,
    options: PlanOptions,
) -> Result<SchemaPlan, sqlx::Error> {
    let mut keys = foreign_keys(&mut *conn, schema).await?;
    let rows = sqlx::query(COLUMNS_SQL)
        .bind(schema.as_str())
        .fetch_all(&mut *conn)
        .await?;
    // Each column, and its planner estimate of distinct values.
    let mut columns = Vec::with_capacity(rows.len());
    let mut estimates: Vec<Option<f64>> = Vec::with_capacity(rows.len());
    for row in &rows {
        columns.push(CatalogColumn {
            table: catalog_ident(row.try_get("table_name")?)?,
            column: catalog_ident(row.try_get("column_name")?)?,
            type_name: row.try_get("type_name")?,
            unique: row.try_get("is_unique")?,
        });
        estimates.push(row.try_get("estimated_distinct")?);
    }
    if let Some(min_share) = options.min_inclusion {
        let declared: Vec<(Ident, Ident)> = keys
            .iter()
            .filter(|(_, k)| k.columns.len() == 1)
            .map(|(t, k)| (t.clone(), k.columns[0].clone()))
            .collect();
        for found in inferred::infer(&mut *conn, schema, &columns, &declared, min_share).await? {
            keys.push((
                found.table.clone(),
                ForeignKey {
                    name: format!(
                        "inferred_{}_{}",
                        found.table.as_str(),
                        found.column.as_str()
                    ),
                    columns: vec![found.column],
                    ref_schema: schema.clone(),
                    ref_table: found.ref_table,
                    ref_columns: vec![found.ref_column],
                    inferred: Some(found.inclusion),
                },
            ));
        }
    }

    let mut plan = SchemaPlan {
        subjects: Vec::new(),
        skipped: Vec::new(),
    };
    let mut current: Option<Ident> = None;
    for (
        CatalogColumn {
            table,
            column,
            type_name,
            unique,
        },
        estimate,
    ) in columns.into_iter().zip(estimates)
    {
        if current.as_ref() != Some(&table) {
            // A new table: its foreign keys first.
            for (_, key) in keys.iter().filter(|(t, _)| *t == table) {
                plan.subjects.push(Subject {
                    schema: Some(schema.clone()),
                    table: table.clone(),
                    columns: key.columns.clone(),
                    foreign_key: Some(key.clone()),
                });
            }
            current = Some(table.clone());
        }
        let subject = Subject::new(Some(schema.clone()), table.clone(), vec![column.clone()]);
        let is_key = keys
            .iter()
            .any(|(t, k)| *t == table && k.columns.len() == 1 && k.columns[0] == column);
        if is_key {
            continue;
        }
        if unique {
            plan.skipped.push(Skipped {
                table: table.clone(),
                label: subject.label(),
                reason: "unique: every value once".to_owned(),
            });
            continue;
        }
        // A non-integer numeric, date or timestamp column with many values is reported by its
        // histogram (an integer column with many values is more often an id than an amount).
        let has_histogram = type_name
            .as_deref()
            .and_then(ValueKind::of_type)
            .is_some_and(|k| k != ValueKind::Integer);
        match estimate {
            Some(estimate)
                if options.use_statistics
                    && !has_histogram
                    && estimate > 10.0 * options.max_values as f64 =>
            {
                plan.skipped.push(Skipped {
                    table: table.clone(),
                    label: subject.label(),
                    reason: format!(
                        "about {estimate:.0} distinct values by planner statistics (> 10 x {})",
                        options.max_values
                    ),
                });
            }
            _ => plan.subjects.push(subject),
        }
    }
    Ok(plan)
}
