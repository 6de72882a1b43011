use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Order {
    #[provider(id, sequence)]
    id: u64,
    // Three values, two weights.
    #[provider(one_of = ["new", "paid", "shipped"], weights = [0.7, 0.3])]
    status: String,
    #[provider(one_of = ["a", "b"], weights = [0.5, -0.5])]
    negative: String,
    #[provider(one_of = ["a", "b"], weights = [0, 0.0])]
    all_zero: String,
    #[provider(one_of = [])]
    empty: String,
    #[provider(one_of = ["a", "b"], weights = [1.0, f64::NAN])]
    not_a_literal: String,
    #[provider(one_of = ["a", "b"], with = |_, _| "c".to_string())]
    two_sources: String,
    #[provider(weights = [0.5, 0.5])]
    weights_alone: String,
    #[provider(one_of = "new")]
    not_a_list: String,
    #[provider(one_of = ["a", "b"])]
    #[distributor(mean = 5)]
    pooled: String,
}

fn main() {}
