//! Derived providers whose fields serde renames: the runtime finds every field under its
//! serialized name — in `same(..)` constraints, in specifications and filters, and in
//! PostgreSQL table columns and mirrors.
//!
//! Every struct renames differently (a field `rename`, and `rename_all` in four cases), so a
//! path built from a Rust name anywhere would miss its field.

use std::collections::HashSet;

use ddd_faker::Provider;
use ddd_faker::provider::Faker;
use fake::faker::lorem::en::Sentence;
use fake::faker::name::en::Name;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Key(pub i64);

/// State: `{"tenantKey": .., "displayName": ..}`.
#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    #[provider(id, auto_key)]
    #[serde(rename = "tenantKey")]
    id: Key,
    #[provider(with = |_, position| format!("Tenant {position}"))]
    display_name: String,
}

/// State: `{"TENANT_ID": .., "AUTHOR_ID": ..}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Provider)]
#[provider(value)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct AuthorId {
    #[reference(Tenant)]
    #[distributor(skew = 2.0, mean = 10)]
    tenant_id: Key,
    #[provider(auto_key)]
    author_id: Key,
}

/// State: `{"key": {..}, "full-name": .., "home-city": ..}`.
#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
#[serde(rename_all = "kebab-case")]
pub struct Author {
    #[provider(id, composite)]
    #[serde(rename = "key")]
    id: AuthorId,
    #[provider(fake = Name())]
    full_name: String,
    #[provider(with = |_, position| format!("City {position}"))]
    #[distributor(weights = [0.6, 0.3, 0.1], mean = 20)]
    home_city: String,
}

/// State: `{"TenantId": .., "BookId": ..}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Provider)]
#[provider(value)]
#[serde(rename_all = "PascalCase")]
pub struct BookId {
    #[reference(Tenant)]
    #[distributor(weights = [0.7, 0.2, 0.07, 0.03], mean = 50)]
    tenant_id: Key,
    #[provider(auto_key)]
    book_id: Key,
}

/// State: `{"ref": {..}, "authorId": {..}, "titleText": ..}`. The constraint names the
/// author's id by its serialized name (`TENANT_ID`: the derive of `Book` cannot see the serde
/// attributes of `AuthorId`), and its source by this struct's Rust field `id`, found under
/// `ref`, then `TenantId` inside it.
#[derive(Debug, Clone, Serialize, Deserialize, Provider)]
#[serde(rename_all = "camelCase")]
pub struct Book {
    #[provider(id, composite)]
    #[serde(rename = "ref")]
    id: BookId,
    #[reference(Author, same(TENANT_ID = id.TenantId))]
    #[distributor(weights = [0.7, 0.2, 0.07, 0.03], mean = 50)]
    author_id: AuthorId,
    #[provider(fake = Sentence(2..4))]
    title_text: String,
}

#[test]
fn the_derive_declares_serialized_paths() {
    assert_eq!(Tenant::ID_FIELD, "tenantKey");
    assert_eq!(Tenant::auto_key().as_deref(), Some("tenantKey"));
    assert_eq!(Author::ID_FIELD, "key");
    assert_eq!(Author::auto_key().as_deref(), Some("key.AUTHOR_ID"));
    assert_eq!(Book::ID_FIELD, "ref");
    assert_eq!(Book::auto_key().as_deref(), Some("ref.BookId"));
    let schema = Book::schema();
    let fields: Vec<&str> = schema
        .references()
        .iter()
        .map(|r| r.field.as_str())
        .collect();
    assert_eq!(fields, ["ref.TenantId", "authorId"]);
    let same = &schema.references()[1].same[0];
    assert_eq!(
        (same.in_reference.as_str(), same.source.as_str()),
        ("TENANT_ID", "ref.TenantId")
    );
    let values: Vec<String> = Author::schema()
        .values()
        .iter()
        .map(|v| v.field.clone())
        .collect();
    assert_eq!(values, ["home-city"]);
}

/// The keys of an exported state, for comparison with the serialized names.
fn keys(state: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = state
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    keys
}

#[tokio::test]
async fn a_same_constraint_follows_serialized_names() {
    let mut faker = Faker::new(11);
    let books = faker.create_many::<Book>(600).await.expect("books");
    let state = serde_json::to_value(&books[0]).expect("state");
    assert_eq!(keys(&state), ["authorId", "ref", "titleText"]);
    assert_eq!(keys(&state["ref"]), ["BookId", "TenantId"]);
    assert_eq!(keys(&state["authorId"]), ["AUTHOR_ID", "TENANT_ID"]);
    // Every book's author is of the book's tenant, over several tenants and authors: the
    // constraint found both ends of `same(..)` under their serialized names.
    for book in &books {
        assert_eq!(book.author_id.tenant_id, book.id.tenant_id, "{book:?}");
    }
    let tenants: HashSet<Key> = books.iter().map(|b| b.id.tenant_id).collect();
    let authors: HashSet<AuthorId> = books.iter().map(|b| b.author_id).collect();
    assert!(tenants.len() >= 3, "{} tenants", tenants.len());
    assert!(authors.len() >= 3, "{} authors", authors.len());
}

#[tokio::test]
async fn specifications_and_filters_use_serialized_names() {
    let mut faker = Faker::new(12);
    faker.create_many::<Book>(500).await.expect("books");
    let tenant = *faker
        .pool::<Tenant>()
        .expect("tenants")
        .iter()
        .nth(2)
        .expect("a tenant");
    // A specification on a renamed path inside a renamed component.
    let book: Book = faker
        .create_matching(json!({"ref": {"TenantId": tenant.0}}))
        .await
        .expect("a book of that tenant");
    assert_eq!(book.id.tenant_id, tenant);
    // ... and the constraint holds for it as well.
    assert_eq!(book.author_id.tenant_id, tenant);
    // A filter on the referenced author's state, by its kebab-case name.
    let author = faker
        .in_memory::<Author>()
        .expect("authors")
        .iter()
        .nth(3)
        .expect("an author")
        .clone();
    let book: Book = faker
        .create_matching(json!({"authorId": {"$rel": {"full-name": author.full_name}}}))
        .await
        .expect("a book by that author's name");
    let chosen = faker
        .get::<Author>(&book.author_id)
        .await
        .expect("lookup")
        .expect("the author");
    assert_eq!(chosen.full_name, author.full_name);
    // A pooled value pinned by its serialized name.
    let author: Author = faker
        .create_matching(json!({"home-city": "Lyon"}))
        .await
        .expect("an author in Lyon");
    assert_eq!(author.home_city, "Lyon");
}

mod postgres {
    //! A renamed aggregate stored through faker-pg: columns and mirrors take exported-state
    //! paths, which are the serialized names. The test server is required (these tests fail,
    //! never skip, when it is unreachable).

    use faker_pg::write::{Mirror, PgRepository, Table};
    use sqlx::{AssertSqlSafe, PgPool};

    use super::*;

    fn url() -> String {
        std::env::var("DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
    }

    async fn pool() -> PgPool {
        PgPool::connect(&url()).await.unwrap_or_else(|e| {
            panic!(
                "PostgreSQL is required at {} (scripts/test checks it): {e}",
                url()
            )
        })
    }

    async fn execute(pool: &PgPool, sql: String) {
        sqlx::query(AssertSqlSafe(sql.as_str()))
            .execute(pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}\nfailed: {e}"));
    }

    /// The tables of the renamed bookstore in a schema of this test's own.
    async fn create(pool: &PgPool, s: &str) {
        execute(pool, format!("CREATE SCHEMA {s}")).await;
        execute(
            pool,
            format!(
                "CREATE TABLE {s}.tenants (id bigserial PRIMARY KEY, display_name text NOT NULL)"
            ),
        )
        .await;
        execute(
            pool,
            format!(
                "CREATE TABLE {s}.authors (
                     tenant_id bigint NOT NULL REFERENCES {s}.tenants (id),
                     author_id bigserial PRIMARY KEY,
                     full_name text NOT NULL,
                     home_city text NOT NULL)"
            ),
        )
        .await;
        execute(
            pool,
            format!(
                "CREATE TABLE {s}.books (
                     tenant_id bigint NOT NULL REFERENCES {s}.tenants (id),
                     book_id bigserial PRIMARY KEY,
                     author_id bigint NOT NULL REFERENCES {s}.authors (author_id),
                     title text NOT NULL)"
            ),
        )
        .await;
        let mut conn = pool.acquire().await.expect("a connection");
        for table in ["tenants", "authors", "books"] {
            mirror(s, table).create(&mut conn).await.expect("mirror");
        }
    }

    fn mirror(s: &str, table: &str) -> Mirror {
        Mirror::new(Some(s), table).expect("mirror name")
    }

    async fn faker(pool: &PgPool, s: &str) -> Faker {
        let tenants = Table::new(Some(s), "tenants")
            .and_then(|t| t.auto_key("id", "tenantKey"))
            .and_then(|t| t.column("display_name", "displayName"))
            .expect("tenants");
        let authors = Table::new(Some(s), "authors")
            .and_then(|t| t.column("tenant_id", "key.TENANT_ID"))
            .and_then(|t| t.auto_key("author_id", "key.AUTHOR_ID"))
            .and_then(|t| t.column("full_name", "full-name"))
            .and_then(|t| t.column("home_city", "home-city"))
            .expect("authors");
        let books = Table::new(Some(s), "books")
            .and_then(|t| t.column("tenant_id", "ref.TenantId"))
            .and_then(|t| t.auto_key("book_id", "ref.BookId"))
            .and_then(|t| t.column("author_id", "authorId.AUTHOR_ID"))
            .and_then(|t| t.column("title", "titleText"))
            .expect("books");
        let mut faker = Faker::new(13);
        faker
            .set_repository::<Tenant>(PgRepository::new(
                pool.clone(),
                Some(tenants),
                mirror(s, "tenants"),
            ))
            .expect("tenant repository");
        faker
            .set_repository::<Author>(PgRepository::new(
                pool.clone(),
                Some(authors),
                mirror(s, "authors"),
            ))
            .expect("author repository");
        faker
            .set_repository::<Book>(PgRepository::new(
                pool.clone(),
                Some(books),
                mirror(s, "books"),
            ))
            .expect("book repository");
        faker
    }

    #[tokio::test]
    async fn renamed_fields_fill_their_columns() {
        let pool = pool().await;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let s = format!("serde_names_{}_{nanos}", std::process::id());
        create(&pool, &s).await;
        let outcome = tokio::spawn(run(pool.clone(), s.clone())).await;
        execute(&pool, format!("DROP SCHEMA {s} CASCADE")).await;
        if let Err(e) = outcome {
            std::panic::resume_unwind(e.into_panic());
        }
    }

    async fn run(pool: PgPool, s: String) {
        let mut faker = faker(&pool, &s).await;
        let books = faker.create_many::<Book>(300).await.expect("books");
        // Each column holds the value found under the serialized name.
        let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT tenant_id, book_id, author_id, title FROM {s}.books ORDER BY book_id"
        )))
        .fetch_all(&pool)
        .await
        .expect("book rows");
        let mut expected: Vec<(i64, i64, i64, String)> = books
            .iter()
            .map(|b| {
                (
                    b.id.tenant_id.0,
                    b.id.book_id.0,
                    b.author_id.author_id.0,
                    b.title_text.clone(),
                )
            })
            .collect();
        expected.sort_by_key(|row| row.1);
        assert_eq!(rows, expected);
        // The authors' tenants equal the books' (the constraint, through the repository), and
        // the pooled city and the name are in their columns.
        let mismatched: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT count(*) FROM {s}.books b JOIN {s}.authors a USING (author_id)
              WHERE a.tenant_id <> b.tenant_id OR a.full_name = '' OR a.home_city NOT LIKE 'City %'"
        )))
        .fetch_one(&pool)
        .await
        .expect("join");
        assert_eq!(mismatched, 0);
        let names: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT display_name FROM {s}.tenants ORDER BY id"
        )))
        .fetch_all(&pool)
        .await
        .expect("tenant rows");
        assert!(names.len() >= 2, "{names:?}");
        assert!(names.iter().all(|n| n.starts_with("Tenant ")), "{names:?}");
        // A specification answered from the mirror by serialized names, in SQL.
        let tenant: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT id FROM {s}.tenants ORDER BY id DESC LIMIT 1"
        )))
        .fetch_one(&pool)
        .await
        .expect("a tenant");
        let author: Author = faker
            .create_matching(json!({"key": {"TENANT_ID": tenant}}))
            .await
            .expect("an author of that tenant");
        assert_eq!(author.id.tenant_id, Key(tenant));
        let stored: Option<String> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT full_name FROM {s}.authors WHERE author_id = {}",
            author.id.author_id.0
        )))
        .fetch_optional(&pool)
        .await
        .expect("the author's row");
        assert_eq!(stored.as_deref(), Some(author.full_name.as_str()));
    }
}
