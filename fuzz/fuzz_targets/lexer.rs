//! The lexer's fast path gives exactly sqlparser's tokens and error (sqlparser's tokenizer is
//! the oracle, as in `fast_lexer`'s unit test and `tests/lint_corpus.rs`), and the splitter
//! never panics and yields ordered statements within the file, on character boundaries.
#![no_main]

#[path = "input.rs"]
mod input;

use libfuzzer_sys::fuzz_target;
use preflight::source::SourceFile;
use preflight::sql::lexer::{lex_with, Engine};
use preflight::sql::{parse_source_with, AstMode, Statement};

fuzz_target!(|data: &[u8]| {
    let Some(input) = input::Input::read(data) else {
        return;
    };
    let (dialect, text) = (input.dialect, input.text.as_str());
    let source = SourceFile::new("fuzz.sql", text);
    let start = if input.mid_file {
        text.find('\n').map_or(text.len(), |i| i + 1)
    } else {
        source.bom_len()
    };
    let reference = lex_with(Engine::SqlparserOnly, dialect, text, start..text.len());
    let fast = lex_with(Engine::FastPathFirst, dialect, text, start..text.len());
    assert_eq!(fast.tokens, reference.tokens, "{dialect} {text:?}");
    assert_eq!(fast.error, reference.error, "{dialect} {text:?}");

    let parsed = parse_source_with(&source, dialect, AstMode::WhenUnrecognised);
    check_statements(&parsed.statements, text, 0..text.len());
    for d in &parsed.directives {
        assert!(in_text(text, &d.range), "directive {d:?} in {text:?}");
    }
    if let Some(e) = &parsed.tokenize_error {
        assert!(text.is_char_boundary(e.offset), "{e:?} in {text:?}");
    }
});

/// Statements are in order, inside `within`, and so are their terminators and tokens.
fn check_statements(statements: &[Statement], text: &str, within: std::ops::Range<usize>) {
    let mut end = within.start;
    for s in statements {
        let r = &s.range;
        assert!(
            in_text(text, r) && r.start >= end && r.end <= within.end,
            "statement {r:?} after {end} within {within:?} in {text:?}"
        );
        for t in s.terminator.iter().chain(s.unread.as_ref()) {
            assert!(
                in_text(text, t) && t.start >= r.start && t.end <= r.end,
                "{t:?} of {r:?} in {text:?}"
            );
        }
        for t in &s.tokens {
            assert!(
                t.range.start >= r.start && t.range.end <= r.end,
                "{t:?} of {r:?} in {text:?}"
            );
        }
        check_statements(&s.nested, text, r.clone());
        end = r.end;
    }
}

fn in_text(text: &str, r: &std::ops::Range<usize>) -> bool {
    r.start <= r.end && text.get(r.clone()).is_some()
}
