//! The Chinook music store, generated at the size of the real sample from a domain model whose
//! parameters were read off that sample, and compared with it.
//!
//! ```text
//! scripts/chinook.py                          # loads the sample into schema `chinook`
//! cargo run --example chinook -- [--schema chinook_fake] [--source-schema chinook]
//!                                [--database-url URL] [--seed 42] [--per-aggregate] [--check]
//! ```
//!
//! It creates the schema `--schema` afresh with the sample's tables, columns and keys,
//! generates as many artists, albums, genres, media types, employees, customers, invoices,
//! tracks and invoice lines as the sample has (in `COPY` batches, or one statement per aggregate
//! with `--per-aggregate`), then profiles every reference column and the modelled column pairs
//! in both schemas and prints them side by side, with `faker-pg compare`'s verdict. With
//! `--check` the exit code is 1 when a figure is out of tolerance.

mod database;
mod domain;
mod generate;
mod report;

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use ddd_faker::provider::Faker;
use faker_pg::Ident;
use sqlx::postgres::PgPoolOptions;
use sqlx::{AssertSqlSafe, PgPool};

/// Generate the Chinook music store at the sample's size and compare it with the sample.
#[derive(Debug, Parser)]
#[command(name = "chinook")]
struct Args {
    /// PostgreSQL URL (the sample and the generated schema live in the same database);
    /// default: `$DATABASE_URL`, else postgres://postgres@127.0.0.1:5432/test.
    #[arg(long)]
    database_url: Option<String>,
    /// The schema `scripts/chinook.py` loaded the sample into.
    #[arg(long, default_value = "chinook")]
    source_schema: String,
    /// The schema to generate into (dropped and created afresh).
    #[arg(long, default_value = "chinook_fake")]
    schema: String,
    /// Seed of the random generator: the same seed gives the same dataset.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// One statement per aggregate instead of `COPY` batches.
    #[arg(long)]
    per_aggregate: bool,
    /// Exit with code 1 when a compared figure is out of tolerance.
    #[arg(long)]
    check: bool,
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) if !e.use_stderr() => {
            print!("{e}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprint!("{e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(&args)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// Generates, writes and compares; returns whether the comparison passed (always true without
/// `--check`).
async fn run(args: &Args) -> Result<bool, String> {
    let url = match &args.database_url {
        Some(url) => url.clone(),
        None => std::env::var("DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned()),
    };
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect(&url)
        .await
        .map_err(|e| format!("cannot connect to the database: {e}"))?;
    let sample = table_rows(&pool, &args.source_schema).await?;
    if sample.is_empty() {
        return Err(format!(
            "schema {} holds no Chinook sample: load it first with scripts/chinook.py --schema {}",
            args.source_schema, args.source_schema
        ));
    }

    let started = Instant::now();
    database::create_schema(&pool, &args.schema).await?;
    let mut faker = Faker::new(args.seed);
    let writer = database::attach(&mut faker, &pool, &args.schema, !args.per_aggregate).await?;
    generate::store(&mut faker)
        .await
        .map_err(|e| e.to_string())?;
    writer.finish().await?;
    let seconds = started.elapsed().as_secs_f64();

    let generated = table_rows(&pool, &args.schema).await?;
    println!(
        "generated schema {} from seed {} in {seconds:.2} s ({})",
        args.schema,
        args.seed,
        if args.per_aggregate {
            "one statement per aggregate"
        } else {
            "COPY batches"
        }
    );
    println!("{:<16} {:>10} {:>10}", "table", "production", "generated");
    for (table, rows) in &sample {
        let ours = generated
            .iter()
            .find(|(t, _)| t == table)
            .map_or(0, |(_, n)| *n);
        println!("{table:<16} {rows:>10} {ours:>10}");
    }
    println!("{}", database::PLAYLISTS_NOT_GENERATED);
    for (name, refused) in faker.refusals_by_type().filter(|(_, n)| *n > 0) {
        println!("refused by the domain and drawn again: {refused} {name}");
    }
    println!();

    let mut conn = pool
        .acquire()
        .await
        .map_err(|e| format!("cannot connect to the database: {e}"))?;
    let compared = report::compare(
        &mut conn,
        &args.source_schema,
        &args.schema,
        database::generated,
    )
    .await?;
    print!("{}", report::to_text(&compared));
    Ok(!args.check || compared.iter().all(report::Compared::passes))
}

/// `(table, rows)` of every table of `schema`, in name order (empty when there is no such
/// schema).
async fn table_rows(pool: &PgPool, schema: &str) -> Result<Vec<(String, i64)>, String> {
    let fail = |e: sqlx::Error| format!("cannot count the rows of {schema}: {e}");
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_catalog.pg_tables
         WHERE schemaname = $1 AND tablename NOT LIKE 'faker\\_%' ORDER BY tablename",
    )
    .bind(schema)
    .fetch_all(pool)
    .await
    .map_err(fail)?;
    let s = Ident::new(schema).map_err(|e| e.to_string())?.quoted();
    let mut out = Vec::with_capacity(tables.len());
    for table in tables {
        let t = Ident::new(&table).map_err(|e| e.to_string())?.quoted();
        let rows: i64 = sqlx::query_scalar(AssertSqlSafe(format!("SELECT count(*) FROM {s}.{t}")))
            .fetch_one(pool)
            .await
            .map_err(fail)?;
        out.push((table, rows));
    }
    Ok(out)
}
