//! The in-process command sink: a repository that hands every creation to a handler.

use std::any::Any;
use std::error::Error as StdError;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{Command, CommandError, CommandFailed, OwnedCommand};
use crate::provider::{JsonValue, KeyError, Provider};
use crate::repository::{BoxFuture, Dispatch, InMemoryRepository, Repository, RepositoryError};
use crate::spec::Query;

/// The application's side of a command: builds and stores the aggregate, returns the id it
/// assigned (or [`JsonValue::Null`] when the aggregate keeps the id the Faker generated; see
/// the [module docs](super)).
pub trait CommandHandler<A>: Send + Sync {
    /// Handles one `Create…` command.
    fn handle<'a>(
        &'a self,
        command: Command<'a, A>,
    ) -> BoxFuture<'a, Result<JsonValue, CommandError>>;

    /// The same command as a future that borrows neither the handler nor the command, for a
    /// handler that can have several commands in flight: the repository then lets the Faker
    /// go on drawing while the answer is on its way (see
    /// [`Faker::set_pipeline`](crate::provider::Faker::set_pipeline)). `None` (the default)
    /// means one command at a time, through [`CommandHandler::handle`].
    ///
    /// [`handler_fn`] closures and [`HttpCommands`](super::HttpCommands) dispatch. The
    /// future is polled from the Faker's task, not spawned, so commands reach the handler
    /// in the order they were dispatched.
    fn dispatch(
        &self,
        command: Command<'_, A>,
    ) -> Option<BoxFuture<'static, Result<JsonValue, CommandError>>> {
        let _ = command;
        None
    }
}

impl<A, H: CommandHandler<A> + ?Sized> CommandHandler<A> for Arc<H> {
    fn handle<'a>(
        &'a self,
        command: Command<'a, A>,
    ) -> BoxFuture<'a, Result<JsonValue, CommandError>> {
        (**self).handle(command)
    }

    fn dispatch(
        &self,
        command: Command<'_, A>,
    ) -> Option<BoxFuture<'static, Result<JsonValue, CommandError>>> {
        (**self).dispatch(command)
    }
}

impl<A, H: CommandHandler<A> + ?Sized> CommandHandler<A> for Box<H> {
    fn handle<'a>(
        &'a self,
        command: Command<'a, A>,
    ) -> BoxFuture<'a, Result<JsonValue, CommandError>> {
        (**self).handle(command)
    }

    fn dispatch(
        &self,
        command: Command<'_, A>,
    ) -> Option<BoxFuture<'static, Result<JsonValue, CommandError>>> {
        (**self).dispatch(command)
    }
}

/// A handler made of an async closure; see [`handler_fn`].
#[derive(Debug, Clone)]
pub struct HandlerFn<F> {
    f: F,
}

/// Turns an async closure into a [`CommandHandler`]: it receives the command with its own
/// copy of the aggregate ([`OwnedCommand`]) and returns the assigned id, or an error that
/// converts into a boxed error (`String`, `&str`, any `std::error::Error`), reported as
/// [`CommandError::Handler`].
///
/// The future must not borrow from the closure: clone what it needs (an `Arc` of the
/// application's service) into it, as in the [module example](super).
pub fn handler_fn<A, F, Fut, E>(f: F) -> HandlerFn<F>
where
    A: Provider,
    F: Fn(OwnedCommand<A>) -> Fut + Send + Sync,
    Fut: Future<Output = Result<JsonValue, E>> + Send + 'static,
    E: Into<Box<dyn StdError + Send + Sync>>,
{
    HandlerFn { f }
}

impl<A, F, Fut, E> CommandHandler<A> for HandlerFn<F>
where
    A: Provider,
    F: Fn(OwnedCommand<A>) -> Fut + Send + Sync,
    Fut: Future<Output = Result<JsonValue, E>> + Send + 'static,
    E: Into<Box<dyn StdError + Send + Sync>>,
{
    fn handle<'a>(
        &'a self,
        command: Command<'a, A>,
    ) -> BoxFuture<'a, Result<JsonValue, CommandError>> {
        let future = (self.f)(command.into_owned());
        Box::pin(async move { future.await.map_err(CommandError::handler) })
    }

    fn dispatch(
        &self,
        command: Command<'_, A>,
    ) -> Option<BoxFuture<'static, Result<JsonValue, CommandError>>> {
        // The closure's future owns what it needs already (`'static`).
        let future = (self.f)(command.into_owned());
        Some(Box::pin(async move {
            future.await.map_err(CommandError::handler)
        }))
    }
}

/// Numbers every command repository of the process (see [`Command::stream`]).
static STREAMS: AtomicU64 = AtomicU64::new(0);

/// A [`Repository`] that sends every insert to a [`CommandHandler`] as a `Create…` command,
/// writes the id the handler returns into the aggregate when the type has an auto-assigned
/// key the Faker did not pin, and keeps what it sent in an inner [`InMemoryRepository`] for
/// `get`, `find` and reuse by references.
///
/// A handler error fails the insert with
/// [`RepositoryError::Storage`] holding a [`CommandFailed`] (command name and `seq`); a null
/// or unassignable id where one is needed fails it with [`RepositoryError::AssignKey`].
pub struct CommandRepository<A: Provider, H> {
    handler: H,
    stored: InMemoryRepository<A>,
    name: String,
    stream: u64,
    next_seq: u64,
    /// The seed of the Faker this repository was given to (see [`Repository::attach_run`]).
    seed: Option<u64>,
}

impl<A: Provider, H: CommandHandler<A>> CommandRepository<A, H> {
    /// A repository sending the creations of `A` to `handler`, keeping every sent aggregate.
    pub fn new(handler: H) -> Self {
        CommandRepository {
            handler,
            stored: InMemoryRepository::new(),
            name: format!("Create{}", A::NAME),
            stream: STREAMS.fetch_add(1, Ordering::Relaxed),
            next_seq: 0,
            seed: None,
        }
    }

    /// Keeps nothing it sent (memory does not grow with the run): only for types nothing
    /// references or reads back, since `get` and `find` then find nothing.
    pub fn keys_only(mut self) -> Self {
        self.stored = InMemoryRepository::keys_only();
        self
    }

    /// The handler.
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// The aggregates sent so far (as the application returned their ids).
    pub fn sent(&self) -> &InMemoryRepository<A> {
        &self.stored
    }

    /// The number of commands sent so far, failed ones included: the next command's `seq`.
    pub fn commands(&self) -> u64 {
        self.next_seq
    }

    /// This repository's number within the process (see [`Command::stream`]).
    pub fn stream(&self) -> u64 {
        self.stream
    }

    /// The command for `aggregate`, numbered with the next `seq` (which the caller takes
    /// when the command is sent).
    fn command<'c>(
        &self,
        aggregate: &'c A,
        key_given: bool,
    ) -> Result<Command<'c, A>, RepositoryError> {
        let payload =
            serde_json::to_value(aggregate).map_err(|source| RepositoryError::Export {
                aggregate: A::NAME,
                source,
            })?;
        Ok(Command {
            name: self.name.clone(),
            seq: self.next_seq,
            stream: self.stream,
            aggregate,
            payload,
            key_given,
            seed: self.seed,
        })
    }

    async fn send(&mut self, mut aggregate: A, key_given: bool) -> Result<A, RepositoryError> {
        let command = self.command(&aggregate, key_given)?;
        let seq = self.next_seq;
        self.next_seq += 1;
        let needs_key = command.needs_key();
        let answer = self.handler.handle(command).await;
        answered(&mut aggregate, answer, needs_key, &self.name, seq)?;
        // The key is set now (by the Faker or by the application): the inner repository only
        // keeps the aggregate.
        self.stored.insert(aggregate, true).await
    }
}

/// Writes the id a handler answered into `aggregate` when it needs one (see
/// [`Command::needs_key`]), or reports the failed command.
fn answered<A: Provider>(
    aggregate: &mut A,
    answer: Result<JsonValue, CommandError>,
    needs_key: bool,
    name: &str,
    seq: u64,
) -> Result<(), RepositoryError> {
    let id = answer.map_err(|source| {
        RepositoryError::Storage(Box::new(CommandFailed {
            command: name.to_owned(),
            seq,
            source,
        }))
    })?;
    if !needs_key {
        return Ok(());
    }
    if id.is_null() {
        return Err(RepositoryError::AssignKey {
            aggregate: A::NAME,
            key: id,
            source: KeyError::Missing {
                from: format!("command `{name}` #{seq}"),
            },
        });
    }
    crate::repository::assign_key(aggregate, id)
}

impl<A: Provider, H> std::fmt::Debug for CommandRepository<A, H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandRepository")
            .field("command", &self.name)
            .field("stream", &self.stream)
            .field("commands", &self.next_seq)
            .field("kept", &self.stored.len())
            .finish_non_exhaustive()
    }
}

impl<A: Provider, H: CommandHandler<A> + 'static> Repository<A> for CommandRepository<A, H> {
    fn insert(
        &mut self,
        aggregate: A,
        key_given: bool,
    ) -> BoxFuture<'_, Result<A, RepositoryError>> {
        Box::pin(self.send(aggregate, key_given))
    }

    fn dispatch(&mut self, mut aggregate: A, key_given: bool) -> Dispatch<A> {
        // An aggregate that cannot be exported goes the inline way, which reports it.
        let Ok(command) = self.command(&aggregate, key_given) else {
            return Dispatch::Inline(aggregate);
        };
        let seq = command.seq;
        let needs_key = command.needs_key();
        let Some(answer) = self.handler.dispatch(command) else {
            return Dispatch::Inline(aggregate);
        };
        self.next_seq += 1;
        let name = self.name.clone();
        Dispatch::Started(Box::pin(async move {
            let answer = answer.await;
            answered(&mut aggregate, answer, needs_key, &name, seq)?;
            Ok(aggregate)
        }))
    }

    fn settle(&mut self, stored: A) -> BoxFuture<'_, Result<A, RepositoryError>> {
        self.stored.insert(stored, true)
    }

    fn get<'a>(&'a self, id: &'a A::Id) -> BoxFuture<'a, Result<Option<A>, RepositoryError>> {
        self.stored.get(id)
    }

    fn find<'a>(&'a self, query: &'a Query) -> BoxFuture<'a, Result<Vec<A>, RepositoryError>> {
        self.stored.find(query)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn attach_run(&mut self, seed: u64) {
        self.seed = Some(seed);
    }
}
