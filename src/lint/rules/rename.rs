//! PF118: `RENAME` (table, column, constraint, index, type value…) fails on a retry because the
//! old name is gone.

use super::prelude::*;
use crate::lint::columns::token_name;
use crate::sql::tokens_in;
use crate::lint::rule::literal;
use crate::lint::sequence::Key;
use crate::sql::AlterActionKind;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF118",
    name: "rename-without-guard",
    default_severity: Severity::Error,
    summary: "RENAME fails on a retry because the old name no longer exists",
    doc: include_str!("../../../rules/PF118.md"),
    fix: FixAvailability::Sometimes(
        Applicability::Unsafe,
        "PostgreSQL only (a catalog-checked DO block); MySQL, MariaDB and SQLite have no guard for a rename",
    ),
};

pub struct Rename;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &Rename;

impl Rule for Rename {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        // A handler that catches only the missing old name (`WHEN undefined_table`) guards the
        // rename as `IF EXISTS` does, unless the file made the old name again.
        // Under a per-file transaction the new name is free on every re-run when the file
        // removes it for good after the block: neither that rename nor one with `IF EXISTS`
        // fails then.
        let handled_gone = cx
            .statement
            .context
            .do_block
            .is_some_and(|d| {
                d.guarded
                    && d.collision_uncaught
                    && (d.enum_collision_uncaught || !renames_type_made_as(cx, TypeMade::Enum))
                    && (d.composite_collision_uncaught
                        || !renames_type_made_as(cx, TypeMade::Composite))
            });
        let if_exists_in_block = cx.runs_in == crate::lint::rule::RunsIn::DoBody
            && cx.shape().guard.is_some_and(|g| g.present);
        if (handled_gone || if_exists_in_block)
            && cx
                .file
                .sequence
                .body_rename_target_left_removed(cx.statement, cx.file.top_index)
        {
            return;
        }
        if cx.do_guarded() && !handled_gone {
            return;
        }
        let shape = cx.shape();
        let message = |what: &str, old: &[Key], new: Option<(String, String)>, guarded: bool| {
            let guard = "guard it (a DO block that checks the catalog, or a check in your migration tool)";
            let new = || new.map_or("the new name".to_string(), |(text, _)| code_span(&text).to_string());
            if handled_gone
                || old_name_made_again(cx, old)
                || (guarded && made_again_before_block(cx, old))
            {
                let new = new();
                format!(
                    "renaming {what} fails on a retry because {new} already exists: the statements before it make the old name again, and an earlier run left {new}: {guard}"
                )
            } else if guarded {
                let new = new();
                format!(
                    "renaming {what} fails on a retry because {new} already exists: `IF EXISTS` checks only the old name, which a later statement of the file makes again, and an earlier run left {new}: {guard}"
                )
            } else {
                format!("renaming {what} fails on a retry because the old name no longer exists: {guard}")
            }
        };
        match &shape.kind {
            ShapeKind::Rename(ObjectKind::Type) if renames_a_value_again(cx) => {}
            ShapeKind::Rename(kind) => {
                let old = shape
                    .object()
                    .map(|n| vec![Key::Object(*kind, n.base().to_string())])
                    .unwrap_or_default();
                // The object's own name (`RENAME TO`, MySQL's `RENAME TABLE a TO b`), not a
                // value, an attribute or a column of it.
                let renames_object = !cx.statement.tokens.windows(2).any(|w| {
                    w[0].is_kw("RENAME")
                        && ["VALUE", "ATTRIBUTE", "COLUMN"].iter().any(|k| w[1].is_kw(k))
                });
                let attribute = renamed_attribute(cx);
                let gone = if renames_object {
                    &old[..]
                } else {
                    &attribute[..]
                };
                // `IF EXISTS` skips the rename once the old name is gone, not when the
                // statements before it make the old name again: the retry then meets the new
                // name an earlier run left (`CREATE INDEX IF NOT EXISTS i …; ALTER INDEX IF
                // EXISTS i RENAME TO i2`: `relation "i2" already exists`).
                if shape.guard.is_some_and(|g| g.present) && !old_name_back(cx, gone) {
                    return;
                }
                if handled_gone && !made_again_before_block(cx, gone) && !value_added_before(cx) {
                    return;
                }
                if collision_handled(cx, gone) {
                    return;
                }
                let object = format!(
                    "{} {}",
                    kind.keyword().to_lowercase(),
                    code_span(&cx.object_text())
                );
                // An attribute rename names the attribute whose old name a retry misses (or
                // whose new name it finds taken), of its type.
                let what = match renamed_attribute_text(cx).filter(|_| !renames_object) {
                    Some(attribute) => format!("attribute {} of {object}", code_span(attribute)),
                    None => object,
                };
                let v = Violation::new(
                    cx.head_span(),
                    message(
                        &what,
                        gone,
                        new_name(cx, cx.statement.range.clone()),
                        shape.guard.is_some_and(|g| g.present),
                    ),
                );
                let mariadb_at = if *kind == ObjectKind::Table {
                    shape.head.end
                } else {
                    usize::MAX
                };
                out.push(with_fix(cx, v, object_guard(cx, *kind), mariadb_at, &old));
            }
            ShapeKind::AlterTable => {
                let Some(table) = shape.object() else { return };
                let alone = shape.actions.len() == 1;
                for action in &shape.actions {
                    let guarded = match &action.name {
                        None => shape.guard.is_some_and(|g| g.present),
                        Some(_) => action.guard.is_some_and(|g| g.present),
                    };
                    if action.kind == AlterActionKind::Other {
                        change_rename(cx, table, action, out);
                        continue;
                    }
                    if action.kind != AlterActionKind::Rename {
                        continue;
                    }
                    let what = match &action.name {
                        Some(n) => code_span(&n.text).to_string(),
                        None => format!("table {}", code_span(&cx.object_text())),
                    };
                    let second = cx
                        .statement
                        .tokens
                        .iter()
                        .filter(|t| t.range.start >= action.range.start)
                        .nth(1);
                    let constraint = second.is_some_and(|t| t.is_kw("CONSTRAINT"));
                    let index = second.is_some_and(|t| t.is_kw("INDEX") || t.is_kw("KEY"));
                    let keyworded = second
                        .is_some_and(|t| t.is_kw("COLUMN") || t.is_kw("INDEX") || t.is_kw("KEY"));
                    let regclass = format!("to_regclass({})", literal(&table.text));
                    // The new name must still be free: a later statement of the file may have
                    // created the old name again.
                    let target = new_name(cx, action.range.clone());
                    let condition = match (&action.name, target) {
                        (None, Some((text, _))) => Some(format!(
                            "{regclass} IS NOT NULL AND to_regclass({}) IS NULL",
                            literal(&qualified_like(table, &text))
                        )),
                        (Some(n), Some((_, new))) if constraint => Some(format!(
                            "EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = {regclass} AND conname = {}) AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = {regclass} AND conname = {})",
                            literal(n.base()),
                            literal(&new)
                        )),
                        (Some(n), Some((_, new))) => Some(format!(
                            "EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = {regclass} AND attname = {} AND NOT attisdropped) AND NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = {regclass} AND attname = {} AND NOT attisdropped)",
                            literal(n.base()),
                            literal(&new)
                        )),
                        _ => None,
                    };
                    let mariadb_at = match &action.name {
                        None => Some(shape.head.end),
                        Some(_) if keyworded => Some(action.head.end),
                        _ => None,
                    };
                    let condition = condition.filter(|_| alone);
                    let t = table.base().to_string();
                    let old = match &action.name {
                        None => vec![Key::Object(ObjectKind::Table, t)],
                        Some(n) if constraint || index => vec![
                            Key::Constraint(t, n.base().to_string()),
                            Key::Object(ObjectKind::Index, n.base().to_string()),
                        ],
                        Some(n) => vec![Key::Column(t, n.base().to_string())],
                    };
                    // `IF EXISTS` (the table's, MariaDB's `RENAME COLUMN IF EXISTS`) skips the
                    // rename once the old name is gone, not when the statements before it make
                    // the old name again (`CREATE TABLE IF NOT EXISTS p …; ALTER TABLE IF
                    // EXISTS p RENAME TO p2`: `relation "p2" already exists`).
                    if guarded && !old_name_back(cx, &old) {
                        continue;
                    }
                    if handled_gone && !made_again_before_block(cx, &old) {
                        continue;
                    }
                    if action.name.is_none() && collision_handled(cx, &old) {
                        continue;
                    }
                    let new = new_name(cx, action.range.clone());
                    let v = Violation::new(action.range.clone(), message(&what, &old, new, guarded));
                    out.push(with_fix(
                        cx,
                        v,
                        condition,
                        mariadb_at.unwrap_or(usize::MAX),
                        &old,
                    ));
                }
            }
            _ => {}
        }
    }
}

/// [`old_name_made_again`] for a rename in a DO body (or the body of a routine the statement
/// calls, which the call runs as one statement), also through the statements of the file
/// before the block: the file's last event on the old name before the DO statement is a
/// creation (through renames too), or one made right before it, by a DO block too that makes
/// it wherever it is gone (`CREATE TABLE d2 …; DO $$ BEGIN
/// ALTER TABLE d2 RENAME TO d2_old; EXCEPTION WHEN undefined_table THEN NULL; END $$`: a retry
/// past the block fails with `relation "d2_old" already exists`, which the handler does not
/// catch). In the schema the rename writes, where the search_path the file set tells it (in
/// any schema otherwise), and wherever in the body the rename sits: more, never less.
fn made_again_before_block(cx: &StatementCx, old: &[Key]) -> bool {
    old_name_made_again(cx, old)
        || (cx.runs_in.is_in_body()
            && old.iter().any(|key| {
                made_again_in_schema(cx, key)
            }))
}

/// Is the file's last event on `key` before the top-level statement a creation (through
/// renames: [`crate::lint::sequence::Sequence::state_before_in`]), in the schema the
/// statement writes for it? An unqualified name is in the first schema of the search_path
/// the file set, and in any schema without one: `SET search_path TO public; CREATE TABLE a.d
/// …` makes no `d` for `ALTER TABLE d RENAME TO d_old`.
fn made_before_in_schema(cx: &StatementCx, key: &Key) -> bool {
    let written = cx.shape().object().and_then(|n| n.schema());
    cx.file.sequence.state_before_in(key, written) == Some(true)
}

/// [`made_before_in_schema`], or made right before the top-level statement in that schema, or
/// by a DO block that makes it wherever it is gone
/// ([`crate::lint::sequence::Sequence::made_again_right_before_current`]).
fn made_again_in_schema(cx: &StatementCx, key: &Key) -> bool {
    let written = cx.shape().object().and_then(|n| n.schema());
    made_before_in_schema(cx, key)
        || cx
            .file
            .sequence
            .made_again_right_before_current(key, written)
}

/// Is rename `cx` of a DO body guarded by a handler of the "already exists" its retry raises
/// alone ([`crate::sql::DoBlockContext::collision_caught`]: `WHEN duplicate_table`), of a
/// table, view, materialized view or sequence (`old`, the old name's keys) that every run
/// reaching the block finds, made by the file's last event on it before the block, in the
/// schema the rename writes ([`crate::lint::sequence::Sequence::created_on_every_run`])? A
/// retry then never meets the old name gone: it renames it, or fails into the handler once an
/// earlier run left the new name (`CREATE TABLE d2 …; DO $$ BEGIN ALTER TABLE d2 RENAME TO
/// d2_old; EXCEPTION WHEN duplicate_table THEN NULL; END $$` never fails).
fn collision_handled(cx: &StatementCx, old: &[Key]) -> bool {
    use ObjectKind as K;
    let written = cx.shape().object().and_then(|n| n.schema());
    cx.runs_in == crate::lint::rule::RunsIn::DoBody
        && cx
            .statement
            .context
            .do_block
            .is_some_and(|d| !d.guarded && d.collision_caught)
        && !old.is_empty()
        && old.iter().all(|key| {
            matches!(
                key,
                Key::Object(K::Table | K::View | K::MaterializedView | K::Sequence, _)
            ) && cx
                .file
                .sequence
                .created_on_every_run(key, cx.file.top_index, written)
        })
}

/// Does a retry that reaches the rename in `cx` meet one of `old` (the old name's keys) made
/// again, so that it fails because the new name an earlier run gave is taken, not because the
/// old one is gone (`CREATE TYPE mood …; ALTER TYPE mood RENAME TO mood_old;`, in a DO block or
/// at the top level: `type "mood_old" already exists`)? At the top level the file's last event
/// on the old name before it is a creation (through renames too), or a DO block that makes it
/// wherever it is gone (`DO $$ BEGIN CREATE TABLE d3 …; EXCEPTION WHEN duplicate_table THEN
/// NULL; END $$`); in a body (a DO block's or a called routine's), a statement right before
/// it in the block makes it ([`made_earlier_in_block`]).
fn old_name_made_again(cx: &StatementCx, old: &[Key]) -> bool {
    use crate::lint::sequence::made_earlier_in_block;
    match cx.sequence {
        Some(_) => old.iter().any(|key| made_again_in_schema(cx, key)),
        None if cx.runs_in.is_in_body() => {
            let written = cx.shape().object().and_then(|n| n.schema());
            old.iter().any(|key| {
                made_earlier_in_block(
                    key,
                    written,
                    cx.earlier_in_body,
                    cx.statement,
                    &cx.source.text,
                    cx.dialect,
                )
            })
        }
        None => false,
    }
}

/// Does a retry meet `old` (the old name's keys) again after a run renamed it away? Created
/// by the file before the rename (`CREATE TABLE t_new …; RENAME t_new TO t`, also through an
/// earlier rename of what it created) or after it: either way a re-run of the whole file meets
/// the old name again. In a DO body, by a statement of the file after the block or one of the
/// block itself ([`crate::lint::sequence::Sequence::returns_from`]: `DO $$ BEGIN ALTER TABLE
/// IF EXISTS d RENAME TO d_old; END $$; CREATE TABLE d …`), in any schema.
fn comes_back(cx: &StatementCx, old: &[Key]) -> bool {
    match cx.sequence {
        Some((seq, i)) => old
            .iter()
            .any(|key| seq.returns_after(key, i) || made_before_in_schema(cx, key)),
        None if cx.runs_in == crate::lint::rule::RunsIn::DoBody => old
            .iter()
            .any(|key| cx.file.sequence.returns_from(key, cx.file.top_index)),
        None => false,
    }
}

/// May a retry of a rename with `IF EXISTS` find `old` (the old name's keys) again, and the new
/// name an earlier run left taken? When the statements before it (in a DO body, those of the
/// file before the block too: [`made_again_before_block`]) make `old` again, or a statement of
/// the file brings it back ([`comes_back`]): `CREATE TABLE d2 …; DO $$ BEGIN ALTER TABLE IF
/// EXISTS d2 RENAME TO d2_old; END $$` fails on a retry past the block with `relation "d2_old"
/// already exists`.
fn old_name_back(cx: &StatementCx, old: &[Key]) -> bool {
    made_again_before_block(cx, old) || comes_back(cx, old)
}

/// MySQL's and MariaDB's `CHANGE [COLUMN] old new …` with a new name: a column rename, which
/// fails on a retry as `RENAME COLUMN` does (`Unknown column 'old'` once it ran, `Duplicate
/// column name 'new'` when the file adds `old` again). No fix: MariaDB's `CHANGE COLUMN IF
/// EXISTS` checks only the old name, and the look-ahead does not follow a CHANGE's names, so it
/// cannot tell whether the file brings the old name back.
fn change_rename(
    cx: &StatementCx,
    _table: &crate::sql::Name,
    action: &crate::sql::AlterAction,
    out: &mut Vec<Violation>,
) {
    let t = tokens_in(&cx.statement.tokens, &action.range);
    let Some(old) = super::renaming_column::renaming_change(cx, t)
        .filter(|change| !change.if_exists)
        .map(|change| change.old)
    else {
        return;
    };
    let name = token_name(&cx.source.text, old);
    let v = Violation::new(
        action.head.start..old.range.end,
        format!(
            "renaming column {} (CHANGE with a new name) fails on a retry because the old name no longer exists: guard it (a DO block that checks the catalog, or a check in your migration tool)",
            code_span(&name.text)
        ),
    );
    out.push(v.note(match cx.dialect {
        Dialect::Mariadb => "no fix: MariaDB's `CHANGE COLUMN IF EXISTS` checks only the old name, and the file may add it back (a re-run then meets `Duplicate column name`): guard it in the migration tool or give the rename a migration of its own",
        _ => "MySQL cannot guard this rename in plain SQL: guard it in the migration tool or give the rename a migration of its own",
    }));
}

/// `ALTER TYPE t RENAME TO …` of a type the file made as `made` says: an enum, whose rename
/// raises `duplicate_object` once the new name is taken, or a composite type, whose rename
/// raises `duplicate_table` (`relation "c_old" already exists`, PostgreSQL 15). The file's last
/// statement on `t` before the top-level statement is `CREATE TYPE t AS ENUM` (`AS (…)`)
/// ([`Sequence::created_as_enum_before`], [`Sequence::created_as_composite_before`]), or,
/// where the file did not touch `t` before, the last creation of `t` earlier in the same body
/// is one.
fn renames_type_made_as(cx: &StatementCx, made: TypeMade) -> bool {
    let shape = cx.shape();
    let Some(name) = shape.object() else {
        return false;
    };
    if shape.kind != ShapeKind::Rename(ObjectKind::Type) || !cx.statement.renames_object() {
        return false;
    }
    let seq = cx.file.sequence;
    let key = Key::Object(ObjectKind::Type, name.base().to_string());
    // Made so by the file before the top-level statement (a DO block's creation too).
    let made_before = match made {
        TypeMade::Enum => seq.created_as_enum_before(name.base()),
        TypeMade::Composite => seq.created_as_composite_before(name.base()),
    };
    if made_before || seq.state_before_through_renames(&key).is_some() {
        return made_before;
    }
    cx.earlier_in_body
        .iter()
        .rev()
        .find(|s| {
            s.shape.kind == ShapeKind::Create(ObjectKind::Type)
                && s.shape.object().is_some_and(|n| n.base() == name.base())
        })
        .is_some_and(|s| match made {
            TypeMade::Enum => s.tokens.iter().any(|t| t.is_kw("ENUM")),
            TypeMade::Composite => crate::lint::sequence::creates_composite(s),
        })
}

/// What a `CREATE TYPE` made: the "already exists" a rename of the type raises once an earlier
/// run left the new name tells them apart (`duplicate_object`, `duplicate_table`).
#[derive(Clone, Copy)]
enum TypeMade {
    Enum,
    Composite,
}

/// `ALTER TYPE t RENAME VALUE 'old' TO 'new'` in a body, where the file's last change of
/// `old` before the top-level statement adds it (`ALTER TYPE t ADD VALUE IF NOT EXISTS 'old'`,
/// [`Sequence::label_added_before`]): a retry past the body finds `old` again, and fails on the
/// `new` an earlier run left (`enum label "new" already exists`).
fn value_added_before(cx: &StatementCx) -> bool {
    let Some(name) = cx.shape().object().filter(|_| cx.runs_in.is_in_body()) else {
        return false;
    };
    renamed_value(cx).is_some_and(|(old, _)| cx.file.sequence.label_added_before(name.base(), old))
}

/// `ALTER TYPE t RENAME VALUE 'old' TO 'new'` of a type a proved earlier statement of the file
/// creates with `old`: a re-run that gets here renames the value of the type it just created.
fn renames_a_value_again(cx: &StatementCx) -> bool {
    let (Some((seq, _)), Some(name)) = (cx.sequence, cx.shape().object()) else {
        return false;
    };
    renamed_value(cx).is_some_and(|(old, new)| seq.value_rename_reruns(name.base(), old, new))
}

/// The old and the new label of `ALTER TYPE t RENAME VALUE 'old' TO 'new'`.
fn renamed_value<'a>(cx: &StatementCx<'a>) -> Option<(&'a str, &'a str)> {
    let tokens = &cx.statement.tokens;
    let at = tokens
        .windows(2)
        .position(|w| w[0].is_kw("RENAME") && w[1].is_kw("VALUE"))?;
    let literal = |k: usize| match tokens.get(k).map(|t| &t.token) {
        Some(sqlparser::tokenizer::Token::SingleQuotedString(s)) => Some(s.as_str()),
        _ => None,
    };
    Some((literal(at + 2)?, literal(at + 4)?))
}

/// The attribute `ALTER TYPE t RENAME ATTRIBUTE a TO b` renames, as written (`a`).
fn renamed_attribute_text<'a>(cx: &StatementCx<'a>) -> Option<&'a str> {
    cx.statement
        .tokens
        .windows(3)
        .find(|w| w[0].is_kw("RENAME") && w[1].is_kw("ATTRIBUTE"))
        .and_then(|w| cx.source.text.get(w[2].range.clone()))
}

/// `ALTER TYPE t RENAME ATTRIBUTE a TO b`: the attribute, keyed as the sequence keys a
/// composite type's attributes, as columns of it (`ALTER TYPE t ADD ATTRIBUTE a …` before a
/// rename under `WHEN undefined_column` makes `a` again: `column "b" of relation "t" already
/// exists`).
fn renamed_attribute(cx: &StatementCx) -> Vec<Key> {
    let tokens = &cx.statement.tokens;
    let Some(name) = cx.shape().object() else {
        return Vec::new();
    };
    tokens
        .windows(3)
        .find(|w| w[0].is_kw("RENAME") && w[1].is_kw("ATTRIBUTE"))
        .and_then(|w| crate::sql::folded(&w[2]))
        .map(|old| vec![Key::Column(name.base().to_string(), old)])
        .unwrap_or_default()
}

/// The catalog check that the object about to be renamed is still there (PostgreSQL).
fn object_guard(cx: &StatementCx, kind: ObjectKind) -> Option<String> {
    let name = cx.shape().object()?;
    let tokens = &cx.statement.tokens;
    let value = tokens
        .windows(3)
        .find(|w| w[0].is_kw("RENAME") && w[1].is_kw("VALUE"))
        .map(|w| &cx.source.text[w[2].range.clone()]);
    match kind {
        ObjectKind::Type if value.is_some() => Some(format!(
            "EXISTS (SELECT 1 FROM pg_enum WHERE enumtypid = to_regtype({}) AND enumlabel = {})",
            literal(&name.text),
            value.unwrap_or_default()
        )),
        // The new name must be free too: lemmy's `RENAME TO x__` meets the `x__` an earlier
        // run left when the file drops it only later.
        ObjectKind::Type | ObjectKind::Domain
            if tokens
                .windows(2)
                .any(|w| w[0].is_kw("RENAME") && w[1].is_kw("TO")) =>
        {
            let (text, _) = new_name(cx, cx.statement.range.clone())?;
            Some(format!(
                "to_regtype({}) IS NOT NULL AND to_regtype({}) IS NULL",
                literal(&name.text),
                literal(&qualified_like(name, &text))
            ))
        }
        ObjectKind::Table
        | ObjectKind::Index
        | ObjectKind::Sequence
        | ObjectKind::View
        | ObjectKind::MaterializedView
        | ObjectKind::ForeignTable => {
            let (text, _) = new_name(cx, cx.statement.range.clone())?;
            Some(format!(
                "to_regclass({}) IS NOT NULL AND to_regclass({}) IS NULL",
                literal(&name.text),
                literal(&qualified_like(name, &text))
            ))
        }
        _ => None,
    }
}

/// PostgreSQL: a DO block that checks the catalog first (unsafe: a missing old name is skipped
/// silently). MariaDB: its own `IF EXISTS` at `mariadb_at`, unless a later statement of the
/// file brings the old name (`old`) back. MySQL: nothing can guard it.
fn with_fix(
    cx: &StatementCx,
    v: Violation,
    condition: Option<String>,
    mariadb_at: usize,
    old: &[Key],
) -> Violation {
    let comes_back = comes_back(cx, old);
    match cx.dialect {
        Dialect::Mariadb if mariadb_at != usize::MAX && comes_back => v.note(
            "no fix: another statement of this file creates the old name (again), so a re-run of the whole file finds it and `IF EXISTS` still renames it into a name that is taken; MariaDB has no plain-SQL guard that checks the new name: put the rename in a migration of its own, or guard it in the migration tool",
        ),
        Dialect::Postgres => {
            let fix = condition.and_then(|c| {
                cx.catalog_guard_fix(&c, "Run the rename only while the old name exists")
            });
            v.fix(fix)
        }
        Dialect::Mariadb if mariadb_at != usize::MAX => v.fix(Some(cx.insert_fix(
            mariadb_at,
            "IF EXISTS",
            Applicability::Safe,
        ))),
        Dialect::Mysql | Dialect::Mariadb => v.note(format!(
            "{} cannot guard this rename in plain SQL (no DO blocks, no RENAME … IF EXISTS here): guard it in the migration tool or split it into its own migration",
            product(cx.dialect)
        )),
        Dialect::Sqlite => v,
    }
}

/// The name after `RENAME … TO` within `range`: as written, and folded (unquoted → lower case).
fn new_name(cx: &StatementCx, range: std::ops::Range<usize>) -> Option<(String, String)> {
    let tokens = &cx.statement.tokens;
    let at = tokens
        .iter()
        .position(|t| t.range.start >= range.start && t.is_kw("TO"))?;
    let t = tokens.get(at + 1).filter(|t| t.range.end <= range.end)?;
    let sqlparser::tokenizer::Token::Word(w) = &t.token else {
        return None;
    };
    let folded = if crate::sql::keeps_case(w) {
        w.value.clone()
    } else {
        crate::sql::fold_unquoted(&w.value)
    };
    Some((cx.source.text[t.range.clone()].to_string(), folded))
}

/// A new relation name in the old one's schema (`RENAME TO` keeps the schema): `s.old` → `s.new`.
fn qualified_like(old: &crate::sql::Name, new: &str) -> String {
    match old.text.rfind('.') {
        Some(dot) if old.parts.len() > 1 => format!("{}.{new}", &old.text[..dot]),
        _ => new.to_string(),
    }
}
