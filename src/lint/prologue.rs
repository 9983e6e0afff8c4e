//! What a runner executes before every run of a file (`[[migrations.before_each_run]]`,
//! `--before-each-run`), and which of the file's creations that makes survive a retry.
//!
//! lemmy runs its replaceable schema files on every start after
//! `DROP SCHEMA IF EXISTS r CASCADE; CREATE SCHEMA r;`: their `CREATE FUNCTION r.f` and
//! `CREATE TRIGGER … EXECUTE FUNCTION r.f()` never run on top of themselves. A statement that
//! creates something the prologue removed finds, on every run, the state it found on the first
//! one, so a retry cannot make it fail.
//!
//! The prologue is replayed as a list of events, in order. An object is *absent* at the start
//! of a run when the last event that concerns it removed it:
//!
//! - `DROP SCHEMA s [CASCADE]` (when it succeeds, `s` held nothing a CASCADE would not take):
//!   every object of `s`, everything on a table of `s` (indexes, triggers, constraints,
//!   columns), and triggers that execute a function of `s`;
//! - a named `DROP <kind> name [IF EXISTS]`: that object; for a table, what is on it; for a
//!   function, the triggers that execute it;
//! - a creation or alteration in the prologue brings its object back (a table's, with whatever
//!   is on it: its columns and constraints are unknown), `CREATE SCHEMA s` only the schema;
//! - a statement whose effect cannot be named (a DO block, `CALL`, `SELECT f()`, a rename) may
//!   create anything: nothing removed before it is counted as absent.
//!
//! Names compare as the replay compares them (unquoted parts folded); a schema counts only when
//! both names spell one or neither does, so `DROP TABLE public.t` proves nothing for
//! `CREATE TABLE t` (the search path decides), unless the file set the search_path itself
//! before it: then the file's unqualified name is in the path's first schema
//! ([`Prologue::survivors_under`]). A function dropped with an argument list is matched only by
//! a creation with the same list, token for token.

use crate::source::SourceFile;
use crate::sql::Tok;
use crate::sql::{parse_source, Change, Dialect, Name, ObjectKind, ShapeKind, Statement, Target};
use sqlparser::tokenizer::Token;
use std::ops::Range;

/// The parsed prologue: its events in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prologue {
    events: Vec<Event>,
}

/// A possibly schema-qualified name, folded.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Qualified {
    schema: Option<String>,
    name: String,
}

impl Qualified {
    fn of(name: &Name) -> Self {
        let n = name.parts.len();
        Qualified {
            schema: (n > 1).then(|| name.parts[n - 2].clone()),
            name: name.base().to_string(),
        }
    }

    fn in_schema(&self, schema: &str) -> bool {
        self.schema.as_deref() == Some(schema)
    }
}

/// An object an event or a creation names.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Object {
    kind: ObjectKind,
    name: Qualified,
    /// The table a trigger, index, policy or rule is on.
    on: Option<Qualified>,
    /// A routine's argument list as written (normalised tokens), when the statement gives one.
    signature: Option<String>,
}

impl Object {
    /// Does an event on `self` concern the object `other`? The table tells apart only what is
    /// named per table (an index name is taken in its whole schema); a signature narrows a
    /// routine only when the event gives one.
    fn is(&self, other: &Object) -> bool {
        let named_per_table = matches!(
            self.kind,
            ObjectKind::Trigger | ObjectKind::Policy | ObjectKind::Rule
        );
        let on_matches = match (&self.on, &other.on) {
            (Some(a), Some(b)) if named_per_table => a == b,
            _ => true,
        };
        let signature_matches = match (&self.signature, &other.signature) {
            (Some(a), Some(b)) => a == b,
            (Some(_), None) => false,
            (None, _) => true,
        };
        self.kind == other.kind && self.name == other.name && on_matches && signature_matches
    }

    /// The object `name` of `kind` that `statement` names, on `table`.
    fn named(statement: &Statement, kind: ObjectKind, name: &Name, table: Option<&Name>) -> Self {
        Object {
            kind,
            name: Qualified::of(name),
            on: table.map(Qualified::of),
            signature: signature(statement, kind, name),
        }
    }

    fn is_table(&self, table: &Qualified) -> bool {
        self.kind == ObjectKind::Table && self.name == *table
    }

    /// A routine a trigger can execute: dropped by name, or with an empty argument list.
    fn is_trigger_function(&self, function: &Qualified) -> bool {
        matches!(self.kind, ObjectKind::Function | ObjectKind::Procedure)
            && self.name == *function
            && self.signature.as_deref().is_none_or(str::is_empty)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Event {
    /// `DROP SCHEMA s`.
    EmptySchema(String),
    /// A named drop.
    Dropped(Object),
    /// Created or altered: the object (and, for a table, what is on it) may exist.
    Created(Object),
    /// `CREATE SCHEMA s`: the schema exists again, empty.
    CreatedSchema(String),
    /// An effect preflight cannot name: anything may exist after it.
    Opaque,
}

/// What a statement of the linted file creates, as the prologue's events see it.
#[derive(Debug)]
struct Creation {
    /// `None` for a column or constraint, an unnamed index.
    object: Option<Object>,
    /// The table it is on or in.
    table: Option<Qualified>,
    /// The function a trigger executes.
    function: Option<Qualified>,
}

impl Prologue {
    /// Parses the prologue's SQL. An error (one line, no file name) when it cannot be read:
    /// a tokenizer error, or a client directive (`\i`, `DELIMITER`), whose effect is unknown.
    pub fn parse(
        sql: &str,
        dialect: Dialect,
        tables: crate::sql::LowerCaseTableNames,
    ) -> Result<Prologue, String> {
        let source = SourceFile::new("before_each_run", sql.to_string());
        // Read with the configuration, before any file is linted: names fold as theirs do.
        let _case = crate::sql::IdentifierCase::of(dialect, tables);
        let parsed = parse_source(&source, dialect);
        if let Some(error) = &parsed.tokenize_error {
            let line = source.line_col(error.offset).line;
            return Err(format!("line {line}: {}", error.message));
        }
        if let Some(directive) = parsed.directives.first() {
            let text = sql[directive.range.clone()].trim();
            return Err(format!(
                "`{text}` is a client command, not SQL: write the statements it runs"
            ));
        }
        if parsed.statements.is_empty() {
            return Err("holds no SQL statement".into());
        }
        let events = parsed.statements.iter().flat_map(events).collect();
        Ok(Prologue { events })
    }

    /// Does the prologue remove anything at all? (One that does not proves nothing.)
    pub fn removes_anything(&self) -> bool {
        self.events
            .iter()
            .any(|e| matches!(e, Event::EmptySchema(_) | Event::Dropped(_)))
    }

    /// [`Prologue`]s run one after the other (several tables matching one file).
    pub fn then(mut self, next: Prologue) -> Prologue {
        self.events.extend(next.events);
        self
    }

    /// The bytes of `statement` (a top-level statement of the linted file) that survive a
    /// retry because the prologue removed what they create: the whole statement when it creates
    /// only absent objects, or the `ALTER TABLE` actions that add to a table the prologue
    /// removed (whoever created it again since created it fresh).
    pub fn survivors(&self, statement: &Statement) -> Vec<Range<usize>> {
        self.survivors_under(statement, None)
    }

    /// [`survivors`](Self::survivors) of a statement that runs under the search_path the file
    /// set (`search_path`, `None` when it did not): its unqualified names are the objects of
    /// the path's first schema (`SET search_path TO r; CREATE FUNCTION f()` creates `r.f`),
    /// `$user` first leaves them unqualified (the runner's role decides).
    pub fn survivors_under(
        &self,
        statement: &Statement,
        search_path: Option<&[String]>,
    ) -> Vec<Range<usize>> {
        if self.events.is_empty() {
            return Vec::new();
        }
        let home = search_path
            .and_then(|p| p.first())
            .filter(|s| *s != "$user");
        let resolve = |q: Qualified| match (&q.schema, home) {
            (None, Some(schema)) => Qualified {
                schema: Some(schema.clone()),
                ..q
            },
            _ => q,
        };
        let shape = &statement.shape;
        if shape.kind == ShapeKind::AlterTable {
            let Some(table) = shape.object().map(Qualified::of).map(resolve) else {
                return Vec::new();
            };
            let on_table = Creation {
                object: None,
                table: Some(table),
                function: None,
            };
            if !self.absent(&on_table) {
                return Vec::new();
            }
            return shape
                .actions
                .iter()
                .filter(|a| a.kind.adds())
                .map(|a| a.range.clone())
                .collect();
        }
        let creations: Vec<Creation> = creations(statement)
            .into_iter()
            .map(|c| Creation {
                // What is named per table lives in its table's schema.
                object: c.object.map(|o| Object {
                    name: match o.on {
                        None => resolve(o.name),
                        Some(_) => o.name,
                    },
                    on: o.on.map(resolve),
                    ..o
                }),
                table: c.table.map(resolve),
                function: c.function.map(resolve),
            })
            .collect();
        let all_absent = !creations.is_empty() && creations.iter().all(|c| self.absent(c));
        if all_absent {
            vec![statement.range.clone()]
        } else {
            Vec::new()
        }
    }

    /// Is what `creation` creates gone at the start of every run? The last event that
    /// concerns it decides; none: it may be there.
    fn absent(&self, creation: &Creation) -> bool {
        for event in self.events.iter().rev() {
            match event {
                Event::Opaque => return false,
                Event::CreatedSchema(schema) => {
                    if creation
                        .object
                        .as_ref()
                        .is_some_and(|o| o.kind == ObjectKind::Schema && o.name.name == *schema)
                    {
                        return false;
                    }
                }
                Event::Created(object) => {
                    let itself = creation.object.as_ref().is_some_and(|o| object.is(o));
                    let its_table = creation.table.as_ref().is_some_and(|t| object.is_table(t));
                    if itself || its_table {
                        return false;
                    }
                }
                Event::Dropped(object) => {
                    let itself = creation.object.as_ref().is_some_and(|o| object.is(o));
                    let its_table = creation.table.as_ref().is_some_and(|t| object.is_table(t));
                    let its_function = creation
                        .function
                        .as_ref()
                        .is_some_and(|f| object.is_trigger_function(f));
                    if itself || its_table || its_function {
                        return true;
                    }
                }
                Event::EmptySchema(schema) => {
                    let object = creation.object.as_ref();
                    let the_schema = object
                        .is_some_and(|o| o.kind == ObjectKind::Schema && o.name.name == *schema);
                    let inside = object.is_some_and(|o| o.name.in_schema(schema))
                        || creation.table.as_ref().is_some_and(|t| t.in_schema(schema))
                        || creation
                            .function
                            .as_ref()
                            .is_some_and(|f| f.in_schema(schema));
                    if the_schema || inside {
                        return true;
                    }
                }
            }
        }
        false
    }
}

/// The events of one prologue statement.
fn events(statement: &Statement) -> Vec<Event> {
    let shape = &statement.shape;
    match &shape.kind {
        ShapeKind::Drop(ObjectKind::Schema) => shape
            .names
            .iter()
            .map(|n| Event::EmptySchema(n.base().to_string()))
            .collect(),
        ShapeKind::Create(ObjectKind::Schema) => shape
            .names
            .iter()
            .map(|n| Event::CreatedSchema(n.base().to_string()))
            .collect(),
        ShapeKind::Drop(ObjectKind::Other) => Vec::new(),
        ShapeKind::Drop(kind) => objects(statement, *kind)
            .into_iter()
            .map(Event::Dropped)
            .collect(),
        ShapeKind::Create(kind) | ShapeKind::Alter(kind) => {
            let mut out: Vec<Event> = objects(statement, *kind)
                .into_iter()
                .map(Event::Created)
                .collect();
            // An unnamed creation, and one on a table, may bring back what is on the table.
            if let Some(table) = &shape.table {
                out.push(Event::Created(table_object(table)));
            }
            if out.is_empty() {
                out.push(Event::Opaque);
            }
            out
        }
        ShapeKind::AlterTable | ShapeKind::AlterTypeAddValue => {
            let kind = if shape.kind == ShapeKind::AlterTable {
                ObjectKind::Table
            } else {
                ObjectKind::Type
            };
            match objects(statement, kind) {
                named if named.is_empty() => vec![Event::Opaque],
                named => named.into_iter().map(Event::Created).collect(),
            }
        }
        ShapeKind::Begin | ShapeKind::Commit | ShapeKind::Rollback => Vec::new(),
        // Statements that change no object (rows, settings, privileges, locks).
        ShapeKind::Insert => Vec::new(),
        ShapeKind::Other(keyword) if INERT.contains(&keyword.as_str()) => Vec::new(),
        // DO blocks (possibly dynamic SQL), renames, CALL, SELECT f(), anything unknown.
        _ => vec![Event::Opaque],
    }
}

/// Leading keywords of statements that create no object (a trigger they fire could, but a
/// prologue that relies on one is beyond a static reading).
const INERT: &[&str] = &[
    "SET", "RESET", "GRANT", "REVOKE", "COMMENT", "LOCK", "ANALYZE", "VACUUM", "UPDATE", "DELETE",
    "TRUNCATE", "SHOW",
];

fn table_object(table: &Name) -> Object {
    Object {
        kind: ObjectKind::Table,
        name: Qualified::of(table),
        on: None,
        signature: None,
    }
}

/// The named objects a CREATE, DROP or ALTER statement is about.
fn objects(statement: &Statement, kind: ObjectKind) -> Vec<Object> {
    let shape = &statement.shape;
    shape
        .names
        .iter()
        .map(|name| Object::named(statement, kind, name, shape.table.as_ref()))
        .collect()
}

/// What a top-level statement of the linted file creates (empty: it creates nothing).
fn creations(statement: &Statement) -> Vec<Creation> {
    let function = executed_function(statement);
    statement
        .effects()
        .iter()
        .filter(|e| e.change == Change::Create)
        .map(|e| {
            let object = match (e.target, e.name) {
                (Target::Object(kind), Some(name)) => {
                    Some(Object::named(statement, kind, name, e.table))
                }
                _ => None,
            };
            let is_trigger = e.target == Target::Object(ObjectKind::Trigger);
            Creation {
                object,
                table: e.table.map(Qualified::of),
                function: function.clone().filter(|_| is_trigger),
            }
        })
        .collect()
}

/// A routine's argument list right after its name (`(a int, b text)` → `a int , b text`),
/// tokens normalised: unquoted words folded. `None` for other kinds (a table's column list
/// does not tell two tables apart) and when no list follows the name.
fn signature(statement: &Statement, kind: ObjectKind, name: &Name) -> Option<String> {
    let routine = matches!(
        kind,
        ObjectKind::Function | ObjectKind::Procedure | ObjectKind::Aggregate
    );
    if !routine {
        return None;
    }
    let tokens = &statement.tokens;
    let open = tokens
        .iter()
        .position(|t| t.range.start >= name.range.end)?;
    if !tokens[open].is(&Token::LParen) {
        return None;
    }
    let mut depth = 0usize;
    let mut words = Vec::new();
    for t in &tokens[open..] {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            _ => {}
        }
        if depth == 0 {
            break;
        }
        if depth > 1 || !t.is(&Token::LParen) {
            words.push(normalised(t));
        }
    }
    Some(words.join(" "))
}

fn normalised(token: &Tok) -> String {
    match token.bare_word() {
        Some(word) => word.to_lowercase(),
        None => token.token.to_string(),
    }
}

/// The routine `CREATE TRIGGER … EXECUTE FUNCTION|PROCEDURE name(…)` runs.
fn executed_function(statement: &Statement) -> Option<Qualified> {
    let tokens = &statement.tokens;
    let at = tokens.windows(2).position(|w| {
        w[0].is_kw("EXECUTE") && (w[1].is_kw("FUNCTION") || w[1].is_kw("PROCEDURE"))
    })?;
    // Only the name's parts are used, not its text.
    crate::sql::shape::name_at(&tokens[at + 2..], "").map(|name| Qualified::of(&name))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEMMY: &str = "DROP SCHEMA IF EXISTS r CASCADE; CREATE SCHEMA r;";

    fn prologue(sql: &str) -> Prologue {
        Prologue::parse(sql, Dialect::Postgres, Default::default()).expect("prologue parses")
    }

    /// For each statement of `file`: does the prologue prove all of it survives a retry?
    fn survives(prologue_sql: &str, file: &str) -> Vec<bool> {
        let p = prologue(prologue_sql);
        let parsed = parse_source(&SourceFile::new("m.sql", file), Dialect::Postgres);
        parsed
            .statements
            .iter()
            .map(|st| {
                let ranges = p.survivors(st);
                match st.shape.kind {
                    ShapeKind::AlterTable => {
                        !ranges.is_empty() && ranges.len() == st.shape.actions.len()
                    }
                    _ => ranges == [st.range.clone()],
                }
            })
            .collect()
    }

    #[test]
    fn a_dropped_schema_takes_its_objects_and_triggers_running_its_functions() {
        let file = "CREATE FUNCTION r.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n\
                    CREATE TRIGGER touch BEFORE UPDATE ON person FOR EACH ROW EXECUTE FUNCTION r.touch();\n\
                    CREATE TABLE r.cache (id int PRIMARY KEY);\n\
                    CREATE INDEX cache_id ON r.cache (id);\n\
                    ALTER TABLE r.cache ADD COLUMN v text, ADD CONSTRAINT v_set CHECK (v <> '');\n\
                    CREATE VIEW r.v AS SELECT 1;\n\
                    CREATE TYPE r.mood AS ENUM ('ok');\n\
                    CREATE SEQUENCE r.s;";
        assert_eq!(survives(LEMMY, file), [true; 8]);
    }

    #[test]
    fn objects_outside_the_schema_are_still_there() {
        let file = "CREATE TABLE person (id int);\n\
                    CREATE FUNCTION touch() RETURNS trigger LANGUAGE sql AS 'SELECT 1';\n\
                    CREATE TRIGGER t BEFORE UPDATE ON person FOR EACH ROW EXECUTE FUNCTION public.touch();\n\
                    CREATE INDEX person_id ON person (id);\n\
                    ALTER TABLE person ADD COLUMN bio text;\n\
                    CREATE SCHEMA r;";
        // The last one: the prologue creates `r` again, so the file's CREATE SCHEMA fails.
        assert_eq!(survives(LEMMY, file), [false; 6]);
        assert_eq!(
            survives("DROP SCHEMA r CASCADE;", "CREATE SCHEMA r;"),
            [true]
        );
    }

    #[test]
    fn named_drops_remove_the_object_and_what_depends_on_it() {
        let prologue = "DROP TRIGGER IF EXISTS t ON person; DROP FUNCTION IF EXISTS f;\n\
                        DROP TABLE IF EXISTS cache; DROP FUNCTION g(int);";
        let file = "CREATE TRIGGER t BEFORE UPDATE ON person FOR EACH ROW EXECUTE FUNCTION x();\n\
                    CREATE TRIGGER t BEFORE UPDATE ON other FOR EACH ROW EXECUTE FUNCTION x();\n\
                    CREATE TRIGGER u BEFORE UPDATE ON other FOR EACH ROW EXECUTE FUNCTION f();\n\
                    CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n\
                    CREATE TABLE cache (id int);\n\
                    CREATE INDEX cache_id ON cache (id);\n\
                    CREATE FUNCTION g(int) RETURNS int LANGUAGE sql AS 'SELECT 1';\n\
                    CREATE FUNCTION g(text) RETURNS int LANGUAGE sql AS 'SELECT 1';\n\
                    CREATE TABLE public.cache (id int);";
        assert_eq!(
            survives(prologue, file),
            [true, false, true, true, true, true, true, false, false]
        );
    }

    #[test]
    fn what_the_prologue_creates_again_or_may_create_is_not_absent() {
        let file = "CREATE FUNCTION r.f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n\
                    CREATE INDEX t_a ON r.t (a);";
        let created = "DROP SCHEMA r CASCADE; CREATE SCHEMA r;\n\
                       CREATE FUNCTION r.f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n\
                       CREATE TABLE r.t (a int);";
        assert_eq!(survives(created, file), [false, false]);
        // A table is the same table whatever columns each statement gives it.
        let again = "DROP TABLE IF EXISTS t; CREATE TABLE t (a int);";
        assert_eq!(survives(again, "CREATE TABLE t (b int);"), [false]);
        // An index name is taken in the schema, whatever table the index is on.
        let again = "DROP INDEX IF EXISTS i; CREATE INDEX i ON t (a);";
        assert_eq!(survives(again, "CREATE INDEX i ON u (a);"), [false]);
        for opaque in [
            "CALL r.setup()",
            "DO $$ BEGIN PERFORM 1; END $$",
            "SELECT r_setup()",
        ] {
            let sql = format!("{LEMMY} {opaque};");
            assert_eq!(survives(&sql, file), [false, false], "{opaque}");
            // Before the drop, it does not matter.
            let sql = format!("{opaque}; {LEMMY} SET search_path = public;");
            assert_eq!(survives(&sql, file), [true, true], "{opaque}");
        }
    }

    #[test]
    fn the_files_own_search_path_names_the_schema_of_an_unqualified_creation() {
        let file = "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n\
                    CREATE TABLE t (a int);\n\
                    CREATE INDEX t_a ON t (a);";
        let p = prologue(LEMMY);
        let parsed = parse_source(&SourceFile::new("m.sql", file), Dialect::Postgres);
        let survives = |path: Option<&[String]>| -> Vec<bool> {
            parsed
                .statements
                .iter()
                .map(|st| p.survivors_under(st, path) == [st.range.clone()])
                .collect()
        };
        let path =
            |schemas: &[&str]| -> Vec<String> { schemas.iter().map(|s| s.to_string()).collect() };
        // The runner's path decides: nothing is proved.
        assert_eq!(survives(None), [false, false, false]);
        assert_eq!(survives(Some(&path(&["r", "public"]))), [true, true, true]);
        assert_eq!(
            survives(Some(&path(&["public", "r"]))),
            [false, false, false]
        );
        assert_eq!(
            survives(Some(&path(&["$user", "r"]))),
            [false, false, false]
        );
    }

    #[test]
    fn a_prologue_that_cannot_be_read_is_an_error() {
        let err =
            |sql: &str| Prologue::parse(sql, Dialect::Postgres, Default::default()).unwrap_err();
        assert!(err("DROP SCHEMA r CASCADE;\nSELECT 'oops;").starts_with("line 2: "));
        assert!(err("\\i setup.sql\nDROP SCHEMA r;").contains("client command"));
        assert_eq!(err("  -- nothing\n"), "holds no SQL statement");
        assert!(prologue(LEMMY).removes_anything());
        assert!(!prologue("SET lock_timeout = '1s';").removes_anything());
    }
}
