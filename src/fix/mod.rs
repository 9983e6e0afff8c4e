//! `preflight fix`: applies the fixes lint findings carry. Edits are plain insertions and
//! replacements at exact byte offsets, so everything else in the file — keyword case,
//! whitespace, comments, line endings, BOM — stays byte for byte. Fixing runs until nothing
//! changes (a fix can make another rule's fix applicable), and fixing a fixed file is a no-op.

mod write;

pub use write::write_atomically;

use crate::diagnostics::{Applicability, Edit, Finding};
use crate::lint::{lint_source, LintOptions};
use crate::source::SourceFile;

/// Enough rounds for any chain of fixes preflight has; a cap so a buggy rule cannot loop.
const MAX_ROUNDS: usize = 8;

#[derive(Debug, Clone)]
pub struct FixOutcome {
    /// The fixed text (equal to the original when nothing applied).
    pub fixed: String,
    /// The findings of the original text (what `lint` reports on it).
    pub found: Vec<Finding>,
    /// The findings whose fixes were applied, in the order applied.
    pub applied: Vec<Finding>,
    /// Findings left in the fixed text.
    pub remaining: Vec<Finding>,
    /// Findings of the original text whose allowed fix was never applied: another fix changed
    /// their statement first (a DO-block wrap, where `NOT VALID` or a second wrap has no form),
    /// each with why, as far as the fixed text tells.
    pub lost: Vec<LostFix>,
}

/// A fix lint offered that `fix` could not apply.
#[derive(Debug, Clone)]
pub struct LostFix {
    /// The finding as lint reported it on the original text.
    pub finding: Finding,
    /// The "no fix: …" note of the rule's finding left in the fixed text, or a general reason.
    pub reason: String,
}

impl FixOutcome {
    pub fn changed(&self, source: &SourceFile) -> bool {
        *self.fixed != *source.text
    }
}

/// Fixes one file in memory. Unsafe fixes apply only when `unsafe_fixes` is set.
pub fn fix_source(source: &SourceFile, options: &LintOptions, unsafe_fixes: bool) -> FixOutcome {
    let mut current = source.clone();
    let mut applied = Vec::new();
    let found = lint_source(&current, options);
    let mut findings = found.clone();
    for _ in 0..MAX_ROUNDS {
        let (text, used) = apply(&current.text, &findings, unsafe_fixes);
        if used.is_empty() {
            break;
        }
        applied.extend(used);
        current = SourceFile::new(source.path.clone(), text);
        findings = lint_source(&current, options);
    }
    let lost = lost_fixes(&found, &applied, &findings, unsafe_fixes);
    FixOutcome {
        fixed: current.text.to_string(),
        found,
        applied,
        remaining: findings,
        lost,
    }
}

/// The findings of `found` with an allowed fix that none of `applied` used. Round one applies
/// findings of `found` as they are; a later round's applied findings (of the re-linted text)
/// count against the unapplied ones of their rule.
fn lost_fixes(
    found: &[Finding],
    applied: &[Finding],
    remaining: &[Finding],
    unsafe_fixes: bool,
) -> Vec<LostFix> {
    let allowed = |f: &Finding| {
        f.fix.as_ref().is_some_and(|fix| {
            !fix.edits.is_empty() && (fix.applicability == Applicability::Safe || unsafe_fixes)
        })
    };
    // Each action of `ALTER TABLE … ADD CONSTRAINT a …, ADD CONSTRAINT b …` offers the same
    // wrap: applied once, it is every one's fix.
    let same_fix = |f: &Finding| {
        applied
            .iter()
            .any(|a| a == f || a.fix.as_ref().map(|x| &x.edits) == f.fix.as_ref().map(|x| &x.edits))
    };
    // Findings offering the same edits go together: one application serves them all, also when
    // a later round makes it (the edits moved by then).
    let mut unapplied: Vec<Vec<&Finding>> = Vec::new();
    for f in found.iter().filter(|f| allowed(f) && !same_fix(f)) {
        let edits = f.fix.as_ref().map(|x| &x.edits);
        match unapplied
            .iter_mut()
            .find(|g| g[0].code() == f.code() && g[0].fix.as_ref().map(|x| &x.edits) == edits)
        {
            Some(group) => group.push(f),
            None => unapplied.push(vec![f]),
        }
    }
    for later in applied.iter().filter(|a| !found.contains(a)) {
        if let Some(i) = unapplied.iter().position(|g| g[0].code() == later.code()) {
            unapplied.remove(i);
        }
    }
    unapplied
        .into_iter()
        .flatten()
        .map(|f| {
            let note = remaining
                .iter()
                .filter(|r| r.code() == f.code() && !allowed(r))
                .flat_map(|r| &r.notes)
                .find(|n| n.starts_with("no fix") || n.starts_with("no automatic fix"));
            LostFix {
                finding: f.clone(),
                reason: note.cloned().unwrap_or_else(|| {
                    "another fix changed its statement first, and lint no longer offers it there"
                        .to_string()
                }),
            }
        })
        .collect()
}

/// Applies every allowed fix that does not touch another's bytes; returns the new text and
/// the findings whose fixes were used, in file order.
///
/// Of two fixes that touch the same bytes, the narrower goes first: a fix that encloses the
/// statement (a DO-block wrap inserts before and after it) is made again on the next round's
/// text, around what the narrower one changed, while a fix inside or next to the statement
/// (`NOT VALID` and its `VALIDATE`, a `SET lock_timeout` before it) has no form inside a DO
/// block and would be lost.
pub fn apply(text: &str, findings: &[Finding], unsafe_fixes: bool) -> (String, Vec<Finding>) {
    let mut candidates: Vec<&Finding> = findings
        .iter()
        .filter(|f| {
            f.fix.as_ref().is_some_and(|fix| {
                !fix.edits.is_empty() && (fix.applicability == Applicability::Safe || unsafe_fixes)
            })
        })
        .collect();
    candidates.sort_by_key(|f| {
        f.fix
            .as_ref()
            .map(|x| (width(&x.edits), first_start(&x.edits)))
    });
    let mut taken: Vec<&Edit> = Vec::new();
    // What the taken fixes of several edits enclose (a wrap, from before its statement to after).
    let mut spans: Vec<std::ops::Range<usize>> = Vec::new();
    let mut used = Vec::new();
    for finding in candidates {
        let Some(fix) = &finding.fix else { continue };
        let in_bounds = fix
            .edits
            .iter()
            .all(|e| e.range.start <= e.range.end && text.get(e.range.clone()).is_some());
        // A wrap is made for its statement as it stands: an edit inside it (`CONCURRENTLY`,
        // which no DO block can run) changes what it wraps, so the two wait a round apart.
        let span = enclosed(&fix.edits);
        let encloses = |outer: &std::ops::Range<usize>, e: &Edit| {
            outer.start < e.range.start && e.range.start < outer.end
        };
        if !in_bounds
            || fix.edits.iter().any(|e| {
                taken.iter().any(|t| overlaps(e, t)) || spans.iter().any(|s| encloses(s, e))
            })
            || span
                .as_ref()
                .is_some_and(|s| taken.iter().any(|t| encloses(s, t)))
        {
            continue;
        }
        taken.extend(&fix.edits);
        spans.extend(span);
        used.push(finding.clone());
    }
    used.sort_by_key(|f: &Finding| f.fix.as_ref().map(|x| first_start(&x.edits)));
    taken.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(text.len() + taken.len() * 16);
    let mut at = 0;
    for e in taken {
        out.push_str(&text[at..e.range.start]);
        out.push_str(&e.content);
        at = e.range.end;
    }
    out.push_str(&text[at..]);
    (out, used)
}

fn first_start(edits: &[Edit]) -> usize {
    edits.iter().map(|e| e.range.start).min().unwrap_or(0)
}

/// The bytes between a fix's first and last edits, when it has several.
fn enclosed(edits: &[Edit]) -> Option<std::ops::Range<usize>> {
    (edits.len() > 1)
        .then(|| first_start(edits)..edits.iter().map(|e| e.range.end).max().unwrap_or(0))
}

/// The bytes from a fix's first edit to the end of its last.
fn width(edits: &[Edit]) -> usize {
    let end = edits.iter().map(|e| e.range.end).max().unwrap_or(0);
    end.saturating_sub(first_start(edits))
}

/// Two edits conflict when their byte ranges intersect or both insert at the same point.
fn overlaps(a: &Edit, b: &Edit) -> bool {
    (a.range.start < b.range.end && b.range.start < a.range.end) || a.range.start == b.range.start
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Fix;

    fn finding(at: usize, content: &str) -> Finding {
        let source = SourceFile::new("t.sql", "CREATE TABLE t (id int);");
        Finding::for_rule(&crate::lint::RULES[3], "m").with_fix(Fix {
            applicability: Applicability::Safe,
            message: "m".into(),
            edits: vec![source.edit(at..at, content)],
        })
    }

    #[test]
    fn conflicting_edits_apply_one_per_round() {
        let text = "CREATE TABLE t (id int);";
        let (out, used) = apply(text, &[finding(12, " A"), finding(12, " B")], false);
        assert_eq!(out, "CREATE TABLE A t (id int);");
        assert_eq!(used.len(), 1);
    }

    /// A DO-block-like wrap of the whole of `text`: two edits, before and after it.
    fn wrap_of(text: &str) -> Finding {
        let source = SourceFile::new("t.sql", text);
        Finding::for_rule(&crate::lint::RULES[3], "wrap").with_fix(Fix {
            applicability: Applicability::Unsafe,
            message: "wrap".into(),
            edits: vec![
                source.edit(0..0, "DO "),
                source.edit(text.len()..text.len(), " END"),
            ],
        })
    }

    #[test]
    fn of_two_conflicting_fixes_the_narrower_applies_first() {
        let text = "CREATE TABLE t (id int);";
        let wrap = wrap_of(text);
        let after = finding(24, " X");
        let (out, used) = apply(text, &[wrap, after], true);
        assert_eq!(out, "CREATE TABLE t (id int); X");
        assert_eq!(used.len(), 1);
    }

    #[test]
    fn a_wrap_waits_for_an_edit_inside_what_it_wraps() {
        let text = "CREATE TABLE t (id int);";
        let wrap = wrap_of(text);
        let inside = finding(12, " X");
        let (out, used) = apply(text, &[wrap.clone(), inside.clone()], true);
        assert_eq!(out, "CREATE TABLE X t (id int);");
        assert_eq!(used.len(), 1);
        let (out, _) = apply(text, &[inside, wrap], true);
        assert_eq!(out, "CREATE TABLE X t (id int);");
    }

    #[test]
    fn out_of_range_edits_are_refused_not_panicked_on() {
        let (out, used) = apply("short", &[finding(12, " A")], false);
        assert_eq!(out, "short");
        assert!(used.is_empty());
    }
}
