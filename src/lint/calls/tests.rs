//! Lint follows calls into the bodies of the routines they run.

use crate::lint::{lint_paths, lint_source, LintOptions};
use crate::source::SourceFile;
use crate::sql::Dialect;

fn options(dialect: Dialect) -> LintOptions {
    LintOptions {
        dialect,
        ..LintOptions::default()
    }
}

/// A `migrations` folder inside a new temporary directory. Not the temporary directory itself:
/// lint reads the folder above a linted one to tell whether the folder is one migration of a
/// Diesel or Prisma directory, and the system's temporary directory may hold anything.
fn migrations_dir() -> (tempfile::TempDir, std::path::PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("migrations");
    std::fs::create_dir(&dir).unwrap();
    (root, dir)
}

/// (rule, line, message) of the findings of `sql`, retry rules and PF001 only.
fn findings(sql: &str, dialect: Dialect) -> Vec<(String, usize, String)> {
    lint_source(&SourceFile::new("m.sql", sql), &options(dialect))
        .into_iter()
        .filter(|f| {
            ["PF0", "PF1", "PF2"]
                .iter()
                .any(|p| f.rule.code.starts_with(p))
        })
        .map(|f| {
            (
                f.rule.code.to_string(),
                f.location.start.unwrap().line,
                f.message,
            )
        })
        .collect()
}

const PROC_DROP_INDEX: &str = "DROP PROCEDURE IF EXISTS PROC_DROP_INDEX;
DELIMITER //
CREATE PROCEDURE PROC_DROP_INDEX(IN tableName VARCHAR(64), IN indexName VARCHAR(64))
BEGIN
    IF EXISTS(
        SELECT * FROM information_schema.STATISTICS
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = tableName AND INDEX_NAME = indexName)
    THEN
        SET @query = CONCAT('ALTER TABLE ', tableName, ' DROP INDEX ', indexName, ';');
        PREPARE stmt FROM @query;
        EXECUTE stmt;
        DEALLOCATE PREPARE stmt;
    END IF;
END //
DELIMITER ;
";

#[test]
fn a_call_that_drops_an_index_through_checked_dynamic_sql_guards_its_creation() {
    let sql = format!(
        "{PROC_DROP_INDEX}CALL PROC_DROP_INDEX('t', 't_a_key');\nCREATE UNIQUE INDEX t_a_key ON t (a);\n"
    );
    assert_eq!(findings(&sql, Dialect::Mariadb), []);
    // Another index's name leaves the creation unguarded.
    let other = format!(
        "{PROC_DROP_INDEX}CALL PROC_DROP_INDEX('t', 'other');\nCREATE UNIQUE INDEX t_a_key ON t (a);\n"
    );
    let found = findings(&other, Dialect::Mariadb);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].1), ("PF102", 17));
}

#[test]
fn a_call_whose_sql_cannot_be_evaluated_is_unknown_and_proves_nothing() {
    let sql = format!(
        "{PROC_DROP_INDEX}CALL PROC_DROP_INDEX(@t, 't_a_key');\nCREATE UNIQUE INDEX t_a_key ON t (a);\n"
    );
    let found = findings(&sql, Dialect::Mariadb);
    let codes: Vec<(&str, usize)> = found.iter().map(|f| (f.0.as_str(), f.1)).collect();
    assert_eq!(codes, [("PF001", 16), ("PF102", 17)], "{found:?}");
    assert!(found[0].2.contains("could not evaluate"), "{}", found[0].2);
}

#[test]
fn an_unguarded_statement_of_a_called_body_is_flagged_in_the_body() {
    // apache ranger's patch 052.
    let sql = "drop procedure if exists p;
delimiter ;;
create procedure p() begin
\tALTER TABLE x ADD INDEX x_uk(a, b);
end;;
delimiter ;
call p();
drop procedure if exists p;
";
    let found = lint_source(&SourceFile::new("m.sql", sql), &options(Dialect::Mariadb));
    let pf102: Vec<_> = found.iter().filter(|f| f.rule.code == "PF102").collect();
    assert_eq!(pf102.len(), 1, "{found:?}");
    assert_eq!(pf102[0].location.start.unwrap().line, 4);
    assert!(
        pf102[0].fix.is_some(),
        "MariaDB's IF NOT EXISTS fixes it in the body"
    );
    assert!(
        pf102[0]
            .notes
            .iter()
            .any(|n| n.starts_with("runs when `call p()` on line 7 calls p")),
        "{:?}",
        pf102[0].notes
    );
    // Not called: nothing runs it.
    let uncalled = sql.replace("call p();\n", "");
    assert_eq!(findings(&uncalled, Dialect::Mariadb), []);
    // Called twice: reported once.
    let twice = sql.replace("call p();\n", "call p();\ncall p();\n");
    let found = findings(&twice, Dialect::Mariadb);
    assert_eq!(
        found.iter().filter(|f| f.0 == "PF102").count(),
        1,
        "{found:?}"
    );
}

#[test]
fn a_routine_dropped_before_the_call_is_not_followed_and_recursion_ends() {
    let dropped = "DELIMITER //
CREATE PROCEDURE p() BEGIN ALTER TABLE x ADD INDEX i (a); END //
DELIMITER ;
DROP PROCEDURE p;
CALL p();
";
    assert!(findings(dropped, Dialect::Mariadb)
        .iter()
        .all(|f| f.0 != "PF102"));
    let recursive = "DROP PROCEDURE IF EXISTS p;
DELIMITER //
CREATE PROCEDURE p() BEGIN ALTER TABLE x ADD INDEX i (a); CALL p(); END //
DELIMITER ;
CALL p();
";
    let found = findings(recursive, Dialect::Mariadb);
    assert_eq!(
        found.iter().filter(|f| f.0 == "PF102").count(),
        1,
        "{found:?}"
    );
}

#[test]
fn dynamic_sql_without_a_guard_is_flagged_at_the_call() {
    let sql = "DROP PROCEDURE IF EXISTS add_column;
DELIMITER //
CREATE PROCEDURE add_column(tbl VARCHAR(64), col VARCHAR(64))
BEGIN
  SET @q = CONCAT('ALTER TABLE ', tbl, ' ADD COLUMN ', col, ' INT');
  PREPARE s FROM @q;
  EXECUTE s;
END //
DELIMITER ;
CALL add_column('t', 'c');
";
    let found = findings(sql, Dialect::Mariadb);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].1), ("PF108", 10));
    assert!(
        found[0].2.starts_with("`CALL add_column('t', 'c')` runs `ALTER TABLE t ADD COLUMN c INT`, SQL the body of add_column (m.sql:3) builds at run time:"),
        "{}",
        found[0].2
    );
}

#[test]
fn postgres_select_of_a_function_runs_its_execute() {
    let sql = "CREATE OR REPLACE FUNCTION add_column(t text, c text) RETURNS void AS $$
BEGIN
  EXECUTE format('ALTER TABLE %I ADD COLUMN %I int', t, c);
END $$ LANGUAGE plpgsql;
SELECT add_column('t', 'c');
";
    let found = findings(sql, Dialect::Postgres);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].1), ("PF108", 5));
    let guarded = sql.replace(
        "  EXECUTE format",
        "  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = t AND column_name = c) THEN\n  EXECUTE format",
    ).replace("int', t, c);\n", "int', t, c);\n  END IF;\n");
    assert_eq!(findings(&guarded, Dialect::Postgres), []);
}

#[test]
fn postgres_call_of_a_procedure_checks_its_statements_in_its_body() {
    let sql = "CREATE OR REPLACE PROCEDURE p() LANGUAGE plpgsql AS $$
BEGIN
  CREATE TABLE made (id int);
END $$;
CALL p();
";
    let found = findings(sql, Dialect::Postgres);
    let codes: Vec<(&str, usize)> = found.iter().map(|f| (f.0.as_str(), f.1)).collect();
    assert_eq!(codes, [("PF101", 3)], "{found:?}");
}

#[test]
fn a_procedure_an_earlier_migration_defines_runs_at_the_call() {
    let (_root, dir) = migrations_dir();
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
    write("001_procs.sql", PROC_DROP_INDEX);
    write(
        "002_use.sql",
        "CALL PROC_DROP_INDEX('t', 't_a_key');\nCREATE UNIQUE INDEX t_a_key ON t (a);\n",
    );
    write(
        "003_adds.sql",
        "DROP PROCEDURE IF EXISTS add_index;\nDELIMITER //\nCREATE PROCEDURE add_index() BEGIN ALTER TABLE t ADD INDEX i (a); END //\nDELIMITER ;\n",
    );
    write("004_calls.sql", "CALL add_index();\n");
    // Dropped by a migration in between: a later call is not followed.
    write("005_drops.sql", "DROP PROCEDURE IF EXISTS add_index;\n");
    write("006_calls_again.sql", "CALL add_index();\n");
    let report = lint_paths(std::slice::from_ref(&dir), &options(Dialect::Mariadb)).unwrap();
    let found: Vec<(String, String, usize)> = report
        .findings
        .iter()
        .filter(|f| f.rule.code.starts_with("PF1"))
        .map(|f| {
            let path = f.location.path.clone().unwrap_or_default();
            let file = path.rsplit('/').next().unwrap_or_default().to_string();
            (
                f.rule.code.to_string(),
                file,
                f.location.start.unwrap().line,
            )
        })
        .collect();
    assert_eq!(
        found,
        [("PF102".to_string(), "004_calls.sql".to_string(), 1)],
        "{:?}",
        report.findings
    );
    let message = &report
        .findings
        .iter()
        .find(|f| f.rule.code == "PF102")
        .unwrap()
        .message;
    assert!(
        message.starts_with(
            "`CALL add_index()` runs `ALTER TABLE t ADD INDEX i (a)`, in the body of add_index ("
        ),
        "{message}"
    );
}

#[test]
fn a_catalog_read_into_a_variable_guards_the_branch_that_tests_it() {
    // apache ranger's PostgreSQL patches.
    let sql = "CREATE OR REPLACE FUNCTION add_options() RETURNS void AS $$
DECLARE
 exists_options integer := 0;
BEGIN
 select count(*) into exists_options from pg_attribute where attrelid in(select oid from pg_class where relname='t') and attname='options';
 IF exists_options = 0 THEN
 \tALTER TABLE t ADD COLUMN options VARCHAR(1024) DEFAULT NULL NULL;
 END IF;
END;
$$ LANGUAGE plpgsql;
select add_options();
";
    assert_eq!(findings(sql, Dialect::Postgres), []);
    // A variable read from an ordinary table guards nothing.
    let unguarded = sql.replace("from pg_attribute where attrelid in(select oid from pg_class where relname='t') and attname='options'", "from t");
    let found = findings(&unguarded, Dialect::Postgres);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].1), ("PF108", 7));
}

#[test]
fn an_insert_behind_a_check_of_its_rows_runs_once() {
    // apache ranger's PostgreSQL patch 037.
    let sql = "CREATE OR REPLACE FUNCTION add_module() RETURNS void AS $$
DECLARE
 v_exists integer := 0;
BEGIN
 select count(*) into v_exists from x_modules_master where module='Security Zone';
 IF v_exists = 0 THEN
 \tINSERT INTO x_modules_master(module) VALUES('Security Zone');
 END IF;
 IF NOT EXISTS (SELECT 1 FROM x_user WHERE user_name = 'sync') THEN
 \tINSERT INTO x_user(user_name) VALUES('sync');
 END IF;
 select count(*) into v_exists from x_perm where module_id = 1;
 IF v_exists = 0 THEN
 \tINSERT INTO x_perm(module_id) VALUES(1);
 END IF;
END;
$$ LANGUAGE plpgsql;
select add_module();
";
    assert_eq!(findings(sql, Dialect::Postgres), []);
    // A check of another table's rows does not stop the insert from running again.
    let other = sql.replace("INSERT INTO x_user(", "INSERT INTO x_group(");
    let found = findings(&other, Dialect::Postgres);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].1), ("PF119", 10));
}

// Top-level MySQL/MariaDB conditional DDL: `SET @s = IF(<catalog check>, …)`, then
// `PREPARE stmt FROM @s; EXECUTE stmt`.

const RUN: &str = "PREPARE stmt FROM @s; EXECUTE stmt; DEALLOCATE PREPARE stmt;\n";

fn column_count(column: &str) -> String {
    format!(
        "(SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
         AND TABLE_NAME = 't' AND COLUMN_NAME = '{column}')"
    )
}

fn rules_and_lines(sql: &str) -> Vec<(String, usize)> {
    findings(sql, Dialect::Mariadb)
        .into_iter()
        .map(|(rule, line, _)| (rule, line))
        .collect()
}

#[test]
fn a_top_level_variable_holding_ddl_is_checked_at_the_execute() {
    let sql = format!("SET @s = 'ALTER TABLE t ADD COLUMN c INT';\n{RUN}");
    let found = findings(&sql, Dialect::Mysql);
    assert_eq!(found.len(), 1, "{found:?}");
    let (rule, line, message) = &found[0];
    assert_eq!((rule.as_str(), *line), ("PF108", 2));
    assert!(
        message.contains(
            "`EXECUTE stmt` runs `ALTER TABLE t ADD COLUMN c INT`, SQL built at run time"
        ),
        "{message}"
    );
    // CONCAT of literals and variables, and EXECUTE IMMEDIATE of a variable.
    let sql =
        "SET @a = 'ALTER TABLE t ', @s = CONCAT(@a, 'ADD COLUMN c INT');\nEXECUTE IMMEDIATE @s;\n";
    assert_eq!(rules_and_lines(sql), vec![("PF108".to_string(), 2)]);
}

#[test]
fn a_branch_taken_only_when_the_catalog_says_so_is_guarded() {
    let quiet = [
        format!("SET @s = IF({} > 0, 'SELECT 1', 'ALTER TABLE t ADD COLUMN c INT');\n{RUN}", column_count("c")),
        format!("SET @s = IF({} = 0, 'ALTER TABLE t ADD COLUMN c INT', 'DO 0');\n{RUN}", column_count("c")),
        format!(
            "SET @s = (SELECT CASE WHEN {} >= 1 THEN 'ALTER TABLE t DROP COLUMN c' ELSE 'SELECT 1' END);\n{RUN}",
            column_count("c")
        ),
        format!(
            "SET @s = IF(EXISTS(SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_NAME = 't' AND INDEX_NAME = 'i'), 'DROP INDEX i ON t', 'SELECT 1');\n{RUN}CREATE INDEX i ON t (a);\n"
        ),
    ];
    for sql in &quiet {
        assert_eq!(rules_and_lines(sql), vec![], "{sql}");
    }
    let flagged = [
        // The add runs when the column exists.
        format!("SET @s = IF({} > 0, 'ALTER TABLE t ADD COLUMN c INT', 'SELECT 1');\n{RUN}", column_count("c")),
        // The check is of another column.
        format!("SET @s = IF({} > 0, 'SELECT 1', 'ALTER TABLE t ADD COLUMN c INT');\n{RUN}", column_count("d")),
        // Not a catalog check.
        "SET @s = IF(@flag > 0, 'SELECT 1', 'ALTER TABLE t ADD COLUMN c INT');\nPREPARE stmt FROM @s; EXECUTE stmt; DEALLOCATE PREPARE stmt;\n".to_string(),
    ];
    for sql in &flagged {
        assert_eq!(
            rules_and_lines(sql),
            vec![("PF108".to_string(), 2)],
            "{sql}"
        );
    }
}

#[test]
fn sql_a_top_level_execute_runs_that_is_not_known_is_pf001() {
    let cases = [
        "SET @s = (SELECT GROUP_CONCAT(sql_text) FROM todo);\nPREPARE stmt FROM @s; EXECUTE stmt;\n",
        "PREPARE stmt FROM @never_set; EXECUTE stmt;\n",
        "EXECUTE stmt;\n",
    ];
    for sql in cases {
        let found = rules_and_lines(sql);
        assert_eq!(found.len(), 1, "{sql}: {found:?}");
        assert_eq!(found[0].0, "PF001", "{sql}");
    }
}

#[test]
fn a_checked_drop_of_the_first_ibfk_lets_an_unnamed_foreign_key_be_added_again() {
    let drop = |name: &str| {
        format!(
            "SET @s = IF((SELECT true FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_NAME = 't' \
             AND CONSTRAINT_NAME = '{name}') = true, 'ALTER TABLE t DROP FOREIGN KEY {name}', 'SELECT 1');\n{RUN}"
        )
    };
    let add = "ALTER TABLE t ADD FOREIGN KEY (p) REFERENCES parent (id);\n";
    assert_eq!(
        rules_and_lines(&format!("{}{add}", drop("t_ibfk_1"))),
        vec![]
    );
    // InnoDB would name the re-added key t_ibfk_2 only when no t_ibfk_3 exists: not assumed.
    assert_eq!(
        rules_and_lines(&format!("{}{add}", drop("t_ibfk_2"))),
        vec![("PF116".to_string(), 3)]
    );
    // Another table's key, or two unnamed keys added at once.
    assert_eq!(
        rules_and_lines(&format!(
            "{}{}",
            drop("t_ibfk_1"),
            add.replace("TABLE t", "TABLE u")
        )),
        vec![("PF116".to_string(), 3)]
    );
    let two = "ALTER TABLE t ADD FOREIGN KEY (p) REFERENCES parent (id), ADD FOREIGN KEY (q) REFERENCES parent (id);\n";
    assert_eq!(
        rules_and_lines(&format!("{}{two}", drop("t_ibfk_1"))).len(),
        2
    );
}

// A CALL of a procedure no migration lint read defines: its body was not checked.

/// The PF001 findings of `sql`: (line, message, notes).
fn unknowns(sql: &str, dialect: Dialect) -> Vec<(usize, String, Vec<String>)> {
    lint_source(&SourceFile::new("m.sql", sql), &options(dialect))
        .into_iter()
        .filter(|f| f.rule.code == "PF001")
        .map(|f| (f.location.start.unwrap().line, f.message, f.notes))
        .collect()
}

#[test]
fn a_call_of_a_procedure_nothing_defines_is_unknown() {
    for dialect in [Dialect::Postgres, Dialect::Mysql, Dialect::Mariadb] {
        let found = unknowns(
            "CREATE TABLE IF NOT EXISTS t (a int);\nCALL Add_Things(1, 'x');\n",
            dialect,
        );
        assert_eq!(found.len(), 1, "{dialect}: {found:?}");
        let (line, message, notes) = &found[0];
        assert_eq!(*line, 2);
        assert_eq!(
            message,
            "`CALL Add_Things(1, 'x')`: the body of procedure Add_Things was not checked, because no migration lint read defines it"
        );
        assert!(notes[0].contains("-- preflight: ignore PF001"), "{notes:?}");
        assert!(
            notes[1].starts_with("lint read no earlier migration"),
            "{notes:?}"
        );
    }
    // Without parentheses, schema-qualified.
    let found = unknowns("CALL app.refresh;\n", Dialect::Mariadb);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].1.contains("procedure app.refresh was not"),
        "{}",
        found[0].1
    );
}

#[test]
fn a_function_a_select_calls_is_not_reported_when_nothing_defines_it() {
    // Nearly always a built-in: reporting it would cry wolf.
    assert_eq!(
        unknowns("SELECT setval('s', 1);\nSELECT now();\n", Dialect::Postgres),
        []
    );
    let sql = "DO $$ BEGIN PERFORM pg_sleep(0); END $$;\n";
    assert_eq!(unknowns(sql, Dialect::Postgres), []);
}

#[test]
fn a_procedure_defined_after_the_call_or_dropped_before_it_is_unknown_at_the_call() {
    let define = "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END //\nDELIMITER ;\n";
    assert_eq!(
        unknowns(&format!("{define}CALL p();\n"), Dialect::Mariadb),
        []
    );
    let later = format!("CALL p();\n{define}");
    let found = unknowns(&later, Dialect::Mariadb);
    assert_eq!(
        found.iter().map(|f| f.0).collect::<Vec<_>>(),
        [1],
        "{found:?}"
    );
    let dropped = format!("{define}DROP PROCEDURE p;\nCALL p();\n");
    let found = unknowns(&dropped, Dialect::Mariadb);
    assert_eq!(
        found.iter().map(|f| f.0).collect::<Vec<_>>(),
        [5],
        "{found:?}"
    );
}

#[test]
fn a_body_calling_a_procedure_nothing_defines_is_reported_once_at_the_call() {
    let sql = "DELIMITER //
CREATE PROCEDURE outer_p() BEGIN
  CALL helper(1);
  IF (SELECT COUNT(*) FROM t) > 0 THEN CALL helper(2); END IF;
  CALL inner_p(helper_f(3));
END //
CREATE PROCEDURE inner_p(x INT) BEGIN SELECT x; END //
DELIMITER ;
CALL outer_p();
";
    let found = unknowns(sql, Dialect::Mariadb);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, 9);
    assert_eq!(
        found[0].1,
        "`CALL outer_p()`: outer_p calls procedure helper, whose body was not checked, because no migration lint read defines it"
    );
    // Not called: the body does not run.
    let uncalled = sql.replace("CALL outer_p();\n", "");
    assert_eq!(unknowns(&uncalled, Dialect::Mariadb), []);
    // A DO block's CALL.
    let sql = "DO $$ BEGIN CALL app.helper(); END $$;\n";
    let found = unknowns(sql, Dialect::Postgres);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].1.ends_with(": it calls procedure app.helper, whose body was not checked, because no migration lint read defines it"),
        "{}",
        found[0].1
    );
}

/// A routine that calls a procedure nothing defines makes that one call however often the file
/// calls the routine: one finding, at the first statement that calls it, not one per call.
#[test]
fn a_procedure_nothing_defines_called_by_a_routine_is_reported_once_per_file() {
    let sql = "DELIMITER //
CREATE PROCEDURE outer_p() BEGIN
  CALL helper(1);
END //
CREATE PROCEDURE other_p() BEGIN
  CALL outer_p();
END //
DELIMITER ;
CALL outer_p();
CALL outer_p();
CALL other_p();
DELIMITER //
BEGIN NOT ATOMIC CALL outer_p(); END //
DELIMITER ;
";
    let found = unknowns(sql, Dialect::Mariadb);
    let lines: Vec<usize> = found.iter().map(|f| f.0).collect();
    assert_eq!(lines, [9], "{found:?}");
    assert_eq!(
        found[0].1,
        "`CALL outer_p()`: outer_p calls procedure helper, whose body was not checked, because no migration lint read defines it"
    );
    // Another routine calling it is another call: reported once too.
    let two = sql.replace("CALL outer_p();\nEND //", "CALL helper(2);\nEND //");
    let lines: Vec<usize> = unknowns(&two, Dialect::Mariadb)
        .iter()
        .map(|f| f.0)
        .collect();
    assert_eq!(lines, [9, 11], "{two}");
    // Suppressed at the first call, it is not reported at the later ones.
    let suppressed = sql.replace(
        "CALL outer_p();\nCALL outer_p();",
        "-- preflight: ignore PF001\nCALL outer_p();\nCALL outer_p();",
    );
    assert_eq!(unknowns(&suppressed, Dialect::Mariadb), []);
    // PostgreSQL: a function a SELECT calls twice, whose body calls an undefined procedure.
    let sql = "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  CALL helper();
END $$;
SELECT f();
SELECT f();
DO $$ BEGIN PERFORM f(); END $$;
";
    let lines: Vec<usize> = unknowns(sql, Dialect::Postgres)
        .iter()
        .map(|f| f.0)
        .collect();
    assert_eq!(lines, [5], "{sql}");
}

#[test]
fn a_system_procedure_is_unknown_with_its_own_note() {
    for call in [
        "CALL mysql.rds_set_configuration('binlog retention hours', 24);",
        "CALL sys.ps_setup_enable_consumer('events');",
    ] {
        let found = unknowns(&format!("{call}\n"), Dialect::Mysql);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].2[0].contains("a procedure of the server (or of Amazon RDS)"),
            "{:?}",
            found[0].2
        );
        assert_eq!(found[0].2.len(), 1, "{:?}", found[0].2);
    }
}

#[test]
fn a_procedure_a_later_migration_defines_is_unknown_at_an_earlier_call() {
    let (_root, dir) = migrations_dir();
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
    write("001_calls_early.sql", "CALL add_index();\n");
    write(
        "002_defines.sql",
        "DROP PROCEDURE IF EXISTS add_index;\nDELIMITER //\nCREATE PROCEDURE add_index() BEGIN ALTER TABLE t ADD INDEX IF NOT EXISTS i (a); END //\nDELIMITER ;\n",
    );
    write("003_calls.sql", "CALL add_index();\n");
    write("004_drops.sql", "DROP PROCEDURE IF EXISTS add_index;\n");
    write("005_calls_again.sql", "CALL add_index();\n");
    let report = lint_paths(std::slice::from_ref(&dir), &options(Dialect::Mariadb)).unwrap();
    let found: Vec<(String, Vec<String>)> = report
        .findings
        .iter()
        .filter(|f| f.rule.code == "PF001")
        .map(|f| {
            let path = f.location.path.clone().unwrap_or_default();
            let file = path.rsplit('/').next().unwrap_or_default().to_string();
            (file, f.notes.clone())
        })
        .collect();
    let files: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(
        files,
        ["001_calls_early.sql", "005_calls_again.sql"],
        "{found:?}"
    );
    // The directory's order is known: no note that earlier migrations were not read; one
    // that a later migration defines it.
    assert_eq!(found[0].1.len(), 2, "{found:?}");
    assert!(
        found[0].1[1].contains("002_defines.sql defines it, but runs after this file"),
        "{found:?}"
    );
    assert_eq!(found[1].1.len(), 1, "{found:?}");
}

#[test]
fn a_file_the_detected_tool_does_not_run_knows_no_earlier_procedure() {
    // authelia's `V0012.Name.up.sql`: golang-migrate's naming (`.up.sql`) without its `_`.
    let (_root, dir) = migrations_dir();
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
    write(
        "0001_procs.up.sql",
        "DROP PROCEDURE IF EXISTS p;\nDELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END //\nDELIMITER ;\n",
    );
    write("0002_calls.up.sql", "CALL p();\n");
    write("V0003.Calls.up.sql", "CALL p();\n");
    let report = lint_paths(std::slice::from_ref(&dir), &options(Dialect::Mariadb)).unwrap();
    let found: Vec<(String, Vec<String>)> = report
        .findings
        .iter()
        .filter(|f| f.rule.code == "PF001")
        .map(|f| {
            let path = f.location.path.clone().unwrap_or_default();
            let file = path.rsplit('/').next().unwrap_or_default().to_string();
            (file, f.notes.clone())
        })
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "V0003.Calls.up.sql");
    assert!(
        found[0].1[1].contains("the migration tool preflight took its directory for (from the file names) does not run it"),
        "{found:?}"
    );
}

// MariaDB's `BEGIN NOT ATOMIC … END` runs its calls as a top-level CALL does.

/// A procedure adding index `i` unguarded, then `block` (the statements of a `BEGIN NOT
/// ATOMIC` block, from line 3).
fn in_block(block: &str) -> String {
    format!(
        "DELIMITER //\nCREATE OR REPLACE PROCEDURE p() BEGIN ALTER TABLE t ADD INDEX i (a); END //\nBEGIN NOT ATOMIC\n{block}\nEND //\nDELIMITER ;\n"
    )
}

/// Checks the catalog for index `i` of `t`.
const INDEX_I_EXISTS: &str = "SELECT 1 FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = 't' AND index_name = 'i'";

#[test]
fn a_call_in_a_compound_block_runs_its_body_and_an_undefined_one_is_unknown() {
    let sql = in_block("CALL p(); CALL q();");
    let found = findings(&sql, Dialect::Mariadb);
    let codes: Vec<(&str, usize)> = found.iter().map(|f| (f.0.as_str(), f.1)).collect();
    assert_eq!(codes, [("PF102", 2), ("PF001", 3)], "{found:?}");
    let pf102 = lint_source(
        &SourceFile::new("m.sql", sql.as_str()),
        &options(Dialect::Mariadb),
    )
    .into_iter()
    .find(|f| f.rule.code == "PF102")
    .unwrap();
    assert!(
        pf102.notes.iter().any(|n| n.starts_with(
            "runs when `BEGIN NOT ATOMIC CALL p(); CALL q(); END //` on line 3 calls p"
        )),
        "{:?}",
        pf102.notes
    );
    assert!(
        found[1].2.ends_with(": it calls procedure q, whose body was not checked, because no migration lint read defines it"),
        "{}",
        found[1].2
    );
    // A labelled block, and a call made in a loop's body.
    let labelled = sql.replace("BEGIN NOT ATOMIC", "blk: BEGIN NOT ATOMIC");
    assert_eq!(findings(&labelled, Dialect::Mariadb).len(), 2);
    let looped = in_block("WHILE @n < 1 DO CALL p(); SET @n = 1; END WHILE;");
    let found = findings(&looped, Dialect::Mariadb);
    assert_eq!(
        found.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
        ["PF102"],
        "{found:?}"
    );
}

#[test]
fn a_guard_around_a_call_in_a_compound_block_guards_what_it_runs() {
    for guarded in [
        format!("IF NOT EXISTS ({INDEX_I_EXISTS}) THEN CALL p(); END IF;"),
        "DECLARE CONTINUE HANDLER FOR 1061 BEGIN END;\nCALL p();".to_string(),
    ] {
        let found = findings(&in_block(&guarded), Dialect::Mariadb);
        assert_eq!(found, [], "{guarded}");
    }
    // A check that runs the call when the index exists guards nothing; one around another
    // statement does not cover the call.
    for unguarded in [
        format!("IF EXISTS ({INDEX_I_EXISTS}) THEN SELECT 1; END IF; CALL p();"),
        "DECLARE CONTINUE HANDLER FOR NOT FOUND BEGIN END;\nCALL p();".to_string(),
    ] {
        let found = findings(&in_block(&unguarded), Dialect::Mariadb);
        assert_eq!(
            found.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
            ["PF102"],
            "{unguarded}: {found:?}"
        );
    }
}

#[test]
fn a_guard_around_a_call_in_a_body_or_a_do_block_guards_what_it_runs() {
    let sql = format!(
        "DELIMITER //\nCREATE OR REPLACE PROCEDURE p() BEGIN ALTER TABLE t ADD INDEX i (a); END //\nCREATE OR REPLACE PROCEDURE outer_p() BEGIN IF NOT EXISTS ({INDEX_I_EXISTS}) THEN CALL p(); END IF; END //\nDELIMITER ;\nCALL outer_p();\n"
    );
    assert_eq!(findings(&sql, Dialect::Mariadb), []);
    // A condition that does not read the catalog guards nothing.
    let unguarded = sql.replace(
        &format!("IF NOT EXISTS ({INDEX_I_EXISTS})"),
        "IF @go IS NULL",
    );
    let found = findings(&unguarded, Dialect::Mariadb);
    assert_eq!(
        found
            .iter()
            .map(|f| (f.0.as_str(), f.1))
            .collect::<Vec<_>>(),
        [("PF102", 2)],
        "{found:?}"
    );
    // PostgreSQL: a DO block's check around its CALL.
    let sql = "CREATE OR REPLACE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN CREATE INDEX i ON t (a); END $$;
DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'i') THEN CALL p(); END IF; END $$;
";
    let found = findings(sql, Dialect::Postgres);
    assert!(found.iter().all(|f| f.0 != "PF102"), "{found:?}");
    let unguarded = sql.replace(
        "IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'i') THEN CALL p(); END IF;",
        "CALL p();",
    );
    let found = findings(&unguarded, Dialect::Postgres);
    assert!(found.iter().any(|f| f.0 == "PF102"), "{found:?}");
}

/// `found` is one finding, `expected` (rule, line), on SQL the block starting `block` builds.
fn assert_built_at_block(found: &[(String, usize, String)], expected: (&str, usize), block: &str) {
    let codes: Vec<(&str, usize)> = found.iter().map(|f| (f.0.as_str(), f.1)).collect();
    assert_eq!(codes, [expected], "{found:?}");
    let message = &found[0].2;
    assert!(message.starts_with(block), "{message}");
    assert!(message.contains(", SQL built at run time: "), "{message}");
}

#[test]
fn sql_a_compound_block_builds_runs_as_a_body_s_does() {
    let prepared =
        "SET @s = CONCAT('ALTER TABLE t ', 'ADD INDEX j (a)');\nPREPARE st FROM @s;\nEXECUTE st;";
    let immediate = "EXECUTE IMMEDIATE 'ALTER TABLE t ADD COLUMN c INT';";
    for (block, code) in [(prepared, "PF102"), (immediate, "PF108")] {
        let found = findings(&in_block(block), Dialect::Mariadb);
        assert_built_at_block(&found, (code, 3), "`BEGIN NOT ATOMIC ");
        // Behind a catalog check that finds what it adds: guarded.
        let checked = format!(
            "IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 't' AND column_name = 'c') AND NOT EXISTS ({}) THEN\n{block}\nEND IF;",
            INDEX_I_EXISTS.replace("'i'", "'j'")
        );
        assert_eq!(
            findings(&in_block(&checked), Dialect::Mariadb),
            [],
            "{checked}"
        );
    }
    // SQL built from what preflight cannot evaluate is unknown.
    let found = findings(
        &in_block("SET @s = (SELECT q FROM queries LIMIT 1);\nPREPARE st FROM @s;\nEXECUTE st;"),
        Dialect::Mariadb,
    );
    let unknown = "the block runs SQL it builds at run time (`EXECUTE st`) from values preflight could not evaluate";
    assert!(
        matches!(&found[..], [(code, 3, message)] if code == "PF001" && message.contains(unknown)),
        "{found:?}"
    );
}

#[test]
fn a_mysql_begin_is_a_transaction_whose_calls_run_at_the_top_level() {
    // MySQL has no anonymous block: `BEGIN` starts a transaction and the CALLs are top-level.
    // The body's ALTER runs at `CALL p()`, in that transaction, and commits it (PF121).
    let sql = "DELIMITER //\nCREATE PROCEDURE p() BEGIN ALTER TABLE t ADD INDEX i (a); END //\nDELIMITER ;\nBEGIN;\nCALL p();\nCALL q();\nCOMMIT;\n";
    let found = findings(sql, Dialect::Mysql);
    let codes: Vec<(&str, usize)> = found.iter().map(|f| (f.0.as_str(), f.1)).collect();
    assert_eq!(
        codes,
        [("PF113", 2), ("PF102", 2), ("PF121", 2), ("PF001", 6)],
        "{found:?}"
    );
    assert!(
        found[3]
            .2
            .starts_with("`CALL q()`: the body of procedure q"),
        "{}",
        found[3].2
    );
}

#[test]
fn sql_a_do_block_builds_runs_as_a_body_s_does() {
    let literal = "EXECUTE 'CREATE INDEX i ON t (a)';";
    let concatenated = "EXECUTE 'CREATE TABLE ' || 'x' || ' (id int)';";
    let formatted = "EXECUTE format('CREATE TABLE %I (id int)', 'x');";
    for (execute, code) in [
        (literal, "PF102"),
        (concatenated, "PF101"),
        (formatted, "PF101"),
    ] {
        let sql = format!("SELECT 1;\nDO $$\nBEGIN\n  {execute}\nEND $$;\n");
        // At the block, as a MariaDB block's run-time SQL is.
        let found = findings(&sql, Dialect::Postgres);
        assert_built_at_block(&found, (code, 2), "`DO $$ ");
        // Behind a catalog check that finds what it creates, or a handler that catches the
        // retry's error: guarded.
        let checked = format!(
            "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'i') AND NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'x') THEN\n    {execute}\n  END IF;\nEND $$;\n"
        );
        assert_eq!(findings(&checked, Dialect::Postgres), [], "{checked}");
        let caught = format!(
            "DO $$\nBEGIN\n  {execute}\nEXCEPTION WHEN duplicate_table THEN NULL;\nEND $$;\n"
        );
        assert_eq!(findings(&caught, Dialect::Postgres), [], "{caught}");
    }
    // A variable the block declares with a literal value.
    let declared =
        "DO $$\nDECLARE q text := 'CREATE TABLE x (id int)';\nBEGIN\n  EXECUTE q;\nEND $$;\n";
    assert_built_at_block(
        &findings(declared, Dialect::Postgres),
        ("PF101", 1),
        "`DO $$ ",
    );
    // SQL built from values preflight cannot evaluate (a loop over catalog rows) is unknown.
    let found = findings(
        "DO $$\nDECLARE r record;\nBEGIN\n  FOR r IN SELECT relname FROM pg_class WHERE relname LIKE 'tmp%' LOOP\n    EXECUTE format('DROP TABLE %I', r.relname);\n  END LOOP;\nEND $$;\n",
        Dialect::Postgres,
    );
    let unknown = "the block runs SQL it builds at run time (`EXECUTE format('DROP TABLE %I', r.relname)`) from values preflight could not evaluate";
    assert!(
        matches!(&found[..], [(code, 1, message)] if code == "PF001" && message.contains(unknown)),
        "{found:?}"
    );
}
