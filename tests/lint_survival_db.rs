//! The survival proofs of the sequence analysis (`src/lint/sequence/survival.rs`) on files whose
//! retries PostgreSQL 15 passes, each beside a near case where it fails: lint is compared with
//! the server at every crash point and under a per-file transaction, and flags exactly the
//! lines the server fails at.

mod common;

use common::retry::{
    assert_crash_points_agree, assert_mariadb_crash_points_agree, crash_point_failures,
    retry_lines_in_model, Case,
};
use common::ScratchDb;
use preflight::runner::ApplyModel;

/// Tables that exist before the file runs, for the cases whose file only renames or alters
/// them.
const SETUP: &str = "CREATE TABLE pa (id int); CREATE TABLE pt (id int);";

/// A drop of what a rename gave a name, where the renamed table got its own name back from a
/// rename (PF109): every retry that reaches the rename finds the table or the new name there.
const RENAMED_BACK: &[Case] = &[
    Case {
        name: "a table renamed away and back, then renamed and dropped",
        statements: &[
            "CREATE TABLE IF NOT EXISTS a (id int);",
            "ALTER TABLE a RENAME TO b;",
            "ALTER TABLE b RENAME TO a;",
            "ALTER TABLE a RENAME TO c;",
            "DROP TABLE c;",
        ],
    },
    Case {
        name: "a table given its name by a rename of a table made right before",
        statements: &[
            "CREATE TABLE IF NOT EXISTS a (id int);",
            "DROP TABLE a;",
            "CREATE TABLE IF NOT EXISTS c (id int);",
            "ALTER TABLE c RENAME TO a;",
            "ALTER TABLE a RENAME TO d;",
            "DROP TABLE d;",
        ],
    },
    Case {
        name: "guarded renames away and back",
        statements: &[
            "CREATE TABLE IF NOT EXISTS a (id int);",
            "ALTER TABLE IF EXISTS a RENAME TO b;",
            "ALTER TABLE IF EXISTS b RENAME TO a;",
            "ALTER TABLE a RENAME TO c;",
            "DROP TABLE c;",
        ],
    },
    // Near: the file does not make `pa`, and a retry past the drop finds neither name.
    Case {
        name: "a table the file does not make, renamed away and back, then renamed and dropped",
        statements: &[
            "ALTER TABLE pa RENAME TO pb;",
            "ALTER TABLE pb RENAME TO pa;",
            "ALTER TABLE pa RENAME TO pc;",
            "DROP TABLE pc;",
        ],
    },
    // Near: a column the table's guarded creation made, renamed away and back: a retry finds
    // the table and skips the creation, so nothing makes the column again.
    Case {
        name: "a column renamed away and back that only the table's creation makes",
        statements: &[
            "CREATE TABLE IF NOT EXISTS a (id int);",
            "ALTER TABLE a RENAME COLUMN id TO x;",
            "ALTER TABLE a RENAME COLUMN x TO id;",
            "ALTER TABLE a RENAME COLUMN id TO y;",
            "ALTER TABLE a DROP COLUMN y;",
        ],
    },
];

/// What a statement makes on a table the file drops (or renames away) for good later (PF108,
/// PF102): under a per-file transaction a re-run finds the table gone, makes it again without
/// the column, and the ADD runs; statement by statement a crash before the drop still fails it.
const LEFT_REMOVED: &[Case] = &[
    Case {
        name: "a column added to a table made under IF NOT EXISTS and dropped later",
        statements: &[
            "CREATE TABLE IF NOT EXISTS t (id int);",
            "ALTER TABLE t ADD COLUMN c int;",
            "DROP TABLE t;",
        ],
    },
    Case {
        name: "a column added to a table made unguarded and dropped later",
        statements: &[
            "CREATE TABLE t (id int);",
            "ALTER TABLE t ADD COLUMN c int;",
            "DROP TABLE IF EXISTS t;",
        ],
    },
    Case {
        name: "a column added to a table renamed away later",
        statements: &[
            "CREATE TABLE IF NOT EXISTS t (id int);",
            "ALTER TABLE t ADD COLUMN c int;",
            "ALTER TABLE t RENAME TO t2;",
        ],
    },
    Case {
        name: "an index on a table dropped later",
        statements: &[
            "CREATE TABLE IF NOT EXISTS t (id int);",
            "CREATE INDEX i ON t (id);",
            "DROP TABLE t;",
        ],
    },
    Case {
        name: "an attribute added to a type made in a guarded block and dropped later",
        statements: &[
            "DO $$ BEGIN CREATE TYPE c3 AS (a int); EXCEPTION WHEN duplicate_object THEN NULL; END $$;",
            "ALTER TYPE c3 ADD ATTRIBUTE x int;",
            "DROP TYPE IF EXISTS c3;",
        ],
    },
    // Near: the renamed table keeps the index, whose name a re-run's CREATE INDEX meets.
    Case {
        name: "an index on a table renamed away later",
        statements: &[
            "CREATE TABLE IF NOT EXISTS t (id int);",
            "CREATE INDEX i ON t (id);",
            "ALTER TABLE t RENAME TO t2;",
        ],
    },
    // Near: the file makes the table again, with the column, after the drop.
    Case {
        name: "a column added to a table dropped and made again with it",
        statements: &[
            "CREATE TABLE IF NOT EXISTS t (id int);",
            "ALTER TABLE t ADD COLUMN c int;",
            "DROP TABLE t;",
            "CREATE TABLE t (id int, c int);",
        ],
    },
    // Near: a table the file does not make: a re-run fails at the ADD on the missing table.
    Case {
        name: "a column added to a table the file does not make, dropped later",
        statements: &["ALTER TABLE pt ADD COLUMN c int;", "DROP TABLE pt;"],
    },
];

/// A drop of the name a DO block's rename gives (PF110), where the rename is the whole body,
/// under handlers that do nothing: every retry that reaches the block finds the old column,
/// added right before, so the block leaves the new one.
const RENAMED_IN_BLOCK: &[Case] = &[
    Case {
        name: "a DO-block column rename under a handler of both failures",
        statements: &[
            "CREATE TABLE IF NOT EXISTS t (id int);",
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS x int;",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column OR duplicate_column THEN NULL; END $$;",
            "ALTER TABLE t DROP COLUMN y;",
        ],
    },
    Case {
        name: "a DO-block column rename under a handler of the missing column only",
        statements: &[
            "CREATE TABLE IF NOT EXISTS t (id int);",
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS x int;",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN NULL; END $$;",
            "ALTER TABLE t DROP COLUMN y;",
        ],
    },
    Case {
        name: "a DO-block column rename, the old column added again after it",
        statements: &[
            "CREATE TABLE IF NOT EXISTS t (id int);",
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS x int;",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column OR duplicate_column THEN NULL; END $$;",
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS x int;",
            "ALTER TABLE t DROP COLUMN y;",
        ],
    },
    // Near: only the table's guarded creation makes the old column, which a retry skips.
    Case {
        name: "a DO-block rename of a column only the table's creation makes",
        statements: &[
            "CREATE TABLE IF NOT EXISTS t (x int);",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN NULL; END $$;",
            "ALTER TABLE t DROP COLUMN y;",
        ],
    },
    // Near: a later statement of the block fails on a retry, into the handler, which undoes the
    // rename with it.
    Case {
        name: "a DO-block column rename with another statement under the handler",
        statements: &[
            "CREATE TABLE IF NOT EXISTS t (id int);",
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS x int;",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; CREATE TABLE z (id int); EXCEPTION WHEN undefined_column OR duplicate_column OR duplicate_table THEN NULL; END $$;",
            "ALTER TABLE t DROP COLUMN y;",
        ],
    },
];

/// The same rename under handlers that act but change nothing: `RAISE` of a level below
/// `EXCEPTION` with literal arguments (and `SQLERRM`) reports and goes on, as `NULL` does.
const RENAMED_UNDER_REPORTING_HANDLERS: &[Case] = &[
    Case {
        name: "a DO-block column rename under a handler that raises a notice",
        statements: &[
            "CREATE TABLE IF NOT EXISTS rn (id int);",
            "ALTER TABLE rn ADD COLUMN IF NOT EXISTS x int;",
            "DO $$ BEGIN ALTER TABLE rn RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column OR duplicate_column THEN RAISE NOTICE 'skipped'; END $$;",
            "ALTER TABLE rn DROP COLUMN y;",
        ],
    },
    Case {
        name: "a DO-block column rename under a handler that raises a warning with SQLERRM",
        statements: &[
            "CREATE TABLE IF NOT EXISTS rw (id int);",
            "ALTER TABLE rw ADD COLUMN IF NOT EXISTS x int;",
            "DO $$ BEGIN ALTER TABLE rw RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column OR duplicate_column THEN RAISE WARNING 'skipped: %', SQLERRM; END $$;",
            "ALTER TABLE rw DROP COLUMN y;",
        ],
    },
    Case {
        name: "a DO-block column rename under handlers that raise info and log",
        statements: &[
            "CREATE TABLE IF NOT EXISTS ri (id int);",
            "ALTER TABLE ri ADD COLUMN IF NOT EXISTS x int;",
            "DO $$ BEGIN ALTER TABLE ri RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN RAISE INFO 'gone'; RAISE LOG 'gone'; WHEN duplicate_column THEN NULL; END $$;",
            "ALTER TABLE ri DROP COLUMN y;",
        ],
    },
];

/// The same rename under handlers that raise an exception first (`RAISE 'x'`, `RAISE EXCEPTION
/// …`, `RAISE`): the block fails wherever the handler runs, as with no handler. A retry after a
/// crash past the block fails there (the old column, added again, meets the new one), and PF118
/// flags it, also under a handler of that collision, which catches nothing; the drop after it
/// never fails, and is not flagged. Under a per-file transaction nothing fails. A table's
/// rename under such a handler is the same.
const RENAMED_UNDER_FAILING_HANDLERS: &[Case] = &[
    Case {
        name: "a DO-block column rename under a handler of the missing column that raises",
        statements: &[
            "CREATE TABLE IF NOT EXISTS rf1 (id int);",
            "ALTER TABLE rf1 ADD COLUMN IF NOT EXISTS x int;",
            "DO $$ BEGIN ALTER TABLE rf1 RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN RAISE 'x'; END $$;",
            "ALTER TABLE rf1 DROP COLUMN y;",
        ],
    },
    Case {
        name: "under a handler that raises an exception with SQLERRM",
        statements: &[
            "CREATE TABLE IF NOT EXISTS rf2 (id int);",
            "ALTER TABLE rf2 ADD COLUMN IF NOT EXISTS x int;",
            "DO $$ BEGIN ALTER TABLE rf2 RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN RAISE EXCEPTION 'x: %', SQLERRM; END $$;",
            "ALTER TABLE rf2 DROP COLUMN y;",
        ],
    },
    Case {
        name: "under a handler that raises the error again",
        statements: &[
            "CREATE TABLE IF NOT EXISTS rf3 (id int);",
            "ALTER TABLE rf3 ADD COLUMN IF NOT EXISTS x int;",
            "DO $$ BEGIN ALTER TABLE rf3 RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN RAISE; END $$;",
            "ALTER TABLE rf3 DROP COLUMN y;",
        ],
    },
    Case {
        name: "under a handler of the collision too that raises",
        statements: &[
            "CREATE TABLE IF NOT EXISTS rf4 (id int);",
            "ALTER TABLE rf4 ADD COLUMN IF NOT EXISTS x int;",
            "DO $$ BEGIN ALTER TABLE rf4 RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column OR duplicate_column THEN RAISE 'x'; END $$;",
            "ALTER TABLE rf4 DROP COLUMN y;",
        ],
    },
    Case {
        name: "a table's rename under a handler of both names that raises",
        statements: &[
            "CREATE TABLE rf5 (id int);",
            "DO $$ BEGIN ALTER TABLE rf5 RENAME TO rf5_b; EXCEPTION WHEN undefined_table OR duplicate_table THEN RAISE 'no'; END $$;",
            "CREATE TABLE rf5_c (id int);",
            "DROP TABLE rf5_b;",
            "DROP TABLE rf5_c;",
        ],
    },
];

/// A drop of a column (PF110) that the table's creation spells, where that creation runs on every
/// run: after a drop of the table, or, under a per-file transaction, when the file leaves the
/// table removed.
const MADE_WITH_COLUMN: &[Case] = &[
    Case {
        name: "a column the table's creation spells, after a drop of the table",
        statements: &[
            "DROP TABLE IF EXISTS t2;",
            "CREATE TABLE t2 (a int, b int);",
            "ALTER TABLE t2 DROP COLUMN b;",
        ],
    },
    Case {
        name: "a column of a table the file makes and drops",
        statements: &[
            "CREATE TABLE t4 (a int, b int);",
            "ALTER TABLE t4 DROP COLUMN b;",
            "DROP TABLE t4;",
        ],
    },
    // Near: a retry finds the table, skips its creation, and the column is gone.
    Case {
        name: "a column of a table made under IF NOT EXISTS",
        statements: &[
            "CREATE TABLE IF NOT EXISTS t5 (a int, b int);",
            "ALTER TABLE t5 DROP COLUMN b;",
        ],
    },
    // Near: the creation fails on a retry that finds the table, without the column.
    Case {
        name: "a column of a table made unguarded and kept",
        statements: &[
            "CREATE TABLE t6 (a int, b int);",
            "ALTER TABLE t6 DROP COLUMN b;",
        ],
    },
];

/// A rename (PF118) and a drop (PF110) of a column of a table whose creation runs on every run:
/// each run goes on from the columns that creation spells through the same `ADD COLUMN` and
/// `RENAME COLUMN` as the first, so the rename finds its old name there and its new one free,
/// and the drop finds what the rename gave. Near: a table a retry finds, its creation skipped or
/// failing, which the first run left with the new name only.
const MADE_THEN_RENAMED: &[Case] = &[
    Case {
        name: "a column the table's creation spells, renamed and dropped, after a drop of the table",
        statements: &[
            "DROP TABLE IF EXISTS t2;",
            "CREATE TABLE t2 (a int);",
            "ALTER TABLE t2 RENAME COLUMN a TO b;",
            "ALTER TABLE t2 DROP COLUMN b;",
        ],
    },
    Case {
        name: "a column the table's creation spells, renamed, after a drop of the table",
        statements: &[
            "DROP TABLE IF EXISTS t2;",
            "CREATE TABLE t2 (a int);",
            "ALTER TABLE t2 RENAME a TO b;",
        ],
    },
    Case {
        name: "a column added after the table's creation, renamed and dropped, after a drop of the table",
        statements: &[
            "DROP TABLE IF EXISTS t2;",
            "CREATE TABLE t2 (id int);",
            "ALTER TABLE t2 ADD COLUMN a int;",
            "ALTER TABLE t2 RENAME COLUMN a TO b;",
            "ALTER TABLE t2 DROP COLUMN b;",
        ],
    },
    Case {
        name: "a column of a table the file makes and drops, renamed",
        statements: &[
            "CREATE TABLE t4 (a int);",
            "ALTER TABLE t4 RENAME COLUMN a TO b;",
            "DROP TABLE t4;",
        ],
    },
    // Near: the creation fails on a retry that finds the table, with `b` and without `a`.
    Case {
        name: "a column of a table made unguarded and kept, renamed and dropped",
        statements: &[
            "CREATE TABLE t6 (a int);",
            "ALTER TABLE t6 RENAME COLUMN a TO b;",
            "ALTER TABLE t6 DROP COLUMN b;",
        ],
    },
    // Near: a retry skips the creation.
    Case {
        name: "a column of a table made under IF NOT EXISTS, renamed and dropped",
        statements: &[
            "CREATE TABLE IF NOT EXISTS t5 (a int);",
            "ALTER TABLE t5 RENAME COLUMN a TO b;",
            "ALTER TABLE t5 DROP COLUMN IF EXISTS b;",
        ],
    },
    Case {
        name: "a column added to a table made under IF NOT EXISTS, renamed and dropped",
        statements: &[
            "CREATE TABLE IF NOT EXISTS t5 (id int);",
            "ALTER TABLE t5 ADD COLUMN IF NOT EXISTS a int;",
            "ALTER TABLE t5 RENAME COLUMN a TO b;",
            "ALTER TABLE t5 DROP COLUMN b;",
        ],
    },
];

/// A DO block whose body always runs a column rename, as a top-level rename: under a per-file
/// transaction, the old name made before it and the new one dropped after it, a re-run finds
/// the old name there and the new one free. Near: a new name the file keeps is taken on a
/// re-run, and statement by statement a crash past the block leaves the old name gone.
const DO_BLOCK_COLUMN_RENAMES: &[Case] = &[
    Case {
        name: "a DO block renames a column the file adds, the file drops the new name",
        statements: &[
            "CREATE TABLE IF NOT EXISTS t2 (id int);",
            "ALTER TABLE t2 ADD COLUMN IF NOT EXISTS a int;",
            "DO $$ BEGIN ALTER TABLE t2 RENAME COLUMN a TO b; END $$;",
            "ALTER TABLE t2 DROP COLUMN b;",
        ],
    },
    Case {
        name:
            "a DO block renames a column the file adds to a kept table, the file drops the new name",
        statements: &[
            "ALTER TABLE pt ADD COLUMN IF NOT EXISTS a int;",
            "DO $$ BEGIN ALTER TABLE pt RENAME COLUMN a TO b; END $$;",
            "ALTER TABLE pt DROP COLUMN b;",
        ],
    },
    Case {
        name: "a DO block renames a column the file adds, the file keeps the new name",
        statements: &[
            "ALTER TABLE pt ADD COLUMN IF NOT EXISTS a int;",
            "DO $$ BEGIN ALTER TABLE pt RENAME COLUMN a TO b; END $$;",
        ],
    },
    Case {
        name: "a DO block renames a column of the setup, the file drops the new name",
        statements: &[
            "DO $$ BEGIN ALTER TABLE pa RENAME COLUMN id TO id2; END $$;",
            "ALTER TABLE pa ADD COLUMN IF NOT EXISTS x int;",
            "ALTER TABLE pa DROP COLUMN id2;",
        ],
    },
];

fn assert_agrees(cases: &[Case]) {
    assert_crash_points_agree(SETUP, cases);
}

#[test]
fn a_drop_after_a_rename_back_is_flagged_where_postgres_fails() {
    assert_agrees(RENAMED_BACK);
}

#[test]
fn what_a_statement_makes_on_a_table_the_file_drops_later_is_flagged_where_postgres_fails() {
    assert_agrees(LEFT_REMOVED);
}

#[test]
fn a_drop_of_what_a_do_block_rename_gives_is_flagged_where_postgres_fails() {
    assert_agrees(RENAMED_IN_BLOCK);
}

#[test]
fn a_drop_of_what_a_do_block_rename_under_a_reporting_handler_gives_is_not_flagged() {
    assert_agrees(RENAMED_UNDER_REPORTING_HANDLERS);
}

#[test]
fn a_do_block_rename_under_a_handler_that_raises_is_flagged_as_without_one() {
    assert_agrees(RENAMED_UNDER_FAILING_HANDLERS);
}

/// A handler that changes something may undo what the proof needs: one that drops the new
/// column makes the drop after the block fail on a retry after a crash past the block, and lint
/// flags it. (Under a per-file transaction the server passes; lint cannot tell what an acting
/// handler leaves, and flags it all the same.)
#[test]
fn a_drop_after_a_do_block_rename_under_an_acting_handler_stays_flagged() {
    let db = ScratchDb::postgres();
    let statements = [
        "CREATE TABLE IF NOT EXISTS ra (id int);",
        "ALTER TABLE ra ADD COLUMN IF NOT EXISTS x int;",
        "DO $$ BEGIN ALTER TABLE ra RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column OR duplicate_column THEN ALTER TABLE ra DROP COLUMN IF EXISTS y; END $$;",
        "ALTER TABLE ra DROP COLUMN y;",
    ];
    let sql = statements.join("\n") + "\n";
    let server = crash_point_failures(&db, &statements, None);
    let lint = retry_lines_in_model(&sql, None);
    assert!(
        server.contains(&4) && lint == server,
        "server {server:?}, lint {lint:?}"
    );
}

/// Without a handler, the block fails on a retry after a crash past it (the old column, added
/// again, meets the new one): PF118 flags the block, and lint never flags the drop, which the
/// server never fails at. (Under a per-file transaction the block is proved as a top-level
/// rename would be: [`DO_BLOCK_COLUMN_RENAMES`].)
#[test]
fn a_drop_after_a_do_block_rename_without_handler_is_not_flagged() {
    let db = ScratchDb::postgres();
    let statements = [
        "CREATE TABLE IF NOT EXISTS t (id int);",
        "ALTER TABLE t ADD COLUMN IF NOT EXISTS x int;",
        "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; END $$;",
        "ALTER TABLE t DROP COLUMN y;",
    ];
    let sql = statements.join("\n") + "\n";
    for model in [None, Some(ApplyModel::FileTransaction)] {
        let server = crash_point_failures(&db, &statements, model);
        let lint = retry_lines_in_model(&sql, model);
        assert!(!server.contains(&4), "{model:?}: server {server:?}");
        assert!(
            server.iter().all(|l| lint.contains(l)) && !lint.contains(&4),
            "{model:?}: server {server:?}, lint {lint:?}"
        );
    }
}

#[test]
fn a_drop_of_a_column_the_tables_creation_makes_is_flagged_where_postgres_fails() {
    assert_agrees(MADE_WITH_COLUMN);
}

#[test]
fn a_rename_and_drop_of_a_column_of_a_table_made_on_every_run_are_flagged_where_postgres_fails() {
    assert_agrees(MADE_THEN_RENAMED);
}

/// The same on MariaDB (whose DDL commits: statement by statement only), where a table keeps at
/// least one column; with the copies out of a rebuilt or re-created table whose columns the
/// file changes after their CREATE (PF123).
const MARIADB_COLUMN_CHANGES: &[Case] = &[
    Case {
        name: "a column the table's creation spells, renamed and dropped, after a drop of the table",
        statements: &[
            "DROP TABLE IF EXISTS t2;",
            "CREATE TABLE t2 (id int, a int);",
            "ALTER TABLE t2 RENAME COLUMN a TO b;",
            "ALTER TABLE t2 DROP COLUMN b;",
        ],
    },
    Case {
        name: "a column added after the table's creation, renamed and dropped, after a drop of the table",
        statements: &[
            "DROP TABLE IF EXISTS t2;",
            "CREATE TABLE t2 (id int);",
            "ALTER TABLE t2 ADD COLUMN a int;",
            "ALTER TABLE t2 RENAME COLUMN a TO b;",
            "ALTER TABLE t2 DROP COLUMN b;",
        ],
    },
    Case {
        name: "a column of a table made unguarded and kept, renamed and dropped",
        statements: &[
            "CREATE TABLE t6 (id int, a int);",
            "ALTER TABLE t6 RENAME COLUMN a TO b;",
            "ALTER TABLE t6 DROP COLUMN b;",
        ],
    },
    Case {
        name: "a column of a table made under IF NOT EXISTS, renamed and dropped",
        statements: &[
            "CREATE TABLE IF NOT EXISTS t5 (id int, a int);",
            "ALTER TABLE t5 RENAME COLUMN a TO b;",
            "ALTER TABLE t5 DROP COLUMN IF EXISTS b;",
        ],
    },
    Case {
        name: "the rebuild's new table drops the column the copy filters on",
        statements: &[
            "CREATE TABLE IF NOT EXISTS r (id int PRIMARY KEY, a text, b int);",
            "CREATE TABLE r_new (id int PRIMARY KEY, a text, b int);",
            "ALTER TABLE r_new DROP COLUMN b;",
            "INSERT INTO r_new (id, a) SELECT id, a FROM r WHERE b > 0;",
            "DROP TABLE r;",
            "ALTER TABLE r_new RENAME TO r;",
        ],
    },
    Case {
        name: "the rebuild's new table drops another column than the one the copy filters on",
        statements: &[
            "CREATE TABLE IF NOT EXISTS r (id int PRIMARY KEY, a text, b int);",
            "CREATE TABLE r_new (id int PRIMARY KEY, a text, b int, z int);",
            "ALTER TABLE r_new DROP COLUMN z;",
            "INSERT INTO r_new (id, a) SELECT id, a FROM r WHERE b > 0;",
            "DROP TABLE r;",
            "ALTER TABLE r_new RENAME TO r;",
        ],
    },
    Case {
        name: "the recreated table renames the column the copy reads away",
        statements: &[
            "CREATE TABLE IF NOT EXISTS u (a text, c int);",
            "CREATE TABLE IF NOT EXISTS r (id int, a text, c int);",
            "INSERT INTO u SELECT a, c FROM r;",
            "DROP TABLE r;",
            "CREATE TABLE r (id int, a text, c int);",
            "ALTER TABLE r RENAME COLUMN c TO x;",
        ],
    },
    Case {
        name: "the recreated table gets the column the copy reads by a rename",
        statements: &[
            "CREATE TABLE IF NOT EXISTS u (a text, c int);",
            "CREATE TABLE IF NOT EXISTS r (id int, a text, c int);",
            "INSERT INTO u SELECT a, c FROM r;",
            "DROP TABLE r;",
            "CREATE TABLE r (id int, a text, b int);",
            "ALTER TABLE r RENAME COLUMN b TO c;",
        ],
    },
];

#[test]
fn column_changes_after_a_tables_creation_are_flagged_where_mariadb_fails() {
    assert_mariadb_crash_points_agree("SELECT 1;", MARIADB_COLUMN_CHANGES);
}

#[test]
fn a_do_block_column_rename_is_flagged_where_postgres_fails() {
    assert_agrees(DO_BLOCK_COLUMN_RENAMES);
}
