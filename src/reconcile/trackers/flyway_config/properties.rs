//! Flyway's `.conf` files: Java properties as `ConfigUtils.loadConfigurationFromString`
//! pre-processes them.

use super::{boolean, first_of_list, patterns, substitute, FlywayConfig, Setting};
use crate::error::{Error, Result};
use std::path::Path;

impl FlywayConfig {
    /// The settings a `.conf` file sets; a later property wins.
    pub(super) fn read_conf(
        &mut self,
        path: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<()> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        for (line, key, value) in properties(&text) {
            let error = |m: String| Error::config(path, format!("line {line}: {key}: {m}"));
            if !matches!(
                key.as_str(),
                "flyway.outOfOrder"
                    | "flyway.ignoreMigrationPatterns"
                    | "flyway.defaultSchema"
                    | "flyway.schemas"
                    | "flyway.table"
            ) {
                continue;
            }
            let value = substitute(&value, env).map_err(error)?;
            let source = format!("{key} in {}", path.display());
            match key.as_str() {
                "flyway.defaultSchema" => {
                    self.default_schema =
                        first_of_list(&value).map(|value| Setting { value, source })
                }
                "flyway.table" => {
                    self.table = first_of_list(&value).map(|value| Setting { value, source })
                }
                "flyway.schemas" => {
                    self.first_schema = first_of_list(&value).map(|value| Setting { value, source })
                }
                "flyway.outOfOrder" => {
                    self.out_of_order = Some(Setting {
                        value: boolean(&value).map_err(error)?,
                        source,
                    })
                }
                _ => {
                    let list: Vec<&str> = value.split(',').collect();
                    self.ignore_patterns = Some(Setting {
                        value: patterns(&list).map_err(error)?,
                        source,
                    })
                }
            }
        }
        Ok(())
    }
}

/// The properties of a `flyway.conf` as Flyway reads them, `(line, key, value)` in file order
/// (a later one wins), `line` the first line of the property. Flyway's
/// `ConfigUtils.loadConfigurationFromString` trims each line and doubles every backslash, then
/// restores a final one as a line continuation when the next line is not empty and does not
/// start a new `flyway.…=` property (unless it holds `==` or `!=`, `SqlScriptMetadata.
/// isMultilineBooleanExpression`); `java.util.Properties` then joins continued lines, dropping
/// the continued line's leading blanks, skips `#` and `!` comment lines (which never continue),
/// and splits a key from its value at the first `=`, `:` or blank.
pub(super) fn properties(text: &str) -> Vec<(usize, String, String)> {
    let text = text.replace("\r\n", "\n");
    let mut lines: Vec<&str> = text.split('\n').collect();
    // Java's `String.split` drops trailing empty strings.
    while lines.last() == Some(&"") {
        lines.pop();
    }
    // `String.trim`: every char up to U+0020.
    let trim = |s: &str| s.trim_matches(|c: char| c <= ' ').to_string();
    let continues = |i: usize| -> bool {
        if !trim(lines[i]).ends_with('\\') {
            return false;
        }
        match lines.get(i + 1) {
            None => false,
            Some(&"") => false,
            Some(next) if trim(next).starts_with("flyway.") && next.contains('=') => {
                !next.starts_with("shouldExecute") && (next.contains("==") || next.contains("!="))
            }
            Some(_) => true,
        }
    };
    let blank = |c: char| matches!(c, ' ' | '\t' | '\x0c');
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let first = i;
        let line = trim(lines[i]);
        if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
            i += 1;
            continue;
        }
        let mut logical = String::new();
        loop {
            let line = trim(lines[i]);
            let more = continues(i);
            i += 1;
            if more {
                logical.push_str(&line[..line.len() - 1]);
            } else {
                logical.push_str(&line);
                break;
            }
        }
        let end = logical
            .find(|c: char| c == '=' || c == ':' || blank(c))
            .unwrap_or(logical.len());
        let (key, rest) = logical.split_at(end);
        let rest = rest.trim_start_matches(blank);
        let rest = rest.strip_prefix(['=', ':']).unwrap_or(rest);
        let value = rest.trim_start_matches(blank);
        out.push((first + 1, key.to_string(), value.to_string()));
    }
    out
}
