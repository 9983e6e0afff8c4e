//! The live schema, read from the server's catalog in a fixed number of queries whatever the
//! schema's size (one per object kind), inside the read-only session.

pub mod mysql;
pub mod postgres;

use super::db::{Engine, Session};
use super::schema::Schema;
use crate::error::Result;

/// Reads every object of `schema` (PostgreSQL schema; MySQL database, default the URL's).
/// `keep_table_case`: MySQL/MariaDB tables are keyed as stored, not in lower case
/// (where `lower_case_table_names` is 0).
pub async fn read(session: &mut Session, schema: &str, keep_table_case: bool) -> Result<Schema> {
    match session.engine {
        Engine::Postgres => postgres::read(session, schema).await,
        Engine::MySql { .. } => mysql::read(session, schema, keep_table_case).await,
    }
}

/// Column `i` of a catalog row, empty when NULL.
pub(crate) fn cell(row: &[Option<String>], i: usize) -> String {
    row.get(i).cloned().flatten().unwrap_or_default()
}
