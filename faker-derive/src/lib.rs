//! `#[derive(Provider)]` for ddd-faker.
//!
//! Use it through the facade, as `ddd_faker::Provider`: the generated code names every
//! runtime item by its path in `ddd_faker`, so a crate that uses the derive depends on
//! `ddd-faker` only (plus `serde` for the `Serialize` every provider needs). The facade's
//! documentation has the worked example; [`macro@Provider`] lists every attribute.
//!
//! The crate is laid out like `thiserror-impl`, in three steps:
//!
//! - parse: `ast` reads the struct or enum (with darling) into an input model, each field with
//!   its serialized name (an enum's variants each hold their fields as a component's); `attr` parses the five attributes into typed values (`attr::keys`: one
//!   key enum per attribute; `attr::values`: key values; `attr::parse`: the attributes;
//!   `attr::serde`: what `#[serde(..)]` says about names and shape);
//! - validate: `valid` checks what they mean together and reports *every* problem at its token
//!   (`valid::params`: distribution parameters, by faker-core's own validators;
//!   `valid::serde`: serde attributes the runtime cannot follow);
//! - expand: `expand` writes an implementation that only wires faker-core calls (no
//!   distribution or persistence logic of its own); when there are errors, `fallback` writes
//!   an implementation that is never run instead, so that each mistake is reported once, at
//!   its attribute, and not again wherever the type is used.

mod ast;
mod attr;
mod expand;
mod fallback;
mod valid;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Derives `ddd_faker::provider::Provider` for an aggregate, or
/// `ddd_faker::provider::Component` for a composite value object or entity, or for an enum
/// (whose variant is drawn by weight).
///
/// The generated `populate` asks the populate context for each field in declaration order (one
/// `let` per field), then builds the struct with a struct literal, the domain's `constructor`
/// or its fallible `factory`. The generated `schema` declares the references, pooled values,
/// components and children. Field paths are the names of the exported state: a field's
/// serialized name, following `#[serde(rename)]` and `#[serde(rename_all)]` (see *serde
/// attributes* below). See the facade (`ddd_faker`'s crate documentation) for a compiled
/// example.
///
/// # On the struct
///
/// | attribute | meaning |
/// |---|---|
/// | `#[provider(aggregate)]` | the default: implements `Provider`; needs one `#[provider(id)]` field |
/// | `#[provider(value)]`, `#[provider(entity)]` | a part of an aggregate (e.g. a composite id `BookId { tenant_id, book_id }`): implements `Component` instead of `Provider`, for a field marked `#[provider(composite)]`; its paths are relative to that field (the two words generate the same code and document intent) |
/// | `#[provider(name = "Book")]` | `Provider::NAME` (default: the struct's name) |
/// | `#[provider(table = "books")]` | `Provider::TABLE` |
/// | `#[provider(constructor = path)]` | build with `path(field, ..) -> Self`, fields in declaration order |
/// | `#[provider(factory = path)]` | build with `path(field, ..) -> Result<Self, E>`, `E: Display`; an `Err` becomes a domain error of the aggregate, which the runtime draws again (up to `Faker::set_attempts`, default 100, then `ErrorKind::Refused` with the error's message) |
/// | `#[children(Child, parent = "order_id", mean = 3.0)]` | after each aggregate, create children `Child` (an aggregate) whose field `parent` holds this aggregate's id; the count is Poisson around `mean`, or add `skew = ..` (power law) or `weights = [..]` (partitions), or give `range = 1..=5` (with optional `weights` per value) instead of `mean`; repeatable |
/// | `#[joint(a, b, .., skew = .. \| weights = [..], mean = .., ordered)]` | one law over the *combination* of the member reference fields (see *Relations between references* below); repeatable; also on a component |
/// | `#[derive(Provider)]` on an enum, `#[weight(0.7)]` on its variants | implements `Component`: a `#[provider(composite)]` field of the enum's type draws a variant by weight (all variants weighted, or none: uniform) and populates that variant's fields; see *Weighted value lists and enums* below |
///
/// Without `constructor` or `factory` the struct literal is used, which works with private
/// fields because the implementation lives in the struct's module.
///
/// # On a field: its value source (at most one)
///
/// | attribute | the field's value |
/// |---|---|
/// | *(none)* | `fake::Faker`'s dummy: the type must implement `fake::Dummy<fake::Faker>` |
/// | `#[provider(fake = EXPR)]` | a `fake` faker, e.g. `fake = fake::faker::name::en::Name()`; the field's type must implement `fake::Dummy` for it |
/// | `#[provider(fake = EXPR, map = f)]` | the faker's value passed through `f`, e.g. `fake = Sentence(3..5), map = BookTitle` for a newtype; the faker's output type is inferred from `f`'s argument |
/// | `#[provider(with = EXPR)]` | a function or closure `(&mut FakerRng, position: u64) -> T`, where `position` counts this field's values (0, 1, 2, ...) |
/// | `#[provider(value = EXPR)]` | a constant (`T: Clone`) |
/// | `#[provider(one_of = [A, B, ..], weights = [wa, wb, ..])]` | one of the listed values (literals, paths or any expressions of the field's type; a string literal also fits a `String` field and a bare value an `Option` field), chosen with the weights (one per value; without `weights`: uniform); see *Weighted value lists and enums* below |
/// | `#[provider(quantiles = [b0, b1, .., bk])]` | a value from a production histogram: one of the `k` buckets between consecutive bounds, each equally likely, then uniformly inside it (see *Values from a production histogram* below); number literals for integer and float fields, date strings (`"2009-01-01"`, `"2009-01-01 13:45:00"`, `"2009-01-01T13:45:00Z"`) for `chrono` fields (feature `chrono`) |
/// | `#[provider(quantiles = [..], ordered)]` | the same histogram, its planned values **in order of creation**: the first aggregates take the lowest bucket, the last ones the highest (values inside a bucket still at random), so that rows written in creation order have the column sorted as a table filled as time went (`pg_stats.correlation` near 1, which PostgreSQL reads to price index scans on ranges); generates `Schema::ordered_quantiles(..)` |
/// | `#[provider(.., follows(field))]` | with `one_of`, `quantiles`, `with` or `fake`: `field` (declared before) decides the value — the first aggregate with a value of `field` generates it, every later one with that value takes the same (an invoice's billing city decided by its customer, a track's price by its genre); a value list or histogram is then planned for `field`'s distinct values when `field` is a planned reference; a null `field` generates freely, a requirement wins; generates `Schema::value_follows(..)` |
/// | `#[provider(.., column = "name")]` | the table column that holds the field, for `Table::of` in faker-pg (which otherwise names it by the field's serialized name, see `Provider::columns`); not on a composite, a collection or a field serde skips, and one field per name |
/// | `#[provider(sequence)]` or `#[distributor(sequence)]` | the next number (0, 1, 2, ...) of this field's sequence, converted by `TryFrom<u64>` (so `u64`, `i64` and `From<u64>` newtypes work) or by `map = f` (a `fn(u64) -> T`) |
/// | `#[provider(auto_key)]` | a key the repository assigns on insert (auto-increment): a placeholder `T::default()` until then; also inside a component, and the aggregate's `auto_key()`/`assign_key` route to it |
/// | `#[provider(composite)]` | a `Component` (a struct deriving `Provider` with `#[provider(value)]` or `entity`, or an enum deriving `Provider`): its fields are populated under this field's path; an enum's variant is drawn by weight (see below) |
/// | `#[provider(collection, mean = 3.0)]` | a `Vec<E>` of components (`E` derives `Provider` with `#[provider(entity)]` or `value`, or is an enum deriving `Provider`): the number of elements per aggregate follows a one-to-many count law, each element is populated like a composite under this field's path; see *Collections* below |
/// | `#[provider(default)]` | `Default::default()`, passed to the constructor like any field |
/// | `#[provider(skip)]` | not generated: `Default::default()` in the struct literal, and *not passed* to a `constructor`/`factory` (which sets it) |
/// | `#[reference(Target)]` | the id of a `Target` aggregate (reused or created, as the distributor decides); the field's type is `Target::Id`, or `Option<Target::Id>` for an optional reference (then `null_weight` may give `None`) |
///
/// # Weighted value lists and enums
///
/// `#[provider(one_of = [..], weights = [..])]` on a field, and `#[derive(Provider)]` on an
/// enum, give a column with a fixed set of values and production's shares (an order status, a
/// currency): what `faker-pg profile` suggests for a low-cardinality column that is not a
/// reference. Unlike a pooled value (`#[distributor(..)]`, values created and reused), the
/// values exist up front: there is no `mean`. The law is faker-core's [`OneOf`]: when the
/// number of aggregates is known (`Faker::create_many`, `Faker::plan`), value `i` is drawn
/// *exactly* `round(N · w_i)` times (largest remainder, in random order; a value whose count
/// rounds to zero is not drawn), otherwise each draw is sampled with probability `w_i`. A
/// requirement on the field (`create_matching`, a reference's filter) chooses among the
/// listed values that satisfy it, with their weights. Weights are relative (`[7, 2, 1]` is
/// `[0.7, 0.2, 0.1]`); none may be negative, not all zero, one per value.
///
/// An enum deriving `Provider` implements `Component`, so a field of its type is marked
/// `#[provider(composite)]` like a struct component:
///
/// - each variant may carry `#[weight(w)]`; either every variant has one or none does (then
///   the choice is uniform): a variant left out would have no share to take, and guessing one
///   would hide a mistake, so it is a compile error, as is a negative weight or all zero
///   (`#[weight(0)]` is a variant never drawn);
/// - a unit-only enum is a value list of its own (`Cx::one_of` at the field's path, so a
///   requirement can pin a variant); its exported state is whatever serde writes (usually a
///   string, `"in_transit"` with `rename_all = "snake_case"`);
/// - the variants of any other enum may hold fields, named or tuple, which take every field
///   attribute a struct's fields take (`fake`, `with`, `one_of`, `#[reference(..)]`,
///   `#[distributor(..)]`, `composite`, ...); only the drawn variant's fields are populated,
///   and each of them is planned for that variant's share of the aggregates (a reference
///   inside a variant of weight 0.4 is planned for `0.4 · N` draws). Their paths follow
///   serde's representation of the enum: under the variant's serialized name (externally
///   tagged, the default, with `rename`/`rename_all` followed), under the `content` key
///   (adjacently tagged), or in the enum's own object (internally tagged, untagged); a tuple
///   variant's fields are `0`, `1`, .. (a newtype variant's one field is the content itself).
///   A requirement on the enum's own path does not choose a data variant.
///
/// On an enum, `#[provider(aggregate)]`, `name`, `table`, `constructor`, `factory`,
/// `#[children(..)]`, `#[joint(..)]`, `auto_key` inside a variant, generic parameters and
/// `#[serde(into = ..)]` are compile errors, and so are two variants declaring a tracked field
/// (reference, pooled value, `one_of`, component) at one path of a shared object.
///
/// ```
/// use ddd_faker::Provider;
/// use ddd_faker::provider::{Faker, Provider as _};
/// use serde::Serialize;
///
/// #[derive(Debug, Clone, Copy, PartialEq, Serialize, Provider)]
/// #[serde(rename_all = "snake_case")]
/// enum Status {
///     #[weight(0.7)]
///     Active,
///     #[weight(0.2)]
///     Suspended,
///     #[weight(0.1)]
///     Closed,
/// }
///
/// #[derive(Debug, Clone, PartialEq, Serialize, Provider)]
/// enum Billing {
///     #[weight(3)]
///     Card {
///         #[provider(one_of = ["visa", "mastercard"], weights = [0.8, 0.2])]
///         network: String,
///     },
///     #[weight(1)]
///     Invoice(#[provider(with = |_, position| position + 1)] u64),
/// }
///
/// #[derive(Debug, Clone, Serialize, Provider)]
/// struct Account {
///     #[provider(id, sequence)]
///     id: u64,
///     #[provider(one_of = ["EUR", "USD", "GBP"], weights = [0.5, 0.3, 0.2])]
///     currency: String,
///     #[provider(one_of = [1, 12, 24])]
///     months: u32,
///     #[provider(composite)]
///     status: Status,
///     #[provider(composite)]
///     billing: Billing,
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), ddd_faker::provider::FakerError> {
/// let mut faker = Faker::new(7);
/// let accounts = faker.create_many::<Account>(1_000).await?;
/// let count = |f: &dyn Fn(&Account) -> bool| accounts.iter().filter(|a| f(a)).count();
/// // Planned: exactly round(1 000 · w) of each value.
/// assert_eq!(count(&|a| a.currency == "USD"), 300);
/// assert_eq!(count(&|a| a.status == Status::Closed), 100);
/// assert_eq!(count(&|a| matches!(a.billing, Billing::Card { .. })), 750);
/// let visa = count(&|a| matches!(&a.billing, Billing::Card { network, .. } if network == "visa"));
/// assert_eq!(visa, 600); // 0.8 of the 750 card accounts
/// // The state is serde's: a unit enum is a string.
/// let suspended = accounts.iter().find(|a| a.status == Status::Suspended).unwrap();
/// assert_eq!(serde_json::to_value(suspended).unwrap()["status"], "suspended");
///
/// let schema = Account::schema();
/// let lists: Vec<&str> = schema.one_ofs().iter().map(|o| o.field.as_str()).collect();
/// assert_eq!(lists, ["currency", "months", "status", "billing", "billing.Card.network"]);
/// # Ok(())
/// # }
/// ```
///
/// [`OneOf`]: faker_core::OneOf
///
/// # Values from a production histogram
///
/// `#[provider(quantiles = [b0, b1, .., bk])]` draws a number, date or timestamp the way
/// PostgreSQL reads a column's `histogram_bounds`: the `k + 1` bounds cut the values into `k`
/// buckets that each get `1/k` of the draws, and a value is spread uniformly inside its bucket
/// (`faker_core::quantiles::Quantiles`). `faker-pg profile` measures the bounds of a numeric,
/// date or timestamp column (`percentile_disc` at `0, 1/k, .., 1`) and prints this attribute
/// ready to paste; `faker-pg compare` then checks the share of generated values in each
/// production bucket. Range predicates (`WHERE total > $1`) get production's selectivities,
/// which a uniform `with = |rng, _| rng.random_range(a..b)` does not give. The buckets are
/// planned like the values of a uniform `one_of` list: `n` aggregates put exactly
/// `round(n / k)` values in each (sampled buckets would be off by `sqrt(n)`-sized noise,
/// 0.011 of the values for 1/20 buckets at `n = 412`).
///
/// * Bounds are non-decreasing; equal bounds make a *point mass* (a frequent value such as an
///   amount of `0`). Integers, dates (whole days) and timestamps (whole microseconds) are drawn
///   from the half-open bucket `[b_i, b_{i+1})`, the last bucket from `[b_{k-1}, b_k]`, so every
///   value lies in one bucket and the bucket shares hold exactly.
/// * The field's type implements `QuantileValue`: the integer types, `f32`, `f64` and, with the
///   facade's `chrono` feature, `chrono::NaiveDate`, `NaiveDateTime` and `DateTime<Utc>` (a
///   timestamp without offset is read as UTC; one with an offset is converted).
/// * Compile errors: fewer than two bounds, bounds that go down, a string that is no date,
///   numbers and dates in one list, another value source, a `#[distributor(..)]` (a pool would
///   reuse the values and change the shares), an `Option` field, and a bound whose kind does
///   not fit the field's type (a date on an `i64`, `2.5` on a `u32`), at the literal. A number
///   out of the type's range (`300` on a `u8`) is a runtime error with the field's path.
/// * Draws are independent: with `k = 20` buckets, a bucket's share among `10^5` draws is
///   within ±0.002 (three standard deviations) of `1/20`.
///
/// ```
/// use ddd_faker::Provider;
/// use ddd_faker::chrono::NaiveDate;
/// use ddd_faker::provider::Faker;
/// use serde::Serialize;
///
/// #[derive(Clone, Serialize, Provider)]
/// struct Invoice {
///     #[provider(id, sequence)]
///     id: u64,
///     // Read off production with `faker-pg profile --table invoice --column total`.
///     #[provider(quantiles = [0.99, 1.98, 1.98, 3.96, 5.94, 8.91, 25.86])]
///     total: f64,
///     #[provider(quantiles = ["2009-01-01", "2010-03-11", "2011-05-19", "2012-07-27", "2013-12-22"])]
///     invoice_date: NaiveDate,
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let mut faker = Faker::new(42);
/// let invoices = faker.create_many::<Invoice>(1000).await.unwrap();
/// // A sixth of the totals is the point mass 1.98; every total lies within the bounds.
/// let at = invoices.iter().filter(|i| i.total == 1.98).count();
/// assert!((120..=220).contains(&at), "{at}");
/// assert!(invoices.iter().all(|i| (0.99..=25.86).contains(&i.total)));
/// let first = NaiveDate::from_ymd_opt(2009, 1, 1).unwrap();
/// assert!(invoices.iter().all(|i| i.invoice_date >= first));
/// # });
/// ```
///
/// # Relations between references
///
/// | attribute | meaning |
/// |---|---|
/// | `#[reference(Target, same(in_reference = source), ..)]` | the referenced id's `in_reference` equals this struct's `source` (ownership: the author of the book's tenant); see below |
/// | `#[reference(Target, differ(field, ..))]` | this reference's value never equals the value of the reference `field` (a flight's `dest` is never its `origin`); see below |
/// | `#[reference(Target, follows(field))]` | `field` (declared before) decides this reference: the first aggregate with a value of `field` draws it with its law, every later one with that value takes the same (a track's album decides its media type, a plane's tail number its carrier); the law is over the values of `field` (with a planned reference as `field`, it is planned for that reference's distinct values); a null `field` draws freely, a requirement wins; generates `Schema::follows("path")` |
/// | `#[joint(a, b, .., skew = .. \| weights = [..], mean = ..)]` on the struct | the combination of the members (a flight's route `(origin, dest)`) follows one law; see below |
///
/// `#[reference(Target, same(in_reference = source), ..)]` adds constraints: the referenced
/// id's `in_reference` must equal this struct's `source`, a field declared *before* the
/// reference (fields are populated in declaration order), e.g.
/// `#[reference(Author, same(tenant_id = id.tenant_id))]`. `same(..)` may be repeated or
/// hold several pairs. In a component, paths are relative to the component, and a source
/// written `super.field` names a field of the struct that holds the component (a collection
/// element's invoice, a composite field's aggregate), populated before it. The first segment
/// of `source` is this struct's Rust field name (the derive finds it under its serialized
/// name); every other segment, and `in_reference`, names a field of another type (a
/// component, the referenced id) and is written as that type serializes it, since the derive
/// sees only this struct's serde attributes (a serialized name that is not a Rust identifier,
/// such as a `kebab-case` one, cannot be written in `same(..)`). The same holds for
/// `parent = ".."` of `#[children(..)]`, a path of the child's state.
///
/// `differ(field, ..)` names one or more fields, each a dotted path written like a `same(..)`
/// source (first segment: a field of this struct by its Rust name, declared *before* the
/// reference): a `#[reference(..)]` field to the same target type (compared as written:
/// `differ(origin)` on a reference to `Airport` needs `origin` to be `#[reference(Airport)]`),
/// or a reference inside a `#[provider(composite)]` field (`differ(leg.origin)`). It may be
/// repeated and combined with `same(..)`. The draw honours it directly: the reference's value
/// is drawn from its own law *conditioned* on differing from the named values, with no
/// generate-and-reject loop (which would skew the law). It generates
/// `Schema::differ("path")` after the reference's `same(..)` constraints.
///
/// ```
/// use ddd_faker::Provider;
/// use ddd_faker::provider::Provider as _;
/// use serde::Serialize;
///
/// #[derive(Clone, Serialize, Provider)]
/// struct Airport {
///     #[provider(id, sequence)]
///     code: u64,
/// }
///
/// #[derive(Clone, Serialize, Provider)]
/// #[serde(rename_all = "camelCase")]
/// struct Flight {
///     #[provider(id, sequence)]
///     id: u64,
///     #[reference(Airport)]
///     origin_airport: u64,
///     // A flight never lands where it took off.
///     #[reference(Airport, differ(origin_airport))]
///     #[distributor(skew = 2.0, mean = 1000)]
///     dest_airport: u64,
/// }
///
/// let schema = Flight::schema();
/// let dest = &schema.references()[1];
/// assert_eq!(dest.field, "destAirport");
/// // Written with the Rust name, declared with the serialized one.
/// assert_eq!(dest.differ, ["originAirport"]);
/// ```
///
/// `#[joint(a, b, .., skew = .. | weights = [..], mean = ..)]` on the struct gives its member
/// fields one law over their combinations, what `faker-pg profile --column a --column b`
/// measures: the number of distinct combinations is about the number of aggregates / `mean`,
/// and each combination's share of the aggregates follows `skew` (power law) or `weights`
/// (partitions), uniform without either; each member's *own* values still come from its own
/// pool with the marginal law of its own `#[distributor(..)]`. The members are bare dotted
/// paths, written like `same(..)` sources: a `#[reference(..)]` field, or a reference inside a
/// `#[provider(composite)]` field (`id.origin`). Rules: at least two members, each listed
/// once, in declaration order (the order fields are populated in); a field belongs to at most
/// one joint; `mean` is required (without it the law says nothing about how many
/// combinations exist); `null_weight` is refused (a combination is never null: put it on a
/// member's `#[distributor(..)]`); `skew`, `weights` and `mean` follow the rules of
/// `#[distributor(..)]`. Repeatable, one per group of fields; on a component its paths are
/// relative to the component. It generates `Schema::joint(&["a", "b"], config)` after every
/// field, with serialized paths. With `ordered` the planned combinations come grouped by their
/// first member, whose values the rows then take in the order they were created (a track
/// table filled album by album while its (album, genre) pairs keep their law); a member's own
/// `#[distributor(.., ordered)]` is refused.
///
/// ```
/// use ddd_faker::Provider;
/// use ddd_faker::distributor::DistributorConfig;
/// use ddd_faker::provider::Provider as _;
/// use serde::Serialize;
///
/// #[derive(Clone, Serialize, Provider)]
/// struct Airport {
///     #[provider(id, sequence)]
///     code: u64,
/// }
///
/// // About 1 flight in 1 500 opens a new route; routes are shared by a power law.
/// #[derive(Clone, Serialize, Provider)]
/// #[joint(origin, dest, skew = 2.0, mean = 1500)]
/// struct Flight {
///     #[provider(id, sequence)]
///     id: u64,
///     #[reference(Airport)]
///     #[distributor(skew = 1.5, mean = 3000)]
///     origin: u64,
///     #[reference(Airport, differ(origin))]
///     #[distributor(skew = 1.5, mean = 3000)]
///     dest: u64,
/// }
///
/// let schema = Flight::schema();
/// assert_eq!(schema.joints()[0].fields, ["origin", "dest"]);
/// assert_eq!(
///     schema.joints()[0].config,
///     DistributorConfig { skew: Some(2.0), mean: Some(1500.0), ..Default::default() }
/// );
/// ```
///
/// # Collections
///
/// An aggregate that owns its entities (one repository stores the invoice with its lines)
/// holds them in a `Vec` field marked `#[provider(collection, ..)]`, with the count law of
/// `#[children(..)]`:
///
/// | count law | elements per aggregate |
/// |---|---|
/// | `mean = 3.0` | Poisson around the mean (`mean >= 0`) |
/// | `mean = 3.0, skew = 2.0` | Poisson around a power-law rate: a few aggregates get very many |
/// | `mean = 3.0, weights = [0.7, 0.2, 0.1]` | Poisson around a rate set by partition weights |
/// | `range = 1..=5` | a value of the range, uniform |
/// | `range = 1..=5, weights = [3.0, 1.0]` | a value of the range, the weights fitted to its values (here 3 to 1 from 1 to 5, interpolated) |
///
/// A `range` law is planned when the number of aggregates is known (`Faker::create_many`,
/// `Faker::plan`): `n` aggregates get exactly `round(n · p)` collections of each size
/// (largest remainder, in random order), so a few hundred aggregates keep the sizes'
/// distribution too; the other laws are sampled per aggregate.
///
/// The element type is a component (`#[provider(entity)]` or `#[provider(value)]`, or an
/// enum deriving `Provider`, whose variant is drawn per element). Its
/// fields are populated element by element under the collection's path, and its declarations
/// are made once, under that path: a reference in the element (`lines.track`) has *one*
/// distributor, which every element of every aggregate draws from, so the law of
/// `#[distributor(..)]` on the element's field holds across all elements. When `n`
/// aggregates are created with `Faker::create_many`, the element's references, pooled
/// values and `one_of` lists (an enum element's variants too) are planned for `n × mean`
/// draws. A `same(..)` in the element may name a field of
/// the struct that holds the collection as `super.field` (declared before the collection):
/// `#[reference(Track, same(tenant_id = super.tenant_id))]` on a line draws the invoice's
/// tenant's tracks. Errors inside an element name it: `Invoice.lines[2].track`. A requirement
/// on the elements (`create_matching` with `{"lines.quantity": 3}`) is an error: elements are
/// drawn, not required. The elements are part of the exported state: the in-memory store
/// and JSONL feeds keep them nested in the aggregate, CSV feeds write them as JSON text in
/// the collection's column, and `faker-pg` can write them to a child table keyed by the
/// aggregate's id.
///
/// Mistakes are compile errors: a field that is not a `Vec`, a law without `mean` or `range`,
/// bad law parameters (`mean < 0`, `skew < 1`, empty, negative or all-zero `weights`,
/// `weights` with `skew`, `mean` or `skew` with `range`, an empty range), law keys without
/// `collection`, `#[distributor(..)]` on a collection, and an element type that is not a
/// component (reported by the compiler at that type).
///
/// ```
/// use ddd_faker::Provider;
/// use ddd_faker::provider::Faker;
/// use serde::Serialize;
///
/// #[derive(Clone, Serialize, Provider)]
/// struct Track {
///     #[provider(id, sequence)]
///     id: u64,
/// }
///
/// #[derive(Clone, Serialize, Provider)]
/// #[provider(entity)]
/// struct InvoiceLine {
///     // One law for the tracks of all lines of all invoices.
///     #[reference(Track)]
///     #[distributor(skew = 2.0, mean = 20)]
///     track: u64,
///     #[provider(with = |_, position| position % 5 + 1)]
///     quantity: u64,
/// }
///
/// #[derive(Clone, Serialize, Provider)]
/// struct Invoice {
///     #[provider(id, sequence)]
///     id: u64,
///     // A few invoices with many lines, three on average.
///     #[provider(collection, skew = 2.0, mean = 3.0)]
///     lines: Vec<InvoiceLine>,
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let mut faker = Faker::new(7);
/// let invoices = faker.create_many::<Invoice>(1_000).await?;
/// let lines: usize = invoices.iter().map(|i| i.lines.len()).sum();
/// assert!((2_700..3_300).contains(&lines));
/// // The element's reference is declared once, under the collection's path, and planned
/// // for the expected 3 000 lines.
/// let track = faker.reference_distributor::<Invoice>("lines.track").unwrap();
/// assert_eq!(track.inner().planned_draws(), Some(3_000.0));
/// # Ok::<(), ddd_faker::provider::FakerError>(())
/// # }).unwrap();
/// ```
///
/// # On a field: identity and distribution
///
/// | attribute | meaning |
/// |---|---|
/// | `#[provider(id)]` | the aggregate's identity (`Provider::Id` is the field's type, `ID_FIELD` its name); exactly one per aggregate; combine it with a source, e.g. `#[provider(id, composite)]` or `#[provider(id, auto_key)]`; an id made only of references (a composite whose every field is a `#[reference(..)]`, such as `RouteId { origin, dest }`) names one aggregate per combination of targets: creating one whose id is stored already returns the stored aggregate |
/// | `#[distributor(weights = [..], skew = .., mean = .., null_weight = .., top = [..], ordered)]` | on a reference: how targets are reused or created; on a field with a generated value (none, `fake`, `with`, `sequence`): the value is drawn from a pool of the field's values (reuse one, or make one with the field's source) |
///
/// Distributor parameters: `weights` — partition weights (not empty, none negative, not all
/// zero); `skew` — power law, `>= 1` (1 is uniform); give either `weights` or `skew`, not both;
/// `mean` — average uses per value, `>= 1` (1 means unique values); `null_weight` — probability
/// of `None` in `[0, 1]`, only on `Option` fields; `top` — the shares of the most used values,
/// most used first, each in `(0, 1)`, together below 1 (`top = [0.06, 0.04]`: the two most
/// used values get 6% and 4% of the draws exactly when planned; the law spreads the rest over
/// the others), which keeps the head of a rank–frequency curve that the law's few parameters
/// cannot (PostgreSQL plans an equality on the most common values by their frequencies;
/// `Strategy::with_top`); `ordered` — the planned draws take the
/// values in the order they were created, all uses of one value before the next one's (the
/// number of uses per value still the law's): the foreign key of a child table filled parent
/// by parent, as production's often is (`pg_stats.correlation` near 1); refused on a joint
/// member and on a field with no pool (`Strategy::ordered`).
///
/// Defaults: a reference without `#[distributor]`, or whose `#[distributor]` gives no `mean`,
/// uses `mean = 50` (write `mean = 1` for a new target every time); a pooled value follows
/// `DistributorConfig` (without `weights`/`skew`: uniform; without `mean`: unique values for
/// the uniform law, 50 otherwise). On an `Option<T>` field with a pooled value, the value
/// source makes a `T` and `None` comes from `null_weight`.
///
/// `map` applies to `fake` and `sequence` values only.
///
/// # serde attributes
///
/// The runtime reads an aggregate's state by path in its serialized form (filters,
/// specifications, `same(..)`, mirrors, PostgreSQL table columns) and deserializes it back
/// (mirrors, rows, pinned values), so the derive names every field as serde serializes it.
///
/// | `#[serde(..)]` | with `#[derive(Provider)]` |
/// |---|---|
/// | `rename = ".."` on a field | followed: the field's paths, `ID_FIELD`, `auto_key()` and error paths use the new name |
/// | `rename_all = ".."` on the struct | followed, with serde's rules for every case (`lowercase`, `UPPERCASE`, `PascalCase`, `camelCase`, `snake_case`, `SCREAMING_SNAKE_CASE`, `kebab-case`, `SCREAMING-KEBAB-CASE`); on a component it renames the paths inside that component |
/// | `rename(serialize = .., deserialize = ..)`, `rename_all(serialize = .., deserialize = ..)` | followed when both give a field the same name; a compile error when they differ, since the runtime writes a state and reads it back, so a field needs one name for both |
/// | `flatten` on a field | compile error: the flattened fields move up into this state under names only their own type knows, so their paths cannot be computed |
/// | `tag = ".."`, `transparent`, `into = ".."` on the struct | compile error: the state gets a key that is no field, loses its field names, or is another type's serialization |
/// | `skip`, `skip_serializing`, `skip_serializing_if`, `skip_deserializing` | compile error on a field the runtime reads by name: the id, a reference, an `auto_key`, a `composite`, a pooled value (`#[distributor(..)]` with parameters), the source of a `same(..)` and a field named by a `differ(..)`; allowed on other fields |
/// | two serialized fields with one name | compile error |
/// | anything else (`default`, `alias`, `with`, `serialize_with`, ...) | not looked at: names and shape are unchanged |
///
/// (`untagged` and `content` are refused on a struct by serde itself.)
///
/// # Errors
///
/// Attribute mistakes are compile errors at the offending token, all of them reported at once,
/// each saying what to write instead: unknown or repeated keys, literals of the wrong type,
/// `weights` empty, negative or all zero, `skew < 1`, `mean < 1`, `null_weight` outside
/// `[0, 1]` or on a non-`Option` field, `weights` with `skew` (these parameter rules are
/// faker-core's own validators, called at compile time), two value sources on a field, no
/// or two identity fields on an aggregate, two `auto_key` fields, a `same(..)` source that is
/// not an earlier field, a `differ(..)` field that is not an earlier reference to the same
/// type (or is the reference itself, or is given twice), a `#[joint(..)]` with fewer than two
/// members, a member that is not a reference, listed twice, out of declaration order or in
/// two joints, a joint without `mean` or with `null_weight`, `one_of` that is empty or has
/// not one weight per value, `weights` in `#[provider(..)]` without `one_of` or `collection`,
/// the mistakes of enums listed above (a missing or negative `#[weight(..)]`, ...), the
/// mistakes of collections listed under *Collections*, `super.` in a `same(..)` of an
/// aggregate, the serde attributes above that the runtime cannot follow, generic structs and
/// enums, enums without variants, unions and tuple structs. A type named in
/// `#[reference(..)]` or `#[children(..)]` that is not a provider (or a `composite` field whose
/// type is not a component) is reported by the compiler at that type.
#[proc_macro_derive(
    Provider,
    attributes(provider, reference, distributor, children, joint, weight)
)]
pub fn derive_provider(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    derive(&input).into()
}

fn derive(input: &DeriveInput) -> proc_macro2::TokenStream {
    let mut errors = Errors::default();
    let model = ast::Input::from_syn(input, &mut errors);
    match &model {
        Some(ast::Parsed::Struct(model)) => valid::check(model, &mut errors),
        Some(ast::Parsed::Enum(model)) => valid::check_enum(model, &mut errors),
        None => {}
    }
    match (errors.finish(), model) {
        (Ok(()), Some(ast::Parsed::Struct(model))) => expand::expand(&model),
        (Ok(()), Some(ast::Parsed::Enum(model))) => expand::expand_enum(&model),
        (Err(e), model) => {
            let mut tokens = e.to_compile_error();
            match &model {
                Some(ast::Parsed::Struct(model)) => tokens.extend(fallback::fallback(model)),
                Some(ast::Parsed::Enum(model)) => tokens.extend(fallback::fallback_enum(model)),
                None => {}
            }
            tokens
        }
        // No model is only possible with an error.
        (Ok(()), None) => proc_macro2::TokenStream::new(),
    }
}

/// Every error found, combined into one `syn::Error` (which keeps each error's first and last
/// token, so a message underlines all of `null_weight = 0.2`, not only its first token).
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: impl Into<syn::Error>) {
        let error = error.into();
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// The value, or `None` with the error recorded.
    pub(crate) fn handle<T, E: Into<syn::Error>>(&mut self, result: Result<T, E>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.push(e);
                None
            }
        }
    }

    fn finish(self) -> syn::Result<()> {
        match self.0 {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
