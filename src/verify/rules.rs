//! The `VF1xx` rule codes `preflight verify` reports.

use crate::diagnostics::{RuleInfo, Severity};

pub const APPLY_FAILS: &RuleInfo = &RULES[0];
pub const REAPPLY_FAILS: &RuleInfo = &RULES[1];
pub const REAPPLY_CHANGES_SCHEMA: &RuleInfo = &RULES[2];
pub const CRASH_RETRY_FAILS: &RuleInfo = &RULES[3];
pub const PROOF_INCOMPLETE: &RuleInfo = &RULES[4];

pub static RULES: &[RuleInfo] = &[
    RuleInfo {
        code: "VF100",
        name: "migration-fails-on-apply",
        default_severity: Severity::Error,
        summary: "A migration fails when applied once, in order, to a fresh database",
        doc: "## What it does\nApplies every migration in order to an empty scratch database and reports the first statement the server refuses.\n\n## Why it matters\nA migration that cannot run on a clean database cannot run in production either; nothing after it can be proven.\n\n## Example\n```sql\nCREATE INDEX idx_orders_user ON orders (user_id); -- orders is created by a later migration\n```\n\n## Use instead\nFix the statement (or the order of the files) until the migrations apply cleanly.",
        fix: None,
    },
    RuleInfo {
        code: "VF101",
        name: "reapply-fails",
        default_severity: Severity::Error,
        summary: "Applying a migration a second time fails",
        doc: "## What it does\nAfter applying a migration, applies it again on the same database and reports the first statement the server refuses, with the server's own error.\n\n## Why it matters\nA deploy that half-applied the migration, or a tracker table that lost its row, makes the next deploy run it again. That retry must not fail: this is how `relation \"user_profiles\" already exists` stopped a production deploy.\n\n## Example\n```sql\nCREATE TABLE user_profiles (id serial PRIMARY KEY);\n```\n\n## Use instead\n```sql\nCREATE TABLE IF NOT EXISTS user_profiles (id serial PRIMARY KEY);\n```\n`preflight fix` adds the guards.",
        fix: None,
    },
    RuleInfo {
        code: "VF102",
        name: "reapply-changes-schema",
        default_severity: Severity::Error,
        summary: "Applying a migration a second time succeeds but changes the schema",
        doc: "## What it does\nCompares a fingerprint of the whole catalog (tables, columns, types, defaults, constraints, indexes, enums, functions, views, sequences, triggers…) before and after a second apply, and lists what changed.\n\n## Why it matters\nA retry that silently adds a second column, appends an enum value again, or drops and re-creates a table (losing its rows) leaves production different from every other environment.\n\n## Example\n```sql\nDROP TABLE IF EXISTS settings;\nCREATE TABLE settings (key text PRIMARY KEY, value text);\n```\n\n## Use instead\n```sql\nCREATE TABLE IF NOT EXISTS settings (key text PRIMARY KEY, value text);\n```",
        fix: None,
    },
    RuleInfo {
        code: "VF103",
        name: "crash-retry-fails",
        default_severity: Severity::Error,
        summary: "Retrying a migration after a crash part-way through it fails",
        doc: "## What it does\nFor every statement boundary of a migration, takes the state after its first statements and runs the whole migration again, as a deploy retried after a crash would. Reports the first failing statement and where the crash was.\n\n## Why it matters\nA migration can survive a full second run and still fail after a crash in the middle, when a later statement undoes what an earlier one checks.\n\n## Example\n```sql\nCREATE TABLE IF NOT EXISTS accounts (id int);\nALTER TABLE accounts ADD COLUMN legacy_id int;\nUPDATE accounts SET id = legacy_id;\nALTER TABLE accounts DROP COLUMN legacy_id;\n```\n\n## Use instead\n```sql\nALTER TABLE accounts ADD COLUMN IF NOT EXISTS legacy_id int;\n```",
        fix: None,
    },
    RuleInfo {
        code: "VF104",
        name: "proof-incomplete",
        default_severity: Severity::Warning,
        summary: "Part of the retry-safety proof could not be carried out",
        doc: "## What it does\nSays which part of a migration's proof was not run: crash points beyond `--max-crash-points` on MySQL/MariaDB, statements PostgreSQL refuses inside a transaction, files that could not be split into statements, migrations after a failing one.\n\n## Why it matters\nUnknown is not pass: what was not proven may still fail a retry.\n\n## Example\n```sql\nCREATE INDEX CONCURRENTLY idx_users_email ON users (email);\n```\n\n## Use instead\nRaise `--max-crash-points`, fix the earlier failure, or accept the gap explicitly.",
        fix: None,
    },
];
