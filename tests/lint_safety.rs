//! The production-safety family (PF3xx) where fixtures cannot reach: fixes that depend on the
//! runner (`--tracker`), `[lint] postgres_version`, opt-in selection, DO blocks and tables the
//! file creates.

use preflight::diagnostics::{Applicability, Finding};
use preflight::fix::fix_source;
use preflight::lint::{lint_source, LintOptions};
use preflight::runner::Runner;
use preflight::source::SourceFile;
use preflight::sql::Dialect;

/// The PF3xx family alone, so that retry fixes (PF1xx) do not mix into the fixed text.
fn options(tracker: Option<&str>) -> LintOptions {
    LintOptions {
        dialect: Dialect::Postgres,
        select: vec!["PF3".into()],
        runner: tracker.map(|t| Runner::named(t).expect("known tracker")),
        ..LintOptions::default()
    }
}

fn lint(sql: &str, options: &LintOptions) -> Vec<Finding> {
    lint_source(&SourceFile::new("m.sql", sql), options)
}

fn codes(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.rule.code).collect()
}

fn of<'a>(findings: &'a [Finding], code: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.rule.code == code)
        .unwrap_or_else(|| panic!("no {code} in {:?}", codes(findings)))
}

#[test]
fn concurrently_is_a_safe_fix_only_outside_a_transaction() {
    let sql = "-- no-transaction\nCREATE INDEX idx_users_email ON users (email);\n";
    let outside = options(Some("sqlx"));
    let found = lint(sql, &outside);
    let fix = of(&found, "PF301").fix.as_ref().expect("a fix");
    assert_eq!(fix.applicability, Applicability::Safe);
    let fixed = fix_source(&SourceFile::new("m.sql", sql), &outside, false).fixed;
    assert_eq!(
        fixed,
        "-- no-transaction\nCREATE INDEX CONCURRENTLY idx_users_email ON users (email);\n"
    );

    // sqlx wraps a file without the marker in a transaction: CONCURRENTLY would fail there.
    let wrapped = "CREATE INDEX idx_users_email ON users (email);\n";
    let found = lint(wrapped, &outside);
    let finding = of(&found, "PF301");
    assert!(finding.fix.is_none());
    assert!(finding.notes[0].contains("runs this file in a transaction"));

    // Unknown tool: no fix either.
    let found = lint(sql, &options(None));
    assert!(of(&found, "PF301").fix.is_none());
}

#[test]
fn concurrently_fix_is_unsafe_in_a_file_of_several_statements() {
    let sql = "-- no-transaction\nDROP INDEX IF EXISTS a;\nSELECT 1;\n";
    let found = lint(sql, &options(Some("sqlx")));
    let fix = of(&found, "PF302").fix.as_ref().expect("a fix");
    assert_eq!(fix.applicability, Applicability::Unsafe);
}

#[test]
fn not_valid_split_is_an_unsafe_fix_that_keeps_the_rest_of_the_file() {
    let sql = "-- keep me\nalter table orders add constraint fk_user foreign key (user_id) references users (id);\n-- after\n";
    let opts = options(None);
    let safe_only = fix_source(&SourceFile::new("m.sql", sql), &opts, false).fixed;
    assert_eq!(safe_only, sql);
    let fixed = fix_source(&SourceFile::new("m.sql", sql), &opts, true).fixed;
    assert_eq!(
        fixed,
        "-- keep me\nalter table orders add constraint fk_user foreign key (user_id) references users (id) not valid;\nalter table orders validate constraint fk_user;\n-- after\n"
    );
    // Inside the runner's transaction the split would hold the lock anyway: no fix.
    let found = lint(sql, &options(Some("diesel")));
    assert!(of(&found, "PF309").fix.is_none());
}

#[test]
fn a_table_created_earlier_in_the_file_is_not_flagged() {
    let sql = "CREATE TABLE t (a int);\nCREATE INDEX i ON t (a);\nALTER TABLE t ADD COLUMN b int NOT NULL;\nALTER TABLE t ALTER COLUMN a TYPE bigint;\n";
    let found = lint(sql, &options(None));
    assert!(
        !codes(&found).iter().any(|c| c.starts_with("PF3")),
        "{:?}",
        codes(&found)
    );
    // Dropped and the name reused for an existing table: flagged again.
    let sql = "CREATE TABLE t (a int);\nDROP TABLE t;\nCREATE INDEX i ON t (a);\n";
    assert!(codes(&lint(sql, &options(None))).contains(&"PF301"));
}

#[test]
fn ddl_inside_a_do_block_is_checked() {
    let sql = "DO $$\nBEGIN\n  ALTER TABLE users ALTER COLUMN id TYPE bigint;\nEND\n$$;\n";
    let found = lint(sql, &options(None));
    let f = of(&found, "PF307");
    assert_eq!(f.location.start.map(|l| l.line), Some(3));
}

#[test]
fn constant_defaults_rewrite_only_before_postgres_11() {
    let sql = "ALTER TABLE users ADD COLUMN plan text DEFAULT 'free';\n";
    assert!(!codes(&lint(sql, &options(None))).contains(&"PF311"));
    let old = LintOptions {
        postgres_version: Some(10),
        ..options(None)
    };
    assert!(codes(&lint(sql, &old)).contains(&"PF311"));
}

/// Below the version a form needs, a rule neither suggests it nor lets it through: the
/// statement would be a syntax error and the deploy would fail.
#[test]
fn concurrent_forms_are_not_suggested_below_the_version_that_has_them() {
    let on = |version: u32| LintOptions {
        postgres_version: Some(version),
        ..options(None)
    };
    let message =
        |sql: &str, opts: &LintOptions, code: &str| of(&lint(sql, opts), code).message.clone();

    let reindex = "REINDEX INDEX idx_users_email;\n";
    assert!(message(reindex, &on(12), "PF303").contains("use REINDEX … CONCURRENTLY"));
    let old = message(reindex, &on(11), "PF303");
    assert!(!old.contains("use REINDEX … CONCURRENTLY"), "{old}");
    assert!(old.contains("CREATE INDEX CONCURRENTLY"), "{old}");
    let concurrent = "REINDEX INDEX CONCURRENTLY idx_users_email;\n";
    assert!(!codes(&lint(concurrent, &on(12))).contains(&"PF303"));
    assert!(message(concurrent, &on(11), "PF303").contains("needs PostgreSQL 12"));

    let detach = "ALTER TABLE measurements DETACH PARTITION measurements_2020;\n";
    assert!(message(detach, &on(14), "PF304").contains("use DETACH PARTITION … CONCURRENTLY"));
    let old = message(detach, &on(13), "PF304");
    assert!(!old.contains("CONCURRENTLY (PostgreSQL 14+)"), "{old}");
    assert!(old.contains("lock_timeout"), "{old}");
    let concurrent = "ALTER TABLE measurements DETACH PARTITION measurements_2020 CONCURRENTLY;\n";
    assert!(!codes(&lint(concurrent, &on(14))).contains(&"PF304"));
    assert!(message(concurrent, &on(13), "PF304").contains("needs PostgreSQL 14"));

    // SET NOT NULL: the check-constraint route skips the scan only from 12.
    let set = "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n";
    assert!(message(set, &on(12), "PF305").contains("then SET NOT NULL"));
    assert!(message(set, &on(11), "PF305").contains("instead of SET NOT NULL"));
    // A required column: a DEFAULT is the way out only from 11.
    let required = "ALTER TABLE users ADD COLUMN plan text NOT NULL;\n";
    assert!(message(required, &on(11), "PF306").contains("add a DEFAULT"));
    assert!(!message(required, &on(10), "PF306").contains("add a DEFAULT"));
}

#[test]
fn timeout_rules_run_only_when_named() {
    let sql = "ALTER TABLE users ADD COLUMN bio text;\n";
    assert!(!codes(&lint(sql, &options(None))).contains(&"PF314"));
    let prefix = LintOptions {
        select: vec!["PF3".into()],
        ..options(None)
    };
    assert!(!codes(&lint(sql, &prefix)).contains(&"PF314"));
    let named = LintOptions {
        select: vec!["PF3".into(), "missing-lock-timeout".into()],
        ..options(None)
    };
    let found = lint(sql, &named);
    assert!(codes(&found).contains(&"PF314"));
    let fixed = fix_source(&SourceFile::new("m.sql", sql), &named, true).fixed;
    assert_eq!(
        fixed,
        "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN bio text;\n"
    );
}

#[test]
fn begin_in_a_file_the_runner_wraps_is_nested() {
    let sql = "BEGIN;\nALTER TABLE users ADD COLUMN bio text;\nCOMMIT;\n";
    assert!(!codes(&lint(sql, &options(None))).contains(&"PF316"));
    assert!(codes(&lint(sql, &options(Some("diesel")))).contains(&"PF316"));
}

/// The codes of the lock and compatibility families (PF314 named: it is opt-in) on `line`.
fn lock_codes_at(sql: &str, line: usize) -> Vec<&'static str> {
    let options = LintOptions {
        select: vec!["PF3".into(), "PF4".into(), "PF314".into()],
        ..options(None)
    };
    lint(sql, &options)
        .iter()
        .filter(|f| f.location.start.as_ref().map(|l| l.line) == Some(line))
        .map(|f| f.rule.code)
        .collect()
}

/// A table the file creates is new in its own schema only: the same name in another schema is
/// a live table, locked and rewritten as any other (squawk issue #349 per schema). A name the
/// file leaves unqualified, with no search_path of its own, may be the created table.
#[test]
fn a_table_created_in_another_schema_leaves_the_same_named_table_live() {
    let create = "CREATE TABLE audit.events (id bigint PRIMARY KEY, at timestamptz);\n";
    for (then, code) in [
        ("CREATE INDEX events_at_idx ON public.events (at);", "PF301"),
        ("CREATE INDEX events_at_idx ON public.events (at);", "PF314"),
        (
            "ALTER TABLE public.events ADD CONSTRAINT events_user_fk FOREIGN KEY (user_id) REFERENCES users (id);",
            "PF309",
        ),
        (
            "ALTER TABLE public.events ADD CONSTRAINT events_user_fk FOREIGN KEY (user_id) REFERENCES users (id);",
            "PF453",
        ),
        ("ALTER TABLE public.events ADD COLUMN x int;", "PF448"),
        ("ALTER TABLE public.events ALTER COLUMN at TYPE text;", "PF307"),
        ("CREATE POLICY p ON public.events USING (true);", "PF440"),
        ("ALTER TABLE public.events DROP CONSTRAINT events_old;", "PF423"),
        ("ALTER TABLE public.events RENAME CONSTRAINT a TO b;", "PF425"),
    ] {
        let sql = format!("{create}{then}\n");
        assert!(lock_codes_at(&sql, 2).contains(&code), "{code} on {sql}");
    }
    // A column the file adds to one schema's table is not new on another's.
    let sql = "ALTER TABLE audit.events ADD COLUMN x int;\nALTER TABLE public.events ALTER COLUMN x TYPE bigint;\n";
    assert!(lock_codes_at(sql, 2).contains(&"PF307"), "{sql}");
    // Under the file's own search_path an unqualified creation is in its first schema.
    let sql = "SET search_path TO audit;\nCREATE TABLE events (id int, at timestamptz);\nCREATE INDEX events_at_idx ON public.events (at);\n";
    assert!(lock_codes_at(sql, 3).contains(&"PF301"), "{sql}");
    // An index built on another schema's table, dropped later, is not an index of a new table.
    let sql = "CREATE TABLE audit.t (id int);\nCREATE INDEX i ON public.t (id);\nDROP INDEX i;\n";
    assert!(lock_codes_at(sql, 3).contains(&"PF302"), "{sql}");
    // A table renamed into the created table's name, in another schema, is the live one.
    let sql = "CREATE TABLE a.u (id int);\nALTER TABLE b.t RENAME TO u;\nCREATE INDEX u_id_idx ON b.u (id);\n";
    assert!(lock_codes_at(sql, 3).contains(&"PF301"), "{sql}");

    // The created table itself stays quiet: named as created, or as the file resolves it.
    for (sql, line) in [
        (
            "CREATE TABLE audit.events (id int, at timestamptz);\nCREATE INDEX events_at_idx ON audit.events (at);\n",
            2,
        ),
        (
            "CREATE TABLE events (id int, at timestamptz);\nCREATE INDEX events_at_idx ON events (at);\n",
            2,
        ),
        (
            "CREATE TABLE events (id int, at timestamptz);\nCREATE INDEX events_at_idx ON public.events (at);\n",
            2,
        ),
        (
            "CREATE TABLE public.events (id int, at timestamptz);\nCREATE INDEX events_at_idx ON events (at);\n",
            2,
        ),
        (
            "SET search_path TO audit;\nCREATE TABLE events (id int, at timestamptz);\nCREATE INDEX events_at_idx ON audit.events (at);\n",
            3,
        ),
        (
            "CREATE TABLE audit.events (id int, at timestamptz);\nALTER TABLE audit.events ADD CONSTRAINT events_at_check CHECK (at IS NOT NULL);\n",
            2,
        ),
        // Another schema's table renamed away leaves the created one new.
        (
            "CREATE TABLE a.t (id int);\nALTER TABLE b.t RENAME TO u;\nCREATE INDEX t_id_idx ON a.t (id);\n",
            3,
        ),
    ] {
        assert_eq!(lock_codes_at(sql, line), Vec::<&str>::new(), "{sql}");
    }
    // (A DROP INDEX still takes the file's first lock, PF314.)
    let sql = "CREATE TABLE audit.t (id int);\nCREATE INDEX i ON audit.t (id);\nDROP INDEX i;\n";
    assert_eq!(lock_codes_at(sql, 3), ["PF314"], "{sql}");
}

/// A rename keeps what the file created: `ALTER TABLE a.t RENAME TO u` of a table the file
/// created makes `a.u` new (the same table, in the same schema), and a column the file added
/// stays new under the name it is renamed to. A live table renamed to a name the file created
/// and dropped is still live.
#[test]
fn a_table_the_file_created_is_new_under_the_name_it_is_renamed_to() {
    let create =
        "CREATE TABLE a.t (id bigint PRIMARY KEY, at timestamptz);\nALTER TABLE a.t RENAME TO u;\n";
    for then in [
        "CREATE INDEX u_at_idx ON a.u (at);",
        "ALTER TABLE a.u ADD CONSTRAINT u_user_fk FOREIGN KEY (user_id) REFERENCES users (id);",
        "ALTER TABLE a.u ADD COLUMN x bigint;",
        "ALTER TABLE a.u ALTER COLUMN at TYPE text;",
        "ALTER TABLE a.u ALTER COLUMN at SET NOT NULL;",
        "CREATE POLICY p ON a.u USING (true);",
    ] {
        let sql = format!("{create}{then}\n");
        assert_eq!(lock_codes_at(&sql, 3), Vec::<&str>::new(), "{sql}");
    }
    for sql in [
        // Unqualified, without a search_path of the file's.
        "CREATE TABLE t (id int);\nALTER TABLE t RENAME TO u;\nCREATE INDEX u_id_idx ON u (id);\n",
        // Under the file's own search_path.
        "SET search_path TO a;\nCREATE TABLE t (id int);\nALTER TABLE t RENAME TO u;\nCREATE INDEX u_id_idx ON a.u (id);\n",
        // Renamed twice.
        "CREATE TABLE a.t (id int);\nALTER TABLE a.t RENAME TO u;\nALTER TABLE a.u RENAME TO v;\nCREATE INDEX v_id_idx ON a.v (id);\n",
    ] {
        let line = sql.lines().count();
        assert_eq!(lock_codes_at(sql, line), Vec::<&str>::new(), "{sql}");
    }
    // A column the file added, renamed: no running version writes it.
    let sql = "ALTER TABLE a.live ADD COLUMN x bigint;\nALTER TABLE a.live RENAME COLUMN x TO y;\nALTER TABLE a.live ALTER COLUMN y DROP DEFAULT;\n";
    assert_eq!(lock_codes_at(sql, 3), Vec::<&str>::new(), "{sql}");
    // ... but the table has rows: changing the column's type still rewrites it.
    let sql = "ALTER TABLE a.live ADD COLUMN x int;\nALTER TABLE a.live RENAME COLUMN x TO y;\nALTER TABLE a.live ALTER COLUMN y TYPE bigint;\n";
    assert!(lock_codes_at(sql, 3).contains(&"PF307"), "{sql}");

    for (sql, line) in [
        // The rename keeps the schema: `a.u`, not `b.u`.
        ("CREATE TABLE a.t (id int);\nALTER TABLE a.t RENAME TO u;\nCREATE INDEX u_id_idx ON b.u (id);\n", 3),
        // A live table renamed to a name the file created and dropped.
        ("CREATE TABLE u (id int);\nDROP TABLE u;\nALTER TABLE live RENAME TO u;\nCREATE INDEX u_id_idx ON u (id);\n", 4),
        ("CREATE TABLE a.u (id int);\nDROP TABLE a.u;\nALTER TABLE a.live RENAME TO u;\nCREATE INDEX u_id_idx ON a.u (id);\n", 4),
        // A live table renamed to the name the file's table had before its own rename.
        ("CREATE TABLE t (id int);\nALTER TABLE t RENAME TO u;\nALTER TABLE live RENAME TO t;\nCREATE INDEX t_id_idx ON t (id);\n", 4),
        // Renamed away: a live table of that name is not the file's.
        ("CREATE TABLE a.t (id int);\nALTER TABLE a.t RENAME TO u;\nCREATE INDEX t_id_idx ON a.t (id);\n", 3),
        // A table swap: the running version reaches the copy, rows and all, by the live name
        // once the rename commits (outside a transaction), so an index build locks its writes.
        ("CREATE TABLE users_new (id int);\nINSERT INTO users_new SELECT id FROM users;\nDROP TABLE users;\nALTER TABLE users_new RENAME TO users;\nCREATE INDEX users_id_idx ON users (id);\n", 5),
        ("CREATE TABLE users_new (id int);\nALTER TABLE users RENAME TO users_old;\nALTER TABLE users_new RENAME TO users;\nCREATE INDEX users_id_idx ON users (id);\n", 4),
    ] {
        assert!(lock_codes_at(sql, line).contains(&"PF301"), "{sql}");
    }
}

/// The retry rules (PF1xx) read what the file did to the old and new names without the
/// production-safety rules' carrying through renames: their findings on a renamed new table
/// are those of the file without the rename's carry.
#[test]
fn a_rename_of_a_new_table_leaves_the_retry_findings_as_they_were() {
    let options = LintOptions {
        dialect: Dialect::Postgres,
        select: vec!["PF1".into()],
        ..LintOptions::default()
    };
    let lines = |sql: &str| -> Vec<(usize, &'static str)> {
        lint(sql, &options)
            .iter()
            .map(|f| (f.location.start.as_ref().map_or(0, |l| l.line), f.rule.code))
            .collect()
    };
    let sql = "CREATE TABLE a.t (id int, v int);\nALTER TABLE a.t RENAME TO u;\nCREATE INDEX u_id_idx ON a.u (id);\n\
               ALTER TABLE a.u ADD CONSTRAINT u_fk FOREIGN KEY (id) REFERENCES users (id);\n\
               ALTER TABLE a.u ADD COLUMN x int;\n";
    assert_eq!(
        lines(sql),
        [
            (1, "PF101"),
            (2, "PF118"),
            (3, "PF102"),
            (4, "PF116"),
            (5, "PF108")
        ]
    );
    let sql = "ALTER TABLE live ADD COLUMN a int;\nALTER TABLE live RENAME COLUMN a TO b;\nALTER TABLE live ADD COLUMN b int;\n";
    assert_eq!(lines(sql), [(1, "PF108"), (2, "PF118"), (3, "PF108")]);
}

/// PF314/PF315 with both selected by name (they are opt-in).
fn timeouts() -> LintOptions {
    LintOptions {
        select: vec!["PF314".into(), "PF315".into()],
        ..options(None)
    }
}

/// `(code, line, column)` of each finding.
fn where_found(sql: &str, options: &LintOptions) -> Vec<(&'static str, usize, usize)> {
    lint(sql, options)
        .iter()
        .map(|f| {
            let at = f.location.start.as_ref().expect("a location");
            (f.rule.code, at.line, at.column)
        })
        .collect()
}

/// A DO block takes the locks of the statements in its body: the first of them, on a table the
/// file did not create, is the file's first lock (PF314/PF315 point at it), and the SET the fix
/// adds goes before the DO statement, where it is in effect for the whole block.
#[test]
fn a_lock_taken_inside_a_do_block_is_the_files_first_lock() {
    let sql = "DO $$ BEGIN ALTER TABLE accounts ADD COLUMN x int; END $$;\n";
    assert_eq!(
        where_found(sql, &timeouts()),
        [("PF314", 1, 13), ("PF315", 1, 13)],
        "{sql}"
    );
    let fixed = fix_source(&SourceFile::new("m.sql", sql), &timeouts(), true).fixed;
    assert_eq!(
        fixed,
        format!("SET lock_timeout = '5s';\nSET statement_timeout = '5min';\n{sql}")
    );
    // Behind a catalog check, and lower case (the SET follows the DO's case).
    let sql = "do $$ begin\n  if not exists (select 1 from pg_indexes where indexname = 'i') then\n    create index i on accounts (a);\n  end if;\nend $$;\n";
    assert_eq!(
        where_found(sql, &timeouts()),
        [("PF314", 3, 5), ("PF315", 3, 5)],
        "{sql}"
    );
    let fixed = fix_source(&SourceFile::new("m.sql", sql), &timeouts(), true).fixed;
    assert!(
        fixed.starts_with("set lock_timeout = '5s';\nset statement_timeout = '5min';\ndo $$"),
        "{fixed}"
    );
    // Once: the block's second lock and the statements after it come after the first lock.
    let sql = "DO $$ BEGIN\n  ALTER TABLE accounts ADD COLUMN x int;\n  ALTER TABLE users ADD COLUMN y int;\nEND $$;\nALTER TABLE orders ADD COLUMN z int;\n";
    assert_eq!(
        where_found(sql, &timeouts()),
        [("PF314", 2, 3), ("PF315", 2, 3)],
        "{sql}"
    );
    // A body statement whose guard lint drops (the file drops the type the statement before it
    // makes, so the handler no longer skips it) is still the one that takes the lock.
    let sql = "DO $$ BEGIN\n  CREATE TYPE mood AS ENUM ('a');\n  ALTER TABLE accounts ADD COLUMN m mood;\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $$;\nDROP TYPE mood CASCADE;\n";
    assert_eq!(
        where_found(sql, &timeouts()),
        [("PF314", 3, 3), ("PF315", 3, 3)],
        "{sql}"
    );
}

/// `LOCK`, `TRUNCATE` and `CLUSTER` in a DO body take their table's lock as they do at the top
/// level; a variable of that name (declared, assigned, or a CASE expression's value) is no such
/// statement.
#[test]
fn lock_truncate_and_cluster_in_a_do_body_are_the_files_first_lock() {
    for (sql, expected) in [
        (
            "DO $$ BEGIN LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE; END $$;\n",
            vec![("PF314", 1, 13), ("PF315", 1, 13)],
        ),
        (
            "DO $$ BEGIN\n  IF true THEN\n    TRUNCATE accounts;\n  END IF;\nEND $$;\n",
            vec![("PF314", 3, 5), ("PF315", 3, 5)],
        ),
        (
            "DO $$ BEGIN\n  CLUSTER accounts USING accounts_pkey;\nEND $$;\n",
            vec![("PF314", 2, 3), ("PF315", 2, 3)],
        ),
        (
            "DO $$\nDECLARE\n  lock boolean;\n  truncate int;\nBEGIN\n  lock := pg_try_advisory_lock(1);\n  lock = true;\n  \
             SELECT CASE WHEN lock THEN truncate ELSE cluster END INTO truncate FROM accounts;\nEND $$;\n\
             ALTER TABLE accounts ADD COLUMN x int;\n",
            vec![("PF314", 10, 1), ("PF315", 10, 1)],
        ),
    ] {
        assert_eq!(where_found(sql, &timeouts()), expected, "{sql}");
    }
    let cluster = LintOptions {
        select: vec!["PF313".into()],
        ..options(None)
    };
    let sql = "DO $$ BEGIN\n  CLUSTER accounts USING accounts_pkey;\nEND $$;\n";
    assert_eq!(where_found(sql, &cluster), [("PF313", 2, 3)], "{sql}");
}

/// What keeps PF314/PF315 quiet at the top level keeps them quiet in a DO body: a SET before
/// the block (or in the body, before the lock), a table the file created before, or one the
/// body created before.
#[test]
fn a_do_block_lock_on_a_new_table_or_after_a_set_is_not_flagged() {
    for (sql, expected) in [
        (
            "SET lock_timeout = '5s';\nSET statement_timeout = '5min';\nDO $$ BEGIN ALTER TABLE accounts ADD COLUMN x int; END $$;\n",
            vec![],
        ),
        (
            "DO $$ BEGIN\n  SET lock_timeout = '5s';\n  ALTER TABLE accounts ADD COLUMN x int;\nEND $$;\n",
            vec![("PF315", 3, 3)],
        ),
        (
            "DO $$ BEGIN\n  PERFORM set_config('statement_timeout', '5min', false);\n  ALTER TABLE accounts ADD COLUMN x int;\nEND $$;\n",
            vec![("PF314", 3, 3)],
        ),
        // A SET after the lock is too late.
        (
            "DO $$ BEGIN\n  ALTER TABLE accounts ADD COLUMN x int;\n  SET lock_timeout = '5s';\nEND $$;\n",
            vec![("PF314", 2, 3), ("PF315", 2, 3)],
        ),
        (
            "CREATE TABLE accounts (id int);\nDO $$ BEGIN ALTER TABLE accounts ADD COLUMN x int; END $$;\n",
            vec![],
        ),
        (
            "DO $$ BEGIN\n  CREATE TABLE accounts (id int);\n  CREATE INDEX accounts_id_idx ON accounts (id);\nEND $$;\n",
            vec![],
        ),
        // The body's new table is exempt, the live one after it is not.
        (
            "DO $$ BEGIN\n  CREATE TABLE accounts (id int);\n  CREATE INDEX accounts_id_idx ON accounts (id);\n  ALTER TABLE users ADD COLUMN x int;\nEND $$;\n",
            vec![("PF314", 4, 3), ("PF315", 4, 3)],
        ),
        // A block that takes no lock leaves the first lock to the statement after it.
        (
            "DO $$ BEGIN RAISE NOTICE 'hi'; END $$;\nALTER TABLE accounts ADD COLUMN x int;\n",
            vec![("PF314", 2, 1), ("PF315", 2, 1)],
        ),
    ] {
        assert_eq!(where_found(sql, &timeouts()), expected, "{sql}");
    }
}

/// A call of a routine the file defines takes the locks of the body it runs: the finding points
/// at the body's statement, and the SET goes before the call.
#[test]
fn a_lock_a_called_routine_takes_is_the_files_first_lock() {
    let sql = "CREATE OR REPLACE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN ALTER TABLE accounts ADD COLUMN x int; END $$;\nCALL p();\nALTER TABLE orders ADD COLUMN z int;\n";
    let found = lint(sql, &timeouts());
    assert_eq!(
        where_found(sql, &timeouts()),
        [("PF314", 1, 62), ("PF315", 1, 62)],
        "{sql}"
    );
    assert!(of(&found, "PF314")
        .notes
        .iter()
        .any(|n| n.contains("CALL p()")));
    let fixed = fix_source(&SourceFile::new("m.sql", sql), &timeouts(), true).fixed;
    assert_eq!(
        fixed,
        sql.replace(
            "CALL p();",
            "SET lock_timeout = '5s';\nSET statement_timeout = '5min';\nCALL p();"
        )
    );
}

/// A routine's `TRUNCATE` (ranger's `truncate_rms_tables()`), `LOCK` or `CLUSTER` takes its
/// table's lock when the file calls it, as a DO block's does; a variable of that name is no
/// such statement.
#[test]
fn a_called_routines_truncate_is_the_files_first_lock() {
    let sql = "CREATE OR REPLACE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\nDECLARE\n  lock boolean;\n\
               BEGIN\n  lock := true;\n  TRUNCATE TABLE accounts;\nEND $$;\nSELECT f();\n\
               ALTER TABLE orders ADD COLUMN z int;\n";
    assert_eq!(
        where_found(sql, &timeouts()),
        [("PF314", 6, 3), ("PF315", 6, 3)],
        "{sql}"
    );
    let sql = "CREATE OR REPLACE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\nDECLARE\n  lock boolean;\n\
               BEGIN\n  lock := true;\nEND $$;\nSELECT f();\nALTER TABLE orders ADD COLUMN z int;\n";
    assert_eq!(
        where_found(sql, &timeouts()),
        [("PF314", 8, 1), ("PF315", 8, 1)],
        "{sql}"
    );
}

/// A `REINDEX` in a DO body or a called routine's body takes its locks as at the top level
/// (PF314/PF315 point at it; a variable of that name is no such statement), and PF303 there
/// does not ask for `REINDEX CONCURRENTLY`, which PostgreSQL refuses in a block (`REINDEX
/// CONCURRENTLY cannot be executed from a function`): it says to move the REINDEX out.
#[test]
fn a_reindex_in_a_body_is_the_files_first_lock_and_pf303_does_not_ask_for_concurrently() {
    let in_do = "DO $$\nDECLARE\n  reindex boolean;\nBEGIN\n  reindex := true;\n  REINDEX (VERBOSE) INDEX accounts_pkey;\nEND $$;\n";
    let in_routine = "CREATE OR REPLACE PROCEDURE p() LANGUAGE plpgsql AS $$\nBEGIN\n  REINDEX TABLE accounts;\nEND $$;\nCALL p();\n";
    for (sql, line, column) in [(in_do, 6, 3), (in_routine, 3, 3)] {
        assert_eq!(
            where_found(sql, &timeouts()),
            [("PF314", line, column), ("PF315", line, column)],
            "{sql}"
        );
        let found = lint(sql, &options(None));
        let message = &of(&found, "PF303").message;
        assert!(!message.contains("use REINDEX"), "{message}");
        assert!(message.contains("outside the block"), "{message}");
        let old = LintOptions {
            postgres_version: Some(11),
            ..options(None)
        };
        let found = lint(sql, &old);
        let message = &of(&found, "PF303").message;
        assert!(message.contains("outside the block"), "{message}");
    }
    let fixed = fix_source(&SourceFile::new("m.sql", in_do), &timeouts(), true).fixed;
    assert_eq!(
        fixed,
        format!("SET lock_timeout = '5s';\nSET statement_timeout = '5min';\n{in_do}")
    );
    // At the top level PF303 still asks for it.
    let top = lint("REINDEX INDEX accounts_pkey;\n", &options(None));
    assert!(of(&top, "PF303")
        .message
        .contains("use REINDEX … CONCURRENTLY"));
}
