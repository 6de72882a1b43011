use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Book {
    #[provider(id, auto_key)]
    id: u64,
    #[provider(auto_key)]
    number: u64,
}

fn main() {}
