//! `faker-pg compare`: the same columns profiled in two databases (or schemas), each figure
//! checked against a tolerance.

use std::time::Instant;

use clap::Args;
use faker_pg::Ident;
use faker_pg::profiler::catalog::{self, ForeignKey, PlanOptions, Subject};
use faker_pg::profiler::compare::{self, Figure, Tolerances};
use faker_pg::profiler::relations;
use faker_pg::profiler::report::{Outcome, ReportOptions, profile_subject, seconds};
use faker_pg::profiler::suggest::Rule;
use sqlx::Connection;

use crate::session::{
    Common, EXIT_DIFFERENT, EXIT_ERROR, Failure, connect, error_line, profile_message, progress,
    resolve_schema, sql_message, with_foreign_key,
};

#[derive(Args)]
pub(crate) struct CompareArgs {
    /// The reference database (production), a PostgreSQL URL.
    #[arg(long, value_name = "URL")]
    source: String,
    /// The database to check (generated), a PostgreSQL URL; may equal --source.
    #[arg(long, value_name = "URL")]
    target: String,
    /// Schema to compare (default: the source's current schema).
    #[arg(long, value_name = "SCHEMA")]
    schema: Option<Ident>,
    /// Schema in the target when it differs from --schema.
    #[arg(long, value_name = "SCHEMA")]
    target_schema: Option<Ident>,
    /// Compare only this table.
    #[arg(long, value_name = "TABLE")]
    table: Option<Ident>,
    /// Compare only this column (repeat for a tuple); needs --table.
    #[arg(long = "column", value_name = "COLUMN", requires = "table")]
    columns: Vec<Ident>,
    /// Tolerances as key=value[,key=value..], repeatable: weights (absolute, default 0.03),
    /// mean (relative, 0.05), null (absolute, 0.01), skew (relative, 0.10, checked when both
    /// fits have r² >= r2), r2 (0.9), values (absolute share of each value of a
    /// low-cardinality column, 0.03), quantiles (absolute share of each histogram bucket of a
    /// numeric, date or timestamp column, 0.01), pairs (relative, distinct pairs of two
    /// references of a table, 0.05), degree (absolute, their functional-dependency degrees,
    /// 0.05). A trailing % divides by 100: mean=5%.
    #[arg(long, value_name = "KEY=VALUE,..")]
    tolerance: Vec<String>,
    /// One JSON object per column, one per line, instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    common: Common,
}

pub(crate) async fn compare(args: CompareArgs) -> u8 {
    match compare_inner(args).await {
        Ok(code) => code,
        Err(Failure(message)) => {
            error_line(&message);
            EXIT_ERROR
        }
    }
}

async fn compare_inner(args: CompareArgs) -> Result<u8, Failure> {
    let mut tolerances = Tolerances::default();
    for spec in &args.tolerance {
        tolerances
            .set(spec)
            .map_err(|err| Failure(format!("--tolerance {err}")))?;
    }
    let options = ReportOptions {
        max_values: args.common.max_values,
        buckets: usize::try_from(args.common.buckets).unwrap_or(usize::MAX),
        rule: Rule {
            min_r2: tolerances.min_r2,
            tolerance: tolerances.weights,
        },
        sample_rows: args.common.sample,
    };
    let (source, target) = tokio::join!(
        connect(
            &args.source,
            "the source database ",
            args.common.statement_timeout
        ),
        connect(
            &args.target,
            "the target database ",
            args.common.statement_timeout
        )
    );
    let (mut source, mut target) = (source?, target?);
    let schema = resolve_schema(&mut source, args.schema.as_ref(), "source: ").await?;
    let target_schema = args.target_schema.clone().unwrap_or_else(|| schema.clone());
    resolve_schema(&mut target, Some(&target_schema), "target: ").await?;

    // What to compare, and whether each is a candidate (reported only when low-cardinality).
    let subjects: Vec<(Subject, bool)> = match (&args.table, args.columns.is_empty()) {
        (Some(table), false) => {
            let subject = Subject::new(Some(schema.clone()), table.clone(), args.columns.clone());
            vec![(
                with_foreign_key(&mut source, subject, "source: ").await?,
                false,
            )]
        }
        (table, _) => {
            let plan = catalog::plan_schema(
                &mut source,
                &schema,
                PlanOptions {
                    max_values: options.max_values,
                    use_statistics: !args.common.exact_cardinality,
                    min_inclusion: args.common.min_inclusion(),
                },
            )
            .await
            .map_err(|err| {
                Failure(format!(
                    "source: reading the catalog: {}",
                    sql_message(&err)
                ))
            })?;
            plan.subjects
                .into_iter()
                .filter(|s| table.as_ref().is_none_or(|t| *t == s.table))
                .map(|s| {
                    let candidate = s.foreign_key.is_none();
                    (s, candidate)
                })
                .collect()
        }
    };
    if subjects.is_empty() {
        return Err(Failure(format!(
            "source: nothing to compare in schema {}{}",
            schema.as_str(),
            args.table
                .as_ref()
                .map(|t| format!(", table {}", t.as_str()))
                .unwrap_or_default()
        )));
    }

    // Over a whole schema, a column the target does not have is skipped, not an error: a
    // generated database often models part of production. A column named on the command line
    // is compared, and reported as an error when the target lacks it.
    let whole_schema = args.columns.is_empty();
    let target_columns = if whole_schema {
        Some(
            catalog::columns(&mut target, &target_schema)
                .await
                .map_err(|err| {
                    Failure(format!(
                        "target: reading the catalog: {}",
                        sql_message(&err)
                    ))
                })?,
        )
    } else {
        None
    };
    let (mut compared, mut failed, mut errors) = (0usize, 0usize, 0usize);
    let mut skipped: Vec<String> = Vec::new();
    let total = subjects.len();
    // The references compared, per table: their relations are compared after the columns.
    let mut references: Vec<(Ident, ForeignKey)> = Vec::new();
    // Low-cardinality value columns compared (no reference), for reference × value relations.
    let mut value_columns: Vec<(Ident, Ident)> = Vec::new();
    for (i, (subject, candidate)) in subjects.into_iter().enumerate() {
        let started = Instant::now();
        let step = format!("[{}/{total}] {}", i + 1, subject.label());
        if let Some(present) = &target_columns {
            let table = subject.table.as_str();
            let missing = subject
                .columns
                .iter()
                .any(|c| !present.contains(&(table.to_owned(), c.as_str().to_owned())));
            if missing {
                progress(
                    args.common.quiet,
                    &format!("{step}: not in the target, skipped"),
                );
                skipped.push(subject.label());
                continue;
            }
        }
        let mut on_target = subject.clone();
        on_target.schema = Some(target_schema.clone());
        // A candidate is only compared when the source finds it low-cardinality: ask the source
        // first. Anything else runs on both servers at once.
        let (source_outcome, target_outcome) = if candidate {
            let s = profile_subject(&mut source, &subject, true, &options).await;
            match s {
                Ok(Outcome::Report(_)) => {
                    let t = profile_subject(&mut target, &on_target, false, &options).await;
                    (s, t)
                }
                other => (other, Ok(Outcome::HighCardinality { distinct: 0 })),
            }
        } else {
            tokio::join!(
                profile_subject(&mut source, &subject, false, &options),
                profile_subject(&mut target, &on_target, false, &options)
            )
        };
        let source_report = match source_outcome {
            Err(err) => {
                errors += 1;
                error_line(&format!(
                    "source: {}: {}",
                    subject.label(),
                    profile_message(&err)
                ));
                continue;
            }
            Ok(Outcome::HighCardinality { distinct }) => {
                progress(
                    args.common.quiet,
                    &format!(
                        "{step}: {distinct} distinct values (> {}), not low-cardinality, {}",
                        options.max_values,
                        seconds(started.elapsed())
                    ),
                );
                continue;
            }
            Ok(Outcome::Report(report)) => report,
        };
        if source_report.profile.rows == 0 {
            progress(
                args.common.quiet,
                &format!("{step}: source table is empty, skipped"),
            );
            continue;
        }
        let target_report = match target_outcome {
            Err(err) => {
                errors += 1;
                error_line(&format!(
                    "target: {}: {}",
                    on_target.label(),
                    profile_message(&err)
                ));
                continue;
            }
            Ok(Outcome::HighCardinality { .. }) => continue,
            Ok(Outcome::Report(report)) => report,
        };
        // A histogram column: the target's values counted in the source's buckets.
        let mut target_report = target_report;
        let measured =
            compare::measure_against(&mut target, &on_target, &source_report, &mut target_report)
                .await;
        if let Err(err) = measured {
            errors += 1;
            error_line(&format!(
                "target: {}: {}",
                on_target.label(),
                profile_message(&err)
            ));
            continue;
        }
        let figures = compare::compare_reports(&source_report, &target_report, &tolerances);
        let bad = compare::failed(&figures);
        compared += 1;
        failed += usize::from(bad);
        progress(
            args.common.quiet,
            &format!(
                "{step}: {}, {}",
                if bad { "FAIL" } else { "ok" },
                seconds(started.elapsed())
            ),
        );
        let title = match &subject.foreign_key {
            Some(key) if key.inferred.is_none() => {
                format!("{}  (foreign key -> {})", subject.label(), key.references())
            }
            Some(key) => format!("{}  ({})", subject.label(), key.describe()),
            None => subject.label(),
        };
        let column = subject.column_label();
        print_figures(args.json, subject.table.as_str(), &column, &title, &figures);
        if let Some(key) = subject
            .foreign_key
            .as_ref()
            .filter(|k| k.columns.len() == 1)
        {
            references.push((subject.table.clone(), key.clone()));
        }
        if source_report.values.is_some()
            && subject.foreign_key.is_none()
            && let [column] = subject.columns.as_slice()
        {
            value_columns.push((subject.table.clone(), column.clone()));
        }
    }
    // Relations between the references of each table, and of each reference with each value
    // column of its table (over a whole schema only).
    let (mut related, mut related_failed) = (0usize, 0usize);
    let keys: Vec<(&Ident, &ForeignKey)> = references
        .iter()
        .filter(|_| whole_schema)
        .map(|(t, k)| (t, k))
        .collect();
    for (table, a, b) in relations::pairs_with_values(&keys, &value_columns) {
        let pair = format!("({}, {})", a.columns[0].as_str(), b.column().as_str());
        let label = format!("{}.{}.{pair}", schema.as_str(), table.as_str());
        let (measured_source, measured_target) = tokio::join!(
            relations::measure(&mut source, Some(&schema), table, a, b),
            relations::measure(&mut target, Some(&target_schema), table, a, b)
        );
        let (on_source, on_target) = match (measured_source, measured_target) {
            (Ok(s), Ok(t)) => (s, t),
            (Err(err), _) | (_, Err(err)) => {
                errors += 1;
                error_line(&format!("{label}: relation: {}", sql_message(&err)));
                continue;
            }
        };
        let figures = compare::compare_relations(&on_source, &on_target, &tolerances);
        let bad = compare::failed(&figures);
        related += 1;
        related_failed += usize::from(bad);
        progress(
            args.common.quiet,
            &format!("relation {label}: {}", if bad { "FAIL" } else { "ok" }),
        );
        let title = format!("{label}  (relation)");
        print_figures(args.json, table.as_str(), &pair, &title, &figures);
    }
    let mut summary = format!(
        "{compared} columns compared: {} within tolerance, {failed} out of tolerance, {} not in \
         the target (skipped), {errors} errors",
        compared - failed,
        skipped.len()
    );
    if related > 0 {
        summary.push_str(&format!(
            "; {related} relations compared (between references, and of a reference with a \
             low-cardinality column): {} within tolerance, {related_failed} out of tolerance",
            related - related_failed
        ));
    }
    if !skipped.is_empty() && !args.json {
        println!("not in the target, skipped: {}", skipped.join(", "));
    }
    if args.json {
        progress(args.common.quiet, &summary);
    } else {
        println!("{summary}");
    }
    source.close().await.ok();
    target.close().await.ok();
    Ok(if errors > 0 {
        EXIT_ERROR
    } else if failed + related_failed > 0 {
        EXIT_DIFFERENT
    } else {
        0
    })
}

/// One compared subject's figures on stdout: a JSON object (`table`, `column`) or the text
/// table under `title`.
fn print_figures(json: bool, table: &str, column: &str, title: &str, figures: &[Figure]) {
    if json {
        println!("{}", compare::to_json(table, column, figures));
    } else {
        println!("{}", compare::to_text(title, figures));
    }
}
