//! `--pending-since REV` / `[lint] pending_since`: a table an earlier migration creates is new
//! (no rows, no readers) only while that migration is pending, i.e. absent at REV. Each test
//! builds a real git repository in a temporary directory.

mod common;

use common::cli::{file_name, git, json_findings, preflight, write};
use predicates::prelude::*;
use std::path::Path;

/// A repository whose `main` holds one deployed Flyway migration creating `users`; the working
/// tree adds V2 (creates `invoices`) and V10 (indexes both tables). Natural order runs V2 first.
fn repo() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    git(repo, &["init", "-q", "-b", "main"]);
    write(
        repo,
        "db/migration/V1__create_users.sql",
        "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n",
    );
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "deployed"]);
    git(repo, &["checkout", "-q", "-b", "feature"]);
    write(
        repo,
        "db/migration/V2__create_invoices.sql",
        "CREATE TABLE invoices (id bigint PRIMARY KEY, user_id bigint);\n",
    );
    write(
        repo,
        "db/migration/V10__indexes.sql",
        "CREATE INDEX invoices_user_id ON invoices (user_id);\nCREATE INDEX users_email ON users (email);\n",
    );
    tmp
}

/// `(file name, line)` of each PF301 finding of `preflight lint ARGS` run in `dir`.
fn pf301(dir: &Path, args: &[&str]) -> Vec<(String, u64)> {
    let out = preflight(dir)
        .args(["lint", "--format", "json", "--fail-on", "never"])
        .args(["--select", "PF301"])
        .args(args)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let mut found: Vec<(String, u64)> = json_findings(&out)
        .iter()
        .map(|f| (file_name(f), f["line"].as_u64().unwrap()))
        .collect();
    found.sort();
    found
}

#[test]
fn a_table_an_earlier_pending_migration_creates_is_new() {
    let tmp = repo();
    let dir = tmp.path();
    // Without the setting, only the same file counts: both indexes are flagged.
    assert_eq!(
        pf301(dir, &["db/migration"]),
        [
            ("V10__indexes.sql".into(), 1),
            ("V10__indexes.sql".into(), 2)
        ]
    );
    // V2 is absent at main and runs before V10: `invoices` is empty and unused. `users` was
    // created by V1, which exists at main and may have been filled since.
    let only_users = [("V10__indexes.sql".to_string(), 2)];
    assert_eq!(
        pf301(dir, &["--pending-since", "main", "db/migration"]),
        only_users
    );
    // Linting the one file still looks at the pending files before it.
    assert_eq!(
        pf301(
            dir,
            &["--pending-since", "main", "db/migration/V10__indexes.sql"]
        ),
        only_users
    );
    // Once V2 is on main (deployed), `invoices` may hold rows: flagged again.
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "feature"]);
    git(dir, &["branch", "-f", "main", "HEAD"]);
    assert_eq!(
        pf301(dir, &["--pending-since", "main", "db/migration"]).len(),
        2
    );
}

#[test]
fn only_pending_migrations_that_run_earlier_count() {
    let tmp = repo();
    let dir = tmp.path();
    // V3 runs after V2 but before V10; a table V10 creates is not new for V3.
    write(
        dir,
        "db/migration/V3__index_later_table.sql",
        "CREATE INDEX audit_at ON audit (at);\n",
    );
    write(
        dir,
        "db/migration/V11__create_audit.sql",
        "CREATE TABLE audit (at timestamptz);\n",
    );
    let found = pf301(dir, &["--pending-since", "main", "db/migration"]);
    assert!(
        found.contains(&("V3__index_later_table.sql".into(), 1)),
        "{found:?}"
    );
    // A pending migration that drops the table ends it: the index after it is on a table that
    // is not the one V2 created.
    write(
        dir,
        "db/migration/V4__drop_invoices.sql",
        "DROP TABLE invoices;\n",
    );
    let found = pf301(dir, &["--pending-since", "main", "db/migration"]);
    assert!(found.contains(&("V10__indexes.sql".into(), 1)), "{found:?}");
}

#[test]
fn pending_since_is_read_from_the_configuration() {
    let tmp = repo();
    let dir = tmp.path();
    write(dir, "preflight.toml", "[lint]\npending_since = \"main\"\n");
    assert_eq!(
        pf301(dir, &["db/migration"]),
        [("V10__indexes.sql".to_string(), 2)]
    );
}

#[test]
fn an_unknown_revision_is_an_error_naming_the_setting() {
    let tmp = repo();
    let dir = tmp.path();
    preflight(dir)
        .args(["lint", "--pending-since", "no-such-ref", "db/migration"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--pending-since no-such-ref"));
    write(dir, "preflight.toml", "[lint]\npending_since = \"nope\"\n");
    preflight(dir)
        .args(["lint", "db/migration"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("[lint] pending_since"));
}

#[test]
fn only_the_up_part_of_a_pending_migration_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    git(repo, &["init", "-q", "-b", "main"]);
    let goose = |up: &str, down: &str| format!("-- +goose Up\n{up}\n-- +goose Down\n{down}\n");
    write(
        repo,
        "db/00001_users.sql",
        &goose("CREATE TABLE users (id bigint);", "DROP TABLE users;"),
    );
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "deployed"]);
    // The down section drops the table; a deploy never runs it, so `invoices` stays new.
    write(
        repo,
        "db/00002_invoices.sql",
        &goose(
            "CREATE TABLE invoices (id bigint, user_id bigint);",
            "DROP TABLE invoices;",
        ),
    );
    write(
        repo,
        "db/00003_index.sql",
        &goose(
            "CREATE INDEX invoices_user_id ON invoices (user_id);",
            "DROP INDEX invoices_user_id;",
        ),
    );
    assert_eq!(pf301(repo, &["--pending-since", "main", "db"]), Vec::new());
    assert_eq!(pf301(repo, &["db"]), [("00003_index.sql".to_string(), 2)]);
}

/// dbmate's versions are text and its files run in file-name order (`pkg/dbmate/db.go`,
/// `FindMigrations`): `001_invoices.sql` and `1_index.sql` are two migrations, not a duplicate,
/// and `10_audit.sql` runs before `9_audit_index.sql`, so both indexes are on new tables.
#[test]
fn dbmate_versions_differing_only_by_leading_zeros_are_two_migrations_in_name_order() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    git(repo, &["init", "-q", "-b", "main"]);
    let dbmate = |up: &str| format!("-- migrate:up\n{up}\n-- migrate:down\n");
    write(repo, "db/0_init.sql", &dbmate("SELECT 1;"));
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "deployed"]);
    write(
        repo,
        "db/001_invoices.sql",
        &dbmate("CREATE TABLE invoices (id bigint, user_id bigint);"),
    );
    write(
        repo,
        "db/1_index.sql",
        &dbmate("CREATE INDEX invoices_user_id ON invoices (user_id);"),
    );
    write(
        repo,
        "db/10_audit.sql",
        &dbmate("CREATE TABLE audit (at timestamptz);"),
    );
    write(
        repo,
        "db/9_audit_index.sql",
        &dbmate("CREATE INDEX audit_at ON audit (at);"),
    );
    let args = ["--tracker", "dbmate", "--pending-since", "main", "db"];
    assert_eq!(pf301(repo, &args), Vec::new());
    assert_eq!(
        pf301(repo, &["--tracker", "dbmate", "db"]),
        [
            ("1_index.sql".to_string(), 2),
            ("9_audit_index.sql".to_string(), 2)
        ]
    );
}

/// A Diesel directory with a sub-directory without `up.sql` is one `diesel migration run`
/// refuses whole (`FileBasedMigrations::from_path`): `--pending-since` lints it as plain lint
/// does, without the look-back (it has no run order), and PF007 names the sub-directory in
/// both, instead of `--pending-since` stopping on the refusal.
#[test]
fn a_diesel_directory_diesel_refuses_is_linted_as_without_pending_since() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    git(repo, &["init", "-q", "-b", "main"]);
    write(
        repo,
        "migrations/2024-01-01-000000_users/up.sql",
        "CREATE TABLE users (id bigint PRIMARY KEY);\n",
    );
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "deployed"]);
    write(
        repo,
        "migrations/2024-01-02-000000_invoices/up.sql",
        "CREATE TABLE invoices (id bigint, user_id bigint);\n",
    );
    write(
        repo,
        "migrations/2024-01-03-000000_index/up.sql",
        "CREATE INDEX invoices_user_id ON invoices (user_id);\n",
    );
    write(
        repo,
        "migrations/fixtures/seed.sql",
        "INSERT INTO users (id) VALUES (1) ON CONFLICT DO NOTHING;\n",
    );
    for tracker in [&[][..], &["--tracker", "diesel"][..]] {
        let plain = [tracker, &["migrations"]].concat();
        let pending = [tracker, &["--pending-since", "main", "migrations"]].concat();
        for args in [&plain, &pending] {
            let out = preflight(repo)
                .args(["lint", "--format", "json", "--fail-on", "never"])
                .args(["--select", "PF007,PF301"])
                .args(args)
                .assert()
                .code(0)
                .get_output()
                .stdout
                .clone();
            let found: Vec<(String, String)> = json_findings(&out)
                .iter()
                .map(|f| {
                    let message = f["message"].as_str().unwrap().to_string();
                    (file_name(f), format!("{} {message}", f["rule"]))
                })
                .collect();
            assert_eq!(found.len(), 2, "{args:?}: {found:#?}");
            assert_eq!(found[0].0, "up.sql", "{args:?}: {found:#?}");
            assert!(found[0].1.contains("PF301"), "{args:?}: {found:#?}");
            assert_eq!(found[1].0, "seed.sql", "{args:?}: {found:#?}");
            assert!(
                found[1].1.contains("PF007")
                    && found[1].1.contains("`fixtures/` has no up.sql, so `diesel migration run` refuses the whole migrations directory: \"Invalid migration directory"),
                "{args:?}: {found:#?}"
            );
        }
    }
}

/// Atlas checkpoints give a file more than one run (`sql/migrate/migrate.go`,
/// `Executor.Pending`): a database with history skips every checkpoint
/// (`SkipCheckpointFiles`), one that started at `20_checkpoint.sql` ran it and only the files
/// after it (`FilesFromLastCheckpoint`). A table is new for `40_index.sql` only when it is new
/// in both: `tags` (pending `30_tags.sql` runs in both) is; `audit` is not, since
/// `15_audit.sql` (a branch's file dated before the checkpoint merged meanwhile) never runs on
/// a database that started at the checkpoint; `users`, deployed, never is.
#[test]
fn atlas_a_table_is_new_only_when_new_in_every_run_checkpoints_give() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    git(repo, &["init", "-q", "-b", "main"]);
    write(
        repo,
        "db/10_users.sql",
        "CREATE TABLE users (id bigint, email text);\n",
    );
    write(
        repo,
        "db/20_checkpoint.sql",
        "-- atlas:checkpoint\n\nCREATE TABLE users (id bigint, email text);\n",
    );
    write(repo, "db/atlas.sum", "h1:unchecked-by-lint\n");
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "deployed"]);
    write(
        repo,
        "db/15_audit.sql",
        "CREATE TABLE audit (at timestamptz);\n",
    );
    write(repo, "db/30_tags.sql", "CREATE TABLE tags (label text);\n");
    write(
        repo,
        "db/40_index.sql",
        "CREATE INDEX audit_at ON audit (at);\nCREATE INDEX tags_label ON tags (label);\nCREATE INDEX users_email ON users (email);\n",
    );
    assert_eq!(
        pf301(repo, &["--pending-since", "main", "db"]),
        [
            ("40_index.sql".to_string(), 1),
            ("40_index.sql".to_string(), 3)
        ]
    );

    // A pending checkpoint counts as any pending migration in the run that starts at it, but
    // a database with history never runs it: `users`, which it creates, is still not new.
    write(
        repo,
        "db/35_checkpoint.sql",
        "-- atlas:checkpoint\n\nCREATE TABLE users (id bigint, email text);\nCREATE TABLE audit (at timestamptz);\nCREATE TABLE tags (label text);\n",
    );
    assert_eq!(
        pf301(repo, &["--pending-since", "main", "db"]),
        [
            ("40_index.sql".to_string(), 1),
            ("40_index.sql".to_string(), 3)
        ]
    );
}

/// A table a pending migration creates is new in its own schema only: `audit.events` leaves the
/// deployed `public.events` a live table. An unqualified name (no search_path of the file's
/// own) may be the default schema's.
#[test]
fn a_pending_table_is_new_in_its_own_schema_only() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    git(dir, &["init", "-q", "-b", "main"]);
    write(
        dir,
        "db/migration/V1__create_events.sql",
        "CREATE TABLE public.events (id bigint PRIMARY KEY, at timestamptz);\n",
    );
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "deployed"]);
    git(dir, &["checkout", "-q", "-b", "feature"]);
    write(
        dir,
        "db/migration/V2__create_audit.sql",
        "CREATE SCHEMA audit;\nCREATE TABLE audit.events (id bigint PRIMARY KEY, at timestamptz);\nCREATE TABLE invoices (id bigint PRIMARY KEY, user_id bigint);\n",
    );
    write(
        dir,
        "db/migration/V3__indexes.sql",
        "CREATE INDEX events_at ON public.events (at);\nCREATE INDEX audit_events_at ON audit.events (at);\nCREATE INDEX invoices_user_id ON public.invoices (user_id);\n",
    );
    assert_eq!(
        pf301(dir, &["--pending-since", "main", "db/migration"]),
        [("V3__indexes.sql".to_string(), 1)]
    );
}

/// A pending table's name is keyed as the file that uses it keys it: on PostgreSQL only the
/// ASCII letters of an unquoted name fold (`ÉInvoices` is `Éinvoices`, not `éinvoices`).
#[test]
fn a_pending_table_with_a_non_ascii_name_is_new() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    git(dir, &["init", "-q", "-b", "main"]);
    write(dir, "db/migration/V1__init.sql", "SELECT 1;\n");
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "deployed"]);
    git(dir, &["checkout", "-q", "-b", "feature"]);
    write(
        dir,
        "db/migration/V2__create_invoices.sql",
        "CREATE TABLE ÉInvoices (id bigint PRIMARY KEY, user_id bigint);\n",
    );
    write(
        dir,
        "db/migration/V3__indexes.sql",
        "CREATE INDEX invoices_user_id ON Éinvoices (user_id);\n",
    );
    assert_eq!(pf301(dir, &["--pending-since", "main", "db/migration"]), []);
}

/// A rename keeps a pending table new, in its schema, whether the rename is in a pending
/// migration before the file or in the file itself; a deployed table renamed is still live.
#[test]
fn a_pending_table_is_new_under_the_name_a_rename_gives_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    git(dir, &["init", "-q", "-b", "main"]);
    write(
        dir,
        "db/migration/V1__create_users.sql",
        "CREATE TABLE a.users (id bigint PRIMARY KEY, email text);\n",
    );
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "deployed"]);
    git(dir, &["checkout", "-q", "-b", "feature"]);
    write(
        dir,
        "db/migration/V2__tables.sql",
        "CREATE TABLE a.t (id bigint);\nALTER TABLE a.t RENAME TO u;\nCREATE TABLE a.p (id bigint);\nALTER TABLE a.users RENAME TO members;\n\
         CREATE TABLE a.orders_new (id bigint);\nDROP TABLE a.orders;\nALTER TABLE a.orders_new RENAME TO orders;\n",
    );
    write(
        dir,
        "db/migration/V3__indexes.sql",
        "CREATE INDEX u_id ON a.u (id);\nCREATE INDEX t_id ON a.t (id);\nCREATE INDEX members_email ON a.members (email);\nCREATE INDEX u_id_b ON b.u (id);\n\
         ALTER TABLE a.p RENAME TO q;\nCREATE INDEX q_id ON a.q (id);\n\
         CREATE INDEX orders_id ON a.orders (id);\n",
    );
    assert_eq!(
        pf301(dir, &["--pending-since", "main", "db/migration"]),
        [
            ("V3__indexes.sql".to_string(), 2),
            ("V3__indexes.sql".to_string(), 3),
            ("V3__indexes.sql".to_string(), 4),
            // A table swap: the deployed version reaches the copy by its live name.
            ("V3__indexes.sql".to_string(), 7),
        ]
    );
}

/// A DO block takes the locks of its body (PF314): an index on a table a pending migration
/// creates is no lock anybody waits for, so the file's first lock is the next statement's.
#[test]
fn a_do_block_lock_on_a_pending_table_is_not_the_first_lock() {
    let tmp = repo();
    let dir = tmp.path();
    write(
        dir,
        "db/migration/V10__indexes.sql",
        "DO $$ BEGIN CREATE INDEX invoices_user_id ON invoices (user_id); END $$;\nCREATE INDEX users_email ON users (email);\n",
    );
    let pf314 = |args: &[&str]| -> Vec<u64> {
        let out = preflight(dir)
            .args(["lint", "--format", "json", "--fail-on", "never"])
            .args(["--select", "PF314"])
            .args(args)
            .arg("db/migration")
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        json_findings(&out)
            .iter()
            .map(|f| f["line"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(pf314(&[]), [1]);
    assert_eq!(pf314(&["--pending-since", "main"]), [2]);
}

/// A migration of the directory that cannot be read (not UTF-8) leaves the look-back unknown:
/// which migrations are pending before a file, and what they create. A pending file says so
/// (PF001, unknown: the run fails unless `--allow-unknown`), naming the migration, instead of
/// being linted as if nothing pending came before it; a deployed file has no look-back to lose.
#[test]
fn a_pending_file_whose_look_back_met_an_unreadable_migration_is_reported_as_not_checked() {
    let tmp = repo();
    let dir = tmp.path();
    write(dir, "db/migration/V3__legacy.sql", b"SELECT 'caf\xe9';\n");
    let said = "the pending migrations before this file (--pending-since main) were not read: \
                db/migration/V3__legacy.sql: is not valid UTF-8 (line 1, byte 11); re-encode it as UTF-8";
    let lint = |args: &[&str], code: i32| {
        let out = preflight(dir)
            .args(["lint", "--format", "json", "--fail-on", "never"])
            .args(args)
            .assert()
            .code(code)
            .get_output()
            .stdout
            .clone();
        json_findings(&out)
            .iter()
            .filter(|f| f["rule"] == "PF001")
            .map(|f| {
                let unknown = f["unknown"] == true;
                (
                    f["line"].as_u64().unwrap(),
                    f["message"].as_str().unwrap().to_string(),
                    unknown,
                )
            })
            .collect::<Vec<_>>()
    };
    let pending_file = ["--pending-since", "main", "db/migration/V10__indexes.sql"];
    assert_eq!(lint(&pending_file, 1), [(1, said.to_string(), true)]);
    preflight(dir)
        .args(["lint", "--allow-unknown", "--fail-on", "never"])
        .args(pending_file)
        .assert()
        .code(0)
        .stdout(predicate::str::contains(format!("not checked: {said}")));
    // V1 is deployed (at main): nothing pending counts for it. Without the setting there is no
    // look-back.
    assert_eq!(
        lint(
            &[
                "--pending-since",
                "main",
                "db/migration/V1__create_users.sql"
            ],
            0
        ),
        []
    );
    assert_eq!(lint(&["db/migration/V10__indexes.sql"], 0), []);
}
