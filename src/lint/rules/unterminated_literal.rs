//! PF002: an unterminated string, quoted identifier, dollar quote or comment swallows the rest
//! of the file.

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF002",
    name: "unterminated-literal",
    default_severity: Severity::Error,
    summary: "An unterminated string, dollar quote or comment hides the rest of the file",
    doc: include_str!("../../../rules/PF002.md"),
    fix: FixAvailability::Never,
};

pub struct UnterminatedLiteral;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &UnterminatedLiteral;

impl Rule for UnterminatedLiteral {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    /// A PostgreSQL DO body or routine body whose quote or comment never ends inside it: the
    /// file lexes (the outer dollar quote closes), but PostgreSQL rejects the block or routine
    /// when it reads the body (`unterminated quoted string`).
    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        if cx.dialect != Dialect::Postgres {
            return;
        }
        let tokens = &cx.statement.tokens;
        let (body, what) = match cx.shape().kind {
            ShapeKind::Do => (
                crate::sql::do_block::body_range(cx.source, tokens),
                "the DO block",
            ),
            ShapeKind::Create(ObjectKind::Function | ObjectKind::Procedure) => (
                crate::sql::do_block::routine_body_range(cx.source, cx.dialect, tokens),
                "the routine",
            ),
            _ => return,
        };
        let Some(body) = body else { return };
        let text = &cx.source.text;
        let Some(error) = crate::sql::lexer::lex(cx.dialect, text, body.clone()).error else {
            return;
        };
        let start = error.construct_start;
        let end_of_line = text[start..body.end]
            .find(['\n', '\r'])
            .map_or(body.end, |i| start + i);
        let mut v = Violation::new(
            start..end_of_line,
            format!(
                "{} starting here never ends inside the body, so PostgreSQL rejects {what} when it reads it, and the rest of the body was not checked: close it",
                describe(&error.message)
            ),
        );
        v.unknown = true;
        out.push(v);
    }

    fn check_file(&self, file: &FileEnd, out: &mut Vec<Violation>) {
        let parsed = file.parsed;
        let Some(error) = &parsed.tokenize_error else {
            return;
        };
        let source = &parsed.source;
        let end_of_line = source.text[error.offset..]
            .find(['\n', '\r'])
            .map_or(source.text.len(), |i| error.offset + i);
        // A final line ending does not start another line worth naming.
        let content_end = source.text.trim_end_matches(['\n', '\r']).len();
        let last_line = source.line_col(content_end).line;
        let mut v = Violation::new(
            error.offset..end_of_line,
            format!(
                "{} starting here never ends, so the rest of the file (through line {last_line}) was not checked: close it",
                describe(&error.message)
            ),
        );
        v.unknown = true;
        out.push(v);
    }
}

/// sqlparser's message, as the thing that is unterminated.
fn describe(message: &str) -> String {
    let m = message.to_ascii_lowercase();
    if m.contains("dollar") {
        "this dollar-quoted string".into()
    } else if m.contains("comment") {
        "this comment".into()
    } else if m.contains("string") {
        "this string literal".into()
    } else if m.contains("identifier") || m.contains("delimiter") {
        "this quoted identifier".into()
    } else {
        format!("this construct ({message})")
    }
}
