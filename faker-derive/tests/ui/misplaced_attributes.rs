use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
#[provider(sequence)]
#[distributor(mean = 3)]
struct Order {
    #[provider(id, sequence, aggregate)]
    id: u64,
    #[children(Order, parent = "id", mean = 2.0)]
    #[provider(fake = fake::faker::lorem::en::Word(), mean = 3)]
    note: String,
}

fn main() {}
