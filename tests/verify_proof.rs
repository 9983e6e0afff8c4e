//! `verify` against the real local PostgreSQL and MariaDB: the incident sample fails the proof,
//! its fixed copy passes, crash points and catalog changes are caught, and every scratch
//! database is gone afterwards.

mod common;

use common::ScratchDb;
use preflight::diagnostics::Finding;
use preflight::output::Report;
use preflight::verify::{verify, VerifyOptions};
use std::path::{Path, PathBuf};

fn options(db: &ScratchDb, dir: &Path) -> VerifyOptions {
    VerifyOptions {
        dev_url: db.server_url.clone(),
        migrations_dir: dir.to_path_buf(),
        dialect: None,
        max_crash_points: 50,
        layout: None,
        apply_model: None,
    }
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A migrations directory with the given files.
fn migrations(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, sql) in files {
        std::fs::write(dir.path().join(name), sql).unwrap();
    }
    dir
}

/// Proves a migrations directory holding `files` (see [`run`]).
async fn prove(db: &ScratchDb, files: &[(&str, &str)]) -> Report {
    let dir = migrations(files);
    run(db, dir.path()).await
}

/// Asserts that one of the finding's notes satisfies `wanted`, printing them all if none does.
fn assert_note(finding: &Finding, wanted: impl Fn(&str) -> bool) {
    assert!(
        finding.notes.iter().any(|n| wanted(n)),
        "{:?}",
        finding.notes
    );
}

/// Runs the proof and asserts that every scratch database it made is gone.
async fn run(db: &ScratchDb, dir: &Path) -> Report {
    run_with(db, options(db, dir)).await
}

async fn run_with(db: &ScratchDb, options: VerifyOptions) -> Report {
    let report = verify(&options).await.expect("verify runs");
    let created: Vec<String> = report.json_extra["scratch_databases"]["created_and_dropped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert!(!created.is_empty());
    let existing = match db.engine {
        common::Engine::Postgres => db.query("SELECT datname FROM pg_database"),
        common::Engine::MariaDb => db.query("SHOW DATABASES"),
    };
    for name in &created {
        assert!(
            !existing.contains(name),
            "scratch database {name} still exists"
        );
    }
    report
}

fn codes(report: &Report) -> Vec<(&str, String, usize)> {
    report
        .findings
        .iter()
        .map(|f: &Finding| {
            let file = Path::new(f.location.path.as_deref().unwrap_or(""))
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (f.code(), file, f.location.start.map_or(0, |p| p.line))
        })
        .collect()
}

fn result_of(report: &Report, file: &str) -> String {
    report.json_extra["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["file"].as_str().unwrap().ends_with(file))
        .unwrap_or_else(|| panic!("{file} is in the report"))["result"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn postgres_incident_sample_fails_at_line_2_with_42p07() {
    let db = ScratchDb::postgres();
    let report = run(&db, &repo("migrations-sample/migrations")).await;
    assert_eq!(
        codes(&report),
        [("VF101", "20240115_add_user_profiles.sql".to_string(), 2)]
    );
    assert!(report.findings[0]
        .message
        .ends_with("42P07 relation \"user_profiles\" already exists"));
    assert_eq!(result_of(&report, "20240101_create_users.sql"), "proven");
    assert_eq!(
        result_of(&report, "20240115_add_user_profiles.sql"),
        "failed"
    );
    // The migration after the failing one is still proven: the failed re-apply was rolled back.
    assert_eq!(result_of(&report, "20240120_add_audit_logs.sql"), "proven");
}

#[tokio::test]
async fn postgres_fixed_sample_passes() {
    let db = ScratchDb::postgres();
    let report = run(&db, &repo("fixtures/verify/postgres/fixed")).await;
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    for file in ["20240101", "20240105", "20240115", "20240120"] {
        let result = report.json_extra["migrations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["file"].as_str().unwrap().contains(file))
            .unwrap()["result"]
            .clone();
        assert_eq!(result, "proven", "{file}");
    }
}

#[tokio::test]
async fn mariadb_incident_copy_fails_at_line_2_with_1050() {
    let db = ScratchDb::mariadb();
    let report = run(&db, &repo("fixtures/verify/mariadb/original")).await;
    assert_eq!(
        codes(&report),
        [("VF101", "20240115_add_user_profiles.sql".to_string(), 2)]
    );
    assert!(
        report.findings[0]
            .message
            .contains("1050 (42S01) Table 'user_profiles' already exists"),
        "{}",
        report.findings[0].message
    );
    assert_eq!(result_of(&report, "20240120_add_audit_logs.sql"), "proven");
}

#[tokio::test]
async fn mariadb_fixed_copy_passes() {
    let db = ScratchDb::mariadb();
    let report = run(&db, &repo("fixtures/verify/mariadb/fixed")).await;
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    assert_eq!(
        result_of(&report, "20240115_add_user_profiles.sql"),
        "proven"
    );
}

/// Passes a full second run (the column is dropped again at the end) but not a retry after a
/// crash between the ADD and the DROP.
const CRASH_ONLY: &str = "CREATE TABLE IF NOT EXISTS accounts (id int);\nALTER TABLE accounts ADD COLUMN legacy_id int;\nUPDATE accounts SET id = legacy_id;\nALTER TABLE accounts DROP COLUMN legacy_id;\n";

#[tokio::test]
async fn postgres_crash_point_failure_names_the_line() {
    let db = ScratchDb::postgres();
    let report = prove(&db, &[("001_accounts.sql", CRASH_ONLY)]).await;
    assert_eq!(
        codes(&report),
        [("VF103", "001_accounts.sql".to_string(), 2)]
    );
    let message = &report.findings[0].message;
    assert!(
        message.contains("stops after statement 2 (line 2)"),
        "{message}"
    );
    assert!(message.contains("42701"), "{message}");
    assert_note(&report.findings[0], |n| {
        n == "crash points that fail this way: after statement 2, 3"
    });
}

#[tokio::test]
async fn mariadb_crash_point_failure_names_the_line() {
    let db = ScratchDb::mariadb();
    let report = prove(&db, &[("001_accounts.sql", CRASH_ONLY)]).await;
    assert_eq!(
        codes(&report),
        [("VF103", "001_accounts.sql".to_string(), 2)]
    );
    assert!(report.findings[0].message.contains("1060"));
}

#[tokio::test]
async fn second_statement_that_only_a_retry_breaks_fails_at_its_line() {
    let db = ScratchDb::postgres();
    let report = prove(
        &db,
        &[(
            "001_a.sql",
            "CREATE TABLE IF NOT EXISTS a (id int);\nALTER TABLE a ADD COLUMN b int;\n",
        )],
    )
    .await;
    assert_eq!(codes(&report), [("VF101", "001_a.sql".to_string(), 2)]);
    assert!(report.findings[0].message.contains("42701"));
}

#[tokio::test]
async fn mariadb_crash_points_beyond_the_bound_are_unknown_not_pass() {
    let db = ScratchDb::mariadb();
    let sql = "CREATE TABLE IF NOT EXISTS a (id int);\nCREATE TABLE IF NOT EXISTS b (id int);\nCREATE TABLE IF NOT EXISTS c (id int);\nCREATE TABLE IF NOT EXISTS d (id int);\n";
    let dir = migrations(&[("001_abcd.sql", sql)]);
    let mut opts = options(&db, dir.path());
    opts.max_crash_points = 1;
    let report = run_with(&db, opts).await;
    assert_eq!(codes(&report), [("VF104", "001_abcd.sql".to_string(), 1)]);
    let finding = &report.findings[0];
    assert!(finding.unknown);
    assert!(
        finding
            .message
            .contains("2 of 3 crash points were not tried (after statement 2, 3): beyond --max-crash-points 1"),
        "{}",
        finding.message
    );
    assert_eq!(result_of(&report, "001_abcd.sql"), "unproven");
}

#[tokio::test]
async fn postgres_reapply_that_adds_a_second_index_changes_the_schema() {
    let db = ScratchDb::postgres();
    let report = prove(
        &db,
        &[(
            "001_t.sql",
            "CREATE TABLE IF NOT EXISTS t (a int);\nCREATE INDEX ON t (a);\n",
        )],
    )
    .await;
    assert_eq!(codes(&report), [("VF102", "001_t.sql".to_string(), 1)]);
    assert_note(&report.findings[0], |n| {
        n.starts_with("+ index public.t_a_idx1 ")
    });
}

#[tokio::test]
async fn postgres_drop_and_recreate_is_reported_as_data_loss() {
    let db = ScratchDb::postgres();
    let report = prove(&db, &[(
        "001_settings.sql",
        "DROP TABLE IF EXISTS settings;\nCREATE TABLE settings (key text PRIMARY KEY, value text);\n",
    )]).await;
    assert_eq!(
        codes(&report),
        [("VF102", "001_settings.sql".to_string(), 1)]
    );
    assert_note(&report.findings[0], |n| {
        n.contains("a retry would lose its rows")
    });
}

#[tokio::test]
async fn mariadb_reapply_that_adds_a_second_index_changes_the_schema() {
    let db = ScratchDb::mariadb();
    let report = prove(
        &db,
        &[(
            "001_t.sql",
            "CREATE TABLE IF NOT EXISTS t (a int);\nALTER TABLE t ADD INDEX (a);\n",
        )],
    )
    .await;
    assert_eq!(codes(&report), [("VF102", "001_t.sql".to_string(), 1)]);
    assert_note(&report.findings[0], |n| n.starts_with("+ index t.a_2 "));
}

#[tokio::test]
async fn postgres_concurrent_index_runs_outside_the_transaction() {
    let db = ScratchDb::postgres();
    let report = prove(&db, &[
        ("001_t.sql", "CREATE TABLE IF NOT EXISTS t (a int);\n"),
        (
            "002_idx.sql",
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_a ON t (a);\nCREATE TABLE IF NOT EXISTS u (id int);\n",
        ),
        ("003_v.sql", "CREATE OR REPLACE VIEW v AS SELECT a FROM t;\n"),
        ("004_vacuum.sql", "VACUUM t;\nCREATE TABLE IF NOT EXISTS w (id int);\n"),
    ]).await;
    // Proven outside a transaction; what a crash inside the index build does is said out loud.
    assert_eq!(codes(&report), [("VF104", "002_idx.sql".to_string(), 1)]);
    assert!(report.findings[0].unknown);
    assert!(report.findings[0]
        .message
        .contains("line 1: a concurrent index build"));
    let migration = &report.json_extra["migrations"][1];
    assert_eq!(migration["reapply"], "passed");
    assert_eq!(migration["crash_points"]["passed"], 1);
    assert_eq!(result_of(&report, "003_v.sql"), "proven");
    // VACUUM also runs outside a transaction, and nothing about it is left unproven.
    assert_eq!(result_of(&report, "004_vacuum.sql"), "proven");
}

#[tokio::test]
async fn a_migration_that_fails_on_first_apply_stops_the_proof() {
    let db = ScratchDb::postgres();
    let report = prove(
        &db,
        &[
            (
                "001_bad.sql",
                "-- needs a table nobody created\nCREATE INDEX IF NOT EXISTS i ON missing (a);\n",
            ),
            ("002_ok.sql", "CREATE TABLE IF NOT EXISTS ok (id int);\n"),
        ],
    )
    .await;
    assert_eq!(
        codes(&report),
        [
            ("VF100", "001_bad.sql".to_string(), 2),
            ("VF104", String::new(), 0)
        ]
    );
    assert!(report.findings[0].message.contains("42P01"));
    assert!(report.findings[1].unknown);
    assert_eq!(result_of(&report, "002_ok.sql"), "not_run");
}

#[tokio::test]
async fn the_database_named_in_the_url_is_left_alone() {
    let db = ScratchDb::postgres();
    let mut opts = options(&db, &repo("migrations-sample/migrations"));
    opts.dev_url = db.url.clone();
    run_with(&db, opts).await;
    assert_eq!(
        db.query("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace"),
        ["0"]
    );
}

#[tokio::test]
async fn file_transactions_are_handled_by_the_proof() {
    let db = ScratchDb::postgres();
    let report = prove(&db, &[(
        "001_tx.sql",
        "BEGIN;\nCREATE TABLE IF NOT EXISTS a (id int);\nALTER TABLE a ADD COLUMN IF NOT EXISTS b int;\nCOMMIT;\n",
    )]).await;
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    // Inside BEGIN … COMMIT a crash rolls back: there is no crash point.
    assert_eq!(
        report.json_extra["migrations"][0]["crash_points"]["possible"],
        0
    );
}

/// A full re-run fails on the seed row (the unique index now exists); a crash between the seed
/// row and the index fails differently: the retry inserts the row again and the index cannot be
/// built. The re-run of the first statements writes data there, so the proof must run the rest
/// of the migration rather than assume it behaves as in the plain apply.
const DUPLICATE_SEED: &str = "CREATE TABLE IF NOT EXISTS roles (name text);\nINSERT INTO roles VALUES ('admin');\nCREATE UNIQUE INDEX IF NOT EXISTS roles_name ON roles (name);\n";

#[tokio::test]
async fn postgres_crash_after_a_data_write_runs_the_rest_of_the_migration() {
    let db = ScratchDb::postgres();
    let report = prove(&db, &[("001_roles.sql", DUPLICATE_SEED)]).await;
    assert_eq!(
        codes(&report),
        [
            ("VF101", "001_roles.sql".to_string(), 2),
            ("VF103", "001_roles.sql".to_string(), 3)
        ]
    );
    let message = &report.findings[1].message;
    assert!(
        message.contains("stops after statement 2 (line 2)"),
        "{message}"
    );
    assert!(message.contains("23505"), "{message}");
}

#[tokio::test]
async fn mariadb_crash_after_a_data_write_runs_the_rest_of_the_migration() {
    let db = ScratchDb::mariadb();
    let report = prove(&db, &[(
        "001_roles.sql",
        "CREATE TABLE IF NOT EXISTS roles (name varchar(50));\nINSERT INTO roles VALUES ('admin');\nCREATE UNIQUE INDEX IF NOT EXISTS roles_name ON roles (name);\n",
    )]).await;
    assert_eq!(
        codes(&report),
        [
            ("VF101", "001_roles.sql".to_string(), 2),
            ("VF103", "001_roles.sql".to_string(), 3)
        ]
    );
    assert!(report.findings[1].message.contains("1062"));
}

#[tokio::test]
async fn roles_created_by_migrations_do_not_outlive_the_proof() {
    let db = ScratchDb::postgres();
    let role = common::unique_name("pf_verify_role");
    let report = prove(&db, &[(
        "001_role.sql",
        &format!(
            "DO $$ BEGIN CREATE ROLE {role}; EXCEPTION WHEN duplicate_object THEN NULL; END $$;\nCREATE TABLE IF NOT EXISTS t (id int);\n"
        ),
    )]).await;
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    assert_eq!(
        db.query(&format!(
            "SELECT count(*) FROM pg_roles WHERE rolname = '{role}'"
        )),
        ["0"]
    );
}

#[tokio::test]
async fn mariadb_migration_naming_another_database_is_not_run() {
    let db = ScratchDb::mariadb();
    let report = prove(
        &db,
        &[
            ("001_t.sql", "CREATE TABLE IF NOT EXISTS t (id int);\n"),
            (
                "002_other.sql",
                &format!("CREATE TABLE IF NOT EXISTS `{}`.leak (id int);\n", db.name),
            ),
        ],
    )
    .await;
    assert_eq!(
        codes(&report),
        [
            ("VF104", "002_other.sql".to_string(), 1),
            ("VF104", String::new(), 0)
        ]
    );
    assert!(report.findings[0]
        .message
        .contains("names another database"));
    assert_eq!(result_of(&report, "001_t.sql"), "proven");
    assert_eq!(result_of(&report, "002_other.sql"), "not_run");
    // The database the migration named was left alone.
    assert!(db.query("SHOW TABLES").is_empty());
}

#[tokio::test]
async fn postgres_or_replace_view_that_widens_on_reapply_changes_the_schema() {
    let db = ScratchDb::postgres();
    // The second run expands `*` again, now with the column the first run added.
    let report = prove(&db, &[(
        "001_v.sql",
        "CREATE TABLE IF NOT EXISTS t (a int);\nCREATE OR REPLACE VIEW v AS SELECT * FROM t;\nALTER TABLE t ADD COLUMN IF NOT EXISTS c int;\n",
    )]).await;
    assert_eq!(codes(&report), [("VF102", "001_v.sql".to_string(), 1)]);
    assert_note(&report.findings[0], |n| {
        n.starts_with("+ column public.v.c #2 integer")
    });
}

#[tokio::test]
async fn postgres_or_replace_next_to_another_writer_still_gets_the_full_comparison() {
    let db = ScratchDb::postgres();
    let report = prove(&db, &[(
        "001_vi.sql",
        "CREATE TABLE IF NOT EXISTS t (a int);\nCREATE OR REPLACE VIEW v AS SELECT a FROM t;\nCREATE INDEX ON t (a);\n",
    )]).await;
    assert_eq!(codes(&report), [("VF102", "001_vi.sql".to_string(), 1)]);
    assert_note(&report.findings[0], |n| {
        n.starts_with("+ index public.t_a_idx1 ")
    });
}

#[tokio::test]
async fn postgres_autocommit_after_a_role_is_not_run_rather_than_leaking_the_role() {
    let db = ScratchDb::postgres();
    let role = common::unique_name("pf_verify_role");
    let report = prove(&db, &[
        (
            "001_role.sql",
            &format!("DO $$ BEGIN CREATE ROLE {role}; EXCEPTION WHEN duplicate_object THEN NULL; END $$;\nCREATE TABLE IF NOT EXISTS t (a int);\n"),
        ),
        ("002_idx.sql", "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_a ON t (a);\n"),
    ]).await;
    assert_eq!(result_of(&report, "001_role.sql"), "proven");
    assert_eq!(result_of(&report, "002_idx.sql"), "not_run");
    assert!(report
        .findings
        .iter()
        .any(|f| f.unknown && f.message.contains("committing would leave the roles")));
    assert_eq!(
        db.query(&format!(
            "SELECT count(*) FROM pg_roles WHERE rolname = '{role}'"
        )),
        ["0"]
    );
}

#[tokio::test]
async fn mariadb_grants_are_not_run_on_the_dev_server() {
    let db = ScratchDb::mariadb();
    let user = common::unique_name("pf_verify_user");
    let report = prove(
        &db,
        &[(
            "001_user.sql",
            &format!("CREATE USER IF NOT EXISTS '{user}'@'localhost';\n"),
        )],
    )
    .await;
    assert_eq!(result_of(&report, "001_user.sql"), "not_run");
    assert!(report.findings[0]
        .message
        .contains("line 1 creates or changes users"));
    assert_eq!(
        db.query(&format!(
            "SELECT count(*) FROM mysql.user WHERE user = '{user}'"
        )),
        ["0"]
    );
}

#[tokio::test]
async fn postgres_dbmate_down_sections_are_not_replayed_whatever_their_spacing() {
    let db = ScratchDb::postgres();
    // dbmate accepts `--migrate:down` and `--  migrate:down`; the DROP below them is the
    // rollback, and replaying it would fail the re-run (a false VF100).
    let report = prove(&db, &[
        (
            "20240101000000_a.sql",
            "-- migrate:up\nCREATE TABLE IF NOT EXISTS a (id int);\n\n--migrate:down\nDROP TABLE a;\n",
        ),
        (
            "20240102000000_b.sql",
            "--migrate:up\nCREATE TABLE IF NOT EXISTS b (id int);\n\n--  migrate:down\nDROP TABLE b;\n",
        ),
    ]).await;
    assert_eq!(codes(&report), vec![]);
}

#[tokio::test]
async fn postgres_flyway_undo_scripts_never_run_and_repeatables_run_last() {
    let db = ScratchDb::postgres();
    // The repeatable view reads the table V1 creates: run first, it would fail. The undo
    // script drops without IF EXISTS: replayed, it would fail the re-run.
    let report = prove(
        &db,
        &[
            (
                "R__views.sql",
                "CREATE OR REPLACE VIEW v AS SELECT id FROM a;\n",
            ),
            ("V1__init.sql", "CREATE TABLE IF NOT EXISTS a (id int);\n"),
            ("U1__init.sql", "DROP TABLE a;\n"),
        ],
    )
    .await;
    assert_eq!(codes(&report), vec![]);
    let ignored = &report.json_extra["ignored_files"];
    assert!(
        ignored.to_string().contains("U1__init.sql"),
        "the undo script is listed as not run: {ignored}"
    );
}

/// A Diesel migration directory holding `sql` as its one migration.
fn diesel_migrations(sql: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let migration = dir.path().join("2024-01-01-000000_accounts");
    std::fs::create_dir(&migration).unwrap();
    std::fs::write(migration.join("up.sql"), sql).unwrap();
    std::fs::write(migration.join("down.sql"), "DROP TABLE accounts;\n").unwrap();
    dir
}

#[tokio::test]
async fn postgres_file_transaction_runners_have_no_crash_points() {
    // Diesel runs each migration in a transaction: a crash between the ADD and the DROP rolls
    // the whole file back, so the only retry is the full re-run, which passes.
    let db = ScratchDb::postgres();
    let dir = diesel_migrations(CRASH_ONLY);
    let mut diesel = options(&db, dir.path());
    diesel.layout = Some(preflight::layout::Layout::Diesel);
    let report = run_with(&db, diesel).await;
    assert_eq!(codes(&report), vec![]);
    let row = &report.json_extra["migrations"][0];
    assert_eq!(row["crash_points"]["possible"], 0);
    assert_eq!(row["result"], "proven");
    assert_eq!(row["apply_model"]["model"], "file-transaction");
    // Without a configured tool, the directory's Diesel layout is detected (as lint does).
    let detected = run_with(&db, options(&db, dir.path())).await;
    assert_eq!(codes(&detected), vec![]);
    assert_eq!(
        detected.json_extra["migrations"][0]["apply_model"]["model"],
        "file-transaction"
    );
    // The same file under a declared statement-by-statement model still fails at the crash
    // point, and so does it in a directory that names no tool.
    let mut each = options(&db, dir.path());
    each.layout = Some(preflight::layout::Layout::Diesel);
    each.apply_model = Some(preflight::runner::ApplyModel::StatementByStatement);
    assert_eq!(
        codes(&run_with(&db, each).await),
        [("VF103", "up.sql".to_string(), 2)]
    );
    let plain = migrations(&[("001_accounts.sql", CRASH_ONLY)]);
    assert_eq!(
        codes(&run_with(&db, options(&db, plain.path())).await),
        [("VF103", "001_accounts.sql".to_string(), 2)]
    );
    // A generic runner declared to apply each file in one transaction: no crash points either.
    let generic = migrations(&[("001_accounts.sql", CRASH_ONLY)]);
    let mut declared = options(&db, generic.path());
    declared.layout = Some(preflight::layout::Layout::Generic);
    declared.apply_model = Some(preflight::runner::ApplyModel::FileTransaction);
    assert_eq!(codes(&run_with(&db, declared).await), vec![]);
}

#[tokio::test]
async fn mariadb_commits_ddl_so_a_declared_file_transaction_keeps_every_crash_point() {
    let db = ScratchDb::mariadb();
    let dir = diesel_migrations(CRASH_ONLY);
    let mut diesel = options(&db, dir.path());
    diesel.layout = Some(preflight::layout::Layout::Diesel);
    diesel.apply_model = Some(preflight::runner::ApplyModel::FileTransaction);
    let report = run_with(&db, diesel).await;
    assert_eq!(codes(&report), [("VF103", "up.sql".to_string(), 2)]);
}

#[tokio::test]
async fn postgres_corpus_diesel_project_reports_no_crash_point_a_transaction_rules_out() {
    // vaultwarden's PostgreSQL migrations under Diesel (one transaction per migration): the
    // real-world retry (bench/verify_truth.py) fails only on full re-runs. Without the runner's
    // model verify reported crash-point failures no Diesel deploy can reach (VF103).
    let Some((root, _)) = common::corpus::manifest("vaultwarden verify test") else {
        return;
    };
    let db = ScratchDb::postgres();
    let dir = root.join("dani-garcia__vaultwarden/migrations/postgresql");
    let mut diesel = options(&db, &dir);
    diesel.layout = Some(preflight::layout::Layout::Diesel);
    let report = run_with(&db, diesel).await;
    let vf103: Vec<_> = codes(&report)
        .into_iter()
        .filter(|(code, _, _)| *code == "VF103")
        .collect();
    assert_eq!(vf103, vec![]);
    // Its re-run failures are still there (the first: CREATE TABLE users without IF NOT EXISTS).
    assert!(codes(&report).iter().any(|(code, _, _)| *code == "VF101"));
}

/// The scratch database has no revisions: Atlas starts it at the last checkpoint
/// (`-- atlas:checkpoint`, `FilesFromLastCheckpoint`), so the files before it are never run,
/// and are listed as such.
#[tokio::test]
async fn postgres_atlas_starts_at_the_last_checkpoint() {
    let db = ScratchDb::postgres();
    let report = prove(
        &db,
        &[
            ("atlas.sum", "h1:unused\n"),
            ("1_init.sql", "ALTER TABLE missing ADD COLUMN x int;\n"),
            (
                "2_checkpoint.sql",
                "-- atlas:checkpoint\n\nCREATE TABLE IF NOT EXISTS a (id int);\n",
            ),
            ("3_more.sql", "CREATE TABLE IF NOT EXISTS b (id int);\n"),
        ],
    )
    .await;
    assert_eq!(codes(&report), vec![]);
    let run: Vec<&str> = report.json_extra["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["file"].as_str().unwrap().rsplit('/').next().unwrap())
        .collect();
    assert_eq!(run, ["2_checkpoint.sql", "3_more.sql"]);
    let ignored = report.json_extra["ignored_files"].to_string();
    assert!(
        ignored.contains("1_init.sql")
            && ignored.contains("comes before the checkpoint 2_checkpoint.sql"),
        "{ignored}"
    );
}
