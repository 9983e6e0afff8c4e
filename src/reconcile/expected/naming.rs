//! Identifiers as the engine stores them, and the names engines give to constraints and
//! indexes the migration did not name.

use crate::reconcile::schema::canonical_type;
use sqlparser::ast::{DataType, Ident, ObjectName};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Postgres,
    MySql,
    /// MariaDB names things as MySQL does, but creates the foreign key of an inline column
    /// `REFERENCES` (10.5 and later), which MySQL parses and ignores.
    MariaDb,
}

impl Engine {
    pub fn is_mysql(self) -> bool {
        matches!(self, Engine::MySql | Engine::MariaDb)
    }

    /// Whether `col INT REFERENCES t (id)` creates a foreign key. MySQL: "MySQL parses but
    /// ignores inline REFERENCES specifications" (reference manual, FOREIGN KEY constraints);
    /// MariaDB 10.5+ and PostgreSQL create it.
    pub fn creates_inline_references(self) -> bool {
        self != Engine::MySql
    }

    /// PostgreSQL folds unquoted names to lower case; MySQL compares table and column names
    /// case-insensitively, so both sides are lower-cased there.
    pub fn ident(self, ident: &Ident) -> String {
        match (self, ident.quote_style) {
            (Engine::Postgres, Some(_)) => ident.value.clone(),
            _ => ident.value.to_lowercase(),
        }
    }

    /// The object's name within the reconciled schema; `None` when it is qualified with
    /// another schema (out of scope).
    pub fn object_name(self, name: &ObjectName, schema: &str) -> Option<String> {
        self.object_name_as(name, schema, |i| self.ident(i))
    }

    /// A table's (or view's) name within the reconciled schema: on MySQL/MariaDB with
    /// `lower_case_table_names` 0 (`keep_case`) as written, quoted or not (`Foo` and `foo` are
    /// two tables there); otherwise as [`Engine::object_name`].
    pub fn table_name(self, name: &ObjectName, schema: &str, keep_case: bool) -> Option<String> {
        match keep_case && self.is_mysql() {
            true => self.object_name_as(name, schema, |i| i.value.clone()),
            false => self.object_name(name, schema),
        }
    }

    fn object_name_as(
        self,
        name: &ObjectName,
        schema: &str,
        ident: impl Fn(&Ident) -> String,
    ) -> Option<String> {
        let parts: Vec<String> = name
            .0
            .iter()
            .filter_map(|p| p.as_ident())
            .map(ident)
            .collect();
        match parts.as_slice() {
            [one] => Some(one.clone()),
            [qualifier, one] if qualifier.eq_ignore_ascii_case(schema) => Some(one.clone()),
            [_, _] => None,
            [.., one] => Some(one.clone()),
            [] => None,
        }
    }

    pub fn column_type(self, data_type: &DataType) -> String {
        canonical_type(&data_type.to_string(), self.is_mysql())
    }

    /// PostgreSQL truncates identifiers to 63 bytes.
    pub fn truncate(self, name: String) -> String {
        if self.is_mysql() || name.len() <= MAX_IDENTIFIER {
            return name;
        }
        clip(&name, MAX_IDENTIFIER).to_string()
    }

    /// PostgreSQL's `makeObjectName`: `name1_name2_label`, shortening the longer of name1 and
    /// name2 one byte at a time until the whole fits in 63 bytes.
    pub(crate) fn generated(self, name1: &str, name2: Option<&str>, label: &str) -> String {
        let name2 = name2.filter(|n| !n.is_empty());
        if self.is_mysql() {
            let name = match name2 {
                Some(n2) => format!("{name1}_{n2}_{label}"),
                None => format!("{name1}_{label}"),
            };
            return name.to_lowercase();
        }
        let overhead = label.len() + 1 + name2.map_or(0, |_| 1);
        let available = MAX_IDENTIFIER.saturating_sub(overhead);
        let (mut len1, mut len2) = (name1.len(), name2.map_or(0, str::len));
        while len1 + len2 > available {
            if len1 > len2 {
                len1 -= 1;
            } else {
                len2 -= 1;
            }
        }
        let n1 = clip(name1, len1);
        match name2 {
            Some(n2) => format!("{n1}_{}_{label}", clip(n2, len2)),
            None => format!("{n1}_{label}"),
        }
    }

    pub fn primary_key_name(self, table: &str) -> String {
        match self {
            Engine::Postgres => self.generated(table, None, "pkey"),
            Engine::MySql | Engine::MariaDb => "PRIMARY".into(),
        }
    }

    pub fn unique_name(self, table: &str, columns: &[String]) -> String {
        match self {
            Engine::Postgres => self.generated(table, Some(&columns.join("_")), "key"),
            Engine::MySql | Engine::MariaDb => columns.first().cloned().unwrap_or_default(),
        }
    }

    pub fn foreign_key_name(self, table: &str, columns: &[String], ordinal: u64) -> String {
        match self {
            Engine::Postgres => self.generated(table, Some(&columns.join("_")), "fkey"),
            // Key names are compared in lower case, a case-kept table name's too.
            Engine::MySql | Engine::MariaDb => format!("{table}_ibfk_{ordinal}").to_lowercase(),
        }
    }

    /// A key's name as the model names it: MySQL/MariaDB key names compare in lower case.
    pub fn key_name(self, stored: &str) -> String {
        match self {
            Engine::Postgres => stored.to_string(),
            Engine::MySql | Engine::MariaDb => stored.to_lowercase(),
        }
    }

    pub fn check_name(self, table: &str, column: &str) -> String {
        self.generated(table, Some(column), "check")
    }

    pub fn index_name(self, table: &str, columns: &[String]) -> String {
        match self {
            Engine::Postgres => {
                let names: Vec<String> = columns.iter().map(|c| index_name_part(c)).collect();
                self.generated(table, Some(&names.join("_")), "idx")
            }
            Engine::MySql | Engine::MariaDb => columns.first().cloned().unwrap_or_default(),
        }
    }

    pub fn sequence_name(self, table: &str, column: &str) -> String {
        self.generated(table, Some(column), "seq")
    }
}

const MAX_IDENTIFIER: usize = 63;

/// The first `len` bytes of `s`, backed off to a character boundary.
fn clip(s: &str, mut len: usize) -> &str {
    len = len.min(s.len());
    while !s.is_char_boundary(len) {
        len -= 1;
    }
    &s[..len]
}

/// How PostgreSQL names an index column in a generated index name (`FigureColname`): the
/// column, a function call's function name, else `expr`.
fn index_name_part(column: &str) -> String {
    let is_word = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_');
    if is_word(column) {
        return column.to_string();
    }
    match column.split_once('(') {
        Some((function, _)) if is_word(function.trim()) => function
            .trim()
            .rsplit('.')
            .next()
            .unwrap_or("expr")
            .to_string(),
        _ => "expr".to_string(),
    }
}

/// An index expression as both sides spell it: lower case, no quotes, casts or parentheses,
/// single spaces, so `lower(email)` matches the catalog's `lower((email)::text)` and a
/// migration's `status = 'active' AND deleted_at IS NULL` matches
/// `((status = 'active'::text) AND (deleted_at IS NULL))`.
fn catalog_spelling(text: &str) -> String {
    let lower = text.replace(['"', '`'], "").to_lowercase();
    crate::reconcile::schema::strip_casts(&lower)
        .replace(['(', ')'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// An index column (`expr [opclass] [ASC|DESC] [NULLS …]`) as compared on both sides, without
/// the defaults the catalog leaves out: ASC, NULLS LAST after ASC, NULLS FIRST after DESC.
pub fn index_column(text: &str) -> String {
    let spelt = catalog_spelling(text);
    let spelt = match spelt.strip_suffix(" nulls first") {
        Some(desc) if desc.ends_with(" desc") => desc,
        _ => match spelt.strip_suffix(" nulls last") {
            Some(rest) if !rest.ends_with(" desc") => rest,
            _ => &spelt,
        },
    };
    spelt.strip_suffix(" asc").unwrap_or(spelt).to_string()
}

/// An index's WHERE clause as both sides spell it.
pub fn index_predicate(text: &str) -> String {
    catalog_spelling(text)
}
