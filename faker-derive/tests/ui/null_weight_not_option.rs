use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Tenant {
    #[provider(id, sequence)]
    id: u64,
    #[provider(fake = fake::faker::name::en::Name())]
    #[distributor(mean = 3, null_weight = 0.2)]
    nickname: String,
}

fn main() {}
