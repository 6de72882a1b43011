use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Invoice {
    #[provider(id, sequence)]
    id: u64,
    // One bound makes no bucket.
    #[provider(quantiles = [5])]
    one: i64,
    #[provider(quantiles = [])]
    none: i64,
    // Bounds go up.
    #[provider(quantiles = [0, 10, 9.5, 20])]
    decreasing: f64,
    #[provider(quantiles = ["2009-01-01", "2010-01-01", "2009-12-31"])]
    decreasing_dates: String,
    // Not a date.
    #[provider(quantiles = ["2009-01-01", "2009-02-30", "last week"])]
    unparsable: String,
    // Numbers and dates in one list.
    #[provider(quantiles = [0, "2009-01-01"])]
    mixed: i64,
    // Not a list, and an element that is no literal.
    #[provider(quantiles = 5)]
    not_a_list: i64,
    #[provider(quantiles = [0, LIMIT])]
    not_a_literal: i64,
    // Combined with another value source, with a pool, with `map`.
    #[provider(quantiles = [0, 10], fake = fake::Faker)]
    two_sources: i64,
    #[provider(quantiles = [0, 10])]
    #[distributor(mean = 5)]
    pooled: i64,
    #[provider(quantiles = [0, 10], map = Amount)]
    mapped: Amount,
    // An optional field.
    #[provider(quantiles = [0, 10])]
    discount: Option<i64>,
}

const LIMIT: i64 = 10;

#[derive(Clone, Serialize, serde::Deserialize)]
struct Amount(i64);

fn main() {}
