//! fix: fixing twice changes nothing more than fixing once; the fixed file re-lints with no
//! finding the fixer could still apply of a rule whose fix was applied; and the original's
//! bytes outside the edits are kept, tokenizing as before: every token no edit touches is
//! still the same token at its shifted place (an insertion glued to a neighbouring word, or an
//! unterminated quote that swallows the rest of the file, breaks this).
#![no_main]

#[path = "input.rs"]
mod input;

use libfuzzer_sys::fuzz_target;
use preflight::diagnostics::{Applicability, Edit};
use preflight::fix::{apply, fix_source};
use preflight::lint::lint_source;
use preflight::source::SourceFile;
use preflight::sql::lexer::lex;
use preflight::sql::Dialect;

fuzz_target!(|data: &[u8]| {
    let Some(input) = input::Input::read(data) else {
        return;
    };
    let (text, unsafe_fixes) = (input.text.as_str(), input.unsafe_fixes);
    let options = input.lint_options();
    let once = fix_source(&SourceFile::new("fuzz.sql", text), &options, unsafe_fixes);
    let twice = fix_source(&SourceFile::new("fuzz.sql", once.fixed.as_str()), &options, unsafe_fixes);
    assert_eq!(twice.fixed, once.fixed, "fixing again changes the fixed text of {text:?}");

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
        let mut edits: Vec<&Edit> = used.iter().flat_map(|f| &f.fix.as_ref().unwrap().edits).collect();
        edits.sort_by_key(|e| (e.range.start, e.range.end));
        untouched_tokens_kept(input.dialect, &current, &next, &edits);
        current = next;
    }
    assert_eq!(current, once.fixed, "fix_source differs from its rounds replayed on {text:?}");
});

/// Every token of `before` that no edit touches is the same token in `after`, shifted by the
/// edits before it.
fn untouched_tokens_kept(dialect: Dialect, before: &str, after: &str, edits: &[&Edit]) {
    let old = lex(dialect, before, 0..before.len());
    let new = lex(dialect, after, 0..after.len());
    let mut new_tokens = new.tokens.iter().peekable();
    for tok in &old.tokens {
        let r = &tok.range;
        // An insertion at a token's edge counts as touching it only from inside: text put
        // right before or after a token must not change it.
        if edits.iter().any(|e| e.range.start < r.end && r.start < e.range.end) {
            continue;
        }
        let shift = |at: usize| -> usize {
            let before_at = edits.iter().filter(|e| e.range.end <= at);
            before_at.fold(at, |acc, e| acc + e.content.len() - e.range.len())
        };
        let want = shift(r.start)..shift(r.start) + r.len();
        while new_tokens.peek().is_some_and(|t| t.range.start < want.start) {
            new_tokens.next();
        }
        let found = new_tokens.peek();
        assert!(
            found.is_some_and(|t| t.range == want && t.token == tok.token),
            "{dialect}: token {:?} at {r:?} became {found:?} after edits {edits:?}\n{before:?}\n->\n{after:?}",
            tok.token
        );
    }
}
