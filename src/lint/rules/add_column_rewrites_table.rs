//! PF311: `ADD COLUMN` whose value must be computed per row rewrites the whole table under an
//! ACCESS EXCLUSIVE lock: a volatile default, a serial type, a stored generated column, or
//! (before PostgreSQL 11) any default (squawk: adding-field-with-default).

use super::super::safety::{add_column_definition, has_top_level_seq, live_table_actions, top_level_kw, volatile_call, SERIAL_TYPES};
use super::prelude::*;
use sqlparser::tokenizer::Token;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF311",
    name: "add-column-rewrites-table",
    default_severity: Severity::Error,
    summary: "ADD COLUMN with a volatile default, serial type or stored generated value rewrites the table",
    doc: include_str!("../../../rules/PF311.md"),
    fix: FixAvailability::Never,
};

pub struct AddColumnRewritesTable;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &AddColumnRewritesTable;

impl Rule for AddColumnRewritesTable {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        for (action, tokens) in live_table_actions(cx) {
            let Some(def) = add_column_definition(action, tokens) else {
                continue;
            };
            let default = top_level_kw(def, "DEFAULT").map(|d| default_expression(&def[d + 1..]));
            let generated = top_level_kw(def, "GENERATED").is_some_and(|g| {
                has_top_level_seq(&def[g..], &["GENERATED", "ALWAYS", "AS"])
                    && def.get(g + 3).is_some_and(|t| t.is(&Token::LParen))
            });
            // `GENERATED ALWAYS AS (expr) STORED`; identity columns say `AS IDENTITY`, and a
            // VIRTUAL column (PostgreSQL 18) is computed on read.
            let why = if generated && top_level_kw(def, "VIRTUAL").is_none() {
                Some("a stored generated column is computed for every row".to_string())
            } else if def.first().is_some_and(|t| SERIAL_TYPES.iter().any(|s| t.is_kw(s))) {
                Some("a serial column takes nextval() for every row".to_string())
            } else if let Some(call) = default.and_then(volatile_call) {
                Some(format!(
                    "the default calls {}(), which is VOLATILE: every row gets its own value",
                    &cx.source.text[call.range.clone()]
                ))
            } else if default.is_some() && cx.file.postgres_version.is_some_and(|v| v < 11) {
                Some("before PostgreSQL 11 any DEFAULT is written into every row".to_string())
            } else {
                None
            };
            let Some(why) = why else { continue };
            out.push(Violation::new(
                action.range.clone(),
                format!(
                    "`ADD COLUMN {}` rewrites `{}` under an ACCESS EXCLUSIVE lock: {why}; add the column without it and backfill in batches",
                    name_text(action.name.as_ref()),
                    cx.object_text()
                ),
            ));
        }
    }
}

/// The DEFAULT expression: up to the next column constraint at parenthesis depth 0.
fn default_expression(tokens: &[crate::sql::Tok]) -> &[crate::sql::Tok] {
    const ENDS: &[&str] = &[
        "NOT", "NULL", "CHECK", "REFERENCES", "CONSTRAINT", "UNIQUE", "PRIMARY", "GENERATED",
        "COLLATE",
    ];
    let end = ENDS
        .iter()
        .filter_map(|k| top_level_kw(tokens, k))
        .min()
        .unwrap_or(tokens.len());
    &tokens[..end]
}
