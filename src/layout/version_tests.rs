//! Diesel's and Atlas's versions as the tools read them: any text, compared as text, in the
//! tools' own order; and what each tool refuses.

use super::*;
use std::path::PathBuf;

/// A fresh directory under the system temp dir holding `files` (`path`, `text`) and the empty
/// directories `empty`.
fn dir_with(tag: &str, files: &[&str], empty: &[&str]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("preflight-versions-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for path in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "SELECT 1;\n").unwrap();
    }
    for path in empty {
        std::fs::create_dir_all(dir.join(path)).unwrap();
    }
    dir
}

fn listed(found: &Discovered) -> Vec<(&str, &str)> {
    found
        .files
        .iter()
        .map(|f| (f.name.as_str(), f.version.as_str()))
        .collect()
}

fn error_of(result: crate::error::Result<Discovered>) -> String {
    match result {
        Ok(found) => panic!("discovered {:?}", listed(&found)),
        Err(e) => e.to_string(),
    }
}

/// `version_from_string` takes any name; `pending_migrations` sorts the versions as strings
/// and matches them by equality. Files, hidden entries and empty directories are no
/// migrations (`migrations_directories`).
#[test]
fn diesel_reads_any_directory_name_as_a_text_version() {
    let dir = dir_with(
        "diesel",
        &[
            "00000000000000_diesel_initial_setup/up.sql",
            "2024-01-01-000000-000a_users/up.sql",
            "2024-01-01-000000-000a_users/down.sql",
            "initial/up.sql",
            "v1_init/up.sql",
            "10_ten/up.sql",
            "9_nine/up.sql",
            "001_a/up.sql",
            "1_b/up.sql",
            ".draft_x/up.sql",
            "README.md",
        ],
        &[".empty"],
    );
    std::fs::create_dir_all(dir.join("v3_empty")).unwrap();
    std::fs::write(dir.join("v3_empty/up.sql"), "").unwrap();
    let found = Layout::Diesel.discover(&dir).unwrap();
    assert_eq!(
        listed(&found),
        [
            (
                "00000000000000_diesel_initial_setup/up.sql",
                "00000000000000"
            ),
            ("001_a/up.sql", "001"),
            ("1_b/up.sql", "1"),
            ("10_ten/up.sql", "10"),
            ("2024-01-01-000000-000a_users/up.sql", "20240101000000000a"),
            ("9_nine/up.sql", "9"),
            ("initial/up.sql", "initial"),
            ("v1_init/up.sql", "v1"),
        ]
    );
    assert!(
        !found.files[1].key.same(&found.files[2].key),
        "001 is not 1"
    );
    let ignored: Vec<(&str, &str, bool)> = found
        .ignored
        .iter()
        .map(|i| (i.path.as_str(), i.reason.as_str(), i.by_design))
        .collect();
    let hidden = dir.join(".draft_x/up.sql").display().to_string();
    let empty = dir.join("v3_empty/up.sql").display().to_string();
    assert_eq!(
        ignored,
        [
            (hidden.as_str(), "Diesel skips hidden directories", false),
            (
                empty.as_str(),
                "is empty: `diesel migration run` fails on it (\"Attempted to run an empty migration.\") and stops there",
                false
            ),
        ]
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// `FileBasedMigrations::from_path` refuses the whole directory when one sub-directory has no
/// `up.sql` (`MigrationError::UnknownMigrationFormat`); diesel_cli 2.3.14 an empty one too.
#[test]
fn diesel_refuses_a_directory_without_up_sql() {
    let dir = dir_with(
        "diesel-no-up",
        &["2024-01-01-000000_users/up.sql", "fixtures/seed.sql"],
        &[],
    );
    let error = error_of(Layout::Diesel.discover(&dir));
    assert!(error.contains("fixtures"), "{error}");
    assert!(
        error.contains("has no up.sql, so `diesel migration run` refuses the whole migrations directory: \"Invalid migration directory"),
        "{error}"
    );
    std::fs::remove_dir_all(dir).unwrap();
    let dir = dir_with(
        "diesel-empty-dir",
        &["2024-01-01-000000_users/up.sql"],
        &["2024-01-02-000000_later"],
    );
    let error = error_of(Layout::Diesel.discover(&dir));
    assert!(
        error.contains("2024-01-02-000000_later")
            && error.contains("is an empty directory, for which diesel_cli 2.3 refuses"),
        "{error}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// Two directories of one version (dashes removed) collapse into one in Diesel's map of
/// pending migrations.
#[test]
fn diesel_two_directories_of_one_version_are_refused() {
    let dir = dir_with(
        "diesel-duplicate",
        &["2024-01-01_a/up.sql", "20240101_b/up.sql"],
        &[],
    );
    let error = error_of(Layout::Diesel.discover(&dir));
    assert!(
        error.contains("has the same version 20240101 as 2024-01-01_a/up.sql; Diesel keys pending migrations by version"),
        "{error}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// `LocalFile.Version` is the name up to the first `_` or the whole stem; `LocalDir.Files`
/// sorts by name, which is not always the versions' order (`1-a_x.sql` before `1_b.sql`).
#[test]
fn atlas_reads_any_name_as_a_text_version_in_name_order() {
    let dir = dir_with(
        "atlas",
        &[
            "20240101000000_users.sql",
            "initial.sql",
            "v2_add_posts.sql",
            "2.10.x-20_description.sql",
            "1_b.sql",
            "1-a_x.sql",
            "atlas.sum",
        ],
        &[],
    );
    let found = Layout::Atlas.discover(&dir).unwrap();
    assert_eq!(
        listed(&found),
        [
            ("1-a_x.sql", "1-a"),
            ("1_b.sql", "1"),
            ("2.10.x-20_description.sql", "2.10.x-20"),
            ("20240101000000_users.sql", "20240101000000"),
            ("initial.sql", "initial"),
            ("v2_add_posts.sql", "v2"),
        ]
    );
    let descriptions: Vec<&str> = found.files.iter().map(|f| f.description.as_str()).collect();
    assert_eq!(
        descriptions,
        ["x", "b", "description", "users", "", "add_posts"]
    );
    assert!(found.ignored.is_empty(), "{:?}", found.ignored);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn atlas_two_files_of_one_version_are_refused() {
    let dir = dir_with("atlas-duplicate", &["1_a.sql", "1_b.sql"], &[]);
    let error = error_of(Layout::Atlas.discover(&dir));
    assert!(
        error.contains("has the same version 1 as 1_a.sql; Atlas keeps one revision per version"),
        "{error}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// `__diesel_schema_migrations.version` is a VARCHAR(50) (`setup_migration_table.sql`): a
/// version of 51 characters cannot be recorded, so `diesel migration run` fails on it; 50 fit.
/// Dashes are removed before counting (`version_from_string`).
#[test]
fn diesel_a_version_longer_than_its_tracker_column_is_reported() {
    let fifty = "2".repeat(50);
    let long = format!("{}_long_name", "1".repeat(51));
    let dashed = format!("{}-{}_dashed", "3".repeat(25), "3".repeat(25));
    let paths = [
        format!("{fifty}_fits/up.sql"),
        format!("{long}/up.sql"),
        format!("{dashed}/up.sql"),
    ];
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    let dir = dir_with("diesel-long", &paths, &[]);
    let found = Layout::Diesel.discover(&dir).unwrap();
    let versions: Vec<&str> = found.files.iter().map(|f| f.version.as_str()).collect();
    assert_eq!(versions, [fifty.as_str(), "3".repeat(50).as_str()]);
    let [ignored] = found.ignored.as_slice() else {
        panic!("{:?}", found.ignored);
    };
    assert_eq!(
        ignored.path,
        dir.join(&long).join("up.sql").display().to_string()
    );
    assert!(!ignored.by_design);
    assert!(
        ignored.reason.starts_with(&format!(
            "has version `{}` (51 characters): Diesel records it in `__diesel_schema_migrations.version`, a VARCHAR(50)",
            "1".repeat(51)
        )),
        "{}",
        ignored.reason
    );
    assert!(
        ignored.reason.contains(
            "shorten the directory's name before its first `_` to 50 characters or fewer"
        ),
        "{}",
        ignored.reason
    );
    std::fs::remove_dir_all(dir).unwrap();
}
