//! [`Param`]: one bind value of a compiled query.

use serde_json::Value;
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo};
use sqlx::types::Json;
use sqlx::{Encode, Postgres, Type};

/// A bind value of a [`Compiled`](super::Compiled) query, in placeholder order.
///
/// It binds like any sqlx value (`query.bind(param)`), with the PostgreSQL type of its variant;
/// the compiled SQL also casts each placeholder (`$1::jsonb`, `$2::text`), so the statement reads
/// the same when run by hand.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Param {
    /// A JSON value, bound as `jsonb`: operands of `$eq`, `$in`, `$ne`, `$nin`, numeric bounds
    /// of `$gt`..`$lte`, and containment patterns.
    Jsonb(Value),
    /// A string, bound as `text`: object keys and string bounds of `$gt`..`$lte`.
    Text(String),
}

impl Param {
    /// The PostgreSQL type this value binds as.
    fn pg_type(&self) -> PgTypeInfo {
        match self {
            Param::Jsonb(_) => <Json<Value> as Type<Postgres>>::type_info(),
            Param::Text(_) => <String as Type<Postgres>>::type_info(),
        }
    }
}

impl Type<Postgres> for Param {
    /// `jsonb`, the type of most parameters; [`Encode::produces`] gives each value's own type.
    fn type_info() -> PgTypeInfo {
        <Json<Value> as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <Json<Value> as Type<Postgres>>::compatible(ty)
            || <String as Type<Postgres>>::compatible(ty)
    }
}

impl Encode<'_, Postgres> for Param {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        match self {
            Param::Jsonb(value) => <Json<&Value> as Encode<Postgres>>::encode(Json(value), buf),
            Param::Text(text) => <&str as Encode<Postgres>>::encode(text.as_str(), buf),
        }
    }

    fn produces(&self) -> Option<PgTypeInfo> {
        Some(self.pg_type())
    }

    fn size_hint(&self) -> usize {
        match self {
            // The JSONB version byte and a guess at the text.
            Param::Jsonb(_) => 64,
            Param::Text(text) => text.len(),
        }
    }
}
