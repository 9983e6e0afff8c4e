//! SQL a routine's body builds at run time, evaluated where it can be: the body's parameters
//! bound to a call's literal arguments, the statement text is known.
//!
//! - MySQL/MariaDB: `SET @q = CONCAT(<literals, parameters, variables>)` (or a literal), then
//!   `PREPARE s FROM @q` and `EXECUTE s`; `EXECUTE IMMEDIATE <expression>`.
//! - PostgreSQL: `EXECUTE 'lit' || param || 'lit'`, `EXECUTE format('… %I …', param)`
//!   (`%I`, `%L`, `%s`, `%%`), `quote_ident(param)`, `quote_literal(param)`, and local
//!   variables assigned such an expression (`v := …`).
//!
//! Anything else (a value read from a table, a cursor, a parameter bound to an expression) is
//! not evaluable: the place is returned without a text, and the caller says so.

use super::lexer::{matching_paren, top_level, Tok};
use super::split::split;
use super::Dialect;
use crate::source::SourceFile;
use sqlparser::tokenizer::Token;
use std::collections::HashMap;
use std::ops::Range;

/// The values of a body's parameters at a call (lower-case names), `None` where the argument
/// is not a value known before the call runs; PostgreSQL's `$n` by position too.
#[derive(Debug, Clone, Default)]
pub struct Bindings {
    named: HashMap<String, Option<String>>,
    positional: Vec<Option<String>>,
    /// MySQL/MariaDB rules: `||` is OR (unless `PIPES_AS_CONCAT`, which preflight cannot see)
    /// and only `CONCAT` builds text, so nothing else is evaluated.
    mysql: bool,
}

impl Bindings {
    /// No parameters bound, with `dialect`'s expression rules: a body run by a top-level
    /// statement, or the call's own arguments.
    pub fn top(dialect: Dialect) -> Bindings {
        Bindings {
            mysql: dialect.is_mysql_family(),
            ..Bindings::default()
        }
    }

    /// Binds `params` (names, in order; `None` for an unnamed one) to the values of `args`
    /// (each an argument's tokens), which may use the caller's own bindings `outer`.
    pub fn bind(params: &[Option<String>], args: &[&[Tok]], outer: &Bindings) -> Bindings {
        let mut out = Bindings {
            mysql: outer.mysql,
            ..Bindings::default()
        };
        for (k, param) in params.iter().enumerate() {
            let value = args.get(k).and_then(|a| outer.eval(a, &HashMap::new()));
            if let Some(name) = param {
                out.named.insert(name.to_lowercase(), value.clone());
            }
            out.positional.push(value);
        }
        out
    }

    /// The value a word has: a bound parameter, or `$n`.
    fn word(&self, t: &Tok) -> Option<Option<String>> {
        match &t.token {
            Token::Word(w) if w.quote_style.is_none() => {
                self.named.get(&w.value.to_lowercase()).cloned()
            }
            Token::Placeholder(p) => {
                let n: usize = p.strip_prefix('$')?.parse().ok()?;
                self.positional.get(n.checked_sub(1)?).cloned()
            }
            _ => None,
        }
    }

    /// Is `t` a parameter bound to `value` (case-insensitively), or that literal itself?
    pub fn names(&self, t: &Tok, value: &str) -> bool {
        match &t.token {
            Token::SingleQuotedString(s) => s.eq_ignore_ascii_case(value),
            _ => self
                .word(t)
                .flatten()
                .is_some_and(|v| v.eq_ignore_ascii_case(value)),
        }
    }

    /// The value of expression `tokens`: a literal, a bound parameter, a variable of `vars`,
    /// or a concatenation of them (`CONCAT(…)`, `||`, `format(…)`, `quote_ident(…)`).
    pub fn eval(&self, tokens: &[Tok], vars: &HashMap<String, Option<String>>) -> Option<String> {
        // `a || b || c`, split at the top level.
        let parts = split_top(tokens, |t| t.is(&Token::StringConcat));
        if parts.len() > 1 && self.mysql {
            return None;
        }
        if parts.len() > 1 {
            let mut out = String::new();
            for part in parts {
                out.push_str(&self.eval(part, vars)?);
            }
            return Some(out);
        }
        let tokens = strip_parens(tokens);
        match tokens {
            [] => None,
            [t] => match &t.token {
                Token::SingleQuotedString(s) => Some(s.clone()),
                // PL/pgSQL's `EXECUTE $x$CREATE TABLE …$x$`.
                Token::DollarQuotedString(s) if !self.mysql => Some(s.value.clone()),
                Token::Number(n, _) => Some(n.clone()),
                Token::Word(w) if w.quote_style.is_none() => {
                    let name = w.value.to_lowercase();
                    match vars.get(&name) {
                        Some(value) => value.clone(),
                        None => self.named.get(&name).cloned().flatten(),
                    }
                }
                Token::Placeholder(_) => self.word(t).flatten(),
                _ => None,
            },
            // MySQL user variable `@q`, lexed as `@` and a word.
            [at, word] if at.is(&Token::AtSign) => {
                let name = format!("@{}", word.bare_word()?.to_lowercase());
                vars.get(&name).cloned().flatten()
            }
            [f, open, .., close] if open.is(&Token::LParen) && close.is(&Token::RParen) => {
                let name = f.bare_word()?.to_lowercase();
                if matching_paren(tokens, 1) != Some(tokens.len() - 1) {
                    return None;
                }
                let args = list_at(tokens, 1);
                let values: Option<Vec<String>> = args.iter().map(|a| self.eval(a, vars)).collect();
                let values = values?;
                match name.as_str() {
                    "concat" => Some(values.concat()),
                    _ if self.mysql => None,
                    "quote_ident" => Some(quote_ident(values.first()?)),
                    "quote_literal" => Some(quote_literal(values.first()?)),
                    "format" => format(values.first()?, &values[1..]),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// PostgreSQL's `quote_ident`: quoted unless a plain lower-case identifier.
fn quote_ident(s: &str) -> String {
    let plain = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    match plain {
        true => s.to_string(),
        false => format!("\"{}\"", s.replace('"', "\"\"")),
    }
}

fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// PostgreSQL's `format`: `%s`, `%I`, `%L` and `%%`, arguments in order (no positions or
/// widths: those are not evaluated).
fn format(template: &str, args: &[String]) -> Option<String> {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = template.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '%' => out.push('%'),
            's' => out.push_str(args.next()?),
            'I' => out.push_str(&quote_ident(args.next()?)),
            'L' => out.push_str(&quote_literal(args.next()?)),
            _ => return None,
        }
    }
    Some(out)
}

/// `tokens` without parentheses around all of them.
pub(crate) fn strip_parens(mut tokens: &[Tok]) -> &[Tok] {
    while tokens.len() >= 2
        && tokens[0].is(&Token::LParen)
        && matching_paren(tokens, 0) == Some(tokens.len() - 1)
    {
        tokens = &tokens[1..tokens.len() - 1];
    }
    tokens
}

/// `tokens` split at the separators `is_separator` accepts outside parentheses.
pub(crate) fn split_top(tokens: &[Tok], is_separator: impl Fn(&Tok) -> bool) -> Vec<&[Tok]> {
    let mut out = Vec::new();
    let mut start = 0;
    for (k, _) in top_level(tokens).filter(|(_, t)| is_separator(t)) {
        out.push(&tokens[start..k]);
        start = k + 1;
    }
    out.push(&tokens[start..]);
    out
}

/// One place of a body that runs SQL built at run time: where (`at`, the `EXECUTE`), the
/// bytes of that statement, and the SQL when it could be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dynamic {
    pub at: usize,
    pub range: Range<usize>,
    pub text: Option<String>,
}

/// Words after which a body statement starts (control words, as the body readers use).
const AFTER_CONTROL: &[&str] = &["BEGIN", "THEN", "ELSE", "LOOP", "DECLARE", "DO", "REPEAT"];

/// The places of body `body` (bytes of `source`) that run SQL built at run time, in body
/// order, evaluated with `bindings`. Variables are followed in body order (an assignment in
/// one branch of an IF is seen by what follows it in the text).
pub fn dynamic_sql(
    source: &SourceFile,
    dialect: Dialect,
    body: Range<usize>,
    bindings: &Bindings,
) -> Vec<Dynamic> {
    let segments = split(source, dialect, body, false);
    let mut vars: HashMap<String, Option<String>> = HashMap::new();
    let mut prepared: HashMap<String, Option<String>> = HashMap::new();
    let mut out = Vec::new();
    // In a PL/pgSQL DECLARE section (up to its block's BEGIN): `q text := '…';`.
    let mut declaring = false;
    for segment in &segments.statements {
        let tokens = &segment.tokens;
        if !dialect.is_mysql_family() {
            let last = tokens
                .iter()
                .rev()
                .find(|t| t.is_kw("DECLARE") || t.is_kw("BEGIN"));
            if let Some(last) = last {
                declaring = last.is_kw("DECLARE");
            }
        }
        let Some(k) = (0..tokens.len()).find(|&k| {
            let after = k == 0
                || tokens[k - 1].is(&Token::ShiftRight)
                || AFTER_CONTROL.iter().any(|w| tokens[k - 1].is_kw(w));
            after
                && (["SET", "PREPARE", "EXECUTE"]
                    .iter()
                    .any(|w| tokens[k].is_kw(w))
                    || assignment(&tokens[k..]).is_some()
                    || (declaring && declaration(&tokens[k..]).is_some()))
        }) else {
            continue;
        };
        let rest = &tokens[k..];
        let end = segment.range.end;
        if rest[0].is_kw("SET") {
            // `SET @a = x, b = y`: each assignment.
            for part in split_top(&rest[1..], |t| t.is(&Token::Comma)) {
                if let Some((name, value)) = assignment(part) {
                    vars.insert(name, bindings.eval(value, &vars));
                }
            }
        } else if rest[0].is_kw("PREPARE") {
            // `PREPARE s FROM <expression>`.
            if let (Some(name), Some(from)) = (
                rest.get(1).and_then(|t| t.bare_word()),
                rest.iter().position(|t| t.is_kw("FROM")),
            ) {
                let value = bindings.eval(&rest[from + 1..], &vars);
                prepared.insert(name.to_lowercase(), value);
            }
        } else if rest[0].is_kw("EXECUTE") {
            let text = if dialect.is_mysql_family() {
                match rest.get(1) {
                    Some(t) if t.is_kw("IMMEDIATE") => {
                        let using = using_at(rest);
                        bindings.eval(&rest[2..using], &vars)
                    }
                    Some(t) => t
                        .bare_word()
                        .and_then(|s| prepared.get(&s.to_lowercase()).cloned().flatten()),
                    None => None,
                }
            } else {
                // `EXECUTE <expression> [INTO …] [USING …]`.
                let stop = rest
                    .iter()
                    .position(|t| t.is_kw("INTO") || t.is_kw("USING"))
                    .unwrap_or(rest.len());
                bindings.eval(&rest[1..stop], &vars)
            };
            out.push(Dynamic {
                at: rest[0].range.start,
                range: rest[0].range.start..end,
                text,
            });
        } else if let Some((name, value)) = assignment(rest) {
            vars.insert(name, bindings.eval(value, &vars));
        } else if let Some((name, _, value)) = declaration(rest).filter(|_| declaring) {
            vars.insert(name, value.and_then(|v| bindings.eval(v, &vars)));
        }
    }
    out
}

/// A declaration's variable, the tokens before its value, and its value ([`declaration`]).
pub(crate) type Declaration<'t> = (String, &'t [Tok], Option<&'t [Tok]>);

/// PL/pgSQL declaration `name [CONSTANT] type [NOT NULL] [{:= | = | DEFAULT} value]`: the
/// variable (lower case), the tokens between it and the value (all the rest when there is
/// none, or for a cursor or alias) and the value's tokens (`None`: no initial value, it is
/// NULL).
pub(crate) fn declaration(tokens: &[Tok]) -> Option<Declaration<'_>> {
    let first = tokens.first()?;
    if first.is_kw("DECLARE") {
        return None;
    }
    let name = first.bare_word()?.to_lowercase();
    let mut depth = 0usize;
    for (k, t) in tokens.iter().enumerate().skip(1) {
        match &t.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            // `c CURSOR FOR SELECT …`, `a ALIAS FOR $1`: not a value.
            Token::Word(_) if t.is_kw("CURSOR") || t.is_kw("FOR") => {
                return Some((name, &tokens[1..], None))
            }
            Token::Assignment | Token::Eq => {
                return Some((name, &tokens[1..k], Some(&tokens[k + 1..])))
            }
            Token::Colon if tokens.get(k + 1).is_some_and(|n| n.is(&Token::Eq)) => {
                return Some((name, &tokens[1..k], Some(&tokens[k + 2..])))
            }
            Token::Word(_) if t.is_kw("DEFAULT") => {
                return Some((name, &tokens[1..k], Some(&tokens[k + 1..])))
            }
            _ => {}
        }
    }
    Some((name, &tokens[1..], None))
}

/// `EXECUTE IMMEDIATE … USING …`: where its expression ends.
fn using_at(rest: &[Tok]) -> usize {
    rest.iter()
        .position(|t| t.is_kw("USING"))
        .unwrap_or(rest.len())
}

/// `name := value`, `name = value`, `@name = value` (`@name := value`): the variable (lower
/// case, `@` kept) and the value's tokens.
fn assignment(tokens: &[Tok]) -> Option<(String, &[Tok])> {
    let (name, k) = match tokens {
        [at, word, ..] if at.is(&Token::AtSign) => {
            (format!("@{}", word.bare_word()?.to_lowercase()), 2)
        }
        [word, ..] => {
            let w = word.bare_word()?;
            (w.to_lowercase(), 1)
        }
        [] => return None,
    };
    let op = tokens.get(k)?;
    let assigns = op.is(&Token::Eq)
        || op.is(&Token::Assignment)
        || (op.is(&Token::Colon) && tokens.get(k + 1).is_some_and(|t| t.is(&Token::Eq)));
    if !assigns {
        return None;
    }
    let skip = if op.is(&Token::Colon) { 2 } else { 1 };
    Some((name, &tokens[k + skip..]))
}

/// The parameter names of `CREATE FUNCTION|PROCEDURE` statement `tokens`, in order (`None`
/// for an unnamed PostgreSQL one, used as `$n`): MySQL `[IN|OUT|INOUT] name type`,
/// PostgreSQL `[mode] [name] type [DEFAULT …]`.
pub fn routine_params(tokens: &[Tok]) -> Vec<Option<String>> {
    let Some(at) = tokens
        .iter()
        .position(|t| t.is_kw("FUNCTION") || t.is_kw("PROCEDURE"))
    else {
        return Vec::new();
    };
    let Some(open) = tokens[at..]
        .iter()
        .position(|t| t.is(&Token::LParen))
        .map(|p| at + p)
    else {
        return Vec::new();
    };
    list_at(tokens, open)
        .into_iter()
        .map(|arg| {
            let mut arg = arg;
            if arg.len() > 2
                && ["IN", "OUT", "INOUT", "VARIADIC"]
                    .iter()
                    .any(|m| arg[0].is_kw(m))
            {
                arg = &arg[1..];
            }
            // A name is a word followed by the type's word.
            match arg {
                [name, ty, ..] if matches!(ty.token, Token::Word(_)) => match &name.token {
                    Token::Word(w) => Some(w.value.to_lowercase()),
                    _ => None,
                },
                _ => None,
            }
        })
        .collect()
}

/// The arguments of the call of the routine named at token `name_at` of `tokens` (`p(a, b)`):
/// each argument's tokens; none without an argument list.
pub fn call_arguments(tokens: &[Tok], name_at: usize) -> Vec<&[Tok]> {
    list_at(tokens, name_at + 1)
}

/// The items of the parenthesised, comma-separated list that opens at token `open`: each
/// item's tokens; none when no list opens there.
pub(crate) fn list_at(tokens: &[Tok], open: usize) -> Vec<&[Tok]> {
    if !tokens.get(open).is_some_and(|t| t.is(&Token::LParen)) {
        return Vec::new();
    }
    let Some(close) = matching_paren(tokens, open) else {
        return Vec::new();
    };
    let inside = &tokens[open + 1..close];
    if inside.is_empty() {
        return Vec::new();
    }
    split_top(inside, |t| t.is(&Token::Comma))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::lexer::lex;

    fn dynamic(text: &str, dialect: Dialect, call: &str) -> Vec<Option<String>> {
        let source = SourceFile::new("t.sql", text);
        let tokens = lex(dialect, text, 0..text.len()).tokens;
        let params = routine_params(&tokens);
        let body = crate::sql::do_block::routine_body_range(&source, dialect, &tokens).unwrap();
        let call_tokens = lex(dialect, call, 0..call.len()).tokens;
        let name_at = call_tokens
            .iter()
            .position(|t| t.is(&Token::LParen))
            .map_or(0, |p| p - 1);
        let args = call_arguments(&call_tokens, name_at);
        let bindings = Bindings::bind(&params, &args, &Bindings::top(dialect));
        dynamic_sql(&source, dialect, body, &bindings)
            .into_iter()
            .map(|d| d.text)
            .collect()
    }

    #[test]
    fn mysql_concat_prepare_execute_with_bound_parameters() {
        let text = "CREATE PROCEDURE PROC_DROP_INDEX(IN tableName VARCHAR(64), IN indexName VARCHAR(64))
BEGIN
    IF EXISTS(SELECT * FROM information_schema.STATISTICS WHERE TABLE_NAME = tableName AND INDEX_NAME = indexName)
    THEN
        SET @query = CONCAT('ALTER TABLE ', tableName, ' DROP INDEX ', indexName, ';');
        PREPARE stmt FROM @query;
        EXECUTE stmt;
        DEALLOCATE PREPARE stmt;
    END IF;
END";
        assert_eq!(
            dynamic(text, Dialect::Mariadb, "CALL PROC_DROP_INDEX('t', 'i')"),
            [Some("ALTER TABLE t DROP INDEX i;".to_string())]
        );
        // An argument that is not a literal leaves the statement unknown.
        assert_eq!(
            dynamic(text, Dialect::Mariadb, "CALL PROC_DROP_INDEX(@t, 'i')"),
            [None]
        );
        let immediate = "CREATE PROCEDURE p(c VARCHAR(64)) BEGIN EXECUTE IMMEDIATE CONCAT('ALTER TABLE t ADD ', c, ' INT'); END";
        assert_eq!(
            dynamic(immediate, Dialect::Mariadb, "CALL p('x')"),
            [Some("ALTER TABLE t ADD x INT".to_string())]
        );
    }

    #[test]
    fn mysql_pipes_and_postgres_functions_are_not_text_on_mysql() {
        // On MySQL/MariaDB `||` is OR in the default sql_mode, and FORMAT formats a number:
        // neither builds a statement preflight could name.
        let text = "CREATE PROCEDURE p(c VARCHAR(64)) BEGIN
    SET @q = 'ALTER TABLE t ADD ' || c;
    PREPARE s FROM @q; EXECUTE s;
    EXECUTE IMMEDIATE FORMAT('ALTER TABLE t ADD %s INT', c);
END";
        assert_eq!(dynamic(text, Dialect::Mariadb, "CALL p('x')"), [None, None]);
        assert_eq!(dynamic(text, Dialect::Mysql, "CALL p('x')"), [None, None]);
    }

    #[test]
    fn postgres_execute_of_concatenation_and_format() {
        let text = "CREATE FUNCTION f(tbl text, col text) RETURNS void AS $$
DECLARE q text;
  d constant varchar(64) := 'CREATE TABLE ' || tbl || '_d (id int)';
  e text DEFAULT 'CREATE TABLE e (id int)';
BEGIN
  EXECUTE 'ALTER TABLE ' || tbl || ' ADD COLUMN ' || quote_ident(col) || ' int';
  EXECUTE format('CREATE INDEX %I ON %I (%I)', tbl || '_' || col, tbl, col);
  q := 'DROP TABLE ' || $1;
  EXECUTE q;
  EXECUTE 'DROP TABLE ' || (SELECT relname FROM pg_class LIMIT 1);
  EXECUTE $x$CREATE TABLE $x$ || tbl || $q$ (id int)$q$;
  EXECUTE d;
  EXECUTE e;
  DECLARE e text; BEGIN EXECUTE e; END;
END $$ LANGUAGE plpgsql";
        assert_eq!(
            dynamic(text, Dialect::Postgres, "SELECT f('t', 'Col')"),
            [
                Some("ALTER TABLE t ADD COLUMN \"Col\" int".to_string()),
                Some("CREATE INDEX \"t_Col\" ON t (\"Col\")".to_string()),
                Some("DROP TABLE t".to_string()),
                None,
                Some("CREATE TABLE t (id int)".to_string()),
                Some("CREATE TABLE t_d (id int)".to_string()),
                Some("CREATE TABLE e (id int)".to_string()),
                // An inner block's `e`, declared without a value.
                None,
            ]
        );
    }
}
