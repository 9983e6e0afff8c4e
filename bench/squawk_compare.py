#!/usr/bin/env python3
"""preflight vs squawk, rule by rule, on the corpus's PostgreSQL files.

    bench/squawk_compare.py            # needs: a preflight build ($PF, default
                                       # $CARGO_TARGET_DIR/release/preflight), squawk ($SQUAWK)

For every squawk rule, the statements squawk flags (S) and the statements its preflight
counterparts flag (P, the codes in bench/squawk_map*.tsv) are compared at statement level:
a finding belongs to the statement whose lines contain it (file + line span; statements are
split on top-level `;`, quotes, dollar quotes and comments respected, so a DO block is one
statement). agreement = |S and P| / |S or P|.

Disagreements are sorted into categories (docs/squawk.md explains each). Four agreement
figures per rule, each leaving more statements out of |S or P| (never out of |S and P|):
  raw         nothing left out.
  mandated    leaves out only the differences issue 13 itself requires of preflight: statements
              on a table, column or object the same file (or a pending migration) created
              (squawk issue #349; categories new-table, new-object, new-column) and DDL inside
              DO blocks (squawk issue #528; do-block). For prefer-robust-stmts only do-block: a
              retry re-runs statements on new objects too, so the database decides those.
  db          prefer-robust-stmts only: also leaves out the statements whose retry outcome the
              real database decided in preflight's favour (squawk-only statements that survive
              every retry, preflight-only statements that fail one); the ones it decided in
              squawk's favour stay disagreements. Other rules: same as mandated.
  explained   also leaves out every other explained category (by design, see docs/squawk.md).
Categories:
  new-table   squawk flags a statement on a table an earlier statement of the file creates
              (or renamed a table it created to) (squawk issue #349); preflight does not, by
              design (a table swap's copy renamed to a live table's name stays flagged).
  new-object  the same for a view, function, type, sequence, index, constraint, … the file
              created earlier (drops and renames cannot break code that never saw it).
  new-column  the same for a column an earlier ALTER TABLE … ADD of the file added.
  no-table-lock / earlier-first-lock  (timeout rules) squawk counts statements that lock no
              table other sessions use (CREATE FUNCTION, CREATE SEQUENCE, …) as the file's first
              lock; preflight's first lock is then a later statement of the same file.
  do-block    preflight flags DDL inside a DO block (squawk issue #528: squawk does not look in).
  routine-body  preflight flags a statement of a function's or procedure's body that a CALL /
              SELECT f() of the file runs at migration time, on the body's statement or, for a
              body in another file or SQL the body builds, on the call (squawk does not look in).
  retry:*     (prefer-robust-stmts) what the real PostgreSQL did when the file ran again
              (bench/realworld.py's replay, see retry_truth below), or why it could not decide.
  other       anything else: listed with file:line so it can be read.

The retry truth is bench/realworld.py's measurement of the PostgreSQL projects it replays
(cached in $TRUTH, default ~/.cache/preflight/realworld-truth; measured there when absent, which
takes an hour or more on a loaded 2-core machine; --no-truth skips it; --cached-only uses only
the projects already cached and reports the others' statements as not decided). Both tools lint
without knowing the runner (squawk has no such notion, preflight without --tracker assumes every
crash point can be retried; the one exception: files whose runner executes SQL before every run
of them, lemmy's replaceable schema, are linted with that SQL as `--before-each-run`, see
before_each_run_by_file), so
the reference is the every-crash-point replay: statements 0..k-1 applied, then the whole file
again, for every k; for a file that wraps itself in BEGIN … COMMIT only the full re-run. Where
realworld.py replays a project through a runner model (bench/realworld_runners.py), the
every-crash-point replay keeps what the runner sends and runs first (jisql's queries, diesel's
tracker table); a runner that never runs its files any other way (lemmy's replaceable schema, whose
schema is dropped before every run) is its own reference, and lines a runner never sends (jisql,
after a file's last `select 'delimiter end';`) are not decided.

A map row whose preflight codes are not registered yet (another helper's PF4xx family) is
reported as "not mapped yet", not as a failure.
"""
import csv
import glob
import json
import os
import re
import subprocess
import sys
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.environ.get("CORPUS", os.path.join(ROOT, "..", "shared", "corpus"))
if not os.path.isdir(CORPUS):
    CORPUS = "/work/shared/corpus"
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
PF = os.environ.get("PF", os.path.join(TARGET, "release", "preflight"))
SQUAWK = os.environ.get("SQUAWK", "/root/.pyenv/versions/3.11.7/bin/squawk")
BATCH = 200


# A down migration, by name (Diesel's `down.sql`, golang-migrate/popx/authelia `*.down.sql`, a
# `down/` directory): run only on a revert, never by a deploy.
DOWN = re.compile(r"(^|[/._])down(\.sql|/)")


def pg_files():
    """The corpus's PostgreSQL up-migrations, and how many down migrations were left out.

    Down migrations are left out by name on both sides, whether or not preflight recognises
    the layout from a single file: the comparison is about what a deploy runs."""
    rows = csv.DictReader(open(os.path.join(CORPUS, "MANIFEST.tsv")), delimiter="\t")
    every = sorted(r["path"] for r in rows if r["dialect"] == "postgres")
    up = [f for f in every if not DOWN.search(f)]
    return up, len(every) - len(up)


def read_maps():
    """squawk rule -> [preflight codes], from every bench/squawk_map*.tsv."""
    mapping = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "bench", "squawk_map*.tsv"))):
        for line in open(path):
            line = line.rstrip("\n")
            if not line or line.startswith("#") or line.startswith("squawk_rule"):
                continue
            rule, _, codes = line.partition("\t")
            mapping[rule] = [c.strip() for c in codes.split(",") if c.strip()]
    return mapping


def statement_spans(text):
    """[(first_line, last_line)] (0-based) of each top-level statement."""
    spans, i, n, line = [], 0, len(text), 0
    start_line, has_content = None, False
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
            continue
        if c.isspace():
            i += 1
            continue
        if text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            line += text.count("\n", i, j)
            i = j
            continue
        if start_line is None:
            start_line = line
        has_content = True
        if c in "'\"":
            j = i + 1
            while j < n:
                if text[j] == c and text.startswith(c * 2, j):
                    j += 2
                    continue
                if text[j] == c:
                    break
                j += 1
            line += text.count("\n", i, j + 1)
            i = j + 1
            continue
        if c == "$":
            m = re.match(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$", text[i:])
            if m:
                tag = m.group(0)
                j = text.find(tag, i + len(tag))
                j = n if j < 0 else j + len(tag)
                line += text.count("\n", i, j)
                i = j
                continue
        if c == ";":
            spans.append((start_line, line))
            start_line, has_content = None, False
        i += 1
    if has_content and start_line is not None:
        spans.append((start_line, line))
    return spans


def statement_of(spans, line):
    for k, (a, b) in enumerate(spans):
        if a <= line <= b:
            return k
    return None


SQUAWK_OPT_IN = [
    "require-table-schema", "ban-alter-generated-expression", "ban-drop-index", "ban-set-default",
    "ban-disable-trigger", "ban-replica-identity", "ban-drop-policy", "ban-revoke",
    "ban-replace-view-function", "ban-alter-policy-condition", "ban-alter-policy-roles",
    "ban-create-policy", "ban-alter-function-options", "ban-alter-view-options",
    "ban-alter-role-options", "ban-alter-database-options", "ban-alter-row-level-security",
    "ban-new-write-restriction", "ban-add-enum-value", "ban-add-composite-attribute",
    "ban-add-column", "ban-detach-inheritance", "ban-alter-sequence-values",
    "ban-alter-system-options", "ban-alter-extension",
]


def run_squawk(files):
    out = []
    for k in range(0, len(files), BATCH):
        part = files[k : k + BATCH]
        # squawk's opt-in rules are opt-in in preflight too (PF415, PF430–PF453): compare them.
        r = subprocess.run([SQUAWK, "--reporter", "json", "--include", ",".join(SQUAWK_OPT_IN), *part], cwd=CORPUS, capture_output=True, text=True)
        if r.stdout.strip():
            out.extend(json.loads(r.stdout))
    return out  # line: 0-based


def before_each_run_by_file():
    """corpus path -> the SQL its runner executes before every run of it (bench/realworld.py's
    runner models: lemmy's replaceable schema drops and re-creates schema `r`), for the files
    whose runner has one. preflight is told (`--before-each-run`); squawk has no such notion."""
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    os.environ.setdefault("PREFLIGHT_CORPUS", CORPUS)
    import realworld as rw
    rw.CORPUS = type(rw.CORPUS)(CORPUS)
    out = {}
    for _name, engine, _tracker, runner, paths in rw.projects():
        sql = runner.before_each_run() if isinstance(runner, rw.Runner) else ""
        if engine == "pg" and sql:
            out.update({os.path.relpath(str(p), CORPUS): sql for p in paths})
    return out


def supports_before_each_run():
    r = subprocess.run([PF, "lint", "--help"], capture_output=True, text=True)
    return "--before-each-run" in r.stdout


def run_preflight(files, codes):
    """preflight's findings on `files`; those whose runner executes SQL before every run are
    linted with it (`--before-each-run`), in their own batches."""
    before = before_each_run_by_file() if supports_before_each_run() else {}
    plain = [f for f in files if f not in before]
    out = lint_batches(plain, codes, [])
    for sql in sorted(set(before.values())):
        own = [f for f in files if before.get(f) == sql]
        out.extend(lint_batches(own, codes, ["--before-each-run", sql]))
    return out


def lint_batches(files, codes, extra):
    out = []
    for k in range(0, len(files), BATCH):
        part = files[k : k + BATCH]
        cmd = [PF, "lint", "--format", "json", "--fail-on", "never", "--dialect", "postgres", "--select", ",".join(codes), *extra, *part]
        r = subprocess.run(cmd, cwd=CORPUS, capture_output=True, text=True)
        if r.returncode not in (0, 1):
            sys.exit(f"preflight failed ({r.returncode}): {r.stderr.strip()}")
        data = json.loads(r.stdout)
        out.extend(data["findings"])
        NOT_LINTED.update(x["path"] for x in data.get("not_linted", []))
    return out  # line: 1-based


# Files preflight does not lint because the deploy never runs them (down migrations of a
# layout it recognises): left out of both sides.
NOT_LINTED = set()


def registered_codes():
    r = subprocess.run([PF, "rules", "--json"], capture_output=True, text=True)
    try:
        data = json.loads(r.stdout)
    except json.JSONDecodeError:
        return None
    rows = data
    codes = set()
    def walk(x):
        if isinstance(x, dict):
            c = x.get("code")
            if isinstance(c, str):
                codes.add(c)
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(rows)
    return codes


CREATE_TABLE = re.compile(r"create\s+(?:(?:global|local)\s+)?(?:temp\w*\s+|unlogged\s+)?table\s+(?:if\s+not\s+exists\s+)?((?:\"[^\"]+\"|\w+)(?:\.(?:\"[^\"]+\"|\w+))?)", re.I)
TARGET_TABLE = re.compile(r"(?:alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?|drop\s+table\s+(?:if\s+exists\s+)?|\bon\s+(?:only\s+)?)((?:\"[^\"]+\"|\w+)(?:\.(?:\"[^\"]+\"|\w+))?)", re.I)


KINDS = r"(?:materialized\s+view|view|function|procedure|aggregate|type|schema|sequence|domain|extension|index|trigger)"
NAME = r"((?:\"[^\"]+\"|\w+)(?:\.(?:\"[^\"]+\"|\w+))?)"
CREATE_OBJECT = re.compile(r"create\s+(?:or\s+replace\s+)?(?:unique\s+)?" + KINDS + r"\s+(?:concurrently\s+)?(?:if\s+not\s+exists\s+)?" + NAME, re.I)
TARGET_OBJECT = re.compile(r"(?:drop|alter)\s+" + KINDS + r"\s+(?:concurrently\s+)?(?:if\s+exists\s+)?" + NAME, re.I)
ADD_CONSTRAINT = re.compile(r"add\s+constraint\s+" + NAME, re.I)
DROP_CONSTRAINT = re.compile(r"drop\s+constraint\s+(?:if\s+exists\s+)?" + NAME, re.I)


def base(name):
    part = name.split(".")[-1]
    return part[1:-1] if part.startswith('"') else part.lower()


# The columns an ALTER TABLE's actions name (searched after `ALTER TABLE name`).
COLUMN_TARGET = re.compile(r"(?:drop\s+column\s+(?:if\s+exists\s+)?|rename\s+(?:column\s+)?|alter\s+(?:column\s+)?)(?!constraint\b)(\"[^\"]+\"|\w+)", re.I)
TIMEOUT_RULES = ("require-lock-timeout", "require-statement-timeout")
# Statements squawk counts as taking a lock that lock no table other sessions use.
NO_TABLE_LOCK = re.compile(r"\s*(create\s+(or\s+replace\s+)?(database|function|procedure|sequence|type|schema|extension|domain|view|materialized\s+view|aggregate|role|user|cast|operator|collation|text\s+search|publication)|create\s+(unlogged\s+|temp\w*\s+)?table\b(?![^;]*\breferences\b)|comment\s+on|grant|revoke|alter\s+(function|procedure|sequence|type|schema|role|user|default\s+privileges|database|extension|domain|aggregate|publication)|set\b|select|insert|update|delete|do\b|drop\s+(function|procedure|type|schema|extension|domain|role|user|sequence|aggregate|publication))", re.I)


RENAME_TABLE = re.compile(r"alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?" + NAME + r"\s+rename\s+to\s+" + NAME, re.I)


def created_tables(earlier):
    """The tables (base names) `earlier` creates, also under the names it renames them to
    (`CREATE TABLE a …; ALTER TABLE a RENAME TO b` leaves `b` new)."""
    events = [(m.start(), base(m.group(1)), None) for m in CREATE_TABLE.finditer(earlier)]
    events += [(m.start(), base(m.group(1)), base(m.group(2))) for m in RENAME_TABLE.finditer(earlier)]
    new = set()
    for _, name, renamed_to in sorted(events):
        if renamed_to is None:
            new.add(name)
        elif name in new:
            new.add(renamed_to)
    return new


def added_earlier(lines, a, table, column):
    """Did an earlier statement of the file add `column` to `table` (any action of an
    ALTER TABLE … ADD …, ADD …)?"""
    earlier = "\n".join(lines[:a])
    alter = re.compile(r"alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?" + NAME + r"([^;]*)", re.I)
    add = re.compile(r"\badd\s+(?:column\s+)?(?:if\s+not\s+exists\s+)?(\"[^\"]+\"|\w+)", re.I)
    return any(
        base(t) == table and any(base(c) == column for c in add.findall(actions))
        for t, actions in alter.findall(earlier)
    )


def category(rule, spans, stmt, lines, squawk_only, flagged_in_file=False):
    """Why the two disagree on this statement, when the reason is known (see docs/squawk.md)."""
    a, b = spans[stmt]
    body = "\n".join(lines[a : b + 1])
    low = re.sub(r"--[^\n]*", "", body).lower()
    if not squawk_only and re.match(r"\s*do\b", low):
        return "do-block"
    if not squawk_only and (
        re.match(r"\s*create\s+(or\s+replace\s+)?(function|procedure)\b", low)
        or re.match(r"\s*(select|call)\s+[\w.\"]+\s*\(", low)
    ):
        return "routine-body"
    if squawk_only:
        m = TARGET_TABLE.search(body)
        if m:
            t = base(m.group(1))
            if t in created_tables("\n".join(lines[:a])):
                return "new-table"
        m = TARGET_OBJECT.search(body)
        if m:
            t = base(m.group(1))
            earlier = "\n".join(lines[:a])
            if any(base(x) == t for x in CREATE_OBJECT.findall(earlier)):
                return "new-object"
        m = DROP_CONSTRAINT.search(body)
        if m and any(base(x) == base(m.group(1)) for x in ADD_CONSTRAINT.findall("\n".join(lines[:a]))):
            return "new-object"
        m = TARGET_TABLE.search(body)
        columns = COLUMN_TARGET.findall(body[m.end():]) if m else []
        if any(added_earlier(lines, a, base(m.group(1)), base(c)) for c in columns):
            return "new-column"
        if rule == "ban-new-write-restriction" and re.search(r"\badd\s+(column\s+)?\S+[^,;]*\bnot\s+null\b", low) and re.search(r"\bdefault\b", low):
            return "not-null-with-default"
        if rule == "ban-new-write-restriction" and re.search(r"\balter\s+constraint\b", low) and not re.search(r"\bimmediate\b|\bnot\s+deferrable\b", low):
            return "deferred-constraint"
        if rule == "ban-alter-generated-expression" and re.search(r"\badd\s+(column\s+)?\S+[^,;]*\bgenerated\s+always\s+as\b", low):
            return "new-generated-column"
        if rule in TIMEOUT_RULES and re.match(r"\s*create\s+(unique\s+)?index\s+concurrently\b", low):
            return "concurrent-index"
        if rule in TIMEOUT_RULES and NO_TABLE_LOCK.match(low):
            return "no-table-lock"
        if rule == "adding-required-field" and re.search(r"\b(big|small)?serial\b", low):
            return "serial-column"
        if rule == "adding-field-with-default" and re.search(r"default\s+-\s*\d", low):
            return "negative-constant"
        if rule == "transaction-nesting" and re.match(r"\s*(commit|end|rollback)\b", low):
            return "stray-commit"
    else:
        if rule == "adding-field-with-default" and re.search(r"\badd\s+(column\s+)?\S+\s+(big|small)?serial", low):
            return "serial-column"
        if rule in TIMEOUT_RULES and flagged_in_file:
            return "earlier-first-lock"
        if rule == "constraint-missing-not-valid" and re.search(r"\badd\s+(column\s+)?(?!constraint\b)\S+\s+[^,;]*\b(references|unique|primary\s+key)\b", low):
            return "column-constraint"
    if rule == "prefer-robust-stmts":
        words = re.findall(r"[a-z_]+", low)[:3]
        if squawk_only:
            return "robust:squawk:" + " ".join(words[:2])
        return "robust:preflight:" + " ".join(words[:2])
    return "other"


TRUTH = os.environ.get("TRUTH", os.path.expanduser("~/.cache/preflight/realworld-truth"))
MANDATED = ("new-table", "new-object", "new-column", "do-block")
# Retry outcomes that settle a prefer-robust-stmts disagreement in preflight's favour.
DECIDED_FOR_PREFLIGHT = ("squawk only: retry:survives", "preflight only: retry:fails")
# Retry outcomes the database measured that the error-based replay cannot settle but
# docs/squawk.md explains: an INSERT that succeeds again (duplicate rows, PF119), and a
# statement reached only once an earlier statement preflight flags is fixed.
EXPLAINED_RETRY = ("retry:survives, rows inserted again", "retry:fails after an earlier flagged failure")


UNMEASURED = set()  # files of projects whose replay --cached-only found no cache entry for


def retry_truth(cached_only=False):
    """path (corpus-relative) -> (status, {statement index of statement_spans: outcome}).

    status: "replayed", or why the replay cannot decide the file's statements ("failed on its
    first apply", the project's first file the local server cannot apply, which ends the replay;
    files after it are absent). outcome: "fails" (an error on some retry of the worst-case model
    above), "fails-full" (also on the full re-run alone) or "survives"."""
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    os.environ.setdefault("PREFLIGHT_CORPUS", CORPUS)
    import realworld as rw
    rw.CORPUS = type(rw.CORPUS)(CORPUS)
    out = {}
    for name, engine, _tracker, transactional, paths in rw.projects():
        if engine != "pg":
            continue
        runner = transactional if isinstance(transactional, rw.Runner) else None
        if cached_only:
            twin = runner.every_crash_point() if runner is not None else False
            needed = [(name, transactional, not transactional)]
            if transactional and not (runner is not None and runner.reference == "runner"):
                needed.append((name + "-every-crash-point", twin, True))
            if not all(rw.is_cached(TRUTH, n, paths, t, c) for n, t, c in needed):
                print(f"retry truth: {name}: no cached replay, not decided", file=sys.stderr)
                UNMEASURED.update(os.path.relpath(str(p), CORPUS) for p in paths)
                continue
        print(f"retry truth: {name} ({TRUTH})", file=sys.stderr, flush=True)
        full, clean = rw.cached_measure(TRUTH, name, rw.Postgres, paths, transactional, not transactional)
        if runner is not None and runner.reference == "runner":
            # The tool never runs these files any other way (e.g. lemmy's replaceable schema,
            # dropped before every run): its own replay is the reference.
            crash = full
        elif transactional:
            twin = runner.every_crash_point() if runner is not None else False
            crash, _ = rw.cached_measure(TRUTH, name + "-every-crash-point", rw.Postgres, paths, twin, True)
        else:
            crash = full
        crash_by_path = {str(p): failing for p, _, failing, *_ in crash}
        for n, (path, spans, failing_full, _err, *_) in enumerate(full):
            rel = os.path.relpath(str(path), CORPUS)
            if not clean and n == len(full) - 1:
                out[rel] = ("failed on its first apply", {})
                continue
            text = open(path, encoding="utf-8", errors="replace").read()
            ours = statement_spans(text)
            unsent = runner.unsent_lines(path, text) if runner is not None else set()
            self_wrapped = bool(spans) and rw.TX_CONTROL.match(spans[0][2]) and rw.TX_CONTROL.match(spans[-1][2])
            failing_any = failing_full if self_wrapped or str(path) not in crash_by_path else crash_by_path[str(path)]
            outcome = {}
            for k, (a, b) in enumerate(ours):
                idx = next((i for i, sp in enumerate(spans) if sp[0] == a + 1), None)
                if idx is None:
                    idx = next((i for i, sp in enumerate(spans) if sp[0] <= a + 1 <= sp[1]), None)
                if idx is None:
                    continue
                if a + 1 in unsent:
                    outcome[k] = "never sent"
                elif idx in failing_full:
                    outcome[k] = "fails-full"
                elif idx in failing_any:
                    outcome[k] = "fails"
                else:
                    outcome[k] = "survives"
            out[rel] = ("replayed", outcome)
    return out


def retry_category(truth, path, k, squawk_only):
    """retry:survives / retry:fails, or retry:not-decided (why)."""
    if truth is None:
        return "retry:not-decided (no replay: --no-truth)"
    if path not in truth:
        if path in UNMEASURED:
            return "retry:not-decided (replay not cached, --cached-only)"
        if DOWN.search(path):
            return "retry:not-decided (down migration)"
        return "retry:not-decided (file not replayed)"
    status, outcome = truth[path]
    if status != "replayed":
        return f"retry:not-decided ({status})"
    if k not in outcome:
        return "retry:not-decided (statement not located)"
    if outcome[k] == "never sent":
        return "retry:not-decided (the runner never sends it)"
    return "retry:survives" if outcome[k] == "survives" else "retry:fails"


def statement_kind(lines, span):
    """The first words of a statement, for the prefer-robust-stmts breakdown."""
    a, b = span
    low = re.sub(r"--[^\n]*", "", "\n".join(lines[a : b + 1])).lower()
    words = re.findall(r"[a-z_]+", low)
    if words[:2] == ["create", "or"]:
        words = ["create"] + words[3:]
    if words[:2] == ["create", "unique"]:
        words = ["create"] + words[2:]
    kind = " ".join(words[:2])
    if words[:2] == ["alter", "table"]:
        rest = " ".join(words[2:8])
        m = re.search(r"\b(add constraint|add column|add|drop constraint|drop column|drop|alter column|alter|rename|owner|set|enable|disable|validate)\b", rest)
        kind += " " + (m.group(1) if m else "?")
    return kind


def main():
    no_truth = "--no-truth" in sys.argv[1:]
    files, downs = pg_files()
    mapping = read_maps()
    registered = registered_codes() or set()
    mapped_codes = sorted({c for cs in mapping.values() for c in cs if c in registered})
    sq = run_squawk(files)
    pf = run_preflight(files, mapped_codes) if mapped_codes else []
    truth = None if no_truth else retry_truth("--cached-only" in sys.argv[1:])
    texts, spans, lines = {}, {}, {}

    def stmt_key(path, line0):
        if path not in spans:
            t = open(os.path.join(CORPUS, path), encoding="utf-8", errors="replace").read()
            texts[path], spans[path], lines[path] = t, statement_spans(t), t.split("\n")
        k = statement_of(spans[path], line0)
        return None if k is None else (path, k)

    s_by_rule = defaultdict(set)
    sq = [f for f in sq if f["file"] not in NOT_LINTED]
    for f in sq:
        key = stmt_key(f["file"], f["line"])
        if key:
            s_by_rule[f["rule_name"]].add(key)
    p_by_code = defaultdict(set)
    for f in pf:
        # A retry rule's finding on a statement of a routine body that a later call of the same
        # file runs (note "runs when `…` on line N calls p") is about the call, which is what a
        # retry fails at: it counts for the call's statement, as in bench/realworld.py. The
        # other rules keep the body's statement (category routine-body).
        calls = [int(m.group(1)) for n in f.get("notes", [])
                 if (m := re.match(r"runs when `.*` on line (\d+) calls ", n))]
        lines0 = [c - 1 for c in calls] if f["rule"].startswith("PF1") and calls else [f["line"] - 1]
        for line0 in lines0:
            key = stmt_key(f["path"], line0)
            if key:
                p_by_code[f["rule"]].add(key)

    rules = sorted(set(s_by_rule) | set(mapping))
    print(f"corpus: {len(files)} PostgreSQL up-migrations ({downs} down migrations left out by name, never run by a deploy; {len(NOT_LINTED)} more preflight does not lint); squawk {len(sq)} findings, preflight {len(pf)} findings\n")
    print("| squawk rule | preflight | squawk | preflight | both | raw | mandated | db | explained | disagreements (squawk only / preflight only) |")
    print("|" + "---|" * 10)
    examples = {}
    robust = []  # (side, category, kind, key) of every prefer-robust-stmts disagreement
    for rule in rules:
        codes = mapping.get(rule)
        s = s_by_rule.get(rule, set())
        if not codes:
            print(f"| {rule} | not mapped yet | {len(s)} | | | | | | | |")
            continue
        missing = [c for c in codes if c not in registered]
        if len(missing) == len(codes):
            print(f"| {rule} | {', '.join(codes)}: not mapped yet | {len(s)} | | | | | | | |")
            continue
        p = set().union(*(p_by_code.get(c, set()) for c in codes))
        both, either = s & p, s | p
        cats = defaultdict(int)
        mandated = decided = explained = 0
        for key, squawk_only in [(k, True) for k in s - p] + [(k, False) for k in p - s]:
            path, k = key
            in_file = any(p2 == path for p2, _ in s)
            c = category(rule, spans[path], k, lines[path], squawk_only, in_file)
            side = "squawk only" if squawk_only else "preflight only"
            if rule == "prefer-robust-stmts" and c != "do-block":
                c = retry_category(truth, path, k, squawk_only)
                if c == "retry:fails" and squawk_only:
                    # A runner stops at the first error: when an earlier statement of the file
                    # fails on the retry and preflight flags it, this one is reached only once
                    # that one is fixed (bench/realworld.py's fixed replay shows the result).
                    outcome = truth[path][1]
                    if any(outcome.get(j) in ("fails", "fails-full") and (path, j) in p for j in range(k)):
                        c = "retry:fails after an earlier flagged failure"
                kind = statement_kind(lines[path], spans[path][k])
                if c == "retry:survives" and not squawk_only and kind.split()[0] in ("insert", "with"):
                    # PF119's harm is not an error: the retry inserts the rows a second time.
                    c = "retry:survives, rows inserted again"
                robust.append((side, c, kind, key))
            cats[f"{side}: {c}"] += 1
            if c in MANDATED:
                mandated += 1
            elif f"{side}: {c}" in DECIDED_FOR_PREFLIGHT:
                decided += 1
            elif c != "other" and (not c.startswith("retry:") or c in EXPLAINED_RETRY):
                explained += 1
            else:
                examples.setdefault((rule, side), []).append(f"{path}:{spans[path][k][0] + 1}")

        def pct(left_out):
            rest = len(either) - left_out
            return 100.0 * len(both) / rest if rest else 100.0

        detail = "; ".join(f"{k} {v}" for k, v in sorted(cats.items())) or "none"
        print(f"| {rule} | {', '.join(codes)} | {len(s)} | {len(p)} | {len(both)} | {pct(0):.1f}% | {pct(mandated):.1f}% "
              f"| {pct(mandated + decided):.1f}% | {pct(mandated + decided + explained):.1f}% | {detail} |")
    if robust:
        print("\nprefer-robust-stmts disagreements joined with the real retries (bench/realworld.py), by statement kind:")
        table = defaultdict(lambda: defaultdict(int))
        for side, c, kind, _ in robust:
            table[(side, c)][kind] += 1
        for (side, c), kinds in sorted(table.items()):
            total = sum(kinds.values())
            top = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items(), key=lambda x: -x[1])[:8])
            print(f"  {side}: {c}: {total} ({top})")
        if "--robust-list" in sys.argv[1:]:
            for side, c, kind, (path, k) in sorted(robust):
                print(f"  LIST\t{side}\t{c}\t{kind}\t{path}:{spans[path][k][0] + 1}")
    if examples:
        print("\nunexplained disagreements (first 5 each):")
        for (rule, side), where in sorted(examples.items()):
            print(f"  {rule} {side}: {len(where)}: " + ", ".join(where[:5]))


if __name__ == "__main__":
    main()
