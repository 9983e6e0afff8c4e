//! PF415: a table named without its schema in `CREATE`, `ALTER` or `DROP TABLE`.

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo::new(
    "PF415",
    "require-table-schema",
    Severity::Info,
    "a table named without its schema lands wherever the session's search_path points",
    include_str!("../../../rules/PF415.md"),
);

pub struct RequireTableSchema;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &RequireTableSchema;

impl Rule for RequireTableSchema {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        let table_statement = matches!(
            shape.kind,
            ShapeKind::Create(ObjectKind::Table)
                | ShapeKind::Drop(ObjectKind::Table)
                | ShapeKind::AlterTable
        );
        if !table_statement || shape.temporary || pinned_by_file(cx) {
            return;
        }
        for name in shape.names.iter().filter(|n| n.parts.len() == 1) {
            out.push(Violation::new(
                name.range.clone(),
                format!(
                    "`{}` has no schema: it resolves through the session's search_path, which the migration runner may set differently; write `schema.{}`",
                    name.text, name.text
                ),
            ));
        }
    }
}

/// The file set the search_path itself before this statement (`SET search_path TO app`),
/// without `$user` (which depends on the runner's role): its unqualified names resolve through
/// that path, whatever the runner's connection has.
fn pinned_by_file(cx: &StatementCx) -> bool {
    cx.file
        .history
        .search_path()
        .is_some_and(|path| !path.is_empty() && !path.iter().any(|s| s == "$user"))
}
