//! PF101 under a per-file transaction on a table or type a file makes and then renames in a DO
//! block whose whole body is the rename under a handler: a rename proved as a top-level one
//! would be (the old name made right before, the new one free on every run) runs on every run
//! that reaches the block and frees the old name, whatever the handler catches. Lint is
//! compared with PostgreSQL at every crash point and under a per-file transaction.

mod common;

use common::retry::{assert_crash_points_agree, line_of, retry_lines_in_model, Case};
use common::ScratchDb;
use preflight::runner::ApplyModel;

const CASES: &[Case] = &[
    Case {
        name: "a table made, renamed under a handler of the missing name, dropped",
        statements: &[
            "CREATE TABLE hr_a (id int);",
            "DO $$ BEGIN ALTER TABLE hr_a RENAME TO hr_b; EXCEPTION WHEN undefined_table THEN NULL; END $$;",
            "DROP TABLE hr_b;",
        ],
    },
    Case {
        name: "a composite type made, renamed under a handler of the missing name, dropped",
        statements: &[
            "CREATE TYPE hr_c AS (x int);",
            "DO $$ BEGIN ALTER TYPE hr_c RENAME TO hr_d; EXCEPTION WHEN undefined_object THEN NULL; END $$;",
            "DROP TYPE hr_d;",
        ],
    },
    Case {
        name: "an enum made where free, renamed under handlers of both names, dropped",
        statements: &[
            "DO $$ BEGIN CREATE TYPE hr_e AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;",
            "DO $$ BEGIN ALTER TYPE hr_e RENAME TO hr_f; EXCEPTION WHEN undefined_object OR duplicate_object THEN NULL; END $$;",
            "DROP TYPE hr_f;",
        ],
    },
    // The new name taken before the block: the handler catches the collision and leaves the
    // old name, which a re-run makes again.
    Case {
        name: "a table renamed onto a name the file leaves taken",
        statements: &[
            "CREATE TABLE hr_g (id int);",
            "CREATE TABLE hr_h (id int);",
            "DO $$ BEGIN ALTER TABLE hr_g RENAME TO hr_h; EXCEPTION WHEN duplicate_table THEN NULL; END $$;",
        ],
    },
];

#[test]
fn a_make_before_a_handled_block_rename_is_flagged_where_postgres_fails() {
    assert_crash_points_agree("", CASES);
}

#[test]
fn a_handled_block_rename_frees_the_made_name_under_a_per_file_transaction() {
    let sql = CASES[0].statements.join("\n") + "\n";
    let lines = retry_lines_in_model(&sql, Some(ApplyModel::FileTransaction));
    assert!(!lines.contains(&1), "{lines:?}");
    let taken = CASES[3].statements.join("\n") + "\n";
    let lines = retry_lines_in_model(&taken, Some(ApplyModel::FileTransaction));
    assert!(lines.contains(&1), "{lines:?}");
}

/// A whole-body rename under handlers of the missing old name and of the new name taken: a run
/// that finds the new name free renames the old one away, one that finds it taken leaves the
/// old name. The file's last event on the new name is a top-level drop, and nothing before the
/// block makes it: every run finds it free at the block, so under a per-file transaction a
/// re-run finds the old name gone and its creation is not flagged. Statement by statement, a
/// crash right after the creation still fails its retry.
const COLLISION_CAUGHT: &[Case] = &[
    Case {
        name: "a table made, renamed under handlers of both names, the new name dropped",
        statements: &[
            "CREATE TABLE hr_c (id int);",
            "DO $$ BEGIN ALTER TABLE hr_c RENAME TO hr_d; EXCEPTION WHEN undefined_table OR duplicate_table THEN NULL; END $$;",
            "DROP TABLE hr_d;",
        ],
    },
    Case {
        name: "the same under a handler of the new name taken alone",
        statements: &[
            "CREATE TABLE hr_c2 (id int);",
            "DO $$ BEGIN ALTER TABLE hr_c2 RENAME TO hr_d2; EXCEPTION WHEN duplicate_table THEN NULL; END $$;",
            "DROP TABLE hr_d2;",
        ],
    },
    Case {
        name: "the same under a handler of others",
        statements: &[
            "CREATE TABLE hr_c3 (id int);",
            "DO $$ BEGIN ALTER TABLE hr_c3 RENAME TO hr_d3; EXCEPTION WHEN others THEN NULL; END $$;",
            "DROP TABLE hr_d3;",
        ],
    },
    Case {
        name: "made with IF NOT EXISTS",
        statements: &[
            "CREATE TABLE IF NOT EXISTS hr_c4 (id int);",
            "DO $$ BEGIN ALTER TABLE hr_c4 RENAME TO hr_d4; EXCEPTION WHEN undefined_table OR duplicate_table THEN NULL; END $$;",
            "DROP TABLE hr_d4;",
        ],
    },
    Case {
        name: "the new name dropped before the block too",
        statements: &[
            "CREATE TABLE hr_c5 (id int);",
            "DROP TABLE IF EXISTS hr_d5;",
            "DO $$ BEGIN ALTER TABLE hr_c5 RENAME TO hr_d5; EXCEPTION WHEN undefined_table OR duplicate_table THEN NULL; END $$;",
            "DROP TABLE hr_d5;",
        ],
    },
    Case {
        name: "a composite type renamed under handlers of both names",
        statements: &[
            "CREATE TYPE hr_ty AS (x int);",
            "DO $$ BEGIN ALTER TYPE hr_ty RENAME TO hr_ty2; EXCEPTION WHEN undefined_object OR duplicate_object THEN NULL; END $$;",
            "DROP TYPE hr_ty2;",
        ],
    },
    Case {
        name: "an enum renamed under handlers of both names",
        statements: &[
            "CREATE TYPE hr_p AS ENUM ('a');",
            "DO $$ BEGIN ALTER TYPE hr_p RENAME TO hr_q; EXCEPTION WHEN undefined_object OR duplicate_object THEN NULL; END $$;",
            "DROP TYPE hr_q;",
        ],
    },
    // The file makes the new name before the block: the handler catches the collision on
    // every run and leaves the old name, which a re-run's creation meets.
    Case {
        name: "the new name made before the block",
        statements: &[
            "CREATE TABLE hr_d6 (id int);",
            "CREATE TABLE hr_c6 (id int);",
            "DO $$ BEGIN ALTER TABLE hr_c6 RENAME TO hr_d6; EXCEPTION WHEN undefined_table OR duplicate_table THEN NULL; END $$;",
            "DROP TABLE hr_d6;",
        ],
    },
];

#[test]
fn a_block_rename_catching_the_new_name_taken_frees_the_old_one_where_postgres_says_so() {
    assert_crash_points_agree("", COLLISION_CAUGHT);
}

/// Where the file leaves the new name taken (no drop of it, made again after the drop, or a
/// drop of another schema's), a re-run's block meets it, the handler keeps the old name, and
/// the run after that fails at the creation: under a per-file transaction, lint flags it.
#[test]
fn a_block_rename_catching_the_new_name_taken_stays_flagged_where_a_later_run_fails() {
    for statements in [
        &[
            "CREATE TABLE hr_e (id int);",
            "DO $$ BEGIN ALTER TABLE hr_e RENAME TO hr_f; EXCEPTION WHEN undefined_table OR duplicate_table THEN NULL; END $$;",
        ][..],
        &[
            "CREATE TABLE hr_e (id int);",
            "DO $$ BEGIN ALTER TABLE hr_e RENAME TO hr_f; EXCEPTION WHEN undefined_table OR duplicate_table THEN NULL; END $$;",
            "DROP TABLE hr_f;",
            "CREATE TABLE hr_f (id int);",
        ],
        &[
            "CREATE SCHEMA IF NOT EXISTS hr_s;",
            "CREATE TABLE hr_e (id int);",
            "DO $$ BEGIN ALTER TABLE hr_e RENAME TO hr_f; EXCEPTION WHEN undefined_table OR duplicate_table THEN NULL; END $$;",
            "DROP TABLE IF EXISTS hr_s.hr_f;",
        ],
    ] {
        let sql = statements.join("\n") + "\n";
        let db = ScratchDb::postgres();
        db.exec(&sql);
        db.exec(&sql);
        let third = db.try_exec(&sql);
        assert!(
            third
                .as_ref()
                .is_err_and(|e| e.contains("\"hr_e\" already exists")),
            "{third:?}\n{sql}"
        );
        let lines = retry_lines_in_model(&sql, Some(ApplyModel::FileTransaction));
        assert!(
            lines.contains(&line_of(&sql, "CREATE TABLE hr_e")),
            "{lines:?}\n{sql}"
        );
    }
}

/// PF118 on a top-level rename back of the name a handled DO-block rename gives (`CREATE TABLE
/// a …; DO $$ BEGIN ALTER TABLE a RENAME TO b; EXCEPTION WHEN … THEN NULL; END $$; ALTER
/// TABLE b RENAME TO a; DROP TABLE a`). With `a` made right before the block, a run that gets
/// past it finds `b`: renamed, or met there. Under a per-file transaction the file leaves `b`
/// free (renamed away by the rename back), so every run finds it free at the block and the
/// block frees `a`: the rename back is not flagged, whatever the handler catches. Statement by
/// statement a crash right after the block leaves `b`, the retry's block keeps `a`, and the
/// rename back fails on `a` taken: flagged. Where the file makes `b` again after the rename
/// back, a re-run's block meets it and the rename back fails under a per-file transaction too.
const RENAMED_BACK: &[Case] = &[
    Case {
        name: "renamed under handlers of both names, renamed back, dropped",
        statements: &[
            "CREATE TABLE hr_r1 (id int);",
            "DO $$ BEGIN ALTER TABLE hr_r1 RENAME TO hr_s1; EXCEPTION WHEN undefined_table OR duplicate_table THEN NULL; END $$;",
            "ALTER TABLE hr_s1 RENAME TO hr_r1;",
            "DROP TABLE hr_r1;",
        ],
    },
    Case {
        name: "made with IF NOT EXISTS, renamed under handlers of both names, renamed back",
        statements: &[
            "CREATE TABLE IF NOT EXISTS hr_r2 (id int);",
            "DO $$ BEGIN ALTER TABLE hr_r2 RENAME TO hr_s2; EXCEPTION WHEN undefined_table OR duplicate_table THEN NULL; END $$;",
            "ALTER TABLE hr_s2 RENAME TO hr_r2;",
            "DROP TABLE hr_r2;",
        ],
    },
    Case {
        name: "renamed under a handler of the missing name, renamed back",
        statements: &[
            "CREATE TABLE hr_r3 (id int);",
            "DO $$ BEGIN ALTER TABLE hr_r3 RENAME TO hr_s3; EXCEPTION WHEN undefined_table THEN NULL; END $$;",
            "ALTER TABLE hr_s3 RENAME TO hr_r3;",
            "DROP TABLE hr_r3;",
        ],
    },
    Case {
        name: "renamed under a handler of others, renamed back",
        statements: &[
            "CREATE TABLE hr_r4 (id int);",
            "DO $$ BEGIN ALTER TABLE hr_r4 RENAME TO hr_s4; EXCEPTION WHEN others THEN NULL; END $$;",
            "ALTER TABLE hr_s4 RENAME TO hr_r4;",
            "DROP TABLE hr_r4;",
        ],
    },
    Case {
        name: "renamed back, the new name made again after",
        statements: &[
            "CREATE TABLE hr_r5 (id int);",
            "DO $$ BEGIN ALTER TABLE hr_r5 RENAME TO hr_s5; EXCEPTION WHEN undefined_table OR duplicate_table THEN NULL; END $$;",
            "ALTER TABLE hr_s5 RENAME TO hr_r5;",
            "CREATE TABLE hr_s5 (id int);",
            "DROP TABLE hr_r5;",
        ],
    },
    Case {
        name: "renamed back, dropped and made again",
        statements: &[
            "CREATE TABLE hr_r6 (id int);",
            "DO $$ BEGIN ALTER TABLE hr_r6 RENAME TO hr_s6; EXCEPTION WHEN undefined_table OR duplicate_table THEN NULL; END $$;",
            "ALTER TABLE hr_s6 RENAME TO hr_r6;",
            "DROP TABLE hr_r6;",
            "CREATE TABLE hr_r6 (id int);",
            "DROP TABLE hr_r6;",
        ],
    },
];

#[test]
fn a_rename_back_after_a_handled_block_rename_is_flagged_where_postgres_fails() {
    assert_crash_points_agree("", RENAMED_BACK);
}
