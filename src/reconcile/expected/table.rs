//! Tables, their columns, constraints and indexes in the model catalog.

use super::naming::{index_column, index_predicate};
use super::Replayer;
use crate::reconcile::schema::{Attributes, ObjectId, ObjectKind};
use sqlparser::ast::{
    ColumnDef, ColumnOption, CreateIndex, CreateTable, Ident, IndexColumn, TableConstraint,
};
use sqlparser::tokenizer::Token;

/// A column's nullability, default and inline constraints while its options are read.
struct ColumnFacts {
    not_null: bool,
    default: String,
    pending: Vec<(&'static str, Option<Ident>)>,
}

fn yes_no(b: bool) -> String {
    if b { "no" } else { "yes" }.to_string()
}

impl Replayer {
    fn idents(&self, idents: &[Ident]) -> Vec<String> {
        idents.iter().map(|i| self.engine.ident(i)).collect()
    }

    /// The columns of a PRIMARY KEY or UNIQUE constraint as the engine names them (quoted
    /// mixed case kept), for the columns they make NOT NULL and the names they generate.
    fn key_columns(&self, columns: &[IndexColumn]) -> Vec<String> {
        columns
            .iter()
            .map(|c| match &c.column.expr {
                sqlparser::ast::Expr::Identifier(ident) => self.engine.ident(ident),
                expr => index_column(&expr.to_string()),
            })
            .collect()
    }

    fn index_columns(&self, columns: &[IndexColumn]) -> Vec<String> {
        columns
            .iter()
            .map(|c| {
                // PostgreSQL's catalog shows `expr [opclass] [DESC] [NULLS …]`; MySQL's
                // STATISTICS shows the column alone.
                if self.engine.is_mysql() {
                    return index_column(&c.column.expr.to_string());
                }
                let opclass = c
                    .operator_class
                    .as_ref()
                    .map(|o| format!(" {o}"))
                    .unwrap_or_default();
                index_column(&format!("{}{opclass}{}", c.column.expr, c.column.options))
            })
            .collect()
    }

    pub(crate) fn create_table(&mut self, ct: &CreateTable) {
        let Some(table) = self.new_table(&ct.name) else {
            return;
        };
        let id = ObjectId::new(ObjectKind::Table, table.clone());
        if (ct.if_not_exists || self.guarded_statement) && self.exists(&id) {
            return;
        }
        if self.exists(&id) {
            // Without IF NOT EXISTS this fails on a real server; model the intent.
            self.drop_table(&table);
        }
        self.put(id, Attributes::new());
        self.start_foreign_key_numbers(&table, true);
        if ct.query.is_some() || ct.like.is_some() {
            self.out.tables_with_unknown_columns.insert(table.clone());
            self.opaque(format!(
                "table {table}: columns from a query or LIKE are not modelled"
            ));
        }
        if ct.partition_of.is_some() {
            // A partition's columns and indexes are its parent's, not unmanaged objects.
            self.out.tables_with_unknown_columns.insert(table.clone());
        }
        for column in &ct.columns {
            self.add_column(&table, column);
        }
        for constraint in &ct.constraints {
            self.add_table_constraint(&table, constraint, true);
        }
    }

    pub(super) fn add_column(&mut self, table: &str, column: &ColumnDef) {
        let name = self.engine.ident(&column.name);
        let raw_type = column.data_type.to_string().to_lowercase();
        let serial = !self.engine.is_mysql()
            && crate::sql::SERIAL_TYPES
                .iter()
                .any(|t| t.eq_ignore_ascii_case(&raw_type));
        let mut not_null = serial;
        let mut default = String::new();
        if serial {
            let seq = self.engine.sequence_name(table, &name);
            default = format!("nextval('{seq}')");
            self.put(
                ObjectId::new(ObjectKind::Sequence, seq),
                Attributes::from([("owned_by", table.to_string())]),
            );
        }
        let mut pending_constraints = Vec::new();
        if self.engine.is_mysql() && raw_type == "serial" {
            // SERIAL = BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE. On the real server an
            // inline PRIMARY KEY or UNIQUE on the same column replaces that key rather than
            // adding another (`id SERIAL PRIMARY KEY` has PRIMARY only, `id SERIAL UNIQUE` one
            // `id` index); a table-level PRIMARY KEY (id) keeps it.
            not_null = true;
            default = "auto_increment".into();
            let keyed = column.options.iter().any(|def| {
                matches!(
                    def.option,
                    ColumnOption::PrimaryKey(_) | ColumnOption::Unique(_)
                )
            });
            if !keyed {
                pending_constraints.push(("unique", None));
            }
        }
        let mut facts = ColumnFacts {
            not_null,
            default,
            pending: pending_constraints,
        };
        self.column_options(table, &name, column, &mut facts);
        let ColumnFacts {
            not_null,
            default,
            pending: pending_constraints,
        } = facts;
        let ty = self.engine.column_type(&column.data_type);
        self.put(
            ObjectId::on_table(ObjectKind::Column, table, &name),
            Attributes::from([
                ("type", ty),
                ("nullable", yes_no(not_null)),
                ("default", default),
            ]),
        );
        for (kind, constraint_name) in pending_constraints {
            let explicit = constraint_name.as_ref().map(|n| self.engine.ident(n));
            match kind {
                "primary key" | "unique" => self.add_key(table, explicit, kind, vec![name.clone()]),
                "foreign key" => {
                    let written = constraint_name.as_ref().map(|n| n.value.clone());
                    self.add_foreign_key(table, explicit.zip(written), None, vec![name.clone()])
                }
                _ => {
                    let cname = explicit.unwrap_or_else(|| self.engine.check_name(table, &name));
                    self.add_constraint(table, &cname, "check", vec![name.clone()], true);
                }
            }
        }
    }

    /// What a column's options say: NOT NULL, its default, and the constraints declared on it.
    fn column_options(
        &mut self,
        table: &str,
        name: &str,
        column: &ColumnDef,
        facts: &mut ColumnFacts,
    ) {
        for def in &column.options {
            match &def.option {
                ColumnOption::Null => facts.not_null = false,
                ColumnOption::NotNull => facts.not_null = true,
                ColumnOption::Default(expr) => facts.default = self.default_of(expr),
                ColumnOption::PrimaryKey(_) => {
                    facts.not_null = true;
                    facts.pending.push(("primary key", def.name.clone()));
                }
                ColumnOption::Unique(_) => facts.pending.push(("unique", def.name.clone())),
                // MySQL parses an inline REFERENCES and ignores it; MariaDB creates it. MySQL
                // and MariaDB CHECK names are not modelled.
                ColumnOption::ForeignKey(_) if self.engine.creates_inline_references() => {
                    facts.pending.push(("foreign key", def.name.clone()));
                }
                ColumnOption::Check(_) if !self.engine.is_mysql() => {
                    facts.pending.push(("check", def.name.clone()));
                }
                ColumnOption::Generated {
                    generation_expr, ..
                } => {
                    if generation_expr.is_some() {
                        facts.default = "generated".into();
                    } else {
                        facts.not_null = true;
                        facts.default = "identity".into();
                        let seq = self.engine.sequence_name(table, name);
                        self.put(
                            ObjectId::new(ObjectKind::Sequence, seq),
                            Attributes::from([("owned_by", table.to_string())]),
                        );
                    }
                }
                ColumnOption::DialectSpecific(tokens) => {
                    let auto = tokens.iter().any(|t| {
                        matches!(t, Token::Word(w) if w.value.eq_ignore_ascii_case("AUTO_INCREMENT"))
                    });
                    if auto {
                        // AUTO_INCREMENT sets NOT NULL, as a NULL written before it is
                        // overridden and one after it is not (MySQL 8's
                        // `PT_auto_increment_column_attr`; measured on MariaDB 10.11).
                        facts.default = "auto_increment".into();
                        facts.not_null = true;
                    }
                }
                _ => {}
            }
        }
    }

    fn add_constraint(
        &mut self,
        table: &str,
        name: &str,
        kind: &str,
        columns: Vec<String>,
        validated: bool,
    ) {
        let id = ObjectId::on_table(ObjectKind::Constraint, table, name);
        self.put(
            id.clone(),
            Attributes::from([
                ("kind", kind.to_string()),
                ("validated", validated.to_string()),
            ]),
        );
        self.constraint_columns.insert(id, columns);
    }

    /// A primary key or unique constraint and the unique index behind it.
    fn add_key(&mut self, table: &str, name: Option<String>, kind: &str, columns: Vec<String>) {
        if kind == "primary key" {
            for column in &columns {
                let id = ObjectId::on_table(ObjectKind::Column, table, column);
                if let Some(attrs) = self.out.schema.objects.get_mut(&id) {
                    attrs.insert("nullable", "no".into());
                }
            }
        }
        self.drop_generated_indexes_served_by(table, &columns);
        let name = match (kind, name) {
            ("primary key", _) if self.engine.is_mysql() => "PRIMARY".to_string(),
            (_, Some(n)) => n,
            ("primary key", None) => self.engine.primary_key_name(table),
            (_, None) => self.unused_index_name(table, self.engine.unique_name(table, &columns)),
        };
        self.add_constraint(table, &name, kind, columns.clone(), true);
        self.put_index(table, &name, &columns, true);
    }

    /// MySQL suffixes `_2`, `_3` when a generated index name is taken.
    fn unused_index_name(&self, table: &str, base: String) -> String {
        if !self.engine.is_mysql() {
            return base;
        }
        let mut candidate = base.clone();
        let mut n = 2;
        while self.exists(&ObjectId::on_table(ObjectKind::Index, table, &candidate)) {
            candidate = format!("{base}_{n}");
            n += 1;
        }
        candidate
    }

    /// A foreign key: `name` is its CONSTRAINT symbol, `index_name` MySQL's
    /// `FOREIGN KEY index_name (…)`, each as the model names it and as written.
    fn add_foreign_key(
        &mut self,
        table: &str,
        name: Option<(String, String)>,
        index_name: Option<(String, String)>,
        columns: Vec<String>,
    ) {
        // MariaDB names the key after `index_name` when there is no symbol; MySQL 8.0.16+ ignores
        // it there ("FOREIGN KEY Constraints", Identifiers, in the MySQL reference manual).
        let explicit = match self.engine {
            super::Engine::MariaDb => name.clone().or_else(|| index_name.clone()),
            _ => name.clone(),
        };
        let (cname, spelling) = match explicit {
            Some((n, written)) => (n, written),
            None if !self.engine.is_mysql() => {
                let n = self.engine.foreign_key_name(table, &columns, 0);
                (n.clone(), n)
            }
            None => {
                let ordinal = self.next_foreign_key_number(table);
                // The table's name as the server stores it, the case kept where it keeps it.
                let spelling = format!("{table}_ibfk_{ordinal}");
                (
                    self.engine.foreign_key_name(table, &columns, ordinal),
                    spelling,
                )
            }
        };
        self.add_constraint(table, &cname, "foreign key", columns.clone(), true);
        if self.engine.is_mysql() {
            let id = ObjectId::on_table(ObjectKind::Constraint, table, &cname);
            self.foreign_key_spellings.insert(id, spelling);
            let (name, index_name) = (name.map(|n| n.0), index_name.map(|n| n.0));
            self.add_foreign_key_index(table, name.or(index_name), &columns);
        }
    }

    /// The number of the next unnamed foreign key of `table` in this statement (`t_ibfk_<n>`),
    /// counting from where [`Replayer::start_foreign_key_numbers`] set it, else from the highest
    /// existing number.
    fn next_foreign_key_number(&mut self, table: &str) -> u64 {
        let highest = match self.foreign_keys.get(table) {
            Some(n) => *n,
            None => self.highest_foreign_key_number(table),
        };
        self.foreign_keys.insert(table.to_string(), highest + 1);
        highest + 1
    }

    /// Where a statement on `table` starts numbering its unnamed foreign keys: CREATE TABLE
    /// from 1 whatever its named keys are called; ALTER TABLE after the highest number among
    /// the table's keys when it starts, those it drops included.
    pub(crate) fn start_foreign_key_numbers(&mut self, table: &str, creating: bool) {
        if !self.engine.is_mysql() {
            return;
        }
        let highest = match creating {
            true => 0,
            false => self.highest_foreign_key_number(table),
        };
        self.foreign_keys.insert(table.to_string(), highest);
    }

    /// The highest `n` among the foreign keys of `table` named `<table>_ibfk_<n>`, `n` all
    /// digits and not starting with 0: InnoDB's `dict_table_get_highest_foreign_id` (MariaDB)
    /// and `get_fk_max_generated_name_number` in sql_table.cc (MySQL 8), measured on MariaDB
    /// 10.11. The servers compare the names as stored, case-sensitively, with the table's name
    /// as stored (in lower case under `lower_case_table_names` 1): `U3_IBFK_9` does not count
    /// for `u3`, nor `Mx_ibfk_9` for `Mx` stored as `mx`.
    fn highest_foreign_key_number(&self, table: &str) -> u64 {
        let prefix = format!("{table}_ibfk_");
        self.ids_on_table(ObjectKind::Constraint, table)
            .iter()
            .filter(|id| {
                self.out
                    .schema
                    .get(id)
                    .and_then(|a| a.get("kind"))
                    .is_some_and(|k| k == "foreign key")
            })
            .filter_map(|id| self.foreign_key_spelling(id).strip_prefix(&prefix))
            .filter(|n| !n.starts_with('0') && n.bytes().all(|b| b.is_ascii_digit()))
            .filter_map(|n| n.parse::<u64>().ok())
            .max()
            .unwrap_or(0)
    }

    /// A foreign key's name as the server stores it (else as the model names it).
    fn foreign_key_spelling<'a>(&'a self, id: &'a ObjectId) -> &'a str {
        self.foreign_key_spellings
            .get(id)
            .map_or(id.name.as_str(), String::as_str)
    }

    /// InnoDB needs an index whose leading columns are the foreign key's, in its order
    /// (`foreign_key_prefix` in sql_table.cc): none is made when one exists, unless the only
    /// ones are indexes made for other keys that are no longer than this key's, which this
    /// key's index replaces (two keys on (a) keep the later's index; keys on (a) and (a, b)
    /// keep (a, b)).
    fn add_foreign_key_index(&mut self, table: &str, name: Option<String>, columns: &[String]) {
        let wanted: Vec<String> = columns.iter().map(|c| c.to_lowercase()).collect();
        let mut replaced = Vec::new();
        for id in self.ids_on_table(ObjectKind::Index, table) {
            let own = self.index_column_list(&id);
            let generated = self.generated_indexes.contains(&id);
            if own.starts_with(&wanted) && (!generated || own.len() > wanted.len()) {
                return;
            }
            if generated && !own.is_empty() && wanted.starts_with(&own) {
                replaced.push(id);
            }
        }
        for id in replaced {
            self.remove(&id);
        }
        let first = columns.first().cloned().unwrap_or_default();
        let index_name = name.unwrap_or_else(|| self.unused_index_name(table, first));
        self.put_index(table, &index_name, columns, false);
        self.generated_indexes
            .insert(ObjectId::on_table(ObjectKind::Index, table, &index_name));
    }

    /// An index's columns as the model spells them (lower case).
    fn index_column_list(&self, id: &ObjectId) -> Vec<String> {
        self.out
            .schema
            .get(id)
            .and_then(|a| a.get("columns"))
            .filter(|c| !c.is_empty())
            .map(|c| c.split(", ").map(str::to_string).collect())
            .unwrap_or_default()
    }

    /// MySQL/MariaDB drop the index they made for a foreign key once another index starts with
    /// its columns (`foreign_key_prefix` in sql_table.cc), e.g. CREATE INDEX on the key's column.
    /// Called before the new index is named: the server drops the made index first, so an
    /// unnamed new index can take its name (`a` after FOREIGN KEY (a), not `a_2`).
    fn drop_generated_indexes_served_by(&mut self, table: &str, columns: &[String]) {
        if !self.engine.is_mysql() {
            return;
        }
        let served: Vec<String> = columns.iter().map(|c| c.to_lowercase()).collect();
        let generated: Vec<ObjectId> = self
            .generated_indexes
            .iter()
            .filter(|id| id.table() == Some(table))
            .filter(|id| {
                let own = self.index_column_list(id);
                !own.is_empty() && served.starts_with(&own)
            })
            .cloned()
            .collect();
        for id in generated {
            self.remove(&id);
        }
    }

    fn put_index(&mut self, table: &str, name: &str, columns: &[String], unique: bool) {
        self.put(
            ObjectId::on_table(ObjectKind::Index, table, name),
            Attributes::from([
                ("table", table.to_string()),
                // The catalog side is lower case (`index_column`), quoted names included.
                ("columns", columns.join(", ").to_lowercase()),
                ("unique", unique.to_string()),
                ("valid", "true".to_string()),
            ]),
        );
    }

    pub(super) fn add_table_constraint(
        &mut self,
        table: &str,
        constraint: &TableConstraint,
        validated: bool,
    ) {
        if self.guarded_statement && self.has_constraint(table, constraint) {
            return;
        }
        match constraint {
            TableConstraint::PrimaryKey(pk) => {
                let columns = self.key_columns(&pk.columns);
                let name = pk.name.as_ref().map(|n| self.engine.ident(n));
                self.add_key(table, name, "primary key", columns);
            }
            TableConstraint::Unique(u) => {
                let columns = self.key_columns(&u.columns);
                let name = u
                    .name
                    .as_ref()
                    .or(u.index_name.as_ref())
                    .map(|n| self.engine.ident(n));
                self.add_key(table, name, "unique", columns);
            }
            TableConstraint::ForeignKey(fk) => {
                let columns = self.idents(&fk.columns);
                let as_written = |n: &Ident| (self.engine.ident(n), n.value.clone());
                let name = fk.name.as_ref().map(as_written);
                let index_name = fk.index_name.as_ref().map(as_written);
                self.add_foreign_key(table, name, index_name, columns);
                if !validated {
                    self.mark_not_valid(table, fk.name.as_ref());
                }
            }
            TableConstraint::Check(check) => match &check.name {
                Some(name) if !self.engine.is_mysql() => {
                    let name = self.engine.ident(name);
                    self.add_constraint(table, &name, "check", Vec::new(), validated);
                }
                // PostgreSQL names an unnamed table CHECK after the first column it mentions;
                // rather than guess, such checks are not compared.
                _ => {}
            },
            TableConstraint::Index(index) => {
                let columns = self.index_columns(&index.columns);
                self.drop_generated_indexes_served_by(table, &columns);
                let name = match &index.name {
                    Some(n) => self.engine.ident(n),
                    None => {
                        self.unused_index_name(table, columns.first().cloned().unwrap_or_default())
                    }
                };
                self.put_index(table, &name, &columns, false);
            }
            _ => self.opaque(format!("a constraint on {table} is not modelled")),
        }
    }

    /// Does `table` already have the key or index `constraint` adds (by its name; an unnamed
    /// primary key: any primary key)?
    fn has_constraint(&self, table: &str, constraint: &TableConstraint) -> bool {
        let name = match constraint {
            TableConstraint::PrimaryKey(pk) if pk.name.is_none() => {
                return self
                    .ids_on_table(ObjectKind::Constraint, table)
                    .iter()
                    .any(|id| {
                        self.out
                            .schema
                            .get(id)
                            .and_then(|a| a.get("kind"))
                            .map(String::as_str)
                            == Some("primary key")
                    });
            }
            TableConstraint::PrimaryKey(pk) => pk.name.as_ref(),
            TableConstraint::Unique(u) => u.name.as_ref().or(u.index_name.as_ref()),
            TableConstraint::ForeignKey(fk) => fk.name.as_ref(),
            TableConstraint::Check(check) => check.name.as_ref(),
            TableConstraint::Index(index) => index.name.as_ref(),
            _ => None,
        };
        name.map(|n| self.engine.ident(n)).is_some_and(|n| {
            self.exists(&ObjectId::on_table(ObjectKind::Constraint, table, &n))
                || self.exists(&ObjectId::on_table(ObjectKind::Index, table, &n))
        })
    }

    fn mark_not_valid(&mut self, table: &str, name: Option<&Ident>) {
        if let Some(name) = name {
            let id = ObjectId::on_table(ObjectKind::Constraint, table, &self.engine.ident(name));
            if let Some(attrs) = self.out.schema.objects.get_mut(&id) {
                attrs.insert("validated", "false".into());
            }
        }
    }

    pub(crate) fn create_index(&mut self, ci: &CreateIndex) {
        let Some(table) = self.table(&ci.table_name) else {
            return;
        };
        let columns = self.index_columns(&ci.columns);
        let name = match &ci.name {
            Some(n) => match self.local_name(n) {
                Some(n) => n,
                None => return,
            },
            None => {
                let written: Vec<String> = ci
                    .columns
                    .iter()
                    .map(|c| c.column.expr.to_string().replace('"', "").to_lowercase())
                    .collect();
                self.engine.index_name(&table, &written)
            }
        };
        let id = ObjectId::on_table(ObjectKind::Index, &table, &name);
        if (ci.if_not_exists || self.guarded_statement) && self.exists(&id) {
            return;
        }
        self.drop_generated_indexes_served_by(&table, &columns);
        self.put_index(&table, &name, &columns, ci.unique);
        if self.engine.is_mysql() && ci.unique {
            // MySQL/MariaDB list every unique index as a UNIQUE constraint of its name.
            self.add_constraint(&table, &name, "unique", columns.clone(), true);
        }
        if !self.engine.is_mysql() {
            // PostgreSQL's partial and non-btree indexes: part of the definition that drifts.
            if let Some(attrs) = self.out.schema.objects.get_mut(&id) {
                let method = ci.using.as_ref().map(|m| m.to_string().to_lowercase());
                attrs.insert("method", method.unwrap_or_else(|| "btree".into()));
                let predicate = ci
                    .predicate
                    .as_ref()
                    .map(|p| index_predicate(&p.to_string()));
                attrs.insert("predicate", predicate.unwrap_or_default());
            }
        }
    }

    pub(crate) fn drop_table(&mut self, table: &str) {
        let mut ids = vec![ObjectId::new(ObjectKind::Table, table)];
        for kind in [
            ObjectKind::Column,
            ObjectKind::Constraint,
            ObjectKind::Index,
            ObjectKind::Trigger,
            ObjectKind::Policy,
        ] {
            ids.extend(self.ids_on_table(kind, table));
        }
        for id in ids {
            self.remove(&id);
        }
        // Sequences owned by the table's columns go with it.
        let owned = self.ids_where(|id| id.kind == ObjectKind::Sequence);
        for id in owned {
            if self
                .out
                .schema
                .get(&id)
                .and_then(|a| a.get("owned_by"))
                .map(String::as_str)
                == Some(table)
            {
                self.remove(&id);
            }
        }
    }

    pub(crate) fn rename_table(&mut self, from: &str, to: &str) {
        let ids = self.ids_where(|id| id.table() == Some(from));
        for id in ids {
            let Some(mut attrs) = self.out.schema.objects.remove(&id) else {
                continue;
            };
            self.out.owners.remove(&id);
            let new_id = match id.kind {
                ObjectKind::Table => ObjectId::new(ObjectKind::Table, to),
                ObjectKind::Constraint if attrs.get("kind").is_some_and(|k| k == "foreign key") => {
                    let spelling = self.foreign_key_spelling(&id).to_string();
                    let renamed = self.renamed_key(&spelling, from, to);
                    let new_id = ObjectId::on_table(
                        ObjectKind::Constraint,
                        to,
                        &self.engine.key_name(&renamed),
                    );
                    if self.foreign_key_spellings.remove(&id).is_some() {
                        self.foreign_key_spellings.insert(new_id.clone(), renamed);
                    }
                    new_id
                }
                kind => ObjectId::on_table(kind, to, &id.name),
            };
            if attrs.contains_key("table") {
                attrs.insert("table", to.to_string());
            }
            let columns = self.constraint_columns.remove(&id);
            if let Some(c) = columns {
                self.constraint_columns.insert(new_id.clone(), c);
            }
            if self.generated_indexes.remove(&id) {
                self.generated_indexes.insert(new_id.clone());
            }
            self.out.dropped.insert(id, self.current.clone());
            self.put(new_id, attrs);
        }
    }

    /// InnoDB renames a foreign key named `<from>_ibfk_<anything>` (generated or not, `n`
    /// digits or not) with its table: measured on MariaDB 10.11 (`m_ibfk_x` becomes
    /// `m2_ibfk_x`), and MySQL 8's `dd::rename_foreign_keys` does the same. `name` is the key's
    /// name as stored, compared case-sensitively with the table's (`R1_IBFK_3` stays when `r1`
    /// becomes `r2`); the result is as stored too.
    fn renamed_key(&self, name: &str, from: &str, to: &str) -> String {
        let prefix = format!("{from}_ibfk_");
        match name.strip_prefix(&prefix) {
            Some(rest) if self.engine.is_mysql() && !rest.is_empty() => {
                format!("{to}_ibfk_{rest}")
            }
            _ => name.to_string(),
        }
    }

    /// PostgreSQL drops indexes and constraints that cover a dropped column. MySQL/MariaDB take
    /// the column out of them and drop only those left without columns ("If columns are
    /// dropped from a table, the columns are also removed from any index of which they are a
    /// part", ALTER TABLE in the MySQL reference manual; MariaDB 10.11 refuses it for a
    /// multi-column PRIMARY or UNIQUE key, which then never happens).
    pub(crate) fn drop_dependents_of_column(&mut self, table: &str, column: &str) {
        if self.engine.is_mysql() {
            self.drop_column_from_keys(table, column);
            return;
        }
        let constraints: Vec<ObjectId> = self
            .constraint_columns
            .iter()
            .filter(|(id, cols)| id.table() == Some(table) && cols.iter().any(|c| c == column))
            .map(|(id, _)| id.clone())
            .collect();
        for id in constraints {
            self.remove(&id);
        }
        let indexes = self.ids_on_table(ObjectKind::Index, table);
        for id in indexes {
            let covers = self
                .out
                .schema
                .get(&id)
                .and_then(|a| a.get("columns"))
                .is_some_and(|c| c.split(", ").any(|c| c == column));
            if covers {
                self.remove(&id);
            }
        }
    }

    fn drop_column_from_keys(&mut self, table: &str, column: &str) {
        let lower = column.to_lowercase();
        let mut emptied = Vec::new();
        for (id, columns) in self.constraint_columns.iter_mut() {
            if id.table() == Some(table) && columns.iter().any(|c| c == column) {
                columns.retain(|c| c != column);
                if columns.is_empty() {
                    emptied.push(id.clone());
                }
            }
        }
        for id in self.ids_on_table(ObjectKind::Index, table) {
            let own = self.index_column_list(&id);
            if !own.contains(&lower) {
                continue;
            }
            let left: Vec<String> = own.into_iter().filter(|c| *c != lower).collect();
            if left.is_empty() {
                emptied.push(id);
            } else if let Some(attrs) = self.out.schema.objects.get_mut(&id) {
                attrs.insert("columns", left.join(", "));
                self.touch(&id);
            }
        }
        for id in emptied {
            self.remove(&id);
        }
    }
}
