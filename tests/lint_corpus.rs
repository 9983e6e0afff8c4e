//! Robustness over the real-world corpus (`../shared/corpus`, not in the repository): every file
//! lints without a panic, and fixing is idempotent. Ignored by default because it reads ~7,000
//! files; run it with
//! `PREFLIGHT_CORPUS=/work/shared/corpus cargo test --no-default-features --test lint_corpus -- --ignored`.

use preflight::fix::fix_source;
use preflight::lint::{lint_source, LintOptions};
use preflight::source::SourceFile;
use preflight::sql::{parse_source, Dialect};
use std::path::PathBuf;

#[test]
#[ignore = "reads the external corpus; set PREFLIGHT_CORPUS"]
fn corpus_lints_without_panic_and_fix_is_idempotent() {
    let root = PathBuf::from(
        std::env::var("PREFLIGHT_CORPUS").unwrap_or_else(|_| "../shared/corpus".into()),
    );
    let manifest = std::fs::read_to_string(root.join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    let mut checked = 0;
    let mut not_idempotent = Vec::new();
    let mut not_reparsed = Vec::new();
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
                // Not a silent skip: binary/non-UTF-8 inputs are reported as errors by the CLI.
                eprintln!("unreadable: {e}");
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
}
