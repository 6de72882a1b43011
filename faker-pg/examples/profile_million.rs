//! How long profiling a large table takes: builds a 1 000 000-row table (an FK-like column with
//! ~20 000 distinct values following a power law, 2% nulls) in a scratch schema, profiles it the
//! way `faker-pg profile` does (server-side aggregation), prints the seconds, drops the schema.
//!
//! `cargo run --release -p faker-pg --example profile_million` (figures in BENCHMARKS.md).

use std::time::Instant;

use faker_pg::{Ident, profile_column};
use sqlx::{AssertSqlSafe, Connection, PgConnection};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
    let mut conn = PgConnection::connect(&url).await?;
    let schema = Ident::new(format!("profile_million_{}", std::process::id()))?;
    let s = schema.quoted();
    for sql in [
        format!("CREATE SCHEMA {s}"),
        format!("CREATE TABLE {s}.books (id bigserial PRIMARY KEY, author_id bigint)"),
        format!(
            "INSERT INTO {s}.books (author_id)
             SELECT CASE WHEN g % 50 = 0 THEN NULL
                         ELSE 1 + floor(20000 * power((g::bigint * 7919 % 1000003) / 1000003.0, 2))::bigint END
             FROM generate_series(1, 1000000) g"
        ),
        format!("VACUUM ANALYZE {s}.books"),
    ] {
        sqlx::query(AssertSqlSafe(sql)).execute(&mut conn).await?;
    }
    let mut times = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let profile = profile_column(
            &mut conn,
            Some(&schema),
            &Ident::new("books")?,
            &Ident::new("author_id")?,
        )
        .await?;
        times.push(started.elapsed().as_secs_f64());
        assert_eq!(profile.rows, 1_000_000);
    }
    println!(
        "profile of 1 000 000 rows: {}",
        times
            .iter()
            .map(|t| format!("{t:.3} s"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    sqlx::query(AssertSqlSafe(format!("DROP SCHEMA {s} CASCADE")))
        .execute(&mut conn)
        .await?;
    Ok(())
}
