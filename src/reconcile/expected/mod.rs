//! The expected schema: every migration's statements replayed in order on a model catalog.
//! Each object remembers the last migration that touched it (created, altered, renamed), so a
//! table created in 5 and altered in 9 is checked for 5 and its altered column for 9, and an
//! object dropped later is not "missing" for the migration that created it.

mod alter;
mod dynamic;
mod fallback;
mod naming;
mod objects;
mod routines;
mod search_path;
mod table;

pub use naming::Engine;
pub use search_path::Server;

use super::schema::{canonical_default, Attributes, ObjectId, ObjectKind, Schema};
use crate::diagnostics::code_span;
use crate::sql::{ObjectKind as ShapeObjectKind, ParsedFile, ShapeKind};
use sqlparser::ast::{
    AlterIndexOperation, AlterTypeAddValuePosition, AlterTypeOperation, ArgMode, ObjectType,
    Statement,
};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

/// One migration to replay.
pub struct Migration<'a> {
    pub parsed: &'a ParsedFile,
    /// Bytes of the file that run on "up".
    pub up: crate::layout::UpPart,
    /// The runner runs the file in a transaction (`SET LOCAL` lasts to its end).
    pub in_transaction: bool,
}

impl<'a> Migration<'a> {
    /// A migration the whole of whose file runs.
    pub fn whole(parsed: &'a ParsedFile) -> Migration<'a> {
        Migration {
            parsed,
            up: crate::layout::UpPart::whole(parsed.source.text.len()),
            in_transaction: false,
        }
    }
}

/// Which migration, and which statement in it, last touched (or dropped) an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub migration: usize,
    pub statement: Range<usize>,
}

/// What replaying one migration learnt beyond its objects.
#[derive(Debug, Clone, Default)]
pub struct MigrationModel {
    pub statements: usize,
    /// INSERT/UPDATE/DELETE/SELECT: data changes no catalog shows.
    pub data_statements: usize,
    /// Statements whose effect on the schema could not be modelled, and why.
    pub opaque: Vec<(Range<usize>, String)>,
    /// Of those, the statements no reader understood at all (not parsed, no recognisable
    /// effect): what they did is unknown, so the migration can never be judged complete.
    pub unread: Vec<(Range<usize>, String)>,
    /// Statements that run SQL the migration builds at run time (MySQL/MariaDB `EXECUTE` of a
    /// prepared statement or `EXECUTE IMMEDIATE`, PL/pgSQL `EXECUTE` in a DO block), which the
    /// replay cannot follow, with how they start.
    pub dynamic: Vec<(Range<usize>, String)>,
    /// When there are such statements: the names that SQL may touch, in lower case (the words
    /// of the migration's strings, where it is usually written, and of the statements that run
    /// it), which tell the objects it may have touched.
    pub mentions: BTreeSet<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Expected {
    pub schema: Schema,
    pub owners: BTreeMap<ObjectId, Owner>,
    /// Objects dropped by a migration and not created again later.
    pub dropped: BTreeMap<ObjectId, Owner>,
    pub migrations: Vec<MigrationModel>,
    /// Tables whose columns are not known (created by a statement only partly understood, or
    /// from a query); their live columns, constraints and indexes are not "unmanaged".
    pub tables_with_unknown_columns: BTreeSet<String>,
}

/// Replays `migrations` in order. `schema` is the reconciled schema (PostgreSQL) or database.
pub fn replay(migrations: &[Migration<'_>], engine: Engine, schema: &str) -> Expected {
    replay_names(migrations, engine, schema, false)
}

/// [`replay`], with table and view names kept as written on MySQL/MariaDB when the server
/// distinguishes their case (`lower_case_table_names` 0), as the live catalog keys them.
pub fn replay_names(
    migrations: &[Migration<'_>],
    engine: Engine,
    schema: &str,
    keep_table_case: bool,
) -> Expected {
    replay_resolving(migrations, engine, schema, keep_table_case, BTreeMap::new())
}

/// [`replay_names`], with an unqualified routine argument type resolved to the schema outside
/// the compared one where the connection's search_path finds it (`visible_types`, see
/// `Replayer::server`), as PostgreSQL resolved it when the migration created the routine.
pub fn replay_resolving(
    migrations: &[Migration<'_>],
    engine: Engine,
    schema: &str,
    keep_table_case: bool,
    visible_types: BTreeMap<String, String>,
) -> Expected {
    let server = Server {
        visible_types,
        ..Server::default()
    };
    replay_on(migrations, engine, schema, keep_table_case, server)
}

/// [`replay_names`], with unqualified names resolved as `server` says: routine argument types
/// through the connection's search_path, and the search_path migrations set through the
/// schemas the server has ([`Server`]).
pub fn replay_on(
    migrations: &[Migration<'_>],
    engine: Engine,
    schema: &str,
    keep_table_case: bool,
    server: Server,
) -> Expected {
    let mut r = Replayer {
        engine,
        keep_table_case,
        schema_name: schema.to_string(),
        out: Expected::default(),
        current: Owner {
            migration: 0,
            statement: 0..0,
        },
        constraint_columns: BTreeMap::new(),
        foreign_keys: BTreeMap::new(),
        generated_indexes: BTreeSet::new(),
        foreign_key_spellings: BTreeMap::new(),
        routines: BTreeMap::new(),
        dynamic_routines: None,
        procedure_args: BTreeMap::new(),
        server,
        path: Default::default(),
        elsewhere: BTreeSet::new(),
        call_stack: Vec::new(),
        call_budget: 0,
        guarded_statement: false,
        bindings: crate::sql::dynamic::Bindings::default(),
        dynamic_events: Vec::new(),
        file_source: None,
        top_dynamic: Default::default(),
    };
    for (index, migration) in migrations.iter().enumerate() {
        r.out.migrations.push(MigrationModel::default());
        // User variables are the session's: a migration sees only those it sets.
        r.top_dynamic = Default::default();
        // So is the search_path: each migration starts with the connection's.
        r.path = crate::sql::search_path::SessionPath::file(migration.in_transaction);
        if let Some(err) = &migration.parsed.tokenize_error {
            let why = (
                migration.up.span(),
                format!("could not be tokenized: {}", err.message),
            );
            r.out.migrations[index].opaque.push(why.clone());
            r.out.migrations[index].unread.push(why);
            continue;
        }
        for statement in &migration.parsed.statements {
            if !migration.up.contains(&statement.range.start) {
                continue;
            }
            r.current = Owner {
                migration: index,
                statement: statement.range.clone(),
            };
            r.out.migrations[index].statements += 1;
            r.call_budget = CALL_BUDGET;
            r.dynamic_events.clear();
            r.bindings = crate::sql::dynamic::Bindings::top(migration.parsed.dialect);
            r.replay_statement(migration.parsed, statement);
            r.dynamic_sql(migration.parsed, statement);
            if r.engine.is_mysql() {
                r.top_dynamic.record(&r.bindings, &statement.tokens);
            } else {
                r.path.observe(&statement.tokens);
            }
        }
        let model = &mut r.out.migrations[index];
        if !model.dynamic.is_empty() {
            for statement in &migration.parsed.statements {
                if !migration.up.contains(&statement.range.start) {
                    continue;
                }
                let runs_dynamic_sql = model
                    .dynamic
                    .iter()
                    .any(|(d, _)| statement.range.contains(&d.start));
                mentioned_names(&statement.tokens, runs_dynamic_sql, &mut model.mentions);
            }
        }
    }
    r.out
}

/// Does a routine's body run SQL it builds (`EXECUTE` among its words, in a PL/pgSQL body's
/// string too)? Not `EXECUTE FUNCTION|PROCEDURE f()` (a trigger the body creates names the
/// function it runs) nor `GRANT EXECUTE ON`.
fn body_runs_execute(tokens: &[crate::sql::Tok]) -> bool {
    use sqlparser::tokenizer::Token;
    let runs = |words: &[&str]| {
        words.iter().enumerate().any(|(k, w)| {
            let next = words.get(k + 1).copied().unwrap_or_default();
            w.eq_ignore_ascii_case("execute")
                && !["function", "procedure", "on"]
                    .iter()
                    .any(|n| next.eq_ignore_ascii_case(n))
        })
    };
    let in_text = |text: &str| {
        let words: Vec<&str> = text
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .collect();
        runs(&words)
    };
    let words: Vec<&str> = tokens
        .iter()
        .filter_map(|t| match &t.token {
            Token::Word(w) if w.quote_style.is_none() => Some(w.value.as_str()),
            _ => None,
        })
        .collect();
    runs(&words)
        || tokens.iter().any(|t| match &t.token {
            Token::DollarQuotedString(s) => in_text(&s.value),
            Token::SingleQuotedString(s) => in_text(s),
            _ => false,
        })
}

/// The routines a routine's body may call, in lower case: every word followed by `(` (`PERFORM
/// f()`, `SELECT f()`, `CALL p()`, `SET x = f()`) and the name after `CALL` (`CALL p;`,
/// `CALL db.p`), in a PL/pgSQL body's string too. Built-in functions and type names
/// (`format(`, `varchar(`) are among them; only names the migrations define as routines count.
fn body_calls(tokens: &[crate::sql::Tok], engine: Engine) -> BTreeSet<String> {
    use sqlparser::tokenizer::Token;
    let mut out = BTreeSet::new();
    let mut add = |tokens: &[crate::sql::Tok]| {
        out.extend(crate::sql::do_block::called_names(tokens));
    };
    add(tokens);
    if !engine.is_mysql() {
        // A PL/pgSQL body is a string: its statements are tokens of their own.
        for t in tokens {
            let body = match &t.token {
                Token::DollarQuotedString(s) => &s.value,
                Token::SingleQuotedString(s) => s,
                _ => continue,
            };
            let lexed = crate::sql::lexer::lex(crate::sql::Dialect::Postgres, body, 0..body.len());
            add(&lexed.tokens);
        }
    }
    out
}

/// What the replay knows of a function or procedure the migrations define (its latest body).
#[derive(Debug, Clone, Default)]
pub(crate) struct Routine {
    /// Its body runs `EXECUTE` ([`body_runs_execute`]).
    runs_execute: bool,
    /// The names its body may call ([`body_calls`]).
    calls: BTreeSet<String>,
    /// Its body's statements and calls, which a call of it replays; `None` when the body
    /// cannot be read as SQL (a C or PL/Python function …), and a call of it is not modelled.
    body: Option<std::rc::Rc<crate::sql::RoutineBody>>,
    /// Its parameters' names, which a call binds to its arguments.
    params: Vec<Option<String>>,
    /// Where its body is, to evaluate the SQL it builds ([`dynamic::Place`]).
    place: Option<std::rc::Rc<dynamic::Place>>,
}

/// How many statements of called routines' bodies one statement may replay (calls that fan out
/// at every depth multiply); past it, the rest of its calls is not modelled.
const CALL_BUDGET: usize = 10_000;

/// The first words of the statements whose calls of routines the replay runs (a query's, a
/// data change's, `SET x = f()`, MySQL's `DO f()`); a schema change's `DEFAULT f()` or
/// expression index does not run a routine's body at migration time the same way.
const CALLING_STATEMENTS: &[&str] = &[
    "SELECT", "WITH", "VALUES", "INSERT", "UPDATE", "DELETE", "REPLACE", "SET", "DO", "PERFORM",
];

/// The routines of `routines` that run dynamic SQL when called: those whose body runs
/// `EXECUTE`, and those that call one of them, at any depth (cycles end the walk).
fn dynamic_routines(routines: &BTreeMap<String, Routine>) -> BTreeSet<String> {
    let mut callers: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (name, routine) in routines {
        for callee in &routine.calls {
            callers.entry(callee).or_default().push(name);
        }
    }
    let mut dynamic: BTreeSet<String> = BTreeSet::new();
    let mut todo: Vec<&str> = routines
        .iter()
        .filter(|(_, r)| r.runs_execute)
        .map(|(name, _)| name.as_str())
        .collect();
    while let Some(name) = todo.pop() {
        if dynamic.insert(name.to_string()) {
            todo.extend(callers.get(name).into_iter().flatten().copied());
        }
    }
    dynamic
}

/// MySQL/MariaDB `CALL name` or `CALL db.name` without an argument list, of a routine
/// `dynamic` accepts (with one, [`crate::sql::do_block::calls`] sees `name (`).
fn calls_without_parentheses(tokens: &[crate::sql::Tok], dynamic: &dyn Fn(&str) -> bool) -> bool {
    use sqlparser::tokenizer::Token;
    if !tokens.first().is_some_and(|t| t.is_kw("CALL")) {
        return false;
    }
    let mut i = 1;
    while tokens.get(i + 1).is_some_and(|t| t.token == Token::Period) {
        i += 2;
    }
    let named = matches!(
        tokens.get(i).map(|t| &t.token),
        Some(Token::Word(w)) if dynamic(&w.value.to_lowercase())
    );
    named
        && tokens
            .get(i + 1)
            .is_none_or(|t| t.token == Token::SemiColon)
}

/// The statements of a compound statement (`BEGIN NOT ATOMIC … END`) that run SQL built at run
/// time: `EXECUTE stmt` or `EXECUTE IMMEDIATE …` where a statement starts (after `;`, `BEGIN`,
/// `THEN`, `ELSE`, `DO`, `LOOP`, `REPEAT`, a label or a handler's condition), or a CALL of a
/// routine `dynamic` accepts. Byte ranges from that word to the statement's `;`.
fn compound_dynamic_statements(
    tokens: &[crate::sql::Tok],
    end: usize,
    dynamic: &dyn Fn(&str) -> bool,
) -> Vec<Range<usize>> {
    use sqlparser::tokenizer::Token;
    const STARTS_AFTER: &[&str] = &[
        "BEGIN",
        "ATOMIC",
        "THEN",
        "ELSE",
        "DO",
        "LOOP",
        "REPEAT",
        "SQLEXCEPTION",
        "SQLWARNING",
        "FOUND",
    ];
    let mut out = Vec::new();
    for (k, t) in tokens.iter().enumerate().skip(1) {
        let previous = &tokens[k - 1];
        let starts = matches!(previous.token, Token::SemiColon | Token::Colon)
            || STARTS_AFTER.iter().any(|w| previous.is_kw(w));
        if !starts || !(t.is_kw("EXECUTE") || t.is_kw("CALL")) {
            continue;
        }
        let close = tokens[k..]
            .iter()
            .position(|t| t.token == Token::SemiColon)
            .map_or(tokens.len(), |p| k + p);
        let statement = &tokens[k..close];
        let runs = t.is_kw("EXECUTE")
            || calls_without_parentheses(statement, dynamic)
            || crate::sql::do_block::calls(statement, dynamic);
        if runs {
            let to = tokens.get(close).map_or(end, |semi| semi.range.start);
            out.push(t.range.start..to);
        }
    }
    out
}

/// The names a migration's dynamic SQL may touch, in lower case: the words inside the strings
/// of its statements (where such SQL is usually written, `SET @q = 'ALTER TABLE t …'`), and
/// every word of a statement that runs it (`EXECUTE IMMEDIATE CONCAT(…)`, a DO block's body).
fn mentioned_names(tokens: &[crate::sql::Tok], runs_dynamic_sql: bool, out: &mut BTreeSet<String>) {
    use sqlparser::tokenizer::Token;
    let mut add = |text: &str| {
        let words = text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'));
        out.extend(words.filter(|w| !w.is_empty()).map(str::to_lowercase));
    };
    for t in tokens {
        match &t.token {
            Token::SingleQuotedString(s)
            | Token::DoubleQuotedString(s)
            | Token::NationalStringLiteral(s)
            | Token::EscapedStringLiteral(s)
            | Token::UnicodeStringLiteral(s) => add(s),
            Token::Word(w) if runs_dynamic_sql => add(&w.value),
            Token::DollarQuotedString(s) if runs_dynamic_sql => add(&s.value),
            _ => {}
        }
    }
}

pub(crate) struct Replayer {
    pub(crate) engine: Engine,
    /// MySQL/MariaDB with `lower_case_table_names` 0: table and view names keep their case.
    pub(crate) keep_table_case: bool,
    pub(crate) schema_name: String,
    pub(crate) out: Expected,
    pub(crate) current: Owner,
    /// Columns each table-scoped constraint covers, so dropping a column drops them too.
    pub(crate) constraint_columns: BTreeMap<ObjectId, Vec<String>>,
    /// MySQL numbers unnamed foreign keys per table (`t_ibfk_1`, `t_ibfk_2`): the last number
    /// the statement being replayed gave on each table (see `start_foreign_key_numbers`);
    /// emptied before each statement.
    pub(crate) foreign_keys: BTreeMap<String, u64>,
    /// The indexes InnoDB made for a foreign key no index served, which it drops when a later
    /// index starts with their columns.
    pub(crate) generated_indexes: BTreeSet<ObjectId>,
    /// MySQL/MariaDB foreign keys' names as the server stores them (the model's ids are in
    /// lower case): InnoDB numbers unnamed keys and renames keys with their table by comparing
    /// `<table>_ibfk_` with these case-sensitively.
    pub(crate) foreign_key_spellings: BTreeMap<ObjectId, String>,
    /// The functions and procedures the migrations have defined so far (lower-case names),
    /// each with its latest body.
    pub(crate) routines: BTreeMap<String, Routine>,
    /// Those that run dynamic SQL when called ([`dynamic_routines`]): a statement that calls
    /// one runs it. `None` once a routine is (re)defined, until a statement needs it again.
    pub(crate) dynamic_routines: Option<BTreeSet<String>>,
    /// PostgreSQL procedures' whole argument lists (OUT arguments included), by their id
    /// (input arguments only), which `DROP`/`ALTER PROCEDURE` may name them by.
    pub(crate) procedure_args: BTreeMap<ObjectId, String>,
    /// PostgreSQL: what the server says about names. Its `visible_types`: the types outside
    /// the compared schema and pg_catalog that an unqualified name finds through the
    /// connection's search_path, by name as [`routine_arg_type`] spells it, with their schema
    /// as `quote_ident` spells it (`citext` → `extensions`).
    pub(crate) server: Server,
    /// The search_path the migration being replayed has set ([`search_path`]).
    pub(crate) path: crate::sql::search_path::SessionPath,
    /// Objects the migrations created in schemas other than the compared one, as
    /// `(schema, name)`, which a path may find first.
    pub(crate) elsewhere: BTreeSet<(String, String)>,
    /// The routines whose bodies are being replayed for a call, outermost first: a routine
    /// already on it is not entered again (recursion), and what is not modelled in a body is
    /// said to be.
    pub(crate) call_stack: Vec<String>,
    /// What is left of [`CALL_BUDGET`] for the statement being replayed.
    pub(crate) call_budget: usize,
    /// The statement being replayed is in a DO block's or a called routine's body, behind a
    /// catalog check (`IF NOT EXISTS (SELECT … FROM information_schema…) THEN`) or an exception
    /// handler for "already exists" (`DoBlockContext::guarded`): one that creates an object
    /// the model already has is skipped, as the guard skips it on the server, like
    /// `IF NOT EXISTS`.
    pub(crate) guarded_statement: bool,
    /// The values of the parameters of the body being replayed (none at top level).
    pub(crate) bindings: crate::sql::dynamic::Bindings,
    /// The dynamic statements the replay of the current top-level statement met: the bytes
    /// they are on (the calling statement for a called body's), and whether they were
    /// evaluated and replayed ([`dynamic::Event`]).
    pub(crate) dynamic_events: Vec<dynamic::Event>,
    /// The current migration's text, shared by the routines it defines.
    pub(crate) file_source: Option<(usize, std::rc::Rc<crate::source::SourceFile>)>,
    /// MySQL/MariaDB: the user variables and prepared statements the current migration has set
    /// at its top level, which its top-level `EXECUTE`s run.
    pub(crate) top_dynamic: crate::sql::top_dynamic::TopDynamic,
}

impl Replayer {
    pub(crate) fn put(&mut self, id: ObjectId, attrs: Attributes) {
        self.out.dropped.remove(&id);
        self.out.owners.insert(id.clone(), self.current.clone());
        self.out.schema.insert(id, attrs);
    }

    pub(crate) fn touch(&mut self, id: &ObjectId) {
        if self.out.schema.contains(id) {
            self.out.owners.insert(id.clone(), self.current.clone());
        }
    }

    pub(crate) fn remove(&mut self, id: &ObjectId) {
        if self.out.schema.objects.remove(id).is_some() {
            self.out.owners.remove(id);
            self.constraint_columns.remove(id);
            self.generated_indexes.remove(id);
            self.foreign_key_spellings.remove(id);
            self.procedure_args.remove(id);
            self.out.dropped.insert(id.clone(), self.current.clone());
        }
    }

    pub(crate) fn exists(&self, id: &ObjectId) -> bool {
        self.out.schema.contains(id)
    }

    pub(crate) fn opaque(&mut self, reason: String) {
        let reason = self.in_called_body(reason);
        let index = self.current.migration;
        let range = self.current.statement.clone();
        self.out.migrations[index].opaque.push((range, reason));
    }

    /// A statement nothing could read: opaque, and its effect unknown.
    pub(crate) fn unread(&mut self, reason: String) {
        let reason = self.in_called_body(reason);
        let index = self.current.migration;
        let range = self.current.statement.clone();
        self.out.migrations[index]
            .unread
            .push((range.clone(), reason.clone()));
        self.out.migrations[index].opaque.push((range, reason));
    }

    /// `reason`, saying which routine's body it is in when a call's body is being replayed.
    fn in_called_body(&self, reason: String) -> String {
        match self.call_stack.last() {
            Some(name) => format!("{reason} (in the body of {name}, which this statement calls)"),
            None => reason,
        }
    }

    /// Records the statements of `statement` that run SQL built at run time, and the routines
    /// it defines or drops.
    fn dynamic_sql(&mut self, file: &ParsedFile, statement: &crate::sql::Statement) {
        let source = &file.source;
        let first = |range: &Range<usize>| {
            let text = source.text.get(range.clone()).unwrap_or_default();
            let text = text.trim_end().trim_end_matches(';');
            let words: Vec<&str> = text.split_whitespace().collect();
            match words.len() > 3 {
                true => code_span(&format!("{} …", words[..3].join(" "))).to_string(),
                false => code_span(&words.join(" ")).to_string(),
            }
        };
        if let ShapeKind::Create(ShapeObjectKind::Function | ShapeObjectKind::Procedure) =
            &statement.shape.kind
        {
            // Calling it later runs its dynamic SQL (apache ranger's MySQL patches create
            // procedures that PREPARE an ALTER TABLE and CALL them once per table), as does
            // calling a routine that calls it: with the bodies they have at the time of the call.
            if let Some(name) = statement.shape.names.first() {
                let runs_execute = body_runs_execute(&statement.tokens);
                let place = self.routine_place(file, statement);
                let routine = Routine {
                    runs_execute,
                    calls: body_calls(&statement.tokens, self.engine),
                    body: crate::sql::routine_body(source, file.dialect, statement)
                        .map(std::rc::Rc::new),
                    params: crate::sql::dynamic::routine_params(&statement.tokens),
                    place,
                };
                self.routines.insert(name.base().to_lowercase(), routine);
                self.dynamic_routines = None;
            }
            return;
        }
        if let ShapeKind::Drop(ShapeObjectKind::Function | ShapeObjectKind::Procedure) =
            &statement.shape.kind
        {
            // A dropped routine has no body to run: a later call of it (which fails on the
            // server) is not modelled. An overload left in place keeps the name's body.
            for name in &statement.shape.names {
                let name = name.base().to_lowercase();
                let prefix = format!("{name}(");
                if self
                    .ids_with_prefix(ObjectKind::Function, &prefix)
                    .is_empty()
                    && self.routines.remove(&name).is_some()
                {
                    self.dynamic_routines = None;
                }
            }
            return;
        }
        let routines = self
            .dynamic_routines
            .get_or_insert_with(|| dynamic_routines(&self.routines));
        let dynamic = |name: &str| routines.contains(name);
        let ranges = match &statement.shape.kind {
            ShapeKind::Do if !self.engine.is_mysql() => {
                crate::sql::do_block::body_range(source, &statement.tokens)
                    .map(|body| crate::sql::do_block::dynamic_statements(source, body, &dynamic))
                    .unwrap_or_default()
            }
            ShapeKind::Create(_) | ShapeKind::Drop(_) => Vec::new(),
            _ if self.engine.is_mysql()
                && (statement.tokens.first().is_some_and(|t| t.is_kw("EXECUTE"))
                    || calls_without_parentheses(&statement.tokens, &dynamic)) =>
            {
                vec![statement.range.clone()]
            }
            _ if self.engine.is_mysql()
                && crate::sql::shape::is_compound_statement(&statement.tokens) =>
            {
                compound_dynamic_statements(&statement.tokens, statement.range.end, &dynamic)
            }
            _ if crate::sql::do_block::calls(&statement.tokens, &dynamic) => {
                vec![statement.range.clone()]
            }
            _ => Vec::new(),
        };
        for range in ranges {
            if dynamic::all_evaluated(&self.dynamic_events, &range) {
                // Evaluated and replayed: nothing of it is unknown.
                continue;
            }
            let what = first(&range);
            self.out.migrations[self.current.migration]
                .dynamic
                .push((range, what));
        }
    }

    fn replay_statement(&mut self, file: &ParsedFile, statement: &crate::sql::Statement) {
        self.current.statement = statement.range.clone();
        self.foreign_keys.clear();
        if self.engine.is_mysql() && self.top_prepared(file, statement) {
            return;
        }
        if statement.shape.kind == ShapeKind::Do {
            // A DO block's statements run on the server like top-level ones, and so do the
            // bodies of the routines it calls (`PERFORM f()`).
            let calls = match self.routines.is_empty() {
                true => Vec::new(),
                false => crate::sql::do_block::body_range(&file.source, &statement.tokens)
                    .and_then(|body| {
                        crate::sql::do_block::routine_statements(
                            &file.source,
                            crate::sql::Dialect::Postgres,
                            body,
                        )
                    })
                    .map(|(_, calls, _)| calls)
                    .unwrap_or_default(),
            };
            let calls_routines = calls
                .iter()
                .any(|c| c.names.iter().any(|n| self.routines.contains_key(n)));
            let place = self.do_place(file, statement);
            let dynamic = self.top_dynamic(place.as_deref());
            if statement.nested.is_empty() && !calls_routines && dynamic.is_empty() {
                // (Dynamic SQL it cannot evaluate is not modelled: `replay_dynamic`.)
                self.opaque("a DO block whose statements could not be read".into());
            }
            self.replay_body(&statement.nested, &calls, false, place.as_deref(), &dynamic);
            return;
        }
        if self.engine.is_mysql() && crate::sql::shape::is_compound_statement(&statement.tokens) {
            // MariaDB's `BEGIN NOT ATOMIC … END` runs its statements like a DO block.
            let body = crate::sql::compound_body(&file.source, file.dialect, statement);
            let place = self.compound_place(file, statement);
            let dynamic = self.top_dynamic(place.as_deref());
            let runs_something = body.as_ref().is_some_and(|b| {
                !b.statements.is_empty()
                    || !dynamic.is_empty()
                    || b.calls
                        .iter()
                        .any(|c| c.names.iter().any(|n| self.routines.contains_key(n)))
            });
            if !runs_something {
                self.opaque("a BEGIN NOT ATOMIC block whose statements could not be read".into());
            }
            if let Some(body) = body {
                self.replay_body(
                    &body.statements,
                    &body.calls,
                    false,
                    place.as_deref(),
                    &dynamic,
                );
            }
            return;
        }
        self.replay_one(statement);
    }

    /// One statement that is not a DO block, with the bodies of the routines it calls.
    fn replay_one(&mut self, statement: &crate::sql::Statement) {
        if self.replay_calls(statement) {
            return;
        }
        self.guarded_statement = statement.context.do_block.is_some_and(|d| d.guarded);
        match &statement.ast {
            Some(ast) => self.statement(ast),
            None => self.shape(statement),
        }
        self.guarded_statement = false;
    }

    /// Replays a body's statements, calls and the SQL it builds (`dynamic`, evaluated at
    /// `place`) in the order they run. `in_place`: the body is a called routine's, whose
    /// statements are in another place (often another file), so what they do is put on the
    /// statement that calls it; otherwise (a DO block) each statement is the one its objects
    /// are on.
    fn replay_body(
        &mut self,
        statements: &[crate::sql::Statement],
        calls: &[crate::sql::do_block::BodyCall],
        in_place: bool,
        place: Option<&dynamic::Place>,
        dynamic: &[crate::sql::dynamic::Dynamic],
    ) {
        enum Item<'b> {
            Statement(&'b crate::sql::Statement),
            Call(&'b crate::sql::do_block::BodyCall),
            Dynamic(&'b crate::sql::dynamic::Dynamic),
        }
        // In body order; at one place a statement before a call, and the SQL an `EXECUTE`
        // runs after the statement it is.
        let mut items: Vec<(usize, u8, Item)> = statements
            .iter()
            .map(|s| (s.range.start, 0, Item::Statement(s)))
            .chain(calls.iter().map(|c| (c.range.start, 1, Item::Call(c))))
            .chain(dynamic.iter().map(|d| (d.at, 2, Item::Dynamic(d))))
            .collect();
        items.sort_by_key(|(at, rank, _)| (*at, *rank));
        for (_, _, item) in items {
            match item {
                Item::Call(call) => {
                    if !in_place {
                        self.current.statement = call.range.clone();
                    }
                    let bound = self.bind_body_call(place, call);
                    self.run_calls(&bound);
                }
                Item::Statement(statement) if dynamic::runs_dynamic(statement, dynamic) => {
                    // `PREPARE`, `EXECUTE`, `DEALLOCATE` of the SQL the body builds: what it
                    // runs is the dynamic item's (replayed, or not modelled).
                }
                Item::Statement(statement) => {
                    if in_place {
                        if self.call_budget == 0 {
                            self.opaque("calls nest too deep to replay".into());
                            return;
                        }
                        self.call_budget -= 1;
                    } else {
                        self.current.statement = statement.range.clone();
                    }
                    self.foreign_keys.clear();
                    self.replay_one(statement);
                }
                Item::Dynamic(d) => {
                    if !self.replay_dynamic(d, place, in_place) {
                        return;
                    }
                }
            }
        }
    }

    /// Runs the bodies of the routines `statement` calls: a `CALL` of a routine the migrations
    /// define (then `true`: the call is replayed), or the routines a query, a data change or
    /// `SET` calls (`SELECT f()`), after which the statement itself is replayed. A `CALL` of a
    /// routine the migrations do not define stays not modelled.
    fn replay_calls(&mut self, statement: &crate::sql::Statement) -> bool {
        use crate::sql::do_block::called_names;
        let tokens = &statement.tokens;
        if self.routines.is_empty() {
            return false;
        }
        let Some(first) = tokens.first() else {
            return false;
        };
        if first.is_kw("CALL") {
            let names = called_names(tokens);
            let Some(callee) = names.first().filter(|n| self.routines.contains_key(*n)) else {
                return false;
            };
            // Its arguments' calls first, then its body.
            let mut order = names[1..].to_vec();
            order.push(callee.clone());
            let bound = self.bind_calls(tokens, &order);
            self.run_calls(&bound);
            return true;
        }
        if CALLING_STATEMENTS.iter().any(|w| first.is_kw(w)) {
            let bound = self.bind_calls(tokens, &called_names(tokens));
            self.run_calls(&bound);
        }
        false
    }

    /// Replays the bodies of the routines among `names` that the migrations define, with the
    /// body each has now. A routine already being replayed is not entered again (its further
    /// recursion runs the same statements); one whose body cannot be read is not modelled.
    fn run_calls(&mut self, calls: &[(String, crate::sql::dynamic::Bindings)]) {
        for (name, bindings) in calls {
            let Some(routine) = self.routines.get(name) else {
                continue;
            };
            if self.call_stack.contains(name) {
                continue;
            }
            let Some(body) = routine.body.clone() else {
                self.opaque(format!(
                    "calls {name}, whose body is not SQL preflight can read: what it did is not modelled"
                ));
                continue;
            };
            let place = routine.place.clone();
            // The SQL it builds, with its parameters bound to this call's arguments: replayed
            // where it can be evaluated; the rest is reported (here, and as dynamic SQL).
            let dynamic = match &place {
                Some(place) if routine.runs_execute => place.dynamic(bindings),
                _ => Vec::new(),
            };
            let unevaluated = dynamic.iter().any(|d| d.text.is_none());
            if routine.runs_execute && (unevaluated || dynamic.is_empty()) {
                self.opaque(format!(
                    "calls {name}, whose body runs SQL it builds at run time (EXECUTE): that part is not modelled"
                ));
            }
            if self.call_budget == 0 {
                self.opaque("calls nest too deep to replay".into());
                return;
            }
            self.call_budget -= 1;
            self.call_stack.push(name.clone());
            let outer = std::mem::replace(&mut self.bindings, bindings.clone());
            self.replay_body(
                &body.statements,
                &body.calls,
                true,
                place.as_deref(),
                &dynamic,
            );
            self.bindings = outer;
            self.call_stack.pop();
        }
    }

    pub(crate) fn data(&mut self) {
        self.out.migrations[self.current.migration].data_statements += 1;
    }

    fn statement(&mut self, ast: &Statement) {
        match ast {
            Statement::CreateTable(ct) => self.create_table(ct),
            Statement::AlterTable(at) => self.alter_table(at),
            Statement::CreateIndex(ci) => self.create_index(ci),
            Statement::RenameTable(renames) => {
                for rename in renames {
                    if let (Some(from), Some(to)) =
                        (self.table(&rename.old_name), self.table(&rename.new_name))
                    {
                        self.rename_table(&from, &to);
                    }
                }
            }
            Statement::Drop {
                object_type,
                names,
                table,
                ..
            } => self.drop(*object_type, names, table.as_ref()),
            Statement::CreateView(view) => self.create_view(view),
            Statement::CreateType {
                name,
                representation,
            } => self.create_type(name, representation.as_ref()),
            Statement::AlterType(alter) => self.alter_type(alter),
            Statement::CreateDomain(domain) => self.create_domain(domain),
            Statement::DropDomain(drop) => self.drop_domain(drop),
            Statement::CreateSequence {
                name,
                if_not_exists,
                ..
            } => self.create_sequence(name, *if_not_exists),
            Statement::CreateExtension(ext) => self.create_extension(ext),
            Statement::DropExtension(drop) => self.drop_extension(drop),
            Statement::CreateSchema {
                schema_name,
                if_not_exists,
                ..
            } => self.create_schema(schema_name, *if_not_exists),
            Statement::CreateFunction(f) => self.create_function(f),
            Statement::DropFunction(drop) => self.drop_functions(&drop.func_desc, false),
            Statement::CreateProcedure { name, params, .. } => {
                self.create_procedure(name, params.as_deref())
            }
            Statement::DropProcedure { proc_desc, .. } => self.drop_functions(proc_desc, true),
            Statement::AlterFunction(alter) => self.alter_routine(alter, false),
            Statement::AlterIndex {
                name,
                operation: AlterIndexOperation::RenameIndex { index_name },
            } => self.rename_index(name, index_name),
            Statement::CreateTrigger(t) => self.create_trigger(t),
            Statement::DropTrigger(t) => self.drop_trigger(t),
            Statement::Query(q) if self.diesel_manage_updated_at(q) => {}
            Statement::CreatePolicy(p) => self.create_policy(p),
            Statement::DropPolicy(p) => self.drop_policy(p),
            other => self.other_statement(other),
        }
    }

    /// Data changes, statements without a schema effect, and what is not modelled.
    fn other_statement(&mut self, ast: &Statement) {
        match ast {
            Statement::Insert(_)
            | Statement::Update(_)
            | Statement::Delete(_)
            | Statement::Query(_)
            | Statement::Merge(_)
            | Statement::Copy { .. } => self.data(),
            Statement::StartTransaction { .. }
            | Statement::Commit { .. }
            | Statement::Rollback { .. }
            | Statement::Savepoint { .. }
            | Statement::Comment { .. }
            | Statement::Grant(_)
            | Statement::Revoke(_)
            | Statement::Set(_)
            | Statement::Analyze(_)
            | Statement::Use(_)
            | Statement::LockTables { .. }
            | Statement::UnlockTables
            | Statement::CreateRole(_)
            | Statement::AlterRole { .. }
            | Statement::CreateUser(_)
            | Statement::CreateDatabase { .. }
            | Statement::Discard { .. } => {}
            other => {
                let text = other.to_string();
                let words: Vec<&str> = text.split_whitespace().take(3).collect();
                self.opaque(format!(
                    "{} is not modelled",
                    code_span(&format!("{} …", words.join(" ")))
                ));
            }
        }
    }

    /// Objects of `kind` whose printed name starts with `prefix` (e.g. every overload of a
    /// function), found by a range scan rather than a walk over the whole catalog.
    pub(crate) fn ids_with_prefix(&self, kind: ObjectKind, prefix: &str) -> Vec<ObjectId> {
        self.out
            .schema
            .objects
            .range(ObjectId::new(kind, prefix)..)
            .take_while(|(id, _)| id.kind == kind && id.qualified_name().starts_with(prefix))
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Objects of `kind` that live on `table` (e.g. every column of it): a range scan over
    /// the ids printed `table.…`, keeping those whose table field is `table` itself (an
    /// index `"b.c"` on `a` and an index `c` on `"a.b"` both print `a.b.c`).
    pub(crate) fn ids_on_table(&self, kind: ObjectKind, table: &str) -> Vec<ObjectId> {
        let prefix = format!("{table}.");
        self.ids_with_prefix(kind, &prefix)
            .into_iter()
            .filter(|id| id.table.as_deref() == Some(table))
            .collect()
    }

    fn drop_functions(&mut self, descs: &[sqlparser::ast::FunctionDesc], procedure: bool) {
        for desc in descs {
            for id in self.routine_ids(desc, procedure) {
                self.remove(&id);
            }
        }
    }

    pub(crate) fn ids_where(&self, pred: impl Fn(&ObjectId) -> bool) -> Vec<ObjectId> {
        self.out
            .schema
            .objects
            .keys()
            .filter(|id| pred(id))
            .cloned()
            .collect()
    }

    pub(crate) fn identity_args(
        &self,
        args: Option<&[sqlparser::ast::OperateFunctionArg]>,
    ) -> String {
        if self.engine.is_mysql() {
            // information_schema.ROUTINES has no argument types to compare with.
            return String::new();
        }
        args.unwrap_or_default()
            .iter()
            .filter(|a| !matches!(a.mode, Some(ArgMode::Out)))
            .map(|a| self.arg_type(&a.data_type))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A routine argument's type as pg_proc keeps it ([`routine_arg_type`]).
    /// An unqualified name of a type that the connection's search_path finds outside the
    /// compared schema gets that schema, as the catalog's side keys it.
    pub(crate) fn arg_type(&self, data_type: &sqlparser::ast::DataType) -> String {
        let text = routine_arg_type(&self.engine.column_type(data_type), &self.schema_name);
        let mut element = text.as_str();
        while let Some(inner) = element.strip_suffix("[]") {
            element = inner.trim_end();
        }
        if element.contains('.') {
            return text;
        }
        if let Some(namespace) = self.type_schema(element) {
            return format!("{namespace}.{text}");
        }
        match self.server.visible_types.get(element) {
            Some(namespace) => format!("{namespace}.{text}"),
            None => text,
        }
    }

    fn drop(
        &mut self,
        object_type: ObjectType,
        names: &[sqlparser::ast::ObjectName],
        on_table: Option<&sqlparser::ast::ObjectName>,
    ) {
        for name in names {
            let name = match object_type {
                ObjectType::Table | ObjectType::View => self.table(name),
                // Schemas are not found through the search_path.
                ObjectType::Schema => self.local_name(name),
                _ => self.name(name),
            };
            let Some(name) = name else {
                continue;
            };
            match object_type {
                ObjectType::Table => self.drop_table(&name),
                ObjectType::View => self.remove(&ObjectId::new(ObjectKind::View, name)),
                ObjectType::MaterializedView => {
                    self.remove(&ObjectId::new(ObjectKind::MaterializedView, name))
                }
                ObjectType::Sequence => self.remove(&ObjectId::new(ObjectKind::Sequence, name)),
                ObjectType::Schema => self.remove(&ObjectId::new(ObjectKind::Schema, name)),
                ObjectType::Type => {
                    self.remove(&ObjectId::new(ObjectKind::Enum, name.clone()));
                    self.remove(&ObjectId::new(ObjectKind::Domain, name));
                }
                ObjectType::Index => {
                    let table = on_table.and_then(|t| self.table(t));
                    self.drop_index(table.as_deref(), &name);
                }
                // Roles, users and databases are not part of a schema.
                ObjectType::Role | ObjectType::User | ObjectType::Database => {}
                _ => self.opaque(format!("DROP {object_type} is not modelled")),
            }
        }
    }

    pub(crate) fn drop_index(&mut self, table: Option<&str>, name: &str) {
        let ids = match table {
            Some(t) => vec![ObjectId::on_table(ObjectKind::Index, t, name)],
            None => self.ids_where(|id| {
                id.kind == ObjectKind::Index && id.table.is_some() && id.name == name
            }),
        };
        for id in ids {
            if self.engine.is_mysql() {
                // The key a unique index (or PRIMARY) is goes with it.
                let key = ObjectId {
                    kind: ObjectKind::Constraint,
                    ..id.clone()
                };
                let is_key = self.out.schema.get(&key).is_some_and(|attrs| {
                    matches!(
                        attrs.get("kind").map(String::as_str),
                        Some("unique" | "primary key")
                    )
                });
                if is_key {
                    self.remove(&key);
                }
            }
            self.remove(&id);
        }
    }

    fn alter_type(&mut self, alter: &sqlparser::ast::AlterType) {
        let Some(name) = self.name(&alter.name) else {
            return;
        };
        let id = ObjectId::new(ObjectKind::Enum, name.clone());
        let Some(attrs) = self.out.schema.get(&id).cloned() else {
            self.opaque(format!(
                "ALTER TYPE {name}: the type is not created by these migrations"
            ));
            return;
        };
        let mut labels: Vec<String> = attrs
            .get("labels")
            .map(|l| l.split(", ").map(str::to_string).collect())
            .unwrap_or_default();
        match &alter.operation {
            AlterTypeOperation::AddValue(add) => {
                let value = add.value.value.clone();
                if labels.contains(&value) {
                    return; // ADD VALUE IF NOT EXISTS on a retry
                }
                let at = match &add.position {
                    Some(AlterTypeAddValuePosition::Before(n)) => {
                        labels.iter().position(|l| *l == n.value)
                    }
                    Some(AlterTypeAddValuePosition::After(n)) => {
                        labels.iter().position(|l| *l == n.value).map(|i| i + 1)
                    }
                    None => None,
                };
                labels.insert(at.unwrap_or(labels.len()), value);
            }
            AlterTypeOperation::RenameValue(rename) => {
                for l in labels.iter_mut() {
                    if *l == rename.from.value {
                        *l = rename.to.value.clone();
                    }
                }
            }
            AlterTypeOperation::Rename(rename) => {
                self.remove(&id);
                let new_id = ObjectId::new(ObjectKind::Enum, self.engine.ident(&rename.new_name));
                self.put(new_id, attrs);
                return;
            }
        }
        self.put(id, Attributes::from([("labels", labels.join(", "))]));
    }

    pub(crate) fn default_of(&self, expr: &sqlparser::ast::Expr) -> String {
        let mut text = expr.to_string();
        // MySQL's TRUE and FALSE are the integers 1 and 0; the catalog shows them that way.
        if self.engine.is_mysql() {
            // `"…"` is a string there (without ANSI_QUOTES), which the catalog spells `'…'`.
            if let sqlparser::ast::Expr::Value(v) = expr {
                if let sqlparser::ast::Value::DoubleQuotedString(s) = &v.value {
                    text = format!("'{}'", s.replace('\'', "''"));
                }
            }
            if text.eq_ignore_ascii_case("true") {
                return "1".into();
            }
            if text.eq_ignore_ascii_case("false") {
                return "0".into();
            }
        }
        canonical_default(&text)
    }
}

/// An index column as both sides spell it (used by the live readers).
pub fn index_column_text(text: &str) -> String {
    naming::index_column(text)
}

/// A PostgreSQL routine argument's type (canonical, see `canonical_type`) as both sides spell
/// it: without modifiers, which pg_proc does not keep (an argument declared `varchar(3)` or
/// `numeric(10,2)` is `character varying` or `numeric`, and `character` is not `character(1)`
/// there), and without the compared schema's qualifier (`public.mood` is `mood`; the catalog
/// qualifies a type by whether its schema is in the session's search_path).
pub fn routine_arg_type(text: &str, schema: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
    let lower = schema.to_lowercase();
    for qualifier in [format!("{lower}."), format!("\"{lower}\".")] {
        if out.len() > qualifier.len()
            && out.is_char_boundary(qualifier.len())
            && out[..qualifier.len()].eq_ignore_ascii_case(&qualifier)
        {
            return out[qualifier.len()..].to_string();
        }
    }
    out
}

/// An index predicate as both sides spell it (used by the live readers).
pub fn index_predicate_text(text: &str) -> String {
    naming::index_predicate(text)
}

#[cfg(test)]
mod tests;
