//! MySQL and MariaDB: information_schema, one query per object kind.

use super::cell;
use crate::error::Result;
use crate::reconcile::db::Session;
use crate::reconcile::schema::{
    canonical_default, canonical_type, Attributes, ObjectId, ObjectKind, Schema,
};

/// `TABLE_SCHEMA = ?`, or the URL's database when no schema was named.
fn scope(column: &str, schema: &str) -> String {
    if schema.is_empty() {
        format!("{column} = DATABASE()")
    } else {
        format!("{column} = ?")
    }
}

/// How tables (and views) are keyed: as stored where the server tells `Foo` from `foo`
/// (`lower_case_table_names` 0), else in lower case, as the server compares them (1: stored in
/// lower case; 2: stored as given, compared in lower case).
#[derive(Clone, Copy)]
struct Tables {
    keep_case: bool,
}

impl Tables {
    fn key(self, name: String) -> String {
        match self.keep_case {
            true => name,
            false => name.to_lowercase(),
        }
    }
}

/// Every object of `schema` (empty: the URL's database). `keep_table_case`: the server tells
/// `Foo` from `foo` (`lower_case_table_names` is 0), so tables are keyed as stored.
pub async fn read(session: &mut Session, schema: &str, keep_table_case: bool) -> Result<Schema> {
    let mut out = Schema::default();
    let binds: Vec<&str> = if schema.is_empty() {
        vec![]
    } else {
        vec![schema]
    };
    let tables = Tables {
        keep_case: keep_table_case,
    };
    read_tables(session, schema, &binds, tables, &mut out).await?;
    read_keys_and_routines(session, schema, &binds, tables, &mut out).await?;
    Ok(out)
}

/// Tables, views and columns.
async fn read_tables(
    session: &mut Session,
    schema: &str,
    binds: &[&str],
    tables: Tables,
    out: &mut Schema,
) -> Result<()> {
    let sql = format!(
        "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE {}",
        scope("TABLE_SCHEMA", schema)
    );
    for row in session.query(&sql, binds).await? {
        let kind = if cell(&row, 1).contains("VIEW") {
            ObjectKind::View
        } else {
            ObjectKind::Table
        };
        let name = cell(&row, 0);
        let key = tables.key(name.clone());
        out.insert(ObjectId::new(kind, key.clone()), Attributes::new());
        out.stored_names.entry(key).or_default().push(name);
    }

    let sql = format!(
        "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA \
         FROM information_schema.COLUMNS WHERE {}",
        scope("TABLE_SCHEMA", schema)
    );
    for row in session.query(&sql, binds).await? {
        let table = tables.key(cell(&row, 0));
        if !out.contains(&ObjectId::new(ObjectKind::Table, table.clone())) {
            continue; // a view's columns
        }
        let extra = cell(&row, 5).to_lowercase();
        let ty = canonical_type(&cell(&row, 2), true);
        let default = if extra.contains("auto_increment") {
            "auto_increment".to_string()
        } else if extra.contains("generated") {
            "generated".to_string()
        } else {
            let raw = row.get(4).cloned().flatten();
            match raw {
                // MariaDB spells "no default" as the bare word NULL.
                None => String::new(),
                Some(v) if v.eq_ignore_ascii_case("null") => String::new(),
                // MySQL 8 returns string defaults unquoted; MariaDB quotes them.
                Some(v) if is_text_type(&ty) && !v.starts_with('\'') && !is_function(&v) => {
                    canonical_default(&format!("'{}'", v.replace('\'', "''")))
                }
                Some(v) => canonical_default(&v),
            }
        };
        out.insert(
            ObjectId::on_table(ObjectKind::Column, &table, &cell(&row, 1).to_lowercase()),
            Attributes::from([
                ("type", ty),
                (
                    "nullable",
                    if cell(&row, 3) == "YES" { "yes" } else { "no" }.to_string(),
                ),
                ("default", default),
            ]),
        );
    }

    Ok(())
}

/// Indexes, constraints, routines and triggers.
async fn read_keys_and_routines(
    session: &mut Session,
    schema: &str,
    binds: &[&str],
    tables: Tables,
    out: &mut Schema,
) -> Result<()> {
    // A prefix index column `name(10)` reads `name 10`, as the model spells it.
    let sql = format!(
        "SELECT TABLE_NAME, INDEX_NAME, CAST(MAX(NON_UNIQUE) AS CHAR), \
         GROUP_CONCAT(CONCAT(COALESCE(COLUMN_NAME, '(expression)'), \
           IF(SUB_PART IS NULL, '', CONCAT(' ', SUB_PART))) ORDER BY SEQ_IN_INDEX SEPARATOR ', ') \
         FROM information_schema.STATISTICS WHERE {} GROUP BY TABLE_NAME, INDEX_NAME",
        scope("TABLE_SCHEMA", schema)
    );
    for row in session.query(&sql, binds).await? {
        let table = tables.key(cell(&row, 0));
        let name = key_name(cell(&row, 1));
        out.insert(
            ObjectId::on_table(ObjectKind::Index, &table, &name),
            Attributes::from([
                ("table", table),
                ("columns", cell(&row, 3).to_lowercase()),
                ("unique", (cell(&row, 2) == "0").to_string()),
            ]),
        );
    }

    let sql = format!(
        "SELECT TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE FROM information_schema.TABLE_CONSTRAINTS \
         WHERE {} AND CONSTRAINT_TYPE IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY')",
        scope("CONSTRAINT_SCHEMA", schema)
    );
    for row in session.query(&sql, binds).await? {
        let name = key_name(cell(&row, 1));
        out.insert(
            ObjectId::on_table(ObjectKind::Constraint, &tables.key(cell(&row, 0)), &name),
            Attributes::from([("kind", cell(&row, 2).to_lowercase())]),
        );
    }

    let sql = format!(
        "SELECT EVENT_OBJECT_TABLE, TRIGGER_NAME FROM information_schema.TRIGGERS WHERE {}",
        scope("TRIGGER_SCHEMA", schema)
    );
    for row in session.query(&sql, binds).await? {
        out.insert(
            ObjectId::on_table(
                ObjectKind::Trigger,
                &tables.key(cell(&row, 0)),
                &cell(&row, 1).to_lowercase(),
            ),
            Attributes::new(),
        );
    }

    let sql = format!(
        "SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE {}",
        scope("ROUTINE_SCHEMA", schema)
    );
    for row in session.query(&sql, binds).await? {
        out.insert(
            ObjectId::new(
                ObjectKind::Function,
                format!("{}()", cell(&row, 0).to_lowercase()),
            ),
            Attributes::new(),
        );
    }
    Ok(())
}

/// An index or constraint name as the model spells it: `PRIMARY` as MySQL names every primary
/// key, any other name in lower case.
fn key_name(name: String) -> String {
    if name == "PRIMARY" {
        name
    } else {
        name.to_lowercase()
    }
}

fn is_text_type(ty: &str) -> bool {
    [
        "char",
        "varchar",
        "text",
        "enum",
        "set",
        "tinytext",
        "mediumtext",
        "longtext",
    ]
    .iter()
    .any(|t| ty.starts_with(t))
}

fn is_function(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    lower.starts_with("current_timestamp") || lower.contains('(')
}
