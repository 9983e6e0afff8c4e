//! PostgreSQL: pg_catalog, one query per object kind.

use super::cell;
use crate::error::{Error, Result};
use crate::reconcile::db::Session;
use crate::reconcile::expected::routine_arg_type;
use crate::reconcile::schema::{
    canonical_default, canonical_type, Attributes, ObjectId, ObjectKind, Schema,
};

const RELATIONS: &str = "
SELECT c.relname::text, c.relkind::text,
       CASE WHEN c.relkind = 'S' THEN (
         SELECT t.relname::text FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
         WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
           AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1)
       END
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')";

const COLUMNS: &str = "
SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod),
       a.attnotnull::text, pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped";

const INDEXES: &str = "
SELECT i.relname::text, t.relname::text, x.indisunique::text, x.indisvalid::text,
       pg_get_indexdef(x.indexrelid)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = $1";

const CONSTRAINTS: &str = "
SELECT t.relname::text, con.conname::text, con.contype::text, con.convalidated::text
FROM pg_constraint con
JOIN pg_class t ON t.oid = con.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = $1 AND con.contype IN ('p', 'u', 'f', 'c', 'x')";

const ENUMS: &str = "
SELECT t.typname::text, json_agg(e.enumlabel ORDER BY e.enumsortorder)::text
FROM pg_type t
JOIN pg_enum e ON e.enumtypid = t.oid
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = $1
GROUP BY t.typname";

const DOMAINS: &str = "
SELECT t.typname::text, format_type(t.typbasetype, t.typtypmod)
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = $1 AND t.typtype = 'd'";

const FUNCTIONS: &str = "
SELECT p.proname::text, (
  SELECT coalesce(json_agg(json_build_array(tn.nspname::text, quote_ident(tn.nspname),
                                            format_type(a.t, NULL)) ORDER BY a.i), '[]')::text
  FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(t, i)
  JOIN pg_type ty ON ty.oid = a.t JOIN pg_namespace tn ON tn.oid = ty.typnamespace)
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
LEFT JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
WHERE n.nspname = $1 AND d.objid IS NULL";

const TRIGGERS: &str = "
SELECT c.relname::text, tg.tgname::text
FROM pg_trigger tg
JOIN pg_class c ON c.oid = tg.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND NOT tg.tgisinternal";

const POLICIES: &str = "
SELECT c.relname::text, p.polname::text
FROM pg_policy p
JOIN pg_class c ON c.oid = p.polrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1";

// Schemas and extensions are database-wide; $1 keeps every query's parameter list alike.
const SCHEMAS: &str = "
SELECT nspname::text FROM pg_namespace
WHERE nspname <> $1 AND nspname NOT LIKE 'pg\\_%' AND nspname NOT IN ('information_schema', 'public')";

const EXTENSIONS: &str =
    "SELECT extname::text FROM pg_extension WHERE extname <> 'plpgsql' AND extname <> $1";

/// The parts of `pg_get_indexdef` (`CREATE INDEX … USING method (a, b) … WHERE (p)`) that
/// the migrations' `CREATE INDEX` is compared with.
#[derive(Debug, Default, PartialEq)]
struct IndexShape {
    method: String,
    columns: String,
    predicate: String,
}

fn index_shape(def: &str) -> IndexShape {
    let Some(using) = def.find(" USING ") else {
        return IndexShape::default();
    };
    let rest = &def[using + " USING ".len()..];
    let Some(open) = rest.find('(') else {
        return IndexShape::default();
    };
    let method = rest[..open].trim().to_string();
    let mut depth = 0;
    for (i, c) in rest[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    let inner = &rest[open + 1..open + i];
                    let columns = split_top_level(inner)
                        .iter()
                        .map(|c| crate::reconcile::expected::index_column_text(c))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let tail = &rest[open + i + 1..];
                    let predicate = tail
                        .find(" WHERE ")
                        .map(|w| crate::reconcile::expected::index_predicate_text(&tail[w + 7..]))
                        .unwrap_or_default();
                    return IndexShape {
                        method,
                        columns,
                        predicate,
                    };
                }
            }
            _ => {}
        }
    }
    IndexShape::default()
}

fn split_top_level(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start, mut quoted) = (0, 0, false);
    for (i, c) in s.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

pub async fn read(session: &mut Session, schema: &str) -> Result<Schema> {
    let mut out = Schema::default();
    let binds = [schema];

    read_relations(session, &binds, &mut out).await?;
    read_types_and_routines(session, &binds, &mut out).await?;
    Ok(out)
}

/// Relations, columns, indexes and constraints.
async fn read_relations(session: &mut Session, binds: &[&str], out: &mut Schema) -> Result<()> {
    for row in session.query(RELATIONS, binds).await? {
        let name = cell(&row, 0);
        let (kind, attrs) = match cell(&row, 1).as_str() {
            "r" | "p" | "f" => (ObjectKind::Table, Attributes::new()),
            "v" => (ObjectKind::View, Attributes::new()),
            "m" => (ObjectKind::MaterializedView, Attributes::new()),
            "S" => {
                let owner = cell(&row, 2);
                let attrs = if owner.is_empty() {
                    Attributes::new()
                } else {
                    Attributes::from([("owned_by", owner)])
                };
                (ObjectKind::Sequence, attrs)
            }
            _ => continue,
        };
        out.insert(ObjectId::new(kind, name), attrs);
    }

    for row in session.query(COLUMNS, binds).await? {
        let default = if !cell(&row, 5).is_empty() {
            "identity".to_string()
        } else if !cell(&row, 6).is_empty() {
            "generated".to_string()
        } else {
            canonical_default(&cell(&row, 4))
        };
        out.insert(
            ObjectId::on_table(ObjectKind::Column, &cell(&row, 0), &cell(&row, 1)),
            Attributes::from([
                ("type", canonical_type(&cell(&row, 2), false)),
                (
                    "nullable",
                    if cell(&row, 3) == "true" { "no" } else { "yes" }.to_string(),
                ),
                ("default", default),
            ]),
        );
    }

    for row in session.query(INDEXES, binds).await? {
        let table = cell(&row, 1);
        let shape = index_shape(&cell(&row, 4));
        out.insert(
            ObjectId::on_table(ObjectKind::Index, &table, &cell(&row, 0)),
            Attributes::from([
                ("table", table),
                ("columns", shape.columns),
                ("method", shape.method),
                ("predicate", shape.predicate),
                ("unique", cell(&row, 2)),
                ("valid", cell(&row, 3)),
            ]),
        );
    }

    for row in session.query(CONSTRAINTS, binds).await? {
        let kind = match cell(&row, 2).as_str() {
            "p" => "primary key",
            "u" => "unique",
            "f" => "foreign key",
            "c" => "check",
            _ => "exclusion",
        };
        out.insert(
            ObjectId::on_table(ObjectKind::Constraint, &cell(&row, 0), &cell(&row, 1)),
            Attributes::from([("kind", kind.to_string()), ("validated", cell(&row, 3))]),
        );
    }
    Ok(())
}

/// Enums, domains, routines, triggers, policies, schemas and extensions.
async fn read_types_and_routines(
    session: &mut Session,
    binds: &[&str],
    out: &mut Schema,
) -> Result<()> {
    for row in session.query(ENUMS, binds).await? {
        let labels: Vec<String> = catalog_json(&cell(&row, 1), "an enum's labels")?;
        out.insert(
            ObjectId::new(ObjectKind::Enum, cell(&row, 0)),
            Attributes::from([("labels", labels.join(", "))]),
        );
    }

    for row in session.query(DOMAINS, binds).await? {
        out.insert(
            ObjectId::new(ObjectKind::Domain, cell(&row, 0)),
            Attributes::from([("type", canonical_type(&cell(&row, 1), false))]),
        );
    }

    // The compared schema ($1 of every query).
    let schema = binds.first().copied().unwrap_or_default();
    for row in session.query(FUNCTIONS, binds).await? {
        let types: Vec<(String, String, String)> =
            catalog_json(&cell(&row, 1), "a routine's argument types")?;
        let args: Vec<String> = types
            .iter()
            .map(|(namespace, quoted, formatted)| {
                routine_arg_key(namespace, quoted, formatted, schema)
            })
            .collect();
        out.insert(
            ObjectId::new(
                ObjectKind::Function,
                format!("{}({})", cell(&row, 0), args.join(", ")),
            ),
            Attributes::new(),
        );
    }

    for row in session.query(TRIGGERS, binds).await? {
        out.insert(
            ObjectId::on_table(ObjectKind::Trigger, &cell(&row, 0), &cell(&row, 1)),
            Attributes::new(),
        );
    }

    for row in session.query(POLICIES, binds).await? {
        out.insert(
            ObjectId::on_table(ObjectKind::Policy, &cell(&row, 0), &cell(&row, 1)),
            Attributes::new(),
        );
    }

    for row in session.query(SCHEMAS, binds).await? {
        out.insert(
            ObjectId::new(ObjectKind::Schema, cell(&row, 0)),
            Attributes::new(),
        );
    }

    for row in session.query(EXTENSIONS, binds).await? {
        out.insert(
            ObjectId::new(ObjectKind::Extension, cell(&row, 0)),
            Attributes::new(),
        );
    }
    Ok(())
}

/// The types outside pg_catalog that an unqualified name finds through the session's
/// search_path, as a JSON array of `[format_type, quote_ident(schema), schema]`: a column of
/// the query that reads the search_path (`connection_path` in run.rs), so no query is added.
pub const VISIBLE_TYPES: &str = "(SELECT coalesce(json_agg(json_build_array(\
format_type(t.oid, NULL), quote_ident(n.nspname), n.nspname::text)), '[]')::text \
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
WHERE n.nspname <> 'pg_catalog' AND t.typcategory <> 'A' AND pg_type_is_visible(t.oid))";

/// The database's schemas, as a JSON array of names: a column of the query that reads the
/// search_path, like [`VISIBLE_TYPES`]. A search_path a migration sets is resolved by them.
pub const SCHEMA_NAMES: &str =
    "(SELECT coalesce(json_agg(nspname::text), '[]')::text FROM pg_namespace)";

/// [`SCHEMA_NAMES`] as read; `None` when not read (MySQL/MariaDB).
pub fn schema_names(json: &str) -> Result<Option<std::collections::BTreeSet<String>>> {
    if json.is_empty() {
        return Ok(None);
    }
    catalog_json(json, "the schema names").map(Some)
}

/// [`VISIBLE_TYPES`] outside the compared `schema`: by name as [`routine_arg_type`] spells it,
/// with their schema as `quote_ident` spells it, in lower case as `canonical_type` spells a
/// qualified name. The migrations' side resolves a routine argument's type by them.
pub fn visible_types(
    json: &str,
    schema: &str,
) -> Result<std::collections::BTreeMap<String, String>> {
    // MySQL/MariaDB have no search_path: nothing was read.
    if json.is_empty() {
        return Ok(Default::default());
    }
    let types: Vec<(String, String, String)> =
        catalog_json(json, "the types the search_path finds")?;
    Ok(types
        .into_iter()
        .filter(|(_, _, namespace)| namespace != schema)
        .map(|(formatted, quoted, _)| {
            (
                routine_arg_type(&canonical_type(&formatted, false), schema),
                quoted.to_ascii_lowercase(),
            )
        })
        .collect())
}

/// JSON that one of the catalog queries above builds: unreadable, it is a bug in that query,
/// reported rather than read as empty (an empty argument list would name another routine).
fn catalog_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| {
        Error::Other(format!(
            "PostgreSQL catalog: {what} are not the JSON preflight's query builds ({e}); please report this"
        ))
    })
}

/// A routine argument's type keyed the same whatever the session's search_path: `format_type`
/// qualifies a type only when its schema is not on the path, so the qualifier is taken off
/// (`quoted` is the schema as `quote_ident` spells it) and put back for every schema but the
/// compared one and pg_catalog, the way the migrations' side resolves its names
/// ([`routine_arg_type`], `Replayer::arg_type`).
fn routine_arg_key(namespace: &str, quoted: &str, formatted: &str, schema: &str) -> String {
    let prefix = format!("{quoted}.");
    let bare = formatted.strip_prefix(&prefix).unwrap_or(formatted);
    let text = if namespace == schema || namespace == "pg_catalog" {
        bare.to_string()
    } else {
        format!("{prefix}{bare}")
    };
    routine_arg_type(&canonical_type(&text, false), schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_catalog_json_is_an_error_not_an_empty_list() {
        let err = visible_types("[[\"mood\"", "public")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("the types the search_path finds are not the JSON"),
            "{err}"
        );
        // MySQL/MariaDB read none: nothing to resolve, not an error.
        assert!(visible_types("", "public").unwrap().is_empty());
    }

    #[test]
    fn routine_arg_keys_do_not_depend_on_the_search_path() {
        // A type of a schema on the search_path (printed bare) or off it (qualified).
        for formatted in ["mood", "extensions.mood"] {
            assert_eq!(
                routine_arg_key("extensions", "extensions", formatted, "public"),
                "extensions.mood"
            );
        }
        assert_eq!(
            routine_arg_key("Ext", "\"Ext\"", "\"Ext\".\"Mood\"[]", "public"),
            "\"ext\".\"mood\"[]"
        );
        // The types the search_path finds, but the compared schema's.
        let json = r#"[["mood","extensions","extensions"],["\"Mood\"","\"Ext\"","Ext"],["users","public","public"]]"#;
        assert_eq!(
            visible_types(json, "public").unwrap(),
            std::collections::BTreeMap::from([
                ("mood".to_string(), "extensions".to_string()),
                ("\"mood\"".to_string(), "\"ext\"".to_string()),
            ])
        );
        // The compared schema's and pg_catalog's types stay bare.
        assert_eq!(routine_arg_key("app", "app", "app.mood", "app"), "mood");
        assert_eq!(
            routine_arg_key("pg_catalog", "pg_catalog", "character varying", "app"),
            "character varying"
        );
    }

    #[test]
    fn index_shape_comes_from_the_definition() {
        assert_eq!(
            index_shape("CREATE UNIQUE INDEX users_email_key ON public.users USING btree (email)"),
            IndexShape {
                method: "btree".into(),
                columns: "email".into(),
                predicate: String::new(),
            }
        );
        assert_eq!(
            index_shape("CREATE INDEX i ON public.t USING gin (a, lower((b)::text)) WHERE (c > 0)"),
            IndexShape {
                method: "gin".into(),
                columns: "a, lower b".into(),
                predicate: "c > 0".into(),
            }
        );
    }
}
