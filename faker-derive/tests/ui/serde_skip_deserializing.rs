use ddd_faker::Provider;
use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Provider)]
struct Author {
    #[provider(id, sequence)]
    id: u64,
    #[provider(sequence)]
    tenant_id: u64,
}

#[derive(Clone, Serialize, Deserialize, Provider)]
struct Book {
    #[provider(id, sequence)]
    id: u64,
    // The source of the `same(..)` below: read by name.
    #[serde(skip_deserializing)]
    #[provider(sequence)]
    tenant_id: u64,
    #[reference(Author, same(tenant_id = tenant_id))]
    author_id: u64,
}

fn main() {}
