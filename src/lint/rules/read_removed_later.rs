//! PF123: a statement reads a table or column that a later statement of the same file drops or
//! renames, so it fails when the file is retried after that later statement ran.

use super::prelude::*;
use crate::lint::sequence::{words, Key};
use crate::lint::rule::{literal, RunsIn};
use crate::sql::do_block::RowTable;
use crate::sql::keys::DeclaredKey;
use crate::sql::{top_level, AlterActionKind, Tok};
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::Token;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF123",
    name: "reads-object-removed-later",
    default_severity: Severity::Error,
    summary:
        "a statement uses a table or column that a later statement of the file drops or renames",
    doc: include_str!("../../../rules/PF123.md"),
    fix: FixAvailability::Sometimes(
        Applicability::Unsafe,
        "an ALTER TABLE of a table dropped later gets IF EXISTS (safe); on PostgreSQL other statements get a DO block (inside one: an IF) that runs them only while what they read exists (unsafe); none on MySQL and SQLite, for a SELECT or RETURNING, or where the file (or the statement's own DO block, before it) creates or changes the object before removing it",
    ),
};

pub struct ReadRemovedLater;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &ReadRemovedLater;

impl Rule for ReadRemovedLater {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        // A statement of a DO body runs when its DO statement does: what a later top-level
        // statement removes is gone on a retry of that.
        let (sequence, index) = match cx.sequence {
            Some(at) => at,
            None if cx.runs_in.is_in_body() => (cx.file.sequence, cx.file.top_index),
            None => return,
        };
        let shape = cx.shape();
        if matches!(
            shape.kind,
            ShapeKind::Create(ObjectKind::Function | ObjectKind::Procedure)
        ) {
            if !cx.runs_in.is_in_body() {
                out.extend(sql_body_reads_removed_later(cx, sequence, index));
            }
            return;
        }
        let reads = match &shape.kind {
            ShapeKind::Insert => true,
            ShapeKind::Other(word) => {
                matches!(
                    word.as_str(),
                    "UPDATE" | "DELETE" | "SELECT" | "WITH" | "COMMENT"
                )
            }
            ShapeKind::Create(ObjectKind::Index) => true,
            ShapeKind::Create(ObjectKind::Table) => {
                cx.statement.tokens.iter().any(|t| t.is_kw("AS"))
                    && !skips_query_on_retry(cx, sequence)
            }
            // An ALTER TABLE whose own actions create or drop the removed thing is the
            // existence rules' business; the table itself, or a column it alters in place
            // (TYPE, SET NOT NULL, DEFAULT), is read. `IF EXISTS` guards the table, not its
            // columns: where a creation makes the table for this statement on every run, the
            // ALTER runs and reads them as without it. So in a DO body or a routine the file
            // calls, when no statement of the body before it touches the table.
            ShapeKind::AlterTable => {
                !shape.guard.is_some_and(|g| g.present)
                    || shape.object().is_some_and(|table| {
                        let key = Key::Object(ObjectKind::Table, table.base().to_string());
                        let written = written_schema(&cx.statement.tokens, &key);
                        sequence.created_on_every_run(&key, index, written.as_deref())
                            && (!cx.runs_in.is_in_body()
                                || sequence.present_in_block(&key, index, cx.earlier_in_body))
                    })
            }
            _ => false,
        };
        // A DO block's guard against the statement's own retry error (`duplicate_object`)
        // does not keep a read from failing: only those of [`crate::sql::ReadGuard`] do, checked
        // below for what it reads.
        if !reads {
            return;
        }
        if !sequence.removes_anything() {
            if cx.runs_in.is_in_body() {
                // Only a later statement of its own block may remove what it reads.
                if cx.later_in_body.is_empty() {
                    return;
                }
            } else {
                // No word can name something removed later: skip folding them.
                if shape.kind != ShapeKind::AlterTable || shape.object().is_some() {
                    out.extend(column_lost_on_recreate(cx, sequence, index, None));
                }
                return;
            }
        }
        let mut words = words(cx.statement);
        if let (ShapeKind::Create(_), Some(created)) = (&shape.kind, shape.object()) {
            // `CREATE TABLE t AS …` does not read the `t` it creates.
            words.retain(|w| w != created.base());
        }
        if shape.kind == ShapeKind::AlterTable {
            // Only the table and the columns altered in place count as read.
            let Some(read) = alter_table_reads(cx.statement) else {
                return;
            };
            words = read;
        }
        // `VALIDATE CONSTRAINT c` (or `COMMENT ON CONSTRAINT c ON t`) reads what the file's
        // `ADD CONSTRAINT c` reads: PostgreSQL drops a constraint with its column, so once a
        // later statement dropped that column the retry fails here (`constraint "c" of relation
        // "t" does not exist`).
        let mut validated = None;
        // The columns a validated foreign key references, as (table, column).
        let mut referenced: Vec<(String, String)> = Vec::new();
        if sequence.adds_constraints() || !cx.earlier_in_body.is_empty() {
            for (table, name) in constraints_named(cx.statement) {
                // The file records a constraint after the whole statement that adds it: one an
                // earlier statement of the same body adds is looked for there.
                let in_body = constraint_reads_in(cx.earlier_in_body, &table, &name);
                let read = in_body
                    .as_ref()
                    .map(|(w, r)| (w.as_slice(), r.as_slice()))
                    .or_else(|| sequence.constraint_reads(&table, &name));
                if let Some((read, references)) = read {
                    validated.get_or_insert((name, words.clone()));
                    words.extend(read.iter().cloned());
                    referenced.extend(references.iter().cloned());
                }
            }
        }
        let mut hits = sequence.uses_removed_later(index, &words, may_use_old_type(cx));
        if cx.runs_in.is_in_body() && !cx.later_in_body.is_empty() {
            // What a later statement of the same block removes: the block runs again whole.
            for hit in sequence.reads_removed_later_in_body(cx.later_in_body, index, &words) {
                if !hits.iter().any(|(key, _)| *key == hit.0) {
                    hits.push(hit);
                }
            }
        }
        if let Some((_, own)) = &validated {
            // A table only the validated foreign key reads is the one it references: the
            // constraint follows that table's rename, and goes with its drop (`DROP TABLE p
            // CASCADE`), wherever a rename took it.
            hits = hits
                .into_iter()
                .filter_map(|(key, j)| match &key {
                    Key::Object(ObjectKind::Table, t) if j != index && !own.contains(t) => {
                        let dropped = sequence.dropped_after(&key, index)?;
                        Some((key, dropped))
                    }
                    // Removed later in the same body: there too only a drop takes the
                    // constraint, not a rename (`ALTER TABLE p RENAME TO p2`).
                    Key::Object(ObjectKind::Table, t) if !own.contains(t) => {
                        crate::lint::sequence::dropped_later_in_body(cx.later_in_body, &key)
                            .then_some((key, j))
                    }
                    _ => Some((key, j)),
                })
                .collect();
            // A referenced column, or the key on it, dropped with CASCADE (`ALTER TABLE p DROP
            // COLUMN id CASCADE`, `DROP CONSTRAINT p_pkey CASCADE`) takes the foreign key along.
            let before = hits.len();
            for key in referenced_keys(&referenced, |table| table_keys(sequence, table)) {
                if hits.iter().any(|(k, _)| *k == key) {
                    continue;
                }
                if let Some(j) = sequence.column_cascaded_after(&key, index) {
                    hits.push((key, j));
                } else if cx.runs_in.is_in_body()
                    && crate::lint::sequence::column_cascaded_in_body(cx.later_in_body, &key)
                {
                    // Later in the same body: the block runs again whole.
                    hits.push((key, index));
                }
            }
            if hits.len() > before {
                hits.sort_by_key(|&(_, j)| j);
            }
        }
        // A `LANGUAGE sql` routine of this file: PostgreSQL checks its body at the CREATE,
        // before any call, and that CREATE reports what a later top-level statement removes.
        let checked_at_create = cx
            .runs_in
            .sql_checked_at_create()
            .filter(|_| analysed_at_create(shape));
        if checked_at_create.is_some() {
            hits.retain(|&(_, removed_at)| removed_at == index);
        }
        // What the file (or, in a DO block, the block itself) adds back before this statement
        // is there whenever it runs: `ADD COLUMN IF NOT EXISTS old; UPDATE … old; DROP COLUMN
        // old` runs again on a retry. Not in a routine's body: another file may hold it. So is
        // what a top-level rename before it gives the name from a table a retry finds again
        // (the swap's `INSERT INTO t SELECT * FROM t_old` before `DROP TABLE t_old`).
        let read: Vec<&str> = words.iter().map(String::as_str).collect();
        // Of a copy into another table (`INSERT INTO d SELECT * FROM d2_old`), the target's
        // name, written once, reads no column of the table the read reads.
        let target = (shape.kind == ShapeKind::Insert)
            .then(|| shape.names.first())
            .flatten()
            .map(|name| match crate::sql::tables_exact() {
                // The words come as written ([`words`]).
                true => name.base().to_string(),
                false => name.base().to_ascii_lowercase(),
            })
            .filter(|target| {
                let named = |t: &&crate::sql::Tok| {
                    t.bare_word()
                        .is_some_and(|w| w.eq_ignore_ascii_case(target))
                };
                cx.statement.tokens.iter().filter(named).count() == 1
            });
        let copied: Vec<&str> = read
            .iter()
            .copied()
            .filter(|w| target.as_deref() != Some(*w))
            .collect();
        // A read of a column the fresh table a retry's `CREATE TABLE IF NOT EXISTS` makes
        // lacks: that column.
        let fresh_table_lacks = |key: &Key| {
            let Key::Object(ObjectKind::Table, table) = key else {
                return None;
            };
            let written = written_schema(&cx.statement.tokens, key);
            let read = fresh_table_reads(cx, sequence, index, table, written.as_deref())?;
            let read: Vec<&str> = read.iter().map(String::as_str).collect();
            sequence
                .read_lacked_by_fresh_table(key, index, written.as_deref(), &read)
                .map(str::to_string)
        };
        hits.retain(|(key, removed_at)| {
            let written = written_schema(&cx.statement.tokens, key);
            let written = written.as_deref();
            // A later statement's drop of a same-named table of another schema leaves this
            // one's (`SELECT … FROM t; SET search_path TO a; DROP TABLE t`).
            if *removed_at > index && !sequence.removal_after_may_act_on(key, index, written) {
                return false;
            }
            // A table a `CREATE TABLE IF NOT EXISTS` makes: only a read of the columns it
            // spells holds on a retry, which makes it fresh once the file removed it.
            let made = sequence.created_on_every_run(key, index, written)
                && fresh_table_lacks(key).is_none();
            !(made
                || (!cx.runs_in.is_in_body()
                    && (sequence.renamed_on_every_run(key, *removed_at, written, &copied)
                        || sequence.made_where_free_on_every_run(key, index, written, &read)))
                || (cx.runs_in == RunsIn::DoBody
                    && crate::lint::sequence::made_earlier_in_block(
                        key,
                        written,
                        cx.earlier_in_body,
                        cx.statement,
                        &cx.source.text,
                        cx.dialect,
                    )))
        });
        // MariaDB adds a foreign key to a table that is gone without a word while
        // `foreign_key_checks` is off (checked on 10.11: `SET foreign_key_checks = 0` before
        // `ADD CONSTRAINT f FOREIGN KEY (q) REFERENCES p (id)`, then `DROP TABLE p`, runs
        // twice).
        if cx.dialect == Dialect::Mariadb && sequence.foreign_key_checks_off() {
            hits.retain(|(key, _)| {
                !matches!(key, Key::Object(ObjectKind::Table, t) if references_only(cx.statement, t))
            });
        }
        let guard = cx.statement.read_guard.as_deref();
        if let Some(guard) = guard.filter(|_| !hits.is_empty()) {
            // What only the validated constraint reads fails as the constraint being gone.
            let via_constraint = |c: &str| {
                validated
                    .as_ref()
                    .filter(|(_, own)| !own.iter().any(|w| w == c))
                    .map(|(name, _)| name.as_str())
            };
            // MariaDB: once the parent a foreign key the ALTER adds references is gone, the
            // re-run fails first on a column it reads that is gone by then too (1054 or 1072
            // before 1005, checked on 10.11, [`crate::sql::do_block::column_loss`]): only that
            // error needs catching, when the file removes the column before the parent and
            // never gives it back. MySQL's order is not known: there both.
            let column_first = |parent: &Key| {
                cx.dialect == Dialect::Mariadb
                    && hits.iter().any(|(k, _)| {
                        matches!(k, Key::Column(t, c) if crate::sql::do_block::column_read_fails(cx.statement, t, c))
                            && sequence.gone_before(k, parent, index)
                    })
            };
            // MariaDB reports a CHECK's name taken (1826) before that 1005 too (checked on
            // 10.11): while a named CHECK the ALTER adds is there, a retry that finds the parent
            // gone fails on the CHECK's name first, in whichever order the file removes the
            // parent and the CHECK's columns.
            let check_first = cx.dialect == Dialect::Mariadb
                && named_check_stays(cx.statement, sequence, index, &hits);
            let keep: Vec<bool> = hits
                .iter()
                .map(|(key, _)| match key {
                    // A table only a foreign key the statement adds reads is its parent: adding
                    // the key raises another error than a read of the table once that is gone.
                    Key::Object(ObjectKind::Table, t) if references_only(cx.statement, t) => {
                        !guard.protects_parent(t) && !column_first(key) && !check_first
                    }
                    Key::Object(ObjectKind::Table, t) => !guard.protects(t, None),
                    Key::Column(t, c) => match via_constraint(c) {
                        Some(name) => !guard.protects_constraint(t, c, name),
                        None => !guard.protects_column(
                            t,
                            c,
                            crate::sql::do_block::column_loss(cx.statement, t, c),
                        ),
                    },
                    _ => true,
                })
                .collect();
            let mut keep = keep.into_iter();
            hits.retain(|_| keep.next().unwrap_or(true));
            if hits.is_empty() {
                return;
            }
        }
        if hits.is_empty() && (!cx.runs_in.is_in_body() || cx.runs_in == RunsIn::DoBody) {
            if let Some(v) = dropped_by_block_before(cx, sequence, index, &words, guard) {
                out.push(v);
                return;
            }
        }
        let Some((key, removed_at)) = hits.first() else {
            // In a DO body too: the block runs again on a re-run, and meets what the file
            // left.
            let lost = column_lost_on_recreate(cx, sequence, index, guard)
                .or_else(|| label_lost_on_conversion(cx, sequence, index, &words, guard));
            out.extend(lost);
            return;
        };
        // Named as the statement writes them where the server's error does (not PostgreSQL).
        let written = |name: &str, table: bool| {
            crate::sql::written_name(cx.dialect, &cx.statement.tokens, name, table)
        };
        let what = match key {
            Key::Object(_, t) => format!("table `{}`", written(t, true)),
            Key::Column(t, c) => format!("column `{}.{}`", written(t, true), written(c, false)),
            Key::Constraint(t, c) => {
                format!("constraint `{}` on `{}`", written(c, false), written(t, true))
            }
        };
        let own_word = |w: &str| match key {
            Key::Object(_, t) => t == w,
            Key::Column(_, c) => crate::lint::sequence::column_word(w) == c.as_str(),
            // Only the key a validated foreign key references (`p_pkey`).
            Key::Constraint(..) => false,
        };
        // The column the fresh table a retry's `CREATE TABLE IF NOT EXISTS` makes lacks.
        let lacked = fresh_table_lacks(key);
        // A column an atomic `DROP COLUMN c, ADD COLUMN c …` gives back: there on a retry.
        let readded = sequence.readded_at_once(key, *removed_at);
        let message = match &validated {
            Some((name, own)) if !own.iter().any(|w| own_word(w)) => format!(
                "this statement {} constraint `{name}`, which {}: a later statement of this file drops that, and the constraint with it, so a retry of the file fails here (`constraint \"{name}\" … does not exist`) once that statement has run",
                if shape.kind == ShapeKind::AlterTable {
                    "validates"
                } else {
                    "comments on"
                },
                match key {
                    // The statement names the constraint's own table: a table it does not
                    // name is the one the constraint's foreign key references.
                    Key::Object(..) => format!("references {what}"),
                    Key::Column(t, c)
                        if referenced.iter().any(|(rt, rc)| rt == t && rc == c) =>
                    {
                        format!("references {what}")
                    }
                    // A column of the primary key `REFERENCES p` is to.
                    Key::Column(t, _)
                        if referenced.iter().any(|(rt, rc)| rt == t && rc == PRIMARY_KEY) =>
                    {
                        format!("references the primary key of `{t}`, on {what}")
                    }
                    // The referenced key (`DROP CONSTRAINT p_pkey CASCADE`).
                    Key::Constraint(..) => format!("depends on {what}"),
                    _ => format!("is on {what}"),
                }
            ),
            _ => match checked_at_create {
                // What is left was removed by the body of the same call.
                Some(line) => format!(
                    "this statement of a `LANGUAGE sql` routine uses {what}, which a later statement of the routine's body drops or renames when a call runs it: PostgreSQL checks such a body when it creates the routine, so once a call ran, a retry of the file fails at the routine's `CREATE` on line {line}"
                ),
                None if readded => format!(
                    "this statement writes or compares {what}, which a later `ALTER TABLE` of this file drops and adds again, perhaps with another type: a retry of the file meets the new column, and fails here once that statement has run if the values do not fit its type"
                ),
                None => match &lacked {
                    Some(column) => format!(
                        "this statement reads `{column}` of {what}, which the `CREATE TABLE IF NOT EXISTS` that makes it before this statement does not spell: a first run may skip that creation and read a table that was there before the file, but once a later statement of this file drops or renames {what}, a retry's fresh table lacks the column `{column}` and the read fails here"
                    ),
                    None => format!(
                        "this statement uses {what}, which a later statement of this file drops or renames: a retry of the file fails here once that statement has run"
                    ),
                },
            },
        };
        let mut v = Violation::new(shape.head.clone(), message);
        // ALTER TABLE IF EXISTS skips the statement once the table is gone (MySQL has no such
        // form; MariaDB and PostgreSQL do).
        // Only the ALTERed table's own: IF EXISTS does not skip an ALTER whose foreign key
        // references a table the file drops (`REFERENCES p`, then `DROP TABLE p CASCADE`).
        let table_gone = matches!(key, Key::Object(_, t) if shape.object().is_some_and(|o| o.base() == t));
        if let Some(column) = &lacked {
            // A guard on the table's presence passes on the retry: the fresh table is there.
            v = v.note(fresh_table_note(column));
        } else if readded {
            // A guard on the column's presence passes too: the re-added column is there.
            v = v.note("no fix: the column is there on a retry, so no catalog check tells whether this statement already ran; write values that fit both types, or split the file so the `ALTER TABLE` is its own migration");
        } else if table_gone
            && shape.kind == ShapeKind::AlterTable
            && matches!(cx.dialect, Dialect::Postgres | Dialect::Mariadb)
        {
            v = v.fix(Some(cx.insert_fix(
                shape.head.end,
                "IF EXISTS",
                Applicability::Safe,
            )));
        } else if cx.dialect != Dialect::Postgres {
            v = v.note("no rewrite makes this statement survive a retry: move it after a guard, or split the file so the removal is its own migration");
        } else {
            let read: Vec<&str> = words.iter().map(String::as_str).collect();
            match presence_guard(cx, sequence, index, &hits, &read) {
                Ok(fix) => v = v.fix(Some(fix)),
                Err(why) => {
                    v = v.note(format!(
                        "no fix: {why}; split the file so the removal is its own migration"
                    ))
                }
            }
        }
        out.push(v);
    }
}

/// A read of a table that a DO block before the statement drops on a retry, the file's last
/// event on it ([`crate::lint::sequence::Sequence::dropped_on_retry_before`]): the block's
/// creation or rename finds the table the first run left, and its handler of `duplicate_table`
/// drops it, so the retry fails here with `relation "b" does not exist` (PostgreSQL 15, both
/// apply models). Not a table an earlier statement of the same DO body makes, or one the
/// statement's guard checks.
fn dropped_by_block_before(
    cx: &StatementCx,
    sequence: &crate::lint::sequence::Sequence,
    index: usize,
    words: &[String],
    guard: Option<&crate::sql::ReadGuard>,
) -> Option<Violation> {
    let table = words.iter().find(|word| {
        let key = Key::Object(ObjectKind::Table, (*word).clone());
        let written = || written_schema(&cx.statement.tokens, &key);
        if sequence
            .dropped_on_retry_before(&key, index, written)
            .is_none()
        {
            return false;
        }
        let written = written();
        let made_in_body = cx.runs_in == RunsIn::DoBody
            && crate::lint::sequence::made_earlier_in_block(
                &key,
                written.as_deref(),
                cx.earlier_in_body,
                cx.statement,
                &cx.source.text,
                cx.dialect,
            );
        !made_in_body && !guard.is_some_and(|g| g.protects(word, None))
    })?;
    let message = format!(
        "this statement uses table `{table}`, which a DO block before it drops on a retry: the block's `CREATE TABLE` or rename onto `{table}` meets the table the first run left, and its handler of `duplicate_table` drops it, so a retry of the file fails here (`relation \"{table}\" does not exist`)"
    );
    Some(
        Violation::new(cx.shape().head.clone(), message).note(
            "no fix: make the handler leave the table (`NULL`), or make the table again after its drop",
        ),
    )
}

/// Does the statement write rows (`INSERT`, `UPDATE`, `MERGE`), or, on PostgreSQL, hold a
/// string literal (`WHERE c = 'x'`)? A value it writes or compares may not fit a column a
/// later statement adds again with another type (`invalid input syntax for type integer`;
/// MariaDB converts such a string in a comparison).
fn may_use_old_type(cx: &StatementCx) -> bool {
    match &cx.shape().kind {
        ShapeKind::Insert => true,
        ShapeKind::Other(word) if matches!(word.as_str(), "UPDATE" | "MERGE") => true,
        _ => {
            cx.dialect == Dialect::Postgres
                && cx
                    .statement
                    .tokens
                    .iter()
                    .any(|t| matches!(t.token, Token::SingleQuotedString(_)))
        }
    }
}

/// MariaDB's top-level `CREATE TABLE IF NOT EXISTS t AS …` whose `t` the file never removes:
/// MariaDB skips the query while `t` is there (a note; checked on 10.11), and a retry that
/// gets past a later removal of what the query reads finds the `t` the first run made.
/// PostgreSQL analyses the query first, and fails there.
fn skips_query_on_retry(cx: &StatementCx, sequence: &crate::lint::sequence::Sequence) -> bool {
    let shape = cx.shape();
    cx.dialect == Dialect::Mariadb
        && !cx.runs_in.is_in_body()
        && shape.guard.as_ref().is_some_and(|g| g.present)
        && shape.object().is_some_and(|made| {
            !sequence.removes(&Key::Object(ObjectKind::Table, made.base().to_string()))
        })
}

/// The note of a read of `column`, which the fresh table a retry's `CREATE TABLE IF NOT EXISTS`
/// makes lacks: no fix (a check that the table exists passes on the retry).
fn fresh_table_note(column: &str) -> String {
    format!(
        "no fix: spell `{column}` in that `CREATE TABLE IF NOT EXISTS`, or add it with `ADD COLUMN IF NOT EXISTS` before this statement, so the retry's fresh table has it"
    )
}

/// The schema `tokens` write for the table of `key` (`s` of `s.t`), folded; `None` when they
/// name it unqualified only.
fn written_schema(tokens: &[Tok], key: &Key) -> Option<String> {
    let (Key::Object(_, table) | Key::Column(table, _) | Key::Constraint(table, _)) = key;
    tokens
        .windows(3)
        .filter(|w| {
            w[1].is(&Token::Period) && crate::sql::folded_table(&w[2]).as_deref() == Some(table)
        })
        .find_map(|w| crate::sql::folded_table(&w[0]))
}

/// Does PostgreSQL parse and analyse a statement of this kind in a `LANGUAGE sql` body when it
/// creates the routine? A query (SELECT, INSERT, UPDATE, DELETE, WITH, MERGE) is; a utility
/// statement (ALTER TABLE, CREATE INDEX, COMMENT) is only parsed, and reads at the call.
fn analysed_at_create(shape: &crate::sql::Shape) -> bool {
    match &shape.kind {
        ShapeKind::Insert => true,
        ShapeKind::Other(word) => {
            matches!(
                word.as_str(),
                "UPDATE" | "DELETE" | "SELECT" | "WITH" | "MERGE"
            )
        }
        _ => false,
    }
}

/// PostgreSQL `CREATE [OR REPLACE] FUNCTION|PROCEDURE … LANGUAGE sql` (or `BEGIN ATOMIC`) whose
/// body's queries read a table or column a later statement of the file removes: PostgreSQL
/// analyses such a body when it creates the routine (with `check_function_bodies` on, the
/// default), so a retry fails at the CREATE once the removal ran, whether or not anything calls
/// the routine. Reported at the CREATE, without a fix.
fn sql_body_reads_removed_later(
    cx: &StatementCx,
    sequence: &crate::lint::sequence::Sequence,
    index: usize,
) -> Option<Violation> {
    // A SQL-standard body (`BEGIN ATOMIC`, `RETURN …`) is parsed at the CREATE whatever
    // `check_function_bodies` says.
    let tokens = &cx.statement.tokens;
    let standard = tokens
        .windows(2)
        .any(|w| w[0].is_kw("BEGIN") && w[1].is_kw("ATOMIC"))
        || !tokens.iter().any(|t| t.is_kw("AS"));
    if cx.dialect != Dialect::Postgres
        || !sequence.removes_anything()
        || !(standard || cx.file.history.checks_function_bodies())
        || !crate::sql::do_block::is_sql_routine(tokens)
    {
        return None;
    }
    let body = crate::sql::do_block::routine_body_range(
        cx.source,
        cx.dialect,
        &cx.statement.tokens,
    )?;
    let lexed = crate::sql::lexer::lex(cx.dialect, &cx.source.text, body);
    if lexed.error.is_some() {
        return None;
    }
    // Its statements' words: of the queries only (a body of SQL holds nothing else that
    // reads at the CREATE).
    const QUERIES: &[&str] = &[
        "SELECT", "WITH", "INSERT", "UPDATE", "DELETE", "MERGE", "VALUES", "TABLE", "RETURN",
    ];
    let mut read: Vec<String> = Vec::new();
    let mut queries: Vec<&[Tok]> = Vec::new();
    for part in crate::sql::dynamic::split_top(&lexed.tokens, |t| t.is(&Token::SemiColon)) {
        let query = part.first().is_some_and(|t| {
            QUERIES.iter().any(|q| t.is_kw(q)) || t.is(&Token::LParen)
        });
        if query {
            read.extend(part.iter().filter_map(crate::sql::folded));
            queries.push(part);
        }
    }
    let hits = sequence.reads_removed_later(index, &read);
    // A table a `CREATE TABLE IF NOT EXISTS` makes before: the column of it the queries read
    // that the fresh table a retry makes once the removal ran lacks.
    let fresh_table_lacks = |key: &Key, written: Option<&str>| {
        let Key::Object(ObjectKind::Table, table) = key else {
            return None;
        };
        let read_table = RowTable {
            schema: written.map(str::to_string),
            base: table.clone(),
        }
        .resolved(sequence.schema_of(None));
        let columns: Vec<String> = queries
            .iter()
            .flat_map(|part| {
                let insert = part.first().is_some_and(|t| t.is_kw("INSERT"));
                column_reads(part, 1..part.len(), table, read_table.clone(), true, insert)
            })
            .collect();
        let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
        sequence
            .read_lacked_by_fresh_table(key, index, written, &columns)
            .map(str::to_string)
    };
    let (key, lacked) = hits.iter().find_map(|(key, _)| {
        let written = written_schema(&lexed.tokens, key);
        let written = written.as_deref();
        if !sequence.created_on_every_run(key, index, written) {
            return Some((key, None));
        }
        fresh_table_lacks(key, written).map(|column| (key, Some(column)))
    })?;
    let what = match key {
        Key::Object(_, t) => format!("table `{t}`"),
        Key::Column(t, c) => format!("column `{t}.{c}`"),
        Key::Constraint(t, c) => format!("constraint `{c}` on `{t}`"),
    };
    let message = match &lacked {
        Some(column) => format!(
            "this `LANGUAGE sql` routine's body reads `{column}` of {what}, which the `CREATE TABLE IF NOT EXISTS` that makes it before this statement does not spell: a first run may skip that creation and find a table that was there before the file, but once a later statement of this file drops or renames {what}, a retry's fresh table lacks the column `{column}`, and PostgreSQL's check of the body when it creates the routine (`check_function_bodies`) fails here"
        ),
        None => format!(
            "this `LANGUAGE sql` routine's body uses {what}, which a later statement of this file drops or renames: PostgreSQL checks such a body when it creates the routine (`check_function_bodies`), so a retry of the file fails here once that statement has run, whether or not anything calls the routine"
        ),
    };
    let note = match &lacked {
        Some(column) => fresh_table_note(column),
        None => "no fix: a `LANGUAGE sql` body cannot check that what it reads exists; split the file so the removal is its own migration, or write the body in PL/pgSQL, which PostgreSQL checks only when a call runs it".to_string(),
    };
    Some(Violation::new(cx.shape().head.clone(), message).note(note))
}

/// What an ALTER TABLE reads that a later statement may remove, as folded words: its table,
/// and the words of the actions that alter a column in place or add a constraint or an index on
/// columns (of a foreign key's REFERENCES, only the other table's name). `None` without a
/// table.
pub(crate) fn alter_table_reads(statement: &crate::sql::Statement) -> Option<Vec<String>> {
    let shape = &statement.shape;
    let table = shape.object()?;
    let mut words = vec![table.base().to_string()];
    for action in &shape.actions {
        // A constraint or index the action adds reads its columns (`CHECK (old > 0)`,
        // `FOREIGN KEY (old)`, `UNIQUE (old)`): once a later statement dropped `old`, a retry
        // fails here. Its own name is no read.
        let adds_on_columns = matches!(
            action.kind,
            AlterActionKind::AddConstraint | AlterActionKind::AddIndex
        );
        if action.kind == AlterActionKind::Other || adds_on_columns {
            words.extend(action_reads(statement, action));
        }
    }
    Some(words)
}

/// The folded words an action of an ALTER TABLE reads: all but its own name, and of a foreign
/// key's REFERENCES only the other table's name.
fn action_reads(
    statement: &crate::sql::Statement,
    action: &crate::sql::AlterAction,
) -> Vec<String> {
    clause_reads(&action_tokens(statement, action))
}

/// The tokens of an ALTER TABLE action, but its own name.
fn action_tokens<'s>(
    statement: &'s crate::sql::Statement,
    action: &crate::sql::AlterAction,
) -> Vec<&'s Tok> {
    let name = action.name.as_ref().map(|n| n.range.clone());
    crate::sql::tokens_in(&statement.tokens, &action.range)
        .iter()
        .filter(|t| {
            name.as_ref()
                .is_none_or(|n| !(n.start <= t.range.start && t.range.end <= n.end))
        })
        .collect()
}

/// The folded words a constraint clause's `tokens` read: of a foreign key's REFERENCES only the
/// other table's name. Its referenced columns are that table's, so a later drop of a same-named
/// column of this table is not mistaken for one.
fn clause_reads(tokens: &[&Tok]) -> Vec<String> {
    let references = tokens.iter().position(|t| t.is_kw("REFERENCES"));
    let referenced = references.map_or(&[][..], |r| {
        let rest = &tokens[r + 1..];
        let end = rest
            .iter()
            .position(|t| matches!(t.token, Token::LParen))
            .unwrap_or(rest.len());
        &rest[..end]
    });
    let own = &tokens[..references.unwrap_or(tokens.len())];
    own.iter()
        .chain(referenced)
        .copied()
        .filter_map(crate::lint::sequence::folded)
        .collect()
}

/// The columns a foreign key clause's `tokens` reference, as (table, column), folded:
/// `REFERENCES [s.]p (id, …)`. A reference without a column list (`REFERENCES p`, whatever
/// follows: `NOT VALID`, `ON DELETE SET NULL (a)`) is to the table's primary key: one
/// ([`PRIMARY_KEY`], `p`).
fn clause_references(tokens: &[&Tok]) -> Vec<(String, String)> {
    use crate::lint::sequence::folded;
    let Some(r) = tokens.iter().position(|t| t.is_kw("REFERENCES")) else {
        return Vec::new();
    };
    // The referenced table's name: words joined by periods.
    let mut k = r + 1;
    let mut table = None;
    while let Some(part) = tokens.get(k).and_then(|t| crate::sql::folded_table(t)) {
        table = Some(part);
        if !tokens.get(k + 1).is_some_and(|t| t.is(&Token::Period)) {
            break;
        }
        k += 2;
    }
    let Some(table) = table else {
        return Vec::new();
    };
    if !tokens.get(k + 1).is_some_and(|t| t.is(&Token::LParen)) {
        return vec![(table, PRIMARY_KEY.to_string())];
    }
    tokens[k + 2..]
        .iter()
        .take_while(|t| !matches!(t.token, Token::RParen))
        .filter_map(|t| folded(t))
        .map(|column| (table.clone(), column))
        .collect()
}

/// Is `table` (folded) one a foreign key that ALTER TABLE `statement` adds references, and not
/// the table it alters?
fn references_only(statement: &crate::sql::Statement, table: &str) -> bool {
    let shape = &statement.shape;
    shape.kind == ShapeKind::AlterTable
        && shape
            .object()
            .is_some_and(|own| own.base() != table)
        && shape
            .actions
            .iter()
            .filter(|a| a.kind == AlterActionKind::AddConstraint)
            .any(|a| {
                clause_references(&action_tokens(statement, a))
                    .iter()
                    .any(|(t, _)| t == table)
            })
}

/// Does ALTER TABLE `statement` (statement `index` of the file) add a named CHECK (without `IF
/// NOT EXISTS`) that is there at every retry of it from a crash point after it, unless a
/// column the CHECK reads is gone? The file removes neither the CHECK nor its table (which a
/// retry's `CREATE TABLE IF NOT EXISTS` would make again without it), and each column the
/// CHECK reads either stays, or is one of `hits` (what the statement reads that is gone on
/// a retry) that no statement gives back once removed after `index`: a drop of the column
/// takes the CHECK along, and a retry then fails on the column (1054, a hit of its own).
fn named_check_stays(
    statement: &crate::sql::Statement,
    sequence: &crate::lint::sequence::Sequence,
    index: usize,
    hits: &[(Key, usize)],
) -> bool {
    let shape = &statement.shape;
    let Some(table) = shape
        .object()
        .filter(|_| shape.kind == ShapeKind::AlterTable)
        .map(|t| t.base().to_string())
    else {
        return false;
    };
    if sequence.removes(&Key::Object(ObjectKind::Table, table.clone())) {
        return false;
    }
    shape
        .actions
        .iter()
        .filter(|a| a.kind == AlterActionKind::AddConstraint)
        .filter(|a| !a.guard.is_some_and(|g| g.present))
        .any(|a| {
            let Some(name) = &a.name else {
                return false;
            };
            let words = crate::sql::tokens_in(&statement.tokens, &a.range);
            crate::sql::added_constraint_kind(words) == Some("CHECK")
                && !sequence.removes(&Key::Constraint(table.clone(), name.base().to_string()))
                && action_reads(statement, a).into_iter().all(|w| {
                    let column = Key::Column(table.clone(), w);
                    !sequence.removes(&column)
                        || (hits.iter().any(|(k, _)| *k == column)
                            && sequence.stays_gone(&column, index))
                })
        })
}

/// The column of a [`ColumnRef`] that stands for the referenced table's primary key, whose
/// columns the clause does not name (`REFERENCES p`): no column's name is empty.
pub(crate) const PRIMARY_KEY: &str = "";

/// What the file tells of a referenced table's keys, for [`referenced_keys`]: its primary key's
/// name (the file's `CONSTRAINT p_pk PRIMARY KEY`, else PostgreSQL's default, `p_pkey`), and
/// the primary and unique keys the statements checked so far declare on it and leave there, as
/// [`DeclaredKey`]s, in the order the file made them.
pub(crate) struct TableKeys<'s> {
    pub primary: String,
    pub declared: Vec<&'s DeclaredKey>,
}

/// [`TableKeys`] of `table`, from what `sequence` recorded.
pub(crate) fn table_keys<'s>(
    sequence: &'s crate::lint::sequence::Sequence,
    table: &str,
) -> TableKeys<'s> {
    TableKeys {
        primary: sequence
            .declared_primary_key(table)
            .unwrap_or_else(|| format!("{table}_pkey")),
        declared: sequence.declared_keys(table),
    }
}

/// What a foreign key referencing `referenced` depends on: each column, and the key on them.
/// The first key the file made of those still there on exactly those columns (`keys`: the
/// primary key, or a unique constraint, in any order, as PostgreSQL matches them; it picks the
/// first usable unique index by OID); else a unique constraint on exactly
/// those under PostgreSQL's default name (`p_code_key`), and the table's primary key only while
/// the file declares none on `p` (its columns unknown) and the columns are named as primary keys
/// usually are ([`assumed_primary_key`]). A reference without a column list (`REFERENCES p`) is
/// to the primary key: it depends on that key, under the name `keys` gives it, and on the
/// key's columns when the file declares them (a drop of a column of `p` takes the key along).
fn referenced_keys<'s>(
    referenced: &[ColumnRef],
    keys: impl Fn(&str) -> TableKeys<'s>,
) -> Vec<Key> {
    let mut keys_of: Vec<Key> = referenced
        .iter()
        .filter(|(_, column)| column != PRIMARY_KEY)
        .map(|(table, column)| Key::Column(table.clone(), column.clone()))
        .collect();
    let mut tables: Vec<&String> = referenced.iter().map(|(table, _)| table).collect();
    tables.dedup();
    for table in tables {
        let columns: Vec<&str> = referenced
            .iter()
            .filter(|(t, c)| t == table && c != PRIMARY_KEY)
            .map(|(_, c)| c.as_str())
            .collect();
        let known = keys(table);
        // The columns of the table's last primary key; `None` when the file declares none, or
        // one whose columns it does not spell (`USING INDEX i`).
        let primary_columns = known
            .declared
            .iter()
            .rev()
            .find(|key| key.is_primary)
            .map(|key| &key.columns)
            .filter(|columns| !columns.is_empty());
        if columns.is_empty() {
            for column in primary_columns.into_iter().flatten() {
                let key = Key::Column(table.clone(), column.clone());
                if !keys_of.contains(&key) {
                    keys_of.push(key);
                }
            }
            keys_of.push(Key::Constraint(table.clone(), known.primary));
            continue;
        }
        // PostgreSQL takes the first usable unique index on the columns by OID, the order the
        // file made the keys still there (`TableKeys::declared`), the primary key among them.
        if let Some(key) = known
            .declared
            .iter()
            .find(|key| same_columns(&key.columns, &columns))
        {
            keys_of.push(Key::Constraint(table.clone(), key.name.clone()));
            continue;
        }
        if primary_columns.is_none() && assumed_primary_key(table, &columns) {
            keys_of.push(Key::Constraint(table.clone(), known.primary));
        }
        keys_of.push(Key::Constraint(
            table.clone(),
            format!("{table}_{}_key", columns.join("_")),
        ));
    }
    keys_of
}

/// Are `declared` (a key's columns) the referenced `columns`, in any order, as PostgreSQL
/// matches a foreign key's to a key?
fn same_columns(declared: &[String], columns: &[&str]) -> bool {
    declared.len() == columns.len()
        && declared.iter().all(|d| columns.contains(&d.as_str()))
        && columns.iter().all(|c| declared.iter().any(|d| d == c))
}

/// Beside `key`, the key on `table` a foreign key to `references` depends on, which a later
/// statement drops with CASCADE: is there another key the file declared on the same columns
/// before statement `index` (still there then: [`table_keys`]) that no later statement removes,
/// nor its table or a column of it? A retry that adds the foreign key again finds that one,
/// and passes (`p_u1` and `p_u2` both `UNIQUE (code)`, then `DROP CONSTRAINT p_u1 CASCADE`:
/// the retry's foreign key depends on `p_u2`; PostgreSQL 15, every crash point and a per-file
/// transaction).
fn another_key_stays(
    references: &[ColumnRef],
    sequence: &crate::lint::sequence::Sequence,
    index: usize,
    key: &Key,
) -> bool {
    let Key::Constraint(table, name) = key else {
        return false;
    };
    let columns: Vec<&str> = references
        .iter()
        .filter(|(t, c)| t == table && c != PRIMARY_KEY)
        .map(|(_, c)| c.as_str())
        .collect();
    let stays = |key: Key| sequence.removed_after_key(&key, index).is_none();
    !columns.is_empty()
        && stays(Key::Object(ObjectKind::Table, table.clone()))
        && sequence.declared_keys(table).into_iter().any(|other| {
            other.name != *name
                && same_columns(&other.columns, &columns)
                && stays(Key::Constraint(table.clone(), other.name.clone()))
                && other
                    .columns
                    .iter()
                    .all(|c| stays(Key::Column(table.clone(), c.clone())))
        })
}

/// Does a foreign key to `columns` of `table`, whose primary key the file does not declare,
/// reference that key? Lint cannot know which of the table's keys it uses: it takes one that
/// names `id`, or `<table>_id` (`users`' `user_id` too), for the primary key, the common
/// `REFERENCES p (id)`, and any other list for a unique constraint (`REFERENCES p (code)`),
/// which a drop of the primary key leaves alone.
fn assumed_primary_key(table: &str, columns: &[&str]) -> bool {
    let singular = table.strip_suffix('s').unwrap_or(table);
    columns.iter().any(|c| {
        *c == "id" || *c == format!("{table}_id") || *c == format!("{singular}_id")
    })
}

/// PostgreSQL: what the foreign key an ALTER TABLE `action` adds references that a later
/// statement of the file drops with CASCADE (`ALTER TABLE p DROP CONSTRAINT p_pkey CASCADE`,
/// `DROP COLUMN id CASCADE`), as [`referenced_keys`] gives it, or a later statement of the
/// statement's own DO block. That drop takes the foreign key along: a retry adds it again, and
/// fails, as what it needs is gone, unless a guard of the statement ([`crate::sql::ReadGuard`])
/// keeps it running. With the retry's error.
pub(crate) fn reference_cascaded_later(
    cx: &StatementCx,
    action: &crate::sql::AlterAction,
) -> Option<(Key, &'static str)> {
    if cx.dialect != Dialect::Postgres {
        return None;
    }
    let (sequence, index) = match cx.sequence {
        Some(at) => at,
        None if cx.runs_in.is_in_body() => (cx.file.sequence, cx.file.top_index),
        None => return None,
    };
    let references = clause_references(&action_tokens(cx.statement, action));
    if references.is_empty() {
        return None;
    }
    // A key a top-level statement before this one added last (`ALTER TABLE p ADD CONSTRAINT
    // p_u1 UNIQUE (code)`, no guard to skip it) is there again when a retry reaches the foreign
    // key: the retry adds it back (or fails on finding it), as on the first run.
    let made_again = |key: &Key| {
        matches!(key, Key::Constraint(..)) && sequence.state_before(key) == Some(true)
    };
    let key = referenced_keys(&references, |table| table_keys(sequence, table))
        .into_iter()
        .find(|key| {
            (sequence.column_cascaded_after(key, index).is_some()
                || (cx.runs_in.is_in_body()
                    && crate::lint::sequence::column_cascaded_in_body(cx.later_in_body, key)))
                && !made_again(key)
        })?;
    let without_columns = references.iter().any(|(_, c)| c == PRIMARY_KEY);
    if !without_columns && another_key_stays(&references, sequence, index, &key) {
        return None;
    }
    // A handler for the retry's error, or an IF whose check holds only while what went is
    // there, keeps the statement running.
    if let Some(guard) = cx.statement.read_guard.as_deref() {
        let (caught, name) = match &key {
            // The key went with its column: `there is no primary key`.
            Key::Column(_, c) | Key::Constraint(_, c) if without_columns => {
                (guard.missing_object, c)
            }
            Key::Column(t, c) => (guard.protects(t, Some(c)), c),
            Key::Constraint(_, c) => (guard.bad_reference, c),
            Key::Object(_, t) => (guard.missing_table, t),
        };
        if caught || guard.checks.iter().any(|m| m.contains(name)) {
            return None;
        }
    }
    if fails_first_into_handler(cx, sequence, index, action) {
        return None;
    }
    let error = match key {
        _ if without_columns => "there is no primary key for referenced table",
        Key::Column(..) => "column … referenced in foreign key constraint does not exist",
        _ => "there is no unique constraint matching given keys for referenced table",
    };
    Some((key, error))
}

/// Does an action of ALTER TABLE `cx.statement` that PostgreSQL runs before `action` (a foreign
/// key it adds) certainly fail on a retry, with an error a handler around the statement
/// catches ([`crate::sql::ReadGuard::readded_caught`])? Then the handler takes over before the
/// foreign key is added again, and the ALTER's other actions roll back with it. PostgreSQL 15
/// adds CHECKs and foreign keys last, in the written order, after every other action (a UNIQUE
/// or primary key before them wherever it is written; checked on the server, each pair of
/// failing actions in both orders). Such an action fails certainly when it adds a named
/// constraint no statement of the file removes, on columns none removes, and, a foreign key,
/// to a key no later statement drops with CASCADE.
fn fails_first_into_handler(
    cx: &StatementCx,
    sequence: &crate::lint::sequence::Sequence,
    index: usize,
    action: &crate::sql::AlterAction,
) -> bool {
    let Some(guard) = cx.statement.read_guard.as_deref() else {
        return false;
    };
    let shape = cx.shape();
    let Some(table) = shape.object().map(|t| t.base().to_string()) else {
        return false;
    };
    let Some(at) = shape.actions.iter().position(|a| std::ptr::eq(a, action)) else {
        return false;
    };
    let in_written_order = |a: &crate::sql::AlterAction| {
        matches!(
            crate::sql::added_constraint_kind(crate::sql::tokens_in(&cx.statement.tokens, &a.range)),
            Some("FOREIGN" | "CHECK")
        )
    };
    guard.readded_caught.iter().any(|&k| {
        let Some(earlier) = shape.actions.get(k).filter(|_| k != at) else {
            return false;
        };
        let Some(name) = earlier.name.as_ref() else {
            return false;
        };
        if in_written_order(earlier) && k > at {
            return false;
        }
        let removed = |key: Key| sequence.removes(&key);
        let references = clause_references(&action_tokens(cx.statement, earlier));
        !removed(Key::Constraint(table.clone(), name.base().to_string()))
            && !action_reads(cx.statement, earlier)
                .into_iter()
                .any(|c| removed(Key::Column(table.clone(), c)))
            && referenced_keys(&references, |t| table_keys(sequence, t))
                .iter()
                .all(|key| sequence.column_cascaded_after(key, index).is_none())
    })
}

/// A column, as (table, column), folded.
pub(crate) type ColumnRef = (String, String);

/// A constraint a statement adds: (table, constraint, the words the action reads, the
/// columns a foreign key references).
pub(crate) type AddedConstraint = (String, String, Vec<String>, Vec<ColumnRef>);

/// The named constraints an `ALTER TABLE t ADD CONSTRAINT c …` adds, or a `CREATE TABLE t (…)`
/// declares ([`declared_constraints`]): (table, constraint, the words the action reads), for [`crate::lint::sequence::Sequence::constraint_reads`].
pub(crate) fn added_constraints(statement: &crate::sql::Statement) -> Vec<AddedConstraint> {
    let shape = &statement.shape;
    if shape.kind == ShapeKind::Create(ObjectKind::Table) {
        return declared_constraints(statement);
    }
    let Some(table) = shape.object().filter(|_| shape.kind == ShapeKind::AlterTable) else {
        return Vec::new();
    };
    shape
        .actions
        .iter()
        .filter(|a| a.kind == AlterActionKind::AddConstraint)
        .filter_map(|a| {
            let name = a.name.as_ref()?.base().to_string();
            let references = clause_references(&action_tokens(statement, a));
            Some((
                table.base().to_string(),
                name,
                action_reads(statement, a),
                references,
            ))
        })
        .collect()
}

/// The words the last `ADD CONSTRAINT name` on `table` among `statements` reads, as
/// [`added_constraints`] gives them; `None` when none adds it.
fn constraint_reads_in(
    statements: &[crate::sql::Statement],
    table: &str,
    name: &str,
) -> Option<(Vec<String>, Vec<ColumnRef>)> {
    statements.iter().rev().find_map(|s| {
        added_constraints(s)
            .into_iter()
            .find(|(t, n, _, _)| t == table && n == name)
            .map(|(_, _, words, references)| (words, references))
    })
}

/// The named constraints `CREATE TABLE t (…)` declares, as [`added_constraints`] gives them: a
/// table constraint (`CONSTRAINT c CHECK (a > b)`) reads its clause; a column's own reads its
/// clause, and a key or reference the column too (`old int CONSTRAINT c REFERENCES p`): a drop
/// of the column takes it along.
fn declared_constraints(statement: &crate::sql::Statement) -> Vec<AddedConstraint> {
    use crate::lint::sequence::folded;
    let Some(table) = statement.shape.object() else {
        return Vec::new();
    };
    let tokens = &statement.tokens;
    // Most tables name no constraint: no element split for them.
    if !tokens.iter().any(|t| t.is_kw("CONSTRAINT")) {
        return Vec::new();
    }
    let Some(open) = tokens.iter().position(|t| t.is(&Token::LParen)) else {
        return Vec::new();
    };
    let Some(close) = crate::sql::lexer::matching_paren(tokens, open) else {
        return Vec::new();
    };
    // The table's elements: the runs between the list's top-level commas.
    let elements = crate::sql::dynamic::split_top(&tokens[open + 1..close], |t| {
        t.is(&Token::Comma)
    });
    let mut out = Vec::new();
    for element in elements {
        let column = element
            .first()
            .filter(|_| !crate::sql::shape::starts_non_column(element, statement.dialect))
            .and_then(folded);
        // What comes before the element's first top-level CONSTRAINT, then each named
        // constraint: its name and its clause.
        for named in crate::sql::dynamic::split_top(element, |t| t.is_kw("CONSTRAINT"))
            .into_iter()
            .skip(1)
        {
            let Some(name) = named.first().and_then(folded) else {
                continue;
            };
            let clause: Vec<&Tok> = named[1..].iter().collect();
            let mut reads = clause_reads(&clause);
            // A CHECK depends on the columns its expression reads (PostgreSQL keeps `old int
            // CONSTRAINT d CHECK (id > 0)` when `old` is dropped); a key or reference on the
            // column itself.
            if !clause.first().is_some_and(|t| t.is_kw("CHECK")) {
                reads.extend(column.clone());
            }
            let references = clause_references(&clause);
            out.push((table.base().to_string(), name, reads, references));
        }
    }
    out
}

/// The constraints of tables a statement names, as (table, constraint), folded: those an
/// ALTER TABLE validates, and that of `COMMENT ON CONSTRAINT c ON [s.]t` (not `ON DOMAIN`).
fn constraints_named(statement: &crate::sql::Statement) -> Vec<(String, String)> {
    use crate::lint::sequence::folded;
    let shape = &statement.shape;
    if shape.kind == ShapeKind::AlterTable {
        let Some(table) = shape.object() else {
            return Vec::new();
        };
        return validated_constraints(statement)
            .into_iter()
            .map(|name| (table.base().to_string(), name))
            .collect();
    }
    match &statement.tokens[..] {
        [comment, on, constraint, name, on_table, rest @ ..]
            if comment.is_kw("COMMENT")
                && on.is_kw("ON")
                && constraint.is_kw("CONSTRAINT")
                && on_table.is_kw("ON")
                && !rest.first().is_some_and(|t| t.is_kw("DOMAIN")) =>
        {
            let is = rest.iter().position(|t| t.is_kw("IS")).unwrap_or(rest.len());
            match (rest[..is].last().and_then(folded), folded(name)) {
                (Some(table), Some(name)) => vec![(table, name)],
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

/// The constraints an ALTER TABLE names to validate (`VALIDATE CONSTRAINT c`), folded.
fn validated_constraints(statement: &crate::sql::Statement) -> Vec<String> {
    statement
        .shape
        .actions
        .iter()
        .filter(|a| a.kind == AlterActionKind::Other)
        .filter_map(|a| {
            let mut tokens = crate::sql::tokens_in(&statement.tokens, &a.range).iter();
            let (validate, constraint) = (tokens.next()?, tokens.next()?);
            (validate.is_kw("VALIDATE") && constraint.is_kw("CONSTRAINT"))
                .then(|| tokens.next().and_then(crate::lint::sequence::folded))?
        })
        .collect()
}

/// PostgreSQL: runs the statement only while everything it reads that the file removes later
/// still exists. On the first run it always does (a later statement removes it, and nothing in
/// between creates it); a retry that reached the removal skips a statement that already ran.
/// Unsafe: a retry that did not reach the removal runs it again, as before. `words`: the
/// statement's words, which tell whether the table a rebuild renames onto a removed name has
/// what the statement reads (then a re-run of the whole file may run it again).
fn presence_guard(
    cx: &StatementCx,
    sequence: &crate::lint::sequence::Sequence,
    index: usize,
    hits: &[(Key, usize)],
    words: &[&str],
) -> Result<crate::diagnostics::Fix, &'static str> {
    if !runs_in_plpgsql(cx.statement) {
        return Err("a SELECT, a RETURNING or a column named `found` cannot run unchanged in a DO block");
    }
    if cx.runs_in.is_routine_body() && hits.iter().any(|&(_, removed_at)| removed_at == index) {
        // The routine may run again, from another call: a check there could hide a failure.
        return Err("the routine body it runs in removes it, after this statement");
    }
    let mut checks = Vec::new();
    for (key, removed_at) in hits {
        // Only a hit of the statement's own DO block has the block's index: the block runs as
        // one statement, so what it removes is gone on a retry only once this read ran.
        if *removed_at == index {
            if !sequence.present_in_block(key, index, cx.earlier_in_body) {
                return Err("the file or the DO block also creates or changes what it reads before this statement, so a check that it exists would not tell whether this statement already ran");
            }
        } else if !sequence.present_until(key, index, *removed_at, words) {
            // Present but for the words: the rebuild's rename gives the name back to a table
            // without something this statement reads.
            if sequence.present_until(key, index, *removed_at, &[]) {
                return Err("a later rename gives the name back to a table that lacks a column this statement reads (a rebuild's new table), so a re-run of the whole file fails here even behind a check that it exists");
            }
            return Err("the file also creates what it reads (or touches it in a DO block), so a check that it exists would not tell whether this statement already ran");
        }
        let check = match key {
            Key::Object(ObjectKind::Table, t) => {
                format!("to_regclass({}) IS NOT NULL", literal(&quoted(t)))
            }
            Key::Column(t, c) => format!(
                "EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass({}) AND attname = {} AND NOT attisdropped)",
                literal(&quoted(t)),
                literal(c)
            ),
            _ => return Err("a constraint cannot be checked this way"),
        };
        if !checks.contains(&check) {
            checks.push(check);
        }
    }
    let (condition, message) = (
        checks.join(" AND "),
        "Run it only while what it reads still exists",
    );
    if cx.runs_in.is_in_body() {
        if !cx.runs_in.is_plpgsql() {
            return Err("the routine's body is not PL/pgSQL, so no IF can hold the statement");
        }
        // In its block, so the block's handlers keep catching what they caught.
        cx.catalog_guard_in_body(&condition, message)
            .ok_or("the check names something with a `$`, which could end the DO body")
    } else {
        cx.catalog_guard_fix(&condition, message)
            .ok_or("a DO block cannot hold this statement")
    }
}

/// Words PostgreSQL uses as syntax in a query rather than as a column: its reserved keywords
/// (<https://www.postgresql.org/docs/current/sql-keywords-appendix.html>, also those that may
/// name a function or type), and the non-reserved ones a query, type name or typed literal
/// spells (`NULLS LAST`, `ON CONFLICT DO NOTHING`, `AT TIME ZONE`, `double precision`,
/// `EXTRACT(YEAR FROM …)`, `OVER (PARTITION BY … ROWS UNBOUNDED PRECEDING)`).
const QUERY_SYNTAX: &[&str] = &[
    // Reserved.
    "ALL", "ANALYSE", "ANALYZE", "AND", "ANY", "ARRAY", "AS", "ASC", "ASYMMETRIC", "BOTH",
    "CASE", "CAST", "CHECK", "COLLATE", "COLUMN", "CONSTRAINT", "CREATE", "CURRENT_CATALOG",
    "CURRENT_DATE", "CURRENT_ROLE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "CURRENT_USER",
    "DEFAULT", "DEFERRABLE", "DESC", "DISTINCT", "DO", "ELSE", "END", "EXCEPT", "FALSE",
    "FETCH", "FOR", "FOREIGN", "FROM", "GRANT", "GROUP", "HAVING", "IN", "INITIALLY",
    "INTERSECT", "INTO", "LATERAL", "LEADING", "LIMIT", "LOCALTIME", "LOCALTIMESTAMP", "NOT",
    "NULL", "OFFSET", "ON", "ONLY", "OR", "ORDER", "PLACING", "PRIMARY", "REFERENCES",
    "RETURNING", "SELECT", "SESSION_USER", "SOME", "SYMMETRIC", "SYSTEM_USER", "TABLE", "THEN",
    "TO", "TRAILING", "TRUE", "UNION", "UNIQUE", "USER", "USING", "VARIADIC", "WHEN", "WHERE",
    "WINDOW", "WITH",
    // Reserved, but may name a function or type.
    "AUTHORIZATION", "BINARY", "COLLATION", "CONCURRENTLY", "CROSS", "CURRENT_SCHEMA",
    "FREEZE", "FULL", "ILIKE", "INNER", "IS", "ISNULL", "JOIN", "LEFT", "LIKE", "NATURAL",
    "NOTNULL", "OUTER", "OVERLAPS", "RIGHT", "SIMILAR", "TABLESAMPLE", "VERBOSE",
    // Non-reserved, but syntax in a query.
    "AT", "BETWEEN", "BY", "CHARACTER", "CONFLICT", "CURRENT", "DATE", "DAY", "DOUBLE",
    "EPOCH", "ESCAPE", "EXCLUDE", "EXISTS", "FILTER", "FIRST", "FOLLOWING", "GROUPS", "HOUR",
    "INTERVAL", "LAST", "LOCKED", "MINUTE", "MONTH", "NEXT", "NO", "NOTHING", "NOWAIT",
    "NULLS", "OF", "ORDINALITY", "OTHERS", "OVER", "PARTITION", "PRECEDING", "PRECISION",
    "RANGE", "ROW", "ROWS", "SECOND", "SET", "SHARE", "SKIP", "TIES", "TIME", "TIMESTAMP",
    "UNBOUNDED", "UNKNOWN", "UPDATE", "VALUES", "VARYING", "WITHIN", "WITHOUT", "YEAR", "ZONE",
];

/// Where a query's single-table FROM clause (`FROM t`, `FROM t a`) may end: the clauses that
/// may follow it.
const FROM_ENDS: &[&str] = &[
    "WHERE", "GROUP", "HAVING", "WINDOW", "ORDER", "LIMIT", "OFFSET", "FETCH", "FOR", "UNION",
    "INTERSECT", "EXCEPT", "RETURNING", "TABLESAMPLE",
];

/// Calls whose first word is syntax: `EXTRACT(dow FROM …)`, `XMLELEMENT(NAME n, …)`,
/// `XMLPARSE(DOCUMENT …)`, `XMLSERIALIZE(CONTENT …)`.
const SYNTAX_CALLS: &[&str] = &["EXTRACT", "XMLELEMENT", "XMLPARSE", "XMLSERIALIZE"];

/// The words of an `IS` predicate after `IS`: `IS [NOT] JSON [VALUE|ARRAY|OBJECT|SCALAR]
/// [WITH|WITHOUT UNIQUE [KEYS]]` (PostgreSQL 16), `IS [NOT] [NFC|NFD|NFKC|NFKD] NORMALIZED`
/// (with [`NORMAL_FORMS`]), `IS [NOT] DOCUMENT`.
const IS_PREDICATE: &[&str] = &[
    "NOT", "JSON", "VALUE", "ARRAY", "OBJECT", "SCALAR", "WITH", "WITHOUT", "UNIQUE", "KEYS",
    "NORMALIZED", "DOCUMENT",
];

/// Unicode normal forms: `IS NFC NORMALIZED`, `normalize(x, NFKC)`.
const NORMAL_FORMS: &[&str] = &["NFC", "NFD", "NFKC", "NFKD"];

/// PostgreSQL's system columns: every table there has them (on MySQL and MariaDB a column of
/// one of these names is a real one, which a re-created table may lack).
const SYSTEM_COLUMNS: &[&str] = &["tableoid", "xmin", "cmin", "xmax", "cmax", "ctid"];

/// Is `word` one of [`QUERY_SYNTAX`], in any case?
fn is_query_syntax(word: &str) -> bool {
    QUERY_SYNTAX.iter().any(|s| word.eq_ignore_ascii_case(s))
}

/// `… SELECT cols FROM t …`, `INSERT INTO t (cols) …` or `UPDATE t SET …` where a later
/// statement drops `t` and creates it again without one of the columns it uses (authelia V0006
/// re-creates `oauth2_consent_session` without `expires_at`): a re-run reads the new table and
/// fails. No fix: the table exists either way. In a DO body, a `guard` that protects the read
/// of the lost column keeps it running.
fn column_lost_on_recreate(
    cx: &StatementCx,
    sequence: &crate::lint::sequence::Sequence,
    index: usize,
    guard: Option<&crate::sql::ReadGuard>,
) -> Option<Violation> {
    // An `INSERT … SELECT` reads its query's table too.
    let (table, schema, lost, renamed) = written_table(cx)
        .and_then(|(table, schema)| lost_in_write(cx, sequence, index, table, schema))
        .or_else(|| lost_in_select(cx, sequence, index))?;
    if guard.is_some_and(|g| g.protects(&table, Some(&lost))) {
        return None;
    }
    // The table with its schema when the read writes one, or the file's search_path puts it
    // in another than `public`.
    let named = match (&schema, sequence.schema_of(None)) {
        (Some(schema), _) => format!("{schema}.{table}"),
        (None, Some(home)) if home != "public" => format!("{home}.{table}"),
        _ => table,
    };
    let again = if renamed {
        "gives the name to a table it made without that column (the table rebuild's rename)"
    } else {
        "creates it again without that column"
    };
    Some(
        Violation::new(
            cx.shape().head.clone(),
            format!(
                "this statement uses column `{named}.{lost}`, but a later statement of this file drops `{named}` and {again}: a re-run of the file reads the new table and fails here"
            ),
        )
        .note("no fix: the table exists on a re-run, so no catalog check tells whether this statement already ran; split the file so the re-creation is its own migration"),
    )
}
/// The columns table `table` (written in schema `schema`) has where a statement after `index`
/// drops it and a later one creates it again (a CREATE TABLE, or the rename that ends a table
/// rebuild, then `true`), when the file names them.
fn columns_made_again(
    sequence: &crate::lint::sequence::Sequence,
    index: usize,
    table: &str,
    schema: Option<&str>,
) -> Option<(Vec<String>, bool)> {
    let key = Key::Object(ObjectKind::Table, table.to_string());
    let (columns, renamed) = match sequence.recreated_after(&key, index, schema) {
        Some((_, columns)) => (columns, false),
        None => (sequence.rebuilt_after(&key, index, schema)?.1, true),
    };
    (!columns.is_empty()).then_some((columns, renamed))
}

/// The table an `INSERT` or `UPDATE` writes rows of, folded, with the schema it writes.
fn written_table(cx: &StatementCx) -> Option<(String, Option<String>)> {
    let shape = cx.shape();
    match &shape.kind {
        ShapeKind::Insert => {
            let target = shape.names.first()?;
            let n = target.parts.len();
            let schema = (n > 1).then(|| target.parts[n - 2].as_str().to_string());
            Some((target.base().to_string(), schema))
        }
        ShapeKind::Other(word) if word == "UPDATE" => {
            let (_, table, schema) = relation_at(&cx.statement.tokens, 1)?;
            Some((table, schema))
        }
        _ => None,
    }
}

/// The relation named at token `at` (`t`, `ONLY t`, `s.t`, `"s"."t"`: the table `t` of schema
/// `s`): the index of its last part, its name and the schema written, folded.
fn relation_at(tokens: &[Tok], at: usize) -> Option<(usize, String, Option<String>)> {
    let name_at = at + usize::from(tokens.get(at).is_some_and(|t| t.is_kw("ONLY")));
    let mut table_at = name_at;
    while tokens.get(table_at + 1).is_some_and(|t| t.is(&Token::Period)) {
        table_at += 2;
    }
    let table = crate::sql::folded_table(tokens.get(table_at)?)?;
    let schema = (table_at > name_at)
        .then(|| crate::sql::folded_table(&tokens[table_at - 2]))
        .flatten();
    Some((table_at, table, schema))
}

/// What [`column_lost_on_recreate`] finds in a write of `table`'s rows: the first column of it
/// the statement uses ([`fresh_table_reads`]: an INSERT's column list, an UPDATE's words) that
/// the table made again lacks, as [`lost_in_select`].
fn lost_in_write(
    cx: &StatementCx,
    sequence: &crate::lint::sequence::Sequence,
    index: usize,
    table: String,
    schema: Option<String>,
) -> Option<(String, Option<String>, String, bool)> {
    let (columns, renamed) = columns_made_again(sequence, index, &table, schema.as_deref())?;
    let read = fresh_table_reads(cx, sequence, index, &table, schema.as_deref())?;
    let lost = read.into_iter().find(|c| !columns.contains(c))?;
    Some((table, schema, lost, renamed))
}

/// What [`column_lost_on_recreate`] finds in a query, `… SELECT cols FROM t …`: only a
/// single-table FROM is read, and only words that can only be columns (not [`QUERY_SYNTAX`],
/// not a subquery's), so the columns surely are `t`'s: (table, schema written, the lost
/// column, whether a table rebuild's rename made the table again).
fn lost_in_select(
    cx: &StatementCx,
    sequence: &crate::lint::sequence::Sequence,
    index: usize,
) -> Option<(String, Option<String>, String, bool)> {
    let tokens = &cx.statement.tokens;
    let mut select = None;
    let mut from = None;
    for (i, t) in top_level(tokens) {
        if t.is_kw("SELECT") && select.is_none() {
            select = Some(i);
        } else if t.is_kw("FROM") && select.is_some() {
            from = Some(i);
            break;
        }
    }
    let (select, from) = (select?, from?);
    let folded = crate::lint::sequence::folded;
    let (table_at, table, schema) = relation_at(tokens, from + 1)?;
    // A single table, under an alias or none (`t a`, `t AS a`): the FROM clause ends where
    // another clause of the query starts, or at the statement's end.
    let has_as = tokens.get(table_at + 1).is_some_and(|t| t.is_kw("AS"));
    let alias_at = Some(table_at + 1 + usize::from(has_as)).filter(|&a| {
        matches!(tokens.get(a).map(|t| &t.token), Some(Token::Word(w))
            if w.keyword == Keyword::NoKeyword || (has_as && !is_query_syntax(&w.value)))
    });
    if has_as && alias_at.is_none() {
        return None;
    }
    let alias = alias_at.and_then(|a| crate::sql::folded_table(&tokens[a]));
    let rest = alias_at.map_or(table_at + 1, |a| a + 1);
    if tokens.get(rest).is_some_and(|t| {
        !(FROM_ENDS.iter().any(|e| t.is_kw(e))
            || (t.is_kw("ON") && tokens.get(rest + 1).is_some_and(|n| n.is_kw("CONFLICT"))))
    }) {
        return None;
    }
    let (columns, renamed) = columns_made_again(sequence, index, &table, schema.as_deref())?;
    let words = ColumnWords::new(
        tokens,
        &table,
        alias.iter().cloned().collect(),
        RowTable {
            schema: schema.clone(),
            base: table.clone(),
        }
        .resolved(sequence.schema_of(None)),
        cx.dialect == Dialect::Postgres,
    );
    // The query's own words: not a subquery's (`(SELECT id FROM other)`), and not the
    // target's after it (`ON CONFLICT (id)`, `RETURNING id`) or another query's (`UNION …`) or
    // a locking clause (`FOR UPDATE OF t`).
    let mut scanned = Vec::new();
    let (mut k, mut depth) = (select + 1, 0usize);
    while let Some(t) = tokens.get(k) {
        if t.is(&Token::LParen)
            && tokens
                .get(k + 1)
                .is_some_and(|n| n.is_kw("SELECT") || n.is_kw("WITH") || n.is_kw("VALUES"))
        {
            k = crate::sql::lexer::matching_paren(tokens, k)? + 1;
            continue;
        }
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            _ => {}
        }
        if k > from
            && depth == 0
            && (t.is_kw("RETURNING")
                || t.is_kw("UNION")
                || t.is_kw("INTERSECT")
                || t.is_kw("EXCEPT")
                || t.is_kw("FOR")
                || (t.is_kw("ON") && tokens.get(k + 1).is_some_and(|n| n.is_kw("CONFLICT"))))
        {
            break;
        }
        scanned.push(k);
        k += 1;
    }
    // Output names (`expr AS name`, `expr name`) may be used again after FROM (`ORDER BY
    // name`); a whole-row reference names the table or its alias (`row_to_json(a)`), and a
    // PostgreSQL system column (`ctid`) is a column of every table.
    let aliases = words.output_names(scanned.iter().copied().filter(|&k| k > select + 1));
    let lost = scanned
        .into_iter()
        .filter(|&k| k != table_at && Some(k) != alias_at && words.is_column(k))
        .filter_map(|k| Some((k, folded(&tokens[k])?)))
        .find(|(k, c)| {
            let kept = columns.contains(c)
                || (*k > from && aliases.contains(c))
                || names_relation(c, &table)
                || alias.as_ref().is_some_and(|a| names_relation(c, a))
                || (cx.dialect == Dialect::Postgres && SYSTEM_COLUMNS.contains(&c.as_str()));
            !kept
        })?
        .1;
    Some((table, schema, lost, renamed))
}

/// The columns of table `table` (folded; written in schema `written`, `None`: unqualified) that
/// the statement of `cx` (at `index`) reads by name, as [`ColumnWords`] tells them, for the
/// fresh table a `CREATE TABLE IF NOT EXISTS` makes on a retry
/// (`Sequence::read_lacked_by_fresh_table`): of a query (`SELECT`, `UPDATE`, `DELETE`, `WITH`,
/// `MERGE`, `COMMENT`), its words; of an `INSERT` into the table, its column list and what
/// follows the query (`ON CONFLICT (x) DO UPDATE SET …`, MariaDB's `ON DUPLICATE KEY UPDATE …`,
/// `RETURNING x`; the query reads other tables), into another table the query's; of a `CREATE
/// TABLE … AS`, its query (on MySQL and MariaDB, with `IF NOT EXISTS`, only where the file
/// removes its table later); of a `CREATE INDEX`, the key's columns and expressions (MySQL's
/// `x(10)` too), `INCLUDE` and `WHERE`; of an `ALTER TABLE`, the column an action alters in place (`ALTER COLUMN x`,
/// `MODIFY x`, `CHANGE x y`) and the columns of a constraint or an index it adds (a CHECK's, a
/// key's own list) ([`column_reads`]). `None` for a statement of another kind.
fn fresh_table_reads(
    cx: &StatementCx,
    sequence: &crate::lint::sequence::Sequence,
    index: usize,
    table: &str,
    written: Option<&str>,
) -> Option<Vec<String>> {
    use crate::lint::sequence::folded;
    use crate::lint::safety::top_level_kw;
    let tokens = cx.statement.tokens.as_slice();
    let shape = cx.shape();
    // The index of the token after a name the shape holds.
    let after = |name: &crate::sql::Name| tokens.partition_point(|t| t.range.end <= name.range.end);
    let mut read: Vec<String> = Vec::new();
    let mut spans: Vec<std::ops::Range<usize>> = Vec::new();
    match &shape.kind {
        ShapeKind::Insert => {
            let target = shape.names.first()?;
            let mut query = after(target);
            // `INSERT INTO t AS a (…)`.
            if tokens.get(query).is_some_and(|t| t.is_kw("AS")) {
                query += 2;
            }
            let list = tokens.get(query).is_some_and(|t| t.is(&Token::LParen));
            let listed = list
                .then(|| crate::sql::lexer::matching_paren(tokens, query))
                .flatten();
            if target.base() == table {
                if let Some(close) = listed {
                    read.extend(tokens[query + 1..close].iter().filter_map(folded));
                }
                // What follows the query reads the target: its conflict target and action,
                // the rows it returns.
                let tail = top_level(tokens)
                    .filter(|&(k, _)| k > query)
                    .find_map(|(k, t)| {
                        let next = |n: usize, kw: &str| tokens.get(k + n).is_some_and(|t| t.is_kw(kw));
                        if t.is_kw("RETURNING") {
                            Some(k + 1)
                        } else if t.is_kw("ON") && next(1, "CONFLICT") {
                            Some(k + 2)
                        } else if t.is_kw("ON") && next(1, "DUPLICATE") && next(2, "KEY") {
                            Some(k + 3 + usize::from(next(3, "UPDATE")))
                        } else {
                            None
                        }
                    });
                spans.extend(tail.map(|k| k..tokens.len()));
            } else {
                spans.push(listed.map_or(query, |close| close + 1)..tokens.len());
            }
        }
        ShapeKind::Other(word)
            if matches!(
                word.as_str(),
                "UPDATE" | "DELETE" | "SELECT" | "WITH" | "MERGE" | "COMMENT"
            ) =>
        {
            // Not its first word (`DELETE`, `COMMENT`).
            spans.push(1..tokens.len());
        }
        ShapeKind::Create(ObjectKind::Table) => {
            // MySQL and MariaDB skip the query of a `CREATE TABLE IF NOT EXISTS … AS` whose
            // table is there (a note): a retry reads the fresh table only where the file removes
            // that one too (checked on MariaDB 10.11).
            if cx.dialect.is_mysql_family() && shape.guard.as_ref().is_some_and(|g| g.present) {
                let made = Key::Object(ObjectKind::Table, shape.object()?.base().to_string());
                sequence.dropped_after(&made, index)?;
            }
            let query = top_level_kw(tokens, "AS")? + 1;
            let end = crate::lint::sequence::without_with_data(tokens).len();
            spans.push(query..end.max(query));
        }
        ShapeKind::Create(ObjectKind::Index) => {
            let on = shape.table.as_ref()?;
            let mut start = after(on);
            // `USING gin (…)`: the access method.
            if tokens.get(start).is_some_and(|t| t.is_kw("USING")) {
                start += 2;
            }
            // Storage parameters and the tablespace name no columns.
            let end = top_level(tokens)
                .find(|&(k, t)| k > start && (t.is_kw("WITH") || t.is_kw("TABLESPACE")))
                .map_or(tokens.len(), |(k, _)| k);
            spans.push(start..end.max(start));
            // MySQL's and MariaDB's key part with a prefix length, `x(10)`, is a column.
            if cx.dialect.is_mysql_family() {
                let prefixed = (start..end).filter(|&k| {
                    tokens.get(k + 1).is_some_and(|t| t.is(&Token::LParen))
                        && matches!(tokens.get(k + 2).map(|t| &t.token), Some(Token::Number(..)))
                        && tokens.get(k + 3).is_some_and(|t| t.is(&Token::RParen))
                });
                read.extend(prefixed.filter_map(|k| folded(&tokens[k])));
            }
        }
        ShapeKind::AlterTable => {
            for action in &shape.actions {
                let first = tokens.partition_point(|t| t.range.start < action.range.start);
                let last = tokens.partition_point(|t| t.range.end <= action.range.end);
                let own = &tokens[first..last.max(first)];
                if let Some((column, _)) = crate::lint::safety::alter_column(own) {
                    read.extend(folded(column));
                } else if let Some(change) = crate::sql::column_change::read(own) {
                    if !change.if_exists {
                        read.extend(folded(change.old));
                    }
                } else if matches!(
                    action.kind,
                    AlterActionKind::AddConstraint | AlterActionKind::AddIndex
                ) {
                    // A CHECK's expression; a key's (or an index's) own column list.
                    let open = own.iter().position(|t| t.is(&Token::LParen));
                    let Some(open) = open else { continue };
                    let close = crate::sql::lexer::matching_paren(own, open).unwrap_or(own.len());
                    if crate::sql::added_constraint_kind(own) == Some("CHECK") {
                        spans.push(first + open + 1..first + close);
                    } else if action.kind == AlterActionKind::AddIndex
                        || crate::sql::added_constraint_kind(own).is_some()
                    {
                        read.extend(own[open + 1..close].iter().filter_map(folded));
                    }
                }
            }
        }
        _ => return None,
    }
    let read_table = RowTable {
        schema: written.map(str::to_string),
        base: table.to_string(),
    }
    .resolved(sequence.schema_of(None));
    let postgres = cx.dialect == Dialect::Postgres;
    let insert = shape.kind == ShapeKind::Insert;
    let scanned = spans.into_iter().flatten();
    read.extend(column_reads(tokens, scanned, table, read_table, postgres, insert));
    Some(read)
}

/// Of a `CREATE TABLE … AS` (`statement`), each table its query reads where a relation goes
/// (`FROM t`, `JOIN s`), folded, with the columns it reads of it by name (`column_reads`), for
/// the fresh table a retry's `CREATE TABLE IF NOT EXISTS` makes of it
/// (`Sequence::creation_fails_on_retry`).
pub(crate) fn created_as_reads(
    statement: &crate::sql::Statement,
    dialect: Dialect,
) -> Vec<(String, Vec<String>)> {
    let tokens = statement.tokens.as_slice();
    let Some(query) = crate::lint::safety::top_level_kw(tokens, "AS").map(|k| k + 1) else {
        return Vec::new();
    };
    let end = crate::lint::sequence::without_with_data(tokens).len().max(query);
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for k in query..end {
        if !(tokens[k - 1].is_kw("FROM") || tokens[k - 1].is_kw("JOIN")) {
            continue;
        }
        // `s.t`: the table is the last part.
        let mut at = k;
        while tokens.get(at + 1).is_some_and(|t| t.is(&Token::Period)) {
            at += 2;
        }
        let Some(table) = tokens.get(at).and_then(crate::sql::folded_table) else {
            continue;
        };
        if out.iter().any(|(t, _)| *t == table) {
            continue;
        }
        let read_table = RowTable {
            schema: (at > k)
                .then(|| crate::sql::folded_table(&tokens[at - 2]))
                .flatten(),
            base: table.clone(),
        }
        .resolved(None);
        let postgres = dialect == Dialect::Postgres;
        let columns = column_reads(tokens, query..end, &table, read_table, postgres, false);
        out.push((table, columns));
    }
    out
}

/// The columns of `table` (folded; `read_table`, resolved) the tokens at `scanned` read by name
/// ([`ColumnWords`]), folded, in order: not a word in a relation's place (after `FROM`, `JOIN`,
/// `UPDATE`, `INTO`, `USING`, `ONLY`, `TABLE`, or a comma of a `FROM` list), a constraint's name
/// (after `CONSTRAINT`), the table's name or alias (`FROM t a`), an output name, or
/// (`postgres`) a system column. Of an `insert`, `EXCLUDED.x` is the target's column.
fn column_reads(
    tokens: &[Tok],
    scanned: impl IntoIterator<Item = usize>,
    table: &str,
    read_table: RowTable,
    postgres: bool,
    insert: bool,
) -> Vec<String> {
    use crate::lint::sequence::folded;
    let scanned: Vec<usize> = scanned.into_iter().collect();
    if scanned.is_empty() {
        return Vec::new();
    }
    // The table's aliases: `FROM t a`, `UPDATE t AS a`.
    let mut aliases: Vec<String> = Vec::new();
    for (k, t) in tokens.iter().enumerate() {
        if crate::sql::folded_table(t).as_deref() != Some(table)
            || tokens.get(k + 1).is_some_and(|n| n.is(&Token::Period))
        {
            continue;
        }
        let has_as = tokens.get(k + 1).is_some_and(|n| n.is_kw("AS"));
        let alias = tokens.get(k + 1 + usize::from(has_as)).filter(|a| {
            matches!(&a.token, Token::Word(w)
                if w.keyword == Keyword::NoKeyword || (has_as && !is_query_syntax(&w.value)))
        });
        aliases.extend(alias.and_then(crate::sql::folded_table));
    }
    if insert {
        aliases.push("excluded".to_string());
    }
    let words = ColumnWords::new(tokens, table, aliases, read_table, postgres);
    let outputs = words.output_names(scanned.iter().copied());
    let after_relation_word = |p: usize| {
        ["FROM", "JOIN", "UPDATE", "INTO", "USING", "ONLY", "TABLE", "CONSTRAINT"]
            .iter()
            .any(|kw| tokens[p].is_kw(kw))
    };
    // `FROM s a, q`: after a comma, where the nearest clause word before it at the same depth
    // opens a list of tables (`AS` of an alias passed over).
    let in_table_list = |k: usize| {
        let mut depth = 0usize;
        for p in (0..k - 1).rev() {
            match &tokens[p].token {
                Token::RParen => depth += 1,
                Token::LParen if depth == 0 => return false,
                Token::LParen => depth -= 1,
                Token::Word(w)
                    if depth == 0
                        && w.quote_style.is_none()
                        && !tokens[p].is_kw("AS")
                        && is_query_syntax(&w.value) =>
                {
                    return ["FROM", "USING"].iter().any(|kw| tokens[p].is_kw(kw));
                }
                _ => {}
            }
        }
        false
    };
    let relation = |k: usize| {
        k >= 1
            && (after_relation_word(k - 1)
                || (tokens[k - 1].is(&Token::Comma) && in_table_list(k)))
    };
    scanned
        .into_iter()
        .filter(|&k| words.is_column(k) && !relation(k))
        .filter_map(|k| folded(&tokens[k]))
        .filter(|column| {
            !(names_relation(column, table)
                || words.aliases.iter().any(|a| names_relation(column, a))
                || outputs.contains(column)
                || (postgres && SYSTEM_COLUMNS.contains(&column.as_str())))
        })
        .collect()
}

/// Which words of a statement's `tokens` are columns of one table it reads, `table` (folded;
/// also written as one of `aliases`), as PostgreSQL reads a query: a word that is not syntax
/// ([`QUERY_SYNTAX`], `EXTRACT(dow FROM …)`, `IS NFC NORMALIZED`, `OVER w`), nor a function's
/// name (a word before `(`), a type's (before a string, after `::` or `AS`), an output name (a
/// word right after an expression), a collation, or a name before `.`; a word after `.` only
/// when the qualifier is the table (`t.c`, `a.c`, `s.t.c`). Shared by the reads of a table the
/// file creates again ([`column_lost_on_recreate`]) and of the fresh table a `CREATE TABLE IF
/// NOT EXISTS` makes ([`fresh_table_reads`]).
struct ColumnWords<'a> {
    tokens: &'a [Tok],
    table: &'a str,
    aliases: Vec<String>,
    /// The table read, resolved: `s.t.c` is its column when `s.t` may be it.
    read_table: RowTable,
    postgres: bool,
    /// The `)` of each `SELECT DISTINCT ON (c)`: it ends no output expression.
    distinct_on: Vec<usize>,
}

impl<'a> ColumnWords<'a> {
    fn new(
        tokens: &'a [Tok],
        table: &'a str,
        aliases: Vec<String>,
        read_table: RowTable,
        postgres: bool,
    ) -> Self {
        // `SELECT DISTINCT ON (c) id`: the `)` ends no output expression, `id` is a column.
        let distinct_on = (0..tokens.len())
            .filter(|&k| {
                tokens[k].is_kw("SELECT")
                    && tokens.get(k + 1).is_some_and(|t| t.is_kw("DISTINCT"))
                    && tokens.get(k + 2).is_some_and(|t| t.is_kw("ON"))
                    && tokens.get(k + 3).is_some_and(|t| t.is(&Token::LParen))
            })
            .filter_map(|k| crate::sql::lexer::matching_paren(tokens, k + 3))
            .collect();
        ColumnWords {
            tokens,
            table,
            aliases,
            read_table,
            postgres,
            distinct_on,
        }
    }

    /// Does token `b` end an expression, so that a word right after it is its output name
    /// (`SELECT c name`, `c nm`, `c "Nm"`)?
    fn ends_expression(b: &Tok) -> bool {
        match &b.token {
            Token::Word(w) => {
                !is_query_syntax(&w.value)
                    || [
                        "END",
                        "NULL",
                        "TRUE",
                        "FALSE",
                        "CURRENT_DATE",
                        "CURRENT_TIME",
                        "CURRENT_TIMESTAMP",
                        "LOCALTIME",
                        "LOCALTIMESTAMP",
                        "CURRENT_USER",
                        "SESSION_USER",
                    ]
                    .iter()
                    .any(|s| w.value.eq_ignore_ascii_case(s))
            }
            Token::RParen
            | Token::RBracket
            | Token::Number(..)
            | Token::SingleQuotedString(_) => true,
            _ => false,
        }
    }

    /// Is word `k` the one that opens `EXTRACT(dow FROM …)`, `XMLELEMENT(NAME n, …)` or
    /// `XMLPARSE(DOCUMENT …)`: syntax?
    fn opens_call(&self, k: usize) -> bool {
        let tokens = self.tokens;
        k >= 2
            && tokens[k - 1].is(&Token::LParen)
            && SYNTAX_CALLS.iter().any(|f| tokens[k - 2].is_kw(f))
    }

    /// `a OPERATOR(pg_catalog.=) c`: does the `)` at `p` close an operator, not an expression?
    fn closes_operator(&self, p: usize) -> bool {
        let tokens = self.tokens;
        [2, 4].iter().any(|&n| {
            p > n
                && tokens[p].is(&Token::RParen)
                && tokens[p - n].is(&Token::LParen)
                && tokens[p - n - 1].is_kw("OPERATOR")
        })
    }

    /// Does token `p` end an expression (a word after it is an output name)?
    fn ends_at(&self, p: usize) -> bool {
        !self.distinct_on.contains(&p)
            && !self.opens_call(p)
            && !self.closes_operator(p)
            && Self::ends_expression(&self.tokens[p])
    }

    /// `x IS [NOT] JSON OBJECT`, `IS [NOT] NFC NORMALIZED`, `IS DOCUMENT`: is word `k` one of
    /// the predicate's words?
    fn in_is_predicate(&self, k: usize) -> bool {
        let tokens = self.tokens;
        let mut p = k;
        while k - p < 8
            && tokens[p].bare_word().is_some_and(|w| {
                IS_PREDICATE
                    .iter()
                    .chain(NORMAL_FORMS)
                    .any(|s| w.eq_ignore_ascii_case(s))
            })
        {
            let Some(q) = p.checked_sub(1) else {
                return false;
            };
            if tokens[q].is_kw("IS") {
                return true;
            }
            p = q;
        }
        false
    }

    /// `normalize(x, NFC)`: is word `k` the last argument, a normal form?
    fn normal_form(&self, k: usize) -> bool {
        let tokens = self.tokens;
        k >= 1
            && tokens[k - 1].is(&Token::Comma)
            && tokens.get(k + 1).is_some_and(|n| n.is(&Token::RParen))
            && tokens[k]
                .bare_word()
                .is_some_and(|w| NORMAL_FORMS.iter().any(|f| w.eq_ignore_ascii_case(f)))
    }

    /// `OVER w`, `OVER (w ORDER BY …)`, `WINDOW w AS (…)`: does word `k` name a window (or a
    /// `WITH` query: `c AS (…)`)?
    fn names_window(&self, k: usize) -> bool {
        let tokens = self.tokens;
        let before = |n: usize, kw: &str| k >= n && tokens[k - n].is_kw(kw);
        before(1, "OVER")
            || (k >= 1 && tokens[k - 1].is(&Token::LParen) && (before(2, "OVER") || before(2, "AS")))
            || (tokens.get(k + 1).is_some_and(|n| n.is_kw("AS"))
                && tokens.get(k + 2).is_some_and(|n| n.is(&Token::LParen)))
    }

    /// `t.c`, `a.c`, `s.t.c`: is the word `k`, after a `.`, a column of the table the query
    /// reads (not of `s.t.c`'s table of another schema: the schema must name the table's,
    /// `public` too for an unqualified one under the connection's search_path)?
    fn of_the_table(&self, k: usize) -> bool {
        let tokens = self.tokens;
        let Some(q) = k.checked_sub(2).and_then(|q| crate::sql::folded_table(&tokens[q])) else {
            return false;
        };
        if !(k >= 3 && tokens[k - 3].is(&Token::Period)) {
            return q == self.table || self.aliases.contains(&q);
        }
        q == self.table
            && k >= 4
            && crate::sql::folded_table(&tokens[k - 4]).is_some_and(|s| {
                RowTable {
                    schema: Some(s),
                    base: self.table.to_string(),
                }
                .may_be(&self.read_table, self.postgres)
            })
    }

    /// Is word `k` a column of the table: a column word, not syntax?
    fn is_column(&self, k: usize) -> bool {
        let tokens = self.tokens;
        let t = &tokens[k];
        let Token::Word(w) = &t.token else {
            return false;
        };
        let before = k.checked_sub(1).map(|p| &tokens[p]);
        let next = tokens.get(k + 1);
        // `id`, `name`, `type` are keywords to sqlparser: a keyword word is a column unless
        // PostgreSQL uses it as syntax in a query. A word before `(` names a function, one
        // before a string a type (a typed literal, `DATE '…'`, `inet '…'`), one of
        // `EXTRACT(dow FROM …)` or `IS NFC NORMALIZED` is syntax, one of `OVER w` a window.
        let column_word = w.quote_style.is_some()
            || w.keyword == Keyword::NoKeyword
            || !is_query_syntax(&w.value);
        // A word right after an expression names its output; one after `AS` or `::` a type or
        // name, after `COLLATE` a collation, after `TABLESAMPLE` a method; one before `.` a
        // table, after `.` a column of another table unless the qualifier is this one's.
        let syntax = k.checked_sub(1).is_some_and(|p| self.ends_at(p))
            || before.is_some_and(|b| {
                ["AS", "COLLATE", "TABLESAMPLE"].iter().any(|kw| b.is_kw(kw))
                    || b.is(&Token::DoubleColon)
                    || (b.is(&Token::Period) && !self.of_the_table(k))
            })
            || next.is_some_and(|n| {
                matches!(
                    n.token,
                    Token::LParen
                        | Token::Period
                        | Token::SingleQuotedString(_)
                        | Token::EscapedStringLiteral(_)
                        | Token::NationalStringLiteral(_)
                )
            })
            || (t.is_kw("GROUPING") && next.is_some_and(|n| n.is_kw("SETS")))
            || self.opens_call(k)
            || (k >= 1 && tokens[k - 1].is_kw("NAME") && self.opens_call(k - 1))
            || self.names_window(k)
            || self.in_is_predicate(k)
            || self.normal_form(k);
        column_word && !syntax
    }

    /// The output names among the words `at` (`expr AS name`, `expr name`), folded: a query
    /// may use them again after FROM (`ORDER BY name`).
    fn output_names(&self, at: impl Iterator<Item = usize>) -> Vec<String> {
        at.filter(|&k| k > 0 && (self.tokens[k - 1].is_kw("AS") || self.ends_at(k - 1)))
            .filter_map(|k| crate::lint::sequence::folded(&self.tokens[k]))
            .collect()
    }
}

/// `… WHERE col = 'Label'` (or `<>`, `!=`, `IN ('A', 'B')`) where a later statement changes
/// `col` to an enum type the file creates again without that label (lemmy's
/// 2025-08-01-000039: `UPDATE local_user SET … WHERE default_post_sort_type IN ('TopDay', …)`,
/// then the column moves to a `post_sort_type_enum` without `TopDay`): a re-run compares the
/// new type with the literal and fails with `invalid input value for enum`. `words` are the
/// statement's words: the column's table must be one of them. No fix: the column exists
/// either way. In a DO body, a handler for `invalid_text_representation` (`guard`) keeps it
/// running.
fn label_lost_on_conversion(
    cx: &StatementCx,
    sequence: &crate::lint::sequence::Sequence,
    index: usize,
    words: &[String],
    guard: Option<&crate::sql::ReadGuard>,
) -> Option<Violation> {
    if !sequence.converts_to_recreated_types() || guard.is_some_and(|g| g.bad_label) {
        return None;
    }
    let (column, label) = compared_labels(&cx.statement.tokens)
        .into_iter()
        .find_map(|(column, label)| {
            let table = words.iter().find(|table| {
                sequence
                    .label_lost_after(index, table, &column, &label)
                    .is_some()
            })?;
            Some((format!("{table}.{column}"), label))
        })?;
    Some(
        Violation::new(
            cx.shape().head.clone(),
            format!(
                "this statement compares column `{column}` with '{label}', but a later statement of this file changes the column to an enum type the file creates without that value: a re-run of the file meets the new type and fails here with `invalid input value for enum`"
            ),
        )
        .note("no fix: the column exists either way; split the file so the data change runs in a migration of its own, before the type change"),
    )
}

/// `(column, literal)` of each comparison of a plain or qualified column with a string literal:
/// `col = 'x'`, `col <> 'x'`, `col != 'x'`, `col [NOT] IN ('x', 'y')`.
fn compared_labels(tokens: &[crate::sql::Tok]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (k, t) in tokens.iter().enumerate() {
        let Some(column) = crate::lint::sequence::folded(t) else {
            continue;
        };
        let mut next = k + 1;
        if tokens.get(next).is_some_and(|n| n.is_kw("NOT")) {
            next += 1;
        }
        let Some(op) = tokens.get(next) else { continue };
        let literal = |t: &crate::sql::Tok| match &t.token {
            Token::SingleQuotedString(s) => Some(s.clone()),
            _ => None,
        };
        if matches!(op.token, Token::Eq | Token::Neq) {
            if let Some(l) = tokens.get(next + 1).and_then(literal) {
                out.push((column, l));
            }
        } else if op.is_kw("IN") && tokens.get(next + 1).is_some_and(|p| p.is(&Token::LParen)) {
            let list = tokens[next + 2..]
                .iter()
                .take_while(|t| !t.is(&Token::RParen))
                .filter_map(literal);
            out.extend(list.map(|l| (column.clone(), l)));
        }
    }
    out
}

/// The column names of a `CREATE TABLE name (…)`: the first word of each top-level element
/// that is not a table constraint. Of a `CREATE TABLE name AS SELECT …` without a column list,
/// the query's output names ([`selected_columns`]).
pub(crate) fn created_columns(statement: &crate::sql::Statement) -> Vec<String> {
    let tokens = &statement.tokens;
    let open = tokens.iter().position(|t| t.is(&Token::LParen));
    if let Some(at) = tokens.iter().position(|t| t.is_kw("AS")) {
        if open.is_none_or(|open| at < open) {
            return selected_columns(&tokens[at + 1..]);
        }
    }
    let Some(open) = open else {
        return Vec::new();
    };
    let close = crate::sql::lexer::matching_paren(tokens, open).unwrap_or(tokens.len());
    crate::sql::dynamic::split_top(&tokens[open + 1..close], |t| t.is(&Token::Comma))
        .into_iter()
        .filter(|element| !crate::sql::shape::starts_non_column(element, statement.dialect))
        .filter_map(|element| crate::lint::sequence::folded(element.first()?))
        .collect()
}

/// SQLite's names of the rowid, a column of every table but a `WITHOUT ROWID` one, whatever it
/// declares (a declared column of one of these names hides only that name).
const SQLITE_ROWID: &[&str] = &["rowid", "oid", "_rowid_"];

/// The columns of the table `CREATE TABLE` `statement` makes, as far as a read of them goes:
/// those it names ([`created_columns`]; empty when they are not known), and on SQLite, unless
/// the table is `WITHOUT ROWID`, the rowid under each of its names (`SELECT rowid, a FROM t`
/// reads a re-created `t` as well as the first).
pub(crate) fn table_columns(statement: &crate::sql::Statement) -> Vec<String> {
    let mut columns = created_columns(statement);
    if statement.dialect != Dialect::Sqlite || columns.is_empty() {
        return columns;
    }
    let tokens = &statement.tokens;
    let after_list = tokens
        .iter()
        .position(|t| t.is(&Token::LParen))
        .and_then(|open| crate::sql::lexer::matching_paren(tokens, open))
        .map_or(tokens.len(), |close| close + 1);
    let without_rowid = tokens[after_list..]
        .windows(2)
        .any(|w| w[0].is_kw("WITHOUT") && w[1].is_kw("ROWID"));
    if !without_rowid {
        for name in SQLITE_ROWID {
            if !columns.iter().any(|c| c == name) {
                columns.push((*name).to_string());
            }
        }
    }
    columns
}

/// The output names of `SELECT item, … FROM …` when every item names its column plainly: `c`,
/// `t.c`, `expr AS c`; empty when one does not (`*`, an expression without a name), as the
/// table's columns are then not known.
fn selected_columns(tokens: &[Tok]) -> Vec<String> {
    use crate::lint::sequence::folded;
    if !tokens.first().is_some_and(|t| t.is_kw("SELECT")) {
        return Vec::new();
    }
    let mut items: Vec<&[Tok]> = Vec::new();
    let mut start = 1;
    let mut end = None;
    for (k, t) in top_level(tokens) {
        if t.is(&Token::Comma) {
            items.push(&tokens[start..k]);
            start = k + 1;
        } else if t.is_kw("FROM") {
            end = Some(k);
            break;
        }
    }
    let Some(end) = end else {
        return Vec::new();
    };
    items.push(&tokens[start..end]);
    let word = |t: &Tok| matches!(&t.token, Token::Word(_)).then(|| folded(t)).flatten();
    let named = |item: &[Tok]| match item {
        [c] => word(c),
        [_, dot, c] if dot.is(&Token::Period) => word(c),
        [.., r#as, c] if r#as.is_kw("AS") => word(c),
        _ => None,
    };
    items
        .iter()
        .map(|item| named(item))
        .collect::<Option<Vec<String>>>()
        .unwrap_or_default()
}

/// Can the statement run as it is inside a PL/pgSQL block? Not a query whose rows need a
/// destination (SELECT, WITH … SELECT, RETURNING), nor one naming `found`, which PL/pgSQL
/// declares in every block (the reference would be ambiguous).
fn runs_in_plpgsql(statement: &crate::sql::Statement) -> bool {
    let mut depth = 0usize;
    let mut verb = None;
    for t in &statement.tokens {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            _ if t.is_kw("FOUND") => return false,
            _ if depth == 0 && t.is_kw("RETURNING") => return false,
            _ if depth == 0 && verb.is_none() => {
                verb = ["SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "ALTER", "CREATE", "COMMENT"]
                    .into_iter()
                    .find(|v| t.is_kw(v));
            }
            _ => {}
        }
    }
    verb.is_some_and(|v| v != "SELECT")
}

/// A catalog name as `to_regclass` reads it: always quoted, so `User` stays `User`.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Is `word`, a word of a query folded as a column is, the name of `relation`, a table or an
/// alias keyed as a table's ([`crate::sql::folded_table`])? Where table names are compared
/// exactly, a word `Old` is folded `old`, and names the table `Old`.
fn names_relation(word: &str, relation: &str) -> bool {
    word == relation
        || (crate::sql::tables_exact() && crate::sql::fold_unquoted(relation) == word)
}

#[cfg(test)]
mod tests {
    use crate::lint::{lint_source, LintOptions};
    use crate::source::SourceFile;
    use crate::sql::Dialect;

    /// A CHECK an ALTER adds in a procedure reads a column the file drops later: on MariaDB
    /// (tests/lint_mysql_handlers_db.rs) a handler for 1054 keeps its re-run going; on MySQL,
    /// whose 3820 (`Check constraint … refers to non-existing column`) is documented but not
    /// run here, it must catch 3820 as well.
    #[test]
    fn a_check_on_a_dropped_column_needs_mysql_s_own_error_caught_on_mysql() {
        let flagged = |dialect: Dialect, condition: &str| {
            let sql = format!(
                "CREATE TABLE IF NOT EXISTS t2 (id INT, p INT);
DELIMITER //
                 CREATE PROCEDURE p_case() BEGIN
                 DECLARE CONTINUE HANDLER FOR {condition} BEGIN END;
                 ALTER TABLE t2 ADD CONSTRAINT t2_ck CHECK (p > 0);
END //
DELIMITER ;
                 CALL p_case();
ALTER TABLE t2 DROP COLUMN IF EXISTS p;
"
            );
            let options = LintOptions {
                dialect,
                ..LintOptions::default()
            };
            lint_source(&SourceFile::new("m.sql", sql.as_str()), &options)
                .iter()
                .any(|f| f.rule.code == "PF123")
        };
        assert!(!flagged(Dialect::Mariadb, "1054, 1826"));
        assert!(flagged(Dialect::Mariadb, "1072, 1826"));
        assert!(flagged(Dialect::Mysql, "1054, 3822"));
        assert!(!flagged(Dialect::Mysql, "1054, 3820, 3822"));
        assert!(!flagged(Dialect::Mysql, "SQLEXCEPTION"));
    }

    /// PostgreSQL 16's `IS JSON` predicates (no server here to run them on): their words are
    /// syntax, not columns of the table the file creates again; the column they test is one.
    #[test]
    fn the_words_of_an_is_json_predicate_are_no_columns() {
        let options = LintOptions {
            dialect: Dialect::Postgres,
            runner: crate::runner::Runner::named("diesel"),
            ..LintOptions::default()
        };
        let lost = |sql: &str| -> Vec<String> {
            lint_source(&SourceFile::new("m.sql", sql), &options)
                .into_iter()
                .filter(|f| f.message.contains("creates it again without that column"))
                .map(|f| f.message)
                .collect()
        };
        let file = |read: &str| {
            format!("SELECT id FROM t WHERE {read};\nDROP TABLE t;\nCREATE TABLE t (id int, j text);\n")
        };
        for read in [
            "j IS JSON",
            "j IS NOT JSON OBJECT",
            "j IS JSON ARRAY WITH UNIQUE KEYS",
            "j IS JSON SCALAR AND j IS JSON VALUE WITHOUT UNIQUE",
        ] {
            assert_eq!(lost(&file(read)), Vec::<String>::new(), "{read}");
        }
        let found = lost(&file("c IS JSON OBJECT"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("`t.c`"), "{found:?}");
    }

    #[test]
    fn a_reference_to_columns_depends_on_the_declared_key_else_on_the_one_its_columns_suggest() {
        use super::{referenced_keys, DeclaredKey, TableKeys};
        use crate::lint::sequence::Key;
        let key = |name: &str, columns: &[&str], is_primary| DeclaredKey {
            table: "p".into(),
            name: name.into(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            is_primary,
        };
        let declared = [key("p_pk", &["uid"], true), key("p_u", &["a", "b"], false)];
        let keys = |t: &str| TableKeys {
            primary: if t == "p" { "p_pk".into() } else { format!("{t}_pkey") },
            declared: declared.iter().filter(|k| k.table == t).collect(),
        };
        let constraints = |table: &str, columns: &[&str]| -> Vec<String> {
            let referenced: Vec<(String, String)> = columns
                .iter()
                .map(|c| (table.to_string(), c.to_string()))
                .collect();
            referenced_keys(&referenced, keys)
                .into_iter()
                .filter_map(|k| match k {
                    Key::Constraint(_, name) => Some(name),
                    _ => None,
                })
                .collect()
        };
        // Declared: the key on exactly those columns, in any order.
        assert_eq!(constraints("p", &["uid"]), ["p_pk"]);
        assert_eq!(constraints("p", &["b", "a"]), ["p_u"]);
        // Declared primary key on other columns: not it, whatever the name.
        assert_eq!(constraints("p", &["id"]), ["p_id_key"]);
        // Not declared: `id` and `<table>_id` are taken for the primary key.
        assert_eq!(constraints("q", &["id"]), ["q_pkey", "q_id_key"]);
        assert_eq!(constraints("users", &["user_id"]), ["users_pkey", "users_user_id_key"]);
        assert_eq!(constraints("q", &["code"]), ["q_code_key"]);
        // Without columns: the primary key, and its declared column.
        assert_eq!(constraints("p", &[super::PRIMARY_KEY]), ["p_pk"]);
        let referenced = [("p".to_string(), super::PRIMARY_KEY.to_string())];
        assert!(referenced_keys(&referenced, keys)
            .contains(&Key::Column("p".into(), "uid".into())));
    }

    #[test]
    fn the_columns_a_create_table_makes_are_its_elements_that_start_no_key_index_or_period() {
        for (dialect, sql, expected) in [
            (
                Dialect::Postgres,
                "CREATE TABLE t (key text, index int, id int PRIMARY KEY, CONSTRAINT c UNIQUE (id), LIKE u);",
                &["key", "index", "id"][..],
            ),
            (
                Dialect::Mariadb,
                "CREATE TABLE t (id INT, b TEXT, s DATETIME, e DATETIME, KEY k (id), INDEX (b(10)), FULLTEXT KEY f (b), PERIOD FOR p (s, e));",
                &["id", "b", "s", "e"][..],
            ),
            // No index among PostgreSQL's and SQLite's elements: PostGIS's `key
            // geometry(Point)` is a column, MariaDB's `KEY geometry (Point)` an index.
            (
                Dialect::Postgres,
                "CREATE TABLE t (id int, key geometry(Point), index geography(Point));",
                &["id", "key", "index"][..],
            ),
            (
                Dialect::Sqlite,
                "CREATE TABLE t (id int, key my_type(word));",
                &["id", "key"][..],
            ),
            (
                Dialect::Mariadb,
                "CREATE TABLE t (id INT, Point INT, KEY geometry (Point));",
                &["id", "point"][..],
            ),
        ] {
            let parsed = crate::sql::parse_source(&SourceFile::new("m.sql", sql), dialect);
            assert_eq!(super::created_columns(&parsed.statements[0]), expected, "{sql}");
        }
    }

    #[test]
    fn a_reference_without_a_column_list_is_to_the_primary_key() {
        use super::{added_constraints, PRIMARY_KEY};
        let sql = "ALTER TABLE c ADD CONSTRAINT a FOREIGN KEY (p_id) REFERENCES p NOT VALID;\n\
                   ALTER TABLE c ADD CONSTRAINT b FOREIGN KEY (p_id) REFERENCES s.p ON DELETE SET NULL (p_id);\n\
                   ALTER TABLE c ADD CONSTRAINT d FOREIGN KEY (x, y) REFERENCES s.p (a, b);\n\
                   CREATE TABLE c2 (p_id int CONSTRAINT e REFERENCES p, CONSTRAINT f PRIMARY KEY (p_id));\n";
        let parsed = crate::sql::parse_source(&SourceFile::new("m.sql", sql), Dialect::Postgres);
        let references: Vec<(String, Vec<(String, String)>)> = parsed
            .statements
            .iter()
            .flat_map(added_constraints)
            .map(|(_, name, _, references)| (name, references))
            .collect();
        let pair = |t: &str, c: &str| (t.to_string(), c.to_string());
        let primary = |name: &str| (name.to_string(), vec![pair("p", PRIMARY_KEY)]);
        assert_eq!(
            references,
            vec![
                primary("a"),
                primary("b"),
                ("d".to_string(), vec![pair("p", "a"), pair("p", "b")]),
                primary("e"),
                ("f".to_string(), vec![]),
            ]
        );
    }

    #[test]
    fn a_validated_foreign_key_whose_referenced_table_is_dropped_later_references_it() {
        let options = LintOptions {
            dialect: Dialect::Postgres,
            select: vec!["PF123".into()],
            ..LintOptions::default()
        };
        let sql = "CREATE TABLE IF NOT EXISTS c (p_id int, x int);\n\
                   ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (id) NOT VALID;\n\
                   ALTER TABLE c VALIDATE CONSTRAINT c_fk;\n\
                   COMMENT ON CONSTRAINT c_fk ON c IS 'x';\n\
                   ALTER TABLE c DROP COLUMN IF EXISTS x;\n\
                   DROP TABLE IF EXISTS p CASCADE;\n";
        let findings = lint_source(&SourceFile::new("m.sql", sql), &options);
        let messages: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
        for verb in ["validates", "comments on"] {
            let wanted = format!("this statement {verb} constraint `c_fk`, which references table `p`: ");
            assert!(messages.iter().any(|m| m.starts_with(&wanted)), "{messages:?}");
        }
        assert!(!messages.iter().any(|m| m.contains("which is on table")), "{messages:?}");
        // A constraint on a column the file drops is on that column.
        let sql = "CREATE TABLE IF NOT EXISTS t (id int, old int);\n\
                   ALTER TABLE t ADD CONSTRAINT c CHECK (old > 0) NOT VALID;\n\
                   ALTER TABLE t VALIDATE CONSTRAINT c;\n\
                   ALTER TABLE t DROP COLUMN IF EXISTS old;\n";
        let findings = lint_source(&SourceFile::new("m.sql", sql), &options);
        assert!(
            findings.iter().any(|f| f.message.starts_with(
                "this statement validates constraint `c`, which is on column `t.old`: "
            )),
            "{findings:?}"
        );
    }
}
