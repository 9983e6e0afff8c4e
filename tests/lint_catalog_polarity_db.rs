//! Which way a catalog check points decides whether it guards what its branch creates. A check
//! that the object is missing (`IF NOT EXISTS (… index i …) THEN CREATE INDEX i`) skips the
//! create on a retry; one that only tests that something else exists (`IF EXISTS (… column a …)
//! THEN CREATE INDEX i ON t (a)`) is still true on a retry, so the create runs again and fails.
//! Each case runs twice on the real server (PostgreSQL for DO blocks, MariaDB for compound
//! statements and procedures); lint must flag exactly the statement whose second run fails.

mod common;

use common::retry::{dialect_options, retry_mismatches, RetryCase as Case};
use common::ScratchDb;
use preflight::sql::Dialect;

const PG_SETUP: &str =
    "CREATE TABLE t (id int, a int, old int); CREATE INDEX t_old_idx ON t (old); CREATE TABLE t_gone (id int); \
     CREATE TABLE seen (id int PRIMARY KEY); CREATE SEQUENCE s;";

fn do_block(body: &str) -> String {
    format!("DO $$\nDECLARE\n  n integer;\nBEGIN\n{body}\nEND $$;\n")
}

const COLUMN_A: &str =
    "EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'a')";
const COLUMN_OLD: &str = "EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'old')";
const TABLE_T: &str = "EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 't')";
const INDEX_I: &str = "EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 't_a_idx')";

fn postgres_cases() -> Vec<Case> {
    vec![
        Case {
            name: "exists check of a column around an index on it",
            sql: do_block(&format!(
                "  IF {COLUMN_A} THEN\n    CREATE INDEX t_a_idx ON t (a);\n  END IF;"
            )),
            fails_at: Some("CREATE INDEX"),
        },
        Case {
            name: "exists check of the table around a column it adds",
            sql: do_block(
                "  IF EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 't') THEN\n    \
                 ALTER TABLE t ADD COLUMN c int;\n  END IF;",
            ),
            fails_at: Some("ADD COLUMN"),
        },
        Case {
            name: "count of the column read into a variable, tested > 0",
            sql: do_block(
                "  SELECT count(*) INTO n FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'a';\n  \
                 IF n > 0 THEN\n    CREATE INDEX t_a_idx ON t (a);\n  END IF;",
            ),
            fails_at: Some("CREATE INDEX"),
        },
        Case {
            // The read of `n` ends at its `;`: the notice after it does not make the check
            // mention the index.
            name: "count of the column read into a variable, a notice naming the index, tested > 0",
            sql: do_block(
                "  SELECT count(*) INTO n FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'a';\n  \
                 RAISE NOTICE 'adding %', 't_a_idx';\n  \
                 IF n > 0 THEN\n    CREATE INDEX t_a_idx ON t (a);\n  END IF;",
            ),
            fails_at: Some("CREATE INDEX"),
        },
        Case {
            name: "to_regclass of the table IS NOT NULL around a table it creates",
            sql: do_block(
                "  IF to_regclass('t') IS NOT NULL THEN\n    CREATE TABLE t_copy (id int);\n  END IF;",
            ),
            fails_at: Some("CREATE TABLE"),
        },
        Case {
            name: "not-exists check of the index",
            sql: do_block(&format!(
                "  IF NOT {INDEX_I} THEN\n    CREATE INDEX t_a_idx ON t (a);\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "exists check of the column around a not-exists check of the index",
            sql: do_block(&format!(
                "  IF {COLUMN_A} THEN\n    IF NOT {INDEX_I} THEN\n      \
                 CREATE INDEX t_a_idx ON t (a);\n    END IF;\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "exists check of the column around a not-exists check of the index and a table",
            sql: do_block(&format!(
                "  IF {COLUMN_A} THEN\n    IF NOT {INDEX_I} THEN\n      \
                 CREATE INDEX t_a_idx ON t (a);\n    END IF;\n    \
                 CREATE TABLE t_copy (id int);\n  END IF;"
            )),
            fails_at: Some("CREATE TABLE t_copy"),
        },
        Case {
            name: "exists check of the column and a not-exists check of the index",
            sql: do_block(&format!(
                "  IF {COLUMN_A} AND NOT {INDEX_I} THEN\n    CREATE INDEX t_a_idx ON t (a);\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "exists check of the index, the create in its ELSE",
            sql: do_block(&format!(
                "  IF {INDEX_I} THEN\n    NULL;\n  ELSE\n    CREATE INDEX t_a_idx ON t (a);\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "exists check of a column the branch renames",
            sql: do_block(&format!(
                "  IF {COLUMN_OLD} THEN\n    ALTER TABLE t RENAME COLUMN old TO renamed;\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "exists check of a column the branch renames, then an index on it",
            sql: do_block(&format!(
                "  IF {COLUMN_OLD} THEN\n    ALTER TABLE t RENAME COLUMN old TO renamed;\n    \
                 CREATE INDEX t_renamed_idx ON t (renamed);\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "exists check of a column the branch copies, then drops",
            sql: do_block(&format!(
                "  IF {COLUMN_OLD} THEN\n    CREATE TABLE t_old AS SELECT old FROM t;\n    \
                 ALTER TABLE t DROP COLUMN old;\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "exists check of the table around a drop of an index",
            sql: do_block(&format!(
                "  IF {TABLE_T} THEN\n    DROP INDEX t_old_idx;\n  END IF;"
            )),
            fails_at: Some("DROP INDEX t_old_idx"),
        },
        Case {
            name: "exists check of the table around a drop of another table",
            sql: do_block(&format!(
                "  IF {TABLE_T} THEN\n    DROP TABLE t_gone;\n  END IF;"
            )),
            fails_at: Some("DROP TABLE t_gone"),
        },
        Case {
            name: "exists check of a column around a drop of another column",
            sql: do_block(&format!(
                "  IF {COLUMN_A} THEN\n    ALTER TABLE t DROP COLUMN old;\n  END IF;"
            )),
            fails_at: Some("DROP COLUMN old"),
        },
        Case {
            name: "exists check of the index it drops",
            sql: do_block(
                "  IF EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 't_old_idx') THEN\n    \
                 DROP INDEX t_old_idx;\n  END IF;",
            ),
            fails_at: None,
        },
        Case {
            name: "exists check of the table around a drop of a column without COLUMN",
            sql: do_block(&format!(
                "  IF {TABLE_T} THEN\n    ALTER TABLE t DROP old;\n  END IF;"
            )),
            fails_at: Some("DROP old"),
        },
        Case {
            name: "exists check of the column it drops without COLUMN",
            sql: do_block(&format!(
                "  IF {COLUMN_OLD} THEN\n    ALTER TABLE t DROP old;\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "exists check of the table around DROP IF EXISTS without COLUMN, then a plain drop",
            sql: do_block(&format!(
                "  IF {TABLE_T} THEN\n    ALTER TABLE t DROP IF EXISTS a;\n    ALTER TABLE t DROP COLUMN old;\n  END IF;"
            )),
            fails_at: Some("DROP COLUMN old"),
        },
        Case {
            name: "exists check of the table around DROP IF EXISTS without COLUMN alone",
            sql: do_block(&format!(
                "  IF {TABLE_T} THEN\n    ALTER TABLE t DROP IF EXISTS a;\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "exists check of the column it drops, after DROP IF EXISTS without COLUMN",
            sql: do_block(&format!(
                "  IF {COLUMN_OLD} THEN\n    ALTER TABLE t DROP IF EXISTS a;\n    ALTER TABLE t DROP COLUMN old;\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            // The shape of preflight's own fix for a rename (lemmy's sticky_local after `fix`).
            name: "exists check of the column it renames in ALTER TABLE IF EXISTS",
            sql: do_block(&format!(
                "  IF {COLUMN_OLD} THEN\n    ALTER TABLE IF EXISTS t RENAME COLUMN old TO renamed;\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "exists check of the table around a drop of a column's default",
            sql: do_block(&format!(
                "  IF {TABLE_T} THEN\n    ALTER TABLE t ALTER COLUMN old DROP DEFAULT;\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "not-exists check of a table around a drop and its create",
            sql: do_block(
                "  IF NOT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 't_new') THEN\n    \
                 DROP INDEX t_old_idx;\n    CREATE TABLE t_new (id int);\n  END IF;",
            ),
            fails_at: None,
        },
        Case {
            name: "exists check of a column the branch drops, and a drop of another table",
            sql: do_block(&format!(
                "  IF {COLUMN_OLD} THEN\n    DROP TABLE t_gone;\n    \
                 ALTER TABLE t DROP COLUMN old;\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "exists check of the table around a table the branch creates, then drops",
            sql: do_block(&format!(
                "  IF {TABLE_T} THEN\n    CREATE TABLE t_tmp (id int);\n    \
                 DROP TABLE t_tmp;\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "exists check of a column the branch renames, and a drop of another table",
            sql: do_block(&format!(
                "  IF {COLUMN_OLD} THEN\n    ALTER TABLE t RENAME COLUMN old TO renamed;\n    \
                 DROP TABLE t_gone;\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "exists check of the table and of the index, around a drop of the index",
            sql: do_block(&format!(
                "  IF {TABLE_T} AND EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 't_old_idx') THEN\n    \
                 DROP INDEX t_old_idx;\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "exists check of the table, the drop in its ELSE",
            sql: do_block(&format!(
                "  IF {TABLE_T} THEN\n    NULL;\n  ELSE\n    DROP TABLE t_gone;\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "not-exists check of the index after a nested block",
            sql: do_block(&format!(
                "  BEGIN\n    PERFORM 1;\n  END;\n  IF NOT {INDEX_I} THEN\n    \
                 CREATE INDEX t_a_idx ON t (a);\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            // A row comparison is an IF statement, not MySQL's IF(a, b, c): its END IF
            // closes it, not the check around it.
            name: "not-exists check of the index around a row-comparison IF, then the create",
            sql: do_block(&format!(
                "  IF NOT {INDEX_I} THEN\n    IF (1, 2) = (1, 2) THEN\n      NULL;\n    END IF;\n    \
                 CREATE INDEX t_a_idx ON t (a);\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "exists check of a column around a row-comparison IF, then an index on it",
            sql: do_block(&format!(
                "  IF {COLUMN_A} THEN\n    IF (1, 2) = (1, 2) THEN\n      NULL;\n    END IF;\n    \
                 CREATE INDEX t_a_idx ON t (a);\n  END IF;"
            )),
            fails_at: Some("CREATE INDEX"),
        },
        Case {
            name: "exception handler whose second condition catches the add",
            sql: do_block(
                "  ALTER TABLE t ADD COLUMN c int;\nEXCEPTION\n  WHEN duplicate_table THEN NULL;\n  \
                 WHEN duplicate_column THEN NULL;",
            ),
            fails_at: None,
        },
        // An assignment of a value that reads nothing assigns the same on every run (a new
        // session): the branch is entered again and re-runs its create, whatever tests it.
        Case {
            name: "exists check of a column around an assignment, then an index on it",
            sql: do_block(&format!(
                "  IF {COLUMN_A} THEN\n    n := 1;\n    CREATE INDEX t_a_idx ON t (a);\n  END IF;"
            )),
            fails_at: Some("CREATE INDEX"),
        },
        Case {
            name: "exists check of a column around SELECT INTO without FROM, then an index on it",
            sql: do_block(&format!(
                "  IF {COLUMN_A} THEN\n    SELECT 1 INTO n;\n    CREATE INDEX t_a_idx ON t (a);\n  END IF;"
            )),
            fails_at: Some("CREATE INDEX"),
        },
        Case {
            name: "exists check of a column around a setting and an assignment it tests, then an index",
            sql: do_block(&format!(
                "  IF {COLUMN_A} THEN\n    SET lock_timeout = '5s';\n    n := 1;\n    \
                 IF n = 1 THEN\n      CREATE INDEX t_a_idx ON t (a);\n    END IF;\n  END IF;"
            )),
            fails_at: Some("CREATE INDEX"),
        },
        // One that reads what the first run changed may skip the create on the second.
        Case {
            name: "exists check of a column around a count of the index read INTO, tested = 0",
            sql: do_block(&format!(
                "  IF {COLUMN_A} THEN\n    SELECT count(*) INTO n FROM pg_indexes WHERE indexname = 't_a_idx';\n    \
                 IF n = 0 THEN\n      CREATE INDEX t_a_idx ON t (a);\n    END IF;\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "exists check of a column around an insert's row count, tested > 0",
            sql: do_block(&format!(
                "  IF {COLUMN_A} THEN\n    INSERT INTO seen VALUES (1) ON CONFLICT DO NOTHING;\n    \
                 GET DIAGNOSTICS n = ROW_COUNT;\n    \
                 IF n > 0 THEN\n      CREATE INDEX t_a_idx ON t (a);\n    END IF;\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "exists check of a column around an insert's FOUND",
            sql: do_block(&format!(
                "  IF {COLUMN_A} THEN\n    INSERT INTO seen VALUES (1) ON CONFLICT DO NOTHING;\n    \
                 IF FOUND THEN\n      CREATE INDEX t_a_idx ON t (a);\n    END IF;\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "exists check of a column around an assignment of a function's result, tested > 0",
            sql: do_block(&format!(
                "  IF {COLUMN_A} THEN\n    n := (2 - num_nonnulls(to_regclass('t_a_idx')));\n    \
                 IF n > 1 THEN\n      CREATE INDEX t_a_idx ON t (a);\n    END IF;\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "exists check of a column around a nested IF that calls nextval",
            sql: do_block(&format!(
                "  IF {COLUMN_A} THEN\n    IF nextval('s') = 1 THEN\n      \
                 CREATE INDEX t_a_idx ON t (a);\n    END IF;\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            // ALTER … SET is no assignment: a check that reads what it sets is false on a retry.
            name: "exists check of a column without a default around SET DEFAULT, then an index",
            sql: do_block(
                "  IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'a' AND column_default IS NULL) THEN\n    \
                 ALTER TABLE t ALTER COLUMN a SET DEFAULT 1;\n    CREATE INDEX t_a_idx ON t (a);\n  END IF;",
            ),
            fails_at: None,
        },
        // One that reads neither defaults nor nullability is still true on a retry: SET/DROP
        // DEFAULT and SET/DROP NOT NULL remove no name it could test.
        Case {
            name: "exists check of a column around SET DEFAULT, then an index",
            sql: do_block(&format!(
                "  IF {COLUMN_A} THEN\n    ALTER TABLE t ALTER COLUMN a SET DEFAULT 0;\n    \
                 CREATE INDEX t_a_idx ON t (a);\n  END IF;"
            )),
            fails_at: Some("CREATE INDEX"),
        },
        Case {
            name: "exists check of a column around SET NOT NULL and DROP DEFAULT, then a table",
            sql: do_block(&format!(
                "  IF {COLUMN_A} THEN\n    ALTER TABLE ONLY public.\"t\" ALTER a SET NOT NULL, ALTER COLUMN a DROP DEFAULT;\n    \
                 CREATE TABLE t_copy (id int);\n  END IF;"
            )),
            fails_at: Some("CREATE TABLE t_copy"),
        },
        // `NOT attisdropped` and `attnum > 0` pick the live column's row: no negation.
        Case {
            name: "exists check of a live column in pg_attribute around an index on it",
            sql: do_block(
                "  IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'a' AND NOT attisdropped) THEN\n    \
                 CREATE INDEX t_a_idx ON t (a);\n  END IF;",
            ),
            fails_at: Some("CREATE INDEX"),
        },
        Case {
            name: "count of a live user column read into a variable, tested > 0, around a table",
            sql: do_block(
                "  SELECT count(*) INTO n FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'a' AND attnum > 0 AND NOT attisdropped;\n  \
                 IF n > 0 THEN\n    CREATE TABLE t_copy (id int);\n  END IF;",
            ),
            fails_at: Some("CREATE TABLE"),
        },
        Case {
            name: "exists check of a live column in pg_attribute the branch drops, then a table",
            sql: do_block(
                "  IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'a' AND NOT attisdropped) THEN\n    \
                 ALTER TABLE t DROP COLUMN a;\n    CREATE TABLE t_copy (id int);\n  END IF;",
            ),
            fails_at: None,
        },
        Case {
            name: "exists check of a column around SET DEFAULT alone",
            sql: do_block(&format!(
                "  IF {COLUMN_A} THEN\n    ALTER TABLE t ALTER COLUMN a SET DEFAULT 0;\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "exists check of a nullable column around SET NOT NULL, then an index",
            sql: do_block(
                "  IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'a' AND is_nullable = 'YES') THEN\n    \
                 ALTER TABLE t ALTER COLUMN a SET NOT NULL;\n    CREATE INDEX t_a_idx ON t (a);\n  END IF;",
            ),
            fails_at: None,
        },
        Case {
            name: "exception handler around an exists check",
            sql: do_block(&format!(
                "  IF {COLUMN_A} THEN\n    CREATE INDEX t_a_idx ON t (a);\n  END IF;\n\
                 EXCEPTION WHEN duplicate_table THEN NULL;"
            )),
            fails_at: None,
        },
        // A check that a column is nullable is false once the branch adds a primary key on
        // it (the key makes it NOT NULL): a retry skips the branch.
        Case {
            name: "nullable check (attnotnull = false) around a primary key on the column and an index",
            sql: do_block(&format!(
                "  IF EXISTS ({ATTRIBUTE_A} AND attnotnull = false) THEN\n    \
                 ALTER TABLE t ADD PRIMARY KEY (a);\n    CREATE INDEX t_a_idx ON t (a);\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "nullable check (is_nullable = 'YES') around a named primary key and a column",
            sql: do_block(&format!(
                "  IF EXISTS ({COLUMNS_A} AND is_nullable = 'YES') THEN\n    \
                 ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY (a);\n    ALTER TABLE t ADD COLUMN c int;\n  END IF;"
            )),
            fails_at: None,
        },
        // Without the key the column stays nullable: the retry enters the branch again.
        Case {
            name: "nullable check (is_nullable = 'YES') around an index",
            sql: do_block(&format!(
                "  IF EXISTS ({COLUMNS_A} AND is_nullable = 'YES') THEN\n    CREATE INDEX t_a_idx ON t (a);\n  END IF;"
            )),
            fails_at: Some("CREATE INDEX"),
        },
        // `NOT attnotnull` tests the same as `attnotnull = false`.
        Case {
            name: "nullable check (NOT attnotnull) around an index",
            sql: do_block(&format!(
                "  IF EXISTS ({ATTRIBUTE_A} AND NOT attnotnull) THEN\n    CREATE INDEX t_a_idx ON t (a);\n  END IF;"
            )),
            fails_at: Some("CREATE INDEX"),
        },
        Case {
            name: "nullable check (NOT attnotnull) around a column",
            sql: do_block(&format!(
                "  IF EXISTS ({ATTRIBUTE_A} AND NOT attnotnull) THEN\n    ALTER TABLE t ADD COLUMN c int;\n  END IF;"
            )),
            fails_at: Some("ADD COLUMN"),
        },
        Case {
            name: "nullable check (NOT attnotnull) around a primary key on the column and an index",
            sql: do_block(&format!(
                "  IF EXISTS ({ATTRIBUTE_A} AND NOT attnotnull) THEN\n    \
                 ALTER TABLE t ADD PRIMARY KEY (a);\n    CREATE INDEX t_a_idx ON t (a);\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "nullable check (NOT attnotnull) around SET NOT NULL and an index",
            sql: do_block(&format!(
                "  IF EXISTS ({ATTRIBUTE_A} AND NOT attnotnull) THEN\n    \
                 ALTER TABLE t ALTER COLUMN a SET NOT NULL;\n    CREATE INDEX t_a_idx ON t (a);\n  END IF;"
            )),
            fails_at: None,
        },
        // A check that a column with some nullability is missing skips a retry only once the
        // branch gave the column that nullability: otherwise it is entered again, even to add
        // the column it names.
        Case {
            name: "missing nullable column (NOT attnotnull) around adding it NOT NULL",
            sql: do_block(&format!(
                "  IF NOT EXISTS ({ATTRIBUTE_D} AND NOT attnotnull) THEN\n    \
                 ALTER TABLE t ADD COLUMN d int NOT NULL DEFAULT 0;\n  END IF;"
            )),
            fails_at: Some("ADD COLUMN"),
        },
        Case {
            name: "missing nullable column (attnotnull = false) around adding it serial",
            sql: do_block(&format!(
                "  IF NOT EXISTS ({ATTRIBUTE_D} AND attnotnull = false) THEN\n    \
                 ALTER TABLE t ADD COLUMN d serial;\n  END IF;"
            )),
            fails_at: Some("ADD COLUMN"),
        },
        Case {
            name: "missing nullable column (NOT attnotnull) around adding it nullable",
            sql: do_block(&format!(
                "  IF NOT EXISTS ({ATTRIBUTE_D} AND NOT attnotnull) THEN\n    \
                 ALTER TABLE t ADD COLUMN d int;\n  END IF;"
            )),
            fails_at: None,
        },
        // The same check through a variable: `SELECT count(*) INTO n …; IF n = 0 THEN`.
        Case {
            name: "count of the nullable column into a variable, tested = 0, around adding it NOT NULL",
            sql: do_block(&format!(
                "  {COUNT_D} AND NOT attnotnull;\n  \
                 IF n = 0 THEN\n    ALTER TABLE t ADD COLUMN d int NOT NULL DEFAULT 0;\n  END IF;"
            )),
            fails_at: Some("ADD COLUMN"),
        },
        Case {
            name: "count of the NOT NULL column into a variable, tested < 1, around adding it nullable",
            sql: do_block(&format!(
                "  {COUNT_D} AND attnotnull;\n  \
                 IF n < 1 THEN\n    ALTER TABLE t ADD COLUMN d int;\n  END IF;"
            )),
            fails_at: Some("ADD COLUMN"),
        },
        Case {
            name: "count of the nullable column into a variable, tested = 0, around adding it nullable",
            sql: do_block(&format!(
                "  {COUNT_D} AND NOT attnotnull;\n  \
                 IF n = 0 THEN\n    ALTER TABLE t ADD COLUMN d int;\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "count of the column into a variable, tested = 0, around adding it NOT NULL",
            sql: do_block(&format!(
                "  {COUNT_D};\n  \
                 IF n = 0 THEN\n    ALTER TABLE t ADD COLUMN d int NOT NULL DEFAULT 0;\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "missing NOT NULL column (attnotnull) around an index on it",
            sql: do_block(&format!(
                "  IF NOT EXISTS ({ATTRIBUTE_A} AND attnotnull) THEN\n    CREATE INDEX t_a_idx ON t (a);\n  END IF;"
            )),
            fails_at: Some("CREATE INDEX"),
        },
        Case {
            name: "missing NOT NULL column (attnotnull) around SET NOT NULL and an index",
            sql: do_block(&format!(
                "  IF NOT EXISTS ({ATTRIBUTE_A} AND attnotnull) THEN\n    \
                 ALTER TABLE t ALTER COLUMN a SET NOT NULL;\n    CREATE INDEX t_a_idx ON t (a);\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "missing NOT NULL column (is_nullable = 'NO') around adding it nullable",
            sql: do_block(&format!(
                "  IF NOT EXISTS ({COLUMNS_D} AND is_nullable = 'NO') THEN\n    \
                 ALTER TABLE t ADD COLUMN d int;\n  END IF;"
            )),
            fails_at: Some("ADD COLUMN"),
        },
        Case {
            name: "missing NOT NULL column (is_nullable = 'NO') around adding it NOT NULL",
            sql: do_block(&format!(
                "  IF NOT EXISTS ({COLUMNS_D} AND is_nullable = 'NO') THEN\n    \
                 ALTER TABLE t ADD COLUMN d int NOT NULL DEFAULT 0;\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "missing NOT NULL column (attnotnull) around a primary key on it and an index",
            sql: do_block(&format!(
                "  IF NOT EXISTS ({ATTRIBUTE_A} AND attnotnull) THEN\n    \
                 ALTER TABLE t ADD PRIMARY KEY (a);\n    CREATE INDEX t_a_idx ON t (a);\n  END IF;"
            )),
            fails_at: None,
        },
    ]
}

const ATTRIBUTE_A: &str =
    "SELECT 1 FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'a'";
const ATTRIBUTE_D: &str =
    "SELECT 1 FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'd'";
const COUNT_D: &str =
    "SELECT count(*) INTO n FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'd'";
const COLUMNS_D: &str =
    "SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'd'";
const COLUMNS_A: &str =
    "SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'a'";

const MARIADB_SETUP: &str =
    "CREATE TABLE t (id INT, a INT, old INT); CREATE INDEX t_old_idx ON t (old); CREATE TABLE t_gone (id INT); \
     CREATE TABLE t_pk (id INT PRIMARY KEY, a INT); CREATE TABLE seen (id INT PRIMARY KEY);";

fn compound(body: &str) -> String {
    format!("DELIMITER //\nBEGIN NOT ATOMIC\n{body}\nEND //\nDELIMITER ;\n")
}

const MY_TABLE_T: &str = "EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 't')";
const MY_COLUMN_A: &str = "EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 't' AND column_name = 'a')";

fn mariadb_cases() -> Vec<Case> {
    vec![
        Case {
            name: "exists check of a column around an index on it",
            sql: compound(&format!(
                "  IF {MY_COLUMN_A} THEN\n    CREATE INDEX t_a_idx ON t (a);\n  END IF;"
            )),
            fails_at: Some("CREATE INDEX"),
        },
        Case {
            name: "count of the column > 0 around an index it adds",
            sql: compound(
                "  IF (SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 't' AND column_name = 'a') > 0 THEN\n    \
                 ALTER TABLE t ADD INDEX t_a_idx (a);\n  END IF;",
            ),
            fails_at: Some("ADD INDEX"),
        },
        Case {
            name: "a procedure: exists check of the table around a column it adds",
            sql: "DROP PROCEDURE IF EXISTS add_c;\nDELIMITER //\nCREATE PROCEDURE add_c() BEGIN\n  \
                  IF EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 't') THEN\n    \
                  ALTER TABLE t ADD COLUMN c INT;\n  END IF;\nEND //\nDELIMITER ;\nCALL add_c();\nDROP PROCEDURE add_c;\n"
                .to_string(),
            // lint reports a called body's statement in the body.
            fails_at: Some("ADD COLUMN c"),
        },
        Case {
            name: "exists check of a column around a not-exists check of an index and a table",
            sql: compound(&format!(
                "  IF {MY_COLUMN_A} THEN\n    \
                 IF NOT EXISTS (SELECT 1 FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = 't' AND index_name = 't_a_idx') THEN\n      \
                 CREATE INDEX t_a_idx ON t (a);\n    END IF;\n    \
                 CREATE TABLE t_copy (id INT);\n  END IF;"
            )),
            fails_at: Some("CREATE TABLE t_copy"),
        },
        Case {
            name: "exists check of the table around a drop of another table",
            sql: compound(
                "  IF EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 't') THEN\n    \
                 DROP TABLE t_gone;\n  END IF;",
            ),
            fails_at: Some("DROP TABLE t_gone"),
        },
        Case {
            name: "exists check of a column around a drop of an index",
            sql: compound(&format!(
                "  IF {MY_COLUMN_A} THEN\n    ALTER TABLE t DROP INDEX t_old_idx;\n  END IF;"
            )),
            fails_at: Some("DROP INDEX t_old_idx"),
        },
        Case {
            name: "exists check of the table around a drop of a column without COLUMN",
            sql: compound(&format!(
                "  IF {MY_TABLE_T} THEN\n    ALTER TABLE t DROP old;\n  END IF;"
            )),
            fails_at: Some("DROP old"),
        },
        Case {
            name: "exists check of the table around DROP IF EXISTS without COLUMN, then a plain drop",
            sql: compound(&format!(
                "  IF {MY_TABLE_T} THEN\n    ALTER TABLE t DROP IF EXISTS a;\n    ALTER TABLE t DROP COLUMN old;\n  END IF;"
            )),
            fails_at: Some("DROP COLUMN old"),
        },
        Case {
            name: "exists check of the table around DROP IF EXISTS without COLUMN alone",
            sql: compound(&format!(
                "  IF {MY_TABLE_T} THEN\n    ALTER TABLE t DROP IF EXISTS a;\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "exists check of the column it drops, after DROP IF EXISTS without COLUMN",
            sql: compound(
                "  IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 't' AND column_name = 'old') THEN\n    \
                 ALTER TABLE t DROP IF EXISTS a;\n    ALTER TABLE t DROP COLUMN old;\n  END IF;",
            ),
            fails_at: None,
        },
        Case {
            name: "exists check of the column it drops without COLUMN",
            sql: compound(
                "  IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 't' AND column_name = 'old') THEN\n    \
                 ALTER TABLE t DROP old;\n  END IF;",
            ),
            fails_at: None,
        },
        Case {
            name: "exists check of the table around a drop of a column's default",
            sql: compound(&format!(
                "  IF {MY_TABLE_T} THEN\n    ALTER TABLE t ALTER COLUMN old DROP DEFAULT;\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "exists check of the table around a drop of its primary key",
            sql: compound(
                "  IF EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 't_pk') THEN\n    \
                 ALTER TABLE t_pk DROP PRIMARY KEY;\n  END IF;",
            ),
            fails_at: Some("DROP PRIMARY KEY"),
        },
        Case {
            name: "exists check of the primary key column it drops the key of",
            sql: compound(
                "  IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 't_pk' AND column_key = 'PRI') THEN\n    \
                 ALTER TABLE t_pk DROP PRIMARY KEY;\n  END IF;",
            ),
            fails_at: None,
        },
        Case {
            name: "exists check of the primary key it drops",
            sql: compound(
                "  IF EXISTS (SELECT 1 FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = 't_pk' AND index_name = 'PRIMARY') THEN\n    \
                 ALTER TABLE t_pk DROP PRIMARY KEY;\n  END IF;",
            ),
            fails_at: None,
        },
        Case {
            name: "exists check of the index it drops",
            sql: compound(
                "  IF EXISTS (SELECT 1 FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = 't' AND index_name = 't_old_idx') THEN\n    \
                 DROP INDEX t_old_idx ON t;\n  END IF;",
            ),
            fails_at: None,
        },
        Case {
            name: "not-exists check of the column it adds",
            sql: compound(
                "  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 't' AND column_name = 'c') THEN\n    \
                 ALTER TABLE t ADD COLUMN c INT;\n  END IF;",
            ),
            fails_at: None,
        },
        Case {
            name: "not-exists check of the column around a row-comparison IF, then the add",
            sql: compound(
                "  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 't' AND column_name = 'c') THEN\n    \
                 IF (1, 2) = (1, 2) THEN\n      SET @x = 1;\n    END IF;\n    \
                 ALTER TABLE t ADD COLUMN c INT;\n  END IF;",
            ),
            fails_at: None,
        },
        Case {
            name: "exists check of a column around a row-comparison IF, then an index on it",
            sql: compound(&format!(
                "  IF {MY_COLUMN_A} THEN\n    IF (1, 2) = (1, 2) THEN\n      DO 1;\n    END IF;\n    \
                 CREATE INDEX t_a_idx ON t (a);\n  END IF;"
            )),
            fails_at: Some("CREATE INDEX"),
        },
        Case {
            // MySQL's IF(a, b, c) in an expression is still a call, not a statement.
            name: "not-exists check of the column around a SET of IF(a, b, c), then the add",
            sql: compound(
                "  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 't' AND column_name = 'c') THEN\n    \
                 SET @x = CASE WHEN 1 = 1 THEN IF(1 = 1, 1, 2) ELSE 0 END;\n    \
                 ALTER TABLE t ADD COLUMN c INT;\n  END IF;",
            ),
            fails_at: None,
        },
        // A SET of values that read nothing assigns the same on every run (a new session): the
        // branch is entered again and re-runs its create, whatever tests the variables.
        Case {
            name: "exists check of a column around a SET, then an index on it",
            sql: compound(&format!(
                "  IF {MY_COLUMN_A} THEN\n    SET @x = 1;\n    CREATE INDEX t_a_idx ON t (a);\n  END IF;"
            )),
            fails_at: Some("CREATE INDEX"),
        },
        Case {
            name: "exists check of a column around a SET it tests, then an index on it",
            sql: compound(&format!(
                "  IF {MY_COLUMN_A} THEN\n    SET @x := 1, @y = @x + 1;\n    SET SESSION sql_notes = 0;\n    \
                 IF @y = 2 THEN\n      CREATE INDEX t_a_idx ON t (a);\n    END IF;\n  END IF;"
            )),
            fails_at: Some("CREATE INDEX"),
        },
        Case {
            name: "exists check of a column around SELECT INTO without FROM, then an index on it",
            sql: compound(&format!(
                "  IF {MY_COLUMN_A} THEN\n    SELECT 1 INTO @x;\n    CREATE INDEX t_a_idx ON t (a);\n  END IF;"
            )),
            fails_at: Some("CREATE INDEX"),
        },
        // A SET that reads what the first run changed may skip the create on the second.
        Case {
            name: "exists check of a column around a SET of the index's count, tested = 0",
            sql: compound(&format!(
                "  IF {MY_COLUMN_A} THEN\n    \
                 SET @n = (SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = DATABASE() AND index_name = 't_a_idx');\n    \
                 IF @n = 0 THEN\n      CREATE INDEX t_a_idx ON t (a);\n    END IF;\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "exists check of a column around a SET of an insert's ROW_COUNT(), tested > 0",
            sql: compound(&format!(
                "  IF {MY_COLUMN_A} THEN\n    INSERT IGNORE INTO seen VALUES (1);\n    SET @n = ROW_COUNT();\n    \
                 IF @n > 0 THEN\n      CREATE INDEX t_a_idx ON t (a);\n    END IF;\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "exists check of a column around a SET of an insert's @@warning_count, tested = 0",
            sql: compound(&format!(
                "  IF {MY_COLUMN_A} THEN\n    INSERT IGNORE INTO seen VALUES (1);\n    SET @w = @@warning_count;\n    \
                 IF @w = 0 THEN\n      CREATE INDEX t_a_idx ON t (a);\n    END IF;\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            name: "exists check of a column around a nested IF of an insert's ROW_COUNT()",
            sql: compound(&format!(
                "  IF {MY_COLUMN_A} THEN\n    INSERT IGNORE INTO seen VALUES (1);\n    \
                 IF ROW_COUNT() > 0 THEN\n      CREATE INDEX t_a_idx ON t (a);\n    END IF;\n  END IF;"
            )),
            fails_at: None,
        },
        Case {
            // ALTER … SET is no assignment: a check that reads what it sets is false on a retry.
            name: "exists check of a column without a default around SET DEFAULT, then an index",
            sql: compound(
                "  IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 't' AND column_name = 'a' AND column_default IS NULL) THEN\n    \
                 ALTER TABLE t ALTER a SET DEFAULT 1;\n    CREATE INDEX t_a_idx ON t (a);\n  END IF;",
            ),
            fails_at: None,
        },
        Case {
            name: "exists check of a column around SET DEFAULT, then an index",
            sql: compound(&format!(
                "  IF {MY_COLUMN_A} THEN\n    ALTER TABLE t ALTER a SET DEFAULT 1;\n    \
                 CREATE INDEX t_a_idx ON t (a);\n  END IF;"
            )),
            fails_at: Some("CREATE INDEX"),
        },
        Case {
            name: "exists check of a column around DROP DEFAULT, then a table",
            sql: compound(&format!(
                "  IF {MY_COLUMN_A} THEN\n    ALTER TABLE `t` ALTER COLUMN a DROP DEFAULT;\n    \
                 CREATE TABLE t_copy (id INT);\n  END IF;"
            )),
            fails_at: Some("CREATE TABLE t_copy"),
        },
        Case {
            name: "exists check of a column the branch renames",
            sql: compound(
                "  IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 't' AND column_name = 'old') THEN\n    \
                 ALTER TABLE t CHANGE old renamed INT;\n  END IF;",
            ),
            fails_at: None,
        },
    ]
}

#[test]
fn postgres_lint_flags_exactly_the_branches_a_second_run_enters_again() {
    let failures = retry_mismatches(
        &postgres_cases(),
        &dialect_options(Dialect::Postgres),
        ScratchDb::postgres,
        PG_SETUP,
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn mariadb_lint_flags_exactly_the_branches_a_second_run_enters_again() {
    let failures = retry_mismatches(
        &mariadb_cases(),
        &dialect_options(Dialect::Mariadb),
        ScratchDb::mariadb,
        MARIADB_SETUP,
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
