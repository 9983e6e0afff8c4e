//! The dev server from `--dev-url`, and the scratch databases preflight creates on it. A scratch
//! database is always dropped: explicitly when the proof ends, or by its guard's `Drop` when the
//! proof stops early (error, panic, Ctrl-C). The database named in the URL is only connected to,
//! never written.

use super::session::Session;
use crate::error::{Error, Result};
use crate::sql::Dialect;
use sqlx::mysql::MySqlConnectOptions;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A server preflight may create databases on.
#[derive(Debug, Clone)]
pub enum Server {
    Postgres(PgConnectOptions),
    MySql {
        options: MySqlConnectOptions,
        mariadb: bool,
    },
}

static SCRATCH_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A dev server that does not answer in this time is reported, not waited for.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

impl Server {
    /// Parses a `postgres://`, `postgresql://`, `mysql://` or `mariadb://` URL.
    pub fn from_url(url: &str) -> Result<Server> {
        let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
        // sqlx's messages can quote the URL, password included: never echo them.
        let bad_url =
            || Error::Usage("the dev server URL (--dev-url) is not a valid database URL".into());
        match scheme.as_deref() {
            Some("postgres" | "postgresql") => Ok(Server::Postgres(
                url.parse::<PgConnectOptions>()
                    .map_err(|_| bad_url())?
                    .disable_statement_logging(),
            )),
            Some(scheme @ ("mysql" | "mariadb")) => {
                let url = format!("mysql{}", &url[scheme.len()..]);
                Ok(Server::MySql {
                    options: url
                        .parse::<MySqlConnectOptions>()
                        .map_err(|_| bad_url())?
                        .disable_statement_logging(),
                    mariadb: scheme == "mariadb",
                })
            }
            _ => Err(Error::Usage(
                "--dev-url must start with postgres:// or mysql:// (verify needs a server it may create scratch databases on)".into(),
            )),
        }
    }

    /// The dialect the server speaks.
    pub fn dialect(&self) -> Dialect {
        match self {
            Server::Postgres(_) => Dialect::Postgres,
            Server::MySql { mariadb: true, .. } => Dialect::Mariadb,
            Server::MySql { .. } => Dialect::Mysql,
        }
    }

    /// `user@host:port`, for messages (never the password).
    pub fn describe(&self) -> String {
        match self {
            Server::Postgres(o) => {
                format!("{}@{}:{}", o.get_username(), o.get_host(), o.get_port())
            }
            Server::MySql { options: o, .. } => {
                format!("{}@{}:{}", o.get_username(), o.get_host(), o.get_port())
            }
        }
    }

    /// A session on the database named in the URL, used only for CREATE/DROP DATABASE.
    async fn admin(&self) -> Result<Session> {
        self.connect(None).await
    }

    /// A session on `database`, or on the URL's own database when `None`.
    pub async fn connect(&self, database: Option<&str>) -> Result<Session> {
        let attempt = async {
            match self {
                Server::Postgres(o) => {
                    let o = match database {
                        Some(db) => o.clone().database(db),
                        None => o.clone(),
                    };
                    sqlx::PgConnection::connect_with(&o)
                        .await
                        .map(Session::Postgres)
                }
                Server::MySql { options: o, .. } => {
                    let o = match database {
                        Some(db) => o.clone().database(db),
                        None => o.clone(),
                    };
                    sqlx::MySqlConnection::connect_with(&o)
                        .await
                        .map(Session::MySql)
                }
            }
        };
        match tokio::time::timeout(CONNECT_TIMEOUT, attempt).await {
            Ok(Ok(session)) => Ok(session),
            Ok(Err(e)) => Err(Error::Database(format!(
                "cannot connect to the dev server {}: {}",
                self.describe(),
                one_line(&e.to_string())
            ))),
            Err(_) => Err(Error::Database(format!(
                "cannot connect to the dev server {}: no answer within {} s",
                self.describe(),
                CONNECT_TIMEOUT.as_secs()
            ))),
        }
    }

    fn quote(&self, name: &str) -> String {
        match self {
            Server::Postgres(_) => format!("\"{name}\""),
            Server::MySql { .. } => format!("`{name}`"),
        }
    }

    /// PostgreSQL 13+ can drop a database other sessions still use; an interrupted proof may
    /// leave one behind for a moment.
    fn drop_statement(&self, name: &str, force: bool) -> String {
        let quoted = self.quote(name);
        match self {
            Server::Postgres(_) if force => {
                format!("DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
            }
            _ => format!("DROP DATABASE IF EXISTS {quoted}"),
        }
    }
}

/// A database that exists only for one proof. Call `drop_now` when done; if the value is
/// dropped without it (early return, panic, cancelled future), `Drop` removes the database
/// from a helper thread.
pub struct ScratchDatabase {
    server: Server,
    name: String,
    dropped: bool,
}

impl ScratchDatabase {
    /// Creates a uniquely named, empty database. A server that refuses is an error that says so.
    pub async fn create(server: &Server) -> Result<ScratchDatabase> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "preflight_verify_{}_{}_{nanos}",
            std::process::id(),
            SCRATCH_COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = server.admin().await?;
        let created = admin
            .execute(&format!("CREATE DATABASE {}", server.quote(&name)))
            .await;
        admin.close().await;
        match created {
            Ok(()) => Ok(ScratchDatabase {
                server: server.clone(),
                name,
                dropped: false,
            }),
            Err(e) => Err(Error::Database(format!(
                "cannot create a scratch database on {} ({e}); verify needs a dev server where this user may create and drop databases",
                server.describe()
            ))),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub async fn connect(&self) -> Result<Session> {
        self.server.connect(Some(&self.name)).await
    }

    /// Drops the database now. Close every session on it first.
    pub async fn drop_now(mut self) -> Result<()> {
        self.dropped = true;
        drop_database(&self.server, &self.name).await
    }
}

async fn drop_database(server: &Server, name: &str) -> Result<()> {
    let mut admin = server.admin().await?;
    if let Session::MySql(conn) = &mut admin {
        // MySQL's answer to WITH (FORCE): an interrupted proof may still hold locks in it.
        // Best effort: if the list cannot be read, DROP DATABASE below still runs and reports.
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT CAST(id AS SIGNED) FROM information_schema.processlist WHERE db = ?",
        )
        .bind(name)
        .fetch_all(&mut *conn)
        .await
        .unwrap_or_default();
        for id in ids {
            // The session may have ended by itself in the meantime.
            let _ = admin.execute(&format!("KILL {id}")).await;
        }
    }
    let mut result = admin.execute(&server.drop_statement(name, true)).await;
    if let (Err(e), Server::Postgres(_)) = (&result, server) {
        // Before PostgreSQL 13 there is no WITH (FORCE).
        if e.code == "42601" {
            result = admin.execute(&server.drop_statement(name, false)).await;
        }
    }
    admin.close().await;
    result.map_err(|e| {
        Error::Database(format!(
            "could not drop the scratch database {name} on {} ({e}); drop it by hand",
            server.describe()
        ))
    })
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        let server = self.server.clone();
        let name = self.name.clone();
        // Drop cannot await, and we may be inside the proof's runtime: use a thread with its own.
        let outcome = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Error::Other(format!("scratch database cleanup: {e}")))?;
            runtime.block_on(drop_database(&server, &name))
        })
        .join();
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("error: {e}"),
            Err(_) => eprintln!(
                "error: could not drop the scratch database {}; drop it by hand",
                self.name
            ),
        }
    }
}

/// sqlx errors can span lines; preflight's errors are one line.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
