use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Album {
    #[provider(id, sequence)]
    id: u64,
}

#[derive(Clone, Serialize, Provider)]
struct Track {
    #[provider(id, sequence)]
    id: u64,
    #[reference(Album, follows(later))]
    a: u64,
    #[reference(Album, follows(b))]
    b: u64,
    #[reference(Album, follows(nowhere))]
    c: u64,
    #[reference(Album, follows())]
    d: u64,
    #[reference(Album, follows(a, b))]
    e: u64,
    #[reference(Album, follows(a), follows(id))]
    f: u64,
    later: u64,
}

fn main() {}
