//! The names PostgreSQL derives from a quoted mixed-case name keep its case: `CREATE TABLE
//! "QFoo" (id int PRIMARY KEY)` makes the key and index `QFoo_pkey` (`"QFoo_id_seq"` for a
//! serial `id`, `_QFoo` its array type), and the catalog compares names with case. A catalog
//! check whose literal is exactly that name guards the creation; one that differs in case
//! (`relname = 'qfoo_pkey'`) never finds it, and a retry runs the creation again and fails
//! (PostgreSQL 15: `relation "QFoo" already exists`). Unquoted names fold to lower case, and
//! every derived name is cut to 63 bytes at a character boundary. Lint is compared with the
//! server at every crash point and under a per-file transaction.

mod common;

use common::retry::{
    assert_crash_points_agree, dialect_options, retry_findings, retry_lines_in_model,
    retry_mismatches, Case, RetryCase,
};
use common::ScratchDb;
use preflight::lint::LintOptions;
use preflight::sql::Dialect;

const SETUP: &str = "CREATE TABLE qpar (id int PRIMARY KEY); CREATE TABLE qpar2 (id int PRIMARY KEY); CREATE TABLE \"QAlt\" (id int); CREATE TABLE qzz (a int);";

/// Asserts that lint and the server agree on `cases` at every crash point, and that each case
/// fails on the server (and is flagged) at its last statement, or nowhere.
fn assert_agree(cases: &[Case], fails: bool) {
    assert_crash_points_agree(SETUP, cases);
    for case in cases {
        let sql = case.statements.join("\n") + "\n";
        let expected = if fails {
            vec![case.statements.len()]
        } else {
            Vec::new()
        };
        assert_eq!(retry_lines_in_model(&sql, None), expected, "{}", case.name);
    }
}

#[test]
fn a_check_of_a_quoted_names_derived_name_in_another_case_guards_nothing() {
    assert_agree(
        &[
            Case {
                name: "primary key's relation, lower case",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'qfoo_pkey') THEN CREATE TABLE \"QFoo\" (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "primary key's constraint, lower case",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'qfoo_pkey') THEN CREATE TABLE \"QFoo\" (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "primary key's index in pg_indexes, lower case",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'qfoo_pkey') THEN CREATE TABLE \"QFoo\" (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "primary key in information_schema, lower case",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.table_constraints WHERE constraint_name = 'qfoo_pkey') THEN CREATE TABLE \"QFoo\" (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "serial's sequence, lower case",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'qfoo_id_seq') THEN CREATE TABLE \"QFoo\" (id serial); END IF; END $$;"],
            },
            Case {
                name: "quoted serial column's sequence on an unquoted table, lower case",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'qbar_id_seq') THEN CREATE TABLE qbar (\"Id\" serial); END IF; END $$;"],
            },
            Case {
                name: "unique key on a quoted column, the column folded",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'QFoo_code_key') THEN CREATE TABLE \"QFoo\" (id int, \"Code\" int UNIQUE); END IF; END $$;"],
            },
            Case {
                name: "array type, lower case",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = '_qfoo') THEN CREATE TABLE \"QFoo\" (id int); END IF; END $$;"],
            },
            Case {
                name: "column check, lower case",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'qfoo_c_check') THEN CREATE TABLE \"QFoo\" (c int CHECK (c > 0)); END IF; END $$;"],
            },
            Case {
                name: "foreign key, lower case",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'qfoo_pid_fkey') THEN CREATE TABLE \"QFoo\" (pid int REFERENCES qpar); END IF; END $$;"],
            },
            Case {
                name: "primary key an ALTER TABLE adds, lower case",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'qalt_pkey') THEN ALTER TABLE \"QAlt\" ADD PRIMARY KEY (id); END IF; END $$;"],
            },
            Case {
                name: "serial an ALTER TABLE adds, lower case",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'qalt_n_seq') THEN ALTER TABLE \"QAlt\" ADD COLUMN n serial; END IF; END $$;"],
            },
            Case {
                name: "schema-qualified table, lower case",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'qfoo_pkey') THEN CREATE TABLE public.\"QFoo\" (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "name over 63 bytes, its cut key lower case",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'qfooxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxy_pkey') THEN CREATE TABLE \"QFooXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXy\" (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "name over 63 bytes, its key cut a byte too long",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'QFooXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyX_pkey') THEN CREATE TABLE \"QFooXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXy\" (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "multibyte name over 63 bytes, its cut key lower case",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'qfooxéééééééééééééééééééééééééé_pkey') THEN CREATE TABLE \"QFooXÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉ\" (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "table made first, its primary key added under a lower-case check",
                statements: &[
                    "CREATE TABLE IF NOT EXISTS \"QCp\" (id int);",
                    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'qcp_pkey') THEN ALTER TABLE \"QCp\" ADD PRIMARY KEY (id); END IF; END $$;",
                ],
            },
            Case {
                name: "another name or the key lower case",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'qother' OR relname = 'qfoo_pkey') THEN CREATE TABLE \"QFoo\" (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "the key lower case and something an OR in parentheses tests",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE (relname = 'QFoo' OR relkind = 'S') AND relname = 'qfoo_pkey') THEN CREATE TABLE \"QFoo\" (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "unquoted table under a mixed-case check of its key",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'QBaz_pkey') THEN CREATE TABLE QBaz (id int PRIMARY KEY); END IF; END $$;"],
            },
        ],
        true,
    );
}

#[test]
fn a_check_of_a_quoted_names_derived_name_as_stored_guards_it() {
    assert_agree(
        &[
            Case {
                name: "primary key's relation",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'QFoo_pkey') THEN CREATE TABLE \"QFoo\" (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "primary key's constraint",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'QFoo_pkey') THEN CREATE TABLE \"QFoo\" (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "primary key's index in pg_indexes",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'QFoo_pkey') THEN CREATE TABLE \"QFoo\" (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "primary key in information_schema",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.table_constraints WHERE constraint_name = 'QFoo_pkey') THEN CREATE TABLE \"QFoo\" (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "serial's sequence",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'QFoo_id_seq') THEN CREATE TABLE \"QFoo\" (id serial); END IF; END $$;"],
            },
            Case {
                name: "quoted serial column's sequence on an unquoted table",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'qbar_Id_seq') THEN CREATE TABLE qbar (\"Id\" serial); END IF; END $$;"],
            },
            Case {
                name: "unique key on a quoted column",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'QFoo_Code_key') THEN CREATE TABLE \"QFoo\" (id int, \"Code\" int UNIQUE); END IF; END $$;"],
            },
            Case {
                name: "array type",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = '_QFoo') THEN CREATE TABLE \"QFoo\" (id int); END IF; END $$;"],
            },
            Case {
                name: "column check",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'QFoo_c_check') THEN CREATE TABLE \"QFoo\" (c int CHECK (c > 0)); END IF; END $$;"],
            },
            Case {
                name: "foreign key",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'QFoo_pid_fkey') THEN CREATE TABLE \"QFoo\" (pid int REFERENCES qpar); END IF; END $$;"],
            },
            Case {
                name: "primary key an ALTER TABLE adds",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'QAlt_pkey') THEN ALTER TABLE \"QAlt\" ADD PRIMARY KEY (id); END IF; END $$;"],
            },
            Case {
                name: "serial an ALTER TABLE adds",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'QAlt_n_seq') THEN ALTER TABLE \"QAlt\" ADD COLUMN n serial; END IF; END $$;"],
            },
            Case {
                name: "name over 63 bytes, its key cut as PostgreSQL cuts it",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'QFooXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXy_pkey') THEN CREATE TABLE \"QFooXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXy\" (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "multibyte name over 63 bytes, its key cut at a character",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'QFooXÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉ_pkey') THEN CREATE TABLE \"QFooXÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉ\" (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "table made first, its primary key added under a check as stored",
                statements: &[
                    "CREATE TABLE IF NOT EXISTS \"QCp\" (id int);",
                    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'QCp_pkey') THEN ALTER TABLE \"QCp\" ADD PRIMARY KEY (id); END IF; END $$;",
                ],
            },
            Case {
                name: "unquoted table under a check of its folded key",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'qbaz_pkey') THEN CREATE TABLE QBaz (id int PRIMARY KEY); END IF; END $$;"],
            },
            // One literal of an IN list is the name as stored: the check finds it.
            Case {
                name: "own name as stored beside a miscased key in one IN list",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname IN ('QFoo', 'qfoo_pkey')) THEN CREATE TABLE \"QFoo\" (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "own name as stored or a miscased key",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'QFoo' OR relname = 'qfoo_pkey') THEN CREATE TABLE \"QFoo\" (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "unquoted own name or a miscased key",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'qbaz' OR relname = 'QBaz_pkey') THEN CREATE TABLE qbaz (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "unquoted own name beside a miscased key in one IN list",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname IN ('qbaz', 'QBaz_pkey')) THEN CREATE TABLE qbaz (id int PRIMARY KEY); END IF; END $$;"],
            },
        ],
        false,
    );
}

// PostgreSQL numbers the label of a default name an earlier object of the statement took
// (`ChooseConstraintName`, `ChooseRelationName`): `t_a_key1`, `t_a_check2`.
#[test]
fn a_check_of_a_numbered_default_name_the_statement_makes_guards_it() {
    assert_agree(
        &[
            Case {
                name: "second unique key on a column",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'nt_a_key1') THEN CREATE TABLE nt (a int UNIQUE, UNIQUE (a) DEFERRABLE); END IF; END $$;"],
            },
            Case {
                name: "second check on a column",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'nt_a_check1') THEN CREATE TABLE nt (a int CHECK (a > 0) CHECK (a < 10)); END IF; END $$;"],
            },
            Case {
                name: "unnamed check after one named with its plain name",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'nt_a_check1') THEN CREATE TABLE nt (a int CONSTRAINT nt_a_check CHECK (a > 0) CHECK (a < 10)); END IF; END $$;"],
            },
            Case {
                name: "third check on a column",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'nt_a_check2') THEN CREATE TABLE nt (a int CHECK (a > 0) CHECK (a < 10) CHECK (a <> 5)); END IF; END $$;"],
            },
            Case {
                name: "second check on two columns",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'nt_check1') THEN CREATE TABLE nt (a int, b int, CHECK (a > b), CHECK (a < b + 9)); END IF; END $$;"],
            },
            Case {
                name: "second foreign key on a column",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'nt_a_fkey1') THEN CREATE TABLE nt (a int REFERENCES qpar, FOREIGN KEY (a) REFERENCES qpar2); END IF; END $$;"],
            },
            Case {
                name: "second unique key of a long name, cut with the numbered label",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdef_a_key1') THEN CREATE TABLE abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij (a int UNIQUE, UNIQUE (a) DEFERRABLE); END IF; END $$;"],
            },
            Case {
                name: "second unique key of a quoted name",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'QT_a_key1') THEN CREATE TABLE \"QT\" (a int UNIQUE, UNIQUE (a) DEFERRABLE); END IF; END $$;"],
            },
            Case {
                name: "second unique key an ALTER TABLE adds",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'qzz_a_key1') THEN ALTER TABLE qzz ADD UNIQUE (a), ADD UNIQUE (a); END IF; END $$;"],
            },
        ],
        false,
    );
    assert_agree(
        &[
            Case {
                name: "a number past the last check",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'nt_a_check3') THEN CREATE TABLE nt (a int CHECK (a > 0) CHECK (a < 10) CHECK (a <> 5)); END IF; END $$;"],
            },
            Case {
                name: "a numbered check of a quoted name, lower case",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'qt_a_check2') THEN CREATE TABLE \"QT\" (a int CHECK (a > 0) CHECK (a < 10) CHECK (a <> 5)); END IF; END $$;"],
            },
        ],
        true,
    );
}

// PostgreSQL cuts a name to 63 bytes, and a literal it compares with one.
#[test]
fn a_check_of_a_name_over_63_bytes_compares_it_cut() {
    assert_agree(
        &[
            Case {
                name: "quoted name over 63 bytes, checked as stored",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'QFooXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyX') THEN CREATE TABLE \"QFooXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXy\" (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "quoted name over 63 bytes, checked as spelled",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'QFooXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXy') THEN CREATE TABLE \"QFooXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXy\" (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "its name as stored with a suffix PostgreSQL cuts off",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'QFooXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyX_pkey') THEN CREATE TABLE \"QFooXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXy\" (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "unquoted name over 63 bytes, checked as stored",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'qfooxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyx') THEN CREATE TABLE qfooxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxy (id int PRIMARY KEY); END IF; END $$;"],
            },
        ],
        false,
    );
    assert_agree(
        &[
            Case {
                name: "quoted name over 63 bytes, checked as stored but lower case",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'qfooxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyxyx') THEN CREATE TABLE \"QFooXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXyXy\" (id int PRIMARY KEY); END IF; END $$;"],
            },
        ],
        true,
    );
}

// PostgreSQL names a range type's multirange by making its first `range` (case kept)
// `multirange` (`floatrange`: `floatmultirange`), else by adding `_multirange`.
#[test]
fn a_check_of_a_multirange_name_guards_the_range_type_that_makes_it() {
    assert_agree(
        &[
            Case {
                name: "multirange of a name holding range",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'floatmultirange') THEN CREATE TYPE floatrange AS RANGE (subtype = float8); END IF; END $$;"],
            },
            Case {
                name: "its array type",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = '_floatmultirange') THEN CREATE TYPE floatrange AS RANGE (subtype = float8); END IF; END $$;"],
            },
            Case {
                name: "only the first range made multirange",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'my_multirange_range') THEN CREATE TYPE my_range_range AS RANGE (subtype = float8); END IF; END $$;"],
            },
            Case {
                name: "a quoted Range is no range",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'QRange_multirange') THEN CREATE TYPE \"QRange\" AS RANGE (subtype = float8); END IF; END $$;"],
            },
        ],
        false,
    );
    assert_agree(
        &[
            Case {
                name: "the suffix on a name holding range",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'floatrange_multirange') THEN CREATE TYPE floatrange AS RANGE (subtype = float8); END IF; END $$;"],
            },
            Case {
                name: "a quoted name's multirange, lower case",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'qrange_multirange') THEN CREATE TYPE \"QRange\" AS RANGE (subtype = float8); END IF; END $$;"],
            },
        ],
        true,
    );
}

/// A MariaDB block that creates table `t` (with `elements`) when
/// information_schema.TABLE_CONSTRAINTS has no constraint named `literal`.
fn mariadb_block(literal: &str, elements: &str) -> String {
    format!(
        "DELIMITER //\nBEGIN NOT ATOMIC\n\
         IF NOT EXISTS (SELECT 1 FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND CONSTRAINT_NAME = '{literal}') THEN\n\
         CREATE TABLE t ({elements});\nEND IF;\nEND //\nDELIMITER ;\n"
    )
}

// MariaDB names the n-th unnamed foreign key of `CREATE TABLE t` `t_ibfk_<n>` (a column's
// `REFERENCES` too) and its n-th unnamed table CHECK `CONSTRAINT_<n>`, not as PostgreSQL does.
#[test]
fn a_mariadb_check_of_a_default_name_guards_what_mariadb_names_so() {
    let foreign_keys = "a int, FOREIGN KEY (a) REFERENCES par (id), b int REFERENCES par (id)";
    let checks = "a int, b int, CONSTRAINT c1 CHECK (a > b), CHECK (b > 0)";
    let case = |name, literal: &str, elements: &str, fails: bool| RetryCase {
        name,
        sql: mariadb_block(literal, elements),
        fails_at: fails.then_some("CREATE TABLE"),
    };
    let cases = [
        case("first unnamed foreign key", "t_ibfk_1", foreign_keys, false),
        case("second, a column's", "t_ibfk_2", foreign_keys, false),
        case(
            "first unnamed foreign key, upper case",
            "T_IBFK_1",
            foreign_keys,
            false,
        ),
        case("unnamed table check", "CONSTRAINT_1", checks, false),
        case(
            "PostgreSQL's name of the foreign key",
            "t_a_fkey",
            foreign_keys,
            true,
        ),
        case(
            "a number past the last foreign key",
            "t_ibfk_3",
            foreign_keys,
            true,
        ),
        case("PostgreSQL's name of the check", "t_check", checks, true),
        case("a number past the last check", "CONSTRAINT_2", checks, true),
        case(
            "a named foreign key's default name",
            "t_ibfk_1",
            "a int, CONSTRAINT fa FOREIGN KEY (a) REFERENCES par (id)",
            true,
        ),
    ];
    let failures = retry_mismatches(
        &cases,
        &dialect_options(Dialect::Mariadb),
        ScratchDb::mariadb,
        "CREATE TABLE par (id int PRIMARY KEY);",
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_finding_names_the_derived_name_as_stored() {
    let sql = "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'qfoo_pkey') THEN CREATE TABLE \"QFoo\" (id int PRIMARY KEY); END IF; END $$;\n";
    let options = LintOptions {
        dialect: Dialect::Postgres,
        ..LintOptions::default()
    };
    let notes: Vec<String> = retry_findings(sql, &options)
        .into_iter()
        .flat_map(|f| f.notes)
        .collect();
    assert!(
        notes.contains(&"the guard compares relname = 'qfoo_pkey', but PostgreSQL stores the name it derives as QFoo_pkey, so the check never finds it".to_string()),
        "{notes:?}"
    );
}
