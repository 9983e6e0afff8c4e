//! MySQL/MariaDB conditional DDL at the top level of a file (`SET @s = IF(<catalog check>, …)`,
//! `PREPARE stmt FROM @s; EXECUTE stmt`): each case runs twice on the real MariaDB, and lint
//! must flag (at the EXECUTE) exactly the cases whose second run fails or adds something again.

mod common;

use common::retry::is_retry_rule;
use common::ScratchDb;
use preflight::lint::{lint_source, LintOptions};
use preflight::source::SourceFile;
use preflight::sql::Dialect;

fn findings(sql: &str) -> Vec<(String, usize)> {
    let options = LintOptions {
        dialect: Dialect::Mariadb,
        ..LintOptions::default()
    };
    lint_source(&SourceFile::new("m.sql", sql), &options)
        .into_iter()
        .filter(|f| is_retry_rule(f.rule.code) || f.rule.code == "PF001")
        .map(|f| (f.rule.code.to_string(), f.location.start.unwrap().line))
        .collect()
}

const SETUP: &str = "CREATE TABLE users (uuid CHAR(36) PRIMARY KEY);
CREATE TABLE sso_users (user_uuid CHAR(36) PRIMARY KEY, FOREIGN KEY (user_uuid) REFERENCES users (uuid));
CREATE TABLE t (id INT PRIMARY KEY);";

const RUN: &str = "PREPARE stmt FROM @s; EXECUTE stmt; DEALLOCATE PREPARE stmt;\n";

/// The columns and constraints of the scratch database: a retry that adds something again
/// changes it.
fn schema(db: &ScratchDb) -> Vec<String> {
    db.query(
        "SELECT CONCAT(TABLE_NAME, '.', COLUMN_NAME) FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() UNION ALL \
         SELECT CONCAT(TABLE_NAME, '.', CONSTRAINT_NAME) FROM information_schema.TABLE_CONSTRAINTS \
         WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1",
    )
}

type Case = (&'static str, String, Vec<(&'static str, usize)>);

/// (name, file, the (rule, line) lint must report: a PF1xx where the second run fails or
/// duplicates, a PF001 where the file's dynamic SQL is not known).
fn cases() -> Vec<Case> {
    let column = |name: &str| {
        format!(
            "(SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
             AND TABLE_NAME = 't' AND COLUMN_NAME = '{name}')"
        )
    };
    vec![
        (
            // vaultwarden's 2024-03-13-170000_sso_users_cascade (mysql).
            "vaultwarden_sso_users",
            format!(
                "SET @s = IF((SELECT true FROM information_schema.TABLE_CONSTRAINTS WHERE \
                 CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = 'sso_users' AND CONSTRAINT_NAME = \
                 'sso_users_ibfk_1' AND CONSTRAINT_TYPE = 'FOREIGN KEY') = true, \
                 'ALTER TABLE sso_users DROP FOREIGN KEY sso_users_ibfk_1', 'SELECT 1');\n{RUN}\
                 ALTER TABLE sso_users ADD FOREIGN KEY(user_uuid) REFERENCES users(uuid) ON UPDATE CASCADE ON DELETE CASCADE;\n"
            ),
            vec![],
        ),
        (
            "add_column_if_missing",
            format!(
                "SET @s = (SELECT IF({} > 0, 'SELECT 1', 'ALTER TABLE t ADD COLUMN c INT'));\n{RUN}",
                column("c")
            ),
            vec![],
        ),
        (
            "add_column_case_when",
            format!(
                "SET @s = CASE WHEN {} = 0 THEN 'ALTER TABLE t ADD COLUMN c INT' ELSE 'DO 0' END;\n{RUN}",
                column("c")
            ),
            vec![],
        ),
        (
            "check_of_another_column",
            format!(
                "SET @s = IF({} > 0, 'SELECT 1', 'ALTER TABLE t ADD COLUMN c INT');\n{RUN}",
                column("other")
            ),
            vec![("PF108", 2)],
        ),
        (
            // No drop of sso_users_ibfk_1 first: the retry adds a second key.
            "unnamed_foreign_key_alone",
            "ALTER TABLE sso_users ADD FOREIGN KEY(user_uuid) REFERENCES users(uuid);\n"
                .to_string(),
            vec![("PF116", 1)],
        ),
        (
            "execute_immediate_literal",
            "EXECUTE IMMEDIATE 'ALTER TABLE t ADD COLUMN d INT';\n".to_string(),
            vec![("PF108", 1)],
        ),
    ]
}

#[test]
fn lint_flags_exactly_the_top_level_dynamic_sql_whose_second_run_fails_on_mariadb() {
    for (name, sql, expected) in cases() {
        let db = ScratchDb::mariadb();
        db.exec(SETUP);
        db.exec(&sql);
        let after_first = schema(&db);
        let retry = db.try_exec(&sql);
        let harmful = retry.is_err() || schema(&db) != after_first;
        let flagged: Vec<(String, usize)> = findings(&sql);
        assert_eq!(
            harmful,
            flagged.iter().any(|(rule, _)| rule != "PF001"),
            "{name}: the server's verdict on a second run ({retry:?}) against lint's {flagged:?}"
        );
        let expected: Vec<(String, usize)> =
            expected.iter().map(|(r, l)| (r.to_string(), *l)).collect();
        assert_eq!(flagged, expected, "{name}");
    }
}

#[test]
fn sql_in_a_variable_lint_cannot_evaluate_is_unknown() {
    let sql =
        "SET @s = (SELECT CONCAT('ALTER TABLE t ADD COLUMN ', 'e', ' INT') FROM t LIMIT 1);\n\
               PREPARE stmt FROM @s; EXECUTE stmt;\n";
    assert_eq!(findings(sql), vec![("PF001".to_string(), 2)]);
    // What it would run is not assumed: nothing follows it.
    let db = ScratchDb::mariadb();
    db.exec(SETUP);
    db.exec("INSERT INTO t VALUES (1)");
    db.exec(sql);
    assert!(
        db.try_exec(sql).is_err(),
        "the second run fails on the server"
    );
}
