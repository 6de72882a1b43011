use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
enum Status {
    Active,
    Closed,
}

fn main() {}
