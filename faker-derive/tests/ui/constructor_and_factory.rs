use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
#[provider(constructor = Tenant::new, factory = Tenant::create)]
struct Tenant {
    #[provider(id, sequence)]
    id: u64,
}

fn main() {}
