use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Airport {
    #[provider(id, sequence)]
    code: u64,
}

#[derive(Clone, Serialize, Provider)]
// A key without its value; no mean; a null weight.
#[joint(a, b, skew, null_weight = 0.1)]
// Both laws; a skew, a mean and a weight out of range.
#[joint(c, d, weights = [0.7, -0.3], skew = 0.5, mean = 0.5)]
// A distributor key that is not a joint's; a misspelt key; a key given twice.
#[joint(e, f, sequence, skwe = 2.0, mean = 10, mean = 20)]
struct Route {
    #[provider(id, sequence)]
    id: u64,
    #[reference(Airport)]
    a: u64,
    #[reference(Airport)]
    b: u64,
    #[reference(Airport)]
    c: u64,
    #[reference(Airport)]
    d: u64,
    #[reference(Airport)]
    e: u64,
    #[reference(Airport)]
    f: u64,
}

fn main() {}
