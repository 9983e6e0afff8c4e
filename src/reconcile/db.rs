//! The read-only database session reconcile runs in: one connection, one READ ONLY transaction
//! with a statement timeout, rolled back at the end. Every query goes through here so the query
//! count is known and no write can slip in.

use crate::db::{one_line, Conn, ConnectError, Target, CONNECT_TIMEOUT};
use crate::error::{Error, Result};
use sqlx::mysql::MySqlRow;
use sqlx::postgres::PgRow;
use sqlx::{Connection, Row};

/// How long one catalog or tracker query may run before the server cancels it.
pub const STATEMENT_TIMEOUT_SECS: u64 = 30;

/// One result row, every column read as text (NULL as `None`).
pub type TextRow = Vec<Option<String>>;

pub use crate::db::{redact_url, Engine};

/// An open read-only session.
pub struct Session {
    conn: Conn,
    pub engine: Engine,
    /// Catalog and tracker queries run so far (session setup statements not counted).
    pub queries: usize,
    redacted_url: String,
}

/// The engine a URL names, from its scheme.
pub fn engine_of_url(url: &str) -> Result<Engine> {
    Engine::of_url(url).ok_or_else(|| {
        Error::Usage(format!(
            "database URL {}: unsupported scheme; use postgres://… or mysql://… (SQLite is not reconciled)",
            redact_url(url)
        ))
    })
}

impl Session {
    /// Connects and opens the READ ONLY transaction.
    pub async fn open(url: &str) -> Result<Session> {
        let redacted = redact_url(url);
        let engine = engine_of_url(url)?;
        let target = Target::parse(url, "database URL")?;
        let conn = match target.connect(None).await {
            Ok(conn) => conn,
            Err(ConnectError::Driver(e)) => return Err(describe(e, &redacted, "connecting")),
            Err(ConnectError::Timeout) => {
                return Err(Error::Database(format!(
                    "{redacted}: no answer within {}s while connecting; check the host, port and network",
                    CONNECT_TIMEOUT.as_secs()
                )))
            }
        };
        let mut session = Session {
            conn,
            engine,
            queries: 0,
            redacted_url: redacted,
        };
        session.begin_read_only().await?;
        Ok(session)
    }

    async fn begin_read_only(&mut self) -> Result<()> {
        match self.engine {
            Engine::Postgres => {
                // One snapshot for every query, and the server refuses any write.
                self.setup("BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?;
                self.setup(&format!(
                    "SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT_SECS}s'"
                ))
                .await?;
            }
            Engine::MySql { .. } => {
                let version = self.setup_query_one("SELECT VERSION()").await?;
                let mariadb = version.to_ascii_lowercase().contains("mariadb");
                self.engine = Engine::MySql { mariadb };
                if mariadb {
                    self.setup(&format!(
                        "SET SESSION max_statement_time = {STATEMENT_TIMEOUT_SECS}"
                    ))
                    .await?;
                } else {
                    self.setup(&format!(
                        "SET SESSION max_execution_time = {}",
                        STATEMENT_TIMEOUT_SECS * 1000
                    ))
                    .await?;
                }
                self.setup("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    .await?;
                self.setup("START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT")
                    .await?;
            }
        }
        Ok(())
    }

    async fn setup(&mut self, sql: &str) -> Result<()> {
        let result = match &mut self.conn {
            Conn::Pg(c) => sqlx::raw_sql(sql).execute(&mut *c).await.map(|_| ()),
            Conn::My(c) => sqlx::raw_sql(sql).execute(&mut *c).await.map(|_| ()),
        };
        result.map_err(|e| self.error(e, "opening a read-only transaction"))
    }

    async fn setup_query_one(&mut self, sql: &str) -> Result<String> {
        let rows = self.rows(sql, &[]).await?;
        Ok(rows
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next().flatten())
            .unwrap_or_default())
    }

    /// Sets a PostgreSQL run-time setting for the rest of the read-only transaction
    /// (`set_config(name, value, true)`, as `SET LOCAL`); session setup, not counted as a query.
    pub async fn set_local(&mut self, name: &str, value: &str) -> Result<()> {
        self.rows("SELECT set_config($1, $2, true)", &[name, value])
            .await
            .map(|_| ())
    }

    /// Runs one read query; `binds` are text parameters (`$1…` on PostgreSQL, `?` on MySQL).
    pub async fn query(&mut self, sql: &str, binds: &[&str]) -> Result<Vec<TextRow>> {
        self.queries += 1;
        self.rows(sql, binds).await
    }

    async fn rows(&mut self, sql: &str, binds: &[&str]) -> Result<Vec<TextRow>> {
        let result = match &mut self.conn {
            Conn::Pg(c) => {
                let mut q = sqlx::query(sql);
                for b in binds {
                    q = q.bind(*b);
                }
                q.fetch_all(&mut *c)
                    .await
                    .map(|rows| rows.iter().map(pg_text_row).collect())
            }
            Conn::My(c) => {
                let mut q = sqlx::query(sql);
                for b in binds {
                    q = q.bind(*b);
                }
                q.fetch_all(&mut *c)
                    .await
                    .map(|rows| rows.iter().map(mysql_text_row).collect())
            }
        };
        result.map_err(|e| self.error(e, first_words(sql)))
    }

    /// Ends the transaction without committing anything and closes the connection.
    pub async fn close(mut self) {
        let _ = self.setup("ROLLBACK").await;
        let _ = match self.conn {
            Conn::Pg(c) => c.close().await,
            Conn::My(c) => c.close().await,
        };
    }

    fn error(&self, e: sqlx::Error, doing: &str) -> Error {
        // Connected already: an I/O failure now is a lost session, not an unreachable server.
        if let sqlx::Error::Io(io) = &e {
            return Error::Database(format!(
                "{}: the connection was lost ({}) in `{doing}`; nothing is reported, run reconcile again",
                self.redacted_url,
                one_line(&io.to_string())
            ));
        }
        describe(e, &self.redacted_url, doing)
    }
}

/// One line that says what failed and what to do, never the password.
fn describe(e: sqlx::Error, redacted: &str, doing: &str) -> Error {
    let text = match &e {
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.to_string()).unwrap_or_default();
            let msg = one_line(db.message());
            match code.as_str() {
                // The server ended the session (pg_terminate_backend, KILL, shutdown): no
                // report, since what was not read yet would be missing from it.
                "57P01" | "57P02" | "57P03" | "1053" | "1927" => format!(
                    "{redacted}: the server ended the session ({code} {msg}) in `{doing}`; nothing is reported, run reconcile again"
                ),
                // PostgreSQL insufficient_privilege; MySQL ER_TABLEACCESS_DENIED / ER_DBACCESS_DENIED.
                "42501" | "1142" | "1044" | "42000" if msg.to_lowercase().contains("denied") => {
                    format!("{redacted}: {msg} ({doing}); reconcile needs SELECT on the tracker table and the catalog")
                }
                "" => format!("{redacted}: {msg} ({doing})"),
                _ => format!("{redacted}: {code} {msg} ({doing})"),
            }
        }
        sqlx::Error::Io(io) => format!(
            "{redacted}: cannot reach the server: {} (is it running and reachable?)",
            one_line(&io.to_string())
        ),
        sqlx::Error::Tls(t) => format!("{redacted}: TLS failed: {}", one_line(&t.to_string())),
        // sqlx's configuration errors can quote the URL, password included: never echoed.
        sqlx::Error::Configuration(_) => format!(
            "{redacted}: bad database URL ({doing}); check the user, host, port, database name and TLS parameters"
        ),
        other => format!("{redacted}: {} ({doing})", one_line(&other.to_string())),
    };
    Error::Database(text)
}

fn first_words(sql: &str) -> &str {
    let trimmed = sql.trim_start();
    let end = trimmed
        .char_indices()
        .filter(|(_, c)| c.is_whitespace())
        .nth(3)
        .map_or(trimmed.len(), |(i, _)| i);
    &trimmed[..end]
}

fn pg_text_row(row: &PgRow) -> TextRow {
    (0..row.len())
        .map(|i| row.try_get::<Option<String>, _>(i).ok().flatten())
        .collect()
}

fn mysql_text_row(row: &MySqlRow) -> TextRow {
    (0..row.len())
        .map(|i| match row.try_get::<Option<String>, _>(i) {
            Ok(v) => v,
            // information_schema columns are binary-collated on some servers.
            Err(_) => row
                .try_get::<Option<Vec<u8>>, _>(i)
                .ok()
                .flatten()
                .map(|b| String::from_utf8_lossy(&b).into_owned()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_scheme_is_a_usage_error_without_the_password() {
        let err = engine_of_url("sqlite://u:pw@x").unwrap_err().to_string();
        assert!(err.contains("u:***@x"), "{err}");
        assert!(!err.contains("pw"), "{err}");
    }
}
