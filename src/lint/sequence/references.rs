//! Foreign keys a statement creates or drops, as the replay keys them: which table references
//! which (PF125: a table the file creates after dropping its parent blocks that drop on a
//! retry), and `SET FOREIGN_KEY_CHECKS`, which lifts the block on MySQL and MariaDB.

use super::steps::folded;
use crate::sql::{AlterActionKind, Dialect, ObjectKind, ShapeKind, Statement, Tok};
use sqlparser::tokenizer::Token;

/// A foreign key from `child` to `parent` (base names folded, with the schema when spelt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference {
    pub(crate) child: String,
    pub(crate) child_schema: Option<String>,
    pub(crate) parent: String,
    pub(crate) parent_schema: Option<String>,
    /// The constraint's name when the statement gives one (`CONSTRAINT fk …`).
    pub(crate) name: Option<String>,
    /// The child's columns (`FOREIGN KEY (a, b)`, or the column an inline `REFERENCES`
    /// follows), folded; empty where the statement does not spell them.
    pub(crate) columns: Vec<String>,
    /// The parent's columns (`REFERENCES p (x, y)`), folded; empty where not spelt.
    pub(crate) parent_columns: Vec<String>,
    /// `ON DELETE SET NULL` or `ON UPDATE SET NULL`: the child's columns must allow NULL.
    pub(crate) sets_null: bool,
}

/// The foreign keys a top-level `CREATE TABLE` (not temporary) or `ALTER TABLE … ADD` creates.
/// MySQL parses and ignores a column's inline `REFERENCES`; MariaDB (10.5 on) and PostgreSQL
/// make a foreign key of it. A MySQL/MariaDB table of an engine other than InnoDB has none.
pub(crate) fn references(statement: &Statement, dialect: Dialect) -> Vec<Reference> {
    if dialect == Dialect::Sqlite {
        return Vec::new();
    }
    let shape = &statement.shape;
    let Some(table) = shape.object() else {
        return Vec::new();
    };
    let (child, child_schema) = (table.base().to_string(), schema_of(&table.parts));
    let tokens = &statement.tokens;
    // (`REFERENCES` at, name, columns, the end of the element or action).
    let found: Vec<(usize, Option<String>, Vec<String>, usize)> = match shape.kind {
        ShapeKind::Create(ObjectKind::Table) if !shape.temporary => {
            if dialect != Dialect::Postgres && !innodb(tokens) {
                return Vec::new();
            }
            table_elements(tokens)
                .into_iter()
                .filter_map(|element| {
                    let end = element.end;
                    let (at, name, columns) = element_reference(tokens, element, dialect)?;
                    Some((at, name, columns, end))
                })
                .collect()
        }
        ShapeKind::AlterTable => shape
            .actions
            .iter()
            .filter(|a| {
                matches!(
                    a.kind,
                    AlterActionKind::AddConstraint | AlterActionKind::AddColumn
                )
            })
            .filter_map(|a| {
                let start = tokens.iter().position(|t| t.range.start >= a.range.start)?;
                let end = tokens
                    .iter()
                    .rposition(|t| t.range.end <= a.range.end)
                    .map_or(start, |e| e + 1);
                let inline = a.kind == AlterActionKind::AddColumn;
                if inline && dialect == Dialect::Mysql {
                    return None;
                }
                let at = (start..end).find(|&k| tokens[k].is_kw("REFERENCES"))?;
                let name = (!inline)
                    .then(|| a.name.as_ref().map(|n| n.base().to_string()))
                    .flatten();
                let columns = if inline {
                    a.name
                        .iter()
                        .map(|n| crate::sql::fold_unquoted(n.base()))
                        .collect()
                } else {
                    columns_before(tokens, at)
                };
                Some((at, name, columns, end))
            })
            .collect(),
        _ => return Vec::new(),
    };
    found
        .into_iter()
        .filter_map(|(at, name, columns, end)| {
            let parts = name_after(tokens, at + 1);
            let parent = parts.last()?.clone();
            let after = at + 2 * parts.len();
            let parent_columns = if tokens.get(after).is_some_and(|t| t.is(&Token::LParen)) {
                paren_words(tokens, after)
            } else {
                Vec::new()
            };
            let sets_null = tokens
                .get(at..end)
                .unwrap_or_default()
                .windows(2)
                .any(|w| w[0].is_kw("SET") && w[1].is_kw("NULL"));
            Some(Reference {
                columns,
                parent_columns,
                sets_null,
                child: child.clone(),
                child_schema: child_schema.clone(),
                parent,
                parent_schema: schema_of(&parts),
                name,
            })
        })
        .collect()
}

fn schema_of(parts: &[String]) -> Option<String> {
    let n = parts.len();
    (n > 1).then(|| parts[n - 2].clone())
}

/// `ENGINE [=] x` among the table options (after the column list) names InnoDB, or there is
/// no ENGINE option (InnoDB is the default).
fn innodb(tokens: &[Tok]) -> bool {
    let after = table_elements(tokens).last().map_or(0, |e| e.end + 1);
    let options = tokens.get(after..).unwrap_or_default();
    let Some(at) = options.iter().position(|t| t.is_kw("ENGINE")) else {
        return true;
    };
    let mut k = at + 1;
    if options.get(k).is_some_and(|t| t.is(&Token::Eq)) {
        k += 1;
    }
    options.get(k).is_some_and(|t| t.is_kw("InnoDB"))
}

/// The token index ranges of the top-level elements of `CREATE TABLE t (…)`.
fn table_elements(tokens: &[Tok]) -> Vec<std::ops::Range<usize>> {
    let Some(open) = tokens.iter().position(|t| t.is(&Token::LParen)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = open + 1;
    for (k, t) in tokens.iter().enumerate().skip(open) {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    out.push(start..k);
                    break;
                }
            }
            Token::Comma if depth == 1 => {
                out.push(start..k);
                start = k + 1;
            }
            _ => {}
        }
    }
    out
}

/// The `REFERENCES` of one table element, as (token index, constraint name, child columns): a
/// table constraint `[CONSTRAINT name] FOREIGN KEY (…) REFERENCES p`, or a column's inline
/// `REFERENCES p` (not on MySQL, which ignores it).
fn element_reference(
    tokens: &[Tok],
    range: std::ops::Range<usize>,
    dialect: Dialect,
) -> Option<(usize, Option<String>, Vec<String>)> {
    let start = range.start;
    let element = &tokens[range];
    let first = element.first()?;
    let at = start + element.iter().position(|t| t.is_kw("REFERENCES"))?;
    let named = first.is_kw("CONSTRAINT");
    let constraint = named || first.is_kw("FOREIGN");
    if !constraint && dialect == Dialect::Mysql {
        return None;
    }
    let name = if named {
        element.get(1).and_then(folded)
    } else {
        // A column's own `CONSTRAINT name REFERENCES p` (PostgreSQL).
        element
            .windows(3)
            .find(|w| w[0].is_kw("CONSTRAINT") && w[2].is_kw("REFERENCES"))
            .and_then(|w| folded(&w[1]))
    };
    let columns = if constraint {
        columns_before(tokens, at)
    } else {
        folded(first).into_iter().collect()
    };
    Some((at, name, columns))
}

/// The folded names of the parenthesised list that ends right before token `at`
/// (`FOREIGN KEY (a, b) REFERENCES`); empty when there is none.
fn columns_before(tokens: &[Tok], at: usize) -> Vec<String> {
    if !at
        .checked_sub(1)
        .and_then(|k| tokens.get(k))
        .is_some_and(|t| t.is(&Token::RParen))
    {
        return Vec::new();
    }
    let Some(open) = tokens[..at].iter().rposition(|t| t.is(&Token::LParen)) else {
        return Vec::new();
    };
    paren_words(tokens, open)
}

/// The folded names in the parentheses that open at token `open`, one per top-level item;
/// empty when an item is not one plain name (an expression, a prefix length).
fn paren_words(tokens: &[Tok], open: usize) -> Vec<String> {
    let Some(close) = crate::sql::lexer::matching_paren(tokens, open) else {
        return Vec::new();
    };
    let inner = &tokens[open + 1..close];
    let items = crate::sql::dynamic::split_top(inner, |t| t.is(&Token::Comma));
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item {
            [only] => match folded(only) {
                Some(name) => out.push(name),
                None => return Vec::new(),
            },
            _ => return Vec::new(),
        }
    }
    out
}

/// The parts of the (possibly qualified) table name that starts at token `k`, keyed as a
/// table's ([`crate::sql::folded_table`]).
fn name_after(tokens: &[Tok], mut k: usize) -> Vec<String> {
    let mut parts = Vec::new();
    while let Some(part) = tokens.get(k).and_then(crate::sql::folded_table) {
        parts.push(part);
        if tokens.get(k + 1).is_some_and(|t| t.is(&Token::Period)) {
            k += 2;
        } else {
            break;
        }
    }
    parts
}

/// What a top-level `SET` does to `foreign_key_checks` for the session: `Some(true)` turns it
/// on, `Some(false)` off, `None` leaves it alone. A value preflight cannot read
/// (`@OLD_FOREIGN_KEY_CHECKS`) is `Unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum ForeignKeyChecks {
    #[default]
    On,
    Off,
    Unknown,
}

/// The session's `foreign_key_checks` after `statement`, given the value before it
/// (MySQL/MariaDB): `SET [SESSION|LOCAL] foreign_key_checks = 0`, `SET @@foreign_key_checks = 0`,
/// `SET @@session.foreign_key_checks = OFF`, mysqldump's `/*!40014 SET …, FOREIGN_KEY_CHECKS=0
/// */`. `SET GLOBAL` changes other sessions only.
pub(crate) fn foreign_key_checks_after(
    statement: &Statement,
    before: ForeignKeyChecks,
) -> ForeignKeyChecks {
    let tokens = &statement.tokens;
    if !tokens.first().is_some_and(|t| t.is_kw("SET")) {
        return before;
    }
    let mut state = before;
    // One assignment per top-level comma.
    for assignment in tokens[1..].split(|t| t.is(&Token::Comma)) {
        let Some(eq) = assignment
            .iter()
            .position(|t| t.is(&Token::Eq) || t.is(&Token::Assignment))
        else {
            continue;
        };
        let target: String = assignment[..eq]
            .iter()
            .map(|t| t.token.to_string().to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join(" ");
        let target = target
            .replace(" . ", ".")
            .replace(" .", ".")
            .replace(". ", ".");
        let target = target.trim_start_matches("@ @").replace("@@", "");
        let words: Vec<&str> = target.split([' ', '.']).filter(|w| !w.is_empty()).collect();
        let Some((&last, scope)) = words.split_last() else {
            continue;
        };
        if last != "foreign_key_checks" {
            continue;
        }
        if scope.iter().any(|w| *w == "global" || *w == "persist") {
            continue;
        }
        let value: Vec<String> = assignment[eq + 1..]
            .iter()
            .map(|t| t.token.to_string().to_ascii_lowercase())
            .collect();
        state = match value.iter().map(String::as_str).collect::<Vec<_>>()[..] {
            ["0"] | ["off"] | ["false"] | ["'off'"] => ForeignKeyChecks::Off,
            ["1"] | ["on"] | ["true"] | ["'on'"] => ForeignKeyChecks::On,
            _ => ForeignKeyChecks::Unknown,
        };
    }
    state
}

/// `ALTER TABLE t DROP FOREIGN KEY x` / `DROP CONSTRAINT x`: (table, constraint) pairs.
pub(super) fn dropped_constraints(statement: &Statement) -> Vec<(String, String)> {
    let shape = &statement.shape;
    let (ShapeKind::AlterTable, Some(table)) = (&shape.kind, shape.object()) else {
        return Vec::new();
    };
    shape
        .actions
        .iter()
        .filter(|a| a.kind == AlterActionKind::DropConstraint)
        .map(|a| {
            (
                table.base().to_string(),
                a.name
                    .as_ref()
                    .map(|n| n.base().to_string())
                    .unwrap_or_default(),
            )
        })
        .collect()
}
