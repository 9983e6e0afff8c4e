//! Retry guards established by earlier statements of the same file: `DROP … IF EXISTS x`
//! before `CREATE … x` makes the create retry-safe (at the price of the data, which the DROP
//! rule's own documentation discusses).

use crate::sql::search_path::{may_be_same_schema, SessionPath};
use crate::sql::{AlterActionKind, Name, ObjectKind, ShapeKind, Statement};
use std::collections::HashMap;

/// A dropped object's schema: the one its name writes, else the first of the search_path the
/// file set (`None`: not known, it may be any).
type Schema = Option<Box<str>>;

/// Guards are looked up by unqualified name, so a long file costs one lookup per statement, not
/// a scan of every earlier DROP; the schema check runs on the few matches.
#[derive(Debug, Default, Clone)]
pub struct Guards {
    /// (kind, base name) → the schemas of the dropped objects.
    objects: HashMap<(ObjectKind, String), Vec<Schema>>,
    /// (table base name, column base name) → the tables' schemas.
    columns: HashMap<(String, String), Vec<Schema>>,
    /// (table base name, constraint base name) → the tables' schemas.
    constraints: HashMap<(String, String), Vec<Schema>>,
    /// MariaDB: (table base name, period base name) → the tables' schemas.
    periods: HashMap<(String, String), Vec<Schema>>,
    /// The search_path the top-level statements passed so far set: a guard proves only an
    /// object of its own schema.
    search_path: SessionPath,
}

impl Guards {
    /// A file's start; `file_transaction` when its runner runs it in one transaction (then a
    /// `SET LOCAL` lasts to the file's end).
    pub fn for_file(file_transaction: bool) -> Guards {
        Guards {
            search_path: SessionPath::file(file_transaction),
            ..Guards::default()
        }
    }

    /// A top-level statement has been checked and recorded: follows the search_path it sets.
    pub fn passed(&mut self, statement: &Statement) {
        self.search_path.observe(&statement.tokens);
    }

    /// The schema `name` denotes now (see [`Schema`]).
    fn schema(&self, name: &Name) -> Schema {
        let n = name.parts.len();
        match n > 1 {
            true => Some(name.parts[n - 2].as_str().into()),
            false => self.search_path.home().map(Into::into),
        }
    }

    /// Records what `statement` drops with IF EXISTS. Call after checking it.
    /// A drop in a DO block's or a routine's branch whose catalog check names what it drops
    /// counts as one with IF EXISTS (`DoBlockContext::drops_checked`).
    pub fn record(&mut self, statement: &Statement) {
        self.record_except(statement, |_, _| false, |_, _| false);
    }

    /// [`record`](Self::record), but not the names `blocked` says a retry fails to drop (a
    /// table a later foreign key still references, PF125), nor the constraints `key_blocked`
    /// says so of (table, constraint): the object is still there then.
    pub fn record_except(
        &mut self,
        statement: &Statement,
        blocked: impl Fn(ObjectKind, &Name) -> bool,
        key_blocked: impl Fn(&Name, &Name) -> bool,
    ) {
        let shape = &statement.shape;
        let checked = statement.context.do_block.is_some_and(|d| d.drops_checked);
        match &shape.kind {
            ShapeKind::Drop(kind) if checked || shape.guard.is_some_and(|g| g.present) => {
                for name in shape.names.iter().filter(|n| !blocked(*kind, n)) {
                    let schema = self.schema(name);
                    self.objects
                        .entry((*kind, name.base().to_string()))
                        .or_default()
                        .push(schema);
                }
            }
            ShapeKind::AlterTable => {
                let Some(table) = shape.object() else { return };
                for action in &shape.actions {
                    let Some(name) = &action.name else {
                        continue;
                    };
                    if !(checked || action.guard.is_some_and(|g| g.present)) {
                        continue;
                    }
                    if action.kind == AlterActionKind::DropConstraint && key_blocked(table, name) {
                        continue;
                    }
                    let schema = self.schema(table);
                    let map = match action.kind {
                        AlterActionKind::DropColumn => &mut self.columns,
                        AlterActionKind::DropConstraint | AlterActionKind::DropIndex => {
                            &mut self.constraints
                        }
                        AlterActionKind::DropPeriod => &mut self.periods,
                        _ => continue,
                    };
                    map.entry((table.base().to_string(), name.base().to_string()))
                        .or_default()
                        .push(schema);
                }
            }
            _ => {}
        }
    }

    /// Did an earlier guarded drop remove `name` (of the same schema)? `table`: the table an
    /// index is on, whose schema an unqualified index name has.
    pub fn object_dropped(&self, kind: ObjectKind, name: &Name, table: Option<&Name>) -> bool {
        let schema = match table {
            Some(table) if kind == ObjectKind::Index && name.parts.len() < 2 => self.schema(table),
            _ => self.schema(name),
        };
        dropped_in(&self.objects, (kind, name.base().to_string()), &schema)
    }

    pub fn column_dropped(&self, table: &Name, column: &Name) -> bool {
        let key = (table.base().to_string(), column.base().to_string());
        dropped_in(&self.columns, key, &self.schema(table))
    }

    pub fn constraint_dropped(&self, table: &Name, constraint: &Name) -> bool {
        let key = (table.base().to_string(), constraint.base().to_string());
        dropped_in(&self.constraints, key, &self.schema(table))
    }

    /// Did an earlier `DROP PERIOD IF EXISTS FOR period` (MariaDB) remove it from `table`?
    pub fn period_dropped(&self, table: &Name, period: &Name) -> bool {
        let key = (table.base().to_string(), period.base().to_string());
        dropped_in(&self.periods, key, &self.schema(table))
    }
}

fn dropped_in<K: std::hash::Hash + Eq>(
    map: &HashMap<K, Vec<Schema>>,
    key: K,
    schema: &Schema,
) -> bool {
    map.get(&key).is_some_and(|schemas| {
        schemas
            .iter()
            .any(|s| may_be_same_schema(s.as_deref(), schema.as_deref()))
    })
}
