use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Order {
    #[provider(id, sequence)]
    id: u64,
    // A value of another type is reported at the value.
    #[provider(one_of = [1, "two", 3])]
    quantity: u32,
}

fn main() {}
