//! Retry guards established by earlier statements of the same file: `DROP … IF EXISTS x`
//! before `CREATE … x` makes the create retry-safe (at the price of the data, which the DROP
//! rule's own documentation discusses).

use crate::sql::{AlterActionKind, Name, ObjectKind, ShapeKind, Statement};
use std::collections::HashMap;

/// Guards are looked up by unqualified name, so a long file costs one lookup per statement, not
/// a scan of every earlier DROP; the schema check (`Name::same_object`) runs on the few matches.
#[derive(Debug, Default, Clone)]
pub struct Guards {
    /// (kind, base name) → the dropped names.
    objects: HashMap<(ObjectKind, String), Vec<Name>>,
    /// (table base name, column base name) → the tables.
    columns: HashMap<(String, String), Vec<Name>>,
    /// (table base name, constraint base name) → the tables.
    constraints: HashMap<(String, String), Vec<Name>>,
}

impl Guards {
    /// Records what `statement` drops with IF EXISTS. Call after checking it.
    /// A drop in a DO block's or a routine's branch whose catalog check names what it drops
    /// counts as one with IF EXISTS (`DoBlockContext::drops_checked`).
    pub fn record(&mut self, statement: &Statement) {
        self.record_except(statement, |_, _| false);
    }

    /// [`record`](Self::record), but not the names `blocked` says a retry fails to drop (a
    /// table a later foreign key still references, PF125): the object is still there then.
    pub fn record_except(
        &mut self,
        statement: &Statement,
        blocked: impl Fn(ObjectKind, &Name) -> bool,
    ) {
        let shape = &statement.shape;
        let checked = statement.context.do_block.is_some_and(|d| d.drops_checked);
        match &shape.kind {
            ShapeKind::Drop(kind) if checked || shape.guard.is_some_and(|g| g.present) => {
                for name in shape.names.iter().filter(|n| !blocked(*kind, n)) {
                    self.objects
                        .entry((*kind, name.base().to_string()))
                        .or_default()
                        .push(name.clone());
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
                    let map = match action.kind {
                        AlterActionKind::DropColumn => &mut self.columns,
                        AlterActionKind::DropConstraint | AlterActionKind::DropIndex => {
                            &mut self.constraints
                        }
                        _ => continue,
                    };
                    map.entry((table.base().to_string(), name.base().to_string()))
                        .or_default()
                        .push(table.clone());
                }
            }
            _ => {}
        }
    }

    pub fn object_dropped(&self, kind: ObjectKind, name: &Name) -> bool {
        self.objects
            .get(&(kind, name.base().to_string()))
            .is_some_and(|names| names.iter().any(|n| n.same_object(name)))
    }

    pub fn column_dropped(&self, table: &Name, column: &Name) -> bool {
        table_dropped_with(&self.columns, table, column)
    }

    pub fn constraint_dropped(&self, table: &Name, constraint: &Name) -> bool {
        table_dropped_with(&self.constraints, table, constraint)
    }
}

fn table_dropped_with(
    map: &HashMap<(String, String), Vec<Name>>,
    table: &Name,
    part: &Name,
) -> bool {
    map.get(&(table.base().to_string(), part.base().to_string()))
        .is_some_and(|tables| tables.iter().any(|t| t.same_object(table)))
}
