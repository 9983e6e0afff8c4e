//! A MySQL/MariaDB `DECLARE CONTINUE|EXIT HANDLER` guards a statement only when the statement is
//! in its scope (after it, in the `BEGIN … END` block that declares it, nested blocks included,
//! its own body not) and it catches the error the statement's second run raises. Each case runs
//! twice on the real MariaDB, and lint must flag exactly the statement whose second run fails.

mod common;

use common::retry::{dialect_options, line_of, retry_findings, retry_flagged_lines, run_twice};
use common::ScratchDb;
use preflight::sql::Dialect;

const SETUP: &str = "CREATE TABLE parent (id INT PRIMARY KEY);
CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT, p INT, q INT,
  CONSTRAINT fk_old FOREIGN KEY (q) REFERENCES parent (id));
CREATE INDEX i_old ON t (a);
CREATE TABLE u (k INT UNIQUE);
CREATE TABLE nopk (id INT);
CREATE TABLE r1 (id INT);
CREATE TABLE tper (id INT, s DATE, e DATE, a INT);
CREATE VIEW v AS SELECT 1 AS one;
CREATE SEQUENCE sq;";

/// `body` as MariaDB's anonymous block.
fn block(body: &str) -> String {
    format!("DELIMITER //\nBEGIN NOT ATOMIC\n{body}\nEND //\nDELIMITER ;\n")
}

/// `body` as a procedure's, created and called.
fn procedure(body: &str) -> String {
    format!(
        "DELIMITER //\nCREATE OR REPLACE PROCEDURE p_case() BEGIN\n{body}\nEND //\nDELIMITER ;\n\
         CALL p_case();\n"
    )
}

/// The error number and SQLSTATE of a client's error output (`ERROR 1050 (42S01) at line 1: …`).
fn error_code(stderr: &str) -> (String, String) {
    let rest = stderr
        .split("ERROR ")
        .nth(1)
        .unwrap_or_else(|| panic!("no error in {stderr}"));
    let number: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let state = rest
        .split_once('(')
        .and_then(|(_, s)| s.split_once(')'))
        .map(|(s, _)| s.to_string())
        .unwrap_or_else(|| panic!("no SQLSTATE in {stderr}"));
    (number, state)
}

/// Runs `sql` twice on a fresh database (after [`SETUP`]) and checks that lint flags the line
/// of `failing` (the statement that must fail) exactly when the second run fails, and that the
/// server agrees with `failing`.
/// `{db}` in `sql` and `failing` stands for the scratch database's name (a database a case
/// creates is named after it, and dropped with it).
fn assert_flags_match_retry(name: &str, sql: &str, failing: Option<&str>) {
    let db = ScratchDb::mariadb();
    let sql = &sql.replace("{db}", &db.name);
    let failing = failing.map(|f| f.replace("{db}", &db.name));
    db.exec(SETUP);
    let retry = run_twice(&db, sql);
    drop_created_database(&db);
    assert_eq!(
        retry.is_err(),
        failing.is_some(),
        "{name}: the server's verdict on a second run: {retry:?}\n{sql}"
    );
    let expected: Vec<usize> = failing.map(|f| line_of(sql, &f)).into_iter().collect();
    assert_eq!(
        retry_flagged_lines(sql, &dialect_options(Dialect::Mariadb)),
        expected,
        "{name}: lint's flags (second run: {retry:?})\n{sql}"
    );
}

/// Drops the database a case names `{db}_created`, whatever happened.
fn drop_created_database(db: &ScratchDb) {
    let _ = db.try_exec(&format!("DROP DATABASE IF EXISTS `{}_created`", db.name));
}

/// One statement of each kind whose second run fails (after [`SETUP`]).
const STATEMENTS: &[&str] = &[
    "CREATE TABLE x (id INT);",
    "CREATE TABLE x2 AS SELECT 1 AS one;",
    "CREATE INDEX i ON t (a);",
    "ALTER TABLE t ADD INDEX i2 (a);",
    "ALTER TABLE t ADD CONSTRAINT uq UNIQUE (b);",
    "ALTER TABLE t ADD COLUMN c INT;",
    "ALTER TABLE t DROP COLUMN b;",
    "ALTER TABLE t DROP INDEX i_old;",
    "DROP INDEX i_old ON t;",
    "ALTER TABLE nopk ADD PRIMARY KEY (id);",
    "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (p) REFERENCES parent (id);",
    "ALTER TABLE t ADD CONSTRAINT ck CHECK (a > 0);",
    "ALTER TABLE t DROP FOREIGN KEY fk_old;",
    "DROP TABLE r1;",
    "DROP VIEW v;",
    "CREATE VIEW v2 AS SELECT 1 AS one;",
    "CREATE SEQUENCE sq2;",
    "DROP SEQUENCE sq;",
    "CREATE DATABASE `{db}_created`;",
    "INSERT INTO u (k) VALUES (1);",
    "RENAME TABLE r1 TO r1b;",
    "ALTER TABLE r1 RENAME TO r1c;",
    "ALTER TABLE t RENAME COLUMN a TO a2;",
    "ALTER TABLE t CHANGE b b2 INT;",
    "ALTER TABLE t RENAME INDEX i_old TO i_new;",
];

/// For each statement: the error its second run raises on MariaDB; then, behind a handler for
/// that number, for that SQLSTATE, for SQLEXCEPTION (each must survive a retry), for another
/// number and for SQLWARNING (each must fail), in a block and in a called procedure, lint flags
/// it exactly when the server fails the retry.
#[test]
fn a_handler_guards_a_statement_exactly_when_it_catches_its_retry_error_on_mariadb() {
    for statement in STATEMENTS {
        let db = ScratchDb::mariadb();
        let alone = statement.replace("{db}", &db.name);
        db.exec(SETUP);
        let retry = run_twice(&db, &alone);
        drop_created_database(&db);
        drop(db);
        let (number, state) = error_code(&retry.expect_err(statement));
        // Another error a retry of DDL raises, and one of the same SQLSTATE when it has one.
        let other = if number == "1050" { "1060" } else { "1050" };
        let handlers = [
            (number.clone(), true),
            (format!("SQLSTATE '{state}'"), true),
            ("SQLEXCEPTION".to_string(), true),
            (other.to_string(), false),
            ("SQLWARNING, NOT FOUND".to_string(), false),
        ];
        for (condition, guards) in handlers {
            let body = format!("DECLARE CONTINUE HANDLER FOR {condition} BEGIN END;\n{statement}");
            let failing = (!guards).then_some(*statement);
            let name = format!("{statement} under a handler for {condition} ({number}, {state})");
            assert_flags_match_retry(&name, &block(&body), failing);
            assert_flags_match_retry(&name, &procedure(&body), failing);
        }
    }
}

/// (name, body, the statement whose second run fails).
fn scope_cases() -> Vec<(&'static str, &'static str, Option<&'static str>)> {
    vec![
        (
            "handler_of_a_nested_block_before",
            "BEGIN\n  DECLARE CONTINUE HANDLER FOR 1060 BEGIN END;\n  SELECT 1;\nEND;\n\
             ALTER TABLE t ADD COLUMN c_after INT;",
            Some("ALTER TABLE t ADD COLUMN c_after"),
        ),
        (
            "handler_of_the_nested_block_around_it",
            "BEGIN\n  DECLARE CONTINUE HANDLER FOR 1060 BEGIN END;\n  \
             ALTER TABLE t ADD COLUMN c_inside INT;\nEND;",
            None,
        ),
        (
            "exit_handler_of_the_enclosing_block",
            "DECLARE EXIT HANDLER FOR 1061 BEGIN END;\nBEGIN\n  CREATE INDEX i_outer ON t (a);\nEND;",
            None,
        ),
        (
            "handler_of_a_later_nested_block",
            "CREATE TABLE x_before (id INT);\nBEGIN\n  \
             DECLARE CONTINUE HANDLER FOR 1050 BEGIN END;\n  SELECT 1;\nEND;",
            Some("CREATE TABLE x_before"),
        ),
        (
            "wrong_code",
            "DECLARE CONTINUE HANDLER FOR 1060 BEGIN END;\nCREATE TABLE x_wrong (id INT);",
            Some("CREATE TABLE x_wrong"),
        ),
        (
            "a_code_another_statement_raises",
            "DECLARE CONTINUE HANDLER FOR 1051 BEGIN END;\nRENAME TABLE r1 TO r1_renamed;",
            Some("RENAME TABLE r1"),
        ),
        (
            "foreign_key_under_mysqls_code",
            "DECLARE CONTINUE HANDLER FOR 1826 BEGIN END;\n\
             ALTER TABLE t ADD CONSTRAINT fk_p FOREIGN KEY (p) REFERENCES parent (id);",
            Some("ALTER TABLE t ADD CONSTRAINT fk_p"),
        ),
        (
            "named_condition",
            "DECLARE dup_key CONDITION FOR 1061;\n\
             DECLARE EXIT HANDLER FOR dup_key BEGIN END;\nALTER TABLE t ADD INDEX i_named (a);",
            None,
        ),
        (
            "named_condition_for_another_error",
            "DECLARE dup_col CONDITION FOR SQLSTATE '42S21';\n\
             DECLARE EXIT HANDLER FOR dup_col BEGIN END;\nALTER TABLE t ADD INDEX i_named (a);",
            Some("ALTER TABLE t ADD INDEX i_named"),
        ),
        (
            "named_condition_of_the_enclosing_block",
            "DECLARE dup_key CONDITION FOR SQLSTATE '42000';\nBEGIN\n  \
             DECLARE CONTINUE HANDLER FOR dup_key BEGIN END;\n  CREATE INDEX i_cond ON t (a);\nEND;",
            None,
        ),
        (
            // The handler's own body is not in its scope, nor in that of the block's other
            // handlers: the second run's CREATE TABLE t calls it, and its ADD COLUMN fails.
            "handler_body",
            "DECLARE CONTINUE HANDLER FOR 1060 BEGIN END;\n\
             DECLARE CONTINUE HANDLER FOR 1050 BEGIN\n  ALTER TABLE t ADD COLUMN c_body INT;\nEND;\n\
             CREATE TABLE t (id INT);",
            Some("ALTER TABLE t ADD COLUMN c_body"),
        ),
        (
            // A handler of the enclosing block catches what a nested block's handler raises.
            "handler_body_under_the_enclosing_block",
            "DECLARE CONTINUE HANDLER FOR 1060 BEGIN END;\nBEGIN\n  \
             DECLARE CONTINUE HANDLER FOR 1050 BEGIN\n    ALTER TABLE t ADD COLUMN c_body INT;\n  END;\n  \
             CREATE TABLE t (id INT);\nEND;",
            None,
        ),
        (
            "sqlexception_in_a_loop",
            "DECLARE n INT DEFAULT 0;\nDECLARE CONTINUE HANDLER FOR SQLEXCEPTION BEGIN END;\n\
             WHILE n < 1 DO\n  CREATE TABLE x_loop (id INT);\n  SET n = n + 1;\nEND WHILE;",
            None,
        ),
        (
            "resignal",
            "DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN\n  ROLLBACK;\n  RESIGNAL;\nEND;\n\
             CREATE TABLE x_resignal (id INT);",
            Some("CREATE TABLE x_resignal"),
        ),
        (
            "resignal_that_does_not_run",
            "DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN\n  IF @never THEN RESIGNAL; END IF;\nEND;\n\
             CREATE TABLE x_resignal (id INT);",
            None,
        ),
        (
            // A handler whose statement is an IF holding another IF: its scope starts after
            // the outer `END IF`, so the CREATE TABLE in its body is not caught by it.
            "handler_body_an_if_around_an_if",
            "DECLARE CONTINUE HANDLER FOR 1050 IF 1 THEN\n  IF 1 THEN SET @x = 1; END IF;\n  \
             CREATE TABLE x_nested_if (id INT);\nEND IF;\nCREATE TABLE t (id INT);",
            Some("CREATE TABLE x_nested_if"),
        ),
        (
            // A row comparison is an IF statement, not MySQL's IF(a, b, c): the handler's
            // scope starts after its END IF, so the CREATE TABLE in its body is not caught.
            "handler_body_a_row_comparison_if",
            "DECLARE CONTINUE HANDLER FOR 1050 IF (1, 2) = (1, 2) THEN\n  \
             CREATE TABLE x_row_if (id INT);\nEND IF;\nCREATE TABLE t (id INT);",
            Some("CREATE TABLE x_row_if"),
        ),
        (
            "after_a_handler_body_a_row_comparison_if",
            "DECLARE CONTINUE HANDLER FOR 1050 IF (1, 2) = (1, 2) THEN\n  SET @x = 1;\n\
             END IF;\nCREATE TABLE t (id INT);\nCREATE TABLE x_after_row_if (id INT);",
            None,
        ),
        (
            "handler_body_a_row_comparison_while",
            "DECLARE n INT DEFAULT 0;\n\
             DECLARE CONTINUE HANDLER FOR 1050 WHILE (n, 0) = (0, 0) DO\n  \
             CREATE TABLE x_row_while (id INT);\n  SET n = 1;\nEND WHILE;\nCREATE TABLE t (id INT);",
            Some("CREATE TABLE x_row_while"),
        ),
        (
            "handler_body_a_while_around_a_while",
            "DECLARE n INT DEFAULT 0;\nDECLARE m INT DEFAULT 0;\n\
             DECLARE CONTINUE HANDLER FOR 1050 WHILE n = 0 DO\n  \
             WHILE m = 0 DO SET m = 1; END WHILE;\n  CREATE TABLE x_nested_while (id INT);\n  \
             SET n = 1;\nEND WHILE;\nCREATE TABLE t (id INT);",
            Some("CREATE TABLE x_nested_while"),
        ),
        (
            "handler_body_a_case_around_a_case",
            "DECLARE CONTINUE HANDLER FOR 1050 CASE WHEN 1 THEN\n  \
             CASE WHEN 1 THEN SET @x = 1; END CASE;\n  CREATE TABLE x_nested_case (id INT);\n\
             END CASE;\nCREATE TABLE t (id INT);",
            Some("CREATE TABLE x_nested_case"),
        ),
        (
            "handler_body_a_labelled_loop_around_a_repeat_and_if_function",
            "DECLARE CONTINUE HANDLER FOR 1050 lbl: LOOP\n  SET @y = IF(1, 2, 3);\n  \
             REPEAT SET @x = 1; UNTIL 1 END REPEAT;\n  CREATE TABLE x_nested_loop (id INT);\n  \
             LEAVE lbl;\nEND LOOP lbl;\nCREATE TABLE t (id INT);",
            Some("CREATE TABLE x_nested_loop"),
        ),
        (
            // The statements after such a handler are in its scope.
            "after_a_handler_body_an_if_around_an_if",
            "DECLARE CONTINUE HANDLER FOR 1050 IF 1 THEN\n  IF 1 THEN SET @x = 1; END IF;\n\
             END IF;\nCREATE TABLE t (id INT);\nCREATE TABLE x_after_if (id INT);",
            None,
        ),
        (
            // MariaDB's `CHANGE COLUMN IF EXISTS` only notes the missing column on a second
            // run (1054 as a note): the ALTER fails there on its ADD COLUMN alone (1060), which
            // a handler for 1054 does not catch.
            "change_if_exists_raises_nothing",
            "DECLARE CONTINUE HANDLER FOR 1054 BEGIN END;\n\
             ALTER TABLE t ADD COLUMN c_changed INT, CHANGE COLUMN IF EXISTS a a_changed INT;",
            Some("ALTER TABLE t ADD COLUMN c_changed"),
        ),
        (
            // A `MODIFY` (or a `CHANGE` that keeps the name) finds its column again on a second
            // run and raises nothing: the ALTER fails on its ADD COLUMN alone (1060), which a
            // handler for 1054 does not catch.
            "modify_raises_nothing",
            "DECLARE CONTINUE HANDLER FOR 1054 BEGIN END;\n\
             ALTER TABLE t ADD COLUMN c_modified INT, MODIFY a BIGINT;",
            Some("ALTER TABLE t ADD COLUMN c_modified"),
        ),
        (
            "change_keeping_the_name_raises_nothing",
            "DECLARE CONTINUE HANDLER FOR 1054 BEGIN END;\n\
             ALTER TABLE t ADD COLUMN c_kept INT, CHANGE COLUMN a a BIGINT;",
            Some("ALTER TABLE t ADD COLUMN c_kept"),
        ),
        (
            "modify_beside_an_add_caught_as_a_duplicate_column",
            "DECLARE CONTINUE HANDLER FOR 1060 BEGIN END;\n\
             ALTER TABLE t ADD COLUMN c_modified INT, MODIFY a BIGINT;",
            None,
        ),
        (
            "not_found",
            "DECLARE CONTINUE HANDLER FOR NOT FOUND BEGIN END;\nCREATE TABLE x_not_found (id INT);",
            Some("CREATE TABLE x_not_found"),
        ),
    ]
}

#[test]
fn a_handler_guards_only_the_statements_in_its_scope_on_mariadb() {
    for (name, body, failing) in scope_cases() {
        assert_flags_match_retry(name, &block(body), failing);
        assert_flags_match_retry(name, &procedure(body), failing);
    }
}

/// A duplicate column is reported before a duplicate key, whatever the actions' order: a
/// handler for 1061 alone does not catch the second run's 1060, and the ALTER is flagged; one
/// for 1060 does, and it is not.
#[test]
fn a_duplicate_column_is_reported_before_a_duplicate_key_on_mariadb() {
    for (handler, fails) in [(1061, true), (1060, false)] {
        let sql = block(&format!(
            "DECLARE CONTINUE HANDLER FOR {handler} BEGIN END;\n\
             ALTER TABLE t ADD INDEX i_dk (a), ADD COLUMN c_dk INT;"
        ));
        let db = ScratchDb::mariadb();
        db.exec(SETUP);
        let retry = run_twice(&db, &sql);
        assert_eq!(retry.is_err(), fails, "{handler}: {retry:?}\n{sql}");
        if fails {
            assert_eq!(error_code(&format!("{retry:?}")).0, "1060", "{retry:?}");
        }
        let mut flagged = retry_flagged_lines(&sql, &dialect_options(Dialect::Mariadb));
        flagged.dedup();
        let expected: Vec<usize> = if fails {
            vec![line_of(&sql, "ALTER TABLE t")]
        } else {
            vec![]
        };
        assert_eq!(flagged, expected, "{handler}\n{sql}");
    }
}

/// A handler around a CALL guards the called body against what it catches only.
#[test]
fn a_handler_around_a_call_guards_the_called_body_against_its_error_only_on_mariadb() {
    let file = |condition: &str| {
        format!(
            "DELIMITER //\nCREATE OR REPLACE PROCEDURE add_i() BEGIN\n\
             ALTER TABLE t ADD INDEX t_i (a);\nEND //\nBEGIN NOT ATOMIC\n\
             DECLARE CONTINUE HANDLER FOR {condition} BEGIN END;\nCALL add_i();\nEND //\n\
             DELIMITER ;\n"
        )
    };
    assert_flags_match_retry("call_under_1061", &file("1061"), None);
    assert_flags_match_retry(
        "call_under_1060",
        &file("1060"),
        Some("ALTER TABLE t ADD INDEX t_i"),
    );
}

/// When several actions of an ALTER fail on its second run, MariaDB reports one error, the same
/// whatever their order (but for keys: in their order): (the ALTER, the error it fails with,
/// another error an action of it raises). Under a handler for the other error the second run
/// fails with the first, and lint flags the ALTER; under one for the first it passes, and lint
/// flags nothing.
fn reported_first_cases() -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        (
            "ALTER TABLE t DROP COLUMN b, ADD COLUMN c_x INT;",
            "1091",
            "1060",
        ),
        (
            "ALTER TABLE t ADD COLUMN c_x INT, DROP COLUMN b;",
            "1091",
            "1060",
        ),
        (
            "ALTER TABLE t DROP INDEX i_old, ADD INDEX i_x (p);",
            "1091",
            "1061",
        ),
        (
            "ALTER TABLE t ADD INDEX i_x (p), DROP INDEX i_old;",
            "1091",
            "1061",
        ),
        (
            "ALTER TABLE t CHANGE a a_x INT, ADD COLUMN c_x INT;",
            "1054",
            "1060",
        ),
        (
            "ALTER TABLE t ADD COLUMN c_x INT, CHANGE a a_x INT;",
            "1054",
            "1060",
        ),
        (
            "ALTER TABLE t RENAME COLUMN a TO a_x, ADD INDEX i_x (p);",
            "1054",
            "1061",
        ),
        (
            "ALTER TABLE t ADD INDEX i_x (p), RENAME COLUMN a TO a_x;",
            "1054",
            "1061",
        ),
        (
            "ALTER TABLE t CHANGE a a_x INT, DROP COLUMN b;",
            "1054",
            "1091",
        ),
        (
            "ALTER TABLE t DROP COLUMN b, CHANGE a a_x INT;",
            "1054",
            "1091",
        ),
        (
            "ALTER TABLE t RENAME INDEX i_old TO i_x, ADD COLUMN c_x INT;",
            "1176",
            "1060",
        ),
        (
            "ALTER TABLE t ADD COLUMN c_x INT, RENAME INDEX i_old TO i_x;",
            "1176",
            "1060",
        ),
        (
            "ALTER TABLE t DROP COLUMN b, RENAME INDEX i_old TO i_x;",
            "1091",
            "1176",
        ),
        (
            "ALTER TABLE nopk ADD PRIMARY KEY (id), ADD INDEX i_x (id);",
            "1068",
            "1061",
        ),
        (
            "ALTER TABLE nopk ADD INDEX i_x (id), ADD PRIMARY KEY (id);",
            "1061",
            "1068",
        ),
        (
            "ALTER TABLE t ADD INDEX i_x (p), ADD CONSTRAINT ck_x CHECK (a > 0);",
            "1061",
            "1826",
        ),
        (
            "ALTER TABLE t ADD CONSTRAINT fk_x FOREIGN KEY (p) REFERENCES parent (id), \
             ADD CONSTRAINT ck_x CHECK (a > 0);",
            "1826",
            "1005",
        ),
        (
            "ALTER TABLE tper ADD PERIOD FOR ap (s, e), DROP COLUMN a;",
            "4154",
            "1091",
        ),
        (
            "ALTER TABLE tper DROP COLUMN a, ADD PERIOD FOR ap (s, e);",
            "4154",
            "1091",
        ),
        (
            "ALTER TABLE t ADD COLUMN c_x INT, RENAME TO t_x;",
            "1146",
            "1060",
        ),
    ]
}

#[test]
fn the_error_mariadb_reports_first_is_the_one_a_handler_must_catch() {
    for (alter, first, other) in reported_first_cases() {
        for (handler, fails) in [(other, true), (first, false)] {
            let name = format!("{alter} under a handler for {handler}");
            let sql = block(&format!(
                "DECLARE CONTINUE HANDLER FOR {handler} BEGIN END;\n{alter}"
            ));
            let db = ScratchDb::mariadb();
            db.exec(SETUP);
            let retry = run_twice(&db, &sql);
            assert_eq!(retry.is_err(), fails, "{name}: {retry:?}");
            if fails {
                assert_eq!(
                    error_code(&format!("{retry:?}")).0,
                    first,
                    "{name}: {retry:?}"
                );
            }
            let mut flagged = retry_flagged_lines(&sql, &dialect_options(Dialect::Mariadb));
            flagged.dedup();
            let expected: Vec<usize> = if fails {
                vec![line_of(&sql, alter)]
            } else {
                vec![]
            };
            assert_eq!(flagged, expected, "{name}: lint's flags ({retry:?})");
        }
    }
}

/// A statement of a block that reads what a later statement of the file removes fails on a
/// second run with 1146 (a table), 1054 (a column) or 1072 (a column of a key it adds): a
/// handler around it that catches that error keeps the second run going, and PF123 flags it
/// only when none does. (name, file, the statement whose second run fails), the block's body
/// `wrap`ped ([`block`], [`procedure`]).
fn read_removed_cases(
    wrap: fn(&str) -> String,
) -> Vec<(&'static str, String, Option<&'static str>)> {
    let column = |condition: &str, statement: &str| {
        format!(
            "CREATE TABLE IF NOT EXISTS t2 (id INT, p INT);\n{}ALTER TABLE t2 DROP COLUMN IF EXISTS p;\n",
            wrap(&format!(
                "DECLARE CONTINUE HANDLER FOR {condition} BEGIN END;\n{statement}"
            ))
        )
    };
    let table = |condition: &str| {
        format!(
            "{}DROP TABLE IF EXISTS r1;\n",
            wrap(&format!(
                "DECLARE CONTINUE HANDLER FOR {condition} BEGIN END;\nUPDATE r1 SET id = 1;"
            ))
        )
    };
    let modify = "ALTER TABLE t2 MODIFY p BIGINT;";
    let index = "CREATE INDEX t2_p ON t2 (p);";
    vec![
        ("modify_under_1054", column("1054", modify), None),
        (
            "modify_under_42S22",
            column("SQLSTATE '42S22'", modify),
            None,
        ),
        (
            "modify_under_sqlexception",
            column("SQLEXCEPTION", modify),
            None,
        ),
        (
            "modify_under_1060",
            column("1060", modify),
            Some("ALTER TABLE t2 MODIFY"),
        ),
        ("index_under_1072", column("1072, 1061", index), None),
        (
            "index_under_1054",
            column("1054, 1061", index),
            Some("CREATE INDEX t2_p"),
        ),
        ("update_under_1146", table("1146"), None),
        ("update_under_1054", table("1054"), Some("UPDATE r1")),
    ]
}

#[test]
fn a_handler_for_what_a_read_of_a_removed_object_raises_keeps_it_from_failing_on_mariadb() {
    for wrap in [block, procedure] {
        for (name, sql, failing) in read_removed_cases(wrap) {
            assert_flags_match_retry(name, &sql, failing);
        }
    }
}

/// A handler around a CALL keeps the called body's read of a column the file drops later from
/// failing when it catches 1054, not when it catches another error.
#[test]
fn a_handler_around_a_call_keeps_a_read_of_a_removed_column_from_failing_on_mariadb() {
    let file = |condition: &str| {
        format!(
            "CREATE TABLE IF NOT EXISTS t2 (id INT, p INT);\nDELIMITER //\n\
             CREATE OR REPLACE PROCEDURE mod_p() BEGIN\nALTER TABLE t2 MODIFY p BIGINT;\nEND //\n\
             BEGIN NOT ATOMIC\nDECLARE CONTINUE HANDLER FOR {condition} BEGIN END;\n\
             CALL mod_p();\nEND //\nDELIMITER ;\nALTER TABLE t2 DROP COLUMN IF EXISTS p;\n"
        )
    };
    assert_flags_match_retry("call_under_1054", &file("1054"), None);
    assert_flags_match_retry(
        "call_under_1060",
        &file("1060"),
        Some("ALTER TABLE t2 MODIFY"),
    );
}

/// Runs `file` on a fresh database set up with `setup` after each crash point (the state after `units[..k]`, k =
/// 1..=units.len(), each unit a statement that commits as it runs: MariaDB's DDL commits
/// implicitly, inside a block or a procedure too, so a crash can stop between any two of a
/// body's statements) and checks that lint flags the line of `failing` exactly when some such
/// retry fails, and that the server agrees with `failing`. The last crash point, after every
/// unit, is the plain second run. The server's errors are returned, by crash point.
fn assert_flags_match_crash_points(
    name: &str,
    setup: &str,
    units: &[String],
    file: &str,
    failing: Option<&str>,
) -> Vec<Option<String>> {
    let errors: Vec<Option<String>> = (1..=units.len())
        .map(|k| {
            let db = ScratchDb::mariadb();
            db.exec(setup);
            db.exec(&units[..k].concat());
            db.try_exec(file).err().map(|e| error_code(&e).0)
        })
        .collect();
    assert_eq!(
        errors.iter().any(Option::is_some),
        failing.is_some(),
        "{name}: the server's errors after each crash point: {errors:?}\n{file}"
    );
    let mut flagged = retry_flagged_lines(file, &dialect_options(Dialect::Mariadb));
    flagged.sort_unstable();
    flagged.dedup();
    let expected: Vec<usize> = failing.map(|f| line_of(file, f)).into_iter().collect();
    assert_eq!(
        flagged, expected,
        "{name}: lint's flags (errors after each crash point: {errors:?})\n{file}"
    );
    errors
}

/// Once the file dropped the column a `MODIFY` changes in place, the ALTER's full second run
/// fails with that 1054 before its other actions' errors (1060 here), but a crash between the
/// ALTER and the drop leaves the column there, and that retry fails with 1060: a handler must
/// catch both (PF108 flags the ADD COLUMN under 1054 alone, PF123 the read under 1060 alone),
/// in a block and in a called procedure, at every crash point.
#[test]
fn a_modify_of_a_column_dropped_later_fails_first_on_mariadb() {
    for wrap in [block, procedure] {
        a_modify_of_a_column_dropped_later_fails_first(wrap);
    }
}

/// [`a_modify_of_a_column_dropped_later_fails_first_on_mariadb`], the block's body `wrap`ped.
fn a_modify_of_a_column_dropped_later_fails_first(wrap: fn(&str) -> String) {
    let create = "CREATE TABLE IF NOT EXISTS t2 (id INT, p INT);\n";
    let alter = "ALTER TABLE t2 ADD COLUMN c INT, MODIFY p BIGINT;\n";
    let drop = "ALTER TABLE t2 DROP COLUMN IF EXISTS p;\n";
    let given_back =
        "ALTER TABLE t2 DROP COLUMN IF EXISTS p;\nALTER TABLE t2 ADD COLUMN IF NOT EXISTS p INT;\n";
    // The units a crash can fall between, and the file: `top` before the block, `body`
    // before the ALTER in it, `in_body` after it, `after` after the block.
    let case = |condition: &str, top: &str, body: &str, in_body: &str, after: &str| {
        let units: Vec<String> = [create, top, body, alter, in_body, after]
            .iter()
            .flat_map(|part| part.split_inclusive('\n'))
            .map(str::to_string)
            .collect();
        let file = format!(
            "{create}{top}{}{after}",
            wrap(&format!(
                "DECLARE CONTINUE HANDLER FOR {condition} BEGIN END;\n{body}{alter}{in_body}"
            ))
        );
        (units, file)
    };
    let flagged = Some("ALTER TABLE t2 ADD COLUMN c");
    let check = |name: &str, (units, file): (Vec<String>, String), failing| {
        assert_flags_match_crash_points(name, "", &units, &file, failing)
    };
    // A crash before the drop makes the retry fail with 1060, the full second run with 1054.
    let errors = check("under_1054", case("1054", "", "", "", drop), flagged);
    assert_eq!(errors, [None, Some("1060".to_string()), None], "under_1054");
    check(
        "under_1054_and_1060",
        case("1054, 1060", "", "", "", drop),
        None,
    );
    check(
        "under_sqlexception",
        case("SQLEXCEPTION", "", "", "", drop),
        None,
    );
    let errors = check("under_1060", case("1060", "", "", "", drop), flagged);
    assert_eq!(errors, [None, None, Some("1054".to_string())], "under_1060");
    // Without the drop, the ADD COLUMN's 1060 is what every retry raises.
    check("under_1054_kept", case("1054", "", "", "", ""), flagged);
    check("under_1060_kept", case("1060", "", "", "", ""), None);
    // A drop before the ALTER, which the file undoes before it runs, leaves the column there
    // for the MODIFY: the retry fails on the ADD COLUMN's 1060, at the top level or in the
    // same body.
    let before = case("1054", given_back, "", "", "");
    check("dropped_before_under_1054", before, flagged);
    let in_body = case("1054", "", given_back, "", "");
    check("dropped_before_in_the_body_under_1054", in_body, flagged);
    let before = case("1060", given_back, "", "", "");
    check("dropped_before_under_1060", before, None);
    // Dropped after it in the same body: the full second run finds it gone (1054), a crash
    // between the two statements of the body leaves it there (1060).
    let after = case("1054", "", "", drop, "");
    check("dropped_after_in_the_body_under_1054", after, flagged);
    let after = case("1054, 1060", "", "", drop, "");
    check("dropped_after_in_the_body_under_1054_and_1060", after, None);
}

/// A CHECK on a column the file drops later: the full second run fails with the column's 1054
/// (the drop took the constraint along), a crash between the ALTER and the drop with the
/// constraint's name taken (1826). A handler must catch both: under 1054 alone PF116 flags
/// the ADD CONSTRAINT, under 1826 alone PF123 the read, in a block and in a called procedure,
/// at every crash point.
#[test]
fn a_check_on_a_column_dropped_later_needs_both_errors_caught_on_mariadb() {
    let create = "CREATE TABLE IF NOT EXISTS t2 (id INT, p INT);\n";
    let alter = "ALTER TABLE t2 ADD CONSTRAINT t2_ck CHECK (p > 0);\n";
    let drop = "ALTER TABLE t2 DROP COLUMN IF EXISTS p;\n";
    for wrap in [block, procedure] {
        for (condition, failing) in [
            ("1054", Some("1826")),
            ("1072", Some("1826")),
            ("1826", Some("1054")),
            ("1054, 1826", None),
        ] {
            let file = format!(
                "{create}{}{drop}",
                wrap(&format!(
                    "DECLARE CONTINUE HANDLER FOR {condition} BEGIN END;\n{alter}"
                ))
            );
            let units = [create, alter, drop].map(str::to_string);
            let name = format!("check under {condition}");
            let errors = assert_flags_match_crash_points(
                &name,
                "",
                &units,
                &file,
                failing.map(|_| "ALTER TABLE t2 ADD CONSTRAINT"),
            );
            assert_eq!(
                errors.iter().flatten().next().map(String::as_str),
                failing,
                "{name}: the first crash point's error"
            );
        }
    }
}

/// A constraint an ALTER adds in a block reads what a later statement of the file removes, and
/// its second run fails with the error of what it reads: a CHECK's column 1054 (not 1072), a
/// foreign key's own column 1072 (not 1054), the table it references 1005 (errno 150, not the
/// 1146 of a read of it). Each handler also catches the constraint's duplicate (1826 for a
/// CHECK, 1005 for a foreign key), so only PF123 decides; it flags the ALTER exactly when the
/// server fails the second run, with that error, in a block and in a called procedure.
#[test]
fn a_handler_keeps_a_constraint_on_a_removed_object_running_exactly_when_it_catches_its_error_on_mariadb(
) {
    let check = "ALTER TABLE t2 ADD CONSTRAINT t2_ck CHECK (p > 0);";
    let drop_column = "ALTER TABLE t2 DROP COLUMN IF EXISTS p;\n";
    let key = "ALTER TABLE t2 ADD CONSTRAINT t2_fk FOREIGN KEY (p) REFERENCES p2 (id);";
    let drop_key_column =
        "ALTER TABLE t2 DROP FOREIGN KEY IF EXISTS t2_fk, DROP COLUMN IF EXISTS p;\n";
    let drop_parent =
        "ALTER TABLE t2 DROP FOREIGN KEY IF EXISTS t2_fk;\nDROP TABLE IF EXISTS p2;\n";
    // (name, handler's conditions, the ALTER, what the file removes after it, the error
    // number of the failing second run).
    let key_and_check = "ALTER TABLE t2 ADD INDEX t2_i (p), ADD CONSTRAINT t2_ck CHECK (p > 0);";
    let cases: [(&str, &str, &str, &str, Option<&str>); 8] = [
        ("check_under_1054", "1054, 1826", check, drop_column, None),
        (
            "check_under_1072",
            "1072, 1826",
            check,
            drop_column,
            Some("1054"),
        ),
        (
            "key_column_under_1072",
            "1072, 1005",
            key,
            drop_key_column,
            None,
        ),
        (
            "key_column_under_1054",
            "1054, 1005",
            key,
            drop_key_column,
            Some("1072"),
        ),
        // A key's 1072 comes before the CHECK's 1054 on the same column.
        (
            "key_and_check_under_1072",
            "1072, 1061, 1826",
            key_and_check,
            drop_column,
            None,
        ),
        (
            "key_and_check_under_1054",
            "1054, 1061, 1826",
            key_and_check,
            drop_column,
            Some("1072"),
        ),
        ("parent_under_1005", "1005", key, drop_parent, None),
        (
            "parent_under_1146",
            "1146, 1826, 1022",
            key,
            drop_parent,
            Some("1005"),
        ),
    ];
    for wrap in [block, procedure] {
        for (name, condition, alter, removal, fails_with) in cases {
            let sql = format!(
                "CREATE TABLE IF NOT EXISTS t2 (id INT, p INT);\n{}{removal}",
                wrap(&format!(
                    "DECLARE CONTINUE HANDLER FOR {condition} BEGIN END;\n{alter}"
                ))
            );
            let db = ScratchDb::mariadb();
            db.exec("CREATE TABLE p2 (id INT PRIMARY KEY);");
            let retry = run_twice(&db, &sql);
            drop(db);
            assert_eq!(
                retry.as_ref().err().map(|e| error_code(e).0),
                fails_with.map(str::to_string),
                "{name}: the server's second run\n{sql}"
            );
            let flagged: Vec<usize> = retry_findings(&sql, &dialect_options(Dialect::Mariadb))
                .into_iter()
                .filter(|f| f.rule.code == "PF123")
                .filter_map(|f| f.location.start.map(|s| s.line))
                .collect();
            let expected: Vec<usize> = fails_with
                .map(|_| line_of(&sql, alter))
                .into_iter()
                .collect();
            assert_eq!(
                flagged, expected,
                "{name}: PF123's flags ({retry:?})\n{sql}"
            );
        }
    }
}

/// An ALTER that adds a foreign key to a table the file drops later and a CHECK on a column the
/// file drops before that: once both are gone, MariaDB reports the CHECK's 1054 alone (not the
/// parent's 1005, nor the 1072 of a key's column: the key's own column stays), in either order
/// of the actions; a crash before the drops makes the retry fail with the CHECK's name taken
/// (1826, before the key's 1005). So a handler for 1054 and 1826 keeps every retry going, and
/// lint must not ask for 1005 or 1072; one without 1054 fails the full second run, and is
/// flagged. In a block and in a called procedure, at every crash point.
#[test]
fn a_check_on_a_dropped_column_beside_a_key_to_a_dropped_table_needs_the_checks_error_alone_on_mariadb(
) {
    let create = "CREATE TABLE IF NOT EXISTS t2 (id INT, p INT, q INT);\n";
    let key = "ADD CONSTRAINT t2_fk FOREIGN KEY (q) REFERENCES p2 (id)";
    let check = "ADD CONSTRAINT t2_ck CHECK (p > 0)";
    let drop_column = "ALTER TABLE t2 DROP FOREIGN KEY IF EXISTS t2_fk, DROP COLUMN IF EXISTS p;\n";
    let drop_parent = "DROP TABLE IF EXISTS p2;\n";
    for wrap in [block, procedure] {
        for alter in [
            format!("ALTER TABLE t2 {key}, {check};\n"),
            format!("ALTER TABLE t2 {check}, {key};\n"),
        ] {
            for (condition, fails_with) in [
                ("1054, 1826", None),
                ("1054, 1826, 1005", None),
                ("SQLSTATE '42S22', 1826", None),
                ("1826, 1005", Some("1054")),
                ("1072, 1826, 1005", Some("1054")),
            ] {
                let file = format!(
                    "{create}{}{drop_column}{drop_parent}",
                    wrap(&format!(
                        "DECLARE CONTINUE HANDLER FOR {condition} BEGIN END;\n{alter}"
                    ))
                );
                let units = [create, &alter, drop_column, drop_parent].map(str::to_string);
                let name = format!("{alter} under {condition}");
                assert_a_constraint_on_p2_fails_with(&name, &units, &file, fails_with);
            }
        }
    }
}

/// The same ALTER (a foreign key to a table the file drops later and a named CHECK on a column
/// it drops later), with the parent dropped before the column: after a crash between the two,
/// the column is there and the retry fails on the CHECK's name taken (1826), which MariaDB
/// reports before the parent's 1005; once the column is gone too, on the CHECK's column (1054).
/// So a handler for 1054 and 1826 keeps every retry going and lint must not ask for 1005; one
/// without 1826 fails after the first crash points, one without 1054 the full second run. When
/// the file drops the CHECK before the column, or gives the column back after its drop (the
/// CHECK went with it), a retry finds the parent gone with nothing before it: 1005, flagged.
/// In a block and in a called procedure, in both orders of the actions, at every crash point.
#[test]
fn a_check_still_there_fails_before_a_key_to_a_table_dropped_before_its_column_on_mariadb() {
    let create = "CREATE TABLE IF NOT EXISTS t2 (id INT, p INT, q INT);\n";
    let key = "ADD CONSTRAINT t2_fk FOREIGN KEY (q) REFERENCES p2 (id)";
    let check = "ADD CONSTRAINT t2_ck CHECK (p > 0)";
    let drop_key = "ALTER TABLE t2 DROP FOREIGN KEY IF EXISTS t2_fk;\n";
    let drop_parent = "DROP TABLE IF EXISTS p2;\n";
    let drop_column = "ALTER TABLE t2 DROP COLUMN IF EXISTS p;\n";
    let drop_check = "ALTER TABLE t2 DROP CONSTRAINT IF EXISTS t2_ck;\n";
    let add_back = "ALTER TABLE t2 ADD COLUMN IF NOT EXISTS p INT;\n";
    // (what the file does after the ALTER, the handler's conditions, the first error of a
    // failing retry).
    let cases: [(&[&str], &str, Option<&str>); 7] = [
        (&[drop_key, drop_parent, drop_column], "1054, 1826", None),
        (
            &[drop_key, drop_parent, drop_column],
            "1054, 1826, 1005",
            None,
        ),
        (&[drop_key, drop_parent, drop_column], "1054", Some("1826")),
        (&[drop_key, drop_parent, drop_column], "1826", Some("1054")),
        (
            &[drop_key, drop_parent, drop_check, drop_column],
            "1054, 1826",
            Some("1005"),
        ),
        (
            &[drop_key, drop_parent, drop_column, add_back],
            "1054, 1826",
            Some("1005"),
        ),
        (
            &[drop_key, drop_parent, drop_column, add_back],
            "1054, 1826, 1005",
            None,
        ),
    ];
    for wrap in [block, procedure] {
        for alter in [
            format!("ALTER TABLE t2 {key}, {check};\n"),
            format!("ALTER TABLE t2 {check}, {key};\n"),
        ] {
            for (after, condition, fails_with) in cases {
                let body = wrap(&format!(
                    "DECLARE CONTINUE HANDLER FOR {condition} BEGIN END;\n{alter}"
                ));
                let units: Vec<String> = [create, body.as_str()]
                    .into_iter()
                    .chain(after.iter().copied())
                    .map(str::to_string)
                    .collect();
                let file = units.concat();
                let name = format!("{alter} under {condition}, then {after:?}");
                let errors = assert_flags_match_crash_points(
                    &name,
                    "CREATE TABLE p2 (id INT PRIMARY KEY);",
                    &units,
                    &file,
                    fails_with.map(|_| "ALTER TABLE t2 ADD CONSTRAINT"),
                );
                assert_eq!(
                    errors.iter().flatten().next().map(String::as_str),
                    fails_with,
                    "{name}: the first failing crash point's error"
                );
            }
        }
    }
}

/// MariaDB runs `DROP SYSTEM VERSIONING` beside other actions only under
/// `system_versioning_alter_history = KEEP` (else 4119 on the first run). Its retry finds the
/// table not versioned and reports 4124 before what the other actions raise (a taken column
/// 1060, a dropped one 1091): a handler for 4124 alone keeps it running, one for the other
/// action's error alone does not. In a block and in a called procedure, at every crash point.
#[test]
fn a_drop_of_system_versioning_beside_other_actions_fails_first_on_the_table_not_versioned_on_mariadb(
) {
    let set = "SET system_versioning_alter_history = KEEP;\n";
    let create = "CREATE TABLE IF NOT EXISTS v (id INT, a INT) WITH SYSTEM VERSIONING;\n";
    let add = "ALTER TABLE v DROP SYSTEM VERSIONING, ADD COLUMN b INT;";
    let drop =
        "ALTER TABLE v ADD COLUMN IF NOT EXISTS b INT, DROP SYSTEM VERSIONING, DROP COLUMN a;";
    let cases: [(&str, &str, Option<&str>); 6] = [
        (add, "4124", None),
        (add, "1060, 4124", None),
        (add, "1060", Some("4124")),
        (drop, "4124", None),
        (drop, "1091", Some("4124")),
        (drop, "1060, 1091", Some("4124")),
    ];
    for wrap in [block, procedure] {
        for (alter, condition, fails_with) in cases {
            let body = wrap(&format!(
                "DECLARE CONTINUE HANDLER FOR {condition} BEGIN END;\n{alter}"
            ));
            let units = [set, create, body.as_str()].map(str::to_string);
            let file = units.concat();
            let name = format!("{alter} under {condition}");
            let errors = assert_flags_match_crash_points(
                &name,
                "",
                &units,
                &file,
                fails_with.map(|_| alter),
            );
            assert_eq!(
                errors.last().cloned().flatten().as_deref(),
                fails_with,
                "{name}: the full second run's error"
            );
        }
    }
}

/// MariaDB adds a foreign key to a table that is gone without a word while
/// `foreign_key_checks` is off: an ALTER that adds one to a table the file drops later runs
/// again at every crash point after `SET foreign_key_checks = 0`, and PF123 must not flag it;
/// with the checks on (never turned off, or on again before the ALTER) the retry fails with
/// 1005, and it is flagged.
#[test]
fn a_foreign_key_to_a_table_dropped_later_runs_again_without_foreign_key_checks_on_mariadb() {
    let alter =
        "ALTER TABLE t2 ADD CONSTRAINT t2_fk FOREIGN KEY IF NOT EXISTS (q) REFERENCES p2 (id);\n";
    let rest = [
        "ALTER TABLE t2 DROP FOREIGN KEY IF EXISTS t2_fk;\n",
        "DROP TABLE IF EXISTS p2;\n",
    ];
    for (name, before, fails_with) in [
        ("checks_off", "SET foreign_key_checks = 0;\n", None),
        ("checks_on", "", Some("1005")),
        (
            "checks_on_again",
            "SET foreign_key_checks = 0;\nSET foreign_key_checks = 1;\n",
            Some("1005"),
        ),
    ] {
        let units: Vec<String> = before
            .split_inclusive('\n')
            .chain(["CREATE TABLE IF NOT EXISTS t2 (id INT, q INT);\n", alter])
            .chain(rest)
            .map(str::to_string)
            .collect();
        let file = units.concat();
        assert_a_constraint_on_p2_fails_with(name, &units, &file, fails_with);
    }
}

/// [`assert_flags_match_crash_points`] on a database with table `p2`, for a file whose `ALTER
/// TABLE t2 ADD CONSTRAINT` must fail on a retry exactly when `fails_with` is given, the
/// error of its full second run.
fn assert_a_constraint_on_p2_fails_with(
    name: &str,
    units: &[String],
    file: &str,
    fails_with: Option<&str>,
) {
    let errors = assert_flags_match_crash_points(
        name,
        "CREATE TABLE p2 (id INT PRIMARY KEY);",
        units,
        file,
        fails_with.map(|_| "ALTER TABLE t2 ADD CONSTRAINT"),
    );
    assert_eq!(
        errors.last().cloned().flatten().as_deref(),
        fails_with,
        "{name}: the full second run's error"
    );
}

/// MariaDB commits each DDL statement of a compound block as it runs, so a crash can stop
/// between two statements of its body: what the body makes and then undoes (an ADD COLUMN it
/// drops, a table, index or CHECK it creates and drops, what it renames and drops) is there for
/// the retry, which fails at the statement that makes it (1060, 1050, 1061, 1826) or renames it,
/// never at the drop: the statement right before it ran, or failed and stopped the body. Lint
/// must flag the same statement in the block as at the top level, and leave the forms that run
/// again (`IF NOT EXISTS`) alone, at every crash point (inside the block too). The same holds
/// in the body of a procedure the file calls, once or twice: each call runs the body from its
/// start, so the second call's drop follows its own call's make.
#[test]
fn what_a_compound_block_makes_and_undoes_is_left_by_a_crash_between_on_mariadb() {
    let create = "CREATE TABLE IF NOT EXISTS t4 (id INT);\n";
    // (name, body, the statement whose retry fails, the server's errors after a crash after
    // each statement of the body but the last).
    type Undone = (
        &'static str,
        &'static str,
        Option<&'static str>,
        &'static [Option<&'static str>],
    );
    let cases: [Undone; 9] = [
        (
            "add_then_drop",
            "ALTER TABLE t4 ADD COLUMN c INT;\nALTER TABLE t4 DROP COLUMN c;\n",
            Some("ALTER TABLE t4 ADD COLUMN c"),
            &[Some("1060")],
        ),
        (
            "add_if_not_exists_then_drop",
            "ALTER TABLE t4 ADD COLUMN IF NOT EXISTS c INT;\nALTER TABLE t4 DROP COLUMN c;\n",
            None,
            &[None],
        ),
        (
            "create_then_drop",
            "CREATE TABLE x4 (id INT);\nDROP TABLE x4;\n",
            Some("CREATE TABLE x4"),
            &[Some("1050")],
        ),
        (
            "create_if_not_exists_then_drop",
            "CREATE TABLE IF NOT EXISTS x4 (id INT);\nDROP TABLE x4;\n",
            None,
            &[None],
        ),
        (
            "index_then_drop",
            "CREATE INDEX t4_i ON t4 (id);\nDROP INDEX t4_i ON t4;\n",
            Some("CREATE INDEX"),
            &[Some("1061")],
        ),
        (
            "check_then_drop",
            "ALTER TABLE t4 ADD CONSTRAINT t4_c CHECK (id > 0);\n\
             ALTER TABLE t4 DROP CONSTRAINT t4_c;\n",
            Some("ALTER TABLE t4 ADD CONSTRAINT"),
            &[Some("1826")],
        ),
        (
            "check_if_not_exists_then_drop",
            "ALTER TABLE t4 ADD CONSTRAINT IF NOT EXISTS t4_c CHECK (id > 0);\n\
             ALTER TABLE t4 DROP CONSTRAINT t4_c;\n",
            None,
            &[None],
        ),
        (
            "table_renamed_then_dropped",
            "CREATE TABLE IF NOT EXISTS x4 (id INT);\nRENAME TABLE x4 TO y4;\n\
             DROP TABLE IF EXISTS y4;\n",
            Some("RENAME TABLE x4"),
            &[None, Some("1050")],
        ),
        (
            "column_renamed_then_dropped",
            "ALTER TABLE t4 ADD COLUMN IF NOT EXISTS c INT;\nALTER TABLE t4 RENAME COLUMN c TO d;\n\
             ALTER TABLE t4 DROP COLUMN d;\n",
            Some("ALTER TABLE t4 RENAME COLUMN"),
            &[None, Some("1060")],
        ),
    ];
    for (name, body, failing, inside) in cases {
        let body_units = body.split_inclusive('\n').map(str::to_string);
        // The CREATE, then the body's statements once per run of it: a crash after each.
        let units = |runs: usize| -> Vec<String> {
            std::iter::once(create.to_string())
                .chain(std::iter::repeat_n(body_units.clone(), runs).flatten())
                .collect()
        };
        let called = format!("{create}{}", procedure(body));
        for (form, file, runs) in [
            ("block", format!("{create}{}", block(body)), 1),
            ("top", units(1).concat(), 1),
            ("procedure", called.clone(), 1),
            (
                "procedure called twice",
                format!("{called}CALL p_case();\n"),
                2,
            ),
        ] {
            let name = format!("{name} ({form})");
            let errors = assert_flags_match_crash_points(&name, "", &units(runs), &file, failing);
            // After the CREATE; inside each run of the body, and after all of it (the last
            // run's after the full second run).
            let mut expected: Vec<Option<String>> = vec![None];
            for _ in 0..runs {
                expected.extend(inside.iter().map(|e| e.map(str::to_string)));
                expected.push(None);
            }
            assert_eq!(
                errors, expected,
                "{name}: the server's errors by crash point"
            );
        }
    }
}
