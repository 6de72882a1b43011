use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
#[provider]
struct Tenant {
    #[provider(id = true, sequence)]
    id: u64,
    #[provider(fake)]
    name: String,
    #[provider(with)]
    #[distributor(mean)]
    code: String,
}

fn main() {}
