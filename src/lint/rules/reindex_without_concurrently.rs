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

/// What replaces `REINDEX … CONCURRENTLY` before PostgreSQL 12.
const REBUILD: &str = "build a copy with CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY the old one, then ALTER INDEX … RENAME the copy (an index behind a constraint needs the constraint re-pointed, or pg_repack)";

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
        if !matches!(&shape.kind, ShapeKind::Other(w) if w == "REINDEX") {
            return;
        }
        // `REINDEX SYSTEM` cannot run concurrently at all.
        if cx.statement.tokens.get(1).is_some_and(|t| t.is_kw("SYSTEM")) {
            return;
        }
        let span = cx.statement.tokens[..cx.statement.tokens.len().min(3)]
            .iter()
            .fold(shape.head.clone(), |r, t| r.start..t.range.end);
        let before_12 = cx.file.postgres_version.filter(|&v| v < 12);
        // A DO block or a routine's body cannot run CONCURRENTLY (PF201 reports one that
        // tries): the REINDEX has to move out of it first.
        if cx.statement.context.do_block.is_some() {
            if !shape.concurrently {
                let instead = match before_12 {
                    Some(v) => format!("PostgreSQL {v} has no REINDEX … CONCURRENTLY: {REBUILD}, as statements of their own outside the block"),
                    None => "REINDEX … CONCURRENTLY (PostgreSQL 12+) cannot run in a DO block or a routine's body (`REINDEX CONCURRENTLY cannot be executed from a function`): run it as a statement of its own, outside the block".to_string(),
                };
                out.push(Violation::new(
                    span,
                    format!("`REINDEX` locks the table against writes and the index against reads until the rebuild ends; {instead}"),
                ));
            }
            return;
        }
        match (shape.concurrently, before_12) {
            (true, None) => {}
            // The form this rule asks for elsewhere is a syntax error here: the deploy fails.
            (true, Some(v)) => out.push(Violation::new(
                span,
                format!("`REINDEX … CONCURRENTLY` needs PostgreSQL 12; `postgres_version = {v}` rejects it and the migration fails: {REBUILD}"),
            )),
            (false, Some(v)) => out.push(Violation::new(
                span,
                format!("`REINDEX` locks the table against writes and the index against reads until the rebuild ends, and PostgreSQL {v} has no REINDEX … CONCURRENTLY: {REBUILD}"),
            )),
            (false, None) => out.push(Violation::new(
                span,
                "`REINDEX` locks the table against writes and the index against reads until the rebuild ends; use REINDEX … CONCURRENTLY (PostgreSQL 12+)",
            )),
        }
    }
}
