use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
#[serde(into = "u64")]
struct Customer {
    #[provider(id, sequence)]
    id: u64,
}

impl From<Customer> for u64 {
    fn from(c: Customer) -> u64 {
        c.id
    }
}

fn main() {}
