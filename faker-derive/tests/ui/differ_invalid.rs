use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Airport {
    #[provider(id, sequence)]
    code: u64,
}

#[derive(Clone, Serialize, Provider)]
struct Airline {
    #[provider(id, sequence)]
    code: u64,
}

#[derive(Clone, Serialize, Provider)]
#[serde(rename_all = "camelCase")]
struct Flight {
    #[provider(id, sequence)]
    id: u64,
    #[provider(fake = fake::faker::lorem::en::Word())]
    note: String,
    #[reference(Airline)]
    carrier: u64,
    #[reference(Airport)]
    origin_airport: u64,
    // Not a field.
    #[reference(Airport, differ(origin))]
    a: u64,
    // Declared after.
    #[reference(Airport, differ(z))]
    b: u64,
    // Itself.
    #[reference(Airport, differ(c))]
    c: u64,
    // Not a reference.
    #[reference(Airport, differ(note))]
    d: u64,
    // A reference to another type.
    #[reference(Airport, differ(carrier))]
    e: u64,
    // A dotted path that enters no component.
    #[reference(Airport, differ(origin_airport.code))]
    f: u64,
    // The serialized name instead of the Rust one.
    #[reference(Airport, differ(originAirport))]
    g: u64,
    // Twice, in one list and across two.
    #[reference(Airport, differ(origin_airport, origin_airport), differ(origin_airport))]
    h: u64,
    #[reference(Airport)]
    z: u64,
}

fn main() {}
