use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Airport {
    #[provider(id, sequence)]
    code: u64,
}

#[derive(Clone, Serialize, Provider)]
#[provider(value)]
struct Stop {
    #[reference(Airport)]
    airport: u64,
}

#[derive(Clone, Serialize, Provider)]
#[serde(rename_all = "camelCase")]
// One member, and none.
#[joint(origin, mean = 10)]
#[joint(mean = 10)]
// Listed twice; not a field; its serialized name; not a reference; a dotted path outside a
// component.
#[joint(origin, origin, destination, nextStop, note, origin.code, mean = 10)]
// Out of population order, and a field already in the joint above.
#[joint(via.airport, dest, origin, mean = 10)]
struct Flight {
    #[provider(id, sequence)]
    id: u64,
    #[provider(fake = fake::faker::lorem::en::Word())]
    note: String,
    #[reference(Airport)]
    origin: u64,
    #[reference(Airport)]
    dest: u64,
    #[provider(composite)]
    via: Stop,
    #[reference(Airport)]
    next_stop: u64,
}

fn main() {}
