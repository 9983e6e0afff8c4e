//! In-file sequence analysis: the file's own effects ([`Statement::effects`], the replay model
//! reconcile and verify use), replayed statement by statement, say which statements survive a
//! retry because of what the rest of the file does.
//!
//! - A CREATE after a DROP of the same object in the same file always survives: any run that
//!   reaches the CREATE ran the DROP first.
//! - Under a per-file transaction only a full re-run can happen, from the state the whole file
//!   left: a DROP of an object the file re-creates later, and a CREATE of an object the file
//!   drops later, survive it too.
//! - A statement that reads a table or column a later statement drops or renames fails on a
//!   retry once that later statement has run (PF123).

use crate::runner::ApplyModel;
use crate::sql::{AlterActionKind, Change, Effect, Name, ObjectKind, ShapeKind, Statement, Target};
use sqlparser::tokenizer::Token;
use std::collections::HashMap;
use std::ops::Range;

/// An object as the replay tracks it: names folded, schemas ignored (as the guards do).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    Object(ObjectKind, String),
    Column(String, String),
    Constraint(String, String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    Create,
    /// Dropped, or renamed away.
    Remove,
}

/// One effect of a statement on a named object, with the bytes it covers.
struct Step {
    key: Key,
    event: Event,
    /// The table it lives on (columns, constraints, indexes).
    table: Option<String>,
    /// The ALTER TABLE action, or the whole statement.
    range: Range<usize>,
}

#[derive(Debug, Default)]
pub struct Sequence {
    model: Option<ApplyModel>,
    /// Key → (statement index, event), in file order.
    events: HashMap<Key, Vec<(usize, Event)>>,
    /// The same for statements inside DO blocks, which may not run.
    conditional: HashMap<Key, Vec<(usize, Event)>>,
    /// Statement index → ranges proved to survive a retry.
    safe: HashMap<usize, Vec<Range<usize>>>,
    /// Table name → the tables and columns on it that some statement removes: PF123 looks up
    /// a statement's words here instead of scanning every object of the file per statement.
    removable_by_table: HashMap<String, Vec<Key>>,
}

impl Sequence {
    /// Replays the top-level statements of a file under `model`.
    pub fn new(statements: &[Statement], model: ApplyModel) -> Sequence {
        let mut seq = Sequence {
            model: Some(model),
            ..Sequence::default()
        };
        let all_steps: Vec<Vec<Step>> = statements.iter().map(steps).collect();
        // What a DO block's statements do may or may not happen (a guarded rename is skipped
        // when its new name exists): it can make a read fail (PF123), never prove a CREATE safe.
        let nested = statements
            .iter()
            .map(|s| s.nested.iter().flat_map(steps).collect::<Vec<_>>());
        for (i, (top, nested)) in all_steps.iter().zip(nested).enumerate() {
            for step in top {
                seq.events
                    .entry(step.key.clone())
                    .or_default()
                    .push((i, step.event));
            }
            for step in nested {
                seq.conditional
                    .entry(step.key.clone())
                    .or_default()
                    .push((i, step.event));
            }
        }
        for (i, list) in all_steps.iter().enumerate() {
            let statement = &statements[i];
            let safe: Vec<&Step> = list.iter().filter(|s| seq.survives(i, s)).collect();
            if statement.shape.kind == ShapeKind::AlterTable {
                let ranges = safe.iter().map(|s| s.range.clone()).collect::<Vec<_>>();
                if !ranges.is_empty() {
                    seq.safe.insert(i, ranges);
                }
            } else if !list.is_empty() && safe.len() == list.len() && !unnamed(statement) {
                seq.safe.insert(i, vec![statement.range.clone()]);
            }
        }
        seq.index_removable();
        seq
    }

    fn index_removable(&mut self) {
        let removed =
            |events: &Vec<(usize, Event)>| events.iter().any(|&(_, e)| e == Event::Remove);
        let keys: std::collections::HashSet<&Key> = self
            .events
            .iter()
            .chain(&self.conditional)
            .filter(|(_, events)| removed(events))
            .map(|(key, _)| key)
            .collect();
        for key in keys {
            let table = match key {
                Key::Object(ObjectKind::Table, t) | Key::Column(t, _) => t,
                _ => continue,
            };
            self.removable_by_table
                .entry(table.clone())
                .or_default()
                .push(key.clone());
        }
    }

    /// The analysis proved the bytes `range` of top-level statement `index` survive a retry.
    pub fn proves_safe(&self, index: usize, range: &Range<usize>) -> bool {
        self.safe.get(&index).is_some_and(|ranges| {
            ranges
                .iter()
                .any(|r| r.start <= range.start && range.end <= r.end)
        })
    }

    fn transactional(&self) -> bool {
        self.model == Some(ApplyModel::FileTransaction)
    }

    fn survives(&self, i: usize, step: &Step) -> bool {
        let Some(events) = self.events.get(&step.key) else {
            return false;
        };
        let earlier = |want: Event| events.iter().any(|&(j, e)| j < i && e == want);
        let last = events.last().map(|&(_, e)| e);
        match step.event {
            Event::Create => {
                earlier(Event::Remove)
                    || step
                        .table
                        .as_ref()
                        .is_some_and(|t| self.table_removed_before(t, i))
                    || (self.transactional() && last == Some(Event::Remove))
            }
            Event::Remove => {
                earlier(Event::Create) || (self.transactional() && last == Some(Event::Create))
            }
        }
    }

    /// Does a statement before top-level statement `i` create table `table` (base name,
    /// folded) with no later drop or rename before `i`?
    pub fn table_created_before(&self, table: &str, i: usize) -> bool {
        self.created_before(&Key::Object(ObjectKind::Table, table.to_string()), i)
    }

    fn table_removed_before(&self, table: &str, i: usize) -> bool {
        self.events
            .get(&Key::Object(ObjectKind::Table, table.to_string()))
            .is_some_and(|ev| ev.iter().any(|&(j, e)| j < i && e == Event::Remove))
    }

    /// Did a statement before `i` create `key`, with nothing removing it since? (The running
    /// application cannot depend on an object the same migration creates.)
    pub fn created_before(&self, key: &Key, i: usize) -> bool {
        self.events.get(key).is_some_and(|events| {
            events
                .iter()
                .rev()
                .find(|&&(j, _)| j < i)
                .is_some_and(|&(_, e)| e == Event::Create)
        })
    }

    /// What the file's statements before `i` last did to `key`: `Some(true)` created it,
    /// `Some(false)` removed it, `None` never touched it (then what earlier files did decides).
    pub fn state_before(&self, key: &Key, i: usize) -> Option<bool> {
        let events = self.events.get(key)?;
        let &(_, event) = events.iter().rev().find(|&&(j, _)| j < i)?;
        Some(event == Event::Create)
    }

    /// Is `key` gone for a retry of statement `i`? Some later statement removes it, and under
    /// a per-file transaction the file does not bring it back.
    pub fn removed_after(&self, key: &Key, i: usize) -> Option<usize> {
        let mut events: Vec<(usize, Event)> = [&self.events, &self.conditional]
            .iter()
            .filter_map(|m| m.get(key))
            .flatten()
            .copied()
            .collect();
        events.sort_by_key(|&(j, _)| j);
        let (j, _) = events.iter().find(|&&(j, e)| j > i && e == Event::Remove)?;
        if self.transactional() && events.last().map(|&(_, e)| e) != Some(Event::Remove) {
            return None;
        }
        Some(*j)
    }

    /// The tables and columns a later statement removes that statement `i` (whose words are
    /// `words`) mentions: `(key, removing statement index)`.
    pub fn reads_removed_later(&self, i: usize, words: &[String]) -> Vec<(Key, usize)> {
        let words: std::collections::HashSet<&str> = words.iter().map(String::as_str).collect();
        let mut out: Vec<(Key, usize)> = words
            .iter()
            .filter_map(|w| self.removable_by_table.get(*w))
            .flatten()
            .filter(|key| match key {
                Key::Column(_, c) => words.contains(c.as_str()),
                _ => true,
            })
            .filter_map(|key| self.removed_after(key, i).map(|j| (key.clone(), j)))
            .collect();
        out.sort_by(|a, b| {
            a.1.cmp(&b.1)
                .then_with(|| format!("{:?}", a.0).cmp(&format!("{:?}", b.0)))
        });
        out
    }
}

/// The lower-cased words of a statement (identifiers and keywords, quotes removed).
pub fn words(statement: &Statement) -> Vec<String> {
    statement
        .tokens
        .iter()
        .filter_map(|t| match &t.token {
            Token::Word(w) if w.quote_style.is_some() => Some(w.value.clone()),
            Token::Word(w) => Some(w.value.to_lowercase()),
            _ => None,
        })
        .collect()
}

/// What a whole file leaves behind, per key: `true` it creates the object (and does not remove
/// it again), `false` it removes or renames it away. The pending-migration look-back
/// (`lint::pending`) chains these across the files of a directory.
pub fn net_effects(statements: &[Statement]) -> HashMap<Key, bool> {
    let mut out = HashMap::new();
    for step in statements.iter().flat_map(steps) {
        out.insert(step.key, step.event == Event::Create);
    }
    out
}

fn unnamed(statement: &Statement) -> bool {
    statement.effects().iter().any(|e| e.name.is_none())
}

fn steps(statement: &Statement) -> Vec<Step> {
    let shape = &statement.shape;
    let table = shape.object().map(|t| t.base().to_string());
    if shape.kind == ShapeKind::AlterTable {
        let Some(table) = table else {
            return Vec::new();
        };
        return shape
            .actions
            .iter()
            .filter_map(|a| {
                if let Some(event) = primary_key_event(statement, a) {
                    return Some(Step {
                        key: primary_key(&table),
                        event,
                        table: Some(table.clone()),
                        range: a.range.clone(),
                    });
                }
                let event = match a.kind {
                    AlterActionKind::AddColumn
                    | AlterActionKind::AddConstraint
                    | AlterActionKind::AddIndex => Event::Create,
                    AlterActionKind::Rename
                    | AlterActionKind::DropColumn
                    | AlterActionKind::DropConstraint
                    | AlterActionKind::DropIndex => Event::Remove,
                    AlterActionKind::Other => return None,
                };
                let key = match (a.kind, &a.name) {
                    // `RENAME TO new`: the table goes away under its old name.
                    (AlterActionKind::Rename, None) => {
                        Key::Object(ObjectKind::Table, table.clone())
                    }
                    (_, None) => return None,
                    (AlterActionKind::AddColumn | AlterActionKind::DropColumn, Some(n)) => {
                        Key::Column(table.clone(), n.base().to_string())
                    }
                    (AlterActionKind::Rename, Some(n)) if renames_constraint(statement, a) => {
                        Key::Constraint(table.clone(), n.base().to_string())
                    }
                    (AlterActionKind::Rename, Some(n)) => {
                        Key::Column(table.clone(), n.base().to_string())
                    }
                    // MariaDB's `DROP INDEX IF EXISTS `PRIMARY`` (PF111's fix) is the key.
                    (AlterActionKind::DropIndex, Some(n))
                        if n.base().eq_ignore_ascii_case("PRIMARY") =>
                    {
                        primary_key(&table)
                    }
                    (AlterActionKind::AddIndex | AlterActionKind::DropIndex, Some(n)) => {
                        Key::Object(ObjectKind::Index, n.base().to_string())
                    }
                    (_, Some(n)) => Key::Constraint(table.clone(), n.base().to_string()),
                };
                Some(Step {
                    key,
                    event,
                    table: Some(table.clone()),
                    range: a.range.clone(),
                })
            })
            .collect();
    }
    statement
        .effects()
        .iter()
        .filter_map(|e: &Effect| {
            let name: &Name = e.name?;
            let Target::Object(kind) = e.target else {
                return None;
            };
            let event = match e.change {
                Change::Create => Event::Create,
                Change::Drop | Change::Rename => Event::Remove,
                Change::Alter => return None,
            };
            Some(Step {
                key: Key::Object(kind, name.base().to_string()),
                event,
                table: e.table.map(|t| t.base().to_string()),
                range: statement.range.clone(),
            })
        })
        .collect()
}

/// The primary key of `table` as the replay tracks it: PostgreSQL's name for an unnamed key
/// (`<table>_pkey`, so `DROP CONSTRAINT t_pkey` matches `ADD PRIMARY KEY (…)`), which also stands
/// for MySQL's `PRIMARY`.
fn primary_key(table: &str) -> Key {
    Key::Constraint(table.to_string(), format!("{table}_pkey"))
}

/// An unnamed `ADD PRIMARY KEY` creates the table's primary key; MySQL's `DROP PRIMARY KEY`
/// removes it.
fn primary_key_event(statement: &Statement, action: &crate::sql::AlterAction) -> Option<Event> {
    let mut words = statement
        .tokens
        .iter()
        .filter(|t| t.range.start >= action.range.start && t.range.end <= action.range.end);
    let (verb, primary, key) = (words.next()?, words.next()?, words.next()?);
    if !primary.is_kw("PRIMARY") || !key.is_kw("KEY") {
        return None;
    }
    if verb.is_kw("ADD") {
        Some(Event::Create)
    } else if verb.is_kw("DROP") {
        Some(Event::Remove)
    } else {
        None
    }
}

fn renames_constraint(statement: &Statement, action: &crate::sql::AlterAction) -> bool {
    statement
        .tokens
        .iter()
        .filter(|t| t.range.start >= action.range.start && t.range.end <= action.range.end)
        .nth(1)
        .is_some_and(|t| t.is_kw("CONSTRAINT") || t.is_kw("INDEX") || t.is_kw("KEY"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;
    use crate::sql::{parse_source, Dialect};

    fn seq(sql: &str, model: ApplyModel) -> (Vec<Statement>, Sequence) {
        let parsed = parse_source(&SourceFile::new("m.sql", sql), Dialect::Postgres);
        let s = Sequence::new(&parsed.statements, model);
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
                Sequence::new(&parsed.statements, ApplyModel::StatementByStatement),
            );
            let proved: Vec<bool> = stmts
                .iter()
                .map(|st| s.proves_safe(st.index, &st.shape.actions[0].range))
                .collect();
            assert_eq!(proved, [false, true], "{sql}");
        }
    }

    #[test]
    fn a_rename_inside_a_do_block_still_removes_the_old_name() {
        let sql = "INSERT INTO b SELECT * FROM a;\nDO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_class WHERE relname = 'a') THEN ALTER TABLE a RENAME TO a_old; END IF; END $$;";
        let (stmts, s) = seq(sql, ApplyModel::FileTransaction);
        let hits = s.reads_removed_later(0, &words(&stmts[0]));
        assert_eq!(hits, [(Key::Object(ObjectKind::Table, "a".into()), 1)]);
    }

    #[test]
    fn reads_of_a_column_dropped_later() {
        let sql = "UPDATE t SET a = 1; ALTER TABLE t DROP COLUMN a;";
        let (stmts, s) = seq(sql, ApplyModel::FileTransaction);
        let hits = s.reads_removed_later(0, &words(&stmts[0]));
        assert_eq!(hits, [(Key::Column("t".into(), "a".into()), 1)]);
        // Re-added later: a full re-run finds the column again.
        let sql =
            "UPDATE t SET a = 1; ALTER TABLE t DROP COLUMN a; ALTER TABLE t ADD COLUMN a int;";
        let (stmts, s) = seq(sql, ApplyModel::FileTransaction);
        assert!(s.reads_removed_later(0, &words(&stmts[0])).is_empty());
        let (stmts, s) = seq(sql, ApplyModel::StatementByStatement);
        assert_eq!(s.reads_removed_later(0, &words(&stmts[0])).len(), 1);
    }
}
