//! The end-of-run report: configured distributions next to the achieved ones, read back with
//! the same estimators (and the same math as the SQL users run on production).

use std::path::Path;

use ddd_faker::Law;
use ddd_faker::distributor::Distributor;
use ddd_faker::estimate::Profile;
use ddd_faker::provider::Faker;
use serde_json::{Value, json};

use crate::Args;
use crate::domain::{Author, Book};

pub struct Counts {
    pub books: u64,
    pub tenants: u64,
    pub authors: u64,
    pub foreign_authors: u64,
    pub seconds: f64,
}

pub struct Report {
    json: Value,
}

fn configured(d: Option<&Distributor>) -> Value {
    let Some(d) = d else { return Value::Null };
    let (law, weights, skew) = match d.inner().law() {
        Law::Uniform => ("uniform", None, None),
        Law::Skew(s) => ("skew", None, Some(s.get())),
        Law::Weights(w) => ("weights", Some(w.as_slice().to_vec()), None),
    };
    json!({
        "law": law,
        "weights": weights,
        "skew": skew,
        "mean": d.inner().mean().get(),
        "null_weight": d.null_weight().get(),
        "planned": d.inner().planned_slots().is_some(),
    })
}

fn achieved(counts: &[u64]) -> Value {
    let p = Profile::from_counts(counts, 0);
    json!({
        "rows": p.rows,
        "distinct": p.distinct,
        "mean_uses": p.mean_uses,
        "null_share": p.null_share,
        "quartile_shares": p.quartile_shares,
        "skew_estimate": p.skew.map(|f| f.skew).filter(|s| s.is_finite()),
        "alpha": p.skew.map(|f| f.alpha),
        "r2": p.skew.map(|f| f.r2),
    })
}

impl Report {
    pub fn new(
        faker: &Faker,
        args: &Args,
        counts: Counts,
        references: &[(&str, Vec<u64>)],
    ) -> Report {
        let refs: Vec<Value> = references
            .iter()
            .map(|(name, uses)| {
                let distributor = match *name {
                    "Book.id.tenant_id" => faker.reference_distributor::<Book>("id.tenant_id"),
                    "Book.author_id" => faker.reference_distributor::<Book>("author_id"),
                    "Author.id.tenant_id" => faker.reference_distributor::<Author>("id.tenant_id"),
                    _ => None,
                };
                json!({
                    "reference": name,
                    "configured": configured(distributor),
                    "achieved": achieved(uses),
                })
            })
            .collect();
        // Attempts the domain refused, per aggregate type (each one drawn again): the
        // bookstore's factories only refuse what its constraints already prevent, so 0.
        let refusals: serde_json::Map<String, Value> = faker
            .refusals_by_type()
            .map(|(name, refused)| (name.to_string(), json!(refused)))
            .collect();
        Report {
            json: json!({
                "seed": args.seed,
                "mode": if args.dynamic { "dynamic" } else { "planned" },
                "books": counts.books,
                "tenants": counts.tenants,
                "authors": counts.authors,
                "books_with_foreign_author": counts.foreign_authors,
                "seconds": counts.seconds,
                "books_per_second": counts.books as f64 / counts.seconds.max(1e-9),
                "references": refs,
                "plan_warnings": faker
                    .plan_warnings()
                    .iter()
                    .map(|w| w.to_string())
                    .collect::<Vec<_>>(),
                "refusals": refusals,
            }),
        }
    }

    /// The report as a table for stderr.
    pub fn table(&self) -> String {
        let j = &self.json;
        let mut out = format!(
            "bookstore: {} books, {} tenants, {} authors in {:.2} s ({:.0} books/s), {} mode, seed {}\n",
            j["books"],
            j["tenants"],
            j["authors"],
            j["seconds"].as_f64().unwrap_or(0.0),
            j["books_per_second"].as_f64().unwrap_or(0.0),
            j["mode"].as_str().unwrap_or(""),
            j["seed"],
        );
        out.push_str(&format!(
            "{:<20} {:<38} {:<27} {:>8} {:>14} {:>6}\n",
            "reference", "configured", "achieved quartile shares", "mean", "skew (r²)", "nulls"
        ));
        let num = |v: &Value, digits: usize| {
            v.as_f64()
                .map_or("-".to_string(), |x| format!("{x:.digits$}"))
        };
        for r in j["references"].as_array().into_iter().flatten() {
            let c = &r["configured"];
            let law = match c["law"].as_str() {
                Some("weights") => format!(
                    "weights {}",
                    c["weights"].as_array().map_or(String::new(), |w| {
                        let parts: Vec<String> = w.iter().map(|x| num(x, 2)).collect();
                        format!("[{}]", parts.join(","))
                    })
                ),
                Some("skew") => format!("skew {}", num(&c["skew"], 1)),
                Some(other) => other.to_string(),
                None => "-".to_string(),
            };
            let configured = format!("{law} mean {}", num(&c["mean"], 0));
            let a = &r["achieved"];
            let quartiles: Vec<String> = a["quartile_shares"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|x| num(x, 3))
                .collect();
            let skew = match (a["skew_estimate"].as_f64(), a["r2"].as_f64()) {
                (Some(s), Some(r2)) => format!("{s:.2} ({r2:.2})"),
                (None, Some(r2)) => format!("> any ({r2:.2})"),
                _ => "-".to_string(),
            };
            out.push_str(&format!(
                "{:<20} {:<38} {:<27} {:>8} {:>14} {:>6}\n",
                r["reference"].as_str().unwrap_or(""),
                configured,
                quartiles.join(" "),
                num(&a["mean_uses"], 2),
                skew,
                num(&a["null_share"], 3),
            ));
        }
        out.push_str(&format!(
            "books whose author belongs to another tenant: {}\n",
            j["books_with_foreign_author"]
        ));
        // Parameters the plan found cannot all hold are the reason a configured figure above
        // differs from the achieved one. They were said in full before generating (and are in
        // the JSON report): pointed to here, not repeated.
        let warnings = j["plan_warnings"].as_array().map_or(0, Vec::len);
        if warnings > 0 {
            out.push_str(&format!(
                "configured figures that cannot all hold: see the {warnings} plan warning{} above\n",
                if warnings == 1 { "" } else { "s" }
            ));
        }
        let refusals: Vec<String> = j["refusals"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, refused)| format!("{name} {refused}"))
            .collect();
        out.push_str(&format!(
            "domain refusals (drawn again): {}\n",
            refusals.join(", ")
        ));
        out
    }

    /// Writes the JSON report (under a temporary name first, renamed when complete).
    pub fn write_json(&self, path: &Path) -> Result<(), String> {
        let partial = path.with_extension("json.partial");
        let text = serde_json::to_string_pretty(&self.json).map_err(|e| e.to_string())?;
        std::fs::write(&partial, text + "\n").map_err(|e| format!("{}: {e}", partial.display()))?;
        std::fs::rename(&partial, path).map_err(|e| format!("{}: {e}", path.display()))
    }
}
