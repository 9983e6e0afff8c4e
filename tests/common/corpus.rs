//! Where the real-world corpus is: `$PREFLIGHT_CORPUS`, or `../shared/corpus` beside the clone.
//! It is read in place, never copied. Without it a test says so and passes, except under
//! `CI=true`, where a missing corpus is a failure (CI always has it).

use std::path::PathBuf;

/// The corpus root and the text of its `MANIFEST.tsv`, or `None` (with a note naming `what`
/// was not run) when the corpus is not here.
pub fn manifest(what: &str) -> Option<(PathBuf, String)> {
    let root = std::env::var_os("PREFLIGHT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    if !root.join("MANIFEST.tsv").is_file() {
        assert!(
            std::env::var("CI").is_err(),
            "corpus not found at {} (set PREFLIGHT_CORPUS)",
            root.display()
        );
        eprintln!("corpus not found at {}: {what} not run", root.display());
        return None;
    }
    let manifest = std::fs::read_to_string(root.join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    Some((root, manifest))
}
