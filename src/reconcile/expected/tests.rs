//! Replay tests: which objects the migrations leave, and which migration owns each.

use super::*;
use crate::source::SourceFile;
use crate::sql::{parse_source, Dialect};

fn replay_texts(texts: &[&str]) -> Expected {
    replay_on(texts, Engine::Postgres)
}

fn replay_on(texts: &[&str], engine: Engine) -> Expected {
    let dialect = match engine {
        Engine::Postgres => Dialect::Postgres,
        Engine::MySql => Dialect::Mysql,
        Engine::MariaDb => Dialect::Mariadb,
    };
    let parsed: Vec<ParsedFile> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| parse_source(&SourceFile::new(format!("{i}.sql"), *t), dialect))
        .collect();
    let migrations: Vec<Migration<'_>> = parsed
        .iter()
        .map(|p| Migration {
            parsed: p,
            up: crate::layout::UpPart::whole(p.source.text.len()),
        })
        .collect();
    replay(&migrations, engine, "public")
}

/// The id a report prints as `printed`: `table.name` for objects that live on a table.
fn id(kind: ObjectKind, printed: &str) -> ObjectId {
    match (kind, printed.split_once('.')) {
        (
            ObjectKind::Column
            | ObjectKind::Index
            | ObjectKind::Constraint
            | ObjectKind::Trigger
            | ObjectKind::Policy,
            Some((table, name)),
        ) => ObjectId::on_table(kind, table, name),
        _ => ObjectId::new(kind, printed),
    }
}

fn owner(e: &Expected, kind: ObjectKind, printed: &str) -> Option<usize> {
    e.owners.get(&id(kind, printed)).map(|o| o.migration)
}

#[test]
fn objects_belong_to_the_last_migration_that_touched_them() {
    let e = replay_texts(&[
        "CREATE TABLE a (id SERIAL PRIMARY KEY, name TEXT);",
        "ALTER TABLE a ADD COLUMN email VARCHAR(10) UNIQUE; ALTER TABLE a ALTER COLUMN name SET NOT NULL;",
        "CREATE TABLE gone (id int); CREATE INDEX ON a (email);",
        "DROP TABLE gone;",
    ]);
    assert_eq!(owner(&e, ObjectKind::Table, "a"), Some(0));
    assert_eq!(owner(&e, ObjectKind::Column, "a.id"), Some(0));
    assert_eq!(owner(&e, ObjectKind::Sequence, "a_id_seq"), Some(0));
    assert_eq!(owner(&e, ObjectKind::Index, "a.a_pkey"), Some(0));
    assert_eq!(owner(&e, ObjectKind::Column, "a.name"), Some(1));
    assert_eq!(owner(&e, ObjectKind::Constraint, "a.a_email_key"), Some(1));
    assert_eq!(owner(&e, ObjectKind::Index, "a.a_email_idx"), Some(2));
    // Created in 2, dropped in 3: not expected, and not owned by 2.
    assert_eq!(owner(&e, ObjectKind::Table, "gone"), None);
    assert_eq!(
        e.dropped
            .get(&ObjectId::new(ObjectKind::Table, "gone"))
            .map(|o| o.migration),
        Some(3)
    );
    let name = e.schema.get(&id(ObjectKind::Column, "a.name")).unwrap();
    assert_eq!(name["nullable"], "no");
    assert_eq!(name["type"], "text");
}

#[test]
fn if_not_exists_on_an_existing_object_does_not_take_it_over() {
    let e = replay_texts(&[
        "CREATE TABLE a (id int);",
        "CREATE TABLE IF NOT EXISTS a (id int, other int);",
    ]);
    assert_eq!(owner(&e, ObjectKind::Table, "a"), Some(0));
    assert!(!e.schema.contains(&id(ObjectKind::Column, "a.other")));
}

#[test]
fn generated_names_follow_postgres_truncation() {
    let long = "a_table_name_that_is_quite_long_indeed_yes";
    let e = replay_texts(&[&format!(
        "CREATE TABLE {long} (an_equally_long_column_name_for_testing int UNIQUE); CREATE INDEX ON {long} (lower(x));"
    )]);
    // Names PostgreSQL 15 gives these (makeObjectName shortens the longer part first).
    let key = "a_table_name_that_is_quite_lo_an_equally_long_column_name_f_key";
    assert_eq!(key.len(), 63);
    assert!(
        e.schema
            .contains(&ObjectId::on_table(ObjectKind::Constraint, long, key)),
        "{:?}",
        e.schema.objects.keys().collect::<Vec<_>>()
    );
    assert!(e.schema.contains(&ObjectId::on_table(
        ObjectKind::Index,
        long,
        &format!("{long}_lower_idx")
    )));
}

#[test]
fn statements_sqlparser_rejects_still_create_objects() {
    let e = replay_texts(&[
        "CREATE TABLE t (id int) WITH (fillfactor = 70) TABLESPACE fast;",
        "ALTER TABLE t ADD COLUMN c int, ALTER COLUMN id SET STATISTICS 100;",
    ]);
    assert_eq!(owner(&e, ObjectKind::Table, "t"), Some(0));
    assert_eq!(owner(&e, ObjectKind::Column, "t.c"), Some(1));
    // Only existence is known: the gap is reported, not hidden.
    assert!(e.migrations[0].opaque[0]
        .1
        .contains("only its existence is checked"));
}

#[test]
fn enum_labels_follow_alter_type() {
    let e = replay_texts(&[
        "CREATE TYPE mood AS ENUM ('sad', 'ok');",
        "ALTER TYPE mood ADD VALUE 'happy' AFTER 'ok'; ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok';",
    ]);
    let mood = e
        .schema
        .get(&ObjectId::new(ObjectKind::Enum, "mood"))
        .unwrap();
    assert_eq!(mood["labels"], "sad, meh, ok, happy");
    assert_eq!(owner(&e, ObjectKind::Enum, "mood"), Some(1));
}

#[test]
fn data_only_and_unparsable_statements_are_counted_not_guessed() {
    let e = replay_texts(&[
        "INSERT INTO a VALUES (1); UPDATE a SET x = 1;",
        "FROBNICATE the database;",
    ]);
    assert_eq!(e.migrations[0].data_statements, 2);
    assert!(e.migrations[0].opaque.is_empty());
    assert_eq!(
        e.migrations[1].opaque.len(),
        1,
        "{:?}",
        e.migrations[1].opaque
    );
}

#[test]
fn a_quoted_name_with_a_dot_is_not_a_table_qualified_name() {
    // An index named "b.c" on table a and an index c on table "a.b" both print `a.b.c`;
    // as flat strings they were one object, so dropping the table a took the other index.
    let e = replay_texts(&[
        r#"CREATE TABLE a (x int); CREATE TABLE "a.b" (x int);"#,
        r#"CREATE INDEX "b.c" ON a (x); CREATE INDEX c ON "a.b" (x);"#,
        "DROP TABLE a;",
    ]);
    let on_a = ObjectId::on_table(ObjectKind::Index, "a", "b.c");
    let on_ab = ObjectId::on_table(ObjectKind::Index, "a.b", "c");
    assert_eq!(on_a.to_string(), on_ab.to_string());
    assert_eq!(on_ab.to_string(), "index a.b.c");
    assert_ne!(on_a, on_ab);
    assert!(!e.schema.contains(&on_a));
    assert_eq!(owner(&e, ObjectKind::Table, "a.b"), Some(0));
    assert_eq!(e.owners.get(&on_ab).map(|o| o.migration), Some(1));
    assert!(e
        .schema
        .contains(&ObjectId::on_table(ObjectKind::Column, "a.b", "x")));
}

/// The foreign keys and indexes of `table` the replay expects, as `name columns`.
fn keys_and_indexes(e: &Expected, table: &str) -> (Vec<String>, Vec<String>) {
    let on = |kind: ObjectKind| -> Vec<String> {
        e.schema
            .objects
            .iter()
            .filter(|(id, _)| id.kind == kind && id.table.as_deref() == Some(table))
            .filter(|(_, a)| {
                kind == ObjectKind::Index
                    || a.get("kind").map(String::as_str) == Some("foreign key")
            })
            .map(|(id, a)| {
                format!(
                    "{} {}",
                    id.name,
                    a.get("columns").cloned().unwrap_or_default()
                )
                .trim()
                .to_string()
            })
            .collect()
    };
    (on(ObjectKind::Constraint), on(ObjectKind::Index))
}

/// MySQL 8.0.16+ names `FOREIGN KEY idx (a)` `<table>_ibfk_<n>` and only its index `idx`
/// (reference manual, "FOREIGN KEY Constraints", Identifiers); MariaDB names both `idx`.
#[test]
fn a_foreign_keys_index_name_names_its_index_and_on_mariadb_the_key() {
    let sql = "CREATE TABLE p (id INT PRIMARY KEY); CREATE TABLE v (a INT, FOREIGN KEY fk_idx (a) REFERENCES p (id));";
    let mysql = replay_on(&[sql], Engine::MySql);
    assert_eq!(
        keys_and_indexes(&mysql, "v"),
        (vec!["v_ibfk_1".to_string()], vec!["fk_idx a".to_string()])
    );
    let mariadb = replay_on(&[sql], Engine::MariaDb);
    assert_eq!(
        keys_and_indexes(&mariadb, "v"),
        (vec!["fk_idx".to_string()], vec!["fk_idx a".to_string()])
    );
}

/// MySQL 8 numbers unnamed keys as MariaDB does (`get_fk_max_generated_name_number` in
/// sql_table.cc): CREATE TABLE from 1, ALTER TABLE after the highest `<table>_ibfk_<n>`.
#[test]
fn mysql_numbers_unnamed_foreign_keys_after_the_highest_existing_number() {
    for engine in [Engine::MySql, Engine::MariaDb] {
        let e = replay_on(
            &[
                "CREATE TABLE p (id INT PRIMARY KEY);
CREATE TABLE t (a INT, b INT, c INT, CONSTRAINT t_ibfk_5 FOREIGN KEY (a) REFERENCES p (id), FOREIGN KEY (b) REFERENCES p (id));",
                "ALTER TABLE t ADD FOREIGN KEY (c) REFERENCES p (id);
ALTER TABLE t DROP FOREIGN KEY t_ibfk_5, DROP FOREIGN KEY t_ibfk_6;
ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES p (id);",
            ],
            engine,
        );
        let (keys, _) = keys_and_indexes(&e, "t");
        assert_eq!(keys, ["t_ibfk_1", "t_ibfk_2"], "{engine:?}");
        // The key added after t_ibfk_5 was t_ibfk_6.
        let sixth = ObjectId::on_table(ObjectKind::Constraint, "t", "t_ibfk_6");
        assert!(e.dropped.contains_key(&sixth), "{engine:?}");
    }
}

fn functions(e: &Expected) -> Vec<String> {
    e.schema
        .objects
        .keys()
        .filter(|id| id.kind == ObjectKind::Function)
        .map(|id| id.name.clone())
        .collect()
}

#[test]
fn postgres_procedures_are_keyed_by_their_input_types_and_dropped_and_renamed() {
    let e = replay_texts(&[
        "CREATE PROCEDURE p() AS $$ BEGIN PERFORM 1; END $$ LANGUAGE plpgsql;",
        "CREATE OR REPLACE PROCEDURE q(a integer) LANGUAGE plpgsql AS $$ BEGIN PERFORM 1; END $$;",
        "CREATE PROCEDURE r() BEGIN ATOMIC SELECT 1; END;",
        "CREATE PROCEDURE s(IN a text, OUT b integer, INOUT c varchar(3)) LANGUAGE sql AS $$ SELECT 1, 'x' $$;",
        "CREATE PROCEDURE t(IN a text, OUT b integer) LANGUAGE sql AS $$ SELECT 1 $$;",
        "CREATE PROCEDURE ty(a int4[], b timestamptz, c numeric(10,2), d timestamp(3) with time zone, e float8, f char(2), j varchar(3)[], k bigint DEFAULT 1, l text = 'x') LANGUAGE sql AS $$ SELECT 1 $$;",
        "CREATE PROCEDURE other.op(a int) LANGUAGE sql AS $$ SELECT 1 $$;",
        // By its input types, and (PostgreSQL 14+) by its whole list, OUT arguments included.
        "DROP PROCEDURE IF EXISTS s(text, varchar);",
        "DROP PROCEDURE t(text, integer);",
        "ALTER PROCEDURE q(integer) RENAME TO q2;",
        "DROP PROCEDURE p;",
    ]);
    for m in &e.migrations {
        assert!(m.opaque.is_empty(), "{:?}", m.opaque);
    }
    assert_eq!(
        functions(&e),
        [
            "q2(integer)",
            "r()",
            "ty(integer[], timestamp with time zone, numeric, timestamp with time zone, \
             double precision, character, character varying[], bigint, text)",
        ]
    );
    assert_eq!(owner(&e, ObjectKind::Function, "q2(integer)"), Some(9));
    assert_eq!(
        e.dropped
            .get(&ObjectId::new(ObjectKind::Function, "q(integer)"))
            .map(|o| o.migration),
        Some(9)
    );
}

#[test]
fn postgres_function_arguments_drop_their_modifiers_and_renames_follow() {
    let e = replay_texts(&[
        "CREATE FUNCTION f(a varchar(3), b numeric(4,1)) RETURNS int LANGUAGE sql AS 'SELECT 1';",
        "CREATE FUNCTION sf(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT a + 1; END;",
        "ALTER FUNCTION sf(int) RENAME TO sf2; ALTER FUNCTION sf2 SET SCHEMA elsewhere;",
        "CREATE FUNCTION g(a int) RETURNS int LANGUAGE sql AS 'SELECT 1'; ALTER FUNCTION g RENAME TO h;",
    ]);
    for m in &e.migrations {
        assert!(m.opaque.is_empty(), "{:?}", m.opaque);
    }
    assert_eq!(
        functions(&e),
        ["f(character varying, numeric)", "h(integer)"]
    );
    assert!(e
        .dropped
        .contains_key(&ObjectId::new(ObjectKind::Function, "sf2(integer)")));
}

#[test]
fn calling_a_postgres_procedure_that_runs_execute_runs_dynamic_sql() {
    let e = replay_texts(&[
        "CREATE PROCEDURE dyn() LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'CREATE TABLE x ()'; END $$;",
        "CALL dyn();",
        "CREATE OR REPLACE PROCEDURE dyn() LANGUAGE plpgsql AS $$ BEGIN PERFORM 1; END $$; CALL dyn();",
        "CREATE PROCEDURE dyn2() LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'CREATE TABLE y ()'; END $$;
         ALTER PROCEDURE dyn2 RENAME TO renamed; CALL renamed();",
    ]);
    assert_eq!(functions(&e), ["dyn()", "renamed()"]);
    assert_eq!(e.migrations[1].dynamic.len(), 1, "{:?}", e.migrations[1]);
    assert!(e.migrations[2].dynamic.is_empty(), "{:?}", e.migrations[2]);
    assert_eq!(e.migrations[3].dynamic.len(), 1, "{:?}", e.migrations[3]);
}
#[test]
fn postgres_alter_and_drop_routine_act_on_functions_and_procedures() {
    let e = replay_texts(&[
        "CREATE PROCEDURE p(a int, OUT b int) LANGUAGE sql AS $$ SELECT 1 $$;
         CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';
         CREATE FUNCTION g(a text) RETURNS int LANGUAGE sql AS 'SELECT 1';",
        "ALTER ROUTINE p(int, int) RENAME TO p2; DROP ROUTINE f();",
        "DROP ROUTINE IF EXISTS g;",
    ]);
    for m in &e.migrations {
        assert!(m.opaque.is_empty(), "{:?}", m.opaque);
    }
    assert_eq!(functions(&e), ["p2(integer)"]);
    assert_eq!(owner(&e, ObjectKind::Function, "p2(integer)"), Some(1));
}

#[test]
fn an_unqualified_routine_argument_type_resolves_through_the_search_path() {
    let parsed = parse_source(
        &SourceFile::new(
            "0.sql",
            "CREATE TYPE mine AS ENUM ('a');
CREATE FUNCTION f(a mood, b mood[], c mine, d other.mood, e public.mine, f int) RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE PROCEDURE p(a citext) LANGUAGE sql AS $$ SELECT 1 $$;",
        ),
        Dialect::Postgres,
    );
    let migrations = [Migration {
        parsed: &parsed,
        up: crate::layout::UpPart::whole(parsed.source.text.len()),
    }];
    let visible = BTreeMap::from([
        ("mood".to_string(), "extensions".to_string()),
        ("citext".to_string(), "extensions".to_string()),
    ]);
    let e = replay_resolving(&migrations, Engine::Postgres, "public", false, visible);
    let routines: Vec<&str> = e
        .schema
        .objects
        .keys()
        .filter(|id| id.kind == ObjectKind::Function)
        .map(|id| id.name.as_str())
        .collect();
    assert_eq!(
        routines,
        [
            "f(extensions.mood, extensions.mood[], mine, other.mood, mine, integer)",
            "p(extensions.citext)"
        ]
    );
}
