//! Where preflight and squawk disagree by design (docs/squawk.md, "Disagreement categories"),
//! the real PostgreSQL decides: for one representative statement per category, these tests
//! measure what the server does (is the table rewritten: `pg_relation_filenode` changes; which
//! lock does the statement take: `pg_locks` of the session inside a transaction; is a write of
//! the running version rejected) and assert that preflight's verdict follows the measurement.
//! Each category has a contrasting statement the other way, so a measurement that always gave
//! the same answer would fail one of the two.

mod common;

use common::ScratchDb;
use preflight::lint::{lint_source, LintOptions};
use preflight::source::SourceFile;
use preflight::sql::Dialect;
use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The codes preflight reports on `sql` with only `codes` selected (opt-in rules included).
fn flagged(sql: &str, codes: &[&str]) -> Vec<String> {
    let options = LintOptions {
        dialect: Dialect::Postgres,
        select: codes.iter().map(|c| c.to_string()).collect(),
        ..LintOptions::default()
    };
    lint_source(&SourceFile::new("m.sql", sql), &options)
        .into_iter()
        .map(|f| f.rule.code.to_string())
        .collect()
}

fn flags(sql: &str, code: &str) -> bool {
    flagged(sql, &[code]).iter().any(|c| c == code)
}

/// A scratch database with `items` (an existing table with rows, as in production).
fn with_items() -> ScratchDb {
    let db = ScratchDb::postgres();
    db.exec(
        "CREATE TABLE items (id int PRIMARY KEY, name text);
         INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 1000) g;",
    );
    db
}

fn filenode(db: &ScratchDb, table: &str) -> String {
    db.query(&format!("SELECT pg_relation_filenode('{table}')"))[0].clone()
}

/// Does `statement` rewrite `table` (a new relfilenode)? The statement is committed.
fn rewrites(db: &ScratchDb, table: &str, statement: &str) -> bool {
    let before = filenode(db, table);
    db.exec(statement);
    before != filenode(db, table)
}

/// The lock modes `statement` takes on `table`, read from `pg_locks` of the same session
/// inside a transaction that is then rolled back.
fn locks(db: &ScratchDb, table: &str, statement: &str) -> Vec<String> {
    db.query(&format!(
        "BEGIN; {statement}; SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() \
         AND locktype = 'relation' AND relation = '{table}'::regclass AND granted ORDER BY mode; \
         ROLLBACK;"
    ))
}

/// The lock modes PostgreSQL documents as conflicting with the application's reads
/// (ACCESS SHARE) or writes (ROW EXCLUSIVE).
const BLOCKS_READS_OR_WRITES: [&str; 4] = [
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
];

/// A psql session kept open, fed through its stdin.
struct Session(Child);

impl Session {
    fn open(db: &ScratchDb, name: &str) -> Session {
        let child = Command::new("psql")
            .args(["-h", "127.0.0.1", "-U", "postgres", "-X", "-q", "-A", "-t"])
            .args(["-d", &db.name])
            .env("PGAPPNAME", name)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("psql is installed");
        Session(child)
    }

    fn send(&mut self, sql: &str) {
        let stdin = self.0.stdin.as_mut().expect("stdin");
        writeln!(stdin, "{sql}").unwrap();
        stdin.flush().unwrap();
    }

    /// Ends the session; its stderr.
    fn finish(mut self) -> String {
        drop(self.0.stdin.take());
        let out = self.0.wait_with_output().expect("psql ends");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

/// Polls `query` until it returns a row, for up to 10 s.
fn wait_for(db: &ScratchDb, query: &str) -> Vec<String> {
    let start = Instant::now();
    loop {
        let rows = db.query(query);
        if !rows.is_empty() {
            return rows;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for: {query}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// negative-constant (`adding-field-with-default`: squawk flags, preflight does not).
#[test]
fn negative_constant_default_does_not_rewrite() {
    let db = with_items();
    let sql = "ALTER TABLE items ADD COLUMN height int NOT NULL DEFAULT -1";
    assert!(
        !rewrites(&db, "items", sql),
        "a constant default is stored in the catalog"
    );
    assert_eq!(db.query("SELECT DISTINCT height FROM items"), ["-1"]);
    assert!(!flags(&format!("{sql};"), "PF311"));

    // Contrast: a volatile default does rewrite, and PF311 says so.
    let volatile =
        "ALTER TABLE items ADD COLUMN seen timestamptz NOT NULL DEFAULT clock_timestamp()";
    assert!(rewrites(&db, "items", volatile));
    assert!(flags(&format!("{volatile};"), "PF311"));
}

/// serial-column (`adding-field-with-default`: preflight flags, squawk does not).
#[test]
fn serial_column_rewrites_the_table() {
    let db = with_items();
    let sql = "ALTER TABLE items ADD COLUMN seq serial";
    assert!(
        rewrites(&db, "items", sql),
        "nextval() is computed for every row"
    );
    assert_eq!(
        db.query("SELECT count(DISTINCT seq) FROM items"),
        ["1000"],
        "every existing row got its own value"
    );
    assert!(flags(&format!("{sql};"), "PF311"));
    // Under ACCESS EXCLUSIVE: reads and writes wait for the rewrite.
    assert!(
        locks(&db, "items", "ALTER TABLE items ADD COLUMN seq2 bigserial")
            .contains(&"AccessExclusiveLock".to_string())
    );
}

/// serial-column (`adding-required-field`: squawk flags, preflight does not).
#[test]
fn serial_primary_key_column_succeeds_on_a_table_with_rows() {
    let db = with_items();
    db.exec("ALTER TABLE items DROP CONSTRAINT items_pkey");
    let sql = "ALTER TABLE items ADD COLUMN seq serial PRIMARY KEY";
    db.try_exec(sql)
        .expect("the serial's default fills every existing row");
    assert!(!flags(&format!("{sql};"), "PF306"));

    // Contrast: a NOT NULL column without a default fails on the same table, and PF306 says so.
    let required = "ALTER TABLE items ADD COLUMN owner int NOT NULL";
    let err = db
        .try_exec(required)
        .expect_err("existing rows have no value");
    assert!(err.contains("contains null values"), "{err}");
    assert!(flags(&format!("{required};"), "PF306"));
}

/// not-null-with-default (`ban-new-write-restriction`: squawk flags, preflight does not).
#[test]
fn not_null_with_default_accepts_the_running_versions_inserts() {
    let db = with_items();
    // The running version's insert names the columns it knows.
    let old_insert = "INSERT INTO items (id, name) VALUES (5001, 'new')";
    let sql = "ALTER TABLE items ADD COLUMN lang varchar(20) DEFAULT 'browser' NOT NULL";
    db.exec(sql);
    db.try_exec(old_insert)
        .expect("the default fills the column the insert leaves out");
    assert_eq!(
        db.query("SELECT lang FROM items WHERE id = 5001"),
        ["browser"]
    );
    assert!(!flags(&format!("{sql};"), "PF453"));

    // Contrast: NOT NULL without a default rejects that insert, and PF453 says so.
    // (Added with a default for the existing rows, which is then dropped.)
    db.exec("ALTER TABLE items ADD COLUMN region text NOT NULL DEFAULT 'eu'");
    db.exec("ALTER TABLE items ALTER COLUMN region DROP DEFAULT");
    let err = db
        .try_exec("INSERT INTO items (id, name) VALUES (5002, 'new')")
        .expect_err("the running version does not send region");
    assert!(err.contains("violates not-null constraint"), "{err}");
    assert!(flags(
        "ALTER TABLE items ADD COLUMN country text NOT NULL;",
        "PF453"
    ));
}

/// deferred-constraint (`ban-new-write-restriction`: squawk flags `INITIALLY DEFERRED`,
/// preflight flags the tightening forms instead).
#[test]
fn initially_deferred_accepts_more_and_immediate_accepts_less() {
    let db = ScratchDb::postgres();
    db.exec(
        "CREATE TABLE parent (id int PRIMARY KEY);
         CREATE TABLE child (id int PRIMARY KEY,
             parent_id int CONSTRAINT child_parent_fkey REFERENCES parent DEFERRABLE);",
    );
    // The running version's transaction writes the child before its parent.
    let child_first = |id: i32| {
        db.try_exec(&format!(
            "BEGIN; INSERT INTO child VALUES ({id}, {id}); INSERT INTO parent VALUES ({id}); COMMIT;"
        ))
    };
    let parent_first = |id: i32| {
        db.try_exec(&format!(
            "BEGIN; INSERT INTO parent VALUES ({id}); INSERT INTO child VALUES ({id}, {id}); COMMIT;"
        ))
    };
    // Checked at each statement (INITIALLY IMMEDIATE): child-first is rejected.
    assert!(child_first(1).is_err());
    parent_first(2).expect("the usual order");

    let deferred = "ALTER TABLE child ALTER CONSTRAINT child_parent_fkey INITIALLY DEFERRED";
    db.exec(deferred);
    child_first(3).expect("checked at commit, when the parent exists");
    parent_first(4).expect("what passed before passes now");
    assert!(!flags(&format!("{deferred};"), "PF453"));

    // Contrast: going back to INITIALLY IMMEDIATE rejects a transaction that passed, and
    // PF453 says so.
    let immediate = "ALTER TABLE child ALTER CONSTRAINT child_parent_fkey INITIALLY IMMEDIATE";
    db.exec(immediate);
    assert!(child_first(5).is_err());
    assert!(flags(&format!("{immediate};"), "PF453"));
}

/// new-generated-column (`ban-alter-generated-expression`: squawk flags adding one, preflight
/// does not; the rewrite is PF311's).
#[test]
fn new_generated_column_rewrites_but_changes_no_existing_value() {
    let db = with_items();
    let before = db.query("SELECT id, name FROM items ORDER BY id");
    let sql =
        "ALTER TABLE items ADD COLUMN upper_name text GENERATED ALWAYS AS (upper(name)) STORED";
    assert!(rewrites(&db, "items", sql));
    assert_eq!(
        db.query("SELECT id, name FROM items ORDER BY id"),
        before,
        "the columns the running version reads keep their values"
    );
    let found = flagged(&format!("{sql};"), &["PF311", "PF430"]);
    assert!(found.contains(&"PF311".to_string()), "{found:?}");
    assert!(!found.contains(&"PF430".to_string()), "{found:?}");

    // Contrast: changing the expression does change what the running version reads, and
    // PF430 says so.
    let change = "ALTER TABLE items ALTER COLUMN upper_name SET EXPRESSION AS (lower(name))";
    if db.try_exec(change).is_ok() {
        // PostgreSQL 17+: the values change.
        assert_eq!(
            db.query("SELECT upper_name FROM items WHERE id = 1"),
            ["item 1"]
        );
    }
    assert!(flags(&format!("{change};"), "PF430"));
}

/// no-table-lock (timeout rules: squawk asks for `lock_timeout` before any first statement,
/// preflight only before one that locks a table the application uses).
#[test]
fn statements_without_a_conflicting_table_lock_need_no_lock_timeout() {
    let db = with_items();
    for statement in [
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "CREATE SEQUENCE s",
        "CREATE TYPE mood AS ENUM ('ok')",
        "COMMENT ON TABLE items IS 'catalogue'",
        "GRANT SELECT ON items TO PUBLIC",
    ] {
        let taken = locks(&db, "items", statement);
        assert!(
            taken
                .iter()
                .all(|m| !BLOCKS_READS_OR_WRITES.contains(&m.as_str())),
            "{statement}: {taken:?}"
        );
        assert!(!flags(&format!("{statement};"), "PF314"), "{statement}");
    }
    // Contrast: a plain CREATE INDEX takes a lock that stops writes, and PF314 asks for the
    // timeout.
    let index = "CREATE INDEX items_name_idx ON items (name)";
    assert_eq!(locks(&db, "items", index), ["ShareLock"]);
    assert!(flags(&format!("{index};"), "PF314"));
}

/// concurrent-index (timeout rules: squawk asks for `lock_timeout` before a file's first
/// `CREATE INDEX CONCURRENTLY`, preflight does not).
#[test]
fn create_index_concurrently_takes_share_update_exclusive_and_lets_writes_through() {
    let db = with_items();
    // An open transaction of the application makes the build wait, so its lock can be seen.
    let mut app = Session::open(&db, "pf_app");
    app.send("BEGIN; INSERT INTO items VALUES (9001, 'open');");
    wait_for(
        &db,
        "SELECT 1 FROM pg_locks l JOIN pg_stat_activity a USING (pid) \
         WHERE a.application_name = 'pf_app' AND l.relation = 'items'::regclass",
    );
    let mut build = Session::open(&db, "pf_build");
    let sql = "CREATE INDEX CONCURRENTLY items_name_idx ON items (name)";
    build.send(&format!("{sql};"));
    let modes = wait_for(
        &db,
        "SELECT l.mode FROM pg_locks l JOIN pg_stat_activity a USING (pid) \
         WHERE a.application_name = 'pf_build' AND l.locktype = 'relation' \
         AND l.relation = 'items'::regclass AND l.granted",
    );
    assert_eq!(modes, ["ShareUpdateExclusiveLock"]);
    // While the build holds it, another write goes through at once.
    db.exec("SET lock_timeout = '1s'; INSERT INTO items VALUES (9002, 'during the build')");
    app.send("COMMIT;");
    assert_eq!(app.finish(), "");
    assert_eq!(build.finish(), "");
    assert_eq!(
        db.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_name_idx'::regclass"),
        ["t"]
    );
    assert!(!flags(&format!("{sql};"), "PF314"));

    // Contrast: the plain build holds SHARE until it commits, a write waits and times out.
    let mut plain = Session::open(&db, "pf_plain");
    plain.send("BEGIN; CREATE INDEX items_id_name_idx ON items (id, name);");
    wait_for(
        &db,
        "SELECT 1 FROM pg_locks l JOIN pg_stat_activity a USING (pid) \
         WHERE a.application_name = 'pf_plain' AND l.mode = 'ShareLock' \
         AND l.relation = 'items'::regclass AND l.granted",
    );
    let err = db
        .try_exec("SET lock_timeout = '300ms'; INSERT INTO items VALUES (9003, 'blocked')")
        .expect_err("ROW EXCLUSIVE conflicts with SHARE");
    assert!(err.contains("lock timeout"), "{err}");
    plain.send("ROLLBACK;");
    assert_eq!(plain.finish(), "");
    assert!(flags(
        "CREATE INDEX items_id_name_idx ON items (id, name);",
        "PF314"
    ));
}

/// new-table (squawk issue #349: squawk flags statements on a table the file just created).
#[test]
fn a_table_created_in_the_same_transaction_is_invisible_to_other_sessions() {
    let db = ScratchDb::postgres();
    let file =
        "CREATE TABLE fresh (id int, name text);\nCREATE INDEX fresh_name_idx ON fresh (name);\n";
    let mut migration = Session::open(&db, "pf_migration");
    migration.send(&format!("BEGIN; {file}"));
    wait_for(
        &db,
        "SELECT 1 FROM pg_locks l JOIN pg_stat_activity a USING (pid) \
         WHERE a.application_name = 'pf_migration' AND l.mode = 'ShareLock' AND l.granted",
    );
    // No other session can name the table, so none can hold or wait for a lock on it.
    assert_eq!(db.query("SELECT to_regclass('fresh') IS NULL"), ["t"]);
    migration.send("COMMIT;");
    assert_eq!(migration.finish(), "");
    assert!(!flags(file, "PF301"));

    // Contrast: the same CREATE INDEX on an existing table is flagged.
    assert!(flags("CREATE INDEX fresh_id_idx ON fresh (id);", "PF301"));
}

/// new-table per schema: the table a file creates is new in its own schema only. Creating
/// `audit.events` leaves `public.events` a live table that other sessions see and write, and an
/// index built on it holds SHARE until the migration commits.
#[test]
fn a_table_created_in_another_schema_does_not_make_the_live_one_new() {
    let db = ScratchDb::postgres();
    db.exec(
        "CREATE SCHEMA audit; CREATE TABLE public.events (id bigint PRIMARY KEY, at timestamptz);
         INSERT INTO public.events SELECT g, now() FROM generate_series(1, 100) g;",
    );
    let file = "CREATE TABLE audit.events (id bigint PRIMARY KEY, at timestamptz);\n\
                CREATE INDEX events_at_idx ON public.events (at);\n";
    let mut migration = Session::open(&db, "pf_other_schema");
    migration.send(&format!("BEGIN; {file}"));
    wait_for(
        &db,
        "SELECT 1 FROM pg_locks l JOIN pg_stat_activity a USING (pid) \
         WHERE a.application_name = 'pf_other_schema' AND l.mode = 'ShareLock' \
         AND l.relation = 'public.events'::regclass AND l.granted",
    );
    // Another session sees the table (it holds rows), and its write waits for the build.
    assert_eq!(db.query("SELECT count(*) FROM public.events"), ["100"]);
    let err = db
        .try_exec("SET lock_timeout = '300ms'; INSERT INTO public.events VALUES (101, now())")
        .expect_err("ROW EXCLUSIVE conflicts with SHARE");
    assert!(err.contains("lock timeout"), "{err}");
    migration.send("ROLLBACK;");
    assert_eq!(migration.finish(), "");
    assert!(flags(file, "PF301"));

    // Contrast: the index on the table the file created, in its own schema, is invisible to
    // other sessions until the commit.
    let own = "CREATE TABLE audit.events (id bigint PRIMARY KEY, at timestamptz);\n\
               CREATE INDEX events_at_idx ON audit.events (at);\n";
    let mut migration = Session::open(&db, "pf_own_schema");
    migration.send(&format!("BEGIN; {own}"));
    wait_for(
        &db,
        "SELECT 1 FROM pg_locks l JOIN pg_stat_activity a USING (pid) \
         WHERE a.application_name = 'pf_own_schema' AND l.mode = 'ShareLock' AND l.granted",
    );
    assert_eq!(
        db.query("SELECT to_regclass('audit.events') IS NULL"),
        ["t"]
    );
    migration.send("COMMIT;");
    assert_eq!(migration.finish(), "");
    assert!(!flags(own, "PF301"));
}

/// new-table through a rename: `ALTER TABLE a.t RENAME TO u` keeps the table the file created
/// (and its schema), so `a.u` is as invisible to other sessions as `a.t` was. A live table
/// renamed to a name the file created and dropped is still the live one, which other sessions
/// see and use.
#[test]
fn a_table_created_and_renamed_is_still_invisible_to_other_sessions() {
    let db = ScratchDb::postgres();
    db.exec(
        "CREATE SCHEMA a; CREATE TABLE a.live (id int);
         INSERT INTO a.live SELECT g FROM generate_series(1, 100) g;",
    );
    let file = "CREATE TABLE a.t (id int);
ALTER TABLE a.t RENAME TO u;
                CREATE INDEX u_id_idx ON a.u (id);
";
    let mut migration = Session::open(&db, "pf_renamed_new");
    migration.send(&format!("BEGIN; {file}"));
    wait_for(
        &db,
        "SELECT 1 FROM pg_locks l JOIN pg_stat_activity a USING (pid) \
         WHERE a.application_name = 'pf_renamed_new' AND l.mode = 'ShareLock' AND l.granted",
    );
    assert_eq!(
        db.query("SELECT to_regclass('a.u') IS NULL AND to_regclass('a.t') IS NULL"),
        ["t"]
    );
    migration.send("ROLLBACK;");
    assert_eq!(migration.finish(), "");
    assert!(!flags(file, "PF301"));

    // Contrast: the live table renamed to a name the file created and dropped. The index on it
    // holds SHARE on a table other sessions hold rows of (by its old name until the commit).
    let live = "CREATE TABLE a.u (id int);
DROP TABLE a.u;
ALTER TABLE a.live RENAME TO u;
                CREATE INDEX u_id_idx ON a.u (id);
";
    let mut migration = Session::open(&db, "pf_renamed_live");
    migration.send(&format!("BEGIN; {live}"));
    wait_for(
        &db,
        "SELECT 1 FROM pg_locks l JOIN pg_stat_activity a USING (pid) \
         WHERE a.application_name = 'pf_renamed_live' AND l.mode = 'ShareLock' \
         AND l.relation = 'a.live'::regclass AND l.granted",
    );
    migration.send("ROLLBACK;");
    assert_eq!(migration.finish(), "");
    assert_eq!(db.query("SELECT count(*) FROM a.live"), ["100"]);
    assert!(flags(live, "PF301"));
}

/// stray-commit (`transaction-nesting`: squawk flags a second `COMMIT` with no `BEGIN`).
#[test]
fn commit_without_a_transaction_only_warns() {
    let db = ScratchDb::postgres();
    let file = "CREATE TABLE a (id int);\ncommit;\nCREATE TABLE b (id int);\ncommit;\n";
    let session = Session::open(&db, "pf_stray");
    let mut session = session;
    session.send("\\set ON_ERROR_STOP 1");
    session.send(file);
    let stderr = session.finish();
    assert!(
        stderr.contains("there is no transaction in progress"),
        "{stderr}"
    );
    assert!(!stderr.contains("ERROR"), "{stderr}");
    assert_eq!(
        db.query("SELECT count(*) FROM pg_class WHERE relname IN ('a', 'b')"),
        ["2"]
    );
    assert!(!flags(file, "PF316"));

    // Contrast: a BEGIN inside a transaction is nesting, and PF316 says so.
    let nested =
        "BEGIN;\nCREATE TABLE c (id int);\nBEGIN;\nCREATE TABLE d (id int);\nCOMMIT;\nCOMMIT;\n";
    assert!(flags(nested, "PF316"));
}
