//! The remaining trackers against the real local PostgreSQL: goose, Diesel, refinery and Atlas,
//! with refinery's and Atlas's checksums recomputed by independent Python implementations.

mod common;

use common::cli::write;
use common::reconcile::{
    assert_message, external, finding, options, reconcile_dir, statuses, try_reconcile,
    FLYWAY_SCHEMA_HISTORY,
};
use common::ScratchDb;
use preflight::config::MigrationsConfig;
use preflight::diagnostics::Severity;
use preflight::output::Report;
use std::path::Path;

const USERS: &str =
    "CREATE TABLE users (id SERIAL PRIMARY KEY, email VARCHAR(255) NOT NULL UNIQUE);\n";
const SESSIONS: &str = "CREATE TABLE sessions (id SERIAL PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id));\nCREATE INDEX idx_sessions_user_id ON sessions(user_id);\n";
const PROFILES: &str = "CREATE TABLE user_profiles (id SERIAL PRIMARY KEY, bio TEXT);\n";
/// refinery's history table on PostgreSQL.
const REFINERY_SCHEMA_HISTORY: &str = "CREATE TABLE refinery_schema_history (version INT4 PRIMARY KEY, name VARCHAR(255), applied_on VARCHAR(255), checksum VARCHAR(255));";

fn run(db: &ScratchDb, dir: &Path, tracker: Option<&str>) -> Report {
    reconcile_dir(db, dir, tracker, MigrationsConfig::default())
}

fn python(script: &str, args: &[&str]) -> String {
    external("python3", &[&["-c", script], args].concat())
}

#[test]
fn goose_replays_only_the_up_section_and_honours_rollbacks() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "20240101_users.sql",
        &format!("-- +goose Up\n{USERS}-- +goose Down\nDROP TABLE users;\n"),
    );
    write(
        dir.path(),
        "20240105_sessions.sql",
        // goose's annotations are case-insensitive; its own docs write them in lower case.
        &format!("-- +goose up\n{SESSIONS}-- +goose down\nDROP TABLE sessions;\n"),
    );
    write(dir.path(), "20240110_seed.sql", "-- +goose Up\nINSERT INTO users (email) VALUES ('admin@example.com');\n-- +goose Down\nDELETE FROM users;\n");
    db.exec(USERS);
    db.exec(
        "CREATE TABLE goose_db_version (id SERIAL PRIMARY KEY, version_id BIGINT NOT NULL, is_applied BOOLEAN NOT NULL, tstamp TIMESTAMP DEFAULT now());
         INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, TRUE), (20240101, TRUE), (20240105, TRUE), (20240105, FALSE), (20240110, TRUE);",
    );
    let report = run(&db, dir.path(), None);
    assert_eq!(report.json_extra["database"]["tracker"], "goose");
    // 20240105 was rolled back (its latest row says is_applied = false) and its table is gone.
    assert_eq!(
        statuses(&report),
        ["applied", "out_of_order", "unverifiable"],
        "{:#?}",
        report.findings
    );
    let unknown = finding(&report, "RC109");
    assert!(unknown.unknown);
    let ooo = finding(&report, "RC108");
    assert!(ooo.notes[0].contains("-allow-missing"), "{:?}", ooo.notes);
}

#[test]
fn diesel_directories_versions_and_out_of_order() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "2024-01-01-000000_create_users/up.sql", USERS);
    write(
        dir.path(),
        "2024-01-01-000000_create_users/down.sql",
        "DROP TABLE users;",
    );
    write(
        dir.path(),
        "2024-01-05-000000_create_sessions/up.sql",
        SESSIONS,
    );
    write(
        dir.path(),
        "2024-01-15-000000_create_profiles/up.sql",
        PROFILES,
    );
    db.exec(USERS);
    db.exec(PROFILES);
    db.exec(
        "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY, run_on TIMESTAMP NOT NULL DEFAULT now());
         INSERT INTO __diesel_schema_migrations (version) VALUES ('20240101000000'), ('20240115000000');",
    );
    let report = run(&db, dir.path(), None);
    assert_eq!(report.json_extra["database"]["tracker"], "diesel");
    assert_eq!(
        statuses(&report),
        ["applied", "out_of_order", "applied"],
        "{:#?}",
        report.findings
    );
}

/// refinery's checksum, independently: SipHash-1-3 with zero keys over the bytes Rust's
/// `Hash` feeds it (name + 0xff, version as 4 little-endian bytes, sql + 0xff).
const PY_REFINERY: &str = r#"
import sys
M = (1 << 64) - 1
def rotl(x, b): return ((x << b) | (x >> (64 - b))) & M
def siphash13(data):
    v = [0x736f6d6570736575, 0x646f72616e646f6d, 0x6c7967656e657261, 0x7465646279746573]
    def rnd():
        v[0] = (v[0] + v[1]) & M; v[1] = rotl(v[1], 13) ^ v[0]; v[0] = rotl(v[0], 32)
        v[2] = (v[2] + v[3]) & M; v[3] = rotl(v[3], 16) ^ v[2]
        v[0] = (v[0] + v[3]) & M; v[3] = rotl(v[3], 21) ^ v[0]
        v[2] = (v[2] + v[1]) & M; v[1] = rotl(v[1], 17) ^ v[2]; v[2] = rotl(v[2], 32)
    end = len(data) // 8 * 8
    for i in range(0, end, 8):
        m = int.from_bytes(data[i:i + 8], 'little'); v[3] ^= m; rnd(); v[0] ^= m
    b = ((len(data) & 0xff) << 56) | int.from_bytes(data[end:], 'little')
    v[3] ^= b; rnd(); v[0] ^= b
    v[2] ^= 0xff; rnd(); rnd(); rnd()
    return v[0] ^ v[1] ^ v[2] ^ v[3]
name, version, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sql = open(path, 'rb').read()
print(siphash13(name.encode() + b'\xff' + version.to_bytes(4, 'little', signed=True) + sql + b'\xff'))
"#;

#[test]
fn refinery_checksums_match_an_independent_siphash() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    let v1 = write(dir.path(), "V1__create_users.sql", USERS);
    let v2 = write(dir.path(), "V2__create_sessions.sql", SESSIONS);
    db.exec(USERS);
    db.exec(SESSIONS);
    let c1 = python(PY_REFINERY, &["create_users", "1", v1.to_str().unwrap()]);
    let c2 = python(PY_REFINERY, &["create_sessions", "2", v2.to_str().unwrap()]);
    db.exec(REFINERY_SCHEMA_HISTORY);
    db.exec(&format!(
        "INSERT INTO refinery_schema_history VALUES (1, 'create_users', '2024-01-01T00:00:00Z', '{c1}'), (2, 'create_sessions', '2024-01-05T00:00:00Z', '{c2}');"
    ));
    std::fs::write(&v2, format!("{SESSIONS}-- edited\n")).unwrap();
    let report = run(&db, dir.path(), None);
    assert_eq!(report.json_extra["database"]["tracker"], "refinery");
    assert_eq!(
        statuses(&report),
        ["applied", "checksum_mismatch"],
        "{:#?}",
        report.findings
    );
    let m = &report.json_extra["migrations"][1];
    assert_eq!(m["checksum"]["recorded"], c2.as_str());
    assert_eq!(
        m["checksum"]["computed"],
        python(PY_REFINERY, &["create_sessions", "2", v2.to_str().unwrap()]).as_str()
    );
}

/// atlas.sum, independently: a running SHA-256 over each file's name and bytes, base64.
const PY_ATLAS_SUM: &str = r#"
import base64, hashlib, os, sys
d = sys.argv[1]
h = hashlib.sha256()
for name in sorted(f for f in os.listdir(d) if f.endswith('.sql')):
    h.update(name.encode()); h.update(open(os.path.join(d, name), 'rb').read())
    print(name, base64.b64encode(h.copy().digest()).decode())
"#;

/// atlas.sum as `HashFile.MarshalText` writes it: `sum` (its `NAME h1:HASH` lines) under the
/// header `h1:` + `HashFile.Sum`, the SHA-256 of each line's name then hash, base64.
fn atlas_sum_text(sum: &str) -> String {
    use base64::Engine as _;
    use sha2::{Digest, Sha256};
    let mut total = Sha256::new();
    for line in sum.lines() {
        let (name, hash) = line.split_once(" h1:").unwrap();
        total.update(name.as_bytes());
        total.update(hash.as_bytes());
    }
    let header = base64::engine::general_purpose::STANDARD.encode(total.finalize());
    format!("h1:{header}\n{sum}")
}

#[test]
fn atlas_revisions_and_sum_file_are_checked() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "20240101000000_users.sql", USERS);
    let sessions = write(dir.path(), "20240105000000_sessions.sql", SESSIONS);
    let hashes: Vec<(String, String)> = python(PY_ATLAS_SUM, &[dir.path().to_str().unwrap()])
        .lines()
        .map(|l| {
            let (n, h) = l.split_once(' ').unwrap();
            (n.to_string(), h.to_string())
        })
        .collect();
    let sum: String = hashes
        .iter()
        .map(|(n, h)| format!("{n} h1:{h}\n"))
        .collect();
    write(dir.path(), "atlas.sum", &atlas_sum_text(&sum));
    db.exec(USERS);
    db.exec(SESSIONS);
    db.exec(&format!(
        "CREATE SCHEMA atlas_schema_revisions;
         CREATE TABLE atlas_schema_revisions.atlas_schema_revisions (version VARCHAR PRIMARY KEY, description VARCHAR NOT NULL, type BIGINT NOT NULL DEFAULT 2, applied BIGINT NOT NULL DEFAULT 0, total BIGINT NOT NULL DEFAULT 0, executed_at TIMESTAMPTZ NOT NULL DEFAULT now(), execution_time BIGINT NOT NULL DEFAULT 0, error TEXT, error_stmt TEXT, hash VARCHAR NOT NULL, partial_hashes JSONB, operator_version VARCHAR NOT NULL DEFAULT 'test');
         INSERT INTO atlas_schema_revisions.atlas_schema_revisions (version, description, applied, total, hash) VALUES
           ('20240101000000', 'users', 1, 1, '{}'), ('20240105000000', 'sessions', 2, 2, '{}');",
        hashes[0].1, hashes[1].1
    ));
    let report = run(&db, dir.path(), None);
    assert_eq!(report.json_extra["database"]["tracker"], "atlas");
    assert_eq!(
        statuses(&report),
        ["applied", "applied"],
        "{:#?}",
        report.findings
    );
    assert!(report.findings.is_empty(), "{:#?}", report.findings);

    std::fs::write(&sessions, format!("{SESSIONS}-- edited\n")).unwrap();
    let report = run(&db, dir.path(), None);
    assert_eq!(statuses(&report), ["applied", "checksum_mismatch"]);
    assert_message(&report, "RC114", "20240105000000_sessions.sql");
}

/// `atlas migrate apply --baseline V` writes one baseline revision; Atlas never runs the files
/// before it (`Executor.Pending` starts at the first revision), so they count as applied.
#[test]
fn atlas_files_before_a_baseline_revision_count_as_applied() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "20240101000000_users.sql", USERS);
    write(dir.path(), "20240105000000_sessions.sql", SESSIONS);
    write(dir.path(), "20240110000000_profiles.sql", PROFILES);
    let sum: String = python(PY_ATLAS_SUM, &[dir.path().to_str().unwrap()])
        .lines()
        .map(|l| l.replacen(' ', " h1:", 1) + "\n")
        .collect();
    write(dir.path(), "atlas.sum", &atlas_sum_text(&sum));
    db.exec(USERS);
    db.exec(SESSIONS);
    db.exec(
        "CREATE SCHEMA atlas_schema_revisions;
         CREATE TABLE atlas_schema_revisions.atlas_schema_revisions (version VARCHAR PRIMARY KEY, description VARCHAR NOT NULL, type BIGINT NOT NULL DEFAULT 2, applied BIGINT NOT NULL DEFAULT 0, total BIGINT NOT NULL DEFAULT 0, executed_at TIMESTAMPTZ NOT NULL DEFAULT now(), execution_time BIGINT NOT NULL DEFAULT 0, error TEXT, error_stmt TEXT, hash VARCHAR NOT NULL, partial_hashes JSONB, operator_version VARCHAR NOT NULL DEFAULT 'test');
         INSERT INTO atlas_schema_revisions.atlas_schema_revisions (version, description, type, hash) VALUES
           ('20240105000000', 'sessions', 1, '');",
    );
    let report = run(&db, dir.path(), None);
    assert_eq!(
        statuses(&report),
        ["applied", "applied", "pending"],
        "{:#?}",
        report.findings
    );
}

#[test]
fn insufficient_privilege_is_a_one_line_error() {
    let db = ScratchDb::postgres();
    let role = common::unique_name("pf_ro");
    db.exec(USERS);
    db.exec("CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT, installed_on TIMESTAMPTZ, success BOOLEAN, checksum BYTEA, execution_time BIGINT);");
    db.exec(&format!(
        "CREATE ROLE {role} LOGIN; REVOKE ALL ON _sqlx_migrations FROM PUBLIC;"
    ));
    struct DropRole<'a>(&'a ScratchDb, String);
    impl Drop for DropRole<'_> {
        fn drop(&mut self) {
            let _ = self.0.try_exec(&format!(
                "DROP OWNED BY {0}; DROP ROLE IF EXISTS {0}",
                self.1
            ));
        }
    }
    let _guard = DropRole(&db, role.clone());
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "20240101_users.sql", USERS);
    let url = format!("postgres://{role}@127.0.0.1:5432/{}", db.name);
    let err = try_reconcile(&options(
        &url,
        dir.path(),
        None,
        MigrationsConfig::default(),
    ))
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("permission denied") && err.contains("needs SELECT"),
        "{err}"
    );
    assert!(!err.contains('\n'));
}

#[test]
fn named_tracker_without_its_table_reports_it_and_still_finds_unrecorded_objects() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "20240101_users.sql", USERS);
    write(dir.path(), "20240105_sessions.sql", SESSIONS);
    db.exec(USERS);
    let report = run(&db, dir.path(), Some("sqlx"));
    assert_eq!(statuses(&report), ["applied_unrecorded", "pending"]);
    assert_message(&report, "RC111", "_sqlx_migrations");
}

#[test]
fn flyway_baseline_counts_older_migrations_as_applied() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "V1__users.sql", USERS);
    write(dir.path(), "V2__sessions.sql", SESSIONS);
    db.exec(USERS);
    db.exec(FLYWAY_SCHEMA_HISTORY);
    db.exec(
        "INSERT INTO flyway_schema_history VALUES (1, '1', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', NULL, 'ci', now(), 0, TRUE);",
    );
    let report = run(&db, dir.path(), None);
    assert_eq!(
        statuses(&report),
        ["applied", "pending"],
        "{:#?}",
        report.findings
    );
}

/// Flyway's versions ignore trailing zero parts (`MigrationVersion`: `1.0` = `1`): with the
/// default baseline version 1, `V1_0__users.sql` is the baseline and Flyway never runs it.
#[test]
fn flyway_version_1_0_is_the_baseline_version_1() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "V1_0__users.sql", USERS);
    write(dir.path(), "V1_1__sessions.sql", SESSIONS);
    db.exec(USERS);
    db.exec(FLYWAY_SCHEMA_HISTORY);
    db.exec(
        "INSERT INTO flyway_schema_history VALUES (1, '1', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', NULL, 'ci', now(), 0, TRUE);",
    );
    let report = run(&db, dir.path(), None);
    assert_eq!(
        statuses(&report),
        ["applied", "pending"],
        "{:#?}",
        report.findings
    );
}

/// Flyway's checksum of a file, by an independent implementation (CRC-32 over the lines
/// without their terminators, as a signed 32-bit integer).
fn flyway_crc(path: &Path) -> String {
    python(
        "import sys, zlib\ncrc = 0\nfor line in open(sys.argv[1], 'rb').read().decode().splitlines(): crc = zlib.crc32(line.encode(), crc)\nprint(crc - (1 << 32) if crc >= (1 << 31) else crc)",
        &[path.to_str().unwrap()],
    )
}

/// `flyway migrate` on an empty schema runs the newest baseline migration (`B2__base.sql`)
/// instead of the versioned ones up to its version and records it as `SQL_BASELINE`. Flyway then
/// lists `V1` and `V2` as nothing to run (`MigrationInfoServiceImpl.refresh` skips pending
/// versioned migrations at or below `latestBaselineMigration`), checks the `B` script's
/// checksum against its row, and runs `V3` on the next migrate.
#[test]
fn flyway_sql_baseline_covers_the_versioned_migrations_up_to_its_version() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "V1__users.sql", USERS);
    write(dir.path(), "V2__sessions.sql", SESSIONS);
    write(dir.path(), "V3__profiles.sql", PROFILES);
    let base = write(dir.path(), "B2__base.sql", &format!("{USERS}{SESSIONS}"));
    db.exec(USERS);
    db.exec(SESSIONS);
    db.exec(FLYWAY_SCHEMA_HISTORY);
    db.exec(&format!(
        "INSERT INTO flyway_schema_history VALUES (1, '2', 'base', 'SQL_BASELINE', 'B2__base.sql', {}, 'ci', now(), 3, TRUE);",
        flyway_crc(&base)
    ));
    let report = run(&db, dir.path(), None);
    assert_eq!(report.json_extra["database"]["tracker"], "flyway");
    assert_eq!(
        statuses(&report),
        ["applied", "applied", "applied", "pending"],
        "{:#?}",
        report.findings
    );
    // Listed in version order, as Flyway lists it: after V2, before V3.
    assert_eq!(
        file_names(&report),
        [
            "V1__users.sql",
            "V2__sessions.sql",
            "B2__base.sql",
            "V3__profiles.sql"
        ]
    );
    // Checked against its row, so not listed as a file Flyway never runs.
    assert!(
        report.findings.iter().all(|f| f.rule != "RC113"),
        "{:#?}",
        report.findings
    );
    // An edit to the applied baseline script is a checksum mismatch, as Flyway's validate says.
    std::fs::write(&base, format!("{USERS}{SESSIONS}-- edited\n")).unwrap();
    let report = run(&db, dir.path(), None);
    assert_eq!(
        statuses(&report),
        ["applied", "applied", "checksum_mismatch", "pending"],
        "{:#?}",
        report.findings
    );
    assert_message(&report, "RC105", "B2__base.sql");
}

/// Each row's file name, `(no file)` for a record without one, in report order.
fn file_names(report: &Report) -> Vec<String> {
    report.json_extra["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let file = m["file"].as_str().unwrap_or("(no file)");
            file.rsplit('/').next().unwrap_or(file).to_string()
        })
        .collect()
}

/// An applied baseline migration whose `B` script was deleted: Flyway resolves its
/// `SQL_BASELINE` row by version *and* type, so `V2__sessions.sql` does not stand in for it, and
/// validate fails with "Detected applied migration not resolved locally: 2" while a newer local
/// migration (`V3`) exists; with none, the row is a future one, which validate ignores by default.
/// The finding says the script is gone, not that no file has version 2.
#[test]
fn flyway_applied_baseline_script_that_is_gone_is_reported_as_flyway_validates_it() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "V1__users.sql", USERS);
    write(dir.path(), "V2__sessions.sql", SESSIONS);
    let v3 = write(dir.path(), "V3__profiles.sql", PROFILES);
    db.exec(USERS);
    db.exec(SESSIONS);
    db.exec(FLYWAY_SCHEMA_HISTORY);
    db.exec("INSERT INTO flyway_schema_history VALUES (1, '2', 'base', 'SQL_BASELINE', 'B2__base.sql', 123, 'ci', now(), 3, TRUE);");
    let report = run(&db, dir.path(), None);
    assert_eq!(
        statuses(&report),
        ["applied", "applied", "pending", "orphan"],
        "{:#?}",
        report.findings
    );
    let gone = assert_message(
        &report,
        "RC107",
        "flyway records the baseline migration B2__base.sql as applied but the script is gone (V2__sessions.sql has that version but is another migration)",
    );
    assert!(
        !gone.message.contains("no migration file"),
        "{}",
        gone.message
    );
    assert!(
        gone.message
            .contains("fails with \"Detected applied migration not resolved locally: 2\" unless ignoreMigrationPatterns includes `*:missing`"),
        "{}",
        gone.message
    );
    assert_eq!(gone.severity, Severity::Error);
    assert!(
        gone.notes
            .iter()
            .any(|n| n.starts_with("restore B2__base.sql, or `flyway repair`")),
        "{:#?}",
        gone.notes
    );

    // Nothing newer on disk: a future migration to Flyway, ignored by default.
    std::fs::remove_file(v3).unwrap();
    let report = run(&db, dir.path(), None);
    let gone = assert_message(&report, "RC107", "Flyway counts it as a future migration");
    assert_eq!(gone.severity, Severity::Warning);
}

/// An applied versioned migration (a `SQL` row) whose `V` script is gone is, to Flyway's
/// validate (`MigrationInfoImpl.validate`), "missing" when a newer local migration exists: validate,
/// and so migrate, fails unless ignoreMigrationPatterns has `*:missing`. With no newer local one it
/// is a "future" migration, which the default `*:future` ignores.
#[test]
fn flyway_applied_versioned_script_that_is_gone_is_reported_as_flyway_validates_it() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    let v1 = write(dir.path(), "V1__users.sql", USERS);
    let v3 = write(dir.path(), "V3__profiles.sql", PROFILES);
    db.exec(USERS);
    db.exec(SESSIONS);
    db.exec(FLYWAY_SCHEMA_HISTORY);
    db.exec(&format!(
        "INSERT INTO flyway_schema_history VALUES
         (1, '1', 'users', 'SQL', 'V1__users.sql', {}, 'ci', now(), 3, TRUE),
         (2, '2', 'sessions', 'SQL', 'V2__sessions.sql', 123, 'ci', now(), 3, TRUE);",
        flyway_crc(&v1)
    ));
    let report = run(&db, dir.path(), None);
    assert_eq!(
        statuses(&report),
        ["applied", "pending", "orphan"],
        "{:#?}",
        report.findings
    );
    let gone = assert_message(
        &report,
        "RC107",
        "flyway records V2__sessions.sql as applied but the script is gone: `flyway validate`, and `flyway migrate` before it runs anything, fails with \"Detected applied migration not resolved locally: 2\" unless ignoreMigrationPatterns includes `*:missing`",
    );
    assert_eq!(gone.severity, Severity::Error);
    assert_eq!(gone.subject.as_deref(), Some("2"));
    assert!(
        gone.notes
            .iter()
            .any(|n| n.starts_with("restore V2__sessions.sql, or `flyway repair`")),
        "{:#?}",
        gone.notes
    );

    // Nothing newer on disk: a future migration to Flyway, ignored by default.
    std::fs::remove_file(v3).unwrap();
    let report = run(&db, dir.path(), None);
    assert_eq!(
        statuses(&report),
        ["applied", "orphan"],
        "{:#?}",
        report.findings
    );
    let gone = assert_message(
        &report,
        "RC107",
        "flyway records V2__sessions.sql as applied but the script is gone: no local migration is newer, so Flyway counts it as a future migration",
    );
    assert_eq!(gone.severity, Severity::Warning);
}

/// "Newer local migration" is every migration Flyway resolves locally with a version
/// (`MigrationInfoServiceImpl.refresh` raises `lastResolved` for each), so a `B` baseline
/// migration script without a history row counts, although preflight does not check it; a
/// repeatable script has no version and does not count, nor does an undo script, which Flyway
/// Community does not resolve.
#[test]
fn flyway_gone_script_is_missing_when_an_unrecorded_baseline_migration_is_newer() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    let v1 = write(dir.path(), "V1__users.sql", USERS);
    write(
        dir.path(),
        "R__user_ids.sql",
        "CREATE OR REPLACE VIEW user_ids AS SELECT id FROM users;\n",
    );
    write(
        dir.path(),
        "U3__drop_profiles.sql",
        "DROP TABLE user_profiles;\n",
    );
    db.exec(USERS);
    db.exec(SESSIONS);
    db.exec(FLYWAY_SCHEMA_HISTORY);
    db.exec(&format!(
        "INSERT INTO flyway_schema_history VALUES
         (1, '1', 'users', 'SQL', 'V1__users.sql', {}, 'ci', now(), 3, TRUE),
         (2, '2', 'sessions', 'SQL', 'V2__sessions.sql', 123, 'ci', now(), 3, TRUE);",
        flyway_crc(&v1)
    ));
    // Only a repeatable and an undo script besides V1: V2 is a future migration.
    let report = run(&db, dir.path(), None);
    let gone = assert_message(
        &report,
        "RC107",
        "flyway records V2__sessions.sql as applied but the script is gone: no local migration is newer",
    );
    assert_eq!(gone.severity, Severity::Warning);

    // B3 has no history row and is not checked, but Flyway resolves it: V2 is missing.
    write(dir.path(), "B3__base.sql", &format!("{USERS}{PROFILES}"));
    let report = run(&db, dir.path(), None);
    let gone = assert_message(
        &report,
        "RC107",
        "flyway records V2__sessions.sql as applied but the script is gone: `flyway validate`, and `flyway migrate` before it runs anything, fails with \"Detected applied migration not resolved locally: 2\"",
    );
    assert_eq!(gone.severity, Severity::Error, "{:#?}", report.findings);
}

/// A pending `V` script below the newest applied version is "ignored" to Flyway
/// (`MigrationInfoImpl.getState`): validate, and so migrate, fails with "Detected resolved
/// migration not applied to database" unless ignoreMigrationPatterns has `*:ignored` (migrate
/// then skips it) or outOfOrder is on (migrate then runs it).
#[test]
fn flyway_pending_script_below_the_newest_applied_one_fails_validate_as_ignored() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    let v1 = write(dir.path(), "V1__users.sql", USERS);
    write(dir.path(), "V2__sessions.sql", SESSIONS);
    let v3 = write(dir.path(), "V3__profiles.sql", PROFILES);
    db.exec(USERS);
    db.exec(PROFILES);
    db.exec(FLYWAY_SCHEMA_HISTORY);
    db.exec(&format!(
        "INSERT INTO flyway_schema_history VALUES
         (1, '1', 'users', 'SQL', 'V1__users.sql', {}, 'ci', now(), 3, TRUE),
         (2, '3', 'profiles', 'SQL', 'V3__profiles.sql', {}, 'ci', now(), 3, TRUE);",
        flyway_crc(&v1),
        flyway_crc(&v3)
    ));
    let report = run(&db, dir.path(), None);
    assert_eq!(
        statuses(&report),
        ["applied", "out_of_order", "applied"],
        "{:#?}",
        report.findings
    );
    let ignored = assert_message(
        &report,
        "RC108",
        "V2__sessions.sql is pending but older than the newest applied migration: Flyway counts it as ignored, and `flyway validate`, and `flyway migrate` before it runs anything, fails with \"Detected resolved migration not applied to database: 2\" unless ignoreMigrationPatterns includes `*:ignored` (migrate then skips it for good) or outOfOrder is true (migrate then runs it)",
    );
    assert_eq!(ignored.severity, Severity::Error);
    assert!(
        ignored.notes.iter().any(|n| n.contains("-outOfOrder=true")),
        "{:#?}",
        ignored.notes
    );
}

/// A changed repeatable script is what Flyway re-applies on the next migrate, not an edited
/// applied migration: pending, without a checksum error.
#[test]
fn flyway_repeatable_script_that_changed_is_pending_not_a_checksum_error() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "V1__users.sql", USERS);
    write(
        dir.path(),
        "R__user_emails.sql",
        "CREATE OR REPLACE VIEW user_emails AS SELECT id, email FROM users;\n",
    );
    db.exec(USERS);
    db.exec("CREATE VIEW user_emails AS SELECT id FROM users;");
    db.exec(FLYWAY_SCHEMA_HISTORY);
    db.exec(
        "INSERT INTO flyway_schema_history VALUES
           (1, '1', 'users', 'SQL', 'V1__users.sql', NULL, 'ci', now(), 1, TRUE),
           (2, NULL, 'user emails', 'SQL', 'R__user_emails.sql', 12345, 'ci', now(), 1, TRUE);",
    );
    let report = run(&db, dir.path(), None);
    assert_eq!(
        statuses(&report),
        ["applied", "pending"],
        "{:#?}",
        report.findings
    );
    assert!(
        report.findings.iter().all(|f| f.rule != "RC105"),
        "{:#?}",
        report.findings
    );
}

/// The command a finding advises for recording a migration as applied (after "record it as
/// applied: ").
fn record_command(report: &Report) -> String {
    report
        .findings
        .iter()
        .flat_map(|f| &f.notes)
        .find_map(|n| {
            n.split_once("record it as applied: ")
                .map(|(_, c)| c.to_string())
        })
        .unwrap_or_else(|| panic!("no record advice in {:#?}", report.findings))
}

/// RFC 3339 as refinery writes and reads it: `YYYY-MM-DDTHH:MM:SS[.fraction]Z`.
fn is_rfc3339_utc(text: &str) -> bool {
    let b = text.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && text.ends_with('Z')
        && (b.len() == 20 || (b[19] == b'.' && digits(20..b.len() - 1)))
}

fn refinery_insert_runs_as_printed(db: &ScratchDb, table_ddl: &str) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "V1__create_users.sql", USERS);
    db.exec(USERS);
    db.exec(table_ddl);
    let report = run(db, dir.path(), Some("refinery"));
    assert_eq!(
        statuses(&report),
        ["applied_unrecorded"],
        "{:#?}",
        report.findings
    );
    let insert = record_command(&report);
    assert!(!insert.contains('<'), "a placeholder is left: {insert}");
    db.exec(&insert);
    let applied_on = db.query("SELECT applied_on FROM refinery_schema_history");
    assert!(is_rfc3339_utc(&applied_on[0]), "{applied_on:?}");
    // Recorded with refinery's own checksum: reconcile now agrees it is applied.
    let report = run(db, dir.path(), Some("refinery"));
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);
}

#[test]
fn postgres_refinery_insert_advice_runs_as_printed_with_an_rfc3339_timestamp() {
    refinery_insert_runs_as_printed(&ScratchDb::postgres(), REFINERY_SCHEMA_HISTORY);
}

#[test]
fn mariadb_refinery_insert_advice_runs_as_printed_with_an_rfc3339_timestamp() {
    refinery_insert_runs_as_printed(
        &ScratchDb::mariadb(),
        "CREATE TABLE refinery_schema_history (version INT PRIMARY KEY, name VARCHAR(255), applied_on VARCHAR(255), checksum VARCHAR(255));",
    );
}

#[test]
fn a_statement_nothing_could_read_makes_the_status_unknown_never_complete() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    let sql = "CREATE TABLE half_ok (id int);\nCREATE TABLEE half_bad (id int);\n";
    write(dir.path(), "V1__half.sql", sql);
    // The run stopped at the statement the server refused; the first one is there.
    db.exec("CREATE TABLE half_ok (id int);");
    db.exec(REFINERY_SCHEMA_HISTORY);
    let report = run(&db, dir.path(), Some("refinery"));
    assert_eq!(
        statuses(&report),
        ["unverifiable"],
        "{:#?}",
        report.findings
    );
    let finding = &report.findings[0];
    assert!(finding.unknown, "{finding:#?}");
    assert!(
        finding.message.contains("line 2 could not be read"),
        "{finding:#?}"
    );
    // Never the advice to record it as applied.
    assert!(
        !finding.notes.iter().any(|n| n.contains("INSERT INTO")),
        "{finding:#?}"
    );
    // Recorded anyway (dbmate keeps no checksum): still unknown, not `applied`.
    let dbmate = tempfile::tempdir().unwrap();
    write(
        dbmate.path(),
        "20240101_half.sql",
        &format!("-- migrate:up\n{sql}-- migrate:down\nDROP TABLE half_ok;\n"),
    );
    db.exec("CREATE TABLE schema_migrations (version VARCHAR(128) PRIMARY KEY); INSERT INTO schema_migrations VALUES ('20240101');");
    let report = run(&db, dbmate.path(), Some("dbmate"));
    assert_eq!(
        statuses(&report),
        ["unverifiable"],
        "{:#?}",
        report.findings
    );
    assert!(report.findings[0].unknown);
    assert!(report.findings[0]
        .message
        .contains("line 3 could not be read"));
}

/// `flyway undo` (an UNDO_SQL row) makes its migration pending again, and `flyway repair`'s
/// DELETE row retires the record of a migration whose file is gone: Flyway re-runs the one and
/// misses nothing for the other (`MigrationInfoServiceImpl`, `markAsDeleted` and `undone`).
#[test]
fn flyway_undone_migration_is_pending_and_a_deleted_one_is_no_orphan() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "V1__users.sql", USERS);
    write(dir.path(), "V2__sessions.sql", SESSIONS);
    write(dir.path(), "V3__profiles.sql", PROFILES);
    write(
        dir.path(),
        "U3__profiles.sql",
        "DROP TABLE user_profiles;\n",
    );
    db.exec(USERS);
    db.exec(SESSIONS);
    db.exec(FLYWAY_SCHEMA_HISTORY);
    db.exec(
        "INSERT INTO flyway_schema_history VALUES
           (1, '1', 'users', 'SQL', 'V1__users.sql', NULL, 'ci', now(), 1, TRUE),
           (2, '2', 'sessions', 'SQL', 'V2__sessions.sql', NULL, 'ci', now(), 1, TRUE),
           (3, '3', 'profiles', 'SQL', 'V3__profiles.sql', NULL, 'ci', now(), 1, TRUE),
           (4, '4', 'scratch', 'SQL', 'V4__scratch.sql', NULL, 'ci', now(), 1, TRUE),
           (5, '4', 'scratch', 'DELETE', 'V4__scratch.sql', NULL, 'ci', now(), 0, TRUE),
           (6, '3', 'profiles', 'UNDO_SQL', 'U3__profiles.sql', NULL, 'ci', now(), 1, TRUE);",
    );
    let report = run(&db, dir.path(), None);
    assert_eq!(
        statuses(&report),
        ["applied", "applied", "pending"],
        "{:#?}",
        report.findings
    );
}

/// Migrations split into a sub-directory per release.
fn release_dirs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "V1__users.sql", USERS);
    write(dir.path(), "release2/V2__sessions.sql", SESSIONS);
    write(dir.path(), "release2/V3__profiles.sql", PROFILES);
    dir
}

/// Flyway scans its location recursively (`FileSystemScanner`) and records a script in a
/// sub-directory by its path relative to the location.
#[test]
fn flyway_migrations_in_sub_directories_are_found() {
    let db = ScratchDb::postgres();
    let dir = release_dirs();
    db.exec(USERS);
    db.exec(SESSIONS);
    db.exec(FLYWAY_SCHEMA_HISTORY);
    db.exec(
        "INSERT INTO flyway_schema_history VALUES
           (1, '1', 'users', 'SQL', 'V1__users.sql', NULL, 'ci', now(), 1, TRUE),
           (2, '2', 'sessions', 'SQL', 'release2/V2__sessions.sql', NULL, 'ci', now(), 1, TRUE);",
    );
    let report = run(&db, dir.path(), Some("flyway"));
    assert_eq!(
        statuses(&report),
        ["applied", "applied", "pending"],
        "{:#?}",
        report.findings
    );
}

/// refinery's `find_migration_files` walks its directory recursively (`WalkDir`); the nested
/// file's checksum is the one refinery recorded (status `applied`, not `checksum_mismatch`).
#[test]
fn refinery_migrations_in_sub_directories_are_found() {
    let db = ScratchDb::postgres();
    let dir = release_dirs();
    db.exec(USERS);
    db.exec(SESSIONS);
    db.exec(REFINERY_SCHEMA_HISTORY);
    let sessions = dir.path().join("release2/V2__sessions.sql");
    let c2 = python(PY_REFINERY, &["sessions", "2", sessions.to_str().unwrap()]);
    db.exec(&format!("INSERT INTO refinery_schema_history VALUES (1, 'users', '2024-01-01T00:00:00Z', NULL), (2, 'sessions', '2024-01-02T00:00:00Z', '{c2}');"));
    let report = run(&db, dir.path(), Some("refinery"));
    assert_eq!(
        statuses(&report),
        ["applied", "applied", "pending"],
        "{:#?}",
        report.findings
    );
}

/// dbmate's version is the leading digits of the file name, whatever follows them
/// (`migrationFileRegexp = ^(\d+).*\.sql$`): `20240101-users.sql` is version 20240101.
#[test]
fn dbmate_file_without_an_underscore_after_its_version_is_a_migration() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "20240101-users.sql",
        &format!("-- migrate:up\n{USERS}-- migrate:down\nDROP TABLE users;\n"),
    );
    write(
        dir.path(),
        "20240105_sessions.sql",
        &format!("-- migrate:up\n{SESSIONS}-- migrate:down\nDROP TABLE sessions;\n"),
    );
    db.exec(USERS);
    db.exec(SESSIONS);
    db.exec(
        "CREATE TABLE schema_migrations (version VARCHAR(128) PRIMARY KEY);
         INSERT INTO schema_migrations (version) VALUES ('20240101'), ('20240105');",
    );
    let report = run(&db, dir.path(), Some("dbmate"));
    assert_eq!(
        statuses(&report),
        ["applied", "applied"],
        "{:#?}",
        report.findings
    );
}

/// dbmate keeps versions as text (`pkg/dbmate/db.go`, `FindMigrations` looks the file's
/// leading digits up among the applied versions as they are spelled): `001_users.sql` and
/// `1_sessions.sql` are two migrations with rows `001` and `1`, and a row `01` names neither.
#[test]
fn dbmate_versions_differing_only_by_leading_zeros_are_two_migrations() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "001_users.sql",
        &format!("-- migrate:up\n{USERS}-- migrate:down\nDROP TABLE users;\n"),
    );
    write(
        dir.path(),
        "1_sessions.sql",
        &format!("-- migrate:up\n{SESSIONS}-- migrate:down\nDROP TABLE sessions;\n"),
    );
    write(
        dir.path(),
        "2_profiles.sql",
        &format!("-- migrate:up\n{PROFILES}-- migrate:down\nDROP TABLE user_profiles;\n"),
    );
    db.exec(USERS);
    db.exec(SESSIONS);
    db.exec(
        "CREATE TABLE schema_migrations (version VARCHAR(255) PRIMARY KEY);
         INSERT INTO schema_migrations (version) VALUES ('001'), ('1'), ('02');",
    );
    let report = run(&db, dir.path(), None);
    assert_eq!(report.json_extra["database"]["tracker"], "dbmate");
    assert_eq!(
        statuses(&report),
        ["applied", "applied", "pending", "orphan"],
        "{:#?}",
        report.findings
    );
    assert_message(&report, "RC107", "version 02 as applied");
}

/// An old Prisma schema engine wrote checksums without zero-padding each byte's hex
/// (prisma-engines#1887); Prisma still accepts them (`script_matches_checksum` compares in that
/// spelling when the recorded text is not 64 characters long), so the migration is applied.
#[test]
fn prisma_old_unpadded_checksums_still_match() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    // A text whose SHA-256 has bytes below 0x10, so the old spelling is shorter.
    let text = format!("-- init\n{USERS}");
    let init = write(dir.path(), "20240101000000_init/migration.sql", &text);
    write(
        dir.path(),
        "migration_lock.toml",
        "provider = \"postgresql\"\n",
    );
    let unpadded = python(
        "import hashlib, sys; print(''.join('%x' % b for b in hashlib.sha256(open(sys.argv[1], 'rb').read()).digest()))",
        &[init.to_str().unwrap()],
    );
    assert!(unpadded.len() < 64, "{unpadded}");
    db.exec(USERS);
    db.exec(&format!(
        "CREATE TABLE _prisma_migrations (id VARCHAR(36) PRIMARY KEY, checksum VARCHAR(64) NOT NULL, finished_at TIMESTAMPTZ, migration_name VARCHAR(255) NOT NULL, logs TEXT, rolled_back_at TIMESTAMPTZ, started_at TIMESTAMPTZ NOT NULL DEFAULT now(), applied_steps_count INTEGER NOT NULL DEFAULT 0);
         INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name) VALUES
           ('a', '{unpadded}', now(), '20240101000000_init');"
    ));
    let report = run(&db, dir.path(), None);
    assert_eq!(statuses(&report), ["applied"], "{:#?}", report.findings);

    std::fs::write(&init, format!("{text}-- edited\n")).unwrap();
    let report = run(&db, dir.path(), None);
    assert_eq!(statuses(&report), ["checksum_mismatch"]);
}

/// Flyway knows a repeatable migration by its description: moved into a sub-directory, the
/// script is the one it applied (no re-run, no missing migration).
#[test]
fn flyway_repeatable_moved_into_a_sub_directory_is_still_applied() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "V1__users.sql", USERS);
    write(
        dir.path(),
        "views/R__user_emails.sql",
        "CREATE OR REPLACE VIEW user_emails AS SELECT id, email FROM users;\n",
    );
    db.exec(USERS);
    db.exec("CREATE VIEW user_emails AS SELECT id, email FROM users;");
    db.exec(FLYWAY_SCHEMA_HISTORY);
    db.exec(
        "INSERT INTO flyway_schema_history VALUES
           (1, '1', 'users', 'SQL', 'V1__users.sql', NULL, 'ci', now(), 1, TRUE),
           (2, NULL, 'user emails', 'SQL', 'R__user_emails.sql', NULL, 'ci', now(), 1, TRUE);",
    );
    let report = run(&db, dir.path(), None);
    assert_eq!(
        statuses(&report),
        ["applied", "applied"],
        "{:#?}",
        report.findings
    );
}

/// goose records a Go migration (`00002_backfill.go`) in `goose_db_version` like a SQL one:
/// its record is no orphan, and no finding advises deleting it.
#[test]
fn goose_go_migration_records_are_not_orphans() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "20240101_users.sql",
        &format!("-- +goose Up\n{USERS}-- +goose Down\nDROP TABLE users;\n"),
    );
    write(
        dir.path(),
        "20240103_backfill.go",
        "package migrations\n\nfunc init() { goose.AddMigrationContext(upBackfill, nil) }\n",
    );
    write(
        dir.path(),
        "20240105_sessions.sql",
        &format!("-- +goose Up\n{SESSIONS}-- +goose Down\nDROP TABLE sessions;\n"),
    );
    db.exec(USERS);
    db.exec(SESSIONS);
    db.exec(
        "CREATE TABLE goose_db_version (id SERIAL PRIMARY KEY, version_id BIGINT NOT NULL, is_applied BOOLEAN NOT NULL, tstamp TIMESTAMP DEFAULT now());
         INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, TRUE), (20240101, TRUE), (20240103, TRUE), (20240105, TRUE);",
    );
    let report = run(&db, dir.path(), None);
    assert_eq!(
        statuses(&report),
        ["applied", "applied"],
        "{:#?}",
        report.findings
    );
    assert!(
        report.findings.iter().all(|f| f.rule != "RC107"),
        "{:#?}",
        report.findings
    );
    // Said, not skipped: the Go file is listed as one goose runs and reconcile cannot replay.
    let listed: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.rule == "RC113")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(
        listed,
        ["goose runs this file, a Go migration, which reconcile cannot replay; its record is left unchecked"]
    );
}

/// refinery runs Rust migrations (`V2__backfill.rs`) from the same directory and records them
/// like SQL ones: their records are no orphans.
#[test]
fn refinery_rust_migration_records_are_not_orphans() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "V1__users.sql", USERS);
    write(
        dir.path(),
        "V2__backfill.rs",
        "pub fn migration() -> String { String::new() }\n",
    );
    write(dir.path(), "V3__sessions.sql", SESSIONS);
    db.exec(USERS);
    db.exec(SESSIONS);
    db.exec(REFINERY_SCHEMA_HISTORY);
    db.exec("INSERT INTO refinery_schema_history (version, name, applied_on) VALUES (1, 'users', '2024-01-01T00:00:00Z'), (2, 'backfill', '2024-01-02T00:00:00Z'), (3, 'sessions', '2024-01-03T00:00:00Z');");
    let report = run(&db, dir.path(), Some("refinery"));
    assert_eq!(
        statuses(&report),
        ["applied", "applied"],
        "{:#?}",
        report.findings
    );
}

/// The project's Flyway configuration decides what validate makes of the history: with
/// `flyway.outOfOrder=true` in a `flyway.conf` next to the migrations directory, a pending
/// script below the newest applied version is what `flyway migrate` runs out of order (a
/// warning, no error); with `ignoreMigrationPatterns` in a `flyway.toml` instead, validate lets
/// the ignored one and a missing one pass, and the finding names the pattern and the file.
#[test]
fn flyway_configuration_out_of_order_and_ignore_patterns_turn_validate_errors_into_warnings() {
    let db = ScratchDb::postgres();
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("migrations");
    std::fs::create_dir(&dir).unwrap();
    let v1 = write(&dir, "V1__users.sql", USERS);
    write(&dir, "V2__sessions.sql", SESSIONS);
    write(&dir, "V4__profiles.sql", PROFILES);
    db.exec(USERS);
    db.exec(FLYWAY_SCHEMA_HISTORY);
    db.exec(&format!(
        "INSERT INTO flyway_schema_history VALUES
         (1, '1', 'users', 'SQL', 'V1__users.sql', {}, 'ci', now(), 3, TRUE),
         (2, '3', 'gone', 'SQL', 'V3__gone.sql', 123, 'ci', now(), 3, TRUE);",
        flyway_crc(&v1)
    ));
    let conf = root.path().join("flyway.conf");
    std::fs::write(&conf, "# team settings\nflyway.outOfOrder=true\n").unwrap();
    let report = run(&db, &dir, None);
    let out_of_order = assert_message(
        &report,
        "RC108",
        &format!(
            "V2__sessions.sql is pending but older than the newest applied migration: outOfOrder is true (flyway.outOfOrder in {}), so `flyway migrate` runs it out of order",
            std::fs::canonicalize(&conf).unwrap().display()
        ),
    );
    assert_eq!(out_of_order.severity, Severity::Warning);
    // outOfOrder does not excuse a missing migration.
    assert_eq!(finding(&report, "RC107").severity, Severity::Error);

    std::fs::remove_file(&conf).unwrap();
    let toml = root.path().join("flyway.toml");
    std::fs::write(
        &toml,
        "[flyway]\nignoreMigrationPatterns = [\"*:missing\", \"*:ignored\"]\n",
    )
    .unwrap();
    let report = run(&db, &dir, None);
    let toml = std::fs::canonicalize(&toml).unwrap();
    let ignored = assert_message(
        &report,
        "RC108",
        &format!("V2__sessions.sql is pending but older than the newest applied migration: Flyway counts it as ignored, and `flyway validate` lets it pass because ignoreMigrationPatterns includes `*:ignored` (ignoreMigrationPatterns in {}): `flyway migrate` skips it for good", toml.display()),
    );
    assert_eq!(ignored.severity, Severity::Warning);
    let missing = assert_message(
        &report,
        "RC107",
        &format!("flyway records V3__gone.sql as applied but the script is gone: Flyway counts it as missing, and `flyway validate` lets it pass because ignoreMigrationPatterns includes `*:missing` (ignoreMigrationPatterns in {})", toml.display()),
    );
    assert_eq!(missing.severity, Severity::Warning);

    // Patterns set replace Flyway's default `*:future`: with V4 gone, V3 is a future
    // migration that validate now fails on.
    std::fs::remove_file(dir.join("V4__profiles.sql")).unwrap();
    let report = run(&db, &dir, None);
    let future = assert_message(
        &report,
        "RC107",
        "Flyway counts it as a future migration, and `flyway validate`, and `flyway migrate` before it runs anything, fails on it: ignoreMigrationPatterns (ignoreMigrationPatterns in ",
    );
    assert_eq!(future.severity, Severity::Error);
}

/// Flyway reads `~/flyway.toml` (`~` being `$HOME`) and, when any TOML configuration exists,
/// not flyway.conf at all. Run as a user does, the binary with HOME set to a directory of the
/// test's own: the `outOfOrder = true` in that home's flyway.toml makes the pending older script
/// a warning, though the project's flyway.conf says false; without it, an error.
#[test]
fn flyway_configuration_in_the_home_directory_decides_out_of_order() {
    let db = ScratchDb::postgres();
    let root = tempfile::tempdir().unwrap();
    let home = root.path().join("home");
    let project = root.path().join("project");
    let dir = project.join("migrations");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    let v1 = write(&dir, "V1__users.sql", USERS);
    write(&dir, "V2__sessions.sql", SESSIONS);
    let v3 = write(&dir, "V3__profiles.sql", PROFILES);
    db.exec(USERS);
    db.exec(PROFILES);
    db.exec(FLYWAY_SCHEMA_HISTORY);
    db.exec(&format!(
        "INSERT INTO flyway_schema_history VALUES
         (1, '1', 'users', 'SQL', 'V1__users.sql', {}, 'ci', now(), 3, TRUE),
         (2, '3', 'profiles', 'SQL', 'V3__profiles.sql', {}, 'ci', now(), 3, TRUE);",
        flyway_crc(&v1),
        flyway_crc(&v3)
    ));
    std::fs::write(project.join("flyway.conf"), "flyway.outOfOrder=false\n").unwrap();
    let rc108 = || {
        let out = common::cli::preflight(&project)
            .env("HOME", &home)
            .env_remove("FLYWAY_CONFIG_FILES")
            .env_remove("FLYWAY_OUT_OF_ORDER")
            .env_remove("flyway_outOfOrder")
            .env_remove("flyway_environment")
            .args(["reconcile", "--format", "json", "--tracker", "flyway"])
            .args(["--database-url", &db.url, "--migrations", "migrations"])
            .output()
            .unwrap();
        let found = common::cli::json_findings(&out.stdout);
        let f = found
            .iter()
            .find(|f| f["rule"] == "RC108")
            .unwrap_or_else(|| panic!("no RC108: {out:?}"))
            .clone();
        (
            f["severity"].as_str().unwrap().to_string(),
            f["message"].as_str().unwrap().to_string(),
        )
    };
    let (severity, message) = rc108();
    assert_eq!(severity, "error", "{message}");

    let toml = home.join("flyway.toml");
    std::fs::write(&toml, "[flyway]\noutOfOrder = true\n").unwrap();
    let (severity, message) = rc108();
    assert_eq!(severity, "warning", "{message}");
    assert!(
        message.contains(&format!(
            "outOfOrder is true (outOfOrder in {}), so `flyway migrate` runs it out of order",
            toml.display()
        )),
        "{message}"
    );
}

/// A Flyway setting preflight cannot read is a one-line configuration error (exit 2) naming the
/// file and the key, not a guess.
#[test]
fn flyway_configuration_with_a_malformed_value_is_a_config_error() {
    let db = ScratchDb::postgres();
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("migrations");
    std::fs::create_dir(&dir).unwrap();
    write(&dir, "V1__users.sql", USERS);
    db.exec(FLYWAY_SCHEMA_HISTORY);
    std::fs::write(
        root.path().join("flyway.conf"),
        "flyway.ignoreMigrationPatterns=*:missing,*:absent\n",
    )
    .unwrap();
    let err = try_reconcile(&options(&db.url, &dir, None, MigrationsConfig::default()))
        .expect_err("a malformed flyway.conf is an error");
    let text = err.to_string();
    assert!(
        text.contains("flyway.conf: line 1: flyway.ignoreMigrationPatterns: `*:absent` is not a pattern `type:state`"),
        "{text}"
    );
    assert!(!text.contains('\n'), "{text}");
    assert_eq!(err.exit_code(), 2);
}

/// With `--tracker auto`, a Flyway configuration preflight cannot read is not replaced by
/// defaults in silence: Flyway's history table under its configured name (`table = "history"`)
/// is then not looked for, and the "no migration tracker table" error says why, with the
/// configuration error; once the file is fixed, Flyway is detected.
#[test]
fn auto_detection_without_a_tracker_table_names_the_unreadable_flyway_configuration() {
    let db = ScratchDb::postgres();
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("migrations");
    std::fs::create_dir(&dir).unwrap();
    write(&dir, "V1__users.sql", USERS);
    db.exec(&FLYWAY_SCHEMA_HISTORY.replace("flyway_schema_history", "history"));
    let toml = root.path().join("flyway.toml");
    std::fs::write(
        &toml,
        "[flyway]\ntable = \"history\"\noutOfOrder = \"yes\"\n",
    )
    .unwrap();
    let err = try_reconcile(&options(&db.url, &dir, None, MigrationsConfig::default()))
        .expect_err("no tracker table was found");
    let text = err.to_string();
    assert!(text.contains("no migration tracker table in"), "{text}");
    assert!(
        text.contains(&format!(
            "the Flyway configuration could not be read, so a table or schema it sets was not looked for: {}: line 3: [flyway] outOfOrder: `yes` is not true or false",
            toml.display()
        )),
        "{text}"
    );
    assert!(!text.contains('\n'), "{text}");
    assert_eq!(err.exit_code(), 2);

    std::fs::write(&toml, "[flyway]\ntable = \"history\"\n").unwrap();
    let report = run(&db, &dir, None);
    assert_eq!(report.json_extra["database"]["tracker"], "flyway");

    // Another tool's table alone, the migrations laid out as Flyway's: Flyway's table under
    // the configured name would have won by the layout, so the unreadable file is the error;
    // naming the tracker goes on without it.
    db.exec(
        "DROP TABLE history; CREATE TABLE schema_migrations (version VARCHAR(255) PRIMARY KEY);",
    );
    std::fs::write(
        &toml,
        "[flyway]\ntable = \"history\"\noutOfOrder = \"yes\"\n",
    )
    .unwrap();
    let err = try_reconcile(&options(&db.url, &dir, None, MigrationsConfig::default()))
        .expect_err("the tracker choice depends on the unreadable file");
    let text = err.to_string();
    assert!(
        text.contains("dbmate's table was found, but the migrations are laid out as Flyway's and the Flyway configuration could not be read")
            && text.contains("[flyway] outOfOrder: `yes` is not true or false; fix it, or pass --tracker dbmate"),
        "{text}"
    );
    assert_eq!(err.exit_code(), 2);
    let report = run(&db, &dir, Some("dbmate"));
    assert_eq!(report.json_extra["database"]["tracker"], "dbmate");
}
