//! Per-rule fixtures: `fixtures/lint/<CODE>/<dialect>.sql`, one per dialect the rule applies to.
//! Each must trigger its rule, must not contain anything preflight fails to understand, and its
//! findings plus its safely fixed text are pinned by an insta snapshot.

use preflight::fix::fix_source;
use preflight::lint::{dialects_of, lint_source, never_run_for, LintOptions, RULES};
use preflight::runner::Runner;
use preflight::source::SourceFile;
use preflight::sql::Dialect;
use std::path::Path;

fn dialect_named(name: &str) -> Dialect {
    match name {
        "postgres" => Dialect::Postgres,
        "mysql" => Dialect::Mysql,
        "mariadb" => Dialect::Mariadb,
        "sqlite" => Dialect::Sqlite,
        other => panic!("fixture for unknown dialect {other}"),
    }
}

/// A fixture pins the findings of its rule's family: the retry families (PF0xx–PF2xx)
/// together, each later family (PF3xx lock safety, …) alone, so that adding a family does not
/// rewrite every other family's snapshots. Naming the rule also runs it when it is opt-in.
fn family_selection(code: &str) -> Vec<String> {
    let family = &code[..3];
    let mut select = vec!["PF0".to_string(), family.to_string(), code.to_string()];
    if matches!(family, "PF0" | "PF1" | "PF2") {
        select.extend(["PF1".to_string(), "PF2".to_string()]);
    }
    select
}

/// A fixture whose first line is `-- fixture: tracker=NAME file=NAME`, for a rule that judges a
/// file by its name in its directory (PF007): linted as that file, alone in a fresh migrations
/// directory, under that tool; its findings are shown at the fixture's own path.
struct InDirectory {
    dir: std::path::PathBuf,
    tracker: String,
    file: String,
}

impl InDirectory {
    fn of(code: &str, dialect: &str, text: &str) -> Option<InDirectory> {
        let header = text.lines().next()?.strip_prefix("-- fixture:")?;
        let (mut tracker, mut file) = (None, None);
        for word in header.split_whitespace() {
            match word.split_once('=') {
                Some(("tracker", t)) => tracker = Some(t.to_string()),
                Some(("file", f)) => file = Some(f.to_string()),
                _ => panic!("fixture header word `{word}`"),
            }
        }
        let dir = std::env::temp_dir().join(format!(
            "preflight-fixture-{code}-{dialect}-{}",
            std::process::id()
        ));
        Some(InDirectory {
            dir,
            tracker: tracker.expect("tracker= in the fixture header"),
            file: file.expect("file= in the fixture header"),
        })
    }

    /// Writes the file and points `options` at its directory and tool.
    fn source(&self, text: &str, options: &mut LintOptions) -> SourceFile {
        let _ = std::fs::remove_dir_all(&self.dir);
        std::fs::create_dir_all(&self.dir).expect("fixture directory");
        let path = self.dir.join(&self.file);
        std::fs::write(&path, text).expect("fixture file");
        options.runner = Some(Runner::named(&self.tracker).expect("known tracker"));
        options.never_run = Some(never_run_for(
            std::slice::from_ref(&self.dir),
            std::slice::from_ref(&path),
            options,
        ));
        SourceFile::new(path, text.to_string())
    }
}

#[test]
fn every_rule_has_a_fixture_for_each_dialect_it_applies_to() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/lint");
    for rule in RULES.iter() {
        let dialects = dialects_of(rule.code).expect("registered rule");
        for d in [
            Dialect::Postgres,
            Dialect::Mysql,
            Dialect::Mariadb,
            Dialect::Sqlite,
        ] {
            let path = root.join(rule.code).join(format!("{d}.sql"));
            assert_eq!(
                path.is_file(),
                dialects.contains(&d),
                "{}: fixture {} should exist exactly when the rule applies to {d}",
                rule.code,
                path.display()
            );
        }
    }
}

#[test]
fn fixtures_trigger_their_rule_and_match_snapshots() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/lint");
    for rule in RULES.iter() {
        let mut entries: Vec<_> = std::fs::read_dir(root.join(rule.code))
            .expect("fixture directory")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for path in entries {
            let dialect_name = path.file_stem().and_then(|s| s.to_str()).expect("name");
            let dialect = dialect_named(dialect_name);
            let text = std::fs::read_to_string(&path).expect("fixture text");
            let display = format!("fixtures/lint/{}/{dialect_name}.sql", rule.code);
            let mut options = LintOptions {
                dialect,
                select: family_selection(rule.code),
                ..LintOptions::default()
            };
            let in_directory = InDirectory::of(rule.code, dialect_name, &text);
            let source = match &in_directory {
                None => SourceFile::new(&display, text),
                Some(d) => d.source(&text, &mut options),
            };
            let mut findings = lint_source(&source, &options);
            if let Some(d) = &in_directory {
                for f in &mut findings {
                    f.location.path = Some(display.clone());
                }
                std::fs::remove_dir_all(&d.dir).expect("remove the fixture's directory");
            }
            assert!(
                findings.iter().any(|f| f.rule == rule.code),
                "{display} does not trigger {}",
                rule.code
            );
            if rule.code != "PF001" {
                assert!(
                    !findings.iter().any(|f| f.rule == "PF001"),
                    "{display} has a statement preflight does not understand"
                );
            }
            let fixed = fix_source(&source, &options, false).fixed;
            insta::assert_json_snapshot!(
                format!("{}__{dialect_name}", rule.code),
                serde_json::json!({ "findings": findings, "fixed": fixed })
            );
        }
    }
}
