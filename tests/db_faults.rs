//! A database connection lost in the middle of `reconcile` or `verify`, on the real PostgreSQL
//! and MariaDB: another session terminates preflight's backend (`pg_terminate_backend`, `KILL`)
//! while it is provably inside a query. preflight must stop with a one-line error and exit 2,
//! print no report (a half-read one would look complete), and verify must still drop its
//! scratch database.
//!
//! No test hook in preflight: verify is caught inside a migration that sleeps, reconcile inside
//! its tracker query, held up by a lock another session takes on the tracker table.

mod common;

use common::{Engine, ScratchDb};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn start_preflight(args: &[&str]) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("preflight"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("preflight starts")
}

/// Polls `find` (a query returning server-side session ids) until it names one session.
fn wait_for_session(db: &ScratchDb, find: &str, what: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(id) = db.query(find).into_iter().find(|l| !l.trim().is_empty()) {
            return id.trim().to_string();
        }
        assert!(Instant::now() < deadline, "never saw {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn terminate(db: &ScratchDb, id: &str) {
    match db.engine {
        Engine::Postgres => db.exec(&format!("SELECT pg_terminate_backend({id})")),
        Engine::MariaDb => db.exec(&format!("KILL {id}")),
    }
}

/// Exit 2, exactly one line on stderr that says so, and nothing on stdout.
fn assert_one_line_error(out: &Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(2),
        "stderr: {stderr}\nstdout: {stdout}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains(expected), "{stderr}");
    assert!(stdout.trim().is_empty(), "a report was printed: {stdout}");
}

fn scratch_databases_of(db: &ScratchDb, pid: u32) -> Vec<String> {
    let prefix = format!("preflight_verify_{pid}_");
    let all = match db.engine {
        Engine::Postgres => db.query("SELECT datname FROM pg_database"),
        Engine::MariaDb => db.query("SHOW DATABASES"),
    };
    all.into_iter().filter(|d| d.starts_with(&prefix)).collect()
}

/// Verify on two migrations, the second of which sleeps; its backend is terminated mid-sleep.
/// `cause`: what the one line must name besides the lost connection.
fn connection_lost_mid_verify(db: ScratchDb, sleep: &str, cause: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("001_create.sql"),
        "CREATE TABLE IF NOT EXISTS accounts (id int);\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("002_slow.sql"), sleep).unwrap();
    let migrations = dir.path().to_str().unwrap();
    let child = start_preflight(&[
        "verify",
        "--dev-url",
        &db.server_url,
        "--migrations",
        migrations,
    ]);
    let pid = child.id();
    let find = match db.engine {
        Engine::Postgres => format!(
            "SELECT pid FROM pg_stat_activity WHERE datname LIKE 'preflight\\_verify\\_{pid}\\_%' \
             AND query LIKE '%pg_sleep%' AND state = 'active'"
        ),
        Engine::MariaDb => format!(
            "SELECT id FROM information_schema.processlist WHERE db LIKE 'preflight\\_verify\\_{pid}\\_%' \
             AND info LIKE '%SLEEP(%'"
        ),
    };
    let session = wait_for_session(&db, &find, "verify's sleeping migration");
    terminate(&db, &session);
    let out = child.wait_with_output().unwrap();
    assert_one_line_error(&out, "lost the scratch database connection");
    assert_one_line_error(&out, cause);
    assert!(
        scratch_databases_of(&db, pid).is_empty(),
        "the scratch database was left behind"
    );
}

#[test]
fn postgres_connection_lost_mid_verify() {
    // The server's own reason, not a failure of the next statement on the dead connection.
    connection_lost_mid_verify(
        ScratchDb::postgres(),
        "SELECT pg_sleep(60);\n",
        "57P01 terminating connection due to administrator command",
    );
}

#[test]
fn mariadb_connection_lost_mid_verify() {
    connection_lost_mid_verify(
        ScratchDb::mariadb(),
        "SELECT SLEEP(60);\n",
        "run verify again",
    );
}

/// Reconcile of an sqlx project whose tracker table another session holds locked: reconcile
/// waits in its tracker query, and its backend is terminated there.
fn connection_lost_mid_reconcile(db: ScratchDb, tracker_table: &str, hold_lock: &[&str]) {
    db.exec(tracker_table);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("20240101000000_create.sql"),
        "CREATE TABLE accounts (id int);\n",
    )
    .unwrap();
    let mut locker = Command::new(hold_lock[0])
        .args(&hold_lock[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the database client starts");
    let name = &db.name;
    let lock_held = match db.engine {
        Engine::Postgres => "SELECT pid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
             WHERE c.relname = '_sqlx_migrations' AND l.mode = 'AccessExclusiveLock' AND l.granted"
            .to_string(),
        Engine::MariaDb => format!(
            "SELECT id FROM information_schema.processlist WHERE db = '{name}' AND info LIKE '%SLEEP(%'"
        ),
    };
    wait_for_session(&db, &lock_held, "the lock on the tracker table");
    let child = start_preflight(&[
        "reconcile",
        "--database-url",
        &db.url,
        "--tracker",
        "sqlx",
        "--migrations",
        dir.path().to_str().unwrap(),
    ]);
    let waiting = match db.engine {
        Engine::Postgres => format!(
            "SELECT pid FROM pg_stat_activity WHERE datname = '{name}' AND wait_event_type = 'Lock'"
        ),
        Engine::MariaDb => format!(
            "SELECT id FROM information_schema.processlist WHERE db = '{name}' \
             AND state LIKE 'Waiting for%'"
        ),
    };
    let session = wait_for_session(&db, &waiting, "reconcile waiting for the tracker table");
    terminate(&db, &session);
    let out = child.wait_with_output().unwrap();
    let _ = locker.kill();
    let _ = locker.wait();
    assert_one_line_error(&out, "nothing is reported, run reconcile again");
}

#[test]
fn postgres_connection_lost_mid_reconcile() {
    let db = ScratchDb::postgres();
    let hold =
        "BEGIN; LOCK TABLE _sqlx_migrations IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT;";
    let name = db.name.clone();
    connection_lost_mid_reconcile(
        db,
        "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, \
         installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL, \
         checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL);",
        &[
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-X",
            "-q",
            "-d",
            &name,
            "-c",
            hold,
        ],
    );
}

#[test]
fn mariadb_connection_lost_mid_reconcile() {
    let db = ScratchDb::mariadb();
    let name = db.name.clone();
    connection_lost_mid_reconcile(
        db,
        "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, \
         installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, \
         checksum BLOB NOT NULL, execution_time BIGINT NOT NULL);",
        &[
            "mariadb",
            "-h",
            "127.0.0.1",
            "-uroot",
            &name,
            "-e",
            "LOCK TABLES _sqlx_migrations WRITE; SELECT SLEEP(60); UNLOCK TABLES;",
        ],
    );
}
