use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Airport {
    #[provider(id, sequence)]
    code: u64,
}

#[derive(Clone, Serialize, Provider)]
struct Flight {
    #[provider(id, sequence)]
    id: u64,
    #[reference(Airport)]
    origin: u64,
    #[reference(Airport, differ())]
    a: u64,
    #[reference(Airport, differ = origin)]
    b: u64,
    #[reference(Airport, differ("origin"))]
    c: u64,
    #[reference(Airport, differ(origin = id))]
    d: u64,
    #[reference(Airport, differ)]
    e: u64,
}

fn main() {}
