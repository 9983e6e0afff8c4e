//! Tools that keep both directions in one file (dbmate, goose) mark the "up" and "down" parts
//! with comment lines. Each tool's own matching rule is reproduced exactly, so a file is split
//! where the tool splits it.

use std::ops::Range;

/// How a tool recognises its marker lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sections {
    /// dbmate, `pkg/dbmate/migration.go` (`upRegExp`, `downRegExp`, `parseMigrationContents`):
    /// `(?m)^--\s*migrate:up(\s*$|\s+\S+)` and `(?m)^--\s*migrate:down(\s*$|\s+\S+)$`. The
    /// marker starts the line, any whitespace (or none) may follow `--` (`--migrate:down`,
    /// `--  migrate:down`), the keyword is case-sensitive, and options such as
    /// `transaction:false` may follow it. In newer dbmate (`getMigrationSectionSubstrings`)
    /// every up marker starts a section of its own, with its own up and down blocks; dbmate
    /// runs the up blocks in order, each in its own transaction.
    Dbmate,
    /// goose, `internal/sqlparser/parser.go` (`extractAnnotation`): a line starting with `--`,
    /// then optional whitespace, `+goose`, whitespace and the annotation, compared
    /// case-insensitively (`-- +goose Up`, `--+goose up`, `-- +goose DOWN`).
    Goose,
}

impl Sections {
    pub fn tool(self) -> &'static str {
        match self {
            Sections::Dbmate => "dbmate",
            Sections::Goose => "goose",
        }
    }

    /// The up marker as the tool's documentation writes it (for messages).
    pub fn up_marker(self) -> &'static str {
        match self {
            Sections::Dbmate => "-- migrate:up",
            Sections::Goose => "-- +goose Up",
        }
    }

    /// The annotation a marker line carries, if `line` is one of this tool's markers.
    fn annotation(self, line: &str) -> Option<Marker> {
        let line = line.trim_end_matches(['\n', '\r']);
        let rest = line.strip_prefix("--")?.trim_start();
        match self {
            Sections::Dbmate => {
                let word = |kw: &str| {
                    rest.strip_prefix(kw).is_some_and(|tail| {
                        tail.is_empty() || tail.starts_with(char::is_whitespace)
                    })
                };
                if word("migrate:up") {
                    Some(Marker::Up)
                } else if word("migrate:down") {
                    Some(Marker::Down)
                } else {
                    None
                }
            }
            Sections::Goose => {
                let head = rest.get(..6)?;
                if !head.eq_ignore_ascii_case("+goose") {
                    return None;
                }
                let annotation = rest[6..].trim();
                if annotation.eq_ignore_ascii_case("up") {
                    Some(Marker::Up)
                } else if annotation.eq_ignore_ascii_case("down") {
                    Some(Marker::Down)
                } else {
                    None
                }
            }
        }
    }

    /// The byte ranges that run on "up": after each "up" marker line up to the next marker
    /// line (or the end of the file). goose has one up section (its first up marker counts, its
    /// first down marker ends it); dbmate one per up marker. Empty when the file has no "up"
    /// marker, which both tools refuse.
    pub fn up_ranges(self, text: &str) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let mut start: Option<usize> = None;
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let after = offset + line.len();
            match (start, self.annotation(line)) {
                (Some(s), Some(Marker::Down)) => {
                    out.push(s..offset);
                    start = None;
                    if self == Sections::Goose {
                        return out;
                    }
                }
                (Some(s), Some(Marker::Up)) if self == Sections::Dbmate => {
                    out.push(s..offset);
                    start = Some(after);
                }
                (None, Some(Marker::Up)) => start = Some(after),
                _ => {}
            }
            offset = after;
        }
        out.extend(start.map(|s| s..text.len()));
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Up,
    Down,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up(sections: Sections, text: &str) -> Option<&str> {
        sections.up_ranges(text).first().map(|r| &text[r.clone()])
    }

    #[test]
    fn the_up_section_starts_after_its_marker_and_stops_at_down() {
        let text = "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n";
        assert_eq!(
            up(Sections::Goose, text),
            Some("CREATE TABLE a (id int);\n")
        );
        assert!(Sections::Goose.up_ranges("SELECT 1;").is_empty());
    }

    #[test]
    fn goose_markers_ignore_case_and_spacing() {
        for text in [
            "-- +goose up\nCREATE TABLE a (id int);\n-- +goose down\nDROP TABLE a;\n",
            "--+goose UP\nCREATE TABLE a (id int);\n--  +goose Down\r\nDROP TABLE a;\n",
        ] {
            assert_eq!(
                up(Sections::Goose, text),
                Some("CREATE TABLE a (id int);\n")
            );
        }
    }

    #[test]
    fn dbmate_accepts_every_spacing_after_the_dashes_but_not_another_case() {
        for down in [
            "-- migrate:down",
            "--migrate:down",
            "--  migrate:down",
            "--\tmigrate:down",
        ] {
            let text = format!("--migrate:up\nCREATE TABLE a (id int);\n{down}\nDROP TABLE a;\n");
            assert_eq!(
                up(Sections::Dbmate, &text),
                Some("CREATE TABLE a (id int);\n"),
                "{down}"
            );
        }
        // Options after the marker: `-- migrate:up transaction:false`.
        let text = "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON a (id);\n-- migrate:down\nDROP INDEX i;\n";
        assert_eq!(
            up(Sections::Dbmate, text),
            Some("CREATE INDEX CONCURRENTLY i ON a (id);\n")
        );
        assert!(Sections::Dbmate
            .up_ranges("-- migrate:UP\nSELECT 1;\n")
            .is_empty());
        // `-- migrate:downgrade` is not the marker; an indented marker is not either.
        let text = "-- migrate:up\nSELECT 1;\n-- migrate:downgrade\n  -- migrate:down\nSELECT 2;\n";
        assert_eq!(up(Sections::Dbmate, text), Some(&text[14..]));
    }

    #[test]
    fn every_dbmate_up_marker_starts_a_section_and_goose_has_one() {
        let text = "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n\
                    -- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON a (id);\n\
                    -- migrate:down\nDROP INDEX i;\n-- migrate:up\nCREATE TABLE b (id int);\n";
        let ups: Vec<&str> = Sections::Dbmate
            .up_ranges(text)
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(
            ups,
            [
                "CREATE TABLE a (id int);\n",
                "CREATE INDEX CONCURRENTLY i ON a (id);\n",
                "CREATE TABLE b (id int);\n"
            ]
        );
        let goose = "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n-- +goose Up\nSELECT 3;\n";
        assert_eq!(
            Sections::Goose.up_ranges(goose),
            std::iter::once(13..23).collect::<Vec<_>>()
        );
    }
}
