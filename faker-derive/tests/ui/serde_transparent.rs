use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
#[serde(transparent)]
struct Customer {
    #[provider(id, sequence)]
    id: u64,
}

fn main() {}
