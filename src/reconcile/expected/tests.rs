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
    let migrations: Vec<Migration<'_>> = parsed.iter().map(Migration::whole).collect();
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

/// A call of a procedure that runs `EXECUTE` runs the SQL it builds: evaluated (a literal
/// here), it is replayed; built from what preflight cannot evaluate, it is dynamic SQL.
#[test]
fn calling_a_postgres_procedure_that_runs_execute_runs_dynamic_sql() {
    let e = replay_texts(&[
        "CREATE PROCEDURE dyn() LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'CREATE TABLE x ()'; END $$;",
        "CALL dyn();",
        "CREATE OR REPLACE PROCEDURE dyn() LANGUAGE plpgsql AS $$ BEGIN PERFORM 1; END $$; CALL dyn();",
        "CREATE PROCEDURE dyn2() LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'CREATE TABLE y ()'; END $$;
         ALTER PROCEDURE dyn2 RENAME TO renamed; CALL renamed();",
        "CREATE PROCEDURE dyn3() LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'CREATE TABLE ' || current_user; END $$;
         CALL dyn3();",
    ]);
    assert_eq!(functions(&e), ["dyn()", "dyn3()", "renamed()"]);
    for table in ["x", "y"] {
        assert!(e.schema.contains(&id(ObjectKind::Table, table)), "{table}");
    }
    for m in &e.migrations[..4] {
        assert!(m.dynamic.is_empty(), "{m:?}");
        assert!(m.opaque.is_empty(), "{m:?}");
    }
    let m = &e.migrations[4];
    assert_eq!(m.dynamic.len(), 1, "{m:?}");
    assert!(
        m.opaque
            .iter()
            .any(|(_, r)| r.starts_with("calls dyn3, whose body runs SQL it builds at run time")),
        "{m:?}"
    );
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
    let migrations = [Migration::whole(&parsed)];
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

fn columns(e: &Expected, table: &str) -> Vec<String> {
    e.schema
        .objects
        .keys()
        .filter(|id| id.kind == ObjectKind::Column && id.table.as_deref() == Some(table))
        .map(|id| id.name.clone())
        .collect()
}

/// apache ranger's MySQL patches: a procedure whose body adds a column, an index and a table
/// behind catalog checks, called once and dropped. The call runs the body: what it makes
/// belongs to the migration (and the statement) that calls it, which is not unverifiable.
#[test]
fn a_call_replays_the_called_procedures_body_on_mariadb() {
    let call = "call add_zone();";
    let text = format!(
        "drop procedure if exists add_zone;
delimiter ;;
create procedure add_zone() begin
  if not exists (select * from information_schema.columns where table_schema=database() and table_name='x_policy' and column_name='zone') then
    ALTER TABLE x_policy ADD COLUMN zone BIGINT NULL;
  end if;
  if not exists (select * from information_schema.statistics where table_schema=database() and table_name='x_policy' and index_name='x_policy_idx_zone') then
    ALTER TABLE x_policy ADD INDEX x_policy_idx_zone(zone);
  end if;
  CREATE TABLE IF NOT EXISTS x_zone (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255));
end;;
delimiter ;
{call}
drop procedure if exists add_zone;"
    );
    let e = replay_on(
        &["CREATE TABLE x_policy (id BIGINT PRIMARY KEY);", &text],
        Engine::MariaDb,
    );
    assert_eq!(columns(&e, "x_policy"), ["id", "zone"]);
    assert_eq!(owner(&e, ObjectKind::Column, "x_policy.zone"), Some(1));
    assert_eq!(
        owner(&e, ObjectKind::Index, "x_policy.x_policy_idx_zone"),
        Some(1)
    );
    assert_eq!(owner(&e, ObjectKind::Table, "x_zone"), Some(1));
    assert_eq!(columns(&e, "x_zone"), ["id", "name"]);
    // On the statement that calls it, not on the body's lines.
    let at = text.find(call).unwrap();
    let zone = &e.owners[&id(ObjectKind::Column, "x_policy.zone")];
    assert_eq!(zone.statement, at..at + call.len());
    // Only the procedure's own creation, which sqlparser does not read, is partly modelled.
    let opaque = &e.migrations[1].opaque;
    assert!(
        opaque
            .iter()
            .all(|(_, r)| r.starts_with("function add_zone():")),
        "{opaque:?}"
    );
    assert!(e.migrations[1].dynamic.is_empty());
    assert!(functions(&e).is_empty(), "{:?}", functions(&e));
}

/// MySQL's `CALL p` without parentheses, qualified with the database, from another
/// procedure, and in a `WHILE … DO` loop and a labelled block.
#[test]
fn mysql_calls_without_parentheses_and_nested_calls_replay_bodies() {
    let e = replay_on(
        &[
            "CREATE TABLE t (id INT);
DELIMITER //
CREATE PROCEDURE leaf() BEGIN ALTER TABLE t ADD COLUMN a INT; END//
CREATE PROCEDURE mid() lbl: BEGIN DECLARE i INT DEFAULT 0; WHILE i < 1 DO CALL public.leaf; SET i = i + 1; END WHILE; END//
CREATE PROCEDURE single() ALTER TABLE t ADD COLUMN b INT//
DELIMITER ;",
            "CALL mid; CALL single();",
        ],
        Engine::MySql,
    );
    assert_eq!(columns(&e, "t"), ["a", "b", "id"]);
    assert_eq!(owner(&e, ObjectKind::Column, "t.a"), Some(1));
    assert!(e.migrations[1].opaque.is_empty(), "{:?}", e.migrations[1]);
}

/// PostgreSQL: `CALL p()` of a PL/pgSQL procedure, `SELECT f()` and a DO block's `PERFORM f()`
/// of functions, a LANGUAGE sql function, and a routine that calls another.
#[test]
fn postgres_calls_replay_procedure_and_function_bodies() {
    let e = replay_texts(&[
        "CREATE TABLE t (id int);
CREATE PROCEDURE p() LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'a') THEN
    ALTER TABLE t ADD COLUMN a int;
  END IF;
END $$;
CREATE FUNCTION f() RETURNS void AS $body$ BEGIN CREATE INDEX t_id_idx ON t (id); END $body$ LANGUAGE plpgsql;
CREATE FUNCTION g() RETURNS int LANGUAGE sql AS 'ALTER TABLE t ADD COLUMN c int; SELECT 1';
CREATE FUNCTION outer_f() RETURNS void AS $$ DECLARE x int; BEGIN x := g(); PERFORM public.h(); END $$ LANGUAGE plpgsql;
CREATE FUNCTION h() RETURNS void AS $$ BEGIN CREATE TABLE made_by_h (id int); END $$ LANGUAGE plpgsql;",
        "CALL p();",
        "SELECT f();",
        "DO $$ BEGIN PERFORM outer_f(); END $$;",
    ]);
    assert_eq!(columns(&e, "t"), ["a", "c", "id"]);
    assert_eq!(owner(&e, ObjectKind::Column, "t.a"), Some(1));
    assert_eq!(owner(&e, ObjectKind::Index, "t.t_id_idx"), Some(2));
    assert_eq!(owner(&e, ObjectKind::Column, "t.c"), Some(3));
    assert_eq!(owner(&e, ObjectKind::Table, "made_by_h"), Some(3));
    for m in &e.migrations[1..] {
        assert!(m.opaque.is_empty(), "{m:?}");
    }
}

/// The body a call runs is the routine's at the time of the call: a call before a
/// `CREATE OR REPLACE` runs the old body, one after it the new; a rename moves the body to the
/// new name; a routine created and never called changes nothing.
#[test]
fn a_call_runs_the_body_the_routine_has_at_the_time_of_the_call() {
    let e = replay_texts(&[
        "CREATE TABLE t (id int);
CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN ALTER TABLE t ADD COLUMN first_body int; END $$;
CREATE PROCEDURE never_called() LANGUAGE plpgsql AS $$ BEGIN CREATE TABLE never_made (id int); END $$;",
        "CALL p();",
        "CREATE OR REPLACE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN ALTER TABLE t ADD COLUMN second_body int; END $$;",
        "CALL p();",
        "ALTER PROCEDURE p() RENAME TO q; CALL q();",
    ]);
    assert_eq!(columns(&e, "t"), ["first_body", "id", "second_body"]);
    assert_eq!(owner(&e, ObjectKind::Column, "t.first_body"), Some(1));
    // Called again (as q) in 4: the column, added again by the retried body, is its last toucher.
    assert_eq!(owner(&e, ObjectKind::Column, "t.second_body"), Some(4));
    assert!(!e
        .schema
        .contains(&ObjectId::new(ObjectKind::Table, "never_made")));
    assert!(e.migrations[4].opaque.is_empty(), "{:?}", e.migrations[4]);
}

/// What cannot be replayed stays reported: a CALL of a routine no migration defines, of one
/// dropped before the call, a call of a function whose body is not SQL preflight reads, and
/// what the body does that is not modelled (named with the routine).
#[test]
fn calls_that_cannot_be_replayed_are_not_modelled() {
    let e = replay_texts(&[
        "CREATE TABLE t (id int);
CREATE PROCEDURE gone() LANGUAGE plpgsql AS $$ BEGIN ALTER TABLE t ADD COLUMN never int; END $$;
DROP PROCEDURE gone();
CREATE FUNCTION c_func() RETURNS int AS 'MODULE_PATHNAME', 'c_func' LANGUAGE c;
CREATE FUNCTION escaped() RETURNS int LANGUAGE sql AS 'SELECT ''x''::text; SELECT 1';
CREATE PROCEDURE odd() LANGUAGE plpgsql AS $$ BEGIN ALTER TABLE t ALTER COLUMN nope SET NOT NULL; END $$;",
        "CALL defined_elsewhere();",
        "CALL gone();",
        "SELECT c_func();",
        "SELECT escaped();",
        "CALL odd();",
    ]);
    assert_eq!(columns(&e, "t"), ["id"]);
    for (m, why) in [
        (1, "`CALL defined_elsewhere() …` is not modelled"),
        (2, "`CALL gone() …` is not modelled"),
        (3, "calls c_func, whose body is not SQL preflight can read"),
        (4, "calls escaped, whose body is not SQL preflight can read"),
        (5, "(in the body of odd, which this statement calls)"),
    ] {
        let opaque = &e.migrations[m].opaque;
        assert!(
            opaque.iter().any(|(_, r)| r.contains(why)),
            "{m}: {opaque:?}"
        );
    }
}

/// Routines calling each other end the walk, and a routine that calls itself runs its body once.
#[test]
fn recursive_calls_end() {
    let e = replay_texts(&[
        "CREATE TABLE t (id int);
CREATE FUNCTION a(n int) RETURNS void AS $$ BEGIN IF n > 0 THEN PERFORM b(n - 1); END IF; ALTER TABLE t ADD COLUMN IF NOT EXISTS from_a int; END $$ LANGUAGE plpgsql;
CREATE FUNCTION b(n int) RETURNS void AS $$ BEGIN PERFORM a(n); PERFORM b(n); ALTER TABLE t ADD COLUMN IF NOT EXISTS from_b int; END $$ LANGUAGE plpgsql;",
        "SELECT a(3);",
    ]);
    assert_eq!(columns(&e, "t"), ["from_a", "from_b", "id"]);
    assert!(e.migrations[1].opaque.is_empty(), "{:?}", e.migrations[1]);
}

/// A called body's static statements are replayed, and so is the SQL it builds from literals;
/// SQL it builds from what preflight cannot evaluate (a user variable set outside it) is
/// recorded as dynamic SQL, and the call stays not modelled for what that SQL does.
#[test]
fn a_called_body_that_runs_execute_is_replayed_and_its_dynamic_sql_still_reported() {
    let e = replay_on(
        &["CREATE TABLE t (id INT);
DELIMITER ;;
CREATE PROCEDURE p() BEGIN
  ALTER TABLE t ADD COLUMN a INT;
  SET @q = 'ALTER TABLE t ADD COLUMN b INT';
  PREPARE s FROM @q;
  EXECUTE s;
END;;
DELIMITER ;
CALL p();"],
        Engine::MariaDb,
    );
    assert_eq!(columns(&e, "t"), ["a", "b", "id"]);
    let m = &e.migrations[0];
    assert!(m.dynamic.is_empty(), "{m:?}");
    // Only the procedure's own creation, which sqlparser does not read, is partly modelled.
    assert!(
        m.opaque.iter().all(|(_, r)| r.starts_with("function p():")),
        "{m:?}"
    );

    let e = replay_on(
        &["CREATE TABLE t (id INT);
SET @col = 'b';
DELIMITER ;;
CREATE PROCEDURE p() BEGIN
  ALTER TABLE t ADD COLUMN a INT;
  SET @q = CONCAT('ALTER TABLE t ADD COLUMN ', @col, ' INT');
  PREPARE s FROM @q;
  EXECUTE s;
END;;
DELIMITER ;
CALL p();"],
        Engine::MariaDb,
    );
    assert_eq!(columns(&e, "t"), ["a", "id"]);
    let m = &e.migrations[0];
    assert_eq!(m.dynamic.len(), 1, "{m:?}");
    assert!(
        m.opaque
            .iter()
            .any(|(_, r)| r.starts_with("calls p, whose body runs SQL it builds at run time")),
        "{m:?}"
    );
}

/// SQL-standard bodies (`BEGIN ATOMIC … END`, `RETURN expression`) run the routines they call.
#[test]
fn sql_standard_bodies_run_the_routines_they_call() {
    let e = replay_texts(&[
        "CREATE TABLE t (id int);
CREATE FUNCTION ddl() RETURNS int AS $$ BEGIN ALTER TABLE t ADD COLUMN a int; RETURN 1; END $$ LANGUAGE plpgsql;
CREATE FUNCTION ret() RETURNS int LANGUAGE sql RETURN ddl() + 1;
CREATE PROCEDURE atomic() LANGUAGE sql BEGIN ATOMIC SELECT ret(); END;
CALL atomic();",
    ]);
    assert_eq!(columns(&e, "t"), ["a", "id"]);
    assert!(e.migrations[0].opaque.is_empty(), "{:?}", e.migrations[0]);
}

/// A statement behind a catalog check (a DO block's, a called body's) that creates what the
/// model already has is skipped, as the check skips it on the server; unguarded, the intent
/// is modelled as before.
#[test]
fn a_guarded_creation_of_what_exists_is_skipped() {
    let e = replay_texts(&[
        "CREATE TABLE t (id int, a varchar(10), CONSTRAINT t_a_key UNIQUE (a)); CREATE INDEX t_id_idx ON t (id);",
        "DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'a') THEN
    ALTER TABLE t ADD COLUMN a text;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 't_id_idx') THEN
    CREATE INDEX t_id_idx ON t (id, a);
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 't_a_key') THEN
    ALTER TABLE t ADD CONSTRAINT t_a_key UNIQUE (id);
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 't') THEN
    CREATE TABLE t (other int);
  END IF;
  ALTER TABLE t ADD COLUMN b int;
END $$;",
        "DO $$ BEGIN ALTER TABLE t ADD COLUMN a int; END $$;",
    ]);
    for (kind, printed) in [
        (ObjectKind::Table, "t"),
        (ObjectKind::Index, "t.t_id_idx"),
        (ObjectKind::Constraint, "t.t_a_key"),
    ] {
        assert_eq!(owner(&e, kind, printed), Some(0), "{printed}");
    }
    assert_eq!(owner(&e, ObjectKind::Column, "t.b"), Some(1));
    // Unguarded: the intent (the server would have failed).
    assert_eq!(owner(&e, ObjectKind::Column, "t.a"), Some(2));
    assert_eq!(
        e.schema.get(&id(ObjectKind::Column, "t.a")).unwrap()["type"],
        "integer"
    );
    let e = replay_on(
        &[
            "CREATE TABLE t (id INT, zone VARCHAR(10), KEY t_zone (zone));
DELIMITER ;;
CREATE PROCEDURE p() BEGIN
  IF NOT EXISTS (SELECT * FROM information_schema.columns WHERE table_name = 't' AND column_name = 'zone') THEN
    ALTER TABLE t ADD COLUMN zone BIGINT;
  END IF;
  IF NOT EXISTS (SELECT * FROM information_schema.statistics WHERE table_name = 't' AND index_name = 't_zone') THEN
    ALTER TABLE t ADD INDEX t_zone (id);
  END IF;
END;;
DELIMITER ;",
            "CALL p();",
        ],
        Engine::MariaDb,
    );
    assert_eq!(owner(&e, ObjectKind::Column, "t.zone"), Some(0));
    assert_eq!(owner(&e, ObjectKind::Index, "t.t_zone"), Some(0));
    assert_eq!(
        e.schema.get(&id(ObjectKind::Column, "t.zone")).unwrap()["type"],
        "varchar(10)"
    );
}

/// A call of a routine that only changes data is a data statement, as the data change would be
/// at top level: the migration whose only statement it is stays unverifiable.
#[test]
fn a_call_of_a_routine_changing_data_counts_as_data() {
    let e = replay_texts(&[
        "CREATE TABLE t (id int, flag boolean);
CREATE PROCEDURE fix() LANGUAGE plpgsql AS $$ BEGIN UPDATE t SET flag = true WHERE id > 0; DELETE FROM t WHERE flag IS NULL; END $$;",
        "CALL fix();",
    ]);
    assert_eq!(e.migrations[1].data_statements, 2, "{:?}", e.migrations[1]);
    assert!(e.migrations[1].opaque.is_empty());
}

/// A body that creates a trigger (`EXECUTE FUNCTION f()`) or grants EXECUTE runs no SQL it
/// builds: its call is replayed, with no dynamic SQL.
#[test]
fn execute_function_in_a_called_body_is_not_dynamic_sql() {
    let e = replay_texts(&[
        "CREATE TABLE t (id int);
CREATE FUNCTION touch() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql;
CREATE FUNCTION install() RETURNS void AS $$ BEGIN
  CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();
  GRANT EXECUTE ON FUNCTION touch() TO app;
END $$ LANGUAGE plpgsql;",
        "SELECT install();",
    ]);
    assert_eq!(owner(&e, ObjectKind::Trigger, "t.t_touch"), Some(1));
    let m = &e.migrations[1];
    assert!(m.dynamic.is_empty(), "{m:?}");
    assert!(m.opaque.is_empty(), "{m:?}");
}

/// MariaDB's anonymous compound statement runs its statements like a DO block (it was taken for
/// a transaction's BEGIN and its statements silently dropped), and the routines it calls.
#[test]
fn a_mariadb_begin_not_atomic_block_replays_its_statements() {
    let inner = "ALTER TABLE t ADD COLUMN a INT;";
    let text = format!(
        "CREATE TABLE t (id INT, b INT);
DELIMITER ;;
CREATE PROCEDURE p() BEGIN CREATE INDEX t_b ON t (b); END;;
lbl: BEGIN NOT ATOMIC
  IF NOT EXISTS (SELECT * FROM information_schema.columns WHERE table_name = 't' AND column_name = 'a') THEN
    {inner}
  END IF;
  IF NOT EXISTS (SELECT * FROM information_schema.columns WHERE table_name = 't' AND column_name = 'b') THEN
    ALTER TABLE t ADD COLUMN b VARCHAR(3);
  END IF;
  CALL p();
END lbl;;
BEGIN NOT ATOMIC SELECT 1; END;;
DELIMITER ;"
    );
    let e = replay_on(&[&text], Engine::MariaDb);
    assert_eq!(columns(&e, "t"), ["a", "b", "id"]);
    let at = text.find(inner).unwrap();
    let a = &e.owners[&id(ObjectKind::Column, "t.a")];
    assert_eq!(a.statement, at..at + inner.len());
    assert!(e.schema.contains(&id(ObjectKind::Index, "t.t_b")));
    assert_eq!(
        e.schema.get(&id(ObjectKind::Column, "t.b")).unwrap()["type"],
        "int"
    );
    // A block that runs nothing preflight reads is not modelled, as a DO block is.
    let opaque = &e.migrations[0].opaque;
    let blocks = opaque
        .iter()
        .filter(|(_, r)| r.starts_with("a BEGIN NOT ATOMIC block"));
    assert_eq!(blocks.count(), 1, "{opaque:?}");
}

/// authelia's MySQL pattern: a procedure that drops an index or a foreign key when the catalog
/// has it, through `PREPARE` of a statement built with `CONCAT` from its parameters, called
/// with literal arguments (again by a later migration). Non-literal arguments stay unknown.
#[test]
fn a_called_procedure_drops_what_its_prepared_statement_names() {
    let define = "CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT, p INT, KEY t_a (a), KEY t_b (b), CONSTRAINT t_p_fk FOREIGN KEY (p) REFERENCES t (id));
DELIMITER //
CREATE PROCEDURE PROC_DROP_INDEX(IN tableName VARCHAR(64), IN indexName VARCHAR(64))
BEGIN
    IF EXISTS (SELECT * FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = tableName AND INDEX_NAME = indexName) THEN
        SET @query = CONCAT('ALTER TABLE ', tableName, ' DROP INDEX ', indexName, ';');
        PREPARE stmt FROM @query;
        EXECUTE stmt;
        DEALLOCATE PREPARE stmt;
    END IF;
END//
CREATE PROCEDURE PROC_DROP_FOREIGN_KEY(IN tableName VARCHAR(64), IN constraintName VARCHAR(64))
BEGIN
    IF EXISTS (SELECT * FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = tableName AND CONSTRAINT_NAME = constraintName AND CONSTRAINT_TYPE = 'FOREIGN KEY') THEN
        SET @query = CONCAT('ALTER TABLE ', tableName, ' DROP FOREIGN KEY ', constraintName, ';');
        PREPARE stmt FROM @query;
        EXECUTE stmt;
        DEALLOCATE PREPARE stmt;
    END IF;
END//
DELIMITER ;
CALL PROC_DROP_INDEX('t', 't_a');
CALL PROC_DROP_FOREIGN_KEY('t', 't_p_fk');";
    let e = replay_on(
        &[
            define,
            "CALL PROC_DROP_INDEX('t', 't_a'); CALL PROC_DROP_INDEX(@tbl, 't_b');",
        ],
        Engine::MariaDb,
    );
    assert!(!e.schema.contains(&id(ObjectKind::Index, "t.t_a")));
    assert!(!e.schema.contains(&id(ObjectKind::Constraint, "t.t_p_fk")));
    assert!(e.schema.contains(&id(ObjectKind::Index, "t.t_b")));
    let m = &e.migrations[0];
    assert!(m.dynamic.is_empty(), "{m:?}");
    // Only the procedures' own creations, which sqlparser does not read, are partly modelled.
    assert!(
        m.opaque
            .iter()
            .all(|(_, r)| r.starts_with("function proc_drop_")),
        "{m:?}"
    );
    // Called again, with nothing left to drop; then with a table preflight cannot name.
    let m = &e.migrations[1];
    assert_eq!(m.dynamic.len(), 1, "{m:?}");
    assert!(m.dynamic[0].1.contains("@tbl"), "{m:?}");
    let unknown: Vec<_> = m.opaque.iter().map(|(_, r)| r).collect();
    assert_eq!(unknown.len(), 1, "{unknown:?}");
    assert!(
        unknown[0].starts_with("calls proc_drop_index, whose body runs SQL it builds"),
        "{unknown:?}"
    );
}

/// The PostgreSQL counterpart: `EXECUTE format('… %I …', t, c)` in a function called with
/// literals adds the column it names; the dynamic SQL of a DO block (no parameters, a literal
/// concatenation) is replayed too.
#[test]
fn a_called_function_runs_the_format_it_executes() {
    let e = replay_texts(&[
        "CREATE TABLE t (id int);
CREATE FUNCTION add_col(t text, c text) RETURNS void AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = t AND column_name = c) THEN
    EXECUTE format('ALTER TABLE %I ADD COLUMN %I int', t, c);
  END IF;
END $$ LANGUAGE plpgsql;
SELECT add_col('t', 'a');
DO $$ BEGIN EXECUTE 'ALTER TABLE t ' || 'ADD COLUMN b int'; END $$;",
        "SELECT add_col('t', 'a'); SELECT add_col('t', lower('C'));",
    ]);
    assert_eq!(columns(&e, "t"), ["a", "b", "id"]);
    let m = &e.migrations[0];
    assert!(m.dynamic.is_empty(), "{m:?}");
    assert!(m.opaque.is_empty(), "{m:?}");
    // Guarded by the catalog check, the second call adds nothing; the third is unknown.
    let m = &e.migrations[1];
    assert_eq!(m.dynamic.len(), 1, "{m:?}");
    assert!(m.dynamic[0].1.contains("lower"), "{m:?}");
    assert_eq!(m.opaque.len(), 1, "{m:?}");
}

/// A top-level block's dynamic SQL has no parameters: literal concatenations are replayed
/// (under the block's catalog check), and what is built from anything else stays dynamic SQL,
/// not modelled.
#[test]
fn a_blocks_dynamic_sql_is_replayed_when_it_is_literal() {
    let e = replay_on(
        &["CREATE TABLE t (id INT);
DELIMITER ;;
BEGIN NOT ATOMIC
  IF NOT EXISTS (SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_NAME = 't' AND COLUMN_NAME = 'a') THEN
    EXECUTE IMMEDIATE CONCAT('ALTER TABLE t ', 'ADD COLUMN a INT');
  END IF;
  SET @q = CONCAT('CREATE INDEX t_a ', 'ON t (a)');
  PREPARE s FROM @q;
  EXECUTE s;
  DEALLOCATE PREPARE s;
END;;
DELIMITER ;",
            "DELIMITER ;;
BEGIN NOT ATOMIC
  EXECUTE IMMEDIATE CONCAT('ALTER TABLE t ADD COLUMN ', @c, ' INT');
END;;
DELIMITER ;"],
        Engine::MariaDb,
    );
    assert_eq!(columns(&e, "t"), ["a", "id"]);
    assert!(e.schema.contains(&id(ObjectKind::Index, "t.t_a")));
    let m = &e.migrations[0];
    assert!(m.dynamic.is_empty(), "{m:?}");
    assert!(m.opaque.is_empty(), "{m:?}");
    let m = &e.migrations[1];
    assert_eq!(m.dynamic.len(), 1, "{m:?}");
    assert_eq!(m.opaque.len(), 1, "{m:?}");
    assert!(m.opaque[0].1.contains("not modelled"), "{m:?}");

    let e = replay_texts(&[
        "CREATE TABLE t (id int);
DO $$ BEGIN EXECUTE 'ALTER TABLE t ' || 'ADD COLUMN a int'; END $$;",
        "DO $$ BEGIN EXECUTE 'ALTER TABLE t ADD COLUMN ' || current_user || ' int'; END $$;",
    ]);
    assert_eq!(columns(&e, "t"), ["a", "id"]);
    let m = &e.migrations[0];
    assert!(m.dynamic.is_empty() && m.opaque.is_empty(), "{m:?}");
    let m = &e.migrations[1];
    assert_eq!(m.dynamic.len(), 1, "{m:?}");
    assert_eq!(m.opaque.len(), 1, "{m:?}");
}

/// MySQL/MariaDB's top-level conditional DDL (vaultwarden's `sso_users_cascade`): a user
/// variable holds an `IF(<catalog check>, …)` choice (or `(SELECT IF(…))`, `CASE WHEN`, a plain
/// CONCAT text) that `PREPARE … EXECUTE` or `EXECUTE IMMEDIATE` runs. A branch that creates
/// only when the catalog lacks its object leaves the object there (an existing one untouched);
/// one that drops only when it exists leaves it gone; a plain text runs as written.
#[test]
fn top_level_conditional_ddl_in_user_variables_is_replayed() {
    let guarded = "SET @s = IF((SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't' AND COLUMN_NAME = 'c') > 0, 'SELECT 1', 'ALTER TABLE t ADD COLUMN c INT');
PREPARE stmt FROM @s; EXECUTE stmt; DEALLOCATE PREPARE stmt;
SET @d = (SELECT IF(EXISTS (SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_NAME = 't' AND INDEX_NAME = 't_old'), 'DROP INDEX t_old ON t', 'DO 0'));
PREPARE stmt FROM @d; EXECUTE stmt; DROP PREPARE stmt;
SET @tbl = 't', @q = CONCAT('CREATE INDEX t_c ON ', @tbl, ' (c)');
PREPARE stmt FROM @q; EXECUTE stmt;
SET @k = CASE WHEN (SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_NAME = 't' AND COLUMN_NAME = 'old') = 0 THEN 'SELECT 1' ELSE 'ALTER TABLE t DROP COLUMN old' END;
EXECUTE IMMEDIATE @k;";
    for engine in [Engine::MariaDb, Engine::MySql] {
        // (MySQL has no EXECUTE IMMEDIATE.)
        let guarded = match engine {
            Engine::MySql => {
                guarded.replace("EXECUTE IMMEDIATE @k;", "PREPARE s2 FROM @k;\nEXECUTE s2;")
            }
            _ => guarded.to_string(),
        };
        // Absent before: added; present before (another type): left as it was.
        for (before, c_type, c_owner) in [
            (
                "CREATE TABLE t (id INT, old INT, KEY t_old (old));",
                "int",
                1,
            ),
            (
                "CREATE TABLE t (id INT, old INT, c VARCHAR(5), KEY t_old (old));",
                "varchar(5)",
                0,
            ),
        ] {
            let e = replay_on(&[before, &guarded], engine);
            assert_eq!(columns(&e, "t"), ["c", "id"], "{before}");
            assert_eq!(
                e.schema.get(&id(ObjectKind::Column, "t.c")).unwrap()["type"],
                c_type
            );
            assert_eq!(owner(&e, ObjectKind::Column, "t.c"), Some(c_owner));
            assert!(!e.schema.contains(&id(ObjectKind::Index, "t.t_old")));
            assert_eq!(owner(&e, ObjectKind::Index, "t.t_c"), Some(1));
            let m = &e.migrations[1];
            assert!(m.dynamic.is_empty(), "{m:?}");
            assert!(m.opaque.is_empty(), "{m:?}");
            assert!(m.unread.is_empty(), "{m:?}");
            assert_eq!(m.data_statements, 0, "{m:?}");
        }
    }
}

/// What the replay cannot tell stays not modelled, with why: a variable set from a query of a
/// user table or never set, a choice on a condition that is no catalog check, or on a check of
/// another object than the one the branch changes, or between two changes (which one ran
/// depends on a state the model may not know).
#[test]
fn top_level_dynamic_sql_that_cannot_be_computed_stays_not_modelled() {
    let cases = [
        (
            "SET @s = (SELECT ddl FROM pending_ddl LIMIT 1);\nPREPARE stmt FROM @s;\nEXECUTE stmt;",
            "could not evaluate",
        ),
        ("EXECUTE IMMEDIATE @never_set;", "could not evaluate"),
        (
            "SET @s = IF(@flag = 1, 'ALTER TABLE t ADD COLUMN x INT', 'SELECT 1');\nPREPARE stmt FROM @s;\nEXECUTE stmt;",
            "not a catalog check",
        ),
        (
            "SET @s = IF((SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_NAME = 't' AND COLUMN_NAME = 'y') = 0, 'ALTER TABLE t ADD COLUMN x INT', 'SELECT 1');\nPREPARE stmt FROM @s;\nEXECUTE stmt;",
            "not a catalog check",
        ),
        (
            "SET @s = IF((SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_NAME = 't' AND COLUMN_NAME = 'id') > 0, 'ALTER TABLE t DROP COLUMN id', 'ALTER TABLE t ADD COLUMN id INT');\nPREPARE stmt FROM @s;\nEXECUTE stmt;",
            "depends on the state before",
        ),
    ];
    for (text, why) in cases {
        let e = replay_on(&["CREATE TABLE t (id INT);", text], Engine::MariaDb);
        assert_eq!(columns(&e, "t"), ["id"], "{text}");
        let m = &e.migrations[1];
        assert_eq!(m.dynamic.len(), 1, "{text}\n{m:?}");
        let line = text.lines().count();
        assert_eq!(
            text[..m.dynamic[0].0.start].lines().count() + 1,
            line,
            "{text}\n{m:?}"
        );
        assert_eq!(m.opaque.len(), 1, "{text}\n{m:?}");
        assert!(m.opaque[0].1.contains(why), "{text}\n{m:?}");
        assert!(m.opaque[0].1.contains("not modelled"), "{text}\n{m:?}");
        assert!(m.unread.is_empty(), "{text}\n{m:?}");
    }
}

#[test]
fn creating_the_compared_schema_or_public_is_not_an_object_of_it() {
    let parsed = parse_source(
        &SourceFile::new(
            "0.sql",
            "CREATE SCHEMA IF NOT EXISTS app; CREATE SCHEMA IF NOT EXISTS public; CREATE SCHEMA other;",
        ),
        Dialect::Postgres,
    );
    let e = replay(&[Migration::whole(&parsed)], Engine::Postgres, "app");
    let schemas: Vec<&str> = e
        .schema
        .objects
        .keys()
        .filter(|id| id.kind == ObjectKind::Schema)
        .map(|id| id.name.as_str())
        .collect();
    assert_eq!(schemas, ["other"]);
}

/// Replays `texts` on PostgreSQL comparing `schema`, each file run in a transaction when
/// `in_transaction`, with the server's schemas `schemas` (`None`: not read).
fn replay_in(
    texts: &[&str],
    schema: &str,
    in_transaction: bool,
    schemas: Option<&[&str]>,
) -> Expected {
    let parsed: Vec<ParsedFile> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| parse_source(&SourceFile::new(format!("{i}.sql"), *t), Dialect::Postgres))
        .collect();
    let migrations: Vec<Migration<'_>> = parsed
        .iter()
        .map(|p| Migration {
            in_transaction,
            ..Migration::whole(p)
        })
        .collect();
    let server = Server {
        schemas: schemas.map(|s| s.iter().map(|s| s.to_string()).collect()),
        user: Some("deploy".into()),
        ..Server::default()
    };
    super::replay_on(&migrations, Engine::Postgres, schema, false, server)
}

/// The objects but columns, as `Kind name`, sorted.
fn printed(e: &Expected) -> Vec<String> {
    let mut out: Vec<String> = e
        .schema
        .objects
        .keys()
        .filter(|id| id.kind != ObjectKind::Column)
        .map(|id| format!("{:?} {}", id.kind, id.qualified_name()))
        .collect();
    out.sort();
    out
}

#[test]
fn unqualified_objects_go_to_the_first_existing_schema_of_the_path_a_migration_sets() {
    let files = [
        "CREATE SCHEMA app;
SET search_path TO app, public;
CREATE TABLE t (id int PRIMARY KEY);
CREATE INDEX t_id ON t (id);
CREATE TYPE mood AS ENUM ('a');
CREATE FUNCTION f(m mood) RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION public.g(m mood) RETURNS int LANGUAGE sql AS 'SELECT 1';
RESET search_path;
CREATE TABLE u (id int);",
        // A new file starts with the connection's path.
        "CREATE TABLE v (id int);",
    ];
    let public = replay_in(&files, "public", false, None);
    assert_eq!(
        printed(&public),
        ["Function g(app.mood)", "Schema app", "Table u", "Table v"]
    );
    let app = replay_in(&files, "app", false, None);
    assert_eq!(
        printed(&app),
        [
            "Constraint t.t_pkey",
            "Enum mood",
            "Function f(mood)",
            "Index t.t_id",
            "Index t.t_pkey",
            "Table t",
            // The connection's own path is taken as the compared schema's.
            "Table u",
            "Table v"
        ]
    );
    // A schema the server does not have is passed over; `$user` is the connection's role.
    let path = ["SET search_path = \"$user\", missing, public; CREATE TABLE w (id int);"];
    assert_eq!(
        printed(&replay_in(&path, "public", false, Some(&["public"]))),
        ["Table w"]
    );
    let mine = replay_in(&path, "public", false, Some(&["public", "deploy"]));
    assert!(printed(&mine).is_empty(), "{:?}", printed(&mine));
    // pg_dump's empty path: an unqualified name has nowhere to go.
    let empty = ["SELECT pg_catalog.set_config('search_path', '', false);\nCREATE TABLE x (id int);\nCREATE TABLE public.y (id int);"];
    assert_eq!(
        printed(&replay_in(&empty, "public", false, None)),
        ["Table y"]
    );
}

#[test]
fn an_existing_object_is_found_in_the_first_schema_of_the_path_that_has_it() {
    let files = [
        "CREATE TABLE t (id int);",
        "CREATE SCHEMA app;
CREATE TABLE app.t (id int);
SET search_path TO app, public;
ALTER TABLE t ADD COLUMN app_only int;
SET search_path TO other, public;
ALTER TABLE t ADD COLUMN b int;
CREATE INDEX t_b ON t (b);
ALTER TABLE t RENAME TO t2;",
    ];
    let e = replay_in(&files, "public", false, None);
    assert_eq!(
        printed(&e),
        ["Index t2.t_b", "Schema app", "Table t2"],
        "{:?}",
        e.migrations
    );
    assert!(e.schema.objects.keys().all(|id| id.name != "app_only"));
}

#[test]
fn set_local_lasts_until_the_runners_transaction_ends() {
    let files = ["SET LOCAL search_path TO app; CREATE TABLE t (id int);"];
    // In the runner's transaction: `t` is app's.
    assert!(printed(&replay_in(&files, "public", true, None)).is_empty());
    // Statement by statement, SET LOCAL only warns.
    assert_eq!(
        printed(&replay_in(&files, "public", false, None)),
        ["Table t"]
    );
}

#[test]
fn statements_sqlparser_rejects_follow_the_path_too() {
    let files = ["SET search_path TO app;
CREATE TABLE t (id int) WITH (fillfactor = 70) TABLESPACE fast;
ALTER TABLE t ADD COLUMN c int, ALTER COLUMN id SET STATISTICS 100;
RESET search_path;
CREATE TABLE u (id int) WITH (fillfactor = 70) TABLESPACE fast;"];
    assert_eq!(
        printed(&replay_in(&files, "public", false, None)),
        ["Table u"]
    );
    let app: Vec<String> = replay_in(&files, "app", false, None)
        .schema
        .objects
        .keys()
        .map(|id| id.qualified_name())
        .collect();
    assert_eq!(app, ["t", "u", "t.c"], "{app:?}");
}
