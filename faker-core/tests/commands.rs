//! Command sinks: creations sent to the application in process (a handler) and out of process
//! (HTTP, against a real HTTP/1.1 server on the loopback interface).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use faker_core::command::{
    Command, CommandError, CommandFailed, CommandHandler, CommandRepository, OwnedCommand,
    handler_fn,
};
use faker_core::distributor::DistributorConfig;
use faker_core::provider::{
    Cx, ErrorKind, Faker, FakerError, JsonValue, KeyError, Provider, Schema,
};
use faker_core::repository::{BoxFuture, RepositoryError};
use serde::Serialize;

// ------------------------------------------------------------------------------ aggregates

/// An aggregate whose id the application assigns.
#[derive(Clone, Debug, Serialize)]
struct Tenant {
    id: i64,
    name: String,
}

/// An aggregate with an application-assigned id and a reference to a tenant.
#[derive(Clone, Debug, Serialize)]
struct Member {
    id: i64,
    tenant_id: i64,
    email: String,
}

/// An aggregate whose id the Faker generates (no auto key).
#[derive(Clone, Debug, Serialize)]
struct Tag {
    id: u64,
    label: String,
}

fn int_key(key: &JsonValue) -> Result<i64, KeyError> {
    KeyError::decode("id", key.clone())
}

impl Provider for Tenant {
    type Id = i64;
    const NAME: &'static str = "Tenant";
    fn auto_key() -> Option<String> {
        Some("id".into())
    }
    fn id(&self) -> i64 {
        self.id
    }
    async fn populate(cx: &mut Cx<'_>) -> Result<Self, FakerError> {
        let id = cx.auto_key::<i64>("id")?;
        let name = cx.value("name", |_, n| format!("Tenant {n}"))?;
        Ok(Tenant { id, name })
    }
    fn assign_key(&mut self, key: JsonValue) -> Result<(), KeyError> {
        self.id = int_key(&key)?;
        Ok(())
    }
}

impl Provider for Member {
    type Id = i64;
    const NAME: &'static str = "Member";
    fn auto_key() -> Option<String> {
        Some("id".into())
    }
    fn id(&self) -> i64 {
        self.id
    }
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
    fn assign_key(&mut self, key: JsonValue) -> Result<(), KeyError> {
        self.id = int_key(&key)?;
        Ok(())
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
fn command_failure(error: &FakerError) -> &CommandFailed {
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

// ------------------------------------------------------------------------- out of process

#[cfg(feature = "http")]
mod http {
    use std::collections::{HashMap, HashSet, VecDeque};
    use std::net::SocketAddr;
    use std::time::{Duration, Instant};

    use faker_core::command::{
        BodyFormat, CommandError, HttpCommands, HttpError, HttpErrorKind, HttpRepository,
    };
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};
    use tokio::task::JoinHandle;

    use super::*;

    // --------------------------------------------------------------- the test application

    /// What the server does with one attempt of a command instead of answering normally.
    #[derive(Clone, Debug)]
    enum Fault {
        /// Answer this status, create nothing.
        Status(u16),
        /// Close the connection without answering, create nothing.
        Drop,
        /// Create, then close without answering: the lost response.
        CreateThenDrop,
        /// Create, then answer only after this long (the client times out first).
        CreateThenStall(Duration),
        /// Create, answer 201 with a body without the id.
        NoId,
        /// Create, answer 201 with a body cut short (the connection closes mid-body).
        Truncated,
    }

    /// One request as the server read it.
    #[derive(Clone, Debug)]
    struct Seen {
        path: String,
        key: String,
        body: JsonValue,
    }

    /// One aggregate the application created.
    #[derive(Clone, Debug)]
    struct Created {
        key: String,
        path: String,
        body: JsonValue,
        id: i64,
    }

    struct State {
        requests: Vec<Seen>,
        /// Keys in the order of the 2xx answers sent.
        answered: Vec<String>,
        /// Keys that arrived again after a 2xx answer to them.
        resent_after_2xx: Vec<String>,
        /// The answer given to each executed key: a repeat gets it again.
        executed: HashMap<String, JsonValue>,
        created: Vec<Created>,
        next_id: i64,
        /// Faults per (aggregate, seq), one per attempt.
        faults: HashMap<(String, u64), VecDeque<Fault>>,
        /// A fault for every attempt of every command.
        always: Option<Fault>,
        /// How the answer holds the id.
        answer: fn(i64) -> JsonValue,
        /// Time each request spends in the application.
        delay: Duration,
        in_flight: usize,
        max_in_flight: usize,
    }

    /// A tiny HTTP/1.1 application on 127.0.0.1: one request per connection.
    struct TestServer {
        addr: SocketAddr,
        state: Arc<Mutex<State>>,
        task: JoinHandle<()>,
    }

    impl Drop for TestServer {
        fn drop(&mut self) {
            self.task.abort();
        }
    }

    enum Action {
        Answer(u16, String),
        Close,
        CloseMidBody(String),
        Stall(Duration, String),
    }

    impl TestServer {
        async fn start() -> TestServer {
            let listener = match TcpListener::bind("127.0.0.1:0").await {
                Ok(l) => l,
                Err(e) => panic!("bind: {e}"),
            };
            let addr = match listener.local_addr() {
                Ok(a) => a,
                Err(e) => panic!("local_addr: {e}"),
            };
            let state = Arc::new(Mutex::new(State {
                requests: Vec::new(),
                answered: Vec::new(),
                resent_after_2xx: Vec::new(),
                executed: HashMap::new(),
                created: Vec::new(),
                next_id: 1000,
                faults: HashMap::new(),
                always: None,
                answer: |id| serde_json::json!({ "id": id }),
                delay: Duration::ZERO,
                in_flight: 0,
                max_in_flight: 0,
            }));
            let shared = Arc::clone(&state);
            let task = tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    tokio::spawn(serve(stream, Arc::clone(&shared)));
                }
            });
            TestServer { addr, state, task }
        }

        fn base(&self) -> String {
            format!("http://{}", self.addr)
        }

        fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
            match self.state.lock() {
                Ok(mut s) => f(&mut s),
                Err(e) => panic!("server state poisoned: {e}"),
            }
        }

        fn fail(&self, aggregate: &str, seq: u64, faults: impl IntoIterator<Item = Fault>) {
            self.with(|s| {
                s.faults
                    .entry((aggregate.to_string(), seq))
                    .or_default()
                    .extend(faults)
            });
        }

        fn requests(&self) -> Vec<Seen> {
            self.with(|s| s.requests.clone())
        }

        fn created(&self) -> Vec<Created> {
            self.with(|s| s.created.clone())
        }

        fn answered(&self) -> Vec<String> {
            self.with(|s| s.answered.clone())
        }

        /// Requests per idempotency key.
        fn attempts_per_key(&self) -> HashMap<String, usize> {
            let mut counts = HashMap::new();
            for r in self.requests() {
                *counts.entry(r.key).or_insert(0) += 1;
            }
            counts
        }

        /// The checks every test makes: one creation per key, and no request of a key after
        /// its 2xx answer.
        fn assert_no_duplicates(&self) {
            let created = self.created();
            let keys: HashSet<&str> = created.iter().map(|c| c.key.as_str()).collect();
            assert_eq!(keys.len(), created.len(), "a key was executed twice");
            let answered = self.answered();
            let unique: HashSet<&String> = answered.iter().collect();
            assert_eq!(unique.len(), answered.len(), "a key was answered 2xx twice");
            let resent = self.with(|s| s.resent_after_2xx.clone());
            assert!(resent.is_empty(), "sent again after a 2xx: {resent:?}");
        }
    }

    /// `<run>-<stream>-<Aggregate>-<seq>` → (aggregate, seq).
    fn parse_key(key: &str) -> Option<(String, u64)> {
        let mut parts = key.rsplitn(3, '-');
        let seq = parts.next()?.parse().ok()?;
        let aggregate = parts.next()?.to_string();
        Some((aggregate, seq))
    }

    /// Reads one request: request line, headers, `Content-Length` bytes of body.
    async fn read_request(stream: &mut TcpStream) -> Option<Seen> {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        let mut lines = head.split("\r\n");
        let mut request_line = lines.next()?.split(' ');
        assert_eq!(request_line.next(), Some("POST"));
        let path = request_line.next()?.to_string();
        let mut length = 0;
        let mut key = String::new();
        for line in lines {
            if let Some((name, value)) = line.split_once(':') {
                match name.trim().to_ascii_lowercase().as_str() {
                    "content-length" => length = value.trim().parse().ok()?,
                    "idempotency-key" => key = value.trim().to_string(),
                    "content-type" => assert_eq!(value.trim(), "application/json"),
                    _ => {}
                }
            }
        }
        while buf.len() < head_end + length {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let body = serde_json::from_slice(&buf[head_end..head_end + length]).ok()?;
        Some(Seen { path, key, body })
    }

    /// Executes the command of `seen` once per key: a repeated key gets the first answer.
    fn execute(s: &mut State, seen: &Seen) -> (u16, String) {
        if let Some(answer) = s.executed.get(&seen.key) {
            return (200, answer.to_string());
        }
        let id = s.next_id;
        s.next_id += 1;
        let answer = (s.answer)(id);
        s.executed.insert(seen.key.clone(), answer.clone());
        s.created.push(Created {
            key: seen.key.clone(),
            path: seen.path.clone(),
            body: seen.body.clone(),
            id,
        });
        (201, answer.to_string())
    }

    async fn serve(mut stream: TcpStream, state: Arc<Mutex<State>>) {
        let Some(seen) = read_request(&mut stream).await else {
            return;
        };
        let decided = state
            .lock()
            .map(|mut s| {
                s.in_flight += 1;
                s.max_in_flight = s.max_in_flight.max(s.in_flight);
                s.requests.push(seen.clone());
                if s.answered.contains(&seen.key) {
                    s.resent_after_2xx.push(seen.key.clone());
                }
                let fault = parse_key(&seen.key)
                    .and_then(|k| s.faults.get_mut(&k))
                    .and_then(VecDeque::pop_front)
                    .or_else(|| s.always.clone());
                let action = match fault {
                    None => {
                        let (status, body) = execute(&mut s, &seen);
                        Action::Answer(status, body)
                    }
                    Some(Fault::Status(status)) => {
                        Action::Answer(status, r#"{"error":"injected"}"#.to_string())
                    }
                    Some(Fault::Drop) => Action::Close,
                    Some(Fault::CreateThenDrop) => {
                        execute(&mut s, &seen);
                        Action::Close
                    }
                    Some(Fault::CreateThenStall(pause)) => {
                        let (_, body) = execute(&mut s, &seen);
                        Action::Stall(pause, body)
                    }
                    Some(Fault::NoId) => {
                        execute(&mut s, &seen);
                        Action::Answer(201, r#"{"created":true}"#.to_string())
                    }
                    Some(Fault::Truncated) => {
                        let (_, body) = execute(&mut s, &seen);
                        Action::CloseMidBody(body)
                    }
                };
                (action, s.delay)
            })
            .ok();
        let Some((action, delay)) = decided else {
            return;
        };
        tokio::time::sleep(delay).await;
        let write = |status: u16, body: &str, length: usize| {
            let reason = match status {
                200 => "OK",
                201 => "Created",
                400 => "Bad Request",
                503 => "Service Unavailable",
                _ => "Other",
            };
            format!(
                "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n\
                 Content-Length: {length}\r\nConnection: close\r\n\r\n{body}"
            )
        };
        let (status, response) = match action {
            Action::Answer(status, body) => (status, write(status, &body, body.len())),
            Action::Stall(pause, body) => {
                tokio::time::sleep(pause).await;
                (201, write(201, &body, body.len()))
            }
            Action::Close => (0, String::new()),
            Action::CloseMidBody(body) => {
                let half = &body[..body.len() / 2];
                (0, write(201, half, body.len()))
            }
        };
        if let Ok(mut s) = state.lock() {
            s.in_flight -= 1;
            if (200..300).contains(&status) {
                s.answered.push(seen.key.clone());
            }
        }
        if !response.is_empty() {
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.flush().await;
        }
        let _ = stream.shutdown().await;
    }

    // ---------------------------------------------------------------------------- helpers

    fn client(server: &TestServer) -> HttpCommands {
        let built = HttpCommands::builder(&server.base())
            .no_proxy()
            .retries(3)
            .backoff(Duration::from_millis(10), Duration::from_millis(80))
            .timeout(Duration::from_secs(5))
            .build();
        match built {
            Ok(c) => c,
            Err(e) => panic!("client: {e}"),
        }
    }

    /// The `HttpError` inside a Faker error.
    fn http_failure(error: &FakerError) -> &HttpError {
        match &command_failure(error).source {
            CommandError::Http(e) => e,
            other => panic!("not an HTTP error: {other}"),
        }
    }

    // ------------------------------------------------------------------------------ tests

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ids_flow_into_aggregates_pools_and_references() -> Result<(), FakerError> {
        let server = TestServer::start().await;
        let client = client(&server);
        let mut faker = Faker::new(11);
        faker.set_repository::<Tenant>(HttpRepository::new(client.clone()))?;
        faker.set_repository::<Member>(HttpRepository::new(client.clone()))?;
        let members = faker.create_many::<Member>(30).await?;

        let created = server.created();
        let tenants: Vec<&Created> = created
            .iter()
            .filter(|c| c.path == "/commands/CreateTenant")
            .collect();
        let server_members: Vec<&Created> = created
            .iter()
            .filter(|c| c.path == "/commands/CreateMember")
            .collect();
        assert_eq!(server_members.len(), 30);
        assert_eq!(tenants.len() + server_members.len(), created.len());
        // The envelope: seq per repository, the command's name, the exported state.
        for (i, c) in tenants.iter().enumerate() {
            assert_eq!(c.body["seq"], i as u64);
            assert_eq!(c.body["command"], "CreateTenant");
            assert_eq!(c.body["payload"]["id"], 0, "the placeholder key");
            assert!(c.key.starts_with(client.run_id()), "{}", c.key);
            assert!(c.key.ends_with(&format!("-Tenant-{i}")), "{}", c.key);
        }
        // The server's ids are the aggregates' ids and the pool's; references reuse them.
        let tenant_ids: Vec<i64> = tenants.iter().map(|c| c.id).collect();
        let pool: Vec<i64> = faker
            .pool::<Tenant>()
            .map(|p| p.iter().copied().collect())
            .unwrap_or_default();
        assert_eq!(pool, tenant_ids);
        assert!(tenant_ids.iter().all(|&id| id >= 1000));
        for (m, c) in members.iter().zip(&server_members) {
            assert_eq!(m.id, c.id);
            assert!(tenant_ids.contains(&m.tenant_id), "{m:?}");
            assert_eq!(c.body["payload"]["tenant_id"], m.tenant_id);
        }
        let reused = members.len() - tenant_ids.len();
        assert!(reused > 0, "mean 4: tenants are reused");
        let stored = faker.get::<Member>(&members[3].id).await?;
        assert_eq!(stored.map(|m| m.email), Some(members[3].email.clone()));
        // Each command once; every key distinct.
        assert_eq!(server.requests().len(), created.len());
        server.assert_no_duplicates();
        assert_eq!(client.in_flight(), 0);
        Ok(())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_503_is_retried_with_the_same_key_and_creates_once() -> Result<(), FakerError> {
        let server = TestServer::start().await;
        server.fail("Tenant", 1, [Fault::Status(503), Fault::Status(503)]);
        let mut faker = Faker::new(1);
        faker.set_repository::<Tenant>(HttpRepository::new(client(&server)))?;
        let tenants = faker.create_many::<Tenant>(3).await?;

        let attempts = server.attempts_per_key();
        let created = server.created();
        assert_eq!(created.len(), 3);
        assert_eq!(attempts[&created[1].key], 3, "two 503s, then success");
        assert_eq!(attempts[&created[0].key], 1);
        let ids: Vec<i64> = tenants.iter().map(|t| t.id).collect();
        assert_eq!(ids, created.iter().map(|c| c.id).collect::<Vec<_>>());
        // The retries carried the very same body.
        let bodies: HashSet<String> = server
            .requests()
            .iter()
            .filter(|r| r.key == created[1].key)
            .map(|r| r.body.to_string())
            .collect();
        assert_eq!(bodies.len(), 1);
        server.assert_no_duplicates();
        Ok(())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dropped_connections_are_retried_without_duplicates() -> Result<(), FakerError> {
        let server = TestServer::start().await;
        // seq 0: dropped before the application did anything;
        // seq 2: the application created it, and the answer was lost.
        server.fail("Tenant", 0, [Fault::Drop]);
        server.fail("Tenant", 2, [Fault::CreateThenDrop]);
        let mut faker = Faker::new(2);
        faker.set_repository::<Tenant>(HttpRepository::new(client(&server)))?;
        let tenants = faker.create_many::<Tenant>(4).await?;

        let created = server.created();
        assert_eq!(created.len(), 4, "one creation per command");
        let attempts = server.attempts_per_key();
        assert_eq!(attempts[&created[0].key], 2);
        assert_eq!(attempts[&created[2].key], 2, "same key seen twice");
        // The repeat got the first execution's id, not a new one.
        let ids: Vec<i64> = tenants.iter().map(|t| t.id).collect();
        assert_eq!(ids, created.iter().map(|c| c.id).collect::<Vec<_>>());
        server.assert_no_duplicates();
        Ok(())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_timeout_is_retried_and_deduplicated_by_key() -> Result<(), FakerError> {
        let server = TestServer::start().await;
        server.fail(
            "Tenant",
            1,
            [Fault::CreateThenStall(Duration::from_millis(1500))],
        );
        let client = HttpCommands::builder(&server.base())
            .no_proxy()
            .timeout(Duration::from_millis(300))
            .backoff(Duration::from_millis(10), Duration::from_millis(10))
            .build()
            .expect("a valid client");
        let mut faker = Faker::new(2);
        faker.set_repository::<Tenant>(HttpRepository::new(client))?;
        let tenants = faker.create_many::<Tenant>(2).await?;
        let created = server.created();
        assert_eq!(created.len(), 2);
        assert_eq!(server.attempts_per_key()[&created[1].key], 2);
        assert_eq!(tenants[1].id, created[1].id);
        server.assert_no_duplicates();
        Ok(())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_400_fails_at_once_naming_the_command_and_url() -> Result<(), FakerError> {
        let server = TestServer::start().await;
        server.fail("Tenant", 1, [Fault::Status(400)]);
        let mut faker = Faker::new(2);
        faker.set_repository::<Tenant>(HttpRepository::new(client(&server)))?;
        let Err(error) = faker.create_many::<Tenant>(3).await else {
            panic!("400 is an error")
        };
        let failed = command_failure(&error);
        assert_eq!((failed.command.as_str(), failed.seq), ("CreateTenant", 1));
        let http = http_failure(&error);
        assert_eq!(http.attempts, 1);
        assert_eq!(http.command, "CreateTenant");
        let url = format!("{}/commands/CreateTenant", server.base());
        assert_eq!(http.url, url);
        assert!(
            matches!(&http.kind, HttpErrorKind::Status { status: 400, body, .. } if body.contains("injected"))
        );
        let message = error.to_string();
        assert!(
            message.contains("`CreateTenant` #1")
                && message.contains(&url)
                && message.contains("400 Bad Request"),
            "{message}"
        );
        // Sent once, never retried, nothing created for it.
        assert_eq!(server.attempts_per_key()[&http.idempotency_key], 1);
        assert_eq!(server.created().len(), 1);
        server.assert_no_duplicates();
        Ok(())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_2xx_is_never_resent_even_when_unusable() -> Result<(), FakerError> {
        for fault in [Fault::NoId, Fault::Truncated] {
            let server = TestServer::start().await;
            server.fail("Tenant", 0, [fault.clone()]);
            let mut faker = Faker::new(2);
            faker.set_repository::<Tenant>(HttpRepository::new(client(&server)))?;
            let Err(error) = faker.create::<Tenant>().await else {
                panic!("{fault:?}: the id is missing")
            };
            let http = http_failure(&error);
            assert_eq!(http.attempts, 1, "{fault:?}");
            match (&fault, &http.kind) {
                (Fault::NoId, HttpErrorKind::MissingId { pointer, .. }) => {
                    assert_eq!(pointer, "/id")
                }
                (Fault::Truncated, HttpErrorKind::Body(_)) => {}
                (f, kind) => panic!("{f:?} gave {kind}"),
            }
            assert_eq!(server.requests().len(), 1, "{fault:?}: sent once");
            assert_eq!(server.created().len(), 1);
        }
        Ok(())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn retries_are_bounded_and_back_off() -> Result<(), FakerError> {
        let server = TestServer::start().await;
        server.with(|s| s.always = Some(Fault::Status(503)));
        let client = HttpCommands::builder(&server.base())
            .no_proxy()
            .retries(2)
            .backoff(Duration::from_millis(40), Duration::from_secs(1))
            .build()
            .expect("a valid client");
        let mut faker = Faker::new(2);
        faker.set_repository::<Tenant>(HttpRepository::new(client))?;
        let started = Instant::now();
        let Err(error) = faker.create::<Tenant>().await else {
            panic!("503 forever")
        };
        let elapsed = started.elapsed();
        let http = http_failure(&error);
        assert_eq!(http.attempts, 3, "one attempt and two retries");
        assert!(matches!(
            http.kind,
            HttpErrorKind::Status { status: 503, .. }
        ));
        assert_eq!(server.requests().len(), 3);
        assert!(server.created().is_empty());
        assert!(
            elapsed >= Duration::from_millis(120),
            "40 + 80 ms of backoff: {elapsed:?}"
        );
        assert!(error.to_string().contains("3 attempts"), "{error}");
        Ok(())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_unreachable_application_is_a_transport_error() -> Result<(), FakerError> {
        // A port nobody listens on.
        let addr = match std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
            Ok(a) => a,
            Err(e) => panic!("{e}"),
        };
        let client = HttpCommands::builder(&format!("http://{addr}"))
            .no_proxy()
            .retries(1)
            .backoff(Duration::from_millis(5), Duration::from_millis(5))
            .build()
            .expect("a valid client");
        let mut faker = Faker::new(2);
        faker.set_repository::<Tenant>(HttpRepository::new(client))?;
        let Err(error) = faker.create::<Tenant>().await else {
            panic!("nobody listens")
        };
        let http = http_failure(&error);
        assert_eq!(http.attempts, 2);
        assert!(matches!(&http.kind, HttpErrorKind::Transport(e) if e.is_connect()));
        assert!(error.to_string().contains(&addr.to_string()), "{error}");
        Ok(())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_limit_on_requests_in_flight_holds_across_fakers() -> Result<(), FakerError> {
        let server = TestServer::start().await;
        server.with(|s| s.delay = Duration::from_millis(30));
        let client = HttpCommands::builder(&server.base())
            .no_proxy()
            .max_in_flight(3)
            .build()
            .expect("a valid client");
        let mut workers = Vec::new();
        for worker in 0..6u64 {
            let client = client.clone();
            workers.push(tokio::spawn(async move {
                let mut faker = Faker::new(worker);
                faker.set_repository::<Tenant>(HttpRepository::new(client.clone()))?;
                faker.set_repository::<Member>(HttpRepository::new(client))?;
                faker.create_many::<Member>(4).await
            }));
        }
        let mut members = 0;
        for w in workers {
            match w.await {
                Ok(result) => members += result?.len(),
                Err(e) => panic!("worker: {e}"),
            }
        }
        assert_eq!(members, 24);
        let max = server.with(|s| s.max_in_flight);
        assert!(max <= 3, "at most 3 in flight, saw {max}");
        assert!(max >= 2, "the workers did overlap (saw {max})");
        // Same seq in every worker, yet every key distinct: one creation each.
        let created = server.created();
        assert_eq!(server.requests().len(), created.len());
        server.assert_no_duplicates();
        assert_eq!(client.in_flight(), 0);
        Ok(())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn payload_bodies_routes_and_id_pointers() -> Result<(), FakerError> {
        let server = TestServer::start().await;
        server.with(|s| s.answer = |id| serde_json::json!({ "data": { "id": id } }));
        let client = HttpCommands::builder(&server.base())
            .no_proxy()
            .route({
                let base = server.base();
                move |c| format!("{base}/api/{}/{}", c.table, c.seq)
            })
            .body(BodyFormat::Payload)
            .id_pointer("/data/id")
            .run_id("rerun-7")
            .build()
            .expect("a valid client");
        let mut faker = Faker::new(4);
        faker.set_repository::<Tenant>(HttpRepository::new(client.clone()))?;
        faker.set_repository::<Tag>(HttpRepository::new(client))?;
        let tenants = faker.create_many::<Tenant>(2).await?;
        let tags = faker.create_many::<Tag>(2).await?;

        let created = server.created();
        let paths: Vec<&str> = created.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/api/tenants/0",
                "/api/tenants/1",
                "/api/tags/0",
                "/api/tags/1"
            ]
        );
        // The body is the exported state alone.
        assert_eq!(
            created[1].body,
            serde_json::json!({ "id": 0, "name": "Tenant 1" })
        );
        assert_eq!(tenants[1].id, created[1].id);
        assert!(created.iter().all(|c| c.key.starts_with("rerun-7-")));
        // Tags keep their generated ids whatever the answer holds.
        assert_eq!(tags.iter().map(|t| t.id).collect::<Vec<_>>(), [0, 1]);
        assert_eq!(created[3].body["label"], "tag-1");
        Ok(())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn generated_ids_need_no_id_in_the_answer() -> Result<(), FakerError> {
        let server = TestServer::start().await;
        server.with(|s| s.always = Some(Fault::NoId));
        let mut faker = Faker::new(4);
        faker.set_repository::<Tag>(HttpRepository::new(client(&server)))?;
        let tags = faker.create_many::<Tag>(3).await?;
        assert_eq!(tags.iter().map(|t| t.id).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(server.created().len(), 3);
        Ok(())
    }
}
