//! `preflight reconcile` against the real local MariaDB: the incident with the generic tracker,
//! and dbmate-style drift.

mod common;

use common::cli::write;
use common::reconcile::{
    applied_file, assert_message, block_on, finding, generic_table, migrations_table, options,
    reconcile_dir, sha384sum, statuses, try_reconcile,
};
use common::ScratchDb;
use preflight::config::MigrationsConfig;
use preflight::output::Report;
use std::path::{Path, PathBuf};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/reconcile/mariadb")
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixture_dir().join(name)).unwrap()
}

fn run(db: &ScratchDb, tracker: Option<&str>, migrations: MigrationsConfig) -> Report {
    reconcile_dir(db, &fixture_dir(), tracker, migrations)
}

fn incident_tracker() -> MigrationsConfig {
    migrations_table(None)
}

#[test]
fn mariadb_incident_is_applied_unrecorded_with_no_false_drift() {
    let db = ScratchDb::mariadb();
    db.exec(&fixture("20240101_create_users.sql"));
    db.exec(&fixture("20240105_create_sessions.sql"));
    db.exec(&fixture("20240115_add_user_profiles.sql"));
    db.exec(
        "CREATE TABLE migrations (name VARCHAR(255) PRIMARY KEY, executed_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, status VARCHAR(20) NOT NULL);
         INSERT INTO migrations (name, status) VALUES ('20240101_create_users.sql', 'success'), ('20240105_create_sessions.sql', 'success');",
    );
    let report = run(&db, None, incident_tracker());
    assert_eq!(
        statuses(&report),
        ["applied", "applied", "applied_unrecorded", "pending"],
        "{:#}",
        report.json_extra["migrations"]
    );
    let rules: Vec<&str> = report.findings.iter().map(|f| f.code()).collect();
    assert_eq!(rules, ["RC101"], "{:#?}", report.findings);
    assert_eq!(report.json_extra["database"]["engine"], "mariadb");
}

#[test]
fn mariadb_dbmate_modified_column_is_drift_and_manual_table_is_unmanaged() {
    let db = ScratchDb::mariadb();
    db.exec(&fixture("20240101_create_users.sql"));
    db.exec("ALTER TABLE users MODIFY email VARCHAR(100) NOT NULL; CREATE TABLE hotfix (id INT);");
    db.exec("CREATE TABLE schema_migrations (version VARCHAR(128) PRIMARY KEY); INSERT INTO schema_migrations VALUES ('20240101');");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("20240101_create_users.sql"),
        format!(
            "-- migrate:up\n{}\n-- migrate:down\nDROP TABLE users;\n",
            fixture("20240101_create_users.sql")
        ),
    )
    .unwrap();
    let report = reconcile_dir(&db, dir.path(), None, MigrationsConfig::default());
    assert_eq!(report.json_extra["database"]["tracker"], "dbmate");
    assert_eq!(statuses(&report), ["drifted"], "{:#?}", report.findings);
    assert_message(
        &report,
        "RC104",
        "column users.email: type: expected varchar(255), found varchar(100)",
    );
    assert_message(&report, "RC110", "table hotfix");
}

#[test]
fn the_mariadb_session_is_read_only_with_a_statement_timeout() {
    use preflight::reconcile::db::Session;
    let db = ScratchDb::mariadb();
    db.exec("CREATE TABLE t (id INT)");
    block_on(async {
        let mut session = Session::open(&db.url).await.unwrap();
        let timeout = session
            .query("SELECT CAST(@@max_statement_time AS CHAR)", &[])
            .await
            .unwrap();
        assert_eq!(
            timeout[0][0].as_deref().map(|t| t.parse::<f64>().unwrap()),
            Some(30.0)
        );
        let err = session
            .query("INSERT INTO t VALUES (1)", &[])
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.to_lowercase().contains("read only transaction"),
            "{err}"
        );
        session.close().await;
    });
    assert_eq!(db.query("SELECT COUNT(*) FROM t"), ["0"]);
}

#[test]
fn mariadb_sqlx_checksums_are_read_from_the_blob_and_compared() {
    let db = ScratchDb::mariadb();
    let dir = tempfile::tempdir().unwrap();
    let users = write(
        dir.path(),
        "20240101_create_users.sql",
        &fixture("20240101_create_users.sql"),
    );
    let sessions = write(
        dir.path(),
        "20240105_create_sessions.sql",
        &fixture("20240105_create_sessions.sql"),
    );
    db.exec(&fixture("20240101_create_users.sql"));
    db.exec(&fixture("20240105_create_sessions.sql"));
    let applied = sha384sum(&sessions);
    db.exec(&format!(
        "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, checksum BLOB NOT NULL, execution_time BIGINT NOT NULL);
         INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES
           (20240101, 'create users', TRUE, UNHEX('{}'), 1), (20240105, 'create sessions', TRUE, UNHEX('{applied}'), 1);",
        sha384sum(&users)
    ));
    std::fs::write(
        &sessions,
        fixture("20240105_create_sessions.sql") + "-- edited\n",
    )
    .unwrap();
    let report = reconcile_dir(&db, dir.path(), None, MigrationsConfig::default());
    assert_eq!(
        statuses(&report),
        ["applied", "checksum_mismatch"],
        "{:#?}",
        report.findings
    );
    let m = &report.json_extra["migrations"][1];
    assert_eq!(m["checksum"]["recorded"], applied.as_str());
    assert_eq!(m["checksum"]["computed"], sha384sum(&sessions).as_str());
    let fix = &finding(&report, "RC105").notes[0];
    assert!(fix.contains("UNHEX('"), "{fix}");
}

/// Unnamed keys, indexes and foreign keys get MariaDB's own names (`email`, `email_2`,
/// `posts_ibfk_1`, the index InnoDB adds for a foreign key); a wrong guess would show up as
/// missing objects plus unmanaged ones.
#[test]
fn mariadb_default_constraint_and_index_names_match_the_server() {
    let db = ScratchDb::mariadb();
    let sql = "CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(100) UNIQUE, org INT, KEY (org), UNIQUE (email, org));
CREATE TABLE posts (id INT PRIMARY KEY, user_id INT, FOREIGN KEY (user_id) REFERENCES users(id));
CREATE INDEX posts_user ON posts (id, user_id);
ALTER TABLE posts ADD FOREIGN KEY (id) REFERENCES users(id);
";
    let dir = applied_file(&db, "1_names.sql", sql);
    let report = reconcile_dir(&db, dir.path(), None, incident_tracker());
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    let mut names: Vec<String> = report.json_extra["migrations"][0]["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["kind"] == "index" || o["kind"] == "constraint")
        .map(|o| {
            format!(
                "{} {}",
                o["kind"].as_str().unwrap(),
                o["name"].as_str().unwrap()
            )
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "constraint posts.PRIMARY",
            "constraint posts.posts_ibfk_1",
            "constraint posts.posts_ibfk_2",
            "constraint users.PRIMARY",
            "constraint users.email",
            "constraint users.email_2",
            "index posts.PRIMARY",
            "index posts.posts_user",
            "index posts.user_id",
            "index users.PRIMARY",
            "index users.email",
            "index users.email_2",
            "index users.org",
        ]
    );
}

/// A URL without a database, or a --schema naming none, is an error rather than an empty
/// catalog in which every migration looks pending.
#[test]
fn mariadb_without_a_database_or_with_a_missing_one_is_an_error() {
    let db = ScratchDb::mariadb();
    let run_err = |url: &str, schema: Option<&str>| {
        let mut options = options(
            url,
            &fixture_dir(),
            Some("sqlx"),
            MigrationsConfig::default(),
        );
        options.schema = schema.map(str::to_string);
        try_reconcile(&options).expect_err("an error").to_string()
    };
    assert_eq!(
        run_err("mysql://root@127.0.0.1:3306", None),
        "the database URL names no database; add it to the URL or pass --schema NAME"
    );
    assert_eq!(
        run_err(&db.url, Some("no_such_database")),
        "no_such_database does not exist as a database on this server (check --schema or [migrations] schema)"
    );
}

/// Types and defaults as MariaDB's catalog spells them (BOOLEAN as tinyint(1) DEFAULT 0,
/// CURRENT_TIMESTAMP as current_timestamp(), quoted numbers, ENUMs, prefix index columns) are
/// not drift.
#[test]
fn mariadb_types_and_defaults_as_the_server_spells_them_are_not_drift() {
    let db = ScratchDb::mariadb();
    let sql = "CREATE TABLE t (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  status ENUM('a','b') NOT NULL DEFAULT 'a',
  created TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP,
  updated DATETIME DEFAULT NOW() ON UPDATE CURRENT_TIMESTAMP,
  price DECIMAL(10,2) DEFAULT 0.00,
  flag BOOLEAN DEFAULT FALSE,
  active BOOL NOT NULL DEFAULT TRUE,
  n INT DEFAULT NULL,
  s VARCHAR(10) DEFAULT '',
  KEY t_s (s(5))
);
";
    let dir = applied_file(&db, "1_types.sql", sql);
    let report = reconcile_dir(&db, dir.path(), None, incident_tracker());
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);

    db.exec("ALTER TABLE t ALTER COLUMN active SET DEFAULT FALSE;");
    let report = reconcile_dir(&db, dir.path(), None, incident_tracker());
    assert_message(
        &report,
        "RC104",
        "column t.active: default: expected 1, found 0",
    );
}

/// A dbmate directory holding one migration, applied by running its up part on the server and
/// recording it as dbmate does.
fn applied_dbmate(db: &ScratchDb, up: &str) -> (tempfile::TempDir, Report) {
    db.exec(up);
    db.exec("CREATE TABLE schema_migrations (version VARCHAR(128) PRIMARY KEY); INSERT INTO schema_migrations VALUES ('20240101');");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("20240101_init.sql"),
        format!("-- migrate:up\n{up}\n-- migrate:down\nSELECT 1;\n"),
    )
    .unwrap();
    let report = reconcile_dir(db, dir.path(), None, MigrationsConfig::default());
    (dir, report)
}

#[test]
fn mariadb_serial_primary_key_is_applied_without_a_missing_unique_index() {
    let db = ScratchDb::mariadb();
    // MariaDB: `id SERIAL PRIMARY KEY` makes PRIMARY only; `id SERIAL` alone a UNIQUE `id`;
    // `id SERIAL, PRIMARY KEY (id)` both.
    let (_dir, report) = applied_dbmate(
        &db,
        "CREATE TABLE a (id SERIAL PRIMARY KEY, name TEXT);\nCREATE TABLE b (id SERIAL, name TEXT);\nCREATE TABLE c (id SERIAL, PRIMARY KEY (id));\nCREATE TABLE d (id SERIAL UNIQUE);",
    );
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

#[test]
fn mariadb_inline_references_are_managed_foreign_keys() {
    let db = ScratchDb::mariadb();
    // MariaDB creates the foreign key of an inline REFERENCES (`c_ibfk_1`) and its index.
    let (dir, report) = applied_dbmate(
        &db,
        "CREATE TABLE p (id INT PRIMARY KEY);\nCREATE TABLE c (id INT PRIMARY KEY, pid INT REFERENCES p (id), qid INT, FOREIGN KEY (qid) REFERENCES p (id));",
    );
    let live = db.query("SELECT constraint_name FROM information_schema.table_constraints WHERE table_schema = DATABASE() AND constraint_type = 'FOREIGN KEY' ORDER BY 1");
    assert_eq!(live, ["c_ibfk_1", "c_ibfk_2"]);
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
    let rules: Vec<&str> = report.findings.iter().map(|f| f.rule.code).collect();
    assert!(!rules.contains(&"RC110"), "{:#?}", report.findings);
    // Dropping it by hand is noticed: the model expects it.
    db.exec("ALTER TABLE c DROP FOREIGN KEY c_ibfk_1;");
    let report = reconcile_dir(&db, dir.path(), None, MigrationsConfig::default());
    assert_ne!(statuses(&report), ["applied"]);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.message.contains("c_ibfk_1")),
        "{:#?}",
        report.findings
    );
}

/// PostgreSQL migrations (`[migrations] dialect = "postgres"`) reconciled with a MariaDB server
/// found none of their objects and passed (exit 0, a warning about the tracker); the mismatch
/// is now a configuration error naming the setting, before connecting, as verify does.
#[test]
fn a_dialect_that_does_not_match_the_server_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "preflight.toml",
        "[migrations]\ndir = \"migrations\"\ndialect = \"postgres\"\n",
    );
    write(
        tmp.path(),
        "migrations/1_users.sql",
        "CREATE TABLE users (id int);\n",
    );
    let out = assert_cmd::Command::cargo_bin("preflight")
        .unwrap()
        .current_dir(tmp.path())
        .args([
            "reconcile",
            "--database-url",
            "mysql://root@127.0.0.1:3306/mysql",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("preflight.toml: [migrations] dialect is postgres but the database URL is a MySQL/MariaDB server"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// refinery_cli 0.10 on MariaDB records a migration as applied (and exits 0) when a statement
/// after the first fails (bench/tools_reference.py, with the real tool): the missing objects'
/// note says so before blaming a later drop.
#[test]
fn refinery_missing_objects_on_mariadb_point_at_a_failure_refinery_did_not_report() {
    let sql = "CREATE TABLE accounts (id INT PRIMARY KEY);\nCREATE TABLE ledger (id INT PRIMARY KEY, account INT REFERENCES nowhere (id));\n";
    let db = ScratchDb::mariadb();
    // What refinery left: the first table, and the migration recorded as applied.
    db.exec("CREATE TABLE accounts (id INT PRIMARY KEY);");
    let sum = preflight::reconcile::trackers::refinery::checksum("ledger", 1, sql, true);
    db.exec(&format!(
        "CREATE TABLE refinery_schema_history (version INT PRIMARY KEY, name VARCHAR(255), applied_on VARCHAR(255), checksum VARCHAR(255));
         INSERT INTO refinery_schema_history VALUES (1, 'ledger', '2026-12-04T17:50:01.123456789Z', '{sum}');"
    ));
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "V1__ledger.sql", sql);
    let report = reconcile_dir(
        &db,
        dir.path(),
        Some("refinery"),
        MigrationsConfig::default(),
    );
    let rc103 = finding(&report, "RC103");
    assert!(
        rc103.message.contains("table ledger"),
        "{:#?}",
        report.findings
    );
    assert!(
        rc103.notes[0].starts_with("refinery records a migration on MySQL/MariaDB as applied even when one of its statements failed"),
        "{:?}",
        rc103.notes
    );
}

/// `_sqlx_migrations` as sqlx-mysql's `ensure_migrations_table` creates it, under `name`.
fn sqlx_mysql_table(name: &str) -> String {
    format!("CREATE TABLE {name} (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, checksum BLOB NOT NULL, execution_time BIGINT NOT NULL);")
}

#[test]
fn mariadb_sqlx_toml_mixed_case_table_name_is_the_table_sqlx_creates() {
    let db = ScratchDb::mariadb();
    let root = tempfile::tempdir().unwrap();
    // sqlx pastes the name into its SQL as written; MariaDB keeps an unquoted table name's
    // case (lower_case_table_names = 0, Linux's default), so sqlx records in `App_Migrations`.
    write(
        root.path(),
        "sqlx.toml",
        "[migrate]\ntable-name = \"App_Migrations\"\n",
    );
    let dir = root.path().join("migrations");
    let users = write(
        &dir,
        "20240101_create_users.sql",
        &fixture("20240101_create_users.sql"),
    );
    db.exec(&fixture("20240101_create_users.sql"));
    let row = format!(
        "(20240101, 'create users', TRUE, UNHEX('{}'), 1)",
        sha384sum(&users)
    );
    let case_sensitive = db.query("SELECT @@lower_case_table_names") == ["0"];
    if case_sensitive {
        // Here `app_migrations` is another table, which sqlx with this sqlx.toml never reads.
        db.exec(&sqlx_mysql_table("app_migrations"));
        db.exec(&format!("INSERT INTO app_migrations (version, description, success, checksum, execution_time) VALUES {row};"));
        let report = reconcile_dir(&db, &dir, Some("sqlx"), MigrationsConfig::default());
        assert_eq!(statuses(&report), ["applied_unrecorded"]);
        assert_message(&report, "RC111", "App_Migrations");
        db.exec("DROP TABLE app_migrations;");
    }
    db.exec(&sqlx_mysql_table("App_Migrations"));
    db.exec(&format!("INSERT INTO App_Migrations (version, description, success, checksum, execution_time) VALUES {row};"));
    for tracker in [Some("sqlx"), None] {
        let report = reconcile_dir(&db, &dir, tracker, MigrationsConfig::default());
        assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
        assert!(
            report.findings.is_empty(),
            "{tracker:?}: {:#?}",
            report.findings
        );
    }
}

/// The generic table is named as the runner's SQL writes it, and MariaDB keeps a table name's
/// case, quoted or not (lower_case_table_names = 0, Linux's default), unless the server
/// lower-cases every name (1).
#[test]
fn mariadb_generic_table_name_is_the_table_the_server_resolves_it_to() {
    let db = ScratchDb::mariadb();
    let dir = applied_file(&db, "1_t.sql", "CREATE TABLE t (id INT);");
    db.exec("RENAME TABLE migrations TO Migrations;");
    let qualified = format!("`{}`.Migrations", db.name);
    for table in ["Migrations", "`Migrations`", &qualified] {
        for tracker in [Some("generic"), None] {
            let report = reconcile_dir(&db, dir.path(), tracker, generic_table(table));
            assert_eq!(
                statuses(&report),
                ["applied"],
                "{table} {tracker:?}: {:#?}",
                report.findings
            );
            assert!(
                report.findings.is_empty(),
                "{table} {tracker:?}: {:#?}",
                report.findings
            );
        }
    }
    if db.query("SELECT @@lower_case_table_names") == ["0"] {
        // Here `migrations` is another table, which does not exist.
        let report = reconcile_dir(
            &db,
            dir.path(),
            Some("generic"),
            generic_table("migrations"),
        );
        assert_eq!(statuses(&report), ["applied_unrecorded"]);
        assert_message(&report, "RC111", "migrations");
    }
}

#[test]
fn mariadb_a_table_differing_from_the_tracker_table_in_case_only_is_unmanaged() {
    let db = ScratchDb::mariadb();
    if db.query("SELECT @@lower_case_table_names") != ["0"] {
        return; // `Migrations` and `migrations` are one table here
    }
    let dir = applied_file(&db, "1_t.sql", "CREATE TABLE t (id INT);");
    db.exec("RENAME TABLE migrations TO Migrations; CREATE TABLE migrations (id INT);");
    let report = reconcile_dir(&db, dir.path(), None, generic_table("Migrations"));
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
    assert_eq!(
        report.json_extra["unmanaged"],
        serde_json::json!(["table migrations"]),
        "{:#?}",
        report.findings
    );
    assert_message(&report, "RC110", "migrations");
    // Alone, the tracker table is never unmanaged, whatever its case.
    db.exec("DROP TABLE migrations;");
    let report = reconcile_dir(&db, dir.path(), None, generic_table("Migrations"));
    assert_eq!(report.json_extra["unmanaged"], serde_json::json!([]));
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

/// A generic tracker column written quoted, in either quote, is read in backticks on MariaDB (where
/// `"file name"` would be a string); the printed INSERT quotes it the same way.
#[test]
fn mariadb_a_quoted_generic_column_is_read_in_backticks() {
    let db = ScratchDb::mariadb();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "1_t.sql", "CREATE TABLE t (id INT);");
    write(dir.path(), "2_u.sql", "CREATE TABLE u (id INT);");
    db.exec("CREATE TABLE t (id INT); CREATE TABLE u (id INT); CREATE TABLE migrations (`file name` VARCHAR(255), status VARCHAR(255)); INSERT INTO migrations VALUES ('1_t.sql', 'success');");
    for column in ["\"file name\"", "`file name`"] {
        let mut config = generic_table("migrations");
        if let Some(generic) = config.generic_tracker.as_mut() {
            generic.version_column = column.into();
        }
        let report = reconcile_dir(&db, dir.path(), None, config);
        assert_eq!(
            statuses(&report),
            ["applied", "applied_unrecorded"],
            "{column}: {:#?}",
            report.findings
        );
        let unrecorded = finding(&report, "RC101");
        assert!(
            unrecorded.notes.iter().any(|n| n.contains(
                "INSERT INTO migrations (`file name`, status) VALUES ('2_u.sql', 'success')"
            )),
            "{column}: {:#?}",
            unrecorded.notes
        );
    }
}

/// A generic table qualified with another database is the tracker's there only: a table of the
/// same name in the reconciled database (the URL's) is unmanaged like any other.
#[test]
fn mariadb_a_table_named_like_the_tracker_table_of_another_database_is_unmanaged() {
    let db = ScratchDb::mariadb();
    let other = ScratchDb::mariadb();
    let dir = applied_file(&db, "1_t.sql", "CREATE TABLE t (id INT);");
    db.exec(&format!(
        "RENAME TABLE migrations TO `{}`.migrations; CREATE TABLE migrations (id INT);",
        other.name
    ));
    let config = generic_table(&format!("`{}`.migrations", other.name));
    for tracker in [Some("generic"), None] {
        let report = reconcile_dir(&db, dir.path(), tracker, config.clone());
        assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
        assert_eq!(
            report.json_extra["unmanaged"],
            serde_json::json!(["table migrations"]),
            "{tracker:?}: {:#?}",
            report.findings
        );
    }
}

/// With lower_case_table_names = 0 (this server's, Linux's default) `Foo` and `foo` are two
/// tables: each is its own object with its own columns, indexes and keys, on both sides, and a
/// statement the parser does not read keeps the case too.
#[test]
fn mariadb_tables_differing_only_in_case_are_two_tables() {
    let db = ScratchDb::mariadb();
    if db.query("SELECT @@lower_case_table_names") != ["0"] {
        return; // `Foo` and `foo` are one table here
    }
    let (dir, report) = applied_dbmate(
        &db,
        "CREATE TABLE Foo (id INT PRIMARY KEY, a INT, KEY a_idx (a));\nCREATE TABLE foo (id INT, b INT REFERENCES Foo (id));\nALTER TABLE `Foo` ADD COLUMN c INT;\nCREATE VIEW Foo_v AS SELECT id FROM Foo;\nCREATE TABLE Bar (id INT) WITH SYSTEM VERSIONING;\nCREATE TABLE bar (x INT);",
    );
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    // `WITH SYSTEM VERSIONING` is read from its shape only (no parser reads it): still `Bar`.
    let tables: Vec<&str> = report.json_extra["migrations"][0]["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["kind"] == "table")
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(tables, ["Foo", "foo", "Bar", "bar"]);
    // A column added by hand to one of them is unmanaged on that table only.
    db.exec("ALTER TABLE foo ADD COLUMN a INT;");
    let report = reconcile_dir(&db, dir.path(), None, MigrationsConfig::default());
    assert_eq!(
        report.json_extra["unmanaged"],
        serde_json::json!(["column foo.a"]),
        "{:#?}",
        report.findings
    );
    // One of them dropped by hand is missing; the other is still there.
    db.exec("DROP VIEW Foo_v; DROP TABLE foo;");
    let report = reconcile_dir(&db, dir.path(), None, MigrationsConfig::default());
    assert_message(&report, "RC103", "table foo");
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.message.contains("table Foo ") || f.message.contains("column Foo.")),
        "{:#?}",
        report.findings
    );
}

/// MariaDB lists a unique index made by CREATE UNIQUE INDEX as a UNIQUE constraint of its
/// name: that constraint is the migration's, not unmanaged, and dropping the index drops it.
#[test]
fn mariadb_create_unique_index_is_the_unique_key_the_server_lists() {
    let db = ScratchDb::mariadb();
    let (dir, report) = applied_dbmate(
        &db,
        "CREATE TABLE t (a INT, b INT, c INT, UNIQUE KEY t_c (c));\nCREATE UNIQUE INDEX t_a ON t (a);\nCREATE UNIQUE INDEX t_b ON t (b);\nDROP INDEX t_b ON t;\nALTER TABLE t DROP INDEX t_c;",
    );
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.json_extra["unmanaged"], serde_json::json!([]));
    // Dropped by hand, the key is missing with its index.
    db.exec("DROP INDEX t_a ON t;");
    let report = reconcile_dir(&db, dir.path(), None, MigrationsConfig::default());
    assert_message(&report, "RC103", "index t.t_a");
}

/// MariaDB makes an index for a foreign key no index serves, and drops it once another index
/// starts with the key's columns: the key's own index is then gone, not missing.
#[test]
fn mariadb_the_index_made_for_a_foreign_key_goes_when_another_index_serves_it() {
    let db = ScratchDb::mariadb();
    let (_dir, report) = applied_dbmate(
        &db,
        "CREATE TABLE p (id INT PRIMARY KEY);\nCREATE TABLE a (p_id INT REFERENCES p (id));\nCREATE INDEX a_p ON a (p_id);\nCREATE TABLE b (p_id INT, n INT, CONSTRAINT b_fk FOREIGN KEY (p_id) REFERENCES p (id));\nALTER TABLE b ADD UNIQUE KEY b_u (p_id, n);\nCREATE TABLE c (p_id INT, n INT, FOREIGN KEY (p_id) REFERENCES p (id));\nCREATE INDEX c_n ON c (n, p_id);",
    );
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    let indexes = db.query("SELECT CONCAT(TABLE_NAME, '.', INDEX_NAME) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND SEQ_IN_INDEX = 1 AND TABLE_NAME IN ('a', 'b', 'c') ORDER BY 1");
    assert_eq!(indexes, ["a.a_p", "b.b_u", "c.c_n", "c.p_id"]);
}

/// InnoDB renames a foreign key named `<table>_ibfk_<n>` with its table (RENAME TABLE, ALTER
/// TABLE … RENAME TO), and numbers the next one after it.
#[test]
fn mariadb_a_generated_foreign_key_name_follows_its_table_when_renamed() {
    let db = ScratchDb::mariadb();
    let (_dir, report) = applied_dbmate(
        &db,
        "CREATE TABLE p (id INT PRIMARY KEY);\nCREATE TABLE a (p_id INT REFERENCES p (id));\nRENAME TABLE a TO b;\nALTER TABLE b ADD COLUMN q_id INT, ADD FOREIGN KEY (q_id) REFERENCES p (id);\nALTER TABLE b RENAME TO c;\nCREATE TABLE a (p_id INT REFERENCES p (id));",
    );
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    let keys = db.query("SELECT CONSTRAINT_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() ORDER BY 1");
    assert_eq!(keys, ["a_ibfk_1", "c_ibfk_1", "c_ibfk_2"]);
}

/// Without --schema the reconciled database is the URL's; a migration that qualifies its tables
/// with that database's name creates them there, one qualified with another database does not.
#[test]
fn mariadb_tables_qualified_with_the_urls_database_are_the_migrations() {
    let db = ScratchDb::mariadb();
    let other = ScratchDb::mariadb();
    let (dir, report) = applied_dbmate(
        &db,
        &format!(
            "CREATE TABLE `{0}`.t (id INT);\nALTER TABLE {0}.t ADD COLUMN x INT;\nCREATE INDEX t_x ON {0}.t (x);\nCREATE TABLE `{1}`.elsewhere (id INT);",
            db.name, other.name
        ),
    );
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.json_extra["unmanaged"], serde_json::json!([]));
    // A table of that name created by hand here is unmanaged.
    db.exec("CREATE TABLE elsewhere (id INT);");
    let report = reconcile_dir(&db, dir.path(), None, MigrationsConfig::default());
    assert_eq!(
        report.json_extra["unmanaged"],
        serde_json::json!(["table elsewhere"])
    );
}

/// InnoDB needs, for each foreign key, an index whose leading columns are the key's columns in
/// the key's order: FK (a, b) is served by (a, b, c) or PRIMARY KEY (a, b, c), not by (a),
/// (b, a) or (c, a). A later key whose made index would start with an earlier made one replaces
/// it, and one a longer made index already serves gets none. The replay checked only the first
/// column, so it expected no index for FK (a, b) beside an index on (a), and kept the made
/// index of FK (a) where the server had replaced it with that of FK (a, b).
#[test]
fn mariadb_a_multi_column_foreign_key_needs_an_index_starting_with_all_its_columns() {
    let db = ScratchDb::mariadb();
    let (_dir, report) = applied_dbmate(
        &db,
        "CREATE TABLE p (id INT PRIMARY KEY, id2 INT, UNIQUE KEY p_u (id, id2));
CREATE TABLE a1 (a INT, b INT, c INT, INDEX ia (a), FOREIGN KEY (a, b) REFERENCES p (id, id2));
CREATE TABLE a2 (a INT, b INT, c INT, INDEX iabc (a, b, c), FOREIGN KEY (a, b) REFERENCES p (id, id2));
CREATE TABLE a3 (a INT, b INT, c INT, INDEX iba (b, a), FOREIGN KEY (a, b) REFERENCES p (id, id2));
CREATE TABLE a4 (a INT, b INT, c INT, PRIMARY KEY (a, b, c), FOREIGN KEY (a, b) REFERENCES p (id, id2));
CREATE TABLE a5 (a INT, b INT, c INT, PRIMARY KEY (c, a), FOREIGN KEY (a, b) REFERENCES p (id, id2));
CREATE TABLE a6 (a INT, b INT, FOREIGN KEY (a) REFERENCES p (id), FOREIGN KEY (a, b) REFERENCES p (id, id2));
CREATE TABLE a7 (a INT, b INT, FOREIGN KEY (a, b) REFERENCES p (id, id2), FOREIGN KEY (a) REFERENCES p (id));
CREATE TABLE a8 (a INT, CONSTRAINT f1 FOREIGN KEY (a) REFERENCES p (id), CONSTRAINT f2 FOREIGN KEY (a) REFERENCES p (id));
CREATE TABLE a9 (a INT, CONSTRAINT f3 FOREIGN KEY (a) REFERENCES p (id));
ALTER TABLE a9 ADD CONSTRAINT f4 FOREIGN KEY (a) REFERENCES p (id);
CREATE TABLE a10 (a INT, b INT, CONSTRAINT f5 FOREIGN KEY (a) REFERENCES p (id));
ALTER TABLE a10 ADD CONSTRAINT f6 FOREIGN KEY (a, b) REFERENCES p (id, id2);
CREATE TABLE a11 (a INT, b INT, CONSTRAINT f7 FOREIGN KEY (a, b) REFERENCES p (id, id2));
ALTER TABLE a11 ADD CONSTRAINT f8 FOREIGN KEY (a) REFERENCES p (id);
CREATE TABLE a12 (a INT, b INT, c INT, CONSTRAINT f9 FOREIGN KEY (a, b) REFERENCES p (id, id2));
CREATE INDEX i12 ON a12 (a);
CREATE INDEX i12b ON a12 (a, b, c);
CREATE TABLE a13 (a INT, b INT, CONSTRAINT f10 FOREIGN KEY (a, b) REFERENCES p (id, id2));
CREATE INDEX i13 ON a13 (b, a);",
    );
    let indexes = db.query("SELECT CONCAT(TABLE_NAME, '.', INDEX_NAME, ' ', GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX)) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'a%' GROUP BY TABLE_NAME, INDEX_NAME ORDER BY 1");
    assert_eq!(
        indexes,
        [
            "a1.a a,b",
            "a1.ia a",
            "a10.f6 a,b",
            "a11.f7 a,b",
            "a12.i12 a",
            "a12.i12b a,b,c",
            "a13.f10 a,b",
            "a13.i13 b,a",
            "a2.iabc a,b,c",
            "a3.a a,b",
            "a3.iba b,a",
            "a4.PRIMARY a,b,c",
            "a5.a a,b",
            "a5.PRIMARY c,a",
            "a6.a a,b",
            "a7.a a,b",
            "a8.f2 a",
            "a9.f4 a",
        ]
    );
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

/// MariaDB names `FOREIGN KEY idx (a)` (no CONSTRAINT symbol) and the index it makes `idx`;
/// with a CONSTRAINT symbol both take the symbol.
#[test]
fn mariadb_a_foreign_keys_index_name_names_the_key_and_its_index() {
    let db = ScratchDb::mariadb();
    let (_dir, report) = applied_dbmate(
        &db,
        "CREATE TABLE p (id INT PRIMARY KEY);
CREATE TABLE v1 (a INT, FOREIGN KEY fk_idx (a) REFERENCES p (id));
CREATE TABLE v2 (a INT, CONSTRAINT c2 FOREIGN KEY fk_idx2 (a) REFERENCES p (id));
CREATE TABLE v3 (a INT);
ALTER TABLE v3 ADD FOREIGN KEY v3_idx (a) REFERENCES p (id);",
    );
    let keys = db.query("SELECT CONCAT(TABLE_NAME, '.', CONSTRAINT_NAME) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() ORDER BY 1");
    assert_eq!(keys, ["v1.fk_idx", "v2.c2", "v3.v3_idx"]);
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

/// Unnamed foreign keys are `<table>_ibfk_<n>`. CREATE TABLE numbers its unnamed keys 1, 2, …
/// whatever the named ones are called; ALTER TABLE numbers them after the highest `n` among the
/// table's keys named `<table>_ibfk_<n>` when it starts (n all digits, not starting with 0),
/// the keys it drops included. The replay kept one counter per table name for the whole run,
/// so a key added after a drop, after DROP TABLE and CREATE TABLE, or after a named
/// `<table>_ibfk_5` got another number than the server's.
#[test]
fn mariadb_unnamed_foreign_keys_are_numbered_after_the_highest_existing_number() {
    let db = ScratchDb::mariadb();
    let (_dir, report) = applied_dbmate(
        &db,
        "CREATE TABLE p (id INT PRIMARY KEY);
CREATE TABLE t (a INT, b INT, c INT, FOREIGN KEY (a) REFERENCES p (id), FOREIGN KEY (b) REFERENCES p (id));
ALTER TABLE t DROP FOREIGN KEY t_ibfk_2;
ALTER TABLE t ADD FOREIGN KEY (c) REFERENCES p (id);
CREATE TABLE d (a INT, b INT, FOREIGN KEY (a) REFERENCES p (id));
ALTER TABLE d DROP FOREIGN KEY d_ibfk_1;
ALTER TABLE d ADD FOREIGN KEY (b) REFERENCES p (id);
CREATE TABLE r (a INT, FOREIGN KEY (a) REFERENCES p (id));
ALTER TABLE r ADD COLUMN b INT, ADD FOREIGN KEY (b) REFERENCES p (id);
DROP TABLE r;
CREATE TABLE r (a INT, b INT, FOREIGN KEY (a) REFERENCES p (id));
ALTER TABLE r ADD FOREIGN KEY (b) REFERENCES p (id);
CREATE TABLE n (a INT, b INT, c INT, CONSTRAINT n_ibfk_5 FOREIGN KEY (a) REFERENCES p (id), FOREIGN KEY (b) REFERENCES p (id));
ALTER TABLE n ADD FOREIGN KEY (c) REFERENCES p (id);
CREATE TABLE z (a INT, b INT, CONSTRAINT z_ibfk_07 FOREIGN KEY (a) REFERENCES p (id));
ALTER TABLE z ADD FOREIGN KEY (b) REFERENCES p (id);
CREATE TABLE s (a INT, b INT, c INT, d INT, FOREIGN KEY (a) REFERENCES p (id), FOREIGN KEY (b) REFERENCES p (id));
ALTER TABLE s DROP FOREIGN KEY s_ibfk_2, ADD FOREIGN KEY (c) REFERENCES p (id), ADD FOREIGN KEY (d) REFERENCES p (id);
CREATE TABLE m (a INT, b INT, CONSTRAINT m_ibfk_x FOREIGN KEY (a) REFERENCES p (id), FOREIGN KEY (b) REFERENCES p (id));
RENAME TABLE m TO m2;
ALTER TABLE m2 ADD COLUMN c INT, ADD FOREIGN KEY (c) REFERENCES p (id);",
    );
    let keys = db.query("SELECT CONCAT(TABLE_NAME, '.', CONSTRAINT_NAME, ' ', COLUMN_NAME) FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL ORDER BY 1");
    assert_eq!(
        keys,
        [
            "d.d_ibfk_1 b",
            "m2.m2_ibfk_1 b",
            "m2.m2_ibfk_2 c",
            "m2.m2_ibfk_x a",
            "n.n_ibfk_1 b",
            "n.n_ibfk_5 a",
            "n.n_ibfk_6 c",
            "r.r_ibfk_1 a",
            "r.r_ibfk_2 b",
            "s.s_ibfk_1 a",
            "s.s_ibfk_3 c",
            "s.s_ibfk_4 d",
            "t.t_ibfk_1 a",
            "t.t_ibfk_2 c",
            "z.z_ibfk_07 a",
            "z.z_ibfk_1 b",
        ]
    );
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

/// A renamed column (RENAME COLUMN, CHANGE) is renamed in the indexes on it, as the server
/// does: the replay kept the old name there, reported `index t.ia: columns: expected a, found
/// a2`, and made an index for a foreign key on the new name that the renamed index serves.
#[test]
fn mariadb_a_renamed_column_is_renamed_in_its_indexes() {
    let db = ScratchDb::mariadb();
    let (_dir, report) = applied_dbmate(
        &db,
        "CREATE TABLE p (id INT PRIMARY KEY);
CREATE TABLE t (a INT, b INT, INDEX ia (a, b));
ALTER TABLE t RENAME COLUMN a TO a2;
CREATE TABLE w (a INT, b INT, FOREIGN KEY (a) REFERENCES p (id));
ALTER TABLE w CHANGE a a3 INT;
CREATE TABLE x (a INT, INDEX ix (a));
ALTER TABLE x RENAME COLUMN a TO b;
ALTER TABLE x ADD FOREIGN KEY (b) REFERENCES p (id);",
    );
    let indexes = db.query("SELECT CONCAT(TABLE_NAME, '.', INDEX_NAME, ' ', GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX)) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ('t', 'w', 'x') GROUP BY TABLE_NAME, INDEX_NAME ORDER BY 1");
    assert_eq!(indexes, ["t.ia a2,b", "w.a a3", "x.ix b"]);
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

/// MySQL/MariaDB take a dropped column out of the indexes on it and drop only the indexes left
/// without columns: the replay dropped every index on the column, as PostgreSQL does, and
/// reported `iab` (now on `a` alone) and `i3` (still serving the foreign key on `a`) as
/// unmanaged.
#[test]
fn mariadb_a_dropped_column_leaves_the_indexes_on_other_columns() {
    let db = ScratchDb::mariadb();
    let (_dir, report) = applied_dbmate(
        &db,
        "CREATE TABLE p (id INT PRIMARY KEY);
CREATE TABLE t1 (a INT, b INT, c INT, INDEX iab (a, b), INDEX ib (b), UNIQUE KEY u (a, c));
ALTER TABLE t1 DROP COLUMN b;
CREATE TABLE t3 (a INT, b INT, INDEX i3 (a, b), FOREIGN KEY (a) REFERENCES p (id));
ALTER TABLE t3 DROP COLUMN b;",
    );
    let indexes = db.query("SELECT CONCAT(TABLE_NAME, '.', INDEX_NAME, ' ', GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX)) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ('t1', 't3') GROUP BY TABLE_NAME, INDEX_NAME ORDER BY 1");
    assert_eq!(indexes, ["t1.iab a", "t1.u a,c", "t3.i3 a"]);
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

/// The index MariaDB made for a foreign key is dropped before the new index that serves it is
/// named, so an unnamed `UNIQUE (user_uuid, org_uuid)` after `user_uuid … REFERENCES` is named
/// `user_uuid`, not `user_uuid_2` (vaultwarden's MySQL migrations create such tables).
#[test]
fn mariadb_an_unnamed_index_takes_the_name_of_the_foreign_key_index_it_replaces() {
    let db = ScratchDb::mariadb();
    let (_dir, report) = applied_dbmate(
        &db,
        "CREATE TABLE p (id INT PRIMARY KEY);
CREATE TABLE q1 (a INT, b INT, FOREIGN KEY (a) REFERENCES p (id));
ALTER TABLE q1 ADD UNIQUE (a, b);
CREATE TABLE q2 (a INT, b INT, FOREIGN KEY (a) REFERENCES p (id));
ALTER TABLE q2 ADD INDEX (a, b);
CREATE TABLE q4 (a INT REFERENCES p (id), b INT, UNIQUE (a, b));
CREATE TABLE q5 (a INT, b INT, c INT, FOREIGN KEY (a) REFERENCES p (id), INDEX (b), UNIQUE (a, c));
CREATE TABLE q6 (a INT, b INT, FOREIGN KEY (a) REFERENCES p (id));
ALTER TABLE q6 ADD UNIQUE (a, b), ADD INDEX (a);
CREATE TABLE q7 (a INT, b INT, FOREIGN KEY (a) REFERENCES p (id));
CREATE INDEX a ON q7 (a, b);",
    );
    let indexes = db.query("SELECT CONCAT(TABLE_NAME, '.', INDEX_NAME, ' ', GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX)) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'q%' GROUP BY TABLE_NAME, INDEX_NAME ORDER BY 1");
    assert_eq!(
        indexes,
        [
            "q1.a a,b", "q2.a a,b", "q4.a a,b", "q5.a a,c", "q5.b b", "q6.a a,b", "q6.a_2 a",
            "q7.a a,b"
        ]
    );
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

/// AUTO_INCREMENT makes a column NOT NULL unless a later NULL says otherwise
/// (`PT_auto_increment_column_attr` sets NOT_NULL_FLAG in MySQL 8's parser; measured on MariaDB
/// 10.11): hydra's `CHANGE COLUMN pk_deprecated pk_deprecated INT UNSIGNED AUTO_INCREMENT` was
/// reported as `nullable: expected yes, found no`.
#[test]
fn mariadb_auto_increment_makes_a_column_not_null() {
    let db = ScratchDb::mariadb();
    let (_dir, report) = applied_dbmate(
        &db,
        "CREATE TABLE ai1 (a INT AUTO_INCREMENT, KEY (a));
CREATE TABLE ai2 (a INT NULL AUTO_INCREMENT, KEY (a));
CREATE TABLE ai4 (a INT AUTO_INCREMENT NULL, KEY (a));
CREATE TABLE ai3 (a INT, b INT, KEY (a));
ALTER TABLE ai3 CHANGE COLUMN a a INT UNSIGNED AUTO_INCREMENT;",
    );
    let nullable = db.query("SELECT CONCAT(TABLE_NAME, ' ', IS_NULLABLE) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_NAME = 'a' AND TABLE_NAME LIKE 'ai%' ORDER BY 1");
    assert_eq!(nullable, ["ai1 NO", "ai2 NO", "ai3 NO", "ai4 YES"]);
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

/// MySQL reads `"…"` as a string, and the catalog spells the default `'…'`: kratos's
/// `csrf_token VARCHAR (255) NOT NULL DEFAULT ""` was reported as `default: expected "",
/// found ''`.
#[test]
fn mariadb_a_double_quoted_default_is_the_string() {
    let db = ScratchDb::mariadb();
    let (_dir, report) = applied_dbmate(
        &db,
        "CREATE TABLE dq (a VARCHAR(10) NOT NULL DEFAULT \"\", b VARCHAR(10) DEFAULT \"x y\", c VARCHAR(10) DEFAULT \"it's\");
ALTER TABLE dq ADD COLUMN d VARCHAR(10) NOT NULL DEFAULT \"\";",
    );
    let defaults = db.query("SELECT CONCAT(COLUMN_NAME, ' ', COLUMN_DEFAULT) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'dq' ORDER BY 1");
    assert_eq!(defaults, ["a ''", "b 'x y'", "c 'it''s'", "d ''"]);
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

/// golang-migrate's MySQL driver reads the URL's `x-migrations-table` too and writes it in
/// backquotes (`database/mysql/mysql.go`): that table is its own, not a `schema_migrations`
/// beside it.
#[test]
fn mariadb_golang_migrate_table_named_by_the_url() {
    let db = ScratchDb::mariadb();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "1_users.up.sql",
        "CREATE TABLE users (id INT PRIMARY KEY);\n",
    );
    write(dir.path(), "2_more.up.sql", "CREATE TABLE more (id INT);\n");
    db.exec(
        "CREATE TABLE users (id INT PRIMARY KEY);
         CREATE TABLE Migrate_Version (version BIGINT PRIMARY KEY, dirty BOOLEAN NOT NULL); INSERT INTO Migrate_Version VALUES (1, FALSE);
         CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, dirty BOOLEAN NOT NULL); INSERT INTO schema_migrations VALUES (2, FALSE);",
    );
    let url = format!("{}?x-migrations-table=Migrate_Version", db.url);
    let report = try_reconcile(&options(
        &url,
        dir.path(),
        None,
        MigrationsConfig::default(),
    ))
    .unwrap_or_else(|e| panic!("reconcile failed: {e}"));
    assert_eq!(report.json_extra["database"]["tracker"], "golang-migrate");
    assert_eq!(
        statuses(&report),
        ["applied", "pending"],
        "{:#?}",
        report.findings
    );
}

/// InnoDB compares `<table>_ibfk_` with key names as stored, case-sensitively, when it numbers
/// an unnamed key and when it renames keys with their table (measured on MariaDB 10.11): a key
/// named `U3_IBFK_9` leaves the next unnamed key of `u3` at `u3_ibfk_1`, and `R1_IBFK_3` keeps
/// its name when `r1` becomes `r2`. The replay compared in lower case and expected `u3_ibfk_10`
/// and `r2_ibfk_3`.
#[test]
fn mariadb_foreign_key_names_compare_with_their_table_case_sensitively() {
    let db = ScratchDb::mariadb();
    let (_dir, report) = applied_dbmate(
        &db,
        "CREATE TABLE p (id INT PRIMARY KEY);
CREATE TABLE u3 (a INT, b INT, CONSTRAINT U3_IBFK_9 FOREIGN KEY (a) REFERENCES p (id));
ALTER TABLE u3 ADD FOREIGN KEY (b) REFERENCES p (id);
CREATE TABLE u5 (a INT, b INT, CONSTRAINT u5_ibfk_9 FOREIGN KEY (a) REFERENCES p (id));
ALTER TABLE u5 ADD FOREIGN KEY (b) REFERENCES p (id);
CREATE TABLE Mx (a INT, b INT, CONSTRAINT Mx_ibfk_9 FOREIGN KEY (a) REFERENCES p (id));
ALTER TABLE Mx ADD FOREIGN KEY (b) REFERENCES p (id);
CREATE TABLE My (a INT, b INT, CONSTRAINT my_ibfk_9 FOREIGN KEY (a) REFERENCES p (id));
ALTER TABLE My ADD FOREIGN KEY (b) REFERENCES p (id);
CREATE TABLE r1 (a INT, b INT, CONSTRAINT R1_IBFK_3 FOREIGN KEY (a) REFERENCES p (id), FOREIGN KEY (b) REFERENCES p (id));
RENAME TABLE r1 TO r2;
ALTER TABLE r2 ADD COLUMN c INT, ADD FOREIGN KEY (c) REFERENCES p (id);
CREATE TABLE R3 (a INT, CONSTRAINT r3_ibfk_3 FOREIGN KEY (a) REFERENCES p (id));
RENAME TABLE R3 TO r4;
ALTER TABLE r4 ADD COLUMN b INT, ADD FOREIGN KEY (b) REFERENCES p (id);",
    );
    let keys = db.query("SELECT CONCAT(TABLE_NAME, '.', CONSTRAINT_NAME, ' ', COLUMN_NAME) FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL ORDER BY BINARY TABLE_NAME, BINARY CONSTRAINT_NAME");
    assert_eq!(
        keys,
        [
            "Mx.Mx_ibfk_10 b",
            "Mx.Mx_ibfk_9 a",
            "My.My_ibfk_1 b",
            "My.my_ibfk_9 a",
            "r2.R1_IBFK_3 a",
            "r2.r2_ibfk_1 b",
            "r2.r2_ibfk_2 c",
            "r4.r3_ibfk_3 a",
            "r4.r4_ibfk_1 b",
            "u3.U3_IBFK_9 a",
            "u3.u3_ibfk_1 b",
            "u5.u5_ibfk_10 b",
            "u5.u5_ibfk_9 a",
        ]
    );
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

/// sqlparser rejects two MySQL forms, which the replay then saw only through the token-level
/// fallback: `ALTER TABLE t RENAME t2` (no TO; authelia's V0002 backs tables up that way) was
/// reported as `table t` missing and `t2` unmanaged, and `MODIFY|CHANGE … VARCHAR(64) BINARY`
/// (kratos) lost the column's new NULL-ability. They are now parsed as `RENAME TO t2` and
/// without the `BINARY` attribute (a collation, which reconcile does not compare).
#[test]
fn mariadb_rename_without_to_and_the_binary_attribute_are_modelled() {
    let db = ScratchDb::mariadb();
    let (_dir, report) = applied_dbmate(
        &db,
        "CREATE TABLE t (id INT PRIMARY KEY, c VARCHAR(64) NOT NULL);
ALTER TABLE t RENAME t2;
ALTER TABLE t2 RENAME AS t3;
ALTER TABLE t3 MODIFY COLUMN c VARCHAR(64) BINARY;
CREATE TABLE u (id INT PRIMARY KEY, c VARCHAR(64) NOT NULL, d TEXT);
ALTER TABLE u CHANGE c e VARCHAR(32) BINARY, MODIFY d TEXT BINARY NOT NULL;
CREATE TABLE w (a CHAR(3) CHARACTER SET latin1 BINARY NOT NULL DEFAULT 'x');",
    );
    let columns = db.query("SELECT CONCAT(TABLE_NAME, '.', COLUMN_NAME, ' ', COLUMN_TYPE, ' ', IS_NULLABLE, ' ', COLLATION_NAME) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND DATA_TYPE IN ('varchar', 'char', 'text') AND TABLE_NAME <> 'schema_migrations' ORDER BY 1");
    assert_eq!(
        columns,
        [
            "t3.c varchar(64) YES utf8mb4_bin",
            "u.d text NO utf8mb4_bin",
            "u.e varchar(32) YES utf8mb4_bin",
            "w.a char(3) NO latin1_bin",
        ]
    );
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.json_extra["unmanaged"], serde_json::json!([]));
}

/// A migration that changes the schema through PREPARE/EXECUTE of SQL preflight cannot compute
/// cannot be replayed: here it drops `s_ibfk_1` by a name read from the catalog (vaultwarden's
/// `sso_users_cascade` names it as a literal under a catalog check, which is replayed: see
/// `mariadb_top_level_conditional_ddl_is_replayed`) and adds the key again, which the server
/// names `_ibfk_1` and the replay `_ibfk_2`. The difference stays a finding (the database does
/// differ from what the files say), with a note naming the migration's dynamic SQL as its
/// likely cause, on the objects of the tables that SQL names, and only there.
#[test]
fn mariadb_differences_on_tables_dynamic_sql_names_say_so() {
    let db = ScratchDb::mariadb();
    let (dir, report) = applied_dbmate(
        &db,
        "CREATE TABLE p (id INT PRIMARY KEY);
CREATE TABLE s (a INT, FOREIGN KEY (a) REFERENCES p (id));
CREATE TABLE o (a INT);
SET @q = CONCAT('ALTER TABLE s DROP FOREIGN KEY ', (SELECT CONSTRAINT_NAME FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = 's' AND CONSTRAINT_TYPE = 'FOREIGN KEY'));
PREPARE stmt FROM @q;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;
ALTER TABLE s ADD FOREIGN KEY (a) REFERENCES p (id) ON DELETE CASCADE;
SET @z = LOWER('Z');
EXECUTE IMMEDIATE CONCAT('ALTER TABLE s ADD COLUMN ', @z, ' INT');",
    );
    let keys = db.query("SELECT CONSTRAINT_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()");
    assert_eq!(keys, ["s_ibfk_1"]);
    let cause = "20240101_init.sql runs SQL it builds at run time (line 7: `EXECUTE stmt`), which preflight cannot replay, and it names s: this difference may be that migration's doing rather than a change made by hand";
    let drift = finding_with(
        &report,
        "RC104",
        "constraint s.s_ibfk_2: missing from the table",
    );
    assert!(
        drift.notes.iter().any(|n| n.starts_with(cause)),
        "{:#?}",
        drift.notes
    );
    assert_eq!(drift.severity, preflight::diagnostics::Severity::Warning);
    let unmanaged = finding_with(&report, "RC110", "column s.z");
    assert!(
        unmanaged.notes.iter().any(|n| n.starts_with(cause)),
        "{:#?}",
        unmanaged.notes
    );
    // A change by hand to a table the dynamic SQL does not name gets no such note.
    db.exec("ALTER TABLE o ADD COLUMN hand INT;");
    let report = reconcile_dir(&db, dir.path(), None, MigrationsConfig::default());
    let by_hand = finding_with(&report, "RC110", "column o.hand");
    assert!(
        !by_hand
            .notes
            .iter()
            .any(|n| n.contains("builds at run time")),
        "{:#?}",
        by_hand.notes
    );
}

/// The finding of `rule` whose message contains `text`.
fn finding_with<'r>(
    report: &'r Report,
    rule: &str,
    text: &str,
) -> &'r preflight::diagnostics::Finding {
    report
        .findings
        .iter()
        .find(|f| f.code() == rule && f.message.contains(text))
        .unwrap_or_else(|| panic!("no {rule} about {text}: {:#?}", report.findings))
}

/// apache ranger's MySQL patches create a procedure that PREPAREs an ALTER TABLE and CALL it
/// once per table: a CALL of a routine whose body runs EXECUTE runs dynamic SQL too, and the
/// tables it names in its arguments are the ones it may have changed. Called with a literal
/// (`widen('x_def')`) the SQL is replayed (see
/// `mariadb_dynamic_sql_preflight_evaluates_is_replayed`); with a user variable it is not.
#[test]
fn mariadb_a_call_of_a_procedure_running_dynamic_sql_is_dynamic_sql() {
    let db = ScratchDb::mariadb();
    let (_dir, report) = applied_dbmate(
        &db,
        "CREATE TABLE x_def (id INT, sort_order TINYINT);
CREATE TABLE x_other (id INT, sort_order TINYINT);
DELIMITER ;;
CREATE PROCEDURE widen(IN tableName VARCHAR(64)) BEGIN
  SET @query = CONCAT('ALTER TABLE `', tableName, '` MODIFY COLUMN `sort_order` INT DEFAULT 0');
  PREPARE stmt FROM @query;
  EXECUTE stmt;
  DEALLOCATE PREPARE stmt;
END;;
DELIMITER ;
SET @tbl = 'x_def';
CALL widen(@tbl);",
    );
    let cause = "20240101_init.sql runs SQL it builds at run time (line 13: `CALL widen(@tbl)`), which preflight cannot replay, and it names x_def: this difference may be that migration's doing";
    let drift = finding_with(&report, "RC104", "column x_def.sort_order");
    assert!(
        drift.notes.iter().any(|n| n.starts_with(cause)),
        "{:#?}",
        drift.notes
    );
    // A change by hand to the table it does not name is not put on its account.
    db.exec("ALTER TABLE x_other MODIFY COLUMN sort_order SMALLINT;");
    let report = reconcile_dir(&db, _dir.path(), None, MigrationsConfig::default());
    let drift = finding_with(&report, "RC104", "x_def.sort_order");
    assert!(
        drift
            .notes
            .iter()
            .any(|n| n.contains("x_other.sort_order: type")),
        "{:#?}",
        drift.notes
    );
    assert!(
        drift.notes.iter().any(|n| n.starts_with(cause)),
        "{:#?}",
        drift.notes
    );
    assert!(
        !drift
            .notes
            .iter()
            .any(|n| n.contains("builds at run time") && n.contains("x_other")),
        "{:#?}",
        drift.notes
    );
}

/// A procedure that runs no EXECUTE itself but CALLs one that does runs dynamic SQL too, at any
/// depth, and with the bodies the routines have when it is called: a callee replaced by
/// `CREATE OR REPLACE` after its caller was defined counts with its new body. (The SQL comes
/// from a user variable set outside the body, which preflight does not evaluate.)
#[test]
fn mariadb_a_call_of_a_procedure_calling_one_running_dynamic_sql_is_dynamic_sql() {
    for (up, line, what) in [
        (
            "CREATE TABLE kept (id INT PRIMARY KEY);
SET @ddl = 'CREATE TABLE audit_log (id INT PRIMARY KEY)';
DELIMITER ;;
CREATE PROCEDURE inner_p() BEGIN
  EXECUTE IMMEDIATE @ddl;
END;;
CREATE PROCEDURE outer_p() BEGIN
  CALL inner_p();
END;;
DELIMITER ;
CALL outer_p();",
            12,
            "`CALL outer_p()`",
        ),
        (
            "CREATE TABLE kept (id INT PRIMARY KEY);
SET @t = 'audit_log';
DELIMITER ;;
CREATE PROCEDURE top_p() BEGIN
  CALL mid_p;
END;;
CREATE PROCEDURE mid_p() BEGIN
  IF 1 = 1 THEN CALL test.inner_p(@t); END IF;
END;;
CREATE PROCEDURE inner_p(IN t VARCHAR(64)) BEGIN
  SET @q = CONCAT('CREATE TABLE ', t, ' (id INT PRIMARY KEY)');
  PREPARE stmt FROM @q;
  EXECUTE stmt;
  DEALLOCATE PREPARE stmt;
END;;
DELIMITER ;
CALL top_p;",
            18,
            "`CALL top_p`",
        ),
        (
            "CREATE TABLE kept (id INT PRIMARY KEY);
SET @ddl = 'CREATE TABLE audit_log (id INT PRIMARY KEY)';
DELIMITER ;;
CREATE PROCEDURE inner_p() BEGIN
  SELECT 1;
END;;
CREATE PROCEDURE outer_p() BEGIN
  CALL inner_p();
END;;
CREATE OR REPLACE PROCEDURE inner_p() BEGIN
  EXECUTE IMMEDIATE @ddl;
END;;
DELIMITER ;
CALL outer_p();",
            15,
            "`CALL outer_p()`",
        ),
    ] {
        let db = ScratchDb::mariadb();
        // The second case names its database `test` in `CALL test.inner_p`.
        let up = up.replace("test.", &format!("{}.", db.name));
        let (_dir, report) = applied_dbmate(&db, &up);
        assert_eq!(
            db.query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'audit_log'"),
            ["audit_log"]
        );
        let cause = format!("20240101_init.sql runs SQL it builds at run time (line {line}: {what}), which preflight cannot replay, and it names audit_log");
        let unmanaged = finding_with(&report, "RC110", "audit_log");
        assert!(
            unmanaged.notes.iter().any(|n| n.starts_with(&cause)),
            "{up}\n{:#?}",
            unmanaged.notes
        );
    }
}

/// A procedure that CALLs only routines running no dynamic SQL does not run any, even when the
/// migration defines (and never calls) routines that do; nor does a routine replaced by one
/// without EXECUTE before the call.
#[test]
fn mariadb_a_call_of_a_procedure_calling_none_running_dynamic_sql_is_not_dynamic_sql() {
    let db = ScratchDb::mariadb();
    let (_dir, report) = applied_dbmate(
        &db,
        "CREATE TABLE kept (id INT PRIMARY KEY);
DELIMITER ;;
CREATE PROCEDURE dyn_inner() BEGIN
  EXECUTE IMMEDIATE 'CREATE TABLE never_made (id INT)';
END;;
CREATE PROCEDURE dyn_outer() BEGIN
  CALL dyn_inner();
END;;
CREATE PROCEDURE plain_p() BEGIN
  EXECUTE IMMEDIATE 'CREATE TABLE never_made_either (id INT)';
END;;
CREATE OR REPLACE PROCEDURE plain_p() BEGIN
  CREATE TABLE audit_log (id INT PRIMARY KEY);
END;;
CREATE PROCEDURE outer_plain() BEGIN
  CALL plain_p;
END;;
DELIMITER ;
CALL outer_plain();",
    );
    assert_eq!(
        db.query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1"),
        ["audit_log", "kept", "schema_migrations"]
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
    // The CREATE TABLE in plain_p's body, which the call runs, is replayed: audit_log is the
    // migration's.
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.message.contains("audit_log")),
        "{:#?}",
        report.findings
    );
}

/// MariaDB's anonymous compound statement (`BEGIN NOT ATOMIC … END`) runs its statements like a
/// procedure's body: an `EXECUTE IMMEDIATE` or `PREPARE … EXECUTE` in it runs dynamic SQL, and
/// the table it creates from a user variable set outside the block, which the replay cannot
/// know of, is unmanaged with a note saying so.
#[test]
fn mariadb_dynamic_sql_in_a_begin_not_atomic_block_is_dynamic_sql() {
    let db = ScratchDb::mariadb();
    let (_dir, report) = applied_dbmate(
        &db,
        "CREATE TABLE kept (id INT PRIMARY KEY);
SET @t = 'audit_log';
DELIMITER ;;
BEGIN NOT ATOMIC
  IF NOT EXISTS (SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'audit_log') THEN
    EXECUTE IMMEDIATE CONCAT('CREATE TABLE ', @t, ' (id INT PRIMARY KEY)');
  END IF;
END;;
DELIMITER ;",
    );
    let tables = db.query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1");
    assert_eq!(tables, ["audit_log", "kept", "schema_migrations"]);
    let cause = "20240101_init.sql runs SQL it builds at run time (line 7: `EXECUTE IMMEDIATE CONCAT('CREATE …`), which preflight cannot replay, and it names audit_log: this difference may be that migration's doing";
    let unmanaged = finding_with(&report, "RC110", "audit_log");
    assert!(
        unmanaged.notes.iter().any(|n| n.starts_with(cause)),
        "{:#?}",
        unmanaged.notes
    );
}

/// The same with `PREPARE … FROM @sql; EXECUTE …` in the block, and with a procedure that does
/// it CALLed without parentheses (`CALL p;`, which MySQL and MariaDB allow), from a user
/// variable set outside them.
#[test]
fn mariadb_prepare_in_a_block_and_a_call_without_parentheses_are_dynamic_sql() {
    for (up, line, what) in [
        (
            "CREATE TABLE kept (id INT PRIMARY KEY);
SET @t = 'audit_log';
DELIMITER ;;
BEGIN NOT ATOMIC
  SET @q = CONCAT('CREATE TABLE ', @t, ' (id INT PRIMARY KEY)');
  PREPARE stmt FROM @q;
  EXECUTE stmt;
  DEALLOCATE PREPARE stmt;
END;;
DELIMITER ;",
            8,
            "`EXECUTE stmt`",
        ),
        (
            "CREATE TABLE kept (id INT PRIMARY KEY);
SET @ddl = 'CREATE TABLE audit_log (id INT PRIMARY KEY)';
DELIMITER ;;
CREATE PROCEDURE make_audit_log() BEGIN
  EXECUTE IMMEDIATE @ddl;
END;;
DELIMITER ;
CALL make_audit_log;",
            9,
            "`CALL make_audit_log`",
        ),
    ] {
        let db = ScratchDb::mariadb();
        let (_dir, report) = applied_dbmate(&db, up);
        assert_eq!(
            db.query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'audit_log'"),
            ["audit_log"]
        );
        let cause = format!("20240101_init.sql runs SQL it builds at run time (line {line}: {what}), which preflight cannot replay, and it names audit_log");
        let unmanaged = finding_with(&report, "RC110", "audit_log");
        assert!(
            unmanaged.notes.iter().any(|n| n.starts_with(&cause)),
            "{up}\n{:#?}",
            unmanaged.notes
        );
    }
}

/// The dynamic SQL of the tests above, built from literals and from the call's literal
/// arguments: preflight evaluates it and replays what it does, so the database applied by the
/// real server is exactly the expected schema, with no finding and no "built at run time" note.
#[test]
fn mariadb_dynamic_sql_preflight_evaluates_is_replayed() {
    for up in [
        "CREATE TABLE x_def (id INT, sort_order TINYINT);
DELIMITER ;;
CREATE PROCEDURE widen(IN tableName VARCHAR(64)) BEGIN
  SET @query = CONCAT('ALTER TABLE `', tableName, '` MODIFY COLUMN `sort_order` INT DEFAULT 0');
  PREPARE stmt FROM @query;
  EXECUTE stmt;
  DEALLOCATE PREPARE stmt;
END;;
DELIMITER ;
CALL widen('x_def');",
        "CREATE TABLE kept (id INT PRIMARY KEY);
DELIMITER ;;
CREATE PROCEDURE inner_p() BEGIN
  EXECUTE IMMEDIATE 'CREATE TABLE audit_log (id INT PRIMARY KEY)';
END;;
CREATE PROCEDURE outer_p() BEGIN
  CALL inner_p();
END;;
DELIMITER ;
CALL outer_p();",
        "CREATE TABLE kept (id INT PRIMARY KEY);
DELIMITER ;;
CREATE PROCEDURE top_p() BEGIN
  CALL mid_p;
END;;
CREATE PROCEDURE mid_p() BEGIN
  IF 1 = 1 THEN CALL test.inner_p('audit_log'); END IF;
END;;
CREATE PROCEDURE inner_p(IN t VARCHAR(64)) BEGIN
  SET @q = CONCAT('CREATE TABLE ', t, ' (id INT PRIMARY KEY)');
  PREPARE stmt FROM @q;
  EXECUTE stmt;
  DEALLOCATE PREPARE stmt;
END;;
DELIMITER ;
CALL top_p;",
        "CREATE TABLE kept (id INT PRIMARY KEY);
DELIMITER ;;
BEGIN NOT ATOMIC
  IF NOT EXISTS (SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'audit_log') THEN
    EXECUTE IMMEDIATE CONCAT('CREATE TABLE ', 'audit_log', ' (id INT PRIMARY KEY)');
  END IF;
END;;
DELIMITER ;",
        "CREATE TABLE kept (id INT PRIMARY KEY);
DELIMITER ;;
BEGIN NOT ATOMIC
  SET @q = CONCAT('CREATE TABLE ', 'audit_log', ' (id INT PRIMARY KEY)');
  PREPARE stmt FROM @q;
  EXECUTE stmt;
  DEALLOCATE PREPARE stmt;
END;;
DELIMITER ;",
        "CREATE TABLE kept (id INT PRIMARY KEY);
DELIMITER ;;
CREATE PROCEDURE make_audit_log() BEGIN
  EXECUTE IMMEDIATE 'CREATE TABLE audit_log (id INT PRIMARY KEY)';
END;;
DELIMITER ;
CALL make_audit_log;",
    ] {
        let db = ScratchDb::mariadb();
        let up = up.replace("test.", &format!("{}.", db.name));
        let (_dir, report) = applied_dbmate(&db, &up);
        assert_eq!(statuses(&report), ["applied"], "{up}\n{:#?}", report.findings);
        assert!(report.findings.is_empty(), "{up}\n{:#?}", report.findings);
    }
}

/// Directory `path` of the corpus at `$PREFLIGHT_CORPUS`; `None` (the test says it is skipped)
/// without it.
fn corpus_dir(path: &str) -> Option<PathBuf> {
    let Some(corpus) = std::env::var_os("PREFLIGHT_CORPUS") else {
        eprintln!("skipped: PREFLIGHT_CORPUS is not set");
        return None;
    };
    let dir = PathBuf::from(corpus).join(path);
    if !dir.is_dir() {
        eprintln!("skipped: {} is absent", dir.display());
        return None;
    }
    Some(dir)
}

/// `ups` (file name, SQL) applied in order as a dbmate directory, one statement at a time (as
/// authelia's and diesel's drivers run them; procedure bodies keep their `;`), each file in a
/// session that first runs `setup`, and reconciled.
fn applied_one_statement_at_a_time(
    db: &ScratchDb,
    setup: &str,
    ups: &[(String, String)],
) -> (tempfile::TempDir, Report) {
    let out = tempfile::tempdir().unwrap();
    db.exec("CREATE TABLE schema_migrations (version VARCHAR(128) PRIMARY KEY);");
    for (k, (name, up)) in ups.iter().enumerate() {
        // One session per file: its user variables live from one statement to the next.
        let source = preflight::source::SourceFile::new(name.as_str(), up.as_str());
        let mut script = format!("{setup}DELIMITER //\n");
        for statement in
            preflight::sql::parse_source(&source, preflight::sql::Dialect::Mariadb).statements
        {
            let text = source.text[statement.range.clone()].trim_end_matches(';');
            script.push_str(&format!("{text}\n//\n"));
        }
        db.exec(&format!("{script}DELIMITER ;\n"));
        let version = format!("2024010{:03}", k);
        db.exec(&format!(
            "INSERT INTO schema_migrations VALUES ('{version}');"
        ));
        std::fs::write(
            out.path().join(format!("{version}_{name}")),
            format!("-- migrate:up\n{up}\n-- migrate:down\nSELECT 1;\n"),
        )
        .unwrap();
    }
    let report = reconcile_dir(db, out.path(), None, MigrationsConfig::default());
    (out, report)
}

/// authelia's MySQL migrations V0007 and V0012 (from the corpus) drop indexes and foreign keys
/// through `PROC_DROP_INDEX(tableName, indexName)` / `PROC_DROP_FOREIGN_KEY`, which PREPARE an
/// `ALTER TABLE` they build with CONCAT when the catalog has what they drop: after the replay,
/// the expected schema has none of what they dropped, and no migration is "not modelled" for
/// its dynamic SQL.
#[test]
fn mariadb_authelia_procedures_drop_what_their_prepared_statements_name() {
    let Some(dir) = corpus_dir("authelia__authelia/internal/storage/migrations/mysql") else {
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".up.sql"))
        .collect();
    files.sort_by_key(|p| {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        name[1..5].parse::<u32>().unwrap_or(u32::MAX)
    });
    let ups: Vec<(String, String)> = files
        .iter()
        .take_while(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            name[1..5].parse::<u32>().is_ok_and(|n| n <= 12)
        })
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            (name, std::fs::read_to_string(p).unwrap())
        })
        .collect();
    assert!(ups.iter().any(|(n, _)| n.starts_with("V0007")), "{ups:?}");
    let db = ScratchDb::mariadb();
    let (_out, report) = applied_one_statement_at_a_time(&db, "", &ups);
    let dynamic: Vec<_> = report
        .findings
        .iter()
        .filter(|f| {
            f.message.contains("builds at run time")
                || f.notes.iter().any(|n| n.contains("builds at run time"))
        })
        .collect();
    assert!(dynamic.is_empty(), "{dynamic:#?}");
    // The server dropped V0001's unnamed unique keys (`UNIQUE KEY (username)` is `username`),
    // and so did the replay: no difference at all. Only V0007's `ALTER TABLE … ENGINE=InnoDB …`
    // line, which the SQL parser does not read, stays unknown.
    let kept = db.query("SELECT CONCAT(TABLE_NAME, '.', INDEX_NAME) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ('duo_devices', 'encryption') ORDER BY 1");
    assert!(
        !kept
            .iter()
            .any(|i| i == "duo_devices.username" || i == "encryption.name"),
        "{kept:?}"
    );
    assert!(
        kept.iter()
            .any(|i| i == "duo_devices.duo_devices_username_key"),
        "{kept:?}"
    );
    let others: Vec<_> = report
        .findings
        .iter()
        .filter(|f| !(f.code() == "RC109" && f.message.contains("could not be read: not parsed")))
        .collect();
    assert!(others.is_empty(), "{others:#?}");
}

/// dbmate migrations `files` (name, up part), each applied on the server and recorded in turn.
fn applied_dbmate_files(db: &ScratchDb, files: &[(&str, &str)]) -> (tempfile::TempDir, Report) {
    let dir = tempfile::tempdir().unwrap();
    db.exec("CREATE TABLE schema_migrations (version VARCHAR(128) PRIMARY KEY);");
    for (name, up) in files {
        db.exec(up);
        db.exec(&format!(
            "INSERT INTO schema_migrations VALUES ('{}');",
            &name[..8]
        ));
        std::fs::write(
            dir.path().join(name),
            format!("-- migrate:up\n{up}\n-- migrate:down\nSELECT 1;\n"),
        )
        .unwrap();
    }
    let report = reconcile_dir(db, dir.path(), None, MigrationsConfig::default());
    (dir, report)
}

/// apache ranger's MySQL patches make their changes in a procedure: created, CALLed once and
/// dropped, its body adding a column, an index and a table behind `IF NOT EXISTS (SELECT … FROM
/// information_schema…)` checks. The call runs the body: what it made is the migration's (not
/// unmanaged), and the migration, whose only other statements create and drop the procedure,
/// is verified like any other (not unverifiable).
#[test]
fn mariadb_a_called_procedures_statements_are_the_migrations() {
    let db = ScratchDb::mariadb();
    let (_dir, report) = applied_dbmate_files(
        &db,
        &[
            (
                "20240101_create.sql",
                "CREATE TABLE x_policy (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255));",
            ),
            (
                "20240102_patch.sql",
                "DROP PROCEDURE IF EXISTS add_zone;
DELIMITER ;;
CREATE PROCEDURE add_zone() BEGIN
  IF NOT EXISTS (SELECT * FROM information_schema.columns WHERE table_schema=database() AND table_name='x_policy' AND column_name='zone_id') THEN
    ALTER TABLE x_policy ADD COLUMN zone_id BIGINT NULL DEFAULT NULL;
  END IF;
  IF NOT EXISTS (SELECT * FROM information_schema.statistics WHERE table_schema=database() AND table_name='x_policy' AND index_name='x_policy_idx_zone_id') THEN
    ALTER TABLE x_policy ADD INDEX x_policy_idx_zone_id(zone_id);
  END IF;
  CREATE TABLE IF NOT EXISTS x_security_zone (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255) NOT NULL);
END;;
DELIMITER ;
CALL add_zone();
DROP PROCEDURE IF EXISTS add_zone;",
            ),
        ],
    );
    assert_eq!(
        db.query("SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'x_policy' ORDER BY 1"),
        ["id", "name", "zone_id"]
    );
    assert_eq!(
        statuses(&report),
        ["applied", "applied"],
        "{:#?}",
        report.findings
    );
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    // Had the patch not run, its objects are missing, on the line of the call.
    db.exec("ALTER TABLE x_policy DROP INDEX x_policy_idx_zone_id; DROP TABLE x_security_zone;");
    let report = reconcile_dir(&db, _dir.path(), None, MigrationsConfig::default());
    assert_eq!(statuses(&report), ["applied", "missing_objects"]);
    let missing = assert_message(&report, "RC103", "x_security_zone");
    assert!(
        missing.message.contains("20240102_patch.sql"),
        "{missing:#?}"
    );
}

/// A procedure that calls another that makes the change, created in one migration and CALLed
/// (without parentheses, as MySQL allows) in a later one whose only statement is the CALL; a
/// procedure created and never called changes nothing, so its table is not missing.
#[test]
fn mariadb_a_call_in_a_later_migration_runs_the_nested_procedures() {
    let db = ScratchDb::mariadb();
    let (_dir, report) = applied_dbmate_files(
        &db,
        &[
            (
                "20240101_routines.sql",
                "CREATE TABLE accounts (id INT PRIMARY KEY);
DELIMITER //
CREATE PROCEDURE add_email() BEGIN
  ALTER TABLE accounts ADD COLUMN email VARCHAR(100) NOT NULL DEFAULT '', ADD UNIQUE KEY uk_email (email);
END//
CREATE PROCEDURE upgrade() BEGIN
  CALL add_email();
END//
CREATE PROCEDURE never_called() BEGIN
  CREATE TABLE never_made (id INT);
END//
DELIMITER ;",
            ),
            ("20240102_upgrade.sql", "CALL upgrade;"),
        ],
    );
    assert_eq!(
        db.query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1"),
        ["accounts", "schema_migrations"]
    );
    assert_eq!(
        statuses(&report),
        ["applied", "applied"],
        "{:#?}",
        report.findings
    );
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

/// A CALL of a procedure no migration defines (created by hand) is not replayed: the column it
/// added is unmanaged, and the migration, whose only statement is the CALL, is unverifiable.
#[test]
fn mariadb_a_call_of_a_procedure_no_migration_defines_is_not_modelled() {
    let db = ScratchDb::mariadb();
    db.exec(
        "DELIMITER //
CREATE PROCEDURE by_hand() BEGIN ALTER TABLE accounts ADD COLUMN note TEXT; END//
DELIMITER ;",
    );
    let (_dir, report) = applied_dbmate_files(
        &db,
        &[
            (
                "20240101_create.sql",
                "CREATE TABLE accounts (id INT PRIMARY KEY);",
            ),
            ("20240102_call.sql", "CALL by_hand();"),
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
}

/// ranger installs its core schema, which already has the columns and indexes later patches add,
/// then runs every patch: each patch's procedure checks information_schema first, so on the
/// server its ADD COLUMN / ADD INDEX is skipped. The replay skips it too: the column keeps the
/// core schema's definition (no drift) and stays the core migration's.
#[test]
fn mariadb_a_guarded_change_to_what_exists_is_skipped_as_on_the_server() {
    let db = ScratchDb::mariadb();
    let (_dir, report) = applied_dbmate_files(
        &db,
        &[
            (
                "20240101_core.sql",
                "CREATE TABLE x_policy (id BIGINT NOT NULL PRIMARY KEY, zone_id VARCHAR(10) NOT NULL DEFAULT '', KEY x_policy_idx_zone_id (zone_id, id));",
            ),
            (
                "20240102_patch.sql",
                "DELIMITER ;;
CREATE PROCEDURE add_zone() BEGIN
  IF NOT EXISTS (SELECT * FROM information_schema.columns WHERE table_schema=database() AND table_name='x_policy' AND column_name='zone_id') THEN
    ALTER TABLE x_policy ADD COLUMN zone_id BIGINT NULL DEFAULT NULL;
  END IF;
  IF NOT EXISTS (SELECT * FROM information_schema.statistics WHERE table_schema=database() AND table_name='x_policy' AND index_name='x_policy_idx_zone_id') THEN
    ALTER TABLE x_policy ADD INDEX x_policy_idx_zone_id(zone_id);
  END IF;
END;;
DELIMITER ;
CALL add_zone();
DROP PROCEDURE IF EXISTS add_zone;",
            ),
        ],
    );
    assert_eq!(
        db.query("SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'x_policy' AND COLUMN_NAME = 'zone_id'"),
        ["varchar(10)"]
    );
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(statuses(&report), ["applied", "applied"]);
}

/// MariaDB's `BEGIN NOT ATOMIC … END` runs its statements like a PostgreSQL DO block: the
/// column its guarded ALTER TABLE adds is the migration's, not unmanaged.
#[test]
fn mariadb_a_begin_not_atomic_blocks_statements_are_the_migrations() {
    let db = ScratchDb::mariadb();
    let (_dir, report) = applied_dbmate(
        &db,
        "CREATE TABLE accounts (id INT PRIMARY KEY);
DELIMITER ;;
BEGIN NOT ATOMIC
  IF NOT EXISTS (SELECT * FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'accounts' AND column_name = 'email') THEN
    ALTER TABLE accounts ADD COLUMN email VARCHAR(100) NOT NULL DEFAULT '', ADD KEY idx_email (email);
  END IF;
END;;
DELIMITER ;",
    );
    assert_eq!(
        db.query("SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'accounts' ORDER BY 1"),
        ["email", "id"]
    );
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

/// MySQL/MariaDB's top-level conditional DDL (vaultwarden's `sso_users_cascade`, and the
/// common "add the column if it is missing" form): a user variable holds a choice on a catalog
/// check, or a CONCAT-built text, which `PREPARE … EXECUTE` runs.
const TOP_LEVEL_CONDITIONAL_DDL: &[(&str, &str)] = &[
    (
        "20240101_create.sql",
        "CREATE TABLE p (id INT PRIMARY KEY);
CREATE TABLE t (id INT PRIMARY KEY, old INT, a INT, KEY t_old (old), FOREIGN KEY (a) REFERENCES p (id));",
    ),
    (
        "20240102_guarded.sql",
        "SET @s = IF((SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't' AND COLUMN_NAME = 'c') > 0, 'SELECT 1', 'ALTER TABLE t ADD COLUMN c INT');
PREPARE stmt FROM @s;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;
SET @d = (SELECT IF(EXISTS (SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't' AND INDEX_NAME = 't_old'), 'DROP INDEX t_old ON t', 'DO 0'));
PREPARE stmt FROM @d;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;
SET @tbl = 't';
SET @q = CONCAT('CREATE INDEX t_id_old ON ', @tbl, ' (id, old)');
PREPARE stmt FROM @q;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;
SET @fk = IF((SELECT true FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = 't' AND CONSTRAINT_NAME = 't_ibfk_1' AND CONSTRAINT_TYPE = 'FOREIGN KEY') = true, 'ALTER TABLE t DROP FOREIGN KEY t_ibfk_1', 'SELECT 1');
PREPARE stmt FROM @fk;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;
ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES p (id) ON DELETE CASCADE;",
    ),
    (
        "20240103_again.sql",
        "SET @s = CASE WHEN (SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't' AND COLUMN_NAME = 'c') = 0 THEN 'ALTER TABLE t ADD COLUMN c BIGINT' ELSE 'SELECT 1' END;
EXECUTE IMMEDIATE @s;",
    ),
];

/// Applied by the real server, the directory above is exactly the expected schema: no finding,
/// nothing not modelled (the second guarded add finds the column and adds nothing). Without the
/// column the guarded branch adds (dropped by hand), the column is missing.
#[test]
fn mariadb_top_level_conditional_ddl_is_replayed() {
    let db = ScratchDb::mariadb();
    let (dir, report) = applied_dbmate_files(&db, TOP_LEVEL_CONDITIONAL_DDL);
    assert_eq!(
        db.query("SELECT CONCAT(COLUMN_NAME, ' ', COLUMN_TYPE) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't' ORDER BY 1"),
        ["a int(11)", "c int(11)", "id int(11)", "old int(11)"]
    );
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(statuses(&report), ["applied"; 3]);
    // Nothing of it is left not modelled.
    let parsed: Vec<_> = TOP_LEVEL_CONDITIONAL_DDL
        .iter()
        .map(|(name, up)| {
            let source = preflight::source::SourceFile::new(*name, *up);
            preflight::sql::parse_source(&source, preflight::sql::Dialect::Mariadb)
        })
        .collect();
    let engine = preflight::reconcile::expected::Engine::MariaDb;
    for (m, (name, _)) in common::reconcile::replay_whole(&parsed, engine, &db.name)
        .migrations
        .iter()
        .zip(TOP_LEVEL_CONDITIONAL_DDL)
    {
        assert!(m.opaque.is_empty() && m.dynamic.is_empty(), "{name}: {m:?}");
    }

    db.exec("ALTER TABLE t DROP COLUMN c;");
    let report = reconcile_dir(&db, dir.path(), None, MigrationsConfig::default());
    assert_eq!(
        statuses(&report),
        ["applied", "drifted", "applied"],
        "{:#?}",
        report.findings
    );
    // (A column missing from a table that is there is a difference in that table.)
    assert_message(
        &report,
        "RC104",
        "20240102_guarded.sql is recorded as applied but the database differs from it: column t.c: missing from the table",
    );
}

/// SQL a variable holds that preflight cannot compute (read from a user table) stays not
/// modelled: what it added is unmanaged, with a note naming the file and line that ran it.
#[test]
fn mariadb_top_level_dynamic_sql_from_a_user_table_is_not_modelled() {
    let db = ScratchDb::mariadb();
    let (_dir, report) = applied_dbmate(
        &db,
        "CREATE TABLE t (id INT PRIMARY KEY);
CREATE TABLE pending_ddl (ddl TEXT);
INSERT INTO pending_ddl VALUES ('ALTER TABLE t ADD COLUMN z INT');
SET @s = (SELECT ddl FROM pending_ddl LIMIT 1);
PREPARE stmt FROM @s;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;",
    );
    let cause = "20240101_init.sql runs SQL it builds at run time (line 7: `EXECUTE stmt`), which preflight cannot replay";
    let notes = &finding_with(&report, "RC110", "column t.z").notes;
    assert!(notes.iter().any(|n| n.starts_with(cause)), "{notes:#?}");
}

/// vaultwarden's MySQL migrations (from the corpus), applied by the real MariaDB: its
/// `sso_users_cascade` drops `sso_users_ibfk_1` through `SET @drop_sso_fk = IF((SELECT true FROM
/// information_schema.TABLE_CONSTRAINTS WHERE … CONSTRAINT_NAME = 'sso_users_ibfk_1' …) = true,
/// 'ALTER TABLE sso_users DROP FOREIGN KEY sso_users_ibfk_1', 'SELECT 1')`, PREPARE and EXECUTE,
/// then adds the key again, which the server names `sso_users_ibfk_1`: replayed, the expected
/// schema has that one key too (not `sso_users_ibfk_2` beside a kept `_ibfk_1`).
#[test]
fn mariadb_vaultwarden_conditional_drop_of_a_foreign_key_is_replayed() {
    let Some(dir) = corpus_dir("dani-garcia__vaultwarden/migrations/mysql") else {
        return;
    };
    // One directory per migration, named by its timestamp: in name order.
    let mut ups: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter_map(|entry| {
            let up = std::fs::read_to_string(entry.path().join("up.sql")).ok()?;
            Some((format!("{}.sql", entry.file_name().to_string_lossy()), up))
        })
        .collect();
    ups.sort();
    let cascade = ups.iter().filter(|(n, _)| n.contains("sso_users_cascade"));
    assert_eq!(cascade.count(), 1);
    let db = ScratchDb::mariadb();
    // vaultwarden's MySQL connection runs its migrations with foreign key checks off (its
    // first migration references a table it creates later).
    let (_out, report) =
        applied_one_statement_at_a_time(&db, "SET FOREIGN_KEY_CHECKS = 0;\n", &ups);
    let keys = db.query("SELECT CONSTRAINT_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = 'sso_users'");
    assert_eq!(keys, ["sso_users_ibfk_1"]);
    // Every one of its 55 migrations is applied as it says, with no difference.
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    let statuses = statuses(&report);
    assert!(statuses.iter().all(|s| s == "applied"), "{statuses:?}");
}
