//! PF125: a `DROP TABLE|VIEW|MATERIALIZED VIEW` that an object a later statement of the file
//! creates still depends on when a retry runs it: a table with a foreign key to the dropped
//! table, or (PostgreSQL) a view over it.

use super::prelude::*;
use crate::diagnostics::Fix;
use crate::lint::sequence::{Blocker, LaterDrop, TypeUse};

pub const INFO: RuleInfo = RuleInfo {
    code: "PF125",
    name: "drop-still-depended-on",
    default_severity: Severity::Error,
    summary: "DROP of a table (or view) that a table or view the file creates later depends on fails on a retry",
    doc: include_str!("../../../rules/PF125.md"),
    fix: FixAvailability::Sometimes(
        Applicability::Unsafe,
        "only where the file itself drops each dependent later, before creating it again: that drop moves before this one",
    ),
};

pub struct DropStillDependedOn;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &DropStillDependedOn;

impl Rule for DropStillDependedOn {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        // SQLite: only a view of the dropped table's own name (no foreign key blocks a drop
        // there by default, and no view depends on a table).
        &[
            Dialect::Postgres,
            Dialect::Mysql,
            Dialect::Mariadb,
            Dialect::Sqlite,
        ]
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        if cx.shape().kind == ShapeKind::AlterTable {
            key_drops(cx, out);
            return;
        }
        let ShapeKind::Drop(kind) = cx.shape().kind else {
            return;
        };
        let Some((sequence, index)) = cx.sequence else {
            return;
        };
        let blockers: Vec<&Blocker> = sequence.blockers(index).collect();
        let Some(first) = blockers.first() else {
            return;
        };
        let head = format!(
            "DROP {kind} {}",
            first.dropped.clone().unwrap_or_else(|| cx.object_text())
        );
        let what = code_span(&head);
        let names = blockers
            .iter()
            .map(|b| code_span(&b.dependent).to_string())
            .collect::<Vec<_>>();
        let listed = match names.len() {
            1..=3 => names.join(", "),
            n => format!("{} and {} more", names[..3].join(", "), n - 3),
        };
        let (which, creates, exists) = if names.len() == 1 {
            ("a later statement", "creates", "exists")
        } else {
            ("later statements", "create", "exist")
        };
        let mut v = if first.same_name {
            Violation::new(
                cx.head_span(),
                format!(
                    "{what} fails on a retry: a later statement of this file creates a view of that name, and dropping it as a table fails"
                ),
            )
        } else if let Some(how) = first.type_use {
            let clause = match how {
                TypeUse::Column => format!("which {which} of this file {creates} with a column of that type"),
                TypeUse::Retyped => format!(
                    "whose column {which} of this file change{} to that type",
                    if names.len() == 1 { "s" } else { "" }
                ),
                TypeUse::Other => format!("which {which} of this file {creates} using that type"),
            };
            Violation::new(
                cx.head_span(),
                format!(
                    "{what} fails on a retry: {listed}, {clause}, still {exists} then (`cannot drop type … because other objects depend on it`)"
                ),
            )
        } else if first.foreign_key {
            Violation::new(
                cx.head_span(),
                format!(
                    "{what} fails on a retry: {listed}, which {which} of this file {creates} with a foreign key to it, still {exists} then{}",
                    match cx.dialect {
                        Dialect::Postgres => " (`cannot drop table … because other objects depend on it`)",
                        _ => " (`Cannot delete or update a parent row: a foreign key constraint fails`)",
                    }
                ),
            )
        } else {
            Violation::new(
                cx.head_span(),
                format!(
                    "{what} fails on a retry: {listed}, which {which} of this file {creates} over it, {exists} then and depend{} on it",
                    if names.len() == 1 { "s" } else { "" }
                ),
            )
        };
        // A dependent whose own earlier drop fails (another dependent blocks it) is in place
        // only until that drop is fixed: the fix here handles the direct dependents.
        let (direct, behind): (Vec<&Blocker>, Vec<&Blocker>) =
            blockers.iter().partition(|b| b.via.is_none());
        if let Some(b) = behind.first() {
            v = v.note(format!(
                "this file drops {0} earlier, but that drop fails on a retry itself (PF125 there): once it runs, {0} is gone here",
                code_span(&b.dependent)
            ));
        }
        if !direct.is_empty() {
            v = match move_dependents_first(cx, &direct) {
                Ok(fix) => v.fix(Some(fix)),
                Err(why) => v.note(why),
            };
        }
        out.push(v);
    }
}

/// PostgreSQL: an `ALTER TABLE p DROP CONSTRAINT k` (no CASCADE) of a key that a foreign key
/// a later statement adds references, after the file adds the key again: a retry meets the
/// foreign key at the drop. One finding per dropped key, at its action.
fn key_drops(cx: &StatementCx, out: &mut Vec<Violation>) {
    let Some((sequence, index)) = cx.sequence else {
        return;
    };
    let shape = cx.shape();
    let Some(table) = shape.object() else {
        return;
    };
    let mut blockers: Vec<&Blocker> = sequence
        .blockers(index)
        .filter(|b| b.key_drop.is_some())
        .collect();
    if blockers.is_empty() {
        return;
    }
    for action in &shape.actions {
        let Some(name) = action
            .name
            .as_ref()
            .filter(|_| action.kind == crate::sql::AlterActionKind::DropConstraint)
        else {
            continue;
        };
        let (these, rest): (Vec<&Blocker>, Vec<&Blocker>) = blockers
            .into_iter()
            .partition(|b| b.key_drop.as_ref().is_some_and(|(k, _)| k == name.base()));
        blockers = rest;
        let Some(first) = these.first() else {
            continue;
        };
        let foreign_key = match first.key_drop.as_ref().and_then(|(_, fk)| fk.as_ref()) {
            Some(fk) => format!("foreign key {}", code_span(fk)),
            None => "a foreign key".to_string(),
        };
        let dependent = code_span(&first.dependent);
        let span = action.head.start..name.range.end;
        out.push(
            Violation::new(
                span,
                format!(
                    "{} on {} fails on a retry: {foreign_key} of {dependent}, which a later statement of this file makes and which references that key, still exists then (`cannot drop constraint … because other objects depend on it`); IF EXISTS does not help",
                    code_span(&format!("DROP CONSTRAINT {}", name.text)),
                    code_span(&table.text),
                ),
            )
            .note(format!(
                "no fix: drop the foreign key first (IF EXISTS, on {dependent}) before this statement, or drop the key with CASCADE when the file adds the foreign key again after it"
            )),
        );
    }
}

/// Moves each dependent's later `DROP TABLE` before this statement (or, when that statement
/// drops other tables too, puts a `DROP TABLE IF EXISTS dependent;` of its own here). Unsafe:
/// the dependent's rows go earlier in the file than before, and a statement between the two
/// places that uses it no longer finds it.
fn move_dependents_first(cx: &StatementCx, blockers: &[&Blocker]) -> Result<Fix, String> {
    let statement = cx.statement;
    let text: &str = &cx.source.text;
    let eol = cx.source.line_ending();
    // The moved or inserted statement ends in `;`: so must this one (not a `DELIMITER $$` region).
    let plain_end = statement
        .terminator
        .as_ref()
        .is_some_and(|r| text.get(r.clone()) == Some(";"));
    let mut moved: Vec<&LaterDrop> = Vec::new();
    // (place in the file, text): the dependents' drops keep the order the file gave them.
    let mut inserted: Vec<(usize, String)> = Vec::new();
    let mut deletions = Vec::new();
    for b in blockers {
        if b.same_name {
            return Err(format!(
                "no fix: drop the view with {} instead (or as well, before this statement)",
                code_span(&format!("DROP VIEW IF EXISTS {}", b.dependent))
            ));
        }
        if let Some(how) = b.type_use {
            let dependent = code_span(&b.dependent);
            return Err(format!(
                "no fix: IF EXISTS does not help, the type is there and {dependent} uses it; leave this drop out (and guard the type's create: a DO block catching duplicate_object){}",
                match how {
                    TypeUse::Retyped => String::new(),
                    _ => format!(", or drop {dependent} first"),
                }
            ));
        }
        if !b.foreign_key {
            return Err(format!(
                "no fix: IF EXISTS does not help, the object is there; drop {} (IF EXISTS) earlier in this file, before this statement",
                code_span(&b.dependent)
            ));
        }
        if b.later_in_statement {
            return Err(format!(
                "no fix: MariaDB drops the names of a DROP TABLE in order; name {} before the table it references",
                code_span(&b.dependent)
            ));
        }
        let Some(later) = &b.later_drop else {
            return Err(format!(
                "no fix: this file does not drop {} before creating it again, and dropping it here would lose its rows; drop it (or its foreign key) yourself before this statement if that is what you mean",
                code_span(&b.dependent)
            ));
        };
        if moved.iter().any(|m| m.range == later.range) {
            continue;
        }
        let own = text.get(later.range.clone()).unwrap_or_default();
        if !plain_end || !own.ends_with(';') {
            return Err(format!(
                "no fix: this statement or the later drop of {0} ends with a custom delimiter; drop {0} (IF EXISTS) before this statement",
                code_span(&b.dependent)
            ));
        }
        if later.single {
            inserted.push((later.range.start, format!("{own}{eol}")));
            deletions.push(whole_lines(text, later.range.clone()));
        } else if later.guarded {
            let drop = cx.keyword_cased("DROP TABLE IF EXISTS");
            inserted.push((later.range.start, format!("{drop} {};{eol}", later.name)));
        } else {
            return Err(format!(
                "no fix: the later statement that drops {0} drops other tables too and has no IF EXISTS; drop {0} (IF EXISTS) before this statement",
                code_span(&b.dependent)
            ));
        }
        moved.push(later);
    }
    inserted.sort_by_key(|(place, _)| *place);
    let inserted: String = inserted.into_iter().map(|(_, text)| text).collect();
    let at = line_start_if_blank(text, statement.range.start);
    let mut edits = vec![cx.source.edit(at..at, inserted)];
    deletions.sort_by_key(|r| r.start);
    edits.extend(deletions.into_iter().map(|r| cx.source.edit(r, String::new())));
    Ok(Fix {
        applicability: Applicability::Unsafe,
        message: "Drop the tables that reference it first".to_string(),
        edits,
    })
}

/// `range` widened to its whole lines when nothing but blanks share them (a statement alone on
/// its lines goes without leaving an empty line).
fn whole_lines(text: &str, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let start = text[..range.start].rfind('\n').map_or(0, |n| n + 1);
    let end = text[range.end..]
        .find('\n')
        .map_or(text.len(), |n| range.end + n + 1);
    if text[start..range.start].trim().is_empty() && text[range.end..end].trim().is_empty() {
        start..end
    } else {
        range
    }
}

/// The start of `at`'s line when only blanks precede it there, else `at`.
fn line_start_if_blank(text: &str, at: usize) -> usize {
    let start = text[..at].rfind('\n').map_or(0, |n| n + 1);
    if text[start..at].trim().is_empty() {
        start
    } else {
        at
    }
}

#[cfg(test)]
mod tests {
    use crate::fix::fix_source;
    use crate::lint::{lint_source, LintOptions};
    use crate::source::SourceFile;
    use crate::sql::Dialect;

    fn options() -> LintOptions {
        LintOptions {
            dialect: Dialect::Mariadb,
            select: vec!["PF125".into()],
            ..LintOptions::default()
        }
    }

    #[test]
    fn the_fix_moves_the_dependents_drop_whole_lines_and_all() {
        let sql = "  DROP TABLE IF EXISTS p;\nDROP TABLE IF EXISTS c; -- the child\nDROP TABLE IF EXISTS d;\n\
                   CREATE TABLE p (id INT PRIMARY KEY);\n\
                   CREATE TABLE c (p_id INT, FOREIGN KEY (p_id) REFERENCES p (id));\n\
                   CREATE TABLE d (p_id INT, FOREIGN KEY (p_id) REFERENCES p (id));\n";
        let outcome = fix_source(&SourceFile::new("m.sql", sql), &options(), true);
        assert!(outcome.remaining.is_empty(), "{:?}", outcome.remaining);
        assert!(
            outcome.fixed.starts_with(
                "DROP TABLE IF EXISTS c;\nDROP TABLE IF EXISTS d;\n  DROP TABLE IF EXISTS p;\n -- the child\nCREATE"
            ),
            "{}",
            outcome.fixed
        );
    }

    #[test]
    fn a_drop_listed_with_other_tables_is_put_first_on_its_own() {
        let sql = "DROP TABLE IF EXISTS p;\nDROP TABLE IF EXISTS x, c;\n\
                   CREATE TABLE p (id INT PRIMARY KEY);\n\
                   CREATE TABLE c (p_id INT, FOREIGN KEY (p_id) REFERENCES p (id));\n";
        let outcome = fix_source(&SourceFile::new("m.sql", sql), &options(), true);
        assert!(outcome.remaining.is_empty(), "{:?}", outcome.remaining);
        assert!(
            outcome
                .fixed
                .starts_with("DROP TABLE IF EXISTS c;\nDROP TABLE IF EXISTS p;\nDROP TABLE IF EXISTS x, c;\n"),
            "{}",
            outcome.fixed
        );
    }

    #[test]
    fn a_type_drop_names_how_the_later_object_uses_the_type() {
        let options = LintOptions {
            dialect: Dialect::Postgres,
            select: vec!["PF125".into()],
            ..LintOptions::default()
        };
        let guarded = "DO $$ BEGIN CREATE TYPE mood AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;";
        for (later, clause) in [
            (
                "ALTER TABLE person ALTER COLUMN m TYPE mood USING m::text::mood;",
                "`person`, whose column a later statement of this file changes to that type,",
            ),
            (
                "DO $$ BEGIN CREATE TABLE IF NOT EXISTS person (m mood); END $$;",
                "`person`, which a later statement of this file creates with a column of that type,",
            ),
            (
                "CREATE OR REPLACE FUNCTION f(m mood) RETURNS int LANGUAGE sql AS 'SELECT 1';",
                "`f`, which a later statement of this file creates using that type,",
            ),
        ] {
            let sql = format!("DROP TYPE IF EXISTS mood;\n{guarded}\n{later}\n");
            let findings = lint_source(&SourceFile::new("m.sql", sql.as_str()), &options);
            assert_eq!(findings.len(), 1, "{sql}");
            assert!(findings[0].message.contains(clause), "{}", findings[0].message);
            assert!(findings[0].notes[0].starts_with("no fix"), "{sql}");
        }
    }

    #[test]
    fn no_fix_under_a_custom_delimiter_or_without_a_later_drop() {
        for sql in [
            "DELIMITER $$\nDROP TABLE IF EXISTS p$$\nDROP TABLE IF EXISTS c$$\n\
             CREATE TABLE p (id INT PRIMARY KEY)$$\n\
             CREATE TABLE c (p_id INT, FOREIGN KEY (p_id) REFERENCES p (id))$$\nDELIMITER ;\n",
            "DROP TABLE IF EXISTS p;\nCREATE TABLE p (id INT PRIMARY KEY);\n\
             CREATE TABLE c (p_id INT, FOREIGN KEY (p_id) REFERENCES p (id));\n",
        ] {
            let findings = lint_source(&SourceFile::new("m.sql", sql), &options());
            assert_eq!(findings.len(), 1, "{sql}");
            assert!(findings[0].fix.is_none(), "{sql}");
            assert!(findings[0].notes[0].starts_with("no fix"), "{sql}");
        }
    }
}
