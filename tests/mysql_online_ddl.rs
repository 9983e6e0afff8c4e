//! The MySQL/MariaDB online-DDL rules (PF351–PF353) against what a real MariaDB 10.11 accepts:
//! an action PF351 says blocks writes is one the server refuses with `LOCK=NONE`; an action
//! PF353 says rebuilds the table is one it refuses with `ALGORITHM=NOCOPY` (MariaDB's "in place
//! without a rebuild"); and what neither flags, the server does with `LOCK=NONE` and
//! `NOCOPY`. An action PF351 flags is one the server either refuses with `ALGORITHM=INPLACE`
//! (a copy: the clause silences PF351) or does in place under a shared lock (a FULLTEXT index,
//! `DROP SYSTEM VERSIONING`: PF351 still flags it with the clause). Every case runs on a fresh
//! table.

mod common;

use common::ScratchDb;
use preflight::lint::{lint_source, LintOptions, ServerVersion};
use preflight::source::SourceFile;
use preflight::sql::Dialect;

const TABLE: &str = "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, a INT, b VARCHAR(10), c TEXT, d INT) \
                     ENGINE=InnoDB DEFAULT CHARSET=latin1; INSERT INTO t VALUES (1, 1, 'x', 'y', 1);";
const NO_KEY: &str =
    "CREATE TABLE t (id INT NOT NULL, a INT) ENGINE=InnoDB; INSERT INTO t VALUES (1, 1);";

const KEYED: &str = "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, a INT, b INT, KEY ia (a), \
                     CONSTRAINT ck CHECK (b > 0)) ENGINE=InnoDB; INSERT INTO t VALUES (1, 1, 1);";
const PERIODS: &str =
    "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, s DATE NOT NULL, e DATE NOT NULL) \
                       ENGINE=InnoDB; INSERT INTO t VALUES (1, '2020-01-01', '2021-01-01');";
const WITH_PERIOD: &str = "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, s DATE NOT NULL, e DATE NOT NULL, \
                           PERIOD FOR p (s, e)) ENGINE=InnoDB; INSERT INTO t VALUES (1, '2020-01-01', '2021-01-01');";
const VERSIONED: &str =
    "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, a INT) ENGINE=InnoDB WITH SYSTEM VERSIONING; \
                         INSERT INTO t VALUES (1, 1);";
/// `t.a` can reference `p.id` (`accepts` drops `t` before this drops `p`).
const CHILD: &str = "DROP TABLE IF EXISTS p; CREATE TABLE p (id INT NOT NULL PRIMARY KEY) ENGINE=InnoDB; \
                     INSERT INTO p VALUES (1); CREATE TABLE t (id INT NOT NULL PRIMARY KEY, a INT) ENGINE=InnoDB; \
                     INSERT INTO t VALUES (1, 1);";
const WITH_FOREIGN_KEY: &str = "DROP TABLE IF EXISTS p; CREATE TABLE p (id INT NOT NULL PRIMARY KEY) ENGINE=InnoDB; \
                                INSERT INTO p VALUES (1); CREATE TABLE t (id INT NOT NULL PRIMARY KEY, a INT, \
                                CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (id)) ENGINE=InnoDB; INSERT INTO t VALUES (1, 1);";

/// VIRTUAL columns `v` and `w`, `w` indexed.
const WITH_VIRTUAL: &str = "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, a INT, d INT, \
                            v INT AS (a + 1) VIRTUAL, w INT AS (a + 2) VIRTUAL, KEY iw (w)) \
                            ENGINE=InnoDB; INSERT INTO t (id, a, d) VALUES (1, 1, 1);";

/// `TABLE` and a sequence `sq`.
const WITH_SEQUENCE: &str = "DROP SEQUENCE IF EXISTS sq; CREATE SEQUENCE sq; \
                             CREATE TABLE t (id INT NOT NULL PRIMARY KEY, a INT) ENGINE=InnoDB; \
                             INSERT INTO t VALUES (1, 1);";

/// (table, statement without clauses)
const CASES: &[(&str, &str)] = &[
    (TABLE, "ALTER TABLE t MODIFY a BIGINT"),
    (TABLE, "ALTER TABLE t CHANGE a a2 VARCHAR(20)"),
    (TABLE, "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4"),
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN s INT AUTO_INCREMENT UNIQUE",
    ),
    (TABLE, "ALTER TABLE t ADD COLUMN g INT AS (id + 1) STORED"),
    (TABLE, "ALTER TABLE t ADD FULLTEXT INDEX ft (c)"),
    (TABLE, "ALTER TABLE t DROP PRIMARY KEY"),
    (TABLE, "ALTER TABLE t ADD COLUMN e INT"),
    (TABLE, "ALTER TABLE t ADD COLUMN e INT AFTER id"),
    (TABLE, "ALTER TABLE t ADD COLUMN e INT FIRST"),
    (TABLE, "ALTER TABLE t DROP COLUMN d"),
    (TABLE, "ALTER TABLE t ADD INDEX ia (a)"),
    (TABLE, "ALTER TABLE t ADD COLUMN v INT AS (id + 1) VIRTUAL"),
    (TABLE, "ALTER TABLE t ENGINE=InnoDB"),
    (TABLE, "ALTER TABLE t FORCE"),
    (NO_KEY, "ALTER TABLE t ADD PRIMARY KEY (id)"),
    // MariaDB's periods and system versioning.
    (PERIODS, "ALTER TABLE t ADD PERIOD FOR p (s, e)"),
    (PERIODS, "ALTER TABLE t ADD PERIOD IF NOT EXISTS FOR p (s, e)"),
    (WITH_PERIOD, "ALTER TABLE t DROP PERIOD FOR p"),
    (WITH_PERIOD, "ALTER TABLE t DROP PERIOD IF EXISTS FOR p"),
    (TABLE, "ALTER TABLE t ADD SYSTEM VERSIONING"),
    (VERSIONED, "ALTER TABLE t DROP SYSTEM VERSIONING"),
    // Constraints: a CHECK is checked by copying the rows; a foreign key too unless the
    // session has foreign_key_checks off.
    (TABLE, "ALTER TABLE t ADD CONSTRAINT ck CHECK (a > 0)"),
    (TABLE, "ALTER TABLE t ADD CHECK (a > 0)"),
    (KEYED, "ALTER TABLE t DROP CONSTRAINT ck"),
    (CHILD, "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (id)"),
    (CHILD, "ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES p (id)"),
    (
        CHILD,
        "SET foreign_key_checks = 0; ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (id)",
    ),
    // With foreign_key_checks off an inline REFERENCES is added in place, but its index
    // makes the new column a rebuild (below).
    (
        CHILD,
        "SET foreign_key_checks = 0; ALTER TABLE t ADD COLUMN e INT REFERENCES p (id)",
    ),
    (
        CHILD,
        "SET foreign_key_checks = 0; SET foreign_key_checks = 1; ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES p (id)",
    ),
    (WITH_FOREIGN_KEY, "ALTER TABLE t DROP FOREIGN KEY fk"),
    // An inline REFERENCES adds a foreign key too (MariaDB 10.5 and later).
    (CHILD, "ALTER TABLE t ADD COLUMN e INT REFERENCES p (id)"),
    (CHILD, "ALTER TABLE t ADD e INT NULL REFERENCES p (id) ON DELETE CASCADE"),
    // A new column's DEFAULT that differs from row to row: the rows are copied.
    (TABLE, "ALTER TABLE t ADD COLUMN e CHAR(36) DEFAULT UUID()"),
    (TABLE, "ALTER TABLE t ADD COLUMN e BIGINT DEFAULT (UUID_SHORT() + 1)"),
    (TABLE, "ALTER TABLE t ADD COLUMN e CHAR(36) DEFAULT (SYS_GUID())"),
    (TABLE, "ALTER TABLE t ADD COLUMN e DATETIME DEFAULT SYSDATE()"),
    (TABLE, "ALTER TABLE t ADD COLUMN e DATETIME DEFAULT UTC_TIMESTAMP"),
    (TABLE, "ALTER TABLE t ADD COLUMN e VARBINARY(16) DEFAULT (RANDOM_BYTES(4))"),
    (TABLE, "ALTER TABLE t ADD COLUMN e INT DEFAULT (a)"),
    (TABLE, "ALTER TABLE t ADD COLUMN e INT NOT NULL DEFAULT (a + 1)"),
    (TABLE, "ALTER TABLE t ADD COLUMN e INT DEFAULT (`a` IS NULL)"),
    (TABLE, "ALTER TABLE t ADD COLUMN e INT DEFAULT (t.a * 2)"),
    (TABLE, "ALTER TABLE t ADD COLUMN e VARCHAR(20) DEFAULT (CAST(a AS CHAR))"),
    (TABLE, "ALTER TABLE t ADD COLUMN e INT DEFAULT (@x)"),
    (WITH_SEQUENCE, "ALTER TABLE t ADD COLUMN e INT DEFAULT (NEXT VALUE FOR sq)"),
    (WITH_SEQUENCE, "ALTER TABLE t ADD COLUMN e INT DEFAULT NEXTVAL(sq)"),
    (WITH_SEQUENCE, "ALTER TABLE t ADD COLUMN e INT DEFAULT (PREVIOUS VALUE FOR sq)"),
    // … and ones the same for every row of the statement (constants, time and session
    // functions): instant.
    (TABLE, "ALTER TABLE t ADD COLUMN e CHAR(36) DEFAULT USER()"),
    (TABLE, "ALTER TABLE t ADD COLUMN e VARCHAR(80) DEFAULT CURRENT_USER"),
    (TABLE, "ALTER TABLE t ADD COLUMN e BIGINT DEFAULT CONNECTION_ID()"),
    (TABLE, "ALTER TABLE t ADD COLUMN e DOUBLE DEFAULT RAND()"),
    (TABLE, "ALTER TABLE t ADD COLUMN e VARCHAR(64) DEFAULT (md5(rand()))"),
    (TABLE, "ALTER TABLE t ADD COLUMN e DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6)"),
    (TABLE, "ALTER TABLE t ADD COLUMN e DATETIME DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP"),
    (TABLE, "ALTER TABLE t ADD COLUMN e DATETIME DEFAULT (NOW() + INTERVAL 1 DAY)"),
    (TABLE, "ALTER TABLE t ADD COLUMN e DATETIME DEFAULT (NOW() + INTERVAL '1 2' DAY_HOUR)"),
    (TABLE, "ALTER TABLE t ADD COLUMN e DATE DEFAULT UTC_DATE"),
    (TABLE, "ALTER TABLE t ADD COLUMN e INT DEFAULT (EXTRACT(YEAR FROM NOW()))"),
    (TABLE, "ALTER TABLE t ADD COLUMN e INT DEFAULT (1 + 1)"),
    (TABLE, "ALTER TABLE t ADD COLUMN e VARCHAR(10) DEFAULT concat('a', 'b')"),
    (TABLE, "ALTER TABLE t ADD COLUMN e VARCHAR(10) DEFAULT (CASE WHEN 1 THEN 'a' ELSE 'b' END)"),
    (TABLE, "ALTER TABLE t ADD COLUMN e VARCHAR(10) DEFAULT (TRIM(BOTH 'x' FROM 'xax'))"),
    (TABLE, "ALTER TABLE t ADD COLUMN e VARCHAR(10) DEFAULT (CONVERT('x' USING utf8mb4))"),
    (TABLE, "ALTER TABLE t ADD COLUMN e VARCHAR(10) DEFAULT (CAST(1 AS CHAR CHARACTER SET utf8mb4))"),
    (TABLE, "ALTER TABLE t ADD COLUMN e VARCHAR(10) DEFAULT (_latin1'x')"),
    (TABLE, "ALTER TABLE t ADD COLUMN e VARCHAR(80) DEFAULT (@@version)"),
    (TABLE, "ALTER TABLE t ADD COLUMN e VARCHAR(10) DEFAULT _latin1'x'"),
    (TABLE, "ALTER TABLE t ADD COLUMN e BIT(1) DEFAULT b'1'"),
    (TABLE, "ALTER TABLE t ADD COLUMN e VARBINARY(4) DEFAULT x'41'"),
    (TABLE, "ALTER TABLE t ADD COLUMN e INT DEFAULT -1 AFTER a"),
    // A column that alone is instant, added in the same statement as an index: a rebuild.
    (TABLE, "ALTER TABLE t ADD COLUMN e INT, ADD KEY (e)"),
    (TABLE, "ALTER TABLE t ADD COLUMN e INT, ADD INDEX ib (b)"),
    (TABLE, "ALTER TABLE t ADD COLUMN e INT UNIQUE"),
    (TABLE, "ALTER TABLE t ADD UNIQUE (a), ADD COLUMN e INT"),
    (TABLE, "ALTER TABLE t ADD COLUMN e INT, ADD CONSTRAINT ue UNIQUE (e)"),
    (KEYED, "ALTER TABLE t ADD COLUMN e INT, DROP INDEX ia"),
    // A VIRTUAL column: instant alone, and beside more VIRTUAL columns, DROP COLUMN and plain
    // index builds and drops; anything else copies the table; an index on the new column
    // is built in place under a shared lock. An index on a VIRTUAL column that exists, or
    // dropping one, is online.
    (TABLE, "ALTER TABLE t ADD COLUMN v INT GENERATED ALWAYS AS (a + 1) VIRTUAL"),
    (TABLE, "ALTER TABLE t ADD COLUMN v INT AS (a + 1)"),
    (TABLE, "ALTER TABLE t ADD COLUMN v INT AS (a + 1) VIRTUAL AFTER a"),
    (TABLE, "ALTER TABLE t ADD COLUMN v INT AS (a + 1) VIRTUAL, ADD KEY (v)"),
    (TABLE, "ALTER TABLE t ADD COLUMN v INT GENERATED ALWAYS AS (a + 1) VIRTUAL, ADD INDEX iv (v)"),
    (TABLE, "ALTER TABLE t ADD v INT AS (a + 1), ADD INDEX (v)"),
    (TABLE, "ALTER TABLE t ADD COLUMN v INT AS (a + 1) VIRTUAL, ADD KEY (a, `V`)"),
    (TABLE, "ALTER TABLE t ADD COLUMN v VARCHAR(20) AS (concat(b, 'x')) VIRTUAL, ADD KEY (v(5))"),
    (KEYED, "ALTER TABLE t ADD COLUMN v INT AS (a + 1) VIRTUAL, DROP INDEX ia, ADD KEY (v)"),
    (TABLE, "ALTER TABLE t ADD COLUMN v INT AS (a + 1) VIRTUAL, ADD INDEX ib (b)"),
    (KEYED, "ALTER TABLE t ADD COLUMN v INT AS (a + 1) VIRTUAL, DROP INDEX ia"),
    (TABLE, "ALTER TABLE t ADD COLUMN v INT AS (a + 1) VIRTUAL, DROP COLUMN d"),
    (TABLE, "ALTER TABLE t ADD COLUMN v INT AS (a + 1) VIRTUAL, ADD COLUMN w INT AS (a + 2) VIRTUAL"),
    (TABLE, "ALTER TABLE t ADD COLUMN v INT AS (a + 1) VIRTUAL, ADD COLUMN e INT"),
    (TABLE, "ALTER TABLE t ADD COLUMN v INT AS (a + 1) VIRTUAL, ADD COLUMN e INT, ADD KEY (e)"),
    (TABLE, "ALTER TABLE t ADD COLUMN v INT AS (a + 1) VIRTUAL UNIQUE"),
    (TABLE, "ALTER TABLE t ADD COLUMN v INT AS (a + 1) VIRTUAL, ADD UNIQUE (v)"),
    (TABLE, "ALTER TABLE t ADD COLUMN v INT AS (a + 1) VIRTUAL, ADD CONSTRAINT uv UNIQUE (v)"),
    (TABLE, "ALTER TABLE t ADD COLUMN v INT AS (a + 1) VIRTUAL, ADD UNIQUE (a)"),
    (TABLE, "ALTER TABLE t ADD COLUMN v INT AS (a + 1) VIRTUAL, ADD FULLTEXT INDEX ft (c)"),
    (TABLE, "ALTER TABLE t ADD COLUMN v INT AS (a + 1) VIRTUAL, RENAME COLUMN b TO b2"),
    (TABLE, "ALTER TABLE t ADD COLUMN v INT AS (a + 1) VIRTUAL, ALTER COLUMN d SET DEFAULT 3"),
    (TABLE, "ALTER TABLE t ADD COLUMN v INT AS (a + 1) VIRTUAL, COMMENT = 'x'"),
    (TABLE, "ALTER TABLE t ADD COLUMN v INT AS (a + 1) VIRTUAL, FORCE"),
    (KEYED, "ALTER TABLE t ADD COLUMN v INT AS (a + 1) VIRTUAL, RENAME INDEX ia TO ib"),
    (KEYED, "ALTER TABLE t ADD COLUMN v INT AS (a + 1) VIRTUAL, DROP CONSTRAINT ck"),
    (TABLE, "ALTER TABLE t ADD COLUMN v INT AS (a + 1) STORED, ADD KEY (v)"),
    (TABLE, "ALTER TABLE t ADD COLUMN v INT AS (a + 1) VIRTUAL, ADD COLUMN w INT AS (a + 2) PERSISTENT"),
    (TABLE, "ALTER TABLE t ADD COLUMN v INT AS (a + 1) VIRTUAL, MODIFY d BIGINT"),
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN v INT AS (a + 1) VIRTUAL; ALTER TABLE t ADD KEY (v)",
    ),
    (WITH_VIRTUAL, "ALTER TABLE t ADD KEY (v)"),
    (WITH_VIRTUAL, "ALTER TABLE t ADD UNIQUE (v)"),
    (WITH_VIRTUAL, "ALTER TABLE t DROP COLUMN w"),
    (WITH_VIRTUAL, "ALTER TABLE t DROP COLUMN v"),
    // A new expression for an indexed VIRTUAL column copies (for one without an index it is
    // instant, which the statement alone does not tell).
    (WITH_VIRTUAL, "ALTER TABLE t MODIFY w INT AS (a + 5) VIRTUAL"),
    // MODIFY/CHANGE of a column an earlier ADD COLUMN of the file defined: keeping the type,
    // a new default, comment, name or position is instant, and NULL <-> NOT NULL a rebuild.
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e INT DEFAULT 0; ALTER TABLE t MODIFY e INT DEFAULT 5 COMMENT 'x'",
    ),
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e VARCHAR(10) DEFAULT 'a'; ALTER TABLE t CHANGE e e2 VARCHAR(10) AFTER id",
    ),
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e INT DEFAULT 0; ALTER TABLE t RENAME COLUMN e TO f; ALTER TABLE t MODIFY f INT FIRST",
    ),
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e INT DEFAULT 0; UPDATE t SET e = 1; ALTER TABLE t MODIFY e INT NOT NULL",
    ),
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e INT UNSIGNED NOT NULL DEFAULT 0; ALTER TABLE t MODIFY e INT UNSIGNED NULL",
    ),
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e INT DEFAULT 0; ALTER TABLE t MODIFY e BIGINT",
    ),
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e INT DEFAULT 0; ALTER TABLE t MODIFY e INT UNSIGNED",
    ),
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e VARCHAR(10) DEFAULT 'a'; ALTER TABLE t MODIFY e VARCHAR(5)",
    ),
    // The same type in other words, a wider VARCHAR that keeps its length bytes (up to 127
    // bytes, or up to 255 bytes, to anything; 128-255 bytes to more than 255 copies), values
    // appended to an ENUM/SET of the same size, another collation of a named character set:
    // no row changes.
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e INT DEFAULT 0; ALTER TABLE t MODIFY e INTEGER(11) DEFAULT 5",
    ),
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e TINYINT(1); ALTER TABLE t CHANGE e e BOOLEAN",
    ),
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e VARCHAR(10); ALTER TABLE t MODIFY e VARCHAR(30)",
    ),
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e VARCHAR(127) CHARACTER SET latin1; ALTER TABLE t MODIFY e VARCHAR(300) CHARACTER SET latin1",
    ),
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e VARCHAR(128) CHARACTER SET latin1; ALTER TABLE t MODIFY e VARCHAR(300) CHARACTER SET latin1",
    ),
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e VARCHAR(200) CHARSET latin1; ALTER TABLE t ADD KEY (e); ALTER TABLE t MODIFY e VARCHAR(255) CHARACTER SET latin1 DEFAULT ''",
    ),
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e VARCHAR(63) CHARACTER SET utf8mb4; ALTER TABLE t MODIFY e VARCHAR(64) CHARACTER SET utf8mb4",
    ),
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e VARCHAR(64) CHARACTER SET utf8mb4; ALTER TABLE t MODIFY e VARCHAR(100) CHARACTER SET utf8mb4",
    ),
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e VARBINARY(100); ALTER TABLE t MODIFY e VARBINARY(255)",
    ),
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e VARCHAR(200) CHARACTER SET latin1; ALTER TABLE t MODIFY e VARCHAR(100) CHARACTER SET latin1",
    ),
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e ENUM('a', 'b'); ALTER TABLE t MODIFY e ENUM('a', 'b', 'c') COMMENT 'x'",
    ),
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e ENUM('a', 'b'); ALTER TABLE t MODIFY e ENUM('a', 'c', 'b')",
    ),
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e SET('a', 'b'); ALTER TABLE t MODIFY e SET('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h')",
    ),
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e SET('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'); ALTER TABLE t MODIFY e SET('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i')",
    ),
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e VARCHAR(10) CHARACTER SET latin1; ALTER TABLE t MODIFY e VARCHAR(10) COLLATE latin1_bin",
    ),
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e VARCHAR(10) CHARACTER SET utf8mb4; ALTER TABLE t ADD KEY (e); ALTER TABLE t MODIFY e VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
    ),
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e VARCHAR(10) CHARACTER SET latin1; ALTER TABLE t MODIFY e VARCHAR(10) CHARACTER SET utf8mb4",
    ),
    // A new collation of a column of the primary key copies the table.
    (
        NO_KEY,
        "ALTER TABLE t ADD COLUMN e VARCHAR(10) CHARACTER SET latin1 NOT NULL DEFAULT ''; ALTER TABLE t ADD PRIMARY KEY (e), ALGORITHM=INPLACE; ALTER TABLE t MODIFY e VARCHAR(10) COLLATE latin1_bin NOT NULL",
    ),
    // With NULL -> NOT NULL beside such a change: an in-place rebuild.
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e VARCHAR(10) DEFAULT 'a'; ALTER TABLE t MODIFY e VARCHAR(20) NOT NULL",
    ),
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e ENUM('a', 'b') DEFAULT 'a'; ALTER TABLE t MODIFY e ENUM('a', 'b', 'c') NOT NULL",
    ),
    // IF NOT EXISTS leaves the column `b` (VARCHAR(10)) as it was: MODIFY changes its type.
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN IF NOT EXISTS b INT; ALTER TABLE t MODIFY b INT DEFAULT 1",
    ),
    // Without CHARACTER SET the column takes the table's (latin1): a change of type.
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e VARCHAR(10) CHARACTER SET utf8mb4; ALTER TABLE t MODIFY e VARCHAR(10)",
    ),
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e VARCHAR(10); ALTER TABLE t DEFAULT CHARSET = utf8mb4; ALTER TABLE t MODIFY e VARCHAR(10)",
    ),
    (
        TABLE,
        "ALTER TABLE t ADD COLUMN e INT DEFAULT 0; ALTER TABLE t DROP COLUMN e; ALTER TABLE t ADD COLUMN e BIGINT; ALTER TABLE t MODIFY e INT",
    ),
    // Metadata only.
    (TABLE, "ALTER TABLE t RENAME COLUMN a TO a2"),
    (TABLE, "ALTER TABLE t ALTER COLUMN a SET DEFAULT 5"),
    (TABLE, "ALTER TABLE t ALTER COLUMN a DROP DEFAULT"),
    (TABLE, "ALTER TABLE t ADD COLUMN e INT NOT NULL DEFAULT 0"),
    (TABLE, "ALTER TABLE t ADD UNIQUE (a)"),
    (TABLE, "ALTER TABLE t ADD CONSTRAINT ua UNIQUE (a)"),
    (KEYED, "ALTER TABLE t DROP INDEX ia"),
    (KEYED, "ALTER TABLE t RENAME INDEX ia TO ib"),
    (TABLE, "ALTER TABLE t AUTO_INCREMENT = 100"),
    (TABLE, "ALTER TABLE t COMMENT = 'orders'"),
];

/// MariaDB 10.11, the server the verdicts are checked on.
fn mariadb_10_11() -> LintOptions {
    LintOptions {
        dialect: Dialect::Mariadb,
        mysql_version: Some(ServerVersion(10, 11, 0)),
        ..LintOptions::default()
    }
}

fn flagged(sql: &str, code: &str) -> bool {
    lint_source(
        &SourceFile::new("m.sql", format!("{sql};\n")),
        &mariadb_10_11(),
    )
    .iter()
    .any(|f| f.rule == code)
}

/// Does the server accept `statement, clause` on a fresh table?
fn accepts(db: &ScratchDb, table: &str, statement: &str, clause: &str) -> bool {
    db.exec(&format!("DROP TABLE IF EXISTS t; {table}"));
    db.try_exec(&format!("{statement}, {clause};")).is_ok()
}

#[test]
fn verdicts_match_what_mariadb_accepts_online() {
    let db = ScratchDb::mariadb();
    let version = db.query("SELECT VERSION()");
    assert!(
        version[0].starts_with("10.11"),
        "expected MariaDB 10.11, got {version:?}"
    );
    let mut wrong = Vec::new();
    for (table, statement) in CASES {
        let blocks = flagged(statement, "PF351");
        let rebuilds = flagged(statement, "PF353");
        let online = accepts(&db, table, statement, "LOCK=NONE");
        if blocks == online {
            wrong.push(format!(
                "{statement}: PF351 {blocks}, server accepts LOCK=NONE {online}"
            ));
        }
        if blocks {
            // A copy is refused with ALGORITHM=INPLACE; a shared lock is not.
            let in_place = accepts(&db, table, statement, "ALGORITHM=INPLACE");
            let inplace = format!("{statement}, ALGORITHM=INPLACE");
            if flagged(&inplace, "PF351") != in_place {
                wrong.push(format!(
                    "{inplace}: PF351 {}, server accepts it {in_place}",
                    !in_place
                ));
            }
        } else {
            let no_rebuild = accepts(&db, table, statement, "ALGORITHM=NOCOPY");
            if rebuilds == no_rebuild {
                wrong.push(format!(
                    "{statement}: PF353 {rebuilds}, server accepts ALGORITHM=NOCOPY {no_rebuild}"
                ));
            }
        }
        // With the clause the server refuses rather than blocks: nothing left to flag.
        let guarded = format!("{statement}, LOCK=NONE");
        if flagged(&guarded, "PF351") {
            wrong.push(format!("{guarded}: still flagged"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn older_servers_rebuild_what_newer_ones_do_instantly() {
    let flags = |code: &str, version: ServerVersion, dialect: Dialect, sql: &str| {
        let options = LintOptions {
            dialect,
            mysql_version: Some(version),
            ..LintOptions::default()
        };
        lint_source(&SourceFile::new("m.sql", sql), &options)
            .iter()
            .any(|f| f.rule == code)
    };
    let on =
        |version: ServerVersion, dialect: Dialect, sql: &str| flags("PF353", version, dialect, sql);
    let after = "ALTER TABLE t ADD COLUMN e INT AFTER id;";
    assert!(on(ServerVersion(10, 3, 7), Dialect::Mariadb, after));
    assert!(!on(ServerVersion(10, 4, 0), Dialect::Mariadb, after));
    assert!(on(ServerVersion(8, 0, 28), Dialect::Mysql, after));
    assert!(!on(ServerVersion(8, 0, 29), Dialect::Mysql, after));
    let last = "ALTER TABLE t ADD COLUMN e INT;";
    assert!(on(ServerVersion(8, 0, 11), Dialect::Mysql, last));
    assert!(!on(ServerVersion(8, 0, 12), Dialect::Mysql, last));
    let instant = "ALTER TABLE t ADD COLUMN e INT, ALGORITHM=INSTANT;";
    assert!(on(ServerVersion(5, 7, 44), Dialect::Mysql, instant));
    // Not checked before MariaDB 10.2.1, so nothing to copy for.
    let check = "ALTER TABLE t ADD CHECK (a > 0);";
    let blocks = |version: ServerVersion| flags("PF351", version, Dialect::Mariadb, check);
    assert!(!blocks(ServerVersion(10, 1, 48)));
    assert!(blocks(ServerVersion(10, 2, 1)));
    // MariaDB parsed and ignored an inline REFERENCES before 10.5.0 (MDEV-20729).
    let inline = "ALTER TABLE t ADD COLUMN e INT REFERENCES p (id);";
    let blocks = |version: ServerVersion| flags("PF351", version, Dialect::Mariadb, inline);
    assert!(!blocks(ServerVersion(10, 4, 34)));
    assert!(blocks(ServerVersion(10, 5, 0)));
    let unchecked = format!("SET foreign_key_checks = 0;\n{inline}");
    assert!(!flags(
        "PF351",
        ServerVersion(10, 11, 0),
        Dialect::Mariadb,
        &unchecked
    ));
    // Before instant ADD COLUMN (MariaDB 10.3.2) the column is added by a rebuild whatever
    // its DEFAULT; MySQL is not judged by MariaDB's rule.
    let per_row = "ALTER TABLE t ADD COLUMN e INT DEFAULT (a + 1);";
    assert!(on(ServerVersion(10, 3, 1), Dialect::Mariadb, per_row));
    assert!(!flags(
        "PF351",
        ServerVersion(10, 3, 1),
        Dialect::Mariadb,
        per_row
    ));
    assert!(flags(
        "PF351",
        ServerVersion(10, 3, 2),
        Dialect::Mariadb,
        per_row
    ));
    assert!(!flags(
        "PF351",
        ServerVersion(8, 4, 0),
        Dialect::Mysql,
        per_row
    ));
    // MariaDB before 10.3.2 rebuilds for the column alone; 10.3.2 and later for the pair.
    let pair = "ALTER TABLE t ADD COLUMN e INT, ADD KEY (e);";
    assert!(on(ServerVersion(10, 3, 1), Dialect::Mariadb, pair));
    assert!(on(ServerVersion(10, 3, 2), Dialect::Mariadb, pair));
    // A MODIFY that keeps the type of a column the file added: judged for MariaDB 10.4 and
    // later only; before, and on MySQL, still taken for a copy.
    let kept = "ALTER TABLE t ADD COLUMN e INT;\nALTER TABLE t MODIFY e INT DEFAULT 1;";
    let blocks = |version: ServerVersion, dialect: Dialect| flags("PF351", version, dialect, kept);
    assert!(blocks(ServerVersion(10, 3, 39), Dialect::Mariadb));
    assert!(!blocks(ServerVersion(10, 4, 0), Dialect::Mariadb));
    assert!(blocks(ServerVersion(8, 4, 0), Dialect::Mysql));
    let drop = "ALTER TABLE t DROP COLUMN d;";
    assert!(on(ServerVersion(10, 3, 0), Dialect::Mariadb, drop));
    assert!(!on(ServerVersion(10, 6, 0), Dialect::Mariadb, drop));
}

#[test]
fn create_fulltext_index_in_place_still_blocks_writes() {
    // MariaDB builds it in place but under LOCK=SHARED: `ERROR 1846 … LOCK=NONE is not
    // supported. Reason: Fulltext index creation requires a lock. Try LOCK=SHARED`.
    let db = ScratchDb::mariadb();
    let create = "CREATE FULLTEXT INDEX ft ON t (c)";
    let fresh = || db.exec(&format!("DROP TABLE IF EXISTS t; {TABLE}"));
    fresh();
    assert!(db.try_exec(&format!("{create} LOCK=NONE;")).is_err());
    assert!(!flagged(&format!("{create} LOCK=NONE"), "PF351"));
    fresh();
    db.exec(&format!("{create} ALGORITHM=INPLACE;"));
    assert!(flagged(&format!("{create} ALGORITHM=INPLACE"), "PF351"));
}

#[test]
fn a_new_collation_of_a_column_a_fulltext_index_covers_blocks_writes() {
    // `ERROR 1846 … LOCK=NONE is not supported` (ALGORITHM=NOCOPY is accepted: in place,
    // under a shared lock); without the index the same MODIFY is instant.
    let db = ScratchDb::mariadb();
    let add = "ALTER TABLE t ADD COLUMN e VARCHAR(10) CHARACTER SET latin1";
    let modify = "ALTER TABLE t MODIFY e VARCHAR(10) COLLATE latin1_bin";
    let options = mariadb_10_11();
    let pf351_lines = |sql: &str| -> Vec<usize> {
        lint_source(&SourceFile::new("m.sql", sql), &options)
            .iter()
            .filter(|f| f.rule == "PF351")
            .filter_map(|f| f.location.start.map(|p| p.line))
            .collect()
    };
    for index in [
        "CREATE FULLTEXT INDEX fe ON t (e)",
        "ALTER TABLE t ADD FULLTEXT INDEX fe (e)",
    ] {
        db.exec(&format!("DROP TABLE IF EXISTS t; {TABLE} {add}; {index};"));
        assert!(db.try_exec(&format!("{modify}, LOCK=NONE;")).is_err());
        db.exec(&format!("{modify}, ALGORITHM=NOCOPY;"));
        let sql = format!("{add};\n{index};\n{modify};\n");
        assert!(pf351_lines(&sql).contains(&3), "{sql}");
    }
    db.exec(&format!("DROP TABLE IF EXISTS t; {TABLE} {add};"));
    db.exec(&format!("{modify}, ALGORITHM=INSTANT;"));
    assert_eq!(
        pf351_lines(&format!("{add};\n{modify};\n")),
        Vec::<usize>::new()
    );
}

/// The notes of the PF351 findings of `sql` on MariaDB 10.11.
fn notes(sql: &str) -> Vec<String> {
    let options = mariadb_10_11();
    lint_source(&SourceFile::new("m.sql", sql.to_string()), &options)
        .into_iter()
        .filter(|f| f.rule.code == "PF351")
        .flat_map(|f| f.notes)
        .collect()
}

#[test]
fn a_foreign_key_finding_advises_turning_checks_off_and_that_advice_runs_online() {
    // gh-ost refuses tables with foreign keys, so "use an online schema-change tool" is no
    // advice for one; with foreign_key_checks off MariaDB adds it under LOCK=NONE.
    for add in [
        "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (id)",
        "ALTER TABLE t ADD COLUMN e INT REFERENCES p (id)",
    ] {
        let advice = notes(&format!("{add};\n"));
        assert_eq!(advice.len(), 1, "{add}: {advice:?}");
        assert!(
            advice[0].contains("SET foreign_key_checks = 0"),
            "{add}: {advice:?}"
        );
        assert!(!advice[0].contains("gh-ost"), "{add}: {advice:?}");

        let advised = format!(
            "SET foreign_key_checks = 0;\n{add}, LOCK=NONE;\nSET foreign_key_checks = 1;\n"
        );
        assert!(notes(&advised).is_empty(), "{advised}");
        let db = ScratchDb::mariadb();
        db.exec(CHILD);
        db.exec("INSERT INTO t VALUES (7, 99);");
        db.exec(&advised);
        assert_eq!(db.query("SELECT COUNT(*) FROM t WHERE a = 99"), ["1"]);
    }
    // Other copies keep the online schema-change advice.
    let check = notes("ALTER TABLE t ADD CONSTRAINT ck CHECK (a > 0);\n");
    assert!(check.len() == 1 && check[0].contains("gh-ost"), "{check:?}");
}

#[test]
fn a_virtual_column_finding_advises_splitting_and_that_advice_runs_online() {
    // The column and an index on it, or another change, in one statement: MariaDB refuses
    // LOCK=NONE. Split as advised, each statement runs with LOCK=NONE.
    let cases = [
        (
            "ALTER TABLE t ADD COLUMN v INT AS (a + 1) VIRTUAL, ADD KEY (v)",
            "second ALTER TABLE",
            "ALTER TABLE t ADD COLUMN v INT AS (a + 1) VIRTUAL, LOCK=NONE;\nALTER TABLE t ADD KEY (v), LOCK=NONE;\n",
        ),
        (
            "ALTER TABLE t ADD COLUMN v INT AS (a + 1) VIRTUAL, ADD COLUMN e INT",
            "of its own",
            "ALTER TABLE t ADD COLUMN v INT AS (a + 1) VIRTUAL, LOCK=NONE;\nALTER TABLE t ADD COLUMN e INT, LOCK=NONE;\n",
        ),
    ];
    let db = ScratchDb::mariadb();
    for (combined, advice, split) in cases {
        let found = notes(&format!("{combined};\n"));
        assert!(
            found.len() == 1 && found[0].contains(advice),
            "{combined}: {found:?}"
        );
        db.exec(&format!("DROP TABLE IF EXISTS t; {TABLE}"));
        assert!(db.try_exec(&format!("{combined}, LOCK=NONE;")).is_err());
        assert!(notes(split).is_empty(), "{split}");
        db.exec(split);
        assert_eq!(db.query("SELECT v FROM t WHERE id = 1"), ["2"]);
    }
}

/// The rules the second of two migrations of a directory, `earlier` then `later`, breaks.
fn codes_after(earlier: &str, later: &str) -> Vec<String> {
    codes_of(&[earlier, later], 1)
}

/// The rules migration `at` of a directory of `migrations` (in this order) breaks.
fn codes_of(migrations: &[&str], at: usize) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<_> = migrations
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let file = dir.path().join(format!("{:03}_step.sql", i + 1));
            std::fs::write(&file, text).unwrap();
            file
        })
        .collect();
    let report = preflight::lint::lint_paths(&[paths[at].clone()], &mariadb_10_11()).unwrap();
    report
        .findings
        .iter()
        .map(|f| f.rule.code.to_string())
        .collect()
}

/// A `MODIFY` of a column an earlier migration of the directory defined: (earlier migration,
/// the `ALTER TABLE`). Each verdict is the server's, after the earlier migration ran.
const EARLIER_CASES: &[(&str, &str)] = &[
    // Only NOT NULL: rebuilt in place (PF353), no copy.
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a TEXT)",
        "ALTER TABLE t MODIFY a TEXT NOT NULL",
    ),
    // The table's character set: latin1 `VARCHAR(100)` → `VARCHAR(255)` keeps one length byte.
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(100)) DEFAULT CHARSET=latin1",
        "ALTER TABLE t MODIFY a VARCHAR(255) COMMENT 'note'",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(128)) CHARSET latin1",
        "ALTER TABLE t MODIFY a VARCHAR(300)",
    ),
    // REDUNDANT rows extend any VARCHAR.
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(128)) CHARSET latin1 ROW_FORMAT=REDUNDANT",
        "ALTER TABLE t MODIFY a VARCHAR(300)",
    ),
    // `utf8` is `utf8mb3`; to `utf8mb4` within the length bytes.
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(50) CHARACTER SET utf8)",
        "ALTER TABLE t MODIFY a VARCHAR(50) CHARACTER SET utf8mb4",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(80) CHARACTER SET utf8mb3)",
        "ALTER TABLE t MODIFY a VARCHAR(80) CHARACTER SET utf8mb4",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a INT)",
        "ALTER TABLE t MODIFY a BIGINT",
    ),
    // `IF NOT EXISTS`, the table's only definition, after nothing that names it: it made the
    // table.
    (
        "CREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY, a VARCHAR(100)) DEFAULT CHARSET=latin1",
        "ALTER TABLE t MODIFY a VARCHAR(255) COMMENT 'note'",
    ),
    (
        "CREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY, a CHAR(36) NOT NULL)",
        "ALTER TABLE t MODIFY a CHAR(36) NULL DEFAULT NULL",
    ),
    (
        "CREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY, a VARCHAR(128)) CHARSET latin1",
        "ALTER TABLE t MODIFY a VARCHAR(300)",
    ),
    // `CONVERT TO` puts the column in latin1: `VARCHAR(100)` → `VARCHAR(255)` keeps one length
    // byte.
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(100)) DEFAULT CHARSET=utf8mb3; ALTER TABLE t CONVERT TO CHARACTER SET latin1",
        "ALTER TABLE t MODIFY a VARCHAR(255)",
    ),
    // A new table character set leaves the column in the old one: named, it is kept; not
    // named, the MODIFY converts the column.
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(100)) DEFAULT CHARSET=latin1; ALTER TABLE t DEFAULT CHARSET=utf8mb4",
        "ALTER TABLE t MODIFY a VARCHAR(100) CHARACTER SET latin1 COMMENT 'x'",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(100)) DEFAULT CHARSET=latin1; ALTER TABLE t DEFAULT CHARSET=utf8mb4",
        "ALTER TABLE t MODIFY a VARCHAR(100)",
    ),
    // The row format an `ALTER TABLE` gave: REDUNDANT extends any VARCHAR; a CHAR goes to
    // utf8mb4 instantly in any other.
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(128)) CHARSET latin1; ALTER TABLE t ROW_FORMAT=REDUNDANT",
        "ALTER TABLE t MODIFY a VARCHAR(300)",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a CHAR(10) CHARACTER SET utf8mb3) ROW_FORMAT=REDUNDANT; ALTER TABLE t ROW_FORMAT=DYNAMIC",
        "ALTER TABLE t MODIFY a CHAR(10) CHARACTER SET utf8mb4",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a CHAR(10) CHARACTER SET utf8mb3); ALTER TABLE t ROW_FORMAT=REDUNDANT",
        "ALTER TABLE t MODIFY a CHAR(10) CHARACTER SET utf8mb4",
    ),
    // Dropped first, the table is made anew.
    (
        "DROP TABLE IF EXISTS t; CREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY, a INT NOT NULL)",
        "ALTER TABLE t MODIFY a INT NULL DEFAULT 0",
    ),
];

#[test]
fn a_modify_of_a_column_an_earlier_migration_defined_is_judged_by_that_definition() {
    let db = ScratchDb::mariadb();
    let mut wrong = Vec::new();
    for (earlier, statement) in EARLIER_CASES {
        let codes = codes_after(&format!("{earlier};\n"), &format!("{statement};\n"));
        let flagged = |code: &str| codes.iter().any(|c| c == code);
        let online = accepts(&db, earlier, statement, "LOCK=NONE");
        let no_rebuild = accepts(&db, earlier, statement, "ALGORITHM=NOCOPY");
        if flagged("PF351") == online || (online && flagged("PF353") == no_rebuild) {
            wrong.push(format!(
                "{statement} after {earlier}: PF351 {}, PF353 {}; server accepts LOCK=NONE {online}, ALGORITHM=NOCOPY {no_rebuild}",
                flagged("PF351"),
                flagged("PF353")
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_modify_in_a_called_body_is_not_judged_by_earlier_migrations() {
    // The body guards on the catalog: it runs where the column is not what the earlier
    // migration made it (a TINYINT an older install left), and then copies the table.
    let codes = codes_after(
        "CREATE TABLE t (id INT PRIMARY KEY, sort_order INT DEFAULT 0);\n",
        "DROP PROCEDURE IF EXISTS widen;\n\
         DELIMITER ;;\n\
         CREATE PROCEDURE widen() BEGIN\n\
         IF EXISTS (SELECT * FROM information_schema.columns WHERE table_name = 't' AND column_name = 'sort_order' AND data_type = 'tinyint') THEN\n\
         ALTER TABLE t MODIFY COLUMN sort_order INT DEFAULT 0;\n\
         END IF;\n\
         END;;\n\
         DELIMITER ;\n\
         CALL widen();\n",
    );
    assert!(codes.iter().any(|c| c == "PF351"), "{codes:?}");
}

#[test]
fn a_view_or_routine_created_between_leaves_the_added_column_known() {
    // Creating a view, procedure or trigger runs nothing: the widening stays instant (latin1
    // `VARCHAR(10)` → `VARCHAR(20)`, checked above).
    for between in [
        "CREATE VIEW v AS SELECT 1",
        "CREATE PROCEDURE p() SELECT 1",
        "DROP VIEW IF EXISTS v",
    ] {
        let sql = format!(
            "ALTER TABLE t ADD COLUMN a VARCHAR(10) CHARACTER SET latin1, LOCK=NONE;\n{between};\nALTER TABLE t MODIFY a VARCHAR(20) CHARACTER SET latin1"
        );
        assert!(!flagged(&sql, "PF351"), "{sql}");
    }
}

#[test]
fn a_create_table_if_not_exists_defines_nothing_where_the_table_may_have_existed() {
    // After the `IF NOT EXISTS` definition alone the server does the MODIFY instantly; each
    // directory (the MODIFY's migration second) says the table may have existed before it.
    let modify = "ALTER TABLE t MODIFY a INT DEFAULT 1;\n";
    let guarded = "CREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY, a INT);\n";
    let cases: &[&[&str]] = &[
        // An earlier migration made the table, with another column `a`: it stays, and the
        // MODIFY copies it (below).
        &[
            "CREATE TABLE t (id INT PRIMARY KEY, a BIGINT);\n",
            guarded,
            modify,
        ],
        // A statement of the same file touched the table first.
        &[
            "ALTER TABLE t ADD COLUMN b INT;\nCREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY, a INT);\n",
            modify,
        ],
        // An earlier migration calls a routine, which may have made the table.
        &["CALL setup();\n", guarded, modify],
        // The same file dropped the table, then may have made it again: by a routine, or by
        // renaming another table onto its name.
        &[
            "DROP TABLE IF EXISTS t;\nCALL setup();\nCREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY, a INT);\n",
            modify,
        ],
        &[
            "DROP TABLE IF EXISTS t;\nALTER TABLE old_t RENAME TO t;\nCREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY, a INT);\n",
            modify,
        ],
        &[
            "ALTER TABLE old_t RENAME TO t;\nCREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY, a INT);\n",
            modify,
        ],
        // Another migration defines the table too (later, for installs that had it already).
        &[
            guarded,
            modify,
            "CREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY, a BIGINT);\n",
        ],
    ];
    for migrations in cases {
        let at = migrations.iter().position(|m| *m == modify).unwrap();
        let codes = codes_of(migrations, at);
        assert!(
            codes.iter().any(|c| c == "PF351"),
            "{migrations:?}: {codes:?}"
        );
    }
    let db = ScratchDb::mariadb();
    db.exec(&format!(
        "DROP TABLE IF EXISTS t; CREATE TABLE t (id INT PRIMARY KEY, a BIGINT); {guarded}"
    ));
    assert!(db.try_exec(&modify.replace(';', ", LOCK=NONE;")).is_err());
    db.exec(&format!("DROP TABLE IF EXISTS t; {guarded}"));
    db.exec(&modify.replace(';', ", ALGORITHM=INSTANT;"));
}

#[test]
fn what_a_later_alter_table_says_of_the_table_updates_an_earlier_definition() {
    // Server side only: a table whose `CREATE TABLE` no migration holds, REDUNDANT rows.
    let hidden =
        "DROP TABLE IF EXISTS t; CREATE TABLE t (id INT PRIMARY KEY) ROW_FORMAT=REDUNDANT;";
    let add = "ALTER TABLE t ADD COLUMN a CHAR(10) CHARACTER SET utf8mb3;\n";
    let modify = "ALTER TABLE t MODIFY a CHAR(10) CHARACTER SET utf8mb4;\n";
    let db = ScratchDb::mariadb();
    let online = |migrations: &[&str]| {
        db.exec(&format!("{hidden} {}", migrations.concat()));
        db.try_exec(&modify.replace(';', ", LOCK=NONE;")).is_ok()
    };
    // The row format of a table whose CREATE is unknown may be REDUNDANT, which keeps a CHAR's
    // full width: the MODIFY copies.
    assert!(!online(&[add]));
    let codes = codes_of(&[add, modify], 1);
    assert!(codes.iter().any(|c| c == "PF351"), "{codes:?}");
    // A migration since gave the table another row format: instant.
    let dynamic = "ALTER TABLE t ROW_FORMAT=DYNAMIC;\n";
    assert!(online(&[add, dynamic]));
    let codes = codes_of(&[add, dynamic, modify], 2);
    assert!(!codes.iter().any(|c| c == "PF351"), "{codes:?}");
    // In the MODIFY's own file too.
    let both = format!("{dynamic}{modify}");
    let codes = codes_of(&[add, &both], 1);
    assert!(!codes.iter().any(|c| c == "PF351"), "{codes:?}");
    // `CONVERT TO` in a migration of its own: the column is latin1 after it.
    let create = "CREATE TABLE t (id INT PRIMARY KEY, b VARCHAR(100)) DEFAULT CHARSET=utf8mb3;\n";
    let convert = "ALTER TABLE t CONVERT TO CHARACTER SET latin1;\n";
    let widen = "ALTER TABLE t MODIFY b VARCHAR(255);\n";
    db.exec(&format!("DROP TABLE IF EXISTS t; {create}{convert}"));
    db.exec(&widen.replace(';', ", ALGORITHM=INSTANT;"));
    let codes = codes_of(&[create, convert, widen], 2);
    assert!(!codes.iter().any(|c| c == "PF351"), "{codes:?}");
}

/// A `CONVERT TO CHARACTER SET` of a table an earlier migration created: (earlier migration,
/// the `ALTER TABLE`). The server's verdict: `LOCK=NONE` accepted (no copy of the table, no
/// lock) after the earlier migration ran.
const CONVERT_CASES: &[(&str, &str)] = &[
    // The finding of stop 47: a VARCHAR that keeps its length bytes.
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(50)) DEFAULT CHARSET=utf8mb3",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
    ),
    // `utf8` is `utf8mb3`; 189 → 252 bytes, and 258 → 344: the same length bytes.
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(63), b VARCHAR(86)) DEFAULT CHARSET=utf8",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
    ),
    // 192 → 256 bytes: a second length byte, the table is copied.
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(64)) DEFAULT CHARSET=utf8mb3",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(85)) DEFAULT CHARSET=utf8mb3",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
    ),
    // REDUNDANT rows extend any VARCHAR, and keep a CHAR's full width (copied).
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(64)) DEFAULT CHARSET=utf8mb3 ROW_FORMAT=REDUNDANT",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a CHAR(10)) DEFAULT CHARSET=utf8mb3 ROW_FORMAT=REDUNDANT",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a CHAR(255) NOT NULL DEFAULT '', b LONGTEXT, c JSON, d DATETIME, e VARBINARY(10)) DEFAULT CHARSET=utf8mb3",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
    ),
    // TINYTEXT, TEXT, MEDIUMTEXT (made a longer type), ENUM and SET copy.
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a TINYTEXT) DEFAULT CHARSET=utf8mb3",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a TEXT) DEFAULT CHARSET=utf8mb3",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a MEDIUMTEXT) DEFAULT CHARSET=utf8mb3",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a ENUM('x', 'y')) DEFAULT CHARSET=utf8mb3",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a SET('x')) DEFAULT CHARSET=utf8mb3",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
    ),
    // A column of another character set copies; one in utf8mb4 already does not.
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10) CHARACTER SET latin1) DEFAULT CHARSET=utf8mb3",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a TEXT CHARACTER SET utf8mb4, b VARCHAR(10)) DEFAULT CHARSET=utf8mb3",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10)) DEFAULT CHARSET=latin1",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
    ),
    // Keys: the same order (general_ci → general_ci, bin → bin, unicode_ci → unicode_ci)
    // keeps every key; another rebuilds a plain key in place, and copies the table for a
    // primary or unique key.
    (
        "CREATE TABLE t (id INT, a VARCHAR(50) NOT NULL, b VARCHAR(20), PRIMARY KEY (id, a), UNIQUE KEY ub (b)) DEFAULT CHARSET=utf8mb3",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(50) UNIQUE) DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_bin",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(50), CONSTRAINT ua UNIQUE (a)) DEFAULT CHARSET=utf8mb3 COLLATE utf8mb3_unicode_ci",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(50), KEY ia (a)) DEFAULT CHARSET=utf8mb3",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(50), UNIQUE KEY ua (a)) DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
    ),
    (
        "CREATE TABLE t (a VARCHAR(50) NOT NULL PRIMARY KEY) DEFAULT CHARSET=utf8mb3",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(50) COLLATE utf8mb3_bin, UNIQUE KEY ua (a)) DEFAULT CHARSET=utf8mb3",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
    ),
    // A unique key is the clustered index where there is no primary key and its columns are
    // NOT NULL; otherwise it is rebuilt in place.
    (
        "CREATE TABLE t (id INT, a VARCHAR(50) NOT NULL, UNIQUE KEY ua (a)) DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_bin",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
    ),
    (
        "CREATE TABLE t (id INT, a VARCHAR(50), UNIQUE KEY ua (a)) DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_bin",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(50) NOT NULL, UNIQUE KEY ua (a)) DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_bin",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
    ),
    // A FULLTEXT index: instant in the same order, rebuilt under a lock in another.
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(50), FULLTEXT KEY fa (a)) DEFAULT CHARSET=utf8mb3",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(50), FULLTEXT KEY fa (a)) DEFAULT CHARSET=utf8mb3",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(50)) DEFAULT CHARSET=utf8mb3; ALTER TABLE t ADD FULLTEXT INDEX fa (a)",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
    ),
    // With a rebuild in place (PF353), which does a key's new order in place too; not what
    // copies.
    (
        "CREATE TABLE t (id INT, a VARCHAR(50) NOT NULL PRIMARY KEY) DEFAULT CHARSET=utf8mb3 COLLATE utf8mb3_unicode_520_ci",
        "ALTER TABLE t ENGINE=InnoDB, CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(50)) DEFAULT CHARSET=utf8mb3",
        "ALTER TABLE t FORCE, CONVERT TO CHARACTER SET utf8mb4",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(64)) DEFAULT CHARSET=utf8mb3",
        "ALTER TABLE t ENGINE=InnoDB, CONVERT TO CHARACTER SET utf8mb4",
    ),
    // A routine called in between may have changed the table: unknown, flagged.
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(50)) DEFAULT CHARSET=utf8mb3; DROP PROCEDURE IF EXISTS p; CREATE PROCEDURE p() ALTER TABLE t ADD COLUMN b TEXT; CALL p()",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
    ),
    // What the file's `ALTER TABLE`s did since: a TEXT dropped, a key on a new collation.
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a TEXT) DEFAULT CHARSET=utf8mb3; ALTER TABLE t DROP COLUMN a, ADD COLUMN b VARCHAR(20)",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
    ),
    (
        "CREATE TABLE t (id INT, a VARCHAR(50) NOT NULL) DEFAULT CHARSET=utf8mb3; ALTER TABLE t ADD UNIQUE KEY ua (a)",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
    ),
    (
        "CREATE TABLE t (id INT, a VARCHAR(50) NOT NULL) DEFAULT CHARSET=utf8mb3; CREATE UNIQUE INDEX ua ON t (a)",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(50)) DEFAULT CHARSET=utf8mb3; CREATE UNIQUE INDEX ua ON t (a)",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
    ),
    (
        "CREATE TABLE t (id INT, a VARCHAR(50) NOT NULL) DEFAULT CHARSET=utf8mb3; ALTER TABLE t ADD PRIMARY KEY (a)",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
    ),
    (
        "CREATE TABLE t (id INT, a VARCHAR(50) NOT NULL) DEFAULT CHARSET=utf8mb3; ALTER TABLE t CHANGE a b VARCHAR(50) NOT NULL PRIMARY KEY",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
    ),
    (
        "CREATE TABLE t (id INT, a VARCHAR(50) NOT NULL, PRIMARY KEY (a)) DEFAULT CHARSET=utf8mb3; ALTER TABLE t RENAME COLUMN a TO b",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(100)) DEFAULT CHARSET=latin1; ALTER TABLE t MODIFY a VARCHAR(100) CHARACTER SET utf8mb3",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a CHAR(10)) DEFAULT CHARSET=utf8mb3; ALTER TABLE t ROW_FORMAT=REDUNDANT",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
    ),
    (
        "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(50)) DEFAULT CHARSET=latin1; ALTER TABLE t CONVERT TO CHARACTER SET utf8mb3",
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
    ),
];

/// The lines of the last of `migrations` (a directory, in this order) that PF351 flags.
fn pf351_lines(migrations: &[&str]) -> Vec<usize> {
    let dir = tempfile::tempdir().unwrap();
    let mut last = None;
    for (i, text) in migrations.iter().enumerate() {
        let file = dir.path().join(format!("{:03}_step.sql", i + 1));
        std::fs::write(&file, text).unwrap();
        last = Some(file);
    }
    let report = preflight::lint::lint_paths(&[last.unwrap()], &mariadb_10_11()).unwrap();
    report
        .findings
        .iter()
        .filter(|f| f.rule.code == "PF351")
        .filter_map(|f| f.location.start.map(|p| p.line))
        .collect()
}

/// Does the server convert `statement` without copying the table or blocking writes, after
/// `earlier` ran: instantly, rebuilding a key in place, or (with `ENGINE=InnoDB`) rebuilding
/// the table in place?
fn converts_in_place(db: &ScratchDb, earlier: &str, statement: &str) -> bool {
    let online = accepts(db, earlier, statement, "LOCK=NONE");
    let without_rebuild = accepts(db, earlier, statement, "ALGORITHM=INSTANT")
        || accepts(db, earlier, statement, "ALGORITHM=NOCOPY, LOCK=NONE");
    assert!(online || !without_rebuild, "{statement} after {earlier}");
    online
}

#[test]
fn a_convert_to_utf8mb4_is_flagged_where_mariadb_copies_the_table() {
    let db = ScratchDb::mariadb();
    let mut wrong = Vec::new();
    for (earlier, statement) in CONVERT_CASES {
        let in_place = converts_in_place(&db, earlier, statement);
        // The next migration of the directory, and after an unrelated statement of its own
        // file.
        let next = format!("{statement};\n");
        let after_other = format!("CREATE TABLE other (id INT);\n{statement};\n");
        let mut directories = vec![
            vec![format!("{earlier};\n"), next.clone()],
            vec![format!("{earlier};\n"), after_other],
        ];
        // The statements after the CREATE TABLE in a migration between, and in the CONVERT
        // TO's own file.
        if let Some((create, since)) = earlier.split_once("; ") {
            let (create, since) = (format!("{create};\n"), format!("{since};\n"));
            directories.push(vec![create.clone(), since.clone(), next.clone()]);
            directories.push(vec![create, format!("{since}{next}")]);
        }
        for migrations in directories {
            let texts: Vec<&str> = migrations.iter().map(String::as_str).collect();
            // The CONVERT TO is the last line of the last file.
            let last = texts[texts.len() - 1].lines().count();
            let flagged = pf351_lines(&texts).contains(&last);
            if flagged == in_place {
                wrong.push(format!(
                    "{migrations:?}: PF351 {flagged}; server converts without a copy {in_place}"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
