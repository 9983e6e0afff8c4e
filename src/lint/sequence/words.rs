//! Byte scans of a statement's text that choose what the first pass must build: the words
//! that can remove or create something, and the names a file removes.

use super::{Key, Step};
use crate::lint::digest::DigestSet;
use crate::sql::Statement;
use sqlparser::tokenizer::Token;

/// The names under which a creation can bring back what a file removes, ASCII-lower-cased and
/// digested: an object's own name, a column's name, a constraint's table (a primary key's
/// creation does not spell its name).
#[derive(Debug, Default)]
pub struct Removals {
    names: DigestSet,
    /// A removed name is not a plain ASCII word: any creation may bring it back.
    pub(super) any: bool,
}

impl Removals {
    /// Adds what a statement (and its DO block) removes.
    #[cfg(test)]
    pub(super) fn add(&mut self, statement: &Statement) {
        use super::{steps::steps, Event};
        let top = steps(statement);
        let nested = statement.nested.iter().flat_map(steps);
        for step in top.into_iter().chain(nested) {
            if step.event == Event::Remove {
                self.add_step(&step);
            }
        }
    }

    /// Adds the name under which a removal's object can come back.
    pub(super) fn add_step(&mut self, step: &Step) {
        let name = match &step.key {
            Key::Object(_, name) | Key::Column(_, name) => name,
            Key::Constraint(table, _) => table,
        };
        if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            self.names.insert(word_hash(name.as_bytes()));
        } else {
            self.any = true;
        }
    }

    /// Can a statement whose text is `text` create something under a removed name? Every word
    /// of the text is looked up (a hash collision only makes the first pass recognise one
    /// statement more).
    pub fn may_bring_back(&self, text: &str) -> bool {
        if self.any {
            return true;
        }
        !self.names.is_empty() && scan_words(text, |w| self.names.contains(&word_hash(w)))
    }
}

/// Calls `hit` with each word of `text` (a run of ASCII letters, digits and `_`) until it
/// returns true; true then, or when a token's name may not be a word of the text as written:
/// escapes (`U&"…"`, backslashes), non-ASCII text (Unicode case folding), a word that starts
/// with digits (a number and a name, or a MySQL name).
pub(super) fn scan_words(text: &str, mut hit: impl FnMut(&[u8]) -> bool) -> bool {
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let b = bytes[at];
        if !b.is_ascii() || b == b'\\' {
            return true;
        }
        if !(b.is_ascii_alphanumeric() || b == b'_') {
            at += 1;
            continue;
        }
        let start = at;
        while at < bytes.len() && (bytes[at].is_ascii_alphanumeric() || bytes[at] == b'_') {
            at += 1;
        }
        let word = &bytes[start..at];
        if word[0].is_ascii_digit() {
            if !word.iter().all(u8::is_ascii_digit) {
                return true;
            }
            continue;
        }
        if hit(word) {
            return true;
        }
    }
    false
}

/// `word` is `lower` (lower-case ASCII), ignoring ASCII case.
pub(super) fn is_word(word: &[u8], lower: &str) -> bool {
    word.eq_ignore_ascii_case(lower.as_bytes())
}

/// A fast hash of a word, ASCII case ignored (FNV-1a, then mixed for the hash table).
pub(super) fn word_hash(word: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in word {
        h = (h ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(0x0100_0000_01b3);
    }
    h = h.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    h ^ (h >> 32)
}

/// What a statement can be to the first pass, from one scan of its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Has a DROP or RENAME word (or words that may not be spelt as written): may remove.
    Removal,
    /// Creates or alters (CREATE, ALTER, ADD) a view or an AUTO_INCREMENT key, or changes a
    /// type (ALTER … TYPE), or may change the search_path: always matters.
    Special,
    /// Creates or alters something else: matters only under a name something else removes.
    Creation,
    /// Can neither create nor remove.
    Other,
}

/// The [`Role`] of the statement whose text is `text`.
pub fn role(text: &str) -> Role {
    let (mut creates, mut special, mut alters, mut retypes) = (false, false, false, false);
    // May change the search_path (`SET search_path`, `set_config`, `SET SCHEMA`, `RESET ALL`),
    // or the database (MySQL's `USE db`).
    let mut path = false;
    let removes_or_unsure = scan_words(text, |w| {
        match w.len() {
            3 => {
                creates |= is_word(w, "add");
                path |= is_word(w, "use");
            }
            4 if is_word(w, "drop") => return true,
            4 => {
                special |= is_word(w, "view");
                retypes |= is_word(w, "type");
            }
            5 => {
                alters |= is_word(w, "alter");
                creates |= alters;
                path |= is_word(w, "reset");
            }
            6 if is_word(w, "rename") => return true,
            6 => {
                creates |= is_word(w, "create");
                path |= is_word(w, "schema");
            }
            10 => path |= is_word(w, "set_config"),
            11 => path |= is_word(w, "search_path"),
            14 => special |= is_word(w, "auto_increment"),
            _ => {}
        }
        false
    });
    // `ALTER … TYPE`: PF124 asks which columns a later statement changes the type of.
    let special = special || (alters && retypes);
    match (removes_or_unsure, creates, special) {
        (true, _, _) => Role::Removal,
        (false, _, _) if path => Role::Special,
        (false, true, true) => Role::Special,
        (false, true, false) => Role::Creation,
        (false, false, _) => Role::Other,
    }
}

/// ASCII case-insensitive substring search for `word`, in any case (a MySQL table's name
/// comes as written).
pub fn contains_ignore_case(text: &str, word: &str) -> bool {
    let (hay, word) = (text.as_bytes(), word.as_bytes());
    let Some(&first) = word.first() else {
        return true;
    };
    // One comparison a byte either way, which the compiler vectorises: `b | 0x20` folds only a
    // letter's case, so it finds a letter in either case and must not be used for `_` or a digit.
    let letter = first.is_ascii_alphabetic();
    let lower = first.to_ascii_lowercase();
    let mut at = 0;
    let find = |hay: &[u8]| {
        if letter {
            hay.iter().position(|&b| b | 0x20 == lower)
        } else {
            hay.iter().position(|&b| b == first)
        }
    };
    while let Some(i) = find(&hay[at..]) {
        let start = at + i;
        if hay.len() - start < word.len() {
            return false;
        }
        if hay[start..start + word.len()].eq_ignore_ascii_case(word) {
            return true;
        }
        at = start + 1;
    }
    false
}

/// The lower-cased words of a statement (identifiers and keywords, quotes removed). Not the
/// closing `WITH [NO] DATA` of a `CREATE TABLE … AS` query, which reads nothing: a copy
/// `CREATE TABLE t_new AS SELECT * FROM t WITH NO DATA` reads only `t`. Where table names are
/// compared exactly ([`crate::sql::tables_exact`]), each word comes as written, as a table's
/// name is keyed ([`crate::sql::folded_table`]), and is compared with a column's name as
/// [`column_word`] folds it: a word `Old` names the table `Old` or a column `old`, never the
/// table `old` (MariaDB under `lower_case_table_names = 0`).
pub fn words(statement: &Statement) -> Vec<String> {
    let tokens = statement.tokens.as_slice();
    let tokens = match statement.shape.kind {
        crate::sql::ShapeKind::Create(crate::sql::ObjectKind::Table) => without_with_data(tokens),
        _ => tokens,
    };
    if crate::sql::tables_exact() {
        return tokens.iter().filter_map(crate::sql::folded_table).collect();
    }
    tokens.iter().filter_map(crate::sql::folded).collect()
}

/// A word of [`words`] as a column's name is keyed: folded where table names are compared
/// exactly ([`crate::sql::tables_exact`]: the word comes as written), else the word itself
/// (already folded, or a quoted name that keeps its case).
pub fn column_word(word: &str) -> std::borrow::Cow<'_, str> {
    if crate::sql::tables_exact() {
        std::borrow::Cow::Owned(crate::sql::fold_unquoted(word))
    } else {
        std::borrow::Cow::Borrowed(word)
    }
}

/// `tokens` of a `CREATE TABLE … AS` without a closing `WITH DATA` or `WITH NO DATA` (and
/// what follows it: a `;`); all of them for anything else.
pub fn without_with_data(tokens: &[crate::sql::Tok]) -> &[crate::sql::Tok] {
    if crate::lint::safety::top_level_kw(tokens, "AS").is_none() {
        return tokens;
    }
    let mut end = tokens.len();
    while end > 0 && tokens[end - 1].is(&Token::SemiColon) {
        end -= 1;
    }
    let kept = &tokens[..end];
    for clause in [&["WITH", "DATA"][..], &["WITH", "NO", "DATA"][..]] {
        if kept.len() > clause.len()
            && kept[kept.len() - clause.len()..]
                .iter()
                .zip(clause)
                .all(|(t, kw)| t.is_kw(kw))
        {
            return &kept[..kept.len() - clause.len()];
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::contains_ignore_case;

    #[test]
    fn finds_a_word_whatever_its_case_and_first_character() {
        let text = "ALTER TABLE SPRING_SESSION ADD x int; call _proc(); -- 2fa";
        for word in [
            "spring_session",
            "SPRING_SESSION",
            "Call",
            "CALL",
            "_proc",
            "_PROC",
            "2FA",
        ] {
            assert!(contains_ignore_case(text, word), "{word}");
        }
        // `b | 0x20` would take DEL for `_` and `\x10` for a digit's fold: no false find.
        for word in ["execute", "_x", "3fa", "sessionz"] {
            assert!(!contains_ignore_case(text, word), "{word}");
        }
        assert!(!contains_ignore_case("\x7fproc", "_proc"));
        assert!(contains_ignore_case("", ""));
    }
}
