//! Commands per second through `HttpRepository`, one Faker, against the loopback test
//! application of the `commands` tests: books with their authors and tenants (a book waits
//! for its author, the author for its tenant), in three conditions — no faults, the fault mix
//! (per attempt 10% 500, 5% closed before processing, 5% answered after 2 s, 5% answered
//! never), and 2 s answers alone (5% of answers after 2 s) — each one command at a time
//! (`set_pipeline(1)`) and pipelined (the default), with the client's defaults.
//!
//! ```sh
//! cargo run --release -p faker-core --features http --example http_commands
//! cargo run --release -p faker-core --features http --example http_commands -- --books 2000 --slow-books 300
//! ```
//!
//! One command at a time, a 2 s answer stops the whole run for 2 s, so those rows use
//! `--slow-books` books (default 300) to finish in minutes; a rate per command does not depend
//! on the run's length once it holds a few hundred commands.

#[path = "../tests/commands/fixtures.rs"]
#[allow(dead_code)]
mod fixtures;
#[path = "../tests/commands/http_server.rs"]
#[allow(dead_code)]
mod http_server;

use std::time::{Duration, Instant};

use faker_core::command::{HttpCommands, HttpRepository};
use faker_core::provider::Faker;

use fixtures::{Author, Book, Tenant};
use http_server::{Fault, FaultMix, TestServer};

/// One condition of the application.
#[derive(Clone, Copy)]
enum Condition {
    NoFaults,
    FaultMix,
    LateAnswers,
}

impl Condition {
    fn name(self) -> &'static str {
        match self {
            Condition::NoFaults => "no faults",
            Condition::FaultMix => "fault mix",
            Condition::LateAnswers => "2 s answers (5%)",
        }
    }

    fn mix(self) -> Option<FaultMix> {
        let late = Fault::CreateThenStall(Duration::from_secs(2));
        let faults = match self {
            Condition::NoFaults => return None,
            Condition::FaultMix => vec![
                (0.10, Fault::Status(500)),
                (0.05, Fault::Drop),
                (0.05, late),
                (0.05, Fault::CreateThenDrop),
            ],
            Condition::LateAnswers => vec![(0.05, late)],
        };
        Some(FaultMix { faults, state: 7 })
    }
}

/// What one run measured.
struct Measured {
    commands: usize,
    seconds: f64,
    most_in_flight: usize,
}

async fn run(
    condition: Condition,
    pipelined: bool,
    books: u64,
) -> Result<Measured, Box<dyn std::error::Error>> {
    let server = TestServer::start().await;
    server.with(|s| s.mix = condition.mix());
    let client = HttpCommands::builder(&server.base()).no_proxy().build()?;
    let mut faker = Faker::new(5);
    if !pipelined {
        faker.set_pipeline(1);
    } else if let Some(depth) = std::env::var("PIPELINE").ok().and_then(|d| d.parse().ok()) {
        faker.set_pipeline(depth);
    }
    faker.set_repository::<Tenant>(HttpRepository::new(client.clone()))?;
    faker.set_repository::<Author>(HttpRepository::new(client.clone()))?;
    faker.set_repository::<Book>(HttpRepository::new(client))?;
    let started = Instant::now();
    let made = faker.create_many::<Book>(books).await?;
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(made.len() as u64, books);
    server.assert_no_duplicates();
    Ok(Measured {
        commands: server.created().len(),
        seconds,
        most_in_flight: server.with(|s| s.max_in_flight),
    })
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let books = arg("--books", 2_000);
    let slow_books = arg("--slow-books", 300);
    println!("| condition | one at a time | pipelined | pipelined / one at a time |");
    println!("|---|---|---|---|");
    for condition in [
        Condition::NoFaults,
        Condition::FaultMix,
        Condition::LateAnswers,
    ] {
        let baseline_books = match condition {
            Condition::NoFaults => books,
            _ => slow_books,
        };
        let one = run(condition, false, baseline_books).await?;
        let piped = run(condition, true, books).await?;
        let rate = |m: &Measured| m.commands as f64 / m.seconds;
        println!(
            "| {} | {:.1} commands/s ({} in {:.1} s) | {:.1} commands/s ({} in {:.1} s, up to {} in flight) | {:.1}× |",
            condition.name(),
            rate(&one),
            one.commands,
            one.seconds,
            rate(&piped),
            piped.commands,
            piped.seconds,
            piped.most_in_flight,
            rate(&piped) / rate(&one),
        );
    }
    Ok(())
}
