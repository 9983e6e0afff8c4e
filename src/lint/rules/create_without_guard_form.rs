//! PF115: `CREATE TYPE` / `CREATE DOMAIN` / `CREATE POLICY` / `CREATE ROLE` have no IF NOT
//! EXISTS form in PostgreSQL; unguarded, a retry fails.

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF115",
    name: "create-without-guard",
    default_severity: Severity::Error,
    summary:
        "CREATE TYPE/DOMAIN/POLICY/ROLE has no IF NOT EXISTS and fails on a retry unless guarded",
    doc: include_str!("../../../rules/PF115.md"),
    fix: Some(Applicability::Unsafe),
};

pub struct CreateWithoutGuard;

impl Rule for CreateWithoutGuard {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let ShapeKind::Create(kind) = cx.shape().kind else {
            return;
        };
        if !matches!(
            kind,
            ObjectKind::Type | ObjectKind::Domain | ObjectKind::Policy | ObjectKind::Role
        ) || cx.do_guarded()
            || cx.dropped_before(kind)
        {
            return;
        }
        let what = format!("CREATE {kind} {}", cx.object_text());
        out.push(
            Violation::new(
                cx.head_span(),
                format!(
                    "`{what}` fails on a retry once it exists, and PostgreSQL has no IF NOT EXISTS for it: guard it with a DO block that catches duplicate_object"
                ),
            )
            .fix(cx.do_block_fix()),
        );
    }
}
