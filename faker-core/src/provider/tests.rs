//! A failed create leaves nothing behind: not in the repository, the pool, the mirror or the
//! feed (see [`super::runtime`] for the order that guarantees it, and its one documented
//! exception, a requirement on a repository-assigned key).

use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::json;

use super::{Cx, ErrorKind, Faker, FakerError, KeyError, Provider};
use crate::feed::{FeedError, Record, Sink};
use crate::repository::{BoxFuture, InMemoryRepository, Repository, RepositoryError};
use crate::spec::Query;

/// An aggregate whose domain refuses the name `refuse`, and whose label is fixed by the
/// domain (so a requirement on it can fail after populate).
#[derive(Debug, Clone, Serialize)]
struct Item {
    id: u64,
    name: String,
    label: String,
}

impl Provider for Item {
    type Id = u64;
    const NAME: &'static str = "Item";

    fn id(&self) -> u64 {
        self.id
    }

    async fn populate(cx: &mut Cx<'_>) -> Result<Self, FakerError> {
        let id = cx.sequence("id").await?;
        let name: String = cx.value("name", |_, position| format!("item {position}"))?;
        if name == "refuse" {
            return Err(cx.domain_error("the name `refuse` is refused"));
        }
        Ok(Item {
            id,
            name,
            label: "fixed".to_string(),
        })
    }
}

/// An aggregate with a key the repository assigns.
#[derive(Debug, Clone, Serialize)]
struct Keyed {
    id: i64,
}

impl Provider for Keyed {
    type Id = i64;
    const NAME: &'static str = "Keyed";

    fn auto_key() -> Option<String> {
        Some("id".to_string())
    }

    fn id(&self) -> i64 {
        self.id
    }

    async fn populate(cx: &mut Cx<'_>) -> Result<Self, FakerError> {
        Ok(Keyed {
            id: cx.auto_key("id")?,
        })
    }

    fn assign_key(&mut self, key: serde_json::Value) -> Result<(), KeyError> {
        self.id = KeyError::decode("id", key)?;
        Ok(())
    }
}

/// A feed that keeps every record's aggregate name and JSON.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<String>>>);

impl Recorder {
    fn records(&self) -> Vec<String> {
        self.0.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl Sink for Recorder {
    fn record(&mut self, record: &Record<'_>) -> Result<(), FeedError> {
        let json = String::from_utf8_lossy(record.json).into_owned();
        if let Ok(mut records) = self.0.lock() {
            records.push(format!("{} {json}", record.aggregate));
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), FeedError> {
        Ok(())
    }
}

/// An in-memory repository that refuses items named `stop`.
struct Refusing(InMemoryRepository<Item>);

impl Repository<Item> for Refusing {
    fn insert(
        &mut self,
        aggregate: Item,
        key_given: bool,
    ) -> BoxFuture<'_, Result<Item, RepositoryError>> {
        if aggregate.name == "stop" {
            return Box::pin(async {
                Err(RepositoryError::Refused {
                    table: "items".to_string(),
                })
            });
        }
        self.0.insert(aggregate, key_given)
    }

    fn get<'a>(&'a self, id: &'a u64) -> BoxFuture<'a, Result<Option<Item>, RepositoryError>> {
        self.0.get(id)
    }

    fn find<'a>(&'a self, query: &'a Query) -> BoxFuture<'a, Result<Vec<Item>, RepositoryError>> {
        self.0.find(query)
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

/// What a failed create must not change: stored, pooled and mirrored `A`s, and feed records.
fn footprint<A: Provider>(faker: &Faker, stored: usize, feed: &Recorder) -> [usize; 4] {
    [
        stored,
        faker.pool::<A>().map_or(0, |p| p.len()),
        faker.mirrored::<A>(),
        feed.records().len(),
    ]
}

fn stored_items(faker: &Faker) -> usize {
    match faker.in_memory::<Item>() {
        Some(memory) => memory.len(),
        None => faker
            .repository::<Item>()
            .and_then(|r| r.as_any().downcast_ref::<Refusing>())
            .map_or(0, |r| r.0.len()),
    }
}

/// A faker with one stored, pooled, mirrored and recorded `Item`.
async fn faker_with_one_item(feed: &Recorder) -> Faker {
    let mut faker = Faker::new(7);
    faker.add_sink(feed.clone());
    let first = faker
        .create_matching::<Item>(json!({"label": "fixed"}))
        .await;
    assert!(first.is_ok(), "{first:?}");
    assert_eq!(
        footprint::<Item>(&faker, stored_items(&faker), feed),
        [1, 1, 1, 1]
    );
    faker
}

/// `create_matching(spec)` fails with an error `expected` accepts, and leaves the footprint
/// of `A` as `after`.
async fn fails<A: Provider>(
    faker: &mut Faker,
    spec: serde_json::Value,
    expected: fn(&FakerError) -> bool,
    (stored, feed): (fn(&Faker) -> usize, &Recorder),
    after: [usize; 4],
) {
    let err = faker.create_matching::<A>(spec).await.err();
    assert!(err.as_ref().is_some_and(expected), "{err:?}");
    assert_eq!(footprint::<A>(faker, stored(faker), feed), after);
}

fn not_satisfied(e: &FakerError) -> bool {
    matches!(e.kind, ErrorKind::NotSatisfied { .. })
}

#[tokio::test]
async fn an_unsatisfied_requirement_stores_nothing() {
    let feed = Recorder::default();
    let mut faker = faker_with_one_item(&feed).await;
    let spec = json!({"label": "other"});
    let footprint = (stored_items as fn(&Faker) -> usize, &feed);
    fails::<Item>(&mut faker, spec, not_satisfied, footprint, [1, 1, 1, 1]).await;
    assert_eq!(faker.created::<Item>(), 1);
}

#[tokio::test]
async fn a_domain_refusal_stores_nothing() {
    let feed = Recorder::default();
    let mut faker = faker_with_one_item(&feed).await;
    // The pinned name makes every attempt refused: the bound is reached, and none of the
    // attempts left anything.
    let spec = json!({"name": "refuse"});
    let refused = |e: &FakerError| {
        matches!(&e.kind, ErrorKind::Refused { aggregate: "Item", attempts: 100, invariant }
            if invariant == "the name `refuse` is refused")
            && e.path == "Item"
    };
    fails::<Item>(
        &mut faker,
        spec,
        refused,
        (stored_items, &feed),
        [1, 1, 1, 1],
    )
    .await;
    assert_eq!(faker.refusals::<Item>(), 100);
    assert_eq!(faker.created::<Item>(), 1);
}

#[tokio::test]
async fn a_repository_error_stores_nothing() {
    let feed = Recorder::default();
    let mut faker = Faker::new(7);
    faker.add_sink(feed.clone());
    let refusing = faker.set_repository::<Item>(Refusing(InMemoryRepository::new()));
    assert!(refusing.is_ok());
    let first = faker.create_matching::<Item>(json!({"name": "go"})).await;
    assert!(first.is_ok(), "{first:?}");
    assert_eq!(
        footprint::<Item>(&faker, stored_items(&faker), &feed),
        [1, 1, 1, 1]
    );
    let spec = json!({"name": "stop"});
    let refused = FakerError::is_target_reached;
    fails::<Item>(
        &mut faker,
        spec,
        refused,
        (stored_items, &feed),
        [1, 1, 1, 1],
    )
    .await;
}

#[tokio::test]
async fn a_requirement_on_an_assigned_key_is_checked_after_the_insert() {
    let feed = Recorder::default();
    let mut faker = Faker::new(7);
    faker.add_sink(feed.clone());
    let stored = |f: &Faker| f.in_memory::<Keyed>().map_or(0, InMemoryRepository::len);
    // The key exists only once the repository assigned it (1): a requirement on it is
    // checked then, and holds.
    let first = faker
        .create_matching::<Keyed>(json!({"id": {"$gte": 1}}))
        .await;
    assert_eq!(first.map(|k| k.id).ok(), Some(1));
    assert_eq!(
        footprint::<Keyed>(&faker, stored(&faker), &feed),
        [1, 1, 1, 1]
    );
    // One that fails after the insert: the repository keeps the aggregate (it has no delete),
    // but it is neither pooled, mirrored nor recorded.
    let spec = json!({"id": {"$gt": 100}});
    fails::<Keyed>(
        &mut faker,
        spec,
        not_satisfied,
        (stored, &feed),
        [2, 1, 1, 1],
    )
    .await;
}
