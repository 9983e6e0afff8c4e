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
            }
            // An ALTER TABLE whose own actions create or drop the removed thing is the
            // existence rules' business; the table itself, or a column it alters in place
            // (TYPE, SET NOT NULL, DEFAULT), is read.
            ShapeKind::AlterTable => !shape.guard.is_some_and(|g| g.present),
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
        let mut hits = sequence.reads_removed_later(index, &words);
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
            .map(|name| name.base().to_ascii_lowercase())
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
        // A read the fresh table a retry's `CREATE TABLE IF NOT EXISTS` makes cannot serve:
        // the word it lacks.
        // Of an INSERT into that table itself, the columns it names are the column list after
        // it: the query after that reads other tables (`INSERT INTO t SELECT id FROM s`).
        let target_list: Vec<String> = target
            .as_deref()
            .and_then(|target| {
                let tokens = &cx.statement.tokens;
                let at = tokens.iter().position(|t| {
                    t.bare_word()
                        .is_some_and(|w| w.eq_ignore_ascii_case(target))
                })?;
                if !tokens.get(at + 1)?.is(&Token::LParen) {
                    return None;
                }
                let close = crate::sql::lexer::matching_paren(tokens, at + 1)?;
                Some(
                    tokens[at + 2..close]
                        .iter()
                        .filter_map(crate::lint::sequence::folded)
                        .collect(),
                )
            })
            .unwrap_or_default();
        let target_list: Vec<&str> = target_list.iter().map(String::as_str).collect();
        let fresh_table_lacks = |key: &Key| {
            // Only a query reads the table's rows, and its columns by name.
            if !analysed_at_create(shape) {
                return None;
            }
            let into_it = matches!(key, Key::Object(ObjectKind::Table, t) if target.as_deref() == Some(t.as_str()));
            let words = if into_it { &target_list } else { &copied };
            let written = written_schema(&cx.statement.tokens, key);
            sequence.read_lacked_by_fresh_table(key, index, written.as_deref(), words)
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
            let keep: Vec<bool> = hits
                .iter()
                .map(|(key, _)| match key {
                    // A table only a foreign key the statement adds reads is its parent: adding
                    // the key raises another error than a read of the table once that is gone.
                    Key::Object(ObjectKind::Table, t) if references_only(cx.statement, t) => {
                        !guard.protects_parent(t) && !column_first(key)
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
        let Some((key, _)) = hits.first() else {
            // In a DO body too: the block runs again on a re-run, and meets what the file
            // left.
            let lost = column_lost_on_recreate(cx, sequence, index, guard)
                .or_else(|| label_lost_on_conversion(cx, sequence, index, &words, guard));
            out.extend(lost);
            return;
        };
        let what = match key {
            Key::Object(_, t) => format!("table `{t}`"),
            Key::Column(t, c) => format!("column `{t}.{c}`"),
            Key::Constraint(t, c) => format!("constraint `{c}` on `{t}`"),
        };
        let own_word = |w: &str| match key {
            Key::Object(_, t) => t == w,
            Key::Column(_, c) => c == w,
            // Only the key a validated foreign key references (`p_pkey`).
            Key::Constraint(..) => false,
        };
        // The column the fresh table a retry's `CREATE TABLE IF NOT EXISTS` makes lacks.
        let lacked = fresh_table_lacks(key);
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
                None => match lacked {
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
        if let Some(column) = lacked {
            // A guard on the table's presence passes on the retry: the fresh table is there.
            v = v.note(format!(
                "no fix: spell `{column}` in that `CREATE TABLE IF NOT EXISTS`, or add it with `ADD COLUMN IF NOT EXISTS` before this statement, so the retry's fresh table has it"
            ));
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

/// The schema `tokens` write for the table of `key` (`s` of `s.t`), folded; `None` when they
/// name it unqualified only.
fn written_schema(tokens: &[Tok], key: &Key) -> Option<String> {
    use crate::lint::sequence::folded;
    let (Key::Object(_, table) | Key::Column(table, _) | Key::Constraint(table, _)) = key;
    tokens
        .windows(3)
        .filter(|w| w[1].is(&Token::Period) && folded(&w[2]).as_deref() == Some(table))
        .find_map(|w| folded(&w[0]))
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
    for part in crate::sql::dynamic::split_top(&lexed.tokens, |t| t.is(&Token::SemiColon)) {
        let query = part.first().is_some_and(|t| {
            QUERIES.iter().any(|q| t.is_kw(q)) || t.is(&Token::LParen)
        });
        if query {
            read.extend(part.iter().filter_map(|t| match &t.token {
                Token::Word(w) if crate::sql::keeps_case(w) => Some(w.value.clone()),
                Token::Word(w) => Some(w.value.to_lowercase()),
                _ => None,
            }));
        }
    }
    let hits = sequence.reads_removed_later(index, &read);
    let (key, _) = hits.iter().find(|(key, _)| {
        let written = written_schema(&lexed.tokens, key);
        !sequence.created_on_every_run(key, index, written.as_deref())
    })?;
    let what = match key {
        Key::Object(_, t) => format!("table `{t}`"),
        Key::Column(t, c) => format!("column `{t}.{c}`"),
        Key::Constraint(t, c) => format!("constraint `{c}` on `{t}`"),
    };
    Some(
        Violation::new(
            cx.shape().head.clone(),
            format!(
                "this `LANGUAGE sql` routine's body uses {what}, which a later statement of this file drops or renames: PostgreSQL checks such a body when it creates the routine (`check_function_bodies`), so a retry of the file fails here once that statement has run, whether or not anything calls the routine"
            ),
        )
        .note("no fix: a `LANGUAGE sql` body cannot check that what it reads exists; split the file so the removal is its own migration, or write the body in PL/pgSQL, which PostgreSQL checks only when a call runs it"),
    )
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
    while let Some(part) = tokens.get(k).and_then(|t| folded(t)) {
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

/// The column of a [`ColumnRef`] that stands for the referenced table's primary key, whose
/// columns the clause does not name (`REFERENCES p`): no column's name is empty.
pub(crate) const PRIMARY_KEY: &str = "";

/// What the file tells of a referenced table's keys, for [`referenced_keys`]: its primary key's
/// name (the file's `CONSTRAINT p_pk PRIMARY KEY`, else PostgreSQL's default, `p_pkey`), and
/// the primary and unique keys the statements checked so far declare on it, as
/// [`DeclaredKey`]s.
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
/// The key the file declares on exactly those columns (`keys`: the primary key, or a unique
/// constraint, in any order, as PostgreSQL matches them); else a unique constraint on exactly
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
        let same = |declared: &[String]| {
            declared.len() == columns.len()
                && declared.iter().all(|d| columns.contains(&d.as_str()))
                && columns.iter().all(|c| declared.iter().any(|d| d == c))
        };
        if primary_columns.is_some_and(|p| same(p)) {
            keys_of.push(Key::Constraint(table.clone(), known.primary));
            continue;
        }
        if let Some(key) = known
            .declared
            .iter()
            .rev()
            .find(|key| !key.is_primary && same(&key.columns))
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
    let key = referenced_keys(&references, |table| table_keys(sequence, table))
        .into_iter()
        .find(|key| {
            sequence.column_cascaded_after(key, index).is_some()
                || (cx.runs_in.is_in_body()
                    && crate::lint::sequence::column_cascaded_in_body(cx.later_in_body, key))
        })?;
    let without_columns = references.iter().any(|(_, c)| c == PRIMARY_KEY);
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

/// `… SELECT cols FROM t …` where a later statement drops `t` and creates it again without
/// one of `cols` (authelia V0006 re-creates `oauth2_consent_session` without `expires_at`):
/// a re-run reads the new table and fails. Only a single-table FROM is read, and only words
/// that can only be columns (not [`QUERY_SYNTAX`], not a subquery's), so the columns surely
/// are `t`'s. No fix: the table exists either way. In a DO
/// body, a `guard` that protects the read of the lost column keeps it running.
fn column_lost_on_recreate(
    cx: &StatementCx,
    sequence: &crate::lint::sequence::Sequence,
    index: usize,
    guard: Option<&crate::sql::ReadGuard>,
) -> Option<Violation> {
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
    // `FROM ONLY t`: the same table's columns. `s.t`, `"s"."t"`: the table `t` of schema `s`.
    let name_at = from + 1 + usize::from(tokens.get(from + 1).is_some_and(|t| t.is_kw("ONLY")));
    let mut table_at = name_at;
    while tokens.get(table_at + 1).is_some_and(|t| t.is(&Token::Period)) {
        table_at += 2;
    }
    let table = folded(tokens.get(table_at)?)?;
    let schema = (table_at > name_at).then(|| folded(&tokens[table_at - 2])).flatten();
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
    let alias = alias_at.and_then(|a| folded(&tokens[a]));
    let rest = alias_at.map_or(table_at + 1, |a| a + 1);
    if tokens.get(rest).is_some_and(|t| {
        !(FROM_ENDS.iter().any(|e| t.is_kw(e))
            || (t.is_kw("ON") && tokens.get(rest + 1).is_some_and(|n| n.is_kw("CONFLICT"))))
    }) {
        return None;
    }
    let key = Key::Object(ObjectKind::Table, table.clone());
    // Made again by a CREATE TABLE, or by the rename that ends a table rebuild.
    let (columns, renamed) = match sequence.recreated_after(&key, index, schema.as_deref()) {
        Some((_, columns)) => (columns, false),
        None => (
            sequence.rebuilt_after(&key, index, schema.as_deref())?.1,
            true,
        ),
    };
    if columns.is_empty() {
        return None;
    }
    // A word right after an expression is its output name (`SELECT c name`, `c nm`, `c "Nm"`).
    let ends_expression = |b: &Tok| match &b.token {
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
    };
    // `SELECT DISTINCT ON (c) id`: the `)` ends no output expression, `id` is a column.
    let distinct_on = (tokens.get(select + 1).is_some_and(|t| t.is_kw("DISTINCT"))
        && tokens.get(select + 2).is_some_and(|t| t.is_kw("ON"))
        && tokens.get(select + 3).is_some_and(|t| t.is(&Token::LParen)))
    .then(|| crate::sql::lexer::matching_paren(tokens, select + 3))
    .flatten();
    // The word that opens `EXTRACT(dow FROM …)`, `XMLELEMENT(NAME n, …)` or
    // `XMLPARSE(DOCUMENT …)` is syntax, as is the element name after `NAME`.
    let opens_call = |k: usize| {
        k >= 2
            && tokens[k - 1].is(&Token::LParen)
            && SYNTAX_CALLS.iter().any(|f| tokens[k - 2].is_kw(f))
    };
    // `a OPERATOR(pg_catalog.=) c`: the `)` closes an operator, not an expression.
    let closes_operator = |p: usize| {
        [2, 4].iter().any(|&n| {
            p > n
                && tokens[p].is(&Token::RParen)
                && tokens[p - n].is(&Token::LParen)
                && tokens[p - n - 1].is_kw("OPERATOR")
        })
    };
    let ends_at = |p: usize| {
        Some(p) != distinct_on
            && !opens_call(p)
            && !closes_operator(p)
            && ends_expression(&tokens[p])
    };
    // `x IS [NOT] JSON OBJECT`, `IS [NOT] NFC NORMALIZED`, `IS DOCUMENT`: the predicate's words.
    let in_is_predicate = |k: usize| {
        let mut p = k;
        while k - p < 8
            && tokens[p]
                .bare_word()
                .is_some_and(|w| {
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
    };
    // `normalize(x, NFC)`: the last argument is a normal form.
    let normal_form = |k: usize| {
        k >= 1
            && tokens[k - 1].is(&Token::Comma)
            && tokens.get(k + 1).is_some_and(|n| n.is(&Token::RParen))
            && tokens[k]
                .bare_word()
                .is_some_and(|w| NORMAL_FORMS.iter().any(|f| w.eq_ignore_ascii_case(f)))
    };
    // `OVER w`, `OVER (w ORDER BY …)`, `WINDOW w AS (…)`: a window's name.
    let names_window = |k: usize| {
        let before = |n: usize, kw: &str| k >= n && tokens[k - n].is_kw(kw);
        before(1, "OVER")
            || (k >= 1 && tokens[k - 1].is(&Token::LParen) && (before(2, "OVER") || before(2, "AS")))
            || (tokens.get(k + 1).is_some_and(|n| n.is_kw("AS"))
                && tokens.get(k + 2).is_some_and(|n| n.is(&Token::LParen)))
    };
    // `t.c`, `a.c`, `s.t.c`: a column of the table the query reads (not of `s.t.c`'s table of
    // another schema: the schema must name the table's, `public` too for an unqualified one
    // under the connection's search_path).
    let read_table = RowTable {
        schema: schema.clone(),
        base: table.clone(),
    }
    .resolved(sequence.schema_of(None));
    let of_the_table = |k: usize| {
        let Some(q) = k.checked_sub(2).and_then(|q| folded(&tokens[q])) else {
            return false;
        };
        if !(k >= 3 && tokens[k - 3].is(&Token::Period)) {
            return q == table || Some(&q) == alias.as_ref();
        }
        q == table
            && k >= 4
            && folded(&tokens[k - 4]).is_some_and(|s| {
                RowTable {
                    schema: Some(s),
                    base: table.clone(),
                }
                .may_be(&read_table, cx.dialect == Dialect::Postgres)
            })
    };
    let plain_column = |k: usize| {
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
        let syntax = k.checked_sub(1).is_some_and(ends_at)
            || before.is_some_and(|b| {
                ["AS", "COLLATE", "TABLESAMPLE"].iter().any(|kw| b.is_kw(kw))
                    || b.is(&Token::DoubleColon)
                    || (b.is(&Token::Period) && !of_the_table(k))
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
            || opens_call(k)
            || (k >= 1 && tokens[k - 1].is_kw("NAME") && opens_call(k - 1))
            || names_window(k)
            || in_is_predicate(k)
            || normal_form(k);
        column_word && !syntax
    };
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
    let aliases: Vec<String> = scanned
        .iter()
        .filter(|&&k| k > select + 1)
        .filter(|&&k| tokens[k - 1].is_kw("AS") || ends_at(k - 1))
        .filter_map(|&k| folded(&tokens[k]))
        .collect();
    let lost = scanned
        .into_iter()
        .filter(|&k| k != table_at && Some(k) != alias_at && plain_column(k))
        .filter_map(|k| Some((k, folded(&tokens[k])?)))
        .find(|(k, c)| {
            let kept = columns.contains(c)
                || (*k > from && aliases.contains(c))
                || *c == table
                || Some(c) == alias.as_ref()
                || (cx.dialect == Dialect::Postgres && SYSTEM_COLUMNS.contains(&c.as_str()));
            !kept
        })?
        .1;
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
