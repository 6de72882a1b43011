//! One-to-many count distributors: how many children a parent gets.
