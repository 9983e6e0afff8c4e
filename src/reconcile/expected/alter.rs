//! `ALTER TABLE` in the model catalog: columns added, altered, renamed and dropped,
//! constraints added, validated and dropped, tables renamed.

use super::Replayer;
use crate::reconcile::schema::{ObjectId, ObjectKind};
use sqlparser::ast::{
    AlterColumnOperation, AlterTable, AlterTableOperation, ColumnDef, Ident, RenameTableNameKind,
};

impl Replayer {
    pub(crate) fn alter_table(&mut self, at: &AlterTable) {
        let Some(table) = self.table(&at.name) else {
            return;
        };
        self.start_foreign_key_numbers(&table, false);
        for op in &at.operations {
            self.alter_operation(&table, op);
        }
    }

    fn column_id(&self, table: &str, column: &Ident) -> ObjectId {
        ObjectId::on_table(ObjectKind::Column, table, &self.engine.ident(column))
    }

    fn set_column_attr(&mut self, id: &ObjectId, key: &'static str, value: String) {
        match self.out.schema.objects.get_mut(id) {
            Some(attrs) => {
                attrs.insert(key, value);
                self.touch(id);
            }
            None => self.opaque(format!("{id} is altered but no migration creates it")),
        }
    }

    fn alter_operation(&mut self, table: &str, op: &AlterTableOperation) {
        match op {
            AlterTableOperation::AddColumn {
                if_not_exists,
                column_def,
                ..
            } => {
                let id = self.column_id(table, &column_def.name);
                if !((*if_not_exists || self.guarded_statement) && self.exists(&id)) {
                    self.add_column(table, column_def);
                }
            }
            AlterTableOperation::DropColumn { column_names, .. } => {
                for column in column_names {
                    let name = self.engine.ident(column);
                    self.remove(&ObjectId::on_table(ObjectKind::Column, table, &name));
                    self.drop_dependents_of_column(table, &name);
                }
            }
            AlterTableOperation::AlterColumn { column_name, op } => {
                self.alter_column(table, column_name, op)
            }
            AlterTableOperation::ModifyColumn {
                col_name,
                data_type,
                options,
                ..
            } => {
                self.add_column(table, &column_def(col_name, data_type, options));
            }
            AlterTableOperation::ChangeColumn {
                old_name,
                new_name,
                data_type,
                options,
                ..
            } => {
                let old = self.column_id(table, old_name);
                self.remove(&old);
                self.add_column(table, &column_def(new_name, data_type, options));
                let (from, to) = (self.engine.ident(old_name), self.engine.ident(new_name));
                if from != to {
                    self.rename_column_in_keys(table, &from, &to);
                }
            }
            AlterTableOperation::RenameColumn {
                old_column_name,
                new_column_name,
            } => self.rename_column(table, old_column_name, new_column_name),
            AlterTableOperation::RenameTable { table_name } => {
                let target = match table_name {
                    RenameTableNameKind::As(n) | RenameTableNameKind::To(n) => self.local_table(n),
                };
                if let Some(to) = target {
                    self.rename_table(table, &to);
                }
            }
            AlterTableOperation::AddConstraint {
                constraint,
                not_valid,
            } => self.add_table_constraint(table, constraint, !*not_valid),
            AlterTableOperation::DropConstraint { .. }
            | AlterTableOperation::DropForeignKey { .. }
            | AlterTableOperation::DropPrimaryKey { .. }
            | AlterTableOperation::DropIndex { .. } => self.drop_from_table(table, op),
            AlterTableOperation::ValidateConstraint { name } => {
                self.validate_constraint(table, name)
            }
            other => self.other_alter(table, other),
        }
    }

    /// Table options without a schema effect, and what is not modelled.
    fn other_alter(&mut self, table: &str, op: &AlterTableOperation) {
        match op {
            AlterTableOperation::EnableRowLevelSecurity
            | AlterTableOperation::DisableRowLevelSecurity
            | AlterTableOperation::ForceRowLevelSecurity
            | AlterTableOperation::NoForceRowLevelSecurity
            | AlterTableOperation::OwnerTo { .. }
            | AlterTableOperation::EnableTrigger { .. }
            | AlterTableOperation::DisableTrigger { .. }
            | AlterTableOperation::EnableAlwaysTrigger { .. }
            | AlterTableOperation::EnableReplicaTrigger { .. }
            | AlterTableOperation::ReplicaIdentity { .. }
            | AlterTableOperation::SetLogged
            | AlterTableOperation::SetUnlogged
            | AlterTableOperation::Algorithm { .. }
            | AlterTableOperation::Lock { .. }
            | AlterTableOperation::AutoIncrement { .. } => {}
            other => {
                let text = other.to_string();
                let words: Vec<&str> = text.split_whitespace().take(3).collect();
                self.opaque(format!(
                    "ALTER TABLE {table} {} … is not modelled",
                    words.join(" ")
                ));
            }
        }
    }

    /// `DROP CONSTRAINT | FOREIGN KEY | PRIMARY KEY | INDEX` (and the index behind a key).
    fn drop_from_table(&mut self, table: &str, op: &AlterTableOperation) {
        match op {
            AlterTableOperation::DropConstraint { name, .. } => {
                let name = self.engine.ident(name);
                self.remove(&ObjectId::on_table(ObjectKind::Constraint, table, &name));
                self.drop_index(Some(table), &name);
            }
            AlterTableOperation::DropForeignKey { name, .. } => {
                let name = self.engine.ident(name);
                self.remove(&ObjectId::on_table(ObjectKind::Constraint, table, &name));
            }
            AlterTableOperation::DropPrimaryKey { .. } => {
                let name = self.engine.primary_key_name(table);
                self.remove(&ObjectId::on_table(ObjectKind::Constraint, table, &name));
                self.drop_index(Some(table), &name);
            }
            AlterTableOperation::DropIndex { name } => {
                let name = self.engine.ident(name);
                self.drop_index(Some(table), &name);
            }
            _ => {}
        }
    }

    fn alter_column(&mut self, table: &str, column_name: &Ident, op: &AlterColumnOperation) {
        let id = self.column_id(table, column_name);
        match op {
            AlterColumnOperation::SetNotNull => self.set_column_attr(&id, "nullable", "no".into()),
            AlterColumnOperation::DropNotNull => {
                self.set_column_attr(&id, "nullable", "yes".into())
            }
            AlterColumnOperation::SetDefault { value } => {
                let d = self.default_of(value);
                self.set_column_attr(&id, "default", d)
            }
            AlterColumnOperation::DropDefault => {
                self.set_column_attr(&id, "default", String::new())
            }
            AlterColumnOperation::SetDataType { data_type, .. } => {
                let ty = self.engine.column_type(data_type);
                self.set_column_attr(&id, "type", ty)
            }
            AlterColumnOperation::AddGenerated { .. } => {
                self.set_column_attr(&id, "default", "identity".into())
            }
        }
    }

    fn rename_column(&mut self, table: &str, old_column_name: &Ident, new_column_name: &Ident) {
        let old = self.column_id(table, old_column_name);
        let new = self.column_id(table, new_column_name);
        if let Some(attrs) = self.out.schema.objects.remove(&old) {
            self.out.owners.remove(&old);
            self.out.dropped.insert(old, self.current.clone());
            self.put(new, attrs);
        } else {
            self.opaque(format!("{old} is renamed but no migration creates it"));
        }
        let (from, to) = (
            self.engine.ident(old_column_name),
            self.engine.ident(new_column_name),
        );
        self.rename_column_in_keys(table, &from, &to);
    }

    /// Both engines rename a column in the indexes and constraints on it: an index column
    /// `a`, `a desc` or `a text_pattern_ops` becomes `a2 …` (expressions are left as they are).
    fn rename_column_in_keys(&mut self, table: &str, from: &str, to: &str) {
        let (from_lower, to_lower) = (from.to_lowercase(), to.to_lowercase());
        for id in self.ids_on_table(ObjectKind::Index, table) {
            let Some(attrs) = self.out.schema.objects.get_mut(&id) else {
                continue;
            };
            let Some(columns) = attrs.get("columns") else {
                continue;
            };
            let mut changed = false;
            let renamed: Vec<String> = columns
                .split(", ")
                .map(|c| match c.strip_prefix(from_lower.as_str()) {
                    Some(rest) if rest.is_empty() || rest.starts_with(' ') => {
                        changed = true;
                        format!("{to_lower}{rest}")
                    }
                    _ => c.to_string(),
                })
                .collect();
            if changed {
                attrs.insert("columns", renamed.join(", "));
                self.touch(&id);
            }
        }
        for (id, columns) in self.constraint_columns.iter_mut() {
            if id.table() == Some(table) {
                for c in columns.iter_mut().filter(|c| c.as_str() == from) {
                    *c = to.to_string();
                }
            }
        }
    }

    fn validate_constraint(&mut self, table: &str, name: &Ident) {
        let id = ObjectId::on_table(ObjectKind::Constraint, table, &self.engine.ident(name));
        if let Some(attrs) = self.out.schema.objects.get_mut(&id) {
            attrs.insert("validated", "true".into());
            self.touch(&id);
        }
    }
}

/// The column a MySQL `MODIFY`/`CHANGE COLUMN` leaves behind, as a column definition.
fn column_def(
    name: &sqlparser::ast::Ident,
    data_type: &sqlparser::ast::DataType,
    options: &[sqlparser::ast::ColumnOption],
) -> ColumnDef {
    ColumnDef {
        name: name.clone(),
        data_type: data_type.clone(),
        options: options
            .iter()
            .map(|o| sqlparser::ast::ColumnOptionDef {
                name: None,
                option: o.clone(),
            })
            .collect(),
    }
}
