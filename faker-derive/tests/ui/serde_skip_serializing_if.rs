use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Tenant {
    #[provider(id, sequence)]
    id: u64,
}

#[derive(Clone, Serialize, Provider)]
struct Customer {
    #[provider(id, sequence)]
    id: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[reference(Tenant)]
    #[distributor(null_weight = 0.5)]
    tenant_id: Option<u64>,
}

fn main() {}
