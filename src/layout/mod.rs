//! The migration-layout model: for each tool, which files in a directory are migrations, how
//! their versions are read, which part of each file runs on "up", and in which order a run
//! applies them. `reconcile`, `verify` and `lint` all read migrations through it, so they agree
//! on what a run applies. Each rule cites the tool's own source; the tool is the reference.
//!
//! * `files`: the discovered migration (`MigrationFile`), versions as ordered keys.
//! * `sections`: dbmate and goose up/down marker lines.
//! * `tools`: one discovery function per tool.
//! * `part`: which bytes of one file a deploy runs (what `lint` and `fix` check).

pub mod files;
mod part;
pub mod sections;
mod tools;

pub use files::{Discovered, Ignored, MigrationFile, Reader, Unreplayable, UpPart, VersionKey};
pub use part::DeployPart;
pub use sections::Sections;
pub use tools::{
    atlas_hashes, atlas_is_checkpoint, atlas_sum_ignored, atlas_sum_total, diesel_refusal,
    diesel_version, AtlasSum, DieselRefusal, ATLAS_SUM,
};

use crate::error::Result;
use std::cmp::Ordering;
use std::path::Path;

/// A migration tool's file layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    Sqlx,
    Flyway,
    GolangMigrate,
    Goose,
    Dbmate,
    Prisma,
    Diesel,
    Refinery,
    Atlas,
    /// A hand-rolled runner: every `.sql` file under the directory except `.down.sql` and
    /// `down.sql` revert scripts, in natural order of their paths.
    Generic,
}

impl Layout {
    /// Every layout, most specific detection first (see `detect`).
    pub const ALL: [Layout; 10] = [
        Layout::Prisma,
        Layout::Diesel,
        Layout::Atlas,
        Layout::Flyway,
        Layout::Refinery,
        Layout::GolangMigrate,
        Layout::Goose,
        Layout::Dbmate,
        Layout::Sqlx,
        Layout::Generic,
    ];

    /// The tool's name, as `--tracker` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Sqlx => "sqlx",
            Layout::Flyway => "flyway",
            Layout::GolangMigrate => "golang-migrate",
            Layout::Goose => "goose",
            Layout::Dbmate => "dbmate",
            Layout::Prisma => "prisma",
            Layout::Diesel => "diesel",
            Layout::Refinery => "refinery",
            Layout::Atlas => "atlas",
            Layout::Generic => "generic",
        }
    }

    /// The layout of a tracker name as `--tracker` accepts it (any case, aliases).
    pub fn from_name(name: &str) -> Option<Layout> {
        let name = crate::reconcile::trackers::canonical(name)?;
        Layout::ALL.into_iter().find(|l| l.name() == name)
    }

    /// The files the tool runs, in the order it runs them, each with its "up" part; and the
    /// files it would not run, with the reason.
    pub fn discover(self, dir: &Path) -> Result<Discovered> {
        self.discover_with(dir, &Reader::default())
    }

    /// [`discover`](Self::discover), reading through `reader`.
    pub fn discover_with(self, dir: &Path, reader: &Reader) -> Result<Discovered> {
        match self {
            Layout::Sqlx => tools::sqlx(dir, reader),
            Layout::Flyway => tools::flyway(dir, reader),
            Layout::Refinery => tools::refinery(dir, reader),
            Layout::GolangMigrate => tools::golang_migrate(dir, reader),
            Layout::Goose => tools::sectioned(dir, Sections::Goose, reader),
            Layout::Dbmate => tools::sectioned(dir, Sections::Dbmate, reader),
            Layout::Prisma => tools::prisma(dir, reader),
            Layout::Diesel => tools::diesel(dir, reader),
            Layout::Atlas => tools::atlas(dir, reader),
            Layout::Generic => tools::generic(dir, reader),
        }
    }

    /// Whether the directory looks written for this tool: its marker file, or at least one file
    /// the tool runs by its own naming rules (and, for dbmate and goose, its section comments).
    /// A name pattern alone is not enough: `V0001.Initial_Schema.up.sql` ends in `.up.sql` but
    /// golang-migrate parses no version from it, so a directory of such files is not
    /// golang-migrate's (its discovery would run none of them). `Generic` and `Sqlx` match
    /// nothing specific.
    pub fn matches(self, dir: &Path) -> bool {
        self.matches_with(dir, &Reader::default())
    }

    /// [`matches`](Self::matches), reading through `reader`.
    pub fn matches_with(self, dir: &Path, reader: &Reader) -> bool {
        let any_file = |pred: &dyn Fn(&str) -> bool| {
            reader
                .sql_files(dir)
                .is_ok_and(|files| files.iter().any(|(n, _)| pred(n)))
        };
        let stem = |n: &str| n.strip_suffix(".sql").unwrap_or(n).to_string();
        let any_sectioned = |sections: Sections| {
            reader.sql_files(dir).is_ok_and(|files| {
                files.iter().any(|(n, p)| {
                    tools::sectioned_name(&stem(n), sections).is_some()
                        && reader
                            .text_of(p)
                            .is_some_and(|t| !sections.up_ranges(&t).is_empty())
                })
            })
        };
        match self {
            Layout::Prisma => dir.join("migration_lock.toml").is_file(),
            // Diesel runs every sub-directory holding `up.sql`, whatever its name
            // (`migrations_internals::version_from_string` takes the text before the first `_`).
            Layout::Diesel => reader
                .migration_dirs(dir, "up.sql")
                .is_ok_and(|d| !d.is_empty()),
            Layout::Atlas => dir.join(tools::ATLAS_SUM).is_file(),
            Layout::Flyway => any_file(&|n| tools::flyway_versioned(&stem(n)).is_some()),
            Layout::Refinery => any_file(&|n| tools::refinery_name(&stem(n)).is_some()),
            Layout::GolangMigrate => any_file(&|n| tools::golang_migrate_up(n).is_some()),
            Layout::Goose => any_sectioned(Sections::Goose),
            Layout::Dbmate => any_sectioned(Sections::Dbmate),
            Layout::Sqlx | Layout::Generic => false,
        }
    }

    /// The layout a directory is written in, judged from the files alone (no database): the
    /// first of `ALL` that matches, Flyway over refinery (same naming), `Generic` when none
    /// does. Prisma directories are recognised by `*/migration.sql` too.
    pub fn detect(dir: &Path) -> Layout {
        Layout::detect_with(dir, &Reader::default())
    }

    /// [`detect`](Self::detect), reading through `reader`.
    pub fn detect_with(dir: &Path, reader: &Reader) -> Layout {
        let prisma = reader.migration_dirs(dir, "migration.sql");
        if prisma.is_ok_and(|d| !d.is_empty()) {
            return Layout::Prisma;
        }
        Layout::ALL
            .into_iter()
            .find(|l| l.matches_with(dir, reader))
            .unwrap_or(Layout::Generic)
    }
}

/// Orders file names so `V2__x` comes before `V10__y`: digit runs compare as numbers.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a, b);
    loop {
        match (a.chars().next(), b.chars().next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let da = a.len() - a.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                let db = b.len() - b.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                let (na, nb) = (
                    a[..da].trim_start_matches('0'),
                    b[..db].trim_start_matches('0'),
                );
                let by_value = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb));
                if by_value != Ordering::Equal {
                    return by_value;
                }
                (a, b) = (&a[da..], &b[db..]);
            }
            (Some(x), Some(y)) => {
                if x != y {
                    // A separator ends a version: `V1__a` before `V1.1__b`.
                    let rank = |c: char| if matches!(c, '_' | '-') { '\0' } else { c };
                    return rank(x).cmp(&rank(y)).then(x.cmp(&y));
                }
                (a, b) = (&a[x.len_utf8()..], &b[y.len_utf8()..]);
            }
        }
    }
}

#[cfg(test)]
mod atlas_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod version_tests;
