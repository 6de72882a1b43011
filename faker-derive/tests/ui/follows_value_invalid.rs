use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Customer {
    #[provider(id, sequence)]
    id: u64,
}

#[derive(Clone, Serialize, Provider)]
struct Invoice {
    #[provider(id, sequence, follows(customer))]
    id: u64,
    #[reference(Customer)]
    #[provider(follows(id))]
    customer: u64,
    #[provider(one_of = ["a", "b"], follows(later))]
    a: String,
    #[provider(sequence, follows(customer))]
    b: u64,
    #[provider(value = 3, follows(customer))]
    c: u64,
    #[distributor(mean = 3)]
    #[provider(follows(customer))]
    d: u64,
    #[provider(one_of = ["a", "b"], follows())]
    e: String,
    #[provider(one_of = ["a", "b"], follows = customer)]
    f: String,
    #[provider(one_of = ["a", "b"], follows(customer), follows(a))]
    g: String,
    later: u64,
}

fn main() {}
