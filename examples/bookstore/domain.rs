//! The seed's multi-tenant bookstore, as a domain model with `#[derive(Provider)]`.
//!
//! Parameters, exactly as in the seed: an author's tenant — skew 2, mean 10 (ten authors per
//! tenant); a book's tenant — weights [0.7, 0.2, 0.07, 0.03], mean 50; a book's author — the same
//! weights, mean 50, and the author must belong to the book's tenant. Keys are assigned by the
//! repository (auto-increment). The domain's own constructors keep the invariants: a book whose
//! author belongs to another tenant cannot be built.
//!
//! The same types with hand-written providers live in `faker-fixtures/src/by_hand.rs`; a test
//! checks that both give the same dataset for the same seed.

use std::fmt;

use ddd_faker::Provider;
use ddd_faker::rng::FakerRng;
use fake::Fake;
use fake::faker::lorem::en::Word;
use fake::faker::name::en::{FirstName, LastName};
use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct TenantId(pub i64);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantName(String);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
#[provider(factory = Tenant::new, table = "tenants")]
pub struct Tenant {
    #[provider(id, auto_key)]
    id: TenantId,
    #[provider(with = |_, position| TenantName(format!("Tenant {position}")))]
    name: TenantName,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InternalAuthorId(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Provider)]
#[provider(value)]
pub struct AuthorId {
    #[reference(Tenant)]
    #[distributor(skew = 2.0, mean = 10)]
    pub tenant_id: TenantId,
    #[provider(auto_key)]
    pub author_id: InternalAuthorId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorName(String);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
#[provider(factory = Author::new, table = "authors")]
pub struct Author {
    #[provider(id, composite)]
    id: AuthorId,
    #[provider(with = author_name)]
    name: AuthorName,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InternalBookId(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Provider)]
#[provider(value)]
pub struct BookId {
    #[reference(Tenant)]
    #[distributor(weights = [0.7, 0.2, 0.07, 0.03], mean = 50)]
    pub tenant_id: TenantId,
    #[provider(auto_key)]
    pub book_id: InternalBookId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookTitle(String);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Provider)]
#[provider(factory = Book::new, table = "books")]
pub struct Book {
    #[provider(id, composite)]
    id: BookId,
    #[reference(Author, same(tenant_id = id.tenant_id))]
    #[distributor(weights = [0.7, 0.2, 0.07, 0.03], mean = 50)]
    author_id: AuthorId,
    #[provider(with = book_title)]
    title: BookTitle,
}

fn author_name(rng: &mut FakerRng, _position: u64) -> AuthorName {
    let first: String = FirstName().fake_with_rng(rng);
    let last: String = LastName().fake_with_rng(rng);
    AuthorName(format!("{first} {last}"))
}

/// Three to five lorem words: the same draws as `fake`'s `Words(3..6)` (a count, then each
/// word), joined as they are drawn instead of collected as strings first (one allocation a
/// title instead of five or six, at 10^7 titles).
fn book_title(rng: &mut FakerRng, _position: u64) -> BookTitle {
    let words: usize = (3..6).fake_with_rng(rng);
    let mut title = String::with_capacity(words * 8);
    for i in 0..words {
        if i > 0 {
            title.push(' ');
        }
        let word: &str = Word().fake_with_rng(rng);
        title.push_str(word);
    }
    BookTitle(title)
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
}

impl Author {
    pub fn new(id: AuthorId, name: AuthorName) -> Result<Author, Invalid> {
        if name.0.trim().is_empty() {
            return Err(Invalid("an author needs a name"));
        }
        Ok(Author { id, name })
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
