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
    #[reference(target = Tenant)]
    tenant_id: u64,
    #[reference()]
    other_id: u64,
    #[reference(Tenant, same(id))]
    third_id: u64,
    #[reference(Tenant, mean = 3)]
    fourth_id: u64,
}

fn main() {}
