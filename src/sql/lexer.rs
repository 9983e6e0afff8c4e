//! Turns a region of a file into significant tokens, each with its exact byte range in the
//! file. The tokens are always sqlparser's: the fast path ([`super::fast_lexer`]) produces them
//! itself for plain SQL, and hands everything else to sqlparser's tokenizer, whose
//! (line, character column) positions we map back to bytes with one forward walk. Either way
//! the cost stays linear in the region's size. Tokens carry bytes only; the few that go to
//! sqlparser's parser get line and column positions then ([`super::parser_tokens`]).

use super::fast_lexer::{FastLexer, Outcome};
use super::Dialect;
use sqlparser::dialect::Dialect as ParserDialect;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer, Whitespace};
use std::ops::Range;

/// A significant token (whitespace and comments dropped) with its bytes in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Tok {
    pub token: Token,
    /// Bytes in `SourceFile::text`.
    pub range: Range<usize>,
}

/// The tokens of `tokens` (a statement's, in file order) that lie inside `range`: an
/// `ALTER TABLE` action's, a clause's. Two binary searches, not a scan.
pub fn tokens_in<'a>(tokens: &'a [Tok], range: &Range<usize>) -> &'a [Tok] {
    let start = tokens.partition_point(|t| t.range.start < range.start);
    let end = tokens.partition_point(|t| t.range.end <= range.end);
    &tokens[start..end.max(start)]
}

impl Tok {
    /// The word's text when the token is an unquoted word (a keyword or a bare identifier).
    pub fn bare_word(&self) -> Option<&str> {
        match &self.token {
            Token::Word(w) if w.quote_style.is_none() => Some(&w.value),
            _ => None,
        }
    }

    /// Is this the unquoted keyword `kw` (case-insensitive)?
    pub fn is_kw(&self, kw: &str) -> bool {
        self.bare_word().is_some_and(|w| w.eq_ignore_ascii_case(kw))
    }

    pub fn is(&self, token: &Token) -> bool {
        &self.token == token
    }
}

/// The `)` that closes the `(` at `open`, if the tokens have one.
pub fn matching_paren(tokens: &[Tok], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The tokens of `tokens` outside parentheses, each with its index in `tokens`: every token
/// but `(` and `)` that no open `(` encloses. A `)` with nothing open closes nothing. Walks
/// the slice once and allocates nothing.
pub fn top_level(tokens: &[Tok]) -> TopLevel<'_> {
    TopLevel {
        tokens: tokens.iter().enumerate(),
        depth: 0,
    }
}

/// The iterator [`top_level`] returns.
#[derive(Debug, Clone)]
pub struct TopLevel<'a> {
    tokens: std::iter::Enumerate<std::slice::Iter<'a, Tok>>,
    /// How many `(` are open.
    depth: usize,
}

impl<'a> Iterator for TopLevel<'a> {
    type Item = (usize, &'a Tok);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        for (i, t) in self.tokens.by_ref() {
            match t.token {
                Token::LParen => self.depth += 1,
                Token::RParen => self.depth = self.depth.saturating_sub(1),
                _ if self.depth == 0 => return Some((i, t)),
                _ => {}
            }
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, self.tokens.size_hint().1)
    }
}

impl std::iter::FusedIterator for TopLevel<'_> {}

/// Where tokenizing stopped early: an unterminated string, dollar quote, quoted identifier or comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    pub message: String,
    /// Byte where the construct that never ends begins.
    pub construct_start: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Lexed {
    pub tokens: Vec<Tok>,
    pub error: Option<LexError>,
}

/// Who tokenizes. Only tests choose: they compare the two.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// The fast path, falling back to sqlparser where it must (what preflight uses).
    FastPathFirst,
    /// sqlparser's tokenizer for everything: the reference.
    SqlparserOnly,
}

/// Tokenizes `text[range]`.
pub fn lex(dialect: Dialect, text: &str, range: Range<usize>) -> Lexed {
    lex_with(Engine::FastPathFirst, dialect, text, range)
}

#[doc(hidden)]
pub fn lex_with(engine: Engine, dialect: Dialect, text: &str, range: Range<usize>) -> Lexed {
    let mut tokens = Vec::new();
    let error = lex_into_with(engine, dialect, text, range, |tok| tokens.push(tok));
    Lexed { tokens, error }
}

/// [`lex`], handing each significant token to `sink` in order; returns the error, if any.
pub fn lex_into(
    dialect: Dialect,
    text: &str,
    range: Range<usize>,
    sink: impl FnMut(Tok),
) -> Option<LexError> {
    lex_into_with(Engine::FastPathFirst, dialect, text, range, sink)
}

/// Smallest piece of a region handed to sqlparser's tokenizer at once when it tokenizes
/// everything. Tokenizing piece by piece keeps one small buffer of raw tokens (whitespace
/// included) instead of the whole file's.
const CHUNK: usize = 64 * 1024;

fn lex_into_with(
    engine: Engine,
    dialect: Dialect,
    text: &str,
    range: Range<usize>,
    mut sink: impl FnMut(Tok),
) -> Option<LexError> {
    let fast = FastLexer::for_dialect(dialect);
    // Made only when sqlparser is needed: most regions never leave the fast path.
    let mut parser_dialect = None;
    let mut at = range.start;
    let mut raw = Vec::new();
    loop {
        // sqlparser takes the smallest piece it can when it only fills a gap of the fast path.
        let want = match engine {
            Engine::FastPathFirst => match fast.scan(text, at, range.end, &mut sink) {
                Outcome::Finished => return None,
                Outcome::Unsupported { restart } => {
                    at = restart;
                    1
                }
            },
            Engine::SqlparserOnly => CHUNK,
        };
        match sqlparser_chunk(
            parser_dialect
                .get_or_insert_with(|| dialect.parser_dialect())
                .as_ref(),
            text,
            at,
            range.end,
            want,
            &mut raw,
            &mut sink,
        ) {
            Chunk::Continue(next) => at = next,
            Chunk::Done(error) => return error,
        }
    }
}

enum Chunk {
    /// The chunk ended cleanly just after a line-ending `;`; go on from this byte.
    Continue(usize),
    /// The chunk reached the end of the region.
    Done(Option<LexError>),
}

/// Runs sqlparser's tokenizer over a chunk of the region that starts at `start`, at least
/// `want` bytes long, and hands its significant tokens to `sink`.
///
/// The chunk ends just after a `;` that ends a line. Such a cut changes nothing: `;` and the
/// newline are tokens of their own that look at no character after them, and the token before
/// a chunk (a newline, or any token but a word or period) is one the tokenizer never consults.
/// A chunk is accepted only when it tokenizes cleanly and really ends with those two tokens; a
/// cut inside a string, comment or dollar quote fails that test and the chunk grows (doubling,
/// so the work stays linear).
fn sqlparser_chunk(
    dialect: &dyn ParserDialect,
    text: &str,
    start: usize,
    region_end: usize,
    mut want: usize,
    raw: &mut Vec<TokenWithSpan>,
    sink: &mut impl FnMut(Tok),
) -> Chunk {
    loop {
        let end = chunk_end(text, start + want, region_end);
        raw.clear();
        let result =
            Tokenizer::new(dialect, &text[start..end]).tokenize_with_location_into_buf(raw);
        let last = end == region_end;
        if !last && (result.is_err() || !ends_at_line_end_after_semicolon(raw)) {
            want = want.max(end - start).saturating_mul(2);
            continue;
        }
        let error_at = map_chunk(&text[start..end], start, raw, sink);
        if last {
            // (The message without sqlparser's chunk-relative position.)
            return Chunk::Done(result.err().map(|e| LexError {
                message: e.message,
                construct_start: error_at,
            }));
        }
        return Chunk::Continue(end);
    }
}

/// The end of the chunk that starts before `at`: just after the first line ending in `;` at or
/// after `at` (or the region's end).
fn chunk_end(text: &str, at: usize, limit: usize) -> usize {
    if at >= limit {
        return limit;
    }
    let bytes = text.as_bytes();
    let mut i = at;
    while let Some(n) = bytes[i..limit].iter().position(|b| *b == b'\n') {
        let newline = i + n;
        let before = if newline > 0 && bytes[newline - 1] == b'\r' {
            newline.saturating_sub(2)
        } else {
            newline.saturating_sub(1)
        };
        if newline > 0 && bytes.get(before) == Some(&b';') {
            return newline + 1;
        }
        i = newline + 1;
    }
    limit
}

fn ends_at_line_end_after_semicolon(raw: &[TokenWithSpan]) -> bool {
    matches!(
        raw,
        [.., a, b] if a.token == Token::SemiColon
            && b.token == Token::Whitespace(Whitespace::Newline)
    )
}

/// Gives the chunk's significant tokens their bytes in the file. `offset` is the chunk's first
/// byte in the file. Returns the byte where an error would begin: just after the last token.
fn map_chunk(
    chunk: &str,
    offset: usize,
    raw: &mut Vec<TokenWithSpan>,
    sink: &mut impl FnMut(Tok),
) -> usize {
    let mut walker = Walker::new(chunk, 1, 1);
    let mut hint: Option<Hint> = None;
    let mut last_end = 0;
    for t in raw.drain(..) {
        // (The byte test first: almost no token starts at a `/`.)
        if hint.is_none()
            && chunk.as_bytes().get(walker.byte) == Some(&b'/')
            && !matches!(t.token, Token::Whitespace(Whitespace::MultiLineComment(_)))
        {
            hint = Hint::starting_at(chunk, &walker);
        }
        let (start, end) = match &mut hint {
            // MySQL `/*!50003 … */`: sqlparser re-tokenizes the content with positions that
            // start at the comment's opening, so map them through the content instead.
            Some(h) => {
                let start = h.content_start + h.walker.advance_to(t.span.start);
                let end = h.content_start + h.walker.advance_to(t.span.end);
                if h.walker.byte >= h.content_len {
                    walker.advance_to_byte(h.comment_end);
                    hint = None;
                }
                (start, end.max(start))
            }
            None => {
                let start = walker.advance_to(t.span.start);
                (start, walker.advance_to(t.span.end).max(start))
            }
        };
        last_end = last_end.max(end);
        if matches!(t.token, Token::Whitespace(_) | Token::EOF) {
            continue;
        }
        sink(Tok {
            token: t.token,
            range: offset + start..offset + end,
        });
    }
    offset + last_end
}

/// A MySQL optimizer-hint comment (`/*!50003 CREATE … */`) whose content sqlparser tokenizes.
struct Hint<'a> {
    walker: Walker<'a>,
    content_start: usize,
    content_len: usize,
    comment_end: usize,
}

impl<'a> Hint<'a> {
    /// A hint begins where the walker stands when the text there is `/*!` and a token (not a
    /// comment) comes next: only then did sqlparser expand it.
    fn starting_at(region: &'a str, walker: &Walker) -> Option<Hint<'a>> {
        let rest = region[walker.byte..].strip_prefix("/*!")?;
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let content_start = walker.byte + 3 + digits;
        let content_end = content_start + region[content_start..].find("*/")?;
        if content_end == content_start {
            return None;
        }
        Some(Hint {
            walker: Walker::new(
                &region[content_start..content_end],
                walker.line,
                walker.column,
            ),
            content_start,
            content_len: content_end - content_start,
            comment_end: content_end + 2,
        })
    }
}

/// Follows the tokenizer's own counting (only `\n` ends a line; every other character, `\r`
/// included, is one column) to turn its locations into byte offsets.
struct Walker<'a> {
    text: &'a str,
    byte: usize,
    line: u64,
    column: u64,
}

impl<'a> Walker<'a> {
    fn new(text: &'a str, line: u64, column: u64) -> Self {
        Walker {
            text,
            byte: 0,
            line,
            column,
        }
    }

    fn step(&mut self) -> bool {
        let Some(ch) = self.text[self.byte..].chars().next() else {
            return false;
        };
        self.byte += ch.len_utf8();
        if ch == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        true
    }

    /// Moves forward to `at` and returns its byte offset. Never moves backwards.
    fn advance_to(&mut self, at: Location) -> usize {
        // Fast path: a target later on the same line, across ASCII only (one byte per column).
        if at.line == self.line && at.column > self.column {
            let n = (at.column - self.column) as usize;
            let ascii = self
                .text
                .as_bytes()
                .get(self.byte..self.byte + n)
                .is_some_and(|seg| seg.iter().all(|b| b.is_ascii() && *b != b'\n'));
            if ascii {
                self.byte += n;
                self.column = at.column;
                return self.byte;
            }
        }
        while (self.line, self.column) < (at.line, at.column) && self.step() {}
        self.byte
    }

    fn advance_to_byte(&mut self, byte: usize) {
        while self.byte < byte && self.step() {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;
    use Dialect::{Mysql, Postgres};

    /// The words and indices `top_level` yields for `text`.
    fn top_level_of(text: &str) -> Vec<(usize, &str)> {
        let lexed = lex(Postgres, text, 0..text.len());
        top_level(&lexed.tokens)
            .map(|(i, t)| (i, &text[t.range.clone()]))
            .collect()
    }

    #[test]
    fn top_level_yields_the_tokens_outside_parentheses_with_their_indices() {
        assert_eq!(
            top_level_of("a (b, (c)) , d(e) f"),
            [(0, "a"), (8, ","), (9, "d"), (13, "f")]
        );
        assert_eq!(top_level_of(""), []);
        assert_eq!(top_level_of("()"), []);
        // A `)` with nothing open closes nothing; an unclosed `(` hides the rest.
        assert_eq!(top_level_of(") a ) (b"), [(1, "a")]);
        assert_eq!(top_level_of("a ) ) ( b ) c"), [(0, "a"), (6, "c")]);
        // Brackets are no parentheses.
        assert_eq!(
            top_level_of("a[1]"),
            [(0, "a"), (1, "["), (2, "1"), (3, "]")]
        );
    }

    #[test]
    fn byte_ranges_are_exact_with_crlf_and_non_ascii() {
        let text = "SELECT 'é';\r\nCREATE TABLE ünï (a int);";
        let lexed = lex(Postgres, text, 0..text.len());
        assert!(lexed.error.is_none());
        let words: Vec<&str> = lexed
            .tokens
            .iter()
            .map(|t| &text[t.range.clone()])
            .collect();
        assert_eq!(
            words,
            ["SELECT", "'é'", ";", "CREATE", "TABLE", "ünï", "(", "a", "int", ")", ";"]
        );
    }

    #[test]
    fn unterminated_dollar_quote_reports_where_it_starts() {
        let text = "SELECT 1;\nDO $$ BEGIN";
        let lexed = lex(Postgres, text, 0..text.len());
        let error = lexed.error.expect("an error");
        assert_eq!(error.construct_start, text.find("$$").unwrap());
    }

    #[test]
    fn mysql_hint_comments_get_their_real_positions() {
        let text =
            "/*!40101 SET NAMES utf8 */;\n/*!50003 CREATE TABLE hinted (id int) */;\nSELECT 1;";
        let lexed = lex(Mysql, text, 0..text.len());
        let words: Vec<&str> = lexed
            .tokens
            .iter()
            .map(|t| &text[t.range.clone()])
            .collect();
        assert_eq!(
            words,
            [
                "SET", "NAMES", "utf8", ";", "CREATE", "TABLE", "hinted", "(", "id", "int", ")",
                ";", "SELECT", "1", ";"
            ]
        );
    }

    #[test]
    fn chunked_lexing_matches_one_pass_over_the_whole_text() {
        // Well past CHUNK, with `;` line ends inside strings, comments and dollar quotes (cuts
        // there must be refused), CRLF, non-ASCII text and a body longer than a chunk.
        let block = "CREATE TABLE é (a text DEFAULT 'x;\n;\n');\r\n\
                     /* c;\n */ SELECT 1;\n\
                     -- note;\n\
                     DO $$ BEGIN PERFORM 1;\nEND $$;\n\
                     SELECT \"q;\n\";\n";
        let long_body = format!("DO $b$ {} $b$;\n", "PERFORM 2;\n".repeat(CHUNK / 4));
        let text = format!("{}{long_body}{}", block.repeat(900), block.repeat(900));
        assert!(text.len() > 3 * CHUNK);
        let whole = Tokenizer::new(&PostgreSqlDialect {}, &text)
            .tokenize_with_location()
            .expect("tokenizes");
        // One pass's tokens, with their positions turned into bytes.
        let mut walker = Walker::new(&text, 1, 1);
        let expected: Vec<(&Token, Range<usize>)> = whole
            .iter()
            .filter(|t| !matches!(t.token, Token::Whitespace(_) | Token::EOF))
            .map(|t| {
                let start = walker.advance_to(t.span.start);
                (&t.token, start..walker.advance_to(t.span.end))
            })
            .collect();
        for engine in [Engine::SqlparserOnly, Engine::FastPathFirst] {
            let lexed = lex_with(engine, Postgres, &text, 0..text.len());
            assert!(lexed.error.is_none());
            let got: Vec<(&Token, Range<usize>)> = lexed
                .tokens
                .iter()
                .map(|t| (&t.token, t.range.clone()))
                .collect();
            assert_eq!(got, expected, "{engine:?}");
            let mut semis = lexed.tokens.iter().filter(|t| t.token == Token::SemiColon);
            assert!(semis.all(|t| &text[t.range.clone()] == ";"));
        }
    }
}
