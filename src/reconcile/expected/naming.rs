//! Identifiers as the engine stores them, and the names engines give to constraints and
//! indexes the migration did not name.

use crate::reconcile::schema::canonical_type;
use sqlparser::ast::{DataType, Ident, ObjectName};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Postgres,
    MySql,
}

impl Engine {
    pub fn is_mysql(self) -> bool {
        self == Engine::MySql
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
        let parts: Vec<String> = name
            .0
            .iter()
            .filter_map(|p| p.as_ident())
            .map(|i| self.ident(i))
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
        if self.is_mysql() || name.len() <= 63 {
            return name;
        }
        let mut end = 63;
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        name[..end].to_string()
    }

    pub fn primary_key_name(self, table: &str) -> String {
        match self {
            Engine::Postgres => self.truncate(format!("{table}_pkey")),
            Engine::MySql => "PRIMARY".into(),
        }
    }

    pub fn unique_name(self, table: &str, columns: &[String]) -> String {
        match self {
            Engine::Postgres => self.truncate(format!("{table}_{}_key", columns.join("_"))),
            Engine::MySql => columns.first().cloned().unwrap_or_default(),
        }
    }

    pub fn foreign_key_name(self, table: &str, columns: &[String], ordinal: usize) -> String {
        match self {
            Engine::Postgres => self.truncate(format!("{table}_{}_fkey", columns.join("_"))),
            Engine::MySql => format!("{table}_ibfk_{ordinal}"),
        }
    }

    pub fn check_name(self, table: &str, column: &str) -> String {
        self.truncate(format!("{table}_{column}_check"))
    }

    pub fn index_name(self, table: &str, columns: &[String]) -> String {
        match self {
            Engine::Postgres => self.truncate(format!("{table}_{}_idx", columns.join("_"))),
            Engine::MySql => columns.first().cloned().unwrap_or_default(),
        }
    }

    pub fn sequence_name(self, table: &str, column: &str) -> String {
        self.truncate(format!("{table}_{column}_seq"))
    }
}

/// An index column as compared: lower case, no quotes, no `ASC`.
pub fn index_column(text: &str) -> String {
    let lower = text.trim().replace(['"', '`'], "").to_lowercase();
    lower
        .strip_suffix(" asc")
        .map(str::to_string)
        .unwrap_or(lower)
}
