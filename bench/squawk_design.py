#!/usr/bin/env python3
"""Statement-level agreement of preflight's PF4xx rules with their squawk counterparts on the
corpus's PostgreSQL files (bench/squawk_map_pf4.tsv).

    bench/squawk_design.py [--preflight PATH] [--squawk PATH] [--corpus DIR] [--show RULE]

For each squawk rule: the statements squawk flags (S), those the preflight counterpart flags
(P), and |S & P| / |S | P|. A statement is (file, index) from a splitter that knows PostgreSQL's
quotes, dollar quotes and comments; both tools' positions are mapped to it. Files are linted
whole (`--tracker generic`), as squawk reads them. `--show RULE` prints the disagreements.
"""
import argparse, json, os, subprocess, sys
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def statement_starts(text):
    """(line, column) 1-based of the end of each statement (its `;`), in order."""
    ends, i, n, line, col = [], 0, len(text), 1, 1
    def adv(k):
        nonlocal i, line, col
        for _ in range(k):
            if i < n and text[i] == "\n":
                line, col = line + 1, 1
            else:
                col += 1
            i += 1
    while i < n:
        c = text[i]
        if text.startswith("--", i):
            while i < n and text[i] != "\n":
                adv(1)
        elif text.startswith("/*", i):
            depth = 0
            while i < n:
                if text.startswith("/*", i):
                    depth += 1; adv(2)
                elif text.startswith("*/", i):
                    depth -= 1; adv(2)
                    if depth == 0:
                        break
                else:
                    adv(1)
        elif c == "'" or c == '"':
            backslash = c == "'" and i > 0 and text[i - 1] in "eE"
            adv(1)
            while i < n:
                if backslash and text[i] == "\\":
                    adv(2); continue
                if text[i] == c:
                    if i + 1 < n and text[i + 1] == c:
                        adv(2); continue
                    adv(1); break
                adv(1)
        elif c == "$":
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            if j < n and text[j] == "$" and not text[i + 1:j][:1].isdigit():
                tag = text[i:j + 1]
                adv(len(tag))
                end = text.find(tag, i)
                adv((end if end >= 0 else n) - i + (len(tag) if end >= 0 else 0))
            else:
                adv(1)
        elif c == ";":
            ends.append((line, col)); adv(1)
        else:
            adv(1)
    return ends


def statement_of(ends, line, col):
    for k, end in enumerate(ends):
        if (line, col) <= end:
            return k
    return len(ends)


# squawk's opt-in rules, whose preflight counterparts are opt-in too (PF415, PF430–PF453).
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--preflight", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "debug", "preflight"))
    ap.add_argument("--squawk", default=os.environ.get("SQUAWK", "/root/.pyenv/versions/3.11.7/bin/squawk"))
    ap.add_argument("--corpus", default=os.environ.get("CORPUS", "/work/shared/corpus"))
    ap.add_argument("--show")
    args = ap.parse_args()
    mapping = {}
    with open(os.path.join(ROOT, "bench", "squawk_map_pf4.tsv")) as f:
        next(f)
        for row in f:
            rule, codes = row.rstrip("\n").split("\t")
            mapping[rule] = codes.split(",")
    files = []
    with open(os.path.join(args.corpus, "MANIFEST.tsv")) as f:
        next(f)
        for row in f:
            path, _repo, dialect, size = row.rstrip("\n").split("\t")
            if dialect == "postgres" and int(size) > 0:
                files.append(path)
    ends = {p: statement_starts(open(os.path.join(args.corpus, p), encoding="utf-8", errors="replace").read()) for p in files}
    squawk, preflight = defaultdict(set), defaultdict(set)
    codes = sorted({c for cs in mapping.values() for c in cs})
    for k in range(0, len(files), 400):
        chunk = files[k:k + 400]
        out = subprocess.run([args.squawk, "--reporter", "json", "--include", ",".join(SQUAWK_OPT_IN), *chunk], cwd=args.corpus, capture_output=True, text=True).stdout
        for v in json.loads(out or "[]"):
            if v["rule_name"] in mapping:
                path = os.path.relpath(os.path.join(args.corpus, v["file"]), args.corpus)
                squawk[v["rule_name"]].add((path, statement_of(ends[path], v["line"] + 1, v["column"] + 1)))
        out = subprocess.run([args.preflight, "lint", "--format", "json", "--fail-on", "never", "--tracker", "generic",
                              "--dialect", "postgres", "--select", ",".join(codes), *chunk],
                             cwd=args.corpus, capture_output=True, text=True)
        report = json.loads(out.stdout)
        for f in report["findings"]:
            path = os.path.relpath(os.path.join(args.corpus, f["path"]), args.corpus)
            preflight[f["rule"]].add((path, statement_of(ends[path], f["line"], f["column"])))
    print(f"{len(files)} PostgreSQL files\n")
    print("| squawk rule | preflight | squawk | preflight | both | agreement |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for rule, cs in mapping.items():
        s = squawk[rule]
        p = set().union(*(preflight[c] for c in cs))
        either = s | p
        agree = f"{100 * len(s & p) / len(either):.1f}%" if either else "n/a"
        print(f"| {rule} | {','.join(cs)} | {len(s)} | {len(p)} | {len(s & p)} | {agree} |")
        if args.show == rule:
            for kind, items in (("squawk only", s - p), ("preflight only", p - s)):
                for path, idx in sorted(items):
                    print(f"    {kind}: {path} statement {idx + 1}", file=sys.stderr)


if __name__ == "__main__":
    main()
