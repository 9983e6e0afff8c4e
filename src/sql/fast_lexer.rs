//! The lexer's fast path. Migration SQL is overwhelmingly words, quoted identifiers, plain
//! strings, integers, punctuation, whitespace and comments. For that subset we produce, byte by
//! byte, the very tokens and positions sqlparser's tokenizer would: it walks `char`s through a
//! `Peekable`, builds every word char by char, finds keywords by binary search and reports
//! (line, column) positions we would then map back to bytes. That was most of lint's time.
//!
//! Anything outside the subset (dollar quotes, escape and prefixed strings, operators beyond
//! comparisons, numbers that are not plain integers, non-ASCII outside strings and comments,
//! MySQL hint comments, …) stops the fast path: the caller hands the text from the last safe
//! restart point to sqlparser, so the result is always sqlparser's. Token-for-token equality
//! with sqlparser is tested on random input here and on the whole real-world corpus
//! (`tests/lexer_equivalence.rs`).

use super::lexer::Tok;
use super::Dialect;
use sqlparser::keywords::{Keyword, ALL_KEYWORDS, ALL_KEYWORDS_INDEX};
use sqlparser::tokenizer::{Token, Word};
use std::sync::OnceLock;

pub enum Outcome {
    /// Every token up to the end was handed over.
    Finished,
    /// The fast path met something it leaves to sqlparser. Every token before `restart` was
    /// handed over; sqlparser must tokenize from `restart`, where no earlier token can change
    /// what it produces.
    Unsupported { restart: usize },
}

const IDENT_START: u8 = 1;
const IDENT_PART: u8 = 2;
const DELIMITED_START: u8 = 4;
const CUSTOM_OPERATOR: u8 = 8;

/// What the fast path needs to know of a dialect, read once from sqlparser's own dialect so
/// that identifier and operator characters are classified exactly as sqlparser does.
pub struct FastLexer {
    /// `IDENT_*`, `DELIMITED_START` and `CUSTOM_OPERATOR` flags per ASCII byte.
    class: [u8; 128],
    backslash_escape: bool,
    triple_quoted_strings: bool,
    comment_hints: bool,
    line_comment_needs_space: bool,
    /// PostgreSQL ends a `--` comment at a lone `\r` too (other dialects only at `\n`).
    line_comment_ends_at_cr: bool,
    quote_delimited_strings: bool,
}

impl FastLexer {
    pub fn for_dialect(dialect: Dialect) -> &'static FastLexer {
        static LEXERS: [OnceLock<FastLexer>; 4] = [const { OnceLock::new() }; 4];
        let index = match dialect {
            Dialect::Postgres => 0,
            Dialect::Mysql => 1,
            Dialect::Mariadb => 2,
            Dialect::Sqlite => 3,
        };
        LEXERS[index].get_or_init(|| FastLexer::new(dialect))
    }

    fn new(dialect: Dialect) -> FastLexer {
        let parser_dialect = dialect.parser_dialect();
        let d = parser_dialect.as_ref();
        let mut class = [0u8; 128];
        for (b, flags) in class.iter_mut().enumerate() {
            let ch = b as u8 as char;
            for (yes, flag) in [
                (d.is_identifier_start(ch), IDENT_START),
                (d.is_identifier_part(ch), IDENT_PART),
                (d.is_delimited_identifier_start(ch), DELIMITED_START),
                (d.is_custom_operator_part(ch), CUSTOM_OPERATOR),
            ] {
                if yes {
                    *flags |= flag;
                }
            }
        }
        FastLexer {
            class,
            backslash_escape: d.supports_string_literal_backslash_escape(),
            triple_quoted_strings: d.supports_triple_quoted_string(),
            comment_hints: d.supports_multiline_comment_hints(),
            line_comment_needs_space: d.requires_single_line_comment_whitespace(),
            line_comment_ends_at_cr: dialect == Dialect::Postgres,
            quote_delimited_strings: d.supports_quote_delimited_string(),
        }
    }

    fn has(&self, b: u8, flag: u8) -> bool {
        b < 128 && self.class[b as usize] & flag != 0
    }

    /// Tokenizes `text[from..end]`, handing significant tokens to `sink` in order.
    pub fn scan(&self, text: &str, from: usize, end: usize, sink: &mut impl FnMut(Tok)) -> Outcome {
        let bytes = &text.as_bytes()[..end];
        let mut at = from;
        // sqlparser looks back one token, and only to see a word or a period (`t._c`, MySQL
        // `t.1c`), whose own reading depends on nothing before them. So such a token is held
        // back until the next one: if that next one is left to sqlparser, sqlparser starts at
        // the held token and sees exactly what a single pass would have seen.
        let mut held: Option<Tok> = None;
        while at < end {
            let start = at;
            let Some(token) = self.next(text, bytes, &mut at) else {
                let restart = held.map_or(start, |h| h.range.start);
                return Outcome::Unsupported { restart };
            };
            if let Some(h) = held.take() {
                sink(h);
            }
            if let Some(token) = token {
                let tok = Tok {
                    token,
                    range: start..at,
                };
                if matches!(tok.token, Token::Word(_) | Token::Period) {
                    held = Some(tok);
                } else {
                    sink(tok);
                }
            }
        }
        if let Some(h) = held {
            sink(h);
        }
        Outcome::Finished
    }

    /// The token at `at`, moving past it: `Some(None)` for whitespace or a comment, `None`
    /// when the fast path leaves it to sqlparser.
    fn next(&self, text: &str, bytes: &[u8], at: &mut usize) -> Option<Option<Token>> {
        let i = *at;
        let next = bytes.get(i + 1).copied();
        let punct = |at: &mut usize, n: usize, token: Token| {
            *at += n;
            Some(Some(token))
        };
        match bytes[i] {
            b' ' | b'\t' | b'\r' | b'\n' => {
                *at += 1;
                Some(None)
            }
            b'-' if next == Some(b'-') => {
                if self.line_comment_needs_space
                    && !matches!(bytes.get(i + 2), Some(b' ' | b'\t' | b'\n' | b'\r'))
                {
                    return None;
                }
                let ends = |b: &u8| *b == b'\n' || (self.line_comment_ends_at_cr && *b == b'\r');
                let stop = bytes[i..]
                    .iter()
                    .position(ends)
                    .map_or(bytes.len(), |n| i + n);
                *at = stop;
                Some(None)
            }
            b'/' if next == Some(b'*') => {
                if self.comment_hints && bytes.get(i + 2) == Some(&b'!') {
                    return None;
                }
                let body = &bytes[i + 2..];
                let close = find_pair(body, b'*', b'/')?;
                // Nested comments are PostgreSQL's; leave every `/*` inside one to sqlparser,
                // including one that shares its `*` with the first `*/` (`/*/*/`: the `/*`
                // comes first, so the comment is still open).
                if find_pair(&body[..close + 1], b'/', b'*').is_some() {
                    return None;
                }
                *at = i + 2 + close + 2;
                Some(None)
            }
            b'(' => punct(at, 1, Token::LParen),
            b')' => punct(at, 1, Token::RParen),
            b',' => punct(at, 1, Token::Comma),
            b';' => punct(at, 1, Token::SemiColon),
            b'*' => punct(at, 1, Token::Mul),
            b'+' => punct(at, 1, Token::Plus),
            b']' => punct(at, 1, Token::RBracket),
            b'[' if !self.has(b'[', DELIMITED_START) => punct(at, 1, Token::LBracket),
            b'.' if !matches!(next, Some(b'0'..=b'9' | b'_')) => punct(at, 1, Token::Period),
            b':' => match next {
                Some(b':') => punct(at, 2, Token::DoubleColon),
                Some(b'=') => None,
                _ => punct(at, 1, Token::Colon),
            },
            b'=' => match next {
                Some(b'>' | b'=') => None,
                _ => punct(at, 1, Token::Eq),
            },
            b'!' if next == Some(b'=') => punct(at, 2, Token::Neq),
            // `<`, `>` and their pairs extend into longer or custom operators when an operator
            // character follows; take them only when something plainly different does.
            b'<' | b'>' => {
                let (n, token) = match (bytes[i], next) {
                    (b'<', Some(b'=')) => (2, Token::LtEq),
                    (b'<', Some(b'>')) => (2, Token::Neq),
                    (b'>', Some(b'=')) => (2, Token::GtEq),
                    (b'<', _) => (1, Token::Lt),
                    _ => (1, Token::Gt),
                };
                self.ends_operator(bytes.get(i + n).copied())
                    .then(|| punct(at, n, token))?
            }
            b'\'' if !self.triple_quoted_strings => {
                let (close, doubled) = self.quoted(bytes, i, b'\'', self.backslash_escape)?;
                let value = unquote(&text[i + 1..close], doubled, "''", "'");
                *at = close + 1;
                Some(Some(Token::SingleQuotedString(value)))
            }
            q @ (b'"' | b'`') if self.has(q, DELIMITED_START) => {
                let (close, doubled) = self.quoted(bytes, i, q, false)?;
                let (pair, one) = if q == b'"' {
                    ("\"\"", "\"")
                } else {
                    ("``", "`")
                };
                let value = unquote(&text[i + 1..close], doubled, pair, one);
                *at = close + 1;
                Some(Some(Token::Word(Word {
                    value,
                    quote_style: Some(q as char),
                    keyword: Keyword::NoKeyword,
                })))
            }
            b'0'..=b'9' => {
                let len = bytes[i..]
                    .iter()
                    .position(|b| !b.is_ascii_digit())
                    .unwrap_or(bytes.len() - i);
                // A fraction, an exponent, `0x…`, `1L`, `1_000` or a MySQL `1col` identifier.
                if bytes.get(i + len).is_some_and(|&b| {
                    b.is_ascii_alphanumeric()
                        || matches!(b, b'.' | b'_' | 0x80..)
                        || self.has(b, IDENT_PART)
                }) {
                    return None;
                }
                *at += len;
                Some(Some(Token::Number(text[i..i + len].to_string(), false)))
            }
            b if (b.is_ascii_alphabetic() || b == b'_') && self.has(b, IDENT_START) => {
                if self.starts_prefixed_literal(b, next) {
                    return None;
                }
                let len = 1 + bytes[i + 1..]
                    .iter()
                    .position(|&b| !self.has(b, IDENT_PART))
                    .unwrap_or(bytes.len() - i - 1);
                // A non-ASCII letter may continue the identifier: sqlparser decides.
                if bytes.get(i + len).is_some_and(|b| !b.is_ascii()) {
                    return None;
                }
                let word = &text[i..i + len];
                *at += len;
                Some(Some(Token::Word(Word {
                    value: word.to_string(),
                    quote_style: None,
                    keyword: keyword(word),
                })))
            }
            _ => None,
        }
    }

    /// Does a comparison operator end before `follower`, for sqlparser's custom-operator rule?
    fn ends_operator(&self, follower: Option<u8>) -> bool {
        match follower {
            None => true,
            Some(b) => {
                (b.is_ascii_alphanumeric()
                    || matches!(
                        b,
                        b' ' | b'\t' | b'\n' | b'\r' | b'_' | b'(' | b')' | b'\'' | b'"'
                    ))
                    && !self.has(b, CUSTOM_OPERATOR)
            }
        }
    }

    /// A letter that sqlparser reads as the prefix of a literal: `E'…'`, `N'…'`, `X'…'`,
    /// `B'…'`, `U&'…'`, Oracle `Q'…'`, … . Leaving all of them to sqlparser is cheap: they are
    /// rare, and a plain word never continues with a quote.
    fn starts_prefixed_literal(&self, first: u8, next: Option<u8>) -> bool {
        match (first.to_ascii_lowercase(), next) {
            (b'b' | b'r' | b'n' | b'q' | b'e' | b'u' | b'x', Some(b'\'' | b'"')) => true,
            (b'u', Some(b'&')) => true,
            (b'n', Some(b'q' | b'Q')) => self.quote_delimited_strings,
            _ => false,
        }
    }

    /// The closing quote of the quoted text that opens at `open`, and whether a doubled quote
    /// occurs inside. `None` when unterminated (sqlparser reports it) or, with backslash
    /// escapes, when a backslash occurs.
    fn quoted(&self, bytes: &[u8], open: usize, q: u8, backslash: bool) -> Option<(usize, bool)> {
        let mut doubled = false;
        let mut i = open + 1;
        loop {
            let n = bytes[i..]
                .iter()
                .position(|&b| b == q || (backslash && b == b'\\'))?;
            i += n;
            if bytes[i] != q {
                return None;
            }
            if bytes.get(i + 1) == Some(&q) {
                doubled = true;
                i += 2;
            } else {
                return Some((i, doubled));
            }
        }
    }
}

fn unquote(content: &str, doubled: bool, pair: &str, one: &str) -> String {
    if doubled {
        content.replace(pair, one)
    } else {
        content.to_string()
    }
}

/// Index of the first `a` immediately followed by `b`.
fn find_pair(haystack: &[u8], a: u8, b: u8) -> Option<usize> {
    haystack.windows(2).position(|w| w[0] == a && w[1] == b)
}

/// sqlparser's keyword for an unquoted ASCII word (case-insensitive), by hash instead of its
/// binary search over ~900 keywords.
fn keyword(word: &str) -> Keyword {
    const LONGEST: usize = 64;
    static KEYWORDS: OnceLock<foldhash::HashMap<&'static [u8], Keyword>> = OnceLock::new();
    let keywords = KEYWORDS.get_or_init(|| {
        assert!(ALL_KEYWORDS.iter().all(|k| k.len() <= LONGEST));
        ALL_KEYWORDS
            .iter()
            .zip(ALL_KEYWORDS_INDEX)
            .map(|(k, v)| (k.as_bytes(), *v))
            .collect()
    });
    if word.len() > LONGEST {
        return Keyword::NoKeyword;
    }
    let mut upper = [0u8; LONGEST];
    for (u, b) in upper.iter_mut().zip(word.bytes()) {
        *u = b.to_ascii_uppercase();
    }
    keywords
        .get(&upper[..word.len()])
        .copied()
        .unwrap_or(Keyword::NoKeyword)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::lexer::{lex_with, Engine};

    /// Pieces of SQL that the fast path handles, and many it must leave to sqlparser, glued
    /// together at random: every way they touch must give sqlparser's tokens and errors.
    const FRAGMENTS: &[&str] = &[
        "CREATE",
        "table",
        "t0",
        "_x",
        "a$b",
        "ünï",
        "é",
        "Ab9",
        " ",
        "\t",
        "\n",
        "\r\n",
        "\r",
        ";",
        ";\n",
        "(",
        ")",
        ",",
        ".",
        "._",
        ".5",
        "1",
        "12",
        "1.5",
        "1e5",
        "0x1F",
        "1L",
        "1_000",
        "123abc",
        "'a'",
        "''",
        "'it''s'",
        "'a\\'b'",
        "'a\\\\'",
        "'é\n'",
        "'open",
        "\"q\"",
        "\"a\"\"b\"",
        "\"\"",
        "`m`",
        "`a``b`",
        "[x]",
        "E'\\n'",
        "e'x'",
        "N'x'",
        "X'1F'",
        "B'01'",
        "U&'d'",
        "u&",
        "b\"x\"",
        "r'x'",
        "nq",
        "q'x'",
        "$$ body; $$",
        "$1",
        "$tag$ x;\n $tag$",
        "-- c\n",
        "--c\n",
        "--",
        "-- é;\n",
        "/* c */",
        "/* a /* b */ c */",
        "/*! hint */",
        "/*!50003 CREATE */",
        "/* open",
        "/* x;\n */",
        "#c\n",
        "=",
        "==",
        "=>",
        "<",
        "<=",
        "<>",
        "<=>",
        "<<",
        "<@",
        ">",
        ">=",
        ">>",
        "!=",
        "!",
        "::",
        ":=",
        ":",
        "*",
        "+",
        "-",
        "->",
        "->>",
        "/",
        "%",
        "||",
        "[",
        "]",
        "{",
        "}",
        "@",
        "@@x",
        "?",
        "~",
        "^",
        "&",
        "|",
        "\\",
        "\\set x\n",
        "\u{a0}",
        "\u{2028}",
        "\u{c}",
        "'",
        "\"",
        "`",
    ];

    #[test]
    fn fast_path_gives_sqlparsers_tokens_on_random_input() {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut random = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for dialect in [
            Dialect::Postgres,
            Dialect::Mysql,
            Dialect::Mariadb,
            Dialect::Sqlite,
        ] {
            for _ in 0..4000 {
                let pieces = 1 + random(24);
                let text: String = (0..pieces)
                    .map(|_| FRAGMENTS[random(FRAGMENTS.len())])
                    .collect();
                // Sometimes a region that starts mid-file, as for a statement after a directive.
                let range = if text.len() > 4 && random(3) == 0 {
                    (1..text.len()).find(|&i| text.is_char_boundary(i)).unwrap()..text.len()
                } else {
                    0..text.len()
                };
                let expected = lex_with(Engine::SqlparserOnly, dialect, &text, range.clone());
                let got = lex_with(Engine::FastPathFirst, dialect, &text, range);
                assert_eq!(got.tokens, expected.tokens, "{dialect} {text:?}");
                assert_eq!(got.error, expected.error, "{dialect} {text:?}");
            }
        }
    }

    #[test]
    fn keyword_lookup_agrees_with_sqlparser() {
        let mut words: Vec<String> = ALL_KEYWORDS.iter().map(|k| k.to_string()).collect();
        words.extend(ALL_KEYWORDS.iter().map(|k| k.to_ascii_lowercase()));
        words.extend(["t0", "created_at", "user_profiles", "Select", "ab", "x"].map(String::from));
        words.push("a".repeat(70));
        for word in words {
            let Token::Word(expected) = Token::make_word(&word, None) else {
                unreachable!()
            };
            assert_eq!(keyword(&word), expected.keyword, "{word}");
        }
    }
}
