use ddd_faker::Provider;
use serde::Serialize;

#[derive(Clone, Serialize, Provider)]
enum Never {}

fn main() {}
