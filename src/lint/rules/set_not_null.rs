//! PF305: `ALTER COLUMN … SET NOT NULL` scans the whole table under an ACCESS EXCLUSIVE lock,
//! unless a validated `CHECK (col IS NOT NULL)` already proves it (PostgreSQL 12+)
//! (squawk: adding-not-nullable-field).

use super::super::safety::{alter_column, column_name, live_table_actions, starts_with_kws};
use super::prelude::*;
use crate::sql::{AlterActionKind, Name, Statement};
use sqlparser::tokenizer::Token;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF305",
    name: "set-not-null-scans-table",
    default_severity: Severity::Error,
    summary: "SET NOT NULL blocks reads and writes while it scans the whole table",
    doc: include_str!("../../../rules/PF305.md"),
    fix: FixAvailability::Never,
};

pub struct SetNotNull;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &SetNotNull;

impl Rule for SetNotNull {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        for (action, tokens) in live_table_actions(cx) {
            let Some((column, rest)) = alter_column(tokens) else {
                continue;
            };
            if !starts_with_kws(rest, &["SET", "NOT", "NULL"]) {
                continue;
            }
            let Some(col) = column_name(column) else {
                continue;
            };
            // No name when the table is not a plain name (a psql `:variable`): no CHECK can be
            // matched to it, and the SET NOT NULL still scans whatever table it is.
            let table = cx.shape().object();
            let check_proves = cx.file.postgres_version.is_none_or(|v| v >= 12);
            if check_proves && table.is_some_and(|t| validated_not_null_check(cx, t, &col)) {
                continue;
            }
            // Before 12 the check does not spare the scan: it is the constraint to keep instead.
            let instead = if check_proves {
                format!("add `CHECK ({col} IS NOT NULL) NOT VALID`, VALIDATE it in another migration, then SET NOT NULL")
            } else {
                format!("before PostgreSQL 12 a validated check does not skip the scan: keep `CHECK ({col} IS NOT NULL) NOT VALID`, VALIDATEd in another migration, as the constraint instead of SET NOT NULL")
            };
            let on = table.map_or_else(|| "the table".to_string(), |t| format!("`{}`", t.text));
            out.push(Violation::new(
                action.range.clone(),
                format!(
                    "`SET NOT NULL` on `{col}` holds an ACCESS EXCLUSIVE lock on {on} while it scans every row: {instead}"
                ),
            ));
        }
    }
}

/// An earlier statement of the file added a `CHECK (col IS NOT NULL)` on `table` that is
/// validated by now (added without NOT VALID, or validated later).
fn validated_not_null_check(cx: &StatementCx, table: &Name, col: &str) -> bool {
    let earlier = cx.file.earlier();
    let on_table = |s: &&Statement| {
        s.shape.kind == ShapeKind::AlterTable
            && s.shape.object().is_some_and(|t| t.same_object(table))
    };
    let mut pending: Vec<String> = Vec::new();
    for s in earlier.iter().filter(on_table) {
        for action in &s.shape.actions {
            let tokens = super::super::safety::tokens_in(s, &action.range);
            if action.kind == AlterActionKind::AddConstraint && checks_not_null(tokens, col) {
                if !tokens.iter().any(|t| t.is_kw("VALID")) {
                    return true;
                }
                pending.extend(action.name.as_ref().map(|n| n.base().to_string()));
            } else if starts_with_kws(tokens, &["VALIDATE", "CONSTRAINT"]) {
                let validated = tokens.get(2).and_then(column_name);
                if validated.is_some_and(|v| pending.contains(&v)) {
                    return true;
                }
            }
        }
    }
    false
}

/// `… CHECK ( col IS NOT NULL ) …`
fn checks_not_null(tokens: &[crate::sql::Tok], col: &str) -> bool {
    tokens.windows(6).any(|w| {
        w[0].is_kw("CHECK")
            && w[1].is(&Token::LParen)
            && column_name(&w[2]).is_some_and(|c| c == col)
            && starts_with_kws(&w[3..], &["IS", "NOT", "NULL"])
    })
}
