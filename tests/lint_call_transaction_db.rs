//! MySQL/MariaDB: a procedure's DDL (and its `TRUNCATE`) runs at the `CALL`, and commits the
//! transaction the call is in, as a top-level one does (PF121). The transaction around the
//! procedure's `CREATE` does not matter: the body does not run there.

mod common;

use common::retry::dialect_options;
use common::ScratchDb;
use preflight::lint::lint_source;
use preflight::source::SourceFile;
use preflight::sql::Dialect;

const PROCEDURE: &str =
    "DROP PROCEDURE IF EXISTS p;\nDELIMITER //\nCREATE PROCEDURE p()\nBEGIN\n    \
     ALTER TABLE t ADD COLUMN IF NOT EXISTS c int;\n    TRUNCATE TABLE u;\nEND //\nDELIMITER ;\n";

/// The lines PF121 flags in `sql` (MariaDB).
fn pf121_lines(sql: &str) -> Vec<usize> {
    lint_source(
        &SourceFile::new("m.sql", sql),
        &dialect_options(Dialect::Mariadb),
    )
    .into_iter()
    .filter(|f| f.rule.code == "PF121")
    .map(|f| f.location.start.expect("a line").line)
    .collect()
}

#[test]
fn a_procedures_ddl_commits_the_transaction_of_its_call_on_mariadb() {
    let sql = format!(
        "{PROCEDURE}START TRANSACTION;\nINSERT INTO t (id) VALUES (1);\nCALL p();\nROLLBACK;\n"
    );
    // The server: the ALTER committed the INSERT before it, so the ROLLBACK keeps it.
    let db = ScratchDb::mariadb();
    db.exec("CREATE TABLE t (id int); CREATE TABLE u (id int);");
    db.exec(&sql);
    assert_eq!(db.query("SELECT count(*) FROM t WHERE id = 1"), ["1"]);
    // Lint: the body's ALTER and TRUNCATE, where the call runs them.
    assert_eq!(pf121_lines(&sql), [5, 6], "{sql}");

    // The CREATE in a transaction, the call outside one: the body commits nothing there.
    let sql = format!("START TRANSACTION;\n{PROCEDURE}COMMIT;\nCALL p();\n");
    assert!(
        pf121_lines(&sql).iter().all(|&line| line < 6),
        "{:?}\n{sql}",
        pf121_lines(&sql)
    );
}
