//! `faker-pg scaffold` end to end on the real Chinook sample: scaffold the crate, build it
//! (against this checkout, with the workspace's lock file, in a target directory of its own
//! under `target/`), run it into an empty schema, and check the result with `faker-pg compare`.
//! No hand edit of the written crate.
//!
//! The build is the slow part (the crate's own dependency tree, debug profile, about a minute
//! on two cores the first time, seconds afterwards); the crate is kept small for it: four
//! dependencies, five files.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::binary::*;
use crate::support::*;

/// Every reference column of the sample (declared foreign keys): each must pass.
const REFERENCES: &[(&str, &str)] = &[
    ("album", "artist_id"),
    ("customer", "support_rep_id"),
    ("employee", "reports_to"),
    ("invoice", "customer_id"),
    ("invoice_line", "invoice_id"),
    ("invoice_line", "track_id"),
    ("track", "album_id"),
    ("track", "genre_id"),
    ("track", "media_type_id"),
    ("playlist_track", "playlist_id"),
    ("playlist_track", "track_id"),
];

/// What the scaffold does not reproduce on this sample, and why (anything else failing is a
/// regression). All are relations; every column passes.
///
/// * `track.(genre_id, media_type_id)`: 38 pairs in production, about 53 generated. The album
///   decides the media type (degree 0.996: `media_type_id` follows `album_id`) and album and
///   genre share a joint law, so genre and media type meet only through the album; that video
///   genres hold only video media is a third relation the scaffold does not model.
/// * A value a reference decides without the scaffold writing `follows(..)`: an invoice's
///   total (360 distinct (customer, total) pairs of 412 rows: no dependency, the amounts
///   repeat per customer more than independent draws make them), a line's unit price by its
///   invoice (degree 0.92, below the 0.95 read as a dependency) and a track's by its media
///   type (0.94; the genre decides it exactly, and that one is written), a customer's state
///   and company by the support rep, and the 8-row employee table's title and city by the
///   manager (degree 1 over three managers, which independent values give with probability
///   0.14: written as independent, see `relations::dependency_evidence`).
const KNOWN_GAPS: &[(&str, &str)] = &[
    ("track", "(genre_id, media_type_id)"),
    ("customer", "(support_rep_id, company)"),
    ("customer", "(support_rep_id, state)"),
    ("employee", "(reports_to, title)"),
    ("employee", "(reports_to, city)"),
    ("invoice", "(customer_id, total)"),
    ("invoice_line", "(invoice_id, unit_price)"),
    ("track", "(media_type_id, unit_price)"),
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the package lies in the workspace")
        .to_path_buf()
}

fn run(command: &mut Command, what: &str) -> String {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `faker-pg scaffold` of `schema` (depending on this checkout) into a fresh directory: the
/// crate's directory, and what the command printed on stderr.
fn scaffold(schema: &str) -> (PathBuf, String) {
    let out = std::env::temp_dir().join(format!("{schema}-crate"));
    let _ = std::fs::remove_dir_all(&out);
    let workspace = workspace();
    let scaffolded = faker_pg(&[
        "scaffold",
        "--database-url",
        &database_url(),
        "--schema",
        schema,
        "--out",
        out.to_str().unwrap(),
        "--ddd-faker-path",
        workspace.to_str().unwrap(),
    ])
    .ok();
    (out, scaffolded.stderr)
}

/// Builds the crate scaffolded from `schema` at `out` with the workspace's lock file (the
/// versions this checkout is tested with), in a target directory of its own, and runs it
/// into the schema `target`: its stdout, the configured-vs-achieved table.
fn build_and_fill(out: &Path, schema: &str, target: &str) -> String {
    let workspace = workspace();
    std::fs::copy(workspace.join("Cargo.lock"), out.join("Cargo.lock")).unwrap();
    let target_dir = workspace.join("target/scaffold-test");
    run(
        Command::new(env!("CARGO"))
            .args(["build", "--quiet"])
            .current_dir(out)
            .env("CARGO_TARGET_DIR", &target_dir),
        "cargo build of the scaffolded crate",
    );
    let name = format!("{}-faker", schema.replace('_', "-"));
    run(
        Command::new(target_dir.join("debug").join(&name))
            .args([
                "--database-url",
                &database_url(),
                "--schema",
                target,
                "--replace",
            ])
            .env_remove("DATABASE_URL"),
        "the scaffolded crate",
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scaffolded_chinook_crate_fills_a_database_that_compare_accepts() {
    in_schemas("scaffold", 2, |_conn, schemas| async move {
        let (source, target) = (
            schemas[0].as_str().to_owned(),
            schemas[1].as_str().to_owned(),
        );
        let url = database_url();
        run(
            Command::new("python3")
                .arg(workspace().join("scripts/chinook.py"))
                .args(["--database-url", &url, "--schema", &source, "--indexes"]),
            "scripts/chinook.py (the test needs the sample and never skips)",
        );

        let (out, stderr) = scaffold(&source);
        assert!(stderr.contains("wrote crate"), "{stderr}");
        let domain = std::fs::read_to_string(out.join("src/domain.rs")).unwrap();
        // A link table's key is an id made of its references, each combination used once,
        // stored playlist by playlist as production's rows are.
        assert!(
            domain.contains("#[joint(playlist_id, track_id, mean = 1, ordered)]"),
            "{domain}"
        );
        // Physical order: production's invoices are stored in date order, their lines invoice
        // by invoice (correlation 1.000 both).
        let attribute_of = |column: &str| -> String {
            domain
                .lines()
                .zip(domain.lines().skip(1))
                .find(|(_, field)| field.trim().starts_with(&format!("pub {column}:")))
                .map(|(attribute, _)| attribute.to_owned())
                .unwrap_or_else(|| panic!("{column} missing from\n{domain}"))
        };
        assert!(
            attribute_of("invoice_date").ends_with(", ordered)]"),
            "{domain}"
        );
        assert!(
            attribute_of("invoice_id").ends_with(", ordered)]"),
            "{domain}"
        );
        // Text at production's lengths, and a composer repeated as in production (about three
        // tracks per composer): a pool of generated names.
        assert!(domain.contains("static TRACK_NAME_LENGTH"), "{domain}");
        assert!(
            attribute_of("composer")
                .trim_start()
                .starts_with("#[distributor(mean = "),
            "{domain}"
        );
        // The most prolific artist's 21 of 347 albums: more than the quartile weights give the
        // first rank, so the head gets its own shares.
        let artist = attribute_of("artist_id");
        assert!(artist.contains("top = [0.0605, "), "{artist}");
        assert!(domain.contains("#[reference(Artist)]"), "{domain}");
        // A track's album decides its media type.
        assert!(
            domain.contains("#[reference(MediaType, follows(album_id))]"),
            "{domain}"
        );

        // An invoice's billing address is its customer's; a track's price its genre's (the
        // first `unit_price` field is the track's: tables come in dependency order).
        for (column, owner) in [
            ("billing_city", "customer_id"),
            ("billing_country", "customer_id"),
            ("unit_price", "genre_id"),
        ] {
            let line = domain
                .lines()
                .zip(domain.lines().skip(1))
                .find(|(_, field)| field.trim().starts_with(&format!("pub {column}:")))
                .map(|(attribute, _)| attribute)
                .unwrap_or_else(|| panic!("{column} missing from\n{domain}"));
            assert!(
                line.contains(&format!("follows({owner})")),
                "{column}: {line}"
            );
        }

        let report = build_and_fill(&out, &source, &target);
        // Configured against achieved: production's row counts, every table.
        for (table, rows) in [
            ("track", 3503),
            ("invoice_line", 2240),
            ("playlist_track", 8715),
        ] {
            let line = report
                .lines()
                .find(|l| l.split_whitespace().next() == Some(table))
                .unwrap_or_else(|| panic!("{table} missing from\n{report}"));
            let figures: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(figures[1..], [rows.to_string(), rows.to_string()], "{line}");
        }

        let compared = compare_schemas(&schemas[0], &schemas[1], &["--json", "--quiet"]);
        let reports: Vec<Value> = json_lines(&compared.stdout);
        let label = |r: &Value| {
            (
                r["table"].as_str().unwrap().to_owned(),
                r["column"].as_str().unwrap().to_owned(),
            )
        };
        for (table, column) in REFERENCES {
            let r = reports
                .iter()
                .find(|r| label(r) == (table.to_string(), column.to_string()))
                .unwrap_or_else(|| panic!("{table}.{column} not compared"));
            assert_eq!(r["pass"], true, "{table}.{column}: {r}");
        }
        let failing: Vec<(String, String)> = reports
            .iter()
            .filter(|r| r["pass"] != true)
            .map(label)
            .collect();
        let known: Vec<(String, String)> = KNOWN_GAPS
            .iter()
            .map(|(t, c)| (t.to_string(), c.to_string()))
            .collect();
        let unexpected: Vec<_> = failing.iter().filter(|f| !known.contains(f)).collect();
        assert!(
            unexpected.is_empty(),
            "out of tolerance: {unexpected:?}\n{}",
            compared.stdout
        );
        assert!(reports.len() >= 50, "{} subjects compared", reports.len());

        // Plan fidelity (issue 17): the queries of scripts/chinook.plans, with production's
        // indexes copied, get production's plan shape for at least 90% of them (22 or 23 of 24
        // by seed when measured; PLANS.md has the figures and why the others differ).
        let url = database_url();
        let queries = workspace().join("scripts/chinook.plans");
        let plans = faker_pg(&[
            "plans",
            "--source",
            &url,
            "--target",
            &url,
            "--schema",
            &source,
            "--target-schema",
            &target,
            "--queries",
            queries.to_str().unwrap(),
            "--copy-indexes",
            "--min-same",
            "0.9",
        ]);
        assert_eq!(
            plans.code,
            Some(0),
            "plans:\n{}\n{}",
            plans.stdout,
            plans.stderr
        );
        let _ = std::fs::remove_dir_all(&out);
    })
    .await;
}

/// A synthetic schema with one of each relation the scaffold models: a reference no foreign
/// key declares (3% of its values dangling), two references to one table that never hold the
/// same value and whose pairs repeat (routes), a functional dependency the referenced table
/// holds (a book's author belongs to the book's tenant), and a text column whose values are
/// all distinct. Also a nullable text reference no foreign key declares, 15% of its values
/// dangling but every key used (found all the same: a `planes` table missing some planes), whose
/// pairs with the route repeat: a joint law never holds a nullable member, so it is drawn on
/// its own and its pairs are the only figures out of tolerance. The written crate is built,
/// run, and compared.
#[tokio::test(flavor = "multi_thread")]
async fn the_scaffold_models_each_relation_of_a_synthetic_schema() {
    in_schemas("scaffold_synthetic", 2, |mut conn, schemas| async move {
        let (s, target) = (schemas[0].clone(), schemas[1].as_str().to_owned());
        for sql in [
            "CREATE TABLE {s}.tenant (id integer PRIMARY KEY)",
            "CREATE TABLE {s}.author (id integer PRIMARY KEY, tenant_id integer NOT NULL REFERENCES {s}.tenant)",
            "CREATE TABLE {s}.airport (id integer PRIMARY KEY)",
            "CREATE TABLE {s}.shelf (id integer PRIMARY KEY)",
            "CREATE TABLE {s}.plane (code text PRIMARY KEY)",
            "CREATE TABLE {s}.book (id integer PRIMARY KEY,
                 tenant_id integer NOT NULL REFERENCES {s}.tenant,
                 author_id integer NOT NULL REFERENCES {s}.author,
                 origin_id integer NOT NULL REFERENCES {s}.airport,
                 dest_id integer NOT NULL REFERENCES {s}.airport,
                 shelf_id integer,
                 plane_code text,
                 isbn text NOT NULL)",
            "INSERT INTO {s}.tenant SELECT g FROM generate_series(1, 10) g",
            "INSERT INTO {s}.author SELECT g, 1 + g % 10 FROM generate_series(1, 100) g",
            "INSERT INTO {s}.airport SELECT g FROM generate_series(1, 20) g",
            "INSERT INTO {s}.shelf SELECT g FROM generate_series(1, 50) g",
            "INSERT INTO {s}.plane SELECT 'P' || lpad(g::text, 2, '0') FROM generate_series(1, 40) g",
            // 2 000 books, drawn independently but for what ties them: the author decides
            // the tenant; 30 routes, never from an airport to itself; 3% of the shelves
            // dangle (ids 1000+); 2% of the planes are null, 15% dangle, the others are
            // one of two per route.
            "SELECT setseed(0.42)",
            "INSERT INTO {s}.book
             SELECT g, 1 + a % 10, a, 1 + r % 20, 1 + (r + 1 + r / 20) % 20,
                    CASE WHEN g % 100 < 3 THEN 1000 + g ELSE 1 + floor(random() * 50)::int END,
                    CASE WHEN g % 100 < 2 THEN NULL
                         WHEN g % 100 < 17 THEN 'X' || g
                         ELSE 'P' || lpad((1 + (r + 30 * (g % 2)) % 40)::text, 2, '0') END,
                    'isbn-' || g
             FROM (SELECT g, 1 + floor(random() * 100)::int AS a, floor(random() * 30)::int AS r
                   FROM generate_series(1, 2000) AS g) AS x",
            "ANALYZE {s}.book",
        ] {
            execute(&mut conn, sql.replace("{s}", &s.quoted())).await;
        }
        let (out, _) = scaffold(s.as_str());
        let domain = std::fs::read_to_string(out.join("src/domain.rs")).unwrap();
        for expected in [
            // found in the data, with its dangling share
            "No foreign key declares it: 97.0% of production's values are keys of shelf (60 dangling)",
            "#[reference(Shelf)]",
            // ownership: the owned reference follows its owner (declared after it)
            "book: author_id determines tenant_id (degree 1.000)",
            "#[reference(Tenant, follows(author_id))]",
            // two references to one table that never meet, and their pairs' law
            "#[reference(Airport, differ(origin_id))]",
            "#[joint(origin_id, dest_id,",
            // every value distinct
            "values::unique(",
            // found although 15% dangle, since it uses every plane; and kept out of the
            // route's joint law, being nullable
            "keys of plane (",
            "pub plane_code: Option<PlaneId>",
            "but plane_code has nulls",
        ] {
            assert!(domain.contains(expected), "{expected:?} missing from\n{domain}");
        }

        build_and_fill(&out, s.as_str(), &target);
        let generated = |sql: &str| sql.replace("{t}", &ident(&target).quoted());
        let (round_trips, foreign_tenants): (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(generated(
            "SELECT count(*) FILTER (WHERE b.origin_id = b.dest_id),
                    count(*) FILTER (WHERE a.tenant_id <> b.tenant_id)
             FROM {t}.book b JOIN {t}.author a ON a.id = b.author_id",
        )))
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!(round_trips, 0);
        // What `follows(..)` does not keep (the note says so): the book's tenant is not the
        // one the `author` table gives its author.
        assert!(foreign_tenants > 0);
        let compared = compare_schemas(&s, &schemas[1], &["--json", "--quiet"]);
        let failing: Vec<String> = json_lines(&compared.stdout)
            .iter()
            .filter(|r| r["pass"] != true)
            .map(|r| format!("{}.{}", r["table"].as_str().unwrap(), r["column"].as_str().unwrap()))
            .collect();
        // Every column and relation holds, the dependency within `book` too: `follows(..)`
        // gives each author one tenant there (degree 1.000 on both sides); the plane's mean
        // too, its dangling rows counted on the planes generation points them at. Only the
        // plane's pairs differ: with the route, which no law models (60 pairs, about 690
        // generated), and the distinct pairs with the author and the shelf, which grow with
        // the rows: production's are measured without the 15% dangling rows, the generated
        // ones over all rows, and `compare` does not rescale a pair count to the rows.
        let unmodelled = [
            "book.(origin_id, plane_code)",
            "book.(dest_id, plane_code)",
            "book.(author_id, plane_code)",
            "book.(shelf_id, plane_code)",
        ];
        assert!(
            failing.iter().all(|f| unmodelled.contains(&f.as_str())),
            "{failing:?}\n{}",
            compared.stdout
        );
        assert!(failing.len() >= 2, "{failing:?}: the route's pairs must differ");
        let _ = std::fs::remove_dir_all(&out);
    })
    .await;
}
