//! PF001: a statement neither sqlparser nor the recogniser understood (as a whole, or a part of
//! it such as an unknown `ALTER TABLE` action) was not checked.

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF001",
    name: "unparsed-statement",
    default_severity: Severity::Info,
    summary: "A statement preflight could not understand, so it was not checked",
    doc: include_str!("../../../rules/PF001.md"),
    fix: FixAvailability::Never,
};

pub struct UnparsedStatement;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &UnparsedStatement;

impl Rule for UnparsedStatement {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let stmt = cx.statement;
        if !stmt.is_unrecognised() {
            return;
        }
        let mut v = match &stmt.unread {
            // A known head with a part nothing could read: point at that part.
            Some(part) => Violation::new(
                part.clone(),
                format!(
                    "preflight could not recognise {} in this statement, so it was not checked: review it by hand",
                    code_span(&excerpt(&cx.source.text[part.clone()]))
                ),
            ),
            None => Violation::new(
                stmt.tokens
                    .first()
                    .map_or(stmt.range.clone(), |t| t.range.clone()),
                "preflight could not parse or recognise this statement, so it was not checked: review it by hand",
            ),
        };
        if let Some(e) = &stmt.parse_error {
            v = v.note(format!("sqlparser: {e}"));
        }
        v.unknown = true;
        out.push(v);
    }

    /// A look-up of what earlier migrations define (a routine a `CALL` runs, a column's earlier
    /// definition) met a migration of the directory that could not be read: said once, at
    /// the first line, naming that migration.
    fn check_file(&self, file: &FileEnd, out: &mut Vec<Violation>) {
        // `--pending-since`: the look-back met a migration it could not read.
        if let Some(said) = file
            .options
            .pending
            .as_ref()
            .and_then(|p| p.unread_for(&file.source.path))
        {
            let mut v = Violation::new(file.source.line_range(1), said).note(
                "the tables they create are taken as deployed, which may hold rows and readers: \
                 the lock and rewrite rules judge this file's statements on them so",
            );
            v.unknown = true;
            out.push(v);
        }
        let Some(earlier) = &file.options.earlier_routines else {
            return;
        };
        let Some(error) = earlier.unread_for(&file.source.path) else {
            return;
        };
        let mut v = Violation::new(
            file.source.line_range(1),
            format!(
                "what the earlier migrations of this file's directory define was not read: {error}"
            ),
        )
        .note("routines they define and the columns they leave are taken as unknown for this file");
        v.unknown = true;
        out.push(v);
    }
}

/// The unread part for the message: its first line, cut at 40 characters.
fn excerpt(part: &str) -> String {
    let line = part.lines().next().unwrap_or("").trim_end();
    match line.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None if line.len() < part.trim_end().len() => format!("{line}…"),
        None => line.to_string(),
    }
}
