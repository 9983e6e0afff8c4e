//! `[migrations] tracker_table` and `--tracker-table`: the tracker table the migration tool's
//! own command-line flags choose (goose `-table`, dbmate `--migrations-table`, Flyway `-table`
//! with `-schemas`, Atlas `--revisions-schema`), which reconcile cannot see. Real PostgreSQL and
//! MariaDB, through the binary as a user runs it; reconcile never writes to the database.

mod common;

use common::cli::{preflight, write};
use common::{Engine, ScratchDb};
use serde_json::Value;
use std::path::Path;

const USERS: &str = "CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT NOT NULL);\n";
const GOOSE: &str = "(id SERIAL PRIMARY KEY, version_id BIGINT NOT NULL, is_applied BOOLEAN NOT NULL, tstamp TIMESTAMP DEFAULT now())";
const GOOSE_MARIADB: &str = "(id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, version_id BIGINT NOT NULL, is_applied BOOLEAN NOT NULL, tstamp TIMESTAMP NULL DEFAULT now())";

/// A goose project: `users` applied, `more` pending; `toml` is its preflight.toml (database URL
/// from `APP_DB`).
fn goose_project(toml: &str) -> tempfile::TempDir {
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
    write(
        root.path(),
        "preflight.toml",
        &format!("[migrations]\ndir = \"migrations\"\ndatabase_url_env = \"APP_DB\"\n{toml}"),
    );
    root
}

struct Run {
    code: i32,
    json: Value,
    stderr: String,
}

/// `preflight reconcile --format json` in `root` against `db`, with `args`.
fn reconcile(root: &Path, db: &ScratchDb, args: &[&str]) -> Run {
    let out = preflight(root)
        .env_remove("PREFLIGHT_DATABASE_URL")
        .env_remove("GOOSE_TABLE")
        .env_remove("DBMATE_MIGRATIONS_TABLE")
        .env("APP_DB", &db.url)
        .args(["reconcile", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        json: serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn statuses(run: &Run) -> Vec<&str> {
    run.json["migrations"]
        .as_array()
        .unwrap_or_else(|| panic!("no report: {}", run.stderr))
        .iter()
        .map(|m| m["status"].as_str().unwrap())
        .collect()
}

fn rc111(run: &Run) -> Vec<String> {
    run.json["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no report: {}", run.stderr))
        .iter()
        .filter(|f| f["rule"] == "RC111")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

/// Every table of the database (all schemas but the server's own) with its row count: what
/// reconcile must leave as it found it.
fn contents(db: &ScratchDb) -> Vec<String> {
    let tables = match db.engine {
        Engine::Postgres => db.query(
            "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
        ),
        _ => db.query(&format!(
            "SELECT CONCAT('`', table_schema, '`.`', table_name, '`') FROM information_schema.tables WHERE table_schema = '{}' ORDER BY 1",
            db.name
        )),
    };
    let mut out = Vec::new();
    for t in tables.iter().filter(|t| !t.trim().is_empty()) {
        let count = db.query(&format!("SELECT count(*) FROM {t}"));
        out.push(format!("{t} {}", count.join("")));
    }
    out
}

fn one_line_error(run: &Run, parts: &[&str]) {
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stderr.trim_end().lines().count(), 1, "{}", run.stderr);
    for part in parts {
        assert!(run.stderr.contains(part), "{part:?} not in {}", run.stderr);
    }
}

/// goose run with `-table tools.Goose_Log` keeps its records in `tools.goose_log` (goose writes
/// the name unquoted). Without the setting reconcile cannot find them; with it, auto-detection
/// reads them there, says where the name came from, and writes nothing.
#[test]
fn goose_table_in_another_schema_is_found_only_with_the_setting() {
    let db = ScratchDb::postgres();
    db.exec(&format!(
        "{USERS} CREATE SCHEMA tools; CREATE TABLE tools.goose_log {GOOSE};
         INSERT INTO tools.goose_log (version_id, is_applied) VALUES (0, TRUE), (20240101, TRUE);"
    ));
    let before = contents(&db);

    let plain = goose_project("");
    let run = reconcile(plain.path(), &db, &[]);
    assert_eq!(run.code, 2, "{:#}", run.json);
    assert!(
        run.stderr.contains("no migration tracker table"),
        "{}",
        run.stderr
    );
    let run = reconcile(plain.path(), &db, &["--tracker", "goose"]);
    assert_eq!(statuses(&run), ["applied_unrecorded", "pending"]);
    assert_eq!(rc111(&run).len(), 1, "{:#}", run.json);

    let configured = goose_project("tracker_table = \"tools.Goose_Log\"\n");
    let run = reconcile(configured.path(), &db, &[]);
    assert_eq!(run.json["database"]["tracker"], "goose", "{}", run.stderr);
    assert_eq!(statuses(&run), ["applied", "pending"], "{:#}", run.json);
    assert_eq!(
        run.json["database"]["tracker_table"],
        serde_json::json!({"schema": "tools", "table": "goose_log", "named_by": "[migrations] tracker_table"})
    );
    assert_eq!(contents(&db), before, "reconcile changed the database");
}

/// `--tracker-table` wins over the file, as `--tracker` and `--schema` do; a missing table is
/// reported by the name the flag gives, and says the flag named it.
#[test]
fn the_flag_overrides_the_file() {
    let db = ScratchDb::postgres();
    db.exec(&format!(
        "{USERS} CREATE SCHEMA tools; CREATE TABLE tools.goose_log {GOOSE};
         INSERT INTO tools.goose_log (version_id, is_applied) VALUES (0, TRUE), (20240101, TRUE);"
    ));
    let before = contents(&db);
    let wrong_in_file = goose_project("tracker = \"goose\"\ntracker_table = \"elsewhere.log\"\n");
    let run = reconcile(wrong_in_file.path(), &db, &[]);
    let missing = rc111(&run);
    assert_eq!(missing.len(), 1, "{:#}", run.json);
    assert!(
        missing[0].contains("keeps its records in elsewhere.log,")
            && missing[0].ends_with("; [migrations] tracker_table names the table"),
        "{missing:?}"
    );
    let run = reconcile(
        wrong_in_file.path(),
        &db,
        &["--tracker-table", "tools.goose_log"],
    );
    assert_eq!(statuses(&run), ["applied", "pending"], "{:#}", run.json);
    assert_eq!(
        run.json["database"]["tracker_table"]["named_by"],
        "--tracker-table"
    );

    let right_in_file = goose_project("tracker = \"goose\"\ntracker_table = \"tools.goose_log\"\n");
    let run = reconcile(right_in_file.path(), &db, &["--tracker-table", "other.log"]);
    let missing = rc111(&run);
    assert!(
        missing.len() == 1
            && missing[0].contains("keeps its records in other.log,")
            && missing[0].ends_with("; --tracker-table names the table"),
        "{missing:?}"
    );
    assert_eq!(contents(&db), before, "reconcile changed the database");
}

/// goose writes its table name unquoted, so PostgreSQL folds `Tools.Goose_Log`; a quoted
/// `"Tools"."Goose_Log"` keeps the case, as in goose's own SQL.
#[test]
fn quoted_parts_keep_their_case_on_postgres() {
    let db = ScratchDb::postgres();
    db.exec(&format!(
        "{USERS} CREATE SCHEMA \"Tools\"; CREATE TABLE \"Tools\".\"Goose_Log\" {GOOSE};
         INSERT INTO \"Tools\".\"Goose_Log\" (version_id, is_applied) VALUES (0, TRUE), (20240101, TRUE);"
    ));
    let root = goose_project("tracker = \"goose\"\n");
    let run = reconcile(
        root.path(),
        &db,
        &["--tracker-table", "\"Tools\".\"Goose_Log\""],
    );
    assert_eq!(statuses(&run), ["applied", "pending"], "{:#}", run.json);
    assert!(rc111(&run).is_empty());
    let run = reconcile(root.path(), &db, &["--tracker-table", "Tools.Goose_Log"]);
    let missing = rc111(&run);
    assert!(
        missing.len() == 1 && missing[0].contains("in schema tools"),
        "{missing:?}"
    );
}

/// dbmate quotes each part of `--migrations-table`, so `Tools.Dbmate_Log` keeps its case.
#[test]
fn dbmate_migrations_table_keeps_its_case() {
    let db = ScratchDb::postgres();
    let root = tempfile::tempdir().unwrap();
    write(
        root.path(),
        "migrations/20240101000000_users.sql",
        &format!("-- migrate:up\n{USERS}"),
    );
    write(
        root.path(),
        "migrations/20240105000000_more.sql",
        "-- migrate:up\nCREATE TABLE more (id INT);\n",
    );
    write(
        root.path(),
        "preflight.toml",
        "[migrations]\ndir = \"migrations\"\ndatabase_url_env = \"APP_DB\"\ntracker_table = \"Tools.Dbmate_Log\"\n",
    );
    db.exec(&format!(
        "{USERS} CREATE SCHEMA \"Tools\"; CREATE TABLE \"Tools\".\"Dbmate_Log\" (version VARCHAR(128) PRIMARY KEY);
         INSERT INTO \"Tools\".\"Dbmate_Log\" VALUES ('20240101000000');"
    ));
    let before = contents(&db);
    let run = reconcile(root.path(), &db, &["--tracker", "dbmate"]);
    assert_eq!(statuses(&run), ["applied", "pending"], "{:#}", run.json);
    // Auto-detection takes a one-column `version` table of that name for dbmate's.
    let run = reconcile(root.path(), &db, &[]);
    assert_eq!(run.json["database"]["tracker"], "dbmate", "{}", run.stderr);
    assert_eq!(statuses(&run), ["applied", "pending"], "{:#}", run.json);
    assert_eq!(contents(&db), before, "reconcile changed the database");
}

/// Flyway run with `-schemas=fw -table=history`: the history table is `fw.history`, and the
/// migrations ran with `fw` as their schema too, so that is the schema compared.
#[test]
fn flyway_table_and_schema_from_its_flags() {
    let db = ScratchDb::postgres();
    let root = tempfile::tempdir().unwrap();
    write(root.path(), "migrations/V1__users.sql", USERS);
    write(
        root.path(),
        "preflight.toml",
        "[migrations]\ndir = \"migrations\"\ndatabase_url_env = \"APP_DB\"\ntracker = \"flyway\"\n",
    );
    let checksum = preflight::reconcile::trackers::flyway::checksum(USERS);
    db.exec(&format!(
        "CREATE SCHEMA fw; SET search_path = fw; {USERS} {}
         INSERT INTO fw.history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
         VALUES (1, '1', 'users', 'SQL', 'V1__users.sql', {checksum}, 'me', 1, TRUE);",
        common::reconcile::FLYWAY_SCHEMA_HISTORY.replace("flyway_schema_history", "fw.history")
    ));
    let run = reconcile(root.path(), &db, &[]);
    assert_eq!(rc111(&run).len(), 1, "{:#}", run.json);
    let run = reconcile(root.path(), &db, &["--tracker-table", "fw.history"]);
    assert_eq!(statuses(&run), ["applied"], "{:#}", run.json);
    assert!(rc111(&run).is_empty(), "{:#}", run.json);
    assert_eq!(run.json["database"]["schema"], "fw");
    // `--schema` still chooses the compared schema: public has none of the objects.
    let run = reconcile(
        root.path(),
        &db,
        &["--tracker-table", "fw.history", "--schema", "public"],
    );
    assert_eq!(statuses(&run), ["missing_objects"], "{:#}", run.json);
}

/// Atlas's table is always `atlas_schema_revisions`; `--revisions-schema rev` moves it to
/// schema `rev`. Another table name is a configuration error that says so.
#[test]
fn atlas_takes_only_a_schema() {
    let db = ScratchDb::postgres();
    let root = tempfile::tempdir().unwrap();
    write(root.path(), "migrations/20240101000000_users.sql", USERS);
    db.exec(&format!(
        "{USERS} CREATE SCHEMA rev; CREATE TABLE rev.atlas_schema_revisions (version VARCHAR PRIMARY KEY, description VARCHAR NOT NULL, type BIGINT NOT NULL DEFAULT 2, applied BIGINT NOT NULL DEFAULT 0, total BIGINT NOT NULL DEFAULT 0, executed_at TIMESTAMPTZ NOT NULL DEFAULT now(), execution_time BIGINT NOT NULL DEFAULT 0, error TEXT, error_stmt TEXT, hash VARCHAR NOT NULL DEFAULT '', partial_hashes JSONB, operator_version VARCHAR NOT NULL DEFAULT '');
         INSERT INTO rev.atlas_schema_revisions (version, description, applied, total) VALUES ('20240101000000', 'users', 1, 1);"
    ));
    let toml = |table: &str| {
        format!("[migrations]\ndir = \"migrations\"\ndatabase_url_env = \"APP_DB\"\ntracker = \"atlas\"\ntracker_table = \"{table}\"\n")
    };
    write(
        root.path(),
        "preflight.toml",
        &toml("rev.atlas_schema_revisions"),
    );
    let run = reconcile(root.path(), &db, &[]);
    assert_eq!(statuses(&run), ["applied"], "{:#}", run.json);
    assert!(rc111(&run).is_empty(), "{:#}", run.json);

    write(root.path(), "preflight.toml", &toml("rev.revisions"));
    let run = reconcile(root.path(), &db, &[]);
    one_line_error(
        &run,
        &[
            "preflight.toml",
            "[migrations] tracker_table",
            "atlas_schema_revisions",
            "--revisions-schema flag chooses only the schema",
        ],
    );
}

/// A value that is no table name is a one-line configuration error naming the setting and the
/// file (or the flag), for reconcile and for check, before any connection.
#[test]
fn malformed_values_are_one_line_errors() {
    let db = ScratchDb::postgres();
    for bad in ["", "a.b.c", "\\\"unbalanced"] {
        let root = goose_project(&format!("tracker_table = \"{bad}\"\n"));
        let run = reconcile(root.path(), &db, &[]);
        one_line_error(
            &run,
            &[
                "preflight.toml",
                "[migrations] tracker_table",
                "not a table name",
            ],
        );
        let out = preflight(root.path())
            .env("APP_DB", &db.url)
            .arg("check")
            .output()
            .unwrap();
        let check = Run {
            code: out.status.code().unwrap_or(-1),
            json: Value::Null,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        one_line_error(&check, &["preflight.toml", "[migrations] tracker_table"]);
    }
    let root = goose_project("");
    for bad in ["", "a.b.c", "\"unbalanced"] {
        let run = reconcile(root.path(), &db, &["--tracker-table", bad]);
        one_line_error(&run, &["--tracker-table", "not a table name"]);
    }
    let run = reconcile(root.path(), &db, &["--tracker-table", "db.tools.log"]);
    one_line_error(&run, &["3 dot-separated parts"]);
}

/// Tools that cannot keep their records anywhere else refuse the setting; the generic tracker
/// refuses one that contradicts its own `table`.
#[test]
fn tools_with_a_fixed_table_and_the_generic_tracker_refuse_another() {
    let db = ScratchDb::postgres();
    let root = goose_project("tracker = \"prisma\"\ntracker_table = \"app._prisma_migrations\"\n");
    let run = reconcile(root.path(), &db, &[]);
    one_line_error(
        &run,
        &[
            "[migrations] tracker_table",
            "Prisma always keeps its records in _prisma_migrations",
        ],
    );
    let run = reconcile(root.path(), &db, &["--tracker", "diesel"]);
    one_line_error(
        &run,
        &["Diesel always keeps its records in __diesel_schema_migrations"],
    );

    let generic = "tracker = \"generic\"\ntracker_table = \"ops.runs\"\n[migrations.generic_tracker]\ntable = \"migrations\"\nversion_column = \"name\"\n";
    let root = goose_project(generic);
    let run = reconcile(root.path(), &db, &[]);
    one_line_error(
        &run,
        &[
            "[migrations] tracker_table",
            "conflicts with [migrations.generic_tracker] table",
        ],
    );
}

/// MariaDB: a goose table under another name, found only with the setting, in the connected
/// database (MariaDB keeps the case as written); and refinery's table renamed in code
/// (`set_migration_table_name`).
#[test]
fn mariadb_renamed_tables() {
    let db = ScratchDb::mariadb();
    db.exec(&format!(
        "{USERS} CREATE TABLE Goose_Log {GOOSE_MARIADB};
         INSERT INTO Goose_Log (version_id, is_applied) VALUES (0, TRUE), (20240101, TRUE);"
    ));
    let before = contents(&db);
    let plain = goose_project("");
    let run = reconcile(plain.path(), &db, &[]);
    assert_eq!(run.code, 2, "{:#}", run.json);
    let configured = goose_project("tracker_table = \"Goose_Log\"\n");
    let run = reconcile(configured.path(), &db, &[]);
    assert_eq!(run.json["database"]["tracker"], "goose", "{}", run.stderr);
    assert_eq!(statuses(&run), ["applied", "pending"], "{:#}", run.json);
    // The tool's table, not an object no migration creates.
    assert_eq!(
        run.json["unmanaged"],
        serde_json::json!([]),
        "{:#}",
        run.json
    );
    // Another database named in the value: read there only.
    let run = reconcile(
        configured.path(),
        &db,
        &[
            "--tracker",
            "goose",
            "--tracker-table",
            "no_such_db.Goose_Log",
        ],
    );
    let missing = rc111(&run);
    assert!(
        missing.len() == 1
            && missing[0]
                .contains("no_such_db.Goose_Log, which does not exist in database no_such_db")
            && missing[0].ends_with("; --tracker-table names the table"),
        "{missing:?}"
    );
    assert_eq!(contents(&db), before, "reconcile changed the database");

    let refinery = ScratchDb::mariadb();
    let root = tempfile::tempdir().unwrap();
    let file = write(root.path(), "migrations/V1__users.sql", USERS);
    let sum = preflight::reconcile::trackers::refinery::checksum(
        "users",
        1,
        &std::fs::read_to_string(file).unwrap(),
        false,
    );
    refinery.exec(&format!(
        "{USERS} CREATE TABLE app_history (version INT PRIMARY KEY, name VARCHAR(255), applied_on VARCHAR(255), checksum VARCHAR(255));
         INSERT INTO app_history VALUES (1, 'users', '2024-01-01T00:00:00Z', '{sum}');"
    ));
    write(
        root.path(),
        "preflight.toml",
        "[migrations]\ndir = \"migrations\"\ndatabase_url_env = \"APP_DB\"\ntracker_table = \"app_history\"\n",
    );
    let run = reconcile(root.path(), &refinery, &[]);
    assert_eq!(
        run.json["database"]["tracker"], "refinery",
        "{}",
        run.stderr
    );
    assert_eq!(statuses(&run), ["applied"], "{:#}", run.json);
}

/// dbmate quotes each part of its table name, so the printed repair statement names
/// `"Tools"."Dbmate_Log"`, the table dbmate reads, not `tools.dbmate_log`; as for
/// `DBMATE_MIGRATIONS_TABLE`.
#[test]
fn dbmate_repair_statements_quote_the_renamed_table() {
    let db = ScratchDb::postgres();
    let root = tempfile::tempdir().unwrap();
    write(
        root.path(),
        "migrations/20240101000000_users.sql",
        &format!("-- migrate:up\n{USERS}"),
    );
    write(
        root.path(),
        "preflight.toml",
        "[migrations]\ndir = \"migrations\"\ndatabase_url_env = \"APP_DB\"\ntracker = \"dbmate\"\n",
    );
    db.exec(&format!(
        "{USERS} CREATE SCHEMA \"Tools\"; CREATE TABLE \"Tools\".\"Dbmate_Log\" (version VARCHAR(128) PRIMARY KEY);"
    ));
    let insert = "INSERT INTO \"Tools\".\"Dbmate_Log\" (version) VALUES ('20240101000000');";
    let run = reconcile(root.path(), &db, &["--tracker-table", "Tools.Dbmate_Log"]);
    assert_eq!(statuses(&run), ["applied_unrecorded"], "{:#}", run.json);
    assert!(
        run.json["findings"]
            .to_string()
            .contains(&insert.replace('"', "\\\"")),
        "{:#}",
        run.json["findings"]
    );
    let out = preflight(root.path())
        .env_remove("PREFLIGHT_DATABASE_URL")
        .env("APP_DB", &db.url)
        .env("DBMATE_MIGRATIONS_TABLE", "Tools.Dbmate_Log")
        .args(["reconcile"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(insert), "{text}");
    // Applying it as printed records the migration.
    db.exec(insert);
    let run = reconcile(root.path(), &db, &["--tracker-table", "Tools.Dbmate_Log"]);
    assert_eq!(statuses(&run), ["applied"], "{:#}", run.json);
}

/// goose pastes its `-table` into its SQL, so the setting is written as the server's SQL would
/// name the table: a quoted value is quoted in the printed repair statements with the server's
/// own quotes (backticks on MariaDB, double quotes on PostgreSQL), whichever quote it used, and
/// the statements run as printed.
#[test]
fn goose_repair_statements_quote_the_table_for_the_server() {
    let cases = [
        (
            ScratchDb::mariadb(),
            format!("CREATE TABLE Goose_Log {GOOSE_MARIADB}; INSERT INTO Goose_Log"),
            "`Goose_Log`",
        ),
        (
            ScratchDb::postgres(),
            format!("CREATE TABLE \"Goose_Log\" {GOOSE}; INSERT INTO \"Goose_Log\""),
            "\"Goose_Log\"",
        ),
    ];
    for (db, create, quoted) in cases {
        for value in ["`Goose_Log`", "\"Goose_Log\""] {
            db.exec(&format!(
                "DROP TABLE IF EXISTS more; DROP TABLE IF EXISTS users; DROP TABLE IF EXISTS {quoted};
                 {USERS} CREATE TABLE more (id INT); {create} (version_id, is_applied) VALUES (0, TRUE), (20240101, TRUE), (20230101, TRUE);"
            ));
            let root = goose_project("tracker = \"goose\"\n");
            let insert =
                format!("INSERT INTO {quoted} (version_id, is_applied) VALUES (20240105, TRUE);");
            let delete = format!("DELETE FROM {quoted} WHERE version_id = 20230101;");
            let run = reconcile(root.path(), &db, &["--tracker-table", value]);
            let findings = run.json["findings"].to_string();
            for statement in [&insert, &delete] {
                assert!(
                    findings.contains(&statement.replace('"', "\\\"")),
                    "{value} on {:?}: {statement} not in {:#}",
                    db.engine,
                    run.json
                );
            }
            // Run as printed, they record the migration and forget the record.
            db.exec(&format!("{insert} {delete}"));
            let run = reconcile(root.path(), &db, &["--tracker-table", value]);
            assert_eq!(statuses(&run), ["applied", "applied"], "{:#}", run.json);
        }
    }
}

/// refinery pastes its table name into its SQL as goose does: a quoted `tracker_table` is
/// quoted in the printed repair statements with MariaDB's backticks, and they run as printed.
#[test]
fn refinery_repair_statements_quote_the_table_for_the_server() {
    let db = ScratchDb::mariadb();
    let root = tempfile::tempdir().unwrap();
    write(root.path(), "migrations/V1__users.sql", USERS);
    write(
        root.path(),
        "preflight.toml",
        "[migrations]\ndir = \"migrations\"\ndatabase_url_env = \"APP_DB\"\ntracker = \"refinery\"\ntracker_table = '\"App_History\"'\n",
    );
    db.exec(&format!(
        "{USERS} CREATE TABLE App_History (version INT PRIMARY KEY, name VARCHAR(255), applied_on VARCHAR(255), checksum VARCHAR(255));
         INSERT INTO App_History VALUES (7, 'gone', '2024-01-01T00:00:00Z', '1');"
    ));
    let run = reconcile(root.path(), &db, &[]);
    assert_eq!(
        statuses(&run),
        ["applied_unrecorded", "orphan"],
        "{:#}",
        run.json
    );
    let notes: Vec<&str> = run.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["notes"].as_array().unwrap())
        .filter_map(|n| n.as_str())
        .collect();
    let printed = |prefix: &str| -> String {
        let note = notes
            .iter()
            .find(|n| n.contains(prefix))
            .unwrap_or_else(|| panic!("{prefix} not in {notes:?}"));
        let at = note.find(prefix).unwrap();
        note[at..].to_string()
    };
    let insert = printed(
        "INSERT INTO `App_History` (version, name, applied_on, checksum) VALUES (1, 'users'",
    );
    let delete = printed("DELETE FROM `App_History` WHERE version = 7;");
    db.exec(&format!("{insert} {delete}"));
    let run = reconcile(root.path(), &db, &[]);
    assert_eq!(statuses(&run), ["applied"], "{:#}", run.json);
    assert_eq!(
        run.json["findings"],
        serde_json::json!([]),
        "{:#}",
        run.json
    );
}

/// `check` reads `[migrations] tracker_table` from preflight.toml as reconcile does.
#[test]
fn check_reads_the_setting() {
    let db = ScratchDb::postgres();
    db.exec(&format!(
        "{USERS} CREATE TABLE more (id INT); CREATE SCHEMA tools; CREATE TABLE tools.goose_log {GOOSE};
         INSERT INTO tools.goose_log (version_id, is_applied) VALUES (0, TRUE), (20240101, TRUE), (20240105, TRUE);"
    ));
    let check = |toml: &str| {
        let root = goose_project(&format!("{toml}[check]\nstages = [\"reconcile\"]\n"));
        let out = preflight(root.path())
            .env_remove("PREFLIGHT_DATABASE_URL")
            .env_remove("GOOSE_TABLE")
            .env("APP_DB", &db.url)
            .arg("check")
            .output()
            .unwrap();
        (
            out.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let (code, text) = check("tracker = \"goose\"\n");
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("RC111"), "{text}");
    let (code, text) = check("tracker_table = \"tools.goose_log\"\n");
    assert_eq!(code, Some(0), "{text}");
}

/// golang-migrate quotes the table name (case kept), sqlx writes it as is (PostgreSQL folds an
/// unquoted one); `schema.name` is read in that schema only.
#[test]
fn golang_migrate_and_sqlx_tables_named_by_the_setting() {
    let db = ScratchDb::postgres();
    let root = tempfile::tempdir().unwrap();
    write(root.path(), "migrations/1_users.up.sql", USERS);
    write(
        root.path(),
        "preflight.toml",
        "[migrations]\ndir = \"migrations\"\ndatabase_url_env = \"APP_DB\"\n",
    );
    db.exec(&format!(
        "{USERS} CREATE SCHEMA \"Tools\"; CREATE TABLE \"Tools\".\"Migrations\" (version BIGINT PRIMARY KEY, dirty BOOLEAN NOT NULL);
         INSERT INTO \"Tools\".\"Migrations\" VALUES (1, FALSE);"
    ));
    let run = reconcile(root.path(), &db, &["--tracker-table", "Tools.Migrations"]);
    assert_eq!(
        run.json["database"]["tracker"], "golang-migrate",
        "{}",
        run.stderr
    );
    assert_eq!(statuses(&run), ["applied"], "{:#}", run.json);

    let sqlx = ScratchDb::postgres();
    let root = tempfile::tempdir().unwrap();
    let file = write(root.path(), "migrations/20240101000000_users.sql", USERS);
    write(
        root.path(),
        "preflight.toml",
        "[migrations]\ndir = \"migrations\"\ndatabase_url_env = \"APP_DB\"\ntracker = \"sqlx\"\n",
    );
    sqlx.exec(&format!(
        "{USERS} CREATE SCHEMA tools; CREATE TABLE tools.app_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL, checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL);
         INSERT INTO tools.app_migrations (version, description, success, checksum, execution_time) VALUES (20240101000000, 'users', TRUE, decode('{}', 'hex'), 1);",
        common::reconcile::sha384sum(&file)
    ));
    let run = reconcile(
        root.path(),
        &sqlx,
        &["--tracker-table", "Tools.App_Migrations"],
    );
    assert_eq!(statuses(&run), ["applied"], "{:#}", run.json);
    assert!(rc111(&run).is_empty(), "{:#}", run.json);
}

/// MariaDB: `-table tools_db.goose_log` keeps goose's records in another database, read there
/// only; a `goose_db_version` in the connected database is not goose's then.
#[test]
fn mariadb_table_in_another_database() {
    let db = ScratchDb::mariadb();
    let tools = ScratchDb::mariadb();
    tools.exec(&format!(
        "CREATE TABLE goose_log {GOOSE_MARIADB};
         INSERT INTO goose_log (version_id, is_applied) VALUES (0, TRUE), (20240101, TRUE);"
    ));
    db.exec(&format!(
        "{USERS} CREATE TABLE goose_db_version {GOOSE_MARIADB};
         INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, TRUE), (20240101, TRUE), (20240105, TRUE);"
    ));
    let (before, tools_before) = (contents(&db), contents(&tools));
    let root = goose_project(&format!("tracker_table = \"{}.goose_log\"\n", tools.name));
    let run = reconcile(root.path(), &db, &[]);
    assert_eq!(run.json["database"]["tracker"], "goose", "{}", run.stderr);
    assert_eq!(statuses(&run), ["applied", "pending"], "{:#}", run.json);
    assert_eq!(
        run.json["database"]["tracker_table"]["schema"],
        tools.name.as_str()
    );
    assert_eq!(contents(&db), before, "reconcile changed the database");
    assert_eq!(
        contents(&tools),
        tools_before,
        "reconcile changed the database"
    );
}

/// sqlx pastes its table name into its SQL too: a quoted `tracker_table` / `--tracker-table`
/// is quoted in the printed record, clear and forget statements with the server's quotes,
/// whichever quote the value used, and they run as printed.
#[test]
fn sqlx_repair_statements_quote_the_table_for_the_server() {
    let columns = |checksum: &str, installed_on: &str| {
        format!("(version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on {installed_on}, success BOOLEAN NOT NULL, checksum {checksum} NOT NULL, execution_time BIGINT NOT NULL)")
    };
    let cases = [
        (
            ScratchDb::mariadb(),
            format!(
                "CREATE TABLE App_Migrations {}; INSERT INTO App_Migrations",
                columns("BLOB", "TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP")
            ),
            "`App_Migrations`",
        ),
        (
            ScratchDb::postgres(),
            format!(
                "CREATE TABLE \"App_Migrations\" {}; INSERT INTO \"App_Migrations\"",
                columns("BYTEA", "TIMESTAMPTZ NOT NULL DEFAULT now()")
            ),
            "\"App_Migrations\"",
        ),
    ];
    for (db, create, quoted) in cases {
        for value in ["`App_Migrations`", "\"App_Migrations\""] {
            let root = tempfile::tempdir().unwrap();
            write(root.path(), "migrations/20240101000000_users.sql", USERS);
            write(
                root.path(),
                "migrations/20240105000000_more.sql",
                "CREATE TABLE more (id INT);\n",
            );
            write(
                root.path(),
                "preflight.toml",
                "[migrations]\ndir = \"migrations\"\ndatabase_url_env = \"APP_DB\"\ntracker = \"sqlx\"\n",
            );
            let x = if db.engine == Engine::MariaDb {
                "x'00'"
            } else {
                "'\\x00'"
            };
            db.exec(&format!(
                "DROP TABLE IF EXISTS users; DROP TABLE IF EXISTS {quoted};
                 {USERS} {create} (version, description, success, checksum, execution_time) VALUES
                 (20240105000000, 'more', FALSE, {x}, 1), (7, 'gone', TRUE, {x}, 1);"
            ));
            let run = reconcile(root.path(), &db, &["--tracker-table", value]);
            let notes: Vec<String> = run.json["findings"]
                .as_array()
                .unwrap_or_else(|| panic!("no report: {}", run.stderr))
                .iter()
                .flat_map(|f| f["notes"].as_array().unwrap())
                .filter_map(|n| n.as_str().map(str::to_string))
                .collect();
            let printed = |prefix: &str, end: &str| -> String {
                let note = notes
                    .iter()
                    .find(|n| n.contains(prefix))
                    .unwrap_or_else(|| {
                        panic!("{value} on {:?}: {prefix} not in {notes:?}", db.engine)
                    });
                let at = note.find(prefix).unwrap();
                let len = note[at..].find(end).unwrap() + end.len();
                note[at..at + len].to_string()
            };
            let insert = printed(
                &format!("INSERT INTO {quoted} (version, description, success, checksum, execution_time) VALUES (20240101000000, 'users'"),
                ";",
            );
            let clear = printed(
                &format!("DELETE FROM {quoted} WHERE version = 20240105000000 AND success = FALSE"),
                ";",
            );
            let forget = printed(&format!("DELETE FROM {quoted} WHERE version = 7;"), ";");
            // Run as printed, they record the migration, clear the failed record and forget
            // the one without a file.
            db.exec(&format!("{insert} {clear} {forget}"));
            let run = reconcile(root.path(), &db, &["--tracker-table", value]);
            assert_eq!(statuses(&run), ["applied", "pending"], "{:#}", run.json);
        }
    }
}
