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
        let mut keys: Vec<ElementKey> = Vec::new();
        for element in super::dynamic::split_top(&tokens[open + 1..close], |t| t.is(&Token::Comma))
        {
            element_keys(table, element, statement.dialect, fold, &mut keys);
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
            out.extend(keys.into_iter().map(|k| k.key));
        }
    }
    out
}

/// A key as one element of a `CREATE TABLE` declares it, for [`merged_keys`].
struct ElementKey {
    key: DeclaredKey,
    /// The element names it (`CONSTRAINT k …`).
    named: bool,
    /// What else PostgreSQL compares before it merges two keys on the same columns.
    options: KeyOptions,
}

/// The options of a key that tell two keys on the same columns apart (PostgreSQL 15,
/// transformIndexConstraints): `DEFERRABLE`, `INITIALLY DEFERRED` (which makes a key
/// deferrable too), `NULLS NOT DISTINCT`, and the columns of `INCLUDE (…)`. `NOT DEFERRABLE`,
/// `INITIALLY IMMEDIATE`, `NULLS DISTINCT`, `WITH (…)` and `USING INDEX TABLESPACE` change
/// nothing there.
#[derive(Debug, Default, PartialEq, Eq)]
struct KeyOptions {
    deferrable: bool,
    deferred: bool,
    nulls_not_distinct: bool,
    include: Vec<String>,
}

/// The keys one `CREATE TABLE` makes of those its elements declare, as PostgreSQL makes them
/// (15, transformIndexConstraints): the primary key first, then each other key in order, where
/// a key on the same columns (in the same order) with the same options ([`KeyOptions`]) as an
/// earlier one adds no constraint but gives the earlier its name when that has none. `id int
/// PRIMARY KEY, CONSTRAINT p_u UNIQUE (id)` makes one key, the primary key `p_u`; so do two
/// `UNIQUE (a) DEFERRABLE`, or two `UNIQUE NULLS NOT DISTINCT (a)`, but not `UNIQUE (a)` and
/// `UNIQUE (a) DEFERRABLE`. An ALTER TABLE's actions make a key each.
fn merged_keys(keys: Vec<ElementKey>) -> Vec<DeclaredKey> {
    let (primary, others): (Vec<_>, Vec<_>) = keys.into_iter().partition(|k| k.key.is_primary);
    let mut out: Vec<ElementKey> = Vec::new();
    for k in primary.into_iter().chain(others) {
        let prior = out.iter_mut().find(|prior| {
            !k.key.columns.is_empty()
                && prior.key.columns == k.key.columns
                && prior.options == k.options
        });
        match prior {
            Some(prior) => {
                if !prior.named && k.named {
                    prior.key.name = k.key.name;
                    prior.named = true;
                }
            }
            None => out.push(k),
        }
    }
    out.into_iter().map(|k| k.key).collect()
}

/// The [`KeyOptions`] of the key whose declaration goes on with `rest` (after its `PRIMARY KEY`
/// or `UNIQUE`), up to where the element declares another constraint of its column.
fn key_options(rest: &[Tok], fold: &dyn Fn(&Tok) -> Option<String>) -> KeyOptions {
    let mut options = KeyOptions::default();
    let mut depth = 0usize;
    for (k, t) in rest.iter().enumerate() {
        let next = |w: &str| rest.get(k + 1).is_some_and(|n| n.is_kw(w));
        let prev = |w: &str| k > 0 && rest[k - 1].is_kw(w);
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            _ if [
                "CONSTRAINT",
                "PRIMARY",
                "UNIQUE",
                "CHECK",
                "REFERENCES",
                "DEFAULT",
            ]
            .iter()
            .any(|w| t.is_kw(w))
                || (t.is_kw("NOT") && next("NULL"))
                || (t.is_kw("NULL") && !prev("NOT")) =>
            {
                break
            }
            _ if t.is_kw("DEFERRABLE") && !prev("NOT") => options.deferrable = true,
            _ if t.is_kw("DEFERRED") && prev("INITIALLY") => {
                options.deferrable = true;
                options.deferred = true;
            }
            _ if t.is_kw("DISTINCT") && prev("NOT") => options.nulls_not_distinct = true,
            _ if t.is_kw("INCLUDE") && rest.get(k + 1).is_some_and(|n| n.is(&Token::LParen)) => {
                let close = super::lexer::matching_paren(rest, k + 1).unwrap_or(rest.len());
                options.include = rest[k + 2..close].iter().filter_map(fold).collect();
            }
            _ => {}
        }
    }
    options
}

/// PostgreSQL's column part of a key's default name (ChooseIndexColumnNames): its columns, then
/// those of `INCLUDE (…)`, joined by `_`, a name taken earlier in the list numbered (`UNIQUE
/// (a, b) INCLUDE (a)`: `a_b_a1`).
fn key_name_columns(columns: &[String], include: &[String]) -> String {
    let mut names: Vec<String> = Vec::new();
    for column in columns.iter().chain(include) {
        let mut name = column.clone();
        let mut n = 0;
        while names.contains(&name) {
            n += 1;
            name = format!("{column}{n}");
        }
        names.push(name);
    }
    names.join("_")
}

/// The keys of one element of a table's definition, as [`declared_keys`] gives them: a table
/// constraint (`[CONSTRAINT k] PRIMARY KEY (a, b)`, `UNIQUE [NULLS NOT DISTINCT] (a)`), or a
/// column's (`id int [CONSTRAINT k] PRIMARY KEY`, `code int UNIQUE`).
/// With whether the element names the key, and its options.
fn element_keys(
    table: &str,
    element: &[Tok],
    dialect: Dialect,
    fold: &dyn Fn(&Tok) -> Option<String>,
    out: &mut Vec<ElementKey>,
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
                    let options = key_options(&element[k + 1..], fold);
                    // `USING INDEX i`: named `i` unless the element names it; any other key
                    // only with its columns.
                    let name = match index {
                        Some(index) => Some(name.unwrap_or(index)),
                        None if columns.is_empty() => None,
                        None => Some(name.unwrap_or_else(|| {
                            if is_primary {
                                object_name(table, None, "pkey")
                            } else {
                                let columns = key_name_columns(&columns, &options.include);
                                object_name(table, Some(&columns), "key")
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
                        out.push(ElementKey {
                            key,
                            named,
                            options,
                        });
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
            // Keys with the same options merge (checked on PostgreSQL 15): both deferrable,
            // `INITIALLY DEFERRED` with `DEFERRABLE INITIALLY DEFERRED`, both `NULLS NOT
            // DISTINCT`, `NULLS DISTINCT` with neither, the same INCLUDE, storage options aside.
            ("CREATE TABLE p (a int UNIQUE DEFERRABLE, CONSTRAINT p_n UNIQUE (a) DEFERRABLE);", &[("p_n", false)]),
            ("CREATE TABLE p (a int, UNIQUE (a) INITIALLY DEFERRED, CONSTRAINT p_n UNIQUE (a) DEFERRABLE INITIALLY DEFERRED);", &[("p_n", false)]),
            ("CREATE TABLE p (a int, UNIQUE NULLS NOT DISTINCT (a), CONSTRAINT p_n UNIQUE NULLS NOT DISTINCT (a));", &[("p_n", false)]),
            ("CREATE TABLE p (a int, UNIQUE NULLS DISTINCT (a), CONSTRAINT p_n UNIQUE (a) NOT DEFERRABLE INITIALLY IMMEDIATE);", &[("p_n", false)]),
            ("CREATE TABLE p (a int, b int, UNIQUE (a) INCLUDE (b), CONSTRAINT p_n UNIQUE (a) INCLUDE (b));", &[("p_n", false)]),
            ("CREATE TABLE p (a int, UNIQUE (a) WITH (fillfactor = 70), CONSTRAINT p_n UNIQUE (a));", &[("p_n", false)]),
            ("CREATE TABLE p (a int PRIMARY KEY DEFERRABLE, CONSTRAINT p_n UNIQUE (a) DEFERRABLE);", &[("p_n", true)]),
            // Other options: a key each, a key with INCLUDE named for those columns too.
            ("CREATE TABLE p (a int, UNIQUE (a) DEFERRABLE INITIALLY DEFERRED, UNIQUE (a) DEFERRABLE);", &[("p_a_key", false), ("p_a_key", false)]),
            ("CREATE TABLE p (a int PRIMARY KEY, UNIQUE NULLS NOT DISTINCT (a));", &[("p_pkey", true), ("p_a_key", false)]),
            ("CREATE TABLE p (a int PRIMARY KEY DEFERRABLE UNIQUE);", &[("p_pkey", true), ("p_a_key", false)]),
            ("CREATE TABLE p (a int UNIQUE DEFERRABLE PRIMARY KEY);", &[("p_pkey", true), ("p_a_key", false)]),
            ("CREATE TABLE p (a int, b int, UNIQUE (a) INCLUDE (b), UNIQUE (a));", &[("p_a_b_key", false), ("p_a_key", false)]),
            ("CREATE TABLE p (a int, b int, UNIQUE (a, b) INCLUDE (a));", &[("p_a_b_a1_key", false)]),
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
