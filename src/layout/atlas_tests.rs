//! Atlas's `atlas:sum ignore` and `atlas:checkpoint` directives as `sql/migrate/dir.go` reads
//! them (`directive`, `LocalFile.comments`, `NewHashFile`), and the run a checkpoint gives
//! (`sql/migrate/migrate.go`, `Executor.Pending`).

use super::*;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::path::PathBuf;

/// A fresh directory under the system temp dir holding `files` (`name`, `text`).
fn dir_with(tag: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("preflight-atlas-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

fn names(files: &[MigrationFile]) -> Vec<&str> {
    files.iter().map(|f| f.name.as_str()).collect()
}

/// `reDirective` is matched from the start of the text: the file's first line, any prefix,
/// and the argument exactly `ignore`.
#[test]
fn the_sum_directive_is_the_first_line_with_the_argument_ignore() {
    for text in [
        "-- atlas:sum ignore\nSELECT 1;\n",
        "atlas:sum ignore",
        "//atlas:sum ignore\nbar",
        "# atlas:sum ignore\r\nSELECT 1;\r\n",
    ] {
        assert!(atlas_sum_ignored(text), "{text:?}");
    }
    for text in [
        "-- atlas:sum\nSELECT 1;\n",
        "-- atlas:sum ignore \nSELECT 1;\n",
        "-- atlas:summary ignore\n",
        "SELECT 1;\n-- atlas:sum ignore\n",
        "\n-- atlas:sum ignore\n",
        "-- atlas:sum ignore atlas:delimiter ;\n",
    ] {
        assert!(!atlas_sum_ignored(text), "{text:?}");
    }
}

/// File directives are the top comment lines, and only when a blank line follows them.
#[test]
fn a_checkpoint_is_a_top_comment_followed_by_a_blank_line() {
    for text in [
        "-- atlas:checkpoint\n\nCREATE TABLE t (c int);\n",
        "-- atlas:checkpoint v1.2\n\nCREATE TABLE t (c int);\n",
        "-- generated\n# atlas:checkpoint\n\nCREATE TABLE t (c int);\n",
        "  -- atlas:checkpoint\n\n".trim_start(),
    ] {
        assert!(atlas_is_checkpoint(text), "{text:?}");
    }
    for text in [
        "-- atlas:checkpoint\nCREATE TABLE t (c int);\n",
        "-- atlas:checkpoint\r\n\r\nCREATE TABLE t (c int);\r\n",
        "-- atlas:checkpoint",
        "CREATE TABLE t (c int);\n-- atlas:checkpoint\n\n",
        "\n-- atlas:checkpoint\n\n",
        "-- atlas:checkpointed\n\n",
    ] {
        assert!(!atlas_is_checkpoint(text), "{text:?}");
    }
}

/// `NewHashFile`: an ignored file's name goes into the running hash, its content does not,
/// and it gets no entry; the next entry chains through its name.
#[test]
fn atlas_sum_leaves_an_ignored_file_out_but_chains_its_name() {
    let ignored = "-- atlas:sum ignore\nSELECT 1;\n";
    let files = [
        ("1_a.sql".to_string(), ignored.as_bytes().to_vec()),
        ("2_b.sql".to_string(), b"SELECT 2;\n".to_vec()),
    ];
    let mut sha = Sha256::new();
    sha.update(b"1_a.sql2_b.sqlSELECT 2;\n");
    let want = base64::engine::general_purpose::STANDARD.encode(sha.finalize());
    assert_eq!(
        atlas_hashes(&files),
        [("2_b.sql".to_string(), want.clone())]
    );

    let dir = dir_with(
        "sum-ignore",
        &[("1_a.sql", ignored), ("2_b.sql", "SELECT 2;\n")],
    );
    let found = Layout::Atlas.discover(&dir).unwrap();
    assert_eq!(names(&found.files), ["1_a.sql", "2_b.sql"]);
    assert_eq!(found.files[0].directory_checksum, None);
    assert_eq!(
        found.files[1].directory_checksum.as_deref(),
        Some(want.as_str())
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// Atlas's `partial-checkpoint` layout (names only): checkpoints at 3 and 5. A database with
/// revisions skips both (`SkipCheckpointFiles`); one without starts at the last
/// (`FilesFromLastCheckpoint`); one whose first revision is 3 started at 3.
#[test]
fn checkpoints_run_only_on_a_database_that_starts_at_one() {
    let checkpoint = "-- atlas:checkpoint\n\nCREATE TABLE t (c int);\n";
    let plain = "CREATE TABLE u (c int);\n";
    let dir = dir_with(
        "checkpoint",
        &[
            ("1_first.sql", plain),
            ("2_second.sql", plain),
            ("3_checkpoint.sql", checkpoint),
            ("4_fourth.sql", plain),
            ("5_checkpoint.sql", checkpoint),
            ("6_sixth.sql", plain),
        ],
    );
    let found = Layout::Atlas.discover(&dir).unwrap();
    assert_eq!(
        names(&found.files),
        ["1_first.sql", "2_second.sql", "4_fourth.sql", "6_sixth.sql"]
    );
    assert_eq!(
        names(&found.checkpoints),
        ["3_checkpoint.sql", "5_checkpoint.sql"]
    );
    assert!(found
        .checkpoints
        .iter()
        .all(|c| c.directory_checksum.is_some()));
    let set_aside: Vec<&str> = found
        .ignored
        .iter()
        .filter(|i| i.by_design)
        .map(|i| i.path.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(set_aside, ["3_checkpoint.sql", "5_checkpoint.sql"]);

    let mut fresh = found.clone();
    fresh.start_at_checkpoint(None);
    assert_eq!(names(&fresh.files), ["5_checkpoint.sql", "6_sixth.sql"]);
    let left_out: Vec<(&str, &str)> = fresh
        .ignored
        .iter()
        .map(|i| (i.path.rsplit('/').next().unwrap(), i.reason.as_str()))
        .collect();
    assert_eq!(left_out.len(), 4, "{left_out:?}");
    assert!(left_out.contains(&(
        "4_fourth.sql",
        "comes before the checkpoint 5_checkpoint.sql, where Atlas starts this database, so it never runs here"
    )));
    assert!(left_out.iter().all(|(name, _)| *name != "5_checkpoint.sql"));

    let mut from_3 = found.clone();
    from_3.start_at_checkpoint(Some(&VersionKey::text("3")));
    assert_eq!(
        names(&from_3.files),
        ["3_checkpoint.sql", "4_fourth.sql", "6_sixth.sql"]
    );

    let mut with_history = found.clone();
    with_history.start_at_checkpoint(Some(&VersionKey::text("1")));
    assert_eq!(names(&with_history.files), names(&found.files));
    std::fs::remove_dir_all(dir).unwrap();
}

/// A checkpoint's version is a version like any other: one of a plain file's is refused.
#[test]
fn a_checkpoint_sharing_a_version_is_refused() {
    let dir = dir_with(
        "checkpoint-duplicate",
        &[
            ("1_a.sql", "SELECT 1;\n"),
            ("1_checkpoint.sql", "-- atlas:checkpoint\n\nSELECT 1;\n"),
        ],
    );
    let error = Layout::Atlas.discover(&dir).unwrap_err().to_string();
    assert!(
        error.contains("has the same version 1 as 1_a.sql"),
        "{error}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// `atlas.sum` of Atlas's own test directory (`sql/migrate/testdata/migrate/atlas.sum` in
/// ariga/atlas): its header is `HashFile.Sum` of its lines, as `UnmarshalText` checks.
const ATLAS_TESTDATA_SUM: &str = "h1:rXkukFq7O3f2xgfZZi97Mh5Yd6MYRy6XmMYMV+Z9S9c=
1_initial.down.sql h1:0zypK43rgPbgvVUgVJABGN25VgM1QSeU+LJDBb8cEQI=
1_initial.up.sql h1:hFhs5XhRml4KTWGF5td6h1s7xNqAFnaEBbC5Y/NF7i4=
sub/1.a_sub.up.sql h1:GomhYquMSavc1O/WeukxL02orVIHO2EUK6pWsedwELc=
sub/2.10.x-20_description.sql h1:9HvZYZZMi9S7eLQvNAR9W9BxaMRvFz0A9TUmpdEHt4o=
sub/3_partly.sql h1:WC7hyKTXrRB3woOqTAdc2m7XSLnbctgtF+W2ozDLUVc=
";

/// `HashFile.UnmarshalText`: the header must be the sum of the lines read, and every line after
/// it must hold `h1:`; anything else makes Atlas refuse the directory.
#[test]
fn the_sum_header_is_the_sum_of_the_lines_atlas_reads() {
    let sum = AtlasSum::parse(ATLAS_TESTDATA_SUM);
    assert_eq!(sum.entries.len(), 5);
    assert_eq!(
        sum.entries[0],
        (
            "1_initial.down.sql".to_string(),
            "0zypK43rgPbgvVUgVJABGN25VgM1QSeU+LJDBb8cEQI=".to_string()
        )
    );
    assert_eq!(sum.malformed_line, None);
    assert_eq!(
        atlas_sum_total(&sum.entries),
        "rXkukFq7O3f2xgfZZi97Mh5Yd6MYRy6XmMYMV+Z9S9c="
    );
    assert!(sum.header_matches());
    // Line endings are `bufio.ScanLines`'s: `\r\n` reads as `\n`.
    assert!(AtlasSum::parse(&ATLAS_TESTDATA_SUM.replace('\n', "\r\n")).header_matches());

    // Only the header changed: the lines no longer add up to it.
    let edited = ATLAS_TESTDATA_SUM.replacen("h1:rXku", "h1:AXku", 1);
    let sum = AtlasSum::parse(&edited);
    assert_eq!(sum.entries.len(), 5);
    assert!(!sum.header_matches());
    // A line edited, the header kept: likewise.
    let edited = ATLAS_TESTDATA_SUM.replace("h1:hFhs", "h1:xFhs");
    assert!(!AtlasSum::parse(&edited).header_matches());
    // An empty file's header is empty, not the sum of no lines.
    assert!(!AtlasSum::parse("").header_matches());
    // A line without `h1:` (a blank one too) is `ErrChecksumFormat`.
    let split = ATLAS_TESTDATA_SUM.replace(".up.sql h1:hFhs", ".up.sql\n h1:hFhs");
    assert_eq!(AtlasSum::parse(&split).malformed_line, Some(3));
    let blank = ATLAS_TESTDATA_SUM.replacen('\n', "\n\n", 1);
    assert_eq!(AtlasSum::parse(&blank).malformed_line, Some(2));
}
