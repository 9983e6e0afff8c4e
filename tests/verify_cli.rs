//! `preflight verify` as a user runs it: exit codes, one-line errors, and the scratch database
//! dropped on Ctrl-C.

mod common;

use assert_cmd::Command;
use common::ScratchDb;
use std::path::Path;
use std::time::{Duration, Instant};

fn preflight() -> Command {
    let mut cmd = Command::cargo_bin("preflight").unwrap();
    cmd.env_remove("PREFLIGHT_DEV_URL").env("NO_COLOR", "1");
    cmd
}

fn repo(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(path)
        .display()
        .to_string()
}

#[test]
fn exit_1_on_the_incident_and_0_once_fixed() {
    let db = ScratchDb::postgres();
    let out = preflight()
        .args(["verify", "--dev-url", &db.server_url, "--migrations"])
        .arg(repo("migrations-sample/migrations"))
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["findings"][0]["rule"], "VF101");
    assert_eq!(json["findings"][0]["line"], 2);

    preflight()
        .args(["verify", "--dev-url", &db.server_url, "--migrations"])
        .arg(repo("fixtures/verify/postgres/fixed"))
        .assert()
        .code(0);
}

#[test]
fn dev_url_comes_from_the_variable_named_in_the_config() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("preflight.toml"),
        format!(
            "[migrations]\ndir = \"{}\"\ndev_url_env = \"PF_TEST_DEV_URL\"\n",
            repo("fixtures/verify/postgres/fixed")
        ),
    )
    .unwrap();
    preflight()
        .current_dir(dir.path())
        .env("PF_TEST_DEV_URL", &db.server_url)
        .arg("verify")
        .assert()
        .code(0);
    let out = preflight()
        .current_dir(dir.path())
        .env_remove("PF_TEST_DEV_URL")
        .arg("verify")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("PF_TEST_DEV_URL, which is not set"),
        "{stderr}"
    );
}

fn one_line_error(out: &std::process::Output) -> String {
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    stderr
}

#[test]
fn a_url_that_is_not_a_database_server_is_refused() {
    let out = preflight()
        .args(["verify", "--dev-url", "https://example.com", "--migrations"])
        .arg(repo("migrations-sample/migrations"))
        .output()
        .unwrap();
    assert!(one_line_error(&out).contains("--dev-url must start with postgres:// or mysql://"));
}

#[test]
fn an_unreachable_server_is_a_one_line_error_without_the_password() {
    let out = preflight()
        .args([
            "verify",
            "--dev-url",
            "postgres://someone:s3cret@127.0.0.1:1/app",
            "--migrations",
        ])
        .arg(repo("migrations-sample/migrations"))
        .output()
        .unwrap();
    let stderr = one_line_error(&out);
    // Worded as reconcile words it: what failed, and what to check.
    assert!(
        stderr.contains("dev server someone@127.0.0.1:1: cannot reach the server:")
            && stderr
                .trim_end()
                .ends_with("(is it running and reachable?)"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cret"));
}

#[test]
fn a_server_that_refuses_the_login_is_named_with_its_sqlstate() {
    let out = preflight()
        .args([
            "verify",
            "--dev-url",
            "postgres://no_such_role_for_preflight@127.0.0.1:5432/postgres",
            "--migrations",
        ])
        .arg(repo("migrations-sample/migrations"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        one_line_error(&out).trim_end(),
        "error: database: dev server no_such_role_for_preflight@127.0.0.1:5432: 28000 role \"no_such_role_for_preflight\" does not exist"
    );
}

/// A login role without CREATEDB, removed again when the test ends.
struct Role(String);

impl Drop for Role {
    fn drop(&mut self) {
        let _ = std::process::Command::new("psql")
            .args(["-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c"])
            .arg(format!("DROP ROLE IF EXISTS {}", self.0))
            .output();
    }
}

#[test]
fn a_server_where_databases_cannot_be_created_is_refused() {
    let db = ScratchDb::postgres();
    let role = Role(common::unique_name("pf_nocreatedb"));
    db.exec(&format!("CREATE ROLE {} LOGIN NOCREATEDB", role.0));
    let out = preflight()
        .args(["verify", "--dev-url"])
        .arg(format!("postgres://{}@127.0.0.1:5432/postgres", role.0))
        .arg("--migrations")
        .arg(repo("migrations-sample/migrations"))
        .output()
        .unwrap();
    let stderr = one_line_error(&out);
    assert!(
        stderr.contains("cannot create a scratch database"),
        "{stderr}"
    );
    assert!(stderr.contains("42501"), "{stderr}");
}

fn scratch_databases_of(db: &ScratchDb, pid: u32) -> Vec<String> {
    let prefix = format!("preflight_verify_{pid}_");
    let all = match db.engine {
        common::Engine::Postgres => db.query("SELECT datname FROM pg_database"),
        common::Engine::MariaDb => db.query("SHOW DATABASES"),
    };
    all.into_iter().filter(|d| d.starts_with(&prefix)).collect()
}

/// Starts verify on a migration that sleeps, waits for its scratch database, sends SIGINT and
/// checks the database is gone when the process has exited.
fn ctrl_c_drops_the_scratch_database(db: ScratchDb, sleep: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("001_slow.sql"), sleep).unwrap();
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("preflight"))
        .args(["verify", "--dev-url", &db.server_url, "--migrations"])
        .arg(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let deadline = Instant::now() + Duration::from_secs(20);
    while scratch_databases_of(&db, pid).is_empty() {
        assert!(
            Instant::now() < deadline,
            "verify never created its scratch database"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Let it reach the sleeping statement.
    std::thread::sleep(Duration::from_millis(500));
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted (Ctrl-C)"));
    assert!(scratch_databases_of(&db, pid).is_empty());
}

#[test]
fn ctrl_c_drops_the_postgres_scratch_database() {
    ctrl_c_drops_the_scratch_database(ScratchDb::postgres(), "SELECT pg_sleep(30);\n");
}

#[test]
fn ctrl_c_drops_the_mariadb_scratch_database() {
    ctrl_c_drops_the_scratch_database(
        ScratchDb::mariadb(),
        "CREATE TABLE IF NOT EXISTS t (id int);\nSELECT SLEEP(30);\n",
    );
}

/// The acceptance: the original sample fails the proof, and after `preflight fix` it
/// passes, on PostgreSQL and on MariaDB.
fn fix_then_verify(db: ScratchDb, sample: &str, dialect: &str) {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(repo(sample)).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    let verify = |expected: i32| {
        preflight()
            .args(["verify", "--dev-url", &db.server_url, "--migrations"])
            .arg(dir.path())
            .assert()
            .code(expected);
    };
    verify(1);
    preflight()
        .args(["fix", "--dialect", dialect])
        .arg(dir.path())
        .assert()
        .code(0);
    verify(0);
}

#[test]
fn postgres_sample_passes_after_preflight_fix() {
    fix_then_verify(
        ScratchDb::postgres(),
        "migrations-sample/migrations",
        "postgres",
    );
}

#[test]
fn mariadb_sample_passes_after_preflight_fix() {
    fix_then_verify(
        ScratchDb::mariadb(),
        "fixtures/verify/mariadb/original",
        "mariadb",
    );
}

#[test]
fn a_directory_without_migrations_is_an_error_not_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("README.md"), "no SQL here").unwrap();
    let out = preflight()
        .args([
            "verify",
            "--dev-url",
            "postgres://postgres@127.0.0.1:5432/postgres",
            "--migrations",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(one_line_error(&out).contains("contains no migration files (*.sql)"));
}

/// A proof cut short by --max-crash-points is unknown, which fails the run (exit 1) unless
/// `[check] allow_unknown` lets it through, as it does for reconcile.
#[test]
fn an_incomplete_proof_exits_1_unless_unknown_is_allowed() {
    let db = ScratchDb::mariadb();
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    std::fs::write(
        migrations.join("001_abc.sql"),
        "CREATE TABLE IF NOT EXISTS a (id int);\nCREATE TABLE IF NOT EXISTS b (id int);\nCREATE TABLE IF NOT EXISTS c (id int);\n",
    )
    .unwrap();
    let run = |config: &str| {
        std::fs::write(dir.path().join("preflight.toml"), config).unwrap();
        preflight()
            .current_dir(dir.path())
            .args([
                "verify",
                "--dev-url",
                &db.server_url,
                "--max-crash-points",
                "1",
            ])
            .output()
            .unwrap()
    };
    let out = run("[migrations]\ndir = \"migrations\"\n");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("VF104"));
    let out = run("[migrations]\ndir = \"migrations\"\n\n[check]\nallow_unknown = true\n");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn tracker_and_apply_model_decide_the_crash_points() {
    // A crash between the ADD and the DROP breaks a retry, unless the runner applies the file
    // in one transaction (a crash rolls it back): `--tracker diesel` says it does.
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    let migration = dir.path().join("2024-01-01-000000_accounts");
    std::fs::create_dir(&migration).unwrap();
    std::fs::write(
        migration.join("up.sql"),
        "CREATE TABLE IF NOT EXISTS accounts (id int);\nALTER TABLE accounts ADD COLUMN legacy_id int;\nALTER TABLE accounts DROP COLUMN legacy_id;\n",
    )
    .unwrap();
    let verify = |extra: &[&str]| {
        preflight()
            .args(["verify", "--dev-url", &db.server_url, "--migrations"])
            .arg(dir.path())
            .args(extra)
            .output()
            .unwrap()
    };
    let diesel = verify(&["--tracker", "diesel"]);
    let table = String::from_utf8_lossy(&diesel.stdout);
    assert_eq!(diesel.status.code(), Some(0), "{table}");
    assert!(table.contains("none (one transaction)"), "{table}");
    let each = verify(&[
        "--tracker",
        "diesel",
        "--apply-model",
        "statement-by-statement",
    ]);
    assert_eq!(each.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&each.stdout).contains("VF103"));
    let unknown = verify(&["--tracker", "nosuch"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(one_line_error(&unknown).contains("unknown tracker `nosuch`"));
}

#[test]
fn the_tool_is_detected_from_the_layout_as_lint_detects_it() {
    // The same crash-point failure as above: a Diesel directory is recognised without
    // --tracker, so its file is proved as Diesel applies it (one transaction).
    let db = ScratchDb::postgres();
    let diesel = tempfile::tempdir().unwrap();
    let migration = diesel.path().join("2024-01-01-000000_accounts");
    std::fs::create_dir(&migration).unwrap();
    let body = "CREATE TABLE IF NOT EXISTS accounts (id int);\nALTER TABLE accounts ADD COLUMN legacy_id int;\nALTER TABLE accounts DROP COLUMN legacy_id;\n";
    std::fs::write(migration.join("up.sql"), body).unwrap();
    let verify = |dir: &std::path::Path| {
        preflight()
            .args(["verify", "--dev-url", &db.server_url, "--migrations"])
            .arg(dir)
            .output()
            .unwrap()
    };
    let detected = verify(diesel.path());
    let table = String::from_utf8_lossy(&detected.stdout);
    assert_eq!(detected.status.code(), Some(0), "{table}");
    assert!(table.contains("none (one transaction)"), "{table}");
    assert!(!String::from_utf8_lossy(&detected.stderr).contains("migration tool is unknown"));

    // A plain directory names no tool: every crash point, and a note that says why.
    let plain = tempfile::tempdir().unwrap();
    std::fs::write(plain.path().join("001_accounts.sql"), body).unwrap();
    let unknown = verify(plain.path());
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stdout).contains("VF103"));
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("note: the migration tool is unknown"),
        "{}",
        String::from_utf8_lossy(&unknown.stderr)
    );
}

/// A password written unencoded (with `/`, `?`, `#` or `@`) makes the URL invalid; the error
/// that says so must not print it, from reconcile or verify, on stderr or in a check report.
#[test]
fn an_unencoded_password_is_never_printed() {
    let migrations = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations-sample/migrations");
    let tmp = tempfile::tempdir().unwrap();
    for password in ["pa/ss-1", "pa?ss-2", "pa#ss-3"] {
        let url = format!("postgres://app:{password}@127.0.0.1:1/x");
        for (flag, command) in [("--database-url", "reconcile"), ("--dev-url", "verify")] {
            let out = Command::cargo_bin("preflight")
                .unwrap()
                .current_dir(tmp.path())
                .args([command, flag, &url, "--migrations"])
                .arg(&migrations)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(2), "{command}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains("app:***@127.0.0.1:1/x"),
                "{command}: {stderr}"
            );
            let secret = &password[2..];
            assert!(
                !stderr.contains(secret),
                "{command} printed the password: {stderr}"
            );
        }
    }
}
