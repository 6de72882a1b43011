use ddd_faker::Provider;
use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Provider)]
struct Tenant {
    #[provider(id, sequence)]
    id: u64,
}

#[derive(Clone, Serialize, Deserialize, Provider)]
struct Customer {
    #[provider(id, sequence)]
    id: u64,
    // The runtime reads a reference by name: skipping it cannot work.
    #[serde(skip)]
    #[reference(Tenant)]
    tenant_id: u64,
    // A plain generated field may be skipped: the runtime never looks for it.
    #[serde(skip)]
    #[provider(default)]
    cache: u64,
}

fn main() {}
