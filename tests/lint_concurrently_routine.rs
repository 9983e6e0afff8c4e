//! PF201 in the body of a routine a call runs: PostgreSQL refuses CONCURRENTLY there
//! (`… cannot be executed from a function`), and the message names the routine's body, not a DO
//! block.

mod common;

use common::retry::{dialect_options, retry_findings};
use preflight::sql::Dialect;

#[test]
fn concurrently_in_a_routine_body_is_worded_as_a_routine_body() {
    let sql = "CREATE OR REPLACE PROCEDURE mk() LANGUAGE plpgsql AS $$ BEGIN CREATE INDEX CONCURRENTLY IF NOT EXISTS t_id ON t (id); END $$;\nCALL mk();\n";
    let found = retry_findings(sql, &dialect_options(Dialect::Postgres));
    let messages: Vec<&str> = found
        .iter()
        .filter(|f| f.rule.code == "PF201")
        .map(|f| f.message.as_str())
        .collect();
    assert!(!messages.is_empty(), "{found:#?}");
    for m in &messages {
        assert!(!m.contains("DO block"), "{m}");
        assert!(m.contains("routine's body"), "{m}");
        assert!(m.contains("cannot be executed from a function"), "{m}");
    }
}
