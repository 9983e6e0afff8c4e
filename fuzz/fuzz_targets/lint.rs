//! lint never panics on any input, and every finding points into the file: its bytes and its
//! fix's edits lie within the text, on character boundaries, with line/column matching them.
#![no_main]

#[path = "input.rs"]
mod input;

use libfuzzer_sys::fuzz_target;
use preflight::lint::lint_source;
use preflight::source::SourceFile;

fuzz_target!(|data: &[u8]| {
    let Some(input) = input::Input::read(data) else {
        return;
    };
    let text = input.text.as_str();
    let source = SourceFile::new("fuzz.sql", text);
    for f in lint_source(&source, &input.lint_options()) {
        let code = f.code();
        if let Some(bytes) = &f.location.bytes {
            assert!(
                bytes.start <= bytes.end && text.get(bytes.clone()).is_some(),
                "{code} at {bytes:?} outside the text or off a char boundary: {text:?}"
            );
            assert_eq!(
                f.location.start,
                Some(source.line_col(bytes.start)),
                "{code} {text:?}"
            );
            assert_eq!(
                f.location.end,
                Some(source.line_col(bytes.end)),
                "{code} {text:?}"
            );
        }
        for e in f.fix.iter().flat_map(|fix| &fix.edits) {
            assert!(
                e.range.start <= e.range.end && text.get(e.range.clone()).is_some(),
                "{code}'s edit {:?} outside the text or off a char boundary: {text:?}",
                e.range
            );
        }
    }
});
