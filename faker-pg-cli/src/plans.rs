//! `faker-pg plans`: the application's queries planned on production and on generated data,
//! plan shapes compared node by node (`faker_pg::fidelity`).

use std::path::PathBuf;

use clap::Args;
use faker_pg::Ident;
use faker_pg::fidelity::explain::{Timing, explain_with};
use faker_pg::fidelity::queries::{NamedQuery, parse};
use faker_pg::fidelity::resolve::bind;
use faker_pg::fidelity::stats::{StatDifference, differences, table_stats};
use faker_pg::fidelity::{PlanNode, ShapeComparison, compare};
use serde_json::json;
use sqlx::PgConnection;

use crate::session::{
    EXIT_DIFFERENT, EXIT_ERROR, Failure, connect, error_line, progress, resolve_schema, sql_message,
};

#[derive(Args)]
pub(crate) struct PlansArgs {
    /// The reference database (production), a PostgreSQL URL.
    #[arg(long, value_name = "URL")]
    source: String,
    /// The database to check (generated), a PostgreSQL URL; may equal --source.
    #[arg(long, value_name = "URL")]
    target: String,
    /// Schema the queries run in on the source (its search_path; default: the current one).
    #[arg(long, value_name = "SCHEMA")]
    schema: Option<Ident>,
    /// Schema in the target when it differs from --schema.
    #[arg(long, value_name = "SCHEMA")]
    target_schema: Option<Ident>,
    /// The query file: `[name]` lines, each followed by its SQL, parameters as
    /// {{ rank(table.column, 1 | median | 99%) }}, {{ quantile(table.column, 0.9) }} or
    /// {{ any(table.column) }}, resolved on each database separately.
    #[arg(long, value_name = "FILE")]
    queries: PathBuf,
    /// Exit with code 1 when fewer than this share of the queries get production's plan shape.
    #[arg(long, value_name = "SHARE", default_value_t = 0.9)]
    min_same: f64,
    /// The generated data's size over production's, for the row ratios (default: the ratio of
    /// the two schemas' rows, as the planner's statistics count them).
    #[arg(long, value_name = "RATIO")]
    scale: Option<f64>,
    /// First create on the target every index of the source schema that the target's schema
    /// lacks (by name; the definitions read from the source's catalog, the schema renamed), then
    /// ANALYZE the target's tables: plans compare only over the same indexes. The one write this
    /// command makes, on its own connection.
    #[arg(long)]
    copy_indexes: bool,
    /// One JSON object per query, then one for the summary, instead of text.
    #[arg(long)]
    json: bool,
    /// Cancel a statement running longer than this many seconds (0: no limit).
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    statement_timeout: u64,
    /// No progress lines on stderr.
    #[arg(long, short)]
    quiet: bool,
}

pub(crate) async fn plans(args: PlansArgs) -> u8 {
    match plans_inner(args).await {
        Ok(code) => code,
        Err(Failure(message)) => {
            error_line(&message);
            EXIT_ERROR
        }
    }
}

/// One query on one side: its values and plan, or what went wrong.
type Side = Result<(Vec<String>, PlanNode, Option<Timing>), String>;

async fn plans_inner(args: PlansArgs) -> Result<u8, Failure> {
    if !(args.min_same > 0.0 && args.min_same <= 1.0) {
        return Err(Failure(format!(
            "--min-same {} is not a share in (0, 1]",
            args.min_same
        )));
    }
    let text = std::fs::read_to_string(&args.queries)
        .map_err(|e| Failure(format!("cannot read {}: {e}", args.queries.display())))?;
    let queries = parse(&text).map_err(|e| Failure(format!("{}: {e}", args.queries.display())))?;
    let mut source = connect(&args.source, "the source ", args.statement_timeout).await?;
    let mut target = connect(&args.target, "the target ", args.statement_timeout).await?;
    let source_schema = resolve_schema(&mut source, args.schema.as_ref(), "source: ").await?;
    let target_schema = resolve_schema(
        &mut target,
        args.target_schema.as_ref().or(args.schema.as_ref()),
        "target: ",
    )
    .await?;
    if args.copy_indexes {
        let copied =
            copy_indexes(&mut source, &source_schema, &args.target, &target_schema).await?;
        progress(
            args.quiet,
            &format!("copied {copied} index(es) to the target"),
        );
    }
    search_path(&mut source, &source_schema, "source: ").await?;
    search_path(&mut target, &target_schema, "target: ").await?;
    let scale = match args.scale {
        Some(scale) => scale,
        None => {
            let p = rows(&mut source, &source_schema, "source: ").await?;
            let g = rows(&mut target, &target_schema, "target: ").await?;
            if p > 0.0 { g / p } else { 1.0 }
        }
    };

    let (mut same, mut errors) = (0usize, 0usize);
    let mut worst: Vec<f64> = Vec::new();
    let mut worst_estimated: Vec<f64> = Vec::new();
    for query in &queries {
        progress(args.quiet, &format!("planning `{}`", query.name));
        let production = side(&mut source, query).await;
        let generated = side(&mut target, query).await;
        let outcome = match (&production, &generated) {
            (Ok((_, p, _)), Ok((_, g, _))) => Ok(compare(p, g, scale)),
            (Err(e), _) => Err(format!("source: {e}")),
            (_, Err(e)) => Err(format!("target: {e}")),
        };
        let mut why = Vec::new();
        match &outcome {
            Ok(c) if c.same_shape() => {
                same += 1;
                worst.extend(c.worst_ratio());
                worst_estimated.extend(c.worst_estimated_ratio());
            }
            Ok(c) => {
                // The statistics of the tables the differing nodes read.
                for table in c.difference.iter().flat_map(|d| &d.relations) {
                    let p = table_stats(&mut source, &source_schema, table).await;
                    let g = table_stats(&mut target, &target_schema, table).await;
                    if let (Ok(p), Ok(g)) = (p, g) {
                        why.extend(differences(table, &p, &g));
                    }
                }
            }
            Err(_) => errors += 1,
        }
        print_query(&args, query, &production, &generated, &outcome, &why);
    }
    let share = same as f64 / queries.len().max(1) as f64;
    worst.sort_by(f64::total_cmp);
    let median = worst.get(worst.len() / 2).copied();
    let furthest = worst
        .iter()
        .copied()
        .max_by(|a, b| (a.ln().abs()).total_cmp(&b.ln().abs()));
    let furthest_estimated = worst_estimated
        .iter()
        .copied()
        .max_by(|a, b| (a.ln().abs()).total_cmp(&b.ln().abs()));
    if args.json {
        println!(
            "{}",
            json!({"summary": {"queries": queries.len(), "same_shape": same,
                   "share": share, "errors": errors, "scale": scale,
                   "median_worst_row_ratio": median, "worst_row_ratio": furthest,
                   "worst_estimated_row_ratio": furthest_estimated,
                   "min_same": args.min_same}})
        );
    } else {
        println!(
            "{same} of {} queries get production's plan shape ({:.0}%, --min-same {:.0}%); scale {scale:.3}; \
             per query worst row ratio: median {}, worst {} (estimated: worst {}){}",
            queries.len(),
            share * 100.0,
            args.min_same * 100.0,
            ratio_text(median),
            ratio_text(furthest),
            ratio_text(furthest_estimated),
            if errors > 0 {
                format!("; {errors} failed")
            } else {
                String::new()
            }
        );
    }
    Ok(if errors > 0 {
        EXIT_ERROR
    } else if share < args.min_same {
        EXIT_DIFFERENT
    } else {
        0
    })
}

/// Creates on the target (a writable connection of its own) the source schema's indexes that
/// the target schema has no index of the same name for, then analyses the target schema's
/// tables; returns how many were created. A definition is `pg_get_indexdef`'s, with the source
/// schema's quoted name replaced by the target's.
async fn copy_indexes(
    source: &mut PgConnection,
    source_schema: &Ident,
    target_url: &str,
    target_schema: &Ident,
) -> Result<usize, Failure> {
    use sqlx::Connection;
    let db = |role: &str, e: sqlx::Error| Failure(format!("{role}{}", sql_message(&e)));
    let indexes = "SELECT c.relname::text, pg_get_indexdef(c.oid) FROM pg_index i
         JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 ORDER BY 1";
    let wanted: Vec<(String, String)> = sqlx::query_as(indexes)
        .bind(source_schema.as_str())
        .fetch_all(&mut *source)
        .await
        .map_err(|e| db("source: ", e))?;
    let mut target = PgConnection::connect(target_url)
        .await
        .map_err(|e| db("target: ", e))?;
    let present: Vec<(String, String)> = sqlx::query_as(indexes)
        .bind(target_schema.as_str())
        .fetch_all(&mut target)
        .await
        .map_err(|e| db("target: ", e))?;
    // pg_get_indexdef qualifies the table as `schema.table`, the schema quoted only when it
    // must be; both spellings are replaced.
    let from = [
        format!("ON {}.", source_schema.quoted()),
        format!("ON {}.", source_schema.as_str()),
        format!("ON ONLY {}.", source_schema.quoted()),
        format!("ON ONLY {}.", source_schema.as_str()),
    ];
    let mut created = 0;
    for (name, definition) in wanted {
        if present.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let mut definition = definition;
        for (i, f) in from.iter().enumerate() {
            let to = if i < 2 { "ON " } else { "ON ONLY " };
            definition = definition.replace(f, &format!("{to}{}.", target_schema.quoted()));
        }
        sqlx::raw_sql(sqlx::AssertSqlSafe(definition))
            .execute(&mut target)
            .await
            .map_err(|e| db(&format!("target: creating index {name}: "), e))?;
        created += 1;
    }
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')",
    )
    .bind(target_schema.as_str())
    .fetch_all(&mut target)
    .await
    .map_err(|e| db("target: ", e))?;
    for table in tables {
        let table = Ident::new(&table).map_err(|e| Failure(format!("target: {e}")))?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "ANALYZE {}.{}",
            target_schema.quoted(),
            table.quoted()
        )))
        .execute(&mut target)
        .await
        .map_err(|e| db("target: ", e))?;
    }
    Ok(created)
}

/// `SET search_path` to `schema` (quoted: the only name written into the statement).
async fn search_path(conn: &mut PgConnection, schema: &Ident, role: &str) -> Result<(), Failure> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "SET search_path TO {}",
        schema.quoted()
    )))
    .execute(&mut *conn)
    .await
    .map(|_| ())
    .map_err(|e| Failure(format!("{role}{}", sql_message(&e))))
}

/// The rows of a schema's tables, as the planner's statistics count them.
async fn rows(conn: &mut PgConnection, schema: &Ident, role: &str) -> Result<f64, Failure> {
    sqlx::query_scalar::<_, f64>(
        "SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::float8 FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')",
    )
    .bind(schema.as_str())
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| Failure(format!("{role}{}", sql_message(&e))))
}

async fn side(conn: &mut PgConnection, query: &NamedQuery) -> Side {
    let bound = bind(conn, query).await.map_err(|e| e.to_string())?;
    let values: Vec<String> = bound.values.iter().map(|v| v.text.clone()).collect();
    let (plan, document) = explain_with(conn, &bound.sql, &values)
        .await
        .map_err(|e| e.to_string())?;
    Ok((values, plan, Timing::of(&document)))
}

/// `0.41 / 0.38 ms`: execution times, information only (one run each).
fn time_text(production: Option<Timing>, generated: Option<Timing>) -> String {
    match (production, generated) {
        (Some(p), Some(g)) => format!("{:.2} / {:.2} ms", p.execution_ms, g.execution_ms),
        _ => "no timing".to_owned(),
    }
}

fn ratio_text(ratio: Option<f64>) -> String {
    ratio.map_or_else(|| "-".to_owned(), |r| format!("{r:.2}"))
}

fn print_query(
    args: &PlansArgs,
    query: &NamedQuery,
    production: &Side,
    generated: &Side,
    outcome: &Result<ShapeComparison, String>,
    why: &[StatDifference],
) {
    let values = |side: &Side| side.as_ref().map(|(v, _, _)| v.clone()).unwrap_or_default();
    let timing = |side: &Side| side.as_ref().ok().and_then(|(_, _, t)| *t);
    let ms = |t: Option<Timing>| t.map(|t| t.execution_ms);
    if args.json {
        let body = match outcome {
            Ok(c) => json!({
                "same_shape": c.same_shape(),
                "difference": c.difference.as_ref().map(|d| json!({
                    "path": d.path, "production": d.production, "generated": d.generated})),
                "worst_row_ratio": c.worst_ratio(),
                "worst_estimated_row_ratio": c.worst_estimated_ratio(),
                "rows": c.rows.iter().map(|r| json!({"node": r.path.last(),
                    "production": r.production, "generated": r.generated, "ratio": r.ratio,
                    "estimated_production": r.estimated_production,
                    "estimated_generated": r.estimated_generated,
                    "estimated_ratio": r.estimated_ratio}))
                    .collect::<Vec<_>>(),
                "execution_ms": {"production": ms(timing(production)),
                                 "generated": ms(timing(generated))},
                "statistics": why.iter().map(|d| json!({"table": d.table, "column": d.column,
                    "statistic": d.statistic, "production": d.production,
                    "generated": d.generated})).collect::<Vec<_>>(),
            }),
            Err(e) => json!({"error": e}),
        };
        println!(
            "{}",
            json!({"query": query.name, "production_values": values(production),
                   "generated_values": values(generated), "outcome": body})
        );
        return;
    }
    match outcome {
        Ok(c) if c.same_shape() => println!(
            "same    {}  (worst row ratio {}, estimated {}; {})",
            query.name,
            ratio_text(c.worst_ratio()),
            ratio_text(c.worst_estimated_ratio()),
            time_text(timing(production), timing(generated))
        ),
        Ok(c) => {
            let d = c.difference.as_ref();
            let at = d.map(|d| d.path.join(" > ")).unwrap_or_default();
            println!(
                "DIFFERS {}: under [{}] production has {}, generated {}  (values {:?} / {:?})",
                query.name,
                if at.is_empty() { "the root" } else { &at },
                d.and_then(|d| d.production.as_deref()).unwrap_or("nothing"),
                d.and_then(|d| d.generated.as_deref()).unwrap_or("nothing"),
                values(production),
                values(generated),
            );
            // The three largest differences of the planner's statistics there.
            for d in why.iter().take(3) {
                println!("          statistics differ: {d}");
            }
        }
        Err(e) => println!("ERROR   {}: {e}", query.name),
    }
}
