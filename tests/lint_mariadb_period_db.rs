//! MariaDB's periods and system versioning in `ALTER TABLE` (`ADD PERIOD [IF NOT EXISTS] FOR p
//! (s, e)`, `DROP PERIOD [IF EXISTS] FOR p`, `ADD|DROP SYSTEM VERSIONING`, `ADD PERIOD FOR
//! SYSTEM_TIME`) are no columns named `PERIOD` or `SYSTEM`: lint flags exactly the actions whose
//! second run fails on the real MariaDB, naming the period, and the fixed file
//! (`ADD PERIOD IF NOT EXISTS FOR p`, `DROP PERIOD IF EXISTS FOR p`) runs twice there. On
//! PostgreSQL `period` is an ordinary column name.

mod common;

use common::retry::{
    dialect_options, retry_findings, retry_mismatches, run_twice, second_run, RetryCase as Case,
};
use common::ScratchDb;
use preflight::fix::fix_source;
use preflight::lint::lint_source;
use preflight::source::SourceFile;
use preflight::sql::Dialect;

const SETUP: &str = "CREATE TABLE t (id INT, s DATE, e DATE);\n\
    CREATE TABLE t2 (id INT, s DATE, e DATE);\n\
    CREATE TABLE tp (id INT, s DATE, e DATE, PERIOD FOR p (s, e));\n\
    CREATE TABLE v (id INT);\n\
    CREATE TABLE vv (id INT) WITH SYSTEM VERSIONING;\n";

fn cases() -> Vec<Case> {
    let case = |name, sql: &str, fails_at| Case {
        name,
        sql: sql.to_string(),
        fails_at,
    };
    vec![
        case(
            "an application-time period added",
            "ALTER TABLE t ADD PERIOD FOR p (s, e);\n",
            Some("ADD PERIOD FOR p"),
        ),
        case(
            "an application-time period added among columns",
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS c INT,\n  ADD PERIOD FOR p (s, e);\n",
            Some("ADD PERIOD FOR p"),
        ),
        case(
            "an application-time period added with IF NOT EXISTS",
            "ALTER TABLE t ADD PERIOD IF NOT EXISTS FOR p (s, e);\n",
            None,
        ),
        case(
            "an application-time period dropped",
            "ALTER TABLE tp DROP PERIOD FOR p;\n",
            Some("DROP PERIOD FOR p"),
        ),
        case(
            "an application-time period dropped with IF EXISTS",
            "ALTER TABLE tp DROP PERIOD IF EXISTS FOR p;\n",
            None,
        ),
        case(
            "system versioning added",
            "ALTER TABLE v ADD SYSTEM VERSIONING;\n",
            Some("ADD SYSTEM VERSIONING"),
        ),
        case(
            "system versioning dropped",
            "ALTER TABLE vv DROP SYSTEM VERSIONING;\n",
            Some("DROP SYSTEM VERSIONING"),
        ),
        case(
            "the system-time period and system versioning added together",
            "ALTER TABLE v\n  ADD COLUMN IF NOT EXISTS rs TIMESTAMP(6) GENERATED ALWAYS AS ROW START INVISIBLE,\n  \
             ADD COLUMN IF NOT EXISTS re TIMESTAMP(6) GENERATED ALWAYS AS ROW END INVISIBLE,\n  \
             ADD PERIOD FOR SYSTEM_TIME (rs, re), ADD SYSTEM VERSIONING;\n",
            Some("ADD PERIOD FOR SYSTEM_TIME"),
        ),
        case(
            "a period dropped with IF EXISTS before it is added again",
            "ALTER TABLE tp DROP PERIOD IF EXISTS FOR p;\nALTER TABLE tp ADD PERIOD FOR p (s, e);\n",
            None,
        ),
        // The drop meets the period the file added on every run (the column's rule too).
        case(
            "a period added with IF NOT EXISTS, then dropped",
            "ALTER TABLE t ADD PERIOD IF NOT EXISTS FOR p (s, e);\nALTER TABLE t DROP PERIOD FOR p;\n",
            None,
        ),
        case(
            "a column added with IF NOT EXISTS, then dropped",
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS c INT;\nALTER TABLE t DROP COLUMN c;\n",
            None,
        ),
        case(
            "a handler for a duplicate column does not catch the period's error",
            &handled("1060", "ALTER TABLE t ADD PERIOD FOR p (s, e);"),
            Some("ADD PERIOD FOR p"),
        ),
        case(
            "a handler for the period's error",
            &handled("4154", "ALTER TABLE t ADD PERIOD FOR p (s, e);"),
            None,
        ),
        case(
            "a handler for a missing period",
            &handled("1091", "ALTER TABLE tp DROP PERIOD FOR p;"),
            None,
        ),
        case(
            "a handler for a duplicate column does not catch the versioning's error",
            &handled("1060", "ALTER TABLE v ADD SYSTEM VERSIONING;"),
            Some("ADD SYSTEM VERSIONING"),
        ),
        case(
            "a handler for a table already system-versioned",
            &handled("4135", "ALTER TABLE v ADD SYSTEM VERSIONING;"),
            None,
        ),
        case(
            "a handler for a table no longer system-versioned",
            &handled("4124", "ALTER TABLE vv DROP SYSTEM VERSIONING;"),
            None,
        ),
    ]
}

/// `statement` in MariaDB's anonymous block, after a handler for `error`.
fn handled(error: &str, statement: &str) -> String {
    format!(
        "DELIMITER //\nBEGIN NOT ATOMIC\n  DECLARE CONTINUE HANDLER FOR {error} BEGIN END;\n  \
         {statement}\nEND //\nDELIMITER ;\n"
    )
}

#[test]
fn lint_flags_exactly_the_period_and_versioning_actions_whose_rerun_fails_on_mariadb() {
    let failures = retry_mismatches(
        &cases(),
        &dialect_options(Dialect::Mariadb),
        ScratchDb::mariadb,
        SETUP,
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

const MIGRATION: &str = "ALTER TABLE t ADD PERIOD FOR p (s, e);\n\
    ALTER TABLE t2 ADD COLUMN IF NOT EXISTS c INT, add   period  for `q2`(s,e);\n\
    ALTER TABLE tp DROP PERIOD FOR p;\n";

#[test]
fn period_findings_name_the_period_and_no_column() {
    let options = dialect_options(Dialect::Mariadb);
    let versioning =
        "ALTER TABLE v ADD SYSTEM VERSIONING;\nALTER TABLE vv DROP SYSTEM VERSIONING;\n\
                      ALTER TABLE w ADD PERIOD FOR SYSTEM_TIME (rs, re);\n";
    let all = lint_source(
        &SourceFile::new("m.sql", format!("{MIGRATION}{versioning}")),
        &options,
    );
    let columns: Vec<&String> = all
        .iter()
        .map(|f| &f.message)
        .filter(|m| {
            let m = m.to_lowercase();
            m.contains("column `period`") || m.contains("column `system`")
        })
        .collect();
    assert!(columns.is_empty(), "{columns:#?}");
    let messages: Vec<String> = retry_findings(MIGRATION, &options)
        .into_iter()
        .map(|f| format!("{}: {}", f.rule.code, f.message))
        .collect();
    assert_eq!(
        messages,
        [
            "PF122: adding period `p` fails on a retry once it exists (\"Cannot specify more than one application-time period\"): add IF NOT EXISTS after PERIOD",
            "PF122: adding period `` `q2` `` fails on a retry once it exists (\"Cannot specify more than one application-time period\"): add IF NOT EXISTS after PERIOD",
            "PF111: dropping period `p` fails on a retry once it is gone: add IF EXISTS",
        ]
    );
}

#[test]
fn fixed_periods_run_twice_on_mariadb() {
    let outcome = fix_source(
        &SourceFile::new("m.sql", MIGRATION),
        &dialect_options(Dialect::Mariadb),
        false,
    );
    assert_eq!(
        outcome.fixed,
        "ALTER TABLE t ADD PERIOD IF NOT EXISTS FOR p (s, e);\n\
         ALTER TABLE t2 ADD COLUMN IF NOT EXISTS c INT, add   period if not exists  for `q2`(s,e);\n\
         ALTER TABLE tp DROP PERIOD IF EXISTS FOR p;\n"
    );
    assert!(second_run(ScratchDb::mariadb, SETUP, MIGRATION).is_err());
    let db = ScratchDb::mariadb();
    db.exec(SETUP);
    db.exec(&outcome.fixed);
    db.exec(&outcome.fixed);
    assert_eq!(
        db.query("SELECT count(*) FROM information_schema.columns WHERE table_schema = DATABASE() AND column_name IN ('period', 'system')"),
        ["0"]
    );
}

#[test]
fn a_postgres_column_named_period_or_system_is_still_a_column() {
    let db = ScratchDb::postgres();
    db.exec("CREATE TABLE t (id int);\nCREATE TABLE u (id int, period int);");
    for (sql, message) in [
        (
            "ALTER TABLE t ADD period int;\n",
            "PF108: adding column `period` fails on a retry once it exists: add IF NOT EXISTS",
        ),
        (
            "ALTER TABLE t ADD system text;\n",
            "PF108: adding column `system` fails on a retry once it exists: add IF NOT EXISTS",
        ),
        (
            "ALTER TABLE u DROP period;\n",
            "PF110: dropping column `period` fails on a retry once it is gone: add IF EXISTS",
        ),
    ] {
        let messages: Vec<String> = retry_findings(sql, &dialect_options(Dialect::Postgres))
            .into_iter()
            .map(|f| format!("{}: {}", f.rule.code, f.message))
            .collect();
        assert_eq!(messages, [message]);
        assert!(run_twice(&db, sql).is_err(), "{sql}");
    }
}
