//! What the compatibility rules share (drops, renames, moves and changes that break the running
//! version of the application, PF416–PF453): which objects are new, so that no running code can use
//! them (created earlier in the file or by an earlier pending migration, squawk issue #349),
//! and the shape of a "you drop something in use" finding.

use super::columns::{created_earlier, token_name};
use super::rule::{StatementCx, Violation};
use super::safety::{alter_column, starts_with_kws};
use super::sequence::Key;
use crate::sql::{tokens_in, top_level};
use crate::sql::{Name, ObjectKind, ShapeKind, Tok};
use std::ops::Range;

/// Was `name` (of `kind`) created by an earlier statement of the file, or by an earlier pending
/// migration? Then no running version of the application uses it.
pub fn object_is_new(cx: &StatementCx, kind: ObjectKind, name: &Name) -> bool {
    let key = Key::Object(kind, name.base().to_string());
    cx.file.is_new(&key, name.schema())
}

/// A `DROP` of one of `kinds` that names objects in use: one finding for the statement,
/// naming them, `consequence` saying what breaks.
pub fn drop_in_use(
    cx: &StatementCx,
    kinds: &[ObjectKind],
    consequence: &str,
    note: &str,
) -> Option<Violation> {
    let shape = cx.shape();
    let ShapeKind::Drop(kind) = shape.kind else {
        return None;
    };
    if !kinds.contains(&kind) || shape.temporary {
        return None;
    }
    let used: Vec<&str> = shape
        .names
        .iter()
        .filter(|n| !object_is_new(cx, kind, n))
        .map(|n| n.text.as_str())
        .collect();
    if used.is_empty() {
        return None;
    }
    let noun = kind.keyword().to_ascii_lowercase();
    let listed: Vec<String> = used
        .iter()
        .map(|n| crate::diagnostics::code_span(n).to_string())
        .collect();
    let message = format!("dropping {noun} {} {consequence}", listed.join(", "));
    Some(Violation::new(cx.head_span(), message).note(note))
}

/// The actions of an `ALTER TABLE` on a table in use that start with one of `forms`
/// (`&["DISABLE", "TRIGGER"]`, …): each action's bytes.
pub fn table_actions(cx: &StatementCx, forms: &[&[&str]]) -> Vec<Range<usize>> {
    let shape = cx.shape();
    let (ShapeKind::AlterTable, Some(table)) = (&shape.kind, shape.object()) else {
        return Vec::new();
    };
    if created_earlier(cx, table, None) {
        return Vec::new();
    }
    shape
        .actions
        .iter()
        .filter(|a| {
            let tokens = tokens_in(&cx.statement.tokens, &a.range);
            forms.iter().any(|f| starts_with_kws(tokens, f))
        })
        .map(|a| a.range.clone())
        .collect()
}

/// `ALTER TABLE … ALTER [COLUMN] c <form> …` on a column in use: the form's bytes and the
/// column's name.
pub fn column_actions(cx: &StatementCx, form: &[&str]) -> Vec<(Range<usize>, Name)> {
    let shape = cx.shape();
    let (ShapeKind::AlterTable, Some(table)) = (&shape.kind, shape.object()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for action in &shape.actions {
        let Some((column, rest)) = alter_column(tokens_in(&cx.statement.tokens, &action.range))
        else {
            continue;
        };
        if !starts_with_kws(rest, form) {
            continue;
        }
        let name = token_name(&cx.source.text, column);
        if !created_earlier(cx, table, Some(&name)) {
            out.push((rest[0].range.start..rest[form.len() - 1].range.end, name));
        }
    }
    out
}

/// The bytes of the first occurrence of the keywords `kws` at parenthesis depth 0.
pub fn keywords_span(tokens: &[Tok], kws: &[&str]) -> Option<Range<usize>> {
    let (i, t) = top_level(tokens).find(|(i, _)| starts_with_kws(&tokens[*i..], kws))?;
    Some(t.range.start..tokens[i + kws.len() - 1].range.end)
}

/// `ALTER <kind> name …` of an object in use, for one of `kinds`: the kind and the name.
pub fn altered_in_use<'a>(
    cx: &'a StatementCx,
    kinds: &[ObjectKind],
) -> Option<(ObjectKind, &'a Name)> {
    let shape = cx.shape();
    let ShapeKind::Alter(kind) = shape.kind else {
        return None;
    };
    let name = shape.object()?;
    (kinds.contains(&kind) && !object_is_new(cx, kind, name)).then_some((kind, name))
}
