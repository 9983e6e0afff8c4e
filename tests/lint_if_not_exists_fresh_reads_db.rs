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
                     CREATE TABLE fr_i (id int, x varchar(20));\n\
                     CREATE TABLE fr_j (id int, x int);\n\
                     CREATE TABLE fr_k (id int, x int);\n\
                     CREATE TABLE fr_n (id int, x int);\n\
                     CREATE TABLE fr_s (id int, y int);\n\
                     CREATE TABLE fr_o (id int, x int);\n\
                     CREATE TABLE fr_p (id int UNIQUE, x int);\n\
                     CREATE TABLE fr_q (id int, x int UNIQUE);\n\
                     CREATE TABLE fr_r (id int, x int);\n\
                     CREATE TABLE fr_t (id int, x int);\n\
                     CREATE TABLE fr_u (id int, x int);\n\
                     CREATE TABLE fr_v (id int, x int);\n\
                     CREATE TABLE fr_w (id int, x int);\n\
                     CREATE TABLE fr_y (id int, x int);\n\
                     CREATE TABLE fr_z (id int, x int);\n\
                     CREATE TABLE fr_ea (id int, x int);\n\
                     CREATE TABLE fr_eb (id int, x int);\n\
                     CREATE TABLE fr_ec (id int, x int);\n\
                     CREATE TABLE fr_ca (id int, x int);\n\
                     CREATE TABLE fr_cb (id int, x int);\n\
                     CREATE TABLE fr_cc (id int, x int);\n\
                     CREATE TABLE fr_ed (id int, x int);";

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

/// PostgreSQL's forms of reads of the columns the creation spells.
const POSTGRES_SURVIVING: &[Case] = &[
    // A function's name, a keyword, an output name or another table's column is no column
    // of the table.
    Case {
        name: "a read that calls functions on the columns the creation spells",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_o (id int);",
            "SELECT coalesce(id, 0) AS n, count(*) FROM fr_o GROUP BY id ORDER BY n;",
            "UPDATE fr_o SET id = coalesce(fr_o.id, 0) + fr_s.y FROM fr_s WHERE fr_s.id = fr_o.id RETURNING fr_o.id;",
            "UPDATE fr_o SET id = 1 FROM fr_s AS s, fr_a WHERE s.id = fr_o.id;",
            "DROP TABLE fr_o;",
        ],
    },
    Case {
        name: "an index and a conflict target on the columns the creation spells",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_p (id int UNIQUE);",
            "CREATE INDEX IF NOT EXISTS fr_p_lower ON fr_p (abs(id)) WHERE id > 0;",
            "INSERT INTO fr_p (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET id = EXCLUDED.id RETURNING id;",
            "DROP TABLE fr_p;",
        ],
    },
];

/// `ALTER TABLE IF EXISTS` skips only where the table is gone: where a creation makes it on
/// every run, or where nothing does and the retry may find it gone, the ALTER reads nothing
/// that fails.
const IF_EXISTS_SURVIVING: &[Case] = &[
    Case {
        name: "an ALTER TABLE IF EXISTS of a column the creation spells",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_eb (id int, x int);",
            "ALTER TABLE IF EXISTS fr_eb ALTER COLUMN x SET NOT NULL;",
            "DROP TABLE fr_eb;",
        ],
    },
    Case {
        name: "an ALTER TABLE IF EXISTS of a table no creation makes, dropped later",
        statements: &[
            "ALTER TABLE IF EXISTS fr_ec ALTER COLUMN x SET NOT NULL;",
            "DROP TABLE IF EXISTS fr_ec;",
        ],
    },
    Case {
        name: "an ALTER TABLE IF EXISTS of a table dropped before it",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_ed (id int);",
            "DROP TABLE IF EXISTS fr_ed;",
            "ALTER TABLE IF EXISTS fr_ed ALTER COLUMN x SET NOT NULL;",
        ],
    },
];

/// `IF EXISTS` guards the table, not the column: right after a `CREATE TABLE IF NOT EXISTS`
/// the table is there, and the retry's fresh one lacks `x` (line 2 fails).
const IF_EXISTS_FAILING: &[Case] = &[Case {
    name: "an ALTER TABLE IF EXISTS of a column the creation does not spell",
    statements: &[
        "CREATE TABLE IF NOT EXISTS fr_ea (id int);",
        "ALTER TABLE IF EXISTS fr_ea ALTER COLUMN x SET NOT NULL;",
        "DROP TABLE fr_ea;",
    ],
}];

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

/// What else reads the fresh table's columns by name: a retry past the drop fails at line 2
/// (MariaDB: 1072 for an index's column, 1054 for the others).
const FAILING_ELSEWHERE: &[Case] = &[
    Case {
        name: "an index on a column the creation does not spell",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_r (id int);",
            "CREATE INDEX IF NOT EXISTS fr_r_x ON fr_r (x);",
            "DROP TABLE fr_r;",
        ],
    },
    Case {
        name: "a returned column the creation does not spell",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_u (id int);",
            "INSERT INTO fr_u (id) VALUES (1) RETURNING x;",
            "DROP TABLE fr_u;",
        ],
    },
];

/// PostgreSQL's forms of them (PostgreSQL reads the query of a `CREATE TABLE IF NOT EXISTS …
/// AS` whose table is there).
const POSTGRES_FAILING_ELSEWHERE: &[Case] = &[
    Case {
        name: "a CREATE TABLE AS of a column the creation does not spell",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_v (id int);",
            "CREATE TABLE IF NOT EXISTS fr_v2 AS SELECT x FROM fr_v;",
            "DROP TABLE fr_v;",
        ],
    },
    Case {
        name: "an ALTER COLUMN of a column the creation does not spell",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_t (id int);",
            "ALTER TABLE fr_t ALTER COLUMN x SET NOT NULL;",
            "DROP TABLE fr_t;",
        ],
    },
    Case {
        name: "a conflict target the creation does not spell",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_q (id int);",
            "INSERT INTO fr_q (id) VALUES (1) ON CONFLICT (x) DO NOTHING;",
            "DROP TABLE fr_q;",
        ],
    },
    Case {
        name: "a comment on a column the creation does not spell",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_z (id int);",
            "COMMENT ON COLUMN fr_z.x IS 'x';",
            "DROP TABLE fr_z;",
        ],
    },
    Case {
        name: "a LANGUAGE sql body that reads a column the creation does not spell",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_w (id int);",
            "CREATE OR REPLACE FUNCTION fr_w_f() RETURNS int LANGUAGE sql AS $$ SELECT x FROM fr_w $$;",
            "DROP TABLE fr_w;",
        ],
    },
];

/// A `CREATE TABLE … AS` that fails on the retry makes no table for what reads it after: the
/// INSERT fails there too (`relation "fr_y2" does not exist`).
const FAILING_COPY_THEN_READ: &[Case] = &[Case {
    name: "a read of the table a failing CREATE TABLE AS makes",
    statements: &[
        "CREATE TABLE IF NOT EXISTS fr_y (id int);",
        "CREATE TABLE IF NOT EXISTS fr_y2 AS SELECT x FROM fr_y;",
        "INSERT INTO fr_y2 (x) VALUES (1);",
        "DROP TABLE IF EXISTS fr_y2;",
        "DROP TABLE fr_y;",
    ],
}];

/// The file makes the table again after the drop, with the column: statement by statement a
/// crash between the drop and the creation leaves the name free, and the retry's fresh table
/// lacks `x` (line 2 fails); under a per-file transaction the retry meets the table the file
/// made last, with `x`, and runs.
const MADE_AGAIN: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS fr_a (id int);",
    "INSERT INTO fr_a (x) VALUES (1);",
    "DROP TABLE fr_a;",
    "CREATE TABLE fr_a (id int, x int);",
];

/// The file makes the table again after the drop, without the column: a retry of the whole
/// file meets the table the file made last, without `x`, and fails at line 2 in both models.
const MADE_AGAIN_WITHOUT: &[Case] = &[
    Case {
        name: "an INSERT of a column the table made again lacks",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_a (id int);",
            "INSERT INTO fr_a (x) VALUES (1);",
            "DROP TABLE fr_a;",
            "CREATE TABLE fr_a (id int);",
        ],
    },
    Case {
        name: "an UPDATE of a column the table made again lacks",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_b (id int);",
            "UPDATE fr_b SET x = 1;",
            "DROP TABLE fr_b;",
            "CREATE TABLE fr_b (id int);",
        ],
    },
];

/// A `CREATE TABLE IF NOT EXISTS … AS` reading a column a later statement drops: PostgreSQL
/// analyses the query before it looks for the table, so the retry fails there; MariaDB skips
/// the query while the table is there (a note), so only where the file removes that table too.
const CREATED_AS_READS_DROPPED_COLUMN: &[Case] = &[
    Case {
        name: "a CREATE TABLE IF NOT EXISTS AS whose table the file keeps",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_ca2 AS SELECT x FROM fr_ca;",
            "ALTER TABLE fr_ca DROP COLUMN x;",
        ],
    },
    Case {
        name: "a CREATE TABLE IF NOT EXISTS AS whose table the file drops after",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_cb2 AS SELECT x FROM fr_cb;",
            "DROP TABLE fr_cb2;",
            "ALTER TABLE fr_cb DROP COLUMN x;",
        ],
    },
    Case {
        name: "a CREATE TABLE IF NOT EXISTS AS whose table the file drops before",
        statements: &[
            "DROP TABLE IF EXISTS fr_cc2;",
            "CREATE TABLE IF NOT EXISTS fr_cc2 AS SELECT x FROM fr_cc;",
            "ALTER TABLE fr_cc DROP COLUMN x;",
        ],
    },
];

#[test]
fn a_read_of_a_column_the_table_made_again_lacks_fails_in_both_models() {
    assert_crash_points_agree(SETUP, MADE_AGAIN_WITHOUT);
    assert_mariadb_crash_points_agree(SETUP, MADE_AGAIN_WITHOUT);
}

#[test]
fn a_create_table_if_not_exists_as_skips_its_query_on_mariadb_only() {
    assert_crash_points_agree(SETUP, CREATED_AS_READS_DROPPED_COLUMN);
    assert_mariadb_crash_points_agree(SETUP, CREATED_AS_READS_DROPPED_COLUMN);
}

#[test]
fn a_read_of_a_column_a_create_if_not_exists_does_not_spell_is_flagged_where_postgres_fails() {
    assert_crash_points_agree(SETUP, SURVIVING);
    assert_crash_points_agree(SETUP, POSTGRES_SURVIVING);
    assert_crash_points_agree(SETUP, FAILING);
    assert_crash_points_agree(SETUP, FAILING_ELSEWHERE);
    assert_crash_points_agree(SETUP, POSTGRES_FAILING_ELSEWHERE);
    assert_crash_points_agree(SETUP, FAILING_COPY_THEN_READ);
    assert_crash_points_agree(SETUP, IF_EXISTS_SURVIVING);
    assert_crash_points_agree(SETUP, IF_EXISTS_FAILING);
    assert_crash_points_agree(
        SETUP,
        &[Case {
            name: "a read of a column the table made again has",
            statements: MADE_AGAIN,
        }],
    );
}

/// MariaDB's forms of them.
const MARIADB_FAILING_ELSEWHERE: &[Case] = &[
    Case {
        name: "a MODIFY of a column the creation does not spell",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_t (id int);",
            "ALTER TABLE fr_t MODIFY x bigint;",
            "DROP TABLE fr_t;",
        ],
    },
    Case {
        name: "an index on a prefix of a column the creation does not spell",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_i (id int);",
            "CREATE INDEX IF NOT EXISTS fr_i_x ON fr_i (x(10));",
            "DROP TABLE fr_i;",
        ],
    },
    Case {
        name: "a CHECK on a column the creation does not spell",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_q (id int);",
            "ALTER TABLE fr_q ADD CONSTRAINT IF NOT EXISTS fr_q_c CHECK (x > 0);",
            "DROP TABLE fr_q;",
        ],
    },
];

/// MariaDB's forms of the `ALTER TABLE IF EXISTS` cases: a MODIFY of the column the
/// creation does not spell fails at line 2 (1054), the others run.
const MARIADB_IF_EXISTS: &[Case] = &[
    Case {
        name: "an ALTER TABLE IF EXISTS MODIFY of a column the creation does not spell",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_ea (id int);",
            "ALTER TABLE IF EXISTS fr_ea MODIFY x bigint;",
            "DROP TABLE fr_ea;",
        ],
    },
    Case {
        name: "an ALTER TABLE IF EXISTS MODIFY of a column the creation spells",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_eb (id int, x int);",
            "ALTER TABLE IF EXISTS fr_eb MODIFY x bigint;",
            "DROP TABLE fr_eb;",
        ],
    },
    Case {
        name: "an ALTER TABLE IF EXISTS MODIFY of a table no creation makes, dropped later",
        statements: &[
            "ALTER TABLE IF EXISTS fr_ec MODIFY x bigint;",
            "DROP TABLE IF EXISTS fr_ec;",
        ],
    },
];

/// MariaDB: calls on the columns the creation spells read no other column; a `CREATE TABLE IF
/// NOT EXISTS … AS` whose table the file keeps is skipped on the retry, query and all (a note).
const MARIADB_SURVIVING: &[Case] = &[
    Case {
        name: "a read that calls functions on the columns the creation spells",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_o (id int);",
            "SELECT coalesce(id, 0) AS n, count(*) FROM fr_o GROUP BY id ORDER BY n;",
            "CREATE INDEX IF NOT EXISTS fr_o_id ON fr_o (id);",
            "DROP TABLE fr_o;",
        ],
    },
    Case {
        name: "a CREATE TABLE IF NOT EXISTS AS whose table the file keeps",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_v (id int);",
            "CREATE TABLE IF NOT EXISTS fr_v2 AS SELECT x FROM fr_v;",
            "DROP TABLE fr_v;",
        ],
    },
];

#[test]
fn a_read_of_a_column_a_create_if_not_exists_does_not_spell_is_flagged_where_mariadb_fails() {
    assert_mariadb_crash_points_agree(SETUP, SURVIVING);
    assert_mariadb_crash_points_agree(SETUP, FAILING);
    assert_mariadb_crash_points_agree(SETUP, MARIADB_SURVIVING);
    assert_mariadb_crash_points_agree(SETUP, FAILING_ELSEWHERE);
    assert_mariadb_crash_points_agree(SETUP, MARIADB_FAILING_ELSEWHERE);
    assert_mariadb_crash_points_agree(SETUP, FAILING_COPY_THEN_READ);
    assert_mariadb_crash_points_agree(SETUP, MARIADB_IF_EXISTS);
    assert_mariadb_crash_points_agree(
        SETUP,
        &[Case {
            name: "a read of a column the table made again has",
            statements: MADE_AGAIN,
        }],
    );
}

#[test]
fn a_read_of_a_column_a_create_if_not_exists_does_not_spell_is_flagged_in_both_models() {
    for model in [None, Some(ApplyModel::FileTransaction)] {
        for case in SURVIVING.iter().chain(POSTGRES_SURVIVING) {
            let sql = case.statements.join("\n") + "\n";
            let lines = retry_lines_in_model(&sql, model);
            assert!(lines.is_empty(), "{} ({model:?}): {lines:?}", case.name);
        }
        let elsewhere = FAILING_ELSEWHERE.iter().chain(POSTGRES_FAILING_ELSEWHERE);
        for case in FAILING.iter().chain(elsewhere) {
            let sql = case.statements.join("\n") + "\n";
            let lines = retry_lines_in_model(&sql, model);
            assert_eq!(lines, [2], "{} ({model:?})", case.name);
        }
        for case in IF_EXISTS_SURVIVING {
            let sql = case.statements.join("\n") + "\n";
            let lines = retry_lines_in_model(&sql, model);
            assert!(lines.is_empty(), "{} ({model:?}): {lines:?}", case.name);
        }
        for case in IF_EXISTS_FAILING {
            let sql = case.statements.join("\n") + "\n";
            assert_eq!(
                retry_lines_in_model(&sql, model),
                [2],
                "{} ({model:?})",
                case.name
            );
        }
        for case in FAILING_COPY_THEN_READ {
            let sql = case.statements.join("\n") + "\n";
            let lines = retry_lines_in_model(&sql, model);
            assert_eq!(lines, [2, 3], "{} ({model:?})", case.name);
        }
    }
    // A crash between the drop and the creation again: statement by statement only.
    let sql = MADE_AGAIN.join("\n") + "\n";
    assert_eq!(retry_lines_in_model(&sql, None), [2]);
    assert!(retry_lines_in_model(&sql, Some(ApplyModel::FileTransaction)).is_empty());
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

/// The `ALTER TABLE IF EXISTS` cases in a DO block: the block runs the ALTER as a top-level
/// statement would, right after the creation made the table, so the retry's fresh table lacks
/// `x` there too (the block fails); where the block drops the table before the ALTER, `IF
/// EXISTS` skips it.
const DO_IF_EXISTS: &[Case] = &[
    Case {
        name: "a DO block's ALTER TABLE IF EXISTS of a column the creation does not spell",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_ea (id int);",
            "DO $$ BEGIN ALTER TABLE IF EXISTS fr_ea ALTER COLUMN x SET NOT NULL; END $$;",
            "DROP TABLE fr_ea;",
        ],
    },
    Case {
        name: "a DO block's ALTER TABLE IF EXISTS of a column the creation spells",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_eb (id int, x int);",
            "DO $$ BEGIN ALTER TABLE IF EXISTS fr_eb ALTER COLUMN x SET NOT NULL; END $$;",
            "DROP TABLE fr_eb;",
        ],
    },
    Case {
        name: "a DO block's ALTER TABLE IF EXISTS of a table no creation makes, dropped later",
        statements: &[
            "DO $$ BEGIN ALTER TABLE IF EXISTS fr_ec ALTER COLUMN x SET NOT NULL; END $$;",
            "DROP TABLE IF EXISTS fr_ec;",
        ],
    },
    Case {
        name: "a DO block's ALTER TABLE IF EXISTS of a table the block drops before it",
        statements: &[
            "CREATE TABLE IF NOT EXISTS fr_ed (id int);",
            "DO $$ BEGIN DROP TABLE IF EXISTS fr_ed; ALTER TABLE IF EXISTS fr_ed ALTER COLUMN x SET NOT NULL; END $$;",
        ],
    },
];

#[test]
fn a_do_blocks_alter_table_if_exists_of_a_column_the_creation_does_not_spell_is_flagged() {
    assert_crash_points_agree(SETUP, DO_IF_EXISTS);
}
