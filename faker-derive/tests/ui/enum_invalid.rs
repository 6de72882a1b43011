use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
enum Status {
    #[weight(0.7)]
    Active,
    #[weight(-0.3)]
    Suspended,
}

#[derive(Clone, Serialize, Provider)]
enum Missing {
    #[weight(0.7)]
    Active,
    // Weighted enums weigh every variant.
    Closed,
}

#[derive(Clone, Serialize, Provider)]
enum AllZero {
    #[weight(0)]
    Active,
    #[weight(0.0)]
    Closed,
}

#[derive(Clone, Serialize, Provider)]
#[provider(aggregate, name = "Payment")]
enum Payment {
    #[weight(1)]
    #[weight(2)]
    Card {
        #[provider(auto_key)]
        key: u64,
        #[weight(1)]
        last4: String,
    },
    #[weight(one)]
    Cash,
    #[weight(1)]
    #[provider(skip)]
    Voucher,
}

#[derive(Clone, Serialize, Provider)]
#[serde(tag = "kind")]
enum Delivery {
    Courier {
        #[reference(Partner)]
        partner: u64,
    },
    Locker {
        #[reference(Partner)]
        partner: u64,
    },
}

#[derive(Clone, Serialize, Provider)]
struct Partner {
    #[provider(id, sequence)]
    id: u64,
}

#[derive(Clone, Serialize, Provider)]
enum Generic<T> {
    Some(T),
}

fn main() {}
