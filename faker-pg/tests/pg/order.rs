//! A column's correlation with the physical order of the rows, measured as `ANALYZE` defines
//! it: the figure agrees with `pg_stats.correlation` on columns in order, in reverse, in
//! random order and in runs of equal values, whole or from a sample of pages.

use faker_pg::ident::qualified;
use faker_pg::profiler::order::physical_correlation;
use faker_pg::profiler::sample::Sample;

use crate::support::*;

#[tokio::test]
async fn physical_correlation_agrees_with_pg_stats() {
    in_schema("order", |mut conn, schema| async move {
        let table = ident("lines");
        let target = qualified(Some(&schema), &table);
        execute(
            &mut conn,
            format!(
                "CREATE TABLE {target} (id bigserial PRIMARY KEY, invoice_id integer,
                                        day date, shuffled integer, falling integer)"
            ),
        )
        .await;
        // 20 000 rows inserted invoice by invoice (runs of 1 to 7 lines), days going up with
        // noise of a few days, a value in no order, a value going down.
        execute(
            &mut conn,
            format!(
                "INSERT INTO {target} (invoice_id, day, shuffled, falling)
                 SELECT i / 4, date '2010-01-01' + i / 20 + (i * 7919) % 5,
                        (i * 104729) % 20011, 20000 - i
                 FROM generate_series(1, 20000) AS i"
            ),
        )
        .await;
        execute(&mut conn, format!("ANALYZE {target}")).await;
        for column in ["invoice_id", "day", "shuffled", "falling"] {
            let stats: f64 = sqlx::query_scalar(
                "SELECT correlation::float8 FROM pg_stats
                 WHERE schemaname = $1 AND tablename = 'lines' AND attname = $2",
            )
            .bind(schema.as_str())
            .bind(column)
            .fetch_one(&mut conn)
            .await
            .unwrap();
            let whole =
                physical_correlation(&mut conn, Some(&schema), &table, &ident(column), None)
                    .await
                    .unwrap()
                    .unwrap();
            // ANALYZE reads a sample of 30 000 rows (all 20 000 here), so the figures are the
            // same up to the float4 pg_stats stores.
            assert!((whole - stats).abs() < 1e-3, "{column}: {whole} vs {stats}");
            let sampled = physical_correlation(
                &mut conn,
                Some(&schema),
                &table,
                &ident(column),
                Some(Sample {
                    percent: 20.0,
                    seed: 1,
                }),
            )
            .await
            .unwrap()
            .unwrap();
            // A fifth of the pages, whole: order within and across the sampled pages is kept,
            // so the ordered columns stay near ±1 and the shuffled one near 0 (its sampling
            // error at ~4 000 rows is about 1/sqrt(4000) = 0.016; 0.05 is three of those).
            assert!(
                (sampled - stats).abs() < 0.05,
                "{column}: {sampled} vs {stats}"
            );
        }
        let near = |c: &str, want: f64| {
            let (c, want) = (c.to_owned(), want);
            move |got: f64| assert!((got - want).abs() < 0.02, "{c}: {got}")
        };
        for (column, check) in [
            ("invoice_id", near("invoice_id", 1.0)),
            ("falling", near("falling", -1.0)),
            ("shuffled", near("shuffled", 0.0)),
        ] {
            check(
                physical_correlation(&mut conn, Some(&schema), &table, &ident(column), None)
                    .await
                    .unwrap()
                    .unwrap(),
            );
        }
        // A column without values has none.
        execute(&mut conn, format!("UPDATE {target} SET shuffled = NULL")).await;
        let none = physical_correlation(&mut conn, Some(&schema), &table, &ident("shuffled"), None)
            .await
            .unwrap();
        assert_eq!(none, None);
    })
    .await;
}
