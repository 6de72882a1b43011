//! `faker-pg`: read distributions off a PostgreSQL database, and check a generated database
//! against them.
//!
//! ```text
//! faker-pg profile --database-url URL --table T --column C [--column C2 ..] [--schema S] [--json]
//! faker-pg profile --database-url URL --schema S --all [--table T] [--json]
//! faker-pg compare --source URL --target URL [--schema S] [--target-schema S2] [--table T [--column C ..]]
//!                  [--tolerance weights=0.03,mean=5%,null=0.01,skew=10%,r2=0.9,values=0.03]
//! ```
//!
//! All statistics are computed by aggregate queries on the server (one scan per column); only
//! the results travel. Sessions are read-only (`default_transaction_read_only`).
//!
//! Exit codes: 0 success; 1 `compare` found a figure out of tolerance; 2 an error (one line on
//! stderr each: connection, unknown schema/table/column, permission, empty table, bad arguments).

use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use faker_pg::Ident;
use faker_pg::catalog::{self, PlanOptions, Subject};
use faker_pg::compare::{self, Tolerances};
use faker_pg::profile::ProfileError;
use faker_pg::report::{ColumnReport, Outcome, ReportOptions, profile_subject, seconds};
use faker_pg::suggest::Rule;
use sqlx::{Connection, PgConnection};

/// Exit code: a `compare` figure is out of tolerance.
const EXIT_DIFFERENT: u8 = 1;
/// Exit code: an error.
const EXIT_ERROR: u8 = 2;

#[derive(Parser)]
#[command(
    name = "faker-pg",
    version,
    about = "Read distributor parameters (weights, skew, mean, null_weight) off a PostgreSQL \
             database, and check a generated database against them",
    after_help = "Exit codes: 0 success; 1 compare: a figure is out of tolerance; 2 error \
                  (one line on stderr)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Profile one column (or a tuple of columns), or every foreign key and low-cardinality
    /// column of a schema, and suggest a #[distributor(..)] for each.
    Profile(ProfileArgs),
    /// Profile the same columns in two databases (or schemas) and check each figure against a
    /// tolerance; exit code 1 when any figure is out of tolerance.
    Compare(CompareArgs),
}

#[derive(Args)]
struct ProfileArgs {
    /// PostgreSQL URL, e.g. postgres://user@host:5432/db.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, value_name = "URL")]
    database_url: String,
    /// Schema of the table (default: the search_path; with --all: the current schema).
    #[arg(long, value_name = "SCHEMA", value_parser = ident)]
    schema: Option<Ident>,
    /// Table to profile (with --all: only this table's columns).
    #[arg(long, value_name = "TABLE", value_parser = ident, required_unless_present = "all")]
    table: Option<Ident>,
    /// Column to profile; repeat it for a tuple (a composite foreign key): --column tenant_id
    /// --column author_id.
    #[arg(
        long = "column",
        value_name = "COLUMN",
        value_parser = ident,
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

#[derive(Args)]
struct CompareArgs {
    /// The reference database (production), a PostgreSQL URL.
    #[arg(long, value_name = "URL")]
    source: String,
    /// The database to check (generated), a PostgreSQL URL; may equal --source.
    #[arg(long, value_name = "URL")]
    target: String,
    /// Schema to compare (default: the source's current schema).
    #[arg(long, value_name = "SCHEMA", value_parser = ident)]
    schema: Option<Ident>,
    /// Schema in the target when it differs from --schema.
    #[arg(long, value_name = "SCHEMA", value_parser = ident)]
    target_schema: Option<Ident>,
    /// Compare only this table.
    #[arg(long, value_name = "TABLE", value_parser = ident)]
    table: Option<Ident>,
    /// Compare only this column (repeat for a tuple); needs --table.
    #[arg(long = "column", value_name = "COLUMN", value_parser = ident, requires = "table")]
    columns: Vec<Ident>,
    /// Tolerances as key=value[,key=value..], repeatable: weights (absolute, default 0.03),
    /// mean (relative, 0.05), null (absolute, 0.01), skew (relative, 0.10, checked when both
    /// fits have r² >= r2), r2 (0.9), values (absolute share of each value of a
    /// low-cardinality column, 0.03). A trailing % divides by 100: mean=5%.
    #[arg(long, value_name = "KEY=VALUE,..")]
    tolerance: Vec<String>,
    /// One JSON object per column, one per line, instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    common: Common,
}

#[derive(Args)]
struct Common {
    /// A column with at most this many distinct values is low-cardinality: its value list is
    /// printed (and compared).
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    max_values: u64,
    /// When listing a schema's columns: count every column's distinct values with a scan,
    /// never leave a column out on the planner's statistics (pg_stats) alone.
    #[arg(long)]
    exact_cardinality: bool,
    /// No progress lines on stderr.
    #[arg(long, short)]
    quiet: bool,
}

fn ident(name: &str) -> Result<Ident, String> {
    Ident::new(name).map_err(|err| err.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            error_line(&format!("cannot start the async runtime: {err}"));
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let code = runtime.block_on(async {
        match cli.command {
            Command::Profile(args) => profile(args).await,
            Command::Compare(args) => compare(args).await,
        }
    });
    ExitCode::from(code)
}

/// A failure already worded for the user.
struct Failure(String);

/// Prints `faker-pg: error: <message>` as one line.
fn error_line(message: &str) {
    eprintln!("faker-pg: error: {}", one_line(message));
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The server's own message for database errors, the error's text otherwise.
fn sql_message(err: &sqlx::Error) -> String {
    match err {
        sqlx::Error::Database(db) => db.message().to_owned(),
        other => other.to_string(),
    }
}

/// SQLSTATE 42501, insufficient_privilege.
fn permission_denied(err: &ProfileError) -> bool {
    matches!(err, ProfileError::Database(sqlx::Error::Database(db)) if db.code().as_deref() == Some("42501"))
}

fn profile_message(err: &ProfileError) -> String {
    match err {
        ProfileError::Database(db) => sql_message(db),
        other => other.to_string(),
    }
}

/// Connects read-only.
async fn connect(url: &str, role: &str) -> Result<PgConnection, Failure> {
    let fail = |err: sqlx::Error| {
        Failure(format!(
            "cannot connect to {role}{}: {}",
            faker_pg::redacted_url(url),
            sql_message(&err)
        ))
    };
    let mut conn = PgConnection::connect(url).await.map_err(fail)?;
    sqlx::raw_sql("SET default_transaction_read_only = on; SET application_name = 'faker-pg'")
        .execute(&mut conn)
        .await
        .map_err(fail)?;
    Ok(conn)
}

/// `--schema`, or the connection's current schema; checked to exist.
async fn resolve_schema(
    conn: &mut PgConnection,
    schema: Option<&Ident>,
    role: &str,
) -> Result<Ident, Failure> {
    let db = |err: sqlx::Error| Failure(format!("{role}{}", sql_message(&err)));
    let schema = match schema {
        Some(schema) => schema.clone(),
        None => catalog::current_schema(conn)
            .await
            .map_err(db)?
            .ok_or_else(|| {
                Failure(format!(
                    "{role}no current schema (the search_path names none that exists): give --schema"
                ))
            })?,
    };
    if !catalog::schema_exists(conn, &schema).await.map_err(db)? {
        return Err(Failure(format!(
            "{role}schema {} not found",
            schema.as_str()
        )));
    }
    Ok(schema)
}

/// The foreign key `columns` of `table` form, if the catalog has one (for labels and for which
/// figures `compare` checks).
async fn with_foreign_key(conn: &mut PgConnection, mut subject: Subject) -> Subject {
    let schema = match &subject.schema {
        Some(schema) => Some(schema.clone()),
        None => catalog::current_schema(conn).await.ok().flatten(),
    };
    if let Some(schema) = schema
        && let Ok(keys) = catalog::foreign_keys(conn, &schema).await
    {
        subject.foreign_key = keys
            .into_iter()
            .find(|(t, k)| *t == subject.table && k.columns == subject.columns)
            .map(|(_, k)| k);
    }
    subject
}

fn progress(quiet: bool, line: &str) {
    if !quiet {
        eprintln!("faker-pg: {line}");
    }
}

fn print_report(report: &ColumnReport, json: bool) {
    if json {
        println!("{}", report.to_json());
    } else {
        println!("{}", report.to_text());
    }
}

async fn profile(args: ProfileArgs) -> u8 {
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
        rule: Rule {
            min_r2: args.min_r2,
            tolerance: args.fit_tolerance,
        },
    };
    let mut conn = connect(&args.database_url, "").await?;

    if !args.all {
        let table = args
            .table
            .ok_or_else(|| Failure("--table is required without --all".to_owned()))?;
        let subject = Subject::new(args.schema, table, args.columns);
        let subject = with_foreign_key(&mut conn, subject).await;
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
    progress(
        args.common.quiet,
        &format!(
            "schema {}: {keys} foreign keys and {} candidate low-cardinality columns to profile, \
             {} columns left out by the catalog",
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
    // Tables the user may not read: reported once, their other columns left out.
    let mut denied: Vec<&Ident> = Vec::new();
    let total = subjects.len();
    for (i, subject) in subjects.into_iter().enumerate() {
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
                print_report(&report, args.json);
            }
        }
    }
    progress(
        args.common.quiet,
        &format!("done: {reported} columns reported, {errors} errors"),
    );
    conn.close().await.ok();
    Ok(if errors > 0 { EXIT_ERROR } else { 0 })
}

async fn compare(args: CompareArgs) -> u8 {
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
        rule: Rule {
            min_r2: tolerances.min_r2,
            tolerance: tolerances.weights,
        },
    };
    let (source, target) = tokio::join!(
        connect(&args.source, "the source database "),
        connect(&args.target, "the target database ")
    );
    let (mut source, mut target) = (source?, target?);
    let schema = resolve_schema(&mut source, args.schema.as_ref(), "source: ").await?;
    let target_schema = args.target_schema.clone().unwrap_or_else(|| schema.clone());
    resolve_schema(&mut target, Some(&target_schema), "target: ").await?;

    // What to compare, and whether each is a candidate (reported only when low-cardinality).
    let subjects: Vec<(Subject, bool)> = match (&args.table, args.columns.is_empty()) {
        (Some(table), false) => {
            let subject = Subject::new(Some(schema.clone()), table.clone(), args.columns.clone());
            vec![(with_foreign_key(&mut source, subject).await, false)]
        }
        (table, _) => {
            let plan = catalog::plan_schema(
                &mut source,
                &schema,
                PlanOptions {
                    max_values: options.max_values,
                    use_statistics: !args.common.exact_cardinality,
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

    let (mut compared, mut failed, mut errors) = (0usize, 0usize, 0usize);
    let total = subjects.len();
    for (i, (subject, candidate)) in subjects.into_iter().enumerate() {
        let started = Instant::now();
        let step = format!("[{}/{total}] {}", i + 1, subject.label());
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
        if args.json {
            println!(
                "{}",
                compare::to_json(subject.table.as_str(), &subject.column_label(), &figures)
            );
        } else {
            let title = match &subject.foreign_key {
                Some(key) => format!("{}  (foreign key -> {})", subject.label(), key.references()),
                None => subject.label(),
            };
            println!("{}", compare::to_text(&title, &figures));
        }
    }
    let summary = format!(
        "{compared} columns compared: {} within tolerance, {failed} out of tolerance, {errors} errors",
        compared - failed
    );
    if args.json {
        progress(args.common.quiet, &summary);
    } else {
        println!("{summary}");
    }
    source.close().await.ok();
    target.close().await.ok();
    Ok(if errors > 0 {
        EXIT_ERROR
    } else if failed > 0 {
        EXIT_DIFFERENT
    } else {
        0
    })
}
