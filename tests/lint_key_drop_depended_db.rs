//! PF125 on a key's drop: `ALTER TABLE p DROP CONSTRAINT [IF EXISTS] p_u1` (no CASCADE) of a key
//! the file adds again after it, when a later foreign key of the file references the key's
//! columns. A retry from a crash point after the foreign key meets it at the drop, which fails
//! (`cannot drop constraint p_u1 on table p because other objects depend on it`), and the
//! `ADD CONSTRAINT p_u1` after it meets the key still there (`relation "p_u1" already exists`,
//! PF116). Lint missed both. Lint is compared with PostgreSQL 15 at every crash point and under
//! a per-file transaction.

mod common;

use common::retry::{assert_crash_points_agree, Case};

const P: &str = "CREATE TABLE IF NOT EXISTS kd_p (id int PRIMARY KEY, code text NOT NULL);";
const DROP_U1: &str = "ALTER TABLE kd_p DROP CONSTRAINT IF EXISTS kd_u1;";
const ADD_U1: &str = "ALTER TABLE kd_p ADD CONSTRAINT kd_u1 UNIQUE (code);";
const C: &str = "CREATE TABLE IF NOT EXISTS kd_c (id int, code text);";
const DROP_FK: &str = "ALTER TABLE kd_c DROP CONSTRAINT IF EXISTS kd_fk;";
const ADD_FK: &str =
    "ALTER TABLE kd_c ADD CONSTRAINT kd_fk FOREIGN KEY (code) REFERENCES kd_p (code);";

#[test]
fn a_key_drop_a_later_foreign_key_depends_on_fails_on_a_retry_on_postgres() {
    assert_crash_points_agree(
        "",
        &[
            Case {
                name: "the key dropped and added again, then a foreign key to it",
                statements: &[P, DROP_U1, ADD_U1, C, ADD_FK],
            },
            Case {
                name: "the foreign key guarded by its own drop",
                statements: &[P, DROP_U1, ADD_U1, C, DROP_FK, ADD_FK],
            },
            Case {
                name: "a column's inline REFERENCES in a CREATE TABLE",
                statements: &[
                    P,
                    DROP_U1,
                    ADD_U1,
                    "CREATE TABLE IF NOT EXISTS kd_c2 (id int, code text REFERENCES kd_p (code));",
                ],
            },
            Case {
                name: "the primary key, a REFERENCES without columns",
                statements: &[
                    "CREATE TABLE IF NOT EXISTS kd_q (id int NOT NULL);",
                    "ALTER TABLE kd_q DROP CONSTRAINT IF EXISTS kd_q_pkey;",
                    "ALTER TABLE kd_q ADD PRIMARY KEY (id);",
                    "CREATE TABLE IF NOT EXISTS kd_d (q_id int);",
                    "ALTER TABLE kd_d DROP CONSTRAINT IF EXISTS kd_d_fk;",
                    "ALTER TABLE kd_d ADD CONSTRAINT kd_d_fk FOREIGN KEY (q_id) REFERENCES kd_q;",
                ],
            },
            // Passes: the foreign key is gone before the drop.
            Case {
                name: "the foreign key dropped before the key",
                statements: &[P, C, DROP_FK, DROP_U1, ADD_U1, ADD_FK],
            },
            // Passes: the foreign key uses the table's first key on `code` (`kd_r_code_key`,
            // the lower OID), which the drop leaves.
            Case {
                name: "another key on the same columns made first",
                statements: &[
                    "CREATE TABLE IF NOT EXISTS kd_r (id int PRIMARY KEY, code text UNIQUE);",
                    "ALTER TABLE kd_r DROP CONSTRAINT IF EXISTS kd_r_u1;",
                    "ALTER TABLE kd_r ADD CONSTRAINT kd_r_u1 UNIQUE (code);",
                    "CREATE TABLE IF NOT EXISTS kd_e (code text);",
                    "ALTER TABLE kd_e DROP CONSTRAINT IF EXISTS kd_e_fk;",
                    "ALTER TABLE kd_e ADD CONSTRAINT kd_e_fk FOREIGN KEY (code) REFERENCES kd_r (code);",
                ],
            },
            // Passes: the foreign key references the primary key, not the dropped key.
            Case {
                name: "a foreign key to other columns",
                statements: &[
                    P,
                    DROP_U1,
                    ADD_U1,
                    C,
                    DROP_FK,
                    "ALTER TABLE kd_c ADD CONSTRAINT kd_fk FOREIGN KEY (id) REFERENCES kd_p (id);",
                ],
            },
            // Under a per-file transaction the file leaves no foreign key: only a crash point
            // after the foreign key and before its drop fails.
            Case {
                name: "the file drops the foreign key at its end",
                statements: &[
                    P,
                    C,
                    DROP_U1,
                    ADD_U1,
                    DROP_FK,
                    ADD_FK,
                    "ALTER TABLE kd_c DROP CONSTRAINT kd_fk;",
                ],
            },
        ],
    );
}

/// PF116 on a foreign key whose key a later statement drops with CASCADE: a retry from a crash
/// point after the drop adds the foreign key again, which fails while the key is gone. Not when
/// a top-level statement before the foreign key adds the key again on every run (`ADD CONSTRAINT
/// p_u1 UNIQUE (code)`, `ADD PRIMARY KEY (id)`): the retry finds it there. Lint reported it.
#[test]
fn a_key_added_again_before_the_foreign_key_survives_its_cascaded_drop_on_postgres() {
    assert_crash_points_agree(
        "",
        &[
            Case {
                name: "a unique key added again before the foreign key",
                statements: &[
                    P,
                    C,
                    DROP_FK,
                    DROP_U1,
                    ADD_U1,
                    ADD_FK,
                    "ALTER TABLE kd_p DROP CONSTRAINT kd_u1 CASCADE;",
                ],
            },
            Case {
                name: "the primary key added again before the foreign key",
                statements: &[
                    "CREATE TABLE IF NOT EXISTS kd_q (id int NOT NULL);",
                    "CREATE TABLE IF NOT EXISTS kd_d (q_id int);",
                    "ALTER TABLE kd_d DROP CONSTRAINT IF EXISTS kd_d_fk;",
                    "ALTER TABLE kd_q DROP CONSTRAINT IF EXISTS kd_q_pkey;",
                    "ALTER TABLE kd_q ADD PRIMARY KEY (id);",
                    "ALTER TABLE kd_d ADD CONSTRAINT kd_d_fk FOREIGN KEY (q_id) REFERENCES kd_q;",
                    "ALTER TABLE kd_q DROP CONSTRAINT kd_q_pkey CASCADE;",
                ],
            },
            // Fails: the key comes only from a `CREATE TABLE IF NOT EXISTS`, which a retry
            // skips.
            Case {
                name: "the key made by a guarded CREATE TABLE",
                statements: &[
                    "CREATE TABLE IF NOT EXISTS kd_r (id int PRIMARY KEY, code text, \
                     CONSTRAINT kd_r_u1 UNIQUE (code));",
                    "CREATE TABLE IF NOT EXISTS kd_e (code text);",
                    "ALTER TABLE kd_e DROP CONSTRAINT IF EXISTS kd_e_fk;",
                    "ALTER TABLE kd_e ADD CONSTRAINT kd_e_fk FOREIGN KEY (code) REFERENCES kd_r (code);",
                    "ALTER TABLE kd_r DROP CONSTRAINT IF EXISTS kd_r_u1 CASCADE;",
                ],
            },
        ],
    );
}
