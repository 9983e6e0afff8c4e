//! Replaying the statements that create or drop objects other than tables and indexes: views,
//! types, domains, sequences, extensions, schemas, functions, procedures, triggers, policies.

use super::Replayer;
use crate::reconcile::schema::{Attributes, ObjectId, ObjectKind};
use sqlparser::ast::{
    ArgMode, CreateDomain, CreateExtension, CreateFunction, CreatePolicy, CreateTrigger,
    CreateView, DropDomain, DropExtension, DropPolicy, DropTrigger, Expr, FunctionArg,
    FunctionArgExpr, FunctionArguments, Ident, ObjectName, ProcedureParam, Query, SchemaName,
    SelectItem, SetExpr, UserDefinedTypeRepresentation, Value,
};

impl Replayer {
    /// Creates `id` unless the statement says IF NOT EXISTS and it already exists.
    fn create_unless_exists(&mut self, id: ObjectId, if_not_exists: bool) {
        if !(if_not_exists && self.exists(&id)) {
            self.put(id, Attributes::new());
        }
    }

    pub(super) fn create_view(&mut self, view: &CreateView) {
        if let Some(name) = self.new_table(&view.name) {
            let kind = if view.materialized {
                ObjectKind::MaterializedView
            } else {
                ObjectKind::View
            };
            self.create_unless_exists(ObjectId::new(kind, name), view.if_not_exists);
        }
    }

    pub(super) fn create_type(
        &mut self,
        name: &ObjectName,
        representation: Option<&UserDefinedTypeRepresentation>,
    ) {
        let Some(name) = self.new_name(name) else {
            return;
        };
        match representation {
            Some(UserDefinedTypeRepresentation::Enum { labels }) => {
                let labels: Vec<String> = labels.iter().map(|l| l.value.clone()).collect();
                self.put(
                    ObjectId::new(ObjectKind::Enum, name),
                    Attributes::from([("labels", labels.join(", "))]),
                );
            }
            _ => self.opaque(format!("type {name}: only enum types are modelled")),
        }
    }

    pub(super) fn create_domain(&mut self, domain: &CreateDomain) {
        if let Some(name) = self.new_name(&domain.name) {
            let ty = self.engine.column_type(&domain.data_type);
            self.put(
                ObjectId::new(ObjectKind::Domain, name),
                Attributes::from([("type", ty)]),
            );
        }
    }

    pub(super) fn drop_domain(&mut self, drop: &DropDomain) {
        if let Some(name) = self.name(&drop.name) {
            self.remove(&ObjectId::new(ObjectKind::Domain, name));
        }
    }

    pub(super) fn create_sequence(&mut self, name: &ObjectName, if_not_exists: bool) {
        if let Some(name) = self.new_name(name) {
            self.create_unless_exists(ObjectId::new(ObjectKind::Sequence, name), if_not_exists);
        }
    }

    pub(super) fn create_extension(&mut self, ext: &CreateExtension) {
        let id = ObjectId::new(ObjectKind::Extension, ext.name.value.clone());
        self.create_unless_exists(id, ext.if_not_exists);
    }

    pub(super) fn drop_extension(&mut self, drop: &DropExtension) {
        for name in &drop.names {
            self.remove(&ObjectId::new(ObjectKind::Extension, name.value.clone()));
        }
    }

    pub(super) fn create_schema(&mut self, schema_name: &SchemaName, if_not_exists: bool) {
        let name = match schema_name {
            SchemaName::Simple(n) | SchemaName::NamedAuthorization(n, _) => {
                n.0.last()
                    .and_then(|p| p.as_ident())
                    .map(|i| self.engine.ident(i))
            }
            SchemaName::UnnamedAuthorization(i) => Some(self.engine.ident(i)),
        };
        // The compared schema and `public` are not objects the catalog's side lists (it reads
        // the schemas beside the compared one, `public` always there).
        if let Some(name) = name.filter(|n| *n != self.schema_name && n != "public") {
            self.create_unless_exists(ObjectId::new(ObjectKind::Schema, name), if_not_exists);
        }
    }

    pub(super) fn create_function(&mut self, f: &CreateFunction) {
        let Some(name) = self.new_name(&f.name) else {
            return;
        };
        let args = self.identity_args(f.args.as_deref());
        let id = ObjectId::new(ObjectKind::Function, format!("{name}({args})"));
        self.create_unless_exists(id, f.if_not_exists);
    }

    pub(super) fn create_procedure(
        &mut self,
        name: &ObjectName,
        params: Option<&[ProcedureParam]>,
    ) {
        let Some(name) = self.new_name(name) else {
            return;
        };
        if self.engine.is_mysql() {
            self.put(
                ObjectId::new(ObjectKind::Function, format!("{name}()")),
                Attributes::new(),
            );
            return;
        }
        // Its identity has the input arguments' types (pg_proc's proargtypes); DROP and ALTER
        // PROCEDURE also accept the whole list.
        let params = params.unwrap_or_default();
        let args = params
            .iter()
            .filter(|p| !matches!(p.mode, Some(ArgMode::Out)))
            .map(|p| self.arg_type(&p.data_type))
            .collect::<Vec<_>>()
            .join(", ");
        let id = ObjectId::new(ObjectKind::Function, format!("{name}({args})"));
        let all = params.iter().map(|p| self.arg_type(&p.data_type));
        self.procedure_signature(&id, all.collect());
        self.put(id, Attributes::new());
    }

    pub(super) fn rename_index(&mut self, name: &ObjectName, index_name: &ObjectName) {
        let (Some(from), Some(to)) = (self.name(name), self.local_name(index_name)) else {
            return;
        };
        let ids = self
            .ids_where(|id| id.kind == ObjectKind::Index && id.table.is_some() && id.name == from);
        for id in ids {
            let Some(attrs) = self.out.schema.get(&id).cloned() else {
                continue;
            };
            let table = attrs.get("table").cloned().unwrap_or_default();
            self.remove(&id);
            self.put(ObjectId::on_table(ObjectKind::Index, &table, &to), attrs);
        }
    }

    pub(super) fn create_trigger(&mut self, t: &CreateTrigger) {
        let (Some(name), Some(table)) = (self.local_name(&t.name), self.table(&t.table_name))
        else {
            return;
        };
        self.put(
            ObjectId::on_table(ObjectKind::Trigger, &table, &name),
            Attributes::new(),
        );
    }

    /// `SELECT diesel_manage_updated_at('users');`, Diesel's documented way to keep an
    /// `updated_at` column current: the function its `diesel setup` migration
    /// (`00000000000000_diesel_initial_setup`) defines runs `CREATE TRIGGER set_updated_at
    /// BEFORE UPDATE ON <table> …` through EXECUTE, so the call creates that trigger. Only
    /// when the function was created by an earlier statement; `false` for any other query.
    pub(super) fn diesel_manage_updated_at(&mut self, query: &Query) -> bool {
        if self.engine.is_mysql() {
            return false;
        }
        let SetExpr::Select(select) = query.body.as_ref() else {
            return false;
        };
        let [SelectItem::UnnamedExpr(Expr::Function(call))] = select.projection.as_slice() else {
            return false;
        };
        if !select.from.is_empty() {
            return false;
        }
        let Some(function) = self.name(&call.name) else {
            return false;
        };
        if !function.eq_ignore_ascii_case("diesel_manage_updated_at")
            || self
                .ids_with_prefix(ObjectKind::Function, &format!("{function}("))
                .is_empty()
        {
            return false;
        }
        let FunctionArguments::List(list) = &call.args else {
            return false;
        };
        let [FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(arg)))] = list.args.as_slice()
        else {
            return false;
        };
        let Value::SingleQuotedString(regclass) = &arg.value else {
            return false;
        };
        // The argument is a regclass: `users` or `schema.users`, unquoted names folded.
        let table_name = ObjectName::from(
            regclass
                .split('.')
                .map(
                    |part| match part.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
                        Some(quoted) => Ident::with_quote('"', quoted),
                        None => Ident::new(part),
                    },
                )
                .collect::<Vec<_>>(),
        );
        let Some(table) = self.table(&table_name) else {
            return false;
        };
        self.put(
            ObjectId::on_table(ObjectKind::Trigger, &table, "set_updated_at"),
            Attributes::new(),
        );
        true
    }

    pub(super) fn drop_trigger(&mut self, t: &DropTrigger) {
        let Some(name) = self.local_name(&t.trigger_name) else {
            return;
        };
        match t.table_name.as_ref().and_then(|n| self.table(n)) {
            Some(table) => self.remove(&ObjectId::on_table(ObjectKind::Trigger, &table, &name)),
            None => {
                for id in self.ids_where(|id| {
                    id.kind == ObjectKind::Trigger && id.table.is_some() && id.name == name
                }) {
                    self.remove(&id);
                }
            }
        }
    }

    pub(super) fn create_policy(&mut self, p: &CreatePolicy) {
        if let Some(table) = self.name(&p.table_name) {
            let name = self.engine.ident(&p.name);
            self.put(
                ObjectId::on_table(ObjectKind::Policy, &table, &name),
                Attributes::new(),
            );
        }
    }

    pub(super) fn drop_policy(&mut self, p: &DropPolicy) {
        if let Some(table) = self.name(&p.table_name) {
            let name = self.engine.ident(&p.name);
            self.remove(&ObjectId::on_table(ObjectKind::Policy, &table, &name));
        }
    }
}
