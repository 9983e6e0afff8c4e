//! PF204 against the real MariaDB: a `MODIFY`/`CHANGE` of a column a foreign key uses, to
//! another type, fails on the first run (errors 1832, 1833, 1846). Each case runs on a fresh
//! database, going on past a failing statement (a failing statement changes nothing, as lint
//! judges each statement), and lint must flag exactly the statements the server rejects.

mod common;

use common::ScratchDb;
use preflight::lint::{lint_paths, lint_source, LintOptions};
use preflight::source::SourceFile;
use preflight::sql::Dialect;

const PARENT_CHILD: &str = "CREATE TABLE p (id INT PRIMARY KEY);\n\
     CREATE TABLE c (x INT, p_id INT, CONSTRAINT fk_c FOREIGN KEY (p_id) REFERENCES p (id));\n";

/// (case, the file's statements after its set-up, one a line).
fn cases() -> Vec<(&'static str, String)> {
    let on_int = |rest: &str| format!("{PARENT_CHILD}{rest}\n");
    let on = |parent: &str, child: &str, rest: &str| {
        format!(
            "CREATE TABLE p (id {parent}, PRIMARY KEY (id));\n\
             CREATE TABLE c (p_id {child}, CONSTRAINT fk_c FOREIGN KEY (p_id) REFERENCES p (id));\n\
             {rest}\n"
        )
    };
    vec![
        ("child to BIGINT", on_int("ALTER TABLE c MODIFY p_id BIGINT;")),
        ("parent to BIGINT", on_int("ALTER TABLE p MODIFY id BIGINT;")),
        ("child to UNSIGNED", on_int("ALTER TABLE c MODIFY p_id INT UNSIGNED;")),
        (
            "parent to UNSIGNED AUTO_INCREMENT",
            on_int("ALTER TABLE p MODIFY id INT UNSIGNED NOT NULL AUTO_INCREMENT;"),
        ),
        ("child NOT NULL", on_int("ALTER TABLE c MODIFY p_id INT NOT NULL;")),
        ("parent NOT NULL", on_int("ALTER TABLE p MODIFY id INT NOT NULL AUTO_INCREMENT;")),
        ("display width", on_int("ALTER TABLE c MODIFY p_id INT(11);")),
        ("display width dropped", on("INT(11)", "INT(11)", "ALTER TABLE c MODIFY p_id INT;")),
        ("INTEGER", on_int("ALTER TABLE c MODIFY COLUMN p_id INTEGER DEFAULT 5;")),
        ("SIGNED", on_int("ALTER TABLE c MODIFY p_id INT SIGNED COMMENT 'x';")),
        ("rename, same type", on_int("ALTER TABLE c CHANGE p_id parent_id INT;")),
        ("parent rename, same type", on_int("ALTER TABLE p CHANGE id pid INT;")),
        ("rename and new type", on_int("ALTER TABLE c CHANGE p_id parent_id BIGINT;")),
        ("parent CHANGE new type", on_int("ALTER TABLE p CHANGE id id BIGINT;")),
        ("to VARCHAR", on_int("ALTER TABLE c MODIFY p_id VARCHAR(10);")),
        (
            "VARCHAR wider",
            on("VARCHAR(36)", "VARCHAR(36)", "ALTER TABLE c MODIFY p_id VARCHAR(64);"),
        ),
        (
            "parent VARCHAR wider",
            on("VARCHAR(36)", "VARCHAR(36)", "ALTER TABLE p MODIFY id VARCHAR(64);"),
        ),
        (
            "VARCHAR to CHAR",
            on("VARCHAR(36)", "VARCHAR(36)", "ALTER TABLE c MODIFY p_id CHAR(36);"),
        ),
        (
            "VARCHAR same, NOT NULL DEFAULT",
            on(
                "VARCHAR(36)",
                "VARCHAR(36)",
                "ALTER TABLE c MODIFY p_id VARCHAR(36) NOT NULL DEFAULT '';",
            ),
        ),
        (
            "charset change",
            on(
                "CHAR(36) CHARACTER SET latin1",
                "CHAR(36) CHARACTER SET latin1",
                "ALTER TABLE c MODIFY p_id CHAR(36) CHARACTER SET utf8mb4;",
            ),
        ),
        (
            "default collation spelt",
            on(
                "CHAR(36) CHARACTER SET utf8mb4",
                "CHAR(36) CHARACTER SET utf8mb4",
                "ALTER TABLE c MODIFY p_id CHAR(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;",
            ),
        ),
        (
            "collations both spelt",
            on(
                "CHAR(36) COLLATE utf8mb4_general_ci",
                "CHAR(36) COLLATE utf8mb4_general_ci",
                "ALTER TABLE c MODIFY p_id CHAR(36) COLLATE utf8mb4_bin;",
            ),
        ),
        (
            "a collation only the new definition spells, the character set spelt",
            on(
                "CHAR(36) CHARACTER SET utf8mb4",
                "CHAR(36) CHARACTER SET utf8mb4",
                "ALTER TABLE c MODIFY p_id CHAR(36) COLLATE utf8mb4_bin;\n\
                 ALTER TABLE p MODIFY id CHAR(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;",
            ),
        ),
        (
            "a table COLLATE: the same spelt on the column, or its character set alone",
            "CREATE TABLE p (id CHAR(36) PRIMARY KEY) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;\n\
             CREATE TABLE c (p_id CHAR(36), CONSTRAINT fk_c FOREIGN KEY (p_id) REFERENCES p (id)) CHARSET utf8mb4 COLLATE utf8mb4_bin;\n\
             ALTER TABLE c MODIFY p_id CHAR(36) COLLATE utf8mb4_bin NOT NULL;\n\
             ALTER TABLE p MODIFY id CHAR(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;\n\
             ALTER TABLE c MODIFY p_id CHAR(36) CHARACTER SET utf8mb4;\n\
             ALTER TABLE p MODIFY id CHAR(36) CHARACTER SET utf8mb4;\n"
                .to_string(),
        ),
        (
            "a table character set: its default collation, spelt or not",
            "CREATE TABLE p (id VARCHAR(36) PRIMARY KEY) ENGINE=InnoDB DEFAULT CHARSET=latin1;\n\
             CREATE TABLE c (p_id VARCHAR(36), CONSTRAINT fk_c FOREIGN KEY (p_id) REFERENCES p (id)) DEFAULT CHARACTER SET = latin1;\n\
             ALTER TABLE p MODIFY id VARCHAR(36) CHARACTER SET latin1 COLLATE latin1_swedish_ci;\n\
             ALTER TABLE c MODIFY p_id VARCHAR(36) COLLATE latin1_swedish_ci;\n\
             ALTER TABLE c MODIFY p_id VARCHAR(36) CHARACTER SET latin1 COLLATE latin1_bin;\n\
             ALTER TABLE p MODIFY id VARCHAR(36) COLLATE latin1_bin;\n"
                .to_string(),
        ),
        (
            "NOT NULL under ON DELETE SET NULL",
            "CREATE TABLE p (id INT PRIMARY KEY);\n\
             CREATE TABLE c (p_id INT, CONSTRAINT fk_c FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE SET NULL);\n\
             ALTER TABLE c MODIFY p_id INT NOT NULL;\n\
             ALTER TABLE c CHANGE p_id p_id INT NOT NULL DEFAULT 0;\n\
             ALTER TABLE c MODIFY p_id INT NULL;\n\
             ALTER TABLE c MODIFY p_id INT DEFAULT NULL COMMENT 'NOT NULL';\n\
             ALTER TABLE c MODIFY p_id INT PRIMARY KEY;\n\
             ALTER TABLE c MODIFY p_id BIGINT NOT NULL;\n\
             ALTER TABLE p MODIFY id INT NOT NULL;\n\
             SET foreign_key_checks = 0;\n\
             ALTER TABLE c MODIFY p_id INT NOT NULL;\n"
                .to_string(),
        ),
        (
            "NOT NULL under ON UPDATE SET NULL, renamed",
            "CREATE TABLE p (id INT PRIMARY KEY);\n\
             CREATE TABLE c (p_id INT);\n\
             ALTER TABLE c ADD CONSTRAINT fk_c FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE CASCADE ON UPDATE SET NULL;\n\
             ALTER TABLE c CHANGE p_id q INT NOT NULL;\n"
                .to_string(),
        ),
        (
            "NOT NULL under SET NULL, the key dropped in the same statement",
            "CREATE TABLE p (id INT PRIMARY KEY);\n\
             CREATE TABLE c (p_id INT, CONSTRAINT fk_c FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE SET NULL);\n\
             ALTER TABLE c DROP FOREIGN KEY fk_c, MODIFY p_id INT NOT NULL;\n"
                .to_string(),
        ),
        (
            "NOT NULL under ON DELETE CASCADE",
            "CREATE TABLE p (id INT PRIMARY KEY);\n\
             CREATE TABLE c (p_id INT, CONSTRAINT fk_c FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE CASCADE);\n\
             ALTER TABLE c MODIFY p_id INT NOT NULL;\n"
                .to_string(),
        ),
        (
            "NOT NULL under SET NULL, two columns",
            "CREATE TABLE p (a INT, b INT, PRIMARY KEY (a, b));\n\
             CREATE TABLE c (x INT, y INT, z INT, FOREIGN KEY (x, y) REFERENCES p (a, b) ON DELETE SET NULL);\n\
             ALTER TABLE c MODIFY z INT NOT NULL, MODIFY y INT NOT NULL;\n\
             ALTER TABLE c MODIFY x INT NOT NULL;\n"
                .to_string(),
        ),
        (
            "a table character set right after the column list's closing parenthesis",
            "CREATE TABLE p (id CHAR(3) PRIMARY KEY)CHARSET=latin1;\n\
             CREATE TABLE c (p_id CHAR(3), FOREIGN KEY (p_id) REFERENCES p (id))CHARSET=latin1;\n\
             ALTER TABLE c MODIFY p_id CHAR(3) COLLATE latin1_swedish_ci;\n\
             ALTER TABLE c MODIFY p_id CHAR(3) COLLATE latin1_bin;\n"
                .to_string(),
        ),
        (
            "MyISAM child, the key added by ALTER TABLE",
            "CREATE TABLE p (id INT PRIMARY KEY);\n\
             CREATE TABLE c (p_id INT) ENGINE=MyISAM;\n\
             ALTER TABLE c ADD CONSTRAINT fk_c FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE SET NULL;\n\
             ALTER TABLE p MODIFY id BIGINT;\n\
             ALTER TABLE c MODIFY p_id BIGINT NOT NULL;\n"
                .to_string(),
        ),
        (
            "InnoDB child spelt, the key added by ALTER TABLE",
            "CREATE TABLE p (id INT PRIMARY KEY);\n\
             CREATE TABLE c (p_id INT) ENGINE = InnoDB;\n\
             ALTER TABLE c ADD FOREIGN KEY (p_id) REFERENCES p (id);\n\
             ALTER TABLE p MODIFY id BIGINT;\n"
                .to_string(),
        ),
        (
            "a key made by CREATE TABLE IF NOT EXISTS in the file",
            "CREATE TABLE IF NOT EXISTS p (id INT PRIMARY KEY);\n\
             CREATE TABLE IF NOT EXISTS c (p_id INT, CONSTRAINT fk_c FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE SET NULL);\n\
             ALTER TABLE c MODIFY p_id BIGINT;\n\
             ALTER TABLE p MODIFY id BIGINT;\n\
             ALTER TABLE c MODIFY p_id INT NOT NULL;\n"
                .to_string(),
        ),
        (
            "DECIMAL precision and scale",
            on(
                "DECIMAL(10,2)",
                "DECIMAL(10,2)",
                "ALTER TABLE c MODIFY p_id DECIMAL(12,2);\n\
                 ALTER TABLE p MODIFY id DECIMAL(10,3);",
            ),
        ),
        (
            "DECIMAL(10) is DECIMAL(10,0)",
            on("DECIMAL", "DECIMAL(10,0)", "ALTER TABLE c MODIFY p_id NUMERIC(10, 0) NOT NULL;\nALTER TABLE p MODIFY id DECIMAL(11);"),
        ),
        (
            "fractional seconds",
            on(
                "DATETIME",
                "DATETIME(0)",
                "ALTER TABLE c MODIFY p_id DATETIME;\n\
                 ALTER TABLE p MODIFY id DATETIME(6);\n\
                 ALTER TABLE c MODIFY p_id TIMESTAMP(3) NULL;",
            ),
        ),
        (
            "DECIMAL default precision",
            on("DECIMAL(10,0)", "DECIMAL(10,0)", "ALTER TABLE c MODIFY p_id DECIMAL;"),
        ),
        (
            "foreign_key_checks off",
            on_int("SET foreign_key_checks = 0;\nALTER TABLE c MODIFY p_id BIGINT;\nALTER TABLE p MODIFY id BIGINT;\nSET foreign_key_checks = 1;"),
        ),
        (
            "both sides, one after the other",
            on_int("ALTER TABLE p MODIFY id BIGINT;\nALTER TABLE c MODIFY p_id BIGINT;"),
        ),
        (
            "self reference, both in one statement",
            "CREATE TABLE t (id INT PRIMARY KEY, parent_id INT, CONSTRAINT fk_t FOREIGN KEY (parent_id) REFERENCES t (id));\n\
             ALTER TABLE t MODIFY id BIGINT, MODIFY parent_id BIGINT;\n"
                .to_string(),
        ),
        (
            "dropped in the same statement",
            on_int("ALTER TABLE c DROP FOREIGN KEY fk_c, MODIFY p_id BIGINT;"),
        ),
        (
            "dropped before",
            on_int("ALTER TABLE c DROP FOREIGN KEY fk_c;\nALTER TABLE c MODIFY p_id BIGINT;\nALTER TABLE p MODIFY id BIGINT;"),
        ),
        (
            "child table dropped",
            on_int("DROP TABLE c;\nALTER TABLE p MODIFY id BIGINT;"),
        ),
        (
            "another column",
            on_int("ALTER TABLE c MODIFY x BIGINT, MODIFY p_id BIGINT;"),
        ),
        (
            "inline REFERENCES",
            "CREATE TABLE p (id INT PRIMARY KEY);\n\
             CREATE TABLE c (p_id INT REFERENCES p (id));\n\
             ALTER TABLE c MODIFY p_id BIGINT;\n\
             ALTER TABLE p MODIFY id BIGINT;\n"
                .to_string(),
        ),
        (
            "added by ALTER TABLE, unnamed, then dropped by its server name",
            "CREATE TABLE p (id INT PRIMARY KEY);\n\
             CREATE TABLE c (p_id INT);\n\
             ALTER TABLE c ADD FOREIGN KEY (p_id) REFERENCES p (id);\n\
             ALTER TABLE p MODIFY id BIGINT;\n\
             ALTER TABLE c DROP FOREIGN KEY c_ibfk_1;\n\
             ALTER TABLE p MODIFY id BIGINT;\n"
                .to_string(),
        ),
        (
            "added by ALTER TABLE … ADD CONSTRAINT",
            "CREATE TABLE p (id INT PRIMARY KEY);\n\
             CREATE TABLE c (p_id INT);\n\
             ALTER TABLE c ADD CONSTRAINT fk_c FOREIGN KEY (p_id) REFERENCES p (id);\n\
             ALTER TABLE c MODIFY p_id BIGINT;\n"
                .to_string(),
        ),
        (
            "MyISAM child",
            "CREATE TABLE p (id INT PRIMARY KEY);\n\
             CREATE TABLE c (p_id INT, FOREIGN KEY (p_id) REFERENCES p (id)) ENGINE=MyISAM;\n\
             ALTER TABLE p MODIFY id BIGINT;\n"
                .to_string(),
        ),
        (
            "column renamed, then modified under its new name",
            on_int("ALTER TABLE c RENAME COLUMN p_id TO parent_id;\nALTER TABLE c MODIFY parent_id BIGINT;"),
        ),
    ]
}

fn options() -> LintOptions {
    LintOptions {
        dialect: Dialect::Mariadb,
        ..LintOptions::default()
    }
}

/// The lines PF204 flags in `sql`, linted alone as `m.sql`, each once (a statement that
/// changes two such columns has a finding for each).
fn flagged_lines(sql: &str) -> Vec<usize> {
    let mut lines: Vec<usize> = lint_source(&SourceFile::new("m.sql", sql), &options())
        .into_iter()
        .filter(|f| f.rule.code == "PF204")
        .map(|f| f.location.start.expect("a line").line)
        .collect();
    lines.dedup();
    lines
}

#[test]
fn lint_flags_exactly_the_modifies_mariadb_rejects_for_a_foreign_key() {
    let mut wrong = Vec::new();
    for (name, sql) in cases() {
        let db = ScratchDb::mariadb_named("pft_fkmodify");
        let rejected = db.mariadb_failing_lines(&sql);
        let flagged = flagged_lines(&sql);
        if rejected != flagged {
            wrong.push(format!(
                "{name}: server rejects lines {rejected:?}, PF204 flags {flagged:?}\n{sql}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The lines of the last of `migrations` (one directory, in order) that PF204 flags, and
/// those MariaDB rejects when it runs them in order on a fresh database.
fn last_migration(migrations: &[&str]) -> (Vec<usize>, Vec<usize>) {
    let (last, before) = migrations.split_last().expect("a migration");
    let db = ScratchDb::mariadb_named("pft_fkmodify");
    for sql in before {
        db.exec(sql);
    }
    let rejected = db.mariadb_failing_lines(last);
    let dir = tempfile::tempdir().unwrap();
    let mut path = dir.path().to_path_buf();
    for (i, sql) in migrations.iter().enumerate() {
        path = dir.path().join(format!("{:03}_m.sql", i + 1));
        std::fs::write(&path, sql).unwrap();
    }
    let report = lint_paths(&[path], &options()).unwrap();
    let mut flagged: Vec<usize> = report
        .findings
        .iter()
        .filter(|f| f.rule.code == "PF204")
        .map(|f| f.location.start.expect("a line").line)
        .collect();
    flagged.dedup();
    (flagged, rejected)
}

/// The column's type before, or the foreign key, comes from an earlier migration of the
/// directory.
#[test]
fn earlier_migrations_tell_the_type_and_the_foreign_key() {
    const P: &str = "CREATE TABLE p (id INT NOT NULL AUTO_INCREMENT, PRIMARY KEY (id));\n";
    const PC: &str = "CREATE TABLE p (id INT NOT NULL AUTO_INCREMENT, PRIMARY KEY (id));\n\
         CREATE TABLE c (p_id INT, CONSTRAINT fk_c FOREIGN KEY (p_id) REFERENCES p (id));\n";
    const UNNAMED: &str = "CREATE TABLE p (id INT PRIMARY KEY);\n\
         CREATE TABLE c (p_id INT, FOREIGN KEY (p_id) REFERENCES p (id));\n";
    const LATIN1: &str = "CREATE TABLE p (id CHAR(36) CHARACTER SET latin1 PRIMARY KEY);\n\
         CREATE TABLE c (p_id CHAR(36) CHARACTER SET latin1, CONSTRAINT fk_c FOREIGN KEY (p_id) REFERENCES p (id));\n";
    let cases: &[(&str, &[&str])] = &[
        (
            "the parent's type from an earlier migration",
            &[
                P,
                "CREATE TABLE c (p_id INT, CONSTRAINT fk_c FOREIGN KEY (p_id) REFERENCES p (id));\n\
                 ALTER TABLE p MODIFY id BIGINT NOT NULL AUTO_INCREMENT;\n",
            ],
        ),
        (
            "the parent's display width and comment only",
            &[
                P,
                "CREATE TABLE c (p_id INT, CONSTRAINT fk_c FOREIGN KEY (p_id) REFERENCES p (id));\n\
                 ALTER TABLE p MODIFY id INT(11) NOT NULL AUTO_INCREMENT COMMENT 'key';\n",
            ],
        ),
        (
            "both from an earlier migration",
            &[
                PC,
                "ALTER TABLE c MODIFY p_id BIGINT;\nALTER TABLE p MODIFY id BIGINT NOT NULL;\n",
            ],
        ),
        (
            "NOT NULL only",
            &[PC, "ALTER TABLE c MODIFY p_id INT NOT NULL;\n"],
        ),
        (
            "an unrelated migration between",
            &[
                PC,
                "ALTER TABLE c ADD COLUMN z INT;\n",
                "ALTER TABLE c MODIFY p_id BIGINT;\n",
            ],
        ),
        (
            "dropped by a migration between",
            &[
                PC,
                "ALTER TABLE c DROP FOREIGN KEY fk_c;\n",
                "ALTER TABLE c MODIFY p_id BIGINT;\nALTER TABLE p MODIFY id BIGINT NOT NULL;\n",
            ],
        ),
        (
            "the server's name dropped by a migration between",
            &[
                UNNAMED,
                "ALTER TABLE c DROP FOREIGN KEY c_ibfk_1;\n",
                "ALTER TABLE p MODIFY id BIGINT;\n",
            ],
        ),
        (
            "the child table dropped by a migration between",
            &[PC, "DROP TABLE c;\n", "ALTER TABLE p MODIFY id BIGINT NOT NULL;\n"],
        ),
        (
            "dropped by the file first",
            &[
                PC,
                "ALTER TABLE c DROP FOREIGN KEY fk_c, MODIFY p_id BIGINT;\n\
                 ALTER TABLE p MODIFY id BIGINT NOT NULL;\n\
                 ALTER TABLE c ADD CONSTRAINT fk_c FOREIGN KEY (p_id) REFERENCES p (id);\n",
            ],
        ),
        (
            "another character set on both sides with foreign_key_checks off",
            &[
                LATIN1,
                "SET foreign_key_checks = 0;\n\
                 ALTER TABLE p MODIFY id CHAR(36) CHARACTER SET utf8mb4;\n\
                 ALTER TABLE c MODIFY p_id CHAR(36) CHARACTER SET utf8mb4;\n\
                 SET foreign_key_checks = 1;\n",
            ],
        ),
        (
            "a collation the tables do not spell, after an unrelated migration",
            &[
                "CREATE TABLE s (pk CHAR(36) NOT NULL PRIMARY KEY) ENGINE=InnoDB ROW_FORMAT=DYNAMIC;\n\
                 CREATE TABLE a (s_pk CHAR(36) NOT NULL, b BLOB NOT NULL, PRIMARY KEY (s_pk),\n\
                 CONSTRAINT a_fk FOREIGN KEY (s_pk) REFERENCES s (pk) ON DELETE CASCADE) ENGINE=InnoDB;\n",
                "ALTER TABLE a\n  MODIFY b MEDIUMBLOB NOT NULL;\n",
                "SET foreign_key_checks = 0;\n\
                 ALTER TABLE s MODIFY COLUMN pk char(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci;\n\
                 ALTER TABLE a MODIFY COLUMN s_pk char(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci;\n\
                 SET foreign_key_checks = 1;\n",
            ],
        ),
        (
            "the table's character set spelt on the column, its collation on the other",
            &[
                "CREATE TABLE p (id CHAR(36) PRIMARY KEY) DEFAULT CHARSET=latin1;\n\
                 CREATE TABLE c (p_id CHAR(36), CONSTRAINT fk_c FOREIGN KEY (p_id) REFERENCES p (id)) DEFAULT CHARSET=latin1;\n",
                "ALTER TABLE p MODIFY id CHAR(36) CHARACTER SET latin1 NOT NULL;\n\
                 ALTER TABLE c MODIFY p_id CHAR(36) COLLATE latin1_swedish_ci;\n\
                 ALTER TABLE c MODIFY p_id CHAR(36) COLLATE latin1_general_ci;\n",
            ],
        ),
        (
            "NOT NULL under a SET NULL key an earlier migration made",
            &[
                "CREATE TABLE p (id INT PRIMARY KEY);\n\
                 CREATE TABLE c (p_id INT, CONSTRAINT fk_c FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE SET NULL);\n",
                "ALTER TABLE c MODIFY p_id INT NOT NULL;\n",
            ],
        ),
        (
            "tables named in upper case",
            &[
                "CREATE TABLE Parent (ID INT PRIMARY KEY);\n\
                 CREATE TABLE Child (P_ID INT, CONSTRAINT fk_c FOREIGN KEY (P_ID) REFERENCES Parent (ID));\n",
                "ALTER TABLE Child MODIFY P_ID BIGINT;\nALTER TABLE Parent MODIFY ID INT NOT NULL;\n",
            ],
        ),
        (
            "tables named in upper case, the key dropped by a migration between",
            &[
                "CREATE TABLE _Parent (ID INT PRIMARY KEY);\n\
                 CREATE TABLE _Child (P_ID INT, CONSTRAINT fk_c FOREIGN KEY (P_ID) REFERENCES _Parent (ID));\n",
                "ALTER TABLE _Child DROP FOREIGN KEY fk_c;\n",
                "ALTER TABLE _Child MODIFY P_ID BIGINT;\nALTER TABLE _Parent MODIFY ID BIGINT;\n",
            ],
        ),
        (
            "tables whose names start with an underscore",
            &[
                "CREATE TABLE _p (id INT PRIMARY KEY);\n\
                 CREATE TABLE _c (p_id INT, CONSTRAINT fk_c FOREIGN KEY (p_id) REFERENCES _p (id));\n",
                "ALTER TABLE _c ADD COLUMN z INT;\n",
                "ALTER TABLE _p MODIFY id INT UNSIGNED;\n",
            ],
        ),
    ];
    // The key made by a second migration, after a first that made `parent_t` and, in some,
    // `child_t` (of an engine): an `ADD CONSTRAINT` to a table of each engine (none is made on
    // MyISAM), and a `CREATE TABLE IF NOT EXISTS` (none is made where `child_t` existed).
    const ADD: &str =
        "ALTER TABLE child_t ADD CONSTRAINT fk_c FOREIGN KEY (p_id) REFERENCES parent_t (id);\n";
    const IF_NEW: &str = "CREATE TABLE IF NOT EXISTS child_t (p_id INT, CONSTRAINT fk_c FOREIGN KEY (p_id) REFERENCES parent_t (id));\n";
    let variants = [
        (
            "a key added by a later migration to a MyISAM table",
            " ENGINE=MyISAM",
            ADD,
        ),
        (
            "a key added by a later migration to an InnoDB table",
            " ENGINE=InnoDB",
            ADD,
        ),
        ("a key made by CREATE TABLE IF NOT EXISTS", "", IF_NEW),
        (
            "CREATE TABLE IF NOT EXISTS of a table an earlier migration made without the key",
            " ",
            IF_NEW,
        ),
    ];
    let engines: Vec<(String, Vec<String>)> = variants
        .iter()
        .map(|(name, engine, second)| {
            let child = if engine.is_empty() {
                String::new()
            } else {
                format!("CREATE TABLE child_t (p_id INT){engine};\n")
            };
            (
                name.to_string(),
                vec![
                    format!("CREATE TABLE parent_t (id INT PRIMARY KEY);\n{child}"),
                    second.to_string(),
                    "ALTER TABLE parent_t MODIFY id BIGINT;\nALTER TABLE child_t MODIFY p_id BIGINT;\n".to_string(),
                ],
            )
        })
        .collect();
    let engines: Vec<(&str, Vec<&str>)> = engines
        .iter()
        .map(|(name, m)| (name.as_str(), m.iter().map(String::as_str).collect()))
        .collect();
    let mut wrong = Vec::new();
    let all = cases
        .iter()
        .map(|(name, m)| (*name, *m))
        .chain(engines.iter().map(|(name, m)| (*name, m.as_slice())));
    for (name, migrations) in all {
        let (flagged, rejected) = last_migration(migrations);
        if flagged != rejected {
            wrong.push(format!(
                "{name}: server rejects lines {rejected:?}, PF204 flags {flagged:?}\n{migrations:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Where neither a column nor its table spells a character set or collation, the column takes
/// the database's default when the table was made: a `MODIFY` that spells a collation fails
/// unless it is that default (then it changes nothing). Each case runs in a database of the
/// server's default collation and in one whose default is the collation the statement spells;
/// PF204 flags it, saying the outcome hangs on that default, exactly where the first rejects
/// it and the second accepts it.
#[test]
fn a_collation_the_database_default_decides() {
    // (case, the database collation the flagged statements spell, statements).
    let cases: &[(&str, &str, &str)] = &[
        (
            "both sides given a collation the tables do not spell",
            "utf8mb4_unicode_520_ci",
            "CREATE TABLE s (pk CHAR(36) NOT NULL PRIMARY KEY, v INT) ENGINE=InnoDB ROW_FORMAT=DYNAMIC;\n\
             CREATE TABLE a (s_pk CHAR(36) NOT NULL, n VARCHAR(20), PRIMARY KEY (s_pk, n),\n\
             CONSTRAINT a_fk FOREIGN KEY (s_pk) REFERENCES s (pk) ON DELETE CASCADE) ENGINE=InnoDB;\n\
             SET foreign_key_checks = 0;\n\
             ALTER TABLE s MODIFY COLUMN pk char(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci;\n\
             ALTER TABLE a MODIFY COLUMN s_pk char(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci;\n\
             SET foreign_key_checks = 1;\n",
        ),
        (
            "a character set alone: its default collation",
            "utf8mb4_general_ci",
            "CREATE TABLE p (id VARCHAR(36) PRIMARY KEY);\n\
             CREATE TABLE c (p_id VARCHAR(36), CONSTRAINT fk_c FOREIGN KEY (p_id) REFERENCES p (id));\n\
             ALTER TABLE c MODIFY p_id VARCHAR(36) CHARACTER SET utf8mb4 NOT NULL;\n",
        ),
        (
            "the column spelt its collation, the new definition none",
            "latin1_bin",
            "CREATE TABLE p (id VARCHAR(36) CHARACTER SET latin1 COLLATE latin1_bin PRIMARY KEY);\n\
             CREATE TABLE c (p_id VARCHAR(36) COLLATE latin1_bin, CONSTRAINT fk_c FOREIGN KEY (p_id) REFERENCES p (id));\n\
             ALTER TABLE p MODIFY id VARCHAR(36);\n",
        ),
    ];
    let mut wrong = Vec::new();
    for &(name, collation, sql) in cases {
        let flagged: Vec<(usize, String)> = lint_source(&SourceFile::new("m.sql", sql), &options())
            .into_iter()
            .filter(|f| f.rule.code == "PF204")
            .map(|f| (f.location.start.expect("a line").line, f.message))
            .collect();
        let lines: Vec<usize> = flagged.iter().map(|(l, _)| *l).collect();
        let db = ScratchDb::mariadb_named("pft_fkmodify");
        db.exec("ALTER DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_swedish_ci");
        let rejected = db.mariadb_failing_lines(sql);
        let db = ScratchDb::mariadb_named("pft_fkmodify");
        let charset = collation.split('_').next().expect("a character set");
        db.exec(&format!(
            "ALTER DATABASE CHARACTER SET {charset} COLLATE {collation}"
        ));
        let rejected_there = db.mariadb_failing_lines(sql);
        let says = flagged.iter().all(|(_, m)| {
            m.contains(&format!(
                "unless the table was made in a database whose default collation is `{collation}`"
            ))
        });
        if rejected != lines || !rejected_there.is_empty() || !says || lines.is_empty() {
            wrong.push(format!(
                "{name}: rejected at {rejected:?} (another default), at {rejected_there:?} ({collation}); PF204 {flagged:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
