//! MySQL/MariaDB conditional DDL at the top level of a file: user variables holding SQL text,
//! run by `PREPARE s FROM @v; EXECUTE s` or `EXECUTE IMMEDIATE @v`. Lint judges the statements
//! they run (`lint::calls`); reconcile replays them (`reconcile::expected`).
//!
//! ```sql
//! SET @s = IF((SELECT COUNT(*) FROM information_schema.COLUMNS WHERE … COLUMN_NAME = 'c') > 0,
//!             'SELECT 1', 'ALTER TABLE t ADD COLUMN c INT');
//! PREPARE stmt FROM @s; EXECUTE stmt;
//! ```
//!
//! A variable's value is a text [`Bindings::eval`] computes, or a choice between two such
//! texts (`IF(cond, 'a', 'b')`, `(SELECT IF(…))`, `CASE WHEN cond THEN 'a' ELSE 'b' END`). A
//! branch is guarded when `cond` reads information_schema, names (as a literal) each object
//! the branch drops or creates, and the branch runs only when the catalog says the object
//! exists (a drop) or does not (a create): as `IF EXISTS` / `IF NOT EXISTS` would.

use crate::sql::do_block::dropped_names;
use crate::sql::dynamic::{list_at, split_top, strip_parens, Bindings};
use crate::sql::lexer::{top_level, Tok};
use crate::sql::{ShapeKind, Statement};
use sqlparser::tokenizer::Token;
use std::collections::HashMap;

/// One text a variable may hold, and the condition under which it does.
#[derive(Debug, Clone)]
pub struct Branch {
    pub text: String,
    /// `Some(true)`: runs only when the condition's object exists; `Some(false)`: only when it
    /// does not; `None`: not tied to the catalog.
    pub when_exists: Option<bool>,
    /// The condition's tokens (empty for a plain text).
    pub condition: Vec<Tok>,
}

/// What a variable or prepared statement holds: its branches, or `None` when not evaluable.
pub type Value = Option<Vec<Branch>>;

/// The top-level variables and prepared statements a file has set so far.
#[derive(Debug, Default)]
pub struct TopDynamic {
    vars: HashMap<String, Value>,
    prepared: HashMap<String, Value>,
}

impl TopDynamic {
    /// A top-level statement has run: `SET @v = …`, `PREPARE s FROM …`.
    pub fn record(&mut self, bindings: &Bindings, tokens: &[Tok]) {
        let Some(first) = tokens.first() else { return };
        if first.is_kw("SET") {
            for part in split_top(&tokens[1..], |t| t.is(&Token::Comma)) {
                if let Some((name, value)) = user_assignment(part) {
                    let value = self.value(bindings, value);
                    self.vars.insert(name, value);
                }
            }
        } else if first.is_kw("PREPARE") {
            let from = tokens.iter().position(|t| t.is_kw("FROM"));
            if let (Some(name), Some(from)) = (tokens.get(1).and_then(|t| t.bare_word()), from) {
                let value = self.value(bindings, &tokens[from + 1..]);
                self.prepared.insert(name.to_lowercase(), value);
            }
        }
    }

    /// What top-level `EXECUTE` statement `tokens` runs: `None` when not an EXECUTE;
    /// `Some(None)` when what it runs is not known.
    pub fn executed(&self, bindings: &Bindings, tokens: &[Tok]) -> Option<Value> {
        if !tokens.first()?.is_kw("EXECUTE") {
            return None;
        }
        Some(match tokens.get(1) {
            Some(t) if t.is_kw("IMMEDIATE") => {
                let end = tokens
                    .iter()
                    .position(|t| t.is_kw("USING"))
                    .unwrap_or(tokens.len());
                self.value(bindings, &tokens[2..end])
            }
            Some(t) => t
                .bare_word()
                .and_then(|s| self.prepared.get(&s.to_lowercase()).cloned().flatten()),
            None => None,
        })
    }

    /// The value of expression `tokens`.
    fn value(&self, bindings: &Bindings, tokens: &[Tok]) -> Value {
        let mut tokens = strip_parens(tokens);
        // `(SELECT IF(…))`: a SELECT of one expression, no FROM.
        if tokens.first().is_some_and(|t| t.is_kw("SELECT")) {
            tokens = strip_parens(&tokens[1..]);
        }
        // `@v`: whatever `@v` holds, branches included.
        if let Some((name, _)) = user_var(tokens).filter(|(_, n)| *n == tokens.len()) {
            return self.vars.get(&name).cloned().flatten();
        }
        if let Some((condition, then, otherwise)) = choice(tokens) {
            let when = when_exists(condition);
            let (then, otherwise) = (self.text(bindings, then)?, self.text(bindings, otherwise)?);
            return Some(vec![
                Branch {
                    text: then,
                    when_exists: when,
                    condition: condition.to_vec(),
                },
                Branch {
                    text: otherwise,
                    when_exists: when.map(|w| !w),
                    condition: condition.to_vec(),
                },
            ]);
        }
        Some(vec![Branch {
            text: self.text(bindings, tokens)?,
            when_exists: None,
            condition: Vec::new(),
        }])
    }

    /// A text the evaluator computes, with the plain texts variables hold.
    fn text(&self, bindings: &Bindings, tokens: &[Tok]) -> Option<String> {
        let vars: HashMap<String, Option<String>> = self
            .vars
            .iter()
            .map(|(name, value)| {
                let plain = match value.as_deref() {
                    Some([one]) if one.when_exists.is_none() => Some(one.text.clone()),
                    _ => None,
                };
                (name.clone(), plain)
            })
            .collect();
        bindings.eval(tokens, &vars)
    }
}

/// `@name = value` / `@name := value`: the lower-case `@name` and the value's tokens.
fn user_assignment(tokens: &[Tok]) -> Option<(String, &[Tok])> {
    let (name, k) = user_var(tokens)?;
    let [op, rest @ ..] = &tokens[k..] else {
        return None;
    };
    if op.is(&Token::Eq) || op.is(&Token::Assignment) {
        return Some((name, rest));
    }
    if op.is(&Token::Colon) && rest.first().is_some_and(|t| t.is(&Token::Eq)) {
        return Some((name, &rest[1..]));
    }
    None
}

/// A user variable at the start of `tokens` (`@v`, one word or `@` and a word): its lower-case
/// name with the `@`, and how many tokens it takes.
fn user_var(tokens: &[Tok]) -> Option<(String, usize)> {
    match tokens {
        [at, word, ..] if at.is(&Token::AtSign) => {
            Some((format!("@{}", word.bare_word()?.to_lowercase()), 2))
        }
        [word, ..] => match &word.token {
            Token::Word(w) if w.quote_style.is_none() && w.value.starts_with('@') => {
                Some((w.value.to_lowercase(), 1))
            }
            _ => None,
        },
        [] => None,
    }
}

/// `IF(cond, a, b)` or `CASE WHEN cond THEN a ELSE b END`: the condition and both values.
fn choice(tokens: &[Tok]) -> Option<(&[Tok], &[Tok], &[Tok])> {
    if tokens.first()?.is_kw("IF") {
        let args = list_at(tokens, 1);
        let close = crate::sql::lexer::matching_paren(tokens, 1)?;
        if let ([c, a, b], true) = (args.as_slice(), close == tokens.len() - 1) {
            return Some((c, a, b));
        }
        return None;
    }
    if tokens.first()?.is_kw("CASE") && tokens.get(1)?.is_kw("WHEN") {
        let parts = |word: &str| -> Vec<usize> {
            top_level(tokens)
                .filter(|(_, t)| t.is_kw(word))
                .map(|(k, _)| k)
                .collect()
        };
        let whens = parts("WHEN");
        let then = *parts("THEN").first()?;
        let otherwise = *parts("ELSE").first()?;
        let end = tokens.len() - 1;
        if whens.len() != 1 || !tokens[end].is_kw("END") || then >= otherwise {
            return None;
        }
        return Some((
            &tokens[2..then],
            &tokens[then + 1..otherwise],
            &tokens[otherwise + 1..end],
        ));
    }
    None
}

/// Is condition `tokens` true exactly when the catalog object it reads exists (`Some(true)`),
/// exactly when it does not (`Some(false)`)? `None` when it reads no information_schema or
/// its form is not one of: `EXISTS (…)`, `NOT EXISTS (…)`, `(SELECT …) > 0`, `<> 0`, `!= 0`,
/// `>= 1`, `= 1`, `= TRUE`, `= 0`, `< 1`, `= FALSE`, `IS [NOT] NULL`.
fn when_exists(tokens: &[Tok]) -> Option<bool> {
    let reads_catalog = tokens.iter().any(|t| {
        t.bare_word()
            .is_some_and(|w| w.eq_ignore_ascii_case("information_schema"))
    });
    if !reads_catalog {
        return None;
    }
    let tokens = strip_parens(tokens);
    match tokens {
        [not, exists, ..] if not.is_kw("NOT") && exists.is_kw("EXISTS") => return Some(false),
        [exists, ..] if exists.is_kw("EXISTS") => return Some(true),
        _ => {}
    }
    // `<subquery> op value`: the subquery is the leading parenthesised part.
    let open = tokens.first()?;
    if !open.is(&Token::LParen) {
        return None;
    }
    let close = crate::sql::lexer::matching_paren(tokens, 0)?;
    let rest = &tokens[close + 1..];
    let value = |t: &Tok| match &t.token {
        Token::Number(n, _) => n.parse::<i64>().ok(),
        Token::Word(_) if t.is_kw("TRUE") => Some(1),
        Token::Word(_) if t.is_kw("FALSE") => Some(0),
        _ => None,
    };
    match rest {
        [is, null] if is.is_kw("IS") && null.is_kw("NULL") => Some(false),
        [is, not, null] if is.is_kw("IS") && not.is_kw("NOT") && null.is_kw("NULL") => Some(true),
        [op, v] => {
            let v = value(v)?;
            match (&op.token, v) {
                (Token::Gt | Token::Neq, 0) => Some(true),
                (Token::GtEq | Token::Eq, 1) => Some(true),
                (Token::Eq, 0) | (Token::Lt, 1) => Some(false),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The base names `statement` creates: a `CREATE`'s objects, an `ALTER TABLE`'s added
/// columns, constraints and indexes. Empty when one of them is unnamed or the statement also
/// does something else.
fn created_names(statement: &Statement) -> Vec<String> {
    let shape = &statement.shape;
    match &shape.kind {
        ShapeKind::Create(_) => shape.names.iter().map(|n| n.base().to_string()).collect(),
        ShapeKind::AlterTable => {
            let adds: Option<Vec<String>> = shape
                .actions
                .iter()
                .map(|a| match a.kind.adds() {
                    true => a.name.as_ref().map(|n| n.base().to_string()),
                    false => None,
                })
                .collect();
            adds.unwrap_or_default()
        }
        _ => Vec::new(),
    }
}

/// The guard branch `branch` gives statement `statement` it runs: `(guarded, drops_checked)`.
pub fn guard(branch: &Branch, statement: &Statement, bindings: &Bindings) -> (bool, bool) {
    let named = |names: Vec<String>| {
        !names.is_empty()
            && names
                .iter()
                .all(|n| branch.condition.iter().any(|t| bindings.names(t, n)))
    };
    match branch.when_exists {
        Some(true) if named(dropped_names(statement)) => (true, true),
        Some(false) if named(created_names(statement)) => (true, false),
        _ => (false, false),
    }
}
