//! PF109: `DROP TABLE/INDEX/VIEW/…` without `IF EXISTS`.

use super::prelude::*;
use sqlparser::tokenizer::Token;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF109",
    name: "drop-without-if-exists",
    default_severity: Severity::Error,
    summary: "DROP without IF EXISTS fails when a retry finds the object already gone",
    doc: include_str!("../../../rules/PF109.md"),
    fix: FixAvailability::Sometimes(Applicability::Safe, "not where the dialect has no IF EXISTS for the object (MySQL DROP INDEX; SQLite objects other than tables, indexes, views and triggers)"),
};

pub struct DropObject;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &DropObject;

impl Rule for DropObject {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        let ShapeKind::Drop(kind) = shape.kind else {
            return;
        };
        if cx.do_guarded() {
            return;
        }
        // A drop that a later dependent blocks fails whether or not the object is there:
        // PF125 reports it.
        if cx
            .sequence
            .is_some_and(|(seq, i)| seq.blockers(i).next().is_some())
        {
            return;
        }
        // Kinds whose names are not plain names (`CAST (a AS b)`, `OPERATOR === (int, int)`,
        // `RULE r ON t`) keep the keyword-driven check.
        if matches!(
            kind,
            ObjectKind::Other
                | ObjectKind::Collation
                | ObjectKind::Server
                | ObjectKind::Statistics
                | ObjectKind::ForeignTable
                | ObjectKind::Aggregate
                | ObjectKind::Rule
                | ObjectKind::Cast
                | ObjectKind::EventTrigger
                | ObjectKind::Publication
                | ObjectKind::Subscription
                | ObjectKind::Operator
        ) {
            out.extend(other_postgres_kind(cx));
            return;
        }
        let Some(guard) = shape.guard else { return };
        if guard.present {
            return;
        }
        let head = format!("DROP {kind} {}", cx.object_text());
        let what = code_span(&head);
        let supported = match cx.dialect {
            Dialect::Postgres | Dialect::Mariadb => true,
            Dialect::Mysql => kind != ObjectKind::Index,
            Dialect::Sqlite => matches!(
                kind,
                ObjectKind::Table | ObjectKind::Index | ObjectKind::View | ObjectKind::Trigger
            ),
        };
        let v = if supported {
            Violation::new(
                cx.head_span(),
                format!("{what} fails on a retry once it is gone: add IF EXISTS"),
            )
            .fix(Some(cx.insert_fix(
                guard.insert_at,
                "IF EXISTS",
                Applicability::Safe,
            )))
        } else {
            Violation::new(
                cx.head_span(),
                format!(
                    "{what} fails on a retry once it is gone, and {} has no IF EXISTS for it: check the catalog first",
                    product(cx.dialect)
                ),
            )
        };
        out.push(v);
    }
}

/// PostgreSQL kinds the recogniser has no `ObjectKind` for, longest first; every one accepts
/// `DROP <kind> IF EXISTS`. (`DROP OWNED BY` does not, and is not listed.)
const OTHER_POSTGRES_KINDS: &[&[&str]] = &[
    &["TEXT", "SEARCH", "CONFIGURATION"],
    &["TEXT", "SEARCH", "DICTIONARY"],
    &["TEXT", "SEARCH", "PARSER"],
    &["TEXT", "SEARCH", "TEMPLATE"],
    &["FOREIGN", "DATA", "WRAPPER"],
    &["PROCEDURAL", "LANGUAGE"],
    &["OPERATOR", "CLASS"],
    &["OPERATOR", "FAMILY"],
    &["ACCESS", "METHOD"],
    &["EVENT", "TRIGGER"],
    &["FOREIGN", "TABLE"],
    &["USER", "MAPPING"],
    &["AGGREGATE"],
    &["CAST"],
    &["COLLATION"],
    &["CONVERSION"],
    &["GROUP"],
    &["LANGUAGE"],
    &["OPERATOR"],
    &["PUBLICATION"],
    &["ROUTINE"],
    &["RULE"],
    &["SERVER"],
    &["STATISTICS"],
    &["SUBSCRIPTION"],
    &["TABLESPACE"],
    &["TRANSFORM"],
    &["USER"],
];

/// `DROP RULE r ON t`, `DROP CAST (a AS b)`, … without IF EXISTS (PostgreSQL).
fn other_postgres_kind(cx: &StatementCx) -> Option<Violation> {
    if cx.dialect != Dialect::Postgres {
        return None;
    }
    let tokens = cx.statement.tokens.get(1..)?;
    let words = OTHER_POSTGRES_KINDS.iter().find(|words| {
        words.len() < tokens.len() && words.iter().zip(tokens).all(|(w, t)| t.is_kw(w))
    })?;
    let after_kind = &tokens[words.len()..];
    if after_kind.first()?.is_kw("IF") {
        return None;
    }
    let insert_at = tokens[words.len() - 1].range.end;
    // The span runs through the object's name when one follows (`DROP RULE r`, not `DROP CAST (`).
    let head_end = match after_kind[0].token {
        Token::Word(_) => after_kind[0].range.end,
        _ => insert_at,
    };
    let head = cx.statement.tokens[0].range.start..head_end;
    let what = code_span(cx.source.text.get(head.clone()).unwrap_or("DROP"));
    Some(
        Violation::new(
            head.clone(),
            format!("{what} fails on a retry once it is gone: add IF EXISTS"),
        )
        .fix(Some(cx.insert_fix(
            insert_at,
            "IF EXISTS",
            Applicability::Safe,
        ))),
    )
}
