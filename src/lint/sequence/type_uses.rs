//! What a statement makes depend on a type or domain (PostgreSQL): while that object exists,
//! a `DROP TYPE|DOMAIN` of the type without `CASCADE` fails (`cannot drop type mood because
//! other objects depend on it`). A table's column of the type (created, added, or changed to
//! it), a domain or composite type over it, a function or procedure with it in its signature
//! or a cast to it outside a string body, a view casting to it. A function body in a string
//! (`AS $$ … $$`) is not looked at by the server: it makes no dependency.

use super::steps::folded;
use super::TypeRef;
use crate::lint::columns::{column_name, table_elements};
use crate::lint::digest::digest;
use crate::sql::dynamic::split_top;
use crate::sql::tokens_in;
use crate::sql::{AlterActionKind, Dialect, Name, ObjectKind, ShapeKind, Statement, Tok};
use sqlparser::tokenizer::Token;

/// How an object uses a type a file drops earlier, for PF125's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeUse {
    /// A table created with a column of it, or given one (`ADD COLUMN`).
    Column,
    /// A table's column changed to it (`ALTER COLUMN c TYPE mood`).
    Retyped,
    /// A domain, composite type, function, procedure or view.
    Other,
}

/// An object a statement makes depend on the types it names.
pub(super) struct TypeUser<'a> {
    pub(super) kind: ObjectKind,
    pub(super) name: &'a Name,
    pub(super) how: TypeUse,
    /// The digests of the types' folded base names, with their schemas when spelt; of a
    /// table's, the column of the type (folded).
    pub(super) types: Vec<(TypeRef, Option<String>)>,
}

/// The object `statement` makes depend on types, and those types; `None` when it names none.
pub(super) fn type_user(statement: &Statement) -> Option<TypeUser<'_>> {
    let shape = &statement.shape;
    let name = shape.object()?;
    let tokens = &statement.tokens;
    let (kind, how, types) = match shape.kind {
        ShapeKind::Create(ObjectKind::Table) => (
            ObjectKind::Table,
            TypeUse::Column,
            element_types(table_elements(statement), statement.dialect),
        ),
        ShapeKind::AlterTable => {
            let (mut added, mut retyped) = (Vec::new(), Vec::new());
            for a in &shape.actions {
                let t = tokens_in(tokens, &a.range);
                match a.kind {
                    AlterActionKind::AddColumn => {
                        let i = crate::lint::columns::added_column_at(t);
                        let column = t.get(i).and_then(folded);
                        added.extend(type_at(t, i + 1).map(|r| (r, column)));
                    }
                    AlterActionKind::Other => retyped.extend(retyped_to(t)),
                    _ => {}
                }
            }
            let how = if added.is_empty() {
                TypeUse::Retyped
            } else {
                TypeUse::Column
            };
            added.extend(retyped);
            (ObjectKind::Table, how, added)
        }
        // `CREATE DOMAIN d [AS] mood …`
        ShapeKind::Create(ObjectKind::Domain) => {
            let mut at = after(tokens, name);
            if tokens.get(at).is_some_and(|t| t.is_kw("AS")) {
                at += 1;
            }
            (
                ObjectKind::Domain,
                TypeUse::Other,
                type_at(tokens, at).map(|r| (r, None)).into_iter().collect(),
            )
        }
        // A composite type: `CREATE TYPE c AS (a mood, …)`.
        ShapeKind::Create(ObjectKind::Type) => {
            let at = after(tokens, name);
            let composite = tokens.get(at).is_some_and(|t| t.is_kw("AS"))
                && tokens.get(at + 1).is_some_and(|t| t.is(&Token::LParen));
            if !composite {
                return None;
            }
            let types = element_types(
                parenthesised(tokens, at + 1).unwrap_or_default(),
                statement.dialect,
            );
            let types = types.into_iter().map(|(r, _)| (r, None)).collect();
            (ObjectKind::Type, TypeUse::Other, types)
        }
        ShapeKind::Create(kind @ (ObjectKind::Function | ObjectKind::Procedure)) => (
            kind,
            TypeUse::Other,
            no_columns(signature_types(tokens, name, statement.dialect)),
        ),
        ShapeKind::Create(kind @ (ObjectKind::View | ObjectKind::MaterializedView)) => {
            (kind, TypeUse::Other, no_columns(casts(tokens)))
        }
        _ => return None,
    };
    (!types.is_empty()).then_some(TypeUser {
        kind,
        name,
        how,
        types,
    })
}

/// The position of the first token after `name`.
fn after(tokens: &[Tok], name: &Name) -> usize {
    tokens.partition_point(|t| t.range.start < name.range.end)
}

/// The tokens inside the parentheses that open at `open`, split at top-level commas.
fn parenthesised(tokens: &[Tok], open: usize) -> Option<Vec<&[Tok]>> {
    if !tokens.get(open)?.is(&Token::LParen) {
        return None;
    }
    let close = crate::sql::lexer::matching_paren(tokens, open)?;
    Some(split_top(&tokens[open + 1..close], |t| t.is(&Token::Comma)))
}

/// The types of `name type …` elements (table columns, composite attributes, `RETURNS TABLE`
/// columns); constraints are skipped.
fn element_types(elements: Vec<&[Tok]>, dialect: Dialect) -> Vec<(TypeRef, Option<String>)> {
    elements
        .into_iter()
        .filter_map(|el| Some((type_at(el, 1)?, folded(column_name(el, dialect)?))))
        .collect()
}

fn no_columns(types: Vec<TypeRef>) -> Vec<(TypeRef, Option<String>)> {
    types.into_iter().map(|r| (r, None)).collect()
}

/// `ALTER [COLUMN] c [SET DATA] TYPE mood …`: the new type.
fn retyped_to(t: &[Tok]) -> Option<(TypeRef, Option<String>)> {
    let change = crate::lint::rules::alter_column_type_rerun::type_change(t)?;
    let at = t.iter().position(|x| x.range.start == change.type_start)?;
    Some((type_at(t, at)?, folded(change.column)))
}

/// The types of a function's or procedure's parameters and result (`RETURNS [SETOF] mood`,
/// `RETURNS TABLE (m mood)`), and of the casts outside string bodies (defaults, `BEGIN ATOMIC`).
fn signature_types(tokens: &[Tok], name: &Name, dialect: Dialect) -> Vec<TypeRef> {
    let open = after(tokens, name);
    let mut types = casts(tokens);
    for param in parenthesised(tokens, open).into_iter().flatten() {
        let mut p: &[Tok] = param;
        if let Some(end) = p
            .iter()
            .position(|t| t.is_kw("DEFAULT") || t.is(&Token::Eq))
        {
            p = &p[..end];
        }
        let mode = ["IN", "OUT", "INOUT", "VARIADIC"];
        if p.first().is_some_and(|t| mode.iter().any(|m| t.is_kw(m))) {
            p = &p[1..];
        }
        // `m mood` or `mood` (`public.mood`, `mood[]`): a word second is the type after a name.
        let named = p.get(1).is_some_and(|t| matches!(t.token, Token::Word(_)));
        types.extend(type_at(p, usize::from(named)));
    }
    let returns = tokens.iter().position(|t| t.is_kw("RETURNS"));
    if let Some(at) = returns.map(|r| r + 1) {
        if tokens.get(at).is_some_and(|t| t.is_kw("TABLE")) {
            let columns = element_types(parenthesised(tokens, at + 1).unwrap_or_default(), dialect);
            types.extend(columns.into_iter().map(|(r, _)| r));
        } else {
            let setof = tokens.get(at).is_some_and(|t| t.is_kw("SETOF"));
            types.extend(type_at(tokens, at + usize::from(setof)));
        }
    }
    types
}

/// The types of the casts of a statement: `x::mood`, `CAST(x AS mood)`. A string literal is one
/// token: what a string body casts to is not seen.
fn casts(tokens: &[Tok]) -> Vec<TypeRef> {
    let mut types = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if t.token == Token::DoubleColon {
            types.extend(type_at(tokens, i + 1));
        } else if t.is_kw("CAST") && tokens.get(i + 1).is_some_and(|x| x.is(&Token::LParen)) {
            // The `AS` of the cast's own parentheses (not one of a subquery inside).
            let mut depth = 0usize;
            for (j, x) in tokens.iter().enumerate().skip(i + 1) {
                match x.token {
                    Token::LParen => depth += 1,
                    Token::RParen => depth -= 1,
                    _ if depth == 1 && x.is_kw("AS") => {
                        types.extend(type_at(tokens, j + 1));
                        break;
                    }
                    _ => {}
                }
                if depth == 0 {
                    break;
                }
            }
        }
    }
    types
}

/// The type whose name starts at `at`: the digest of its folded base name, and its schema when
/// spelt (`mood`, `s.mood`, `mood[]`).
fn type_at(element: &[Tok], at: usize) -> Option<TypeRef> {
    let first = element.get(at)?;
    match (element.get(at + 1), element.get(at + 2)) {
        (Some(dot), Some(base)) if dot.is(&Token::Period) => Some((
            digest(folded(base)?.as_str()),
            folded(first).map(String::into_boxed_str),
        )),
        _ => Some((digest(folded(first)?.as_str()), None)),
    }
}
