//! A tracker table's name as a tool (or the user's runner) writes it into its SQL, and the
//! table the connected server resolves it to.

use super::{quote_ident, NameCase};
use crate::reconcile::db::Engine;

/// A tracker table named as a tool pastes it into its SQL: `sqlx.toml`'s `[migrate] table-name`
/// ("may be schema-qualified and/or contain quotes", sqlx-core's `config/migrate.rs`;
/// `format!("SELECT version, checksum FROM {table_name} ...")` in `list_applied_migrations` of
/// sqlx-postgres's and sqlx-mysql's `migrate.rs`), or `[migrations.generic_tracker] table`, as
/// the user's runner writes it. The server's own rules decide its case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableName {
    /// The schema part, quotes removed, and whether it was quoted.
    schema: Option<(String, bool)>,
    /// The table part, quotes removed, and whether it was quoted.
    table: (String, bool),
    /// The value as written, for the printed repair statements.
    pub sql: String,
}

/// Why a value is not a [`TableName`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadName {
    /// Empty, an empty part (`a.`), or an unclosed quote.
    Malformed,
    /// More than two dot-separated parts (`db.schema.table`).
    TooManyParts(usize),
}

impl BadName {
    /// What is wrong, after "is not a table name": nothing more for a malformed value,
    /// `: 3 dot-separated parts, at most schema.table` for one with too many parts, where
    /// `most` is what the setting allows (`schema.table`, `table.column`).
    pub fn reason(self, most: &str) -> String {
        match self {
            BadName::Malformed => String::new(),
            BadName::TooManyParts(n) => format!(": {n} dot-separated parts, at most {most}"),
        }
    }
}

/// A [`TableName`] as the server's catalog spells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogName {
    pub schema: Option<String>,
    pub table: String,
}

impl TableName {
    /// `app_migrations`, `tools.app_migrations`, `"Tools"."Log"`: one or two dot-separated
    /// parts outside quotes (`"` or `` ` ``). A third part is refused, not dropped: the runner's
    /// SQL would name another table than the one preflight reads.
    pub fn parse(sql: &str) -> Result<TableName, BadName> {
        let mut parts: Vec<String> = vec![String::new()];
        let mut quote: Option<char> = None;
        let mut quoted = vec![false];
        let mut chars = sql.trim().chars().peekable();
        while let Some(c) = chars.next() {
            match quote {
                Some(q) if c == q && chars.peek() == Some(&q) => {
                    chars.next();
                    parts.last_mut().ok_or(BadName::Malformed)?.push(q);
                }
                Some(q) if c == q => quote = None,
                Some(_) => parts.last_mut().ok_or(BadName::Malformed)?.push(c),
                None if c == '"' || c == '`' => {
                    quote = Some(c);
                    *quoted.last_mut().ok_or(BadName::Malformed)? = true;
                }
                None if c == '.' => {
                    parts.push(String::new());
                    quoted.push(false);
                }
                None => parts.last_mut().ok_or(BadName::Malformed)?.push(c),
            }
        }
        let mut parts: Vec<(String, bool)> = parts
            .into_iter()
            .zip(quoted)
            .map(|(part, quoted)| match quoted {
                true => (part, true),
                false => (part.trim().to_string(), false),
            })
            .collect();
        if quote.is_some() || parts.iter().any(|(p, _)| p.is_empty()) {
            return Err(BadName::Malformed);
        }
        if parts.len() > 2 {
            return Err(BadName::TooManyParts(parts.len()));
        }
        let table = parts.pop().ok_or(BadName::Malformed)?;
        Ok(TableName {
            schema: parts.pop(),
            table,
            sql: sql.trim().to_string(),
        })
    }

    /// The schema part (if any) and the table part, quotes removed, each with whether it was
    /// quoted.
    pub fn parts(&self) -> impl Iterator<Item = (&str, bool)> {
        self.schema
            .iter()
            .chain(std::iter::once(&self.table))
            .map(|(part, quoted)| (part.as_str(), *quoted))
    }

    /// Whether the value names a schema (MySQL: a database) too.
    pub fn has_schema(&self) -> bool {
        self.schema.is_some()
    }

    /// The value as a query on `engine` writes it: quoted parts in that engine's quotes
    /// (`"Name"` on PostgreSQL, `` `Name` `` on MySQL/MariaDB, whichever quote the value used),
    /// unquoted ones as written, for the server to resolve by its own rules.
    pub fn on_engine(&self, engine: Engine) -> String {
        self.parts()
            .map(|(part, quoted)| match quoted {
                true => quote_ident(engine, part),
                false => part.to_string(),
            })
            .collect::<Vec<_>>()
            .join(".")
    }

    /// The schema and table the server resolves the value to: PostgreSQL folds unquoted parts
    /// to lower case; MySQL/MariaDB keep the case as written unless `lower_case_table_names`
    /// is 1, quoted or not.
    pub fn on(&self, names: NameCase) -> CatalogName {
        CatalogName {
            schema: self.schema.as_ref().map(|(s, q)| names.apply(s, *q)),
            table: names.apply(&self.table.0, self.table.1),
        }
    }
}
