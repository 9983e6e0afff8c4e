//! The schema model both sides are reduced to: the live catalog and the catalog expected from
//! replaying the migrations. Objects are keyed by kind and name; each carries the attributes
//! that are compared (type, nullability, default, index definition, enum labels, validity).

use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    Schema,
    Extension,
    Enum,
    Domain,
    Sequence,
    Table,
    Column,
    Index,
    Constraint,
    View,
    MaterializedView,
    Function,
    Trigger,
    Policy,
}

impl ObjectKind {
    pub fn label(self) -> &'static str {
        match self {
            ObjectKind::Schema => "schema",
            ObjectKind::Extension => "extension",
            ObjectKind::Enum => "enum",
            ObjectKind::Domain => "domain",
            ObjectKind::Sequence => "sequence",
            ObjectKind::Table => "table",
            ObjectKind::Column => "column",
            ObjectKind::Index => "index",
            ObjectKind::Constraint => "constraint",
            ObjectKind::View => "view",
            ObjectKind::MaterializedView => "materialized view",
            ObjectKind::Function => "function",
            ObjectKind::Trigger => "trigger",
            ObjectKind::Policy => "policy",
        }
    }
}

/// An object's identity. Objects that live on a table (columns, indexes, constraints,
/// triggers, policies) carry their table as a field, so an index named `"a.b"` on table `t`
/// is never confused with an index `b` on a table `t.a`; functions are `name(argtypes)`.
/// Rendered (and ordered) as the flat `table.name` the reports have always printed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectId {
    pub kind: ObjectKind,
    pub table: Option<String>,
    pub name: String,
}

impl ObjectId {
    /// An object that does not live on a table (table, view, sequence, function, ...).
    pub fn new(kind: ObjectKind, name: impl Into<String>) -> Self {
        ObjectId {
            kind,
            table: None,
            name: name.into(),
        }
    }

    /// An object that lives on `table` (column, index, constraint, trigger, policy).
    pub fn on_table(kind: ObjectKind, table: &str, name: &str) -> Self {
        ObjectId {
            kind,
            table: Some(table.to_string()),
            name: name.to_string(),
        }
    }

    /// The table an object lives on, if it lives on one (a table lives on itself).
    pub fn table(&self) -> Option<&str> {
        match self.kind {
            ObjectKind::Table => Some(&self.name),
            _ => self.table.as_deref(),
        }
    }

    /// The name as reports print it: `table.name` for objects on a table.
    pub fn qualified_name(&self) -> String {
        match &self.table {
            Some(table) => format!("{table}.{}", self.name),
            None => self.name.clone(),
        }
    }

    fn qualified_bytes(&self) -> impl Iterator<Item = u8> + '_ {
        let table = self.table.as_deref().map(str::as_bytes).unwrap_or_default();
        let dot: &[u8] = if self.table.is_some() { b"." } else { b"" };
        table.iter().chain(dot).chain(self.name.as_bytes()).copied()
    }
}

/// Ordered by kind, then by the printed `table.name` (the order reports have always used),
/// then by table so that two ids printing the same remain distinct.
impl Ord for ObjectId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.kind
            .cmp(&other.kind)
            .then_with(|| self.qualified_bytes().cmp(other.qualified_bytes()))
            .then_with(|| self.table.cmp(&other.table))
    }
}

impl PartialOrd for ObjectId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.table {
            Some(table) => write!(f, "{} {table}.{}", self.kind.label(), self.name),
            None => write!(f, "{} {}", self.kind.label(), self.name),
        }
    }
}

/// Compared attributes of one object, e.g. `type`, `nullable`, `default`, `columns`, `labels`.
pub type Attributes = BTreeMap<&'static str, String>;

/// A whole catalog: every object with its attributes.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    pub objects: BTreeMap<ObjectId, Attributes>,
    /// MySQL/MariaDB: each table's name as the server stores it, by the lower-cased name its
    /// objects are keyed by; `Migrations` and `migrations` are two tables where
    /// `lower_case_table_names` is 0, one key here. Empty for PostgreSQL, whose names are kept.
    pub stored_names: BTreeMap<String, Vec<String>>,
}

impl Schema {
    pub fn insert(&mut self, id: ObjectId, attrs: Attributes) {
        self.objects.insert(id, attrs);
    }

    pub fn get(&self, id: &ObjectId) -> Option<&Attributes> {
        self.objects.get(id)
    }

    pub fn contains(&self, id: &ObjectId) -> bool {
        self.objects.contains_key(id)
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }
}

/// Differences between an expected and a live object, as `attribute: expected X, found Y`.
/// Attributes missing on either side are not compared (e.g. the model cannot know a
/// default that only the server computes).
pub fn differences(expected: &Attributes, live: &Attributes) -> Vec<String> {
    let mut out = Vec::new();
    for (key, want) in expected {
        let Some(have) = live.get(key) else { continue };
        if want != have {
            out.push(match *key {
                "valid" => "the index is INVALID (a failed CREATE INDEX CONCURRENTLY); drop and recreate it".to_string(),
                "validated" => "the constraint is NOT VALID; run ALTER TABLE … VALIDATE CONSTRAINT".to_string(),
                _ => format!("{key}: expected {}, found {}", show(want), show(have)),
            });
        }
    }
    out
}

fn show(value: &str) -> String {
    if value.is_empty() {
        "none".to_string()
    } else {
        value.to_string()
    }
}

/// The canonical spelling of a column type, so `VARCHAR(255)` from a migration and
/// `character varying(255)` from `format_type` compare equal.
pub fn canonical_type(raw: &str, mysql: bool) -> String {
    let lower = raw.trim().to_ascii_lowercase();
    let lower = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    let (base, array) = match lower.strip_suffix("[]") {
        Some(b) => (b.trim_end().to_string(), "[]"),
        None => (lower.clone(), ""),
    };
    let (mut name, params, mut tail) = split_params(&base);
    // `INT UNSIGNED` without a width: the modifier is a tail like in `int(10) unsigned`.
    for modifier in [" unsigned", " zerofill"] {
        if let Some(stripped) = name.strip_suffix(modifier) {
            name = stripped.to_string();
            tail = format!("{tail}{modifier}");
        }
    }
    let canonical = if mysql {
        canonical_mysql(&name, params.as_deref(), &tail)
    } else {
        canonical_postgres(&name, params.as_deref(), &tail)
    };
    format!("{canonical}{array}")
}

/// `numeric(10, 2) unsigned` → (`numeric`, Some(`10,2`), `unsigned`).
fn split_params(s: &str) -> (String, Option<String>, String) {
    match (s.find('('), s.find(')')) {
        (Some(open), Some(close)) if close > open => {
            let name = s[..open].trim().to_string();
            let params: String = s[open + 1..close]
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let tail = s[close + 1..].trim().to_string();
            (name, Some(params), tail)
        }
        _ => (s.to_string(), None, String::new()),
    }
}

fn with_params(name: &str, params: Option<&str>) -> String {
    match params {
        Some(p) => format!("{name}({p})"),
        None => name.to_string(),
    }
}

fn canonical_postgres(name: &str, params: Option<&str>, tail: &str) -> String {
    let zone = |tail: &str, default_without: bool| {
        if tail.contains("with time zone") && !tail.contains("without") {
            " with time zone"
        } else if tail.contains("without time zone") || default_without {
            " without time zone"
        } else {
            ""
        }
    };
    match name {
        "int" | "integer" | "int4" | "serial" | "serial4" => "integer".into(),
        "smallint" | "int2" | "smallserial" | "serial2" => "smallint".into(),
        "bigint" | "int8" | "bigserial" | "serial8" => "bigint".into(),
        "varchar" | "character varying" => with_params("character varying", params),
        "char" | "character" | "bpchar" => with_params("character", Some(params.unwrap_or("1"))),
        "bool" | "boolean" => "boolean".into(),
        "float4" | "real" => "real".into(),
        "float8" | "double precision" | "double" => "double precision".into(),
        "float" => match params.and_then(|p| p.parse::<u32>().ok()) {
            Some(p) if p <= 24 => "real".into(),
            _ => "double precision".into(),
        },
        "decimal" | "numeric" => with_params("numeric", params),
        "timestamptz" => format!("{} with time zone", with_params("timestamp", params)),
        "timestamp" => format!("{}{}", with_params("timestamp", params), zone(tail, true)),
        "timetz" => format!("{} with time zone", with_params("time", params)),
        "time" => format!("{}{}", with_params("time", params), zone(tail, true)),
        _ => {
            let mut s = with_params(name, params);
            if !tail.is_empty() {
                s.push(' ');
                s.push_str(tail);
            }
            s
        }
    }
}

fn canonical_mysql(name: &str, params: Option<&str>, tail: &str) -> String {
    let unsigned = if tail.contains("unsigned") {
        " unsigned"
    } else {
        ""
    };
    // Integer display widths (`int(11)`) are cosmetic and dropped by MySQL 8.
    let base = match name {
        "int" | "integer" => "int".to_string(),
        "tinyint" if params == Some("1") => "tinyint(1)".to_string(),
        "bool" | "boolean" => "tinyint(1)".to_string(),
        "tinyint" | "smallint" | "mediumint" | "bigint" => name.to_string(),
        "serial" => return "bigint unsigned".to_string(),
        "decimal" | "numeric" | "dec" => with_params("decimal", Some(params.unwrap_or("10,0"))),
        "character varying" => with_params("varchar", params),
        "character" => with_params("char", Some(params.unwrap_or("1"))),
        "char" => with_params("char", Some(params.unwrap_or("1"))),
        "double precision" | "real" => "double".to_string(),
        // MariaDB stores JSON as LONGTEXT with a json_valid check; both spellings compare equal.
        "json" | "longtext" => "longtext".to_string(),
        _ => with_params(name, params),
    };
    format!("{base}{unsigned}")
}

/// The canonical spelling of a default expression: casts, quotes around numbers, case and
/// redundant parentheses removed, and the engines' spellings of "now" made one.
pub fn canonical_default(raw: &str) -> String {
    let mut s = strip_casts(raw.trim()).to_ascii_lowercase();
    loop {
        let t = s.trim();
        if t.starts_with('(') && t.ends_with(')') && balanced(&t[1..t.len() - 1]) {
            s = t[1..t.len() - 1].to_string();
        } else {
            s = t.to_string();
            break;
        }
    }
    let compact: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match compact.as_str() {
        "now()"
        | "current_timestamp"
        | "current_timestamp()"
        | "localtimestamp"
        | "transaction_timestamp()" => "now()".into(),
        "true" | "'t'" | "'true'" => "true".into(),
        "false" | "'f'" | "'false'" => "false".into(),
        "null" => String::new(),
        _ => {
            let unquoted = compact.trim_matches('\'');
            if compact.starts_with('\'') && unquoted.parse::<f64>().is_ok() {
                unquoted.to_string()
            } else {
                compact
            }
        }
    }
}

fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// Removes PostgreSQL `::type` casts outside string literals.
pub(crate) fn strip_casts(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_quote = false;
    let mut i = 0;
    while let Some(c) = s[i..].chars().next() {
        if c == '\'' {
            in_quote = !in_quote;
        }
        if !in_quote && s[i..].starts_with("::") {
            i = skip_type_name(s, i + 2);
            continue;
        }
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// The end of a type name starting at `i`: words (multi-word names such as
/// `character varying` included), an optional `(…)` and any `[]`.
fn skip_type_name(s: &str, mut i: usize) -> usize {
    const TYPE_WORDS: [&str; 6] = ["varying", "precision", "without", "with", "time", "zone"];
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '"' | '.');
    loop {
        i += s[i..]
            .find(|c: char| !is_name_char(c))
            .unwrap_or(s.len() - i);
        let rest = &s[i..];
        let next = rest.trim_start();
        let lower = next.to_ascii_lowercase();
        if rest.starts_with(' ') && TYPE_WORDS.iter().any(|w| lower.starts_with(w)) {
            i += rest.len() - next.len();
            continue;
        }
        break;
    }
    if s[i..].starts_with('(') {
        if let Some(close) = s[i..].find(')') {
            i += close + 1;
        }
    }
    while s[i..].starts_with("[]") {
        i += 2;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_spellings_match_catalog_spellings() {
        assert_eq!(
            canonical_type("VARCHAR(255)", false),
            "character varying(255)"
        );
        assert_eq!(
            canonical_type("character varying(255)", false),
            "character varying(255)"
        );
        assert_eq!(canonical_type("SERIAL", false), "integer");
        assert_eq!(
            canonical_type("TIMESTAMP", false),
            "timestamp without time zone"
        );
        assert_eq!(
            canonical_type("TIMESTAMPTZ", false),
            "timestamp with time zone"
        );
        assert_eq!(
            canonical_type("timestamp(3) with time zone", false),
            "timestamp(3) with time zone"
        );
        assert_eq!(canonical_type("NUMERIC(10, 2)", false), "numeric(10,2)");
        assert_eq!(canonical_type("int(11)", true), "int");
        assert_eq!(canonical_type("INTEGER", true), "int");
        assert_eq!(
            canonical_type("bigint(20) unsigned", true),
            "bigint unsigned"
        );
        assert_ne!(
            canonical_type("TEXT", false),
            canonical_type("VARCHAR(255)", false)
        );
    }

    #[test]
    fn defaults_ignore_casts_case_and_now_spellings() {
        assert_eq!(canonical_default("NOW()"), "now()");
        assert_eq!(canonical_default("CURRENT_TIMESTAMP"), "now()");
        assert_eq!(canonical_default("current_timestamp()"), "now()");
        assert_eq!(canonical_default("'active'::character varying"), "'active'");
        assert_eq!(canonical_default("'active'"), "'active'");
        assert_eq!(
            canonical_default("nextval('users_id_seq'::regclass)"),
            "nextval('users_id_seq')"
        );
        assert_eq!(canonical_default("'0'"), "0");
        assert_eq!(canonical_default("(0)"), "0");
        assert_ne!(canonical_default("'a'"), canonical_default("'b'"));
    }

    #[test]
    fn ids_on_a_table_keep_the_table_apart_from_a_dotted_name() {
        let on_a = ObjectId::on_table(ObjectKind::Index, "a", "b.c");
        let on_ab = ObjectId::on_table(ObjectKind::Index, "a.b", "c");
        // The old flat ids were both `a.b.c`: one object.
        assert_eq!(on_a.qualified_name(), on_ab.qualified_name());
        assert_ne!(on_a, on_ab);
        assert_ne!(on_a.cmp(&on_ab), std::cmp::Ordering::Equal);
        assert_eq!(on_a.table(), Some("a"));
        assert_eq!(on_ab.table(), Some("a.b"));
        // Printed exactly as before, and ordered as the printed names are.
        assert_eq!(
            ObjectId::on_table(ObjectKind::Column, "users", "email").to_string(),
            "column users.email"
        );
        let dash = ObjectId::on_table(ObjectKind::Column, "a-b", "x");
        let plain = ObjectId::on_table(ObjectKind::Column, "a", "x");
        assert!(dash < plain, "`a-b.x` sorts before `a.x`");
    }
}
