//! Command sinks: the application creates the aggregates.
//!
//! Instead of storing aggregates itself, a [`Faker`](crate::provider::Faker) can send every
//! creation to the application as a CQRS command — `Create` + the aggregate's name, carrying
//! its exported state — and let the application's own command handler build, validate and
//! store it. The id the application assigns comes back into the aggregate (for types with an
//! auto-assigned key, [`Provider::auto_key`]), into the Faker's pools, and so into every later
//! reference. This is what in-process component tests and out-of-process acceptance tests
//! need: the data goes through the same code path as production traffic.
//!
//! Both sinks are [`Repository`](crate::repository::Repository) implementations, registered
//! per aggregate type with [`Faker::set_repository`](crate::provider::Faker::set_repository):
//!
//! * **in process** — [`CommandRepository`] calls a [`CommandHandler`]: the application's
//!   handler (or bus) called directly, bypassing its network adapters. [`handler_fn`] turns an
//!   async closure into a handler;
//! * **out of process** (feature `http`) — `HttpRepository` posts each command to the running
//!   application through an `HttpCommands` client: bounded concurrency shared by every clone,
//!   pipelined commands (see [Pipelining](#pipelining)),
//!   retries with exponential backoff on 5xx and connection errors, an `Idempotency-Key` on
//!   every request (see `HttpCommands` for the delivery guarantee: at least once, with a key).
//!
//! # What a command is
//!
//! A [`Command`] has a name (`CreateTenant`), a sequence number `seq` (0, 1, 2, ... per
//! repository, in sending order), the aggregate itself and its exported state as JSON (the
//! `payload`). As JSON (the HTTP body, by default) it is the command log's line:
//! `{"seq":0,"command":"CreateTenant","payload":{…}}` (see [`crate::feed`]).
//!
//! # What the handler returns
//!
//! The id the application assigned, as JSON (`42`, `"b7c1…"`). It is used when the type has an
//! auto-assigned key and the Faker did not pin one ([`Command::needs_key`]): the repository
//! writes it into the aggregate with [`Provider::assign_key`]. Otherwise the aggregate keeps
//! the id the Faker generated, and the handler may return [`JsonValue::Null`]. A null where an
//! id is needed is an error (an aggregate without its real id would make every reference to
//! it wrong), not a silent fallback.
//!
//! # Pipelining
//!
//! Both sinks *dispatch* ([`CommandHandler::dispatch`]): within one
//! [`Faker::create_each`](crate::provider::Faker::create_each) (and `create_many`) the Faker
//! sends a command and draws the next aggregate without waiting for the answer, up to
//! [`Faker::set_pipeline`](crate::provider::Faker::set_pipeline) commands unanswered at once
//! (default 16, the HTTP client's default limit of requests in flight). What holds:
//!
//! * **a command goes out only after the answers it depends on**: it is built from aggregates
//!   whose creation the application answered (a reference that creates its target — the
//!   author of a book — waits for that answer before the book is drawn further; pools hold
//!   answered aggregates only), so the application never sees a book before its author;
//! * **the same draws, the same feed**: creations finish in creation order, a draw reading the
//!   pool of a type with commands in flight waits for them first, and the feed writes each
//!   aggregate at its place in creation order;
//! * **nothing is left in flight** when a call returns: after a failed command the others in
//!   flight are answered and finished (the application executed them), then the first error
//!   in creation order is returned;
//! * **the idempotency keys** are those of a one-at-a-time run, so a rerun after a failure
//!   replays them.
//!
//! What differs: commands in flight together reach the application in an order the network
//! decides. An application that numbers what it receives (an auto-increment) may then give the
//! books in flight together their numbers in another order than a one-at-a-time run, and than
//! another pipelined run. Nothing the Faker sends depends on that: the commands that others
//! reference (authors, tenants) are not pipelined past, so their ids — and every payload that
//! holds them — are the same. (In-process handlers receive the commands in dispatch order,
//! so their numbering is that of a one-at-a-time run.) `set_pipeline(1)` sends one command
//! at a time.
//!
//! Only the top-level creations of `create_each` are pipelined, of a type without children
//! and whose id is not made only of references; [`Repository::dispatch`](crate::repository::Repository::dispatch)
//! is the hook for a repository of your own.
//!
//! The repository keeps what it sent in an inner
//! [`InMemoryRepository`](crate::repository::InMemoryRepository), so `get`, `find` and
//! references reusing existing aggregates keep working without reading the application back.
//!
//! # Example (in process)
//!
//! ```
//! use std::collections::BTreeMap;
//! use std::sync::{Arc, Mutex};
//!
//! use faker_core::command::{CommandRepository, OwnedCommand, handler_fn};
//! use faker_core::provider::{Cx, Faker, FakerError, JsonValue, KeyError, Provider};
//!
//! #[derive(Clone, serde::Serialize)]
//! struct Tenant {
//!     id: i64,
//!     name: String,
//! }
//!
//! impl Provider for Tenant {
//!     type Id = i64;
//!     const NAME: &'static str = "Tenant";
//!     fn auto_key() -> Option<String> {
//!         Some("id".into()) // the application assigns the id
//!     }
//!     fn id(&self) -> i64 {
//!         self.id
//!     }
//!     async fn populate(cx: &mut Cx<'_>) -> Result<Self, FakerError> {
//!         let id = cx.auto_key::<i64>("id")?;
//!         let name = cx.value("name", |_, n| format!("Tenant {n}"))?;
//!         Ok(Tenant { id, name })
//!     }
//!     fn assign_key(&mut self, key: JsonValue) -> Result<(), KeyError> {
//!         self.id = KeyError::decode("id", key)?;
//!         Ok(())
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The application's side: its own store and its handler of `CreateTenant`.
//! let store = Arc::new(Mutex::new(BTreeMap::<i64, String>::new()));
//! let app = Arc::clone(&store);
//! let handler = handler_fn(move |cmd: OwnedCommand<Tenant>| {
//!     let app = Arc::clone(&app);
//!     async move {
//!         assert_eq!(cmd.name, "CreateTenant");
//!         let mut store = app.lock().map_err(|_| "store poisoned")?;
//!         let id = 100 * (store.len() as i64 + 1); // the application's own numbering
//!         store.insert(id, cmd.aggregate.name);
//!         Ok::<_, &str>(JsonValue::from(id))
//!     }
//! });
//!
//! let mut faker = Faker::new(42);
//! faker.set_repository::<Tenant>(CommandRepository::new(handler))?;
//! let tenants = faker.create_many::<Tenant>(3).await?;
//!
//! // The aggregates, and the pool references draw from, carry the application's ids.
//! let ids: Vec<i64> = tenants.iter().map(|t| t.id).collect();
//! assert_eq!(ids, [100, 200, 300]);
//! assert_eq!(faker.pool::<Tenant>().map(|p| p.len()), Some(3));
//! assert_eq!(faker.get::<Tenant>(&200).await?.map(|t| t.name), Some("Tenant 1".into()));
//! assert_eq!(store.lock().map(|s| s.len()).ok(), Some(3));
//! # Ok(())
//! # }
//! ```

mod handler;
#[cfg(feature = "http")]
mod http;

pub use handler::{CommandHandler, CommandRepository, HandlerFn, handler_fn};
#[cfg(feature = "http")]
pub use http::{
    BodyFormat, HttpCommands, HttpCommandsBuilder, HttpConfigError, HttpError, HttpErrorKind,
    HttpRepository,
};

use std::error::Error as StdError;
use std::fmt;

use thiserror::Error;

use crate::feed::table_name;
use crate::provider::{JsonValue, Provider};

/// One creation, as sent to the application: `Create` + the aggregate's name.
pub struct Command<'a, A> {
    /// `Create` + [`Provider::NAME`], e.g. `CreateTenant`.
    pub name: String,
    /// Position among the commands of the repository that sent it: 0, 1, 2, ...
    pub seq: u64,
    /// The sending repository, unique within the process (distinguishes the commands of
    /// several repositories, say of several Faker workers, that have the same `seq`).
    pub stream: u64,
    /// The aggregate as the domain built it (its auto-assigned key still a placeholder when
    /// [`Command::needs_key`]).
    pub aggregate: &'a A,
    /// The aggregate's exported state.
    pub payload: JsonValue,
    /// True when the Faker pinned the auto-assigned key (a requirement named it, or the
    /// aggregate was inserted as is): then the application must keep it.
    pub key_given: bool,
    /// The seed of the Faker that made the command (`None` for a repository used on its
    /// own): part of the idempotency key, see [`Command::idempotency_key`].
    pub seed: Option<u64>,
}

impl<A> fmt::Debug for Command<'_, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Command")
            .field("name", &self.name)
            .field("seq", &self.seq)
            .field("stream", &self.stream)
            .field("payload", &self.payload)
            .field("key_given", &self.key_given)
            .finish_non_exhaustive()
    }
}

impl<'a, A: Provider> Command<'a, A> {
    /// True when the handler must return the id it assigned: the type has an auto-assigned
    /// key and the Faker did not pin it.
    pub fn needs_key(&self) -> bool {
        A::auto_key().is_some() && !self.key_given
    }

    /// A view without the aggregate's type, for routing.
    pub fn info(&self) -> CommandInfo<'_> {
        CommandInfo {
            name: &self.name,
            aggregate: A::NAME,
            table: table_name(A::NAME, A::TABLE),
            seq: self.seq,
            stream: self.stream,
            payload: &self.payload,
        }
    }

    /// The command as JSON: `{"seq":…,"command":"CreateTenant","payload":{…}}`, the shape of
    /// a command-log line.
    pub fn envelope(&self) -> JsonValue {
        serde_json::json!({
            "seq": self.seq,
            "command": self.name,
            "payload": self.payload,
        })
    }

    /// A key naming what this command *is*, so that the same command gets the same key in
    /// every run: `<run>-<Aggregate>-<seq>-<digest>`, e.g. `seed42-Tenant-17-3f9c0a1b2c3d4e5f`.
    ///
    /// * `run`: `run_id` when given (the sender names the run itself), else `seed<N>` with
    ///   the seed of the Faker that made the command, else `fallback` (a repository used
    ///   without a Faker);
    /// * `<Aggregate>-<seq>`: the type and the command's position among the commands of its
    ///   type;
    /// * `<digest>`: 64-bit FNV-1a of the payload as JSON.
    ///
    /// A Faker with a given seed makes the same commands in the same order, so a rerun after
    /// any failure (a crash, a kill, a run that gave up) replays the first run's keys: an
    /// application that deduplicates by key answers what it already executed with the ids it
    /// assigned then, the rerun's later payloads (which hold those ids) come out the same,
    /// and the application ends with the dataset a run without faults would have made. The
    /// digest keeps apart commands that only share a position: another target count or
    /// another configuration plans other aggregates, whose keys then differ from the first
    /// run's, so they are executed, never answered with another aggregate's id.
    pub fn idempotency_key(&self, run_id: Option<&str>, fallback: &str) -> String {
        let digest = fnv1a(&serde_json::to_vec(&self.payload).unwrap_or_default());
        let run = match (run_id, self.seed) {
            (Some(run), _) => run.to_owned(),
            (None, Some(seed)) => format!("seed{seed}"),
            (None, None) => fallback.to_owned(),
        };
        format!("{run}-{}-{}-{digest:016x}", A::NAME, self.seq)
    }

    /// The command with its own copy of the aggregate, for handlers that keep or move it.
    pub fn into_owned(self) -> OwnedCommand<A> {
        OwnedCommand {
            name: self.name,
            seq: self.seq,
            stream: self.stream,
            key_given: self.key_given,
            aggregate: self.aggregate.clone(),
            payload: self.payload,
        }
    }
}

/// 64-bit FNV-1a: a stable digest (the same in every process and version), not a defence
/// against crafted collisions, which idempotency keys do not need.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A [`Command`] that owns its aggregate, as [`handler_fn`] closures receive it.
#[derive(Debug, Clone)]
pub struct OwnedCommand<A> {
    /// `Create` + [`Provider::NAME`].
    pub name: String,
    /// Position among the commands of the sending repository.
    pub seq: u64,
    /// The sending repository (see [`Command::stream`]).
    pub stream: u64,
    /// The aggregate as the domain built it.
    pub aggregate: A,
    /// The aggregate's exported state.
    pub payload: JsonValue,
    /// True when the auto-assigned key was pinned by the Faker.
    pub key_given: bool,
}

impl<A: Provider> OwnedCommand<A> {
    /// True when the handler must return the id it assigned (see [`Command::needs_key`]).
    pub fn needs_key(&self) -> bool {
        A::auto_key().is_some() && !self.key_given
    }
}

/// A command without its aggregate's type: what an HTTP route sees.
#[derive(Debug, Clone)]
pub struct CommandInfo<'a> {
    /// `CreateTenant`.
    pub name: &'a str,
    /// `Tenant`.
    pub aggregate: &'static str,
    /// The aggregate's table (feed file stem): [`Provider::TABLE`] or `tenants`.
    pub table: String,
    /// Position among the commands of the sending repository.
    pub seq: u64,
    /// The sending repository.
    pub stream: u64,
    /// The aggregate's exported state.
    pub payload: &'a JsonValue,
}

/// Why a handler did not create the aggregate.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CommandError {
    /// The application refused the command or failed while handling it.
    #[error("{0}")]
    Handler(#[source] Box<dyn StdError + Send + Sync>),
    /// The HTTP exchange failed (see [`HttpError`]).
    #[cfg(feature = "http")]
    #[error(transparent)]
    Http(#[from] HttpError),
}

impl CommandError {
    /// An error of the application's handler: anything that converts into a boxed error
    /// (`String`, `&str`, any `std::error::Error`).
    pub fn handler(error: impl Into<Box<dyn StdError + Send + Sync>>) -> CommandError {
        CommandError::Handler(error.into())
    }
}

/// A command that failed, with its name and position: what a command repository reports as
/// [`RepositoryError::Storage`](crate::repository::RepositoryError::Storage) (downcast the
/// boxed error to reach it).
#[derive(Debug, Error)]
#[error("command `{command}` #{seq} failed: {source}")]
pub struct CommandFailed {
    /// `CreateTenant`.
    pub command: String,
    /// The command's position among the repository's commands.
    pub seq: u64,
    /// What went wrong.
    pub source: CommandError,
}
