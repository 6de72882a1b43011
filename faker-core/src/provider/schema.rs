//! What an aggregate declares about its fields: references, distributed values, children.

use std::any::TypeId;
use std::sync::Arc;

use crate::distributor::DistributorConfig;
use crate::error::ParamError;
use crate::rng::FakerRng;
use crate::{CountDistribution, PoissonCount, RangeCount, Skew, SkewCount, Weights, WeightsCount};

use super::error::FakerError;
use super::registry::Registry;
use super::runtime::{CreateChildren, CreateTarget, Runtime};
use super::traits::Provider;

/// The stateful parts of an aggregate's generation, declared once per type.
///
/// `populate` only asks for values by field path; the schema says which of those fields are
/// references to other aggregates (with their distributor and constraints), which leaf values
/// are drawn from a pool with a distributor, and which child aggregates are created after the
/// aggregate itself. The runtime validates every distributor when the type is first used.
///
/// ```
/// use faker_core::distributor::DistributorConfig;
/// use faker_core::provider::{Cx, FakerError, Provider, Schema};
/// # #[derive(Clone, serde::Serialize)] struct Tenant { id: u64 }
/// # impl Provider for Tenant {
/// #     type Id = u64;
/// #     const NAME: &'static str = "Tenant";
/// #     fn id(&self) -> u64 { self.id }
/// #     async fn populate(cx: &mut Cx<'_>) -> Result<Self, FakerError> {
/// #         Ok(Tenant { id: cx.sequence("id").await? })
/// #     }
/// # }
/// # #[derive(Clone, serde::Serialize)] struct Author { id: (u64, u64) }
/// # impl Provider for Author {
/// #     type Id = (u64, u64);
/// #     const NAME: &'static str = "Author";
/// #     fn id(&self) -> (u64, u64) { self.id }
/// #     async fn populate(_: &mut Cx<'_>) -> Result<Self, FakerError> { Ok(Author { id: (0, 0) }) }
/// # }
/// let weights = DistributorConfig {
///     weights: Some(vec![0.7, 0.2, 0.07, 0.03]),
///     mean: Some(50.0),
///     ..Default::default()
/// };
/// // The schema of a book: its tenant, and its author, who must belong to the same tenant.
/// let schema = Schema::new()
///     .reference::<Tenant>("id.tenant_id", weights.clone())
///     .reference::<Author>("author_id", weights)
///     .same("tenant_id", "id.tenant_id");
/// assert_eq!(schema.references().len(), 2);
/// assert_eq!(schema.references()[1].same[0].source, "id.tenant_id");
/// ```
#[derive(Clone, Default)]
pub struct Schema {
    pub(crate) references: Vec<ReferenceDecl>,
    pub(crate) values: Vec<ValueDecl>,
    pub(crate) children: Vec<ChildrenDecl>,
    pub(crate) matching: Option<DistributorConfig>,
    pub(crate) joints: Vec<JointDecl>,
    pub(crate) one_ofs: Vec<OneOfDecl>,
    pub(crate) collections: Vec<CollectionDecl>,
    pub(crate) value_follows: Vec<ValueFollows>,
}

/// A generated leaf value that another field of the aggregate decides (see
/// [`Schema::value_follows`]): an invoice's billing city, decided by its customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueFollows {
    /// Dotted path of the value.
    pub field: String,
    /// Dotted path of the field populated before it whose value decides it.
    pub source: String,
}

/// A many-to-one reference field.
#[derive(Clone)]
pub struct ReferenceDecl {
    /// Dotted path of the field in the referencing aggregate, e.g. `id.tenant_id`.
    pub field: String,
    /// The referenced aggregate type's name.
    pub target: &'static str,
    pub(crate) target_type: TypeId,
    /// The target's [`Provider::ID_FIELD`].
    pub(crate) target_id_field: &'static str,
    pub(crate) register: fn(&mut Registry) -> Result<(), FakerError>,
    /// Creates a target without requirements and gives its pool position (a joint law makes
    /// all members of a new combination at once, knowing their types only through this).
    pub(crate) create: CreateTarget,
    /// The number of values in the target's pool.
    pub(crate) pool_len: fn(&Registry) -> usize,
    /// Its distributor.
    pub config: DistributorConfig,
    /// Cross-field constraints.
    pub same: Vec<Same>,
    /// The share of the aggregate's draws that reach this field: 1, or less inside an enum
    /// variant (see [`Schema::variant`]); planning gives it that share of the draws.
    pub(crate) share: f64,
    /// Reference fields of this aggregate (to the same target type, populated before this
    /// one) whose value this reference never takes: `origin` for a flight's `dest`.
    pub differ: Vec<String>,
    /// A field of this aggregate populated before this reference whose value determines it
    /// (see [`Schema::follows`]).
    pub follows: Option<String>,
}

/// One law over the combination of several reference fields: `(origin, dest)` drawn from a
/// skew/weights/mean law over *pairs*, each field's values still coming from its own pool
/// with its own law (see [`Schema::joint`]).
#[derive(Debug, Clone, PartialEq)]
pub struct JointDecl {
    /// The member reference fields, as dotted paths, in population order.
    pub fields: Vec<String>,
    /// The law over combinations (`null_weight` is not allowed: a combination is never null).
    pub config: DistributorConfig,
}

/// "The referenced id's `in_reference` equals this aggregate's `source`" — e.g. the multi-tenant
/// rule `same(tenant_id = id.tenant_id)` on a book's `author_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Same {
    /// Dotted path inside the reference value (the target's id), e.g. `tenant_id`.
    pub in_reference: String,
    /// Dotted path of a field of this aggregate populated earlier, e.g. `id.tenant_id`.
    pub source: String,
}

/// A leaf value drawn from a pool with a distributor (reuse or create), e.g. a status.
#[derive(Debug, Clone)]
pub struct ValueDecl {
    /// Dotted path of the field.
    pub field: String,
    /// Its distributor.
    pub config: DistributorConfig,
    /// The share of the aggregate's draws that reach this field (see [`ReferenceDecl`]).
    pub(crate) share: f64,
}

/// A field whose value is one of a fixed list, chosen with weights (see [`Schema::one_of`]).
#[derive(Debug, Clone, PartialEq)]
pub struct OneOfDecl {
    /// Dotted path of the field; empty for a component's own value (an enum's variant), which
    /// is then the path of the field that holds the component.
    pub field: String,
    /// How many values the list has.
    pub values: usize,
    /// One weight per value; `None`: uniform.
    pub weights: Option<Vec<f64>>,
    /// The share of the aggregate's draws that reach this field (see [`ReferenceDecl`]).
    pub(crate) share: f64,
    /// Planned draws spent in list order (see [`Schema::ordered_quantiles`]).
    pub ordered: bool,
}

/// How many children a parent gets — or how many elements a collection holds — as
/// `#[children(.., mean = .., skew = .. | weights = [..] | range = ..)]` and
/// `#[provider(collection, ..)]` write it: Poisson around `mean`, the skewed or
/// partition-weighted counts of [`crate::count`], or a weighted integer range. Validated when
/// the type is first used.
///
/// | given | the count is |
/// |---|---|
/// | `mean` | [`PoissonCount`] |
/// | `mean`, `skew` | [`SkewCount`] |
/// | `mean`, `weights` | [`WeightsCount`] (partition weights of the per-parent rate) |
/// | `range`, optionally `weights` | [`RangeCount::new`]: a value of `min..=max`, `weights` fitted to the values (uniform without); `mean` and `skew` are refused with it ([`ParamError::WithRange`]), the mean follows from the weights |
///
/// ```
/// use faker_core::provider::CountConfig;
///
/// // 1 to 5 lines, one line three times as likely as five.
/// let lines = CountConfig { range: Some((1, 5)), weights: Some(vec![3.0, 1.0]), ..Default::default() };
/// assert!(lines.validate().is_ok());
/// /// // Weights fitted to 1..=5: 3, 2.5, 2, 1.5, 1; mean 25 / 10.
/// assert!((lines.mean()? - 2.5).abs() < 1e-12);
/// assert!(CountConfig { mean: -1.0, ..Default::default() }.validate().is_err());
/// # Ok::<(), faker_core::ParamError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CountConfig {
    /// Average children per parent (not read with `range`, where it must stay 0).
    pub mean: f64,
    /// Power-law skew of the per-parent rate.
    pub skew: Option<f64>,
    /// Partition weights of the per-parent rate; with `range`, the weights of its values.
    pub weights: Option<Vec<f64>>,
    /// `(min, max)`: the count is a value of `min..=max` (see the table above).
    pub range: Option<(i64, i64)>,
}

impl CountConfig {
    /// Checks the parameters as the runtime does when the type is first used (what
    /// `#[derive(Provider)]` calls to report them at compile time).
    pub fn validate(&self) -> Result<(), ParamError> {
        self.build().map(|_| ())
    }

    /// The expected count per parent: `mean`, or the weighted mean of the range.
    pub fn mean(&self) -> Result<f64, ParamError> {
        self.build().map(|count| count.mean)
    }

    pub(crate) fn build(&self) -> Result<Count, ParamError> {
        fn ready(d: impl CountDistribution + Send + Sync + 'static) -> Count {
            Count::of(d)
        }
        if let Some((min, max)) = self.range {
            if self.skew.is_some() {
                return Err(ParamError::WithRange { param: "skew" });
            }
            if self.mean != 0.0 {
                return Err(ParamError::WithRange { param: "mean" });
            }
            let weights = self.weights.as_deref().unwrap_or(&[]);
            let range = RangeCount::new(min, max, weights)?;
            let sizes = Sizes::of(&range);
            let mut count = ready(range);
            count.sizes = sizes;
            return Ok(count);
        }
        Ok(match (&self.weights, self.skew) {
            (Some(_), Some(_)) => return Err(ParamError::WeightsAndSkew),
            (Some(w), None) => ready(WeightsCount::new(Weights::new(w)?, self.mean)?),
            (None, Some(s)) => ready(SkewCount::new(Skew::new(s)?, self.mean)?),
            (None, None) => ready(PoissonCount::new(self.mean)?),
        })
    }
}

/// A count law ready to draw, with the mean it aims at (planning reads it).
#[derive(Clone)]
pub(crate) struct Count {
    pub(crate) sample: CountFn,
    pub(crate) mean: f64,
    /// The law's finite support, when planning can give it exact counts (a weighted range).
    pub(crate) sizes: Option<Sizes>,
}

impl Count {
    fn of(d: impl CountDistribution + Send + Sync + 'static) -> Count {
        let mean = d.mean();
        Count {
            sample: Arc::new(move |rng: &mut FakerRng| d.sample(rng)),
            mean,
            sizes: None,
        }
    }
}

/// The sizes a count law can draw, `min, min + 1, ..` with the probability of each: what
/// planning needs to give a collection's sizes exact counts
/// (`round(N · p)` collections of each size, see `registry::CollectionState`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sizes {
    pub(crate) min: u64,
    pub(crate) probabilities: Vec<f64>,
}

impl Sizes {
    /// The widest range planned exactly: beyond it (a uniform range over millions of sizes)
    /// each size would get a planned count of 0 or 1, which is no better than sampling and
    /// costs a table as wide as the range.
    pub(crate) const MAX_PLANNED: u64 = 1 << 16;

    fn of(range: &RangeCount) -> Option<Sizes> {
        let (min, max) = (range.min(), range.max());
        if max - min >= Self::MAX_PLANNED {
            return None;
        }
        Some(Sizes {
            min,
            probabilities: (min..=max).map(|v| range.probability(v)).collect(),
        })
    }
}

pub(crate) type CountFn = Arc<dyn Fn(&mut FakerRng) -> u64 + Send + Sync>;

/// Child aggregates created after the parent, each with the parent's id in `parent_field`.
#[derive(Clone)]
pub struct ChildrenDecl {
    /// The child aggregate type's name.
    pub child: &'static str,
    /// Dotted path, in the child, of the field that holds the parent's id.
    pub parent_field: String,
    pub(crate) count: ChildCount,
    pub(crate) create: CreateChildren,
}

#[derive(Clone)]
pub(crate) enum ChildCount {
    Ready(Count),
    Config(CountConfig),
}

impl ChildCount {
    pub(crate) fn build(self) -> Result<Count, ParamError> {
        match self {
            ChildCount::Ready(count) => Ok(count),
            ChildCount::Config(config) => config.build(),
        }
    }
}

/// A collection of components inside the aggregate (`lines: Vec<InvoiceLine>`): how many
/// elements it gets. The elements' own declarations are in the schema under the
/// collection's path (`lines.track`), one declaration for all elements of all aggregates.
#[derive(Clone)]
pub struct CollectionDecl {
    /// Dotted path of the collection field, e.g. `lines`.
    pub field: String,
    pub(crate) count: ChildCount,
    /// The share of the aggregates that hold the collection (below 1 inside an enum
    /// variant, see [`Schema::variant`]).
    pub(crate) share: f64,
}

impl Schema {
    /// No references, no pooled values, no children.
    pub fn new() -> Schema {
        Schema::default()
    }

    /// Declares `field` as a reference to `T` drawn by a distributor built from `config`.
    pub fn reference<T: Provider>(mut self, field: &str, config: DistributorConfig) -> Self {
        self.references.push(ReferenceDecl {
            field: field.to_string(),
            target: T::NAME,
            target_type: TypeId::of::<T>(),
            target_id_field: T::ID_FIELD,
            register: Registry::register_target::<T>,
            create: Runtime::create_target::<T>,
            pool_len: Registry::pool_len::<T>,
            config,
            same: Vec::new(),
            differ: Vec::new(),
            follows: None,
            share: 1.0,
        });
        self
    }

    /// Adds a constraint to the reference declared last: the referenced id's `in_reference`
    /// must equal this aggregate's `source`. It filters the reuse pool and pins the field when
    /// the target is created.
    ///
    /// # Panics
    /// When no reference was declared before (a programming error in the schema).
    pub fn same(mut self, in_reference: &str, source: &str) -> Self {
        let last = self
            .references
            .last_mut()
            .expect("Schema::same must follow Schema::reference");
        last.same.push(Same {
            in_reference: in_reference.to_string(),
            source: source.to_string(),
        });
        self
    }

    /// Adds a "must differ" constraint to the reference declared last: its value never equals
    /// the value of the reference `field` of the same aggregate (declared and populated before
    /// it, with the same target type) — a flight's `dest` is never its `origin`. The draw
    /// honours it directly (the law conditioned on differing), with no generate-and-reject of
    /// the aggregate.
    ///
    /// # Panics
    /// When no reference was declared before (a programming error in the schema).
    pub fn differ(mut self, field: &str) -> Self {
        let last = self
            .references
            .last_mut()
            .expect("Schema::differ must follow Schema::reference");
        last.differ.push(field.to_string());
        self
    }

    /// Makes the reference declared last a function of `field` (a field of this aggregate
    /// populated before it): the first aggregate with a given value of `field` draws the
    /// reference with its law, every later one with that value takes the same reference —
    /// a functional dependency inside the type, as a track's album decides its media type or
    /// a flight's tail number its carrier, which `same(..)` cannot say when the referenced
    /// type's id does not hold the field. A null `field` draws freely. A requirement on the
    /// reference (`create_matching`) wins over it.
    ///
    /// # Panics
    /// When no reference was declared before (a programming error in the schema).
    pub fn follows(mut self, field: &str) -> Self {
        let last = self
            .references
            .last_mut()
            .expect("Schema::follows must follow Schema::reference");
        last.follows = Some(field.to_string());
        self
    }

    /// Makes the generated value at `field` a function of `source` (a field of this aggregate
    /// populated before it): the first aggregate with a given value of `source` generates the
    /// value as usual (value list, quantiles, generator), every later one with that value
    /// takes the same — an invoice's billing city decided by its customer, a track's price by
    /// its genre. What `#[provider(.., follows(source))]` generates; the populate side is
    /// [`Cx::followed`](super::Cx::followed) and [`Cx::keep_followed`](super::Cx::keep_followed).
    /// A null `source` generates freely; a requirement on the value wins over it. A value list
    /// or histogram at `field` is planned for the distinct values of `source` when `source`
    /// is a planned reference (its law then holds over those values), for every aggregate
    /// otherwise.
    ///
    /// ```
    /// use faker_core::provider::Schema;
    ///
    /// let invoice = Schema::new()
    ///     .one_of("billing_city", 3, Some(vec![0.5, 0.3, 0.2]))
    ///     .value_follows("billing_city", "customer_id");
    /// assert_eq!(invoice.value_follows_decls()[0].source, "customer_id");
    /// ```
    pub fn value_follows(mut self, field: &str, source: &str) -> Self {
        self.value_follows.push(ValueFollows {
            field: field.to_string(),
            source: source.to_string(),
        });
        self
    }

    /// Gives the reference `fields` one joint law: the combination of their values (a flight's
    /// `(origin, dest)` route) is drawn under `config` — distinct combinations = draws / mean,
    /// shares by skew or weights — while each field's values still come from its own pool,
    /// with the marginal law of its own distributor. The fields must be references declared
    /// in this schema; checked when the type is first used.
    pub fn joint(mut self, fields: &[&str], config: DistributorConfig) -> Self {
        self.joints.push(JointDecl {
            fields: fields.iter().map(|f| f.to_string()).collect(),
            config,
        });
        self
    }

    /// Declares a leaf value drawn from a pool with a distributor built from `config`.
    pub fn value(mut self, field: &str, config: DistributorConfig) -> Self {
        self.values.push(ValueDecl {
            field: field.to_string(),
            config,
            share: 1.0,
        });
        self
    }

    /// Declares a field whose value is one of `values` values, index `i` chosen with weight
    /// `weights[i]` (uniform without weights), what `#[provider(one_of = [..], weights =
    /// [..])]` and an enum's variants generate; the populate side is [`Cx::one_of`](super::Cx::one_of).
    /// With a known number of aggregates ([`Faker::plan`](super::Faker::plan)) every value gets
    /// exactly its share of them, otherwise each draw is sampled (see [`crate::one_of`]). The
    /// weights are validated when the type is first used. An empty `field` is the path of
    /// the component itself (a unit enum declares its variants so).
    pub fn one_of(mut self, field: &str, values: usize, weights: Option<Vec<f64>>) -> Self {
        self.one_ofs.push(OneOfDecl {
            field: field.to_string(),
            values,
            weights,
            share: 1.0,
            ordered: false,
        });
        self
    }

    /// Declares `field` as drawn from a histogram of `buckets` buckets
    /// ([`Cx::quantiles`](super::Cx::quantiles), what `#[provider(quantiles = [..])]`
    /// generates), so that planning gives each bucket its exact count: `N` draws put
    /// `round(N / buckets)` values in each (largest remainder), where independent draws would
    /// scatter them (see [`crate::quantiles::Quantiles`]). The buckets are planned like the
    /// values of a uniform [`Schema::one_of`] list (and listed with them by
    /// [`Schema::one_ofs`]). An undeclared field is sampled.
    ///
    /// ```
    /// use faker_core::provider::Schema;
    ///
    /// let invoice = Schema::new().quantiles("invoice_date", 20);
    /// assert_eq!(invoice.one_ofs()[0].values, 20);
    /// ```
    pub fn quantiles(self, field: &str, buckets: usize) -> Self {
        self.one_of(field, buckets, None)
    }

    /// Like [`Schema::quantiles`], with the planned values **in order of creation**: the
    /// aggregates take the first bucket's values, then the second's, up to the last (what
    /// `#[provider(quantiles = [..], ordered)]` generates). The histogram is the same; what
    /// changes is the order of the rows: a table whose rows were inserted as time went
    /// (`invoice_date` of invoices numbered in date order) has `pg_stats.correlation` near 1
    /// for the column, and PostgreSQL prices an index scan over a date range by it. Values
    /// inside a bucket are still drawn at random, so the correlation of `k` buckets is about
    /// `1 - 1/k²`. Draws beyond the planned ones are sampled.
    ///
    /// ```
    /// use faker_core::provider::Schema;
    ///
    /// let invoice = Schema::new().ordered_quantiles("invoice_date", 20);
    /// assert!(invoice.one_ofs()[0].ordered);
    /// ```
    pub fn ordered_quantiles(mut self, field: &str, buckets: usize) -> Self {
        self = self.one_of(field, buckets, None);
        if let Some(decl) = self.one_ofs.last_mut() {
            decl.ordered = true;
        }
        self
    }

    /// Declares child aggregates `C`: after each aggregate is stored, `count` decides how many
    /// children it gets, and each child is created with the parent's id in `parent_field`.
    pub fn children<C: Provider>(
        mut self,
        parent_field: &str,
        count: impl CountDistribution + Send + Sync + 'static,
    ) -> Self {
        self.children.push(ChildrenDecl {
            child: C::NAME,
            parent_field: parent_field.to_string(),
            count: ChildCount::Ready(Count::of(count)),
            create: Runtime::create_children::<C>,
        });
        self
    }

    /// Like [`Schema::children`], with the count given as parameters that are validated when
    /// the type is first used (what `#[children(..)]` generates).
    pub fn children_with<C: Provider>(mut self, parent_field: &str, count: CountConfig) -> Self {
        self.children.push(ChildrenDecl {
            child: C::NAME,
            parent_field: parent_field.to_string(),
            count: ChildCount::Config(count),
            create: Runtime::create_children::<C>,
        });
        self
    }

    /// Adds the declarations of a component (a composite value object or entity) found at
    /// `prefix`: every path of `inner` is put under it (`tenant_id` becomes `id.tenant_id`;
    /// the component's own path, empty, becomes `prefix`), except a `same(..)` source written
    /// `super.field`, which names a field of the struct that holds the component and becomes
    /// `field` (see [`Schema::collection`]).
    pub fn nested(self, prefix: &str, inner: Schema) -> Self {
        self.place(prefix, 1.0, Super::Resolve, inner)
    }

    /// Like [`Schema::nested`], for the fields of one variant of an enum drawn with
    /// probability `share`: planning gives each of them that share of the aggregate's draws
    /// (a planned count of `round(N · share)`), since only the aggregates of that variant draw
    /// them. An empty `prefix` keeps the paths as they are (an internally tagged or untagged
    /// enum, whose variants' fields sit in the enum's own state). A `same(..)` source written
    /// `super.field` in a variant names a field of the struct holding the *enum* (the variant
    /// is part of the enum component), so it is left for the holder's [`Schema::nested`].
    pub fn variant(self, prefix: &str, share: f64, inner: Schema) -> Self {
        self.place(prefix, share, Super::Keep, inner)
    }

    fn place(mut self, prefix: &str, share: f64, sup: Super, inner: Schema) -> Self {
        let under = |path: &str| match (prefix.is_empty(), path.is_empty()) {
            (true, _) => path.to_string(),
            (false, true) => prefix.to_string(),
            (false, false) => format!("{prefix}.{path}"),
        };
        for mut o in inner.one_ofs {
            o.field = under(&o.field);
            o.share *= share;
            self.one_ofs.push(o);
        }
        for mut r in inner.references {
            r.share *= share;
            r.field = under(&r.field);
            for same in &mut r.same {
                same.source = match (same.source.strip_prefix(SUPER), sup) {
                    (Some(outer), Super::Resolve) => outer.to_string(),
                    (Some(_), Super::Keep) => continue,
                    (None, _) => under(&same.source),
                };
            }
            for other in &mut r.differ {
                *other = under(other);
            }
            if let Some(source) = &mut r.follows {
                *source = under(source);
            }
            self.references.push(r);
        }
        for mut v in inner.values {
            v.field = under(&v.field);
            v.share *= share;
            self.values.push(v);
        }
        self.children.extend(inner.children);
        for mut j in inner.joints {
            for f in &mut j.fields {
                *f = under(f);
            }
            self.joints.push(j);
        }
        for mut f in inner.value_follows {
            f.field = under(&f.field);
            f.source = under(&f.source);
            self.value_follows.push(f);
        }
        for mut c in inner.collections {
            c.field = under(&c.field);
            c.share *= share;
            self.collections.push(c);
        }
        self
    }

    /// Declares the collection `field` (`lines: Vec<InvoiceLine>`, what
    /// `#[provider(collection, ..)]` generates): each aggregate gets a number of elements
    /// drawn from `count`, and each element is populated like a component under `field`
    /// ([`Cx::collection`](super::Cx::collection)). `inner` is the element's schema: its
    /// declarations are added once, under `field` (as [`Schema::nested`] does), so a
    /// reference in the element (`lines.track`) has one distributor that every element of
    /// every aggregate draws from, and keeps its law across all of them. A `same(..)` source
    /// written `super.tenant_id` in the element names the field `tenant_id` of the struct that
    /// holds the collection: every element's reference is tied to its aggregate's value.
    ///
    /// When `n` aggregates are planned ([`Faker::plan`](super::Faker::plan)), the element
    /// declarations are planned for `n` times the count law's mean draws (see
    /// [`Faker::plan`](super::Faker::plan)).
    ///
    /// ```
    /// use faker_core::distributor::DistributorConfig;
    /// use faker_core::provider::{CountConfig, Schema};
    /// # #[derive(Clone, serde::Serialize)] struct Track { id: u64 }
    /// # impl faker_core::provider::Provider for Track {
    /// #     type Id = u64;
    /// #     const NAME: &'static str = "Track";
    /// #     fn id(&self) -> u64 { self.id }
    /// #     async fn populate(cx: &mut faker_core::provider::Cx<'_>) -> Result<Self, faker_core::provider::FakerError> {
    /// #         Ok(Track { id: cx.sequence("id").await? })
    /// #     }
    /// # }
    /// let line = Schema::new().reference::<Track>("track", DistributorConfig {
    ///     skew: Some(2.0),
    ///     mean: Some(20.0),
    ///     ..Default::default()
    /// });
    /// let invoice = Schema::new().collection(
    ///     "lines",
    ///     line,
    ///     CountConfig { mean: 3.0, ..Default::default() },
    /// );
    /// assert_eq!(invoice.references()[0].field, "lines.track");
    /// assert_eq!(invoice.collections()[0].field, "lines");
    /// ```
    pub fn collection(self, field: &str, inner: Schema, count: CountConfig) -> Self {
        self.collection_with(field, inner, ChildCount::Config(count))
    }

    /// Like [`Schema::collection`], with any count distribution (say, a
    /// [`Rescaled`](crate::count::Rescaled) law), whose [`CountDistribution::mean`] planning
    /// reads.
    pub fn collection_of(
        self,
        field: &str,
        inner: Schema,
        count: impl CountDistribution + Send + Sync + 'static,
    ) -> Self {
        self.collection_with(field, inner, ChildCount::Ready(Count::of(count)))
    }

    fn collection_with(mut self, field: &str, inner: Schema, count: ChildCount) -> Self {
        self.collections.push(CollectionDecl {
            field: field.to_string(),
            count,
            share: 1.0,
        });
        self.nested(field, inner)
    }

    /// The distributor [`Faker::create_matching`](super::Faker::create_matching) uses for this type (default: uniform law,
    /// `mean` 50: an existing match is reused 49 times out of 50).
    pub fn matching(mut self, config: DistributorConfig) -> Self {
        self.matching = Some(config);
        self
    }

    /// The declared references.
    pub fn references(&self) -> &[ReferenceDecl] {
        &self.references
    }

    /// The declared pooled values.
    pub fn values(&self) -> &[ValueDecl] {
        &self.values
    }

    /// The declared weighted value lists.
    pub fn one_ofs(&self) -> &[OneOfDecl] {
        &self.one_ofs
    }

    /// The generated values that another field decides ([`Schema::value_follows`]).
    pub fn value_follows_decls(&self) -> &[ValueFollows] {
        &self.value_follows
    }

    /// The declared joint laws.
    pub fn joints(&self) -> &[JointDecl] {
        &self.joints
    }

    /// The declared children.
    pub fn children_decls(&self) -> &[ChildrenDecl] {
        &self.children
    }

    /// The declared collections (with the paths of collections inside components).
    pub fn collections(&self) -> &[CollectionDecl] {
        &self.collections
    }
}

/// How a `same(..)` source in a component names a field of the struct that holds it.
pub(crate) const SUPER: &str = "super.";

/// What [`Schema::place`] does with a `super.` source: resolve it to the holder's field (a
/// component placed in the struct holding it), or keep it for the next level up (an enum's
/// variant, whose holder is the enum's holder).
#[derive(Clone, Copy)]
enum Super {
    Resolve,
    Keep,
}
