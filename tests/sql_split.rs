//! The parsing core: statement boundaries, exact positions, directives, bodies and shapes.

mod common;

use preflight::source::SourceFile;
use preflight::sql::{parse_source, AlterActionKind, Dialect, ObjectKind, ShapeKind};

fn texts(sql: &str, dialect: Dialect) -> Vec<String> {
    let source = SourceFile::new("t.sql", sql);
    let parsed = parse_source(&source, dialect);
    parsed
        .statements
        .iter()
        .map(|s| s.text(&source).to_string())
        .collect()
}

#[test]
fn strings_comments_and_dollar_quotes_do_not_split() {
    let sql = "SELECT ';'; /* a; /* nested; */ b; */ SELECT 2;\nCREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\n-- trailing; comment\n";
    assert_eq!(
        texts(sql, Dialect::Postgres),
        [
            "SELECT ';';",
            "SELECT 2;",
            "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;"
        ]
    );
}

#[test]
fn psql_meta_commands_are_directives_not_statements() {
    let sql = "\\set ON_ERROR_STOP on\nCREATE TABLE a (x int);\n  \\connect other\nSELECT '\n\\not a directive';\n";
    let source = SourceFile::new("t.sql", sql);
    let parsed = parse_source(&source, Dialect::Postgres);
    let stmts: Vec<_> = parsed.statements.iter().map(|s| s.text(&source)).collect();
    assert_eq!(
        stmts,
        ["CREATE TABLE a (x int);", "SELECT '\n\\not a directive';"]
    );
    let directives: Vec<_> = parsed
        .directives
        .iter()
        .map(|d| &sql[d.range.clone()])
        .collect();
    assert_eq!(directives, ["\\set ON_ERROR_STOP on", "\\connect other"]);
}

#[test]
fn mysql_delimiter_blocks() {
    let sql = "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END //\nDELIMITER ;\nCREATE TABLE t (a int);\n";
    assert_eq!(
        texts(sql, Dialect::Mysql),
        [
            "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END //",
            "CREATE TABLE t (a int);"
        ]
    );
}

#[test]
fn routine_bodies_without_delimiters() {
    let pg = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END;\nSELECT 3;";
    assert_eq!(texts(pg, Dialect::Postgres).len(), 2);
    let sqlite = "CREATE TRIGGER tr AFTER INSERT ON a BEGIN UPDATE b SET x = 1; DELETE FROM c; END;\nSELECT 1;";
    let got = texts(sqlite, Dialect::Sqlite);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[0].ends_with("END;"));
    let mysql = "CREATE PROCEDURE p() BEGIN IF 1 THEN SELECT 1; END IF; LOOP SELECT 2; END LOOP; END;\nSELECT 3;";
    assert_eq!(texts(mysql, Dialect::Mysql).len(), 2);
}

#[test]
fn positions_are_exact_with_bom_crlf_and_non_ascii() {
    let sql = "\u{feff}-- é\r\nCREATE TABLE ünï (a int);\r\nCREATE INDEX i ON ünï (a);";
    let source = SourceFile::new("t.sql", sql);
    let parsed = parse_source(&source, Dialect::Postgres);
    assert_eq!(parsed.statements.len(), 2);
    let second = &parsed.statements[1];
    assert_eq!(second.range.start, sql.find("CREATE INDEX").unwrap());
    assert_eq!(source.line_col(second.range.start).line, 3);
    let name = second.shape.object().unwrap();
    assert_eq!(&sql[name.range.clone()], "i");
    let table = second.shape.table.as_ref().unwrap();
    assert_eq!(table.text, "ünï");
}

#[test]
fn unterminated_dollar_quote_keeps_the_statements_before_it() {
    let sql =
        "CREATE TABLE a (x int);\nCREATE FUNCTION f() AS $$ SELECT 1;\nCREATE TABLE b (y int);\n";
    let source = SourceFile::new("t.sql", sql);
    let parsed = parse_source(&source, Dialect::Postgres);
    let error = parsed.tokenize_error.as_ref().expect("an error");
    assert_eq!(source.line_col(error.offset).line, 2);
    assert_eq!(parsed.statements.len(), 2);
    assert_eq!(
        parsed.statements[0].text(&source),
        "CREATE TABLE a (x int);"
    );
    assert_eq!(
        parsed.statements[1].shape.kind,
        ShapeKind::Create(ObjectKind::Function)
    );
    assert_eq!(parsed.statements[1].range.end, sql.len());
}

#[test]
fn unterminated_comment_and_string_do_not_panic() {
    for sql in [
        "SELECT 1; /* never closed",
        "SELECT 'never closed",
        "",
        "\u{feff}",
        ";;;",
    ] {
        let source = SourceFile::new("t.sql", sql);
        let _ = parse_source(&source, Dialect::Postgres);
        let _ = parse_source(&source, Dialect::Mysql);
        let _ = parse_source(&source, Dialect::Sqlite);
    }
}

#[test]
fn shapes_find_guards_and_insertion_points() {
    let sql = "create unique index concurrently if not exists ix on s.t (a);\nALTER TABLE ONLY t ADD COLUMN IF NOT EXISTS a int, DROP CONSTRAINT c, ADD b text;\nDROP TABLE IF EXISTS a, b;";
    let source = SourceFile::new("t.sql", sql);
    let parsed = parse_source(&source, Dialect::Postgres);
    let index = &parsed.statements[0].shape;
    assert_eq!(index.kind, ShapeKind::Create(ObjectKind::Index));
    assert!(index.concurrently);
    assert!(index.guard.unwrap().present);
    assert_eq!(&sql[index.head.clone()], "create unique index concurrently");
    assert_eq!(index.table.as_ref().unwrap().parts, ["s", "t"]);
    let alter = &parsed.statements[1].shape;
    let kinds: Vec<_> = alter.actions.iter().map(|a| a.kind).collect();
    assert_eq!(
        kinds,
        [
            AlterActionKind::AddColumn,
            AlterActionKind::DropConstraint,
            AlterActionKind::AddColumn
        ]
    );
    assert!(alter.actions[0].guard.unwrap().present);
    let add_b = &alter.actions[2];
    assert!(!add_b.guard.unwrap().present);
    assert_eq!(
        &sql[..add_b.guard.unwrap().insert_at].rsplit(' ').next(),
        &Some("ADD")
    );
    let drop = &parsed.statements[2].shape;
    assert_eq!(drop.names.len(), 2);
}

#[test]
fn two_word_create_kinds_are_told_apart() {
    let kinds = |sql: &str, dialect: Dialect| -> Vec<ShapeKind> {
        let source = SourceFile::new("t.sql", sql);
        parse_source(&source, dialect)
            .statements
            .iter()
            .map(|s| s.shape.kind.clone())
            .collect()
    };
    assert_eq!(
        kinds(
            "CREATE AGGREGATE total(int) (SFUNC = int4pl, STYPE = int);\nCREATE EVENT TRIGGER e ON ddl_command_end EXECUTE FUNCTION f();\nCREATE FOREIGN TABLE f (id int) SERVER s;\nCREATE FOREIGN DATA WRAPPER w;\nCREATE OPERATOR CLASS c FOR TYPE int USING btree AS OPERATOR 1 <;\nCREATE OPERATOR === (LEFTARG = int, RIGHTARG = int, FUNCTION = int4eq);",
            Dialect::Postgres
        ),
        [
            ShapeKind::Create(ObjectKind::Aggregate),
            ShapeKind::Create(ObjectKind::EventTrigger),
            ShapeKind::Create(ObjectKind::ForeignTable),
            ShapeKind::Create(ObjectKind::Other),
            ShapeKind::Create(ObjectKind::Other),
            ShapeKind::Create(ObjectKind::Operator),
        ]
    );
    let sql = "CREATE AGGREGATE FUNCTION agg(x INT) RETURNS INT BEGIN RETURN 1; END;\nCREATE EVENT purge ON SCHEDULE EVERY 1 DAY DO DELETE FROM t;\nCREATE USER 'app'@'%';";
    assert_eq!(
        kinds(sql, Dialect::Mariadb),
        [
            ShapeKind::Create(ObjectKind::Function),
            ShapeKind::Create(ObjectKind::Event),
            ShapeKind::Create(ObjectKind::Role),
        ]
    );
    let source = SourceFile::new("t.sql", sql);
    let parsed = parse_source(&source, Dialect::Mariadb);
    assert_eq!(
        parsed.statements[2].shape.object().unwrap().text,
        "'app'@'%'"
    );
}

#[test]
fn do_blocks_are_analysed_and_guards_recognised() {
    let sql = "DO $$ BEGIN\n  CREATE TYPE mood AS ENUM ('a');\nEXCEPTION WHEN duplicate_object THEN null;\nEND $$;\nDO $x$ BEGIN CREATE TABLE t (a int); END $x$;";
    let source = SourceFile::new("t.sql", sql);
    let parsed = parse_source(&source, Dialect::Postgres);
    let guarded = &parsed.statements[0].nested;
    assert_eq!(guarded.len(), 1);
    assert_eq!(guarded[0].shape.kind, ShapeKind::Create(ObjectKind::Type));
    assert_eq!(guarded[0].text(&source), "CREATE TYPE mood AS ENUM ('a');");
    assert!(guarded[0].context.do_block.unwrap().guarded);
    let unguarded = &parsed.statements[1].nested;
    assert_eq!(unguarded[0].text(&source), "CREATE TABLE t (a int);");
    assert!(!unguarded[0].context.do_block.unwrap().guarded);
}

#[test]
fn transaction_context_is_tracked() {
    let sql = "BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nCOMMIT;\nCREATE INDEX CONCURRENTLY j ON t (a);";
    let source = SourceFile::new("t.sql", sql);
    let parsed = parse_source(&source, Dialect::Postgres);
    assert!(parsed.statements[1].context.in_transaction);
    assert!(!parsed.statements[3].context.in_transaction);
}

#[test]
fn mysql_custom_delimiter_ignores_the_delimiter_inside_strings() {
    let sql = "DELIMITER $$\nCREATE PROCEDURE p()\nBEGIN\n  SELECT '$$ is text';\nEND$$\nDELIMITER ;\nCREATE TABLE t (id int);\n";
    let got = texts(sql, Dialect::Mysql);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[0].starts_with("CREATE PROCEDURE p()") && got[0].ends_with("END$$"));
    assert_eq!(got[1], "CREATE TABLE t (id int);");
}

#[test]
fn mysql_hint_comments_are_checked_at_their_real_position() {
    let sql = "/*!50003 CREATE TABLE hinted (id int) */;";
    let source = SourceFile::new("t.sql", sql);
    let parsed = parse_source(&source, Dialect::Mysql);
    let shape = &parsed.statements[0].shape;
    assert_eq!(shape.kind, ShapeKind::Create(ObjectKind::Table));
    assert_eq!(shape.object().unwrap().text, "hinted");
    assert_eq!(&sql[shape.guard.unwrap().insert_at..][..8], " hinted ");
}

#[test]
fn catalog_checks_guard_only_their_own_branch() {
    let sql = "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN\n    CREATE TYPE mood AS ENUM ('a');\n  END IF;\n  CREATE TABLE after_the_if (id int);\nEND $$;";
    let source = SourceFile::new("t.sql", sql);
    let parsed = parse_source(&source, Dialect::Postgres);
    let nested = &parsed.statements[0].nested;
    assert_eq!(nested.len(), 2);
    assert!(nested[0].context.do_block.unwrap().guarded);
    assert!(!nested[1].context.do_block.unwrap().guarded);
}

mod plain_split {
    //! lint's first pass finds statement boundaries by a byte scan when the file is plain SQL:
    //! wherever the scan does not give up, its statements (range, terminator and tokens) are
    //! exactly the real splitter's.

    use super::common;
    use preflight::source::SourceFile;
    use preflight::sql::lexer::lex;
    use preflight::sql::plain_split::split_plain_each;
    use preflight::sql::split::split;
    use preflight::sql::Dialect;

    /// `Some(true)`: the scan kept going and agrees; `Some(false)`: it gave up (and what it
    /// found before agrees); panics on any disagreement.
    fn plain_agrees(sql: &str, dialect: Dialect) -> bool {
        let source = SourceFile::new("t.sql", sql);
        let text: &str = &source.text;
        let range = source.bom_len()..text.len();
        let full = split(&source, dialect, range.clone(), true);
        let mut found = Vec::new();
        let plain = split_plain_each(text, dialect, range, &mut |r, t| found.push((r, t)));
        let expected: Vec<_> = full.statements.iter().take(found.len()).collect();
        if plain {
            assert!(
                full.error.is_none(),
                "plain scan accepted a tokenize error: {sql:?}"
            );
            assert_eq!(found.len(), full.statements.len(), "{dialect:?} {sql:?}");
        }
        for ((range, terminator), raw) in found.iter().zip(expected) {
            assert_eq!(
                (range, terminator),
                (&raw.range, &raw.terminator),
                "{dialect:?} {sql:?}"
            );
            let end = terminator.as_ref().map_or(range.end, |t| t.start);
            let lexed = lex(dialect, text, range.start..end);
            assert!(lexed.error.is_none());
            assert_eq!(lexed.tokens, raw.tokens, "{dialect:?} {sql:?}");
        }
        plain
    }

    const ALL: [Dialect; 4] = [
        Dialect::Postgres,
        Dialect::Mysql,
        Dialect::Mariadb,
        Dialect::Sqlite,
    ];

    #[test]
    fn plain_sql_is_split_like_the_real_splitter() {
        for sql in [
            "CREATE TABLE t (a int);\nDROP TABLE u;",
            "\u{feff}SELECT 'a;b', \"x;\"\"y\" FROM t;;\n;DROP TABLE t ; ",
            "SELECT 'it''s; fine';ALTER TABLE t RENAME TO u;\n",
            "BEGIN;\nDROP TABLE a;\nCOMMIT;\n",
            "SELECT 1.5, .5, 1e3, a.b, x[1] FROM t WHERE a >= 2 % 3;",
        ] {
            for dialect in ALL {
                plain_agrees(sql, dialect);
            }
            assert!(plain_agrees(sql, Dialect::Postgres), "{sql:?}");
        }
        // A comment holding ';' and quotes is PostgreSQL's only plain comment.
        let commented = "-- a; 'b\nDROP TABLE t; -- c; \"d\nSELECT 1 -- e;\n";
        assert!(plain_agrees(commented, Dialect::Postgres));
        assert!(!plain_agrees(commented, Dialect::Mysql));
    }

    #[test]
    fn the_scan_gives_up_where_the_splitter_could_differ() {
        for (sql, dialect) in [
            // dollar quotes, nested ones included
            ("CREATE FUNCTION f() RETURNS int AS $a$ SELECT $b$;$b$; $a$ LANGUAGE sql; DROP TABLE t;", Dialect::Postgres),
            ("DO $$ BEGIN DROP TABLE t; END $$;", Dialect::Postgres),
            // escapes: E'' strings, MySQL backslashes
            ("SELECT E'\\';'; DROP TABLE t;", Dialect::Postgres),
            ("SELECT 'a\\';b'; DROP TABLE t;", Dialect::Mysql),
            ("SELECT `a;b` FROM t; DROP TABLE t;", Dialect::Mysql),
            ("SELECT 1 # c;\n; DROP TABLE t;", Dialect::Mysql),
            ("SELECT 1 --c;\nDROP TABLE t;", Dialect::Mariadb),
            // client directives
            ("DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END//\nDELIMITER ;\nDROP TABLE t;", Dialect::Mysql),
            ("\\set x 1\nDROP TABLE t;", Dialect::Postgres),
            // block comments (nested in PostgreSQL)
            ("/* a /* b; */ c; */ DROP TABLE t;", Dialect::Postgres),
            // routine bodies
            ("CREATE TRIGGER g AFTER INSERT ON t BEGIN DELETE FROM u; END;\nDROP TABLE t;", Dialect::Sqlite),
            ("CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; END;\nDROP TABLE t;", Dialect::Postgres),
            // unterminated literals
            ("DROP TABLE t;\nSELECT 'x;\n", Dialect::Postgres),
            ("DROP TABLE t;\nSELECT \"x;\n", Dialect::Sqlite),
            // tokenize errors and non-ASCII outside quotes
            ("SELECT ._a; DROP TABLE t;", Dialect::Postgres),
            ("SELECT café FROM t; DROP TABLE t;", Dialect::Postgres),
        ] {
            assert!(!plain_agrees(sql, dialect), "{dialect:?} {sql:?}");
        }
    }

    #[test]
    fn plain_scan_agrees_on_every_corpus_file() {
        let Some((root, manifest)) = common::corpus::manifest("plain split test") else {
            return;
        };
        let (mut plain, mut checked) = (0, 0);
        for line in manifest.lines().skip(1) {
            let mut cols = line.split('\t');
            let (Some(path), _, Some(dialect)) = (cols.next(), cols.next(), cols.next()) else {
                continue;
            };
            let Ok(text) = std::fs::read_to_string(root.join(path)) else {
                continue;
            };
            for dialect in ALL {
                plain += usize::from(plain_agrees(&text, dialect));
                checked += 1;
            }
            let _ = dialect;
        }
        assert!(checked > 4000, "only {checked} files checked");
        // Most real migrations are plain SQL: the comparison must not be vacuous.
        assert!(
            plain * 4 > checked,
            "only {plain} of {checked} scans were plain"
        );
        eprintln!("{plain} of {checked} (file, dialect) scans were plain and agree");
    }
}
