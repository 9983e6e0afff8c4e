//! PF319: `ALTER DOMAIN … ADD CONSTRAINT` checks every column that uses the domain, locking
//! each table (squawk: ban-alter-domain-with-add-constraint).

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF319",
    name: "alter-domain-add-constraint",
    default_severity: Severity::Warning,
    summary: "ALTER DOMAIN … ADD CONSTRAINT scans every table that uses the domain, under lock",
    doc: include_str!("../../../rules/PF319.md"),
    fix: FixAvailability::Never,
};

pub struct AlterDomainAddConstraint;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &AlterDomainAddConstraint;

impl Rule for AlterDomainAddConstraint {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        if !matches!(
            cx.shape().kind,
            ShapeKind::Alter(ObjectKind::Domain) | ShapeKind::Rename(ObjectKind::Domain)
        ) {
            return;
        }
        let tokens = &cx.statement.tokens;
        let Some(at) = tokens.windows(2).position(|w| w[0].is_kw("ADD")) else {
            return;
        };
        let rest = &tokens[at..];
        if rest.len() >= 2 && rest[rest.len() - 2].is_kw("NOT") && rest[rest.len() - 1].is_kw("VALID") {
            return;
        }
        out.push(Violation::new(
            tokens[at].range.start..tokens.last().map_or(tokens[at].range.end, |t| t.range.end),
            format!(
                "`ALTER DOMAIN {} ADD CONSTRAINT` checks every column of every table that uses the domain while locking them; put the constraint on the table columns (NOT VALID, then VALIDATE)",
                cx.object_text()
            ),
        ));
    }
}
