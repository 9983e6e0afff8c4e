use super::*;
use crate::source::SourceFile;
use crate::sql::{parse_source, Dialect};

/// Both passes over every statement, keeping every statement's proof.
fn replay(statements: &[Statement], model: ApplyModel) -> Sequence {
    let mut s = Sequence::new(model, Dialect::Postgres);
    for st in statements {
        s.look_ahead(st);
    }
    s.end_look_ahead();
    for st in statements {
        s.enter_keeping(st, true);
        s.passed(st);
    }
    s
}

/// [`replay`] with the first pass narrowed as lint narrows it on plain SQL: the removals
/// and views first, then only the creations that may bring back what they remove.
fn narrowed_replay(
    source: &SourceFile,
    statements: &[Statement],
    model: ApplyModel,
) -> (Sequence, usize) {
    let mut s = Sequence::new(model, Dialect::Postgres);
    let mut seen = 0;
    let mut creations = Vec::new();
    for st in statements {
        match role(st.text(source)) {
            Role::Removal | Role::Special => {
                s.look_ahead(st);
                seen += 1;
            }
            Role::Creation => creations.push(st),
            Role::Other => {}
        }
    }
    let removals = s.take_removals();
    for st in creations {
        if removals.may_bring_back(st.text(source)) {
            s.look_ahead(st);
            seen += 1;
        }
    }
    s.end_look_ahead();
    for st in statements {
        s.enter_keeping(st, true);
        s.passed(st);
    }
    (s, seen)
}

#[test]
fn a_removed_name_is_found_among_the_words_of_a_creation() {
    let sql = "DROP TABLE old_1; ALTER TABLE t DROP COLUMN legacy; \
               ALTER TABLE u RENAME CONSTRAINT c TO d; DROP INDEX \"Idx\";";
    let parsed = parse_source(&SourceFile::new("m.sql", sql), Dialect::Postgres);
    let mut removals = Removals::default();
    parsed.statements.iter().for_each(|st| removals.add(st));
    assert!(!removals.any);
    for (text, expected) in [
        ("CREATE TABLE OLD_1 (a int);", true),
        ("CREATE TABLE old_10 (a int);", false),
        ("ALTER TABLE x ADD COLUMN \"legacy\" int;", true),
        ("ALTER TABLE x ADD COLUMN legacy_2 int;", false),
        ("ALTER TABLE s.u ADD PRIMARY KEY (a);", true),
        ("CREATE INDEX idx ON t (a);", true),
        ("CREATE INDEX other ON t (a);", false),
        // Where a name may not be spelt as a word of the text: looked at.
        ("CREATE TABLE U&\"\\006Cegacy\" (a int);", true),
        ("CREATE TABLE x (a int DEFAULT 1e3);", true),
        ("CREATE TABLE café (a int);", true),
    ] {
        assert_eq!(removals.may_bring_back(text), expected, "{text}");
    }
    let sql = "DROP TABLE \"a.b\";";
    let parsed = parse_source(&SourceFile::new("m.sql", sql), Dialect::Postgres);
    let mut removals = Removals::default();
    removals.add(&parsed.statements[0]);
    assert!(removals.may_bring_back("CREATE TABLE x (a int);"));
}

#[test]
fn the_narrowed_first_pass_answers_like_the_full_one() {
    let sql = "CREATE TABLE t (a int, b int); CREATE TABLE keep (a int);\n\
               CREATE INDEX i ON t (a); ALTER TABLE t ADD COLUMN c int;\n\
               ALTER TABLE t ADD PRIMARY KEY (a); INSERT INTO t SELECT a, b FROM keep;\n\
               UPDATE t SET c = b; ALTER TABLE t DROP COLUMN c; DROP INDEX i;\n\
               ALTER TABLE t DROP CONSTRAINT t_pkey; CREATE INDEX i ON keep (a);\n\
               SET search_path TO s, public;\n\
               CREATE VIEW v AS SELECT a FROM keep; DROP TABLE t; CREATE TABLE t (z int);\n\
               ALTER TABLE keep RENAME COLUMN a TO a2; ALTER TABLE keep ADD COLUMN a int;\n\
               ALTER TABLE t ADD COLUMN c int; SELECT z FROM t;\n\
               CREATE TABLE other (x int); CREATE INDEX oi ON other (x);\n\
               CREATE VIEW w AS SELECT 1 AS a; DROP VIEW w CASCADE;\n\
               CREATE VIEW w AS SELECT 2 AS a; CREATE VIEW ww AS SELECT a FROM w;\n\
               SELECT b FROM keep; ALTER TABLE keep DROP COLUMN b, ADD COLUMN b text;\n\
               CREATE TABLE keep2 (a int); DROP TABLE keep2; CREATE TABLE keep2 (b int);\n\
               CREATE VIEW v3 AS SELECT b FROM keep2; DROP TABLE keep2;\n\
               UPDATE keep SET m = 'x' WHERE m IN ('y', 'z'); ALTER TYPE mood RENAME TO mood__;\n\
               CREATE TYPE mood AS ENUM ('x', 'y'); ALTER TABLE keep ALTER COLUMN m TYPE mood;\n\
               DROP TYPE mood__; ALTER TYPE mood ADD VALUE 'z'; ALTER TYPE mood RENAME VALUE 'x' TO 'w';\n\
               CREATE TABLE r_new (a int); INSERT INTO r_new (a) SELECT a FROM r; DROP TABLE r;\n\
               ALTER TABLE r_new RENAME TO r;";
    let source = SourceFile::new("m.sql", sql);
    let parsed = parse_source(&source, Dialect::Postgres);
    let statements = &parsed.statements;
    let keys = [
        Key::Object(ObjectKind::Table, "t".into()),
        Key::Object(ObjectKind::Table, "keep".into()),
        Key::Object(ObjectKind::Index, "i".into()),
        Key::Column("t".into(), "c".into()),
        Key::Column("keep".into(), "a".into()),
        Key::Constraint("t".into(), "t_pkey".into()),
        Key::Object(ObjectKind::View, "w".into()),
        Key::Object(ObjectKind::Table, "keep2".into()),
        Key::Column("keep".into(), "b".into()),
        Key::Object(ObjectKind::Table, "r".into()),
    ];
    for model in [
        ApplyModel::FileTransaction,
        ApplyModel::StatementByStatement,
    ] {
        let full = replay(statements, model);
        let (narrow, seen) = narrowed_replay(&source, statements, model);
        let unnarrowed = statements
            .iter()
            .filter(|st| Sequence::may_look_ahead(st.text(&source)))
            .count();
        // The two creations of `other` mention no removed name.
        assert_eq!(seen, unnarrowed - 2, "what the narrowing skipped");
        let blocked = statements
            .iter()
            .filter(|st| full.blocked_drop(st.index).is_some());
        assert_eq!(blocked.count(), 1, "v3 blocks the first drop of keep2");
        for st in statements {
            let i = st.index;
            let mut ranges = vec![st.range.clone()];
            ranges.extend(st.shape.actions.iter().map(|a| a.range.clone()));
            for r in &ranges {
                assert_eq!(full.proves_safe(i, r), narrow.proves_safe(i, r), "{i}");
            }
            assert_eq!(full.blocked_drop(i), narrow.blocked_drop(i));
            assert_eq!(
                full.later_view_using(i, "keep2", "b"),
                narrow.later_view_using(i, "keep2", "b")
            );
            for label in ["w", "x", "y", "z"] {
                assert_eq!(
                    full.label_lost_after(i, "keep", "m", label),
                    narrow.label_lost_after(i, "keep", "m", label),
                    "{i} {label}"
                );
            }
            assert_eq!(
                full.type_relabelled_after(i, "mood"),
                narrow.type_relabelled_after(i, "mood")
            );
            let w = words(st);
            let read: Vec<&str> = w.iter().map(String::as_str).collect();
            assert_eq!(
                full.reads_removed_later(i, &w),
                narrow.reads_removed_later(i, &w),
                "{i}"
            );
            for key in &keys {
                assert_eq!(full.returns_after(key, i), narrow.returns_after(key, i));
                for written in [None, Some("public"), Some("s")] {
                    assert_eq!(
                        full.recreated_after(key, i, written),
                        narrow.recreated_after(key, i, written)
                    );
                    assert_eq!(
                        full.rebuilt_after(key, i, written),
                        narrow.rebuilt_after(key, i, written)
                    );
                }
                for j in i..statements.len() {
                    assert_eq!(
                        full.present_until(key, i, j, &read),
                        narrow.present_until(key, i, j, &read),
                        "{key:?} {i} {j}"
                    );
                }
            }
        }
    }
}

fn seq(sql: &str, model: ApplyModel) -> (Vec<Statement>, Sequence) {
    let parsed = parse_source(&SourceFile::new("m.sql", sql), Dialect::Postgres);
    let s = replay(&parsed.statements, model);
    (parsed.statements, s)
}

fn safe(sql: &str, model: ApplyModel) -> Vec<bool> {
    let (stmts, s) = seq(sql, model);
    stmts
        .iter()
        .map(|st| s.proves_safe(st.index, &st.range))
        .collect()
}

#[test]
fn drop_then_create_is_safe_on_a_full_rerun_only() {
    let sql = "DROP VIEW v; CREATE VIEW v AS SELECT 1;";
    assert_eq!(safe(sql, ApplyModel::FileTransaction), [true, true]);
    assert_eq!(safe(sql, ApplyModel::StatementByStatement), [false, true]);
}

#[test]
fn a_rename_away_does_not_clear_the_name_for_a_later_creation() {
    for model in [
        ApplyModel::FileTransaction,
        ApplyModel::StatementByStatement,
    ] {
        let sql = "ALTER TABLE t RENAME COLUMN a TO b; ALTER TABLE t ADD COLUMN a int; \
                   ALTER TABLE u DROP COLUMN a; ALTER TABLE u ADD COLUMN a int;";
        let (stmts, s) = seq(sql, model);
        let add_safe = |i: usize| s.proves_safe(i, &stmts[i].shape.actions[0].range);
        assert!(!add_safe(1), "{model:?}: the rename is skipped on a re-run");
        assert!(add_safe(3), "{model:?}: a drop does clear the name");
        let sql = "ALTER TABLE t RENAME TO t_old; CREATE TABLE t (a int);";
        assert!(!safe(sql, model)[1], "{model:?}");
    }
}

#[test]
fn a_column_renamed_into_a_dropped_name_is_found_unless_dropped_again() {
    let sql = "ALTER TABLE t DROP COLUMN a; ALTER TABLE t RENAME COLUMN a_json TO a; \
               ALTER TABLE u DROP COLUMN c; ALTER TABLE u RENAME COLUMN c_new TO c; \
               ALTER TABLE u DROP COLUMN c;";
    let (_, s) = seq(sql, ApplyModel::StatementByStatement);
    let a = Key::Column("t".into(), "a".into());
    assert_eq!(s.renamed_into_after(&a, 0), Some((1, "a_json")));
    assert_eq!(s.renamed_into_after(&a, 1), None, "no rename after it");
    let c = Key::Column("u".into(), "c".into());
    assert_eq!(
        s.renamed_into_after(&c, 2),
        None,
        "the name is gone after a run"
    );
}

#[test]
fn a_drop_and_add_of_the_same_object_in_one_alter_is_a_pair() {
    let sql = "ALTER TABLE t DROP CONSTRAINT IF EXISTS c, ADD CONSTRAINT c CHECK (a > 0);\n\
               ALTER TABLE t DROP CONSTRAINT d, ADD CONSTRAINT d CHECK (a > 0);\n\
               ALTER TABLE t DROP COLUMN e, ADD COLUMN e int;\n\
               ALTER TABLE t ADD CONSTRAINT f CHECK (a > 0), DROP CONSTRAINT f;\n\
               ALTER TABLE t DROP CONSTRAINT g, ADD CONSTRAINT g CHECK (a > 0);\n\
               ALTER TABLE t DROP CONSTRAINT g;";
    for model in [
        ApplyModel::FileTransaction,
        ApplyModel::StatementByStatement,
    ] {
        let (stmts, s) = seq(sql, model);
        let proved = |i: usize, a: usize| s.proves_safe(i, &stmts[i].shape.actions[a].range);
        assert!(proved(0, 1), "{model:?}: IF EXISTS, then the add");
        assert!(
            proved(1, 0) && proved(1, 1),
            "{model:?}: the drop finds its own add"
        );
        assert!(proved(2, 0) && proved(2, 1), "{model:?}: a column pair");
        // (A per-file transaction proves it otherwise: the file leaves `f` dropped.)
        let tx = model == ApplyModel::FileTransaction;
        assert_eq!(
            proved(3, 0),
            tx,
            "{model:?}: an add before the drop is no pair"
        );
        // A later statement drops `g`: a retry after it fails at the unguarded drop.
        // (The add alone is proved in a transaction: it is a creation the file undoes.)
        assert!(!proved(4, 0), "{model:?}");
        assert_eq!(proved(4, 1), tx, "{model:?}");
    }
}

#[test]
fn a_mysql_primary_key_and_index_pair_survives_every_crash_point() {
    let sql = "ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (a, b);\n\
               ALTER TABLE t DROP INDEX i, ADD INDEX i (a);";
    let parsed = parse_source(&SourceFile::new("m.sql", sql), Dialect::Mysql);
    let s = replay(&parsed.statements, ApplyModel::StatementByStatement);
    for st in &parsed.statements {
        for a in &st.shape.actions {
            assert!(
                s.proves_safe(st.index, &a.range),
                "{}",
                &sql[a.range.clone()]
            );
        }
    }
}

/// lemmy's enum re-creation: the old type renamed away, a new one created under its name,
/// the columns converted, the old one dropped.
const RECREATED_TYPE: &str = "ALTER TYPE mood RENAME TO mood__;\n\
    CREATE TYPE mood AS ENUM ('a', 'b');\n\
    ALTER TABLE t ALTER COLUMN m TYPE mood USING m::text::mood;\n\
    DROP TYPE mood__;";

#[test]
fn a_rename_whose_names_the_file_restores_reruns_in_a_transaction() {
    let (_, s) = seq(RECREATED_TYPE, ApplyModel::FileTransaction);
    let proved: Vec<bool> = (0..4).map(|i| s.proves_safe(i, &(0..usize::MAX))).collect();
    let (stmts, _) = seq(RECREATED_TYPE, ApplyModel::FileTransaction);
    let proved_whole: Vec<bool> = stmts
        .iter()
        .map(|st| s.proves_safe(st.index, &st.range))
        .collect();
    assert_eq!(proved, [false; 4], "whole ranges only");
    assert_eq!(proved_whole, [true, true, false, true]);
    // Statement by statement a crash after the rename leaves no `mood` to rename: the
    // rename and the creation stay unproved; the drop finds what the rename made.
    assert_eq!(
        safe(RECREATED_TYPE, ApplyModel::StatementByStatement),
        [false, false, false, true]
    );
}

#[test]
fn a_rename_is_not_proved_when_a_name_is_left_otherwise() {
    for sql in [
        // The new name is not dropped: a re-run finds it taken.
        "ALTER TYPE mood RENAME TO mood__; CREATE TYPE mood AS ENUM ('a');",
        // The old name is not created again: a re-run does not find it.
        "ALTER TYPE mood RENAME TO mood__; DROP TYPE mood__;",
        // Something renamed into the new name after its drop.
        "ALTER TYPE mood RENAME TO mood__; CREATE TYPE mood AS ENUM ('a'); DROP TYPE mood__; \
         ALTER TYPE other RENAME TO mood__;",
        // A statement before the rename touches the old name.
        "DROP TYPE IF EXISTS mood; ALTER TYPE mood RENAME TO mood__; \
         CREATE TYPE mood AS ENUM ('a'); DROP TYPE mood__;",
    ] {
        let (stmts, s) = seq(sql, ApplyModel::FileTransaction);
        let rename = stmts.iter().find(|st| st.renames_object()).unwrap();
        assert!(!s.proves_safe(rename.index, &rename.range), "{sql}");
    }
}

#[test]
fn renaming_a_value_or_a_view_column_removes_nothing() {
    let sql = "ALTER TYPE mood RENAME VALUE 'a' TO 'b'; \
               ALTER VIEW v RENAME COLUMN a TO b; CREATE TYPE mood AS ENUM ('a'); \
               CREATE VIEW v AS SELECT 1 AS a;";
    let (_, s) = seq(sql, ApplyModel::FileTransaction);
    assert!(!s.removes_anything());
}

/// A composite type's attribute is keyed as its column: `RENAME ATTRIBUTE x TO y` removes
/// `pair.x` (as `RENAME COLUMN` does a table's), not the type.
#[test]
fn renaming_an_attribute_removes_the_attribute_not_the_type() {
    let sql = "ALTER TYPE pair RENAME ATTRIBUTE x TO y; CREATE TYPE pair AS (x int);";
    let (_, s) = seq(sql, ApplyModel::FileTransaction);
    assert!(!s.removes(&Key::Object(ObjectKind::Type, "pair".into())));
    assert!(s.removes(&Key::Column("pair".into(), "x".into())));
    assert!(!s.removes(&Key::Column("pair".into(), "y".into())));
}

#[test]
fn a_later_relabelling_of_a_removed_type_is_found() {
    let sql = format!("{RECREATED_TYPE}\nALTER TYPE mood RENAME VALUE 'a' TO 'c';");
    let (_, s) = seq(&sql, ApplyModel::FileTransaction);
    assert!(s.type_relabelled_after(2, "mood"));
    assert!(!s.type_relabelled_after(4, "mood"), "not after itself");
    let (_, s) = seq(RECREATED_TYPE, ApplyModel::FileTransaction);
    assert!(!s.type_relabelled_after(2, "mood"));
}

#[test]
fn a_label_the_recreated_enum_lacks_is_lost_after_the_conversion() {
    let sql = format!(
        "SELECT 1;\n{RECREATED_TYPE}\nALTER TYPE mood ADD VALUE 'c';\n\
                       ALTER TYPE mood RENAME VALUE 'b' TO 'bee';"
    );
    for (model, lost_b) in [
        (ApplyModel::FileTransaction, true),
        (ApplyModel::StatementByStatement, true),
    ] {
        let (_, s) = seq(&sql, model);
        assert_eq!(s.label_lost_after(0, "t", "m", "a"), None, "{model:?}");
        assert_eq!(s.label_lost_after(0, "t", "m", "zzz"), Some(3), "{model:?}");
        assert_eq!(
            s.label_lost_after(0, "t", "m", "b").is_some(),
            lost_b,
            "{model:?}"
        );
        assert_eq!(s.label_lost_after(0, "other", "m", "zzz"), None);
        assert_eq!(
            s.label_lost_after(3, "t", "m", "zzz"),
            None,
            "after the change"
        );
    }
    // Added later: there after the file; missing at a crash point right after the change.
    let (_, s) = seq(&sql, ApplyModel::FileTransaction);
    assert_eq!(s.label_lost_after(0, "t", "m", "c"), None);
    let (_, s) = seq(&sql, ApplyModel::StatementByStatement);
    assert_eq!(s.label_lost_after(0, "t", "m", "c"), Some(3));
}

#[test]
fn a_value_renamed_in_a_type_the_file_recreates_reruns_in_a_transaction() {
    let sql = format!("{RECREATED_TYPE}\nALTER TYPE mood RENAME VALUE 'a' TO 'c';");
    for (model, reruns) in [
        (ApplyModel::FileTransaction, true),
        (ApplyModel::StatementByStatement, false),
    ] {
        let parsed = parse_source(&SourceFile::new("m.sql", sql.as_str()), Dialect::Postgres);
        let mut s = Sequence::new(model, Dialect::Postgres);
        parsed.statements.iter().for_each(|st| s.look_ahead(st));
        s.end_look_ahead();
        for st in &parsed.statements {
            s.enter(st);
            if st.index == 4 {
                assert_eq!(s.value_rename_reruns("mood", "a", "c"), reruns, "{model:?}");
                assert!(!s.value_rename_reruns("mood", "zzz", "c"), "not a label");
                assert!(!s.value_rename_reruns("mood", "a", "b"), "new label taken");
            }
            s.passed(st);
        }
    }
}

#[test]
fn a_table_renamed_away_keeps_its_indexes() {
    // A re-run renames the new `t` away with its index `t_a_idx`, which keeps its name:
    // creating the index again fails, though the table itself is proved.
    let sql = "ALTER TABLE t RENAME TO t_old; CREATE TABLE t (a int); \
               CREATE INDEX t_a_idx ON t (a); INSERT INTO t SELECT * FROM t_old; \
               DROP TABLE t_old;";
    let (stmts, s) = seq(sql, ApplyModel::FileTransaction);
    let proved: Vec<bool> = stmts
        .iter()
        .map(|st| {
            st.shape
                .actions
                .first()
                .map_or(&st.range, |a| &a.range)
                .clone()
        })
        .zip(&stmts)
        .map(|(r, st)| s.proves_safe(st.index, &r))
        .collect();
    assert_eq!(proved, [true, true, false, false, true]);
}

#[test]
fn create_then_drop_later_survives_a_full_rerun() {
    let sql = "CREATE TABLE tmp (a int); DROP TABLE tmp;";
    assert_eq!(safe(sql, ApplyModel::FileTransaction), [true, true]);
    assert_eq!(safe(sql, ApplyModel::StatementByStatement), [false, true]);
}

#[test]
fn readd_of_the_same_constraint_is_safe_per_action() {
    let sql = "ALTER TABLE t DROP CONSTRAINT c; ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);";
    let (stmts, s) = seq(sql, ApplyModel::FileTransaction);
    for st in &stmts {
        assert!(s.proves_safe(st.index, &st.shape.actions[0].range));
    }
}

#[test]
fn an_unnamed_primary_key_is_the_one_its_drop_names() {
    let sql = "ALTER TABLE t DROP CONSTRAINT t_pkey; ALTER TABLE t ADD PRIMARY KEY (a, b);";
    let (stmts, s) = seq(sql, ApplyModel::FileTransaction);
    for st in &stmts {
        assert!(s.proves_safe(st.index, &st.shape.actions[0].range));
    }
    for sql in [
        "ALTER TABLE t DROP PRIMARY KEY; ALTER TABLE t ADD PRIMARY KEY (a, b);",
        "ALTER TABLE t DROP INDEX IF EXISTS `PRIMARY`; ALTER TABLE t ADD PRIMARY KEY (a, b);",
    ] {
        let parsed = parse_source(&SourceFile::new("m.sql", sql), Dialect::Mariadb);
        let (stmts, s) = (
            &parsed.statements,
            replay(&parsed.statements, ApplyModel::StatementByStatement),
        );
        let proved: Vec<bool> = stmts
            .iter()
            .map(|st| s.proves_safe(st.index, &st.shape.actions[0].range))
            .collect();
        assert_eq!(proved, [false, true], "{sql}");
    }
}

#[test]
fn a_drop_a_later_view_depends_on_is_blocked_and_proves_nothing() {
    let sql = "DROP VIEW v; CREATE VIEW v AS SELECT 1; \
               CREATE MATERIALIZED VIEW mv AS SELECT * FROM v; DROP TABLE t CASCADE; \
               CREATE VIEW w AS SELECT * FROM t;";
    let (_, s) = seq(sql, ApplyModel::StatementByStatement);
    assert_eq!(s.blocked_drop(0), Some("mv"));
    assert_eq!(
        s.blocked_drop(3),
        None,
        "CASCADE drops the dependents along"
    );
    // The CREATE after a blocked drop is not proved safe by it.
    assert!(!safe(sql, ApplyModel::StatementByStatement)[1]);
}

#[test]
fn a_table_a_rebuild_renames_back_is_present_until_its_drop_when_the_new_one_has_what_the_read_reads(
) {
    let key = Key::Object(ObjectKind::Table, "d".into());
    // The copy (statement 1) until the drop (statement 2 of the rebuild, or later).
    let present = |sql: &str, j: usize| {
        let (statements, s) = seq(sql, ApplyModel::StatementByStatement);
        let w = words(&statements[1]);
        let read: Vec<&str> = w.iter().map(String::as_str).collect();
        s.present_until(&key, 1, j, &read)
    };
    let copy = "INSERT INTO d_new (id) SELECT id FROM d ON CONFLICT DO NOTHING;";
    let rebuild = format!(
        "CREATE TABLE IF NOT EXISTS d_new (id int PRIMARY KEY); {copy} DROP TABLE d; ALTER TABLE d_new RENAME TO d;"
    );
    assert!(present(&rebuild, 2));
    // The new table lacks the column the copy reads: a re-run's copy fails at the new `d`.
    let lacking = format!(
        "CREATE TABLE d_new (n int); {} DROP TABLE d; ALTER TABLE d_new RENAME TO d;",
        copy.replace("(id)", "(n)")
    );
    assert!(!present(&lacking, 2));
    // Renamed to another name: nothing gives `d` back, as before.
    assert!(present(
        &rebuild.replace("RENAME TO d;", "RENAME TO d2;"),
        2
    ));
    // Something else is `d` for a while after the drop: a crash there leaves a `d` the copy
    // may not read.
    for between in ["CREATE TABLE d (id int);", "ALTER TABLE x RENAME TO d;"] {
        let sql = format!(
            "CREATE TABLE d_new (id int); {copy} DROP TABLE d; {between} DROP TABLE d; ALTER TABLE d_new RENAME TO d;"
        );
        assert!(!present(&sql, 2), "{between}");
    }
}

#[test]
fn a_table_read_then_created_before_its_drop_is_not_present_until_it() {
    let sql = "SELECT * FROM t; CREATE TABLE t (a int); DROP TABLE t;";
    let (_, s) = seq(sql, ApplyModel::StatementByStatement);
    let key = Key::Object(ObjectKind::Table, "t".into());
    assert!(!s.present_until(&key, 0, 2, &[]));
    let sql = "SELECT * FROM t; DROP TABLE t; CREATE TABLE t (b int);";
    let (_, s) = seq(sql, ApplyModel::StatementByStatement);
    assert!(
        !s.present_until(&key, 0, 1, &[]),
        "it comes back after the drop"
    );
    assert_eq!(
        s.recreated_after(&key, 0, None),
        Some((2, vec!["b".to_string()]))
    );
}

#[test]
fn a_recreated_table_has_the_columns_the_file_leaves_it_or_every_crash_point_does() {
    let key = Key::Object(ObjectKind::Table, "t".into());
    let columns = |names: &[&str]| names.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    let found = |sql: &str| {
        [
            ApplyModel::StatementByStatement,
            ApplyModel::FileTransaction,
        ]
        .map(|model| {
            seq(sql, model)
                .1
                .recreated_after(&key, 0, None)
                .map(|r| r.1)
        })
    };
    // A dropped or renamed-away column is not there; a renamed-to or added one only after its
    // statement, so only under a per-file transaction; one dropped and added back is missing
    // right after the drop.
    let sql = "SELECT * FROM t; DROP TABLE t; CREATE TABLE t (a int, b int, c int);\n\
               ALTER TABLE t DROP COLUMN a; ALTER TABLE t RENAME COLUMN b TO x;\n\
               ALTER TABLE t ADD COLUMN y int; ALTER TABLE t ADD COLUMN z int;\n\
               ALTER TABLE t DROP COLUMN z; ALTER TABLE t DROP COLUMN c;\n\
               ALTER TABLE t ADD COLUMN c int;";
    assert_eq!(
        found(sql),
        [Some(columns(&[])), Some(columns(&["x", "y", "c"]))]
    );
    // Of the rebuild: what the file does to the source before the rename counts in both
    // models.
    let sql = "SELECT b FROM t; CREATE TABLE t_new (id int, a int, b int);\n\
               ALTER TABLE t_new DROP COLUMN b; ALTER TABLE t_new RENAME COLUMN a TO c;\n\
               DROP TABLE t; ALTER TABLE t_new RENAME TO t; ALTER TABLE t RENAME COLUMN c TO d;";
    let rebuilt = [
        ApplyModel::StatementByStatement,
        ApplyModel::FileTransaction,
    ]
    .map(|model| seq(sql, model).1.rebuilt_after(&key, 0, None).map(|r| r.1));
    assert_eq!(
        rebuilt,
        [Some(columns(&["id"])), Some(columns(&["id", "d"]))]
    );
}

#[test]
fn the_rebuild_s_rename_gives_the_name_the_columns_of_the_table_made_for_it() {
    let key = Key::Object(ObjectKind::Table, "t".into());
    let rebuilt = |sql: &str| {
        let (_, s) = seq(sql, ApplyModel::StatementByStatement);
        s.rebuilt_after(&key, 0, None)
    };
    let columns = |names: &[&str]| names.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    let sql = "SELECT b FROM t; CREATE TABLE t_new (id int, a text); DROP TABLE t;\n\
               ALTER TABLE t_new RENAME TO t;";
    assert_eq!(rebuilt(sql), Some((3, columns(&["id", "a"]))));
    // The source made without a guard but not right before the rename, the rename not the
    // file's last event on `t`, no removal after the read, or the rename in another schema:
    // nothing is known of what a re-run reads.
    // A column added to the table after the rename is there on a re-run under a per-file
    // transaction; after a crash between the two, not. One added to the source before it is
    // there either way.
    let sql = "SELECT b FROM t; CREATE TABLE t_new (id int); DROP TABLE t;\n\
               ALTER TABLE t_new RENAME TO t; ALTER TABLE t ADD COLUMN b int;";
    let found = [
        ApplyModel::StatementByStatement,
        ApplyModel::FileTransaction,
    ]
    .map(|model| seq(sql, model).1.rebuilt_after(&key, 0, None));
    assert_eq!(
        found,
        [
            Some((3, columns(&["id"]))),
            Some((3, columns(&["id", "b"])))
        ]
    );
    let sql = "SELECT b FROM t; CREATE TABLE t_new (id int); ALTER TABLE t_new ADD COLUMN b int;\n\
               DROP TABLE t; ALTER TABLE t_new RENAME TO t;";
    assert_eq!(rebuilt(sql), Some((4, columns(&["id", "b"]))));
    for sql in [
        "SELECT b FROM t; CREATE TABLE t_new (id int); DROP TABLE t_new; DROP TABLE t;\n\
         ALTER TABLE IF EXISTS t_new RENAME TO t;",
        "SELECT b FROM t; CREATE TABLE t_new (id int); DROP TABLE t; ALTER TABLE t_new RENAME TO t;\n\
         DROP TABLE t;",
        "SELECT b FROM t; CREATE TABLE t_new (id int); DROP TABLE t; ALTER TABLE t_new RENAME TO t;\n\
         DROP TABLE t; CREATE TABLE t (b int);",
        "SELECT b FROM t; CREATE TABLE t_new (id int); ALTER TABLE t_new RENAME TO t;",
        "SELECT b FROM t; CREATE TABLE a.t_new (id int); DROP TABLE t; ALTER TABLE a.t_new RENAME TO t;",
        "SELECT b FROM t; CREATE TABLE t_new AS SELECT * FROM t; DROP TABLE t; ALTER TABLE t_new RENAME TO t;",
    ] {
        assert!(
            rebuilt(sql).is_none_or(|(_, columns)| columns.is_empty()),
            "{sql}"
        );
    }
}

#[test]
fn a_recreation_counts_for_a_read_of_the_same_schemas_table_only() {
    let key = Key::Object(ObjectKind::Table, "t".into());
    let found = |sql: &str| {
        let (_, s) = seq(sql, ApplyModel::FileTransaction);
        [None, Some("public"), Some("a")]
            .map(|written| s.recreated_after(&key, 0, written).is_some())
    };
    // Under the connection's search_path an unqualified `t` may be `public.t`, not `a.t`.
    let sql = "SELECT * FROM t; DROP TABLE t; CREATE TABLE t (b int);";
    assert_eq!(found(sql), [true, true, false]);
    let sql = "SELECT * FROM t; DROP TABLE a.t; CREATE TABLE a.t (b int);";
    assert_eq!(found(sql), [false, false, true]);
    // Both the drop and the creation must be of the read's table.
    let sql = "SELECT * FROM t; DROP TABLE a.t; CREATE TABLE IF NOT EXISTS public.t (b int);";
    assert_eq!(found(sql), [false, false, false]);
    let sql = "SELECT * FROM t; DROP TABLE a.t, public.t; CREATE TABLE public.t (b int);";
    assert_eq!(found(sql), [true, true, false]);
}

#[test]
fn a_rename_inside_a_do_block_still_removes_the_old_name() {
    let sql = "INSERT INTO b SELECT * FROM a;\nDO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_class WHERE relname = 'a') THEN ALTER TABLE a RENAME TO a_old; END IF; END $$;";
    let (stmts, s) = seq(sql, ApplyModel::FileTransaction);
    let hits = s.reads_removed_later(0, &words(&stmts[0]));
    assert_eq!(hits, [(Key::Object(ObjectKind::Table, "a".into()), 1)]);
}

#[test]
fn a_view_over_an_object_dropped_with_cascade_survives() {
    // lemmy: `DROP VIEW user_view CASCADE; CREATE VIEW user_view …; CREATE MATERIALIZED
    // VIEW user_mview AS … FROM user_view`: the cascade removes the last attempt's mview.
    let sql = "DROP VIEW v CASCADE;\nCREATE VIEW v AS SELECT 1 AS a;\n\
               CREATE MATERIALIZED VIEW m AS SELECT a FROM v;\nCREATE VIEW w AS SELECT 2 AS a;\n\
               CREATE VIEW mm AS SELECT * FROM m;";
    for model in [
        ApplyModel::FileTransaction,
        ApplyModel::StatementByStatement,
    ] {
        assert_eq!(safe(sql, model)[2..], [true, false, true], "{model:?}");
    }
    // The index on the cascaded materialized view goes with it; one on a view the file
    // created without a cascade behind it does not.
    let sql = "DROP VIEW v CASCADE;\nCREATE VIEW v AS SELECT 1 AS a;\n\
               CREATE MATERIALIZED VIEW m AS SELECT a FROM v;\n\
               CREATE UNIQUE INDEX m_a ON m (a);\n\
               CREATE MATERIALIZED VIEW n AS SELECT 2 AS a;\nCREATE UNIQUE INDEX n_a ON n (a);";
    for model in [
        ApplyModel::FileTransaction,
        ApplyModel::StatementByStatement,
    ] {
        assert_eq!(safe(sql, model)[3..], [true, false, false], "{model:?}");
    }
    // lemmy 2020-02-06: the materialized view dropped by name and created again.
    let sql = "DROP MATERIALIZED VIEW m;\nCREATE MATERIALIZED VIEW m AS SELECT 1 AS a;\n\
               CREATE UNIQUE INDEX m_a ON m (a);";
    assert_eq!(safe(sql, ApplyModel::FileTransaction), [true, true, true]);
    assert!(safe(sql, ApplyModel::StatementByStatement)[2]);
    // Without CASCADE the drop fails instead (the view blocks it); without the object
    // created again before the view, the view does not depend on what was dropped.
    for sql in [
        "DROP VIEW v;\nCREATE VIEW v AS SELECT 1 AS a;\nCREATE MATERIALIZED VIEW m AS SELECT a FROM v;",
        "DROP VIEW v CASCADE;\nCREATE MATERIALIZED VIEW m AS SELECT 1 AS v;\nCREATE VIEW v AS SELECT 1 AS a;",
    ] {
        let m = if sql.starts_with("DROP VIEW v;") { 2 } else { 1 };
        assert!(!safe(sql, ApplyModel::StatementByStatement)[m], "{sql}");
    }
}

#[test]
fn reads_of_a_column_dropped_later() {
    let sql = "UPDATE t SET a = 1; ALTER TABLE t DROP COLUMN a;";
    let (stmts, s) = seq(sql, ApplyModel::FileTransaction);
    let hits = s.reads_removed_later(0, &words(&stmts[0]));
    assert_eq!(hits, [(Key::Column("t".into(), "a".into()), 1)]);
    // Re-added later: a full re-run finds the column again.
    let sql = "UPDATE t SET a = 1; ALTER TABLE t DROP COLUMN a; ALTER TABLE t ADD COLUMN a int;";
    let (stmts, s) = seq(sql, ApplyModel::FileTransaction);
    assert!(s.reads_removed_later(0, &words(&stmts[0])).is_empty());
    let (stmts, s) = seq(sql, ApplyModel::StatementByStatement);
    assert_eq!(s.reads_removed_later(0, &words(&stmts[0])).len(), 1);
}

/// Per statement, the dependents that block its drop as the lint pass sees them when it checks
/// that statement (the session's `foreign_key_checks` then).
fn blocking(sql: &str, dialect: Dialect, model: ApplyModel) -> Vec<Vec<String>> {
    let parsed = parse_source(&SourceFile::new("m.sql", sql), dialect);
    let mut s = Sequence::new(model, dialect);
    for st in &parsed.statements {
        s.look_ahead(st);
    }
    s.end_look_ahead();
    parsed
        .statements
        .iter()
        .map(|st| {
            s.enter(st);
            let found = s.blockers(st.index).map(|b| b.dependent.clone()).collect();
            s.passed(st);
            found
        })
        .collect()
}

/// The statements whose drop something blocks, in every dialect that has foreign keys and
/// both apply models.
fn blocked_in(sql: &str, dialect: Dialect) -> Vec<usize> {
    let models = [
        ApplyModel::FileTransaction,
        ApplyModel::StatementByStatement,
    ];
    let [tx, each] = models.map(|m| {
        blocking(sql, dialect, m)
            .iter()
            .enumerate()
            .filter(|(_, b)| !b.is_empty())
            .map(|(i, _)| i)
            .collect::<Vec<_>>()
    });
    assert_eq!(tx, each, "{dialect}: {sql}");
    tx
}

const PARENT_FIRST: &str = "DROP TABLE IF EXISTS p; DROP TABLE IF EXISTS c; \
    CREATE TABLE p (id INT PRIMARY KEY); \
    CREATE TABLE c (p_id INT, FOREIGN KEY (p_id) REFERENCES p (id));";

#[test]
fn a_drop_of_a_parent_before_its_child_is_blocked_by_the_childs_foreign_key() {
    for dialect in [Dialect::Postgres, Dialect::Mysql, Dialect::Mariadb] {
        assert_eq!(blocked_in(PARENT_FIRST, dialect), [0], "{dialect}");
        let b = blocking(PARENT_FIRST, dialect, ApplyModel::StatementByStatement);
        assert_eq!(b[0], ["c"]);
    }
    assert_eq!(
        blocked_in(PARENT_FIRST, Dialect::Sqlite),
        Vec::<usize>::new()
    );
    // The child first; a self-reference; a later ALTER TABLE … ADD FOREIGN KEY.
    let child_first = "DROP TABLE IF EXISTS c; DROP TABLE IF EXISTS p; \
        CREATE TABLE p (id INT PRIMARY KEY); \
        CREATE TABLE c (p_id INT, CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (id));";
    let self_reference = "DROP TABLE IF EXISTS t; \
        CREATE TABLE t (id INT PRIMARY KEY, up INT, FOREIGN KEY (up) REFERENCES t (id));";
    let altered = "DROP TABLE IF EXISTS p; CREATE TABLE p (id INT PRIMARY KEY); \
        CREATE TABLE IF NOT EXISTS c (p_id INT); \
        ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (id);";
    let key_dropped_first = "ALTER TABLE c DROP FOREIGN KEY c_fk; DROP TABLE IF EXISTS p; \
        CREATE TABLE p (id INT PRIMARY KEY); CREATE TABLE IF NOT EXISTS c (p_id INT); \
        ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (id);";
    let other_key_dropped = "ALTER TABLE c DROP FOREIGN KEY other; DROP TABLE IF EXISTS p; \
        CREATE TABLE p (id INT PRIMARY KEY); CREATE TABLE IF NOT EXISTS c (p_id INT); \
        ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (id);";
    for dialect in [Dialect::Mysql, Dialect::Mariadb] {
        assert!(blocked_in(child_first, dialect).is_empty());
        assert!(blocked_in(self_reference, dialect).is_empty());
        assert_eq!(blocked_in(altered, dialect), [0]);
        assert!(blocked_in(key_dropped_first, dialect).is_empty());
        assert_eq!(blocked_in(other_key_dropped, dialect), [1]);
    }
}

#[test]
fn one_drop_of_parent_and_child_is_blocked_on_mariadb_only_with_the_child_last() {
    let tail = "CREATE TABLE p (id INT PRIMARY KEY); \
        CREATE TABLE c (p_id INT, FOREIGN KEY (p_id) REFERENCES p (id));";
    let parent_first = format!("DROP TABLE IF EXISTS p, c; {tail}");
    let child_first = format!("DROP TABLE IF EXISTS c, p; {tail}");
    assert_eq!(blocked_in(&parent_first, Dialect::Mariadb), [0]);
    assert!(blocking(
        &parent_first,
        Dialect::Mariadb,
        ApplyModel::StatementByStatement
    )[0]
    .contains(&"c".to_string()));
    assert!(blocked_in(&child_first, Dialect::Mariadb).is_empty());
    for dialect in [Dialect::Postgres, Dialect::Mysql] {
        assert!(blocked_in(&parent_first, dialect).is_empty(), "{dialect}");
    }
}

#[test]
fn cascade_lifts_the_block_on_postgres_only() {
    let sql = "DROP TABLE IF EXISTS p CASCADE; CREATE TABLE p (id INT PRIMARY KEY); \
        CREATE TABLE c (p_id INT REFERENCES p (id));";
    assert!(blocked_in(sql, Dialect::Postgres).is_empty());
    assert_eq!(blocked_in(sql, Dialect::Mariadb), [0]);
}

#[test]
fn foreign_key_checks_off_lifts_the_block_in_any_spelling() {
    let tail = "DROP TABLE IF EXISTS p; CREATE TABLE p (id INT PRIMARY KEY); \
        CREATE TABLE c (p_id INT, FOREIGN KEY (p_id) REFERENCES p (id));";
    for off in [
        "SET FOREIGN_KEY_CHECKS = 0;",
        "SET foreign_key_checks=0;",
        "SET @@foreign_key_checks = 0;",
        "SET @@session.foreign_key_checks = OFF;",
        "SET SESSION foreign_key_checks = false;",
        "SET sql_mode = '', foreign_key_checks = 0;",
        "/*!40014 SET FOREIGN_KEY_CHECKS=0 */;",
        "/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;",
        // A value preflight cannot read: nothing is claimed.
        "SET FOREIGN_KEY_CHECKS = @OLD_FOREIGN_KEY_CHECKS;",
        // Code preflight does not read may have dropped the child first.
        "CALL drop_children();",
        "EXECUTE stmt;",
    ] {
        for dialect in [Dialect::Mysql, Dialect::Mariadb] {
            let sql = format!("{off}\n{tail}");
            assert!(blocked_in(&sql, dialect).is_empty(), "{dialect}: {sql}");
        }
    }
    for on in [
        "SET FOREIGN_KEY_CHECKS = 0; SET FOREIGN_KEY_CHECKS = 1;",
        "SET GLOBAL foreign_key_checks = 0;",
    ] {
        let sql = format!("{on}\n{tail}");
        let at = sql.matches(';').count() - 3;
        assert_eq!(blocked_in(&sql, Dialect::Mariadb), [at], "{sql}");
    }
}

#[test]
fn inline_references_count_on_postgres_and_mariadb_not_mysql() {
    let sql = "DROP TABLE IF EXISTS p; CREATE TABLE p (id INT PRIMARY KEY); \
        CREATE TABLE c (p_id INT REFERENCES p (id));";
    assert_eq!(blocked_in(sql, Dialect::Postgres), [0]);
    assert_eq!(blocked_in(sql, Dialect::Mariadb), [0]);
    assert!(blocked_in(sql, Dialect::Mysql).is_empty());
    // Not an InnoDB table: no foreign key.
    let myisam = "DROP TABLE IF EXISTS p; CREATE TABLE p (id INT PRIMARY KEY); \
        CREATE TABLE c (p_id INT, FOREIGN KEY (p_id) REFERENCES p (id)) ENGINE=MyISAM;";
    assert!(blocked_in(myisam, Dialect::Mariadb).is_empty());
}

#[test]
fn a_child_the_applied_file_drops_again_blocks_only_between_statements() {
    let sql = "DROP TABLE IF EXISTS p; CREATE TABLE p (id INT PRIMARY KEY); \
        CREATE TABLE c (p_id INT REFERENCES p (id)); DROP TABLE c;";
    let at = |model| {
        blocking(sql, Dialect::Postgres, model)
            .iter()
            .map(|b| b.len())
            .collect::<Vec<_>>()
    };
    assert_eq!(at(ApplyModel::FileTransaction), [0, 0, 0, 0]);
    assert_eq!(at(ApplyModel::StatementByStatement), [1, 0, 0, 0]);
}

#[test]
fn schemas_that_differ_do_not_match_and_a_view_blocks_on_postgres_only() {
    let sql = "DROP TABLE IF EXISTS a.p; CREATE TABLE a.p (id INT PRIMARY KEY); \
        CREATE TABLE c (p_id INT REFERENCES b.p (id));";
    assert!(blocked_in(sql, Dialect::Postgres).is_empty());
    let sql = "DROP TABLE IF EXISTS a.p; CREATE TABLE a.p (id INT PRIMARY KEY); \
        CREATE TABLE b.c (p_id INT REFERENCES a.p (id));";
    assert_eq!(
        blocking(sql, Dialect::Postgres, ApplyModel::StatementByStatement)[0],
        ["b.c"]
    );
    let sql = "DROP TABLE IF EXISTS p; CREATE TABLE p (id INT PRIMARY KEY); \
        CREATE VIEW v AS SELECT id FROM p;";
    assert_eq!(blocked_in(sql, Dialect::Postgres), [0]);
    assert!(blocked_in(sql, Dialect::Mariadb).is_empty());
}

#[test]
fn a_create_after_a_drop_a_foreign_key_blocks_is_not_proved_by_it() {
    let sql = "DROP TABLE p; CREATE TABLE p (id INT PRIMARY KEY); \
        CREATE TABLE c (p_id INT REFERENCES p (id));";
    assert!(!safe(sql, ApplyModel::StatementByStatement)[1]);
    let sql = "DROP TABLE p; CREATE TABLE p (id INT PRIMARY KEY); CREATE TABLE c (p_id INT);";
    assert!(safe(sql, ApplyModel::StatementByStatement)[1]);
}

#[test]
fn the_narrowed_first_pass_finds_the_same_foreign_key_blocks() {
    let sql = "DROP TABLE IF EXISTS p; DROP TABLE IF EXISTS other; \
        CREATE TABLE p (id INT PRIMARY KEY); CREATE TABLE unrelated (a INT); \
        CREATE TABLE c (p_id INT REFERENCES p (id)); CREATE TABLE IF NOT EXISTS d (p_id INT); \
        ALTER TABLE d ADD CONSTRAINT d_fk FOREIGN KEY (p_id) REFERENCES p (id);";
    let source = SourceFile::new("m.sql", sql);
    let parsed = parse_source(&source, Dialect::Postgres);
    for model in [
        ApplyModel::FileTransaction,
        ApplyModel::StatementByStatement,
    ] {
        let full = replay(&parsed.statements, model);
        let (narrow, _) = narrowed_replay(&source, &parsed.statements, model);
        let names = |s: &Sequence, i| {
            s.blockers(i)
                .map(|b| b.dependent.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&full, 0), ["c", "d"], "{model:?}");
        for st in &parsed.statements {
            assert_eq!(names(&full, st.index), names(&narrow, st.index));
        }
    }
}

#[test]
fn a_child_whose_own_drop_fails_still_blocks_its_parents_drop() {
    // ranger: `x_service` (a child of `x_service_def`) is dropped first, but a later child of
    // `x_service` blocks that drop, so `x_service` is still there for `x_service_def`'s.
    let sql =
        "DROP TABLE IF EXISTS svc; DROP TABLE IF EXISTS svc_def; DROP TABLE IF EXISTS share; \
        CREATE TABLE svc_def (id INT PRIMARY KEY); \
        CREATE TABLE svc (id INT PRIMARY KEY, def INT, FOREIGN KEY (def) REFERENCES svc_def (id)); \
        CREATE TABLE share (svc INT, FOREIGN KEY (svc) REFERENCES svc (id));";
    for dialect in [Dialect::Postgres, Dialect::Mariadb] {
        assert_eq!(blocked_in(sql, dialect), [0, 1], "{dialect}");
        let b = blocking(sql, dialect, ApplyModel::StatementByStatement);
        assert_eq!(b[1], ["svc"]);
    }
    // With the first drop lifted (checks off there only), the second is not blocked either.
    let sql = format!(
        "SET FOREIGN_KEY_CHECKS = 0; {} SET FOREIGN_KEY_CHECKS = 1; {}",
        "DROP TABLE IF EXISTS svc;",
        &sql["DROP TABLE IF EXISTS svc; ".len()..]
    );
    assert!(blocked_in(&sql, Dialect::Mariadb).is_empty(), "{sql}");
}

#[test]
fn what_the_file_created_is_known_per_schema() {
    let events = Key::Object(ObjectKind::Table, "events".into());
    let at = Key::Column("events".into(), "at".into());
    let state = |sql: &str, key: &Key, schema: Option<&str>| {
        seq(sql, ApplyModel::StatementByStatement)
            .1
            .state_before_in(key, schema)
    };
    let sql = "CREATE TABLE audit.events (id int); ALTER TABLE audit.events ADD COLUMN at int;";
    assert_eq!(state(sql, &events, Some("audit")), Some(true));
    assert_eq!(state(sql, &events, Some("public")), None);
    assert_eq!(state(sql, &at, Some("public")), None);
    assert_eq!(state(sql, &at, Some("audit")), Some(true));
    // Unqualified, under the connection's path: it may be either.
    assert_eq!(state(sql, &events, None), Some(true));
    // The later event of the schema and of unknown schemas decides.
    let sql = "CREATE TABLE events (id int); DROP TABLE public.events; CREATE TABLE audit.events (id int);";
    assert_eq!(state(sql, &events, Some("public")), Some(false));
    assert_eq!(state(sql, &events, Some("audit")), Some(true));
    assert_eq!(state(sql, &events, Some("other")), Some(true));
    // The file's own search_path places an unqualified name, on both sides.
    let sql = "SET search_path TO audit; CREATE TABLE events (id int);";
    assert_eq!(state(sql, &events, Some("public")), None);
    assert_eq!(state(sql, &events, None), Some(true));
    let sql = "CREATE TABLE audit.events (id int); SET search_path TO public;";
    assert_eq!(state(sql, &events, None), None);
    // Renamed away in one schema: the same name in another is still the file's.
    let sql = "CREATE TABLE a.t (id int); ALTER TABLE b.t RENAME TO u;";
    let t = Key::Object(ObjectKind::Table, "t".into());
    assert_eq!(state(sql, &t, Some("a")), Some(true));
    assert_eq!(state(sql, &t, Some("b")), Some(false));
}

#[test]
fn a_rename_carries_what_the_file_created_to_the_new_name_for_the_safety_lookup_only() {
    let u = Key::Object(ObjectKind::Table, "u".into());
    let t = Key::Object(ObjectKind::Table, "t".into());
    let run = |sql: &str| seq(sql, ApplyModel::StatementByStatement).1;
    let sql = "CREATE TABLE a.t (id int); ALTER TABLE a.t RENAME TO u;";
    let s = run(sql);
    assert_eq!(s.state_before_in(&u, Some("a")), Some(true));
    assert_eq!(s.state_before_in(&u, Some("b")), None);
    assert_eq!(s.state_before_in(&u, None), Some(true));
    assert_eq!(s.state_before_in(&t, Some("a")), Some(false));
    // The retry proofs' look-up is the file's own events on each name, as before.
    assert_eq!(s.state_before(&u), None);
    assert_eq!(s.state_before(&t), Some(false));
    // Twice, and unqualified.
    let s = run("CREATE TABLE t (id int); ALTER TABLE t RENAME TO u; ALTER TABLE u RENAME TO v;");
    let v = Key::Object(ObjectKind::Table, "v".into());
    assert_eq!(s.state_before_in(&v, None), Some(true));
    assert_eq!(s.state_before_in(&u, None), Some(false));
    assert_eq!(
        (s.state_before(&u), s.state_before(&v)),
        (Some(false), None)
    );
    // A live table renamed to a name the file created and dropped is not the file's.
    let s = run("CREATE TABLE u (id int); DROP TABLE u; ALTER TABLE live RENAME TO u;");
    assert_eq!(s.state_before_in(&u, None), Some(false));
    assert_eq!(s.state_before(&u), Some(false));
    // Nor one renamed to a name the file's table had.
    let s =
        run("CREATE TABLE t (id int); ALTER TABLE t RENAME TO u; ALTER TABLE live RENAME TO t;");
    assert_eq!(s.state_before_in(&t, None), Some(false));
    // Created again after the arrival: the later event decides.
    let s = run("ALTER TABLE live RENAME TO u; DROP TABLE u; CREATE TABLE u (id int);");
    assert_eq!(s.state_before_in(&u, None), Some(true));
    // A column the file added, renamed.
    let b = Key::Column("live".into(), "b".into());
    let s = run("ALTER TABLE live ADD COLUMN a int; ALTER TABLE live RENAME COLUMN a TO b;");
    assert_eq!(s.state_before_in(&b, None), Some(true));
    assert_eq!(s.state_before(&b), None);
}

#[test]
fn only_a_drops_own_trailing_cascade_word_is_its_option() {
    // (SQL, whether each of its removal steps drops with CASCADE.)
    let cases = [
        ("DROP TABLE p CASCADE;", true),
        ("DROP TABLE p, cascade CASCADE;", true),
        ("ALTER TABLE p DROP COLUMN id CASCADE;", true),
        ("ALTER TABLE p DROP COLUMN cascade CASCADE;", true),
        // PostgreSQL's unreserved word as a name, not the option.
        ("DROP TABLE p, cascade;", false),
        ("DROP TABLE cascade, p;", false),
        ("DROP TABLE cascade.p;", false),
        ("DROP TYPE IF EXISTS mood, cascade;", false),
        ("ALTER TABLE p DROP COLUMN cascade;", false),
        ("ALTER TABLE p DROP CONSTRAINT cascade;", false),
        // Another action's word.
        ("ALTER TABLE c DROP CONSTRAINT c_fk, ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE CASCADE;", false),
    ];
    for (sql, cascade) in cases {
        let parsed = parse_source(&SourceFile::new("m.sql", sql), Dialect::Postgres);
        let statement = &parsed.statements[0];
        let removals: Vec<Step> = steps::steps(statement)
            .into_iter()
            .filter(|s| s.event == Event::Remove)
            .collect();
        assert!(!removals.is_empty(), "{sql}");
        for step in &removals {
            assert_eq!(
                steps::drops_with_cascade(statement, step),
                cascade,
                "{sql}: {:?}",
                step.key
            );
        }
    }
}

#[test]
fn the_primary_key_the_file_declares_last_is_the_one_a_reference_without_columns_depends_on() {
    // (the file, the primary key name of `p` it declares)
    for (declaration, expected) in [
        (
            "ALTER TABLE p ADD CONSTRAINT p_pk PRIMARY KEY (id);",
            Some("p_pk"),
        ),
        (
            "CREATE TABLE p (id int CONSTRAINT p_pk PRIMARY KEY);",
            Some("p_pk"),
        ),
        (
            "CREATE TABLE p (id int, CONSTRAINT p_pk PRIMARY KEY (id));",
            Some("p_pk"),
        ),
        // Unnamed: PostgreSQL's default name, or that of a key on the same columns the same
        // CREATE TABLE names (PostgreSQL 15 makes one key of both).
        ("CREATE TABLE p (id int PRIMARY KEY);", Some("p_pkey")),
        (
            "CREATE TABLE p (id int PRIMARY KEY, CONSTRAINT p_u UNIQUE (id));",
            Some("p_u"),
        ),
        (
            "CREATE TABLE p (id int CONSTRAINT p_pk PRIMARY KEY); ALTER TABLE p DROP CONSTRAINT p_pk; ALTER TABLE p ADD PRIMARY KEY (id);",
            Some("p_pkey"),
        ),
        // On an index: the index's name, unless the action names the key.
        (
            "ALTER TABLE p ADD PRIMARY KEY USING INDEX p_idx;",
            Some("p_idx"),
        ),
        (
            "ALTER TABLE p ADD CONSTRAINT p_pk PRIMARY KEY USING INDEX p_idx;",
            Some("p_pk"),
        ),
        // No primary key declared on `p`.
        ("ALTER TABLE p ADD CONSTRAINT p_u UNIQUE (id);", None),
        ("ALTER TABLE q ADD CONSTRAINT q_pk PRIMARY KEY (id);", None),
    ] {
        let sql = format!("{declaration} ALTER TABLE x DROP CONSTRAINT IF EXISTS y CASCADE;");
        let parsed = parse_source(&SourceFile::new("m.sql", sql.as_str()), Dialect::Postgres);
        let s = replay(&parsed.statements, ApplyModel::StatementByStatement);
        assert_eq!(s.declared_primary_key("p").as_deref(), expected, "{sql}");
    }
}

#[test]
fn an_update_copies_the_columns_its_assignments_read() {
    let copies = |sql: &str| {
        let (statements, _) = seq(sql, ApplyModel::StatementByStatement);
        column_copies(&statements[0])
    };
    let copy =
        |t: &str, into: &str, from: &str| (t.to_string(), into.to_string(), from.to_string());
    assert_eq!(
        copies("UPDATE ONLY s.t AS x SET c_new = lower(c), n = 1 WHERE c IS NOT NULL;"),
        [copy("t", "c_new", "lower"), copy("t", "c_new", "c")]
    );
    assert_eq!(copies("UPDATE t SET c_new = c;"), [copy("t", "c_new", "c")]);
    // What only the WHERE reads is not copied.
    assert!(copies("UPDATE t SET c_new = 'x' WHERE c = 'y';").is_empty());
    assert!(copies("INSERT INTO t (c_new) SELECT c FROM t;").is_empty());
}
