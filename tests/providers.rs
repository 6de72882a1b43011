//! The provider runtime: the seed's bookstore built by hand, reuse and creation, auto keys,
//! nulls, specifications, diamonds, children; fields renamed by serde ([`serde_names`]); weighted
//! value lists and enums ([`values`]); collections ([`collections`]); where collections, value
//! lists, enums and quantiles meet ([`interactions`]).

mod common;
// In its own file (a module of this test binary, not a test binary of its own), so that this
// file stays one subject.
#[path = "providers/collections.rs"]
mod collections;
#[path = "providers/interactions.rs"]
mod interactions;
#[path = "providers/ordered.rs"]
mod ordered;
#[path = "providers/refusals.rs"]
mod refusals;
#[path = "providers/relations.rs"]
mod relations;
#[path = "providers/serde_names.rs"]
mod serde_names;
#[path = "providers/values.rs"]
mod values;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ddd_faker::PoissonCount;
use ddd_faker::distributor::DistributorConfig;
use ddd_faker::estimate::Profile;
use ddd_faker::provider::{Cx, ErrorKind, Faker, FakerError, Provider, Schema};
use ddd_faker::repository::{BoxFuture, InMemoryRepository, Repository, RepositoryError};
use ddd_faker::spec::Query;
use faker_fixtures::by_hand::{Author, Book, Tenant, TenantId};
use serde::{Deserialize, Serialize};
use serde_json::json;

async fn bookstore(seed: u64, books: u64) -> Faker {
    let mut faker = Faker::new(seed);
    faker.create_many::<Book>(books).await.expect("books");
    faker
}

fn per_value<K: std::hash::Hash + Eq>(keys: impl Iterator<Item = K>) -> Vec<u64> {
    let mut counts: HashMap<K, u64> = HashMap::new();
    for k in keys {
        *counts.entry(k).or_default() += 1;
    }
    counts.into_values().collect()
}

#[tokio::test]
async fn the_seed_bookstore_by_hand() {
    let faker = bookstore(7, 20_000).await;
    let books = faker.in_memory::<Book>().expect("in memory");
    let authors = faker.in_memory::<Author>().expect("in memory");
    let tenants = faker.in_memory::<Tenant>().expect("in memory");
    assert_eq!(books.len(), 20_000);

    // 100% of books have an author of their own tenant, and every referenced id exists.
    for book in books.iter() {
        assert_eq!(book.author_id().tenant_id, book.id().tenant_id);
        assert!(authors.get_now(&book.author_id()).is_some());
        assert!(tenants.get_now(&book.id().tenant_id).is_some());
    }
    for author in authors.iter() {
        assert!(tenants.get_now(&author.id().tenant_id).is_some());
    }

    // Mean books per tenant and per author: 50 ± 10%.
    let per_tenant = Profile::from_counts(&per_value(books.iter().map(|b| b.id().tenant_id)), 0);
    let per_author = Profile::from_counts(&per_value(books.iter().map(|b| b.author_id())), 0);
    eprintln!(
        "tenants {} (mean {:.2}, quartiles {:?}); authors {} (mean {:.2}, quartiles {:?})",
        tenants.len(),
        per_tenant.mean_uses,
        per_tenant.quartile_shares,
        authors.len(),
        per_author.mean_uses,
        per_author.quartile_shares
    );
    assert!((per_tenant.mean_uses - 50.0).abs() <= 5.0, "{per_tenant:?}");
    assert!((per_author.mean_uses - 50.0).abs() <= 5.0, "{per_author:?}");
    // Planned tenant draws give the configured partitions back (±0.03 at 400 tenants).
    for (got, want) in per_tenant
        .quartile_shares
        .iter()
        .zip([0.7, 0.2, 0.07, 0.03])
    {
        assert!(
            (got - want).abs() <= 0.03,
            "{:?}",
            per_tenant.quartile_shares
        );
    }
    // Every tenant and author was created through a reference (none is unused).
    assert_eq!(per_tenant.distinct as usize, tenants.len());
    assert_eq!(per_author.distinct as usize, authors.len());
}

#[tokio::test]
async fn the_same_seed_gives_an_identical_dataset() {
    let dump = |f: &Faker| {
        let b: Vec<&Book> = f.in_memory::<Book>().unwrap().iter().collect();
        let a: Vec<&Author> = f.in_memory::<Author>().unwrap().iter().collect();
        let t: Vec<&Tenant> = f.in_memory::<Tenant>().unwrap().iter().collect();
        serde_json::to_string(&(b, a, t)).unwrap()
    };
    let one = dump(&bookstore(7, 3_000).await);
    let two = dump(&bookstore(7, 3_000).await);
    let other = dump(&bookstore(8, 3_000).await);
    assert_eq!(one, two);
    assert_ne!(one, other);
}

/// An in-memory repository that counts inserts.
struct Counting<A: Provider> {
    inner: InMemoryRepository<A>,
    inserts: Arc<AtomicUsize>,
}

impl<A: Provider> Repository<A> for Counting<A> {
    fn insert(&mut self, a: A, key_given: bool) -> BoxFuture<'_, Result<A, RepositoryError>> {
        self.inserts.fetch_add(1, Ordering::SeqCst);
        self.inner.insert(a, key_given)
    }
    fn get<'a>(&'a self, id: &'a A::Id) -> BoxFuture<'a, Result<Option<A>, RepositoryError>> {
        self.inner.get(id)
    }
    fn find<'a>(&'a self, q: &'a Query) -> BoxFuture<'a, Result<Vec<A>, RepositoryError>> {
        self.inner.find(q)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

fn counting<A: Provider>(faker: &mut Faker) -> Arc<AtomicUsize> {
    let inserts = Arc::new(AtomicUsize::new(0));
    faker
        .set_repository::<A>(Counting {
            inner: InMemoryRepository::new(),
            inserts: inserts.clone(),
        })
        .expect("set before use");
    inserts
}

#[tokio::test]
async fn reuse_does_not_insert_and_create_inserts_once() {
    let mut faker = Faker::new(1);
    let tenant_inserts = counting::<Tenant>(&mut faker);
    let book_inserts = counting::<Book>(&mut faker);
    faker.create_many::<Book>(2_000).await.unwrap();
    let tenants = faker.pool::<Tenant>().unwrap().len();
    // 2000 books each reference a tenant; only the ~40 distinct ones were inserted, once each.
    assert_eq!(tenant_inserts.load(Ordering::SeqCst), tenants);
    assert_eq!(faker.created::<Tenant>() as usize, tenants);
    assert!((30..=50).contains(&tenants), "{tenants}");
    assert_eq!(book_inserts.load(Ordering::SeqCst), 2_000);
    // a repository set after first use is refused
    let late = faker.set_repository::<Tenant>(InMemoryRepository::new());
    assert!(matches!(
        late.map(|_| ()),
        Err(FakerError {
            kind: ErrorKind::LateRepository { .. },
            ..
        })
    ));
}

#[tokio::test]
async fn auto_keys_are_written_back_and_enter_the_pool() {
    let mut faker = Faker::new(2);
    let first = faker.create::<Tenant>().await.unwrap();
    let second = faker.create::<Tenant>().await.unwrap();
    assert_eq!((first.id(), second.id()), (TenantId(1), TenantId(2)));
    let pool: Vec<TenantId> = faker.pool::<Tenant>().unwrap().iter().copied().collect();
    assert_eq!(pool, vec![TenantId(1), TenantId(2)]);
    // A book references one of them (or a new one) by its real, assigned id.
    let book = faker.create::<Book>().await.unwrap();
    assert!(
        faker
            .pool::<Tenant>()
            .unwrap()
            .position_of(&book.id().tenant_id)
            .is_some()
    );
    assert!(book.id().book_id.0 >= 1);
    // composite keys: book ids are unique
    let books = faker.create_many::<Book>(500).await.unwrap();
    let ids: HashSet<_> = books.iter().map(|b| b.id()).collect();
    assert_eq!(ids.len(), 500);
}

// ---------------------------------------------------------------- a small second domain

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Customer {
    id: u64,
    city: String,
    status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Order {
    id: u64,
    customer_id: Option<u64>,
    note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct OrderLine {
    id: u64,
    order_id: u64,
    quantity: u32,
}

impl Provider for Customer {
    type Id = u64;
    const NAME: &'static str = "Customer";
    fn id(&self) -> u64 {
        self.id
    }
    fn schema() -> Schema {
        // create_matching reuses an existing match almost always
        Schema::new().matching(DistributorConfig {
            mean: Some(1e9),
            ..Default::default()
        })
    }
    async fn populate(cx: &mut Cx<'_>) -> Result<Self, FakerError> {
        let id = cx.sequence("id").await? + 1;
        let city = cx.value("city", |rng, _| {
            ["Moscow", "Kazan", "Omsk"][rand::RngExt::random_range(rng, 0..3)].to_string()
        })?;
        let status = cx.constant("status", "active".to_string())?;
        Ok(Customer { id, city, status })
    }
}

impl Provider for Order {
    type Id = u64;
    const NAME: &'static str = "Order";
    fn id(&self) -> u64 {
        self.id
    }
    fn schema() -> Schema {
        Schema::new()
            .reference::<Customer>(
                "customer_id",
                DistributorConfig {
                    mean: Some(5.0),
                    null_weight: Some(0.3),
                    ..Default::default()
                },
            )
            .value(
                "note",
                DistributorConfig {
                    null_weight: Some(0.5),
                    ..Default::default()
                },
            )
            .children::<OrderLine>("order_id", PoissonCount::new(3.0).unwrap())
    }
    async fn populate(cx: &mut Cx<'_>) -> Result<Self, FakerError> {
        let id = cx.sequence("id").await? + 1;
        let customer_id = cx.optional_reference::<Customer>("customer_id").await?;
        let note = cx.pooled_value("note", |_, n| format!("note {n}"))?;
        Ok(Order {
            id,
            customer_id,
            note,
        })
    }
}

impl Provider for OrderLine {
    type Id = u64;
    const NAME: &'static str = "OrderLine";
    fn id(&self) -> u64 {
        self.id
    }
    fn schema() -> Schema {
        Schema::new().reference::<Order>("order_id", DistributorConfig::default())
    }
    async fn populate(cx: &mut Cx<'_>) -> Result<Self, FakerError> {
        let id = cx.sequence("id").await? + 1;
        let order_id = cx.reference::<Order>("order_id").await?;
        let quantity = cx.value("quantity", |rng, _| rand::RngExt::random_range(rng, 1..10))?;
        Ok(OrderLine {
            id,
            order_id,
            quantity,
        })
    }
}

#[tokio::test]
async fn null_references_and_null_values() {
    let mut faker = Faker::new(3);
    let orders = faker.create_many::<Order>(4_000).await.unwrap();
    let null_customers = orders.iter().filter(|o| o.customer_id.is_none()).count();
    let null_notes = orders.iter().filter(|o| o.note.is_none()).count();
    // sd of a share over 4000 draws <= 0.008; ±0.04 is five sd.
    assert!(
        (null_customers as f64 / 4000.0 - 0.3).abs() < 0.04,
        "{null_customers}"
    );
    assert!(
        (null_notes as f64 / 4000.0 - 0.5).abs() < 0.04,
        "{null_notes}"
    );
    // mean 5 among the non-null references (planned)
    let non_null = per_value(orders.iter().filter_map(|o| o.customer_id));
    let mean = Profile::from_counts(&non_null, 0).mean_uses;
    assert!((mean - 5.0).abs() < 0.5, "{mean}");
}

#[tokio::test]
async fn children_get_their_parent_id() {
    let mut faker = Faker::new(4);
    faker.create_many::<Order>(1_000).await.unwrap();
    let lines = faker.in_memory::<OrderLine>().unwrap();
    let orders = faker.in_memory::<Order>().unwrap();
    assert_eq!(orders.len(), 1_000, "children must not create extra orders");
    for line in lines.iter() {
        assert!(orders.get_now(&line.order_id).is_some());
    }
    // Poisson(3) children per order: 3000 ± 5% (sd of the total is sqrt(3000) ~ 55).
    assert!(
        (lines.len() as f64 - 3000.0).abs() < 150.0,
        "{}",
        lines.len()
    );
}

#[tokio::test]
async fn create_matching_pins_equalities_and_reuses_when_the_distributor_says_so() {
    let mut faker = Faker::new(5);
    let inserts = counting::<Customer>(&mut faker);
    let first: Customer = faker
        .create_matching(json!({"city": "Moscow", "status": "active"}))
        .await
        .unwrap();
    assert_eq!(
        (first.city.as_str(), first.status.as_str()),
        ("Moscow", "active")
    );
    assert_eq!(inserts.load(Ordering::SeqCst), 1);
    // mean 1e9: the next request for the same specification reuses it, without an insert.
    for _ in 0..20 {
        let again: Customer = faker
            .create_matching(json!({"city": "Moscow", "status": "active"}))
            .await
            .unwrap();
        assert_eq!(again, first);
    }
    assert_eq!(inserts.load(Ordering::SeqCst), 1);
    // another specification creates another customer
    let kazan: Customer = faker
        .create_matching(json!({"city": "Kazan"}))
        .await
        .unwrap();
    assert_eq!(kazan.city, "Kazan");
    assert_eq!(inserts.load(Ordering::SeqCst), 2);
    // a non-equality condition is met by generating candidates
    let not_omsk: Customer = faker
        .create_matching(json!({"city": {"$nin": ["Moscow", "Kazan"]}}))
        .await
        .unwrap();
    assert_eq!(not_omsk.city, "Omsk");
    // an impossible one is a typed error with the path
    let err = faker
        .create_matching::<Customer>(
            json!({"city": {"$in": ["Paris"]}, "status": {"$ne": "active"}}),
        )
        .await
        .unwrap_err();
    assert!(err.path.starts_with("Customer."), "{err}");
    assert!(matches!(err.kind, ErrorKind::Unsatisfiable { .. }), "{err}");
    // a bad specification is a typed parse error
    let err = faker
        .create_matching::<Customer>(json!({}))
        .await
        .unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Spec(_)), "{err}");
}

#[tokio::test]
async fn create_matching_through_references() {
    let mut faker = Faker::new(6);
    faker.create_many::<Book>(1_000).await.unwrap();
    let tenant = *faker.pool::<Tenant>().unwrap().iter().nth(3).unwrap();
    // a book of that tenant: its author is of that tenant too (constraint + requirement)
    let book: Book = faker
        .create_matching(json!({"id": {"tenant_id": tenant.0}}))
        .await
        .unwrap();
    assert_eq!(book.id().tenant_id, tenant);
    assert_eq!(book.author_id().tenant_id, tenant);
    // an author chosen through $rel on the author's state
    let author = faker
        .in_memory::<Author>()
        .unwrap()
        .iter()
        .nth(2)
        .unwrap()
        .clone();
    let name = serde_json::to_value(&author).unwrap()["name"].clone();
    let book: Book = faker
        .create_matching(json!({"author_id": {"$rel": {"name": name}}}))
        .await
        .unwrap();
    let chosen = faker
        .get::<Author>(&book.author_id())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(serde_json::to_value(&chosen).unwrap()["name"], name);
}

#[tokio::test]
async fn contradicting_requirements_are_a_diamond_error_naming_both() {
    let mut faker = Faker::new(7);
    let err = faker
        .create_matching::<Book>(json!({"id": {"tenant_id": 1}, "author_id": {"tenant_id": 2}}))
        .await
        .unwrap_err();
    let ErrorKind::Diamond { first, second, .. } = &err.kind else {
        panic!("expected a diamond, got {err}");
    };
    assert_eq!(err.path, "Book.author_id");
    assert!(first.contains("create_matching"), "{first}");
    assert!(
        second.contains("same(tenant_id = id.tenant_id)"),
        "{second}"
    );
}

#[tokio::test]
async fn invalid_distributor_parameters_are_errors_with_the_field_path() {
    #[derive(Debug, Clone, Serialize, Deserialize)]
    struct Bad {
        id: u64,
        tenant: TenantId,
    }
    impl Provider for Bad {
        type Id = u64;
        const NAME: &'static str = "Bad";
        fn id(&self) -> u64 {
            self.id
        }
        fn schema() -> Schema {
            Schema::new().reference::<Tenant>(
                "tenant",
                DistributorConfig {
                    skew: Some(0.5),
                    ..Default::default()
                },
            )
        }
        async fn populate(cx: &mut Cx<'_>) -> Result<Self, FakerError> {
            let tenant = cx.reference::<Tenant>("tenant").await?;
            Ok(Bad { id: 1, tenant })
        }
    }
    let err = Faker::new(1).create::<Bad>().await.unwrap_err();
    assert_eq!(err.path, "Bad.tenant");
    assert!(matches!(err.kind, ErrorKind::Param(_)), "{err}");
    assert!(err.to_string().contains("skew"), "{err}");
}

#[tokio::test]
async fn fixtures_inserted_directly_are_reused() {
    let mut faker = Faker::new(9);
    for (id, name) in [(100, "Acme"), (200, "Globex")] {
        let tenant: Tenant = serde_json::from_value(json!({"id": id, "name": name})).unwrap();
        faker.insert(tenant).await.unwrap();
    }
    let author: Author = faker.create().await.unwrap();
    // the author's tenant reference (skew 2, mean 10) reuses a fixture or creates a new tenant
    let tenant = author.id().tenant_id;
    assert!(faker.get::<Tenant>(&tenant).await.unwrap().is_some());
    let authors: Vec<Author> = faker.create_many(200).await.unwrap();
    let fixtures_used = authors
        .iter()
        .filter(|a| [TenantId(100), TenantId(200)].contains(&a.id().tenant_id))
        .count();
    assert!(fixtures_used > 0);
    // new tenants get keys after the fixtures' (the counter moves past given keys)
    let new_keys: Vec<i64> = faker
        .in_memory::<Tenant>()
        .unwrap()
        .iter()
        .map(|t| t.id().0)
        .filter(|k| *k != 100 && *k != 200)
        .collect();
    assert!(new_keys.iter().all(|k| *k > 200), "{new_keys:?}");
}

#[tokio::test]
async fn errors_in_nested_creation_carry_the_full_provider_path() {
    let mut faker = Faker::new(11);
    faker.create_many::<Book>(100).await.unwrap();
    let err = faker
        .create_matching::<Book>(
            json!({"author_id": {"$rel": {"name": {"$in": ["Nobody Special"]}}}}),
        )
        .await
        .unwrap_err();
    assert_eq!(err.path, "Book.author_id.name", "{err}");
    assert!(matches!(err.kind, ErrorKind::Unsatisfiable { .. }), "{err}");
}

#[tokio::test]
async fn streaming_feeds_write_every_aggregate_and_keep_only_referenced_ones() {
    use ddd_faker::feed::{CsvFeed, JsonlFeed};
    let dir = std::env::temp_dir().join(format!("ddd-faker-feeds-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut faker = Faker::streaming(7);
    faker.add_sink(JsonlFeed::create(&dir).unwrap());
    faker.add_sink(CsvFeed::create(dir.join("csv")).unwrap());
    faker.create_each::<Book>(2_000, |_| {}).await.unwrap();
    // nothing is published before finish
    assert!(!dir.join("books.jsonl").exists());
    faker.finish().unwrap();

    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let books = read("books.jsonl");
    let tenants = read("tenants.jsonl");
    let authors = read("authors.jsonl");
    let commands = read("commands.jsonl");
    assert_eq!(books.lines().count(), 2_000);
    // books were written and dropped; tenants and authors (referenced) are kept
    assert_eq!(faker.in_memory::<Book>().unwrap().len(), 0);
    assert!(faker.pool::<Book>().unwrap().is_empty());
    assert_eq!(
        faker.in_memory::<Tenant>().unwrap().len(),
        tenants.lines().count()
    );
    assert_eq!(
        faker.in_memory::<Author>().unwrap().len(),
        authors.lines().count()
    );
    // the exact shapes of the feed lines
    let first_book: serde_json::Value =
        serde_json::from_str(books.lines().next().unwrap()).unwrap();
    let keys: Vec<&String> = first_book.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["author_id", "id", "title"]);
    assert!(
        books
            .lines()
            .next()
            .unwrap()
            .starts_with(r#"{"id":{"tenant_id":"#)
    );
    assert!(
        tenants
            .lines()
            .next()
            .unwrap()
            .starts_with(r#"{"id":1,"name":"Tenant 0"}"#)
    );
    // the command log: every aggregate once, in execution order, seq 0..n
    let total = books.lines().count() + tenants.lines().count() + authors.lines().count();
    assert_eq!(commands.lines().count(), total);
    for (n, line) in commands.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["seq"], n as u64);
        assert!(v["command"].as_str().unwrap().starts_with("Create"));
    }
    let first: serde_json::Value = serde_json::from_str(commands.lines().next().unwrap()).unwrap();
    assert_eq!(
        first["command"], "CreateTenant",
        "a book's tenant is created before the book"
    );
    // CSV: a header with flattened names, one row per book
    let csv = std::fs::read_to_string(dir.join("csv/books.csv")).unwrap();
    assert_eq!(
        csv.lines().next().unwrap(),
        "author_id_author_id,author_id_tenant_id,id_book_id,id_tenant_id,title"
    );
    assert_eq!(csv.lines().count(), 2_001);
    // no temporary files are left
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name();
        assert!(!name.to_string_lossy().ends_with(".partial"), "{name:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
