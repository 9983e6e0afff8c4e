//! PF108: `ALTER TABLE … ADD COLUMN` without `IF NOT EXISTS`.

use super::prelude::*;
use crate::lint::sequence::Key;
use crate::sql::AlterActionKind;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF108",
    name: "add-column-without-if-not-exists",
    default_severity: Severity::Error,
    summary: "ADD COLUMN without IF NOT EXISTS fails when a retry finds the column",
    doc: include_str!("../../../rules/PF108.md"),
    fix: FixAvailability::Sometimes(
        Applicability::Safe,
        "not on MySQL or SQLite, which have no ADD COLUMN IF NOT EXISTS, nor for PostgreSQL's ALTER TYPE … ADD ATTRIBUTE, which has no IF NOT EXISTS either",
    ),
};

pub struct AddColumn;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &AddColumn;

impl Rule for AddColumn {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        if cx.do_guarded() {
            return;
        }
        if let (ShapeKind::Alter(ObjectKind::Type), Some(ty), Dialect::Postgres) =
            (&shape.kind, shape.object(), cx.dialect)
        {
            added_attributes(cx, &ty.text, out);
            return;
        }
        let (ShapeKind::AlterTable, Some(table)) = (&shape.kind, shape.object()) else {
            return;
        };
        for action in &shape.actions {
            let (AlterActionKind::AddColumn, Some(guard), Some(column)) =
                (action.kind, action.guard, &action.name)
            else {
                continue;
            };
            if guard.present || cx.guards.column_dropped(table, column) {
                continue;
            }
            let span = action.head.start..column.range.end;
            let col = code_span(&column.text);
            let v = match cx.dialect {
                Dialect::Postgres | Dialect::Mariadb => Violation::new(
                    span,
                    format!("adding column {col} fails on a retry once it exists: add IF NOT EXISTS"),
                )
                .fix(Some(cx.insert_fix(guard.insert_at, "IF NOT EXISTS", Applicability::Safe))),
                Dialect::Mysql => Violation::new(
                    span,
                    format!(
                        "adding column {col} fails on a retry once it exists (\"Duplicate column name\"), and MySQL has no ADD COLUMN IF NOT EXISTS: check information_schema.columns first"
                    ),
                ),
                Dialect::Sqlite => Violation::new(
                    span,
                    format!(
                        "adding column {col} fails on a retry once it exists (\"duplicate column name\"), and SQLite has no ADD COLUMN IF NOT EXISTS: check pragma_table_info first"
                    ),
                ),
            };
            let key = Key::Column(table.base().to_string(), column.base().to_string());
            let renamed = cx
                .sequence
                .is_some_and(|(seq, _)| seq.renamed_away_before(&key));
            let v = if renamed {
                v.note(format!(
                    "the earlier rename of {col} away does not free the name on a re-run of the whole file: its new name is taken by then, so the rename fails or, guarded, is skipped, and {col} is still there"
                ))
            } else {
                v
            };
            out.push(other_case_note(cx, table, v));
        }
    }
}

/// `v` with a note where the file also names `table` in another case (`DROP TABLE IF EXISTS
/// Users; CREATE TABLE Users …; ALTER TABLE users ADD COLUMN x int`): under MySQL's and
/// MariaDB's `lower_case_table_names = 0` that is another table, whose drop and creation leave
/// `users` and its column (MariaDB 10.11: the retry fails with 1060).
fn other_case_note(cx: &StatementCx, table: &crate::sql::Name, v: Violation) -> Violation {
    let Some((sequence, _)) = cx.sequence else {
        return v;
    };
    let others = sequence.tables_in_other_case(table.base());
    if others.is_empty() {
        return v;
    }
    let others: Vec<String> = others.iter().map(|t| code_span(t).to_string()).collect();
    v.note(format!(
        "the file also names table {}: under lower_case_table_names = 0 the server compares table names with case, so that is another table than {}, and what the file does to it leaves this one as it is",
        others.join(", "),
        code_span(table.base())
    ))
}

/// PostgreSQL's `ALTER TYPE t ADD ATTRIBUTE a …`, one finding per action: it has no `IF NOT
/// EXISTS`, and a retry fails with `column "a" of relation "t" already exists`
/// (`duplicate_column`). No fix: the only guard is a DO block whose handler also hides a
/// first run's collision with an attribute of another type, which is no safe fix.
fn added_attributes(cx: &StatementCx, ty: &str, out: &mut Vec<Violation>) {
    for action in crate::sql::type_attribute_actions(&cx.statement.tokens) {
        if !action.adds() {
            continue;
        }
        let attribute = code_span(&cx.source.text[action.name.range.clone()]);
        out.push(Violation::new(
            action.verb.range.start..action.name.range.end,
            format!(
                "adding attribute {attribute} to type `{ty}` fails on a retry once it exists, and PostgreSQL has no ADD ATTRIBUTE IF NOT EXISTS: guard it with a DO block that catches duplicate_column"
            ),
        ));
    }
}
