//! Column definitions as the schema-design rules (PF401–PF406, PF414) see them, read from the
//! statement's tokens (no re-parsing): the columns of `CREATE TABLE (…)`, `ALTER TABLE … ADD
//! COLUMN` and the new type of `ALTER COLUMN … [SET DATA] TYPE`.

use super::rule::{StatementCx, Violation};
use super::safety::alter_column;
use super::sequence::Key;
use crate::sql::{
    tokens_in, AlterActionKind, Dialect, Name, ObjectKind, ShapeKind, Statement, Tok,
};
use sqlparser::tokenizer::Token;
use std::ops::Range;

/// What a column type is, for the type-preference rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeClass {
    /// `int`, `integer`, `int4`.
    Int,
    /// `smallint`, `int2`.
    Smallint,
    /// `serial`, `serial4`: a 32-bit integer with a sequence.
    Serial,
    /// `smallserial`, `serial2`.
    SmallSerial,
    /// `bigserial`, `serial8`.
    BigSerial,
    /// `varchar(n)`, `character varying(n)`.
    VarcharWithLength,
    /// `char`, `character`, `char(n)`, `bpchar`, `"char"`.
    Char,
    /// `timestamp`, `timestamp(n)`, `timestamp without time zone`.
    TimestampWithoutTz,
    Other,
}

impl TypeClass {
    pub fn is_int(self) -> bool {
        matches!(self, TypeClass::Int | TypeClass::Serial)
    }

    pub fn is_smallint(self) -> bool {
        matches!(self, TypeClass::Smallint | TypeClass::SmallSerial)
    }

    pub fn is_serial(self) -> bool {
        matches!(
            self,
            TypeClass::Serial | TypeClass::SmallSerial | TypeClass::BigSerial
        )
    }
}

/// One column type written in a statement.
#[derive(Debug, Clone)]
pub struct ColumnType {
    /// The type's words (`character varying`, `timestamp(3) without time zone`).
    pub range: Range<usize>,
    pub class: TypeClass,
}

/// Every column type the statement writes: the columns of a `CREATE TABLE`, added columns and
/// `ALTER COLUMN … TYPE`.
pub fn column_types(statement: &Statement) -> Vec<ColumnType> {
    let shape = &statement.shape;
    let tokens = &statement.tokens;
    match shape.kind {
        ShapeKind::Create(ObjectKind::Table) => table_elements(statement)
            .into_iter()
            .filter_map(|el| column_of(el, 0, statement.dialect))
            .collect(),
        ShapeKind::AlterTable => shape
            .actions
            .iter()
            .filter_map(|a| {
                let t = tokens_in(tokens, &a.range);
                match a.kind {
                    AlterActionKind::AddColumn => {
                        column_of(t, added_column_at(t), statement.dialect)
                    }
                    AlterActionKind::Other => altered_type(t),
                    _ => None,
                }
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The top-level elements of `CREATE TABLE name (…)`; none for `AS`, `OF`, `PARTITION OF`.
pub fn table_elements(statement: &Statement) -> Vec<&[Tok]> {
    let tokens = &statement.tokens;
    let Some(name) = statement.shape.object() else {
        return Vec::new();
    };
    let open = tokens.partition_point(|t| t.range.start < name.range.end);
    if !tokens.get(open).is_some_and(|t| t.is(&Token::LParen)) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = open + 1;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => {
                depth -= 1;
                if depth == 0 {
                    out.push(&tokens[start..i]);
                    break;
                }
            }
            Token::Comma if depth == 1 => {
                out.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.retain(|el| !el.is_empty());
    out
}

/// A table element (of a statement in `dialect`) that defines a column: its name token.
pub fn column_name(element: &[Tok], dialect: Dialect) -> Option<&Tok> {
    let first = element.first()?;
    let keyword = crate::sql::shape::starts_non_column(element, dialect);
    (!keyword && element.len() > 1).then_some(first)
}

/// Where the column's name stands in an `ADD [COLUMN] [IF NOT EXISTS] name type …` action's
/// tokens.
pub fn added_column_at(action: &[Tok]) -> usize {
    let at = 1 + usize::from(action.get(1).is_some_and(|x| x.is_kw("COLUMN")));
    if action.get(at).is_some_and(|x| x.is_kw("IF")) {
        at + 3
    } else {
        at
    }
}

/// `name type …` with the name at `at`.
fn column_of(tokens: &[Tok], at: usize, dialect: Dialect) -> Option<ColumnType> {
    let element = &tokens[at.min(tokens.len())..];
    column_name(element, dialect)?;
    let (range, class) = classify(&element[1..])?;
    Some(ColumnType { range, class })
}

/// `ALTER [COLUMN] name [SET DATA] TYPE type …`.
fn altered_type(t: &[Tok]) -> Option<ColumnType> {
    if !t.first()?.is_kw("ALTER") {
        return None;
    }
    let name_at = 1 + usize::from(t.get(1)?.is_kw("COLUMN"));
    let mut i = name_at + 1;
    if t.get(i)?.is_kw("SET") && t.get(i + 1)?.is_kw("DATA") {
        i += 2;
    }
    if !t.get(i)?.is_kw("TYPE") {
        return None;
    }
    let (range, class) = classify(&t[i + 1..])?;
    Some(ColumnType { range, class })
}

/// The type at the start of `t`: its bytes and class.
fn classify(t: &[Tok]) -> Option<(Range<usize>, TypeClass)> {
    let mut i = 0;
    // `pg_catalog.int4`
    if t.first()?.is_kw("PG_CATALOG") && t.get(1).is_some_and(|x| x.is(&Token::Period)) {
        i = 2;
    }
    let first = t.get(i)?;
    let word = |j: usize, kw: &str| t.get(j).is_some_and(|x| x.is_kw(kw));
    let paren_at = |j: usize| t.get(j).is_some_and(|x| x.is(&Token::LParen));
    // The end of a `(…)` starting at `j`, else `j`.
    let after_parens = |j: usize| -> usize {
        if !paren_at(j) {
            return j;
        }
        t[j..]
            .iter()
            .position(|x| x.is(&Token::RParen))
            .map_or(j, |p| j + p + 1)
    };
    let (class, end) = match &first.token {
        Token::Word(w) if w.quote_style == Some('"') && w.value == "char" => {
            (TypeClass::Char, i + 1)
        }
        Token::Word(w) if w.quote_style.is_none() => match w.value.to_ascii_lowercase().as_str() {
            "int" | "integer" | "int4" => (TypeClass::Int, i + 1),
            "smallint" | "int2" => (TypeClass::Smallint, i + 1),
            "serial" | "serial4" => (TypeClass::Serial, i + 1),
            "smallserial" | "serial2" => (TypeClass::SmallSerial, i + 1),
            "bigserial" | "serial8" => (TypeClass::BigSerial, i + 1),
            "varchar" if paren_at(i + 1) => (TypeClass::VarcharWithLength, after_parens(i + 1)),
            "character" if word(i + 1, "VARYING") => {
                if paren_at(i + 2) {
                    (TypeClass::VarcharWithLength, after_parens(i + 2))
                } else {
                    (TypeClass::Other, i + 2)
                }
            }
            "char" | "character" | "bpchar" => (TypeClass::Char, after_parens(i + 1)),
            "timestamp" => {
                let j = after_parens(i + 1);
                if word(j, "WITH") && word(j + 1, "TIME") && word(j + 2, "ZONE") {
                    (TypeClass::Other, j + 3)
                } else if word(j, "WITHOUT") && word(j + 1, "TIME") && word(j + 2, "ZONE") {
                    (TypeClass::TimestampWithoutTz, j + 3)
                } else {
                    (TypeClass::TimestampWithoutTz, j)
                }
            }
            _ => (TypeClass::Other, i + 1),
        },
        _ => return None,
    };
    let last = &t[end.clamp(i + 1, t.len()) - 1];
    Some((t[0].range.start..last.range.end, class))
}

/// Shared by the type-preference rules: a violation at every column type of the statement
/// whose class `wanted` accepts, with `message(type as written)`.
pub fn flag_types(
    cx: &StatementCx,
    wanted: fn(TypeClass) -> bool,
    message: impl Fn(&str) -> String,
    out: &mut Vec<Violation>,
) {
    for column in column_types(cx.statement) {
        if wanted(column.class) {
            let written = &cx.source.text[column.range.clone()];
            out.push(Violation::new(column.range, message(written)));
        }
    }
}

/// A one-token name (a column) as the sequence analysis keys it: unquoted folded to lower case.
pub fn token_name(text: &str, tok: &Tok) -> Name {
    let part = match &tok.token {
        Token::Word(_) => crate::sql::folded(tok).unwrap_or_default(),
        _ => text[tok.range.clone()].to_string(),
    };
    Name {
        text: text[tok.range.clone()].to_string(),
        range: tok.range.clone(),
        parts: vec![part],
    }
}

/// The `ALTER [COLUMN] c <change>` actions of an `ALTER TABLE` on a column the running
/// application may use (not one this migration created): `(table, column, tokens after the
/// column name)`, for the rules that flag a change to such a column.
pub fn existing_column_changes<'a>(cx: &'a StatementCx) -> Vec<(&'a Name, Name, &'a [Tok])> {
    let shape = cx.shape();
    let (ShapeKind::AlterTable, Some(table)) = (&shape.kind, shape.object()) else {
        return Vec::new();
    };
    shape
        .actions
        .iter()
        .filter_map(|action| alter_column(tokens_in(&cx.statement.tokens, &action.range)))
        .map(|(column, rest)| (table, token_name(&cx.source.text, column), rest))
        .filter(|(table, name, _)| !created_earlier(cx, table, Some(name)))
        .collect()
}

/// Was `table` (or, given, its `column`) created earlier in the same file? Then no running
/// version of the application uses it yet, and dropping or renaming it breaks nothing
/// (squawk flags these anyway: its issue #349).
pub fn created_earlier(cx: &StatementCx, table: &Name, column: Option<&Name>) -> bool {
    let Some(_) = cx.sequence else {
        return false;
    };
    cx.file.table_is_new(table)
        || column.is_some_and(|c| {
            let key = Key::Column(table.base().to_string(), c.base().to_string());
            cx.file.is_new(&key, table.schema())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;
    use crate::sql::{parse_source, Dialect};

    fn classes(sql: &str) -> Vec<(String, TypeClass)> {
        classes_in(Dialect::Postgres, sql)
    }

    fn classes_in(dialect: Dialect, sql: &str) -> Vec<(String, TypeClass)> {
        let source = SourceFile::new("m.sql", sql);
        let parsed = parse_source(&source, dialect);
        parsed
            .statements
            .iter()
            .flat_map(column_types)
            .map(|c| (sql[c.range].to_string(), c.class))
            .collect()
    }

    #[test]
    fn create_table_columns_are_classified() {
        let sql = "CREATE TABLE t (id serial PRIMARY KEY, a int[], b character varying(3), \
                   c timestamp(3) with time zone, d timestamp, e \"char\", f numeric(10, 2), \
                   CONSTRAINT k UNIQUE (a), g pg_catalog.int2);";
        assert_eq!(
            classes(sql),
            [
                ("serial".into(), TypeClass::Serial),
                ("int".into(), TypeClass::Int),
                ("character varying(3)".into(), TypeClass::VarcharWithLength),
                ("timestamp(3) with time zone".into(), TypeClass::Other),
                ("timestamp".into(), TypeClass::TimestampWithoutTz),
                ("\"char\"".into(), TypeClass::Char),
                ("numeric".into(), TypeClass::Other),
                ("pg_catalog.int2".into(), TypeClass::Smallint),
            ]
        );
    }

    #[test]
    fn alter_table_types_are_classified() {
        let sql = "ALTER TABLE t ADD COLUMN IF NOT EXISTS a varchar(5), ADD b char(2), \
                   ALTER COLUMN c SET DATA TYPE integer, ALTER d TYPE timestamp without time zone, \
                   ALTER e SET NOT NULL;";
        let got: Vec<TypeClass> = classes(sql).into_iter().map(|c| c.1).collect();
        assert_eq!(
            got,
            [
                TypeClass::VarcharWithLength,
                TypeClass::Char,
                TypeClass::Int,
                TypeClass::TimestampWithoutTz
            ]
        );
    }

    #[test]
    fn a_column_named_key_index_or_period_has_its_type_classified() {
        // PostgreSQL reserves none of these words (authelia's `period INTEGER`) and has no
        // index among a table's elements: `KEY k (a)` is a column `KEY` of a type `k` there.
        // MySQL's `KEY k (a)` and MariaDB's `PERIOD FOR p (a, b)` are no columns.
        let sql = "CREATE TABLE t (key timestamp, index smallint, period int, KEY k (a), \
                   PERIOD FOR p (a, b));";
        let got = classes(sql);
        assert_eq!(
            got,
            [
                ("timestamp".to_string(), TypeClass::TimestampWithoutTz),
                ("smallint".to_string(), TypeClass::Smallint),
                ("int".to_string(), TypeClass::Int),
                ("k".to_string(), TypeClass::Other),
            ]
        );
        let got: Vec<TypeClass> = classes_in(Dialect::Mariadb, sql)
            .into_iter()
            .map(|c| c.1)
            .collect();
        assert_eq!(
            got,
            [
                TypeClass::TimestampWithoutTz,
                TypeClass::Smallint,
                TypeClass::Int
            ]
        );
        assert_eq!(classes("ALTER TABLE t ADD COLUMN key char(2);").len(), 1);
    }

    #[test]
    fn create_table_as_and_like_have_no_column_types() {
        assert!(classes("CREATE TABLE t AS SELECT 1::int AS x;").is_empty());
        assert!(classes("CREATE TABLE t (LIKE u);").is_empty());
        assert!(classes("CREATE TABLE t PARTITION OF u FOR VALUES IN (1);").is_empty());
    }
}
