//! Derived providers compile and run: the seed's bookstore (composite ids, auto keys,
//! references with a tenant constraint), plus every value source, pooled values, optional
//! references, constructors, factories, children and serde-renamed fields.

use std::collections::HashSet;
use std::fmt;

use ddd_faker::Provider;
use ddd_faker::provider::{Component, ErrorKind, Faker, Schema};
use fake::faker::lorem::en::Sentence;
use fake::faker::name::en::Name;
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------- the seed's bookstore

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TenantId(pub i64);

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InternalAuthorId(pub i64);

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InternalBookId(pub i64);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Title(String);

#[derive(Debug, Clone, Provider, Serialize)]
#[provider(factory = Tenant::new)]
pub struct Tenant {
    #[provider(id, auto_key)]
    id: TenantId,
    #[provider(with = |_, position| format!("Tenant {position}"))]
    name: String,
}

#[derive(Debug)]
pub struct Invalid(&'static str);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Tenant {
    fn new(id: TenantId, name: String) -> Result<Tenant, Invalid> {
        if name.is_empty() {
            return Err(Invalid("a tenant needs a name"));
        }
        Ok(Tenant { id, name })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Provider)]
#[provider(value)]
pub struct AuthorId {
    #[reference(Tenant)]
    #[distributor(skew = 2.0, mean = 10)]
    pub tenant_id: TenantId,
    #[provider(auto_key)]
    pub author_id: InternalAuthorId,
}

#[derive(Debug, Clone, Serialize, Provider)]
pub struct Author {
    #[provider(id, composite)]
    id: AuthorId,
    #[provider(fake = Name())]
    name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Provider)]
#[provider(value)]
pub struct BookId {
    #[reference(Tenant)]
    #[distributor(weights = [0.7, 0.2, 0.07, 0.03], mean = 50)]
    pub tenant_id: TenantId,
    #[provider(auto_key)]
    pub book_id: InternalBookId,
}

#[derive(Debug, Clone, Serialize, Provider)]
#[provider(name = "Book", table = "books", constructor = Book::new)]
pub struct Book {
    #[provider(id, composite)]
    id: BookId,
    #[reference(Author, same(tenant_id = id.tenant_id))]
    #[distributor(weights = [0.7, 0.2, 0.07, 0.03], mean = 50)]
    author_id: AuthorId,
    #[provider(fake = Sentence(2..4), map = Title)]
    title: Title,
}

impl Book {
    fn new(id: BookId, author_id: AuthorId, title: Title) -> Book {
        Book {
            id,
            author_id,
            title,
        }
    }
}

#[tokio::test]
async fn the_seed_bookstore_derived() {
    assert_eq!(<Book as ddd_faker::provider::Provider>::NAME, "Book");
    assert_eq!(
        <Book as ddd_faker::provider::Provider>::TABLE,
        Some("books")
    );
    assert_eq!(
        <Book as ddd_faker::provider::Provider>::auto_key().as_deref(),
        Some("id.book_id")
    );
    assert_eq!(
        <Author as ddd_faker::provider::Provider>::auto_key().as_deref(),
        Some("id.author_id")
    );
    assert_eq!(
        <Tenant as ddd_faker::provider::Provider>::auto_key().as_deref(),
        Some("id")
    );
    let schema = <Book as ddd_faker::provider::Provider>::schema();
    let refs: Vec<&str> = schema
        .references()
        .iter()
        .map(|r| r.field.as_str())
        .collect();
    assert_eq!(refs, ["id.tenant_id", "author_id"]);
    assert_eq!(schema.references()[1].same[0].source, "id.tenant_id");

    let mut faker = Faker::new(7);
    faker.create_many::<Book>(2_000).await.expect("books");
    let books = faker.in_memory::<Book>().expect("books");
    let authors = faker.in_memory::<Author>().expect("authors");
    let tenants = faker.in_memory::<Tenant>().expect("tenants");
    assert_eq!(books.len(), 2_000);
    let mut ids = HashSet::new();
    for book in books.iter() {
        // The constraint: a book's author belongs to the book's tenant.
        assert_eq!(book.author_id.tenant_id, book.id.tenant_id);
        assert!(authors.get_now(&book.author_id).is_some());
        assert!(tenants.get_now(&book.id.tenant_id).is_some());
        assert!(!book.title.0.is_empty());
        // Keys were assigned by the repository (not the placeholder) and are unique.
        assert!(ids.insert(book.id));
    }
    assert!(
        tenants.len() >= 20 && tenants.len() <= 80,
        "{} tenants",
        tenants.len()
    );
    assert!(authors.iter().all(|a| !a.name.is_empty()));
    assert!(tenants.iter().all(|t| t.name.starts_with("Tenant ")));
}

// ---------------------------------------------------------------- every source

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Status {
    Active,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sku(u64);

impl From<u64> for Sku {
    fn from(n: u64) -> Sku {
        Sku(n)
    }
}

fn sku_label(n: u64) -> String {
    format!("SKU-{n:05}")
}

#[derive(Debug, Clone, Serialize, Provider)]
pub struct Product {
    #[provider(id, sequence)]
    id: i64,
    #[distributor(sequence)]
    sku: Sku,
    #[provider(sequence, map = sku_label)]
    label: String,
    #[provider(value = Status::Active)]
    status: Status,
    #[provider(with = |_, _| Status::Closed)]
    #[distributor(mean = 5)]
    pooled_status: Status,
    #[provider(fake = Name())]
    #[distributor(skew = 2.0, mean = 3)]
    maker: String,
    #[provider(fake = Name())]
    #[distributor(mean = 2, null_weight = 0.5)]
    nickname: Option<String>,
    #[distributor(sequence, mean = 4)]
    batch: u32,
    /// The fake crate's default dummy.
    stock: u8,
    #[provider(default)]
    tags: Vec<String>,
    #[provider(skip)]
    cache: Option<u64>,
}

#[tokio::test]
async fn every_value_source() {
    let mut faker = Faker::new(3);
    let products = faker.create_many::<Product>(400).await.expect("products");
    for (i, p) in products.iter().enumerate() {
        assert_eq!(p.id, i as i64);
        assert_eq!(p.sku, Sku(i as u64));
        assert_eq!(p.label, format!("SKU-{i:05}"));
        assert_eq!(p.status, Status::Active);
        assert_eq!(p.pooled_status, Status::Closed);
        assert!(p.tags.is_empty());
        assert_eq!(p.cache, None);
    }
    let makers: HashSet<&str> = products.iter().map(|p| p.maker.as_str()).collect();
    assert!(
        makers.len() < 250,
        "pooled with mean 3: {} makers",
        makers.len()
    );
    let nulls = products.iter().filter(|p| p.nickname.is_none()).count();
    assert!(
        (120..=280).contains(&nulls),
        "{nulls} nulls of 400 at null_weight 0.5"
    );
    let batches: HashSet<u32> = products.iter().map(|p| p.batch).collect();
    assert!(batches.len() < 200 && batches.contains(&0), "{batches:?}");
    let schema = <Product as ddd_faker::provider::Provider>::schema();
    let pooled: Vec<&str> = schema.values().iter().map(|v| v.field.as_str()).collect();
    assert_eq!(pooled, ["pooled_status", "maker", "nickname", "batch"]);
}

// ---------------------------------------------------------------- optional references, entities, children

#[derive(Debug, Clone, Serialize, Provider)]
#[children(Line, parent = "order_id", mean = 3.0)]
pub struct Order {
    #[provider(id, sequence)]
    id: u64,
    #[reference(Tenant)]
    #[distributor(null_weight = 0.5, mean = 1)]
    coupon_tenant: Option<TenantId>,
    #[provider(composite)]
    shipping: Address,
}

#[derive(Debug, Clone, Serialize, Provider)]
#[provider(entity, constructor = Address::new)]
pub struct Address {
    #[provider(fake = fake::faker::address::en::CityName())]
    city: String,
    #[provider(value = 1)]
    floor: u8,
    /// Set by the constructor, which does not take it.
    #[provider(skip)]
    label: String,
}

impl Address {
    fn new(city: String, floor: u8) -> Address {
        let label = format!("{city}, floor {floor}");
        Address { city, floor, label }
    }
}

#[derive(Debug, Clone, Serialize, Provider)]
pub struct Line {
    #[provider(id, sequence)]
    id: u64,
    #[reference(Order)]
    order_id: u64,
    #[provider(with = |_, _| 1)]
    quantity: u32,
}

#[tokio::test]
async fn optional_references_components_and_children() {
    assert!(<Address as Component>::auto_key().is_none());
    let schema: Schema = <Order as ddd_faker::provider::Provider>::schema();
    assert_eq!(schema.children_decls().len(), 1);
    assert_eq!(schema.children_decls()[0].parent_field, "order_id");

    let mut faker = Faker::new(11);
    let orders = faker.create_many::<Order>(200).await.expect("orders");
    let nulls = orders.iter().filter(|o| o.coupon_tenant.is_none()).count();
    assert!((60..=140).contains(&nulls), "{nulls} null coupons of 200");
    assert!(
        orders
            .iter()
            .all(|o| o.shipping.floor == 1 && !o.shipping.city.is_empty())
    );
    let lines = faker.in_memory::<Line>().expect("lines");
    assert!(
        lines.len() > 400 && lines.len() < 800,
        "{} lines",
        lines.len()
    );
    let order_ids: HashSet<u64> = orders.iter().map(|o| o.id).collect();
    assert!(lines.iter().all(|l| order_ids.contains(&l.order_id)));
}

// ---------------------------------------------------------------- values from a production histogram

use ddd_faker::chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

#[derive(Debug, Clone, Serialize, Provider)]
pub struct Receipt {
    #[provider(id, sequence)]
    id: u64,
    /// A skewed amount: four buckets of a quarter each, the last one wide.
    #[provider(quantiles = [0.99, 1.98, 3.96, 8.91, 25.86])]
    total: f64,
    /// Integers, with a point mass on 1 (half of the buckets).
    #[provider(quantiles = [1, 1, 1, 2, 10])]
    items: u32,
    #[provider(quantiles = ["2009-01-01", "2009-01-01", "2010-01-01", "2011-06-30", "2013-12-22"])]
    invoice_date: NaiveDate,
    #[provider(quantiles = ["2009-01-01 00:00:00", "2009-01-01 08:00:00.5", "2009-01-02"])]
    printed_at: NaiveDateTime,
    #[provider(quantiles = ["2009-01-01T00:00:00Z", "2009-01-01T02:00:00+01:00", "2009-01-01 03:00:00"])]
    paid_at: DateTime<Utc>,
}

/// The share of `values` below `x` (`strict`) or at most `x`.
fn share_below<T: PartialOrd>(values: &[T], x: &T, strict: bool) -> f64 {
    let n = values
        .iter()
        .filter(|v| if strict { *v < x } else { *v <= x })
        .count();
    n as f64 / values.len() as f64
}

#[tokio::test]
async fn quantiles_give_each_bucket_its_share_through_the_faker() {
    // 10^5 aggregates: the share of a quarter bucket has sd sqrt(0.25 * 0.75 / 10^5) = 0.0014,
    // ±0.01 is seven of them (the seed is fixed anyway); a bucket drawn twice as often, or a
    // point mass lost, moves a share by 0.25.
    const N: u64 = 100_000;
    let mut faker = Faker::new(17);
    let receipts = faker.create_many::<Receipt>(N).await.expect("receipts");
    let close = |measured: f64, expected: f64, what: &str| {
        assert!(
            (measured - expected).abs() <= 0.01,
            "{what}: {measured:.4}, expected {expected}"
        );
    };
    let totals: Vec<f64> = receipts.iter().map(|r| r.total).collect();
    for (bound, expected) in [(1.98, 0.25), (3.96, 0.5), (8.91, 0.75)] {
        close(share_below(&totals, &bound, true), expected, "total");
    }
    assert!(totals.iter().all(|t| (0.99..=25.86).contains(t)));

    let items: Vec<u32> = receipts.iter().map(|r| r.items).collect();
    // 1: two point-mass buckets and the integer 1 of bucket [1, 2); 2..=10: the last bucket.
    close(share_below(&items, &1, false), 0.75, "items = 1");
    assert!(items.iter().all(|i| (1..=10).contains(i)) && items.contains(&10));

    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    let dates: Vec<NaiveDate> = receipts.iter().map(|r| r.invoice_date).collect();
    close(
        share_below(&dates, &day("2009-01-01"), false),
        0.25,
        "the first day",
    );
    close(
        share_below(&dates, &day("2011-06-30"), true),
        0.75,
        "before mid-2011",
    );
    assert!(dates.iter().all(|d| *d <= day("2013-12-22")));

    let printed: Vec<NaiveDateTime> = receipts.iter().map(|r| r.printed_at).collect();
    let morning = day("2009-01-01")
        .and_hms_milli_opt(8, 0, 0, 500)
        .expect("time");
    close(
        share_below(&printed, &morning, true),
        0.5,
        "printed before 08:00:00.5",
    );

    let paid: Vec<DateTime<Utc>> = receipts.iter().map(|r| r.paid_at).collect();
    // "02:00:00+01:00" is 01:00 UTC; a timestamp without offset is UTC.
    let one = day("2009-01-01")
        .and_hms_opt(1, 0, 0)
        .expect("time")
        .and_utc();
    close(share_below(&paid, &one, true), 0.5, "paid before 01:00 UTC");
    assert!(paid.iter().all(|p| p.timestamp() <= one.timestamp() + 7200));

    // One seed, one dataset (for the same number of aggregates: the plan depends on it).
    let again = Faker::new(17)
        .create_many::<Receipt>(N)
        .await
        .expect("again");
    assert!(again.iter().zip(&receipts).all(|(a, b)| a.total == b.total
        && a.items == b.items
        && a.invoice_date == b.invoice_date
        && a.paid_at == b.paid_at));
}

/// At the Chinook sample's size (412 invoices) independent draws would scatter a bucket of
/// 1/20 by 0.011 (sd), more than `faker-pg compare`'s ±0.01; planned, each bucket holds
/// exactly 20 or 21 of them (412 = 20 · 20 + 12, largest remainder), for any seed.
#[tokio::test]
async fn quantile_buckets_are_planned_with_exact_counts() {
    for seed in [1, 2, 3] {
        let mut faker = Faker::new(seed);
        let receipts = faker.create_many::<Receipt>(412).await.expect("receipts");
        // `total`'s four buckets: 103 each.
        let totals: Vec<f64> = receipts.iter().map(|r| r.total).collect();
        let mut below = Vec::new();
        for bound in [1.98, 3.96, 8.91, f64::INFINITY] {
            below.push(totals.iter().filter(|t| **t < bound).count());
        }
        assert_eq!(below, [103, 206, 309, 412], "seed {seed}");
        // `printed_at`'s two buckets: 206 each.
        let morning = NaiveDate::from_ymd_opt(2009, 1, 1)
            .and_then(|d| d.and_hms_milli_opt(8, 0, 0, 500))
            .expect("time");
        let early = receipts.iter().filter(|r| r.printed_at < morning).count();
        assert_eq!(early, 206, "seed {seed}");
    }
    let schema = <Receipt as ddd_faker::provider::Provider>::schema();
    let declared: Vec<(&str, usize)> = schema
        .one_ofs()
        .iter()
        .map(|o| (o.field.as_str(), o.values))
        .collect();
    assert_eq!(
        declared,
        [
            ("total", 4),
            ("items", 4),
            ("invoice_date", 4),
            ("printed_at", 2),
            ("paid_at", 2)
        ]
    );
}

#[derive(Debug, Clone, Serialize, Provider)]
pub struct Small {
    #[provider(id, sequence)]
    id: u64,
    /// 300 does not fit a `u8`: only the value can tell, so it is a runtime error.
    #[provider(quantiles = [0, 300])]
    level: u8,
}

#[tokio::test]
async fn a_bound_out_of_the_field_type_is_an_error_with_the_field_path() {
    let e = Faker::new(1)
        .create::<Small>()
        .await
        .expect_err("out of range");
    assert_eq!(e.path, "Small.level");
    assert!(matches!(e.kind, ErrorKind::Param(_)), "{e}");
    assert!(
        e.to_string()
            .contains("`quantiles[1]`: 300 does not fit `u8` (0 to 255)"),
        "{e}"
    );
}

// ---------------------------------------------------------------- the domain refuses

#[derive(Debug, Clone, Serialize, Provider)]
#[provider(factory = Refused::new)]
pub struct Refused {
    #[provider(id, sequence)]
    id: u64,
}

impl Refused {
    fn new(_: u64) -> Result<Refused, Invalid> {
        Err(Invalid("never"))
    }
}

#[tokio::test]
async fn a_factory_error_is_a_domain_refusal() {
    let mut faker = Faker::new(1);
    let e = faker.create::<Refused>().await.expect_err("refused");
    // Drawn again up to the default bound, then reported with the factory's message.
    assert!(
        matches!(&e.kind, ErrorKind::Refused { aggregate: "Refused", attempts: 100, invariant }
            if invariant == "never"),
        "{e}"
    );
    assert_eq!(e.path, "Refused");
    assert_eq!(faker.refusals::<Refused>(), 100);
}

// ---------------------------------------------------------------- requirements reach derived fields

#[tokio::test]
async fn specifications_pin_derived_fields_by_path() {
    let mut faker = Faker::new(5);
    let tenant: Tenant = faker
        .create_matching(serde_json::json!({"name": "Acme"}))
        .await
        .expect("tenant");
    assert_eq!(tenant.name, "Acme");
    // A field inside a component, by its dotted path.
    let book: Book = faker
        .create_matching(serde_json::json!({"id": {"tenant_id": tenant.id.0}}))
        .await
        .expect("book");
    assert_eq!(book.id.tenant_id, tenant.id);
    assert_eq!(book.author_id.tenant_id, tenant.id);
}

// ---------------------------------------------------------------- serde names

/// State: `{"SHELF-ID": .., "SHELF-LABEL": .., "pos": ..}`.
#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
#[serde(rename_all = "SCREAMING-KEBAB-CASE")]
pub struct Shelf {
    #[provider(id, sequence)]
    shelf_id: u64,
    #[provider(fake = Name())]
    #[distributor(skew = 2.0, mean = 5)]
    shelf_label: String,
    #[serde(rename = "pos")]
    #[provider(sequence)]
    position: u64,
}

#[tokio::test]
async fn generated_paths_are_serialized_names() {
    use ddd_faker::provider::Provider as _;
    assert_eq!(Shelf::ID_FIELD, "SHELF-ID");
    let values: Vec<String> = Shelf::schema()
        .values()
        .iter()
        .map(|v| v.field.clone())
        .collect();
    assert_eq!(values, ["SHELF-LABEL"]);
    let mut faker = Faker::new(3);
    let shelf: Shelf = faker
        .create_matching(serde_json::json!({"SHELF-LABEL": "Poetry", "pos": 40}))
        .await
        .expect("shelf");
    assert_eq!((shelf.shelf_label.as_str(), shelf.position), ("Poetry", 40));
    let state = serde_json::to_value(&shelf).expect("state");
    assert_eq!(state["SHELF-LABEL"], "Poetry");
    // A required pooled value pinned to null: the error names the field's serialized path.
    let e = faker
        .create_matching::<Shelf>(serde_json::json!({"SHELF-LABEL": null}))
        .await
        .expect_err("null for a required field");
    assert!(e.path.ends_with("SHELF-LABEL"), "{e}");
}

// ---------------------------------------------------------------- relations between references

#[derive(Debug, Clone, Serialize, Provider)]
pub struct Airport {
    #[provider(id, sequence)]
    code: u64,
}

#[derive(Debug, Clone, Serialize, Provider)]
pub struct Airline {
    #[provider(id, sequence)]
    code: u64,
}

/// Issue 13's flights: `dest` never equals `origin`, and the route `(origin, dest)` follows
/// one law over pairs.
#[derive(Debug, Clone, Serialize, Provider)]
#[joint(origin, dest, skew = 2.0, mean = 1500)]
pub struct Flight {
    #[provider(id, sequence)]
    id: u64,
    #[reference(Airline)]
    carrier: u64,
    #[reference(Airport)]
    #[distributor(skew = 1.5, mean = 3000)]
    origin: u64,
    #[reference(Airport, differ(origin))]
    #[distributor(weights = [0.5, 0.3, 0.2], mean = 3000)]
    dest: u64,
}

/// A component with its own relations (its paths relative to it, renamed by its serde rule).
#[derive(Debug, Clone, Serialize, Provider)]
#[provider(value)]
#[serde(rename_all = "camelCase")]
#[joint(from_airport, to_airport, mean = 5)]
pub struct Leg {
    #[reference(Airport)]
    from_airport: u64,
    #[reference(Airport, differ(from_airport))]
    to_airport: u64,
}

#[derive(Debug, Clone, Serialize, Provider)]
#[provider(value)]
pub struct Stop {
    #[reference(Airport)]
    airport: u64,
}

/// Serialized names everywhere: the struct's rule, a field's `rename`, and paths into
/// components written as the components serialize them.
#[derive(Debug, Clone, Serialize, Provider)]
#[serde(rename_all = "PascalCase")]
#[joint(home_carrier, stop.airport, return_to, weights = [0.6, 0.3, 0.1], mean = 20)]
pub struct Trip {
    #[provider(id, sequence)]
    id: u64,
    #[reference(Airline)]
    home_carrier: u64,
    #[provider(composite)]
    first_leg: Leg,
    #[provider(composite)]
    stop: Stop,
    #[serde(rename = "back")]
    #[reference(Airport, differ(first_leg.toAirport), differ(stop.airport))]
    return_to: u64,
}

/// `(field, differ)` of every reference of a schema.
fn differs(schema: &Schema) -> Vec<(String, Vec<String>)> {
    schema
        .references()
        .iter()
        .map(|r| (r.field.clone(), r.differ.clone()))
        .collect()
}

#[test]
fn differ_and_joint_are_declared_in_the_schema() {
    use ddd_faker::distributor::DistributorConfig;
    let schema = <Flight as ddd_faker::provider::Provider>::schema();
    assert_eq!(
        differs(&schema),
        [
            ("carrier".to_string(), vec![]),
            ("origin".to_string(), vec![]),
            ("dest".to_string(), vec!["origin".to_string()]),
        ]
    );
    // The reference keeps its own law beside the constraint.
    assert_eq!(
        schema.references()[2].config.weights,
        Some(vec![0.5, 0.3, 0.2])
    );
    assert_eq!(schema.joints().len(), 1);
    assert_eq!(schema.joints()[0].fields, ["origin", "dest"]);
    assert_eq!(
        schema.joints()[0].config,
        DistributorConfig {
            skew: Some(2.0),
            mean: Some(1500.0),
            ..Default::default()
        }
    );
}

#[test]
fn relations_use_serialized_names_and_nest_with_components() {
    use ddd_faker::distributor::DistributorConfig;
    let leg = <Leg as Component>::schema();
    assert_eq!(
        differs(&leg),
        [
            ("fromAirport".to_string(), vec![]),
            ("toAirport".to_string(), vec!["fromAirport".to_string()]),
        ]
    );
    assert_eq!(leg.joints()[0].fields, ["fromAirport", "toAirport"]);

    let trip = <Trip as ddd_faker::provider::Provider>::schema();
    assert_eq!(
        differs(&trip),
        [
            ("HomeCarrier".to_string(), vec![]),
            ("FirstLeg.fromAirport".to_string(), vec![]),
            (
                "FirstLeg.toAirport".to_string(),
                vec!["FirstLeg.fromAirport".to_string()]
            ),
            ("Stop.airport".to_string(), vec![]),
            (
                "back".to_string(),
                vec!["FirstLeg.toAirport".to_string(), "Stop.airport".to_string()]
            ),
        ]
    );
    // The component's joint, put under its field, then the aggregate's own.
    let joints: Vec<&[String]> = trip.joints().iter().map(|j| j.fields.as_slice()).collect();
    assert_eq!(
        joints,
        [
            &["FirstLeg.fromAirport", "FirstLeg.toAirport"][..],
            &["HomeCarrier", "Stop.airport", "back"][..],
        ]
    );
    assert_eq!(
        trip.joints()[0].config,
        DistributorConfig {
            mean: Some(5.0),
            ..Default::default()
        }
    );
    assert_eq!(
        trip.joints()[1].config,
        DistributorConfig {
            weights: Some(vec![0.6, 0.3, 0.1]),
            mean: Some(20.0),
            ..Default::default()
        }
    );
}

// ---------------------------------------------------------------- weighted value lists and enums

/// A unit-only enum: a value list of its own, serialized as serde says (`"on_hold"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Provider)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    #[weight(0.6)]
    Placed,
    #[weight(0.3)]
    Shipped,
    #[weight(0.1)]
    OnHold,
}

/// A data-carrying enum, externally tagged (serde's default): each variant's fields sit under
/// its name (`{"Card": {"last4": ..}}`, `{"Voucher": "CODE-1"}`, `{"Split": [1, 2]}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
pub enum Payment {
    #[weight(3)]
    Card {
        #[provider(with = |_, position| format!("{:04}", position % 10_000))]
        last4: String,
        #[provider(one_of = ["visa", "mastercard"], weights = [0.75, 0.25])]
        network: String,
    },
    #[weight(1)]
    Cash,
    #[weight(1)]
    Voucher(#[provider(with = |_, position| format!("CODE-{position}"))] String),
    #[weight(0)]
    Split(#[provider(value = 1)] u8, #[provider(value = 2)] u8),
}

/// Internally tagged: the variant's fields share the enum's object with the tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Delivery {
    Pickup,
    Courier {
        #[reference(Tenant)]
        #[distributor(mean = 10)]
        partner: TenantId,
    },
}

#[derive(Debug, Clone, Serialize, Provider)]
pub struct Purchase {
    #[provider(id, sequence)]
    id: u64,
    #[provider(one_of = ["EUR", "USD", "GBP"], weights = [0.5, 0.3, 0.2])]
    currency: String,
    #[provider(one_of = [1, 2, 3_000_000_000])]
    quantity: u64,
    #[provider(one_of = ["gift", None], weights = [0.25, 0.75])]
    note: Option<String>,
    #[provider(one_of = [OrderStatus::Placed, OrderStatus::OnHold])]
    legacy_status: OrderStatus,
    #[provider(composite)]
    status: OrderStatus,
    #[provider(composite)]
    payment: Payment,
    #[provider(composite)]
    delivery: Delivery,
}

#[test]
fn value_lists_and_enums_are_declared_in_the_schema() {
    use ddd_faker::provider::Provider as _;
    let schema = Purchase::schema();
    let one_ofs: Vec<(&str, usize, Option<&[f64]>)> = schema
        .one_ofs()
        .iter()
        .map(|o| (o.field.as_str(), o.values, o.weights.as_deref()))
        .collect();
    assert_eq!(
        one_ofs,
        [
            ("currency", 3, Some(&[0.5, 0.3, 0.2][..])),
            ("quantity", 3, None),
            ("note", 2, Some(&[0.25, 0.75][..])),
            ("legacy_status", 2, None),
            ("status", 3, Some(&[0.6, 0.3, 0.1][..])),
            ("payment", 4, Some(&[3.0, 1.0, 1.0, 0.0][..])),
            // A variant's fields are under its serialized name (externally tagged).
            ("payment.Card.network", 2, Some(&[0.75, 0.25][..])),
            ("delivery", 2, None),
        ]
    );
    // Internally tagged: the variant's reference sits in the enum's own object.
    let references: Vec<&str> = schema
        .references()
        .iter()
        .map(|r| r.field.as_str())
        .collect();
    assert_eq!(references, ["delivery.partner"]);
}

#[tokio::test]
async fn value_lists_and_enums_are_drawn_with_their_planned_counts() {
    let mut faker = Faker::new(14);
    let purchases = faker
        .create_many::<Purchase>(1_000)
        .await
        .expect("purchases");
    let count = |f: &dyn Fn(&Purchase) -> bool| purchases.iter().filter(|p| f(p)).count();
    // Planned: exactly round(N · w) of each value, whatever the seed.
    assert_eq!(count(&|p| p.currency == "EUR"), 500);
    assert_eq!(count(&|p| p.currency == "USD"), 300);
    assert_eq!(count(&|p| p.currency == "GBP"), 200);
    assert_eq!(count(&|p| p.quantity == 3_000_000_000), 333);
    assert_eq!(count(&|p| p.note.is_none()), 750);
    assert_eq!(count(&|p| p.legacy_status == OrderStatus::OnHold), 500);
    assert_eq!(count(&|p| p.status == OrderStatus::Placed), 600);
    assert_eq!(count(&|p| p.status == OrderStatus::OnHold), 100);
    assert_eq!(count(&|p| matches!(p.payment, Payment::Card { .. })), 600);
    assert_eq!(count(&|p| p.payment == Payment::Cash), 200);
    assert_eq!(count(&|p| matches!(p.payment, Payment::Split(..))), 0);
    // The network is planned for the 600 card payments (the variant's share of 1 000).
    let visa = count(&|p| matches!(&p.payment, Payment::Card { network, .. } if network == "visa"));
    assert_eq!(visa, 450);
    assert_eq!(count(&|p| p.delivery == Delivery::Pickup), 500);
    // The states are serde's.
    let vouchers: Vec<serde_json::Value> = purchases
        .iter()
        .filter(|p| matches!(p.payment, Payment::Voucher(_)))
        .map(|p| serde_json::to_value(p).unwrap())
        .collect();
    assert!(
        vouchers[0]["payment"]["Voucher"]
            .as_str()
            .unwrap()
            .starts_with("CODE-")
    );
    let on_hold = purchases
        .iter()
        .find(|p| p.status == OrderStatus::OnHold)
        .unwrap();
    assert_eq!(serde_json::to_value(on_hold).unwrap()["status"], "on_hold");
    let courier = purchases
        .iter()
        .find(|p| matches!(p.delivery, Delivery::Courier { .. }))
        .unwrap();
    let state = serde_json::to_value(courier).unwrap();
    assert_eq!(state["delivery"]["kind"], "courier");
    assert!(state["delivery"]["partner"].is_i64());
}

#[tokio::test]
async fn a_requirement_chooses_among_the_listed_values() {
    let mut faker = Faker::new(2);
    for _ in 0..20 {
        let p: Purchase = faker
            .create_matching(serde_json::json!({
                "currency": {"$ne": "EUR"},
                "status": "on_hold",
            }))
            .await
            .expect("purchase");
        assert_ne!(p.currency, "EUR");
        assert_eq!(p.status, OrderStatus::OnHold);
    }
    let error = faker
        .create_matching::<Purchase>(serde_json::json!({"currency": "JPY"}))
        .await
        .unwrap_err();
    assert!(
        matches!(error.kind, ErrorKind::Unsatisfiable { .. }),
        "{error}"
    );
    assert_eq!(error.path, "Purchase.currency");
}
