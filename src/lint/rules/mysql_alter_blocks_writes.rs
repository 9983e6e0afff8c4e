//! PF351: a MySQL/MariaDB `ALTER TABLE` action that copies the table or takes a lock that
//! blocks writes, without the `ALGORITHM=`/`LOCK=` clause that makes the server refuse instead.

use super::prelude::*;
use crate::lint::online_ddl::{
    actions, adds_foreign_key, adds_primary_key, cost_in_file, fulltext_index, on_new_table, virtual_column_cost,
    Clauses, Cost,
};
use crate::sql::AlterActionKind;

pub const INFO: RuleInfo = RuleInfo::new(
    "PF351",
    "mysql-alter-blocks-writes",
    Severity::Warning,
    "ALTER TABLE copies the table or blocks writes for its whole duration (MySQL/MariaDB online DDL)",
    include_str!("../../../rules/PF351.md"),
);

pub struct MysqlAlterBlocksWrites;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &MysqlAlterBlocksWrites;

impl Rule for MysqlAlterBlocksWrites {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        MYSQL_FAMILY
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        if on_new_table(cx) {
            return;
        }
        let clauses = Clauses::of(&cx.statement.tokens);
        if clauses.refuses_write_lock()
            || clauses.algorithm.as_ref().is_some_and(|(v, _)| v == "COPY")
        {
            // Explicit COPY is PF352's finding.
            return;
        }
        // `ALGORITHM=INPLACE` makes the server refuse a copy, not a shared lock.
        let refuses_copy = clauses.refuses_copy();
        let fix_hint = "add `, LOCK=NONE` so the server refuses instead of blocking writes, then use an online schema-change tool (gh-ost, pt-online-schema-change) if it does";
        // gh-ost refuses tables with foreign keys; MariaDB adds one in place without the check.
        let foreign_key_hint = "put `SET foreign_key_checks = 0;` before it and `SET foreign_key_checks = 1;` after it: MariaDB then adds the foreign key in place without blocking writes (existing rows are not checked, so check them with a query first)";
        if let Some(kw) = fulltext_index(cx) {
            out.push(
                Violation::new(
                    cx.head_span(),
                    format!(
                        "building a {} index blocks writes to the table until it is done",
                        kw.bare_word().unwrap_or("FULLTEXT").to_ascii_uppercase()
                    ),
                )
                .note(fix_hint),
            );
            return;
        }
        let version = crate::lint::online_ddl::version(cx);
        let checks_foreign_keys = cx.file.history.checks_foreign_keys();
        let all = actions(cx);
        let virtual_column = virtual_column_cost(cx.dialect, version, &all);
        let copies = matches!(virtual_column, Some((_, Cost::BlocksWrites(_))));
        if copies && refuses_copy {
            // The server refuses the whole statement.
            return;
        }
        let found = out.len();
        for (action, tokens) in &all {
            let what = match cost_in_file(cx, version, checks_foreign_keys, action, tokens) {
                Cost::BlocksWrites(what) if !refuses_copy => what,
                Cost::LocksWrites(what) => what,
                _ => continue,
            };
            let drops_pk = action.kind == AlterActionKind::Other
                && tokens.first().is_some_and(|t| t.is_kw("DROP"));
            if drops_pk && adds_primary_key(&all) {
                continue;
            }
            out.push(
                Violation::new(
                    action.range.clone(),
                    format!("{what} copies the table or blocks writes to it for the whole operation"),
                )
                .note(if adds_foreign_key(action, tokens) {
                    foreign_key_hint
                } else {
                    fix_hint
                }),
            );
        }
        // Another action's finding already says the statement copies or locks.
        if out.len() > found {
            return;
        }
        let (action, what, note) = match virtual_column {
            Some((action, Cost::BlocksWrites(what))) => (action, what, "add the VIRTUAL column in an ALTER TABLE of its own (MariaDB adds it instantly) and make the other changes in another"),
            Some((action, Cost::LocksWrites(what))) => (action, what, "build the index in a second ALTER TABLE: MariaDB adds the column instantly, then builds the index with `LOCK=NONE`"),
            _ => return,
        };
        out.push(
            Violation::new(
                action.range.clone(),
                format!("{what} copies the table or blocks writes to it for the whole operation"),
            )
            .note(note),
        );
    }
}
