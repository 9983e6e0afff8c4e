//! `preflight reconcile` against the real local PostgreSQL: the incident, and each tracker's
//! statuses, with checksums cross-checked by independent implementations (Python's zlib and
//! hashlib, coreutils sha384sum).

mod common;

use common::cli::write;
use common::reconcile::{
    applied_file, assert_message, block_on, external, finding, generic_table, migrations_table,
    options, reconcile_dir, sha384sum, statuses, try_reconcile, FLYWAY_SCHEMA_HISTORY,
};
use common::ScratchDb;
use preflight::config::MigrationsConfig;
use preflight::output::Report;
use std::path::{Path, PathBuf};

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations-sample/migrations")
}

const USERS: &str = "20240101_create_users.sql";
const SESSIONS: &str = "20240105_create_sessions.sql";
const PROFILES: &str = "20240115_add_user_profiles.sql";
const AUDIT_LOGS: &str = "20240120_add_audit_logs.sql";

/// sqlx's tracker table on PostgreSQL.
const SQLX_MIGRATIONS: &str = "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL, checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL);";

fn sample_sql(name: &str) -> String {
    std::fs::read_to_string(sample_dir().join(name)).unwrap()
}

/// Runs the sample migrations on `db`, in order.
fn exec_samples(db: &ScratchDb, samples: &[&str]) {
    for sample in samples {
        db.exec(&sample_sql(sample));
    }
}

/// The profiles migration up to its index: a run that stopped part-way.
fn profiles_table_only() -> String {
    let profiles = sample_sql(PROFILES);
    profiles[..profiles.find("CREATE INDEX").unwrap()].to_string()
}

/// Copies the sample migration `sample` into `dir` as `name`; returns its path.
fn copy_sample(dir: &Path, name: &str, sample: &str) -> PathBuf {
    write(dir, name, &sample_sql(sample))
}

/// Reconciles `dir` against `db` with the incident's generic tracker table.
fn run_generic(db: &ScratchDb, dir: &Path) -> Report {
    reconcile_dir(db, dir, Some("generic"), incident_tracker())
}

/// `file name → status` from the report's JSON.
fn file_statuses(report: &Report) -> Vec<(String, String)> {
    report.json_extra["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let file = m["file"].as_str().map_or("(none)".to_string(), |f| {
                Path::new(f)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            });
            (file, m["status"].as_str().unwrap().to_string())
        })
        .collect()
}

fn status_of(report: &Report, file: &str) -> String {
    file_statuses(report)
        .into_iter()
        .find(|(f, _)| f == file)
        .map(|(_, s)| s)
        .unwrap_or_else(|| panic!("{file} not in {:?}", file_statuses(report)))
}

fn incident_tracker() -> MigrationsConfig {
    migrations_table(Some("executed_at"))
}

fn incident_db(with_index: bool) -> ScratchDb {
    let db = ScratchDb::postgres();
    exec_samples(&db, &[USERS, SESSIONS]);
    if with_index {
        exec_samples(&db, &[PROFILES]);
    } else {
        db.exec(&profiles_table_only());
    }
    db.exec(
        "CREATE TABLE migrations (name TEXT PRIMARY KEY, executed_at TIMESTAMP NOT NULL DEFAULT now(), status TEXT NOT NULL);
         INSERT INTO migrations (name, status) VALUES ('20240101_create_users.sql', 'success'), ('20240105_create_sessions.sql', 'success');",
    );
    db
}

#[test]
fn the_incident_is_applied_unrecorded_and_the_next_one_pending() {
    let db = incident_db(true);
    let report = reconcile_dir(&db, &sample_dir(), None, incident_tracker());
    assert_eq!(
        file_statuses(&report),
        [
            (
                "20240101_create_users.sql".to_string(),
                "applied".to_string()
            ),
            ("20240105_create_sessions.sql".into(), "applied".into()),
            (
                "20240115_add_user_profiles.sql".into(),
                "applied_unrecorded".into()
            ),
            ("20240120_add_audit_logs.sql".into(), "pending".into()),
        ]
    );
    let finding = report
        .findings
        .iter()
        .find(|f| f.rule == "RC101")
        .expect("an applied-unrecorded finding");
    assert!(
        finding.message.contains("table user_profiles"),
        "{}",
        finding.message
    );
    assert!(
        finding
            .message
            .contains("the tracker table migrations has no record of it"),
        "names the user's own table: {}",
        finding.message
    );
    assert!(
        finding.notes.iter().any(|n| n.contains("INSERT INTO migrations (name, status, executed_at) VALUES ('20240115_add_user_profiles.sql'")),
        "{:?}",
        finding.notes
    );
    assert_eq!(
        finding.location.start.map(|p| p.line),
        Some(2),
        "points at the CREATE TABLE"
    );
    // Nothing else is wrong: no drift, no unmanaged objects.
    let others: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule != "RC101")
        .collect();
    assert!(others.is_empty(), "{others:#?}");
}

#[test]
fn table_without_its_index_is_partial() {
    let db = incident_db(false);
    let report = run_generic(&db, &sample_dir());
    assert_eq!(
        status_of(&report, "20240115_add_user_profiles.sql"),
        "partial"
    );
    assert_message(&report, "RC102", "idx_user_profiles_user_id");
}

/// Flyway's checksum as Python computes it: CRC-32 (zlib) chained over each line without its
/// terminator, BOM stripped, as a signed 32-bit integer.
fn python_flyway_crc(path: &Path) -> String {
    let script = [
        "import sys, zlib",
        "data = open(sys.argv[1], 'rb').read().decode('utf-8')",
        "data = data[1:] if data.startswith('\\ufeff') else data",
        "crc = 0",
        "for line in data.replace('\\r\\n', '\\n').replace('\\r', '\\n').split('\\n'): crc = zlib.crc32(line.encode('utf-8'), crc)",
        "print(crc - (1 << 32) if crc >= (1 << 31) else crc)",
    ]
    .join("\n");
    external("python3", &["-c", &script, path.to_str().unwrap()])
}

fn python_sha256(path: &Path) -> String {
    external(
        "python3",
        &["-c", "import sys, hashlib; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())", path.to_str().unwrap()],
    )
}

fn migration(report: &Report, file: &str) -> serde_json::Value {
    report.json_extra["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["file"].as_str().is_some_and(|f| f.ends_with(file)))
        .cloned()
        .unwrap_or_else(|| panic!("{file} missing"))
}

#[test]
fn sqlx_edit_after_apply_is_a_checksum_mismatch_and_an_unknown_row_an_orphan() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    let users = copy_sample(dir.path(), USERS, USERS);
    let sessions = copy_sample(dir.path(), SESSIONS, SESSIONS);
    exec_samples(&db, &[USERS, SESSIONS]);
    let applied_sum = sha384sum(&sessions);
    db.exec(SQLX_MIGRATIONS);
    db.exec(&format!(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES
           (20240101, 'create users', TRUE, decode('{}', 'hex'), 1),
           (20240105, 'create sessions', TRUE, decode('{applied_sum}', 'hex'), 1),
           (20231231, 'deleted since', TRUE, decode('00', 'hex'), 1);",
        sha384sum(&users)
    ));
    // Edited after it was applied.
    std::fs::write(&sessions, sample_sql(SESSIONS) + "-- tweak\n").unwrap();

    let report = reconcile_dir(&db, dir.path(), None, MigrationsConfig::default());
    assert_eq!(status_of(&report, "20240101_create_users.sql"), "applied");
    assert_eq!(
        status_of(&report, "20240105_create_sessions.sql"),
        "checksum_mismatch"
    );
    let m = migration(&report, "20240105_create_sessions.sql");
    assert_eq!(m["checksum"]["recorded"], applied_sum.as_str());
    assert_eq!(m["checksum"]["computed"], sha384sum(&sessions).as_str());
    assert_eq!(report.json_extra["database"]["tracker"], "sqlx");
    assert_eq!(status_of(&report, "(none)"), "orphan");
    assert_message(&report, "RC107", "20231231");
    let mismatch = finding(&report, "RC105");
    assert!(
        mismatch.notes[0].contains("UPDATE _sqlx_migrations SET checksum"),
        "{:?}",
        mismatch.notes
    );
}

#[test]
fn sqlx_dropped_column_is_drift_and_the_mark_applied_insert_has_the_real_checksum() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    let users = copy_sample(dir.path(), USERS, USERS);
    let profiles = copy_sample(dir.path(), PROFILES, PROFILES);
    exec_samples(&db, &[USERS, PROFILES]);
    db.exec("ALTER TABLE users DROP COLUMN password_hash; ALTER TABLE users ALTER COLUMN email TYPE TEXT;");
    db.exec(SQLX_MIGRATIONS);
    db.exec(&format!(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (20240101, 'create users', TRUE, decode('{}', 'hex'), 1);",
        sha384sum(&users)
    ));
    let report = reconcile_dir(&db, dir.path(), Some("sqlx"), MigrationsConfig::default());
    assert_eq!(status_of(&report, "20240101_create_users.sql"), "drifted");
    let drift = finding(&report, "RC104");
    let all = format!("{} {:?}", drift.message, drift.notes);
    assert!(
        all.contains("column users.password_hash: missing from the table"),
        "{all}"
    );
    assert!(
        all.contains("type: expected character varying(255), found text"),
        "{all}"
    );

    assert_eq!(
        status_of(&report, "20240115_add_user_profiles.sql"),
        "applied_unrecorded"
    );
    let unrecorded = finding(&report, "RC101");
    let expected_insert = format!("decode('{}', 'hex')", sha384sum(&profiles));
    assert!(
        unrecorded
            .notes
            .iter()
            .any(|n| n.contains(&expected_insert)),
        "{:?}",
        unrecorded.notes
    );
}

#[test]
fn flyway_checksums_match_flyways_algorithm_and_an_edit_is_a_mismatch() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    // BOM and CRLF: Flyway's checksum ignores both.
    let users_text = format!("\u{feff}{}", sample_sql(USERS).replace('\n', "\r\n"));
    let users = write(dir.path(), "V1__create_users.sql", &users_text);
    let sessions = copy_sample(dir.path(), "V2__create_sessions.sql", SESSIONS);
    exec_samples(&db, &[USERS, SESSIONS]);
    let applied_crc = python_flyway_crc(&sessions);
    db.exec(FLYWAY_SCHEMA_HISTORY);
    db.exec(&format!(
        "INSERT INTO flyway_schema_history VALUES
           (1, '1', 'create users', 'SQL', 'V1__create_users.sql', {}, 'ci', now(), 5, TRUE),
           (2, '2', 'create sessions', 'SQL', 'V2__create_sessions.sql', {applied_crc}, 'ci', now(), 5, TRUE);",
        python_flyway_crc(&users)
    ));
    std::fs::write(
        &sessions,
        sample_sql(SESSIONS).replace("token VARCHAR(64)", "token VARCHAR(128)"),
    )
    .unwrap();

    let report = reconcile_dir(&db, dir.path(), None, MigrationsConfig::default());
    assert_eq!(status_of(&report, "V1__create_users.sql"), "applied");
    assert_eq!(
        status_of(&report, "V2__create_sessions.sql"),
        "checksum_mismatch"
    );
    let m = migration(&report, "V2__create_sessions.sql");
    assert_eq!(m["checksum"]["recorded"], applied_crc.as_str());
    assert_eq!(
        m["checksum"]["computed"],
        python_flyway_crc(&sessions).as_str()
    );
    let f = finding(&report, "RC105");
    assert!(f.notes[0].contains("flyway repair"), "{:?}", f.notes);
}

#[test]
fn prisma_accepts_crlf_variants_and_flags_an_edit_and_a_failed_run() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    let init_lf = sample_sql(USERS);
    // The file on disk has CRLF line endings; Prisma recorded the LF checksum.
    write(
        dir.path(),
        "20240101000000_init/migration.sql",
        &init_lf.replace('\n', "\r\n"),
    );
    let sessions = copy_sample(
        dir.path(),
        "20240105000000_sessions/migration.sql",
        SESSIONS,
    );
    copy_sample(
        dir.path(),
        "20240115000000_profiles/migration.sql",
        PROFILES,
    );
    copy_sample(dir.path(), "20240120000000_audit/migration.sql", AUDIT_LOGS);
    write(
        dir.path(),
        "migration_lock.toml",
        "provider = \"postgresql\"\n",
    );
    exec_samples(&db, &[USERS, SESSIONS]);
    let applied = python_sha256(&sessions);
    let init_sum = {
        let tmp = tempfile::tempdir().unwrap();
        let p = write(tmp.path(), "m.sql", &init_lf);
        python_sha256(&p)
    };
    db.exec(&format!(
        "CREATE TABLE _prisma_migrations (id VARCHAR(36) PRIMARY KEY, checksum VARCHAR(64) NOT NULL, finished_at TIMESTAMPTZ, migration_name VARCHAR(255) NOT NULL, logs TEXT, rolled_back_at TIMESTAMPTZ, started_at TIMESTAMPTZ NOT NULL DEFAULT now(), applied_steps_count INTEGER NOT NULL DEFAULT 0);
         INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, started_at) VALUES
           ('a', '{init_sum}', now(), '20240101000000_init', now() - interval '3 minutes'),
           ('b', '{applied}', now(), '20240105000000_sessions', now() - interval '2 minutes'),
           ('c', 'ffff', NULL, '20240115000000_profiles', now() - interval '1 minute');
         INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, rolled_back_at, started_at) VALUES
           ('d', 'eeee', NULL, '20240120000000_audit', now(), now());"
    ));
    std::fs::write(
        &sessions,
        sample_sql(SESSIONS) + "\nCREATE INDEX s_token ON sessions(token);\n",
    )
    .unwrap();

    let report = reconcile_dir(&db, dir.path(), None, MigrationsConfig::default());
    assert_eq!(status_of(&report, "migration.sql"), "applied"); // first row: the CRLF init
    let statuses = file_statuses(&report);
    assert_eq!(statuses[1].1, "checksum_mismatch", "{statuses:?}");
    assert_eq!(statuses[2].1, "failed", "{statuses:?}");
    // Its only attempt was resolved as rolled back (`prisma migrate resolve --rolled-back`).
    assert_eq!(statuses[3].1, "pending", "{statuses:?}");
    let m = migration(&report, "20240105000000_sessions/migration.sql");
    assert_eq!(m["checksum"]["recorded"], applied.as_str());
    assert_eq!(m["checksum"]["computed"], python_sha256(&sessions).as_str());
    let failed = finding(&report, "RC106");
    assert!(
        failed.notes[0].contains("prisma migrate resolve --rolled-back 20240115000000_profiles"),
        "{:?}",
        failed.notes
    );
}

#[test]
fn golang_migrate_dirty_flag_is_dirty() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    copy_sample(dir.path(), "1_users.up.sql", USERS);
    write(dir.path(), "1_users.down.sql", "DROP TABLE users;");
    copy_sample(dir.path(), "2_sessions.up.sql", SESSIONS);
    copy_sample(dir.path(), "3_profiles.up.sql", PROFILES);
    exec_samples(&db, &[USERS, SESSIONS]);
    db.exec(&profiles_table_only());
    db.exec("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, dirty BOOLEAN NOT NULL); INSERT INTO schema_migrations VALUES (3, TRUE);");

    let report = reconcile_dir(&db, dir.path(), None, MigrationsConfig::default());
    assert_eq!(report.json_extra["database"]["tracker"], "golang-migrate");
    assert_eq!(status_of(&report, "1_users.up.sql"), "applied");
    assert_eq!(status_of(&report, "2_sessions.up.sql"), "applied");
    assert_eq!(status_of(&report, "3_profiles.up.sql"), "dirty");
    let f = assert_message(
        &report,
        "RC106",
        "1 missing (index user_profiles.idx_user_profiles_user_id)",
    );
    assert!(f.notes[0].contains("force 3"), "{:?}", f.notes);
}

#[test]
fn bad_url_and_unreachable_server_are_one_line_errors_without_the_password() {
    let mut opts = options(
        "postgres://app:hunter2@127.0.0.1:1/db",
        &sample_dir(),
        None,
        MigrationsConfig::default(),
    );
    let err = try_reconcile(&opts).unwrap_err().to_string();
    assert!(err.contains("cannot reach the server"), "{err}");
    assert!(
        err.contains("app:***@") && !err.contains("hunter2") && !err.contains('\n'),
        "{err}"
    );
    opts.database_url = "postgres://app:hunter2@127.0.0.1:5432/db?sslmode=bogus".into();
    let err = try_reconcile(&opts).unwrap_err().to_string();
    assert!(!err.contains("hunter2") && !err.contains('\n'), "{err}");
}

#[test]
fn missing_tracker_table_under_auto_detection_is_an_error() {
    let db = ScratchDb::postgres();
    let err = try_reconcile(&options(
        &db.url,
        &sample_dir(),
        None,
        MigrationsConfig::default(),
    ))
    .unwrap_err()
    .to_string();
    assert!(err.contains("no migration tracker table"), "{err}");
}

#[test]
fn cli_exits_1_on_the_incident_and_prints_json_with_migrations() {
    let db = incident_db(true);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("preflight.toml"),
        format!(
            "[migrations]\ndir = \"{}\"\ndatabase_url_env = \"PF_TEST_DB_URL\"\n[migrations.generic_tracker]\ntable = \"migrations\"\nversion_column = \"name\"\nstatus_column = \"status\"\n",
            sample_dir().display()
        ),
    )
    .unwrap();
    let out = assert_cmd::Command::cargo_bin("preflight")
        .unwrap()
        .current_dir(dir.path())
        .env("PF_TEST_DB_URL", &db.url)
        .env_remove("PREFLIGHT_DATABASE_URL")
        .args(["reconcile", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let third = &json["migrations"][2];
    assert_eq!(third["status"], "applied_unrecorded");
    assert_eq!(third["recorded"], false);
    assert!(third["objects"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["name"] == "user_profiles"));
    assert_eq!(json["findings"][0]["rule"], "RC101");

    // An unset variable is a one-line configuration error, exit 2.
    let out = assert_cmd::Command::cargo_bin("preflight")
        .unwrap()
        .current_dir(dir.path())
        .env_remove("PF_TEST_DB_URL")
        .env_remove("PREFLIGHT_DATABASE_URL")
        .arg("reconcile")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("PF_TEST_DB_URL") && stderr.lines().count() == 1,
        "{stderr}"
    );
}

#[test]
fn the_session_is_read_only_with_a_statement_timeout() {
    use preflight::reconcile::db::Session;
    let db = ScratchDb::postgres();
    db.exec("CREATE TABLE t (id int)");
    block_on(async {
        let mut session = Session::open(&db.url).await.unwrap();
        let show = |rows: Vec<Vec<Option<String>>>| rows[0][0].clone().unwrap();
        assert_eq!(
            show(
                session
                    .query("SHOW transaction_read_only", &[])
                    .await
                    .unwrap()
            ),
            "on"
        );
        assert_eq!(
            show(session.query("SHOW statement_timeout", &[]).await.unwrap()),
            "30s"
        );
        let err = session
            .query("INSERT INTO t VALUES (1)", &[])
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("read-only transaction"), "{err}");
        session.close().await;
    });
    assert_eq!(db.query("SELECT count(*) FROM t"), ["0"]);
}

#[test]
fn a_table_dropped_by_a_later_migration_is_not_missing_for_the_one_that_created_it() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "1_create.sql",
        "CREATE TABLE scratch (id int);\nCREATE TABLE kept (id int);\n",
    );
    write(dir.path(), "2_drop.sql", "DROP TABLE scratch;\n");
    write(
        dir.path(),
        "3_alter.sql",
        "ALTER TABLE kept ADD COLUMN note TEXT;\n",
    );
    db.exec("CREATE TABLE kept (id int); CREATE TABLE migrations (name TEXT, status TEXT);");
    db.exec(
        "INSERT INTO migrations VALUES ('1_create.sql', 'success'), ('2_drop.sql', 'success');",
    );
    let report = run_generic(&db, dir.path());
    assert_eq!(
        statuses(&report),
        ["applied", "applied", "pending"],
        "{:#?}",
        report.findings
    );
    // Now the drop is recorded but the table is back: the drop's effect is missing.
    db.exec("CREATE TABLE scratch (id int); ALTER TABLE kept ADD COLUMN note TEXT;");
    let report = run_generic(&db, dir.path());
    assert_eq!(status_of(&report, "2_drop.sql"), "drifted");
    assert_eq!(status_of(&report, "3_alter.sql"), "applied_unrecorded");
}

fn objects_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/reconcile/postgres-objects")
}

/// Every object kind the PostgreSQL catalog reader knows, created by migrations and compared.
#[test]
fn every_postgres_object_kind_reconciles_cleanly_and_hand_edits_show() {
    let db = ScratchDb::postgres();
    let mut names = Vec::new();
    for entry in std::fs::read_dir(objects_dir()).unwrap() {
        names.push(entry.unwrap().file_name().to_string_lossy().into_owned());
    }
    names.sort();
    for name in &names {
        db.exec(&std::fs::read_to_string(objects_dir().join(name)).unwrap());
    }
    db.exec("CREATE TABLE migrations (name TEXT, status TEXT);");
    for name in &names {
        db.exec(&format!(
            "INSERT INTO migrations VALUES ('{name}', 'success');"
        ));
    }
    let report = run_generic(&db, &objects_dir());
    assert_eq!(
        statuses(&report),
        ["applied", "applied", "applied"],
        "{:#?}",
        report.findings
    );
    assert!(report.findings.is_empty(), "{:#?}", report.findings);

    // Hand edits: an enum label, a default, a dropped trigger, an extra function.
    db.exec(
        "ALTER TYPE mood ADD VALUE 'meh';
         ALTER TABLE accounts ALTER COLUMN status SET DEFAULT 'new';
         DROP TRIGGER notes_touch ON notes;
         CREATE FUNCTION hotfix(x integer) RETURNS integer LANGUAGE sql AS 'SELECT x';",
    );
    let report = run_generic(&db, &objects_dir());
    assert_eq!(
        statuses(&report),
        ["drifted", "drifted", "missing_objects"],
        "{:#?}",
        report.findings
    );
    let text: String = report
        .findings
        .iter()
        .map(|f| format!("{} {}\n", f.message, f.notes.join(" | ")))
        .collect();
    assert!(
        text.contains("enum mood: labels: expected sad, ok, happy, found sad, ok, happy, meh"),
        "{text}"
    );
    assert!(
        text.contains("column accounts.status: default: expected 'active', found 'new'"),
        "{text}"
    );
    assert!(text.contains("trigger notes.notes_touch"), "{text}");
    assert!(
        text.contains(
            "function hotfix(integer) exists in the database but no migration creates it"
        ),
        "{text}"
    );
}

#[test]
fn a_generic_tracker_matches_rows_to_files_by_name_even_when_dates_repeat() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "20240101_a.sql", "CREATE TABLE a (id int);\n");
    write(dir.path(), "20240101_b.sql", "CREATE TABLE b (id int);\n");
    db.exec("CREATE TABLE b (id int); CREATE TABLE migrations (name TEXT, status TEXT);");
    db.exec("INSERT INTO migrations VALUES ('20240101_b.sql', 'success');");
    let report = run_generic(&db, dir.path());
    assert_eq!(
        file_statuses(&report),
        [
            ("20240101_a.sql".to_string(), "pending".to_string()),
            ("20240101_b.sql".into(), "applied".into())
        ],
        "{:#?}",
        report.findings
    );
}

#[test]
fn a_configured_generic_table_wins_auto_detection_over_other_tools_tables() {
    let db = incident_db(true);
    db.exec("CREATE TABLE schema_migrations (version VARCHAR(128) PRIMARY KEY);");
    let report = reconcile_dir(&db, &sample_dir(), None, incident_tracker());
    assert_eq!(report.json_extra["database"]["tracker"], "generic");
    assert_eq!(
        status_of(&report, "20240115_add_user_profiles.sql"),
        "applied_unrecorded"
    );
}

/// A runner whose SQL names `other.migrations` never reads `public.migrations`: a missing
/// schema or table there is a missing tracker table (RC111), not the search path's table.
#[test]
fn a_schema_qualified_generic_table_is_read_only_in_that_schema() {
    let db = ScratchDb::postgres();
    // Another runner's (or an older setup's) records in the reconciled schema.
    let dir = applied_file(&db, "1_t.sql", "CREATE TABLE t (id int);");
    let config = generic_table("other.migrations");
    for create_schema in [false, true] {
        if create_schema {
            db.exec("CREATE SCHEMA other;");
        }
        for tracker in [Some("generic"), None] {
            let report = reconcile_dir(&db, dir.path(), tracker, config.clone());
            assert_eq!(
                statuses(&report),
                ["applied_unrecorded"],
                "{tracker:?}, schema other exists: {create_schema}: {:#?}",
                report.findings
            );
            assert_eq!(report.json_extra["database"]["tracker"], "generic");
            let missing = assert_message(
                &report,
                "RC111",
                "generic keeps its records in other.migrations, which does not exist in schema other",
            );
            assert_eq!(missing.subject.as_deref(), Some("other.migrations"));
        }
    }
    db.exec("CREATE TABLE other.migrations (name TEXT, status TEXT); INSERT INTO other.migrations VALUES ('1_t.sql', 'success');");
    for tracker in [Some("generic"), None] {
        let report = reconcile_dir(&db, dir.path(), tracker, config.clone());
        assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
        // public.migrations is not the tracker's table (that is other.migrations) and no
        // migration creates it: the leftover is unmanaged, and that is the only finding.
        let findings: Vec<_> = report
            .findings
            .iter()
            .map(|f| (f.rule.code, f.subject.as_deref()))
            .collect();
        assert_eq!(
            findings,
            [("RC110", Some("table migrations"))],
            "{:#?}",
            report.findings
        );
    }
}

/// A table named like a schema-qualified tracker table but in another schema is not the
/// tracker's: no migration creates it, so it is unmanaged (RC110) like any other table.
#[test]
fn a_table_named_like_the_tracker_table_of_another_schema_is_unmanaged() {
    let db = ScratchDb::postgres();
    let dir = applied_file(&db, "1_t.sql", "CREATE TABLE t (id int);");
    db.exec("CREATE SCHEMA other; ALTER TABLE migrations SET SCHEMA other; CREATE TABLE public.migrations (id int);");
    for tracker in [Some("generic"), None] {
        let report = reconcile_dir(&db, dir.path(), tracker, generic_table("other.migrations"));
        assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
        assert_eq!(
            report.json_extra["unmanaged"],
            serde_json::json!(["table migrations"]),
            "{tracker:?}: {:#?}",
            report.findings
        );
        let rc110 = assert_message(
            &report,
            "RC110",
            "table migrations exists in the database but no migration creates it",
        );
        assert_eq!(rc110.subject.as_deref(), Some("table migrations"));
    }
    // In its own schema the tracker table is never unmanaged.
    db.exec("DROP TABLE public.migrations; ALTER TABLE other.migrations SET SCHEMA public; DROP SCHEMA other;");
    for config in [
        generic_table("public.migrations"),
        generic_table("migrations"),
    ] {
        let report = reconcile_dir(&db, dir.path(), None, config);
        assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
        assert!(report.findings.is_empty(), "{:#?}", report.findings);
    }
}

/// The generic table is named as the runner's SQL writes it, and PostgreSQL folds an unquoted
/// name to lower case: `Migrations` is the table `migrations`, `"Migrations"` keeps its case.
/// The columns are pasted into the query unquoted, so the server folds them the same way.
#[test]
fn a_generic_table_name_is_the_table_postgresql_resolves_it_to() {
    let db = ScratchDb::postgres();
    let dir = applied_file(&db, "1_t.sql", "CREATE TABLE t (id int);");
    let mut config = generic_table("Migrations");
    if let Some(generic) = config.generic_tracker.as_mut() {
        generic.version_column = "Name".into();
        generic.status_column = Some("STATUS".into());
    }
    for config in [config, generic_table("Public.Migrations")] {
        for tracker in [Some("generic"), None] {
            let report = reconcile_dir(&db, dir.path(), tracker, config.clone());
            assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
            assert!(report.findings.is_empty(), "{:#?}", report.findings);
        }
    }

    // A quoted name keeps its case: `"Migrations"` is another, empty table.
    db.exec("CREATE TABLE \"Migrations\" (name TEXT, status TEXT);");
    for table in [r#""Migrations""#, r#"public."Migrations""#] {
        let report = reconcile_dir(&db, dir.path(), Some("generic"), generic_table(table));
        assert_eq!(statuses(&report), ["applied_unrecorded"], "{table}");
        assert!(
            report.findings.iter().all(|f| f.rule != "RC111"),
            "{table}: {:#?}",
            report.findings
        );
    }
    db.exec("INSERT INTO \"Migrations\" VALUES ('1_t.sql', 'success');");
    let report = reconcile_dir(
        &db,
        dir.path(),
        Some("generic"),
        generic_table(r#""Migrations""#),
    );
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
}

/// An index rebuilt by hand with another method, without its WHERE clause or with an extra one
/// is drift, and so is a column's order or operator class; the same definition spelt as the
/// catalog spells it (casts, parentheses, default ASC/NULLS) is not.
#[test]
fn an_index_rebuilt_by_hand_with_another_method_or_predicate_is_drift() {
    let db = ScratchDb::postgres();
    let sql = "CREATE TABLE t (id int PRIMARY KEY, status TEXT, deleted_at TIMESTAMP, tags TEXT[]);
CREATE INDEX t_tags ON t USING gin (tags);
CREATE UNIQUE INDEX t_status ON t (status) WHERE status = 'active' AND deleted_at IS NULL;
CREATE INDEX t_deleted ON t (deleted_at);
CREATE INDEX t_order ON t (status DESC NULLS FIRST, deleted_at ASC NULLS LAST, lower(status) text_pattern_ops);
";
    let dir = applied_file(&db, "1_t.sql", sql);
    let report = run_generic(&db, dir.path());
    assert_eq!(
        status_of(&report, "1_t.sql"),
        "applied",
        "{:#?}",
        report.findings
    );

    db.exec(
        "DROP INDEX t_tags; CREATE INDEX t_tags ON t USING btree (tags);
         DROP INDEX t_status; CREATE UNIQUE INDEX t_status ON t (status);
         DROP INDEX t_deleted; CREATE INDEX t_deleted ON t (deleted_at) WHERE deleted_at IS NOT NULL;
         DROP INDEX t_order; CREATE INDEX t_order ON t (status, deleted_at DESC, lower(status));",
    );
    let report = run_generic(&db, dir.path());
    assert_eq!(status_of(&report, "1_t.sql"), "drifted");
    let drift = migration(&report, "1_t.sql")["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["state"] == "drifted")
        .map(|o| format!("{}: {}", o["name"].as_str().unwrap(), o["differences"]))
        .collect::<Vec<_>>();
    assert_eq!(
        drift,
        [
            r#"t.t_tags: ["method: expected gin, found btree"]"#,
            r#"t.t_status: ["predicate: expected status = 'active' and deleted_at is null, found none"]"#,
            r#"t.t_deleted: ["predicate: expected none, found deleted_at is not null"]"#,
            r#"t.t_order: ["columns: expected status desc, deleted_at, lower status text_pattern_ops, found status, deleted_at desc, lower status"]"#,
        ]
    );
}

/// A mistyped --schema with a named tracker must not read as an empty schema where every
/// migration is merely pending (a pass).
#[test]
fn a_schema_that_does_not_exist_is_an_error_not_an_empty_schema() {
    let db = incident_db(true);
    let mut opts = options(
        &db.url,
        &sample_dir(),
        Some("sqlx"),
        MigrationsConfig::default(),
    );
    opts.schema = Some("pubilc".into());
    let err = try_reconcile(&opts).expect_err("a missing schema is an error");
    assert_eq!(err.exit_code(), 2);
    assert_eq!(
        err.to_string(),
        "pubilc does not exist as a schema in this database (check --schema or [migrations] schema)"
    );
}

/// The catalog is read in a fixed number of queries: ten times the tables, the same count.
#[test]
fn the_number_of_queries_does_not_grow_with_the_schema() {
    let queries = |tables: usize| {
        let db = ScratchDb::postgres();
        let sql: String = (0..tables)
            .map(|i| format!("CREATE TABLE t{i} (id SERIAL PRIMARY KEY, name TEXT NOT NULL);\nCREATE INDEX t{i}_name ON t{i} (name);\n"))
            .collect();
        let dir = applied_file(&db, "1_tables.sql", &sql);
        let report = run_generic(&db, dir.path());
        assert_eq!(status_of(&report, "1_tables.sql"), "applied");
        report.json_extra["database"]["queries"].as_u64().unwrap()
    };
    let small = queries(3);
    assert_eq!(small, queries(30));
    assert!(small <= 15, "{small} queries");
}

/// `--fail-on` decides the exit code as in lint: drift is a warning, so it fails the run only
/// from `--fail-on warning` down; `--fail-on never` lets even the incident's error through.
#[test]
fn fail_on_sets_the_severity_that_exits_1() {
    let db = incident_db(true);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("preflight.toml"),
        format!(
            "[migrations]\ndir = \"{}\"\n[migrations.generic_tracker]\ntable = \"migrations\"\nversion_column = \"name\"\nstatus_column = \"status\"\n",
            sample_dir().display()
        ),
    )
    .unwrap();
    let exit = |fail_on: Option<&str>| {
        let mut cmd = assert_cmd::Command::cargo_bin("preflight").unwrap();
        cmd.current_dir(dir.path())
            .env_remove("PREFLIGHT_DATABASE_URL")
            .args(["reconcile", "--database-url", &db.url]);
        if let Some(level) = fail_on {
            cmd.args(["--fail-on", level]);
        }
        cmd.output().unwrap().status.code()
    };
    assert_eq!(exit(None), Some(1), "the incident is an error");
    assert_eq!(exit(Some("never")), Some(0));

    db.exec("INSERT INTO migrations (name, status) VALUES ('20240115_add_user_profiles.sql', 'success');
             ALTER TABLE users ALTER COLUMN created_at DROP DEFAULT;");
    assert_eq!(exit(None), Some(0), "drift alone is a warning");
    assert_eq!(exit(Some("warning")), Some(1));
}

/// A partition's columns come from its parent, and a quoted mixed-case key column is the
/// same column the catalog shows: neither is unmanaged or drift.
#[test]
fn partitions_and_quoted_mixed_case_keys_reconcile_cleanly() {
    let db = ScratchDb::postgres();
    let sql = "CREATE TABLE ev (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE ev_2024 PARTITION OF ev FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE \"Mixed Case\" (\"Id\" int PRIMARY KEY, \"Code\" text, UNIQUE (\"Code\"));
CREATE TABLE \"Keyed\" (\"A\" int, PRIMARY KEY (\"A\"));
";
    let dir = applied_file(&db, "1_a.sql", sql);
    let report = run_generic(&db, dir.path());
    assert_eq!(
        status_of(&report, "1_a.sql"),
        "applied",
        "{:#?}",
        report.findings
    );
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

/// `preflight reconcile --tracker sqlx` on `root/migrations`, one migration there.
fn reconcile_cli(db: &ScratchDb, root: &Path) -> std::process::Output {
    write(
        root,
        "migrations/20240101000000_users.sql",
        "CREATE TABLE users (id INT);\n",
    );
    common::cli::preflight(root)
        .env_remove("PREFLIGHT_DATABASE_URL")
        .args([
            "reconcile",
            "--migrations",
            "migrations",
            "--tracker",
            "sqlx",
        ])
        .args(["--database-url", &db.url])
        .output()
        .unwrap()
}

/// A configuration error: exit 2, one line on stderr that says `at` (file and line).
fn assert_one_line_at(out: std::process::Output, at: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(at), "{stderr}");
}

/// A TOML syntax error in the crate's sqlx.toml or in preflight.toml is a configuration error:
/// one line with the file and the line (not the toml crate's snippet with a caret), exit 2.
#[test]
fn a_toml_syntax_error_is_one_line_naming_the_file_and_its_line() {
    let db = ScratchDb::postgres();
    let root = tempfile::tempdir().unwrap();
    write(
        root.path(),
        "sqlx.toml",
        "[migrate]\nignored-chars = [\"\\r\"]\ntable-name = \"app_migrations\n",
    );
    assert_one_line_at(reconcile_cli(&db, root.path()), "sqlx.toml: line 3: ");

    write(root.path(), "sqlx.toml", "");
    write(
        root.path(),
        "preflight.toml",
        "[migrations]\ndir = \"migrations\"\n\ntracker = sqlx\n",
    );
    assert_one_line_at(reconcile_cli(&db, root.path()), "preflight.toml: line 4: ");
}

/// A sqlx.toml value reconcile cannot use names the line it is on, as a syntax error does.
#[test]
fn a_bad_sqlx_toml_value_names_its_line() {
    let db = ScratchDb::postgres();
    let root = tempfile::tempdir().unwrap();
    write(root.path(), "sqlx.toml", "[migrate]\n\ntable-name = \"\"\n");
    assert_one_line_at(
        reconcile_cli(&db, root.path()),
        "sqlx.toml: line 3: [migrate] table-name: \"\" is not a table name",
    );
    write(
        root.path(),
        "sqlx.toml",
        "[migrate]\nignored-chars = [\n  \"\\r\",\n  \"ab\",\n]\n",
    );
    assert_one_line_at(
        reconcile_cli(&db, root.path()),
        "sqlx.toml: line 4: [migrate] ignored-chars: \"ab\" is not one character",
    );
    write(
        root.path(),
        "sqlx.toml",
        "[migrate]\nignored-chars = \"\\r\"\n",
    );
    assert_one_line_at(
        reconcile_cli(&db, root.path()),
        "sqlx.toml: line 2: [migrate] ignored-chars must be a list",
    );
}

/// A tracker table or column name with more dot-separated parts than the setting allows
/// (`schema.table`, `table.column`) is a configuration error naming the setting and the value,
/// not a name whose first parts are dropped.
#[test]
fn a_name_with_too_many_parts_is_refused() {
    let db = ScratchDb::postgres();
    let root = tempfile::tempdir().unwrap();
    write(
        root.path(),
        "sqlx.toml",
        "[migrate]\ntable-name = \"db.tools.log\"\n",
    );
    assert_one_line_at(
        reconcile_cli(&db, root.path()),
        "sqlx.toml: line 2: [migrate] table-name: \"db.tools.log\" is not a table name: 3 dot-separated parts, at most schema.table",
    );
    write(root.path(), "sqlx.toml", "");
    // A two-part column (table.column) is still a column.
    let generic = |table: &str, version: &str| {
        write(
            root.path(),
            "preflight.toml",
            &format!("[migrations]\ndir = \"migrations\"\n[migrations.generic_tracker]\ntable = '{table}'\nversion_column = '{version}'\nstatus_column = 'status'\n"),
        );
        common::cli::preflight(root.path())
            .env_remove("PREFLIGHT_DATABASE_URL")
            .args(["reconcile", "--database-url", &db.url])
            .output()
            .unwrap()
    };
    let refused = "preflight.toml: [migrations.generic_tracker] table = \"db.other.migrations\" is not a table name: 3 dot-separated parts, at most schema.table";
    assert_one_line_at(generic("db.other.migrations", "name"), refused);
    // Refused too when auto-detection would pick another tool's table.
    db.exec(SQLX_MIGRATIONS);
    assert_one_line_at(generic("db.other.migrations", "name"), refused);
    db.exec("DROP TABLE _sqlx_migrations;");
    assert_one_line_at(
        generic("migrations", r#"other.migrations."Name""#),
        r#"preflight.toml: [migrations.generic_tracker] version_column = "other.migrations.\"Name\"" is not a column name: 3 dot-separated parts, at most table.column"#,
    );
    db.exec("CREATE TABLE migrations (name TEXT, status TEXT); INSERT INTO migrations VALUES ('20240101000000_users.sql', 'success'); CREATE TABLE users (id INT);");
    let out = generic("migrations", "migrations.name");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Findings name a generic tracker's table as configured, schema and quotes included, as the
/// statements they print do.
#[test]
fn findings_name_the_generic_table_as_configured() {
    let db = ScratchDb::postgres();
    let dir = applied_file(&db, "1_t.sql", "CREATE TABLE t (id int);");
    write(dir.path(), "2_u.sql", "CREATE TABLE u (id int);");
    db.exec("CREATE TABLE u (id int); CREATE SCHEMA other; ALTER TABLE migrations SET SCHEMA other; INSERT INTO other.migrations VALUES ('0_gone.sql', 'success');");
    let report = reconcile_dir(&db, dir.path(), None, generic_table("other.migrations"));
    assert_eq!(
        statuses(&report),
        ["applied", "applied_unrecorded", "orphan"],
        "{:#?}",
        report.findings
    );
    let unrecorded = assert_message(
        &report,
        "RC101",
        "but the tracker table other.migrations has no record of it",
    );
    assert!(
        unrecorded
            .notes
            .iter()
            .any(|n| n.contains("INSERT INTO other.migrations")),
        "{:#?}",
        unrecorded.notes
    );
    assert_message(
        &report,
        "RC107",
        "the tracker table other.migrations records version 0_gone.sql",
    );

    db.exec(r#"ALTER TABLE other.migrations RENAME TO "Migrations";"#);
    let report = reconcile_dir(
        &db,
        dir.path(),
        None,
        generic_table(r#"other."Migrations""#),
    );
    assert_message(
        &report,
        "RC101",
        r#"but the tracker table other."Migrations" has no record of it"#,
    );
}

/// A generic tracker column written quoted (`version_column = "\"Name\""`) keeps its case, as
/// in the runner's SQL; an unquoted one is folded to lower case by PostgreSQL. The printed
/// statements quote it the same way.
#[test]
fn a_quoted_generic_column_keeps_its_case() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "1_t.sql", "CREATE TABLE t (id int);");
    db.exec(r#"CREATE TABLE t (id int); CREATE TABLE migrations ("Name" TEXT, "Run Status" TEXT); INSERT INTO migrations VALUES ('1_t.sql', 'success'), ('0_gone.sql', 'success');"#);
    let mut config = generic_table("migrations");
    if let Some(generic) = config.generic_tracker.as_mut() {
        generic.version_column = r#""Name""#.into();
        generic.status_column = Some("`Run Status`".into());
    }
    let report = reconcile_dir(&db, dir.path(), None, config.clone());
    assert_eq!(
        statuses(&report),
        ["applied", "orphan"],
        "{:#?}",
        report.findings
    );
    let orphan = finding(&report, "RC107");
    assert!(
        orphan
            .notes
            .iter()
            .any(|n| n.contains(r#"DELETE FROM migrations WHERE "Name" = '0_gone.sql';"#)),
        "{:#?}",
        orphan.notes
    );
    // Unquoted, `Name` is the column `name`, which does not exist.
    if let Some(generic) = config.generic_tracker.as_mut() {
        generic.version_column = "Name".into();
    }
    let Err(err) = try_reconcile(&options(&db.url, dir.path(), None, config)) else {
        panic!("the column name does not exist");
    };
    assert!(err.to_string().contains("name"), "{err}");
}

/// The MySQL/MariaDB foreign key scenarios (multi-column keys beside indexes on part of their
/// columns, keys dropped and added again, a table dropped and re-created, a renamed table)
/// reconcile cleanly on PostgreSQL, which names keys `<table>_<columns>_fkey` and makes no
/// index for them.
#[test]
fn foreign_keys_dropped_re_added_and_multi_column_reconcile_cleanly() {
    let db = ScratchDb::postgres();
    let sql = "CREATE TABLE p (id int PRIMARY KEY, id2 int, UNIQUE (id, id2));
CREATE TABLE a1 (a int, b int, c int, FOREIGN KEY (a, b) REFERENCES p (id, id2));
CREATE INDEX ia ON a1 (a);
CREATE TABLE a6 (a int, b int, FOREIGN KEY (a) REFERENCES p (id), FOREIGN KEY (a, b) REFERENCES p (id, id2));
CREATE TABLE t (a int, b int, c int, FOREIGN KEY (a) REFERENCES p (id), FOREIGN KEY (b) REFERENCES p (id));
ALTER TABLE t DROP CONSTRAINT t_b_fkey;
ALTER TABLE t ADD FOREIGN KEY (c) REFERENCES p (id);
CREATE TABLE r (a int REFERENCES p (id));
DROP TABLE r;
CREATE TABLE r (a int, b int, FOREIGN KEY (a) REFERENCES p (id));
ALTER TABLE r ADD FOREIGN KEY (b) REFERENCES p (id);
CREATE TABLE m (a int, CONSTRAINT m_ibfk_x FOREIGN KEY (a) REFERENCES p (id));
ALTER TABLE m RENAME TO m2;
";
    let dir = applied_file(&db, "1_a.sql", sql);
    let keys = db.query("SELECT conname FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace ORDER BY 1");
    assert_eq!(
        keys,
        [
            "a1_a_b_fkey",
            "a6_a_b_fkey",
            "a6_a_fkey",
            "m_ibfk_x",
            "r_a_fkey",
            "r_b_fkey",
            "t_a_fkey",
            "t_c_fkey"
        ]
    );
    let report = run_generic(&db, dir.path());
    assert_eq!(
        status_of(&report, "1_a.sql"),
        "applied",
        "{:#?}",
        report.findings
    );
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

/// A renamed column is renamed in the indexes and keys on it: the replay kept the old name in
/// the index definitions and reported drift.
#[test]
fn a_renamed_column_is_renamed_in_its_indexes() {
    let db = ScratchDb::postgres();
    let sql = "CREATE TABLE t (a int, b int, c text, UNIQUE (a, b));
CREATE INDEX t_ab ON t (a, b DESC);
CREATE INDEX t_c ON t (c text_pattern_ops);
ALTER TABLE t RENAME COLUMN a TO a2;
ALTER TABLE t RENAME c TO c2;
";
    let dir = applied_file(&db, "1_a.sql", sql);
    let report = run_generic(&db, dir.path());
    assert_eq!(
        status_of(&report, "1_a.sql"),
        "applied",
        "{:#?}",
        report.findings
    );
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

/// PL/pgSQL `EXECUTE format(…)` in a DO block changes the schema in a way the replay cannot
/// follow. A difference on a table the block names gets a note saying the migration's dynamic
/// SQL may have made it; a block that builds its table names from the catalog names none, so
/// every difference gets the note. The findings keep their severity.
#[test]
fn differences_a_do_blocks_execute_may_have_made_say_so() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    // `lower('C')` is not a value preflight evaluates (with `'c'` it replays the DROP COLUMN:
    // see `dynamic_sql_preflight_evaluates_is_replayed`).
    let first = "CREATE TABLE c (id int, x int);\nDO $$ BEGIN EXECUTE format('ALTER TABLE %I DROP COLUMN x', lower('C')); END $$;\n";
    let second = "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\nDO $$\nDECLARE r record;\nBEGIN\n  FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE '_' LOOP\n    EXECUTE format('ALTER TABLE %I ADD COLUMN z int', r.tablename);\n  END LOOP;\nEND $$;\n";
    write(
        dir.path(),
        "20240101_c.sql",
        &format!("-- migrate:up\n{first}-- migrate:down\n"),
    );
    db.exec(first);
    db.exec("CREATE TABLE schema_migrations (version VARCHAR(128) PRIMARY KEY); INSERT INTO schema_migrations VALUES ('20240101');");
    let report = reconcile_dir(&db, dir.path(), None, MigrationsConfig::default());
    let drift = assert_message(&report, "RC104", "column c.x: missing from the table");
    assert!(
        drift.notes.iter().any(|n| n.starts_with("20240101_c.sql runs SQL it builds at run time (line 3: `EXECUTE format('ALTER TABLE …`), which preflight cannot replay, and it names c: this difference may be that migration's doing")),
        "{:#?}",
        drift.notes
    );
    assert_eq!(drift.severity, preflight::diagnostics::Severity::Warning);

    write(
        dir.path(),
        "20240102_ab.sql",
        &format!("-- migrate:up\n{second}-- migrate:down\n"),
    );
    db.exec(second);
    db.exec("INSERT INTO schema_migrations VALUES ('20240102');");
    let report = reconcile_dir(&db, dir.path(), None, MigrationsConfig::default());
    let unmanaged: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.code() == "RC110")
        .collect();
    // a.z, b.z and c.z.
    assert_eq!(unmanaged.len(), 3, "{:#?}", report.findings);
    for f in unmanaged {
        assert!(
            f.notes.iter().any(|n| n.starts_with("20240102_ab.sql runs SQL it builds at run time (line 8: `EXECUTE format('ALTER TABLE …`), which preflight cannot replay, and what it touches cannot be told from the file")),
            "{:#?}",
            f.notes
        );
    }
}

/// A function whose PL/pgSQL body runs EXECUTE (lemmy's `drop_ccnew_indexes`) runs dynamic SQL
/// when a migration calls it: differences then carry the note too.
#[test]
fn a_call_of_a_function_running_execute_is_dynamic_sql() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    let up = "CREATE TABLE t (id int);\nCREATE INDEX t_ccnew ON t (id);\nCREATE FUNCTION drop_ccnew_indexes() RETURNS integer AS $$\nDECLARE i RECORD;\nBEGIN\n  FOR i IN (SELECT relname FROM pg_class WHERE relname LIKE '%ccnew%') LOOP\n    EXECUTE 'DROP INDEX ' || i.relname;\n  END LOOP;\n  RETURN 1;\nEND;\n$$ LANGUAGE plpgsql;\nSELECT drop_ccnew_indexes();\n";
    write(
        dir.path(),
        "20240101_t.sql",
        &format!("-- migrate:up\n{up}-- migrate:down\n"),
    );
    db.exec(up);
    db.exec("CREATE TABLE schema_migrations (version VARCHAR(128) PRIMARY KEY); INSERT INTO schema_migrations VALUES ('20240101');");
    let report = reconcile_dir(&db, dir.path(), None, MigrationsConfig::default());
    let missing = assert_message(&report, "RC103", "index t.t_ccnew");
    assert!(
        missing.notes.iter().any(|n| n.starts_with("20240101_t.sql runs SQL it builds at run time (line 13: `SELECT drop_ccnew_indexes()`), which preflight cannot replay, and what it touches cannot be told from the file")),
        "{:#?}",
        missing.notes
    );
}

/// `up` applied and reconciled.
fn applied_and_reconciled(up: &str) -> Report {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "20240101_t.sql",
        &format!("-- migrate:up\n{up}-- migrate:down\n"),
    );
    db.exec(up);
    db.exec("CREATE TABLE schema_migrations (version VARCHAR(128) PRIMARY KEY); INSERT INTO schema_migrations VALUES ('20240101');");
    reconcile_dir(&db, dir.path(), None, MigrationsConfig::default())
}

/// The RC110 finding about table audit_log.
fn unmanaged_audit_log(report: &Report) -> &preflight::diagnostics::Finding {
    report
        .findings
        .iter()
        .find(|f| f.rule == "RC110" && f.message.contains("table audit_log"))
        .unwrap_or_else(|| panic!("no RC110 about audit_log: {:#?}", report.findings))
}

/// A function or procedure that runs no EXECUTE itself but calls one that does (`PERFORM f()`,
/// `SELECT f()`, `CALL p()` in its body) runs dynamic SQL too, at any depth, with the bodies
/// the routines have when it is called (a callee replaced after its caller was defined counts
/// with its new body, and a callee defined after its caller counts), through a cycle of
/// routines calling each other too.
#[test]
fn a_call_of_a_routine_calling_one_running_execute_is_dynamic_sql() {
    // Built by `lower(…)`, which preflight does not evaluate (a literal it replays: see
    // `dynamic_sql_preflight_evaluates_is_replayed`).
    let inner = "CREATE FUNCTION inner_f() RETURNS void AS $$ BEGIN EXECUTE lower('CREATE TABLE audit_log (id int)'); END $$ LANGUAGE plpgsql;\n";
    for (up, line, what) in [
        (
            format!("{inner}CREATE FUNCTION outer_f() RETURNS void AS $$ BEGIN PERFORM inner_f(); END $$ LANGUAGE plpgsql;\nSELECT outer_f();\n"),
            4,
            "`SELECT outer_f()`",
        ),
        (
            format!("CREATE PROCEDURE top_p() AS $$ BEGIN CALL mid_p(); END $$ LANGUAGE plpgsql;\nCREATE PROCEDURE mid_p() LANGUAGE plpgsql AS 'DECLARE x int; BEGIN SELECT public.inner_f() INTO x; END';\n{}CALL top_p();\n", inner.replace("RETURNS void", "RETURNS int").replace("; END $$", "; RETURN 1; END $$")),
            5,
            "`CALL top_p()`",
        ),
        (
            format!("CREATE FUNCTION inner_f() RETURNS void AS $$ BEGIN RAISE NOTICE 'none'; END $$ LANGUAGE plpgsql;\nCREATE FUNCTION outer_f() RETURNS void AS $$ BEGIN PERFORM inner_f(); END $$ LANGUAGE plpgsql;\n{}DO $$ BEGIN PERFORM outer_f(); END $$;\n", inner.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")),
            5,
            "`BEGIN PERFORM outer_f()`",
        ),
        (
            format!("{inner}CREATE FUNCTION rec_a(n int) RETURNS void AS $$ BEGIN IF n > 0 THEN PERFORM rec_b(n - 1); ELSE PERFORM inner_f(); END IF; END $$ LANGUAGE plpgsql;\nCREATE FUNCTION rec_b(n int) RETURNS void AS $$ BEGIN PERFORM rec_a(n); END $$ LANGUAGE plpgsql;\nSELECT rec_b(2);\n"),
            5,
            "`SELECT rec_b(2)`",
        ),
    ] {
        let report = applied_and_reconciled(&up);
        let notes = &unmanaged_audit_log(&report).notes;
        let cause = format!("20240101_t.sql runs SQL it builds at run time (line {line}: {what}), which preflight cannot replay");
        assert!(
            notes.iter().any(|n| n.starts_with(&cause)),
            "{up}\n{:#?}",
            notes
        );
    }
}

/// Routines are followed across files, in migration order: the call in the third file runs the
/// body the second file gave the routine the first file's routine calls.
#[test]
fn a_call_of_a_routine_calling_one_redefined_in_an_earlier_file_is_dynamic_sql() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("20240101_a.sql", "CREATE FUNCTION inner_f() RETURNS void AS $$ BEGIN RAISE NOTICE 'none'; END $$ LANGUAGE plpgsql;\nCREATE FUNCTION outer_f() RETURNS void AS $$ BEGIN PERFORM inner_f(); END $$ LANGUAGE plpgsql;\n"),
        ("20240102_b.sql", "CREATE OR REPLACE FUNCTION inner_f() RETURNS void AS $$ BEGIN EXECUTE lower('CREATE TABLE audit_log (id int)'); END $$ LANGUAGE plpgsql;\n"),
        ("20240103_c.sql", "SELECT outer_f();\n"),
    ];
    db.exec("CREATE TABLE schema_migrations (version VARCHAR(128) PRIMARY KEY);");
    for (name, up) in files {
        write(
            dir.path(),
            name,
            &format!("-- migrate:up\n{up}-- migrate:down\n"),
        );
        db.exec(up);
        db.exec(&format!(
            "INSERT INTO schema_migrations VALUES ('{}');",
            &name[..8]
        ));
    }
    let report = reconcile_dir(&db, dir.path(), None, MigrationsConfig::default());
    let notes = &unmanaged_audit_log(&report).notes;
    assert!(
        notes.iter().any(|n| n.starts_with("20240103_c.sql runs SQL it builds at run time (line 2: `SELECT outer_f()`), which preflight cannot replay")),
        "{notes:#?}"
    );
}

/// The dynamic SQL of the tests above built from literals and from a call's literal arguments
/// (`EXECUTE format('ALTER TABLE %I ADD COLUMN %I int', t, c)` in a function called with
/// literals): preflight evaluates it and replays what it does, so the database the server made
/// is exactly the expected schema. A call whose argument preflight cannot evaluate keeps the
/// "built at run time" note on what it made.
#[test]
fn dynamic_sql_preflight_evaluates_is_replayed() {
    let inner = "CREATE FUNCTION inner_f() RETURNS void AS $$ BEGIN EXECUTE 'CREATE TABLE audit_log (id int)'; END $$ LANGUAGE plpgsql;\n";
    let add_col = "CREATE TABLE t (id int);
CREATE FUNCTION add_col(t text, c text) RETURNS void AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = t AND column_name = c) THEN
    EXECUTE format('ALTER TABLE %I ADD COLUMN %I int', t, c);
  END IF;
END $$ LANGUAGE plpgsql;
SELECT add_col('t', 'a');
SELECT add_col('t', 'a');
";
    for up in [
        "CREATE TABLE c (id int, x int);\nDO $$ BEGIN EXECUTE format('ALTER TABLE %I DROP COLUMN x', 'c'); END $$;\n".to_string(),
        format!("{inner}CREATE FUNCTION outer_f() RETURNS void AS $$ BEGIN PERFORM inner_f(); END $$ LANGUAGE plpgsql;\nSELECT outer_f();\n"),
        format!("CREATE PROCEDURE top_p() AS $$ BEGIN CALL mid_p(); END $$ LANGUAGE plpgsql;\nCREATE PROCEDURE mid_p() LANGUAGE plpgsql AS 'DECLARE x int; BEGIN SELECT public.inner_f() INTO x; END';\n{}CALL top_p();\n", inner.replace("RETURNS void", "RETURNS int").replace("; END $$", "; RETURN 1; END $$")),
        format!("{inner}CREATE FUNCTION rec_a(n int) RETURNS void AS $$ BEGIN IF n > 0 THEN PERFORM rec_b(n - 1); ELSE PERFORM inner_f(); END IF; END $$ LANGUAGE plpgsql;\nCREATE FUNCTION rec_b(n int) RETURNS void AS $$ BEGIN PERFORM rec_a(n); END $$ LANGUAGE plpgsql;\nSELECT rec_b(2);\n"),
        add_col.to_string(),
    ] {
        let report = applied_and_reconciled(&up);
        assert!(report.findings.is_empty(), "{up}\n{:#?}", report.findings);
    }
    let up = format!("{add_col}SELECT add_col('t', lower('B'));\n");
    let report = applied_and_reconciled(&up);
    let unmanaged = assert_message(&report, "RC110", "column t.b");
    assert!(
        unmanaged.notes.iter().any(|n| n.starts_with("20240101_t.sql runs SQL it builds at run time (line 11: `SELECT add_col('t', lower('B'))`), which preflight cannot replay, and it names t")),
        "{:#?}",
        unmanaged.notes
    );
    assert_eq!(report.findings.len(), 1, "{:#?}", report.findings);
}

/// A routine that calls only routines running no EXECUTE runs no dynamic SQL, even when the
/// migration defines (and never calls) one that does, a callee replaced by a body without
/// EXECUTE before the call no longer counts, and routines calling each other end the walk.
#[test]
fn a_call_of_a_routine_calling_none_running_execute_is_not_dynamic_sql() {
    let up = "CREATE FUNCTION dyn_inner() RETURNS void AS $$ BEGIN EXECUTE 'CREATE TABLE never_made (id int)'; END $$ LANGUAGE plpgsql;
CREATE FUNCTION dyn_outer() RETURNS void AS $$ BEGIN PERFORM dyn_inner(); END $$ LANGUAGE plpgsql;
CREATE FUNCTION plain_f() RETURNS void AS $$ BEGIN EXECUTE 'CREATE TABLE never_made_either (id int)'; END $$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION plain_f() RETURNS void AS $$ BEGIN CREATE TABLE audit_log (id int); END $$ LANGUAGE plpgsql;
CREATE PROCEDURE outer_plain() AS $$ BEGIN PERFORM plain_f(); END $$ LANGUAGE plpgsql;
CALL outer_plain();
CREATE FUNCTION rec_a(n int) RETURNS void AS $$ BEGIN IF n > 0 THEN PERFORM rec_b(n - 1); END IF; END $$ LANGUAGE plpgsql;
CREATE FUNCTION rec_b(n int) RETURNS void AS $$ BEGIN PERFORM rec_a(n); END $$ LANGUAGE plpgsql;
SELECT rec_b(2);
";
    let report = applied_and_reconciled(up);
    // The CREATE TABLE in plain_f's body, which the call runs, is replayed: audit_log is the
    // migration's.
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.message.contains("audit_log")),
        "{:#?}",
        report.findings
    );
    assert!(
        !report
            .findings
            .iter()
            .flat_map(|f| &f.notes)
            .any(|n| n.contains("builds at run time")),
        "{:#?}",
        report.findings
    );
}

/// Procedures (`CREATE [OR REPLACE] PROCEDURE`, a SQL-standard `BEGIN ATOMIC` body) are keyed
/// as pg_proc spells them (input argument types, without modifiers), dropped and renamed by
/// later migrations, like functions; `ALTER FUNCTION … RENAME TO` renames a function.
#[test]
fn procedures_reconcile_like_functions() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    let create = "CREATE PROCEDURE p() AS $$ BEGIN PERFORM 1; END $$ LANGUAGE plpgsql;
CREATE OR REPLACE PROCEDURE q(a integer, b varchar(20), OUT c text) LANGUAGE plpgsql AS $$ BEGIN c := b; END $$;
CREATE PROCEDURE r(x numeric(10,2)) BEGIN ATOMIC SELECT x; SELECT x + 1; END;
CREATE PROCEDURE gone(t text, OUT n integer) LANGUAGE sql AS $$ SELECT 1 $$;
CREATE PROCEDURE old_name(a timestamptz) LANGUAGE sql AS $$ SELECT 1 $$;
CREATE FUNCTION f_old(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT a; END;
CREATE FUNCTION g(a varchar(3), b numeric(4,1)) RETURNS int LANGUAGE sql AS 'SELECT 1';
";
    let change = "DROP PROCEDURE IF EXISTS gone(text, integer);
ALTER PROCEDURE old_name(timestamp with time zone) RENAME TO new_name;
ALTER FUNCTION f_old(integer) RENAME TO f_new;
";
    write(dir.path(), "1_create.sql", create);
    write(dir.path(), "2_change.sql", change);
    db.exec(create);
    db.exec(change);
    db.exec("CREATE TABLE migrations (name TEXT, status TEXT);");
    db.exec(
        "INSERT INTO migrations VALUES ('1_create.sql', 'success'), ('2_change.sql', 'success');",
    );
    let report = run_generic(&db, dir.path());
    assert_eq!(
        statuses(&report),
        ["applied", "applied"],
        "{:#?}",
        report.findings
    );
    assert!(report.findings.is_empty(), "{:#?}", report.findings);

    // A procedure dropped by hand is missing; one no migration creates is unmanaged.
    db.exec(
        "DROP PROCEDURE q(integer, character varying);
         CREATE PROCEDURE hotfix(x integer) LANGUAGE sql AS $$ SELECT 1 $$;",
    );
    let report = run_generic(&db, dir.path());
    assert_eq!(
        statuses(&report),
        ["missing_objects", "applied"],
        "{:#?}",
        report.findings
    );
    let text: String = report
        .findings
        .iter()
        .map(|f| format!("{} {} {}\n", f.rule, f.message, f.notes.join(" | ")))
        .collect();
    assert!(text.contains("q(integer, character varying)"), "{text}");
    assert!(
        text.contains(
            "RC110 function hotfix(integer) exists in the database but no migration creates it"
        ),
        "{text}"
    );
}

/// Routine argument types as pg_proc spells them whatever the migration wrote: without
/// modifiers (`character(1)`, `bit(3)`, `time(2)`), and a type of the compared schema without
/// its qualifier, which the catalog prints only when that schema is not on the search_path.
#[test]
fn routine_argument_types_match_the_catalog_in_public_and_another_schema() {
    for schema in ["public", "app"] {
        let db = ScratchDb::postgres();
        let dir = tempfile::tempdir().unwrap();
        if schema != "public" {
            db.exec(&format!("CREATE SCHEMA {schema};"));
        }
        let create = format!(
            "CREATE TYPE {schema}.mood AS ENUM ('a'); CREATE TYPE {schema}.\"MyType\" AS ENUM ('b');
CREATE FUNCTION {schema}.f1(a {schema}.mood) RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION {schema}.f2(a {schema}.\"MyType\") RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE PROCEDURE {schema}.p3(a {schema}.mood, b {schema}.\"MyType\"[]) LANGUAGE sql AS $$ SELECT 1 $$;
CREATE FUNCTION {schema}.f4(a character(1), b bit(3), c interval, d time(2) without time zone, e \"char\") RETURNS int LANGUAGE sql AS 'SELECT 1';
"
        );
        write(dir.path(), "1_create.sql", &create);
        db.exec(&create);
        db.exec(
            "CREATE TABLE public.migrations (name TEXT, status TEXT);
             INSERT INTO public.migrations VALUES ('1_create.sql', 'success');",
        );
        let mut opts = options(&db.url, dir.path(), Some("generic"), incident_tracker());
        opts.schema = Some(schema.to_string());
        let report = try_reconcile(&opts).unwrap();
        assert_eq!(
            statuses(&report),
            ["applied"],
            "{schema}: {:#?}",
            report.findings
        );
        assert!(
            report.findings.is_empty(),
            "{schema}: {:#?}",
            report.findings
        );
        // The test can fail: a function of these types dropped by hand is missing.
        db.exec(&format!("DROP FUNCTION {schema}.f1({schema}.mood);"));
        let report = try_reconcile(&opts).unwrap();
        assert_eq!(statuses(&report), ["missing_objects"], "{schema}");
    }
}

/// Supabase keeps extensions in a schema `extensions` on the search_path: the catalog prints a
/// type of a schema on the session's search_path without its schema, and a type of a schema off
/// it with. A routine taking either, written qualified or not, is neither missing nor unmanaged,
/// whatever the connection's search_path; one dropped by hand is still missing.
#[test]
fn routine_argument_types_of_a_schema_on_or_off_the_search_path_match_the_catalog() {
    // The search_path set for the database, or given by the migration tool's and reconcile's URL.
    for by_url in [false, true] {
        let db = ScratchDb::postgres();
        let dir = tempfile::tempdir().unwrap();
        if !by_url {
            db.exec(&format!(
                "ALTER DATABASE \"{}\" SET search_path = public, extensions;",
                db.name
            ));
        }
        let create = "CREATE SCHEMA extensions; CREATE SCHEMA other;
CREATE EXTENSION citext SCHEMA extensions;
CREATE TYPE extensions.mood AS ENUM ('a'); CREATE TYPE other.tone AS ENUM ('x');
CREATE FUNCTION f1(a extensions.mood) RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION f2(a mood, b int) RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION f3(a citext, b extensions.citext[]) RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION f4(a other.tone) RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE PROCEDURE p5(a mood[], b other.tone[]) LANGUAGE sql AS $$ SELECT 1 $$;
";
        write(dir.path(), "1_create.sql", create);
        db.exec(&format!("SET search_path = public, extensions; {create}"));
        db.exec(
            "CREATE TABLE public.migrations (name TEXT, status TEXT);
             INSERT INTO public.migrations VALUES ('1_create.sql', 'success');",
        );
        let mut opts = options(&db.url, dir.path(), Some("generic"), incident_tracker());
        if by_url {
            opts.database_url = format!("{}?options=-csearch_path%3Dpublic,extensions", db.url);
        }
        let report = try_reconcile(&opts).unwrap();
        assert_eq!(
            statuses(&report),
            ["applied"],
            "{by_url:?}: {:#?}",
            report.findings
        );
        assert!(
            report.findings.is_empty(),
            "{by_url:?}: {:#?}",
            report.findings
        );
        // The test can fail: routines of these types dropped by hand are missing, named as
        // the catalog's side keys them.
        db.exec("DROP FUNCTION f2(extensions.mood, int); DROP FUNCTION f4(other.tone);");
        let report = try_reconcile(&opts).unwrap();
        assert_eq!(statuses(&report), ["missing_objects"], "{by_url:?}");
        let text = format!("{:?}", report.findings);
        for name in ["f2(extensions.mood, integer)", "f4(other.tone)"] {
            assert!(text.contains(name), "{by_url:?}: {name}: {text}");
        }
    }
}

/// Migrations `files` (name, up part) applied in turn and recorded as dbmate does, reconciled.
fn applied_files(db: &ScratchDb, files: &[(&str, &str)]) -> (tempfile::TempDir, Report) {
    let dir = tempfile::tempdir().unwrap();
    db.exec("CREATE TABLE schema_migrations (version VARCHAR(128) PRIMARY KEY);");
    for (name, up) in files {
        write(
            dir.path(),
            name,
            &format!("-- migrate:up\n{up}-- migrate:down\n"),
        );
        db.exec(up);
        db.exec(&format!(
            "INSERT INTO schema_migrations VALUES ('{}');",
            &name[..8]
        ));
    }
    let report = reconcile_dir(db, dir.path(), None, MigrationsConfig::default());
    (dir, report)
}

/// A procedure with a PL/pgSQL body that ALTERs a table, called with `CALL p()`; functions
/// doing DDL called with `SELECT f()` and from a DO block's `PERFORM`; a function that calls
/// another that does the DDL. The calls run the bodies: what they make is the calling
/// migration's, and a migration whose only statements are such calls is verified like any
/// other (not unverifiable).
#[test]
fn a_called_routines_statements_are_the_migrations() {
    let db = ScratchDb::postgres();
    let (dir, report) = applied_files(
        &db,
        &[
            (
                "20240101_routines.sql",
                "CREATE TABLE accounts (id int PRIMARY KEY);
CREATE PROCEDURE add_email() LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'email') THEN
    ALTER TABLE accounts ADD COLUMN email text NOT NULL DEFAULT '';
  END IF;
END $$;
CREATE FUNCTION add_index() RETURNS void AS $$ BEGIN CREATE INDEX accounts_email_idx ON accounts (email); END $$ LANGUAGE plpgsql;
CREATE FUNCTION make_audit() RETURNS void AS $$ BEGIN CREATE TABLE audit_log (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT now()); END $$ LANGUAGE plpgsql;
CREATE FUNCTION upgrade() RETURNS void AS $$ BEGIN PERFORM make_audit(); END $$ LANGUAGE plpgsql;
",
            ),
            ("20240102_call.sql", "CALL add_email();\n"),
            ("20240103_select.sql", "SELECT add_index();\n"),
            ("20240104_do.sql", "DO $$ BEGIN PERFORM upgrade(); END $$;\n"),
        ],
    );
    assert_eq!(
        statuses(&report),
        ["applied", "applied", "applied", "applied"],
        "{:#?}",
        report.findings
    );
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    // Had the third not run, its index is missing, and it is the third's.
    db.exec("DROP INDEX accounts_email_idx;");
    let report = reconcile_dir(&db, dir.path(), None, MigrationsConfig::default());
    assert_eq!(
        statuses(&report),
        ["applied", "applied", "missing_objects", "applied"]
    );
    let missing = assert_message(&report, "RC103", "accounts_email_idx");
    assert!(
        missing.message.contains("20240103_select.sql"),
        "{missing:#?}"
    );
}

/// The body a call runs is the routine's at the time of the call: a procedure created in one
/// migration, called there, replaced in a later one and called again made one column with each
/// body; had every call run the last body (or the first), one of the columns would be
/// unmanaged.
#[test]
fn each_call_runs_the_body_the_routine_has_then() {
    let db = ScratchDb::postgres();
    let (_dir, report) = applied_files(
        &db,
        &[
            (
                "20240101_first.sql",
                "CREATE TABLE accounts (id int PRIMARY KEY);
CREATE PROCEDURE upgrade() LANGUAGE plpgsql AS $$ BEGIN ALTER TABLE accounts ADD COLUMN first_body int; END $$;
CALL upgrade();
",
            ),
            (
                "20240102_second.sql",
                "CREATE OR REPLACE PROCEDURE upgrade() LANGUAGE plpgsql AS $$ BEGIN ALTER TABLE accounts ADD COLUMN second_body text; END $$;
CALL upgrade();
",
            ),
        ],
    );
    assert_eq!(
        db.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'accounts' ORDER BY 1"),
        ["first_body", "id", "second_body"]
    );
    assert_eq!(
        statuses(&report),
        ["applied", "applied"],
        "{:#?}",
        report.findings
    );
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

/// A routine created and never called changes nothing (its table is not missing); a CALL of a
/// procedure no migration defines (created by hand) is not replayed: the column it added is
/// unmanaged and the migration whose only statement it is stays unverifiable.
#[test]
fn uncalled_and_unknown_routines_are_not_replayed() {
    let db = ScratchDb::postgres();
    db.exec("CREATE PROCEDURE by_hand() LANGUAGE plpgsql AS $$ BEGIN ALTER TABLE accounts ADD COLUMN note text; END $$;");
    let (_dir, report) = applied_files(
        &db,
        &[
            (
                "20240101_create.sql",
                "CREATE TABLE accounts (id int PRIMARY KEY);
CREATE FUNCTION never_called() RETURNS void AS $$ BEGIN CREATE TABLE never_made (id int); END $$ LANGUAGE plpgsql;
",
            ),
            ("20240102_call.sql", "CALL by_hand();\n"),
        ],
    );
    assert_eq!(
        statuses(&report),
        ["applied", "unverifiable"],
        "{:#?}",
        report.findings
    );
    assert_message(&report, "RC109", "`CALL by_hand() …` is not modelled");
    assert_message(&report, "RC110", "column accounts.note");
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.message.contains("never_made")),
        "{:#?}",
        report.findings
    );
}

/// A DO block's or a called routine's statement behind a catalog check that finds the object
/// is skipped on the server, and in the replay: the column keeps its first definition.
#[test]
fn a_guarded_change_to_what_exists_is_skipped_as_on_the_server() {
    let db = ScratchDb::postgres();
    let (_dir, report) = applied_files(
        &db,
        &[
            (
                "20240101_core.sql",
                "CREATE TABLE accounts (id int PRIMARY KEY, email varchar(10) NOT NULL, region text);\n",
            ),
            (
                "20240102_patch.sql",
                "DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'email') THEN
    ALTER TABLE accounts ADD COLUMN email text;
  END IF;
END $$;
CREATE PROCEDURE add_region() LANGUAGE plpgsql AS $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'region') THEN
    ALTER TABLE accounts ADD COLUMN region int NOT NULL DEFAULT 0;
  END IF;
END $$;
CALL add_region();
",
            ),
        ],
    );
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(statuses(&report), ["applied", "applied"]);
}

/// A migration whose only statement calls a procedure that only changes data is a data
/// migration: unverifiable, as the UPDATE itself would be, not applied with nothing checked.
#[test]
fn a_call_of_a_procedure_changing_data_only_is_unverifiable() {
    let db = ScratchDb::postgres();
    let (_dir, report) = applied_files(
        &db,
        &[
            (
                "20240101_create.sql",
                "CREATE TABLE accounts (id int PRIMARY KEY, active boolean);
CREATE PROCEDURE activate() LANGUAGE plpgsql AS $$ BEGIN UPDATE accounts SET active = true; END $$;
",
            ),
            ("20240102_call.sql", "CALL activate();\n"),
        ],
    );
    assert_eq!(
        statuses(&report),
        ["applied", "unverifiable"],
        "{:#?}",
        report.findings
    );
    assert_message(&report, "RC109", "1 data statement(s)");
}
