use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Book {
    #[provider(id, sequence)]
    tenant_id: u64,
    #[provider(id, sequence)]
    book_id: u64,
}

fn main() {}
