//! PF119: `INSERT` in a migration without conflict handling inserts again (or fails) on a retry.

use super::prelude::*;
use crate::sql::top_level;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF119",
    name: "insert-without-conflict-handling",
    default_severity: Severity::Warning,
    summary: "INSERT without ON CONFLICT / WHERE NOT EXISTS duplicates rows or fails on a retry",
    doc: include_str!("../../../rules/PF119.md"),
    fix: FixAvailability::Sometimes(
        Applicability::Unsafe,
        "only a PostgreSQL INSERT into a table with a known unique key; not on MySQL, MariaDB or SQLite",
    ),
};

pub struct InsertWithoutConflict;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &InsertWithoutConflict;

impl Rule for InsertWithoutConflict {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        if cx.do_guarded() {
            return;
        }
        let Some(insert) = main_insert(cx) else {
            return;
        };
        let how = match cx.dialect {
            Dialect::Postgres => "ON CONFLICT DO NOTHING",
            Dialect::Mysql | Dialect::Mariadb => "INSERT IGNORE or ON DUPLICATE KEY UPDATE",
            Dialect::Sqlite => "INSERT OR IGNORE or ON CONFLICT DO NOTHING",
        };
        let (table, span) = if shape.kind == ShapeKind::Insert {
            let span = shape.head.start..shape.object().map_or(shape.head.end, |n| n.range.end);
            (cx.object_text(), span)
        } else {
            // `WITH … INSERT INTO t`: the INSERT through its table.
            let mut rest = cx
                .statement
                .tokens
                .iter()
                .skip_while(|t| t.range.start < insert.range.start)
                .skip(1)
                .skip_while(|t| t.is_kw("INTO"));
            let table = rest.next().map_or(insert.range.clone(), |t| t.range.clone());
            (
                cx.source.text[table.clone()].to_string(),
                insert.range.start..table.end,
            )
        };
        let v = Violation::new(
            span,
            format!(
                "this INSERT into {} runs again on a retry, adding duplicate rows or failing on a unique key: use {how}, or WHERE NOT EXISTS",
                code_span(&table)
            ),
        );
        out.push(v.fix(conflict_fix(cx, insert)));
    }
}

/// The INSERT a statement runs without conflict handling: an INSERT's own first word, or the
/// INSERT a `WITH … INSERT` ends in (its CTEs are in parentheses; the main verb is the first
/// verb outside them).
fn main_insert<'a>(cx: &StatementCx<'a>) -> Option<&'a crate::sql::Tok> {
    let shape = cx.shape();
    let tokens = &cx.statement.tokens;
    match &shape.kind {
        ShapeKind::Insert if !shape.conflict_handled => tokens.first(),
        ShapeKind::Other(w) if w == "WITH" => {
            let mut verb = None;
            for (i, t) in top_level(tokens) {
                if verb.is_none() {
                    if ["SELECT", "UPDATE", "DELETE", "MERGE"].iter().any(|v| t.is_kw(v)) {
                        return None;
                    }
                    if t.is_kw("INSERT") {
                        verb = Some(t);
                    }
                } else if t.is_kw("ON")
                    && tokens
                        .get(i + 1)
                        .is_some_and(|n| n.is_kw("CONFLICT") || n.is_kw("DUPLICATE"))
                {
                    // Conflict handling of the main INSERT.
                    return None;
                }
            }
            verb
        }
        _ => None,
    }
}

/// Skips rows that hit a unique key. Unsafe: a table without a unique key still gets the rows
/// again, and MySQL's IGNORE also turns other errors into warnings.
fn conflict_fix(
    cx: &StatementCx,
    first: &crate::sql::Tok,
) -> Option<crate::diagnostics::Fix> {
    let tokens = &cx.statement.tokens;
    if !first.is_kw("INSERT") {
        return None;
    }
    let (at, words) = match cx.dialect {
        Dialect::Postgres => {
            let end = tokens.last()?.range.end;
            let at = top_level(tokens)
                .find(|(_, t)| t.is_kw("RETURNING"))
                .map_or(end, |(_, t)| cx.source.text[..t.range.start].trim_end().len());
            (at, "ON CONFLICT DO NOTHING")
        }
        Dialect::Mysql | Dialect::Mariadb => (first.range.end, "IGNORE"),
        Dialect::Sqlite => (first.range.end, "OR IGNORE"),
    };
    let mut fix = cx.insert_fix(at, words, Applicability::Unsafe);
    fix.message = format!("Add {words} (rows whose unique key exists are skipped)");
    Some(fix)
}
