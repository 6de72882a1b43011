use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Tenant {
    #[provider(id, sequence)]
    id: u64,
}

#[derive(Clone, Serialize, Provider)]
struct Book {
    #[provider(id, sequence, auto_key)]
    id: u64,
    #[provider(fake = fake::faker::lorem::en::Word(), with = |_, _| String::new())]
    title: String,
    #[reference(Tenant)]
    #[provider(value = 1)]
    tenant_id: u64,
}

fn main() {}
