//! PF353: an `ALTER TABLE` action the configured MySQL/MariaDB version cannot do instantly, so
//! it rebuilds the table; or `ALGORITHM=INSTANT` on a version that has no INSTANT.

use super::prelude::*;
use crate::lint::online_ddl::{
    actions, column_rebuilt_by_index, cost_in_file, on_new_table, version, virtual_column_cost,
    Clauses, Cost, Version,
};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF353",
    "mysql-alter-rebuilds-table",
    Severity::Warning,
    "ALTER TABLE rebuilds the table on the configured MySQL/MariaDB version (`[lint] mysql_version`)",
    include_str!("../../../rules/PF353.md"),
);

pub struct MysqlAlterRebuildsTable;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &MysqlAlterRebuildsTable;

impl Rule for MysqlAlterRebuildsTable {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        MYSQL_FAMILY
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        if cx.shape().kind != ShapeKind::AlterTable {
            return;
        }
        if on_new_table(cx) {
            return;
        }
        let version = version(cx);
        let server = format!("{} {version}", product(cx.dialect));
        let clauses = Clauses::of(&cx.statement.tokens);
        let first_instant = match cx.dialect {
            Dialect::Mariadb => Version(10, 3, 2),
            _ => Version(8, 0, 12),
        };
        if let Some((value, range)) = &clauses.algorithm {
            if value == "INSTANT" && version < first_instant {
                out.push(Violation::new(
                    range.clone(),
                    format!("{server} has no ALGORITHM=INSTANT (it arrived in {first_instant}): the statement fails"),
                ));
                return;
            }
        }
        if clauses.accepts_rebuild() {
            return;
        }
        let checks_foreign_keys = cx.file.history.checks_foreign_keys();
        let all = actions(cx);
        if let Some((_, Cost::BlocksWrites(_))) = virtual_column_cost(cx.dialect, version, &all) {
            // The statement copies the table (PF351), no mere rebuild.
            return;
        }
        if let Some(column) =
            column_rebuilt_by_index(cx.dialect, version, checks_foreign_keys, &all)
        {
            out.push(
                Violation::new(
                    column.range.clone(),
                    format!("adding a column in the same statement as an index rebuilds the whole table on {server} (alone, the column is added instantly): writes continue, but it takes as long as a copy and replicas lag behind it"),
                )
                .note("add the column in one ALTER TABLE and the index in the next, or add `, ALGORITHM=INPLACE` to accept the rebuild"),
            );
        }
        for (action, tokens) in all {
            if let Cost::Rebuilds(what) =
                cost_in_file(cx, version, checks_foreign_keys, action, tokens)
            {
                out.push(
                    Violation::new(
                        action.range.clone(),
                        format!("{what} rebuilds the whole table on {server}: writes continue, but it takes as long as a copy and replicas lag behind it"),
                    )
                    .note("add `, ALGORITHM=INPLACE` to accept the rebuild, or run it with an online schema-change tool; set `[lint] mysql_version` if the server is newer"),
                );
            }
        }
    }
}
