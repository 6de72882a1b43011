use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Tenant {
    #[provider(id, auto_key)]
    #[distributor(mean = 3)]
    id: u64,
    #[provider(value = 7)]
    #[distributor(skew = 2.0)]
    level: u8,
    #[provider(with = |_, _| 1, map = u64::from)]
    floor: u64,
}

fn main() {}
