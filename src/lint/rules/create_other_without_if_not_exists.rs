//! PF122: the remaining CREATE kinds that have an `IF NOT EXISTS` form — PostgreSQL `COLLATION`,
//! `SERVER`, `STATISTICS`, `FOREIGN TABLE`; MySQL/MariaDB `USER` and `ROLE` — without it.

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF122",
    name: "create-without-if-not-exists",
    default_severity: Severity::Error,
    summary: "CREATE COLLATION/SERVER/STATISTICS/FOREIGN TABLE (PostgreSQL) or USER/ROLE (MySQL, MariaDB) without IF NOT EXISTS fails when a retry finds it",
    doc: include_str!("../../../rules/PF122.md"),
    fix: FixAvailability::Always(Applicability::Safe),
};

pub struct CreateOtherWithoutIfNotExists;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &CreateOtherWithoutIfNotExists;

/// PostgreSQL kinds with IF NOT EXISTS (COLLATION and STATISTICS since 10, SERVER since 9.6).
const POSTGRES_KINDS: &[ObjectKind] = &[
    ObjectKind::Collation,
    ObjectKind::Server,
    ObjectKind::Statistics,
    ObjectKind::ForeignTable,
];

/// PostgreSQL roles have no IF NOT EXISTS (PF115); MySQL and MariaDB users and roles do.
const MYSQL_KINDS: &[ObjectKind] = &[ObjectKind::Role];

impl Rule for CreateOtherWithoutIfNotExists {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Postgres, Dialect::Mysql, Dialect::Mariadb]
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let kinds = match cx.dialect {
            Dialect::Postgres => POSTGRES_KINDS,
            _ => MYSQL_KINDS,
        };
        create_without_if_not_exists(cx, kinds, out);
    }
}
