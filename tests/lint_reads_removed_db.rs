//! PF123 where the file itself decides whether a read survives a retry: a statement before the
//! read that adds back what a later one removes, a foreign key that follows a renamed table and
//! goes with a dropped one, and a `LANGUAGE sql` routine, whose body PostgreSQL checks at its
//! CREATE. Each case runs twice on the real server; lint must flag exactly the statement whose
//! second run fails.

mod common;

use common::retry::{
    dialect_options, line_of, retry_findings, retry_flagged_lines, retry_mismatches, second_run,
    sqlite_run_twice, RetryCase as Case,
};
use common::ScratchDb;
use preflight::fix::fix_source;
use preflight::source::SourceFile;
use preflight::sql::Dialect;

const PG_SETUP: &str = "CREATE TABLE t (id int, old int);\n\
                        CREATE TABLE p (id int PRIMARY KEY);\n\
                        CREATE TABLE c (id int, p_id int, x int);\n\
                        CREATE SCHEMA a;\n\
                        CREATE TABLE a.t (id int);";

/// On PostgreSQL set up with [`PG_SETUP`], `sql` runs, and its second run fails with `error`.
fn assert_second_run_fails(sql: &str, error: &str) {
    let retry = second_run(ScratchDb::postgres, PG_SETUP, sql);
    assert!(
        retry.as_ref().is_err_and(|e| e.contains(error)),
        "{retry:?}"
    );
}

fn added_back_cases() -> Vec<Case> {
    vec![
        Case {
            name: "a DO block adds the column back, reads it, drops it",
            sql: "DO $$ BEGIN ALTER TABLE t ADD COLUMN IF NOT EXISTS old int; UPDATE t SET old = 1; ALTER TABLE t DROP COLUMN IF EXISTS old; END $$;\n".into(),
            fails_at: None,
        },
        Case {
            name: "the file adds the column back, reads it, drops it",
            sql: "ALTER TABLE t ADD COLUMN IF NOT EXISTS old int;\nUPDATE t SET old = 1;\nALTER TABLE t DROP COLUMN old;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a DO block adds the column back and reads it, the file drops it",
            sql: "DO $$\nBEGIN\n    ALTER TABLE t ADD COLUMN IF NOT EXISTS old int;\n    UPDATE t SET old = 1;\nEND $$;\nALTER TABLE t DROP COLUMN IF EXISTS old;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a DO block adds the column back only in an IF the read is not in",
            sql: "DO $$\nBEGIN\n    IF (SELECT count(*) FROM t) > 0 THEN\n        ALTER TABLE t ADD COLUMN IF NOT EXISTS old int;\n    END IF;\n    UPDATE t SET old = 1;\n    ALTER TABLE t DROP COLUMN IF EXISTS old;\nEND $$;\n".into(),
            fails_at: Some("UPDATE t SET old"),
        },
        Case {
            name: "the read comes before the file adds the column back",
            sql: "UPDATE t SET old = 1;\nALTER TABLE t ADD COLUMN IF NOT EXISTS old int;\nALTER TABLE t DROP COLUMN IF EXISTS old;\n".into(),
            fails_at: Some("UPDATE t SET old"),
        },
        Case {
            name: "the file adds the column back to the same schema's table",
            sql: "ALTER TABLE public.t ADD COLUMN IF NOT EXISTS old int;\nUPDATE public.t SET old = 1;\nALTER TABLE public.t DROP COLUMN IF EXISTS old;\n".into(),
            fails_at: None,
        },
        Case {
            name: "the file adds the column to another schema's table",
            sql: "ALTER TABLE a.t ADD COLUMN IF NOT EXISTS old int;\nUPDATE public.t SET old = 1;\nALTER TABLE public.t DROP COLUMN IF EXISTS old;\n".into(),
            fails_at: Some("UPDATE public.t"),
        },
        Case {
            name: "the file adds the column to another schema's table, the read unqualified",
            sql: "ALTER TABLE a.t ADD COLUMN IF NOT EXISTS old int;\nUPDATE t SET old = 1;\nALTER TABLE t DROP COLUMN IF EXISTS old;\n".into(),
            fails_at: Some("UPDATE t SET old"),
        },
        Case {
            name: "a DO block adds the column to another schema's table",
            sql: "DO $$\nBEGIN\n    ALTER TABLE a.t ADD COLUMN IF NOT EXISTS old int;\n    UPDATE t SET old = 1;\n    ALTER TABLE t DROP COLUMN IF EXISTS old;\nEND $$;\n".into(),
            fails_at: Some("UPDATE t SET old"),
        },
        Case {
            name: "the file creates a table AS a query of what it keeps, reads it, drops it",
            sql: "CREATE TEMPORARY TABLE tmp AS SELECT id FROM t;\nUPDATE t SET id = tmp.id FROM tmp WHERE t.id = tmp.id;\nDROP TABLE tmp;\nALTER TABLE t DROP COLUMN IF EXISTS old;\n".into(),
            fails_at: None,
        },
        Case {
            name: "the file adds the column back, creates a table AS a query of it, reads it, drops it",
            sql: "ALTER TABLE t ADD COLUMN IF NOT EXISTS old int;\nCREATE TEMPORARY TABLE tmp AS SELECT id, old FROM t;\nUPDATE t SET id = tmp.id FROM tmp WHERE t.id = tmp.id;\nDROP TABLE tmp;\nALTER TABLE t DROP COLUMN old;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a CREATE TABLE IF NOT EXISTS does not bring a dropped column back",
            sql: "CREATE TABLE IF NOT EXISTS t (id int, old int);\nUPDATE t SET old = 1;\nALTER TABLE t DROP COLUMN IF EXISTS old;\n".into(),
            fails_at: Some("UPDATE t SET old"),
        },
    ]
}

#[test]
fn a_read_of_what_the_file_or_its_block_adds_back_first_survives_a_retry_on_postgres() {
    let failures = retry_mismatches(
        &added_back_cases(),
        &dialect_options(Dialect::Postgres),
        ScratchDb::postgres,
        PG_SETUP,
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

/// lemmy's 2022-07-07-182650_comment_ltrees: `CREATE TEMPORARY TABLE comment_temp AS` reads a
/// column the file drops at its end, an UPDATE reads the temporary table.
const CREATE_AS_OF_DROPPED: &str = "CREATE TEMPORARY TABLE tmp AS SELECT id, old FROM t;\n\
                                    UPDATE t SET id = tmp.id FROM tmp WHERE t.id = tmp.id;\n\
                                    DROP TABLE IF EXISTS tmp;\n\
                                    ALTER TABLE t DROP COLUMN IF EXISTS old;\n";

#[test]
fn a_read_of_what_a_create_table_as_that_fails_on_a_retry_makes_is_flagged_on_postgres() {
    let options = dialect_options(Dialect::Postgres);
    assert_second_run_fails(CREATE_AS_OF_DROPPED, "column \"old\" does not exist");
    // The CREATE fails first; once it is guarded, the retry skips it and the UPDATE finds no
    // `tmp`: the CREATE brings nothing back, so both are flagged.
    assert_eq!(
        retry_flagged_lines(CREATE_AS_OF_DROPPED, &options),
        vec![1, 2]
    );
    let fixed = fix_source(
        &SourceFile::new("m.sql", CREATE_AS_OF_DROPPED),
        &options,
        true,
    )
    .fixed;
    second_run(ScratchDb::postgres, PG_SETUP, &fixed).expect("the fixed file runs twice");
}

/// [`CREATE_AS_OF_DROPPED`] with the temporary table's DROP unguarded (lemmy's `DROP TABLE
/// comment_temp`, line 121).
const CREATE_AS_DROPPED_UNGUARDED: &str = "CREATE TEMPORARY TABLE tmp AS SELECT id, old FROM t;\n\
                                           UPDATE t SET id = tmp.id FROM tmp WHERE t.id = tmp.id;\n\
                                           DROP TABLE tmp;\n\
                                           ALTER TABLE t DROP COLUMN IF EXISTS old;\n";

/// The CREATE brings its table back on no retry that ran the column's drop, so it proves the
/// DROP of its table after it no more than the read: with the CREATE and the UPDATE guarded,
/// the retry skips both and the DROP finds no table. (Reading only kept columns, the CREATE
/// makes it on every run: `added_back_cases`.)
#[test]
fn a_drop_of_what_a_create_table_as_that_fails_on_a_retry_makes_is_flagged_on_postgres() {
    let options = dialect_options(Dialect::Postgres);
    assert_second_run_fails(CREATE_AS_DROPPED_UNGUARDED, "column \"old\" does not exist");
    let guarded = CREATE_AS_DROPPED_UNGUARDED
        .replacen(
            "CREATE TEMPORARY TABLE tmp AS SELECT id, old FROM t;",
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'old' AND NOT attisdropped) THEN CREATE TEMPORARY TABLE tmp AS SELECT id, old FROM t; END IF; END $$;",
            1,
        )
        .replacen(
            "UPDATE t SET id = tmp.id FROM tmp WHERE t.id = tmp.id;",
            "DO $$ BEGIN IF to_regclass('tmp') IS NOT NULL THEN UPDATE t SET id = tmp.id FROM tmp WHERE t.id = tmp.id; END IF; END $$;",
            1,
        );
    assert_second_run_fails(&guarded, "table \"tmp\" does not exist");
    assert_eq!(retry_flagged_lines(&guarded, &options), vec![3]);
    assert_eq!(
        retry_flagged_lines(CREATE_AS_DROPPED_UNGUARDED, &options),
        vec![1, 2, 3]
    );
    let fixed = fix_source(
        &SourceFile::new("m.sql", CREATE_AS_DROPPED_UNGUARDED),
        &options,
        true,
    )
    .fixed;
    second_run(ScratchDb::postgres, PG_SETUP, &fixed).expect("the fixed file runs twice");
}

/// The foreign key `c_fk` of `c` to `p`, added so that the ADD itself survives a retry.
const ADD_FK: &str = "DO $$ BEGIN\n    ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (id) NOT VALID;\nEXCEPTION WHEN duplicate_object OR undefined_table THEN NULL;\nEND $$;\n";

/// `c_fk` as [`ADD_FK`], whose ADD survives a retry that finds a referenced column gone too.
const ADD_FK_COLUMN: &str = "DO $$ BEGIN\n    ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (id) NOT VALID;\nEXCEPTION WHEN duplicate_object OR undefined_table OR undefined_column THEN NULL;\nEND $$;\n";

/// `c_fk` as [`ADD_FK_COLUMN`], whose ADD survives a retry that finds the referenced key gone
/// too (`there is no unique constraint matching given keys`, invalid_foreign_key).
const ADD_FK_KEY: &str = "DO $$ BEGIN\n    ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (id) NOT VALID;\nEXCEPTION WHEN duplicate_object OR undefined_table OR undefined_column OR invalid_foreign_key THEN NULL;\nEND $$;\n";

/// `c_fk` as [`ADD_FK_KEY`], written without a column list: it references `p`'s primary key,
/// and a retry that finds none fails with `there is no primary key for referenced table`
/// (undefined_object).
const ADD_FK_PRIMARY: &str = "DO $$ BEGIN\n    ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p NOT VALID;\nEXCEPTION WHEN duplicate_object OR undefined_table OR undefined_column OR invalid_foreign_key OR undefined_object THEN NULL;\nEND $$;\n";

/// A table `p3` whose primary key the file names `p3_pk`.
const P3_NAMED_KEY: &str = "CREATE TABLE IF NOT EXISTS p3 (id int CONSTRAINT p3_pk PRIMARY KEY);\n";

/// [`P3_NAMED_KEY`], and `c_fk` as [`ADD_FK_PRIMARY`] to `p3`, with `columns` (` (id)`) or
/// without.
fn add_fk_to_p3(columns: &str) -> String {
    format!("{P3_NAMED_KEY}DO $$ BEGIN\n    ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p3{columns} NOT VALID;\nEXCEPTION WHEN duplicate_object OR undefined_table OR undefined_column OR invalid_foreign_key OR undefined_object THEN NULL;\nEND $$;\n")
}

/// `c_fk` as [`ADD_FK_KEY`], to `table` `columns` (` (code)`, or none: its primary key).
fn add_fk_to(table: &str, columns: &str) -> String {
    format!("DO $$ BEGIN\n    ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES {table}{columns} NOT VALID;\nEXCEPTION WHEN duplicate_object OR undefined_table OR undefined_column OR invalid_foreign_key OR undefined_object THEN NULL;\nEND $$;\nALTER TABLE c VALIDATE CONSTRAINT c_fk;\n")
}

fn foreign_key_cases() -> Vec<Case> {
    vec![
        Case {
            name: "a reference to a unique key the file declares in its CREATE TABLE, the primary key dropped with CASCADE",
            sql: format!("CREATE TABLE IF NOT EXISTS p4 (id int PRIMARY KEY, code int UNIQUE);\n{}ALTER TABLE p4 DROP CONSTRAINT IF EXISTS p4_pkey CASCADE;\n", add_fk_to("p4", " (code)")),
            fails_at: None,
        },
        Case {
            name: "a reference to a unique key the file declares in its CREATE TABLE, that key dropped with CASCADE",
            sql: format!("CREATE TABLE IF NOT EXISTS p4 (id int PRIMARY KEY, code int UNIQUE);\n{}ALTER TABLE p4 DROP CONSTRAINT IF EXISTS p4_pkey CASCADE;\nALTER TABLE p4 DROP CONSTRAINT IF EXISTS p4_code_key CASCADE;\n", add_fk_to("p4", " (code)")),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "a reference to a unique key on `id` the file declares, the primary key on another column dropped with CASCADE",
            sql: format!("CREATE TABLE IF NOT EXISTS p5 (uid int, id int, PRIMARY KEY (uid), CONSTRAINT p5_id_u UNIQUE (id));\n{}ALTER TABLE p5 DROP CONSTRAINT IF EXISTS p5_pkey CASCADE;\n", add_fk_to("p5", " (id)")),
            fails_at: None,
        },
        Case {
            name: "a reference to a unique key on `id` the file names, that key dropped with CASCADE",
            sql: format!("CREATE TABLE IF NOT EXISTS p5 (uid int, id int, PRIMARY KEY (uid), CONSTRAINT p5_id_u UNIQUE (id));\n{}ALTER TABLE p5 DROP CONSTRAINT IF EXISTS p5_id_u CASCADE;\n", add_fk_to("p5", " (id)")),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "a reference to a primary key on a column not named `id` the file declares, dropped with CASCADE",
            sql: format!("CREATE TABLE IF NOT EXISTS p6 (code int, PRIMARY KEY (code));\n{}ALTER TABLE p6 DROP CONSTRAINT IF EXISTS p6_pkey CASCADE;\n", add_fk_to("p6", " (code)")),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "a reference to a unique key an ADD COLUMN of the file declares, the primary key dropped with CASCADE",
            sql: format!("ALTER TABLE p ADD COLUMN IF NOT EXISTS code int CONSTRAINT p_code_u UNIQUE;\n{}ALTER TABLE p DROP CONSTRAINT IF EXISTS p_pkey CASCADE;\n", add_fk_to("p", " (code)")),
            fails_at: None,
        },
        Case {
            name: "a reference to a unique key an ADD COLUMN of the file declares, that key dropped with CASCADE",
            sql: format!("ALTER TABLE p ADD COLUMN IF NOT EXISTS code int CONSTRAINT p_code_u UNIQUE;\n{}ALTER TABLE p DROP CONSTRAINT IF EXISTS p_code_u CASCADE;\n", add_fk_to("p", " (code)")),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "a reference without columns to a primary key the file declares, its column dropped with CASCADE",
            sql: format!("CREATE TABLE IF NOT EXISTS p4 (id int PRIMARY KEY, code int UNIQUE);\n{}ALTER TABLE p4 DROP COLUMN IF EXISTS id CASCADE;\n", add_fk_to("p4", "")),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "a reference without columns to a primary key the file declares, another column dropped with CASCADE",
            sql: format!("CREATE TABLE IF NOT EXISTS p4 (id int PRIMARY KEY, code int UNIQUE);\n{}ALTER TABLE p4 DROP COLUMN IF EXISTS code CASCADE;\n", add_fk_to("p4", "")),
            fails_at: None,
        },
        Case {
            name: "a reference without columns to a composite primary key the file names, a column of it dropped with CASCADE",
            sql: "CREATE TABLE IF NOT EXISTS p7 (a int, b int, CONSTRAINT p7_pk PRIMARY KEY (a, b));\nALTER TABLE c ADD COLUMN IF NOT EXISTS p_b int;\nDO $$ BEGIN\n    ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_id, p_b) REFERENCES p7 NOT VALID;\nEXCEPTION WHEN duplicate_object OR undefined_table OR undefined_column OR invalid_foreign_key OR undefined_object THEN NULL;\nEND $$;\nALTER TABLE c VALIDATE CONSTRAINT c_fk;\nALTER TABLE p7 DROP COLUMN IF EXISTS b CASCADE;\n".into(),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "a reference without columns, the referenced primary key dropped with CASCADE later",
            sql: format!("{ADD_FK_PRIMARY}ALTER TABLE c VALIDATE CONSTRAINT c_fk;\nALTER TABLE p DROP CONSTRAINT IF EXISTS p_pkey CASCADE;\n"),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "a reference without columns, the referenced primary key dropped with CASCADE later in the same block",
            sql: format!("{ADD_FK_PRIMARY}DO $$ BEGIN ALTER TABLE c VALIDATE CONSTRAINT c_fk; ALTER TABLE p DROP CONSTRAINT IF EXISTS p_pkey CASCADE; END $$;\n"),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "a reference without columns, the table renamed, then its primary key dropped with CASCADE",
            sql: format!("{ADD_FK_PRIMARY}ALTER TABLE c VALIDATE CONSTRAINT c_fk;\nALTER TABLE IF EXISTS p RENAME TO p2;\nALTER TABLE IF EXISTS p2 DROP CONSTRAINT IF EXISTS p_pkey CASCADE;\n"),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "a reference without columns, a column of the referenced table not in its key dropped with CASCADE",
            sql: format!("ALTER TABLE p ADD COLUMN IF NOT EXISTS code int;\n{ADD_FK_PRIMARY}ALTER TABLE c VALIDATE CONSTRAINT c_fk;\nALTER TABLE p DROP COLUMN IF EXISTS code CASCADE;\n"),
            fails_at: None,
        },
        Case {
            name: "a reference without columns, another constraint of the referenced table dropped with CASCADE",
            sql: format!("{ADD_FK_PRIMARY}ALTER TABLE c VALIDATE CONSTRAINT c_fk;\nALTER TABLE p DROP CONSTRAINT IF EXISTS p_id_key CASCADE;\n"),
            fails_at: None,
        },
        Case {
            name: "a reference without columns to a primary key the file names, dropped with CASCADE",
            sql: format!("{}ALTER TABLE c VALIDATE CONSTRAINT c_fk;\nALTER TABLE p3 DROP CONSTRAINT IF EXISTS p3_pk CASCADE;\n", add_fk_to_p3("")),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "a reference to the columns of a primary key the file names, dropped with CASCADE",
            sql: format!("{}ALTER TABLE c VALIDATE CONSTRAINT c_fk;\nALTER TABLE p3 DROP CONSTRAINT IF EXISTS p3_pk CASCADE;\n", add_fk_to_p3(" (id)")),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "a primary key the file names otherwise: no key of the default name to drop",
            sql: format!("{}ALTER TABLE c VALIDATE CONSTRAINT c_fk;\nALTER TABLE p3 DROP CONSTRAINT IF EXISTS p3_pkey CASCADE;\n", add_fk_to_p3(" (id)")),
            fails_at: None,
        },
        Case {
            name: "a primary key the file names, dropped and added again unnamed: a drop of the old name with CASCADE finds no key to take",
            sql: format!("{P3_NAMED_KEY}ALTER TABLE p3 DROP CONSTRAINT IF EXISTS p3_pk;\nDO $$ BEGIN ALTER TABLE p3 ADD PRIMARY KEY (id); EXCEPTION WHEN invalid_table_definition THEN NULL; END $$;\n{}ALTER TABLE c VALIDATE CONSTRAINT c_fk;\nALTER TABLE p3 DROP CONSTRAINT IF EXISTS p3_pk CASCADE;\n", add_fk_to("p3", " (id)")),
            fails_at: None,
        },
        Case {
            name: "a primary key the file names, dropped and added again unnamed, referenced without columns: a drop of the old name with CASCADE finds no key to take",
            sql: format!("{P3_NAMED_KEY}ALTER TABLE p3 DROP CONSTRAINT IF EXISTS p3_pk;\nDO $$ BEGIN ALTER TABLE p3 ADD PRIMARY KEY (id); EXCEPTION WHEN invalid_table_definition THEN NULL; END $$;\n{}ALTER TABLE c VALIDATE CONSTRAINT c_fk;\nALTER TABLE p3 DROP CONSTRAINT IF EXISTS p3_pk CASCADE;\n", add_fk_to("p3", "")),
            fails_at: None,
        },
        Case {
            name: "a CREATE TABLE whose named unique key is on the primary key's columns makes one key under that name: its drop with CASCADE takes the reference",
            sql: format!("CREATE TABLE IF NOT EXISTS p8 (id int PRIMARY KEY, CONSTRAINT p8_u UNIQUE (id));\n{}ALTER TABLE p8 DROP CONSTRAINT IF EXISTS p8_u CASCADE;\n", add_fk_to("p8", " (id)")),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "a CREATE TABLE whose named unique key is on the primary key's columns makes no key of the default name",
            sql: format!("CREATE TABLE IF NOT EXISTS p8 (id int PRIMARY KEY, CONSTRAINT p8_u UNIQUE (id));\n{}ALTER TABLE p8 DROP CONSTRAINT IF EXISTS p8_pkey CASCADE;\n", add_fk_to("p8", " (id)")),
            fails_at: None,
        },
        Case {
            name: "the referenced table is renamed, then its column dropped with CASCADE",
            sql: format!("{ADD_FK_COLUMN}ALTER TABLE c VALIDATE CONSTRAINT c_fk;\nALTER TABLE IF EXISTS p RENAME TO p2;\nALTER TABLE IF EXISTS p2 DROP COLUMN IF EXISTS id CASCADE;\n"),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "the referenced table is renamed, then its column dropped with CASCADE, in a later block",
            sql: format!("{ADD_FK_COLUMN}ALTER TABLE c VALIDATE CONSTRAINT c_fk;\nDO $$ BEGIN ALTER TABLE IF EXISTS p RENAME TO p2; ALTER TABLE IF EXISTS p2 DROP COLUMN IF EXISTS id CASCADE; END $$;\n"),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "the referenced table is renamed, then its column dropped with CASCADE, in the same block",
            sql: format!("{ADD_FK_COLUMN}DO $$ BEGIN ALTER TABLE c VALIDATE CONSTRAINT c_fk; ALTER TABLE IF EXISTS p RENAME TO p2; ALTER TABLE IF EXISTS p2 DROP COLUMN IF EXISTS id CASCADE; END $$;\n"),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "the referenced primary key is dropped with CASCADE later",
            sql: format!("{ADD_FK_KEY}ALTER TABLE c VALIDATE CONSTRAINT c_fk;\nALTER TABLE p DROP CONSTRAINT IF EXISTS p_pkey CASCADE;\n"),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "the referenced primary key is dropped with CASCADE later in the same block",
            sql: format!("{ADD_FK_KEY}DO $$ BEGIN ALTER TABLE c VALIDATE CONSTRAINT c_fk; ALTER TABLE p DROP CONSTRAINT IF EXISTS p_pkey CASCADE; END $$;\n"),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "the referenced table is renamed, then its primary key dropped with CASCADE",
            sql: format!("{ADD_FK_KEY}ALTER TABLE c VALIDATE CONSTRAINT c_fk;\nALTER TABLE IF EXISTS p RENAME TO p2;\nALTER TABLE IF EXISTS p2 DROP CONSTRAINT IF EXISTS p_pkey CASCADE;\n"),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "another constraint of the referenced table is dropped with CASCADE",
            sql: format!("{ADD_FK_KEY}ALTER TABLE c VALIDATE CONSTRAINT c_fk;\nALTER TABLE p DROP CONSTRAINT IF EXISTS p_other CASCADE;\n"),
            fails_at: None,
        },
        Case {
            name: "the referenced key is dropped without CASCADE, once the foreign key is gone, and added back",
            // The CASCADE is the new column's ON DELETE, not the drop's.
            sql: format!("CREATE TABLE IF NOT EXISTS q (id int PRIMARY KEY);\n{ADD_FK_KEY}ALTER TABLE c VALIDATE CONSTRAINT c_fk;\nALTER TABLE c DROP CONSTRAINT IF EXISTS c_fk;\nALTER TABLE p DROP CONSTRAINT IF EXISTS p_pkey, ADD CONSTRAINT p_pkey PRIMARY KEY (id), ADD COLUMN IF NOT EXISTS q_id int REFERENCES q (id) ON DELETE CASCADE;\n"),
            fails_at: None,
        },
        Case {
            name: "a constraint of the constrained table named as the referenced key is dropped",
            sql: format!("{ADD_FK_KEY}ALTER TABLE c VALIDATE CONSTRAINT c_fk;\nALTER TABLE c DROP CONSTRAINT IF EXISTS p_pkey CASCADE;\n"),
            fails_at: None,
        },
        Case {
            name: "the referenced column is dropped with CASCADE later, the VALIDATE",
            sql: format!("{ADD_FK_COLUMN}ALTER TABLE c VALIDATE CONSTRAINT c_fk;\nALTER TABLE p DROP COLUMN IF EXISTS id CASCADE;\n"),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "the referenced column is dropped with CASCADE later, the COMMENT",
            sql: format!("{ADD_FK_COLUMN}COMMENT ON CONSTRAINT c_fk ON c IS 'x';\nALTER TABLE p DROP COLUMN IF EXISTS id CASCADE;\n"),
            fails_at: Some("COMMENT ON CONSTRAINT"),
        },
        Case {
            name: "a later DO block drops the referenced column with CASCADE",
            sql: format!("{ADD_FK_COLUMN}ALTER TABLE c VALIDATE CONSTRAINT c_fk;\nDO $$ BEGIN ALTER TABLE p DROP COLUMN IF EXISTS id CASCADE; END $$;\n"),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "the same DO block drops the referenced column with CASCADE",
            sql: format!("{ADD_FK_COLUMN}DO $$ BEGIN ALTER TABLE c VALIDATE CONSTRAINT c_fk; ALTER TABLE p DROP COLUMN IF EXISTS id CASCADE; END $$;\n"),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "the constrained column is dropped later",
            sql: format!("{ADD_FK_COLUMN}ALTER TABLE c VALIDATE CONSTRAINT c_fk;\nALTER TABLE c DROP COLUMN IF EXISTS p_id;\n"),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "a column of the constrained table named as the referenced one is dropped",
            sql: format!("{ADD_FK_COLUMN}ALTER TABLE c VALIDATE CONSTRAINT c_fk;\nALTER TABLE c DROP COLUMN IF EXISTS id CASCADE;\n"),
            fails_at: None,
        },
        Case {
            name: "the referenced column is renamed later",
            sql: format!("{ADD_FK_COLUMN}ALTER TABLE c VALIDATE CONSTRAINT c_fk;\nDO $$ BEGIN ALTER TABLE p RENAME COLUMN id TO pk; EXCEPTION WHEN undefined_column THEN NULL; END $$;\n"),
            fails_at: None,
        },
        Case {
            name: "the referenced table is renamed later in the same block",
            sql: format!("{ADD_FK}DO $$ BEGIN ALTER TABLE c VALIDATE CONSTRAINT c_fk; ALTER TABLE IF EXISTS p RENAME TO p2; END $$;\n"),
            fails_at: None,
        },
        Case {
            name: "the referenced table is renamed, then dropped with CASCADE, in the same block",
            sql: format!("{ADD_FK}DO $$ BEGIN ALTER TABLE c VALIDATE CONSTRAINT c_fk; ALTER TABLE IF EXISTS p RENAME TO p2; DROP TABLE IF EXISTS p2 CASCADE; END $$;\n"),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "the referenced table is dropped with CASCADE later in the same block",
            sql: format!("{ADD_FK}DO $$ BEGIN ALTER TABLE c VALIDATE CONSTRAINT c_fk; DROP TABLE IF EXISTS p CASCADE; END $$;\n"),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "the referenced table is renamed later",
            sql: format!("{ADD_FK}ALTER TABLE c VALIDATE CONSTRAINT c_fk;\nCOMMENT ON CONSTRAINT c_fk ON c IS 'x';\nALTER TABLE c DROP COLUMN IF EXISTS x;\nALTER TABLE IF EXISTS p RENAME TO p2;\n"),
            fails_at: None,
        },
        Case {
            name: "the referenced table is dropped with CASCADE later, the VALIDATE",
            sql: format!("{ADD_FK}ALTER TABLE c VALIDATE CONSTRAINT c_fk;\nDROP TABLE IF EXISTS p CASCADE;\n"),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "the referenced table is dropped with CASCADE later, the COMMENT",
            sql: format!("{ADD_FK}COMMENT ON CONSTRAINT c_fk ON c IS 'x';\nDROP TABLE IF EXISTS p CASCADE;\n"),
            fails_at: Some("COMMENT ON CONSTRAINT"),
        },
        Case {
            name: "the referenced table is renamed, then dropped with CASCADE",
            sql: format!("{ADD_FK}ALTER TABLE c VALIDATE CONSTRAINT c_fk;\nALTER TABLE IF EXISTS p RENAME TO p2;\nDROP TABLE IF EXISTS p2 CASCADE;\n"),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "a table declares the foreign key, its referenced table is dropped with CASCADE",
            sql: "CREATE TABLE IF NOT EXISTS c2 (p_id int, CONSTRAINT c2_fk FOREIGN KEY (p_id) REFERENCES p (id));\nCOMMENT ON CONSTRAINT c2_fk ON c2 IS 'x';\nDROP TABLE IF EXISTS p CASCADE;\n".into(),
            fails_at: Some("COMMENT ON CONSTRAINT"),
        },
    ]
}

#[test]
fn a_foreign_key_follows_a_renamed_table_and_goes_with_a_dropped_one_on_postgres() {
    let failures = retry_mismatches(
        &foreign_key_cases(),
        &dialect_options(Dialect::Postgres),
        ScratchDb::postgres,
        PG_SETUP,
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

/// `p` as the server has it before the file: a primary key on `id`, a unique key on `code`,
/// neither declared in the file.
const PG_SETUP_UNIQUE: &str =
    "CREATE TABLE p (id int PRIMARY KEY, code int CONSTRAINT p_code_key UNIQUE);\n\
                               CREATE TABLE c (id int, p_id int);";

/// A foreign key to columns of a table the file does not declare: lint cannot know which key
/// it uses, and takes a reference to `id` for the primary key, any other for a unique key.
fn undeclared_key_cases() -> Vec<Case> {
    vec![
        Case {
            name: "a reference to a unique key of a table the file does not declare, the primary key dropped with CASCADE",
            sql: format!("{}ALTER TABLE p DROP CONSTRAINT IF EXISTS p_pkey CASCADE;\n", add_fk_to("p", " (code)")),
            fails_at: None,
        },
        Case {
            name: "a reference to a unique key of a table the file does not declare, unguarded, the primary key dropped with CASCADE",
            sql: "ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (code) NOT VALID;\nALTER TABLE c VALIDATE CONSTRAINT c_fk;\nALTER TABLE p DROP CONSTRAINT IF EXISTS p_pkey CASCADE;\n".into(),
            fails_at: Some("ADD CONSTRAINT"),
        },
        Case {
            name: "a reference to a unique key of a table the file does not declare, that key dropped with CASCADE",
            sql: format!("{}ALTER TABLE p DROP CONSTRAINT IF EXISTS p_code_key CASCADE;\n", add_fk_to("p", " (code)")),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "a reference to `id` of a table the file does not declare, the primary key dropped with CASCADE",
            sql: format!("{}ALTER TABLE p DROP CONSTRAINT IF EXISTS p_pkey CASCADE;\n", add_fk_to("p", " (id)")),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "a reference to `id` of a table the file does not declare, the unique key dropped with CASCADE",
            sql: format!("{}ALTER TABLE p DROP CONSTRAINT IF EXISTS p_code_key CASCADE;\n", add_fk_to("p", " (id)")),
            fails_at: None,
        },
    ]
}

#[test]
fn a_foreign_key_to_columns_of_a_table_the_file_does_not_declare_goes_with_the_key_its_columns_suggest_on_postgres(
) {
    let failures = retry_mismatches(
        &undeclared_key_cases(),
        &dialect_options(Dialect::Postgres),
        ScratchDb::postgres,
        PG_SETUP_UNIQUE,
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

/// `c_fk` added in a DO block that catches `handled` (besides duplicate_object), to `p`
/// `columns` (` (id)`, or none: its primary key).
fn add_fk_catching(columns: &str, handled: &str) -> String {
    format!("DO $$ BEGIN\n    ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p{columns} NOT VALID;\nEXCEPTION WHEN duplicate_object{handled} THEN NULL;\nEND $$;\n")
}

/// The ADD of a foreign key whose referenced key a later statement drops with CASCADE: the
/// drop takes the foreign key along, and a retry adds it again and fails (PF116), whatever
/// guards it against "already exists", unless a handler catches the retry's own error.
fn cascaded_reference_cases() -> Vec<Case> {
    const DROP_KEY: &str = "ALTER TABLE p DROP CONSTRAINT IF EXISTS p_pkey CASCADE;\n";
    const DROP_FK: &str = "ALTER TABLE c DROP CONSTRAINT IF EXISTS c_fk;\n";
    vec![
        Case {
            name: "a handler for duplicate_object only",
            sql: format!("{}{DROP_KEY}", add_fk_catching(" (id)", "")),
            fails_at: Some("ALTER TABLE c ADD"),
        },
        Case {
            name: "a handler for invalid_foreign_key too",
            sql: format!("{}{DROP_KEY}", add_fk_catching(" (id)", " OR invalid_foreign_key")),
            fails_at: None,
        },
        Case {
            name: "a reference without columns, a handler for invalid_foreign_key",
            sql: format!("{}{DROP_KEY}", add_fk_catching("", " OR invalid_foreign_key")),
            fails_at: Some("ALTER TABLE c ADD"),
        },
        Case {
            name: "a reference without columns, a handler for undefined_object",
            sql: format!("{}{DROP_KEY}", add_fk_catching("", " OR undefined_object")),
            fails_at: None,
        },
        Case {
            name: "a reference without columns to a primary key the file declares, its column dropped, a handler for undefined_column",
            sql: format!("CREATE TABLE IF NOT EXISTS p4 (id int PRIMARY KEY);\n{}ALTER TABLE p4 DROP COLUMN IF EXISTS id CASCADE;\n", add_fk_catching("", " OR undefined_column").replace("REFERENCES p ", "REFERENCES p4 ")),
            fails_at: Some("ALTER TABLE c ADD"),
        },
        Case {
            name: "a reference without columns to a primary key the file declares, its column dropped, a handler for undefined_object",
            sql: format!("CREATE TABLE IF NOT EXISTS p4 (id int PRIMARY KEY);\n{}ALTER TABLE p4 DROP COLUMN IF EXISTS id CASCADE;\n", add_fk_catching("", " OR undefined_object").replace("REFERENCES p ", "REFERENCES p4 ")),
            fails_at: None,
        },
        Case {
            name: "a handler for OTHERS",
            sql: "DO $$ BEGIN\n    ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p NOT VALID;\nEXCEPTION WHEN others THEN NULL;\nEND $$;\nALTER TABLE p DROP CONSTRAINT IF EXISTS p_pkey CASCADE;\n".into(),
            fails_at: None,
        },
        Case {
            name: "the constraint dropped first, the key dropped later",
            sql: format!("{DROP_FK}ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (id) NOT VALID;\n{DROP_KEY}"),
            fails_at: Some("ALTER TABLE c ADD"),
        },
        Case {
            name: "the constraint dropped first, the referenced column dropped later",
            sql: format!("{DROP_FK}ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (id) NOT VALID;\nALTER TABLE p DROP COLUMN IF EXISTS id CASCADE;\n"),
            fails_at: Some("ALTER TABLE c ADD"),
        },
        Case {
            name: "an unnamed foreign key",
            sql: format!("ALTER TABLE c ADD FOREIGN KEY (p_id) REFERENCES p NOT VALID;\n{DROP_KEY}"),
            fails_at: Some("ALTER TABLE c ADD"),
        },
        Case {
            name: "the key dropped later in the same block, a handler for duplicate_object",
            sql: "DO $$ BEGIN ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p NOT VALID; ALTER TABLE p DROP CONSTRAINT IF EXISTS p_pkey CASCADE; EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n".into(),
            fails_at: Some("ALTER TABLE c ADD"),
        },
        Case {
            name: "an IF that checks the constraint is missing",
            sql: format!("DO $$ BEGIN\n    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'c_fk') THEN\n        ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (id) NOT VALID;\n    END IF;\nEND $$;\n{DROP_KEY}"),
            fails_at: Some("ALTER TABLE c ADD"),
        },
        Case {
            name: "an IF that checks the referenced key exists",
            sql: format!("DO $$ BEGIN\n    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'p_pkey') THEN\n        ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (id) NOT VALID;\n    END IF;\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $$;\n{DROP_KEY}"),
            fails_at: None,
        },
        Case {
            name: "the constraint dropped first, another constraint dropped later",
            sql: format!("{DROP_FK}ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (id) NOT VALID;\nALTER TABLE p DROP CONSTRAINT IF EXISTS p_other CASCADE;\n"),
            fails_at: None,
        },
    ]
}

#[test]
fn an_add_of_a_foreign_key_to_a_key_the_file_drops_with_cascade_fails_on_postgres() {
    let failures = retry_mismatches(
        &cascaded_reference_cases(),
        &dialect_options(Dialect::Postgres),
        ScratchDb::postgres,
        PG_SETUP,
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

fn sql_routine_cases() -> Vec<Case> {
    vec![
        Case {
            name: "a LANGUAGE sql function reads a column the file drops, never called",
            sql: "CREATE OR REPLACE FUNCTION get_old() RETURNS int LANGUAGE sql AS $$ SELECT old FROM t LIMIT 1 $$;\nALTER TABLE t DROP COLUMN IF EXISTS old;\n".into(),
            fails_at: Some("CREATE OR REPLACE FUNCTION"),
        },
        Case {
            name: "a LANGUAGE sql procedure updates a column the file drops after calling it",
            sql: "CREATE OR REPLACE PROCEDURE set_old() LANGUAGE sql AS $$ UPDATE t SET old = 1 $$;\nCALL set_old();\nALTER TABLE t DROP COLUMN IF EXISTS old;\n".into(),
            fails_at: Some("CREATE OR REPLACE PROCEDURE"),
        },
        Case {
            name: "a LANGUAGE sql function reads a table the file drops, dropped first itself",
            sql: "CREATE OR REPLACE FUNCTION count_t() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM t $$;\nSELECT count_t();\nDROP FUNCTION count_t();\nDROP TABLE IF EXISTS t;\n".into(),
            fails_at: Some("CREATE OR REPLACE FUNCTION"),
        },
        Case {
            name: "a BEGIN ATOMIC body reads a column the file drops with CASCADE",
            sql: "CREATE OR REPLACE FUNCTION get_old() RETURNS int LANGUAGE sql\nBEGIN ATOMIC SELECT old FROM t LIMIT 1; END;\nALTER TABLE t DROP COLUMN IF EXISTS old CASCADE;\n".into(),
            fails_at: Some("CREATE OR REPLACE FUNCTION"),
        },
        Case {
            name: "a RETURN body reads a column the file drops with CASCADE",
            sql: "CREATE OR REPLACE FUNCTION get_old() RETURNS int LANGUAGE sql\nRETURN (SELECT old FROM t LIMIT 1);\nALTER TABLE t DROP COLUMN IF EXISTS old CASCADE;\n".into(),
            fails_at: Some("CREATE OR REPLACE FUNCTION"),
        },
        Case {
            name: "a LANGUAGE sql body reads only a column the file keeps",
            sql: "CREATE OR REPLACE FUNCTION get_id() RETURNS int LANGUAGE sql AS $$ SELECT id FROM t LIMIT 1 $$;\nALTER TABLE t DROP COLUMN IF EXISTS old;\n".into(),
            fails_at: None,
        },
        Case {
            name: "check_function_bodies is off",
            sql: "SET check_function_bodies = false;\nCREATE OR REPLACE FUNCTION get_old() RETURNS int LANGUAGE sql AS $$ SELECT old FROM t LIMIT 1 $$;\nALTER TABLE t DROP COLUMN IF EXISTS old;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a polymorphic LANGUAGE sql function is checked only at a call",
            sql: "CREATE OR REPLACE FUNCTION set_old(x anyelement) RETURNS void LANGUAGE sql AS $$ UPDATE t SET old = 1 $$;\nALTER TABLE t DROP COLUMN IF EXISTS old;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a polymorphic LANGUAGE sql function called: the call's read fails",
            sql: "CREATE OR REPLACE FUNCTION set_old(x anyelement) RETURNS void LANGUAGE sql AS $$\nUPDATE t SET old = 1 $$;\nSELECT set_old(1);\nALTER TABLE t DROP COLUMN IF EXISTS old;\n".into(),
            fails_at: Some("UPDATE t SET old"),
        },
        Case {
            name: "a PL/pgSQL function never called is not checked",
            sql: "CREATE OR REPLACE FUNCTION get_old() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN (SELECT old FROM t LIMIT 1); END $$;\nALTER TABLE t DROP COLUMN IF EXISTS old;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a LANGUAGE sql body that reads and drops, called",
            sql: "CREATE OR REPLACE FUNCTION g() RETURNS void LANGUAGE sql AS $$\nUPDATE t SET old = 1;\nALTER TABLE t DROP COLUMN IF EXISTS old $$;\nSELECT g();\n".into(),
            // Reported at the body's read, whose message names the CREATE.
            fails_at: Some("UPDATE t SET old"),
        },
    ]
}

#[test]
fn a_language_sql_body_that_reads_what_the_file_removes_fails_at_its_create_on_postgres() {
    let options = dialect_options(Dialect::Postgres);
    let failures = retry_mismatches(
        &sql_routine_cases(),
        &options,
        ScratchDb::postgres,
        PG_SETUP,
    );
    assert!(failures.is_empty(), "{failures:#?}");
    // The read the call's body makes is reported where it stands, and says where the retry
    // fails: at the CREATE, which PostgreSQL checks the body at.
    let case = sql_routine_cases().pop().unwrap();
    let found = retry_findings(&case.sql, &options);
    assert!(
        found.iter().any(|f| f
            .message
            .contains("a retry of the file fails at the routine's `CREATE` on line 1")),
        "{found:#?}"
    );
}

const SEARCH_PATH_SETUP: &str = "CREATE TABLE w_old (id int, c text);\n\
                                 CREATE SCHEMA archive;\n\
                                 CREATE TABLE archive.w_old (id int, c text);";

/// A read of `c` from a `w_old` the file drops and creates again without it, and a
/// search_path change between: an unqualified name is in the first schema of the search_path
/// in force at its own statement (a re-run starts in a new session, under the connection's).
const SEARCH_PATH_CASES: &[common::retry::Case] = &[
    // A column's drop is of the table its statement's search_path names too.
    common::retry::Case {
        name: "a column the drop under a search_path with archive first takes is archive's",
        statements: &[
            "UPDATE w_old SET c = 'x';",
            "SET search_path TO archive;",
            "ALTER TABLE w_old DROP COLUMN IF EXISTS c;",
        ],
    },
    common::retry::Case {
        name: "a column the drop under a search_path with public first takes is the read's",
        statements: &[
            "UPDATE w_old SET c = 'x';",
            "SET search_path TO public;",
            "ALTER TABLE w_old DROP COLUMN IF EXISTS c;",
        ],
    },
    common::retry::Case {
        name: "the drop and the creation come after a search_path that puts archive first",
        statements: &[
            "SELECT c FROM w_old;",
            "SET search_path TO archive;",
            "DROP TABLE IF EXISTS w_old;",
            "CREATE TABLE w_old (id int);",
        ],
    },
    common::retry::Case {
        name: "the read names archive, the drop and the creation come under its search_path",
        statements: &[
            "SELECT c FROM archive.w_old;",
            "SET search_path TO archive, public;",
            "DROP TABLE IF EXISTS w_old;",
            "CREATE TABLE w_old (id int);",
        ],
    },
    common::retry::Case {
        name: "the read comes under a search_path with archive first, the drop names archive",
        statements: &[
            "SET search_path TO archive;",
            "SELECT c FROM w_old;",
            "RESET search_path;",
            "DROP TABLE IF EXISTS archive.w_old;",
            "CREATE TABLE archive.w_old (id int);",
        ],
    },
    common::retry::Case {
        name: "the read comes under a search_path with archive first, the drop under public",
        statements: &[
            "SET search_path TO archive;",
            "SELECT c FROM w_old;",
            "SET search_path TO public;",
            "DROP TABLE IF EXISTS w_old;",
            "CREATE TABLE w_old (id int);",
        ],
    },
    common::retry::Case {
        name: "the search_path goes back to the connection's before the drop",
        statements: &[
            "SELECT c FROM w_old;",
            "SET search_path TO archive;",
            "SET search_path TO DEFAULT;",
            "DROP TABLE IF EXISTS w_old;",
            "CREATE TABLE w_old (id int);",
        ],
    },
];

/// PF123's lost column where the file changes the search_path between the read and the
/// re-creation, statement by statement (every crash point) and under a per-file transaction:
/// lint flags exactly the reads whose retry fails on PostgreSQL. It took the later drop's and
/// creation's unqualified names under the read's search_path, and flagged `SELECT c FROM
/// w_old; SET search_path TO archive; DROP TABLE w_old; …`, whose drop is `archive.w_old`'s.
#[test]
fn a_read_and_the_recreation_of_its_table_resolve_through_their_own_search_path_on_postgres() {
    let db = ScratchDb::postgres();
    db.exec(SEARCH_PATH_SETUP);
    let failures = common::retry::crash_point_mismatches(&db, SEARCH_PATH_CASES);
    assert!(failures.is_empty(), "{failures:#?}");
}
/// On MySQL and MariaDB `xmin`, `ctid` or `tableoid` is a column like any other, no system
/// column every table has: a read of one the re-created table lacks fails on a re-run (MariaDB
/// 10.11: `Unknown column 'xmin'`). The file makes the table first (`IF NOT EXISTS`: a re-run
/// meets the re-created one), so no crash point between the drop and the creation counts.
#[test]
fn a_column_named_like_a_postgres_system_column_is_a_real_one_on_mariadb() {
    let cases = [
        Case {
            name: "xmin, which the re-created table lacks",
            sql: "CREATE TABLE IF NOT EXISTS w_old (id int, xmin int);\nSELECT xmin FROM w_old;\nDROP TABLE w_old;\nCREATE TABLE w_old (id int);\n".into(),
            fails_at: Some("SELECT xmin"),
        },
        Case {
            name: "ctid, after id and tableoid, which it keeps",
            sql: "CREATE TABLE IF NOT EXISTS w_old (id int, ctid int, tableoid int);\nSELECT id, ctid FROM w_old WHERE tableoid > 0;\nDROP TABLE w_old;\nCREATE TABLE w_old (id int, tableoid int);\n".into(),
            fails_at: Some("SELECT id, ctid"),
        },
        Case {
            name: "xmin and ctid, which it keeps",
            sql: "CREATE TABLE IF NOT EXISTS w_old (id int, xmin int, ctid int);\nSELECT xmin, ctid FROM w_old;\nDROP TABLE w_old;\nCREATE TABLE w_old (id int, xmin int, ctid int);\n".into(),
            fails_at: None,
        },
    ];
    let options = dialect_options(Dialect::Mariadb);
    let failures = retry_mismatches(&cases, &options, ScratchDb::mariadb, "SELECT 1;");
    assert!(failures.is_empty(), "{failures:#?}");
    let found = retry_findings(&cases[0].sql, &options);
    assert!(found[0].message.contains("`w_old.xmin`"), "{found:#?}");
}

/// On MariaDB a `db.t` read is the table of that database: a drop and creation of `db.t` (also
/// backquoted) lose its column on a re-run, those of another database's `t` do not. An
/// unqualified name is in the connection's database, which lint does not know: a read of
/// `db.t` written with the connection's own database is the unqualified `t` a later statement
/// drops and creates again.
#[test]
fn a_read_of_a_table_of_another_database_resolves_by_its_database_on_mariadb() {
    let (db1, db2) = (ScratchDb::mariadb(), ScratchDb::mariadb());
    let (o1, o2) = (db1.name.as_str(), db2.name.as_str());
    let setup = format!(
        "CREATE TABLE {o1}.w_old (id int, c int);\nCREATE TABLE {o2}.w_old (id int, c int);"
    );
    let cases = [
        Case {
            name: "the read, the drop and the creation name one database, quoted or not",
            sql: format!("CREATE TABLE IF NOT EXISTS {o1}.w_old (id int, c int);\nSELECT c FROM `{o1}`.`w_old`;\nDROP TABLE {o1}.w_old;\nCREATE TABLE {o1}.w_old (id int);\n"),
            fails_at: Some("SELECT c"),
        },
        Case {
            name: "the drop and the creation are of another database's table",
            sql: format!("CREATE TABLE IF NOT EXISTS {o1}.w_old (id int, c int);\nSELECT c FROM {o1}.w_old;\nDROP TABLE IF EXISTS {o2}.w_old;\nCREATE TABLE {o2}.w_old (id int);\n"),
            fails_at: None,
        },
    ];
    let options = dialect_options(Dialect::Mariadb);
    // Each case runs in a fresh database and makes the other two's tables again.
    let setup =
        format!("DROP TABLE IF EXISTS {o1}.w_old;\nDROP TABLE IF EXISTS {o2}.w_old;\n{setup}");
    let failures = retry_mismatches(&cases, &options, ScratchDb::mariadb, &setup);
    // The connection's own database, written.
    let db = ScratchDb::mariadb();
    db.exec("CREATE TABLE w_old (id int, c int);");
    let sql = format!(
        "CREATE TABLE IF NOT EXISTS w_old (id int, c int);\nSELECT c FROM {}.w_old;\nDROP TABLE w_old;\nCREATE TABLE w_old (id int);\n",
        db.name
    );
    let retry = common::retry::run_twice(&db, &sql);
    assert!(
        retry.as_ref().is_err_and(|e| e.contains("'c'")),
        "{retry:?}"
    );
    assert_eq!(retry_flagged_lines(&sql, &options), [2], "{sql}");
    assert!(failures.is_empty(), "{failures:#?}");
    // The message names the table with its database.
    let found = retry_findings(&cases[0].sql, &options);
    let named = format!("`{o1}.w_old.c`");
    assert!(found[0].message.contains(&named), "{found:#?}");
}

/// On MariaDB `USE db` puts the unqualified names after it in `db`: a read of `t` after `USE
/// d1` is `d1.t`, and a later drop and creation of `t` after `USE d2` (or of `d2.t`) are of
/// another table, whose columns the read does not need; after `USE d1` again, of the same. A
/// read before any `USE` is in the connection's database, which may be `d2`.
#[test]
fn use_puts_the_unqualified_names_after_it_in_its_database_on_mariadb() {
    let (db1, db2) = (ScratchDb::mariadb(), ScratchDb::mariadb());
    let (o1, o2) = (db1.name.as_str(), db2.name.as_str());
    // The read of `w_old` after `opening`, then `removal`.
    let file = |opening: &str, removal: &str| {
        format!(
            "{opening}CREATE TABLE IF NOT EXISTS w_old (id int, c int);\nSELECT c FROM w_old;\n{removal}"
        )
    };
    let remade = |target: &str| {
        format!("DROP TABLE IF EXISTS {target}w_old;\nCREATE TABLE {target}w_old (id int);\n")
    };
    let (use1, use2) = (format!("USE {o1};\n"), format!("USE {o2};\n"));
    let cases = [
        Case {
            name: "the drop and the creation after USE of the other database",
            sql: file(&use1, &format!("{use2}{}", remade(""))),
            fails_at: None,
        },
        Case {
            name: "the drop and the creation of the other database's table, written",
            sql: file(&use1, &remade(&format!("{o2}."))),
            fails_at: None,
        },
        Case {
            name: "the drop and the creation after USE of the same database",
            sql: file(&use1, &format!("{use1}{}", remade(""))),
            fails_at: Some("SELECT c"),
        },
        Case {
            name: "the drop and the creation of the same database's table, written",
            sql: file(&use1, &format!("{use2}{}", remade(&format!("{o1}.")))),
            fails_at: Some("SELECT c"),
        },
        Case {
            name: "a read in the connection's database, which is the other one",
            sql: file("", &format!("{use2}{}", remade(""))),
            fails_at: Some("SELECT c"),
        },
    ];
    let options = dialect_options(Dialect::Mariadb);
    // Each case starts with neither database's table; the first four open with a `USE`, so
    // their connection's own database does not matter.
    let setup = format!("DROP TABLE IF EXISTS {o1}.w_old;\nDROP TABLE IF EXISTS {o2}.w_old;");
    let mut failures = retry_mismatches(&cases[..4], &options, ScratchDb::mariadb, &setup);
    // The last one reads in the connection's database: `o2` itself.
    db2.exec(&setup);
    let last = &cases[4];
    let retry = common::retry::run_twice(&db2, &last.sql);
    if retry.is_err() != last.fails_at.is_some() {
        failures.push(format!("{}: the second run: {retry:?}", last.name));
    }
    let lines = retry_flagged_lines(&last.sql, &options);
    if lines != [line_of(&last.sql, "SELECT c")] {
        failures.push(format!("{}: lint flagged {lines:?} ({retry:?})", last.name));
    }
    // PF101: a drop of `d1.t` does not make way for a creation of `t` after `USE d2`, which
    // fails on a re-run; after `USE d1` again it does.
    let recreated = |second: &str| {
        format!(
            "{use1}CREATE TABLE IF NOT EXISTS t (id int);\nDROP TABLE t;\n{second}CREATE TABLE t (id int);\n"
        )
    };
    let setup = format!("DROP TABLE IF EXISTS {o1}.t;\nDROP TABLE IF EXISTS {o2}.t;");
    let cases = [
        Case {
            name: "a creation after USE of the other database than the drop's",
            sql: recreated(&use2),
            fails_at: Some("CREATE TABLE t (id int);"),
        },
        Case {
            name: "a creation after USE of the drop's database",
            sql: recreated(&use1),
            fails_at: None,
        },
    ];
    failures.extend(retry_mismatches(
        &cases,
        &options,
        ScratchDb::mariadb,
        &setup,
    ));
    // A column's drop is of the table of its own statement's database.
    let setup = format!(
        "DROP TABLE IF EXISTS {o1}.t;\nDROP TABLE IF EXISTS {o2}.t;\nCREATE TABLE {o2}.t (id int, c int);"
    );
    let dropped = |table: &str| {
        format!(
            "{use1}CREATE TABLE IF NOT EXISTS t (id int, c int);\nUPDATE t SET c = 1;\nALTER TABLE {table} DROP COLUMN IF EXISTS c;\n"
        )
    };
    let cases = [
        Case {
            name: "a column of the other database's table, written, dropped",
            sql: dropped(&format!("{o2}.t")),
            fails_at: None,
        },
        Case {
            name: "a column of the same database's table, written, dropped",
            sql: dropped(&format!("{o1}.t")),
            fails_at: Some("UPDATE t"),
        },
        Case {
            name: "a column of the same database's table dropped",
            sql: dropped("t"),
            fails_at: Some("UPDATE t"),
        },
    ];
    failures.extend(retry_mismatches(
        &cases,
        &options,
        ScratchDb::mariadb,
        &setup,
    ));
    assert!(failures.is_empty(), "{failures:#?}");
}

/// SQLite's table rebuild (`CREATE TABLE t_new …; INSERT INTO t_new SELECT … FROM t; DROP
/// TABLE t; ALTER TABLE t_new RENAME TO t`) of a table the file makes if missing: a second run
/// finds the rebuilt table under the name, and the copy fails when it reads a column that table
/// lacks (`no such column: b`, or `rowid` of a `WITHOUT ROWID` one), which PF123 flags; it runs
/// when the new table has every column it reads (checked with the `sqlite3` shell). Only PF123
/// counts here: the CREATE of `t_new` fails on a retry between it and the rename (PF101).
#[test]
fn a_rebuild_copy_reading_what_the_rebuilt_table_lacks_is_flagged_on_sqlite() {
    let file = |new_table: &str, copy: &str| {
        format!(
            "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, a TEXT, b INT);\n\
             CREATE TABLE t_new {new_table};\n\
             INSERT INTO t_new (id, a) {copy};\n\
             DROP TABLE t;\nALTER TABLE t_new RENAME TO t;\n"
        )
    };
    let without_b = "(id INTEGER PRIMARY KEY, a TEXT)";
    let with_b = "(id INTEGER PRIMARY KEY, a TEXT, b INT)";
    let without_rowid = "(id INTEGER PRIMARY KEY, a TEXT) WITHOUT ROWID";
    let cases = [
        (file(without_b, "SELECT id, a FROM t WHERE b > 0"), true),
        (
            file(without_b, "SELECT id, a FROM t WHERE a IS NOT NULL"),
            false,
        ),
        (file(with_b, "SELECT id, a FROM t WHERE b > 0"), false),
        (file(without_b, "SELECT rowid, a FROM t"), false),
        (file(without_rowid, "SELECT rowid, a FROM t"), true),
        (file(without_rowid, "SELECT id, a FROM t"), false),
    ];
    let options = dialect_options(Dialect::Sqlite);
    for (sql, fails) in cases {
        let retry = sqlite_run_twice(&sql);
        assert_eq!(retry.is_err(), fails, "the second run: {retry:?}\n{sql}");
        let expected: Vec<usize> = fails.then(|| line_of(&sql, "INSERT")).into_iter().collect();
        let flagged: Vec<usize> = retry_findings(&sql, &options)
            .iter()
            .filter(|f| f.rule.code == "PF123")
            .map(|f| f.location.start.expect("a line").line)
            .collect();
        assert_eq!(flagged, expected, "PF123 (second run: {retry:?})\n{sql}");
    }
}

/// On SQLite every table but a `WITHOUT ROWID` one has the rowid, under `rowid`, `oid` and
/// `_rowid_`: a read of it from a table the file drops and creates again as a rowid table runs
/// on a re-run, one from a table re-created `WITHOUT ROWID` fails (`no such column: rowid`),
/// unless that declares a column of the name (checked with the `sqlite3` shell).
#[test]
fn the_rowid_is_a_column_of_every_rowid_table_on_sqlite() {
    let file = |read: &str, recreated: &str| {
        format!(
            "CREATE TABLE IF NOT EXISTS w_old (id INTEGER PRIMARY KEY, a TEXT);\n\
             SELECT {read}, a FROM w_old;\nDROP TABLE w_old;\n{recreated};\n"
        )
    };
    let rowid_table = "CREATE TABLE w_old (id INTEGER PRIMARY KEY, a TEXT)";
    let strict = "CREATE TABLE w_old (id INTEGER PRIMARY KEY, a TEXT) STRICT";
    let without = "CREATE TABLE w_old (id INTEGER PRIMARY KEY, a TEXT) WITHOUT ROWID";
    let both = "CREATE TABLE w_old (id INTEGER PRIMARY KEY, a TEXT) STRICT, WITHOUT ROWID";
    let declared = "CREATE TABLE w_old (id INTEGER PRIMARY KEY, a TEXT, oid TEXT) WITHOUT ROWID";
    let mut cases = Vec::new();
    for read in ["rowid", "oid", "_rowid_", "ROWID"] {
        cases.push((file(read, rowid_table), false));
        cases.push((file(read, strict), false));
        cases.push((file(read, without), true));
        cases.push((file(read, both), true));
        cases.push((file(read, declared), read != "oid"));
    }
    let options = dialect_options(Dialect::Sqlite);
    for (sql, fails) in cases {
        let retry = sqlite_run_twice(&sql);
        assert_eq!(retry.is_err(), fails, "the second run: {retry:?}\n{sql}");
        let expected: Vec<usize> = fails.then_some(2).into_iter().collect();
        assert_eq!(
            retry_flagged_lines(&sql, &options),
            expected,
            "lint's flags (second run: {retry:?})\n{sql}"
        );
    }
}

/// Tables for [`ATOMIC_READD`]: `ra_s`'s `c` is text, which the re-add makes an integer.
const READD_SETUP: &str = "CREATE TABLE ra_r (id int, c int);\n\
                           CREATE TABLE ra_s (id int, c text);\n\
                           CREATE TABLE ra_t (id int, c text);\n\
                           CREATE TABLE ra_u (id int, c text);";

/// One `ALTER TABLE` that drops a column and adds it again is atomic: no crash point finds the
/// column gone, so a read of it before runs on every retry. A write of a value of the old type
/// fails once the new type rejects it (`invalid input syntax for type integer`).
const ATOMIC_READD: &[common::retry::Case] = &[
    common::retry::Case {
        name: "a read before a drop and re-add of the column in one ALTER",
        statements: &[
            "SELECT c FROM ra_r;",
            "ALTER TABLE ra_r DROP COLUMN c, ADD COLUMN c int;",
        ],
    },
    common::retry::Case {
        name: "a write of the old type before a re-add with another type",
        statements: &[
            "INSERT INTO ra_s (c) VALUES ('x');",
            "ALTER TABLE ra_s DROP COLUMN c, ADD COLUMN c int;",
        ],
    },
    common::retry::Case {
        name: "a write of the old type before a re-add with another type, then a drop",
        statements: &[
            "INSERT INTO ra_t (c) VALUES ('x');",
            "ALTER TABLE ra_t DROP COLUMN c, ADD COLUMN c int;",
            "SELECT c FROM ra_t;",
            "ALTER TABLE ra_t DROP COLUMN c;",
        ],
    },
];

#[test]
fn a_drop_and_re_add_in_one_alter_keeps_reads_and_fails_writes_of_the_old_type() {
    common::retry::assert_crash_points_agree(READD_SETUP, ATOMIC_READD);
    // MariaDB rejects `'x'` for an integer column too (1366, strict mode).
    common::retry::assert_mariadb_crash_points_agree(READD_SETUP, ATOMIC_READD);
    // PostgreSQL rejects `'x'` compared with an integer; MariaDB converts it (a warning).
    let compared = &[common::retry::Case {
        name: "a comparison with a string before a re-add with another type",
        statements: &[
            "SELECT id FROM ra_u WHERE c = 'x';",
            "ALTER TABLE ra_u DROP COLUMN c, ADD COLUMN c int;",
        ],
    }];
    common::retry::assert_crash_points_agree(READD_SETUP, compared);
    common::retry::assert_mariadb_crash_points_agree(READD_SETUP, compared);
}
