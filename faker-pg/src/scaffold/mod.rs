//! `faker-pg scaffold`: from a production schema to a crate that fills a database like it.
//!
//! [`read_schema`] reads the schema with the profiler (tables, keys, references declared and
//! found in the data, each column's law, the relations between a table's references) into a
//! [`SchemaModel`]; [`files`] writes that model as a cargo crate, one `#[derive(Provider)]`
//! struct per table, whose `main` creates the tables in a target database and fills them at
//! production's row counts through the bulk writer; [`write_crate`] puts the files on disk.
//!
//! What each column becomes:
//!
//! | production | generated field |
//! |---|---|
//! | one-column integer primary key | `#[provider(id, auto_key)]`, an identity column |
//! | other one-column primary key | `#[provider(id, with = ..)]`, unique codes |
//! | reference (declared, or found in the data) | `#[reference(Target)]` with the profiled `#[distributor(..)]` |
//! | at most `max_values` distinct values | `#[provider(one_of = [..], weights = [..])]` |
//! | number, date, timestamp | `#[provider(quantiles = [..])]` (production's histogram) |
//! | text | a `fake` faker chosen by the column's name, cut to the column's length, unique when production's values are |
//! | pairs of references | `differ(..)` (never equal), `follows(..)` (ownership: one determines the other) or `#[joint(..)]` (pairs that repeat), as [`crate::profiler::relations`] measures them |
//! | a value list a reference decides (degree ≥ 0.95, and more than chance: [`crate::profiler::relations::dependency_evidence`]) | `#[provider(one_of = .., follows(reference))]`: one value per reference value |
//!
//! Columns with nulls become `Option` fields that keep production's null share.

mod emit;
mod model;
mod naming;
mod read;

use std::path::{Path, PathBuf};

pub use emit::{CrateFile, CrateOptions, Dependency, files};
pub use model::{
    ColumnModel, Distribution, Joint, Key, LiteralKind, ReferenceModel, SchemaModel, Source,
    TableModel, TextShape,
};
pub use naming::{field_name, type_name};
pub use read::{ReadOptions, read_schema};

use crate::profiler::profile::ProfileError;

/// What can go wrong while scaffolding.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// The schema has no table.
    #[error("schema {0} has no tables")]
    NoTables(String),
    /// A table asked for is not in the schema.
    #[error("table {0} not found")]
    UnknownTable(String),
    /// The catalog returned a name that is no identifier.
    #[error("unexpected name in the catalog: {0}")]
    Catalog(String),
    /// A query failed.
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
    /// Profiling a column failed.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// Writing the crate failed.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The output directory holds a crate already.
    #[error("{} exists already and is not empty: choose another --out, or remove it", .0.display())]
    NotEmpty(PathBuf),
}

/// Writes `files` under `dir`, which must not exist or be empty (a crate the user may have
/// edited is never overwritten).
///
/// # Errors
///
/// [`ScaffoldError::NotEmpty`], and [`ScaffoldError::Write`] with the path that failed.
pub fn write_crate(dir: &Path, files: &[CrateFile]) -> Result<(), ScaffoldError> {
    check_out_dir(dir)?;
    for file in files {
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(fail(parent))?;
        }
        std::fs::write(&path, &file.contents).map_err(fail(&path))?;
    }
    Ok(())
}

/// Checks that `dir` does not exist or is empty, as [`write_crate`] needs it: worth calling
/// before reading a large schema, so that a wrong `--out` is reported at once.
///
/// # Errors
///
/// [`ScaffoldError::NotEmpty`], or [`ScaffoldError::Write`] when the directory cannot be read.
pub fn check_out_dir(dir: &Path) -> Result<(), ScaffoldError> {
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(fail(dir))?;
        if entries.next().is_some() {
            return Err(ScaffoldError::NotEmpty(dir.to_path_buf()));
        }
    }
    Ok(())
}

/// The error of an I/O operation on `path`.
fn fail(path: &Path) -> impl FnOnce(std::io::Error) -> ScaffoldError {
    let path = path.to_path_buf();
    move |source| ScaffoldError::Write { path, source }
}
