use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
#[provider(entity)]
struct Line {
    #[provider(sequence)]
    quantity: u64,
}

#[derive(Clone, Serialize, Provider)]
struct Invoice {
    #[provider(id, sequence)]
    id: u64,
    // Not a Vec.
    #[provider(collection, mean = 3.0)]
    line: Line,
    // No count law.
    #[provider(collection)]
    no_law: Vec<Line>,
    // A negative mean, and a skew below 1.
    #[provider(collection, mean = -1.0, skew = 0.5)]
    negative: Vec<Line>,
    // Weights that are all zero.
    #[provider(collection, mean = 3.0, weights = [0.0, 0.0])]
    zero_weights: Vec<Line>,
    // Weights and skew together.
    #[provider(collection, mean = 3.0, weights = [0.7, 0.3], skew = 2.0)]
    both: Vec<Line>,
    // A law without `collection`.
    #[provider(mean = 3.0)]
    not_collection: Vec<Line>,
    // A range with a mean, an empty range, a range that is no range.
    #[provider(collection, range = 1..=5, mean = 3.0)]
    range_and_mean: Vec<Line>,
    #[provider(collection, range = 5..=1)]
    empty_range: Vec<Line>,
    #[provider(collection, range = 5)]
    not_a_range: Vec<Line>,
    // A collection is no pooled value.
    #[provider(collection, mean = 3.0)]
    #[distributor(mean = 5)]
    pooled: Vec<Line>,
}

fn main() {}
