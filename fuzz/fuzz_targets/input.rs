#![allow(dead_code)] // each target uses its own part of it
//! What every target reads from the fuzzer's bytes: the first byte is a set of switches (the
//! dialect in its low two bits), the rest is the file. Invalid UTF-8 is replaced, and inputs with
//! a NUL byte are skipped: `SourceFile::read` refuses both, so no file preflight reads has them.

use preflight::lint::LintOptions;
use preflight::sql::Dialect;

pub const DIALECTS: [Dialect; 4] = [
    Dialect::Postgres,
    Dialect::Mysql,
    Dialect::Mariadb,
    Dialect::Sqlite,
];

pub struct Input {
    pub dialect: Dialect,
    /// Bit 2: every rule, opt-in ones included (otherwise the default set).
    pub all_rules: bool,
    /// Bit 3: unsafe fixes apply too.
    pub unsafe_fixes: bool,
    /// Bit 4: tokenize from the second line on, as for a region after a directive line.
    pub mid_file: bool,
    pub text: String,
}

impl Input {
    pub fn read(data: &[u8]) -> Option<Input> {
        let (&switches, rest) = data.split_first()?;
        if rest.contains(&0) {
            return None;
        }
        Some(Input {
            dialect: DIALECTS[usize::from(switches & 3)],
            all_rules: switches & 4 != 0,
            unsafe_fixes: switches & 8 != 0,
            mid_file: switches & 16 != 0,
            text: String::from_utf8_lossy(rest).into_owned(),
        })
    }

    pub fn lint_options(&self) -> LintOptions {
        LintOptions {
            dialect: self.dialect,
            // A code prefix: every PF rule, the opt-in ones too.
            select: if self.all_rules {
                vec!["PF".into()]
            } else {
                Vec::new()
            },
            ..LintOptions::default()
        }
    }
}
