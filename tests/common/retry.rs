//! Lint's retry verdicts beside a real server's: the findings of the retry rules (PF1xx/PF2xx)
//! for one migration, and a runner that applies each case twice and lists where lint and the
//! server disagree.

use super::ScratchDb;
use preflight::diagnostics::Finding;
use preflight::lint::{lint_source, LintOptions};
use preflight::runner::{ApplyModel, Runner};
use preflight::source::SourceFile;
use preflight::sql::Dialect;

/// Whether `code` is a retry rule's: the families that predict a second run's failure.
pub fn is_retry_rule(code: &str) -> bool {
    code.starts_with("PF1") || code.starts_with("PF2")
}

/// Lint options for `dialect` and nothing else.
pub fn dialect_options(dialect: Dialect) -> LintOptions {
    LintOptions {
        dialect,
        ..LintOptions::default()
    }
}

/// The retry rules' findings for `sql` linted as the file `m.sql`.
pub fn retry_findings(sql: &str, options: &LintOptions) -> Vec<Finding> {
    lint_source(&SourceFile::new("m.sql", sql), options)
        .into_iter()
        .filter(|f| is_retry_rule(f.rule.code))
        .collect()
}

/// The 1-based lines the retry rules flag in `sql`, in report order.
pub fn retry_flagged_lines(sql: &str, options: &LintOptions) -> Vec<usize> {
    retry_findings(sql, options)
        .into_iter()
        .map(|f| f.location.start.expect("a retry finding has a line").line)
        .collect()
}

/// The 1-based line of the first occurrence of `needle` in `sql`.
pub fn line_of(sql: &str, needle: &str) -> usize {
    let at = sql
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} is not in the case:\n{sql}"));
    sql[..at].matches('\n').count() + 1
}

/// On a fresh database from `new_db`, set up with `setup`, runs `sql` (which must succeed), and
/// returns what a second run of it does: the server's error, if it fails.
pub fn second_run(new_db: fn() -> ScratchDb, setup: &str, sql: &str) -> Result<(), String> {
    let db = new_db();
    db.exec(setup);
    run_twice(&db, sql)
}

/// Runs `sql` on `db` (which must succeed), and returns what a second run of it does: the
/// server's error, if it fails. For a database a test set up itself, or reads afterwards.
pub fn run_twice(db: &ScratchDb, sql: &str) -> Result<(), String> {
    db.exec(sql);
    db.try_exec(sql)
}

/// A migration that runs twice on the server, and where its second run fails.
pub struct RetryCase {
    pub name: &'static str,
    pub sql: String,
    /// A text on the line lint must flag, the statement whose second run fails; `None` when
    /// the file runs twice.
    pub fails_at: Option<&'static str>,
}

/// Runs each case twice on a fresh database from `db`, set up with `setup`, and returns every
/// disagreement: the server's second run against the case's `fails_at`, and lint's retry flags
/// against the line of `fails_at`. Empty when lint, the server and the cases all agree.
pub fn retry_mismatches(
    cases: &[RetryCase],
    options: &LintOptions,
    db: fn() -> ScratchDb,
    setup: &str,
) -> Vec<String> {
    let mut failures = Vec::new();
    for case in cases {
        let retry = second_run(db, setup, &case.sql);
        if retry.is_err() != case.fails_at.is_some() {
            failures.push(format!(
                "{}: the server's verdict on a second run: {retry:?}",
                case.name
            ));
        }
        let expected: Vec<usize> = case
            .fails_at
            .map(|text| line_of(&case.sql, text))
            .into_iter()
            .collect();
        let found = retry_findings(&case.sql, options);
        let lines: Vec<usize> = found
            .iter()
            .map(|f| f.location.start.expect("a retry finding has a line").line)
            .collect();
        if lines != expected {
            let notes: Vec<&Vec<String>> = found.iter().map(|f| &f.notes).collect();
            failures.push(format!(
                "{}: lint flagged lines {lines:?} (notes {notes:?}), a second run fails at {expected:?} ({retry:?})",
                case.name
            ));
        }
    }
    failures
}

/// What a new PostgreSQL session would not have of an earlier one in the same transaction: the
/// parts of `DISCARD ALL` (which a transaction block refuses) and the constraints' default mode.
/// `RESET ALL` goes back to the connection's settings, those of `ALTER DATABASE … SET` too.
pub const NEW_SESSION: &str = "CLOSE ALL;\n\
                               SET SESSION AUTHORIZATION DEFAULT;\n\
                               RESET ALL;\n\
                               DEALLOCATE ALL;\n\
                               UNLISTEN *;\n\
                               SELECT pg_advisory_unlock_all();\n\
                               DISCARD PLANS;\n\
                               DISCARD TEMP;\n\
                               DISCARD SEQUENCES;\n\
                               SET CONSTRAINTS ALL IMMEDIATE;";

/// The 1-based statements that fail on the server in some retry of `statements` the model
/// allows: statement by statement, a crash after any of them (after all of them: the tracker
/// lost the record); under a per-file transaction, a re-run after a committed run. The retry
/// goes on past a failing statement, which changes nothing, and starts as a new session does
/// ([`NEW_SESSION`]: no setting, temporary table, prepared statement or cursor of the first run
/// left). Each try runs in a transaction it rolls back, so one database serves all.
pub fn crash_point_failures(
    db: &ScratchDb,
    statements: &[&str],
    model: Option<ApplyModel>,
) -> Vec<usize> {
    let all = statements.len();
    let crash_points = if model.is_some() { all..=all } else { 1..=all };
    let mut failing = Vec::new();
    for done in crash_points {
        let before = statements[..done].join("\n");
        let mut applied: Vec<&str> = Vec::new();
        for (j, statement) in statements.iter().enumerate() {
            let retry = format!("{}\n{statement}", applied.join("\n"));
            let tried = format!("BEGIN;\n{before}\n{NEW_SESSION}\n{retry}\nROLLBACK;");
            match db.try_exec(&tried) {
                Ok(()) => applied.push(statement),
                Err(_) => failing.push(j + 1),
            }
        }
    }
    failing.sort_unstable();
    failing.dedup();
    failing
}

/// [`crash_point_failures`] for a server whose DDL commits (MariaDB, MySQL), statement by
/// statement: for each crash point a fresh database from `new_db`, set up with `setup`, runs the
/// statements up to it in one session, then all of them again in a new one, going on past a
/// failing one: the retry's session keeps its own settings and user variables from statement to
/// statement, and has none of the first run's.
pub fn fresh_crash_point_failures(
    new_db: fn() -> ScratchDb,
    setup: &str,
    statements: &[&str],
) -> Vec<usize> {
    let retry = statements.join("\n");
    let mut starts = Vec::new();
    let mut line = 1;
    for statement in statements {
        starts.push(line);
        line += statement.matches('\n').count() + 1;
    }
    let mut failing = Vec::new();
    for done in 1..=statements.len() {
        let db = new_db();
        db.exec(setup);
        db.exec(&statements[..done].join("\n"));
        for error_line in db.mariadb_failing_lines(&retry) {
            failing.push(starts.partition_point(|&start| start <= error_line));
        }
    }
    failing.sort_unstable();
    failing.dedup();
    failing
}

/// Asserts that lint's retry flags on MariaDB (every crash point counts; PF119's duplicate rows
/// aside) and the server's failures ([`fresh_crash_point_failures`]) agree on `cases`.
pub fn assert_mariadb_crash_points_agree(setup: &str, cases: &[Case]) {
    let options = dialect_options(Dialect::Mariadb);
    let mut failures = Vec::new();
    for case in cases {
        let server = fresh_crash_point_failures(ScratchDb::mariadb, setup, case.statements);
        let lint = server_error_lines(&(case.statements.join("\n") + "\n"), &options);
        if lint != server {
            failures.push(format!(
                "{}: lint flags lines {lint:?}, the server fails at {server:?}",
                case.name
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The lines lint's retry rules flag in PostgreSQL's `sql` under `model` (`None`: every
/// crash point counts), without PF119: a re-run's duplicate rows are a warning that no
/// server error tells.
pub fn retry_lines_in_model(sql: &str, model: Option<ApplyModel>) -> Vec<usize> {
    let options = LintOptions {
        dialect: Dialect::Postgres,
        runner: model.map(|m| Runner::UNKNOWN.declaring(Some(m))),
        ..LintOptions::default()
    };
    server_error_lines(sql, &options)
}

/// The lines lint's retry rules flag in `sql` under `options`, in order, once each, without
/// PF119: a re-run's duplicate rows are a warning that no server error tells.
fn server_error_lines(sql: &str, options: &LintOptions) -> Vec<usize> {
    let mut lines: Vec<usize> = retry_findings(sql, options)
        .iter()
        .filter(|f| f.rule.code != "PF119")
        .map(|f| f.location.start.expect("a retry finding has a line").line)
        .collect();
    lines.sort_unstable();
    lines.dedup();
    lines
}

/// A migration of one statement a line, for [`crash_point_mismatches`].
pub struct Case {
    pub name: &'static str,
    pub statements: &'static [&'static str],
}

/// Every disagreement between lint's retry flags on PostgreSQL and the server's failures
/// ([`crash_point_failures`] on `db`, set up) for each case, at every crash point and under a
/// per-file transaction.
pub fn crash_point_mismatches(db: &ScratchDb, cases: &[Case]) -> Vec<String> {
    let mut failures = Vec::new();
    for case in cases {
        let sql = case.statements.join("\n") + "\n";
        for model in [None, Some(ApplyModel::FileTransaction)] {
            let server = crash_point_failures(db, case.statements, model);
            let lint = retry_lines_in_model(&sql, model);
            if lint != server {
                failures.push(format!(
                    "{} ({model:?}): lint flags lines {lint:?}, the server fails at {server:?}",
                    case.name
                ));
            }
        }
    }
    failures
}

/// Asserts that lint and PostgreSQL agree on `cases` ([`crash_point_mismatches`]) on a scratch
/// database set up with `setup`, at every crash point and under a per-file transaction.
pub fn assert_crash_points_agree(setup: &str, cases: &[Case]) {
    let db = ScratchDb::postgres();
    db.exec(setup);
    let failures = crash_point_mismatches(&db, cases);
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Every crash point of `file`, split into `parts`: on a fresh database set up with `setup`,
/// the first k statements applied, then the whole file again (k = `parts.len()` is the full
/// re-run a per-file transaction allows); `check` looks at what the retry left.
pub fn after_every_crash_point<S: AsRef<str>>(
    new_db: fn() -> ScratchDb,
    setup: &str,
    parts: &[S],
    file: &str,
    check: impl Fn(&ScratchDb, usize),
) {
    for k in 0..=parts.len() {
        let db = new_db();
        db.exec(setup);
        db.exec(&parts[..k].iter().map(AsRef::as_ref).collect::<String>());
        db.exec(file);
        check(&db, k);
    }
}

/// The top-level statements of `sql` as the fixer's own splitter sees them (DO blocks whole).
pub fn statements(sql: &str, dialect: Dialect) -> Vec<String> {
    let source = SourceFile::new("m.sql", sql);
    preflight::sql::parse_source(&source, dialect)
        .statements
        .iter()
        .map(|s| format!("{}\n", &sql[s.range.clone()]))
        .collect()
}

/// Runs `sql` twice with the `sqlite3` shell (`-bail`: it stops at the first error) on a new
/// database file: the second run's error, if any.
pub fn sqlite_run_twice(sql: &str) -> Result<(), String> {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("m.sqlite");
    let run = || {
        let mut child = std::process::Command::new("sqlite3")
            .arg("-bail")
            .arg(&file)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the sqlite3 shell runs");
        child
            .stdin
            .take()
            .expect("its stdin")
            .write_all(sql.as_bytes())
            .expect("the file reaches sqlite3");
        let out = child.wait_with_output().expect("sqlite3 ends");
        match out.status.success() {
            true => Ok(()),
            false => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
        }
    };
    run().unwrap_or_else(|e| panic!("the first run fails: {e}\n{sql}"));
    run()
}
