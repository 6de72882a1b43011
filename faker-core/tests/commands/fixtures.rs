//! The aggregates the command sinks create: `Tenant` and `Member` with application-assigned
//! ids, `Tag` with generated ids.

use faker_core::command::CommandFailed;
use faker_core::distributor::DistributorConfig;
use faker_core::provider::{Cx, ErrorKind, FakerError, Provider, Schema};
use faker_core::repository::RepositoryError;
use serde::Serialize;

// ------------------------------------------------------------------------------ aggregates

/// An aggregate whose id the application assigns.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Tenant {
    pub(crate) id: i64,
    pub(crate) name: String,
}

/// An aggregate with an application-assigned id and a reference to a tenant.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Member {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) email: String,
}

/// An author of a tenant, numbered by the application.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Author {
    pub(crate) id: i64,
    pub(crate) tenant_id: i64,
    pub(crate) name: String,
}

/// A book of an author, numbered by the application: with `Author` and `Tenant`, the
/// bookstore's chain of commands (a book waits for its author, the author for its tenant).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Book {
    pub(crate) id: i64,
    pub(crate) author_id: i64,
    pub(crate) title: String,
}

/// An aggregate whose id the Faker generates (no auto key).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Tag {
    pub(crate) id: u64,
    pub(crate) label: String,
}

impl Provider for Tenant {
    type Id = i64;
    const NAME: &'static str = "Tenant";
    faker_fixtures::integer_auto_key!();
    async fn populate(cx: &mut Cx<'_>) -> Result<Self, FakerError> {
        let id = cx.auto_key::<i64>("id")?;
        let name = cx.value("name", |_, n| format!("Tenant {n}"))?;
        Ok(Tenant { id, name })
    }
}

impl Provider for Member {
    type Id = i64;
    const NAME: &'static str = "Member";
    faker_fixtures::integer_auto_key!();
    fn schema() -> Schema {
        Schema::new().reference::<Tenant>(
            "tenant_id",
            DistributorConfig {
                mean: Some(4.0),
                ..Default::default()
            },
        )
    }
    async fn populate(cx: &mut Cx<'_>) -> Result<Self, FakerError> {
        let tenant_id = cx.reference::<Tenant>("tenant_id").await?;
        let id = cx.auto_key::<i64>("id")?;
        let email = cx.value("email", |_, n| format!("member{n}@example.test"))?;
        Ok(Member {
            id,
            tenant_id,
            email,
        })
    }
}

impl Provider for Author {
    type Id = i64;
    const NAME: &'static str = "Author";
    faker_fixtures::integer_auto_key!();
    fn schema() -> Schema {
        Schema::new().reference::<Tenant>(
            "tenant_id",
            DistributorConfig {
                mean: Some(4.0),
                ..Default::default()
            },
        )
    }
    async fn populate(cx: &mut Cx<'_>) -> Result<Self, FakerError> {
        let tenant_id = cx.reference::<Tenant>("tenant_id").await?;
        let id = cx.auto_key::<i64>("id")?;
        let name = cx.value("name", |_, n| format!("Author {n}"))?;
        Ok(Author {
            id,
            tenant_id,
            name,
        })
    }
}

impl Provider for Book {
    type Id = i64;
    const NAME: &'static str = "Book";
    faker_fixtures::integer_auto_key!();
    fn schema() -> Schema {
        Schema::new().reference::<Author>(
            "author_id",
            DistributorConfig {
                mean: Some(10.0),
                ..Default::default()
            },
        )
    }
    async fn populate(cx: &mut Cx<'_>) -> Result<Self, FakerError> {
        let author_id = cx.reference::<Author>("author_id").await?;
        let id = cx.auto_key::<i64>("id")?;
        let title = cx.value("title", |_, n| format!("Book {n}"))?;
        Ok(Book {
            id,
            author_id,
            title,
        })
    }
}

impl Provider for Tag {
    type Id = u64;
    const NAME: &'static str = "Tag";
    fn id(&self) -> u64 {
        self.id
    }
    async fn populate(cx: &mut Cx<'_>) -> Result<Self, FakerError> {
        let id = cx.sequence("id").await?;
        let label = cx.value("label", |_, n| format!("tag-{n}"))?;
        Ok(Tag { id, label })
    }
}

/// The `CommandFailed` inside a Faker error, or a panic saying what the error was instead.
pub(crate) fn command_failure(error: &FakerError) -> &CommandFailed {
    match &error.kind {
        ErrorKind::Repository(RepositoryError::Storage(boxed)) => {
            match boxed.downcast_ref::<CommandFailed>() {
                Some(failed) => failed,
                None => panic!("not a CommandFailed: {error}"),
            }
        }
        _ => panic!("not a storage error: {error}"),
    }
}
