#!/usr/bin/env python3
"""Seeds the fuzz corpus from the real-world corpus, at run time, into <out>/<target>/ (by default
fuzz/corpus/, gitignored: corpus files are never committed, several are AGPL).

Each seed is one corpus file of at most SEED_MAX_BYTES, prefixed with the switches byte the fuzz
targets read (fuzz_targets/input.rs): the file's own dialect in the low two bits (0 PostgreSQL,
1 MySQL, 2 MariaDB, 3 SQLite; MySQL files are seeded as MariaDB too), and on every other seed
"all rules" and "unsafe fixes" set. Files are taken evenly across the corpus, SEED_COUNT of them.

    fuzz/seed.py [CORPUS_DIR [OUT_DIR]]

The corpus is found as the tests find it: CORPUS_DIR, else $PREFLIGHT_CORPUS, else ../shared/corpus
next to the repository. Without it the targets start from nothing, except in CI (CI set), where a
missing corpus is an error.
"""
import os
import sys
from pathlib import Path

MAX_BYTES = int(os.environ.get("SEED_MAX_BYTES", 8192))
COUNT = int(os.environ.get("SEED_COUNT", 400))
TARGETS = ["lexer", "lint", "fix"]
DIALECT_BITS = {"postgres": 0, "cockroach": 0, "generic": 0, "mysql": 1, "mariadb": 2, "sqlite": 3}
ALL_RULES, UNSAFE_FIXES = 4, 8

here = Path(__file__).resolve().parent
default = os.environ.get("PREFLIGHT_CORPUS") or here.parent.parent / "shared" / "corpus"
corpus = Path(sys.argv[1] if len(sys.argv) > 1 else default)
out_dir = Path(sys.argv[2]) if len(sys.argv) > 2 else here / "corpus"
manifest = corpus / "MANIFEST.tsv"
if not manifest.is_file():
    message = f"seed.py: no corpus at {corpus} (MANIFEST.tsv missing; set PREFLIGHT_CORPUS)"
    if os.environ.get("CI"):
        sys.exit(message)
    print(f"{message}: the targets start from nothing")
    sys.exit(0)

rows = [line.rstrip("\n").split("\t") for line in manifest.open(encoding="utf-8")][1:]
rows = [r for r in rows if len(r) >= 4 and r[3].isdigit() and 0 < int(r[3]) <= MAX_BYTES]
step = max(1, len(rows) // COUNT)
seeds = []
for i, (path, _repo, dialect, _size) in enumerate(rows[::step][:COUNT]):
    data = (corpus / path).read_bytes()
    switches = ALL_RULES | UNSAFE_FIXES if i % 2 else 0
    bits = DIALECT_BITS.get(dialect, 0)
    seeds.append(bytes([switches | bits]) + data)
    if bits == DIALECT_BITS["mysql"]:
        seeds.append(bytes([switches | DIALECT_BITS["mariadb"]]) + data)
for target in TARGETS:
    out = out_dir / target
    out.mkdir(parents=True, exist_ok=True)
    for i, seed in enumerate(seeds):
        (out / f"seed-{i:04}").write_bytes(seed)
print(f"seed.py: {len(seeds)} seeds per target from {corpus} in {out_dir}")
