//! Unqualified names under the search_path a migration sets (PostgreSQL, `SET search_path`,
//! [`crate::sql::search_path`]). Until a migration sets one, its unqualified names are the
//! compared schema's, as before. Once it has:
//!
//! - a new object goes to the first schema of the path that exists, as PostgreSQL puts it
//!   ("the first schema in the search path that exists is the default location for creating
//!   new objects"); none existing (or `''`), nothing is created;
//! - an existing object is the one of the first schema of the path that has it: the compared
//!   schema when the model has an object of that name, another schema when the migrations
//!   created one of that name there; otherwise the schema a new one would go to;
//! - a routine argument's type, the same way, qualified with its schema when that is not the
//!   compared one (as the catalog's side keys it).
//!
//! A schema exists when it is the compared one, the migrations created it (and did not drop
//! it), or the server has it now ([`Server::schemas`]); `$user` is the connection's role.
//! Objects of other schemas are outside the comparison: they are remembered by name only, to
//! find them through the path.

use super::Replayer;
use crate::reconcile::schema::{ObjectId, ObjectKind};
use sqlparser::ast::ObjectName;
use std::collections::{BTreeMap, BTreeSet};

/// What the server says about names, which the replay resolves unqualified names by.
#[derive(Debug, Clone, Default)]
pub struct Server {
    /// The types outside the compared schema that the connection's search_path finds
    /// (see `Replayer::server`).
    pub visible_types: BTreeMap<String, String>,
    /// The schemas the database has now; `None` when not read (then a schema a path names is
    /// taken to exist).
    pub schemas: Option<BTreeSet<String>>,
    /// The connection's role, which `$user` in a path names.
    pub user: Option<String>,
}

impl Replayer {
    /// The name, within the compared schema, of an object a statement finds (`None`: another
    /// schema's).
    pub(crate) fn name(&self, name: &ObjectName) -> Option<String> {
        match self.path_ident(name) {
            Some(ident) => self.found(ident),
            None => self.engine.object_name(name, &self.schema_name),
        }
    }

    /// A table's or view's name as [`Replayer::name`], case kept where the server keeps it
    /// ([`super::Engine::table_name`]).
    pub(crate) fn table(&self, name: &ObjectName) -> Option<String> {
        match self.path_ident(name) {
            Some(ident) => self.found(ident),
            None => self.local_table(name),
        }
    }

    /// The name, within the compared schema, of an object a statement creates.
    pub(crate) fn new_name(&mut self, name: &ObjectName) -> Option<String> {
        match self.path_ident(name) {
            Some(ident) => self.created(ident),
            None => {
                let created = self.engine.object_name(name, &self.schema_name);
                self.remember_other(name, created.is_none());
                created
            }
        }
    }

    /// A new table's or view's name, as [`Replayer::new_name`], case kept where the server
    /// keeps it ([`super::Engine::table_name`]).
    pub(crate) fn new_table(&mut self, name: &ObjectName) -> Option<String> {
        match self.path_ident(name) {
            Some(ident) => self.created(ident),
            None => {
                let created = self.local_table(name);
                self.remember_other(name, created.is_none());
                created
            }
        }
    }

    /// An unqualified new object's name through the path.
    fn created(&mut self, ident: String) -> Option<String> {
        match self.creation_schema() {
            Some(schema) if schema == self.schema_name => Some(ident),
            Some(schema) => {
                self.elsewhere.insert((schema, ident));
                None
            }
            None => None,
        }
    }

    /// A qualified new object of another schema (`other`), found through a path later.
    fn remember_other(&mut self, name: &ObjectName, other: bool) {
        if let (true, Some(schema), Some(last)) =
            (other, self.qualifier(name), self.last_part(name))
        {
            self.elsewhere.insert((schema, last));
        }
    }

    /// A table's name that is never resolved through the path (its new name in a rename).
    pub(crate) fn local_table(&self, name: &ObjectName) -> Option<String> {
        self.engine
            .table_name(name, &self.schema_name, self.keep_table_case)
    }

    /// A name that lives in its table's schema (an index's, a trigger's, a table's new name):
    /// never resolved through the path.
    pub(crate) fn local_name(&self, name: &ObjectName) -> Option<String> {
        self.engine.object_name(name, &self.schema_name)
    }

    /// An unqualified type name (as `routine_arg_type` spells it) that the migration's path
    /// finds in another schema: that schema, as `quote_ident` spells it in lower case.
    pub(crate) fn type_schema(&self, element: &str) -> Option<String> {
        let path = self.path.schemas()?;
        for schema in self.existing(path) {
            if schema == self.schema_name {
                let has = [ObjectKind::Enum, ObjectKind::Domain]
                    .into_iter()
                    .any(|k| self.exists(&ObjectId::new(k, element.to_string())));
                if has {
                    return None;
                }
            } else if self
                .elsewhere
                .contains(&(schema.clone(), element.to_string()))
            {
                return Some(quote_ident(&schema));
            }
        }
        None
    }

    /// Whether a name the token-level recogniser read (folded) is the compared schema's: a
    /// qualified one by its schema, an unqualified one through the path the migration set,
    /// as a new object (`creates`) or an existing one.
    pub(crate) fn path_scope(&mut self, name: &crate::sql::Name, creates: bool) -> bool {
        let active = !self.engine.is_mysql() && self.path.schemas().is_some();
        match name.parts.as_slice() {
            [base] if active && creates => self.created(base.clone()).is_some(),
            [base] if active => self.found(base.clone()).is_some(),
            [_] => true,
            [.., schema, _] => schema.eq_ignore_ascii_case(&self.schema_name),
            [] => false,
        }
    }

    /// The unqualified name's identifier, when a path the migration set resolves it.
    fn path_ident(&self, name: &ObjectName) -> Option<String> {
        if self.engine.is_mysql() || self.path.schemas().is_none() {
            return None;
        }
        match name.0.as_slice() {
            [one] => one.as_ident().map(|i| self.engine.ident(i)),
            _ => None,
        }
    }

    fn qualifier(&self, name: &ObjectName) -> Option<String> {
        match name.0.as_slice() {
            [.., schema, _] if !self.engine.is_mysql() => {
                schema.as_ident().map(|i| self.engine.ident(i))
            }
            _ => None,
        }
    }

    fn last_part(&self, name: &ObjectName) -> Option<String> {
        name.0
            .last()
            .and_then(|p| p.as_ident())
            .map(|i| self.engine.ident(i))
    }

    /// An existing object's schema through the path: the compared schema's name, or `None`.
    fn found(&self, ident: String) -> Option<String> {
        let path = self.path.schemas().unwrap_or_default();
        for schema in self.existing(path) {
            if schema == self.schema_name {
                if self.has_named(&ident) {
                    return Some(ident);
                }
            } else if self.elsewhere.contains(&(schema, ident.clone())) {
                return None;
            }
        }
        (self.creation_schema()? == self.schema_name).then_some(ident)
    }

    /// Where an unqualified new object goes: the first existing schema of the path.
    fn creation_schema(&self) -> Option<String> {
        let path = self.path.schemas()?;
        self.existing(path).into_iter().next()
    }

    /// The schemas of `path` that exist, in order, `$user` replaced by the role.
    fn existing(&self, path: &[String]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for schema in path {
            let schema = match schema.as_str() {
                "$user" => match &self.server.user {
                    Some(user) => user.clone(),
                    None => continue,
                },
                _ => schema.clone(),
            };
            if !out.contains(&schema) && self.schema_exists(&schema) {
                out.push(schema);
            }
        }
        out
    }

    fn schema_exists(&self, schema: &str) -> bool {
        let id = ObjectId::new(ObjectKind::Schema, schema.to_string());
        if schema == self.schema_name
            || schema == "pg_catalog"
            || schema == "pg_temp"
            || self.exists(&id)
        {
            return true;
        }
        if self.out.dropped.contains_key(&id) {
            return false;
        }
        self.server
            .schemas
            .as_ref()
            .is_none_or(|schemas| schemas.contains(schema))
    }

    /// Whether the compared schema has an object (a relation, type, routine) of that name.
    fn has_named(&self, ident: &str) -> bool {
        let routine = format!("{ident}(");
        self.out.schema.objects.keys().any(|id| match id.kind {
            ObjectKind::Function => id.name.starts_with(&routine),
            ObjectKind::Index => id.name == ident,
            _ => id.table.is_none() && id.name == ident,
        })
    }
}

/// A schema's name as `quote_ident` spells it, in lower case as `canonical_type` spells a
/// qualified type.
fn quote_ident(schema: &str) -> String {
    let plain = schema
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    match plain {
        true => schema.to_string(),
        false => format!("\"{}\"", schema.replace('"', "\"\"")).to_lowercase(),
    }
}
