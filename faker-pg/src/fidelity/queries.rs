//! The query file: the application's queries, their parameters named by what they mean.
//!
//! Generated values differ from production's (another customer is the most active one), so a
//! query cannot carry literal values: each parameter says which value it wants, and is resolved
//! on each database separately. The file:
//!
//! ```text
//! # A comment line. Each query starts with its name in brackets; its SQL runs to the next one.
//! [invoices of the most active customer]
//! SELECT * FROM invoice WHERE customer_id = {{ rank(invoice.customer_id, 1) }}
//!
//! [invoices after the 90th percentile date]
//! SELECT count(*) FROM invoice WHERE invoice_date > {{ quantile(invoice.invoice_date, 0.9) }}
//! ```
//!
//! Parameters, inside `{{ }}`:
//!
//! * `rank(table.column, R)` — a value ranked by popularity (how many rows hold it, most
//!   first; ties by value): `R` is a rank from 1 (`rank(t.c, 1)`: the most frequent value), or
//!   `median`, or a percentile of the ranking (`rank(t.c, 99%)`: a value in the tail);
//! * `quantile(table.column, q)` — the value at quantile `q` (0 to 1) of the column's values:
//!   for range predicates on dates and amounts;
//! * `any(table.column)` — an existing value, chosen by a hash of the values (the same on every
//!   run of the same data): a key looked up at random;
//! * `rank(table.(a, b), R).a` — a *combination* of columns ranked by popularity (the routes
//!   `(origin, dest)` by their number of flights), and of it the value of column `a`: write
//!   `rank(flights.(origin, dest), 1).origin` and `rank(flights.(origin, dest), 1).dest` for
//!   the two halves of the most flown route (both resolve the same combination).
//!
//! Table names are as the query itself writes them (resolved through the session's
//! `search_path`). A parameter becomes a bind parameter of its value's type, never text in the
//! SQL.

use std::fmt;

use thiserror::Error;

/// A query file that does not read.
#[derive(Debug, Error, PartialEq)]
#[non_exhaustive]
pub enum QueryFileError {
    /// SQL before the first `[name]`.
    #[error("line {line}: SQL before the first `[query name]`")]
    NoName { line: usize },
    /// `[]`, or a name used twice.
    #[error("line {line}: {reason}")]
    BadName { line: usize, reason: String },
    /// A query with no SQL.
    #[error("query `{name}`: no SQL")]
    Empty { name: String },
    /// A parameter that does not read.
    #[error("query `{name}`: parameter `{{{{ {text} }}}}`: {reason}")]
    BadParameter {
        name: String,
        text: String,
        reason: String,
    },
    /// `{{` without its `}}`.
    #[error("query `{name}`: `{{{{` without `}}}}`")]
    Unclosed { name: String },
}

/// Which value of a column, by popularity rank.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rank {
    /// The k-th most frequent value, from 1.
    Nth(u64),
    /// The value in the middle of the ranking.
    Median,
    /// The value at this percentile of the ranking (0 to 100; 99: the tail).
    Percentile(f64),
}

/// What a parameter asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Parameter {
    /// `rank(table.column, R)`.
    Rank {
        table: String,
        column: String,
        rank: Rank,
    },
    /// `quantile(table.column, q)`.
    Quantile {
        table: String,
        column: String,
        q: f64,
    },
    /// `any(table.column)`.
    Any { table: String, column: String },
    /// `rank(table.(a, b, ..), R).pick`: the combination of `columns` at rank `R`, and of it
    /// the value of `pick` (one of `columns`).
    RankOf {
        table: String,
        columns: Vec<String>,
        rank: Rank,
        pick: String,
    },
}

/// A piece of a query's SQL.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    Sql(String),
    Parameter(Parameter),
}

/// One query of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedQuery {
    pub name: String,
    pub pieces: Vec<Piece>,
}

impl NamedQuery {
    /// Its parameters, in order.
    pub fn parameters(&self) -> impl Iterator<Item = &Parameter> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Parameter(p) => Some(p),
            Piece::Sql(_) => None,
        })
    }
}

/// Reads a query file (see the [module docs](self)).
pub fn parse(text: &str) -> Result<Vec<NamedQuery>, QueryFileError> {
    let mut queries: Vec<(String, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') {
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            let name = name.trim();
            if name.is_empty() {
                return Err(QueryFileError::BadName {
                    line: i + 1,
                    reason: "an empty query name".into(),
                });
            }
            if queries.iter().any(|(n, _)| n == name) {
                return Err(QueryFileError::BadName {
                    line: i + 1,
                    reason: format!("`{name}` names two queries"),
                });
            }
            queries.push((name.to_owned(), String::new()));
            continue;
        }
        match queries.last_mut() {
            Some((_, sql)) => {
                sql.push_str(line);
                sql.push('\n');
            }
            None if trimmed.is_empty() => {}
            None => return Err(QueryFileError::NoName { line: i + 1 }),
        }
    }
    queries
        .into_iter()
        .map(|(name, sql)| {
            let sql = sql.trim();
            if sql.is_empty() {
                return Err(QueryFileError::Empty { name });
            }
            let pieces = pieces(&name, sql)?;
            Ok(NamedQuery { name, pieces })
        })
        .collect()
}

fn pieces(name: &str, sql: &str) -> Result<Vec<Piece>, QueryFileError> {
    let mut out = Vec::new();
    let mut rest = sql;
    while let Some(open) = rest.find("{{") {
        if open > 0 {
            out.push(Piece::Sql(rest[..open].to_owned()));
        }
        let after = &rest[open + 2..];
        let close = after.find("}}").ok_or_else(|| QueryFileError::Unclosed {
            name: name.to_owned(),
        })?;
        let text = after[..close].trim();
        let parameter = parameter(text).map_err(|reason| QueryFileError::BadParameter {
            name: name.to_owned(),
            text: text.to_owned(),
            reason,
        })?;
        out.push(Piece::Parameter(parameter));
        rest = &after[close + 2..];
    }
    if !rest.is_empty() {
        out.push(Piece::Sql(rest.to_owned()));
    }
    Ok(out)
}

/// `a, (b, c), d` split at the commas outside parentheses.
fn split_args(args: &str) -> Vec<&str> {
    let (mut out, mut depth, mut start) = (Vec::new(), 0i32, 0);
    for (i, ch) in args.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(args[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(args[start..].trim());
    out
}

/// `R` of `rank(.., R)`.
fn rank_of(rank: &str) -> Result<Rank, String> {
    if rank == "median" {
        return Ok(Rank::Median);
    }
    if let Some(p) = rank.strip_suffix('%') {
        let p: f64 = p
            .trim()
            .parse()
            .map_err(|_| format!("`{rank}` is not a percentile"))?;
        if !(0.0..=100.0).contains(&p) {
            return Err(format!("percentile {p} is not within 0% to 100%"));
        }
        return Ok(Rank::Percentile(p));
    }
    match rank.parse::<u64>() {
        Ok(k) if k >= 1 => Ok(Rank::Nth(k)),
        _ => Err(format!("`{rank}` is not a rank (1, 2, .., median, P%)")),
    }
}

fn parameter(text: &str) -> Result<Parameter, String> {
    // `rank(t.(a, b), R).a`: the call, then the column picked of the combination.
    let (call, pick) = match text.rsplit_once(").") {
        Some((call, pick)) if !pick.contains(')') => (format!("{call})"), Some(pick.trim())),
        _ => (text.to_owned(), None),
    };
    let (kind, args) = call
        .split_once('(')
        .and_then(|(kind, rest)| Some((kind.trim(), rest.trim().strip_suffix(')')?)))
        .ok_or("expected `kind(table.column, ..)`")?;
    let args = split_args(args);
    if let Some((table, inner)) = args
        .first()
        .and_then(|a| a.split_once(".("))
        .and_then(|(t, rest)| Some((t.trim(), rest.strip_suffix(')')?)))
    {
        let columns: Vec<String> = inner.split(',').map(|c| c.trim().to_owned()).collect();
        if kind != "rank" {
            return Err(format!(
                "`{kind}` takes one column; a combination `table.(a, b)` is ranked by `rank`"
            ));
        }
        if table.is_empty() || columns.len() < 2 || columns.iter().any(String::is_empty) {
            return Err(format!(
                "`{}` is not `table.(a, b, ..)` with two columns or more",
                args[0]
            ));
        }
        let [_, rank] = args.as_slice() else {
            return Err("wrong number of arguments to `rank`".into());
        };
        let pick = pick.ok_or_else(|| {
            format!(
                "a combination needs the column to take: write `rank({}, {rank}).{}`",
                args[0], columns[0]
            )
        })?;
        if !columns.iter().any(|c| c == pick) {
            return Err(format!(
                "`.{pick}` is not one of the combination's columns ({})",
                columns.join(", ")
            ));
        }
        return Ok(Parameter::RankOf {
            table: table.to_owned(),
            rank: rank_of(rank)?,
            pick: pick.to_owned(),
            columns,
        });
    }
    if let Some(pick) = pick {
        return Err(format!(
            "`.{pick}` after `{kind}(..)`: only a combination `rank(table.(a, b), R)` takes a column"
        ));
    }
    let column = |arg: &str| -> Result<(String, String), String> {
        let (table, column) = arg
            .rsplit_once('.')
            .filter(|(t, c)| !t.is_empty() && !c.is_empty())
            .ok_or_else(|| format!("`{arg}` is not `table.column`"))?;
        Ok((table.to_owned(), column.to_owned()))
    };
    match (kind, args.as_slice()) {
        ("rank", [at, rank]) => {
            let (table, column) = column(at)?;
            let rank = rank_of(rank)?;
            Ok(Parameter::Rank {
                table,
                column,
                rank,
            })
        }
        ("quantile", [at, q]) => {
            let (table, column) = column(at)?;
            let q: f64 = q
                .parse()
                .ok()
                .filter(|q| (0.0..=1.0).contains(q))
                .ok_or_else(|| format!("`{q}` is not a quantile within 0 to 1"))?;
            Ok(Parameter::Quantile { table, column, q })
        }
        ("any", [at]) => {
            let (table, column) = column(at)?;
            Ok(Parameter::Any { table, column })
        }
        ("rank" | "quantile" | "any", _) => Err(format!("wrong number of arguments to `{kind}`")),
        _ => Err(format!("unknown parameter `{kind}` (rank, quantile, any)")),
    }
}

impl fmt::Display for Parameter {
    /// The parameter as the file writes it (without the braces): it reads back the same.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Parameter::Rank {
                table,
                column,
                rank,
            } => write!(f, "rank({table}.{column}, {rank})"),
            Parameter::Quantile { table, column, q } => {
                write!(f, "quantile({table}.{column}, {q})")
            }
            Parameter::Any { table, column } => write!(f, "any({table}.{column})"),
            Parameter::RankOf {
                table,
                columns,
                rank,
                pick,
            } => write!(f, "rank({table}.({}), {rank}).{pick}", columns.join(", ")),
        }
    }
}

impl fmt::Display for Rank {
    /// `R` of `rank(.., R)` as the file writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rank::Nth(k) => write!(f, "{k}"),
            Rank::Median => f.write_str("median"),
            Rank::Percentile(p) => write!(f, "{p}%"),
        }
    }
}

impl fmt::Display for NamedQuery {
    /// The query as the file writes it: it reads back the same.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "[{}]", self.name)?;
        for piece in &self.pieces {
            match piece {
                Piece::Sql(sql) => f.write_str(sql)?,
                Piece::Parameter(p) => write!(f, "{{{{ {p} }}}}")?,
            }
        }
        writeln!(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FILE: &str = "# the application's queries
[invoices of the most active customer]
SELECT * FROM invoice WHERE customer_id = {{ rank(invoice.customer_id, 1) }}

[late invoices]
SELECT count(*) FROM invoice
WHERE invoice_date > {{quantile(invoice.invoice_date, 0.9)}} AND total > {{ rank(invoice.total, 99%) }}
[one track]
SELECT * FROM track WHERE track_id = {{ any(track.track_id) }} AND genre_id = {{ rank(track.genre_id, median) }}
";

    #[test]
    fn a_file_reads_into_named_queries_with_parameters() {
        let queries = parse(FILE).unwrap();
        assert_eq!(queries.len(), 3);
        assert_eq!(queries[0].name, "invoices of the most active customer");
        assert_eq!(
            queries[0].parameters().collect::<Vec<_>>(),
            [&Parameter::Rank {
                table: "invoice".into(),
                column: "customer_id".into(),
                rank: Rank::Nth(1)
            }]
        );
        let late: Vec<String> = queries[1].parameters().map(ToString::to_string).collect();
        assert_eq!(
            late,
            [
                "quantile(invoice.invoice_date, 0.9)",
                "rank(invoice.total, 99%)"
            ]
        );
        assert!(matches!(
            queries[2].parameters().nth(1),
            Some(Parameter::Rank {
                rank: Rank::Median,
                ..
            })
        ));
        // The text reads back the same.
        let again: String = queries.iter().map(ToString::to_string).collect();
        assert_eq!(parse(&again).unwrap(), queries);
    }

    #[test]
    fn mistakes_are_said_with_the_query_and_the_line() {
        let err = |text: &str| parse(text).unwrap_err().to_string();
        assert_eq!(
            err("SELECT 1"),
            "line 1: SQL before the first `[query name]`"
        );
        assert_eq!(
            err("[a]\nSELECT 1\n[a]\nSELECT 2"),
            "line 3: `a` names two queries"
        );
        assert_eq!(err("[a]\n\n[b]\nSELECT 1"), "query `a`: no SQL");
        assert_eq!(
            err("[a]\nSELECT {{ rank(invoice, 1) }}"),
            "query `a`: parameter `{{ rank(invoice, 1) }}`: `invoice` is not `table.column`"
        );
        assert!(err("[a]\nSELECT {{ rank(t.c, 0) }}").contains("is not a rank"));
        assert!(err("[a]\nSELECT {{ quantile(t.c, 2) }}").contains("within 0 to 1"));
        assert!(err("[a]\nSELECT {{ mode(t.c) }}").contains("unknown parameter `mode`"));
        assert_eq!(
            err("[a]\nSELECT {{ any(t.c)"),
            "query `a`: `{{` without `}}`"
        );
    }

    fn parameters() -> impl Strategy<Value = Parameter> {
        let name = "[a-z][a-z0-9_]{0,8}";
        prop_oneof![
            (name, name, 1u64..10_000).prop_map(|(table, column, k)| Parameter::Rank {
                table,
                column,
                rank: Rank::Nth(k)
            }),
            (name, name).prop_map(|(table, column)| Parameter::Rank {
                table,
                column,
                rank: Rank::Median
            }),
            (name, name, 0.0f64..=100.0).prop_map(|(table, column, p)| Parameter::Rank {
                table,
                column,
                rank: Rank::Percentile(p)
            }),
            (name, name, 0.0f64..=1.0).prop_map(|(table, column, q)| Parameter::Quantile {
                table,
                column,
                q
            }),
            (name, name).prop_map(|(table, column)| Parameter::Any { table, column }),
            (
                name,
                proptest::collection::vec(name, 2..4),
                1u64..100,
                any::<prop::sample::Index>()
            )
                .prop_map(|(table, columns, k, i)| Parameter::RankOf {
                    table,
                    pick: columns[i.index(columns.len())].clone(),
                    columns,
                    rank: Rank::Nth(k)
                }),
            (name, proptest::collection::vec(name, 2..4), 0.0f64..=100.0).prop_map(
                |(table, columns, p)| Parameter::RankOf {
                    table,
                    pick: columns[0].clone(),
                    columns,
                    rank: Rank::Percentile(p)
                }
            ),
        ]
    }

    /// A combination ranked by popularity, and the column taken of it; the mistakes a user
    /// makes with it each get a reason.
    #[test]
    fn a_combination_rank_names_the_column_it_takes() {
        let q = parse(
            "[most flown route]\nSELECT * FROM flights WHERE origin = \
             {{ rank(flights.(origin, dest), 1).origin }} AND dest = \
             {{ rank(flights.(origin, dest), 1).dest }}",
        )
        .unwrap();
        let params: Vec<&Parameter> = q[0].parameters().collect();
        assert_eq!(
            params[1],
            &Parameter::RankOf {
                table: "flights".into(),
                columns: vec!["origin".into(), "dest".into()],
                rank: Rank::Nth(1),
                pick: "dest".into()
            }
        );
        assert_eq!(
            params[0].to_string(),
            "rank(flights.(origin, dest), 1).origin"
        );
        for (text, reason) in [
            (
                "rank(flights.(origin, dest), 1)",
                "needs the column to take",
            ),
            (
                "rank(flights.(origin, dest), 1).tailnum",
                "not one of the combination",
            ),
            ("rank(flights.(origin), 1).origin", "two columns or more"),
            (
                "quantile(flights.(origin, dest), 0.5).origin",
                "takes one column",
            ),
            ("rank(flights.origin, 1).origin", "only a combination"),
        ] {
            let err = parse(&format!("[q]\nSELECT {{{{ {text} }}}}")).unwrap_err();
            assert!(err.to_string().contains(reason), "{text}: {err}");
        }
    }

    proptest! {
        /// Every query reads back from the text it writes: names, SQL and parameters.
        #[test]
        fn queries_round_trip_through_their_text(
            named in proptest::collection::vec(
                ("[a-z][a-z ]{0,12}[a-z]", "[A-Za-z0-9 =<>*(),.]{1,20}",
                 proptest::collection::vec(parameters(), 0..4)),
                1..4,
            )
        ) {
            let mut seen = std::collections::HashSet::new();
            let queries: Vec<NamedQuery> = named
                .into_iter()
                .filter(|(name, _, _)| seen.insert(name.clone()))
                .map(|(name, sql, parameters)| {
                    let mut pieces = vec![Piece::Sql(format!("SELECT {sql} WHERE "))];
                    for p in parameters {
                        pieces.push(Piece::Parameter(p));
                        pieces.push(Piece::Sql(" AND ".into()));
                    }
                    // The text after the last parameter ends the query.
                    match pieces.last_mut() {
                        Some(Piece::Sql(last)) => last.push_str("true"),
                        _ => pieces.push(Piece::Sql("true".into())),
                    }
                    NamedQuery { name, pieces }
                })
                .collect();
            let text: String = queries.iter().map(ToString::to_string).collect();
            prop_assert_eq!(parse(&text).unwrap(), queries);
        }
    }
}
