use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Tenant {
    #[provider(id, sequence)]
    id: u64,
    #[provider(fake = fake::faker::name::en::Name())]
    #[distributor(mean = 3, null_weight = 1.5)]
    nickname: Option<String>,
    #[provider(fake = fake::faker::name::en::Name())]
    #[distributor(mean = 3, null_weight = -0.1)]
    alias: Option<String>,
}

fn main() {}
