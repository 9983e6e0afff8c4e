//! PostgreSQL `DO $$ … $$` blocks: the DDL inside runs at migration time, so it is split out and
//! checked like any other statement; and a block that catches "already exists" errors or checks
//! the catalog before acting is a retry guard.

use super::lexer::{top_level, Tok};
use super::split::{split, RawStatement};
use super::Dialect;
use crate::source::SourceFile;
use sqlparser::tokenizer::Token;
use std::ops::Range;

mod case_fold;
mod catalog_checks;
mod catalog_names;
mod handlers;
mod row_checks;

use case_fold::Compared;
use catalog_checks::{catalog_checked_branches, Branch};
pub(crate) use catalog_names::dropped_names;
pub(crate) use catalog_names::makes_one_relation;
pub(crate) use catalog_names::TakenNames;
use catalog_names::{checked_names, derived_names};
pub use handlers::{column_loss, column_read_fails, ColumnLoss};
use handlers::{
    exception_handlers, mysql_handlers, runs_first_in_block, Handler, MysqlHandler, TypeKnown,
};
use row_checks::row_checked_branches;
pub use row_checks::{row_writes, RowTable};

/// Bytes of the body of a DO statement's dollar-quoted string (between the quotes).
pub fn body_range(source: &SourceFile, tokens: &[Tok]) -> Option<Range<usize>> {
    let body = tokens.iter().find_map(|t| match &t.token {
        Token::DollarQuotedString(s) => Some((t.range.clone(), s.tag.clone().unwrap_or_default())),
        _ => None,
    })?;
    let (range, tag) = body;
    let quote = format!("${tag}$");
    let text = source.text.get(range.clone())?;
    if !(text.starts_with(&quote) && text.ends_with(&quote) && text.len() >= 2 * quote.len()) {
        return None;
    }
    Some(range.start + quote.len()..range.end - quote.len())
}

/// The SQL statements inside a DO body, with PL/pgSQL control words (`BEGIN`, `IF … THEN`,
/// `EXCEPTION WHEN … THEN`) stripped from their front; and all the body's tokens, the `;`
/// between statements included.
pub fn inner_statements(source: &SourceFile, body: Range<usize>) -> (Vec<RawStatement>, Vec<Tok>) {
    let segments = split(source, Dialect::Postgres, body, false);
    let mut all_tokens = Vec::new();
    let mut inner = Vec::new();
    let mut declaring = false;
    for segment in segments.statements {
        if let Some(k) = embedded_start(&segment.tokens, &mut declaring) {
            inner.push(statement_from(&segment, k));
        }
        all_tokens.extend(segment.tokens);
        push_terminator(&mut all_tokens, segment.terminator);
    }
    (inner, all_tokens)
}

/// Appends a body statement's `;` (at `terminator`) to the body's tokens: it tells a block's
/// `END; IF …` from `END IF`, a handler's next `; WHEN` from a CASE's, and where a statement
/// ends.
fn push_terminator(tokens: &mut Vec<Tok>, terminator: Option<Range<usize>>) {
    if let Some(range) = terminator {
        tokens.push(Tok {
            token: Token::SemiColon,
            range,
        });
    }
}

/// The statement of body segment `segment` that starts at its token `k` (control words before
/// it stripped), to the segment's end.
fn statement_from(segment: &RawStatement, k: usize) -> RawStatement {
    let tokens = segment.tokens[k..].to_vec();
    RawStatement {
        range: tokens[0].range.start..segment.range.end,
        tokens,
        terminator: segment.terminator.clone(),
    }
}

/// The statements of a DO body that run SQL the block builds at run time (PL/pgSQL
/// `EXECUTE`, e.g. `EXECUTE format('ALTER TABLE %I …', t)`), or that call a routine `dynamic`
/// says does (`PERFORM f()`): byte ranges, from `EXECUTE` or the statement's start.
pub fn dynamic_statements(
    source: &SourceFile,
    body: Range<usize>,
    dynamic: &dyn Fn(&str) -> bool,
) -> Vec<Range<usize>> {
    let segments = split(source, Dialect::Postgres, body, false);
    let mut out = Vec::new();
    for segment in segments.statements {
        let tokens = &segment.tokens;
        let execute = tokens.iter().enumerate().find(|(k, t)| {
            t.is_kw("EXECUTE")
                && (*k == 0
                    || tokens[k - 1].is(&Token::ShiftRight)
                    || AFTER_CONTROL.iter().any(|s| tokens[k - 1].is_kw(s)))
        });
        if let Some((_, t)) = execute {
            out.push(t.range.start..segment.range.end);
        } else if calls(tokens, dynamic) {
            out.push(segment.range.clone());
        }
    }
    out
}

/// Do `tokens` call a routine `dynamic` accepts (`name (`)?
pub fn calls(tokens: &[Tok], dynamic: &dyn Fn(&str) -> bool) -> bool {
    // `(` first: only a word before one is lower-cased and looked up.
    tokens.windows(2).any(|pair| {
        pair[1].is(&Token::LParen)
            && matches!(&pair[0].token, Token::Word(w) if dynamic(&w.value.to_lowercase()))
    })
}

/// Words that start a DO body statement: schema changes, and the data changes that read tables
/// and columns (PF123: `UPDATE t SET old = …` fails once a later statement dropped `old`).
const SQL_STARTS: &[&str] = &["CREATE", "ALTER", "DROP", "INSERT", "UPDATE", "DELETE"];
/// Statements that lock a table (PF314/PF315 count them, PF313 reads `CLUSTER`), recognised
/// only with a word after them (the table, or `TABLE`/`ONLY`): `LOCK [TABLE] t`, `TRUNCATE
/// [TABLE] t`, `CLUSTER t`; not a variable of that name (`lock := …`, `lock = …`, `lock.f :=
/// …`, its declaration `DECLARE lock boolean;`), nor a column a CASE expression yields (`THEN
/// lock END`). `REINDEX` too (or before its options, `REINDEX (VERBOSE) TABLE t`); PF303 does
/// not ask for `REINDEX CONCURRENTLY` there, which a DO block or a function cannot run.
const LOCKING_STARTS: &[&str] = &["LOCK", "TRUNCATE", "CLUSTER", "REINDEX"];
const AFTER_CONTROL: &[&str] = &["BEGIN", "THEN", "ELSE", "LOOP", "DECLARE"];

/// Where the SQL statement of body segment `tokens` starts, past its control words;
/// `declaring`: whether a block's `DECLARE` section is open before the segment (updated to
/// after it).
fn embedded_start(tokens: &[Tok], declaring: &mut bool) -> Option<usize> {
    let sql = statement_start(tokens, SQL_STARTS, AFTER_CONTROL);
    match (sql, locking_start(tokens, declaring)) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Where a `LOCK`, `TRUNCATE`, `CLUSTER` or `REINDEX` statement ([`LOCKING_STARTS`]) of PL/pgSQL body
/// segment `tokens` starts; `declaring` as for [`embedded_start`].
fn locking_start(tokens: &[Tok], declaring: &mut bool) -> Option<usize> {
    // Whether a `DECLARE` section is open before each token.
    let mut open = *declaring;
    let declares: Vec<bool> = tokens
        .iter()
        .map(|t| {
            let before = open;
            if t.is_kw("DECLARE") {
                open = true;
            } else if t.is_kw("BEGIN") {
                open = false;
            }
            before
        })
        .collect();
    *declaring = open;
    statement_start(tokens, LOCKING_STARTS, AFTER_CONTROL).filter(|&k| {
        if declares[k] {
            return false;
        }
        const NOT_A_TABLE: &[&str] = &[
            "END", "ELSE", "ELSIF", "WHEN", "THEN", "AND", "OR", "IS", "FROM", "INTO", "AS", "IN",
            "NOT", "LOOP",
        ];
        match tokens.get(k + 1) {
            Some(t) if t.is(&Token::LParen) => tokens[k].is_kw("REINDEX"),
            Some(t) => matches!(t.token, Token::Word(_)) && !NOT_A_TABLE.iter().any(|w| t.is_kw(w)),
            None => false,
        }
    })
}

/// Which parts of a DO body are guarded: the statements of a block whose exception handler
/// catches the error their re-run raises ("already exists" / "does not exist", or `WHEN
/// OTHERS`), or those in the scope of a MySQL handler for it; otherwise the branches of
/// `IF [NOT] EXISTS (SELECT … FROM pg_…/information_schema…) THEN … END IF`.
#[derive(Debug, Default)]
pub struct Guarded {
    /// MySQL/MariaDB: `DECLARE … HANDLER`s.
    mysql_handlers: Vec<MysqlHandler>,
    handlers: Vec<Handler>,
    branches: Vec<Branch>,
    /// The catalog stores names as the migration spells them after folding, and compares them
    /// with case (PostgreSQL): a check whose literal differs only in case never finds them.
    exact_names: bool,
    /// MariaDB/MySQL under `lower_case_table_names = 0`: the catalog stores a table's name as
    /// written and compares it with case in `table_name = '…'` ([`crate::sql::tables_exact`]).
    exact_tables: bool,
    /// Every IF's branch (catalog check or not), and the tables its condition reads rows of
    /// (directly, or through a variable a `SELECT … INTO` filled), lower case.
    row_checks: Vec<(Range<usize>, Vec<String>)>,
    /// Every branch of every IF (an `ELSIF`'s too), and the tables the conditions that decide
    /// whether it runs read rows of.
    branch_reads: Vec<(Range<usize>, Vec<RowTable>)>,
    /// The names the file's statements before the body took (`Guarded::with_taken`).
    taken: TakenNames,
}

impl Guarded {
    /// The guards of body `tokens`, in `dialect`.
    pub fn of(tokens: &[Tok], dialect: Dialect) -> Guarded {
        let rows = row_checked_branches(tokens);
        Guarded {
            mysql_handlers: mysql_handlers(tokens, dialect == Dialect::Mariadb),
            handlers: exception_handlers(tokens),
            branches: catalog_checked_branches(tokens),
            exact_names: dialect == Dialect::Postgres,
            exact_tables: matches!(dialect, Dialect::Mysql | Dialect::Mariadb)
                && crate::sql::tables_exact(),
            row_checks: rows.checks,
            branch_reads: rows.reads,
            taken: TakenNames::default(),
        }
    }

    /// These guards for a DO block after statements that took the names `taken` in the
    /// catalog: a default name the block's statements derive avoids them, as the server's
    /// does (`t_pkey` taken: the key is `t_pkey1`), for a catalog check to be judged by.
    pub(crate) fn with_taken(mut self, taken: TakenNames) -> Guarded {
        self.taken = taken;
        self
    }

    /// The names given by [`Guarded::with_taken`], handed back.
    pub(crate) fn into_taken(self) -> TakenNames {
        self.taken
    }

    /// Why the catalog check around statement `statement` (at byte `at`) never finds an object
    /// it creates, when it never does: on PostgreSQL the check compares a literal that differs
    /// from the stored name only in case (`attname = 'gz_jsonData'` for the unquoted
    /// `gz_jsonData`, stored `gz_jsondata`). Such a branch runs again on a retry: it guards
    /// nothing. `None` when no enclosing check has such a literal, one has the exact name, or
    /// an exception handler catches the retry's error anyway.
    pub fn never_finds(&self, at: usize, statement: &super::Statement) -> Option<String> {
        if self.handled(at, statement) {
            return None;
        }
        if self.exact_tables {
            return self.table_never_found(at, statement);
        }
        let mut names = checked_names(statement);
        // `relname = 'Foo_pkey'` around `CREATE TABLE Foo (id int PRIMARY KEY)`: the key is
        // `foo_pkey`, which the check never finds either.
        let own = names.len();
        if self.exact_names {
            names.extend(derived_names(statement, &names, &self.taken));
        }
        let (compared, name) = self.miscased(at, &names, statement)?;
        let how = if names[own..].contains(name) {
            format!("the name it derives as {name}")
        } else if name.chars().any(|c| c.is_ascii_uppercase()) {
            format!("the quoted name as \"{name}\"")
        } else {
            format!("the unquoted name as {name}")
        };
        Some(format!(
            "the guard compares {}, but PostgreSQL stores {how}, so the check never finds it",
            compared.spelled
        ))
    }

    /// [`Guarded::never_finds`] on MariaDB or MySQL under `lower_case_table_names = 0`: the
    /// table a `CREATE TABLE` or `CREATE VIEW` makes, or an `ALTER TABLE` changes, is stored as
    /// written, and `table_name = 'Users'` (or `IN ('Users')`) never finds `users`, while
    /// column names and `LIKE` compare without case (measured on MariaDB 10.11).
    fn table_never_found(&self, at: usize, statement: &super::Statement) -> Option<String> {
        use super::{ObjectKind, ShapeKind};
        let shape = &statement.shape;
        let names: Vec<String> = match &shape.kind {
            ShapeKind::Create(ObjectKind::Table | ObjectKind::View) | ShapeKind::AlterTable => {
                shape
                    .object()
                    .map(|n| n.base().to_string())
                    .into_iter()
                    .collect()
            }
            _ => Vec::new(),
        };
        if names.is_empty() {
            return None;
        }
        let (compared, name) = case_fold::miscased(&self.branches, at, &names, statement, true)?;
        Some(format!(
            "the guard compares {}, but under lower_case_table_names = 0 the server compares a table's name with case and the table is {name}, so the check never finds it",
            compared.spelled
        ))
    }

    /// The first of `names` (as the catalog stores them) that the catalog checks of the
    /// branches around byte `at` compare only with a literal differing in case, with that
    /// literal; never on a server that compares names without case.
    fn miscased<'a>(
        &'a self,
        at: usize,
        names: &'a [String],
        statement: &super::Statement,
    ) -> Option<(&'a Compared, &'a String)> {
        if !self.exact_names {
            return None;
        }
        case_fold::miscased(&self.branches, at, names, statement, false)
    }

    /// Does an IF around byte `at` test rows of `table` (lower case, base name; as written where
    /// table names are compared exactly) first: `IF NOT
    /// EXISTS (SELECT … FROM t WHERE …) THEN INSERT INTO t …`, or `SELECT count(*) INTO v FROM t
    /// WHERE …; IF v = 0 THEN INSERT INTO t …`? Such an INSERT does not run again on a retry
    /// that finds its row.
    pub fn checks_rows(&self, at: usize, table: &str) -> bool {
        self.row_checks
            .iter()
            .any(|(range, tables)| range.contains(&at) && tables.iter().any(|t| t == table))
    }

    /// The tables whose rows the conditions that decide whether byte `at` runs read (those of
    /// the IFs around it, and of the `ELSIF`s before its branch), directly or through a
    /// variable a `SELECT … INTO` filled: `IF (SELECT count(*) FROM t) = 1 THEN`. A retry that
    /// finds other rows there may take another branch.
    pub fn condition_reads(&self, at: usize) -> Vec<RowTable> {
        let mut out: Vec<RowTable> = Vec::new();
        for (_, tables) in self
            .branch_reads
            .iter()
            .filter(|(range, _)| range.contains(&at))
        {
            for table in tables {
                if !out.contains(table) {
                    out.push(table.clone());
                }
            }
        }
        out
    }

    /// Applies the guards around byte `at` of this body to `statement`, which runs there (a
    /// statement of the body, SQL it builds at `at`, or one of a routine a call at `at` runs):
    /// in a branch whose catalog check can find what it creates, or an INSERT behind a check of
    /// its table's rows ([`Guarded::checks_rows`]), it is guarded; a drop the check names is
    /// checked ([`Guarded::drops_checked`]). A guard it already has is kept.
    pub fn apply(
        &self,
        statement: &mut super::Statement,
        at: usize,
        bindings: &super::dynamic::Bindings,
    ) {
        let covered = self.covers(at, statement);
        let never_finds = covered.then(|| self.never_finds(at, statement)).flatten();
        let rows_checked = statement.shape.kind == super::ShapeKind::Insert
            && statement
                .shape
                .object()
                .is_some_and(|t| match crate::sql::tables_exact() {
                    // Row checks key a table's name as written there ([`row_checks`]).
                    true => self.checks_rows(at, t.base()),
                    false => self.checks_rows(at, &t.base().to_lowercase()),
                });
        let checked = self.drops_checked(at, statement, bindings);
        let guards = (covered && never_finds.is_none()) || rows_checked;
        // Asked only of a rename this guards first (kept only then): of any other statement,
        // whose collision is not known, a guard that covers it counts as catching it, and the
        // answer is `false`.
        let newly_guarded = guards
            && statement
                .context
                .do_block
                .is_some_and(|d| !d.guarded && !rows_checked);
        let renames = statement.shape.kind.may_rename();
        let uncaught =
            |kind| newly_guarded && renames && self.collision_uncaught(at, statement, kind);
        let collision_uncaught = uncaught(TypeKnown::Any);
        let enum_collision_uncaught = collision_uncaught && uncaught(TypeKnown::NoComposite);
        let composite_collision_uncaught = collision_uncaught && uncaught(TypeKnown::Composite);
        for table in self.condition_reads(at) {
            if !statement.branch_reads.contains(&table) {
                statement.branch_reads.push(table);
            }
        }
        let Some(d) = statement.context.do_block.as_mut() else {
            return;
        };
        let was_guarded = d.guarded;
        d.guarded |= guards;
        if d.guarded && !was_guarded {
            d.collision_uncaught = collision_uncaught;
            d.enum_collision_uncaught = enum_collision_uncaught;
            d.composite_collision_uncaught = composite_collision_uncaught;
        }
        d.drops_checked |= checked;
        if !was_guarded && statement.guard_note.is_none() {
            statement.guard_note = never_finds;
        }
    }

    /// What the guards around byte `at` keep `statement` there from failing on once what it
    /// reads is gone ([`super::ReadGuard`]): PostgreSQL handlers for `undefined_table` /
    /// `undefined_column`, MySQL/MariaDB ones for 1146 / 1054 (and 1072 for a key's column),
    /// and the IFs whose catalog check holds only while something exists. `None` when none
    /// does.
    pub fn read_guard(
        &self,
        at: usize,
        statement: &super::Statement,
    ) -> Option<Box<super::ReadGuard>> {
        let mut guard = super::ReadGuard::default();
        for h in self.mysql_handlers.iter().filter(|h| h.range.contains(&at)) {
            guard.missing_table |= h.catches_missing_table();
            guard.missing_column |= h.catches_missing_column(statement);
            guard.missing_key_column |= h.catches_missing_key_column(statement);
            guard.missing_parent |= h.catches_missing_parent();
        }
        for h in self.handlers.iter().filter(|h| h.range.contains(&at)) {
            guard.missing_table |= h.catches_missing_table();
            guard.missing_parent |= h.catches_missing_table();
            guard.missing_column |= h.catches_missing_column();
            guard.missing_key_column |= h.catches_missing_column();
            guard.missing_object |= h.catches_missing_object();
            guard.bad_label |= h.catches_bad_label();
            guard.bad_reference |= h.catches_bad_reference();
            for (k, action) in statement.shape.actions.iter().enumerate() {
                if h.catches_constraint_readded(statement, action)
                    && !guard.readded_caught.contains(&k)
                {
                    guard.readded_caught.push(k);
                }
            }
        }
        guard.checks = self
            .branches
            .iter()
            .filter(|b| b.range.contains(&at))
            .filter_map(|b| b.present_mentions.clone())
            .collect();
        (guard != super::ReadGuard::default()).then(|| Box::new(guard))
    }

    /// Which of `before` (the statements of this PL/pgSQL body before `statement`, in order)
    /// keeps `statement` from running again on a retry: one that runs first in a block around
    /// `statement` (`runs_first_in_block`) and whose re-run certainly fails with an error the
    /// block's handler catches. The block ran as one, so a retry meets what the first run
    /// made: that statement fails, the handler takes over, and the rest of the block is
    /// skipped (`CREATE TYPE mood …; CREATE TABLE person …` under `WHEN duplicate_object`).
    /// `tokens`: the body's.
    pub fn fails_first(
        &self,
        tokens: &[Tok],
        before: &[super::Statement],
        statement: &super::Statement,
    ) -> Option<usize> {
        let at = statement.range.start;
        self.handlers
            .iter()
            .filter(|h| h.range.contains(&at))
            .find_map(|h| {
                before.iter().position(|s| {
                    h.range.contains(&s.range.start)
                        && s.range.end <= at
                        && h.catches_certain_failure(s)
                        && runs_first_in_block(tokens, h.range.start, s.range.start)
                })
            })
    }

    /// Is statement `statement`, starting at byte `at`, guarded?
    pub fn covers(&self, at: usize, statement: &super::Statement) -> bool {
        self.handled(at, statement)
            || self
                .branches
                .iter()
                .any(|b| b.range.contains(&at) && b.guards(statement, &self.taken))
    }

    /// Is rename `statement` (at byte `at`) guarded only by PostgreSQL handlers that catch its
    /// retry's error for a missing old name, none of them the "already exists" its retry
    /// raises once the file made the old name again ([`Handler::catches_collision`], of a type
    /// known as `kind` says), and by no catalog check?
    fn collision_uncaught(&self, at: usize, statement: &super::Statement, kind: TypeKnown) -> bool {
        let around = |r: &Range<usize>| r.contains(&at);
        !self.handlers.iter().any(|h| {
            around(&h.range) && h.catches(statement) && h.catches_collision(statement, kind)
        }) && !self
            .mysql_handlers
            .iter()
            .any(|h| around(&h.range) && h.catches(statement))
            && !self
                .branches
                .iter()
                .any(|b| around(&b.range) && b.guards(statement, &self.taken))
    }

    /// Is rename `statement` of the body whose tokens are `tokens`, which no guard covers, in a
    /// block whose PostgreSQL handler catches the "already exists" its retry raises once an
    /// earlier run left the new name (`WHEN duplicate_table` around `ALTER TABLE d2 RENAME TO
    /// d2_old`, `Handler::catches_known_collision`), directly in that block and after nothing
    /// in the body that may remove objects (`runs_first_in_block`)? A retry that reaches it
    /// fails then only when the old name is gone, which the file may rule out by making it
    /// right before the block.
    pub fn collision_caught(&self, tokens: &[Tok], statement: &super::Statement) -> bool {
        let at = statement.range.start;
        let nothing_removed_before = |start: usize| {
            !tokens
                .iter()
                .take_while(|t| t.range.start < start)
                .any(handlers::may_remove)
        };
        self.handlers.iter().any(|h| {
            h.range.contains(&at)
                && h.catches_known_collision(statement)
                && nothing_removed_before(h.range.start)
                && runs_first_in_block(tokens, h.range.start, at)
        })
    }

    /// Does an exception handler whose block holds byte `at` catch the error a re-run of
    /// `statement` raises?
    fn handled(&self, at: usize, statement: &super::Statement) -> bool {
        self.handlers
            .iter()
            .any(|h| h.range.contains(&at) && h.catches(statement))
            || self
                .mysql_handlers
                .iter()
                .any(|h| h.range.contains(&at) && h.catches(statement))
    }

    /// Does the statement `statement`, starting at byte `at`, remove what it drops whenever it
    /// exists, as `DROP … IF EXISTS` does? It does when it sits in a branch whose catalog check
    /// names each object it drops (a literal, or a parameter `bindings` binds to it: `IF EXISTS
    /// (SELECT … WHERE INDEX_NAME = indexName) THEN … DROP INDEX …`): the check finds the object
    /// and it is dropped, or finds none and nothing is there to drop.
    pub fn drops_checked(
        &self,
        at: usize,
        statement: &super::Statement,
        bindings: &super::dynamic::Bindings,
    ) -> bool {
        let names = dropped_names(statement);
        if names.is_empty() {
            return false;
        }
        let condition = self
            .branches
            .iter()
            .filter(|b| b.range.contains(&at))
            .max_by_key(|b| b.range.start)
            .map(|b| (&b.condition, b.in_else));
        let Some((condition, in_else)) = condition else {
            return false;
        };
        // What an `ELSE` of `IF NOT EXISTS (…)` drops exists there.
        let negated = condition.first().is_some_and(|t| t.is_kw("NOT")) != in_else;
        // A check whose literal differs in case never finds the object: it is never dropped.
        !negated
            && names
                .iter()
                .all(|name| condition.iter().any(|t| bindings.names(t, name)))
            && self.miscased(at, &names, statement).is_none()
    }
}

/// A statement of a body (a DO block's or a routine's) that may call routines: its bytes, and
/// the names it may call ([`called_names`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyCall {
    pub range: Range<usize>,
    pub names: Vec<String>,
}

/// The names `tokens` may call, in lower case, in order, each once: every word followed by `(`
/// (`PERFORM f()`, `SELECT s.f(1)`, `x := f()`, `IF f() THEN`) but the table of `INTO t (…)`,
/// and the name after `CALL` (`CALL p`, `CALL db.p()`). Built-in functions and type names
/// (`format(`, `varchar(`) are among them; only names the migrations define as routines mean a
/// call.
pub fn called_names(tokens: &[Tok]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |name: &str| {
        let name = name.to_lowercase();
        if !out.contains(&name) {
            out.push(name);
        }
    };
    for (k, t) in tokens.iter().enumerate() {
        let Token::Word(w) = &t.token else { continue };
        if t.is_kw("CALL") {
            let mut i = k + 1;
            while tokens.get(i + 1).is_some_and(|t| t.is(&Token::Period)) {
                i += 2;
            }
            if let Some(Token::Word(name)) = tokens.get(i).map(|t| &t.token) {
                add(&name.value);
            }
        } else if tokens.get(k + 1).is_some_and(|t| t.is(&Token::LParen))
            && !is_into_target(tokens, k)
        {
            add(&w.value);
        }
    }
    out
}

/// Is the word at `k` the table of `INTO t (columns)` or `INTO s.t (columns)` (not a call)?
fn is_into_target(tokens: &[Tok], k: usize) -> bool {
    let mut i = k;
    while i >= 2
        && tokens[i - 1].is(&Token::Period)
        && matches!(tokens[i - 2].token, Token::Word(_))
    {
        i -= 2;
    }
    i >= 1 && tokens[i - 1].is_kw("INTO")
}

/// Words that start a body statement the replay runs: schema changes as in a DO block, MySQL's
/// `RENAME TABLE`, and data changes (which the replay counts as data: a migration that only
/// calls a routine changing data is a data migration).
const BODY_SQL_STARTS: &[&str] = &[
    "CREATE", "ALTER", "DROP", "INSERT", "RENAME", "UPDATE", "DELETE", "REPLACE",
];
/// Words after which a body statement starts: a DO block's, and MySQL's `WHILE … DO`, `REPEAT`.
const BODY_AFTER_CONTROL: &[&str] = &["BEGIN", "THEN", "ELSE", "LOOP", "DECLARE", "DO", "REPEAT"];

/// The statements of a routine's body (`body`, bytes of `source`, in `dialect`), with control
/// words (`BEGIN`, `IF … THEN`, `ELSE`, a loop's head) stripped from their front as in a DO block
/// ([`inner_statements`]), and the calls it makes outside them (`CALL p()`, `PERFORM f()`, an
/// `IF` condition's `f()`), in body order; with all the body's tokens (the `;` between
/// statements too). `None` when the body cannot be split (a string or comment left
/// open).
pub fn routine_statements(
    source: &SourceFile,
    dialect: Dialect,
    body: Range<usize>,
) -> Option<(Vec<RawStatement>, Vec<BodyCall>, Vec<Tok>)> {
    let segments = split(source, dialect, body, false);
    if segments.error.is_some() {
        return None;
    }
    let mut inner = Vec::new();
    let mut calls = Vec::new();
    let mut all_tokens = Vec::new();
    let mut declaring = false;
    for segment in segments.statements {
        let mut start = statement_start(&segment.tokens, BODY_SQL_STARTS, BODY_AFTER_CONTROL);
        // PL/pgSQL: a `LOCK`, `TRUNCATE` or `CLUSTER` too, as in a DO block. (A MySQL body
        // declares after its `BEGIN`, each declaration on its own.)
        if dialect == Dialect::Postgres {
            if let Some(k) = locking_start(&segment.tokens, &mut declaring) {
                start = Some(start.map_or(k, |s| s.min(k)));
            }
        } else if dialect.is_mysql_family() {
            // A body's `TRUNCATE` commits implicitly as a top-level one does (PF121); no
            // variable starts a statement there. (`LOCK TABLES` is refused in a stored
            // program: "LOCK is not allowed in stored procedures".)
            if let Some(k) = statement_start(&segment.tokens, &["TRUNCATE"], BODY_AFTER_CONTROL) {
                start = Some(start.map_or(k, |s| s.min(k)));
            }
        }
        let head = &segment.tokens[..start.unwrap_or(segment.tokens.len())];
        let names = called_names(head);
        if !names.is_empty() {
            calls.push(BodyCall {
                range: segment.range.clone(),
                names,
            });
        }
        if let Some(k) = start {
            inner.push(statement_from(&segment, k));
        }
        all_tokens.extend(segment.tokens);
        push_terminator(&mut all_tokens, segment.terminator);
    }
    Some((inner, calls, all_tokens))
}

/// Bytes of the body of `CREATE FUNCTION|PROCEDURE` statement `tokens` of `source`: on
/// PostgreSQL its dollar-quoted string, a single-quoted one without escapes, or what is between
/// `BEGIN ATOMIC` and `END`, or from `RETURN` to the end, for a body in SQL or PL/pgSQL; on
/// MySQL/MariaDB from its `BEGIN` (or its single statement) to the end. `None` when the body
/// cannot be read as SQL here (a C, PL/Python … body, a string with escapes).
pub fn routine_body_range(
    source: &SourceFile,
    dialect: Dialect,
    tokens: &[Tok],
) -> Option<Range<usize>> {
    let at = tokens
        .iter()
        .position(|t| t.is_kw("FUNCTION") || t.is_kw("PROCEDURE"))?;
    let open = at + tokens[at..].iter().position(|t| t.is(&Token::LParen))?;
    let close = super::lexer::matching_paren(tokens, open)?;
    let rest = &tokens[close + 1..];
    if dialect.is_mysql_family() {
        const STARTS: &[&str] = &[
            "BEGIN", "CREATE", "ALTER", "DROP", "INSERT", "RENAME", "CALL", "SELECT", "UPDATE",
            "DELETE", "REPLACE", "RETURN", "IF", "WHILE", "LOOP", "REPEAT", "CASE",
        ];
        let labelled = |k: usize| {
            rest.get(k + 1).is_some_and(|t| t.is(&Token::Colon))
                && matches!(rest[k].token, Token::Word(_))
        };
        let start =
            (0..rest.len()).find(|&k| labelled(k) || STARTS.iter().any(|s| rest[k].is_kw(s)))?;
        return Some(rest[start].range.start..rest.last()?.range.end);
    }
    let language = routine_language(rest);
    if !language
        .as_deref()
        .is_none_or(|l| l == "sql" || l == "plpgsql")
    {
        return None;
    }
    if let Some(body) = body_range(source, rest) {
        return Some(body);
    }
    let after_as = rest
        .iter()
        .position(|t| t.is_kw("AS"))
        .and_then(|k| rest.get(k + 1));
    if let Some(t) = after_as {
        let Token::SingleQuotedString(value) = &t.token else {
            return None;
        };
        // The bytes are the body only when nothing in it is escaped (`''`).
        let text = source.text.get(t.range.clone())?;
        return (text.len() == value.len() + 2 && text[1..text.len() - 1] == **value)
            .then(|| t.range.start + 1..t.range.end - 1);
    }
    if let Some(atomic) = rest
        .windows(2)
        .position(|w| w[0].is_kw("BEGIN") && w[1].is_kw("ATOMIC"))
    {
        let end = rest.last().filter(|t| t.is_kw("END"))?;
        return Some(rest[atomic + 1].range.end..end.range.start);
    }
    // A SQL-standard `RETURN expression` body: no statements, and the calls of its expression.
    let at = rest.iter().position(|t| t.is_kw("RETURN"))?;
    Some(rest[at].range.start..rest.last()?.range.end)
}

/// The lower-case `LANGUAGE` of a routine's `CREATE`, from tokens after its parameters.
fn routine_language(rest: &[Tok]) -> Option<String> {
    rest.iter()
        .position(|t| t.is_kw("LANGUAGE"))
        .and_then(|k| rest.get(k + 1))
        .map(|t| match &t.token {
            Token::Word(w) => w.value.to_lowercase(),
            Token::SingleQuotedString(s) => s.to_lowercase(),
            _ => String::new(),
        })
}

/// Is the body of PostgreSQL `CREATE FUNCTION|PROCEDURE` statement `tokens` PL/pgSQL, where an
/// `IF` can hold one of its statements (not SQL, whose body is statements only)?
pub fn is_plpgsql_routine(tokens: &[Tok]) -> bool {
    routine_parts(tokens)
        .is_some_and(|(_, rest)| routine_language(rest).as_deref() == Some("plpgsql"))
}

/// `CREATE FUNCTION|PROCEDURE` statement `tokens` from its `FUNCTION`/`PROCEDURE` keyword on,
/// and the tokens after its parameter list (result, options, body).
fn routine_parts(tokens: &[Tok]) -> Option<(&[Tok], &[Tok])> {
    let at = tokens
        .iter()
        .position(|t| t.is_kw("FUNCTION") || t.is_kw("PROCEDURE"))?;
    let close = tokens[at..]
        .iter()
        .position(|t| t.is(&Token::LParen))
        .and_then(|open| super::lexer::matching_paren(tokens, at + open))?;
    Some((&tokens[at..], &tokens[close + 1..]))
}

/// Is the body of PostgreSQL `CREATE FUNCTION|PROCEDURE` statement `tokens` SQL (`LANGUAGE
/// sql`, or a SQL-standard `BEGIN ATOMIC` body), which PostgreSQL parses and analyses when it
/// creates the routine (with `check_function_bodies` on; a `BEGIN ATOMIC` body always)? Not when
/// a parameter or the result is polymorphic (`anyelement`, …): PostgreSQL then leaves the
/// analysis to the call.
pub fn is_sql_routine(tokens: &[Tok]) -> bool {
    let Some((signature, rest)) = routine_parts(tokens) else {
        return false;
    };
    // The signature and the result: up to the body.
    let polymorphic = signature
        .iter()
        .take_while(|t| !(t.is_kw("AS") || t.is_kw("BEGIN") || t.is_kw("RETURN")))
        .filter_map(Tok::bare_word)
        .any(|w| w.len() > 3 && w.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("any")));
    let atomic = rest
        .windows(2)
        .any(|w| w[0].is_kw("BEGIN") && w[1].is_kw("ATOMIC"));
    !polymorphic && (atomic || routine_language(rest).as_deref() == Some("sql"))
}

/// Does token `k` of body `tokens` start a statement: after a `;`, a label's `:` (MySQL) or
/// `>>` (PL/pgSQL), `BEGIN`, a branch's `THEN`/`ELSE`, a loop's `DO`/`LOOP`/`REPEAT`, or a
/// MySQL handler's condition list (`DECLARE CONTINUE HANDLER FOR 1050 IF …`)?
pub(super) fn starts_statement(tokens: &[Tok], k: usize) -> bool {
    let Some(prev) = k.checked_sub(1).map(|p| &tokens[p]) else {
        return true;
    };
    if prev.is(&Token::SemiColon) || prev.is(&Token::Colon) || prev.is(&Token::ShiftRight) {
        return true;
    }
    let before_prev_end = k >= 2 && tokens[k - 2].is_kw("END");
    if ["BEGIN", "THEN", "ELSE", "DO"]
        .iter()
        .any(|w| prev.is_kw(w))
        || (["LOOP", "REPEAT"].iter().any(|w| prev.is_kw(w)) && !before_prev_end)
    {
        return true;
    }
    // The statement of a handler: the first token after its condition list.
    let from = tokens[..k]
        .iter()
        .rposition(|t| t.is(&Token::SemiColon) || t.is_kw("BEGIN") || t.is_kw("THEN"))
        .map_or(0, |p| p + 1);
    let declare = &tokens[from..k];
    let Some(handler) = declare.iter().position(|t| t.is_kw("HANDLER")) else {
        return false;
    };
    if !(declare.first().is_some_and(|t| t.is_kw("DECLARE"))
        && declare.get(handler + 1).is_some_and(|t| t.is_kw("FOR")))
    {
        return false;
    }
    // The conditions: values, names, `SQLSTATE [VALUE] '…'`, `NOT FOUND`, commas.
    declare[handler + 2..].iter().all(|t| {
        matches!(
            t.token,
            Token::Number(..) | Token::SingleQuotedString(_) | Token::Comma
        ) || (t.bare_word().is_some() && !LOOP_OR_IF.iter().any(|w| t.is_kw(w)))
    })
}

/// An IF statement of a body: its arms, the IF's and each `ELSIF`'s (`ELSEIF`, MySQL), in order,
/// and where it ends.
#[derive(Debug)]
pub(super) struct IfStatement {
    pub(super) arms: Vec<IfArm>,
    /// The index of its own `ELSE`, if it has one (not one of a CASE or an inner IF).
    pub(super) else_at: Option<usize>,
    /// The index of the `IF` of its `END IF`.
    pub(super) end: usize,
}

impl IfStatement {
    /// The index of the token that ends arm `j`'s statements: the next arm's `ELSIF`, the
    /// `ELSE`, or the `END` of `END IF`.
    pub(super) fn arm_end(&self, j: usize) -> usize {
        self.arms
            .get(j + 1)
            .map(|a| a.keyword)
            .or(self.else_at)
            .unwrap_or(self.end.saturating_sub(1))
    }
}

/// An arm of an [`IfStatement`]: the index of its `IF` or `ELSIF`, and the token range of its
/// condition (its end is the index of the arm's `THEN`).
#[derive(Debug)]
pub(super) struct IfArm {
    pub(super) keyword: usize,
    pub(super) condition: Range<usize>,
}

/// The IF statements of body `tokens` that an `END IF` closes, inner ones first; `opens_if`:
/// does the `IF` at an index open one (not DDL's `IF EXISTS`, nor a function `IF(a, b, c)`)?
/// An IF, or an `ELSIF`, with no `THEN` after it opens no arm.
pub(super) fn if_statements(tokens: &[Tok], opens_if: impl Fn(usize) -> bool) -> Vec<IfStatement> {
    let arm = |keyword: usize| {
        let then = tokens[keyword + 1..].iter().position(|t| t.is_kw("THEN"))?;
        Some(IfArm {
            keyword,
            condition: keyword + 1..keyword + 1 + then,
        })
    };
    // What is open: an IF (its arms, when it has any, and its `ELSE`), a CASE (whose `ELSE` is
    // not an IF's), or a block.
    enum Open {
        If(Option<Vec<IfArm>>, Option<usize>),
        Case,
        Block,
    }
    let mut open: Vec<Open> = Vec::new();
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let after_end = i > 0 && tokens[i - 1].is_kw("END");
        let next = tokens.get(i + 1);
        if t.is_kw("IF") && after_end {
            if let Some(at) = open.iter().rposition(|o| matches!(o, Open::If(..))) {
                if let Some(Open::If(Some(arms), else_at)) = open.drain(at..).next() {
                    out.push(IfStatement {
                        arms,
                        else_at,
                        end: i,
                    });
                }
            }
        } else if t.is_kw("ELSIF") || t.is_kw("ELSEIF") {
            if let (Some(Open::If(Some(arms), _)), Some(a)) = (open.last_mut(), arm(i)) {
                arms.push(a);
            }
        } else if t.is_kw("ELSE") {
            if let Some(Open::If(_, else_at)) = open.last_mut() {
                *else_at = Some(i);
            }
        } else if t.is_kw("IF") && opens_if(i) {
            open.push(Open::If(arm(i).map(|a| vec![a]), None));
        } else if t.is_kw("CASE") && !after_end {
            open.push(Open::Case);
        } else if t.is_kw("BEGIN") {
            open.push(Open::Block);
        } else if t.is_kw("END") {
            // `END CASE`, or the `END` of a CASE expression or of a block; not `END IF`,
            // `END LOOP`, MySQL's `END WHILE` / `END REPEAT`.
            let closes_other =
                next.is_some_and(|n| LOOP_OR_IF.iter().any(|w| n.is_kw(w)) && !n.is_kw("CASE"));
            if !closes_other && matches!(open.last(), Some(Open::Case | Open::Block)) {
                open.pop();
            }
        }
    }
    out
}

/// The words that open an IF or a loop statement.
pub(super) const LOOP_OR_IF: [&str; 6] = ["IF", "CASE", "LOOP", "WHILE", "REPEAT", "FOR"];

/// Is word `k` of `tokens` a function called with several arguments (`IF(a, b, c)`,
/// `REPEAT('-', 3)`), not the IF or loop statement the word also starts? An IF or WHILE whose
/// condition starts with a row (`IF (a, b) = (1, 2) THEN`, `WHILE (n, m) < (1, 1) DO`, in
/// PL/pgSQL and in MySQL/MariaDB stored programs) is the statement: its `THEN` (`DO`) comes
/// next, where a call ends an expression (`;`, a CASE expression's `WHEN`/`ELSE`/`END`).
pub(super) fn is_call(tokens: &[Tok], k: usize) -> bool {
    let open = k + 1;
    if !tokens.get(open).is_some_and(|t| t.is(&Token::LParen)) {
        return false;
    }
    let Some(close) = crate::sql::lexer::matching_paren(tokens, open) else {
        return false;
    };
    let arguments = top_level(&tokens[open + 1..close]).any(|(_, t)| t.is(&Token::Comma));
    let opens: &[&str] = match &tokens[k] {
        t if t.is_kw("IF") => &["THEN"],
        // MySQL's `WHILE … DO`, PL/pgSQL's `WHILE … LOOP`.
        t if t.is_kw("WHILE") => &["DO", "LOOP"],
        _ => return arguments,
    };
    arguments && !condition_ends_at(&tokens[close + 1..], opens)
}

/// Do `tokens`, the rest of a condition, reach one of `words` (`THEN`, `DO`) before anything
/// that ends an expression instead: a `;`, a `)` of a parenthesis opened before them, a CASE
/// expression's `WHEN`/`THEN`/`ELSE`/`END`, or a word no condition holds outside parentheses
/// (`INTO`, `FROM`, the start of another statement: a body reader may have dropped the `;`)?
/// CASE expressions and parentheses within them are passed over.
fn condition_ends_at(tokens: &[Tok], words: &[&str]) -> bool {
    const NOT_IN_A_CONDITION: &[&str] = &[
        "THEN", "WHEN", "ELSE", "END", "DO", "LOOP", "INTO", "FROM", "WHERE", "SELECT", "IF",
        "ELSIF", "ELSEIF", "SET", "BEGIN", "DECLARE", "CREATE", "ALTER", "DROP", "INSERT",
        "UPDATE", "DELETE", "RETURN", "CALL", "PERFORM", "EXECUTE", "RAISE",
    ];
    let mut depth = 0usize;
    let mut cases = 0usize;
    for t in tokens {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen if depth == 0 => return false,
            Token::RParen => depth -= 1,
            Token::SemiColon => return false,
            _ => {}
        }
        if depth > 0 {
            continue;
        }
        if t.is_kw("CASE") {
            cases += 1;
        } else if cases > 0 {
            cases -= usize::from(t.is_kw("END"));
        } else if words.iter().any(|w| t.is_kw(w)) {
            return true;
        } else if NOT_IN_A_CONDITION.iter().any(|w| t.is_kw(w)) {
            return false;
        }
    }
    false
}

/// The first token of `tokens` that starts a statement: one of `starts` at the front, after a
/// PL/pgSQL label (`<<name>>`) or after one of `after`.
fn statement_start(tokens: &[Tok], starts: &[&str], after: &[&str]) -> Option<usize> {
    tokens.iter().enumerate().find_map(|(k, t)| {
        let starts_sql = starts.iter().any(|s| t.is_kw(s));
        let after_control = k == 0
            || tokens[k - 1].is(&Token::ShiftRight)
            || after.iter().any(|s| tokens[k - 1].is_kw(s));
        (starts_sql && after_control).then_some(k)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn source(text: &str) -> SourceFile {
        SourceFile::new("t.sql", text)
    }

    /// (guarded, note) of each statement of the DO block `body` on `dialect`: by the handlers
    /// and catalog checks around it, each statement on its own (not by a statement before it
    /// that fails first on a retry: [`first_failures`]).
    pub(super) fn nested_guards(body: &str, dialect: Dialect) -> Vec<(bool, Option<String>)> {
        nested(body, dialect)
            .iter()
            .map(|s| {
                let d = s.context.do_block.unwrap();
                (
                    d.guarded && d.after_failure_of.is_none(),
                    s.guard_note.clone(),
                )
            })
            .collect()
    }

    fn nested(body: &str, dialect: Dialect) -> Vec<crate::sql::Statement> {
        let text = format!("DO $$\nBEGIN\n{body}\nEND $$;");
        let parsed = super::super::parse_source(&source(&text), dialect);
        parsed.statements.into_iter().next().unwrap().nested
    }

    /// Of each statement of PostgreSQL DO block `body`: the statement before it that fails
    /// first on a retry, with an error the block's handler catches ([`Guarded::fails_first`]).
    fn first_failures(body: &str) -> Vec<Option<usize>> {
        nested(body, Dialect::Postgres)
            .iter()
            .map(|s| s.context.do_block.unwrap().after_failure_of)
            .collect()
    }

    /// Whether the guards around the first statement of DO body `body` keep it running once
    /// table `t`, and once its column `old`, is gone.
    fn read_protected(body: &str) -> (bool, bool) {
        let text = format!("DO $$\nBEGIN\n{body}\nEND $$;");
        let parsed = super::super::parse_source(&source(&text), Dialect::Postgres);
        let guard = parsed.statements[0].nested[0].read_guard.clone();
        let guard = guard.unwrap_or_default();
        (guard.protects("t", None), guard.protects("t", Some("old")))
    }

    #[test]
    fn only_a_guard_against_what_is_gone_protects_a_read() {
        let add = "ALTER TABLE t ADD CONSTRAINT c CHECK (old > 0);";
        let handled = |condition: &str| {
            read_protected(&format!("{add}\nEXCEPTION WHEN {condition} THEN NULL;"))
        };
        // The statement's own retry error is no read's.
        assert_eq!(handled("duplicate_object"), (false, false));
        assert_eq!(handled("undefined_table"), (true, false));
        assert_eq!(
            handled("duplicate_object OR undefined_column"),
            (false, true)
        );
        assert_eq!(
            handled("SQLSTATE '42P01' OR SQLSTATE '42703'"),
            (true, true)
        );
        assert_eq!(handled("OTHERS"), (true, true));
        let branch = |check: &str| read_protected(&format!("IF {check} THEN {add} END IF;"));
        let column = "EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('\"t\"') AND attname = 'old' AND NOT attisdropped)";
        assert_eq!(branch(column), (true, true));
        assert_eq!(branch("to_regclass('public.t') IS NOT NULL"), (true, false));
        assert_eq!(
            branch(&format!("to_regclass('t') IS NOT NULL AND {column}")),
            (true, true)
        );
        // Runs when it is gone, or whether or not it is.
        assert_eq!(branch(&format!("NOT {column}")), (false, false));
        assert_eq!(
            branch("NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'c')"),
            (false, false)
        );
        assert_eq!(
            branch(&format!("{column} OR to_regclass('u') IS NULL")),
            (false, false)
        );
        // Another column's check.
        assert_eq!(
            branch("EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'id')"),
            (true, false)
        );
    }

    #[test]
    fn a_statement_after_one_that_fails_first_in_its_block_does_not_run_again() {
        let handler = "\nEXCEPTION WHEN duplicate_object THEN NULL;";
        for (body, expected) in [
            (
                "CREATE TYPE mood AS ENUM ('a');\nCREATE TABLE p (m mood);\nCREATE INDEX i ON p (m);",
                vec![None, Some(0), Some(0)],
            ),
            // Anywhere after it in the block, in an IF or a loop too.
            (
                "CREATE TYPE mood AS ENUM ('a');\nIF true THEN CREATE TABLE p (m mood); END IF;\nFOR r IN 1..2 LOOP CREATE INDEX i ON p (m); END LOOP;",
                vec![None, Some(0), Some(0)],
            ),
            // Not when it sits in an IF, a loop, a CASE or an inner block itself.
            (
                "IF x THEN CREATE TYPE mood AS ENUM ('a'); END IF;\nCREATE TABLE p (m mood);",
                vec![None, None],
            ),
            (
                "LOOP CREATE TYPE mood AS ENUM ('a'); EXIT; END LOOP;\nCREATE TABLE p (m mood);",
                vec![None, None],
            ),
            (
                "CASE x WHEN 1 THEN CREATE TYPE mood AS ENUM ('a'); END CASE;\nCREATE TABLE p (m mood);",
                vec![None, None],
            ),
            (
                "BEGIN CREATE TYPE mood AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN NULL; END;\nCREATE TABLE p (m mood);",
                vec![None, None],
            ),
            // An IF that ended before it leaves it in the block.
            (
                "IF x THEN RAISE NOTICE 'x'; END IF;\nCREATE TYPE mood AS ENUM ('a');\nCREATE TABLE p (m mood);",
                vec![None, Some(0)],
            ),
            // Not after something that may remove what it makes.
            (
                "DROP TYPE IF EXISTS mood CASCADE;\nCREATE TYPE mood AS ENUM ('a');\nCREATE TABLE p (m mood);",
                vec![None, None, None],
            ),
            (
                "EXECUTE 'SELECT 1';\nCREATE TYPE mood AS ENUM ('a');\nCREATE TABLE p (m mood);",
                vec![None, None],
            ),
            // Not what a retry does not certainly fail on, nor an error the handler misses.
            (
                "CREATE TABLE IF NOT EXISTS a (id int);\nCREATE TABLE p (id int);",
                vec![None, None],
            ),
            (
                "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\nCREATE TABLE p (id int);",
                vec![None, None],
            ),
            (
                "CREATE TEMP TABLE a (id int);\nCREATE TABLE p (id int);",
                vec![None, None],
            ),
            ("CREATE TABLE a (id int);\nCREATE TABLE p (id int);", vec![None, None]),
            ("CREATE INDEX ON t (a);\nCREATE TABLE p (id int);", vec![None, None]),
        ] {
            assert_eq!(first_failures(&format!("{body}{handler}")), expected, "{body}");
        }
        // `ALTER TYPE … ADD VALUE` without IF NOT EXISTS fails again too; the handler's
        // SQLSTATE counts.
        assert_eq!(
            first_failures("ALTER TYPE mood ADD VALUE 'c';\nCREATE TABLE p (id int);\nEXCEPTION WHEN SQLSTATE '42710' THEN NULL;"),
            [None, Some(0)]
        );
        assert_eq!(
            first_failures("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'c';\nCREATE TABLE p (id int);\nEXCEPTION WHEN duplicate_object THEN NULL;"),
            [None, None]
        );
        // Without a handler, nothing skips the rest.
        assert_eq!(
            first_failures("CREATE TYPE mood AS ENUM ('a');\nCREATE TABLE p (m mood);"),
            [None, None]
        );
    }

    #[test]
    fn a_row_comparison_opens_an_if_or_while_and_a_call_stays_a_call() {
        // (text, index of the word, whether it is a call).
        let cases = [
            ("IF (a, b) = (1, 2) THEN", 0, false),
            (
                "IF (a, b) = (1, 2) AND CASE WHEN c THEN 1 END = 1 THEN",
                0,
                false,
            ),
            ("WHILE (n, m) < (1, 1) DO", 0, false),
            ("WHILE (n, m) < (1, 1) LOOP", 0, false),
            ("IF(a, 1, 2) = 1;", 0, true),
            ("CASE WHEN c THEN IF(a, 1, 2) ELSE 0 END", 4, true),
            ("CASE x WHEN 1 THEN IF(a, 1, 2) WHEN 2 THEN 3 END", 5, true),
            ("SELECT (IF(a, 1, 2)) INTO v; IF v THEN", 2, true),
            // A body reader may drop the `;`: the next statement's THEN is not this IF's.
            ("SELECT IF(a, 1, 2) INTO v FROM t IF v > 0 THEN", 1, true),
            ("DO IF(a, 1, 2) + CASE WHEN c THEN 1 END", 1, true),
            ("REPEAT('-', 3)", 0, true),
            ("IF (a) THEN", 0, false),
        ];
        for (text, k, call) in cases {
            let lexed = super::super::lexer::lex(Dialect::Mariadb, text, 0..text.len());
            assert_eq!(is_call(&lexed.tokens, k), call, "{text}");
        }
    }

    #[test]
    fn called_names_are_calls_and_call_targets_not_insert_tables() {
        let text = "INSERT INTO s.audit (a) SELECT f(1), S.G(x) FROM t; CALL db.p; CALL q()";
        let lexed = super::super::lexer::lex(Dialect::Postgres, text, 0..text.len());
        assert_eq!(called_names(&lexed.tokens), ["f", "g", "p", "q"]);
    }

    #[test]
    fn routine_bodies_are_found_where_each_dialect_puts_them() {
        let body = |text: &str, dialect: Dialect| {
            let src = source(text);
            let lexed = super::super::lexer::lex(dialect, text, 0..text.len());
            routine_body_range(&src, dialect, &lexed.tokens).map(|r| text[r].to_string())
        };
        let pg = Dialect::Postgres;
        assert_eq!(
            body(
                "CREATE FUNCTION f() RETURNS void AS $b$ SELECT 1 $b$ LANGUAGE plpgsql",
                pg
            )
            .as_deref(),
            Some(" SELECT 1 ")
        );
        assert_eq!(
            body(
                "CREATE PROCEDURE p() LANGUAGE sql AS 'ALTER TABLE t ADD c int'",
                pg
            )
            .as_deref(),
            Some("ALTER TABLE t ADD c int")
        );
        assert_eq!(
            body(
                "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS 'SELECT ''x'''",
                pg
            ),
            None
        );
        assert_eq!(
            body(
                "CREATE FUNCTION f() RETURNS int AS 'MODULE_PATHNAME', 'f' LANGUAGE c",
                pg
            ),
            None
        );
        assert_eq!(
            body(
                "CREATE FUNCTION f() RETURNS int LANGUAGE plpython3u AS $$ return 1 $$",
                pg
            ),
            None
        );
        assert_eq!(
            body("CREATE PROCEDURE p() BEGIN ATOMIC SELECT g(); END", pg).as_deref(),
            Some(" SELECT g(); ")
        );
        assert_eq!(
            body(
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql RETURN g() + 1",
                pg
            )
            .as_deref(),
            Some("RETURN g() + 1")
        );
        let my = Dialect::Mariadb;
        assert_eq!(
            body("CREATE DEFINER=`root`@`%` PROCEDURE p(IN a INT) COMMENT 'x' lbl: BEGIN SELECT 1; END", my).as_deref(),
            Some("lbl: BEGIN SELECT 1; END")
        );
        assert_eq!(
            body(
                "CREATE FUNCTION f() RETURNS VARCHAR(10) DETERMINISTIC RETURN 'a'",
                my
            )
            .as_deref(),
            Some("RETURN 'a'")
        );
        assert_eq!(
            body("CREATE PROCEDURE p() ALTER TABLE t ADD c INT", my).as_deref(),
            Some("ALTER TABLE t ADD c INT")
        );
    }

    /// Whether each statement of procedure body `body` (in `BEGIN … END`) on `dialect` is
    /// guarded.
    fn routine_guards(body: &str, dialect: Dialect) -> Vec<bool> {
        let text = format!("CREATE PROCEDURE p() BEGIN\n{body}\nEND");
        let src = source(&text);
        let parsed = super::super::parse_source(&src, dialect);
        let body = super::super::routine_body(&src, dialect, &parsed.statements[0]).unwrap();
        body.statements
            .iter()
            .map(|s| s.context.do_block.unwrap().guarded)
            .collect()
    }

    #[test]
    fn a_mysql_handler_guards_the_rest_of_its_block_but_not_handler_bodies() {
        let guards = |body: &str| routine_guards(body, Dialect::Mariadb);
        // A nested block's handler guards its statements, not those before or after it.
        assert_eq!(
            guards("CREATE TABLE a (id INT);\nBEGIN\n  DECLARE CONTINUE HANDLER FOR 1050 BEGIN END;\n  CREATE TABLE b (id INT);\nEND;\nCREATE TABLE c (id INT);"),
            [false, true, false]
        );
        // The enclosing block's handler guards a nested block's statements, in loops and IFs.
        assert_eq!(
            guards("DECLARE EXIT HANDLER FOR SQLSTATE VALUE '42S01' BEGIN END;\nlbl: BEGIN\n  WHILE 1 DO\n    IF x THEN CREATE TABLE a (id INT); END IF;\n  END WHILE;\n  SELECT CASE WHEN 1 THEN 2 END;\nEND lbl;\nCREATE TABLE b (id INT);"),
            [true, true]
        );
        // A handler's body is in no handler's scope of its block, but in the enclosing one's.
        assert_eq!(
            guards("DECLARE CONTINUE HANDLER FOR 1050 BEGIN END;\nDECLARE CONTINUE HANDLER FOR 1060 BEGIN CREATE TABLE a (id INT); END;\nCREATE TABLE b (id INT);"),
            [false, true]
        );
        assert_eq!(
            guards("DECLARE CONTINUE HANDLER FOR 1050 BEGIN END;\nBEGIN\n  DECLARE CONTINUE HANDLER FOR 1060 BEGIN CREATE TABLE a (id INT); END;\n  CREATE TABLE b (id INT);\nEND;"),
            [true, true]
        );
        assert_eq!(
            guards("DECLARE CONTINUE HANDLER FOR 1050 IF x THEN CREATE TABLE a (id INT); END IF;\nCREATE TABLE b (id INT);"),
            [false, true]
        );
        // A block's END before an IF or a loop (no `END IF`).
        assert_eq!(
            guards("DECLARE CONTINUE HANDLER FOR 1050 BEGIN END;\nIF x THEN CREATE TABLE a (id INT); END IF;\nWHILE y DO CREATE TABLE b (id INT); END WHILE;"),
            [true, true]
        );
        // A named condition: the innermost declaration of the name.
        assert_eq!(
            guards("DECLARE d CONDITION FOR 1050;\nBEGIN\n  DECLARE d CONDITION FOR 1060;\n  DECLARE CONTINUE HANDLER FOR d BEGIN END;\n  CREATE TABLE a (id INT);\n  ALTER TABLE t ADD COLUMN c INT;\nEND;"),
            [false, true]
        );
    }

    #[test]
    fn a_mysql_handler_whose_statement_is_a_compound_starts_its_scope_after_it() {
        let guards = |body: &str| routine_guards(body, Dialect::Mariadb);
        let handler = "DECLARE CONTINUE HANDLER FOR 1050";
        // The same kind of compound statement nested in the handler's statement: its body's
        // CREATE TABLE a is not in the handler's scope, b after it is.
        for statement in [
            "IF x THEN IF y THEN SET @z = 1; END IF; CREATE TABLE a (id INT); END IF;",
            "WHILE x DO WHILE y DO SET @z = 1; END WHILE; CREATE TABLE a (id INT); END WHILE;",
            "CASE WHEN x THEN CASE WHEN y THEN SET @z = 1; END CASE; CREATE TABLE a (id INT); END CASE;",
            "CASE x WHEN 1 THEN SET @z = CASE WHEN y THEN 1 END; CASE y WHEN 2 THEN SET @z = 2; END CASE; CREATE TABLE a (id INT); END CASE;",
            "lbl: LOOP l2: LOOP LEAVE l2; END LOOP l2; CREATE TABLE a (id INT); LEAVE lbl; END LOOP lbl;",
            "REPEAT REPEAT SET @z = 1; UNTIL 1 END REPEAT; CREATE TABLE a (id INT); UNTIL 1 END REPEAT;",
            "IF x THEN SET @z = IF(y, 1, 2); BEGIN IF y THEN SET @z = 3; END IF; END; ELSE IF y THEN SET @z = 4; END IF; CREATE TABLE a (id INT); END IF;",
            "IF x THEN SELECT 1 FROM c WHERE @z IS NULL; WHILE y DO SET @z = REPEAT('-', 3); END WHILE; CREATE TABLE a (id INT); END IF;",
        ] {
            assert_eq!(
                guards(&format!("{handler} {statement}\nCREATE TABLE b (id INT);")),
                [false, true],
                "{statement}"
            );
        }
        // `IF EXISTS` of a statement opens no IF.
        assert_eq!(
            guards(&format!("{handler} IF x THEN DROP TABLE IF EXISTS c; CREATE TABLE a (id INT); END IF;\nCREATE TABLE b (id INT);")),
            [false, false, true]
        );
        // A handler declared in the handler's statement.
        assert_eq!(
            guards("DECLARE CONTINUE HANDLER FOR 1060 BEGIN DECLARE CONTINUE HANDLER FOR 1050 IF x THEN IF y THEN SET @z = 1; END IF; CREATE TABLE a (id INT); END IF; CREATE TABLE c (id INT); END;\nALTER TABLE t ADD COLUMN d INT;"),
            [false, true, true]
        );
    }

    #[test]
    fn a_mysql_handler_guards_only_statements_whose_retry_raises_what_it_catches() {
        let body = "CREATE TABLE x (id INT);\n\
                    ALTER TABLE t ADD COLUMN c INT;\n\
                    CREATE INDEX i ON t (a);\n\
                    ALTER TABLE t DROP COLUMN c;\n\
                    ALTER TABLE t ADD PRIMARY KEY (id);\n\
                    DROP TABLE x;\n\
                    INSERT INTO u (k) VALUES (1);\n\
                    ALTER TABLE t CHANGE a b INT;\n\
                    RENAME TABLE r TO s;\n\
                    ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (p) REFERENCES q (id);\n\
                    DROP VIEW v;";
        let guards = |condition: &str, dialect: Dialect| {
            let body = format!("DECLARE CONTINUE HANDLER FOR {condition} BEGIN END;\n{body}");
            routine_guards(&body, dialect)
        };
        let maria = |condition: &str| guards(condition, Dialect::Mariadb);
        let (f, t) = (false, true);
        assert_eq!(maria("1060"), [f, t, f, f, f, f, f, f, f, f, f]);
        assert_eq!(maria("SQLSTATE '42000'"), [f, f, t, t, t, f, f, f, f, f, f]);
        assert_eq!(maria("SQLSTATE '42S02'"), [f, f, f, f, f, t, f, f, t, f, t]);
        assert_eq!(maria("1062"), [f, f, f, f, f, f, t, f, f, f, f]);
        assert_eq!(maria("1054, 1146"), [f, f, f, f, f, f, f, t, t, f, f]);
        assert_eq!(maria("1005"), [f, f, f, f, f, f, f, f, f, t, f]);
        assert_eq!(maria("1051"), [f, f, f, f, f, t, f, f, f, f, f]);
        assert_eq!(maria("SQLEXCEPTION"), [t; 11]);
        assert_eq!(maria("SQLWARNING, NOT FOUND"), [f; 11]);
        // MySQL raises other errors for a taken foreign key name and a missing view.
        let mysql = |condition: &str| guards(condition, Dialect::Mysql);
        assert_eq!(mysql("1826"), [f, f, f, f, f, f, f, f, f, t, f]);
        assert_eq!(mysql("1051"), [f, f, f, f, f, t, f, f, f, f, t]);
        // A handler that raises the error again catches nothing, unless it may not.
        let guards = |handler: &str| {
            let body = format!("DECLARE {handler};\nCREATE TABLE a (id INT);");
            routine_guards(&body, Dialect::Mariadb)
        };
        assert_eq!(
            guards("EXIT HANDLER FOR SQLEXCEPTION BEGIN ROLLBACK; RESIGNAL; END"),
            [f]
        );
        assert_eq!(
            guards("CONTINUE HANDLER FOR 1050 SIGNAL SQLSTATE '45000'"),
            [f]
        );
        assert_eq!(
            guards("EXIT HANDLER FOR 1050 BEGIN IF x THEN RESIGNAL; END IF; END"),
            [t]
        );
        assert_eq!(
            guards("EXIT HANDLER FOR 1050 lbl: BEGIN LEAVE lbl; RESIGNAL; END"),
            [t]
        );
        // What a statement raises is not known: any "already exists" / "does not exist" counts.
        assert_eq!(
            routine_guards(
                "DECLARE CONTINUE HANDLER FOR 1061 BEGIN END;\nALTER TABLE t ADD PARTITION (PARTITION p1 VALUES LESS THAN (10));",
                Dialect::Mariadb
            ),
            [true]
        );
    }
}
