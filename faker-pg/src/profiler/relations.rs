//! Relations between the reference columns of a table: what no single column shows, measured
//! the way PostgreSQL's extended statistics define them (`CREATE STATISTICS .. (ndistinct,
//! dependencies)`), and the attribute that models each.
//!
//! For a pair `(a, b)` of references of one table ([`measure`]), on the rows where both are
//! not null:
//!
//! * `distinct_pairs` — the distinct `(a, b)` combinations (`ndistinct`);
//! * `degree(a → b)` — the share of rows in groups of equal `a` that all hold one `b`
//!   (PostgreSQL's functional-dependency degree: 1 when `a` determines `b`, as a plane's tail
//!   number determines its airline), and the other way round;
//! * `equal_rows` — rows where `a = b`, for two references to the same table.
//!
//! [`Relation::suggestion`] reads them: a dependency of degree ≥ [`OWNERSHIP_DEGREE`] is
//! ownership (`same(..)`: the determined reference is drawn inside the owner's group); two
//! references to one table that never hold the same value must differ (`differ(..)`); pairs
//! that repeat far more than independent draws would (fewer than half the distinct pairs
//! independent uniform draws leave on that many rows) want a joint law; otherwise the columns
//! are independent.

use sqlx::{PgConnection, Row};

use super::catalog::ForeignKey;
use crate::ident::{Ident, qualified};

/// The least functional-dependency degree read as ownership: 0.95, so that a few rows that
/// break the rule (data errors, a plane sold to another airline) do not hide it.
pub const OWNERSHIP_DEGREE: f64 = 0.95;

/// What [`measure`] reads off a pair of references of one table.
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    pub table: Ident,
    pub a: Ident,
    pub b: Ident,
    /// Whether both reference the same table.
    pub same_target: bool,
    /// Rows where both are not null.
    pub rows: u64,
    pub distinct_a: u64,
    pub distinct_b: u64,
    pub distinct_pairs: u64,
    /// Functional-dependency degree of `a → b` and of `b → a`.
    pub degree_ab: f64,
    pub degree_ba: f64,
    /// Rows where `a = b` (0 unless both reference the same table).
    pub equal_rows: u64,
    /// Whether `b` is a value column (low-cardinality, no reference) rather than a reference.
    pub value: bool,
}

/// How a relation is best modelled, with the attribute and the reason.
#[derive(Debug, Clone, PartialEq)]
pub enum Suggestion {
    /// `owner` determines `owned`: draw `owned` inside the owner's group.
    Ownership { owner: Ident, owned: Ident },
    /// Two references to one table that never hold the same value in a row.
    Differ { first: Ident, second: Ident },
    /// The pairs repeat more than independent draws make them: a joint law over the pair.
    Joint,
    /// Nothing ties them.
    Independent,
}

impl Relation {
    /// The way to model it (see the module docs for the rules).
    pub fn suggestion(&self) -> Suggestion {
        // A dependency says something only when the owner's values repeat (on average at
        // least twice: a column of distinct values "determines" anything) and the owned one
        // varies (a constant is "determined" by anything).
        let telling = |owner: u64, owned: u64| owner.saturating_mul(2) <= self.rows && owned >= 2;
        if self.degree_ab >= OWNERSHIP_DEGREE
            && self.degree_ab >= self.degree_ba
            && telling(self.distinct_a, self.distinct_b)
        {
            return Suggestion::Ownership {
                owner: self.a.clone(),
                owned: self.b.clone(),
            };
        }
        if self.degree_ba >= OWNERSHIP_DEGREE && telling(self.distinct_b, self.distinct_a) {
            return Suggestion::Ownership {
                owner: self.b.clone(),
                owned: self.a.clone(),
            };
        }
        if self.never_equal() {
            return Suggestion::Differ {
                first: self.a.clone(),
                second: self.b.clone(),
            };
        }
        if self.repeats() {
            return Suggestion::Joint;
        }
        Suggestion::Independent
    }

    /// Two references to one table that never hold the same value in a row.
    pub fn never_equal(&self) -> bool {
        self.same_target && self.equal_rows == 0 && self.rows > 0
    }

    /// Whether the pairs repeat far more than independent draws make them: `rows`
    /// independent uniform draws over `c = distinct_a × distinct_b` combinations leave
    /// `c · (1 − e^(−rows/c))` distinct pairs on average; skewed columns leave fewer, so only
    /// fewer than half of that reads as a law of the pairs' own.
    pub fn repeats(&self) -> bool {
        let combinations = self.distinct_a as f64 * self.distinct_b as f64;
        if combinations == 0.0 {
            return false;
        }
        let expected = combinations * (1.0 - (-(self.rows as f64) / combinations).exp());
        (self.distinct_pairs as f64) * 2.0 < expected
    }

    /// One line for people: the figures and what to write.
    pub fn to_text(&self) -> String {
        let (a, b) = (self.a.as_str(), self.b.as_str());
        let figures = format!(
            "{}.({a}, {b}): {} rows, {} distinct pairs ({a} {}, {b} {}), degree {a} -> {b} {:.3}, \
             {b} -> {a} {:.3}",
            self.table.as_str(),
            self.rows,
            self.distinct_pairs,
            self.distinct_a,
            self.distinct_b,
            self.degree_ab,
            self.degree_ba
        );
        let advice = match self.suggestion() {
            Suggestion::Ownership { owner, owned } if self.value && owner == self.a => format!(
                "the reference decides the value: each {owner} goes with one {owned}: \
                 `#[provider(.., follows({owner}))]` on {owned} (or keep {owned} on what \
                 {owner} references and derive it in the domain)",
                owner = owner.as_str(),
                owned = owned.as_str()
            ),
            Suggestion::Ownership { owner, owned } if self.value => format!(
                "the value decides the reference: each {owner} goes with one {owned} (draw \
                 {owned} among the rows of its value)",
                owner = owner.as_str(),
                owned = owned.as_str()
            ),
            Suggestion::Ownership { owner, owned } => format!(
                "ownership: each {owner} goes with one {owned}: `#[reference(.., \
                 follows({owner}))]` on {owned} (or `same(..)` when {owner}'s target id holds \
                 {owned})",
                owner = owner.as_str(),
                owned = owned.as_str()
            ),
            Suggestion::Joint if self.value => format!(
                "the values repeat with the reference more than independent draws would \
                 (`faker-pg profile --table {} --column {a} --column {b}` measures the pairs)",
                self.table.as_str()
            ),
            Suggestion::Differ { first, second } => format!(
                "must differ: no row holds the same value in both: `#[reference(.., differ({}))]` \
                 on {}",
                first.as_str(),
                second.as_str()
            ),
            Suggestion::Joint => format!(
                "joint law: the pairs repeat more than independent draws would: `faker-pg profile \
                 --table {} --column {a} --column {b}` suggests `#[joint({a}, {b}, ..)]`",
                self.table.as_str()
            ),
            Suggestion::Independent => "independent: nothing to model".to_owned(),
        };
        format!("{figures}\n  suggestion: {advice}")
    }

    /// The relation as one JSON object.
    pub fn to_json(&self) -> serde_json::Value {
        let suggestion = match self.suggestion() {
            Suggestion::Ownership { .. } => "ownership",
            Suggestion::Differ { .. } => "differ",
            Suggestion::Joint => "joint",
            Suggestion::Independent => "independent",
        };
        serde_json::json!({
            "relation": [self.a.as_str(), self.b.as_str()],
            "with": if self.value { "value" } else { "reference" },
            "table": self.table.as_str(),
            "rows": self.rows,
            "distinct_pairs": self.distinct_pairs,
            "distinct": [self.distinct_a, self.distinct_b],
            "degree": [self.degree_ab, self.degree_ba],
            "equal_rows": self.equal_rows,
            "suggestion": suggestion,
        })
    }
}

/// The pairs of single-column references of one table among `keys` (`(table, key)`, declared
/// or found in the data), table by table in the order the tables first appear, in key order
/// within a table.
pub fn pairs<'k>(
    keys: &[(&'k Ident, &'k ForeignKey)],
) -> Vec<(&'k Ident, &'k ForeignKey, &'k ForeignKey)> {
    let single: Vec<(&Ident, &ForeignKey)> = keys
        .iter()
        .copied()
        .filter(|(_, k)| k.columns.len() == 1)
        .collect();
    let mut out = Vec::new();
    for (i, &(table, a)) in single.iter().enumerate() {
        for &(other, b) in &single[i + 1..] {
            if other == table && a.columns[0] != b.columns[0] {
                out.push((table, a, b));
            }
        }
    }
    out
}

/// ` AND col IN (SELECT key FROM target)` for a reference found in the data with dangling
/// values, which are measured without them (as its profile is: generation points every
/// reference at a row).
fn contained(schema: Option<&Ident>, key: &ForeignKey) -> String {
    match key.inferred {
        Some(inclusion) if inclusion.dangling() > 0 && key.columns.len() == 1 => format!(
            " AND {} IN (SELECT {} FROM {})",
            key.columns[0].quoted(),
            key.ref_columns[0].quoted(),
            qualified(schema, &key.ref_table)
        ),
        _ => String::new(),
    }
}

/// The second member of a relation: another reference of the table, or a low-cardinality
/// value column that is no reference.
#[derive(Debug, Clone, Copy)]
pub enum Member<'k> {
    Reference(&'k ForeignKey),
    Value(&'k Ident),
}

impl Member<'_> {
    /// Its column.
    pub fn column(&self) -> &Ident {
        match self {
            Member::Reference(key) => &key.columns[0],
            Member::Value(column) => column,
        }
    }
}

/// What a schema's relations are measured over: the pairs of references of each table
/// ([`pairs`]), then each single-column reference with each value column of its table
/// (`values`: `(table, column)`).
pub fn pairs_with_values<'k>(
    keys: &[(&'k Ident, &'k ForeignKey)],
    values: &'k [(Ident, Ident)],
) -> Vec<(&'k Ident, &'k ForeignKey, Member<'k>)> {
    let mut out: Vec<_> = pairs(keys)
        .into_iter()
        .map(|(table, a, b)| (table, a, Member::Reference(b)))
        .collect();
    for &(table, key) in keys.iter().filter(|(_, k)| k.columns.len() == 1) {
        for (_, value) in values.iter().filter(|(t, _)| t == table) {
            out.push((table, key, Member::Value(value)));
        }
    }
    out
}

/// Measures the relation of the reference `a` and `b` of `schema.table` (see the module docs),
/// in one scan grouped twice on the server: with another reference, or with a value column
/// (whether the reference decides the value, as a track decides a line's unit price).
pub async fn measure(
    conn: &mut PgConnection,
    schema: Option<&Ident>,
    table: &Ident,
    a: &ForeignKey,
    b: Member<'_>,
) -> Result<Relation, sqlx::Error> {
    let (same_target, condition) = match b {
        Member::Reference(b) => (
            a.ref_schema == b.ref_schema && a.ref_table == b.ref_table,
            contained(schema, a) + &contained(schema, b),
        ),
        Member::Value(_) => (false, contained(schema, a)),
    };
    let value = matches!(b, Member::Value(_));
    measure_columns(
        conn,
        schema,
        table,
        (&a.columns[0], b.column()),
        (same_target, value),
        &condition,
    )
    .await
}

/// The scan behind [`measure`]: `condition` (` AND ..`) filters the rows.
async fn measure_columns(
    conn: &mut PgConnection,
    schema: Option<&Ident>,
    table: &Ident,
    (ca, cb): (&Ident, &Ident),
    (same_target, value): (bool, bool),
    condition: &str,
) -> Result<Relation, sqlx::Error> {
    let (qa, qb) = (ca.quoted(), cb.quoted());
    let equal = if same_target {
        "(SELECT count(*) FILTER (WHERE a = b) FROM p)"
    } else {
        "0::bigint"
    };
    let sql = format!(
        "WITH p AS (SELECT {qa} AS a, {qb} AS b FROM {t}
                    WHERE {qa} IS NOT NULL AND {qb} IS NOT NULL{condition}),
              ga AS (SELECT count(*) AS n, count(DISTINCT b) AS nb FROM p GROUP BY a),
              gb AS (SELECT count(*) AS n, count(DISTINCT a) AS na FROM p GROUP BY b)
         SELECT (SELECT count(*) FROM p) AS rows,
                (SELECT count(*) FROM ga) AS distinct_a,
                (SELECT count(*) FROM gb) AS distinct_b,
                (SELECT count(*) FROM (SELECT DISTINCT a, b FROM p) AS d) AS distinct_pairs,
                (SELECT coalesce(sum(n) FILTER (WHERE nb = 1), 0) FROM ga)::float8 AS held_ab,
                (SELECT coalesce(sum(n) FILTER (WHERE na = 1), 0) FROM gb)::float8 AS held_ba,
                {equal} AS equal_rows",
        t = qualified(schema, table),
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_one(&mut *conn)
        .await?;
    let count = |name: &str| -> Result<u64, sqlx::Error> {
        Ok(u64::try_from(row.try_get::<i64, _>(name)?).unwrap_or(0))
    };
    let rows = count("rows")?;
    let share = |held: f64| if rows == 0 { 0.0 } else { held / rows as f64 };
    Ok(Relation {
        table: table.clone(),
        a: ca.clone(),
        b: cb.clone(),
        same_target,
        rows,
        distinct_a: count("distinct_a")?,
        distinct_b: count("distinct_b")?,
        distinct_pairs: count("distinct_pairs")?,
        degree_ab: share(row.try_get("held_ab")?),
        degree_ba: share(row.try_get("held_ba")?),
        equal_rows: count("equal_rows")?,
        value,
    })
}

/// How unlikely a dependency is to be chance: the decimal logarithm of the probability that,
/// were `owned` independent of `owner` (keeping each column's own counts), every owner value
/// seen on two rows or more would still hold one `owned` value on all its rows. A degree of 1
/// over a few small groups of a concentrated column proves nothing (an 8-row table where one
/// city holds 5 rows: three owners of 2–3 rows each agree by chance with probability 0.06);
/// the same degree over hundreds of groups does. Near 0 is chance, [`DEPENDENCY_EVIDENCE`]
/// and below is evidence.
pub async fn dependency_evidence(
    conn: &mut PgConnection,
    schema: Option<&Ident>,
    table: &Ident,
    owner: &Ident,
    owned: &Ident,
) -> Result<f64, sqlx::Error> {
    let (qa, qb) = (owner.quoted(), owned.quoted());
    let t = qualified(schema, table);
    let pairs =
        format!("SELECT {qa} AS a, {qb} AS b FROM {t} WHERE {qa} IS NOT NULL AND {qb} IS NOT NULL");
    // Group sizes of the owner (how many groups of each size), and the owned value's counts.
    let sizes: Vec<(i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT n, count(*) FROM (SELECT count(*) AS n FROM ({pairs}) AS p GROUP BY a) AS g
         WHERE n > 1 GROUP BY n"
    )))
    .fetch_all(&mut *conn)
    .await?;
    let counts: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM ({pairs}) AS p GROUP BY b"
    )))
    .fetch_all(&mut *conn)
    .await?;
    Ok(chance_of_uniform_groups(&sizes, &counts))
}

/// The least evidence [`dependency_evidence`] reads as a dependency: independence would make
/// the groups agree with probability below 0.001.
pub const DEPENDENCY_EVIDENCE: f64 = -3.0;

/// `log10` of `Π_groups Σ_values share^size`: the chance that independent draws (with the
/// owned value's shares) make each group of `size` rows uniform. `sizes` holds (size, groups)
/// pairs, `counts` the rows of each owned value. Shares taken from the rows themselves, not
/// as draws without replacement: close enough for an order of magnitude, which is all the
/// threshold reads.
fn chance_of_uniform_groups(sizes: &[(i64, i64)], counts: &[i64]) -> f64 {
    let total: i64 = counts.iter().sum();
    if total == 0 {
        return 0.0;
    }
    let shares: Vec<f64> = counts.iter().map(|&c| c as f64 / total as f64).collect();
    sizes
        .iter()
        .map(|&(size, groups)| {
            let exponent = i32::try_from(size).unwrap_or(i32::MAX);
            let uniform: f64 = shares.iter().map(|s| s.powi(exponent)).sum();
            // An underflow to 0 reads as "never by chance", which it is for all purposes.
            groups as f64 * uniform.max(f64::MIN_POSITIVE).log10()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relation(pairs: u64, degree_ab: f64, degree_ba: f64, same: bool, equal: u64) -> Relation {
        Relation {
            table: Ident::new("flights").unwrap(),
            a: Ident::new("origin").unwrap(),
            b: Ident::new("dest").unwrap(),
            same_target: same,
            rows: 10_000,
            distinct_a: 100,
            distinct_b: 100,
            distinct_pairs: pairs,
            degree_ab,
            degree_ba,
            equal_rows: equal,
            value: false,
        }
    }

    #[test]
    fn a_few_small_groups_of_a_concentrated_column_are_chance() {
        // Chinook's employees: three managers of 2, 3 and 2 reports; cities 5/2/1 of 8.
        let chance = chance_of_uniform_groups(&[(2, 2), (3, 1)], &[5, 2, 1]);
        assert!(
            (chance - (0.4688f64.powi(2) * 0.2617).log10()).abs() < 0.01,
            "{chance}"
        );
        assert!(chance > DEPENDENCY_EVIDENCE);
        // Fifty customers of seven invoices each over forty cities: no chance at all.
        let chance = chance_of_uniform_groups(&[(7, 50)], &[10; 40]);
        assert!(chance < DEPENDENCY_EVIDENCE * 10.0, "{chance}");
        // No group of two rows: nothing to read.
        assert_eq!(chance_of_uniform_groups(&[], &[3, 4]), 0.0);
    }

    #[test]
    fn suggestions_follow_the_figures() {
        assert!(matches!(
            relation(120, 0.99, 0.2, false, 0).suggestion(),
            Suggestion::Ownership { owner, .. } if owner.as_str() == "origin"
        ));
        assert!(matches!(
            relation(120, 0.1, 0.97, false, 0).suggestion(),
            Suggestion::Ownership { owner, .. } if owner.as_str() == "dest"
        ));
        assert!(matches!(
            relation(6_000, 0.1, 0.1, true, 0).suggestion(),
            Suggestion::Differ { .. }
        ));
        // 224 routes in 10 000 flights where 100 × 100 combinations were possible.
        assert_eq!(
            relation(224, 0.1, 0.1, true, 3).suggestion(),
            Suggestion::Joint
        );
        assert_eq!(
            relation(6_300, 0.1, 0.1, false, 0).suggestion(),
            Suggestion::Independent
        );
        let text = relation(224, 0.1, 0.1, true, 3).to_text();
        assert!(text.contains("joint law"), "{text}");
        assert_eq!(
            relation(224, 0.1, 0.1, true, 3).to_json()["suggestion"],
            "joint"
        );
    }
}
