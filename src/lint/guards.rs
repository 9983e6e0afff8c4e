//! Retry guards established by earlier statements of the same file: `DROP … IF EXISTS x`
//! before `CREATE … x` makes the create retry-safe (at the price of the data, which the DROP
//! rule's own documentation discusses).

use crate::sql::{AlterActionKind, Name, ObjectKind, ShapeKind, Statement};

#[derive(Debug, Default)]
pub struct Guards {
    objects: Vec<(ObjectKind, Name)>,
    columns: Vec<(Name, Name)>,
    constraints: Vec<(Name, Name)>,
}

impl Guards {
    /// Records what `statement` drops with IF EXISTS. Call after checking it.
    pub fn record(&mut self, statement: &Statement) {
        let shape = &statement.shape;
        match &shape.kind {
            ShapeKind::Drop(kind) if shape.guard.is_some_and(|g| g.present) => {
                for name in &shape.names {
                    self.objects.push((*kind, name.clone()));
                }
            }
            ShapeKind::AlterTable => {
                let Some(table) = shape.object() else { return };
                for action in &shape.actions {
                    let (Some(name), Some(guard)) = (&action.name, action.guard) else {
                        continue;
                    };
                    if !guard.present {
                        continue;
                    }
                    let pair = (table.clone(), name.clone());
                    match action.kind {
                        AlterActionKind::DropColumn => self.columns.push(pair),
                        AlterActionKind::DropConstraint | AlterActionKind::DropIndex => {
                            self.constraints.push(pair)
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    pub fn object_dropped(&self, kind: ObjectKind, name: &Name) -> bool {
        self.objects
            .iter()
            .any(|(k, n)| *k == kind && n.same_object(name))
    }

    pub fn column_dropped(&self, table: &Name, column: &Name) -> bool {
        self.columns
            .iter()
            .any(|(t, c)| t.same_object(table) && c.base() == column.base())
    }

    pub fn constraint_dropped(&self, table: &Name, constraint: &Name) -> bool {
        self.constraints
            .iter()
            .any(|(t, c)| t.same_object(table) && c.base() == constraint.base())
    }
}
