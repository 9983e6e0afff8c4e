//! Runs the enabled rules over a parsed file and turns violations into findings: code, name,
//! severity (with overrides), exact location, suppressions.

use super::guards::Guards;
use super::rule::{Rule, StatementCx, Violation};
use super::rules::REGISTRY;
use super::sequence::Sequence;
use super::suppress::{self, CodeSet};
use super::LintOptions;
use crate::diagnostics::{Finding, Location, RuleInfo};
use crate::source::SourceFile;
use crate::sql::{parse_source_with, AstMode, ParsedFile, Statement};

/// Lints one file's text.
pub fn lint_source(source: &SourceFile, options: &LintOptions) -> Vec<Finding> {
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
    let first_start = parsed
        .statements
        .first()
        .map_or(text.len(), |s| s.range.start);
    let file_suppressed = suppress::file_level(text, first_start);
    let mut emit = Emitter {
        source,
        path: source.display_path(),
        options,
        file_suppressed: file_suppressed.as_ref(),
        findings: Vec::new(),
    };
    let mut guards = Guards::default();
    let runner = options.runner.unwrap_or(crate::runner::Runner::UNKNOWN);
    let model = runner.model(parsed.dialect, source).model;
    let sequence = Sequence::new(&parsed.statements, model);
    let mut previous_end = source.bom_len();
    for statement in &parsed.statements {
        let gap = if previous_end == source.bom_len() {
            previous_end
        } else {
            suppress::gap_start(text, previous_end)
        };
        let suppressed = suppress::for_statement(text, gap, &statement.range);
        let seq = Some((&sequence, statement.index));
        check(
            &rules,
            parsed,
            (statement, seq),
            &guards,
            suppressed.as_ref(),
            &mut emit,
        );
        guards.record(statement);
        let mut nested_end = statement.range.start;
        for inner in &statement.nested {
            let own =
                suppress::for_statement(text, suppress::gap_start(text, nested_end), &inner.range);
            let combined = match (&suppressed, own) {
                (Some(CodeSet::All), _) | (_, Some(CodeSet::All)) => Some(CodeSet::All),
                (Some(CodeSet::Some(a)), Some(CodeSet::Some(b))) => {
                    Some(CodeSet::Some(a.iter().chain(&b).cloned().collect()))
                }
                (a, b) => a.clone().or(b),
            };
            let outer = (inner, None);
            check(&rules, parsed, outer, &guards, combined.as_ref(), &mut emit);
            guards.record(inner);
            nested_end = inner.range.end;
        }
        previous_end = statement.range.end;
    }
    for rule in &rules {
        let mut violations = Vec::new();
        rule.check_file(parsed, &mut violations);
        for v in violations {
            emit.push(rule.info(), v, None);
        }
    }
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

fn check(
    rules: &[&dyn Rule],
    parsed: &ParsedFile,
    (statement, sequence): Checked,
    guards: &Guards,
    suppressed: Option<&CodeSet>,
    emit: &mut Emitter,
) {
    let cx = StatementCx {
        source: &parsed.source,
        dialect: parsed.dialect,
        statement,
        guards,
        sequence,
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
    file_suppressed: Option<&'a CodeSet>,
    findings: Vec<Finding>,
}

impl Emitter<'_> {
    fn push(&mut self, info: &'static RuleInfo, v: Violation, suppressed: Option<&CodeSet>) {
        if self.file_suppressed.is_some_and(|s| s.covers(info))
            || suppressed.is_some_and(|s| s.covers(info))
        {
            return;
        }
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
