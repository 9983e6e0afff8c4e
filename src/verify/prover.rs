//! The proof. Migrations are applied in order on a scratch database; for each one:
//!
//! * **apply again**: the whole migration a second time must succeed and leave the catalog
//!   fingerprint unchanged;
//! * **crash points**: for every statement boundary k, the state after its first k statements
//!   followed by the whole migration must succeed.
//!
//! On PostgreSQL everything runs in one transaction that is finally rolled back, so nothing is
//! ever rebuilt. Each crash point is a savepoint taken while applying the migration: at
//! boundary k the retry runs and is rolled back to that savepoint, then statement k+1 is
//! applied for real. The transaction's write counters (`catalog::POSTGRES_CENSUS`) keep this
//! cheap: when re-running the first k statements wrote nothing, the database is exactly the
//! state the plain apply continues from, so the rest of the retry need not run; when a re-apply
//! wrote no catalog row, no catalog dump is needed. The common case is one round trip per crash
//! point and one for the re-apply, and re-running idempotent statements costs little.
//!
//! On MySQL/MariaDB DDL commits implicitly, so nothing can be rolled back: each crash point gets
//! a fresh scratch database with the earlier migrations replayed (bounded by
//! `--max-crash-points`), and the main database is rebuilt when a failed re-apply left it in
//! an unknown state. PostgreSQL migrations with statements that refuse a transaction block
//! (CREATE INDEX CONCURRENTLY, VACUUM…) take the same route.

use super::catalog::{self, Census};
use super::outcome::{Apply, CrashFailure, CrashPoints, MigrationProof, Reapply, StepFailure};
use super::plan::{Migration, Replaced};
use super::server::{ScratchDatabase, Server};
use super::session::Session;
use crate::error::Result;
use std::ops::Range;
use std::time::{Duration, Instant};

/// The proof's results, and what it cost.
pub struct ProofRun {
    pub proofs: Vec<MigrationProof>,
    /// Every scratch database made (all dropped by now).
    pub scratch_databases: Vec<String>,
    pub proof_time: Duration,
    /// Dropping the main scratch database; on PostgreSQL this waits for a server checkpoint.
    pub drop_time: Duration,
}

pub struct Prover<'a> {
    server: &'a Server,
    migrations: &'a [Migration],
    max_crash_points: usize,
    main: Option<(ScratchDatabase, Session)>,
    /// Every scratch database made, for the report (each is dropped before `run` returns).
    created: Vec<String>,
}

/// Why a migration left the transactional route: PostgreSQL said it cannot run in a transaction.
struct NeedsAutocommit;

/// One retry of a migration on PostgreSQL.
enum Retry {
    Failed(StepFailure),
    /// It succeeded; `catalog_unchanged` is `None` when the census could not tell.
    Passed {
        catalog_unchanged: Option<bool>,
    },
}

const SAVEPOINT_MIGRATION: &str = "preflight_migration";
const SAVEPOINT_RETRY: &str = "preflight_retry";

impl<'a> Prover<'a> {
    pub fn new(
        server: &'a Server,
        migrations: &'a [Migration],
        max_crash_points: usize,
        main: (ScratchDatabase, Session),
    ) -> Self {
        Prover {
            server,
            migrations,
            max_crash_points,
            created: vec![main.0.name().to_string()],
            main: Some(main),
        }
    }

    fn session(&mut self) -> &mut Session {
        &mut self
            .main
            .as_mut()
            .expect("the main scratch database exists while the proof runs")
            .1
    }

    /// Runs the proof and drops every scratch database it made; also returns their names.
    pub async fn run(mut self) -> Result<ProofRun> {
        let started = Instant::now();
        let transactional = self.server.dialect().ddl_is_transactional();
        let proofs = if transactional {
            self.prove_in_transaction().await
        } else {
            self.prove_autocommit_all().await
        };
        let proof_time = started.elapsed();
        if let Some((database, session)) = self.main.take() {
            session.close().await;
            database.drop_now().await?;
        }
        Ok(ProofRun {
            proofs: proofs?,
            scratch_databases: self.created,
            proof_time,
            drop_time: started.elapsed() - proof_time,
        })
    }

    async fn prove_autocommit_all(&mut self) -> Result<Vec<MigrationProof>> {
        let mut proofs = Vec::with_capacity(self.migrations.len());
        let mut stopped = false;
        for index in 0..self.migrations.len() {
            if stopped {
                proofs.push(MigrationProof::not_run());
                continue;
            }
            if let Some(refused) = refused(&self.migrations[index]) {
                proofs.push(refused);
                stopped = true;
                continue;
            }
            let proof = self.prove_autocommit(index).await?;
            stopped = !matches!(proof.apply, Apply::Passed) || self.main.is_none();
            proofs.push(proof);
        }
        Ok(proofs)
    }

    async fn prove_in_transaction(&mut self) -> Result<Vec<MigrationProof>> {
        let mut proofs = Vec::with_capacity(self.migrations.len());
        let mut stopped = false;
        self.session().control("BEGIN").await?;
        for index in 0..self.migrations.len() {
            if stopped {
                proofs.push(MigrationProof::not_run());
                continue;
            }
            let migrations = self.migrations;
            let migration = &migrations[index];
            if let Some(refused) = refused(migration) {
                proofs.push(refused);
                stopped = true;
                continue;
            }
            let attempt = if migration.needs_autocommit() {
                Err(NeedsAutocommit)
            } else {
                self.prove_with_savepoints(migration).await?
            };
            let proof = match attempt {
                Ok(proof) => proof,
                Err(NeedsAutocommit) if migrations[..=index].iter().any(|m| m.touches_cluster) => {
                    let mut proof = MigrationProof::not_run();
                    proof.unproven.push(
                        "it was not run: it needs autocommit mode, and committing would leave the roles or server settings of the migrations so far on the dev server".into(),
                    );
                    proof
                }
                Err(NeedsAutocommit) => {
                    // Make the state so far durable, run this one outside a transaction.
                    self.session().control("COMMIT").await?;
                    let mut proof = self.prove_autocommit(index).await?;
                    for (step, statement) in migration.steps.iter().enumerate() {
                        if statement.builds_index_concurrently {
                            proof.unproven.push(format!(
                                "line {}: a concurrent index build that stops part-way leaves an INVALID index, which IF NOT EXISTS keeps on retry; a crash inside one statement cannot be replayed (after a failure, drop the invalid index before retrying)",
                                migration.line_of(step)
                            ));
                        }
                    }
                    if self.main.is_some() {
                        self.session().control("BEGIN").await?;
                    }
                    proof
                }
            };
            stopped = !matches!(proof.apply, Apply::Passed) || self.main.is_none();
            proofs.push(proof);
        }
        if self.main.is_some() {
            // The scratch database is dropped next, so committing keeps nothing, and it is far
            // cheaper than aborting hundreds of new relations. Roles, tablespaces and server
            // settings outlive the database, though: those must be rolled back.
            let cluster = self.migrations.iter().any(|m| m.touches_cluster);
            let end = if cluster { "ROLLBACK" } else { "COMMIT" };
            self.session().control(end).await?;
        }
        Ok(proofs)
    }

    /// PostgreSQL: apply with a savepoint at every crash point, then the re-apply check.
    /// Leaves the migration applied, inside the open transaction.
    async fn prove_with_savepoints(
        &mut self,
        migration: &Migration,
    ) -> Result<Result<MigrationProof, NeedsAutocommit>> {
        let mut proof = MigrationProof::not_run();
        let crash_points = migration.crash_points();
        proof.crash_points.possible = crash_points.len();
        self.savepoint(SAVEPOINT_MIGRATION).await?;
        for (k, step) in migration.steps.iter().enumerate() {
            if crash_points.contains(&k) {
                match self.retry_here(migration, k).await? {
                    Retry::Passed { .. } => proof.crash_points.passed += 1,
                    Retry::Failed(f) if f.error.is_active_transaction() => {
                        return self.leave_transaction().await;
                    }
                    Retry::Failed(failure) => proof
                        .crash_points
                        .failed
                        .push(CrashFailure { after: k, failure }),
                }
            }
            match self.session().run(&step.sql).await? {
                Ok(()) => {}
                Err(e) if e.is_active_transaction() => return self.leave_transaction().await,
                Err(error) => {
                    // The transaction is aborted; the caller stops and rolls it back. Crash
                    // points already counted assumed the rest applies: they say nothing now.
                    proof.apply = Apply::Failed(StepFailure { step: k, error });
                    proof.crash_points.passed = 0;
                    return Ok(Ok(proof));
                }
            }
        }
        proof.apply = Apply::Passed;
        proof.reapply = match self.retry_here(migration, migration.steps.len()).await? {
            Retry::Failed(f) if f.error.is_active_transaction() => {
                return self.leave_transaction().await;
            }
            Retry::Failed(failure) => Reapply::Failed(failure),
            Retry::Passed {
                catalog_unchanged: Some(true),
            } => Reapply::Passed,
            Retry::Passed { .. } => match self.reapply_scoped(migration).await? {
                Some(reapply) => reapply,
                None => self.reapply_with_dumps(migration).await?,
            },
        };
        self.session()
            .control(&format!("RELEASE SAVEPOINT {SAVEPOINT_MIGRATION}"))
            .await?;
        Ok(Ok(proof))
    }

    /// A crash after `done` statements (all of them: the re-apply), then the whole migration
    /// again, under a savepoint that is rolled back afterwards.
    ///
    /// The shortcut that keeps this near one plain apply: when re-running the first `done`
    /// statements wrote nothing at all (catalog or data), the database is exactly as it was,
    /// so the rest of the migration runs just as in the plain apply that follows, which has
    /// to succeed anyway. Only statements whose re-run writes something cost a full retry.
    async fn retry_here(&mut self, migration: &Migration, done: usize) -> Result<Retry> {
        if let Some(outcome) = self.retry_in_one_round_trip(migration, done).await? {
            return Ok(outcome);
        }
        self.savepoint(SAVEPOINT_RETRY).await?;
        let before = self.session().census().await?;
        let outcome = self.retry_steps(migration, done, before).await?;
        self.rollback_to(SAVEPOINT_RETRY).await?;
        Ok(outcome)
    }

    /// The common case in one round trip: savepoint, census, the first `done` statements,
    /// census, rollback, sent as one batch. It decides when no statement fails and, for a crash
    /// point, the re-run wrote nothing; otherwise (`None`) the caller goes statement by
    /// statement, to find the failing line or run the rest.
    async fn retry_in_one_round_trip(
        &mut self,
        migration: &Migration,
        done: usize,
    ) -> Result<Option<Retry>> {
        let mut batch = format!(
            "SAVEPOINT {SAVEPOINT_RETRY};\n{};\n",
            catalog::POSTGRES_CENSUS
        );
        for step in migration.steps.iter().take(done) {
            // On its own line: the statement may end in a line comment.
            batch.push_str(&step.sql);
            batch.push_str("\n;\n");
        }
        batch.push_str(&format!(
            "{};\nROLLBACK TO SAVEPOINT {SAVEPOINT_RETRY};\nRELEASE SAVEPOINT {SAVEPOINT_RETRY};",
            catalog::POSTGRES_CENSUS
        ));
        let (before, after) = match self.session().census_around(&batch).await? {
            Ok(Some(census)) => census,
            Ok(None) => return Ok(None),
            Err(_) => {
                // A statement failed: the batch stopped inside the savepoint.
                self.rollback_to(SAVEPOINT_RETRY).await?;
                return Ok(None);
            }
        };
        if done == migration.steps.len() {
            // The re-apply succeeded; whether the catalog changed is for the dumps to say.
            return Ok(Some(Retry::Passed {
                catalog_unchanged: Some(before.same_catalog(&after)),
            }));
        }
        Ok(before.nothing_written(&after).then_some(Retry::Passed {
            catalog_unchanged: Some(true),
        }))
    }

    async fn retry_steps(
        &mut self,
        migration: &Migration,
        done: usize,
        before: Option<Census>,
    ) -> Result<Retry> {
        let total = migration.steps.len();
        if let Some(failure) = run_steps(self.session(), migration, 0..done).await? {
            return Ok(Retry::Failed(failure));
        }
        if let (Some(before), true) = (before, done < total) {
            if let Some(now) = self.session().census().await? {
                if before.nothing_written(&now) {
                    return Ok(Retry::Passed {
                        catalog_unchanged: Some(true),
                    });
                }
            }
        }
        if let Some(failure) = run_steps(self.session(), migration, done..total).await? {
            return Ok(Retry::Failed(failure));
        }
        let catalog_unchanged = match (before, self.session().census().await?) {
            (Some(before), Some(now)) => Some(before.same_catalog(&now)),
            _ => None,
        };
        Ok(Retry::Passed { catalog_unchanged })
    }

    /// The re-apply check for a migration whose re-run wrote catalog rows, when the only
    /// statements that wrote are `CREATE OR REPLACE VIEW|FUNCTION|PROCEDURE` (which rewrite
    /// their rows on every run): compares just those objects, not the whole catalog. `None`
    /// when that does not hold and the full dumps must decide.
    async fn reapply_scoped(&mut self, migration: &Migration) -> Result<Option<Reapply>> {
        let replaced: Vec<&Replaced> = migration
            .steps
            .iter()
            .filter_map(|s| s.replaces.as_ref())
            .collect();
        if replaced.is_empty() {
            return Ok(None);
        }
        let Some(before) = self.session().scoped_fingerprint(&replaced).await? else {
            return Ok(None);
        };
        self.savepoint(SAVEPOINT_RETRY).await?;
        let outcome = self.rerun_watching_writers(migration).await?;
        let after = match outcome {
            Some(Ok(())) => self.session().scoped_fingerprint(&replaced).await?,
            _ => None,
        };
        self.rollback_to(SAVEPOINT_RETRY).await?;
        Ok(match (outcome, after) {
            (Some(Err(failure)), _) => Some(Reapply::Failed(failure)),
            (Some(Ok(())), Some(after)) if after.hash == before.hash => Some(Reapply::Passed),
            (Some(Ok(())), Some(after)) => Some(Reapply::SchemaChanged(before.changes_to(&after))),
            _ => None,
        })
    }

    /// Runs the whole migration with a census after each statement. `None` as soon as a
    /// statement other than a `CREATE OR REPLACE` wrote the catalog (or the census is off).
    async fn rerun_watching_writers(
        &mut self,
        migration: &Migration,
    ) -> Result<Option<std::result::Result<(), StepFailure>>> {
        let Some(mut census) = self.session().census().await? else {
            return Ok(None);
        };
        for (step, statement) in migration.steps.iter().enumerate() {
            if let Err(error) = self.session().run(&statement.sql).await? {
                return Ok(Some(Err(StepFailure { step, error })));
            }
            let Some(now) = self.session().census().await? else {
                return Ok(None);
            };
            if !census.same_catalog(&now) && statement.replaces.is_none() {
                return Ok(None);
            }
            census = now;
        }
        Ok(Some(Ok(())))
    }

    /// The re-apply check by catalog fingerprints taken before and after.
    async fn reapply_with_dumps(&mut self, migration: &Migration) -> Result<Reapply> {
        let before = self.session().fingerprint().await?;
        self.savepoint(SAVEPOINT_RETRY).await?;
        let retry = self.run_all(migration).await?;
        let after = match retry {
            None => Some(self.session().fingerprint().await?),
            Some(_) => None,
        };
        self.rollback_to(SAVEPOINT_RETRY).await?;
        Ok(match (retry, after) {
            (Some(failure), _) => Reapply::Failed(failure),
            (None, Some(after)) if after.hash != before.hash => {
                Reapply::SchemaChanged(before.changes_to(&after))
            }
            (None, _) => Reapply::Passed,
        })
    }

    /// Undoes the migration's partial work so it can be proven in autocommit mode.
    async fn leave_transaction(&mut self) -> Result<Result<MigrationProof, NeedsAutocommit>> {
        self.rollback_to(SAVEPOINT_MIGRATION).await?;
        Ok(Err(NeedsAutocommit))
    }

    async fn savepoint(&mut self, name: &str) -> Result<()> {
        self.session().control(&format!("SAVEPOINT {name}")).await
    }

    async fn rollback_to(&mut self, name: &str) -> Result<()> {
        let session = self.session();
        session
            .control(&format!("ROLLBACK TO SAVEPOINT {name}"))
            .await?;
        session.control(&format!("RELEASE SAVEPOINT {name}")).await
    }

    /// Runs every statement of a migration on the main session; the first refusal, if any.
    async fn run_all(&mut self, migration: &Migration) -> Result<Option<StepFailure>> {
        run_steps(self.session(), migration, 0..migration.steps.len()).await
    }

    /// Autocommit route, on the main database at the state before migration `index`. Leaves
    /// the migration applied once (rebuilding the main database if the re-apply left it in
    /// another state); sets `main` to `None` only if that rebuild was impossible.
    async fn prove_autocommit(&mut self, index: usize) -> Result<MigrationProof> {
        let migrations = self.migrations;
        let migration = &migrations[index];
        let mut proof = MigrationProof::not_run();
        if let Some(failure) = self.run_all(migration).await? {
            proof.apply = Apply::Failed(failure);
            return Ok(proof);
        }
        proof.apply = Apply::Passed;
        let before = self.session().fingerprint().await?;
        proof.reapply = match self.run_all(migration).await? {
            Some(failure) => Reapply::Failed(failure),
            None => {
                let after = self.session().fingerprint().await?;
                if after.hash == before.hash {
                    Reapply::Passed
                } else {
                    Reapply::SchemaChanged(before.changes_to(&after))
                }
            }
        };
        if proof.reapply != Reapply::Passed {
            // The main database now holds a twice-applied migration: rebuild it as "applied once".
            let (database, session) = self.main.take().expect("main database");
            session.close().await;
            database.drop_now().await?;
            match self.fresh_database(index + 1, 0).await? {
                Ok(main) => self.main = Some(main),
                Err(why) => proof.unproven.push(format!(
                    "the proof stopped here: rebuilding the scratch database failed ({why})"
                )),
            }
        }
        proof.crash_points = self.crash_points_in_fresh_databases(index).await?;
        Ok(proof)
    }

    /// Crash points on engines that cannot roll DDL back: one fresh database per crash point.
    async fn crash_points_in_fresh_databases(&mut self, index: usize) -> Result<CrashPoints> {
        let migrations = self.migrations;
        let migration = &migrations[index];
        let points = migration.crash_points();
        let mut result = CrashPoints {
            possible: points.len(),
            ..CrashPoints::default()
        };
        for (tried, &k) in points.iter().enumerate() {
            if tried >= self.max_crash_points {
                result.unproven.push((
                    k,
                    format!("beyond --max-crash-points {}", self.max_crash_points),
                ));
                continue;
            }
            let (database, mut session) = match self.fresh_database(index, k).await? {
                Ok(fresh) => fresh,
                Err(why) => {
                    result.unproven.push((k, why));
                    continue;
                }
            };
            let retry = run_steps(&mut session, migration, 0..migration.steps.len()).await;
            session.close().await;
            database.drop_now().await?;
            match retry? {
                None => result.passed += 1,
                Some(failure) => result.failed.push(CrashFailure { after: k, failure }),
            }
        }
        Ok(result)
    }

    /// A new scratch database holding migrations `..index` and the first `steps` statements of
    /// migration `index`. The inner error says why the replay failed (it succeeded before, so
    /// this only happens with migrations that depend on something besides the schema).
    async fn fresh_database(
        &mut self,
        index: usize,
        steps: usize,
    ) -> Result<Result<(ScratchDatabase, Session), String>> {
        let database = ScratchDatabase::create(self.server).await?;
        self.created.push(database.name().to_string());
        let mut session = database.connect().await?;
        let prefix = self.migrations[..index]
            .iter()
            .map(|m| (m, m.steps.len()))
            .chain(self.migrations.get(index).map(|m| (m, steps)));
        for (migration, count) in prefix {
            if let Some(failure) = run_steps(&mut session, migration, 0..count).await? {
                session.close().await;
                database.drop_now().await?;
                return Ok(Err(format!(
                    "replaying {} line {} in a fresh database failed: {}",
                    migration.display_path(),
                    migration.line_of(failure.step),
                    failure.error
                )));
            }
        }
        Ok(Ok((database, session)))
    }
}

/// The proof of a migration that must not run on the dev server, if it is one.
fn refused(migration: &Migration) -> Option<MigrationProof> {
    let why = migration.refusal.as_ref()?;
    let mut proof = MigrationProof::not_run();
    proof.unproven.push(format!("it was not run: {why}"));
    Some(proof)
}

/// Runs the statements `range` of a migration; the first refusal, if any.
async fn run_steps(
    session: &mut Session,
    migration: &Migration,
    range: Range<usize>,
) -> Result<Option<StepFailure>> {
    for step in range {
        let Some(statement) = migration.steps.get(step) else {
            break;
        };
        if let Err(error) = session.run(&statement.sql).await? {
            return Ok(Some(StepFailure { step, error }));
        }
    }
    Ok(None)
}
