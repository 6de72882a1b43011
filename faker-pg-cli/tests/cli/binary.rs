//! The built `faker-pg` binary, run as a user would: exit code, stdout and stderr, and its
//! `--json` output read back.

use std::process::Command;

use faker_pg::Ident;
use serde_json::Value;

use crate::support::database_url;

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_faker-pg");

pub(crate) struct Run {
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Runs the built `faker-pg` binary (without `DATABASE_URL` in its environment).
pub(crate) fn faker_pg(args: &[&str]) -> Run {
    let out = Command::new(BIN)
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run faker-pg");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

impl Run {
    pub(crate) fn ok(self) -> Run {
        assert_eq!(
            self.code,
            Some(0),
            "faker-pg failed\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Exit code 2, nothing on stdout, exactly one line on stderr, which mentions `needle`.
    pub(crate) fn one_line_error(&self, needle: &str) {
        assert_eq!(
            self.code,
            Some(2),
            "stdout {}\nstderr {}",
            self.stdout,
            self.stderr
        );
        assert_eq!(self.stdout, "", "stderr {}", self.stderr);
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{}", self.stderr);
        assert!(lines[0].starts_with("faker-pg: error: "), "{}", self.stderr);
        assert!(lines[0].contains(needle), "{:?} lacks {needle:?}", lines[0]);
    }
}

/// The objects of `--json` output, one per line.
pub(crate) fn json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}")))
        .collect()
}

pub(crate) fn find<'a>(reports: &'a [Value], table: &str, column: &str) -> &'a Value {
    reports
        .iter()
        .find(|r| r["table"] == table && r["column"] == column)
        .unwrap_or_else(|| panic!("no report for {table}.{column} in {reports:#?}"))
}

pub(crate) fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"))
}

/// `faker-pg compare` of schema `source` against schema `target` of the test database, with
/// `extra` arguments.
pub(crate) fn compare_schemas(source: &Ident, target: &Ident, extra: &[&str]) -> Run {
    let url = database_url();
    let mut args = vec![
        "compare",
        "--source",
        &url,
        "--target",
        &url,
        "--schema",
        source.as_str(),
        "--target-schema",
        target.as_str(),
    ];
    args.extend_from_slice(extra);
    faker_pg(&args)
}
