//! The out-of-process command sink: commands posted to the running application over HTTP.
//! The behaviour is documented on [`HttpCommands`] (this module is private; its items are
//! re-exported by [`crate::command`]).
//!
//! One unit although it is long: the client, its retry loop and the errors it reports share one
//! contract (an idempotency key per command, resent unchanged on every attempt, never after a
//! delivered answer), and reading them side by side is how that contract is checked.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderName, RETRY_AFTER};
use reqwest::{Client, StatusCode, Url};
use serde::Serialize;
use thiserror::Error;
use tokio::sync::Semaphore;

use super::{Command, CommandError, CommandHandler, CommandInfo, CommandRepository};
use crate::provider::{JsonValue, Provider};
use crate::quantiles::days_from_civil;
use crate::repository::BoxFuture;

/// A [`CommandRepository`] posting its commands through an [`HttpCommands`] client:
/// `HttpRepository::new(client.clone())`.
pub type HttpRepository<A> = CommandRepository<A, HttpCommands>;

/// The header every request carries (see [`HttpCommands`]).
const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// How much of an error response's body an error keeps.
const BODY_EXCERPT: usize = 512;

/// The JSON envelope of a command (see [`Command::envelope`]), serialised without copying
/// the payload.
#[derive(Serialize)]
struct Envelope<'a> {
    seq: u64,
    command: &'a str,
    payload: &'a JsonValue,
}

/// What the request body holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BodyFormat {
    /// `{"seq":…,"command":"CreateTenant","payload":{…}}` (the default).
    #[default]
    Envelope,
    /// The exported state alone, for endpoints that take the aggregate's fields as the body.
    Payload,
}

type RouteFn = dyn Fn(&CommandInfo<'_>) -> String + Send + Sync;

#[derive(Clone)]
enum Route {
    Template(String),
    Function(Arc<RouteFn>),
}

/// A client sending commands to the application over HTTP: cheap to clone; clones share the
/// connection pool and the limit on requests in flight. [`HttpRepository`] is the
/// [`CommandRepository`] that sends through it; one client serves any number of repositories
/// (one per aggregate type, per Faker worker).
///
/// # The request
///
/// `POST <url>` with `Content-Type: application/json`, an `Idempotency-Key` header and, as
/// the body, by default the command envelope `{"seq":3,"command":"CreateTenant","payload":{…}}`
/// (the command log's line), or the exported state alone with [`BodyFormat::Payload`]. The URL
/// comes from a template — by default `{base}/commands/{command}`, e.g.
/// `http://127.0.0.1:8080/commands/CreateTenant` — or from a function of the command
/// ([`HttpCommandsBuilder::route`]).
///
/// # The response
///
/// Any 2xx is success. When the aggregate needs the id the application assigned
/// ([`Command::needs_key`]) the body must be JSON holding it at the id pointer (`/id` by
/// default, [`HttpCommandsBuilder::id_pointer`]); a body without it is
/// [`HttpErrorKind::MissingId`]. Other aggregates keep their generated ids and the body may
/// be anything (or nothing). Redirects are not followed.
///
/// # Several commands in flight
///
/// A Faker sends the commands it does not need answered yet without waiting (see
/// [pipelining](super#pipelining)): up to
/// [`Faker::set_pipeline`](crate::provider::Faker::set_pipeline) of them (default 16) per
/// Faker, while [`HttpCommandsBuilder::max_in_flight`] (default 16) bounds the requests of
/// every Faker sharing the client. Raise both together.
///
/// # Delivery: at least once, with a key
///
/// * a 5xx or 429 answer, a connection that fails or drops before an answer, or a timeout is
///   retried for up to [`HttpCommandsBuilder::retry_for`] (60 s) from the command's first
///   attempt, with capped exponential backoff and jitter (pauses of `backoff`, `2 × backoff`,
///   `4 × backoff`, … capped at `max_backoff`, each between half of that and all of it), or
///   after the pause a `Retry-After` header asks for; [`HttpCommandsBuilder::retries`] caps
///   the count too;
/// * any other 4xx (or a 3xx) answer is final: the application refused the command, sending
///   it again would not change its mind;
/// * a 2xx answer is final even when its body is unusable: **a command the application said it
///   executed is never sent again**.
///
/// A retry can still duplicate a command the application executed when the answer was lost
/// (the connection dropped, or the timeout struck, after the application committed). Every
/// attempt of one command therefore carries the same `Idempotency-Key`, which names what the
/// command *is*: `seed<N>-<Aggregate>-<seq>-<digest>` (e.g. `seed42-Tenant-17-3f9c0a1b2c3d4e5f`:
/// the Faker's seed, the 18th `CreateTenant`, a digest of its payload; see
/// [`Command::idempotency_key`]). An application that remembers the keys it has executed
/// answers a repeated key with the original result instead of creating the aggregate twice —
/// within a run, and across runs: **a rerun with the same seed after any failure replays the
/// same keys**, gets the ids the application assigned the first time, and leaves the
/// application with the dataset a run without faults would have made. Two runs that must not
/// share keys (two datasets of one seed, say) get a run id each
/// ([`HttpCommandsBuilder::run_id`]), which then takes the seed's place.
///
/// # Example
///
/// ```no_run
/// use std::time::Duration;
///
/// use faker_core::command::{HttpCommands, HttpRepository};
/// use faker_core::provider::{Faker, Provider};
///
/// async fn seed<Order: Provider>() -> Result<(), Box<dyn std::error::Error>> {
///     let client = HttpCommands::builder("http://127.0.0.1:8080") // …/commands/CreateOrder
///         .max_in_flight(8) // across every worker sharing `client`
///         .retry_for(Duration::from_secs(120)) // an application that restarts slowly
///         .backoff(Duration::from_millis(50), Duration::from_secs(2))
///         .build()?;
///     let mut faker = Faker::new(42);
///     faker.set_repository::<Order>(HttpRepository::new(client.clone()))?;
///     faker.create_many::<Order>(10_000).await?;
///     Ok(())
/// }
/// ```
#[derive(Clone)]
pub struct HttpCommands {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    route: Route,
    body: BodyFormat,
    id_pointer: String,
    /// Given with [`HttpCommandsBuilder::run_id`]: replaces the seed in every key.
    run_id: Option<String>,
    /// For commands of no Faker (no seed): random per client.
    fallback_run_id: String,
    limit: Semaphore,
    /// What dispatched commands may hold of `limit`: all of it but one place (see
    /// [`HttpCommands::deliver`]).
    dispatched: Semaphore,
    max_in_flight: usize,
    retries: Option<u32>,
    retry_for: Duration,
    backoff: Duration,
    max_backoff: Duration,
    timeout: Duration,
    /// Spreads the pauses of concurrent retries (see [`HttpCommands::pause`]).
    jitter: AtomicU64,
}

/// Configures an [`HttpCommands`]; made by [`HttpCommands::builder`].
#[must_use]
pub struct HttpCommandsBuilder {
    route: Route,
    body: BodyFormat,
    id_pointer: String,
    run_id: Option<String>,
    max_in_flight: usize,
    retries: Option<u32>,
    retry_for: Duration,
    backoff: Duration,
    max_backoff: Duration,
    timeout: Duration,
    connect_timeout: Duration,
    no_proxy: bool,
    client: Option<Client>,
}

impl HttpCommands {
    /// A client posting to `{base_url}/commands/{command}` with the defaults (see
    /// [`HttpCommands::builder`]).
    pub fn new(base_url: &str) -> Result<HttpCommands, HttpConfigError> {
        Self::builder(base_url).build()
    }

    /// A builder posting to `{base_url}/commands/{command}`, with the defaults: envelope
    /// body, id at `/id`, at most 16 requests in flight, retries for up to 60 s per command
    /// (pauses from 100 ms doubling up to 5 s, with jitter), a 30 s timeout per attempt and
    /// 10 s to connect.
    pub fn builder(base_url: &str) -> HttpCommandsBuilder {
        HttpCommandsBuilder {
            route: Route::Template(format!(
                "{}/commands/{{command}}",
                base_url.trim_end_matches('/')
            )),
            body: BodyFormat::Envelope,
            id_pointer: "/id".into(),
            run_id: None,
            max_in_flight: 16,
            retries: None,
            retry_for: Duration::from_secs(60),
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            no_proxy: false,
            client: None,
        }
    }

    /// The run id given with [`HttpCommandsBuilder::run_id`], if any (see
    /// [`Command::idempotency_key`] for what the keys hold without it).
    pub fn run_id(&self) -> Option<&str> {
        self.inner.run_id.as_deref()
    }

    /// The idempotency key of `command` (see [`Command::idempotency_key`]).
    pub fn key_of<A: Provider>(&self, command: &Command<'_, A>) -> String {
        command.idempotency_key(self.inner.run_id.as_deref(), &self.inner.fallback_run_id)
    }

    /// The limit on requests in flight, across all clones.
    pub fn max_in_flight(&self) -> usize {
        self.inner.max_in_flight
    }

    /// Requests in flight now, across all clones.
    pub fn in_flight(&self) -> usize {
        self.inner.max_in_flight - self.inner.limit.available_permits()
    }

    /// The URL a command is posted to.
    pub fn url(&self, command: &CommandInfo<'_>) -> String {
        match &self.inner.route {
            Route::Template(template) => expand(template, command),
            Route::Function(route) => route(command),
        }
    }

    /// Sends one command (retrying as the [type docs](HttpCommands) say) and returns the id the
    /// application assigned: the value at the id pointer, or null when the aggregate does not
    /// need one and the response has none.
    pub async fn send<A: Provider>(
        &self,
        command: &Command<'_, A>,
    ) -> Result<JsonValue, HttpError> {
        self.deliver(self.prepare(command).map_err(|e| *e)?, Lane::Awaited)
            .await
    }

    /// What is sent for `command`: its URL, key and body, made once for every attempt.
    fn prepare<A: Provider>(&self, command: &Command<'_, A>) -> Result<Request, Box<HttpError>> {
        let info = command.info();
        let named = Named {
            command: info.name.to_string(),
            url: self.url(&info),
            key: self.key_of(command),
        };
        let url = Url::parse(&named.url)
            .map_err(|e| named.error(0, Duration::ZERO, HttpErrorKind::Url(e.to_string())))
            .map_err(Box::new)?;
        let body = match self.inner.body {
            BodyFormat::Envelope => serde_json::to_vec(&Envelope {
                seq: command.seq,
                command: &command.name,
                payload: &command.payload,
            }),
            BodyFormat::Payload => serde_json::to_vec(&command.payload),
        }
        .map_err(|e| Box::new(named.error(0, Duration::ZERO, HttpErrorKind::Encode(e))))?;
        Ok(Request {
            named,
            url,
            body,
            needs_id: command.needs_key(),
        })
    }

    /// Sends a prepared request until an answer is final or the retry budget is spent. The
    /// budget runs from the first attempt, so time spent waiting for a place among the
    /// requests in flight does not count against it.
    ///
    /// A dispatched command (its Faker goes on meanwhile, see [pipelining](super#pipelining))
    /// may take every place among the requests in flight but one; that one is kept for the
    /// commands a Faker waits for (the author a book needs), so they never queue behind a
    /// full pipeline of books.
    async fn deliver(&self, request: Request, lane: Lane) -> Result<JsonValue, HttpError> {
        let Request {
            named,
            url,
            body,
            needs_id,
        } = &request;
        let mut started = None;
        let mut attempts = 0;
        loop {
            // The semaphores are never closed, so acquiring only waits.
            let lane_permit = match lane {
                Lane::Dispatched => self.inner.dispatched.acquire().await.ok(),
                Lane::Awaited => None,
            };
            let permit = self.inner.limit.acquire().await.ok();
            let started = *started.get_or_insert_with(Instant::now);
            attempts += 1;
            let outcome = self.attempt(url, &named.key, body, *needs_id).await;
            drop((permit, lane_permit));
            match outcome {
                Outcome::Final(result) => {
                    return result.map_err(|kind| named.error(attempts, started.elapsed(), kind));
                }
                Outcome::Retry { kind, after } => {
                    if self.inner.retries.is_some_and(|n| attempts > n) {
                        return Err(named.error(attempts, started.elapsed(), kind));
                    }
                    // The application's `Retry-After` when it gave one, else the backoff.
                    let pause = after.unwrap_or_else(|| self.pause(attempts));
                    if started.elapsed() + pause > self.inner.retry_for {
                        return Err(named.error(attempts, started.elapsed(), kind));
                    }
                    tokio::time::sleep(pause).await;
                }
            }
        }
    }

    /// The pause after failed attempt `attempt`: half of [`HttpCommands::delay`] and a random
    /// part of the other half ("equal jitter"), so that the commands a fault failed together
    /// (an outage fails every request in flight) do not all come back at the same instant,
    /// while each still waits at least half its backoff.
    fn pause(&self, attempt: u32) -> Duration {
        let delay = self.delay(attempt);
        // SplitMix64 over a counter: a spread, not a secret, and no shared generator to lock.
        let mut z = self
            .inner
            .jitter
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let fraction = (z >> 11) as f64 / (1u64 << 53) as f64;
        delay / 2 + delay.mul_f64(0.5 * fraction)
    }

    /// The longest pause after failed attempt `attempt` (1-based): `backoff × 2^(attempt-1)`,
    /// capped.
    fn delay(&self, attempt: u32) -> Duration {
        let factor = 1u32
            .checked_shl(attempt.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.inner
            .backoff
            .saturating_mul(factor)
            .min(self.inner.max_backoff)
    }

    /// One request (the caller holds a permit of the shared limit meanwhile).
    async fn attempt(&self, url: &Url, key: &str, body: &[u8], needs_id: bool) -> Outcome {
        let request = self
            .inner
            .client
            .post(url.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json")
            .header(IDEMPOTENCY_KEY, key)
            .timeout(self.inner.timeout)
            .body(body.to_vec());
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => {
                let retry = e.is_connect() || e.is_timeout() || e.is_request();
                let kind = HttpErrorKind::Transport(e);
                return if retry {
                    Outcome::Retry { kind, after: None }
                } else {
                    Outcome::Final(Err(kind))
                };
            }
        };
        let status = response.status();
        if status.is_success() {
            // Final whatever happens next: the application executed the command.
            let result = match response.bytes().await {
                Ok(bytes) => self.read_id(&bytes, needs_id),
                Err(e) => Err(HttpErrorKind::Body(e)),
            };
            return Outcome::Final(result);
        }
        let after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry_after(v, SystemTime::now()));
        let text = response.text().await.unwrap_or_default();
        let kind = HttpErrorKind::Status {
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or(""),
            body: excerpt(&text),
        };
        // 429 says the request was not processed (RFC 6585): sending it again is safe, and
        // what the application asked for. Any other 4xx is the application's verdict.
        if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
            Outcome::Retry { kind, after }
        } else {
            Outcome::Final(Err(kind))
        }
    }

    /// The id in a 2xx body.
    fn read_id(&self, body: &[u8], needs_id: bool) -> Result<JsonValue, HttpErrorKind> {
        let pointer = &self.inner.id_pointer;
        let missing = || HttpErrorKind::MissingId {
            pointer: pointer.clone(),
            body: excerpt(&String::from_utf8_lossy(body)),
        };
        if !needs_id {
            let id = serde_json::from_slice::<JsonValue>(body)
                .ok()
                .and_then(|v| v.pointer(pointer).cloned());
            return Ok(id.unwrap_or(JsonValue::Null));
        }
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(missing());
        }
        let document: JsonValue =
            serde_json::from_slice(body).map_err(|source| HttpErrorKind::Json {
                source,
                body: excerpt(&String::from_utf8_lossy(body)),
            })?;
        match document.pointer(pointer) {
            Some(id) if !id.is_null() => Ok(id.clone()),
            _ => Err(missing()),
        }
    }
}

/// Whether the sender waits for the answer or goes on (see [`HttpCommands::deliver`]).
#[derive(Clone, Copy)]
enum Lane {
    Awaited,
    Dispatched,
}

/// One command's request, as every attempt sends it.
struct Request {
    named: Named,
    url: Url,
    body: Vec<u8>,
    needs_id: bool,
}

/// What an error of a request names: the command, where it went, its key.
struct Named {
    command: String,
    url: String,
    key: String,
}

impl Named {
    fn error(&self, attempts: u32, elapsed: Duration, kind: HttpErrorKind) -> HttpError {
        HttpError {
            command: self.command.clone(),
            url: self.url.clone(),
            idempotency_key: self.key.clone(),
            attempts,
            elapsed,
            kind,
        }
    }
}

enum Outcome {
    Final(Result<JsonValue, HttpErrorKind>),
    /// Worth another attempt; `after` is the pause the application asked for.
    Retry {
        kind: HttpErrorKind,
        after: Option<Duration>,
    },
}

/// A `Retry-After` value: delay-seconds (`120`) or an IMF-fixdate (`Wed, 21 Oct 2015 07:28:00
/// GMT`, the HTTP-date form RFC 9110 asks senders to use), as the pause from `now`; `None` for
/// anything else (the backoff then decides).
fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    // `Sun, 06 Nov 1994 08:49:37 GMT`
    let rest = value.split_once(", ")?.1;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| m == month)? as i64
        + 1;
    let (day, year): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let hms: Vec<i64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, sec] = hms.as_slice() else {
        return None;
    };
    let at = days_from_civil(year, month, day) * 86_400 + h * 3_600 + m * 60 + sec;
    let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs() as i64;
    Some(Duration::from_secs(at.saturating_sub(now).max(0) as u64))
}

impl fmt::Debug for HttpCommands {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let route = match &self.inner.route {
            Route::Template(t) => t.as_str(),
            Route::Function(_) => "<function>",
        };
        f.debug_struct("HttpCommands")
            .field("route", &route)
            .field("body", &self.inner.body)
            .field("id_pointer", &self.inner.id_pointer)
            .field("run_id", &self.inner.run_id)
            .field("max_in_flight", &self.inner.max_in_flight)
            .field("retries", &self.inner.retries)
            .field("retry_for", &self.inner.retry_for)
            .field("backoff", &self.inner.backoff)
            .field("max_backoff", &self.inner.max_backoff)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

impl<A: Provider> CommandHandler<A> for HttpCommands {
    fn handle<'a>(
        &'a self,
        command: Command<'a, A>,
    ) -> BoxFuture<'a, Result<JsonValue, CommandError>> {
        Box::pin(async move { self.send(&command).await.map_err(CommandError::Http) })
    }

    fn dispatch(
        &self,
        command: Command<'_, A>,
    ) -> Option<BoxFuture<'static, Result<JsonValue, CommandError>>> {
        let request = self.prepare(&command);
        let client = self.clone();
        Some(Box::pin(async move {
            client
                .deliver(request.map_err(|e| *e)?, Lane::Dispatched)
                .await
                .map_err(CommandError::Http)
        }))
    }
}

impl HttpCommandsBuilder {
    /// The URL template: `{command}` (`CreateTenant`), `{aggregate}` (`Tenant`), `{table}`
    /// (`tenants`) and `{seq}` are replaced, e.g. `http://127.0.0.1:8080/api/{table}`.
    pub fn template(mut self, template: impl Into<String>) -> Self {
        self.route = Route::Template(template.into());
        self
    }

    /// Computes each command's URL with `route` instead of a template.
    pub fn route(
        mut self,
        route: impl Fn(&CommandInfo<'_>) -> String + Send + Sync + 'static,
    ) -> Self {
        self.route = Route::Function(Arc::new(route));
        self
    }

    /// What the body holds (default: the envelope).
    pub fn body(mut self, body: BodyFormat) -> Self {
        self.body = body;
        self
    }

    /// The JSON pointer of the assigned id in a 2xx response (default `/id`; `""` is the
    /// whole body, for an endpoint answering a bare `42`).
    pub fn id_pointer(mut self, pointer: impl Into<String>) -> Self {
        self.id_pointer = pointer.into();
        self
    }

    /// The run in the idempotency keys, in place of the Faker's seed (default: `seed<N>`;
    /// see [`Command::idempotency_key`]). A rerun meant to resume a run gives the same run id,
    /// a run meant to make another dataset of the same seed another one.
    pub fn run_id(mut self, run_id: impl Into<String>) -> Self {
        self.run_id = Some(run_id.into());
        self
    }

    /// The limit on requests in flight across every clone of the client (default 16).
    pub fn max_in_flight(mut self, limit: usize) -> Self {
        self.max_in_flight = limit;
        self
    }

    /// At most this many retries of a command besides the time limit of
    /// [`HttpCommandsBuilder::retry_for`] (default: no count, the time decides; 0 sends each
    /// command once).
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = Some(retries);
        self
    }

    /// How long a command is retried, from its first attempt: a retry whose pause would end
    /// later is not made, and the command fails with its last error (default 60 s: a fault
    /// mix of 20% failed attempts, or an outage of the application of half a minute, passes
    /// with the defaults). What fails (5xx, 429, a connection that fails or drops, a timeout)
    /// is retried; a 4xx other than 429 or a 2xx never is.
    pub fn retry_for(mut self, limit: Duration) -> Self {
        self.retry_for = limit;
        self
    }

    /// The longest pause before the first retry, doubled at each next one up to `max`
    /// (defaults 100 ms and 5 s); each pause is between half of it and all of it (jitter). A
    /// `Retry-After` of a 503 or 429 answer replaces it.
    pub fn backoff(mut self, base: Duration, max: Duration) -> Self {
        self.backoff = base;
        self.max_backoff = max;
        self
    }

    /// The time one attempt may take, from connecting to the end of the response body
    /// (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The time connecting may take (default 10 s; not applied to a client given with
    /// [`HttpCommandsBuilder::client`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Ignores the proxies of the environment (`HTTP_PROXY` and the like), e.g. for an
    /// application on the loopback interface. Not applied to a client given with
    /// [`HttpCommandsBuilder::client`].
    pub fn no_proxy(mut self) -> Self {
        self.no_proxy = true;
        self
    }

    /// Sends through this `reqwest` client (its TLS, proxies, default headers such as
    /// authorization); it should not follow redirects. The per-attempt timeout still applies.
    pub fn client(mut self, client: Client) -> Self {
        self.client = Some(client);
        self
    }

    /// Checks the configuration and makes the client.
    pub fn build(self) -> Result<HttpCommands, HttpConfigError> {
        if let Route::Template(template) = &self.route {
            check_template(template)?;
        }
        if !(self.id_pointer.is_empty() || self.id_pointer.starts_with('/')) {
            return Err(HttpConfigError::Pointer(self.id_pointer));
        }
        if self.max_in_flight == 0 || self.max_in_flight > Semaphore::MAX_PERMITS {
            return Err(HttpConfigError::Concurrency {
                got: self.max_in_flight,
                max: Semaphore::MAX_PERMITS,
            });
        }
        let run_id = match self.run_id {
            Some(id) => {
                let valid = !id.is_empty()
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
                if !valid {
                    return Err(HttpConfigError::RunId(id));
                }
                Some(id)
            }
            None => None,
        };
        let client = match self.client {
            Some(client) => client,
            None => {
                let mut builder = Client::builder()
                    .connect_timeout(self.connect_timeout)
                    .redirect(reqwest::redirect::Policy::none());
                if self.no_proxy {
                    builder = builder.no_proxy();
                }
                builder.build().map_err(HttpConfigError::Client)?
            }
        };
        Ok(HttpCommands {
            inner: Arc::new(Inner {
                client,
                route: self.route,
                body: self.body,
                id_pointer: self.id_pointer,
                run_id,
                fallback_run_id: fresh_run_id(),
                limit: Semaphore::new(self.max_in_flight),
                dispatched: Semaphore::new(self.max_in_flight.saturating_sub(1).max(1)),
                max_in_flight: self.max_in_flight,
                retries: self.retries,
                retry_for: self.retry_for,
                backoff: self.backoff,
                max_backoff: self.max_backoff,
                timeout: self.timeout,
                jitter: AtomicU64::new(
                    SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .map_or(0, |d| d.as_nanos() as u64),
                ),
            }),
        })
    }
}

/// Replaces the template's placeholders.
fn expand(template: &str, command: &CommandInfo<'_>) -> String {
    template
        .replace("{command}", command.name)
        .replace("{aggregate}", command.aggregate)
        .replace("{table}", &command.table)
        .replace("{seq}", &command.seq.to_string())
}

/// A template must give an absolute http(s) URL and use only known placeholders.
fn check_template(template: &str) -> Result<(), HttpConfigError> {
    let invalid = |reason: String| HttpConfigError::Template {
        template: template.to_string(),
        reason,
    };
    let payload = JsonValue::Null;
    let sample = expand(
        template,
        &CommandInfo {
            name: "CreateSample",
            aggregate: "Sample",
            table: "samples".into(),
            seq: 0,
            stream: 0,
            payload: &payload,
        },
    );
    if sample.contains(['{', '}']) {
        return Err(invalid(
            "unknown placeholder (known: {command}, {aggregate}, {table}, {seq})".into(),
        ));
    }
    let url = Url::parse(&sample).map_err(|e| invalid(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(format!(
            "scheme `{}` is not http or https",
            url.scheme()
        )));
    }
    Ok(())
}

/// A run id unlikely to repeat: the time, the process and a counter.
fn fresh_run_id() -> String {
    static CLIENTS: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mixed = (nanos as u64) ^ (u64::from(std::process::id()) << 32);
    format!("{mixed:x}.{}", CLIENTS.fetch_add(1, Ordering::Relaxed))
}

/// At most [`BODY_EXCERPT`] bytes of a body, cut at a character boundary.
fn excerpt(text: &str) -> String {
    if text.len() <= BODY_EXCERPT {
        return text.to_string();
    }
    let mut end = BODY_EXCERPT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// An error and its deepest cause: reqwest says "error sending request for url (..)", the
/// I/O error below says why ("Connection refused").
fn with_cause(error: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    if std::ptr::addr_eq(cause, error as &dyn std::error::Error) {
        error.to_string()
    } else {
        format!("{error}: {cause}")
    }
}

fn plural(n: &u32) -> &'static str {
    if *n == 1 { "" } else { "s" }
}

/// An HTTP command that failed: which command, where, under which key, after how many
/// attempts, and why.
#[derive(Debug, Error)]
#[error(
    "POST {url} (Idempotency-Key {idempotency_key}, {attempts} attempt{} in {:.1} s): {kind}",
    plural(.attempts),
    .elapsed.as_secs_f64()
)]
pub struct HttpError {
    /// `CreateTenant`.
    pub command: String,
    /// Where it was posted.
    pub url: String,
    /// The key every attempt carried.
    pub idempotency_key: String,
    /// Requests sent (0 when the request could not be made at all).
    pub attempts: u32,
    /// From the first attempt to giving up.
    pub elapsed: Duration,
    /// What went wrong at the last attempt.
    #[source]
    pub kind: HttpErrorKind,
}

/// What went wrong with an HTTP command.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum HttpErrorKind {
    /// The application answered with an error status: 4xx or 3xx at once, 5xx after the
    /// retries.
    #[error("the application answered {status} {reason}: {body}")]
    Status {
        status: u16,
        reason: &'static str,
        body: String,
    },
    /// No answer: connecting failed, the connection dropped, or the attempt timed out (after
    /// the retries, when these were retried).
    #[error("no answer: {}", with_cause(.0))]
    Transport(#[source] reqwest::Error),
    /// A 2xx answer whose body could not be read (not retried).
    #[error("the 2xx answer's body could not be read: {0}")]
    Body(#[source] reqwest::Error),
    /// A 2xx answer whose body is not JSON, where the id was needed (not retried).
    #[error("the 2xx answer is not JSON ({source}): {body}")]
    Json {
        source: serde_json::Error,
        body: String,
    },
    /// A 2xx answer without the assigned id (not retried).
    #[error("the 2xx answer has no id at `{pointer}`: {body}")]
    MissingId { pointer: String, body: String },
    /// The route gave an invalid URL.
    #[error("invalid URL: {0}")]
    Url(String),
    /// The command could not be serialised.
    #[error("cannot serialise the command: {0}")]
    Encode(#[source] serde_json::Error),
}

/// A configuration [`HttpCommandsBuilder::build`] refused.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum HttpConfigError {
    /// The URL template does not give an absolute http(s) URL.
    #[error("invalid command URL template `{template}`: {reason}")]
    Template { template: String, reason: String },
    /// The id pointer is not a JSON pointer.
    #[error("invalid id pointer `{0}`: a JSON pointer is empty or starts with `/`")]
    Pointer(String),
    /// The run id is empty or has characters other than ASCII letters, digits, `-`, `_`, `.`.
    #[error("invalid run id `{0}`: use ASCII letters, digits, `-`, `_` and `.`")]
    RunId(String),
    /// The limit on requests in flight is out of range.
    #[error("max_in_flight must be between 1 and {max}, got {got}")]
    Concurrency { got: usize, max: usize },
    /// reqwest could not build its client.
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(template: &str) -> HttpCommands {
        match HttpCommands::builder("http://127.0.0.1:1")
            .template(template)
            .backoff(Duration::from_millis(100), Duration::from_millis(450))
            .build()
        {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let c = client("http://h/{command}");
        let ms: Vec<u128> = (1..=5).map(|a| c.delay(a).as_millis()).collect();
        assert_eq!(ms, [100, 200, 400, 450, 450]);
        assert_eq!(c.delay(200).as_millis(), 450);
        // Each pause lies in [delay / 2, delay], and the pauses spread over that range.
        let pauses: Vec<Duration> = (0..200).map(|_| c.pause(3)).collect();
        assert!(
            pauses
                .iter()
                .all(|p| *p >= Duration::from_millis(200) && *p <= Duration::from_millis(400))
        );
        let (low, high) = (pauses.iter().min().unwrap(), pauses.iter().max().unwrap());
        assert!(
            *high - *low > Duration::from_millis(150),
            "{low:?}..{high:?}"
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = UNIX_EPOCH + Duration::from_secs(1_445_412_480); // Wed, 21 Oct 2015 07:28:00 GMT
        assert_eq!(retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        // A date in the past: retry now.
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        for junk in ["soon", "-5", "Wed, 21 Oct 2015 07:28:30 CET", ""] {
            assert_eq!(retry_after(junk, now), None, "{junk}");
        }
    }

    #[test]
    fn templates_expand_and_are_checked() {
        let payload = JsonValue::Null;
        let info = CommandInfo {
            name: "CreateBook",
            aggregate: "Book",
            table: "books".into(),
            seq: 7,
            stream: 0,
            payload: &payload,
        };
        let c = client("http://h:8/{table}/{aggregate}/{command}?n={seq}");
        assert_eq!(c.url(&info), "http://h:8/books/Book/CreateBook?n=7");
        let default = HttpCommands::new("http://h:8/api/").map(|c| c.url(&info));
        assert_eq!(
            default.ok().as_deref(),
            Some("http://h:8/api/commands/CreateBook")
        );
        for bad in ["http://h/{name}", "h/{command}", "ftp://h/{command}"] {
            let e = HttpCommands::builder("x").template(bad).build();
            assert!(matches!(e, Err(HttpConfigError::Template { .. })), "{bad}");
        }
        assert!(matches!(
            HttpCommands::builder("http://h").id_pointer("id").build(),
            Err(HttpConfigError::Pointer(_))
        ));
        assert!(matches!(
            HttpCommands::builder("http://h").max_in_flight(0).build(),
            Err(HttpConfigError::Concurrency { .. })
        ));
        assert!(matches!(
            HttpCommands::builder("http://h").run_id("a b").build(),
            Err(HttpConfigError::RunId(_))
        ));
    }

    #[test]
    fn excerpts_cut_at_char_boundaries() {
        let long = "é".repeat(400);
        let cut = excerpt(&long);
        assert!(cut.len() <= BODY_EXCERPT + "…".len());
        assert!(cut.ends_with('…'));
        assert_eq!(excerpt("short"), "short");
    }
}
