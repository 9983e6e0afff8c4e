//! Robustness over the real-world corpus (`../shared/corpus`, not in the repository): every file
//! lints without a panic, and fixing is idempotent. The corpus is found at `$PREFLIGHT_CORPUS` or
//! `../shared/corpus` beside the clone; without it the test says so and passes, except under
//! `CI=true`, where a missing corpus is a failure (CI always has it).

use preflight::fix::fix_source;
use preflight::lint::{lint_source, LintOptions};
use preflight::source::SourceFile;
use preflight::sql::{parse_source, Dialect};
use std::path::PathBuf;

#[test]
fn corpus_lints_without_panic_and_fix_is_idempotent() {
    let root = std::env::var_os("PREFLIGHT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    if !root.join("MANIFEST.tsv").is_file() {
        assert!(
            std::env::var("CI").is_err(),
            "corpus not found at {} (set PREFLIGHT_CORPUS)",
            root.display()
        );
        eprintln!(
            "corpus not found at {}: robustness test not run",
            root.display()
        );
        return;
    }
    let manifest = std::fs::read_to_string(root.join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    let mut checked = 0;
    let mut not_idempotent = Vec::new();
    let mut not_reparsed = Vec::new();
    let mut unreadable_files = Vec::new();
    for line in manifest.lines().skip(1) {
        let mut cols = line.split('\t');
        let (Some(path), Some(_repo), Some(dialect)) = (cols.next(), cols.next(), cols.next())
        else {
            continue;
        };
        let dialect = match dialect {
            "mysql" => Dialect::Mysql,
            "mariadb" => Dialect::Mariadb,
            "sqlite" => Dialect::Sqlite,
            _ => Dialect::Postgres,
        };
        let options = LintOptions {
            dialect,
            ..LintOptions::default()
        };
        let source = match SourceFile::read(&root.join(path)) {
            Ok(s) => s,
            Err(e) => {
                unreadable_files.push(e.to_string());
                continue;
            }
        };
        let findings = lint_source(&source, &options);
        let once = fix_source(&source, &options, true);
        let fixed = SourceFile::new(path, once.fixed.clone());
        let again = fix_source(&fixed, &options, true);
        if again.fixed != once.fixed {
            not_idempotent.push(path.to_string());
        }
        // The fixed file splits into the same statements, and nothing new is unreadable.
        let before = parse_source(&source, dialect);
        let after = parse_source(&fixed, dialect);
        let unreadable = |f: &[preflight::diagnostics::Finding]| {
            f.iter()
                .filter(|f| f.rule == "PF001" || f.rule == "PF002")
                .count()
        };
        if before.statements.len() != after.statements.len()
            || unreadable(&once.remaining) > unreadable(&findings)
        {
            not_reparsed.push(path.to_string());
        }
        checked += 1;
    }
    assert!(checked > 1000, "only {checked} files checked");
    assert!(
        not_idempotent.is_empty(),
        "fix not idempotent: {not_idempotent:?}"
    );
    assert!(
        not_reparsed.is_empty(),
        "fixed files split differently or became unreadable: {not_reparsed:?}"
    );
    assert!(
        unreadable_files.is_empty(),
        "corpus files preflight could not read: {unreadable_files:?}"
    );
}
