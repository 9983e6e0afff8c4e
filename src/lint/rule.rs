//! What a lint rule is: a type with its metadata, the dialects it applies to, and a check that
//! reports violations (message, exact span, optional fix). Rules never build `Finding`s
//! themselves: the engine adds code, name, severity, location and suppression handling.

use super::guards::Guards;
use super::history::History;
use super::sequence::Sequence;
use crate::diagnostics::{Applicability, Fix, RuleInfo};
use crate::source::SourceFile;
use crate::sql::{Dialect, Name, ObjectKind, ParsedFile, Shape, ShapeKind, Statement};
use std::ops::Range;

pub const ALL_DIALECTS: &[Dialect] = &[
    Dialect::Postgres,
    Dialect::Mysql,
    Dialect::Mariadb,
    Dialect::Sqlite,
];
pub const POSTGRES: &[Dialect] = &[Dialect::Postgres];
pub const MYSQL_FAMILY: &[Dialect] = &[Dialect::Mysql, Dialect::Mariadb];

pub trait Rule: Sync {
    fn info(&self) -> &'static RuleInfo;

    /// The dialects the rule applies to.
    fn dialects(&self) -> &'static [Dialect] {
        ALL_DIALECTS
    }

    fn check_statement(&self, _cx: &StatementCx, _out: &mut Vec<Violation>) {}

    /// After the file's last statement (its statements have been checked and dropped).
    fn check_file(&self, _file: &FileEnd, _out: &mut Vec<Violation>) {}

    /// Does [`Rule::check_file`] judge what the file says? Such findings are noise once the
    /// file turns out to be written for another dialect (PF006), so they are dropped with
    /// the rest; a finding about the file as a file (its name, PF007) is not.
    fn reads_the_file(&self) -> bool {
        true
    }
}

/// What a rule sees at the end of a file: its directives and tokenize error (not its
/// statements, which lint drops once checked), and what the statements established.
pub struct FileEnd<'a> {
    pub source: &'a SourceFile,
    pub options: &'a super::LintOptions,
    pub parsed: &'a ParsedFile,
    pub history: &'a History,
}

/// One problem a rule found.
#[derive(Debug, Clone)]
pub struct Violation {
    pub range: Range<usize>,
    pub message: String,
    pub fix: Option<Fix>,
    pub notes: Vec<String>,
    /// The finding says "this could not be checked".
    pub unknown: bool,
    /// The finding is about what the statement needs that a later statement removes (a
    /// foreign key's referenced key), not about what it creates being there already: the
    /// sequence's proof that a retry meets the object gone (an earlier drop of it) does not
    /// clear it. Also set on a finding about the data a retry destroys rather than about it
    /// failing (a drop of a column a later rename gives the name back to).
    pub needs_removed: bool,
}

impl Violation {
    pub fn new(range: Range<usize>, message: impl Into<String>) -> Self {
        Violation {
            range,
            message: message.into(),
            fix: None,
            notes: Vec::new(),
            unknown: false,
            needs_removed: false,
        }
    }

    pub fn fix(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix;
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
}

/// What a rule sees when it checks one statement.
pub struct StatementCx<'a> {
    /// The run's settings (server versions for the rules whose answer depends on them).
    pub options: &'a super::LintOptions,
    pub source: &'a SourceFile,
    pub dialect: Dialect,
    pub statement: &'a Statement,
    /// Guards established by earlier statements of the file (`DROP … IF EXISTS`).
    pub guards: &'a Guards,
    /// The file's sequence analysis and this statement's index in it (top-level statements
    /// only; statements of a body have none).
    pub sequence: Option<(&'a Sequence, usize)>,
    /// Where the statement runs: what a retry of it meets, and what a fix can wrap it in.
    pub runs_in: RunsIn,
    /// In a body ([`RunsIn::is_in_body`]): the statements before this one that the same
    /// top-level statement runs (the constraint a `VALIDATE CONSTRAINT` names may be added
    /// there). Empty elsewhere.
    pub earlier_in_body: &'a [Statement],
    /// In a body: the statements after this one that the same top-level statement runs
    /// (so what they remove is gone for a retry of this one). Empty elsewhere.
    pub later_in_body: &'a [Statement],
    /// What the whole file tells the production-safety rules (PF3xx): tables it creates, how
    /// its runner applies it, the PostgreSQL version.
    pub file: FileFacts<'a>,
}

/// Where a checked statement runs. A statement of a body runs when the top-level statement
/// holding or calling it ([`FileFacts::top_index`]) does, so a retry of that one runs it again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunsIn {
    /// A top-level statement of the file.
    TopLevel,
    /// The body of the top-level statement's DO block (or of MariaDB's `BEGIN NOT ATOMIC …
    /// END`), which runs as one statement. Counted as PL/pgSQL: the fixes that write PL/pgSQL
    /// check the dialect themselves.
    DoBody,
    /// The body of a routine that the top-level statement calls (`CALL`, `SELECT f()`,
    /// `PERFORM`). Another call may run that body again.
    RoutineBody {
        /// A `LANGUAGE plpgsql` routine's body, where an `IF` can hold the statement.
        plpgsql: bool,
        /// PostgreSQL: the line of this file's `CREATE` of the routine, when PostgreSQL checks
        /// its body there (`LANGUAGE sql`, [`crate::sql::do_block::is_sql_routine`]): a retry
        /// fails first at that `CREATE`.
        sql_checked_at_create: Option<usize>,
    },
}

impl RunsIn {
    /// Inside a body (a DO block's or a called routine's) rather than at the top level.
    pub fn is_in_body(self) -> bool {
        self != RunsIn::TopLevel
    }

    /// Inside a PL/pgSQL body, where an `IF` can hold the statement.
    pub fn is_plpgsql(self) -> bool {
        matches!(
            self,
            RunsIn::DoBody | RunsIn::RoutineBody { plpgsql: true, .. }
        )
    }

    /// Inside a called routine's body (not a DO block's).
    pub fn is_routine_body(self) -> bool {
        matches!(self, RunsIn::RoutineBody { .. })
    }

    /// In a called `LANGUAGE sql` routine's body that PostgreSQL checked at this file's
    /// `CREATE` of it: that `CREATE`'s line.
    pub fn sql_checked_at_create(self) -> Option<usize> {
        match self {
            RunsIn::RoutineBody {
                sql_checked_at_create,
                ..
            } => sql_checked_at_create,
            RunsIn::TopLevel | RunsIn::DoBody => None,
        }
    }
}

/// File-level facts for the production-safety rules, shared by top-level and DO-body
/// statements alike.
#[derive(Clone, Copy)]
pub struct FileFacts<'a> {
    pub sequence: &'a Sequence,
    /// The top-level statement this one is (or, inside a DO body, sits in).
    pub top_index: usize,
    /// The start (byte) of that top-level statement.
    pub top_start: usize,
    /// The end (byte) of that top-level statement.
    pub top_end: usize,
    /// Where the file writes rows of a table, and whether a re-run of the write changes no row
    /// ([`crate::sql::do_block::row_writes`]), read on
    /// first use: few files need it.
    pub row_writes: &'a std::cell::OnceCell<Vec<(usize, crate::sql::do_block::RowTable, bool)>>,
    /// The apply model of a known runner; `None` when the tool is unknown.
    pub known_model: Option<crate::runner::ApplyModel>,
    /// What the statements before this one established (settings, checks, transactions).
    pub history: &'a History,
    /// The file has this one top-level statement and no other.
    pub only_statement: bool,
    /// `[lint] postgres_version` (major), when set.
    pub postgres_version: Option<u32>,
    /// What the pending migrations before this file create (`--pending-since`).
    pub pending: Option<&'a super::pending::Created>,
    /// The locks the current top-level statement takes (with its DO body and its calls).
    pub locks: &'a super::safety::Locks<'a>,
}

impl<'a> FileFacts<'a> {
    /// Is `key` new for the current top-level statement: created by an earlier statement of the file,
    /// or, when the file has not touched it yet, by an earlier pending migration? No running
    /// version of the application uses it, and a table has no rows. `schema`: the schema the
    /// statement writes for it (for a column or constraint, its table's; `None` unqualified):
    /// a creation in another schema made another object ([`Sequence::state_before_in`]).
    pub fn is_new(&self, key: &super::sequence::Key, schema: Option<&str>) -> bool {
        match self.sequence.state_before_in(key, schema) {
            Some(created) => created,
            None => self
                .pending
                .is_some_and(|p| p.contains(key, self.sequence.schema_of(schema))),
        }
    }

    /// [`Self::is_new`] for a table.
    pub fn table_is_new(&self, table: &Name) -> bool {
        let key =
            super::sequence::Key::Object(crate::sql::ObjectKind::Table, table.base().to_string());
        self.is_new(&key, table.schema())
    }
}

impl StatementCx<'_> {
    pub fn shape(&self) -> &Shape {
        &self.statement.shape
    }

    /// Inside a DO block that catches "already exists" or checks the catalog first.
    pub fn do_guarded(&self) -> bool {
        self.statement.context.do_block.is_some_and(|d| d.guarded)
    }

    /// The span findings point at: the leading keywords through the object name.
    pub fn head_span(&self) -> Range<usize> {
        let shape = self.shape();
        let end = shape
            .object()
            .map_or(shape.head.end, |n| n.range.end.max(shape.head.end));
        shape.head.start..end
    }

    /// A table an earlier statement of the same file (or an earlier pending migration)
    /// creates: nothing else can hold a lock on it, and it has no rows yet, so lock and rewrite
    /// rules stay quiet (squawk issue #349).
    pub fn table_is_new(&self, table: &Name) -> bool {
        self.file.table_is_new(table)
    }

    /// `user_profiles`, or `(unnamed)`.
    pub fn object_text(&self) -> String {
        name_text(self.shape().object())
    }

    pub fn dropped_before(&self, kind: ObjectKind) -> bool {
        self.shape().object().is_some_and(|name| {
            self.guards
                .object_dropped(kind, name, self.shape().table.as_ref())
        })
    }

    /// Inserts `keywords` (e.g. `IF NOT EXISTS`) at `at`, in the case of the keyword before it.
    pub fn insert_fix(&self, at: usize, keywords: &str, applicability: Applicability) -> Fix {
        let cased = match_case(word_before(&self.source.text, at), keywords);
        // Concatenated rather than `format!`ed, and the position looked up once: most
        // findings carry such a fix.
        let position = self.source.line_col(at);
        Fix {
            applicability,
            message: ["Add ", keywords].concat(),
            edits: vec![crate::diagnostics::Edit {
                range: at..at,
                content: [" ", &cased].concat(),
                start: position,
                end: position,
            }],
        }
    }

    /// Wraps the statement in a PostgreSQL DO block whose handler ignores `conditions` (e.g.
    /// `invalid_table_definition`). Unsafe: the same error on a first run is hidden too.
    pub fn exception_guard_fix(&self, conditions: &str, message: &str) -> Option<Fix> {
        let eol = self.source.line_ending();
        let kw = |s: &str| self.keyword_cased(s);
        let handler = format!(
            "{} {} {conditions} {} {};{eol}",
            kw("EXCEPTION"),
            kw("WHEN"),
            kw("THEN"),
            kw("NULL")
        );
        self.wrap_in_do_block(String::new(), handler, message.to_string())
    }

    /// Wraps the statement in a PostgreSQL DO block that runs it only when `condition` (a
    /// catalog check) holds. Unsafe: a missing object is skipped silently. None where a DO
    /// block cannot help.
    pub fn catalog_guard_fix(&self, condition: &str, message: &str) -> Option<Fix> {
        let eol = self.source.line_ending();
        let kw = |s: &str| self.keyword_cased(s);
        let open = format!("{} {condition} {}{eol}", kw("IF"), kw("THEN"));
        let close = format!("{} {};{eol}", kw("END"), kw("IF"));
        self.wrap_in_do_block(open, close, message.to_string())
    }

    /// A statement of a PL/pgSQL body ([`RunsIn::is_plpgsql`]): puts it in an `IF
    /// condition THEN … END IF;` where it stands, on lines of their own at its indentation when
    /// it starts a line, so the block's handlers keep catching what they caught. Unsafe, as
    /// [`Self::catalog_guard_fix`]. None outside such a body, or when `condition` holds a `$`
    /// (it could end the body's dollar quote).
    pub fn catalog_guard_in_body(&self, condition: &str, message: &str) -> Option<Fix> {
        let stmt = self.statement;
        if self.dialect != Dialect::Postgres
            || !self.runs_in.is_plpgsql()
            || stmt.context.do_block.is_none()
            || condition.contains('$')
        {
            return None;
        }
        let text: &str = &self.source.text;
        let start = stmt.range.start;
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let indent = &text[line_start..start];
        let kw = |s: &str| self.keyword_cased(s);
        let (open, close) = if indent.chars().all(|c| c == ' ' || c == '\t') {
            let eol = self.source.line_ending();
            (
                format!("{} {condition} {}{eol}{indent}", kw("IF"), kw("THEN")),
                format!("{eol}{indent}{} {};", kw("END"), kw("IF")),
            )
        } else {
            (
                format!("{} {condition} {} ", kw("IF"), kw("THEN")),
                format!(" {} {};", kw("END"), kw("IF")),
            )
        };
        let terminator = if stmt.terminator.is_some() { "" } else { ";" };
        let end = stmt.range.end;
        Some(Fix {
            applicability: Applicability::Unsafe,
            message: message.to_string(),
            edits: vec![
                self.source.edit(start..start, open),
                self.source.edit(end..end, format!("{terminator}{close}")),
            ],
        })
    }

    /// Wraps the statement in a PostgreSQL DO block that ignores "already exists". Unsafe: it
    /// also hides a conflicting object of the same name. None where a DO block cannot help.
    pub fn do_block_fix(&self) -> Option<Fix> {
        let or = self.keyword_cased("OR");
        // `operator … already exists` is raised as duplicate_function.
        let (extra, extra_message) =
            if self.statement.shape.kind == ShapeKind::Create(ObjectKind::Operator) {
                (format!(" {or} duplicate_function"), ", duplicate_function")
            } else {
                (String::new(), "")
            };
        self.exception_guard_fix(
            &format!("duplicate_object {or} duplicate_table{extra}"),
            &format!(
                "Wrap in a DO block that ignores duplicate_object{extra_message} and duplicate_table"
            ),
        )
    }

    /// `keyword` in the case of the statement's first keyword (`do`, `Do` or `DO`).
    pub fn keyword_cased(&self, keyword: &str) -> String {
        let first_word = self.source.text[self.statement.range.clone()]
            .split(|c: char| !c.is_ascii_alphabetic())
            .next()
            .unwrap_or("");
        match_case(first_word, keyword)
    }

    /// The wrapper every DO-block fix shares: `DO $tag$ BEGIN` + `open` before the statement,
    /// `close` + `END $tag$;` after it, with a dollar-quote tag that neither the statement nor
    /// `open`/`close` contain.
    /// None where a DO block cannot help: another dialect, already inside a DO block, or
    /// CONCURRENTLY (which cannot run inside one).
    fn wrap_in_do_block(&self, open: String, close: String, message: String) -> Option<Fix> {
        let stmt = self.statement;
        if self.dialect != Dialect::Postgres
            || stmt.context.do_block.is_some()
            || stmt.shape.concurrently
        {
            return None;
        }
        // The body is the guard's condition as well as the statement: a name in the condition
        // (`n$preflight$x`, a legal identifier) must not end the dollar quote either.
        let mut tag = "preflight".to_string();
        while [stmt.text(self.source), &open, &close]
            .iter()
            .any(|part| part.contains(&format!("${tag}$")))
        {
            tag.push('_');
        }
        let eol = self.source.line_ending();
        let kw = |s: &str| self.keyword_cased(s);
        let prefix = format!("{} ${tag}$ {}{eol}{open}", kw("DO"), kw("BEGIN"));
        let terminator = if stmt.terminator.is_some() { "" } else { ";" };
        let suffix = format!("{terminator}{eol}{close}{} ${tag}$;", kw("END"));
        let end = stmt.range.end;
        Some(Fix {
            applicability: Applicability::Unsafe,
            message,
            edits: vec![
                self.source.edit(stmt.range.start..stmt.range.start, prefix),
                self.source.edit(end..end, suffix),
            ],
        })
    }
}

/// A SQL string literal of `text`.
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The database's own spelling, for messages: `MySQL has no …`.
pub fn product(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Postgres => "PostgreSQL",
        Dialect::Mysql => "MySQL",
        Dialect::Mariadb => "MariaDB",
        Dialect::Sqlite => "SQLite",
    }
}

pub fn name_text(name: Option<&Name>) -> String {
    name.map_or_else(|| "(unnamed)".to_string(), |n| n.text.clone())
}

/// The word that ends at byte `at` (e.g. `table` in `create table`), or "" if none.
pub fn word_before(text: &str, at: usize) -> &str {
    let head = &text[..at.min(text.len())];
    let start = head
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map_or(0, |i| {
            i + head[i..].chars().next().map_or(1, char::len_utf8)
        });
    &head[start..]
}

/// Writes `keywords` in the case of `sample`: `table` → `if not exists`, `Table` → `If Not
/// Exists`, anything else upper case.
pub fn match_case(sample: &str, keywords: &str) -> String {
    // One pass over the letters, without collecting them: a fix is made for most findings.
    let mut letters = sample.chars().filter(|c| c.is_alphabetic());
    let first = letters.next();
    let (mut more, mut rest_lower) = (false, true);
    for c in letters {
        more = true;
        rest_lower &= c.is_lowercase();
    }
    let lower = first.is_some_and(char::is_lowercase) && rest_lower;
    let title = more && first.is_some_and(char::is_uppercase) && rest_lower;
    if lower {
        keywords.to_lowercase()
    } else if title {
        keywords
            .split(' ')
            .map(|w| {
                let mut cs = w.chars();
                cs.next().map_or(String::new(), |f| {
                    f.to_uppercase()
                        .chain(cs.flat_map(char::to_lowercase))
                        .collect()
                })
            })
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        keywords.to_uppercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserted_keywords_follow_the_authors_case() {
        assert_eq!(match_case("table", "IF NOT EXISTS"), "if not exists");
        assert_eq!(match_case("TABLE", "IF NOT EXISTS"), "IF NOT EXISTS");
        assert_eq!(match_case("Table", "IF NOT EXISTS"), "If Not Exists");
        assert_eq!(match_case("tAbLe", "OR REPLACE"), "OR REPLACE");
        assert_eq!(match_case("", "IF EXISTS"), "IF EXISTS");
    }

    #[test]
    fn word_before_handles_non_ascii_and_edges() {
        assert_eq!(word_before("create table", 12), "table");
        assert_eq!(word_before("ünï table", "ünï table".len()), "table");
        assert_eq!(word_before("ünï", "ünï".len()), "ünï");
        assert_eq!(word_before("x", 0), "");
        assert_eq!(word_before("drop (", 6), "");
    }
}
