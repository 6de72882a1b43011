use ddd_faker::Provider;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
struct TenantId(u64);

#[derive(Clone, Serialize, Provider)]
struct Author {
    #[provider(id, sequence)]
    id: u64,
    // The id type, not the aggregate: `TenantId` has no provider.
    #[reference(TenantId)]
    tenant_id: TenantId,
}

fn main() {}
