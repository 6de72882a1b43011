//! Two plans of one query compared: the same shape or the first node where they part, and the
//! rows at each node of the same shape, relative to the data's size.
//!
//! Two plans have the same shape when, walked in pre-order, every node has the same type, reads
//! the same relation through the same index in the same direction, joins the same way with the
//! same strategy, and has as many children. Row counts are not shape: they are compared as
//! ratios, `generated / (production × scale)`, where `scale` is the generated data's size over
//! production's (1 for a copy of the same size), so that a 10% sample whose plans hold is not
//! reported as 90% off.

use super::explain::PlanNode;

/// Where two plans part.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// The labels from the root down to the parent of the differing nodes.
    pub path: Vec<String>,
    /// The production node there (`None`: production's plan has no node there).
    pub production: Option<String>,
    /// The generated node there (`None`: the generated plan has no node there).
    pub generated: Option<String>,
    /// The tables the two differing subtrees read (each once): where to look for the
    /// statistics that made the planner choose otherwise.
    pub relations: Vec<String>,
}

/// The tables `node` and the nodes below it read, added to `out` once each.
fn relations_under(node: &PlanNode, out: &mut Vec<String>) {
    for (_, n) in node.walk() {
        if let Some(r) = &n.relation {
            if !out.contains(r) {
                out.push(r.clone());
            }
        }
    }
}

/// A row count compared at one node of the same shape.
#[derive(Debug, Clone, PartialEq)]
pub struct RowRatio {
    /// The node's labels from the root.
    pub path: Vec<String>,
    /// Actual rows over all loops, production.
    pub production: f64,
    /// Actual rows over all loops, generated.
    pub generated: f64,
    /// `generated / (production × scale)`; `None` when production produced no row (then a
    /// generated node producing none is the same, one producing some is not: see `same`).
    pub ratio: Option<f64>,
    /// The planner's estimate of the rows over all loops, production.
    pub estimated_production: f64,
    /// The planner's estimate of the rows over all loops, generated.
    pub estimated_generated: f64,
    /// The estimates' ratio, like `ratio`: how differently the planner *expected* the data
    /// (what it chose the plan by), where `ratio` is how differently the data *is*.
    pub estimated_ratio: Option<f64>,
}

/// The outcome of comparing two plans of one query.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapeComparison {
    /// The first node where the plans part; `None` when they have the same shape.
    pub difference: Option<Difference>,
    /// Rows at each node, when the shapes are the same and both were run (`ANALYZE`).
    pub rows: Vec<RowRatio>,
}

impl ShapeComparison {
    /// Whether the plans have the same shape.
    pub fn same_shape(&self) -> bool {
        self.difference.is_none()
    }

    /// The ratio furthest from 1 (as a factor: 0.5 and 2 are as far), over nodes where
    /// production produced rows.
    pub fn worst_ratio(&self) -> Option<f64> {
        self.rows
            .iter()
            .filter_map(|r| r.ratio)
            .max_by(|a, b| distance(*a).total_cmp(&distance(*b)))
    }

    /// The same for the planner's estimates.
    pub fn worst_estimated_ratio(&self) -> Option<f64> {
        self.rows
            .iter()
            .filter_map(|r| r.estimated_ratio)
            .max_by(|a, b| distance(*a).total_cmp(&distance(*b)))
    }
}

/// How far a ratio is from 1, as a factor (`|ln r|`; a ratio of 0 is infinitely far).
fn distance(ratio: f64) -> f64 {
    if ratio <= 0.0 {
        f64::INFINITY
    } else {
        ratio.ln().abs()
    }
}

/// The two plans of one query compared; `scale` is the generated data's size over
/// production's.
pub fn compare(production: &PlanNode, generated: &PlanNode, scale: f64) -> ShapeComparison {
    let mut path = Vec::new();
    if let Some(difference) = first_difference(production, generated, &mut path) {
        return ShapeComparison {
            difference: Some(difference),
            rows: Vec::new(),
        };
    }
    let rows = production
        .walk()
        .into_iter()
        .zip(generated.walk())
        .filter_map(|((path, p), (_, g))| {
            let (production, generated) = (p.total_actual_rows()?, g.total_actual_rows()?);
            let expected = production * scale;
            let (estimated_production, estimated_generated) =
                (p.total_estimated_rows(), g.total_estimated_rows());
            let estimated_expected = estimated_production * scale;
            Some(RowRatio {
                path,
                production,
                generated,
                ratio: (expected > 0.0).then(|| generated / expected),
                estimated_production,
                estimated_generated,
                estimated_ratio: (estimated_expected > 0.0)
                    .then(|| estimated_generated / estimated_expected),
            })
        })
        .collect();
    ShapeComparison {
        difference: None,
        rows,
    }
}

/// Whether two nodes agree on everything that makes a shape (not their children).
fn same_node(a: &PlanNode, b: &PlanNode) -> bool {
    a.node_type == b.node_type
        && a.relation == b.relation
        && a.index == b.index
        && a.join_type == b.join_type
        && a.strategy == b.strategy
        && a.parent_relationship == b.parent_relationship
        // Forward is the default: only a backward scan is a different shape.
        && (a.scan_direction.as_deref() == Some("Backward"))
            == (b.scan_direction.as_deref() == Some("Backward"))
}

fn first_difference(
    production: &PlanNode,
    generated: &PlanNode,
    path: &mut Vec<String>,
) -> Option<Difference> {
    if !same_node(production, generated) {
        let mut relations = Vec::new();
        relations_under(production, &mut relations);
        relations_under(generated, &mut relations);
        return Some(Difference {
            path: path.clone(),
            production: Some(production.label()),
            generated: Some(generated.label()),
            relations,
        });
    }
    path.push(production.label());
    let n = production.children.len().max(generated.children.len());
    for i in 0..n {
        match (production.children.get(i), generated.children.get(i)) {
            (Some(p), Some(g)) => {
                if let Some(d) = first_difference(p, g, path) {
                    return Some(d);
                }
            }
            (p, g) => {
                let mut relations = Vec::new();
                for node in p.into_iter().chain(g) {
                    relations_under(node, &mut relations);
                }
                return Some(Difference {
                    path: path.clone(),
                    production: p.map(PlanNode::label),
                    generated: g.map(PlanNode::label),
                    relations,
                });
            }
        }
    }
    path.pop();
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn plan(document: Value) -> PlanNode {
        PlanNode::from_explain(&document).unwrap()
    }

    fn lookup(scan: &str, index: Option<&str>, rows: f64) -> Value {
        let mut node = json!({"Node Type": scan, "Relation Name": "books", "Plan Rows": rows,
                              "Actual Rows": rows, "Actual Loops": 1});
        if let Some(index) = index {
            node["Index Name"] = json!(index);
        }
        json!([{"Plan": {"Node Type": "Aggregate", "Strategy": "Plain", "Plan Rows": 1,
                         "Actual Rows": 1, "Actual Loops": 1, "Plans": [node]}}])
    }

    #[test]
    fn the_same_shape_compares_rows_relative_to_size() {
        let production = plan(lookup("Index Scan", Some("books_author"), 40.0));
        let generated = plan(lookup("Index Scan", Some("books_author"), 8.0));
        // A fifth of production's size: 8 rows where production has 40 is the same selectivity.
        let same = compare(&production, &generated, 0.2);
        assert!(same.same_shape());
        assert_eq!(same.rows.len(), 2);
        assert_eq!(same.rows[1].ratio, Some(1.0));
        // The planner's estimates compare the same way (here they equal the actual rows).
        assert_eq!(same.rows[1].estimated_ratio, Some(1.0));
        assert_eq!(same.worst_estimated_ratio(), Some(5.0));
        // At the same size, 8 of 40 is a fifth; the aggregate's 1 row is 5 times too many.
        let off = compare(&production, &generated, 1.0);
        assert_eq!(off.rows[1].ratio, Some(0.2));
        assert_eq!(off.worst_ratio(), Some(0.2));
    }

    #[test]
    fn the_first_differing_node_is_named_with_its_path() {
        let production = plan(lookup("Index Scan", Some("books_author"), 40.0));
        let generated = plan(lookup("Seq Scan", None, 40_000.0));
        let d = compare(&production, &generated, 1.0).difference.unwrap();
        assert_eq!(d.path, ["Aggregate (Plain)"]);
        assert_eq!(
            d.production.as_deref(),
            Some("Index Scan using books_author on books")
        );
        assert_eq!(d.generated.as_deref(), Some("Seq Scan on books"));
        assert_eq!(d.relations, ["books"]);
        // A backward scan is another shape; an explicit forward one is the default.
        let mut backward = production.clone();
        backward.children[0].scan_direction = Some("Backward".into());
        let mut forward = production.clone();
        forward.children[0].scan_direction = Some("Forward".into());
        assert!(!compare(&production, &backward, 1.0).same_shape());
        assert!(compare(&production, &forward, 1.0).same_shape());
    }

    #[test]
    fn a_missing_child_is_a_difference() {
        let production = plan(lookup("Index Scan", Some("books_author"), 40.0));
        let mut generated = production.clone();
        generated.children.clear();
        let d = compare(&production, &generated, 1.0).difference.unwrap();
        assert_eq!(d.path, ["Aggregate (Plain)"]);
        assert!(d.production.is_some() && d.generated.is_none());
    }
}
