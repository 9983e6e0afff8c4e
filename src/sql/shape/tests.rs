use super::*;
use crate::sql::lexer::lex;
use crate::sql::Dialect;

fn shape(dialect: Dialect, sql: &str) -> Shape {
    let tokens = lex(dialect, sql, 0..sql.len()).tokens;
    recognise(&tokens, sql, dialect)
}

fn pg(sql: &str) -> Shape {
    shape(Dialect::Postgres, sql)
}

#[test]
fn create_table_records_name_and_guard_position() {
    let s = pg("CREATE TABLE public.\"Users\" (id int)");
    assert_eq!(s.kind, ShapeKind::Create(ObjectKind::Table));
    let name = s.object().unwrap();
    assert_eq!(name.parts, ["public", "Users"]);
    assert_eq!(name.text, "public.\"Users\"");
    assert_eq!(
        s.guard,
        Some(Guard {
            present: false,
            insert_at: "CREATE TABLE".len()
        })
    );
}

#[test]
fn create_index_concurrently_reads_index_and_table() {
    let s = pg("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix ON ONLY t (a)");
    assert_eq!(s.kind, ShapeKind::Create(ObjectKind::Index));
    assert!(s.concurrently);
    assert!(s.guard.unwrap().present);
    assert_eq!(s.object().unwrap().base(), "ix");
    assert_eq!(s.table.as_ref().unwrap().base(), "t");
    assert_eq!(s.head, 0.."CREATE UNIQUE INDEX CONCURRENTLY".len());
}

#[test]
fn drop_lists_every_name_past_function_signatures() {
    let s = pg("DROP FUNCTION IF EXISTS f(int, text), g()");
    assert_eq!(s.kind, ShapeKind::Drop(ObjectKind::Function));
    assert!(s.guard.unwrap().present);
    let names: Vec<_> = s.names.iter().map(Name::base).collect();
    assert_eq!(names, ["f", "g"]);
}

#[test]
fn alter_table_splits_actions_at_top_level_commas() {
    let sql = "ALTER TABLE t DROP COLUMN IF EXISTS id, ADD PRIMARY KEY (a, b), ADD COLUMN c int";
    let s = pg(sql);
    assert_eq!(s.kind, ShapeKind::AlterTable);
    let kinds: Vec<_> = s.actions.iter().map(|a| a.kind).collect();
    assert_eq!(
        kinds,
        [
            AlterActionKind::DropColumn,
            AlterActionKind::AddConstraint,
            AlterActionKind::AddColumn
        ]
    );
    assert!(s.actions[0].guard.unwrap().present);
    assert_eq!(&sql[s.actions[1].range.clone()], "ADD PRIMARY KEY (a, b)");
    assert_eq!(s.actions[2].name.as_ref().unwrap().base(), "c");
}

#[test]
fn mariadb_unique_key_guard_follows_the_keyword() {
    let s = shape(
        Dialect::Mariadb,
        "ALTER TABLE t ADD UNIQUE KEY IF NOT EXISTS uq (a)",
    );
    let action = &s.actions[0];
    assert_eq!(action.kind, AlterActionKind::AddConstraint);
    assert!(action.guard.unwrap().present);
    assert_eq!(action.name.as_ref().unwrap().base(), "uq");
}

#[test]
fn alter_type_add_value_and_renames() {
    let s = pg("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh'");
    assert_eq!(s.kind, ShapeKind::AlterTypeAddValue);
    assert!(s.guard.unwrap().present);
    assert_eq!(
        pg("ALTER INDEX a RENAME TO b").kind,
        ShapeKind::Rename(ObjectKind::Index)
    );
    assert_eq!(
        shape(Dialect::Mysql, "RENAME TABLE a TO b").kind,
        ShapeKind::Rename(ObjectKind::Table)
    );
}

#[test]
fn insert_conflict_handling_and_target() {
    let plain = pg("INSERT INTO s.t (a) VALUES (1)");
    assert_eq!(plain.kind, ShapeKind::Insert);
    assert!(!plain.conflict_handled);
    assert_eq!(plain.object().unwrap().parts, ["s", "t"]);
    assert!(pg("INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING").conflict_handled);
    assert!(shape(Dialect::Mysql, "INSERT IGNORE INTO t VALUES (1)").conflict_handled);
}

#[test]
fn other_and_unknown_statements() {
    assert_eq!(
        pg("UPDATE t SET a = 1").kind,
        ShapeKind::Other("UPDATE".into())
    );
    assert_eq!(pg("FROBNICATE t").kind, ShapeKind::Unknown);
    assert_eq!(pg("START TRANSACTION").kind, ShapeKind::Begin);
}

#[test]
fn mariadb_begin_not_atomic_is_a_compound_statement_not_a_transaction() {
    let compound = shape(Dialect::Mariadb, "BEGIN NOT ATOMIC SELECT 1; END");
    assert_eq!(compound.kind, ShapeKind::Other("BEGIN".into()));
    assert_eq!(shape(Dialect::Mariadb, "BEGIN").kind, ShapeKind::Begin);
    assert_eq!(shape(Dialect::Mariadb, "BEGIN WORK").kind, ShapeKind::Begin);
}

#[test]
fn mysql_definer_is_skipped_before_the_kind() {
    let s = shape(
        Dialect::Mysql,
        "CREATE DEFINER=`root`@`%` VIEW v AS SELECT 1",
    );
    assert_eq!(s.kind, ShapeKind::Create(ObjectKind::View));
    assert_eq!(s.object().unwrap().base(), "v");
}

#[test]
fn a_column_named_key_is_renamed_as_a_column() {
    let s = pg("ALTER TABLE sends RENAME COLUMN key TO akey");
    assert_eq!(s.actions[0].kind, AlterActionKind::Rename);
    assert_eq!(
        s.actions[0].name.as_ref().map(|n| n.text.as_str()),
        Some("key")
    );
}

#[test]
fn mysql_rename_without_to_renames_the_table() {
    let s = shape(Dialect::Mariadb, "ALTER TABLE totp\n    RENAME _bkp_totp");
    assert_eq!(s.actions[0].kind, AlterActionKind::Rename);
    assert!(s.actions[0].name.is_none());
    // PostgreSQL's column rename without COLUMN keeps its column.
    let s = pg("ALTER TABLE t RENAME a TO b");
    assert_eq!(s.actions[0].name.as_ref().map(|n| n.base()), Some("a"));
}

#[test]
fn a_table_element_starts_a_column_unless_a_constraint_index_like_or_period_keyword_leads_it() {
    let non_column = |dialect: Dialect, element: &str| {
        starts_non_column(&lex(dialect, element, 0..element.len()).tokens, dialect)
    };
    for element in [
        "CONSTRAINT c CHECK (a > 0)",
        "PRIMARY KEY (a)",
        "UNIQUE (a, b)",
        "CHECK (a > 0)",
        "FOREIGN KEY (a) REFERENCES p",
        "EXCLUDE USING gist (r WITH &&)",
        "LIKE other INCLUDING ALL",
    ] {
        for dialect in [Dialect::Postgres, Dialect::Sqlite, Dialect::Mysql] {
            assert!(non_column(dialect, element), "{dialect}: {element}");
        }
    }
    for element in [
        "KEY k_a (a)",
        "KEY (a)",
        "INDEX i USING BTREE (a, b)",
        "KEY k ((a + 1))",
        "key `k` (`a`(10))",
        "FULLTEXT KEY ft (body)",
        "FULLTEXT (body)",
        "SPATIAL INDEX sp (g)",
        "PERIOD FOR SYSTEM_TIME (s, e)",
        // MySQL's types take no word: a word in the parentheses is a column of the index.
        "key geometry(Point)",
        "INDEX geography(Point)",
    ] {
        for dialect in [Dialect::Mariadb, Dialect::Mysql] {
            assert!(non_column(dialect, element), "{dialect}: {element}");
        }
    }
    // No index or period follows these words: each names a column, in every dialect.
    for element in [
        "key text PRIMARY KEY",
        "key varchar(10)",
        "index int",
        "key numeric(10, 2) NOT NULL",
        "fulltext tsvector",
        "period tstzrange",
        "id int",
        // A type's arguments, not a list of columns: a number or a string is never a column.
        "key geometry(Point, 4326)",
        "index geography(Point, 4326) NOT NULL",
        "key enum('a', 'b')",
    ] {
        for dialect in [
            Dialect::Postgres,
            Dialect::Sqlite,
            Dialect::Mysql,
            Dialect::Mariadb,
        ] {
            assert!(!non_column(dialect, element), "{dialect}: {element}");
        }
    }
    // PostgreSQL and SQLite have no index among a table's elements: a word in a type's
    // parentheses is PostGIS's `geometry(Point)`, an index's shape a column's name and type.
    for element in [
        "key geometry(Point)",
        "key geometry(Point) NOT NULL",
        "index geography(Point)",
        "key my_type(word)",
        "spatial geometry(Polygon)",
        "fulltext tsv(english)",
        "KEY k_a (a)",
    ] {
        for dialect in [Dialect::Postgres, Dialect::Sqlite] {
            assert!(!non_column(dialect, element), "{dialect}: {element}");
        }
    }
}

#[test]
fn alter_table_add_key_adds_a_column_unless_a_list_of_columns_follows() {
    // PostgreSQL reserves none of `key`, `index`, `fulltext`, `spatial`: each adds a column.
    let sql = "ALTER TABLE t ADD key char(2), ADD index int, ADD fulltext text, ADD spatial int";
    let s = pg(sql);
    let read: Vec<_> = s
        .actions
        .iter()
        .map(|a| (a.kind, a.name.as_ref().map(|n| n.base().to_string())))
        .collect();
    let column = |n: &str| (AlterActionKind::AddColumn, Some(n.to_string()));
    assert_eq!(
        read,
        [
            column("key"),
            column("index"),
            column("fulltext"),
            column("spatial")
        ]
    );
    let guard = s.actions[0].guard.unwrap();
    assert!(!guard.present);
    assert_eq!(guard.insert_at, "ALTER TABLE t ADD".len());
    // MySQL's and MariaDB's index forms stay indexes.
    for (sql, name, guarded) in [
        (
            "ALTER TABLE t ADD INDEX IF NOT EXISTS i (a)",
            Some("i"),
            true,
        ),
        ("ALTER TABLE t ADD KEY k (a)", Some("k"), false),
        ("ALTER TABLE t ADD KEY `k` (`a`(10), b)", Some("k"), false),
        ("ALTER TABLE t ADD INDEX (a)", None, false),
        (
            "ALTER TABLE t ADD FULLTEXT INDEX ft (body)",
            Some("ft"),
            false,
        ),
        (
            "ALTER TABLE t ADD SPATIAL KEY IF NOT EXISTS sp (g)",
            Some("sp"),
            true,
        ),
        (
            "ALTER TABLE t ADD INDEX i2 USING BTREE (a)",
            Some("i2"),
            false,
        ),
        ("ALTER TABLE t ADD KEY k ((a + 1))", Some("k"), false),
    ] {
        let s = shape(Dialect::Mariadb, sql);
        let action = &s.actions[0];
        assert_eq!(action.kind, AlterActionKind::AddIndex, "{sql}");
        assert_eq!(action.name.as_ref().map(|n| n.base()), name, "{sql}");
        assert_eq!(action.guard.unwrap().present, guarded, "{sql}");
    }
    let s = shape(Dialect::Mariadb, "ALTER TABLE t ADD UNIQUE KEY u (a)");
    assert_eq!(s.actions[0].kind, AlterActionKind::AddConstraint);
    assert_eq!(s.actions[0].name.as_ref().map(|n| n.base()), Some("u"));
    // PostgreSQL and SQLite add no index in ALTER TABLE: a word in the parentheses is a type's
    // modifier (PostGIS's `geometry(Point)`), MariaDB's index `geometry` on `Point` there.
    let sql = "ALTER TABLE t ADD key geometry(Point)";
    for dialect in [Dialect::Postgres, Dialect::Sqlite] {
        let s = shape(dialect, sql);
        assert_eq!(s.actions[0].kind, AlterActionKind::AddColumn, "{dialect}");
        assert_eq!(s.actions[0].name.as_ref().map(|n| n.base()), Some("key"));
    }
    let s = shape(Dialect::Mariadb, sql);
    assert_eq!(s.actions[0].kind, AlterActionKind::AddIndex);
    assert_eq!(
        s.actions[0].name.as_ref().map(|n| n.base()),
        Some("geometry")
    );
}

#[test]
fn mariadb_periods_and_system_versioning_are_no_columns() {
    let sql = "ALTER TABLE t ADD PERIOD FOR p (s, e), ADD PERIOD IF NOT EXISTS FOR `q` (s, e), \
               DROP PERIOD FOR p, DROP PERIOD IF EXISTS FOR SYSTEM_TIME, \
               ADD SYSTEM VERSIONING, DROP SYSTEM VERSIONING";
    let s = shape(Dialect::Mariadb, sql);
    let read: Vec<_> = s
        .actions
        .iter()
        .map(|a| {
            let guard = a.guard.map(|g| (&sql[..g.insert_at], g.present));
            let name = a.name.as_ref().map(|n| n.base().to_string());
            (
                a.kind,
                name,
                guard.map(|(before, present)| (before.len(), present)),
            )
        })
        .collect();
    let at = |before: &str| before.len();
    assert_eq!(
        read,
        [
            (
                AlterActionKind::AddPeriod,
                Some("p".to_string()),
                Some((at("ALTER TABLE t ADD PERIOD"), false))
            ),
            (
                AlterActionKind::AddPeriod,
                Some("q".to_string()),
                Some((
                    at("ALTER TABLE t ADD PERIOD FOR p (s, e), ADD PERIOD"),
                    true
                ))
            ),
            (
                AlterActionKind::DropPeriod,
                Some("p".to_string()),
                Some((
                    sql.find("DROP PERIOD FOR").unwrap() + "DROP PERIOD".len(),
                    false
                ))
            ),
            (
                AlterActionKind::DropPeriod,
                Some("system_time".to_string()),
                Some((
                    sql.find("DROP PERIOD IF").unwrap() + "DROP PERIOD".len(),
                    true
                ))
            ),
            (AlterActionKind::AddSystemVersioning, None, None),
            (AlterActionKind::DropSystemVersioning, None, None),
        ]
    );
    assert_eq!(&sql[s.actions[0].head.clone()], "ADD PERIOD");
    // PostgreSQL reserves neither `period` nor `system`: without `FOR` (or with more than
    // `system versioning`), each is a column.
    let sql = "ALTER TABLE t ADD period int, ADD system text, DROP period, DROP system";
    let kinds: Vec<_> = pg(sql)
        .actions
        .iter()
        .map(|a| (a.kind, a.name.as_ref().map(|n| n.base().to_string())))
        .collect();
    let column = |kind, n: &str| (kind, Some(n.to_string()));
    assert_eq!(
        kinds,
        [
            column(AlterActionKind::AddColumn, "period"),
            column(AlterActionKind::AddColumn, "system"),
            column(AlterActionKind::DropColumn, "period"),
            column(AlterActionKind::DropColumn, "system"),
        ]
    );
}

#[test]
fn may_rename_is_a_rename_or_an_alter_table() {
    let renames = [
        pg("ALTER INDEX i RENAME TO j"),
        pg("ALTER TABLE t RENAME COLUMN a TO b"),
        pg("ALTER TABLE t ADD COLUMN c int"),
        shape(Dialect::Mysql, "RENAME TABLE a TO b"),
    ];
    for s in renames {
        assert!(s.kind.may_rename(), "{:?}", s.kind);
    }
    let others = [
        pg("CREATE TABLE t (a int)"),
        pg("DROP TABLE t"),
        pg("ALTER TYPE e ADD VALUE 'x'"),
        pg("ALTER SEQUENCE s RESTART"),
        pg("INSERT INTO t VALUES (1)"),
    ];
    for s in others {
        assert!(!s.kind.may_rename(), "{:?}", s.kind);
    }
}
