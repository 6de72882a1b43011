use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Tenant {
    #[provider(id, sequence)]
    id: u64,
}

// `super.` on an aggregate: it is held by no struct.
#[derive(Clone, Serialize, Provider)]
struct Invoice {
    #[provider(id, sequence)]
    id: u64,
    #[reference(Tenant, same(id = super.tenant))]
    tenant: u64,
}

// `super` alone names no field.
#[derive(Clone, Serialize, Provider)]
#[provider(entity)]
struct Line {
    #[reference(Tenant, same(id = super))]
    tenant: u64,
}

fn main() {}
