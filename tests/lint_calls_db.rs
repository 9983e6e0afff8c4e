//! Lint follows a call into the body of the routine it runs (and the SQL that body builds from
//! its parameters): each case runs twice on the real server, and lint must flag exactly the
//! cases whose second run fails, at the statement that fails (the body's statement when the
//! body is in the same file, else the call).

mod common;

use common::retry::{
    dialect_options as options, is_retry_rule, line_of, retry_flagged_lines, run_twice, second_run,
};
use common::ScratchDb;
use preflight::lint::lint_paths;
use preflight::source::SourceFile;
use preflight::sql::Dialect;

/// The lines lint flags with a retry rule (PF1xx/PF2xx).
fn flagged_lines(sql: &str, dialect: Dialect) -> Vec<usize> {
    retry_flagged_lines(sql, &options(dialect))
}

const MARIA_SETUP: &str = "CREATE TABLE t (id INT PRIMARY KEY, a INT, p INT);
CREATE TABLE parent (id INT PRIMARY KEY);";

/// authelia's V0007 procedures.
const PROCS: &str = "DROP PROCEDURE IF EXISTS PROC_DROP_INDEX;
DROP PROCEDURE IF EXISTS PROC_DROP_FOREIGN_KEY;
DELIMITER //
CREATE PROCEDURE PROC_DROP_INDEX(IN tableName VARCHAR(64), IN indexName VARCHAR(64))
BEGIN
    IF EXISTS(
        SELECT * FROM information_schema.STATISTICS
        WHERE TABLE_SCHEMA = DATABASE() AND INDEX_SCHEMA = DATABASE()
          AND TABLE_NAME = tableName AND INDEX_NAME = indexName)
    THEN
        SET @query = CONCAT('ALTER TABLE ', tableName, ' DROP INDEX ', indexName, ';');
        PREPARE stmt FROM @query;
        EXECUTE stmt;
        DEALLOCATE PREPARE stmt;
    END IF;
END //
CREATE PROCEDURE PROC_DROP_FOREIGN_KEY(IN tableName VARCHAR(64), IN constraintName VARCHAR(64))
BEGIN
    IF EXISTS(
        SELECT * FROM information_schema.TABLE_CONSTRAINTS
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = tableName
          AND CONSTRAINT_NAME = constraintName AND CONSTRAINT_TYPE = 'FOREIGN KEY')
    THEN
        SET @query = CONCAT('ALTER TABLE ', tableName, ' DROP FOREIGN KEY ', constraintName, ';');
        PREPARE stmt FROM @query;
        EXECUTE stmt;
        DEALLOCATE PREPARE stmt;
    END IF;
END //
DELIMITER ;
";

/// (name, file, the line lint must flag when a second run fails).
fn maria_cases() -> Vec<(&'static str, String, Option<usize>)> {
    vec![
        (
            "authelia_drop_index",
            format!(
                "{PROCS}CALL PROC_DROP_INDEX('t', 't_a_key');\nCREATE UNIQUE INDEX t_a_key ON t (a);\n"
            ),
            None,
        ),
        (
            "authelia_drop_foreign_key",
            format!(
                "{PROCS}CALL PROC_DROP_FOREIGN_KEY('t', 't_p_fkey');\n\
                 ALTER TABLE t ADD CONSTRAINT t_p_fkey FOREIGN KEY (p) REFERENCES parent (id);\n"
            ),
            None,
        ),
        (
            "authelia_wrong_index",
            format!(
                "{PROCS}CALL PROC_DROP_INDEX('t', 'username');\nCREATE UNIQUE INDEX t_a_key ON t (a);\n"
            ),
            Some(32),
        ),
        (
            // apache ranger's patch 052.
            "ranger_052",
            "drop procedure if exists create_uk;\ndelimiter ;;\ncreate procedure create_uk() begin\n\
             \tALTER TABLE t ADD INDEX t_uk_a_p(a, p);\nend;;\ndelimiter ;\ncall create_uk();\n\
             drop procedure if exists create_uk;\n"
                .to_string(),
            Some(4),
        ),
        (
            "unguarded_dynamic_sql",
            "DROP PROCEDURE IF EXISTS add_column;\nDELIMITER //\n\
             CREATE PROCEDURE add_column(tbl VARCHAR(64), col VARCHAR(64))\nBEGIN\n\
             SET @q = CONCAT('ALTER TABLE ', tbl, ' ADD COLUMN ', col, ' INT');\n\
             PREPARE s FROM @q;\nEXECUTE s;\nEND //\nDELIMITER ;\nCALL add_column('t', 'c');\n"
                .to_string(),
            Some(10),
        ),
    ]
}

/// Runs each case twice on a fresh database of `engine` (after `setup`) and checks that lint
/// flags the line the case names exactly when the second run fails.
fn assert_flags_match_retries(
    cases: Vec<(&str, String, Option<usize>)>,
    engine: fn() -> ScratchDb,
    setup: &str,
    dialect: Dialect,
) {
    for (name, sql, line) in cases {
        let retry = second_run(engine, setup, &sql);
        assert_eq!(
            retry.is_err(),
            line.is_some(),
            "{name}: the server's verdict on a second run: {retry:?}"
        );
        assert_eq!(
            flagged_lines(&sql, dialect),
            line.into_iter().collect::<Vec<_>>(),
            "{name}: lint's flags (second run: {retry:?})"
        );
    }
}

#[test]
fn lint_flags_exactly_the_calls_whose_second_run_fails_on_mariadb() {
    assert_flags_match_retries(
        maria_cases(),
        ScratchDb::mariadb,
        MARIA_SETUP,
        Dialect::Mariadb,
    );
}

#[test]
fn a_procedure_of_an_earlier_migration_runs_at_the_call_on_mariadb() {
    // (later migration, the line lint must flag in it when its second run fails)
    let cases = [
        (
            "CALL PROC_DROP_INDEX('t', 't_a_key');\nCREATE UNIQUE INDEX t_a_key ON t (a);\n",
            None,
        ),
        ("CALL add_index();\n", Some(1)),
    ];
    for (later, line) in cases {
        let dir = tempfile::tempdir().unwrap();
        let first = format!(
            "{PROCS}DROP PROCEDURE IF EXISTS add_index;\nDELIMITER //\n\
             CREATE PROCEDURE add_index() BEGIN ALTER TABLE t ADD INDEX t_i (a); END //\nDELIMITER ;\n"
        );
        std::fs::write(dir.path().join("001_procs.sql"), &first).unwrap();
        std::fs::write(dir.path().join("002_use.sql"), later).unwrap();
        let db = ScratchDb::mariadb();
        db.exec(MARIA_SETUP);
        db.exec(&first);
        let retry = run_twice(&db, later);
        assert_eq!(retry.is_err(), line.is_some(), "{later}: {retry:?}");
        let report = lint_paths(&[dir.path().to_path_buf()], &options(Dialect::Mariadb)).unwrap();
        let flagged: Vec<(String, usize)> = report
            .findings
            .iter()
            .filter(|f| is_retry_rule(f.rule.code))
            .map(|f| {
                let path = f.location.path.clone().unwrap_or_default();
                (
                    path.rsplit('/').next().unwrap_or_default().to_string(),
                    f.location.start.unwrap().line,
                )
            })
            .collect();
        let expected: Vec<(String, usize)> = line
            .map(|l| ("002_use.sql".to_string(), l))
            .into_iter()
            .collect();
        assert_eq!(flagged, expected, "{later}: {:?}", report.findings);
    }
}

/// MariaDB's `BEGIN NOT ATOMIC … END` calls `add_i`, whose body adds index `t_i` (behind a
/// catalog check when `guarded_body`), as `block` (its statements) says.
fn compound(guarded_body: bool, block: &str) -> String {
    let add = "ALTER TABLE t ADD INDEX t_i (a);";
    let body = match guarded_body {
        true => format!("IF NOT EXISTS ({T_I_EXISTS}) THEN {add} END IF;"),
        false => add.to_string(),
    };
    format!(
        "DELIMITER //\nCREATE OR REPLACE PROCEDURE add_i() BEGIN\n{body}\nEND //\n\
         BEGIN NOT ATOMIC\n{block}\nEND //\nDELIMITER ;\n"
    )
}

/// Finds index `t_i` of `t`.
const T_I_EXISTS: &str =
    "SELECT 1 FROM information_schema.statistics WHERE table_schema = DATABASE() \
     AND table_name = 't' AND index_name = 't_i'";

fn compound_cases() -> Vec<(&'static str, String, Option<usize>)> {
    let checked_call = format!("IF NOT EXISTS ({T_I_EXISTS}) THEN CALL add_i(); END IF;");
    vec![
        // Flagged in the body, which the block's call runs.
        ("block_calls_unguarded", compound(false, "CALL add_i();"), Some(3)),
        ("block_checks_catalog", compound(false, &checked_call), None),
        (
            "block_handles_duplicate_key",
            compound(
                false,
                "DECLARE CONTINUE HANDLER FOR 1061 BEGIN END;\nCALL add_i();",
            ),
            None,
        ),
        ("block_calls_guarded_body", compound(true, "CALL add_i();"), None),
        // SQL the block builds: flagged at the block.
        (
            "block_executes_unguarded",
            compound(
                true,
                "SET @s = CONCAT('ALTER TABLE t ', 'ADD COLUMN c INT');\nPREPARE st FROM @s;\nEXECUTE st;",
            ),
            Some(5),
        ),
        (
            "block_executes_checked",
            compound(
                true,
                "IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = DATABASE() \
                 AND table_name = 't' AND column_name = 'c') THEN\n\
                 EXECUTE IMMEDIATE 'ALTER TABLE t ADD COLUMN c INT';\nEND IF;",
            ),
            None,
        ),
    ]
}

#[test]
fn lint_flags_exactly_the_compound_block_calls_whose_second_run_fails_on_mariadb() {
    assert_flags_match_retries(
        compound_cases(),
        ScratchDb::mariadb,
        MARIA_SETUP,
        Dialect::Mariadb,
    );
}

const PG_SETUP: &str = "CREATE TABLE t (id int PRIMARY KEY, a int);
CREATE TABLE modules (module text UNIQUE);";

/// A procedure that creates index `t_i` unguarded.
const MAKE_T_I: &str = "CREATE OR REPLACE PROCEDURE make_i() LANGUAGE plpgsql AS $$\nBEGIN\n  \
     CREATE INDEX t_i ON t (a);\nEND $$;\n";

fn pg_cases() -> Vec<(&'static str, String, Option<usize>)> {
    let function = |guard: bool| {
        let (open, close) = match guard {
            true => (
                "  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = tbl AND column_name = col) THEN\n",
                "  END IF;\n",
            ),
            false => ("\n", "\n"),
        };
        format!(
            "CREATE OR REPLACE FUNCTION add_column(tbl text, col text) RETURNS void AS $$\nBEGIN\n{open}  \
             EXECUTE format('ALTER TABLE %I ADD COLUMN %I int', tbl, col);\n{close}END $$ LANGUAGE plpgsql;\n\
             SELECT add_column('t', 'c');\n"
        )
    };
    vec![
        ("unguarded_format", function(false), Some(7)),
        ("guarded_format", function(true), None),
        (
            "drop_constraint_then_add",
            "CREATE OR REPLACE FUNCTION drop_constraint(tbl text, con text) RETURNS void AS $$\nBEGIN\n  \
             IF EXISTS (SELECT 1 FROM pg_constraint WHERE conname = con) THEN\n    \
             EXECUTE 'ALTER TABLE ' || quote_ident(tbl) || ' DROP CONSTRAINT ' || quote_ident(con);\n  \
             END IF;\nEND $$ LANGUAGE plpgsql;\nSELECT drop_constraint('t', 't_a_check');\n\
             ALTER TABLE t ADD CONSTRAINT t_a_check CHECK (a > 0);\n"
                .to_string(),
            None,
        ),
        (
            // apache ranger's PostgreSQL patches: a catalog read into a variable, then IF.
            "catalog_variable",
            "CREATE OR REPLACE FUNCTION add_options() RETURNS void AS $$\nDECLARE\n n integer := 0;\nBEGIN\n \
             select count(*) into n from pg_attribute where attrelid = 't'::regclass and attname = 'options';\n \
             IF n = 0 THEN\n  ALTER TABLE t ADD COLUMN options text;\n END IF;\nEND $$ LANGUAGE plpgsql;\n\
             select add_options();\n"
                .to_string(),
            None,
        ),
        (
            // ranger's patch 037: a count of the rows the INSERT would add, then IF.
            "row_checked_insert",
            "CREATE OR REPLACE FUNCTION add_module() RETURNS void AS $$\nDECLARE\n n integer := 0;\nBEGIN\n \
             select count(*) into n from modules where module = 'zone';\n \
             IF n = 0 THEN\n  INSERT INTO modules (module) VALUES ('zone');\n END IF;\nEND $$ LANGUAGE plpgsql;\n\
             select add_module();\n"
                .to_string(),
            None,
        ),
        (
            "unchecked_insert",
            "CREATE OR REPLACE FUNCTION add_module() RETURNS void AS $$\nBEGIN\n  \
             INSERT INTO modules (module) VALUES ('zone');\nEND $$ LANGUAGE plpgsql;\nselect add_module();\n"
                .to_string(),
            Some(3),
        ),
        (
            "do_block_calls_unguarded",
            format!("{MAKE_T_I}DO $$ BEGIN CALL make_i(); END $$;\n"),
            Some(3),
        ),
        // A handler around the call guards the body's statements against what it catches.
        (
            "do_block_catches_another_error_around_call",
            format!(
                "{MAKE_T_I}DO $$ BEGIN CALL make_i(); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n"
            ),
            Some(3),
        ),
        (
            "do_block_catches_the_error_around_call",
            format!(
                "{MAKE_T_I}DO $$ BEGIN CALL make_i(); EXCEPTION WHEN duplicate_table THEN NULL; END $$;\n"
            ),
            None,
        ),
        (
            "do_block_checks_catalog_before_call",
            format!(
                "{MAKE_T_I}DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 't_i') \
                 THEN CALL make_i(); END IF; END $$;\n"
            ),
            None,
        ),
        (
            "procedure_body",
            "CREATE OR REPLACE PROCEDURE make() LANGUAGE plpgsql AS $$\nBEGIN\n  \
             CREATE TABLE made (id int);\nEND $$;\nCALL make();\n"
                .to_string(),
            Some(3),
        ),
        // A DO block's own EXECUTE runs the SQL it evaluates to (findings at the block).
        (
            "do_block_executes_literal",
            "SELECT 1;\nDO $$ BEGIN EXECUTE 'CREATE INDEX t_x ON t (a)'; END $$;\n".to_string(),
            Some(2),
        ),
        (
            "do_block_checks_catalog_before_execute",
            "DO $$ BEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 't_x') THEN\n    \
             EXECUTE 'CREATE INDEX t_x ON t (a)';\n  END IF;\nEND $$;\n"
                .to_string(),
            None,
        ),
        (
            "do_block_catches_duplicate_table_around_execute",
            "DO $$ BEGIN\n  EXECUTE 'CREATE INDEX t_x ON t (a)';\n\
             EXCEPTION WHEN duplicate_table THEN NULL;\nEND $$;\n"
                .to_string(),
            None,
        ),
        (
            "do_block_executes_format",
            "DO $$ BEGIN EXECUTE format('CREATE TABLE %I (id int)', 'x'); END $$;\n".to_string(),
            Some(1),
        ),
    ]
}

#[test]
fn lint_flags_exactly_the_calls_whose_second_run_fails_on_postgres() {
    assert_flags_match_retries(pg_cases(), ScratchDb::postgres, PG_SETUP, Dialect::Postgres);
}

#[test]
fn the_fixed_body_of_a_called_procedure_runs_twice_on_mariadb() {
    let (_, sql, _) = maria_cases()
        .into_iter()
        .find(|(name, _, _)| *name == "ranger_052")
        .unwrap();
    let file = SourceFile::new("m.sql", sql.as_str());
    let outcome = preflight::fix::fix_source(&file, &options(Dialect::Mariadb), false);
    assert!(
        outcome.fixed.contains("ADD INDEX IF NOT EXISTS t_uk_a_p"),
        "{}",
        outcome.fixed
    );
    let db = ScratchDb::mariadb();
    db.exec(MARIA_SETUP);
    db.exec(&outcome.fixed);
    db.exec(&outcome.fixed);
}

/// Objects the handler cases drop, and tables they alter.
const HANDLER_SETUP: &str =
    "CREATE TABLE t (id int PRIMARY KEY, a int, dc int, CONSTRAINT d_ck CHECK (a > 0));
CREATE TABLE p (id int);
CREATE TABLE d1 (id int);
CREATE INDEX d_i ON t (a);
CREATE VIEW d_v AS SELECT 1 AS x;
CREATE SEQUENCE d_s;
CREATE TYPE d_ty AS ENUM ('a');
CREATE FUNCTION d_f() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE SCHEMA d_sc;
CREATE TABLE m (k text UNIQUE);";

/// (statement, the condition its second run raises on PostgreSQL, one it does not raise).
const RETRY_ERRORS: &[(&str, &str, &str)] = &[
    (
        "CREATE TABLE n1 (id int)",
        "duplicate_table",
        "duplicate_object",
    ),
    (
        "CREATE INDEX z5 ON t (a)",
        "duplicate_table",
        "duplicate_object",
    ),
    ("CREATE SEQUENCE n_s", "duplicate_table", "duplicate_object"),
    (
        "CREATE VIEW n_v AS SELECT 1 AS x",
        "duplicate_table",
        "duplicate_object",
    ),
    (
        "ALTER TABLE t ADD COLUMN n_c int",
        "duplicate_column",
        "duplicate_object",
    ),
    (
        "ALTER TABLE t ADD CONSTRAINT n_ck CHECK (a > 0)",
        "duplicate_object",
        "duplicate_table",
    ),
    (
        "ALTER TABLE t ADD CONSTRAINT n_fk FOREIGN KEY (a) REFERENCES t (id)",
        "duplicate_object",
        "duplicate_table",
    ),
    // UNIQUE builds an index: "relation "n_uq" already exists".
    (
        "ALTER TABLE t ADD CONSTRAINT n_uq UNIQUE (a)",
        "duplicate_table",
        "duplicate_object",
    ),
    (
        "ALTER TABLE p ADD PRIMARY KEY (id)",
        "invalid_table_definition",
        "duplicate_object",
    ),
    (
        "CREATE TYPE n_ty AS ENUM ('a')",
        "duplicate_object",
        "duplicate_table",
    ),
    (
        "CREATE FUNCTION n_f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "duplicate_function",
        "duplicate_object",
    ),
    ("CREATE SCHEMA n_sc", "duplicate_schema", "duplicate_object"),
    (
        "CREATE POLICY n_po ON t USING (true)",
        "duplicate_object",
        "duplicate_table",
    ),
    ("DROP TABLE d1", "undefined_table", "undefined_object"),
    ("DROP INDEX d_i", "undefined_object", "undefined_table"),
    ("DROP VIEW d_v", "undefined_table", "undefined_object"),
    ("DROP SEQUENCE d_s", "undefined_table", "undefined_object"),
    (
        "ALTER TABLE t DROP COLUMN dc",
        "undefined_column",
        "undefined_object",
    ),
    (
        "ALTER TABLE t DROP CONSTRAINT d_ck",
        "undefined_object",
        "undefined_column",
    ),
    (
        "DROP FUNCTION d_f()",
        "undefined_function",
        "undefined_object",
    ),
    ("DROP TYPE d_ty", "undefined_object", "undefined_table"),
    // A missing schema is not `undefined_…`: 3F000.
    (
        "DROP SCHEMA d_sc",
        "invalid_schema_name",
        "undefined_object",
    ),
    // Rows inserted again violate the unique key.
    (
        "INSERT INTO m (k) VALUES ('a')",
        "unique_violation",
        "duplicate_object",
    ),
];

/// DO blocks whose exception handlers catch the retry's error or not (all on line 1).
fn handler_cases() -> Vec<(String, String, bool)> {
    let block = |body: &str| format!("DO $$ BEGIN {body} END $$;\n");
    let mut cases = Vec::new();
    for (statement, raised, other) in RETRY_ERRORS {
        for (condition, fails) in [(raised, false), (other, true)] {
            cases.push((
                format!("{statement} / {condition}"),
                block(&format!(
                    "{statement}; EXCEPTION WHEN {condition} THEN NULL;"
                )),
                fails,
            ));
        }
    }
    let scoped: &[(&str, &str, bool)] = &[
        // A handler guards the statements of its own block only.
        (
            "handler_of_a_later_nested_block",
            "CREATE TABLE a1 (id int); BEGIN PERFORM 1; EXCEPTION WHEN duplicate_table THEN NULL; END;",
            true,
        ),
        (
            "nested_block_with_its_handler",
            "BEGIN CREATE TABLE a2 (id int); EXCEPTION WHEN duplicate_table THEN NULL; END; PERFORM 1;",
            false,
        ),
        // An error a nested block does not catch propagates to the enclosing handler.
        (
            "nested_block_inside_the_handled_block",
            "BEGIN CREATE TABLE a3 (id int); END; EXCEPTION WHEN duplicate_table THEN NULL;",
            false,
        ),
        (
            "nested_handler_of_another_error_inside_the_handled_block",
            "BEGIN CREATE TABLE a3 (id int); EXCEPTION WHEN duplicate_object THEN NULL; END; \
             EXCEPTION WHEN duplicate_table THEN NULL;",
            false,
        ),
        // The handler's own branch is not guarded by it.
        (
            "statement_in_the_handler_branch",
            "RAISE unique_violation; EXCEPTION WHEN unique_violation OR duplicate_table THEN \
             CREATE TABLE a4 (id int);",
            true,
        ),
        (
            "when_others",
            "CREATE TABLE a5 (id int); EXCEPTION WHEN OTHERS THEN NULL;",
            false,
        ),
        (
            "sqlstate_of_the_error",
            "CREATE INDEX z6 ON t (a); EXCEPTION WHEN SQLSTATE '42P07' THEN NULL;",
            false,
        ),
        (
            "sqlstate_of_another_error",
            "CREATE INDEX z7 ON t (a); EXCEPTION WHEN SQLSTATE '42710' THEN NULL;",
            true,
        ),
        // One ALTER whose actions raise different errors on a retry: PostgreSQL adds the
        // primary key before the foreign key, so "multiple primary keys" comes first and a
        // handler must catch both (lemmy's 2025-08-01-000049 as `fix` first wrapped it).
        (
            "alter_adding_a_foreign_key_and_a_primary_key_catching_one",
            "ALTER TABLE p ALTER COLUMN id SET NOT NULL, ADD CONSTRAINT p_fk FOREIGN KEY (id) \
             REFERENCES t, ADD UNIQUE (id), ADD PRIMARY KEY (id); \
             EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;",
            true,
        ),
        (
            "alter_adding_a_foreign_key_and_a_primary_key_catching_both",
            "ALTER TABLE p ALTER COLUMN id SET NOT NULL, ADD CONSTRAINT p_fk FOREIGN KEY (id) \
             REFERENCES t, ADD UNIQUE (id), ADD PRIMARY KEY (id); \
             EXCEPTION WHEN duplicate_object OR invalid_table_definition THEN NULL;",
            false,
        ),
        // `DROP CONSTRAINT IF EXISTS` raises nothing on a re-run: only the key's error needs
        // catching (hydra's primary-key swaps as `fix` wraps them).
        (
            "alter_dropping_a_constraint_if_exists_and_adding_a_primary_key_caught",
            "ALTER TABLE p DROP CONSTRAINT IF EXISTS \"primary\", ADD CONSTRAINT p_pkey PRIMARY KEY (id); \
             EXCEPTION WHEN duplicate_object OR duplicate_table OR invalid_table_definition THEN NULL;",
            false,
        ),
        (
            "alter_dropping_a_constraint_if_exists_and_adding_a_primary_key_not_caught",
            "ALTER TABLE p DROP CONSTRAINT IF EXISTS \"primary\", ADD CONSTRAINT p_pkey PRIMARY KEY (id); \
             EXCEPTION WHEN duplicate_object THEN NULL;",
            true,
        ),
    ];
    for (name, body, fails) in scoped {
        cases.push((name.to_string(), block(body), *fails));
    }
    cases
}

#[test]
fn lint_flags_exactly_the_do_blocks_whose_handler_misses_the_retry_error_on_postgres() {
    let mut wrong = Vec::new();
    for (name, sql, fails) in handler_cases() {
        let retry = second_run(ScratchDb::postgres, HANDLER_SETUP, &sql);
        assert_eq!(
            retry.is_err(),
            fails,
            "{name}: the server's verdict on a second run: {retry:?}\n{sql}"
        );
        let mut flagged = flagged_lines(&sql, Dialect::Postgres);
        flagged.dedup();
        if flagged != fails.then_some(1).into_iter().collect::<Vec<_>>() {
            wrong.push(format!(
                "{name}: lint flags {flagged:?} (second run: {retry:?})"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Atlas checkpoints (`-- atlas:checkpoint`): a fresh database starts at the last one
/// (`sql/migrate/dir.go`, `FilesFromLastCheckpoint`) and runs it and the files after it, so
/// `3_use.sql` calls the procedure `2_checkpoint.sql` defines. Run so on the real server, the
/// call's second run fails (the index exists): lint must flag it from the checkpoint's body,
/// not report a procedure no migration defines (PF001). A database with history (1 then 3,
/// `SkipCheckpointFiles`) reaches the file too, and there the procedure is not defined: the
/// run that defines it is the one checked.
#[test]
fn a_procedure_a_checkpoint_defines_runs_at_the_call_on_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let table = "CREATE TABLE IF NOT EXISTS t (id int PRIMARY KEY, a int);\n";
    let checkpoint = format!(
        "-- atlas:checkpoint\n\n{table}CREATE OR REPLACE PROCEDURE add_index() LANGUAGE plpgsql AS $$\nBEGIN\n  CREATE INDEX t_i ON t (a);\nEND $$;\n"
    );
    let later = "CALL add_index();\n";
    std::fs::write(dir.path().join("1_base.sql"), table).unwrap();
    std::fs::write(dir.path().join("2_checkpoint.sql"), &checkpoint).unwrap();
    std::fs::write(dir.path().join("3_use.sql"), later).unwrap();
    std::fs::write(dir.path().join("atlas.sum"), "h1:unchecked-by-lint\n").unwrap();

    let retry = second_run(ScratchDb::postgres, &checkpoint, later);
    assert!(retry.is_err(), "the second run of the call: {retry:?}");

    let report = lint_paths(&[dir.path().to_path_buf()], &options(Dialect::Postgres)).unwrap();
    let in_use: Vec<(&str, usize)> = report
        .findings
        .iter()
        .filter(|f| {
            f.location
                .path
                .as_deref()
                .is_some_and(|p| p.ends_with("3_use.sql"))
        })
        .map(|f| (f.rule.code, f.location.start.unwrap().line))
        .collect();
    assert!(
        in_use
            .iter()
            .any(|(code, line)| code.starts_with("PF1") && *line == 1),
        "{:?}",
        report.findings
    );
    assert!(
        !in_use.iter().any(|(code, _)| *code == "PF001"),
        "{:?}",
        report.findings
    );
}

/// Findings as (rule, line, what).
type Found<T> = Vec<(String, usize, T)>;

/// A directory with `1_base.sql` (plain), `2_checkpoint.sql` (`-- atlas:checkpoint`) and
/// `3_use.sql`, and lint's findings on `3_use.sql` (with their message) and on
/// `2_checkpoint.sql` (with their notes).
fn atlas_findings(
    base: &str,
    checkpoint: &str,
    later: &str,
) -> (Found<String>, Found<Vec<String>>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("1_base.sql"), base).unwrap();
    std::fs::write(dir.path().join("2_checkpoint.sql"), checkpoint).unwrap();
    std::fs::write(dir.path().join("3_use.sql"), later).unwrap();
    std::fs::write(dir.path().join("atlas.sum"), "h1:unchecked-by-lint\n").unwrap();
    let report = lint_paths(&[dir.path().to_path_buf()], &options(Dialect::Postgres)).unwrap();
    let of = |file: &str| -> Vec<preflight::diagnostics::Finding> {
        report
            .findings
            .iter()
            .filter(|f| {
                f.location
                    .path
                    .as_deref()
                    .is_some_and(|p| p.ends_with(file))
            })
            .cloned()
            .collect()
    };
    (
        of("3_use.sql")
            .into_iter()
            .map(|f| {
                (
                    f.rule.code.to_string(),
                    f.location.start.unwrap().line,
                    f.message,
                )
            })
            .collect(),
        of("2_checkpoint.sql")
            .into_iter()
            .map(|f| {
                (
                    f.rule.code.to_string(),
                    f.location.start.unwrap().line,
                    f.notes,
                )
            })
            .collect(),
    )
}

/// The same procedure in a plain file and in a checkpoint, with different bodies: a database
/// with history (`1_base.sql`, then `3_use.sql`) runs the plain one, a fresh database (the
/// checkpoint, then `3_use.sql`) the checkpoint's. Each run is made twice on the real server:
/// whichever body fails on the second run is flagged at the call, naming its file; the other
/// is not.
#[test]
fn both_runs_atlas_checkpoints_give_check_their_own_body_on_postgres() {
    let table = "CREATE TABLE IF NOT EXISTS t (id int PRIMARY KEY, a int);\n";
    let procedure = |index: &str| {
        format!(
            "{table}CREATE OR REPLACE PROCEDURE add_index() LANGUAGE plpgsql AS $$\nBEGIN\n  {index}\nEND $$;\n"
        )
    };
    let guarded = procedure("CREATE INDEX IF NOT EXISTS t_i ON t (a);");
    let unguarded = procedure("CREATE INDEX t_i ON t (a);");
    // Guarded by the drop before it: one run's drop guards nothing in the other's body.
    let dropped_first = procedure("DROP INDEX IF EXISTS t_i;\n  CREATE INDEX t_i ON t (a);");
    let later = "CALL add_index();\n";
    // (plain body, checkpoint body, the file whose body a second run fails in).
    let cases = [
        (&guarded, &unguarded, Some("2_checkpoint.sql")),
        (&unguarded, &guarded, Some("1_base.sql")),
        (&guarded, &guarded, None),
        (&dropped_first, &unguarded, Some("2_checkpoint.sql")),
    ];
    for (plain, checkpoint, fails_in) in cases {
        let checkpoint = format!("-- atlas:checkpoint\n\n{checkpoint}");
        for (file, first) in [("1_base.sql", plain), ("2_checkpoint.sql", &checkpoint)] {
            let retry = second_run(ScratchDb::postgres, first, later);
            assert_eq!(
                retry.is_err(),
                fails_in == Some(file),
                "started at {file}: the second run of the call: {retry:?}"
            );
        }
        let (in_use, _) = atlas_findings(plain, &checkpoint, later);
        let flagged: Vec<&(String, usize, String)> =
            in_use.iter().filter(|f| f.0.starts_with("PF1")).collect();
        match fails_in {
            Some(file) => assert!(
                flagged.len() == 1
                    && flagged[0].1 == 1
                    && flagged[0].2.contains("in the body of add_index (")
                    && flagged[0].2.contains(&format!("/{file}:")),
                "{file}: {in_use:?}"
            ),
            None => assert!(flagged.is_empty(), "{in_use:?}"),
        }
        assert!(!in_use.iter().any(|f| f.0 == "PF001"), "{in_use:?}");
    }
}

/// A checkpoint runs first, on a fresh database, in place of the files before it: a procedure
/// only an earlier plain file defines does not exist there (the call fails on the real server
/// the first time), so its call in the checkpoint is PF001, with a note saying why the plain
/// file's definition does not count.
#[test]
fn a_checkpoint_calling_a_procedure_only_an_earlier_plain_file_defines_is_unknown_on_postgres() {
    let base = "CREATE TABLE IF NOT EXISTS t (id int PRIMARY KEY, a int);\n\
                CREATE OR REPLACE PROCEDURE add_index() LANGUAGE plpgsql AS $$\nBEGIN\n  CREATE INDEX IF NOT EXISTS t_i ON t (a);\nEND $$;\n";
    let checkpoint = "-- atlas:checkpoint\n\nCREATE TABLE IF NOT EXISTS t (id int PRIMARY KEY, a int);\nCALL add_index();\n";
    let db = ScratchDb::postgres();
    let fresh = db.try_exec(checkpoint);
    assert!(
        fresh.is_err(),
        "a fresh database's run of the checkpoint: {fresh:?}"
    );
    let (_, in_checkpoint) = atlas_findings(base, checkpoint, "SELECT 1;\n");
    let unknown: Vec<&(String, usize, Vec<String>)> =
        in_checkpoint.iter().filter(|f| f.0 == "PF001").collect();
    assert!(unknown.len() == 1 && unknown[0].1 == 4, "{in_checkpoint:?}");
    assert!(
        unknown[0].2.iter().any(|n| n.contains(
            "1_base.sql defines it, but an Atlas checkpoint runs first, on a database that starts at it, where the migrations before it do not run"
        )),
        "{:?}",
        unknown[0].2
    );
}

/// The retry findings (rule, line) lint reports in `002_call.sql` (`later`) of a directory whose
/// `001_proc.sql` is `first`.
fn later_migration_findings(
    first: &str,
    later: &str,
    dialect: Dialect,
) -> Vec<(&'static str, usize)> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("001_proc.sql"), first).unwrap();
    std::fs::write(dir.path().join("002_call.sql"), later).unwrap();
    let report = lint_paths(&[dir.path().to_path_buf()], &options(dialect)).unwrap();
    report
        .findings
        .iter()
        .filter(|f| is_retry_rule(f.rule.code))
        .filter(|f| {
            f.location
                .path
                .as_deref()
                .is_some_and(|p| p.ends_with("002_call.sql"))
        })
        .map(|f| (f.rule.code, f.location.start.unwrap().line))
        .collect()
}

/// A procedure an earlier migration defines runs its body from its start at each call of a
/// later one, so a drop right after the body's statement that makes what it drops never fails
/// on a retry: after a crash between the two, the statement that makes it fails first (1060);
/// after the whole call, the drop has freed the name again. Lint must flag the call for the
/// make alone (PF108), not for the drop (PF110), and nothing when the make runs again (`IF NOT
/// EXISTS`), called once or twice.
#[test]
fn a_drop_right_after_what_an_earlier_migrations_procedure_makes_is_not_flagged_on_mariadb() {
    // (body, the later migration, the retry rules lint must report in it)
    let plain = "ALTER TABLE t4 ADD COLUMN c INT;\nALTER TABLE t4 DROP COLUMN c;\n";
    let again = "ALTER TABLE t4 ADD COLUMN IF NOT EXISTS c INT;\nALTER TABLE t4 DROP COLUMN c;\n";
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, usize)]);
    let cases: [Case; 3] = [
        (plain, "CALL p_case();\n", &[("PF108", 1)]),
        (again, "CALL p_case();\n", &[]),
        (again, "CALL p_case();\nCALL p_case();\n", &[]),
    ];
    for (body, later, expected) in cases {
        let first = format!(
            "CREATE TABLE IF NOT EXISTS t4 (id INT);\nDELIMITER //\n\
             CREATE OR REPLACE PROCEDURE p_case() BEGIN\n{body}END //\nDELIMITER ;\n"
        );
        // A crash after the body's first statement (of the last call), and after all of it.
        let add = body.lines().next().unwrap();
        let calls_before = later.strip_suffix("CALL p_case();\n").unwrap();
        let retries: Vec<bool> = [format!("{calls_before}{add}\n"), later.to_string()]
            .iter()
            .map(|done| {
                let db = ScratchDb::mariadb();
                db.exec(&first);
                db.exec(done);
                db.try_exec(later).is_err()
            })
            .collect();
        assert_eq!(
            retries,
            [!expected.is_empty(), false],
            "{body}{later}: the retry's failure after each crash point"
        );
        let found = later_migration_findings(&first, later, Dialect::Mariadb);
        assert_eq!(found, expected, "{body}{later}");
    }
}

/// The body of procedure `p_case` (PL/pgSQL) created on its own line 2 after `CREATE TABLE IF
/// NOT EXISTS t4`: its first line is the file's line 4.
fn pg_procedure(body: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS t4 (id int, d int);\n\
         CREATE OR REPLACE PROCEDURE p_case() LANGUAGE plpgsql AS $$\nBEGIN\n{body}END $$;\n"
    )
}

/// PostgreSQL runs a called procedure's body in the transaction of the statement that calls
/// it (unless the body ends that with `COMMIT`), so no crash leaves a body half done: a drop
/// right after what the body makes finds it (the credit a MariaDB body gets), and so does a
/// plain `ADD COLUMN`, `CREATE TABLE` or `ADD CONSTRAINT` whose object a later statement of the
/// same body removes again, called once or twice. Lint flags exactly the body statements a
/// retry fails at, at every crash point and under a per-file transaction; with a `COMMIT`
/// between the make and the drop, a crash after it leaves the column, and the retry fails at
/// the `ADD`.
#[test]
fn what_a_called_procedure_makes_and_removes_again_is_not_flagged_on_postgres() {
    use common::retry::retry_lines_in_model;
    let once = "CALL p_case();\n";
    let twice = "CALL p_case();\nCALL p_case();\n";
    // (body, the calls after it, the body's lines (1-based) lint must flag).
    let cases: [(&str, &str, &[usize]); 9] = [
        (
            "ALTER TABLE t4 ADD COLUMN IF NOT EXISTS c int;\nALTER TABLE t4 DROP COLUMN c;\n",
            twice,
            &[],
        ),
        (
            "ALTER TABLE t4 ADD COLUMN c int;\nALTER TABLE t4 DROP COLUMN c;\n",
            once,
            &[],
        ),
        (
            "ALTER TABLE t4 ADD COLUMN c int;\nALTER TABLE t4 DROP COLUMN c;\n",
            twice,
            &[],
        ),
        ("CREATE TABLE x4 (id int);\nDROP TABLE x4;\n", twice, &[]),
        (
            "CREATE INDEX IF NOT EXISTS t4_i ON t4 (id);\nDROP INDEX t4_i;\n",
            twice,
            &[],
        ),
        (
            "ALTER TABLE t4 ADD CONSTRAINT t4_ck CHECK (id > 0);\n\
             ALTER TABLE t4 DROP CONSTRAINT t4_ck;\n",
            twice,
            &[],
        ),
        ("ALTER TABLE t4 ADD COLUMN c int;\n", once, &[1]),
        (
            "ALTER TABLE t4 ADD COLUMN IF NOT EXISTS c int;\nALTER TABLE t4 DROP COLUMN d;\n",
            once,
            &[2],
        ),
        (
            "ALTER TABLE t4 ADD COLUMN c int;\nALTER TABLE t4 DROP COLUMN d;\n\
             ALTER TABLE t4 DROP COLUMN c;\n",
            once,
            &[2],
        ),
    ];
    let db = ScratchDb::postgres();
    for (body, calls, expected) in cases {
        let sql = format!("{}{calls}", pg_procedure(body));
        let lines: Vec<usize> = expected.iter().map(|l| l + 3).collect();
        assert_postgres_retries_fail_where_flagged(&db, &sql, &lines);
    }
    // A COMMIT in the body: a crash after it (the ADD ran, the DROP did not) fails the retry
    // at the ADD (42701).
    let body = "ALTER TABLE t4 ADD COLUMN c int;\nCOMMIT;\nALTER TABLE t4 DROP COLUMN c;\n";
    let sql = format!("{}{once}", pg_procedure(body));
    let db = ScratchDb::postgres();
    db.exec(&pg_procedure(body));
    db.exec("ALTER TABLE t4 ADD COLUMN c int;");
    let retry = db.try_exec(&sql);
    assert!(
        retry.as_ref().is_err_and(|e| e.contains("already exists")),
        "{retry:?}"
    );
    // (The drop after the COMMIT stays flagged too: the credit wants only `;` between.)
    let flagged = retry_lines_in_model(&sql, None);
    assert!(flagged.contains(&4), "{flagged:?}\n{sql}");
}

/// The same make and removal in the body of a PostgreSQL procedure an earlier migration
/// defines: a later migration's call, run twice (the call once or twice), never fails, and
/// lint flags nothing in it.
#[test]
fn what_an_earlier_migrations_procedure_makes_and_removes_again_is_not_flagged_on_postgres() {
    let bodies = [
        "ALTER TABLE t4 ADD COLUMN IF NOT EXISTS c int;\nALTER TABLE t4 DROP COLUMN c;\n",
        "ALTER TABLE t4 ADD COLUMN c int;\nALTER TABLE t4 DROP COLUMN c;\n",
        "ALTER TABLE t4 ADD CONSTRAINT t4_ck CHECK (id > 0);\nALTER TABLE t4 DROP CONSTRAINT t4_ck;\n",
    ];
    for body in bodies {
        for later in ["CALL p_case();\n", "CALL p_case();\nCALL p_case();\n"] {
            let first = pg_procedure(body);
            let db = ScratchDb::postgres();
            db.exec(&first);
            let retry = run_twice(&db, later);
            assert!(retry.is_ok(), "{body}{later}: {retry:?}");
            let found = later_migration_findings(&first, later, Dialect::Postgres);
            assert_eq!(found, [], "{body}{later}");
        }
    }
}

/// Procedure `q_case` with body `q`, then `p_case` with body `p` (MariaDB), after `CREATE TABLE
/// IF NOT EXISTS t4 (id INT, d INT)`.
fn maria_procedures(p: &str, q: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS t4 (id INT, d INT);\nDELIMITER //\n\
         CREATE OR REPLACE PROCEDURE q_case() BEGIN\n{q}END //\n\
         CREATE OR REPLACE PROCEDURE p_case() BEGIN\n{p}END //\nDELIMITER ;\n"
    )
}

/// Does a retry of `file` (after `before`) fail after some crash point of `later`, the calls
/// it (or the later migration) runs: after each call, and after the first statement of `p`
/// (what p_case makes) in each call?
fn maria_retry_fails(before: &str, later: &str, make: &str, file: &str) -> bool {
    let calls: Vec<&str> = later.split_inclusive('\n').collect();
    let done: Vec<String> = (0..calls.len())
        .flat_map(|k| {
            let so_far = calls[..k].concat();
            [format!("{so_far}{make}"), format!("{so_far}{}", calls[k])]
        })
        .collect();
    done.iter().any(|done| {
        let db = ScratchDb::mariadb();
        db.exec(before);
        db.exec(done);
        db.try_exec(file).is_err()
    })
}

/// Procedure `p` makes a column (a CHECK, a table) and calls `q`, whose body drops it first
/// thing: each call of `p` runs the make right before the drop, so a retry after a crash
/// between the two fails at the make (1060) when it is a plain `ADD COLUMN`, and runs again
/// when it is `ADD COLUMN IF NOT EXISTS`; the drop never fails. Lint must flag the make alone
/// (PF108) or nothing, and a later drop of `q` that nothing makes again (PF110), with the procedures in the same file and
/// in an earlier one, `p` called once and twice, at every crash point, the one between the make
/// and the drop too.
#[test]
fn a_drop_first_in_a_procedure_called_right_after_what_the_caller_makes_is_not_flagged_on_mariadb()
{
    let again = "ALTER TABLE t4 ADD COLUMN IF NOT EXISTS c INT;\n";
    let plain = "ALTER TABLE t4 ADD COLUMN c INT;\n";
    let drop = "ALTER TABLE t4 DROP COLUMN c;\n";
    let drop_d = "ALTER TABLE t4 DROP COLUMN c;\nALTER TABLE t4 DROP COLUMN d;\n";
    // (p's make, q's body, the calls, texts on the lines lint must flag).
    type Case<'a> = (&'a str, &'a str, &'a str, &'a [&'a str]);
    let once = "CALL p_case();\n";
    let twice = "CALL p_case();\nCALL p_case();\n";
    let check = "ALTER TABLE t4 ADD CONSTRAINT IF NOT EXISTS t4_ck CHECK (id > 0);\n";
    let drop_check = "ALTER TABLE t4 DROP CONSTRAINT t4_ck;\n";
    let table = "CREATE TABLE IF NOT EXISTS x4 (id INT);\n";
    let drop_table = "DROP TABLE x4;\n";
    let cases: [Case; 10] = [
        (check, drop_check, once, &[]),
        (check, drop_check, twice, &[]),
        (table, drop_table, once, &[]),
        (table, drop_table, twice, &[]),
        (again, drop, once, &[]),
        (again, drop, twice, &[]),
        (plain, drop, once, &[plain]),
        (plain, drop, twice, &[plain]),
        (again, drop_d, once, &["DROP COLUMN d"]),
        (again, drop_d, twice, &["DROP COLUMN d"]),
    ];
    for (make, q, later, expected) in cases {
        let p = format!("{make}CALL q_case();\n");
        let procedures = maria_procedures(&p, q);
        let file = format!("{procedures}{later}");
        // The procedures in the same file.
        let fails = maria_retry_fails(&procedures, later, make, &file);
        let mut flagged = flagged_lines(&file, Dialect::Mariadb);
        flagged.dedup();
        let name = file.clone();
        assert_eq!(fails, !expected.is_empty(), "the server's retries\n{name}");
        let lines: Vec<usize> = expected.iter().map(|t| line_of(&file, t)).collect();
        assert_eq!(flagged, lines, "lint\n{name}");
        // In an earlier migration: the later one's retry fails as it did, at the call.
        let fails = maria_retry_fails(&procedures, later, make, later);
        assert_eq!(
            fails,
            !expected.is_empty(),
            "the server's retries\n{procedures}then\n{later}"
        );
        let mut found: Vec<usize> = later_migration_findings(&procedures, later, Dialect::Mariadb)
            .into_iter()
            .map(|(_, line)| line)
            .collect();
        found.dedup();
        assert_eq!(
            found.is_empty(),
            expected.is_empty(),
            "lint\n{procedures}then\n{later}: {found:?}"
        );
    }
}

/// Procedure `q_case` with body `q`, then `p_case` with body `p` (PL/pgSQL), after `CREATE
/// TABLE IF NOT EXISTS t4 (id int, d int)`.
fn pg_procedures(p: &str, q: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS t4 (id int, d int);\n\
         CREATE OR REPLACE PROCEDURE q_case() LANGUAGE plpgsql AS $$\nBEGIN\n{q}END $$;\n\
         CREATE OR REPLACE PROCEDURE p_case() LANGUAGE plpgsql AS $$\nBEGIN\n{p}END $$;\n"
    )
}

/// PostgreSQL's form of the MariaDB case above: `p` makes a column (a CHECK, a table) and calls
/// `q`, whose body drops it first thing. The call runs both bodies in its own transaction, so
/// no crash falls between the make and the drop: a plain `ADD COLUMN` runs again as well as
/// `ADD COLUMN IF NOT EXISTS`. Lint flags exactly the statements a retry fails at (a later
/// drop of `d`, which nothing makes again), at every crash point and under a per-file
/// transaction, `p` called once and twice.
#[test]
fn what_a_procedure_makes_and_the_procedure_it_calls_right_after_drops_is_not_flagged_on_postgres()
{
    let plain = "ALTER TABLE t4 ADD COLUMN c int;\n";
    let again = "ALTER TABLE t4 ADD COLUMN IF NOT EXISTS c int;\n";
    let drop = "ALTER TABLE t4 DROP COLUMN c;\n";
    let drop_d = "ALTER TABLE t4 DROP COLUMN c;\nALTER TABLE t4 DROP COLUMN d;\n";
    let check = "ALTER TABLE t4 ADD CONSTRAINT t4_ck CHECK (id > 0);\n";
    let drop_check = "ALTER TABLE t4 DROP CONSTRAINT t4_ck;\n";
    let table = "CREATE TABLE x4 (id int);\n";
    let drop_table = "DROP TABLE x4;\n";
    let once = "CALL p_case();\n";
    let twice = "CALL p_case();\nCALL p_case();\n";
    // (p's make, q's body, the calls, texts on the lines lint must flag).
    type Case<'a> = (&'a str, &'a str, &'a str, &'a [&'a str]);
    let cases: [Case; 9] = [
        (plain, drop, once, &[]),
        (plain, drop, twice, &[]),
        (again, drop, once, &[]),
        (check, drop_check, once, &[]),
        (check, drop_check, twice, &[]),
        (table, drop_table, once, &[]),
        (table, drop_table, twice, &[]),
        (plain, drop_d, once, &["DROP COLUMN d"]),
        (again, drop_d, twice, &["DROP COLUMN d"]),
    ];
    let db = ScratchDb::postgres();
    for (make, q, calls, expected) in cases {
        let sql = format!(
            "{}{calls}",
            pg_procedures(&format!("{make}CALL q_case();\n"), q)
        );
        let lines: Vec<usize> = expected.iter().map(|t| line_of(&sql, t)).collect();
        assert_postgres_retries_fail_where_flagged(&db, &sql, &lines);
    }
}

/// Asserts that some retry of PostgreSQL file `sql` on `db` fails (at every crash point, and
/// under a per-file transaction) exactly when `lines` is not empty, and that lint's retry rules
/// flag `lines` in both models.
fn assert_postgres_retries_fail_where_flagged(db: &ScratchDb, sql: &str, lines: &[usize]) {
    use common::retry::{crash_point_failures, retry_lines_in_model, statements};
    use preflight::runner::ApplyModel;
    let parts = statements(sql, Dialect::Postgres);
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    for model in [None, Some(ApplyModel::FileTransaction)] {
        let failing = crash_point_failures(db, &parts, model);
        assert_eq!(
            failing.is_empty(),
            lines.is_empty(),
            "{model:?}: the server's failing statements {failing:?}\n{sql}"
        );
        assert_eq!(
            retry_lines_in_model(sql, model),
            lines,
            "{model:?}: lint's flags (the server fails at statements {failing:?})\n{sql}"
        );
    }
}
