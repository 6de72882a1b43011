//! `faker-pg profile`: one column (or tuple), or every foreign key and low-cardinality column of
//! a schema, profiled and reported with the suggested `#[distributor(..)]`.

use std::time::Instant;

use clap::Args;
use faker_pg::Ident;
use faker_pg::profiler::catalog::{self, ForeignKey, PlanOptions, Subject};
use faker_pg::profiler::relations;
use faker_pg::profiler::report::{ColumnReport, Outcome, ReportOptions, profile_subject, seconds};
use faker_pg::profiler::suggest::Rule;
use sqlx::Connection;

use crate::session::{
    Common, EXIT_ERROR, Failure, connect, error_line, permission_denied, profile_message, progress,
    resolve_schema, sql_message, with_foreign_key,
};

#[derive(Args)]
pub(crate) struct ProfileArgs {
    /// PostgreSQL URL, e.g. postgres://user@host:5432/db.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, value_name = "URL")]
    database_url: String,
    /// Schema of the table (default: the search_path; with --all: the current schema).
    #[arg(long, value_name = "SCHEMA")]
    schema: Option<Ident>,
    /// Table to profile (with --all: only this table's columns).
    #[arg(long, value_name = "TABLE", required_unless_present = "all")]
    table: Option<Ident>,
    /// Column to profile; repeat it for a tuple (a composite foreign key): --column tenant_id
    /// --column author_id.
    #[arg(
        long = "column",
        value_name = "COLUMN",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    columns: Vec<Ident>,
    /// Profile every foreign key (single and composite) and every low-cardinality column of
    /// every table of the schema.
    #[arg(long)]
    all: bool,
    /// One JSON object per column, one per line, instead of text.
    #[arg(long)]
    json: bool,
    /// Least r² of the log-log fit for the suggestion to use skew.
    #[arg(long, value_name = "R2", default_value_t = Rule::default().min_r2)]
    min_r2: f64,
    /// Largest difference between a quartile weight the skew fit predicts and the measured
    /// one for the suggestion to use skew.
    #[arg(long, value_name = "ABS", default_value_t = Rule::default().tolerance)]
    fit_tolerance: f64,
    #[command(flatten)]
    common: Common,
}

fn print_report(report: &ColumnReport, json: bool) {
    if json {
        println!("{}", report.to_json());
    } else {
        println!("{}", report.to_text());
    }
}

pub(crate) async fn profile(args: ProfileArgs) -> u8 {
    match profile_inner(args).await {
        Ok(code) => code,
        Err(Failure(message)) => {
            error_line(&message);
            EXIT_ERROR
        }
    }
}

async fn profile_inner(args: ProfileArgs) -> Result<u8, Failure> {
    let options = ReportOptions {
        max_values: args.common.max_values,
        buckets: usize::try_from(args.common.buckets).unwrap_or(usize::MAX),
        rule: Rule {
            min_r2: args.min_r2,
            tolerance: args.fit_tolerance,
        },
        sample_rows: args.common.sample,
    };
    let mut conn = connect(&args.database_url, "", args.common.statement_timeout).await?;

    if !args.all {
        let table = args
            .table
            .ok_or_else(|| Failure("--table is required without --all".to_owned()))?;
        let subject = Subject::new(args.schema, table, args.columns);
        let subject = with_foreign_key(&mut conn, subject, "").await?;
        let outcome = profile_subject(&mut conn, &subject, false, &options)
            .await
            .map_err(|err| Failure(format!("{}: {}", subject.label(), profile_message(&err))))?;
        let Outcome::Report(report) = outcome else {
            return Err(Failure(format!("{}: not profiled", subject.label())));
        };
        if report.profile.rows == 0 {
            return Err(Failure(format!(
                "table {} is empty: nothing to profile",
                subject.table_label()
            )));
        }
        print_report(&report, args.json);
        conn.close().await.ok();
        return Ok(0);
    }

    let schema = resolve_schema(&mut conn, args.schema.as_ref(), "").await?;
    let plan = catalog::plan_schema(
        &mut conn,
        &schema,
        PlanOptions {
            max_values: options.max_values,
            use_statistics: !args.common.exact_cardinality,
            min_inclusion: args.common.min_inclusion(),
        },
    )
    .await
    .map_err(|err| Failure(format!("reading the catalog: {}", sql_message(&err))))?;
    let in_table = |table: &Ident| args.table.as_ref().is_none_or(|t| t == table);
    let subjects: Vec<&Subject> = plan
        .subjects
        .iter()
        .filter(|s| in_table(&s.table))
        .collect();
    let skipped: Vec<_> = plan.skipped.iter().filter(|s| in_table(&s.table)).collect();
    if let Some(table) = &args.table
        && subjects.is_empty()
        && skipped.is_empty()
    {
        return Err(Failure(format!(
            "table {}.{} not found",
            schema.as_str(),
            table.as_str()
        )));
    }
    let keys = subjects.iter().filter(|s| s.foreign_key.is_some()).count();
    let inferred = subjects
        .iter()
        .filter(|s| s.foreign_key.as_ref().is_some_and(|k| k.inferred.is_some()))
        .count();
    progress(
        args.common.quiet,
        &format!(
            "schema {}: {keys} foreign keys ({inferred} of them found in the data) and {} \
             candidate low-cardinality columns to profile, {} columns left out by the catalog",
            schema.as_str(),
            subjects.len() - keys,
            skipped.len()
        ),
    );
    for skipped in &skipped {
        progress(
            args.common.quiet,
            &format!("left out {}: {}", skipped.label, skipped.reason),
        );
    }

    let (mut reported, mut errors) = (0usize, 0usize);
    // Low-cardinality value columns (no reference), for the reference × value relations.
    let mut value_columns: Vec<(Ident, Ident)> = Vec::new();
    // Tables the user may not read: reported once, their other columns left out.
    let mut denied: Vec<&Ident> = Vec::new();
    let total = subjects.len();
    for (i, &subject) in subjects.iter().enumerate() {
        let started = Instant::now();
        let candidate = subject.foreign_key.is_none();
        let step = format!("[{}/{total}] {}", i + 1, subject.label());
        if denied.contains(&&subject.table) {
            progress(
                args.common.quiet,
                &format!("{step}: no permission on the table, skipped"),
            );
            continue;
        }
        match profile_subject(&mut conn, subject, candidate, &options).await {
            Err(err) => {
                errors += 1;
                if permission_denied(&err) {
                    denied.push(&subject.table);
                }
                error_line(&format!("{}: {}", subject.label(), profile_message(&err)));
            }
            Ok(Outcome::HighCardinality { distinct }) => progress(
                args.common.quiet,
                &format!(
                    "{step}: {distinct} distinct values (> {}), not low-cardinality, {}",
                    options.max_values,
                    seconds(started.elapsed())
                ),
            ),
            Ok(Outcome::Report(report)) if report.profile.rows == 0 => progress(
                args.common.quiet,
                &format!("{step}: table is empty, skipped"),
            ),
            Ok(Outcome::Report(report)) => {
                reported += 1;
                progress(
                    args.common.quiet,
                    &format!(
                        "{step}: {} rows, {} distinct, {}",
                        report.profile.rows,
                        report.profile.distinct,
                        seconds(started.elapsed())
                    ),
                );
                if report.values.is_some()
                    && report.subject.foreign_key.is_none()
                    && let [column] = report.subject.columns.as_slice()
                {
                    value_columns.push((report.subject.table.clone(), column.clone()));
                }
                print_report(&report, args.json);
            }
        }
    }
    // The relations between each table's references, and of each reference with each value
    // column of its table, measured after the columns.
    let mut relations = 0usize;
    let keys: Vec<(&Ident, &ForeignKey)> = subjects
        .iter()
        .filter(|s| !denied.contains(&&s.table))
        .filter_map(|s| Some((&s.table, s.foreign_key.as_ref()?)))
        .collect();
    for (table, a, b) in relations::pairs_with_values(&keys, &value_columns) {
        match relations::measure(&mut conn, Some(&schema), table, a, b).await {
            Ok(relation) => {
                relations += 1;
                if args.json {
                    println!("{}", relation.to_json());
                } else {
                    println!("{}\n", relation.to_text());
                }
            }
            Err(err) => {
                errors += 1;
                error_line(&format!(
                    "{}.{}: relation of {} and {}: {}",
                    schema.as_str(),
                    table.as_str(),
                    a.columns[0].as_str(),
                    b.column().as_str(),
                    sql_message(&err)
                ));
            }
        }
    }
    progress(
        args.common.quiet,
        &format!(
            "done: {reported} columns reported, {relations} relations (between references, and \
             of a reference with a low-cardinality column), {errors} errors"
        ),
    );
    conn.close().await.ok();
    Ok(if errors > 0 { EXIT_ERROR } else { 0 })
}
