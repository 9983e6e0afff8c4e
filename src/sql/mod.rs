//! The parsing core: split a migration file into statements with exact byte ranges, then parse
//! each one with sqlparser. Every later stage (lint, fix, reconcile, verify) reads SQL through
//! this module; there is no second SQL parser in preflight.

pub mod dialect;

pub use dialect::Dialect;

use crate::source::SourceFile;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};
use std::ops::Range;

/// One statement of a migration file.
#[derive(Debug, Clone)]
pub struct Statement {
    /// 0-based position in the file.
    pub index: usize,
    /// Bytes of the statement in `SourceFile::text`, from its first token to its terminator
    /// (the `;` included when there is one).
    pub range: Range<usize>,
    /// The sqlparser AST, when sqlparser understood the statement.
    pub ast: Option<sqlparser::ast::Statement>,
    /// Why sqlparser could not parse it, when it could not.
    pub parse_error: Option<String>,
}

impl Statement {
    pub fn text<'a>(&self, source: &'a SourceFile) -> &'a str {
        &source.text[self.range.clone()]
    }
}

/// A file split into statements.
#[derive(Debug, Clone)]
pub struct ParsedFile {
    pub source: SourceFile,
    pub dialect: Dialect,
    pub statements: Vec<Statement>,
    /// Set when the file could not even be tokenized (e.g. an unterminated dollar quote).
    pub tokenize_error: Option<TokenizeError>,
}

#[derive(Debug, Clone)]
pub struct TokenizeError {
    pub message: String,
    pub offset: usize,
}

/// Splits and parses a file. Never fails: what cannot be understood is reported on the result.
pub fn parse_source(source: &SourceFile, dialect: Dialect) -> ParsedFile {
    let parser_dialect = dialect.parser_dialect();
    let body = source.body();
    let shift = source.bom_len();
    let mut statements = Vec::new();
    let tokens = match Tokenizer::new(parser_dialect.as_ref(), body).tokenize_with_location() {
        Ok(tokens) => tokens,
        Err(e) => {
            return ParsedFile {
                source: source.clone(),
                dialect,
                statements,
                tokenize_error: Some(TokenizeError {
                    message: e.message.clone(),
                    offset: 0,
                }),
            }
        }
    };
    let offsets = LineOffsets::new(body);
    let mut current: Vec<TokenWithSpan> = Vec::new();
    let flush = |current: &mut Vec<TokenWithSpan>, statements: &mut Vec<Statement>| {
        let significant: Vec<TokenWithSpan> = current
            .drain(..)
            .filter(|t| !matches!(t.token, Token::Whitespace(_)))
            .collect();
        let (Some(first), Some(last)) = (significant.first(), significant.last()) else {
            return;
        };
        let start = offsets.offset(first.span.start) + shift;
        let end = offsets.offset(last.span.end) + shift;
        let (ast, parse_error) = match Parser::new(parser_dialect.as_ref())
            .with_tokens_with_locations(significant.clone())
            .parse_statement()
        {
            Ok(ast) => (Some(ast), None),
            Err(e) => (None, Some(e.to_string())),
        };
        statements.push(Statement {
            index: statements.len(),
            range: start..end,
            ast,
            parse_error,
        });
    };
    for token in tokens {
        let is_semicolon = matches!(token.token, Token::SemiColon);
        current.push(token);
        if is_semicolon {
            flush(&mut current, &mut statements);
        }
    }
    flush(&mut current, &mut statements);
    ParsedFile {
        source: source.clone(),
        dialect,
        statements,
        tokenize_error: None,
    }
}

/// Maps sqlparser's 1-based (line, character column) locations back to byte offsets.
struct LineOffsets<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> LineOffsets<'a> {
    fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineOffsets { text, line_starts }
    }

    fn offset(&self, at: sqlparser::tokenizer::Location) -> usize {
        let Some(&start) = self.line_starts.get((at.line as usize).saturating_sub(1)) else {
            return self.text.len();
        };
        self.text[start..]
            .char_indices()
            .nth((at.column as usize).saturating_sub(1))
            .map_or(self.text.len(), |(i, _)| start + i)
    }
}
