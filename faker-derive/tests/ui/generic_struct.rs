use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Book<T> {
    #[provider(id, sequence)]
    id: u64,
    title: T,
}

fn main() {}
