//! PF108 on PostgreSQL's `ALTER TYPE … ADD ATTRIBUTE`, which has no `IF NOT EXISTS`: a retry
//! fails with `column "x" of relation "ct" already exists` (`duplicate_column`); PF110 on its
//! `DROP ATTRIBUTE` without `IF EXISTS` (`column "a" of relation "ct" does not exist`). Lint is
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
    // PF110 on `DROP ATTRIBUTE` without IF EXISTS: a retry fails with `column "a" of relation
    // "ct" does not exist` (`undefined_column`).
    Case {
        name: "an unguarded DROP ATTRIBUTE",
        statements: &["ALTER TYPE ct DROP ATTRIBUTE a;"],
    },
    Case {
        name: "a guarded and an unguarded DROP ATTRIBUTE in one statement",
        statements: &["ALTER TYPE ct DROP ATTRIBUTE IF EXISTS b, DROP ATTRIBUTE a;"],
    },
    Case {
        name: "an ADD ATTRIBUTE and a DROP ATTRIBUTE in one statement",
        statements: &["ALTER TYPE ct ADD ATTRIBUTE r int, DROP ATTRIBUTE a;"],
    },
    Case {
        name: "a DROP ATTRIBUTE the file adds back after it",
        statements: &[
            "ALTER TYPE ct DROP ATTRIBUTE a;",
            "ALTER TYPE ct ADD ATTRIBUTE a int;",
        ],
    },
    Case {
        name: "a DROP ATTRIBUTE of the name a rename gives",
        statements: &[
            "ALTER TYPE ct RENAME ATTRIBUTE a TO a2;",
            "ALTER TYPE ct DROP ATTRIBUTE a2;",
        ],
    },
    Case {
        name: "a DROP ATTRIBUTE of what the file's creation of the type spells, after its drop",
        statements: &[
            "DROP TYPE IF EXISTS c4;",
            "CREATE TYPE c4 AS (a int, b int);",
            "ALTER TYPE c4 DROP ATTRIBUTE b;",
        ],
    },
    Case {
        name: "a DROP ATTRIBUTE of a type the file makes and drops",
        statements: &[
            "CREATE TYPE c5 AS (a int, b int);",
            "ALTER TYPE c5 DROP ATTRIBUTE b;",
            "DROP TYPE c5;",
        ],
    },
    Case {
        name: "a DROP ATTRIBUTE of a type made in a guarded block",
        statements: &[
            "DO $$ BEGIN CREATE TYPE c6 AS (a int, b int); EXCEPTION WHEN duplicate_object THEN NULL; END $$;",
            "ALTER TYPE c6 DROP ATTRIBUTE b;",
        ],
    },
];

#[test]
fn add_attribute_is_flagged_where_postgres_fails_on_a_retry() {
    let db = ScratchDb::postgres();
    db.exec("CREATE TYPE ct AS (a int);");
    let mismatches = crash_point_mismatches(&db, CASES);
    assert!(mismatches.is_empty(), "{mismatches:#?}");
    // The plain cases are flagged at all: the comparison is not vacuous.
    assert_eq!(
        retry_lines_in_model("ALTER TYPE ct ADD ATTRIBUTE x int;\n", None),
        [1]
    );
    assert_eq!(
        retry_lines_in_model("ALTER TYPE ct DROP ATTRIBUTE a;\n", None),
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

/// PF110's fix adds `IF EXISTS` after `ATTRIBUTE`: the fixed file runs twice on PostgreSQL,
/// and lint finds nothing left.
#[test]
fn drop_attribute_fixed_with_if_exists_runs_twice() {
    use preflight::fix::fix_source;
    use preflight::lint::LintOptions;
    use preflight::source::SourceFile;
    let sql =
        "ALTER TYPE ct ADD ATTRIBUTE r int, DROP ATTRIBUTE a;\nALTER TYPE ct DROP ATTRIBUTE r;\n";
    let options = LintOptions::default();
    let outcome = fix_source(&SourceFile::new("m.sql", sql), &options, false);
    assert_eq!(
        outcome.fixed,
        "ALTER TYPE ct ADD ATTRIBUTE r int, DROP ATTRIBUTE IF EXISTS a;\nALTER TYPE ct DROP ATTRIBUTE r;\n"
    );
    assert!(outcome.applied.iter().any(|f| f.rule.code == "PF110"));
    assert!(
        outcome.remaining.iter().all(|f| f.rule.code != "PF110"),
        "{:?}",
        outcome.remaining
    );
    let db = ScratchDb::postgres();
    db.exec("CREATE TYPE ct AS (a int);");
    assert_eq!(common::retry::run_twice(&db, &outcome.fixed), Ok(()));
}
