//! The token cursor the recognisers walk with, and the object-kind keywords.

use super::{Name, ObjectKind};
use crate::sql::lexer::{top_level, Tok};
use sqlparser::tokenizer::Token;

pub(super) struct Cursor<'a> {
    pub(super) t: &'a [Tok],
    pub(super) i: usize,
    pub(super) text: &'a str,
}

impl Cursor<'_> {
    pub(super) fn peek(&self) -> Option<&Tok> {
        self.t.get(self.i)
    }

    pub(super) fn kw(&self, k: &str) -> bool {
        self.peek().is_some_and(|t| t.is_kw(k))
    }

    pub(super) fn eat(&mut self, k: &str) -> bool {
        let hit = self.kw(k);
        self.i += usize::from(hit);
        hit
    }

    /// Consumes all of `ks` in order, or nothing.
    pub(super) fn eat_all(&mut self, ks: &[&str]) -> bool {
        let hit = ks
            .iter()
            .enumerate()
            .all(|(n, k)| self.t.get(self.i + n).is_some_and(|t| t.is_kw(k)));
        if hit {
            self.i += ks.len();
        }
        hit
    }

    pub(super) fn prev_end(&self) -> usize {
        self.i
            .checked_sub(1)
            .and_then(|p| self.t.get(p))
            .map_or(0, |t| t.range.end)
    }

    /// A possibly qualified name: `a`, `s.a`, `"S"."a"`, `` `db`.`t` ``, of an object that is
    /// not a table ([`Cursor::table_name`]): a column, an index, a routine.
    pub(super) fn name(&mut self) -> Option<Name> {
        self.name_keyed(false)
    }

    /// A possibly qualified name of a table-like object (a table, a view, a database, a
    /// trigger; [`ObjectKind::names_table`]), keyed by [`crate::sql::table_key`]: exactly as
    /// written on MySQL and MariaDB under `lower_case_table_names = 0`.
    pub(super) fn table_name(&mut self) -> Option<Name> {
        self.name_keyed(true)
    }

    /// [`Cursor::name`] of an object of `kind`.
    pub(super) fn name_of(&mut self, kind: ObjectKind) -> Option<Name> {
        self.name_keyed(kind.names_table())
    }

    fn name_keyed(&mut self, table: bool) -> Option<Name> {
        let start = self.i;
        let mut parts = Vec::new();
        while let Some(Token::Word(w)) = self.peek().map(|t| &t.token) {
            parts.push(match w.quote_style {
                _ if table => crate::sql::table_key(w),
                Some(_) if super::super::keeps_case(w) => w.value.clone(),
                _ => super::super::fold_unquoted(&w.value),
            });
            self.i += 1;
            if self.peek().is_some_and(|t| t.is(&Token::Period))
                && matches!(
                    self.t.get(self.i + 1).map(|t| &t.token),
                    Some(Token::Word(_))
                )
            {
                self.i += 1;
            } else {
                break;
            }
        }
        if parts.is_empty() {
            return None;
        }
        let range = self.t[start].range.start..self.prev_end();
        Some(Name {
            text: self.text.get(range.clone()).unwrap_or_default().to_string(),
            range,
            parts,
        })
    }

    /// A MySQL account written without spaces (`'app'@'%'`), as one name part.
    pub(super) fn account(&mut self) -> Option<Name> {
        let start = self.peek()?.range.start;
        let mut end = start;
        while let Some(t) = self.peek().filter(|t| t.range.start == end) {
            end = t.range.end;
            self.i += 1;
        }
        let text = self.text.get(start..end)?.to_string();
        Some(Name {
            parts: vec![text.clone()],
            text,
            range: start..end,
        })
    }

    /// Moves to the next `kw` at parenthesis depth 0; returns whether it was found.
    pub(super) fn seek(&mut self, kw: &str) -> bool {
        let rest = self.t.get(self.i..).unwrap_or_default();
        let found = top_level(rest).find(|(_, t)| t.is_kw(kw));
        self.i += found.map_or(rest.len(), |(k, _)| k);
        found.is_some()
    }
}

/// Reads the object kind keyword(s) at the cursor.
pub(super) fn object_kind(c: &mut Cursor) -> Option<ObjectKind> {
    let (tokens, at) = (c.t, c.i);
    let next_is = |k: &str| tokens.get(at + 1).is_some_and(|t| t.is_kw(k));
    let kind = match c.peek()?.bare_word()?.to_ascii_uppercase().as_str() {
        "TABLE" => ObjectKind::Table,
        "INDEX" => ObjectKind::Index,
        "SEQUENCE" => ObjectKind::Sequence,
        "SCHEMA" => ObjectKind::Schema,
        "DATABASE" => ObjectKind::Database,
        "EXTENSION" => ObjectKind::Extension,
        "VIEW" => ObjectKind::View,
        "MATERIALIZED" => {
            c.i += 1;
            if !c.kw("VIEW") {
                return None;
            }
            ObjectKind::MaterializedView
        }
        "FUNCTION" => ObjectKind::Function,
        "PROCEDURE" => ObjectKind::Procedure,
        "TRIGGER" => ObjectKind::Trigger,
        "TYPE" => ObjectKind::Type,
        "DOMAIN" => ObjectKind::Domain,
        "POLICY" => ObjectKind::Policy,
        "EVENT" if next_is("TRIGGER") => {
            c.i += 1;
            ObjectKind::EventTrigger
        }
        "EVENT" => ObjectKind::Event,
        "ROLE" | "USER" => ObjectKind::Role,
        "COLLATION" => ObjectKind::Collation,
        "SERVER" => ObjectKind::Server,
        "STATISTICS" => ObjectKind::Statistics,
        // MariaDB `CREATE AGGREGATE FUNCTION` is a function; PostgreSQL's is an aggregate.
        "AGGREGATE" if next_is("FUNCTION") => {
            c.i += 1;
            ObjectKind::Function
        }
        "AGGREGATE" => ObjectKind::Aggregate,
        "FOREIGN" if next_is("TABLE") => {
            c.i += 1;
            ObjectKind::ForeignTable
        }
        "RULE" => ObjectKind::Rule,
        "CAST" => ObjectKind::Cast,
        "PUBLICATION" => ObjectKind::Publication,
        "SUBSCRIPTION" => ObjectKind::Subscription,
        // OPERATOR CLASS / FAMILY are other objects.
        "OPERATOR" if !next_is("CLASS") && !next_is("FAMILY") => ObjectKind::Operator,
        _ => ObjectKind::Other,
    };
    c.i += 1;
    Some(kind)
}
