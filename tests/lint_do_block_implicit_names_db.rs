//! A DO block's catalog check guards a creation only when it looks for a name the creation
//! makes: its own, or one PostgreSQL derives from it (`t_pkey`, the `t_c_seq` of a serial or
//! identity column, the array type `_t`, `t_c_key` of a UNIQUE, `t_c_check`). A check for a
//! name that merely holds the created one (`tablename = 'm2_x'` around `CREATE TABLE m2`)
//! finds nothing on a retry: the branch runs again and fails (PostgreSQL 15: `relation "m2"
//! already exists`). Lint is compared with the server at every crash point and under a
//! per-file transaction.

mod common;

use common::retry::{assert_crash_points_agree, Case};

const SETUP: &str = "CREATE TABLE zone (id int);";

#[test]
fn a_check_for_a_name_holding_the_created_one_guards_nothing() {
    assert_crash_points_agree(
        SETUP,
        &[
            Case {
                name: "table under a check of a longer table name",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'm2_x') THEN CREATE TABLE m2 (id int); END IF; END $$;"],
            },
            Case {
                name: "table under a check of a name holding its primary key's",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'm3_pkey_old') THEN CREATE TABLE m3 (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "enum under a check of a longer type name",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'e2_old') THEN CREATE TYPE e2 AS ENUM ('a'); END IF; END $$;"],
            },
            Case {
                name: "added column under a check of a longer column name",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attname = 'cc_old') THEN ALTER TABLE zone ADD COLUMN cc int; END IF; END $$;"],
            },
            Case {
                name: "table under a check of a sequence it does not make",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'm13_id_seq') THEN CREATE TABLE m13 (id int); END IF; END $$;"],
            },
        ],
    );
}

#[test]
fn a_check_for_a_name_the_creation_makes_guards_it() {
    assert_crash_points_agree(
        SETUP,
        &[
            Case {
                name: "table under a check of its own name",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'm4') THEN CREATE TABLE m4 (id int); END IF; END $$;"],
            },
            Case {
                name: "table under a check of its primary key",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'm5_pkey') THEN CREATE TABLE m5 (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "unquoted upper-case table under a check of its folded primary key",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'm12_pkey') THEN CREATE TABLE M12 (id int, PRIMARY KEY (id)); END IF; END $$;"],
            },
            Case {
                name: "enum under a check of its array type",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = '_m6') THEN CREATE TYPE m6 AS ENUM ('a'); END IF; END $$;"],
            },
            Case {
                name: "table under a check of its serial column's sequence",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'm7_id_seq') THEN CREATE TABLE m7 (id serial); END IF; END $$;"],
            },
            Case {
                name: "table under a check of its identity column's sequence",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'm8_id_seq') THEN CREATE TABLE m8 (id int GENERATED ALWAYS AS IDENTITY); END IF; END $$;"],
            },
            Case {
                name: "table under a check of its column's unique constraint",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'm9_u_key') THEN CREATE TABLE m9 (id int, u int UNIQUE); END IF; END $$;"],
            },
            Case {
                name: "table under a check of its two-column unique constraint",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'm10_a_b_key') THEN CREATE TABLE m10 (a int, b int, UNIQUE (a, b)); END IF; END $$;"],
            },
            Case {
                name: "table under a check of its column's check constraint",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'm11_c_check') THEN CREATE TABLE m11 (c int CHECK (c > 0)); END IF; END $$;"],
            },
            Case {
                name: "added serial column under a check of its sequence",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'zone_cc_seq') THEN ALTER TABLE zone ADD COLUMN cc serial; END IF; END $$;"],
            },
            Case {
                name: "unquoted mixed-case table under a check of its key as stored",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'mc4_pkey') THEN CREATE TABLE Mc4 (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "unquoted mixed-case table under a check folding its key's case",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE lower(relname) = lower('Mc5_pkey')) THEN CREATE TABLE Mc5 (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "quoted mixed-case table under a check of its key as stored",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'Mc6_pkey') THEN CREATE TABLE \"Mc6\" (id int PRIMARY KEY); END IF; END $$;"],
            },
        ],
    );
}

/// On PostgreSQL a derived name is compared with case as the own name is: the unquoted `Mc1`
/// is stored `mc1`, its key `mc1_pkey`, and `relname = 'Mc1_pkey'` never finds it (PostgreSQL
/// 15: `relation "mc1" already exists` on the retry).
#[test]
fn a_check_of_a_derived_name_differing_in_case_guards_nothing() {
    assert_crash_points_agree(
        SETUP,
        &[
            Case {
                name: "unquoted mixed-case table under a check of its key spelled as the table",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'Mc1_pkey') THEN CREATE TABLE Mc1 (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "unquoted mixed-case table under a check of its serial's sequence in another case",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'Mc2_ID_seq') THEN CREATE TABLE Mc2 (ID serial); END IF; END $$;"],
            },
            Case {
                name: "unquoted mixed-case enum under a check of its array type in another case",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = '_Mc3') THEN CREATE TYPE Mc3 AS ENUM ('a'); END IF; END $$;"],
            },
        ],
    );
}
