//! `preflight reconcile` against a private MariaDB started with `--lower-case-table-names=1`
//! (Windows' and macOS' default, set on some Linux servers too): every table name is stored and
//! compared in lower case, so a name written `Migrations` or `Foo` is the table `migrations` or
//! `foo`. The machine's own server (127.0.0.1:3306) keeps case (0); these tests need their own.

mod common;

use common::cli::write;
use common::private_mariadb::PrivateMariaDb;
use common::reconcile::{
    applied_file, assert_message, generic_table, reconcile_dir, sha384sum, statuses,
};
use common::ScratchDb;
use preflight::config::MigrationsConfig;
use std::sync::Arc;

/// A migrations directory holding `1_t.sql`, applied, and recorded in a generic tracker table
/// the runner's SQL created as `Migrations` (stored as `migrations`).
fn applied_into_mixed_case_table(db: &ScratchDb, sql: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "1_t.sql", sql);
    db.exec(sql);
    db.exec("CREATE TABLE Migrations (name VARCHAR(255), status VARCHAR(255)); INSERT INTO Migrations VALUES ('1_t.sql', 'success');");
    assert_eq!(db.query("SHOW TABLES LIKE 'migrations'"), ["migrations"]);
    dir
}

/// The shared lower-casing server and a scratch database on it (dropped before the server).
fn lower_casing() -> (ScratchDb, Arc<PrivateMariaDb>) {
    let server = PrivateMariaDb::shared(&["--lower-case-table-names=1"]);
    let db = server.scratch();
    assert_eq!(db.query("SELECT @@lower_case_table_names"), ["1"]);
    (db, server)
}

/// A generic tracker table written `Migrations` is the table the server stores as `migrations`,
/// however the runner's SQL spells it, and is never unmanaged.
#[test]
fn a_mixed_case_generic_table_is_the_lower_cased_table() {
    let (db, _server) = lower_casing();
    let dir = applied_into_mixed_case_table(&db, "CREATE TABLE t (id INT);");
    let qualified = format!("`{}`.Migrations", db.name);
    for table in ["Migrations", "`Migrations`", "MIGRATIONS", &qualified] {
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
            assert_eq!(report.json_extra["unmanaged"], serde_json::json!([]));
        }
    }
}

fn sqlx_mysql_table(name: &str) -> String {
    format!("CREATE TABLE {name} (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, checksum BLOB NOT NULL, execution_time BIGINT NOT NULL);")
}

/// sqlx.toml's `table-name = "App_Migrations"`: sqlx's CREATE TABLE App_Migrations made
/// `app_migrations` here, and that is the table read.
#[test]
fn a_mixed_case_sqlx_table_name_is_the_lower_cased_table() {
    let (db, _server) = lower_casing();
    let root = tempfile::tempdir().unwrap();
    write(
        root.path(),
        "sqlx.toml",
        "[migrate]\ntable-name = \"App_Migrations\"\n",
    );
    let dir = root.path().join("migrations");
    let sql = "CREATE TABLE users (id BIGINT PRIMARY KEY, email VARCHAR(255) NOT NULL);";
    let users = write(&dir, "20240101_create_users.sql", sql);
    db.exec(sql);
    db.exec(&sqlx_mysql_table("App_Migrations"));
    db.exec(&format!(
        "INSERT INTO App_Migrations (version, description, success, checksum, execution_time) VALUES (20240101, 'create users', TRUE, UNHEX('{}'), 1);",
        sha384sum(&users)
    ));
    assert_eq!(
        db.query("SHOW TABLES LIKE 'app_migrations'"),
        ["app_migrations"]
    );
    for tracker in [Some("sqlx"), None] {
        let report = reconcile_dir(&db, &dir, tracker, MigrationsConfig::default());
        assert_eq!(
            statuses(&report),
            ["applied"],
            "{tracker:?}: {:#?}",
            report.findings
        );
        assert!(
            report.findings.is_empty(),
            "{tracker:?}: {:#?}",
            report.findings
        );
        assert_eq!(report.json_extra["unmanaged"], serde_json::json!([]));
    }
}

/// Tables, views, indexes and keys a migration names in mixed case are the lower-cased objects
/// the server made: applied, nothing missing, nothing drifted.
#[test]
fn tables_a_migration_names_in_mixed_case_are_applied() {
    let (db, _server) = lower_casing();
    let sql = "CREATE TABLE Foo (id INT PRIMARY KEY, Name VARCHAR(20), KEY Name_Idx (Name));\nCREATE TABLE Bar (id INT, foo_id INT REFERENCES Foo (id), Note TEXT);\nALTER TABLE `Foo` ADD COLUMN Extra INT;\nCREATE INDEX Bar_Id ON BAR (id);\nCREATE INDEX Bar_Foo ON BAR (Foo_Id);\nCREATE VIEW Foo_V AS SELECT id FROM FOO;\nRENAME TABLE Bar TO Baz;\nCREATE TABLE Old (id INT);\nRENAME TABLE OLD TO Qux;";
    let dir = applied_file(&db, "1_init.sql", sql);
    assert_eq!(db.query("SHOW TABLES LIKE 'foo'"), ["foo"]);
    let report = reconcile_dir(&db, dir.path(), None, generic_table("migrations"));
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.json_extra["unmanaged"], serde_json::json!([]));
    // Dropped by hand, the table is missing under the name the server gave it.
    db.exec("DROP TABLE qux;");
    let report = reconcile_dir(&db, dir.path(), None, generic_table("migrations"));
    assert_message(&report, "RC103", "table qux");
}

/// A table no migration creates is unmanaged (RC110) under its stored, lower-cased name, next to
/// a tracker table written in mixed case, which is not.
#[test]
fn a_table_no_migration_creates_is_unmanaged_in_lower_case() {
    let (db, _server) = lower_casing();
    let dir = applied_into_mixed_case_table(&db, "CREATE TABLE T (id INT);");
    db.exec("CREATE TABLE Manual (id INT);");
    for tracker in [Some("generic"), None] {
        let report = reconcile_dir(&db, dir.path(), tracker, generic_table("Migrations"));
        assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
        assert_eq!(
            report.json_extra["unmanaged"],
            serde_json::json!(["table manual"]),
            "{tracker:?}: {:#?}",
            report.findings
        );
        assert_message(&report, "RC110", "manual");
        assert_eq!(report.findings.len(), 1, "{:#?}", report.findings);
    }
}

/// A migration may qualify its tables with the database, in any case here (database names are
/// lower-cased too): those are the tables of the URL's database.
#[test]
fn tables_qualified_with_the_database_in_mixed_case_are_applied() {
    let (db, _server) = lower_casing();
    let upper = db.name.to_uppercase();
    let sql = format!("CREATE TABLE `{upper}`.Foo (id INT);\nCREATE TABLE Bar (id INT);\nALTER TABLE `{upper}`.BAR ADD COLUMN x INT;");
    let dir = applied_into_mixed_case_table(&db, &sql);
    let report = reconcile_dir(&db, dir.path(), None, generic_table("Migrations"));
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.json_extra["unmanaged"], serde_json::json!([]));
}

/// Under lower_case_table_names 1 the table is stored in lower case, and InnoDB compares
/// `<stored table>_ibfk_` with key names as written, case-sensitively (measured on MariaDB
/// 10.11): `Mx_ibfk_9` does not count for `Mx` (stored `mx`) and `my_ibfk_9` does for `My`;
/// `r3_ibfk_3` follows `R3` (stored `r3`) to `r4_ibfk_3`, `R1_IBFK_3` stays.
#[test]
fn foreign_key_names_compare_with_the_stored_table_name_case_sensitively() {
    let (db, _server) = lower_casing();
    let sql = "CREATE TABLE p (id INT PRIMARY KEY);
CREATE TABLE Mx (a INT, b INT, CONSTRAINT Mx_ibfk_9 FOREIGN KEY (a) REFERENCES p (id));
ALTER TABLE Mx ADD FOREIGN KEY (b) REFERENCES p (id);
CREATE TABLE My (a INT, b INT, CONSTRAINT my_ibfk_9 FOREIGN KEY (a) REFERENCES p (id));
ALTER TABLE My ADD FOREIGN KEY (b) REFERENCES p (id);
CREATE TABLE r1 (a INT, b INT, CONSTRAINT R1_IBFK_3 FOREIGN KEY (a) REFERENCES p (id), FOREIGN KEY (b) REFERENCES p (id));
RENAME TABLE r1 TO r2;
ALTER TABLE r2 ADD COLUMN c INT, ADD FOREIGN KEY (c) REFERENCES p (id);
CREATE TABLE R3 (a INT, CONSTRAINT r3_ibfk_3 FOREIGN KEY (a) REFERENCES p (id));
RENAME TABLE R3 TO R4;
ALTER TABLE R4 ADD COLUMN b INT, ADD FOREIGN KEY (b) REFERENCES p (id);";
    let dir = applied_file(&db, "1_init.sql", sql);
    let keys = db.query("SELECT CONCAT(TABLE_NAME, '.', CONSTRAINT_NAME, ' ', COLUMN_NAME) FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL ORDER BY BINARY TABLE_NAME, BINARY CONSTRAINT_NAME");
    assert_eq!(
        keys,
        [
            "mx.Mx_ibfk_9 a",
            "mx.mx_ibfk_1 b",
            "my.my_ibfk_10 b",
            "my.my_ibfk_9 a",
            "r2.R1_IBFK_3 a",
            "r2.r2_ibfk_1 b",
            "r2.r2_ibfk_2 c",
            "r4.r4_ibfk_3 a",
            "r4.r4_ibfk_4 b",
        ]
    );
    let report = reconcile_dir(&db, dir.path(), None, generic_table("migrations"));
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}
