//! What a statement does to which object, as the replay keys it: its steps (creations and
//! removals) and the names it gives to objects that already exist (arrivals).

use super::{Event, Key, Step};
use crate::sql::{
    top_level, AlterActionKind, Change, Effect, Name, ObjectKind, ShapeKind, Statement, Target,
};

/// The schema part of a qualified name (`s` of `s.t`), as [`Name::same_object`] compares it.
pub(super) fn schema(name: &Name) -> Option<Box<str>> {
    let n = name.parts.len();
    (n > 1).then(|| name.parts[n - 2].as_str().into())
}

/// A name a statement gives to an object that already exists.
pub(super) struct Arrival {
    pub(super) key: Key,
    /// The name it had (folded; empty for MySQL's `RENAME TABLE`).
    pub(super) old: String,
}

impl Arrival {
    /// The object under the name it had, when the statement spells it.
    pub(super) fn old_key(&self) -> Option<Key> {
        if self.old.is_empty() {
            return None;
        }
        let old = self.old.clone();
        Some(match &self.key {
            Key::Object(kind, _) => Key::Object(*kind, old),
            Key::Column(table, _) => Key::Column(table.clone(), old),
            Key::Constraint(table, _) => Key::Constraint(table.clone(), old),
        })
    }
}

/// The names a statement gives to objects that already exist: `ALTER TABLE t RENAME [TO|AS]
/// new`, `RENAME COLUMN a TO b`, `RENAME TABLE a TO b`, `ALTER TYPE|VIEW|INDEX|… x RENAME TO y`.
pub(super) fn arrivals(statement: &Statement) -> Vec<Arrival> {
    let shape = &statement.shape;
    match &shape.kind {
        ShapeKind::AlterTable => {
            let Some(table) = shape.object().map(|t| t.base().to_string()) else {
                return Vec::new();
            };
            shape
                .actions
                .iter()
                .filter(|a| a.kind == AlterActionKind::Rename)
                .filter_map(|a| {
                    let (key, old) = alter_table_arrival(statement, &table, a)?;
                    Some(Arrival { key, old })
                })
                .collect()
        }
        // MySQL's `RENAME TABLE a TO b, c TO d`.
        ShapeKind::Rename(ObjectKind::Table) => statement
            .tokens
            .windows(2)
            .filter(|w| w[0].is_kw("TO"))
            .filter_map(|w| crate::sql::folded_table(&w[1]))
            .map(|new| Arrival {
                key: Key::Object(ObjectKind::Table, new),
                old: String::new(),
            })
            .collect(),
        ShapeKind::Rename(kind) if statement.renames_object() => {
            let new = renamed_to(statement).map(|new| match kind.names_table() {
                true => crate::sql::folded_table(new),
                false => folded(new),
            });
            let (Some(name), Some(new)) = (shape.object(), new.flatten()) else {
                return Vec::new();
            };
            vec![Arrival {
                key: Key::Object(*kind, new),
                old: name.base().to_string(),
            }]
        }
        // `ALTER TYPE t RENAME ATTRIBUTE a TO b`: the attribute, keyed as a column of `t`.
        ShapeKind::Rename(ObjectKind::Type) => attribute_steps(statement)
            .into_iter()
            .filter_map(|step| match (step.to, step.key) {
                (Some(key), Key::Column(_, old)) => Some(Arrival { key, old }),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A composite type's attributes, keyed as its columns (`Key::Column(t, a)`: PostgreSQL
/// raises a column's errors for them, `column "b" of relation "t" already exists`): each
/// `ADD ATTRIBUTE a …` (a creation), `DROP ATTRIBUTE [IF EXISTS] a` and `RENAME ATTRIBUTE a
/// TO b` (removals) of `ALTER TYPE t`, over the action's tokens.
fn attribute_steps(statement: &Statement) -> Vec<Step> {
    let shape = &statement.shape;
    let (ShapeKind::Alter(ObjectKind::Type) | ShapeKind::Rename(ObjectKind::Type), Some(ty)) =
        (&shape.kind, shape.object())
    else {
        return Vec::new();
    };
    let tokens = &statement.tokens;
    let mut out = Vec::new();
    for action in crate::sql::type_attribute_actions(tokens) {
        let (i, t) = (action.at, action.verb);
        let event = if action.adds() {
            Event::Create
        } else {
            Event::Remove
        };
        let guarded = action.guarded;
        let Some(name) = folded(action.name) else {
            continue;
        };
        let rename = t.is_kw("RENAME");
        let at = action.name_at;
        let to = tokens
            .get(at + 1)
            .filter(|t| rename && t.is_kw("TO"))
            .and(tokens.get(at + 2))
            .and_then(folded)
            .map(|new| Key::Column(ty.base().to_string(), new));
        // The action runs to the next comma outside parentheses.
        let rest = &tokens[i..];
        let comma = top_level(rest).find(|(_, t)| t.is(&sqlparser::tokenizer::Token::Comma));
        let end = rest[..comma.map_or(rest.len(), |(k, _)| k)]
            .last()
            .map_or(t.range.end, |last| last.range.end);
        out.push(Step {
            key: Key::Column(ty.base().to_string(), name),
            event,
            table: Some(ty.base().to_string()),
            range: t.range.start..end,
            rename,
            to,
            guarded,
            schema: schema(ty),
        });
    }
    out
}

/// The name after the first `RENAME … TO` of a statement that renames an object itself.
pub(super) fn renamed_to(statement: &Statement) -> Option<&crate::sql::Tok> {
    let tokens = &statement.tokens;
    let at = tokens.iter().position(|t| t.is_kw("RENAME"))?;
    tokens.get(at + 1).filter(|t| t.is_kw("TO"))?;
    tokens.get(at + 2)
}

/// The name a `RENAME` action of `ALTER TABLE table` gives, with the name it had: the table's
/// own (`RENAME TO new`, MySQL's `RENAME new`), a column's, or a constraint's or index's.
pub(super) fn alter_table_arrival(
    statement: &Statement,
    table: &str,
    action: &crate::sql::AlterAction,
) -> Option<(Key, String)> {
    let tokens = crate::sql::tokens_in(&statement.tokens, &action.range);
    let new = match tokens.iter().position(|t| t.is_kw("TO") || t.is_kw("AS")) {
        Some(at) => tokens.get(at + 1),
        // MySQL's `RENAME new`.
        None if action.name.is_none() => tokens.get(1),
        None => None,
    };
    let new = new?;
    Some(match &action.name {
        None => (
            Key::Object(ObjectKind::Table, crate::sql::folded_table(new)?),
            table.to_string(),
        ),
        Some(old) if renames_constraint(statement, action) => (
            Key::Constraint(table.to_string(), folded(new)?),
            old.base().to_string(),
        ),
        Some(old) => (
            Key::Column(table.to_string(), folded(new)?),
            old.base().to_string(),
        ),
    })
}

/// A word as the replay keys it: unquoted → lower case.
pub use crate::sql::folded;

/// What a statement leaves of an object, for [`net_effects`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Net {
    Created,
    /// Removed or renamed away.
    Removed,
    /// Given this name by a rename of the object that had the other (of the same schema): it
    /// is there as that one was.
    RenamedFrom(Key),
}

/// What a whole file does, in order: per key and the schema its statement writes (`None`:
/// unqualified, the file's search_path is not followed), whether it creates, removes or renames
/// the object to it (a rename gives the new name first, then removes the old one). The
/// pending-migration look-back (`lint::pending`) chains these across the files of a directory.
pub fn net_effects(statements: &[Statement]) -> Vec<(Key, Option<Box<str>>, Net)> {
    let mut out = Vec::new();
    for step in statements.iter().flat_map(steps) {
        if let (true, Some(to)) = (step.rename, step.to) {
            out.push((to, step.schema.clone(), Net::RenamedFrom(step.key.clone())));
        }
        let net = match step.event {
            Event::Create => Net::Created,
            Event::Remove => Net::Removed,
        };
        out.push((step.key, step.schema, net));
    }
    out
}

pub(super) fn unnamed(statement: &Statement) -> bool {
    statement.effects().iter().any(|e| e.name.is_none())
}

pub(super) fn steps(statement: &Statement) -> Vec<Step> {
    let shape = &statement.shape;
    let table = shape.object().map(|t| t.base().to_string());
    if shape.kind == ShapeKind::AlterTable {
        // What an ALTER TABLE adds or drops lives in the table's schema.
        let table_schema = shape.object().and_then(schema);
        let Some(table) = table else {
            return Vec::new();
        };
        return shape
            .actions
            .iter()
            .filter_map(|a| {
                if let Some(event) = primary_key_event(statement, a) {
                    return Some(Step {
                        key: primary_key(&table),
                        event,
                        table: Some(table.clone()),
                        range: a.range.clone(),
                        rename: false,
                        to: None,
                        guarded: a.guard.is_some_and(|g| g.present),
                        schema: table_schema.clone(),
                    });
                }
                let event = match a.kind {
                    // The `SYSTEM_TIME` period and system versioning are no objects the file's
                    // sequence follows.
                    AlterActionKind::AddPeriod | AlterActionKind::DropPeriod if a.versioning() => {
                        return None
                    }
                    AlterActionKind::AddColumn
                    | AlterActionKind::AddConstraint
                    | AlterActionKind::AddIndex
                    | AlterActionKind::AddPeriod => Event::Create,
                    AlterActionKind::Rename
                    | AlterActionKind::DropColumn
                    | AlterActionKind::DropConstraint
                    | AlterActionKind::DropIndex
                    | AlterActionKind::DropPeriod => Event::Remove,
                    AlterActionKind::AddSystemVersioning
                    | AlterActionKind::DropSystemVersioning
                    | AlterActionKind::Other => return None,
                };
                let key = match (a.kind, &a.name) {
                    // `RENAME TO new`: the table goes away under its old name.
                    (AlterActionKind::Rename, None) => {
                        Key::Object(ObjectKind::Table, table.clone())
                    }
                    (_, None) => return None,
                    // A MariaDB application-time period's name is one of the table's
                    // columns' (`ADD PERIOD FOR a` with a column `a`: "Duplicate column name").
                    (
                        AlterActionKind::AddColumn
                        | AlterActionKind::DropColumn
                        | AlterActionKind::AddPeriod
                        | AlterActionKind::DropPeriod,
                        Some(n),
                    ) => Key::Column(table.clone(), n.base().to_string()),
                    (AlterActionKind::Rename, Some(n)) if renames_constraint(statement, a) => {
                        Key::Constraint(table.clone(), n.base().to_string())
                    }
                    (AlterActionKind::Rename, Some(n)) => {
                        Key::Column(table.clone(), n.base().to_string())
                    }
                    // MariaDB's `DROP INDEX IF EXISTS `PRIMARY`` (PF111's fix) is the key.
                    (AlterActionKind::DropIndex, Some(n))
                        if n.base().eq_ignore_ascii_case("PRIMARY") =>
                    {
                        primary_key(&table)
                    }
                    (AlterActionKind::AddIndex | AlterActionKind::DropIndex, Some(n)) => {
                        Key::Object(ObjectKind::Index, n.base().to_string())
                    }
                    (_, Some(n)) => Key::Constraint(table.clone(), n.base().to_string()),
                };
                let rename = a.kind == AlterActionKind::Rename;
                let to = rename
                    .then(|| alter_table_arrival(statement, &table, a))
                    .flatten()
                    .map(|(key, _)| key);
                // The table's `IF EXISTS` guards its own rename (`ALTER TABLE IF EXISTS t
                // RENAME TO t2`), not one of a column or constraint of it.
                let guarded = a.guard.is_some_and(|g| g.present)
                    || (rename && a.name.is_none() && shape.guard.is_some_and(|g| g.present));
                Some(Step {
                    key,
                    event,
                    table: Some(table.clone()),
                    range: a.range.clone(),
                    rename,
                    to,
                    guarded,
                    schema: table_schema.clone(),
                })
            })
            .collect();
    }
    let attributes = attribute_steps(statement);
    if !attributes.is_empty() {
        return attributes;
    }
    // The new name of a statement that renames one object (not MySQL's `RENAME TABLE a TO b,
    // c TO d`, whose pairs the effects do not spell).
    let to = match arrivals(statement).as_slice() {
        [one] if shape.names.len() == 1 => Some(one.key.clone()),
        _ => None,
    };
    statement
        .effects()
        .iter()
        .filter_map(|e: &Effect| {
            let name: &Name = e.name?;
            let Target::Object(kind) = e.target else {
                return None;
            };
            let event = match e.change {
                Change::Create => Event::Create,
                Change::Drop | Change::Rename => Event::Remove,
                Change::Alter => return None,
            };
            Some(Step {
                key: Key::Object(kind, name.base().to_string()),
                event,
                table: e.table.map(|t| t.base().to_string()),
                range: statement.range.clone(),
                rename: e.change == Change::Rename,
                to: to.clone().filter(|_| e.change == Change::Rename),
                guarded: e.guarded,
                // An index lives in its table's schema.
                schema: schema(name).or_else(|| {
                    (kind == ObjectKind::Index)
                        .then(|| e.table.and_then(schema))
                        .flatten()
                }),
            })
        })
        .collect()
}

/// Does the step drop with its own CASCADE (`DROP COLUMN id CASCADE`, `DROP TABLE p CASCADE`),
/// rather than another clause of its statement having the word (`… ON DELETE CASCADE`), or a
/// name being the bare word (PostgreSQL's `DROP TABLE p, cascade` drops a table `cascade`)?
pub(super) fn drops_with_cascade(statement: &Statement, step: &Step) -> bool {
    let shape = &statement.shape;
    let mut names = shape
        .names
        .iter()
        .chain(shape.actions.iter().filter_map(|a| a.name.as_ref()));
    step.event == Event::Remove
        && !step.rename
        && crate::sql::tokens_in(&statement.tokens, &step.range)
            .last()
            .is_some_and(|t| {
                t.is_kw("CASCADE")
                    && !names.any(|n| n.range.start <= t.range.start && t.range.end <= n.range.end)
            })
}

/// The primary key of `table` as the replay tracks it: PostgreSQL's name for an unnamed key
/// (`<table>_pkey`, so `DROP CONSTRAINT t_pkey` matches `ADD PRIMARY KEY (…)`), which also stands
/// for MySQL's `PRIMARY`.
pub(super) fn primary_key(table: &str) -> Key {
    Key::Constraint(table.to_string(), format!("{table}_pkey"))
}

/// An unnamed `ADD PRIMARY KEY` creates the table's primary key; MySQL's `DROP PRIMARY KEY`
/// removes it.
pub(super) fn primary_key_event(
    statement: &Statement,
    action: &crate::sql::AlterAction,
) -> Option<Event> {
    let mut words = statement
        .tokens
        .iter()
        .filter(|t| t.range.start >= action.range.start && t.range.end <= action.range.end);
    let (verb, primary, key) = (words.next()?, words.next()?, words.next()?);
    if !primary.is_kw("PRIMARY") || !key.is_kw("KEY") {
        return None;
    }
    if verb.is_kw("ADD") {
        Some(Event::Create)
    } else if verb.is_kw("DROP") {
        Some(Event::Remove)
    } else {
        None
    }
}

pub(super) fn renames_constraint(statement: &Statement, action: &crate::sql::AlterAction) -> bool {
    statement
        .tokens
        .iter()
        .filter(|t| t.range.start >= action.range.start && t.range.end <= action.range.end)
        .nth(1)
        .is_some_and(|t| t.is_kw("CONSTRAINT") || t.is_kw("INDEX") || t.is_kw("KEY"))
}
