//! What the scaffold knows about a schema once it has read it: per table, its row count, its
//! key and, per column, where the generated values come from. [`super::read`] fills it from a
//! live database; [`super::emit`] turns it into Rust source. Keeping the two apart lets the
//! emitter be tested on a model written by hand.

use crate::ident::Ident;
use crate::profiler::histogram::ValueKind;
use crate::profiler::inferred::Inclusion;
use crate::profiler::suggest::Law;

/// A schema to generate: its tables in creation order (referenced tables first).
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaModel {
    /// The production schema the model was read from (the generated crate's default target
    /// schema has the same name).
    pub schema: Ident,
    pub tables: Vec<TableModel>,
    /// What the scaffold could not model, for the generated crate's documentation and the
    /// command's output.
    pub notes: Vec<String>,
}

/// One table: one aggregate type of the generated crate.
#[derive(Debug, Clone, PartialEq)]
pub struct TableModel {
    pub name: Ident,
    /// Rows in production (the generated crate creates as many, times `--scale`).
    pub rows: u64,
    pub key: Key,
    /// Every column, in the table's column order.
    pub columns: Vec<ColumnModel>,
    /// Groups of reference columns (by index into `columns`) whose combinations follow one
    /// law, with that law's attribute parameters (`skew = 1.5, mean = 3.2`).
    pub joints: Vec<Joint>,
}

impl TableModel {
    /// The column named `name`.
    pub fn column(&self, name: &Ident) -> Option<&ColumnModel> {
        self.columns.iter().find(|c| c.name == *name)
    }

    /// Whether `column` is part of an id made of references.
    pub fn in_key(&self, column: &Ident) -> bool {
        matches!(&self.key, Key::References { columns } if columns.contains(column))
    }

    /// The field holding an id made of references (`key`, or `row_key` when a column is
    /// named `key`).
    pub fn key_field(&self) -> &'static str {
        if self.columns.iter().any(|c| c.name.as_str() == "key") {
            "row_key"
        } else {
            "key"
        }
    }

    /// Whether a reference of this table points at the table itself.
    pub fn self_reference(&self) -> Option<&ColumnModel> {
        self.columns
            .iter()
            .find(|c| matches!(&c.source, Source::Reference(r) if r.table == self.name))
    }
}

/// How rows of a table are identified.
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    /// One integer primary-key column, assigned by the database (identity).
    Identity { column: Ident },
    /// One primary-key column of another type (a code, a uuid): values generated unique.
    Natural { column: Ident },
    /// A primary key made only of references (a link table such as `playlist_track`): an id
    /// made of references, so that a combination drawn twice is the stored row, not a
    /// duplicate.
    References { columns: Vec<Ident> },
    /// No primary key, or one of several columns that are not all references: the aggregate
    /// gets a row number of its own that is not stored (see the table's note).
    RowNumber,
}

/// One column and the source of its values.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnModel {
    pub name: Ident,
    /// `format_type` of the column (`integer`, `character varying(40)`, `numeric(10,2)`).
    pub sql_type: String,
    /// The type the generated table declares: `sql_type`, or `text` for a type defined in the
    /// schema (an enum, a domain) whose definition the scaffold does not copy.
    pub ddl_type: String,
    pub not_null: bool,
    /// Share of rows where the column is null in production.
    pub null_share: f64,
    pub source: Source,
    /// A column of this table whose value determines this one (`follows(..)`): rows with the
    /// same value of it hold the same reference or value.
    pub follows: Option<Ident>,
    /// How production's rows follow this column in their physical order
    /// (`pg_stats.correlation`, measured by [`crate::profiler::order`]), for the columns
    /// whose generated values can be put in order (references and histograms); `None`
    /// otherwise.
    pub correlation: Option<f64>,
}

/// From this correlation on, a column is generated `ordered` (correlation about 1), below it
/// in random order (about 0). The planner weighs index scans by the *square* of the
/// correlation, so the scaffold takes whichever of the two squares is nearer production's:
/// `c² >= 1/2`, `c >= 1/√2`.
pub const ORDERED_FROM: f64 = std::f64::consts::FRAC_1_SQRT_2;

impl ColumnModel {
    /// Whether production keeps this column in the physical order of its rows closely enough
    /// to generate it `ordered` (see `ORDERED_FROM`). A column in *descending* order is not
    /// (the laws only go up); the scaffold notes it.
    pub fn in_order(&self) -> bool {
        self.correlation.is_some_and(|c| c >= ORDERED_FROM)
    }
}

impl ColumnModel {
    /// Whether the generated field is an `Option` (production has nulls).
    pub fn optional(&self) -> bool {
        self.null_share > 0.0
    }
}

/// Where a column's values come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// The table's identity key (assigned on insert).
    Identity,
    /// The table's natural key: unique values of the column's type.
    NaturalKey(TextShape),
    /// A reference to another table's key.
    Reference(ReferenceModel),
    /// A fixed list of values with production's weights, most used first (`None`, the null
    /// share, last when the column has nulls): `#[provider(one_of = [..], weights = [..])]`.
    OneOf {
        /// The values as PostgreSQL writes them as text.
        values: Vec<String>,
        /// One weight per value, then the null share when there are nulls.
        weights: Vec<f64>,
        literal: LiteralKind,
    },
    /// Production's histogram (`k + 1` bounds, as `faker-pg profile` prints them).
    Quantiles {
        kind: ValueKind,
        bounds: Vec<String>,
    },
    /// Text: a faker chosen by the column's name, at most `max_len` characters, unique when
    /// production's values are.
    Text { shape: TextShape },
    /// One production value written as text, for a type the scaffold has no generator for.
    Constant { text: String },
    /// Always null (production has no non-null value).
    Null,
}

/// The kind of literal a value list holds (decides the field's Rust type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiteralKind {
    Integer,
    Float,
    Boolean,
    Text,
}

/// What a text column's values look like.
#[derive(Debug, Clone, PartialEq)]
pub struct TextShape {
    /// Longest value the type allows (`varchar(n)`, `char(n)`).
    pub max_len: Option<u32>,
    /// Every non-null value differs (a unique index, or production's values all distinct).
    pub unique: bool,
    /// `char(n)`: values padded to `n`, so a short code of exactly `n` characters fits best.
    pub fixed: bool,
    /// Production's value lengths in characters at the percentiles (0%, 1%, .., 100%: finer
    /// than deciles, whose last bucket would spread up to the longest outlier and widen the
    /// rows): generated text takes a length from them, so that rows are as wide as
    /// production's (a table's pages price every sequential scan). `None` when not measured.
    pub lengths: Option<Vec<u32>>,
    /// Rows per distinct value when values repeat (at least 1.5): the field then draws from a
    /// pool of generated values, so that the column has production's number of distinct values
    /// (`pg_stats.n_distinct`, what the planner estimates an equality by). `None`: all
    /// (nearly) distinct.
    pub uses: Option<f64>,
}

/// A reference column.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceModel {
    /// The referenced table (its key is the referenced column).
    pub table: Ident,
    /// Whether a foreign key declares it (else it was found in the data).
    pub declared: bool,
    /// For a reference found in the data: how many of its values the target holds.
    pub inclusion: Option<Inclusion>,
    /// The law `faker-pg profile` suggests for it, if any.
    pub distributor: Option<Distribution>,
    /// Earlier reference columns to the same table this one never equals in production.
    pub differ: Vec<Ident>,
    /// `(column of the referenced table, earlier column of this table)`: the referenced row's
    /// column equals this row's (ownership).
    pub same: Vec<(Ident, Ident)>,
}

/// A reference's law, as `#[distributor(..)]` takes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Distribution {
    pub law: Law,
    /// Rows per distinct value.
    pub mean: f64,
    /// Share of nulls.
    pub null_weight: f64,
    /// The shares of the most used values the law misses (`top = [..]`), most used first;
    /// empty when the law alone fits (see [`crate::profiler::suggest::head`]).
    pub top: Vec<f64>,
}

/// References whose combinations follow one law.
#[derive(Debug, Clone, PartialEq)]
pub struct Joint {
    /// The member columns, in column order.
    pub columns: Vec<Ident>,
    /// The law's parameters, as `#[joint(..)]` takes them after the members
    /// (`skew = 1.5, mean = 3.2`).
    pub law: String,
    /// Why (the measured relation).
    pub reason: String,
}
