//! PF108 on PostgreSQL's `ALTER TYPE … ADD ATTRIBUTE`, which has no `IF NOT EXISTS`: a retry
//! fails with `column "x" of relation "ct" already exists` (`duplicate_column`). Lint is
//! compared with the server (PostgreSQL 15) at every crash point and under a per-file
//! transaction: it flags exactly the lines the server fails at.

mod common;

use common::retry::{crash_point_failures, crash_point_mismatches, retry_lines_in_model, Case};
use common::ScratchDb;

const CASES: &[Case] = &[
    Case {
        name: "an unguarded ADD ATTRIBUTE",
        statements: &["ALTER TYPE ct ADD ATTRIBUTE x int;"],
    },
    Case {
        name: "two actions, one ADD ATTRIBUTE",
        statements: &["ALTER TYPE ct ADD ATTRIBUTE y int, ALTER ATTRIBUTE a TYPE bigint;"],
    },
    Case {
        name: "a DO block catching duplicate_column",
        statements: &["DO $$ BEGIN ALTER TYPE ct ADD ATTRIBUTE z int; EXCEPTION WHEN duplicate_column THEN NULL; END $$;"],
    },
    Case {
        name: "a DO block catching another condition",
        statements: &["DO $$ BEGIN ALTER TYPE ct ADD ATTRIBUTE w int; EXCEPTION WHEN undefined_table THEN NULL; END $$;"],
    },
    Case {
        name: "a DO block catching duplicate_column, with a DROP ATTRIBUTE that fails first",
        statements: &["DO $$ BEGIN ALTER TYPE ct ADD ATTRIBUTE u int, DROP ATTRIBUTE a; EXCEPTION WHEN duplicate_column THEN NULL; END $$;"],
    },
    Case {
        name: "an earlier DROP ATTRIBUTE IF EXISTS",
        statements: &[
            "ALTER TYPE ct DROP ATTRIBUTE IF EXISTS v;",
            "ALTER TYPE ct ADD ATTRIBUTE v int;",
        ],
    },
    Case {
        name: "the file drops the type and makes it again first",
        statements: &[
            "DROP TYPE IF EXISTS c2;",
            "CREATE TYPE c2 AS (a int);",
            "ALTER TYPE c2 ADD ATTRIBUTE x int;",
        ],
    },
    Case {
        name: "a DROP ATTRIBUTE IF EXISTS",
        statements: &["ALTER TYPE ct DROP ATTRIBUTE IF EXISTS a;"],
    },
    Case {
        name: "a DROP ATTRIBUTE in a DO block catching undefined_column",
        statements: &["DO $$ BEGIN ALTER TYPE ct DROP ATTRIBUTE a; EXCEPTION WHEN undefined_column THEN NULL; END $$;"],
    },
    Case {
        name: "an attribute the file adds, then drops",
        statements: &[
            "ALTER TYPE ct ADD ATTRIBUTE q int;",
            "ALTER TYPE ct DROP ATTRIBUTE q;",
        ],
    },
];

#[test]
fn add_attribute_is_flagged_where_postgres_fails_on_a_retry() {
    let db = ScratchDb::postgres();
    db.exec("CREATE TYPE ct AS (a int);");
    let mismatches = crash_point_mismatches(&db, CASES);
    assert!(mismatches.is_empty(), "{mismatches:#?}");
    // The plain case is flagged at all: the comparison is not vacuous.
    assert_eq!(
        retry_lines_in_model("ALTER TYPE ct ADD ATTRIBUTE x int;\n", None),
        [1]
    );
}

/// A file that makes the type (guarded), adds the attribute and drops the type again: after a
/// crash past the ADD and before the DROP, the retry fails at the ADD, and lint flags it there.
/// Under a per-file transaction a re-run finds the type gone and makes it again without the
/// attribute: neither fails nor flags.
#[test]
fn add_attribute_of_a_type_the_file_makes_and_drops_fails_after_a_crash_before_the_drop() {
    let db = ScratchDb::postgres();
    let statements = [
        "DO $$ BEGIN CREATE TYPE c3 AS (a int); EXCEPTION WHEN duplicate_object THEN NULL; END $$;",
        "ALTER TYPE c3 ADD ATTRIBUTE x int;",
        "DROP TYPE IF EXISTS c3;",
    ];
    let sql = statements.join("\n") + "\n";
    assert_eq!(crash_point_failures(&db, &statements, None), [2]);
    assert_eq!(retry_lines_in_model(&sql, None), [2]);
    let per_file = Some(preflight::runner::ApplyModel::FileTransaction);
    assert!(crash_point_failures(&db, &statements, per_file).is_empty());
    assert!(retry_lines_in_model(&sql, per_file).is_empty());
}
