//! PF124: `ALTER TABLE … ALTER COLUMN c TYPE t` that a re-run cannot repeat: its `USING`
//! converts the column again from the new type (unless through text, into a type whose values
//! the file leaves alone), or a view the file creates later uses it.

use super::prelude::*;
use crate::lint::rule::literal;
use crate::lint::sequence::folded;
use crate::sql::{AlterActionKind, Tok};
use sqlparser::tokenizer::Token;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF124",
    name: "alter-column-type-rerun",
    default_severity: Severity::Warning,
    summary: "ALTER COLUMN … TYPE with USING, or under a view the file creates later, fails when a retry runs it again",
    doc: include_str!("../../../rules/PF124.md"),
    fix: FixAvailability::Sometimes(
        Applicability::Unsafe,
        "only an ALTER TABLE with this one action, to a type without modifiers (`text`, an enum; not `varchar(255)`), and not for a cast through text into a type the file relabels later",
    ),
};

pub struct AlterColumnTypeRerun;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &AlterColumnTypeRerun;

impl Rule for AlterColumnTypeRerun {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        let (ShapeKind::AlterTable, Some(table)) = (&shape.kind, shape.object()) else {
            return;
        };
        if cx.do_guarded() {
            return;
        }
        for action in &shape.actions {
            if action.kind != AlterActionKind::Other {
                continue;
            }
            let tokens: Vec<&Tok> = cx
                .statement
                .tokens
                .iter()
                .filter(|t| action.range.start <= t.range.start && t.range.end <= action.range.end)
                .collect();
            let Some(change) = type_change(&tokens) else {
                continue;
            };
            let Some(column) = folded(change.column) else {
                continue;
            };
            let view = later_view_using(cx, table.base(), &column);
            let type_text = &cx.source.text[change.type_start..change.type_end];
            let through_text = change.using_through_text(cx, &tokens, type_text);
            let why = match (change.using, &view) {
                (_, Some(v)) => format!(
                    "view `{v}`, which a later statement of this file creates, uses this column: a re-run finds the view and PostgreSQL refuses to change the type of a column a view uses"
                ),
                (true, None) if through_text => {
                    let relabelled = type_name(&tokens, &change).is_some_and(|t| {
                        cx.file
                            .sequence
                            .type_relabelled_after(cx.file.top_index, &t)
                    });
                    if !relabelled {
                        continue;
                    }
                    format!(
                        "a re-run converts the column through text again, into `{type_text}` as this file creates it, but a later statement of this file adds or renames its values: a row holding one of those fails the cast"
                    )
                }
                (true, None) => "a re-run converts the column again, from the type it already has: the USING expression is written for the old type".to_string(),
                (false, None) => continue,
            };
            let mut v = Violation::new(
                action.range.start..change.type_end,
                format!("changing the type of `{}.{column}` fails on a retry: {why}", cx.object_text()),
            );
            if through_text && view.is_none() {
                // The re-run's column has the renamed-away type, not the new one: a check for
                // the new type would let the failing cast run all the same.
                v = v.note("no fix: a re-run meets the column under the renamed-away type, so no catalog check can skip the cast; change the values in a later migration, or map them in the USING expression");
            } else if shape.actions.len() == 1 && !type_text.contains('(') {
                let condition = format!(
                    "NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass({}) AND attname = {} AND atttypid = to_regtype({}) AND atttypmod = -1 AND NOT attisdropped)",
                    literal(&table.text),
                    literal(&column),
                    literal(type_text)
                );
                let message = "Change the type only while the column does not have it yet";
                // In a DO body: an IF where it stands, as the block cannot be wrapped again.
                v = v.fix(match cx.runs_in.is_in_body() {
                    true => cx.catalog_guard_in_body(&condition, message),
                    false => cx.catalog_guard_fix(&condition, message),
                });
            } else {
                v = v.note("no fix: the statement has other actions, or the type has modifiers the catalog check cannot compare; put the type change in an ALTER TABLE of its own");
            }
            out.push(v);
        }
    }
}

pub(crate) struct TypeChange<'a> {
    pub(crate) column: &'a Tok,
    pub(crate) type_start: usize,
    pub(crate) type_end: usize,
    using: bool,
}

impl TypeChange<'_> {
    /// Is the `USING` expression `c::text::t` (or through `varchar`), converting the column to
    /// its new type through its text form? A re-run meets a column that has `t` already, and
    /// `t` → text → `t` gives every value back: it fails only when the type the file creates
    /// lacks a value the column holds.
    fn using_through_text(&self, cx: &StatementCx, tokens: &[&Tok], type_text: &str) -> bool {
        let Some(at) = tokens.iter().position(|t| t.is_kw("USING")) else {
            return false;
        };
        let rest = &tokens[at + 1..];
        let [column, cast, via, cast2, first, ..] = rest else {
            return false;
        };
        let is_cast = |t: &Tok| t.token == Token::DoubleColon;
        let target = &cx.source.text[first.range.start..rest[rest.len() - 1].range.end];
        folded(column) == folded(self.column)
            && is_cast(cast)
            && (via.is_kw("text") || via.is_kw("varchar"))
            && is_cast(cast2)
            && target.eq_ignore_ascii_case(type_text)
    }
}

/// The base name of the new type, as the replay keys it (`s.mood` → `mood`).
fn type_name(tokens: &[&Tok], change: &TypeChange) -> Option<String> {
    let last = tokens
        .iter()
        .rfind(|t| t.range.end == change.type_end)?;
    folded(last)
}

/// `ALTER [COLUMN] c [SET DATA] TYPE t [COLLATE …] [USING …]`.
pub(crate) fn type_change<'a>(tokens: &[&'a Tok]) -> Option<TypeChange<'a>> {
    let mut at = 0;
    if !tokens.first()?.is_kw("ALTER") {
        return None;
    }
    at += 1;
    if tokens.get(at)?.is_kw("COLUMN") {
        at += 1;
    }
    let column = *tokens.get(at)?;
    at += 1;
    if tokens.get(at)?.is_kw("SET") && tokens.get(at + 1)?.is_kw("DATA") {
        at += 2;
    }
    if !tokens.get(at)?.is_kw("TYPE") {
        return None;
    }
    let type_tokens: Vec<&&Tok> = tokens[at + 1..]
        .iter()
        .take_while(|t| !t.is_kw("USING") && !t.is_kw("COLLATE"))
        .collect();
    Some(TypeChange {
        column,
        type_start: type_tokens.first()?.range.start,
        type_end: type_tokens.last()?.range.end,
        using: tokens.iter().any(|t| t.is_kw("USING")),
    })
}

/// A view or materialized view a later statement of the file creates whose text names both
/// the table and the column.
fn later_view_using(cx: &StatementCx, table: &str, column: &str) -> Option<String> {
    cx.file
        .sequence
        .later_view_using(cx.file.top_index, table, column)
}
