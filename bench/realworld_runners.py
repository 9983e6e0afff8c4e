"""Migration tools whose way of running a file `bench/realworld.py` has to reproduce beyond
"each file in order, in a transaction or not": what the tool sends (same line count as the file,
so the server's error lines still point into it), what runs before a file and its retry, which
crash points exist, and which lines the tool never sends. Each model cites the tool's source.
"""

import re
from pathlib import Path


class Runner:
    """Each file sent as it is (psql), in a transaction per file or not. `name` is the cache key
    of the measurement (it must change whenever the model does)."""

    # squawk_compare's reference for this runner's files: "every-crash-point" (statements
    # 0..k-1 applied, then the whole file, for every k: the model of a linter that knows no
    # runner) or "runner" (the runner's own replay: the file is never run any other way).
    reference = "every-crash-point"

    def __init__(self, name, transactional):
        self.name = name
        self.transactional = transactional

    def __bool__(self):
        return self.transactional

    def __str__(self):
        return self.name

    def every_crash_point(self):
        """The same runner with any crash point possible (no transaction per file)."""
        twin = type(self).__new__(type(self))
        twin.__dict__.update(self.__dict__)
        twin.name, twin.transactional = self.name + "-every-crash-point", False
        return twin

    def in_transaction(self, path: Path) -> bool:
        return self.transactional

    def text(self, path: Path, text: str) -> str:
        """What the tool sends for `path` (whose text is `text`), same line count."""
        return text

    def setup_sql(self) -> str:
        """SQL (psql script) the tool runs on the database before the first file."""
        return ""

    def setup_files(self):
        """(paths, runner): migrations the tool applies before these files (not measured)."""
        return [], None

    def prologue(self, paths, index) -> str:
        """psql script run before file `index` of `paths`, in the same transaction, and again
        before each of its retries (after the retry's prefix)."""
        return ""

    def before_each_run(self) -> str:
        """The SQL part of `prologue` that is the same before every file (no `\\i` of earlier
        files): what `preflight lint --before-each-run` is told the runner executes."""
        return ""

    def crash_points(self, path: Path, spans):
        """The k (statements 0..k-1 applied) at which the tool can stop, for the statement
        spans (start_line, end_line, text) of what it sends; None = every k."""
        return None

    def unsent_lines(self, path: Path, text: str):
        """Lines of the file the tool never sends to the server."""
        return set()


# ---------------------------------------------------------------- apache ranger: jisql

JISQL_START = "select 'delimiter start';"
JISQL_END = "select 'delimiter end';"


def jisql_chunks(text):
    """((first_line, last_line) of each query jisql sends, lines it never sends).

    ranger's `security-admin/scripts/db_setup.py` runs each PostgreSQL file with
    `Jisql -driver postgresql … -c \\; -input FILE` (`PostgresConf.get_jisql_cmd`, `execute_file`).
    `jisql/src/main/java/org/apache/util/sql/Jisql.java` `doIsql` reads the file line by line,
    skips lines that are blank or start with `--`, and sends what it gathered when a line ends
    with the command terminator (`;`). A line starting with `select 'delimiter start';` is
    skipped and makes `select 'delimiter end';` the terminator for the rest of the file (it is
    never set back), so a function body goes out whole, together with what follows up to the
    next `select 'delimiter end';`. What is left at the end of the file is dropped unsent."""
    term = ";"
    chunks, first = [], None
    for no, line in enumerate(text.split("\n"), 1):
        t = line.strip()
        if not t or t.startswith("--"):
            continue
        if t.lower().startswith(JISQL_START):
            term = JISQL_END
            continue
        if first is None:
            first = no
        if t.lower() == term.lower() or t.endswith(term):
            chunks.append((first, no))
            first = None
    unsent = set()
    if first is not None:
        unsent = set(range(first, text.count("\n") + 2))
    return chunks, unsent


class Jisql(Runner):
    """ranger's db_setup.py through jisql: no transaction (JDBC autocommit: each query jisql
    sends commits alone), the first error ends the run (`doIsql` rethrows the SQLException,
    `run` exits 1), and db_setup.py runs the file again on the next attempt (the core schema
    up to 3 times in a row, `import_core_db_schema`; a patch on the next start, after
    `import_db_patches` deleted its in-progress version row). A crash can only fall between
    two queries jisql sends."""

    def __init__(self):
        super().__init__("jisql", False)

    def text(self, path, text):
        chunks, unsent = jisql_chunks(text)
        lines = text.split("\n")
        for i, line in enumerate(lines, 1):
            t = line.strip().lower()
            if i in unsent or t.startswith(JISQL_START) or t == JISQL_END:
                lines[i - 1] = " " * len(line)
            elif t.endswith(JISQL_END):
                lines[i - 1] = line[: line.lower().rindex(JISQL_END)]
        return "\n".join(lines)

    def crash_points(self, path, spans):
        chunks, _ = jisql_chunks(path.read_text(errors="replace"))

        def chunk_of(line):
            return next((i for i, (a, b) in enumerate(chunks) if a <= line <= b), None)

        owners = [chunk_of(s[0]) for s in spans]
        return [k for k in range(len(spans) + 1)
                if k in (0, len(spans)) or owners[k - 1] != owners[k]]

    def unsent_lines(self, path, text):
        return jisql_chunks(text)[1]


def ranger_patch_order(directory: Path):
    """db_setup.py `apply_patches`: `os.listdir(PATCHES_PATH)` sorted by the name up to its first
    dot, as strings; `import_db_patches` runs only regular files (`os.path.isfile`), so the
    `audit/` directory is skipped."""
    names = sorted((p.name for p in directory.iterdir()), key=lambda x: str(x.split(".")[0]))
    return [directory / n for n in names if (directory / n).is_file()]


# ---------------------------------------------------------------- lemmy

def add_subquery_aliases(text):
    """`text` with an alias after each unaliased subquery in FROM / JOIN (same line count).

    PostgreSQL 16 accepts `FROM (SELECT …)` without an alias (release notes: "Allow subqueries
    in the FROM clause to omit aliases"); the subquery's columns are reachable only unqualified
    then, exactly as with an alias nobody names. PostgreSQL 15 rejects it ("subquery in FROM
    must have an alias"). A fresh alias per subquery, unused anywhere, keeps the meaning."""
    follow = {"group", "where", "order", "limit", "offset", "union", "except", "intersect",
              "join", "inner", "left", "right", "full", "cross", "natural", "on", "using",
              "window", "having", "for", "returning", "fetch"}

    def skip(i):
        while i < len(text):
            if text[i].isspace():
                i += 1
            elif text.startswith("--", i):
                j = text.find("\n", i)
                i = len(text) if j < 0 else j
            elif text.startswith("/*", i):
                j = text.find("*/", i + 2)
                i = len(text) if j < 0 else j + 2
            else:
                break
        return i

    n, i, last, stack, inserts = len(text), 0, None, [], []
    while i < n:
        c = text[i]
        if text.startswith("--", i) or text.startswith("/*", i):
            i = skip(i)
            continue
        if c in "'\"":
            j = i + 1
            while j < n and not (text[j] == c and not text.startswith(c * 2, j)):
                j += 2 if text.startswith(c * 2, j) else 1
            i, last = j + 1, None
            continue
        m = re.match(r"\$([A-Za-z_]\w*)?\$", text[i:]) if c == "$" else None
        if m:
            j = text.find(m.group(0), i + len(m.group(0)))
            i, last = (n if j < 0 else j + len(m.group(0))), None
            continue
        if c.isalpha() or c == "_":
            word = re.match(r"\w+", text[i:]).group(0)
            i, last = i + len(word), word.lower()
            continue
        if c == "(":
            inner = re.match(r"\w+", text[skip(i + 1):])
            stack.append(last in ("from", "join") and inner is not None
                         and inner.group(0).lower() in ("select", "values", "with"))
        elif c == ")" and stack and stack.pop():
            after = re.match(r"\w+", text[skip(i + 1):])
            if after is None or after.group(0).lower() in follow:
                inserts.append(i + 1)
        if not c.isspace():
            last = None
        i += 1
    for k, pos in enumerate(reversed(inserts)):
        text = text[:pos] + f" AS pf_pg16_subquery_{len(inserts) - k}" + text[pos:]
    return text


# diesel `diesel/src/migration/setup_migration_table.sql`, run by `MigrationHarness` before the
# first migration (lemmy's `forbid_diesel_cli` migration puts a trigger on it).
DIESEL_TABLE = """CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (
       version VARCHAR(50) PRIMARY KEY NOT NULL,
       run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
"""


class DieselLemmy(Runner):
    """lemmy's migrations through diesel_migrations: a transaction per migration, after diesel's
    tracker table exists; run on PostgreSQL 15 with the PostgreSQL 16 subquery syntax given
    aliases (`add_subquery_aliases`; lemmy's 2025-08-01-000016 is the only up-migration that
    needs one)."""

    def __init__(self):
        super().__init__("diesel-lemmy-v1", True)

    def text(self, path, text):
        return add_subquery_aliases(text)

    def setup_sql(self):
        return DIESEL_TABLE


class LemmyReplaceable(Runner):
    """lemmy's replaceable schema (`crates/diesel_utils/src/schema_setup/mod.rs`): on every
    start with something to do, `run_with_connection` runs `DROP SCHEMA IF EXISTS r CASCADE`,
    the pending migrations, then `run_replaceable_schema`: one transaction with
    `CREATE SCHEMA r;` + utils.sql + triggers.sql (`replaceable_schema()`) and the update of
    `previously_run_sql`. A crash rolls that transaction back, and the next start drops `r`
    again: the files never run on top of themselves, so the runner's replay is the reference.
    `setup` is lemmy's migrations (with `DieselLemmy`'s model), applied first."""

    reference = "runner"

    def __init__(self, migrations):
        super().__init__("lemmy-replaceable-v2", True)
        self.migrations = migrations

    def setup_files(self):
        return self.migrations, DieselLemmy()

    def before_each_run(self):
        return "DROP SCHEMA IF EXISTS r CASCADE;\nCREATE SCHEMA r;\n"

    def prologue(self, paths, index):
        earlier = "".join(f"\\i {p}\n" for p in paths[:index])
        return self.before_each_run() + earlier
