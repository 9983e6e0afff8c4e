//! MariaDB's anonymous compound statement (`BEGIN NOT ATOMIC … END`) runs its statements as a
//! PostgreSQL DO block does: lint checks them, and a guard (a catalog-checking IF, or a
//! CONTINUE/EXIT handler for the error a retry raises) makes them retry-safe. Each block's verdict
//! is compared with what the real MariaDB does when the file runs a second time.

mod common;

use common::retry::{retry_findings, run_twice, second_run};
use common::ScratchDb;
use preflight::fix::fix_source;
use preflight::lint::LintOptions;
use preflight::source::SourceFile;
use preflight::sql::Dialect;

const SETUP: &str = "CREATE TABLE t (id INT);";

/// `(name, block body)`: each block adds one column; the name says whether a guard protects it.
const BLOCKS: &[(&str, &str)] = &[
    ("unguarded", "ALTER TABLE t ADD COLUMN c_unguarded INT;"),
    (
        "catalog_if",
        "IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = DATABASE() \
         AND table_name = 't' AND column_name = 'c_catalog_if') THEN\n    \
         ALTER TABLE t ADD COLUMN c_catalog_if INT;\n  END IF;",
    ),
    (
        "catalog_elseif",
        "IF 1 = 0 THEN\n    SELECT 1;\n  ELSEIF NOT EXISTS (SELECT 1 FROM information_schema.columns \
         WHERE table_schema = DATABASE() AND table_name = 't' AND column_name = 'c_catalog_elseif') \
         THEN\n    ALTER TABLE t ADD COLUMN c_catalog_elseif INT;\n  END IF;",
    ),
    (
        "other_table_if",
        "IF NOT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = 'zz') THEN\n    \
         ALTER TABLE t ADD COLUMN c_other_table_if INT;\n  END IF;",
    ),
    (
        "other_table_in_database_if",
        "IF NOT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() \
         AND table_name = 'zz') THEN\n    ALTER TABLE t ADD COLUMN c_other_table_in_database_if \
         INT;\n  END IF;",
    ),
    (
        "other_table_elseif",
        "IF 1 = 0 THEN\n    SELECT 1;\n  ELSEIF NOT EXISTS (SELECT 1 FROM information_schema.tables \
         WHERE table_name = 'zz') THEN\n    ALTER TABLE t ADD COLUMN c_other_table_elseif INT;\n  \
         END IF;",
    ),
    (
        "error_number",
        "DECLARE CONTINUE HANDLER FOR 1060 BEGIN END;\n  ALTER TABLE t ADD COLUMN c_error_number INT;",
    ),
    (
        "sqlstate",
        "DECLARE EXIT HANDLER FOR SQLSTATE VALUE '42S21' BEGIN END;\n  \
         ALTER TABLE t ADD COLUMN c_sqlstate INT;",
    ),
    (
        "named_condition",
        "DECLARE dup CONDITION FOR SQLSTATE '42S21';\n  \
         DECLARE EXIT HANDLER FOR SQLWARNING, dup BEGIN END;\n  \
         ALTER TABLE t ADD COLUMN c_named_condition INT;",
    ),
    (
        "sqlexception",
        "DECLARE CONTINUE HANDLER FOR SQLEXCEPTION BEGIN END;\n  \
         ALTER TABLE t ADD COLUMN c_sqlexception INT;",
    ),
    (
        "not_found_handler",
        "DECLARE CONTINUE HANDLER FOR NOT FOUND BEGIN END;\n  \
         ALTER TABLE t ADD COLUMN c_not_found_handler INT;",
    ),
];

fn file(body: &str) -> String {
    format!("DELIMITER //\nBEGIN NOT ATOMIC\n  {body}\nEND //\nDELIMITER ;\n")
}

fn options() -> LintOptions {
    LintOptions {
        dialect: Dialect::Mariadb,
        ..LintOptions::default()
    }
}

/// The retry rules lint reports on `sql`.
fn retry_codes(sql: &str) -> Vec<String> {
    retry_findings(sql, &options())
        .into_iter()
        .map(|f| f.rule.code.to_string())
        .collect()
}

#[test]
fn lint_flags_exactly_the_compound_blocks_a_second_run_on_mariadb_fails() {
    for (name, body) in BLOCKS {
        let sql = file(body);
        let retry_fails = second_run(ScratchDb::mariadb, SETUP, &sql).is_err();
        let flagged = !retry_codes(&sql).is_empty();
        assert_eq!(
            flagged, retry_fails,
            "{name}: lint flagged {flagged}, a retry on MariaDB failed {retry_fails}"
        );
        let expect_failure = matches!(
            *name,
            "unguarded"
                | "not_found_handler"
                | "other_table_if"
                | "other_table_in_database_if"
                | "other_table_elseif"
        );
        assert_eq!(retry_fails, expect_failure, "{name}: the server's verdict");
    }
}

#[test]
fn the_fixed_unguarded_block_runs_twice_on_mariadb() {
    let sql = file(BLOCKS[0].1);
    let outcome = fix_source(&SourceFile::new("m.sql", sql.as_str()), &options(), false);
    assert!(outcome.remaining.is_empty(), "{:?}", outcome.remaining);
    assert!(
        outcome
            .fixed
            .contains("ADD COLUMN IF NOT EXISTS c_unguarded"),
        "{}",
        outcome.fixed
    );
    let db = ScratchDb::mariadb();
    db.exec(SETUP);
    db.exec(&outcome.fixed);
    db.exec(&outcome.fixed);
}

#[test]
fn an_if_over_rows_the_file_writes_through_the_database_name_matches_mariadb() {
    // `t` has no key: each run of the INSERT adds a row, so the retry's IF finds two and skips
    // the ALTER. The unqualified `t` of the block is the connection's database's, which the
    // INSERT names: lint cannot tell that the ALTER runs again.
    let db = ScratchDb::mariadb();
    let sql = format!(
        "INSERT IGNORE INTO `{}`.t (id) VALUES (1);\n{}",
        db.name,
        file(
            "IF (SELECT count(*) FROM t) = 1 THEN\n    ALTER TABLE t ADD COLUMN c INT;\n  END IF;"
        )
    );
    db.exec(SETUP);
    assert_eq!(run_twice(&db, &sql), Ok(()), "the server's verdict");
    assert_eq!(retry_codes(&sql), Vec::<String>::new());
    // Another database's table is not the one the block reads: the ALTER runs again.
    let other = format!(
        "INSERT IGNORE INTO `{}`.t (id) VALUES (1);\n{}",
        db.name,
        file("IF (SELECT count(*) FROM other.t) = 0 THEN\n    ALTER TABLE t ADD COLUMN c INT;\n  END IF;")
    );
    assert_eq!(retry_codes(&other).len(), 1, "{other}");
}

#[test]
fn an_index_element_of_the_table_is_no_column_of_the_insert_that_adds_nothing_again() {
    // `KEY k_v (v)` indexes `v`: the table has two columns, the INSERT fills both, and a retry
    // inserts nothing (the key `id` conflicts), finds one row again and adds the column again.
    for index in [
        "KEY k_v (v)",
        "INDEX (v)",
        "UNIQUE KEY k_v (v)",
        "FULLTEXT KEY k_w (w)",
    ] {
        let db = ScratchDb::mariadb();
        let columns = if index.contains("(w)") {
            "v INT, w TEXT"
        } else {
            "v INT"
        };
        let values = if index.contains("(w)") {
            "1, 2, 'a'"
        } else {
            "1, 2"
        };
        let sql = format!(
            "CREATE TABLE IF NOT EXISTS k (id INT PRIMARY KEY, {columns}, {index});\n\
             INSERT IGNORE INTO k VALUES ({values});\n{}",
            file("IF (SELECT count(*) FROM k) = 1 THEN\n    ALTER TABLE t ADD COLUMN c INT;\n  END IF;")
        );
        db.exec(SETUP);
        assert!(run_twice(&db, &sql).is_err(), "the server's verdict: {sql}");
        assert_eq!(retry_codes(&sql).len(), 1, "{sql}");
    }
}
