//! The values of keys: numbers, weight lists, string literals, paths to functions and
//! expressions, each checked for its form, with what to write instead when it is wrong.

use quote::ToTokens;
use syn::{Expr, ExprArray, Lit, LitStr, UnOp};

use super::keys::{Item, Key};
use super::{At, Bound, BoundValue, Num, QuantileList, RangeLit, WeightsList};
use crate::Errors;

fn literal_kind(lit: &Lit) -> &'static str {
    match lit {
        Lit::Str(_) => "a string",
        Lit::ByteStr(_) | Lit::CStr(_) => "a byte string",
        Lit::Byte(_) => "a byte",
        Lit::Char(_) => "a character",
        Lit::Int(_) => "an integer",
        Lit::Float(_) => "a float",
        Lit::Bool(_) => "a boolean",
        _ => "a literal",
    }
}

fn strip_group(expr: &Expr) -> &Expr {
    match expr {
        Expr::Group(g) => strip_group(&g.expr),
        Expr::Paren(p) => strip_group(&p.expr),
        other => other,
    }
}

/// A number literal, possibly negated.
pub fn number<K: Key>(item: &Item<K>) -> syn::Result<Num> {
    match item.expr() {
        Some(expr) => number_expr(expr, item.key),
        None => Err(syn::Error::new_spanned(item.meta, "expected a number")),
    }
}

fn number_expr<K: Key>(expr: &Expr, key: K) -> syn::Result<Num> {
    let place = K::PLACE;
    let example = key.example();
    let wrong = |what: &str| {
        syn::Error::new_spanned(
            expr,
            format!(
                "`{}` in {} must be a number, not {what}: write `{example}`",
                key.name(),
                place.written()
            ),
        )
    };
    let (negative, inner) = match strip_group(expr) {
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => (true, strip_group(&u.expr)),
        other => (false, other),
    };
    let Expr::Lit(lit) = inner else {
        return Err(wrong(
            "an expression (only number literals can be checked at compile time)",
        ));
    };
    let parsed = match &lit.lit {
        Lit::Int(i) => i.base10_digits().parse::<f64>().ok(),
        Lit::Float(f) => f.base10_digits().parse::<f64>().ok(),
        other => return Err(wrong(literal_kind(other))),
    };
    match parsed {
        Some(v) if v.is_finite() => Ok(Num {
            value: if negative { -v } else { v },
            at: At::of(expr),
        }),
        _ => Err(syn::Error::new_spanned(
            expr,
            format!(
                "`{}` in {} must be a finite number: write `{example}`",
                key.name(),
                place.written()
            ),
        )),
    }
}

/// `[n, n, ..]`; every element that is not a number is reported.
pub fn weights<K: Key>(item: &Item<K>, errors: &mut Errors) -> Option<WeightsList> {
    let place = K::PLACE;
    let expr = item.expr()?;
    let Expr::Array(ExprArray { elems, .. }) = strip_group(expr) else {
        let what = match strip_group(expr) {
            Expr::Lit(l) => literal_kind(&l.lit),
            _ => "an expression",
        };
        errors.push(syn::Error::new_spanned(
            expr,
            format!(
                "`{}` in {} must be a list of numbers, not {what}: write `{}`",
                item.key.name(),
                place.written(),
                item.key.example()
            ),
        ));
        return None;
    };
    let mut values = Vec::new();
    let mut ok = true;
    for elem in elems {
        match number_expr(elem, item.key) {
            Ok(n) => values.push(n),
            Err(_) => {
                ok = false;
                errors.push(syn::Error::new_spanned(
                    elem,
                    format!(
                        "each element of `{}` in {} must be a number literal: write `{}`",
                        item.key.name(),
                        place.written(),
                        item.key.example()
                    ),
                ));
            }
        }
    }
    ok.then(|| WeightsList {
        values,
        at: At::of(expr),
    })
}

/// A string literal; a bare path is answered with the quoted form of what was written.
pub fn string<K: Key>(item: &Item<K>) -> syn::Result<LitStr> {
    let place = K::PLACE;
    let Some(expr) = item.expr() else {
        return Err(syn::Error::new_spanned(item.meta, "expected a string"));
    };
    let example = match strip_group(expr) {
        Expr::Lit(l) => {
            if let Lit::Str(s) = &l.lit {
                return Ok(s.clone());
            }
            return Err(syn::Error::new_spanned(
                expr,
                format!(
                    "`{}` in {} must be a string literal, not {}: write `{}`",
                    item.key.name(),
                    place.written(),
                    literal_kind(&l.lit),
                    item.key.example()
                ),
            ));
        }
        Expr::Path(p) => format!(
            "{} = \"{}\"",
            item.key.name(),
            p.to_token_stream().to_string().replace(' ', "")
        ),
        _ => item.key.example().to_string(),
    };
    Err(syn::Error::new_spanned(
        expr,
        format!(
            "`{}` in {} must be a string literal: write `{example}`",
            item.key.name(),
            place.written()
        ),
    ))
}

/// What to write instead of a string literal where code is expected: the same, unquoted.
fn unquoted<K: Key>(item: &Item<K>, lit: &Lit) -> String {
    match lit {
        Lit::Str(s) => format!(
            "write it without quotes: `{} = {}`",
            item.key.name(),
            s.value()
        ),
        _ => format!("write `{}`", item.key.example()),
    }
}

/// A path to a function (`Book::new`), or with `closures` any non-literal expression.
pub fn callable<K: Key>(item: &Item<K>, closures: bool) -> syn::Result<Expr> {
    let place = K::PLACE;
    let Some(expr) = item.expr() else {
        return Err(syn::Error::new_spanned(item.meta, "expected a function"));
    };
    let what = if closures {
        "a function or closure"
    } else {
        "a path to a function"
    };
    match strip_group(expr) {
        Expr::Lit(l) => Err(syn::Error::new_spanned(
            expr,
            format!(
                "`{}` in {} must be {what}, not {}: {}",
                item.key.name(),
                place.written(),
                literal_kind(&l.lit),
                unquoted(item, &l.lit)
            ),
        )),
        Expr::Path(_) => Ok(expr.clone()),
        _ if closures => Ok(expr.clone()),
        _ => Err(syn::Error::new_spanned(
            expr,
            format!(
                "`{}` in {} must be {what}: write `{}`",
                item.key.name(),
                place.written(),
                item.key.example()
            ),
        )),
    }
}

/// An expression that makes values (`fake = ..`, `with = ..`): anything but a literal. `what`
/// says what is expected instead of a literal.
pub fn source_expr<K: Key>(item: &Item<K>, what: &str) -> syn::Result<Expr> {
    let place = K::PLACE;
    let Some(expr) = item.expr() else {
        return Err(syn::Error::new_spanned(item.meta, "expected an expression"));
    };
    if let Expr::Lit(l) = strip_group(expr) {
        return Err(syn::Error::new_spanned(
            expr,
            format!(
                "`{}` in {} must be {what}, not {}: {}",
                item.key.name(),
                place.written(),
                literal_kind(&l.lit),
                unquoted(item, &l.lit)
            ),
        ));
    }
    Ok(expr.clone())
}

/// `[a, b, ..]`: the values of `one_of`, any expressions (literals, paths, calls).
pub fn value_list<K: Key>(item: &Item<K>) -> syn::Result<Vec<Expr>> {
    let place = K::PLACE;
    let Some(expr) = item.expr() else {
        return Err(syn::Error::new_spanned(
            item.meta,
            "expected a list of values",
        ));
    };
    match strip_group(expr) {
        Expr::Array(ExprArray { elems, .. }) => Ok(elems.iter().cloned().collect()),
        other => {
            let what = match other {
                Expr::Lit(l) => literal_kind(&l.lit),
                _ => "an expression",
            };
            Err(syn::Error::new_spanned(
                expr,
                format!(
                    "`{}` in {} must be a list of the field's values in brackets, not {what}: write `{}`",
                    item.key.name(),
                    place.written(),
                    item.key.example()
                ),
            ))
        }
    }
}

/// A finite number literal, possibly negated (`0.7`, `-1`), for attributes without keys.
pub fn number_literal(expr: &Expr) -> Option<Num> {
    let (negative, inner) = match strip_group(expr) {
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => (true, strip_group(&u.expr)),
        other => (false, other),
    };
    let Expr::Lit(lit) = inner else { return None };
    let value = match &lit.lit {
        Lit::Int(i) => i.base10_digits().parse::<f64>().ok()?,
        Lit::Float(f) => f.base10_digits().parse::<f64>().ok()?,
        _ => return None,
    };
    value.is_finite().then(|| Num {
        value: if negative { -value } else { value },
        at: At::of(expr),
    })
}

/// `quantiles = [..]`: number literals (possibly negated) or string literals (dates and
/// timestamps); every element of another form is reported. What the bounds mean together
/// (count, order, one kind, valid dates) is checked in [`crate::valid`].
pub fn quantiles<K: Key>(item: &Item<K>, errors: &mut Errors) -> Option<QuantileList> {
    let place = K::PLACE;
    let expr = item.expr()?;
    let example = "write `quantiles = [0, 9.9, 25, 120.5]` (numbers) or `quantiles = [\"2009-01-01\", \"2010-06-30\", \"2013-12-22\"]` (dates)";
    let Expr::Array(ExprArray { elems, .. }) = strip_group(expr) else {
        let what = match strip_group(expr) {
            Expr::Lit(l) => literal_kind(&l.lit),
            _ => "an expression (only literals can be checked at compile time)",
        };
        errors.push(syn::Error::new_spanned(
            expr,
            format!(
                "`quantiles` in {} must be a list of bounds, not {what}: {example}",
                place.written()
            ),
        ));
        return None;
    };
    let mut bounds = Vec::new();
    let mut ok = true;
    for elem in elems {
        let (negative, inner) = match strip_group(elem) {
            Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => (true, strip_group(&u.expr)),
            other => (false, other),
        };
        let value = match inner {
            Expr::Lit(l) => match &l.lit {
                Lit::Int(i) => i
                    .base10_digits()
                    .parse::<i128>()
                    .ok()
                    .map(|v| BoundValue::Int(if negative { -v } else { v })),
                Lit::Float(f) => f
                    .base10_digits()
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .map(|v| BoundValue::Float(if negative { -v } else { v })),
                Lit::Str(s) if !negative => Some(BoundValue::Text(s.clone())),
                _ => None,
            },
            _ => None,
        };
        match value {
            Some(value) => bounds.push(Bound {
                value,
                at: At::of(elem),
            }),
            None => {
                ok = false;
                errors.push(syn::Error::new_spanned(
                    elem,
                    format!(
                        "each bound in `quantiles` must be a number literal (finite, within i128) or a date string: {example}"
                    ),
                ));
            }
        }
    }
    ok.then(|| QuantileList {
        bounds,
        at: At::of(expr),
    })
}

/// `min..=max` (or `min..max`, the end excluded) of integer literals, possibly negated (a
/// negative bound is reported by the count law's own validation).
pub fn range<K: Key>(item: &Item<K>) -> syn::Result<RangeLit> {
    let place = K::PLACE;
    let example = item.key.example();
    let Some(expr) = item.expr() else {
        return Err(syn::Error::new_spanned(item.meta, "expected a range"));
    };
    let wrong = || {
        syn::Error::new_spanned(
            expr,
            format!(
                "`{}` in {} must be a range of integer literals: write `{example}`",
                item.key.name(),
                place.written()
            ),
        )
    };
    let Expr::Range(r) = strip_group(expr) else {
        return Err(wrong());
    };
    let bound = |e: &Option<Box<Expr>>| -> syn::Result<i64> {
        let e = e.as_deref().ok_or_else(wrong)?;
        let (negative, inner) = match strip_group(e) {
            Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => (true, strip_group(&u.expr)),
            other => (false, other),
        };
        match inner {
            Expr::Lit(syn::ExprLit {
                lit: Lit::Int(i), ..
            }) => {
                let v: i64 = i.base10_parse().map_err(|_| wrong())?;
                Ok(if negative { -v } else { v })
            }
            _ => Err(wrong()),
        }
    };
    let min = bound(&r.start)?;
    let mut max = bound(&r.end)?;
    if matches!(r.limits, syn::RangeLimits::HalfOpen(_)) {
        max -= 1;
    }
    Ok(RangeLit {
        min,
        max,
        at: At::of(expr),
    })
}
