//! PF116: a foreign key to columns that carry two usable keys (`sk_u1` and `sk_u2`, both
//! `UNIQUE (code)`) depends on the one PostgreSQL 15 picks: the first usable unique index on the
//! columns by OID (`transformFkeyCheckAttrs`; `pg_constraint.conindid` names it), the key the
//! file made first of those still there. Lint took the last one the file declared: it reported a
//! later `DROP CONSTRAINT sk_u2 CASCADE` that leaves the foreign key, and missed the drop of
//! `sk_u1`, made after `sk_u2`, when `sk_u2` was dropped before the foreign key. A retry that adds
//! the foreign key again after its key's drop passes while another key on the columns stays.
//! Lint is compared with the server at every crash point and under a per-file transaction.

mod common;

use common::retry::{assert_crash_points_agree, Case};

const P: &str = "CREATE TABLE IF NOT EXISTS sk_p (id int PRIMARY KEY, code int, \
                 CONSTRAINT sk_u1 UNIQUE (code));";
const DROP_U2: &str = "ALTER TABLE sk_p DROP CONSTRAINT IF EXISTS sk_u2;";
const ADD_U2: &str = "ALTER TABLE sk_p ADD CONSTRAINT sk_u2 UNIQUE (code);";
const C: &str = "CREATE TABLE IF NOT EXISTS sk_c (id int, code int);";
const DROP_FK: &str = "ALTER TABLE sk_c DROP CONSTRAINT IF EXISTS sk_fk;";
const ADD_FK: &str =
    "ALTER TABLE sk_c ADD CONSTRAINT sk_fk FOREIGN KEY (code) REFERENCES sk_p (code);";

#[test]
fn a_foreign_key_depends_on_the_first_of_two_keys_on_its_columns_on_postgres() {
    assert_crash_points_agree(
        "",
        &[
            // The foreign key is on `sk_u1`: the drop of `sk_u2` leaves it (lint reported the
            // ADD).
            Case {
                name: "the second key dropped with CASCADE after the foreign key",
                statements: &[
                    P,
                    DROP_U2,
                    ADD_U2,
                    C,
                    DROP_FK,
                    ADD_FK,
                    "ALTER TABLE sk_p DROP CONSTRAINT sk_u2 CASCADE;",
                ],
            },
            // `sk_u2` is gone before the foreign key, which depends on `sk_u1`: its drop takes
            // the foreign key, and a retry, whose table skips `sk_u1`, finds no key to add it
            // to (lint missed it).
            Case {
                name: "the second key dropped before the foreign key, the first after it",
                statements: &[
                    P,
                    DROP_U2,
                    ADD_U2,
                    "ALTER TABLE sk_p DROP CONSTRAINT sk_u2;",
                    C,
                    DROP_FK,
                    ADD_FK,
                    "ALTER TABLE sk_p DROP CONSTRAINT IF EXISTS sk_u1 CASCADE;",
                ],
            },
            // The drop of `sk_u1` takes the foreign key, which a retry adds again on `sk_u2`.
            Case {
                name: "the first key dropped with CASCADE, the second stays",
                statements: &[
                    P,
                    DROP_U2,
                    ADD_U2,
                    C,
                    DROP_FK,
                    ADD_FK,
                    "ALTER TABLE sk_p DROP CONSTRAINT IF EXISTS sk_u1 CASCADE;",
                ],
            },
            // The same without IF EXISTS: only that drop fails on a retry (PF111).
            Case {
                name: "the first key dropped with CASCADE, without IF EXISTS",
                statements: &[
                    P,
                    DROP_U2,
                    ADD_U2,
                    C,
                    DROP_FK,
                    ADD_FK,
                    "ALTER TABLE sk_p DROP CONSTRAINT sk_u1 CASCADE;",
                ],
            },
        ],
    );
}
