//! `preflight lint`, `fix`, `rules`, `explain`.

use super::{Context, GateArgs, ReportArgs};
use crate::diagnostics::Stage;
use crate::diagnostics::{Applicability, Finding, FixAvailability};
use crate::error::{exit, Error, Result};
use crate::layout::DeployPart;
use crate::lint::{self, LintOptions};
use crate::output::ignore_broken_pipe;
use crate::runner::{ApplyModel, Runner};
use crate::source::SourceFile;
use crate::sql::Dialect;
use crate::{fix, output};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files or directories (walked for .sql files). Default: `[migrations] dir` from preflight.toml.
    pub paths: Vec<PathBuf>,
    /// SQL dialect (default: postgres, or the dialect in preflight.toml).
    #[arg(long, value_enum)]
    pub dialect: Option<Dialect>,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Only files added or changed since this git ref (pull-request mode).
    #[arg(long, value_name = "GIT_REF")]
    pub since: Option<String>,
    /// Migrations absent at this git ref are not deployed yet: a table an earlier one of them
    /// creates is new (no rows, no readers), so the lock rules do not flag statements on it.
    /// Default: `[lint] pending_since`.
    #[arg(long, value_name = "GIT_REF")]
    pub pending_since: Option<String>,
    #[command(flatten)]
    pub rules: RuleSelection,
    #[command(flatten)]
    pub runner: RunnerArgs,
    /// The MySQL/MariaDB server version the online-DDL rules (PF35x) judge for, e.g. 8.0.29 or
    /// 10.11. Default: `[lint] mysql_version`, else MySQL 8.4 / MariaDB 10.6.
    #[arg(long, value_name = "VERSION")]
    pub mysql_version: Option<String>,
    /// The MySQL/MariaDB server's `lower_case_table_names`: 0 (Linux: table, view, database
    /// and trigger names compared exactly, `t` and `T` are two tables), 1 (Windows) or 2
    /// (macOS: compared without case). Default: `[lint] lower_case_table_names`, else 0.
    #[arg(long, value_name = "0|1|2")]
    pub lower_case_table_names: Option<i64>,
}

/// Which rules run (`lint` and `fix`).
#[derive(Debug, Args)]
pub struct RuleSelection {
    /// Enable only these rule codes or prefixes (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Also enable these rule codes or prefixes, e.g. the opt-in PF4 family (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub extend_select: Vec<String>,
    /// Disable these rule codes or prefixes (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
}

/// The migration tool and how it applies a file (`lint` and `fix`).
#[derive(Debug, Args)]
pub struct RunnerArgs {
    /// The tool that applies the migrations (sqlx, flyway, golang-migrate, goose, dbmate,
    /// prisma, diesel, refinery, atlas, generic): decides whether a crash rolls the file back.
    /// Default: `[migrations] tracker`, else detected from the directory layout.
    #[arg(long, value_name = "NAME")]
    pub tracker: Option<String>,
    /// How the runner applies each file, for a runner preflight does not model (a hand-rolled
    /// one, `generic`): `file-transaction` (a crash rolls the file back) or
    /// `statement-by-statement`. Default: `[migrations] apply_model`, else the tool's own model.
    #[arg(long, value_enum, value_name = "MODEL")]
    pub apply_model: Option<ApplyModel>,
    /// SQL the runner executes before every run of each file (e.g. `DROP SCHEMA IF EXISTS r
    /// CASCADE; CREATE SCHEMA r;`): a creation of what it removes survives a retry. Repeatable;
    /// adds to `[[migrations.before_each_run]]`.
    #[arg(long, value_name = "SQL")]
    pub before_each_run: Vec<String>,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    /// Files or directories. Default: `[migrations] dir` from preflight.toml.
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum)]
    pub dialect: Option<Dialect>,
    /// Print a unified diff and write nothing.
    #[arg(long)]
    pub diff: bool,
    /// Write nothing, say what would change, and exit as `lint` would on the same files.
    #[arg(long)]
    pub check: bool,
    /// Also apply unsafe fixes (guarded DO blocks).
    #[arg(long)]
    pub unsafe_fixes: bool,
    #[command(flatten)]
    pub rules: RuleSelection,
    /// The gate `--check` exits by (as in `lint`).
    #[command(flatten)]
    pub gate: GateArgs,
    #[command(flatten)]
    pub runner: RunnerArgs,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule code (e.g. PF101) or name.
    pub rule: String,
}

pub fn run_lint(args: LintArgs, ctx: &Context) -> Result<i32> {
    let mut options = lint_options(ctx, args.dialect, &args.rules, &args.runner)?;
    if let Some(text) = &args.mysql_version {
        options.mysql_version = Some(lint::ServerVersion::parse(text).ok_or_else(|| {
            Error::Usage(format!(
                "--mysql-version: `{text}` is not a server version; write it like 8.0.29 (MySQL) or 10.11 (MariaDB)"
            ))
        })?);
    }
    if let Some(v) = args.lower_case_table_names {
        let tables = crate::sql::LowerCaseTableNames::from_value(v).ok_or_else(|| {
            Error::Usage(format!(
                "--lower-case-table-names: `{v}` is not 0, 1 or 2 (the server's variable)"
            ))
        })?;
        options = options.with_lower_case_table_names(tables)?;
    }
    options.since = args.since.clone();
    if let Some(rev) = &args.pending_since {
        options.pending_since = Some(lint::PendingSince {
            rev: rev.clone(),
            setting: "--pending-since".into(),
        });
    }
    let paths = paths_or_configured(args.paths, ctx)?;
    // Runner detection reads the directories lint reads again: through one reader.
    options.reader = Some(std::sync::Arc::new(crate::layout::Reader::shared()));
    options.runner = Some(runner(ctx, &args.runner, &paths, options.reader())?);
    if options
        .before_each_run
        .iter()
        .any(|b| !b.patterns.is_empty())
    {
        warn_unmatched_before_each_run(&options, &lint::collect_sql_files(&paths, &options)?, ctx);
    }
    let gate = ctx.gate(Stage::Lint, &args.report.gate);
    // A reader that stops early (`| head`) ends the output, not the run: the exit code stays
    // the gate's.
    let writing = |e: std::io::Error| Error::Other(format!("writing the report: {e}"));
    let format = args.report.format;
    if !output::streamable(format) {
        let report = lint::lint_paths(&paths, &options)?;
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        output::write_report(&report, format, &mut out, ctx.color)
            .and_then(|()| out.flush())
            .or_else(ignore_broken_pipe)
            .map_err(writing)?;
        note_nothing_changed(&options, report.files_checked, ctx);
        note_unknown_runner(&options, ctx);
        return Ok(gate.exit_code(&report.findings));
    }
    // Human, JSON and SARIF are written as lint finds: memory does not grow with the findings.
    let mut stream = None;
    let mut judgement = gate.judge(&[]);
    let mut failed: Option<std::io::Error> = None;
    let mut sink = |source: &SourceFile, finding: Finding| {
        let one = gate.judge(std::slice::from_ref(&finding));
        judgement.reached += one.reached;
        judgement.unknown += one.unknown;
        if failed.is_some() {
            return;
        }
        if stream.is_none() {
            match output::FindingStream::begin("lint", format, std::io::stdout().lock(), ctx.color)
            {
                Ok(s) => stream = Some(s),
                Err(e) => return failed = Some(e),
            }
        }
        if let Some(Err(e)) = stream.as_mut().map(|s| s.finding(source, finding)) {
            failed = Some(e);
        }
    };
    let report = lint::lint_paths_each(&paths, &options, false, &mut sink)?;
    match failed {
        Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Some(e) => return Err(writing(e)),
        None => {
            let stream = match stream {
                Some(s) => Some(s),
                None => match output::FindingStream::begin(
                    "lint",
                    format,
                    std::io::stdout().lock(),
                    ctx.color,
                ) {
                    Ok(s) => Some(s),
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => None,
                    Err(e) => return Err(writing(e)),
                },
            };
            if let Some(stream) = stream {
                stream
                    .finish(&report)
                    .map(|_| ())
                    .or_else(ignore_broken_pipe)
                    .map_err(writing)?;
            }
        }
    }
    note_nothing_changed(&options, report.files_checked, ctx);
    note_unknown_runner(&options, ctx);
    Ok(judgement.exit_code())
}

/// `--since REV` that leaves no file is a pass (the change touched no migration), said so:
/// "No findings." alone reads as if the migrations had been checked.
fn note_nothing_changed(options: &lint::LintOptions, files_checked: usize, ctx: &Context) {
    if let (Some(rev), 0, false) = (&options.since, files_checked, ctx.quiet) {
        crate::say!("note: no .sql file changed since {rev}: nothing was linted");
    }
}

pub fn run_fix(args: FixArgs, ctx: &Context) -> Result<i32> {
    let mut options = lint_options(ctx, args.dialect, &args.rules, &args.runner)?;
    let paths = paths_or_configured(args.paths, ctx)?;
    options.runner = Some(runner(ctx, &args.runner, &paths, options.reader())?);
    let files = lint::collect_sql_files(&paths, &options)?;
    warn_unmatched_before_each_run(&options, &files, ctx);
    // `--check` reports the files the tool never runs (PF007) as lint does.
    options.never_run = Some(lint::never_run_for(&paths, &files, &options));
    let write = !(args.diff || args.check);
    let mut stdout = std::io::stdout().lock();
    // Notes and summaries: lost, not fatal, when stderr is closed (`2>&1 | head`).
    let mut stderr = std::io::stderr().lock();
    let (mut changed_files, mut applied, mut remaining, mut unsafe_available) = (0, 0, 0, 0);
    // `--check` judges the files as they are, exactly as `lint` does.
    let mut found = Vec::new();
    for path in &files {
        let source = SourceFile::read(path)?;
        if let DeployPart::NotRun(reason) = lint::deploy_part(&source, &options) {
            note_not_linted(&source.display_path(), reason, ctx);
            continue;
        }
        let outcome = fix::fix_source(&source, &options, args.unsafe_fixes);
        if args.check {
            found.extend(outcome.found.iter().cloned());
        }
        remaining += outcome.remaining.len();
        unsafe_available += outcome
            .remaining
            .iter()
            .filter(|f| {
                f.fix
                    .as_ref()
                    .is_some_and(|x| x.applicability == Applicability::Unsafe)
            })
            .count();
        if !ctx.quiet {
            for lost in &outcome.lost {
                let at = lost
                    .finding
                    .location
                    .start
                    .map_or(String::new(), |p| format!(":{}:{}", p.line, p.column));
                let _ = writeln!(
                    stderr,
                    "note: {}{at}: {}'s fix was not applied: {}",
                    source.display_path(),
                    lost.finding.code(),
                    lost.reason,
                );
            }
        }
        if !outcome.changed(&source) {
            continue;
        }
        changed_files += 1;
        applied += outcome.applied.len();
        if args.diff {
            let name = source.display_path();
            let diff = similar::TextDiff::from_lines(&*source.text, &outcome.fixed);
            let rendered = diff
                .unified_diff()
                .context_radius(3)
                .header(&format!("a/{name}"), &format!("b/{name}"))
                .to_string();
            write!(stdout, "{rendered}")
                .or_else(ignore_broken_pipe)
                .map_err(io_error)?;
        } else if args.check {
            if !ctx.quiet {
                let _ = writeln!(
                    stderr,
                    "would fix {}: {}",
                    source.display_path(),
                    summary(&outcome.applied)
                );
            }
        } else {
            fix::write_atomically(path, &outcome.fixed)?;
            if !ctx.quiet {
                let _ = writeln!(
                    stderr,
                    "fixed {}: {}",
                    source.display_path(),
                    summary(&outcome.applied)
                );
            }
        }
    }
    if !ctx.quiet {
        let verb = if write { "Fixed" } else { "Would fix" };
        let _ = writeln!(
            stderr,
            "{verb} {applied} issue{} in {changed_files} of {} file{}; {remaining} finding{} left without an automatic fix{}.",
            plural(applied),
            files.len(),
            plural(files.len()),
            plural(remaining),
            if unsafe_available > 0 {
                format!(" ({unsafe_available} fixable with --unsafe-fixes)")
            } else {
                String::new()
            }
        );
        note_unknown_runner(&options, ctx);
        if changed_files > 0 {
            let _ = writeln!(
                stderr,
                "note: editing a migration that was already applied changes its checksum: sqlx, Flyway, Prisma and similar trackers will report a mismatch or refuse to run. Fix only migrations that have not been applied anywhere, or repair the tracker's checksum (e.g. `flyway repair`) afterwards."
            );
        }
    }
    Ok(if args.check {
        ctx.gate(Stage::Lint, &args.gate).exit_code(&found)
    } else {
        exit::OK
    })
}

pub fn run_rules(args: RulesArgs, _ctx: &Context) -> Result<i32> {
    let rules = crate::all_rules();
    let mut out = std::io::stdout().lock();
    if args.json {
        let list: Vec<_> = rules
            .iter()
            .map(|r| {
                serde_json::json!({
                    "code": r.code,
                    "name": r.name,
                    "severity": r.default_severity,
                    "fix": r.fix.applicability(),
                    "fix_availability": r.fix.word(),
                    "fix_limitation": r.fix.limitation(),
                    "summary": r.summary,
                    "command": crate::registry::family_of(r.code).map(|f| f.command),
                    "dialects": lint::dialects_of(r.code)
                        .map(|ds| ds.iter().map(|d| d.name()).collect::<Vec<_>>()),
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &list)
            .map_err(std::io::Error::from)
            .or_else(ignore_broken_pipe)
            .map_err(io_error)?;
        writeln!(out)
            .or_else(ignore_broken_pipe)
            .map_err(io_error)?;
        return Ok(exit::OK);
    }
    let name_width = rules.iter().map(|r| r.name.len()).max().unwrap_or(0);
    writeln!(
        out,
        "{:<6} {:<8} {:<12} {:<name_width$} SUMMARY",
        "CODE", "SEVERITY", "FIX", "NAME"
    )
    .or_else(ignore_broken_pipe)
    .map_err(io_error)?;
    for r in &rules {
        writeln!(
            out,
            "{:<6} {:<8} {:<12} {:<name_width$} {}",
            r.code,
            r.default_severity.to_string(),
            fix_column(r.fix),
            r.name,
            r.summary
        )
        .or_else(ignore_broken_pipe)
        .map_err(io_error)?;
    }
    writeln!(
        out,
        "\n`some`: only some findings of the rule carry the fix; `preflight explain CODE` says which."
    )
    .or_else(ignore_broken_pipe).map_err(io_error)?;
    Ok(exit::OK)
}

/// `safe`, `unsafe`, `safe, some`, `unsafe, some` or `-`.
fn fix_column(fix: FixAvailability) -> String {
    let label = |a: Applicability| match a {
        Applicability::Safe => "safe",
        Applicability::Unsafe => "unsafe",
    };
    match fix {
        FixAvailability::Never => "-".to_string(),
        FixAvailability::Always(a) => label(a).to_string(),
        FixAvailability::Sometimes(a, _) => format!("{}, some", label(a)),
    }
}

/// The line `explain` prints under a rule's document.
fn fix_sentence(fix: FixAvailability) -> String {
    let label = |a: Applicability| match a {
        Applicability::Safe => "safe",
        Applicability::Unsafe => "unsafe (applied with --unsafe-fixes)",
    };
    match fix {
        FixAvailability::Never => "none".to_string(),
        FixAvailability::Always(a) => format!("{}, on every finding", label(a)),
        FixAvailability::Sometimes(a, when) => format!("{}, on some findings: {when}", label(a)),
    }
}

pub fn run_explain(args: ExplainArgs, _ctx: &Context) -> Result<i32> {
    let wanted = args.rule.trim();
    let rule = crate::registry::find(wanted).ok_or_else(|| {
        Error::Usage(format!(
            "no rule is called `{wanted}`; `preflight rules` lists them"
        ))
    })?;
    let mut out = std::io::stdout().lock();
    write!(out, "{}", rule.doc)
        .or_else(ignore_broken_pipe)
        .map_err(io_error)?;
    if !rule.doc.ends_with('\n') {
        writeln!(out)
            .or_else(ignore_broken_pipe)
            .map_err(io_error)?;
    }
    let command = crate::registry::family_of(rule.code).map_or("?", |f| f.command);
    writeln!(
        out,
        "\n---\nReported by: preflight {command}\nDefault severity: {}\nAutomatic fix: {}",
        rule.default_severity,
        fix_sentence(rule.fix)
    )
    .or_else(ignore_broken_pipe)
    .map_err(io_error)?;
    Ok(exit::OK)
}

fn lint_options(
    ctx: &Context,
    dialect: Option<Dialect>,
    rules: &RuleSelection,
    runner: &RunnerArgs,
) -> Result<LintOptions> {
    let mut options = LintOptions::from_config(&ctx.config)?.with_cli_rules(
        &rules.select,
        &rules.extend_select,
        &rules.ignore,
    )?;
    if let Some(d) = dialect {
        options = options.with_dialect(d)?;
    }
    for sql in &runner.before_each_run {
        let entry = lint::BeforeEachRun::for_every_file(
            sql,
            options.dialect,
            options.lower_case_table_names,
        )?;
        options.before_each_run.push(entry);
    }
    Ok(options)
}

/// Said for each `[[migrations.before_each_run]]` glob that matches no file, linted or on
/// disk: a typo there would silently bring the findings back (or never remove them).
fn warn_unmatched_before_each_run(options: &LintOptions, files: &[PathBuf], ctx: &Context) {
    if ctx.quiet {
        return;
    }
    for entry in &options.before_each_run {
        for pattern in entry.unmatched_patterns(files) {
            crate::say!(
                "warning: {}.paths: `{pattern}` matches no file (none of the {} linted, none under \
                 the config's directory or [migrations] dir)",
                entry.setting,
                files.len(),
            );
        }
    }
}

/// The migration tool: `--tracker`, else `[migrations] tracker`, else the one tool whose file
/// layout every path's directory has; with the apply model `--apply-model` or `[migrations]
/// apply_model` declares. Unknown is said once, on stderr: every crash point is assumed.
fn runner(
    ctx: &Context,
    args: &RunnerArgs,
    paths: &[PathBuf],
    reader: &crate::layout::Reader,
) -> Result<Runner> {
    let named = args
        .tracker
        .as_deref()
        .or(ctx.config.migrations.tracker.as_deref());
    let runner = match named {
        Some(name) if !name.eq_ignore_ascii_case("auto") => {
            Runner::named(name).ok_or_else(|| crate::reconcile::trackers::unknown_flag(name))?
        }
        _ => detect_one_runner(ctx, paths, reader),
    };
    Ok(runner.declaring(args.apply_model.or(ctx.config.migrations.apply_model)))
}

/// The tool whose layout every path's directory has. Directories of different tools (two
/// services linted in one run) get no tool at all, never the first one's: its apply model could
/// hide a retry failure of the other's files.
fn detect_one_runner(ctx: &Context, paths: &[PathBuf], reader: &crate::layout::Reader) -> Runner {
    let dirs: std::collections::BTreeSet<&std::path::Path> = paths
        .iter()
        .map(|p| {
            if p.is_dir() {
                p.as_path()
            } else {
                p.parent().unwrap_or(p)
            }
        })
        .collect();
    let mut detected = dirs
        .into_iter()
        .map(|dir| (dir, Runner::detect_with(dir, reader)));
    let Some((first_dir, first)) = detected.next() else {
        return Runner::UNKNOWN;
    };
    match detected.find(|(_, runner)| runner.tool != first.tool) {
        None => first,
        Some((dir, other)) => {
            if !ctx.quiet {
                crate::say!(
                    "note: {} ({}) and {} ({}) are laid out for different migration tools: lint each directory on its own, or pass --tracker NAME",
                    first_dir.display(),
                    first.tool.unwrap_or("unknown"),
                    dir.display(),
                    other.tool.unwrap_or("unknown"),
                );
            }
            Runner::UNKNOWN
        }
    }
}

/// Said once, after the report: what an unknown migration tool means for the findings.
fn note_unknown_runner(options: &LintOptions, ctx: &Context) {
    if options
        .runner
        .is_some_and(|r| r.tool.is_none() && r.declared.is_none())
        && !ctx.quiet
    {
        crate::say!("{}", crate::runner::UNKNOWN_TOOL_NOTE);
    }
}

/// Said for each file the migration tool never runs on a deploy: not a silent skip.
fn note_not_linted(path: &str, reason: &str, ctx: &Context) {
    if !ctx.quiet {
        crate::say!("note: {path} not linted: {reason}");
    }
}

/// The paths given, or `[migrations] dir` from preflight.toml.
fn paths_or_configured(paths: Vec<PathBuf>, ctx: &Context) -> Result<Vec<PathBuf>> {
    if !paths.is_empty() {
        return Ok(paths);
    }
    match ctx.config.migrations_dir()? {
        Some(dir) => Ok(vec![dir]),
        None => Err(Error::Usage(
            "no paths given and no `[migrations] dir` in preflight.toml: pass files or directories, e.g. `preflight lint migrations/`".into(),
        )),
    }
}

fn summary(applied: &[Finding]) -> String {
    let mut codes: Vec<&str> = applied.iter().map(|f| f.code()).collect();
    codes.sort_unstable();
    codes.dedup();
    format!(
        "{} fix{} ({})",
        applied.len(),
        if applied.len() == 1 { "" } else { "es" },
        codes.join(", ")
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// For stdout: a closed pipe (`| head`) is not an error (see `ignore_broken_pipe`).
fn io_error(e: std::io::Error) -> Error {
    Error::Other(format!("writing output: {e}"))
}
