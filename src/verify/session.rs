//! One connection to a scratch database: run a statement, dump the catalog.

use super::catalog::{self, Census, Fingerprint};
use super::plan::Replaced;
use crate::db::one_line;
use crate::error::{Error, Result};
use sqlx::Connection;
use std::fmt;

pub enum Session {
    Postgres(sqlx::PgConnection),
    MySql(sqlx::MySqlConnection),
}

/// The database's own refusal of a statement: SQLSTATE (PostgreSQL) or error number and
/// SQLSTATE (MySQL/MariaDB), and its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbError {
    /// `42P07` on PostgreSQL, `1050` on MySQL/MariaDB; empty when the driver gave none.
    pub code: String,
    /// The SQLSTATE on MySQL/MariaDB (PostgreSQL's code already is one).
    pub sqlstate: Option<String>,
    pub message: String,
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.code[..], &self.sqlstate) {
            ("", _) => f.write_str(&self.message),
            (code, Some(state)) => write!(f, "{code} ({state}) {}", self.message),
            (code, None) => write!(f, "{code} {}", self.message),
        }
    }
}

impl DbError {
    fn from_sqlx(error: &sqlx::Error) -> Option<DbError> {
        let sqlx::Error::Database(db) = error else {
            return None;
        };
        let message = one_line(db.message());
        if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
            return Some(DbError {
                code: my.number().to_string(),
                sqlstate: my.code().map(str::to_string),
                message,
            });
        }
        Some(DbError {
            code: db.code().map(|c| c.into_owned()).unwrap_or_default(),
            sqlstate: None,
            message,
        })
    }

    /// PostgreSQL's "cannot run inside a transaction block".
    pub fn is_active_transaction(&self) -> bool {
        self.code == "25001"
    }

    /// The server ended the session rather than refusing the statement: terminated by an
    /// administrator (`pg_terminate_backend`, `KILL`), shut down, or the connection failed.
    /// Such an error says nothing about the migration, so it must stop the proof.
    pub fn ends_session(&self) -> bool {
        // PostgreSQL: class 08 connection_exception; 57P01 admin_shutdown, 57P02
        // crash_shutdown, 57P03 cannot_connect_now. MySQL/MariaDB: 1053 ER_SERVER_SHUTDOWN,
        // 1927 ER_CONNECTION_KILLED.
        self.code.starts_with("08")
            || matches!(
                &self.code[..],
                "57P01" | "57P02" | "57P03" | "1053" | "1927"
            )
    }
}

impl Session {
    /// Runs one statement. The outer error is a broken connection (the proof cannot go on);
    /// the inner one is the server refusing the statement (a proof result).
    pub async fn run(&mut self, sql: &str) -> Result<Result<(), DbError>> {
        let outcome = match self {
            Session::Postgres(c) => sqlx::raw_sql(sql).execute(&mut *c).await.map(drop),
            Session::MySql(c) => sqlx::raw_sql(sql).execute(&mut *c).await.map(drop),
        };
        match outcome {
            Ok(()) => Ok(Ok(())),
            Err(e) => refused(e),
        }
    }

    /// Runs a statement of preflight's own (CREATE DATABASE, SAVEPOINT…); any failure is an error.
    pub async fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        match self.run(sql).await {
            Ok(outcome) => outcome,
            Err(e) => Err(DbError {
                code: String::new(),
                sqlstate: None,
                message: e.to_string(),
            }),
        }
    }

    /// Like `execute`, for control statements whose failure stops the proof.
    pub async fn control(&mut self, sql: &str) -> Result<()> {
        self.execute(sql).await.map_err(|e| {
            Error::Database(format!(
                "{} failed in the scratch database: {e}",
                crate::diagnostics::code_span(sql)
            ))
        })
    }

    /// One query that dumps the catalog of the scratch database.
    pub async fn fingerprint(&mut self) -> Result<Fingerprint> {
        let rows: std::result::Result<Vec<Option<String>>, sqlx::Error> = match self {
            Session::Postgres(c) => {
                sqlx::query_scalar(catalog::POSTGRES_DUMP)
                    .fetch_all(&mut *c)
                    .await
            }
            Session::MySql(c) => {
                sqlx::query_scalar(catalog::MYSQL_DUMP)
                    .fetch_all(&mut *c)
                    .await
            }
        };
        let rows = rows.map_err(|e| {
            Error::Database(format!(
                "could not read the scratch database's catalog: {}",
                one_line(&e.to_string())
            ))
        })?;
        Ok(Fingerprint::new(rows.into_iter().flatten().collect()))
    }

    /// PostgreSQL: the transaction's write counters; `None` on MySQL/MariaDB or when the
    /// server does not count (`track_counts = off`), so the caller takes the slow path.
    pub async fn census(&mut self) -> Result<Option<Census>> {
        let Session::Postgres(c) = self else {
            return Ok(None);
        };
        let (catalog_writes, data_writes, counting) =
            sqlx::query_as::<_, (i64, i64, bool)>(catalog::POSTGRES_CENSUS)
                .fetch_one(&mut *c)
                .await
                .map_err(|e| {
                    Error::Database(format!(
                        "could not read the scratch database's write counters: {}",
                        one_line(&e.to_string())
                    ))
                })?;
        Ok(counting.then_some(Census {
            catalog_writes,
            data_writes,
        }))
    }

    /// PostgreSQL: runs a batch whose first and last rows are censuses (statements in between
    /// may return rows of their own) and returns both. `Ok(None)` when the server does not
    /// count; the inner error when a statement of the batch was refused.
    pub async fn census_around(
        &mut self,
        batch: &str,
    ) -> Result<Result<Option<(Census, Census)>, DbError>> {
        let Session::Postgres(c) = self else {
            return Ok(Ok(None));
        };
        let rows = match sqlx::raw_sql(batch).fetch_all(&mut *c).await {
            Ok(rows) => rows,
            Err(e) => return refused(e),
        };
        let read = |row: Option<&sqlx::postgres::PgRow>| -> Result<Option<Census>> {
            use sqlx::Row;
            let row = row
                .ok_or_else(|| Error::Database("the write-counter query returned no row".into()))?;
            let bad = |e: sqlx::Error| {
                Error::Database(format!(
                    "unexpected write counters: {}",
                    one_line(&e.to_string())
                ))
            };
            let counting: bool = row.try_get(2).map_err(bad)?;
            Ok(counting.then_some(Census {
                catalog_writes: row.try_get(0).map_err(bad)?,
                data_writes: row.try_get(1).map_err(bad)?,
            }))
        };
        Ok(Ok(match (read(rows.first())?, read(rows.last())?) {
            (Some(before), Some(after)) => Some((before, after)),
            _ => None,
        }))
    }

    /// PostgreSQL: the catalog lines of just the objects `CREATE OR REPLACE` statements
    /// rewrite; `None` when a name does not resolve (the full dump must decide).
    pub async fn scoped_fingerprint(
        &mut self,
        objects: &[&Replaced],
    ) -> Result<Option<Fingerprint>> {
        let Session::Postgres(c) = self else {
            return Ok(None);
        };
        let mut views = Vec::new();
        let (mut schemas, mut names) = (Vec::new(), Vec::new());
        for object in objects {
            match object {
                Replaced::View(name) => views.push(name.clone()),
                Replaced::Routine { schema, name } => {
                    schemas.push(schema.clone());
                    names.push(name.clone());
                }
            }
        }
        let lines: Vec<Option<String>> = sqlx::query_scalar(catalog::POSTGRES_SCOPED_DUMP)
            .bind(views)
            .bind(schemas)
            .bind(names)
            .fetch_all(&mut *c)
            .await
            .map_err(|e| {
                Error::Database(format!(
                    "could not read the scratch database's catalog: {}",
                    one_line(&e.to_string())
                ))
            })?;
        let lines: Vec<String> = lines.into_iter().flatten().collect();
        if lines.iter().any(|l| l.starts_with("unresolved ")) {
            return Ok(None);
        }
        Ok(Some(Fingerprint::new(lines)))
    }

    /// PostgreSQL's `server_version_num`; 0 on MySQL/MariaDB.
    pub async fn server_version(&mut self) -> Result<u32> {
        let Session::Postgres(c) = self else {
            return Ok(0);
        };
        let version: String = sqlx::query_scalar("SELECT current_setting('server_version_num')")
            .fetch_one(&mut *c)
            .await
            .map_err(|e| {
                Error::Database(format!("server version: {}", one_line(&e.to_string())))
            })?;
        Ok(version.trim().parse().unwrap_or(0))
    }

    pub async fn close(self) {
        // A failed goodbye changes nothing: the server ends the session either way.
        let _ = match self {
            Session::Postgres(c) => c.close().await,
            Session::MySql(c) => c.close().await,
        };
    }
}

/// A statement refused by the server (inner error), or a broken connection (outer error).
fn refused<T>(e: sqlx::Error) -> Result<Result<T, DbError>> {
    match DbError::from_sqlx(&e) {
        Some(db) if !db.ends_session() => Ok(Err(db)),
        Some(db) => Err(lost_connection(&db.to_string())),
        None => Err(lost_connection(&one_line(&e.to_string()))),
    }
}

fn lost_connection(why: &str) -> Error {
    Error::Database(format!(
        "lost the scratch database connection ({why}); the proof is incomplete, run verify again"
    ))
}
