//! The lint rules, one per file. `REGISTRY` is the order rules run in; `lint::RULES` is their
//! metadata in the same order (a test keeps the two in step).

mod add_column;
mod add_constraint;
mod alter_type_add_value;
mod concurrently_if_not_exists;
mod concurrently_in_transaction;
mod create_extension;
mod create_index;
mod create_materialized_view;
mod create_or_replace_table;
mod create_other_without_if_not_exists;
mod create_routine;
mod create_schema;
mod create_sequence;
mod create_table;
mod create_trigger;
mod create_view;
mod create_without_guard_form;
mod drop_column;
mod drop_constraint;
mod drop_object;
mod insert_without_conflict;
pub(super) mod invalid_suppression;
mod mysql_ddl_in_transaction;
mod psql_meta_command;
mod read_removed_later;
mod rename;
mod unnamed_index;
mod unparsed_statement;
mod unterminated_literal;
pub(super) mod unused_suppression;

use super::rule::Rule;
use crate::diagnostics::RuleInfo;

mod prelude {
    pub use super::super::rule::{
        name_text, product, word_before, Rule, StatementCx, Violation, MYSQL_FAMILY, POSTGRES,
    };
    pub use super::create_if_not_exists::create_without_if_not_exists;
    pub use crate::diagnostics::{Applicability, FixAvailability, RuleInfo, Severity};
    pub use crate::sql::{Dialect, ObjectKind, ParsedFile, ShapeKind};
}

mod create_if_not_exists {
    use super::prelude::*;

    /// Shared by PF104–PF107 and PF122: a CREATE of one of `kinds` without IF NOT EXISTS.
    pub fn create_without_if_not_exists(
        cx: &StatementCx,
        kinds: &[ObjectKind],
        out: &mut Vec<Violation>,
    ) {
        let shape = cx.shape();
        let ShapeKind::Create(kind) = shape.kind else {
            return;
        };
        let Some(guard) = shape.guard else { return };
        if !kinds.contains(&kind)
            || guard.present
            || shape.or_replace
            || shape.temporary
            || cx.do_guarded()
            || cx.dropped_before(kind)
        {
            return;
        }
        // `CREATE USER` and `CREATE ROLE` share a kind; name the one written.
        let keyword = match kind {
            ObjectKind::Role => word_before(&cx.source.text, guard.insert_at).to_ascii_uppercase(),
            _ => kind.keyword().to_string(),
        };
        out.push(
            Violation::new(
                cx.head_span(),
                format!(
                    "`CREATE {keyword} {}` fails on a retry once it exists: add IF NOT EXISTS",
                    cx.object_text()
                ),
            )
            .fix(Some(cx.insert_fix(
                guard.insert_at,
                "IF NOT EXISTS",
                Applicability::Safe,
            ))),
        );
    }
}

pub static REGISTRY: &[&dyn Rule] = &[
    &unparsed_statement::UnparsedStatement,
    &unterminated_literal::UnterminatedLiteral,
    &psql_meta_command::PsqlMetaCommand,
    &invalid_suppression::InvalidSuppression,
    &unused_suppression::UnusedSuppression,
    &create_table::CreateTable,
    &create_index::CreateIndex,
    &unnamed_index::UnnamedIndex,
    &create_sequence::CreateSequence,
    &create_schema::CreateSchema,
    &create_extension::CreateExtension,
    &create_materialized_view::CreateMaterializedView,
    &add_column::AddColumn,
    &drop_object::DropObject,
    &drop_column::DropColumn,
    &drop_constraint::DropConstraint,
    &create_view::CreateView,
    &create_routine::CreateRoutine,
    &create_trigger::CreateTrigger,
    &create_without_guard_form::CreateWithoutGuard,
    &add_constraint::AddConstraint,
    &alter_type_add_value::AlterTypeAddValue,
    &rename::Rename,
    &insert_without_conflict::InsertWithoutConflict,
    &create_or_replace_table::CreateOrReplaceTable,
    &mysql_ddl_in_transaction::MysqlDdlInTransaction,
    &create_other_without_if_not_exists::CreateOtherWithoutIfNotExists,
    &concurrently_in_transaction::ConcurrentlyInTransaction,
    &concurrently_if_not_exists::ConcurrentlyIfNotExists,
    &read_removed_later::ReadRemovedLater,
];

pub const INFOS: &[RuleInfo] = &[
    unparsed_statement::INFO,
    unterminated_literal::INFO,
    psql_meta_command::INFO,
    invalid_suppression::INFO,
    unused_suppression::INFO,
    create_table::INFO,
    create_index::INFO,
    unnamed_index::INFO,
    create_sequence::INFO,
    create_schema::INFO,
    create_extension::INFO,
    create_materialized_view::INFO,
    add_column::INFO,
    drop_object::INFO,
    drop_column::INFO,
    drop_constraint::INFO,
    create_view::INFO,
    create_routine::INFO,
    create_trigger::INFO,
    create_without_guard_form::INFO,
    add_constraint::INFO,
    alter_type_add_value::INFO,
    rename::INFO,
    insert_without_conflict::INFO,
    create_or_replace_table::INFO,
    mysql_ddl_in_transaction::INFO,
    create_other_without_if_not_exists::INFO,
    concurrently_in_transaction::INFO,
    concurrently_if_not_exists::INFO,
    read_removed_later::INFO,
];

/// The dialects a lint rule applies to, by code.
pub fn dialects_of(code: &str) -> Option<&'static [crate::sql::Dialect]> {
    REGISTRY
        .iter()
        .find(|r| r.info().code == code)
        .map(|r| r.dialects())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_and_catalog_list_the_same_rules_in_the_same_order() {
        let registry: Vec<&str> = REGISTRY.iter().map(|r| r.info().code).collect();
        let catalog: Vec<&str> = INFOS.iter().map(|r| r.code).collect();
        assert_eq!(registry, catalog);
        for (rule, info) in REGISTRY.iter().zip(INFOS) {
            assert_eq!(rule.info(), info);
        }
    }
}
