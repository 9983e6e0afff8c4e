//! Which names are one object, as the server folds their case. PostgreSQL folds only the ASCII
//! letters of an unquoted name (`Éq` and `éq` are two tables, `ÉQ` is `Éq`); MariaDB compares
//! column names without case in every letter (`Éa` and `éa` are one column). Lint is compared
//! with the real servers at every crash point (and, on PostgreSQL, under a per-file transaction),
//! and PF101 quotes the error a retry meets.

mod common;

use common::cli::{json_findings, preflight, rule_lines, write};
use common::private_mariadb::PrivateMariaDb;
use common::retry::{
    assert_crash_points_agree, assert_mariadb_crash_points_agree, dialect_options,
    fresh_crash_point_failures, line_of, retry_findings, retry_flagged_lines, retry_mismatches,
    second_run, sqlite_run_twice, Case, RetryCase,
};
use common::ScratchDb;
use preflight::lint::LintOptions;
use preflight::sql::Dialect;
use preflight::sql::LowerCaseTableNames;
use std::sync::atomic::{AtomicU16, Ordering};

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

/// SQLite's error names the table as the statement writes it, quotes included (`table "T"
/// already exists`), and so does PF101's message.
#[test]
fn pf101_names_the_table_as_sqlite_does() {
    for sql in [
        "CREATE TABLE T (id int);\n",
        "CREATE TABLE \"T\" (id int);\n",
        "CREATE TABLE `T` (id int);\n",
    ] {
        let error = sqlite_run_twice(sql).expect_err("a second run fails");
        let error = error
            .lines()
            .find(|l| l.contains("already exists"))
            .and_then(|l| l.rsplit(": ").next())
            .unwrap_or_else(|| panic!("no error of an existing table: {error}"))
            .trim()
            .to_string();
        let messages: Vec<String> = retry_findings(sql, &dialect_options(Dialect::Sqlite))
            .into_iter()
            .filter(|f| f.rule.code == "PF101")
            .map(|f| f.message)
            .collect();
        assert!(
            messages.len() == 1 && messages[0].contains(&error),
            "{sql:?}: sqlite3 says {error:?}, lint {messages:?}"
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

/// MariaDB under `lower_case_table_names = 0` (this server's, a Linux server's default) compares
/// the names of tables, views and triggers exactly (`t` and `T` are two tables), and columns
/// without case. Lint keys them so at every crash point: a drop of `t` does not free `T`, and a
/// file that writes a table's name one way throughout is read as before.
#[test]
fn mariadb_compares_table_view_and_trigger_names_exactly_under_lower_case_table_names_0() {
    let server = ScratchDb::mariadb();
    let setting = server.query("SELECT @@lower_case_table_names");
    assert_eq!(
        setting,
        ["0"],
        "the test server compares table names exactly"
    );
    assert_mariadb_crash_points_agree(
        "CREATE TABLE q (id int);\nCREATE TABLE Old (id int);\nCREATE TABLE old (id int);\n\
         CREATE TABLE Dst (id int);\nCREATE TABLE Cs (Id int, b int);",
        &[
            Case {
                name: "a drop of t does not free T",
                statements: &["DROP TABLE IF EXISTS t;", "CREATE TABLE T (id int);"],
            },
            Case {
                name: "a drop of T frees T",
                statements: &["DROP TABLE IF EXISTS T;", "CREATE TABLE T (id int);"],
            },
            Case {
                name: "a drop of view v does not free V",
                statements: &["DROP VIEW IF EXISTS v;", "CREATE VIEW V AS SELECT 1 AS a;"],
            },
            Case {
                name: "a drop of trigger tr does not free Tr",
                statements: &[
                    "DROP TRIGGER IF EXISTS tr;",
                    "CREATE TRIGGER Tr BEFORE INSERT ON q FOR EACH ROW SET @a = 1;",
                ],
            },
            Case {
                name: "a table written Users throughout",
                statements: &[
                    "DROP TABLE IF EXISTS Users;",
                    "CREATE TABLE Users (id int);",
                    "INSERT INTO Users VALUES (1);",
                    "ALTER TABLE Users ADD COLUMN IF NOT EXISTS x int;",
                ],
            },
            Case {
                name: "columns of a mixed-case table compare without case",
                statements: &[
                    "CREATE TABLE IF NOT EXISTS T2 (id int);",
                    "ALTER TABLE T2 DROP COLUMN IF EXISTS A;",
                    "ALTER TABLE T2 ADD COLUMN a int;",
                ],
            },
            Case {
                name: "a read of Old that a later drop of Old removes",
                statements: &[
                    "INSERT INTO Dst SELECT id FROM Old;",
                    "DROP TABLE IF EXISTS Old;",
                ],
            },
            Case {
                name: "a read of Old that a later drop of old leaves",
                statements: &[
                    "INSERT INTO Dst SELECT id FROM Old;",
                    "DROP TABLE IF EXISTS old;",
                ],
            },
            Case {
                name: "a read of old that a later drop of Old leaves",
                statements: &[
                    "INSERT INTO Dst SELECT ID FROM old;",
                    "DROP TABLE IF EXISTS Old;",
                ],
            },
            Case {
                name: "a read of column B that a later drop of column b removes",
                statements: &[
                    "INSERT INTO Dst SELECT B FROM Cs;",
                    "ALTER TABLE Cs DROP COLUMN IF EXISTS b;",
                ],
            },
            Case {
                name: "a read of column id that a later drop of column ID removes",
                statements: &[
                    "INSERT INTO Dst SELECT id FROM Cs;",
                    "ALTER TABLE Cs DROP COLUMN IF EXISTS ID;",
                ],
            },
            Case {
                name: "a copy from a table Src made again without the column it reads",
                statements: &[
                    "CREATE TABLE IF NOT EXISTS Src (id int, b int);",
                    "CREATE TABLE IF NOT EXISTS Cp (id int);",
                    "INSERT INTO Cp SELECT b FROM Src;",
                    "DROP TABLE IF EXISTS Src;",
                    "CREATE TABLE IF NOT EXISTS Src (id int);",
                ],
            },
            Case {
                name: "a copy from a table Src made again with the column it reads",
                statements: &[
                    "CREATE TABLE IF NOT EXISTS Src (id int, b int);",
                    "CREATE TABLE IF NOT EXISTS Cp (id int);",
                    "INSERT INTO Cp SELECT Src.b FROM Src;",
                    "DROP TABLE IF EXISTS Src;",
                    "CREATE TABLE IF NOT EXISTS Src (id int, b int);",
                ],
            },
            Case {
                name: "a rename onto a name written in another case",
                statements: &[
                    "CREATE TABLE IF NOT EXISTS R1 (id int);",
                    "DROP TABLE IF EXISTS r2;",
                    "RENAME TABLE R1 TO R2;",
                ],
            },
        ],
    );
}

/// SQLite compares names without ASCII case whether they are quoted or not: `"T"` is `t`
/// (a drop of `t` frees it, and the file runs twice in the `sqlite3` shell), while `"É"` and
/// `"é"` are two tables.
#[test]
fn sqlite_compares_quoted_names_without_ascii_case() {
    let options = dialect_options(Dialect::Sqlite);
    for (sql, fails_at) in [
        (
            "DROP TABLE IF EXISTS t;\nCREATE TABLE \"T\" (id int);\n",
            None,
        ),
        (
            "DROP TABLE IF EXISTS \"t\";\nCREATE TABLE T (id int);\n",
            None,
        ),
        (
            "DROP TABLE IF EXISTS \"é\";\nCREATE TABLE \"É\" (id int);\n",
            Some("CREATE TABLE"),
        ),
    ] {
        let retry = sqlite_run_twice(sql);
        assert_eq!(
            retry.is_err(),
            fails_at.is_some(),
            "the second run: {retry:?}\n{sql}"
        );
        let expected: Vec<usize> = fails_at
            .map(|text| line_of(sql, text))
            .into_iter()
            .collect();
        assert_eq!(retry_flagged_lines(sql, &options), expected, "{sql}");
    }
}

/// The port of the private server [`private_db`] makes databases on.
static PRIVATE_PORT: AtomicU16 = AtomicU16::new(0);

fn private_db() -> ScratchDb {
    ScratchDb::mariadb_on(PRIVATE_PORT.load(Ordering::SeqCst))
}

/// A private MariaDB server started with `--lower-case-table-names=1` compares table and view
/// names without case: a drop of `t` frees `T`, and a drop of `old` removes the `Old` an earlier
/// statement reads. Lint, told the setting, agrees with it at every crash point. Under `2` the
/// server stores names as written and compares them in lower case, which a case-sensitive file
/// system does not allow (`mariadbd` on Linux runs it as `0`, checked below): lint is held to
/// the documented comparison, the same verdicts as under `1`.
#[test]
fn mariadb_compares_table_names_without_case_under_lower_case_table_names_1_and_2() {
    let cases = [
        Case {
            name: "a drop of t frees T",
            statements: &["DROP TABLE IF EXISTS t;", "CREATE TABLE T (id int);"],
        },
        Case {
            name: "a drop of view v frees V",
            statements: &["DROP VIEW IF EXISTS v;", "CREATE VIEW V AS SELECT 1 AS a;"],
        },
        Case {
            name: "a column added to users, which CREATE TABLE IF NOT EXISTS Users made",
            statements: &[
                "CREATE TABLE IF NOT EXISTS Users (id int);",
                "ALTER TABLE users ADD COLUMN x int;",
            ],
        },
        Case {
            name: "a read of Old that a later drop of old removes",
            statements: &[
                "INSERT INTO Dst SELECT id FROM Old;",
                "DROP TABLE IF EXISTS old;",
            ],
        },
    ];
    let setup = "CREATE TABLE Old (id int);\nCREATE TABLE Dst (id int);";
    let options = |value| LintOptions {
        lower_case_table_names: LowerCaseTableNames::from_value(value).expect("a setting"),
        ..dialect_options(Dialect::Mariadb)
    };
    let lint = |case: &Case, value| {
        let mut lines = retry_flagged_lines(&(case.statements.join("\n") + "\n"), &options(value));
        lines.dedup();
        lines
    };
    let server = PrivateMariaDb::shared(&["--lower-case-table-names=1"]);
    PRIVATE_PORT.store(server.port, Ordering::SeqCst);
    assert_eq!(private_db().query("SELECT @@lower_case_table_names"), ["1"]);
    let mut failures = Vec::new();
    for case in &cases {
        let server_lines = fresh_crash_point_failures(private_db, setup, case.statements);
        for value in [1, 2] {
            if lint(case, value) != server_lines {
                failures.push(format!(
                    "lower_case_table_names = {value}, {}: lint flags lines {:?}, the server (1) fails at {server_lines:?}",
                    case.name,
                    lint(case, value)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    let on_linux = PrivateMariaDb::shared(&["--lower-case-table-names=2"]);
    PRIVATE_PORT.store(on_linux.port, Ordering::SeqCst);
    assert_eq!(
        private_db().query("SELECT @@lower_case_table_names"),
        ["0"],
        "a server on a case-sensitive file system runs 2 as 0"
    );
}

/// The port of the private server with `lower_case_table_names = 1` that
/// [`a_catalog_check_compares_a_table_name_as_the_server_does`] uses (not [`PRIVATE_PORT`],
/// which another test points at a second server).
static FOLDING_PORT: AtomicU16 = AtomicU16::new(0);

/// A block that runs `statement` when `information_schema.{check}` finds no row.
fn catalog_guarded(check: &str, statement: &str) -> String {
    format!(
        "DELIMITER //\nBEGIN NOT ATOMIC\n\
         IF NOT EXISTS (SELECT 1 FROM information_schema.{check}) THEN\n\
         {statement}\nEND IF;\nEND //\nDELIMITER ;\n"
    )
}

/// Under `lower_case_table_names = 0` MariaDB 10.11's `information_schema` compares a table's
/// name with `=` or `IN (…)` with case, though the column's collation is `utf8mb3_general_ci`:
/// `table_name = 'Users'` never finds `users`, so the block creates it again on a retry and
/// fails. `LIKE` and `lower(…)` find it, and column names compare without case. Under 1 every
/// such check finds the table. Lint, told the setting, agrees with both servers.
#[test]
fn a_catalog_check_compares_a_table_name_as_the_server_does() {
    let tables = "tables WHERE table_schema = DATABASE() AND";
    let columns = "columns WHERE table_schema = DATABASE() AND";
    let create = "CREATE TABLE users (id int);";
    let add = "ALTER TABLE users ADD COLUMN x int;";
    // (name, check, statement, whether the retry fails under 0)
    let cases: [(&'static str, String, &str, bool); 9] = [
        (
            "=, another case",
            format!("{tables} table_name = 'Users'"),
            create,
            true,
        ),
        (
            "=, the same case",
            format!("{tables} table_name = 'users'"),
            create,
            false,
        ),
        (
            "IN, another case",
            format!("{tables} table_name IN ('Users')"),
            create,
            true,
        ),
        (
            "= reversed",
            format!("{tables} 'Users' = table_name"),
            create,
            true,
        ),
        (
            "qualified",
            format!("{tables} tables.table_name = 'Users'"),
            create,
            true,
        ),
        (
            "LIKE",
            format!("{tables} table_name LIKE 'Users'"),
            create,
            false,
        ),
        (
            "lower()",
            format!("{tables} lower(table_name) = 'users'"),
            "CREATE TABLE Users (id int);",
            false,
        ),
        (
            "a column's table in another case",
            format!("{columns} table_name = 'Users' AND column_name = 'x'"),
            add,
            true,
        ),
        (
            "a column in another case",
            format!("{columns} table_name = 'users' AND column_name = 'X'"),
            add,
            false,
        ),
    ];
    let retry_cases = |exact: bool| -> Vec<RetryCase> {
        cases
            .iter()
            .map(|(name, check, statement, fails)| {
                let block = catalog_guarded(check, statement);
                let (sql, at) = match *statement == add {
                    // The table the column is added to is there on the first run.
                    true => (
                        format!("CREATE TABLE IF NOT EXISTS users (id int);\n{block}"),
                        "ADD COLUMN",
                    ),
                    false => (block, "CREATE TABLE"),
                };
                RetryCase {
                    name,
                    sql,
                    fails_at: (exact && *fails).then_some(at),
                }
            })
            .collect()
    };
    let mut failures = retry_mismatches(
        &retry_cases(true),
        &dialect_options(Dialect::Mariadb),
        ScratchDb::mariadb,
        "",
    );
    let options = LintOptions {
        lower_case_table_names: LowerCaseTableNames::Lower,
        ..dialect_options(Dialect::Mariadb)
    };
    let server = PrivateMariaDb::shared(&["--lower-case-table-names=1"]);
    FOLDING_PORT.store(server.port, Ordering::SeqCst);
    let folding_db = || ScratchDb::mariadb_on(FOLDING_PORT.load(Ordering::SeqCst));
    assert_eq!(folding_db().query("SELECT @@lower_case_table_names"), ["1"]);
    failures.extend(
        retry_mismatches(&retry_cases(false), &options, folding_db, "")
            .into_iter()
            .map(|f| format!("lower_case_table_names = 1: {f}")),
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `DROP TABLE IF EXISTS Users; CREATE TABLE Users (id int); ALTER TABLE users ADD COLUMN x int`
/// next to a table `users`: under `lower_case_table_names = 0` the drop and the creation are
/// another table's, and the retry fails at the ADD with 1060 (MariaDB 10.11); under 1 the ADD
/// is to the table made right before it, and the file runs twice. PF108 says why under 0.
#[test]
fn pf108_notes_a_table_the_file_names_in_another_case() {
    let sql = "DROP TABLE IF EXISTS Users;\nCREATE TABLE Users (id int);\n\
               ALTER TABLE users ADD COLUMN x int;\n";
    let setup = "CREATE TABLE IF NOT EXISTS users (id int);";
    let retry = second_run(ScratchDb::mariadb, setup, sql);
    assert!(
        retry.as_ref().is_err_and(|e| e.contains("1060")),
        "the retry under 0: {retry:?}"
    );
    let findings = retry_findings(sql, &dialect_options(Dialect::Mariadb));
    let pf108: Vec<_> = findings.iter().filter(|f| f.rule.code == "PF108").collect();
    assert_eq!(pf108.len(), 1, "{findings:#?}");
    assert!(
        pf108[0].notes.iter().any(|n| n.contains(
            "the file also names table `Users`: under lower_case_table_names = 0 the server compares table names with case, so that is another table than `users`"
        )),
        "{:?}",
        pf108[0].notes
    );
    let server = PrivateMariaDb::shared(&["--lower-case-table-names=1"]);
    FOLDING_PORT.store(server.port, Ordering::SeqCst);
    let folding_db = || ScratchDb::mariadb_on(FOLDING_PORT.load(Ordering::SeqCst));
    assert_eq!(second_run(folding_db, setup, sql), Ok(()));
    let options = LintOptions {
        lower_case_table_names: LowerCaseTableNames::Lower,
        ..dialect_options(Dialect::Mariadb)
    };
    assert_eq!(retry_findings(sql, &options).len(), 0);
    // A file that writes the table one way throughout gets no such note.
    let same = sql.replace("users", "Users");
    let findings = retry_findings(
        &format!("{same}ALTER TABLE Users ADD COLUMN y int;\n"),
        &dialect_options(Dialect::Mariadb),
    );
    assert!(
        findings
            .iter()
            .all(|f| f.notes.iter().all(|n| !n.contains("also names table"))),
        "{findings:#?}"
    );
}

/// `IF NOT EXISTS (SELECT 1 FROM Users WHERE id = 1) THEN INSERT INTO users …` next to a table
/// `users`: under `lower_case_table_names = 0` the check reads another table's rows, so a
/// re-run inserts the row again (MariaDB 10.11: two rows), and PF119 says so; under 1 the check
/// finds the row and the re-run adds none.
#[test]
fn a_row_check_of_a_table_in_another_case_does_not_guard_an_insert_under_0() {
    let sql = "DELIMITER //\nBEGIN NOT ATOMIC\n\
               IF NOT EXISTS (SELECT 1 FROM Users WHERE id = 1) THEN\n\
               INSERT INTO users (id) VALUES (1);\nEND IF;\nEND //\nDELIMITER ;\n";
    let rows_after_two_runs = |db: ScratchDb, setup: &str| {
        db.exec(setup);
        db.exec(sql);
        db.exec(sql);
        db.query("SELECT count(*) FROM users")
    };
    let exact = rows_after_two_runs(
        ScratchDb::mariadb(),
        "CREATE TABLE users (id int); CREATE TABLE Users (id int);",
    );
    assert_eq!(exact, ["2"], "under 0 the re-run inserts again");
    let pf119 = |options: &LintOptions| {
        retry_findings(sql, options)
            .iter()
            .filter(|f| f.rule.code == "PF119")
            .count()
    };
    assert_eq!(pf119(&dialect_options(Dialect::Mariadb)), 1);
    let server = PrivateMariaDb::shared(&["--lower-case-table-names=1"]);
    FOLDING_PORT.store(server.port, Ordering::SeqCst);
    let folding = ScratchDb::mariadb_on(FOLDING_PORT.load(Ordering::SeqCst));
    assert_eq!(
        rows_after_two_runs(folding, "CREATE TABLE users (id int);"),
        ["1"]
    );
    let options = LintOptions {
        lower_case_table_names: LowerCaseTableNames::Lower,
        ..dialect_options(Dialect::Mariadb)
    };
    assert_eq!(pf119(&options), 0);
}
