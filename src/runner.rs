//! How each migration tool applies a file, per database engine: the whole file in one
//! transaction (a crash rolls it back, so the only retry is a full re-run), or statement by
//! statement (a crash can leave any prefix of the file applied, so every crash point is a
//! retry). lint and fix use it to decide which statements a retry can break.
//!
//! The reference for each tool is its own source or documentation, cited on its arm below.
//! MySQL and MariaDB commit every DDL statement implicitly ("Statements That Cause an Implicit
//! Commit", MySQL reference manual 15.3.3; MariaDB KB "SQL statements that cause an implicit
//! commit"), so there no tool can roll a half-applied file back: every runner is
//! statement by statement for DDL.

use crate::source::SourceFile;
use crate::sql::Dialect;
use std::path::Path;

/// What a crash in the middle of a file leaves behind.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum ApplyModel {
    /// The file runs in one transaction: a crash rolls it back, a retry re-runs all of it from
    /// the state the whole file left (when the tracker record was lost) or from before it.
    FileTransaction,
    /// Statements commit one by one: a retry can start from any crash point.
    StatementByStatement,
}

/// Said once on stderr by lint and verify when no tool is known: what the findings assume.
pub const UNKNOWN_TOOL_NOTE: &str = "note: the migration tool is unknown (pass --tracker NAME): assuming a crash can leave any statement of a file applied, so every crash point is checked";

/// The tool that applies the migrations, when it is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Runner {
    /// A reconcile tracker name (`sqlx`, `flyway`, …), or `None` when unknown.
    pub tool: Option<&'static str>,
    /// The apply model the user declared (`--apply-model`, `[migrations] apply_model`) for a
    /// runner preflight does not model itself (a hand-rolled one, `generic`). It wins over
    /// the tool's own model on PostgreSQL and SQLite; MySQL's implicit DDL commit wins over it.
    pub declared: Option<ApplyModel>,
    /// The tool was named (`--tracker`, `[migrations] tracker`), not detected from the files.
    pub named: bool,
}

/// The apply model of one file, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileModel {
    pub model: ApplyModel,
    /// One line for messages: `Diesel runs each migration in a transaction`.
    pub reason: String,
}

impl Runner {
    pub const UNKNOWN: Runner = Runner {
        tool: None,
        declared: None,
        named: false,
    };

    /// A tracker name as reconcile spells it (`auto` and unknown names give `None`).
    pub fn named(name: &str) -> Option<Runner> {
        crate::reconcile::trackers::canonical(name).map(|n| Runner {
            tool: Some(n),
            declared: None,
            named: true,
        })
    }

    /// The tool whose file layout `dir` has (reconcile's layout detection), when exactly one
    /// tool's layout matches.
    pub fn detect(dir: &Path) -> Runner {
        Runner::detect_with(dir, &crate::layout::Reader::default())
    }

    /// [`detect`](Self::detect), reading the directory through `reader`.
    pub fn detect_with(dir: &Path, reader: &crate::layout::Reader) -> Runner {
        use crate::reconcile::trackers::{layout_matches, names};
        let matches: Vec<&'static str> = names()
            .into_iter()
            .filter(|n| *n != "generic" && layout_matches(n, dir, reader))
            .collect();
        match matches.as_slice() {
            [one] => Runner {
                tool: Some(one),
                declared: None,
                named: false,
            },
            _ => Runner::UNKNOWN,
        }
    }

    /// The same runner with the apply model the user declared for it.
    pub fn declaring(self, declared: Option<ApplyModel>) -> Runner {
        Runner {
            declared: declared.or(self.declared),
            ..self
        }
    }

    /// How this tool applies `source` on `dialect`'s engine.
    pub fn model(&self, dialect: Dialect, source: &SourceFile) -> FileModel {
        let tx = |reason: &str| FileModel {
            model: ApplyModel::FileTransaction,
            reason: reason.to_string(),
        };
        let each = |reason: &str| FileModel {
            model: ApplyModel::StatementByStatement,
            reason: reason.to_string(),
        };
        if matches!(dialect, Dialect::Mysql | Dialect::Mariadb) {
            return each("MySQL and MariaDB commit each DDL statement implicitly");
        }
        match self.declared {
            Some(ApplyModel::FileTransaction) => {
                return tx("declared: the runner applies each file in one transaction")
            }
            Some(ApplyModel::StatementByStatement) => {
                return each("declared: the runner applies statement by statement")
            }
            None => {}
        }
        let text: &str = &source.text;
        let first_lines = || text.lines().take(20);
        let Some(tool) = self.tool else {
            return each("the migration tool is unknown (no --tracker): assuming the worst");
        };
        match tool {
            // sqlx-core src/migrate/source.rs: `no_tx: sql.starts_with("-- no-transaction")`;
            // otherwise each migration runs in its own transaction.
            "sqlx"
                if text
                    .trim_start_matches('\u{feff}')
                    .starts_with("-- no-transaction") =>
            {
                each("sqlx runs a `-- no-transaction` migration outside a transaction")
            }
            "sqlx" => tx("sqlx runs each migration in a transaction"),
            // goose README: "By default, all migrations are run within a transaction … add
            // `-- +goose NO TRANSACTION` to the top of your migration file".
            "goose" if first_lines().any(|l| l.trim() == "-- +goose NO TRANSACTION") => {
                each("goose runs a `-- +goose NO TRANSACTION` file statement by statement")
            }
            "goose" => tx("goose runs each migration in a transaction"),
            // dbmate README "Options": `-- migrate:up transaction:false` disables the
            // transaction dbmate otherwise wraps each migration in.
            "dbmate"
                if text.lines().any(|l| {
                    let l = l.trim_start_matches('-').trim();
                    l.starts_with("migrate:up") && l.contains("transaction:false")
                }) =>
            {
                each("dbmate runs a `transaction:false` migration outside a transaction")
            }
            // Newer dbmate runs each `-- migrate:up` section in a transaction of its own
            // (`Migrate`: `for _, migrationSection := range parsed`): a failure in a later
            // section leaves the earlier ones applied.
            "dbmate" if crate::layout::Sections::Dbmate.up_ranges(text).len() > 1 => {
                each("dbmate runs each `-- migrate:up` section of this file in its own transaction")
            }
            "dbmate" => tx("dbmate runs each migration in a transaction"),
            // Atlas docs "Transaction mode": `--tx-mode file` (the default) runs each file in
            // its own transaction; a file directive `-- atlas:txmode none` opts out.
            "atlas" if first_lines().any(|l| l.trim() == "-- atlas:txmode none") => {
                each("Atlas runs an `atlas:txmode none` file without a transaction")
            }
            "atlas" => tx("Atlas runs each file in a transaction (tx-mode file)"),
            // Flyway docs "Script Configuration": `executeInTransaction=false` in
            // `<script>.sql.conf`; by default each PostgreSQL migration runs in a transaction.
            "flyway" if flyway_opted_out(source) => {
                each("Flyway runs this script with executeInTransaction=false")
            }
            "flyway" => tx("Flyway runs each migration in a transaction on PostgreSQL"),
            // diesel_migrations: `run_in_transaction = false` in the migration's
            // metadata.toml opts out; otherwise `conn.transaction(|conn| migration.run(conn))`.
            "diesel" if diesel_opted_out(source) => {
                each("Diesel runs this migration with run_in_transaction = false")
            }
            "diesel" => tx("Diesel runs each migration in a transaction"),
            // refinery_core `migrate_individual`: each migration and its history row are
            // executed in one `Transaction::execute`.
            "refinery" => tx("refinery runs each migration in a transaction"),
            // golang-migrate's postgres driver sends the file as one multi-statement Exec and
            // Prisma's schema engine sends the script as one batch: PostgreSQL runs a
            // multi-statement simple Query as one implicit transaction (PostgreSQL docs,
            // "Multiple Statements in a Simple Query") unless the file has its own BEGIN/COMMIT.
            "golang-migrate" | "prisma" if has_transaction_control(text) => {
                each("the file's own BEGIN/COMMIT ends the implicit transaction")
            }
            "golang-migrate" => tx("golang-migrate sends the file as one implicit transaction"),
            "prisma" => tx("Prisma sends the script as one implicit transaction"),
            _ => each("a generic tracker promises no transaction: assuming the worst"),
        }
    }
}

fn flyway_opted_out(source: &SourceFile) -> bool {
    let mut conf = source.path.clone().into_os_string();
    conf.push(".conf");
    std::fs::read_to_string(conf).is_ok_and(|c| {
        c.lines().any(|l| {
            let l: String = l.chars().filter(|c| !c.is_whitespace()).collect();
            l.eq_ignore_ascii_case("executeInTransaction=false")
        })
    })
}

fn diesel_opted_out(source: &SourceFile) -> bool {
    let Some(dir) = source.path.parent() else {
        return false;
    };
    std::fs::read_to_string(dir.join("metadata.toml")).is_ok_and(|m| {
        m.lines().any(|l| {
            let l: String = l.chars().filter(|c| !c.is_whitespace()).collect();
            l == "run_in_transaction=false"
        })
    })
}

/// A top-level `BEGIN;`/`COMMIT;` line (the implicit transaction of a batch ends there).
fn has_transaction_control(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim().trim_end_matches(';').trim();
        l.eq_ignore_ascii_case("BEGIN")
            || l.eq_ignore_ascii_case("COMMIT")
            || l.eq_ignore_ascii_case("START TRANSACTION")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(tool: &str, dialect: Dialect, text: &str) -> ApplyModel {
        Runner::named(tool)
            .unwrap()
            .model(dialect, &SourceFile::new("m.sql", text))
            .model
    }

    #[test]
    fn transactional_tools_and_their_opt_outs() {
        use ApplyModel::*;
        let pg = Dialect::Postgres;
        assert_eq!(model("sqlx", pg, "CREATE TABLE a ();"), FileTransaction);
        assert_eq!(
            model(
                "sqlx",
                pg,
                "-- no-transaction\nCREATE INDEX CONCURRENTLY i ON a (b);"
            ),
            StatementByStatement
        );
        assert_eq!(
            model(
                "goose",
                pg,
                "-- +goose NO TRANSACTION\n-- +goose Up\nSELECT 1;"
            ),
            StatementByStatement
        );
        assert_eq!(
            model("dbmate", pg, "-- migrate:up transaction:false\nSELECT 1;"),
            StatementByStatement
        );
        assert_eq!(
            model("dbmate", pg, "-- migrate:up\nSELECT 1;"),
            FileTransaction
        );
        assert_eq!(
            model("atlas", pg, "-- atlas:txmode none\nSELECT 1;"),
            StatementByStatement
        );
        assert_eq!(model("diesel", pg, "SELECT 1;"), FileTransaction);
        assert_eq!(
            model("golang-migrate", pg, "BEGIN;\nSELECT 1;\nCOMMIT;"),
            StatementByStatement
        );
        assert_eq!(model("generic", pg, "SELECT 1;"), StatementByStatement);
    }

    #[test]
    fn mysql_ddl_autocommits_under_every_tool() {
        for tool in ["sqlx", "flyway", "diesel", "goose", "dbmate", "prisma"] {
            assert_eq!(
                model(tool, Dialect::Mariadb, "CREATE TABLE a (b int);"),
                ApplyModel::StatementByStatement
            );
            assert_eq!(
                model(tool, Dialect::Mysql, "CREATE TABLE a (b int);"),
                ApplyModel::StatementByStatement
            );
        }
    }

    #[test]
    fn a_declared_model_wins_except_over_mysql_autocommit() {
        let runner = Runner::named("generic")
            .unwrap()
            .declaring(Some(ApplyModel::FileTransaction));
        let file = SourceFile::new("m.sql", "CREATE TABLE a (b int);");
        assert_eq!(
            runner.model(Dialect::Postgres, &file).model,
            ApplyModel::FileTransaction
        );
        assert_eq!(
            runner.model(Dialect::Mariadb, &file).model,
            ApplyModel::StatementByStatement
        );
        let declared_worst = Runner::named("diesel")
            .unwrap()
            .declaring(Some(ApplyModel::StatementByStatement));
        assert_eq!(
            declared_worst.model(Dialect::Postgres, &file).model,
            ApplyModel::StatementByStatement
        );
    }

    #[test]
    fn unknown_tool_assumes_the_worst() {
        let m = Runner::UNKNOWN.model(Dialect::Postgres, &SourceFile::new("m.sql", "SELECT 1;"));
        assert_eq!(m.model, ApplyModel::StatementByStatement);
        assert!(m.reason.contains("unknown"));
        assert!(Runner::named("nope").is_none());
        assert_eq!(Runner::named("Flyway").unwrap().tool, Some("flyway"));
    }
}
