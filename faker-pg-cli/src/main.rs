//! `faker-pg`: read distributions off a PostgreSQL database, and check a generated database
//! against them.
//!
//! ```text
//! faker-pg profile --database-url URL --table T --column C [--column C2 ..] [--schema S] [--json] [--buckets N]
//! faker-pg profile --database-url URL --schema S --all [--table T] [--json]
//! faker-pg scaffold --database-url URL --schema S --out DIR [--table T ..] [--ddd-faker-path DIR]
//! faker-pg compare --source URL --target URL [--schema S] [--target-schema S2] [--table T [--column C ..]]
//!                  [--tolerance weights=0.03,mean=5%,null=0.01,skew=10%,r2=0.9,values=0.03,quantiles=0.01]
//! faker-pg plans --source URL --target URL --queries FILE [--schema S] [--target-schema S2]
//!                [--min-same 0.9] [--scale RATIO] [--json]
//! ```
//!
//! All statistics are computed by aggregate queries on the server (one scan per column); only
//! the results travel. Sessions are read-only (`default_transaction_read_only`).
//!
//! Exit codes: 0 success; 1 `compare` found a figure out of tolerance, or fewer `plans` than
//! `--min-same` got production's shape; 2 an error (one line on
//! stderr each: connection, unknown schema/table/column, permission, empty table, bad arguments,
//! a failed catalog lookup — also of a column's foreign key, which decides what `compare` checks).
//!
//! The work is faker-pg's [`faker_pg::profiler`]; this crate is only its command line, kept out of
//! the library so that faker-pg does not depend on clap. Modules:
//!
//! * [`profile`] — `faker-pg profile`;
//! * [`compare`] — `faker-pg compare`;
//! * [`plans`] — `faker-pg plans` (plan fidelity, `faker_pg::fidelity`);
//! * [`session`] — what both share: common options, read-only sessions, the schema to work in, a
//!   subject's foreign key, error and progress lines.
//!
//! `main` imports `profile` and `compare`, which import `session`; nothing imports back.

mod compare;
mod plans;
mod profile;
mod scaffold;
mod session;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::session::{EXIT_ERROR, error_line};

#[derive(Parser)]
#[command(
    name = "faker-pg",
    version,
    about = "Read distributor parameters (weights, skew, mean, null_weight) off a PostgreSQL \
             database, and check a generated database against them",
    after_help = "Exit codes: 0 success; 1 compare: a figure is out of tolerance; 2 error \
                  (one line on stderr)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Profile one column (or a tuple of columns), or every foreign key and low-cardinality
    /// column of a schema, and suggest a #[distributor(..)] for each.
    Profile(profile::ProfileArgs),
    /// Profile the same columns in two databases (or schemas) and check each figure against a
    /// tolerance; exit code 1 when any figure is out of tolerance.
    Compare(compare::CompareArgs),
    /// Read a schema (tables, keys, references, each column's law, relations between
    /// references) and write a cargo crate that fills a database like it.
    Scaffold(scaffold::ScaffoldArgs),
    /// Plan the queries of a query file on two databases (production, generated) and compare
    /// the plans' shapes node by node; exit code 1 when fewer than --min-same of them agree.
    Plans(plans::PlansArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            error_line(&format!("cannot start the async runtime: {err}"));
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let code = runtime.block_on(async {
        match cli.command {
            Command::Profile(args) => profile::profile(args).await,
            Command::Compare(args) => compare::compare(args).await,
            Command::Scaffold(args) => scaffold::scaffold(args).await,
            Command::Plans(args) => plans::plans(args).await,
        }
    });
    ExitCode::from(code)
}
