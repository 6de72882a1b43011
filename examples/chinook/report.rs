//! Production next to generated: every reference column (foreign key) of the sample, the
//! value columns drawn from value lists and histograms, and the column pairs the model has an
//! opinion on, profiled on both schemas with
//! `faker_pg::profiler` (the figures `faker-pg profile` prints) and checked figure by figure
//! with its default tolerances (what `faker-pg compare` checks).

use faker_pg::Ident;
use faker_pg::profiler::catalog::{Subject, foreign_keys};
use faker_pg::profiler::compare::{self, Figure, Tolerance, Tolerances, Verdict, compare_reports};
use faker_pg::profiler::report::{ColumnReport, Outcome, ReportOptions, profile_subject};
use faker_pg::profiler::suggest::Law;
use sqlx::PgConnection;

/// Column pairs compared besides the foreign keys: what an invoice line pairs (the pair
/// `faker-pg profile --table invoice_line --column invoice_id --column track_id` measures), and
/// two dependencies of the sample no single column shows — an album's tracks share one genre and
/// one media type (347 albums, 360 (album, genre) pairs, 348 (album, media type) pairs).
pub const PAIRS: &[(&str, [&str; 2])] = &[
    ("invoice_line", ["invoice_id", "track_id"]),
    ("track", ["album_id", "genre_id"]),
    ("track", ["album_id", "media_type_id"]),
];

/// Columns compared besides the foreign keys and pairs: what the model draws from a value list
/// or a histogram, and the invoice total its lines make. `faker-pg compare` checks a
/// low-cardinality column by each value's share (±0.03) and a date by the shares of the
/// source's histogram buckets (±0.01 each).
pub const COLUMNS: &[(&str, &str)] = &[
    ("invoice", "invoice_date"),
    ("invoice", "total"),
    ("invoice_line", "unit_price"),
    ("invoice_line", "quantity"),
    ("track", "unit_price"),
];

/// One subject, profiled on both sides.
pub struct Compared {
    /// `table.column` or `table.(a, b)`.
    pub label: String,
    /// The referenced table, for a foreign key.
    pub references: Option<String>,
    pub production: ColumnReport,
    pub generated: ColumnReport,
    pub figures: Vec<Figure>,
}

impl Compared {
    /// Whether every checked figure is within tolerance.
    pub fn passes(&self) -> bool {
        !faker_pg::profiler::compare::failed(&self.figures)
    }

    /// The figures out of tolerance, e.g. `weights[1] +0.1102 (±0.03 abs)`.
    pub fn failures(&self) -> Vec<String> {
        self.figures
            .iter()
            .filter(|f| f.verdict == Verdict::Fail)
            .map(|f| {
                let diff = match (f.difference(), f.tolerance) {
                    (Some(d), Some(Tolerance::Relative(_))) => format!("{:+.1}%", d * 100.0),
                    (Some(d), _) => format!("{d:+.4}"),
                    (None, _) => "missing".to_owned(),
                };
                let tolerance = f.tolerance.map(|t| format!(" ({t})")).unwrap_or_default();
                format!("{} {diff}{tolerance}", f.name)
            })
            .collect()
    }
}

/// Profiles every foreign key of `production` whose table `keep` accepts, and every pair of
/// [`PAIRS`], in both schemas (of the database `conn` is connected to).
pub async fn compare(
    conn: &mut PgConnection,
    production: &str,
    generated: &str,
    keep: impl Fn(&str) -> bool,
) -> Result<Vec<Compared>, String> {
    let ident = |name: &str| Ident::new(name).map_err(|e| e.to_string());
    let (source, target) = (ident(production)?, ident(generated)?);
    let mut subjects: Vec<Subject> = foreign_keys(&mut *conn, &source)
        .await
        .map_err(|e| format!("cannot read the foreign keys of {production}: {e}"))?
        .into_iter()
        .filter(|(table, _)| keep(table.as_str()))
        .map(|(table, key)| Subject {
            schema: Some(source.clone()),
            table,
            columns: key.columns.clone(),
            foreign_key: Some(key),
        })
        .collect();
    if subjects.is_empty() {
        return Err(format!(
            "schema {production} has no foreign keys: load the sample with scripts/chinook.py"
        ));
    }
    for (table, column) in COLUMNS {
        subjects.push(Subject::new(
            Some(source.clone()),
            ident(table)?,
            vec![ident(column)?],
        ));
    }
    for (table, columns) in PAIRS {
        subjects.push(Subject::new(
            Some(source.clone()),
            ident(table)?,
            columns.iter().map(|c| ident(c)).collect::<Result<_, _>>()?,
        ));
    }

    let options = ReportOptions::default();
    let tolerances = Tolerances::default();
    let mut out = Vec::with_capacity(subjects.len());
    for subject in subjects {
        let mut on_target = subject.clone();
        on_target.schema = Some(target.clone());
        let production = report(conn, &subject, &options).await?;
        let mut generated = report(conn, &on_target, &options).await?;
        // A histogram column: the generated values counted in production's buckets.
        compare::measure_against(conn, &on_target, &production, &mut generated)
            .await
            .map_err(|e| format!("cannot profile {}: {e}", on_target.label()))?;
        let figures = compare_reports(&production, &generated, &tolerances);
        out.push(Compared {
            label: format!("{}.{}", subject.table.as_str(), subject.column_label()),
            references: subject.foreign_key.as_ref().map(|k| k.references()),
            production,
            generated,
            figures,
        });
    }
    Ok(out)
}

async fn report(
    conn: &mut PgConnection,
    subject: &Subject,
    options: &ReportOptions,
) -> Result<ColumnReport, String> {
    match profile_subject(conn, subject, false, options).await {
        Ok(Outcome::Report(report)) => Ok(*report),
        // Only candidates (`candidate = true`) are ever left out for their cardinality.
        Ok(Outcome::HighCardinality { distinct }) => Err(format!(
            "{}: not profiled ({distinct} distinct values)",
            subject.label()
        )),
        Err(e) => Err(format!("cannot profile {}: {e}", subject.label())),
    }
}

/// The fitted law in a few characters: the power-law fit, and what the profiler would paste.
fn law(report: &ColumnReport) -> String {
    let fit = match report.profile.skew {
        Some(f) if f.skew.is_finite() => format!("skew {:.2} (r² {:.2})", f.skew, f.r2),
        Some(f) => format!("skew inf (r² {:.2})", f.r2),
        None => "no fit".to_owned(),
    };
    let suggested = match report.suggestion.as_ref().map(|s| &s.law) {
        Some(Law::Skew(_)) => "skew",
        Some(Law::QuartileWeights(_)) => "quartile weights",
        Some(Law::ValueWeights(_)) => "one weight per value",
        Some(Law::OneOf(_)) => "one_of value list",
        None => "-",
    };
    format!("{fit} -> {suggested}")
}

fn line(side: &str, report: &ColumnReport) -> String {
    let p = &report.profile;
    if report.subject.foreign_key.is_none() && report.subject.columns.len() == 1 {
        if let Some(values) = &report.values {
            let listed: Vec<String> = values
                .iter()
                .take(6)
                .map(|v| format!("{} {:.3}", v.value, v.share))
                .collect();
            let more = if values.len() > 6 { ", .." } else { "" };
            return format!(
                "  {side:<10} {:>6} rows {:>6} distinct  values {}{more}\n",
                p.rows,
                p.distinct,
                listed.join(", ")
            );
        }
        if let Some(h) = report
            .histogram
            .as_ref()
            .filter(|_| report.judged_by_histogram())
        {
            let shares = &h.shares.shares;
            let (lo, hi) = shares.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &x| {
                (lo.min(x), hi.max(x))
            });
            return format!(
                "  {side:<10} {:>6} rows {:>6} distinct  {} buckets (production's bounds), shares {lo:.3} to {hi:.3}, outside {:.3}\n",
                p.rows,
                p.distinct,
                shares.len(),
                h.shares.below + h.shares.above
            );
        }
    }
    let quartiles: Vec<String> = p
        .quartile_shares
        .iter()
        .map(|w| format!("{w:.3}"))
        .collect();
    format!(
        "  {side:<10} {:>6} rows {:>6} distinct  mean {:>7.2}  quartiles {}  nulls {:.3}  {}\n",
        p.rows,
        p.distinct,
        p.mean_uses,
        quartiles.join(" "),
        p.null_share,
        law(report)
    )
}

/// The comparison as text: per subject, production and generated figures and the verdict.
pub fn to_text(compared: &[Compared]) -> String {
    let mut out = String::new();
    for c in compared {
        let kind = match &c.references {
            Some(target) => format!("reference -> {target}"),
            None if c.production.subject.columns.len() > 1 => "pair".to_owned(),
            None => "value".to_owned(),
        };
        out.push_str(&format!("{}  ({kind})\n", c.label));
        out.push_str(&line("production", &c.production));
        out.push_str(&line("generated", &c.generated));
        if c.passes() {
            out.push_str("  ok: every figure within faker-pg compare's tolerances\n");
        } else {
            out.push_str(&format!("  FAIL: {}\n", c.failures().join(", ")));
        }
    }
    let failed = compared.iter().filter(|c| !c.passes()).count();
    out.push_str(&format!(
        "{} compared: {} within tolerance, {failed} out of tolerance\n",
        compared.len(),
        compared.len() - failed
    ));
    out
}
