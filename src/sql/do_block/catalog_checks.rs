//! Catalog-check guards of a body: the IFs whose condition reads the catalog (`IF NOT EXISTS
//! (SELECT … FROM pg_…/information_schema…) THEN … END IF`, or a variable a catalog read
//! filled), and what each tests. The names a statement makes for a check to find are in
//! [`super::catalog_names`].

use super::case_fold::{compared_literals, folds_case, Compared};
use super::catalog_names::{
    created_names, made_names, plain_dropped_names, stored_name, TakenNames,
};
use crate::sql::lexer::{top_level, Tok};
use crate::sql::Statement;
use sqlparser::tokenizer::Token;
use std::ops::Range;

/// The statements of an IF, or of an `ELSIF`, whose condition reads the catalog: the bytes
/// between its `THEN` and `END IF`, and the condition's tokens.
#[derive(Debug)]
pub(super) struct Branch {
    pub(super) range: Range<usize>,
    pub(super) condition: Vec<Tok>,
    /// The branch runs when the condition does not hold: the `ELSE` and later `ELSIF`s of its
    /// IF.
    pub(super) in_else: bool,
    /// The string literals the check compares names with: the condition's, and those of the
    /// catalog reads that filled the variables it tests.
    pub(super) literals: Vec<Compared>,
    /// The check folds case somewhere (`lower(…)`, `ILIKE`, `~*`): its literals are not
    /// compared as they are.
    pub(super) folds: bool,
    pub(super) check: Check,
    /// A retry enters the branch again whenever the first run did: its check only tests that
    /// something exists, and the branch only creates, or drops what the check does not
    /// mention ([`only_creates`], [`drops_only_unmentioned`]).
    reenters: bool,
    /// The words of the check and of the reads that filled its variables, and the
    /// dot-separated parts of their string literals, lower case: what the check may test.
    pub(super) mentions: Vec<String>,
    /// What the check holds only while it exists: the mentions (as [`Self::mentions`]) of its
    /// `AND`ed parts that are [`Check::Positive`] (`EXISTS (…)`, `… IS NOT NULL`, `n > 0`),
    /// when no `OR` joins them; `None` when no part is.
    pub(super) present_mentions: Option<Vec<String>>,
    /// The check only tests that something other than the column's type is missing (`NOT
    /// EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'z')`), and nothing else in the block
    /// names what it looks for: the first run did not make it, so a retry enters the branch
    /// again and a type change in it runs again ([`unmade_absence`]).
    reentered_by_type_change: bool,
    /// What the check looks for when it is none of the block's objects ([`looked_for`]): the
    /// parts of the literals it compares names with, lower case. Such a check is on a retry
    /// what it was on the first run, and keeps no creation of another name from running again.
    unmade_names: Option<Vec<String>>,
    /// The condition's `OR` alternatives outside parentheses (none without an `OR`): the
    /// mentions (as [`Self::mentions`]) of each, `None` for one that reads no catalog. Any of
    /// them holding enters the branch, whatever the others find.
    alternatives: Vec<Option<Vec<String>>>,
}

impl Branch {
    /// Does the branch keep `statement`, which runs in it, from running again on a retry? Not
    /// when a retry enters it again and `statement` creates a named object the check does not
    /// mention (`IF EXISTS (… column a …) THEN CREATE INDEX i ON t (a)`): the column is still
    /// there, and the create fails with "already exists"; nor when it drops one without `IF
    /// EXISTS` (`IF EXISTS (… table t …) THEN DROP INDEX i`): it fails with "does not exist".
    /// Nor a type change: it runs again, and whether its `USING` survives that is PF124's to
    /// judge. `taken`: the names the file's statements before the block took, which the
    /// names `statement` derives avoid.
    pub(super) fn guards(&self, statement: &Statement, taken: &TakenNames) -> bool {
        if !self.alternatives_check(statement) {
            return false;
        }
        if self.reentered_by_type_change && changes_column_type(statement) {
            return false;
        }
        // `IF (SELECT count(*) FROM pg_namespace WHERE nspname = 'a') = 1 THEN CREATE TYPE m`:
        // the check is not about `m`, and the block makes nothing it looks for. Only a name
        // the statement makes, spelled or implicit (`'_m'`, the array type `CREATE TYPE m`
        // makes; `'t_pkey'`), is its own: `'m_x'` merely holds `m`.
        if let Some(looked_for) = &self.unmade_names {
            let created = created_names(statement);
            if !created.is_empty() {
                let made = made_names(statement, &created, taken);
                let stored = |n: &String| stored_name(statement, n.to_lowercase());
                let looked_for: Vec<String> = looked_for.iter().map(stored).collect();
                // A check that something an earlier statement took is missing (`NOT EXISTS (…
                // relname = 't_pkey')` after `CREATE INDEX t_pkey ON x …`) finds it on every
                // run: the branch never runs.
                let found_earlier = self.check != Check::Positive
                    && self.literals.iter().any(|l| taken.is_taken(&l.value));
                if !made.iter().any(|n| looked_for.contains(&stored(n))) && !found_earlier {
                    return false;
                }
            }
        }
        if !self.reenters {
            return true;
        }
        if changes_column_type(statement) {
            return false;
        }
        let mut names = created_names(statement);
        if names.is_empty() {
            names = plain_dropped_names(statement);
        }
        // A check that a column with some nullability is missing is still true on a retry
        // when the branch did not give the column that nullability: even the column it names
        // is created again (`IF NOT EXISTS (… attname = 'd' AND NOT attnotnull) THEN ALTER
        // TABLE t ADD COLUMN d int NOT NULL`).
        if matches!(self.check, Check::MissingNullability { .. }) {
            return names.is_empty();
        }
        names.is_empty()
            || names
                .iter()
                .any(|n| self.mentions.contains(&n.to_lowercase()))
    }
}

impl Branch {
    /// Is every `OR` alternative of the check a catalog read, and, of a drop, a catalog check
    /// of what `statement` drops? One that is not (`EXISTS (… relname = 'u') OR 1 = 1 THEN DROP
    /// TABLE t`) may hold on a retry whatever the catalog holds of it, and enter the branch
    /// again. (A check that something else is missing may turn false once the first run made
    /// it: of a create, any catalog read counts.)
    fn alternatives_check(&self, statement: &Statement) -> bool {
        let names = plain_dropped_names(statement);
        self.alternatives.iter().all(|alternative| {
            alternative.as_ref().is_some_and(|mentions| {
                names.is_empty() || names.iter().any(|n| mentions.contains(&n.to_lowercase()))
            })
        })
    }
}

/// What a branch's condition tests, as far as a retry of what it creates goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Check {
    /// The branch runs when something exists (`IF EXISTS (…)`, `IF n > 0`): it does not keep a
    /// create from running again.
    Positive,
    /// `NOT EXISTS (SELECT … FROM pg_index … indkey[0] = v)`, `v` read from `attname = 'c'`:
    /// the branch is skipped when an index leads with column `c` (as stored).
    IndexLeading(String),
    /// `NOT EXISTS (SELECT … FROM pg_attribute|information_schema.columns … attname|column_name
    /// = 'c' AND [NOT] attnotnull|is_nullable = …)`: the branch is skipped when column `c`
    /// exists and is NOT NULL (`not_null`) or nullable (not `not_null`); a branch that does not
    /// make it so is entered again on a retry ([`makes_nullability`]).
    MissingNullability { column: String, not_null: bool },
    /// Anything else: it may skip the branch on a retry.
    Unknown,
}

/// The bytes between `THEN` and the matching `END IF` of IFs and `ELSIF`s whose condition reads
/// the catalog, with their conditions.
pub(super) fn catalog_checked_branches(tokens: &[Tok]) -> Vec<Branch> {
    let lookup = |t: &Tok| {
        t.bare_word().is_some_and(|w| {
            let w = w.to_ascii_lowercase();
            w.starts_with("pg_") || w == "information_schema" || w.starts_with("to_reg")
        })
    };
    // `SELECT count(*) INTO v FROM pg_attribute …; IF v = 0 THEN`: v holds a catalog read.
    let fills = catalog_variables(tokens, &lookup);
    let filled = |t: &Tok| {
        t.bare_word()
            .is_some_and(|w| fills.iter().any(|(_, v, _)| v.eq_ignore_ascii_case(w)))
    };
    let lookup = |t: &Tok| lookup(t) || filled(t);
    let statements = super::if_statements(tokens, |i| {
        // An IF statement: not DDL's `DROP IF EXISTS c` or `ADD COLUMN IF NOT EXISTS`, nor
        // MySQL's `IF(a, b, c)`, whose IF no `END IF` closes.
        super::starts_statement(tokens, i) && !super::is_call(tokens, i)
    });
    // The token ranges of the conditions that read the catalog, an IF's or an `ELSIF`'s: a
    // nested check reads the catalog and changes nothing.
    let checks: Vec<Range<usize>> = statements
        .iter()
        .flat_map(|s| &s.arms)
        .filter(|arm| tokens[arm.condition.clone()].iter().any(lookup))
        .map(|arm| arm.condition.clone())
        .collect();
    let mut branches = Vec::new();
    // An arm whose condition reads the catalog guards what follows its `THEN` up to the next
    // arm (`ELSIF`, `ELSE`) or `END IF`. What follows that runs when the check is false: an
    // `ELSE` (or a later `ELSIF`) of `IF NOT EXISTS (…)` runs when what it looks for exists,
    // on a retry whenever it did on the first run, as under `IF EXISTS (…)`; one of `IF EXISTS
    // (…)` runs when it is missing, as under `IF NOT EXISTS (…)`. Of any other check, nothing
    // guards it.
    for s in &statements {
        for (j, arm) in s.arms.iter().enumerate() {
            if !checks.contains(&arm.condition) {
                continue;
            }
            let condition = arm.condition.clone();
            let arm_end = s.arm_end(j);
            let start = tokens[condition.end].range.end;
            // From after `THEN` to before the next arm, but the conditions of the catalog
            // checks nested in it.
            let body: Vec<usize> = (condition.end + 1..arm_end)
                .filter(|k| !checks.iter().any(|c| c.contains(k)))
                .collect();
            let range = start..tokens[arm_end].range.start;
            let built = branch_of(tokens, &fills, &condition, &body, range, false, &lookup);
            branches.extend(built);
            let last = s.end.saturating_sub(1);
            if arm_end >= last {
                continue;
            }
            // The rest of the IF, less its own `ELSIF`s, `ELSE` and `THEN`s and the catalog
            // checks' conditions.
            let own = |k: &usize| {
                s.else_at == Some(*k)
                    || s.arms[j + 1..]
                        .iter()
                        .any(|a| a.keyword == *k || a.condition.end == *k)
            };
            let rest: Vec<usize> = (arm_end + 1..last)
                .filter(|k| !own(k) && !checks.iter().any(|c| c.contains(k)))
                .collect();
            let range = tokens[arm_end].range.end..tokens[s.end].range.start;
            branches.extend(branch_of(
                tokens, &fills, &condition, &rest, range, true, &lookup,
            ));
        }
    }
    branches
}

/// The branch of IF `tokens` whose statements are the tokens at `body` (bytes `range`), run
/// when the catalog check `condition` (token range) holds, or, `in_else`, when it does not
/// (the `ELSE` and later `ELSIF`s): `None` there when the check is not known to be negated by
/// such a check (only `[NOT] EXISTS (…)` alone is). `fills`: the catalog reads that fill
/// variables ([`catalog_variables`]).
fn branch_of(
    tokens: &[Tok],
    fills: &[(usize, String, Range<usize>)],
    condition: &Range<usize>,
    body: &[usize],
    range: Range<usize>,
    in_else: bool,
    lookup: &dyn Fn(&Tok) -> bool,
) -> Option<Branch> {
    // What the check compares: the condition, and the last fill before it of each variable it
    // tests.
    let mut read: Vec<&[Tok]> = vec![&tokens[condition.clone()]];
    let mut filled_by: Vec<(&str, &[Tok])> = Vec::new();
    let mut fill_ranges: Vec<Range<usize>> = Vec::new();
    for word in tokens[condition.clone()]
        .iter()
        .filter_map(|t| t.bare_word())
    {
        let last = fills
            .iter()
            .rev()
            .find(|(at, v, _)| *at < condition.start && v.eq_ignore_ascii_case(word));
        if let Some((_, _, statement)) = last {
            read.push(&tokens[statement.clone()]);
            filled_by.push((word, &tokens[statement.clone()]));
            fill_ranges.push(statement.clone());
        }
    }
    let tested = &tokens[condition.clone()];
    // The check the branch runs under: in an `ELSE` of `NOT EXISTS (…)`, `EXISTS (…)`; in one
    // of `EXISTS (…)`, an absence check.
    let (tested, check) = if !in_else {
        (tested, check_of(tested, &filled_by))
    } else if top_level_nots(tested) == 0
        && check_of(tested, &filled_by) == Check::Positive
        && tests_existence_only(tested, &filled_by)
    {
        (tested, Check::Unknown)
    } else if tested.first().is_some_and(|t| t.is_kw("NOT"))
        && top_level_nots(tested) == 1
        && tests_existence_only(&tested[1..], &filled_by)
    {
        (&tested[1..], Check::Positive)
    } else {
        return None;
    };
    let present_mentions = match check {
        Check::Unknown if in_else => None,
        _ => present_mentions(tested, &filled_by),
    };
    let body: Vec<Tok> = body
        .iter()
        .filter_map(|&k| tokens.get(k).cloned())
        .collect();
    let mentions: Vec<String> = read.iter().flat_map(|r| mentions(r)).collect();
    // Less the ALTERs that change only what the check does not read.
    let unread = column_property_alters(&body, &mentions);
    let body: Vec<Tok> = body
        .into_iter()
        .enumerate()
        .filter(|(k, _)| !unread.iter().any(|r| r.contains(k)))
        .map(|(_, t)| t)
        .collect();
    let reenters = match &check {
        Check::Positive => {
            tests_existence_only(tested, &filled_by)
                && only_creates(&body)
                && drops_only_unmentioned(&body, &mentions)
                && !makes_read_nullability_false(&body, &mentions)
        }
        Check::MissingNullability { column, not_null } => {
            only_creates(&body)
                && drops_only_unmentioned(&body, &mentions)
                && !makes_nullability(&body, column, *not_null)
        }
        _ => false,
    };
    let reentered_by_type_change = !in_else
        && check == Check::Unknown
        && unmade_absence(tokens, condition, &filled_by, &mentions);
    let alternatives = or_alternatives(&tokens[condition.clone()])
        .into_iter()
        .map(|part| {
            part.iter().any(lookup).then(|| {
                let filled = part.iter().filter_map(|t| t.bare_word()).filter_map(|w| {
                    filled_by
                        .iter()
                        .find(|(v, _)| v.eq_ignore_ascii_case(w))
                        .map(|(_, fill)| self::mentions(fill))
                });
                self::mentions(part)
                    .into_iter()
                    .chain(filled.flatten())
                    .collect()
            })
        })
        .collect();
    Some(Branch {
        alternatives,
        unmade_names: looked_for(tokens, condition, &fill_ranges),
        reentered_by_type_change,
        range,
        check,
        condition: tokens[condition.clone()].to_vec(),
        in_else,
        literals: read.iter().flat_map(|r| compared_literals(r)).collect(),
        folds: read.iter().any(|r| folds_case(r)),
        reenters,
        mentions,
        present_mentions,
    })
}

/// What `condition` holds only while it exists ([`Branch::present_mentions`]): the mentions of
/// its parts joined by `AND` outside parentheses that are [`Check::Positive`], and of the reads
/// that filled the variables those name (`filled_by`); `None` with an `OR` outside them, or
/// no such part. A part that tests absence (`NOT EXISTS (… pg_constraint …)`) adds nothing:
/// `EXISTS (… attname = 'c' …) AND NOT EXISTS (…)` holds only while column `c` exists.
fn present_mentions(condition: &[Tok], filled_by: &[(&str, &[Tok])]) -> Option<Vec<String>> {
    let mut start = 0;
    let mut parts: Vec<&[Tok]> = Vec::new();
    for (k, t) in top_level(condition) {
        if t.is_kw("OR") {
            return None;
        }
        if t.is_kw("AND") {
            parts.push(&condition[start..k]);
            start = k + 1;
        }
    }
    parts.push(&condition[start..]);
    let positive: Vec<&[Tok]> = parts
        .into_iter()
        .filter(|part| {
            // `IS NOT NULL` is the part's own test; any other NOT negates it.
            let not_null = matches!(part, [.., is, not, null]
                if is.is_kw("IS") && not.is_kw("NOT") && null.is_kw("NULL"));
            top_level_nots(part) == usize::from(not_null) && check_of(part, &[]) == Check::Positive
        })
        .collect();
    if positive.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for part in positive {
        out.extend(mentions(part));
        for word in part.iter().filter_map(|t| t.bare_word()) {
            if let Some((_, fill)) = filled_by.iter().find(|(w, _)| w.eq_ignore_ascii_case(word)) {
                out.extend(mentions(fill));
            }
        }
    }
    Some(out)
}

/// The parts of `condition` joined by `OR` outside parentheses (one pair of parentheses
/// around the whole aside); empty without such an `OR`.
fn or_alternatives(condition: &[Tok]) -> Vec<&[Tok]> {
    let mut condition = condition;
    while let [open, inner @ .., _] = condition {
        let wraps = open.is(&Token::LParen)
            && crate::sql::lexer::matching_paren(condition, 0) == Some(condition.len() - 1);
        if !wraps {
            break;
        }
        condition = inner;
    }
    let parts = crate::sql::dynamic::split_top(condition, |t| t.is_kw("OR"));
    if parts.len() < 2 {
        return Vec::new();
    }
    parts
}

/// The `NOT`s of `tokens` outside parentheses.
fn top_level_nots(tokens: &[Tok]) -> usize {
    top_level(tokens).filter(|(_, t)| t.is_kw("NOT")).count()
}

/// What condition `condition` tests ([`Check`]); `filled_by`: the statements that filled the
/// variables it names.
fn check_of(condition: &[Tok], filled_by: &[(&str, &[Tok])]) -> Check {
    let number = |t: &Tok, n: &str| matches!(&t.token, Token::Number(v, _) if v == n);
    let exists = condition.first().is_some_and(|t| t.is_kw("EXISTS"));
    let not_null = matches!(condition, [.., is, not, null]
        if is.is_kw("IS") && not.is_kw("NOT") && null.is_kw("NULL"));
    let above_zero = matches!(condition, [.., op, n]
        if (matches!(op.token, Token::Gt | Token::Neq) && number(n, "0"))
            || (op.is(&Token::GtEq) && number(n, "1")));
    let positive = exists || not_null || above_zero;
    if positive {
        return Check::Positive;
    }
    let reads_index = condition.iter().any(|t| t.is_kw("pg_index"));
    let negated = condition.first().is_some_and(|t| t.is_kw("NOT"));
    // `indkey [ 0 ] = v`
    let variable = condition.windows(6).find_map(|w| {
        let leading = w[0].is_kw("indkey")
            && w[1].is(&Token::LBracket)
            && number(&w[2], "0")
            && w[3].is(&Token::RBracket)
            && w[4].is(&Token::Eq);
        leading.then(|| w[5].bare_word()).flatten()
    });
    let column = variable.and_then(|v| {
        let (_, fill) = filled_by.iter().find(|(w, _)| w.eq_ignore_ascii_case(v))?;
        attname_literal(fill)
    });
    match column {
        Some(column) if reads_index && negated => Check::IndexLeading(column),
        _ => missing_nullability(condition)
            .or_else(|| counted_missing_nullability(condition, filled_by))
            .unwrap_or(Check::Unknown),
    }
}

/// [`Check::MissingNullability`] through a variable: `v = 0` (or `v < 1`), the whole
/// condition, where `v` was filled by `SELECT count(*) INTO v FROM …` whose query is one
/// [`missing_nullability`] reads inside its `NOT EXISTS (…)` (`SELECT count(*) INTO n FROM
/// pg_attribute WHERE … attname = 'd' AND NOT attnotnull; IF n = 0 THEN`).
fn counted_missing_nullability(condition: &[Tok], filled_by: &[(&str, &[Tok])]) -> Option<Check> {
    let [variable, op, n] = condition else {
        return None;
    };
    let number = |v: &str| matches!(&n.token, Token::Number(x, _) if x == v);
    let none = (op.is(&Token::Eq) && number("0")) || (op.is(&Token::Lt) && number("1"));
    let name = variable.bare_word()?;
    let (_, fill) = filled_by
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(name))?;
    let counts = matches!(fill, [select, count, open, star, close, into, ..]
        if select.is_kw("SELECT")
            && count.is_kw("count")
            && open.is(&Token::LParen)
            && star.is(&Token::Mul)
            && close.is(&Token::RParen)
            && into.is_kw("INTO"));
    if !none || !counts || !tests_existence_only(condition, filled_by) {
        return None;
    }
    nullability_query(fill)
}

/// [`Check::MissingNullability`], if `condition` is one: `NOT EXISTS (…)`, the whole
/// condition, reading only a column's row (`pg_attribute`, with `pg_class`/`pg_namespace` to
/// find its table, or `information_schema.columns`), naming one column (`attname = 'c'`,
/// `column_name = 'c'`) and testing its nullability once (`attnotnull`, `NOT attnotnull`,
/// `attnotnull = true|false`, `is_nullable = 'YES'|'NO'`), with no `OR` and no other negation
/// or comparison but the live-column filters (`NOT attisdropped`, `attnum > 0`).
fn missing_nullability(condition: &[Tok]) -> Option<Check> {
    let [not, rest @ ..] = condition else {
        return None;
    };
    if !not.is_kw("NOT") || !rest.first().is_some_and(|t| t.is_kw("EXISTS")) {
        return None;
    }
    // `EXISTS ( … )`, the parentheses the whole rest, and no other negation.
    if !tests_existence_only(rest, &[]) {
        return None;
    }
    nullability_query(rest)
}

/// The query of a [`Check::MissingNullability`] (`EXISTS (SELECT …)`, or the `SELECT count(*)
/// INTO v …` that fills the variable a condition compares with 0): what
/// [`missing_nullability`] requires of it.
fn nullability_query(rest: &[Tok]) -> Option<Check> {
    let tables_ok = rest.iter().all(|t| {
        t.bare_word().is_none_or(|w| {
            let w = w.to_ascii_lowercase();
            !w.starts_with("pg_")
                || ["pg_attribute", "pg_class", "pg_namespace", "pg_catalog"].contains(&w.as_str())
        })
    });
    let reads_columns = rest.iter().any(|t| t.is_kw("pg_attribute"))
        || rest.windows(3).any(|w| {
            w[0].is_kw("information_schema") && w[1].is(&Token::Period) && w[2].is_kw("columns")
        });
    // One query, comparing with `=` only.
    let other = rest.iter().any(|t| {
        ["OR", "IN", "LIKE", "ILIKE", "IS", "UNION"]
            .iter()
            .any(|w| t.is_kw(w))
    }) || rest.iter().filter(|t| t.is_kw("SELECT")).count() != 1;
    if !tables_ok || !reads_columns || other {
        return None;
    }
    // The one column named.
    let literal = |k: usize| match (rest.get(k + 1), rest.get(k + 2)) {
        (Some(eq), Some(lit)) if eq.is(&Token::Eq) => match &lit.token {
            Token::SingleQuotedString(s) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    };
    let named: Vec<usize> = (0..rest.len())
        .filter(|&k| rest[k].is_kw("attname") || rest[k].is_kw("column_name"))
        .collect();
    let [at] = named[..] else {
        return None;
    };
    let column = literal(at)?;
    // The one nullability test.
    let tests: Vec<usize> = (0..rest.len())
        .filter(|&k| rest[k].is_kw("attnotnull") || rest[k].is_kw("is_nullable"))
        .collect();
    let [k] = tests[..] else {
        return None;
    };
    let ends = |t: Option<&Tok>| t.is_none_or(|t| t.is_kw("AND") || t.is(&Token::RParen));
    let negated = k > 0 && rest[k - 1].is_kw("NOT");
    let not_null = if rest[k].is_kw("is_nullable") {
        match (rest.get(k + 1), rest.get(k + 2)) {
            (Some(eq), Some(v)) if eq.is(&Token::Eq) && ends(rest.get(k + 3)) && !negated => {
                match &v.token {
                    Token::SingleQuotedString(s) if s.eq_ignore_ascii_case("YES") => false,
                    Token::SingleQuotedString(s) if s.eq_ignore_ascii_case("NO") => true,
                    _ => return None,
                }
            }
            _ => return None,
        }
    } else if ends(rest.get(k + 1)) {
        !negated
    } else {
        let value = match (rest.get(k + 1), rest.get(k + 2)) {
            (Some(eq), Some(v)) if eq.is(&Token::Eq) && ends(rest.get(k + 3)) && !negated => v,
            _ => return None,
        };
        match &value.token {
            _ if value.is_kw("TRUE") => true,
            _ if value.is_kw("FALSE") => false,
            Token::SingleQuotedString(s) if s == "t" => true,
            Token::SingleQuotedString(s) if s == "f" => false,
            _ => return None,
        }
    };
    Some(Check::MissingNullability { column, not_null })
}

/// Can branch `body` give column `column` the nullability a [`Check::MissingNullability`]
/// tests for (NOT NULL if `not_null`, else nullable), so that a retry skips the branch? Read
/// broadly, so that a branch is only taken to be entered again when it certainly does not: for
/// NOT NULL, any `NOT NULL`, `PRIMARY`, identity or serial column, or a table copied (`LIKE`,
/// `INHERITS`, `PARTITION OF`, `AS`) does; for nullable, any mention of the column outside a
/// `CREATE INDEX` that is not followed, before the next `,`, `)` or `;`, by one of those, or a
/// table copied, does.
fn makes_nullability(body: &[Tok], column: &str, not_null: bool) -> bool {
    let marks_not_null = |tokens: &[Tok]| {
        tokens.iter().enumerate().any(|(k, t)| {
            ["PRIMARY", "IDENTITY"]
                .iter()
                .chain(crate::sql::SERIAL_TYPES)
                .any(|w| t.is_kw(w))
                || (t.is_kw("NOT") && tokens.get(k + 1).is_some_and(|n| n.is_kw("NULL")))
        })
    };
    let copies = body.iter().any(|t| {
        ["LIKE", "INHERITS", "PARTITION", "AS"]
            .iter()
            .any(|w| t.is_kw(w))
    });
    if copies {
        return true;
    }
    if not_null {
        return marks_not_null(body);
    }
    let names_column = |t: &Tok| match &t.token {
        Token::Word(w) if crate::sql::keeps_case(w) => w.value == column,
        Token::Word(w) => w.value.to_lowercase() == column,
        _ => false,
    };
    (0..body.len())
        .filter(|&k| names_column(&body[k]))
        .any(|k| {
            let start = (0..k)
                .rev()
                .find(|&i| body[i].is(&Token::SemiColon))
                .map_or(0, |i| i + 1);
            let in_index = body[start..k]
                .iter()
                .any(|t| t.is_kw("INDEX") || t.is_kw("UNIQUE"))
                && body.get(start).is_some_and(|t| t.is_kw("CREATE"));
            if in_index {
                return false;
            }
            let mut depth = 0usize;
            let definition: Vec<Tok> = body[k + 1..]
                .iter()
                .take_while(|t| {
                    match t.token {
                        Token::LParen => depth += 1,
                        Token::RParen if depth == 0 => return false,
                        Token::RParen => depth -= 1,
                        Token::Comma | Token::SemiColon if depth == 0 => return false,
                        _ => {}
                    }
                    true
                })
                .cloned()
                .collect();
            !marks_not_null(&definition)
        })
}

/// Is `condition`, which [`check_of`] finds [`Check::Positive`], a test that something exists
/// and nothing more: `EXISTS (…)`, `v > 0`, `(SELECT count(*) …) > 0`, `… IS NOT NULL`, with
/// no `AND`/`OR` outside parentheses, and no negation or other comparison in what it tests or
/// in the reads that filled its variables (`NOT`, `CASE`, `IF(`, `-`, `<`…)?
fn tests_existence_only(condition: &[Tok], filled_by: &[(&str, &[Tok])]) -> bool {
    let operand = match condition {
        [exists, ..] if exists.is_kw("EXISTS") => {
            let whole = condition.get(1).is_some_and(|t| t.is(&Token::LParen))
                && crate::sql::lexer::matching_paren(condition, 1) == Some(condition.len() - 1);
            if !whole {
                return false;
            }
            condition
        }
        [operand @ .., is, not, null]
            if is.is_kw("IS") && not.is_kw("NOT") && null.is_kw("NULL") =>
        {
            operand
        }
        // `> 0`, `<> 0`, `>= 1`
        [operand @ .., _, _] => operand,
        _ => return false,
    };
    let negates = |t: &Tok| {
        [
            "NOT", "CASE", "IF", "HAVING", "COALESCE", "IFNULL", "NULLIF",
        ]
        .iter()
        .any(|w| t.is_kw(w))
            || matches!(
                t.token,
                Token::Minus
                    | Token::Lt
                    | Token::LtEq
                    | Token::Gt
                    | Token::GtEq
                    | Token::Neq
                    | Token::ExclamationMark
            )
    };
    // Outside parentheses; a stray `)` closes nothing, so what follows it stays outside.
    let joins = top_level(operand).any(|(_, t)| t.is_kw("AND") || t.is_kw("OR"));
    // `NOT attisdropped` and `attnum > 0` pick a live user column's row; they negate nothing
    // the check tests (a drop of the column is read as a drop the check mentions). `NOT
    // attnotnull` picks a nullable column, as `attnotnull = false` does (a branch that makes
    // the column NOT NULL is not re-entered: [`makes_read_nullability_false`]).
    let live_column_filter = |tokens: &[Tok], i: usize| {
        let zero = |t: &Tok| matches!(&t.token, Token::Number(v, _) if v == "0");
        (tokens[i].is_kw("NOT")
            && tokens
                .get(i + 1)
                .is_some_and(|t| t.is_kw("attisdropped") || t.is_kw("attnotnull")))
            || (tokens[i].is(&Token::Gt)
                && i > 0
                && tokens[i - 1].is_kw("attnum")
                && tokens.get(i + 1).is_some_and(zero))
    };
    let negates_in = |tokens: &[Tok]| {
        (0..tokens.len()).any(|i| negates(&tokens[i]) && !live_column_filter(tokens, i))
    };
    !joins && !negates_in(operand) && filled_by.iter().all(|(_, fill)| !negates_in(fill))
}

/// Is `condition` (token range of the block's `tokens`) `NOT EXISTS (…)` whose query only
/// tests that something exists, or `to_regclass('z') IS NULL` (any `to_reg…`), that reads no
/// column type and compares names with string literals,
/// none of which the block names anywhere else (a word, or a part of a string: dynamic SQL)?
/// Then what it looks for is missing after the block ran as it was before, and a retry enters
/// the branch again. `IF NOT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'z') THEN ALTER
/// TABLE t ALTER COLUMN x TYPE int USING length(x); END IF;` fails its retry (PostgreSQL 15:
/// `function length(integer) does not exist`); with `CREATE TABLE z …` in the block it does
/// not. A later statement of the file that creates it is not looked at (a crash before it
/// leaves the branch to run again, but for a per-file transaction).
fn unmade_absence(
    tokens: &[Tok],
    condition: &Range<usize>,
    filled_by: &[(&str, &[Tok])],
    mentions: &[String],
) -> bool {
    const READS_TYPE: &[&str] = &[
        "data_type",
        "udt_name",
        "atttypid",
        "atttypmod",
        "format_type",
        "pg_typeof",
        "pg_type",
        "typname",
        "domain_name",
        "character_maximum_length",
        "numeric_precision",
        "datetime_precision",
    ];
    let check = &tokens[condition.clone()];
    let negated_exists = check.first().is_some_and(|t| t.is_kw("NOT"))
        && top_level_nots(check) == 1
        && tests_existence_only(&check[1..], filled_by);
    // `to_regclass('z') IS NULL`
    let unresolved = matches!(check, [f, open, name, close, is, null]
        if f.bare_word().is_some_and(|w| w.to_ascii_lowercase().starts_with("to_reg"))
            && open.is(&Token::LParen)
            && matches!(name.token, Token::SingleQuotedString(_))
            && close.is(&Token::RParen)
            && is.is_kw("IS")
            && null.is_kw("NULL"));
    if !(negated_exists || unresolved) || READS_TYPE.iter().any(|w| mentions.iter().any(|m| m == w))
    {
        return false;
    }
    let literals: Vec<String> = check
        .iter()
        .chain(filled_by.iter().flat_map(|(_, fill)| fill.iter()))
        .filter_map(|t| match &t.token {
            Token::SingleQuotedString(s) => s.split('.').next_back().map(str::to_lowercase),
            _ => None,
        })
        .filter(|s| !s.is_empty())
        .collect();
    let named_elsewhere = |name: &str| {
        tokens.iter().enumerate().any(|(k, t)| {
            if condition.contains(&k) {
                return false;
            }
            match &t.token {
                Token::Word(w) => w.value.eq_ignore_ascii_case(name),
                Token::SingleQuotedString(s) => s_contains(s, name),
                Token::DollarQuotedString(d) => s_contains(&d.value, name),
                _ => false,
            }
        })
    };
    !literals.is_empty() && !literals.iter().any(|l| named_elsewhere(l))
}

/// What the check of `condition` (a token range of the block's `tokens`) looks for, when it is
/// none of the block's objects ([`Branch::unmade_names`]): the check (with the reads that
/// filled its variables, `fills`) compares every name column (a word ending in `name` or
/// `_schema`: `typname`, `nspname`, `table_name`, `table_schema`) only with string literals
/// (`= 'a'`, `IN ('a', 'b')`) and resolves only literals (`to_regtype('a')`), it has such
/// literals, all plain names (`a`, `s.a`: no pattern, no space), and the block names none of
/// their parts anywhere else (a word, or in a string: dynamic SQL; an `ENUM`'s labels are no
/// names). `None` otherwise: the check may look for what the block makes.
fn looked_for(
    tokens: &[Tok],
    condition: &Range<usize>,
    fills: &[Range<usize>],
) -> Option<Vec<String>> {
    fn literal(t: Option<&Tok>) -> Option<&str> {
        match t.map(|t| &t.token) {
            Some(Token::SingleQuotedString(s)) => Some(s.as_str()),
            _ => None,
        }
    }
    let mut literals: Vec<&str> = Vec::new();
    for range in std::iter::once(condition).chain(fills) {
        let check = &tokens[range.clone()];
        // The schema (database) the session is in, which the block does not make:
        // `DATABASE()`, `SCHEMA()`, `current_schema[()]`, `current_database()`.
        let current = |k: usize| {
            let Some(word) = check.get(k).and_then(|t| t.bare_word()) else {
                return false;
            };
            let called = check.get(k + 1).is_some_and(|t| t.is(&Token::LParen))
                && check.get(k + 2).is_some_and(|t| t.is(&Token::RParen));
            let function = |f: &str| word.eq_ignore_ascii_case(f);
            (called
                && ["database", "schema", "current_database"]
                    .into_iter()
                    .any(function))
                || function("current_schema")
        };
        for (k, t) in check.iter().enumerate() {
            if let Some(s) = literal(Some(t)) {
                literals.push(s);
                continue;
            }
            let Some(word) = t.bare_word().map(str::to_ascii_lowercase) else {
                continue;
            };
            // A qualifier (`information_schema.tables`, `n.nspname`) compares nothing.
            let qualifier = check.get(k + 1).is_some_and(|t| t.is(&Token::Period));
            let compared = if qualifier || current(k) {
                true
            } else if word.starts_with("to_reg") {
                check.get(k + 1).is_some_and(|t| t.is(&Token::LParen))
                    && literal(check.get(k + 2)).is_some()
                    && check.get(k + 3).is_some_and(|t| t.is(&Token::RParen))
            } else if word.ends_with("name") || word.ends_with("_schema") {
                let next = check.get(k + 1);
                if next.is_some_and(|t| t.is(&Token::Eq)) {
                    (literal(check.get(k + 2)).is_some()
                        && !check.get(k + 3).is_some_and(|t| t.is(&Token::StringConcat)))
                        || current(k + 2)
                } else if next.is_some_and(|t| t.is_kw("IN"))
                    && check.get(k + 2).is_some_and(|t| t.is(&Token::LParen))
                {
                    let close = crate::sql::lexer::matching_paren(check, k + 2)?;
                    check[k + 3..close]
                        .iter()
                        .all(|t| t.is(&Token::Comma) || literal(Some(t)).is_some())
                } else {
                    false
                }
            } else {
                true
            };
            if !compared {
                return None;
            }
        }
    }
    let plain = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '.'))
    };
    if literals.is_empty() || !literals.iter().all(|s| plain(s)) {
        return None;
    }
    let parts: Vec<String> = literals
        .iter()
        .flat_map(|s| s.split('.'))
        .filter(|p| !p.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    // The labels of `ENUM (…)`: values, not names.
    let labels: Vec<Range<usize>> = (0..tokens.len())
        .filter(|&k| {
            tokens[k].is_kw("ENUM") && tokens.get(k + 1).is_some_and(|t| t.is(&Token::LParen))
        })
        .filter_map(|k| Some(k + 1..crate::sql::lexer::matching_paren(tokens, k + 1)?))
        .collect();
    let named_elsewhere = |name: &str| {
        tokens.iter().enumerate().any(|(k, t)| {
            let outside = !condition.contains(&k)
                && !fills.iter().any(|f| f.contains(&k))
                && !labels.iter().any(|l| l.contains(&k));
            outside
                && match &t.token {
                    Token::Word(w) => w.value.eq_ignore_ascii_case(name),
                    Token::SingleQuotedString(s) => s_contains(s, name),
                    Token::DollarQuotedString(d) => s_contains(&d.value, name),
                    _ => false,
                }
        })
    };
    (!parts.iter().any(|p| named_elsewhere(p))).then_some(parts)
}

/// Does `text` hold `name`, ASCII case ignored?
fn s_contains(text: &str, name: &str) -> bool {
    text.to_ascii_lowercase()
        .contains(&name.to_ascii_lowercase())
}

/// Does branch `body` make a column NOT NULL (a `PRIMARY KEY`, a `NOT NULL`) where the check
/// reads whether columns are nullable (`attnotnull`, `is_nullable`; `mentions`, see
/// [`Branch::mentions`])? A check that a column is nullable (`attnotnull = false`, `is_nullable
/// = 'YES'`) is false once the branch added a primary key on it: a retry skips the branch.
fn makes_read_nullability_false(body: &[Tok], mentions: &[String]) -> bool {
    let reads = ["attnotnull", "is_nullable"]
        .iter()
        .any(|w| mentions.iter().any(|m| m == w));
    reads
        && body.iter().enumerate().any(|(k, t)| {
            t.is_kw("PRIMARY")
                || (t.is_kw("NOT") && body.get(k + 1).is_some_and(|n| n.is_kw("NULL")))
        })
}

/// Does branch `body` do nothing but create (and insert rows), drop (see
/// [`drops_only_unmentioned`]) and assign variables values that read nothing (see
/// [`assigns_plain_values`])? A rename or type change, an `ALTER … SET`, an `ELSE`, a handler,
/// a query, a call or dynamic SQL may make a check that something exists false; a nested IF
/// whose condition only reads the catalog (taken out of `body`) does not.
fn only_creates(body: &[Tok]) -> bool {
    const OTHER: &[&str] = &[
        "RENAME",
        "DELETE",
        "TRUNCATE",
        "CHANGE",
        "MODIFY",
        "SET",
        "TYPE",
        "OWNER",
        "GRANT",
        "REVOKE",
        "COMMENT",
        "ELSE",
        "ELSIF",
        "ELSEIF",
        "EXCEPTION",
        "EXECUTE",
        "CALL",
        "PERFORM",
        "SELECT",
        "REPLACE",
        "ENABLE",
        "DIAGNOSTICS",
        "FOUND",
        "DISABLE",
        "VALIDATE",
        "ATTACH",
        "DETACH",
        "INHERIT",
        "ENGINE",
        "CONVERT",
        "RETURN",
        "LOOP",
        "WHILE",
        "REPEAT",
        "DECLARE",
        "HANDLER",
        "COMMIT",
        "ROLLBACK",
    ];
    body.iter().enumerate().all(|(k, t)| {
        let alters_other = t.is_kw("ALTER") && !body.get(k + 1).is_some_and(|n| n.is_kw("TABLE"));
        // `SET …`, `SELECT … INTO`, or `x := …` (from the variable).
        let start = match t.is(&Token::Assignment) {
            true => k.checked_sub(1),
            false => (t.is_kw("SET") || t.is_kw("SELECT")).then_some(k),
        };
        if start.is_some_and(|s| super::starts_statement(body, s)) {
            return assigns_plain_values(body, k);
        }
        // A nested IF that tests what the first run changed (`IF ROW_COUNT() > 0 THEN`) may
        // skip the create on a retry.
        if t.is_kw("IF") && super::starts_statement(body, k) {
            let then = body[k..]
                .iter()
                .position(|t| t.is_kw("THEN"))
                .map_or(body.len(), |p| k + p);
            if (k + 1..then).any(|j| reads_state(body, j)) {
                return false;
            }
        }
        // `CREATE TYPE m` makes, `DROP TYPE m` drops (see `drops_only_unmentioned`): only
        // another `TYPE` (`ALTER COLUMN c TYPE int`) changes something.
        let names_type = t.is_kw("TYPE")
            && k.checked_sub(1)
                .is_some_and(|p| body[p].is_kw("CREATE") || body[p].is_kw("DROP"));
        !alters_other && (names_type || !OTHER.iter().any(|w| t.is_kw(w)))
    })
}

/// The token ranges of `body`'s `ALTER TABLE` statements (with their `;`) whose every action
/// sets or drops a column's default or NOT NULL (`ALTER [COLUMN] a SET DEFAULT 0`, `ALTER a
/// DROP NOT NULL`), where the check reads neither (`mentions`: no `column_default`,
/// `is_nullable`, `pg_attrdef`, `attnotnull`, constraint catalog, …). Such a statement removes
/// no name and changes nothing the check tests, so it cannot keep a retry out of the branch:
/// `IF EXISTS (… column a …) THEN ALTER TABLE t ALTER COLUMN a SET DEFAULT 0; CREATE INDEX
/// t_a_idx …` re-runs the create, and fails. So does a type change (`ALTER [COLUMN] a [SET DATA]
/// TYPE int [USING …]`) where the check reads no type, nor default (which the change casts): the
/// column keeps its name, so a check that it exists holds on a retry, and the change, its
/// `USING` too, runs again.
fn column_property_alters(body: &[Tok], mentions: &[String]) -> Vec<Range<usize>> {
    const READS_DEFAULT: &[&str] = &[
        "column_default",
        "atthasdef",
        "pg_attrdef",
        "adbin",
        "adsrc",
        "pg_get_expr",
    ];
    const READS_NULLABILITY: &[&str] = &[
        "is_nullable",
        "attnotnull",
        "pg_constraint",
        "contype",
        "table_constraints",
        "check_constraints",
        "constraint_type",
        "constraint_column_usage",
    ];
    const READS_TYPE: &[&str] = &[
        "data_type",
        "udt_name",
        "udt_schema",
        "domain_name",
        "column_type",
        "character_maximum_length",
        "character_octet_length",
        "numeric_precision",
        "numeric_scale",
        "datetime_precision",
        "interval_type",
        "atttypid",
        "atttypmod",
        "attlen",
        "format_type",
        "pg_typeof",
        "pg_type",
        "typname",
        "regtype",
        "to_regtype",
    ];
    let reads = |words: &[&str]| words.iter().any(|w| mentions.iter().any(|m| m == w));
    let (default_read, nullability_read) = (reads(READS_DEFAULT), reads(READS_NULLABILITY));
    let type_read = reads(READS_TYPE) || default_read;
    let is_word = |t: &Tok| matches!(t.token, Token::Word(_));
    let mut out = Vec::new();
    for k in 0..body.len() {
        let alter_table = body[k].is_kw("ALTER")
            && body.get(k + 1).is_some_and(|t| t.is_kw("TABLE"))
            && super::starts_statement(body, k);
        if !alter_table {
            continue;
        }
        let Some(end) = body[k..]
            .iter()
            .position(|t| t.is(&Token::SemiColon))
            .map(|p| k + p)
        else {
            continue;
        };
        // `ALTER TABLE [IF EXISTS] [ONLY] name [*]`
        let mut j = k + 2;
        if body.get(j).is_some_and(|t| t.is_kw("IF"))
            && body.get(j + 1).is_some_and(|t| t.is_kw("EXISTS"))
        {
            j += 2;
        }
        if body.get(j).is_some_and(|t| t.is_kw("ONLY")) {
            j += 1;
        }
        if !body.get(j).is_some_and(is_word) {
            continue;
        }
        j += 1;
        while body.get(j).is_some_and(|t| t.is(&Token::Period)) {
            j += 2;
        }
        if body.get(j).is_some_and(|t| t.is(&Token::Mul)) {
            j += 1;
        }
        // The actions, split at commas outside parentheses.
        let actions = crate::sql::dynamic::split_top(&body[j..end], |t| t.is(&Token::Comma));
        let unread = |action: &[Tok]| {
            let Some(first) = action.first() else {
                return false;
            };
            let named = usize::from(action.get(1).is_some_and(|t| t.is_kw("COLUMN")));
            let rest = action.get(2 + named..).unwrap_or_default();
            let kws = |ws: &[&str]| {
                rest.len() >= ws.len() && rest.iter().zip(ws).all(|(t, w)| t.is_kw(w))
            };
            // A default's expression is stored, not run; it must not end the statement early.
            let plain_expression = |e: &[Tok]| {
                !e.is_empty()
                    && !e.iter().any(|t| {
                        ["CREATE", "ALTER", "DROP", "END", "IF", "BEGIN", "THEN"]
                            .iter()
                            .any(|w| t.is_kw(w))
                    })
            };
            first.is_kw("ALTER")
                && action.get(1 + named).is_some_and(is_word)
                && match rest {
                    [set, default, expression @ ..]
                        if set.is_kw("SET") && default.is_kw("DEFAULT") =>
                    {
                        !default_read && plain_expression(expression)
                    }
                    _ if kws(&["DROP", "DEFAULT"]) && rest.len() == 2 => !default_read,
                    _ if (kws(&["SET", "NOT", "NULL"]) || kws(&["DROP", "NOT", "NULL"]))
                        && rest.len() == 3 =>
                    {
                        !nullability_read
                    }
                    [set, data, ty, change @ ..]
                        if set.is_kw("SET") && data.is_kw("DATA") && ty.is_kw("TYPE") =>
                    {
                        !type_read && plain_type_change(change)
                    }
                    [ty, change @ ..] if ty.is_kw("TYPE") => {
                        !type_read && plain_type_change(change)
                    }
                    _ => false,
                }
        };
        if actions.iter().all(|a| unread(a)) {
            out.push(k..end + 1);
        }
    }
    out
}

/// Is `change`, what follows a type change's `TYPE` (`int USING CASE a WHEN 0 THEN 1 END`), a
/// type and an expression only: no statement word, and each `END` a `CASE`'s, so that it cannot
/// close a block or an IF of the body.
fn plain_type_change(change: &[Tok]) -> bool {
    let count = |w: &str| change.iter().filter(|t| t.is_kw(w)).count();
    !change.is_empty()
        && !change.iter().any(|t| {
            ["CREATE", "ALTER", "DROP", "IF", "BEGIN", "LOOP"]
                .iter()
                .any(|w| t.is_kw(w))
        })
        && count("CASE") == count("END")
}

/// Is the statement at `body[k]` an assignment (MySQL's `SET @x = 1, v := 2`, a setting's `SET
/// [SESSION|LOCAL] name = v | TO v`, PL/pgSQL's `x := 1`, `SELECT 1 INTO v` without `FROM`; `k`
/// at its `SET`, `SELECT` or `:=`) whose values read nothing a first run changes: no query, no
/// call (`ROW_COUNT()`, a function reading a table), no system variable (`@@warning_count`), not
/// PL/pgSQL's `FOUND`? Each run (a new session) then assigns the same values, so a later
/// statement that tests them decides the same way, and the branch re-runs what it created. A
/// `SET` that outlives the session (`SET GLOBAL`, `SET PERSIST`) or is no assignment (`SET
/// NAMES`, `SET ROLE`, `SET TRANSACTION`, MariaDB's `SET STATEMENT … FOR`) is not one; neither
/// is an `ALTER … SET` or `UPDATE … SET`, which do not start their statement.
fn assigns_plain_values(body: &[Tok], k: usize) -> bool {
    const SETTINGS: &[&str] = &[
        "GLOBAL",
        "PERSIST",
        "PERSIST_ONLY",
        "NAMES",
        "CHARACTER",
        "CHARSET",
        "TRANSACTION",
        "STATEMENT",
        "PASSWORD",
        "ROLE",
        "DEFAULT",
        "CONSTRAINTS",
        "SCHEMA",
        "SESSION_AUTHORIZATION",
    ];
    let end = body[k..]
        .iter()
        .position(|t| t.is(&Token::SemiColon))
        .map_or(body.len(), |p| k + p);
    let statement = &body[k..end];
    if body[k].is_kw("SET") {
        let scoped = body
            .get(k + 1)
            .is_some_and(|t| t.is_kw("SESSION") || t.is_kw("LOCAL"));
        let at = k + 1 + usize::from(scoped);
        let target = body.get(at).and_then(|t| t.bare_word());
        let plain_target = target.is_some_and(|w| {
            !w.starts_with("@@") && !SETTINGS.iter().any(|s| w.eq_ignore_ascii_case(s))
        });
        let assigns = body
            .get(at + 1)
            .is_some_and(|t| t.is(&Token::Eq) || t.is(&Token::Assignment) || t.is_kw("TO"));
        if !(plain_target && assigns) {
            return false;
        }
    } else if body[k].is_kw("SELECT") {
        let into = statement.iter().any(|t| t.is_kw("INTO"));
        if !into || statement.iter().any(|t| t.is_kw("FROM")) {
            return false;
        }
    }
    !(k + 1..end).any(|j| reads_state(body, j))
}

/// May `body[j]` read what a first run changed: a query, a call (`ROW_COUNT()`, a function
/// reading a table), a system variable (`@@warning_count`), PL/pgSQL's `FOUND`?
fn reads_state(body: &[Tok], j: usize) -> bool {
    let t = &body[j];
    let call = t.bare_word().is_some() && body.get(j + 1).is_some_and(|n| n.is(&Token::LParen));
    call || t.bare_word().is_some_and(|w| w.starts_with("@@"))
        || ["SELECT", "FOUND", "EXECUTE", "CALL"]
            .iter()
            .any(|w| t.is_kw(w))
}

/// Can no drop of branch `body` make its check false, each being a `DROP` of named objects
/// (`DROP TABLE|INDEX|VIEW|… [IF EXISTS] a, b`, an `ALTER TABLE`'s `DROP [COLUMN]|INDEX|KEY|
/// CONSTRAINT|FOREIGN KEY name`, MySQL's `DROP PRIMARY KEY`) none of which the check mentions
/// (`mentions`, see [`Branch::mentions`]; a check of `PRIMARY`, `PRI` or `p` tests the primary
/// key) or the branch names anywhere else (it may create it again first)? Any other `DROP`
/// (`DROP OWNED BY`, `DROP DEFAULT|NOT NULL|CHECK|…`) may.
fn drops_only_unmentioned(body: &[Tok], mentions: &[String]) -> bool {
    const KINDS: &[&str] = &[
        "TABLE",
        "INDEX",
        "VIEW",
        "MATERIALIZED",
        "SEQUENCE",
        "TYPE",
        "DOMAIN",
        "FUNCTION",
        "PROCEDURE",
        "TRIGGER",
        "SCHEMA",
        "DATABASE",
        "EXTENSION",
        "EVENT",
        "COLUMN",
        "CONSTRAINT",
        "KEY",
        "FOREIGN",
        "CONCURRENTLY",
        "TEMPORARY",
    ];
    // What an ALTER TABLE drops with no kind word that is not a column (`DROP IF EXISTS c`
    // is one: read below).
    const NOT_COLUMN: &[&str] = &[
        "CHECK",
        "PARTITION",
        "DEFAULT",
        "NOT",
        "EXPRESSION",
        "IDENTITY",
        "PERIOD",
        "SYSTEM",
    ];
    let word = |t: &Tok| match &t.token {
        Token::Word(w) => Some(w.value.to_lowercase()),
        _ => None,
    };
    // The indexes of the name tokens of each drop.
    let mut named: Vec<usize> = Vec::new();
    for (k, t) in body.iter().enumerate() {
        if !t.is_kw("DROP") {
            continue;
        }
        let mut j = k + 1;
        while body
            .get(j)
            .is_some_and(|t| KINDS.iter().any(|w| t.is_kw(w)))
        {
            j += 1;
        }
        if j == k + 1 {
            // No kind word: only an ALTER TABLE's action drops a column (`DROP c`) or the
            // primary key (`DROP PRIMARY KEY`) so.
            if !in_alter_table(body, k) {
                return false;
            }
            if body.get(j).is_some_and(|t| t.is_kw("PRIMARY"))
                && body.get(j + 1).is_some_and(|t| t.is_kw("KEY"))
            {
                let tests_key = |m: &String| m.contains("primary") || m == "pri" || m == "p";
                if mentions.iter().any(tests_key) {
                    return false;
                }
                named.push(j);
                continue;
            }
            if body
                .get(j)
                .is_some_and(|t| NOT_COLUMN.iter().any(|w| t.is_kw(w)))
            {
                return false;
            }
        }
        if body.get(j).is_some_and(|t| t.is_kw("IF"))
            && body.get(j + 1).is_some_and(|t| t.is_kw("EXISTS"))
        {
            j += 2;
        }
        // `name [, name …]`, each `schema.name` or `f(args)`.
        loop {
            if body.get(j).and_then(word).is_none() {
                return false;
            }
            named.push(j);
            j += 1;
            while body.get(j).is_some_and(|t| t.is(&Token::Period))
                && body.get(j + 1).and_then(word).is_some()
            {
                named.push(j + 1);
                j += 2;
            }
            if body.get(j).is_some_and(|t| t.is(&Token::LParen)) {
                match crate::sql::lexer::matching_paren(body, j) {
                    Some(close) => j = close + 1,
                    None => return false,
                }
            }
            if body.get(j).is_some_and(|t| t.is(&Token::Comma))
                && body.get(j + 1).and_then(word).is_some()
                && !body
                    .get(j + 1)
                    .is_some_and(|t| t.is_kw("DROP") || t.is_kw("ADD"))
            {
                j += 1;
                continue;
            }
            break;
        }
    }
    named.iter().all(|&n| {
        let name = word(&body[n]).unwrap_or_default();
        !mentions.contains(&name)
            && !body
                .iter()
                .enumerate()
                .any(|(k, t)| k != n && word(t).as_deref() == Some(name.as_str()))
    })
}

/// Is the `DROP` at `body[k]` an action of an `ALTER TABLE` (`ALTER TABLE t …, DROP c`), not
/// one of its `ALTER COLUMN c …` (`DROP DEFAULT`)?
fn in_alter_table(body: &[Tok], k: usize) -> bool {
    let start = body[..k]
        .iter()
        .rposition(|t| t.is(&Token::SemiColon))
        .map_or(0, |s| s + 1);
    let statement = &body[start..k];
    let Some(alter) = statement
        .windows(2)
        .position(|w| w[0].is_kw("ALTER") && w[1].is_kw("TABLE"))
    else {
        return false;
    };
    // `ALTER TABLE t DROP c` or `…, DROP c`; not `ALTER [COLUMN] c DROP DEFAULT`.
    let after_table = !statement[alter + 2..].iter().any(|t| t.is_kw("ALTER"));
    let after_comma = statement.last().is_some_and(|t| t.is(&Token::Comma));
    after_table || after_comma
}

/// Does `statement`, an `ALTER TABLE`, change a column's type (`ALTER [COLUMN] c [SET DATA]
/// TYPE t`)?
fn changes_column_type(statement: &Statement) -> bool {
    use crate::sql::{AlterActionKind, ShapeKind};
    let shape = &statement.shape;
    shape.kind == ShapeKind::AlterTable
        && shape.actions.iter().any(|a| {
            let tokens = crate::sql::tokens_in(&statement.tokens, &a.range);
            let named = usize::from(tokens.get(1).is_some_and(|t| t.is_kw("COLUMN")));
            let at = 2 + named;
            let set_data = tokens.get(at).is_some_and(|t| t.is_kw("SET"))
                && tokens.get(at + 1).is_some_and(|t| t.is_kw("DATA"));
            let ty = at + 2 * usize::from(set_data);
            a.kind == AlterActionKind::Other
                && tokens.first().is_some_and(|t| t.is_kw("ALTER"))
                && tokens.get(ty).is_some_and(|t| t.is_kw("TYPE"))
        })
}

/// The words and the dot-separated parts of the string literals of `tokens`, lower case.
fn mentions(tokens: &[Tok]) -> Vec<String> {
    let parts = |s: &str| -> Vec<String> {
        s.split('.')
            .map(|p| p.trim_matches(['"', '`']).to_lowercase())
            .collect()
    };
    tokens
        .iter()
        .flat_map(|t| match &t.token {
            Token::Word(w) => vec![w.value.to_lowercase()],
            Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => parts(s),
            _ => Vec::new(),
        })
        .collect()
}

/// The column a catalog read names: `attname = 'c'` or `attname IN ('c')`.
fn attname_literal(tokens: &[Tok]) -> Option<String> {
    let at = tokens.iter().position(|t| t.is_kw("attname"))?;
    let literal = match tokens.get(at + 1..at + 3)? {
        [eq, lit] if eq.is(&Token::Eq) => lit,
        [in_, open] if in_.is_kw("IN") && open.is(&Token::LParen) => tokens.get(at + 3)?,
        _ => return None,
    };
    match &literal.token {
        Token::SingleQuotedString(s) => Some(s.clone()),
        _ => None,
    }
}

/// The variables a body assigns a catalog read to: `SELECT … INTO v … FROM
/// pg_…/information_schema…`, `v := (SELECT … FROM pg_…)`, MySQL's `SET v = (SELECT …)`. Each
/// with the token index of the assignment (`INTO`, `:=`), its lower-case name, and the token
/// range of the statement that assigns it.
fn catalog_variables(
    tokens: &[Tok],
    reads_catalog: &dyn Fn(&Tok) -> bool,
) -> Vec<(usize, String, Range<usize>)> {
    // A statement's bounds: a `;`, a control word, or (the body readers drop the `;` of a
    // PL/pgSQL body) the start of the next statement: a word no SELECT or expression holds, an
    // IF that is no `IF(a, b, c)` call, the variable of an assignment (`v :=`).
    let bound = |i: usize| {
        let t = &tokens[i];
        t.is(&Token::SemiColon)
            || [
                "BEGIN", "THEN", "ELSE", "ELSIF", "END", "LOOP", "DECLARE", "RAISE", "PERFORM",
                "EXECUTE", "CREATE", "ALTER", "DROP", "INSERT", "DELETE", "RETURN", "CALL",
                "GRANT", "TRUNCATE", "ASSERT", "COMMIT", "ROLLBACK",
            ]
            .iter()
            .any(|w| t.is_kw(w))
            || (t.is_kw("IF") && !super::is_call(tokens, i))
            || tokens.get(i + 1).is_some_and(|n| n.is(&Token::Assignment))
    };
    let statement = |k: usize| {
        let start = (0..k).rev().find(|&i| bound(i)).map_or(0, |p| p + 1);
        let end = (k + 1..tokens.len())
            .find(|&i| bound(i))
            .unwrap_or(tokens.len());
        start..end
    };
    let mut out = Vec::new();
    for (k, t) in tokens.iter().enumerate() {
        let (names, range) = if t.is_kw("INTO") {
            let range = statement(k);
            let selects = tokens[range.start..k].iter().any(|t| t.is_kw("SELECT"));
            if !selects {
                continue;
            }
            let names: Vec<&Tok> = tokens[k + 1..range.end]
                .iter()
                .take_while(|t| !t.is_kw("FROM"))
                .filter(|t| t.bare_word().is_some())
                .collect();
            (names, range)
        } else if t.is(&Token::Assignment)
            || (t.is(&Token::Eq) && k >= 2 && tokens[k - 2].is_kw("SET"))
        {
            match k.checked_sub(1).map(|p| &tokens[p]) {
                Some(name) => (vec![name], statement(k)),
                None => continue,
            }
        } else {
            continue;
        };
        if tokens[range.clone()].iter().any(reads_catalog) {
            out.extend(names.into_iter().filter_map(|n| {
                n.bare_word()
                    .map(|w| (k, w.to_ascii_lowercase(), range.clone()))
            }));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::catalog_variables;
    use crate::sql::lexer::{lex, Tok};
    use crate::sql::Dialect;

    /// The text of each catalog read of body `text` that fills a variable, with the variable.
    fn fills(text: &str, dialect: Dialect) -> Vec<(String, String)> {
        let tokens = lex(dialect, text, 0..text.len()).tokens;
        let catalog = |t: &Tok| {
            t.bare_word().is_some_and(|w| {
                let w = w.to_ascii_lowercase();
                w.starts_with("pg_") || w == "information_schema"
            })
        };
        catalog_variables(&tokens, &catalog)
            .into_iter()
            .map(|(_, v, range)| {
                let bytes = tokens[range.start].range.start..tokens[range.end - 1].range.end;
                (v, text[bytes].to_string())
            })
            .collect()
    }

    #[test]
    fn a_stray_close_paren_leaves_what_follows_it_outside_the_parentheses() {
        let existence_only = |condition: &str| {
            let tokens = lex(Dialect::Postgres, condition, 0..condition.len()).tokens;
            super::tests_existence_only(&tokens, &[])
        };
        let count = "(SELECT count(*) FROM pg_class WHERE relname = 'a')";
        assert!(existence_only(&format!("{count} > 0")));
        assert!(!existence_only(&format!("{count} OR b > 0")));
        // The `OR` after a stray `)` joins another test: the condition tests more than that
        // something exists.
        assert!(!existence_only(&format!("{count}) OR b > 0")));
        assert!(!existence_only(
            "to_regclass('a')) OR (SELECT 1 FROM pg_class WHERE relname = 'b') IS NOT NULL"
        ));
        assert!(!existence_only(&format!("{count})) AND b > 0")));
    }

    #[test]
    fn a_fill_ends_where_its_statement_does_without_its_semicolon() {
        let read = "SELECT count(*) INTO n FROM pg_attribute WHERE attname = 'a'";
        // A PL/pgSQL body as the DO block reader passes it: no `;` between statements.
        for next in [
            "RAISE NOTICE 'x'",
            "PERFORM f('x')",
            "IF n > 0 THEN",
            "IF (n > 0) THEN",
            "m := 1",
            "CREATE INDEX x ON t (a)",
            "DROP INDEX IF EXISTS x",
        ] {
            assert_eq!(
                fills(&format!("{read}\n{next}"), Dialect::Postgres),
                [("n".to_string(), read.to_string())],
                "{next}"
            );
        }
        assert_eq!(
            fills(
                "RAISE NOTICE 'x' n := (SELECT count(*) FROM pg_class WHERE relname = 'x') IF n > 0 THEN",
                Dialect::Postgres
            ),
            [(
                "n".to_string(),
                ":= (SELECT count(*) FROM pg_class WHERE relname = 'x')".to_string()
            )]
        );
        // `IF(…)` in a MySQL read is a call.
        let read = "SELECT IF(COUNT(*) > 0, 1, 0) INTO n FROM information_schema.columns WHERE column_name = 'a'";
        assert_eq!(
            fills(&format!("{read};\nIF n THEN"), Dialect::Mariadb),
            [("n".to_string(), read.to_string())]
        );
    }
}
