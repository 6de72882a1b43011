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
use ddd_faker::feed::{CsvFeed, HoldingSink, JsonlFeed, Sink};
use ddd_faker::provider::Faker;
use domain::{Author, AuthorId, Book, Tenant, TenantId};
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
    /// Generator threads sharing the database's pools and target (each with its own
    /// connections, seed and feeds under `OUT/worker-K`). Worker 0 uses `--seed` itself.
    #[arg(long, default_value_t = 1, requires = "database_url",
          value_parser = clap::value_parser!(u16).range(1..=64))]
    workers: u16,
    /// Set for the threads of `--workers`: no report, no progress, a summary instead.
    #[arg(skip)]
    worker: Option<u16>,
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

/// `--workers K`: K threads, each a whole generator with its own runtime, connections and seed,
/// cooperating through the database (shared pools, the target and its leases). Then the
/// dataset as a whole is checked with SQL.
fn run_workers(args: &Args, runtime: &tokio::runtime::Runtime) -> Result<(), String> {
    let started = Instant::now();
    let handles: Vec<_> = (0..args.workers)
        .map(|w| {
            let mut worker = args.clone();
            worker.worker = Some(w);
            worker.workers = 1;
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
    let mut failures = Vec::new();
    for (w, handle) in handles.into_iter().enumerate() {
        match handle.join() {
            Ok(Ok(n)) => created += n,
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
    let url = args.database_url.as_deref().unwrap_or_default();
    let summary = runtime.block_on(database::summary(url, &args.schema))?;
    eprint!("{summary}");
    Ok(())
}

/// Generates the books (or, on a database, what is missing of them); returns how many this
/// run stored.
async fn run(args: &Args) -> Result<u64, String> {
    if args.books == 0 {
        return Err("`--books` must be at least 1".into());
    }
    let mut faker = Faker::streaming(args.seed);
    // With a database a book's store may be refused after `create` returned it (bulk batches,
    // write-behind): its records wait in a holding sink until the store's outcome is known.
    // In memory every store is final, and the feeds are written directly.
    let mut held = args.database_url.is_some().then(HoldingSink::new);
    if matches!(args.format, Format::Jsonl | Format::Both) {
        let feed = JsonlFeed::create(&args.out).map_err(|e| e.to_string())?;
        add_feed(&mut faker, &mut held, feed);
    }
    if matches!(args.format, Format::Csv | Format::Both) {
        let dir = match args.format {
            Format::Both => args.out.join("csv"),
            _ => args.out.clone(),
        };
        let feed = CsvFeed::create(&dir).map_err(|e| e.to_string())?;
        add_feed(&mut faker, &mut held, feed);
    }

    // With a database the dataset lives there: reload what a previous run stored and create
    // only the books still missing.
    let mut attached = match &args.database_url {
        // Alone: `--bulk` in one process (the threads of `--workers` cooperate).
        Some(url) if args.bulk && !args.shared && args.worker.is_none() => {
            Some(database::attach_alone(&mut faker, url, &args.schema, args.batch_rows).await?)
        }
        Some(url) => {
            Some(database::attach(&mut faker, url, &args.schema, args.books, args.bulk).await?)
        }
        None => None,
    };
    if let (Some(mut held), Some(attached)) = (held, &attached) {
        held.defer::<Book>(attached.books.clone());
        faker.add_sink(held);
    }
    let existing = attached.as_ref().map_or(0, |a| a.done);
    let to_create = args.books.saturating_sub(existing);
    let progress = if args.worker.is_some() {
        Progress::Off
    } else {
        Progress::new(args)
    };
    // Uses per referenced id, counted as books stream past (they are not kept); Fx hashing,
    // since SipHash on two maps per book showed in the profile.
    let mut books_per_tenant: HashMap<TenantId, u64> = HashMap::default();
    let mut books_per_author: HashMap<AuthorId, u64> = HashMap::default();
    let mut foreign_authors = 0u64;
    let mut count = |book: Book| {
        let tenant = book.id().tenant_id;
        *books_per_tenant.entry(tenant).or_default() += 1;
        *books_per_author.entry(book.author_id()).or_default() += 1;
        if book.author_id().tenant_id != tenant {
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
        return Ok(created);
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
            (
                "Book.id.tenant_id",
                books_per_tenant.into_values().collect(),
            ),
            ("Book.author_id", books_per_author.into_values().collect()),
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
    Ok(created)
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
