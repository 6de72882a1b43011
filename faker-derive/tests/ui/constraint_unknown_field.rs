use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Tenant {
    #[provider(id, sequence)]
    id: u64,
}

#[derive(Clone, Serialize, Provider)]
struct Book {
    #[provider(id, sequence)]
    id: u64,
    #[reference(Tenant)]
    tenant_id: u64,
    #[reference(Tenant, same(id = tenant.id))]
    publisher_id: u64,
}

fn main() {}
