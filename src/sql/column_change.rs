//! MySQL's and MariaDB's `ALTER TABLE` actions that redefine a column in place:
//! `CHANGE [COLUMN] [IF EXISTS] old new definition` and `MODIFY [COLUMN] [IF EXISTS] name
//! definition` (`IF EXISTS` is MariaDB's). The one reader of their parts, for the rules that
//! see a rename in a `CHANGE`, the online-DDL costs, the file's column history and the errors a
//! handler must catch.

use super::lexer::Tok;
use sqlparser::tokenizer::Token;

/// Which of the two actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnChangeKind {
    /// `CHANGE old new …`: may rename the column.
    Change,
    /// `MODIFY name …`: keeps its name.
    Modify,
}

/// A `CHANGE` or `MODIFY` action, as [`read`] finds it.
#[derive(Debug, Clone, Copy)]
pub struct ColumnChange<'a> {
    pub kind: ColumnChangeKind,
    /// MariaDB's `IF EXISTS`: a missing column is a note, not an error.
    pub if_exists: bool,
    /// The column's name as written (a word, maybe backquoted).
    pub old: &'a Tok,
    /// Its new name: `CHANGE`'s second name, the same token as `old` for `MODIFY`.
    pub new: &'a Tok,
    /// The tokens after the name(s): the type, the attributes and any `FIRST`/`AFTER c`.
    pub definition: &'a [Tok],
}

impl ColumnChange<'_> {
    /// The column's name in lower case (MySQL's column names ignore case).
    pub fn old_name(&self) -> String {
        word(self.old).to_lowercase()
    }

    /// The new name in lower case.
    pub fn new_name(&self) -> String {
        word(self.new).to_lowercase()
    }

    /// Does it give the column another name (not just another case: `CHANGE Ä ä` keeps the
    /// column, as MariaDB 10.11 finds `Ä` again on a second run)?
    pub fn renames(&self) -> bool {
        let (old, new) = (word(self.old), word(self.new));
        if old.is_ascii() && new.is_ascii() {
            return !old.eq_ignore_ascii_case(new);
        }
        old.to_lowercase() != new.to_lowercase()
    }
}

/// The value of a name token [`read`] accepted (always a word).
fn word(t: &Tok) -> &str {
    match &t.token {
        Token::Word(w) => &w.value,
        _ => "",
    }
}

/// The action whose tokens are `action` (from its `CHANGE`/`MODIFY` keyword; the tokens of one
/// action, or any tokens after it), when it is one: each name a word (`COLUMN` and `IF` are
/// reserved, so a column of that name is backquoted and never read as the keyword).
pub fn read(action: &[Tok]) -> Option<ColumnChange<'_>> {
    let kind = match action.first()? {
        t if t.is_kw("CHANGE") => ColumnChangeKind::Change,
        t if t.is_kw("MODIFY") => ColumnChangeKind::Modify,
        _ => return None,
    };
    let is_word = |i: usize| {
        action
            .get(i)
            .is_some_and(|t| matches!(t.token, Token::Word(_)))
    };
    let mut at = 1 + usize::from(action.get(1).is_some_and(|t| t.is_kw("COLUMN")));
    let if_exists = action.get(at).is_some_and(|t| t.is_kw("IF"));
    if if_exists {
        at += 2;
    }
    if !is_word(at) {
        return None;
    }
    let new = match kind {
        ColumnChangeKind::Change if is_word(at + 1) => at + 1,
        ColumnChangeKind::Change => return None,
        ColumnChangeKind::Modify => at,
    };
    Some(ColumnChange {
        kind,
        if_exists,
        old: &action[at],
        new: &action[new],
        definition: &action[new + 1..],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;
    use crate::sql::{parse_source, tokens_in, Dialect};

    /// `f` of the tokens of each action of the one `ALTER TABLE` of `sql`.
    fn each_action<T>(sql: &str, f: impl Fn(&[Tok]) -> T) -> Vec<T> {
        let source = SourceFile::new("c.sql", sql);
        let parsed = parse_source(&source, Dialect::Mariadb);
        let statement = &parsed.statements[0];
        let actions = &statement.shape.actions;
        actions
            .iter()
            .map(|a| f(tokens_in(&statement.tokens, &a.range)))
            .collect()
    }

    /// Each action of the one `ALTER TABLE` of `sql`, as [`read`] finds it: `CHANGE|MODIFY [IF
    /// EXISTS] old new: definition`, the names and the definition as written; `None` for an
    /// action of another kind.
    fn read_all(sql: &str) -> Vec<Option<String>> {
        let text = |t: &Tok| &sql[t.range.clone()];
        each_action(sql, |t| {
            let c = read(t)?;
            let definition = match (c.definition.first(), c.definition.last()) {
                (Some(f), Some(l)) => &sql[f.range.start..l.range.end],
                _ => "",
            };
            Some(format!(
                "{}{} {} {}: {definition}",
                match c.kind {
                    ColumnChangeKind::Change => "CHANGE",
                    ColumnChangeKind::Modify => "MODIFY",
                },
                if c.if_exists { " IF EXISTS" } else { "" },
                text(c.old),
                text(c.new),
            ))
        })
    }

    /// Each case's statement's first action reads as its expectation.
    fn assert_reads(cases: &[(&str, &str)]) {
        for (sql, expected) in cases {
            assert_eq!(read_all(sql)[0].as_deref(), Some(*expected), "{sql}");
        }
    }

    #[test]
    fn column_and_if_exists_are_optional() {
        assert_reads(&[
            ("ALTER TABLE t CHANGE a b INT;", "CHANGE a b: INT"),
            ("ALTER TABLE t CHANGE COLUMN a b INT;", "CHANGE a b: INT"),
            (
                "ALTER TABLE t CHANGE IF EXISTS a b INT;",
                "CHANGE IF EXISTS a b: INT",
            ),
            (
                "ALTER TABLE t change column if exists a b INT;",
                "CHANGE IF EXISTS a b: INT",
            ),
            ("ALTER TABLE t MODIFY a INT;", "MODIFY a a: INT"),
            ("ALTER TABLE t MODIFY COLUMN a INT;", "MODIFY a a: INT"),
            (
                "ALTER TABLE t MODIFY IF EXISTS a INT;",
                "MODIFY IF EXISTS a a: INT",
            ),
            (
                "ALTER TABLE t MODIFY COLUMN IF EXISTS a INT NOT NULL;",
                "MODIFY IF EXISTS a a: INT NOT NULL",
            ),
        ]);
    }

    #[test]
    fn backquoted_names_are_names_never_keywords() {
        assert_reads(&[
            (
                "ALTER TABLE t CHANGE `column` c2 INT;",
                "CHANGE `column` c2: INT",
            ),
            (
                "ALTER TABLE t CHANGE COLUMN `if` `exists` INT;",
                "CHANGE `if` `exists`: INT",
            ),
            (
                "ALTER TABLE t CHANGE IF EXISTS `if` x INT;",
                "CHANGE IF EXISTS `if` x: INT",
            ),
            (
                "ALTER TABLE t MODIFY COLUMN `column` INT;",
                "MODIFY `column` `column`: INT",
            ),
            ("ALTER TABLE t MODIFY `IF` INT;", "MODIFY `IF` `IF`: INT"),
            // Unreserved words are names as they stand.
            (
                "ALTER TABLE t CHANGE first second INT FIRST;",
                "CHANGE first second: INT FIRST",
            ),
        ]);
    }

    #[test]
    fn the_definition_runs_to_the_end_of_the_action() {
        assert_eq!(
            read_all(
                "ALTER TABLE t CHANGE a b VARCHAR(10, 2) NOT NULL DEFAULT 'x,y' AFTER id, \
                 ADD COLUMN c INT, MODIFY d INT FIRST, ALGORITHM=INPLACE;"
            ),
            [
                Some("CHANGE a b: VARCHAR(10, 2) NOT NULL DEFAULT 'x,y' AFTER id".to_string()),
                None,
                Some("MODIFY d d: INT FIRST".to_string()),
                None,
            ]
        );
    }

    #[test]
    fn an_action_without_its_names_is_not_read() {
        for sql in [
            "ALTER TABLE t CHANGE a;",
            "ALTER TABLE t CHANGE COLUMN IF EXISTS a;",
            "ALTER TABLE t MODIFY COLUMN;",
            "ALTER TABLE t CHANGE 'a' b INT;",
            "ALTER TABLE t MODIFY (a INT);",
        ] {
            assert_eq!(read_all(sql)[0], None, "{sql}");
        }
        assert_reads(&[("ALTER TABLE t MODIFY a;", "MODIFY a a: ")]);
    }

    #[test]
    fn a_rename_is_a_change_of_more_than_case() {
        for (sql, renames, old, new) in [
            ("ALTER TABLE t CHANGE a b INT;", true, "a", "b"),
            ("ALTER TABLE t CHANGE `A` a INT;", false, "a", "a"),
            ("ALTER TABLE t CHANGE Ä ä INT;", false, "ä", "ä"),
            ("ALTER TABLE t CHANGE Ä äa INT;", true, "ä", "äa"),
            ("ALTER TABLE t MODIFY A INT;", false, "a", "a"),
        ] {
            let read = each_action(sql, |t| {
                let c = read(t).expect(sql);
                (c.renames(), c.old_name(), c.new_name())
            });
            assert_eq!(
                read[0],
                (renames, old.to_string(), new.to_string()),
                "{sql}"
            );
        }
    }
}
