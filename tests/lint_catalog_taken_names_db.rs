//! The names a catalog check looks for, as PostgreSQL 15 makes them:
//! - a default name (`t_pkey`, `t_c_seq`, `t_c_check`, `t_c_key`, the array type `_t`) that
//!   an earlier statement of the file took is numbered (`t_pkey1`) or, for an array type,
//!   gets one more underscore in front (`__t`), on every run: a check for the numbered name
//!   guards the creation; one where the earlier name is gone again, or was made in another
//!   schema, does not;
//! - an unquoted name is folded in its ASCII letters only (`Éq` is stored `Éq`, `ÀB` `Àb`);
//! - a literal is cut to 63 bytes as the name is, so one differing in case only after the cut
//!   finds a quoted name;
//! - `to_regclass('…')` (`to_regtype`, …) reads its literal as a name, folding an unquoted one:
//!   `to_regclass('Foo')` never finds the quoted `"Foo"`.
//!
//! Lint is compared with the server at every crash point and under a per-file transaction.

mod common;

use common::retry::{assert_crash_points_agree, Case};

const SETUP: &str = "CREATE TABLE zone (id int); CREATE SCHEMA elsewhere;";

#[test]
fn a_default_name_an_earlier_statement_took_is_numbered() {
    assert_crash_points_agree(
        SETUP,
        &[
            Case {
                name: "primary key whose name an index took",
                statements: &[
                    "CREATE TABLE IF NOT EXISTS x (id int);",
                    "CREATE INDEX IF NOT EXISTS t_pkey ON x (id);",
                    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 't_pkey1') THEN CREATE TABLE t (id int PRIMARY KEY); END IF; END $$;",
                ],
            },
            Case {
                name: "primary key whose name a check constraint took",
                statements: &[
                    "CREATE TABLE IF NOT EXISTS x (c int CONSTRAINT t_pkey CHECK (c > 0));",
                    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 't_pkey1') THEN CREATE TABLE t (id int PRIMARY KEY); END IF; END $$;",
                ],
            },
            Case {
                name: "serial whose sequence name a sequence took",
                statements: &[
                    "CREATE SEQUENCE IF NOT EXISTS t_id_seq;",
                    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 't_id_seq1') THEN CREATE TABLE t (id serial); END IF; END $$;",
                ],
            },
            Case {
                name: "added serial whose sequence name a sequence took",
                statements: &[
                    "CREATE SEQUENCE IF NOT EXISTS zone_n_seq;",
                    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'zone_n_seq1') THEN ALTER TABLE zone ADD COLUMN n serial; END IF; END $$;",
                ],
            },
            Case {
                name: "unique key whose name an index took",
                statements: &[
                    "CREATE TABLE IF NOT EXISTS x (id int);",
                    "CREATE INDEX IF NOT EXISTS t_a_key ON x (id);",
                    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 't_a_key1') THEN CREATE TABLE t (a int UNIQUE); END IF; END $$;",
                ],
            },
            Case {
                name: "check whose name another table's check took",
                statements: &[
                    "CREATE TABLE IF NOT EXISTS x (c int CONSTRAINT t_c_check CHECK (c > 0));",
                    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 't_c_check1') THEN CREATE TABLE t (c int CHECK (c > 0)); END IF; END $$;",
                ],
            },
            Case {
                name: "array type whose name a table's row type and array took",
                statements: &[
                    "CREATE TABLE IF NOT EXISTS _t (id int);",
                    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = '___t') THEN CREATE TABLE t (id int); END IF; END $$;",
                ],
            },
            Case {
                name: "primary key whose name an index took under a check of the plain name",
                statements: &[
                    "CREATE TABLE IF NOT EXISTS x (id int);",
                    "CREATE INDEX IF NOT EXISTS t_pkey ON x (id);",
                    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 't_pkey') THEN CREATE TABLE t (id int PRIMARY KEY); END IF; END $$;",
                ],
            },
            Case {
                name: "table made again under a check of the key the first one took",
                statements: &[
                    "CREATE TABLE IF NOT EXISTS t (id int PRIMARY KEY);",
                    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 't_pkey') THEN CREATE TABLE t (id int PRIMARY KEY); END IF; END $$;",
                ],
            },
            Case {
                name: "primary key of a table made IF NOT EXISTS whose name an index took",
                statements: &[
                    "CREATE TABLE IF NOT EXISTS x (id int);",
                    "CREATE INDEX IF NOT EXISTS t_pkey ON x (id);",
                    "CREATE TABLE IF NOT EXISTS u (id int PRIMARY KEY);",
                    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 't_pkey1') THEN CREATE TABLE t (id int PRIMARY KEY); END IF; END $$;",
                ],
            },
        ],
    );
}

#[test]
fn a_default_name_free_again_or_taken_elsewhere_is_not_numbered() {
    assert_crash_points_agree(
        SETUP,
        &[
            Case {
                name: "primary key under a check of a numbered name nothing took",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 't_pkey1') THEN CREATE TABLE t (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "primary key whose name an index of another schema took",
                statements: &[
                    "CREATE TABLE IF NOT EXISTS elsewhere.x (id int);",
                    "CREATE INDEX IF NOT EXISTS t_pkey ON elsewhere.x (id);",
                    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 't_pkey1') THEN CREATE TABLE t (id int PRIMARY KEY); END IF; END $$;",
                ],
            },
            Case {
                name: "primary key whose name an index took under a positive check of it",
                statements: &[
                    "CREATE TABLE IF NOT EXISTS x (id int);",
                    "CREATE INDEX IF NOT EXISTS t_pkey ON x (id);",
                    "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_class WHERE relname = 't_pkey') THEN CREATE TABLE t (id int PRIMARY KEY); END IF; END $$;",
                ],
            },
            Case {
                name: "primary key whose name an index took under a check of it in another case",
                statements: &[
                    "CREATE TABLE IF NOT EXISTS x (id int);",
                    "CREATE INDEX IF NOT EXISTS t_pkey ON x (id);",
                    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'T_PKEY') THEN CREATE TABLE t (id int PRIMARY KEY); END IF; END $$;",
                ],
            },
            Case {
                name: "primary key whose name an index of a dropped table took",
                statements: &[
                    "CREATE TABLE IF NOT EXISTS x (id int);",
                    "CREATE INDEX IF NOT EXISTS t_pkey ON x (id);",
                    "DROP TABLE IF EXISTS x;",
                    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 't_pkey1') THEN CREATE TABLE t (id int PRIMARY KEY); END IF; END $$;",
                ],
            },
        ],
    );
}

#[test]
fn an_unquoted_name_is_folded_in_its_ascii_letters_only() {
    assert_crash_points_agree(
        SETUP,
        &[
            Case {
                name: "table under a check of its name as spelled",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'Éq') THEN CREATE TABLE Éq (id int); END IF; END $$;"],
            },
            Case {
                name: "table under a check of its primary key as stored",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'Éq_pkey') THEN CREATE TABLE Éq (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "mixed table under a check of its serial's sequence as stored",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'Àb_Ñc_seq') THEN CREATE TABLE ÀB (ÑC serial); END IF; END $$;"],
            },
            Case {
                name: "added column under a check of its name as spelled",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'zone'::regclass AND attname = 'Ñame') THEN ALTER TABLE zone ADD COLUMN Ñame int; END IF; END $$;"],
            },
            Case {
                name: "table under a check of its primary key lower-cased in every letter",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'éq_pkey') THEN CREATE TABLE Éq (id int PRIMARY KEY); END IF; END $$;"],
            },
            Case {
                name: "table under a check of its name lower-cased in every letter",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'éq') THEN CREATE TABLE Éq (id int); END IF; END $$;"],
            },
        ],
    );
}

#[test]
fn a_literal_is_cut_to_63_bytes_before_it_is_compared() {
    assert_crash_points_agree(
        SETUP,
        &[
            Case {
                name: "quoted table under a pg_class check differing in case after the cut",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQABCD') THEN CREATE TABLE \"QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQAbcd\" (id int); END IF; END $$;"],
            },
            Case {
                name: "quoted table under an information_schema check differing in case after the cut",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = 'QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQABCD') THEN CREATE TABLE \"QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQAbcd\" (id int); END IF; END $$;"],
            },
            Case {
                name: "quoted table under to_regclass of a quoted name differing in case after the cut",
                statements: &["DO $$ BEGIN IF to_regclass('\"QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQABCD\"') IS NULL THEN CREATE TABLE \"QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQAbcd\" (id int); END IF; END $$;"],
            },
            Case {
                name: "quoted column under a pg_attribute check differing in case after the cut",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'zone'::regclass AND attname = 'QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQABCD') THEN ALTER TABLE zone ADD COLUMN \"QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQAbcd\" int; END IF; END $$;"],
            },
            Case {
                name: "quoted index under a pg_indexes check differing in case after the cut",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQABCD') THEN CREATE INDEX \"QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQAbcd\" ON zone (id); END IF; END $$;"],
            },
            Case {
                name: "quoted table under a check differing in case before the cut",
                statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqabcd') THEN CREATE TABLE \"QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQAbcd\" (id int); END IF; END $$;"],
            },
        ],
    );
}

#[test]
fn a_to_reg_literal_is_read_as_a_name() {
    assert_crash_points_agree(
        SETUP,
        &[
            Case {
                name: "quoted table under to_regclass of its name unquoted",
                statements: &["DO $$ BEGIN IF to_regclass('Foo') IS NULL THEN CREATE TABLE \"Foo\" (id int); END IF; END $$;"],
            },
            Case {
                name: "quoted table under to_regclass of its qualified name unquoted",
                statements: &["DO $$ BEGIN IF to_regclass('public.Foo') IS NULL THEN CREATE TABLE \"Foo\" (id int); END IF; END $$;"],
            },
            Case {
                name: "quoted enum under to_regtype of its name unquoted",
                statements: &["DO $$ BEGIN IF to_regtype('Foo') IS NULL THEN CREATE TYPE \"Foo\" AS ENUM ('a'); END IF; END $$;"],
            },
            Case {
                name: "non-ASCII table under to_regclass of its name lower-cased in every letter",
                statements: &["DO $$ BEGIN IF to_regclass('éq') IS NULL THEN CREATE TABLE Éq (id int); END IF; END $$;"],
            },
            Case {
                name: "unquoted table under to_regclass of its name in another case",
                statements: &["DO $$ BEGIN IF to_regclass('Foo') IS NULL THEN CREATE TABLE FOO (id int); END IF; END $$;"],
            },
            Case {
                name: "quoted table under to_regclass of its name quoted",
                statements: &["DO $$ BEGIN IF to_regclass('\"Foo\"') IS NULL THEN CREATE TABLE \"Foo\" (id int); END IF; END $$;"],
            },
            Case {
                name: "non-ASCII table under to_regclass of its name as spelled",
                statements: &["DO $$ BEGIN IF to_regclass('Éq') IS NULL THEN CREATE TABLE Éq (id int); END IF; END $$;"],
            },
        ],
    );
}
