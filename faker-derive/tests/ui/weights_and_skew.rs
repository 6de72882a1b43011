use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Tenant {
    #[provider(id, sequence)]
    id: u64,
    #[provider(fake = fake::faker::name::en::Name())]
    #[distributor(weights = [0.7, 0.3], skew = 2.0, mean = 10)]
    name: String,
}

fn main() {}
