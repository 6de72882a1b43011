use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
#[provider(name = Tenant, constructor = "Tenant::new")]
struct Tenant {
    #[provider(id, sequence)]
    id: u64,
    #[provider(fake = "fake::faker::name::en::Name()")]
    #[distributor(mean = "50", weights = [0.5, "0.5"])]
    name: String,
}

fn main() {}
