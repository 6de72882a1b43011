use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Line {
    #[provider(id, sequence)]
    id: u64,
    #[provider(sequence)]
    order_id: u64,
}

#[derive(Clone, Serialize, Provider)]
#[children(Line, mean = 3.0)]
#[children(Line, parent = "order_id")]
#[children(Line, parent = "order_id", mean = -1.0, skew = 0.5)]
struct Order {
    #[provider(id, sequence)]
    id: u64,
}

fn main() {}
