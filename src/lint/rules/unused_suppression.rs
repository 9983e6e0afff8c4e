//! PF005: a suppression comment that suppressed nothing (ruff's unused-noqa): the finding it was
//! written for is gone, or it names a rule that does not fire there. The fix removes it.

use super::super::suppress::{Code, Directive, Placement, Suppression, Table};
use super::prelude::*;
use crate::diagnostics::Fix;
use crate::source::SourceFile;
use std::ops::Range;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF005",
    name: "unused-suppression",
    default_severity: Severity::Info,
    summary: "A suppression comment that suppressed nothing",
    doc: include_str!("../../../rules/PF005.md"),
    fix: FixAvailability::Always(Applicability::Safe),
};

/// Its violations come from the suppression table, which the engine fills while it lints.
pub struct UnusedSuppression;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &UnusedSuppression;

impl Rule for UnusedSuppression {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }
}

/// What a code of a suppression did.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Used,
    Unused,
    /// Names no lint rule (PF004 reports it), or one that is off in this run: not judged.
    NotJudged,
}

/// `enabled`: the rules this run applies (selected, and for this dialect).
pub fn check(source: &SourceFile, table: &Table, enabled: &[&'static RuleInfo]) -> Vec<Violation> {
    let mut out = Vec::new();
    for s in &table.suppressions {
        // A comment that names PF005 keeps itself, whatever else it names.
        if s.codes.iter().any(|c| c.names(&INFO)) {
            continue;
        }
        let verdicts: Vec<Verdict> = if s.codes.is_empty() {
            vec![judge(s, 0, None, enabled)]
        } else {
            (0..s.codes.len())
                .map(|i| judge(s, i, Some(&s.codes[i]), enabled))
                .collect()
        };
        let all_gone = verdicts
            .iter()
            .all(|v| *v == Verdict::Unused || *v == Verdict::NotJudged)
            && verdicts.contains(&Verdict::Unused)
            && s.codes
                .iter()
                .zip(&verdicts)
                .all(|(c, v)| *v == Verdict::Unused || !names_lint_rule(c));
        if all_gone {
            out.push(whole(source, s));
            continue;
        }
        for (i, verdict) in verdicts.iter().enumerate() {
            if *verdict == Verdict::Unused {
                out.push(one_code(source, s, i, &verdicts));
            }
        }
    }
    out
}

fn names_lint_rule(code: &Code) -> bool {
    crate::lint::RULES.iter().any(|r| code.names(r))
}

fn judge(s: &Suppression, i: usize, code: Option<&Code>, enabled: &[&'static RuleInfo]) -> Verdict {
    if s.placement == Placement::Nowhere {
        return Verdict::Unused;
    }
    if s.used[i] {
        return Verdict::Used;
    }
    match code {
        None => Verdict::Unused,
        Some(code) => {
            let judged = enabled
                .iter()
                .any(|r| code.names(r) && r.code != "PF004" && r.code != INFO.code);
            if judged {
                Verdict::Unused
            } else {
                Verdict::NotJudged
            }
        }
    }
}

/// The whole comment goes: its line when it is alone on it, else the comment and the
/// whitespace before it.
fn whole(source: &SourceFile, s: &Suppression) -> Violation {
    let text: &str = &source.text;
    let Range { start, end } = s.comment.clone();
    let line_start = text[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let removal = if text[line_start..start].trim().is_empty() {
        let after = &text[end..];
        let line_break = if after.starts_with("\r\n") {
            2
        } else {
            usize::from(after.starts_with(['\n', '\r']))
        };
        line_start..end + line_break
    } else {
        start - (text[..start].len() - text[..start].trim_end().len())..end
    };
    let message = match (s.placement, s.directive) {
        (Placement::Nowhere, Directive::IgnoreFile) => {
            "this `ignore-file` comment suppresses nothing: it counts only before the first statement"
        }
        (Placement::Nowhere, Directive::Ignore) => {
            "this suppression suppresses nothing: no statement follows it"
        }
        (Placement::Applies, _) => {
            "this suppression suppressed nothing: no finding it names was reported here"
        }
    };
    Violation::new(s.comment.clone(), message).fix(Some(Fix {
        applicability: Applicability::Safe,
        message: "Remove the unused suppression".into(),
        edits: vec![source.edit(removal, "")],
    }))
}

/// One unused code of a comment whose other codes stay: the code and one separator go.
fn one_code(source: &SourceFile, s: &Suppression, i: usize, verdicts: &[Verdict]) -> Violation {
    let codes = &s.codes;
    let kept_before = verdicts[..i].iter().any(|v| *v != Verdict::Unused);
    let removal = if kept_before {
        codes[i - 1].range.end..codes[i].range.end
    } else {
        // Every code before it goes too; the first code that stays follows.
        codes[i].range.start..codes[i + 1].range.start
    };
    Violation::new(
        codes[i].range.clone(),
        format!(
            "{} in this suppression suppressed nothing: no such finding was reported here",
            code_span(&codes[i].text)
        ),
    )
    .fix(Some(Fix {
        applicability: Applicability::Safe,
        message: format!("Remove {} from the suppression", code_span(&codes[i].text)),
        edits: vec![source.edit(removal, "")],
    }))
}
