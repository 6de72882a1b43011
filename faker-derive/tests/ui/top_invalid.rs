use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Artist {
    #[provider(id, sequence)]
    id: u64,
}

#[derive(Clone, Serialize, Provider)]
struct Album {
    #[provider(id, sequence)]
    id: u64,
    // Empty, a share of 1 or more, shares adding up to 1, not a list, not a number.
    #[reference(Artist)]
    #[distributor(top = [], mean = 2)]
    a: u64,
    #[reference(Artist)]
    #[distributor(top = [1.5], mean = 2)]
    b: u64,
    #[reference(Artist)]
    #[distributor(top = [0.6, 0.4], skew = 2.0, mean = 2)]
    c: u64,
    #[reference(Artist)]
    #[distributor(top = 0.2, mean = 2)]
    d: u64,
    #[reference(Artist)]
    #[distributor(top = [0.2, SHARE], mean = 2)]
    e: u64,
}

fn main() {}
