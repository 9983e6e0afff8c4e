#!/usr/bin/env python3
"""The migration tools themselves as the reference for `preflight reconcile`.

For each tool that can be installed here, the REAL tool applies a small migration set (three
files, written in the tool's own layout) to a scratch database on the local PostgreSQL and/or
MariaDB, then the tool's own status command and `preflight reconcile --format json` are asked
about the same database and directory, in these scenarios:

  in-sync   the three files applied by the tool: both must say everything is applied
  pending   a fourth file added and not applied
  edited    the second file edited after it was applied (a comment appended): a checksum
            mismatch where the tool checks checksums, still applied where it does not
  failed    a fourth file whose second statement fails, applied by the tool, so the tool
            records the failure the way it really does (sqlx on MariaDB: success = false;
            dbmate, Diesel, sqlx on PostgreSQL: nothing, the transaction rolled back)
  dropped   a table the third migration created dropped by hand: the tool still says applied
            (it never looks at the schema), preflight must report missing_objects
  reverted  the third migration rolled back with the tool's own down command (dbmate rollback,
            sqlx migrate revert, diesel migration revert; refinery has none)
  orphan    the third migration's file deleted after it was applied: preflight must report
            orphan; the tool reports it where it looks (sqlx, refinery refuse to run), or does
            not list it at all (dbmate, Diesel)
  versions  (dbmate) versions spelled differently: `001_`, `1_`, `10_` and `9_` applied, then
            `02_` added: dbmate keeps versions as text and runs files in name order, so the
            four are four migrations and `02_` is pending; preflight must say the same.
            (Diesel) directory names that are no timestamps: `initial/`, `v1_init/`, `10_ten/`,
            `9_nine/` and diesel_cli's hexadecimal counter `2024-01-01-000000-000a_hex/`
            applied, then `2_two/` added: Diesel takes any text before the first `_` as the
            version (dashes removed) and compares versions as text, so `2` is pending although
            `10`, `9`, `initial` and `v1` are applied
  setup     the tool's own project setup. Diesel (PostgreSQL): `diesel setup`'s initial
            migration and a table using its `diesel_manage_updated_at` helper (a trigger created
            through EXECUTE). sqlx: a sqlx.toml with `[migrate] ignored-chars = ["\r"]` and
            `table-name = "app_migrations"` (sqlx records there instead of _sqlx_migrations), and
            the three files written with CRLF line endings

In-sync and setup also require a report without any finding (not even an info one).

Every migration's verdict is compared: the tool's (applied / pending / edited / failed) with the
class of preflight's status (applied, missing_objects, drifted, unverifiable → applied;
pending, partial, out_of_order, applied_unrecorded → pending; checksum_mismatch → edited;
failed, dirty → failed). A scenario agrees when every migration's class matches and preflight
reports the scenario's own finding (missing_objects for `dropped`). The script prints a table
tool × engine × scenario and exits 1 on any disagreement, 2 when no tool could run.

Tools are installed into a cache outside the repository ($PREFLIGHT_TOOLS_CACHE, default
~/.cache/preflight-tools): dbmate from npm (fast); sqlx-cli, diesel_cli and refinery_cli with
`cargo install` (10+ minutes each on 2 cores; run once, then cached). Prisma is probed: its
CLI downloads its schema engine from a host this machine cannot reach (see bench/reconcile.md).

Usage:
  bench/tools_reference.py [--tools dbmate,sqlx,diesel,refinery,prisma]
                           [--engines postgres,mariadb] [--no-install] [--keep]
  PREFLIGHT_BIN=path/to/preflight skips the build (default: cargo build --release
  --no-default-features). Needs psql, mysql, npm and cargo; PostgreSQL on 127.0.0.1:5432
  (user postgres, trust) and MariaDB on 127.0.0.1:3306 (root, no password).

Not part of CI or `cargo test`: it installs the tools and takes minutes.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CACHE = Path(os.environ.get("PREFLIGHT_TOOLS_CACHE", Path.home() / ".cache" / "preflight-tools"))
REPO = Path(__file__).resolve().parent.parent

# Pinned so that a re-run measures the same tools; override with e.g. DBMATE_VERSION=2.37.0.
VERSIONS = {
    "dbmate": os.environ.get("DBMATE_VERSION", "2.36.0"),
    "prisma": os.environ.get("PRISMA_VERSION", "6.19.3"),
    "sqlx": os.environ.get("SQLX_VERSION", "0.9.0"),
    "diesel": os.environ.get("DIESEL_VERSION", "2.3.14"),
    "refinery": os.environ.get("REFINERY_VERSION", "0.10.0"),
}

PG_HOST, PG_PORT = "127.0.0.1", 5432
MY_HOST, MY_PORT = "127.0.0.1", 3306

# The migration set: (name, up SQL, down SQL). Portable between PostgreSQL and MariaDB.
BASE = [
    ("users", "CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(255) NOT NULL);\n", "DROP TABLE users;\n"),
    ("posts", "CREATE TABLE posts (id INT PRIMARY KEY, user_id INT NOT NULL, title VARCHAR(200));\n"
              "CREATE INDEX idx_posts_user_id ON posts (user_id);\n", "DROP TABLE posts;\n"),
    ("tags", "CREATE TABLE tags (id INT PRIMARY KEY, label VARCHAR(50) NOT NULL);\n", "DROP TABLE tags;\n"),
]
PENDING = ("comments", "CREATE TABLE comments (id INT PRIMARY KEY, body TEXT);\n", "DROP TABLE comments;\n")
# The second statement fails on both engines (no such column): PostgreSQL rolls the whole
# migration back; MariaDB has already committed the table (DDL commits implicitly).
FAILING = ("audit", "CREATE TABLE audit (id INT PRIMARY KEY);\n"
                    "CREATE INDEX idx_audit_missing ON audit (no_such_column);\n", "DROP TABLE audit;\n")
EDIT = "-- edited after it was applied\n"
DROPPED_TABLE = "tags"

SCENARIOS = ["in-sync", "pending", "edited", "failed", "dropped", "reverted", "orphan", "versions",
             "setup"]
# The versions scenario's files: (version as the file spells it, table), applied, then pending.
SPELLED = [("001", "t_001"), ("1", "t_1"), ("10", "t_10"), ("9", "t_9")]
SPELLED_PENDING = ("02", "t_02")

# preflight status → the verdict class a tool could give.
PF_CLASS = {
    "applied": "applied", "missing_objects": "applied", "drifted": "applied",
    "unverifiable": "applied",
    "pending": "pending", "partial": "pending", "out_of_order": "pending",
    "applied_unrecorded": "pending",
    "checksum_mismatch": "edited",
    "failed": "failed", "dirty": "failed",
    "orphan": "orphan",
}


def version_of(i):
    """The i-th migration's version: a 14-digit timestamp every tool accepts."""
    return f"2024010{i + 1}000000"


def run(cmd, cwd=None, env=None, timeout=600):
    full_env = dict(os.environ, NO_COLOR="1", CLICOLOR="0", **(env or {}))
    p = subprocess.run(cmd, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout + p.stderr


def strip_ansi(text):
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


# ---------------------------------------------------------------------------------------------
# Databases


class Engine:
    def __init__(self, name):
        self.name = name

    def create(self, db):
        if self.name == "postgres":
            check(["psql", "-h", PG_HOST, "-U", "postgres", "-X", "-q", "-v", "ON_ERROR_STOP=1",
                   "-d", "postgres", "-c", f'CREATE DATABASE "{db}"'])
        else:
            check(["mysql", "-h", MY_HOST, "-P", str(MY_PORT), "-u", "root", "-e", f"CREATE DATABASE `{db}`"])

    def drop(self, db):
        if self.name == "postgres":
            run(["psql", "-h", PG_HOST, "-U", "postgres", "-X", "-q", "-d", "postgres",
                 "-c", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'])
        else:
            run(["mysql", "-h", MY_HOST, "-P", str(MY_PORT), "-u", "root", "-e", f"DROP DATABASE IF EXISTS `{db}`"])

    def execute(self, db, sql):
        if self.name == "postgres":
            check(["psql", "-h", PG_HOST, "-U", "postgres", "-X", "-q", "-v", "ON_ERROR_STOP=1",
                   "-d", db, "-c", sql])
        else:
            check(["mysql", "-h", MY_HOST, "-P", str(MY_PORT), "-u", "root", db, "-e", sql])

    def query(self, db, sql):
        if self.name == "postgres":
            code, out = run(["psql", "-h", PG_HOST, "-U", "postgres", "-X", "-A", "-t", "-d", db, "-c", sql])
        else:
            code, out = run(["mysql", "-h", MY_HOST, "-P", str(MY_PORT), "-u", "root", "-N", "-B", db, "-e", sql])
        return out.strip() if code == 0 else f"(query failed: {out.strip()})"

    def url(self, db):
        """The URL preflight is given."""
        if self.name == "postgres":
            return f"postgres://postgres@{PG_HOST}:{PG_PORT}/{db}"
        return f"mysql://root@{MY_HOST}:{MY_PORT}/{db}"


def check(cmd, **kw):
    code, out = run(cmd, **kw)
    if code != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({code}):\n{out}")
    return out


# ---------------------------------------------------------------------------------------------
# Tools. Each writes its layout, applies with the real tool, and reads the tool's own status
# back as {version: verdict}, verdict in applied / pending / edited / failed.


class Tool:
    name = ""
    tracker = ""
    engines = ("postgres", "mariadb")
    checks_checksums = False
    # The tool's status is a real run (refinery): preflight reads the database first.
    status_mutates = False
    # Whether the tool's status names an applied migration whose file is gone.
    reports_orphans = False
    unavailable = None  # why the tool cannot run here, once known

    def binary(self):
        raise NotImplementedError

    def probe(self):
        """Sets `unavailable` when the installed tool cannot run here."""

    def install(self):
        raise NotImplementedError

    def version(self):
        raise NotImplementedError

    def write(self, d, i, name, up, down):
        """Writes migration number i in the tool's layout; returns the path of its up SQL."""
        raise NotImplementedError

    def tool_url(self, engine, db):
        return engine.url(db)

    def apply(self, d, engine, db):
        raise NotImplementedError

    def status(self, d, engine, db):
        raise NotImplementedError

    def revert(self, d, engine, db):
        """Rolls the newest migration back with the tool; None when the tool cannot."""
        return None

    def has_setup(self, engine):
        return False

    def setup(self, d, engine, db):
        """The tool's own project setup, run before the base set."""
        raise NotImplementedError

    def setup_base(self, base):
        """The base set as the setup scenario writes it."""
        return base

    def write_spelled(self, d, version, table):
        """A migration whose version is spelled `version` (the versions scenario); None when
        the tool has no such spelling question."""
        return None

    # The versions scenario's migrations for this tool: (spelling, table), applied, then pending.
    spelled = SPELLED
    spelled_pending = SPELLED_PENDING

    def spelled_key(self, spelling):
        """The version the tool and preflight report for a spelling of the versions scenario."""
        return spelling


def diesel_version(name):
    """diesel_migrations' `version_from_string`: the text before the first `_`, dashes removed."""
    return name.split("_")[0].replace("-", "")


def cargo_install(crate, version, binary, extra):
    root = CACHE / "cargo"
    if (root / "bin" / binary).exists():
        return
    print(f"installing {crate} {version} with cargo (slow: 10+ minutes on 2 cores)…", flush=True)
    cmd = ["nice", "cargo", "install", "--locked", "--root", str(root), crate, "--version", version, *extra]
    env = {k: v for k, v in os.environ.items() if k != "CARGO_TARGET_DIR"}
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"cargo install {crate} failed:\n{p.stderr[-3000:]}")


def npm_install(prefix, packages):
    prefix.mkdir(parents=True, exist_ok=True)
    check(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(prefix), *packages], timeout=900)


class Dbmate(Tool):
    name = tracker = "dbmate"

    def binary(self):
        return CACHE / "npm" / "node_modules" / ".bin" / "dbmate"

    def install(self):
        if not self.binary().exists():
            npm_install(CACHE / "npm", [f"dbmate@{VERSIONS['dbmate']}"])

    def version(self):
        return check([str(self.binary()), "--version"]).strip()

    def write(self, d, i, name, up, down):
        path = d / f"{version_of(i)}_{name}.sql"
        path.write_text(f"-- migrate:up\n{up}\n-- migrate:down\n{down}")
        return path

    def tool_url(self, engine, db):
        return engine.url(db) + ("?sslmode=disable" if engine.name == "postgres" else "")

    def write_spelled(self, d, version, table):
        path = d / f"{version}_{table}.sql"
        path.write_text(f"-- migrate:up\nCREATE TABLE {table} (id INT PRIMARY KEY);\n"
                        f"-- migrate:down\nDROP TABLE {table};\n")
        return path

    def _cmd(self, d, engine, db, *args):
        return [str(self.binary()), "--url", self.tool_url(engine, db), "--migrations-dir", str(d),
                "--no-dump-schema", *args]

    def apply(self, d, engine, db):
        return run(self._cmd(d, engine, db, "up"))

    def revert(self, d, engine, db):
        return run(self._cmd(d, engine, db, "rollback"))

    def status(self, d, engine, db):
        code, out = run(self._cmd(d, engine, db, "status"))
        verdicts = {}
        for line in out.splitlines():
            m = re.match(r"\[( |X)\] (\d+)_", line.strip())
            if m:
                verdicts[m.group(2)] = "applied" if m.group(1) == "X" else "pending"
        return verdicts, out


class Sqlx(Tool):
    name = tracker = "sqlx"
    checks_checksums = True
    reports_orphans = True

    def binary(self):
        return CACHE / "cargo" / "bin" / "sqlx"

    def install(self):
        cargo_install("sqlx-cli", VERSIONS["sqlx"], "sqlx",
                      ["--no-default-features", "--features", "postgres,mysql,rustls,sqlx-toml"])

    def version(self):
        return check([str(self.binary()), "--version"]).strip()

    def write(self, d, i, name, up, down):
        # The reversible layout (`sqlx migrate add -r`), so that `migrate revert` works.
        path = d / f"{version_of(i)}_{name}.up.sql"
        path.write_text(up)
        (d / f"{version_of(i)}_{name}.down.sql").write_text(down)
        return path

    def apply(self, d, engine, db):
        return run([str(self.binary()), "migrate", "run", "--source", str(d),
                    "--database-url", self.tool_url(engine, db)], cwd=d.parent)

    def revert(self, d, engine, db):
        return run([str(self.binary()), "migrate", "revert", "--source", str(d),
                    "--database-url", self.tool_url(engine, db)], cwd=d.parent)

    def has_setup(self, engine):
        return True

    def setup(self, d, engine, db):
        # sqlx 0.9's cure for line-ending churn, read from the directory sqlx-cli runs in.
        # And its own name for the tracker table, which preflight must read there too.
        (d.parent / "sqlx.toml").write_text(
            '[migrate]\nignored-chars = ["\\r"]\ntable-name = "app_migrations"\n')
        return 0, ""

    def setup_base(self, base):
        # Files written on Windows.
        return [(n, up.replace("\n", "\r\n"), down) for n, up, down in base]

    def status(self, d, engine, db):
        url = self.tool_url(engine, db)
        _, out = run([str(self.binary()), "migrate", "info", "--source", str(d), "--database-url", url],
                     cwd=d.parent)
        out = strip_ansi(out)
        verdicts = {}
        for line in out.splitlines():
            m = re.match(r"(\d+)/(installed \(different checksum\)|installed|pending) ", line)
            if m:
                verdicts[m.group(1)] = {"installed": "applied", "pending": "pending"}.get(
                    m.group(2), "edited")
        # `migrate info` lists a success = false row as installed; `migrate run` refuses it as
        # partially applied. A dry run asks sqlx without changing anything.
        _, dry = run([str(self.binary()), "migrate", "run", "--dry-run", "--source", str(d),
                      "--database-url", url], cwd=d.parent)
        dry = strip_ansi(dry)
        m = re.search(r"migration (\d+) is partially applied", dry)
        if m:
            verdicts[m.group(1)] = "failed"
        m = re.search(r"migration (\d+) was previously applied but is missing", dry)
        if m:
            verdicts[m.group(1)] = "orphan"
        return verdicts, out + dry


class Diesel(Tool):
    name = tracker = "diesel"

    def binary(self):
        return CACHE / "cargo" / "bin" / "diesel"

    def install(self):
        cargo_install("diesel_cli", VERSIONS["diesel"], "diesel",
                      ["--no-default-features", "--features", "postgres,mysql"])

    def version(self):
        out = check([str(self.binary()), "--version"])
        m = re.search(r"Version: (\S+)", out)
        return f"diesel {m.group(1)}" if m else out.strip()

    def write(self, d, i, name, up, down):
        v = version_of(i)
        # The name `diesel migration generate` gives (2.3): date, time, a four-digit counter.
        sub = d / f"{v[0:4]}-{v[4:6]}-{v[6:8]}-{v[8:14]}-0000_{name}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / "up.sql").write_text(up)
        (sub / "down.sql").write_text(down)
        return sub / "up.sql"

    # Directory names that are no timestamps: Diesel's version is the text before the first `_`
    # (or the whole name) without dashes, compared as text (`10` < `2` < `9` < `initial`).
    spelled = [("initial", "t_initial"), ("v1_init", "t_v1"), ("10_ten", "t_10"),
               ("9_nine", "t_9"), ("2024-01-01-000000-000a_hex", "t_hex")]
    spelled_pending = ("2_two", "t_2")

    def spelled_key(self, spelling):
        return diesel_version(spelling)

    def write_spelled(self, d, version, table):
        sub = d / version
        sub.mkdir(parents=True, exist_ok=True)
        (sub / "up.sql").write_text(f"CREATE TABLE {table} (id INT PRIMARY KEY);\n")
        (sub / "down.sql").write_text(f"DROP TABLE {table};\n")
        return sub / "up.sql"

    def _cmd(self, d, engine, db, *args):
        return [str(self.binary()), "migration", *args, "--migration-dir", str(d),
                "--database-url", self.tool_url(engine, db)]

    def apply(self, d, engine, db):
        return run(self._cmd(d, engine, db, "run"), cwd=d)

    def revert(self, d, engine, db):
        return run(self._cmd(d, engine, db, "revert"), cwd=d)

    def has_setup(self, engine):
        return engine.name == "postgres"  # diesel setup writes no initial migration for MySQL

    def setup(self, d, engine, db):
        # `diesel setup` writes 00000000000000_diesel_initial_setup (it needs a diesel.toml or
        # Cargo.toml above the directory to know the project root).
        (d.parent / "diesel.toml").touch()
        return run([str(self.binary()), "setup", "--migration-dir", str(d),
                    "--database-url", self.tool_url(engine, db)], cwd=d.parent)

    def setup_base(self, base):
        name, up, down = base[2]
        up = up.replace("label VARCHAR(50) NOT NULL",
                        "label VARCHAR(50) NOT NULL, updated_at TIMESTAMP NOT NULL DEFAULT now()")
        return base[:2] + [(name, up + "\nSELECT diesel_manage_updated_at('tags');\n", down)]

    def status(self, d, engine, db):
        _, out = run(self._cmd(d, engine, db, "list"), cwd=d)
        verdicts = {}
        for line in out.splitlines():
            m = re.match(r"\[( |X)\] (\S+)", line.strip())
            if m:
                verdicts[diesel_version(m.group(2))] = "applied" if m.group(1) == "X" else "pending"
        return verdicts, out


class Refinery(Tool):
    """refinery_cli has `setup` and `migrate` only: no status command. Its verdict is what a
    real `refinery migrate -d -m` (abort on divergent and missing) does, run after preflight
    has read the database: each migration it logs as applying was pending; one it rejects as
    divergent was edited; every other file was applied."""
    name = tracker = "refinery"
    checks_checksums = True
    reports_orphans = True
    status_mutates = True

    def binary(self):
        return CACHE / "cargo" / "bin" / "refinery"

    def install(self):
        cargo_install("refinery_cli", VERSIONS["refinery"], "refinery",
                      ["--no-default-features", "--features", "postgresql,mysql"])

    def version(self):
        return check([str(self.binary()), "--version"]).strip()

    def write(self, d, i, name, up, down):
        path = d / f"V{i + 1}__{name}.sql"
        path.write_text(up)
        return path

    def _migrate(self, d, engine, db):
        env = {"DATABASE_URL": self.tool_url(engine, db)}
        return run([str(self.binary()), "migrate", "-e", "DATABASE_URL", "-p", str(d), "-d", "-m"],
                   env=env)

    def apply(self, d, engine, db):
        return self._migrate(d, engine, db)

    def status(self, d, engine, db):
        files = sorted(int(m.group(1)) for p in d.iterdir()
                       if (m := re.match(r"V(\d+)__", p.name)))
        _, out = self._migrate(d, engine, db)
        verdicts = {str(v): "applied" for v in files}
        for m in re.finditer(r"applying migration: V(\d+)__", out):
            verdicts[m.group(1)] = "pending"
        for line in out.splitlines():
            if "divergent" in line.lower() or "different" in line.lower():
                for m in re.finditer(r"V(\d+)__", line):
                    verdicts[m.group(1)] = "edited"
            m = re.search(r"migration V(\d+)__\S* is missing from the filesystem", line)
            if m:
                verdicts[m.group(1)] = "orphan"
        return verdicts, out


class Prisma(Tool):
    name = tracker = "prisma"
    checks_checksums = True

    def binary(self):
        return CACHE / "npm-prisma" / "node_modules" / ".bin" / "prisma"

    def install(self):
        if not self.binary().exists():
            npm_install(CACHE / "npm-prisma", [f"prisma@{VERSIONS['prisma']}"])

    def probe(self):
        if not self.binary().exists():
            return
        code, out = run([str(self.binary()), "--version"], timeout=120)
        if code != 0:
            first = next((l for l in out.splitlines() if "Error" in l), out.strip()[:300])
            self.unavailable = ("the prisma CLI downloads its schema engine binary at run time, "
                                f"which fails here: {first.strip()}")

    def version(self):
        return f"prisma {VERSIONS['prisma']}"


TOOLS = {"dbmate": Dbmate, "sqlx": Sqlx, "diesel": Diesel, "refinery": Refinery, "prisma": Prisma}


# ---------------------------------------------------------------------------------------------
# One scenario


def preflight(bin_, engine, db, d, tracker):
    code, out = run([bin_, "reconcile", "--database-url", engine.url(db), "--migrations", str(d),
                     "--tracker", tracker, "--format", "json"])
    try:
        report = json.loads(out[out.index("{"):]) if "{" in out else None
    except json.JSONDecodeError:
        report = None
    if report is None:
        return code, {}, out
    verdicts = {}
    for m in report.get("migrations", []):
        version = str(m.get("version") or "")
        # dbmate/sqlx versions are the 14-digit timestamps, refinery's the number; Diesel's are
        # text (`initial`, `20240101000000000a`), kept as Diesel spells them.
        verdicts[version if tracker == "diesel" else re.sub(r"\D", "", version)] = m["status"]
    return code, verdicts, out


def scenario(tool, engine, name, bin_, keep):
    db = f"pf_toolref_{os.getpid()}_{tool.name}_{engine.name}_{name.replace('-', '_')}"
    project = Path(tempfile.mkdtemp(prefix=f"pf-{tool.name}-{name}-"))
    d = project / "migrations"
    d.mkdir()
    if name == "setup" and not tool.has_setup(engine):
        shutil.rmtree(project, ignore_errors=True)
        return None
    if name == "versions" and tool.write_spelled(d, *tool.spelled[0]) is None:
        shutil.rmtree(project, ignore_errors=True)
        return None
    engine.create(db)
    try:
        base = BASE
        if name == "setup":
            code, out = tool.setup(d, engine, db)
            if code != 0:
                raise RuntimeError(f"{tool.name} setup failed:\n{out}")
            base = tool.setup_base(BASE)
        if name == "versions":
            paths = [tool.write_spelled(d, v, t) for v, t in tool.spelled]
        else:
            paths = [tool.write(d, i, n, up, down) for i, (n, up, down) in enumerate(base)]
        code, out = tool.apply(d, engine, db)
        if code != 0:
            raise RuntimeError(f"{tool.name} could not apply the base set:\n{out}")
        expect_pf = {}
        notes = []
        if name == "pending":
            tool.write(d, 3, *PENDING)
        elif name == "versions":
            tool.write_spelled(d, *tool.spelled_pending)
            expect_pf[tool.spelled_key(tool.spelled_pending[0])] = {"pending", "out_of_order"}
        elif name == "edited":
            with open(paths[1], "a") as f:
                f.write(EDIT)
        elif name == "failed":
            tool.write(d, 3, *FAILING)
            code, out = tool.apply(d, engine, db)
            if code == 0:
                notes.append(f"{tool.name} reported success for the failing migration")
            # Whatever the tool recorded, its index does not exist: never plain `applied`.
            expect_pf[key(tool, 3)] = {"pending", "partial", "failed", "dirty", "missing_objects"}
        elif name == "dropped":
            engine.execute(db, f"DROP TABLE {DROPPED_TABLE}")
            expect_pf[key(tool, 2)] = {"missing_objects"}
        elif name == "reverted":
            result = tool.revert(d, engine, db)
            if result is None:
                return None
            if result[0] != 0:
                raise RuntimeError(f"{tool.name} could not revert:\n{result[1]}")
        elif name == "orphan":
            up = paths[2]
            if up.name == "up.sql":  # a directory per migration (Diesel)
                shutil.rmtree(up.parent)
            else:
                up.unlink()
                down = up.with_name(up.name.replace(".up.sql", ".down.sql"))
                if down != up and down.exists():
                    down.unlink()
            expect_pf[key(tool, 2)] = {"orphan"}
        if tool.status_mutates:
            pf_code, pf_v, pf_out = preflight(bin_, engine, db, d, tool.tracker)
            rows = tracker_rows(tool, engine, db, d)
            tool_v, tool_out = tool.status(d, engine, db)
        else:
            tool_v, tool_out = tool.status(d, engine, db)
            pf_code, pf_v, pf_out = preflight(bin_, engine, db, d, tool.tracker)
            rows = tracker_rows(tool, engine, db, d)
        if not pf_v:
            notes.append(f"preflight gave no report (exit {pf_code}): {pf_out.strip()[:300]}")
        keys = sorted(set(tool_v or {}) | set(pf_v))
        agree = bool(pf_v) and tool_v is not None
        for k in keys:
            t, p = (tool_v or {}).get(k), pf_v.get(k)
            if t is None and p == "orphan" and not tool.reports_orphans and tool_v is not None:
                notes.append(f"{k}: the tool does not list an applied migration without a file")
                continue
            if t is None or p is None or PF_CLASS.get(p) != t:
                agree = False
                notes.append(f"{k}: tool {t}, preflight {p}")
            if k in expect_pf and p not in expect_pf[k]:
                agree = False
                notes.append(f"{k}: preflight {p}, expected {'/'.join(sorted(expect_pf[k]))}")
        if name in ("in-sync", "setup"):
            findings = json.loads(pf_out[pf_out.index("{"):]).get("findings", []) if pf_v else []
            if pf_code != 0 or findings:
                agree = False
                notes.append(f"preflight exited {pf_code} with findings on an in-sync database: "
                             + "; ".join(f"{f.get('rule')} {f.get('message')}" for f in findings))
        if name == "in-sync":
            # The table the real tool created must also be recognised without --tracker.
            _, out = run([bin_, "reconcile", "--database-url", engine.url(db), "--migrations", str(d),
                          "--format", "json"])
            detected = json.loads(out[out.index("{"):]).get("database", {}).get("tracker") if "{" in out else None
            if detected != tool.tracker:
                agree = False
                notes.append(f"--tracker auto detected {detected!r}, not {tool.tracker}")
        if tool_v is not None:
            tool_v = dict(tool_v, **{k: "not listed" for k in keys if k not in tool_v})
        return {
            "tool_verdict": summarize(tool_v),
            "pf_verdict": summarize(pf_v),
            "agree": agree,
            "notes": notes,
            "tool_out": tool_out,
            "pf_out": pf_out if not agree else "",
            "rows": rows,
        }
    finally:
        if not keep:
            engine.drop(db)
            shutil.rmtree(project, ignore_errors=True)
        else:
            print(f"kept {db} and {project}")


def key(tool, i):
    """Migration i's version as preflight's report and the tool's status spell it (digits)."""
    if tool.name == "refinery":
        return str(i + 1)
    return version_of(i) + ("0000" if tool.name == "diesel" else "")


TRACKER_SQL = {
    "dbmate": "SELECT version FROM schema_migrations ORDER BY version",
    "sqlx": "SELECT version, description, success, {hex}, execution_time > 0 FROM {table} ORDER BY version",
    "diesel": "SELECT version FROM __diesel_schema_migrations ORDER BY version",
    "refinery": "SELECT version, name, applied_on, checksum FROM refinery_schema_history ORDER BY version",
}


def tracker_rows(tool, engine, db, d):
    sql = TRACKER_SQL.get(tool.name)
    if not sql:
        return ""
    hexcol = "encode(checksum, 'hex')" if engine.name == "postgres" else "LOWER(HEX(checksum))"
    # sqlx.toml's `table-name` (setup scenario), else sqlx's default table.
    toml = d.parent / "sqlx.toml"
    m = re.search(r'table-name = "([^"]+)"', toml.read_text()) if toml.exists() else None
    return engine.query(db, sql.format(hex=hexcol, table=m.group(1) if m else "_sqlx_migrations"))


def summarize(verdicts):
    """`3 applied, 1 pending`, in the order the verdicts first appear by version."""
    if verdicts is None:
        return "(no status command)"
    if not verdicts:
        return "(nothing)"
    counts = {}
    for _, v in sorted(verdicts.items(), key=lambda kv: (len(kv[0]), kv[0])):
        counts[v] = counts.get(v, 0) + 1
    return ", ".join(f"{n} {v}" for v, n in counts.items())


# ---------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tools", default="dbmate,prisma,sqlx,diesel,refinery")
    ap.add_argument("--engines", default="postgres,mariadb")
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--no-install", action="store_true", help="use only tools already in the cache")
    ap.add_argument("--keep", action="store_true", help="keep the scratch databases and directories")
    ap.add_argument("--verbose", action="store_true", help="print every tool's and preflight's output")
    args = ap.parse_args()

    bin_ = os.environ.get("PREFLIGHT_BIN")
    if not bin_:
        check(["cargo", "build", "--release", "--no-default-features", "--quiet"], cwd=REPO, timeout=3600)
        bin_ = str(Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target")) / "release" / "preflight")
    print(f"preflight: {check([bin_, '--version']).strip()}")

    results, skipped = [], []
    for name in args.tools.split(","):
        tool = TOOLS[name]()
        try:
            if not args.no_install:
                tool.install()
            tool.probe()
            if tool.unavailable:
                raise RuntimeError(tool.unavailable)
            if not tool.binary().exists():
                raise RuntimeError("not installed (run without --no-install)")
            print(f"{name}: {tool.version()}", flush=True)
        except Exception as e:  # noqa: BLE001 — report and go on with the other tools
            skipped.append((name, str(e).strip().splitlines()[0][:300]))
            continue
        for engine_name in args.engines.split(","):
            if engine_name not in tool.engines:
                continue
            engine = Engine(engine_name)
            for sc in args.scenarios.split(","):
                try:
                    r = scenario(tool, engine, sc, bin_, args.keep)
                    if r is None:
                        continue  # the tool has no such command (refinery: no revert)
                except Exception as e:  # noqa: BLE001
                    r = {"tool_verdict": "-", "pf_verdict": "-", "agree": False,
                         "notes": [f"error: {str(e)[:500]}"], "tool_out": "", "pf_out": "", "rows": ""}
                r.update(tool=name, engine=engine_name, scenario=sc)
                results.append(r)
                mark = "agree" if r["agree"] else "DISAGREE"
                print(f"  {name:9} {engine_name:8} {sc:8} {mark}", flush=True)
                if args.verbose or not r["agree"]:
                    for n in r["notes"]:
                        print(f"      {n}")
                    if r["rows"]:
                        print("      tracker rows: " + r["rows"].replace("\n", " | "))
                    if args.verbose or r["tool_out"]:
                        print("      tool: " + r["tool_out"].strip().replace("\n", "\n            "))

    print()
    print("| tool | engine | scenario | tool's verdict | preflight's verdict | | notes |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(f"| {r['tool']} | {r['engine']} | {r['scenario']} | {r['tool_verdict']} | "
              f"{r['pf_verdict']} | {'agree' if r['agree'] else 'DISAGREE'} | {'; '.join(r['notes'])} |")
    for name, why in skipped:
        print(f"| {name} | – | – | not run: {why} | | | |")
    bad = [r for r in results if not r["agree"]]
    print(f"\n{len(results) - len(bad)} agree, {len(bad)} disagree, {len(skipped)} tool(s) not run")
    if bad:
        sys.exit(1)
    if not results:
        sys.exit(2)


if __name__ == "__main__":
    main()
