//! PF122: the remaining CREATE kinds that have an `IF NOT EXISTS` form — PostgreSQL `COLLATION`,
//! `SERVER`, `STATISTICS`, `FOREIGN TABLE`; MySQL/MariaDB `USER` and `ROLE` — without it; and
//! MariaDB's `ALTER TABLE … ADD PERIOD FOR p` (and `ADD SYSTEM VERSIONING`, which has no such form).

use super::prelude::*;
use crate::sql::AlterActionKind;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF122",
    name: "create-without-if-not-exists",
    default_severity: Severity::Error,
    summary: "CREATE COLLATION/SERVER/STATISTICS/FOREIGN TABLE (PostgreSQL), USER/ROLE (MySQL, MariaDB) or ADD PERIOD (MariaDB) without IF NOT EXISTS fails when a retry finds it",
    doc: include_str!("../../../rules/PF122.md"),
    fix: FixAvailability::Sometimes(
        Applicability::Safe,
        "not for MariaDB's system-time period and system versioning, which have no IF NOT EXISTS",
    ),
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
        if cx.dialect == Dialect::Mariadb {
            add_period(cx, out);
        }
    }
}

/// MariaDB's `ALTER TABLE … ADD PERIOD FOR p (s, e)` without `IF NOT EXISTS` (a retry fails with
/// "Cannot specify more than one application-time period"), and `ADD PERIOD FOR SYSTEM_TIME` and
/// `ADD SYSTEM VERSIONING`, which have no such form ("Table `t` is already system-versioned").
fn add_period(cx: &StatementCx, out: &mut Vec<Violation>) {
    let shape = cx.shape();
    if shape.kind != ShapeKind::AlterTable || cx.do_guarded() {
        return;
    }
    let Some(table) = shape.object() else { return };
    let versioned = shape
        .actions
        .iter()
        .any(|a| a.kind == AlterActionKind::AddSystemVersioning);
    for action in &shape.actions {
        let adds_period = action.kind == AlterActionKind::AddPeriod;
        if !adds_period && action.kind != AlterActionKind::AddSystemVersioning {
            continue;
        }
        let span = action.head_through_name();
        if action.versioning() {
            // `ADD PERIOD FOR SYSTEM_TIME (…), ADD SYSTEM VERSIONING` fails once, for the
            // versioning.
            if adds_period && versioned {
                continue;
            }
            let what = match adds_period {
                true => "adding period `SYSTEM_TIME`",
                false => "adding system versioning",
            };
            out.push(Violation::new(
                span,
                format!(
                    "{what} fails on a retry once the table {} is system-versioned, and MariaDB has no IF NOT EXISTS for it: check information_schema.tables (`TABLE_TYPE = 'SYSTEM VERSIONED'`) first",
                    code_span(&table.text)
                ),
            ));
            continue;
        }
        let (Some(guard), Some(period)) = (action.guard, &action.name) else {
            continue;
        };
        if guard.present || cx.guards.period_dropped(table, period) {
            continue;
        }
        out.push(
            Violation::new(
                span,
                format!(
                    "adding period {} fails on a retry once it exists (\"Cannot specify more than one application-time period\"): add IF NOT EXISTS after PERIOD",
                    code_span(&period.text)
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
