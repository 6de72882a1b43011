//! Code generation: one `impl Provider` (aggregates) or `impl Component` (value objects and
//! entities) that only wires faker-core calls, one `let` per field in declaration order.
//!
//! Every path goes through the facade (`::ddd_faker::..`), since users depend on `ddd-faker`
//! only. Names the generated code introduces (`cx`, `rng`, ...) are hygienic
//! ([`Span::mixed_site`]), so they can neither clash with field names nor be captured by the
//! expressions a user writes in the attributes.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::Type;
use syn::spanned::Spanned;

use crate::ast::{EnumInput, Field, Input, Style};
use crate::attr::{
    BoundValue, Build, CountLaw, DistributorAttr, JointAttr, Kind, Num, QuantileList, SourceKind,
    WeightsList,
};

/// Hygienic identifiers of the generated code.
struct Names {
    cx: Ident,
    rng: Ident,
    position: Ident,
    value: Ident,
    error: Ident,
    key: Ident,
    inner: Ident,
    index: Ident,
}

impl Names {
    fn new() -> Names {
        let id = |s: &str| Ident::new(s, Span::mixed_site());
        Names {
            cx: id("cx"),
            rng: id("rng"),
            position: id("position"),
            value: id("value"),
            error: id("error"),
            key: id("key"),
            inner: id("inner"),
            index: id("index"),
        }
    }
}

pub fn expand(input: &Input) -> TokenStream {
    let names = Names::new();
    let ident = &input.ident;
    let schema = schema(input);
    let populate = populate(input, &names);
    let keys = keys(input, &names);
    let columns = columns(input);
    match input.kind() {
        Kind::Aggregate => {
            let name = input
                .attrs
                .name
                .as_ref()
                .map(|n| n.value.value())
                .unwrap_or_else(|| crate::ast::field_name(ident));
            // Validation guarantees exactly one identity field on an aggregate.
            let id_field = input.fields.iter().find(|f| f.attrs.id.is_some());
            let (id_ident, id_ty, id_name) = match id_field {
                Some(f) => (&f.ident, &f.ty, f.path.as_str()),
                None => return TokenStream::new(),
            };
            let id_columns = id_columns(input);
            let table = input.attrs.table.as_ref().map(|t| {
                let t = &t.value;
                quote! {
                    const TABLE: ::core::option::Option<&'static str> =
                        ::core::option::Option::Some(#t);
                }
            });
            quote! {
                #[automatically_derived]
                impl ::ddd_faker::provider::Provider for #ident {
                    type Id = #id_ty;
                    const NAME: &'static str = #name;
                    const ID_FIELD: &'static str = #id_name;
                    #table

                    fn id(&self) -> Self::Id {
                        ::core::clone::Clone::clone(&self.#id_ident)
                    }

                    #schema
                    #columns
                    #id_columns
                    #populate
                    #keys
                }
            }
        }
        Kind::Value | Kind::Entity => quote! {
            #[automatically_derived]
            impl ::ddd_faker::provider::Component for #ident {
                #schema
                #columns
                #populate
                #keys
            }
        },
    }
}

// ---------------------------------------------------------------- enums

/// An enum: a `Component` whose own value (the empty path, i.e. the path of the field that
/// holds it) is a weighted choice among its variants, declared with `Schema::one_of`; a
/// unit-only enum draws its value with `Cx::one_of` (so that a requirement can pin a
/// variant), any other with `Cx::variant`, then populates the drawn variant's fields as a
/// struct's, under the variant's prefix (`Schema::variant` scales their plans by the
/// variant's share).
pub fn expand_enum(input: &EnumInput) -> TokenStream {
    let n = Names::new();
    let Names {
        cx, index, value, ..
    } = &n;
    let ident = &input.ident;
    let count = input.variants.len();
    let weights: Option<Vec<f64>> = input
        .variants
        .iter()
        .map(|v| v.weight.as_ref().map(|w| w.value))
        .collect();
    let shares: Vec<f64> = match &weights {
        Some(w) => {
            let total: f64 = w.iter().sum();
            w.iter().map(|x| x / total).collect()
        }
        None => vec![1.0 / count as f64; count],
    };
    let weights_tokens = option(weights.as_ref().map(|w| {
        let values = w.iter().map(|x| f64_lit(*x));
        quote!(::std::vec![#(#values),*])
    }));
    let mut calls = vec![quote!(.one_of("", #count, #weights_tokens))];
    for (v, share) in input.variants.iter().zip(&shares) {
        let inner = schema_calls(&v.body);
        if inner.is_empty() {
            continue;
        }
        let (prefix, share) = (&v.prefix, f64_lit(*share));
        calls.push(quote! {
            .variant(#prefix, #share, ::ddd_faker::provider::Schema::new() #(#inner)*)
        });
    }
    let last = count.saturating_sub(1);
    let pattern = |i: usize| {
        if i == last {
            quote!(_)
        } else {
            let i = proc_macro2::Literal::usize_unsuffixed(i);
            quote!(#i)
        }
    };
    let body = if input.unit_only() {
        let arms = input.variants.iter().enumerate().map(|(i, v)| {
            let (p, variant) = (pattern(i), &v.ident);
            quote!(#p => Self::#variant,)
        });
        quote! {
            #cx.one_of("", |#index: usize| match #index { #(#arms)* })
        }
    } else {
        let arms = input.variants.iter().enumerate().map(|(i, v)| {
            let (p, variant) = (pattern(i), &v.ident);
            let (lets, args) = field_lets(&v.body, &n, false);
            let built = match v.style {
                Style::Unit => quote!(Self::#variant),
                Style::Tuple => quote!(Self::#variant(#(#args),*)),
                Style::Named => quote!(Self::#variant { #(#args),* }),
            };
            if lets.is_empty() {
                return quote!(#p => ::core::result::Result::Ok(#built),);
            }
            let prefix = &v.prefix;
            quote! {
                #p => {
                    #cx.enter(#prefix);
                    let #value: ::core::result::Result<Self, ::ddd_faker::provider::FakerError> =
                        async {
                            #(#lets)*
                            ::core::result::Result::Ok(#built)
                        }
                        .await;
                    #cx.leave();
                    #value
                }
            }
        });
        quote! {
            match #cx.variant("")? { #(#arms)* }
        }
    };
    quote! {
        #[automatically_derived]
        impl ::ddd_faker::provider::Component for #ident {
            fn schema() -> ::ddd_faker::provider::Schema {
                ::ddd_faker::provider::Schema::new()
                    #(#calls)*
            }

            async fn populate(
                #cx: &mut ::ddd_faker::provider::Cx<'_>,
            ) -> ::core::result::Result<Self, ::ddd_faker::provider::FakerError> {
                #body
            }
        }
    }
}

// ---------------------------------------------------------------- schema

fn schema(input: &Input) -> Option<TokenStream> {
    let calls = schema_calls(input);
    if calls.is_empty() {
        return None;
    }
    Some(quote! {
        fn schema() -> ::ddd_faker::provider::Schema {
            ::ddd_faker::provider::Schema::new()
                #(#calls)*
        }
    })
}

/// The `Schema` builder calls of a struct's fields, joints and children.
fn schema_calls(input: &Input) -> Vec<TokenStream> {
    let mut calls = Vec::new();
    for f in &input.fields {
        let name = &f.path;
        let source = f.attrs.source();
        if let Some(r) = &f.reference {
            let target = &r.ty;
            let config = distributor_config(f.distributor.as_ref(), true);
            let same = r.same.iter().map(|s| {
                let (a, b) = (s.in_reference.dotted(), source_path(input, &s.source));
                quote!(.same(#a, #b))
            });
            let differ = r.differ.iter().map(|path| {
                let other = source_path(input, path);
                quote!(.differ(#other))
            });
            let follows = r.follows.iter().map(|path| {
                let source = source_path(input, path);
                quote!(.follows(#source))
            });
            // Spanned on the type as written in the attribute: `T: Provider` is checked here,
            // and a type without a provider is reported there.
            let reference = quote_spanned!(target.span()=> .reference::<#target>);
            calls.push(quote! {
                #reference(#name, #config)
                #(#same)*
                #(#differ)*
                #(#follows)*
            });
        } else if matches!(source, Some(SourceKind::Composite)) {
            let ty = &f.ty;
            let schema = quote_spanned! {ty.span()=>
                <#ty as ::ddd_faker::provider::Component>::schema()
            };
            calls.push(quote!(.nested(#name, #schema)));
        } else if matches!(source, Some(SourceKind::Collection)) {
            // Validation guarantees a `Vec<E>`.
            let Some(element) = crate::ast::vec_inner(&f.ty) else {
                continue;
            };
            let schema = quote_spanned! {element.span()=>
                <#element as ::ddd_faker::provider::Component>::schema()
            };
            let count = count_config(&f.attrs.count);
            calls.push(quote!(.collection(#name, #schema, #count)));
        } else if pooled(f) {
            let config = distributor_config(f.distributor.as_ref(), false);
            calls.push(quote!(.value(#name, #config)));
        } else if let Some(SourceKind::OneOf(values)) = source {
            let len = values.len();
            let weights = option(f.attrs.weights.as_ref().map(vec_of));
            calls.push(quote!(.one_of(#name, #len, #weights)));
        } else if let Some(SourceKind::Quantiles(list)) = source {
            // Its buckets are planned like a value list's values (validation guarantees at
            // least two bounds).
            let buckets = list.bounds.len().saturating_sub(1);
            if f.attrs.ordered.is_some() {
                calls.push(quote!(.ordered_quantiles(#name, #buckets)));
            } else {
                calls.push(quote!(.quantiles(#name, #buckets)));
            }
        }
        if let (Some(follows), None) = (&f.attrs.follows, &f.reference) {
            let source = source_path(input, &follows.value);
            calls.push(quote!(.value_follows(#name, #source)));
        }
    }
    // After every field: a joint names fields the schema has declared.
    for j in &input.joints {
        let fields = j.members.iter().map(|m| source_path(input, m));
        let config = joint_config(j);
        calls.push(quote!(.joint(&[#(#fields),*], #config)));
    }
    for c in &input.children {
        let child = &c.ty;
        let parent = c
            .parent
            .as_ref()
            .map(|p| p.value.value())
            .unwrap_or_default();
        let count = count_config(&c.law);
        let children = quote_spanned!(child.span()=> .children_with::<#child>);
        calls.push(quote!(#children(#parent, #count)));
    }
    calls
}

/// The exported-state path of a `same(..)` source, a `differ(..)` field or a `#[joint(..)]`
/// member: its first segment is a field of this struct, written with its Rust name and found
/// under its serialized name; the segments after it are inside that field's component and
/// already written as its state names them.
fn source_path(input: &Input, source: &crate::attr::DottedPath) -> String {
    let mut segments: Vec<String> = source.segments.iter().map(crate::ast::field_name).collect();
    // Validation guarantees the head is an earlier field.
    if let Some(field) = input.fields.iter().find(|f| f.name == segments[0]) {
        segments[0] = field.path.clone();
    }
    segments.join(".")
}

/// Whether a field is drawn from a value pool (`#[distributor(..)]` on a non-reference field).
fn pooled(f: &Field) -> bool {
    f.reference.is_none()
        && f.distributor
            .as_ref()
            .is_some_and(DistributorAttr::has_parameters)
}

fn f64_lit(v: f64) -> TokenStream {
    let lit = proc_macro2::Literal::f64_suffixed(v);
    quote!(#lit)
}

fn option(v: Option<TokenStream>) -> TokenStream {
    match v {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    }
}

fn vec_of(w: &WeightsList) -> TokenStream {
    let values = w.values.iter().map(|n: &Num| f64_lit(n.value));
    quote!(::std::vec![#(#values),*])
}

/// The `CountConfig` of `#[children(..)]` or a collection (`mean` 0 when not written: a
/// `range` decides it, and validation requires one of them).
fn count_config(law: &CountLaw) -> TokenStream {
    let mean = f64_lit(law.mean.as_ref().map_or(0.0, |m| m.value));
    let skew = option(law.skew.as_ref().map(|s| f64_lit(s.value)));
    let weights = option(law.weights.as_ref().map(vec_of));
    let range = option(law.range.as_ref().map(|r| {
        let (min, max) = (
            proc_macro2::Literal::i64_suffixed(r.min),
            proc_macro2::Literal::i64_suffixed(r.max),
        );
        quote!((#min, #max))
    }));
    quote! {
        ::ddd_faker::provider::CountConfig {
            mean: #mean,
            skew: #skew,
            weights: #weights,
            range: #range,
        }
    }
}

/// The `DistributorConfig` of a field; a reference's `mean` defaults to 50.
fn distributor_config(d: Option<&DistributorAttr>, reference: bool) -> TokenStream {
    let mut fields = Vec::new();
    if let Some(w) = d.and_then(|d| d.weights.as_ref()) {
        let v = vec_of(w);
        fields.push(quote!(weights: ::core::option::Option::Some(#v)));
    }
    if let Some(s) = d.and_then(|d| d.skew.as_ref()) {
        let v = f64_lit(s.value);
        fields.push(quote!(skew: ::core::option::Option::Some(#v)));
    }
    match d.and_then(|d| d.mean.as_ref()) {
        Some(m) => {
            let v = f64_lit(m.value);
            fields.push(quote!(mean: ::core::option::Option::Some(#v)));
        }
        None if reference => {
            let v = f64_lit(REFERENCE_MEAN);
            fields.push(quote!(mean: ::core::option::Option::Some(#v)));
        }
        None => {}
    }
    if let Some(q) = d.and_then(|d| d.null_weight.as_ref()) {
        let v = f64_lit(q.value.value);
        fields.push(quote!(null_weight: ::core::option::Option::Some(#v)));
    }
    if d.is_some_and(|d| d.ordered.is_some()) {
        fields.push(quote!(ordered: true));
    }
    if let Some(t) = d.and_then(|d| d.top.as_ref()) {
        let v = vec_of(t);
        fields.push(quote!(top: ::core::option::Option::Some(#v)));
    }
    quote! {
        ::ddd_faker::distributor::DistributorConfig {
            #(#fields,)*
            ..::core::default::Default::default()
        }
    }
}

/// The law over combinations of a `#[joint(..)]` (validation guarantees its `mean`).
fn joint_config(j: &JointAttr) -> TokenStream {
    let weights = option(j.weights.as_ref().map(vec_of));
    let skew = option(j.skew.as_ref().map(|s| f64_lit(s.value)));
    let mean = option(j.mean.as_ref().map(|m| f64_lit(m.value)));
    let ordered = j.ordered.is_some();
    quote! {
        ::ddd_faker::distributor::DistributorConfig {
            weights: #weights,
            skew: #skew,
            mean: #mean,
            ordered: #ordered,
            ..::core::default::Default::default()
        }
    }
}

/// The `mean` of a reference whose `#[distributor]` gives none.
const REFERENCE_MEAN: f64 = 50.0;

// ---------------------------------------------------------------- populate

fn populate(input: &Input, n: &Names) -> TokenStream {
    let cx = &n.cx;
    let by_constructor = matches!(
        input.attrs.build.first().map(|b| &b.value),
        Some(Build::Constructor(_) | Build::Factory(_))
    );
    let (lets, args) = field_lets(input, n, by_constructor);
    let build = match input.attrs.build.first().map(|b| &b.value) {
        None => quote! { ::core::result::Result::Ok(Self { #(#args),* }) },
        Some(Build::Constructor(path)) => quote! { ::core::result::Result::Ok(#path(#(#args),*)) },
        Some(Build::Factory(path)) => {
            let error = &n.error;
            quote! {
                #path(#(#args),*).map_err(|#error| #cx.domain_error(#error))
            }
        }
    };
    quote! {
        async fn populate(
            #cx: &mut ::ddd_faker::provider::Cx<'_>,
        ) -> ::core::result::Result<Self, ::ddd_faker::provider::FakerError> {
            #(#lets)*
            #build
        }
    }
}

/// One `let` per field, in declaration order, and the names bound (a `skip` field is left to
/// the constructor when there is one).
fn field_lets<'a>(
    input: &'a Input,
    n: &Names,
    by_constructor: bool,
) -> (Vec<TokenStream>, Vec<&'a Ident>) {
    let mut lets = Vec::new();
    let mut args = Vec::new();
    for f in &input.fields {
        let skip = matches!(f.attrs.source(), Some(SourceKind::Skip));
        if skip && by_constructor {
            // The constructor sets it.
            continue;
        }
        let ident = &f.ident;
        let ty = &f.ty;
        let value = field_value(f, n);
        let value = match (&f.attrs.follows, &f.reference) {
            // A value another field decides: the one kept for the source's value, else
            // generated and kept.
            (Some(_), None) => {
                let (cx, made, name) = (&n.cx, &n.value, &f.path);
                quote! {
                    match #cx.followed::<#ty>(#name)? {
                        ::core::option::Option::Some(#made) => #made,
                        ::core::option::Option::None => {
                            let #made: #ty = #value;
                            #cx.keep_followed(#name, &#made)?;
                            #made
                        }
                    }
                }
            }
            _ => value,
        };
        lets.push(quote! { let #ident: #ty = #value; });
        args.push(ident);
    }
    (lets, args)
}

/// The expression that gives one field its value.
fn field_value(f: &Field, n: &Names) -> TokenStream {
    let Names {
        cx,
        rng,
        position,
        value,
        ..
    } = n;
    let name = &f.path;
    let ty = &f.ty;
    let source = f.attrs.source();
    let map = f.attrs.map.as_ref().map(|m| &m.value);
    let fake = quote!(::ddd_faker::__private::fake);
    // Type errors of a value source point at the attribute that names it, or at the field's
    // type when it has none.
    let span = f
        .attrs
        .sources
        .first()
        .map_or_else(|| at(ty), |s| located_at(s.at.span()));

    if let Some(r) = &f.reference {
        let target = &r.ty;
        return if f.option_inner.is_some() {
            quote_spanned!(target.span()=> #cx.optional_reference::<#target>(#name).await?)
        } else {
            quote_spanned!(target.span()=> #cx.reference::<#target>(#name).await?)
        };
    }

    if pooled(f) {
        // The generator makes one value of the pool (the inner type of an `Option` field:
        // `None` is the distributor's null).
        let (generator, convert) = match source {
            Some(SourceKind::With(e)) => (quote!(#e), None),
            Some(SourceKind::Fake(e)) => {
                let dummy = quote!(#fake::Dummy::dummy_with_rng(&(#e), #rng));
                let made = match map {
                    Some(m) => quote!((#m)(#dummy)),
                    None => dummy,
                };
                (quote!(|#rng, _| #made), None)
            }
            Some(SourceKind::Sequence | SourceKind::DistributorSequence) => (
                quote!(|_, #position: u64| #position),
                Some(sequence_conversion(f, n, located(value, span), span)),
            ),
            _ => (
                quote!(|#rng, _| #fake::Dummy::dummy_with_rng(&#fake::Faker, #rng)),
                None,
            ),
        };
        let drawn = quote_spanned!(span=> #cx.pooled_value(#name, #generator)?);
        let some = match convert {
            Some(c) => c,
            None => quote!(#value),
        };
        return if f.option_inner.is_some() {
            quote! {
                match #drawn {
                    ::core::option::Option::Some(#value) => ::core::option::Option::Some(#some),
                    ::core::option::Option::None => ::core::option::Option::None,
                }
            }
        } else {
            let null = null_for_required(f, n);
            quote! {
                match #drawn {
                    ::core::option::Option::Some(#value) => #some,
                    ::core::option::Option::None => return ::core::result::Result::Err(#null),
                }
            }
        };
    }

    match source {
        Some(SourceKind::AutoKey) => quote_spanned!(span=> #cx.auto_key(#name)?),
        Some(SourceKind::Composite) => {
            let populate = quote_spanned! {ty.span()=>
                <#ty as ::ddd_faker::provider::Component>::populate(#cx).await
            };
            quote! {
                {
                    #cx.enter(#name);
                    let #value = #populate;
                    #cx.leave();
                    #value?
                }
            }
        }
        Some(SourceKind::Collection) => {
            // Validation guarantees a `Vec<E>`; `E: Component` is checked here, at `E`.
            let element = crate::ast::vec_inner(ty).unwrap_or_else(|| ty.clone());
            quote_spanned! {element.span()=>
                <#element as ::ddd_faker::provider::Component>::collection(#cx, #name).await?
            }
        }
        Some(SourceKind::Value(e)) => quote_spanned!(span=> #cx.constant(#name, #e)?),
        Some(SourceKind::OneOf(values)) => {
            let index = &n.index;
            let arms = one_of_arms(values, ty);
            quote_spanned! {span=>
                #cx.one_of(#name, |#index: usize| match #index { #arms })?
            }
        }
        Some(SourceKind::With(e)) => quote_spanned!(span=> #cx.value(#name, #e)?),
        Some(SourceKind::Quantiles(list)) => {
            let histogram = quantiles(ty, list);
            quote_spanned! {span=>
                {
                    static QUANTILES: #histogram;
                    #cx.quantiles(#name, &QUANTILES)?
                }
            }
        }
        Some(SourceKind::Fake(e)) => match map {
            None => quote_spanned!(span=> #cx.fake(#name, #e)?),
            Some(m) => quote_spanned! {span=>
                #cx.value(#name, |#rng, _| (#m)(#fake::Dummy::dummy_with_rng(&(#e), #rng)))?
            },
        },
        Some(SourceKind::Sequence | SourceKind::DistributorSequence) => {
            let convert = sequence_conversion(f, n, located(value, span), span);
            quote_spanned! {span=>
                {
                    let #value: u64 = #cx.sequence(#name).await?;
                    #convert
                }
            }
        }
        Some(SourceKind::Default | SourceKind::Skip) => {
            quote_spanned!(span=> ::core::default::Default::default())
        }
        // Guarded above.
        Some(SourceKind::Reference) => quote!(::core::default::Default::default()),
        None => quote_spanned!(span=> #cx.fake(#name, #fake::Faker)?),
    }
}

/// The arms of `match index { .. }` that make the value of each index of a `one_of` list (the
/// last arm catches every other index), each value converted to the field's type by
/// `OneOfValue` (so that `"paid"` fits a `String` field). Each arm is spanned at its value, so
/// that a value of the wrong type is reported there.
fn one_of_arms(values: &[syn::Expr], ty: &Type) -> TokenStream {
    let last = values.len().saturating_sub(1);
    let arms = values.iter().enumerate().map(|(i, v)| {
        let pattern = if i == last {
            quote!(_)
        } else {
            let i = proc_macro2::Literal::usize_unsuffixed(i);
            quote!(#i)
        };
        let value = quote_spanned! {at(v)=>
            <_ as ::ddd_faker::one_of::OneOfValue<#ty>>::into_value(#v)
        };
        quote!(#pattern => #value,)
    });
    quote!(#(#arms)*)
}

/// The type and initializer of the `static` that holds a field's histogram, built on first use:
/// `LazyLock<Result<Quantiles<T>, ParamError>> = ..`. Each bound is converted by the
/// `FromBound` implementation of its kind, for a type inferred from the array (`_`, spanned at
/// the literal), so a bound that does not fit the field's type is a compile error there (the bounds were checked in `valid`).
fn quantiles(ty: &Type, list: &QuantileList) -> TokenStream {
    let q = quote!(::ddd_faker::quantiles);
    let bounds = list.bounds.iter().map(|b| {
        let (kind, value) = match &b.value {
            BoundValue::Int(i) => {
                let lit = proc_macro2::Literal::i128_suffixed(*i);
                (quote!(i128), quote!(#lit))
            }
            BoundValue::Float(f) => (quote!(f64), f64_lit(*f)),
            BoundValue::Text(s) => match faker_core::quantiles::Moment::parse(&s.value()) {
                Ok(faker_core::quantiles::Moment::Date(d)) => {
                    let lit = proc_macro2::Literal::i64_suffixed(d.0);
                    (quote!(#q::DateBound), quote!(#q::DateBound(#lit)))
                }
                Ok(faker_core::quantiles::Moment::Timestamp(t)) => {
                    let lit = proc_macro2::Literal::i64_suffixed(t.0);
                    (quote!(#q::TimestampBound), quote!(#q::TimestampBound(#lit)))
                }
                Ok(faker_core::quantiles::Moment::Zoned(z)) => {
                    let lit = proc_macro2::Literal::i64_suffixed(z.0);
                    (quote!(#q::ZonedBound), quote!(#q::ZonedBound(#lit)))
                }
                // Reported by validation, which stops expansion.
                Err(_) => return quote!(),
            },
        };
        let span = located_at(b.at.span());
        quote_spanned! {span=>
            <_ as #q::FromBound<#kind>>::from_bound(#value)
        }
    });
    quote! {
        ::std::sync::LazyLock<
            ::core::result::Result<#q::Quantiles<#ty>, ::ddd_faker::ParamError>,
        > = ::std::sync::LazyLock::new(|| #q::Quantiles::<#ty>::from_bounds([#(#bounds),*]))
    }
}

/// A span that reports errors at `location` but is otherwise the derive's own: the code stays
/// macro-generated for lints (clippy does not lint it as the user's code).
fn located_at(location: Span) -> Span {
    Span::call_site().located_at(location)
}

/// [`located_at`] the tokens of `node` (their first token).
fn at(node: &impl Spanned) -> Span {
    located_at(node.span())
}

/// A hygienic name shown at `span` in errors.
fn located(name: &Ident, span: Span) -> TokenStream {
    let located = Ident::new(&name.to_string(), name.span().located_at(span));
    quote!(#located)
}

/// A sequence number (`u64`) into the field's type: through `map`, else `TryFrom<u64>` (so
/// `u64`, `i64` and any `From<u64>` newtype work), an out-of-range number being an error.
fn sequence_conversion(f: &Field, n: &Names, number: TokenStream, span: Span) -> TokenStream {
    let Names { cx, error, .. } = n;
    if let Some(m) = &f.attrs.map {
        let m = &m.value;
        return quote!((#m)(#number));
    }
    let name = &f.name;
    quote_spanned! {span=>
        ::core::convert::TryFrom::try_from(#number).map_err(|#error| {
            #cx.domain_error(::std::format!(
                "sequence number {} does not fit the type of `{}`: {}",
                #number, #name, #error
            ))
        })?
    }
}

/// The error of a pooled non-`Option` field that drew `None` (a requirement that pins `null`;
/// `null_weight` on such a field is a compile error).
fn null_for_required(f: &Field, n: &Names) -> TokenStream {
    let cx = &n.cx;
    let name = &f.path;
    quote! {
        ::ddd_faker::provider::FakerError {
            path: ::std::format!("{}.{}", #cx.path(), #name),
            kind: ::ddd_faker::provider::ErrorKind::NullForRequired,
        }
    }
}

// ---------------------------------------------------------------- columns

/// `columns()`: every serialized field as the scalars it holds (see `ColumnPath`): a plain
/// field is one, a composite field its component's, a reference the target's id columns.
/// Collections (child tables) and fields serde does not serialize are none.
fn columns(input: &Input) -> TokenStream {
    let out = quote!(__faker_columns);
    let pushes = input.fields.iter().filter_map(|f| {
        let skipped = f
            .serde
            .skips
            .iter()
            .any(|s| matches!(s.value, "skip" | "skip_serializing"));
        if skipped {
            return None;
        }
        let path = &f.path;
        // `column = ".."` names the column (a reference to a composite id names each of its
        // columns so: `Table::of` refuses that).
        let named = f.attrs.column.as_ref().map(|c| {
            let c = &c.value;
            quote!(.named(#c))
        });
        if let Some(reference) = &f.reference {
            let target = &reference.ty;
            return Some(quote_spanned! {target.span()=>
                #out.extend(
                    <#target as ::ddd_faker::provider::Provider>::id_columns()
                        .into_iter()
                        .map(|c| c.under(#path) #named),
                );
            });
        }
        match f.attrs.source() {
            Some(SourceKind::Collection) => None,
            Some(SourceKind::Composite) => {
                let ty = f.option_inner.as_ref().unwrap_or(&f.ty);
                Some(quote_spanned! {ty.span()=>
                    #out.extend(
                        <#ty as ::ddd_faker::provider::Component>::columns()
                            .into_iter()
                            .map(|c| c.under(#path)),
                    );
                })
            }
            _ => Some(quote! {
                #out.push(::ddd_faker::provider::ColumnPath::leaf(#path) #named);
            }),
        }
    });
    quote! {
        fn columns() -> ::std::vec::Vec<::ddd_faker::provider::ColumnPath> {
            let mut #out = ::std::vec::Vec::new();
            #(#pushes)*
            #out
        }
    }
}

/// `id_columns()` of an aggregate whose id is composite: its component's columns.
fn id_columns(input: &Input) -> Option<TokenStream> {
    let id = input.fields.iter().find(|f| f.attrs.id.is_some())?;
    if !matches!(id.attrs.source(), Some(SourceKind::Composite)) {
        return None;
    }
    let ty = &id.ty;
    Some(quote_spanned! {ty.span()=>
        fn id_columns() -> ::std::vec::Vec<::ddd_faker::provider::ColumnPath> {
            <#ty as ::ddd_faker::provider::Component>::columns()
        }
    })
}

// ---------------------------------------------------------------- keys

/// `auto_key()` and `assign_key`: a direct `#[provider(auto_key)]` field, else the first
/// composite field whose component has one.
fn keys(input: &Input, n: &Names) -> Option<TokenStream> {
    let Names { key, inner, .. } = n;
    let direct = input
        .fields
        .iter()
        .find(|f| matches!(f.attrs.source(), Some(SourceKind::AutoKey)));
    if let Some(f) = direct {
        let (ident, name) = (&f.ident, &f.path);
        return Some(quote! {
            fn auto_key() -> ::core::option::Option<::std::string::String> {
                ::core::option::Option::Some(::std::string::String::from(#name))
            }

            fn assign_key(
                &mut self,
                #key: ::ddd_faker::provider::JsonValue,
            ) -> ::core::result::Result<(), ::ddd_faker::provider::KeyError> {
                self.#ident = ::ddd_faker::provider::KeyError::decode(#name, #key)?;
                ::core::result::Result::Ok(())
            }
        });
    }
    let composites: Vec<&Field> = input
        .fields
        .iter()
        .filter(|f| matches!(f.attrs.source(), Some(SourceKind::Composite)))
        .collect();
    if composites.is_empty() {
        return None;
    }
    let component =
        |ty: &Type| quote_spanned!(ty.span()=> <#ty as ::ddd_faker::provider::Component>);
    let found = composites.iter().map(|f| {
        let (component, name) = (component(&f.ty), &f.path);
        quote! {
            if let ::core::option::Option::Some(#inner) = #component::auto_key() {
                return ::core::option::Option::Some(::std::format!("{}.{}", #name, #inner));
            }
        }
    });
    let assign = composites.iter().map(|f| {
        let (component, ident) = (component(&f.ty), &f.ident);
        quote! {
            if #component::auto_key().is_some() {
                return #component::assign_key(&mut self.#ident, #key);
            }
        }
    });
    let what = match input.kind() {
        Kind::Aggregate => crate::ast::field_name(&input.ident),
        _ => format!("the component `{}`", input.ident),
    };
    Some(quote! {
        fn auto_key() -> ::core::option::Option<::std::string::String> {
            #(#found)*
            ::core::option::Option::None
        }

        fn assign_key(
            &mut self,
            #key: ::ddd_faker::provider::JsonValue,
        ) -> ::core::result::Result<(), ::ddd_faker::provider::KeyError> {
            #(#assign)*
            let _ = #key;
            ::core::result::Result::Err(::ddd_faker::provider::KeyError::NoAutoKey {
                owner: ::std::string::String::from(#what),
            })
        }
    })
}
