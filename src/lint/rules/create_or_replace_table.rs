//! PF120: MariaDB `CREATE OR REPLACE TABLE` drops the table, and its data, on a retry.

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF120",
    name: "create-or-replace-table",
    default_severity: Severity::Error,
    summary: "CREATE OR REPLACE TABLE (MariaDB) silently drops the table and its data on a retry",
    doc: include_str!("../../../rules/PF120.md"),
    fix: FixAvailability::Always(Applicability::Unsafe),
};

pub struct CreateOrReplaceTable;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &CreateOrReplaceTable;

impl Rule for CreateOrReplaceTable {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        MYSQL_FAMILY
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        let (ShapeKind::Create(ObjectKind::Table), true, Some(at), Some(guard)) = (
            &shape.kind,
            shape.or_replace,
            shape.or_replace_at,
            shape.guard,
        ) else {
            return;
        };
        // Remove ` OR REPLACE` (from the end of CREATE through REPLACE) and add IF NOT EXISTS.
        let tokens = &cx.statement.tokens;
        let Some(replace) = tokens.iter().find(|t| t.is_kw("REPLACE")) else {
            return;
        };
        let mut fix = cx.insert_fix(guard.insert_at, "IF NOT EXISTS", Applicability::Unsafe);
        fix.message = "Replace OR REPLACE with IF NOT EXISTS".into();
        fix.edits
            .insert(0, cx.source.edit(at..replace.range.end, ""));
        if guard.present {
            fix.edits.truncate(1);
        }
        out.push(
            Violation::new(
                cx.head_span(),
                format!(
                    "{} drops the existing table and every row in it when the migration is retried: use CREATE TABLE IF NOT EXISTS",
                    code_span(&format!("CREATE OR REPLACE TABLE {}", cx.object_text()))
                ),
            )
            .fix(Some(fix)),
        );
    }
}
