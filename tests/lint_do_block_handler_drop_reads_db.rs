//! PF123: a read of a table that a DO block before it drops on a retry. The block makes the
//! table (`CREATE TABLE b`, or a rename `ALTER TABLE a RENAME TO b` of a table made right before
//! it) and its handler of `duplicate_table` drops it: a retry meets the table the first run left,
//! goes into the handler, and the read after the block fails (`relation "b" does not exist`).
//! Each case is run on PostgreSQL 15 at every crash point and under a per-file transaction. The
//! block itself keeps its PF109 (the handler's `DROP TABLE` without `IF EXISTS`), which no crash
//! point of these files fails on: lint's lines are the server's and the block's. The block that
//! creates the table: `lint_do_block_overflags_db.rs`.

mod common;

use common::retry::{crash_point_failures, line_of, retry_lines_in_model};
use common::ScratchDb;
use preflight::runner::ApplyModel;

/// On a scratch database set up with `setup`: the server fails at `server` (the 1-based
/// statements) in both apply models, and lint flags the lines `lint`.
fn agrees(setup: &str, statements: &[&str], server: &[usize], lint: &[usize]) {
    let sql = statements.join("\n") + "\n";
    let db = ScratchDb::postgres();
    db.exec(setup);
    for model in [None, Some(ApplyModel::FileTransaction)] {
        assert_eq!(
            crash_point_failures(&db, statements, model),
            server,
            "the server, {model:?}:\n{sql}"
        );
        assert_eq!(
            retry_lines_in_model(&sql, model),
            lint,
            "lint, {model:?}:\n{sql}"
        );
    }
}

const RENAMED_OR_DROPPED: &str = "DO $$ BEGIN ALTER TABLE hd_a1 RENAME TO hd_b1; \
                                  EXCEPTION WHEN duplicate_table THEN DROP TABLE hd_b1; END $$;";

/// The brief's case: on a retry the block's rename finds `hd_b1` taken (the first run's
/// rename made it), the handler drops it, and the SELECT fails.
#[test]
fn a_read_after_a_handled_rename_whose_handler_drops_the_new_name_fails_on_postgres() {
    let statements = [
        "CREATE TABLE IF NOT EXISTS hd_a1 (id int);",
        RENAMED_OR_DROPPED,
        "SELECT id FROM hd_b1;",
    ];
    let sql = statements.join("\n");
    assert_eq!(line_of(&sql, "SELECT"), 3);
    agrees("", &statements, &[3], &[2, 3]);
}

/// So in a later DO block: the INSERT of its body fails.
#[test]
fn a_read_in_a_later_do_block_fails_too_on_postgres() {
    agrees(
        "",
        &[
            "CREATE TABLE IF NOT EXISTS hd_a1 (id int);",
            RENAMED_OR_DROPPED,
            "DO $$ BEGIN INSERT INTO hd_b1 (id) VALUES (1); END $$;",
        ],
        &[3],
        &[2, 3],
    );
}

/// The files of [`reads_the_retry_passes_are_not_flagged_on_postgres`] after their creation of
/// `hd_a1`, with the lines lint flags (the block's PF109).
const PASSING: &[(&[&str], &[usize])] = &[
    (
        &[
            "DO $$ BEGIN ALTER TABLE hd_a1 RENAME TO hd_b1; EXCEPTION WHEN duplicate_table THEN \
             DROP TABLE hd_b1; CREATE TABLE hd_b1 (id int); END $$;",
            "SELECT id FROM hd_b1;",
        ],
        &[2],
    ),
    (
        &[
            "CREATE TABLE IF NOT EXISTS hd_c1 (id int);",
            RENAMED_OR_DROPPED,
            "SELECT id FROM hd_c1;",
        ],
        &[3],
    ),
    (
        &[
            RENAMED_OR_DROPPED,
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'hd_b1') THEN \
             INSERT INTO hd_b1 (id) VALUES (1); END IF; END $$;",
        ],
        &[2],
    ),
    (
        &[
            RENAMED_OR_DROPPED,
            "DO $$ BEGIN CREATE TABLE IF NOT EXISTS hd_b1 (id int); \
             INSERT INTO hd_b1 (id) VALUES (1); END $$;",
        ],
        &[2],
    ),
    (
        &[
            RENAMED_OR_DROPPED,
            "CREATE TABLE IF NOT EXISTS hd_b1 (id int);",
            "SELECT id FROM hd_b1;",
        ],
        &[2],
    ),
];

/// What the retry passes: a handler that makes the table again after its drop, a read of
/// another table, a read behind a check that the table exists, one the later block makes
/// first, one a top-level creation after the block makes, and a rename of a table that nothing
/// in the file makes (a retry finds its old name gone and fails at the block, line 1, before
/// any drop).
#[test]
fn reads_the_retry_passes_are_not_flagged_on_postgres() {
    for (rest, lint) in PASSING {
        let statements: Vec<&str> = std::iter::once("CREATE TABLE IF NOT EXISTS hd_a1 (id int);")
            .chain(rest.iter().copied())
            .collect();
        agrees("", &statements, &[], lint);
    }
    agrees(
        "CREATE TABLE hd_a1 (id int);",
        &[RENAMED_OR_DROPPED, "SELECT id FROM hd_b1;"],
        &[1],
        &[1],
    );
}
