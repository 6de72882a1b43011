//! Draws per second from a pool shared in PostgreSQL (`faker_pg::coordination::pools`), per law, on pools of
//! 10^3 and 10^6 values, against the Python original's way measured in the same run.
//!
//! * **indexed**: the law picks a position, one primary-key lookup reads it
//!   ([`PgSharedPool::value_at`]) — one round trip per draw, whatever the pool size;
//! * **original** (baseline): what the original's `PgSkewDistributor` does per draw, `COUNT(*)`
//!   of the pool then `ORDER BY position OFFSET pos LIMIT 1` — a scan, O(pool size);
//! * **replica**: what the Faker does — catch up once (one index range scan), then draw in
//!   memory with the same law; reported as the catch-up rate and the in-memory draw rate.
//!
//! ```text
//! cargo run --release -p faker-pg --example shared_draws
//! ```
//!
//! `DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`); a fresh schema, dropped at
//! the end.

#[path = "../../examples/bookstore/domain.rs"]
#[allow(dead_code)]
mod domain;

use std::error::Error;
use std::time::{Duration, Instant};

use faker_core::repository::SharedPool;
use faker_core::rng::seeded;
use faker_core::{Law, Skew, Weights};
use faker_pg::coordination::PgShare;
use faker_pg::write::Mirror;
use sqlx::postgres::PgPoolOptions;
use sqlx::{AssertSqlSafe, PgPool};

use domain::Tenant;

/// How long each measurement draws (at least one draw).
const BUDGET: Duration = Duration::from_secs(2);

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
    let pool = PgPoolOptions::new()
        .max_connections(3)
        .connect(&url)
        .await?;
    let schema = format!("shared_draws_{}", std::process::id());
    sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&pool)
        .await?;
    let result = run(&pool, &schema).await;
    sqlx::query(AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&pool)
        .await?;
    result
}

async fn run(pool: &PgPool, schema: &str) -> Result<(), Box<dyn Error>> {
    let share = PgShare::join(pool.clone(), Some(schema)).await?;
    let mirror = Mirror::new(Some(schema), "tenants")?;
    let mut conn = pool.acquire().await?;
    mirror.create(&mut conn).await?;
    drop(conn);
    let laws = [
        ("uniform", Law::Uniform),
        ("skew 2", Law::from(Skew::new(2.0)?)),
        (
            "weights [0.7,0.2,0.07,0.03]",
            Law::from(Weights::new(vec![0.7, 0.2, 0.07, 0.03])?),
        ),
    ];
    println!(
        "| pool | law | indexed draws/s | original draws/s | indexed / original | replica catch-up values/s | replica draws/s |"
    );
    println!("|---|---|---|---|---|---|---|");
    for n in [1_000u64, 1_000_000] {
        let name = format!("tenants_{n}");
        share.publication(&name).await?;
        fill(pool, schema, &mirror, &name, n).await?;
        let mut shared = share.pool::<Tenant>(&name, mirror.name()).await?;
        assert_eq!(shared.size().await?, n);
        // The replica: one catch-up of the whole log, then in-memory draws.
        let started = Instant::now();
        let replica = shared.catch_up().await?;
        let catch_up = replica.len() as f64 / started.elapsed().as_secs_f64();
        let ids: Vec<_> = replica
            .iter()
            .map(faker_core::provider::Provider::id)
            .collect();
        let shared_ref = &shared;
        let name_ref = name.as_str();
        for (label, law) in &laws {
            let mut rng = seeded(7);
            let indexed = rate(|| {
                let position = law.pick(n as usize, &mut rng) as u64;
                async move { shared_ref.value_at(position).await.map(|v| v.is_some()) }
            })
            .await?;
            let mut rng = seeded(7);
            let original = rate(|| {
                let position = law.pick(n as usize, &mut rng) as i64;
                original_draw(pool, schema, name_ref, position)
            })
            .await?;
            let mut rng = seeded(7);
            let started = Instant::now();
            let mut draws = 0u64;
            let mut sum = 0i64;
            while started.elapsed() < Duration::from_millis(200) {
                for _ in 0..10_000 {
                    sum = sum.wrapping_add(ids[law.pick(ids.len(), &mut rng)].0);
                }
                draws += 10_000;
            }
            std::hint::black_box(sum);
            let in_memory = draws as f64 / started.elapsed().as_secs_f64();
            println!(
                "| {n} | {label} | {indexed:.0} | {original:.0} | {:.1} | {catch_up:.0} | {in_memory:.0} |",
                indexed / original
            );
        }
    }
    Ok(())
}

/// Draws per second of `draw` (each returns whether it found a value), over [`BUDGET`].
async fn rate<F, Fut, E>(mut draw: F) -> Result<f64, E>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool, E>>,
{
    let started = Instant::now();
    let mut draws = 0u64;
    loop {
        let found = draw().await?;
        assert!(found, "every position below the size holds a value");
        draws += 1;
        if started.elapsed() >= BUDGET {
            return Ok(draws as f64 / started.elapsed().as_secs_f64());
        }
    }
}

/// The original's draw: count the pool, then skip to the position.
async fn original_draw(
    pool: &PgPool,
    schema: &str,
    name: &str,
    position: i64,
) -> Result<bool, sqlx::Error> {
    let count: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT count(*) FROM {schema}.faker_pool WHERE pool = $1"
    )))
    .bind(name)
    .fetch_one(pool)
    .await?;
    let position = position.min(count - 1);
    let id: Option<sqlx::types::Json<serde_json::Value>> = sqlx::query_scalar(AssertSqlSafe(
        format!(
            "SELECT value_id FROM {schema}.faker_pool WHERE pool = $1 ORDER BY position OFFSET $2 LIMIT 1"
        ),
    ))
    .bind(name)
    .bind(position)
    .fetch_optional(pool)
    .await?;
    Ok(id.is_some())
}

/// A pool of `n` tenants published in the log (mirror rows and log rows written by SQL).
async fn fill(
    pool: &PgPool,
    schema: &str,
    mirror: &Mirror,
    name: &str,
    n: u64,
) -> Result<(), sqlx::Error> {
    let offset = if n == 1_000 { 0 } else { 1_000 };
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    let mut tx = pool.begin().await?;
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO {m} (value_id, value)
         SELECT to_jsonb(i), jsonb_build_object('id', i, 'name', 'Tenant ' || i)
         FROM generate_series($1 + 1, $1 + $2) AS i",
        m = mirror.name()
    )))
    .bind(offset)
    .bind(n)
    .execute(&mut *tx)
    .await?;
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO {schema}.faker_pool (pool, position, value_id)
         SELECT $3, i - 1, to_jsonb($1 + i) FROM generate_series(1, $2) AS i"
    )))
    .bind(offset)
    .bind(n)
    .bind(name)
    .execute(&mut *tx)
    .await?;
    sqlx::query(AssertSqlSafe(format!(
        "UPDATE {schema}.faker_pool_size SET size = $2 WHERE pool = $1"
    )))
    .bind(name)
    .bind(n)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    sqlx::query(AssertSqlSafe(format!("ANALYZE {schema}.faker_pool")))
        .execute(pool)
        .await?;
    Ok(())
}
