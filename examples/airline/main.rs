//! Flights of airlines between airports: relations between references, configured and achieved.
//!
//! ```sh
//! cargo run --release --example airline                        # 100 000 flights in memory
//! cargo run --release --example airline -- --database-url postgres://postgres@127.0.0.1:5432/test \
//!     --schema airline [--bulk]                                # into PostgreSQL tables
//! ```
//!
//! Options: `--flights N` (100 000, the size the domain's parameters are written for), `--seed S`
//! (7), `--database-url URL` with `--schema S` (`airline`, dropped and created) and `--bulk`
//! (`COPY` batches instead of one statement per aggregate).
//!
//! The report compares each relation with its configuration: the route law (distinct routes,
//! quartile shares), each airport column's own law, the planes' law inside their airlines, the
//! flights without a plane, the refusals, and the violations (a flight from an airport to
//! itself, a plane of another airline) — always 0.

mod database;
mod domain;

use std::collections::HashMap;
use std::hash::Hash;
use std::process::ExitCode;

use clap::Parser;
use ddd_faker::estimate::Profile;
use ddd_faker::provider::Faker;
use sqlx::PgPool;

use domain::{FLIGHTS, Flight};

#[derive(Parser)]
#[command(about = "Flights with relations between references: differ, joint law, ownership")]
struct Args {
    /// Number of flights.
    #[arg(long, default_value_t = FLIGHTS)]
    flights: u64,
    /// Seed of the generator.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Write into PostgreSQL at this URL instead of keeping the aggregates in memory.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// Schema for the tables (dropped and created).
    #[arg(long, default_value = "airline")]
    schema: String,
    /// `COPY` batches instead of one statement per aggregate.
    #[arg(long, requires = "database_url")]
    bulk: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args).await {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("airline: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &Args) -> Result<String, String> {
    let mut faker = Faker::new(args.seed);
    let writer = match &args.database_url {
        Some(url) => {
            let pool = PgPool::connect(url)
                .await
                .map_err(|e| format!("cannot connect to {url}: {e}"))?;
            database::create_schema(&pool, &args.schema).await?;
            Some(database::attach(&mut faker, &pool, &args.schema, args.bulk).await?)
        }
        None => None,
    };
    faker
        .plan::<Flight>(args.flights)
        .map_err(|e| e.to_string())?;
    for warning in faker.plan_warnings() {
        eprintln!("plan warning: {warning}");
    }
    let mut flights = Vec::with_capacity(usize::try_from(args.flights).unwrap_or(0));
    faker
        .create_each::<Flight>(args.flights, |f| flights.push(f))
        .await
        .map_err(|e| e.to_string())?;
    if let Some(writer) = writer {
        writer.finish().await?;
    }
    Ok(report(&faker, &flights))
}

fn uses<K: Hash + Eq>(keys: impl Iterator<Item = K>) -> Vec<u64> {
    let mut counts: HashMap<K, u64> = HashMap::new();
    for k in keys {
        *counts.entry(k).or_default() += 1;
    }
    counts.into_values().collect()
}

fn shares(p: &Profile) -> String {
    p.quartile_shares
        .iter()
        .map(|s| format!("{s:.3}"))
        .collect::<Vec<_>>()
        .join(" / ")
}

/// Quartile shares of the skew law `F(x) = x^(1/skew)`.
fn skew_shares(skew: f64) -> String {
    let f = |x: f64| x.powf(1.0 / skew);
    [f(0.25), f(0.5) - f(0.25), f(0.75) - f(0.5), 1.0 - f(0.75)]
        .iter()
        .map(|s| format!("{s:.3}"))
        .collect::<Vec<_>>()
        .join(" / ")
}

/// Configured against achieved, per relation.
fn report(faker: &Faker, flights: &[Flight]) -> String {
    let n = flights.len() as f64;
    let routes = Profile::from_counts(&uses(flights.iter().map(|f| (f.origin(), f.dest()))), 0);
    let origin = Profile::from_counts(&uses(flights.iter().map(|f| f.origin())), 0);
    let dest = Profile::from_counts(&uses(flights.iter().map(|f| f.dest())), 0);
    let planes = Profile::from_counts(&uses(flights.iter().filter_map(|f| f.tailnum())), 0);
    let with_plane = flights.iter().filter(|f| f.tailnum().is_some()).count() as f64;
    let same_airport = flights.iter().filter(|f| f.origin() == f.dest()).count();
    let foreign_plane = flights
        .iter()
        .filter(|f| f.tailnum().is_some_and(|p| p.carrier != f.carrier()))
        .count();
    let in_curfew = flights
        .iter()
        .filter(|f| f.departure_minute() < domain::CURFEW_MINUTES)
        .count();
    let refused = faker.refusals::<Flight>();
    let mut out = format!("airline: {} flights\n", flights.len());
    out.push_str(&format!(
        "{:<34} {:<52} {}\n",
        "relation", "configured", "achieved"
    ));
    let mut row = |what: &str, configured: String, achieved: String| {
        out.push_str(&format!("{what:<34} {configured:<52} {achieved}\n"));
    };
    row(
        "routes (origin, dest): joint law",
        format!("skew 1.5 ({}), mean 200", skew_shares(1.5)),
        format!(
            "{} routes, {}, mean {:.1}",
            routes.distinct,
            shares(&routes),
            routes.mean_uses
        ),
    );
    for (what, p) in [
        ("origin: own law", &origin),
        ("dest: own law, differ(origin)", &dest),
    ] {
        row(
            what,
            format!("skew 2 ({}), mean 1000", skew_shares(2.0)),
            format!(
                "{} airports, {}, mean {:.1}",
                p.distinct,
                shares(p),
                p.mean_uses
            ),
        );
    }
    row(
        "tailnum: same(carrier = carrier)",
        "weights 0.600 / 0.250 / 0.100 / 0.050, mean 50".into(),
        format!(
            "{} planes, {}, mean {:.2}",
            planes.distinct,
            shares(&planes),
            planes.mean_uses
        ),
    );
    row(
        "tailnum: null_weight",
        "0.02".into(),
        format!("{:.4}", 1.0 - with_plane / n),
    );
    row(
        "refusals (curfew, 72 of 1440 min)",
        "0.05 of the attempts".into(),
        format!(
            "{refused} ({:.4} of the attempts)",
            refused as f64 / (refused as f64 + n).max(1.0)
        ),
    );
    out.push_str(&format!(
        "violations: {same_airport} flights from an airport to itself, {foreign_plane} planes of \
         another airline, {in_curfew} departures in the curfew\n"
    ));
    // Said in full before generating: pointed to, not repeated.
    let warnings = faker.plan_warnings().len();
    if warnings > 0 {
        out.push_str(&format!(
            "configured figures that cannot all hold: see the {warnings} plan warning{} above\n",
            if warnings == 1 { "" } else { "s" }
        ));
    }
    out
}
