//! The out-of-process application: a tiny HTTP/1.1 server on the loopback interface that
//! records every request, creates aggregates idempotently by key, and injects faults (statuses,
//! dropped connections, stalls, unusable answers) per command attempt.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use faker_core::provider::JsonValue;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

// --------------------------------------------------------------- the test application

/// What the server does with one attempt of a command instead of answering normally.
#[derive(Clone, Debug)]
pub(crate) enum Fault {
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
    /// Answer this status with `Retry-After: <seconds>`, create nothing.
    StatusRetryAfter(u16, u64),
}

/// A random fault per attempt, drawn from a seeded generator: `(share, fault)` pairs, the rest
/// of the attempts answered normally.
pub(crate) struct FaultMix {
    pub(crate) faults: Vec<(f64, Fault)>,
    pub(crate) state: u64,
}

impl FaultMix {
    fn next(&mut self) -> Option<Fault> {
        // SplitMix64: reproducible for a seed.
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let mut u = (z >> 11) as f64 / (1u64 << 53) as f64;
        for (share, fault) in &self.faults {
            if u < *share {
                return Some(fault.clone());
            }
            u -= share;
        }
        None
    }
}

/// One request as the server read it.
#[derive(Clone, Debug)]
pub(crate) struct Seen {
    pub(crate) path: String,
    pub(crate) key: String,
    pub(crate) body: JsonValue,
}

/// One aggregate the application created.
#[derive(Clone, Debug)]
pub(crate) struct Created {
    pub(crate) key: String,
    pub(crate) path: String,
    pub(crate) body: JsonValue,
    pub(crate) id: i64,
}

pub(crate) struct State {
    pub(crate) requests: Vec<Seen>,
    /// Keys in the order of the 2xx answers sent.
    pub(crate) answered: Vec<String>,
    /// Keys that arrived again after a 2xx answer to them.
    resent_after_2xx: Vec<String>,
    /// The answer given to each executed key: a repeat gets it again.
    pub(crate) executed: HashMap<String, JsonValue>,
    pub(crate) created: Vec<Created>,
    pub(crate) next_id: i64,
    /// Faults per (aggregate, seq), one per attempt.
    pub(crate) faults: HashMap<(String, u64), VecDeque<Fault>>,
    /// A fault for every attempt of every command.
    pub(crate) always: Option<Fault>,
    /// A random fault per attempt (after the per-command ones).
    pub(crate) mix: Option<FaultMix>,
    /// How the answer holds the id.
    pub(crate) answer: fn(i64) -> JsonValue,
    /// Time each request spends in the application.
    pub(crate) delay: Duration,
    pub(crate) in_flight: usize,
    pub(crate) max_in_flight: usize,
    /// Ids the client has been told (a 2xx answer carried them).
    confirmed: HashSet<i64>,
    /// Requests that referenced an id the client had not been told yet: a command sent
    /// before the command it depends on was answered.
    early: Vec<String>,
}

/// A tiny HTTP/1.1 application on 127.0.0.1: one request per connection.
pub(crate) struct TestServer {
    pub(crate) addr: SocketAddr,
    pub(crate) state: Arc<Mutex<State>>,
    /// The accept loop (replaced when an outage ends).
    pub(crate) task: Arc<Mutex<JoinHandle<()>>>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Ok(task) = self.task.lock() {
            task.abort();
        }
    }
}

/// Accepts connections on `listener` and serves each.
fn accept(listener: TcpListener, state: Arc<Mutex<State>>) -> JoinHandle<()> {
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream, Arc::clone(&state)));
        }
    })
}

/// Closes the listening socket now and opens it again on the same port after `length`.
fn outage(
    addr: SocketAddr,
    state: &Arc<Mutex<State>>,
    task: &Arc<Mutex<JoinHandle<()>>>,
    length: Duration,
) {
    if let Ok(task) = task.lock() {
        task.abort();
    }
    let (state, task) = (Arc::clone(state), Arc::clone(task));
    tokio::spawn(async move {
        tokio::time::sleep(length).await;
        // The port was ours a moment ago; retry briefly should the kernel hold it.
        for _ in 0..50 {
            if let Ok(listener) = TcpListener::bind(addr).await {
                if let Ok(mut t) = task.lock() {
                    *t = accept(listener, state);
                }
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("could not listen on {addr} again");
    });
}

pub(crate) enum Action {
    Answer(u16, String),
    AnswerRetryAfter(u16, u64),
    Close,
    CloseMidBody(String),
    Stall(Duration, String),
}

impl TestServer {
    pub(crate) async fn start() -> TestServer {
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
            mix: None,
            answer: |id| serde_json::json!({ "id": id }),
            delay: Duration::ZERO,
            in_flight: 0,
            max_in_flight: 0,
            confirmed: HashSet::new(),
            early: Vec::new(),
        }));
        let task = accept(listener, Arc::clone(&state));
        TestServer {
            addr,
            state,
            task: Arc::new(Mutex::new(task)),
        }
    }

    /// The application goes away for `length` once it has created `created` aggregates
    /// (checked every millisecond), with whatever requests are in flight at that moment: the
    /// listening socket is closed (connecting is refused) and opened again on the same port
    /// afterwards. Returns at once.
    pub(crate) fn outage_after(&self, created: usize, length: Duration) {
        let (addr, state, task) = (self.addr, Arc::clone(&self.state), Arc::clone(&self.task));
        tokio::spawn(async move {
            loop {
                let done = match state.lock() {
                    Ok(s) => s.created.len(),
                    Err(e) => panic!("server state poisoned: {e}"),
                };
                if done >= created {
                    outage(addr, &state, &task, length);
                    return;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        });
    }

    pub(crate) fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        match self.state.lock() {
            Ok(mut s) => f(&mut s),
            Err(e) => panic!("server state poisoned: {e}"),
        }
    }

    pub(crate) fn fail(&self, aggregate: &str, seq: u64, faults: impl IntoIterator<Item = Fault>) {
        self.with(|s| {
            s.faults
                .entry((aggregate.to_string(), seq))
                .or_default()
                .extend(faults)
        });
    }

    pub(crate) fn requests(&self) -> Vec<Seen> {
        self.with(|s| s.requests.clone())
    }

    pub(crate) fn created(&self) -> Vec<Created> {
        self.with(|s| s.created.clone())
    }

    pub(crate) fn answered(&self) -> Vec<String> {
        self.with(|s| s.answered.clone())
    }

    /// Requests per idempotency key.
    pub(crate) fn attempts_per_key(&self) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for r in self.requests() {
            *counts.entry(r.key).or_insert(0) += 1;
        }
        counts
    }

    /// The checks every test makes: one creation per key, no request of a key after its 2xx
    /// answer, and no command before the answer of a command it references.
    pub(crate) fn assert_no_duplicates(&self) {
        self.assert_dependencies_first();
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

impl TestServer {
    /// No command arrived before the answer to a command it references.
    pub(crate) fn assert_dependencies_first(&self) {
        let early = self.with(|s| s.early.clone());
        assert!(
            early.is_empty(),
            "sent before what they reference was answered: {early:?}"
        );
    }
}

/// The created aggregates ordered by what they are, type then `seq` (commands in flight
/// together reach the application in any order).
pub(crate) fn by_seq(mut created: Vec<Created>) -> Vec<Created> {
    created.sort_by_key(|c| parse_key(&c.key));
    created
}

/// `<run>-<Aggregate>-<seq>-<digest>` → (aggregate, seq).
pub(crate) fn parse_key(key: &str) -> Option<(String, u64)> {
    let mut parts = key.rsplitn(4, '-');
    let _digest = parts.next()?;
    let seq = parts.next()?.parse().ok()?;
    let aggregate = parts.next()?.to_string();
    Some((aggregate, seq))
}

/// Reads one request: request line, headers, `Content-Length` bytes of body.
pub(crate) async fn read_request(stream: &mut TcpStream) -> Option<Seen> {
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
pub(crate) fn execute(s: &mut State, seen: &Seen) -> (u16, String) {
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

pub(crate) async fn serve(mut stream: TcpStream, state: Arc<Mutex<State>>) {
    let Some(seen) = read_request(&mut stream).await else {
        return;
    };
    let decided = state
        .lock()
        .map(|mut s| {
            s.in_flight += 1;
            s.max_in_flight = s.max_in_flight.max(s.in_flight);
            s.requests.push(seen.clone());
            // Every `*_id` of the payload names an aggregate whose creation was answered.
            let payload = seen.body.get("payload").unwrap_or(&seen.body);
            let references_unconfirmed = payload.as_object().is_some_and(|fields| {
                fields.iter().any(|(name, value)| {
                    name.ends_with("_id")
                        && value.as_i64().is_some_and(|id| !s.confirmed.contains(&id))
                })
            });
            if references_unconfirmed {
                s.early.push(seen.key.clone());
            }
            if s.answered.contains(&seen.key) {
                s.resent_after_2xx.push(seen.key.clone());
            }
            let fault = parse_key(&seen.key)
                .and_then(|k| s.faults.get_mut(&k))
                .and_then(VecDeque::pop_front)
                .or_else(|| s.always.clone())
                .or_else(|| s.mix.as_mut().and_then(FaultMix::next));
            let action = match fault {
                None => {
                    let (status, body) = execute(&mut s, &seen);
                    Action::Answer(status, body)
                }
                Some(Fault::Status(status)) => {
                    Action::Answer(status, r#"{"error":"injected"}"#.to_string())
                }
                Some(Fault::StatusRetryAfter(status, seconds)) => {
                    Action::AnswerRetryAfter(status, seconds)
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
        Action::AnswerRetryAfter(status, seconds) => {
            let body = r#"{"error":"later"}"#;
            (
                status,
                format!(
                    "HTTP/1.1 {status} Other\r\nContent-Type: application/json\r\n\
                     Retry-After: {seconds}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                ),
            )
        }
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
            let id = s.created.iter().find(|c| c.key == seen.key).map(|c| c.id);
            s.confirmed.extend(id);
        }
    }
    if !response.is_empty() {
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.flush().await;
    }
    let _ = stream.shutdown().await;
}
