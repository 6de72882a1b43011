// A mistake in one provider is reported once, at its attribute: the types that reference it
// and the code that creates it still compile against the (never run) fallback implementation,
// instead of each failing with "`Tenant` is not a provider".
use ddd_faker::Provider;
use ddd_faker::provider::Faker;
use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Provider)]
struct Tenant {
    #[provider(id, sequence)]
    id: u64,
    #[provider(fake = fake::faker::name::en::Name())]
    #[serde(skip_serializing)]
    #[distributor(mean = 4)]
    name: String,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize, Provider)]
#[provider(value)]
struct MemberId {
    #[reference(Tenant)]
    #[distributor(skew = 0.5)]
    tenant_id: u64,
    #[provider(sequence)]
    member_no: u64,
}

#[derive(Clone, Serialize, Provider)]
struct Member {
    #[provider(id, composite)]
    id: MemberId,
}

async fn seed() {
    let mut faker = Faker::new(1);
    let _ = faker.create::<Tenant>().await;
    let _ = faker.create::<Member>().await;
}

fn main() {
    let _ = seed;
}
