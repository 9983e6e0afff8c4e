//! Robustness over the real-world corpus (`../shared/corpus`, not in the repository): every file
//! lints without a panic, fixing is idempotent, and the lexer's fast path gives sqlparser's own
//! tokens. The corpus is found at `$PREFLIGHT_CORPUS` or `../shared/corpus` beside the clone;
//! without it the tests say so and pass, except under `CI=true`, where a missing corpus is a
//! failure (CI always has it).

mod common;

use preflight::fix::fix_source;
use preflight::lint::{lint_source, LintOptions};
use preflight::source::SourceFile;
use preflight::sql::lexer::{lex_with, Engine};
use preflight::sql::{parse_source, Dialect};
use std::path::PathBuf;

/// The corpus root and its files with their dialects, or `None` when it is not here.
fn corpus() -> Option<(PathBuf, Vec<(String, Dialect)>)> {
    let (root, manifest) = common::corpus::manifest("robustness test")?;
    let files = manifest
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut cols = line.split('\t');
            let (path, _repo, dialect) = (cols.next()?, cols.next()?, cols.next()?);
            let dialect = match dialect {
                "mysql" => Dialect::Mysql,
                "mariadb" => Dialect::Mariadb,
                "sqlite" => Dialect::Sqlite,
                _ => Dialect::Postgres,
            };
            Some((path.to_string(), dialect))
        })
        .collect();
    Some((root, files))
}

#[test]
fn fast_lexer_gives_sqlparsers_tokens_on_every_corpus_file() {
    let Some((root, files)) = corpus() else {
        return;
    };
    let mut differ = Vec::new();
    for (path, dialect) in &files {
        let Ok(source) = SourceFile::read(&root.join(path)) else {
            continue; // the lint test below reports unreadable files
        };
        let text: &str = &source.text;
        let range = source.bom_len()..text.len();
        let reference = lex_with(Engine::SqlparserOnly, *dialect, text, range.clone());
        let fast = lex_with(Engine::FastPathFirst, *dialect, text, range);
        if fast.tokens != reference.tokens || fast.error != reference.error {
            differ.push(path.clone());
        }
    }
    assert!(files.len() > 1000, "only {} files", files.len());
    assert!(
        differ.is_empty(),
        "fast path differs from sqlparser on: {differ:?}"
    );
}

#[test]
fn corpus_lints_without_panic_and_fix_is_idempotent() {
    let Some((root, files)) = corpus() else {
        return;
    };
    let mut checked = 0;
    let mut not_idempotent = Vec::new();
    let mut not_reparsed = Vec::new();
    let mut unreadable_files = Vec::new();
    for (path, dialect) in &files {
        let (path, dialect) = (path.as_str(), *dialect);
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
        // The fixed file splits into the same statements (plus those a fix adds: the
        // `VALIDATE CONSTRAINT` of a NOT VALID split, a `SET lock_timeout`), and nothing new is
        // unreadable.
        let before = parse_source(&source, dialect);
        let after = parse_source(&fixed, dialect);
        let unreadable = |f: &[preflight::diagnostics::Finding]| {
            f.iter()
                .filter(|f| f.rule == "PF001" || f.rule == "PF002")
                .count()
        };
        if after.statements.len() < before.statements.len()
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

/// PF006 (dialect-mismatch) never fires on a file in its own dialect: a false one would hide
/// the file's real findings. Its recall (files of one dialect flagged when read as another) is
/// printed and held above a floor; rules/PF006.md quotes the numbers.
#[test]
fn dialect_mismatch_flags_no_file_in_its_own_dialect() {
    let Some((root, files)) = corpus() else {
        return;
    };
    let flagged = |source: &SourceFile, dialect: Dialect| {
        let options = LintOptions {
            dialect,
            ..LintOptions::default()
        };
        lint_source(source, &options)
            .iter()
            .any(|f| f.rule == "PF006")
    };
    let mut own = Vec::new();
    // (label, read as) → (files, flagged)
    let mut recall = std::collections::BTreeMap::<(&str, &str), (usize, usize)>::new();
    let mut checked = 0;
    for (path, dialect) in &files {
        let Ok(source) = SourceFile::read(&root.join(path)) else {
            continue; // the robustness test reports unreadable files
        };
        checked += 1;
        let label = label(&root, path);
        // A `generic` file runs on several engines (Synapse's on PostgreSQL and SQLite): it is
        // in its own dialect when read as either. (Synapse's oldest deltas predate its
        // PostgreSQL support and hold SQLite's AUTOINCREMENT: PF006 is right on them.)
        if flagged(&source, *dialect) && (label != "generic" || flagged(&source, Dialect::Sqlite)) {
            own.push(path.clone());
        }
        if source.text.trim().is_empty() {
            continue;
        }
        let others: &[Dialect] = match label.as_str() {
            "mysql" => &[Dialect::Postgres, Dialect::Sqlite],
            "postgres" => &[Dialect::Mysql, Dialect::Sqlite],
            "sqlite" => &[Dialect::Postgres, Dialect::Mysql],
            _ => &[],
        };
        for other in others {
            let entry = recall
                .entry((
                    if label == "mysql" {
                        "mysql"
                    } else if label == "postgres" {
                        "postgres"
                    } else {
                        "sqlite"
                    },
                    other.name(),
                ))
                .or_default();
            entry.0 += 1;
            entry.1 += usize::from(flagged(&source, *other));
        }
    }
    for ((label, read_as), (n, hit)) in &recall {
        eprintln!(
            "PF006 recall: {hit} of {n} non-empty {label} files flagged when read as {read_as}"
        );
    }
    assert!(checked > 1000, "only {checked} files checked");
    assert!(
        own.is_empty(),
        "PF006 on files in their own dialect: {own:?}"
    );
    let hits = |label, read_as| recall.get(&(label, read_as)).map_or(0, |r| r.1);
    assert!(hits("mysql", "postgres") > 600, "{recall:?}");
    assert!(hits("postgres", "mysql") > 150, "{recall:?}");
    assert!(hits("sqlite", "postgres") > 10, "{recall:?}");
}

/// The corpus's own dialect label of `path` (`mysql`, `postgres`, `sqlite`, `cockroach`,
/// `generic`).
fn label(root: &std::path::Path, path: &str) -> String {
    use std::sync::OnceLock;
    static LABELS: OnceLock<std::collections::HashMap<String, String>> = OnceLock::new();
    LABELS
        .get_or_init(|| {
            std::fs::read_to_string(root.join("MANIFEST.tsv"))
                .expect("MANIFEST.tsv")
                .lines()
                .skip(1)
                .filter_map(|line| {
                    let mut cols = line.split('\t');
                    let (path, _repo, label) = (cols.next()?, cols.next()?, cols.next()?);
                    Some((path.to_string(), label.to_string()))
                })
                .collect()
        })
        .get(path)
        .cloned()
        .unwrap_or_default()
}
