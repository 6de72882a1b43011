//! The input model: the struct and its fields (read by darling), each with its attributes
//! parsed into [`crate::attr`] types, and each field with the name serde gives it in the
//! exported state.

use darling::{FromDeriveInput, FromField, FromVariant};
use syn::ext::IdentExt;
use syn::{
    Attribute, Data, DeriveInput, Fields, GenericArgument, Generics, Ident, PathArguments, Type,
};

use crate::Errors;
use crate::attr::serde::{SerdeField, SerdeStruct};
use crate::attr::{
    self, At, ChildrenAttr, DistributorAttr, FieldAttrs, JointAttr, Kind, Num, ReferenceAttr,
    StructAttrs,
};

#[derive(FromDeriveInput)]
#[darling(forward_attrs(provider, reference, distributor, children, joint, weight, serde))]
struct RawInput {
    ident: Ident,
    generics: Generics,
    data: darling::ast::Data<RawVariant, RawField>,
    attrs: Vec<Attribute>,
}

#[derive(FromVariant)]
#[darling(forward_attrs(provider, reference, distributor, children, joint, weight, serde))]
struct RawVariant {
    ident: Ident,
    fields: darling::ast::Fields<RawField>,
    attrs: Vec<Attribute>,
}

#[derive(FromField)]
#[darling(forward_attrs(provider, reference, distributor, children, joint, weight, serde))]
struct RawField {
    ident: Option<Ident>,
    ty: Type,
    attrs: Vec<Attribute>,
}

/// A struct deriving `Provider`.
pub struct Input {
    pub ident: Ident,
    pub generics: Generics,
    pub attrs: StructAttrs,
    pub children: Vec<ChildrenAttr>,
    /// Every `#[joint(..)]`, in the order written.
    pub joints: Vec<JointAttr>,
    pub fields: Vec<Field>,
    pub serde: SerdeStruct,
}

/// One named field.
pub struct Field {
    pub ident: Ident,
    /// The field's Rust name, for messages (`r#type` is `type`).
    pub name: String,
    /// The field's name in the exported state, as serde serializes it: its segment of every
    /// path the runtime is given (schema, populate, `ID_FIELD`, auto keys, errors).
    pub path: String,
    /// Where `path` was decided (`rename` on the field or `rename_all` on the struct), if it
    /// was not the Rust name.
    pub renamed_at: Option<At>,
    /// The name serde deserializes the field from, when it differs from `path`.
    pub deserialized: Option<String>,
    pub ty: Type,
    /// `T` when the field's type is `Option<T>`.
    pub option_inner: Option<Type>,
    pub attrs: FieldAttrs,
    pub reference: Option<ReferenceAttr>,
    pub distributor: Option<DistributorAttr>,
    pub serde: SerdeField,
}

impl Input {
    /// `aggregate` unless the struct says `value` or `entity`.
    pub fn kind(&self) -> Kind {
        self.attrs
            .kind
            .as_ref()
            .map_or(Kind::Aggregate, |k| k.value)
    }

    /// Reads the struct or enum; shapes that cannot be derived at all (unions, tuple and unit
    /// structs) stop here, every other problem is pushed to `errors` and reading goes on.
    pub fn from_syn(input: &DeriveInput, errors: &mut Errors) -> Option<Parsed> {
        if let Err(e) = shape(input) {
            errors.push(e);
            return None;
        }
        let raw = errors.handle(RawInput::from_derive_input(input))?;
        let serde = SerdeStruct::read(&raw.attrs);
        let mut attrs = StructAttrs::default();
        let mut children = Vec::new();
        let mut joints = Vec::new();
        let what = if matches!(raw.data, darling::ast::Data::Enum(_)) {
            "the enum"
        } else {
            "the struct"
        };
        for a in &raw.attrs {
            match attr_name(a) {
                "provider" => attr::struct_provider(a, &mut attrs, errors),
                "children" => children.extend(attr::children(a, errors)),
                "joint" => joints.extend(attr::joint(a, errors)),
                "serde" => {}
                "weight" => errors.push(syn::Error::new_spanned(
                    a,
                    format!(
                        "#[weight(..)] belongs on a variant of an enum, not on {what}: put it above the variant it weighs, e.g. `#[weight(0.7)] Active`"
                    ),
                )),
                other => errors.push(syn::Error::new_spanned(
                    a,
                    format!(
                        "#[{other}(..)] belongs on a field, not on {what}: put it above the field it describes"
                    ),
                )),
            }
        }
        match raw.data {
            darling::ast::Data::Struct(fields) => {
                let fields = fields
                    .fields
                    .into_iter()
                    .filter_map(|f| Field::from_raw(f, &serde, errors))
                    .collect();
                Some(Parsed::Struct(Input {
                    ident: raw.ident,
                    generics: raw.generics,
                    attrs,
                    children,
                    joints,
                    fields,
                    serde,
                }))
            }
            darling::ast::Data::Enum(variants) => {
                let variants = variants
                    .into_iter()
                    .map(|v| Variant::from_raw(v, &raw.ident, &serde, errors))
                    .collect();
                Some(Parsed::Enum(EnumInput {
                    ident: raw.ident,
                    generics: raw.generics,
                    attrs,
                    children,
                    joints,
                    serde,
                    variants,
                }))
            }
        }
    }
}

/// What `#[derive(Provider)]` was put on.
pub enum Parsed {
    Struct(Input),
    Enum(EnumInput),
}

/// An enum deriving `Provider`: a component whose variant is drawn by weight.
pub struct EnumInput {
    pub ident: Ident,
    pub generics: Generics,
    /// `#[provider(..)]` on the enum (only `value` or `entity` are allowed).
    pub attrs: StructAttrs,
    /// Refused on an enum; kept to report them.
    pub children: Vec<ChildrenAttr>,
    pub joints: Vec<JointAttr>,
    pub serde: SerdeStruct,
    pub variants: Vec<Variant>,
}

impl EnumInput {
    /// Whether every variant is a unit variant (the enum is a plain value list).
    pub fn unit_only(&self) -> bool {
        self.variants.iter().all(|v| v.style == Style::Unit)
    }
}

/// How a variant holds its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Unit,
    Named,
    Tuple,
}

/// One variant of an enum.
pub struct Variant {
    pub ident: Ident,
    pub style: Style,
    /// `#[weight(..)]`.
    pub weight: Option<Num>,
    /// Whether `#[weight(..)]` was written, well formed or not (a malformed one is reported
    /// where it is, and the variant does not count as unweighted).
    pub weighted: bool,
    /// Where the variant's fields sit in the enum's state, relative to the field that holds
    /// the enum: the variant's serialized name (externally tagged, serde's default), the
    /// `content` key (adjacently tagged), or empty (internally tagged, untagged).
    pub prefix: String,
    /// The variant's fields as a struct's (a component's), their paths relative to `prefix`;
    /// a tuple variant's fields are named `0`, `1`, .. (a newtype variant's single field has
    /// the empty path: its value is the variant's content itself).
    pub body: Input,
}

impl Variant {
    fn from_raw(
        raw: RawVariant,
        enum_ident: &Ident,
        container: &SerdeStruct,
        errors: &mut Errors,
    ) -> Variant {
        let mut weight = None;
        let mut weighted = false;
        for a in &raw.attrs {
            match attr_name(a) {
                "weight" => {
                    if weighted {
                        errors.push(syn::Error::new_spanned(
                            a,
                            "a variant has one weight: remove the second #[weight(..)]",
                        ));
                    } else {
                        weighted = true;
                        weight = errors.handle(attr::variant_weight(a));
                    }
                }
                "serde" => {}
                other => errors.push(syn::Error::new_spanned(
                    a,
                    format!(
                        "#[{other}(..)] does not apply to a variant: put it on a field of the variant, or weigh the variant with `#[weight(0.7)]`"
                    ),
                )),
            }
        }
        let variant_serde = SerdeField::read(&raw.attrs);
        let name = raw.ident.to_string();
        let serialized = match &variant_serde.rename {
            Some(rename) => rename.serialize.clone().unwrap_or_else(|| name.clone()),
            None => container
                .rename_all
                .as_ref()
                .and_then(|r| r.serialize)
                .map_or_else(|| name.clone(), |r| r.apply_to_variant(&name)),
        };
        let prefix = match (&container.tag, &container.content, container.untagged) {
            (_, _, true) => String::new(),
            (Some(_), Some(content), false) => content.clone(),
            (Some(_), None, false) => String::new(),
            (None, _, false) => serialized,
        };
        let style = match raw.fields.style {
            darling::ast::Style::Unit => Style::Unit,
            darling::ast::Style::Struct => Style::Named,
            darling::ast::Style::Tuple => Style::Tuple,
        };
        // The fields of a struct variant follow the variant's `rename_all`, else the enum's
        // `rename_all_fields`.
        let mut fields_serde = SerdeStruct::read(&raw.attrs);
        if fields_serde.rename_all.is_none() {
            fields_serde.rename_all = container.rename_all_fields.clone();
        }
        let count = raw.fields.fields.len();
        let fields = raw
            .fields
            .fields
            .into_iter()
            .enumerate()
            .filter_map(|(i, mut f)| {
                let tuple = f.ident.is_none();
                if tuple {
                    f.ident = Some(Ident::new(
                        &format!("field{i}"),
                        proc_macro2::Span::mixed_site(),
                    ));
                }
                let mut field = Field::from_raw(f, &fields_serde, errors)?;
                if tuple {
                    field.name = i.to_string();
                    field.path = if count == 1 {
                        String::new()
                    } else {
                        i.to_string()
                    };
                }
                Some(field)
            })
            .collect();
        Variant {
            style,
            weight,
            weighted,
            prefix,
            body: Input {
                ident: enum_ident.clone(),
                generics: Generics::default(),
                attrs: StructAttrs {
                    kind: Some(attr::Keyed {
                        value: Kind::Value,
                        at: At::of(&raw.ident),
                    }),
                    ..StructAttrs::default()
                },
                children: Vec::new(),
                joints: Vec::new(),
                fields,
                serde: fields_serde,
            },
            ident: raw.ident,
        }
    }
}

impl Field {
    fn from_raw(raw: RawField, container: &SerdeStruct, errors: &mut Errors) -> Option<Field> {
        // Tuple structs are refused before this point.
        let ident = raw.ident?;
        let mut attrs = FieldAttrs::default();
        let mut reference: Option<ReferenceAttr> = None;
        let mut distributor: Option<DistributorAttr> = None;
        for a in &raw.attrs {
            match attr_name(a) {
                "provider" => attr::field_provider(a, &mut attrs, errors),
                "reference" => {
                    if let Some(r) = attr::reference(a, errors) {
                        if reference.is_some() {
                            errors.push(syn::Error::new_spanned(
                                a,
                                "a field holds one reference: remove the second #[reference(..)] (put more `same(..)` constraints in the first)",
                            ));
                        } else {
                            reference = Some(r);
                        }
                    }
                }
                "serde" => {}
                "joint" => errors.push(syn::Error::new_spanned(
                    a,
                    "#[joint(..)] belongs on the struct, not on a field: put it above `struct`, listing the member fields, e.g. `#[joint(origin, dest, mean = 1500)]`",
                )),
                "weight" => errors.push(syn::Error::new_spanned(
                    a,
                    "#[weight(..)] belongs on a variant of an enum, not on a field: put it above the variant, e.g. `#[weight(0.7)] Active`; a field's values are weighted with `#[provider(one_of = [..], weights = [..])]`",
                )),
                "distributor" => {
                    if let Some(d) = attr::distributor(a, errors) {
                        if distributor.is_some() {
                            errors.push(syn::Error::new_spanned(
                                a,
                                "a field has one distributor: merge the keys into one #[distributor(..)]",
                            ));
                        } else {
                            distributor = Some(d);
                        }
                    }
                }
                _ => errors.push(syn::Error::new_spanned(
                    a,
                    "#[children(..)] belongs on the struct, not on a field: put it above `struct`, naming the field of the child that holds this aggregate's id with `parent = \"..\"`",
                )),
            }
        }
        attrs.route_weights();
        // `#[reference]` and `#[distributor(sequence)]` are value sources too; recording them with
        // the others lets validation report a field with two sources in one place.
        if let Some(r) = &reference {
            attrs.sources.push(attr::Keyed {
                value: attr::SourceKind::Reference,
                at: r.at.clone(),
            });
        }
        if let Some(at) = distributor.as_ref().and_then(|d| d.sequence.clone()) {
            attrs.sources.push(attr::Keyed {
                value: attr::SourceKind::DistributorSequence,
                at,
            });
        }
        let name = field_name(&ident);
        let serde = SerdeField::read(&raw.attrs);
        let (path, renamed_at, deserialized) = serialized_name(&name, &serde, container);
        Some(Field {
            name,
            path,
            renamed_at,
            deserialized,
            serde,
            option_inner: option_inner(&raw.ty),
            ident,
            ty: raw.ty,
            attrs,
            reference,
            distributor,
        })
    }
}

/// The name of one of our attributes (forwarded attributes are only ours).
fn attr_name(a: &Attribute) -> &'static str {
    let path = a.path();
    if path.is_ident("provider") {
        "provider"
    } else if path.is_ident("reference") {
        "reference"
    } else if path.is_ident("distributor") {
        "distributor"
    } else if path.is_ident("serde") {
        "serde"
    } else if path.is_ident("joint") {
        "joint"
    } else if path.is_ident("weight") {
        "weight"
    } else {
        "children"
    }
}

/// The name serde serializes a field under, where that was decided (if renamed), and the name
/// it deserializes from when that differs: the field's `rename`, else the struct's
/// `rename_all`, else the Rust name — each for serialization and for deserialization, as serde
/// decides them.
fn serialized_name(
    name: &str,
    field: &SerdeField,
    container: &SerdeStruct,
) -> (String, Option<At>, Option<String>) {
    let rule = container.rename_all.as_ref();
    let by_rule = |rule: Option<attr::serde::RenameRule>| {
        rule.map_or_else(|| name.to_string(), |r| r.apply_to_field(name))
    };
    let (serialize, deserialize, at) = match &field.rename {
        Some(rename) => (
            rename
                .serialize
                .clone()
                .unwrap_or_else(|| by_rule(rule.and_then(|r| r.serialize))),
            rename
                .deserialize
                .clone()
                .unwrap_or_else(|| by_rule(rule.and_then(|r| r.deserialize))),
            Some(rename.at.clone()),
        ),
        None => (
            by_rule(rule.and_then(|r| r.serialize)),
            by_rule(rule.and_then(|r| r.deserialize)),
            rule.map(|r| r.at.clone()),
        ),
    };
    let deserialized = (deserialize != serialize).then_some(deserialize);
    (serialize, at, deserialized)
}

/// A field name as it appears in paths and in the exported state (`r#type` is `type`).
pub fn field_name(ident: &Ident) -> String {
    ident.unraw().to_string()
}

/// `T` of `Option<T>` (also written `std::option::Option<T>` or `core::option::Option<T>`).
///
/// The check is by name: a type alias of `Option` is not recognised.
pub fn option_inner(ty: &Type) -> Option<Type> {
    wrapped(ty, "Option", "option", &["std", "core"])
}

/// `E` of `Vec<E>` (also written `std::vec::Vec<E>` or `alloc::vec::Vec<E>`), by name as
/// [`option_inner`].
pub fn vec_inner(ty: &Type) -> Option<Type> {
    wrapped(ty, "Vec", "vec", &["std", "alloc"])
}

/// `T` of `name<T>`, written bare or as `krate::module::name<T>` for one of `crates`.
fn wrapped(ty: &Type, name: &str, module: &str, crates: &[&str]) -> Option<Type> {
    let Type::Path(tp) = ty else { return None };
    if tp.qself.is_some() {
        return None;
    }
    let segments: Vec<_> = tp.path.segments.iter().collect();
    let last = segments.last()?;
    let prefix_ok = match segments.len() {
        1 => true,
        3 => crates.iter().any(|c| segments[0].ident == c) && segments[1].ident == module,
        _ => false,
    };
    if !prefix_ok || last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first() {
        Some(GenericArgument::Type(inner)) if args.args.len() == 1 => Some(inner.clone()),
        _ => None,
    }
}

/// Refuses what `#[derive(Provider)]` cannot implement: enums without variants, unions, tuple
/// and unit structs.
fn shape(input: &DeriveInput) -> syn::Result<()> {
    let name = &input.ident;
    match &input.data {
        Data::Enum(e) if e.variants.is_empty() => Err(syn::Error::new_spanned(
            e.enum_token,
            format!(
                "#[derive(Provider)] on an enum draws one of its variants, and `{name}` has none: add variants, or remove the derive"
            ),
        )),
        Data::Enum(_) => Ok(()),
        Data::Union(u) => Err(syn::Error::new_spanned(
            u.union_token,
            "#[derive(Provider)] does not support unions: derive it on a struct with named fields",
        )),
        Data::Struct(s) => match &s.fields {
            Fields::Named(_) => Ok(()),
            Fields::Unnamed(f) => Err(syn::Error::new_spanned(
                f,
                format!(
                    "#[derive(Provider)] does not support tuple structs: name the fields of `{name}` (`struct {name} {{ value: .. }}`), or give the field that holds a `{name}` a value source, e.g. `#[provider(fake = .., map = {name})]`"
                ),
            )),
            Fields::Unit => Err(syn::Error::new_spanned(
                name,
                format!(
                    "#[derive(Provider)] does not support unit structs: `{name}` has no fields to populate; give the field that holds it `#[provider(value = {name})]`"
                ),
            )),
        },
    }
}
