//! PF116: `ALTER TABLE … ADD CONSTRAINT` (or an unnamed `ADD UNIQUE/PRIMARY KEY/FOREIGN KEY/CHECK`)
//! has no IF NOT EXISTS form; unguarded, a retry fails or adds a duplicate.

use super::prelude::*;
use crate::lint::sequence::Key;
use crate::sql::AlterActionKind;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF116",
    name: "add-constraint-without-guard",
    default_severity: Severity::Error,
    summary:
        "ADD CONSTRAINT has no IF NOT EXISTS and fails (or duplicates) on a retry unless guarded",
    doc: include_str!("../../../rules/PF116.md"),
    fix: FixAvailability::Sometimes(Applicability::Unsafe, "for named constraints on PostgreSQL (not a foreign key whose referenced key a later statement drops with CASCADE), and on MariaDB (its IF NOT EXISTS) unless the same ALTER also drops something; for an unnamed primary key; never on MySQL"),
};

pub struct AddConstraint;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &AddConstraint;

impl Rule for AddConstraint {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Postgres, Dialect::Mysql, Dialect::Mariadb]
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        let (ShapeKind::AlterTable, Some(table)) = (&shape.kind, shape.object()) else {
            return;
        };
        // A DO block's guard against "already exists" does not keep an ADD of a foreign key
        // from failing once the file dropped the key it references (`cascaded` below).
        let do_guarded = cx.do_guarded();
        // Every action's PostgreSQL fix wraps the same statement, and only the first applied
        // stays: its handler catches what any of the statement's additions raises on a retry
        // (a second primary key is "multiple primary keys", 42P16, whatever its name).
        let named_added = shape.actions.iter().any(|a| {
            a.kind == AlterActionKind::AddConstraint
                && !a.guard.is_some_and(|g| g.present)
                && a.name
                    .as_ref()
                    .is_some_and(|name| !cx.guards.constraint_dropped(table, name))
        });
        let primary_key_added = shape.actions.iter().any(|a| {
            a.kind == AlterActionKind::AddConstraint
                && !a.guard.is_some_and(|g| g.present)
                && adds_primary_key(cx, a)
        });
        for action in &shape.actions {
            if action.kind != AlterActionKind::AddConstraint
                || action.guard.is_some_and(|g| g.present)
            {
                continue;
            }
            // What the foreign key references that a later statement drops with CASCADE.
            let cascaded =
                crate::lint::rules::read_removed_later::reference_cascaded_later(cx, action)
                    .map(|(key, error)| {
                        let written = |name: &str, table: bool| {
                            let tokens = &cx.statement.tokens;
                            crate::sql::written_name(cx.dialect, tokens, name, table)
                        };
                        let what = match key {
                            Key::Column(t, c) => {
                                format!("column `{}.{}`", written(&t, true), written(&c, false))
                            }
                            Key::Constraint(t, c) => format!(
                                "constraint `{}` on `{}`",
                                written(&c, false),
                                written(&t, true)
                            ),
                            Key::Object(_, t) => format!("table `{}`", written(&t, true)),
                        };
                        (what, error)
                    });
            if do_guarded && cascaded.is_none() {
                continue;
            }
            let mut words = crate::sql::tokens_in(&cx.statement.tokens, &action.range)
                .iter()
                .skip(1);
            // MariaDB's `ADD PRIMARY KEY IF NOT EXISTS`.
            if words.next().is_some_and(|t| t.is_kw("PRIMARY"))
                && words.next().is_some_and(|t| t.is_kw("KEY"))
                && words.next().is_some_and(|t| t.is_kw("IF"))
            {
                continue;
            }
            let message = match &action.name {
                // A later drop of what the foreign key references with CASCADE takes it along:
                // the retry adds it again, to a key that is gone, also after an earlier
                // `DROP CONSTRAINT IF EXISTS` of it.
                _ if cascaded.is_some() => {
                    let (what, error) = cascaded.clone().unwrap_or_default();
                    let constraint = action
                        .name
                        .as_ref()
                        .map_or("this unnamed foreign key".to_string(), |n| {
                            format!("adding constraint {}", code_span(&n.text))
                        });
                    format!(
                        "{constraint} fails on a retry: a later statement of this file drops {what}, which the foreign key references, with CASCADE, and the foreign key with it, so a retry adds it again and fails, as what it references is gone (`{error}`)"
                    )
                }
                Some(name) if cx.guards.constraint_dropped(table, name) => continue,
                None if re_adds_first_foreign_key(cx, table) => continue,
                Some(name) if key_drop_blocked(cx, table, name) => format!(
                    "adding constraint {} fails on a retry once it exists: the DROP CONSTRAINT before it fails on a retry (PF125), as a later foreign key still uses the key, so the key is still there when a runner goes on after that error: fix the drop first, and this statement meets no constraint",
                    code_span(&name.text),
                ),
                Some(name) => format!(
                    "adding constraint {} fails on a retry once it exists: {}",
                    code_span(&name.text),
                    named_advice(cx.dialect)
                ),
                None => format!(
                    "this unnamed constraint is added again on every retry (or fails): name it, {}",
                    unnamed_advice(cx.dialect)
                ),
            };
            let span = action.head.start
                ..action
                    .name
                    .as_ref()
                    .map_or(action.head.end, |n| n.range.end);
            let fix = if cascaded.is_some() {
                None
            } else if cx.dialect == Dialect::Mariadb {
                mariadb_fix(cx, action)
            } else if action.name.is_some() && primary_key_added
                || action.name.is_none() && named_added && adds_primary_key(cx, action)
            {
                cx.exception_guard_fix(
                    &format!(
                        "duplicate_object {or} duplicate_table {or} invalid_table_definition",
                        or = cx.keyword_cased("OR")
                    ),
                    "Wrap in a DO block that ignores duplicate_object, duplicate_table and a second primary key (invalid_table_definition)",
                )
            } else if action.name.is_some() {
                cx.do_block_fix()
            } else {
                primary_key_fix(cx, action)
            };
            let mut v = Violation::new(span, message).fix(fix);
            if cascaded.is_some() {
                // An earlier drop of the constraint does not help: the retry fails at the add.
                v.needs_removed = true;
                // As PF123's VALIDATE of such a key: nothing a retry can check tells a key the
                // file dropped from one that never existed.
                v = v.note("no fix: a handler for the retry's error (invalid_foreign_key, undefined_object, undefined_column) would hide the same error on a first run, where the referenced key is missing; split the file so the drop is its own migration");
            }
            out.push(v);
        }
    }
}

/// MySQL/MariaDB: an ALTER whose only unnamed constraint is one `ADD FOREIGN KEY`, after a
/// guarded drop of `<table>_ibfk_1`. InnoDB names an unnamed foreign key `<table>_ibfk_<n>`, n
/// one more than the highest n the table has: with `_ibfk_1` dropped (and no other `_ibfk_n`
/// left), a retry drops what the last run added and adds it again under the same name. Only
/// `_ibfk_1`: a drop of `_ibfk_2` leaves `_ibfk_1`, and the re-added key is `_ibfk_2` only if no
/// `_ibfk_3` exists, which the file cannot tell. Not seen: a `<table>_ibfk_2` an earlier
/// migration left, which makes the re-added key `_ibfk_3`.
fn re_adds_first_foreign_key(cx: &StatementCx, table: &crate::sql::Name) -> bool {
    if !cx.dialect.is_mysql_family() {
        return false;
    }
    let unnamed: Vec<_> = cx
        .shape()
        .actions
        .iter()
        .filter(|a| a.kind == AlterActionKind::AddConstraint && a.name.is_none())
        .collect();
    let [only] = unnamed.as_slice() else {
        return false;
    };
    let mut words = crate::sql::tokens_in(&cx.statement.tokens, &only.range)
        .iter()
        .skip(1);
    let foreign = words.next().is_some_and(|t| t.is_kw("FOREIGN"))
        && words.next().is_some_and(|t| t.is_kw("KEY"));
    let first = crate::sql::Name {
        text: format!("{}_ibfk_1", table.base()),
        range: 0..0,
        parts: vec![format!("{}_ibfk_1", table.base())],
    };
    foreign && cx.guards.constraint_dropped(table, &first)
}

/// `ADD [CONSTRAINT name] PRIMARY KEY …`.
fn adds_primary_key(cx: &StatementCx, action: &crate::sql::AlterAction) -> bool {
    crate::sql::tokens_in(&cx.statement.tokens, &action.range)
        .windows(2)
        .take(4)
        .any(|w| w[0].is_kw("PRIMARY") && w[1].is_kw("KEY"))
}

/// An unnamed `ADD PRIMARY KEY` (alone or among other actions) fails on a retry with
/// "multiple primary keys": PostgreSQL ignores that error in a DO block (unsafe: a different
/// existing key is kept); MariaDB has `ADD PRIMARY KEY IF NOT EXISTS`.
fn primary_key_fix(
    cx: &StatementCx,
    action: &crate::sql::AlterAction,
) -> Option<crate::diagnostics::Fix> {
    let mut tokens = crate::sql::tokens_in(&cx.statement.tokens, &action.range).iter();
    let (_add, primary, key) = (tokens.next()?, tokens.next()?, tokens.next()?);
    if !primary.is_kw("PRIMARY") || !key.is_kw("KEY") {
        return None;
    }
    match cx.dialect {
        // "multiple primary keys … are not allowed" is invalid_table_definition (42P16). A
        // catalog check for "no primary key yet" would skip `DROP COLUMN id, ADD PRIMARY KEY
        // (uuid)` on its first run, where the DROP removes the old key.
        Dialect::Postgres => cx.exception_guard_fix(
            "invalid_table_definition",
            "Wrap in a DO block that ignores a second primary key (invalid_table_definition)",
        ),
        // MariaDB checks IF NOT EXISTS before the statement's own DROPs run: with
        // `DROP COLUMN id, ADD PRIMARY KEY IF NOT EXISTS (uuid)` the old key still counts, and
        // the first run would end with no primary key at all.
        Dialect::Mariadb
            if cx.shape().actions.iter().any(|a| {
                a.kind != AlterActionKind::AddColumn
                    && a.kind != AlterActionKind::AddConstraint
                    && a.kind != AlterActionKind::AddIndex
            }) =>
        {
            None
        }
        Dialect::Mariadb => {
            Some(cx.insert_fix(key.range.end, "IF NOT EXISTS", Applicability::Safe))
        }
        _ => None,
    }
}

/// MariaDB's own guards for a named constraint: `FOREIGN KEY IF NOT EXISTS`,
/// `UNIQUE [KEY|INDEX] IF NOT EXISTS`, `ADD CONSTRAINT IF NOT EXISTS name CHECK` (MariaDB KB
/// "ALTER TABLE"; a duplicate name is then a note, 1061/1826, not an error). MariaDB checks
/// IF NOT EXISTS before the statement's own drops run, so a statement that also drops
/// something is left alone: the add would be skipped on its first run. Unnamed constraints get
/// a generated name on every run, which IF NOT EXISTS cannot match (the primary key aside).
fn mariadb_fix(
    cx: &StatementCx,
    action: &crate::sql::AlterAction,
) -> Option<crate::diagnostics::Fix> {
    let Some(name) = &action.name else {
        return primary_key_fix(cx, action);
    };
    // A drop of another, named constraint or index in the same ALTER cannot hide this one.
    let folded = crate::sql::fold_unquoted(name.base());
    let drops = cx.shape().actions.iter().any(|a| match a.kind {
        AlterActionKind::DropConstraint | AlterActionKind::DropIndex => a
            .name
            .as_ref()
            .is_none_or(|n| crate::sql::fold_unquoted(n.base()) == folded),
        AlterActionKind::DropColumn | AlterActionKind::Other => true,
        _ => false,
    });
    if drops {
        return None;
    }
    let mut words = crate::sql::tokens_in(&cx.statement.tokens, &action.range)
        .iter()
        .skip(1);
    let kind = words.next()?;
    // `ADD UNIQUE [KEY|INDEX] name (…)`: the name follows the keywords.
    if kind.is_kw("UNIQUE") {
        let at = match words.next() {
            Some(t) if t.is_kw("KEY") || t.is_kw("INDEX") => t.range.end,
            _ => kind.range.end,
        };
        return Some(cx.insert_fix(at, "IF NOT EXISTS", Applicability::Safe));
    }
    if !kind.is_kw("CONSTRAINT") {
        return None;
    }
    let mut after_name = cx
        .statement
        .tokens
        .iter()
        .filter(|t| name.range.end <= t.range.start && t.range.end <= action.range.end);
    let first = after_name.next()?;
    let at = if first.is_kw("CHECK") {
        // Before the name: `ADD CONSTRAINT IF NOT EXISTS name CHECK (…)`.
        return Some(cx.insert_fix(action.head.end, "IF NOT EXISTS", Applicability::Safe));
    } else if first.is_kw("FOREIGN") {
        after_name.next().filter(|t| t.is_kw("KEY"))?.range.end
    } else if first.is_kw("UNIQUE") {
        match after_name.next() {
            Some(t) if t.is_kw("KEY") || t.is_kw("INDEX") => t.range.end,
            _ => first.range.end,
        }
    } else {
        return None;
    };
    Some(cx.insert_fix(at, "IF NOT EXISTS", Applicability::Safe))
}

/// What guards a named constraint in each dialect.
fn named_advice(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Mysql => "MySQL has neither ADD CONSTRAINT IF NOT EXISTS nor DROP CONSTRAINT IF EXISTS, so check information_schema.table_constraints first",
        Dialect::Mariadb => "add MariaDB's IF NOT EXISTS (`FOREIGN KEY IF NOT EXISTS`, `UNIQUE IF NOT EXISTS`, `ADD CONSTRAINT IF NOT EXISTS name CHECK`), or drop it first with DROP CONSTRAINT IF EXISTS",
        Dialect::Postgres | Dialect::Sqlite => "there is no ADD CONSTRAINT IF NOT EXISTS, so drop it first with DROP CONSTRAINT IF EXISTS, or guard the statement",
    }
}

fn unnamed_advice(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Mysql => "and check information_schema.table_constraints first",
        Dialect::Mariadb => {
            "and add IF NOT EXISTS (or drop it first with DROP CONSTRAINT IF EXISTS)"
        }
        Dialect::Postgres | Dialect::Sqlite => "and drop it first with DROP CONSTRAINT IF EXISTS",
    }
}

/// Was constraint `name` on `table` last removed, before this statement, only by drops that a
/// later foreign key blocks on a retry (PF125)? A retry then finds the key still there.
fn key_drop_blocked(cx: &StatementCx, table: &crate::sql::Name, name: &crate::sql::Name) -> bool {
    cx.sequence.is_some_and(|(sequence, _)| {
        sequence.drop_blocked_before(&Key::Constraint(
            table.base().to_string(),
            name.base().to_string(),
        ))
    })
}
