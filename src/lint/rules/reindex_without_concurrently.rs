//! PF303: `REINDEX` without `CONCURRENTLY` blocks writes to the table and reads that use the
//! index (squawk: require-concurrent-reindex).

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF303",
    name: "reindex-without-concurrently",
    default_severity: Severity::Warning,
    summary: "REINDEX without CONCURRENTLY blocks writes, and reads that use the index, while it rebuilds",
    doc: include_str!("../../../rules/PF303.md"),
    fix: FixAvailability::Never,
};

pub struct ReindexWithoutConcurrently;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &ReindexWithoutConcurrently;

impl Rule for ReindexWithoutConcurrently {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        if !matches!(&shape.kind, ShapeKind::Other(w) if w == "REINDEX") || shape.concurrently {
            return;
        }
        // `REINDEX SYSTEM` cannot run concurrently at all.
        if cx.statement.tokens.get(1).is_some_and(|t| t.is_kw("SYSTEM")) {
            return;
        }
        let span = cx.statement.tokens[..cx.statement.tokens.len().min(3)]
            .iter()
            .fold(shape.head.clone(), |r, t| r.start..t.range.end);
        out.push(Violation::new(
            span,
            "`REINDEX` locks the table against writes and the index against reads until the rebuild ends; use REINDEX … CONCURRENTLY (PostgreSQL 12+)",
        ));
    }
}
