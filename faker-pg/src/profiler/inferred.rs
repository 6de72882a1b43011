//! Foreign keys found in the data, not only in the catalog.
//!
//! Real schemas declare fewer constraints than they have references (a load job that cannot
//! afford them, dangling rows no one cleaned): a column whose values are, nearly all, values of
//! a unique column of a table is a reference in all but declaration, and the profiler must
//! treat it as one — its values are ids, reused by a law — not as a low-cardinality list.
//!
//! [`infer`] looks, for every column that is neither unique nor a declared single-column key,
//! at the unique single columns (primary keys, `UNIQUE`) of the schema's tables whose type is of
//! the same family (integers; text of any length; otherwise the same type), and counts on the
//! server how many of its non-null values the unique column holds ([`Inclusion`], one left join
//! per pair). The best pair with at least `min_share` of the values (default
//! [`DEFAULT_MIN_INCLUSION`], 95%: a few dangling rows are common in real data) and at least
//! two distinct values is a reference. A column that uses nearly every value of the key
//! ([`MIN_COVERAGE`], 90%) needs [`COVERAGE_RELAXES`] less inclusion (80% by default): its
//! dangling values are then rows the target table lacks (an airline's `planes` table missing
//! the planes of 15% of the flights), not a coincidental overlap, which would not reach the
//! key's values so evenly.
//!
//! Integers need more than inclusion: small numbers (a rating of 1 to 5, a quantity) are
//! contained in any identity column. An integer column is only tried against a key when its
//! name points there ([`names_point`]: `artist_id` or `artist` for `artists.id`, or the key's
//! own column name; the table's name does not count for the column's own table, where
//! `flights.flight` is a flight number, not another flight); text, uuid and other values are
//! specific enough on their own (`flights.dest` in `airports.faa`).
//!
//! Generation makes every reference point at an existing row: the dangling values of the
//! source become references (their share is reported with the key, so the difference is
//! known before comparing).

use sqlx::{PgConnection, Row};

use crate::ident::{Ident, qualified};

/// The least share of a column's non-null values a unique column must hold for the column to
/// be taken as a reference to it: 95%, so that a reference with a few dangling rows (deleted
/// targets, a late load) is still found, while a coincidental overlap is not.
pub const DEFAULT_MIN_INCLUSION: f64 = 0.95;

/// The share of a key's values a column must use for [`COVERAGE_RELAXES`] to apply.
pub const MIN_COVERAGE: f64 = 0.90;

/// How much less inclusion a column that covers the key ([`MIN_COVERAGE`]) needs.
pub const COVERAGE_RELAXES: f64 = 0.15;

/// How many of a column's non-null values a unique column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inclusion {
    /// Rows where the column is not null.
    pub non_null: u64,
    /// Of those, rows whose value the unique column holds.
    pub contained: u64,
    /// The unique column's values the column uses, and how many it has.
    pub covered: (u64, u64),
}

impl Inclusion {
    /// `contained / non_null` (0 for a column without values).
    pub fn share(&self) -> f64 {
        if self.non_null == 0 {
            return 0.0;
        }
        self.contained as f64 / self.non_null as f64
    }

    /// Rows whose value the unique column does not hold.
    pub fn dangling(&self) -> u64 {
        self.non_null - self.contained
    }

    /// The share of the unique column's values the column uses.
    pub fn coverage(&self) -> f64 {
        let (used, of) = self.covered;
        if of == 0 {
            0.0
        } else {
            used as f64 / of as f64
        }
    }

    /// Whether this is a reference at `min_share` (see the module docs): enough of the values
    /// held, or a little less when the column uses nearly every value of the key.
    pub fn is_reference(&self, min_share: f64) -> bool {
        let share = self.share();
        share >= min_share
            || (self.coverage() >= MIN_COVERAGE && share >= min_share - COVERAGE_RELAXES)
    }
}

/// A column of the schema as the catalog describes it.
#[derive(Debug, Clone)]
pub struct CatalogColumn {
    pub table: Ident,
    pub column: Ident,
    /// `format_type` of the column (`integer`, `character varying(10)`).
    pub type_name: Option<String>,
    /// Whether the column alone has a unique index (a primary key, `UNIQUE`).
    pub unique: bool,
}

/// A reference found in the data: `table.column` holds values of `ref_table.ref_column`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InferredKey {
    pub table: Ident,
    pub column: Ident,
    pub ref_table: Ident,
    pub ref_column: Ident,
    pub inclusion: Inclusion,
}

/// The type family values are compared in: integers of any width, text of any length, else
/// the type itself.
fn family(type_name: &str) -> &str {
    match type_name {
        "smallint" | "integer" | "bigint" => "integer",
        "text" => "text",
        t if t.starts_with("character") || t.starts_with("varchar") => "text",
        t => t,
    }
}

/// Whether an integer column's name points at `ref_table.ref_column`: the key's column name
/// itself, or the table's name (singular or plural) with or without `_id`/`id`
/// (`artist_id`, `artistid`, `artist` for `artists.id` or `artist.id`).
pub fn names_point(column: &str, ref_table: &str, ref_column: &str) -> bool {
    let column = column.to_ascii_lowercase();
    if column == ref_column.to_ascii_lowercase() && !matches!(column.as_str(), "id") {
        return true;
    }
    let stem = column
        .strip_suffix("_id")
        .or_else(|| column.strip_suffix("id"))
        .unwrap_or(&column)
        .trim_end_matches('_');
    if stem.is_empty() {
        return false;
    }
    let table = ref_table.to_ascii_lowercase();
    let singular = table
        .strip_suffix("ies")
        .map(|s| format!("{s}y"))
        .or_else(|| table.strip_suffix('s').map(str::to_owned))
        .unwrap_or_else(|| table.clone());
    stem == table || stem == singular
}

/// The references found in the data of `schema` (see the module docs), at most one per
/// column, the best inclusion first among the candidates of a column. `declared` are the
/// columns that already are the single column of a declared foreign key.
pub async fn infer(
    conn: &mut PgConnection,
    schema: &Ident,
    columns: &[CatalogColumn],
    declared: &[(Ident, Ident)],
    min_share: f64,
) -> Result<Vec<InferredKey>, sqlx::Error> {
    let keys: Vec<&CatalogColumn> = columns.iter().filter(|c| c.unique).collect();
    let mut found = Vec::new();
    for candidate in columns {
        if candidate.unique
            || declared
                .iter()
                .any(|(t, c)| *t == candidate.table && *c == candidate.column)
        {
            continue;
        }
        let Some(kind) = candidate.type_name.as_deref().map(family) else {
            continue;
        };
        let mut best: Option<InferredKey> = None;
        for key in &keys {
            if key.type_name.as_deref().map(family) != Some(kind)
                || (key.table == candidate.table && key.column == candidate.column)
            {
                continue;
            }
            if kind == "integer" {
                // The table's name names the row itself in its own table (`flights.flight`),
                // so only the key's own column name points at a key of the same table.
                let points = if key.table == candidate.table {
                    names_point(candidate.column.as_str(), "", key.column.as_str())
                } else {
                    names_point(
                        candidate.column.as_str(),
                        key.table.as_str(),
                        key.column.as_str(),
                    )
                };
                if !points {
                    continue;
                }
            }
            let (inclusion, distinct) = inclusion(conn, schema, candidate, key).await?;
            if distinct < 2 || !inclusion.is_reference(min_share) {
                continue;
            }
            if best
                .as_ref()
                .is_none_or(|b| inclusion.share() > b.inclusion.share())
            {
                best = Some(InferredKey {
                    table: candidate.table.clone(),
                    column: candidate.column.clone(),
                    ref_table: key.table.clone(),
                    ref_column: key.column.clone(),
                    inclusion,
                });
            }
        }
        found.extend(best);
    }
    Ok(found)
}

/// How many non-null values of `candidate` the unique column `key` holds, and the candidate's
/// distinct values. `key` is unique, so the left join keeps one row per candidate row.
async fn inclusion(
    conn: &mut PgConnection,
    schema: &Ident,
    candidate: &CatalogColumn,
    key: &CatalogColumn,
) -> Result<(Inclusion, u64), sqlx::Error> {
    let (c, k) = (candidate.column.quoted(), key.column.quoted());
    let sql = format!(
        "SELECT count(t.{c}) AS non_null, count(r.{k}) AS contained, \
                count(DISTINCT t.{c}) AS distinct_values, count(DISTINCT r.{k}) AS used, \
                (SELECT count({k}) FROM {r}) AS key_values \
         FROM {t} AS t LEFT JOIN {r} AS r ON r.{k} = t.{c}",
        t = qualified(Some(schema), &candidate.table),
        r = qualified(Some(schema), &key.table),
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_one(&mut *conn)
        .await?;
    let count = |name: &str| -> Result<u64, sqlx::Error> {
        Ok(u64::try_from(row.try_get::<i64, _>(name)?).unwrap_or(0))
    };
    Ok((
        Inclusion {
            non_null: count("non_null")?,
            contained: count("contained")?,
            covered: (count("used")?, count("key_values")?),
        },
        count("distinct_values")?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_point_at_their_table() {
        assert!(names_point("artist_id", "artist", "id"));
        assert!(names_point("artist_id", "artists", "id"));
        assert!(names_point("ArtistId", "Artist", "ArtistId"));
        assert!(names_point("category", "categories", "id"));
        assert!(names_point("tailnum", "planes", "tailnum"));
        assert!(!names_point("rating", "artists", "id"));
        assert!(!names_point("quantity", "tracks", "id"));
        assert!(!names_point("id", "artists", "id"));
        assert!(!names_point("support_rep_id", "employee", "id"));
        // Within its own table only the key's column name points (see `infer`).
        assert!(!names_point("flight", "", "id"));
        assert!(names_point("parent_id", "", "parent_id"));
    }

    #[test]
    fn families() {
        assert_eq!(family("bigint"), family("integer"));
        assert_eq!(family("character varying(10)"), family("text"));
        assert_eq!(family("character(3)"), "text");
        assert_eq!(family("uuid"), "uuid");
        assert_ne!(family("numeric(10,2)"), family("integer"));
    }

    #[test]
    fn inclusion_shares() {
        let i = Inclusion {
            non_null: 200,
            contained: 194,
            covered: (10, 40),
        };
        assert!((i.share() - 0.97).abs() < 1e-12);
        assert_eq!(i.dangling(), 6);
        assert!(i.is_reference(0.95));
        assert!(!i.is_reference(0.98));
        let none = Inclusion {
            non_null: 0,
            contained: 0,
            covered: (0, 0),
        };
        assert_eq!(none.share(), 0.0);
        assert_eq!(none.coverage(), 0.0);
        assert!(!none.is_reference(0.95));
        // 85% of the flights' planes are in `planes`, and they are every plane there.
        let covering = Inclusion {
            non_null: 100,
            contained: 85,
            covered: (3322, 3322),
        };
        assert!(covering.is_reference(0.95));
        // The same overlap over a fifth of the key is a coincidence.
        let partial = Inclusion {
            covered: (700, 3322),
            ..covering
        };
        assert!(!partial.is_reference(0.95));
        assert!(
            !Inclusion {
                contained: 75,
                ..covering
            }
            .is_reference(0.95)
        );
    }
}
