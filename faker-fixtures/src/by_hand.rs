//! The seed's multi-tenant bookstore (Tenant, Author, Book), with providers written by hand:
//! the reference the derive must agree with.
//!
//! Parameters, as in the seed: Author.id.tenant_id — skew 2, mean 10; Book.id.tenant_id —
//! weights [0.7, 0.2, 0.07, 0.03], mean 50; Book.author_id — the same weights, mean 50, and
//! the author must belong to the book's tenant.

use std::fmt;

use ddd_faker::distributor::DistributorConfig;
use ddd_faker::provider::{Cx, FakerError, KeyError, Provider, Schema};
use fake::Fake;
use fake::faker::lorem::en::Words;
use fake::faker::name::en::{FirstName, LastName};
use serde::{Deserialize, Serialize};
use serde_json::Value;

// ---------------------------------------------------------------- domain

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct TenantId(pub i64);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantName(String);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tenant {
    id: TenantId,
    name: TenantName,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InternalAuthorId(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AuthorId {
    pub tenant_id: TenantId,
    pub author_id: InternalAuthorId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorName(String);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Author {
    id: AuthorId,
    name: AuthorName,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InternalBookId(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BookId {
    pub tenant_id: TenantId,
    pub book_id: InternalBookId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookTitle(String);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Book {
    id: BookId,
    author_id: AuthorId,
    title: BookTitle,
}

/// An invariant the domain refuses to break.
#[derive(Debug)]
pub struct Invalid(&'static str);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Tenant {
    pub fn new(id: TenantId, name: TenantName) -> Result<Tenant, Invalid> {
        if name.0.is_empty() {
            return Err(Invalid("a tenant needs a name"));
        }
        Ok(Tenant { id, name })
    }
    pub fn id(&self) -> TenantId {
        self.id
    }
}

impl Author {
    pub fn new(id: AuthorId, name: AuthorName) -> Result<Author, Invalid> {
        if name.0.trim().is_empty() {
            return Err(Invalid("an author needs a name"));
        }
        Ok(Author { id, name })
    }
    pub fn id(&self) -> AuthorId {
        self.id
    }
}

impl Book {
    pub fn new(id: BookId, author_id: AuthorId, title: BookTitle) -> Result<Book, Invalid> {
        if author_id.tenant_id != id.tenant_id {
            return Err(Invalid("a book's author must belong to the book's tenant"));
        }
        Ok(Book {
            id,
            author_id,
            title,
        })
    }
    pub fn id(&self) -> BookId {
        self.id
    }
    pub fn author_id(&self) -> AuthorId {
        self.author_id
    }
}

// ---------------------------------------------------------------- providers, by hand

fn key(key: &Value) -> Result<i64, KeyError> {
    KeyError::decode("id", key.clone())
}

pub fn weights_mean_50() -> DistributorConfig {
    DistributorConfig {
        weights: Some(vec![0.7, 0.2, 0.07, 0.03]),
        mean: Some(50.0),
        ..Default::default()
    }
}

impl Provider for Tenant {
    type Id = TenantId;
    const NAME: &'static str = "Tenant";
    fn auto_key() -> Option<String> {
        Some("id".into())
    }

    fn id(&self) -> TenantId {
        self.id
    }

    async fn populate(cx: &mut Cx<'_>) -> Result<Self, FakerError> {
        let id = cx.auto_key::<TenantId>("id")?;
        let name = cx.value("name", |_, position| {
            TenantName(format!("Tenant {position}"))
        })?;
        Tenant::new(id, name).map_err(|e| cx.domain_error(e))
    }

    fn assign_key(&mut self, k: Value) -> Result<(), KeyError> {
        self.id = TenantId(key(&k)?);
        Ok(())
    }
}

impl Provider for Author {
    type Id = AuthorId;
    const NAME: &'static str = "Author";
    fn auto_key() -> Option<String> {
        Some("id.author_id".into())
    }

    fn id(&self) -> AuthorId {
        self.id
    }

    fn schema() -> Schema {
        Schema::new().reference::<Tenant>(
            "id.tenant_id",
            DistributorConfig {
                skew: Some(2.0),
                mean: Some(10.0),
                ..Default::default()
            },
        )
    }

    async fn populate(cx: &mut Cx<'_>) -> Result<Self, FakerError> {
        let tenant_id = cx.reference::<Tenant>("id.tenant_id").await?;
        let author_id = cx.auto_key::<InternalAuthorId>("id.author_id")?;
        let name = cx.value("name", |rng, _| {
            let first: String = FirstName().fake_with_rng(rng);
            let last: String = LastName().fake_with_rng(rng);
            AuthorName(format!("{first} {last}"))
        })?;
        Author::new(
            AuthorId {
                tenant_id,
                author_id,
            },
            name,
        )
        .map_err(|e| cx.domain_error(e))
    }

    fn assign_key(&mut self, k: Value) -> Result<(), KeyError> {
        self.id.author_id = InternalAuthorId(key(&k)?);
        Ok(())
    }
}

impl Provider for Book {
    type Id = BookId;
    const NAME: &'static str = "Book";
    fn auto_key() -> Option<String> {
        Some("id.book_id".into())
    }

    fn id(&self) -> BookId {
        self.id
    }

    fn schema() -> Schema {
        Schema::new()
            .reference::<Tenant>("id.tenant_id", weights_mean_50())
            .reference::<Author>("author_id", weights_mean_50())
            .same("tenant_id", "id.tenant_id")
    }

    async fn populate(cx: &mut Cx<'_>) -> Result<Self, FakerError> {
        let tenant_id = cx.reference::<Tenant>("id.tenant_id").await?;
        let book_id = cx.auto_key::<InternalBookId>("id.book_id")?;
        let author_id = cx.reference::<Author>("author_id").await?;
        let title = cx.value("title", |rng, _| {
            let words: Vec<String> = Words(3..6).fake_with_rng(rng);
            BookTitle(words.join(" "))
        })?;
        Book::new(BookId { tenant_id, book_id }, author_id, title).map_err(|e| cx.domain_error(e))
    }

    fn assign_key(&mut self, k: Value) -> Result<(), KeyError> {
        self.id.book_id = InternalBookId(key(&k)?);
        Ok(())
    }
}
