//! Domain refusals: an aggregate the domain refuses is drawn again (up to
//! `Faker::set_attempts`), nothing of a refused attempt is stored or emitted, its reference
//! draws are not counted against their law, and after the bound the error names the invariant
//! and the provider path. Also: an aggregate whose id is made only of references (a `Route`
//! of two airports) is created once and reused afterwards.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

use ddd_faker::Provider;
use ddd_faker::estimate::Profile;
use ddd_faker::feed::{FeedError, Record, Sink};
use ddd_faker::provider::{ErrorKind, Faker};
use rand::RngExt;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// An invariant the domain refuses to break.
#[derive(Debug)]
pub struct Invalid(&'static str);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Every record of the feed, as (aggregate, state).
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<(String, Value)>>>);

impl Sink for Recorder {
    fn record(&mut self, record: &Record<'_>) -> Result<(), FeedError> {
        let state = serde_json::from_slice(record.json).expect("records are JSON");
        self.0
            .lock()
            .expect("not poisoned")
            .push((record.aggregate.to_string(), state));
        Ok(())
    }

    fn finish(&mut self) -> Result<(), FeedError> {
        Ok(())
    }
}

impl Recorder {
    fn of(&self, aggregate: &str) -> Vec<Value> {
        let records = self.0.lock().expect("not poisoned");
        records
            .iter()
            .filter(|(a, _)| a == aggregate)
            .map(|(_, s)| s.clone())
            .collect()
    }
}

// ---------------------------------------------------------------- a shop whose orders may be refused

#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
pub struct Shop {
    #[provider(id, sequence)]
    id: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Provider)]
#[provider(value)]
pub struct ClerkId {
    #[reference(Shop)]
    shop: u64,
    #[provider(sequence)]
    clerk: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
pub struct Clerk {
    #[provider(id, composite)]
    id: ClerkId,
}

#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
pub struct Customer {
    #[provider(id, sequence)]
    id: u64,
}

/// An order: its shop under a partition law, a clerk of that shop, maybe a customer (two
/// orders each, 10% without one), and a `luck` the domain refuses below 5 — 5% of the draws,
/// decided by a drawn field.
#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
#[provider(factory = Order::new)]
pub struct Order {
    #[provider(id, sequence)]
    id: u64,
    #[reference(Shop)]
    #[distributor(weights = [0.7, 0.2, 0.07, 0.03], mean = 200)]
    shop: u64,
    #[reference(Clerk, same(shop = shop))]
    #[distributor(skew = 2.0, mean = 20)]
    clerk: ClerkId,
    #[reference(Customer)]
    #[distributor(mean = 2, null_weight = 0.1)]
    customer: Option<u64>,
    #[provider(with = |rng, _| rng.random_range(0..100u32))]
    luck: u32,
}

impl Order {
    fn new(
        id: u64,
        shop: u64,
        clerk: ClerkId,
        customer: Option<u64>,
        luck: u32,
    ) -> Result<Order, Invalid> {
        if luck < 5 {
            return Err(Invalid("an order needs luck"));
        }
        Ok(Order {
            id,
            shop,
            clerk,
            customer,
            luck,
        })
    }
}

fn per_value<K: std::hash::Hash + Eq>(keys: impl Iterator<Item = K>) -> Vec<u64> {
    let mut counts: HashMap<K, u64> = HashMap::new();
    for k in keys {
        *counts.entry(k).or_default() += 1;
    }
    counts.into_values().collect()
}

const ORDERS: u64 = 20_000;

#[tokio::test]
async fn refused_orders_are_drawn_again_and_leave_nothing() {
    let feed = Recorder::default();
    let mut faker = Faker::new(11);
    faker.add_sink(feed.clone());
    let orders = faker.create_many::<Order>(ORDERS).await.expect("orders");

    // Exactly the orders asked for, all valid, in the repository and in the feed.
    assert_eq!(orders.len() as u64, ORDERS);
    let stored = faker.in_memory::<Order>().expect("in memory");
    assert_eq!(stored.len() as u64, ORDERS);
    assert!(stored.iter().all(|o| o.luck >= 5));
    assert!(stored.iter().all(|o| o.clerk.shop == o.shop));
    let recorded = feed.of("Order");
    assert_eq!(recorded.len() as u64, ORDERS);
    assert!(recorded.iter().all(|o| o["luck"].as_u64() >= Some(5)));
    assert_eq!(faker.created::<Order>(), ORDERS);
    // Shops and clerks created on the way, also for refused orders, are aggregates of their
    // own: stored and recorded once each.
    for (name, stored, created) in [
        (
            "Shop",
            faker.in_memory::<Shop>().map_or(0, |m| m.len()),
            faker.created::<Shop>(),
        ),
        (
            "Clerk",
            faker.in_memory::<Clerk>().map_or(0, |m| m.len()),
            faker.created::<Clerk>(),
        ),
    ] {
        assert_eq!(stored as u64, created, "{name}");
        assert_eq!(feed.of(name).len() as u64, created, "{name}");
    }

    // Refusals: each attempt is refused with probability 0.05, so the refusals before ORDERS
    // accepted ones are negative binomial, mean ORDERS·0.05/0.95 = 1 052.6, sd
    // sqrt(ORDERS·0.05)/0.95 = 33.3. ±5 sd (±167) cannot fail by chance, and a refusal
    // counted twice, or not at all, falls far outside.
    let refusals = faker.refusals::<Order>();
    let share = refusals as f64 / (ORDERS + refusals) as f64;
    eprintln!("{refusals} refusals, {share:.4} of the attempts");
    assert!((886..=1_220).contains(&refusals), "{refusals} refusals");
    assert_eq!(faker.refusals::<Shop>(), 0);
    let by_type: HashMap<&str, u64> = faker.refusals_by_type().collect();
    assert_eq!(by_type.get("Order"), Some(&refusals));
    assert_eq!(by_type.get("Clerk"), Some(&0));

    // The planned laws hold on what was stored. The shop draw is planned: N draws of the
    // slot law give N/mean distinct shops within about one shop (the slot count is solved for
    // that expectation) and the partition shares within the sampling noise of 20 000 draws
    // (sd of a share below 0.004), so ±3% and ±0.03, the project's usual tolerances.
    let shops = Profile::from_counts(&per_value(orders.iter().map(|o| o.shop)), 0);
    eprintln!(
        "shops: {} distinct, mean {:.2}, quartiles {:?}",
        shops.distinct, shops.mean_uses, shops.quartile_shares
    );
    assert!(
        (shops.mean_uses / 200.0 - 1.0).abs() < 0.03,
        "{}",
        shops.mean_uses
    );
    for (achieved, configured) in shops.quartile_shares.iter().zip([0.7, 0.2, 0.07, 0.03]) {
        assert!((achieved - configured).abs() < 0.03, "{shops:?}");
    }
    // The clerk draw is filtered by the shop (`same(..)`) and planned inside each shop's
    // sub-pool (a plan sized by the shop's planned share): N/20 = 1 000 clerks in all,
    // counting the clerks created for refused orders (they exist, and their slots keep them).
    // The per-shop plans aim at that expectation, so ±3%. (Draws under the budget rule, which
    // counts them, are taken back exactly; see the test below.)
    let clerks = Profile::from_counts(&per_value(orders.iter().map(|o| o.clerk)), 0);
    eprintln!(
        "clerks: {} distinct, mean {:.2}",
        clerks.distinct, clerks.mean_uses
    );
    assert!(
        (clerks.mean_uses / 20.0 - 1.0).abs() < 0.03,
        "{}",
        clerks.mean_uses
    );
    // A planned reference spends exact counts: round(N · 0.1) nulls and, over the other
    // draws, N·0.9/2 customers used exactly twice each. That holds on the stored orders only
    // because the draws of refused orders were given back: a refused order's planned null or
    // customer use would otherwise be spent on nothing (about 1 000 of them), leaving
    // customers with one order and fewer nulls.
    let nulls = orders.iter().filter(|o| o.customer.is_none()).count();
    assert_eq!(nulls as u64, ORDERS / 10);
    let customers = per_value(orders.iter().filter_map(|o| o.customer));
    assert_eq!(customers.len() as u64, ORDERS * 9 / 10 / 2);
    assert!(
        customers.iter().all(|&uses| uses == 2),
        "{:?}",
        Profile::from_counts(&customers, 0)
    );
}

// ---------------------------------------------------------------- refused on every attempt

/// An order the domain refuses when `doomed` (a field a specification can pin). Its shop is
/// its own (mean 1: no plan over shops), so the planned clerk draw inside the shop's sub-pool
/// has no share to size a sub-pool plan with and uses the budget rule, which counts draws.
#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
#[provider(factory = Doomed::new)]
pub struct Doomed {
    #[provider(id, sequence)]
    id: u64,
    #[reference(Shop)]
    #[distributor(mean = 1)]
    shop: u64,
    #[reference(Clerk, same(shop = shop))]
    #[distributor(mean = 2)]
    clerk: ClerkId,
    #[provider(value = false)]
    doomed: bool,
}

impl Doomed {
    fn new(id: u64, shop: u64, clerk: ClerkId, doomed: bool) -> Result<Doomed, Invalid> {
        if doomed {
            return Err(Invalid("a doomed order cannot be placed"));
        }
        Ok(Doomed {
            id,
            shop,
            clerk,
            doomed,
        })
    }
}

#[tokio::test]
async fn a_domain_that_always_refuses_fails_after_the_bound_with_its_invariant() {
    let feed = Recorder::default();
    let mut faker = Faker::new(3);
    faker.add_sink(feed.clone());
    assert_eq!(faker.attempts().get(), 100);
    faker.plan::<Doomed>(100).expect("plan");
    let clerk_counters = |f: &Faker| {
        f.reference_distributor::<Doomed>("clerk")
            .and_then(|d| d.inner().budget_draws())
    };
    let before = clerk_counters(&faker);
    let fine = faker
        .create_matching::<Doomed>(json!({"doomed": false}))
        .await;
    assert!(fine.is_ok(), "{fine:?}");
    let accepted = clerk_counters(&faker);
    // The accepted order's clerk draw counts (so the comparison below can fail).
    assert_ne!(accepted, before);

    let err = faker
        .create_matching::<Doomed>(json!({"doomed": true}))
        .await
        .expect_err("refused on every attempt");
    assert!(
        matches!(&err.kind, ErrorKind::Refused { aggregate: "Doomed", attempts: 100, invariant }
            if invariant == "a doomed order cannot be placed"),
        "{err:?}"
    );
    assert_eq!(err.path, "Doomed");
    let message = err.to_string();
    assert!(
        message.starts_with("Doomed: ") && message.contains("a doomed order cannot be placed"),
        "{message}"
    );
    assert_eq!(faker.refusals::<Doomed>(), 100);
    // None of the 100 refused clerk draws is counted against the clerk law.
    assert_eq!(clerk_counters(&faker), accepted);
    assert_eq!(faker.in_memory::<Doomed>().map(|m| m.len()), Some(1));
    assert_eq!(feed.of("Doomed").len(), 1);
    assert_eq!(faker.created::<Doomed>(), 1);
}

#[tokio::test]
async fn the_bound_is_set_per_faker() {
    let mut faker = Faker::new(3);
    faker.set_attempts(NonZeroU32::new(7).expect("not zero"));
    let err = faker
        .create_matching::<Doomed>(json!({"doomed": true}))
        .await
        .expect_err("refused");
    assert!(
        matches!(err.kind, ErrorKind::Refused { attempts: 7, .. }),
        "{err}"
    );
    assert_eq!(faker.refusals::<Doomed>(), 7);
}

// ---------------------------------------------------------------- a refused target

/// A clerk-like aggregate the domain refuses when its badge is odd: half of the draws.
#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
#[provider(factory = Cashier::new)]
pub struct Cashier {
    #[provider(id, sequence)]
    id: u64,
    #[reference(Shop)]
    #[distributor(mean = 3)]
    shop: u64,
    #[provider(with = |rng, _| rng.random_range(0..1_000u32))]
    badge: u32,
}

impl Cashier {
    fn new(id: u64, shop: u64, badge: u32) -> Result<Cashier, Invalid> {
        if badge % 2 == 1 {
            return Err(Invalid("a cashier's badge is even"));
        }
        Ok(Cashier { id, shop, badge })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
pub struct Sale {
    #[provider(id, sequence)]
    id: u64,
    #[reference(Cashier)]
    #[distributor(mean = 4)]
    cashier: u64,
}

/// A cashier whose domain never accepts anything.
#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
#[provider(factory = Ghost::new)]
pub struct Ghost {
    #[provider(id, sequence)]
    id: u64,
}

impl Ghost {
    fn new(_: u64) -> Result<Ghost, Invalid> {
        Err(Invalid("ghosts cannot be hired"))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
pub struct Haunting {
    #[provider(id, sequence)]
    id: u64,
    #[reference(Ghost)]
    ghost: u64,
}

#[tokio::test]
async fn a_refused_target_is_drawn_again_at_its_own_level() {
    let feed = Recorder::default();
    let mut faker = Faker::new(5);
    faker.add_sink(feed.clone());
    let sales = faker.create_many::<Sale>(2_000).await.expect("sales");
    assert_eq!(sales.len(), 2_000);
    // Half the cashier attempts are refused, and redrawn by the cashier's own creation: the
    // sale never sees them.
    let cashiers = faker.created::<Cashier>();
    let refusals = faker.refusals::<Cashier>();
    eprintln!("{cashiers} cashiers, {refusals} refused attempts");
    // Refusals before each accepted cashier are geometric with mean 1, so their total over
    // ~500 cashiers has mean `cashiers` and sd sqrt(2·cashiers) ≈ 32: ±25% is over 3 sd.
    assert!(
        (refusals as f64 / cashiers as f64 - 1.0).abs() < 0.25,
        "{refusals} refusals for {cashiers} cashiers"
    );
    assert_eq!(faker.refusals::<Sale>(), 0);
    let stored = faker.in_memory::<Cashier>().expect("in memory");
    assert_eq!(stored.len() as u64, cashiers);
    assert!(stored.iter().all(|c| c.badge % 2 == 0));
    assert!(
        feed.of("Cashier")
            .iter()
            .all(|c| c["badge"].as_u64().is_some_and(|b| b % 2 == 0))
    );
    // The shops drawn for refused cashiers stay: every stored one is recorded once.
    assert_eq!(feed.of("Shop").len() as u64, faker.created::<Shop>());
    assert!(faker.created::<Shop>() > 0);
}

#[tokio::test]
async fn a_target_refused_on_every_attempt_names_the_reference_path() {
    let mut faker = Faker::new(5);
    faker.set_attempts(NonZeroU32::new(10).expect("not zero"));
    let err = faker.create::<Haunting>().await.expect_err("no ghost");
    assert!(
        matches!(&err.kind, ErrorKind::Refused { aggregate: "Ghost", attempts: 10, invariant }
            if invariant == "ghosts cannot be hired"),
        "{err:?}"
    );
    assert_eq!(err.path, "Haunting.ghost");
    assert!(err.to_string().starts_with("Haunting.ghost: "), "{err}");
    // The haunting is not redrawn for its target's refusal: the target had its own bound.
    assert_eq!(faker.refusals::<Ghost>(), 10);
    assert_eq!(faker.refusals::<Haunting>(), 0);
}

// ---------------------------------------------------------------- ids made only of references

#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
pub struct Airport {
    #[provider(id, sequence)]
    id: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Provider)]
#[provider(value)]
pub struct RouteId {
    #[reference(Airport)]
    #[distributor(mean = 40)]
    origin: u64,
    #[reference(Airport)]
    #[distributor(mean = 40)]
    dest: u64,
}

/// One route per (origin, dest): its id is made only of references.
#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
pub struct Route {
    #[provider(id, composite)]
    id: RouteId,
    #[provider(sequence)]
    opened: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
pub struct Flight {
    #[provider(id, sequence)]
    id: u64,
    #[reference(Route)]
    #[distributor(mean = 3)]
    route: RouteId,
}

#[tokio::test]
async fn a_route_of_two_airports_is_created_once_and_reused() {
    let feed = Recorder::default();
    let mut faker = Faker::new(21);
    faker.add_sink(feed.clone());
    let flights = faker.create_many::<Flight>(3_000).await.expect("flights");
    assert_eq!(flights.len(), 3_000);
    let created = faker.created::<Route>();
    let reused = faker.reused::<Route>();
    eprintln!("{created} routes created, {reused} creations reused a stored route");
    // About 1 000 route creations (3 000 flights, mean 3), each side drawing its airport with
    // mean 40, so a few dozen airports: many creations meet a stored pair (384 with this
    // seed).
    assert!(reused > 100, "{reused}");
    let routes = faker.in_memory::<Route>().expect("in memory");
    assert_eq!(routes.len() as u64, created);
    let recorded = feed.of("Route");
    assert_eq!(recorded.len() as u64, created);
    let ids: HashSet<String> = recorded.iter().map(|r| r["id"].to_string()).collect();
    assert_eq!(ids.len(), recorded.len(), "a route recorded twice");
    // Every flight's route is stored, and a reused route is the stored one (its `opened`).
    for flight in &flights {
        assert!(routes.get_now(&flight.route).is_some());
    }
    let first = routes.iter().next().expect("a route").clone();
    let again = faker
        .create_matching::<Route>(json!({"id": {"origin": first.id.origin, "dest": first.id.dest}}))
        .await
        .expect("the stored route");
    assert_eq!(again.opened, first.opened);
}

#[tokio::test]
async fn creating_an_existing_route_returns_it_and_records_nothing() {
    // Streaming: nothing references `Route`, so its repository keeps no states; its ids are
    // still pooled, so a stored id is still found.
    for mut faker in [Faker::new(4), Faker::streaming(4)] {
        let feed = Recorder::default();
        faker.add_sink(feed.clone());
        let mut made = Vec::new();
        for _ in 0..200 {
            made.push(faker.create::<Route>().await.expect("route"));
        }
        let created = faker.created::<Route>();
        assert_eq!(created + faker.reused::<Route>(), 200);
        // Dynamic draws with mean 40 make about 5 airports per side: at most 25 pairs.
        let airports = faker.pool::<Airport>().map_or(0, |p| p.len()) as u64;
        eprintln!("{created} routes over {airports} airports");
        assert!(created <= airports * airports);
        assert!(faker.reused::<Route>() > 100);
        let distinct: HashSet<RouteId> = made.iter().map(|r| r.id).collect();
        assert_eq!(distinct.len() as u64, created);
        let recorded: Vec<String> = feed
            .of("Route")
            .iter()
            .map(|r| r["id"].to_string())
            .collect();
        assert_eq!(recorded.len() as u64, created);
        assert_eq!(
            recorded.iter().collect::<HashSet<_>>().len(),
            recorded.len()
        );
    }
}
