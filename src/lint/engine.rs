//! Runs the enabled rules over a parsed file and turns violations into findings: code, name,
//! severity (with overrides), exact location, suppressions.

use super::guards::Guards;
use super::rule::{FileFacts, Rule, StatementCx, Violation};
use super::rules::REGISTRY;
use super::rules::{invalid_suppression, unused_suppression};
use super::sequence::Sequence;
use super::suppress::{self, Directive, Table};
use super::LintOptions;
use crate::diagnostics::{Finding, Location, RuleInfo};
use crate::source::SourceFile;
use crate::sql::{parse_source_with, AstMode, ParsedFile, Statement};

/// Lints one file's text: with the migration tool known, only the part a deploy runs
/// (positions stay the file's own).
pub fn lint_source(source: &SourceFile, options: &LintOptions) -> Vec<Finding> {
    let deployed = super::deploy::deployed(source, options);
    let source = deployed.as_ref().unwrap_or(source);
    // Rules work from tokens and shapes; sqlparser runs only where the recogniser gives up.
    let parsed = parse_source_with(source, options.dialect, AstMode::WhenUnrecognised);
    lint_parsed(&parsed, options)
}

/// Lints an already parsed file (its dialect decides which rules apply).
pub fn lint_parsed(parsed: &ParsedFile, options: &LintOptions) -> Vec<Finding> {
    let source = &parsed.source;
    let text: &str = &source.text;
    let rules: Vec<&dyn Rule> = REGISTRY
        .iter()
        .copied()
        .filter(|r| r.dialects().contains(&parsed.dialect) && options.is_enabled(r.info()))
        .collect();
    let mut table = Table::default();
    let bom = source.bom_len();
    // The gap before the first statement holds the file's `ignore-file` comments too.
    let first_end = parsed
        .statements
        .first()
        .map_or(text.len(), |s| s.range.start);
    let first_gap = table.scan(
        text,
        bom..first_end,
        &[Directive::Ignore, Directive::IgnoreFile],
    );
    let (file_ids, first_ids): (Vec<usize>, Vec<usize>) = first_gap
        .into_iter()
        .partition(|&id| table.suppressions[id].directive == Directive::IgnoreFile);
    let mut emit = Emitter {
        source,
        path: source.display_path(),
        options,
        file_ids,
        table,
        findings: Vec::new(),
    };
    let mut guards = Guards::default();
    let runner = options.runner.unwrap_or(crate::runner::Runner::UNKNOWN);
    let model = runner.model(parsed.dialect, source).model;
    let sequence = Sequence::new(&parsed.statements, model);
    let mut file = FileFacts {
        sequence: &sequence,
        top_index: 0,
        // A generic tracker promises nothing about transactions: as unknown as no tracker.
        known_model: options
            .runner
            .filter(|r| r.tool.is_some_and(|t| t != "generic"))
            .map(|r| r.model(parsed.dialect, source).model),
        statements: &parsed.statements,
        postgres_version: options.postgres_version,
        pending: options
            .pending
            .as_ref()
            .and_then(|p| p.created_before(&source.path)),
    };
    let mut previous_end = None;
    for statement in &parsed.statements {
        let mut ids = match previous_end {
            None => first_ids.clone(),
            Some(end) => emit.scan(suppress::gap_start(text, end)..statement.range.start),
        };
        ids.extend(emit.scan(trailing(text, statement)));
        let seq = Some((&sequence, statement.index));
        file.top_index = statement.index;
        check(
            &rules,
            parsed,
            (statement, seq),
            (&guards, file),
            &ids,
            &mut emit,
        );
        guards.record(statement);
        let mut nested_end = statement.range.start;
        for inner in &statement.nested {
            let mut own = ids.clone();
            own.extend(emit.scan(suppress::gap_start(text, nested_end)..inner.range.start));
            own.extend(emit.scan(trailing(text, inner)));
            check(
                &rules,
                parsed,
                (inner, None),
                (&guards, file),
                &own,
                &mut emit,
            );
            guards.record(inner);
            nested_end = inner.range.end;
        }
        previous_end = Some(statement.range.end);
    }
    // After the last statement a suppression applies to nothing, but is still read (PF005).
    if let Some(end) = previous_end {
        emit.table
            .scan(text, suppress::gap_start(text, end)..text.len(), &[]);
    }
    for rule in &rules {
        let mut violations = Vec::new();
        rule.check_file(parsed, &mut violations);
        for v in violations {
            emit.push(rule.info(), v, &[]);
        }
    }
    emit.check_suppressions(&rules);
    emit.findings
}

/// Rules whose finding says "the object already exists / is already gone on a retry": the
/// in-file sequence analysis can prove such a statement survives (a DROP the file re-creates, a
/// CREATE after a DROP of the same object).
const EXISTENCE_RULES: &[&str] = &[
    "PF101", "PF102", "PF104", "PF105", "PF106", "PF107", "PF108", "PF109", "PF110", "PF111",
    "PF112", "PF113", "PF114", "PF115", "PF116", "PF122",
];

/// A statement, with the file's sequence analysis and its index there (top-level statements).
type Checked<'a> = (&'a Statement, Option<(&'a Sequence, usize)>);

/// A comment after the statement on its last line.
fn trailing(text: &str, statement: &Statement) -> std::ops::Range<usize> {
    statement.range.end..suppress::line_end(text, statement.range.end)
}

fn check(
    rules: &[&dyn Rule],
    parsed: &ParsedFile,
    (statement, sequence): Checked,
    (guards, file): (&Guards, FileFacts),
    suppressed: &[usize],
    emit: &mut Emitter,
) {
    let cx = StatementCx {
        options: emit.options,
        source: &parsed.source,
        dialect: parsed.dialect,
        statement,
        guards,
        sequence,
        file,
    };
    for rule in rules {
        let mut violations = Vec::new();
        rule.check_statement(&cx, &mut violations);
        let info = rule.info();
        for v in violations {
            let proved = sequence.is_some_and(|(seq, index)| {
                EXISTENCE_RULES.contains(&info.code) && seq.proves_safe(index, &v.range)
            });
            if !proved {
                emit.push(info, v, suppressed);
            }
        }
    }
}

struct Emitter<'a> {
    source: &'a SourceFile,
    /// `source.display_path()`, formatted once rather than per finding.
    path: String,
    options: &'a LintOptions,
    /// The `ignore-file` comments before the first statement.
    file_ids: Vec<usize>,
    table: Table,
    findings: Vec<Finding>,
}

impl Emitter<'_> {
    /// Reads the suppression comments of a gap; returns the ids of the `ignore` ones.
    fn scan(&mut self, range: std::ops::Range<usize>) -> Vec<usize> {
        self.table
            .scan(&self.source.text, range, &[Directive::Ignore])
    }

    fn push(&mut self, info: &'static RuleInfo, v: Violation, suppressed: &[usize]) {
        // Both are asked (no short circuit), so that each comment that covers it counts as used.
        let by_file = self.table.suppresses(&self.file_ids, info);
        if by_file | self.table.suppresses(suppressed, info) {
            return;
        }
        self.emit(info, v);
    }

    /// PF004 and PF005, from what the other rules' findings used. Only an `ignore-file` that
    /// names them (not a blanket one, which would hide its own unused report) suppresses them.
    fn check_suppressions(&mut self, rules: &[&dyn Rule]) {
        let enabled: Vec<&'static RuleInfo> = rules.iter().map(|r| r.info()).collect();
        let mut violations = Vec::new();
        if enabled.contains(&&invalid_suppression::INFO) {
            violations.extend(
                invalid_suppression::check(&self.table)
                    .into_iter()
                    .map(|v| (&invalid_suppression::INFO, v)),
            );
        }
        if enabled.contains(&&unused_suppression::INFO) {
            violations.extend(
                unused_suppression::check(self.source, &self.table, &enabled)
                    .into_iter()
                    .map(|v| (&unused_suppression::INFO, v)),
            );
        }
        violations.sort_by_key(|(_, v)| (v.range.start, v.range.end));
        for (info, v) in violations {
            let named = self.file_ids.iter().any(|&id| {
                self.table.suppressions[id]
                    .codes
                    .iter()
                    .any(|c| c.names(info))
            });
            if !named {
                self.emit(info, v);
            }
        }
    }

    fn emit(&mut self, info: &'static RuleInfo, v: Violation) {
        let mut finding =
            Finding::new(info, self.options.severity_of(info), v.message).at(Location {
                path: Some(self.path.clone()),
                ..self.source.location_in_file(v.range)
            });
        finding.fix = v.fix;
        finding.notes = v.notes;
        finding.unknown = v.unknown;
        self.findings.push(finding);
    }
}
