//! One reconcile run inside the read-only session: choose the tracker, read its records,
//! replay the migrations while the live catalog is read, compare, and build the report.

use super::db::{self, Engine, Session};
use super::trackers::table_name::{CatalogName, TrackerTable};
use super::trackers::{self, FoundTable, Home, NameCase, Tracker, UrlSettings};
use super::{
    expected, live, report, schema, status, ReconcileOptions, IGNORED_FILE, TRACKER_TABLE_MISSING,
};
use crate::diagnostics::{sort_findings, Finding};
use crate::error::{Error, Result};
use crate::output::Report;
use crate::sql::{parse_source, Dialect};
use serde_json::json;

pub(super) async fn run(
    session: &mut Session,
    options: &ReconcileOptions,
    explicit: Option<Box<dyn Tracker>>,
) -> Result<Report> {
    let engine = session.engine;
    let dir = &options.migrations_dir;
    let url = UrlSettings::parse(&options.database_url);
    let path = connection_path(session, &url).await?;
    // The reconciled schema unless the tool says otherwise (below): where the migrations'
    // unqualified objects land, the connection's current schema; Prisma's `schema=` (Prisma
    // runs with the search_path set to it).
    let (guess, source) = match &options.schema {
        Some(s) => (s.clone(), "check --schema or [migrations] schema"),
        None if engine == Engine::Postgres => match (&url.schema, &path.current) {
            (Some(s), _) => (s.clone(), "the URL's schema parameter"),
            (None, Some(current)) => (current.clone(), "the connection's current schema"),
            (None, None) => ("public".into(), "check --schema or [migrations] schema"),
        },
        None => (String::new(), "check --schema or [migrations] schema"),
    };
    let (mut schema, mut schema_name) = existing_schema(session, guess, source).await?;
    // The generic tracker's table and sqlx 0.9's (where the crate's sqlx.toml says) are named
    // as written in SQL: the connected server decides which table that is.
    let generic_table =
        trackers::generic::configured_table(&options.migrations, &options.config_path)?;
    let sqlx_table = trackers::sqlx::configured_table(dir)?;
    let (names, keep_table_case) = server_name_case(session).await?;
    let generic_table = generic_table.map(|t| t.on(names));
    let sqlx_table = sqlx_table.map(|t| t.on(names));
    let migrate_table = trackers::golang_migrate::url_table(&url, engine, names)?.map(|(t, _)| t);
    // A malformed Flyway configuration is the error when Flyway is the tracker (its
    // `discover`), and part of the error when auto-detection finds no tracker table: the table
    // or schema it configures was then not looked for. Another tool's project is not stopped by
    // a Flyway file (`~/flyway.toml`) that does not concern it.
    let (flyway, flyway_error) = match trackers::flyway_config::FlywayConfig::load(dir) {
        Ok(config) => (config, None),
        Err(e) => (Default::default(), Some(e)),
    };
    let flyway_table = flyway.table.as_ref().map(|t| CatalogName {
        schema: None,
        table: names.apply(&t.value, true),
    });
    let dbmate_table = trackers::dbmate::configured_table(names);
    let goose_table = trackers::goose::configured_table()?.map(|t| t.on(names));
    // `[migrations] tracker_table` / `--tracker-table`, as a tool that writes it unquoted (goose,
    // sqlx, refinery) and one that quotes it (dbmate, Flyway, golang-migrate) would name it.
    let setting = TrackerTable::of(&options.migrations, &options.config_path)?;
    let setting_tables: Vec<CatalogName> = setting
        .iter()
        .flat_map(|t| [t.name.on(names), t.kept_case(names)])
        .collect();
    let extra_tables: Vec<(Option<&str>, &str)> = generic_table
        .iter()
        .chain(&sqlx_table)
        .chain(&migrate_table)
        .chain(&flyway_table)
        .chain(&dbmate_table)
        .chain(&goose_table)
        .chain(&setting_tables)
        .map(|t| (t.schema.as_deref(), t.table.as_str()))
        .collect();
    let homes = possible_homes(engine, &url, &path, &flyway);
    let found = find_tracker_tables(session, &schema, &extra_tables, &homes).await?;

    let renamed: Vec<(&str, &str)> = sqlx_table
        .iter()
        .map(|t| ("sqlx", t.table.as_str()))
        .chain(
            migrate_table
                .iter()
                .map(|t| ("golang-migrate", t.table.as_str())),
        )
        .chain(flyway_table.iter().map(|t| ("flyway", t.table.as_str())))
        .chain(dbmate_table.iter().map(|t| ("dbmate", t.table.as_str())))
        .chain(goose_table.iter().map(|t| ("goose", t.table.as_str())))
        .chain(renamed_by_setting(&found, &setting_tables))
        .collect();
    let searched = match engine {
        Engine::Postgres => format!(
            "schema {schema} or the connection's search_path {}",
            path.setting
        ),
        _ if schema.is_empty() => "the database".to_string(),
        _ => format!("schema {schema}"),
    };
    let tracker = choose_tracker(
        explicit,
        &found,
        generic_table.as_ref(),
        &renamed,
        options,
        (&searched, flyway_error.as_ref()),
    )?;

    let mut timings = Timings::default();
    tracker.connected(names);
    tracker.read_url(&url, engine, names)?;
    let mut discovered = tracker.discover(dir)?;
    let lookup = match engine {
        Engine::Postgres => Lookup::postgres(tracker.home(&url), &path, &found, tracker.table().1),
        Engine::MySql { .. } => Lookup::ConnectedDatabase,
    };
    // A tool that runs its migrations in the schema it keeps its table in (Prisma's `schema=`,
    // Flyway's `defaultSchema`) has them land there.
    if let (
        None,
        Lookup::Schema {
            schema: s,
            why,
            objects: true,
            ..
        },
    ) = (&options.schema, &lookup)
    {
        if *s != schema {
            (schema, schema_name) = existing_schema(session, s.clone(), why).await?;
        }
    }
    let mut findings = Vec::new();
    // Atlas's checkpoints: every `.sql` file in name order, for its records (which files a
    // first revision leaves out) and for atlas.sum.
    let every: Option<Vec<crate::layout::MigrationFile>> = (!discovered.checkpoints.is_empty())
        .then(|| {
            let every = discovered.with_checkpoints().into_iter();
            every.map(|(file, _)| file.clone()).collect()
        });
    let mut files = std::mem::take(&mut discovered.files);
    let mut records = read_records(
        session,
        tracker.as_ref(),
        &found,
        (&schema, &lookup),
        every.as_deref().unwrap_or(&files),
        &mut findings,
    )
    .await?;
    if every.is_some() {
        // The run of a database that started at a checkpoint: its first revision is the
        // checkpoint's version (records before it are never made up: `Atlas::records`), or it
        // has no revision at all.
        discovered.files = files;
        discovered.start_at_checkpoint(records.iter().map(|r| &r.key).min());
        files = std::mem::take(&mut discovered.files);
    }
    // A Go or Rust migration's record: its file exists, it is just not SQL to replay.
    records.retain(|r| !discovered.unreplayable.iter().any(|u| u.key.same(&r.key)));
    // Flyway baseline migrations a record names are checked against it, after the replayed
    // files (they stand for versioned ones, so they are not replayed themselves).
    let replayed = files.len();
    // The others are not checked, but the tool still resolves them.
    let mut unchecked = Vec::new();
    for baseline in std::mem::take(&mut discovered.baselines) {
        if records
            .iter()
            .any(|r| r.baseline && r.key.same(&baseline.key))
        {
            let path = baseline.source.path.display().to_string();
            discovered.ignored.retain(|i| i.path != path);
            files.push(baseline);
        } else {
            unchecked.push(baseline);
        }
    }
    let sum_files = every.as_deref().unwrap_or(&files[..replayed]);
    let layout = layout_findings(tracker.as_ref(), &discovered, sum_files, dir);
    findings.splice(0..0, layout);
    let want_table = tracker.table();

    timings.lap("tracker");
    let dialect = options.dialect.unwrap_or_else(|| engine.dialect());
    let replay = Replay {
        dialect,
        schema: &schema,
        schema_name: &schema_name,
        keep_table_case,
        visible_types: &path.types,
        schemas: &path.all_schemas,
        user: path.user.as_deref(),
        runner: crate::runner::Runner::named(tracker.name())
            .unwrap_or(crate::runner::Runner::UNKNOWN)
            .declaring(options.migrations.apply_model),
    };
    let (expected, live) =
        replay_and_read(session, &files[..replayed], &replay, &mut timings).await?;

    let mut rows = status::evaluate(&status::Inputs {
        files: &files,
        records: &records,
        expected: &expected,
        live: &live,
        tracker: tracker.as_ref(),
    });
    status::baselines_in_version_order(&mut rows, &files);
    let resolved = [files.as_slice(), &unchecked].concat();
    let dynamic = report::dynamic_sql(&expected, &rows, &files, &live);
    let ctx = report::Context {
        files: &files,
        resolved: &resolved,
        tracker: tracker.as_ref(),
        engine,
        dir,
        dynamic: &dynamic,
    };
    findings.extend(report::findings(&rows, &ctx));
    let (want_schema, want_name) = want_table;
    let here = tracker_table_here(tracker.as_ref(), &schema_name, &lookup);
    let unmanaged = status::unmanaged(
        &expected,
        &live,
        (want_schema, here.then_some(want_name)),
        engine,
    );
    findings.extend(report::unmanaged_findings(&unmanaged, &dynamic));
    sort_findings(&mut findings);
    timings.lap("compare");

    let mut database = json!({
        "engine": dialect.name(),
        "schema": schema,
        "tracker": tracker.name(),
        "url": db::redact_url(&options.database_url),
        "objects": live.len(),
    });
    // Where the tracker table's name came from, when not the tool's default.
    if let Some(source) = tracker.table_source() {
        database["tracker_table"] = json!({
            "schema": want_schema,
            "table": want_name,
            "named_by": source,
        });
    }
    Ok(build_report(
        findings, &rows, &files, database, timings, &unmanaged,
    ))
}

/// The files the tool would not run (RC113), and the directory's own findings (atlas.sum).
fn layout_findings(
    tracker: &dyn Tracker,
    discovered: &crate::layout::Discovered,
    files: &[crate::layout::MigrationFile],
    dir: &std::path::Path,
) -> Vec<Finding> {
    let mut findings: Vec<Finding> = Vec::new();
    for ignored in &discovered.ignored {
        let mut f = Finding::for_rule(
            &IGNORED_FILE,
            format!("not a {} migration: {}", tracker.name(), ignored.reason),
        );
        f.location.path = Some(ignored.path.clone());
        findings.push(f);
    }
    for migration in &discovered.unreplayable {
        let mut f = Finding::for_rule(
            &IGNORED_FILE,
            format!(
                "{} runs this file, {}, which reconcile cannot replay; its record is left unchecked",
                tracker.name(),
                migration.kind
            ),
        );
        f.location.path = Some(migration.path.clone());
        findings.push(f);
    }
    findings.extend(tracker.directory_findings(dir, files));
    findings
}

/// The expected schema, replayed on a blocking thread while the server reads its live catalog.
/// How the files are replayed and the catalog read.
struct Replay<'a> {
    dialect: Dialect,
    /// As the catalog queries use it (empty: MySQL's `DATABASE()`).
    schema: &'a str,
    /// By name: a migration may qualify its tables with the database it runs in (`app.users`),
    /// which the replay must tell from another.
    schema_name: &'a str,
    /// Both sides key tables as stored, where the server tells `Foo` from `foo`.
    keep_table_case: bool,
    /// PostgreSQL: the types the connection's search_path finds ([`ConnectionPath::types`]).
    visible_types: &'a str,
    /// PostgreSQL: the database's schemas ([`ConnectionPath::all_schemas`]).
    schemas: &'a str,
    /// PostgreSQL: the connection's role, which `$user` in a search_path names.
    user: Option<&'a str>,
    /// The tool that applied the files: whether it ran each in a transaction.
    runner: crate::runner::Runner,
}

async fn replay_and_read(
    session: &mut Session,
    files: &[crate::layout::MigrationFile],
    replay: &Replay<'_>,
    timings: &mut Timings,
) -> Result<(expected::Expected, schema::Schema)> {
    // What the server creates decides the model: a MariaDB server is modelled as MariaDB even
    // when the files are written for MySQL.
    let model_engine = match session.engine {
        Engine::Postgres => expected::Engine::Postgres,
        Engine::MySql { mariadb: true } => expected::Engine::MariaDb,
        Engine::MySql { mariadb: false } => expected::Engine::MySql,
    };
    let keep_table_case = replay.keep_table_case;
    let dialect = replay.dialect;
    // How the connection's search_path resolves an unqualified routine argument type.
    let visible_types = live::postgres::visible_types(replay.visible_types, replay.schema)?;
    let server = expected::Server {
        visible_types,
        schemas: live::postgres::schema_names(replay.schemas)?,
        user: replay.user.map(str::to_string),
    };
    let runner = replay.runner;
    let model = {
        let files = files.to_vec();
        let schema = replay.schema_name.to_string();
        tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            (
                expected_schema(
                    &files,
                    dialect,
                    model_engine,
                    &schema,
                    keep_table_case,
                    server,
                    runner,
                ),
                started.elapsed(),
            )
        })
    };
    let live = live::read(session, replay.schema, keep_table_case).await?;
    timings.lap("live_catalog");
    let (expected, replay_time) = model
        .await
        .map_err(|e| Error::Other(format!("replaying the migrations failed: {e}")))?;
    timings.record("parse_and_replay", replay_time);
    timings.lap("waiting_for_replay");
    Ok((expected, live))
}

/// Everything reconcile found, as a report.
fn build_report(
    findings: Vec<Finding>,
    rows: &[status::MigrationStatus],
    files: &[crate::layout::MigrationFile],
    database: serde_json::Value,
    timings: Timings,
    unmanaged: &[schema::ObjectId],
) -> Report {
    let mut out = Report::new("reconcile");
    for f in files {
        out.add_source(&f.source);
    }
    out.files_checked = files.len();
    out.findings = findings;
    out.tables.push(report::table(rows, files));
    out.json_extra
        .insert("migrations".into(), report::json(rows, files));
    out.json_extra.insert("database".into(), database);
    out.json_extra
        .insert("timings_ms".into(), json!(timings.laps));
    out.json_extra.insert(
        "unmanaged".into(),
        json!(unmanaged
            .iter()
            .map(|id| id.to_string())
            .collect::<Vec<_>>()),
    );
    out
}

/// The tracker `--tracker` names, or the one the tables present (and the directory layout)
/// point at.
fn choose_tracker(
    explicit: Option<Box<dyn Tracker>>,
    found: &[FoundTable],
    generic_table: Option<&CatalogName>,
    renamed: &[(&str, &str)],
    options: &ReconcileOptions,
    (searched, flyway_error): (&str, Option<&Error>),
) -> Result<Box<dyn Tracker>> {
    let dir = &options.migrations_dir;
    Ok(match explicit {
        Some(t) => t,
        None => {
            // A configured generic table that exists is the most specific answer; one that
            // names its schema exists only there.
            let generic_found = generic_table.is_some_and(|g| {
                found
                    .iter()
                    .any(|f| f.table == g.table && g.schema.as_ref().is_none_or(|s| &f.schema == s))
            });
            let candidates = if generic_found {
                vec!["generic"]
            } else {
                trackers::detect_candidates(found, dir, renamed)
            };
            match candidates.as_slice() {
                // Flyway's table under the name or in the schema its unread configuration sets
                // would have been found too, and won by the directory's layout.
                [one]
                    if *one != "flyway"
                        && trackers::layout_matches("flyway", dir, &Default::default()) =>
                {
                    if let Some(e) = flyway_error {
                        return Err(Error::Usage(format!(
                            "{one}'s table was found, but the migrations are laid out as Flyway's and the Flyway configuration could not be read, so a table or schema it sets was not looked for: {e}; fix it, or pass --tracker {one}"
                        )));
                    }
                    trackers::by_name(one, &options.migrations, &options.config_path)?
                }
                [one] => trackers::by_name(one, &options.migrations, &options.config_path)?,
                [] if options.migrations.generic_tracker.is_some() => {
                    trackers::by_name("generic", &options.migrations, &options.config_path)?
                }
                [] => {
                    let flyway = flyway_error
                        .map(|e| format!("; the Flyway configuration could not be read, so a table or schema it sets was not looked for: {e}"))
                        .unwrap_or_default();
                    return Err(Error::Database(format!(
                        "no migration tracker table in {searched}: looked for {}; pass --tracker NAME, check --schema and the URL's search_path, or describe your own table in [migrations.generic_tracker]{flyway}",
                        trackers::tracker_tables().join(", ")
                    )));
                }
                many => {
                    return Err(Error::Usage(format!(
                        "tables of several trackers exist ({}); pass --tracker NAME",
                        many.join(", ")
                    )))
                }
            }
        }
    })
}

/// `(tracker, table)` for each found table `tracker_table` names (`setting`, as each tool would
/// resolve it) whose columns are that tool's: auto-detection then takes it for that tool's
/// table, as it does a table the tool's own configuration renames.
fn renamed_by_setting<'a>(
    found: &'a [FoundTable],
    setting: &[CatalogName],
) -> Vec<(&'static str, &'a str)> {
    let mut out = Vec::new();
    for f in found.iter().filter(|f| {
        setting.iter().any(|s| {
            s.table == f.table && s.schema.as_ref().is_none_or(|schema| *schema == f.schema)
        })
    }) {
        let has = |c: &str| f.columns.iter().any(|have| have == c);
        let all = |cs: &[&str]| cs.iter().all(|c| has(c));
        let tools: [(&'static str, bool); 6] = [
            (
                "sqlx",
                all(&[
                    "version",
                    "description",
                    "installed_on",
                    "success",
                    "checksum",
                    "execution_time",
                ]) && !has("installed_rank"),
            ),
            (
                "flyway",
                all(&["installed_rank", "version", "script", "success"]),
            ),
            ("golang-migrate", all(&["version", "dirty"])),
            ("goose", all(&["version_id", "is_applied"])),
            ("dbmate", f.columns.len() == 1 && has("version")),
            (
                "refinery",
                all(&["version", "name", "applied_on", "checksum"]),
            ),
        ];
        out.extend(
            tools
                .iter()
                .filter(|(_, matches)| *matches)
                .map(|(tool, _)| (*tool, f.table.as_str())),
        );
    }
    out
}

/// The tracker's records, or none (and a finding) when its table does not exist where the
/// tool keeps it.
async fn read_records(
    session: &mut Session,
    tracker: &dyn Tracker,
    found: &[FoundTable],
    (schema, lookup): (&str, &Lookup),
    files: &[crate::layout::MigrationFile],
    findings: &mut Vec<Finding>,
) -> Result<Vec<trackers::Record>> {
    let engine = session.engine;
    let (want_schema, want_table) = tracker.table();
    let pinned = tracker.pinned_table().zip(want_schema);
    let location = found.iter().find(|f| {
        f.table == want_table
            && match (pinned, lookup) {
                (Some((_, pinned_schema)), _) => f.schema == pinned_schema,
                (None, Lookup::Schema { schema: home, .. }) => &f.schema == home,
                (None, Lookup::NoCurrentSchema { .. }) => false,
                (None, Lookup::ConnectedDatabase) => {
                    want_schema.is_none_or(|s| s == f.schema)
                        || f.schema == schema
                        || schema.is_empty()
                }
            }
    });
    Ok(match location {
        Some(t) => {
            let qualified = qualify(engine, &t.schema, &t.table, schema);
            let rows = session
                .query(&tracker.query(engine, &qualified), &[])
                .await?;
            tracker.records(rows, files)?
        }
        None => {
            let kind = if engine == Engine::Postgres {
                "schema"
            } else {
                "database"
            };
            let (table, place) = match (pinned, lookup) {
                (Some((written, in_schema)), _) => (written, format!("in {kind} {in_schema}")),
                (None, Lookup::Schema { schema, why, .. }) => {
                    (want_table, format!("in schema {schema} ({why})"))
                }
                (None, Lookup::NoCurrentSchema { setting }) => (
                    want_table,
                    format!("in the connection's current schema: no schema of its search_path {setting} exists"),
                ),
                (None, Lookup::ConnectedDatabase) => (want_table, "here".to_string()),
            };
            // A table of that name elsewhere is not the one the tool reads.
            let elsewhere: Vec<&str> = found
                .iter()
                .filter(|f| f.table == want_table && pinned.is_none())
                .filter(|_| !matches!(lookup, Lookup::ConnectedDatabase))
                .map(|f| f.schema.as_str())
                .collect();
            let tool = tracker.name();
            let elsewhere = match (elsewhere.as_slice(), lookup) {
                ([], _) => String::new(),
                (
                    [first, ..],
                    Lookup::Schema {
                        by_search_path: true,
                        ..
                    }
                    | Lookup::NoCurrentSchema { .. },
                ) => format!(
                    " (a {want_table} exists in schema {}, which {tool} does not read through this connection; if {tool} runs with another search_path, from its URL or its role (ALTER ROLE … SET search_path), give reconcile the same, e.g. ?options=-csearch_path%3D{first})",
                    elsewhere.join(", "),
                ),
                (schemas, _) => format!(
                    " (a {want_table} exists in schema {}, which {tool} does not read)",
                    schemas.join(", "),
                ),
            };
            let named_by = tracker.table_source().map_or(String::new(), |source| {
                format!("; {source} names the table")
            });
            findings.push(
                Finding::for_rule(&TRACKER_TABLE_MISSING,
                    format!(
                        "{} keeps its records in {table}, which does not exist {place}{elsewhere}; every migration counts as unrecorded{named_by}",
                        tracker.name()
                    ),
                )
                .with_subject(table.to_string()),
            );
            Vec::new()
        }
    })
}

/// Where the chosen tool's table is on this connection.
enum Lookup {
    /// MySQL/MariaDB: the connected (or `--schema`) database, and Atlas's own.
    ConnectedDatabase,
    /// PostgreSQL: this schema, and why the tool keeps it there; `objects`: the tool runs the
    /// migrations there too.
    Schema {
        schema: String,
        why: String,
        objects: bool,
        /// Decided by the connection's search_path (not by a URL parameter or setting).
        by_search_path: bool,
    },
    /// PostgreSQL: the tool keeps it in the current schema, and no schema of the connection's
    /// search_path (`setting`) exists.
    NoCurrentSchema { setting: String },
}

impl Lookup {
    /// The schema the tool keeps `table` in, given where it says (`home`) and the connection's
    /// search_path.
    fn postgres(home: Home, path: &ConnectionPath, found: &[FoundTable], table: &str) -> Lookup {
        let setting = &path.setting;
        match home {
            Home::Named {
                schema,
                why,
                objects,
            } => Lookup::Schema {
                schema,
                why,
                objects,
                by_search_path: false,
            },
            Home::SearchPath => {
                let has = |s: &String| found.iter().any(|f| &f.schema == s && f.table == table);
                match path.schemas.iter().find(|s| has(s)) {
                    Some(s) => Lookup::Schema {
                        schema: s.clone(),
                        why: format!("the first schema of the connection's search_path {setting} that has it"),
                        objects: false,
                        by_search_path: true,
                    },
                    None => match &path.current {
                        Some(current) => Lookup::Schema {
                            schema: current.clone(),
                            why: format!("no schema of the connection's search_path {setting} has it; it would be created in the current schema"),
                            objects: false,
                            by_search_path: true,
                        },
                        None => Lookup::NoCurrentSchema {
                            setting: setting.clone(),
                        },
                    },
                }
            }
            Home::CurrentSchema => match &path.current {
                Some(current) => Lookup::Schema {
                    schema: current.clone(),
                    why: format!("the connection's current schema, the first existing schema of its search_path {setting}"),
                    objects: false,
                    by_search_path: true,
                },
                None => Lookup::NoCurrentSchema {
                    setting: setting.clone(),
                },
            },
        }
    }
}

/// Whether the tracker's table is one of the reconciled schema's (`schema_name`): where the
/// tool keeps it on this connection (PostgreSQL) or always (MySQL), unless the tracker pins it
/// in a schema (`other.migrations`); then only when that schema is the reconciled one, and a
/// table of that name here is just a table.
fn tracker_table_here(tracker: &dyn Tracker, schema_name: &str, lookup: &Lookup) -> bool {
    match (tracker.pinned_table(), tracker.table(), lookup) {
        (Some(_), (Some(pinned), _), _) => pinned == schema_name,
        (_, _, Lookup::Schema { schema, .. }) => schema == schema_name,
        (_, _, Lookup::NoCurrentSchema { .. }) => false,
        _ => true,
    }
}

/// Parses every file and replays it on the model catalog.
fn expected_schema(
    files: &[crate::layout::MigrationFile],
    dialect: Dialect,
    engine: expected::Engine,
    schema: &str,
    keep_table_case: bool,
    server: expected::Server,
    runner: crate::runner::Runner,
) -> expected::Expected {
    let parsed: Vec<_> = files
        .iter()
        .map(|f| parse_source(&f.source, dialect))
        .collect();
    let migrations: Vec<expected::Migration<'_>> = parsed
        .iter()
        .zip(files)
        .map(|(p, f)| expected::Migration {
            parsed: p,
            up: f.up.clone(),
            in_transaction: runner.model(dialect, &f.source).model
                == crate::runner::ApplyModel::FileTransaction,
        })
        .collect();
    expected::replay_on(&migrations, engine, schema, keep_table_case, server)
}

/// Wall time per phase, for `timings_ms` in the JSON report (the benchmark reads it).
struct Timings {
    last: std::time::Instant,
    laps: serde_json::Map<String, serde_json::Value>,
}

impl Default for Timings {
    fn default() -> Self {
        Timings {
            last: std::time::Instant::now(),
            laps: serde_json::Map::new(),
        }
    }
}

impl Timings {
    fn record(&mut self, phase: &str, took: std::time::Duration) {
        self.laps
            .insert(phase.into(), json!(took.as_millis() as u64));
    }

    fn lap(&mut self, phase: &str) {
        let now = std::time::Instant::now();
        self.laps
            .insert(phase.into(), json!((now - self.last).as_millis() as u64));
        self.last = now;
    }
}

/// The schema (PostgreSQL) or database (MySQL) to reconcile, which must exist: a mistyped
/// `--schema` would otherwise read as an empty database where every migration is pending.
/// Returns it as the queries use it (empty on MySQL without `--schema`: the URL's, kept
/// implicit as `DATABASE()`) and by name.
async fn existing_schema(
    session: &mut Session,
    schema: String,
    source: &str,
) -> Result<(String, String)> {
    let (sql, binds): (&str, Vec<&str>) = match session.engine {
        Engine::Postgres => (
            "SELECT nspname::text FROM pg_namespace WHERE nspname = $1",
            vec![&schema],
        ),
        Engine::MySql { .. } if schema.is_empty() => ("SELECT DATABASE()", vec![]),
        Engine::MySql { .. } => (
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name = ?",
            vec![&schema],
        ),
    };
    let rows = session.query(sql, &binds).await?;
    match rows.first().and_then(|r| r.first().cloned().flatten()) {
        // MySQL without --schema: the URL's database, kept implicit (DATABASE()) in the queries.
        Some(found) if schema.is_empty() => Ok((schema, found)),
        Some(found) => Ok((found.clone(), found)),
        None if schema.is_empty() => Err(Error::Usage(
            "the database URL names no database; add it to the URL or pass --schema NAME".into(),
        )),
        None => Err(Error::Usage(format!(
            "{schema} does not exist {} ({source})",
            if session.engine == Engine::Postgres {
                "as a schema in this database"
            } else {
                "as a database on this server"
            }
        ))),
    }
}

/// How the server spells a name a tool writes into its SQL unquoted (PostgreSQL folds it to
/// lower case; MySQL/MariaDB keep it unless `lower_case_table_names` is 1), and whether it
/// tells `Foo` from `foo` (MySQL/MariaDB with `lower_case_table_names` 0), so that the live
/// catalog and the replay key tables alike. One read of the setting.
async fn server_name_case(session: &mut Session) -> Result<(NameCase, bool)> {
    Ok(match session.engine {
        Engine::Postgres => (NameCase::FoldUnquoted, false),
        Engine::MySql { .. } => {
            // The setting is an integer, which the text row reader would turn into NULL.
            let rows = session
                .query("SELECT CAST(@@lower_case_table_names AS CHAR)", &[])
                .await?;
            let setting = rows.first().map_or(String::new(), |r| live::cell(r, 0));
            (NameCase::mysql(&setting), setting.trim() == "0")
        }
    })
}

fn qualify(engine: Engine, table_schema: &str, table: &str, reconciled: &str) -> String {
    let t = trackers::quote_ident(engine, table);
    if table_schema.is_empty() || (table_schema == reconciled && engine != Engine::Postgres) {
        t
    } else {
        format!("{}.{t}", trackers::quote_ident(engine, table_schema))
    }
}

/// Every tracker table present (in the reconciled schema, Atlas's own schema, where a
/// configured table says: the generic tracker's, sqlx.toml's, or where a tool may keep it on
/// this connection: `homes`), with its column names. One query. `extra` are the configured
/// tables as `(schema, table)`.
async fn find_tracker_tables(
    session: &mut Session,
    schema: &str,
    extra: &[(Option<&str>, &str)],
    homes: &[String],
) -> Result<Vec<FoundTable>> {
    let mut names: Vec<String> = trackers::tracker_tables()
        .iter()
        .map(|t| trackers::literal(t))
        .collect();
    let mut schemas = vec![trackers::literal("atlas_schema_revisions")];
    schemas.extend(homes.iter().map(|s| trackers::literal(s)));
    for (s, t) in extra {
        names.push(trackers::literal(t));
        if let Some(s) = s {
            schemas.push(trackers::literal(s));
        }
    }
    let (scope, binds): (String, Vec<&str>) = match session.engine {
        Engine::Postgres => (
            format!(
                "(table_schema = $1 OR table_schema IN ({}))",
                schemas.join(", ")
            ),
            vec![schema],
        ),
        Engine::MySql { .. } if schema.is_empty() => (
            format!(
                "(table_schema = DATABASE() OR table_schema IN ({}))",
                schemas.join(", ")
            ),
            vec![],
        ),
        Engine::MySql { .. } => (
            format!(
                "(table_schema = ? OR table_schema IN ({}))",
                schemas.join(", ")
            ),
            vec![schema],
        ),
    };
    // PostgreSQL's information_schema hides tables the user may not read; pg_catalog does
    // not, so a tracker table without SELECT is found and its read fails with a clear error.
    let sql = match session.engine {
        Engine::Postgres => format!(
            "SELECT n.nspname::text, c.relname::text, string_agg(a.attname::text, ',') \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
             WHERE c.relkind IN ('r', 'p', 'v') AND c.relname IN ({}) AND {} \
             GROUP BY n.nspname, c.relname",
            names.join(", "),
            scope.replace("table_schema", "n.nspname")
        ),
        // information_schema compares and groups names case-insensitively, even where the
        // server keeps `Migrations` and `migrations` apart (lower_case_table_names 0): one row
        // per column, grouped here by the names as stored.
        Engine::MySql { .. } => format!(
            "SELECT table_schema, table_name, column_name \
             FROM information_schema.columns WHERE table_name IN ({}) AND {scope} \
             ORDER BY table_schema, table_name, ordinal_position",
            names.join(", ")
        ),
    };
    let rows = session.query(&sql, &binds).await?;
    let mut found: Vec<FoundTable> = Vec::new();
    for r in &rows {
        let (schema, table) = (live::cell(r, 0), live::cell(r, 1));
        let cells = live::cell(r, 2);
        let columns = cells.split(',').map(|c| c.to_lowercase());
        match found
            .iter_mut()
            .find(|f| f.schema == schema && f.table == table)
        {
            Some(f) => f.columns.extend(columns),
            None => found.push(FoundTable {
                schema,
                table,
                columns: columns.collect(),
            }),
        }
    }
    // The reconciled schema's own tables first.
    found.sort_by_key(|f| f.schema != schema);
    Ok(found)
}

/// The connection's search_path on PostgreSQL: the setting as `SHOW search_path` prints it,
/// its existing schemas in order (`current_schemas(false)`) and the first of them
/// (`current_schema()`, None when none exists).
#[derive(Debug, Default)]
struct ConnectionPath {
    setting: String,
    schemas: Vec<String>,
    current: Option<String>,
    /// The types an unqualified name finds ([`live::postgres::VISIBLE_TYPES`], JSON).
    types: String,
    /// The database's schemas ([`live::postgres::SCHEMA_NAMES`], JSON).
    all_schemas: String,
    /// The connection's role (`current_user`).
    user: Option<String>,
}

/// Sets the URL's `search_path` parameter for the session, as lib/pq and pgx send it (the Go
/// tools' drivers pass an unknown URL parameter to the server as a run-time setting; sqlx
/// ignores it, and `options=-csearch_path=…` it applies itself), then reads the search_path.
/// MySQL/MariaDB have none.
async fn connection_path(session: &mut Session, url: &UrlSettings) -> Result<ConnectionPath> {
    if session.engine != Engine::Postgres {
        return Ok(ConnectionPath::default());
    }
    if let Some(search_path) = &url.search_path {
        session.set_local("search_path", search_path).await?;
    }
    // The visible types once, on the first row.
    let query = format!(
        "SELECT current_setting('search_path'), current_schema()::text, t.s::text, \
         CASE WHEN coalesce(t.i, 1) = 1 THEN {} END, \
         CASE WHEN coalesce(t.i, 1) = 1 THEN {} END, current_user::text \
         FROM (SELECT 1) AS one LEFT JOIN LATERAL unnest(current_schemas(false)) \
         WITH ORDINALITY AS t(s, i) ON true ORDER BY t.i",
        live::postgres::VISIBLE_TYPES,
        live::postgres::SCHEMA_NAMES,
    );
    let rows = session.query(&query, &[]).await?;
    let mut path = ConnectionPath::default();
    for row in &rows {
        path.setting = live::cell(row, 0);
        path.current = row.get(1).cloned().flatten();
        if let Some(Some(s)) = row.get(2) {
            path.schemas.push(s.clone());
        }
        if let Some(Some(types)) = row.get(3) {
            path.types = types.clone();
        }
        if let Some(Some(schemas)) = row.get(4) {
            path.all_schemas = schemas.clone();
        }
        path.user = row.get(5).cloned().flatten();
    }
    Ok(path)
}

/// The schemas where one of the tools may keep its table on this connection, beyond the
/// reconciled schema: the search_path's, the URL's (Prisma's `schema=`, dbmate's and Atlas's
/// `search_path=`), Flyway's configured schema. Auto-detection looks there.
fn possible_homes(
    engine: Engine,
    url: &UrlSettings,
    path: &ConnectionPath,
    flyway: &trackers::flyway_config::FlywayConfig,
) -> Vec<String> {
    if engine != Engine::Postgres {
        return Vec::new();
    }
    let mut homes: Vec<String> = path.schemas.clone();
    homes.extend(url.schema.clone());
    homes.extend(url.search_path.clone());
    homes.extend(url.first_search_path_schema().map(str::to_string));
    homes.extend(flyway.history_schema().map(|s| s.value.clone()));
    homes.sort();
    homes.dedup();
    homes
}
