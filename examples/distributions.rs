//! Try a distributor and see what it really produces.
//!
//! ```text
//! cargo run --release --example distributions -- --weights 0.7,0.2,0.07,0.03 --mean 50 --draws 100000 --seed 1
//! cargo run --release --example distributions -- --skew 2 --mean 50 --null-weight 0.2
//! cargo run --release --example distributions -- --weights 0.7,0.2,0.07,0.03 --mean 50 --dynamic
//! ```
//!
//! It makes `--draws` draws of one many-to-one distributor (planned mode unless `--dynamic`),
//! creating a new value whenever the distributor asks for one, and prints one JSON object with
//! what the draws achieved, computed with the same estimators (and the same math as the SQL
//! users run on production) as everything else in ddd-faker:
//! `draws`, `nulls`, `distinct`, `mean_uses`, `null_share`, `quartile_shares` (share of the
//! non-null draws held by each quarter of the values ranked by use count, as `ntile(4)`),
//! `skew_estimate`, `alpha` and `r2` (log-log fit of use count on rank, tail beyond 90%
//! dropped; `skew_estimate` is null when the fit is steeper than any skew, `alpha >= 1`),
//! and `seconds` (time spent drawing).

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use ddd_faker::distributor::{DistributorConfig, Draw, ManyToOne, Plannable, Pool};
use ddd_faker::estimate::Profile;
use ddd_faker::rng::seeded;
use serde_json::json;

/// Draw from a many-to-one distributor and report the distribution it achieved.
#[derive(Debug, Parser)]
#[command(name = "distributions")]
struct Args {
    /// Partition weights, comma separated (e.g. 0.7,0.2,0.07,0.03).
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    weights: Option<Vec<f64>>,
    /// Power-law skew (>= 1; 1 is uniform).
    #[arg(long, allow_negative_numbers = true)]
    skew: Option<f64>,
    /// Average uses per value (>= 1; 1 means unique values). Default 50 with a law, else 1.
    #[arg(long, allow_negative_numbers = true)]
    mean: Option<f64>,
    /// Probability of a null, in [0, 1].
    #[arg(long, allow_negative_numbers = true)]
    null_weight: Option<f64>,
    /// Number of draws (>= 1).
    #[arg(long, default_value_t = 100_000)]
    draws: u64,
    /// Seed of the random generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Dynamic mode (values created on the fly, with the age effect) instead of planned mode.
    #[arg(long)]
    dynamic: bool,
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) if !e.use_stderr() => {
            // --help / --version
            print!("{e}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let rendered = e.to_string();
            let line = rendered.lines().next().unwrap_or("invalid arguments");
            eprintln!("{line}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(report) => {
            println!("{report:#}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &Args) -> Result<serde_json::Value, String> {
    if args.draws == 0 {
        return Err("`--draws` must be at least 1".into());
    }
    let config = DistributorConfig {
        weights: args.weights.clone(),
        skew: args.skew,
        mean: args.mean,
        null_weight: args.null_weight,
        ..Default::default()
    };
    let mut distributor = config.build().map_err(|e| e.to_string())?;
    if !args.dynamic {
        Plannable::plan(&mut distributor, args.draws).map_err(|e| e.to_string())?;
    }

    let mut rng = seeded(args.seed);
    let mut pool: Pool<u64> = Pool::new();
    // uses[v] = draws that returned value v; values are 0, 1, 2, ... in creation order.
    let mut uses: Vec<u64> = Vec::new();
    let mut nulls = 0u64;

    let started = Instant::now();
    for _ in 0..args.draws {
        match distributor.draw_position(&pool, &mut rng) {
            Draw::Reuse(position) => uses[position] += 1,
            Draw::Create(ticket) => {
                let value = uses.len() as u64;
                let position = distributor.fulfil(&mut pool, ticket, value);
                debug_assert_eq!(position, uses.len());
                uses.push(1);
            }
            Draw::Null => nulls += 1,
        }
    }
    let seconds = started.elapsed().as_secs_f64();

    let profile = Profile::from_counts(&uses, nulls);
    let inner = distributor.inner();
    Ok(json!({
        "mode": if args.dynamic { "dynamic" } else { "planned" },
        "seed": args.seed,
        "config": {
            "weights": args.weights,
            "skew": args.skew,
            "mean": inner.mean().get(),
            "null_weight": distributor.null_weight().get(),
            "planned_slots": inner.planned_slots(),
        },
        "draws": args.draws,
        "nulls": profile.nulls,
        "distinct": profile.distinct,
        "mean_uses": profile.mean_uses,
        "null_share": profile.null_share,
        "quartile_shares": profile.quartile_shares,
        // JSON has no infinity: a fit steeper than any skew (alpha >= 1) prints null here,
        // and `alpha` tells the slope.
        "skew_estimate": profile.skew.map(|f| f.skew).filter(|s| s.is_finite()),
        "alpha": profile.skew.map(|f| f.alpha),
        "r2": profile.skew.map(|f| f.r2),
        "seconds": seconds,
    }))
}
