use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Book {
    // `sequence` gives numbers (through `TryFrom<u64>`): a `String` needs `map = ..`.
    #[provider(id, sequence)]
    id: String,
}

fn main() {}
