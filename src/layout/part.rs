//! Which bytes of one file a tool runs on a deploy ("up"), judged from the file alone: `lint`
//! and `fix` use it per file, so they check what `reconcile` and `verify` replay. The rules are
//! those of `tools` (each cites the tool's source there); a file the tool refuses (no up
//! marker, a name it does not read) is left whole, so nothing is checked less than before.
//! One look beyond the file: a hand-rolled (`generic`) runner's `X.down.sql` is a revert only
//! when `X.up.sql` lies beside it.

use super::{Layout, Sections, UpPart};
use std::path::Path;

/// The part of a file a deploy runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeployPart {
    /// The whole file.
    Whole,
    /// Only these bytes (the "up" sections of a dbmate or goose file).
    Up(UpPart),
    /// Nothing: the tool runs this file only on a rollback or an undo, never on a deploy.
    NotRun(&'static str),
}

/// Why a `.down.sql` file is not linted.
const DOWN_SQL: &str = "a `.down.sql` script runs only on a revert, never on a deploy";

impl Layout {
    /// What a deploy with this tool runs of the file at `path` whose text is `text`.
    pub fn deploy_part(self, path: &Path, text: &str) -> DeployPart {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let stem = name.strip_suffix(".sql").unwrap_or(name);
        match self {
            Layout::Dbmate | Layout::Goose => {
                let sections = if self == Layout::Dbmate {
                    Sections::Dbmate
                } else {
                    Sections::Goose
                };
                UpPart::sections(sections.up_ranges(text)).map_or(DeployPart::Whole, DeployPart::Up)
            }
            Layout::Flyway if super::tools::versioned(stem, &['U']).is_some() => {
                DeployPart::NotRun(
                    "a Flyway undo script runs only on `flyway undo`, never on `flyway migrate`",
                )
            }
            Layout::Sqlx | Layout::GolangMigrate if name.ends_with(".down.sql") => {
                DeployPart::NotRun(DOWN_SQL)
            }
            Layout::Diesel if name == "down.sql" => DeployPart::NotRun(
                "a Diesel `down.sql` runs only on `diesel migration revert`, never on a deploy",
            ),
            // A runner preflight does not know: `X.down.sql` beside `X.up.sql` is that
            // migration's revert (authelia's `V0001.Initial_Schema.{up,down}.sql`), which no
            // deploy runs. A lone `X.down.sql` stays linted: with no up file to pair with, it
            // may be the migration a hand-rolled runner applies. A file named on the command
            // line is judged the same way: hooks (pre-commit, `--since`) name the changed
            // files one by one, and a changed revert would otherwise fail the gate.
            Layout::Generic
                if super::tools::generic_up_of_down(name)
                    .is_some_and(|up| path.with_file_name(up).is_file()) =>
            {
                DeployPart::NotRun(if name.len() == "down.sql".len() {
                    "a `down.sql` script runs only on a revert, never on a deploy"
                } else {
                    DOWN_SQL
                })
            }
            _ => DeployPart::Whole,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(layout: Layout, path: &str, text: &str) -> DeployPart {
        layout.deploy_part(Path::new(path), text)
    }

    #[test]
    fn only_scripts_a_deploy_never_runs_are_left_out() {
        let not_run = |p: DeployPart| matches!(p, DeployPart::NotRun(_));
        assert!(not_run(part(Layout::Flyway, "m/U1__undo.sql", "")));
        // refinery's `U` is an unversioned migration, applied like any other.
        assert_eq!(part(Layout::Refinery, "m/U1__x.sql", ""), DeployPart::Whole);
        assert_eq!(
            part(Layout::Flyway, "m/V1__init.sql", ""),
            DeployPart::Whole
        );
        assert!(not_run(part(Layout::GolangMigrate, "m/1_a.down.sql", "")));
        assert!(not_run(part(Layout::Sqlx, "m/1_a.down.sql", "")));
        assert!(not_run(part(Layout::Diesel, "m/2024_a/down.sql", "")));
        assert_eq!(
            part(Layout::Diesel, "m/2024_a/up.sql", ""),
            DeployPart::Whole
        );
    }

    #[test]
    fn a_generic_revert_is_left_out_only_beside_its_up_file() {
        let tmp = tempfile::tempdir().unwrap();
        for name in [
            "V1.a.up.sql",
            "V1.a.down.sql",
            "V2.b.down.sql",
            "up.sql",
            "down.sql",
        ] {
            std::fs::write(tmp.path().join(name), "").unwrap();
        }
        let at = |name: &str| Layout::Generic.deploy_part(&tmp.path().join(name), "");
        assert!(matches!(at("V1.a.down.sql"), DeployPart::NotRun(r) if r == DOWN_SQL));
        assert!(matches!(at("down.sql"), DeployPart::NotRun(r) if r.contains("`down.sql`")));
        assert_eq!(at("V2.b.down.sql"), DeployPart::Whole);
        assert_eq!(at("V1.a.up.sql"), DeployPart::Whole);
    }

    #[test]
    fn a_sectioned_file_runs_its_up_part_and_a_file_without_marker_stays_whole() {
        let text = "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n";
        assert_eq!(
            part(Layout::Goose, "1_a.sql", text),
            DeployPart::Up(UpPart::sections(std::iter::once(13..23).collect()).expect("one"))
        );
        assert_eq!(
            part(Layout::Dbmate, "1_a.sql", "SELECT 1;\n"),
            DeployPart::Whole
        );
    }
}
