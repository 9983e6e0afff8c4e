//! PF003: psql meta-commands (`\set`, `\connect`, `\i`) are not SQL; they run only under psql.

use super::prelude::*;
use crate::sql::DirectiveKind;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF003",
    name: "psql-meta-command",
    default_severity: Severity::Info,
    summary: "A psql meta-command line, which only psql understands, was skipped",
    doc: include_str!("../../../rules/PF003.md"),
    fix: FixAvailability::Never,
};

pub struct PsqlMetaCommand;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &PsqlMetaCommand;

impl Rule for PsqlMetaCommand {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_file(&self, file: &FileEnd, out: &mut Vec<Violation>) {
        let parsed = file.parsed;
        for d in &parsed.directives {
            if d.kind != DirectiveKind::PsqlMeta {
                continue;
            }
            let text = &parsed.source.text[d.range.clone()];
            let command = text.split_whitespace().next().unwrap_or(text);
            out.push(Violation::new(
                d.range.clone(),
                format!(
                    "`{command}` is a psql meta-command, not SQL: preflight skipped this line, and migration tools other than psql will fail on it"
                ),
            ));
        }
    }
}
