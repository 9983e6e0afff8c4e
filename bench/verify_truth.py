#!/usr/bin/env python3
"""`preflight verify` against the real-world ground truth of `bench/realworld.py`.

For each corpus project (realworld.py's `projects()`: the same files, order, runner and model),
the ground truth is realworld.py's measurement (`cached_measure`, shared with it through
`--cache DIR`): which statements fail on a retry (a re-run of the applied file under a
transaction per file, every crash point otherwise). `preflight verify --format json` then runs
the same files on the same server with the same tracker and apply model (`--tracker`,
`--apply-model`), and the statements it reports failing a retry (VF101's re-apply failure,
VF103's crash-point failures) are compared with the truth's:

  * files:      files with a retry failure by the truth, by verify, by both;
  * statements: both, verify-only (verify says a statement fails a retry, the truth has no such
                failure: a false failure), truth-only in files verify passed (a missed failure),
                truth-only in files verify failed (the truth runs on past a failing statement,
                verify stops at the first failure of each retry, so these are expected);
  * not checked: what verify says it could not check (VF104 findings, crash points not tried,
                files not run after a VF100 apply failure).

verify runs on the project's migrations directory when its layout there finds exactly the
truth's files in the truth's order; otherwise (a runner order the layout does not have, e.g.
synapse's) on a temporary directory of symlinks named in the truth's order, with
`--tracker generic` (same statements, same model: only file discovery differs).

Usage: bench/verify_truth.py --bin PATH/TO/preflight [--only NAME,...] [--engine pg|maria|all]
                             [--cache DIR] [--json FILE] [--details FILE]
Needs what realworld.py needs (psql, mariadb, the local PostgreSQL 15 / MariaDB 10.11, the corpus
in /work/shared/corpus or $PREFLIGHT_CORPUS).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import realworld as rw  # noqa: E402
from realworld_runners import Runner  # noqa: E402

DEV_URL = {"pg": "postgres://postgres@127.0.0.1/postgres", "maria": "mysql://root@127.0.0.1/"}

# Projects verify cannot be given the same runner model: a runner that runs SQL of its own
# around the files (setup files, prologues: realworld_runners.Runner subclasses) or a
# per-file model the command line cannot declare (popx's `.autocommit.` files).
NOT_COMPARABLE = {
    "lemmy": "Diesel plus lemmy's own setup and replaceable schema around the files "
             "(realworld_runners.DieselLemmy): verify replays the files alone",
    "lemmy-replaceable": "runs after lemmy's migrations, with a prologue verify cannot declare",
    "ranger": "jisql runner with its own statement splitting (realworld_runners.Jisql)",
    "ranger-upgrade": "jisql runner (realworld_runners.Jisql)",
    "ranger-kms": "jisql runner (realworld_runners.Jisql)",
    "ranger-mysql": "jisql's MySQLPLRunner, with its own command splitting and autocommit off "
                    "(realworld_runners.JisqlMysql)",
    "ranger-mysql-upgrade": "jisql's MySQLPLRunner (realworld_runners.JisqlMysql)",
    "ranger-kms-mysql": "jisql's MySQLPLRunner (realworld_runners.JisqlMysql)",
    "kratos-mysql": "popx on MySQL: a transaction per file except `.autocommit.` files, a "
                    "per-file model the command line cannot declare (realworld_runners.PopxMysql)",
    "kratos-mysql-nonstrict": "popx on MySQL with a session sql_mode verify does not set",
    "hydra-mysql": "popx on MySQL (realworld_runners.PopxMysql)",
    "vaultwarden-mysql": "runs on a connection with FOREIGN_KEY_CHECKS = 0, which verify does not "
                         "set (realworld_runners.DieselVaultwardenMysql)",
    "synapse": "its runner replaces `$%AUTO_INCREMENT_PRIMARY_KEY%$` in the files before sending "
               "them (realworld.RUNNER_SUBSTITUTIONS) and runs `.sql.postgres` files: verify runs "
               "`.sql` files as written",
}


EVERY_CRASH_POINT = False  # --every-crash-point: verify as before it took the runner's model


def verify_args(tracker, transactional):
    """--tracker and --apply-model for the project's runner (as realworld.runner_args)."""
    args = ["--tracker", tracker]
    if EVERY_CRASH_POINT:
        args += ["--apply-model", "statement-by-statement"]
    elif tracker == "generic":
        args += ["--apply-model", "file-transaction" if transactional else "statement-by-statement"]
    return args


def run_verify(binary, engine, directory, args, timeout):
    cmd = [binary, "verify", "--format", "json", "--dev-url", DEV_URL[engine],
           "--migrations", str(directory)] + args
    started = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    elapsed = time.monotonic() - started
    try:
        return json.loads(p.stdout), p.stderr, elapsed
    except json.JSONDecodeError:
        return None, (p.stderr or p.stdout).strip(), elapsed


def discovered(report):
    return [m["file"] for m in report["migrations"]]


def same_files(report, paths, directory):
    got = [str((Path(directory) / f) if not Path(f).is_absolute() else Path(f)) for f in
           discovered(report)]
    return [os.path.realpath(g) for g in got] == [os.path.realpath(p) for p in paths]


def symlink_dir(paths, tmp):
    """The truth's files in the truth's order, under names the generic layout sorts the same."""
    for i, path in enumerate(paths):
        (Path(tmp) / f"{i + 1:05d}_{path.name}").symlink_to(path)
    return Path(tmp)


def statement_at(spans, line):
    """Index of the truth span holding `line` (verify reports a statement's first line)."""
    for idx, (start, end, _) in enumerate(spans):
        if start <= line <= end:
            return idx
    return None


def compare(name, engine, tracker, transactional, paths, binary, cache, timeout):
    row = {"project": name, "engine": engine, "runner": tracker,
           "model": "transaction per file" if transactional else "every crash point"}
    if isinstance(transactional, rw.TransactionPerFileExcept):
        row["model"] += f", {transactional.marker} files every crash point"
    if name in NOT_COMPARABLE:
        row["left_out"] = NOT_COMPARABLE[name]
        return row, {}
    engine_cls = rw.Postgres if engine == "pg" else rw.MariaDb
    base, clean = rw.cached_measure(cache, name, engine_cls, paths, transactional,
                                    not transactional)
    truth_files = base if clean else base[:-1]
    row["files"] = len(truth_files)
    if not clean:
        row["truth_stopped_at"] = f"{base[-1][0].relative_to(rw.CORPUS)}: {base[-1][3]}"
    if not truth_files:
        row["left_out"] = f"does not apply on the local server: {row['truth_stopped_at']}"
        return row, {}
    args = verify_args(tracker, transactional)
    directory = Path(os.path.commonpath([str(p.parent) for p in paths]))
    if not clean:
        # Only the files the truth applied (verify would stop at the same file, or run on
        # past it with its own splitter, on files the truth has nothing for).
        paths = paths[:len(truth_files)]
    with tempfile.TemporaryDirectory() as tmp:
        symlinked = not clean
        if clean:
            report, err, elapsed = run_verify(binary, engine, directory, args, timeout)
            symlinked = report is None or not same_files(report, paths, directory)
        if symlinked:
            row["layout"] = "symlinks in the truth's order, --tracker generic"
            args = ["--tracker", "generic", "--apply-model",
                    "file-transaction" if transactional and not EVERY_CRASH_POINT
                    else "statement-by-statement"]
            report, err, elapsed = run_verify(binary, engine, symlink_dir(paths, tmp), args,
                                              timeout)
    if isinstance(transactional, rw.TransactionPerFileExcept):
        # popx: the `.autocommit.` files without a transaction, the rest in one. verify takes
        # one model per run, so the same files run twice, and each file's row is taken from
        # the run under its own model (the apply, the same in both, leaves the same state).
        with tempfile.TemporaryDirectory() as tmp2:
            each, err2, elapsed2 = run_verify(
                binary, engine, symlink_dir(paths, tmp2),
                ["--tracker", "generic", "--apply-model", "statement-by-statement"], timeout)
        if report is not None and each is not None:
            outside = {i for i, p in enumerate(paths) if not transactional.in_transaction(p)}
            report["migrations"] = [
                each["migrations"][i] if i in outside else m
                for i, m in enumerate(report["migrations"])]
            auto = {f"{i + 1:05d}_{paths[i].name}" for i in outside}
            report["findings"] = (
                [f for f in report["findings"] if Path(f.get("path") or "").name not in auto]
                + [f for f in each["findings"] if Path(f.get("path") or "").name in auto])
            row["layout"] = (row.get("layout", "") + f"; {len(outside)} `{transactional.marker}` "
                             "files from a second run with --apply-model statement-by-statement")
            elapsed += elapsed2
    row["verify_seconds"] = round(elapsed, 1)
    row["verify_args"] = " ".join(args)
    if report is None:
        row["verify_error"] = err[-500:]
        return row, {}
    # Each verify row to its truth file: by the symlink's order prefix, or by path.
    index_of = {os.path.realpath(p): i for i, p in enumerate(paths)}

    def truth_index(file):
        if symlinked:
            return int(Path(file).name.split("_", 1)[0]) - 1
        return index_of.get(os.path.realpath(Path(directory) / file))
    details = {"verify_only": [], "missed": [], "masked": [], "not_checked": [],
               "schema_changed": [], "apply_failed": []}
    counts = dict.fromkeys(["truth_failing", "verify_failing", "both", "verify_only",
                            "missed", "masked", "truth_files_failing", "verify_files_failing",
                            "files_both", "files_verify_only", "files_truth_only",
                            "schema_changed", "not_checked_files", "not_run_files"], 0)
    migrations = report["migrations"]
    by_truth = {truth_index(m["file"]): m for m in migrations}
    for index, (path, spans, failing, *_) in enumerate(truth_files):
        m = by_truth.get(index)
        if m is None:
            # A file the truth applied that verify's layout did not run: every failure missed.
            counts["truth_failing"] += len(failing)
            counts["missed"] += len(failing)
            counts["truth_files_failing"] += bool(failing)
            counts["files_truth_only"] += bool(failing)
            counts["not_run_files"] += 1
            details["not_run"] = details.get("not_run", []) + [str(path.relative_to(rw.CORPUS))]
            continue
        rel = str(path.relative_to(rw.CORPUS))
        verify_failing = set()
        unplaced = []
        fails = []
        if m.get("reapply_failure"):
            fails.append(m["reapply_failure"])
        fails += [c["failure"] for c in m["crash_points"]["failed"]]
        for f in fails:
            idx = statement_at(spans, f["line"])
            if idx is None:
                unplaced.append(f)
            else:
                verify_failing.add(idx)
        if m["apply"] == "failed":
            f = m["apply_failure"]
            details["apply_failed"].append(f"{rel}:{f['line']}: {f['code']} {f['message']}")
        if m["apply"] == "not_run":
            counts["not_run_files"] += 1
        if m["reapply"] == "schema_changed":
            counts["schema_changed"] += 1
            details["schema_changed"].append(f"{rel}: {(m.get('schema_changes') or [])[:3]}")
        if m["crash_points"]["not_tried"] or m["result"] == "unproven":
            counts["not_checked_files"] += 1
        for f in unplaced:
            details["verify_only"].append(f"{rel}:{f['line']}: (no truth statement there) "
                                          f"{f['code']} {f['message']}")
        counts["verify_only"] += len(unplaced)
        counts["truth_failing"] += len(failing)
        counts["verify_failing"] += len(verify_failing) + len(unplaced)
        counts["both"] += len(failing & verify_failing)
        text = lambda i: " ".join(spans[i][2].split())[:120]  # noqa: E731
        for i in sorted(verify_failing - failing):
            counts["verify_only"] += 1
            f = next(f for f in fails if statement_at(spans, f["line"]) == i)
            details["verify_only"].append(f"{rel}:{spans[i][0]}: {f['code']} {f['message']} | "
                                          f"{text(i)}")
        for i in sorted(failing - verify_failing):
            key = "masked" if verify_failing or unplaced else "missed"
            counts[key] += 1
            details[key].append(f"{rel}:{spans[i][0]}: {text(i)}")
        t, v = bool(failing), bool(verify_failing or unplaced)
        counts["truth_files_failing"] += t
        counts["verify_files_failing"] += v
        counts["files_both"] += t and v
        counts["files_verify_only"] += v and not t
        counts["files_truth_only"] += t and not v
    if len(migrations) != len(paths):
        row["file_count_mismatch"] = f"verify {len(migrations)}, truth {len(paths)}"
    for f in report["findings"]:
        if f["rule"] == "VF104":
            loc = f.get("path") or ""
            details["not_checked"].append(f"{loc}: {f['message']}")
    counts["unknown_findings"] = len(details["not_checked"])
    row.update(counts)
    return row, {k: v for k, v in details.items() if v}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(Path(os.environ.get("CARGO_TARGET_DIR", "target"))
                                         / "debug" / "preflight"))
    ap.add_argument("--only", default="")
    ap.add_argument("--engine", default="all", choices=["pg", "maria", "all"])
    ap.add_argument("--cache", help="realworld.py's truth cache (shared with it)")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per verify run")
    ap.add_argument("--every-crash-point", action="store_true",
                    help="verify every crash point whatever the runner (what verify did before "
                    "it took --tracker/--apply-model): the truth keeps the runner's model")
    ap.add_argument("--json", help="write the rows here")
    ap.add_argument("--details", help="write the disagreements and unknowns here")
    args = ap.parse_args()
    global EVERY_CRASH_POINT
    EVERY_CRASH_POINT = args.every_crash_point
    only = set(filter(None, args.only.split(",")))
    rows, details = [], {}
    for name, engine, tracker, tx, paths in rw.projects():
        if (only and name not in only) or args.engine not in ("all", engine):
            continue
        if isinstance(tx, Runner) and name not in NOT_COMPARABLE:
            NOT_COMPARABLE[name] = f"runner model {tx.name} (realworld_runners.py)"
        try:
            row, detail = compare(name, engine, tracker, tx, paths, args.bin, args.cache,
                                  args.timeout)
        except subprocess.TimeoutExpired:
            row, detail = {"project": name, "engine": engine,
                           "left_out": f"verify took over {args.timeout:.0f} s"}, {}
        rows.append(row)
        if detail:
            details[name] = detail
        print(json.dumps(row), file=sys.stderr, flush=True)
    print("| project | engine | runner (model) | files | truth failures | verify failures | both "
          "| verify-only | truth-only: missed | truth-only: after verify's first failure "
          "| files failing (truth / verify / both) | VF102 (re-apply changes the schema) "
          "| not checked (files; VF104) | verify s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if "left_out" in r or "verify_error" in r:
            why = r.get("left_out") or f"verify error: {r['verify_error']}"
            print(f"| {r['project']} | {r['engine']} | left out: {why} ||||||||||||")
            continue
        print(f"| {r['project']} | {r['engine']} | {r['runner']} ({r['model']}) | {r['files']} "
              f"| {r['truth_failing']} | {r['verify_failing']} | {r['both']} | {r['verify_only']} "
              f"| {r['missed']} | {r['masked']} "
              f"| {r['truth_files_failing']} / {r['verify_files_failing']} / {r['files_both']} "
              f"| {r['schema_changed']} | {r['not_checked_files']}; {r['unknown_findings']} | {r['verify_seconds']} |")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    if args.details:
        Path(args.details).write_text(json.dumps(details, indent=1))


if __name__ == "__main__":
    main()
