//! The catalog fingerprint: one query dumps every schema object of the scratch database as
//! sorted lines (`column public.users.email character varying(255) not null`), hashed with
//! SHA-256. Two dumps that differ also say what differs.

use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    pub hash: String,
    lines: Vec<String>,
}

impl Fingerprint {
    pub fn new(mut lines: Vec<String>) -> Fingerprint {
        lines.sort_unstable();
        let mut hasher = Sha256::new();
        for line in &lines {
            hasher.update(line.as_bytes());
            hasher.update(b"\n");
        }
        Fingerprint {
            hash: hex::encode(hasher.finalize()),
            lines,
        }
    }

    /// What `after` has that `self` lacks (`+ …`) and the reverse (`- …`), in catalog order.
    pub fn changes_to(&self, after: &Fingerprint) -> Vec<String> {
        let mut changes = Vec::new();
        for line in &self.lines {
            if after.lines.binary_search(line).is_err() {
                changes.push(format!("- {line}"));
            }
        }
        for line in &after.lines {
            if self.lines.binary_search(line).is_err() {
                changes.push(format!("+ {line}"));
            }
        }
        changes
    }
}

/// PostgreSQL: every user schema's relations, columns (type, nullability, default, identity,
/// generation, position), constraints (with validation), indexes (with validity), enums,
/// domains, functions (by identity arguments, body hashed), views, sequences, triggers,
/// policies and extensions. `table-oid` lines catch a table dropped and re-created: same
/// shape, but its rows would be gone.
pub const POSTGRES_DUMP: &str = r#"
WITH ns AS (
  SELECT oid, nspname FROM pg_namespace
  WHERE nspname NOT IN ('pg_catalog', 'information_schema')
    AND nspname NOT LIKE 'pg\_toast%' AND nspname NOT LIKE 'pg\_temp\_%'
)
SELECT 'schema ' || nspname FROM ns
UNION ALL
SELECT 'relation ' || ns.nspname || '.' || c.relname || ' kind=' || c.relkind::text
       || ' persistence=' || c.relpersistence::text
       || CASE WHEN c.relrowsecurity THEN ' row-security' ELSE '' END
FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c')
UNION ALL
SELECT 'table-oid ' || ns.nspname || '.' || c.relname || ' ' || c.oid::text
FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
UNION ALL
SELECT 'column ' || ns.nspname || '.' || c.relname || '.' || a.attname
       || ' #' || a.attnum::text || ' ' || format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
       || CASE WHEN a.attidentity <> '' THEN ' identity=' || a.attidentity::text ELSE '' END
       || CASE WHEN a.attgenerated <> '' THEN ' generated=' || a.attgenerated::text ELSE '' END
       || CASE WHEN a.attcollation <> t.typcollation THEN ' collation=' || a.attcollation::regcollation::text ELSE '' END
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN ns ON ns.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
UNION ALL
SELECT 'constraint ' || ns.nspname || '.' || coalesce(c.relname, ty.typname, '') || '.' || con.conname
       || ' ' || pg_get_constraintdef(con.oid)
       || CASE WHEN con.convalidated THEN '' ELSE ' not valid' END
FROM pg_constraint con
JOIN ns ON ns.oid = con.connamespace
LEFT JOIN pg_class c ON c.oid = con.conrelid
LEFT JOIN pg_type ty ON ty.oid = con.contypid
UNION ALL
SELECT 'index ' || ns.nspname || '.' || ic.relname || ' ' || pg_get_indexdef(i.indexrelid)
       || CASE WHEN i.indisvalid THEN '' ELSE ' invalid' END
FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN ns ON ns.oid = ic.relnamespace
UNION ALL
SELECT 'enum ' || ns.nspname || '.' || t.typname || ' ('
       || string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) || ')'
FROM pg_type t JOIN ns ON ns.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
GROUP BY ns.nspname, t.typname
UNION ALL
SELECT 'domain ' || ns.nspname || '.' || t.typname || ' ' || format_type(t.typbasetype, t.typtypmod)
       || CASE WHEN t.typnotnull THEN ' not null' ELSE '' END
       || coalesce(' default ' || t.typdefault, '')
FROM pg_type t JOIN ns ON ns.oid = t.typnamespace
WHERE t.typtype = 'd'
UNION ALL
SELECT 'function ' || ns.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid)
       || ') kind=' || p.prokind::text || ' returns ' || coalesce(pg_get_function_result(p.oid), '')
       || ' language=' || l.lanname || ' volatility=' || p.provolatile::text
       || ' strict=' || p.proisstrict::text || ' security-definer=' || p.prosecdef::text
       || ' config=' || coalesce(array_to_string(p.proconfig, ','), '')
       || ' body=' || md5(coalesce(p.prosrc, ''))
FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
UNION ALL
SELECT 'view ' || ns.nspname || '.' || c.relname || ' ' || md5(pg_get_viewdef(c.oid))
       || ' options=' || coalesce(array_to_string(c.reloptions, ','), '')
FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm')
UNION ALL
SELECT 'sequence ' || ns.nspname || '.' || c.relname || ' ' || format_type(s.seqtypid, NULL)
       || ' start=' || s.seqstart::text || ' increment=' || s.seqincrement::text
       || ' min=' || s.seqmin::text || ' max=' || s.seqmax::text || ' cache=' || s.seqcache::text
       || CASE WHEN s.seqcycle THEN ' cycle' ELSE '' END
FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN ns ON ns.oid = c.relnamespace
UNION ALL
SELECT 'trigger ' || ns.nspname || '.' || c.relname || '.' || tg.tgname || ' '
       || pg_get_triggerdef(tg.oid) || ' enabled=' || tg.tgenabled::text
FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN ns ON ns.oid = c.relnamespace
WHERE NOT tg.tgisinternal
UNION ALL
SELECT 'policy ' || ns.nspname || '.' || c.relname || '.' || pol.polname
       || ' cmd=' || pol.polcmd::text || CASE WHEN pol.polpermissive THEN ' permissive' ELSE ' restrictive' END
       || coalesce(' using ' || pg_get_expr(pol.polqual, pol.polrelid), '')
       || coalesce(' check ' || pg_get_expr(pol.polwithcheck, pol.polrelid), '')
FROM pg_policy pol JOIN pg_class c ON c.oid = pol.polrelid JOIN ns ON ns.oid = c.relnamespace
UNION ALL
SELECT 'extension ' || extname || ' ' || extversion FROM pg_extension
"#;

/// PostgreSQL's cheap "did anything change?" check, so the full dump (or a full retry) runs
/// only when needed. It reads the transaction's own tuple counters (`pg_stat_get_xact_*`),
/// which count every row inserted, updated or deleted so far in this transaction, rolled-back
/// savepoints included, so they only grow. Catalog tables are never dropped, so an unchanged
/// catalog count means no object was created, altered or dropped; then the user tables are the
/// same set and their count is as reliable. A false alarm (e.g. CREATE OR REPLACE with the same
/// body) only costs the slow path. Unusable when `track_counts` is off.
pub const POSTGRES_CENSUS: &str = "\
SELECT coalesce(sum(w) FILTER (WHERE relnamespace = 'pg_catalog'::regnamespace), 0)::bigint,
       coalesce(sum(w) FILTER (WHERE relnamespace <> 'pg_catalog'::regnamespace), 0)::bigint,
       current_setting('track_counts')::bool
FROM (SELECT relnamespace,
             pg_stat_get_xact_tuples_inserted(oid) + pg_stat_get_xact_tuples_updated(oid)
             + pg_stat_get_xact_tuples_deleted(oid) AS w
      FROM pg_class WHERE relkind IN ('r', 'p', 'm', 't')) AS counters";

/// The transaction's write counters at one moment (see `POSTGRES_CENSUS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Census {
    /// Rows written to system catalogs.
    pub catalog_writes: i64,
    /// Rows written to every other table.
    pub data_writes: i64,
}

impl Census {
    /// No catalog row was written between `self` and `later`.
    pub fn same_catalog(&self, later: &Census) -> bool {
        later.catalog_writes == self.catalog_writes
    }

    /// Nothing at all was written between `self` and `later`.
    pub fn nothing_written(&self, later: &Census) -> bool {
        self.same_catalog(later) && later.data_writes == self.data_writes
    }
}

/// PostgreSQL, scoped to the objects `CREATE OR REPLACE` statements rewrite: `$1` view names
/// as written, `$2`/`$3` routine schemas ('' for the search path) and names. A name that does
/// not resolve gives an `unresolved` line, and the caller falls back to the full dump.
pub const POSTGRES_SCOPED_DUMP: &str = r#"
WITH views AS (
  SELECT n AS name, to_regclass(n) AS oid FROM unnest($1::text[]) AS n
), wanted AS (
  SELECT * FROM unnest($2::text[], $3::text[]) AS w(schema, name)
), routines AS (
  SELECT w.schema, w.name, p.oid
  FROM wanted w
  LEFT JOIN pg_proc p ON p.proname = w.name AND (
    (w.schema = '' AND pg_function_is_visible(p.oid))
    OR p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = w.schema))
)
SELECT 'unresolved view ' || name FROM views WHERE oid IS NULL
UNION ALL
SELECT 'unresolved routine ' || schema || '.' || name FROM routines WHERE oid IS NULL
UNION ALL
SELECT 'relation ' || ns.nspname || '.' || c.relname || ' kind=' || c.relkind::text
       || ' options=' || coalesce(array_to_string(c.reloptions, ','), '')
       || ' view=' || md5(pg_get_viewdef(c.oid))
FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
WHERE c.oid IN (SELECT oid FROM views)
UNION ALL
SELECT 'column ' || ns.nspname || '.' || c.relname || '.' || a.attname
       || ' #' || a.attnum::text || ' ' || format_type(a.atttypid, a.atttypmod)
       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace ns ON ns.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid IN (SELECT oid FROM views) AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'function ' || ns.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid)
       || ') kind=' || p.prokind::text || ' returns ' || coalesce(pg_get_function_result(p.oid), '')
       || ' language=' || l.lanname || ' volatility=' || p.provolatile::text
       || ' strict=' || p.proisstrict::text || ' security-definer=' || p.prosecdef::text
       || ' config=' || coalesce(array_to_string(p.proconfig, ','), '')
       || ' body=' || md5(coalesce(p.prosrc, ''))
FROM pg_proc p JOIN pg_namespace ns ON ns.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
WHERE p.oid IN (SELECT oid FROM routines)
"#;

/// MySQL/MariaDB: tables, columns (position, type, nullability, default, extra, collation),
/// indexes, constraints, foreign keys, checks, views, routines and triggers of the current
/// database. Every line is converted to utf8mb4 so UNION does not mix collations.
pub const MYSQL_DUMP: &str = r#"
SELECT CONVERT(CONCAT('table ', table_name, ' type=', table_type, ' engine=', IFNULL(engine, ''),
       ' collation=', IFNULL(table_collation, '')) USING utf8mb4)
FROM information_schema.tables WHERE table_schema = DATABASE()
UNION ALL
SELECT CONVERT(CONCAT('column ', table_name, '.', column_name, ' #', ordinal_position, ' ', column_type,
       IF(is_nullable = 'NO', ' not null', ''), IFNULL(CONCAT(' default ', column_default), ''),
       IF(extra <> '', CONCAT(' ', extra), ''), IFNULL(CONCAT(' collation=', collation_name), '')) USING utf8mb4)
FROM information_schema.columns WHERE table_schema = DATABASE()
UNION ALL
SELECT CONVERT(CONCAT('index ', table_name, '.', index_name, ' unique=', 1 - non_unique, ' type=', index_type, ' (',
       GROUP_CONCAT(CONCAT(column_name, IFNULL(CONCAT('(', sub_part, ')'), '')) ORDER BY seq_in_index SEPARATOR ', '),
       ')') USING utf8mb4)
FROM information_schema.statistics WHERE table_schema = DATABASE()
GROUP BY table_name, index_name, non_unique, index_type
UNION ALL
SELECT CONVERT(CONCAT('constraint ', table_name, '.', constraint_name, ' ', constraint_type) USING utf8mb4)
FROM information_schema.table_constraints WHERE constraint_schema = DATABASE()
UNION ALL
SELECT CONVERT(CONCAT('foreign-key ', table_name, '.', constraint_name, ' (',
       GROUP_CONCAT(column_name ORDER BY ordinal_position SEPARATOR ', '), ') references ', referenced_table_name, ' (',
       GROUP_CONCAT(referenced_column_name ORDER BY ordinal_position SEPARATOR ', '), ')') USING utf8mb4)
FROM information_schema.key_column_usage
WHERE constraint_schema = DATABASE() AND referenced_table_name IS NOT NULL
GROUP BY table_name, constraint_name, referenced_table_name
UNION ALL
SELECT CONVERT(CONCAT('check ', table_name, '.', constraint_name, ' ', check_clause) USING utf8mb4)
FROM information_schema.check_constraints WHERE constraint_schema = DATABASE()
UNION ALL
SELECT CONVERT(CONCAT('view ', table_name, ' ', MD5(view_definition)) USING utf8mb4)
FROM information_schema.views WHERE table_schema = DATABASE()
UNION ALL
SELECT CONVERT(CONCAT('routine ', routine_type, ' ', routine_name, ' ', MD5(IFNULL(routine_definition, ''))) USING utf8mb4)
FROM information_schema.routines WHERE routine_schema = DATABASE()
UNION ALL
SELECT CONVERT(CONCAT('trigger ', trigger_name, ' ', action_timing, ' ', event_manipulation, ' on ',
       event_object_table, ' ', MD5(action_statement)) USING utf8mb4)
FROM information_schema.triggers WHERE trigger_schema = DATABASE()
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_of_rows_does_not_change_the_hash() {
        let a = Fingerprint::new(vec!["b".into(), "a".into()]);
        let b = Fingerprint::new(vec!["a".into(), "b".into()]);
        assert_eq!(a, b);
        assert_ne!(a.hash, Fingerprint::new(vec!["a".into()]).hash);
    }

    #[test]
    fn changes_name_removed_and_added_lines() {
        let before = Fingerprint::new(vec!["column t.a #1 integer".into(), "relation t".into()]);
        let after = Fingerprint::new(vec!["column t.a #2 integer".into(), "relation t".into()]);
        assert_eq!(
            before.changes_to(&after),
            ["- column t.a #1 integer", "+ column t.a #2 integer"]
        );
    }
}
