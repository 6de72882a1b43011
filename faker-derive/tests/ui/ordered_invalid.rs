use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Customer {
    #[provider(id, sequence)]
    id: u64,
}

#[derive(Clone, Serialize, Provider)]
struct Store {
    #[provider(id, sequence)]
    id: u64,
}

#[derive(Clone, Serialize, Provider)]
#[joint(customer_id, store_id, mean = 3)]
struct Invoice {
    #[provider(id, sequence)]
    id: u64,
    // `ordered` of #[provider(..)] orders histogram buckets: not on a reference,
    #[reference(Customer)]
    #[provider(ordered)]
    owner_id: u64,
    // not on a value list,
    #[provider(one_of = ["new", "paid"], ordered)]
    status: String,
    // not without a source.
    #[provider(ordered)]
    note: String,
    // `ordered` of #[distributor(..)] needs a pool,
    #[distributor(ordered)]
    #[provider(fake = fake::faker::lorem::en::Word())]
    word: String,
    // and is no joint member's.
    #[reference(Customer)]
    #[distributor(ordered)]
    customer_id: u64,
    #[reference(Store)]
    store_id: u64,
}

fn main() {}
