//! PF123: a statement reads a table or column that a later statement of the same file drops or
//! renames, so it fails when the file is retried after that later statement ran.

use super::prelude::*;
use crate::lint::sequence::{words, Key};
use crate::sql::AlterActionKind;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF123",
    name: "reads-object-removed-later",
    default_severity: Severity::Error,
    summary:
        "a statement uses a table or column that a later statement of the file drops or renames",
    doc: include_str!("../../../rules/PF123.md"),
    fix: FixAvailability::Always(Applicability::Safe),
};

pub struct ReadRemovedLater;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &ReadRemovedLater;

impl Rule for ReadRemovedLater {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let Some((sequence, index)) = cx.sequence else {
            return;
        };
        let shape = cx.shape();
        let reads = match &shape.kind {
            ShapeKind::Insert => true,
            ShapeKind::Other(word) => {
                matches!(
                    word.as_str(),
                    "UPDATE" | "DELETE" | "SELECT" | "WITH" | "COMMENT"
                )
            }
            ShapeKind::Create(ObjectKind::Index) => true,
            ShapeKind::Create(ObjectKind::Table) => {
                cx.statement.tokens.iter().any(|t| t.is_kw("AS"))
            }
            // An ALTER TABLE whose own actions create or drop the removed thing is the
            // existence rules' business; the table itself, or a column it alters in place
            // (TYPE, SET NOT NULL, DEFAULT), is read.
            ShapeKind::AlterTable => !shape.guard.is_some_and(|g| g.present),
            _ => false,
        };
        if !reads || cx.do_guarded() {
            return;
        }
        let mut words = words(cx.statement);
        if shape.kind == ShapeKind::AlterTable {
            // Only the table and the columns altered in place count as read.
            let Some(table) = shape.object() else { return };
            words = vec![table.base().to_string()];
            for action in &shape.actions {
                if action.kind == AlterActionKind::Other {
                    words.extend(
                        cx.statement
                            .tokens
                            .iter()
                            .filter(|t| action.range.start <= t.range.start)
                            .filter(|t| t.range.end <= action.range.end)
                            .filter_map(|t| t.bare_word().map(str::to_lowercase)),
                    );
                }
            }
        }
        let hits = sequence.reads_removed_later(index, &words);
        let Some((key, _)) = hits.first() else {
            return;
        };
        let what = match key {
            Key::Object(_, t) => format!("table `{t}`"),
            Key::Column(t, c) => format!("column `{t}.{c}`"),
            Key::Constraint(t, c) => format!("constraint `{c}` on `{t}`"),
        };
        let mut v = Violation::new(
            shape.head.clone(),
            format!(
                "this statement uses {what}, which a later statement of this file drops or renames: a retry of the file fails here once that statement has run"
            ),
        );
        // ALTER TABLE IF EXISTS skips the statement once the table is gone (MySQL has no such
        // form; MariaDB and PostgreSQL do).
        let table_gone = matches!(key, Key::Object(..));
        if table_gone
            && shape.kind == ShapeKind::AlterTable
            && matches!(cx.dialect, Dialect::Postgres | Dialect::Mariadb)
        {
            v = v.fix(Some(cx.insert_fix(
                shape.head.end,
                "IF EXISTS",
                Applicability::Safe,
            )));
        } else {
            v = v.note("no rewrite makes this statement survive a retry: move it after a guard, or split the file so the removal is its own migration");
        }
        out.push(v);
    }
}
