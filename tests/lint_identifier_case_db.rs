//! Which names are one object, as the server folds their case. PostgreSQL folds only the ASCII
//! letters of an unquoted name (`Éq` and `éq` are two tables, `ÉQ` is `Éq`); MariaDB compares
//! column names without case in every letter (`Éa` and `éa` are one column). Lint is compared
//! with the real servers at every crash point (and, on PostgreSQL, under a per-file transaction),
//! and PF101 quotes the error a retry meets.

mod common;

use common::cli::{json_findings, preflight, rule_lines, write};
use common::retry::{
    assert_crash_points_agree, assert_mariadb_crash_points_agree, dialect_options, retry_findings,
    second_run, Case,
};
use common::ScratchDb;
use preflight::sql::Dialect;

#[test]
fn postgres_keeps_apart_names_that_differ_in_a_non_ascii_letter() {
    let setup = "CREATE TABLE t (id int);\n\
                 CREATE TABLE éq (id int);\nCREATE TABLE \"Éq\" (id int);";
    assert_crash_points_agree(
        setup,
        &[
            Case {
                name: "a drop of éq does not free Éq",
                statements: &["DROP TABLE IF EXISTS éx;", "CREATE TABLE Éx (id int);"],
            },
            Case {
                name: "a drop of ÉX frees Éx: only the ASCII letters fold",
                statements: &["DROP TABLE IF EXISTS ÉX;", "CREATE TABLE Éx (id int);"],
            },
            Case {
                name: "a drop of Éq leaves the éq an earlier statement reads",
                statements: &["INSERT INTO éq VALUES (1);", "DROP TABLE IF EXISTS Éq;"],
            },
            Case {
                name: "a drop of column éa does not free Éa",
                statements: &[
                    "ALTER TABLE t DROP COLUMN IF EXISTS éa;",
                    "ALTER TABLE t ADD COLUMN Éa int;",
                ],
            },
        ],
    );
}

#[test]
fn mariadb_compares_column_names_without_case_in_every_letter() {
    assert_mariadb_crash_points_agree(
        "CREATE TABLE t (id int);",
        &[Case {
            name: "a drop of column éa frees Éa",
            statements: &[
                "ALTER TABLE t DROP COLUMN IF EXISTS éa;",
                "ALTER TABLE t ADD COLUMN Éa int;",
            ],
        }],
    );
}

/// The error a second run of `sql` meets on the server, as it names the table.
fn retry_error(db: fn() -> ScratchDb, sql: &str) -> String {
    let error = second_run(db, "", sql).expect_err("a second run fails");
    let line = error
        .lines()
        .find(|l| l.contains("already exists"))
        .unwrap_or_else(|| panic!("no error of an existing table: {error}"));
    line.rsplit(": ").next().unwrap_or(line).trim().to_string()
}

#[test]
fn pf101_names_the_table_as_the_server_does() {
    for (dialect, db, sql) in [
        (
            Dialect::Postgres,
            ScratchDb::postgres as fn() -> ScratchDb,
            "CREATE TABLE ÉQ (id int);\n",
        ),
        (
            Dialect::Mariadb,
            ScratchDb::mariadb,
            "CREATE TABLE Éq (id int);\n",
        ),
        (
            Dialect::Mariadb,
            ScratchDb::mariadb,
            "CREATE TABLE T (id int);\n",
        ),
    ] {
        let error = retry_error(db, sql);
        let messages: Vec<String> = retry_findings(sql, &dialect_options(dialect))
            .into_iter()
            .filter(|f| f.rule.code == "PF101")
            .map(|f| f.message)
            .collect();
        assert!(
            messages.len() == 1 && messages[0].contains(&error),
            "{dialect:?} {sql:?}: the server says {error:?}, lint {messages:?}"
        );
    }
}

/// A runner's prologue (`--before-each-run`) is read before the files: its names fold as theirs
/// do. On PostgreSQL a prologue that drops `ÉQ` frees `Éq`, one that drops `éq` does not.
#[test]
fn a_prologue_frees_a_name_as_the_server_folds_it() {
    let sql = "CREATE TABLE Éq (id int);\n";
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "m.sql", sql);
    for prologue in ["DROP TABLE IF EXISTS ÉQ;", "DROP TABLE IF EXISTS éq;"] {
        let server = second_run(ScratchDb::postgres, "", &format!("{prologue}\n{sql}"));
        let out = preflight(tmp.path())
            .args(["lint", "--format", "json", "--fail-on", "never"])
            .args(["--before-each-run", prologue, "m.sql"])
            .output()
            .unwrap();
        let lint = rule_lines(&json_findings(&out.stdout));
        assert_eq!(
            lint.contains(&("PF101".to_string(), 1)),
            server.is_err(),
            "{prologue}: lint {lint:?}, the server's second run {server:?}"
        );
    }
}
