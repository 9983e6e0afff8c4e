//! PF414: an identifier longer than PostgreSQL's 63 bytes, which it silently truncates.

use super::prelude::*;
use sqlparser::tokenizer::Token;

pub const INFO: RuleInfo = RuleInfo::new(
    "PF414",
    "identifier-too-long",
    Severity::Warning,
    "PostgreSQL truncates identifiers longer than 63 bytes, so the name in the catalog is not the one written",
    include_str!("../../../rules/PF414.md"),
);

/// NAMEDATALEN - 1 in a default PostgreSQL build.
const MAX_BYTES: usize = 63;

pub struct IdentifierTooLong;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &IdentifierTooLong;

impl Rule for IdentifierTooLong {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        for t in &cx.statement.tokens {
            let Token::Word(w) = &t.token else { continue };
            if w.value.len() <= MAX_BYTES {
                continue;
            }
            let kept = w.value.char_indices().take_while(|(i, c)| i + c.len_utf8() <= MAX_BYTES);
            let kept_len = kept.last().map_or(0, |(i, c)| i + c.len_utf8());
            out.push(Violation::new(
                t.range.clone(),
                format!(
                    "`{}` is {} bytes; PostgreSQL keeps only the first 63 (`{}`), so later statements and error messages name a different identifier",
                    w.value,
                    w.value.len(),
                    &w.value[..kept_len]
                ),
            ));
        }
    }
}
