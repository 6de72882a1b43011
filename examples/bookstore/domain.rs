//! The seed's domain model. (Temporarily the hand-written providers; the derive replaces them.)
#[path = "../../tests/common/bookstore.rs"]
#[allow(dead_code)]
mod by_hand;
pub use by_hand::*;
