//! The read-only database session reconcile runs in: one connection, one READ ONLY transaction
//! with a statement timeout, rolled back at the end. Every query goes through here so the query
//! count is known and no write can slip in.

use crate::error::{Error, Result};
use crate::sql::Dialect;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlRow};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgRow};
use sqlx::{Connection, Row};
use std::str::FromStr;
use std::time::Duration;

/// How long one catalog or tracker query may run before the server cancels it.
pub const STATEMENT_TIMEOUT_SECS: u64 = 30;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// One result row, every column read as text (NULL as `None`).
pub type TextRow = Vec<Option<String>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Postgres,
    /// MySQL or MariaDB (`mariadb` tells which, for the statement-timeout variable).
    MySql {
        mariadb: bool,
    },
}

impl Engine {
    pub fn dialect(self) -> Dialect {
        match self {
            Engine::Postgres => Dialect::Postgres,
            Engine::MySql { mariadb: true } => Dialect::Mariadb,
            Engine::MySql { mariadb: false } => Dialect::Mysql,
        }
    }
}

enum Conn {
    Pg(PgConnection),
    My(MySqlConnection),
}

/// An open read-only session.
pub struct Session {
    conn: Conn,
    pub engine: Engine,
    /// Catalog and tracker queries run so far (session setup statements not counted).
    pub queries: usize,
    redacted_url: String,
}

/// The URL with its password replaced by `***`, safe to print.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    let userinfo = &authority[..at];
    let redacted = match userinfo.find(':') {
        Some(colon) => format!("{}:***", &userinfo[..colon]),
        None => userinfo.to_string(),
    };
    format!("{}{}{}", &url[..scheme_end + 3], redacted, &rest[at..])
}

/// The engine a URL names, from its scheme.
pub fn engine_of_url(url: &str) -> Result<Engine> {
    let scheme = url.split("://").next().unwrap_or("").to_ascii_lowercase();
    match scheme.as_str() {
        "postgres" | "postgresql" => Ok(Engine::Postgres),
        "mysql" => Ok(Engine::MySql { mariadb: false }),
        "mariadb" => Ok(Engine::MySql { mariadb: true }),
        _ => Err(Error::Usage(format!(
            "database URL {}: unsupported scheme; use postgres://… or mysql://… (SQLite is not reconciled)",
            redact_url(url)
        ))),
    }
}

impl Session {
    /// Connects and opens the READ ONLY transaction.
    pub async fn open(url: &str) -> Result<Session> {
        let redacted = redact_url(url);
        let engine = engine_of_url(url)?;
        let bad_url = |e: sqlx::Error| {
            Error::Usage(format!(
                "database URL {redacted}: {}",
                one_line(&e.to_string())
            ))
        };
        let conn = match engine {
            Engine::Postgres => {
                let opts = PgConnectOptions::from_str(url).map_err(bad_url)?;
                Conn::Pg(connect(PgConnection::connect_with(&opts), &redacted).await?)
            }
            Engine::MySql { .. } => {
                // sqlx only knows the mysql:// scheme; MariaDB speaks the same protocol.
                let normalized = if let Some(rest) = url.strip_prefix("mariadb://") {
                    format!("mysql://{rest}")
                } else {
                    url.to_string()
                };
                let opts = MySqlConnectOptions::from_str(&normalized).map_err(bad_url)?;
                Conn::My(connect(MySqlConnection::connect_with(&opts), &redacted).await?)
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
        describe(e, &self.redacted_url, doing)
    }
}

async fn connect<C>(
    fut: impl std::future::Future<Output = std::result::Result<C, sqlx::Error>>,
    redacted: &str,
) -> Result<C> {
    match tokio::time::timeout(CONNECT_TIMEOUT, fut).await {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(e)) => Err(describe(e, redacted, "connecting")),
        Err(_) => Err(Error::Database(format!(
            "{redacted}: no answer within {}s while connecting; check the host, port and network",
            CONNECT_TIMEOUT.as_secs()
        ))),
    }
}

/// One line that says what failed and what to do, never the password.
fn describe(e: sqlx::Error, redacted: &str, doing: &str) -> Error {
    let text = match &e {
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.to_string()).unwrap_or_default();
            let msg = one_line(db.message());
            match code.as_str() {
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
        sqlx::Error::Configuration(c) => {
            format!("{redacted}: bad database URL: {}", one_line(&c.to_string()))
        }
        other => format!("{redacted}: {} ({doing})", one_line(&other.to_string())),
    };
    Error::Database(text)
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
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
    fn redaction_hides_only_the_password() {
        assert_eq!(
            redact_url("postgres://app:s3cr%40t@db:5432/prod?sslmode=require"),
            "postgres://app:***@db:5432/prod?sslmode=require"
        );
        assert_eq!(
            redact_url("mysql://root@127.0.0.1/x"),
            "mysql://root@127.0.0.1/x"
        );
        assert_eq!(redact_url("postgres://db/x"), "postgres://db/x");
    }

    #[test]
    fn unknown_scheme_is_a_usage_error_without_the_password() {
        let err = engine_of_url("sqlite://u:pw@x").unwrap_err().to_string();
        assert!(err.contains("u:***@x"), "{err}");
        assert!(!err.contains("pw"), "{err}");
    }
}
