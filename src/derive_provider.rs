//! `#[derive(Provider)]`, worked through the seed's multi-tenant bookstore.
//!
//! The derive writes a type's [`Provider`](crate::provider::Provider) implementation (an
//! aggregate) or [`Component`](crate::provider::Component) implementation (a composite value
//! object or entity, such as a composite id) from attributes on the struct and its fields. The
//! generated code only calls the runtime: it asks the populate context for each field in
//! declaration order, then builds the struct through the domain's own constructor or factory.
//! Every attribute is listed on [the derive](macro@crate::Provider); mistakes in them are
//! compile errors at the offending token.
//!
//! ```
//! use std::fmt;
//!
//! use ddd_faker::Provider;
//! use ddd_faker::provider::Faker;
//! use fake::faker::lorem::en::Sentence;
//! use fake::faker::name::en::Name;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
//! pub struct TenantId(i64);
//!
//! #[derive(Debug, Clone, Serialize, Provider)]
//! pub struct Tenant {
//!     // The repository assigns the key on insert (auto-increment).
//!     #[provider(id, auto_key)]
//!     id: TenantId,
//!     // A function of the rng and of the field's position (0, 1, 2, ...).
//!     #[provider(with = |_, position| format!("Tenant {position}"))]
//!     name: String,
//! }
//!
//! // A composite id: a component, populated under the field that holds it (`id.tenant_id`).
//! #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Provider)]
//! #[provider(value)]
//! pub struct AuthorId {
//!     // 2 as skew: early tenants get most authors; 10 authors per tenant on average.
//!     #[reference(Tenant)]
//!     #[distributor(skew = 2.0, mean = 10)]
//!     pub tenant_id: TenantId,
//!     #[provider(auto_key)]
//!     pub author_id: i64,
//! }
//!
//! #[derive(Debug, Clone, Serialize, Provider)]
//! pub struct Author {
//!     #[provider(id, composite)]
//!     id: AuthorId,
//!     #[provider(fake = Name())]
//!     name: String,
//! }
//!
//! #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Provider)]
//! #[provider(value)]
//! pub struct BookId {
//!     // 70% of books go to the first quarter of tenants, ...; 50 books per tenant.
//!     #[reference(Tenant)]
//!     #[distributor(weights = [0.7, 0.2, 0.07, 0.03], mean = 50)]
//!     pub tenant_id: TenantId,
//!     #[provider(auto_key)]
//!     pub book_id: i64,
//! }
//!
//! #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
//! pub struct BookTitle(String);
//!
//! #[derive(Debug, Clone, Serialize, Provider)]
//! #[provider(factory = Book::new)]
//! pub struct Book {
//!     #[provider(id, composite)]
//!     id: BookId,
//!     // The author must belong to the book's tenant: `same(field of the referenced id =
//!     // field of this struct declared before)`.
//!     #[reference(Author, same(tenant_id = id.tenant_id))]
//!     #[distributor(weights = [0.7, 0.2, 0.07, 0.03], mean = 50)]
//!     author_id: AuthorId,
//!     // A faker's value through a newtype constructor.
//!     #[provider(fake = Sentence(3..5), map = BookTitle)]
//!     title: BookTitle,
//! }
//!
//! #[derive(Debug)]
//! pub struct Invalid(&'static str);
//!
//! impl fmt::Display for Invalid {
//!     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
//!         f.write_str(self.0)
//!     }
//! }
//!
//! impl Book {
//!     // The domain's own factory: the generated `populate` calls it, so invariants hold.
//!     pub fn new(id: BookId, author_id: AuthorId, title: BookTitle) -> Result<Book, Invalid> {
//!         if author_id.tenant_id != id.tenant_id {
//!             return Err(Invalid("a book's author must belong to the book's tenant"));
//!         }
//!         Ok(Book { id, author_id, title })
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), ddd_faker::provider::FakerError> {
//! let mut faker = Faker::new(42);
//! let books = faker.create_many::<Book>(500).await?;
//! assert_eq!(books.len(), 500);
//! assert!(books.iter().all(|b| b.author_id.tenant_id == b.id.tenant_id));
//! // Tenants and authors were created or reused on the way: about 500 / 50 tenants.
//! let tenants = faker.in_memory::<Tenant>().map_or(0, |t| t.len());
//! assert!((5..=20).contains(&tenants), "{tenants} tenants");
//! # Ok(())
//! # }
//! ```
//!
//! The factory's `Err` is a refusal of that one draw, not the end of the run: the Faker draws
//! the book again (every field, with the same requirements) and counts the refusal
//! ([`Faker::refusals`](crate::provider::Faker::refusals)); only a domain that refuses
//! [`Faker::attempts`](crate::provider::Faker::attempts) draws in a row (default 100) stops
//! the run, with [`ErrorKind::Refused`](crate::provider::ErrorKind::Refused) naming the
//! invariant. Nothing of a refused draw is stored or emitted.
//!
//! Paths are the names of the exported state. A struct that serde renames is found under its
//! serialized names everywhere the runtime looks (filters, specifications, `same(..)`, mirrors,
//! table columns): with `#[serde(rename_all = "camelCase")]` on `Book`, its reference is
//! declared at `authorId` and a specification writes `{"authorId": ..}`. In `same(..)`, the
//! first segment of the source is the Rust name of a field of this struct; the other segments
//! and the referenced side are written as their own types serialize them. serde attributes the
//! runtime cannot follow (`flatten`, `tag`, `transparent`, `into`, a `skip` on a field the
//! runtime reads, a serialized name that differs from the deserialized one) are compile errors;
//! [the derive](macro@crate::Provider) lists them.
//!
//! What the derive generates for `Book`, in outline:
//!
//! ```text
//! impl Provider for Book {
//!     type Id = BookId;
//!     const NAME: &'static str = "Book";
//!     const ID_FIELD: &'static str = "id";
//!     fn id(&self) -> BookId { self.id.clone() }
//!     fn schema() -> Schema {
//!         Schema::new()
//!             .nested("id", <BookId as Component>::schema())
//!             .reference::<Author>("author_id", DistributorConfig { weights: .., mean: .. })
//!             .same("tenant_id", "id.tenant_id")
//!     }
//!     async fn populate(cx: &mut Cx<'_>) -> Result<Self, FakerError> {
//!         let id: BookId = { cx.enter("id"); let v = BookId::populate(cx).await; cx.leave(); v? };
//!         let author_id: AuthorId = cx.reference::<Author>("author_id").await?;
//!         let title: BookTitle = cx.value("title", |rng, _| BookTitle(/* Sentence(3..5) */))?;
//!         Book::new(id, author_id, title).map_err(|e| cx.domain_error(e))
//!     }
//!     fn auto_key() -> Option<String> { /* "id.book_id", from BookId */ }
//!     fn assign_key(&mut self, key: JsonValue) -> Result<(), KeyError> { /* into self.id */ }
//! }
//! ```
//!
//! ## Fixed value lists and enums
//!
//! A column with a fixed set of values and production's shares (a status, a currency) is a
//! weighted value list, `#[provider(one_of = [..], weights = [..])]`, or a field whose type is
//! an enum deriving `Provider` (marked `#[provider(composite)]`, its variants weighted with
//! `#[weight(..)]`). `faker-pg profile` prints the first form, ready to paste, for a
//! low-cardinality column that is not a reference. Planned runs give every value exactly its
//! share; [the derive](macro@crate::Provider#weighted-value-lists-and-enums) has the rules.
//!
//! ```
//! use ddd_faker::Provider;
//! use ddd_faker::provider::Faker;
//! use serde::Serialize;
//!
//! #[derive(Debug, Clone, Copy, PartialEq, Serialize, Provider)]
//! enum Format {
//!     #[weight(0.8)]
//!     Paperback,
//!     #[weight(0.2)]
//!     Hardcover,
//! }
//!
//! #[derive(Debug, Clone, Serialize, Provider)]
//! struct Edition {
//!     #[provider(id, sequence)]
//!     id: u64,
//!     #[provider(one_of = ["en", "de", "ru"], weights = [0.6, 0.3, 0.1])]
//!     language: String,
//!     #[provider(composite)]
//!     format: Format,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), ddd_faker::provider::FakerError> {
//! let editions = Faker::new(1).create_many::<Edition>(500).await?;
//! assert_eq!(editions.iter().filter(|e| e.language == "de").count(), 150);
//! assert_eq!(editions.iter().filter(|e| e.format == Format::Hardcover).count(), 100);
//! # Ok(())
//! # }
//! ```
