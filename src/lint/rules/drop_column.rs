//! PF110: `ALTER TABLE … DROP COLUMN` without `IF EXISTS`.

use super::prelude::*;
use crate::sql::AlterActionKind;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF110",
    name: "drop-column-without-if-exists",
    default_severity: Severity::Error,
    summary: "DROP COLUMN without IF EXISTS fails when a retry finds the column already gone",
    doc: include_str!("../../../rules/PF110.md"),
    fix: FixAvailability::Sometimes(
        Applicability::Safe,
        "not on MySQL or SQLite, which have no DROP COLUMN IF EXISTS",
    ),
};

pub struct DropColumn;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &DropColumn;

impl Rule for DropColumn {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        alter_drop(cx, AlterActionKind::DropColumn, "column", out);
    }
}

/// Shared by PF110 and PF111: an `ALTER TABLE … DROP <thing>` action without IF EXISTS.
pub(super) fn alter_drop(
    cx: &StatementCx,
    kind: AlterActionKind,
    what: &str,
    out: &mut Vec<Violation>,
) {
    let shape = cx.shape();
    if shape.kind != ShapeKind::AlterTable || cx.do_guarded() {
        return;
    }
    for action in &shape.actions {
        if kind == AlterActionKind::DropConstraint {
            if let Some(v) = drop_primary_key(cx, action) {
                out.push(v);
                continue;
            }
        }
        let same_kind = action.kind == kind
            || (kind == AlterActionKind::DropConstraint
                && action.kind == AlterActionKind::DropIndex);
        let (true, Some(guard), Some(name)) = (same_kind, action.guard, &action.name) else {
            continue;
        };
        if guard.present {
            continue;
        }
        let span = action.head.start..name.range.end;
        let n = &name.text;
        let what = if action.kind == AlterActionKind::DropIndex {
            "index"
        } else {
            what
        };
        let v = match cx.dialect {
            Dialect::Postgres | Dialect::Mariadb => Violation::new(
                span,
                format!("dropping {what} `{n}` fails on a retry once it is gone: add IF EXISTS"),
            )
            .fix(Some(cx.insert_fix(guard.insert_at, "IF EXISTS", Applicability::Safe))),
            Dialect::Mysql | Dialect::Sqlite => Violation::new(
                span,
                format!(
                    "dropping {what} `{n}` fails on a retry once it is gone, and {} has no IF EXISTS for it: check the catalog first",
                    product(cx.dialect)
                ),
            ),
        };
        out.push(v);
    }
}

/// Does a later statement of the file give the same table a primary key on an AUTO_INCREMENT
/// column (uaa's `ADD COLUMN id … PRIMARY KEY AUTO_INCREMENT` after `DROP PRIMARY KEY`)?
fn auto_increment_key_follows(cx: &StatementCx) -> bool {
    let Some(table) = cx.shape().object() else {
        return false;
    };
    cx.file
        .sequence
        .auto_increment_key_follows(cx.file.top_index, table)
}

/// MySQL/MariaDB `DROP PRIMARY KEY` has no IF EXISTS; MariaDB drops it as the index `PRIMARY`,
/// and `DROP INDEX IF EXISTS` does take that name (a missing key is then note 1091, not an error).
fn drop_primary_key(cx: &StatementCx, action: &crate::sql::AlterAction) -> Option<Violation> {
    if !matches!(cx.dialect, Dialect::Mysql | Dialect::Mariadb) {
        return None;
    }
    let mut words = cx
        .statement
        .tokens
        .iter()
        .filter(|t| action.range.start <= t.range.start && t.range.end <= action.range.end);
    let (drop, primary, key) = (words.next()?, words.next()?, words.next()?);
    if !drop.is_kw("DROP") || !primary.is_kw("PRIMARY") || !key.is_kw("KEY") {
        return None;
    }
    let span = drop.range.start..key.range.end;
    if cx.dialect == Dialect::Mariadb && auto_increment_key_follows(cx) {
        return Some(Violation::new(
            span,
            "dropping the primary key fails on a retry: once the whole file ran, the key a later statement re-creates holds its AUTO_INCREMENT column, which MariaDB refuses to leave without a key",
        ).note("no fix: `DROP INDEX IF EXISTS `PRIMARY`` would still find that key on a re-run and fail the same way, and MariaDB has no plain-SQL guard for it: put the drop and the re-creation in a migration of their own, or check information_schema in the migration tool"));
    }
    Some(if cx.dialect == Dialect::Mariadb {
        let cased = |w: &str| crate::lint::rule::match_case(&cx.source.text[primary.range.clone()], w);
        let replacement = format!("{} {} {} `PRIMARY`", cased("INDEX"), cased("IF"), cased("EXISTS"));
        Violation::new(
            span,
            "dropping the primary key fails on a retry once it is gone: MariaDB drops it as the index `PRIMARY`, which takes IF EXISTS",
        )
        .fix(Some(crate::diagnostics::Fix {
            applicability: Applicability::Safe,
            message: "Drop it as INDEX IF EXISTS `PRIMARY`".to_string(),
            edits: vec![cx
                .source
                .edit(primary.range.start..key.range.end, replacement)],
        }))
    } else {
        Violation::new(
            span,
            "dropping the primary key fails on a retry once it is gone, and MySQL has no IF EXISTS for it: check information_schema.table_constraints first",
        )
    })
}
