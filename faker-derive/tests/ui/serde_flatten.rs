use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Default, Serialize)]
struct Address {
    city: String,
    street: String,
}

#[derive(Clone, Serialize, Provider)]
struct Customer {
    #[provider(id, sequence)]
    id: u64,
    #[serde(flatten)]
    #[provider(default)]
    address: Address,
}

fn main() {}
