//! The run: every aggregate type of the store at the sample's size, in the order that gives
//! the references their measured counts.

use ddd_faker::provider::{Faker, FakerError};
use serde_json::json;

use super::domain::{Album, Artist, Customer, Employee, Genre, Invoice, MediaType, Track};

/// Rows per table in the sample (`scripts/chinook.py` prints them); the run generates as many.
pub const ARTISTS: u64 = 275;
pub const ALBUMS: u64 = 347;
pub const GENRES: u64 = 25;
pub const MEDIA_TYPES: u64 = 5;
pub const EMPLOYEES: u64 = 8;
pub const CUSTOMERS: u64 = 59;
pub const INVOICES: u64 = 412;
pub const TRACKS: u64 = 3_503;
/// Lines of all invoices: not created on their own, they are the invoices' collections (the
/// count law plans exactly this many for 412 invoices; `tests/chinook` checks it).
#[allow(dead_code)]
pub const INVOICE_LINES: u64 = 2_240;

/// Creates the store, referenced aggregates first, each type at the sample's size.
///
/// The order decides the reference counts: a planned reference first binds its slots to values
/// already in the pool, and creates only when it has used them all. So every type is created
/// with `create_many` *before* the types that reference it, and the references then spread over
/// exactly those rows: 347 albums draw their artist among the 275 artists (the plan uses about
/// 204 of them, as the sample does), 3 503 tracks their album among the 347 albums, the 2 240
/// invoice lines their track among the 3 503 tracks, and so on.
/// Created the other way round (tracks first), each reference would create its targets on the
/// fly and leave no artist without an album.
pub async fn store(faker: &mut Faker) -> Result<(), FakerError> {
    faker.create_many::<Artist>(ARTISTS).await?;
    faker.create_many::<Album>(ALBUMS).await?;
    faker.create_many::<Genre>(GENRES).await?;
    faker.create_many::<MediaType>(MEDIA_TYPES).await?;
    // The general manager reports to nobody: created first, with the reference pinned to null,
    // so that the 7 others find a manager in the pool (a draw on an empty pool would create
    // another employee, which would draw its own manager, and so on).
    faker
        .create_matching::<Employee>(json!({ "reports_to": null }))
        .await?;
    faker.create_many::<Employee>(EMPLOYEES - 1).await?;
    faker.create_many::<Customer>(CUSTOMERS).await?;
    faker.create_many::<Track>(TRACKS).await?;
    // Each invoice with its lines, whose tracks spread over the 3 503 tracks above.
    faker.create_many::<Invoice>(INVOICES).await?;
    Ok(())
}
