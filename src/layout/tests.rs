use super::*;
use std::path::PathBuf;

/// A fresh directory under the system temp dir holding `files` (`path`, `text`).
fn dir_with(tag: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("preflight-layout-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn names(d: &Discovered) -> Vec<&str> {
    d.files.iter().map(|f| f.name.as_str()).collect()
}

fn ups(d: &Discovered) -> Vec<std::borrow::Cow<'_, str>> {
    d.files.iter().map(|f| f.up.text(&f.source.text)).collect()
}

#[test]
fn version_numbers_sort_by_value() {
    let mut names = vec!["V10__c.sql", "V2__b.sql", "V1__a.sql", "V1.1__x.sql"];
    names.sort_by(|a, b| natural_cmp(a, b));
    assert_eq!(
        names,
        ["V1__a.sql", "V1.1__x.sql", "V2__b.sql", "V10__c.sql"]
    );
}

#[test]
fn flyway_never_runs_undo_scripts_and_runs_repeatables_last_by_description() {
    let dir = dir_with(
        "flyway",
        &[
            ("R__b_views.sql", "CREATE OR REPLACE VIEW b AS SELECT 1;"),
            ("R__a_functions.sql", "SELECT 1;"),
            ("V10__later.sql", "CREATE TABLE c (id int);"),
            ("V1__init.sql", "CREATE TABLE a (id int);"),
            ("V2__more.sql", "CREATE TABLE b (id int);"),
            ("U2__more.sql", "DROP TABLE b;"),
            ("B1__baseline.sql", "CREATE TABLE a (id int);"),
        ],
    );
    let found = Layout::Flyway.discover(&dir).unwrap();
    assert_eq!(
        names(&found),
        [
            "V1__init.sql",
            "V2__more.sql",
            "V10__later.sql",
            "R__a_functions.sql",
            "R__b_views.sql"
        ]
    );
    let ignored: Vec<&str> = found.ignored.iter().map(|i| i.reason.as_str()).collect();
    assert!(
        ignored.contains(&"an undo script runs only on `flyway undo`, never on `flyway migrate`")
    );
    assert_eq!(found.ignored.len(), 2);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn refinery_runs_unversioned_migrations_in_version_order() {
    let dir = dir_with(
        "refinery",
        &[
            ("V1__init.sql", "CREATE TABLE a (id int);"),
            ("U2__merge.sql", "CREATE TABLE b (id int);"),
            ("V3__more.sql", "CREATE TABLE c (id int);"),
            ("V4__not-a-word.sql", "SELECT 1;"),
        ],
    );
    let found = Layout::Refinery.discover(&dir).unwrap();
    assert_eq!(
        names(&found),
        ["V1__init.sql", "U2__merge.sql", "V3__more.sql"]
    );
    assert_eq!(found.ignored.len(), 1);
    std::fs::remove_dir_all(dir).unwrap();
}

/// Newer dbmate runs every `-- migrate:up` section of a file (`getMigrationSectionSubstrings`),
/// so reconcile and verify replay all of them, in order, and no down section.
#[test]
fn every_up_section_of_a_dbmate_file_is_replayed() {
    let dir = dir_with(
        "dbmate-sections",
        &[(
            "20240101_a.sql",
            "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n\
             -- migrate:up\nCREATE TABLE b (id int);\n-- migrate:down\nDROP TABLE b;\n",
        )],
    );
    let found = Layout::Dbmate.discover(&dir).unwrap();
    assert_eq!(
        ups(&found),
        ["CREATE TABLE a (id int);\n\nCREATE TABLE b (id int);\n"]
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn dbmate_down_markers_without_a_space_end_the_up_part() {
    let dir = dir_with(
        "dbmate",
        &[
            (
                "20240101_a.sql",
                "-- migrate:up\nCREATE TABLE a (id int);\n--migrate:down\nDROP TABLE a;\n",
            ),
            (
                "20240102_b.sql",
                "--migrate:up\nCREATE TABLE b (id int);\n--  migrate:down\nDROP TABLE b;\n",
            ),
        ],
    );
    assert_eq!(Layout::detect(&dir), Layout::Dbmate);
    let found = Layout::Dbmate.discover(&dir).unwrap();
    assert_eq!(
        ups(&found),
        ["CREATE TABLE a (id int);\n", "CREATE TABLE b (id int);\n"]
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// A directory's tag, its files, and the layout it must be recognised as.
type DetectCase<'a> = (&'a str, &'a [(&'a str, &'a str)], Layout);

#[test]
fn directories_are_recognised_by_their_tool() {
    let cases: &[DetectCase] = &[
        (
            "d-prisma",
            &[("20240101_init/migration.sql", "SELECT 1;")],
            Layout::Prisma,
        ),
        (
            "d-diesel",
            &[("2024-01-01-000000_init/up.sql", "SELECT 1;")],
            Layout::Diesel,
        ),
        ("d-flyway", &[("V1__init.sql", "SELECT 1;")], Layout::Flyway),
        (
            "d-golang",
            &[("1_init.up.sql", "SELECT 1;")],
            Layout::GolangMigrate,
        ),
        (
            "d-goose",
            &[("1_init.sql", "-- +goose Up\nSELECT 1;\n")],
            Layout::Goose,
        ),
        (
            "d-generic",
            &[("001_init.sql", "SELECT 1;")],
            Layout::Generic,
        ),
    ];
    for (tag, files, layout) in cases {
        let dir = dir_with(tag, files);
        assert_eq!(Layout::detect(&dir), *layout, "{tag}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn generic_runs_every_sql_file_below_the_directory_in_natural_order() {
    let dir = dir_with(
        "generic",
        &[
            ("v10/a.sql", "SELECT 1;"),
            ("v2/a.sql", "SELECT 1;"),
            ("v2/a.down.sql", "SELECT 1;"),
            ("schema.sql", "SELECT 1;"),
        ],
    );
    let found = Layout::Generic.discover(&dir).unwrap();
    assert_eq!(names(&found), ["schema.sql", "v2/a.sql", "v10/a.sql"]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn dbmate_reads_the_leading_digits_and_goose_needs_an_underscore_and_a_positive_version() {
    let up = "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n";
    let dir = dir_with(
        "dbmate-names",
        &[
            ("20240101-users.sql", up),
            ("20240102.sql", up),
            ("20240103_sessions.sql", up),
            ("notes.sql", up),
        ],
    );
    let found = Layout::Dbmate.discover(&dir).unwrap();
    assert_eq!(
        names(&found),
        [
            "20240101-users.sql",
            "20240102.sql",
            "20240103_sessions.sql"
        ]
    );
    let versions: Vec<&str> = found.files.iter().map(|f| f.version.as_str()).collect();
    assert_eq!(versions, ["20240101", "20240102", "20240103"]);
    std::fs::remove_dir_all(dir).unwrap();

    let up = "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n";
    let dir = dir_with(
        "goose-names",
        &[
            ("0_init.sql", up),
            ("20240102.sql", up),
            ("20240103_sessions.sql", up),
        ],
    );
    let found = Layout::Goose.discover(&dir).unwrap();
    assert_eq!(names(&found), ["20240103_sessions.sql"]);
    assert_eq!(found.ignored.len(), 2);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn sqlx_and_golang_migrate_skip_names_without_the_underscore_after_the_version() {
    let dir = dir_with(
        "sqlx-names",
        &[
            ("20240101.sql", "SELECT 1;"),
            ("20240102_users.sql", "SELECT 1;"),
        ],
    );
    let found = Layout::Sqlx.discover(&dir).unwrap();
    assert_eq!(names(&found), ["20240102_users.sql"]);
    std::fs::remove_dir_all(dir).unwrap();

    let dir = dir_with(
        "golang-names",
        &[("1.up.sql", "SELECT 1;"), ("2_users.up.sql", "SELECT 1;")],
    );
    let found = Layout::GolangMigrate.discover(&dir).unwrap();
    assert_eq!(names(&found), ["2_users.up.sql"]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn flyway_prefixes_are_case_sensitive_and_the_separator_may_be_left_out() {
    let dir = dir_with(
        "flyway-names",
        &[
            ("V1__init.sql", "SELECT 1;"),
            ("v2__lower.sql", "SELECT 1;"),
            ("V3.sql", "SELECT 1;"),
        ],
    );
    let found = Layout::Flyway.discover(&dir).unwrap();
    assert_eq!(names(&found), ["V1__init.sql", "V3.sql"]);
    assert_eq!(found.files[1].version, "3");
    std::fs::remove_dir_all(dir).unwrap();
}

/// dbmate keeps the version as the text of the leading digits and runs the files in file-name
/// order (`pkg/dbmate/db.go`, `FindMigrations`): `001_a.sql` and `1_b.sql` are two migrations,
/// and `10_c.sql` runs before `9_d.sql`. Only one version spelled alike twice collides.
#[test]
fn dbmate_versions_are_text_and_files_run_in_name_order() {
    let up = "-- migrate:up\nSELECT 1;\n-- migrate:down\n";
    let dir = dir_with(
        "dbmate-text-versions",
        &[
            ("1_b.sql", up),
            ("001_a.sql", up),
            ("9_d.sql", up),
            ("10_c.sql", up),
        ],
    );
    let found = Layout::Dbmate.discover(&dir).unwrap();
    assert_eq!(
        names(&found),
        ["001_a.sql", "10_c.sql", "1_b.sql", "9_d.sql"]
    );
    let versions: Vec<&str> = found.files.iter().map(|f| f.version.as_str()).collect();
    assert_eq!(versions, ["001", "10", "1", "9"]);
    std::fs::write(dir.join("1-e.sql"), up).unwrap();
    let err = Layout::Dbmate.discover(&dir).unwrap_err().to_string();
    assert!(err.contains("same version 1 as 1-e.sql"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// goose parses its versions as numbers (`NumericComponent`): `001` is `1`, a duplicate.
#[test]
fn goose_versions_spelled_differently_are_still_one_version() {
    let up = "-- +goose Up\nSELECT 1;\n";
    let dir = dir_with("goose-dup", &[("001_a.sql", up), ("1_b.sql", up)]);
    let err = Layout::Goose.discover(&dir).unwrap_err().to_string();
    assert!(err.contains("same version"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// A directory is a tool's only when the tool runs one of its files: a name pattern (`.up.sql`,
/// `V…__`) that no file fits under the tool's own parsing is not enough. authelia's
/// `V0001.Initial_Schema.up.sql` ends in `.up.sql`, but golang-migrate (`source/parse.go`,
/// `^([0-9]+)_(.*)\.(down|up)\.(.*)$`) reads no version from it and would run nothing.
#[test]
fn a_name_pattern_no_file_fits_is_not_the_tools_layout() {
    let cases: &[DetectCase] = &[
        (
            "fit-authelia",
            &[
                ("V0001.Initial_Schema.up.sql", "SELECT 1;"),
                ("V0001.Initial_Schema.down.sql", "SELECT 1;"),
                ("V0002.WebAuthn.up.sql", "SELECT 1;"),
            ],
            Layout::Generic,
        ),
        // Flyway needs a version of digits (`MigrationVersion`): `V__x`, `Versions__x` have none.
        (
            "fit-flyway-no-digits",
            &[
                ("V__init.sql", "SELECT 1;"),
                ("Versions__notes.sql", "SELECT 1;"),
            ],
            Layout::Generic,
        ),
        // dbmate and goose read the version from the name, whatever the sections say.
        (
            "fit-goose-name",
            &[("init.sql", "-- +goose Up\nSELECT 1;\n")],
            Layout::Generic,
        ),
        (
            "fit-dbmate-name",
            &[("init.sql", "-- migrate:up\nSELECT 1;\n")],
            Layout::Generic,
        ),
        // One file that fits is enough: the others are the tool's to skip (and PF007's).
        (
            "fit-golang-one",
            &[("1_a.up.sql", "SELECT 1;"), ("V2.b.up.sql", "SELECT 1;")],
            Layout::GolangMigrate,
        ),
        // refinery's `U` is a migration; Flyway's is an undo script, which alone is no layout.
        (
            "fit-refinery-u",
            &[("U1__init.sql", "SELECT 1;")],
            Layout::Refinery,
        ),
    ];
    for (tag, files, layout) in cases {
        let dir = dir_with(tag, files);
        assert_eq!(Layout::detect(&dir), *layout, "{tag}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}

/// Flyway and refinery share `V<version>__<name>.sql`, but refinery's `file_match_re` takes
/// neither a `_` in the version nor a description outside `\w`: such a directory is Flyway's
/// alone.
#[test]
fn flyway_only_names_are_not_refinerys() {
    let dir = dir_with("fit-flyway-only", &[("V1_1__add-users.sql", "SELECT 1;")]);
    assert!(Layout::Flyway.matches(&dir));
    assert!(!Layout::Refinery.matches(&dir));
    std::fs::remove_dir_all(dir).unwrap();
    let dir = dir_with("fit-both", &[("V1__init.sql", "SELECT 1;")]);
    assert!(Layout::Flyway.matches(&dir) && Layout::Refinery.matches(&dir));
    std::fs::remove_dir_all(dir).unwrap();
}

/// Undo, baseline and revert scripts are left out by design; a name the tool cannot read is
/// not, even when it starts with the undo prefix.
#[test]
fn ignored_files_say_whether_they_are_left_out_by_design() {
    let dir = dir_with(
        "by-design",
        &[
            ("V1__init.sql", "SELECT 1;"),
            ("U1__init.sql", "SELECT 1;"),
            ("B1__base.sql", "SELECT 1;"),
            ("V2_users.sql", "SELECT 1;"),
            ("Users.sql", "SELECT 1;"),
        ],
    );
    let found = Layout::Flyway.discover(&dir).unwrap();
    let mut ignored: Vec<(String, bool)> = found
        .ignored
        .iter()
        .map(|i| (files::base_name(&i.path).to_string(), i.by_design))
        .collect();
    ignored.sort();
    assert_eq!(
        ignored,
        [
            ("B1__base.sql".to_string(), true),
            ("U1__init.sql".to_string(), true),
            ("Users.sql".to_string(), false),
            ("V2_users.sql".to_string(), false),
        ]
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_generic_revert_names_the_up_file_of_its_migration() {
    let up = tools::generic_up_of_down;
    assert_eq!(
        up("V0001.Initial_Schema.down.sql").as_deref(),
        Some("V0001.Initial_Schema.up.sql")
    );
    assert_eq!(up("V1.A.DOWN.SQL").as_deref(), Some("V1.A.UP.SQL"));
    assert_eq!(up("down.sql").as_deref(), Some("up.sql"));
    assert_eq!(up("1_slowdown.sql"), None);
    assert_eq!(up("V1.a.up.sql"), None);
}
