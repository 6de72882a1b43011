//! Reads a [`SchemaModel`] off a live database with the profiler: the catalog for tables, keys
//! and types; [`catalog::plan_schema`] for the references (declared, and found in the data);
//! [`profile_subject`] for each reference's `#[distributor(..)]` and each value column's list
//! or histogram; [`relations::measure`] for the pairs of references of a table.
//!
//! Everything runs on the server as aggregate queries, like `faker-pg profile --all`: one scan
//! per column and per pair of references, plus one per table for its row count, null shares
//! and the distinct values of its text columns.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::{AssertSqlSafe, PgConnection, Row};

use super::ScaffoldError;
use super::model::{
    ColumnModel, Distribution, Joint, Key, LiteralKind, ORDERED_FROM, ReferenceModel, SchemaModel,
    Source, TableModel, TextShape,
};
use crate::ident::{Ident, qualified};
use crate::profiler::catalog::{self, ForeignKey, PlanOptions, Subject};
use crate::profiler::histogram::{self, ValueKind};
use crate::profiler::inferred::DEFAULT_MIN_INCLUSION;
use crate::profiler::order::physical_correlation;
use crate::profiler::profile::profile_per_owner;
use crate::profiler::relations::{
    self, Member, OWNERSHIP_DEGREE, Suggestion as RelationSuggestion,
};
use crate::profiler::report::{Outcome, ReportOptions, profile_subject};
use crate::profiler::sample::{Sample, estimated_rows};
use crate::profiler::suggest::{Law, joint_law};

/// Rows a column needs before "all but 1% of the values distinct" reads as a unique column.
pub const NEARLY_UNIQUE_ROWS: u64 = 100;

/// What [`read_schema`] reads, and how.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadOptions {
    /// Only these tables (and the tables they reference, which their references need); empty:
    /// every table of the schema.
    pub tables: Vec<Ident>,
    /// Least share of a column's values a unique column must hold for the column to be taken
    /// as a reference to it; `None`: declared foreign keys only.
    pub min_inclusion: Option<f64>,
    /// How each column is profiled, as `faker-pg profile` does it: at most `max_values`
    /// distinct values make a fixed value list, `buckets` cut the histograms, `rule` chooses
    /// `skew` or `weights`, `sample_rows` samples large tables.
    pub report: ReportOptions,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            tables: Vec::new(),
            min_inclusion: Some(DEFAULT_MIN_INCLUSION),
            report: ReportOptions::default(),
        }
    }
}

/// A column as the catalog describes it.
struct CatalogColumn {
    name: Ident,
    type_name: String,
    not_null: bool,
    /// A type of `pg_catalog` (not an enum or domain defined by the application).
    builtin: bool,
    /// `pg_type.typcategory`: `S` string, `N` numeric, `B` boolean, `D` date/time, ...
    category: String,
    /// `n` of `varchar(n)` / `char(n)`.
    max_len: Option<u32>,
    fixed: bool,
    unique: bool,
}

impl CatalogColumn {
    /// Its values' shape as text, unique or not.
    fn shape(&self, unique: bool) -> TextShape {
        TextShape {
            max_len: self.max_len,
            unique,
            fixed: self.fixed,
            lengths: None,
            uses: None,
        }
    }
}

const COLUMNS_SQL: &str = "\
SELECT c.relname::text AS table_name,
       a.attname::text AS column_name,
       format_type(a.atttypid, a.atttypmod) AS type_name,
       a.attnotnull AS not_null,
       tn.nspname = 'pg_catalog' AS builtin,
       t.typcategory::text AS category,
       CASE WHEN t.typname IN ('varchar', 'bpchar') AND a.atttypmod > 4
            THEN a.atttypmod - 4 END AS max_len,
       t.typname = 'bpchar' AS fixed,
       EXISTS (SELECT 1 FROM pg_catalog.pg_index AS i
               WHERE i.indrelid = c.oid AND i.indisunique AND i.indnkeyatts = 1
                 AND i.indkey[0] = a.attnum AND i.indpred IS NULL) AS is_unique
FROM pg_catalog.pg_class AS c
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_catalog.pg_type AS t ON t.oid = a.atttypid
JOIN pg_catalog.pg_namespace AS tn ON tn.oid = t.typnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY c.relname, a.attnum";

const PRIMARY_KEYS_SQL: &str = "\
SELECT c.relname::text AS table_name,
       ARRAY(SELECT a.attname::text
             FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, o)
             JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.oid AND a.attnum = k.attnum
             ORDER BY k.o) AS columns
FROM pg_catalog.pg_index AS i
JOIN pg_catalog.pg_class AS c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
WHERE i.indisprimary AND n.nspname = $1";

fn ident(name: String) -> Result<Ident, ScaffoldError> {
    Ident::new(&name).map_err(|e| ScaffoldError::Catalog(format!("{name}: {e}")))
}

/// Reads the model of `schema` (see the module docs). `progress` receives one line per step.
///
/// # Errors
///
/// [`ScaffoldError::NoTables`] for a schema without tables, [`ScaffoldError::UnknownTable`]
/// for a table of `options.tables` the schema does not have, and the server's errors.
pub async fn read_schema(
    conn: &mut PgConnection,
    schema: &Ident,
    options: &ReadOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<SchemaModel, ScaffoldError> {
    let mut catalog: BTreeMap<Ident, Vec<CatalogColumn>> = BTreeMap::new();
    for row in sqlx::query(COLUMNS_SQL)
        .bind(schema.as_str())
        .fetch_all(&mut *conn)
        .await?
    {
        let max_len: Option<i32> = row.try_get("max_len")?;
        catalog
            .entry(ident(row.try_get("table_name")?)?)
            .or_default()
            .push(CatalogColumn {
                name: ident(row.try_get("column_name")?)?,
                type_name: row.try_get("type_name")?,
                not_null: row.try_get("not_null")?,
                builtin: row.try_get("builtin")?,
                category: row.try_get("category")?,
                max_len: max_len.and_then(|n| u32::try_from(n).ok()),
                fixed: row.try_get("fixed")?,
                unique: row.try_get("is_unique")?,
            });
    }
    if catalog.is_empty() {
        return Err(ScaffoldError::NoTables(schema.as_str().to_owned()));
    }
    let mut primary: BTreeMap<Ident, Vec<Ident>> = BTreeMap::new();
    for row in sqlx::query(PRIMARY_KEYS_SQL)
        .bind(schema.as_str())
        .fetch_all(&mut *conn)
        .await?
    {
        let columns: Vec<String> = row.try_get("columns")?;
        primary.insert(
            ident(row.try_get("table_name")?)?,
            columns.into_iter().map(ident).collect::<Result<_, _>>()?,
        );
    }
    let mut notes = Vec::new();

    // The key column of each table a reference can point at: its one-column primary key.
    let key_of = |table: &Ident| -> Option<Ident> {
        match primary.get(table).map(Vec::as_slice) {
            Some([only]) => Some(only.clone()),
            _ => None,
        }
    };

    // References: declared and found in the data, one column each, to a table's key.
    let plan = catalog::plan_schema(
        &mut *conn,
        schema,
        PlanOptions {
            max_values: options.report.max_values,
            use_statistics: true,
            min_inclusion: options.min_inclusion,
        },
    )
    .await?;
    let mut references: BTreeMap<(Ident, Ident), ForeignKey> = BTreeMap::new();
    for subject in &plan.subjects {
        let Some(key) = &subject.foreign_key else {
            continue;
        };
        let label = format!("{}.{}", subject.table.as_str(), key.describe());
        if key.columns.len() != 1 {
            notes.push(format!(
                "{label}: a foreign key of several columns is generated column by column, \
                 without the constraint (model it with a composite id, see the README)"
            ));
            continue;
        }
        if key.ref_schema != *schema {
            notes.push(format!(
                "{label}: references another schema; generated as plain values, without the \
                 constraint"
            ));
            continue;
        }
        if key_of(&key.ref_table).as_ref() != Some(&key.ref_columns[0]) {
            notes.push(format!(
                "{label}: references a column that is not the primary key of {}; generated as \
                 plain values, without the constraint",
                key.ref_table.as_str()
            ));
            continue;
        }
        references.insert((subject.table.clone(), key.columns[0].clone()), key.clone());
    }

    // Which tables: the chosen ones and every table they reference, transitively.
    let mut chosen: BTreeSet<Ident> = if options.tables.is_empty() {
        catalog.keys().cloned().collect()
    } else {
        for table in &options.tables {
            if !catalog.contains_key(table) {
                return Err(ScaffoldError::UnknownTable(
                    qualified(Some(schema), table).to_string(),
                ));
            }
        }
        options.tables.iter().cloned().collect()
    };
    loop {
        let needed: Vec<Ident> = references
            .iter()
            .filter(|((table, _), _)| chosen.contains(table))
            .map(|(_, key)| key.ref_table.clone())
            .filter(|t| !chosen.contains(t))
            .collect();
        if needed.is_empty() {
            break;
        }
        for table in needed {
            notes.push(format!(
                "{} is generated too: a chosen table references it",
                table.as_str()
            ));
            chosen.insert(table);
        }
    }

    let mut tables = Vec::new();
    for name in &chosen {
        let columns = &catalog[name];
        let started = std::time::Instant::now();
        let table = read_table(
            &mut *conn,
            schema,
            name,
            columns,
            primary.get(name).map(Vec::as_slice).unwrap_or_default(),
            &references,
            &options.report,
            &mut notes,
        )
        .await?;
        progress(&format!(
            "{}: {} rows, {} columns, {:.2} s",
            name.as_str(),
            table.rows,
            table.columns.len(),
            started.elapsed().as_secs_f64()
        ));
        tables.push(table);
    }
    relate(
        &mut *conn,
        schema,
        &mut tables,
        &references,
        &options.report,
        &mut notes,
    )
    .await?;
    let tables = creation_order(tables, &mut notes);
    Ok(SchemaModel {
        schema: schema.clone(),
        tables,
        notes,
    })
}

/// Counts of one table: rows, and per column non-null values and (text columns) distinct ones.
struct Counts {
    rows: u64,
    non_null: Vec<u64>,
    distinct: Vec<Option<u64>>,
}

async fn counts(
    conn: &mut PgConnection,
    schema: &Ident,
    table: &Ident,
    columns: &[CatalogColumn],
) -> Result<Counts, ScaffoldError> {
    let mut select = vec!["count(*)::int8".to_owned()];
    for c in columns {
        select.push(format!("count({})::int8", c.name.quoted()));
        if c.category == "S" {
            select.push(format!("count(DISTINCT {})::int8", c.name.quoted()));
        }
    }
    let sql = format!(
        "SELECT {} FROM {}",
        select.join(", "),
        qualified(Some(schema), table)
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .fetch_one(&mut *conn)
        .await?;
    let get = |i: usize| -> Result<u64, sqlx::Error> {
        Ok(u64::try_from(row.try_get::<i64, _>(i)?).unwrap_or(0))
    };
    let rows = get(0)?;
    let (mut non_null, mut distinct) = (Vec::new(), Vec::new());
    let mut i = 1;
    for c in columns {
        non_null.push(get(i)?);
        i += 1;
        if c.category == "S" {
            distinct.push(Some(get(i)?));
            i += 1;
        } else {
            distinct.push(None);
        }
    }
    Ok(Counts {
        rows,
        non_null,
        distinct,
    })
}

#[allow(clippy::too_many_arguments)]
async fn read_table(
    conn: &mut PgConnection,
    schema: &Ident,
    name: &Ident,
    columns: &[CatalogColumn],
    primary: &[Ident],
    references: &BTreeMap<(Ident, Ident), ForeignKey>,
    options: &ReportOptions,
    notes: &mut Vec<String>,
) -> Result<TableModel, ScaffoldError> {
    let counts = counts(&mut *conn, schema, name, columns).await?;
    let reference_of = |column: &Ident| references.get(&(name.clone(), column.clone()));
    let key = match primary {
        [only] if reference_of(only).is_none() => {
            let column = columns.iter().find(|c| c.name == *only);
            if column.is_some_and(|c| ValueKind::of_type(&c.type_name) == Some(ValueKind::Integer))
            {
                Key::Identity {
                    column: only.clone(),
                }
            } else {
                Key::Natural {
                    column: only.clone(),
                }
            }
        }
        [] => Key::RowNumber,
        _ if primary.iter().all(|c| reference_of(c).is_some()) => Key::References {
            columns: primary.to_vec(),
        },
        _ => {
            let list: Vec<&str> = primary.iter().map(Ident::as_str).collect();
            notes.push(format!(
                "{}: the primary key ({}) is not declared in the generated table (its columns \
                 are not all references, so the scaffold cannot keep them unique): write the key \
                 as an id made of your domain's values, then declare it",
                name.as_str(),
                list.join(", ")
            ));
            Key::RowNumber
        }
    };

    // The pages the physical-order correlations read, once for the table (all of them
    // unless `--sample` and the table is larger).
    let order_sample = match options.sample_rows {
        Some(rows) => estimated_rows(&mut *conn, Some(schema), name)
            .await?
            .and_then(|estimate| Sample::of_rows(rows, estimate)),
        None => None,
    };
    let mut models = Vec::with_capacity(columns.len());
    for (i, column) in columns.iter().enumerate() {
        let non_null = counts.non_null[i];
        let null_share = if counts.rows == 0 {
            0.0
        } else {
            (counts.rows - non_null) as f64 / counts.rows as f64
        };
        let ddl_type = if column.builtin {
            column.type_name.clone()
        } else {
            notes.push(format!(
                "{}.{}: type {} is defined by the application; the generated table declares \
                 text",
                name.as_str(),
                column.name.as_str(),
                column.type_name
            ));
            "text".to_owned()
        };
        let source = match &key {
            Key::Identity { column: k } if *k == column.name => Source::Identity,
            Key::Natural { column: k } if *k == column.name => {
                Source::NaturalKey(column.shape(true))
            }
            _ => match reference_of(&column.name) {
                Some(fk) => {
                    let subject = Subject {
                        schema: Some(schema.clone()),
                        table: name.clone(),
                        columns: vec![column.name.clone()],
                        foreign_key: Some(fk.clone()),
                    };
                    let distributor =
                        match profile_subject(&mut *conn, &subject, false, options).await? {
                            Outcome::Report(report) => report.suggestion.map(|s| Distribution {
                                law: s.law,
                                mean: s.mean,
                                null_weight: s.null_weight,
                                top: s.top,
                            }),
                            Outcome::HighCardinality { .. } => None,
                        };
                    // Production's dangling rows are profiled out, but generated, pointing at
                    // rows: the same targets serve all of them, so each is used more often.
                    let distributor = distributor.map(|mut d| {
                        if let Some(i) = fk.inferred.filter(|i| i.contained > 0) {
                            d.mean *= i.non_null as f64 / i.contained as f64;
                        }
                        d
                    });
                    Source::Reference(ReferenceModel {
                        table: fk.ref_table.clone(),
                        declared: fk.inferred.is_none(),
                        inclusion: fk.inferred,
                        distributor,
                        differ: Vec::new(),
                        same: Vec::new(),
                    })
                }
                None => {
                    value_source(
                        &mut *conn,
                        schema,
                        name,
                        column,
                        non_null,
                        counts.distinct[i],
                        options,
                    )
                    .await?
                }
            },
        };
        // Only a reference's planned draws and a histogram's buckets can be generated in
        // order; a key is in creation order anyway.
        let correlation = match &source {
            Source::Reference(ReferenceModel {
                distributor: Some(_),
                ..
            })
            | Source::Quantiles { .. } => {
                physical_correlation(&mut *conn, Some(schema), name, &column.name, order_sample)
                    .await?
            }
            _ => None,
        };
        if let Some(c) = correlation.filter(|c| *c <= -ORDERED_FROM) {
            notes.push(format!(
                "{}.{}: production keeps the rows in descending order of this column \
                 (correlation {c:.3}); it is generated in random order (`ordered` goes up \
                 only), so index scans over it may be priced differently",
                name.as_str(),
                column.name.as_str()
            ));
        }
        models.push(ColumnModel {
            name: column.name.clone(),
            sql_type: column.type_name.clone(),
            ddl_type,
            not_null: column.not_null,
            null_share,
            source,
            follows: None,
            correlation,
        });
    }
    Ok(TableModel {
        name: name.clone(),
        rows: counts.rows,
        key,
        columns: models,
        joints: Vec::new(),
    })
}

/// Repeated values from this many rows per value on make a pooled field (below, generated
/// values are left distinct: a faker's own repeats come close enough).
const POOLED_FROM_USES: f64 = 1.5;

/// A text column's shape with what production's values look like: their lengths (percentiles
/// of `char_length`) and how often a value repeats (see [`TextShape`]).
async fn text_shape(
    conn: &mut PgConnection,
    schema: &Ident,
    table: &Ident,
    column: &CatalogColumn,
    unique: bool,
    non_null: u64,
    distinct: Option<u64>,
) -> Result<TextShape, ScaffoldError> {
    let mut shape = column.shape(unique);
    let c = column.name.quoted();
    let sql = format!(
        "SELECT percentile_disc(ARRAY(SELECT g / 100.0 FROM generate_series(0, 100) AS g))
                WITHIN GROUP (ORDER BY char_length({c}))::int4[]
         FROM {} WHERE {c} IS NOT NULL",
        qualified(Some(schema), table)
    );
    let lengths: Option<Vec<i32>> = sqlx::query_scalar(AssertSqlSafe(sql))
        .fetch_one(&mut *conn)
        .await?;
    shape.lengths = lengths.map(|l| l.into_iter().map(|n| n.max(0) as u32).collect());
    if !unique && let Some(d) = distinct.filter(|d| *d > 0) {
        let uses = non_null as f64 / d as f64;
        shape.uses = (uses >= POOLED_FROM_USES).then_some(uses);
    }
    Ok(shape)
}

/// The source of a column that is neither key nor reference.
async fn value_source(
    conn: &mut PgConnection,
    schema: &Ident,
    table: &Ident,
    column: &CatalogColumn,
    non_null: u64,
    distinct: Option<u64>,
    options: &ReportOptions,
) -> Result<Source, ScaffoldError> {
    if non_null == 0 {
        return Ok(Source::Null);
    }
    let text = column.category == "S";
    // Unique: a unique index, every value distinct, or nearly (at most 1% repeated, on
    // enough rows to tell): generated values are made unique too.
    let unique = column.unique
        || distinct.is_some_and(|d| {
            (d == non_null && non_null > 1)
                || (non_null >= NEARLY_UNIQUE_ROWS && d * 100 >= non_null * 99)
        });
    if text && (unique || distinct.is_some_and(|d| d > options.max_values)) {
        let shape = text_shape(
            &mut *conn, schema, table, column, unique, non_null, distinct,
        )
        .await?;
        return Ok(Source::Text { shape });
    }
    let kind = ValueKind::of_type(&column.type_name);
    let subject = Subject::new(
        Some(schema.clone()),
        table.clone(),
        vec![column.name.clone()],
    );
    match profile_subject(&mut *conn, &subject, true, options).await? {
        Outcome::Report(report) => {
            if let (Some(values), Some(suggestion)) = (&report.values, &report.suggestion)
                && let Law::OneOf(weights) = &suggestion.law
                && !values.is_empty()
            {
                let literal = match (column.category.as_str(), kind) {
                    ("B", _) => LiteralKind::Boolean,
                    (_, Some(ValueKind::Integer)) => LiteralKind::Integer,
                    (_, Some(ValueKind::Float | ValueKind::Numeric)) => LiteralKind::Float,
                    _ => LiteralKind::Text,
                };
                return Ok(Source::OneOf {
                    values: values.iter().map(|v| v.value.clone()).collect(),
                    weights: weights.clone(),
                    literal,
                });
            }
            if let Some(h) = report.histogram {
                return Ok(Source::Quantiles {
                    kind: h.kind,
                    bounds: h.bounds,
                });
            }
        }
        Outcome::HighCardinality { .. } => {}
    }
    if let Some(kind) = kind
        && let Some(h) = histogram::histogram(
            &mut *conn,
            Some(schema),
            table,
            &column.name,
            kind,
            options.buckets,
        )
        .await?
    {
        return Ok(Source::Quantiles {
            kind: h.kind,
            bounds: h.bounds,
        });
    }
    if text {
        let shape = text_shape(
            &mut *conn, schema, table, column, unique, non_null, distinct,
        )
        .await?;
        return Ok(Source::Text { shape });
    }
    // A type without a generator: one production value, written as text.
    let sql = format!(
        "SELECT {c}::text FROM {t} WHERE {c} IS NOT NULL LIMIT 1",
        c = column.name.quoted(),
        t = qualified(Some(schema), table)
    );
    let sample: Option<String> = sqlx::query_scalar(AssertSqlSafe(sql))
        .fetch_optional(&mut *conn)
        .await?;
    Ok(sample.map_or(Source::Null, |text| Source::Constant { text }))
}

/// Measures the pairs of references of each table and records what models them: `differ`
/// for two references to one table that never hold the same value, and joint laws (over the
/// groups of references that pairs connect) for pairs that repeat and for ownership (with a
/// note: `same(..)` needs a composite key the scaffold does not write).
async fn relate(
    conn: &mut PgConnection,
    schema: &Ident,
    tables: &mut [TableModel],
    references: &BTreeMap<(Ident, Ident), ForeignKey>,
    options: &ReportOptions,
    notes: &mut Vec<String>,
) -> Result<(), ScaffoldError> {
    for table in tables.iter_mut() {
        let keys: Vec<(&Ident, &ForeignKey)> = table
            .columns
            .iter()
            .filter(|c| matches!(c.source, Source::Reference(_)))
            .filter_map(|c| {
                let key = references.get(&(table.name.clone(), c.name.clone()))?;
                Some((&table.name, key))
            })
            .collect();
        let pairs: Vec<(ForeignKey, ForeignKey)> = relations::pairs(&keys)
            .into_iter()
            .map(|(_, a, b)| (a.clone(), b.clone()))
            .collect();
        // Union-find over the columns that want a joint law.
        let mut groups: Vec<(BTreeSet<Ident>, String)> = Vec::new();
        // References that follow another column: their pairs are their owner's, so they join
        // no joint law.
        let mut followers: BTreeSet<Ident> = BTreeSet::new();
        for (a, b) in pairs {
            if table.rows == 0 {
                break;
            }
            let relation = relations::measure(
                &mut *conn,
                Some(schema),
                &table.name,
                &a,
                Member::Reference(&b),
            )
            .await?;
            let (ca, cb) = (relation.a.clone(), relation.b.clone());
            let order: Vec<Ident> = table.columns.iter().map(|m| m.name.clone()).collect();
            let position = |c: &Ident| order.iter().position(|m| m == c);
            let (first, second) = if position(&ca) < position(&cb) {
                (ca.clone(), cb.clone())
            } else {
                (cb.clone(), ca.clone())
            };
            if relation.never_equal() {
                if let Some(Source::Reference(r)) = table
                    .columns
                    .iter_mut()
                    .find(|c| c.name == second)
                    .map(|c| &mut c.source)
                {
                    r.differ.push(first.clone());
                }
            }
            let mut joint = relation.repeats();
            if let RelationSuggestion::Ownership { owner, owned } = relation.suggestion() {
                // `follows(owner)` on the owned reference: rows with one owner hold one owned
                // value, within this table. (`same(..)` would also tie it to the owner's own
                // row, but it reads the value off the owner's *id*, which needs a composite
                // key such as `author (tenant_id, id)`.)
                let free = !followers.contains(&owned) && !followers.contains(&owner);
                if free
                    && let Some(column) = table.columns.iter_mut().find(|c| c.name == owned)
                    && let Source::Reference(r) = &mut column.source
                {
                    // Drawn once per owner value: as many distinct values over the owners as
                    // production has (the mean per owner), with the shares of the rows
                    // (owners' sizes do not depend on what they own, so row shares carry over).
                    let contained: Vec<(&Ident, &Ident, &Ident)> = [&owner, &owned]
                        .into_iter()
                        .filter_map(|c| {
                            let key = references.get(&(table.name.clone(), c.clone()))?;
                            key.inferred.filter(|i| i.dangling() > 0)?;
                            Some((c, &key.ref_table, key.ref_columns.first()?))
                        })
                        .collect();
                    let profile = profile_per_owner(
                        &mut *conn,
                        Some(schema),
                        &table.name,
                        (&owner, &owned),
                        &contained,
                    )
                    .await?;
                    if let Some(d) = &mut r.distributor {
                        d.mean = profile.mean_uses;
                    }
                    column.follows = Some(owner.clone());
                    followers.insert(owned.clone());
                    joint = false;
                    notes.push(format!(
                        "{}: {} determines {} (degree {:.3}): {} follows({}), which keeps the \
                         dependency within the table, not against {}'s own row (for that, give \
                         its key the column, a composite id, and write `same(..)`)",
                        table.name.as_str(),
                        owner.as_str(),
                        owned.as_str(),
                        relation.degree_ab.max(relation.degree_ba),
                        owned.as_str(),
                        owner.as_str(),
                        target_of(table, &owner)
                            .map_or_else(String::new, |t| t.as_str().to_owned())
                    ));
                } else {
                    joint = true;
                }
            }
            if joint {
                let reason = format!(
                    "{}: {} distinct pairs in {} rows, degree {} -> {} {:.3}, {} -> {} {:.3} \
                     (at least {OWNERSHIP_DEGREE} is ownership)",
                    table.name.as_str(),
                    relation.distinct_pairs,
                    relation.rows,
                    ca.as_str(),
                    cb.as_str(),
                    relation.degree_ab,
                    cb.as_str(),
                    ca.as_str(),
                    relation.degree_ba
                );
                let hit: Vec<usize> = groups
                    .iter()
                    .enumerate()
                    .filter(|(_, (g, _))| g.contains(&ca) || g.contains(&cb))
                    .map(|(i, _)| i)
                    .collect();
                let mut merged: (BTreeSet<Ident>, String) =
                    (BTreeSet::from([ca.clone(), cb.clone()]), reason);
                for i in hit.into_iter().rev() {
                    let (g, r) = groups.remove(i);
                    merged.0.extend(g);
                    merged.1 = format!("{r}; {}", merged.1);
                }
                groups.push(merged);
            }
        }
        for (members, reason) in groups {
            let mut columns: Vec<Ident> = members
                .into_iter()
                .filter(|c| !followers.contains(c))
                .collect();
            // A joint law draws whole combinations, never partly null: a nullable reference
            // keeps its own law (with its nulls) and leaves the joint law.
            let nullable: Vec<Ident> = columns
                .iter()
                .filter(|c| table.column(c).is_some_and(ColumnModel::optional))
                .cloned()
                .collect();
            if !nullable.is_empty() {
                columns.retain(|c| !nullable.contains(c));
                notes.push(format!(
                    "{reason}: a joint law, but {} has nulls (a joint law draws whole \
                     combinations, never partly null), so {} drawn on {} own",
                    nullable
                        .iter()
                        .map(Ident::as_str)
                        .collect::<Vec<_>>()
                        .join(", "),
                    if nullable.len() == 1 {
                        "it is"
                    } else {
                        "they are"
                    },
                    if nullable.len() == 1 { "its" } else { "their" },
                ));
            }
            if columns.len() < 2 {
                continue;
            }
            columns.sort_by_key(|c| table.columns.iter().position(|m| m.name == *c));
            let subject = Subject::new(Some(schema.clone()), table.name.clone(), columns.clone());
            if let Outcome::Report(report) =
                profile_subject(&mut *conn, &subject, false, options).await?
                && let Some(s) = report.suggestion
            {
                table.joints.push(Joint {
                    columns,
                    law: joint_law(&s.law, s.mean),
                    reason,
                });
            }
        }
        decided_values(&mut *conn, schema, table, references, notes).await?;
    }
    Ok(())
}

/// Gives each value list of `table` that one of its references decides (an invoice's
/// billing city, decided by its customer: degree at least [`OWNERSHIP_DEGREE`], the
/// reference's values repeating) `follows(reference)`. Of several deciding references the
/// scaffold keeps the one with the highest degree and, at equal degree (within 0.01), the
/// fewest values: the coarsest one that decides it (a track's price decided by its genre,
/// which its album mostly decides too, rather than by its album).
async fn decided_values(
    conn: &mut PgConnection,
    schema: &Ident,
    table: &mut TableModel,
    references: &BTreeMap<(Ident, Ident), ForeignKey>,
    notes: &mut Vec<String>,
) -> Result<(), ScaffoldError> {
    if table.rows == 0 {
        return Ok(());
    }
    let owners: Vec<&ForeignKey> = table
        .columns
        .iter()
        .filter(|c| matches!(c.source, Source::Reference(_)) && !table.in_key(&c.name))
        .filter_map(|c| references.get(&(table.name.clone(), c.name.clone())))
        .filter(|key| key.columns.len() == 1)
        .collect();
    let values: Vec<Ident> = table
        .columns
        .iter()
        .filter(|c| matches!(c.source, Source::OneOf { .. }) && !table.in_key(&c.name))
        .map(|c| c.name.clone())
        .collect();
    let mut decided: Vec<(Ident, relations::Relation)> = Vec::new();
    for value in values {
        let mut best: Option<relations::Relation> = None;
        for key in &owners {
            let relation = relations::measure(
                &mut *conn,
                Some(schema),
                &table.name,
                key,
                Member::Value(&value),
            )
            .await?;
            let decides = matches!(
                relation.suggestion(),
                RelationSuggestion::Ownership { owner, .. } if owner == relation.a
            );
            let better = best.as_ref().is_none_or(|b| {
                relation.degree_ab > b.degree_ab + 0.01
                    || (relation.degree_ab >= b.degree_ab - 0.01
                        && relation.distinct_a < b.distinct_a)
            });
            if !(decides && better) {
                continue;
            }
            let evidence = relations::dependency_evidence(
                &mut *conn,
                Some(schema),
                &table.name,
                &relation.a,
                &value,
            )
            .await?;
            if evidence > relations::DEPENDENCY_EVIDENCE {
                notes.push(format!(
                    "{}: {} seems to decide {} (degree {:.3} over {} values of {}), but \
                     independent values would agree that well with probability {:.2}: \
                     generated independently",
                    table.name.as_str(),
                    relation.a.as_str(),
                    value.as_str(),
                    relation.degree_ab,
                    relation.distinct_a,
                    relation.a.as_str(),
                    10f64.powf(evidence),
                ));
                continue;
            }
            best = Some(relation);
        }
        if let Some(relation) = best {
            decided.push((value, relation));
        }
    }
    for (value, relation) in decided {
        if let Some(column) = table.columns.iter_mut().find(|c| c.name == value) {
            column.follows = Some(relation.a.clone());
        }
        notes.push(format!(
            "{}: {} decides {} (degree {:.3}, {} values of {} for {} of {}): {} follows({})",
            table.name.as_str(),
            relation.a.as_str(),
            value.as_str(),
            relation.degree_ab,
            relation.distinct_a,
            relation.a.as_str(),
            relation.distinct_b,
            value.as_str(),
            value.as_str(),
            relation.a.as_str(),
        ));
    }
    Ok(())
}

fn target_of(table: &TableModel, column: &Ident) -> Option<Ident> {
    match &table.column(column)?.source {
        Source::Reference(r) => Some(r.table.clone()),
        _ => None,
    }
}

/// Tables in an order where every referenced table comes before the tables referencing it
/// (name order among the ready ones), so that references draw among rows that exist. A cycle
/// (A references B, B references A) is broken at its first table by name, with a note: that
/// table's references to later tables create their targets on the fly.
fn creation_order(mut tables: Vec<TableModel>, notes: &mut Vec<String>) -> Vec<TableModel> {
    let mut ordered: Vec<TableModel> = Vec::with_capacity(tables.len());
    while !tables.is_empty() {
        let done: BTreeSet<Ident> = ordered.iter().map(|t| t.name.clone()).collect();
        let all: BTreeSet<Ident> = tables.iter().map(|t| t.name.clone()).collect();
        let ready = tables.iter().position(|t| {
            t.columns.iter().all(|c| match &c.source {
                Source::Reference(r) => {
                    r.table == t.name || done.contains(&r.table) || !all.contains(&r.table)
                }
                _ => true,
            })
        });
        let i = ready.unwrap_or_else(|| {
            notes.push(format!(
                "{} is created before tables it references (a cycle of references): its \
                 references to them create their rows on the fly",
                tables[0].name.as_str()
            ));
            0
        });
        ordered.push(tables.remove(i));
    }
    ordered
}
