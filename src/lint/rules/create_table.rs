//! PF101: `CREATE TABLE` without `IF NOT EXISTS` — the incident's statement.

use super::prelude::*;
use crate::sql::Tok;
use sqlparser::tokenizer::Token;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF101",
    name: "create-table-without-if-not-exists",
    default_severity: Severity::Error,
    summary: "CREATE TABLE without IF NOT EXISTS fails when a retry finds the table",
    doc: include_str!("../../../rules/PF101.md"),
    fix: FixAvailability::Always(Applicability::Safe),
};

pub struct CreateTable;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &CreateTable;

impl Rule for CreateTable {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        let ShapeKind::Create(ObjectKind::Table) = shape.kind else {
            return;
        };
        let Some(guard) = shape.guard else { return };
        // MariaDB's CREATE OR REPLACE TABLE is PF120's concern; temporary tables die with the session.
        if guard.present
            || shape.or_replace
            || shape.temporary
            || cx.do_guarded()
            || cx.dropped_before(ObjectKind::Table)
        {
            return;
        }
        let table = cx.object_text();
        let base = shape.object().map_or("", |n| n.base());
        // PostgreSQL names the table as it stores it (`base`), the others as written: SQLite
        // with its quotes (`table "T" already exists`).
        let written = || {
            let range = shape.object().map_or(0..0, |n| n.range.clone());
            match crate::sql::tokens_in(&cx.statement.tokens, &range).last() {
                Some(t @ Tok {
                    token: Token::Word(_),
                    ..
                }) if cx.dialect == Dialect::Sqlite => {
                    cx.source.text[t.range.clone()].to_string()
                }
                Some(Tok {
                    token: Token::Word(w),
                    ..
                }) => w.value.clone(),
                _ => base.to_string(),
            }
        };
        let error = match cx.dialect {
            Dialect::Postgres => format!("relation \"{base}\" already exists"),
            Dialect::Mysql | Dialect::Mariadb => format!("Table '{}' already exists", written()),
            Dialect::Sqlite => format!("table {} already exists", written()),
        };
        let mut v = Violation::new(
            cx.head_span(),
            format!(
                "{} fails on a retry once the table exists ({error}): add IF NOT EXISTS",
                code_span(&format!("CREATE TABLE {table}"))
            ),
        )
        .fix(Some(cx.insert_fix(guard.insert_at, "IF NOT EXISTS", Applicability::Safe)))
        .note("IF NOT EXISTS skips the statement when a table of that name exists, even with other columns; `preflight reconcile` compares the live schema");
        let key = crate::lint::sequence::Key::Object(ObjectKind::Table, base.to_string());
        if cx.file.sequence.drop_blocked_before(&key) {
            v = v.note(format!(
                "the {} before it fails on a retry (PF125), so the table is still there when a runner goes on after that error: fix the drop first, and this statement meets no table",
                code_span(&format!("DROP TABLE {table}"))
            ));
        }
        out.push(v);
    }
}
