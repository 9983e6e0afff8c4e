//! What `verify` will run: the migration files in order, each split (by `sql::parse_source`) into
//! the statements that are executed one by one, so a failure points at a file and line.

use crate::layout::UpPart;
use crate::runner::{ApplyModel, FileModel};
use crate::source::SourceFile;
use crate::sql::{
    parse_source_with, AstMode, Dialect, DirectiveKind, ObjectKind, ShapeKind, Statement,
};
use sqlparser::tokenizer::Token;
use std::ops::Range;

/// One migration file, ready to execute.
#[derive(Debug, Clone)]
pub struct Migration {
    pub source: SourceFile,
    /// Statements executed, in order (transaction-control statements of the file are left out:
    /// the proof manages transactions itself).
    pub steps: Vec<Step>,
    /// Statements of the "up" part that are deliberately not sent (transaction control, which
    /// the proof manages itself; MySQL `USE`).
    pub left_out: Vec<Range<usize>>,
    /// What about this file cannot be proven, said plainly (e.g. psql meta-commands).
    pub unproven: Vec<String>,
    /// It may create or change something that outlives a database (a role, a tablespace,
    /// server settings), so the proof must roll back rather than commit and drop.
    pub touches_cluster: bool,
    /// Why it must not run on the dev server at all (MySQL/MariaDB: it names another
    /// database, which is a real database on that server).
    pub refusal: Option<String>,
    /// How the runner applies it, and why (`crate::runner`); `None` until `apply_in`.
    pub model: Option<FileModel>,
}

#[derive(Debug, Clone)]
pub struct Step {
    /// Bytes of the statement in `source.text`.
    pub range: Range<usize>,
    /// What is sent to the server: the statement without its terminator.
    pub sql: String,
    /// PostgreSQL refuses it inside a transaction block (CREATE INDEX CONCURRENTLY, VACUUM…).
    pub needs_autocommit: bool,
    /// PostgreSQL builds an index concurrently: a failure part-way leaves an INVALID index.
    pub builds_index_concurrently: bool,
    /// A crash right after this statement is possible: it is not inside an explicit
    /// BEGIN … COMMIT block of the file on an engine with transactional DDL.
    pub crash_after_possible: bool,
    /// PostgreSQL `CREATE OR REPLACE VIEW|FUNCTION|PROCEDURE`: it rewrites its catalog rows on
    /// every run, so the re-apply check compares just this object (see `Replaced`).
    pub replaces: Option<Replaced>,
}

/// The object a `CREATE OR REPLACE` statement rewrites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replaced {
    /// The view's name as written (resolved by the server, search_path and quoting included).
    View(String),
    /// A function or procedure: schema (empty when unqualified) and name, normalised.
    Routine { schema: String, name: String },
}

impl Migration {
    pub fn display_path(&self) -> String {
        self.source.display_path()
    }

    /// 1-based line of a step's first token.
    pub fn line_of(&self, step: usize) -> usize {
        self.steps
            .get(step)
            .map_or(1, |s| self.source.line_col(s.range.start).line)
    }

    /// Crash points worth testing: after step `k` (1 ≤ k < steps), where a crash can happen.
    /// After 0 steps is the plain apply; after every step is the re-apply check.
    pub fn crash_points(&self) -> Vec<usize> {
        (1..self.steps.len())
            .filter(|&k| self.steps[k - 1].crash_after_possible)
            .collect()
    }

    pub fn needs_autocommit(&self) -> bool {
        self.steps.iter().any(|s| s.needs_autocommit)
    }

    /// Applies the runner's model: a file the runner runs in one transaction, on an engine
    /// whose DDL is transactional, has no crash points (a crash rolls all of it back, so the
    /// only retry is the re-apply). A statement PostgreSQL refuses in a transaction block
    /// keeps them: no runner can put that file in one transaction.
    pub fn apply_in(&mut self, model: FileModel, dialect: Dialect) {
        if model.model == ApplyModel::FileTransaction
            && dialect.ddl_is_transactional()
            && !self.needs_autocommit()
        {
            for step in &mut self.steps {
                step.crash_after_possible = false;
            }
        }
        self.model = Some(model);
    }

    /// The file runs in one transaction: it has no crash points by the runner's model.
    pub fn in_one_transaction(&self) -> bool {
        self.model
            .as_ref()
            .is_some_and(|m| m.model == ApplyModel::FileTransaction)
            && self.steps.iter().all(|s| !s.crash_after_possible)
    }
}

/// Splits the "up" part of a source (`up`, from the layout model) into steps.
/// `server_version` is PostgreSQL's `server_version_num` (0 when the engine is not PostgreSQL).
pub fn plan(source: SourceFile, up: UpPart, dialect: Dialect, server_version: u32) -> Migration {
    // verify runs text and reads shapes; it never needs an AST.
    let parsed = parse_source_with(&source, dialect, AstMode::WhenUnrecognised);
    let mut steps: Vec<Step> = Vec::new();
    let mut in_explicit_transaction = false;
    let mut touches_cluster = false;
    let mut refusal = None;
    let mut unproven = Vec::new();
    let mut left_out = Vec::new();
    for statement in parsed
        .statements
        .iter()
        .filter(|s| up.contains(&s.range.start))
    {
        let cluster_wide = may_touch_cluster(statement, dialect);
        touches_cluster |= cluster_wide;
        if dialect.is_mysql_family() {
            let line = source.line_col(statement.range.start).line;
            if cluster_wide {
                // MySQL commits every such statement: it would stay on the dev server.
                refusal.get_or_insert(format!(
                    "line {line} creates or changes users, roles, grants or server settings, which would outlive the scratch database on the dev server"
                ));
            }
            if leading_words(statement).first().map(String::as_str) == Some("USE") {
                unproven.push(format!(
                    "line {line}: USE was not run; the proof runs every statement in its scratch database"
                ));
                left_out.push(statement.range.clone());
                continue;
            }
            if let Some(name) = database_qualified_name(statement) {
                refusal.get_or_insert(format!(
                    "line {line} names another database ({}), a real database on the dev server; verify runs migrations only inside its scratch database",
                    crate::diagnostics::code_span(name)
                ));
            }
        }
        let control = transaction_control(statement);
        if control.is_some() {
            left_out.push(statement.range.clone());
        }
        match control {
            Some(TransactionControl::Begin) => {
                in_explicit_transaction = dialect.ddl_is_transactional();
                continue;
            }
            Some(TransactionControl::End) => {
                // Once the block commits, the state after its last statement is durable.
                if in_explicit_transaction {
                    if let Some(last) = steps.last_mut() {
                        last.crash_after_possible = true;
                    }
                }
                in_explicit_transaction = false;
                continue;
            }
            Some(TransactionControl::Other) => continue,
            None => {}
        }
        // A custom DELIMITER (`//`, `$$`) is for the client, not the server.
        let end = statement
            .terminator
            .as_ref()
            .map_or(statement.range.end, |t| t.start);
        let sql = source.text[statement.range.start..end]
            .trim_end()
            .to_string();
        steps.push(Step {
            range: statement.range.clone(),
            needs_autocommit: dialect == Dialect::Postgres
                && refuses_transaction(&leading_words(statement), server_version),
            builds_index_concurrently: dialect == Dialect::Postgres
                && statement.shape.concurrently
                && match &statement.shape.kind {
                    ShapeKind::Create(ObjectKind::Index) => true,
                    ShapeKind::Other(word) => word == "REINDEX",
                    _ => false,
                },
            crash_after_possible: !in_explicit_transaction,
            replaces: (dialect == Dialect::Postgres)
                .then(|| replaced_object(statement))
                .flatten(),
            sql,
        });
    }
    if let Some(error) = &parsed.tokenize_error {
        // The statement there runs to the end of the file: the server decides whether it is
        // valid, but where later statements would end is a guess, so no crash point from there.
        let line = source.line_col(error.offset).line;
        unproven.push(format!(
            "it could not be split after line {line} ({}), so crash points from there were not tried",
            error.message
        ));
        for step in steps.iter_mut().filter(|s| s.range.end > error.offset) {
            step.crash_after_possible = false;
        }
    }
    let meta: Vec<String> = parsed
        .directives
        .iter()
        .filter(|d| d.kind == DirectiveKind::PsqlMeta && up.contains(&d.range.start))
        .map(|d| source.line_col(d.range.start).line.to_string())
        .collect();
    if !meta.is_empty() {
        unproven.push(format!(
            "psql meta-commands (line {}) are instructions to psql, not SQL, and were not run",
            meta.join(", ")
        ));
    }
    Migration {
        source,
        steps,
        left_out,
        unproven,
        touches_cluster,
        refusal,
        model: None,
    }
}

fn replaced_object(statement: &Statement) -> Option<Replaced> {
    let shape = &statement.shape;
    let [name] = shape.names.as_slice() else {
        return None;
    };
    match shape.kind {
        ShapeKind::Create(ObjectKind::View) if shape.or_replace => {
            Some(Replaced::View(name.text.clone()))
        }
        ShapeKind::Create(ObjectKind::Function | ObjectKind::Procedure) if shape.or_replace => {
            let (schema, base) = match name.parts.as_slice() {
                [base] => (String::new(), base.clone()),
                [schema, base] => (schema.clone(), base.clone()),
                _ => return None,
            };
            Some(Replaced::Routine { schema, name: base })
        }
        _ => None,
    }
}

/// MySQL/MariaDB: a `db.table` name in what the statement creates, drops or alters.
fn database_qualified_name(statement: &Statement) -> Option<&str> {
    statement
        .shape
        .names
        .iter()
        .chain(&statement.shape.table)
        .find(|name| name.parts.len() > 1)
        .map(|name| name.text.as_str())
}

/// Conservative: true for anything that might create or change a role, a tablespace, another
/// database or server settings, including inside DO bodies and EXECUTE strings. A false alarm
/// only makes the proof roll back instead of committing.
fn may_touch_cluster(statement: &Statement, dialect: Dialect) -> bool {
    let mut words: Vec<String> = Vec::new();
    for tok in &statement.tokens {
        match &tok.token {
            Token::Word(w) => words.push(w.value.to_ascii_uppercase()),
            Token::DollarQuotedString(s) => words.extend(words_in(&s.value)),
            Token::SingleQuotedString(s) => words.extend(words_in(s)),
            _ => words.push(String::new()),
        }
    }
    let shared = |w: &str| {
        matches!(
            w,
            "ROLE" | "USER" | "GROUP" | "TABLESPACE" | "DATABASE" | "SUBSCRIPTION"
        )
    };
    // PostgreSQL keeps object privileges in the database; role membership is cluster-wide.
    // MySQL keeps every grant in its `mysql` system database.
    let role_grant = matches!(words.first().map(String::as_str), Some("GRANT" | "REVOKE"))
        && (dialect.is_mysql_family() || !words.iter().any(|w| w == "ON"));
    role_grant
        || words
            .windows(2)
            .any(|pair| match (pair[0].as_str(), pair[1].as_str()) {
                ("CREATE" | "ALTER" | "DROP" | "RENAME", next) => shared(next) || next == "SYSTEM",
                ("ON", next) => matches!(next, "ROLE" | "TABLESPACE"),
                _ => false,
            })
}

fn words_in(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map(str::to_ascii_uppercase)
}

/// The first few keywords/identifiers of a statement, upper-cased.
fn leading_words(statement: &Statement) -> Vec<String> {
    statement
        .tokens
        .iter()
        .take(8)
        .map(|t| match t.bare_word() {
            Some(word) => word.to_ascii_uppercase(),
            None => t.token.to_string(),
        })
        .collect()
}

enum TransactionControl {
    Begin,
    End,
    Other,
}

fn transaction_control(statement: &Statement) -> Option<TransactionControl> {
    match &statement.shape.kind {
        ShapeKind::Begin => Some(TransactionControl::Begin),
        ShapeKind::Commit | ShapeKind::Rollback => Some(TransactionControl::End),
        ShapeKind::Other(word) if matches!(word.as_str(), "SAVEPOINT" | "RELEASE" | "ROLLBACK") => {
            Some(TransactionControl::Other)
        }
        _ => None,
    }
}

/// Statements PostgreSQL refuses inside a transaction block.
fn refuses_transaction(words: &[String], server_version: u32) -> bool {
    let w = |i: usize| words.get(i).map_or("", String::as_str);
    let concurrently = words.iter().any(|x| x == "CONCURRENTLY");
    match w(0) {
        "CREATE" | "DROP" => {
            (concurrently && words.iter().any(|x| x == "INDEX"))
                || matches!(w(1), "DATABASE" | "TABLESPACE" | "SUBSCRIPTION")
        }
        "REINDEX" => concurrently || matches!(w(1), "SYSTEM" | "DATABASE"),
        "VACUUM" => true,
        "ALTER" if w(1) == "SYSTEM" => true,
        // ADD VALUE inside a transaction block is allowed from PostgreSQL 12 on.
        "ALTER" if w(1) == "TYPE" => {
            server_version < 120_000
                && words.iter().any(|x| x == "ADD")
                && words.contains(&"VALUE".to_string())
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(source: SourceFile, dialect: Dialect, server_version: u32) -> Migration {
        let up = UpPart::whole(source.text.len());
        super::plan(source, up, dialect, server_version)
    }

    fn steps_of(sql: &str) -> Migration {
        plan(SourceFile::new("m.sql", sql), Dialect::Postgres, 150_000)
    }

    #[test]
    fn transaction_control_is_left_out_and_blocks_have_no_crash_points() {
        let m = steps_of("BEGIN;\nCREATE TABLE a (id int);\nCREATE TABLE b (id int);\nCOMMIT;\nCREATE TABLE c (id int);\nCREATE TABLE d (id int);\n");
        let sql: Vec<&str> = m.steps.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(
            sql,
            [
                "CREATE TABLE a (id int)",
                "CREATE TABLE b (id int)",
                "CREATE TABLE c (id int)",
                "CREATE TABLE d (id int)"
            ]
        );
        // A crash after a (inside the block) rolls a back: that state never exists. After the
        // COMMIT that follows b, and after c, it does.
        assert_eq!(m.crash_points(), vec![2, 3]);
    }

    #[test]
    fn a_mariadb_compound_statement_is_a_step_not_a_transaction() {
        let sql = "DELIMITER ;;\nBEGIN NOT ATOMIC SELECT 1; END;;\nDELIMITER ;\nCREATE TABLE a (id int);\n";
        let m = plan(SourceFile::new("m.sql", sql), Dialect::Mariadb, 101_100);
        assert_eq!(m.steps.len(), 2);
        assert!(m.steps[0].sql.starts_with("BEGIN NOT ATOMIC"));
        assert_eq!(m.crash_points(), vec![1]);
    }

    #[test]
    fn concurrent_index_needs_autocommit() {
        let m = steps_of("CREATE TABLE a (id int);\nCREATE INDEX CONCURRENTLY a_id ON a (id);\nREFRESH MATERIALIZED VIEW CONCURRENTLY v;\n");
        let flags: Vec<bool> = m.steps.iter().map(|s| s.needs_autocommit).collect();
        assert_eq!(flags, [false, true, false]);
        let flags: Vec<bool> = m
            .steps
            .iter()
            .map(|s| s.builds_index_concurrently)
            .collect();
        assert_eq!(flags, [false, true, false]);
    }

    #[test]
    fn enum_add_value_needs_autocommit_only_before_postgres_12() {
        let sql = "ALTER TYPE mood ADD VALUE 'meh';";
        let old = plan(SourceFile::new("m.sql", sql), Dialect::Postgres, 110_000);
        let new = plan(SourceFile::new("m.sql", sql), Dialect::Postgres, 150_000);
        assert!(old.steps[0].needs_autocommit);
        assert!(!new.steps[0].needs_autocommit);
    }

    #[test]
    fn only_the_up_section_runs() {
        let text = "-- migrate:up\nCREATE TABLE a (id int);\n\n--migrate:down\nDROP TABLE a;\n";
        let up = UpPart::sections(crate::layout::Sections::Dbmate.up_ranges(text)).unwrap();
        let m = super::plan(
            SourceFile::new("m.sql", text),
            up,
            Dialect::Postgres,
            150_000,
        );
        assert_eq!(m.steps.len(), 1);
        assert_eq!(m.line_of(0), 2);
    }

    #[test]
    fn a_custom_delimiter_is_not_sent_to_the_server() {
        let m = plan(
            SourceFile::new("m.sql", "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END //\nDELIMITER ;\nCREATE TABLE IF NOT EXISTS t (id int);\n"),
            Dialect::Mariadb,
            0,
        );
        let sql: Vec<&str> = m.steps.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(
            sql,
            [
                "CREATE PROCEDURE p() BEGIN SELECT 1; END",
                "CREATE TABLE IF NOT EXISTS t (id int)"
            ]
        );
        assert_eq!(m.line_of(1), 4);
    }

    #[test]
    fn psql_meta_commands_are_said_to_be_unproven() {
        let m = steps_of("\\set ON_ERROR_STOP on\nCREATE TABLE IF NOT EXISTS t (id int);\n");
        assert_eq!(m.steps.len(), 1);
        assert_eq!(
            m.unproven,
            ["psql meta-commands (line 1) are instructions to psql, not SQL, and were not run"]
        );
    }

    #[test]
    fn no_crash_points_after_an_unterminated_construct() {
        let m = steps_of("CREATE TABLE a (id int);\nCREATE TABLE b (id int);\nDO $$ BEGIN\n");
        assert_eq!(m.steps.len(), 3);
        assert_eq!(m.crash_points(), vec![1, 2]);
        let m = steps_of("CREATE TABLE a (id int);\nDO $$ BEGIN;\nCREATE TABLE b (id int);\n");
        assert_eq!(m.crash_points(), vec![1]);
        assert!(m.unproven[0].starts_with("it could not be split after line 2"));
    }

    #[test]
    fn roles_and_server_settings_are_noticed_even_inside_do_blocks() {
        let touches = |sql: &str| steps_of(sql).touches_cluster;
        let mysql = plan(
            SourceFile::new("m.sql", "GRANT SELECT ON app.* TO 'web'@'%';"),
            Dialect::Mysql,
            0,
        );
        assert!(mysql.touches_cluster);
        assert!(mysql
            .refusal
            .is_some_and(|r| r.starts_with("line 1 creates or changes users")));
        assert!(touches("CREATE ROLE app LOGIN;"));
        assert!(touches("GRANT app TO web;"));
        assert!(touches("ALTER SYSTEM SET work_mem = '8MB';"));
        assert!(touches("COMMENT ON ROLE app IS 'x';"));
        assert!(touches(
            "DO $$ BEGIN CREATE ROLE app; EXCEPTION WHEN duplicate_object THEN NULL; END $$;"
        ));
        assert!(!touches("GRANT SELECT ON users TO app;"));
        assert!(!touches("CREATE TABLE users (id int, role text);"));
        assert!(!touches(
            "CREATE VIEW v AS SELECT role, count(*) FROM users GROUP BY role;"
        ));
    }

    #[test]
    fn mysql_statements_on_another_database_are_refused_and_use_is_not_run() {
        let m = plan(
            SourceFile::new(
                "m.sql",
                "USE app;\nCREATE TABLE IF NOT EXISTS t (id int);\nALTER TABLE app.users ADD COLUMN x int;\n",
            ),
            Dialect::Mariadb,
            0,
        );
        assert_eq!(m.steps.len(), 2);
        assert!(m.unproven[0].starts_with("line 1: USE was not run"));
        assert!(m
            .refusal
            .as_deref()
            .is_some_and(|r| r.starts_with("line 3 names another database (`app.users`)")));
        // Backquoted, the name keeps one code span.
        let quoted = plan(
            SourceFile::new("m.sql", "ALTER TABLE `app`.`users` ADD COLUMN x int;\n"),
            Dialect::Mariadb,
            0,
        );
        let refusal = quoted.refusal.unwrap_or_default();
        assert!(
            refusal.starts_with("line 1 names another database (`` `app`.`users` ``)"),
            "{refusal}"
        );
        // On PostgreSQL a qualified name is a schema inside the scratch database.
        assert!(steps_of("ALTER TABLE app.users ADD COLUMN x int;")
            .refusal
            .is_none());
    }

    #[test]
    fn or_replace_views_and_functions_name_what_they_replace() {
        let m = steps_of("CREATE OR REPLACE VIEW app.v AS SELECT 1;\nCREATE OR REPLACE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql;\nCREATE VIEW w AS SELECT 1;\n");
        let replaced: Vec<Option<Replaced>> = m.steps.iter().map(|s| s.replaces.clone()).collect();
        assert_eq!(
            replaced,
            [
                Some(Replaced::View("app.v".into())),
                Some(Replaced::Routine {
                    schema: String::new(),
                    name: "f".into()
                }),
                None
            ]
        );
    }
}
