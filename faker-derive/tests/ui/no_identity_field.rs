use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Book {
    #[provider(fake = fake::faker::lorem::en::Word())]
    title: String,
}

fn main() {}
