//! `faker-pg scaffold`: reads a schema with the profiler and writes a cargo crate that fills a
//! database like it (see [`faker_pg::scaffold`]).

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use faker_pg::Ident;
use faker_pg::profiler::report::ReportOptions;
use faker_pg::profiler::suggest::Rule;
use faker_pg::scaffold::{
    CrateOptions, Dependency, ReadOptions, check_out_dir, files, read_schema, write_crate,
};
use sqlx::Connection;

use crate::session::{Common, EXIT_ERROR, Failure, connect, error_line, progress, resolve_schema};

#[derive(Args)]
pub(crate) struct ScaffoldArgs {
    /// PostgreSQL URL of production (read only), e.g. postgres://user@host:5432/db.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, value_name = "URL")]
    database_url: String,
    /// The schema to read (default: the current schema).
    #[arg(long, value_name = "SCHEMA")]
    schema: Option<Ident>,
    /// Only this table (repeatable); the tables it references come too.
    #[arg(long = "table", value_name = "TABLE")]
    tables: Vec<Ident>,
    /// The directory to write the crate into (must not exist, or be empty).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The crate's package name (default: the schema's name followed by `-faker`).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Depend on ddd-faker at this local path instead of by version.
    #[arg(long, value_name = "DIR")]
    ddd_faker_path: Option<PathBuf>,
    #[command(flatten)]
    common: Common,
}

pub(crate) async fn scaffold(args: ScaffoldArgs) -> u8 {
    match scaffold_inner(args).await {
        Ok(()) => 0,
        Err(Failure(message)) => {
            error_line(&message);
            EXIT_ERROR
        }
    }
}

/// A package name cargo accepts: lowercase letters, digits, `-` and `_`, not starting with a
/// digit.
fn package_name(schema: &str) -> String {
    let mut name: String = schema
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "db-");
    }
    name.push_str("-faker");
    name
}

async fn scaffold_inner(args: ScaffoldArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let dependency = match &args.ddd_faker_path {
        Some(path) => {
            let path = std::fs::canonicalize(path)
                .map_err(|e| Failure(format!("--ddd-faker-path {}: {e}", path.display())))?;
            if !path.join("Cargo.toml").is_file() {
                return Err(Failure(format!(
                    "--ddd-faker-path {}: no Cargo.toml there",
                    path.display()
                )));
            }
            Dependency::Path(path)
        }
        None => Dependency::Version(env!("CARGO_PKG_VERSION").to_owned()),
    };
    // Before reading the schema, which may take long.
    check_out_dir(&args.out).map_err(|e| Failure(e.to_string()))?;
    let mut conn = connect(&args.database_url, "", args.common.statement_timeout).await?;
    let schema = resolve_schema(&mut conn, args.schema.as_ref(), "").await?;
    let options = ReadOptions {
        tables: args.tables.clone(),
        min_inclusion: args.common.min_inclusion(),
        report: ReportOptions {
            max_values: args.common.max_values,
            buckets: usize::try_from(args.common.buckets).unwrap_or(usize::MAX),
            rule: Rule::default(),
            sample_rows: args.common.sample,
        },
    };
    let quiet = args.common.quiet;
    let model = read_schema(&mut conn, &schema, &options, &mut |line| {
        progress(quiet, line)
    })
    .await
    .map_err(|e| Failure(format!("schema {}: {e}", schema.as_str())))?;
    conn.close().await.ok();
    for note in &model.notes {
        progress(quiet, &format!("note: {note}"));
    }
    let crate_options = CrateOptions {
        name: args
            .name
            .clone()
            .unwrap_or_else(|| package_name(schema.as_str())),
        dependency,
    };
    let written = files(&model, &crate_options);
    write_crate(&args.out, &written).map_err(|e| Failure(e.to_string()))?;
    let rows: u64 = model.tables.iter().map(|t| t.rows).sum();
    progress(
        quiet,
        &format!(
            "wrote crate {} into {} ({} tables, {rows} rows in production) in {:.2} s; fill a \
             database with: cd {} && cargo run --release -- --database-url URL",
            crate_options.name,
            args.out.display(),
            model.tables.len(),
            started.elapsed().as_secs_f64(),
            args.out.display()
        ),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::package_name;

    #[test]
    fn package_names_are_what_cargo_accepts() {
        assert_eq!(package_name("chinook"), "chinook-faker");
        assert_eq!(package_name("Sales_2024"), "sales-2024-faker");
        assert_eq!(package_name("2024"), "db-2024-faker");
    }
}
