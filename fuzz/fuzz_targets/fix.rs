//! fix: fixing twice changes nothing more than fixing once; the fixed file re-lints with no
//! finding the fixer could still apply of a rule whose fix was applied; and each round of edits
//! keeps the rest of the file: statements no edit touches keep their bytes and stay statements,
//! and tokens no edit touches stay the same tokens ([`edits_keep_the_rest`]).
#![no_main]

#[path = "input.rs"]
mod input;

use libfuzzer_sys::fuzz_target;
use preflight::diagnostics::{Applicability, Edit};
use preflight::fix::{apply, fix_source};
use preflight::lint::lint_source;
use preflight::source::SourceFile;
use preflight::sql::lexer::lex;
use preflight::sql::{parse_source_with, AstMode, Dialect};

fuzz_target!(|data: &[u8]| {
    let Some(input) = input::Input::read(data) else {
        return;
    };
    let (text, unsafe_fixes) = (input.text.as_str(), input.unsafe_fixes);
    let options = input.lint_options();
    let once = fix_source(&SourceFile::new("fuzz.sql", text), &options, unsafe_fixes);
    let twice = fix_source(
        &SourceFile::new("fuzz.sql", once.fixed.as_str()),
        &options,
        unsafe_fixes,
    );
    assert_eq!(
        twice.fixed, once.fixed,
        "fixing again changes the fixed text of {text:?}"
    );

    let applied_codes: Vec<_> = once.applied.iter().map(|f| f.code()).collect();
    let still_fixable: Vec<_> = once
        .remaining
        .iter()
        .filter(|f| applied_codes.contains(&f.code()))
        .filter(|f| {
            f.fix.as_ref().is_some_and(|fix| {
                !fix.edits.is_empty() && (fix.applicability == Applicability::Safe || unsafe_fixes)
            })
        })
        .map(|f| (f.code(), f.location.bytes.clone()))
        .collect();
    assert!(
        still_fixable.is_empty(),
        "the fixed text still has fixable {still_fixable:?}: {text:?} -> {:?}",
        once.fixed
    );

    // Replay fix_source's rounds with the public pieces to see each round's edits.
    let mut current = text.to_string();
    for _ in 0..8 {
        let findings = lint_source(&SourceFile::new("fuzz.sql", current.as_str()), &options);
        let (next, used) = apply(&current, &findings, unsafe_fixes);
        if used.is_empty() {
            break;
        }
        let mut edits: Vec<&Edit> = used
            .iter()
            .flat_map(|f| &f.fix.as_ref().unwrap().edits)
            .collect();
        edits.sort_by_key(|e| (e.range.start, e.range.end));
        edits_keep_the_rest(input.dialect, &current, &next, &edits);
        current = next;
    }
    assert_eq!(
        current, once.fixed,
        "fix_source differs from its rounds replayed on {text:?}"
    );
});

/// What one round of edits leaves alone stays as it was: a statement no edit touches is still a
/// statement, with the same bytes at its shifted place (an unterminated quote or a wrapper that
/// swallows its neighbours breaks this), and in an edited statement every token no edit touches
/// is the same token, lexing the statement's new bytes alone (so a statement wrapped in a `DO`
/// body still counts; a word glued to an insertion does not).
fn edits_keep_the_rest(dialect: Dialect, before: &str, after: &str, edits: &[&Edit]) {
    let delta = |e: &&Edit| e.content.len() as isize - e.range.len() as isize;
    // Where a byte offset of `before` is in `after`: an insertion at the offset goes before it.
    let start_at = |at: usize| -> usize {
        let moved: isize = edits.iter().filter(|e| e.range.end <= at).map(delta).sum();
        (at as isize + moved) as usize
    };
    // Where the end of a range is: an insertion at the end goes after it.
    let end_at = |at: usize| -> usize {
        let moved: isize = edits
            .iter()
            .filter(|e| e.range.end <= at && !(e.range.is_empty() && e.range.start == at))
            .map(delta)
            .sum();
        (at as isize + moved) as usize
    };
    let old = parse_source_with(
        &SourceFile::new("fuzz.sql", before),
        dialect,
        AstMode::WhenUnrecognised,
    );
    let new = parse_source_with(
        &SourceFile::new("fuzz.sql", after),
        dialect,
        AstMode::WhenUnrecognised,
    );
    for s in &old.statements {
        let r = &s.range;
        let moved = start_at(r.start)..end_at(r.end);
        let touched = edits
            .iter()
            .any(|e| e.range.start <= r.end && r.start <= e.range.end);
        if !touched {
            assert!(
                new.statements.iter().any(|n| n.range == moved) && after.get(moved.clone()) == before.get(r.clone()),
                "{dialect}: statement {r:?} no edit touches is not a statement at {moved:?} after edits {edits:?}\n{before:?}\n->\n{after:?}"
            );
            continue;
        }
        let old_tokens = lex(dialect, before, r.clone()).tokens;
        let new_tokens = lex(dialect, after, moved.clone()).tokens;
        for tok in &old_tokens {
            let t = &tok.range;
            if edits
                .iter()
                .any(|e| e.range.start < t.end && t.start < e.range.end)
            {
                continue;
            }
            let want = start_at(t.start)..start_at(t.start) + t.len();
            assert!(
                new_tokens.iter().any(|n| n.range == want && n.token == tok.token),
                "{dialect}: token {:?} at {t:?} of statement {r:?} is not the same token at {want:?} after edits {edits:?}\n{before:?}\n->\n{after:?}",
                tok.token
            );
        }
    }
}
