use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, Provider)]
#[provider(value)]
struct Key {
    #[provider(sequence)]
    a: u64,
    #[provider(sequence)]
    b: u64,
}

#[derive(Clone, Serialize, Provider)]
#[provider(value)]
struct Line {
    #[provider(sequence)]
    n: u64,
}

#[derive(Clone, Serialize, Provider)]
struct Order {
    #[provider(id, composite, column = "order_key")]
    id: Key,
    #[provider(collection, mean = 2, column = "lines")]
    lines: Vec<Line>,
    #[serde(skip)]
    #[provider(default, column = "cache")]
    cache: u32,
    #[provider(sequence, column = "")]
    empty: u64,
    #[provider(sequence, column = "n", column = "m")]
    twice: u64,
    #[provider(sequence, column = "n")]
    again: u64,
    #[provider(sequence, column = 3)]
    number: u64,
}

fn main() {}
