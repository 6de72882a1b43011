//! The Chinook example on the real sample: `scripts/chinook.py` loads it (a test fails with the
//! script's message when it cannot — it never skips), the example's own model generates the
//! store at the sample's size into a schema of its own, in `COPY` batches, and every reference
//! column and modelled pair is profiled on both and checked with `faker-pg compare`'s default
//! tolerances (weights ±0.03, mean ±5%, null share ±0.01, skew ±10% when both fits have r² ≥
//! 0.9). The seed is fixed; the columns asserted here pass with every seed tried (1 to 6 and
//! 42), so a failure means the model or the runtime changed, not bad luck.
//!
//! Every compared column and pair must be in [`MATCHING`]: a new foreign key or pair is not
//! left out silently.

#[path = "../../examples/chinook/database.rs"]
#[allow(dead_code)]
mod database;
#[path = "../../examples/chinook/domain.rs"]
#[allow(dead_code)]
mod domain;
#[path = "../../examples/chinook/generate.rs"]
#[allow(dead_code)]
mod generate;
#[path = "../../examples/chinook/report.rs"]
#[allow(dead_code)]
mod report;

use std::process::Command;

use ddd_faker::provider::Faker;
use sqlx::{AssertSqlSafe, PgPool};

use report::Compared;

/// Every reference column, modelled value column and pair, each within `faker-pg compare`'s
/// tolerances (value shares ±0.03, histogram buckets ±0.01).
/// Planned mode spends exact counts (so the sample's low means — 1.7 albums per artist — and
/// its regular counts — 7 invoices per customer — come back), and `Track`'s joint law over
/// (album, media type, genre) keeps both its combinations and each member's own law.
const MATCHING: &[&str] = &[
    "album.artist_id",
    "customer.support_rep_id",
    "employee.reports_to",
    "invoice.customer_id",
    "invoice_line.invoice_id",
    "invoice_line.track_id",
    "track.album_id",
    "track.genre_id",
    "track.media_type_id",
    "invoice.invoice_date",
    "invoice.total",
    "invoice_line.unit_price",
    "invoice_line.quantity",
    "track.unit_price",
    "invoice_line.(invoice_id, track_id)",
    "track.(album_id, genre_id)",
    "track.(album_id, media_type_id)",
];

fn url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// A schema name of this test run (several tests and runs share the database).
fn schema(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("chinook_{name}_{}_{nanos}", std::process::id())
}

/// The sample in `source` and the generated store in `target`; both schemas are dropped at
/// the end, also when the test fails.
struct Store {
    pool: PgPool,
    source: String,
    target: String,
}

impl Drop for Store {
    fn drop(&mut self) {
        // Best effort, synchronously (no runtime in `drop`): psql is already required by the
        // loader.
        let _ = Command::new("psql")
            .arg(url())
            .args(["-q", "-c"])
            .arg(format!(
                "SET client_min_messages = warning; DROP SCHEMA IF EXISTS {} CASCADE; \
                 DROP SCHEMA IF EXISTS {} CASCADE",
                self.source, self.target
            ))
            .output();
    }
}

/// Loads the sample with `scripts/chinook.py` (cached under `target/chinook-cache`).
fn load_sample(schema: &str) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/chinook.py");
    let out = Command::new("python3")
        .arg(script)
        .args(["--database-url", &url(), "--schema", schema])
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3 {script}: {e}"));
    assert!(
        out.status.success(),
        "the Chinook sample could not be loaded (the test needs it and never skips):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Loads the sample, generates the store from `seed` in `COPY` batches, and returns both.
async fn store(seed: u64) -> Store {
    let pool = PgPool::connect(&url()).await.unwrap_or_else(|e| {
        panic!(
            "PostgreSQL is required at {} (scripts/test checks it): {e}",
            url()
        )
    });
    let store = Store {
        pool,
        source: schema("sample"),
        target: schema("fake"),
    };
    load_sample(&store.source);
    database::create_schema(&store.pool, &store.target)
        .await
        .unwrap();
    let mut faker = Faker::new(seed);
    let writer = database::attach(&mut faker, &store.pool, &store.target, true)
        .await
        .unwrap();
    generate::store(&mut faker).await.unwrap();
    writer.finish().await.unwrap();
    store
}

impl Store {
    async fn compared(&self) -> Vec<Compared> {
        let mut conn = self.pool.acquire().await.unwrap();
        report::compare(&mut conn, &self.source, &self.target, database::generated)
            .await
            .unwrap()
    }

    async fn count(&self, sql: &str) -> i64 {
        let sql = sql.replace("{s}", &self.target);
        sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }
}

/// Fails listing every subject of `labels` that is out of tolerance, with its figures.
fn assert_within_tolerance(compared: &[Compared], labels: &[&str]) {
    let mut failures = Vec::new();
    for label in labels {
        let c = compared
            .iter()
            .find(|c| c.label == *label)
            .unwrap_or_else(|| panic!("{label} was not compared"));
        if !c.passes() {
            failures.push(format!("{label}: {}", c.failures().join(", ")));
        }
    }
    assert!(
        failures.is_empty(),
        "out of tolerance:\n{}\n\n{}",
        failures.join("\n"),
        report::to_text(compared)
    );
}

#[tokio::test]
async fn the_store_matches_the_sample_on_every_modelled_column_and_pair() {
    let store = store(42).await;
    let compared = store.compared().await;
    // Every foreign key and pair is asserted: a new one is not left out
    // silently.
    for c in &compared {
        assert!(
            MATCHING.contains(&c.label.as_str()),
            "{} is not asserted",
            c.label
        );
    }
    assert_within_tolerance(&compared, MATCHING);

    // The sample's size, table by table.
    for (table, rows) in [
        ("artist", generate::ARTISTS),
        ("album", generate::ALBUMS),
        ("genre", generate::GENRES),
        ("media_type", generate::MEDIA_TYPES),
        ("employee", generate::EMPLOYEES),
        ("customer", generate::CUSTOMERS),
        ("invoice", generate::INVOICES),
        ("track", generate::TRACKS),
        ("invoice_line", generate::INVOICE_LINES),
    ] {
        let n = store
            .count(&format!("SELECT count(*) FROM {{s}}.{table}"))
            .await;
        assert_eq!(n, rows as i64, "{table}");
    }
    // Distinct referenced values, which the plan sets (draws / mean; the sample's figures and
    // a margin of 2% for the slots' sampling noise, which the mean tolerance allows).
    for (column, sample) in [
        ("invoice_line.invoice_id", 412.0),
        ("invoice_line.track_id", 1984.0),
        ("album.artist_id", 204.0),
    ] {
        let c = compared.iter().find(|c| c.label == column).unwrap();
        let distinct = c.generated.profile.distinct as f64;
        assert!(
            (distinct - sample).abs() <= 0.02 * sample,
            "{column}: {distinct} distinct for {sample}"
        );
    }
    // The domain's invariants, in the stored rows.
    let root = store
        .count("SELECT count(*) FROM {s}.employee WHERE reports_to IS NULL")
        .await;
    assert_eq!(root, 1, "one general manager");
    let bad_lines = store
        .count("SELECT count(*) FROM {s}.invoice_line WHERE quantity < 1 OR unit_price <= 0")
        .await;
    assert_eq!(bad_lines, 0);
    let untotalled = store
        .count(
            "SELECT count(*) FROM {s}.invoice i WHERE total <> (SELECT coalesce(sum(unit_price * \
             quantity), 0) FROM {s}.invoice_line l WHERE l.invoice_id = i.id)",
        )
        .await;
    assert_eq!(untotalled, 0, "an invoice's total is the sum of its lines");
    let twice = store
        .count(
            "SELECT count(*) FROM (SELECT invoice_id, track_id FROM {s}.invoice_line \
             GROUP BY 1, 2 HAVING count(*) > 1) AS d",
        )
        .await;
    assert_eq!(twice, 0, "an invoice lists a track once");
    // Lines per invoice: the collection's sizes are planned, so the 412 invoices have exactly
    // the sample's sizes (59 of 1 line, 117 of 2, 59 each of 4, 6, 9 and 14).
    let sizes = "SELECT string_agg(n || ':' || invoices, ' ' ORDER BY n) FROM (SELECT n, \
                 count(*) AS invoices FROM (SELECT invoice_id, count(*) AS n FROM {s}.invoice_line \
                 GROUP BY 1) AS per GROUP BY n) AS by_size";
    let generated: String = sqlx::query_scalar(AssertSqlSafe(sizes.replace("{s}", &store.target)))
        .fetch_one(&store.pool)
        .await
        .unwrap();
    let sample: String = sqlx::query_scalar(AssertSqlSafe(sizes.replace("{s}", &store.source)))
        .fetch_one(&store.pool)
        .await
        .unwrap();
    assert_eq!(generated, sample);
    assert_eq!(generated, "1:59 2:117 4:59 6:59 9:59 14:59");
}
