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
    /// Key → statement indexes that give an existing object this name (`RENAME … TO key`).
    arrivals: HashMap<Key, Vec<usize>>,
    /// Statement index → (dropped key, name of a view a later statement creates over it): on
    /// a retry that view exists, and the drop fails ("other objects depend on it").
    blocked: HashMap<usize, (Key, String)>,
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
        for (i, statement) in statements.iter().enumerate() {
            for key in arrivals(statement) {
                seq.arrivals.entry(key).or_default().push(i);
            }
        }
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
        seq.find_blocked_drops(statements, &all_steps);
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

    /// Drops of a table or view that a later statement of the file creates a view over (lemmy:
    /// `DROP VIEW user_view; CREATE VIEW user_view …; CREATE MATERIALIZED VIEW user_mview AS
    /// SELECT … FROM user_view`). Unless the file drops that view first, a retry finds it.
    fn find_blocked_drops(&mut self, statements: &[Statement], all_steps: &[Vec<Step>]) {
        let views: Vec<(usize, Key, String, Vec<String>)> = statements
            .iter()
            .enumerate()
            .filter_map(|(k, s)| match &s.shape.kind {
                ShapeKind::Create(kind @ (ObjectKind::View | ObjectKind::MaterializedView)) => {
                    let name = s.shape.object()?;
                    let key = Key::Object(*kind, name.base().to_string());
                    Some((k, key, name.text.clone(), words(s)))
                }
                _ => None,
            })
            .collect();
        if views.is_empty() {
            return;
        }
        for (i, steps) in all_steps.iter().enumerate() {
            // CASCADE drops the dependents along.
            if statements[i].tokens.iter().any(|t| t.is_kw("CASCADE")) {
                continue;
            }
            for step in steps.iter().filter(|s| s.event == Event::Remove) {
                let Key::Object(
                    ObjectKind::Table | ObjectKind::View | ObjectKind::MaterializedView,
                    name,
                ) = &step.key
                else {
                    continue;
                };
                let dependent = views.iter().find(|(k, key, _, words)| {
                    let events = self.events.get(key).map_or(&[][..], Vec::as_slice);
                    let dropped_first = events.iter().any(|&(j, e)| j < i && e == Event::Remove);
                    let gone_after_file = self.transactional()
                        && events.last().map(|&(_, e)| e) == Some(Event::Remove);
                    *k > i
                        && key != &step.key
                        && words.iter().any(|w| w == name)
                        && !dropped_first
                        && !gone_after_file
                });
                if let Some((_, _, text, _)) = dependent {
                    self.blocked.insert(i, (step.key.clone(), text.clone()));
                }
            }
        }
    }

    /// The view a later statement creates over what statement `i` drops, which makes the drop
    /// fail on a retry.
    pub fn blocked_drop(&self, i: usize) -> Option<&str> {
        self.blocked.get(&i).map(|(_, name)| name.as_str())
    }

    fn is_blocked(&self, i: usize, key: &Key) -> bool {
        self.blocked.get(&i).is_some_and(|(k, _)| k == key)
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
        // A drop that fails on a retry proves nothing about the statements after it.
        let earlier_removal = events
            .iter()
            .any(|&(j, e)| j < i && e == Event::Remove && !self.is_blocked(j, &step.key));
        match step.event {
            Event::Remove if self.is_blocked(i, &step.key) => false,
            Event::Create => {
                earlier_removal
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

    /// On a first run of the file, is `key` there when statement `i` runs and still there
    /// until statement `j` removes it, and gone for good after that? True when nothing before `i`
    /// removed it without creating it again, nothing between `i` and `j` creates it, no DO
    /// block touches it by then, and nothing after `j` creates it or renames something to it.
    /// Then a check that `key` exists, placed at `i`, passes on the first run and on every
    /// retry that has not reached `j`, and fails only once `j` ran.
    pub fn present_until(&self, key: &Key, i: usize, j: usize) -> bool {
        let events = self.events.get(key).map_or(&[][..], Vec::as_slice);
        let before_ok = events
            .iter()
            .rev()
            .find(|&&(k, _)| k < i)
            .is_none_or(|&(_, e)| e == Event::Create);
        let no_create_between = !events
            .iter()
            .any(|&(k, e)| i <= k && k < j && e == Event::Create);
        let no_conditional = !self
            .conditional
            .get(key)
            .is_some_and(|list| list.iter().any(|&(k, _)| k <= j));
        // Brought back later (`RENAME t_new TO t`): a retry finds it again.
        before_ok && no_create_between && no_conditional && !self.returns_after(key, j)
    }

    /// The statement that creates `key` again after a later statement of `i`'s file removed
    /// it, when that creation is the key's last event (so `removed_after` reports nothing).
    pub fn recreated_after(&self, key: &Key, i: usize) -> Option<usize> {
        let events = self.events.get(key)?;
        let (j, _) = events.iter().find(|&&(j, e)| j > i && e == Event::Remove)?;
        match events.last() {
            Some(&(k, Event::Create)) if k > *j => Some(k),
            _ => None,
        }
    }

    /// Does a statement after `i` bring `key` back, by creating it or renaming something to
    /// it? Then a retry of `i` after the whole file ran finds the name taken again.
    pub fn returns_after(&self, key: &Key, i: usize) -> bool {
        let created = [&self.events, &self.conditional]
            .iter()
            .filter_map(|m| m.get(key))
            .flatten()
            .any(|&(j, e)| j > i && e == Event::Create);
        created
            || self
                .arrivals
                .get(key)
                .is_some_and(|list| list.iter().any(|&j| j > i))
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

/// The names a statement gives to objects that already exist: `ALTER TABLE t RENAME [TO|AS]
/// new`, `RENAME COLUMN a TO b`, `RENAME TABLE a TO b`.
fn arrivals(statement: &Statement) -> Vec<Key> {
    let shape = &statement.shape;
    let within = |range: &Range<usize>| {
        statement
            .tokens
            .iter()
            .filter(|t| range.start <= t.range.start && t.range.end <= range.end)
            .collect::<Vec<_>>()
    };
    match &shape.kind {
        ShapeKind::AlterTable => {
            let Some(table) = shape.object().map(|t| t.base().to_string()) else {
                return Vec::new();
            };
            shape
                .actions
                .iter()
                .filter(|a| a.kind == AlterActionKind::Rename)
                .filter_map(|a| {
                    let tokens = within(&a.range);
                    let new = match tokens.iter().position(|t| t.is_kw("TO") || t.is_kw("AS")) {
                        Some(at) => tokens.get(at + 1),
                        // MySQL's `RENAME new`.
                        None if a.name.is_none() => tokens.get(1),
                        None => None,
                    };
                    let new = folded(new?)?;
                    Some(match &a.name {
                        None => Key::Object(ObjectKind::Table, new),
                        Some(_) if renames_constraint(statement, a) => {
                            Key::Constraint(table.clone(), new)
                        }
                        Some(_) => Key::Column(table.clone(), new),
                    })
                })
                .collect()
        }
        ShapeKind::Rename(ObjectKind::Table) => {
            let tokens = within(&statement.range);
            tokens
                .windows(2)
                .filter(|w| w[0].is_kw("TO"))
                .filter_map(|w| folded(w[1]))
                .map(|new| Key::Object(ObjectKind::Table, new))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// A word as the replay keys it: unquoted → lower case.
pub fn folded(token: &crate::sql::Tok) -> Option<String> {
    match &token.token {
        Token::Word(w) if w.quote_style.is_some() => Some(w.value.clone()),
        Token::Word(w) => Some(w.value.to_lowercase()),
        _ => None,
    }
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
