#!/usr/bin/env python3
"""Real-world benchmark of truth: what the database does on a retry, against what lint and fix say.

For each corpus project that applies cleanly on the local PostgreSQL / MariaDB, the up-migrations
are applied in order to a fresh database. Right after each file applied, the file is run again
(the incident's retry): under a transactional runner only the full re-run can happen (a crash
rolls the file back); under a non-transactional one, every crash point can (statements 0..k-1
applied, then the whole file again), for every k. A statement that errors in any of those
retries is a *retry failure*.

Statements are split by the database clients themselves: `psql` reports the line where a failing
statement ends, `mariadb --force` the line where it starts; a small splitter in this script (quotes,
dollar quotes, comments) gives each statement's line span. preflight is not used to split.

Then per project:
  * recall    = retry failures with a retry-rule finding (PF1xx/PF2xx, error or warning) on their
                lines / retry failures
  * precision = statements with an error-level retry-rule finding that fail on a retry / those
                statements (lock rules, PF3xx/PF4xx, say nothing about a retry and do not count)
  * fix       = `preflight fix --unsafe-fixes` on a copy; the fixed files are applied the same way:
                a fixed file that fails its *first* apply is a breakage, and fixed statements that
                still fail on a retry are counted ("left failing").

Usage: bench/realworld.py [--bin target/release/preflight] [--only NAME,...] [--engine pg|maria|all]
                          [--cache DIR] [--no-fix] [--details FILE] [--json FILE]
Needs: psql and mariadb clients; PostgreSQL at 127.0.0.1:5432 (user postgres, trust), MariaDB at
127.0.0.1:3306 (root, no password); the corpus at ../shared/corpus (or $PREFLIGHT_CORPUS).
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from realworld_runners import (DieselLemmy, DieselVaultwardenMysql, Jisql,  # noqa: E402
                               JisqlMysql, LemmyReplaceable, PopxMysql, Runner, WholeFileMulti,
                               ranger_patch_order)

CORPUS = Path(os.environ.get("PREFLIGHT_CORPUS", "/work/shared/corpus"))
PG = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-X", "-q", "-v", "VERBOSITY=terse"]
MARIA = ["mariadb", "-h", "127.0.0.1", "-u", "root"]
# MariaDB retries: reset the shadow copy table by table (`MariaDb.reset_shadow`) instead of
# restoring the whole dump before every crash point; PREFLIGHT_FULL_RESTORE=1 turns it off.
FAST_RESET = os.environ.get("PREFLIGHT_FULL_RESTORE") != "1"
# PostgreSQL retries at every crash point: one session per file, the prefixes built up
# statement by statement with each retry in a savepoint (`Postgres.retry_errors_batched`);
# PREFLIGHT_PER_POINT=1 runs each crash point in its own session, each prefix from scratch.
BATCHED = os.environ.get("PREFLIGHT_PER_POINT") != "1"


def version_key(path: Path):
    """Sort key: runs of digits compared as numbers (V1_10_0 after V1_9_0, v1.10 after v1.9)."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", str(path))]


def files(base, pattern, key=None):
    return sorted((CORPUS / base).glob(pattern), key=key or version_key)


POPX_NAME = re.compile(r"^(\d+)_([^.]+)(\.(?!autocommit\.)[a-z0-9]+)?(\.autocommit)?\.up\.sql$")


# The file-name spellings popx accepts for a dialect: its `ParseMigrationFilename` (popx/match.go)
# canonicalises the infix with pop's `CanonicalDialect`, whose synonyms are registered by pop's
# dialect files: postgres <- postgresql, pg, pgx (dialect_postgresql.go); mysql has none
# (dialect_mysql.go registers only "mysql").
POPX_SPELLINGS = {"postgres": ("postgres", "postgresql", "pg", "pgx"), "mysql": ("mysql",)}


def popx_up(base, dialect="postgres"):
    """The up files ory/x popx runs on `dialect`, in its order. popx/match.go parses
    `VERSION_NAME[.DIALECT][.autocommit].up.sql` (no dialect: "all"; `NAME.autocommit.up.sql` is
    "all" + autocommit, match_test.go); popx/migration_info.go `SortAndFilter` keeps a version's
    "all" file only when that version has no file for the dialect, and sorts by version."""
    by_version = {}
    for path in (CORPUS / base).glob("*.up.sql"):
        m = POPX_NAME.match(path.name)
        if not m:
            continue
        infix = (m.group(3) or ".all")[1:]
        if infix == "all" or infix in POPX_SPELLINGS[dialect]:
            kind = "all" if infix == "all" else dialect
            by_version.setdefault(m.group(1), {}).setdefault(kind, []).append(path)
    out = []
    for version in sorted(by_version, key=int):
        kinds = by_version[version]
        out += sorted(kinds.get(dialect) or kinds["all"])
    return out


def synapse_postgres():
    """The files synapse/storage/prepare_database.py runs on a fresh PostgreSQL database
    (data stores "main" and "state" on one database): `_setup_new_database` runs the highest
    full schema (common, then each store; entries sorted by file name, then path), then
    `_upgrade_existing_database` runs each later version's deltas from common/, main/ and state/
    together, sorted by file name; `.sql` and `.sql.postgres` only (its Python deltas are not in
    the corpus)."""
    root = CORPUS / "element-hq__synapse/synapse/storage/schema"
    stores = ["common", "main", "state"]

    def runnable(dirs):
        entries = sorted((p.name, p) for d in dirs if d.is_dir() for p in d.iterdir()
                         if p.name.endswith((".sql", ".sql.postgres")))
        return [p for _, p in entries]

    full = max(int(v.name) for v in (root / "common/full_schemas").iterdir() if v.name.isdigit())
    out = runnable([root / s / "full_schemas" / str(full) for s in stores])
    versions = sorted({int(v.name) for s in stores if (root / s / "delta").is_dir()
                       for v in (root / s / "delta").iterdir() if v.name.isdigit()})
    for v in versions:
        if v > full:
            out += runnable([root / s / "delta" / str(v) for s in stores])
    return out


class TransactionPerFileExcept:
    """A runner that applies each file in a transaction except the files it is told to run
    without one (popx: `.autocommit.` in the name): those are replayed at every crash point,
    and linted and fixed with `--apply-model statement-by-statement`. True as a whole (the
    project's model), so callers that only read a bool see "transaction per file"."""

    def __init__(self, marker):
        self.marker = marker

    def __bool__(self):
        return True

    def __str__(self):
        return f"True-except-{self.marker}"  # the cache key: stable across runs

    def in_transaction(self, path: Path) -> bool:
        return self.marker not in path.name


def in_transaction(transactional, path: Path) -> bool:
    """Whether the runner applies `path` in a transaction."""
    if isinstance(transactional, TransactionPerFileExcept):
        return transactional.in_transaction(path)
    return bool(transactional)


# name, engine, tracker (preflight name), transactional apply model, files.
# Transactional: Diesel runs each migration in a transaction (diesel_migrations
# `run_migration` wraps it in `conn.transaction`); Flyway on PostgreSQL runs each script in a
# transaction by default; Prisma sends the script as one simple-query message, which PostgreSQL
# runs as one implicit transaction; authelia applies each migration inside a transaction.
# temporal-sql-tool runs statement by statement with no transaction. On MariaDB every DDL
# statement commits implicitly, so every runner is non-transactional there.
def projects():
    uaa = "cloudfoundry__uaa/server/src/main/resources/org/cloudfoundry/identity/uaa/db"
    temporal = "temporalio__temporal/schema"
    lemmy = files("LemmyNet__lemmy/migrations", "*/up.sql")
    ranger = CORPUS / "apache__ranger/security-admin/db/postgres"
    ranger_my = CORPUS / "apache__ranger/security-admin/db/mysql"
    return [
        ("vaultwarden", "pg", "diesel", True,
         files("dani-garcia__vaultwarden/migrations/postgresql", "*/up.sql")),
        ("authelia", "pg", "generic", True,
         files("authelia__authelia/internal/storage/migrations/postgres", "V*.up.sql")),
        ("documenso", "pg", "prisma", True,
         files("documenso__documenso/packages/prisma/migrations", "*/migration.sql")),
        ("uaa", "pg", "flyway", True, files(f"{uaa}/postgresql", "V*.sql")),
        ("lemmy", "pg", "diesel", DieselLemmy(), lemmy),
        ("temporal", "pg", "generic", False,
         files(f"{temporal}/postgresql/v12/temporal/versioned", "v*/*.sql")),
        # popx (ory/x): each migration in its own transaction (popx/migrator.go `UpTo` ->
        # `isolatedTransaction`), except `.autocommit.` files, which run without one.
        ("kratos", "pg", "generic", TransactionPerFileExcept(".autocommit."),
         popx_up("ory__kratos/persistence/sql/migrations/sql")),
        ("hydra", "pg", "generic", TransactionPerFileExcept(".autocommit."),
         popx_up("ory__hydra/persistence/sql/migrations")),
        # temporal-sql-tool `setup-schema` (the base schema.sql of each database) and
        # `update-schema` (visibility/versioned): statement by statement, as above.
        ("temporal-base", "pg", "generic", False,
         files(f"{temporal}/postgresql/v12/temporal", "schema.sql")),
        ("temporal-visibility-base", "pg", "generic", False,
         files(f"{temporal}/postgresql/v12/visibility", "schema.sql")),
        ("temporal-visibility", "pg", "generic", False,
         files(f"{temporal}/postgresql/v12/visibility/versioned", "v*/*.sql")),
        # synapse: its PostgreSQL engine runs each schema file as `COMMIT; BEGIN TRANSACTION;
        # {script}` (synapse/storage/engines/postgres.py `executescript`), and prepare_database
        # records the delta in that transaction: a transaction per file.
        ("synapse", "pg", "generic", True, synapse_postgres()),
        # lemmy's replaceable schema: after lemmy's migrations, `DROP SCHEMA r CASCADE`, then
        # `CREATE SCHEMA r;` + utils.sql + triggers.sql in one transaction, on every start
        # (realworld_runners.LemmyReplaceable).
        ("lemmy-replaceable", "pg", "generic", LemmyReplaceable(lemmy),
         [CORPUS / "LemmyNet__lemmy/crates/diesel_utils/replaceable_schema" / f
          for f in ("utils.sql", "triggers.sql")]),
        # apache ranger's db_setup.py through jisql (realworld_runners.Jisql). A fresh install
        # runs the version catalog and the current core schema, which records every patch as
        # applied, so no patch runs (`import_core_db_schema`, `hasPendingPatches`).
        ("ranger", "pg", "generic", Jisql(),
         [ranger / "create_dbversion_catalog.sql",
          ranger / "optimized/current/ranger_core_db_postgres.sql"]),
        # An installation made by an older ranger, whose core schema was xa_core_db_postgres.sql
        # (the file it kept), upgraded: db_setup.py finds CORE_DB_SCHEMA and runs the patches
        # it has no version row for, in its order (`apply_patches`).
        ("ranger-upgrade", "pg", "generic", Jisql(),
         [ranger / "create_dbversion_catalog.sql", ranger / "xa_core_db_postgres.sql"]
         + ranger_patch_order(ranger / "patches")),
        # ranger KMS's kms/scripts/db_setup.py (`import_db_file`): the same jisql.
        ("ranger-kms", "pg", "generic", Jisql(),
         [CORPUS / "apache__ranger/kms/scripts/db/postgres/kms_core_db_postgres.sql"]),
        # diesel with vaultwarden's connection settings (realworld_runners.DieselVaultwardenMysql).
        ("vaultwarden-mysql", "maria", "diesel", DieselVaultwardenMysql(),
         files("dani-garcia__vaultwarden/migrations/mysql", "*/up.sql")),
        # authelia on MySQL: each file whole, no transaction (realworld_runners.WholeFileMulti).
        ("authelia-mysql", "maria", "generic", WholeFileMulti("authelia-mysql", True),
         files("authelia__authelia/internal/storage/migrations/mysql", "V*.up.sql")),
        ("uaa-mysql", "maria", "flyway", False, files(f"{uaa}/mysql", "V*.sql")),
        ("temporal-mysql", "maria", "generic", False,
         files(f"{temporal}/mysql/v8/temporal/versioned", "v*/*.sql")),
        ("temporal-mysql-base", "maria", "generic", False,
         files(f"{temporal}/mysql/v8/temporal", "schema.sql")),
        ("temporal-mysql-visibility-base", "maria", "generic", False,
         files(f"{temporal}/mysql/v8/visibility", "schema.sql")),
        ("temporal-mysql-visibility", "maria", "generic", False,
         files(f"{temporal}/mysql/v8/visibility/versioned", "v*/*.sql")),
        # popx on MySQL (realworld_runners.PopxMysql): the `mysql` files, else the "all" file.
        ("kratos-mysql", "maria", "generic", PopxMysql(),
         popx_up("ory__kratos/persistence/sql/migrations/sql", "mysql")),
        # Not kratos's model: MariaDB refuses kratos's INSERT … SELECT into a table whose NOT
        # NULL column has no default even when no row is selected (MySQL 8 checks row by row),
        # in strict mode, which MySQL 8 has by default too. Measured also without
        # STRICT_TRANS_TABLES (MariaDB 10.11's default sql_mode otherwise), declared as such.
        ("kratos-mysql-nonstrict", "maria", "generic",
         PopxMysql("ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION"),
         popx_up("ory__kratos/persistence/sql/migrations/sql", "mysql")),
        ("hydra-mysql", "maria", "generic", PopxMysql(),
         popx_up("ory__hydra/persistence/sql/migrations", "mysql")),
        # ranger's db_setup.py on MySQL: the same files as on PostgreSQL (fresh install,
        # upgrade from xa_core_db.sql, KMS), through jisql's MySQLPLRunner
        # (realworld_runners.JisqlMysql).
        ("ranger-mysql", "maria", "generic", JisqlMysql(),
         [ranger_my / "create_dbversion_catalog.sql",
          ranger_my / "optimized/current/ranger_core_db_mysql.sql"]),
        ("ranger-mysql-upgrade", "maria", "generic", JisqlMysql(),
         [ranger_my / "create_dbversion_catalog.sql", ranger_my / "xa_core_db.sql"]
         + ranger_patch_order(ranger_my / "patches")),
        ("ranger-kms-mysql", "maria", "generic", JisqlMysql(),
         [CORPUS / "apache__ranger/kms/scripts/db/mysql/kms_core_db.sql"]),
    ]


# ---------------------------------------------------------------- splitting (line spans only)

def statement_spans(text: str, mysql: bool, delim: str = ";"):
    """(start_line, end_line, text) of each statement, 1-based lines. Quotes, dollar quotes,
    comments and MySQL `DELIMITER` are honoured; that is all a line span needs."""
    spans, i, n, line = [], 0, len(text), 1
    start, start_line = None, None
    # A SQL-standard function body (`BEGIN ATOMIC … END`) holds `;`s: like psql, split only
    # after its END (CASE … END inside counts too).
    atomic, last_word = 0, ""
    while i < n:
        c = text[i]
        if start is None and not c.isspace():
            if text.startswith("--", i) or (mysql and c == "#"):
                j = text.find("\n", i)
                i = n if j < 0 else j
                continue
            if text.startswith("/*", i):
                j = text.find("*/", i + 2)
                j = n if j < 0 else j + 2
                line += text.count("\n", i, j)
                i = j
                continue
            if mysql and re.match(r"DELIMITER\s+(\S+)", text[i:], re.I):
                m = re.match(r"DELIMITER\s+(\S+)", text[i:], re.I)
                delim = m.group(1)
                i += m.end()
                continue
            start, start_line = i, line
        if c == "\n":
            line += 1
            i += 1
            continue
        if start is None:
            i += 1
            continue
        if text.startswith("--", i) or (mysql and c == "#"):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            line += text.count("\n", i, j)
            i = j
            continue
        if c in "'\"`":
            j = i + 1
            while j < n:
                if text[j] == "\\" and mysql:
                    j += 2
                    continue
                if text[j] == c:
                    if j + 1 < n and text[j + 1] == c:
                        j += 2
                        continue
                    break
                j += 1
            line += text.count("\n", i, j + 1)
            i = j + 1
            continue
        if not mysql and (c.isalpha() or c == "_"):
            word = re.match(r"\w+", text[i:]).group(0).upper()
            if word == "ATOMIC" and last_word == "BEGIN":
                atomic = 1
            elif atomic and word == "CASE":
                atomic += 1
            elif atomic and word == "END":
                atomic -= 1
            last_word = word
            i += len(word)
            continue
        if c == "$" and not mysql:
            m = re.match(r"\$([A-Za-z_]\w*)?\$", text[i:])
            if m:
                tag = m.group(0)
                j = text.find(tag, i + len(tag))
                j = n if j < 0 else j + len(tag)
                line += text.count("\n", i, j)
                i = j
                continue
        if text.startswith(delim, i) and not atomic:
            spans.append((start_line, line, text[start:i]))
            start = None
            i += len(delim)
            continue
        i += 1
    if start is not None and text[start:].strip():
        spans.append((start_line, line, text[start:]))
    return spans


# What a runner substitutes in a file before it sends it (same line count): synapse's engines
# replace this placeholder (synapse/storage/engines/_base.py AUTO_INCREMENT_PRIMARY_KEYPLACEHOLDER,
# postgres.py `executescript`).
RUNNER_SUBSTITUTIONS = {"$%AUTO_INCREMENT_PRIMARY_KEY%$": "BIGINT PRIMARY KEY GENERATED ALWAYS AS IDENTITY"}


def runner_text(text: str) -> str:
    for placeholder, value in RUNNER_SUBSTITUTIONS.items():
        text = text.replace(placeholder, value)
    return text


TX_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|START\s+TRANSACTION|END|ROLLBACK)\s*$", re.I)


def blank_tx_control(text: str, mysql: bool) -> str:
    """The file with its own BEGIN/COMMIT blanked (same line count), so a retry can be rolled back."""
    out = text
    for _, _, stmt in statement_spans(text, mysql):
        if TX_CONTROL.match(stmt):
            idx = out.find(stmt)
            out = out[:idx] + re.sub(r"\S", " ", stmt) + out[idx + len(stmt):]
    return out


# ---------------------------------------------------------------- engines

class Postgres:
    mysql = False

    def __init__(self):
        self.db = "pf_truth_" + uuid.uuid4().hex[:10]
        self.admin(f'CREATE DATABASE "{self.db}"')

    def admin(self, sql):
        subprocess.run(PG + ["-d", "postgres", "-c", sql], check=True, capture_output=True)

    def drop(self):
        self.admin(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')

    def run(self, script, on_error_stop):
        p = subprocess.run(PG + ["-d", self.db, "-v", f"ON_ERROR_STOP={int(on_error_stop)}"],
                           input=script, capture_output=True, text=True)
        return p.returncode, p.stderr

    def apply(self, path: Path, transactional: bool, runner=None, prologue=""):
        # Flyway runs a script that cannot run in a transaction (CONCURRENTLY) without one.
        text = path.read_text()
        transactional = transactional and "CONCURRENTLY" not in text.upper()
        one = "BEGIN;\n" if transactional else ""
        end = "COMMIT;\n" if transactional else ""
        sent = sent_text(path, text, runner)
        copy = None
        if sent != text:
            with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
                f.write(sent)
            copy = Path(f.name)
        try:
            code, err = self.run(f"{one}{prologue}\\i {copy or path}\n{end}", True)
        finally:
            if copy:
                copy.unlink()
        return code == 0, err.strip().splitlines()[-1:] if code else []

    def setup(self, script):
        """Runs a setup script (stops at its first error, which is raised)."""
        code, err = self.run(script, True)
        if code:
            raise RuntimeError(f"setup failed: {err.strip().splitlines()[-1:]}")

    def retry_errors(self, path: Path, prefix: list, tmp: Path, runner=None, prologue=""):
        """Lines (end lines) of `path` whose statement fails when the file runs again after
        `prefix` (statement texts) ran; all rolled back afterwards. `prologue` (a runner's, see
        realworld_runners.py) runs before the prefix and again before the retry."""
        body = tmp / "retry.sql"
        body.write_text(blank_tx_control(sent_text(path, path.read_text(), runner), False))
        pre = tmp / "prefix.sql"
        pre.write_text(runner_text("".join(s + ";\n" for s in prefix)))
        script = (f"BEGIN;\n\\set ON_ERROR_ROLLBACK on\n{prologue}\\i {pre}\n"
                  f"{prologue}\\i {body}\nROLLBACK;\n")
        _, err = self.run(script, False)
        return failing_body_lines(err, body)


    def retry_errors_batched(self, path: Path, stmts: list, points, tmp: Path, runner=None):
        """`retry_errors` for every crash point k of `points` in one transaction: the
        statements up to k are applied once, on top of those up to the previous point, and each
        retry runs in a savepoint rolled back afterwards (the same states as a fresh prefix per
        k, without running each prefix again). Union of the failing lines."""
        body = tmp / "retry.sql"
        body.write_text(blank_tx_control(sent_text(path, path.read_text(), runner), False))
        script = ["BEGIN;\n\\set ON_ERROR_ROLLBACK on\n"]
        done = 0
        for k in sorted(points):
            script += [runner_text(s) + ";\n" for s in stmts[done:k]]
            done = k
            script.append(f"SAVEPOINT pf_retry;\n\\i {body}\nROLLBACK TO SAVEPOINT pf_retry;\n"
                          "RELEASE SAVEPOINT pf_retry;\n")
        script.append("ROLLBACK;\n")
        pre = tmp / "prefixes.sql"
        pre.write_text("".join(script))
        _, err = self.run(f"\\i {pre}\n", False)
        return failing_body_lines(err, body)


def failing_body_lines(err: str, body: Path) -> set:
    """Lines of `body` psql reported an ERROR at, but for statements a transaction block
    refuses (they are run outside one, by the runner as by the replay)."""
    lines = set()
    for m in re.finditer(rf"psql:{re.escape(str(body))}:(\d+): ERROR:\s+(.*)", err):
        if "cannot run inside a transaction block" in m.group(2):
            continue
        lines.add(int(m.group(1)))
    return lines


def sent_text(path: Path, text: str, runner) -> str:
    """What the project's tool sends for `path` (same line count)."""
    return runner_text(runner.text(path, text) if runner is not None else text)


class MariaDb:
    mysql = True

    def __init__(self):
        self.db = "pf_truth_" + uuid.uuid4().hex[:10]
        self.shadow = self.db + "_s"
        self.shadow_ready = False
        self.admin(f"CREATE DATABASE `{self.db}`")

    def admin(self, sql):
        subprocess.run(MARIA + ["-e", sql], check=True, capture_output=True)

    def drop(self):
        self.admin(f"DROP DATABASE IF EXISTS `{self.db}`; DROP DATABASE IF EXISTS `{self.shadow}`")

    @staticmethod
    def client(runner, force=False):
        """The `mariadb` client as `runner` sends: with its delimiter (see realworld_runners
        `CLIENT_DELIMITER`), `--force` for a retry (every statement runs)."""
        delim = getattr(runner, "client_delimiter", None)
        init = getattr(runner, "init_sql", None)
        return (MARIA + (["--force"] if force else []) + ([f"--delimiter={delim}"] if delim else [])
                + ([f"--init-command={init}"] if init else []))

    def apply(self, path: Path, transactional: bool, runner=None):
        sent = sent_text(path, path.read_text(errors="replace"), runner)
        p = subprocess.run(self.client(runner) + [self.db], input=sent, capture_output=True,
                           text=True)
        return p.returncode == 0, p.stderr.strip().splitlines()[-1:]

    def snapshot(self):
        dump = subprocess.run(["mariadb-dump", "-h", "127.0.0.1", "-u", "root", "--routines",
                               "--triggers", "--events", self.db],
                              capture_output=True, text=True, check=True)
        return dump.stdout

    def restore_shadow(self, dump):
        self.admin(f"DROP DATABASE IF EXISTS `{self.shadow}`; CREATE DATABASE `{self.shadow}`")
        subprocess.run(MARIA + [self.shadow], input=dump, text=True, check=True,
                       capture_output=True)

    def signature(self, db):
        """What a database holds, per table (its SHOW CREATE TABLE, CHECKSUM TABLE and
        triggers), and its routines, events and views as one more entry ("" key)."""
        def q(sql):
            p = subprocess.run(MARIA + ["-B", "-N", "-r", "-e", sql, db], capture_output=True,
                               text=True, check=True)
            return p.stdout
        names = q("SELECT table_name, table_type FROM information_schema.tables "
                  f"WHERE table_schema = '{db}' ORDER BY 1").split("\n")
        tables = [n.split("\t") for n in names if n]
        sig = {"": q("SELECT routine_type, routine_name, routine_definition, sql_mode FROM "
                     f"information_schema.routines WHERE routine_schema = '{db}' ORDER BY 2;"
                     "SELECT event_name, event_definition FROM information_schema.events "
                     f"WHERE event_schema = '{db}' ORDER BY 1;"
                     + "".join(f"SELECT 'view', '{t}';" for t, kind in tables if kind == "VIEW"))}
        base = [t for t, kind in tables if kind != "VIEW"]
        if base:
            out = q("".join(f"SHOW CREATE TABLE `{t}`; CHECKSUM TABLE `{t}` EXTENDED; "
                            "SELECT trigger_name, action_timing, event_manipulation, "
                            "action_statement FROM information_schema.triggers WHERE "
                            f"event_object_schema = '{db}' AND event_object_table = '{t}' "
                            "ORDER BY 1;" for t in base))
            # One block per table: SHOW CREATE starts with the name, followed by its checksum
            # and triggers.
            blocks = re.split(r"^(?=[^\t\n]+\tCREATE TABLE )", out, flags=re.M)
            for block in blocks:
                if block:
                    name = block.split("\t", 1)[0]
                    sig[name] = block.replace(f"{db}.", "DB.")
        return sig

    def reset_shadow(self, dump, before):
        """Brings the shadow back to the pre-file state whose `signature` is `before`: only the
        tables that differ are dropped and copied again from the main database (still in the
        pre-file state while the retries run); anything else that differs (routines, events,
        views) restores the whole dump. The result is the same database either way."""
        now = self.signature(self.shadow)
        if now.get("") != before.get(""):
            self.restore_shadow(dump)
            return
        stale = sorted(t for t in set(now) | set(before) if t and now.get(t) != before.get(t))
        if not stale:
            return
        drop = [t for t in stale if t in now]
        if drop:
            self.admin_db(self.shadow, "SET FOREIGN_KEY_CHECKS=0; DROP TABLE "
                          + ", ".join(f"`{t}`" for t in drop))
        copy = [t for t in stale if t in before]
        if copy:
            part = subprocess.run(["mariadb-dump", "-h", "127.0.0.1", "-u", "root", "--triggers",
                                   self.db] + copy, capture_output=True, text=True, check=True)
            subprocess.run(MARIA + [self.shadow], input=part.stdout, text=True, check=True,
                           capture_output=True)
        if self.signature(self.shadow) != before:
            self.restore_shadow(dump)

    def admin_db(self, db, sql):
        subprocess.run(MARIA + [db, "-e", sql], check=True, capture_output=True)

    def retry_errors(self, path: Path, prefix: list, tmp: Path, dump: str, runner=None,
                     before=None):
        """DDL commits on MariaDB, so each retry runs in a shadow copy of the pre-file state
        (`before`: its signature; the shadow is brought back to it after each retry)."""
        if before is None or not self.shadow_ready:
            self.restore_shadow(dump)
            self.shadow_ready = True
        delim = getattr(runner, "client_delimiter", None) or ";"
        pre = "".join(s + delim + "\n" for s in prefix)
        subprocess.run(self.client(runner, True) + [self.shadow], input=pre, text=True,
                       capture_output=True)
        sent = sent_text(path, path.read_text(errors="replace"), runner)
        p = subprocess.run(self.client(runner, True) + [self.shadow], input=sent,
                           capture_output=True, text=True)
        if before is not None:
            self.reset_shadow(dump, before)
        return {int(m.group(1)) for m in re.finditer(r"^ERROR \d+ \(\w+\) at line (\d+)", p.stderr,
                                                     re.M)}


# ---------------------------------------------------------------- one pass over a project

def measure(engine_cls, paths, transactional, crash_points, retries=True):
    """Applies `paths` in order; returns per file: spans, failing span indexes, apply error.
    `transactional` may be a `Runner` (realworld_runners.py): its setup runs first, and what it
    sends, runs before a file and allows as crash points is replayed. `retries=False`: the files
    are only applied (where the first one the server cannot apply is), nothing is retried."""
    eng = engine_cls()
    runner = transactional if isinstance(transactional, Runner) else None
    out = []
    try:
        if runner is not None:
            # What the tool (or the tool it runs after) does before the first file.
            setup_paths, setup_runner = runner.setup_files()
            if setup_runner is not None and setup_runner.setup_sql():
                eng.setup(setup_runner.setup_sql())
            for path in setup_paths:
                ok, err = eng.apply(path, setup_runner.in_transaction(path), setup_runner)
                if not ok:
                    raise RuntimeError(f"setup file {path} failed: {err}")
            if runner.setup_sql():
                eng.setup(runner.setup_sql())
        with tempfile.TemporaryDirectory() as tmpd:
            tmp = Path(tmpd)
            for index, path in enumerate(paths):
                text = path.read_text(errors="replace")
                delim = getattr(runner, "client_delimiter", None) or ";"
                sent = statement_spans(sent_text(path, text, runner), eng.mysql, delim)
                # A runner that sends its own queries (client delimiter): its statements are the
                # file's statements (the same lines).
                spans = sent if delim != ";" else statement_spans(text, eng.mysql)
                failing = set()
                dump = eng.snapshot() if eng.mysql and retries else None
                # The shadow copy is kept in the pre-file state between retries (MariaDb
                # `reset_shadow`); it starts from the dump for each file.
                before = eng.signature(eng.db) if eng.mysql and FAST_RESET and retries else None
                if eng.mysql:
                    eng.shadow_ready = False
                sent = [sp for sp in sent if not TX_CONTROL.match(sp[2])]
                stmts = [s for _, _, s in sent]
                file_tx = in_transaction(transactional, path)
                prologue = runner.prologue(paths, index) if runner is not None else ""
                # A file the runner applies without a transaction can stop at any statement
                # (any the runner can stop at).
                every = crash_points or (isinstance(transactional, TransactionPerFileExcept)
                                         and not file_tx)
                allowed = runner.crash_points(path, sent) if runner is not None and every else None
                points = (allowed if allowed is not None else range(len(stmts) + 1)) if every \
                    else [len(stmts)]
                # MariaDB: a statement that fails at k = 0 (the file's first run, in the shadow
                # copy) although the real first run succeeds meets a shadow that differs from the
                # database: mariadb-dump cannot carry everything (an index InnoDB generated for
                # a foreign key comes back as an ordinary index, which a later ADD FOREIGN KEY
                # can no longer replace: hydra's `…_ibfk_1`, "Duplicate key name"). Such
                # statements are not measured (`shadow_artefacts`).
                unfaithful = set()
                if not retries:
                    points = []
                elif not eng.mysql and not prologue and len(points) > 1 and BATCHED:
                    # Every crash point in one session (`Postgres.retry_errors_batched`).
                    for line in eng.retry_errors_batched(path, stmts, points, tmp, runner):
                        failing.update(idx for idx, span in enumerate(spans)
                                       if span[0] <= line <= span[1])
                    points = []
                for k in points:
                    if eng.mysql:
                        lines = eng.retry_errors(path, stmts[:k], tmp, dump, runner, before)
                        hit = lambda span, l: span[0] == l  # noqa: E731  mariadb: start line
                    else:
                        # k statements applied; the retry then runs the whole file.
                        lines = eng.retry_errors(path, stmts[:k], tmp, runner, prologue)
                        hit = lambda span, l: span[0] <= l <= span[1]  # noqa: E731
                    for line in lines:
                        for idx, span in enumerate(spans):
                            if hit(span, line):
                                failing.add(idx)
                                if eng.mysql and k == 0:
                                    unfaithful.add(idx)
                                break
                # The retries ran from the pre-file state (rolled back, or in a shadow copy).
                if eng.mysql:
                    ok, err = eng.apply(path, file_tx, runner)
                else:
                    ok, err = eng.apply(path, file_tx, runner, prologue)
                if not ok:
                    out.append((path, spans, failing, err, []))
                    return out, False
                out.append((path, spans, failing - unfaithful, None, sorted(unfaithful)))
    finally:
        eng.drop()
    return out, True


def runner_args(binary, tracker, transactional):
    """`--tracker`, and for a runner preflight does not model (`generic`) whose model is known
    from its source (authelia on PostgreSQL: all pending migrations in one transaction,
    internal/storage/sql_provider_schema.go `BeginTxx`), the declared `--apply-model`
    (`transactional` is "statement" for the files of a `TransactionPerFileExcept` runner that
    run without a transaction)."""
    if not supports_tracker(binary):
        return []
    args = ["--tracker", tracker]
    if tracker == "generic" and transactional and supports_apply_model(binary):
        model = "statement-by-statement" if transactional == "statement" else "file-transaction"
        args += ["--apply-model", model]
    # What the runner executes before every file (lemmy's replaceable schema: `DROP SCHEMA r
    # CASCADE; CREATE SCHEMA r;`): the files' creations of what it removes survive a retry.
    before = transactional.before_each_run() if isinstance(transactional, Runner) else ""
    if before and supports_lint_flag(binary, "--before-each-run"):
        args += ["--before-each-run", before]
    return args


def outside_transaction(paths, transactional):
    """Indexes of the files a `TransactionPerFileExcept` runner applies without a transaction."""
    if not isinstance(transactional, TransactionPerFileExcept):
        return []
    return [i for i, p in enumerate(paths) if not transactional.in_transaction(p)]


def supports_apply_model(binary):
    return supports_lint_flag(binary, "--apply-model")


_LINT_HELP = {}


def supports_lint_flag(binary, flag):
    """Does this build's `preflight lint` take `flag`? (Older builds are measured too.)"""
    if binary not in _LINT_HELP:
        _LINT_HELP[binary] = subprocess.run([binary, "lint", "--help"], capture_output=True,
                                            text=True).stdout
    return flag in _LINT_HELP[binary]


def lint_flags(binary, paths, dialect, tracker, transactional):
    """path -> list of (line, end_line, severity, rule, fixable)."""
    flags = {}
    for chunk in range(0, len(paths), 200):
        flags.update(lint_run(binary, paths[chunk:chunk + 200], dialect,
                              runner_args(binary, tracker, transactional)))
    # A file run without a transaction: linted under that model, after the files before it.
    for i in outside_transaction(paths, transactional):
        own = lint_run(binary, paths[max(0, i - 199):i + 1], dialect,
                       runner_args(binary, tracker, "statement"))
        flags[str(paths[i])] = own.get(str(paths[i]), [])
    return flags


def lint_run(binary, paths, dialect, runner):
    cmd = [binary, "lint", "--format", "json", "--dialect", dialect] + runner
    p = subprocess.run(cmd + [str(x) for x in paths], capture_output=True, text=True)
    flags = {}
    for f in json.loads(p.stdout)["findings"]:
        # A finding on a statement of a routine's body that a later call in the same file runs
        # (note "runs when `CALL …` on line N calls p") is about the call, which is what fails:
        # it counts for that line, not for the routine's definition.
        calls = [int(m.group(1)) for n in f.get("notes", [])
                 if (m := re.match(r"runs when `.*` on line (\d+) calls ", n))]
        for line, end in [(c, c) for c in calls] or [(f["line"], f.get("end_line", f["line"]))]:
            flags.setdefault(f["path"], []).append(
                (line, end, f["severity"], f["rule"], f.get("fix") is not None))
    return flags


_TRACKER = {}
DETAILS = {}


def supports_tracker(binary):
    if binary not in _TRACKER:
        h = subprocess.run([binary, "lint", "--help"], capture_output=True, text=True).stdout
        _TRACKER[binary] = "--tracker" in h
    return _TRACKER[binary]


def retry_rule(code):
    """The retry-safety family (PF1xx existence guards, PF2xx transaction control). PF0xx says
    what could not be checked; PF3xx/PF4xx are lock and production-safety rules, which say
    nothing about a retry."""
    return code.startswith(("PF1", "PF2"))


def flagged(spans, idx, findings, severities):
    start, end, _ = spans[idx]
    return any(start <= f[0] <= end and f[2] in severities and retry_rule(f[3])
               for f in findings)


def cache_key(paths, transactional, crash_points):
    """What a cached measurement depends on: the files (and a runner's setup files), the model."""
    digest = hashlib.sha256()
    setup = transactional.setup_files()[0] if isinstance(transactional, Runner) else []
    for path in list(setup) + list(paths):
        digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(f"{transactional}{crash_points}".encode())
    return digest


def is_cached(cache, name, paths, transactional, crash_points):
    entry = Path(cache) / f"{name}.json"
    return entry.exists() and json.loads(entry.read_text())["key"] == cache_key(
        paths, transactional, crash_points).hexdigest()


def cached_measure(cache, name, engine_cls, paths, transactional, crash_points):
    """`measure` of the original files, kept in `cache` (a directory) keyed by the files'
    contents: what the database does with them does not depend on the preflight build."""
    if not cache:
        return measure(engine_cls, paths, transactional, crash_points)
    digest = cache_key(paths, transactional, crash_points)
    entry = Path(cache) / f"{name}.json"
    if entry.exists():
        saved = json.loads(entry.read_text())
        if saved["key"] == digest.hexdigest():
            base = [(Path(e[0]), [tuple(s) for s in e[1]], set(e[2]), e[3],
                     e[4] if len(e) > 4 else []) for e in saved["base"]]
            return base, saved["clean"]
    base, clean = measure(engine_cls, paths, transactional, crash_points)
    Path(cache).mkdir(parents=True, exist_ok=True)
    entry.write_text(json.dumps({
        "key": digest.hexdigest(), "clean": clean,
        "base": [(str(p), spans, sorted(failing), err, artefacts)
                 for p, spans, failing, err, artefacts in base]}))
    return base, clean


def run_project(binary, name, engine, tracker, transactional, paths, cache=None, fix=True,
                fix_only=False):
    engine_cls = Postgres if engine == "pg" else MariaDb
    dialect = "postgres" if engine == "pg" else "mariadb"
    crash_points = not transactional
    if fix_only and not (cache and is_cached(cache, name, paths, transactional, crash_points)):
        # The originals only applied (where the server stops), not retried: no recall or
        # precision, the fixed copies measured as usual.
        base, clean = measure(engine_cls, paths, transactional, crash_points, retries=False)
    else:
        fix_only = False
        base, clean = cached_measure(cache, name, engine_cls, paths, transactional,
                                     crash_points)
    row = {"project": name, "engine": engine, "runner": tracker,
           "model": (f"{transactional.name}: " if isinstance(transactional, Runner) else "")
           + ("transaction per file" if transactional
              else "crash points at implicit commits" if getattr(transactional, "autocommit", True)
              is False else "every crash point")
           + (f", {transactional.marker} files every crash point"
              if isinstance(transactional, TransactionPerFileExcept) else ""),
           "files": len(base), "statements": sum(len(s) for _, s, _, _, _ in base)}
    if not clean:
        # Measured up to the first file the local server cannot apply (e.g. newer syntax).
        row["stopped_at"] = f"{base[-1][0].relative_to(CORPUS)}: {base[-1][3]}"
        base = base[:-1]
        paths = paths[:len(base)]
        row["files"] = len(base)
        row["statements"] = sum(len(s) for _, s, _, _, _ in base)
        if not base:
            row["error"] = row.pop("stopped_at")
            return row
    if fix_only:
        row["truth"] = "not measured (--fix-only)"
    flags = {} if fix_only else lint_flags(binary, paths, dialect, tracker, transactional)
    fail = tp = fn = flagged_err = tp_err = 0
    artefacts = 0
    for path, spans, failing, _, unmeasured in base:
        findings = flags.get(str(path), [])
        artefacts += len(unmeasured)
        for idx in unmeasured:
            DETAILS.setdefault(name, {}).setdefault("shadow_artefacts", []).append(
                f"{path.relative_to(CORPUS)}:{spans[idx][0]}: "
                f"{' '.join(spans[idx][2].split())[:100]}")
        for idx in range(len(spans)):
            if idx in unmeasured:
                continue
            f_any = flagged(spans, idx, findings, ("error", "warning"))
            f_err = flagged(spans, idx, findings, ("error",))
            where = f"{path.relative_to(CORPUS)}:{spans[idx][0]}: {' '.join(spans[idx][2].split())[:100]}"
            if idx in failing:
                fail += 1
                tp += f_any
                fn += not f_any
                if not f_any:
                    DETAILS.setdefault(name, {}).setdefault("missed", []).append(where)
            if f_err:
                flagged_err += 1
                tp_err += idx in failing
                if idx not in failing:
                    DETAILS.setdefault(name, {}).setdefault("false_flags", []).append(where)
    if artefacts:
        row["shadow_artefacts"] = artefacts
    if not fix_only:
        row.update(retry_failures=fail, recall=tp / fail if fail else 1.0, error_flags=flagged_err,
                   precision=tp_err / flagged_err if flagged_err else 1.0)
    if not fix:
        return row
    # The fixer: fix a copy, apply it the same way.
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmpd:
        copies = []
        for i, path in enumerate(paths):
            dest = Path(tmpd) / f"{i:05d}" / path.name
            dest.parent.mkdir()
            shutil.copy(path, dest)
            copies.append(dest)
        outside = outside_transaction(paths, transactional)
        inside = [c for i, c in enumerate(copies) if i not in outside]
        subprocess.run([binary, "fix", "--unsafe-fixes", "--dialect", dialect, "-q"]
                       + runner_args(binary, tracker, transactional)
                       + [str(c) for c in inside], capture_output=True)
        if outside:
            # The files run without a transaction, fixed under that model (on their own).
            subprocess.run([binary, "fix", "--unsafe-fixes", "--dialect", dialect, "-q"]
                           + runner_args(binary, tracker, "statement")
                           + [str(copies[i]) for i in outside], capture_output=True)
        fixed, fixed_clean = measure(engine_cls, copies, transactional, crash_points)
        row["fixed_left_failing"] = sum(len(f) for _, _, f, _, _ in fixed)
        row["fix_breakages"] = 0 if fixed_clean else 1
        if not fixed_clean:
            row["fix_breakage"] = f"{paths[len(fixed) - 1].relative_to(CORPUS)}: {fixed[-1][3]}"
        fixed_flags = lint_flags(binary, copies, dialect, tracker, transactional)
        unreported = 0
        for path, spans, failing, _, _ in fixed:
            findings = fixed_flags.get(str(path), [])
            for idx in failing:
                start, end, text = spans[idx]
                DETAILS.setdefault(name, {}).setdefault("left_failing", []).append(
                    f"{path.name}:{start}: {' '.join(text.split())[:100]}")
                if not any(start <= f[0] <= end and not f[4] and retry_rule(f[3])
                           for f in findings):
                    unreported += 1
                    DETAILS[name].setdefault("not_reported", []).append(
                        f"{paths[int(path.parent.name)].relative_to(CORPUS)}:{start}: "
                        f"{' '.join(text.split())[:160]}")
        row["left_failing_not_reported"] = unreported
    row["fix_replay_seconds"] = round(time.monotonic() - started)
    return row


def num(x):
    return "–" if x is None else f"{x:.3f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(Path(os.environ.get("CARGO_TARGET_DIR", "target"))
                                         / "release" / "preflight"))
    ap.add_argument("--only", default="")
    ap.add_argument("--engine", default="all", choices=["pg", "maria", "all"])
    ap.add_argument("--json", help="also write the rows to this file")
    ap.add_argument("--cache", help="keep the measurement of the original files in this "
                    "directory (it does not depend on the build) and reuse it")
    ap.add_argument("--no-fix", action="store_true", help="recall and precision only (the fixed "
                    "copies are not measured)")
    ap.add_argument("--details", help="write missed, falsely flagged and still-failing statements here")
    ap.add_argument("--fix-only", action="store_true", help="the fixed copies only: the originals "
                    "are applied once (to find where the server stops) but not retried unless "
                    "--cache holds their measurement, so recall and precision are left out")
    args = ap.parse_args()
    only = set(filter(None, args.only.split(",")))
    rows = []
    for name, engine, tracker, tx, paths in projects():
        if (only and name not in only) or args.engine not in ("all", engine):
            continue
        row = run_project(args.bin, name, engine, tracker, tx, paths, args.cache,
                          not args.no_fix, args.fix_only)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    print("| project | engine | runner (model) | files | stmts | retry failures | recall "
          "| error flags | precision | left failing after fix | of which not reported "
          "| fix breakages |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if "stopped_at" in r:
            print(f"<!-- {r['project']}: measured up to {r['stopped_at']} -->")
        if "error" in r:
            print(f"| {r['project']} | {r['engine']} | {r['runner']} | {r['files']} | – | "
                  f"does not apply: {r['error']} |||||||")
            continue
        print(f"| {r['project']} | {r['engine']} | {r['runner']} ({r['model']}) | {r['files']} "
              f"| {r['statements']} | {r.get('retry_failures', '–')} | {num(r.get('recall'))} "
              f"| {r.get('error_flags', '–')} | {num(r.get('precision'))} "
              f"| {r.get('fixed_left_failing', '–')} "
              f"| {r.get('left_failing_not_reported', '–')} | {r.get('fix_breakages', '–')} |")
    # Per engine: the share of retry failures the fixer leaves failing, over all projects.
    for engine in ("pg", "maria"):
        measured = [r for r in rows if r["engine"] == engine and "fixed_left_failing" in r
                    and "retry_failures" in r]
        failures = sum(r["retry_failures"] for r in measured)
        if failures:
            left = sum(r.get("fixed_left_failing", 0) for r in measured)
            print(f"<!-- {engine}: {left} of {failures} retry failures left failing after the "
                  f"fix ({100 * left / failures:.1f}%) -->")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    if args.details:
        Path(args.details).write_text(json.dumps(DETAILS, indent=1))


if __name__ == "__main__":
    main()
