use ddd_faker::Provider;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
struct BookId {
    tenant_id: u64,
    book_id: u64,
}

#[derive(Clone, Serialize, Provider)]
struct Book {
    #[provider(id, composite)]
    id: BookId,
}

fn main() {}
