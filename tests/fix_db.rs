//! Fixed migrations really are retry-safe: they run twice in a row on the local PostgreSQL and
//! MariaDB servers, where the originals fail on the second run.

mod common;

use common::retry::{after_every_crash_point, run_twice, second_run, statements};
use common::ScratchDb;
use preflight::fix::fix_source;
use preflight::lint::{lint_source, LintOptions};
use preflight::source::SourceFile;
use preflight::sql::Dialect;
use std::path::Path;

fn fixed(sql: &str, dialect: Dialect, unsafe_fixes: bool) -> String {
    let options = LintOptions {
        dialect,
        ..LintOptions::default()
    };
    let outcome = fix_source(&SourceFile::new("m.sql", sql), &options, unsafe_fixes);
    assert!(
        outcome.remaining.iter().all(|f| f.fix.is_none()),
        "fixable findings left: {:?}",
        outcome.remaining
    );
    outcome.fixed
}

fn sample(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations-sample/migrations")
            .join(name),
    )
    .unwrap()
}

#[test]
fn fixed_incident_migration_runs_twice_on_postgres() {
    let db = ScratchDb::postgres();
    db.exec(&sample("20240101_create_users.sql"));
    let original = sample("20240115_add_user_profiles.sql");
    let err = run_twice(&db, &original).expect_err("the original is not retry-safe");
    assert!(err.contains("already exists"), "{err}");

    let fixed = fixed(&original, Dialect::Postgres, false);
    assert!(fixed.contains("CREATE TABLE IF NOT EXISTS user_profiles ("));
    run_twice(&db, &fixed).expect("the fixed file runs twice");
    let fresh = assert_runs_twice(&sample("20240101_create_users.sql"), &fixed);
    assert_eq!(
        fresh
            .query("SELECT count(*) FROM pg_indexes WHERE indexname = 'idx_user_profiles_user_id'"),
        ["1"]
    );
}

const POSTGRES_MIGRATION: &str = "
CREATE SCHEMA app;
CREATE TABLE app.accounts (id int PRIMARY KEY, email text);
CREATE SEQUENCE app.invoice_numbers;
create index accounts_email_idx on app.accounts (email);
ALTER TABLE app.accounts ADD COLUMN bio text, ADD nickname text;
ALTER TABLE app.accounts DROP COLUMN nickname;
CREATE VIEW app.emails AS SELECT email FROM app.accounts;
CREATE MATERIALIZED VIEW app.counts AS SELECT count(*) AS n FROM app.accounts;
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER accounts_touch BEFORE UPDATE ON app.accounts FOR EACH ROW EXECUTE FUNCTION app.touch();
CREATE TYPE app.mood AS ENUM ('happy');
ALTER TYPE app.mood ADD VALUE 'sad';
CREATE DOMAIN app.positive AS int CHECK (VALUE > 0);
ALTER TABLE app.accounts ADD CONSTRAINT accounts_email_key UNIQUE (email);
ALTER TABLE app.accounts DROP CONSTRAINT accounts_email_key;
DROP VIEW app.emails;
CREATE OR REPLACE RULE accounts_keep AS ON DELETE TO app.accounts DO INSTEAD NOTHING;
DROP RULE accounts_keep ON app.accounts;
";

#[test]
fn every_postgres_fix_makes_a_retry_succeed() {
    let fixed = fixed(POSTGRES_MIGRATION, Dialect::Postgres, true);
    run_twice(&ScratchDb::postgres(), &fixed).expect("the fixed file runs twice");
    assert!(run_twice(&ScratchDb::postgres(), POSTGRES_MIGRATION).is_err());
}

const MARIADB_MIGRATION: &str = "
CREATE TABLE accounts (id INT PRIMARY KEY, email VARCHAR(100));
CREATE INDEX accounts_email_idx ON accounts (email);
ALTER TABLE accounts ADD COLUMN bio TEXT, ADD INDEX accounts_bio_idx (bio(10));
ALTER TABLE accounts ADD COLUMN nickname TEXT;
ALTER TABLE accounts DROP COLUMN nickname;
CREATE SEQUENCE invoice_numbers;
CREATE VIEW emails AS SELECT email FROM accounts;
CREATE TRIGGER accounts_touch BEFORE UPDATE ON accounts FOR EACH ROW SET NEW.email = LOWER(NEW.email);
DROP VIEW emails;
";

#[test]
fn every_mariadb_fix_makes_a_retry_succeed() {
    let fixed = fixed(MARIADB_MIGRATION, Dialect::Mariadb, true);
    run_twice(&ScratchDb::mariadb(), &fixed).expect("the fixed file runs twice");
    assert!(run_twice(&ScratchDb::mariadb(), MARIADB_MIGRATION).is_err());
}

#[test]
fn mariadb_create_or_replace_table_fix_keeps_the_rows() {
    let original = "CREATE OR REPLACE TABLE sessions (id INT PRIMARY KEY);\nINSERT IGNORE INTO sessions VALUES (1);\n";
    let db = ScratchDb::mariadb();
    db.exec(original);
    db.exec("INSERT INTO sessions VALUES (2)");
    db.exec(original);
    assert_eq!(
        db.query("SELECT count(*) FROM sessions"),
        ["1"],
        "the original drops row 2"
    );
    let fixed = fixed(original, Dialect::Mariadb, true);
    assert!(
        fixed.starts_with("CREATE TABLE IF NOT EXISTS sessions"),
        "{fixed}"
    );
    db.exec("INSERT INTO sessions VALUES (2)");
    db.exec(&fixed);
    assert_eq!(db.query("SELECT count(*) FROM sessions"), ["2"]);
}

const MYSQL_DIALECT_MIGRATION: &str = "
CREATE SCHEMA reporting;
CREATE TABLE accounts (id INT PRIMARY KEY, email VARCHAR(100));
CREATE VIEW emails AS SELECT email FROM accounts;
CREATE TABLE scratch (id INT);
DROP TABLE scratch;
";

#[test]
fn mysql_dialect_fixes_run_twice_on_mariadb() {
    let fixed = fixed(MYSQL_DIALECT_MIGRATION, Dialect::Mysql, false);
    let db = ScratchDb::mariadb();
    run_twice(&db, &fixed).expect("the fixed file runs twice");
    db.exec("DROP DATABASE IF EXISTS reporting");
    let original = ScratchDb::mariadb();
    let err = run_twice(&original, MYSQL_DIALECT_MIGRATION).expect_err("not retry-safe");
    original.exec("DROP DATABASE IF EXISTS reporting");
    assert!(err.contains("exists"), "{err}");
}

/// Objects the newer CREATE kinds below depend on; created before either run, not part of it.
const POSTGRES_MORE_KINDS_SETUP: &str = "
CREATE FOREIGN DATA WRAPPER preflight_fdw;
CREATE TABLE orders (id int, customer_id int, region text);
CREATE TYPE pair AS (a int, b int);
CREATE FUNCTION log_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
";

/// One statement a line: every one of them fails when run a second time.
const POSTGRES_MORE_KINDS: &str = "CREATE COLLATION c_copy FROM \"C\";
CREATE SERVER archive FOREIGN DATA WRAPPER preflight_fdw;
CREATE STATISTICS orders_stats (dependencies) ON customer_id, region FROM orders;
CREATE FOREIGN TABLE archived_orders (id bigint) SERVER archive;
CREATE AGGREGATE total(integer) (SFUNC = int4pl, STYPE = integer);
CREATE RULE keep_orders AS ON DELETE TO orders DO INSTEAD NOTHING;
CREATE CAST (pair AS text) WITH INOUT;
CREATE OPERATOR === (LEFTARG = int, RIGHTARG = int, FUNCTION = int4eq);
CREATE EVENT TRIGGER log_ddl ON ddl_command_end EXECUTE FUNCTION log_ddl();
CREATE PUBLICATION orders_pub FOR TABLE orders;
";

#[test]
fn newer_postgres_create_kind_fixes_make_a_retry_succeed() {
    let original = ScratchDb::postgres();
    original.exec(POSTGRES_MORE_KINDS_SETUP);
    original.exec(POSTGRES_MORE_KINDS);
    for statement in POSTGRES_MORE_KINDS.lines() {
        let err = original
            .try_exec(statement)
            .expect_err("the original statement is not retry-safe");
        assert!(err.contains("already exists"), "{statement}: {err}");
    }

    let fixed = fixed(POSTGRES_MORE_KINDS, Dialect::Postgres, true);
    assert_eq!(fixed.matches("IF NOT EXISTS").count(), 4, "{fixed}");
    assert_eq!(fixed.matches("OR REPLACE").count(), 2, "{fixed}");
    assert_eq!(fixed.matches("DO $preflight$").count(), 4, "{fixed}");
    let db = assert_runs_twice(POSTGRES_MORE_KINDS_SETUP, &fixed);
    assert_eq!(db.query("SELECT count(*) FROM pg_publication"), ["1"]);
}

#[test]
fn mariadb_create_user_and_role_fixes_make_a_retry_succeed() {
    // Accounts are server-wide, not per database: name them after the scratch database and
    // drop them at the end.
    let db = ScratchDb::mariadb();
    let user = format!("{}_user", db.name);
    let role = format!("{}_role", db.name);
    let original = format!("CREATE USER '{user}'@'localhost';\nCREATE ROLE {role};\n");
    let cleanup = format!("DROP USER IF EXISTS '{user}'@'localhost'; DROP ROLE IF EXISTS {role};");
    db.exec(&original);
    let first_retry = db.try_exec(&format!("CREATE USER '{user}'@'localhost'"));
    let second_retry = db.try_exec(&format!("CREATE ROLE {role}"));
    let fixed = fixed(&original, Dialect::Mariadb, false);
    let fixed_runs = db.try_exec(&fixed).and_then(|()| db.try_exec(&fixed));
    db.exec(&cleanup);
    assert!(
        first_retry.is_err() && second_retry.is_err(),
        "the originals fail on a retry"
    );
    assert_eq!(
        fixed,
        format!(
            "CREATE USER IF NOT EXISTS '{user}'@'localhost';\nCREATE ROLE IF NOT EXISTS {role};\n"
        )
    );
    fixed_runs.expect("the fixed statements run twice");
}

/// Issue 10's leftovers: renames, an unnamed primary key among other actions, an ALTER of a
/// table the file drops, an enum value rename and a seed INSERT — all run twice once fixed.
const POSTGRES_GUARDS_SETUP: &str = "
CREATE TABLE people (id int PRIMARY KEY, uuid uuid NOT NULL, name text);
CREATE TABLE scratch (id int CONSTRAINT scratch_id_check CHECK (id > 0));
CREATE TYPE mood AS ENUM ('ok');
CREATE INDEX persons_uuid_idx ON people (uuid);
";
const POSTGRES_GUARDS: &str = "
ALTER TABLE people RENAME COLUMN name TO full_name;
ALTER TABLE people RENAME TO persons;
ALTER INDEX persons_uuid_idx RENAME TO persons_uuid_key;
ALTER TABLE persons DROP COLUMN IF EXISTS id, ADD PRIMARY KEY (uuid);
ALTER TYPE mood RENAME VALUE 'ok' TO 'fine';
ALTER TABLE persons RENAME COLUMN full_name TO display_name;
ALTER TABLE persons ADD COLUMN full_name text;
ALTER TABLE scratch DROP CONSTRAINT IF EXISTS scratch_id_check;
DROP TABLE IF EXISTS scratch;
INSERT INTO persons (uuid, display_name) VALUES ('00000000-0000-0000-0000-000000000001', 'a');
";

#[test]
fn postgres_rename_primary_key_and_insert_fixes_make_a_retry_succeed() {
    let fixed = fixed(POSTGRES_GUARDS, Dialect::Postgres, true);
    assert!(fixed.contains("ALTER TABLE IF EXISTS scratch"), "{fixed}");
    assert!(fixed.contains("ON CONFLICT DO NOTHING"), "{fixed}");
    let db = assert_runs_twice(POSTGRES_GUARDS_SETUP, &fixed);
    assert_eq!(
        db.query("SELECT count(*) FROM persons WHERE display_name = 'a'"),
        ["1"]
    );
    assert_eq!(
        db.query("SELECT enumlabel FROM pg_enum WHERE enumtypid = 'mood'::regtype"),
        ["fine"]
    );
    // The first run replaced the primary key on id by one on uuid.
    assert_eq!(
        db.query("SELECT count(*) FROM pg_constraint WHERE conrelid = 'persons'::regclass AND contype = 'p'"),
        ["1"]
    );
    // The originals fail on the retry.
    assert!(second_run(ScratchDb::postgres, POSTGRES_GUARDS_SETUP, POSTGRES_GUARDS).is_err());
}

const MARIADB_GUARDS_SETUP: &str = "
CREATE TABLE people (id INT, uuid CHAR(36) NOT NULL, name TEXT);
CREATE TABLE tags (id INT, label TEXT);
CREATE TABLE scratch (id INT, KEY scratch_id_idx (id));
CREATE INDEX people_uuid_idx ON people (uuid);
";
const MARIADB_GUARDS: &str = "
ALTER TABLE people RENAME COLUMN name TO full_name;
ALTER TABLE people RENAME INDEX people_uuid_idx TO people_uuid_key;
ALTER TABLE tags ADD PRIMARY KEY (id);
RENAME TABLE people TO persons;
ALTER TABLE scratch DROP INDEX IF EXISTS scratch_id_idx;
DROP TABLE IF EXISTS scratch;
";

#[test]
fn mariadb_rename_and_primary_key_fixes_make_a_retry_succeed() {
    let fixed = fixed(MARIADB_GUARDS, Dialect::Mariadb, true);
    assert!(fixed.contains("RENAME TABLE IF EXISTS people"), "{fixed}");
    assert!(fixed.contains("ADD PRIMARY KEY IF NOT EXISTS"), "{fixed}");
    // With a DROP in the same statement MariaDB would skip the key on the first run: no fix.
    let drop_and_add = "ALTER TABLE people DROP COLUMN IF EXISTS id, ADD PRIMARY KEY (uuid);\n";
    let options = LintOptions {
        dialect: Dialect::Mariadb,
        ..LintOptions::default()
    };
    let outcome = fix_source(&SourceFile::new("m.sql", drop_and_add), &options, true);
    assert_eq!(outcome.fixed, drop_and_add);
    let db = ScratchDb::mariadb();
    db.exec(MARIADB_GUARDS_SETUP);
    run_twice(&db, &fixed).expect("the fixed file runs twice");
    assert!(second_run(ScratchDb::mariadb, MARIADB_GUARDS_SETUP, MARIADB_GUARDS).is_err());
}

const MARIADB_CONSTRAINTS_SETUP: &str = "
CREATE TABLE parents (id INT PRIMARY KEY);
CREATE TABLE kids (id INT NOT NULL, parent INT, code INT, zone INT NOT NULL,
  CONSTRAINT kids_old_fk FOREIGN KEY (parent) REFERENCES parents (id));
ALTER TABLE kids ADD PRIMARY KEY (id);
";
/// uaa's and authelia's MariaDB shapes: named foreign keys and unique keys, a drop of another
/// key in the same ALTER, a CHECK, and a primary key dropped and re-added.
const MARIADB_CONSTRAINTS: &str = "
ALTER TABLE kids ADD CONSTRAINT kids_parent_fk FOREIGN KEY (parent) REFERENCES parents (id);
ALTER TABLE kids DROP FOREIGN KEY IF EXISTS kids_old_fk, ADD CONSTRAINT kids_parent2_fk FOREIGN KEY (parent) REFERENCES parents (id);
ALTER TABLE kids ADD UNIQUE KEY `kids_code_key` (`code`);
ALTER TABLE kids add constraint kids_zone_key unique (zone, code);
ALTER TABLE kids ADD CONSTRAINT kids_code_check CHECK (code > 0);
ALTER TABLE kids DROP PRIMARY KEY;
ALTER TABLE kids ADD PRIMARY KEY (id, zone);
";

#[test]
fn mariadb_constraint_and_primary_key_guards_make_every_crash_point_retry_succeed() {
    let fixed = fixed(MARIADB_CONSTRAINTS, Dialect::Mariadb, true);
    assert!(
        fixed.contains("FOREIGN KEY IF NOT EXISTS (parent)"),
        "{fixed}"
    );
    assert!(
        fixed.contains("ADD UNIQUE KEY IF NOT EXISTS `kids_code_key`"),
        "{fixed}"
    );
    assert!(
        fixed.contains("unique if not exists (zone, code)"),
        "{fixed}"
    );
    assert!(
        fixed.contains("ADD CONSTRAINT IF NOT EXISTS kids_code_check CHECK"),
        "{fixed}"
    );
    assert!(fixed.contains("DROP INDEX IF EXISTS `PRIMARY`"), "{fixed}");
    // A drop and a re-add of the same name in one ALTER: MariaDB checks IF NOT EXISTS before
    // the drop runs, so the first run would end without the key. No fix.
    let same_name = "ALTER TABLE kids DROP FOREIGN KEY kids_parent_fk, ADD CONSTRAINT kids_parent_fk FOREIGN KEY (parent) REFERENCES parents (id);\n";
    let options = LintOptions {
        dialect: Dialect::Mariadb,
        ..LintOptions::default()
    };
    let outcome = fix_source(&SourceFile::new("m.sql", same_name), &options, true);
    assert!(
        !outcome.fixed.contains("IF NOT EXISTS"),
        "{}",
        outcome.fixed
    );
    // Every crash point: the first k statements applied, then the whole file again.
    let statements: Vec<&str> = fixed.split_inclusive(";\n").collect();
    after_every_crash_point(
        ScratchDb::mariadb,
        MARIADB_CONSTRAINTS_SETUP,
        &statements,
        &fixed,
        |db, k| {
            assert_eq!(
                db.query("SELECT COUNT(*) FROM information_schema.table_constraints WHERE table_schema = DATABASE() AND table_name = 'kids'"),
                ["6"],
                "after crash point {k}"
            );
        },
    );
    let (setup, original) = (MARIADB_CONSTRAINTS_SETUP, MARIADB_CONSTRAINTS);
    assert!(second_run(ScratchDb::mariadb, setup, original).is_err());
}

const POSTGRES_DATA_SETUP: &str = r#"
CREATE TABLE "Envelope" (id int PRIMARY KEY, "legacyId" int);
CREATE TABLE "Recipient" (id int PRIMARY KEY, "legacyId" int, "documentId" int);
CREATE TABLE archive (id int PRIMARY KEY);
INSERT INTO "Envelope" VALUES (10, 1), (20, 2);
INSERT INTO "Recipient" VALUES (1, 1, NULL), (2, 2, NULL);
"#;
/// documenso's data migrations: an UPDATE … FROM and a WITH … INSERT that read a column and a
/// table the same file removes afterwards. (A retry that stops short of the removal runs them
/// again, as it would unfixed: the INSERT handles its conflicts itself.)
const POSTGRES_DATA: &str = r#"
UPDATE "Recipient" r SET "documentId" = d.id FROM "Envelope" d WHERE d."legacyId" = r."legacyId";
WITH moved AS (SELECT id FROM "Envelope") INSERT INTO archive (id) SELECT id FROM moved ON CONFLICT DO NOTHING;
ALTER TABLE "Recipient" DROP COLUMN "legacyId";
DROP TABLE "Envelope";
"#;

#[test]
fn postgres_data_migration_guards_make_every_crash_point_retry_succeed() {
    let fixed = fixed(POSTGRES_DATA, Dialect::Postgres, true);
    assert_eq!(fixed.matches("DO $preflight$").count(), 2, "{fixed}");
    assert!(
        fixed.contains(r#"to_regclass('"Envelope"') IS NOT NULL"#),
        "{fixed}"
    );
    // Every crash point (the first k statements applied, then the whole file again), the
    // last one being the full re-run a per-file transaction allows.
    let parts = statements(&fixed, Dialect::Postgres);
    assert_eq!(parts.len(), 4);
    after_every_crash_point(
        ScratchDb::postgres,
        POSTGRES_DATA_SETUP,
        &parts,
        &fixed,
        |db, k| {
            assert_eq!(
                db.query(
                    r#"SELECT string_agg("documentId"::text, ',' ORDER BY id) FROM "Recipient""#
                ),
                ["10,20"],
                "after crash point {k}"
            );
            assert_eq!(
                db.query("SELECT count(*) FROM archive"),
                ["2"],
                "after crash point {k}"
            );
        },
    );
    assert_retry_fails(POSTGRES_DATA_SETUP, POSTGRES_DATA, &["does not exist"]);
}

const CONSTRAINT_READS_SETUP: &str = "
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE t (id int, old int);
INSERT INTO p VALUES (1);
INSERT INTO t VALUES (1, 1);
";

/// On a fresh PostgreSQL database set up with `setup`, `sql` runs once and its retry (the
/// second run) fails, with an error that holds every one of `error`.
fn assert_retry_fails(setup: &str, sql: &str, error: &[&str]) {
    let Err(err) = second_run(ScratchDb::postgres, setup, sql) else {
        panic!("the retry succeeded:\n{sql}");
    };
    for part in error {
        assert!(
            err.contains(part),
            "the retry's error lacks {part:?}:\n{sql}\n{err}"
        );
    }
}

/// On a fresh PostgreSQL database set up with `setup`, `sql` runs twice. Returns the database,
/// for checks of what the runs left.
fn assert_runs_twice(setup: &str, sql: &str) -> ScratchDb {
    let db = ScratchDb::postgres();
    db.exec(setup);
    if let Err(err) = run_twice(&db, sql) {
        panic!("the retry failed:\n{sql}\n{err}");
    }
    db
}

/// The fix works: `sql` fails on its retry with `error` ([`assert_retry_fails`]), and `fixed`
/// runs twice ([`assert_runs_twice`], whose database it returns), each on a fresh database set
/// up with `setup`.
fn assert_fix_makes_the_retry_succeed(
    setup: &str,
    sql: &str,
    error: &[&str],
    fixed: &str,
) -> ScratchDb {
    assert_retry_fails(setup, sql, error);
    assert_runs_twice(setup, fixed)
}

/// PF108's finding on PostgreSQL's `ALTER TYPE … ADD ATTRIBUTE` has no fix, even an unsafe
/// one, and the DO block its message advises makes the retry succeed.
#[test]
fn add_attribute_has_no_fix_and_the_advised_guard_makes_a_retry_succeed() {
    let setup = "CREATE TYPE ct AS (a int, b int);";
    let add = "ALTER TYPE ct ADD ATTRIBUTE x int;\n";
    assert_eq!(fixed(add, Dialect::Postgres, true), add);
    let guarded = "DO $$ BEGIN ALTER TYPE ct ADD ATTRIBUTE x int; EXCEPTION WHEN duplicate_column THEN NULL; END $$;\n";
    assert_fix_makes_the_retry_succeed(setup, add, &["already exists"], guarded);
}

/// An ADD CONSTRAINT reads the columns it names: once the file's later DROP COLUMN ran, a
/// re-run fails at the constraint (`column "old" does not exist`), under the model lint
/// assumes without a runner. Each is PF123's, and its guard alone makes the full re-run
/// succeed; a constraint on a column the file keeps is not PF123's.
#[test]
fn an_added_constraint_on_a_column_dropped_later_is_flagged_and_fails_the_rerun_on_postgres() {
    for action in [
        "CHECK (old > 0)",
        "FOREIGN KEY (old) REFERENCES p (id)",
        "UNIQUE (old)",
        "PRIMARY KEY (old)",
    ] {
        let sql = format!(
            "ALTER TABLE t ADD CONSTRAINT t_old_c {action};\nALTER TABLE t DROP COLUMN IF EXISTS old;\n"
        );
        let found = retry_findings(&sql, Dialect::Postgres, None);
        assert!(found.contains(&("PF123".into(), 1)), "{action}: {found:?}");
        let options = LintOptions {
            dialect: Dialect::Postgres,
            select: vec!["PF123".into()],
            ..LintOptions::default()
        };
        let outcome = fix_source(&SourceFile::new("m.sql", sql.as_str()), &options, true);
        assert!(outcome.remaining.is_empty(), "{:?}", outcome.remaining);
        assert!(
            outcome.fixed.contains("attname = 'old'"),
            "{}",
            outcome.fixed
        );
        assert_fix_makes_the_retry_succeed(
            CONSTRAINT_READS_SETUP,
            &sql,
            &[r#"column "old""#, "does not exist"],
            &outcome.fixed,
        );
    }
    // The foreign key's referenced column is `p`'s, not the `t.id` the file drops.
    let kept = "ALTER TABLE t ADD CONSTRAINT t_old_check CHECK (old > 0);\nALTER TABLE t ADD CONSTRAINT t_old_fk FOREIGN KEY (old) REFERENCES p (id);\nALTER TABLE t DROP COLUMN IF EXISTS id;\n";
    let found = retry_findings(kept, Dialect::Postgres, None);
    assert!(found.iter().all(|(code, _)| code != "PF123"), "{found:?}");
    let fixed = fixed(kept, Dialect::Postgres, true);
    assert_runs_twice(CONSTRAINT_READS_SETUP, &fixed);
}

/// MariaDB has DROP COLUMN IF EXISTS and ADD … IF NOT EXISTS: neither saves a constraint or an
/// index on a column the file drops afterwards (the IF NOT EXISTS finds nothing, the column is
/// gone), so PF123 reports them, without a fix; on a column the file keeps, none.
#[test]
fn an_added_constraint_on_a_column_dropped_later_is_flagged_and_fails_the_rerun_on_mariadb() {
    let setup = "CREATE TABLE t (id int, old int);";
    for action in [
        "ADD CONSTRAINT t_old_check CHECK (old > 0)",
        "ADD CONSTRAINT IF NOT EXISTS t_old_check CHECK (old > 0)",
        "ADD UNIQUE KEY IF NOT EXISTS t_old_key (old)",
        "ADD INDEX IF NOT EXISTS t_old_idx (old)",
    ] {
        let sql = format!("ALTER TABLE t {action};\nALTER TABLE t DROP COLUMN IF EXISTS old;\n");
        let found = retry_findings(&sql, Dialect::Mariadb, None);
        assert!(found.contains(&("PF123".into(), 1)), "{action}: {found:?}");
        let err = second_run(ScratchDb::mariadb, setup, &sql).unwrap_err();
        assert!(err.contains("'old'"), "{action}: {err}");
    }
    let kept = "ALTER TABLE t ADD INDEX IF NOT EXISTS t_id_idx (id);\nALTER TABLE t ADD CONSTRAINT IF NOT EXISTS t_id_check CHECK (id > 0);\nALTER TABLE t DROP COLUMN IF EXISTS old;\n";
    assert_eq!(retry_findings(kept, Dialect::Mariadb, None), []);
    let db = ScratchDb::mariadb();
    db.exec(setup);
    db.exec(kept);
    db.exec(kept);
}

const MARIADB_UNGUARDABLE_SETUP: &str = "
CREATE TABLE members (member_id INT NOT NULL, group_id INT NOT NULL, PRIMARY KEY (member_id, group_id));
CREATE TABLE totp (id INT PRIMARY KEY, secret TEXT);
CREATE TABLE approvals (user_id INT);
CREATE TABLE new_approvals (user_id INT, scope TEXT);
";
/// uaa's V2_4_1 (the primary key dropped, then re-created inline on an AUTO_INCREMENT column),
/// authelia's backup rename and uaa's V1_7_0 table swap.
const MARIADB_UNGUARDABLE: &str = "
ALTER TABLE members DROP PRIMARY KEY;
ALTER TABLE members ADD COLUMN `id` int(11) unsigned PRIMARY KEY AUTO_INCREMENT;
ALTER TABLE totp
    RENAME _bkp_totp;
CREATE TABLE IF NOT EXISTS totp (id INT PRIMARY KEY, secret TEXT, issuer TEXT);
ALTER TABLE approvals RENAME TO approvals_old;
ALTER TABLE new_approvals RENAME TO approvals;
CREATE TABLE IF NOT EXISTS staging (id INT);
ALTER TABLE staging RENAME TO live;
";

#[test]
fn mariadb_pairs_no_guard_can_save_are_left_unfixed_and_reported() {
    let fixed = fixed(MARIADB_UNGUARDABLE, Dialect::Mariadb, true);
    for kept in [
        "ALTER TABLE members DROP PRIMARY KEY;",
        "ALTER TABLE totp\n    RENAME _bkp_totp;",
        "ALTER TABLE approvals RENAME TO approvals_old;",
        "ALTER TABLE staging RENAME TO live;",
    ] {
        assert!(fixed.contains(kept), "{kept} was rewritten:\n{fixed}");
    }
    // Each of them stays reported, without a fix, with the reason.
    let options = LintOptions {
        dialect: Dialect::Mariadb,
        ..LintOptions::default()
    };
    let outcome = fix_source(&SourceFile::new("m.sql", fixed.as_str()), &options, true);
    let reasons: Vec<(String, usize)> = outcome
        .remaining
        .iter()
        .filter(|f| f.notes.iter().any(|n| n.starts_with("no fix:")))
        .map(|f| {
            (
                f.rule.code.to_string(),
                f.location.start.map_or(0, |s| s.line),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            ("PF111".into(), 2),
            ("PF118".into(), 5),
            ("PF118".into(), 7),
            ("PF118".into(), 10)
        ],
        "{:?}",
        outcome.remaining
    );
    // What the withheld fixes would have written fails the full re-run on the real server:
    // the key is back on the AUTO_INCREMENT column, and the old names exist again.
    let db = ScratchDb::mariadb();
    db.exec(MARIADB_UNGUARDABLE_SETUP);
    let guarded = fixed
        .replace("DROP PRIMARY KEY", "DROP INDEX IF EXISTS `PRIMARY`")
        .replace("ALTER TABLE totp", "ALTER TABLE IF EXISTS totp")
        .replace("ALTER TABLE approvals", "ALTER TABLE IF EXISTS approvals")
        .replace("ALTER TABLE staging", "ALTER TABLE IF EXISTS staging");
    db.exec(&guarded);
    for statement in statements(&guarded, Dialect::Mariadb)
        .iter()
        .filter(|s| s.contains("IF EXISTS") || s.starts_with("CREATE TABLE IF NOT EXISTS staging"))
        .filter(|s| !s.contains("new_approvals"))
    {
        if statement.starts_with("CREATE") {
            // The re-run creates `staging` again before its rename.
            db.exec(statement);
            continue;
        }
        let err = db.try_exec(statement).unwrap_err();
        assert!(
            err.contains("already exists") || err.contains("only one auto column"),
            "{statement}: {err}"
        );
    }
}

const POSTGRES_RECREATED_SETUP: &str = "
CREATE TABLE consents (id int PRIMARY KEY, client_id text, expires_at timestamptz);
CREATE TABLE presets (id serial PRIMARY KEY, client_id text UNIQUE, expires_at timestamptz);
INSERT INTO consents VALUES (1, 'a', now());
";
/// authelia's V0006: the copy reads a table the file then drops and creates again without
/// `expires_at`. Under a per-file transaction only the full re-run happens, and it fails.
const POSTGRES_RECREATED: &str = "
INSERT INTO presets (client_id, expires_at) SELECT client_id, expires_at FROM consents WHERE expires_at IS NOT NULL ON CONFLICT DO NOTHING;
DROP TABLE IF EXISTS consents;
CREATE TABLE IF NOT EXISTS consents (id serial PRIMARY KEY, client_id text NOT NULL);
";

#[test]
fn a_read_of_a_column_the_recreated_table_lacks_is_reported_without_a_fix() {
    let options = LintOptions {
        dialect: Dialect::Postgres,
        runner: preflight::runner::Runner::named("diesel"),
        ..LintOptions::default()
    };
    let outcome = fix_source(
        &SourceFile::new("m.sql", POSTGRES_RECREATED),
        &options,
        true,
    );
    assert_eq!(outcome.fixed, POSTGRES_RECREATED);
    let found: Vec<_> = outcome
        .remaining
        .iter()
        .map(|f| {
            (
                f.rule.code,
                f.fix.is_none(),
                f.location.start.map_or(0, |s| s.line),
            )
        })
        .collect();
    assert_eq!(found, [("PF123", true, 2)], "{:?}", outcome.remaining);
    assert!(outcome.remaining[0].message.contains("consents.expires_at"));
    let db = ScratchDb::postgres();
    db.exec(POSTGRES_RECREATED_SETUP);
    db.exec(&format!("BEGIN;\n{POSTGRES_RECREATED}COMMIT;\n"));
    let err = db.try_exec(POSTGRES_RECREATED).unwrap_err();
    assert!(err.contains("expires_at"), "{err}");
}

const KEYWORD_COLUMNS_SETUP: &str = "
CREATE TABLE t_old (id int, c text);
CREATE TABLE r_old (id int, c text);
CREATE TABLE d (id int PRIMARY KEY);
CREATE TABLE d_old (id int, c text);
CREATE TABLE other (id int, name text);
CREATE TABLE k_new (id int PRIMARY KEY, name text, total int);
CREATE TABLE k_old (id int, name text, type text, value int, status text, created timestamptz, data jsonb);
INSERT INTO k_old VALUES (1, 'a', 'a', 3, 'live', now(), '{}');
CREATE TABLE w_old (id int, c text, ts timestamptz, j text, arr int[]);
INSERT INTO w_old VALUES (1, 'a', now(), 'x', '{1}');
CREATE SCHEMA archive;
CREATE TABLE archive.w_old (id int, c text);
";
/// Columns whose names sqlparser takes for keywords (`id`, `name`, `type`, `value`, `status`,
/// `data`): the first two files read one the recreated table lacks, and their re-run fails
/// there; the others spell much syntax or name outputs like keywords (`SELECT c name`), and
/// every column they read survives. Then: output names, syntax and names that are no columns of
/// the table (`c nm`, `COLLATE "C"`, `IS NFC NORMALIZED`, `EXTRACT(dow …)`, a window's name, a
/// system column, a whole-row reference), which a re-run reads fine; and reads of a lost column
/// where an output name (`DISTINCT ON (c) id`, `lower(c) AS c`, `OPERATOR(…) c`), a qualifier or
/// the clause after FROM hid it. Last, schema-qualified names: `public.w_old` (or quoted, or as
/// the qualifier of a column) is the `w_old` the file drops and creates again, under the
/// connection's search_path or one the file sets; `archive.w_old` is not, nor is an unqualified
/// `w_old` under a search_path that puts `archive` first (at the read, or at the drop and the
/// creation). The message names the table with its schema when the read writes one or the
/// search_path puts it in another schema than `public`.
const KEYWORD_COLUMNS: [(&str, Option<&str>); 22] = [
    (
        "SELECT c name, id + 1 value, CASE WHEN id > 0 THEN c END type FROM r_old ORDER BY name, value;\nDROP TABLE r_old;\nCREATE TABLE r_old (id int, c text);\n",
        None,
    ),
    (
        "SELECT id FROM t_old;\nDROP TABLE t_old;\nCREATE TABLE t_old (x text);\n",
        Some("t_old.id"),
    ),
    (
        "INSERT INTO d (id) SELECT id FROM d_old;\nDROP TABLE d_old;\nCREATE TABLE d_old (x text);\n",
        Some("d_old.id"),
    ),
    (
        "INSERT INTO k_new (id, name, total) SELECT DISTINCT id, CASE WHEN name IS NOT NULL THEN name ELSE 'x' END, coalesce(value, 0)::int FROM k_old WHERE status IS DISTINCT FROM 'gone' AND (created AT TIME ZONE 'UTC') < DATE '2100-01-01' + INTERVAL '1 day' AND type IN (SELECT name FROM other WHERE other.id IS NULL) IS NOT TRUE AND data IS NOT NULL AND value BETWEEN 0 AND 10 AND created < CURRENT_TIMESTAMP + INTERVAL '1' DAY ORDER BY id DESC NULLS LAST LIMIT 10 ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name RETURNING id, total;
DROP TABLE k_old;
CREATE TABLE k_old (id int, name text, type text, value int, status text, created timestamptz, data jsonb);
",
        None,
    ),
    (
        "SELECT id nm, c \"Nm\", id::text t, arr[1] el, ARRAY[id] ids, 1 one FROM w_old ORDER BY nm;\nDROP TABLE w_old;\nCREATE TABLE w_old (id int, c text, arr int[]);\n",
        None,
    ),
    (
        "SELECT id FROM w_old WHERE j IS NFC NORMALIZED OR j IS NOT NORMALIZED OR normalize(j, NFKC) = j ORDER BY j COLLATE \"C\" DESC NULLS LAST;\nDROP TABLE w_old;\nCREATE TABLE w_old (id int, j text);\n",
        None,
    ),
    (
        "SELECT EXTRACT(dow FROM ts), row_number() OVER w, ctid, xmin, row_to_json(a) FROM w_old a WHERE ts IS NOT NULL WINDOW w AS (ORDER BY ts);\nDROP TABLE w_old;\nCREATE TABLE w_old (ts timestamptz);\n",
        None,
    ),
    (
        "SELECT DISTINCT ON (c) id FROM t_old;\nDROP TABLE t_old;\nCREATE TABLE t_old (c text);\n",
        Some("t_old.id"),
    ),
    (
        "SELECT lower(c) AS c FROM w_old ORDER BY c;\nDROP TABLE w_old;\nCREATE TABLE w_old (id int);\n",
        Some("w_old.c"),
    ),
    (
        "SELECT id FROM w_old WHERE j OPERATOR(pg_catalog.=) c;\nDROP TABLE w_old;\nCREATE TABLE w_old (id int, j text);\n",
        Some("w_old.c"),
    ),
    (
        "SELECT c FROM ONLY w_old;\nDROP TABLE w_old;\nCREATE TABLE w_old (id int);\n",
        Some("w_old.c"),
    ),
    (
        "SELECT a.c FROM w_old AS a OFFSET 0 FETCH FIRST 1 ROW ONLY;\nDROP TABLE w_old;\nCREATE TABLE w_old (id int);\n",
        Some("w_old.c"),
    ),
    (
        "SELECT c FROM public.w_old;\nDROP TABLE w_old;\nCREATE TABLE w_old (id int);\n",
        Some("public.w_old.c"),
    ),
    (
        "SELECT a.c FROM ONLY \"public\".\"w_old\" AS a;\nDROP TABLE w_old;\nCREATE TABLE w_old (id int);\n",
        Some("public.w_old.c"),
    ),
    (
        "SELECT public.w_old.c FROM w_old;\nDROP TABLE public.w_old;\nCREATE TABLE public.w_old (id int);\n",
        Some("w_old.c"),
    ),
    (
        "SET search_path TO archive; SELECT c FROM archive.w_old;\nDROP TABLE w_old;\nCREATE TABLE w_old (id int);\n",
        Some("archive.w_old.c"),
    ),
    (
        "SELECT c FROM archive.w_old;\nDROP TABLE w_old;\nCREATE TABLE w_old (id int);\n",
        None,
    ),
    (
        "SELECT archive.w_old.c FROM archive.w_old;\nDROP TABLE w_old;\nCREATE TABLE w_old (id int);\n",
        None,
    ),
    (
        "SELECT c FROM w_old;\nDROP TABLE archive.w_old;\nCREATE TABLE archive.w_old (id int);\n",
        None,
    ),
    (
        "SET search_path TO archive; SELECT c FROM public.w_old;\nDROP TABLE w_old;\nCREATE TABLE w_old (id int);\n",
        None,
    ),
    (
        "SELECT c FROM w_old;\nSET search_path TO archive; DROP TABLE w_old;\nCREATE TABLE w_old (id int);\n",
        None,
    ),
    (
        "SET search_path TO archive; SELECT c FROM w_old;\nDROP TABLE w_old;\nCREATE TABLE w_old (id int);\n",
        Some("archive.w_old.c"),
    ),
];

#[test]
fn a_read_of_a_keyword_named_column_the_recreated_table_lacks_is_reported() {
    let options = LintOptions {
        dialect: Dialect::Postgres,
        runner: preflight::runner::Runner::named("diesel"),
        ..LintOptions::default()
    };
    for (sql, lost) in KEYWORD_COLUMNS {
        let found: Vec<(usize, String)> = lint_source(&SourceFile::new("m.sql", sql), &options)
            .into_iter()
            .filter(|f| f.message.contains("creates it again without that column"))
            .map(|f| (f.location.start.map_or(0, |s| s.line), f.message))
            .collect();
        let db = ScratchDb::postgres();
        db.exec(KEYWORD_COLUMNS_SETUP);
        db.exec(&format!("BEGIN;\n{sql}COMMIT;\n"));
        let rerun = db.try_exec(&format!("BEGIN;\n{sql}COMMIT;\n"));
        match lost {
            Some(column) => {
                let err = rerun.unwrap_err();
                let name = column.rsplit('.').next().unwrap();
                assert!(err.contains(name), "{err}");
                assert_eq!(found.len(), 1, "{sql}: {found:?}");
                assert_eq!(found[0].0, 1, "{sql}: {found:?}");
                assert!(found[0].1.contains(&format!("`{column}`")), "{found:?}");
            }
            None => {
                assert_eq!(rerun, Ok(()), "{sql}");
                assert!(found.is_empty(), "{sql}: {found:?}");
            }
        }
    }
}

const POSTGRES_TYPE_CHANGE_SETUP: &str = "
CREATE TYPE sort_type_enum AS ENUM ('Active', 'Hot');
CREATE TABLE local_user (id int PRIMARY KEY, default_sort_type smallint);
CREATE TABLE user_ (id int PRIMARY KEY, avatar varchar(255));
CREATE VIEW user_view AS SELECT id, avatar FROM user_;
INSERT INTO local_user VALUES (1, 0), (2, 1);
";
/// lemmy's type changes: an enum conversion with USING, and a column under a view the file
/// drops and creates again.
const POSTGRES_TYPE_CHANGE: &str = "
ALTER TABLE local_user ALTER COLUMN default_sort_type TYPE sort_type_enum USING CASE default_sort_type WHEN 0 THEN 'Active' ELSE 'Hot' END::sort_type_enum;
DROP VIEW user_view;
ALTER TABLE user_ ALTER COLUMN avatar TYPE text;
CREATE VIEW user_view AS SELECT id, avatar FROM user_;
";

#[test]
fn postgres_type_change_guards_make_every_crash_point_retry_succeed() {
    let fixed = fixed(POSTGRES_TYPE_CHANGE, Dialect::Postgres, true);
    assert_eq!(
        fixed.matches("atttypid = to_regtype(").count(),
        2,
        "{fixed}"
    );
    let parts = statements(&fixed, Dialect::Postgres);
    after_every_crash_point(
        ScratchDb::postgres,
        POSTGRES_TYPE_CHANGE_SETUP,
        &parts,
        &fixed,
        |db, k| {
            assert_eq!(
                db.query(
                    "SELECT string_agg(default_sort_type::text, ',' ORDER BY id) FROM local_user"
                ),
                ["Active,Hot"],
                "after crash point {k}"
            );
            assert_eq!(
                db.query("SELECT data_type FROM information_schema.columns WHERE table_name = 'user_' AND column_name = 'avatar'"),
                ["text"]
            );
        },
    );
    let original = ScratchDb::postgres();
    original.exec(POSTGRES_TYPE_CHANGE_SETUP);
    original.exec(POSTGRES_TYPE_CHANGE);
    for statement in statements(POSTGRES_TYPE_CHANGE, Dialect::Postgres)
        .iter()
        .filter(|s| s.contains("TYPE"))
    {
        assert!(original.try_exec(statement).is_err(), "{statement}");
    }
}

const POSTGRES_VIEW_CHAIN_SETUP: &str = "
CREATE TABLE users (id int PRIMARY KEY, name text);
CREATE VIEW user_view AS SELECT id FROM users;
";
/// lemmy's materialized views: the view is dropped and created again, then a materialized view
/// is built over it. A full re-run finds the materialized view and cannot drop the view.
const POSTGRES_VIEW_CHAIN: &str = "
DROP VIEW user_view;
CREATE VIEW user_view AS SELECT id, name FROM users;
CREATE MATERIALIZED VIEW user_mview AS SELECT * FROM user_view;
";

#[test]
fn a_drop_a_later_view_depends_on_is_reported_without_a_fix() {
    let options = LintOptions {
        dialect: Dialect::Postgres,
        runner: preflight::runner::Runner::named("diesel"),
        ..LintOptions::default()
    };
    let outcome = fix_source(
        &SourceFile::new("m.sql", POSTGRES_VIEW_CHAIN),
        &options,
        true,
    );
    // The DROP stays as it is, reported without a fix; the CREATE after it is no longer
    // proved safe by the drop, so it gets OR REPLACE.
    assert!(
        outcome.fixed.contains("\nDROP VIEW user_view;\n"),
        "{}",
        outcome.fixed
    );
    assert!(
        outcome.fixed.contains("CREATE OR REPLACE VIEW user_view"),
        "{}",
        outcome.fixed
    );
    let drop = outcome
        .remaining
        .iter()
        .find(|f| f.rule.code == "PF125")
        .expect("the drop is reported (PF125, drop-still-depended-on)");
    assert!(
        drop.fix.is_none() && drop.message.contains("user_mview"),
        "{drop:?}"
    );
    // On the server: the drop is what fails, with or without IF EXISTS.
    let db = ScratchDb::postgres();
    db.exec(POSTGRES_VIEW_CHAIN_SETUP);
    db.exec(&format!("BEGIN;\n{}COMMIT;\n", outcome.fixed));
    for drop in ["DROP VIEW user_view;", "DROP VIEW IF EXISTS user_view;"] {
        let err = db.try_exec(drop).unwrap_err();
        assert!(err.contains("depend"), "{err}");
    }
    let rest: String = statements(&outcome.fixed, Dialect::Postgres)
        .into_iter()
        .filter(|s| !s.starts_with("DROP"))
        .collect();
    db.exec(&rest);
}

/// `(rule, line, message)` of every finding of `sql`, linted under `model` (`None`: the tool is
/// unknown, every crash point).
fn findings_of(
    sql: &str,
    model: Option<preflight::runner::ApplyModel>,
) -> Vec<(String, usize, String)> {
    let options = LintOptions {
        dialect: Dialect::Postgres,
        runner: model.map(|m| preflight::runner::Runner::UNKNOWN.declaring(Some(m))),
        ..LintOptions::default()
    };
    preflight::lint::lint_source(&SourceFile::new("m.sql", sql), &options)
        .into_iter()
        .map(|f| {
            let line = f.location.start.map_or(0, |p| p.line);
            (f.rule.code.to_string(), line, f.message)
        })
        .collect()
}

const POSTGRES_NEW_KEY_SETUP: &str = "
CREATE TABLE accounts (pk int PRIMARY KEY, name text);
INSERT INTO accounts VALUES (1, 'a'), (2, 'b');
";
/// hydra's change_client_primary_key: the old key column renamed away, a new one of the same
/// name added and made the primary key.
const POSTGRES_NEW_KEY: &str = "
ALTER TABLE accounts RENAME pk TO pk_deprecated;
ALTER TABLE accounts ADD COLUMN pk uuid DEFAULT gen_random_uuid();
ALTER TABLE accounts ALTER pk DROP DEFAULT;
ALTER TABLE accounts DROP CONSTRAINT accounts_pkey;
ALTER TABLE accounts ADD PRIMARY KEY (pk);
";

#[test]
fn an_add_column_after_renaming_the_name_away_is_flagged_and_its_fix_survives_every_crash_point() {
    use preflight::runner::ApplyModel;
    // The ADD (line 3) is flagged in both apply models: a rename away frees nothing on a re-run.
    for model in [None, Some(ApplyModel::FileTransaction)] {
        let found = findings_of(POSTGRES_NEW_KEY, model);
        assert!(
            found
                .iter()
                .any(|(rule, line, _)| rule == "PF108" && *line == 3),
            "{model:?}: {found:?}"
        );
    }
    // On the real server: once the file ran, a re-run whose rename is skipped (guarded, as
    // PF118's fix does) fails at the ADD.
    let parts = statements(POSTGRES_NEW_KEY, Dialect::Postgres);
    let db = ScratchDb::postgres();
    db.exec(POSTGRES_NEW_KEY_SETUP);
    db.exec(POSTGRES_NEW_KEY);
    let err = db.try_exec(&parts[1..].concat()).unwrap_err();
    assert!(
        err.contains(r#"column "pk" of relation "accounts" already exists"#),
        "{err}"
    );
    // The fixed file survives every crash point, the full re-run included.
    let fixed = fixed(POSTGRES_NEW_KEY, Dialect::Postgres, true);
    assert!(fixed.contains("ADD COLUMN IF NOT EXISTS pk"), "{fixed}");
    let parts = statements(&fixed, Dialect::Postgres);
    assert_eq!(parts.len(), 5, "{fixed}");
    after_every_crash_point(
        ScratchDb::postgres,
        POSTGRES_NEW_KEY_SETUP,
        &parts,
        &fixed,
        |db, k| {
            assert_eq!(
                db.query(
                    "SELECT string_agg(pk_deprecated::text, ',' ORDER BY pk_deprecated) FROM accounts"
                ),
                ["1,2"],
                "after crash point {k}"
            );
            assert_eq!(
                db.query("SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) WHERE c.conrelid = 'accounts'::regclass AND c.contype = 'p'"),
                ["pk\tuuid"],
                "after crash point {k}"
            );
        },
    );
}

const POSTGRES_JSON_COLUMNS_SETUP: &str = r#"
CREATE TABLE clients (id int PRIMARY KEY, tags text, scopes text, tags_json jsonb, scopes_json jsonb);
INSERT INTO clients VALUES (1, 'a|b', 'read', '["a","b"]', '["read"]'), (2, 'c', 'write', '["c"]', '["write"]');
"#;
/// hydra's string_slice_json: an earlier migration copied each column into a `_json` one; this
/// one drops the old columns and gives their names to the copies.
const POSTGRES_JSON_COLUMNS: &str = "
ALTER TABLE clients DROP COLUMN tags;
ALTER TABLE clients DROP COLUMN IF EXISTS scopes;
ALTER TABLE clients RENAME COLUMN tags_json TO tags;
ALTER TABLE clients RENAME COLUMN scopes_json TO scopes;
";
/// The migrated data, as the file leaves it.
const JSON_COLUMNS_MIGRATED: &str =
    "SELECT string_agg(id || '=' || tags::text || ';' || scopes::text, ' ' ORDER BY id) FROM clients";

#[test]
fn a_drop_of_a_name_a_later_rename_gives_back_is_reported_as_data_loss_and_guarded() {
    use preflight::runner::ApplyModel;
    let message = |model, line| {
        findings_of(POSTGRES_JSON_COLUMNS, model)
            .into_iter()
            .find(|(rule, at, _)| rule == "PF110" && *at == line)
            .map(|(_, _, message)| message)
            .unwrap_or_default()
    };
    let loses = "does not fail on a re-run of the applied file, it destroys data";
    // Without IF EXISTS, every crash point: a crash before the rename makes it fail, and the
    // full re-run destroys data.
    let each = message(None, 2);
    assert!(
        each.contains(
            "fails on a retry after a crash before the later `RENAME COLUMN tags_json TO tags`"
        ),
        "{each}"
    );
    assert!(
        each.contains("destroys data on a re-run of the whole file"),
        "{each}"
    );
    // With IF EXISTS, or under a per-file transaction (only the full re-run), it does not fail.
    assert!(message(None, 3).contains(loses), "{}", message(None, 3));
    let tx = Some(ApplyModel::FileTransaction);
    assert!(message(tx, 2).contains(loses), "{}", message(tx, 2));
    assert!(message(tx, 3).contains(loses), "{}", message(tx, 3));

    let parts = statements(POSTGRES_JSON_COLUMNS, Dialect::Postgres);
    // What the messages claim, on the real server. A crash right after the first drop: the
    // retry fails at it.
    let db = ScratchDb::postgres();
    db.exec(POSTGRES_JSON_COLUMNS_SETUP);
    db.exec(&parts[0]);
    let err = db.try_exec(POSTGRES_JSON_COLUMNS).unwrap_err();
    assert!(
        err.contains(r#"column "tags" of relation "clients" does not exist"#),
        "{err}"
    );
    // Once the file ran, both drops succeed, and with the renames guarded (PF118's fix) the
    // re-run commits without the migrated columns.
    let db = ScratchDb::postgres();
    db.exec(POSTGRES_JSON_COLUMNS_SETUP);
    db.exec(POSTGRES_JSON_COLUMNS);
    let migrated = db.query(JSON_COLUMNS_MIGRATED);
    assert_eq!(migrated, [r#"1=["a", "b"];["read"] 2=["c"];["write"]"#]);
    let renames_guarded = fixed(&parts[2..].concat(), Dialect::Postgres, true);
    db.exec(&format!("{}{}{renames_guarded}", parts[0], parts[1]));
    assert_eq!(
        db.query("SELECT count(*) FROM pg_attribute WHERE attrelid = 'clients'::regclass AND attname IN ('tags', 'scopes', 'tags_json', 'scopes_json') AND NOT attisdropped"),
        ["0"]
    );
    // The fix keeps the data at every crash point, the full re-run included.
    let fixed = fixed(POSTGRES_JSON_COLUMNS, Dialect::Postgres, true);
    assert!(!fixed.contains("DROP COLUMN IF EXISTS tags"), "{fixed}");
    let parts = statements(&fixed, Dialect::Postgres);
    assert_eq!(parts.len(), 4, "{fixed}");
    after_every_crash_point(
        ScratchDb::postgres,
        POSTGRES_JSON_COLUMNS_SETUP,
        &parts,
        &fixed,
        |db, k| {
            assert_eq!(
                db.query(JSON_COLUMNS_MIGRATED),
                migrated,
                "after crash point {k}"
            );
        },
    );
}

/// `(rule, line)` of every PF1xx finding of `sql` in `dialect`, under `model` (`None`: the tool
/// is unknown, every crash point).
fn retry_findings(
    sql: &str,
    dialect: Dialect,
    model: Option<preflight::runner::ApplyModel>,
) -> Vec<(String, usize)> {
    let options = LintOptions {
        dialect,
        runner: model.map(|m| preflight::runner::Runner::UNKNOWN.declaring(Some(m))),
        ..LintOptions::default()
    };
    preflight::lint::lint_source(&SourceFile::new("m.sql", sql), &options)
        .into_iter()
        .filter(|f| f.rule.code.starts_with("PF1"))
        .map(|f| {
            (
                f.rule.code.to_string(),
                f.location.start.map_or(0, |p| p.line),
            )
        })
        .collect()
}

/// Every crash point of `parts`, retried statement by statement: the index of the statement
/// the retry fails at, if any, per crash point.
fn failing_statement_per_crash_point(
    new_db: fn() -> ScratchDb,
    setup: &str,
    parts: &[String],
) -> Vec<Option<usize>> {
    (0..=parts.len())
        .map(|k| {
            let db = new_db();
            db.exec(setup);
            db.exec(&parts[..k].concat());
            parts.iter().position(|part| db.try_exec(part).is_err())
        })
        .collect()
}

const POSTGRES_PAIRS_SETUP: &str = "
CREATE TABLE orders (id int, total int, score int);
ALTER TABLE orders ADD CONSTRAINT orders_total_max CHECK (total < 10);
INSERT INTO orders VALUES (1, 5, 7);
";
/// A drop and an add of the same object in one ALTER TABLE (PF116's fixture).
const POSTGRES_PAIRS: &str = "
ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_id_check, ADD CONSTRAINT orders_id_check CHECK (id > 0);
ALTER TABLE orders DROP CONSTRAINT orders_total_max, ADD CONSTRAINT orders_total_max CHECK (total < 1000000);
ALTER TABLE orders DROP COLUMN score, ADD COLUMN score bigint;
";

#[test]
fn a_drop_and_add_pair_in_one_alter_is_not_flagged_and_survives_every_crash_point_on_postgres() {
    assert_eq!(
        retry_findings(POSTGRES_PAIRS, Dialect::Postgres, None),
        [],
        "no finding for the pairs"
    );
    let parts = statements(POSTGRES_PAIRS, Dialect::Postgres);
    after_every_crash_point(
        ScratchDb::postgres,
        POSTGRES_PAIRS_SETUP,
        &parts,
        POSTGRES_PAIRS,
        |db, k| {
            assert_eq!(
                db.query("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'orders_total_max'"),
                ["CHECK ((total < 1000000))"],
                "after crash point {k}"
            );
        },
    );
    // The control: dropped for good later, the unguarded drop of a retry finds nothing, and
    // both halves of the pair are reported.
    let dropped_later =
        format!("{POSTGRES_PAIRS}ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_total_max;\n");
    let found = retry_findings(&dropped_later, Dialect::Postgres, None);
    assert!(
        found.contains(&("PF111".into(), 3)) && found.contains(&("PF116".into(), 3)),
        "{found:?}"
    );
    let parts = statements(&dropped_later, Dialect::Postgres);
    let failing =
        failing_statement_per_crash_point(ScratchDb::postgres, POSTGRES_PAIRS_SETUP, &parts);
    assert_eq!(failing.last(), Some(&Some(1)), "{failing:?}");
}

const MARIADB_PAIRS_SETUP: &str = "
CREATE TABLE orders (id INT NOT NULL, region INT NOT NULL, city VARCHAR(20), score INT, PRIMARY KEY (id), INDEX idx_city (city));
INSERT INTO orders VALUES (1, 1, 'a', 7);
";
/// MySQL's pairs: the primary key, an index, a column.
const MARIADB_PAIRS: &str = "
ALTER TABLE orders DROP PRIMARY KEY, ADD PRIMARY KEY (id, region);
ALTER TABLE orders DROP INDEX idx_city, ADD INDEX idx_city (city, region);
ALTER TABLE orders DROP COLUMN score, ADD COLUMN score BIGINT;
";

#[test]
fn a_drop_and_add_pair_in_one_alter_is_not_flagged_and_survives_every_crash_point_on_mariadb() {
    for dialect in [Dialect::Mysql, Dialect::Mariadb] {
        assert_eq!(
            retry_findings(MARIADB_PAIRS, dialect, None),
            [],
            "{dialect}"
        );
    }
    let parts = statements(MARIADB_PAIRS, Dialect::Mariadb);
    after_every_crash_point(
        ScratchDb::mariadb,
        MARIADB_PAIRS_SETUP,
        &parts,
        MARIADB_PAIRS,
        |db, k| {
            assert_eq!(
                db.query("SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orders' AND INDEX_NAME IN ('PRIMARY', 'idx_city') GROUP BY INDEX_NAME ORDER BY INDEX_NAME"),
                ["city,region", "id,region"],
                "after crash point {k}"
            );
        },
    );
}

const RECREATED_TYPE_SETUP: &str = "
CREATE TYPE mood AS ENUM ('happy', 'sad', 'meh');
CREATE TABLE people (id int, m mood);
INSERT INTO people VALUES (1, 'happy'), (2, 'sad');
";
/// lemmy's enum re-creation (2025-08-01-000039 and others): the old type renamed away, the new
/// one created under its name, the column converted through text, the old type dropped.
const RECREATED_TYPE: &str = "
ALTER TYPE mood RENAME TO mood__;
CREATE TYPE mood AS ENUM ('happy', 'sad');
ALTER TABLE people ALTER COLUMN m TYPE mood USING m::text::mood;
DROP TYPE mood__;
";

#[test]
fn a_recreated_enum_reruns_in_a_transaction_and_its_old_copy_is_always_found() {
    use preflight::runner::ApplyModel;
    // In one transaction a re-run starts from before the file or after all of it: nothing to
    // report, and the full re-run succeeds on the server.
    assert_eq!(
        retry_findings(
            RECREATED_TYPE,
            Dialect::Postgres,
            Some(ApplyModel::FileTransaction)
        ),
        []
    );
    let db = assert_runs_twice(RECREATED_TYPE_SETUP, RECREATED_TYPE);
    assert_eq!(
        db.query("SELECT string_agg(m::text, ',' ORDER BY id) FROM people"),
        ["happy,sad"]
    );
    // Statement by statement the rename (and the creation its guard would skip) is reported,
    // the drop of the old copy is not: every retry that fails, fails at the rename.
    assert_eq!(
        retry_findings(RECREATED_TYPE, Dialect::Postgres, None),
        [("PF118".into(), 2), ("PF115".into(), 3)]
    );
    let parts = statements(RECREATED_TYPE, Dialect::Postgres);
    let failing =
        failing_statement_per_crash_point(ScratchDb::postgres, RECREATED_TYPE_SETUP, &parts);
    assert!(
        failing.iter().all(|f| matches!(f, None | Some(0))),
        "{failing:?}"
    );
    assert!(
        failing.contains(&Some(0)),
        "the rename does fail somewhere: {failing:?}"
    );
    // PF118's fix checks that the new name is free too: with it, every crash point retries.
    let fixed = fixed(RECREATED_TYPE, Dialect::Postgres, true);
    assert!(fixed.contains("to_regtype('mood__') IS NULL"), "{fixed}");
    let parts = statements(&fixed, Dialect::Postgres);
    after_every_crash_point(
        ScratchDb::postgres,
        RECREATED_TYPE_SETUP,
        &parts,
        &fixed,
        |db, k| {
            assert_eq!(
                db.query("SELECT string_agg(m::text, ',' ORDER BY id) FROM people"),
                ["happy,sad"],
                "after crash point {k}"
            );
        },
    );
}

#[test]
fn a_value_renamed_after_a_cast_through_text_makes_the_rerun_fail_and_is_flagged() {
    use preflight::runner::ApplyModel;
    let relabelled = format!("{RECREATED_TYPE}ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';\n");
    let found = retry_findings(
        &relabelled,
        Dialect::Postgres,
        Some(ApplyModel::FileTransaction),
    );
    assert!(found.contains(&("PF124".into(), 4)), "{found:?}");
    assert_retry_fails(
        RECREATED_TYPE_SETUP,
        &relabelled,
        &[r#"invalid input value for enum mood: "blue""#],
    );
}

#[test]
fn a_table_renamed_away_takes_its_indexes_and_their_names_along() {
    use preflight::runner::ApplyModel;
    let setup = "CREATE TABLE t (a int); INSERT INTO t VALUES (1);";
    let sql = "
ALTER TABLE t RENAME TO t_old;
CREATE TABLE t (a int);
CREATE INDEX t_a_idx ON t (a);
DROP TABLE t_old;
";
    // The rename, the CREATE TABLE and the DROP are proved; the index is not.
    let found = retry_findings(sql, Dialect::Postgres, Some(ApplyModel::FileTransaction));
    assert_eq!(found, [("PF102".into(), 4)]);
    let db = ScratchDb::postgres();
    db.exec(setup);
    db.exec(sql);
    let parts = statements(sql, Dialect::Postgres);
    let at = parts.iter().position(|part| db.try_exec(part).is_err());
    assert_eq!(at, Some(2), "the full re-run fails at CREATE INDEX");
}

const LABELS_SETUP: &str = "
CREATE TYPE sort_enum AS ENUM ('Active', 'Hot', 'TopDay');
CREATE TABLE local_user (id int, sort sort_enum);
INSERT INTO local_user VALUES (1, 'TopDay'), (2, 'Hot');
";
/// lemmy's 2025-08-01-000039: the rows of a value the new enum lacks are moved first, then the
/// enum is re-created without it; `{}` is the data change's condition.
const LABELS: &str = "
UPDATE local_user SET sort = 'Active' WHERE {};
ALTER TYPE sort_enum RENAME TO sort_enum__;
CREATE TYPE sort_enum AS ENUM ('Active', 'Hot');
ALTER TABLE local_user ALTER COLUMN sort TYPE sort_enum USING sort::text::sort_enum;
DROP TYPE sort_enum__;
";

#[test]
fn a_comparison_with_a_value_the_recreated_enum_lacks_is_flagged_and_fails_the_rerun() {
    use preflight::runner::ApplyModel;
    let tx = Some(ApplyModel::FileTransaction);
    let lost = LABELS.replace("{}", "sort IN ('TopDay')");
    assert_eq!(
        retry_findings(&lost, Dialect::Postgres, tx),
        [("PF123".into(), 2)]
    );
    assert_retry_fails(
        LABELS_SETUP,
        &lost,
        &[r#"invalid input value for enum sort_enum: "TopDay""#],
    );
    // Compared as text, the literal is no enum value: not flagged, and the re-run succeeds.
    let kept = LABELS.replace("{}", "sort::text IN ('TopDay')");
    assert_eq!(retry_findings(&kept, Dialect::Postgres, tx), []);
    assert_runs_twice(LABELS_SETUP, &kept);
}

#[test]
fn a_value_renamed_in_a_type_the_file_recreates_is_proved_in_a_transaction_and_reruns() {
    use preflight::runner::ApplyModel;
    // lemmy's 2025-08-01-000042: the enum is created again with 'sad', then the value renamed.
    let relabelled = format!("{RECREATED_TYPE}ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';\n");
    let tx = Some(ApplyModel::FileTransaction);
    // Only the conversion is reported (a row holding 'blue' fails it on a re-run: the test
    // above); the value rename is not.
    assert_eq!(
        retry_findings(&relabelled, Dialect::Postgres, tx),
        [("PF124".into(), 4)]
    );
    assert!(retry_findings(&relabelled, Dialect::Postgres, None).contains(&("PF118".into(), 6)));
    let db = ScratchDb::postgres();
    db.exec("CREATE TYPE mood AS ENUM ('happy', 'sad'); CREATE TABLE people (id int, m mood); INSERT INTO people VALUES (1, 'happy');");
    db.exec(&relabelled);
    db.exec(&relabelled);
    assert_eq!(
        db.query("SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = 'mood'::regtype"),
        ["happy,blue"]
    );
}

const CASCADED_MVIEW_SETUP: &str = "
CREATE TABLE t (a int);
INSERT INTO t VALUES (1);
CREATE VIEW v AS SELECT a FROM t;
CREATE MATERIALIZED VIEW m AS SELECT a FROM v;
CREATE UNIQUE INDEX m_a ON m (a);
";
/// lemmy's shape (2020-01-21-001001 and eight more): the view is rebuilt with CASCADE, which
/// takes the materialized view over it and the materialized view's unique index along.
const CASCADED_MVIEW: &str = "
DROP VIEW v CASCADE;
CREATE VIEW v AS SELECT a, a + 1 AS b FROM t;
CREATE MATERIALIZED VIEW m AS SELECT a, b FROM v;
CREATE UNIQUE INDEX m_a ON m (a);
";

#[test]
fn the_index_of_a_materialized_view_a_cascade_removes_is_not_flagged_and_reruns() {
    use preflight::runner::ApplyModel;
    let index_line = 5;
    for model in [Some(ApplyModel::FileTransaction), None] {
        let found = retry_findings(CASCADED_MVIEW, Dialect::Postgres, model);
        assert!(
            !found.iter().any(|(_, line)| *line == index_line),
            "{model:?}: {found:?}"
        );
    }
    let parts = statements(CASCADED_MVIEW, Dialect::Postgres);
    let failing =
        failing_statement_per_crash_point(ScratchDb::postgres, CASCADED_MVIEW_SETUP, &parts);
    // The full re-run (a per-file transaction's only retry) succeeds; after a crash between the
    // drop and the view's creation the retry's DROP VIEW fails, never the index.
    assert_eq!(failing.last(), Some(&None), "{failing:?}");
    assert!(
        failing.iter().all(|f| matches!(f, None | Some(0))),
        "{failing:?}"
    );
    // Dropped by name instead of by cascade (lemmy 2020-02-06-165953): the same.
    let by_name = CASCADED_MVIEW.replace(
        "DROP VIEW v CASCADE;\n",
        "DROP MATERIALIZED VIEW m;\nDROP VIEW v;\n",
    );
    let found = retry_findings(
        &by_name,
        Dialect::Postgres,
        Some(ApplyModel::FileTransaction),
    );
    assert!(
        !found.iter().any(|(_, line)| *line == index_line + 1),
        "{found:?}"
    );
    let parts = statements(&by_name, Dialect::Postgres);
    let failing =
        failing_statement_per_crash_point(ScratchDb::postgres, CASCADED_MVIEW_SETUP, &parts);
    assert_eq!(failing.last(), Some(&None), "{failing:?}");
    // The control: an index on a materialized view no cascade removes is flagged, and the
    // re-run fails there.
    let control = format!("{CASCADED_MVIEW}CREATE MATERIALIZED VIEW n AS SELECT 2 AS a;\nCREATE UNIQUE INDEX n_a ON n (a);\n");
    let found = retry_findings(
        &control,
        Dialect::Postgres,
        Some(ApplyModel::FileTransaction),
    );
    assert!(found.iter().any(|(_, line)| *line == 7), "{found:?}");
    let parts = statements(&control, Dialect::Postgres);
    let failing =
        failing_statement_per_crash_point(ScratchDb::postgres, CASCADED_MVIEW_SETUP, &parts);
    assert_eq!(failing.last(), Some(&Some(4)), "{failing:?}");
}

/// A guard's condition can name what the statement does not (here the rename's source, read by
/// the DROP's guard). `$` is legal inside a PostgreSQL identifier, so a name holding the DO
/// block's own `$preflight$` tag must not end its dollar quote early.
#[test]
fn a_dollar_quote_tag_in_a_guarded_name_does_not_break_the_fixed_file() {
    let sql = "ALTER TABLE posts DROP COLUMN newest;\nALTER TABLE posts RENAME COLUMN n$preflight$x TO newest;\n";
    let fixed = fixed(sql, Dialect::Postgres, true);
    let db = assert_runs_twice(
        "CREATE TABLE posts (id int, newest timestamptz, n$preflight$x timestamptz);",
        &fixed,
    );
    assert_eq!(
        db.query("SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'posts'::regclass AND attnum > 0 AND NOT attisdropped"),
        ["id,newest"],
        "{fixed}"
    );
}

/// lemmy's 2025-08-01-000049 shape: one ALTER adds named foreign keys and an unnamed primary
/// key. Each action's fix wraps the same statement and the first one applied wins, so its
/// handler has to catch what every action raises on a retry: `duplicate_object` for the
/// foreign key, `invalid_table_definition` ("multiple primary keys") for the key, which
/// PostgreSQL adds first.
#[test]
fn a_foreign_key_and_a_primary_key_in_one_alter_are_guarded_together() {
    let sql = "ALTER TABLE liked\n    ALTER COLUMN id SET NOT NULL,\n    ADD CONSTRAINT liked_person_id_fkey FOREIGN KEY (person_id) REFERENCES person,\n    ADD PRIMARY KEY (id);\n";
    let fixed = fixed(sql, Dialect::Postgres, true);
    let db = ScratchDb::postgres();
    db.exec(
        "CREATE TABLE person (id int PRIMARY KEY);\nCREATE TABLE liked (id int, person_id int);",
    );
    let err = run_twice(&db, sql).expect_err("the original fails on a retry");
    assert!(err.contains("multiple primary keys"), "{err}");
    db.exec(&fixed);
    let fresh = assert_runs_twice(
        "CREATE TABLE person (id int PRIMARY KEY);\nCREATE TABLE liked (id int, person_id int);",
        &fixed,
    );
    assert_eq!(
        fresh.query("SELECT string_agg(contype::text, ',' ORDER BY contype) FROM pg_constraint WHERE conrelid = 'liked'::regclass"),
        ["f,p"],
        "{fixed}"
    );
}

/// Two rules fix one statement: PF116 wraps `ADD CONSTRAINT` in a DO block, PF309/PF308 add
/// `NOT VALID` and a `VALIDATE CONSTRAINT` after it, PF314/PF315 a `SET` before it. The wrap
/// touches the bytes of all of them; applied first, it left the others with no fix (they have no
/// form inside a DO block) and `fix` dropped them without a word: PF308/PF309 stayed as "no fix:
/// split the statement by hand", PF314/PF315 vanished. The narrower fixes now go first and the
/// wrap is made around them on the next round.
#[test]
fn a_do_block_wrap_keeps_the_not_valid_and_timeout_fixes_of_its_statement() {
    let setup = "CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE t (id int PRIMARY KEY, p_id int, a int);\nINSERT INTO p VALUES (1);\nINSERT INTO t VALUES (1, 1, 1);";
    for (sql, fixed_by) in [
        (
            "ALTER TABLE t ADD CONSTRAINT t_p_fk FOREIGN KEY (p_id) REFERENCES p (id);\n",
            ["PF116", "PF309", "PF314", "PF315"],
        ),
        (
            "ALTER TABLE t ADD CONSTRAINT t_a_check CHECK (a > 0);\n",
            ["PF116", "PF308", "PF314", "PF315"],
        ),
    ] {
        let options = LintOptions {
            dialect: Dialect::Postgres,
            extend_select: vec!["PF314".into(), "PF315".into()],
            ..LintOptions::default()
        };
        let outcome = fix_source(&SourceFile::new("m.sql", sql), &options, true);
        let mut applied: Vec<&str> = outcome.applied.iter().map(|f| f.code()).collect();
        applied.sort_unstable();
        assert_eq!(applied, fixed_by, "{}", outcome.fixed);
        assert!(outcome.remaining.is_empty(), "{:?}", outcome.remaining);
        let fixed = &outcome.fixed;
        assert!(
            fixed.starts_with("SET lock_timeout = '5s';\nSET statement_timeout = '5min';\nDO $preflight$ BEGIN\n")
                && fixed.contains(") NOT VALID;\nEXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;\nEND $preflight$;\nALTER TABLE t VALIDATE CONSTRAINT "),
            "{fixed}"
        );
        let db = assert_runs_twice(setup, fixed);
        assert_eq!(
            db.query("SELECT count(*) || ',' || bool_and(convalidated) FROM pg_constraint WHERE conrelid = 't'::regclass AND contype <> 'p'"),
            ["1,true"],
            "{fixed}"
        );
    }
}

/// PF123's DO-block guard and PF301's `CONCURRENTLY` on one `CREATE INDEX`: the edits do not
/// touch, so both applied in one round, and the file failed on its first run ("CREATE INDEX
/// CONCURRENTLY cannot be executed from a function"). A wrap now waits for an edit inside
/// what it wraps, and is not made around CONCURRENTLY: PF123 is left, with its reason.
#[test]
fn a_do_block_wrap_is_not_made_around_an_added_concurrently() {
    let sql = "-- no-transaction\nCREATE INDEX IF NOT EXISTS t_old_idx ON t (old);\nALTER TABLE t DROP COLUMN IF EXISTS old;\n";
    let options = LintOptions {
        dialect: Dialect::Postgres,
        runner: preflight::runner::Runner::named("sqlx"),
        ..LintOptions::default()
    };
    let outcome = fix_source(&SourceFile::new("m.sql", sql), &options, true);
    let fixed = &outcome.fixed;
    assert!(!fixed.contains("DO $preflight$"), "{fixed}");
    let pf123: Vec<_> = outcome
        .remaining
        .iter()
        .filter(|f| f.code() == "PF123")
        .collect();
    assert!(
        pf123.len() == 1 && pf123[0].fix.is_none() && !pf123[0].notes.is_empty(),
        "{:?}",
        outcome.remaining
    );
    // One statement a line; the client sends a multi-statement string as one transaction.
    let db = ScratchDb::postgres();
    db.exec("CREATE TABLE t (id int, old int);");
    for statement in fixed.lines().filter(|l| !l.starts_with("--")) {
        db.exec(statement);
    }
}

/// A rename of a name an earlier rename gave to a table the file creates: a re-run of the whole
/// file creates the table again and renames it back into the old name, so MariaDB's `IF EXISTS`
/// finds it and renames it into a name that is taken. Reported without that fix.
#[test]
fn a_rename_of_a_name_the_file_renamed_its_own_table_to_is_left_unfixed_on_mariadb() {
    let sql = "CREATE TABLE IF NOT EXISTS a (id int);\nALTER TABLE a RENAME TO b;\nALTER TABLE b RENAME TO c;\n";
    let options = LintOptions {
        dialect: Dialect::Mariadb,
        ..LintOptions::default()
    };
    let findings = lint_source(&SourceFile::new("m.sql", sql), &options);
    let third = findings
        .iter()
        .find(|f| f.rule.code == "PF118" && f.location.start.as_ref().map(|s| s.line) == Some(3))
        .expect("PF118 on the second rename");
    assert!(third.fix.is_none(), "{third:?}");
    assert!(
        third.notes.iter().any(|n| n.starts_with("no fix:")),
        "{third:?}"
    );
    // The withheld fix fails the second run on the real server.
    let db = ScratchDb::mariadb();
    let guarded = sql.replace("ALTER TABLE b", "ALTER TABLE IF EXISTS b");
    let err = run_twice(&db, &guarded).unwrap_err();
    assert!(err.contains("already exists"), "{err}");
}

/// A DO block whose handler catches the statement's own retry error (`duplicate_object`) does
/// not keep its read of a column a later statement drops from failing: the retry's ADD
/// CONSTRAINT raises `column "old" does not exist` inside the block. PF123 skipped every
/// statement of a DO body, so such a block linted clean. A handler for the read's error, or a
/// catalog check that the column exists, does keep the retry running; one that checks only
/// the constraint does not (the DROP COLUMN took the constraint with it).
#[test]
fn a_do_block_guards_a_read_of_what_a_later_statement_drops_only_when_it_guards_the_read() {
    let add = "ALTER TABLE t ADD CONSTRAINT t_old_check CHECK (old > 0);";
    let drop = "ALTER TABLE t DROP COLUMN IF EXISTS old;\n";
    let handled = |condition: &str| {
        format!("DO $$\nBEGIN\n    {add}\nEXCEPTION WHEN {condition} THEN NULL;\nEND $$;\n{drop}")
    };
    let branch = |check: &str| {
        format!("DO $$\nBEGIN\n    IF {check} THEN\n        {add}\n    END IF;\nEND $$;\n{drop}")
    };
    let failing = [
        handled("duplicate_object"),
        handled("duplicate_object OR undefined_table"),
        branch("NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 't_old_check')"),
        branch("EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'id')"),
    ];
    let surviving = [
        handled("duplicate_object OR undefined_column"),
        handled("SQLSTATE '42703' OR duplicate_object"),
        handled("OTHERS"),
        branch("EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'old')"),
        branch("to_regclass('t') IS NOT NULL AND EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'old')"),
    ];
    for sql in &failing {
        let found = retry_findings(sql, Dialect::Postgres, None);
        assert!(
            found
                .iter()
                .any(|(code, line)| code == "PF123" && *line > 1),
            "{sql}\n{found:?}"
        );
        assert_retry_fails(
            CONSTRAINT_READS_SETUP,
            sql,
            &[r#"column "old" does not exist"#],
        );
    }
    // (PF116 still reports a branch without a handler: a crash before the DROP COLUMN leaves
    // the column, and the retry adds the constraint again.)
    for sql in &surviving {
        let found = retry_findings(sql, Dialect::Postgres, None);
        assert!(
            found.iter().all(|(code, _)| code != "PF123"),
            "{sql}\n{found:?}"
        );
        assert_runs_twice(CONSTRAINT_READS_SETUP, sql);
    }
}

/// A DO block that reads a column and then drops (or renames) it itself: a retry runs the
/// whole block again and its read fails with `column "old" does not exist`. PF123 looked only at
/// later top-level statements, so the block linted clean. The removal's own guard (`IF EXISTS`,
/// a catalog check) does not help; a guard of the read does, and so does a later statement of
/// the block that adds the column back. A read of what an earlier statement of the block
/// removed (and added back) is no such read.
#[test]
fn a_do_block_that_reads_what_it_removes_later_fails_on_a_retry() {
    let block = |body: &str| format!("DO $$\nBEGIN\n{body}\nEND $$;\n");
    // `column "old" does not exist`, or for an UPDATE's SET `column "old" of relation "t" …`.
    let gone = [r#"column "old""#, "does not exist"];
    let has_old = "EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'old')";
    let failing = [
        block("    UPDATE t SET old = 1;\n    ALTER TABLE t DROP COLUMN old;"),
        block("    UPDATE t SET old = 1;\n    ALTER TABLE t DROP COLUMN IF EXISTS old;"),
        block("    UPDATE t SET old = 1;\n    ALTER TABLE t RENAME COLUMN old TO new;"),
        block(&format!(
            "    UPDATE t SET old = 1;\n    IF {has_old} THEN\n        ALTER TABLE t DROP COLUMN old;\n    END IF;"
        )),
        block("    ALTER TABLE t ADD CONSTRAINT t_old_check CHECK (old > 0);\n    ALTER TABLE t DROP COLUMN IF EXISTS old;\nEXCEPTION WHEN duplicate_object THEN NULL;"),
    ];
    let surviving = [
        block(&format!(
            "    IF {has_old} THEN\n        UPDATE t SET old = 1;\n    END IF;\n    ALTER TABLE t DROP COLUMN IF EXISTS old;"
        )),
        block("    UPDATE t SET old = 1;\n    ALTER TABLE t DROP COLUMN old;\nEXCEPTION WHEN undefined_column THEN NULL;"),
        block("    UPDATE t SET old = 1;\n    ALTER TABLE t DROP COLUMN IF EXISTS old;\n    ALTER TABLE t ADD COLUMN IF NOT EXISTS old int;"),
        block("    ALTER TABLE t DROP COLUMN IF EXISTS old;\n    ALTER TABLE t ADD COLUMN IF NOT EXISTS old int;\n    UPDATE t SET old = 1;"),
    ];
    for sql in &failing {
        let found = retry_findings(sql, Dialect::Postgres, None);
        assert!(
            found
                .iter()
                .any(|(code, line)| code == "PF123" && *line == 3),
            "{sql}\n{found:?}"
        );
        assert_retry_fails(CONSTRAINT_READS_SETUP, sql, &gone);
    }
    for sql in &surviving {
        let found = retry_findings(sql, Dialect::Postgres, None);
        assert!(
            found.iter().all(|(code, _)| code != "PF123"),
            "{sql}\n{found:?}"
        );
        assert_runs_twice(CONSTRAINT_READS_SETUP, sql);
    }
    // Under a per-file transaction a read the file's last statement makes valid again is
    // fine; without one, a crash between the block and that statement leaves the column gone.
    let sql = format!(
        "{}ALTER TABLE t ADD COLUMN IF NOT EXISTS old int;\n",
        block("    UPDATE t SET old = 1;\n    ALTER TABLE t DROP COLUMN IF EXISTS old;")
    );
    let transactional = Some(preflight::runner::ApplyModel::FileTransaction);
    let found = retry_findings(&sql, Dialect::Postgres, transactional);
    assert!(found.iter().all(|(code, _)| code != "PF123"), "{found:?}");
    let found = retry_findings(&sql, Dialect::Postgres, None);
    assert!(
        found
            .iter()
            .any(|(code, line)| code == "PF123" && *line == 3),
        "{found:?}"
    );
    let db = ScratchDb::postgres();
    db.exec(CONSTRAINT_READS_SETUP);
    db.exec(&format!("BEGIN;\n{sql}COMMIT;"));
    db.exec(&format!("BEGIN;\n{sql}COMMIT;"));
    db.exec(&block(
        "    UPDATE t SET old = 1;\n    ALTER TABLE t DROP COLUMN IF EXISTS old;",
    ));
    let err = db.try_exec(&sql).expect_err(&sql);
    assert!(gone.iter().all(|part| err.contains(part)), "{err}");
}

/// The read and the drop in two arms of one IF whose condition reads the table's rows: the
/// first run finds no row and drops the column; rows arrive (the running version writes), and
/// the retry takes the other arm, whose read fails. Exclusive arms do not keep a retry from
/// running both, one per run, so the read stays flagged.
#[test]
fn a_read_in_another_arm_of_a_data_dependent_if_than_the_drop_stays_flagged() {
    let sql = "DO $$\nBEGIN\n    IF (SELECT count(*) FROM t) > 0 THEN\n        UPDATE t SET old = 1;\n    ELSE\n        ALTER TABLE t DROP COLUMN IF EXISTS old;\n    END IF;\nEND $$;\n";
    let found = retry_findings(sql, Dialect::Postgres, None);
    assert!(
        found
            .iter()
            .any(|(code, line)| code == "PF123" && *line == 4),
        "{found:?}"
    );
    let db = ScratchDb::postgres();
    db.exec(CONSTRAINT_READS_SETUP);
    db.exec("DELETE FROM t;");
    db.exec(sql);
    db.exec("INSERT INTO t (id) VALUES (1);");
    let err = db.try_exec(sql).expect_err(sql);
    assert!(err.contains(r#"column "old""#), "{err}");
}

/// PostgreSQL drops a constraint with a column it is on (`DROP COLUMN`, with or without
/// CASCADE; a multi-column CHECK too): once the file's later DROP COLUMN ran, a retry's
/// `VALIDATE CONSTRAINT` of it fails (`constraint "c" of relation "t" does not exist`), also
/// when the ADD is guarded by a check that the column exists (as PF123's fix of the ADD is).
/// PF123 read no VALIDATE as a use of the constraint's columns, so such files linted clean (and
/// `fix` left one that failed). Now it reports the VALIDATE, and its fix, the same check that
/// the column exists, makes the file run twice. A constraint on a column the file keeps is
/// not reported.
#[test]
fn a_validate_of_a_constraint_on_a_column_dropped_later_is_flagged_and_its_fix_reruns() {
    let guarded = |action: &str, drop: &str| {
        format!(
            "DO $$\nBEGIN\n    IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'old' AND NOT attisdropped) THEN\n        ALTER TABLE t ADD CONSTRAINT c {action} NOT VALID;\n    END IF;\nEND $$;\nALTER TABLE t VALIDATE CONSTRAINT c;\n{drop}\n"
        )
    };
    let drop = "ALTER TABLE t DROP COLUMN IF EXISTS old;";
    let cases = [
        guarded("CHECK (old > 0)", drop),
        guarded("FOREIGN KEY (old) REFERENCES p (id)", drop),
        guarded("CHECK (old >= id)", drop),
        guarded(
            "CHECK (old > 0)",
            "ALTER TABLE t DROP COLUMN IF EXISTS old CASCADE;",
        ),
    ];
    for sql in &cases {
        let found = retry_findings(sql, Dialect::Postgres, None);
        assert!(found.contains(&("PF123".into(), 7)), "{sql}\n{found:?}");
        let options = LintOptions {
            dialect: Dialect::Postgres,
            select: vec!["PF123".into()],
            ..LintOptions::default()
        };
        let outcome = fix_source(&SourceFile::new("m.sql", sql.as_str()), &options, true);
        assert!(outcome.remaining.is_empty(), "{:?}", outcome.remaining);
        assert_fix_makes_the_retry_succeed(
            CONSTRAINT_READS_SETUP,
            sql,
            &[r#"constraint "c" of relation "t" does not exist"#],
            &outcome.fixed,
        );
    }
    // The ADD unguarded, after a DROP CONSTRAINT IF EXISTS: PF123 reports both, and its fixes
    // of both make the file run twice.
    let sql = "ALTER TABLE t DROP CONSTRAINT IF EXISTS c;\nALTER TABLE t ADD CONSTRAINT c CHECK (old > 0) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT c;\nALTER TABLE t DROP COLUMN IF EXISTS old;\n";
    let found = retry_findings(sql, Dialect::Postgres, None);
    assert!(found.contains(&("PF123".into(), 2)), "{found:?}");
    assert!(found.contains(&("PF123".into(), 3)), "{found:?}");
    let fixed = fixed(sql, Dialect::Postgres, true);
    assert_runs_twice(CONSTRAINT_READS_SETUP, &fixed);
    // A constraint on a column the file keeps stays: its VALIDATE is no finding, and reruns.
    let kept = guarded("CHECK (id > 0)", drop).replace(
        "EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'old' AND NOT attisdropped)",
        "NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'c')",
    );
    let found = retry_findings(&kept, Dialect::Postgres, None);
    assert!(found.iter().all(|(code, _)| code != "PF123"), "{found:?}");
    assert_runs_twice(CONSTRAINT_READS_SETUP, &kept);
}

/// A `COMMENT ON CONSTRAINT c ON t` names the constraint as a VALIDATE does: once the file's
/// later DROP COLUMN took `c` along, a retry fails there (`constraint "c" for table "t" does
/// not exist`). PF123 reports it, and its fix (a check that the column exists) reruns. A
/// comment on a domain's constraint of that name is no use of the table's.
#[test]
fn a_comment_on_a_constraint_on_a_column_dropped_later_is_flagged_and_its_fix_reruns() {
    let sql = "DO $$\nBEGIN\n    IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'old' AND NOT attisdropped) THEN\n        ALTER TABLE t ADD CONSTRAINT c CHECK (old > 0);\n    END IF;\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $$;\nCOMMENT ON CONSTRAINT c ON t IS 'positive';\nALTER TABLE t DROP COLUMN IF EXISTS old;\n";
    let found = retry_findings(sql, Dialect::Postgres, None);
    assert!(found.contains(&("PF123".into(), 8)), "{found:?}");
    let options = LintOptions {
        dialect: Dialect::Postgres,
        select: vec!["PF123".into()],
        ..LintOptions::default()
    };
    let outcome = fix_source(&SourceFile::new("m.sql", sql), &options, true);
    assert!(outcome.remaining.is_empty(), "{:?}", outcome.remaining);
    assert_fix_makes_the_retry_succeed(
        CONSTRAINT_READS_SETUP,
        sql,
        &[r#"constraint "c" for table "t" does not exist"#],
        &outcome.fixed,
    );
    let domain = sql.replace("ON t IS", "ON DOMAIN t IS");
    let found = retry_findings(&domain, Dialect::Postgres, None);
    assert!(!found.contains(&("PF123".into(), 8)), "{found:?}");
}

/// A VALIDATE CONSTRAINT in a DO block whose constraint a later DROP COLUMN takes along fails
/// on a retry with `undefined_object` (42704), not `undefined_column`: a handler for the one
/// keeps the retry running and the other does not; so does an IF that checks the constraint
/// (or its column) exists, and not one that checks only the table. PF123 read the block's
/// handlers as for a column the VALIDATE reads itself.
#[test]
fn a_validate_in_a_do_block_is_guarded_by_what_catches_or_checks_the_constraint_being_gone() {
    let file = |validate: &str| {
        format!(
            "DO $$\nBEGIN\n    IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'old' AND NOT attisdropped) THEN\n        ALTER TABLE t ADD CONSTRAINT c CHECK (old > 0) NOT VALID;\n    END IF;\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $$;\nDO $$\nBEGIN\n    {validate}\nEND $$;\nALTER TABLE t DROP COLUMN IF EXISTS old;\n"
        )
    };
    let handled = |condition: &str| {
        file(&format!(
            "ALTER TABLE t VALIDATE CONSTRAINT c;\nEXCEPTION WHEN {condition} THEN NULL;"
        ))
    };
    let branch = |check: &str| {
        file(&format!(
            "IF {check} THEN\n        ALTER TABLE t VALIDATE CONSTRAINT c;\n    END IF;"
        ))
    };
    let failing = [
        handled("undefined_column"),
        branch("EXISTS (SELECT 1 FROM pg_class WHERE relname = 't')"),
    ];
    let surviving = [
        handled("undefined_object"),
        handled("SQLSTATE '42704'"),
        handled("OTHERS"),
        branch("EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 't'::regclass AND conname = 'c')"),
        branch("EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'old')"),
    ];
    for sql in &failing {
        let found = retry_findings(sql, Dialect::Postgres, None);
        // At the VALIDATE, in the second block.
        assert!(
            found
                .iter()
                .any(|(code, line)| code == "PF123" && *line > 8),
            "{sql}\n{found:?}"
        );
        assert_retry_fails(
            CONSTRAINT_READS_SETUP,
            sql,
            &[r#"constraint "c" of relation "t" does not exist"#],
        );
    }
    for sql in &surviving {
        let found = retry_findings(sql, Dialect::Postgres, None);
        assert!(
            found.iter().all(|(code, _)| code != "PF123"),
            "{sql}\n{found:?}"
        );
        assert_runs_twice(CONSTRAINT_READS_SETUP, sql);
    }
}

/// PF116 (a DO block with a handler for "already exists") and PF123 (a check that the column a
/// later statement drops is still there) both wrap one ADD CONSTRAINT. `fix` made PF116's DO
/// block, named PF123's fix as not applied, and the fixed file linted clean while its retry
/// still failed with `column "old" does not exist`. PF123 now puts its check inside the block:
/// both fixes apply, nothing is left, and the fixed file runs twice. So does a hand-written
/// block with only the handler, and a table the file drops later (`undefined_table`).
#[test]
fn a_read_that_pf116_s_do_block_wraps_gets_pf123_s_check_inside_the_block_and_survives_a_retry() {
    let cases = [
        (
            "ALTER TABLE t ADD CONSTRAINT t_old_check CHECK (old > 0);\nALTER TABLE t DROP COLUMN IF EXISTS old;\n",
            vec!["PF116", "PF123"],
        ),
        (
            "DO $$\nBEGIN\n    ALTER TABLE t ADD CONSTRAINT t_old_check CHECK (old > 0);\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $$;\nALTER TABLE t DROP COLUMN IF EXISTS old;\n",
            vec!["PF123"],
        ),
        (
            "DO $$ BEGIN CREATE INDEX t_old_idx ON t (old); EXCEPTION WHEN duplicate_table THEN NULL; END $$;\nDROP TABLE IF EXISTS t;\n",
            vec!["PF123"],
        ),
    ];
    for (sql, fixed_by) in cases {
        let options = LintOptions {
            dialect: Dialect::Postgres,
            // The lock rule's NOT VALID split of the CHECK: its VALIDATE is a statement of
            // its own, outside the block.
            ignore: vec!["PF308".into()],
            ..LintOptions::default()
        };
        let outcome = fix_source(&SourceFile::new("m.sql", sql), &options, true);
        let fixed = &outcome.fixed;
        let mut applied: Vec<&str> = outcome.applied.iter().map(|f| f.code()).collect();
        applied.sort_unstable();
        assert_eq!(applied, fixed_by, "{fixed}");
        assert!(outcome.lost.is_empty(), "{:?}", outcome.lost);
        // No retry finding is left (the index's PF301 lock warning is).
        assert!(
            outcome
                .remaining
                .iter()
                .all(|f| !f.code().starts_with("PF1")),
            "{:?}",
            outcome.remaining
        );
        assert_eq!(fixed.matches("DO $").count(), 1, "{fixed}");
        // The author's bytes are kept: the fixes only insert.
        assert!(only_inserts(sql, fixed), "{fixed}");
        assert_fix_makes_the_retry_succeed(CONSTRAINT_READS_SETUP, sql, &["does not exist"], fixed);
    }
}

/// Is `after` `before` with text inserted (every character of `before` in it, in order)?
fn only_inserts(before: &str, after: &str) -> bool {
    let mut rest = after.chars();
    before.chars().all(|c| rest.any(|a| a == c))
}

/// PF308/PF309's split of an ADD CONSTRAINT on a column a later statement drops: `fix` made
/// PF116's block with PF123's check inside around `… NOT VALID`, and a top-level `VALIDATE
/// CONSTRAINT` after it. The DROP COLUMN takes the constraint along, so a retry skipped the ADD
/// and failed at the VALIDATE (`constraint "t_old_check" of relation "t" does not exist`), with
/// nothing left to lint. The split is no longer offered there, and the fixed file runs twice.
#[test]
fn a_not_valid_split_is_not_made_for_a_constraint_on_a_column_dropped_later() {
    for (action, lock_rule) in [
        ("CHECK (old > 0)", "PF308"),
        ("FOREIGN KEY (old) REFERENCES p (id)", "PF309"),
    ] {
        let sql = format!(
            "ALTER TABLE t ADD CONSTRAINT t_old_check {action};\nALTER TABLE t DROP COLUMN IF EXISTS old;\n"
        );
        let options = LintOptions {
            dialect: Dialect::Postgres,
            ..LintOptions::default()
        };
        let outcome = fix_source(&SourceFile::new("m.sql", sql.as_str()), &options, true);
        let fixed = &outcome.fixed;
        assert!(!fixed.contains("VALIDATE"), "{fixed}");
        assert!(outcome.lost.is_empty(), "{:?}", outcome.lost);
        let left: Vec<&str> = outcome.remaining.iter().map(|f| f.code()).collect();
        assert_eq!(left, [lock_rule], "{fixed}");
        assert!(
            outcome.remaining[0].fix.is_none()
                && outcome.remaining[0].notes[0]
                    .contains("a later statement of this file drops a column the constraint is on"),
            "{:?}",
            outcome.remaining
        );
        assert_runs_twice(CONSTRAINT_READS_SETUP, fixed);
    }
    // On a column the file keeps, the split is made.
    let kept = "ALTER TABLE t ADD CONSTRAINT t_id_check CHECK (id > 0);\nALTER TABLE t DROP COLUMN IF EXISTS old;\n";
    let fixed = fixed(kept, Dialect::Postgres, true);
    assert!(
        fixed.contains("ALTER TABLE t VALIDATE CONSTRAINT t_id_check;"),
        "{fixed}"
    );
}

/// A DO body's `UPDATE` and `DELETE` were no statements of the body (only CREATE, ALTER, DROP
/// and INSERT were), so their read of a column a later statement drops went unchecked: the
/// retry fails with `column "old" … does not exist`. PF123 flags them now, and its check inside
/// the block makes the file run twice.
#[test]
fn an_update_or_delete_in_a_do_block_of_a_column_dropped_later_is_flagged_and_guarded() {
    for body in ["UPDATE t SET old = 1;", "DELETE FROM t WHERE old > 0;"] {
        let sql = format!("DO $$ BEGIN {body} END $$;\nALTER TABLE t DROP COLUMN IF EXISTS old;\n");
        let found = retry_findings(&sql, Dialect::Postgres, None);
        assert_eq!(found, [("PF123".to_string(), 1)], "{sql}");
        let fixed = fixed(&sql, Dialect::Postgres, true);
        assert!(only_inserts(&sql, &fixed), "{fixed}");
        assert!(
            retry_findings(&fixed, Dialect::Postgres, None).is_empty(),
            "{fixed}"
        );
        assert_fix_makes_the_retry_succeed(
            CONSTRAINT_READS_SETUP,
            &sql,
            &[r#"column "old""#],
            &fixed,
        );
    }
}

/// A constraint CREATE TABLE declares, by name, on a column a later statement drops: PostgreSQL
/// drops it with the column (a key or reference on the column, a CHECK whose expression reads
/// it), so a retry's `VALIDATE CONSTRAINT` / `COMMENT ON CONSTRAINT` of it fails once the CREATE
/// TABLE IF NOT EXISTS skips. Only `ALTER TABLE … ADD CONSTRAINT` was recorded, so these linted
/// clean. A column's CHECK that reads another column stays (PostgreSQL keeps it), and is no
/// finding.
#[test]
fn a_constraint_create_table_declares_on_a_column_dropped_later_is_used_by_name_at_a_retry_s_risk()
{
    let drop = "ALTER TABLE t DROP COLUMN IF EXISTS old;";
    let failing = [
        format!("CREATE TABLE IF NOT EXISTS t (id int, old int CONSTRAINT c CHECK (old > 0));\nALTER TABLE t VALIDATE CONSTRAINT c;\n{drop}\n"),
        format!("CREATE TABLE IF NOT EXISTS t (id int, old int, CONSTRAINT c CHECK (old > id));\nALTER TABLE t VALIDATE CONSTRAINT c;\n{drop}\n"),
        format!("CREATE TABLE IF NOT EXISTS t (id int, old int CONSTRAINT c REFERENCES p (id));\nCOMMENT ON CONSTRAINT c ON t IS 'x';\n{drop}\n"),
        format!("CREATE TABLE IF NOT EXISTS t (id int, old int, CONSTRAINT c UNIQUE (old));\nCOMMENT ON CONSTRAINT c ON t IS 'x';\n{drop}\n"),
    ];
    let surviving = [
        format!("CREATE TABLE IF NOT EXISTS t (id int, old int CONSTRAINT c CHECK (id > 0));\nALTER TABLE t VALIDATE CONSTRAINT c;\n{drop}\n"),
        format!("CREATE TABLE IF NOT EXISTS t (id int, old int, keep int CONSTRAINT c CHECK (keep > 0));\nALTER TABLE t VALIDATE CONSTRAINT c;\n{drop}\n"),
    ];
    let setup = "CREATE TABLE p (id int PRIMARY KEY);";
    for sql in &failing {
        let found = retry_findings(sql, Dialect::Postgres, None);
        assert!(found.contains(&("PF123".into(), 2)), "{sql}\n{found:?}");
        let fixed = fixed(sql, Dialect::Postgres, true);
        assert_fix_makes_the_retry_succeed(
            setup,
            sql,
            &[r#"constraint "c""#, "does not exist"],
            &fixed,
        );
    }
    for sql in &surviving {
        let found = retry_findings(sql, Dialect::Postgres, None);
        assert!(
            found.iter().all(|(code, _)| code != "PF123"),
            "{sql}\n{found:?}"
        );
        assert_runs_twice(setup, sql);
    }
}

const TYPE_CHANGE_SETUP: &str = "
CREATE TABLE t (id int, old text, x text);
INSERT INTO t VALUES (1, 'ab', '123');
";

/// A type change in a branch whose catalog check only tests that something exists (`IF EXISTS
/// (… column old …)`): the change keeps every name, so a retry enters the branch again and its
/// `USING`, written for the old type, meets the new one (`function length(integer) does not
/// exist`). The branch was taken to guard it, so PF124 said nothing. A check that reads the
/// column's type (or a handler for any error) keeps the retry out, and is no finding. The fix,
/// an IF on the column's type where the statement stands, makes the block run twice.
#[test]
fn a_type_change_in_a_branch_a_retry_enters_again_is_flagged_only_when_its_using_fails() {
    let block = |check: &str, change: &str| {
        format!("DO $$\nBEGIN\n    IF {check} THEN\n        {change}\n    END IF;\nEND $$;\n")
    };
    let has = |column: &str, and: &str| {
        format!("EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = '{column}'{and})")
    };
    let reads_x = "ALTER TABLE t ALTER COLUMN x TYPE int USING length(x);";
    let failing = [
        block(&has("old", ""), reads_x),
        block(&has("x", ""), reads_x),
        block(
            &has("old", ""),
            "ALTER TABLE t ALTER COLUMN x SET DATA TYPE int USING CASE WHEN x = '' THEN 0 ELSE length(x) END;",
        ),
    ];
    let surviving = [
        block(&has("x", " AND data_type = 'text'"), reads_x),
        block(
            &format!("NOT {}", has("x", " AND data_type = 'integer'")),
            reads_x,
        ),
        block(
            "EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'x' AND format_type(atttypid, atttypmod) = 'text')",
            reads_x,
        ),
        format!("DO $$\nBEGIN\n    {reads_x}\nEXCEPTION WHEN OTHERS THEN NULL;\nEND $$;\n"),
    ];
    let pf124 = |sql: &str| {
        retry_findings(sql, Dialect::Postgres, None)
            .into_iter()
            .filter(|(code, _)| code == "PF124")
            .map(|(_, line)| line)
            .collect::<Vec<_>>()
    };
    for sql in &failing {
        assert_eq!(pf124(sql), [4], "{sql}");
        let fixed = fixed(sql, Dialect::Postgres, true);
        assert!(pf124(&fixed).is_empty(), "{fixed}");
        // `function length(integer) does not exist`, `invalid input syntax for type integer`
        let db = assert_fix_makes_the_retry_succeed(TYPE_CHANGE_SETUP, sql, &["integer"], &fixed);
        assert_eq!(db.query("SELECT x FROM t"), ["3"], "{fixed}");
    }
    // A USING that reads a column a later statement retypes meets the new type too.
    let sql = "ALTER TABLE t ALTER COLUMN x TYPE int USING length(old);\nALTER TABLE t ALTER COLUMN old TYPE int USING length(old);\n";
    assert_eq!(pf124(sql), [1, 2], "{sql}");
    let db = ScratchDb::postgres();
    db.exec(TYPE_CHANGE_SETUP);
    db.exec(sql);
    let err = db
        .try_exec(&statements(sql, Dialect::Postgres)[0])
        .expect_err(sql);
    assert!(err.contains("length(integer)"), "{err}");
    for sql in &surviving {
        assert!(pf124(sql).is_empty(), "{sql}");
        assert_runs_twice(TYPE_CHANGE_SETUP, sql);
    }
}

/// A type change in a branch whose check tests that something else is missing (`IF NOT EXISTS
/// (SELECT 1 FROM pg_tables WHERE tablename = 'z')`, `to_regclass('z') IS NULL`): nothing in
/// the block makes `z`, so a retry finds it missing again, enters the branch and runs the
/// `USING` on the new type (`function length(integer) does not exist`). The branch counted as
/// a guard, and PF124 said nothing. When the block creates `z` the retry skips the branch, and
/// that is no finding. Each file runs twice on PostgreSQL.
#[test]
fn a_type_change_under_a_check_that_something_else_is_missing_is_flagged_unless_the_block_makes_it()
{
    let block = |check: &str, then: &str| {
        format!("DO $$\nBEGIN\n    IF {check} THEN\n        ALTER TABLE t ALTER COLUMN x TYPE int USING length(x);{then}\n    END IF;\nEND $$;\n")
    };
    let missing = "NOT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'z')";
    let unresolved = "to_regclass('z') IS NULL";
    let creates = "\n        CREATE TABLE z (id int);";
    let pf124 = |sql: &str| {
        retry_findings(sql, Dialect::Postgres, None)
            .into_iter()
            .filter(|(code, _)| code == "PF124")
            .map(|(_, line)| line)
            .collect::<Vec<_>>()
    };
    for sql in [block(missing, ""), block(unresolved, "")] {
        assert_eq!(pf124(&sql), [4], "{sql}");
        let err = second_run(ScratchDb::postgres, TYPE_CHANGE_SETUP, &sql).expect_err(&sql);
        assert!(err.contains("length(integer)"), "{sql}\n{err}");
    }
    for sql in [block(missing, creates), block(unresolved, creates)] {
        assert!(pf124(&sql).is_empty(), "{sql}");
        assert_runs_twice(TYPE_CHANGE_SETUP, &sql);
    }
}

/// A top-level `USING` is evaluated again on a retry against the types the retry meets: the
/// column already has its new type, and a column a later statement of the file retypes has
/// that later type. The column itself (`USING x`), its cast to its new type (`x::integer`,
/// `m::mood`), or an expression of columns nothing in the file changes after it
/// (`length(old)`), survives and is not reported. A `USING` that reads a column the same statement or a later one (top level or
/// in a DO block) retypes, a cast to an enum the file renames away and creates again, and one
/// that reads the column itself (`length(x)`) are. Each file runs twice on PostgreSQL, and a
/// reported one fails its second run at the reported statement.
#[test]
fn a_top_level_using_is_flagged_only_when_the_types_its_retry_meets_fail_it() {
    let setup = "CREATE TYPE mood AS ENUM ('happy', 'sad');\nCREATE TABLE t (id int, old text, x text, m text);\nINSERT INTO t VALUES (1, 'ab', '123', 'happy');\n";
    let pf124 = |sql: &str| {
        retry_findings(sql, Dialect::Postgres, None)
            .into_iter()
            .filter(|(code, _)| code == "PF124")
            .map(|(_, line)| line)
            .collect::<Vec<_>>()
    };
    let surviving = [
        "ALTER TABLE t ALTER COLUMN x TYPE int USING x::integer;\n",
        "ALTER TABLE t ALTER COLUMN x TYPE integer USING CAST(x AS int4);\n",
        "ALTER TABLE t ALTER COLUMN x TYPE int USING length(old);\n",
        "ALTER TABLE t ALTER COLUMN m TYPE mood USING m::mood;\n",
        "ALTER TABLE t ALTER COLUMN x TYPE int USING length(old);\nALTER TABLE t ALTER COLUMN m TYPE mood USING (m)::mood;\nDROP TABLE IF EXISTS z;\n",
        "ALTER TABLE t ALTER COLUMN x TYPE varchar(5) USING x::varchar(5);\n",
        // lemmy's 2023-08-02-174444_fix-timezones: `TYPE timestamptz USING published`.
        "ALTER TABLE t ALTER COLUMN x TYPE varchar(10) USING x;\nALTER TABLE t ALTER COLUMN old TYPE varchar(10) USING (old);\n",
    ];
    for sql in surviving {
        assert!(pf124(sql).is_empty(), "{sql}");
        assert_runs_twice(setup, sql);
    }
    let failing = [
        "ALTER TABLE t ALTER COLUMN x TYPE int USING length(old);\nALTER TABLE t ALTER COLUMN old TYPE int USING 0;\n",
        "ALTER TABLE t ALTER COLUMN x TYPE int USING length(old);\nALTER TABLE t ALTER COLUMN old TYPE int USING 0;\nDROP TABLE IF EXISTS z;\n",
        "ALTER TABLE t ALTER COLUMN x TYPE int USING length(old), ALTER COLUMN old TYPE int USING 0;\n",
        "ALTER TABLE t ALTER COLUMN x TYPE int USING length(old);\nDO $$ BEGIN ALTER TABLE t ALTER COLUMN old TYPE int USING 0; END $$;\n",
        "ALTER TABLE t ALTER COLUMN x TYPE int USING length(x);\n",
        // Type changes the first pass cannot read: dynamic SQL, a routine's body.
        "ALTER TABLE t ALTER COLUMN x TYPE int USING length(old);\nDO $$ BEGIN EXECUTE 'ALTER TABLE t ALTER COLUMN old TYPE int USING 0'; END $$;\n",
        "ALTER TABLE t ALTER COLUMN x TYPE int USING length(old);\nCREATE OR REPLACE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN ALTER TABLE t ALTER COLUMN old TYPE int USING 0; END $$;\nSELECT f();\n",
        "ALTER TYPE mood RENAME TO mood__;\nCREATE TYPE mood AS ENUM ('happy', 'sad');\nALTER TABLE t ALTER COLUMN m TYPE mood USING m::mood;\nDROP TYPE mood__;\n",
    ];
    for sql in failing {
        let lines = pf124(sql);
        let db = ScratchDb::postgres();
        db.exec(setup);
        db.exec(sql);
        let parts = statements(sql, Dialect::Postgres);
        let first_failing = parts.iter().position(|p| db.try_exec(p).is_err());
        let line = first_failing.expect(sql) + 1;
        assert_eq!(lines, [line], "{sql}");
    }
}

/// PF123's fix of a type change whose column a later statement drops checks that the column
/// exists: a retry that stopped before the drop enters it again. PF124's check of the type now
/// goes inside it, and the file survives every crash point.
#[test]
fn a_type_change_read_removed_later_gets_both_guards_and_survives_every_crash_point() {
    let sql = "ALTER TABLE t ALTER COLUMN old TYPE int USING length(old);\nALTER TABLE t DROP COLUMN IF EXISTS old;\n";
    let fixed = fixed(sql, Dialect::Postgres, true);
    assert!(fixed.contains("atttypid = to_regtype('int')"), "{fixed}");
    assert!(
        retry_findings(&fixed, Dialect::Postgres, None).is_empty(),
        "{fixed}"
    );
    let parts = statements(&fixed, Dialect::Postgres);
    after_every_crash_point(
        ScratchDb::postgres,
        TYPE_CHANGE_SETUP,
        &parts,
        &fixed,
        |db, k| {
            assert_eq!(
            db.query("SELECT count(*) FROM information_schema.columns WHERE table_name = 't' AND column_name = 'old'"),
            ["0"],
            "after crash point {k}"
        );
        },
    );
    // Unfixed, a retry after a crash before the drop fails at the USING.
    let db = ScratchDb::postgres();
    db.exec(TYPE_CHANGE_SETUP);
    db.exec(&statements(sql, Dialect::Postgres)[0]);
    let err = db.try_exec(sql).expect_err(sql);
    assert!(err.contains("length(integer)"), "{err}");
}

/// A read of what a later statement of its own DO block removes had no fix ("split the file").
/// The block runs as one statement: the column is gone on a retry only once the whole block ran,
/// the read with it, so a check that the column exists, where the read stands, skips it exactly
/// then. The fixed blocks run twice.
#[test]
fn a_read_of_what_its_own_do_block_removes_later_is_fixed_with_a_check_where_it_stands() {
    let block = |body: &str| format!("DO $$\nBEGIN\n{body}\nEND $$;\n");
    let has_old = "EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'old')";
    let failing = [
        block("    UPDATE t SET old = 1;\n    ALTER TABLE t DROP COLUMN old;"),
        block("    UPDATE t SET old = 1;\n    ALTER TABLE t DROP COLUMN IF EXISTS old;"),
        block(&format!(
            "    UPDATE t SET old = 1;\n    IF {has_old} THEN\n        ALTER TABLE t DROP COLUMN old;\n    END IF;"
        )),
        block("    INSERT INTO t (id, old) VALUES (2, 2);\n    ALTER TABLE t DROP COLUMN IF EXISTS old;\nEXCEPTION WHEN duplicate_object THEN NULL;"),
    ];
    for sql in &failing {
        let fixed = fixed(sql, Dialect::Postgres, true);
        assert!(
            fixed.contains("attname = 'old' AND NOT attisdropped) THEN"),
            "{fixed}"
        );
        let found = retry_findings(&fixed, Dialect::Postgres, None);
        assert!(found.is_empty(), "{fixed}\n{found:?}");
        assert_fix_makes_the_retry_succeed(
            CONSTRAINT_READS_SETUP,
            sql,
            &[r#"column "old""#],
            &fixed,
        );
    }
    // An earlier statement of the block may give the column its name (a rename the retry
    // skips): whether it is there on a first run is not known, and a check could hide that it
    // is not. No fix.
    let sql = block("    IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'id') THEN\n        ALTER TABLE t RENAME COLUMN id TO legacy;\n    END IF;\n    UPDATE t SET legacy = 1;\n    ALTER TABLE t DROP COLUMN IF EXISTS legacy;");
    assert_retry_fails(CONSTRAINT_READS_SETUP, &sql, &[r#"column "legacy""#]);
    let options = LintOptions {
        dialect: Dialect::Postgres,
        ..LintOptions::default()
    };
    let findings = lint_source(&SourceFile::new("m.sql", sql.as_str()), &options);
    let read = findings
        .iter()
        .find(|f| f.rule.code == "PF123")
        .expect("PF123");
    assert!(read.fix.is_none(), "{read:?}");
}

/// PF123's checks of a table the file re-creates without a column, and of an enum the file
/// re-creates without a label, skipped DO bodies: wrapped in a DO block, the statement whose
/// re-run fails linted clean. A handler for the error the re-run raises (`undefined_column`,
/// `invalid_text_representation`) keeps the read running, and is no finding.
#[test]
fn a_do_body_read_of_what_the_file_recreates_without_it_is_flagged_unless_handled() {
    use preflight::runner::ApplyModel;
    let tx = Some(ApplyModel::FileTransaction);
    let block = |statement: &str, handler: &str| {
        format!("DO $$\nBEGIN\n    {statement}\n{handler}END $$;\n")
    };
    let copy = statements(POSTGRES_RECREATED, Dialect::Postgres);
    let recreated = |handler: &str| {
        let read = copy[0].trim_start_matches('\n').trim_end();
        format!("{}{}{}", block(read, handler), copy[1], copy[2])
    };
    let labels = |handler: &str| {
        LABELS.trim_start().replacen(
            "UPDATE local_user SET sort = 'Active' WHERE {};\n",
            &block(
                "UPDATE local_user SET sort = 'Active' WHERE sort IN ('TopDay');",
                handler,
            ),
            1,
        )
    };
    for (sql, setup, error) in [
        (recreated(""), POSTGRES_RECREATED_SETUP, "expires_at"),
        (
            labels(""),
            LABELS_SETUP,
            r#"invalid input value for enum sort_enum: "TopDay""#,
        ),
    ] {
        assert_eq!(
            retry_findings(&sql, Dialect::Postgres, tx),
            [("PF123".into(), 3)],
            "{sql}"
        );
        let db = ScratchDb::postgres();
        db.exec(setup);
        db.exec(&format!("BEGIN;\n{sql}COMMIT;\n"));
        let err = db.try_exec(&format!("BEGIN;\n{sql}COMMIT;\n")).unwrap_err();
        assert!(err.contains(error), "{sql}\n{err}");
    }
    for (sql, setup) in [
        (
            recreated("EXCEPTION WHEN undefined_column THEN NULL;\n"),
            POSTGRES_RECREATED_SETUP,
        ),
        (
            labels("EXCEPTION WHEN invalid_text_representation THEN NULL;\n"),
            LABELS_SETUP,
        ),
    ] {
        let found = retry_findings(&sql, Dialect::Postgres, tx);
        assert!(
            found.iter().all(|(code, _)| code != "PF123"),
            "{sql}\n{found:?}"
        );
        let db = ScratchDb::postgres();
        db.exec(setup);
        db.exec(&format!("BEGIN;\n{sql}COMMIT;\n"));
        db.exec(&format!("BEGIN;\n{sql}COMMIT;\n"));
    }
}

/// PF116's fix for an `ADD CONSTRAINT … FOREIGN KEY` is a DO block that ignores
/// duplicate_object: the constraint the last run added. When a later statement of the file drops
/// what the foreign key references with CASCADE (the referenced key, or a referenced column),
/// the constraint goes with it, and a retry adds it again to a key that is gone:
/// invalid_foreign_key (`there is no unique constraint matching given keys for referenced
/// table`), undefined_object (`there is no primary key for referenced table`) or
/// undefined_column, which that block does not catch. A handler for those would hide
/// the same error on a first run, so no fix is offered and the finding says why. A drop of
/// anything else the referenced table has keeps the fix, and the fixed file runs twice.
#[test]
fn a_foreign_key_to_a_key_the_file_drops_with_cascade_gets_no_pf116_fix_on_postgres() {
    const SETUP: &str =
        "CREATE TABLE p (id int PRIMARY KEY, code int CONSTRAINT p_code_key UNIQUE, note int);\n\
                         CREATE TABLE c (id int, p_id int);";
    let add = |references: &str| {
        format!("ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES {references} NOT VALID;\n")
    };
    // (the file, whether PF116 fixes its ADD)
    let cases = [
        (
            format!(
                "{}ALTER TABLE p DROP CONSTRAINT IF EXISTS p_pkey CASCADE;\n",
                add("p (id)")
            ),
            false,
        ),
        (
            format!(
                "{}ALTER TABLE p DROP CONSTRAINT IF EXISTS p_pkey CASCADE;\n",
                add("p")
            ),
            false,
        ),
        (
            format!(
                "{}ALTER TABLE p DROP COLUMN IF EXISTS id CASCADE;\n",
                add("p (id)")
            ),
            false,
        ),
        (
            format!(
                "{}ALTER TABLE p DROP CONSTRAINT IF EXISTS p_code_key CASCADE;\n",
                add("p (code)")
            ),
            false,
        ),
        (
            format!(
                "{}ALTER TABLE p DROP COLUMN IF EXISTS note CASCADE;\n",
                add("p")
            ),
            true,
        ),
        (
            format!(
                "{}ALTER TABLE p DROP CONSTRAINT IF EXISTS p_code_key CASCADE;\n",
                add("p (id)")
            ),
            true,
        ),
    ];
    for (sql, fixable) in cases {
        let options = LintOptions {
            dialect: Dialect::Postgres,
            ..LintOptions::default()
        };
        let outcome = fix_source(&SourceFile::new("m.sql", sql.as_str()), &options, true);
        let pf116: Vec<_> = outcome
            .remaining
            .iter()
            .filter(|f| f.rule.code == "PF116")
            .collect();
        let retry = second_run(ScratchDb::postgres, SETUP, &outcome.fixed);
        if fixable {
            assert!(pf116.is_empty(), "{sql}\n{pf116:?}");
            assert_ne!(outcome.fixed, sql);
            assert!(retry.is_ok(), "{sql}\n{}\n{retry:?}", outcome.fixed);
        } else {
            // Unfixed, the file fails its second run at the ADD, as the finding says.
            assert_eq!(outcome.fixed, sql);
            let err = retry.unwrap_err();
            assert!(
                [
                    "no unique constraint matching given keys",
                    "no primary key for referenced table",
                    "referenced in foreign key constraint does not exist",
                ]
                .iter()
                .any(|e| err.contains(e)),
                "{sql}\n{err}"
            );
            assert!(
                pf116.iter().any(|f| f.message.contains("with CASCADE")
                    && f.notes.iter().any(|n| n.starts_with("no fix: "))),
                "{sql}\n{pf116:?}"
            );
        }
    }
}

/// An `ALTER TABLE c ADD … FOREIGN KEY … REFERENCES p` reads `p`: once a later statement of the
/// file dropped (or renamed) `p`, a retry fails there with `relation "p" does not exist`.
/// PF123's `ALTER TABLE IF EXISTS` skips the ALTER only when `c` is gone: its fix here is the
/// check that `p` exists, inside PF116's DO block, and the fixed file runs twice.
#[test]
fn an_add_foreign_key_to_a_table_the_file_drops_later_is_fixed_with_a_check_of_that_table() {
    const SETUP: &str = "CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE c (id int, p_id int);";
    for removal in [
        "DROP TABLE IF EXISTS p CASCADE;\n",
        "ALTER TABLE IF EXISTS p RENAME TO p2;\n",
    ] {
        let sql = format!(
            "ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (id) NOT VALID;\n{removal}"
        );
        second_run(ScratchDb::postgres, SETUP, &sql).expect_err(&sql);
        let fixed = fixed(&sql, Dialect::Postgres, true);
        assert_runs_twice(SETUP, &fixed);
        assert!(!fixed.contains("ALTER TABLE IF EXISTS c"), "{fixed}");
    }
}

/// A foreign key to `p (code)`, a unique key, survives the later drop of `p`'s primary key
/// with CASCADE: PF116's usual fix, the DO block that catches duplicate_object, is offered (no
/// "the foreign key goes with the key" finding without a fix), and the fixed file runs twice;
/// nothing is left for PF123 at the VALIDATE.
#[test]
fn an_add_foreign_key_to_a_unique_key_is_fixed_although_the_file_drops_the_primary_key_with_cascade(
) {
    const SETUP: &str = "CREATE TABLE p (id int PRIMARY KEY, code int CONSTRAINT p_code_key UNIQUE);\nCREATE TABLE c (id int, p_id int);";
    let sql = "ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (code) NOT VALID;\nALTER TABLE c VALIDATE CONSTRAINT c_fk;\nALTER TABLE p DROP CONSTRAINT IF EXISTS p_pkey CASCADE;\n";
    second_run(ScratchDb::postgres, SETUP, sql).expect_err(sql);
    let fixed = fixed(sql, Dialect::Postgres, true);
    assert!(fixed.contains("duplicate_object"), "{fixed}");
    assert_runs_twice(SETUP, &fixed);
}

/// PostgreSQL reserves none of `key`, `index`, `fulltext` and `spatial`, and has no index
/// among a table's elements: `ADD key char(2)` adds a column `key`, not MySQL's index, and so
/// does `ADD key geometry(Point)` (PostGIS's `geometry`, whose modifier is a word), not MySQL's
/// index `geometry` on a column `Point`. PostGIS is not installed here: `geometry` is a type
/// made with a modifier function that takes any word, as PostGIS's does. Each fails on a retry
/// (`column "key" of relation "t" already exists`). Lint reports each ADD as a column's
/// (PF108), and its IF NOT EXISTS makes the retry succeed.
#[test]
fn a_column_named_like_an_index_keyword_is_flagged_and_its_fix_runs_twice_on_postgres() {
    const GEOMETRY: &str = "CREATE TYPE geometry;\n\
        CREATE FUNCTION geometry_in(cstring) RETURNS geometry AS 'textin' LANGUAGE internal IMMUTABLE STRICT;\n\
        CREATE FUNCTION geometry_out(geometry) RETURNS cstring AS 'textout' LANGUAGE internal IMMUTABLE STRICT;\n\
        CREATE FUNCTION geometry_typmod_in(cstring[]) RETURNS integer AS $$ SELECT 1 $$ LANGUAGE sql IMMUTABLE STRICT;\n\
        CREATE TYPE geometry (INPUT = geometry_in, OUTPUT = geometry_out, TYPMOD_IN = geometry_typmod_in, INTERNALLENGTH = VARIABLE);\n";
    let cases = [
        (
            "",
            "ALTER TABLE t ADD key char(2);\nALTER TABLE t ADD index int, ADD fulltext text, ADD spatial int;\n",
            &[("PF108", 1), ("PF108", 2), ("PF108", 2), ("PF108", 2)][..],
            "ALTER TABLE t ADD IF NOT EXISTS key char(2);\nALTER TABLE t ADD IF NOT EXISTS index int, ADD IF NOT EXISTS fulltext text, ADD IF NOT EXISTS spatial int;\n",
            "id,key,index,fulltext,spatial",
        ),
        (
            GEOMETRY,
            "ALTER TABLE t ADD key geometry(Point);\nALTER TABLE t ADD index geometry(Point), ADD spatial geometry(Polygon);\n",
            &[("PF108", 1), ("PF108", 2), ("PF108", 2)][..],
            "ALTER TABLE t ADD IF NOT EXISTS key geometry(Point);\nALTER TABLE t ADD IF NOT EXISTS index geometry(Point), ADD IF NOT EXISTS spatial geometry(Polygon);\n",
            "id,key,index,spatial",
        ),
    ];
    for (types, sql, flagged, expected_fix, columns) in cases {
        let found = findings_of(sql, None);
        let added: Vec<_> = found
            .iter()
            .map(|(code, line, _)| (code.as_str(), *line))
            .collect();
        assert_eq!(added, flagged, "{sql}\n{found:?}");
        let fixed = fixed(sql, Dialect::Postgres, false);
        assert_eq!(fixed, expected_fix);
        let db = assert_fix_makes_the_retry_succeed(
            &format!("{types}CREATE TABLE t (id int);"),
            sql,
            &[r#"column "key" of relation "t" already exists"#],
            &fixed,
        );
        assert_eq!(
            db.query("SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 't'"),
            [columns],
            "{sql}"
        );
    }
}
