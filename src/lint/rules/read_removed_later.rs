//! PF123: a statement reads a table or column that a later statement of the same file drops or
//! renames, so it fails when the file is retried after that later statement ran.

use super::prelude::*;
use crate::lint::sequence::{words, Key};
use crate::lint::rule::literal;
use crate::sql::AlterActionKind;
use sqlparser::tokenizer::Token;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF123",
    name: "reads-object-removed-later",
    default_severity: Severity::Error,
    summary:
        "a statement uses a table or column that a later statement of the file drops or renames",
    doc: include_str!("../../../rules/PF123.md"),
    fix: FixAvailability::Sometimes(
        Applicability::Unsafe,
        "an ALTER TABLE of a table dropped later gets IF EXISTS (safe); on PostgreSQL other statements get a DO block that runs them only while what they read exists (unsafe); none on MySQL and SQLite, for a SELECT or RETURNING, or where the file creates the object again before removing it",
    ),
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
        } else if cx.dialect != Dialect::Postgres {
            v = v.note("no rewrite makes this statement survive a retry: move it after a guard, or split the file so the removal is its own migration");
        } else {
            match presence_guard(cx, sequence, index, &hits) {
                Ok(fix) => v = v.fix(Some(fix)),
                Err(why) => {
                    v = v.note(format!(
                        "no fix: {why}; split the file so the removal is its own migration"
                    ))
                }
            }
        }
        out.push(v);
    }
}

/// PostgreSQL: runs the statement only while everything it reads that the file removes later
/// still exists. On the first run it always does (a later statement removes it, and nothing in
/// between creates it); a retry that reached the removal skips a statement that already ran.
/// Unsafe: a retry that did not reach the removal runs it again, as before.
fn presence_guard(
    cx: &StatementCx,
    sequence: &crate::lint::sequence::Sequence,
    index: usize,
    hits: &[(Key, usize)],
) -> Result<crate::diagnostics::Fix, &'static str> {
    if !runs_in_plpgsql(cx.statement) {
        return Err("a SELECT, a RETURNING or a column named `found` cannot run unchanged in a DO block");
    }
    let mut checks = Vec::new();
    for (key, removed_at) in hits {
        if !sequence.present_until(key, index, *removed_at) {
            return Err("the file also creates what it reads (or touches it in a DO block), so a check that it exists would not tell whether this statement already ran");
        }
        let check = match key {
            Key::Object(ObjectKind::Table, t) => {
                format!("to_regclass({}) IS NOT NULL", literal(&quoted(t)))
            }
            Key::Column(t, c) => format!(
                "EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass({}) AND attname = {} AND NOT attisdropped)",
                literal(&quoted(t)),
                literal(c)
            ),
            _ => return Err("a constraint cannot be checked this way"),
        };
        if !checks.contains(&check) {
            checks.push(check);
        }
    }
    cx.catalog_guard_fix(
        &checks.join(" AND "),
        "Run it only while what it reads still exists",
    )
    .ok_or("a DO block cannot hold this statement")
}

/// Can the statement run as it is inside a PL/pgSQL block? Not a query whose rows need a
/// destination (SELECT, WITH … SELECT, RETURNING), nor one naming `found`, which PL/pgSQL
/// declares in every block (the reference would be ambiguous).
fn runs_in_plpgsql(statement: &crate::sql::Statement) -> bool {
    let mut depth = 0usize;
    let mut verb = None;
    for t in &statement.tokens {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            _ if t.is_kw("FOUND") => return false,
            _ if depth == 0 && t.is_kw("RETURNING") => return false,
            _ if depth == 0 && verb.is_none() => {
                verb = ["SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "ALTER", "CREATE", "COMMENT"]
                    .into_iter()
                    .find(|v| t.is_kw(v));
            }
            _ => {}
        }
    }
    verb.is_some_and(|v| v != "SELECT")
}

/// A catalog name as `to_regclass` reads it: always quoted, so `User` stays `User`.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
