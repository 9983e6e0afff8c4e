//! On PostgreSQL a catalog check compares names with case, and the catalog stores an unquoted
//! name folded to lower case: a check whose literal differs from the stored name only in case
//! never finds it, and the branch it was meant to guard runs again on a retry.

use super::catalog_checks::{Branch, Check};
use crate::sql::lexer::Tok;
use sqlparser::tokenizer::Token;

/// A string literal a catalog check compares with: its value (cut to 63 bytes, as PostgreSQL
/// compares it with a name), and how the check spells the comparison (`attname =
/// 'gz_jsonData'`), for messages.
#[derive(Debug, Clone)]
pub(super) struct Compared {
    pub(super) value: String,
    pub(super) spelled: String,
    /// The alternatives the literal is one of: the `IN (…)` list it is an element of, or the
    /// parentheses (or condition) where `OR` joins the comparisons (`relname = 'a' OR relname
    /// = 'b'`), by the byte where they open, and which of the two.
    pub(super) list: Option<(usize, Alternatives)>,
    /// The catalog column an `=` or `IN (…)` compares the literal with (`table_name` of
    /// `c.table_name = 'a'`), lower case; `None` for `LIKE`, a resolver or anything else.
    pub(super) column: Option<String>,
}

/// Is `column` (lower case) one of `information_schema`'s columns that hold a table's name
/// and that MariaDB 10.11 under `lower_case_table_names = 0` compares with `=` and `IN` with
/// case (`tables`, `columns`, `statistics`, `table_constraints`, `key_column_usage`,
/// `referential_constraints`: `table_name`; `triggers`: `event_object_table`)? Not
/// `referenced_table_name`, which `= 'PAR'` finds for `par`, nor a trigger's, index's or
/// constraint's name.
fn holds_table_name(column: &str) -> bool {
    matches!(column, "table_name" | "event_object_table")
}

/// What joins the literals of one [`Compared::list`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Alternatives {
    InList,
    Or,
}

/// The first of `names` (as the catalog stores them) that the catalog checks of the `branches`
/// around byte `at` compare only with a literal differing in case, with that literal.
/// `tables_only`: MariaDB under `lower_case_table_names = 0`, whose catalog compares only a
/// table's name with case, and only with `=` or `IN (…)` (`table_name = 'Users'` never finds
/// `users`; `table_name LIKE 'Users'` and `column_name = 'Email'` do find `users`, `email`):
/// only the literals so compared with a column holding a table's name count.
pub(super) fn miscased<'a>(
    branches: &'a [Branch],
    at: usize,
    names: &'a [String],
    statement: &crate::sql::Statement,
    tables_only: bool,
) -> Option<(&'a Compared, &'a String)> {
    let around: Vec<&Branch> = branches.iter().filter(|b| b.range.contains(&at)).collect();
    if around.iter().any(|b| b.folds) {
        return None;
    }
    let counts = |l: &&Compared| !tables_only || l.column.as_deref().is_some_and(holds_table_name);
    let literals = || around.iter().flat_map(|b| b.literals.iter()).filter(counts);
    let leading = leading_index_column(statement);
    names.iter().find_map(|name| {
        if literals().any(|l| l.value == *name) {
            return None;
        }
        let lower = name.to_lowercase();
        let like = |l: &Compared| l.value.to_lowercase() == lower;
        // `relname IN ('QFoo', 'qfoo_pkey')` finds `QFoo`: a literal is no miss when another
        // of its list (or another comparison `OR` joins) is exactly a name the statement makes.
        let exact_alternative = |l: &Compared| {
            l.list.is_some_and(|list| {
                literals().any(|o| o.list == Some(list) && names.contains(&o.value))
            })
        };
        let miscased = literals().find(|l| like(l) && !exact_alternative(l))?;
        // Another check around it that does not compare this name may still skip it on a
        // retry; one that tests that something exists (`IF n > 0`), or an index on another
        // leading column (ranger's `indkey[0] = v`), does not.
        let other_guard = around
            .iter()
            .filter(|b| !b.literals.iter().filter(counts).any(like))
            .any(|b| match &b.check {
                Check::Positive => false,
                Check::IndexLeading(column) => leading.as_ref().is_none_or(|c| c == column),
                Check::MissingNullability { .. } | Check::Unknown => true,
            });
        (!other_guard).then_some((miscased, name))
    })
}

/// The first column of the index `statement` creates (`CREATE INDEX … ON t (c, …)`, `ADD
/// CONSTRAINT … UNIQUE (c, …)` or `PRIMARY KEY (c, …)`), as stored (folded unless quoted).
fn leading_index_column(statement: &crate::sql::Statement) -> Option<String> {
    let tokens = &statement.tokens;
    let head = tokens
        .iter()
        .position(|t| t.is_kw("UNIQUE") || t.is_kw("KEY") || t.is_kw("ON"))?;
    let open = head + tokens[head..].iter().position(|t| t.is(&Token::LParen))?;
    crate::sql::folded(tokens.get(open + 1)?)
}

/// The string literals of `tokens` a check compares names with: `x = 'lit'`, `'lit' = x`,
/// `x LIKE 'lit'`, `x IN ('a', 'b')`; not a function's argument or a cast (`'t'::regclass`).
pub(super) fn compared_literals(tokens: &[Tok]) -> Vec<Compared> {
    // The `(` each token is in (innermost), and the parentheses with an `OR` of their own
    // (`None`: outside any).
    let mut open: Vec<usize> = Vec::new();
    let mut scope: Vec<Option<usize>> = Vec::with_capacity(tokens.len());
    let mut with_or: Vec<Option<usize>> = Vec::new();
    for (k, t) in tokens.iter().enumerate() {
        if t.is(&Token::RParen) {
            open.pop();
        }
        scope.push(open.last().copied());
        if t.is(&Token::LParen) {
            open.push(k);
        }
        if t.is_kw("OR") && !with_or.contains(&open.last().copied()) {
            with_or.push(open.last().copied());
        }
    }
    let ored = |k: usize| {
        with_or.contains(&scope[k]).then(|| {
            let at = scope[k].map_or(tokens[0].range.start, |p| tokens[p].range.start);
            (at, Alternatives::Or)
        })
    };
    let mut out = Vec::new();
    for (k, t) in tokens.iter().enumerate() {
        let Token::SingleQuotedString(value) = &t.token else {
            continue;
        };
        let before = k.checked_sub(1).map(|p| &tokens[p]);
        let after = tokens.get(k + 1);
        if after.is_some_and(|a| a.is(&Token::DoubleColon)) {
            continue;
        }
        // `to_regclass('Foo')`: PostgreSQL reads the literal as a name, as a statement spells
        // it: it finds `foo`, never `"Foo"`.
        let resolver = k
            .checked_sub(2)
            .and_then(|p| tokens[p].bare_word())
            .filter(|w| w.to_ascii_lowercase().starts_with("to_reg"));
        if let Some(resolver) = resolver {
            let alone = before.is_some_and(|b| b.is(&Token::LParen))
                && after.is_some_and(|a| a.is(&Token::RParen));
            if let Some(name) = read_name(value).filter(|_| alone) {
                out.push(Compared {
                    value: crate::reconcile::expected::Engine::Postgres.truncate(name),
                    spelled: format!("{resolver}('{value}')"),
                    list: ored(k),
                    column: None,
                });
            }
            continue;
        }
        let listed = in_list(tokens, k);
        let compared = before.is_some_and(|b| b.is(&Token::Eq) || b.is_kw("LIKE"))
            || after.is_some_and(|a| a.is(&Token::Eq))
            || listed.is_some();
        if !compared {
            continue;
        }
        let lit = format!("'{value}'");
        let spelled = match (before, k.checked_sub(2).map(|p| &tokens[p])) {
            (
                Some(op),
                Some(Tok {
                    token: Token::Word(w),
                    ..
                }),
            ) if op.is(&Token::Eq) => {
                format!("{} = {lit}", w.value)
            }
            _ => lit,
        };
        // The column compared: the word before `=` (or after `'a' =`), or before `IN (…)`.
        let word = |at: Option<usize>| match at.map(|p| &tokens[p].token) {
            Some(Token::Word(w)) => Some(w.value.to_lowercase()),
            _ => None,
        };
        let column = if before.is_some_and(|b| b.is(&Token::Eq)) {
            word(k.checked_sub(2))
        } else if after.is_some_and(|a| a.is(&Token::Eq)) {
            word(Some(k + 2).filter(|&p| p < tokens.len()))
        } else if let Some(open) = listed {
            let at = tokens.iter().position(|t| t.range.start == open);
            word(at.and_then(|p| p.checked_sub(2)))
        } else {
            None
        };
        out.push(Compared {
            value: crate::reconcile::expected::Engine::Postgres.truncate(value.clone()),
            spelled,
            column,
            list: listed
                .map(|at| (at, Alternatives::InList))
                .or_else(|| ored(k)),
        });
    }
    out
}

/// The last part of `text` read as PostgreSQL reads a possibly qualified name from a string
/// (`to_regclass('s.Foo')`: `foo`; `'"Foo"'`: `Foo`): an unquoted part folded in its ASCII
/// letters, a quoted one as spelled. `None` when it is not such a name (`int[]`, `f(int)`, a
/// space).
fn read_name(text: &str) -> Option<String> {
    let mut chars = text.chars().peekable();
    let mut last = String::new();
    loop {
        last.clear();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        last.push('"');
                    }
                    '"' => break,
                    c => last.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek().filter(|&&c| c != '.') {
                if !(c.is_alphanumeric() || c == '_' || c == '$') {
                    return None;
                }
                last.push(c.to_ascii_lowercase());
                chars.next();
            }
        }
        if last.is_empty() {
            return None;
        }
        match chars.next() {
            None => return Some(last),
            Some('.') => continue,
            Some(_) => return None,
        }
    }
}

/// The byte where the `IN ('a', 'b')` list the literal at `k` is an element of opens, if it
/// is one.
fn in_list(tokens: &[Tok], k: usize) -> Option<usize> {
    let mut i = k;
    while i > 0 {
        let t = &tokens[i - 1];
        if t.is(&Token::LParen) {
            return (i >= 2 && tokens[i - 2].is_kw("IN")).then_some(t.range.start);
        }
        if !(t.is(&Token::Comma) || matches!(t.token, Token::SingleQuotedString(_))) {
            return None;
        }
        i -= 1;
    }
    None
}

/// Does a check of `tokens` fold case (`lower(…)`, `upper(…)`, `ILIKE`, `~*`, `~~*`, a `citext`
/// cast)? (A literal read as an identifier is folded as a name is: `to_regclass('…')`'s as
/// [`compared_literals`] returns it, and `'…'::regclass` is not one it returns.)
pub(super) fn folds_case(tokens: &[Tok]) -> bool {
    tokens.iter().any(|t| match &t.token {
        Token::TildeAsterisk
        | Token::ExclamationMarkTildeAsterisk
        | Token::DoubleTildeAsterisk
        | Token::ExclamationMarkDoubleTildeAsterisk => true,
        Token::Word(w) if w.quote_style.is_none() => {
            ["lower", "upper", "initcap", "ilike", "citext"]
                .iter()
                .any(|f| w.value.eq_ignore_ascii_case(f))
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use crate::sql::do_block::tests::{nested_guards, source};
    use crate::sql::Dialect;

    const COLUMN_CHECK: &str = "IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = (SELECT oid FROM pg_class WHERE relname = 'zone') AND attname = 'LIT') THEN\n  ALTER TABLE zone ADD COLUMN gz_jsonData bytea;\nEND IF;";

    #[test]
    fn a_check_whose_literal_differs_from_the_stored_name_in_case_guards_nothing() {
        let check =
            |literal: &str| nested_guards(&COLUMN_CHECK.replace("LIT", literal), Dialect::Postgres);
        assert_eq!(
            check("gz_jsonData"),
            [(
                false,
                Some("the guard compares attname = 'gz_jsonData', but PostgreSQL stores the unquoted name as gz_jsondata, so the check never finds it".to_string())
            )]
        );
        assert_eq!(check("gz_jsondata"), [(true, None)]);
        // An unrelated literal: the check is read as before.
        assert_eq!(check("other"), [(true, None)]);
        // A quoted name keeps its case.
        let quoted = |literal: &str| {
            nested_guards(
                &COLUMN_CHECK
                    .replace("LIT", literal)
                    .replace("gz_jsonData bytea", "\"gz_jsonData\" bytea"),
                Dialect::Postgres,
            )
        };
        assert_eq!(quoted("gz_jsonData"), [(true, None)]);
        let (guarded, note) = quoted("gz_jsondata").remove(0);
        assert!(!guarded);
        assert!(note
            .unwrap()
            .contains("stores the quoted name as \"gz_jsonData\""));
        // A check that folds case finds it.
        let lowered =
            COLUMN_CHECK.replace("attname = 'LIT'", "lower(attname) = lower('gz_jsonData')");
        assert_eq!(nested_guards(&lowered, Dialect::Postgres), [(true, None)]);
        let ilike = COLUMN_CHECK.replace("attname = 'LIT'", "attname ILIKE 'gz_jsonData'");
        assert_eq!(nested_guards(&ilike, Dialect::Postgres), [(true, None)]);
    }

    #[test]
    fn a_miscased_table_name_or_a_variable_filled_from_the_catalog_counts_too() {
        // The table's name, in the check of a constraint on it.
        let body = "IF NOT EXISTS (SELECT 1 FROM information_schema.table_constraints WHERE table_name = 'Orders' AND constraint_name = 'orders_uk') THEN\n  ALTER TABLE orders ADD CONSTRAINT orders_uk UNIQUE (a);\nEND IF;";
        let (guarded, note) = nested_guards(body, Dialect::Postgres).remove(0);
        assert!(!guarded);
        assert!(note
            .unwrap()
            .starts_with("the guard compares table_name = 'Orders'"));
        // ranger's patch 029: the constraint's check is an IF inside an IF that tests the
        // column exists (`n > 0`, which a retry does not change), around an IF that looks for
        // an index leading with that column (`indkey[0] = n`), but the constraint's index
        // leads with another one.
        let body = "SELECT attnum INTO n FROM pg_attribute WHERE attname = 'b';\nIF n > 0 THEN\n  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'T_UK_a') THEN\n    IF NOT EXISTS (SELECT 1 FROM pg_index WHERE indkey[0] = n) THEN\n      ALTER TABLE t ADD CONSTRAINT t_uk_A UNIQUE (a, b);\n    END IF;\n  END IF;\nEND IF;";
        let (guarded, note) = nested_guards(body, Dialect::Postgres).remove(0);
        assert!(!guarded);
        assert!(note
            .unwrap()
            .starts_with("the guard compares conname = 'T_UK_a'"));
        // ranger's patch 065: the index check finds the constraint's own index on a retry.
        let leading = body.replace("UNIQUE (a, b)", "UNIQUE (b)");
        assert_eq!(nested_guards(&leading, Dialect::Postgres), [(true, None)]);
        let listed = leading.replace("attname = 'b'", "attname in('b')");
        assert_eq!(nested_guards(&listed, Dialect::Postgres), [(true, None)]);
        let body = "SELECT count(*) INTO n FROM pg_attribute WHERE attname = 'Gz';\nIF n = 0 THEN\n  ALTER TABLE t ADD COLUMN gz int;\nEND IF;";
        assert!(!nested_guards(body, Dialect::Postgres)[0].0);
        // A literal read as an identifier is folded like the name.
        let body = "IF to_regclass('Orders') IS NULL THEN\n  CREATE TABLE orders (a int);\nEND IF;";
        assert_eq!(nested_guards(body, Dialect::Postgres), [(true, None)]);
        // An exception handler catches the retry's error anyway.
        let body = "IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'Orders') THEN\n  CREATE TABLE orders (a int);\nEND IF;\nEXCEPTION WHEN duplicate_table THEN NULL;";
        assert_eq!(nested_guards(body, Dialect::Postgres), [(true, None)]);
    }

    #[test]
    fn mysql_compares_names_without_case_and_keeps_the_guard() {
        let body = "IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'gz_jsonData') THEN\n  ALTER TABLE t ADD COLUMN gz_jsondata int;\nEND IF;";
        let text = format!("CREATE PROCEDURE p() BEGIN\n{body}\nEND");
        let src = source(&text);
        let parsed = crate::sql::parse_source(&src, Dialect::Mariadb);
        let body = crate::sql::routine_body(&src, Dialect::Mariadb, &parsed.statements[0]).unwrap();
        let inner = &body.statements[0];
        assert!(inner.context.do_block.unwrap().guarded);
        assert_eq!(inner.guard_note, None);
    }

    #[test]
    fn a_drop_whose_check_never_finds_it_does_not_count_as_if_exists() {
        let body = "IF EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'T_A_idx') THEN\n  DROP INDEX t_a_idx;\nEND IF;";
        let text = format!("DO $$\nBEGIN\n{body}\nEND $$;");
        let parsed = crate::sql::parse_source(&source(&text), Dialect::Postgres);
        let drop = parsed.statements[0].nested[0].context.do_block.unwrap();
        // The drop itself never fails (it never runs), but it removes nothing.
        assert!(drop.guarded);
        assert!(!drop.drops_checked);
        let text = text.replace("'T_A_idx'", "'t_a_idx'");
        let parsed = crate::sql::parse_source(&source(&text), Dialect::Postgres);
        assert!(
            parsed.statements[0].nested[0]
                .context
                .do_block
                .unwrap()
                .drops_checked
        );
    }
}
