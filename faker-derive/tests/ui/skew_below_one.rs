use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Tenant {
    #[provider(id, sequence)]
    id: u64,
    #[provider(fake = fake::faker::name::en::Name())]
    #[distributor(skew = 0.5, mean = 10)]
    name: String,
}

fn main() {}
