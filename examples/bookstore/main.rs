//! The main job: generate the seed's multi-tenant bookstore (Tenant → Author → Book) with
//! production-like distributions, in memory, and write it as JSONL/CSV feeds plus a command log.
//!
//! ```text
//! cargo run --release --example bookstore -- --books 100000 --seed 7 --out /tmp/bookstore
//! ```
//!
//! Options: `--books N` (10 000), `--seed S` (42), `--out DIR` (`target/bookstore`),
//! `--format jsonl|csv|both` (jsonl), `--dynamic` (dynamic instead of planned distributors),
//! `--report-json PATH`, `--progress` / `--no-progress` (default: a bar when stderr is a
//! terminal); with a database, `--database-url URL [--schema NAME] [--bulk [--shared]]
//! [--workers K]`. At
//! the end a report compares the configured distributions with the achieved ones.

mod database;
mod domain;
mod report;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, ValueEnum};
use ddd_faker::feed::{CommandLog, CsvFeed, HoldingSink, JsonlFeed, Sink};
use ddd_faker::provider::Faker;
use ddd_faker::repository::InMemoryRepository;
use domain::{Author, Book, Tenant, TenantId};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rustc_hash::FxHashMap as HashMap;

/// Generate the seed's bookstore as feeds.
#[derive(Debug, Clone, Parser)]
#[command(name = "bookstore")]
struct Args {
    /// Number of books (>= 1).
    #[arg(long, default_value_t = 10_000)]
    books: u64,
    /// Seed of the random generator: the same seed gives byte-identical files.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Output directory (created if missing).
    #[arg(long, default_value = "target/bookstore")]
    out: PathBuf,
    /// Feed format.
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    format: Format,
    /// Dynamic distributors (values created on the fly, with the age effect) instead of planned.
    #[arg(long)]
    dynamic: bool,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    report_json: Option<PathBuf>,
    /// Show progress on stderr even when it is not a terminal (then as plain lines).
    #[arg(long, conflicts_with = "no_progress")]
    progress: bool,
    /// Never show a progress bar (the final report is still printed on stderr).
    #[arg(long)]
    no_progress: bool,
    /// Also store the dataset in PostgreSQL (application tables + faker's mirror). `--books` is
    /// then the target size: a rerun tops the dataset up to N instead of starting over.
    #[arg(long)]
    database_url: Option<String>,
    /// Schema for the application tables and the mirror (created if missing).
    #[arg(long, default_value = "bookstore", requires = "database_url")]
    schema: String,
    /// Write to PostgreSQL in COPY batches (keys reserved in blocks) instead of one
    /// transaction per aggregate. The process fills the schema alone (no other process may
    /// write it meanwhile, nor later with `--shared`), unless `--shared` is given.
    #[arg(long, requires = "database_url")]
    bulk: bool,
    /// With `--bulk`: cooperate with other processes filling the same schema (shared pools,
    /// one plan, the target leased in blocks), at the cost of that protocol. Per aggregate and
    /// with `--workers` the processes always cooperate.
    #[arg(long, requires = "bulk")]
    shared: bool,
    /// With `--bulk`: application rows (all tables) per `COPY` batch, one transaction each.
    /// Larger batches mean fewer commits and more memory (about 250 bytes a row buffered,
    /// two batches at a time).
    #[arg(long, default_value_t = 100_000, requires = "bulk",
          value_parser = clap::value_parser!(u64).range(1..))]
    batch_rows: u64,
    /// Generator threads, each with its own seed and feeds under `OUT/worker-K` (worker 0
    /// uses `--seed` itself). With a database they share its pools and target; in memory
    /// each generates its own share of the books with its own tenants and authors, keys
    /// interleaved so that no two workers assign the same one.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    workers: u16,
    /// Set for the threads of `--workers`: no report, no progress, a summary instead.
    #[arg(skip)]
    worker: Option<u16>,
    /// Set for the threads of `--workers` in memory: how many workers share the key space.
    #[arg(skip)]
    key_step: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Jsonl,
    Csv,
    Both,
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) if !e.use_stderr() => {
            print!("{e}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let text = e.to_string();
            eprintln!("{}", text.lines().next().unwrap_or("invalid arguments"));
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = if args.workers > 1 {
        run_workers(&args, &runtime)
    } else {
        runtime.block_on(run(&args)).map(|_| ())
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// `--workers K`: K threads, each a whole generator with its own runtime and seed. With a
/// database they cooperate through it (shared pools, the target and its leases), and the
/// dataset as a whole is checked with SQL; in memory each makes a disjoint share (its own
/// tenants and authors, interleaved keys), and their books per tenant are summed up.
fn run_workers(args: &Args, runtime: &tokio::runtime::Runtime) -> Result<(), String> {
    let started = Instant::now();
    // Bulk alone: this thread holds the schema for all workers, and the books still missing
    // are shared out among them.
    let alone = match args.database_url.as_deref() {
        Some(url) if args.bulk && !args.shared => {
            Some(runtime.block_on(database::hold_alone(url, &args.schema))?)
        }
        _ => None,
    };
    let to_share = match (&alone, &args.database_url) {
        (Some((_, done)), _) => Some(args.books.saturating_sub(*done)),
        (None, None) => Some(args.books),
        (None, Some(_)) => None,
    };
    let handles: Vec<_> = (0..args.workers)
        .map(|w| {
            let mut worker = args.clone();
            worker.worker = Some(w);
            worker.workers = 1;
            worker.key_step = args.workers;
            if let Some(books) = to_share {
                // In memory, or in bulk alone: each worker makes its share of the books.
                let k = u64::from(args.workers);
                worker.books = books / k + u64::from(u64::from(w) < books % k);
            }
            worker.report_json = None;
            worker.out = args.out.join(format!("worker-{w}"));
            // Worker 0 keeps the seed (one worker on a fresh database = the single run);
            // the others get well-separated streams.
            worker.seed = args
                .seed
                .wrapping_add(u64::from(w).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| format!("cannot start the async runtime: {e}"))?;
                runtime.block_on(run(&worker))
            })
        })
        .collect();
    let mut created = 0;
    let mut per_tenant = Vec::new();
    let mut failures = Vec::new();
    for (w, handle) in handles.into_iter().enumerate() {
        match handle.join() {
            Ok(Ok(made)) => {
                created += made.books;
                per_tenant.extend(made.per_tenant);
            }
            Ok(Err(e)) => failures.push(format!("worker {w}: {e}")),
            Err(_) => failures.push(format!("worker {w} panicked")),
        }
    }
    if !failures.is_empty() {
        return Err(failures.join("; "));
    }
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "{} workers: {created} books in {seconds:.1} s ({:.0} books/s)",
        args.workers,
        created as f64 / seconds.max(1e-9)
    );
    match args.database_url.as_deref() {
        Some(url) => {
            let summary = runtime.block_on(database::summary(url, &args.schema))?;
            eprint!("{summary}");
        }
        None => eprint!("{}", memory_summary(per_tenant)),
    }
    Ok(())
}

/// The workers' datasets together (in memory): their tenants are disjoint, so the books per
/// tenant of all of them are the dataset's.
fn memory_summary(mut per_tenant: Vec<u64>) -> String {
    per_tenant.sort_unstable_by(|a, b| b.cmp(a));
    let books: u64 = per_tenant.iter().sum();
    let tenants = per_tenant.len();
    // Quartiles of the tenants by books, most used first, as the seed's SQL (ntile(4)) takes them.
    let mut weights = [0.0f64; 4];
    for (i, n) in per_tenant.iter().enumerate() {
        weights[i * 4 / tenants.max(1)] += *n as f64 / books.max(1) as f64;
    }
    format!(
        "dataset: {books} books over {tenants} tenants\n\
         books per tenant: mean {:.2}, quartile weights {} (configured 0.70 0.20 0.07 0.03, mean 50)\n",
        books as f64 / tenants.max(1) as f64,
        weights.map(|w| format!("{w:.3}")).join(" ")
    )
}

/// Generates the books (or, on a database, what is missing of them); returns how many this
/// run stored.
/// What a run (or a worker) made: its books, and the books of each of its tenants.
struct Made {
    books: u64,
    per_tenant: Vec<u64>,
}

async fn run(args: &Args) -> Result<Made, String> {
    // A worker's share may be 0 (more workers than books left).
    if args.books == 0 && args.worker.is_none() {
        return Err("`--books` must be at least 1".into());
    }
    let mut faker = Faker::streaming(args.seed);
    if args.database_url.is_none()
        && let Some(w) = args.worker
    {
        // In memory, workers share no pool: worker `w` of `K` assigns the keys w + 1,
        // w + 1 + K, ... of every type, so their datasets are disjoint and together one.
        let (first, step) = (i64::from(w) + 1, i64::from(args.key_step.max(1)));
        let fail = |e: ddd_faker::provider::FakerError| e.to_string();
        faker
            .set_repository::<Tenant>(InMemoryRepository::new().keys(first, step))
            .map_err(fail)?;
        faker
            .set_repository::<Author>(InMemoryRepository::new().keys(first, step))
            .map_err(fail)?;
        faker
            .set_repository::<Book>(InMemoryRepository::keys_only().keys(first, step))
            .map_err(fail)?;
    }
    // With a database a book's store may be refused after `create` returned it (a bulk
    // batch's guard, write-behind): its records then wait in a holding sink until the store's
    // outcome is known — when the attached repositories report outcomes (see
    // `database::Attached::books`; bulk alone does not, and its records pass straight
    // through). In memory every store is final, and the feeds are written directly.
    let mut held = args.database_url.is_some().then(HoldingSink::new);
    if matches!(args.format, Format::Jsonl | Format::Both) {
        let feed = JsonlFeed::create(&args.out).map_err(|e| e.to_string())?;
        add_feed(&mut faker, &mut held, feed);
    }
    if matches!(args.format, Format::Csv | Format::Both) {
        // Beside the JSONL files (`books.csv` next to `books.jsonl`), so that a path is the
        // same whatever the format; the command log comes with every format.
        let feed = CsvFeed::create(&args.out).map_err(|e| e.to_string())?;
        add_feed(&mut faker, &mut held, feed);
        if matches!(args.format, Format::Csv) {
            let log = CommandLog::create(&args.out).map_err(|e| e.to_string())?;
            add_feed(&mut faker, &mut held, log);
        }
    }

    // With a database the dataset lives there: reload what a previous run stored and create
    // only the books still missing.
    let mut attached = match &args.database_url {
        // Alone: `--bulk` without `--shared`; with `--workers` the main thread holds the
        // schema and gave each worker its share of the books.
        Some(url) if args.bulk && !args.shared => {
            let held = match args.worker {
                None => {
                    let (lock, done) = database::hold_alone(url, &args.schema).await?;
                    (Some(lock), done)
                }
                Some(_) => (None, 0),
            };
            Some(
                database::attach_alone(&mut faker, url, &args.schema, args.batch_rows, held)
                    .await?,
            )
        }
        Some(url) => {
            Some(database::attach(&mut faker, url, &args.schema, args.books, args.bulk).await?)
        }
        None => None,
    };
    if let Some(mut held) = held {
        if let Some(books) = attached.as_ref().and_then(|a| a.books.clone()) {
            held.defer::<Book>(books);
        }
        faker.add_sink(held);
    }
    let existing = attached.as_ref().map_or(0, |a| a.done);
    let to_create = args.books.saturating_sub(existing);
    let progress = if args.worker.is_some() {
        Progress::Off
    } else {
        Progress::new(args)
    };
    // Uses per referenced id, counted as books stream past (they are not kept). Authors are
    // told apart by their own key alone: the repository assigns it from one sequence for all
    // tenants.
    let mut tally = BookTally::default();
    let mut foreign_authors = 0u64;
    let mut count = |book: Book| {
        let (tenant, author) = (book.id().tenant_id, book.author_id());
        tally.add(tenant.0, author.author_id.0, author.tenant_id.0);
        if author.tenant_id != tenant {
            foreign_authors += 1;
        }
    };

    let started = Instant::now();
    if !args.dynamic && to_create > 0 {
        // Planned mode: the distributors of the book's references know N in advance. Shared
        // on a database, the plan is for the whole target, whatever is done already: its slots
        // are shared with earlier runs and other processes, so together they follow one plan.
        // Alone, it is for the books this run creates.
        let planned = match &attached {
            Some(a) if !a.plan_whole_target => to_create,
            _ => args.books,
        };
        faker.plan::<Book>(planned).map_err(|e| e.to_string())?;
        // Said before generating: a conflict is known from the parameters alone.
        for warning in faker.plan_warnings() {
            eprintln!("plan warning: {warning}");
        }
    }
    let mut created = 0u64;
    let mut lease = attached.as_mut().and_then(|a| a.lease.take());
    while created < to_create {
        if let Some(lease) = &mut lease {
            if !lease.take_one().await? {
                break; // other processes generate the rest
            }
        }
        let book: Book = match faker.create().await {
            Ok(book) => book,
            // Other processes filled the dataset up to the target meanwhile.
            Err(e) if e.is_target_reached() => break,
            Err(e) => return Err(e.to_string()),
        };
        count(book);
        created += 1;
        if created % 1024 == 0 {
            progress.at(created);
        }
    }
    if let Some(writer) = attached.as_ref().and_then(|a| a.bulk.as_ref()) {
        // The last batch; books beyond the shared target (other processes filled it) are
        // dropped inside its transaction.
        let written = writer.finish().await.map_err(|e| e.to_string())?;
        created = created.saturating_sub(written.dropped);
    }
    if let Some(behind) = attached.as_ref().and_then(|a| a.behind.as_ref()) {
        // The books still in flight; those refused because other processes reached the
        // target meanwhile are not in the database.
        let totals = behind.finish().await.map_err(|e| e.to_string())?;
        created = created.saturating_sub(totals.refused);
    }
    if let Some(lease) = &lease {
        lease.release().await?;
    }
    faker.finish().map_err(|e| e.to_string())?;
    let seconds = started.elapsed().as_secs_f64();
    progress.done();

    if let Some(w) = args.worker {
        eprintln!(
            "worker {w}: {created} books in {seconds:.1} s ({:.0} books/s)",
            created as f64 / seconds.max(1e-9)
        );
        return Ok(Made {
            books: created,
            per_tenant: tally.per_tenant(),
        });
    }
    let authors_per_tenant = {
        let mut m: HashMap<TenantId, u64> = HashMap::default();
        for id in faker.pool::<Author>().into_iter().flat_map(|p| p.iter()) {
            *m.entry(id.tenant_id).or_default() += 1;
        }
        m
    };
    // Every tenant and author is pooled (they are referenced), whatever their repository.
    let tenants = faker.pool::<Tenant>().map_or(0, |p| p.len());
    let authors = faker.pool::<Author>().map_or(0, |p| p.len());
    let report = report::Report::new(
        &faker,
        args,
        report::Counts {
            books: created,
            tenants: tenants as u64,
            authors: authors as u64,
            foreign_authors,
            seconds,
        },
        &[
            ("Book.id.tenant_id", tally.per_tenant()),
            ("Book.author_id", tally.per_author()),
            (
                "Author.id.tenant_id",
                authors_per_tenant.into_values().collect(),
            ),
        ],
    );
    eprint!("{}", report.table());
    if let Some(path) = &args.report_json {
        report.write_json(path)?;
    }
    Ok(Made {
        books: created,
        per_tenant: Vec::new(),
    })
}

/// Books per author and per tenant, counted as books stream past. One record per author
/// key (assigned by the repository, dense from 1): its books and its tenant, in a vector
/// indexed by the key, with a map for keys beyond it. A tenant's books are the sum of its
/// authors' — a book's tenant is its author's, which the domain guarantees (and the report
/// checks); a book for which that fails moves its count on the side. At 10^7 books the
/// authors and tenants read at random outgrow the cache: one record read per book instead of
/// two counters (or two hash maps: 8% of the run) is one cache miss less. Books are counted
/// in batches: the batch's records are read together first, so that their misses overlap
/// instead of each book waiting for its own.
#[derive(Default)]
struct BookTally {
    /// Books not counted yet: (tenant, author key, author's tenant).
    pending: Vec<(i64, i64, i64)>,
    /// Per author key: books, and tenant id + 1 (0 until the first book).
    dense: Vec<(u32, u32)>,
    /// Authors whose key, count or tenant does not fit `dense`: books and tenant.
    sparse: HashMap<i64, (u64, i64)>,
    /// Books counted under another tenant than their own: + for theirs, - for the other.
    moved: HashMap<i64, i64>,
}

impl BookTally {
    /// Author keys below this are counted in the vector (128 MiB at most).
    const DENSE: i64 = 1 << 24;
    /// Books counted together.
    const BATCH: usize = 256;

    fn add(&mut self, tenant: i64, author: i64, author_tenant: i64) {
        self.pending.push((tenant, author, author_tenant));
        if self.pending.len() >= Self::BATCH {
            self.flush();
        }
    }

    /// Counts the pending books: their records read first, all at once (independent loads,
    /// which the processor overlaps), then updated from cache.
    fn flush(&mut self) {
        let mut pending = std::mem::take(&mut self.pending);
        let touched = pending
            .iter()
            .filter_map(|&(_, author, _)| self.dense.get(usize::try_from(author).ok()?))
            .fold(0u32, |acc, record| acc ^ record.0);
        std::hint::black_box(touched);
        for (tenant, author, author_tenant) in pending.drain(..) {
            self.count(tenant, author, author_tenant);
        }
        self.pending = pending;
    }

    fn count(&mut self, tenant: i64, author: i64, author_tenant: i64) {
        let dense = match (usize::try_from(author), u32::try_from(author_tenant + 1)) {
            (Ok(at), Ok(t)) if author < Self::DENSE && t != u32::MAX => Some((at, t)),
            _ => None,
        };
        let counted_under = match dense {
            Some((at, t)) => {
                if self.dense.len() <= at {
                    self.dense.resize((at + 1).next_power_of_two(), (0, 0));
                }
                let (books, of) = &mut self.dense[at];
                match books.checked_add(1) {
                    Some(n) if *of == 0 || *of == t => {
                        *books = n;
                        *of = t;
                        author_tenant
                    }
                    // The author's books count under the tenant first seen with it.
                    Some(n) => {
                        *books = n;
                        i64::from(*of) - 1
                    }
                    None => self.add_sparse(author, author_tenant),
                }
            }
            None => self.add_sparse(author, author_tenant),
        };
        if counted_under != tenant {
            *self.moved.entry(tenant).or_default() += 1;
            *self.moved.entry(counted_under).or_default() -= 1;
        }
    }

    /// Counts a book of `author` on the side; the tenant it counts under.
    fn add_sparse(&mut self, author: i64, author_tenant: i64) -> i64 {
        let (books, of) = self.sparse.entry(author).or_insert((0, author_tenant));
        *books += 1;
        *of
    }

    /// The books of every author with books, in no particular order.
    fn per_author(&mut self) -> Vec<u64> {
        self.flush();
        let mut counts: HashMap<i64, u64> = HashMap::default();
        for (key, &(books, _)) in self.dense.iter().enumerate() {
            if books > 0 {
                *counts.entry(key as i64).or_default() += u64::from(books);
            }
        }
        for (&key, &(books, _)) in &self.sparse {
            *counts.entry(key).or_default() += books;
        }
        counts.into_values().collect()
    }

    /// The books of every tenant with books, in no particular order.
    fn per_tenant(&mut self) -> Vec<u64> {
        self.flush();
        let mut counts: HashMap<i64, i64> = self.moved.clone();
        for &(books, tenant) in &self.dense {
            if books > 0 {
                *counts.entry(i64::from(tenant) - 1).or_default() += i64::from(books);
            }
        }
        for &(books, tenant) in self.sparse.values() {
            *counts.entry(tenant).or_default() += books as i64;
        }
        counts
            .into_values()
            .filter(|&n| n > 0)
            .map(|n| n as u64)
            .collect()
    }
}

/// Adds a feed to the holding sink when there is one, else straight to the Faker.
fn add_feed(faker: &mut Faker, held: &mut Option<HoldingSink>, feed: impl Sink + 'static) {
    match held {
        Some(held) => {
            held.add(feed);
        }
        None => {
            faker.add_sink(feed);
        }
    }
}

/// Progress on stderr: an indicatif bar (rate, ETA) on a terminal; plain lines every 10% when
/// forced with `--progress` on something else (a log file, a CI console); nothing with
/// `--no-progress`.
enum Progress {
    Bar(ProgressBar),
    Lines {
        total: u64,
        started: Instant,
        next: std::cell::Cell<u64>,
    },
    Off,
}

impl Progress {
    fn new(args: &Args) -> Progress {
        let terminal = std::io::stderr().is_terminal();
        if args.no_progress || !(args.progress || terminal) {
            return Progress::Off;
        }
        if !terminal {
            return Progress::Lines {
                total: args.books,
                started: Instant::now(),
                next: std::cell::Cell::new(args.books.div_ceil(10)),
            };
        }
        let bar = ProgressBar::with_draw_target(Some(args.books), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{bar:40} {pos}/{len} books  {per_sec}  ETA {eta}")
        {
            bar.set_style(style);
        }
        Progress::Bar(bar)
    }

    fn at(&self, done: u64) {
        match self {
            Progress::Bar(bar) => bar.set_position(done),
            Progress::Lines {
                total,
                started,
                next,
            } if done >= next.get() => {
                let rate = done as f64 / started.elapsed().as_secs_f64().max(1e-9);
                eprintln!("{done}/{total} books ({rate:.0} books/s)");
                next.set(next.get() + total.div_ceil(10));
            }
            _ => {}
        }
    }

    fn done(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}
