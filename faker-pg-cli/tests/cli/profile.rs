//! `faker-pg profile`, run as the built binary: its figures, suggestions, `--all`, and its
//! one-line errors (`profile` and `compare`).

use std::future::Future;
use std::panic::resume_unwind;

use faker_pg::ident::qualified;
use faker_pg::{Ident, Profile, profile_column, profile_columns};
use serde_json::Value;

use crate::binary::*;
use crate::support::*;

/// The JSON report's figures equal `expected` (integers exactly, floats to 1e-9 relative).
fn assert_json_profile(report: &Value, expected: &Profile) {
    for key in faker_pg::profiler::report::JSON_KEYS {
        assert!(report.get(key).is_some(), "key {key} missing in {report}");
    }
    let got = Profile {
        rows: report["rows"].as_u64().unwrap(),
        nulls: report["nulls"].as_u64().unwrap(),
        distinct: report["distinct"].as_u64().unwrap(),
        mean_uses: num(&report["mean"]),
        null_share: num(&report["null_share"]),
        quartile_shares: [0, 1, 2, 3].map(|i| num(&report["weights"][i])),
        skew: expected.skew.map(|_| faker_pg::SkewFit {
            skew: report["skew"].as_f64().unwrap_or(f64::INFINITY),
            alpha: num(&report["alpha"]),
            slope: -num(&report["alpha"]),
            r2: num(&report["r2"]),
            points: report["fit_points"].as_u64().unwrap() as usize,
        }),
    };
    if expected.skew.is_none() {
        assert!(
            report["r2"].is_null() && report["skew"].is_null(),
            "{report}"
        );
    }
    if let Err(diff) = compare(&got, expected) {
        panic!("{diff}\nCLI:  {got:?}\nRust: {expected:?}");
    }
}

/// `profile --json` gives every figure of the Rust estimators, and the rule picks `skew` for
/// a power law, quartile `weights` for partitions, and for few values of a column that is no
/// foreign key a `one_of` list with one weight per value.
#[tokio::test]
async fn cli_profile_figures_and_suggestions() {
    in_schema("cli_profile", |mut conn, schema| async move {
        let url = database_url();
        let s = schema.as_str().to_owned();
        let column = ident("ref_id");
        let table = |name: &str| {
            let target = qualified(Some(&schema), &ident(name));
            (
                format!("CREATE TABLE {target} (id bigserial PRIMARY KEY, {column} bigint)"),
                target,
            )
        };
        let (power_ddl, power) = table("power");
        let (parts_ddl, parts) = table("parts");
        let (few_ddl, few) = table("few");
        execute(&mut conn, format!("{power_ddl}; {parts_ddl}; {few_ddl}")).await;

        let power_counts = power_law(1000, 300.0, 0.5);
        let ids = scrambled_ids(1000);
        insert_counts(
            &mut conn,
            &power,
            &column,
            "bigint[]",
            "u.v",
            ids,
            &power_counts,
            123,
        )
        .await;
        let weights = [0.6, 0.25, 0.1, 0.05];
        let parts_counts = weights_law(400, 40_000, &weights);
        let ids = scrambled_ids(400);
        insert_counts(
            &mut conn,
            &parts,
            &column,
            "bigint[]",
            "u.v",
            ids,
            &parts_counts,
            0,
        )
        .await;
        let few_counts = [70, 20, 10];
        insert_counts(
            &mut conn,
            &few,
            &column,
            "bigint[]",
            "u.v",
            vec![7i64, 8, 9],
            &few_counts,
            0,
        )
        .await;

        let run = |table: &str, json: bool| {
            let mut args = vec![
                "profile",
                "--database-url",
                &url,
                "--schema",
                &s,
                "--table",
                table,
                "--column",
                "ref_id",
            ];
            if json {
                args.push("--json");
            }
            faker_pg(&args).ok()
        };

        // a power law: skew
        let out = run("power", true);
        let reports = json_lines(&out.stdout);
        assert_eq!(reports.len(), 1);
        let r = &reports[0];
        assert_eq!(
            (r["schema"].as_str(), r["table"].as_str()),
            (Some(s.as_str()), Some("power"))
        );
        assert_eq!(r["column"], "ref_id");
        assert!(
            r.get("values").is_none(),
            "1000 values are not low-cardinality"
        );
        let expected = Profile::from_counts(&power_counts, 123);
        assert_json_profile(r, &expected);
        let fit = expected.skew.unwrap();
        assert!((fit.skew - 2.0).abs() < 0.02, "{fit:?}");
        let suggestion = &r["suggestion"];
        assert_eq!(suggestion["law"], "skew");
        close("suggested skew", num(&suggestion["skew"]), fit.skew).unwrap();
        assert!(suggestion["weights"].is_null());
        let attribute = suggestion["attribute"].as_str().unwrap();
        let want = format!(
            "#[distributor(skew = {}, mean = {}, null_weight = {})]",
            faker_pg::profiler::suggest::decimals(fit.skew, 2),
            faker_pg::profiler::suggest::decimals(expected.mean_uses, 2),
            faker_pg::profiler::suggest::significant(expected.null_share, 3),
        );
        assert_eq!(attribute, want);
        assert!(
            attribute.starts_with("#[distributor(skew = 2"),
            "{attribute}"
        );
        // the predicted quartiles are the closed form at the measured distinct count
        let predicted = faker_pg::profiler::suggest::predicted_quartile_shares(
            faker_core::Skew::new(fit.skew).unwrap(),
            1000,
        );
        for (i, p) in predicted.iter().enumerate() {
            close("predicted", num(&suggestion["predicted_weights"][i]), *p).unwrap();
            assert!((p - expected.quartile_shares[i]).abs() <= 0.03);
        }
        let text = run("power", false).stdout;
        assert!(text.contains("suggestion: skew: power law, r² "), "{text}");
        assert!(text.contains(&want), "{text}");
        assert!(text.contains(&format!("{s}.power.ref_id")), "{text}");

        // partitions: quartile weights, as given
        let r = &json_lines(&run("parts", true).stdout)[0];
        let expected = Profile::from_counts(&parts_counts, 0);
        assert_json_profile(r, &expected);
        assert_eq!(r["suggestion"]["law"], "weights");
        for (i, w) in weights.iter().enumerate() {
            assert!(
                (num(&r["suggestion"]["weights"][i]) - w).abs() < 0.005,
                "{r}"
            );
        }
        let attribute = r["suggestion"]["attribute"].as_str().unwrap();
        assert_eq!(
            attribute,
            "#[distributor(weights = [0.6, 0.25, 0.1, 0.05], mean = 100)]"
        );
        let reason = r["suggestion"]["reason"].as_str().unwrap();
        assert!(reason.starts_with("weights: "), "{reason}");

        // three values: the list, and one weight per value
        let r = &json_lines(&run("few", true).stdout)[0];
        assert_json_profile(r, &Profile::from_counts(&few_counts, 0));
        let values: Vec<(String, u64, f64)> = r["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["value"].as_str().unwrap().to_owned(),
                    v["count"].as_u64().unwrap(),
                    num(&v["share"]),
                )
            })
            .collect();
        assert_eq!(
            values,
            [
                ("7".to_owned(), 70, 0.7),
                ("8".to_owned(), 20, 0.2),
                ("9".to_owned(), 10, 0.1)
            ]
        );
        // no foreign key: a fixed value list, numbers as they are; the pooled reading stays in
        // the reason, for a reference without a constraint
        assert_eq!(r["suggestion"]["law"], "one_of");
        assert_eq!(
            r["suggestion"]["attribute"],
            "#[provider(one_of = [7, 8, 9], weights = [0.7, 0.2, 0.1])]"
        );
        let reason = r["suggestion"]["reason"].as_str().unwrap();
        assert!(
            reason.starts_with("one_of: 3 distinct values (low cardinality) and no foreign key")
                && reason.ends_with("#[distributor(weights = [0.7, 0.2, 0.1], mean = 33.33)]"),
            "{reason}"
        );
        // a lower limit makes the same column high-cardinality: no list, quartile rule
        let out = faker_pg(&[
            "profile",
            "--database-url",
            &url,
            "--schema",
            &s,
            "--table",
            "few",
            "--column",
            "ref_id",
            "--json",
            "--max-values",
            "2",
        ])
        .ok();
        let r = &json_lines(&out.stdout)[0];
        assert!(r.get("values").is_none());
        assert_ne!(
            r["suggestion"]["reason"]
                .as_str()
                .unwrap()
                .find("low cardinality"),
            Some(0)
        );
    })
    .await;
}

/// `--all` reports every foreign key (the composite one as a tuple) and every
/// low-cardinality column, with progress on stderr.
#[tokio::test]
async fn cli_profile_all() {
    in_schema("cli_all", |mut conn, schema| async move {
        bookstore_schema(&mut conn, &schema).await;
        fill_bookstore(&mut conn, &schema).await;
        let (url, s) = (database_url(), schema.as_str().to_owned());
        let out = faker_pg(&[
            "profile",
            "--database-url",
            &url,
            "--schema",
            &s,
            "--all",
            "--json",
        ])
        .ok();
        let (reports, relations): (Vec<Value>, Vec<Value>) = json_lines(&out.stdout)
            .into_iter()
            .partition(|r| r.get("relation").is_none());
        // The reference with the value column of its table: books.(tenant_id, status).
        assert_eq!(relations.len(), 1, "{relations:?}");
        assert_eq!(relations[0]["relation"], serde_json::json!(["tenant_id", "status"]));
        assert_eq!(relations[0]["with"], "value");
        let got: Vec<(String, String)> = reports
            .iter()
            .map(|r| {
                (
                    r["table"].as_str().unwrap().to_owned(),
                    r["column"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let want = [
            ("authors", "tenant_id"),
            ("books", "(tenant_id, author_id)"),
            ("books", "tenant_id"),
            ("books", "status"),
            ("tenants", "region"),
        ]
        .map(|(t, c)| (t.to_owned(), c.to_owned()));
        assert_eq!(got, want, "stderr: {}", out.stderr);

        let composite = find(&reports, "books", "(tenant_id, author_id)");
        assert_eq!(
            composite["columns"],
            serde_json::json!(["tenant_id", "author_id"])
        );
        assert_eq!(
            composite["foreign_key"]["references"],
            format!("{s}.authors(tenant_id, id)")
        );
        let columns = [ident("tenant_id"), ident("author_id")];
        let sql = profile_columns(&mut conn, Some(&schema), &ident("books"), &columns)
            .await
            .unwrap();
        assert_json_profile(composite, &sql);
        assert_eq!((sql.rows, sql.nulls), (20_000, 400));
        assert!(composite.get("values").is_none());

        let status = find(&reports, "books", "status");
        assert!(status["foreign_key"].is_null());
        let shares: Vec<(&str, f64)> = status["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| (v["value"].as_str().unwrap(), num(&v["share"])))
            .collect();
        assert_eq!(shares, [("active", 0.6), ("draft", 0.3), ("retired", 0.1)]);
        // not a reference: a fixed value list, strings quoted
        assert_eq!(
            status["suggestion"]["attribute"],
            r#"#[provider(one_of = ["active", "draft", "retired"], weights = [0.6, 0.3, 0.1])]"#
        );
        // a foreign key keeps the pooled suggestion (values created and reused)
        let tenant = find(&reports, "authors", "tenant_id");
        assert_eq!(tenant["suggestion"]["law"], "weights");
        assert!(
            tenant["suggestion"]["attribute"]
                .as_str()
                .unwrap()
                .starts_with("#[distributor(weights = ["),
            "{}",
            tenant["suggestion"]
        );
        let status_sql =
            profile_column(&mut conn, Some(&schema), &ident("books"), &ident("status"))
                .await
                .unwrap();
        assert_json_profile(status, &status_sql);

        assert!(
            out.stderr.contains(&format!(
                "[1/8] {s}.authors.tenant_id: 600 rows, 3 distinct"
            )),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("not low-cardinality"), "{}", out.stderr);
        assert!(
            out.stderr
                .contains("done: 5 columns reported, 1 relations (between references, and of a reference with a low-cardinality column), 0 errors"),
            "{}",
            out.stderr
        );

        // one table; text; quiet
        let out = faker_pg(&[
            "profile",
            "--database-url",
            &url,
            "--schema",
            &s,
            "--all",
            "--table",
            "tenants",
            "-q",
        ])
        .ok();
        assert_eq!(out.stderr, "");
        assert!(
            out.stdout.starts_with(&format!("{s}.tenants.region\n")),
            "{}",
            out.stdout
        );
        assert!(
            out.stdout
                .contains(r#"#[provider(one_of = ["us", "eu"], weights = [0.667, 0.333])]"#),
            "{}",
            out.stdout
        );
    })
    .await;
}

/// A role without any privilege, dropped afterwards even when `body` panics. `body` gets a
/// URL logging in as that role.
async fn with_role<F, Fut>(schema: &Ident, body: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut admin = connect().await;
    let role = ident(&format!("{}_reader", schema.as_str()));
    let password = format!("pw{:08x}", rand::random::<u32>());
    execute(
        &mut admin,
        format!("CREATE ROLE {role} LOGIN PASSWORD '{password}'; GRANT USAGE ON SCHEMA {schema} TO {role}"),
    )
    .await;
    // the same server and database, logged in as the role
    let url = database_url();
    let scheme = url.find("://").map_or(0, |i| i + 3);
    let host = url.rfind('@').map_or(scheme, |at| at + 1);
    let as_role = format!(
        "{}{}:{password}@{}",
        &url[..scheme],
        role.as_str(),
        &url[host..]
    );
    let outcome = tokio::spawn(body(as_role)).await;
    execute(
        &mut admin,
        format!("DROP OWNED BY {role}; DROP ROLE {role}"),
    )
    .await;
    if let Err(err) = outcome {
        match err.try_into_panic() {
            Ok(panic) => resume_unwind(panic),
            Err(err) => panic!("test task failed: {err}"),
        }
    }
}

#[tokio::test]
async fn cli_errors_are_one_line_and_non_zero() {
    in_schema("cli_errors", |mut conn, schema| async move {
        let (url, s) = (database_url(), schema.as_str().to_owned());
        execute(
            &mut conn,
            format!(
                "CREATE TABLE {schema}.books (author_id bigint);
                 CREATE TABLE {schema}.empty (author_id bigint);
                 INSERT INTO {schema}.books SELECT g % 7 FROM generate_series(1, 100) g"
            ),
        )
        .await;
        let profile = |url: &str, table: &str, column: &str| {
            faker_pg(&[
                "profile",
                "--database-url",
                url,
                "--schema",
                &s,
                "--table",
                table,
                "--column",
                column,
            ])
        };
        profile(&url, "books", "author_id").ok();
        profile(&url, "nope", "author_id")
            .one_line_error(&format!("table \"{s}\".\"nope\" not found"));
        profile(&url, "books", "title").one_line_error(&format!(
            "column \"title\" not found in table \"{s}\".\"books\""
        ));
        profile(&url, "empty", "author_id")
            .one_line_error(&format!("table {s}.empty is empty: nothing to profile"));
        faker_pg(&[
            "profile",
            "--database-url",
            &url,
            "--schema",
            &format!("{s}_none"),
            "--all",
        ])
        .one_line_error(&format!("schema {s}_none not found"));
        // nothing listens on port 1; the password is not shown
        let refused = profile(
            "postgres://someone:secret@127.0.0.1:1/test",
            "books",
            "author_id",
        );
        refused.one_line_error("cannot connect to postgres://someone:***@127.0.0.1:1/test");
        assert!(!refused.stderr.contains("secret"));
        faker_pg(&[
            "compare",
            "--source",
            &url,
            "--target",
            &url,
            "--schema",
            &s,
            "--tolerance",
            "weight=0.1",
        ])
        .one_line_error("`weight` is not a tolerance");
        faker_pg(&[
            "compare",
            "--source",
            &url,
            "--target",
            &url,
            "--schema",
            &s,
            "--target-schema",
            &format!("{s}_none"),
        ])
        .one_line_error(&format!("target: schema {s}_none not found"));
        // a usage error is clap's, also exit code 2
        let usage = faker_pg(&["profile", "--database-url", &url, "--table", "books"]);
        assert_eq!(usage.code, Some(2), "{}", usage.stderr);
        assert!(usage.stderr.contains("--column"), "{}", usage.stderr);
        // so is a name that cannot be an identifier, worded by `IdentError`
        let long = "x".repeat(64);
        let usage = faker_pg(&[
            "profile",
            "--database-url",
            &url,
            "--table",
            &long,
            "--column",
            "c",
        ]);
        assert_eq!(usage.code, Some(2), "{}", usage.stderr);
        assert!(
            usage
                .stderr
                .contains("SQL identifier is 64 bytes long, PostgreSQL keeps at most 63 bytes"),
            "{}",
            usage.stderr
        );

        let s2 = s.clone();
        with_role(&schema, |as_role| async move {
            let run = faker_pg(&[
                "profile",
                "--database-url",
                &as_role,
                "--schema",
                &s2,
                "--table",
                "books",
                "--column",
                "author_id",
            ]);
            run.one_line_error(&format!(
                "{s2}.books.author_id: permission denied for table books"
            ));
            // --all: one line per unreadable table, the rest of its columns left out
            let run = faker_pg(&[
                "profile",
                "--database-url",
                &as_role,
                "--schema",
                &s2,
                "--all",
                "-q",
            ]);
            assert_eq!(run.code, Some(2));
            let errors: Vec<&str> = run.stderr.lines().collect();
            assert_eq!(errors.len(), 2, "{}", run.stderr);
            assert!(
                errors
                    .iter()
                    .all(|l| l.starts_with("faker-pg: error: ") && l.contains("permission denied")),
                "{}",
                run.stderr
            );
        })
        .await;
    })
    .await;
}

/// `url` with one more connection parameter.
fn with_param(url: &str, param: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{param}")
}

/// Safe on production: a statement that runs longer than `--statement-timeout` is cancelled
/// (one-line error, exit 2), and `sslmode=require` in the URL connects over TLS when the
/// server offers it (this machine's does; on a server without TLS the error says so).
#[tokio::test]
async fn a_slow_statement_is_cancelled_and_tls_is_spoken() {
    use sqlx::Connection;
    in_schema("cli_safe", |mut conn, schema| async move {
        let s = schema.as_str();
        execute(
            &mut conn,
            format!(
                "CREATE VIEW {s}.slow AS
                 SELECT x FROM generate_series(1, 4) AS x, LATERAL (SELECT pg_sleep(1)) AS z"
            ),
        )
        .await;
        let url = database_url();
        faker_pg(&[
            "profile",
            "--database-url",
            &url,
            "--schema",
            s,
            "--table",
            "slow",
            "--column",
            "x",
            "--statement-timeout",
            "1",
        ])
        .one_line_error("statement timeout");

        let tls = with_param(&url, "sslmode=require");
        let offered: String = sqlx::query_scalar("SHOW ssl")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        let profiled = faker_pg(&[
            "profile",
            "--database-url",
            &tls,
            "--schema",
            s,
            "--table",
            "slow",
            "--column",
            "x",
        ]);
        if offered == "on" {
            let out = profiled.ok();
            assert!(
                out.stdout.contains("rows               4"),
                "{}",
                out.stdout
            );
            // The same build of sqlx, asked for TLS, gets it.
            let mut session = sqlx::PgConnection::connect(&tls).await.unwrap();
            let encrypted: bool =
                sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                    .fetch_one(&mut session)
                    .await
                    .unwrap();
            assert!(encrypted);
            session.close().await.ok();
        } else {
            profiled.one_line_error("cannot connect");
        }
    })
    .await;
}

/// Profiling as production requires: a role that may only read (`SELECT` on the schema's
/// tables, nothing else), over TLS with `sslmode=verify-full` against the server's own
/// self-signed certificate (the local server's snakeoil certificate, for `localhost`); the
/// same certificate for another host name is refused with a message naming the certificate.
#[tokio::test]
async fn a_read_only_role_profiles_over_verified_tls() {
    in_schema("cli_tls", |mut conn, schema| async move {
        let s = schema.as_str();
        let role = format!("{s}_reader");
        for sql in [
            format!("CREATE TABLE {s}.author (id integer PRIMARY KEY)"),
            format!(
                "CREATE TABLE {s}.book (id integer PRIMARY KEY, \
                 author_id integer REFERENCES {s}.author)"
            ),
            format!("INSERT INTO {s}.author SELECT g FROM generate_series(1, 40) g"),
            format!("INSERT INTO {s}.book SELECT g, 1 + g % 40 FROM generate_series(1, 400) g"),
            format!("CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"),
            format!("GRANT USAGE ON SCHEMA {s} TO {role}"),
            format!("GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {role}"),
        ] {
            execute(&mut conn, sql).await;
        }
        let (ssl, cert): (String, String) =
            sqlx::query_as("SELECT current_setting('ssl'), current_setting('ssl_cert_file')")
                .fetch_one(&mut conn)
                .await
                .unwrap();
        assert_eq!(
            ssl, "on",
            "the test server must offer TLS (ssl = on) for this test"
        );
        assert!(
            std::path::Path::new(&cert).is_file(),
            "the server's certificate {cert} must be readable here (a self-signed certificate \
             is its own authority)"
        );
        // `postgres://user@host:port/db?..` with the role, the host the certificate names, and
        // full verification against the certificate itself.
        let url = database_url();
        let rest = url.split_once('@').map_or(url.as_str(), |(_, r)| r);
        let (_, port_db) = rest.split_once(':').unwrap_or(("", "5432/test"));
        let verified = |host: &str| {
            format!(
                "postgres://{role}@{host}:{port_db}{}sslmode=verify-full&sslrootcert={cert}",
                if port_db.contains('?') { "&" } else { "?" }
            )
        };
        let out = faker_pg(&[
            "profile",
            "--database-url",
            &verified("localhost"),
            "--schema",
            s,
            "--all",
        ])
        .ok();
        assert!(out.stdout.contains("book.author_id"), "{}", out.stdout);
        assert!(
            out.stderr.contains("done: 1 columns reported"),
            "{}",
            out.stderr
        );
        // The certificate names `localhost`, not `127.0.0.1`: verify-full refuses.
        faker_pg(&[
            "profile",
            "--database-url",
            &verified("127.0.0.1"),
            "--schema",
            s,
            "--all",
        ])
        .one_line_error("certificate");
        execute(&mut conn, format!("DROP OWNED BY {role}")).await;
        execute(&mut conn, format!("DROP ROLE {role}")).await;
    })
    .await;
}

/// `--sample ROWS` on a table above ROWS rows: the profile is estimated from a
/// `TABLESAMPLE SYSTEM` of about ROWS rows (30% here) and says so; its figures stay within
/// `faker-pg compare`'s default tolerances of the exact profile (weights ±0.02 asserted, mean
/// ±3%, null share ±0.005), on a reference with a power law over 40 000 values and 2% nulls.
/// The data and the sampled pages are seeded, so the figures are the same every run.
#[tokio::test]
async fn a_sampled_profile_stays_close_to_the_exact_one() {
    in_schema("cli_sample", |mut conn, schema| async move {
        let s = schema.as_str();
        for sql in [
            format!("CREATE TABLE {s}.parent (id integer PRIMARY KEY)"),
            format!("INSERT INTO {s}.parent SELECT g FROM generate_series(1, 40000) g"),
            format!("CREATE TABLE {s}.child (id integer, parent_id integer REFERENCES {s}.parent)"),
            "SELECT setseed(0.25)".to_owned(),
            format!(
                "INSERT INTO {s}.child SELECT g, CASE WHEN random() < 0.02 THEN NULL \
                 ELSE 1 + floor(40000 * power(random(), 2))::int END \
                 FROM generate_series(1, 1000000) g"
            ),
            format!("ANALYZE {s}.child"),
        ] {
            execute(&mut conn, sql).await;
        }
        let url = database_url();
        let profile = |extra: &[&str]| {
            let mut args = vec![
                "profile",
                "--database-url",
                &url,
                "--schema",
                s,
                "--table",
                "child",
                "--column",
                "parent_id",
                "--json",
            ];
            args.extend_from_slice(extra);
            json_lines(&faker_pg(&args).ok().stdout).remove(0)
        };
        let exact = profile(&[]);
        let sampled = profile(&["--sample", "300000"]);
        assert_eq!(exact["sampled_percent"], Value::Null);
        let percent = num(&sampled["sampled_percent"]);
        assert!((percent - 30.0).abs() < 1.0, "{percent}");
        let mean = num(&sampled["mean"]) / num(&exact["mean"]);
        assert!((mean - 1.0).abs() < 0.03, "mean {sampled} vs {exact}");
        for q in 0..4 {
            let (a, b) = (num(&sampled["weights"][q]), num(&exact["weights"][q]));
            assert!((a - b).abs() < 0.02, "weights[{q}] {a} vs {b}");
        }
        let nulls = num(&sampled["null_share"]) - num(&exact["null_share"]);
        assert!(nulls.abs() < 0.005, "null share {sampled} vs {exact}");
    })
    .await;
}
