//! Where the recogniser gave up inside a statement whose head it knew: an `ALTER TABLE` action
//! it cannot place (`ALTER TABLE a FROBNICATE`), or an object kind it has never heard of
//! (`CREATE FROBNICATE x`). Such a statement goes to sqlparser as a second reader; when that
//! cannot read it either, lint reports PF001 at exactly this part (`Statement::unread`).
//!
//! The lists below are the valid forms that no retry rule needs to look into, so that
//! ordinary SQL is never reported as unread even where sqlparser does not know it (MySQL
//! `ENGINE=…`, PostgreSQL `ALTER CONSTRAINT`, `ALTER DEFAULT PRIVILEGES`).

use super::lexer::Tok;
use super::shape::{AlterActionKind, ObjectKind, Shape, ShapeKind};
use std::ops::Range;

/// Leading keywords of `ALTER TABLE` actions the recogniser has no kind for, in PostgreSQL
/// (ALTER TABLE synopsis), MySQL/MariaDB (alter_option and table_option, partition options)
/// and CockroachDB (which the corpus of real migrations uses under the PostgreSQL dialect).
const OTHER_ALTER_TABLE_ACTIONS: &[&str] = &[
    // PostgreSQL
    "ALTER",
    "SET",
    "RESET",
    "OWNER",
    "ENABLE",
    "DISABLE",
    "FORCE",
    "NO",
    "INHERIT",
    "OF",
    "NOT",
    "CLUSTER",
    "VALIDATE",
    "REPLICA",
    "ATTACH",
    "DETACH",
    "SPLIT",
    "MERGE",
    // MySQL / MariaDB
    "MODIFY",
    "CHANGE",
    "CONVERT",
    "ALGORITHM",
    "LOCK",
    "ORDER",
    "DISCARD",
    "IMPORT",
    "TRUNCATE",
    "COALESCE",
    "REORGANIZE",
    "EXCHANGE",
    "ANALYZE",
    "CHECK",
    "OPTIMIZE",
    "REBUILD",
    "REPAIR",
    "REMOVE",
    "PARTITION",
    "UPGRADE",
    "WITH",
    "WITHOUT",
    "ENGINE",
    "AUTO_INCREMENT",
    "AUTOEXTEND_SIZE",
    "AVG_ROW_LENGTH",
    "DEFAULT",
    "CHARACTER",
    "CHARSET",
    "COLLATE",
    "CHECKSUM",
    "PAGE_CHECKSUM",
    "COMMENT",
    "COMPRESSION",
    "CONNECTION",
    "DATA",
    "INDEX",
    "DELAY_KEY_WRITE",
    "ENCRYPTION",
    "ENGINE_ATTRIBUTE",
    "INSERT_METHOD",
    "KEY_BLOCK_SIZE",
    "MAX_ROWS",
    "MIN_ROWS",
    "PACK_KEYS",
    "PASSWORD",
    "ROW_FORMAT",
    "SECONDARY_ENGINE",
    "SECONDARY_ENGINE_ATTRIBUTE",
    "STATS_AUTO_RECALC",
    "STATS_PERSISTENT",
    "STATS_SAMPLE_PAGES",
    "TABLESPACE",
    "TRANSACTIONAL",
    "UNION",
    // CockroachDB
    "CONFIGURE",
    "UNSPLIT",
    "SCATTER",
    "INJECT",
    "RELOCATE",
    "EXPERIMENTAL_AUDIT",
];

/// Object kinds the recogniser has no `ObjectKind` for but that exist (PostgreSQL, MySQL,
/// MariaDB, CockroachDB), as the words from the kind keyword on.
const OTHER_OBJECT_KINDS: &[&[&str]] = &[
    &["DEFAULT", "PRIVILEGES"],
    &["TEXT", "SEARCH"],
    &["FOREIGN", "DATA", "WRAPPER"],
    &["OPERATOR", "CLASS"],
    &["OPERATOR", "FAMILY"],
    &["ACCESS", "METHOD"],
    &["LARGE", "OBJECT"],
    &["LOGFILE", "GROUP"],
    &["RESOURCE", "GROUP"],
    &["UNDO", "TABLESPACE"],
    &["REFERENCE", "SYSTEM"],
    &["OWNED", "BY"],
    &["INVERTED", "INDEX"],
    &["CONVERSION"],
    &["LANGUAGE"],
    &["TABLESPACE"],
    &["TRANSFORM"],
    &["ROUTINE"],
    &["GROUP"],
    &["SYSTEM"],
    &["INSTANCE"],
    &["PACKAGE"],
    &["SYNONYM"],
];

/// The bytes of the part of the statement the recogniser could not place, if any.
pub fn unread_part(shape: &Shape, tokens: &[Tok]) -> Option<Range<usize>> {
    match shape.kind {
        ShapeKind::AlterTable => shape
            .actions
            .iter()
            .find(|a| {
                a.kind == AlterActionKind::Other
                    && !tokens
                        .iter()
                        .find(|t| t.range.start == a.range.start)
                        .is_some_and(|t| OTHER_ALTER_TABLE_ACTIONS.iter().any(|k| t.is_kw(k)))
            })
            .map(|a| a.range.clone()),
        ShapeKind::Create(ObjectKind::Other)
        | ShapeKind::Drop(ObjectKind::Other)
        | ShapeKind::Alter(ObjectKind::Other) => {
            // The kind keyword is the head's last token (or, when the head stops before a
            // kind, e.g. `CREATE MATERIALIZED x`, the last word it read).
            let at = tokens.iter().rposition(|t| t.range.end <= shape.head.end)?;
            let rest = &tokens[at..];
            let known = OTHER_OBJECT_KINDS.iter().any(|words| {
                words.len() <= rest.len() && words.iter().zip(rest).all(|(w, t)| t.is_kw(w))
            });
            (!known).then(|| rest[0].range.clone())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::{lexer, shape, Dialect};

    fn unread(sql: &str) -> Option<&str> {
        let tokens = lexer::lex(Dialect::Postgres, sql, 0..sql.len()).tokens;
        let tokens: Vec<Tok> = tokens
            .into_iter()
            .filter(|t| !t.is(&sqlparser::tokenizer::Token::SemiColon))
            .collect();
        let shape = shape::recognise(&tokens, sql, Dialect::Postgres);
        unread_part(&shape, &tokens).map(|r| &sql[r])
    }

    #[test]
    fn an_unknown_alter_table_action_is_unread() {
        assert_eq!(unread("ALTER TABLE a FROBNICATE"), Some("FROBNICATE"));
        assert_eq!(
            unread("ALTER TABLE a ADD COLUMN b int, FROBNICATE c"),
            Some("FROBNICATE c")
        );
        assert_eq!(
            unread("ALTER TABLE t \"t_pkey\" DROP COLUMN pk"),
            Some("\"t_pkey\" DROP COLUMN pk")
        );
    }

    #[test]
    fn known_actions_and_kinds_are_read() {
        for sql in [
            "ALTER TABLE a ALTER COLUMN b TYPE int",
            "ALTER TABLE a ENGINE=InnoDB",
            "ALTER TABLE a CONVERT TO CHARACTER SET utf8mb4",
            "ALTER TABLE a DISABLE KEYS",
            "ALTER TABLE a OWNER TO app",
            "ALTER TABLE a ADD COLUMN b int, MODIFY c text",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA s GRANT ALL ON TABLES TO app",
            "CREATE INVERTED INDEX i ON t (j)",
            "DROP OWNED BY app",
            "CREATE OPERATOR CLASS c FOR TYPE int USING btree AS OPERATOR 1 <",
            "CREATE TABLE t (id int)",
        ] {
            assert_eq!(unread(sql), None, "{sql}");
        }
    }

    #[test]
    fn an_unknown_object_kind_is_unread() {
        assert_eq!(unread("CREATE FROBNICATE x"), Some("FROBNICATE"));
        assert_eq!(unread("DROP GIZMO x"), Some("GIZMO"));
        assert_eq!(unread("CREATE MATERIALIZED x"), Some("MATERIALIZED"));
    }
}
