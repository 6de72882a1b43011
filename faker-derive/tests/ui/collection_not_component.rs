use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize)]
struct Line {
    quantity: u64,
}

#[derive(Clone, Serialize, Provider)]
struct Invoice {
    #[provider(id, sequence)]
    id: u64,
    #[provider(collection, mean = 3.0)]
    lines: Vec<Line>,
}

fn main() {}
