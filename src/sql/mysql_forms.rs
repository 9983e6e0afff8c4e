//! MySQL/MariaDB forms sqlparser rejects that have an exact equivalent it accepts. A statement
//! sqlparser could not parse is rewritten, token by token, to that equivalent and parsed again,
//! so every reader of the AST (reconcile's replay above all) models it fully instead of through
//! the token-level fallback, which sees only which objects exist. The statement's text, tokens
//! and shape stay as written; only its AST comes from the rewrite.
//!
//! - `ALTER TABLE t RENAME t2` (neither TO nor AS): `RENAME TO t2`.
//! - The `BINARY` attribute of a character column (`VARCHAR(64) BINARY`, shorthand for the
//!   `_bin` collation of the column's character set, which no reader compares): left out.

use super::lexer::{top_level, Tok};
use sqlparser::tokenizer::Token;

/// Character types the `BINARY` attribute may follow.
const CHARACTER_TYPES: [&str; 12] = [
    "CHAR",
    "CHARACTER",
    "VARCHAR",
    "NCHAR",
    "NVARCHAR",
    "TEXT",
    "TINYTEXT",
    "MEDIUMTEXT",
    "LONGTEXT",
    "ENUM",
    "SET",
    "VARCHARACTER",
];

/// Words that stand before a column's name, never before its type.
const BEFORE_A_COLUMN_NAME: [&str; 5] = ["ADD", "COLUMN", "MODIFY", "CHANGE", "EXISTS"];

/// The statement's tokens with the forms above rewritten, when it has any.
pub(super) fn equivalent(tokens: &[Tok]) -> Option<Vec<Tok>> {
    let renames = table_renames_without_to(tokens);
    let binary = binary_attributes(tokens);
    if renames.is_empty() && binary.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(tokens.len() + renames.len());
    for (i, t) in tokens.iter().enumerate() {
        if binary.contains(&i) {
            continue;
        }
        out.push(t.clone());
        if renames.contains(&i) {
            out.push(Tok {
                token: Token::make_keyword("TO"),
                range: t.range.end..t.range.end,
            });
        }
    }
    Some(out)
}

/// `ALTER [ONLINE] [IGNORE] TABLE …`
fn alters_a_table(tokens: &[Tok]) -> bool {
    let mut words = tokens.iter();
    if !words.next().is_some_and(|t| t.is_kw("ALTER")) {
        return false;
    }
    words
        .find(|t| !t.is_kw("ONLINE") && !t.is_kw("IGNORE"))
        .is_some_and(|t| t.is_kw("TABLE"))
}

/// Positions of the `RENAME` actions of an `ALTER TABLE` that name the new table without TO or
/// AS: `RENAME name` or `RENAME db.name`, ending the action.
fn table_renames_without_to(tokens: &[Tok]) -> Vec<usize> {
    if !alters_a_table(tokens) {
        return Vec::new();
    }
    let is_name = |t: Option<&Tok>| t.is_some_and(|t| matches!(t.token, Token::Word(_)));
    let mut out = Vec::new();
    for (i, _) in top_level(tokens).filter(|(_, t)| t.is_kw("RENAME")) {
        let next = tokens.get(i + 1);
        let kind_word = ["TO", "AS", "COLUMN", "INDEX", "KEY", "CONSTRAINT"]
            .iter()
            .any(|k| next.is_some_and(|n| n.is_kw(k)));
        if kind_word || !is_name(next) {
            continue;
        }
        let mut end = i + 1;
        while tokens.get(end + 1).is_some_and(|t| t.is(&Token::Period))
            && is_name(tokens.get(end + 2))
        {
            end += 2;
        }
        if tokens
            .get(end + 1)
            .is_none_or(|t| t.is(&Token::Comma) || t.is(&Token::SemiColon))
        {
            out.push(i);
        }
    }
    out
}

/// Positions of `BINARY` words that are the attribute of a character type: after the type
/// (`TEXT BINARY`, `VARCHAR(64) BINARY`, `ENUM('a') BINARY`) or its character set (`CHARACTER
/// SET utf8 BINARY`), never followed by `(` (`BINARY(16)` is a type).
fn binary_attributes(tokens: &[Tok]) -> Vec<usize> {
    let character_type = |t: &Tok| CHARACTER_TYPES.iter().any(|k| t.is_kw(k));
    // The word before a type is the column's name, not ADD/MODIFY/… (then the type word is
    // the name of a column whose type is BINARY).
    let names_a_column = |t: Option<&Tok>| {
        t.is_some_and(|t| {
            matches!(t.token, Token::Word(_)) && !BEFORE_A_COLUMN_NAME.iter().any(|k| t.is_kw(k))
        })
    };
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if !t.is_kw("BINARY") || i < 2 || tokens.get(i + 1).is_some_and(|n| n.is(&Token::LParen)) {
            continue;
        }
        let prev = &tokens[i - 1];
        let attribute = if prev.is(&Token::RParen) {
            matching_open(tokens, i - 1).is_some_and(|open| {
                open >= 2
                    && character_type(&tokens[open - 1])
                    && names_a_column(tokens.get(open - 2))
            })
        } else if character_type(prev) {
            names_a_column(tokens.get(i - 2))
        } else {
            // `CHARACTER SET name BINARY`, `CHARSET name BINARY`.
            matches!(prev.token, Token::Word(_))
                && (tokens[i - 2].is_kw("CHARSET")
                    || (i >= 3 && tokens[i - 2].is_kw("SET") && tokens[i - 3].is_kw("CHARACTER")))
        };
        if attribute {
            out.push(i);
        }
    }
    out
}

/// The `(` that the `)` at `close` closes.
fn matching_open(tokens: &[Tok], close: usize) -> Option<usize> {
    let mut depth = 0usize;
    for i in (0..=close).rev() {
        match tokens[i].token {
            Token::RParen => depth += 1,
            Token::LParen => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::source::SourceFile;
    use crate::sql::{parse_source, Dialect};

    /// The statements' ASTs, printed, or their parse errors.
    fn parsed(sql: &str) -> Vec<String> {
        let parsed = parse_source(&SourceFile::new("m.sql", sql), Dialect::Mysql);
        parsed
            .statements
            .iter()
            .map(|s| match (&s.ast, &s.parse_error) {
                (Some(ast), _) => ast.to_string(),
                (None, e) => format!("error: {}", e.as_deref().unwrap_or_default()),
            })
            .collect()
    }

    #[test]
    fn a_table_rename_without_to_is_parsed_as_rename_to() {
        assert_eq!(
            parsed("ALTER TABLE t RENAME t2;\nALTER TABLE `t` RENAME db.`t 2`, ADD COLUMN x INT;\nALTER TABLE t RENAME AS t3;"),
            [
                "ALTER TABLE t RENAME TO t2",
                "ALTER TABLE `t` RENAME TO db.`t 2`, ADD COLUMN x INT",
                "ALTER TABLE t RENAME AS t3",
            ]
        );
    }

    #[test]
    fn the_binary_attribute_of_a_character_column_is_left_out() {
        assert_eq!(
            parsed("ALTER TABLE t MODIFY COLUMN c VARCHAR(64) BINARY;\nALTER TABLE t CHANGE c d VARCHAR (64) BINARY NOT NULL, MODIFY e TEXT BINARY;\nCREATE TABLE u (a CHAR(3) CHARACTER SET latin1 BINARY NULL, b ENUM('x') BINARY, c BINARY(16), d BINARY);"),
            [
                "ALTER TABLE t MODIFY COLUMN c VARCHAR(64)",
                "ALTER TABLE t CHANGE COLUMN c d VARCHAR(64) NOT NULL, MODIFY COLUMN e TEXT",
                "CREATE TABLE u (a CHAR(3) CHARACTER SET latin1 NULL, b ENUM('x'), c BINARY(16), d BINARY)",
            ]
        );
    }

    #[test]
    fn other_statements_keep_their_parse_error() {
        // A column named `text` of type BINARY is not a TEXT column with the attribute.
        let out = parsed("ALTER TABLE t ADD COLUMN text BINARY, RENAME t2 t3;");
        assert!(out[0].starts_with("error: "), "{out:?}");
    }
}
