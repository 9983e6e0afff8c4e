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

    n, i, last, stack, inserts, bodies = len(text), 0, None, [], [], []
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
            # A dollar-quoted body (a `DO` block's or a function's): the statements in it are
            # parsed by the same PostgreSQL when they run.
            body_start, body_end = i + len(m.group(0)), (n if j < 0 else j)
            body = text[body_start:body_end]
            aliased = add_subquery_aliases(body)
            if aliased != body:
                bodies.append((body_start, body_end, aliased))
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
    edits = [(pos, pos, f" AS pf_pg16_subquery_{k + 1}") for k, pos in enumerate(inserts)]
    for start, end, new in sorted(edits + bodies, reverse=True):
        text = text[:start] + new + text[end:]
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
    aliases (`add_subquery_aliases`, dollar-quoted bodies included; lemmy's 2025-08-01-000016 is
    the only up-migration that needs one, and `fix` may wrap it in a `DO` block)."""

    def __init__(self):
        super().__init__("diesel-lemmy-v2", True)

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


# ---------------------------------------------------------------- MySQL / MariaDB runners

# A statement delimiter that occurs in no corpus file: the `mariadb` client is started with
# `--delimiter=` it, and a runner's `text` puts it where the tool ends a query, so the client
# sends exactly the queries the tool sends (its `;` handling and `DELIMITER` lines are bypassed).
CLIENT_DELIMITER = "$pf_end$"

# Statements after which MySQL/MariaDB has committed (the "Statements That Cause an Implicit
# Commit" list: DDL, routine DDL, transaction control, locks, grants; CALL counts because the
# corpus's procedures run DDL). Under a runner with autocommit off, a crash rolls back to the
# last of these.
IMPLICIT_COMMIT = re.compile(
    r"^\s*(CREATE|ALTER|DROP|RENAME|TRUNCATE|CALL|COMMIT|BEGIN|START|LOCK|UNLOCK|GRANT|REVOKE)\b",
    re.I)


def commit_points(spans):
    """Crash points k (statements 0..k-1 applied) a runner with autocommit off can leave behind:
    none, the whole file, or up to a statement that committed implicitly."""
    n = len(spans)
    return [k for k in range(n + 1)
            if k in (0, n) or IMPLICIT_COMMIT.match(re.sub(r"(?s)/\*.*?\*/", " ", spans[k - 1][2]))]


def mysql_statement_ends(text):
    """Offsets of the `;`s where the MySQL/MariaDB server's parser ends a statement of a
    multi-statement query (the file sent whole). A stored-program definition (CREATE …
    PROCEDURE/FUNCTION/TRIGGER/EVENT, or `BEGIN NOT ATOMIC`) holds `;`s: it ends at the first
    `;` outside its BEGIN … END blocks and CASE … END expressions (`END IF`, `END LOOP`, `END
    WHILE`, `END REPEAT` close no BEGIN; `END CASE` closes a CASE)."""
    ends, i, n = [], 0, len(text)
    words, stack, routine = [], [], None
    plain = ("TABLE", "INDEX", "VIEW", "UNIQUE", "DATABASE", "SCHEMA", "USER", "SEQUENCE", "ROLE",
             "SERVER", "TEMPORARY")

    def is_routine():
        if words[:3] == ["BEGIN", "NOT", "ATOMIC"]:
            return True
        if words[:1] != ["CREATE"]:
            return False if words else None
        for w in words[1:8]:
            if w in plain:
                return False
            if w in ("PROCEDURE", "FUNCTION", "TRIGGER", "EVENT"):
                return True
        return None if len(words) < 8 else False

    while i < n:
        c = text[i]
        if (text.startswith("--", i) and (i + 2 >= n or text[i + 2] in " \t\r\n")) or c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        if c in "'\"`":
            j = i + 1
            while j < n:
                if text[j] == "\\" and c != "`":
                    j += 2
                    continue
                if text[j] == c:
                    if j + 1 < n and text[j + 1] == c:
                        j += 2
                        continue
                    break
                j += 1
            i = j + 1
            words.append("?")
            continue
        if c.isalpha() or c == "_":
            word = re.match(r"\w+", text[i:]).group(0).upper()
            i += len(word)
            words.append(word)
            if routine is None:
                routine = is_routine()
            if routine:
                if word in ("BEGIN", "CASE"):
                    stack.append(word)
                elif word == "END":
                    nxt = re.match(r"\s*(\w+)", text[i:])
                    nxt = nxt.group(1).upper() if nxt else ""
                    if nxt in ("IF", "LOOP", "WHILE", "REPEAT"):
                        i += len(re.match(r"\s*\w+", text[i:]).group(0))
                    else:
                        if nxt == "CASE":
                            i += len(re.match(r"\s*\w+", text[i:]).group(0))
                        if stack:
                            stack.pop()
            continue
        if c == ";":
            if not stack:
                ends.append(i)
                words, stack, routine = [], [], None
            i += 1
            continue
        i += 1
    return ends


def with_client_delimiter(text, ends):
    """`text` with the `;` at each offset of `ends` replaced by CLIENT_DELIMITER."""
    out, last = [], 0
    for e in ends:
        out.append(text[last:e])
        out.append(CLIENT_DELIMITER)
        last = e + 1
    out.append(text[last:])
    return "".join(out)


class MysqlRunner(Runner):
    """A runner on MySQL/MariaDB. `autocommit`: every statement commits on its own, so a crash
    can leave any prefix; otherwise a crash (or an error: the runner rolls back) leaves the
    statements up to the last implicit commit (`commit_points`)."""

    client_delimiter = None
    # What the runner runs on its connection before the migrations (the client's
    # `--init-command`).
    init_sql = None

    def __init__(self, name, autocommit):
        super().__init__(name, False)
        self.autocommit = autocommit

    def crash_points(self, path, spans):
        return None if self.autocommit else commit_points(spans)


class WholeFileMulti(MysqlRunner):
    """A runner that sends each file whole as one multi-statement query (authelia on MySQL:
    `internal/storage/sql_provider_schema.go` executes each migration's `Query` with one
    `ExecContext`, outside a transaction because the provider is MySQL, and its MySQL DSN enables
    `multiStatements`; ory popx: `tx.Exec(content)` of the whole file, `multiStatements=true`
    added to every MySQL DSN by ory/x sqlcon). The server splits the statements itself, stored
    programs included, and stops at the first error: the file is replayed through the `mariadb`
    client with a delimiter put where the server ends each statement (`mysql_statement_ends`)."""

    client_delimiter = CLIENT_DELIMITER

    def text(self, path, text):
        return with_client_delimiter(text, mysql_statement_ends(text))


class PopxMysql(WholeFileMulti):
    """ory popx on MySQL: each file whole (`WholeFileMulti`), in a transaction
    (popx/migrator.go `isolatedTransaction`) unless `.autocommit.` is in its name; DDL commits
    implicitly on MySQL/MariaDB, so a crash keeps what the last implicit commit kept."""

    def __init__(self, sql_mode=None):
        super().__init__("popx-mysql" + (f"-sql_mode={sql_mode}" if sql_mode is not None else ""),
                         False)
        if sql_mode is not None:
            self.init_sql = f"SET SESSION sql_mode = '{sql_mode}'"

    def crash_points(self, path, spans):
        return None if ".autocommit." in path.name else commit_points(spans)


class DieselVaultwardenMysql(MysqlRunner):
    """vaultwarden's MySQL migrations through diesel_migrations: each migration in a transaction
    (`run_migration` wraps it in `conn.transaction`; DDL commits implicitly, so a crash keeps
    what the last implicit commit kept), on a connection where vaultwarden has run `SET
    FOREIGN_KEY_CHECKS = 0` (src/db/mod.rs `mysql_migrations::run_migrations`: "Disable Foreign
    Key Checks during migration") and diesel's `MysqlConnection::establish` `SET time_zone =
    '+00:00'` (and utf8mb4 for the client, as the `mariadb` client already has). Without the
    first, MariaDB refuses vaultwarden's first file: since 10.5 it honours a column's inline
    `REFERENCES` (MySQL ignores it), and `ciphers` references `folders` before the file creates
    it (errno 150, "Referenced table … not found in the data dictionary")."""

    init_sql = "SET SESSION foreign_key_checks = 0, time_zone = '+00:00'"

    def __init__(self):
        super().__init__("diesel-vaultwarden-mysql", False)


def mysqlpl_chunks(text):
    """((first_line, last_line, delimiter_end) of each command, unsent lines) as ranger's jisql
    sends a MySQL file: `jisql/src/main/java/org/apache/util/sql/Jisql.java` `run` hands a file
    on a `jdbc:mysql` connection to `MySQLPLRunner(connection, false, true, …)` with the
    terminator `;` (db_setup.py `MysqlConf.get_jisql_cmd`: `-c \\;`). `MySQLPLRunner.runScript`
    reads line by line: it skips blank lines and lines starting with `--` or `//`, a line matching
    `(?i)delimiter.+` sets the delimiter, and a line whose trimmed text ends with the delimiter
    ends the command (the delimiter is cut off the line unless it is `;`); each command is one
    `Statement.execute`. Lines left at the end of the file are never sent."""
    delim = ";"
    chunks, first, skipped = [], None, set()
    for no, line in enumerate(text.split("\n"), 1):
        t = line.strip()
        if not t or t.startswith("--") or t.startswith("//"):
            skipped.add(no)
            continue
        if re.fullmatch(r"(?i)delimiter.+", t):
            delim = re.split(r"(?i)delimiter", t)[1].strip()
            skipped.add(no)
            continue
        if first is None:
            first = no
        if t.endswith(delim):
            chunks.append((first, no, delim))
            first = None
    unsent = set()
    if first is not None:
        unsent = set(range(first, text.count("\n") + 2))
    return chunks, unsent | skipped


class JisqlMysql(MysqlRunner):
    """ranger's db_setup.py through jisql on MySQL (`mysqlpl_chunks`): autocommit off
    (`MySQLPLRunner(connection, false, …)` sets it; `runScript` commits at the end and rolls back
    in `finally`), so a crash or an error keeps what the last implicit commit kept; the first
    error ends the run (`stopOnError`), and db_setup.py runs the file again on the next attempt
    (as `Jisql`). Known difference, checked absent from the corpus's ranger MySQL files: jisql
    joins a command's lines with a space, so a `--`/`#` comment at the end of a line inside a
    command would swallow the rest of it (the client here keeps the newlines)."""

    client_delimiter = CLIENT_DELIMITER

    def __init__(self):
        super().__init__("jisql-mysql", False)

    def text(self, path, text):
        chunks, unsent = mysqlpl_chunks(text)
        lines = text.split("\n")
        for i in unsent:
            if i <= len(lines):
                lines[i - 1] = " " * len(lines[i - 1])
        for _, last, delim in chunks:
            line = lines[last - 1].rstrip()
            lines[last - 1] = line[: len(line) - len(delim)] + CLIENT_DELIMITER
        return "\n".join(lines)

    def crash_points(self, path, spans):
        return commit_points(spans)

    def unsent_lines(self, path, text):
        return mysqlpl_chunks(text)[1]
