//! What a statement does to the schema, in terms reconcile and verify can compare with a live
//! database: "creates table user_profiles", "adds column users.bio", "drops index i".
//! Derived from the token-level shape, so it works for statements sqlparser rejects too.

use super::{AlterActionKind, Name, ObjectKind, ShapeKind, Statement};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Create,
    Drop,
    Rename,
    /// `ALTER TYPE … ADD VALUE`, and other in-place alterations of an object.
    Alter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Object(ObjectKind),
    Column,
    Constraint,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effect<'a> {
    pub change: Change,
    pub target: Target,
    /// The object, column or constraint; `None` for unnamed indexes and constraints.
    pub name: Option<&'a Name>,
    /// The table a column, constraint, index, trigger or policy belongs to.
    pub table: Option<&'a Name>,
    /// The statement carries its own retry guard (IF \[NOT\] EXISTS, OR REPLACE).
    pub guarded: bool,
}

impl Statement {
    /// The schema changes this statement makes (nested DO statements report their own).
    pub fn effects(&self) -> Vec<Effect<'_>> {
        let shape = &self.shape;
        let guarded = shape.guard.is_some_and(|g| g.present) || shape.or_replace;
        let object = |change, kind| {
            let names: Vec<Option<&Name>> = if shape.names.is_empty() {
                vec![None]
            } else {
                shape.names.iter().map(Some).collect()
            };
            names
                .into_iter()
                .map(|name| Effect {
                    change,
                    target: Target::Object(kind),
                    name,
                    table: shape.table.as_ref(),
                    guarded,
                })
                .collect()
        };
        match &shape.kind {
            ShapeKind::Create(kind) => object(Change::Create, *kind),
            ShapeKind::Drop(kind) => object(Change::Drop, *kind),
            ShapeKind::Rename(kind) if self.renames_object() => object(Change::Rename, *kind),
            // `RENAME VALUE`, `RENAME ATTRIBUTE`, `RENAME COLUMN` of a view, `RENAME
            // CONSTRAINT` of a domain: the object keeps its name.
            ShapeKind::Rename(kind) => object(Change::Alter, *kind),
            ShapeKind::AlterTypeAddValue => object(Change::Alter, ObjectKind::Type),
            ShapeKind::AlterTable => shape
                .actions
                .iter()
                .filter_map(|a| {
                    let (change, target) = match a.kind {
                        AlterActionKind::AddColumn => (Change::Create, Target::Column),
                        AlterActionKind::DropColumn => (Change::Drop, Target::Column),
                        AlterActionKind::AddConstraint => (Change::Create, Target::Constraint),
                        AlterActionKind::DropConstraint => (Change::Drop, Target::Constraint),
                        AlterActionKind::AddIndex => {
                            (Change::Create, Target::Object(ObjectKind::Index))
                        }
                        AlterActionKind::DropIndex => {
                            (Change::Drop, Target::Object(ObjectKind::Index))
                        }
                        AlterActionKind::Rename => (Change::Rename, Target::Column),
                        // MariaDB's periods and system versioning: nothing the live schema's
                        // columns, constraints or objects show.
                        AlterActionKind::AddPeriod
                        | AlterActionKind::DropPeriod
                        | AlterActionKind::AddSystemVersioning
                        | AlterActionKind::DropSystemVersioning
                        | AlterActionKind::Other => return None,
                    };
                    Some(Effect {
                        change,
                        target,
                        name: a.name.as_ref(),
                        table: shape.object(),
                        guarded: a.guard.is_some_and(|g| g.present),
                    })
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

impl Statement {
    /// Does this `ALTER <kind> … RENAME …` (or MySQL `RENAME TABLE`) rename the object itself
    /// (`RENAME TO new`), rather than a part of it (`RENAME VALUE`, `RENAME COLUMN`, …)?
    pub fn renames_object(&self) -> bool {
        let mut words = self.tokens.iter().skip_while(|t| !t.is_kw("RENAME"));
        let rename_table = self.tokens.first().is_some_and(|t| t.is_kw("RENAME"));
        words.next();
        rename_table || words.next().is_some_and(|t| t.is_kw("TO"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;
    use crate::sql::{parse_source, Dialect};

    #[test]
    fn renaming_a_part_of_an_object_keeps_its_name() {
        let sql = "ALTER TYPE mood RENAME TO mood_old;\nALTER TYPE mood RENAME VALUE 'a' TO 'b';\n\
                   ALTER TYPE pair RENAME ATTRIBUTE x TO y;\nALTER VIEW v RENAME COLUMN a TO b;\n\
                   ALTER INDEX i RENAME TO j;";
        let parsed = parse_source(&SourceFile::new("m.sql", sql), Dialect::Postgres);
        let changes: Vec<_> = parsed
            .statements
            .iter()
            .flat_map(|s| s.effects())
            .map(|e| e.change)
            .collect();
        assert_eq!(
            changes,
            [
                Change::Rename,
                Change::Alter,
                Change::Alter,
                Change::Alter,
                Change::Rename
            ]
        );
    }

    #[test]
    fn reports_what_each_statement_changes() {
        let source = SourceFile::new(
            "m.sql",
            "CREATE TABLE IF NOT EXISTS s.users (id int);\nALTER TABLE users ADD COLUMN bio text, DROP CONSTRAINT IF EXISTS c;\nCREATE INDEX ON users (id);",
        );
        let parsed = parse_source(&source, Dialect::Postgres);
        let all: Vec<_> = parsed.all_statements().flat_map(|s| s.effects()).collect();
        let summary: Vec<_> = all
            .iter()
            .map(|e| {
                (
                    e.change,
                    e.target,
                    e.name.map(|n| n.text.as_str()),
                    e.table.map(|n| n.base()),
                    e.guarded,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    Change::Create,
                    Target::Object(ObjectKind::Table),
                    Some("s.users"),
                    None,
                    true
                ),
                (
                    Change::Create,
                    Target::Column,
                    Some("bio"),
                    Some("users"),
                    false
                ),
                (
                    Change::Drop,
                    Target::Constraint,
                    Some("c"),
                    Some("users"),
                    true
                ),
                (
                    Change::Create,
                    Target::Object(ObjectKind::Index),
                    None,
                    Some("users"),
                    false
                ),
            ]
        );
    }
}
