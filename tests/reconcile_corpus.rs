//! Robustness: replay every PostgreSQL and MySQL migration of the real-world corpus
//! (`../shared/corpus`, read in place, never copied) on the model catalog. Nothing may panic,
//! and what cannot be modelled must be reported, not dropped. The corpus is found at
//! `$PREFLIGHT_CORPUS` or `../shared/corpus` beside the clone; without it the test says so and
//! passes, except under `CI=true`, where a missing corpus is a failure (CI always has it).
//! `--nocapture` prints, per repository, how much could not be modelled and why.

mod common;

use preflight::reconcile::expected::Engine;
use preflight::source::SourceFile;
use preflight::sql::{parse_source, Dialect};
use std::collections::BTreeMap;

#[test]
fn the_corpus_replays_without_panics_and_reports_what_it_cannot_model() {
    let Some((corpus, manifest)) = common::corpus::manifest("robustness test") else {
        return;
    };
    // One migration sequence per repository and dialect, in path order.
    let mut sequences: BTreeMap<(String, &str), Vec<String>> = BTreeMap::new();
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(path), Some(repo), Some(dialect)) = (cols.first(), cols.get(1), cols.get(2))
        else {
            continue;
        };
        let dialect = match *dialect {
            "postgres" | "cockroach" | "generic" => "postgres",
            "mysql" => "mysql",
            _ => continue,
        };
        if path.contains(".down.") || path.ends_with("down.sql") {
            continue;
        }
        sequences
            .entry((repo.to_string(), dialect))
            .or_default()
            .push(path.to_string());
    }
    let (mut statements, mut opaque, mut files) = (0, 0, 0);
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for ((repo, dialect), mut paths) in sequences {
        paths.sort();
        let dialect = if dialect == "mysql" {
            Dialect::Mysql
        } else {
            Dialect::Postgres
        };
        let parsed: Vec<_> = paths
            .iter()
            .filter_map(|p| SourceFile::read(&corpus.join(p)).ok())
            .map(|s| parse_source(&s, dialect))
            .collect();
        files += parsed.len();
        let engine = if dialect == Dialect::Mysql {
            Engine::MySql
        } else {
            Engine::Postgres
        };
        let expected = common::reconcile::replay_whole(&parsed, engine, "public");
        let s: usize = expected.migrations.iter().map(|m| m.statements).sum();
        let o: usize = expected.migrations.iter().map(|m| m.opaque.len()).sum();
        println!(
            "{repo} ({dialect}): {} files, {s} statements, {o} not modelled, {} objects",
            parsed.len(),
            expected.schema.len()
        );
        for (_, why) in expected.migrations.iter().flat_map(|m| &m.opaque) {
            let key: String = why.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
            *reasons.entry(key).or_default() += 1;
        }
        statements += s;
        opaque += o;
    }
    println!("total: {files} files, {statements} statements, {opaque} not modelled");
    let mut top: Vec<_> = reasons.into_iter().collect();
    top.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    for (why, n) in top.iter().take(25) {
        println!("  {n:5}  {why}");
    }
    assert!(files > 1000, "the corpus was not found");
    assert!(statements > 0);
}
