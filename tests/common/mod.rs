//! Test support shared by the integration tests: scratch databases on the real local servers
//! (here), the binary run in a directory of the test's own (`cli`), the corpus (`corpus`),
//! tracker tables and reconcile runs (`reconcile`), lint's retry flags beside a server's second
//! run (`retry`), rule documents (`rule_docs`) and a real moto_server with the parity incident
//! scenario (`moto`).
//! Each `ScratchDb` has a unique name and is dropped when the value goes out of scope,
//! also when the test fails.
#![allow(dead_code)]

pub mod cli;
pub mod corpus;
pub mod moto;
pub mod private_mariadb;
pub mod reconcile;
pub mod retry;
pub mod rule_docs;

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Postgres,
    MariaDb,
}

/// A database created for one test on the local PostgreSQL or MariaDB server.
pub struct ScratchDb {
    pub engine: Engine,
    pub name: String,
    /// URL of the scratch database itself.
    pub url: String,
    /// URL of the server without a database (for tools that create their own scratch databases).
    pub server_url: String,
    /// The server's TCP port on 127.0.0.1.
    pub port: u16,
}

pub fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

impl ScratchDb {
    pub fn postgres() -> Self {
        Self::postgres_named("pft")
    }

    /// A scratch PostgreSQL database whose name starts with `prefix`.
    pub fn postgres_named(prefix: &str) -> Self {
        let name = unique_name(prefix);
        let db = ScratchDb {
            engine: Engine::Postgres,
            url: format!("postgres://postgres@127.0.0.1:5432/{name}"),
            server_url: "postgres://postgres@127.0.0.1:5432/postgres".into(),
            port: 5432,
            name,
        };
        db.admin(&format!("CREATE DATABASE \"{}\"", db.name));
        db
    }

    pub fn mariadb() -> Self {
        Self::mariadb_on(3306)
    }

    /// A scratch MariaDB database (port 3306) whose name starts with `prefix`.
    pub fn mariadb_named(prefix: &str) -> Self {
        Self::mariadb_prefixed(3306, prefix)
    }

    /// A scratch database on the MariaDB server at 127.0.0.1:`port` (user root, no password).
    pub fn mariadb_on(port: u16) -> Self {
        Self::mariadb_prefixed(port, "pft")
    }

    fn mariadb_prefixed(port: u16, prefix: &str) -> Self {
        let name = unique_name(prefix);
        let db = ScratchDb {
            engine: Engine::MariaDb,
            url: format!("mysql://root@127.0.0.1:{port}/{name}"),
            server_url: format!("mysql://root@127.0.0.1:{port}/mysql"),
            port,
            name,
        };
        db.admin(&format!("CREATE DATABASE `{}`", db.name));
        db
    }

    /// Runs SQL in the scratch database through the engine's own client; panics with the
    /// client's error output when it fails.
    pub fn exec(&self, sql: &str) {
        let out = self.client(Some(&self.name), sql);
        assert!(
            out.status.success(),
            "SQL failed in {}: {}\n{sql}",
            self.name,
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Runs SQL and returns whether it succeeded, with the client's error text.
    pub fn try_exec(&self, sql: &str) -> Result<(), String> {
        let out = self.client(Some(&self.name), sql);
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// Runs `sql` on MariaDB in one session that goes on past a failing statement (the
    /// client's `--force`), and returns the 1-based lines where the failing statements start.
    pub fn mariadb_failing_lines(&self, sql: &str) -> Vec<usize> {
        assert_eq!(self.engine, Engine::MariaDb, "a forced run is MariaDB's");
        let mut child = Command::new("mariadb")
            .args(["-h", "127.0.0.1", "-uroot", "-N", "-B", "--force"])
            .arg(format!("--port={}", self.port))
            .arg(&self.name)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("mariadb client is installed");
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().expect("the client's stdin");
            stdin
                .write_all(sql.as_bytes())
                .expect("the client reads the SQL");
        }
        let out = child.wait_with_output().expect("the client ends");
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter_map(|line| line.strip_prefix("ERROR "))
            .map(|error| {
                let (_, after) = error
                    .split_once(" at line ")
                    .unwrap_or_else(|| panic!("no line in the client's error {error:?}"));
                let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
                digits.parse().expect("the error's line number")
            })
            .collect()
    }

    /// Runs a query and returns its rows, tab-separated, without headers.
    pub fn query(&self, sql: &str) -> Vec<String> {
        let out = self.client(Some(&self.name), sql);
        assert!(
            out.status.success(),
            "query failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn admin(&self, sql: &str) {
        let out = self.client(None, sql);
        assert!(
            out.status.success(),
            "admin SQL failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn client(&self, db: Option<&str>, sql: &str) -> std::process::Output {
        match self.engine {
            Engine::Postgres => Command::new("psql")
                .args(["-h", "127.0.0.1", "-U", "postgres", "-X", "-q", "-A", "-t"])
                .args(["-F", "\t", "-v", "ON_ERROR_STOP=1", "-d"])
                .arg(db.unwrap_or("postgres"))
                .arg("-c")
                .arg(sql)
                .output()
                .expect("psql is installed"),
            Engine::MariaDb => Command::new("mariadb")
                .args(["-h", "127.0.0.1", "-uroot", "-N", "-B"])
                .arg(format!("--port={}", self.port))
                .args(db)
                .arg("-e")
                .arg(sql)
                .output()
                .expect("mariadb client is installed"),
        }
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        let sql = match self.engine {
            Engine::Postgres => format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name),
            Engine::MariaDb => format!("DROP DATABASE IF EXISTS `{}`", self.name),
        };
        let _ = self.client(None, &sql);
    }
}
