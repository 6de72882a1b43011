//! The main job: `cargo run --example bookstore`, checked from the files it writes.
//!
//! One unit although it is long: every test runs the same binary (or its database wiring) and
//! reads back the same feeds and tables with the same helpers; what differs is only the mode
//! (memory, per aggregate, bulk, workers) and the failure being provoked.
//!
//! Module `chinook` (tests/chinook/mod.rs) runs the other worked example, the Chinook store,
//! against the real sample: it shares this binary rather than adding one to link.

mod chinook;
mod common;

/// The example's domain, with `#[derive(Provider)]`.
use faker_fixtures::bookstore as derived;

/// The example's PostgreSQL wiring, for tests that drive a run step by step (it names the
/// domain `crate::domain`).
#[path = "../examples/bookstore/database.rs"]
#[allow(dead_code)]
mod wiring;
use derived as domain;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ddd_faker::estimate::Profile;
use faker_fixtures::by_hand::{Author, AuthorId, Book, Tenant, TenantId};
use serde_json::Value;

fn out_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("ddd-faker-bookstore-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn run(args: &[&str]) -> Output {
    Command::new(common::example("bookstore"))
        .args(args)
        .output()
        .expect("run the bookstore example")
}

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn lines<T: serde::de::DeserializeOwned>(path: &Path) -> Vec<T> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_hundred_thousand_books_keep_the_promised_distributions() {
    let dir = out_dir("100k");
    let report = dir.join("report.json");
    ok(run(&[
        "--books",
        "100000",
        "--seed",
        "7",
        "--out",
        dir.to_str().unwrap(),
        "--no-progress",
        "--report-json",
        report.to_str().unwrap(),
    ]));
    let books: Vec<Book> = lines(&dir.join("books.jsonl"));
    let authors: Vec<Author> = lines(&dir.join("authors.jsonl"));
    let tenants: Vec<Tenant> = lines(&dir.join("tenants.jsonl"));
    assert_eq!(books.len(), 100_000);

    let tenant_ids: HashSet<TenantId> = tenants.iter().map(|t| t.id()).collect();
    let author_ids: HashSet<AuthorId> = authors.iter().map(|a| a.id()).collect();
    let mut per_tenant: HashMap<TenantId, u64> = HashMap::new();
    for b in &books {
        // 100% of books have an author of their own tenant; every reference exists in the feeds
        assert_eq!(b.author_id().tenant_id, b.id().tenant_id);
        assert!(tenant_ids.contains(&b.id().tenant_id));
        assert!(author_ids.contains(&b.author_id()));
        *per_tenant.entry(b.id().tenant_id).or_default() += 1;
    }
    for a in &authors {
        assert!(tenant_ids.contains(&a.id().tenant_id));
    }
    let profile = Profile::from_counts(&per_tenant.into_values().collect::<Vec<_>>(), 0);
    // books per tenant: 50 ± 5%; quartiles of tenants ranked by books: the weights ± 0.03
    assert!((profile.mean_uses - 50.0).abs() <= 2.5, "{profile:?}");
    for (got, want) in profile.quartile_shares.iter().zip([0.7, 0.2, 0.07, 0.03]) {
        assert!((got - want).abs() <= 0.03, "{:?}", profile.quartile_shares);
    }
    // the report says the same
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(report["books"], 100_000);
    assert_eq!(report["books_with_foreign_author"], 0);
    // The bookstore's factories refuse nothing its constraints allow: no refusal, per type.
    for aggregate in ["Tenant", "Author", "Book"] {
        assert_eq!(report["refusals"][aggregate], 0, "{aggregate}");
    }
    let tenant_ref = &report["references"][0];
    assert_eq!(tenant_ref["reference"], "Book.id.tenant_id");
    assert_eq!(tenant_ref["configured"]["law"], "weights");
    assert!(
        (tenant_ref["achieved"]["mean_uses"].as_f64().unwrap() - profile.mean_uses).abs() < 1e-9
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_same_seed_writes_byte_identical_files() {
    let (a, b, c) = (out_dir("same-a"), out_dir("same-b"), out_dir("other"));
    for (dir, seed) in [(&a, "3"), (&b, "3"), (&c, "4")] {
        ok(run(&[
            "--books",
            "20000",
            "--seed",
            seed,
            "--out",
            dir.to_str().unwrap(),
            "--format",
            "both",
            "--no-progress",
        ]));
    }
    for name in [
        "books.jsonl",
        "authors.jsonl",
        "tenants.jsonl",
        "commands.jsonl",
        "books.csv",
    ] {
        let x = std::fs::read(a.join(name)).unwrap();
        assert_eq!(
            x,
            std::fs::read(b.join(name)).unwrap(),
            "{name} differs for the same seed"
        );
        if name == "books.jsonl" {
            assert_ne!(x, std::fs::read(c.join(name)).unwrap());
        }
    }
    for dir in [a, b, c] {
        std::fs::remove_dir_all(dir).unwrap();
    }
}

/// `--workers K` in memory: each worker makes its share of the books with its own tenants and
/// authors, keys interleaved (worker w assigns w + 1, w + 1 + K, ...), so the shares are
/// disjoint and together one dataset with the seed's law; the same seed and K give the same
/// files.
#[test]
fn workers_in_memory_make_disjoint_shares_with_the_seed_law() {
    use std::collections::HashSet;

    let (a, b) = (out_dir("workers-a"), out_dir("workers-b"));
    for dir in [&a, &b] {
        let out = ok(run(&[
            "--books",
            "20001",
            "--seed",
            "3",
            "--workers",
            "2",
            "--out",
            dir.to_str().unwrap(),
            "--no-progress",
        ]));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("2 workers: 20001 books"), "{stderr}");
        // 20 001 books over ~400 tenants: a quartile's share moves by about 0.01 between
        // seeds; 0.03 is the tolerance of the seed's check.
        let line = stderr
            .lines()
            .find(|l| l.starts_with("books per tenant"))
            .unwrap_or_else(|| panic!("{stderr}"));
        let weights: Vec<f64> = line
            .split("quartile weights ")
            .nth(1)
            .unwrap()
            .split_whitespace()
            .take(4)
            .map(|w| w.parse().unwrap())
            .collect();
        for (got, want) in weights.iter().zip([0.7, 0.2, 0.07, 0.03]) {
            assert!((got - want).abs() <= 0.03, "{line}");
        }
    }
    let mut tenants_of = Vec::new();
    let mut book_ids = HashSet::new();
    let mut books = 0;
    for w in 0..2 {
        let dir = a.join(format!("worker-{w}"));
        let tenants: HashSet<i64> = lines::<Value>(&dir.join("tenants.jsonl"))
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect();
        // Worker w's keys are w + 1 modulo 2.
        assert!(tenants.iter().all(|id| (id - 1) % 2 == w), "worker {w}");
        for book in lines::<Value>(&dir.join("books.jsonl")) {
            let tenant = book["id"]["tenant_id"].as_i64().unwrap();
            assert!(
                tenants.contains(&tenant),
                "a book of another worker's tenant"
            );
            assert_eq!(book["author_id"]["tenant_id"], book["id"]["tenant_id"]);
            assert!(book_ids.insert(book["id"]["book_id"].as_i64().unwrap()));
            books += 1;
        }
        tenants_of.push(tenants);
    }
    assert_eq!(books, 20_001);
    assert!(tenants_of[0].is_disjoint(&tenants_of[1]));
    for name in [
        "worker-0/books.jsonl",
        "worker-1/authors.jsonl",
        "worker-1/commands.jsonl",
    ] {
        assert_eq!(
            std::fs::read(a.join(name)).unwrap(),
            std::fs::read(b.join(name)).unwrap(),
            "{name} differs for the same seed and workers"
        );
    }
    for dir in [a, b] {
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn the_command_log_replays_to_the_same_dataset() {
    let dir = out_dir("replay");
    ok(run(&[
        "--books",
        "20000",
        "--seed",
        "11",
        "--out",
        dir.to_str().unwrap(),
        "--no-progress",
    ]));
    // Replay: apply each command in order to an empty store; every reference must point at
    // something an earlier command created. Then write the store out and compare.
    let mut tenants: Vec<Tenant> = Vec::new();
    let mut authors: Vec<Author> = Vec::new();
    let mut books: Vec<Book> = Vec::new();
    let (mut known_tenants, mut known_authors) = (HashSet::new(), HashSet::new());
    let log = std::fs::read_to_string(dir.join("commands.jsonl")).unwrap();
    for (n, line) in log.lines().enumerate() {
        let command: Value = serde_json::from_str(line).unwrap();
        assert_eq!(command["seq"], n as u64);
        let payload = command["payload"].clone();
        match command["command"].as_str().unwrap() {
            "CreateTenant" => {
                let t: Tenant = serde_json::from_value(payload).unwrap();
                assert!(known_tenants.insert(t.id()), "tenant created twice");
                tenants.push(t);
            }
            "CreateAuthor" => {
                let a: Author = serde_json::from_value(payload).unwrap();
                assert!(
                    known_tenants.contains(&a.id().tenant_id),
                    "author before its tenant"
                );
                assert!(known_authors.insert(a.id()), "author created twice");
                authors.push(a);
            }
            "CreateBook" => {
                let b: Book = serde_json::from_value(payload).unwrap();
                assert!(
                    known_tenants.contains(&b.id().tenant_id),
                    "book before its tenant"
                );
                assert!(
                    known_authors.contains(&b.author_id()),
                    "book before its author"
                );
                books.push(b);
            }
            other => panic!("unknown command {other}"),
        }
    }
    let dump = |items: Vec<String>| items.join("\n") + "\n";
    let as_lines = |v: &[String]| v.to_vec();
    let t: Vec<String> = tenants
        .iter()
        .map(|x| serde_json::to_string(x).unwrap())
        .collect();
    let a: Vec<String> = authors
        .iter()
        .map(|x| serde_json::to_string(x).unwrap())
        .collect();
    let b: Vec<String> = books
        .iter()
        .map(|x| serde_json::to_string(x).unwrap())
        .collect();
    assert_eq!(
        dump(as_lines(&t)),
        std::fs::read_to_string(dir.join("tenants.jsonl")).unwrap()
    );
    assert_eq!(
        dump(as_lines(&a)),
        std::fs::read_to_string(dir.join("authors.jsonl")).unwrap()
    );
    assert_eq!(
        dump(as_lines(&b)),
        std::fs::read_to_string(dir.join("books.jsonl")).unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_arguments_exit_non_zero_with_one_line_and_leave_no_files() {
    let dir = out_dir("bad");
    let d = dir.to_str().unwrap().to_string();
    let not_a_dir = std::env::temp_dir().join(format!("ddd-faker-file-{}", std::process::id()));
    std::fs::write(&not_a_dir, b"x").unwrap();
    let under_file = not_a_dir.join("out");
    for args in [
        vec!["--books", "0", "--out", &d],
        vec!["--books", "ten", "--out", &d],
        vec!["--format", "xml", "--out", &d],
        vec!["--bogus"],
        vec!["--progress", "--no-progress", "--out", &d],
        vec!["--out", under_file.to_str().unwrap()],
    ] {
        let out = run(&args);
        assert!(!out.status.success(), "{args:?} succeeded");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
        assert!(!dir.join("books.jsonl").exists(), "{args:?} left a feed");
    }
    std::fs::remove_file(&not_a_dir).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn csv_feeds_have_flattened_headers() {
    let dir = out_dir("csv");
    ok(run(&[
        "--books",
        "500",
        "--out",
        dir.to_str().unwrap(),
        "--format",
        "csv",
        "--no-progress",
    ]));
    let csv = std::fs::read_to_string(dir.join("books.csv")).unwrap();
    assert_eq!(
        csv.lines().next().unwrap(),
        "author_id_author_id,author_id_tenant_id,id_book_id,id_tenant_id,title"
    );
    assert_eq!(csv.lines().count(), 501);
    assert!(!dir.join("books.jsonl").exists());
    // The command log comes with every format: the same one JSONL writes.
    let log: Vec<Value> = lines(&dir.join("commands.jsonl"));
    assert_eq!(
        log.iter().filter(|c| c["command"] == "CreateBook").count(),
        500
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn progress_is_shown_only_when_asked_or_on_a_terminal() {
    let dir = out_dir("progress");
    let d = dir.to_str().unwrap();
    let forced = ok(run(&["--books", "30000", "--out", d, "--progress"]));
    let stderr = String::from_utf8_lossy(&forced.stderr);
    assert!(
        stderr.lines().any(|l| l.contains("/30000 books (")),
        "{stderr}"
    );
    // no bar: only the report
    let quiet = ok(run(&["--books", "30000", "--out", d, "--no-progress"]));
    let stderr = String::from_utf8_lossy(&quiet.stderr);
    assert!(!stderr.contains("/30000 books ("), "{stderr}");
    // The plan's warnings come first (said before generating), then the report.
    let report = stderr
        .lines()
        .find(|l| !l.starts_with("plan warning: "))
        .unwrap_or_default();
    assert!(report.starts_with("bookstore: 30000 books"), "{stderr}");
    assert!(
        stderr.contains("plan warning: Book.author_id: "),
        "{stderr}"
    );
    // Said once, and pointed to from the report.
    assert_eq!(stderr.matches("plan warning: ").count(), 2, "{stderr}");
    assert!(
        stderr.contains("configured figures that cannot all hold: see the 2 plan warnings above"),
        "{stderr}"
    );
    // dynamic mode runs too and says so
    let dynamic = ok(run(&[
        "--books",
        "3000",
        "--out",
        d,
        "--dynamic",
        "--no-progress",
    ]));
    assert!(String::from_utf8_lossy(&dynamic.stderr).contains("dynamic mode"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn the_derived_bookstore_and_the_hand_written_one_give_the_same_dataset() {
    use ddd_faker::provider::Faker;
    async fn dump<B, A, T>(seed: u64) -> String
    where
        B: ddd_faker::provider::Provider,
        A: ddd_faker::provider::Provider,
        T: ddd_faker::provider::Provider,
    {
        let mut faker = Faker::new(seed);
        faker.create_many::<B>(20_000).await.unwrap();
        let b: Vec<&B> = faker.in_memory::<B>().unwrap().iter().collect();
        let a: Vec<&A> = faker.in_memory::<A>().unwrap().iter().collect();
        let t: Vec<&T> = faker.in_memory::<T>().unwrap().iter().collect();
        serde_json::to_string(&(b, a, t)).unwrap()
    }
    let by_hand = dump::<Book, Author, Tenant>(7).await;
    let derived = dump::<derived::Book, derived::Author, derived::Tenant>(7).await;
    assert!(by_hand.len() > 1_000_000);
    assert_eq!(by_hand, derived);
}

mod database {
    //! `--database-url`: the dataset in PostgreSQL (the test server is required: these tests
    //! fail, never skip, when it is unreachable).

    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    use serde_json::Value;
    use sqlx::{AssertSqlSafe, PgPool};

    use super::{lines, ok, out_dir, run};

    fn url() -> String {
        std::env::var("DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
    }

    fn schema(name: &str) -> String {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        format!("bs_{name}_{}_{nanos}", std::process::id())
    }

    /// Plan fidelity (issue 17): the bookstore generated with two seeds into two schemas gets
    /// the same plan shape for every query of `examples/bookstore/bookstore.plans`, each
    /// parameter resolved on its own schema — the same laws give the same plans.
    #[tokio::test]
    async fn two_seeds_give_the_same_plan_shapes() {
        use faker_pg::fidelity::explain::explain_with;
        use faker_pg::fidelity::queries::parse;
        use faker_pg::fidelity::resolve::bind;
        use sqlx::Connection;

        let schemas = [schema("plans_a"), schema("plans_b")];
        let dir = out_dir("db-plans");
        for (seed, s) in ["1", "2"].into_iter().zip(&schemas) {
            ok(run(&[
                "--books",
                "20000",
                "--seed",
                seed,
                "--database-url",
                &url(),
                "--schema",
                s,
                "--bulk",
                "--no-progress",
                "--out",
            ]
            .into_iter()
            .chain([dir.to_str().unwrap()])
            .collect::<Vec<_>>()));
        }
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/bookstore/bookstore.plans"
        );
        let queries = parse(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert!(queries.len() >= 8);
        let mut conn = sqlx::PgConnection::connect(&url()).await.unwrap();
        let mut plans = Vec::new();
        for s in &schemas {
            sqlx::raw_sql(AssertSqlSafe(format!("ANALYZE {s}.tenants; ANALYZE {s}.authors; ANALYZE {s}.books; SET search_path TO {s}")))
                .execute(&mut conn)
                .await
                .unwrap();
            let mut on_this = Vec::new();
            for query in &queries {
                let bound = bind(&mut conn, query).await.unwrap();
                let values: Vec<String> = bound.values.iter().map(|v| v.text.clone()).collect();
                on_this.push(
                    explain_with(&mut conn, &bound.sql, &values)
                        .await
                        .unwrap()
                        .0,
                );
            }
            plans.push(on_this);
        }
        let differing: Vec<String> = queries
            .iter()
            .zip(plans[0].iter().zip(&plans[1]))
            .filter_map(|(q, (a, b))| {
                let c = faker_pg::fidelity::compare(a, b, 1.0);
                c.difference.map(|d| format!("{}: {d:?}", q.name))
            })
            .collect();
        assert!(differing.is_empty(), "{differing:#?}");
        drop(conn);
        let pool = pool().await;
        for s in &schemas {
            sqlx::query(AssertSqlSafe(format!("DROP SCHEMA {s} CASCADE")))
                .execute(&pool)
                .await
                .unwrap();
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    async fn pool() -> PgPool {
        PgPool::connect(&url()).await.unwrap_or_else(|e| {
            panic!(
                "PostgreSQL is required at {} (scripts/test checks it): {e}",
                url()
            )
        })
    }

    /// The seed's SQL, made valid (PostgreSQL does not nest window functions): the shares of
    /// the books held by each quarter of the tenants ranked by their number of books.
    async fn quartile_weights(pool: &PgPool, s: &str) -> Vec<f64> {
        sqlx::query_scalar(AssertSqlSafe(format!(
            "WITH per_tenant AS (SELECT tenant_id, count(*) AS c FROM {s}.books GROUP BY tenant_id),
                  tiled AS (SELECT c, ntile(4) OVER (ORDER BY c DESC) AS part FROM per_tenant)
             SELECT (sum(c)::float8 / (SELECT sum(c) FROM per_tenant)) FROM tiled GROUP BY part ORDER BY part")))
        .fetch_all(pool)
        .await
        .unwrap()
    }

    async fn json_rows(pool: &PgPool, sql: String) -> Vec<Value> {
        let rows: Vec<sqlx::types::Json<Value>> = sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_all(pool)
            .await
            .unwrap();
        rows.into_iter().map(|r| r.0).collect()
    }

    #[tokio::test]
    async fn rows_equal_the_feeds_and_keep_the_distributions() {
        rows_equal_the_feeds(false).await;
    }

    #[tokio::test]
    async fn bulk_rows_equal_the_feeds_and_keep_the_distributions() {
        rows_equal_the_feeds(true).await;
    }

    async fn rows_equal_the_feeds(bulk: bool) {
        let pool = pool().await;
        let s = schema(if bulk { "bulk" } else { "rows" });
        let dir = out_dir(if bulk { "db-bulk" } else { "db-rows" });
        let u = url();
        let mut args = vec![
            "--books",
            "10000",
            "--seed",
            "7",
            "--no-progress",
            "--database-url",
            &u,
            "--schema",
            &s,
            "--out",
        ];
        args.push(dir.to_str().unwrap());
        if bulk {
            args.push("--bulk");
        }
        ok(run(&args));
        // Same ids, same values as the feeds written by the same run.
        let books = json_rows(&pool, format!(
            "SELECT json_build_object('id', json_build_object('tenant_id', tenant_id, 'book_id', book_id),
                    'author_id', json_build_object('tenant_id', tenant_id, 'author_id', author_id),
                    'title', title) FROM {s}.books ORDER BY book_id")).await;
        let authors = json_rows(&pool, format!(
            "SELECT json_build_object('id', json_build_object('tenant_id', tenant_id, 'author_id', author_id),
                    'name', name) FROM {s}.authors ORDER BY author_id")).await;
        let tenants = json_rows(
            &pool,
            format!(
                "SELECT json_build_object('id', id, 'name', name) FROM {s}.tenants ORDER BY id"
            ),
        )
        .await;
        assert_eq!(books, lines::<Value>(&dir.join("books.jsonl")));
        assert_eq!(authors, lines::<Value>(&dir.join("authors.jsonl")));
        assert_eq!(tenants, lines::<Value>(&dir.join("tenants.jsonl")));
        // ...and the same dataset as the in-memory run of the same seed
        let memory = out_dir(if bulk {
            "db-bulk-memory"
        } else {
            "db-rows-memory"
        });
        ok(run(&[
            "--books",
            "10000",
            "--seed",
            "7",
            "--out",
            memory.to_str().unwrap(),
            "--no-progress",
        ]));
        assert_eq!(lines::<Value>(&memory.join("books.jsonl")), books);
        // The seed's weights, and books per tenant.
        let weights = quartile_weights(&pool, &s).await;
        for (got, want) in weights.iter().zip([0.7, 0.2, 0.07, 0.03]) {
            assert!((got - want).abs() <= 0.03, "{weights:?}");
        }
        let mean: f64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT count(*)::float8 / GREATEST(count(DISTINCT tenant_id), 1) FROM {s}.books"
        )))
        .fetch_one(&pool)
        .await
        .unwrap();
        assert!((mean - 50.0).abs() <= 2.5, "{mean}");
        // Every foreign key holds (the schema enforces them; check the data is there too).
        let orphans: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT count(*) FROM {s}.books b LEFT JOIN {s}.authors a USING (tenant_id, author_id)
             WHERE a.author_id IS NULL"
        )))
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(orphans, 0);
        sqlx::query(AssertSqlSafe(format!("DROP SCHEMA {s} CASCADE")))
            .execute(&pool)
            .await
            .unwrap();
        for d in [dir, memory] {
            std::fs::remove_dir_all(d).unwrap();
        }
    }

    /// Bulk alone writes its feeds directly (no guard refuses a row there): a batch the
    /// database refuses must then fail the run before the feeds are published, so that no
    /// published feed ever holds a book the database does not.
    #[tokio::test]
    async fn a_failed_bulk_batch_alone_publishes_no_feed() {
        let pool = pool().await;
        let s = schema("bulk_failed_batch");
        let dir = out_dir("db-bulk-failed-batch");
        let u = url();
        let args = |books| {
            [
                "--books",
                books,
                "--seed",
                "3",
                "--no-progress",
                "--database-url",
                &u,
                "--schema",
                &s,
                "--bulk",
                "--batch-rows",
                "500",
                "--out",
                dir.to_str().unwrap(),
            ]
        };
        // The schema, then a trigger that refuses the last five books: the batch that fails
        // is the one `finish` writes, after every book was generated and recorded.
        ok(run(&args("100")));
        std::fs::remove_dir_all(&dir).unwrap();
        for sql in [
            format!(
                "CREATE FUNCTION {s}.refuse() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN
                     IF (SELECT count(*) FROM {s}.books) >= 2995 THEN
                         RAISE EXCEPTION 'refused book %', NEW.book_id;
                     END IF;
                     RETURN NEW;
                 END $$"
            ),
            format!(
                "CREATE TRIGGER refuse BEFORE INSERT ON {s}.books FOR EACH ROW
                 EXECUTE FUNCTION {s}.refuse()"
            ),
        ] {
            sqlx::query(AssertSqlSafe(sql))
                .execute(&pool)
                .await
                .unwrap();
        }
        let out = run(&args("3000"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{stderr}");
        assert!(stderr.contains("refused book"), "{stderr}");
        for feed in ["books.jsonl", "authors.jsonl", "tenants.jsonl"] {
            assert!(!dir.join(feed).exists(), "{feed} published");
        }
        // What did commit is whole batches before the refused one.
        let books: i64 =
            sqlx::query_scalar(AssertSqlSafe(format!("SELECT count(*) FROM {s}.books")))
                .fetch_one(&pool)
                .await
                .unwrap();
        assert!((100..2995).contains(&books), "{books}");
        sqlx::query(AssertSqlSafe(format!("DROP SCHEMA {s} CASCADE")))
            .execute(&pool)
            .await
            .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn a_killed_run_resumes_to_exactly_the_target() {
        killed_run_resumes(false).await;
    }

    /// Bulk alone: no mirror, no coordination tables; the rerun resumes from the application
    /// tables (a batch commits its tenants, authors and books together).
    #[tokio::test]
    async fn a_killed_bulk_run_alone_resumes_to_exactly_the_target() {
        killed_run_resumes(true).await;
    }

    async fn killed_run_resumes(bulk: bool) {
        let pool = pool().await;
        let s = schema(if bulk { "resume_bulk" } else { "resume" });
        let dir = out_dir(if bulk { "db-resume-bulk" } else { "db-resume" });
        // Bulk batches of 2 000 rows: many of them before the end.
        let books = if bulk { "40000" } else { "4000" };
        let goal: i64 = books.parse().unwrap();
        let mut args = [
            "--books",
            books,
            "--seed",
            "5",
            "--out",
            dir.to_str().unwrap(),
            "--no-progress",
            "--database-url",
            &url(),
            "--schema",
            &s,
        ]
        .map(str::to_string)
        .to_vec();
        if bulk {
            args.extend(["--bulk", "--batch-rows", "2000"].map(str::to_owned));
        }
        let mut child = Command::new(super::common::example("bookstore"))
            .args(&args)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait until part of the dataset is committed, then kill -9.
        let count = |pool: PgPool, s: String| async move {
            sqlx::query_scalar::<_, i64>(AssertSqlSafe(format!("SELECT count(*) FROM {s}.books")))
                .fetch_one(&pool)
                .await
                .unwrap_or(0)
        };
        let started = Instant::now();
        while count(pool.clone(), s.clone()).await < 500 {
            assert!(started.elapsed() < Duration::from_secs(60), "no progress");
            assert!(
                child.try_wait().unwrap().is_none(),
                "finished before it could be killed"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let before = count(pool.clone(), s.clone()).await;
        assert!(before < goal, "{before}");
        // Rerun with the same arguments: tops up to the target, no duplicates, keys intact.
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        ok(run(&args));
        assert_eq!(count(pool.clone(), s.clone()).await, goal);
        if !bulk {
            // Cooperating without mirrors: the shared pools' logs hold every tenant and
            // author, and nothing else is kept beside the application tables.
            let agree: bool = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT (SELECT count(*) FROM {s}.faker_pool WHERE pool = 'tenants')
                          = (SELECT count(*) FROM {s}.tenants)
                    AND (SELECT count(*) FROM {s}.faker_pool WHERE pool = 'authors')
                          = (SELECT count(*) FROM {s}.authors)
                    AND to_regclass('{s}.faker_books') IS NULL
                    AND to_regclass('{s}.faker_tenants') IS NULL"
            )))
            .fetch_one(&pool)
            .await
            .unwrap();
            assert!(agree, "logs agree with the tables, no mirror");
        }
        let foreign: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT count(*) FROM {s}.books b JOIN {s}.authors a USING (tenant_id, author_id)"
        )))
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(foreign, goal, "every book has its author in its own tenant");
        // The resumed run reused the tenants the first one stored: about N / mean of them
        // (a run that forgot them would add a plan's worth more; 50 books per tenant).
        let tenants: i64 =
            sqlx::query_scalar(AssertSqlSafe(format!("SELECT count(*) FROM {s}.tenants")))
                .fetch_one(&pool)
                .await
                .unwrap();
        assert!(
            tenants <= goal / 50 * 3 / 2,
            "{tenants} tenants for {goal} books"
        );
        // a third run has nothing to do
        ok(run(&args));
        assert_eq!(count(pool.clone(), s.clone()).await, goal);
        if bulk {
            // A schema filled alone is not continued by cooperating processes.
            let shared: Vec<&str> = args[..args.len() - 3].to_vec();
            let out = run(&shared);
            assert!(!out.status.success());
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains("was filled by one process alone before"),
                "{stderr}"
            );
        }
        sqlx::query(AssertSqlSafe(format!("DROP SCHEMA {s} CASCADE")))
            .execute(&pool)
            .await
            .unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn two_processes_fill_one_database_to_exactly_the_target() {
        two_processes(false).await;
    }

    #[tokio::test]
    async fn two_bulk_processes_fill_one_database_to_exactly_the_target() {
        two_processes(true).await;
    }

    async fn two_processes(bulk: bool) {
        let pool = pool().await;
        let s = schema(if bulk { "two_bulk" } else { "two" });
        let dirs = if bulk {
            [out_dir("db-two-bulk-a"), out_dir("db-two-bulk-b")]
        } else {
            [out_dir("db-two-a"), out_dir("db-two-b")]
        };
        let u = url();
        let children: Vec<_> = dirs
            .iter()
            .map(|dir| {
                Command::new(super::common::example("bookstore"))
                    .args([
                        "--books",
                        "3000",
                        "--seed",
                        "9",
                        "--no-progress",
                        "--database-url",
                        &u,
                        "--schema",
                        &s,
                        "--out",
                    ])
                    .arg(dir)
                    .args(bulk.then_some(["--bulk", "--shared"]).into_iter().flatten())
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let one = |sql: String| {
            let pool = pool.clone();
            async move {
                sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql))
                    .fetch_one(&pool)
                    .await
                    .unwrap()
            }
        };
        assert_eq!(one(format!("SELECT count(*) FROM {s}.books")).await, 3000);
        // primary keys are unique by construction; check the mirror agrees and the rule holds
        assert_eq!(
            one(format!(
                "SELECT count(DISTINCT (tenant_id, book_id)) FROM {s}.books"
            ))
            .await,
            3000
        );
        // The shared pools' log holds every author; no mirror beside the tables.
        assert_eq!(
            one(format!(
                "SELECT count(*) FROM {s}.faker_pool WHERE pool = 'authors'"
            ))
            .await,
            one(format!("SELECT count(*) FROM {s}.authors")).await
        );
        assert_eq!(
            one(format!(
                "SELECT count(*) FROM pg_class
                 WHERE oid IN (to_regclass('{s}.faker_books'), to_regclass('{s}.faker_authors'))"
            ))
            .await,
            0
        );
        assert_eq!(
            one(format!(
                "SELECT count(*) FROM {s}.books b JOIN {s}.authors a USING (tenant_id, author_id)"
            ))
            .await,
            3000
        );
        assert_eq!(
            one(format!(
                "SELECT count(*) FROM {s}.authors a JOIN {s}.tenants t ON t.id = a.tenant_id"
            ))
            .await,
            one(format!("SELECT count(*) FROM {s}.authors")).await
        );
        // One plan over shared pools: the dataset has the tenants of one 3 000-book plan
        // (N / mean = 60 expected; two private plans would make ~120) and both processes'
        // books land on tenants the other one created.
        let with_books = one(format!("SELECT count(DISTINCT tenant_id) FROM {s}.books")).await;
        assert!((48..=72).contains(&with_books), "{with_books} tenants");
        let tenants_of = |dir: &std::path::Path| -> std::collections::HashSet<i64> {
            lines::<Value>(&dir.join("books.jsonl"))
                .iter()
                .map(|b| b["id"]["tenant_id"].as_i64().unwrap())
                .collect()
        };
        let created_by = |dir: &std::path::Path| -> std::collections::HashSet<i64> {
            lines::<Value>(&dir.join("tenants.jsonl"))
                .iter()
                .map(|t| t["id"].as_i64().unwrap())
                .collect()
        };
        assert!(
            !tenants_of(dirs[0].as_path()).is_disjoint(&created_by(dirs[1].as_path())),
            "the first process reused tenants of the second"
        );
        assert!(
            !tenants_of(dirs[1].as_path()).is_disjoint(&created_by(dirs[0].as_path())),
            "the second process reused tenants of the first"
        );
        sqlx::query(AssertSqlSafe(format!("DROP SCHEMA {s} CASCADE")))
            .execute(&pool)
            .await
            .unwrap();
        for dir in dirs {
            let _ = std::fs::remove_dir_all(dir);
        }
    }

    /// Cooperating workers: shared pools, one plan, the target leased.
    #[tokio::test]
    async fn workers_fill_one_database_with_the_seed_distributions() {
        workers_fill_one_database(true).await;
    }

    /// Workers alone: the main thread holds the schema, each worker writes its share through
    /// its own bulk writer (keys from the sequences in disjoint blocks, its own tenants).
    #[tokio::test]
    async fn bulk_workers_alone_fill_one_database_with_the_seed_distributions() {
        workers_fill_one_database(false).await;
    }

    async fn workers_fill_one_database(shared: bool) {
        let pool = pool().await;
        let s = schema(if shared { "workers" } else { "workers_alone" });
        let dir = out_dir(if shared {
            "db-workers"
        } else {
            "db-workers-alone"
        });
        let u = url();
        let mut args = vec![
            "--books",
            "10000",
            "--seed",
            "3",
            "--no-progress",
            "--database-url",
            &u,
            "--schema",
            &s,
            "--bulk",
            "--workers",
            "2",
            "--out",
            dir.to_str().unwrap(),
        ];
        if shared {
            args.push("--shared");
        }
        let out = ok(run(&args));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("2 workers: 10000 books"), "{stderr}");
        assert!(
            stderr.contains("books whose author is in their tenant: 10000 of 10000"),
            "{stderr}"
        );
        // Each worker wrote its own feeds, and together exactly the target.
        let books: usize = (0..2)
            .map(|w| lines::<Value>(&dir.join(format!("worker-{w}/books.jsonl"))).len())
            .sum();
        assert_eq!(books, 10_000);
        let weights = quartile_weights(&pool, &s).await;
        // 10 000 books over ~200 tenants: a quarter's share varies by about 0.01 between
        // seeds (single-process runs); 0.03 is the issue's tolerance.
        for (got, want) in weights.iter().zip([0.7, 0.2, 0.07, 0.03]) {
            assert!((got - want).abs() <= 0.03, "{weights:?}");
        }
        let with_books: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT count(DISTINCT tenant_id) FROM {s}.books"
        )))
        .fetch_one(&pool)
        .await
        .unwrap();
        assert!((180..=220).contains(&with_books), "{with_books} tenants");
        sqlx::query(AssertSqlSafe(format!("DROP SCHEMA {s} CASCADE")))
            .execute(&pool)
            .await
            .unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }

    /// The feeds of a database run hold exactly the books the database kept, when the
    /// database refused some after `create` had returned them: a process that other processes
    /// took for dead lost the rest of its lease of the target (they leased it themselves), so
    /// its bulk batch guard drops the tail of the batch, or its write-behind stores are refused.
    /// The run is the example's own wiring, driven step by step so that the lease is taken
    /// away at a known point.
    #[tokio::test]
    async fn books_the_bulk_guard_dropped_are_not_in_the_feeds() {
        refused_books_are_not_in_the_feeds(true).await;
    }

    #[tokio::test]
    async fn books_write_behind_could_not_store_are_not_in_the_feeds() {
        refused_books_are_not_in_the_feeds(false).await;
    }

    async fn refused_books_are_not_in_the_feeds(bulk: bool) {
        use crate::derived::Book;
        use crate::wiring;
        use ddd_faker::feed::{HoldingSink, JsonlFeed};
        use ddd_faker::provider::Faker;

        let pool = pool().await;
        let s = schema(if bulk {
            "refused_bulk"
        } else {
            "refused_behind"
        });
        let dir = out_dir(if bulk {
            "db-refused-bulk"
        } else {
            "db-refused-behind"
        });
        let goal = 3_000;
        let mut faker = Faker::streaming(11);
        let mut held = HoldingSink::new();
        held.add(JsonlFeed::create(&dir).unwrap());
        let mut attached = wiring::attach(&mut faker, &url(), &s, goal, bulk)
            .await
            .unwrap();
        held.defer::<Book>(attached.books.clone().expect("shared: outcomes reported"));
        faker.add_sink(held);
        faker.plan::<Book>(goal).unwrap();
        let mut lease = attached.lease.take();
        // What another process does to the leases of a generator it takes for dead.
        let take_lease_away = |rows: i64| {
            let pool = pool.clone();
            let sql = format!("UPDATE {s}.faker_target_lease SET rows = LEAST(rows, {rows})");
            async move {
                sqlx::query(AssertSqlSafe(sql))
                    .execute(&pool)
                    .await
                    .unwrap();
            }
        };
        let mut created = 0u64;
        let mut create = async |lease: &mut Option<wiring::Lease>, n: u64| -> u64 {
            for _ in 0..n {
                if let Some(lease) = lease {
                    assert!(lease.take_one().await.unwrap(), "the goal leaves books");
                }
                match faker.create::<Book>().await {
                    Ok(_) => created += 1,
                    Err(e) if e.is_target_reached() => break,
                    Err(e) => panic!("{e}"),
                }
            }
            created
        };
        let (created, refused) = if bulk {
            // 2 000 books buffered for one batch (leased in blocks of 1 000), then the lease
            // shrinks to 1 234: the guard of the final batch drops the last 766.
            let created = create(&mut lease, 2_000).await;
            take_lease_away(1_234).await;
            let writer = attached.bulk.as_ref().unwrap();
            let written = writer.finish().await.unwrap();
            lease.as_ref().unwrap().release().await.unwrap();
            assert_eq!(written.dropped, 766);
            (created, written.dropped)
        } else {
            // Stores run behind `create`; once the lease is gone each one still in flight or
            // started later is refused, and a later `create` reports it (target reached).
            create(&mut lease, 300).await;
            take_lease_away(0).await;
            let created = create(&mut lease, 500).await;
            let totals = attached.behind.as_ref().unwrap().finish().await.unwrap();
            assert!(totals.refused > 0, "{totals:?}");
            assert_eq!(totals.stored + totals.refused, created, "{totals:?}");
            (created, totals.refused)
        };
        faker.finish().unwrap();

        let stored = created - refused;
        let mut feed: Vec<Value> = lines(&dir.join("books.jsonl"));
        feed.sort_by_key(|b| b["id"]["book_id"].as_i64());
        let rows = json_rows(&pool, format!(
            "SELECT json_build_object('id', json_build_object('tenant_id', tenant_id, 'book_id', book_id),
                    'author_id', json_build_object('tenant_id', tenant_id, 'author_id', author_id),
                    'title', title) FROM {s}.books ORDER BY book_id")).await;
        assert_eq!(rows.len() as u64, stored);
        assert_eq!(
            feed, rows,
            "the feed holds exactly the books in the database"
        );
        // The command log: every written record once, `seq` dense and in order.
        let commands: Vec<Value> = lines(&dir.join("commands.jsonl"));
        for (i, c) in commands.iter().enumerate() {
            assert_eq!(c["seq"], i as u64);
        }
        let logged_books = commands
            .iter()
            .filter(|c| c["command"] == "CreateBook")
            .count();
        assert_eq!(logged_books as u64, stored);
        let tenants: Vec<Value> = lines(&dir.join("tenants.jsonl"));
        let authors: Vec<Value> = lines(&dir.join("authors.jsonl"));
        assert_eq!(commands.len(), tenants.len() + authors.len() + feed.len());
        drop(attached);
        sqlx::query(AssertSqlSafe(format!("DROP SCHEMA {s} CASCADE")))
            .execute(&pool)
            .await
            .unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Bulk batches written in the background while generation goes on, each with a guard
    /// that drops the last 3 books it is offered: batches settle one after the other, the
    /// books of one batch accepted and refused while those of the next are already fed, and
    /// the feeds still hold exactly the rows of every table.
    #[tokio::test]
    async fn background_batches_that_drop_books_leave_them_out_of_the_feeds() {
        use crate::derived::{Author, Book, Tenant};
        use crate::wiring;
        use ddd_faker::feed::{HoldingSink, JsonlFeed, StoreOutcomes};
        use ddd_faker::provider::Faker;
        use faker_pg::write::Table;
        use faker_pg::write::bulk::{BulkOptions, BulkWriter, GuardFuture};

        let pool = pool().await;
        let s = schema("refused_batches");
        let dir = out_dir("db-refused-batches");
        // The example's schema (its own wiring of this Faker is not used).
        drop(
            wiring::attach(&mut Faker::new(0), &url(), &s, 1, true)
                .await
                .unwrap(),
        );
        let sc = Some(s.as_str());
        let tenants = Table::new(sc, "tenants")
            .and_then(|t| t.auto_key("id", "id"))
            .and_then(|t| t.column("name", "name"))
            .unwrap();
        let authors = Table::new(sc, "authors")
            .and_then(|t| t.column("tenant_id", "id.tenant_id"))
            .and_then(|t| t.auto_key("author_id", "id.author_id"))
            .and_then(|t| t.column("name", "name"))
            .unwrap();
        let books = Table::new(sc, "books")
            .and_then(|t| t.column("tenant_id", "id.tenant_id"))
            .and_then(|t| t.auto_key("book_id", "id.book_id"))
            .and_then(|t| t.column("author_id", "author_id.author_id"))
            .and_then(|t| t.column("title", "title"))
            .unwrap();
        let options = BulkOptions {
            batch_rows: 400,
            ..BulkOptions::default()
        };
        let writer = BulkWriter::new(pool.clone(), options);
        let outcomes = StoreOutcomes::new();
        let mut faker = Faker::streaming(5);
        let t = writer.repository::<Tenant>(tenants, None);
        faker.set_repository(t.await.unwrap()).unwrap();
        let a = writer.repository::<Author>(authors, None);
        faker.set_repository(a.await.unwrap()).unwrap();
        let b = writer.repository::<Book>(books, None).await;
        faker
            .set_repository(b.unwrap().report_to(outcomes.clone()).await)
            .unwrap();
        writer
            .set_guard(|_conn, rows: u64| {
                Box::pin(async move { Ok(rows.saturating_sub(3)) }) as GuardFuture<'_>
            })
            .await;
        let mut held = HoldingSink::new();
        held.add(JsonlFeed::create(&dir).unwrap())
            .defer::<Book>(outcomes);
        faker.add_sink(held);
        faker.plan::<Book>(3_000).unwrap();
        let mut created = 0u64;
        for _ in 0..3_000 {
            match faker.create::<Book>().await {
                Ok(_) => created += 1,
                // a batch dropped books: the table takes no more
                Err(e) if e.is_target_reached() => break,
                Err(e) => panic!("{e}"),
            }
        }
        let totals = writer.finish().await.unwrap();
        faker.finish().unwrap();
        assert!(totals.batches >= 2, "{totals:?}");
        assert!(totals.dropped >= 6, "two batches dropped books: {totals:?}");
        let stored = created - totals.dropped;

        let mut feed: Vec<Value> = lines(&dir.join("books.jsonl"));
        feed.sort_by_key(|b| b["id"]["book_id"].as_i64());
        let rows = json_rows(&pool, format!(
            "SELECT json_build_object('id', json_build_object('tenant_id', tenant_id, 'book_id', book_id),
                    'author_id', json_build_object('tenant_id', tenant_id, 'author_id', author_id),
                    'title', title) FROM {s}.books ORDER BY book_id")).await;
        assert_eq!(rows.len() as u64, stored);
        assert_eq!(
            feed, rows,
            "the feed holds exactly the books in the database"
        );
        let authors = json_rows(&pool, format!(
            "SELECT json_build_object('id', json_build_object('tenant_id', tenant_id, 'author_id', author_id),
                    'name', name) FROM {s}.authors ORDER BY author_id")).await;
        assert_eq!(lines::<Value>(&dir.join("authors.jsonl")), authors);
        let commands: Vec<Value> = lines(&dir.join("commands.jsonl"));
        for (i, c) in commands.iter().enumerate() {
            assert_eq!(c["seq"], i as u64);
        }
        let tenants: Vec<Value> = lines(&dir.join("tenants.jsonl"));
        assert_eq!(commands.len(), tenants.len() + authors.len() + feed.len());
        sqlx::query(AssertSqlSafe(format!("DROP SCHEMA {s} CASCADE")))
            .execute(&pool)
            .await
            .unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// Foreign keys from the derive: a book's author, whose tenant `Table::of` folded into the
/// book's own `tenant_id`, is the composite key `(tenant_id, author_id)` — the tenant rule —
/// and an author's tenant the plain one.
#[test]
fn foreign_keys_from_the_derive_keep_the_tenant_rule() {
    use faker_pg::write::Table;
    let tenants = Table::of::<derived::Tenant>(Some("shop")).unwrap();
    let authors = Table::of::<derived::Author>(Some("shop")).unwrap();
    let books = Table::of::<derived::Book>(Some("shop")).unwrap();
    assert_eq!(
        books
            .foreign_key_sql::<derived::Book, derived::Author>("author_id", &authors)
            .unwrap(),
        r#"ALTER TABLE "shop"."books" ADD FOREIGN KEY ("tenant_id", "author_id") REFERENCES "shop"."authors" ("tenant_id", "author_id")"#
    );
    assert_eq!(
        authors
            .foreign_key_sql::<derived::Author, derived::Tenant>("id.tenant_id", &tenants)
            .unwrap(),
        r#"ALTER TABLE "shop"."authors" ADD FOREIGN KEY ("tenant_id") REFERENCES "shop"."tenants" ("id")"#
    );
    // A field that is no reference of the type's columns is said, naming it.
    let err = books
        .foreign_key_sql::<derived::Book, derived::Author>("writer", &authors)
        .unwrap_err();
    assert!(err.to_string().contains("`writer.author_id`"), "{err}");
}

/// README, "Reading the feeds in load-testing engines": the command the section shows writes
/// every file its snippets read, and the snippets are code that parses (JavaScript with
/// `node --check`, Python with `py_compile`; the engines are not installed here, see the
/// section).
#[test]
fn engine_snippets_read_files_the_bookstore_writes() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let start = readme
        .find("### Reading the feeds in load-testing engines")
        .expect("the section");
    let section = &readme[start..];
    let section = &section[..section[4..].find("\n### ").map_or(section.len(), |e| e + 4)];
    let blocks = |lang: &str| -> Vec<String> {
        let fence = format!("```{lang}\n");
        let mut out = Vec::new();
        let mut rest = section;
        while let Some(at) = rest.find(&fence) {
            let body = &rest[at + fence.len()..];
            let end = body.find("```").expect("a closed code block");
            out.push(body[..end].to_owned());
            rest = &body[end..];
        }
        out
    };

    // The command: `cargo run --release --example bookstore -- <args>  # comment`.
    let sh = blocks("sh");
    let command = sh
        .iter()
        .flat_map(|b| b.lines())
        .find(|l| l.contains("--example bookstore --"))
        .expect("the section shows the bookstore command");
    let args: Vec<&str> = command
        .split(" -- ")
        .nth(1)
        .unwrap()
        .split('#')
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    let dir = out_dir("engines");
    let mut all: Vec<&str> = args.clone();
    all.extend([
        "--out",
        dir.to_str().unwrap(),
        "--books",
        "2000",
        "--no-progress",
    ]);
    ok(run(&all));

    // Every file a snippet (or the JMeter text) names under target/bookstore/.
    let mut named = Vec::new();
    let mut rest = section;
    while let Some(at) = rest.find("target/bookstore/") {
        let tail = &rest[at + "target/bookstore/".len()..];
        let name: String = tail
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            .collect();
        // (`target/bookstore/..` in the prose is no file.)
        if name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            named.push(name);
        }
        rest = tail;
    }
    for want in ["books.jsonl", "books.csv", "commands.jsonl"] {
        assert!(named.iter().any(|n| n == want), "no snippet reads {want}");
    }
    for name in &named {
        assert!(
            dir.join(name).is_file(),
            "{name} is not written by `{command}`"
        );
    }

    // The snippets parse.
    let js = blocks("javascript");
    assert_eq!(js.len(), 2, "the two k6 scripts");
    for (i, code) in js.iter().enumerate() {
        let file = dir.join(format!("k6-{i}.mjs"));
        std::fs::write(&file, code).unwrap();
        let out = Command::new("node")
            .arg("--check")
            .arg(&file)
            .output()
            .expect("node (Node.js) checks the k6 scripts: install it to run this test");
        assert!(
            out.status.success(),
            "k6 script {i} does not parse:\n{code}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let py = blocks("python");
    assert_eq!(py.len(), 1, "the Locust file");
    let file = dir.join("readers.py");
    std::fs::write(&file, &py[0]).unwrap();
    let out = Command::new("python3")
        .args(["-m", "py_compile"])
        .arg(&file)
        .output()
        .expect("python3 checks the Locust file");
    assert!(
        out.status.success(),
        "the Locust file does not compile:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
