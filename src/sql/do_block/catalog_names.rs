//! The names a statement makes, checks and drops in the catalog, as the server stores them:
//! its own, and those the server derives from them (`t_pkey`, `t_c_seq`, `_t`, MariaDB's
//! `t_ibfk_1`), for a catalog check around it to be judged by.

use crate::sql::keys::object_name;
use crate::sql::lexer::{top_level, Tok};
use crate::sql::{Name, Statement};
use sqlparser::tokenizer::Token;
use std::collections::HashMap;

/// The catalog namespaces of PostgreSQL a name takes, as bits: a relation's (`pg_class`: tables,
/// views, indexes, sequences), a type's (`pg_type`), a constraint's (`pg_constraint`, one
/// namespace for all the constraints of a schema).
const RELATION: u8 = 1;
const TYPE: u8 = 2;
const CONSTRAINT: u8 = 4;

/// The names the file's statements before a DO block made in PostgreSQL's catalog, and that are
/// there whenever a run reaches the block: a default name the block's statements derive avoids
/// them as the server does (`t_pkey` taken: `t_pkey1`; `_t` taken: `__t`). Kept by the
/// statement builder, one top-level statement after another ([`TakenNames::after`]); only
/// names certainly there count: anything that may drop, rename or move one, or make it in
/// another schema, takes it out, and a statement whose effect is not known clears them all.
#[derive(Debug, Default)]
pub(crate) struct TakenNames {
    /// By name in lower case: each name so spelled that is taken, as stored.
    names: HashMap<String, Vec<Taken>>,
    /// By object (lower case): the names (lower case) of [`Self::names`] it took.
    owned: HashMap<String, Vec<String>>,
}

/// One name an earlier statement took ([`TakenNames`]).
#[derive(Debug)]
struct Taken {
    /// As stored.
    name: String,
    /// The schema it was made in, as written; `None`: unqualified.
    schema: Option<String>,
    /// The namespaces it takes ([`RELATION`], [`TYPE`], [`CONSTRAINT`]).
    spaces: u8,
    /// The object it belongs to, lower case: its table, or itself.
    owner: String,
}

impl TakenNames {
    /// Is `name` (as stored) taken in one of the namespaces `spaces`, in schema `schema` (as
    /// written; `None`: unqualified), by an object that does not belong to `created` (lower
    /// case), the object a `CREATE` makes? Names an earlier object of the same name took are
    /// left out: while that is there, the creation never runs, and a check finds the names
    /// that object took.
    fn takes(&self, spaces: u8, schema: Option<&str>, name: &str, created: Option<&str>) -> bool {
        if self.names.is_empty() {
            return false;
        }
        self.names.get(&name.to_lowercase()).is_some_and(|taken| {
            taken.iter().any(|t| {
                t.name == name
                    && t.spaces & spaces != 0
                    && t.schema.as_deref() == schema
                    && created != Some(t.owner.as_str())
            })
        })
    }

    /// Is `name` (as stored) taken, unqualified, in any namespace?
    pub(super) fn is_taken(&self, name: &str) -> bool {
        let spaces = RELATION | TYPE | CONSTRAINT;
        !self.names.is_empty() && self.takes(spaces, None, name, None)
    }

    /// Forgets every name: what comes next may have dropped any of them.
    pub(crate) fn clear(&mut self) {
        self.names.clear();
        self.owned.clear();
    }

    /// Forgets the names called `gone` (lower case, in any case) and those of the objects
    /// that belong to it: it was dropped, or its table changed.
    fn forget(&mut self, gone: &str) {
        self.names.remove(gone);
        for name in self.owned.remove(gone).unwrap_or_default() {
            if let Some(taken) = self.names.get_mut(&name) {
                taken.retain(|t| t.owner != gone);
                if taken.is_empty() {
                    self.names.remove(&name);
                }
            }
        }
    }

    /// Takes in top-level statement `statement` of a PostgreSQL file, which ran before what
    /// comes next: the names a `CREATE` (not `TEMPORARY`) or an `ALTER TABLE` that only adds
    /// makes that a default name can be ([`may_be_default`]): its own, its types
    /// ([`type_names`]) and the names its constraints spell;
    /// forgets what a `DROP` (all with `CASCADE`) or any other `ALTER TABLE` may take away.
    /// A rename, another `ALTER`, a DO block that does more than create and insert, a call,
    /// a query (which may call a function), a change of `search_path`, a `ROLLBACK` or an
    /// unknown statement clears them all.
    pub(crate) fn after(&mut self, statement: &Statement) {
        use crate::sql::ShapeKind;
        let shape = &statement.shape;
        let tokens = &statement.tokens;
        match &shape.kind {
            ShapeKind::Create(_) if shape.temporary => {}
            ShapeKind::AlterTable if !shape.actions.iter().all(|a| a.kind.adds()) => {
                if let Some(table) = shape.object() {
                    self.forget(&table.base().to_lowercase());
                }
            }
            ShapeKind::Create(_) | ShapeKind::AlterTable => self.record(statement),
            ShapeKind::Drop(_) if tokens.iter().any(|t| t.is_kw("CASCADE")) => self.clear(),
            ShapeKind::Drop(_) => {
                for gone in dropped_names(statement) {
                    self.forget(&gone.to_lowercase());
                }
            }
            ShapeKind::Do => {
                let only_creates = statement
                    .nested
                    .iter()
                    .all(|s| matches!(s.shape.kind, ShapeKind::Create(_) | ShapeKind::Insert));
                if !only_creates {
                    self.clear();
                }
            }
            ShapeKind::Other(word) => {
                let search_path = tokens.iter().any(|t| t.is_kw("search_path"));
                if ["SELECT", "WITH", "CALL", "EXECUTE"].contains(&word.as_str()) || search_path {
                    self.clear();
                }
            }
            ShapeKind::Insert
            | ShapeKind::Begin
            | ShapeKind::Commit
            | ShapeKind::AlterTypeAddValue => {}
            ShapeKind::Rollback
            | ShapeKind::Rename(_)
            | ShapeKind::Alter(_)
            | ShapeKind::Unknown => self.clear(),
        }
    }

    /// Takes in the names `statement`, a `CREATE` or an `ALTER TABLE` that only adds, makes.
    fn record(&mut self, statement: &Statement) {
        let shape = &statement.shape;
        let Some(object) = shape.object() else {
            return;
        };
        // An index belongs to its table, and is made in its schema.
        let home = shape.table.as_ref().unwrap_or(object);
        let schema = home.schema().map(str::to_string);
        let owner = home.base().to_lowercase();
        // Only the names a later default name can be, and of those the ones the statement
        // spells and its types: its other derived names (`x_pkey`) take a default name only
        // when cut to 63 bytes, and reading its columns costs every `CREATE` of the file. The
        // array type `_x` of a type `x` is a later default name only for `x` again, unless `x`
        // is itself `_t` (whose array `__t` the array of `t` then avoids).
        let mut made = own_names(statement);
        let stored = stored_part(statement, object);
        if stored.starts_with('_') {
            let taken = |n: &String| self.takes(TYPE, schema.as_deref(), n, Some(&owner));
            let types = type_names(statement, &stored, taken);
            made.extend(types.into_iter().map(|n| (n, TYPE)));
        }
        made.extend(
            spelled_constraints(statement)
                .into_iter()
                .map(|n| (n, CONSTRAINT)),
        );
        made.retain(|(name, spaces)| *spaces != 0 && may_be_default(name));
        if made.is_empty() {
            return;
        }
        let owned = self.owned.entry(owner.clone()).or_default();
        for (name, spaces) in made {
            let key = name.to_lowercase();
            owned.push(key.clone());
            self.names.entry(key).or_default().push(Taken {
                name,
                schema: schema.clone(),
                spaces,
                owner: owner.clone(),
            });
        }
    }
}

/// Does `statement`, a PostgreSQL `CREATE TABLE`, make no relation but its table: no key (an
/// index: [`made_names`]'s `t_pkey`, `t_c_key`), no serial or identity column (a sequence),
/// no `EXCLUDE` constraint, `LIKE` copy or partition? Then nothing but a relation of its own
/// name makes it fail with `duplicate_table`.
pub(crate) fn makes_one_relation(statement: &Statement) -> bool {
    let copies = statement.tokens.iter().any(|t| {
        ["EXCLUDE", "LIKE", "PARTITION", "INHERITS", "OF"]
            .iter()
            .any(|w| t.is_kw(w))
    });
    !copies
        && made_in_spaces(statement, &[], &TakenNames::default())
            .iter()
            .all(|(_, spaces)| spaces & RELATION == 0)
}

/// The names a run of `statement` makes itself, whatever its guard, with the namespaces each
/// takes: a `CREATE`'s objects, the named constraints and indexes an `ALTER TABLE` adds.
fn own_names(statement: &Statement) -> Vec<(String, u8)> {
    use crate::sql::{AlterActionKind, ObjectKind, ShapeKind};
    let shape = &statement.shape;
    let spaces = match shape.kind {
        ShapeKind::Create(
            ObjectKind::Table
            | ObjectKind::View
            | ObjectKind::MaterializedView
            | ObjectKind::ForeignTable,
        ) => RELATION | TYPE,
        ShapeKind::Create(ObjectKind::Sequence | ObjectKind::Index) => RELATION,
        ShapeKind::Create(ObjectKind::Type | ObjectKind::Domain) => TYPE,
        ShapeKind::AlterTable => {
            return shape
                .actions
                .iter()
                .filter_map(|a| {
                    let name = stored_part(statement, a.name.as_ref()?);
                    let words = crate::sql::tokens_in(&statement.tokens, &a.range);
                    let key = words
                        .iter()
                        .any(|t| t.is_kw("PRIMARY") || t.is_kw("UNIQUE") || t.is_kw("EXCLUDE"));
                    match a.kind {
                        AlterActionKind::AddConstraint if key => {
                            Some((name, RELATION | CONSTRAINT))
                        }
                        AlterActionKind::AddConstraint => Some((name, CONSTRAINT)),
                        _ => None,
                    }
                })
                .collect();
        }
        _ => 0,
    };
    shape
        .names
        .iter()
        .map(|n| (stored_name(statement, stored_part(statement, n)), spaces))
        .collect()
}

/// The constraint names `statement` spells (`CONSTRAINT c …`), as stored.
fn spelled_constraints(statement: &Statement) -> Vec<String> {
    statement
        .tokens
        .windows(2)
        .filter(|w| w[0].is_kw("CONSTRAINT"))
        .filter_map(|w| crate::sql::folded_in(&w[1], statement.dialect))
        .map(|n| stored_name(statement, n))
        .collect()
}

/// The last part of `name`, a name of `statement`, as the catalog stores it: on PostgreSQL
/// from its token ([`crate::sql::folded_in`]: `Éq` stays `Éq`), elsewhere (or when the token
/// is not found) [`Name::base`].
pub(super) fn stored_part(statement: &Statement, name: &Name) -> String {
    // An ASCII name is stored as the recogniser folds it.
    if statement.dialect != crate::sql::Dialect::Postgres || name.base().is_ascii() {
        return name.base().to_string();
    }
    let last = crate::sql::tokens_in(&statement.tokens, &name.range)
        .iter()
        .rev()
        .find(|t| matches!(t.token, Token::Word(_)));
    // The token of the same name only: not one of a name rebuilt from dynamic SQL.
    match last {
        Some(t) if crate::sql::folded(t).as_deref() == Some(name.base()) => {
            crate::sql::folded_in(t, statement.dialect).unwrap_or_default()
        }
        _ => name.base().to_string(),
    }
}

/// The base names of the objects `statement` drops without `IF EXISTS` (a `DROP`, or an `ALTER
/// TABLE` whose every action is such a drop, `DROP PRIMARY KEY` naming `primary`): a re-run
/// finds them gone and fails.
pub(super) fn plain_dropped_names(statement: &Statement) -> Vec<String> {
    use crate::sql::{AlterActionKind, ShapeKind};
    let shape = &statement.shape;
    let drops_primary_key = |a: &crate::sql::AlterAction| {
        let mut words = crate::sql::tokens_in(&statement.tokens, &a.range).iter();
        a.kind == AlterActionKind::Other
            && words.next().is_some_and(|t| t.is_kw("DROP"))
            && words.next().is_some_and(|t| t.is_kw("PRIMARY"))
    };
    match &shape.kind {
        ShapeKind::Drop(_) if !guarded(&shape.guard) => dropped_names(statement),
        ShapeKind::AlterTable if shape.actions.iter().all(|a| !guarded(&a.guard)) => {
            let names: Vec<String> = shape
                .actions
                .iter()
                .filter_map(|a| match a.kind {
                    AlterActionKind::DropColumn
                    | AlterActionKind::DropConstraint
                    | AlterActionKind::DropIndex => a.name.as_ref().map(|n| n.base().to_string()),
                    _ if drops_primary_key(a) => Some("primary".to_string()),
                    _ => None,
                })
                .collect();
            // Every action such a drop: one that also adds something is not retried as a drop.
            if names.len() == shape.actions.len() {
                names
            } else {
                Vec::new()
            }
        }
        _ => Vec::new(),
    }
}

/// The base names (as stored, [`stored_part`]) a re-run of `statement` finds already there and
/// fails on: a plain
/// `CREATE`'s objects (not `IF NOT EXISTS`, `OR REPLACE` or `TEMPORARY`), the columns,
/// constraints and indexes of an `ALTER TABLE` that only adds, each named. Empty otherwise: an
/// unnamed index or constraint gets a new name on a re-run.
pub(super) fn created_names(statement: &Statement) -> Vec<String> {
    use crate::sql::ShapeKind;
    let shape = &statement.shape;
    match &shape.kind {
        ShapeKind::Create(_) if !guarded(&shape.guard) && !shape.or_replace && !shape.temporary => {
            shape
                .names
                .iter()
                .map(|n| stored_part(statement, n))
                .collect()
        }
        ShapeKind::AlterTable => {
            let adds: Option<Vec<String>> = shape
                .actions
                .iter()
                .map(|a| match a.kind.adds() && !guarded(&a.guard) {
                    true => a.name.as_ref().map(|n| stored_part(statement, n)),
                    false => None,
                })
                .collect();
            adds.unwrap_or_default()
        }
        _ => Vec::new(),
    }
}

/// The names a run of `statement` makes in the catalog, as it stores them (an unquoted name
/// folded to lower case, ASCII letters only on PostgreSQL, a quoted one as spelled: `"QFoo"`
/// derives `QFoo_pkey`, `Éq` `Éq_pkey`): its own (`created`, [`created_names`]) and those
/// PostgreSQL derives from them: the array type `_t` of a table, view, composite, enum, range
/// or domain (and a range's multirange, [`multirange_name`], with its array type), and, for a
/// table's columns and unnamed constraints (`CREATE TABLE t (…)`, `ALTER TABLE t ADD COLUMN
/// …`), the keys ([`crate::sql::keys::declared_keys`]: `t_pkey`, `t_c_key` of a UNIQUE), the
/// sequence `t_c_seq` of a serial or identity column, `t_c_fkey` of a foreign key,
/// `t_c_check` of a check on one column (`t_check` on more), each cut to 63 bytes as
/// PostgreSQL does ([`object_name`]). A derived name that the statement or the file's
/// statements before it (`taken`) already took is numbered as PostgreSQL numbers it
/// (`t_pkey1`, `__t`).
pub(super) fn made_names(
    statement: &Statement,
    created: &[String],
    taken: &TakenNames,
) -> Vec<String> {
    let created: Vec<(String, u8)> = created.iter().map(|n| (n.clone(), 0)).collect();
    made_in_spaces(statement, &created, taken)
        .into_iter()
        .map(|(name, _)| name)
        .collect()
}

/// [`made_names`], each with the namespaces it takes (`created`: the statement's own names,
/// with theirs).
fn made_in_spaces(
    statement: &Statement,
    created: &[(String, u8)],
    taken: &TakenNames,
) -> Vec<(String, u8)> {
    use crate::lint::columns::{added_column_at, column_name, table_elements};
    use crate::sql::{AlterActionKind, ObjectKind, ShapeKind};
    if statement.dialect == crate::sql::Dialect::Mariadb {
        let mut made = created.to_vec();
        made.extend(mariadb_made_names(statement).into_iter().map(|n| (n, 0)));
        return made;
    }
    // Cut to 63 bytes, as PostgreSQL stores them.
    let mut made: Vec<(String, u8)> = created
        .iter()
        .map(|(n, spaces)| (stored_name(statement, n.clone()), *spaces))
        .collect();
    let has = |made: &[(String, u8)], n: &String| made.iter().any(|(m, _)| m == n);
    let shape = &statement.shape;
    let Some(object) = shape.object() else {
        return made;
    };
    // Where the statement's objects go: an index to its table's schema.
    let schema = shape.table.as_ref().unwrap_or(object).schema();
    let name = stored_part(statement, object);
    let created_object =
        matches!(shape.kind, ShapeKind::Create(_)).then(|| object.base().to_lowercase());
    let earlier =
        |spaces: u8, n: &String| taken.takes(spaces, schema, n, created_object.as_deref());
    // `t_pkey`, `t_c_key`, and the names the statement gives its keys; a key whose plain name
    // an earlier one took numbered (`a int UNIQUE, UNIQUE (a) DEFERRABLE`: `t_a_key1`), as one
    // whose default name an earlier statement took (`t_pkey` an index: `t_pkey1`).
    for key in crate::sql::keys::stored_keys(statement, &name) {
        let columns = key.columns.join("_");
        let default = match key.is_primary {
            true => object_name(&key.table, None, "pkey"),
            false => object_name(&key.table, Some(&columns), "key"),
        };
        let spaces = RELATION | CONSTRAINT;
        let free = |n: &String| has(&made, n) || earlier(spaces, n);
        let name = match has(&made, &key.name) || (key.name == default && free(&key.name)) {
            true if key.is_primary => unused_name(free, &key.table, None, "pkey"),
            true => unused_name(free, &key.table, Some(&columns), "key"),
            false => key.name,
        };
        made.push((name, spaces));
    }
    let tokens = &statement.tokens;
    let types = type_names(statement, &name, |n| earlier(TYPE, n));
    made.extend(types.into_iter().map(|n| (n, TYPE)));
    let folded = |t: &Tok| crate::sql::folded_in(t, statement.dialect);
    let elements: Vec<(&[Tok], Option<String>)> = match shape.kind {
        ShapeKind::Create(ObjectKind::Table) => {
            let elements = table_elements(statement);
            let columns: Vec<String> = elements
                .iter()
                .filter_map(|e| column_name(e, statement.dialect).and_then(folded))
                .collect();
            elements
                .into_iter()
                .map(|e| {
                    let column = column_name(e, statement.dialect).and_then(folded);
                    // A table CHECK on one of the columns is named for it.
                    let checked = match (&column, e.first()) {
                        (None, Some(first)) if first.is_kw("CHECK") => {
                            let mut read: Vec<String> = e
                                .iter()
                                .filter_map(folded)
                                .filter(|w| columns.contains(w))
                                .collect();
                            read.dedup();
                            (read.len() == 1).then(|| read.remove(0))
                        }
                        _ => None,
                    };
                    (e, column.or(checked))
                })
                .collect()
        }
        ShapeKind::AlterTable => shape
            .actions
            .iter()
            .filter(|a| a.kind == AlterActionKind::AddColumn)
            .map(|a| {
                let action = crate::sql::tokens_in(tokens, &a.range);
                let at = added_column_at(action).min(action.len());
                let column = action.get(at).and_then(folded);
                (&action[at..], column)
            })
            .collect(),
        _ => Vec::new(),
    };
    // The names the statement gives its constraints: an unnamed one does not take them.
    let spelled = spelled_constraints(statement);
    for (element, column) in elements {
        for (name2, label) in implicit_names(element, column.as_deref(), statement.dialect) {
            // A sequence's name avoids relations (`ChooseRelationName`), a constraint's
            // constraints (`ChooseConstraintName`).
            let spaces = if label == "seq" { RELATION } else { CONSTRAINT };
            let taken = |n: &String| has(&made, n) || spelled.contains(n) || earlier(spaces, n);
            let derived = unused_name(taken, &name, name2.as_deref(), label);
            made.push((derived, spaces));
        }
    }
    made
}

/// The types PostgreSQL derives for `name`, the object `statement` creates: the array type
/// ([`array_type_name`], avoiding the names `taken`) of a table, view, composite, enum, range
/// or domain, and a range's multirange ([`multirange_name`]) with its array type. A sequence
/// has no row type since PostgreSQL 14, an index none at all, a shell type (`CREATE TYPE t`)
/// no array.
fn type_names(statement: &Statement, name: &str, taken: impl Fn(&String) -> bool) -> Vec<String> {
    use crate::sql::{ObjectKind, ShapeKind};
    let (kind, tokens) = (&statement.shape.kind, &statement.tokens);
    let shell = *kind == ShapeKind::Create(ObjectKind::Type)
        && !tokens.iter().any(|t| t.is_kw("AS") || t.is(&Token::LParen));
    let typed = matches!(
        kind,
        ShapeKind::Create(
            ObjectKind::Table
                | ObjectKind::View
                | ObjectKind::MaterializedView
                | ObjectKind::ForeignTable
                | ObjectKind::Type
                | ObjectKind::Domain
        )
    );
    if !typed || shell {
        return Vec::new();
    }
    let mut out = vec![array_type_name(name, &taken)];
    let range = tokens
        .windows(2)
        .any(|w| w[0].is_kw("AS") && w[1].is_kw("RANGE"));
    if *kind == ShapeKind::Create(ObjectKind::Type) && range {
        let multirange = multirange_name(name, tokens, statement.dialect);
        out.push(array_type_name(&multirange, &taken));
        out.push(multirange);
    }
    out
}

/// Can `name` be one PostgreSQL derives for an unnamed object ([`made_names`]), so that a
/// later default name may have to avoid it: one that starts with `_` (an array type), or ends
/// with `_pkey`, `_key`, `_seq`, `_check`, `_fkey` or `_excl`, numbered or not.
fn may_be_default(name: &str) -> bool {
    let label = name.trim_end_matches(|c: char| c.is_ascii_digit());
    name.starts_with('_')
        || ["_pkey", "_key", "_seq", "_check", "_fkey", "_excl"]
            .iter()
            .any(|l| label.ends_with(l))
}

/// The names MariaDB gives what a `CREATE TABLE t (…)` makes unnamed, as it stores them:
/// `t_ibfk_<n>` for its n-th unnamed foreign key (`FOREIGN KEY (a) REFERENCES p`, `a int
/// REFERENCES p`, `CONSTRAINT FOREIGN KEY …`), `CONSTRAINT_<n>` for its n-th unnamed table
/// CHECK. (A column's CHECK is named for the column, a key for its first column or
/// `PRIMARY`: names the statement spells.) MariaDB has no array types, and a `SERIAL` no
/// sequence.
fn mariadb_made_names(statement: &Statement) -> Vec<String> {
    use crate::lint::columns::{column_name, table_elements};
    use crate::sql::{ObjectKind, ShapeKind};
    let shape = &statement.shape;
    let Some(table) = shape.object().map(|n| n.base().to_string()) else {
        return Vec::new();
    };
    if shape.kind != ShapeKind::Create(ObjectKind::Table) {
        return Vec::new();
    }
    let (mut foreign_keys, mut checks) = (0, 0);
    let mut out = Vec::new();
    for element in table_elements(statement) {
        let is_column = column_name(element, statement.dialect).is_some();
        for (k, t) in top_level(element) {
            let named = k >= 2 && element[k - 2].is_kw("CONSTRAINT");
            let constraint_first = k == 0 || (k == 1 && element[0].is_kw("CONSTRAINT"));
            if named {
                continue;
            }
            if (t.is_kw("REFERENCES") && is_column) || (t.is_kw("FOREIGN") && constraint_first) {
                foreign_keys += 1;
                out.push(format!("{table}_ibfk_{foreign_keys}"));
            }
            if t.is_kw("CHECK") && constraint_first && !is_column {
                checks += 1;
                out.push(format!("CONSTRAINT_{checks}"));
            }
        }
    }
    out
}

/// The name PostgreSQL gives an unnamed object of table `name1` (`makeObjectName`, cut to 63
/// bytes) that is not `taken` (`ChooseConstraintName`, `ChooseRelationName`): the label
/// numbered from 1 while the name is taken (`t_a_check`, `t_a_check1`, `t_a_check2`).
fn unused_name(
    taken: impl Fn(&String) -> bool,
    name1: &str,
    name2: Option<&str>,
    label: &str,
) -> String {
    let mut name = object_name(name1, name2, label);
    let mut n = 0;
    while taken(&name) {
        n += 1;
        name = object_name(name1, name2, &format!("{label}{n}"));
    }
    name
}

/// What a table's element `element` (a column definition of column `column`, or a table
/// constraint, with `column` the one a CHECK reads) makes unnamed, as the second part and
/// label of the name PostgreSQL gives it (`(Some("c"), "seq")`): see [`made_names`].
fn implicit_names(
    element: &[Tok],
    column: Option<&str>,
    dialect: crate::sql::Dialect,
) -> Vec<(Option<String>, &'static str)> {
    let folded = |t: &Tok| crate::sql::folded_in(t, dialect);
    let mut out = Vec::new();
    let is_column = element.first().and_then(folded).as_deref() == column && column.is_some();
    // The columns of the `(…)` right after `k` (`FOREIGN KEY (a, b)`), joined with `_`.
    let listed = |k: usize| -> Option<String> {
        let open = (k + 1..element.len()).find(|&i| element[i].is(&Token::LParen))?;
        let close = crate::sql::lexer::matching_paren(element, open)?;
        let names: Vec<String> = element[open + 1..close].iter().filter_map(folded).collect();
        (!names.is_empty()).then(|| names.join("_"))
    };
    for (k, t) in element.iter().enumerate() {
        // `CONSTRAINT c CHECK (…)`: the name is spelled.
        let named = k >= 2 && element[k - 2].is_kw("CONSTRAINT");
        let first_word = |kw: &str| t.is_kw(kw) && !named;
        if is_column && k == 1 {
            let serial = t.bare_word().is_some_and(|w| {
                matches!(
                    w.to_ascii_lowercase().as_str(),
                    "serial" | "serial2" | "serial4" | "serial8" | "smallserial" | "bigserial"
                )
            });
            if serial {
                out.push((column.map(str::to_string), "seq"));
            }
        }
        if t.is_kw("IDENTITY") && is_column {
            out.push((column.map(str::to_string), "seq"));
        }
        if first_word("REFERENCES") && is_column {
            out.push((column.map(str::to_string), "fkey"));
        }
        if first_word("FOREIGN") && !is_column {
            out.extend(listed(k).map(|cols| (Some(cols), "fkey")));
        }
        if first_word("CHECK") {
            out.push((column.map(str::to_string), "check"));
        }
    }
    out
}

/// The multirange type PostgreSQL 15 makes for range type `name` (`makeMultirangeTypeName`)
/// defined by `tokens`: the one it names (`multirange_type_name = m`), else `name` with its
/// first `range`, case kept, made `multirange` (`floatrange`: `floatmultirange`), else
/// `name_multirange`, cut to 63 bytes.
fn multirange_name(name: &str, tokens: &[Tok], dialect: crate::sql::Dialect) -> String {
    let spelled = tokens.windows(3).find_map(|w| {
        let named = w[0].is_kw("multirange_type_name") && w[1].is(&Token::Eq);
        named
            .then(|| crate::sql::folded_in(&w[2], dialect))
            .flatten()
    });
    if let Some(spelled) = spelled {
        return spelled;
    }
    match name.find("range") {
        Some(at) => crate::reconcile::expected::Engine::Postgres.truncate(format!(
            "{}multi{}",
            &name[..at],
            &name[at..]
        )),
        None => object_name(name, None, "multirange"),
    }
}

/// The array type PostgreSQL 15 makes for type `name` (`makeArrayTypeName`): `_name`, cut to
/// 63 bytes; while that is `taken`, with one more underscore in front (`__name`, `___name`).
fn array_type_name(name: &str, taken: impl Fn(&String) -> bool) -> String {
    let mut array = String::new();
    for underscores in 1..63 {
        let mut n = name.len().min(63 - underscores);
        while !name.is_char_boundary(n) {
            n -= 1;
        }
        array = format!("{}{}", "_".repeat(underscores), &name[..n]);
        if !taken(&array) {
            break;
        }
    }
    array
}

/// Has the statement or action its `IF NOT EXISTS`?
fn guarded(guard: &Option<crate::sql::Guard>) -> bool {
    guard.as_ref().is_some_and(|g| g.present)
}

/// `name` as the catalog of `statement`'s server stores it, and compares a literal with it:
/// PostgreSQL cuts both to 63 bytes.
pub(super) fn stored_name(statement: &Statement, name: String) -> String {
    match statement.dialect {
        crate::sql::Dialect::Postgres => {
            crate::reconcile::expected::Engine::Postgres.truncate(name)
        }
        _ => name,
    }
}

/// The names (as the catalog stores them: on PostgreSQL cut to 63 bytes) a catalog check
/// around `statement` must find for it to be skipped on a retry: what a `CREATE` creates, and
/// an `ALTER TABLE`'s table with the columns, constraints and indexes it adds.
pub(super) fn checked_names(statement: &crate::sql::Statement) -> Vec<String> {
    use crate::sql::ShapeKind;
    let shape = &statement.shape;
    let stored = |n: &Name| stored_name(statement, stored_part(statement, n));
    match &shape.kind {
        ShapeKind::Create(_) => shape.names.iter().map(stored).collect(),
        ShapeKind::AlterTable => {
            let adds: Vec<String> = shape
                .actions
                .iter()
                .filter(|a| a.kind.adds())
                .filter_map(|a| a.name.as_ref().map(stored))
                .collect();
            match (adds.is_empty(), shape.object()) {
                (false, Some(table)) => std::iter::once(stored(table)).chain(adds).collect(),
                _ => adds,
            }
        }
        _ => Vec::new(),
    }
}

/// The names PostgreSQL derives from what `statement` creates ([`made_names`]: `t_pkey`,
/// `t_c_seq`, `_t`, …), less its own ([`checked_names`]), as the catalog stores them: a
/// catalog check compares them with case as it does the own names (`CREATE TABLE "QFoo" (id
/// int PRIMARY KEY)` derives `QFoo_pkey`, which `relname = 'qfoo_pkey'` never finds); numbered
/// where the names the file's statements before took (`taken`) make PostgreSQL number them.
pub(super) fn derived_names(
    statement: &crate::sql::Statement,
    own: &[String],
    taken: &TakenNames,
) -> Vec<String> {
    let mut derived: Vec<String> = Vec::new();
    for name in made_names(statement, &[], taken) {
        if !own.contains(&name) && !derived.contains(&name) {
            derived.push(name);
        }
    }
    derived
}

/// The base names of the objects `statement` drops: a `DROP`'s objects, an `ALTER TABLE`'s
/// dropped columns, constraints and indexes.
pub(crate) fn dropped_names(statement: &crate::sql::Statement) -> Vec<String> {
    use crate::sql::{AlterActionKind, ShapeKind};
    let shape = &statement.shape;
    match &shape.kind {
        ShapeKind::Drop(_) => shape.names.iter().map(|n| n.base().to_string()).collect(),
        ShapeKind::AlterTable => {
            let drops: Vec<String> = shape
                .actions
                .iter()
                .filter(|a| {
                    matches!(
                        a.kind,
                        AlterActionKind::DropColumn
                            | AlterActionKind::DropConstraint
                            | AlterActionKind::DropIndex
                    )
                })
                .filter_map(|a| a.name.as_ref().map(|n| n.base().to_string()))
                .collect();
            // Every action a drop: one that also adds something is not a drop guard.
            match drops.len() == shape.actions.len() {
                true => drops,
                false => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use crate::sql::Dialect;

    #[test]
    fn a_table_without_keys_sequences_or_copies_makes_one_relation() {
        let one = |sql: &str| {
            let source = crate::source::SourceFile::new("m.sql", sql);
            let statement = crate::sql::parse_source(&source, Dialect::Postgres)
                .statements
                .remove(0);
            super::makes_one_relation(&statement)
        };
        for sql in [
            "CREATE TABLE b (id int)",
            "CREATE TABLE b (id int NOT NULL, n text CHECK (n <> ''), p int REFERENCES q (id))",
        ] {
            assert!(one(sql), "{sql}");
        }
        for sql in [
            "CREATE TABLE b (id int PRIMARY KEY)",
            "CREATE TABLE b (id int, CONSTRAINT b_u UNIQUE (id))",
            "CREATE TABLE b (id serial)",
            "CREATE TABLE b (id int GENERATED ALWAYS AS IDENTITY)",
            "CREATE TABLE b (LIKE a INCLUDING ALL)",
            "CREATE TABLE b PARTITION OF a FOR VALUES IN (1)",
            "CREATE TABLE b (r int, EXCLUDE USING gist (r WITH =))",
        ] {
            assert!(!one(sql), "{sql}");
        }
    }

    /// What `sql`'s one statement makes, as [`super::made_names`] reads it.
    fn made(sql: &str) -> Vec<String> {
        let source = crate::source::SourceFile::new("m.sql", sql);
        let statement = crate::sql::parse_source(&source, Dialect::Postgres)
            .statements
            .remove(0);
        let taken = super::TakenNames::default();
        let mut made = super::made_names(&statement, &super::created_names(&statement), &taken);
        made.sort();
        made
    }

    /// What the last statement of `sql` makes, after the statements before it took their
    /// names ([`super::TakenNames::after`]).
    fn made_after(sql: &str) -> Vec<String> {
        let source = crate::source::SourceFile::new("m.sql", sql);
        let mut statements = crate::sql::parse_source(&source, Dialect::Postgres).statements;
        let last = statements.pop().expect("a statement");
        let mut taken = super::TakenNames::default();
        for statement in &statements {
            taken.after(statement);
        }
        let mut made = super::made_names(&last, &super::created_names(&last), &taken);
        made.sort();
        made
    }

    fn sorted<S: ToString>(names: &[S]) -> Vec<String> {
        let mut names: Vec<String> = names.iter().map(S::to_string).collect();
        names.sort();
        names
    }

    #[test]
    fn made_names_are_those_postgresql_derives_cut_to_63_bytes() {
        // As PostgreSQL 15 names them.
        let long = "abcdefghij".repeat(6);
        assert_eq!(
            made(&format!(
                "CREATE TABLE {long} (id serial PRIMARY KEY, colcolcolcolcolcolcolcolcol int UNIQUE)"
            )),
            sorted(&[
                long.clone(),
                format!("_{long}"),
                format!("{}_id_seq", &long[..56]),
                format!("{}_pkey", &long[..58]),
                format!("{}_colcolcolcolcolcolcolcolcol_key", &long[..31]),
            ])
        );
        assert_eq!(
            made("CREATE TABLE t (id int, c int CHECK (c > 0), CHECK (id < c), CHECK (id > 0), CONSTRAINT n UNIQUE (c), FOREIGN KEY (id, c) REFERENCES u)"),
            sorted(&["t", "_t", "t_c_check", "t_check", "t_id_check", "n", "t_id_c_fkey"])
        );
        assert_eq!(
            made("CREATE TYPE r AS RANGE (subtype = int4)"),
            sorted(&["r", "_r", "_r_multirange", "r_multirange"])
        );
        assert_eq!(
            made("CREATE TYPE floatrange AS RANGE (subtype = float8)"),
            sorted(&[
                "floatrange",
                "_floatrange",
                "floatmultirange",
                "_floatmultirange"
            ])
        );
        assert_eq!(
            made("CREATE TYPE \"QRange\" AS RANGE (subtype = float8)"),
            sorted(&[
                "QRange",
                "_QRange",
                "QRange_multirange",
                "_QRange_multirange"
            ])
        );
        assert_eq!(
            made("CREATE TYPE my_range_range AS RANGE (subtype = float8)"),
            sorted(&[
                "my_range_range",
                "_my_range_range",
                "my_multirange_range",
                "_my_multirange_range"
            ])
        );
        assert_eq!(
            made("CREATE TYPE r2 AS RANGE (subtype = float8, multirange_type_name = r2_multi)"),
            sorted(&["r2", "_r2", "r2_multi", "_r2_multi"])
        );
        assert_eq!(made("CREATE SEQUENCE s"), sorted(&["s"]));
        assert_eq!(
            made("ALTER TABLE t ADD COLUMN c int GENERATED ALWAYS AS IDENTITY REFERENCES u"),
            sorted(&["c", "t_c_seq", "t_c_fkey"])
        );
    }

    #[test]
    fn a_default_name_an_earlier_object_of_the_statement_took_is_numbered() {
        // As PostgreSQL 15 names them.
        assert_eq!(
            made("CREATE TABLE t (a int UNIQUE CHECK (a > 0) CONSTRAINT t_a_check1 CHECK (a < 9) CHECK (a <> 5), UNIQUE (a) DEFERRABLE)"),
            sorted(&["t", "_t", "t_a_key", "t_a_key1", "t_a_check", "t_a_check2"])
        );
        assert_eq!(
            made("ALTER TABLE \"T\" ADD COLUMN b int REFERENCES u REFERENCES v"),
            sorted(&["b", "T_b_fkey", "T_b_fkey1"])
        );
    }

    #[test]
    fn made_names_keep_the_case_of_quoted_names() {
        // As PostgreSQL 15 names them: a quoted name as spelled, an unquoted one folded.
        assert_eq!(
            made("CREATE TABLE \"QFoo\" (\"Id\" serial PRIMARY KEY, Code int UNIQUE, \"C\" int CHECK (\"C\" > 0))"),
            sorted(&["QFoo", "_QFoo", "QFoo_Id_seq", "QFoo_pkey", "QFoo_code_key", "QFoo_C_check"])
        );
        assert_eq!(
            made("ALTER TABLE \"QFoo\" ADD COLUMN n serial REFERENCES u"),
            sorted(&["n", "QFoo_n_seq", "QFoo_n_fkey"])
        );
        // Cut to 63 bytes at a character, the name itself too.
        let long = format!("QFooX{}", "É".repeat(40));
        let cut = format!("QFooX{}", "É".repeat(26));
        assert_eq!(
            made(&format!("CREATE TABLE \"{long}\" (id int PRIMARY KEY)")),
            sorted(&[
                long[..63].to_string(),
                format!("_{}", &long[..61]),
                format!("{cut}_pkey")
            ])
        );
    }

    #[test]
    fn a_default_name_an_earlier_statement_took_is_numbered() {
        // As PostgreSQL 15 names them.
        assert_eq!(
            made_after("CREATE TABLE x (id int); CREATE INDEX t_pkey ON x (id); CREATE SEQUENCE t_id_seq; CREATE TABLE t (id serial PRIMARY KEY)"),
            sorted(&["t", "_t", "t_pkey1", "t_id_seq1"])
        );
        assert_eq!(
            made_after("CREATE TABLE _t (id int); CREATE TABLE x (c int CONSTRAINT t_c_check CHECK (c > 0), CONSTRAINT t_pkey CHECK (c < 9)); CREATE TABLE t (id int PRIMARY KEY, c int CHECK (c > 0))"),
            sorted(&["t", "___t", "t_pkey1", "t_c_check1"])
        );
        // A shell type has no array; a sequence no type.
        assert_eq!(
            made_after("CREATE TYPE _t; CREATE SEQUENCE _u; CREATE TABLE t (id int)"),
            sorted(&["t", "__t"])
        );
        // A name of another schema, or of a table dropped since, is free; so is one a statement
        // of unknown effect may have dropped.
        for before in [
            "CREATE TABLE s.x (id int); CREATE INDEX t_pkey ON s.x (id);",
            "CREATE TABLE x (id int); CREATE INDEX t_pkey ON x (id); DROP TABLE x;",
            "CREATE TABLE x (id int); CREATE INDEX t_pkey ON x (id); ALTER TABLE x DROP COLUMN id;",
            "CREATE TABLE x (id int); CREATE INDEX t_pkey ON x (id); SELECT f();",
            "CREATE TABLE x (id int); CREATE INDEX t_pkey ON x (id); SET search_path = s;",
            "CREATE TABLE x (id int); CREATE INDEX t_pkey ON x (id); ALTER INDEX t_pkey RENAME TO y;",
            "CREATE TEMPORARY TABLE x (id int PRIMARY KEY); CREATE TEMPORARY TABLE t_pkey (id int);",
        ] {
            assert_eq!(
                made_after(&format!("{before} CREATE TABLE t (id int PRIMARY KEY)")),
                sorted(&["t", "_t", "t_pkey"]),
                "{before}"
            );
        }
        // The names an earlier table of the same name took: the creation never runs while it
        // is there, and a check finds its names.
        assert_eq!(
            made_after("CREATE TABLE t (id int PRIMARY KEY); CREATE TABLE t (id int PRIMARY KEY)"),
            sorted(&["t", "_t", "t_pkey"])
        );
    }

    #[test]
    fn an_unquoted_name_keeps_the_case_of_its_letters_beyond_ascii() {
        // As PostgreSQL 15 stores them in a UTF8 database.
        assert_eq!(
            made("CREATE TABLE Éq (ÀB serial PRIMARY KEY)"),
            sorted(&["Éq", "_Éq", "Éq_pkey", "Éq_Àb_seq"])
        );
    }
}
