#!/usr/bin/env python3
"""Writes a synthetic PostgreSQL migration of N statements (default 20,000) to stdout.

A mix of what real migrations contain: half of the statements are findings (non-idempotent DDL,
plain INSERTs), half are already retry-safe, so both the rule paths and the quiet paths are timed.
"""
import sys

TEMPLATES = [
    "CREATE TABLE t{i} (id bigint PRIMARY KEY, name text NOT NULL, created_at timestamptz DEFAULT now());",
    "CREATE INDEX idx_t{i}_name ON t{i}(name);",
    "ALTER TABLE t{i} ADD COLUMN note text;",
    "CREATE TABLE IF NOT EXISTS u{i} (id bigint);",
    "DROP TABLE old_{i};",
    "INSERT INTO settings (k, v) VALUES ('k{i}', 'v');",
    "ALTER TABLE t{i} DROP COLUMN IF EXISTS legacy;",
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_{i} ON u{i}(id);",
]

n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
out = sys.stdout
for i in range(n):
    out.write(TEMPLATES[i % len(TEMPLATES)].format(i=i))
    out.write("\n")
