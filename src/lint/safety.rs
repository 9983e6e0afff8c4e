//! What the production-safety rules (PF3xx) share: the tokens of one `ALTER TABLE` action,
//! keyword searches at parenthesis depth 0, which tables are live (not created earlier in the
//! file), and the fixes (`CONCURRENTLY`, `NOT VALID` + `VALIDATE CONSTRAINT`,
//! `SET lock_timeout`). Everything works from the statement's tokens and shape: nothing is
//! parsed again.

use super::rule::{match_case, StatementCx};
use crate::diagnostics::{Applicability, Fix};
use crate::runner::ApplyModel;
use crate::source::SourceFile;
use crate::sql::{
    tokens_in, top_level, AlterAction, AlterActionKind, Dialect, Name, ObjectKind, ShapeKind,
    Statement, Tok,
};
use sqlparser::tokenizer::Token;

pub use crate::sql::SERIAL_TYPES;

/// The actions of an `ALTER TABLE` on a table that already holds rows: not one the file
/// created earlier (squawk issue #349), not inside a guarded DO block's catalog check.
pub fn live_table_actions<'a>(
    cx: &'a StatementCx,
) -> impl Iterator<Item = (&'a AlterAction, &'a [Tok])> + 'a {
    let shape = cx.shape();
    let live =
        shape.kind == ShapeKind::AlterTable && !shape.object().is_some_and(|t| cx.table_is_new(t));
    let actions: &[AlterAction] = if live { &shape.actions } else { &[] };
    actions
        .iter()
        .map(move |a| (a, tokens_in(&cx.statement.tokens, &a.range)))
}

/// Position of the first token at parenthesis depth 0 that is the keyword `kw`.
pub fn top_level_kw(tokens: &[Tok], kw: &str) -> Option<usize> {
    top_level(tokens).find(|(_, t)| t.is_kw(kw)).map(|(i, _)| i)
}

/// Does the keyword sequence `kws` occur at parenthesis depth 0?
pub fn has_top_level_seq(tokens: &[Tok], kws: &[&str]) -> bool {
    top_level(tokens).any(|(i, _)| starts_with_kws(&tokens[i..], kws))
}

pub fn starts_with_kws(tokens: &[Tok], kws: &[&str]) -> bool {
    tokens.len() >= kws.len() && kws.iter().zip(tokens).all(|(k, t)| t.is_kw(k))
}

/// `ALTER [COLUMN] name <rest>`: the column's token and the rest of the action.
pub fn alter_column(tokens: &[Tok]) -> Option<(&Tok, &[Tok])> {
    if !tokens.first()?.is_kw("ALTER") {
        return None;
    }
    let at = if tokens.get(1)?.is_kw("COLUMN") { 2 } else { 1 };
    Some((tokens.get(at)?, tokens.get(at + 1..)?))
}

/// A column token's normalised name (unquoted: folded to lower case).
pub use crate::sql::folded as column_name;

/// Functions and type modifiers PostgreSQL does not mark VOLATILE that migrations use in column
/// defaults. Any other call is taken as volatile, as PostgreSQL does for a user function
/// declared without a volatility: evaluated per row, so `ADD COLUMN` rewrites the table.
const NOT_VOLATILE: &[&str] = &[
    "now",
    "transaction_timestamp",
    "current_setting",
    "timezone",
    "lower",
    "upper",
    "coalesce",
    "nullif",
    "greatest",
    "least",
    "concat",
    "length",
    "trim",
    "replace",
    "to_jsonb",
    "to_json",
    "jsonb_build_object",
    "json_build_object",
    "jsonb_build_array",
    "json_build_array",
    "array",
    "make_interval",
    "date_trunc",
    "to_timestamp",
    "cast",
    "row",
    "numeric",
    "decimal",
    "varchar",
    "char",
    "character",
    "varying",
    "bit",
    "timestamp",
    "timestamptz",
    "time",
    "timetz",
    "interval",
    "float",
];

/// The first volatile function called in `tokens` (a DEFAULT expression), if any.
pub fn volatile_call(tokens: &[Tok]) -> Option<&Tok> {
    tokens.windows(2).find_map(|w| {
        let name = match &w[0].token {
            Token::Word(word) => &word.value,
            _ => return None,
        };
        (w[1].is(&Token::LParen) && !NOT_VOLATILE.iter().any(|v| v.eq_ignore_ascii_case(name)))
            .then_some(&w[0])
    })
}

/// Adds `CONCURRENTLY` after the keyword ending at `at`, when the runner is known to run the
/// file outside a transaction; otherwise no fix, and a note saying why.
pub fn concurrently_fix(cx: &StatementCx, at: usize) -> (Option<Fix>, Option<String>) {
    let stmt = cx.statement;
    let why_not = if stmt.context.do_block.is_some() {
        Some("no fix: CONCURRENTLY cannot run inside a DO block".to_string())
    } else if stmt.context.in_transaction {
        Some("no fix: CONCURRENTLY cannot run inside the file's BEGIN … COMMIT block".to_string())
    } else {
        match cx.file.known_model {
            None => Some(
                "no automatic fix: the migration tool is unknown (pass --tracker), and CONCURRENTLY fails if it wraps the file in a transaction".to_string(),
            ),
            Some(ApplyModel::FileTransaction) => Some(
                "no fix: the migration tool runs this file in a transaction, where CONCURRENTLY fails; move the statement to a migration that runs outside one".to_string(),
            ),
            Some(ApplyModel::StatementByStatement) => None,
        }
    };
    if why_not.is_some() {
        return (None, why_not);
    }
    // A runner that sends a multi-statement file as one query runs it in an implicit
    // transaction: only a file of one statement is certainly safe.
    let applicability = if cx.file.only_statement {
        Applicability::Safe
    } else {
        Applicability::Unsafe
    };
    let mut fix = cx.insert_fix(at, "CONCURRENTLY", applicability);
    fix.message = "Add CONCURRENTLY".into();
    let note = (applicability == Applicability::Unsafe).then(|| {
        "the fix is unsafe in a file of several statements: a runner that sends the file as one query runs it in an implicit transaction, where CONCURRENTLY fails".to_string()
    });
    (Some(fix), note)
}

/// Splits `ADD CONSTRAINT name …` into `… NOT VALID` and a following
/// `ALTER TABLE t VALIDATE CONSTRAINT name;`. Unsafe: the two only help when the VALIDATE
/// commits separately, and existing rows are checked later than before.
pub fn not_valid_fix(cx: &StatementCx, action: &AlterAction) -> (Option<Fix>, Option<String>) {
    let stmt = cx.statement;
    let shape = cx.shape();
    let (Some(table), Some(name)) = (shape.object(), &action.name) else {
        return (
            None,
            Some("no fix: the constraint has no name to validate".into()),
        );
    };
    // The constraint goes with a column a later statement drops: on a retry that reached the
    // drop, the VALIDATE finds no constraint (while PF123's guard skips the ADD).
    // (In a DO body: when the DO statement runs.)
    let at = match cx.sequence {
        Some(at) => Some(at),
        None if cx.runs_in.is_in_body() => Some((cx.file.sequence, cx.file.top_index)),
        None => None,
    };
    let dropped_later = at.is_some_and(|(sequence, index)| {
        sequence.removes_anything()
            && super::rules::read_removed_later::alter_table_reads(stmt).is_some_and(|words| {
                sequence
                    .reads_removed_later(index, &words)
                    .iter()
                    .any(|(key, _)| matches!(key, crate::lint::sequence::Key::Column(..)))
            })
    });
    if dropped_later {
        return (
            None,
            Some("no fix: a later statement of this file drops a column the constraint is on, and the constraint with it, so a retry's VALIDATE CONSTRAINT would not find it; add it NOT VALID and VALIDATE it in a migration of its own".into()),
        );
    }
    if shape.actions.len() != 1
        || stmt.context.do_block.is_some()
        || cx.dialect != Dialect::Postgres
    {
        return (None, Some("no fix: split the statement by hand".into()));
    }
    if stmt.context.in_transaction || cx.file.known_model == Some(ApplyModel::FileTransaction) {
        return (
            None,
            Some("no fix: in one transaction the VALIDATE would hold the lock until COMMIT; add the constraint NOT VALID here and VALIDATE it in a later migration".into()),
        );
    }
    let text = &cx.source.text;
    let first = text[stmt.range.clone()]
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("");
    let kw = |k: &str| match_case(first, k);
    let eol = cx.source.line_ending();
    let terminator = if stmt.terminator.is_some() { "" } else { ";" };
    let validate = format!(
        "{terminator}{eol}{} {} {} {};",
        kw("ALTER TABLE"),
        table.text,
        kw("VALIDATE CONSTRAINT"),
        name.text
    );
    let end = action.range.end;
    let fix = Fix {
        applicability: Applicability::Unsafe,
        message: "Add NOT VALID, then VALIDATE CONSTRAINT in a separate statement".into(),
        edits: vec![
            cx.source.edit(end..end, format!(" {}", kw("NOT VALID"))),
            cx.source.edit(stmt.range.end..stmt.range.end, validate),
        ],
    };
    (Some(fix), None)
}

/// `ADD [COLUMN] [IF NOT EXISTS] name <definition>`: the definition's tokens (type first).
pub fn add_column_definition<'a>(action: &AlterAction, tokens: &'a [Tok]) -> Option<&'a [Tok]> {
    if action.kind != AlterActionKind::AddColumn {
        return None;
    }
    let name_end = action.name.as_ref()?.range.end;
    let at = tokens.partition_point(|t| t.range.start < name_end);
    tokens.get(at..)
}

/// `ADD [CONSTRAINT name] <kind> …`: the table constraint's kind keyword (`CHECK`, `FOREIGN`,
/// `UNIQUE`, `PRIMARY`, `EXCLUDE`) and the tokens from it on.
pub fn table_constraint<'a>(
    action: &AlterAction,
    tokens: &'a [Tok],
) -> Option<(String, &'a [Tok])> {
    if action.kind != AlterActionKind::AddConstraint {
        return None;
    }
    let at = if tokens.get(1)?.is_kw("CONSTRAINT") {
        3
    } else {
        1
    };
    let kind = tokens.get(at)?.bare_word()?.to_ascii_uppercase();
    Some((kind, &tokens[at..]))
}

/// Ends with `NOT VALID`.
pub fn not_valid(tokens: &[Tok]) -> bool {
    tokens.len() >= 2 && starts_with_kws(&tokens[tokens.len() - 2..], &["NOT", "VALID"])
}

/// The table a statement locks, as [`takes_table_lock`] reads it.
fn locked_table(stmt: &Statement) -> Option<&Name> {
    let shape = &stmt.shape;
    match shape.kind {
        ShapeKind::AlterTable => shape.object(),
        _ => shape.table.as_ref(),
    }
}

/// Does the statement take a lock that can queue behind (and block) application queries?
/// A lock on a table an earlier statement of the file created (per `sequence`, which stands
/// just before `stmt`) cannot.
pub fn takes_table_lock(
    stmt: &Statement,
    sequence: &super::sequence::Sequence,
    pending: Option<&super::pending::Created>,
) -> bool {
    let shape = &stmt.shape;
    if locked_table(stmt).is_some_and(|t| {
        let key = super::sequence::Key::Object(ObjectKind::Table, t.base().to_string());
        match sequence.state_before_in(&key, t.schema()) {
            Some(created) => created,
            None => pending.is_some_and(|p| p.contains(&key, sequence.schema_of(t.schema()))),
        }
    }) {
        return false;
    }
    match &shape.kind {
        // A foreign key locks the referenced table (SHARE ROW EXCLUSIVE).
        ShapeKind::Create(crate::sql::ObjectKind::Table) => {
            stmt.tokens.iter().any(|t| t.is_kw("REFERENCES"))
        }
        ShapeKind::AlterTable
        | ShapeKind::AlterTypeAddValue
        | ShapeKind::Alter(_)
        | ShapeKind::Rename(_) => true,
        ShapeKind::Create(crate::sql::ObjectKind::Index) => !shape.concurrently,
        ShapeKind::Create(crate::sql::ObjectKind::Trigger) => true,
        ShapeKind::Drop(crate::sql::ObjectKind::Index) => !shape.concurrently,
        // DROP takes an ACCESS EXCLUSIVE lock on what it drops (a view, a table, …).
        ShapeKind::Drop(_) => true,
        ShapeKind::Other(w) => {
            matches!(w.as_str(), "CLUSTER" | "TRUNCATE" | "LOCK")
                || (w == "REINDEX" && !shape.concurrently)
                || (w == "VACUUM" && stmt.tokens.iter().any(|t| t.is_kw("FULL")))
        }
        _ => false,
    }
}

/// What one top-level statement does for PF314/PF315: the statement that takes its first lock
/// (itself, one of its DO body's, or one a routine it calls runs), and the settings it `SET`s
/// before that lock. A DO block or a call takes the locks of what it runs, so a `SET` that
/// covers them goes before it.
pub struct Locks<'a> {
    /// The file being linted.
    pub source: &'a SourceFile,
    /// The top-level statement.
    pub top: &'a Statement,
    /// The statement that takes its first lock, if any.
    pub first: Option<&'a Statement>,
    /// The settings (lower case) it `SET`s before its first lock (all of them, without one).
    pub settings: Vec<String>,
}

impl<'a> Locks<'a> {
    /// No lock and no setting: after the file's first lock nothing more decides PF314/PF315.
    pub fn none(source: &'a SourceFile, top: &'a Statement) -> Locks<'a> {
        Locks {
            source,
            top,
            first: None,
            settings: Vec::new(),
        }
    }

    /// `top`'s locks: itself, then its DO body's statements, then what its calls run
    /// (`runs`). A table one of these statements created before is new, as one an earlier
    /// statement of the file (per `sequence`, standing before `top`) or a pending migration
    /// created is.
    pub fn of(
        source: &'a SourceFile,
        top: &'a Statement,
        runs: impl IntoIterator<Item = &'a Statement>,
        sequence: &super::sequence::Sequence,
        pending: Option<&super::pending::Created>,
    ) -> Locks<'a> {
        let mut locks = Locks::none(source, top);
        let mut created: Vec<&Name> = Vec::new();
        for stmt in std::iter::once(top).chain(&top.nested).chain(runs) {
            locks.settings.extend(set_words(stmt));
            let on_created =
                locked_table(stmt).is_some_and(|t| created.iter().any(|c| c.same_object(t)));
            if !on_created && takes_table_lock(stmt, sequence, pending) {
                locks.first = Some(stmt);
                break;
            }
            if stmt.shape.kind == ShapeKind::Create(ObjectKind::Table) {
                created.extend(stmt.shape.object());
            }
        }
        // A DO body's `SET` and `set_config(…)` are not among its statements: read its
        // text up to the statement that takes the lock.
        if top.shape.kind == ShapeKind::Do {
            if let Some(body) = crate::sql::do_block::body_range(source, &top.tokens) {
                let end = match locks.first {
                    Some(first) if top.nested.iter().any(|n| std::ptr::eq(n, first)) => {
                        first.range.start
                    }
                    _ => body.end,
                };
                let lexed =
                    crate::sql::lexer::lex(Dialect::Postgres, &source.text, body.start..end);
                locks.settings.extend(settings_in(&lexed.tokens));
            }
        }
        locks
    }
}

/// The settings a PL/pgSQL body's tokens set: `SET [SESSION|LOCAL] <setting> …` (the two words
/// after SET, one of which is the setting), `set_config('<setting>', …)`; lower case.
fn settings_in(tokens: &[Tok]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if t.is_kw("SET") {
            out.extend(
                tokens[i + 1..]
                    .iter()
                    .take(2)
                    .filter_map(|w| w.bare_word().map(str::to_ascii_lowercase)),
            );
        } else if t.is_kw("SET_CONFIG") && tokens.get(i + 1).is_some_and(|p| p.is(&Token::LParen)) {
            if let Some(Token::SingleQuotedString(name)) = tokens.get(i + 2).map(|n| &n.token) {
                out.push(name.to_ascii_lowercase());
            }
        }
    }
    out
}

/// `SET [SESSION|LOCAL] <setting> …`: the two words after SET (lower case), one of which is
/// the setting.
fn set_words(statement: &Statement) -> impl Iterator<Item = String> + '_ {
    let t = &statement.tokens;
    let set = t.first().is_some_and(|f| f.is_kw("SET"));
    t.iter()
        .skip(1)
        .take(if set { 2 } else { 0 })
        .filter_map(|w| w.bare_word().map(str::to_ascii_lowercase))
}

/// The statement takes the file's first lock (top-level, in a DO body, or in the body of a
/// routine a call runs: [`Locks`]) and no `SET <setting>` comes before it.
pub fn first_lock_without(cx: &StatementCx, setting: &str) -> bool {
    let locks = cx.file.locks;
    locks.first.is_some_and(|first| {
        std::ptr::eq(first, cx.statement)
            // The engine may check a DO body's statement as a copy (without a guard it drops).
            || (std::ptr::eq(cx.source, locks.source)
                && cx.statement.context.do_block.is_some()
                && locks.top.nested.iter().any(|n| std::ptr::eq(n, first))
                && first.range == cx.statement.range)
    }) && cx.file.history.no_lock_nor_setting(setting)
        && !locks.settings.iter().any(|s| s == setting)
}

/// Inserts `SET <setting> = '<value>';` on its own line before the top-level statement that
/// takes the lock (a DO block or a call: the setting then covers what it runs). Unsafe: the
/// value is a policy choice, and a statement that times out fails the migration instead of
/// waiting. `None` for a statement of another file's routine.
pub fn set_timeout_fix(cx: &StatementCx, setting: &str, value: &str) -> Option<Fix> {
    let locks = cx.file.locks;
    if !std::ptr::eq(cx.source, locks.source) {
        return None;
    }
    let at = locks.top.range.start;
    let first = cx.source.text[locks.top.range.clone()]
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("");
    let set = match_case(first, "SET");
    Some(Fix {
        applicability: Applicability::Unsafe,
        message: format!("Insert `SET {setting} = '{value}'` before it"),
        edits: vec![cx.source.edit(
            at..at,
            format!("{set} {setting} = '{value}';{}", cx.source.line_ending()),
        )],
    })
}

/// For a lock a DO body's statement takes: where the `SET` goes.
pub fn lock_note(cx: &StatementCx) -> Option<String> {
    let top = cx.file.locks.top;
    (top.shape.kind == ShapeKind::Do && std::ptr::eq(cx.source, cx.file.locks.source)).then(|| {
        format!(
            "the DO block on line {} takes this lock: the SET goes before it",
            cx.source.line_col(top.range.start).line
        )
    })
}
