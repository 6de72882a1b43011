//! A query plan as PostgreSQL reports it with `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`, read
//! into a tree of typed nodes: what [`super::shape`] compares between two databases.
//!
//! Only what decides a plan's shape and its row counts is kept: the node type and, where they
//! apply, the relation, the index, the join type, the scan direction, the strategy of an
//! aggregate or a set operation, and the planner's estimated rows against the executor's actual
//! rows (per loop, times the loops). The planning and execution times ([`Timing`]) are read for
//! information; costs and buffers stay in the raw JSON. None of them is shape.

use serde_json::Value;
use sqlx::{AssertSqlSafe, PgConnection};
use thiserror::Error;

/// `EXPLAIN` output that is not a plan.
#[derive(Debug, Error, PartialEq)]
#[non_exhaustive]
pub enum ExplainError {
    /// Not the `[{"Plan": {..}}]` document `FORMAT JSON` gives.
    #[error("not an EXPLAIN (FORMAT JSON) document: {0}")]
    NotAPlan(String),
    /// A node without its `Node Type`.
    #[error("a plan node without \"Node Type\" at {0}")]
    NoNodeType(String),
    /// The database refused the query or its `EXPLAIN`.
    #[error("EXPLAIN failed: {0}")]
    Database(String),
}

/// Runs `query` under `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)` on `conn` inside a transaction
/// that is rolled back (`ANALYZE` executes the query: a data-modifying one changes nothing), and
/// returns its plan and the raw document.
pub async fn explain(
    conn: &mut PgConnection,
    query: &str,
) -> Result<(PlanNode, Value), ExplainError> {
    explain_with(conn, query, &[]).await
}

/// [`explain`] with the query's parameters `$1`, `$2`, .. bound to `values` (as text: the query
/// casts them, see [`super::resolve::bind`]). Bound once and run once, the statement is planned
/// with the values — the plan the application gets for them.
pub async fn explain_with(
    conn: &mut PgConnection,
    query: &str,
    values: &[String],
) -> Result<(PlanNode, Value), ExplainError> {
    let db = |e: sqlx::Error| ExplainError::Database(e.to_string());
    sqlx::query("BEGIN").execute(&mut *conn).await.map_err(db)?;
    let sql = format!("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {query}");
    let mut statement = sqlx::query_scalar(AssertSqlSafe(sql));
    for value in values {
        statement = statement.bind(value);
    }
    let document: Result<sqlx::types::Json<Value>, _> = statement.fetch_one(&mut *conn).await;
    // Rolled back whatever happened, so that the connection is usable again.
    let rolled_back = sqlx::query("ROLLBACK").execute(&mut *conn).await;
    let document = document.map_err(db)?.0;
    rolled_back.map_err(db)?;
    Ok((PlanNode::from_explain(&document)?, document))
}

/// One node of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanNode {
    /// `Seq Scan`, `Index Scan`, `Hash Join`, `Aggregate`, ...
    pub node_type: String,
    /// The table a scan reads (`Relation Name`).
    pub relation: Option<String>,
    /// The index a scan uses (`Index Name`).
    pub index: Option<String>,
    /// `Inner`, `Left`, `Semi`, ... for a join.
    pub join_type: Option<String>,
    /// `Forward` or `Backward` for an index scan.
    pub scan_direction: Option<String>,
    /// `Plain`, `Sorted`, `Hashed`, `Mixed` for an aggregate or a set operation.
    pub strategy: Option<String>,
    /// The node's role under its parent (`Outer`, `Inner`, `InitPlan`, `SubPlan`, ...).
    pub parent_relationship: Option<String>,
    /// The planner's estimate of the rows per loop.
    pub estimated_rows: f64,
    /// The rows the executor produced per loop (`None` without `ANALYZE`, or for a node that
    /// never ran).
    pub actual_rows: Option<f64>,
    /// How many times the node ran (`None` without `ANALYZE`).
    pub loops: Option<f64>,
    /// The nodes below, in the order `EXPLAIN` lists them (outer before inner).
    pub children: Vec<PlanNode>,
}

/// How long the query took to plan and run, in milliseconds, as `EXPLAIN ANALYZE` reports
/// it: information, never a verdict (one run, on a machine doing other things).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    pub planning_ms: f64,
    pub execution_ms: f64,
}

impl Timing {
    /// `Planning Time` and `Execution Time` of an `EXPLAIN (ANALYZE, FORMAT JSON)` document.
    pub fn of(document: &Value) -> Option<Timing> {
        let top = document
            .as_array()
            .and_then(|a| a.first())
            .unwrap_or(document);
        Some(Timing {
            planning_ms: top.get("Planning Time")?.as_f64()?,
            execution_ms: top.get("Execution Time")?.as_f64()?,
        })
    }
}

impl PlanNode {
    /// The root node of an `EXPLAIN (FORMAT JSON)` document (`[{"Plan": {..}, ..}]`).
    pub fn from_explain(document: &Value) -> Result<PlanNode, ExplainError> {
        let plan = document
            .as_array()
            .and_then(|a| a.first())
            .and_then(|o| o.get("Plan"))
            .or_else(|| document.get("Plan"))
            .ok_or_else(|| ExplainError::NotAPlan(abbreviate(document)))?;
        PlanNode::from_node(plan, "Plan")
    }

    fn from_node(node: &Value, at: &str) -> Result<PlanNode, ExplainError> {
        let text = |key: &str| node.get(key).and_then(Value::as_str).map(str::to_owned);
        let number = |key: &str| node.get(key).and_then(Value::as_f64);
        let node_type = text("Node Type").ok_or_else(|| ExplainError::NoNodeType(at.into()))?;
        let children = match node.get("Plans").and_then(Value::as_array) {
            Some(plans) => plans
                .iter()
                .enumerate()
                .map(|(i, child)| PlanNode::from_node(child, &format!("{at}.Plans[{i}]")))
                .collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
        Ok(PlanNode {
            node_type,
            relation: text("Relation Name"),
            index: text("Index Name"),
            join_type: text("Join Type"),
            scan_direction: text("Scan Direction"),
            strategy: text("Strategy"),
            parent_relationship: text("Parent Relationship"),
            estimated_rows: number("Plan Rows").unwrap_or(0.0),
            actual_rows: number("Actual Rows"),
            loops: number("Actual Loops"),
            children,
        })
    }

    /// The rows the node produced over all its loops (`None` without `ANALYZE`).
    pub fn total_actual_rows(&self) -> Option<f64> {
        Some(self.actual_rows? * self.loops.unwrap_or(1.0))
    }

    /// The rows the planner expected over all the loops the node ran (its estimate is per
    /// loop), comparable with [`PlanNode::total_actual_rows`].
    pub fn total_estimated_rows(&self) -> f64 {
        self.estimated_rows * self.loops.unwrap_or(1.0).max(1.0)
    }

    /// One line naming the node: its type and what it reads (`Index Scan using authors_pkey
    /// on authors`, `Hash Join (Inner)`).
    pub fn label(&self) -> String {
        let mut label = self.node_type.clone();
        if let Some(strategy) = &self.strategy {
            label = format!("{label} ({strategy})");
        }
        if let Some(join) = &self.join_type {
            label = format!("{label} ({join})");
        }
        if let Some(direction) = self.scan_direction.as_deref().filter(|d| *d == "Backward") {
            label = format!("{label} {direction}");
        }
        if let Some(index) = &self.index {
            label = format!("{label} using {index}");
        }
        if let Some(relation) = &self.relation {
            label = format!("{label} on {relation}");
        }
        label
    }

    /// The nodes in pre-order (a node before its children, children in order), each with its
    /// path of labels from the root.
    pub fn walk(&self) -> Vec<(Vec<String>, &PlanNode)> {
        let mut out = Vec::new();
        self.walk_into(&mut Vec::new(), &mut out);
        out
    }

    fn walk_into<'a>(&'a self, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, &'a PlanNode)>) {
        path.push(self.label());
        out.push((path.clone(), self));
        for child in &self.children {
            child.walk_into(path, out);
        }
        path.pop();
    }
}

/// A short excerpt of a document for a message.
fn abbreviate(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(120) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn nested_loop() -> Value {
        json!([{
            "Plan": {
                "Node Type": "Nested Loop", "Join Type": "Inner", "Plan Rows": 10,
                "Actual Rows": 12, "Actual Loops": 1,
                "Plans": [
                    {"Node Type": "Index Scan", "Parent Relationship": "Outer",
                     "Relation Name": "authors", "Index Name": "authors_pkey",
                     "Scan Direction": "Forward", "Plan Rows": 1, "Actual Rows": 1,
                     "Actual Loops": 1},
                    {"Node Type": "Bitmap Heap Scan", "Parent Relationship": "Inner",
                     "Relation Name": "books", "Plan Rows": 10, "Actual Rows": 12,
                     "Actual Loops": 1,
                     "Plans": [{"Node Type": "Bitmap Index Scan", "Index Name": "books_author",
                                "Plan Rows": 10, "Actual Rows": 12, "Actual Loops": 1}]}
                ]
            },
            "Planning Time": 0.2, "Execution Time": 0.4
        }])
    }

    #[test]
    fn a_plan_reads_into_labelled_nodes_in_pre_order() {
        let plan = PlanNode::from_explain(&nested_loop()).unwrap();
        let labels: Vec<String> = plan.walk().iter().map(|(_, n)| n.label()).collect();
        assert_eq!(
            labels,
            [
                "Nested Loop (Inner)",
                "Index Scan using authors_pkey on authors",
                "Bitmap Heap Scan on books",
                "Bitmap Index Scan using books_author",
            ]
        );
        let (path, leaf) = &plan.walk()[3];
        assert_eq!(path.len(), 3);
        assert_eq!(leaf.total_actual_rows(), Some(12.0));
        assert_eq!(
            plan.children[0].parent_relationship.as_deref(),
            Some("Outer")
        );
    }

    #[test]
    fn other_documents_are_refused_with_what_they_are() {
        let err = PlanNode::from_explain(&json!({"rows": 3})).unwrap_err();
        assert!(matches!(&err, ExplainError::NotAPlan(text) if text.contains("rows")));
        let err = PlanNode::from_explain(&json!([{"Plan": {"Plans": [{}]}}])).unwrap_err();
        assert_eq!(err, ExplainError::NoNodeType("Plan".into()));
    }
}
