use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
#[provider(agregate)]
struct Tenant {
    #[provider(id, sequnce)]
    id: u64,
    #[provider(fake = fake::faker::name::en::Name())]
    #[distributor(skwe = 2.0, mean = 5)]
    name: String,
}

fn main() {}
