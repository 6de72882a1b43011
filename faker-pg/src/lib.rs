//! PostgreSQL support for ddd-faker.
