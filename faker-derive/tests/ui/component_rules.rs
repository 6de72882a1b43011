use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
#[provider(value, name = "BookId", table = "book_ids")]
#[provider(entity)]
struct BookId {
    #[provider(id, sequence)]
    book_id: u64,
}

fn main() {}
