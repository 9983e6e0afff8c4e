//! PF110: `ALTER TABLE … DROP COLUMN` without `IF EXISTS`.

use super::prelude::*;
use crate::lint::rule::literal;
use crate::lint::sequence::Key;
use crate::sql::{AlterAction, AlterActionKind, Name, ObjectKind};

pub const INFO: RuleInfo = RuleInfo {
    code: "PF110",
    name: "drop-column-without-if-exists",
    default_severity: Severity::Error,
    summary: "DROP COLUMN (or a composite type's DROP ATTRIBUTE) without IF EXISTS fails when a retry finds the column already gone; dropping a name a later rename gives back destroys the renamed column's data on a re-run",
    doc: include_str!("../../../rules/PF110.md"),
    fix: FixAvailability::Sometimes(
        Applicability::Safe,
        "not on MySQL or SQLite, which have no DROP COLUMN IF EXISTS; a drop of a name a later rename gives back gets an unsafe DO-block guard on PostgreSQL, none elsewhere",
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
        let shape = cx.shape();
        if let (ShapeKind::Alter(ObjectKind::Type), Some(ty), Dialect::Postgres) =
            (&shape.kind, shape.object(), cx.dialect)
        {
            if !cx.do_guarded() {
                dropped_attributes(cx, &ty.text, out);
            }
            return;
        }
        alter_drop(cx, AlterActionKind::DropColumn, "column", out);
    }
}

/// PostgreSQL's `ALTER TYPE t DROP ATTRIBUTE a` without `IF EXISTS`, one finding per action: a
/// retry fails with `column "a" of relation "t" does not exist` (`undefined_column`). The fix
/// adds `IF EXISTS` after `ATTRIBUTE`, which PostgreSQL accepts there.
fn dropped_attributes(cx: &StatementCx, ty: &str, out: &mut Vec<Violation>) {
    for action in crate::sql::type_attribute_actions(&cx.statement.tokens) {
        if !action.drops() || action.guarded {
            continue;
        }
        let attribute = code_span(&cx.source.text[action.name.range.clone()]);
        let ty = code_span(ty);
        out.push(
            Violation::new(
                action.verb.range.start..action.name.range.end,
                format!(
                    "dropping attribute {attribute} of type {ty} fails on a retry once it is gone: add IF EXISTS"
                ),
            )
            .fix(Some(cx.insert_fix(
                action.keyword.range.end,
                "IF EXISTS",
                Applicability::Safe,
            ))),
        );
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
            if let Some(v) = drop_primary_key(cx, action).or_else(|| drop_versioning(cx, action)) {
                out.push(v);
                continue;
            }
        }
        let same_kind = action.kind == kind
            || (kind == AlterActionKind::DropConstraint
                && (action.kind == AlterActionKind::DropIndex
                    || action.kind == AlterActionKind::DropPeriod
                        && cx.dialect == Dialect::Mariadb));
        let (true, Some(guard), Some(name)) = (same_kind, action.guard, &action.name) else {
            continue;
        };
        if kind == AlterActionKind::DropColumn {
            if let Some(v) = drop_of_renamed_into(cx, action, name, guard.present) {
                out.push(v);
                continue;
            }
        }
        if guard.present {
            continue;
        }
        let span = action.head.start..name.range.end;
        let n = code_span(&name.text);
        let what = match action.kind {
            AlterActionKind::DropIndex => "index",
            AlterActionKind::DropPeriod => "period",
            _ => what,
        };
        let v = match cx.dialect {
            Dialect::Postgres | Dialect::Mariadb => Violation::new(
                span,
                format!("dropping {what} {n} fails on a retry once it is gone: add IF EXISTS"),
            )
            .fix(Some(cx.insert_fix(guard.insert_at, "IF EXISTS", Applicability::Safe))),
            Dialect::Mysql | Dialect::Sqlite => Violation::new(
                span,
                format!(
                    "dropping {what} {n} fails on a retry once it is gone, and {} has no IF EXISTS for it: check the catalog first",
                    product(cx.dialect)
                ),
            ),
        };
        out.push(v);
    }
}

/// `DROP COLUMN c` (with or without IF EXISTS) when a later statement of the file renames
/// another column to `c` (`RENAME COLUMN c_json TO c`, hydra's string_slice_json files): once
/// the file ran, `c` is that renamed column, so a re-run of the whole file does not fail here,
/// it drops the migrated column with its data. IF EXISTS cannot help; what tells the first run
/// from a re-run is whether the rename's source still exists.
fn drop_of_renamed_into(
    cx: &StatementCx,
    action: &AlterAction,
    column: &Name,
    if_exists: bool,
) -> Option<Violation> {
    let (seq, i) = cx.sequence?;
    let table = cx.shape().object()?;
    let key = Key::Column(table.base().to_string(), column.base().to_string());
    let (_, source) = seq.renamed_into_after(&key, i)?;
    // The column rebuild: a re-run adds `source` again and copies this column into it before
    // the drop, which then destroys nothing; whether it fails is plain PF110's business.
    if seq.copied_before(table.base(), column.base(), source, i) {
        return None;
    }
    let c = code_span(&column.text);
    let rename = format!("RENAME COLUMN {source} TO {}", column.base());
    let message = if if_exists || seq.transactional() {
        format!(
            "dropping column {c} does not fail on a re-run of the applied file, it destroys data: the later `{rename}` has given the name to the migrated column, which this drops with its data (IF EXISTS does not prevent that)"
        )
    } else {
        format!(
            "dropping column {c} fails on a retry after a crash before the later `{rename}`, and destroys data on a re-run of the whole file: by then the rename has given the name to the migrated column, which this drops with its data (IF EXISTS would not prevent that)"
        )
    };
    let span = action.head.start..column.range.end;
    let mut v = Violation::new(span, message);
    // About the data a re-run drops, not about the drop failing: the proof that a retry finds
    // the column (the file leaves it, under the rename) does not clear it.
    v.needs_removed = true;
    if cx.dialect != Dialect::Postgres {
        return Some(v.note(format!(
            "no fix: {} has no plain-SQL check that `{source}` still exists before the drop; drop {c} only in the run that renames `{source}` (a check in the migration tool, or a migration of its own)",
            product(cx.dialect)
        )));
    }
    if cx.shape().actions.len() != 1 {
        return Some(v.note(format!(
            "no fix for a statement with other actions: split this drop out, then run it only while `{source}` exists"
        )));
    }
    let regclass = format!("to_regclass({})", literal(&table.text));
    let has = |col: &str| {
        format!(
            "EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = {regclass} AND attname = {} AND NOT attisdropped)",
            literal(col)
        )
    };
    let condition = format!("{} AND {}", has(source), has(column.base()));
    let fix = cx.catalog_guard_fix(
        &condition,
        &format!("Drop it only while `{source}` (renamed to {c} later) and {c} both exist"),
    );
    Some(v.fix(fix))
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

/// MariaDB's `DROP SYSTEM VERSIONING` and `DROP PERIOD FOR SYSTEM_TIME`, which have no `IF
/// EXISTS`: a retry fails with "Table `t` is not system-versioned" or "Can't DROP PERIOD FOR
/// SYSTEM_TIME".
fn drop_versioning(cx: &StatementCx, action: &crate::sql::AlterAction) -> Option<Violation> {
    let what = match action.kind {
        AlterActionKind::DropSystemVersioning => "system versioning",
        AlterActionKind::DropPeriod if action.versioning() => "period `SYSTEM_TIME`",
        _ => return None,
    };
    if cx.dialect != Dialect::Mariadb || action.guard.is_some_and(|g| g.present) {
        return None;
    }
    let table = code_span(&cx.shape().object()?.text);
    Some(Violation::new(
        action.head_through_name(),
        format!(
            "dropping {what} fails on a retry once the table {table} is no longer system-versioned, and MariaDB has no IF EXISTS for it: check information_schema.tables (`TABLE_TYPE = 'SYSTEM VERSIONED'`) first"
        ),
    ))
}

/// MySQL/MariaDB `DROP PRIMARY KEY` has no IF EXISTS; MariaDB drops it as the index `PRIMARY`,
/// and `DROP INDEX IF EXISTS` does take that name (a missing key is then note 1091, not an error).
fn drop_primary_key(cx: &StatementCx, action: &crate::sql::AlterAction) -> Option<Violation> {
    if !matches!(cx.dialect, Dialect::Mysql | Dialect::Mariadb) {
        return None;
    }
    let mut words = crate::sql::tokens_in(&cx.statement.tokens, &action.range).iter();
    let (drop, primary, key) = (words.next()?, words.next()?, words.next()?);
    if !drop.is_kw("DROP") || !primary.is_kw("PRIMARY") || !key.is_kw("KEY") {
        return None;
    }
    let span = drop.range.start..key.range.end;
    if cx.dialect == Dialect::Mariadb && auto_increment_key_follows(cx) {
        return Some(Violation::new(
            span,
            "dropping the primary key fails on a retry: once the whole file ran, the key a later statement re-creates holds its AUTO_INCREMENT column, which MariaDB refuses to leave without a key",
        ).note("no fix: `` DROP INDEX IF EXISTS `PRIMARY` `` would still find that key on a re-run and fail the same way, and MariaDB has no plain-SQL guard for it: put the drop and the re-creation in a migration of their own, or check information_schema in the migration tool"));
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
