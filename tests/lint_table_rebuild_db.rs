//! The table rebuild (`CREATE TABLE t_new …; INSERT INTO t_new SELECT … FROM t; DROP TABLE t;
//! ALTER TABLE t_new RENAME TO t`, as SQLite migrations and many PostgreSQL ones write it):
//! the final rename makes `t` again, so a re-run of the whole file starts with `t` there and
//! `t_new` gone, and every run that reaches the rename finds `t_new` (made by the CREATE of
//! the same run) and `t` free (dropped right before). Lint is compared with PostgreSQL at every
//! retry each apply model allows, going on past a failing statement the way lint judges a
//! statement (as if the ones before it were fixed: a failing one changes nothing). The column
//! rebuild (`ADD COLUMN c_new …; UPDATE t SET c_new = c; DROP COLUMN c; RENAME COLUMN c_new TO
//! c`) is the same under a per-file transaction: a re-run starts with `t.c` there. So is the
//! swap that drops the old table at the end (`RENAME t TO t_old; RENAME t_new TO t; DROP TABLE
//! t_old`), and a `CREATE TABLE t_new AS SELECT * FROM t` copy in every model.

mod common;

use common::retry::{
    after_every_crash_point, crash_point_failures, crash_point_mismatches, dialect_options,
    line_of, retry_findings, retry_lines_in_model, run_twice, second_run, statements, Case,
};
use common::ScratchDb;
use preflight::fix::fix_source;
use preflight::lint::{lint_source, LintOptions};
use preflight::runner::{ApplyModel, Runner};
use preflight::source::SourceFile;
use preflight::sql::Dialect;

const SETUP: &str = "CREATE TABLE d (id int);\nINSERT INTO d VALUES (1);\nCREATE SCHEMA a;\n\
                     CREATE TABLE t (id int, c text);\nINSERT INTO t VALUES (1, 'x');";

const REBUILD: &[&str] = &[
    "CREATE TABLE d_new (id int);",
    "INSERT INTO d_new SELECT * FROM d;",
    "DROP TABLE d;",
    "ALTER TABLE d_new RENAME TO d;",
];

/// The rebuild as synapse's `delta/15/v15.sql` writes it: the new table made only if missing,
/// the copy skipping rows a retry copied before.
const REBUILD_IF_MISSING: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS d_new (id int PRIMARY KEY);",
    "INSERT INTO d_new (id) SELECT id FROM d ON CONFLICT DO NOTHING;",
    "DROP TABLE d;",
    "ALTER TABLE d_new RENAME TO d;",
];

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "the table rebuild",
            statements: REBUILD,
        },
        Case {
            name: "the table rebuild with DROP TABLE IF EXISTS",
            statements: &[
                "CREATE TABLE d_new (id int);",
                "INSERT INTO d_new SELECT * FROM d;",
                "DROP TABLE IF EXISTS d;",
                "ALTER TABLE d_new RENAME TO d;",
            ],
        },
        Case {
            name: "the rebuilt table lacks the column the copy reads: a re-run's copy fails",
            statements: &[
                "CREATE TABLE d_new (n int);",
                "INSERT INTO d_new SELECT id FROM d;",
                "DROP TABLE d;",
                "ALTER TABLE d_new RENAME TO d;",
            ],
        },
        Case {
            name: "the rebuild with CREATE TABLE IF NOT EXISTS and a copy that skips conflicts",
            statements: REBUILD_IF_MISSING,
        },
        Case {
            name: "the rebuild copies named columns",
            statements: &[
                "CREATE TABLE d_new (id int, n int);",
                "INSERT INTO d_new (id) SELECT id FROM d;",
                "DROP TABLE d;",
                "ALTER TABLE d_new RENAME TO d;",
            ],
        },
        Case {
            name: "the old table renamed away, not dropped: a re-run meets d_old and d taken",
            statements: &[
                "CREATE TABLE d_new (id int);",
                "ALTER TABLE d RENAME TO d_old;",
                "ALTER TABLE d_new RENAME TO d;",
            ],
        },
        Case {
            name: "the new table renamed to another name: the file leaves d dropped",
            statements: &[
                "CREATE TABLE d_new (id int);",
                "INSERT INTO d_new SELECT * FROM d;",
                "DROP TABLE d;",
                "ALTER TABLE d_new RENAME TO d2;",
            ],
        },
        Case {
            name: "a view over the new d blocks the drop on a re-run: d is taken at the rename",
            statements: &[
                "CREATE TABLE d_new (id int);",
                "DROP TABLE d;",
                "ALTER TABLE d_new RENAME TO d;",
                "CREATE VIEW dv AS SELECT * FROM d;",
            ],
        },
        Case {
            name: "the new table in another schema: the rename makes a.d, which a re-run meets",
            statements: &[
                "CREATE TABLE a.d_new (id int);",
                "DROP TABLE d;",
                "ALTER TABLE a.d_new RENAME TO d;",
            ],
        },
        Case {
            name: "the swap with the old table dropped at the end",
            statements: &[
                "CREATE TABLE d_new (id int PRIMARY KEY);",
                "INSERT INTO d_new SELECT * FROM d;",
                "ALTER TABLE d RENAME TO d_old;",
                "ALTER TABLE d_new RENAME TO d;",
                "DROP TABLE d_old;",
            ],
        },
        Case {
            name: "the swap with IF NOT EXISTS and the old table dropped at the end",
            statements: &[
                "CREATE TABLE IF NOT EXISTS d_new (id int PRIMARY KEY);",
                "INSERT INTO d_new SELECT * FROM d;",
                "ALTER TABLE d RENAME TO d_old;",
                "ALTER TABLE d_new RENAME TO d;",
                "DROP TABLE d_old;",
            ],
        },
        Case {
            name: "the swap of a CREATE TABLE AS copy, the old table dropped at the end",
            statements: &[
                "CREATE TABLE d_new AS SELECT * FROM d;",
                "ALTER TABLE d RENAME TO d_old;",
                "ALTER TABLE d_new RENAME TO d;",
                "DROP TABLE d_old;",
            ],
        },
        Case {
            name: "the rebuild of a CREATE TABLE AS copy",
            statements: &[
                "CREATE TABLE d_new AS SELECT * FROM d;",
                "DROP TABLE d;",
                "ALTER TABLE d_new RENAME TO d;",
            ],
        },
        Case {
            name: "the rebuild of a CREATE TABLE IF NOT EXISTS … AS copy",
            statements: &[
                "CREATE TABLE IF NOT EXISTS d_new AS SELECT * FROM d;",
                "DROP TABLE d;",
                "ALTER TABLE d_new RENAME TO d;",
            ],
        },
        Case {
            name: "the rebuild of a CREATE TABLE AS copy of named columns",
            statements: &[
                "CREATE TABLE d_new AS SELECT id FROM d;",
                "DROP TABLE d;",
                "ALTER TABLE d_new RENAME TO d;",
            ],
        },
        Case {
            name: "the CREATE TABLE AS copy renames the column: a re-run's copy fails",
            statements: &[
                "CREATE TABLE d_new AS SELECT id AS n FROM d;",
                "DROP TABLE d;",
                "ALTER TABLE d_new RENAME TO d;",
            ],
        },
        Case {
            name: "the CREATE TABLE AS rebuild dropped again: a re-run's copy fails",
            statements: &[
                "CREATE TABLE d_new AS SELECT * FROM d;",
                "DROP TABLE d;",
                "ALTER TABLE d_new RENAME TO d;",
                "DROP TABLE d;",
            ],
        },
        Case {
            name: "the column swap with the old column dropped at the end",
            statements: &[
                "ALTER TABLE t ADD COLUMN c_new text;",
                "UPDATE t SET c_new = c;",
                "ALTER TABLE t RENAME COLUMN c TO c_old;",
                "ALTER TABLE t RENAME COLUMN c_new TO c;",
                "ALTER TABLE t DROP COLUMN c_old;",
            ],
        },
        Case {
            name: "the column rebuild",
            statements: &[
                "ALTER TABLE t ADD COLUMN c_new text;",
                "UPDATE t SET c_new = c;",
                "ALTER TABLE t DROP COLUMN c;",
                "ALTER TABLE t RENAME COLUMN c_new TO c;",
            ],
        },
        Case {
            name: "the new column renamed to another name: the file leaves t.c dropped",
            statements: &[
                "ALTER TABLE t ADD COLUMN c_new text;",
                "UPDATE t SET c_new = c;",
                "ALTER TABLE t DROP COLUMN c;",
                "ALTER TABLE t RENAME COLUMN c_new TO c2;",
            ],
        },
        Case {
            name: "the column copied and dropped, no rename back: a re-run's copy fails",
            statements: &[
                "ALTER TABLE t ADD COLUMN IF NOT EXISTS c_new text;",
                "UPDATE t SET c_new = c;",
                "ALTER TABLE t DROP COLUMN c;",
            ],
        },
    ]
}

/// Files whose re-run (after a committed run, under a per-file transaction) removes what a
/// rename of the file makes before the next run reaches that rename: the rename's new name is
/// free again on the re-run. Also the swap written wholly with `IF EXISTS`, whose guarded
/// renames run on every re-run (their source is made or left right before, also by a `CREATE
/// TABLE … AS` whose query reads only what the swap gives back), and the same shapes where the
/// server does fail, which stay flagged.
fn rerun_cases() -> Vec<Case> {
    vec![
        Case {
            name: "a column added, renamed and dropped under the new name",
            statements: &[
                "ALTER TABLE t ADD COLUMN IF NOT EXISTS tmp int;",
                "ALTER TABLE t RENAME COLUMN tmp TO tmp2;",
                "ALTER TABLE t DROP COLUMN tmp2;",
            ],
        },
        Case {
            name: "a column added and renamed, never dropped: a re-run meets tmp2",
            statements: &[
                "ALTER TABLE t ADD COLUMN IF NOT EXISTS tmp int;",
                "ALTER TABLE t RENAME COLUMN tmp TO tmp2;",
            ],
        },
        Case {
            name: "the column swap that drops the swapped-in column at the end",
            statements: &[
                "ALTER TABLE t ADD COLUMN c_new text;",
                "UPDATE t SET c_new = c;",
                "ALTER TABLE t RENAME COLUMN c TO c_old;",
                "ALTER TABLE t RENAME COLUMN c_new TO c;",
                "ALTER TABLE t DROP COLUMN c;",
            ],
        },
        Case {
            name: "the swap written wholly with IF EXISTS",
            statements: &[
                "CREATE TABLE IF NOT EXISTS d_new (id int PRIMARY KEY);",
                "INSERT INTO d_new SELECT * FROM d;",
                "ALTER TABLE IF EXISTS d RENAME TO d_old;",
                "ALTER TABLE IF EXISTS d_new RENAME TO d;",
                "DROP TABLE IF EXISTS d_old;",
            ],
        },
        Case {
            name: "the IF EXISTS swap that keeps d_old: a re-run meets d_old",
            statements: &[
                "CREATE TABLE IF NOT EXISTS d_new (id int PRIMARY KEY);",
                "INSERT INTO d_new SELECT * FROM d;",
                "ALTER TABLE IF EXISTS d RENAME TO d_old;",
                "ALTER TABLE IF EXISTS d_new RENAME TO d;",
            ],
        },
        Case {
            name: "the IF EXISTS swap of a CREATE TABLE IF NOT EXISTS … AS copy",
            statements: &[
                "CREATE TABLE IF NOT EXISTS d_new AS SELECT * FROM d;",
                "ALTER TABLE IF EXISTS d RENAME TO d_old;",
                "ALTER TABLE IF EXISTS d_new RENAME TO d;",
                "DROP TABLE IF EXISTS d_old;",
            ],
        },
        Case {
            name: "the IF EXISTS swap of a CREATE TABLE … AS copy",
            statements: &[
                "CREATE TABLE d_new AS SELECT * FROM d;",
                "ALTER TABLE IF EXISTS d RENAME TO d_old;",
                "ALTER TABLE IF EXISTS d_new RENAME TO d;",
                "DROP TABLE IF EXISTS d_old;",
            ],
        },
        Case {
            name: "the IF EXISTS swap of a CREATE TABLE … AS copy that keeps d_old",
            statements: &[
                "CREATE TABLE IF NOT EXISTS d_new AS SELECT * FROM d;",
                "ALTER TABLE IF EXISTS d RENAME TO d_old;",
                "ALTER TABLE IF EXISTS d_new RENAME TO d;",
            ],
        },
        Case {
            name: "the IF EXISTS rebuild of a CREATE TABLE IF NOT EXISTS … AS copy",
            statements: &[
                "CREATE TABLE IF NOT EXISTS d_new AS SELECT * FROM d;",
                "DROP TABLE IF EXISTS d;",
                "ALTER TABLE IF EXISTS d_new RENAME TO d;",
            ],
        },
        Case {
            name: "the IF EXISTS rebuild of a copy that renames its column: d free at the rename",
            statements: &[
                "CREATE TABLE IF NOT EXISTS d_new AS SELECT id AS n FROM d;",
                "DROP TABLE IF EXISTS d;",
                "ALTER TABLE IF EXISTS d_new RENAME TO d;",
            ],
        },
        Case {
            name: "the IF EXISTS rebuild of a copy that renames its column, d dropped at the end",
            statements: &[
                "CREATE TABLE IF NOT EXISTS d_new AS SELECT id AS n FROM d;",
                "DROP TABLE IF EXISTS d;",
                "ALTER TABLE IF EXISTS d_new RENAME TO d;",
                "DROP TABLE d;",
            ],
        },
        Case {
            name:
                "an IF EXISTS rename of a table the file never makes onto a d dropped right before",
            statements: &[
                "DROP TABLE IF EXISTS d;",
                "ALTER TABLE IF EXISTS d_y RENAME TO d;",
            ],
        },
        Case {
            name: "a guarded rename of a table the file never makes gives d nothing back",
            statements: &[
                "CREATE TABLE IF NOT EXISTS d_x (id int);",
                "INSERT INTO d_x SELECT * FROM d;",
                "DROP TABLE d;",
                "ALTER TABLE IF EXISTS d_y RENAME TO d;",
            ],
        },
    ]
}

/// Swaps that read the renamed-away table after the swap, before the file drops it (`ALTER
/// TABLE d RENAME TO d_old; ALTER TABLE d_new RENAME TO d; INSERT INTO d SELECT * FROM d_old;
/// DROP TABLE d_old`): every retry that reaches the read finds `d_old`, left by an earlier run
/// (the rename then fails itself) or made again by the rename from the `d` the swap left. The
/// same shapes where the read does fail on the server (the swapped-in `d` removed again) stay
/// flagged.
fn swap_read_cases() -> Vec<Case> {
    vec![
        Case {
            name: "the swap copies from the old table after it, then drops it",
            statements: &[
                "CREATE TABLE d_new (id int);",
                "ALTER TABLE d RENAME TO d_old;",
                "ALTER TABLE d_new RENAME TO d;",
                "INSERT INTO d SELECT * FROM d_old;",
                "DROP TABLE d_old;",
            ],
        },
        Case {
            name: "the swap's copy after it, the old table dropped with IF EXISTS",
            statements: &[
                "CREATE TABLE d_new (id int);",
                "ALTER TABLE d RENAME TO d_old;",
                "ALTER TABLE d_new RENAME TO d;",
                "INSERT INTO d SELECT * FROM d_old;",
                "DROP TABLE IF EXISTS d_old;",
            ],
        },
        Case {
            name: "the swap written wholly with IF EXISTS, the copy after it",
            statements: &[
                "CREATE TABLE IF NOT EXISTS d_new (id int);",
                "ALTER TABLE IF EXISTS d RENAME TO d_old;",
                "ALTER TABLE IF EXISTS d_new RENAME TO d;",
                "INSERT INTO d SELECT * FROM d_old;",
                "DROP TABLE IF EXISTS d_old;",
            ],
        },
        Case {
            name: "the column swap, the copy from the old column after it",
            statements: &[
                "ALTER TABLE t ADD COLUMN c_new text;",
                "ALTER TABLE t RENAME COLUMN c TO c_old;",
                "ALTER TABLE t RENAME COLUMN c_new TO c;",
                "UPDATE t SET c = c_old;",
                "ALTER TABLE t DROP COLUMN c_old;",
            ],
        },
        Case {
            name: "a table the file makes, renamed, read and dropped under the new name",
            statements: &[
                "CREATE TABLE d2 (id int);",
                "ALTER TABLE d2 RENAME TO d2_old;",
                "INSERT INTO d SELECT * FROM d2_old;",
                "DROP TABLE d2_old;",
            ],
        },
        Case {
            name: "the old name made again after the copy, before the drop",
            statements: &[
                "ALTER TABLE d RENAME TO d_old;",
                "SELECT id FROM d_old;",
                "CREATE TABLE d (id int);",
                "DROP TABLE d_old;",
            ],
        },
        Case {
            name: "the table rebuilt under its name after a rename away, copied and dropped",
            statements: &[
                "ALTER TABLE t RENAME TO t_old;",
                "CREATE TABLE t (id int, c text);",
                "INSERT INTO t (id, c) SELECT id, c FROM t_old;",
                "DROP TABLE t_old;",
            ],
        },
        Case {
            name: "the table rebuilt without a column a read of the old one reads: a retry fails",
            statements: &[
                "ALTER TABLE t RENAME TO t_old;",
                "CREATE TABLE t (id int);",
                "INSERT INTO t (id) SELECT id FROM t_old;",
                "SELECT c FROM t_old;",
                "DROP TABLE t_old;",
            ],
        },
        Case {
            name: "the old table renamed again after the copy",
            statements: &[
                "CREATE TABLE d_new (id int);",
                "ALTER TABLE d RENAME TO d_old;",
                "ALTER TABLE d_new RENAME TO d;",
                "INSERT INTO d SELECT * FROM d_old;",
                "ALTER TABLE d_old RENAME TO d_archive;",
            ],
        },
        Case {
            name: "the swapped-in table dropped at the end: a retry's swap finds no d",
            statements: &[
                "CREATE TABLE d_new (id int);",
                "ALTER TABLE d RENAME TO d_old;",
                "ALTER TABLE d_new RENAME TO d;",
                "INSERT INTO d SELECT * FROM d_old;",
                "DROP TABLE d_old;",
                "DROP TABLE d;",
            ],
        },
        Case {
            name: "the swapped-in table renamed away at the end: a retry's swap finds no d",
            statements: &[
                "CREATE TABLE d_new (id int);",
                "ALTER TABLE d RENAME TO d_old;",
                "ALTER TABLE d_new RENAME TO d;",
                "INSERT INTO d SELECT * FROM d_old;",
                "DROP TABLE d_old;",
                "ALTER TABLE d RENAME TO d2;",
            ],
        },
    ]
}

/// Swaps whose source a DO block or an earlier rename makes, and swaps and rebuilds of a
/// `CREATE TABLE … AS … WITH [NO] DATA` copy (the clause reads nothing). Every run that
/// reaches the swap's rename of the source finds it, made on that run (by the DO block's
/// `CREATE`, which every run of the block that ends well makes, or by a rename proved to run
/// on every run), so a retry after the swap meets the new name taken (statement by statement)
/// and a re-run of the committed file meets nothing in its way. The same shapes where the
/// server does fail stay flagged.
fn swap_source_cases() -> Vec<Case> {
    vec![
        Case {
            name: "the IF EXISTS swap of a table a DO block makes",
            statements: &[
                "DO $$ BEGIN CREATE TABLE IF NOT EXISTS d_new (id int); END $$;",
                "ALTER TABLE IF EXISTS d RENAME TO d_old;",
                "ALTER TABLE IF EXISTS d_new RENAME TO d;",
                "DROP TABLE IF EXISTS d_old;",
            ],
        },
        Case {
            name: "the IF EXISTS swap of a table a DO block makes without IF NOT EXISTS",
            statements: &[
                "DO $$ BEGIN CREATE TABLE d_new (id int); END $$;",
                "ALTER TABLE IF EXISTS d RENAME TO d_old;",
                "ALTER TABLE IF EXISTS d_new RENAME TO d;",
                "DROP TABLE IF EXISTS d_old;",
            ],
        },
        Case {
            name: "the swap of a table a DO block makes",
            statements: &[
                "DO $$ BEGIN CREATE TABLE IF NOT EXISTS d_new (id int); END $$;",
                "ALTER TABLE d RENAME TO d_old;",
                "ALTER TABLE d_new RENAME TO d;",
                "DROP TABLE d_old;",
            ],
        },
        Case {
            name: "the swap of a table an earlier rename makes",
            statements: &[
                "CREATE TABLE d_x (id int);",
                "ALTER TABLE d_x RENAME TO d_new;",
                "ALTER TABLE d RENAME TO d_old;",
                "ALTER TABLE d_new RENAME TO d;",
                "DROP TABLE d_old;",
            ],
        },
        Case {
            name: "the IF EXISTS swap of a table an earlier rename makes",
            statements: &[
                "CREATE TABLE IF NOT EXISTS d_x (id int);",
                "ALTER TABLE IF EXISTS d_x RENAME TO d_new;",
                "ALTER TABLE IF EXISTS d RENAME TO d_old;",
                "ALTER TABLE IF EXISTS d_new RENAME TO d;",
                "DROP TABLE IF EXISTS d_old;",
            ],
        },
        Case {
            name: "the swap of a table renamed from one the file never makes",
            statements: &[
                "ALTER TABLE t RENAME TO d_new;",
                "ALTER TABLE d RENAME TO d_old;",
                "ALTER TABLE d_new RENAME TO d;",
                "DROP TABLE d_old;",
            ],
        },
        Case {
            name: "the swap of a CREATE TABLE AS … WITH NO DATA copy",
            statements: &[
                "CREATE TABLE d_new AS SELECT * FROM d WITH NO DATA;",
                "ALTER TABLE d RENAME TO d_old;",
                "ALTER TABLE d_new RENAME TO d;",
                "DROP TABLE d_old;",
            ],
        },
        Case {
            name: "the IF EXISTS swap of a CREATE TABLE IF NOT EXISTS … AS … WITH NO DATA copy",
            statements: &[
                "CREATE TABLE IF NOT EXISTS d_new AS SELECT * FROM d WITH NO DATA;",
                "ALTER TABLE IF EXISTS d RENAME TO d_old;",
                "ALTER TABLE IF EXISTS d_new RENAME TO d;",
                "DROP TABLE IF EXISTS d_old;",
            ],
        },
        Case {
            name: "the rebuild of a CREATE TABLE AS … WITH NO DATA copy",
            statements: &[
                "CREATE TABLE d_new AS SELECT * FROM d WITH NO DATA;",
                "INSERT INTO d_new SELECT * FROM d;",
                "DROP TABLE d;",
                "ALTER TABLE d_new RENAME TO d;",
            ],
        },
        Case {
            name: "the IF EXISTS rebuild of a CREATE TABLE IF NOT EXISTS … AS … WITH DATA copy",
            statements: &[
                "CREATE TABLE IF NOT EXISTS d_new AS SELECT * FROM d WITH DATA;",
                "DROP TABLE IF EXISTS d;",
                "ALTER TABLE IF EXISTS d_new RENAME TO d;",
            ],
        },
    ]
}

/// Lint options for PostgreSQL under `model` (`None`: the tool unknown, every crash point).
fn model_options(model: Option<ApplyModel>) -> LintOptions {
    LintOptions {
        dialect: Dialect::Postgres,
        runner: model.map(|m| Runner::UNKNOWN.declaring(Some(m))),
        ..LintOptions::default()
    }
}

/// The messages of PF110's findings for `sql` under `model`.
fn pf110_messages(sql: &str, model: Option<ApplyModel>) -> Vec<String> {
    retry_findings(sql, &model_options(model))
        .into_iter()
        .filter(|f| f.rule.code == "PF110")
        .map(|f| f.message)
        .collect()
}

/// Asserts that lint and PostgreSQL (set up with [`SETUP`]) agree on `cases` at every crash
/// point, in both models.
fn assert_matches_postgres(cases: &[Case]) {
    common::retry::assert_crash_points_agree(SETUP, cases);
}

#[test]
fn the_table_rebuild_matches_postgres_at_every_crash_point_in_both_models() {
    assert_matches_postgres(&cases());
}

#[test]
fn reruns_that_free_a_renames_new_name_match_postgres_at_every_crash_point_in_both_models() {
    assert_matches_postgres(&rerun_cases());
}

#[test]
fn reads_of_the_table_a_swap_renamed_away_match_postgres_at_every_crash_point_in_both_models() {
    assert_matches_postgres(&swap_read_cases());
}

/// Rebuilds of a table the file makes if missing, whose copy reads a column of it: a re-run of
/// the whole file finds the rebuilt table under the name, and its copy fails when the table the
/// rename gave the name lacks that column (`column "b" does not exist`: PF123), runs when it
/// has it. The CREATE of `r_new` without IF NOT EXISTS fails at a crash between it and the
/// rename (PF101).
fn rebuild_read_cases() -> Vec<Case> {
    vec![
        Case {
            name: "the rebuild's copy filters on a column the rebuilt table lacks",
            statements: &[
                "CREATE TABLE IF NOT EXISTS r (id int PRIMARY KEY, a text, b int);",
                "CREATE TABLE r_new (id int PRIMARY KEY, a text);",
                "INSERT INTO r_new (id, a) SELECT id, a FROM r WHERE b > 0;",
                "DROP TABLE r;",
                "ALTER TABLE r_new RENAME TO r;",
            ],
        },
        Case {
            name: "the same with the new table made only if missing",
            statements: &[
                "CREATE TABLE IF NOT EXISTS r (id int PRIMARY KEY, a text, b int);",
                "CREATE TABLE IF NOT EXISTS r_new (id int PRIMARY KEY, a text);",
                "INSERT INTO r_new (id, a) SELECT id, b::text FROM r ON CONFLICT DO NOTHING;",
                "DROP TABLE r;",
                "ALTER TABLE r_new RENAME TO r;",
            ],
        },
        Case {
            name: "the rebuild's copy reads only columns the rebuilt table has",
            statements: &[
                "CREATE TABLE IF NOT EXISTS r (id int PRIMARY KEY, a text, b int);",
                "CREATE TABLE r_new (id int PRIMARY KEY, a text);",
                "INSERT INTO r_new (id, a) SELECT id, a FROM r WHERE a IS NOT NULL;",
                "DROP TABLE r;",
                "ALTER TABLE r_new RENAME TO r;",
            ],
        },
        Case {
            name: "the rebuild adds the column the copy filters on to the new table",
            statements: &[
                "CREATE TABLE IF NOT EXISTS r (id int PRIMARY KEY, a text, b int);",
                "CREATE TABLE r_new (id int PRIMARY KEY, a text);",
                "ALTER TABLE r_new ADD COLUMN b int;",
                "INSERT INTO r_new (id, a) SELECT id, a FROM r WHERE b > 0;",
                "DROP TABLE r;",
                "ALTER TABLE r_new RENAME TO r;",
            ],
        },
        Case {
            name: "the rebuilt table gets the column back after the rename",
            statements: &[
                "CREATE TABLE IF NOT EXISTS r (id int PRIMARY KEY, a text, b int);",
                "CREATE TABLE r_new (id int PRIMARY KEY, a text);",
                "INSERT INTO r_new (id, a) SELECT id, a FROM r WHERE b > 0;",
                "DROP TABLE r;",
                "ALTER TABLE r_new RENAME TO r;",
                "ALTER TABLE r ADD COLUMN b int;",
            ],
        },
        Case {
            name: "the rebuilt table gets another column than the one the copy filters on",
            statements: &[
                "CREATE TABLE IF NOT EXISTS r (id int PRIMARY KEY, a text, b int);",
                "CREATE TABLE r_new (id int PRIMARY KEY, a text);",
                "INSERT INTO r_new (id, a) SELECT id, a FROM r WHERE b > 0;",
                "DROP TABLE r;",
                "ALTER TABLE r_new RENAME TO r;",
                "ALTER TABLE r ADD COLUMN x int;",
            ],
        },
        Case {
            name:
                "the rebuild adds another column than the one the copy filters on to the new table",
            statements: &[
                "CREATE TABLE IF NOT EXISTS r (id int PRIMARY KEY, a text, b int);",
                "CREATE TABLE r_new (id int PRIMARY KEY, a text);",
                "ALTER TABLE r_new ADD COLUMN x int;",
                "INSERT INTO r_new (id, a) SELECT id, a FROM r WHERE b > 0;",
                "DROP TABLE r;",
                "ALTER TABLE r_new RENAME TO r;",
            ],
        },
        Case {
            name: "the rebuild keeps the column the copy filters on",
            statements: &[
                "CREATE TABLE IF NOT EXISTS r (id int PRIMARY KEY, a text, b int);",
                "CREATE TABLE r_new (id int PRIMARY KEY, a text, b int);",
                "INSERT INTO r_new (id, a) SELECT id, a FROM r WHERE b > 0;",
                "DROP TABLE r;",
                "ALTER TABLE r_new RENAME TO r;",
            ],
        },
    ]
}

#[test]
fn rebuild_copies_reading_a_column_the_rebuilt_table_lacks_match_postgres_at_every_crash_point() {
    assert_matches_postgres(&rebuild_read_cases());
}

/// A copy out of a table the file drops and makes again without a column the copy reads, then
/// adds that column back (`DROP TABLE r; CREATE TABLE r (id int, a text); ALTER TABLE r ADD
/// COLUMN c int`): a re-run of the whole file finds `r` with `c`, so under a per-file
/// transaction the copy runs; statement by statement a crash between the CREATE and the
/// `ADD COLUMN` leaves `r` without it, and the copy fails on the retry (PF123).
fn recreate_read_cases() -> Vec<Case> {
    vec![
        Case {
            name: "the recreated table gets the column the copy reads back after its CREATE",
            statements: &[
                "CREATE TABLE IF NOT EXISTS u (a text, c int);",
                "CREATE TABLE IF NOT EXISTS r (id int, a text, c int);",
                "INSERT INTO u SELECT a, c FROM r;",
                "DROP TABLE r;",
                "CREATE TABLE r (id int, a text);",
                "ALTER TABLE r ADD COLUMN c int;",
            ],
        },
        Case {
            name: "the recreated table gets back other columns than the one the copy filters on",
            statements: &[
                "CREATE TABLE IF NOT EXISTS r (id int, a text, c int);",
                "CREATE TABLE IF NOT EXISTS u (a text, c int);",
                "INSERT INTO u (a) SELECT a FROM r WHERE c > 0;",
                "DROP TABLE r;",
                "CREATE TABLE r (id int);",
                "ALTER TABLE r ADD COLUMN a text;",
                "ALTER TABLE r ADD COLUMN b int;",
            ],
        },
    ]
}

#[test]
fn copies_out_of_a_recreated_table_that_gets_a_column_back_match_postgres_at_every_crash_point() {
    assert_matches_postgres(&recreate_read_cases());
}

/// Rebuilds whose new table loses a column before the rename gives it the name: a `DROP
/// COLUMN` (or a DO block's) of the new table before the copy takes away a column its CREATE
/// made, and a re-run of the whole file reads the rebuilt table without it, so a copy that
/// reads that column fails (PF123) in both models, as one that reads the others runs.
fn rebuild_dropped_column_cases() -> Vec<Case> {
    vec![
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
            name: "the same with IF EXISTS",
            statements: &[
                "CREATE TABLE IF NOT EXISTS r (id int PRIMARY KEY, a text, b int);",
                "CREATE TABLE r_new (id int PRIMARY KEY, a text, b int);",
                "ALTER TABLE r_new DROP COLUMN IF EXISTS b;",
                "INSERT INTO r_new (id, a) SELECT id, a FROM r WHERE b > 0;",
                "DROP TABLE r;",
                "ALTER TABLE r_new RENAME TO r;",
            ],
        },
        Case {
            name: "the rebuild's new table gets the column the copy filters on, then drops it",
            statements: &[
                "CREATE TABLE IF NOT EXISTS r (id int PRIMARY KEY, a text, b int);",
                "CREATE TABLE r_new (id int PRIMARY KEY, a text);",
                "ALTER TABLE r_new ADD COLUMN b int;",
                "ALTER TABLE r_new DROP COLUMN b;",
                "INSERT INTO r_new (id, a) SELECT id, a FROM r WHERE b > 0;",
                "DROP TABLE r;",
                "ALTER TABLE r_new RENAME TO r;",
            ],
        },
        Case {
            name: "a DO block drops the column the copy filters on from the rebuild's new table",
            statements: &[
                "CREATE TABLE IF NOT EXISTS r (id int PRIMARY KEY, a text, b int);",
                "CREATE TABLE r_new (id int PRIMARY KEY, a text, b int);",
                "DO $$ BEGIN ALTER TABLE r_new DROP COLUMN IF EXISTS b; END $$;",
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
            name: "the recreated table drops the column the copy reads and adds it back",
            statements: &[
                "CREATE TABLE IF NOT EXISTS u (a text, c int);",
                "CREATE TABLE IF NOT EXISTS r (id int, a text, c int);",
                "INSERT INTO u SELECT a, c FROM r;",
                "DROP TABLE r;",
                "CREATE TABLE r (id int, a text, c int);",
                "ALTER TABLE r DROP COLUMN c;",
                "ALTER TABLE r ADD COLUMN c int;",
            ],
        },
        Case {
            name: "the recreated table gets the column the copy reads, then drops it",
            statements: &[
                "CREATE TABLE IF NOT EXISTS u (a text, c int);",
                "CREATE TABLE IF NOT EXISTS r (id int, a text, c int);",
                "INSERT INTO u SELECT a, c FROM r;",
                "DROP TABLE r;",
                "CREATE TABLE r (id int, a text);",
                "ALTER TABLE r ADD COLUMN c int;",
                "ALTER TABLE r DROP COLUMN c;",
            ],
        },
    ]
}

#[test]
fn rebuild_copies_of_a_column_the_new_table_drops_before_the_rename_match_postgres_at_every_crash_point(
) {
    assert_matches_postgres(&rebuild_dropped_column_cases());
}

/// A copy out of a table the file drops and makes again, then renames a column of: the rename
/// finds its old name on every run (the table is made with it right before) and its new name
/// free (PF118 proved); a re-run reads the table with the new name and without the old one
/// (PF123 on a read of the old name in both models, and of the new name statement by
/// statement only: a crash between the CREATE and the rename leaves the old name).
fn recreate_column_rename_cases() -> Vec<Case> {
    vec![
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
            name: "the recreated table renames the column the copy reads away, without COLUMN",
            statements: &[
                "CREATE TABLE IF NOT EXISTS u (a text, c int);",
                "CREATE TABLE IF NOT EXISTS r (id int, a text, c int);",
                "INSERT INTO u SELECT a, c FROM r;",
                "DROP TABLE r;",
                "CREATE TABLE r (id int, a text, c int);",
                "ALTER TABLE r RENAME c TO x;",
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
        Case {
            name: "the recreated table gets the column the copy reads, then renames it away",
            statements: &[
                "CREATE TABLE IF NOT EXISTS u (a text, c int);",
                "CREATE TABLE IF NOT EXISTS r (id int, a text, c int);",
                "INSERT INTO u SELECT a, c FROM r;",
                "DROP TABLE r;",
                "CREATE TABLE r (id int, a text);",
                "ALTER TABLE r ADD COLUMN c int;",
                "ALTER TABLE r RENAME COLUMN c TO x;",
            ],
        },
        Case {
            name: "the recreated table renames another column than the one the copy reads",
            statements: &[
                "CREATE TABLE IF NOT EXISTS u (a text, c int);",
                "CREATE TABLE IF NOT EXISTS r (id int, a text, c int);",
                "INSERT INTO u SELECT a, c FROM r;",
                "DROP TABLE r;",
                "CREATE TABLE r (id int, a text, c int, z int);",
                "ALTER TABLE r RENAME COLUMN z TO y;",
            ],
        },
    ]
}

#[test]
fn copies_out_of_a_recreated_table_that_renames_a_column_match_postgres_at_every_crash_point() {
    assert_matches_postgres(&recreate_column_rename_cases());
}

/// What the file does to the rebuilt table's columns right after the rebuild's rename: every
/// run that reaches it made the new table right before, so a `DROP COLUMN` or `RENAME COLUMN`
/// of a column it has finds it (PF110, PF118 proved), while the copy that reads a column the
/// rebuilt table loses fails on a re-run (PF123).
fn rebuilt_column_change_cases() -> Vec<Case> {
    vec![
        Case {
            name: "the rebuilt table drops the column the copy filters on after the rename",
            statements: &[
                "CREATE TABLE IF NOT EXISTS r (id int PRIMARY KEY, a text, b int);",
                "CREATE TABLE r_new (id int PRIMARY KEY, a text, b int);",
                "INSERT INTO r_new (id, a) SELECT id, a FROM r WHERE b > 0;",
                "DROP TABLE r;",
                "ALTER TABLE r_new RENAME TO r;",
                "ALTER TABLE r DROP COLUMN b;",
            ],
        },
        Case {
            name: "the rebuilt table renames the column the copy filters on away after the rename",
            statements: &[
                "CREATE TABLE IF NOT EXISTS r (id int PRIMARY KEY, a text, b int);",
                "CREATE TABLE r_new (id int PRIMARY KEY, a text, b int);",
                "INSERT INTO r_new (id, a) SELECT id, a FROM r WHERE b > 0;",
                "DROP TABLE r;",
                "ALTER TABLE r_new RENAME TO r;",
                "ALTER TABLE r RENAME COLUMN b TO y;",
            ],
        },
        Case {
            name: "the rebuilt table gets the column the copy filters on by a rename after the rename",
            statements: &[
                "CREATE TABLE IF NOT EXISTS r (id int PRIMARY KEY, a text, b int);",
                "CREATE TABLE r_new (id int PRIMARY KEY, a text, x int);",
                "INSERT INTO r_new (id, a) SELECT id, a FROM r WHERE b > 0;",
                "DROP TABLE r;",
                "ALTER TABLE r_new RENAME TO r;",
                "ALTER TABLE r RENAME COLUMN x TO b;",
            ],
        },
        Case {
            name: "the rebuilt table drops another column than the one the copy filters on",
            statements: &[
                "CREATE TABLE IF NOT EXISTS r (id int PRIMARY KEY, a text, b int);",
                "CREATE TABLE r_new (id int PRIMARY KEY, a text, b int);",
                "INSERT INTO r_new (id, a) SELECT id, a FROM r WHERE b > 0;",
                "DROP TABLE r;",
                "ALTER TABLE r_new RENAME TO r;",
                "ALTER TABLE r DROP COLUMN a;",
            ],
        },
        Case {
            name: "the rebuilt table drops a column its new table was given, renamed, before the rename",
            statements: &[
                "CREATE TABLE IF NOT EXISTS r (id int PRIMARY KEY, a text, b int);",
                "CREATE TABLE r_new (id int PRIMARY KEY, a text, b int);",
                "ALTER TABLE r_new RENAME COLUMN a TO a2;",
                "INSERT INTO r_new (id, a2) SELECT id, a FROM r WHERE b > 0;",
                "DROP TABLE r;",
                "ALTER TABLE r_new RENAME TO r;",
                "ALTER TABLE r DROP COLUMN a2;",
            ],
        },
        // Near: a rename onto a name nothing freed before it: a retry that finds the renamed
        // table fails at the rename and at the drop, whose column is gone.
        Case {
            name: "a table renamed onto a free name drops a column after the rename",
            statements: &[
                "CREATE TABLE IF NOT EXISTS q_new (id int PRIMARY KEY, a text, b int);",
                "ALTER TABLE q_new RENAME TO q;",
                "ALTER TABLE q DROP COLUMN b;",
            ],
        },
    ]
}

#[test]
fn column_changes_right_after_the_rebuilds_rename_match_postgres_at_every_crash_point() {
    assert_matches_postgres(&rebuilt_column_change_cases());
}

#[test]
fn swaps_of_a_source_a_do_block_or_a_rename_makes_match_postgres_at_every_crash_point_in_both_models(
) {
    assert_matches_postgres(&swap_source_cases());
}

/// The swap's copy after it from a `d_old` a retry past the drop does not get back from the
/// swap's rename: one of another schema (`a.d_old`, which only the file's drop removes), or one
/// the file makes again after the drop without the column the copy reads (the rename then
/// fails on it). PostgreSQL fails at the copy, and PF123 flags it, with every crash point
/// counting. (Under a per-file transaction: the first in
/// [`renames_into_a_name_of_another_schema_match_postgres_at_every_crash_point_in_both_models`].)
#[test]
fn swap_reads_of_a_d_old_the_rename_does_not_give_back_stay_flagged_where_postgres_fails() {
    let db = ScratchDb::postgres();
    db.exec(SETUP);
    db.exec("CREATE TABLE a.d_old (id int);");
    let files: [&[&str]; 2] = [
        &[
            "CREATE TABLE d_new (id int);",
            "ALTER TABLE d RENAME TO d_old;",
            "ALTER TABLE d_new RENAME TO d;",
            "INSERT INTO d SELECT * FROM a.d_old;",
            "DROP TABLE a.d_old;",
        ],
        &[
            "CREATE TABLE d_new (id int);",
            "ALTER TABLE d RENAME TO d_old;",
            "ALTER TABLE d_new RENAME TO d;",
            "INSERT INTO d SELECT * FROM d_old;",
            "DROP TABLE d_old;",
            "CREATE TABLE d_old (x text);",
        ],
    ];
    // Per file: does the server fail at the copy (line 4), and does lint flag it?
    let copy_fails: Vec<(bool, bool)> = files
        .iter()
        .map(|statements| {
            let sql = statements.join("\n") + "\n";
            (
                crash_point_failures(&db, statements, None).contains(&4),
                retry_lines_in_model(&sql, None).contains(&4),
            )
        })
        .collect();
    assert_eq!(copy_fails, [(true, true); 2]);
}

/// A rename's new name lives in the schema of the renamed table: `ALTER TABLE d RENAME TO
/// d_old` (search_path the default, `public`) makes `public.d_old`, and leaves `a.d_old` as it
/// was. A drop of `a.d_old` after it fails on every retry past it (PF109), and under a per-file
/// transaction the rename fails on a re-run (`public.d_old` is still there: the file drops only
/// `a.d_old`), and the swapped-in rename after it (PF118). The same rename in schema `a`, or
/// unqualified under a search_path that puts `a` first, does make `a.d2_old`.
fn renames_into_another_schema() -> Vec<Case> {
    vec![
        Case {
            name: "the swap drops an a.d_old the rename does not make",
            statements: &[
                "CREATE TABLE d_new (id int);",
                "ALTER TABLE d RENAME TO d_old;",
                "ALTER TABLE d_new RENAME TO d;",
                "DROP TABLE a.d_old;",
            ],
        },
        Case {
            name: "the swap copies from and drops an a.d_old the rename does not make",
            statements: &[
                "CREATE TABLE d_new (id int);",
                "ALTER TABLE d RENAME TO d_old;",
                "ALTER TABLE d_new RENAME TO d;",
                "INSERT INTO d SELECT * FROM a.d_old;",
                "DROP TABLE a.d_old;",
            ],
        },
        Case {
            name: "a table of schema a renamed and dropped in schema a",
            statements: &[
                "CREATE TABLE a.d2 (id int);",
                "ALTER TABLE a.d2 RENAME TO d2_old;",
                "DROP TABLE a.d2_old;",
            ],
        },
        Case {
            name: "renamed unqualified under a search_path with a first, dropped as a.d2_old",
            statements: &[
                "SET search_path TO a, public;",
                "CREATE TABLE d2 (id int);",
                "ALTER TABLE d2 RENAME TO d2_old;",
                "DROP TABLE a.d2_old;",
            ],
        },
    ]
}

/// [`crash_point_mismatches`] of `cases` on a database with [`SETUP`] and table `table` of
/// one column `id`.
fn mismatches_with_table(table: &str, cases: &[Case]) -> Vec<String> {
    let db = ScratchDb::postgres();
    db.exec(SETUP);
    db.exec(&format!("CREATE TABLE {table} (id int);"));
    crash_point_mismatches(&db, cases)
}

#[test]
fn renames_into_a_name_of_another_schema_match_postgres_at_every_crash_point_in_both_models() {
    let failures = mismatches_with_table("a.d_old", &renames_into_another_schema());
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A table a DO block renames on every run of it that ends well (a statement of the straight
/// run from the body's `BEGIN`, no handler), from a table the file makes right before: every
/// retry that reaches the read of the new name (and its drop) finds it, made again by the
/// block or left by an earlier run that makes the block fail first. PostgreSQL never fails at
/// the read or the drop, and neither PF123 nor PF109 flags them, in either model. From a table
/// the file does not make, the read of the new name and the drop fail once the drop ran (the
/// block fails first), and stay flagged. Under a per-file transaction the block's rename
/// counts toward what the file leaves as the same rename at the top level does: a re-run finds
/// `d2` and `d2_old` gone, so neither the `CREATE TABLE d2` nor the block's rename fails, and
/// lint flags neither; with every crash point counting, both fail, and both stay flagged.
#[test]
fn reads_of_the_name_a_do_blocks_rename_gives_are_flagged_where_postgres_fails() {
    let db = ScratchDb::postgres();
    db.exec(SETUP);
    let made: [&str; 4] = [
        "CREATE TABLE d2 (id int);",
        "DO $$ BEGIN ALTER TABLE d2 RENAME TO d2_old; END $$;",
        "INSERT INTO d SELECT * FROM d2_old;",
        "DROP TABLE d2_old;",
    ];
    let not_made: [&str; 3] = [
        "DO $$ BEGIN ALTER TABLE t RENAME TO t_old; END $$;",
        "INSERT INTO d SELECT id FROM t_old;",
        "DROP TABLE t_old;",
    ];
    // Per file and model, the lines where the server fails, and lint flags exactly those.
    for (statements, every_crash_point, per_file) in [
        (&made[..], &[1, 2][..], &[][..]),
        (&not_made[..], &[1, 2, 3][..], &[1, 2, 3][..]),
    ] {
        let sql = statements.join("\n") + "\n";
        for (model, fails) in [
            (None, every_crash_point),
            (Some(ApplyModel::FileTransaction), per_file),
        ] {
            let server = crash_point_failures(&db, statements, model);
            let lint = retry_lines_in_model(&sql, model);
            assert_eq!(server, fails, "{model:?}: server\n{sql}");
            assert_eq!(lint, fails, "{model:?}: lint\n{sql}");
        }
    }
}

/// Variants of a table rename in a DO block that runs on every run getting past the block:
/// schema-qualified, under a search_path, into a name of another schema, with the old name
/// made again or freed around it, and the swap whose first rename is the block's. Lint matches
/// PostgreSQL at every crash point and under a per-file transaction, as for the same rename at
/// the top level.
fn do_block_renames() -> Vec<Case> {
    vec![
        Case {
            name: "a table of schema a renamed in a DO block, read and dropped as a.d3_old",
            statements: &[
                "CREATE TABLE a.d3 (id int);",
                "DO $$ BEGIN ALTER TABLE a.d3 RENAME TO d3_old; END $$;",
                "INSERT INTO d SELECT * FROM a.d3_old;",
                "DROP TABLE a.d3_old;",
            ],
        },
        Case {
            name: "renamed in a DO block under a search_path with a first, dropped as a.d3_old",
            statements: &[
                "SET search_path TO a, public;",
                "CREATE TABLE d3 (id int);",
                "DO $$ BEGIN ALTER TABLE d3 RENAME TO d3_old; END $$;",
                "DROP TABLE a.d3_old;",
            ],
        },
        Case {
            name: "renamed in a DO block to d2_old, and a.d2_old dropped: d2_old stays",
            statements: &[
                "CREATE TABLE d2 (id int);",
                "DO $$ BEGIN ALTER TABLE d2 RENAME TO d2_old; END $$;",
                "DROP TABLE a.d2_old;",
            ],
        },
        Case {
            name: "the new name dropped before the DO block, and left by the file",
            statements: &[
                "CREATE TABLE d2 (id int);",
                "DROP TABLE IF EXISTS d2_old;",
                "DO $$ BEGIN ALTER TABLE d2 RENAME TO d2_old; END $$;",
                "INSERT INTO d SELECT * FROM d2_old;",
            ],
        },
        Case {
            name: "the old name made again after the DO block, both dropped at the end",
            statements: &[
                "CREATE TABLE d2 (id int);",
                "DO $$ BEGIN ALTER TABLE d2 RENAME TO d2_old; END $$;",
                "CREATE TABLE d2 (id int);",
                "DROP TABLE d2_old;",
                "DROP TABLE d2;",
            ],
        },
        Case {
            name: "the old name made again after the new one's drop, and left by the file",
            statements: &[
                "CREATE TABLE d2 (id int);",
                "DO $$ BEGIN ALTER TABLE d2 RENAME TO d2_old; END $$;",
                "DROP TABLE d2_old;",
                "CREATE TABLE d2 (id int);",
            ],
        },
        Case {
            name: "the swap that renames the old table away in a DO block and drops it at the end",
            statements: &[
                "CREATE TABLE d_new (id int);",
                "DO $$ BEGIN ALTER TABLE d RENAME TO d_old; END $$;",
                "ALTER TABLE d_new RENAME TO d;",
                "DROP TABLE d_old;",
            ],
        },
        Case {
            name: "the swap that renames the old table away in a DO block and keeps it",
            statements: &[
                "CREATE TABLE d_new (id int);",
                "DO $$ BEGIN ALTER TABLE d RENAME TO d_old; END $$;",
                "ALTER TABLE d_new RENAME TO d;",
            ],
        },
        Case {
            name: "renamed away in a DO block and back at the top level, then dropped",
            statements: &[
                "CREATE TABLE d2 (id int);",
                "DO $$ BEGIN ALTER TABLE d2 RENAME TO d2_old; END $$;",
                "ALTER TABLE d2_old RENAME TO d2;",
                "DROP TABLE d2;",
            ],
        },
    ]
}

#[test]
fn do_block_renames_match_postgres_at_every_crash_point_in_both_models() {
    let failures = mismatches_with_table("a.d2_old", &do_block_renames());
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A rename in a DO block that a run may skip (behind an IF, after a PL/pgSQL statement lint
/// does not follow) does not count as the top level's: lint may flag more than PostgreSQL
/// fails at (under a per-file transaction the server fails nowhere), never less. Nor does one
/// under a handler: with every crash point counting, a handler of `undefined_table` alone does
/// not catch what the block's retry after a crash past it raises, `relation "d2_old" already
/// exists` (the file made `d2` again), and PF118 flags the rename there. `WHEN
/// duplicate_table` alone catches that one, and no retry meets `d2` gone at the block (line 1
/// makes it again first): not flagged, in either model. Under a per-file transaction the file
/// drops `d2_old` for good after the block, so no re-run meets it and the rename under a
/// handler is not flagged.
#[test]
fn a_do_block_rename_not_always_run_stays_flagged_where_postgres_fails() {
    let db = ScratchDb::postgres();
    db.exec(SETUP);
    for block in [
        "DO $$ BEGIN IF true THEN ALTER TABLE d2 RENAME TO d2_old; END IF; END $$;",
        "DO $$ BEGIN PERFORM 1; ALTER TABLE d2 RENAME TO d2_old; END $$;",
        "DO $$ BEGIN ALTER TABLE d2 RENAME TO d2_old; EXCEPTION WHEN undefined_table THEN NULL; END $$;",
        "DO $$ BEGIN ALTER TABLE d2 RENAME TO d2_old; EXCEPTION WHEN SQLSTATE '42P01' THEN NULL; END $$;",
        "DO $$ BEGIN ALTER TABLE d2 RENAME TO d2_old; EXCEPTION WHEN duplicate_table THEN NULL; END $$;",
    ] {
        let statements = [
            "CREATE TABLE d2 (id int);",
            block,
            "INSERT INTO d SELECT * FROM d2_old;",
            "DROP TABLE d2_old;",
        ];
        let sql = statements.join("\n") + "\n";
        for model in [None, Some(ApplyModel::FileTransaction)] {
            let server = crash_point_failures(&db, &statements, model);
            let lint = retry_lines_in_model(&sql, model);
            let missed: Vec<_> = server.iter().filter(|l| !lint.contains(l)).collect();
            // Line 1 fails at a crash right after it. Under a per-file transaction and a
            // whole-body rename under handlers that do nothing, every run that commits left
            // `d2` renamed away, so no re-run meets it there (as after a top-level rename):
            // under a handler of nothing but the old name missing, a run that found `d2_old`
            // taken failed; under one that also catches that (`duplicate_table`, a code), every
            // run finds `d2_old` free at the block, which nothing before makes and the file
            // drops for good after it.
            let proved_free = model.is_some() && block.contains("EXCEPTION WHEN");
            assert!(
                missed.is_empty() && lint.contains(&1) != proved_free,
                "{model:?}: server {server:?}, lint {lint:?}\n{sql}"
            );
            // Under a per-file transaction and a handler of the missing old name, the block
            // itself is flagged exactly where the server fails: nowhere. Under `WHEN
            // duplicate_table` alone, in both models: a retry that reaches the block always
            // finds `d2`, made again by line 1 (a `CREATE TABLE` that fails only when `d2` is
            // there), so the rename runs or fails into the handler.
            if block.contains("WHEN undefined_table")
                || block.contains("'42P01'")
                || block.contains("WHEN duplicate_table")
            {
                assert_eq!(
                    lint.contains(&2),
                    server.contains(&2),
                    "{model:?} line 2: server {server:?}, lint {lint:?}\n{sql}"
                );
            }
        }
    }
}

/// Asserts, for each file of `files` (one statement a line, on `db`, set up), at every crash
/// point and under a per-file transaction, that lint flags every line where PostgreSQL fails,
/// and its DO block exactly where PostgreSQL fails there.
fn block_flagged_where_postgres_fails(db: &ScratchDb, files: &[&[&str]]) {
    for statements in files {
        let sql = statements.join("\n") + "\n";
        let block = line_of(&sql, "DO $$");
        for model in [None, Some(ApplyModel::FileTransaction)] {
            let server = crash_point_failures(db, statements, model);
            let lint = retry_lines_in_model(&sql, model);
            let missed: Vec<_> = server.iter().filter(|l| !lint.contains(l)).collect();
            assert!(
                missed.is_empty(),
                "{model:?}: server {server:?}, lint {lint:?}\n{sql}"
            );
            assert_eq!(
                lint.contains(&block),
                server.contains(&block),
                "{model:?} the block: server {server:?}, lint {lint:?}\n{sql}"
            );
        }
    }
}

/// A DO-block rename under a handler of its retry's "already exists" alone (`WHEN
/// duplicate_table`, `SQLSTATE '42P07'`, in an inner block too), of a table, view or sequence
/// the file makes right before the block: every retry that reaches the rename finds the old
/// name, so it runs or fails into the handler, and PostgreSQL never fails there. Lint does
/// not flag it, in either model. Where the file does not make the old name (`d`, there before
/// the file) or makes another schema's (`a.d`), a retry meets it gone, with `relation "d"
/// does not exist`, which the handler does not catch: flagged there. Lint never flags less
/// than the server fails.
#[test]
fn a_do_block_rename_under_a_handler_of_the_collision_alone_is_flagged_where_postgres_fails() {
    let db = ScratchDb::postgres();
    db.exec(SETUP);
    let files: &[&[&str]] = &[
        &[
            "CREATE TABLE IF NOT EXISTS d2 (id int);",
            "DO $$ BEGIN ALTER TABLE d2 RENAME TO d2_old; EXCEPTION WHEN duplicate_table THEN NULL; END $$;",
            "DROP TABLE d2_old;",
        ],
        &[
            "CREATE TABLE d2 (id int);",
            "DO $$ BEGIN BEGIN ALTER TABLE d2 RENAME TO d2_old; EXCEPTION WHEN duplicate_table THEN NULL; END; END $$;",
            "DROP TABLE d2_old;",
        ],
        &[
            "CREATE TABLE d2 (id int);",
            "DO $$ BEGIN ALTER TABLE d2 RENAME TO d2_old; EXCEPTION WHEN SQLSTATE '42P07' THEN NULL; END $$;",
            "DROP TABLE d2_old;",
        ],
        &[
            "CREATE VIEW v2 AS SELECT 1 AS x;",
            "DO $$ BEGIN ALTER VIEW v2 RENAME TO v2_old; EXCEPTION WHEN duplicate_table THEN NULL; END $$;",
            "DROP VIEW v2_old;",
        ],
        &[
            "CREATE SEQUENCE s2;",
            "DO $$ BEGIN ALTER SEQUENCE s2 RENAME TO s2_old; EXCEPTION WHEN duplicate_table THEN NULL; END $$;",
            "DROP SEQUENCE s2_old;",
        ],
        &[
            "DO $$ BEGIN ALTER TABLE d RENAME TO d_old; EXCEPTION WHEN duplicate_table THEN NULL; END $$;",
            "DROP TABLE d_old;",
        ],
        &[
            "CREATE TABLE a.d (id int);",
            "DO $$ BEGIN ALTER TABLE d RENAME TO d_old; EXCEPTION WHEN duplicate_table THEN NULL; END $$;",
            "DROP TABLE d_old;",
        ],
    ];
    block_flagged_where_postgres_fails(&db, files);
}

/// A DO-block rename with `IF EXISTS` of a name the file makes again, before the block or
/// after it (or the block itself after the rename): a retry that reaches the block finds the
/// old name and the new one an earlier run left, and fails with `relation "d2_old" already
/// exists` (`IF EXISTS` checks only the old name), also under a handler of `undefined_table`
/// alone. PF118 flags the block wherever PostgreSQL fails there, at every crash point and
/// under a per-file transaction (where a re-run meets the new name only when the file leaves
/// it), and lint never flags less than the server fails.
#[test]
fn a_do_block_rename_with_if_exists_of_a_name_made_again_is_flagged_where_postgres_fails() {
    let db = ScratchDb::postgres();
    db.exec(SETUP);
    let rename = "DO $$ BEGIN ALTER TABLE IF EXISTS d2 RENAME TO d2_old; END $$;";
    let files: &[&[&str]] = &[
        &[
            "CREATE TABLE d2 (id int);",
            rename,
            "INSERT INTO d SELECT * FROM d2_old;",
            "DROP TABLE d2_old;",
        ],
        &[
            "CREATE TABLE IF NOT EXISTS d2 (id int);",
            rename,
            "INSERT INTO d SELECT * FROM d2_old;",
            "DROP TABLE d2_old;",
        ],
        &[
            "CREATE TABLE d2 (id int);",
            rename,
            "INSERT INTO d SELECT * FROM d2_old;",
        ],
        &[
            "CREATE TABLE d2 (id int);",
            "DO $$ BEGIN ALTER TABLE IF EXISTS d2 RENAME TO d2_old; EXCEPTION WHEN undefined_table THEN NULL; END $$;",
            "INSERT INTO d SELECT * FROM d2_old;",
            "DROP TABLE d2_old;",
        ],
        &[
            "DO $$ BEGIN ALTER TABLE IF EXISTS d RENAME TO d_old; END $$;",
            "CREATE TABLE d (id int);",
            "INSERT INTO d SELECT * FROM d_old;",
            "DROP TABLE d_old;",
        ],
        &[
            "DO $$ BEGIN ALTER TABLE IF EXISTS d RENAME TO d_old; END $$;",
            "CREATE TABLE IF NOT EXISTS d (id int);",
        ],
        &["DO $$ BEGIN ALTER TABLE IF EXISTS d RENAME TO d_old; CREATE TABLE IF NOT EXISTS d (id int); END $$;"],
        &[
            "CREATE VIEW v2 AS SELECT 1 AS x;",
            "DO $$ BEGIN ALTER VIEW IF EXISTS v2 RENAME TO v2_old; END $$;",
            "DROP VIEW v2_old;",
        ],
        &[
            "CREATE SEQUENCE s2;",
            "DO $$ BEGIN ALTER SEQUENCE IF EXISTS s2 RENAME TO s2_old; END $$;",
            "DROP SEQUENCE s2_old;",
        ],
        &[
            "CREATE INDEX i2 ON d (id);",
            "DO $$ BEGIN ALTER INDEX IF EXISTS i2 RENAME TO i2_old; END $$;",
            "DROP INDEX i2_old;",
        ],
    ];
    block_flagged_where_postgres_fails(&db, files);
}

/// A column rename under a handler of `undefined_column` alone, of a column the file adds
/// before the block: a retry after a crash past the block adds `c` again and fails at the
/// rename (`column "c_old" of relation "d" already exists`, `duplicate_column`), which the
/// handler does not catch; PF118 flags it.
#[test]
fn a_do_block_column_rename_under_a_handler_of_the_missing_column_is_flagged_where_postgres_fails()
{
    let db = ScratchDb::postgres();
    db.exec(SETUP);
    let statements = [
        "ALTER TABLE d ADD COLUMN c int;",
        "DO $$ BEGIN ALTER TABLE d RENAME COLUMN c TO c_old; EXCEPTION WHEN undefined_column THEN NULL; END $$;",
        "ALTER TABLE d DROP COLUMN c_old;",
    ];
    let sql = statements.join("\n") + "\n";
    let server = crash_point_failures(&db, &statements, None);
    let lint = retry_lines_in_model(&sql, None);
    assert!(server.contains(&2), "server {server:?}");
    let missed: Vec<_> = server.iter().filter(|l| !lint.contains(l)).collect();
    assert!(missed.is_empty(), "server {server:?}, lint {lint:?}\n{sql}");
}

/// A handler that catches both errors a retry of the rename may raise (`WHEN undefined_table
/// OR duplicate_table`, `WHEN OTHERS`; for a column `undefined_column OR duplicate_column`)
/// guards it: PostgreSQL never fails at the block, at any crash point or under a per-file
/// transaction, and lint does not flag it.
#[test]
fn a_do_block_rename_under_a_handler_of_both_errors_is_not_flagged_and_never_fails_on_postgres() {
    let db = ScratchDb::postgres();
    db.exec(SETUP);
    let table = |block: &'static str| {
        vec![
            "CREATE TABLE d2 (id int);",
            block,
            "INSERT INTO d SELECT * FROM d2_old;",
            "DROP TABLE d2_old;",
        ]
    };
    let files = [
        table("DO $$ BEGIN ALTER TABLE d2 RENAME TO d2_old; EXCEPTION WHEN undefined_table OR duplicate_table THEN NULL; END $$;"),
        table("DO $$ BEGIN ALTER TABLE d2 RENAME TO d2_old; EXCEPTION WHEN OTHERS THEN NULL; END $$;"),
        vec![
            "ALTER TABLE d ADD COLUMN c int;",
            "DO $$ BEGIN ALTER TABLE d RENAME COLUMN c TO c_old; EXCEPTION WHEN undefined_column OR duplicate_column THEN NULL; END $$;",
            "ALTER TABLE d DROP COLUMN c_old;",
        ],
    ];
    for statements in files {
        let sql = statements.join("\n") + "\n";
        for model in [None, Some(ApplyModel::FileTransaction)] {
            let server = crash_point_failures(&db, &statements, model);
            let lint = retry_lines_in_model(&sql, model);
            assert!(
                !server.contains(&2) && !lint.contains(&2),
                "{model:?}: server {server:?}, lint {lint:?}\n{sql}"
            );
        }
    }
}

/// The table's `IF EXISTS` does not guard a rename of a column of it: onto a column the
/// statement before drops, a retry past the rename fails there (`column "id" does not exist`),
/// and PF118 flags it in both models. (PF110 flags the drop too, for the data it destroys: no
/// server error, so no [`Case`].)
#[test]
fn a_column_rename_under_the_tables_if_exists_stays_flagged_where_postgres_fails() {
    let db = ScratchDb::postgres();
    db.exec(SETUP);
    let statements = [
        "ALTER TABLE t DROP COLUMN IF EXISTS c;",
        "ALTER TABLE IF EXISTS t RENAME COLUMN id TO c;",
    ];
    let sql = statements.join("\n") + "\n";
    for model in [None, Some(ApplyModel::FileTransaction)] {
        assert_eq!(
            crash_point_failures(&db, &statements, model),
            [2],
            "{model:?}"
        );
        let pf118: Vec<usize> = retry_findings(&sql, &model_options(model))
            .iter()
            .filter(|f| f.rule.code == "PF118")
            .filter_map(|f| f.location.start.map(|s| s.line))
            .collect();
        assert_eq!(pf118, [2], "{model:?}");
    }
}

/// A column rename under the table's `IF EXISTS` runs whenever the table is there, so under a
/// per-file transaction it gives its new name back as the unguarded rename does: a re-run of
/// `… DROP COLUMN c; ALTER TABLE IF EXISTS t RENAME COLUMN id TO c` finds `t.c` (the renamed
/// `id`), and a read of `c` before the drop runs; only the rename fails (`column "id" does not
/// exist`). With every crash point counting, a retry past the drop fails at the read, and PF123
/// flags it. (PF110 flags the drop, for the data it destroys: no server error, so no
/// [`Case`].)
#[test]
fn a_read_of_a_column_a_rename_under_the_tables_if_exists_gives_back_matches_postgres() {
    let db = ScratchDb::postgres();
    db.exec(SETUP);
    let files: [&[&str]; 2] = [
        &[
            "SELECT c FROM t;",
            "ALTER TABLE t DROP COLUMN c;",
            "ALTER TABLE IF EXISTS t RENAME COLUMN id TO c;",
        ],
        &[
            "UPDATE t SET c = '1';",
            "ALTER TABLE t DROP COLUMN c;",
            "ALTER TABLE IF EXISTS t RENAME COLUMN id TO c;",
        ],
    ];
    for statements in files {
        let sql = statements.join("\n") + "\n";
        for model in [None, Some(ApplyModel::FileTransaction)] {
            // Does a retry fail at the read (line 1), and does PF123 flag it?
            let read_fails = crash_point_failures(&db, statements, model).contains(&1);
            let pf123 = retry_findings(&sql, &model_options(model))
                .iter()
                .any(|f| f.rule.code == "PF123" && f.location.start.map(|s| s.line) == Some(1));
            assert_eq!(
                (read_fails, pf123),
                (model.is_none(), model.is_none()),
                "{model:?}: {sql}"
            );
        }
    }
}

/// Column renames under the table's `IF EXISTS` in the column rebuild and the column swap, with
/// reads and drops of the renamed columns after them: lint and PostgreSQL agree at every crash
/// point in both models, as for the unguarded renames.
fn column_renames_under_the_tables_if_exists() -> Vec<Case> {
    vec![
        Case {
            name: "the column rebuild, its rename under the table's IF EXISTS",
            statements: &[
                "ALTER TABLE t ADD COLUMN c_new text;",
                "UPDATE t SET c_new = c;",
                "ALTER TABLE t DROP COLUMN c;",
                "ALTER TABLE IF EXISTS t RENAME COLUMN c_new TO c;",
            ],
        },
        Case {
            name: "the column rebuild under the table's IF EXISTS, the rebuilt column read after",
            statements: &[
                "ALTER TABLE t ADD COLUMN c_new text;",
                "UPDATE t SET c_new = c;",
                "ALTER TABLE t DROP COLUMN c;",
                "ALTER TABLE IF EXISTS t RENAME COLUMN c_new TO c;",
                "UPDATE t SET c = 'z';",
            ],
        },
        Case {
            name: "the rebuilt column read and dropped again: a re-run's copy fails",
            statements: &[
                "ALTER TABLE t ADD COLUMN IF NOT EXISTS c_new text;",
                "UPDATE t SET c_new = c;",
                "ALTER TABLE t DROP COLUMN c;",
                "ALTER TABLE IF EXISTS t RENAME COLUMN c_new TO c;",
                "SELECT c FROM t;",
                "ALTER TABLE t DROP COLUMN c;",
            ],
        },
        Case {
            name:
                "a column renamed under the table's IF EXISTS, read and dropped under the new name",
            statements: &[
                "ALTER TABLE IF EXISTS t RENAME COLUMN c TO c_old;",
                "UPDATE t SET c_old = 'y';",
                "ALTER TABLE t DROP COLUMN c_old;",
            ],
        },
        Case {
            name: "the column swap under the table's IF EXISTS, the old column dropped at the end",
            statements: &[
                "ALTER TABLE t ADD COLUMN c_new text;",
                "UPDATE t SET c_new = c;",
                "ALTER TABLE IF EXISTS t RENAME COLUMN c TO c_old;",
                "ALTER TABLE IF EXISTS t RENAME COLUMN c_new TO c;",
                "ALTER TABLE t DROP COLUMN c_old;",
            ],
        },
        Case {
            name: "the column swap under the table's IF EXISTS, the copy from the old column after",
            statements: &[
                "ALTER TABLE t ADD COLUMN c_new text;",
                "ALTER TABLE IF EXISTS t RENAME COLUMN c TO c_old;",
                "ALTER TABLE IF EXISTS t RENAME COLUMN c_new TO c;",
                "UPDATE t SET c = c_old;",
                "ALTER TABLE t DROP COLUMN c_old;",
            ],
        },
        Case {
            name: "the column swap under the table's IF EXISTS that drops the swapped-in column",
            statements: &[
                "ALTER TABLE t ADD COLUMN c_new text;",
                "UPDATE t SET c_new = c;",
                "ALTER TABLE IF EXISTS t RENAME COLUMN c TO c_old;",
                "ALTER TABLE IF EXISTS t RENAME COLUMN c_new TO c;",
                "ALTER TABLE t DROP COLUMN c;",
            ],
        },
    ]
}

#[test]
fn column_renames_under_the_tables_if_exists_match_postgres_at_every_crash_point_in_both_models() {
    assert_matches_postgres(&column_renames_under_the_tables_if_exists());
}

#[test]
fn the_rebuild_rename_is_not_flagged_in_either_model() {
    let sql = REBUILD.join("\n") + "\n";
    for model in [None, Some(ApplyModel::FileTransaction)] {
        let options = model_options(model);
        let codes: Vec<&str> = retry_findings(&sql, &options)
            .iter()
            .map(|f| f.rule.code)
            .collect();
        assert!(!codes.contains(&"PF118"), "{model:?}: {codes:?}");
        if model.is_some() {
            assert!(
                !codes.contains(&"PF123") && !codes.contains(&"PF109"),
                "{codes:?}"
            );
        }
    }
}

#[test]
fn the_fixed_table_rebuild_runs_twice_on_postgres() {
    let sql = REBUILD.join("\n") + "\n";
    let options = dialect_options(Dialect::Postgres);
    let fixed = fix_source(&SourceFile::new("m.sql", sql.as_str()), &options, false).fixed;
    assert_ne!(fixed, sql);
    let db = ScratchDb::postgres();
    db.exec(SETUP);
    run_twice(&db, &fixed).expect("the fixed file runs twice");
    assert_eq!(db.query("SELECT count(*) FROM d"), ["1"]);
}

/// `sql` fixed with the unsafe fixes too, for PostgreSQL.
fn fixed_unsafe(sql: &str) -> String {
    let options = dialect_options(Dialect::Postgres);
    fix_source(&SourceFile::new("m.sql", sql), &options, true).fixed
}

/// Every crash point counts (the tool unknown): PF123's fix guards the copy with a check that
/// `d` exists although the rename gives `d` back, since the new `d` has every column the copy
/// reads. A retry after a crash between the drop and the rename skips the copy (`d` is gone),
/// and a re-run of the committed file copies the rebuilt `d` into a new `d_new` and rebuilds
/// it again, rows kept.
#[test]
fn the_fixed_rebuild_guards_its_copy_and_survives_every_crash_point_on_postgres() {
    let sql = REBUILD_IF_MISSING.join("\n") + "\n";
    let fixed = fixed_unsafe(&sql);
    assert!(
        fixed.contains("IF to_regclass('\"d\"') IS NOT NULL THEN\nINSERT INTO d_new (id)"),
        "{fixed}"
    );
    let left = lint_source(
        &SourceFile::new("m.sql", fixed.as_str()),
        &dialect_options(Dialect::Postgres),
    );
    assert!(left.is_empty(), "{fixed}\n{left:#?}");
    let parts = statements(&fixed, Dialect::Postgres);
    assert_eq!(parts.len(), 4, "{fixed}");
    after_every_crash_point(ScratchDb::postgres, SETUP, &parts, &fixed, |db, k| {
        if k == parts.len() {
            // The file committed and ran again: once more.
            db.exec(&fixed);
        }
        assert_eq!(
            db.query("SELECT string_agg(id::text, ',' ORDER BY id) FROM d"),
            ["1"],
            "after crash point {k}"
        );
        assert_eq!(
            db.query("SELECT to_regclass('d_new') IS NULL"),
            ["t"],
            "after crash point {k}"
        );
    });
}

/// The new table lacks the column the copy reads: once the file committed, a check that `d`
/// exists holds and the copy reads the new `d`, which fails on the server. The fix leaves the
/// copy alone, and lint still flags it.
#[test]
fn a_copy_of_a_column_the_renamed_table_lacks_gets_no_guard_on_postgres() {
    let copy = "INSERT INTO d_new (n) SELECT id FROM d ON CONFLICT DO NOTHING;";
    let sql = format!(
        "CREATE TABLE IF NOT EXISTS d_new (n int PRIMARY KEY);\n{copy}\nDROP TABLE d;\nALTER TABLE d_new RENAME TO d;\n"
    );
    let fixed = fixed_unsafe(&sql);
    assert!(!fixed.contains("to_regclass"), "{fixed}");
    let flagged: Vec<(&str, usize)> = retry_findings(&fixed, &dialect_options(Dialect::Postgres))
        .iter()
        .map(|f| (f.rule.code, f.location.start.map_or(0, |p| p.line)))
        .collect();
    assert_eq!(flagged, [("PF123", 2)], "{fixed}");
    // Guarded by hand the way the fix guards a copy: the re-run of the committed file fails.
    let guarded = fixed.replace(
        copy,
        &format!("DO $g$ BEGIN IF to_regclass('d') IS NOT NULL THEN {copy} END IF; END $g$;"),
    );
    let err = second_run(ScratchDb::postgres, SETUP, &guarded).unwrap_err();
    assert!(err.contains(r#"column "id" does not exist"#), "{err}");
}

/// The column rebuild copies `c` into `c_new` before it drops `c`: a re-run of the committed
/// file (the tracker lost its record) adds `c_new` again and copies `c`, with what was written
/// since, into it first, so the drop destroys nothing. PF110 claims data loss only without the
/// copy, where the re-run drops the migrated column with its data.
#[test]
fn pf110_claims_data_loss_on_a_rerun_of_the_column_rebuild_only_where_postgres_loses_data() {
    let copied = [
        "ALTER TABLE t ADD COLUMN c_new text;",
        "UPDATE t SET c_new = c;",
        "ALTER TABLE t DROP COLUMN c;",
        "ALTER TABLE t RENAME COLUMN c_new TO c;",
    ];
    let not_copied = [copied[0], copied[2], copied[3]];
    for (statements, loses) in [(&copied[..], false), (&not_copied[..], true)] {
        let sql = statements.join("\n") + "\n";
        let db = ScratchDb::postgres();
        db.exec(SETUP);
        db.exec(&sql);
        db.exec("UPDATE t SET c = 'written'");
        db.exec(&sql);
        let kept = db.query("SELECT c FROM t") == ["written"];
        assert_eq!(!kept, loses, "{sql}");
        for model in [None, Some(ApplyModel::FileTransaction)] {
            let messages = pf110_messages(&sql, model);
            let claims = messages.iter().any(|m| m.contains("destroys data"));
            assert_eq!(claims, loses, "{model:?}: {messages:?}\n{sql}");
        }
    }
}

/// A drop of a column a rename right before gives the name, from a column the file adds on
/// every run (`ADD COLUMN c_new …; … RENAME COLUMN c_new TO c; DROP COLUMN c`): every run that
/// reaches the drop finds `c`, made by the rename or left by an earlier run that makes the
/// rename fail. PostgreSQL never fails at the drop, at any crash point, and PF110 does not
/// flag it, in either model.
#[test]
fn a_drop_of_a_column_a_rename_made_right_before_never_fails_on_postgres_and_is_not_flagged() {
    let db = ScratchDb::postgres();
    db.exec(SETUP);
    let files: [&[&str]; 2] = [
        &[
            "ALTER TABLE t ADD COLUMN c_new text;",
            "UPDATE t SET c_new = c;",
            "ALTER TABLE t RENAME COLUMN c TO c_old;",
            "ALTER TABLE t RENAME COLUMN c_new TO c;",
            "ALTER TABLE t DROP COLUMN c;",
        ],
        &[
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS tmp int;",
            "ALTER TABLE t RENAME COLUMN tmp TO tmp2;",
            "ALTER TABLE t DROP COLUMN tmp2;",
        ],
    ];
    for statements in files {
        let sql = statements.join("\n") + "\n";
        let drop = statements.len();
        for model in [None, Some(ApplyModel::FileTransaction)] {
            let server = crash_point_failures(&db, statements, model);
            assert!(!server.contains(&drop), "{model:?}: {server:?}\n{sql}");
            let pf110 = pf110_messages(&sql, model);
            assert!(pf110.is_empty(), "{model:?}: {pf110:?}\n{sql}");
        }
    }
}
