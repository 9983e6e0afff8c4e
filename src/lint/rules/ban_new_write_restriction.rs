//! PF453: a new constraint, `SET NOT NULL` or unique index rejects writes the running
//! application still makes (squawk: ban-new-write-restriction).

use super::prelude::*;
use crate::sql::tokens_in;
use crate::lint::compat::{altered_in_use, column_actions, keywords_span, table_actions};
use crate::lint::safety::top_level_kw;
use crate::sql::AlterActionKind;

pub const INFO: RuleInfo = RuleInfo::new(
    "PF453",
    "ban-new-write-restriction",
    Severity::Warning,
    "a new constraint, SET NOT NULL or unique index rejects writes the running application still makes",
    include_str!("../../../rules/PF453.md"),
);

pub struct BanNewWriteRestriction;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanNewWriteRestriction;

/// Column constraints of `ADD COLUMN` that can reject a write. `NOT NULL` with a DEFAULT cannot:
/// inserts that leave the new column out get the default.
const COLUMN_RESTRICTIONS: &[&str] = &["CHECK", "UNIQUE", "REFERENCES", "PRIMARY"];

impl Rule for BanNewWriteRestriction {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        let what = "can reject inserts and updates the running version still makes, even when added NOT VALID or built CONCURRENTLY";
        for range in table_actions(cx, &[&["ADD", "CONSTRAINT"], &["ADD", "CHECK"], &["ADD", "UNIQUE"], &["ADD", "FOREIGN"], &["ADD", "EXCLUDE"], &["ADD", "PRIMARY"]]) {
            out.push(Violation::new(range, format!("a new constraint on `{}` {what}", cx.object_text())));
        }
        // `ALTER CONSTRAINT … INITIALLY IMMEDIATE | NOT DEFERRABLE` checks at each statement
        // what was checked at commit; `… DEFERRED` only relaxes, and is not flagged.
        for range in table_actions(cx, &[&["ALTER", "CONSTRAINT"]]) {
            let tokens = tokens_in(&cx.statement.tokens, &range);
            if keywords_span(tokens, &["IMMEDIATE"]).is_some()
                || keywords_span(tokens, &["NOT", "DEFERRABLE"]).is_some()
            {
                out.push(Violation::new(
                    range,
                    format!("checking a constraint of `{}` at once instead of at commit {what}", cx.object_text()),
                ));
            }
        }
        for (range, column) in column_actions(cx, &["SET", "NOT", "NULL"]) {
            out.push(Violation::new(
                range,
                format!("`SET NOT NULL` on `{}`.`{}` {what}", cx.object_text(), column.text),
            ));
        }
        if shape.kind == ShapeKind::AlterTable && !shape.object().is_some_and(|t| cx.table_is_new(t)) {
            for action in shape.actions.iter().filter(|a| a.kind == AlterActionKind::AddColumn) {
                let tokens = tokens_in(&cx.statement.tokens, &action.range);
                let restricts = COLUMN_RESTRICTIONS.iter().any(|k| top_level_kw(tokens, k).is_some())
                    || (keywords_span(tokens, &["NOT", "NULL"]).is_some() && top_level_kw(tokens, "DEFAULT").is_none());
                if restricts {
                    out.push(Violation::new(
                        action.range.clone(),
                        format!("a constraint on the new column of `{}` {what}", cx.object_text()),
                    ));
                }
            }
        }
        let unique = cx.statement.tokens.get(1).is_some_and(|t| t.is_kw("UNIQUE"));
        if shape.kind == ShapeKind::Create(ObjectKind::Index) && unique {
            if let Some(table) = shape.table.as_ref().filter(|t| !cx.table_is_new(t)) {
                out.push(Violation::new(
                    cx.head_span(),
                    format!("a unique index on `{}` {what}", table.text),
                ));
            }
        }
        if let Some((_, domain)) = altered_in_use(cx, &[ObjectKind::Domain]) {
            let tokens = &cx.statement.tokens;
            let span = keywords_span(tokens, &["ADD"]).or_else(|| keywords_span(tokens, &["SET", "NOT", "NULL"]));
            if let Some(range) = span {
                out.push(Violation::new(
                    range,
                    format!("a new constraint on domain `{}` {what}", domain.text),
                ));
            }
        }
    }
}
