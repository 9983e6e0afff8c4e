//! Statements sqlparser rejects, replayed from the token-level recogniser and its schema
//! effects (`sql::effects`): objects, columns and constraints exist or not, but types and
//! definitions are unknown, and every such gap is recorded as "not modelled".

use super::Replayer;
use crate::reconcile::schema::{Attributes, ObjectId, ObjectKind};
use crate::reconcile::trackers::table_name::TableName;
use crate::sql::effects::{Change, Effect, Target};
use crate::sql::shape::ObjectKind as ShapeObjectKind;
use crate::sql::{Name, ShapeKind};

impl Replayer {
    /// Statements sqlparser rejects, from the token-level recogniser and its schema effects:
    /// objects, columns and constraints exist or not, but types and definitions are unknown.
    pub(crate) fn shape(&mut self, statement: &crate::sql::Statement) {
        let why = statement.parse_error.as_deref().unwrap_or("not understood");
        if self.pg_routine(statement) {
            return;
        }
        match &statement.shape.kind {
            ShapeKind::Insert => self.data(),
            ShapeKind::Begin | ShapeKind::Commit | ShapeKind::Rollback => {}
            ShapeKind::Other(keyword)
                if matches!(
                    keyword.as_str(),
                    "UPDATE" | "DELETE" | "SELECT" | "COPY" | "MERGE" | "WITH" | "REPLACE"
                ) =>
            {
                self.data()
            }
            ShapeKind::Other(keyword)
                if matches!(
                    keyword.as_str(),
                    "SET"
                        | "GRANT"
                        | "REVOKE"
                        | "COMMENT"
                        | "ANALYZE"
                        | "VACUUM"
                        | "USE"
                        | "LOCK"
                        | "UNLOCK"
                        | "REINDEX"
                        | "DISCARD"
                        | "CHECKPOINT"
                        | "CLUSTER"
                        | "NOTIFY"
                        | "SHOW"
                        | "EXPLAIN"
                        | "REFRESH"
                ) => {}
            ShapeKind::Other(keyword) => {
                self.unread(format!("`{keyword} …` is not modelled ({why})"))
            }
            ShapeKind::Unknown => self.unread(format!("not parsed ({why})")),
            _ => {
                let effects = statement.effects();
                if effects.is_empty() {
                    self.unread(format!("not parsed ({why})"));
                }
                for effect in &effects {
                    self.effect(effect, why);
                }
            }
        }
    }

    fn effect(&mut self, effect: &Effect<'_>, why: &str) {
        let (Some(name), table) = (effect.name, effect.table) else {
            self.opaque(format!("an unnamed object is not modelled ({why})"));
            return;
        };
        // A name on a table lives in the table's schema; an unqualified object or table is
        // resolved through the search_path the migration set, as a new object or an existing.
        let creates = effect.change == Change::Create;
        let name_in_scope = match table {
            Some(_) => qualified_in(name, &self.schema_name),
            None => self.path_scope(name, creates),
        };
        if !name_in_scope || table.is_some_and(|t| !self.path_scope(t, false)) {
            return;
        }
        // Where the server keeps table names' case (MySQL, lower_case_table_names 0), a table
        // or view is named as written; the shape's parts are folded as PostgreSQL folds them.
        let keep = self.keep_table_case && self.engine.is_mysql();
        let written = |n: &Name| match keep {
            true => TableName::parse(&n.text)
                .ok()
                .and_then(|t| t.parts().last().map(|(part, _)| part.to_string()))
                .unwrap_or_else(|| n.base().to_string()),
            false => n.base().to_string(),
        };
        let names_a_table = matches!(
            effect.target,
            Target::Object(ShapeObjectKind::Table | ShapeObjectKind::View)
        );
        let base = match names_a_table {
            true => written(name),
            false => name.base().to_string(),
        };
        let table = table.map(written);
        let Some(id) = self.effect_id(effect, &base, table.as_ref(), why) else {
            return;
        };
        match effect.change {
            Change::Create => {
                if (effect.guarded || self.guarded_statement) && self.exists(&id) {
                    return;
                }
                let mut attrs = Attributes::new();
                if let (ObjectKind::Index, Some(t)) = (id.kind, &table) {
                    attrs.insert("table", t.clone());
                }
                if id.kind == ObjectKind::Table {
                    if self.exists(&id) {
                        self.drop_table(&base);
                    }
                    self.out.tables_with_unknown_columns.insert(base.clone());
                }
                self.opaque(format!("{id}: only its existence is checked ({why})"));
                self.put(id, attrs);
            }
            Change::Drop => match (id.kind, &table) {
                (ObjectKind::Table, _) => self.drop_table(&base),
                (ObjectKind::Column, Some(t)) => {
                    self.remove(&id);
                    self.drop_dependents_of_column(t, &base);
                }
                (ObjectKind::Constraint, Some(t)) => {
                    self.remove(&id);
                    self.drop_index(Some(t), &base);
                }
                (ObjectKind::Index, t) => self.drop_index(t.as_deref(), &base),
                (ObjectKind::Enum, _) => {
                    self.remove(&id);
                    self.remove(&ObjectId::new(ObjectKind::Domain, base));
                }
                _ => self.remove(&id),
            },
            Change::Rename | Change::Alter => {
                self.opaque(format!(
                    "{id} is altered in a way that is not modelled ({why})"
                ));
            }
        }
    }

    /// The model object an effect names; `None` (and the statement reported) when it cannot
    /// be modelled.
    fn effect_id(
        &mut self,
        effect: &Effect<'_>,
        base: &str,
        table: Option<&String>,
        why: &str,
    ) -> Option<ObjectId> {
        let base = base.to_string();
        Some(match (effect.target, table) {
            (Target::Column, Some(t)) => ObjectId::on_table(ObjectKind::Column, t, &base),
            (Target::Constraint, Some(t)) => ObjectId::on_table(ObjectKind::Constraint, t, &base),
            (Target::Object(ShapeObjectKind::Index), Some(t)) => {
                ObjectId::on_table(ObjectKind::Index, t, &base)
            }
            (Target::Object(ShapeObjectKind::Trigger), Some(t)) => {
                ObjectId::on_table(ObjectKind::Trigger, t, &base)
            }
            (Target::Object(ShapeObjectKind::Policy), Some(t)) => {
                ObjectId::on_table(ObjectKind::Policy, t, &base)
            }
            // MySQL routines are compared by name only (information_schema has no signatures).
            (Target::Object(ShapeObjectKind::Function | ShapeObjectKind::Procedure), _)
                if self.engine.is_mysql() =>
            {
                ObjectId::new(ObjectKind::Function, format!("{base}()"))
            }
            (Target::Object(kind), _) => match object_kind(kind) {
                Some(kind) if !matches!(kind, ObjectKind::Index) => {
                    ObjectId::new(kind, base.clone())
                }
                // An object word no reader knows (`CREATE TABLEE`): nothing was understood.
                _ if kind == ShapeObjectKind::Other => {
                    self.unread(format!("not parsed ({why})"));
                    return None;
                }
                _ => {
                    self.opaque(format!("{} {base} is not modelled ({why})", kind.keyword()));
                    return None;
                }
            },
            _ => {
                self.opaque(format!("{base}: its table is unknown ({why})"));
                return None;
            }
        })
    }
}

/// A name unqualified or qualified with `schema`.
fn qualified_in(name: &Name, schema: &str) -> bool {
    match name.parts.as_slice() {
        [.., qualifier, _] => qualifier.eq_ignore_ascii_case(schema),
        _ => true,
    }
}

/// The model's kind for a recognised object kind (`Type` is modelled as an enum).
fn object_kind(kind: ShapeObjectKind) -> Option<ObjectKind> {
    Some(match kind {
        ShapeObjectKind::Table => ObjectKind::Table,
        ShapeObjectKind::Index => ObjectKind::Index,
        ShapeObjectKind::Sequence => ObjectKind::Sequence,
        ShapeObjectKind::Schema => ObjectKind::Schema,
        ShapeObjectKind::Extension => ObjectKind::Extension,
        ShapeObjectKind::View => ObjectKind::View,
        ShapeObjectKind::MaterializedView => ObjectKind::MaterializedView,
        ShapeObjectKind::Type => ObjectKind::Enum,
        ShapeObjectKind::Domain => ObjectKind::Domain,
        _ => return None,
    })
}
