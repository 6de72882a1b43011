//! Weighted value lists and enums, end to end through a `Faker` in memory: a derived aggregate
//! with a `one_of` field, a weighted unit enum and a data-carrying enum (whose variant holds a
//! reference). Planned runs (`create_many`) give every value exactly its count, also when the
//! domain refuses half of the attempts; unplanned runs (`create` one at a time) give the shares
//! in expectation; a variant's reference is planned for the variant's share of the aggregates.

use std::collections::HashSet;
use std::fmt;

use ddd_faker::Provider;
use ddd_faker::provider::Faker;
use rand::RngExt;
use serde::{Deserialize, Serialize};

#[derive(Debug)]
pub struct Invalid(&'static str);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
pub struct Carrier {
    #[provider(id, sequence)]
    id: u64,
}

/// `"in_transit"`, as serde writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Provider)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    #[weight(0.55)]
    Created,
    #[weight(0.25)]
    InTransit,
    #[weight(0.12)]
    Delivered,
    #[weight(0.08)]
    Lost,
}

/// `{"Courier": {"carrier": 3}}`, `"Pickup"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
pub enum Route {
    #[weight(0.4)]
    Courier {
        #[reference(Carrier)]
        #[distributor(mean = 20)]
        carrier: u64,
    },
    #[weight(0.6)]
    Pickup,
}

#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
#[provider(factory = Shipment::new)]
pub struct Shipment {
    #[provider(id, sequence)]
    id: u64,
    #[provider(one_of = ["EUR", "USD", "GBP", "CHF"], weights = [0.5, 0.3, 0.15, 0.05])]
    currency: String,
    #[provider(composite)]
    stage: Stage,
    #[provider(composite)]
    route: Route,
    /// Whether the domain accepts the shipment (see `Shipment::new`).
    #[provider(with = |rng, _| rng.random_bool(0.5))]
    valid: bool,
}

impl Shipment {
    /// Refuses the shipments drawn invalid: half of the attempts.
    fn new(
        id: u64,
        currency: String,
        stage: Stage,
        route: Route,
        valid: bool,
    ) -> Result<Shipment, Invalid> {
        if !valid {
            return Err(Invalid("the shipment is invalid"));
        }
        Ok(Shipment {
            id,
            currency,
            stage,
            route,
            valid,
        })
    }
}

const CURRENCIES: [(&str, f64); 4] = [("EUR", 0.5), ("USD", 0.3), ("GBP", 0.15), ("CHF", 0.05)];
const STAGES: [(Stage, f64); 4] = [
    (Stage::Created, 0.55),
    (Stage::InTransit, 0.25),
    (Stage::Delivered, 0.12),
    (Stage::Lost, 0.08),
];

fn count(shipments: &[Shipment], f: impl Fn(&Shipment) -> bool) -> usize {
    shipments.iter().filter(|s| f(s)).count()
}

/// Planned: exactly `round(N · w)` of each value, although every second attempt is refused
/// (a refused attempt gives its planned draws back); the reference inside `Courier` is planned
/// for the 40% of shipments that draw it, so it creates `0.4 · N / mean` carriers.
#[tokio::test]
async fn planned_value_lists_and_enums_have_exact_counts() {
    let n = 100_000;
    let mut faker = Faker::new(41);
    faker.create_many::<Shipment>(n).await.expect("shipments");
    let shipments: Vec<Shipment> = faker
        .in_memory::<Shipment>()
        .expect("in memory")
        .iter()
        .cloned()
        .collect();
    assert_eq!(shipments.len(), n as usize);
    assert!(
        faker.refusals::<Shipment>() > 40_000,
        "half of the attempts"
    );
    for (currency, w) in CURRENCIES {
        let want = (n as f64 * w).round() as usize;
        assert_eq!(
            count(&shipments, |s| s.currency == currency),
            want,
            "{currency}"
        );
    }
    for (stage, w) in STAGES {
        let want = (n as f64 * w).round() as usize;
        assert_eq!(count(&shipments, |s| s.stage == stage), want, "{stage:?}");
    }
    let couriers = count(&shipments, |s| matches!(s.route, Route::Courier { .. }));
    assert_eq!(couriers, 40_000);
    let carriers: HashSet<u64> = shipments
        .iter()
        .filter_map(|s| match s.route {
            Route::Courier { carrier } => Some(carrier),
            Route::Pickup => None,
        })
        .collect();
    // Planned for 40 000 draws at mean 20: exactly 2 000 carriers (planned for all 100 000
    // shipments it would spread 40 000 draws over 5 000 slots and create most of them).
    assert_eq!(carriers.len(), 2_000);
    assert_eq!(
        faker.in_memory::<Carrier>().expect("in memory").len(),
        2_000
    );
    // The exported state is serde's.
    let lost = shipments
        .iter()
        .find(|s| s.stage == Stage::Lost)
        .expect("lost");
    let state = serde_json::to_value(lost).expect("state");
    assert_eq!(state["stage"], "lost");
    let courier = shipments
        .iter()
        .find(|s| matches!(s.route, Route::Courier { .. }))
        .expect("courier");
    assert!(serde_json::to_value(courier).expect("state")["route"]["Courier"]["carrier"].is_u64());
}

/// Unplanned (one `create` at a time): each draw is sampled, and the shares follow the
/// weights in expectation. At 10^5 draws the binomial sd of a share is
/// `sqrt(w(1-w)/N) <= sqrt(0.25 / 1e5) = 0.0016`, so ±0.01 is more than 6 sd.
#[tokio::test]
async fn sampled_value_lists_and_enums_follow_their_weights() {
    let n = 100_000;
    let mut faker = Faker::new(42);
    let mut shipments = Vec::with_capacity(n);
    for _ in 0..n {
        shipments.push(faker.create::<Shipment>().await.expect("shipment"));
    }
    let share = |k: usize| k as f64 / n as f64;
    for (currency, w) in CURRENCIES {
        let got = share(count(&shipments, |s| s.currency == currency));
        assert!((got - w).abs() < 0.01, "{currency}: {got} for {w}");
    }
    for (stage, w) in STAGES {
        let got = share(count(&shipments, |s| s.stage == stage));
        assert!((got - w).abs() < 0.01, "{stage:?}: {got} for {w}");
    }
    let couriers = share(count(&shipments, |s| {
        matches!(s.route, Route::Courier { .. })
    }));
    assert!((couriers - 0.4).abs() < 0.01, "{couriers}");
    // Not planned, so not exact: the seed shows in the counts.
    assert_ne!(count(&shipments, |s| s.currency == "EUR"), n / 2);
}
