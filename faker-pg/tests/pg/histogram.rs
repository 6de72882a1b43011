//! A column's histogram read on the server: the bounds are exact quantiles
//! (`percentile_disc`), the bucket shares count every value once, and a numeric, date or
//! timestamp column that is not low-cardinality is reported by its histogram.

use faker_pg::ident::qualified;
use faker_pg::profiler::catalog::Subject;
use faker_pg::profiler::histogram::{ValueKind, bucket_shares, column_type, histogram};
use faker_pg::profiler::report::{Outcome, ReportOptions, profile_subject};

use crate::support::*;

/// `percentile_disc(p)` of sorted values: the first value whose cumulative share reaches `p`.
fn percentile_disc(sorted: &[i64], p: f64) -> i64 {
    let n = sorted.len();
    let position = ((p * n as f64).ceil() as usize).max(1);
    sorted[position - 1]
}

#[tokio::test]
async fn bounds_are_exact_quantiles_and_shares_count_every_value() {
    in_schema("histogram", |mut conn, schema| async move {
        let table = ident("invoices");
        let target = qualified(Some(&schema), &table);
        execute(
            &mut conn,
            format!(
                "CREATE TABLE {target} (id bigserial PRIMARY KEY, qty integer, total numeric(10, 2),
                                        day date, paid_at timestamptz, note text)"
            ),
        )
        .await;
        // 5000 rows: a skewed quantity, a total with a point mass at 0 (30%), days over five
        // years, timestamps over a year, a null in every 50th row; plus rows with NaN and
        // infinities, which a histogram leaves out.
        execute(
            &mut conn,
            format!(
                "INSERT INTO {target} (qty, total, day, paid_at, note)
                 SELECT CASE WHEN i % 50 = 0 THEN NULL ELSE (i * 7919) % 1000 * (i % 3) END,
                        CASE WHEN i % 10 < 3 THEN 0 ELSE round(exp((i % 997) / 150.0)::numeric, 2) END,
                        date '2009-01-01' + (i * 37) % 1800,
                        timestamptz '2009-01-01 00:00:00+00' + ((i * 7919) % 500000) * interval '1 minute',
                        'note ' || i
                 FROM generate_series(1, 5000) AS i"
            ),
        )
        .await;
        execute(
            &mut conn,
            format!(
                "INSERT INTO {target} (total, day) VALUES ('NaN', 'infinity'), (NULL, '-infinity')"
            ),
        )
        .await;

        let qty: Vec<i64> = {
            let mut v: Vec<i64> = (1..=5000i64)
                .filter(|i| i % 50 != 0)
                .map(|i| (i * 7919) % 1000 * (i % 3))
                .collect();
            v.sort_unstable();
            v
        };
        let kind = |name: &str| {
            let name = name.to_owned();
            let (schema, table) = (schema.clone(), table.clone());
            async move { (schema, table, ident(&name)) }
        };
        let (s, t, c) = kind("qty").await;
        let ty = column_type(&mut conn, Some(&s), &t, &c).await.unwrap();
        assert_eq!(ty.as_deref(), Some("integer"));
        let h = histogram(&mut conn, Some(&s), &t, &c, ValueKind::Integer, 20)
            .await
            .unwrap()
            .unwrap();
        let expected: Vec<String> = (0..=20)
            .map(|i| percentile_disc(&qty, f64::from(i) / 20.0).to_string())
            .collect();
        assert_eq!(h.bounds, expected);
        assert_eq!(h.shares.values, qty.len() as u64);
        // Shares as Rust counts them in the same intervals: [d_j, d_{j+1}), the last closed.
        let mut distinct: Vec<i64> = expected.iter().map(|b| b.parse().unwrap()).collect();
        distinct.dedup();
        for (j, share) in h.shares.shares.iter().enumerate() {
            let (lo, hi) = (distinct[j], distinct[j + 1]);
            let last = j + 2 == distinct.len();
            let n = qty
                .iter()
                .filter(|&&x| x >= lo && (x < hi || (last && x == hi)))
                .count();
            assert!((share - n as f64 / qty.len() as f64).abs() < 1e-12, "{j}");
        }
        assert_eq!((h.shares.below, h.shares.above), (0.0, 0.0));
        // The point mass of qty = 0 (a third of the rows) shows as equal bounds.
        assert_eq!(h.bounds[..7], ["0"; 7]);

        // Numeric with NaN, dates with infinities: left out; bounds as the attribute reads them.
        let (s, t, c) = kind("total").await;
        let h = histogram(&mut conn, Some(&s), &t, &c, ValueKind::Numeric, 4)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(h.bounds.len(), 5);
        assert_eq!(h.bounds[0], "0.00");
        assert_eq!(h.shares.values, 5000);
        assert!(h.attribute().starts_with("#[provider(quantiles = [0.00, 0.00, "), "{}", h.attribute());
        let (s, t, c) = kind("day").await;
        let h = histogram(&mut conn, Some(&s), &t, &c, ValueKind::Date, 4)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(h.shares.values, 5000);
        assert_eq!(h.bounds[0], "2009-01-01");
        assert!(h.attribute().contains("\"2009-01-01\""), "{}", h.attribute());
        let (s, t, c) = kind("paid_at").await;
        let h = histogram(&mut conn, Some(&s), &t, &c, ValueKind::TimestampTz, 4)
            .await
            .unwrap()
            .unwrap();
        // The smallest timestamp, in UTC with `Z`, without its zero microseconds.
        assert_eq!(h.bounds[0], "2009-01-01T01:25:00Z");
        let total: f64 = h.shares.shares.iter().sum();
        assert!((total - 1.0).abs() < 1e-9);
        // Measured against other bounds, values outside them show up below and above.
        let narrow = ["2009-03-01T00:00:00Z".to_owned(), "2009-06-01T00:00:00Z".to_owned()];
        let shares = bucket_shares(&mut conn, Some(&s), &t, &c, ValueKind::TimestampTz, &narrow)
            .await
            .unwrap();
        assert!(shares.below > 0.1 && shares.above > 0.4, "{shares:?}");
        assert_eq!(shares.intervals, ["[2009-03-01T00:00:00Z, 2009-06-01T00:00:00Z]"]);

        // As `faker-pg profile --all` sees them: a numeric column with many values is reported
        // by its histogram; a text column with many values is not reported.
        let options = ReportOptions::default();
        let subject = |name: &str| Subject::new(Some(schema.clone()), table.clone(), vec![ident(name)]);
        match profile_subject(&mut conn, &subject("total"), true, &options).await.unwrap() {
            Outcome::Report(r) => {
                let h = r.histogram.as_ref().expect("histogram");
                assert_eq!(h.buckets(), 20);
                assert!(r.suggestion.is_none());
                assert!(r.to_text().contains("#[provider(quantiles = [0.00, "), "{}", r.to_text());
                assert_eq!(r.to_json()["quantiles"]["buckets"], 20);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            profile_subject(&mut conn, &subject("note"), true, &options).await.unwrap(),
            Outcome::HighCardinality { .. }
        ));
    })
    .await;
}
