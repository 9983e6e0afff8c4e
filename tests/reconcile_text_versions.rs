//! Diesel and Atlas take any text as a version and compare versions as text (diesel_migrations'
//! `version_from_string` / `MigrationVersion`, Atlas's `LocalFile.Version` /
//! `Executor.Pending`): reconcile matches tracker rows to such migrations, in the tools' order,
//! against the real local PostgreSQL.

mod common;

use common::cli::write;
use common::reconcile::{options, reconcile_dir, try_reconcile};
use common::ScratchDb;
use preflight::config::MigrationsConfig;
use preflight::output::Report;
use std::path::Path;

const USERS: &str = "CREATE TABLE users (id SERIAL PRIMARY KEY, email TEXT NOT NULL);\n";
const SESSIONS: &str = "CREATE TABLE sessions (id SERIAL PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id));\n";
const PROFILES: &str = "CREATE TABLE profiles (id SERIAL PRIMARY KEY, bio TEXT);\n";
const TAGS: &str = "CREATE TABLE tags (id SERIAL PRIMARY KEY, label TEXT);\n";
const DIESEL_TABLE: &str = "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) NOT NULL PRIMARY KEY, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);";
const ATLAS_TABLE: &str = "CREATE SCHEMA atlas_schema_revisions;
     CREATE TABLE atlas_schema_revisions.atlas_schema_revisions (version VARCHAR PRIMARY KEY, description VARCHAR NOT NULL, type BIGINT NOT NULL DEFAULT 2, applied BIGINT NOT NULL DEFAULT 0, total BIGINT NOT NULL DEFAULT 0, executed_at TIMESTAMPTZ NOT NULL DEFAULT now(), execution_time BIGINT NOT NULL DEFAULT 0, error TEXT, error_stmt TEXT, hash VARCHAR NOT NULL, partial_hashes JSONB, operator_version VARCHAR NOT NULL DEFAULT 'test');";

/// Each migration's (version, status), in report order.
fn rows(report: &Report) -> Vec<(String, String)> {
    report.json_extra["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let text = |k: &str| m[k].as_str().unwrap_or_default().to_string();
            (text("version"), text("status"))
        })
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(v, s)| (v.to_string(), s.to_string()))
        .collect()
}

/// `initial/` and `2024-01-01-000000-000a_profiles/` (diesel_cli 2.3's hexadecimal counter)
/// applied, `v2_sessions/` pending; a row `01` is not directory `1_tags/` (Diesel matches the
/// exact text), so the row is an orphan and `1` is not applied, and runs although it sorts
/// before the newest applied version.
#[test]
fn diesel_text_versions_are_matched_and_ordered_as_text() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "initial/up.sql", USERS);
    write(dir.path(), "initial/down.sql", "DROP TABLE users;\n");
    write(
        dir.path(),
        "2024-01-01-000000-000a_profiles/up.sql",
        PROFILES,
    );
    write(dir.path(), "v2_sessions/up.sql", SESSIONS);
    write(dir.path(), "1_tags/up.sql", TAGS);
    db.exec(USERS);
    db.exec(PROFILES);
    db.exec(DIESEL_TABLE);
    db.exec("INSERT INTO __diesel_schema_migrations (version) VALUES ('initial'), ('20240101000000000a'), ('01');");
    let report = reconcile_dir(&db, dir.path(), None, MigrationsConfig::default());
    assert_eq!(report.json_extra["database"]["tracker"], "diesel");
    assert_eq!(
        rows(&report),
        pairs(&[
            ("1", "out_of_order"),
            ("20240101000000000a", "applied"),
            ("initial", "applied"),
            ("v2", "pending"),
            ("01", "orphan"),
        ]),
        "{:#?}",
        report.findings
    );
}

/// A sub-directory without `up.sql` makes `diesel migration run` refuse the whole directory:
/// reconcile says so instead of leaving it out.
#[test]
fn diesel_directory_without_up_sql_is_refused_with_diesels_message() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "initial/up.sql", USERS);
    write(
        dir.path(),
        "fixtures/seed.sql",
        "INSERT INTO users (email) VALUES ('a');\n",
    );
    db.exec(DIESEL_TABLE);
    let options = options(
        &db.url,
        dir.path(),
        Some("diesel"),
        MigrationsConfig::default(),
    );
    let Err(error) = try_reconcile(&options) else {
        panic!("reconcile accepted a directory Diesel refuses");
    };
    let error = error.to_string();
    assert!(error.contains("fixtures"), "{error}");
    assert!(error.contains("Invalid migration directory"), "{error}");
}

/// A version of 51 characters does not fit `__diesel_schema_migrations.version` (VARCHAR(50),
/// diesel's `setup_migration_table.sql`): recording it fails, so Diesel never applies it.
/// reconcile says so on its `up.sql` (RC113) and does not count it pending; its error names
/// what to do. The table is created as Diesel creates it, on the real PostgreSQL.
#[test]
fn diesel_version_longer_than_the_tracker_column_is_reported() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    let long = "2024-01-02-000000-".to_string() + &"7".repeat(37);
    write(dir.path(), "initial/up.sql", USERS);
    write(dir.path(), &format!("{long}_sessions/up.sql"), SESSIONS);
    db.exec(USERS);
    db.exec(DIESEL_TABLE);
    db.exec("INSERT INTO __diesel_schema_migrations (version) VALUES ('initial');");
    let version: String = long.replace('-', "");
    assert_eq!(version.len(), 51);
    // What Diesel's insert of that version meets.
    let refused = db.try_exec(&format!(
        "INSERT INTO __diesel_schema_migrations (version) VALUES ('{version}');"
    ));
    assert!(
        refused.is_err_and(|e| e.contains("value too long for type character varying(50)")),
        "the table took a 51-character version"
    );
    let report = reconcile_dir(&db, dir.path(), None, MigrationsConfig::default());
    assert_eq!(report.json_extra["database"]["tracker"], "diesel");
    assert_eq!(
        rows(&report),
        pairs(&[("initial", "applied")]),
        "{:#?}",
        report.findings
    );
    let ignored: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule == "RC113")
        .collect();
    assert_eq!(ignored.len(), 1, "{:#?}", report.findings);
    let path = ignored[0].location.path.as_deref().unwrap_or_default();
    assert!(path.ends_with(&format!("{long}_sessions/up.sql")), "{path}");
    assert!(
        ignored[0].message.contains(&format!(
            "has version `{version}` (51 characters): Diesel records it in `__diesel_schema_migrations.version`, a VARCHAR(50)"
        )) && ignored[0].message.contains("shorten the directory's name"),
        "{}",
        ignored[0].message
    );
}

fn atlas_sum(dir: &Path) {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    names.sort();
    let files: Vec<(String, Vec<u8>)> = names
        .into_iter()
        .map(|n| {
            let bytes = std::fs::read(dir.join(&n)).unwrap();
            (n, bytes)
        })
        .collect();
    write_atlas_sum(dir, &preflight::layout::atlas_hashes(&files));
}

/// Writes `atlas.sum` as `HashFile.MarshalText` does (`sql/migrate/dir.go`): the header
/// `h1:` + `HashFile.Sum` (SHA-256 over each entry's name then hash, base64), computed here
/// independently of preflight, then a `NAME h1:HASH` line per entry.
fn write_atlas_sum(dir: &Path, entries: &[(String, String)]) {
    use base64::Engine as _;
    use sha2::{Digest, Sha256};
    let mut total = Sha256::new();
    for (n, h) in entries {
        total.update(n.as_bytes());
        total.update(h.as_bytes());
    }
    let header = base64::engine::general_purpose::STANDARD.encode(total.finalize());
    let lines: String = entries
        .iter()
        .map(|(n, h)| format!("{n} h1:{h}\n"))
        .collect();
    write(dir, "atlas.sum", &format!("h1:{header}\n{lines}"));
}

/// `initial.sql` (no `_`: the whole stem is the version) and `v2_sessions.sql` applied,
/// `v3_profiles.sql` pending, in file-name order.
#[test]
fn atlas_text_versions_are_matched_and_ordered_by_name() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "initial.sql", USERS);
    write(dir.path(), "v2_sessions.sql", SESSIONS);
    write(dir.path(), "v3_profiles.sql", PROFILES);
    atlas_sum(dir.path());
    db.exec(USERS);
    db.exec(SESSIONS);
    db.exec(ATLAS_TABLE);
    db.exec(
        "INSERT INTO atlas_schema_revisions.atlas_schema_revisions (version, description, applied, total, hash) VALUES
           ('initial', '', 1, 1, ''), ('v2', 'sessions', 1, 1, '');",
    );
    let report = reconcile_dir(&db, dir.path(), None, MigrationsConfig::default());
    assert_eq!(report.json_extra["database"]["tracker"], "atlas");
    assert_eq!(
        rows(&report),
        pairs(&[("initial", "applied"), ("v2", "applied"), ("v3", "pending")]),
        "{:#?}",
        report.findings
    );
    assert!(
        !report.findings.iter().any(|f| f.rule == "RC113"),
        "{:#?}",
        report.findings
    );
}

/// `atlas.sum` as `atlas migrate hash` writes it (`sql/migrate/dir.go`, `NewHashFile`),
/// computed here independently of preflight: a running SHA-256 over each `.sql` file's name
/// and content in name order, the files named in `ignored` (their first line
/// `-- atlas:sum ignore`) adding their name only and getting no entry. Returns each entry's
/// hash by name.
fn atlas_sum_as_atlas_writes_it(dir: &Path, ignored: &[&str]) -> Vec<(String, String)> {
    use base64::Engine as _;
    use sha2::{Digest, Sha256};
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    names.sort();
    let mut running = Sha256::new();
    let mut entries = Vec::new();
    for name in names {
        running.update(name.as_bytes());
        if ignored.contains(&name.as_str()) {
            continue;
        }
        running.update(std::fs::read(dir.join(&name)).unwrap());
        let hash = base64::engine::general_purpose::STANDARD.encode(running.clone().finalize());
        entries.push((name, hash));
    }
    write_atlas_sum(dir, &entries);
    entries
}

fn hash_of<'a>(entries: &'a [(String, String)], name: &str) -> &'a str {
    &entries.iter().find(|(n, _)| n == name).unwrap().1
}

fn no_rc114(report: &Report) {
    assert!(
        !report.findings.iter().any(|f| f.rule == "RC114"),
        "{:#?}",
        report.findings
    );
}

/// A file whose first line is `-- atlas:sum ignore` has no atlas.sum entry, and only its name
/// goes into the running hash (`NewHashFile`): the file after it matches its entry and its
/// revision's hash, so neither RC114 nor a checksum mismatch.
#[test]
fn atlas_sum_ignore_directive_is_hashed_as_atlas_does() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "initial.sql", USERS);
    write(
        dir.path(),
        "v2_sessions.sql",
        &format!("-- atlas:sum ignore\n{SESSIONS}"),
    );
    write(dir.path(), "v3_profiles.sql", PROFILES);
    let sums = atlas_sum_as_atlas_writes_it(dir.path(), &["v2_sessions.sql"]);
    assert_eq!(sums.len(), 2);
    db.exec(USERS);
    db.exec(SESSIONS);
    db.exec(PROFILES);
    db.exec(ATLAS_TABLE);
    db.exec(&format!(
        "INSERT INTO atlas_schema_revisions.atlas_schema_revisions (version, description, applied, total, hash) VALUES
           ('initial', '', 1, 1, '{}'), ('v2', 'sessions', 1, 1, ''), ('v3', 'profiles', 1, 1, '{}');",
        hash_of(&sums, "initial.sql"),
        hash_of(&sums, "v3_profiles.sql"),
    ));
    let report = reconcile_dir(&db, dir.path(), None, MigrationsConfig::default());
    assert_eq!(
        rows(&report),
        pairs(&[("initial", "applied"), ("v2", "applied"), ("v3", "applied")]),
        "{:#?}",
        report.findings
    );
    no_rc114(&report);
}

/// Atlas's `partial-checkpoint` layout, by name: `3_checkpoint.sql` (`-- atlas:checkpoint`)
/// creates what 1 and 2 create.
fn checkpoint_dir() -> (tempfile::TempDir, Vec<(String, String)>) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "1_users.sql", USERS);
    write(dir.path(), "2_sessions.sql", SESSIONS);
    write(
        dir.path(),
        "3_checkpoint.sql",
        &format!("-- atlas:checkpoint\n\n{USERS}{SESSIONS}"),
    );
    write(dir.path(), "4_profiles.sql", PROFILES);
    let sums = atlas_sum_as_atlas_writes_it(dir.path(), &[]);
    (dir, sums)
}

/// A database whose first revision is the checkpoint's started there (`Executor.Pending`,
/// `FilesFromLastCheckpoint`): 1 and 2 never ran on it and are not its migrations, 3 is
/// applied, 4 pending.
#[test]
fn atlas_database_started_at_a_checkpoint_runs_it_and_the_files_after_it() {
    let db = ScratchDb::postgres();
    let (dir, sums) = checkpoint_dir();
    db.exec(USERS);
    db.exec(SESSIONS);
    db.exec(ATLAS_TABLE);
    db.exec(&format!(
        "INSERT INTO atlas_schema_revisions.atlas_schema_revisions (version, description, applied, total, hash) VALUES
           ('3', 'checkpoint', 2, 2, '{}');",
        hash_of(&sums, "3_checkpoint.sql"),
    ));
    let report = reconcile_dir(&db, dir.path(), None, MigrationsConfig::default());
    assert_eq!(
        rows(&report),
        pairs(&[("3", "applied"), ("4", "pending")]),
        "{:#?}",
        report.findings
    );
    no_rc114(&report);
}

/// No revision yet: `atlas migrate apply` starts at the last checkpoint, so 3 and 4 are
/// pending, not 1 and 2.
#[test]
fn atlas_database_without_revisions_starts_at_the_last_checkpoint() {
    let db = ScratchDb::postgres();
    let (dir, _) = checkpoint_dir();
    db.exec(ATLAS_TABLE);
    let report = reconcile_dir(&db, dir.path(), None, MigrationsConfig::default());
    assert_eq!(
        rows(&report),
        pairs(&[("3", "pending"), ("4", "pending")]),
        "{:#?}",
        report.findings
    );
    no_rc114(&report);
}

/// A database with revisions from before the checkpoint skips it (`SkipCheckpointFiles`): 1
/// and 2 applied, 4 pending, the checkpoint no migration of this database.
#[test]
fn atlas_database_with_history_skips_a_checkpoint() {
    let db = ScratchDb::postgres();
    let (dir, sums) = checkpoint_dir();
    db.exec(USERS);
    db.exec(SESSIONS);
    db.exec(ATLAS_TABLE);
    db.exec(&format!(
        "INSERT INTO atlas_schema_revisions.atlas_schema_revisions (version, description, applied, total, hash) VALUES
           ('1', 'users', 1, 1, '{}'), ('2', 'sessions', 1, 1, '{}');",
        hash_of(&sums, "1_users.sql"),
        hash_of(&sums, "2_sessions.sql"),
    ));
    let report = reconcile_dir(&db, dir.path(), None, MigrationsConfig::default());
    assert_eq!(
        rows(&report),
        pairs(&[("1", "applied"), ("2", "applied"), ("4", "pending")]),
        "{:#?}",
        report.findings
    );
    no_rc114(&report);
}

/// `Executor.Execute` looks a file's hash up in atlas.sum before running it
/// (`HashFile.SumByName`): a pending file starting with `atlas:sum ignore` has none, so
/// `atlas migrate apply` stops on it; RC114 says so on the file.
#[test]
fn atlas_pending_file_atlas_sum_ignores_cannot_be_applied() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "initial.sql", USERS);
    write(
        dir.path(),
        "v2_sessions.sql",
        &format!("-- atlas:sum ignore\n{SESSIONS}"),
    );
    let sums = atlas_sum_as_atlas_writes_it(dir.path(), &["v2_sessions.sql"]);
    db.exec(USERS);
    db.exec(ATLAS_TABLE);
    db.exec(&format!(
        "INSERT INTO atlas_schema_revisions.atlas_schema_revisions (version, description, applied, total, hash) VALUES
           ('initial', '', 1, 1, '{}');",
        hash_of(&sums, "initial.sql"),
    ));
    let report = reconcile_dir(&db, dir.path(), None, MigrationsConfig::default());
    assert_eq!(
        rows(&report),
        pairs(&[("initial", "applied"), ("v2", "pending")]),
        "{:#?}",
        report.findings
    );
    let sum: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule == "RC114")
        .collect();
    assert_eq!(sum.len(), 1, "{:#?}", report.findings);
    assert!(
        sum[0].message.starts_with(
            "v2_sessions.sql is not applied and starts with an `atlas:sum ignore` line"
        ) && sum[0].message.contains("checksum not found"),
        "{}",
        sum[0].message
    );
}

/// `HashFile.UnmarshalText` (`sql/migrate/dir.go`), which `Executor.Pending` runs through
/// `readHashFile` before anything else: atlas.sum's first line must be the sum of its file
/// lines, or `atlas migrate apply` stops ("read atlas.sum file: checksum mismatch"). Only the
/// header changed here; every file line still matches its file, so RC114 is on atlas.sum
/// alone, and the migrations' own status is unchanged.
#[test]
fn atlas_sum_header_that_is_not_the_sum_of_its_lines_is_rc114() {
    let db = ScratchDb::postgres();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "initial.sql", USERS);
    write(dir.path(), "v2_sessions.sql", SESSIONS);
    let sums = atlas_sum_as_atlas_writes_it(dir.path(), &[]);
    db.exec(USERS);
    db.exec(ATLAS_TABLE);
    db.exec(&format!(
        "INSERT INTO atlas_schema_revisions.atlas_schema_revisions (version, description, applied, total, hash) VALUES
           ('initial', '', 1, 1, '{}');",
        hash_of(&sums, "initial.sql"),
    ));
    let report = reconcile_dir(&db, dir.path(), None, MigrationsConfig::default());
    no_rc114(&report);

    let sum_path = dir.path().join("atlas.sum");
    let text = std::fs::read_to_string(&sum_path).unwrap();
    let (header, lines) = text.split_once('\n').unwrap();
    // Another valid-looking sum: the one of a directory without these files.
    assert_ne!(header, "h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    write(
        dir.path(),
        "atlas.sum",
        &format!("h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n{lines}"),
    );
    let report = reconcile_dir(&db, dir.path(), None, MigrationsConfig::default());
    assert_eq!(
        rows(&report),
        pairs(&[("initial", "applied"), ("v2", "pending")]),
        "{:#?}",
        report.findings
    );
    let sum: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule == "RC114")
        .collect();
    assert_eq!(sum.len(), 1, "{:#?}", report.findings);
    assert_eq!(
        sum[0].location.path.as_deref(),
        Some(sum_path.display().to_string().as_str())
    );
    assert!(
        sum[0].message.starts_with(&format!(
            "atlas.sum's first line (h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=) is not the sum of its file lines ({header})"
        )) && sum[0].message.contains("Atlas refuses the directory (\"checksum mismatch\")"),
        "{}",
        sum[0].message
    );
    assert!(
        sum[0]
            .notes
            .iter()
            .any(|n| n.contains("then `atlas migrate hash`")),
        "{:?}",
        sum[0].notes
    );
}
