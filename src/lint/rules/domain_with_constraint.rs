//! PF318: `CREATE DOMAIN … CHECK` / `NOT NULL`: a domain constraint cannot be added NOT VALID to
//! the columns that use it later without locking every table (squawk:
//! ban-create-domain-with-constraint).

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF318",
    name: "create-domain-with-constraint",
    default_severity: Severity::Warning,
    summary: "A domain with a constraint makes later changes to that constraint lock every table using it",
    doc: include_str!("../../../rules/PF318.md"),
    fix: FixAvailability::Never,
};

pub struct CreateDomainWithConstraint;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &CreateDomainWithConstraint;

impl Rule for CreateDomainWithConstraint {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        if cx.shape().kind != ShapeKind::Create(ObjectKind::Domain) {
            return;
        }
        let tokens = &cx.statement.tokens;
        let Some(at) = tokens.windows(2).position(|w| {
            w[0].is_kw("CHECK") || w[0].is_kw("CONSTRAINT") || (w[0].is_kw("NOT") && w[1].is_kw("NULL"))
        }) else {
            return;
        };
        out.push(Violation::new(
            tokens[at].range.start..tokens.last().map_or(tokens[at].range.end, |t| t.range.end),
            format!(
                "domain `{}` carries a constraint: changing it later checks every column of every table that uses the domain, under lock; put the constraint on the table columns instead",
                cx.object_text()
            ),
        ));
    }
}
