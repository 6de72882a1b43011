//! What both commands share: their common options, read-only sessions, the schema to work in,
//! the foreign key a subject forms, and how failures and progress reach stderr.

use clap::Args;
use faker_pg::profiler::catalog::{self, Subject};
use faker_pg::{Ident, ProfileError};
use sqlx::{Connection, PgConnection};

/// Exit code: a `compare` figure is out of tolerance.
pub(crate) const EXIT_DIFFERENT: u8 = 1;
/// Exit code: an error.
pub(crate) const EXIT_ERROR: u8 = 2;

#[derive(Args)]
pub(crate) struct Common {
    /// A column with at most this many distinct values is low-cardinality: its value list is
    /// printed (and compared).
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) max_values: u64,
    /// When listing a schema's columns: count every column's distinct values with a scan,
    /// never leave a column out on the planner's statistics (pg_stats) alone.
    #[arg(long)]
    pub(crate) exact_cardinality: bool,
    /// Buckets of the histogram read for a numeric, date or timestamp column that is not
    /// low-cardinality (exact quantiles, percentile_disc at 0, 1/N, .., 1); compare measures
    /// the target against the source's bounds.
    #[arg(long, value_name = "N", default_value_t = faker_pg::profiler::histogram::DEFAULT_BUCKETS as u64,
          value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub(crate) buckets: u64,
    /// When listing a schema's columns: treat as a reference (profiled and compared like a
    /// foreign key) a column whose non-null values are at least this share of the values of a
    /// unique column of the schema (an integer column only when its name points there, e.g.
    /// `artist_id` for `artists.id`); the dangling rest is reported.
    #[arg(long, value_name = "SHARE", default_value_t = faker_pg::profiler::inferred::DEFAULT_MIN_INCLUSION,
          value_parser = share)]
    pub(crate) min_inclusion: f64,
    /// When listing a schema's columns: declared foreign keys only, no references found in
    /// the data.
    #[arg(long)]
    pub(crate) declared_keys_only: bool,
    /// Cancel any statement of the profiler that runs longer than this many seconds (0: no
    /// limit), so that a profile never holds a production server for long.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub(crate) statement_timeout: u64,
    /// Profile a reference (or a column named with --column) of a table the planner estimates
    /// above ROWS rows from a sample of about ROWS rows (TABLESAMPLE SYSTEM, whole pages;
    /// distinct values estimated as ANALYZE does): seconds instead of a full scan, at the cost
    /// of accuracy when the column's values are clustered on disk. Default: every row.
    #[arg(long, value_name = "ROWS", value_parser = clap::value_parser!(u64).range(1000..))]
    pub(crate) sample: Option<u64>,
    /// No progress lines on stderr.
    #[arg(long, short)]
    pub(crate) quiet: bool,
}

impl Common {
    /// The inclusion share above which a column is a reference, unless only declared keys count.
    pub(crate) fn min_inclusion(&self) -> Option<f64> {
        (!self.declared_keys_only).then_some(self.min_inclusion)
    }
}

/// A share in `(0, 1]`.
fn share(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(x) if x > 0.0 && x <= 1.0 => Ok(x),
        _ => Err(format!("`{text}` is not a share in (0, 1]")),
    }
}

/// A failure already worded for the user.
pub(crate) struct Failure(pub(crate) String);

/// Prints `faker-pg: error: <message>` as one line.
pub(crate) fn error_line(message: &str) {
    eprintln!("faker-pg: error: {}", one_line(message));
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The server's own message for database errors, the error's text otherwise.
pub(crate) fn sql_message(err: &sqlx::Error) -> String {
    match err {
        sqlx::Error::Database(db) => db.message().to_owned(),
        other => other.to_string(),
    }
}

/// SQLSTATE 42501, insufficient_privilege.
pub(crate) fn permission_denied(err: &ProfileError) -> bool {
    matches!(err, ProfileError::Database(sqlx::Error::Database(db)) if db.code().as_deref() == Some("42501"))
}

pub(crate) fn profile_message(err: &ProfileError) -> String {
    match err {
        ProfileError::Database(db) => sql_message(db),
        other => other.to_string(),
    }
}

/// Connects read-only (every transaction of the session is read-only, so nothing the profiler
/// runs can write), with a statement timeout of `timeout_seconds` (0: none). TLS follows the
/// URL's `sslmode` (`require`, `verify-ca`, `verify-full`; `sslrootcert=` for a private CA).
pub(crate) async fn connect(
    url: &str,
    role: &str,
    timeout_seconds: u64,
) -> Result<PgConnection, Failure> {
    let fail = |err: sqlx::Error| {
        Failure(format!(
            "cannot connect to {role}{}: {}",
            faker_pg::redacted_url(url),
            sql_message(&err)
        ))
    };
    let mut conn = PgConnection::connect(url).await.map_err(fail)?;
    // A number formatted by us: no user text reaches the statement.
    let settings = format!(
        "SET default_transaction_read_only = on; SET application_name = 'faker-pg'; \
         SET statement_timeout = '{timeout_seconds}s'"
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(settings))
        .execute(&mut conn)
        .await
        .map_err(fail)?;
    Ok(conn)
}

/// `--schema`, or the connection's current schema; checked to exist.
pub(crate) async fn resolve_schema(
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

/// `subject` with the foreign key its columns form, if the catalog has one: the key decides
/// which figures `compare` checks (a key's distribution, not its values) and labels the report.
///
/// A failed lookup is an error (exit code 2, one line naming the subject), never read as "no
/// key": that would silently check a foreign key value by value, against ids that differ between
/// databases.
pub(crate) async fn with_foreign_key(
    conn: &mut PgConnection,
    mut subject: Subject,
    role: &str,
) -> Result<Subject, Failure> {
    subject.foreign_key = catalog::foreign_key_of(conn, &subject)
        .await
        .map_err(|err| {
            Failure(format!(
                "{role}{}: looking up its foreign key in the catalog: {}",
                subject.label(),
                sql_message(&err)
            ))
        })?;
    Ok(subject)
}

pub(crate) fn progress(quiet: bool, line: &str) {
    if !quiet {
        eprintln!("faker-pg: {line}");
    }
}
