//! Relations between the reference fields of one aggregate, resolved when the type is
//! registered: "must differ" (`Schema::differ`) and joint laws (`Schema::joint`).
//!
//! The derive checks the same rules at compile time with spans; these checks cover schemas
//! written by hand and report with the field path.

use thiserror::Error;

use super::registry::ReferenceState;
use super::schema::JointDecl;
use crate::distributor::joint::JointLaw;
use crate::error::ParamError;

/// A `differ(..)` or `joint(..)` declaration the schema cannot honour.
#[derive(Debug, Error, PartialEq)]
#[non_exhaustive]
pub enum RelationError {
    /// `differ(other)` names no reference declared before `field`.
    #[error(
        "`{field}` must differ from `{other}`, which is not a reference declared before it in this aggregate"
    )]
    DifferUnknown { field: String, other: String },
    /// `differ(other)` between references to different types.
    #[error(
        "`{field}` refers to `{target}` and `{other}` to `{other_target}`: differ(..) compares values of one type"
    )]
    DifferOtherTarget {
        field: String,
        other: String,
        target: &'static str,
        other_target: &'static str,
    },
    /// A joint law over fewer than two fields.
    #[error("a joint law needs at least two reference fields, got {fields:?}")]
    JointTooFew { fields: Vec<String> },
    /// A joint member that is not a reference of the aggregate.
    #[error("joint member `{field}` is not a reference field of this aggregate")]
    JointNotReference { field: String },
    /// A reference in two joint laws, or twice in one.
    #[error("`{field}` is a member of two joint laws (or named twice in one)")]
    JointTwice { field: String },
    /// A member whose own declaration a joint law cannot honour yet.
    #[error("joint member `{field}`: {reason}")]
    JointMember { field: String, reason: &'static str },
    /// A member whose target's pool is shared with other generators.
    #[error(
        "joint member `{field}`: its target's pool is shared with other generators, which joint laws do not support yet"
    )]
    JointShared { field: String },
    /// `null_weight` on a joint law.
    #[error(
        "joint law over {fields:?}: a combination is never null; put null_weight on a member's distributor"
    )]
    JointNullWeight { fields: Vec<String> },
    /// The joint law's own parameters.
    #[error("joint law over {fields:?}: {error}")]
    JointParam {
        fields: Vec<String>,
        error: ParamError,
    },
    /// A `same(..)` source `super.field` in a component that is not inside another struct.
    #[error(
        "`{field}` is tied to `{source_field}`, a field of the struct holding its component, but no struct holds it: `super.` is for a component (a collection element or a composite field); at the top of an aggregate, name the field without `super.`"
    )]
    SuperWithoutHolder { field: String, source_field: String },
    /// A joint law whose members sit in different collections (or one in a collection and
    /// one outside): a combination is drawn once per aggregate or once per element, not both.
    #[error(
        "joint law over {fields:?}: its members must all be in the same collection element (or all outside collections)"
    )]
    JointAcrossCollections { fields: Vec<String> },
}

/// A joint law of a registered type: the law, its members (reference indices, declaration
/// order) and which pairs of members must differ (member indices).
pub(crate) struct JointState {
    pub(crate) decl: JointDecl,
    pub(crate) law: JointLaw,
    pub(crate) members: Vec<usize>,
    pub(crate) differ: Vec<(usize, usize)>,
    /// Per member: its target's pool positions below this are held by a slot of a member of
    /// that type (see `Cx::joint_slot`).
    pub(crate) free_from: Vec<usize>,
}

/// Resolves every reference's `differ(..)` to reference indices and builds the joint laws;
/// sets each member's `joint` link.
pub(crate) fn resolve(
    references: &mut [ReferenceState],
    joints: Vec<JointDecl>,
) -> Result<Vec<JointState>, RelationError> {
    for i in 0..references.len() {
        let mut differ = Vec::new();
        for other in &references[i].decl.differ {
            let field = &references[i].decl.field;
            let Some(j) = references[..i].iter().position(|r| &r.decl.field == other) else {
                return Err(RelationError::DifferUnknown {
                    field: field.clone(),
                    other: other.clone(),
                });
            };
            if references[j].decl.target_type != references[i].decl.target_type {
                return Err(RelationError::DifferOtherTarget {
                    field: field.clone(),
                    other: other.clone(),
                    target: references[i].decl.target,
                    other_target: references[j].decl.target,
                });
            }
            differ.push(j);
        }
        references[i].differ = differ;
    }
    let mut states = Vec::with_capacity(joints.len());
    for (j, decl) in joints.into_iter().enumerate() {
        if decl.fields.len() < 2 {
            return Err(RelationError::JointTooFew {
                fields: decl.fields,
            });
        }
        let mut members = Vec::with_capacity(decl.fields.len());
        for field in &decl.fields {
            let Some(r) = references.iter().position(|r| &r.decl.field == field) else {
                return Err(RelationError::JointNotReference {
                    field: field.clone(),
                });
            };
            let reference = &references[r];
            if reference.joint.is_some() || members.contains(&r) {
                return Err(RelationError::JointTwice {
                    field: field.clone(),
                });
            }
            let member = |reason| RelationError::JointMember {
                field: field.clone(),
                reason,
            };
            if !reference.decl.same.is_empty() {
                return Err(member(
                    "a member with same(..) is not supported: its sub-pool would need the combination first",
                ));
            }
            if !reference.distributor.null_weight().is_never() {
                return Err(member(
                    "a member with null_weight is not supported: a combination is never partly null",
                ));
            }
            members.push(r);
        }
        // Members in population order, so that a member's `differ(..)` partner comes first.
        members.sort_unstable();
        for (m, &r) in members.iter().enumerate() {
            references[r].joint = Some((j, m));
        }
        let differ = members
            .iter()
            .enumerate()
            .flat_map(|(m, &r)| {
                let members = &members;
                references[r]
                    .differ
                    .iter()
                    .filter_map(move |d| members.iter().position(|x| x == d).map(|o| (o, m)))
            })
            .collect();
        let strategy = decl
            .config
            .build()
            .map_err(|error| RelationError::JointParam {
                fields: decl.fields.clone(),
                error,
            })?;
        if !strategy.null_weight().is_never() {
            return Err(RelationError::JointNullWeight {
                fields: decl.fields.clone(),
            });
        }
        let free_from = vec![0; members.len()];
        states.push(JointState {
            decl,
            law: JointLaw::new(strategy.inner().clone(), members.len()),
            members,
            differ,
            free_from,
        });
    }
    Ok(states)
}

#[cfg(test)]
mod tests {
    //! Schemas written by hand (the derive rejects the same mistakes at compile time): every
    //! relation the runtime cannot honour is a typed error with the aggregate's name, when the
    //! type is first used.

    use serde::Serialize;

    use super::RelationError;
    use crate::distributor::DistributorConfig;
    use crate::provider::{Cx, ErrorKind, Faker, FakerError, Provider, Schema};

    #[derive(Debug, Clone, Serialize)]
    struct Place {
        id: u64,
    }

    impl Provider for Place {
        type Id = u64;
        const NAME: &'static str = "Place";
        fn id(&self) -> u64 {
            self.id
        }
        async fn populate(cx: &mut Cx<'_>) -> Result<Self, FakerError> {
            Ok(Place {
                id: cx.sequence("id").await?,
            })
        }
    }

    #[derive(Debug, Clone, Serialize)]
    struct Other {
        id: u64,
    }

    impl Provider for Other {
        type Id = u64;
        const NAME: &'static str = "Other";
        fn id(&self) -> u64 {
            self.id
        }
        async fn populate(cx: &mut Cx<'_>) -> Result<Self, FakerError> {
            Ok(Other {
                id: cx.sequence("id").await?,
            })
        }
    }

    /// A trip whose schema each test writes (a thread-local, since `schema()` takes nothing).
    #[derive(Debug, Clone, Serialize)]
    struct Trip {
        id: u64,
    }

    thread_local! {
        static SCHEMA: std::cell::RefCell<Option<fn() -> Schema>> = const { std::cell::RefCell::new(None) };
    }

    impl Provider for Trip {
        type Id = u64;
        const NAME: &'static str = "Trip";
        fn id(&self) -> u64 {
            self.id
        }
        fn schema() -> Schema {
            SCHEMA.with(|s| s.borrow().map(|f| f()).unwrap_or_default())
        }
        async fn populate(cx: &mut Cx<'_>) -> Result<Self, FakerError> {
            Ok(Trip {
                id: cx.sequence("id").await?,
            })
        }
    }

    fn mean(m: f64) -> DistributorConfig {
        DistributorConfig {
            mean: Some(m),
            ..Default::default()
        }
    }

    async fn error_of(schema: fn() -> Schema) -> RelationError {
        SCHEMA.with(|s| *s.borrow_mut() = Some(schema));
        let mut faker = Faker::new(1);
        let err = faker.create::<Trip>().await.unwrap_err();
        assert_eq!(err.path, "Trip");
        match err.kind {
            ErrorKind::Relation(e) => e,
            other => panic!("not a relation error: {other}"),
        }
    }

    #[tokio::test]
    async fn every_relation_mistake_is_a_typed_error() {
        let e = error_of(|| {
            Schema::new()
                .reference::<Place>("to", mean(5.0))
                .differ("from")
                .reference::<Place>("from", mean(5.0))
        })
        .await;
        assert!(matches!(e, RelationError::DifferUnknown { .. }), "{e}");
        let e = error_of(|| {
            Schema::new()
                .reference::<Other>("from", mean(5.0))
                .reference::<Place>("to", mean(5.0))
                .differ("from")
        })
        .await;
        assert!(matches!(e, RelationError::DifferOtherTarget { .. }), "{e}");
        assert!(e.to_string().contains("compares values of one type"), "{e}");
        let e = error_of(|| {
            Schema::new()
                .reference::<Place>("from", mean(5.0))
                .joint(&["from"], mean(2.0))
        })
        .await;
        assert!(matches!(e, RelationError::JointTooFew { .. }), "{e}");
        let e = error_of(|| {
            Schema::new()
                .reference::<Place>("from", mean(5.0))
                .joint(&["from", "nowhere"], mean(2.0))
        })
        .await;
        assert!(matches!(e, RelationError::JointNotReference { .. }), "{e}");
        let e = error_of(|| {
            Schema::new()
                .reference::<Place>("from", mean(5.0))
                .reference::<Place>("to", mean(5.0))
                .joint(&["from", "to"], mean(2.0))
                .joint(&["to", "from"], mean(2.0))
        })
        .await;
        assert!(matches!(e, RelationError::JointTwice { .. }), "{e}");
        let e = error_of(|| {
            Schema::new()
                .reference::<Place>("from", mean(5.0))
                .reference::<Place>("to", mean(5.0))
                .joint(
                    &["from", "to"],
                    DistributorConfig {
                        mean: Some(2.0),
                        null_weight: Some(0.1),
                        ..Default::default()
                    },
                )
        })
        .await;
        assert!(matches!(e, RelationError::JointNullWeight { .. }), "{e}");
        let e = error_of(|| {
            Schema::new()
                .reference::<Place>("from", mean(5.0))
                .reference::<Place>("to", mean(5.0))
                .joint(&["from", "to"], mean(0.5))
        })
        .await;
        assert!(matches!(e, RelationError::JointParam { .. }), "{e}");
        let e = error_of(|| {
            Schema::new()
                .reference::<Place>("from", mean(5.0))
                .reference::<Place>(
                    "to",
                    DistributorConfig {
                        mean: Some(5.0),
                        null_weight: Some(0.5),
                        ..Default::default()
                    },
                )
                .joint(&["from", "to"], mean(2.0))
        })
        .await;
        assert!(matches!(e, RelationError::JointMember { .. }), "{e}");
    }
}
