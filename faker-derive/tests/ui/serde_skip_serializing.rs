use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Customer {
    #[serde(skip_serializing)]
    #[provider(id, sequence)]
    id: u64,
    #[serde(skip_serializing)]
    #[provider(fake = fake::faker::address::en::CityName())]
    #[distributor(skew = 2.0, mean = 10)]
    city: String,
}

fn main() {}
