//! Collections of entities inside an aggregate (`Invoice { lines: Vec<InvoiceLine> }`): the
//! number of lines per invoice follows the collection's count law, every line's `track`
//! follows its own law across all lines of all invoices, a line's reference can be tied to a
//! field of its invoice (`same(.. = super.tenant)`), errors name the element, and the lines
//! travel with the invoice through the exported state (memory) and the feeds.
//!
//! Tolerances: the issue's — lines per invoice: mean ±3%, quartile shares ±0.03; the line's
//! track: quartile shares ±0.03. At 20 000 invoices (about 60 000 lines) the sampling noise
//! of the mean of a skewed count (standard deviation about 4 lines per invoice) is about
//! 0.03 lines, 1% of the mean, and of a quartile share below 0.01; the track's distinct count
//! and shares are planned (exact counts for the expected 60 000 lines), so only the spread of
//! the actual number of lines around it moves them.

use std::collections::HashMap;
use std::hash::Hash;

use ddd_faker::Provider;
use ddd_faker::estimate::Profile;
use ddd_faker::provider::{Component, CountConfig, Cx, ErrorKind, Faker, FakerError};
use ddd_faker::{CountDistribution, Distribution, Skew, SkewCount};
use rand::RngExt;
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
struct Tenant {
    #[provider(id, sequence)]
    id: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
struct Track {
    #[provider(id, sequence)]
    id: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
#[provider(entity)]
struct InvoiceLine {
    #[reference(Track)]
    #[distributor(skew = 2.0, mean = 20)]
    track: u64,
    #[provider(with = |rng: &mut ddd_faker::rng::FakerRng, _| rng.random_range(1..=5u32))]
    quantity: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
struct Invoice {
    #[provider(id, sequence)]
    id: u64,
    #[reference(Tenant)]
    tenant: u64,
    #[provider(collection, skew = 2.0, mean = 3.0)]
    lines: Vec<InvoiceLine>,
}

fn uses<K: Hash + Eq>(keys: impl Iterator<Item = K>) -> Vec<u64> {
    let mut counts: HashMap<K, u64> = HashMap::new();
    for k in keys {
        *counts.entry(k).or_default() += 1;
    }
    counts.into_values().collect()
}

/// Quartile shares of a skew law `F(x) = x^(1/skew)`.
fn skew_quartiles(skew: f64) -> [f64; 4] {
    let f = |x: f64| x.powf(1.0 / skew);
    [f(0.25), f(0.5) - f(0.25), f(0.75) - f(0.5), 1.0 - f(0.75)]
}

fn assert_shares(what: &str, got: &[f64], want: &[f64]) {
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g - w).abs() <= 0.03,
            "{what}: quartile shares {got:?}, want {want:?}"
        );
    }
}

#[tokio::test]
async fn lines_per_invoice_and_the_line_track_follow_their_laws() {
    const INVOICES: u64 = 20_000;
    let mut faker = Faker::new(41);
    let invoices = faker.create_many::<Invoice>(INVOICES).await.unwrap();

    // Lines per invoice, as `SELECT invoice_id, count(*) FROM lines GROUP BY 1` sees them
    // (invoices without lines do not appear), against the count law itself sampled 10^6
    // times with another stream (sampling noise of the reference below 0.002).
    let law = SkewCount::new(Skew::new(2.0).unwrap(), 3.0).unwrap();
    let counts: Vec<u64> = invoices.iter().map(|i| i.lines.len() as u64).collect();
    let total: u64 = counts.iter().sum();
    let mean = total as f64 / INVOICES as f64;
    assert!(
        (mean / law.mean() - 1.0).abs() <= 0.03,
        "lines per invoice {mean}"
    );
    let mut rng = ddd_faker::rng::seeded(1_000_003);
    let reference: Vec<u64> = (0..1_000_000).map(|_| law.sample(&mut rng)).collect();
    let want = Profile::from_counts(&reference, 0).quartile_shares;
    let got = Profile::from_counts(&counts, 0).quartile_shares;
    eprintln!("lines per invoice: mean {mean}, quartiles {got:?}, law {want:?}");
    assert_shares("lines per invoice", &got, &want);

    // The line's track keeps its law across all lines of all invoices: skew 2, mean 20.
    let tracks = uses(
        invoices
            .iter()
            .flat_map(|i| i.lines.iter().map(|l| l.track)),
    );
    let p = Profile::from_counts(&tracks, 0);
    eprintln!("tracks over {total} lines: {p:?}");
    assert_shares("tracks", &p.quartile_shares, &skew_quartiles(2.0));
    assert!((p.mean_uses / 20.0 - 1.0).abs() <= 0.03, "{p:?}");
    // One distributor for every element: the planned draws are invoices × mean lines.
    let planned = faker
        .reference_distributor::<Invoice>("lines.track")
        .and_then(|d| d.inner().planned_draws());
    assert_eq!(planned, Some(60_000.0));
    // Every track exists; the memory store holds the invoices with their lines.
    let stored = faker.in_memory::<Invoice>().unwrap();
    assert_eq!(stored.len(), INVOICES as usize);
    for invoice in &invoices {
        assert_eq!(stored.get_now(&invoice.id), Some(invoice));
        for line in &invoice.lines {
            assert!(
                faker
                    .pool::<Track>()
                    .unwrap()
                    .position_of(&line.track)
                    .is_some()
            );
            assert!((1..=5).contains(&line.quantity));
        }
    }
}

#[tokio::test]
async fn the_same_seed_gives_the_same_invoices() {
    let run = |seed| async move {
        let mut faker = Faker::new(seed);
        let invoices = faker.create_many::<Invoice>(500).await.unwrap();
        serde_json::to_string(&invoices).unwrap()
    };
    let (a, b, c) = (run(5).await, run(5).await, run(6).await);
    assert_eq!(a, b);
    assert_ne!(a, c);
}

// ---------------------------------------------------------------- a line tied to its invoice

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Provider)]
#[provider(value)]
struct TrackId {
    #[reference(Tenant)]
    tenant_id: u64,
    #[provider(sequence)]
    track_id: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
struct TenantTrack {
    #[provider(id, composite)]
    id: TrackId,
}

#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
#[provider(entity)]
struct TenantLine {
    // The line's track is one of its invoice's tenant.
    #[reference(TenantTrack, same(tenant_id = super.tenant))]
    #[distributor(skew = 2.0, mean = 10)]
    track: TrackId,
}

#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
struct TenantInvoice {
    #[provider(id, sequence)]
    id: u64,
    #[reference(Tenant)]
    #[distributor(mean = 200)]
    tenant: u64,
    #[provider(collection, range = 1..=7)]
    lines: Vec<TenantLine>,
}

#[tokio::test]
async fn a_line_reference_is_tied_to_a_field_of_its_invoice() {
    let mut faker = Faker::new(3);
    let invoices = faker.create_many::<TenantInvoice>(10_000).await.unwrap();
    let mut lines = 0;
    for invoice in &invoices {
        assert!((1..=7).contains(&invoice.lines.len()));
        for line in &invoice.lines {
            assert_eq!(line.track.tenant_id, invoice.tenant, "{invoice:?}");
            lines += 1;
        }
    }
    // Uniform 1..=7: 4 lines per invoice (binomial noise of the mean about 0.5%).
    assert!(
        (lines as f64 / 10_000.0 / 4.0 - 1.0).abs() <= 0.03,
        "{lines} lines"
    );
    // Drawn inside each tenant's group, the track keeps its mean overall (±5%, the
    // tolerance of plan warnings: groups of ~800 lines per tenant at mean 10).
    let owned = invoices
        .iter()
        .flat_map(|i| i.lines.iter().map(|l| l.track.clone()));
    let tracks = Profile::from_counts(&uses(owned), 0);
    eprintln!(
        "owned tracks: {tracks:?}, warnings {:?}",
        faker.plan_warnings()
    );
    assert!((tracks.mean_uses / 10.0 - 1.0).abs() <= 0.05, "{tracks:?}");
    // And its skew inside every group, hence overall (±0.03, as above).
    assert_shares(
        "owned tracks",
        &tracks.quartile_shares,
        &skew_quartiles(2.0),
    );
}

// ---------------------------------------------------------------- errors and stores

/// A component asking for a reference its schema does not declare, on its second element.
#[derive(Debug, Clone, Serialize)]
struct Broken {
    n: u64,
}

impl Component for Broken {
    async fn populate(cx: &mut Cx<'_>) -> Result<Self, FakerError> {
        let n = cx.value("n", |_, position| position)?;
        if n == 1 {
            cx.reference::<Track>("nope").await?;
        }
        Ok(Broken { n })
    }
}

#[derive(Debug, Clone, Serialize, Provider)]
struct Holder {
    #[provider(id, sequence)]
    id: u64,
    #[provider(collection, range = 3..=3)]
    items: Vec<Broken>,
}

#[tokio::test]
async fn errors_name_the_element() {
    let mut faker = Faker::new(1);
    let err = faker.create::<Holder>().await.unwrap_err();
    assert_eq!(err.path, "Holder.items[1].nope", "{err}");
    assert!(matches!(err.kind, ErrorKind::Undeclared { .. }), "{err}");
}

#[tokio::test]
async fn a_requirement_on_the_elements_is_an_error() {
    let mut faker = Faker::new(1);
    let err = faker
        .create_matching::<Invoice>(json!({"lines.quantity": 3}))
        .await
        .unwrap_err();
    assert_eq!(err.path, "Invoice.lines", "{err}");
    assert!(
        matches!(err.kind, ErrorKind::CollectionRequirement { .. }),
        "{err}"
    );
    // A requirement outside the collection is met as usual.
    let invoice = faker
        .create_matching::<Invoice>(json!({"tenant": 1}))
        .await
        .unwrap();
    assert_eq!(invoice.tenant, 1);
}

#[test]
fn the_count_law_is_validated_when_the_type_is_first_used() {
    let bad = CountConfig {
        mean: -1.0,
        ..Default::default()
    };
    assert!(bad.validate().is_err());
    let both = CountConfig {
        range: Some((1, 3)),
        mean: 2.0,
        ..Default::default()
    };
    assert!(matches!(
        both.validate(),
        Err(ddd_faker::ParamError::WithRange { param: "mean" })
    ));
}

#[tokio::test]
async fn feeds_nest_the_lines_in_the_invoice() {
    use ddd_faker::feed::{CsvFeed, JsonlFeed};
    let dir = std::env::temp_dir().join(format!("ddd-faker-collections-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut faker = Faker::new(9);
    faker.add_sink(JsonlFeed::create(&dir).unwrap());
    faker.add_sink(CsvFeed::create(dir.join("csv")).unwrap());
    let invoices = faker.create_many::<Invoice>(50).await.unwrap();
    faker.finish().unwrap();

    // JSONL: the invoice's exported state, lines nested as an array of objects.
    let jsonl = std::fs::read_to_string(dir.join("invoices.jsonl")).unwrap();
    let read: Vec<Invoice> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(read, invoices);
    // CSV: one row per invoice, the collection as JSON text in its column.
    let csv = std::fs::read_to_string(dir.join("csv/invoices.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows[0], "id,lines,tenant");
    assert_eq!(rows.len(), 51);
    let first = &invoices[0];
    // The cell is the lines' JSON (keys in alphabetical order, like the columns), quoted as
    // CSV quotes a field holding `"` and `,`.
    let cell = serde_json::to_value(&first.lines).unwrap().to_string();
    let quoted = format!("\"{}\"", cell.replace('"', "\"\""));
    assert_eq!(rows[1], format!("{},{quoted},{}", first.id, first.tenant));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[derive(Debug)]
struct Refused(&'static str);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Refused {}

/// Lines per basket as a weighted range with holes (no basket of 3 or 5 lines), the shape of
/// the Chinook sample's invoices (1, 2, 4, 6, 9 or 14 lines), and a domain that refuses the
/// baskets whose first line sells 5 units (a fifth of them, decided by a drawn field).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
#[provider(factory = Basket::new)]
struct Basket {
    #[provider(id, sequence)]
    id: u64,
    #[provider(collection, range = 1..=6, weights = [1.0, 2.0, 0.0, 1.0, 0.0, 1.0])]
    lines: Vec<InvoiceLine>,
}

impl Basket {
    fn new(id: u64, lines: Vec<InvoiceLine>) -> Result<Basket, Refused> {
        if lines.first().is_some_and(|l| l.quantity == 5) {
            return Err(Refused("a basket does not start with five units"));
        }
        Ok(Basket { id, lines })
    }
}

/// With the number of aggregates known (`create_many` plans it), a weighted range gives each
/// size its exact count, `N · p` rounded by largest remainder (so within 1 of it, and `N` in
/// all), also when the domain refuses some attempts: a refused basket gives its planned size
/// back. Sampled, 412 baskets would put each count a standard deviation of about 8 off.
#[tokio::test]
async fn a_weighted_range_gives_each_size_its_exact_count_when_planned() {
    for (seed, baskets) in [(5, 412u64), (6, 1_000), (7, 10_007)] {
        let mut faker = Faker::new(seed);
        let made = faker.create_many::<Basket>(baskets).await.unwrap();
        assert!(faker.refusals::<Basket>() > 0, "seed {seed}");
        let mut by_size = [0u64; 7];
        for b in &made {
            by_size[b.lines.len()] += 1;
            assert!(b.lines.first().is_none_or(|l| l.quantity != 5));
        }
        let p = [0.0, 0.2, 0.4, 0.0, 0.2, 0.0, 0.2];
        for (size, &count) in by_size.iter().enumerate() {
            let want = baskets as f64 * p[size];
            assert!(
                (count as f64 - want).abs() < 1.0,
                "seed {seed}: {count} baskets of {size} lines, want {want} ({by_size:?})"
            );
        }
        assert_eq!(by_size.iter().sum::<u64>(), baskets);
    }
}
