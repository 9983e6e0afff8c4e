//! The routines earlier migrations of a linted file's directory define, in the order the
//! migration tool runs them: read per directory on the first call that needs them, and each
//! migration split only when a call names a routine its text mentions.
//!
//! Atlas checkpoints (`-- atlas:checkpoint`) give a file more than one run that reaches it
//! (`sql/migrate/migrate.go`, `Executor.Pending`; `sql/migrate/dir.go`,
//! `FilesFromLastCheckpoint`, `SkipCheckpointFiles`): a database with history runs every file
//! but the checkpoints; one that started at a checkpoint (a fresh database starts at the last)
//! ran that checkpoint first, then the files after it, no other checkpoint. So a file after a
//! checkpoint is reached both after the plain files before it and after the checkpoint, which
//! replaces them; a checkpoint itself runs first, after nothing. A routine the file calls is
//! taken from each run that defines it ([`Directory::get`]): never "not defined" (PF001) when a
//! run reaching the file defines it, and each distinct body those runs leave checked at the
//! call.

use super::{may_define_routines, routine_event, Routine};
use crate::layout::{Layout, MigrationFile, Reader};
use crate::lint::known_columns::{DeclaredType, ForeignKey, Known, KnownColumns, KnownType};
use crate::lint::online_ddl::{ColumnDefinition, TableChange, TableFacts};
use crate::lint::table_layout::{LayoutEdit, LayoutState, TableLayout};
use crate::source::SourceFile;
use crate::sql::Name;
use crate::sql::{parse_source_with, AstMode, Dialect};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// The routines the earlier migrations of the linted files' directories define, read once per
/// directory when a file first calls a routine it does not define itself.
#[derive(Debug, Default)]
pub struct Earlier {
    dirs: HashMap<PathBuf, OnceLock<Directory>>,
    dialect: Dialect,
    tool: Option<&'static str>,
    /// The run's reader: the directory as runner detection and PF007 read it.
    reader: Arc<Reader>,
    /// The linted files (canonical) whose look-ups met a directory with a migration that
    /// could not be read ([`Earlier::unread_for`]).
    met_unread: Mutex<HashSet<PathBuf>>,
}

/// One directory: its migrations in name order, Atlas checkpoints among them (canonical paths:
/// the position, and whether it is a checkpoint), and those that may define routines, each
/// read (split) only when a call names a routine its text mentions.
#[derive(Debug, Default)]
struct Directory {
    order: HashMap<PathBuf, (usize, bool)>,
    files: Vec<Candidate>,
    /// Every migration of the linted dialect's engine, for the column definitions it leaves
    /// (MySQL/MariaDB only), and where each migration runs among them.
    schema: Vec<Schema>,
    schema_order: HashMap<PathBuf, Place>,
    /// What [`Directory::column_entry_before`] found, by (position, table's parts, column):
    /// PF204 and PF351 ask it of the same `MODIFY`, and the walk reads every earlier file.
    entries: Mutex<HashMap<ColumnAt, Option<ColumnBefore>>>,
    /// A migration could not be read (not UTF-8, unreadable): its path and why. Nothing the
    /// directory's migrations define is known then.
    unread: Option<(PathBuf, String)>,
}

/// Where a migration runs among its directory's: (position, whether it is an Atlas checkpoint).
type Place = (usize, bool);

/// A column as a migration's position asks of it: (position, table's parts, column).
type ColumnAt = (usize, Vec<String>, String);

/// A column as the earlier migrations leave it: its online-DDL definition with its table's
/// options (PF351), and its declared type (PF204), each `None` when unknown.
type ColumnBefore = (
    Option<(ColumnDefinition, Option<TableFacts>)>,
    Option<DeclaredType>,
);

/// A migration whose "up" part may define columns, replayed only when a `MODIFY`/`CHANGE` of a
/// later one needs it.
#[derive(Debug)]
struct Schema {
    position: usize,
    checkpoint: bool,
    file: Arc<SourceFile>,
    known: OnceLock<KnownColumns>,
    /// Its text mentions `CALL`, `EXECUTE` or `BEGIN`: it may change a table it does not name.
    hidden: OnceLock<bool>,
}

impl Schema {
    fn new(position: usize, checkpoint: bool, migration: &MigrationFile) -> Schema {
        Schema {
            position,
            checkpoint,
            file: up_part(migration),
            known: OnceLock::new(),
            hidden: OnceLock::new(),
        }
    }

    fn may_run_hidden(&self) -> bool {
        use crate::lint::sequence::contains_ignore_case;
        *self.hidden.get_or_init(|| {
            ["CALL", "EXECUTE", "BEGIN"]
                .iter()
                .any(|w| contains_ignore_case(&self.file.text, w))
        })
    }

    fn known(&self, dialect: Dialect) -> &KnownColumns {
        self.known.get_or_init(|| {
            let parsed = parse_source_with(&self.file, dialect, AstMode::Never);
            let mut known = KnownColumns::default();
            for statement in &parsed.statements {
                known.record(statement);
            }
            known
        })
    }
}

/// A migration whose "up" part may define or drop routines.
#[derive(Debug)]
struct Candidate {
    position: usize,
    /// An Atlas checkpoint: it runs only first, on a database that starts at it.
    checkpoint: bool,
    file: Arc<SourceFile>,
    /// Its routine definitions and drops, in order (lower-case names).
    events: OnceLock<Vec<(String, Option<Arc<Routine>>)>>,
}

impl Candidate {
    fn events(&self, dialect: Dialect) -> &[(String, Option<Arc<Routine>>)] {
        self.events.get_or_init(|| {
            let file = &self.file;
            let parsed = parse_source_with(file, dialect, AstMode::WhenUnrecognised);
            let mut out = Vec::new();
            for statement in &parsed.statements {
                let Some((names, defines)) = routine_event(statement) else {
                    continue;
                };
                if defines {
                    if let Some((name, routine)) =
                        Routine::of(file, dialect, statement, Some(file.clone()))
                    {
                        out.push((name, Some(Arc::new(routine))));
                    }
                } else {
                    out.extend(names.into_iter().map(|n| (n, None)));
                }
            }
            out
        })
    }
}

impl Directory {
    /// Routine `name` as the migrations that run before the file at `position` leave it in
    /// each run that reaches the file (none for a checkpoint, which runs first): every distinct
    /// definition, the history run's first. Without checkpoints, the last of them that defines
    /// or drops it decides. The runs of a file after checkpoints share the plain files between
    /// the last checkpoint before it and it, and differ before: the history run has the plain
    /// files, each run that started at a checkpoint has that checkpoint in their place. So the
    /// migrations before the file are walked back: the first plain file that defines or drops
    /// the routine decides for every run that reaches it (the history run and those started at
    /// a checkpoint before that file); a checkpoint met before it decides for the run that
    /// started there. A run that leaves it undefined (a drop, or no mention) adds nothing: a
    /// `CALL` some run can make is checked against the body it runs there, not reported as
    /// calling a procedure no migration defines (PF001). Each run's body is checked: a retry
    /// of the call may come in any of them, and a checkpoint's body (written by `atlas migrate
    /// checkpoint`, or by hand) may differ from the plain files'; two with the same text count
    /// once.
    fn get(
        &self,
        name: &str,
        (position, checkpoint): (usize, bool),
        dialect: Dialect,
    ) -> Vec<Arc<Routine>> {
        use crate::lint::sequence::contains_ignore_case;
        if checkpoint {
            return Vec::new();
        }
        // The checkpoints' definitions met so far, then the plain file's that decides.
        let mut defined: Vec<Arc<Routine>> = Vec::new();
        for candidate in self
            .files
            .iter()
            .rev()
            .filter(|c| c.position < position && contains_ignore_case(&c.file.text, name))
        {
            let Some((_, routine)) = candidate
                .events(dialect)
                .iter()
                .rev()
                .find(|(n, _)| n == name)
            else {
                continue;
            };
            if candidate.checkpoint {
                defined.extend(routine.clone());
                continue;
            }
            // The history run's, first.
            if let Some(routine) = routine {
                defined.insert(0, routine.clone());
            }
            break;
        }
        let mut distinct: Vec<Arc<Routine>> = Vec::new();
        for routine in defined {
            let text = routine.body_text();
            if !distinct.iter().any(|d| d.body_text() == text) {
                distinct.push(routine);
            }
        }
        distinct
    }

    /// The last plain migration before `position` that defines routine `name`: one an Atlas
    /// checkpoint at `position` runs without.
    fn defined_before(&self, name: &str, position: usize, dialect: Dialect) -> Option<&SourceFile> {
        use crate::lint::sequence::contains_ignore_case;
        self.files
            .iter()
            .rev()
            .filter(|c| {
                !c.checkpoint && c.position < position && contains_ignore_case(&c.file.text, name)
            })
            .find(|c| {
                c.events(dialect)
                    .iter()
                    .any(|(n, routine)| n == name && routine.is_some())
            })
            .map(|c| &*c.file)
    }
}

impl Directory {
    /// The first migration after `position` that defines routine `name`. Checkpoints are
    /// not among them: no run that reaches a file runs a checkpoint after it.
    fn defined_later(&self, name: &str, position: usize, dialect: Dialect) -> Option<&SourceFile> {
        use crate::lint::sequence::contains_ignore_case;
        self.files
            .iter()
            .filter(|c| {
                !c.checkpoint && c.position > position && contains_ignore_case(&c.file.text, name)
            })
            .find(|c| {
                c.events(dialect)
                    .iter()
                    .any(|(n, routine)| n == name && routine.is_some())
            })
            .map(|c| &*c.file)
    }
}

impl Directory {
    /// The migrations before the one at `position` that may tell what `table` is, latest first
    /// (each one whose text names it). The walk ends at an Atlas checkpoint (other runs may
    /// differ behind it) and at a migration that does not name the table but may have changed
    /// it unseen, through a routine or dynamic SQL it cannot read.
    fn naming_before<'a>(
        &'a self,
        table: &'a Name,
        position: usize,
        dialect: Dialect,
    ) -> impl Iterator<Item = &'a Schema> + 'a {
        use crate::lint::sequence::contains_ignore_case;
        self.schema
            .iter()
            .rev()
            .filter(move |s| s.position < position)
            .map_while(move |s| {
                if s.checkpoint {
                    None
                } else if contains_ignore_case(&s.file.text, table.base()) {
                    Some(Some(s))
                } else if s.may_run_hidden() && s.known(dialect).forgot_all() {
                    None
                } else {
                    Some(None)
                }
            })
            .flatten()
    }

    /// MySQL/MariaDB: how the migrations before the one at `position` leave `column` (lower
    /// case) of `table`, read from the last back; `None` when unknown. A migration that does
    /// not name the table can change it only through a routine or dynamic SQL; behind an
    /// Atlas checkpoint other runs may differ.
    fn column_before(
        &self,
        table: &Name,
        column: &str,
        position: (usize, bool),
        dialect: Dialect,
    ) -> Option<(ColumnDefinition, Option<TableFacts>)> {
        self.column_entry_before(table, column, position, dialect)?
            .0
    }

    /// MySQL/MariaDB: the declared type the migrations before the one at `position` leave
    /// `column` (lower case) of `table`, read as [`Self::column_before`] reads its definition.
    fn type_before(
        &self,
        table: &Name,
        column: &str,
        position: (usize, bool),
        dialect: Dialect,
    ) -> Option<DeclaredType> {
        self.column_entry_before(table, column, position, dialect)?
            .1
    }

    /// How the migrations before the one at `position` leave `column` (lower case) of
    /// `table`: `None` when none touched it (or preflight cannot tell which did); read once
    /// per file, table and column.
    fn column_entry_before(
        &self,
        table: &Name,
        column: &str,
        position: (usize, bool),
        dialect: Dialect,
    ) -> Option<ColumnBefore> {
        let key = (position.0, table.parts.clone(), column.to_string());
        if let Some(found) = self.entries.lock().ok()?.get(&key) {
            return found.clone();
        }
        let found = self.walk_column_before(table, column, position, dialect);
        self.entries.lock().ok()?.insert(key, found.clone());
        found
    }

    /// MySQL/MariaDB: a foreign key using `column` (lower case) of `table` that a migration
    /// before the one at `position` made and the ones after it up to there leave in place
    /// (none drops it, a constraint of its table that may be it, or either table, and none
    /// that names neither table may have changed it unseen). Read only for a `MODIFY`/`CHANGE`
    /// to another type.
    fn foreign_key_before(
        &self,
        table: &Name,
        column: &str,
        (position, checkpoint): (usize, bool),
        dialect: Dialect,
    ) -> Option<ForeignKey> {
        use crate::lint::sequence::contains_ignore_case;
        if checkpoint {
            return None;
        }
        let earlier: Vec<&Schema> = self
            .schema
            .iter()
            .filter(|s| s.position < position)
            .collect();
        if earlier.iter().any(|s| s.checkpoint) {
            return None;
        }
        let unseen = |s: &Schema| s.may_run_hidden() && s.known(dialect).forgot_all();
        for (j, made) in earlier.iter().enumerate().rev() {
            if !contains_ignore_case(&made.file.text, table.base()) {
                if unseen(made) {
                    return None;
                }
                continue;
            }
            let known = made.known(dialect);
            let Some(key) = known.foreign_keys_using(table, column).next() else {
                if known.forgot_all() {
                    return None;
                }
                continue;
            };
            // Made by `CREATE TABLE IF NOT EXISTS`: only if no other migration made the table.
            if key.if_new && !self.only_definition(&key.child, made.position, dialect) {
                return None;
            }
            // Added to a table an earlier migration made of another engine (MyISAM): none.
            for before in earlier[..j].iter().rev() {
                if !contains_ignore_case(&before.file.text, key.child.base()) {
                    continue;
                }
                let known = before.known(dialect);
                if known.not_innodb(&key.child) {
                    return None;
                }
                if known.tells_options(&key.child) {
                    break;
                }
            }
            for later in &earlier[j + 1..] {
                let text = &later.file.text;
                let names = contains_ignore_case(text, key.child.base())
                    || contains_ignore_case(text, key.parent.base());
                if (names && !later.known(dialect).leave_foreign_key(key)) || unseen(later) {
                    return None;
                }
            }
            return Some(key.clone());
        }
        None
    }

    /// The walk of [`Self::column_entry_before`], from the last migration back: the column's
    /// definition is the last one a migration gave it, with the table changes (`CONVERT TO`,
    /// a table character set, `ROW_FORMAT=`) of the migrations after it applied; its declared
    /// type is the last one given, unknown after a new character set. A migration that does
    /// not name the table can change it only through a routine or dynamic SQL; behind an
    /// Atlas checkpoint other runs may differ.
    fn walk_column_before(
        &self,
        table: &Name,
        column: &str,
        (position, checkpoint): (usize, bool),
        dialect: Dialect,
    ) -> Option<ColumnBefore> {
        if checkpoint {
            return None;
        }
        // `None` until a migration tells; then `Some(None)` when it leaves it unknown.
        let mut definition: Option<Option<(ColumnDefinition, Option<TableFacts>)>> = None;
        let mut declared: Option<Option<DeclaredType>> = None;
        // The table changes of the migrations after the one that defines the column, latest
        // first.
        let mut later: Vec<&[TableChange]> = Vec::new();
        for earlier in self.naming_before(table, position, dialect) {
            let known = earlier.known(dialect);
            let changes = known.changes(table);
            if definition.is_none() {
                definition = match known.get(table, column) {
                    Known::Defined(found, facts) => Some(
                        if facts.is_some_and(TableFacts::only_if_new)
                            && !self.only_definition(table, earlier.position, dialect)
                        {
                            None
                        } else {
                            let found = (found.clone(), facts.map(TableFacts::settled));
                            later.iter().rev().flat_map(|c| c.iter()).try_fold(
                                found,
                                |(definition, facts), change| {
                                    after_change(&definition, facts, change)
                                },
                            )
                        },
                    ),
                    Known::Unknown => Some(None),
                    Known::Untouched => {
                        later.push(changes);
                        None
                    }
                };
            }
            if declared.is_none() {
                declared = match known.type_of(table, column) {
                    KnownType::Declared(found)
                        if found.only_if_new()
                            && !self.only_definition(table, earlier.position, dialect) =>
                    {
                        Some(None)
                    }
                    KnownType::Declared(found) => Some(Some(found.clone())),
                    KnownType::Unknown => Some(None),
                    KnownType::Untouched
                        if changes
                            .iter()
                            .any(|c| !matches!(c, TableChange::RowFormat(_))) =>
                    {
                        Some(None)
                    }
                    KnownType::Untouched => None,
                };
            }
            if definition.is_some() && declared.is_some() {
                break;
            }
        }
        if definition.is_none() && declared.is_none() {
            return None;
        }
        Some((definition.flatten(), declared.flatten()))
    }
}

/// A column's definition and its table's facts after `change` of the table; `None` when the
/// column is then unknown.
pub fn after_change(
    definition: &ColumnDefinition,
    facts: Option<TableFacts>,
    change: &TableChange,
) -> Option<(ColumnDefinition, Option<TableFacts>)> {
    let definition = definition.after(change, facts.as_ref())?;
    Some((definition, Some(TableFacts::after(facts.as_ref(), change))))
}

impl Directory {
    /// MariaDB: every column and key of `table` as the migrations before the one at
    /// `position` leave them: the last `CREATE TABLE` of it, with the `ALTER TABLE`s (and
    /// `CREATE UNIQUE INDEX`es) of its migration and of those after it; `None` when unknown, as
    /// after a migration that may run statements it does not name.
    fn layout_before(
        &self,
        table: &Name,
        (position, checkpoint): (usize, bool),
        dialect: Dialect,
    ) -> Option<TableLayout> {
        if checkpoint {
            return None;
        }
        // The changes of the migrations after the one that created the table, latest first.
        let mut later: Vec<&[LayoutEdit]> = Vec::new();
        for earlier in self.naming_before(table, position, dialect) {
            match earlier.known(dialect).layout(table) {
                None => continue,
                Some(LayoutState::Unknown) => return None,
                Some(LayoutState::Edits(edits)) => later.push(edits),
                Some(LayoutState::Known(layout)) => {
                    if layout.only_if_new()
                        && !self.only_definition(table, earlier.position, dialect)
                    {
                        return None;
                    }
                    return later
                        .iter()
                        .rev()
                        .try_fold(layout.settled(), |layout, edits| layout.after_edits(edits));
                }
            }
        }
        None
    }

    /// MySQL/MariaDB: is the `CREATE TABLE IF NOT EXISTS` of `table` in the migration at
    /// `position` the table's only definition, which made it? Not when a migration before it
    /// names the table (it may have made it, with other columns) or may run statements it
    /// does not name (a routine, a block), or an Atlas checkpoint runs (another history), or
    /// another migration of the directory creates the table too, in any form, but after
    /// dropping it (the directory then holds more than one definition of it: a later one may
    /// be for installs that had it already, or the run order may not be the names').
    fn only_definition(&self, table: &Name, position: usize, dialect: Dialect) -> bool {
        use crate::lint::sequence::contains_ignore_case;
        self.schema.iter().all(|other| {
            if other.position == position {
                return true;
            }
            if other.checkpoint {
                return false;
            }
            let named = contains_ignore_case(&other.file.text, table.base());
            if other.position < position {
                let hides = other.may_run_hidden() && other.known(dialect).forgot_all();
                !named && !hides
            } else {
                !named || !other.known(dialect).creates(table)
            }
        })
    }
}

impl Earlier {
    /// MySQL/MariaDB: is the `CREATE TABLE IF NOT EXISTS` of `table` in file `path` the only
    /// definition of the table in its directory, with no earlier migration that may have made
    /// it ([`Directory::only_definition`])? Not when the file is not among the directory's
    /// migrations.
    pub fn only_definition(self: &Arc<Self>, path: &Path, table: &Name) -> bool {
        self.located(path)
            .and_then(|(directory, _, position)| Some((directory, position?)))
            .is_some_and(|(directory, (position, checkpoint))| {
                !checkpoint && directory.only_definition(table, position, self.dialect)
            })
    }

    /// MariaDB: every column and key of `table` as the migrations of its directory that run
    /// before file `path` leave them; `None` when unknown.
    pub fn layout_before(self: &Arc<Self>, path: &Path, table: &Name) -> Option<TableLayout> {
        self.in_directory(path, |directory, position, dialect| {
            directory.layout_before(table, position, dialect)
        })
    }

    /// MySQL/MariaDB: how the migrations of its directory that run before file `path` leave
    /// `column` (lower case) of `table`; `None` when unknown.
    pub fn column_before(
        self: &Arc<Self>,
        path: &Path,
        table: &Name,
        column: &str,
    ) -> Option<(ColumnDefinition, Option<TableFacts>)> {
        self.in_directory(path, |directory, position, dialect| {
            directory.column_before(table, column, position, dialect)
        })
    }

    /// `ask` of the directory of file `path` (among the linted files'), with the file's
    /// position in it and the dialect.
    fn in_directory<T>(
        &self,
        path: &Path,
        ask: impl FnOnce(&Directory, (usize, bool), Dialect) -> Option<T>,
    ) -> Option<T> {
        let (directory, path, position) = self.located(path)?;
        self.note_unread(directory, &path);
        ask(directory, position?, self.dialect)
    }

    /// The directory of file `path` (among the linted files'), the file's canonical path, and
    /// its position among the directory's migrations (`None` when it is not one of them).
    fn located(&self, path: &Path) -> Option<(&Directory, PathBuf, Option<Place>)> {
        let path = std::fs::canonicalize(path).ok()?;
        let directory = self.directory(self.holding(&path)?)?;
        let position = directory.schema_order.get(&path).copied();
        Some((directory, path, position))
    }

    /// MySQL/MariaDB: a foreign key using `column` (lower case) of `table` that the migrations
    /// of its directory that run before file `path` leave in place; `None` when there is none
    /// or preflight cannot tell.
    pub fn foreign_key_before(
        self: &Arc<Self>,
        path: &Path,
        table: &Name,
        column: &str,
    ) -> Option<ForeignKey> {
        self.in_directory(path, |directory, position, dialect| {
            directory.foreign_key_before(table, column, position, dialect)
        })
    }

    /// MySQL/MariaDB: the declared type the migrations of its directory that run before file
    /// `path` leave `column` (lower case) of `table`; `None` when unknown.
    pub fn type_before(
        self: &Arc<Self>,
        path: &Path,
        table: &Name,
        column: &str,
    ) -> Option<DeclaredType> {
        self.in_directory(path, |directory, position, dialect| {
            directory.type_before(table, column, position, dialect)
        })
    }

    /// A look-up of file `path` (canonical) met `directory`: remember when it could not be read.
    fn note_unread(&self, directory: &Directory, path: &Path) {
        if directory.unread.is_some() {
            let mut met = self.met_unread.lock().expect("not poisoned");
            met.insert(path.to_path_buf());
        }
    }

    /// When a look-up of file `path` for what earlier migrations define met a migration of
    /// its directory that could not be read: the error naming that migration, its path spelled
    /// from `path`'s directory as given (`m/002_b.sql: is not valid UTF-8 …`). Only the file's
    /// own look-ups count, so the answer does not depend on the order files are linted in.
    pub fn unread_for(&self, path: &Path) -> Option<String> {
        let canonical = std::fs::canonicalize(path).ok()?;
        if !self
            .met_unread
            .lock()
            .expect("not poisoned")
            .contains(&canonical)
        {
            return None;
        }
        let dir = self.holding(&canonical)?;
        let (unread, why) = self.dirs.get(dir)?.get()?.unread.as_ref()?;
        unread_as_given(path, &canonical, dir, unread, why)
    }

    /// The innermost directory of the linted files that holds `path` (canonical).
    fn holding(&self, path: &Path) -> Option<&PathBuf> {
        self.dirs
            .keys()
            .filter(|d| path.starts_with(d))
            .max_by_key(|d| d.as_os_str().len())
    }

    /// For the files `files` (their directories), under `options`' dialect and tool.
    pub fn new(files: &[PathBuf], options: &super::super::LintOptions) -> Earlier {
        let mut dirs = HashMap::new();
        for file in files {
            if let Some(dir) = std::fs::canonicalize(file)
                .ok()
                .and_then(|f| f.parent().map(Path::to_path_buf))
            {
                dirs.entry(super::super::pending::migrations_dir(&dir, options))
                    .or_insert_with(OnceLock::new);
            }
        }
        Earlier {
            dirs,
            dialect: options.dialect,
            tool: options.runner.and_then(|r| r.tool),
            reader: options.reader_to_keep(),
            met_unread: Mutex::default(),
        }
    }

    /// What file `path` can call of its directory's earlier migrations.
    pub fn for_file(self: &Arc<Self>, path: &Path) -> EarlierFor {
        EarlierFor {
            earlier: self.clone(),
            path: path.to_path_buf(),
            resolved: OnceLock::new(),
        }
    }

    fn directory(&self, dir: &Path) -> Option<&Directory> {
        let cell = self.dirs.get(dir)?;
        Some(cell.get_or_init(|| self.read(dir)))
    }

    fn read(&self, dir: &Path) -> Directory {
        let layout = self
            .tool
            .and_then(Layout::from_name)
            .unwrap_or_else(|| Layout::detect_with(dir, &self.reader));
        let mut out = Directory::default();
        let schema = |path: &Path| {
            self.dialect.is_mysql_family()
                && crate::lint::files::other_engine(path, self.dialect).is_none()
        };
        let discovered = match layout.discover_with(dir, &self.reader) {
            Ok(discovered) => discovered,
            // A layout the directory only looks like (Ory's pop files for each engine share a
            // version, which golang-migrate refuses): its columns in name order.
            Err(_) if self.dialect.is_mysql_family() => {
                self.read_generic(dir, &mut out);
                return out;
            }
            Err(e) => {
                out.unread = self.unreadable(e);
                return out;
            }
        };
        // Every migration, Atlas checkpoints among them (`Directory::get`).
        let migrations = discovered.with_checkpoints();
        out.order.reserve(migrations.len());
        for (position, (migration, checkpoint)) in migrations.into_iter().enumerate() {
            if let Ok(path) = std::fs::canonicalize(&migration.source.path) {
                out.order.insert(path, (position, checkpoint));
            }
            if schema(&migration.source.path) {
                out.schema
                    .push(Schema::new(position, checkpoint, migration));
            }
            if !may_define_routines(&migration.source.text) {
                continue;
            }
            out.files.push(Candidate {
                position,
                checkpoint,
                file: up_part(migration),
                events: OnceLock::new(),
            });
        }
        out.schema_order = out.order.clone();
        out
    }

    /// MySQL/MariaDB, a directory its layout refuses: the columns its migrations define, in
    /// name order (`Layout::Generic`); or the migration that could not be read.
    fn read_generic(&self, dir: &Path, out: &mut Directory) {
        let discovered = match Layout::Generic.discover_with(dir, &self.reader) {
            Ok(discovered) => discovered,
            Err(e) => return out.unread = self.unreadable(e),
        };
        let migrations = discovered.with_checkpoints();
        out.schema_order.reserve(migrations.len());
        for (position, (migration, checkpoint)) in migrations.into_iter().enumerate() {
            if let Ok(path) = std::fs::canonicalize(&migration.source.path) {
                out.schema_order.insert(path, (position, checkpoint));
            }
            let path = &migration.source.path;
            if crate::lint::files::other_engine(path, self.dialect).is_none()
                && !other_pop_engine(path)
            {
                out.schema
                    .push(Schema::new(position, checkpoint, migration));
            }
        }
    }

    /// The migration discovery failed on because it could not read it (`SourceFile::read`'s
    /// error: not UTF-8, binary, unreadable), and why; `None` for a refusal of the directory's
    /// layout (two files of one version).
    fn unreadable(&self, error: crate::error::Error) -> Option<(PathBuf, String)> {
        unreadable(&self.reader, error)
    }
}

/// The migration a directory's discovery through `reader` failed on because it could not read
/// it (`SourceFile::read`'s error: not UTF-8, binary, unreadable), and why; `None` for a
/// refusal of the directory's layout (two files of one version).
pub(in crate::lint) fn unreadable(
    reader: &Reader,
    error: crate::error::Error,
) -> Option<(PathBuf, String)> {
    use crate::error::Error;
    let (Error::Io { path, message } | Error::Input { path, message }) = error else {
        return None;
    };
    let path = PathBuf::from(path);
    reader.source(&path).is_err().then_some((path, message))
}

/// `unread`, a migration of directory `dir` (canonical) that could not be read for `why`, as
/// the linted file `path` (canonical: `canonical`, under `dir`) spells its directory
/// (`m/002_b.sql: is not valid UTF-8 …`).
pub(in crate::lint) fn unread_as_given(
    path: &Path,
    canonical: &Path,
    dir: &Path,
    unread: &Path,
    why: &str,
) -> Option<String> {
    let depth = canonical.strip_prefix(dir).ok()?.components().count();
    let spelled = path.ancestors().nth(depth)?;
    let shown = spelled.join(unread.strip_prefix(dir).unwrap_or(unread));
    Some(format!("{}: {why}", shown.display()))
}

/// What a deploy runs of `migration`, as a file of its own.
fn up_part(migration: &MigrationFile) -> Arc<SourceFile> {
    Arc::new(migration.up_source())
}

/// Ory's pop (`{version}_{name}.{engine}.up.sql`): a file a MySQL/MariaDB deploy skips, written
/// for another engine.
fn other_pop_engine(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let stem = name
        .strip_suffix(".up.sql")
        .or_else(|| name.strip_suffix(".sql"))
        .unwrap_or(&name);
    stem.rsplit_once('.').is_some_and(|(_, engine)| {
        ["postgres", "postgresql", "cockroach", "sqlite", "sqlite3"].contains(&engine)
    })
}

/// [`Earlier`] for one file: resolved on the first look-up.
#[derive(Debug)]
pub struct EarlierFor {
    earlier: Arc<Earlier>,
    path: PathBuf,
    resolved: OnceLock<Option<(PathBuf, (usize, bool))>>,
}

impl EarlierFor {
    /// The routine `name` (lower case) as the migrations before this file leave it, in each
    /// run that reaches the file ([`Directory::get`]).
    pub(super) fn get(&self, name: &str) -> Vec<Arc<Routine>> {
        let Some((dir, position)) = self.resolve() else {
            return Vec::new();
        };
        let Some(directory) = self.earlier.directory(dir) else {
            return Vec::new();
        };
        directory.get(name, *position, self.earlier.dialect)
    }

    /// For an Atlas checkpoint, which runs first, on a database that starts at it: the display
    /// path of the last earlier plain migration that defines routine `name` (lower case).
    pub(super) fn defined_before_checkpoint(&self, name: &str) -> Option<String> {
        let (dir, (position, checkpoint)) = self.resolve()?;
        if !checkpoint {
            return None;
        }
        let directory = self.earlier.directory(dir)?;
        directory
            .defined_before(name, *position, self.earlier.dialect)
            .map(SourceFile::display_path)
    }

    /// The display path of the first migration after this file that defines routine `name`
    /// (lower case).
    pub(super) fn defined_later(&self, name: &str) -> Option<String> {
        let (dir, position) = self.resolve()?;
        let directory = self.earlier.directory(dir)?;
        directory
            .defined_later(name, position.0, self.earlier.dialect)
            .map(SourceFile::display_path)
    }

    /// Is the file one of the migrations of a directory whose run order is known (so that the
    /// routines of the migrations before it are)?
    pub(super) fn resolved(&self) -> bool {
        self.resolve().is_some()
    }

    /// The file's directory, its place in name order and whether it is a checkpoint.
    fn resolve(&self) -> Option<&(PathBuf, (usize, bool))> {
        self.resolved
            .get_or_init(|| {
                let path = std::fs::canonicalize(&self.path).ok()?;
                let dir = self.earlier.holding(&path)?;
                let directory = self.earlier.directory(dir)?;
                self.earlier.note_unread(directory, &path);
                Some((dir.clone(), *directory.order.get(&path)?))
            })
            .as_ref()
    }
}
