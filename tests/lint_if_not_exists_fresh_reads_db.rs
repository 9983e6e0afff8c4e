//! PF123 on a read of a table a top-level `CREATE TABLE IF NOT EXISTS` makes and a later
//! statement of the file drops: a first run may skip the creation and read a table that was
//! there before the file, with more columns; once the drop ran, a retry makes a fresh table
//! with the columns the creation spells (and those an `ADD COLUMN` gives before the read), and
//! a read of any other column fails there (`column "x" of relation "t" does not exist`, 1054 on
//! MariaDB). Lint is compared with PostgreSQL 15 at every crash point and under a per-file
//! transaction, and with MariaDB 10.11 at every crash point.

mod common;

use common::retry::{
    assert_crash_points_agree, assert_mariadb_crash_points_agree, dialect_options, retry_findings,
    retry_lines_in_model, Case,
};
use preflight::runner::ApplyModel;
use preflight::sql::Dialect;

/// Tables there before the file, with a column `x` the file's creations may not spell.
const SETUP: &str = "CREATE TABLE fr_a (id int, x int);\n\
                     CREATE TABLE fr_b (id int, x int);\n\
                     CREATE TABLE fr_f (id int, x int);\n\
                     CREATE TABLE fr_h (id int, x int);\n\
                     CREATE TABLE fr_i (id int, x int);\n\
                     CREATE TABLE fr_j (id int, x int);\n\
                     CREATE TABLE fr_k (id int, x int);\n\
                     CREATE TABLE fr_n (id int, x int);\n\
                     CREATE TABLE fr_s (id int, y int);";

const SURVIVING: &[Case] = &[
    Case {
        name: "a read of a column the creation spells",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_a (id int, x int);",
            "INSERT INTO fr_a (x) VALUES (1);",
            "DROP TABLE fr_a;",
        ],
    },
    Case {
        name: "a read of a column an ADD COLUMN gives before it",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_b (id int);",
            "ALTER TABLE fr_b ADD COLUMN IF NOT EXISTS x int;",
            "INSERT INTO fr_b (x) VALUES (1);",
            "DROP TABLE fr_b;",
        ],
    },
    Case {
        name: "a plain copy into another table",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_d (id int);",
            "CREATE TABLE IF NOT EXISTS fr_c (id int);",
            "INSERT INTO fr_d SELECT * FROM fr_c;",
            "INSERT INTO fr_d (id) SELECT id FROM fr_c;",
            "DROP TABLE fr_c;",
        ],
    },
    // The source of a copy into the table, which the file drops, is no column of it.
    Case {
        name: "a copy into the table from one the file drops, then a rename onto that name",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_m (id int);",
            "CREATE TABLE IF NOT EXISTS fr_m2 (id int);",
            "INSERT INTO fr_m2 SELECT * FROM fr_m;",
            "DROP TABLE fr_m;",
            "ALTER TABLE fr_m2 RENAME TO fr_m;",
        ],
    },
    // The query of an INSERT into the table reads another table's columns.
    Case {
        name: "an insert into the table from a table the file does not touch",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_n (id int);",
            "INSERT INTO fr_n (id) SELECT id FROM fr_s;",
            "INSERT INTO fr_n (id) SELECT y FROM fr_s;",
            "DROP TABLE fr_n;",
        ],
    },
    // Nothing drops the table: every run reads the one there before the file.
    Case {
        name: "a read of a column the creation does not spell, the table kept",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_f (id int);",
            "UPDATE fr_f SET x = 1;",
        ],
    },
];

/// The file drops the table after a read of a column its creation does not spell: a retry
/// past the drop makes it fresh, without that column.
const FAILING: &[Case] = &[
    Case {
        name: "an insert into a column the creation does not spell",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_h (id int);",
            "INSERT INTO fr_h (x) VALUES (1);",
            "DROP TABLE fr_h;",
        ],
    },
    Case {
        name: "an update of a column the creation does not spell",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_i (id int);",
            "UPDATE fr_i SET x = 1;",
            "DROP TABLE fr_i;",
        ],
    },
    Case {
        name: "a copy of a column the creation does not spell into another table",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_k (id int);",
            "INSERT INTO fr_j (x) SELECT x FROM fr_k;",
            "DROP TABLE fr_k;",
        ],
    },
];

#[test]
fn a_read_of_a_column_a_create_if_not_exists_does_not_spell_is_flagged_where_postgres_fails() {
    assert_crash_points_agree(SETUP, SURVIVING);
    assert_crash_points_agree(SETUP, FAILING);
}

#[test]
fn a_read_of_a_column_a_create_if_not_exists_does_not_spell_is_flagged_where_mariadb_fails() {
    assert_mariadb_crash_points_agree(SETUP, SURVIVING);
    assert_mariadb_crash_points_agree(SETUP, FAILING);
}

#[test]
fn a_read_of_a_column_a_create_if_not_exists_does_not_spell_is_flagged_in_both_models() {
    for model in [None, Some(ApplyModel::FileTransaction)] {
        for case in SURVIVING {
            let sql = case.statements.join("\n") + "\n";
            let lines = retry_lines_in_model(&sql, model);
            assert!(lines.is_empty(), "{} ({model:?}): {lines:?}", case.name);
        }
        for case in FAILING {
            let sql = case.statements.join("\n") + "\n";
            let lines = retry_lines_in_model(&sql, model);
            assert_eq!(lines, [2], "{} ({model:?})", case.name);
        }
    }
}

#[test]
fn the_finding_says_the_retrys_fresh_table_lacks_the_column_and_offers_no_presence_guard() {
    for dialect in [Dialect::Postgres, Dialect::Mariadb] {
        let sql = FAILING[0].statements.join("\n") + "\n";
        let findings: Vec<_> = retry_findings(&sql, &dialect_options(dialect))
            .into_iter()
            .filter(|f| f.rule.code == "PF123")
            .collect();
        assert_eq!(findings.len(), 1, "{dialect:?}: {findings:#?}");
        let finding = &findings[0];
        assert!(
            finding
                .message
                .contains("a retry's fresh table lacks the column `x`"),
            "{dialect:?}: {}",
            finding.message
        );
        // A check that `fr_h` exists passes on the retry: the fresh table is there.
        assert!(finding.fix.is_none(), "{dialect:?}: {:?}", finding.fix);
    }
}
