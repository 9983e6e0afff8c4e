//! A catalog check whose literal differs from the stored name only in case never finds the
//! object on PostgreSQL (an unquoted name is stored folded to lower case, and the catalog
//! compares with case): the DDL it was meant to guard runs again on a retry and fails. Each
//! case runs twice on the real server; lint must flag exactly the cases whose second run
//! fails, at the statement that fails, and the fixed files must run twice.

mod common;

use common::retry::{is_retry_rule, retry_findings, retry_mismatches, second_run, RetryCase};
use common::ScratchDb;
use preflight::fix::fix_source;
use preflight::lint::LintOptions;
use preflight::source::SourceFile;
use preflight::sql::Dialect;

fn options() -> LintOptions {
    LintOptions {
        dialect: Dialect::Postgres,
        ..LintOptions::default()
    }
}

const SETUP: &str = "CREATE TABLE zone (id int PRIMARY KEY, a int, b int);";

struct Case {
    name: &'static str,
    sql: String,
    /// A text on the line lint must flag, the statement whose second run fails; `None` when
    /// the file runs twice.
    fails_at: Option<&'static str>,
    /// lint's fix makes the file run twice.
    fixed: bool,
}

/// A function that adds a column when a catalog read into a variable says it is missing, and
/// its call (apache ranger's PostgreSQL patches do this). `literal`: what the read compares
/// attname with; `column`: the column as the ALTER spells it.
fn add_column_function(literal: &str, column: &str) -> String {
    format!(
        "CREATE OR REPLACE FUNCTION add_payload() RETURNS void AS $$\n\
         DECLARE\n  n integer := 0;\nBEGIN\n  \
         SELECT count(*) INTO n FROM pg_attribute WHERE attrelid IN (SELECT oid FROM pg_class WHERE relname = 'zone') AND attname = {literal};\n  \
         IF n = 0 THEN\n    ALTER TABLE zone ADD COLUMN {column} bytea NULL;\n  END IF;\n\
         END;\n$$ LANGUAGE plpgsql;\nSELECT add_payload();\n"
    )
}

/// A DO block that adds a unique constraint when pg_constraint has none named `literal`.
fn add_constraint_block(literal: &str) -> String {
    format!(
        "DO $$\nBEGIN\n  \
         IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'zone'::regclass AND conname = '{literal}' AND contype = 'u') THEN\n    \
         ALTER TABLE zone ADD CONSTRAINT zone_UK_a_b UNIQUE (a, b);\n  END IF;\nEND $$;\n"
    )
}

/// A function that adds a unique constraint on `columns` when pg_constraint has none named
/// `literal` and no index leads with column `b` (apache ranger's patches 029 and 065).
fn add_unique_function(literal: &str, columns: &str) -> String {
    format!(
        "CREATE OR REPLACE FUNCTION add_unique() RETURNS void AS $$\n\
         DECLARE\n  n integer := 0;\nBEGIN\n  \
         SELECT attnum INTO n FROM pg_attribute WHERE attrelid IN (SELECT oid FROM pg_class WHERE relname = 'zone') AND attname = 'b';\n  \
         IF n > 0 THEN\n    \
         IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid IN (SELECT oid FROM pg_class WHERE relname = 'zone') AND conname = '{literal}' AND contype = 'u') THEN\n      \
         IF NOT EXISTS (SELECT 1 FROM pg_index WHERE indrelid IN (SELECT oid FROM pg_class WHERE relname = 'zone') AND indkey[0] = n) THEN\n        \
         ALTER TABLE zone ADD CONSTRAINT zone_UK_cols UNIQUE ({columns});\n      \
         END IF;\n    END IF;\n  END IF;\nEND;\n$$ LANGUAGE plpgsql;\nSELECT add_unique();\n"
    )
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "column checked with the mixed-case spelling",
            sql: add_column_function("'payloadData'", "payloadData"),
            fails_at: Some("ADD COLUMN"),
            fixed: true,
        },
        Case {
            name: "column checked with the stored spelling",
            sql: add_column_function("'payloaddata'", "payloadData"),
            fails_at: None,
            fixed: false,
        },
        Case {
            name: "quoted column checked with its own spelling",
            sql: add_column_function("'payloadData'", "\"payloadData\""),
            fails_at: None,
            fixed: false,
        },
        Case {
            name: "column checked with lower()",
            sql: add_column_function("lower('payloadData')", "payloadData"),
            fails_at: None,
            fixed: false,
        },
        Case {
            name: "constraint checked with the mixed-case spelling",
            sql: add_constraint_block("zone_UK_a_b"),
            fails_at: Some("ADD CONSTRAINT"),
            // No fix inside a DO block: PF116 has no IF NOT EXISTS form to add.
            fixed: false,
        },
        Case {
            name: "constraint checked with the stored spelling",
            sql: add_constraint_block("zone_uk_a_b"),
            fails_at: None,
            fixed: false,
        },
        Case {
            name: "constraint on (a, b) checked with the mixed-case spelling and an index on b",
            sql: add_unique_function("zone_UK_cols", "a, b"),
            fails_at: Some("ADD CONSTRAINT"),
            fixed: false,
        },
        Case {
            name: "constraint on (b) checked with the mixed-case spelling and an index on b",
            sql: add_unique_function("zone_UK_cols", "b"),
            fails_at: None,
            fixed: false,
        },
        Case {
            name: "constraint on (a, b) checked with the stored spelling",
            sql: add_unique_function("zone_uk_cols", "a, b"),
            fails_at: None,
            fixed: false,
        },
        Case {
            name: "index checked with the mixed-case spelling",
            sql: "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE tablename = 'zone' AND indexname = 'Zone_A_Idx') THEN\n    \
                  CREATE INDEX Zone_A_Idx ON zone (a);\n  END IF;\nEND $$;\n"
                .to_string(),
            fails_at: Some("CREATE INDEX"),
            fixed: true,
        },
        Case {
            name: "table checked in information_schema with the mixed-case spelling",
            sql: "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = 'AuditLog') THEN\n    \
                  CREATE TABLE AuditLog (id int);\n  END IF;\nEND $$;\n"
                .to_string(),
            fails_at: Some("CREATE TABLE"),
            fixed: true,
        },
        Case {
            name: "table checked by to_regclass, which folds the name",
            sql: "DO $$\nBEGIN\n  IF to_regclass('AuditLog') IS NULL THEN\n    \
                  CREATE TABLE AuditLog (id int);\n  END IF;\nEND $$;\n"
                .to_string(),
            fails_at: None,
            fixed: false,
        },
        Case {
            // The drop never runs (nothing fails there), so it frees nothing for the CREATE.
            name: "index dropped behind a mixed-case check, then created",
            sql: "DO $$\nBEGIN\n  IF EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'Zone_B_Idx') THEN\n    \
                  DROP INDEX zone_b_idx;\n  END IF;\nEND $$;\nCREATE INDEX zone_b_idx ON zone (b);\n"
                .to_string(),
            fails_at: Some("CREATE INDEX"),
            fixed: true,
        },
        Case {
            name: "index dropped behind a check with the stored spelling, then created",
            sql: "DO $$\nBEGIN\n  IF EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'zone_b_idx') THEN\n    \
                  DROP INDEX zone_b_idx;\n  END IF;\nEND $$;\nCREATE INDEX zone_b_idx ON zone (b);\n"
                .to_string(),
            fails_at: None,
            fixed: false,
        },
    ]
}

/// The lines lint flags with a retry rule (PF1xx/PF2xx), and their notes.
fn flagged(sql: &str) -> Vec<(usize, Vec<String>)> {
    retry_findings(sql, &options())
        .into_iter()
        .map(|f| (f.location.start.unwrap().line, f.notes))
        .collect()
}

#[test]
fn lint_flags_exactly_the_checks_that_never_find_their_object() {
    let cases: Vec<RetryCase> = cases()
        .into_iter()
        .map(|case| RetryCase {
            name: case.name,
            sql: case.sql,
            fails_at: case.fails_at,
        })
        .collect();
    let failures = retry_mismatches(&cases, &options(), ScratchDb::postgres, SETUP);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_finding_says_why_the_check_never_finds_the_column() {
    let sql = add_column_function("'payloadData'", "payloadData");
    let found = flagged(&sql);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].1.contains(
            &"the guard compares attname = 'payloadData', but PostgreSQL stores the unquoted name as payloaddata, so the check never finds it".to_string()
        ),
        "{found:?}"
    );
}

#[test]
fn the_fixed_files_run_twice() {
    for case in cases().into_iter().filter(|c| c.fixed) {
        let source = SourceFile::new("m.sql", case.sql.as_str());
        let outcome = fix_source(&source, &options(), true);
        let left: Vec<_> = outcome
            .remaining
            .iter()
            .filter(|f| is_retry_rule(f.rule.code))
            .collect();
        assert!(
            left.is_empty(),
            "{}: {left:?}\n{}",
            case.name,
            outcome.fixed
        );
        let retry = second_run(ScratchDb::postgres, SETUP, &outcome.fixed);
        assert!(
            retry.is_ok(),
            "{}: the fixed file failed its second run: {retry:?}\n{}",
            case.name,
            outcome.fixed
        );
    }
}
