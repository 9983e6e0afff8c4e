//! Statements that change the session's `search_path` (PostgreSQL), read from their tokens:
//! `SET [SESSION|LOCAL] search_path {TO|=} …`, `SET [LOCAL] SCHEMA '…'`, `RESET search_path`,
//! `RESET ALL` and `SELECT [pg_catalog.]set_config('search_path', '…', is_local)`; and MySQL's
//! and MariaDB's `USE db`, which puts unqualified names in `db` as a one-schema search_path
//! does. Both the reconcile replay and lint's sequence model resolve unqualified names with
//! them.

use super::lexer::Tok;
use sqlparser::tokenizer::Token;

/// What a statement does to the search_path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathChange {
    /// `SET LOCAL` (or `set_config(…, true)`): until the transaction ends; outside one it
    /// does nothing.
    pub local: bool,
    /// The schemas, in order, as PostgreSQL reads the setting (unquoted names folded to lower
    /// case, `"$user"` kept as written); `None` for `DEFAULT`/`RESET`: back to the
    /// connection's own.
    pub schemas: Option<Vec<String>>,
}

/// The change `tokens` (one statement) makes to the search_path, if it makes one.
pub fn path_change(tokens: &[Tok]) -> Option<PathChange> {
    // Called for every statement (three times in lint): most start with another word, so they
    // are turned away before the token list is copied.
    let opening = tokens
        .iter()
        .find(|t| !matches!(t.token, Token::SemiColon))?;
    if opening.is_kw("USE") {
        return use_database(tokens);
    }
    if !(opening.is_kw("SET") || opening.is_kw("RESET") || opening.is_kw("SELECT")) {
        return None;
    }
    let tokens: Vec<&Tok> = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::SemiColon))
        .collect();
    let first = tokens.first()?;
    if first.is_kw("RESET") {
        let [_, what] = tokens.as_slice() else {
            return None;
        };
        return (what.is_kw("search_path") || what.is_kw("ALL")).then_some(PathChange {
            local: false,
            schemas: None,
        });
    }
    if first.is_kw("SELECT") {
        return set_config(&tokens[1..]);
    }
    if !first.is_kw("SET") {
        return None;
    }
    let mut rest = &tokens[1..];
    let local = rest.first().is_some_and(|t| t.is_kw("LOCAL"));
    if local || rest.first().is_some_and(|t| t.is_kw("SESSION")) {
        rest = &rest[1..];
    }
    let (what, values) = rest.split_first()?;
    if what.is_kw("SCHEMA") {
        // `SET SCHEMA 'app'`: "an alias for SET search_path TO value" (one schema).
        let [value] = values else { return None };
        let Token::SingleQuotedString(s) = &value.token else {
            return None;
        };
        return Some(PathChange {
            local,
            schemas: Some(vec![s.clone()]),
        });
    }
    if !what.is_kw("search_path") {
        return None;
    }
    let (to, values) = values.split_first()?;
    if !(to.is_kw("TO") || to.token == Token::Eq) {
        return None;
    }
    if let [default] = values {
        if default.is_kw("DEFAULT") {
            return Some(PathChange {
                local,
                schemas: None,
            });
        }
    }
    // The setting's text as the server builds it from the list: names as identifiers
    // (quoted ones keep their quotes), strings as they are; then read as PostgreSQL reads it.
    let mut setting = Vec::new();
    for (k, value) in values.iter().enumerate() {
        if k % 2 == 1 {
            if value.token != Token::Comma {
                return None;
            }
            continue;
        }
        setting.push(match &value.token {
            Token::Word(w) if w.quote_style == Some('"') => {
                format!("\"{}\"", w.value.replace('"', "\"\""))
            }
            Token::Word(w) if w.quote_style.is_none() => w.value.clone(),
            Token::SingleQuotedString(s) => s.clone(),
            _ => return None,
        });
    }
    if values.len() % 2 == 0 {
        return None; // empty, or a trailing comma
    }
    Some(PathChange {
        local,
        schemas: Some(split_setting(&setting.join(", "))),
    })
}

/// MySQL/MariaDB `USE db`: unqualified names are in `db` from there on, as in the first schema
/// of a search_path; its name folded as a written database name is ([`crate::sql::folded`]).
fn use_database(tokens: &[Tok]) -> Option<PathChange> {
    let mut words = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::SemiColon));
    let (Some(_), Some(name), None) = (words.next(), words.next(), words.next()) else {
        return None;
    };
    Some(PathChange {
        local: false,
        schemas: Some(vec![super::folded(name)?]),
    })
}

/// `[pg_catalog.]set_config('search_path', 'value', true|false)` as the whole projection.
fn set_config(tokens: &[&Tok]) -> Option<PathChange> {
    let tokens = match tokens {
        [schema, dot, rest @ ..] if schema.is_kw("pg_catalog") && dot.token == Token::Period => {
            rest
        }
        _ => tokens,
    };
    let [function, open, name, c1, value, c2, local, close] = tokens else {
        return None;
    };
    let text = |t: &Tok| match &t.token {
        Token::SingleQuotedString(s) => Some(s.clone()),
        _ => None,
    };
    let shaped = function.is_kw("set_config")
        && open.token == Token::LParen
        && c1.token == Token::Comma
        && c2.token == Token::Comma
        && close.token == Token::RParen;
    if !shaped || !text(name)?.eq_ignore_ascii_case("search_path") {
        return None;
    }
    let local = match () {
        _ if local.is_kw("true") => true,
        _ if local.is_kw("false") => false,
        _ => return None,
    };
    Some(PathChange {
        local,
        schemas: Some(split_setting(&text(value)?)),
    })
}

/// The schemas of a search_path setting, as PostgreSQL's `SplitIdentifierString` reads it:
/// separated by commas, unquoted names folded to lower case and trimmed, `"…"` kept as
/// written (`""` for a quote). `''` (an empty setting) is no schema at all.
pub fn split_setting(setting: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = setting.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut name = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                if c == '"' {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                    } else {
                        break;
                    }
                }
                name.push(c);
            }
            while chars.peek().is_some_and(|c| *c != ',') {
                chars.next();
            }
        } else {
            while let Some(c) = chars.peek().copied().filter(|c| *c != ',') {
                name.push(c);
                chars.next();
            }
            name = super::fold_unquoted(name.trim_end());
        }
        if !name.is_empty() {
            out.push(name);
        }
        if chars.next().is_none() {
            return out;
        }
    }
}

/// Can schemas `a` and `b` (each known, or `None`: not known) be the same one? Two known
/// schemas must be equal; an unknown one may be any.
pub fn may_be_same_schema(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// The search_path a session has while statements run: the connection's own (`None`) until a
/// statement sets one, `SET LOCAL` until the transaction ends.
#[derive(Debug, Clone, Default)]
pub struct SessionPath {
    session: Option<Vec<String>>,
    /// What `SET LOCAL` set (`Some(None)`: `SET LOCAL search_path TO DEFAULT`).
    local: Option<Option<Vec<String>>>,
    /// The file runs in a transaction of the runner's.
    file_transaction: bool,
    /// The file opened one itself (`BEGIN`, `START TRANSACTION`).
    own_transaction: bool,
}

impl SessionPath {
    /// A file's start: the connection's path; `file_transaction` when the runner wraps the
    /// file in a transaction (then `SET LOCAL` lasts to the file's end).
    pub fn file(file_transaction: bool) -> SessionPath {
        SessionPath {
            file_transaction,
            ..SessionPath::default()
        }
    }

    /// The schemas unqualified names resolve through now; `None`: the connection's own.
    pub fn schemas(&self) -> Option<&[String]> {
        match &self.local {
            Some(local) => local.as_deref(),
            None => self.session.as_deref(),
        }
    }

    /// The schema an unqualified name denotes now, when the file's own path says: the path's
    /// first (where a creation goes, and where a look-up looks first); `None` under the
    /// connection's own path, or with `"$user"` first (the runner's role decides).
    pub fn home(&self) -> Option<&str> {
        self.schemas()?
            .first()
            .map(String::as_str)
            .filter(|s| *s != "$user")
    }

    /// Follows one top-level statement.
    pub fn observe(&mut self, tokens: &[Tok]) {
        let first = tokens.first();
        if first.is_some_and(|t| t.is_kw("BEGIN") || t.is_kw("START")) {
            self.own_transaction = true;
            return;
        }
        if first.is_some_and(|t| t.is_kw("COMMIT") || t.is_kw("ROLLBACK") || t.is_kw("END")) {
            self.own_transaction = false;
            self.local = None;
            return;
        }
        let Some(change) = path_change(tokens) else {
            return;
        };
        if change.local {
            // Outside a transaction block SET LOCAL only warns.
            if self.file_transaction || self.own_transaction {
                self.local = Some(change.schemas);
            }
            return;
        }
        // A session SET in a transaction also replaces what SET LOCAL set.
        self.local = None;
        self.session = change.schemas;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::Dialect;

    fn change(sql: &str) -> Option<PathChange> {
        let lexed = crate::sql::lexer::lex(Dialect::Postgres, sql, 0..sql.len());
        path_change(&lexed.tokens)
    }

    fn set(local: bool, schemas: &[&str]) -> Option<PathChange> {
        Some(PathChange {
            local,
            schemas: Some(schemas.iter().map(|s| s.to_string()).collect()),
        })
    }

    #[test]
    fn spellings_of_a_search_path_change() {
        assert_eq!(
            change("SET search_path TO app, public;"),
            set(false, &["app", "public"])
        );
        assert_eq!(
            change("set local search_path = \"App\", 'Ext', \"$user\";"),
            set(true, &["App", "ext", "$user"])
        );
        assert_eq!(
            change("SET SESSION search_path TO 'app, \"B\"'"),
            set(false, &["app", "B"])
        );
        assert_eq!(change("SET SCHEMA 'app'"), set(false, &["app"]));
        assert_eq!(change("SET LOCAL SCHEMA 'app'"), set(true, &["app"]));
        assert_eq!(
            change("SELECT pg_catalog.set_config('search_path', '', false);"),
            set(false, &[])
        );
        assert_eq!(
            change("SELECT set_config('search_path', 'app,public', true)"),
            set(true, &["app", "public"])
        );
        let default = Some(PathChange {
            local: false,
            schemas: None,
        });
        assert_eq!(change("SET search_path TO DEFAULT"), default);
        assert_eq!(change("RESET search_path"), default);
        assert_eq!(change("RESET ALL"), default);
        let lexed = crate::sql::lexer::lex(Dialect::Mariadb, "USE `App`;", 0..10);
        assert_eq!(path_change(&lexed.tokens), set(false, &["app"]));
        for other in [
            "USE a b",
            "SET statement_timeout = 0",
            "SET search_path TO app,",
            "SELECT set_config('search_path', current_setting('x'), false)",
            "SELECT set_config('work_mem', '1MB', false)",
            "RESET work_mem",
        ] {
            assert_eq!(change(other), None, "{other}");
        }
    }

    #[test]
    fn set_local_lasts_until_the_transaction_ends() {
        let observe = |path: &mut SessionPath, sql: &str| {
            let lexed = crate::sql::lexer::lex(Dialect::Postgres, sql, 0..sql.len());
            path.observe(&lexed.tokens);
        };
        let app = ["app".to_string()];
        // Outside a transaction SET LOCAL does nothing.
        let mut path = SessionPath::file(false);
        observe(&mut path, "SET LOCAL search_path TO app");
        assert_eq!(path.schemas(), None);
        observe(&mut path, "BEGIN");
        observe(&mut path, "SET LOCAL search_path TO app");
        assert_eq!(path.schemas(), Some(&app[..]));
        observe(&mut path, "COMMIT");
        assert_eq!(path.schemas(), None);
        // The runner's transaction: until the file's end; a session SET outlives COMMIT.
        let mut path = SessionPath::file(true);
        observe(&mut path, "SET LOCAL search_path TO other");
        observe(&mut path, "SET search_path TO app");
        assert_eq!(path.schemas(), Some(&app[..]));
        observe(&mut path, "RESET search_path");
        assert_eq!(path.schemas(), None);
    }
}
