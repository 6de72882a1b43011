use ddd_faker::Provider;
use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Deserialize, Provider)]
struct Customer {
    #[provider(id, sequence)]
    id: u64,
    // Serialized as "fullName", deserialized from "name".
    #[serde(rename(serialize = "fullName"))]
    name: String,
}

#[derive(Clone, Serialize, Deserialize, Provider)]
#[serde(rename_all(serialize = "camelCase", deserialize = "kebab-case"))]
struct Order {
    #[provider(id, sequence)]
    id: u64,
    // Under the two rules: "customerName" and "customer-name".
    customer_name: String,
}

fn main() {}
