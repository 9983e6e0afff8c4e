//! Where each tool keeps its tracker table on PostgreSQL, and that reconcile reads it there:
//! the connection's current schema (sqlx, Diesel, refinery, golang-migrate, Flyway and dbmate
//! without a configured schema), the first schema of the search_path that has it (goose, a
//! hand-rolled runner), the URL's `schema=` (Prisma) or `search_path=` (dbmate, Atlas), Flyway's
//! `defaultSchema`. The search_path comes from the URL (`options=-csearch_path=…`, or the
//! `search_path=` parameter the Go drivers send to the server) or from `ALTER DATABASE … SET`.

mod common;

use common::cli::write;
use common::reconcile::{
    external, generic_table, options, sha384sum, statuses, try_reconcile, FLYWAY_SCHEMA_HISTORY,
};
use common::ScratchDb;
use preflight::config::MigrationsConfig;
use preflight::output::Report;
use std::path::Path;

const USERS: &str = "CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT NOT NULL);\n";
const SQLX_TABLE: &str = "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL, checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL);";

/// Reconciles `dir` against `url`; an error fails the test with its message.
fn run(url: &str, dir: &Path, tracker: Option<&str>, schema: Option<&str>) -> Report {
    run_with(url, dir, tracker, schema, MigrationsConfig::default())
}

fn run_with(
    url: &str,
    dir: &Path,
    tracker: Option<&str>,
    schema: Option<&str>,
    migrations: MigrationsConfig,
) -> Report {
    let mut opts = options(url, dir, tracker, migrations);
    opts.schema = schema.map(str::to_string);
    try_reconcile(&opts).unwrap_or_else(|e| panic!("reconcile failed: {e}"))
}

/// The reconciled schema and the tracker, from the report.
fn reconciled(report: &Report) -> (String, String) {
    let db = &report.json_extra["database"];
    (
        db["schema"].as_str().unwrap().to_string(),
        db["tracker"].as_str().unwrap().to_string(),
    )
}

fn no_missing_tracker(report: &Report) {
    assert!(
        report.findings.iter().all(|f| f.rule != "RC111"),
        "{:#?}",
        report.findings
    );
}

/// The URL with `search_path` set through libpq's `options` (which sqlx applies itself).
fn with_options_search_path(db: &ScratchDb, path: &str) -> String {
    format!("{}?options=-csearch_path%3D{path}", db.url)
}

/// sqlx's migration in `dir` and its record, applied in schema `app` by a connection whose
/// search_path starts with it.
fn sqlx_applied_in_app(db: &ScratchDb, dir: &Path) {
    let file = write(dir, "20240101000000_users.sql", USERS);
    db.exec(&format!(
        "CREATE SCHEMA app; SET search_path = app; {USERS} {SQLX_TABLE}
         INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (20240101000000, 'users', TRUE, decode('{}', 'hex'), 1);",
        sha384sum(&file)
    ));
}

/// sqlx creates `_sqlx_migrations` unqualified (`CREATE TABLE IF NOT EXISTS`) in the current
/// schema, the first schema of the URL's search_path: reconcile finds it there, and the
/// migrations' unqualified objects with it.
#[test]
fn sqlx_table_in_the_schema_the_url_search_path_starts_with() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    sqlx_applied_in_app(&db, dir.path());
    let report = run(
        &with_options_search_path(&db, "app,public"),
        dir.path(),
        None,
        None,
    );
    assert_eq!(reconciled(&report), ("app".into(), "sqlx".into()));
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
    no_missing_tracker(&report);
}

/// Migrations that qualify their objects (`app.users`) run by sqlx with the default
/// search_path: the records are in `public._sqlx_migrations`, the objects in `app`. A stale
/// `_sqlx_migrations` in `app` is not the one sqlx reads.
#[test]
fn sqlx_records_are_read_from_the_current_schema_not_the_reconciled_one() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    let sql = "CREATE TABLE app.users (id BIGINT PRIMARY KEY, email TEXT NOT NULL);\n";
    let file = write(dir.path(), "20240101000000_users.sql", sql);
    db.exec(&format!(
        "CREATE SCHEMA app; {sql} {SQLX_TABLE}
         INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (20240101000000, 'users', TRUE, decode('{}', 'hex'), 1);
         {}",
        sha384sum(&file),
        SQLX_TABLE.replace("_sqlx_migrations", "app._sqlx_migrations")
    ));
    let report = run(&db.url, dir.path(), Some("sqlx"), Some("app"));
    assert_eq!(reconciled(&report), ("app".into(), "sqlx".into()));
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
    no_missing_tracker(&report);
}

/// A missing table is reported where the tool looks for it, naming the table of that name
/// another schema has.
#[test]
fn a_missing_table_is_reported_in_the_schema_the_tool_looks_in() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "20240101000000_users.sql", USERS);
    db.exec(&format!("CREATE SCHEMA app; {SQLX_TABLE}"));
    let report = run(
        &with_options_search_path(&db, "app,public"),
        dir.path(),
        Some("sqlx"),
        None,
    );
    let missing = report
        .findings
        .iter()
        .find(|f| f.rule == "RC111")
        .unwrap_or_else(|| panic!("no RC111 in {:#?}", report.findings));
    for text in [
        "sqlx keeps its records in _sqlx_migrations, which does not exist in schema app (the connection's current schema, the first existing schema of its search_path app,public)",
        "a _sqlx_migrations exists in schema public, which sqlx does not read through this connection; if sqlx runs with another search_path, from its URL or its role (ALTER ROLE … SET search_path), give reconcile the same, e.g. ?options=-csearch_path%3Dpublic",
    ] {
        assert!(missing.message.contains(text), "{}", missing.message);
    }
}

/// golang-migrate qualifies `schema_migrations` with `SELECT CURRENT_SCHEMA()`; here the
/// database's own search_path (`ALTER DATABASE … SET search_path`) makes it `app`.
#[test]
fn golang_migrate_table_in_the_current_schema_of_the_database_search_path() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "1_users.up.sql", USERS);
    db.exec(&format!(
        "CREATE SCHEMA app; ALTER DATABASE \"{}\" SET search_path = app",
        db.name
    ));
    // A new session: the database's setting applies.
    db.exec(&format!(
        "{USERS} CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, dirty BOOLEAN NOT NULL); INSERT INTO schema_migrations VALUES (1, FALSE);"
    ));
    assert_eq!(
        db.query("SELECT schemaname FROM pg_tables WHERE tablename = 'schema_migrations'"),
        ["app"]
    );
    let report = run(&db.url, dir.path(), None, None);
    assert_eq!(reconciled(&report), ("app".into(), "golang-migrate".into()));
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
}

/// goose names `goose_db_version` unqualified and resolves it through the search_path: with
/// `app,public` and the table only in `public`, that one is read, while the migrations'
/// objects are in the current schema, `app`.
#[test]
fn goose_table_found_further_down_the_search_path() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "20240101_users.sql",
        &format!("-- +goose Up\n{USERS}-- +goose Down\nDROP TABLE users;\n"),
    );
    db.exec(&format!(
        "CREATE TABLE goose_db_version (id SERIAL PRIMARY KEY, version_id BIGINT NOT NULL, is_applied BOOLEAN NOT NULL, tstamp TIMESTAMP DEFAULT now());
         INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, TRUE), (20240101, TRUE);
         CREATE SCHEMA app; SET search_path = app, public; {USERS}"
    ));
    let url = format!("{}?search_path=app,public", db.url);
    let report = run(&url, dir.path(), None, None);
    assert_eq!(reconciled(&report), ("app".into(), "goose".into()));
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
    no_missing_tracker(&report);
}

/// A hand-rolled runner's unqualified table is the first one the search_path resolves.
#[test]
fn generic_table_resolved_through_the_search_path() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "20240101_users.sql", USERS);
    db.exec(&format!(
        "CREATE SCHEMA app; SET search_path = app; {USERS}
         CREATE TABLE migrations (name TEXT, status TEXT); INSERT INTO migrations VALUES ('20240101_users.sql', 'success');
         CREATE TABLE public.migrations (name TEXT, status TEXT);"
    ));
    let report = run_with(
        &with_options_search_path(&db, "app,public"),
        dir.path(),
        Some("generic"),
        None,
        generic_table("migrations"),
    );
    assert_eq!(reconciled(&report), ("app".into(), "generic".into()));
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
}

/// Prisma connects with the search_path set to the URL's `schema` and keeps
/// `_prisma_migrations` there, with the migrations' objects.
#[test]
fn prisma_table_in_the_url_schema_parameter() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "20240101000000_init/migration.sql", USERS);
    write(
        dir.path(),
        "migration_lock.toml",
        "provider = \"postgresql\"\n",
    );
    let sum = external("sha256sum", &[file.to_str().unwrap()]);
    let sum = sum.split_whitespace().next().unwrap();
    db.exec(&format!(
        "CREATE SCHEMA app; SET search_path = app; {USERS}
         CREATE TABLE _prisma_migrations (id VARCHAR(36) PRIMARY KEY, checksum VARCHAR(64) NOT NULL, finished_at TIMESTAMPTZ, migration_name VARCHAR(255) NOT NULL, logs TEXT, rolled_back_at TIMESTAMPTZ, started_at TIMESTAMPTZ NOT NULL DEFAULT now(), applied_steps_count INTEGER NOT NULL DEFAULT 0);
         INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name) VALUES ('a', '{sum}', now(), '20240101000000_init');"
    ));
    let url = format!("{}?schema=app", db.url);
    let report = run(&url, dir.path(), None, None);
    assert_eq!(reconciled(&report), ("app".into(), "prisma".into()));
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
}

/// dbmate qualifies `schema_migrations` with the first schema of the URL's `search_path`
/// (which lib/pq also sends to the server as the session's search_path).
#[test]
fn dbmate_table_in_the_first_schema_of_the_url_search_path() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "20240101000000_users.sql",
        &format!("-- migrate:up\n{USERS}\n-- migrate:down\nDROP TABLE users;\n"),
    );
    db.exec(&format!(
        "CREATE SCHEMA app; SET search_path = app; {USERS}
         CREATE TABLE schema_migrations (version VARCHAR(128) PRIMARY KEY); INSERT INTO schema_migrations VALUES ('20240101000000');"
    ));
    let url = format!("{}?search_path=app,public", db.url);
    let report = run(&url, dir.path(), None, None);
    assert_eq!(reconciled(&report), ("app".into(), "dbmate".into()));
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
}

/// Atlas keeps `atlas_schema_revisions` in the schema its URL is bound to (`search_path=`),
/// not in the schema `atlas_schema_revisions`.
#[test]
fn atlas_table_in_the_schema_the_url_binds() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "20240101000000_users.sql", USERS);
    db.exec(&format!(
        "CREATE SCHEMA app; SET search_path = app; {USERS}
         CREATE TABLE atlas_schema_revisions (version VARCHAR PRIMARY KEY, description VARCHAR NOT NULL, type BIGINT NOT NULL DEFAULT 2, applied BIGINT NOT NULL DEFAULT 0, total BIGINT NOT NULL DEFAULT 0, executed_at TIMESTAMPTZ NOT NULL DEFAULT now(), execution_time BIGINT NOT NULL DEFAULT 0, error TEXT, error_stmt TEXT, hash VARCHAR NOT NULL, partial_hashes JSONB, operator_version VARCHAR NOT NULL DEFAULT 'test');
         INSERT INTO atlas_schema_revisions (version, description, applied, total, hash) VALUES ('20240101000000', 'users', 1, 1, 'x');"
    ));
    let url = format!("{}?search_path=app", db.url);
    let report = run(&url, dir.path(), None, None);
    assert_eq!(reconciled(&report), ("app".into(), "atlas".into()));
    no_missing_tracker(&report);
    assert_eq!(statuses(&report).len(), 1, "{:#?}", report.findings);
    assert_ne!(statuses(&report)[0], "applied_unrecorded");
}

/// Flyway keeps `flyway_schema_history` in `defaultSchema` (else the first of `schemas`) and
/// migrates with the search_path set to it.
#[test]
fn flyway_history_in_the_configured_schema() {
    for setting in ["flyway.defaultSchema=app", "flyway.schemas=app,other"] {
        let db = ScratchDb::postgres();
        let project = tempfile::tempdir().unwrap();
        let dir = project.path().join("migrations");
        write(&dir, "V1__users.sql", USERS);
        write(project.path(), "flyway.conf", &format!("{setting}\n"));
        db.exec(&format!(
            "CREATE SCHEMA app; SET search_path = app; {USERS} {FLYWAY_SCHEMA_HISTORY}
             INSERT INTO flyway_schema_history VALUES (1, '1', 'users', 'SQL', 'V1__users.sql', NULL, 'ci', now(), 1, TRUE);"
        ));
        let report = run(&db.url, &dir, None, None);
        assert_eq!(
            reconciled(&report),
            ("app".into(), "flyway".into()),
            "{setting}"
        );
        assert_eq!(
            statuses(&report),
            ["applied"],
            "{setting}: {:#?}",
            report.findings
        );
    }
}

/// In flyway.toml, `schemas` is the selected environment's (`[environments.NAME] schemas`) and
/// `[environments.NAME.flyway] table` overrides `[flyway] table`: the history is `app."History"`.
#[test]
fn flyway_history_where_the_toml_environment_puts_it() {
    let db = ScratchDb::postgres();
    let project = tempfile::tempdir().unwrap();
    let dir = project.path().join("migrations");
    write(&dir, "V1__users.sql", USERS);
    write(&dir, "V2__more.sql", "CREATE TABLE more (id INT);\n");
    write(
        project.path(),
        "flyway.toml",
        "[flyway]\ntable = \"unused\"\n\n[environments.default]\nschemas = [\"app\", \"other\"]\n\n[environments.default.flyway]\ntable = \"History\"\n",
    );
    let history = FLYWAY_SCHEMA_HISTORY.replace("flyway_schema_history", "\"History\"");
    db.exec(&format!(
        "{FLYWAY_SCHEMA_HISTORY}
         INSERT INTO flyway_schema_history VALUES
           (1, '1', 'users', 'SQL', 'V1__users.sql', NULL, 'ci', now(), 1, TRUE),
           (2, '2', 'more', 'SQL', 'V2__more.sql', NULL, 'ci', now(), 1, TRUE);
         CREATE SCHEMA app; SET search_path = app; {USERS} {history}
         INSERT INTO \"History\" VALUES (1, '1', 'users', 'SQL', 'V1__users.sql', NULL, 'ci', now(), 1, TRUE);"
    ));
    let report = run(&db.url, &dir, None, None);
    assert_eq!(reconciled(&report), ("app".into(), "flyway".into()));
    assert_eq!(
        statuses(&report),
        ["applied", "pending"],
        "{:#?}",
        report.findings
    );
}

/// `ALTER DATABASE … SET search_path = app`, then the tool's tables created by a new session
/// (in `app`), beside an older, empty table of the same name in `public`.
fn in_app_by_database_search_path(db: &ScratchDb, table: &str, sql: &str) {
    db.exec(&format!(
        "{table} CREATE SCHEMA app; ALTER DATABASE \"{}\" SET search_path = app",
        db.name
    ));
    db.exec(&format!("{USERS} {table} {sql}"));
}

/// Diesel runs `CREATE TABLE IF NOT EXISTS __diesel_schema_migrations` unqualified
/// (`setup_migration_table.sql`) and reads it unqualified: the current schema's.
#[test]
fn diesel_table_in_the_current_schema_not_the_older_one_in_public() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "2024-01-01-000000_users/up.sql", USERS);
    in_app_by_database_search_path(
        &db,
        "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY, run_on TIMESTAMP NOT NULL DEFAULT now());",
        "INSERT INTO __diesel_schema_migrations (version) VALUES ('20240101000000');",
    );
    let report = run(&db.url, dir.path(), None, None);
    assert_eq!(reconciled(&report), ("app".into(), "diesel".into()));
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
}

/// refinery's `ASSERT_MIGRATIONS_TABLE_QUERY` is `CREATE TABLE IF NOT EXISTS
/// refinery_schema_history` unqualified, and it reads it unqualified: the current schema's.
#[test]
fn refinery_table_in_the_current_schema_not_the_older_one_in_public() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "V1__users.sql", USERS);
    in_app_by_database_search_path(
        &db,
        "CREATE TABLE refinery_schema_history (version INT4 PRIMARY KEY, name VARCHAR(255), applied_on VARCHAR(255), checksum VARCHAR(255));",
        "INSERT INTO refinery_schema_history VALUES (1, 'users', '2024-01-01T00:00:00Z', NULL);",
    );
    let report = run(&db.url, dir.path(), None, None);
    assert_eq!(reconciled(&report), ("app".into(), "refinery".into()));
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
}

/// golang-migrate's `x-migrations-table` renames its table (quoted by the driver, so its case
/// is kept), in `CURRENT_SCHEMA()`; the default `schema_migrations` there is another's.
#[test]
fn golang_migrate_table_named_by_the_url() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "1_users.up.sql", USERS);
    write(dir.path(), "2_more.up.sql", "CREATE TABLE more (id INT);\n");
    db.exec(&format!(
        "{USERS} CREATE TABLE \"Migrate_Version\" (version BIGINT PRIMARY KEY, dirty BOOLEAN NOT NULL); INSERT INTO \"Migrate_Version\" VALUES (1, FALSE);
         CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, dirty BOOLEAN NOT NULL); INSERT INTO schema_migrations VALUES (2, FALSE);"
    ));
    let url = format!("{}?x-migrations-table=Migrate_Version", db.url);
    let report = run(&url, dir.path(), None, None);
    assert_eq!(
        reconciled(&report),
        ("public".into(), "golang-migrate".into())
    );
    assert_eq!(
        statuses(&report),
        ["applied", "pending"],
        "{:#?}",
        report.findings
    );
}

/// With `x-migrations-table-quoted`, `"schema"."table"` names the schema too: golang-migrate
/// reads exactly that table, while the migrations' objects are in the current schema.
#[test]
fn golang_migrate_schema_qualified_table_named_by_the_url() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "1_users.up.sql", USERS);
    db.exec(&format!(
        "{USERS} CREATE SCHEMA tools; CREATE TABLE tools.migrations (version BIGINT PRIMARY KEY, dirty BOOLEAN NOT NULL); INSERT INTO tools.migrations VALUES (1, FALSE);"
    ));
    let url = format!(
        "{}?x-migrations-table=%22tools%22.%22migrations%22&x-migrations-table-quoted=1",
        db.url
    );
    let report = run(&url, dir.path(), None, None);
    assert_eq!(
        reconciled(&report),
        ("public".into(), "golang-migrate".into())
    );
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
    // Gone: reported under the name the URL gives it.
    db.exec("DROP TABLE tools.migrations");
    let report = run(&url, dir.path(), Some("golang-migrate"), None);
    let missing = report
        .findings
        .iter()
        .find(|f| f.rule == "RC111")
        .unwrap_or_else(|| panic!("no RC111 in {:#?}", report.findings));
    assert!(
        missing
            .message
            .contains("golang-migrate keeps its records in \"tools\".\"migrations\", which does not exist in schema tools"),
        "{}",
        missing.message
    );
}

/// Flyway's `table` renames the history table (Flyway quotes it, so its case is kept); a
/// `flyway_schema_history` beside it is not Flyway's.
#[test]
fn flyway_history_table_named_by_the_configuration() {
    let db = ScratchDb::postgres();
    let project = tempfile::tempdir().unwrap();
    let dir = project.path().join("migrations");
    write(&dir, "V1__users.sql", USERS);
    write(&dir, "V2__more.sql", "CREATE TABLE more (id INT);\n");
    write(project.path(), "flyway.conf", "flyway.table=History\n");
    let history = FLYWAY_SCHEMA_HISTORY.replace("flyway_schema_history", "\"History\"");
    db.exec(&format!(
        "{USERS} {history} {FLYWAY_SCHEMA_HISTORY}
         INSERT INTO \"History\" VALUES (1, '1', 'users', 'SQL', 'V1__users.sql', NULL, 'ci', now(), 1, TRUE);
         INSERT INTO flyway_schema_history VALUES
           (1, '1', 'users', 'SQL', 'V1__users.sql', NULL, 'ci', now(), 1, TRUE),
           (2, '2', 'more', 'SQL', 'V2__more.sql', NULL, 'ci', now(), 1, TRUE);"
    ));
    let report = run(&db.url, &dir, None, None);
    assert_eq!(reconciled(&report), ("public".into(), "flyway".into()));
    assert_eq!(
        statuses(&report),
        ["applied", "pending"],
        "{:#?}",
        report.findings
    );
}

/// dbmate's `--migrations-table` (`DBMATE_MIGRATIONS_TABLE`) renames its table and may name its
/// schema (`tools.dbmate_log`): dbmate reads exactly that table, and a `schema_migrations` in
/// the current schema is another's. Run as a process: the variable is the environment's.
#[test]
fn dbmate_table_named_by_dbmate_migrations_table() {
    let db = ScratchDb::postgres();
    let root = tempfile::tempdir().unwrap();
    write(
        root.path(),
        "migrations/20240101000000_users.sql",
        &format!("-- migrate:up\n{USERS}\n-- migrate:down\nDROP TABLE users;\n"),
    );
    write(
        root.path(),
        "migrations/20240105000000_more.sql",
        "-- migrate:up\nCREATE TABLE more (id INT);\n",
    );
    db.exec(&format!(
        "{USERS} CREATE SCHEMA tools;
         CREATE TABLE tools.\"Dbmate_Log\" (version VARCHAR(128) PRIMARY KEY); INSERT INTO tools.\"Dbmate_Log\" VALUES ('20240101000000');
         CREATE TABLE schema_migrations (version VARCHAR(128) PRIMARY KEY); INSERT INTO schema_migrations VALUES ('20240101000000'), ('20240105000000');"
    ));
    let out = common::cli::preflight(root.path())
        .env_remove("PREFLIGHT_DATABASE_URL")
        .env("DBMATE_MIGRATIONS_TABLE", "tools.Dbmate_Log")
        .args([
            "reconcile",
            "--migrations",
            "migrations",
            "--format",
            "json",
        ])
        .args(["--database-url", &db.url])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(json["database"]["tracker"], "dbmate", "{json:#}");
    let statuses: Vec<&str> = json["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["applied", "pending"], "{json:#}");
}

/// The goose CLI's `-table` (`GOOSE_TABLE`) renames its table, written into goose's SQL as is:
/// `tools.Goose_Log` is `tools.goose_log` on PostgreSQL, read in schema `tools` only, and a
/// `goose_db_version` in the current schema is another's. Run as a process: the variable is the
/// environment's.
#[test]
fn goose_table_named_by_goose_table() {
    let db = ScratchDb::postgres();
    let root = tempfile::tempdir().unwrap();
    write(
        root.path(),
        "migrations/20240101_users.sql",
        &format!("-- +goose Up\n{USERS}"),
    );
    write(
        root.path(),
        "migrations/20240105_more.sql",
        "-- +goose Up\nCREATE TABLE more (id INT);\n",
    );
    let goose = "(id SERIAL PRIMARY KEY, version_id BIGINT NOT NULL, is_applied BOOLEAN NOT NULL, tstamp TIMESTAMP DEFAULT now())";
    db.exec(&format!(
        "{USERS} CREATE SCHEMA tools;
         CREATE TABLE tools.goose_log {goose}; INSERT INTO tools.goose_log (version_id, is_applied) VALUES (0, TRUE), (20240101, TRUE);
         CREATE TABLE goose_db_version {goose}; INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, TRUE), (20240101, TRUE), (20240105, TRUE);"
    ));
    let out = common::cli::preflight(root.path())
        .env_remove("PREFLIGHT_DATABASE_URL")
        .env("GOOSE_TABLE", "tools.Goose_Log")
        .args([
            "reconcile",
            "--migrations",
            "migrations",
            "--format",
            "json",
        ])
        .args(["--database-url", &db.url])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(json["database"]["tracker"], "goose", "{json:#}");
    let statuses: Vec<&str> = json["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["applied", "pending"], "{json:#}");
}
