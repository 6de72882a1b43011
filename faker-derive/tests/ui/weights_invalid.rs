use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Tenant {
    #[provider(id, sequence)]
    id: u64,
    #[distributor(weights = [], mean = 5)]
    empty: u32,
    #[distributor(weights = [0.7, -0.2, 0.1], mean = 5)]
    negative: u32,
    #[distributor(weights = [0, 0.0], mean = 5)]
    all_zero: u32,
}

fn main() {}
