use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Customer {
    #[provider(id, sequence)]
    id: u64,
    #[serde(rename = "name")]
    full_name: String,
    #[serde(rename = "name")]
    short_name: String,
}

fn main() {}
