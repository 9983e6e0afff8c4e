//! PostgreSQL functions and procedures: their identity as `pg_proc` spells it (name and input
//! argument types), renames, and the statements sqlparser rejects (`CREATE PROCEDURE`, a
//! SQL-standard `BEGIN ATOMIC` body, `ALTER PROCEDURE`, `ALTER|DROP ROUTINE`), read as the
//! equivalent function or procedure statement.

use super::Replayer;
use crate::reconcile::schema::{ObjectId, ObjectKind};
use crate::sql::lexer::matching_paren;
use crate::sql::{ObjectKind as ShapeObjectKind, ShapeKind, Statement as SqlStatement};
use sqlparser::ast::{AlterFunction, AlterFunctionOperation, FunctionDesc, Statement};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;

impl Replayer {
    /// A PostgreSQL routine statement sqlparser rejects, read through its function equivalent;
    /// `false` when it is not one (or that cannot be read either).
    pub(super) fn pg_routine(&mut self, statement: &SqlStatement) -> bool {
        if self.engine.is_mysql() {
            return false;
        }
        let tokens = &statement.tokens;
        if let [first, second, ..] = tokens.as_slice() {
            // `ALTER|DROP ROUTINE` (a function or a procedure) reads as `ALTER FUNCTION` and
            // `DROP PROCEDURE`, which also matches a procedure's whole argument list.
            if second.is_kw("ROUTINE") && (first.is_kw("ALTER") || first.is_kw("DROP")) {
                let mut equivalent: Vec<Token> = tokens.iter().map(|t| t.token.clone()).collect();
                equivalent[1] = match first.is_kw("ALTER") {
                    true => Token::make_keyword("FUNCTION"),
                    false => Token::make_keyword("PROCEDURE"),
                };
                return match parse(&equivalent) {
                    Some(Statement::AlterFunction(alter)) => {
                        self.alter_routine(&alter, true);
                        true
                    }
                    Some(Statement::DropProcedure { proc_desc, .. }) => {
                        for id in proc_desc
                            .iter()
                            .flat_map(|desc| self.routine_ids(desc, true))
                            .collect::<Vec<_>>()
                        {
                            self.remove(&id);
                        }
                        true
                    }
                    _ => false,
                };
            }
        }
        match statement.shape.kind {
            ShapeKind::Create(kind @ (ShapeObjectKind::Function | ShapeObjectKind::Procedure)) => {
                let procedure = kind == ShapeObjectKind::Procedure;
                match function_header(&statement.tokens).and_then(|t| parse(&t)) {
                    Some(Statement::CreateFunction(f)) => {
                        let Some(name) = self.new_name(&f.name) else {
                            return true; // another schema's
                        };
                        let args = f.args.as_deref().unwrap_or_default();
                        let id = ObjectId::new(
                            ObjectKind::Function,
                            format!("{name}({})", self.identity_args(Some(args))),
                        );
                        if procedure {
                            let all = args.iter().map(|a| self.arg_type(&a.data_type));
                            self.procedure_signature(&id, all.collect());
                        }
                        self.put(id, Default::default());
                        true
                    }
                    _ => false,
                }
            }
            ShapeKind::Alter(ShapeObjectKind::Procedure)
            | ShapeKind::Rename(ShapeObjectKind::Procedure) => {
                // `ALTER PROCEDURE …` reads as `ALTER FUNCTION …`.
                let Some(at) = tokens.iter().position(|t| t.is_kw("PROCEDURE")) else {
                    return false;
                };
                let mut equivalent: Vec<Token> = tokens.iter().map(|t| t.token.clone()).collect();
                equivalent[at] = Token::make_keyword("FUNCTION");
                match parse(&equivalent) {
                    Some(Statement::AlterFunction(alter)) => {
                        self.alter_routine(&alter, true);
                        true
                    }
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// `ALTER FUNCTION|PROCEDURE … RENAME TO` and `SET SCHEMA`; the other changes (owner,
    /// attributes) are not part of the compared schema.
    pub(super) fn alter_routine(&mut self, alter: &AlterFunction, procedure: bool) {
        match &alter.operation {
            AlterFunctionOperation::RenameTo { new_name } => {
                let new_name = self.engine.ident(new_name);
                // Calling it by its new name runs its body (for the dynamic-SQL notes).
                let old = alter.function.name.0.last().and_then(|p| p.as_ident());
                if let Some(body) = old.and_then(|o| self.routines.remove(&o.value.to_lowercase()))
                {
                    self.routines.insert(new_name.to_lowercase(), body);
                    self.dynamic_routines = None;
                }
                for id in self.routine_ids(&alter.function, procedure) {
                    let args = id.name.split_once('(').map_or("", |(_, args)| args);
                    let to = ObjectId::new(ObjectKind::Function, format!("{new_name}({args}"));
                    self.move_routine(&id, to);
                }
            }
            AlterFunctionOperation::SetSchema { schema_name } => {
                let stays = schema_name
                    .0
                    .last()
                    .and_then(|p| p.as_ident())
                    .is_some_and(|s| self.engine.ident(s) == self.schema_name);
                match (self.name(&alter.function.name), stays) {
                    // Into the compared schema from another: what arrives is not modelled.
                    (None, true) => self.opaque(format!(
                        "{}: moved into the schema from one these migrations do not model",
                        alter.function.name
                    )),
                    (Some(_), false) => {
                        for id in self.routine_ids(&alter.function, procedure) {
                            self.remove(&id);
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    fn move_routine(&mut self, from: &ObjectId, to: ObjectId) {
        let Some(attrs) = self.out.schema.get(from).cloned() else {
            return;
        };
        let all = self.procedure_args.remove(from);
        self.remove(from);
        if let Some(all) = all {
            self.procedure_args.insert(to.clone(), all);
        }
        self.put(to, attrs);
    }

    /// The modelled routines `desc` names: with an argument list, the one of those input
    /// types (for a procedure, also the one whose whole list, OUT arguments included, it is,
    /// as PostgreSQL 14 and later accept); without one, every routine of that name (PostgreSQL
    /// requires it to be the only one). MySQL/MariaDB routines are keyed by name only.
    pub(super) fn routine_ids(&self, desc: &FunctionDesc, procedure: bool) -> Vec<ObjectId> {
        let Some(name) = self.name(&desc.name) else {
            return Vec::new();
        };
        let prefix = format!("{name}(");
        let args = match &desc.args {
            Some(args) if !self.engine.is_mysql() => args,
            _ => return self.ids_with_prefix(ObjectKind::Function, &prefix),
        };
        let id = ObjectId::new(
            ObjectKind::Function,
            format!("{name}({})", self.identity_args(Some(args))),
        );
        if self.exists(&id) || !procedure || args.iter().any(|a| a.mode.is_some()) {
            return vec![id];
        }
        let all = args
            .iter()
            .map(|a| self.arg_type(&a.data_type))
            .collect::<Vec<_>>()
            .join(", ");
        self.ids_with_prefix(ObjectKind::Function, &prefix)
            .into_iter()
            .filter(|id| self.procedure_args.get(id) == Some(&all))
            .collect()
    }

    /// Records a procedure's whole argument list (OUT arguments included) for [`routine_ids`].
    pub(super) fn procedure_signature(&mut self, id: &ObjectId, types: Vec<String>) {
        self.procedure_args.insert(id.clone(), types.join(", "));
    }
}

/// `CREATE [OR REPLACE] FUNCTION|PROCEDURE name (args) …` as `CREATE FUNCTION name (args)
/// RETURNS void AS ''`: the signature, without what sqlparser may not read after it.
fn function_header(tokens: &[crate::sql::Tok]) -> Option<Vec<Token>> {
    let at = tokens
        .iter()
        .position(|t| t.is_kw("FUNCTION") || t.is_kw("PROCEDURE"))?;
    let open = at + tokens[at..].iter().position(|t| t.token == Token::LParen)?;
    let close = matching_paren(tokens, open)?;
    let mut out = vec![
        Token::make_keyword("CREATE"),
        Token::make_keyword("FUNCTION"),
    ];
    out.extend(tokens[at + 1..=close].iter().map(|t| t.token.clone()));
    out.extend([
        Token::make_keyword("RETURNS"),
        Token::make_word("void", None),
        Token::make_keyword("AS"),
        Token::SingleQuotedString(String::new()),
    ]);
    Some(out)
}

/// One statement of `tokens`, when sqlparser reads all of them as PostgreSQL.
fn parse(tokens: &[Token]) -> Option<Statement> {
    let mut parser = Parser::new(&PostgreSqlDialect {}).with_tokens(tokens.to_vec());
    let statement = parser.parse_statement().ok()?;
    matches!(parser.peek_token().token, Token::EOF | Token::SemiColon).then_some(statement)
}
