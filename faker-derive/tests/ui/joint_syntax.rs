use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Airport {
    #[provider(id, sequence)]
    code: u64,
}

#[derive(Clone, Serialize, Provider)]
#[joint]
#[joint(origin, "dest", mean = 10)]
#[joint(origin dest, mean = 10)]
struct Flight {
    #[provider(id, sequence)]
    id: u64,
    #[reference(Airport)]
    origin: u64,
    #[joint(origin, dest, mean = 10)]
    #[reference(Airport)]
    dest: u64,
}

fn main() {}
