//! PF124: `ALTER TABLE … ALTER COLUMN c TYPE t` that a re-run cannot repeat: its `USING`
//! converts the column again from the new type (unless through text, into a type whose values
//! the file leaves alone), or a view the file creates later uses it.

use super::prelude::*;
use crate::diagnostics::Fix;
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
            let tokens = crate::sql::tokens_in(&cx.statement.tokens, &action.range);
            let Some(change) = type_change(tokens) else {
                continue;
            };
            let Some(column) = folded(change.column) else {
                continue;
            };
            let view = later_view_using(cx, table.base(), &column);
            let type_text = &cx.source.text[change.type_start..change.type_end];
            let through_text = change.using_through_text(cx, tokens, type_text);
            let why = match (change.using, &view) {
                (_, Some(v)) => format!(
                    "view `{v}`, which a later statement of this file creates, uses this column: a re-run finds the view and PostgreSQL refuses to change the type of a column a view uses"
                ),
                (true, None) if through_text => {
                    let relabelled = type_name(tokens, &change).is_some_and(|t| {
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
                (true, None) => match using_on_retry(cx, tokens, &change, table.base(), &column, type_text) {
                    Retry::Survives => continue,
                    Retry::Undecided(why) => {
                        let mut v = Violation::new(
                            action.range.start..change.type_end,
                            format!("changing the type of `{}.{column}` may fail on a retry: {why}", cx.object_text()),
                        );
                        if shape.actions.len() == 1 && !type_text.contains('(') {
                            v = v.fix(type_guard(cx, &table.text, &column, type_text));
                        } else {
                            v = v.note(NO_FIX_NOTE);
                        }
                        out.push(v);
                        continue;
                    }
                    Retry::Fails(why) => why,
                },
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
                v = v.fix(type_guard(cx, &table.text, &column, type_text));
            } else {
                v = v.note(NO_FIX_NOTE);
            }
            out.push(v);
        }
    }
}

const NO_FIX_NOTE: &str = "no fix: the statement has other actions, or the type has modifiers the catalog check cannot compare; put the type change in an ALTER TABLE of its own";

/// The fix: change the type only while the column does not have it yet. In a DO body: an IF
/// where it stands, as the block cannot be wrapped again.
fn type_guard(cx: &StatementCx, table: &str, column: &str, type_text: &str) -> Option<Fix> {
    let condition = format!(
        "NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass({}) AND attname = {} AND atttypid = to_regtype({}) AND atttypmod = -1 AND NOT attisdropped)",
        literal(table),
        literal(column),
        literal(type_text)
    );
    let message = "Change the type only while the column does not have it yet";
    match cx.runs_in.is_in_body() {
        true => cx.catalog_guard_in_body(&condition, message),
        false => cx.catalog_guard_fix(&condition, message),
    }
}

/// What a retry makes of a `USING` expression (not through text).
enum Retry {
    /// It meets the types it met the first time, or casts the column to the type it has.
    Survives,
    /// It reads a column whose type a later statement of the file changes.
    Fails(String),
    /// It reads the column itself, which then has the new type: it may or may not accept it.
    Undecided(String),
}

/// On a retry the column already has the new type, and a column a later statement of the file
/// changes (retypes, drops, renames; or its table) may have another type than the expression
/// was written for: the expression is evaluated again against those. It survives when it is the
/// column (`USING x`) or its cast to the new type (`x::int`, `CAST(x AS int)`; not when the file
/// re-creates that type, or changes the column later), or reads no column of the statement's
/// table that the retry sees changed (`length(old)` when nothing retypes `old`).
fn using_on_retry(
    cx: &StatementCx,
    tokens: &[Tok],
    change: &TypeChange,
    table: &str,
    column: &str,
    type_text: &str,
) -> Retry {
    let Some(at) = tokens.iter().position(|t| t.is_kw("USING")) else {
        return Retry::Survives;
    };
    let expr = &tokens[at + 1..];
    let sequence = &cx.file.sequence;
    let i = cx.file.top_index;
    // The other columns this statement retypes: their USING and this one read the rows as
    // they were, and a retry meets their new types.
    let here = retyped_here(cx);
    let changed = |c: &str| {
        (c != column && here.iter().any(|h| h == c))
            || sequence.column_changes_after(i, cx.runs_in.is_in_body(), table, c)
    };
    if casts_to(cx, expr, change.column, type_text) {
        let replaced = type_name(tokens, change).is_some_and(|t| sequence.type_replaced(&t));
        if !changed(column) && !replaced {
            return Retry::Survives;
        }
        return Retry::Fails(format!(
            "a re-run casts the column to `{type_text}` again, but this file changes the column after this statement or re-creates `{type_text}`: the column then has another type, which the cast may not accept"
        ));
    }
    let reads: Vec<String> = expr.iter().filter_map(folded).collect();
    if reads.iter().any(|w| w == column) {
        return Retry::Undecided("a re-run converts the column again, from the type it already has: the USING expression is written for the old type (whether it accepts the new one is not checked)".to_string());
    }
    match reads.iter().find(|w| changed(w)) {
        Some(c) => Retry::Fails(format!(
            "a re-run evaluates the USING expression again, and this file changes the type of `{c}` (or drops or renames it, or its table) after this statement: the expression then reads another type than it was written for"
        )),
        None => Retry::Survives,
    }
}

/// The columns the statement's ALTER TABLE changes the type of, folded.
fn retyped_here(cx: &StatementCx) -> Vec<String> {
    let statement = cx.statement;
    statement
        .shape
        .actions
        .iter()
        .filter(|a| a.kind == AlterActionKind::Other)
        .filter_map(|a| {
            let tokens = crate::sql::tokens_in(&statement.tokens, &a.range);
            folded(type_change(tokens)?.column)
        })
        .collect()
}

/// Is `expr` the column itself (`c`, `(c)`), or the column cast to the new type: `c::t`,
/// `(c)::t` or `CAST(c AS t)`, `t` written as the type change writes it (or another name of
/// the same built-in type)?
fn casts_to(cx: &StatementCx, expr: &[Tok], column: &Tok, type_text: &str) -> bool {
    let is = |t: &Tok, token: Token| t.token == token;
    let same_column = |t: &Tok| folded(t).is_some_and(|c| Some(c) == folded(column));
    let text = |from: &[Tok]| match (from.first(), from.last()) {
        (Some(a), Some(b)) => &cx.source.text[a.range.start..b.range.end],
        _ => "",
    };
    let target = match expr {
        // `USING c`: the first run assigned the column's values to the new type; a retry's
        // column has that type already.
        [c] | [_, c, _] if same_column(c) && (expr.len() == 1 || is(&expr[0], Token::LParen)) => {
            return true
        }
        [c, cast, rest @ ..] if same_column(c) && is(cast, Token::DoubleColon) => rest,
        [open, c, close, cast, rest @ ..]
            if is(open, Token::LParen)
                && same_column(c)
                && is(close, Token::RParen)
                && is(cast, Token::DoubleColon) =>
        {
            rest
        }
        [kw, open, c, as_, rest @ .., close]
            if kw.is_kw("CAST")
                && is(open, Token::LParen)
                && same_column(c)
                && as_.is_kw("AS")
                && is(close, Token::RParen) =>
        {
            rest
        }
        _ => return false,
    };
    !target.is_empty() && same_type(text(target), type_text)
}

/// The same type, written alike up to case and spaces, or another name of a built-in type.
fn same_type(a: &str, b: &str) -> bool {
    let canonical = |s: &str| {
        let s: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect();
        let alias = match s.as_str() {
            "int" | "integer" | "int4" => "int4",
            "bigint" | "int8" => "int8",
            "smallint" | "int2" => "int2",
            "bool" | "boolean" => "bool",
            "real" | "float4" => "float4",
            "doubleprecision" | "float8" => "float8",
            _ => return s,
        };
        alias.to_string()
    };
    canonical(a) == canonical(b)
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
    fn using_through_text(&self, cx: &StatementCx, tokens: &[Tok], type_text: &str) -> bool {
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
fn type_name(tokens: &[Tok], change: &TypeChange) -> Option<String> {
    let last = tokens
        .iter()
        .rfind(|t| t.range.end == change.type_end)?;
    folded(last)
}

/// `ALTER [COLUMN] c [SET DATA] TYPE t [COLLATE …] [USING …]`.
pub(crate) fn type_change(tokens: &[Tok]) -> Option<TypeChange<'_>> {
    let mut at = 0;
    if !tokens.first()?.is_kw("ALTER") {
        return None;
    }
    at += 1;
    if tokens.get(at)?.is_kw("COLUMN") {
        at += 1;
    }
    let column = tokens.get(at)?;
    at += 1;
    if tokens.get(at)?.is_kw("SET") && tokens.get(at + 1)?.is_kw("DATA") {
        at += 2;
    }
    if !tokens.get(at)?.is_kw("TYPE") {
        return None;
    }
    let type_tokens: Vec<&Tok> = tokens[at + 1..]
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
