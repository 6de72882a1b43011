//! `#[provider(quantiles = [..])]`: at least two bounds, all numbers or all dates and
//! timestamps, each date valid, non-decreasing; no pool around them and no `Option` field. The count and the
//! order are checked by faker-core's own [`Quantiles::new`], dates by its [`Moment::parse`],
//! so a rule lives in one place. Whether a bound fits the field's *type* (a date on an `i64`,
//! `1.5` on an integer) is left to the compiler: the expansion converts each bound with the
//! `FromBound` implementation of its kind, spanned at the literal.

use faker_core::ParamError;
use faker_core::quantiles::{Moment, Quantiles};

use crate::Errors;
use crate::ast::Field;
use crate::attr::{BoundValue, QuantileList, SourceKind};

const ATTR: &str = "#[provider(quantiles = [..])]";

pub fn check(field: &Field, errors: &mut Errors) {
    for source in &field.attrs.sources {
        let SourceKind::Quantiles(list) = &source.value else {
            continue;
        };
        bounds(list, errors);
        if field.option_inner.is_some() {
            errors.push(source.at.error(format!(
                "`{}` is an `Option`, and {ATTR} draws a value for every aggregate: make the field's type the inner type, or give the field another source",
                field.name
            )));
        }
        if let Some(d) = field.distributor.as_ref().filter(|d| d.has_parameters()) {
            errors.push(d.at.error(format!(
                "#[distributor(..)] on `{}`: values drawn from quantiles are drawn afresh for every aggregate, so that each bucket keeps its share; a pool would reuse them and change those shares: remove #[distributor(..)]",
                field.name
            )));
        }
    }
}

fn bounds(list: &QuantileList, errors: &mut Errors) {
    let b = &list.bounds;
    if b.len() < 2 {
        let e = Quantiles::<i128>::new(vec![0; b.len()]).err();
        if let Some(e) = e {
            errors.push(list.at.error(format!(
                "{ATTR}: {e}, e.g. `quantiles = [0, 9.9, 25, 120.5]` for four buckets"
            )));
        }
        return;
    }
    let is_text = |v: &BoundValue| matches!(v, BoundValue::Text(_));
    let texts = is_text(&b[0].value);
    if let Some(other) = b.iter().find(|x| is_text(&x.value) != texts) {
        errors.push(other.at.error(format!(
            "{ATTR} mixes numbers and dates: the bounds are all numbers (for a number field) or all date/timestamp strings (for a chrono field), {}",
            if texts {
                "and the first one is a date"
            } else {
                "and the first one is a number"
            }
        )));
        return;
    }
    if texts {
        let mut micros = Vec::with_capacity(b.len());
        let mut written = Vec::with_capacity(b.len());
        for bound in b {
            let BoundValue::Text(s) = &bound.value else {
                return;
            };
            match Moment::parse(&s.value()) {
                Ok(m) => micros.push(m.micros()),
                Err(e) => errors.push(bound.at.error(format!("{ATTR}: {e}"))),
            }
            written.push(s.value());
        }
        if micros.len() < b.len() {
            return;
        }
        if let Err(ParamError::DecreasingBound { index, .. }) = Quantiles::new(micros) {
            errors.push(b[index].at.error(format!(
                "{ATTR}: `quantiles[{index}]` = {:?} is before the bound before it ({:?}): bounds must be non-decreasing (equal bounds make a point mass)",
                written[index],
                written[index - 1]
            )));
        }
        return;
    }
    let floats = b.iter().any(|x| matches!(x.value, BoundValue::Float(_)));
    let result = if floats {
        let values: Vec<f64> = b
            .iter()
            .map(|x| match x.value {
                BoundValue::Int(i) => i as f64,
                BoundValue::Float(f) => f,
                BoundValue::Text(_) => f64::NAN,
            })
            .collect();
        Quantiles::new(values).map(|_| ())
    } else {
        let values: Vec<i128> = b
            .iter()
            .map(|x| match x.value {
                BoundValue::Int(i) => i,
                _ => 0,
            })
            .collect();
        Quantiles::new(values).map(|_| ())
    };
    if let Err(e) = result {
        let at = match &e {
            ParamError::DecreasingBound { index, .. } | ParamError::BadBound { index, .. } => {
                &b[*index].at
            }
            _ => &list.at,
        };
        errors.push(at.error(format!("{ATTR}: {e}")));
    }
}
