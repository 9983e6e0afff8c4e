//! verify and reconcile agree on every migration file of the real-world corpus
//! (`../shared/corpus`, read in place, never copied) about which files a run applies, in which
//! order, and which statements of each it applies. The corpus is found at `$PREFLIGHT_CORPUS`
//! or `../shared/corpus` beside the clone; without it the test says so and passes, except
//! under `CI=true`, where a missing corpus is a failure (CI always has it).

mod common;

use preflight::config::{GenericTrackerConfig, MigrationsConfig};
use preflight::layout::{Discovered, Layout};
use preflight::reconcile::expected::{self, replay};
use preflight::reconcile::trackers;
use preflight::sql::{parse_source, Dialect};
use preflight::verify;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every migrations directory of the corpus with the dialect of its files: the directory of
/// each file, or its parent for one-directory-per-migration tools (Prisma, Diesel).
fn migration_dirs(root: &Path, manifest: &str) -> BTreeMap<PathBuf, Dialect> {
    let mut dirs = BTreeMap::new();
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(path), Some(dialect)) = (cols.first(), cols.get(2)) else {
            continue;
        };
        let dialect = match *dialect {
            "mysql" => Dialect::Mysql,
            "sqlite" => Dialect::Sqlite,
            _ => Dialect::Postgres,
        };
        let Some(dir) = root.join(path).parent().map(Path::to_path_buf) else {
            continue;
        };
        let dir = match dir.parent() {
            Some(parent) if matches!(Layout::detect(parent), Layout::Prisma | Layout::Diesel) => {
                parent.to_path_buf()
            }
            _ => dir,
        };
        dirs.entry(dir).or_insert(dialect);
    }
    dirs
}

fn reconcile_files(dir: &Path, layout: Layout) -> preflight::error::Result<Discovered> {
    let config = MigrationsConfig {
        generic_tracker: Some(GenericTrackerConfig {
            table: "migrations".into(),
            version_column: "name".into(),
            status_column: None,
            success_values: Vec::new(),
            executed_at_column: None,
        }),
        ..MigrationsConfig::default()
    };
    let tracker = trackers::by_name(layout.name(), &config, Path::new("preflight.toml"))
        .expect("every layout has a tracker");
    tracker.discover(dir)
}

#[test]
fn verify_and_reconcile_apply_the_same_statements_of_every_corpus_file() {
    let Some((root, manifest)) = common::corpus::manifest("verify/reconcile agreement test") else {
        return;
    };
    let (mut dirs_compared, mut files_compared, mut statements_compared) = (0, 0, 0);
    let mut disagreements = Vec::new();
    for (dir, dialect) in migration_dirs(&root, &manifest) {
        let layout = Layout::detect(&dir);
        let by_verify = verify::migration_files(&dir, None);
        let by_reconcile = reconcile_files(&dir, layout);
        let (by_verify, by_reconcile) = match (by_verify, by_reconcile) {
            (Ok(v), Ok(r)) => (v, r),
            // Both refuse the directory (e.g. duplicate versions): they agree.
            (Err(_), Err(_)) => continue,
            // verify refuses a directory with no migrations; reconcile lists none.
            (Err(_), Ok(r)) if r.files.is_empty() => continue,
            (v, r) => {
                disagreements.push(format!(
                    "{}: verify {:?}, reconcile {:?}",
                    dir.display(),
                    v.map(|d| d.files.len()),
                    r.map(|d| d.files.len())
                ));
                continue;
            }
        };
        dirs_compared += 1;
        let names = |d: &Discovered| d.files.iter().map(|f| f.name.clone()).collect::<Vec<_>>();
        if names(&by_verify) != names(&by_reconcile) {
            disagreements.push(format!("{}: files or order differ", dir.display()));
            continue;
        }
        if dialect == Dialect::Sqlite {
            continue; // neither command runs SQLite files
        }
        for (v, r) in by_verify.files.iter().zip(&by_reconcile.files) {
            files_compared += 1;
            // reconcile: every statement its replay model counts.
            let parsed = parse_source(&r.source, dialect);
            let reconciled: BTreeSet<(usize, usize)> = parsed
                .statements
                .iter()
                .filter(|s| r.up.contains(&s.range.start))
                .map(|s| (s.range.start, s.range.end))
                .collect();
            let engine = if dialect.is_mysql_family() {
                expected::Engine::MySql
            } else {
                expected::Engine::Postgres
            };
            let model = replay(
                &[expected::Migration {
                    parsed: &parsed,
                    up: r.up.clone(),
                    in_transaction: false,
                }],
                engine,
                "public",
            );
            if parsed.tokenize_error.is_none() {
                assert_eq!(model.migrations[0].statements, reconciled.len());
            }
            // verify: the statements it sends, and those it leaves out on purpose.
            let plan = verify::plan::plan(v.source.clone(), v.up.clone(), dialect, 150_000);
            let verified: BTreeSet<(usize, usize)> = plan
                .steps
                .iter()
                .map(|s| (s.range.start, s.range.end))
                .chain(plan.left_out.iter().map(|r| (r.start, r.end)))
                .collect();
            statements_compared += reconciled.len();
            if verified != reconciled {
                disagreements.push(format!(
                    "{}: verify runs {} statements, reconcile replays {}",
                    r.source.path.display(),
                    verified.len(),
                    reconciled.len()
                ));
            }
        }
    }
    eprintln!(
        "compared {dirs_compared} migration directories, {files_compared} files, {statements_compared} statements"
    );
    assert!(dirs_compared > 20, "too few directories compared");
    assert!(
        disagreements.is_empty(),
        "verify and reconcile disagree:\n{}",
        disagreements.join("\n")
    );
}
