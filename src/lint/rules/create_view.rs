//! PF112: `CREATE VIEW` (and PostgreSQL `CREATE RULE`) without `OR REPLACE` (SQLite: without
//! `IF NOT EXISTS`).

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF112",
    name: "create-view-without-or-replace",
    default_severity: Severity::Error,
    summary: "CREATE VIEW (or RULE) without OR REPLACE fails when a retry finds it",
    doc: include_str!("../../../rules/PF112.md"),
    fix: FixAvailability::Sometimes(
        Applicability::Safe,
        "not on MySQL when the view is written without a place for OR REPLACE",
    ),
};

pub struct CreateView;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &CreateView;

impl Rule for CreateView {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        or_replace(cx, ObjectKind::View, out);
        // PostgreSQL implements views as rules; CREATE OR REPLACE RULE is the same guard.
        if cx.dialect == Dialect::Postgres {
            or_replace(cx, ObjectKind::Rule, out);
        }
    }
}

/// Shared by PF112–PF114: a CREATE of `kind` with neither OR REPLACE nor IF NOT EXISTS.
/// The fix is what the dialect offers: OR REPLACE after CREATE, IF NOT EXISTS after the kind,
/// or nothing (MySQL routines and triggers, PostgreSQL constraint triggers).
pub(super) fn or_replace(cx: &StatementCx, kind: ObjectKind, out: &mut Vec<Violation>) {
    let shape = cx.shape();
    if shape.kind != ShapeKind::Create(kind) {
        return;
    }
    let Some(guard) = shape.guard else { return };
    if shape.or_replace
        || guard.present
        || shape.temporary
        || cx.do_guarded()
        || cx.dropped_before(kind)
    {
        return;
    }
    let head = format!("CREATE {kind} {}", cx.object_text());
    let what = code_span(&head);
    // PostgreSQL rejects OR REPLACE for constraint triggers ("not supported").
    let constraint_trigger = kind == ObjectKind::Trigger
        && cx
            .statement
            .tokens
            .iter()
            .take_while(|t| !t.is_kw("TRIGGER"))
            .any(|t| t.is_kw("CONSTRAINT"));
    let form = match (cx.dialect, kind) {
        (Dialect::Sqlite, _) => Some(("IF NOT EXISTS", guard.insert_at)),
        (Dialect::Mysql, ObjectKind::View) => shape.or_replace_at.map(|at| ("OR REPLACE", at)),
        (Dialect::Mysql, _) => None,
        _ if constraint_trigger => None,
        _ => shape.or_replace_at.map(|at| ("OR REPLACE", at)),
    };
    let v = match form {
        Some((keywords, at)) => Violation::new(
            cx.head_span(),
            format!("{what} fails on a retry once it exists: use {keywords}"),
        )
        .fix(Some(cx.insert_fix(at, keywords, Applicability::Safe))),
        None if cx.dialect == Dialect::Mysql => Violation::new(
            cx.head_span(),
            format!(
                "{what} fails on a retry once it exists, and MySQL has no CREATE OR REPLACE for it: precede it with DROP {kind} IF EXISTS, or use CREATE {kind} IF NOT EXISTS (MySQL 8.0.29 and later)"
            ),
        ),
        None => Violation::new(
            cx.head_span(),
            format!(
                "{what} fails on a retry once it exists, and {} has no CREATE OR REPLACE for it: precede it with DROP {kind} IF EXISTS … ON …",
                product(cx.dialect)
            ),
        ),
    };
    let v = if kind == ObjectKind::Trigger && cx.dialect == Dialect::Postgres && !constraint_trigger
    {
        v.note("CREATE OR REPLACE TRIGGER needs PostgreSQL 14 or later; on older servers precede it with DROP TRIGGER IF EXISTS … ON …")
    } else {
        v
    };
    out.push(v);
}
