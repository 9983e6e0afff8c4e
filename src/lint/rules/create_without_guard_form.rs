//! PF115: `CREATE TYPE` / `DOMAIN` / `POLICY` / `ROLE` / `CAST` / `OPERATOR` / `EVENT TRIGGER` /
//! `PUBLICATION` / `SUBSCRIPTION` have no IF NOT EXISTS (or OR REPLACE) form in PostgreSQL;
//! unguarded, a retry fails.

use super::prelude::*;
use sqlparser::tokenizer::Token;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF115",
    name: "create-without-guard",
    default_severity: Severity::Error,
    summary: "CREATE TYPE/DOMAIN/POLICY/ROLE/CAST/OPERATOR/EVENT TRIGGER/PUBLICATION/SUBSCRIPTION has no IF NOT EXISTS and fails on a retry unless guarded",
    doc: include_str!("../../../rules/PF115.md"),
    fix: FixAvailability::Sometimes(Applicability::Unsafe, "not for CREATE SUBSCRIPTION (it cannot run inside a DO block) nor for a statement already inside a DO block"),
};

pub struct CreateWithoutGuard;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &CreateWithoutGuard;

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
            ObjectKind::Type
                | ObjectKind::Domain
                | ObjectKind::Policy
                | ObjectKind::Role
                | ObjectKind::Cast
                | ObjectKind::Operator
                | ObjectKind::EventTrigger
                | ObjectKind::Publication
                | ObjectKind::Subscription
        ) || cx.do_guarded()
            || cx.dropped_before(kind)
        {
            return;
        }
        let span = signature_span(cx, kind).unwrap_or_else(|| cx.head_span());
        let what = match kind {
            ObjectKind::Cast | ObjectKind::Operator => cx
                .source
                .text
                .get(span.clone())
                .unwrap_or("CREATE")
                .to_string(),
            _ => format!("CREATE {kind} {}", cx.object_text()),
        };
        let violation = if kind == ObjectKind::Subscription {
            // CREATE SUBSCRIPTION creates its replication slot and cannot run inside a
            // transaction block, so a DO block cannot guard it.
            Violation::new(
                span,
                format!(
                    "`{what}` fails on a retry once it exists, and PostgreSQL has no IF NOT EXISTS for it: check pg_subscription before running it (it cannot run inside a DO block)"
                ),
            )
        } else {
            Violation::new(
                span,
                format!(
                    "`{what}` fails on a retry once it exists, and PostgreSQL has no IF NOT EXISTS for it: guard it with a DO block that catches {}",
                    duplicate_condition(kind)
                ),
            )
            .fix(cx.do_block_fix())
        };
        out.push(violation);
    }
}

/// The condition a retry raises: `operator === already exists` is duplicate_function (42723).
fn duplicate_condition(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Operator => "duplicate_function",
        _ => "duplicate_object",
    }
}

/// Casts and operators have no plain name: the finding covers `CREATE CAST (a AS b)` and
/// `CREATE OPERATOR ===` instead.
fn signature_span(cx: &StatementCx, kind: ObjectKind) -> Option<std::ops::Range<usize>> {
    let tokens = &cx.statement.tokens;
    let start = tokens.first()?.range.start;
    let end = match kind {
        ObjectKind::Cast => tokens.iter().find(|t| t.is(&Token::RParen))?.range.end,
        ObjectKind::Operator => {
            let open = tokens.iter().position(|t| t.is(&Token::LParen))?;
            tokens.get(open.checked_sub(1)?)?.range.end
        }
        _ => return None,
    };
    Some(start..end)
}
