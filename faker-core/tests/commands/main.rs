//! Command sinks: creations sent to the application in process (a handler) and out of process
//! (HTTP, against a real HTTP/1.1 server on the loopback interface).
//!
//! The modules:
//!
//! - [`fixtures`]: the aggregates created through commands and their providers.
//! - this file: the in-process sink (`CommandHandler`), its ids and errors.
//! - [`http`] (feature `http`): the HTTP sink against [`http_server`], the test application.

mod fixtures;
#[cfg(feature = "http")]
mod http;
#[cfg(feature = "http")]
mod http_server;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use faker_core::command::{
    Command, CommandError, CommandHandler, CommandRepository, OwnedCommand, handler_fn,
};
use faker_core::feed::{FeedError, Record, Sink};
use faker_core::provider::{ErrorKind, Faker, FakerError, JsonValue, KeyError};
use faker_core::repository::{BoxFuture, RepositoryError};

use crate::fixtures::*;

// ---------------------------------------------------------------------------- in process

/// One command as the application saw it.
#[derive(Clone, Debug)]
struct Handled {
    command: String,
    seq: u64,
    key_given: bool,
    payload: JsonValue,
    id: i64,
}

/// The application: its own store of tenants, numbered its own way (100, 200, ...).
#[derive(Default)]
struct App {
    handled: Mutex<Vec<Handled>>,
    tenants: Mutex<BTreeMap<i64, String>>,
}

impl CommandHandler<Tenant> for App {
    fn handle<'a>(
        &'a self,
        command: Command<'a, Tenant>,
    ) -> BoxFuture<'a, Result<JsonValue, CommandError>> {
        Box::pin(async move {
            let mut tenants = self
                .tenants
                .lock()
                .map_err(|_| CommandError::handler("poisoned"))?;
            let id = if command.key_given {
                command.aggregate.id
            } else {
                100 * (tenants.len() as i64 + 1)
            };
            tenants.insert(id, command.aggregate.name.clone());
            self.handled
                .lock()
                .map_err(|_| CommandError::handler("poisoned"))?
                .push(Handled {
                    command: command.name.clone(),
                    seq: command.seq,
                    key_given: command.key_given,
                    payload: command.payload.clone(),
                    id,
                });
            // A pinned key is the caller's: answer something else to check it is kept.
            Ok(JsonValue::from(if command.key_given { -1 } else { id }))
        })
    }
}

#[tokio::test]
async fn handler_ids_reach_aggregates_pools_and_references() -> Result<(), FakerError> {
    let app = Arc::new(App::default());
    let members_store = Arc::new(Mutex::new(Vec::<Handled>::new()));
    let store = Arc::clone(&members_store);
    let members_handler = handler_fn(move |cmd: OwnedCommand<Member>| {
        let store = Arc::clone(&store);
        async move {
            let mut store = store.lock().map_err(|_| "poisoned")?;
            let id = 10_000 + store.len() as i64;
            assert!(cmd.needs_key());
            store.push(Handled {
                command: cmd.name,
                seq: cmd.seq,
                key_given: cmd.key_given,
                payload: cmd.payload,
                id,
            });
            Ok::<_, &str>(JsonValue::from(id))
        }
    });

    let mut faker = Faker::new(7);
    faker.set_repository::<Tenant>(CommandRepository::new(Arc::clone(&app)))?;
    faker.set_repository::<Member>(CommandRepository::new(members_handler))?;
    let members = faker.create_many::<Member>(40).await?;

    let handled = app.handled.lock().map(|h| h.clone()).unwrap_or_default();
    let tenant_ids: Vec<i64> = handled.iter().map(|h| h.id).collect();
    assert!(!tenant_ids.is_empty());
    // Commands named and numbered per repository; the payload is the exported state with the
    // placeholder key the application replaced.
    for (i, h) in handled.iter().enumerate() {
        assert_eq!(h.command, "CreateTenant");
        assert_eq!(h.seq, i as u64);
        assert!(!h.key_given);
        assert_eq!(h.payload["id"], 0);
        assert_eq!(h.payload["name"], format!("Tenant {i}"));
    }
    // The Faker's pool of tenants holds the application's ids, so references reuse them.
    let pool: Vec<i64> = faker
        .pool::<Tenant>()
        .map(|p| p.iter().copied().collect())
        .unwrap_or_default();
    assert_eq!(pool, tenant_ids);
    for m in &members {
        assert!(tenant_ids.contains(&m.tenant_id), "{m:?}");
    }
    // The members carry their ids, and the application saw their real tenant ids.
    let sent = members_store.lock().map(|s| s.clone()).unwrap_or_default();
    assert_eq!(sent.len(), 40);
    for (i, (m, h)) in members.iter().zip(&sent).enumerate() {
        assert_eq!(m.id, 10_000 + i as i64);
        assert_eq!(h.seq, i as u64);
        assert_eq!(h.command, "CreateMember");
        assert_eq!(h.payload["tenant_id"], m.tenant_id);
    }
    // Reading back goes to the repository's own copy.
    let last = tenant_ids[tenant_ids.len() - 1];
    let tenant = faker.get::<Tenant>(&last).await?;
    assert_eq!(tenant.map(|t| t.id), Some(last));
    let repo = faker.repository::<Tenant>().and_then(|r| {
        r.as_any()
            .downcast_ref::<CommandRepository<Tenant, Arc<App>>>()
    });
    let Some(repo) = repo else {
        panic!("the tenant repository is a CommandRepository")
    };
    assert_eq!(repo.commands(), tenant_ids.len() as u64);
    assert_eq!(repo.sent().len(), tenant_ids.len());
    Ok(())
}

#[tokio::test]
async fn handler_errors_name_the_command() -> Result<(), FakerError> {
    let handler = handler_fn(|cmd: OwnedCommand<Tenant>| async move {
        if cmd.seq == 2 {
            Err(format!("tenant quota exceeded for {}", cmd.aggregate.name))
        } else {
            Ok(JsonValue::from(cmd.seq as i64 + 1))
        }
    });
    let mut faker = Faker::new(1);
    faker.set_repository::<Tenant>(CommandRepository::new(handler))?;
    let Err(error) = faker.create_many::<Tenant>(5).await else {
        panic!("the third command fails")
    };
    let failed = command_failure(&error);
    assert_eq!(failed.command, "CreateTenant");
    assert_eq!(failed.seq, 2);
    assert!(matches!(failed.source, CommandError::Handler(_)));
    let message = error.to_string();
    assert!(
        message.contains("`CreateTenant` #2") && message.contains("tenant quota exceeded"),
        "{message}"
    );
    // The two tenants created before the failure are kept.
    assert_eq!(faker.pool::<Tenant>().map(|p| p.len()), Some(2));
    Ok(())
}

#[tokio::test]
async fn null_keeps_generated_ids_of_types_without_auto_key() -> Result<(), FakerError> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let handler = handler_fn(move |cmd: OwnedCommand<Tag>| {
        let log = Arc::clone(&log);
        async move {
            assert!(!cmd.needs_key());
            log.lock().map_err(|_| "poisoned")?.push(cmd.aggregate.id);
            Ok::<_, &str>(JsonValue::Null)
        }
    });
    let mut faker = Faker::new(3);
    faker.set_repository::<Tag>(CommandRepository::new(handler))?;
    let tags = faker.create_many::<Tag>(5).await?;
    let ids: Vec<u64> = tags.iter().map(|t| t.id).collect();
    assert_eq!(ids, [0, 1, 2, 3, 4]);
    assert_eq!(seen.lock().map(|s| s.clone()).ok(), Some(ids));
    assert_eq!(
        faker.get::<Tag>(&3).await?.map(|t| t.label),
        Some("tag-3".into())
    );
    Ok(())
}

#[tokio::test]
async fn null_where_an_id_is_needed_is_an_error() -> Result<(), FakerError> {
    let handler = handler_fn(|_: OwnedCommand<Tenant>| async { Ok::<_, &str>(JsonValue::Null) });
    let mut faker = Faker::new(3);
    faker.set_repository::<Tenant>(CommandRepository::new(handler))?;
    let Err(error) = faker.create::<Tenant>().await else {
        panic!("a null id for an auto-key type is refused")
    };
    assert!(
        matches!(
            &error.kind,
            ErrorKind::Repository(RepositoryError::AssignKey {
                aggregate: "Tenant",
                ..
            })
        ),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("`CreateTenant` #0 returned no key"),
        "{error}"
    );
    // An id the aggregate cannot take is an error too.
    let handler = handler_fn(|_: OwnedCommand<Tenant>| async { Ok::<_, &str>("t-1".into()) });
    let mut faker = Faker::new(3);
    faker.set_repository::<Tenant>(CommandRepository::new(handler))?;
    let Err(error) = faker.create::<Tenant>().await else {
        panic!("a string id for an integer key is refused")
    };
    assert!(
        matches!(
            &error.kind,
            ErrorKind::Repository(RepositoryError::AssignKey {
                source: KeyError::Mismatch { field, .. },
                ..
            }) if field == "id"
        ),
        "{error}"
    );
    // The cause is reachable through `source()`, down to the JSON error.
    let mut cause: &dyn std::error::Error = &error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    assert!(cause.is::<serde_json::Error>(), "root cause: {cause}");
    Ok(())
}

#[tokio::test]
async fn a_pinned_key_is_kept() -> Result<(), FakerError> {
    let app = Arc::new(App::default());
    let mut faker = Faker::new(5);
    faker.set_repository::<Tenant>(CommandRepository::new(Arc::clone(&app)))?;
    let fixture = Tenant {
        id: 7,
        name: "Fixture".into(),
    };
    let stored = faker.insert(fixture).await?;
    assert_eq!(
        stored.id, 7,
        "the handler's answer (-1) does not replace a given key"
    );
    let handled = app.handled.lock().map(|h| h.clone()).unwrap_or_default();
    assert_eq!(handled.len(), 1);
    assert!(handled[0].key_given);
    assert_eq!(
        faker.get::<Tenant>(&7).await?.map(|t| t.name),
        Some("Fixture".into())
    );
    Ok(())
}

// ---------------------------------------------------------------------------- pipelining

/// Every record a feed received: (seq, aggregate, JSON).
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<(u64, String, String)>>>);

impl Sink for Recorder {
    fn record(&mut self, record: &Record<'_>) -> Result<(), FeedError> {
        if let Ok(mut records) = self.0.lock() {
            records.push((
                record.seq,
                record.aggregate.to_string(),
                String::from_utf8_lossy(record.json).into_owned(),
            ));
        }
        Ok(())
    }
    fn finish(&mut self) -> Result<(), FeedError> {
        Ok(())
    }
}

/// An application numbering what it receives with one counter for every type (the harshest
/// case for pipelining: a number depends on what arrived before), answering after a pause that
/// varies by command (0–3 ms), so answers come back out of order. Counts the commands it
/// holds at once.
#[derive(Default)]
struct SlowApp {
    next: Mutex<i64>,
    holding: Mutex<(usize, usize)>,
}

impl SlowApp {
    async fn handle(self: Arc<Self>, seq: u64) -> Result<JsonValue, String> {
        let id = {
            let mut next = self.next.lock().map_err(|e| e.to_string())?;
            *next += 1;
            *next
        };
        if let Ok(mut h) = self.holding.lock() {
            h.0 += 1;
            h.1 = h.1.max(h.0);
        }
        // A spread of pauses, reproducible per command.
        let pause = (seq.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 60) % 4;
        tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
        if let Ok(mut h) = self.holding.lock() {
            h.0 -= 1;
        }
        Ok(JsonValue::from(id))
    }

    fn most_held(&self) -> usize {
        self.holding.lock().map(|h| h.1).unwrap_or(0)
    }
}

/// A pipelined run through in-process handlers gives what a one-at-a-time run gives: the same
/// aggregates with the same ids (the handlers receive the commands in creation order, since
/// the Faker polls them in dispatch order), the same pools, and the same feed in the same
/// order — while the handler held many commands at once and answered them out of order.
#[tokio::test]
async fn a_pipelined_run_gives_the_one_at_a_time_dataset_and_feed() -> Result<(), FakerError> {
    async fn run(
        depth: usize,
    ) -> Result<(Vec<Member>, Vec<(u64, String, String)>, usize), FakerError> {
        let app = Arc::new(SlowApp::default());
        let mut faker = Faker::new(8);
        faker.set_pipeline(depth);
        let feed = Recorder::default();
        faker.add_sink(feed.clone());
        let tenants = Arc::clone(&app);
        faker.set_repository::<Tenant>(CommandRepository::new(handler_fn(
            move |cmd: OwnedCommand<Tenant>| Arc::clone(&tenants).handle(cmd.seq),
        )))?;
        let members = Arc::clone(&app);
        faker.set_repository::<Member>(CommandRepository::new(handler_fn(
            move |cmd: OwnedCommand<Member>| Arc::clone(&members).handle(cmd.seq),
        )))?;
        let members = faker.create_many::<Member>(300).await?;
        // Nothing waits once the call returned: every member is pooled and counted.
        assert_eq!(faker.pool::<Member>().map(|p| p.len()), Some(300));
        assert_eq!(faker.created::<Member>(), 300);
        let records = feed.0.lock().map(|r| r.clone()).unwrap_or_default();
        Ok((members, records, app.most_held()))
    }
    let (one, one_feed, one_held) = run(1).await?;
    let (piped, piped_feed, piped_held) = run(64).await?;
    assert_eq!(one_held, 1, "one at a time");
    assert!(
        piped_held >= 8,
        "pipelined: at most {piped_held} held at once"
    );
    let view = |m: &Member| (m.id, m.tenant_id, m.email.clone());
    assert_eq!(
        piped.iter().map(view).collect::<Vec<_>>(),
        one.iter().map(view).collect::<Vec<_>>()
    );
    assert_eq!(piped_feed.len(), one_feed.len());
    assert_eq!(piped_feed, one_feed, "the feed, record by record");
    // The feed's seq runs 0, 1, 2, ... in either.
    assert!(piped_feed.iter().enumerate().all(|(i, r)| r.0 == i as u64));
    Ok(())
}

/// An error of one dispatched command ends the run with that command's error, after the
/// commands in flight with it were answered and finished: nothing is left waiting, and what
/// the application executed is in the pool and the feed.
#[tokio::test]
async fn a_failed_dispatched_command_leaves_nothing_waiting() -> Result<(), FakerError> {
    let executed = Arc::new(Mutex::new(Vec::<u64>::new()));
    let app = Arc::clone(&executed);
    let handler = handler_fn(move |cmd: OwnedCommand<Tag>| {
        let app = Arc::clone(&app);
        async move {
            // The 6th command is refused, after a pause that lets later ones overtake it.
            if cmd.seq == 5 {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                return Err("tag 5 refused".to_string());
            }
            app.lock().map_err(|e| e.to_string())?.push(cmd.seq);
            Ok(JsonValue::Null)
        }
    });
    let mut faker = Faker::new(3);
    let feed = Recorder::default();
    faker.add_sink(feed.clone());
    faker.set_repository::<Tag>(CommandRepository::new(handler))?;
    let mut delivered = Vec::new();
    let Err(error) = faker.create_each::<Tag>(40, |t| delivered.push(t.id)).await else {
        panic!("tag 5 is refused")
    };
    assert!(error.to_string().contains("tag 5 refused"), "{error}");
    let failed = command_failure(&error);
    assert_eq!(failed.seq, 5);
    let executed = executed.lock().map(|e| e.clone()).unwrap_or_default();
    assert!(
        executed.len() > 5,
        "later commands were in flight: {executed:?}"
    );
    // Every executed command is delivered, pooled and written, in creation order, and only
    // those.
    let mut sorted = executed.clone();
    sorted.sort_unstable();
    assert_eq!(delivered, sorted);
    assert_eq!(faker.created::<Tag>(), executed.len() as u64);
    let records = feed.0.lock().map(|r| r.len()).unwrap_or(0);
    assert_eq!(records, executed.len());
    assert_eq!(faker.recorded(), executed.len() as u64);
    Ok(())
}
