//! The dev server from `--dev-url`, and the scratch databases preflight creates on it. A scratch
//! database is always dropped: explicitly when the proof ends, or by its guard's `Drop` when the
//! proof stops early (error, panic, Ctrl-C). The database named in the URL is only connected to,
//! never written.

use super::session::Session;
use crate::db::{Conn, Engine, Target};
use crate::error::{Error, Result};
use crate::sql::Dialect;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A server preflight may create databases on.
#[derive(Debug, Clone)]
pub struct Server {
    target: Target,
}

static SCRATCH_COUNTER: AtomicUsize = AtomicUsize::new(0);

impl Server {
    /// Parses a `postgres://`, `postgresql://`, `mysql://` or `mariadb://` URL.
    pub fn from_url(url: &str) -> Result<Server> {
        if Engine::of_url(url).is_none() {
            return Err(Error::Usage(
                "--dev-url must start with postgres:// or mysql:// (verify needs a server it may create scratch databases on)".into(),
            ));
        }
        Ok(Server {
            target: Target::parse(url, "the dev server URL (--dev-url)")?,
        })
    }

    fn is_postgres(&self) -> bool {
        self.target.engine() == Engine::Postgres
    }

    /// The dialect the server speaks.
    pub fn dialect(&self) -> Dialect {
        self.target.engine().dialect()
    }

    /// `user@host:port`, for messages (never the password).
    pub fn describe(&self) -> String {
        self.target.describe()
    }

    /// A session on the database named in the URL, used only for CREATE/DROP DATABASE.
    async fn admin(&self) -> Result<Session> {
        self.connect(None).await
    }

    /// A session on `database`, or on the URL's own database when `None`.
    pub async fn connect(&self, database: Option<&str>) -> Result<Session> {
        match self.target.connect(database).await {
            Ok(Conn::Pg(c)) => Ok(Session::Postgres(c)),
            Ok(Conn::My(c)) => Ok(Session::MySql(c)),
            Err(e) => Err(Error::Database(format!(
                "dev server {}: {}",
                self.describe(),
                e.describe()
            ))),
        }
    }

    fn quote(&self, name: &str) -> String {
        if self.is_postgres() {
            format!("\"{name}\"")
        } else {
            format!("`{name}`")
        }
    }

    /// PostgreSQL 13+ can drop a database other sessions still use; an interrupted proof may
    /// leave one behind for a moment.
    fn drop_statement(&self, name: &str, force: bool) -> String {
        let quoted = self.quote(name);
        if self.is_postgres() && force {
            format!("DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        } else {
            format!("DROP DATABASE IF EXISTS {quoted}")
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
    if let (Err(e), true) = (&result, server.is_postgres()) {
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
            Ok(Err(e)) => crate::say!("error: {e}"),
            Err(_) => crate::say!(
                "error: could not drop the scratch database {}; drop it by hand",
                self.name
            ),
        }
    }
}
