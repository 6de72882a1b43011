//! Where the features of issue 14 meet: `one_of` lists, enums and `quantiles` fields inside
//! the elements of a collection, a collection inside an enum variant, and a `super.` source
//! inside a variant.
//!
//! The counts are exact where planning makes them so: every count law here is a fixed range
//! (`range = 2..=2`), so the number of elements is known and a value list inside the elements
//! is planned for exactly that many draws (`round(N · w)` of value `i`), and so are the
//! quantiles' buckets (`round(N / k)` each).

use ddd_faker::Provider;
use ddd_faker::provider::Faker;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Provider)]
#[serde(rename_all = "snake_case")]
enum LineKind {
    #[weight(3)]
    Sale,
    #[weight(1)]
    Refund,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
#[provider(entity)]
struct Line {
    #[provider(one_of = ["EUR", "USD"], weights = [0.75, 0.25])]
    currency: String,
    #[provider(composite)]
    kind: LineKind,
    // Three buckets, the middle one a point mass at 10.
    #[provider(quantiles = [0.0, 10.0, 10.0, 100.0])]
    amount: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
struct Order {
    #[provider(id, sequence)]
    id: u64,
    #[provider(collection, range = 2..=2)]
    lines: Vec<Line>,
    // A collection of unit enums: the element is the enum's own value.
    #[provider(collection, range = 2..=2)]
    flags: Vec<LineKind>,
}

/// A value list, an enum and a histogram inside collection elements: the lists are planned
/// for the elements (2 per order), not for the orders.
#[tokio::test]
async fn value_lists_enums_and_quantiles_inside_collection_elements() {
    let mut faker = Faker::new(14);
    let orders = faker.create_many::<Order>(1_000).await.unwrap();
    let lines: Vec<&Line> = orders.iter().flat_map(|o| &o.lines).collect();
    assert_eq!(lines.len(), 2_000);
    let count = |f: &dyn Fn(&Line) -> bool| lines.iter().filter(|l| f(l)).count();
    // Planned for 2 000 draws: exactly round(2 000 · w).
    assert_eq!(count(&|l| l.currency == "EUR"), 1_500);
    assert_eq!(count(&|l| l.kind == LineKind::Refund), 500);
    let flags: Vec<LineKind> = orders.iter().flat_map(|o| o.flags.clone()).collect();
    assert_eq!(flags.len(), 2_000);
    assert_eq!(
        flags.iter().filter(|k| **k == LineKind::Sale).count(),
        1_500
    );
    // The element's state: a unit enum is serde's string.
    let json = serde_json::to_value(&orders[0]).unwrap();
    assert!(json["flags"][0].is_string(), "{json}");

    // Quantiles: every amount within the bounds, and the buckets planned for the 2 000
    // elements like a uniform value list, so each holds exactly 667 or 666 of them (largest
    // remainder; a float lands on a bound with probability 0).
    assert!(lines.iter().all(|l| (0.0..=100.0).contains(&l.amount)));
    let count_of = |f: &dyn Fn(f64) -> bool| lines.iter().filter(|l| f(l.amount)).count();
    let buckets = [
        count_of(&|a| a < 10.0),
        count_of(&|a| a == 10.0),
        count_of(&|a| a > 10.0),
    ];
    assert!(
        buckets.iter().all(|c| *c == 666 || *c == 667),
        "{buckets:?}"
    );
    assert_eq!(buckets.iter().sum::<usize>(), 2_000);
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
#[provider(value)]
struct Part {
    #[provider(one_of = [1, 2])]
    size: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
enum Payment {
    #[weight(1)]
    Split {
        #[provider(collection, range = 3..=3)]
        parts: Vec<Part>,
    },
    #[weight(1)]
    Single,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
struct Bill {
    #[provider(id, sequence)]
    id: u64,
    #[provider(composite)]
    payment: Payment,
}

/// A collection inside an enum variant: its elements' lists are planned for the variant's
/// share times the elements per aggregate (0.5 · 3 per bill).
#[tokio::test]
async fn a_collection_inside_an_enum_variant() {
    let mut faker = Faker::new(15);
    let bills = faker.create_many::<Bill>(1_000).await.unwrap();
    let parts: Vec<&Part> = bills
        .iter()
        .filter_map(|b| match &b.payment {
            Payment::Split { parts } => Some(parts),
            Payment::Single => None,
        })
        .flatten()
        .collect();
    // 500 split bills (planned), 3 parts each.
    assert_eq!(parts.len(), 1_500);
    // Planned for round(1 000 · 0.5 · 3) = 1 500 draws: exactly half of each size.
    assert_eq!(parts.iter().filter(|p| p.size == 1).count(), 750);
}

#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
struct Shop {
    #[provider(id, sequence)]
    id: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Provider)]
#[provider(value)]
struct ClerkId {
    #[reference(Shop)]
    shop_id: u64,
    #[provider(sequence)]
    clerk_id: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
struct Clerk {
    #[provider(id, composite)]
    id: ClerkId,
}

#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
enum Handling {
    #[weight(1)]
    // `super.shop` is a field of the struct holding the enum, not of the variant.
    Served {
        #[reference(Clerk, same(shop_id = super.shop))]
        #[distributor(mean = 5)]
        clerk: ClerkId,
    },
    #[weight(1)]
    SelfService,
}

#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
struct Sale {
    #[provider(id, sequence)]
    id: u64,
    #[reference(Shop)]
    #[distributor(mean = 50)]
    shop: u64,
    #[provider(composite)]
    handling: Handling,
}

/// `super.` in a variant's field names a field of the struct that holds the enum.
#[tokio::test]
async fn a_super_source_inside_an_enum_variant() {
    let mut faker = Faker::new(16);
    let sales = faker.create_many::<Sale>(2_000).await.unwrap();
    let mut served = 0;
    for sale in &sales {
        if let Handling::Served { clerk } = &sale.handling {
            assert_eq!(clerk.shop_id, sale.shop, "{sale:?}");
            served += 1;
        }
    }
    assert_eq!(served, 1_000);
}
