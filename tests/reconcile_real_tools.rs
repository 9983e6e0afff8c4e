//! Reconcile against what the real migration tools wrote: the files they generate and the
//! tracker rows they record, copied verbatim from runs of the tools themselves
//! (`bench/tools_reference.py` installs them and compares their status commands with
//! reconcile; bench/reconcile.md has its results). Real local PostgreSQL, scratch databases.

mod common;

use common::cli::write;
use common::reconcile::{assert_message, external, reconcile_dir, statuses};
use common::ScratchDb;
use preflight::config::MigrationsConfig;
use preflight::output::Report;
use std::path::Path;

fn run(db: &ScratchDb, dir: &Path, tracker: &str) -> Report {
    reconcile_dir(db, dir, Some(tracker), MigrationsConfig::default())
}

/// `_sqlx_migrations` as sqlx-cli 0.9.0 creates it on PostgreSQL (from `pg_dump -s`).
const SQLX_TABLE: &str = "CREATE TABLE _sqlx_migrations (version BIGINT NOT NULL PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL, checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL);";

/// A migration written on Windows (CRLF line endings).
const USERS_CRLF: &str = "CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(255) NOT NULL);\r\nCREATE INDEX idx_users_email ON users (email);\r\n";

#[test]
fn sqlx_toml_ignored_chars_are_left_out_of_the_checksum_as_sqlx_does() {
    let db = ScratchDb::postgres();
    let root = tempfile::tempdir().unwrap();
    // sqlx 0.9's documented cure for line-ending churn, next to the crate's migrations/.
    write(
        root.path(),
        "sqlx.toml",
        "[migrate]\nignored-chars = [\"\\r\"]\n",
    );
    let dir = root.path().join("migrations");
    let file = write(&dir, "20240101000000_users.sql", USERS_CRLF);
    db.exec(USERS_CRLF);
    db.exec(SQLX_TABLE);
    // The row `sqlx migrate run` (sqlx-cli 0.9.0, sqlx-toml feature, which its default build
    // has) wrote for this file: SHA-384 of the text without its CRs.
    db.exec("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (20240101000000, 'users', TRUE, decode('bcbab97c71a8490c92b594e14cc38d0baf2d75f0d60542660b5fa0b455f5cc38c5402453ce5eaac72f9f9ba1e72ac5dc', 'hex'), 7367026);");

    // `sqlx migrate info` says installed; so must reconcile (it said checksum_mismatch, an
    // error, because it hashed the CRs too).
    let report = run(&db, &dir, "sqlx");
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
    assert!(report.findings.iter().all(|f| f.rule != "RC105"));

    // The same file checked out with LF endings: still the applied text for sqlx.
    write(
        &dir,
        "20240101000000_users.sql",
        &USERS_CRLF.replace("\r\n", "\n"),
    );
    let report = run(&db, &dir, "sqlx");
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);

    // A real edit is still one, and the checksum offered for the repair is sqlx's (CRs left out).
    write(
        &dir,
        "20240101000000_users.sql",
        &format!("{USERS_CRLF}-- edited\r\n"),
    );
    let report = run(&db, &dir, "sqlx");
    assert_eq!(statuses(&report), ["checksum_mismatch"]);
    let without_cr = external(
        "python3",
        &[
            "-c",
            "import hashlib, sys; print(hashlib.sha384(open(sys.argv[1], 'rb').read().replace(b'\\r', b'')).hexdigest())",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(
        report.json_extra["migrations"][0]["checksum"]["computed"],
        without_cr.as_str()
    );
}

#[test]
fn a_sqlx_toml_of_another_crate_above_the_crate_root_is_not_read() {
    let db = ScratchDb::postgres();
    let root = tempfile::tempdir().unwrap();
    write(
        root.path(),
        "sqlx.toml",
        "[migrate]\nignored-chars = [\"\\r\"]\n",
    );
    // This crate (its own Cargo.toml) has no sqlx.toml: sqlx hashes every byte.
    write(root.path(), "app/Cargo.toml", "[package]\nname = \"app\"\n");
    let dir = root.path().join("app/migrations");
    write(&dir, "20240101000000_users.sql", USERS_CRLF);
    db.exec(USERS_CRLF);
    db.exec(SQLX_TABLE);
    db.exec("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (20240101000000, 'users', TRUE, decode('bcbab97c71a8490c92b594e14cc38d0baf2d75f0d60542660b5fa0b455f5cc38c5402453ce5eaac72f9f9ba1e72ac5dc', 'hex'), 7367026);");
    let report = run(&db, &dir, "sqlx");
    assert_eq!(statuses(&report), ["checksum_mismatch"]);
}

#[test]
fn sqlx_toml_table_name_is_the_table_sqlx_records_in() {
    let db = ScratchDb::postgres();
    let root = tempfile::tempdir().unwrap();
    write(
        root.path(),
        "sqlx.toml",
        "[migrate]\ntable-name = \"app_migrations\"\n",
    );
    let dir = root.path().join("migrations");
    let users = USERS_CRLF.replace("\r\n", "\n");
    write(&dir, "20240101000000_users.sql", &users);
    db.exec(&users);
    // What `sqlx migrate run` (sqlx-cli 0.9.0) created and wrote with that sqlx.toml: the
    // `_sqlx_migrations` columns under the configured name, and the row (from `pg_dump`).
    db.exec(&SQLX_TABLE.replace("_sqlx_migrations", "app_migrations"));
    db.exec("INSERT INTO app_migrations (version, description, success, checksum, execution_time) VALUES (20240101000000, 'users', TRUE, decode('bcbab97c71a8490c92b594e14cc38d0baf2d75f0d60542660b5fa0b455f5cc38c5402453ce5eaac72f9f9ba1e72ac5dc', 'hex'), 2482123);");

    // `sqlx migrate info` says installed. reconcile looked in `_sqlx_migrations` (RC111), called
    // the migration applied_unrecorded, and app_migrations an unmanaged table (RC110).
    for tracker in ["sqlx", "auto"] {
        let report = reconcile_dir(
            &db,
            &dir,
            Some(tracker).filter(|t| *t != "auto"),
            MigrationsConfig::default(),
        );
        assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
        assert!(
            report.findings.is_empty(),
            "{tracker}: {:#?}",
            report.findings
        );
    }

    // The repair statements name the configured table.
    write(
        &dir,
        "20240101000000_users.sql",
        &format!("{users}-- edited\n"),
    );
    let report = run(&db, &dir, "sqlx");
    assert_eq!(statuses(&report), ["checksum_mismatch"]);
    let repair = serde_json::to_string(&report.findings).unwrap();
    assert!(
        repair.contains("UPDATE app_migrations SET checksum"),
        "{repair}"
    );
    write(
        &dir,
        "20240102000000_posts.sql",
        "CREATE TABLE posts (id INT);\n",
    );
    db.exec("CREATE TABLE posts (id INT);");
    let report = run(&db, &dir, "sqlx");
    let repair = serde_json::to_string(&report.findings).unwrap();
    assert!(
        repair.contains("INSERT INTO app_migrations (version"),
        "{repair}"
    );
    assert!(!repair.contains("_sqlx_migrations"), "{repair}");
}

#[test]
fn sqlx_toml_table_name_may_name_a_schema() {
    let db = ScratchDb::postgres();
    let root = tempfile::tempdir().unwrap();
    // sqlx-core's documented example: `_sqlx_migrations` in schema foo (create-schemas makes it).
    write(
        root.path(),
        "sqlx.toml",
        "[migrate]\ncreate-schemas = [\"foo\"]\ntable-name = \"foo._sqlx_migrations\"\n",
    );
    let dir = root.path().join("migrations");
    let users = USERS_CRLF.replace("\r\n", "\n");
    write(&dir, "20240101000000_users.sql", &users);
    db.exec(&users);
    db.exec("CREATE SCHEMA foo;");
    db.exec(&SQLX_TABLE.replace("_sqlx_migrations", "foo._sqlx_migrations"));
    db.exec("INSERT INTO foo._sqlx_migrations (version, description, success, checksum, execution_time) VALUES (20240101000000, 'users', TRUE, decode('bcbab97c71a8490c92b594e14cc38d0baf2d75f0d60542660b5fa0b455f5cc38c5402453ce5eaac72f9f9ba1e72ac5dc', 'hex'), 2482123);");
    for tracker in ["sqlx", "auto"] {
        let report = reconcile_dir(
            &db,
            &dir,
            Some(tracker).filter(|t| *t != "auto"),
            MigrationsConfig::default(),
        );
        assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
        assert!(
            report.findings.is_empty(),
            "{tracker}: {:#?}",
            report.findings
        );
    }
}

#[test]
fn a_schema_qualified_sqlx_table_name_is_read_only_in_that_schema() {
    let db = ScratchDb::postgres();
    let root = tempfile::tempdir().unwrap();
    write(
        root.path(),
        "sqlx.toml",
        "[migrate]\ntable-name = \"other._sqlx_migrations\"\n",
    );
    let dir = root.path().join("migrations");
    let users = USERS_CRLF.replace("\r\n", "\n");
    write(&dir, "20240101000000_users.sql", &users);
    db.exec(&users);
    // Another crate's (or an older setup's) records in the search path's schema: sqlx with
    // this sqlx.toml queries `other._sqlx_migrations` as written and never reads these.
    db.exec(SQLX_TABLE);
    db.exec("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (20240101000000, 'users', TRUE, decode('bcbab97c71a8490c92b594e14cc38d0baf2d75f0d60542660b5fa0b455f5cc38c5402453ce5eaac72f9f9ba1e72ac5dc', 'hex'), 2482123);");
    for create_schema in [false, true] {
        if create_schema {
            db.exec("CREATE SCHEMA other;");
        }
        for tracker in ["sqlx", "auto"] {
            let report = reconcile_dir(
                &db,
                &dir,
                Some(tracker).filter(|t| *t != "auto"),
                MigrationsConfig::default(),
            );
            assert_eq!(
                statuses(&report),
                ["applied_unrecorded"],
                "{tracker}, schema other exists: {create_schema}: {:#?}",
                report.findings
            );
            let missing = assert_message(&report, "RC111", "other._sqlx_migrations");
            assert!(
                missing.message.contains("schema other"),
                "{}",
                missing.message
            );
        }
    }
}

/// `migrations/00000000000000_diesel_initial_setup/up.sql` as `diesel setup` (diesel_cli
/// 2.3.14) writes it on PostgreSQL.
const DIESEL_INITIAL_SETUP: &str = r#"-- This file was automatically created by Diesel to setup helper functions
-- and other internal bookkeeping. This file is safe to edit, any future
-- changes will be added to existing projects as new migrations.




-- Sets up a trigger for the given table to automatically set a column called
-- `updated_at` whenever the row is modified (unless `updated_at` was included
-- in the modified columns)
--
-- # Example
--
-- ```sql
-- CREATE TABLE users (id SERIAL PRIMARY KEY, updated_at TIMESTAMP NOT NULL DEFAULT NOW());
--
-- SELECT diesel_manage_updated_at('users');
-- ```
CREATE OR REPLACE FUNCTION diesel_manage_updated_at(_tbl regclass) RETURNS VOID AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER set_updated_at BEFORE UPDATE ON %s
                    FOR EACH ROW EXECUTE PROCEDURE diesel_set_updated_at()', _tbl);
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION diesel_set_updated_at() RETURNS trigger AS $$
BEGIN
    IF (
        NEW IS DISTINCT FROM OLD AND
        NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at
    ) THEN
        NEW.updated_at := current_timestamp;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"#;

/// `__diesel_schema_migrations` as diesel_cli 2.3.14 creates it (from `pg_dump -s`).
const DIESEL_TABLE: &str = "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) NOT NULL PRIMARY KEY, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);";

#[test]
fn diesel_manage_updated_at_creates_the_set_updated_at_trigger() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    let users = "CREATE TABLE users (\n    id SERIAL PRIMARY KEY,\n    email VARCHAR NOT NULL,\n    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP\n);\n\nSELECT diesel_manage_updated_at('users');\n";
    write(
        dir.path(),
        "00000000000000_diesel_initial_setup/up.sql",
        DIESEL_INITIAL_SETUP,
    );
    write(
        dir.path(),
        "2024-01-01-000000-0000_create_users/up.sql",
        users,
    );
    db.exec(DIESEL_INITIAL_SETUP);
    db.exec(users);
    db.exec(DIESEL_TABLE);
    // The versions `diesel migration run` recorded: the directory name before `_`, dashes out.
    db.exec("INSERT INTO __diesel_schema_migrations (version) VALUES ('00000000000000'), ('202401010000000000');");

    // `diesel migration list` says both are applied, and the trigger is the one the
    // migration's SELECT created: no unmanaged object (RC110 said "no migration creates it").
    let report = run(&db, dir.path(), "diesel");
    assert_eq!(statuses(&report), ["applied", "applied"]);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);

    // Dropped by hand, the trigger is missing from the migration that created it.
    db.exec("DROP TRIGGER set_updated_at ON users;");
    let report = run(&db, dir.path(), "diesel");
    assert_eq!(statuses(&report), ["applied", "missing_objects"]);
    let missing = &report.json_extra["migrations"][1]["objects"];
    assert!(
        missing
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["name"] == "users.set_updated_at" && o["state"] == "missing"),
        "{missing:#}"
    );
}
