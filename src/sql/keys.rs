//! The primary keys and unique constraints a statement declares on a table's columns, named as
//! PostgreSQL names them: which key a foreign key to some columns depends on, and which one a
//! later `DROP CONSTRAINT … CASCADE` takes along.

use super::lexer::Tok;
use super::{folded, AlterActionKind, Dialect, ObjectKind, ShapeKind, Statement};
use sqlparser::tokenizer::Token;

/// A primary key or unique constraint a statement declares, folded; unnamed, under
/// PostgreSQL's default name (`p_pkey`, `p_code_key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredKey {
    /// The table the key is on.
    pub table: String,
    /// The constraint's name.
    pub name: String,
    /// Its columns, in order; none for `USING INDEX i`, whose columns lint does not know.
    pub columns: Vec<String>,
    /// Whether it is the primary key (else a unique constraint).
    pub is_primary: bool,
}

/// The primary keys and unique constraints a `CREATE TABLE p (…)` declares, or an `ALTER TABLE
/// p ADD …` adds (`ADD [CONSTRAINT k] PRIMARY KEY (a, b)`, `ADD COLUMN code int UNIQUE`), on
/// columns, for the lint's record of the keys the file declares; one `USING INDEX i` without
/// its columns, named `i` when the action names it not.
pub fn declared_keys(statement: &Statement) -> Vec<DeclaredKey> {
    let Some(table) = statement.shape.object() else {
        return Vec::new();
    };
    keys_folded(statement, table.base(), &folded)
}

/// [`declared_keys`] with their names, tables and columns as the catalog stores them
/// ([`super::folded_in`]: PostgreSQL folds only ASCII letters), the table's name `table` so
/// stored: for a catalog check to compare with.
pub(crate) fn stored_keys(statement: &Statement, table: &str) -> Vec<DeclaredKey> {
    keys_folded(statement, table, &|t| {
        super::folded_in(t, statement.dialect)
    })
}

/// [`declared_keys`], of table `table`, with names folded by `fold`.
fn keys_folded(
    statement: &Statement,
    table: &str,
    fold: &dyn Fn(&Tok) -> Option<String>,
) -> Vec<DeclaredKey> {
    let shape = &statement.shape;
    let tokens = &statement.tokens;
    let mut out = Vec::new();
    if !tokens
        .iter()
        .any(|t| t.is_kw("PRIMARY") || t.is_kw("UNIQUE"))
    {
        return out;
    }
    if shape.kind == ShapeKind::Create(ObjectKind::Table) {
        let Some(open) = tokens.iter().position(|t| t.is(&Token::LParen)) else {
            return out;
        };
        let Some(close) = super::lexer::matching_paren(tokens, open) else {
            return out;
        };
        // (key, named, plain: neither deferrable, nor NULLS NOT DISTINCT, nor with INCLUDE).
        let mut keys: Vec<(DeclaredKey, bool, bool)> = Vec::new();
        for element in super::dynamic::split_top(&tokens[open + 1..close], |t| t.is(&Token::Comma))
        {
            let plain = !element.iter().enumerate().any(|(j, t)| {
                (t.is_kw("DEFERRABLE") && !(j > 0 && element[j - 1].is_kw("NOT")))
                    || (t.is_kw("DISTINCT") && j > 0 && element[j - 1].is_kw("NOT"))
                    || t.is_kw("INCLUDE")
            });
            let mut named = Vec::new();
            element_keys(table, element, statement.dialect, fold, &mut named);
            keys.extend(named.into_iter().map(|(key, named)| (key, named, plain)));
        }
        out = merged_keys(keys);
    } else if shape.kind == ShapeKind::AlterTable {
        for action in &shape.actions {
            let words = super::tokens_in(tokens, &action.range);
            let mut rest = words.get(1..).unwrap_or_default();
            match action.kind {
                AlterActionKind::AddConstraint => {}
                AlterActionKind::AddColumn => {
                    if rest.first().is_some_and(|t| t.is_kw("COLUMN")) {
                        rest = &rest[1..];
                    }
                    if rest.first().is_some_and(|t| t.is_kw("IF")) {
                        rest = rest.get(3..).unwrap_or_default();
                    }
                }
                _ => continue,
            }
            let mut keys = Vec::new();
            element_keys(table, rest, statement.dialect, fold, &mut keys);
            out.extend(keys.into_iter().map(|(key, _)| key));
        }
    }
    out
}

/// The keys one `CREATE TABLE` makes of those its elements declare (`keys`: with whether the
/// element names each, and whether it is plain), as PostgreSQL makes them (15,
/// transformIndexConstraints): the primary key first, then each other key in order, where a
/// plain key on the same columns (in the same order) as an earlier plain one adds no
/// constraint but gives the earlier its name when that has none. `id int PRIMARY KEY,
/// CONSTRAINT p_u UNIQUE (id)` makes one key, the primary key `p_u`. An ALTER TABLE's actions
/// make a key each.
fn merged_keys(keys: Vec<(DeclaredKey, bool, bool)>) -> Vec<DeclaredKey> {
    let (primary, others): (Vec<_>, Vec<_>) =
        keys.into_iter().partition(|(key, _, _)| key.is_primary);
    let mut out: Vec<(DeclaredKey, bool, bool)> = Vec::new();
    for (key, named, plain) in primary.into_iter().chain(others) {
        let prior = out
            .iter_mut()
            .find(|(prior, _, prior_plain)| plain && *prior_plain && prior.columns == key.columns);
        match prior {
            Some((prior, prior_named, _)) => {
                if !*prior_named && named {
                    prior.name = key.name;
                    *prior_named = true;
                }
            }
            None => out.push((key, named, plain)),
        }
    }
    out.into_iter().map(|(key, _, _)| key).collect()
}

/// The keys of one element of a table's definition, as [`declared_keys`] gives them: a table
/// constraint (`[CONSTRAINT k] PRIMARY KEY (a, b)`, `UNIQUE [NULLS NOT DISTINCT] (a)`), or a
/// column's (`id int [CONSTRAINT k] PRIMARY KEY`, `code int UNIQUE`).
/// With whether the element names the key.
fn element_keys(
    table: &str,
    element: &[Tok],
    dialect: Dialect,
    fold: &dyn Fn(&Tok) -> Option<String>,
    out: &mut Vec<(DeclaredKey, bool)>,
) {
    // Another constraint of the column: a name before it is not the key's.
    const OTHER_CONSTRAINT: &[&str] =
        &["CHECK", "REFERENCES", "NOT", "NULL", "DEFAULT", "GENERATED"];
    let column = element
        .first()
        .filter(|_| !super::shape::starts_non_column(element, dialect))
        .and_then(fold);
    let (mut depth, mut name) = (0usize, None);
    let mut k = usize::from(column.is_some());
    while let Some(t) = element.get(k) {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            _ if t.is_kw("CONSTRAINT") => {
                name = element.get(k + 1).and_then(fold);
                k += 1;
            }
            _ if OTHER_CONSTRAINT.iter().any(|w| t.is_kw(w)) => name = None,
            _ => {
                let is_primary =
                    t.is_kw("PRIMARY") && element.get(k + 1).is_some_and(|n| n.is_kw("KEY"));
                if is_primary || t.is_kw("UNIQUE") {
                    k += usize::from(is_primary);
                    let (columns, index) = match &column {
                        Some(column) => (vec![column.clone()], None),
                        None => table_key_columns(&element[k + 1..], fold),
                    };
                    let name = name.take();
                    let named = name.is_some();
                    // `USING INDEX i`: named `i` unless the element names it; any other key
                    // only with its columns.
                    let name = match index {
                        Some(index) => Some(name.unwrap_or(index)),
                        None if columns.is_empty() => None,
                        None => Some(name.unwrap_or_else(|| {
                            if is_primary {
                                object_name(table, None, "pkey")
                            } else {
                                object_name(table, Some(&columns.join("_")), "key")
                            }
                        })),
                    };
                    if let Some(name) = name {
                        let key = DeclaredKey {
                            table: table.to_string(),
                            name,
                            columns,
                            is_primary,
                        };
                        out.push((key, named));
                    }
                }
            }
        }
        k += 1;
    }
}

/// PostgreSQL's name for a derived object (`makeObjectName`): `name1[_name2]_label`, the
/// longer of `name1` and `name2` cut first to fit 63 bytes.
pub(crate) fn object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    crate::reconcile::expected::Engine::Postgres.generated(name1, name2, label)
}

/// The columns of a table constraint's key, from `rest`, what follows its `PRIMARY KEY` or
/// `UNIQUE`: `(a, b)`, after `NULLS [NOT] DISTINCT`; none, with the index's name, for `USING
/// INDEX i` (`ADD [CONSTRAINT k] PRIMARY KEY USING INDEX i`: columns lint does not know, and
/// the name the key takes when the action gives none); else none.
fn table_key_columns(
    rest: &[Tok],
    fold: &dyn Fn(&Tok) -> Option<String>,
) -> (Vec<String>, Option<String>) {
    let open = rest
        .iter()
        .take_while(|t| t.is_kw("NULLS") || t.is_kw("NOT") || t.is_kw("DISTINCT"))
        .count();
    match rest.get(open) {
        Some(t) if t.is(&Token::LParen) => {
            let close = super::lexer::matching_paren(rest, open).unwrap_or(rest.len());
            (
                rest[open + 1..close].iter().filter_map(fold).collect(),
                None,
            )
        }
        Some(t)
            if t.is_kw("USING")
                && rest.get(open + 1).is_some_and(|t| t.is_kw("INDEX"))
                && !rest.get(open + 2).is_some_and(|t| t.is_kw("TABLESPACE")) =>
        {
            (Vec::new(), rest.get(open + 2).and_then(fold))
        }
        _ => (Vec::new(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::{declared_keys, DeclaredKey};
    use crate::source::SourceFile;
    use crate::sql::{parse_source, Dialect};

    #[test]
    fn a_create_table_makes_one_key_of_those_it_declares_on_the_same_columns() {
        // (the statement, the keys PostgreSQL 15 makes: name, primary)
        for (sql, expected) in [
            ("CREATE TABLE p (id int PRIMARY KEY, CONSTRAINT p_u UNIQUE (id));", &[("p_u", true)][..]),
            ("CREATE TABLE p (id int, CONSTRAINT p_u UNIQUE (id), PRIMARY KEY (id));", &[("p_u", true)]),
            ("CREATE TABLE p (id int CONSTRAINT p_k PRIMARY KEY, CONSTRAINT p_u UNIQUE (id));", &[("p_k", true)]),
            ("CREATE TABLE p (id int PRIMARY KEY UNIQUE);", &[("p_pkey", true)]),
            ("CREATE TABLE p (a int, b int, PRIMARY KEY (a, b), CONSTRAINT p_u UNIQUE (a, b), CONSTRAINT p_v UNIQUE (a, b));", &[("p_u", true)]),
            ("CREATE TABLE p (id int UNIQUE, CONSTRAINT p_u UNIQUE (id));", &[("p_u", false)]),
            // Other columns, another order, a deferrable key: a key of its own.
            ("CREATE TABLE p (a int, b int, PRIMARY KEY (a, b), CONSTRAINT p_u UNIQUE (b, a));", &[("p_pkey", true), ("p_u", false)]),
            ("CREATE TABLE p (id int PRIMARY KEY, CONSTRAINT p_u UNIQUE (id) DEFERRABLE);", &[("p_pkey", true), ("p_u", false)]),
            // An ALTER TABLE's actions each add one.
            ("ALTER TABLE p ADD PRIMARY KEY (id), ADD CONSTRAINT p_u UNIQUE (id);", &[("p_pkey", true), ("p_u", false)]),
        ] {
            let parsed = parse_source(&SourceFile::new("m.sql", sql), Dialect::Postgres);
            let keys: Vec<(String, bool)> = declared_keys(&parsed.statements[0])
                .into_iter()
                .map(|key| (key.name, key.is_primary))
                .collect();
            let expected: Vec<(String, bool)> =
                expected.iter().map(|(n, p)| (n.to_string(), *p)).collect();
            assert_eq!(keys, expected, "{sql}");
        }
    }

    #[test]
    fn the_keys_a_statement_declares_are_read_with_their_columns_and_names() {
        let sql = "CREATE TABLE p (id int PRIMARY KEY, code numeric(4, 0) CONSTRAINT p_c UNIQUE, n int CONSTRAINT n_nn NOT NULL UNIQUE, a int, b int, UNIQUE NULLS NOT DISTINCT (a, b), CONSTRAINT p_ab CHECK (a > b));\n\
                   ALTER TABLE q ADD CONSTRAINT q_pk PRIMARY KEY (x, y), ADD UNIQUE (z), ADD COLUMN IF NOT EXISTS w int UNIQUE REFERENCES p (id);\n\
                   ALTER TABLE r ADD CONSTRAINT r_pk PRIMARY KEY USING INDEX r_idx, ADD CONSTRAINT r_fk FOREIGN KEY (a) REFERENCES p (id);\n";
        let parsed = parse_source(&SourceFile::new("m.sql", sql), Dialect::Postgres);
        let keys: Vec<_> = parsed.statements.iter().flat_map(declared_keys).collect();
        let key = |t: &str, name: &str, columns: &[&str], is_primary: bool| DeclaredKey {
            table: t.to_string(),
            name: name.to_string(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            is_primary,
        };
        assert_eq!(
            keys,
            vec![
                key("p", "p_pkey", &["id"], true),
                key("p", "p_c", &["code"], false),
                key("p", "p_n_key", &["n"], false),
                key("p", "p_a_b_key", &["a", "b"], false),
                key("q", "q_pk", &["x", "y"], true),
                key("q", "q_z_key", &["z"], false),
                key("q", "q_w_key", &["w"], false),
                key("r", "r_pk", &[], true),
            ]
        );
    }
}
