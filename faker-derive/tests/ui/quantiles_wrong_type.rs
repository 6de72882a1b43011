use ddd_faker::Provider;
use ddd_faker::chrono::NaiveDate;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
struct Invoice {
    #[provider(id, sequence)]
    id: u64,
    // A date on a number field.
    #[provider(quantiles = ["2009-01-01", "2010-01-01"])]
    count: i64,
    // A fraction on an integer field.
    #[provider(quantiles = [0, 2.5])]
    items: u32,
    // A timestamp with an offset on a date field.
    #[provider(quantiles = ["2009-01-01", "2010-01-01T00:00:00Z"])]
    day: NaiveDate,
}

fn main() {}
