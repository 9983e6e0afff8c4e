//! ECS's cluster query language, the expressions of `memberOf` placement constraints
//! (AWS's ECS guide, "Cluster query language"): `subject operator [argument]`, combined with
//! `and`/`&&`, `or`/`||`, `not`/`!` and parentheses. Evaluated against one container instance
//! with three-valued logic: subjects preflight cannot know before the rollout (`task:group`,
//! `runningTasksCount`, `registeredAt`, `agentVersion`) and comparisons it cannot decide
//! (a pattern Rust's regex engine does not take, an ordering of non-numbers) are unknown.

use std::collections::BTreeMap;

/// What an expression is evaluated against: one container instance.
pub struct Instance<'a> {
    pub ec2_instance_id: Option<&'a str>,
    pub agent_connected: Option<bool>,
    /// `attribute:NAME` → its value (`None` for an attribute without one).
    pub attributes: &'a BTreeMap<String, Option<String>>,
}

/// A three-valued truth (Kleene logic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truth {
    True,
    False,
    Unknown,
}

impl Truth {
    fn of(b: bool) -> Truth {
        if b {
            Truth::True
        } else {
            Truth::False
        }
    }

    pub fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, Truth::True) => Truth::True,
            _ => Truth::Unknown,
        }
    }

    pub fn or(self, other: Truth) -> Truth {
        !(!self).and(!other)
    }
}

impl std::ops::Not for Truth {
    type Output = Truth;

    fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Exists,
    NotExists,
    In,
    NotIn,
    Matches,
    NotMatches,
}

impl Op {
    fn parse(word: &str) -> Option<Op> {
        Some(match word {
            "==" | "equals" => Op::Eq,
            "!=" | "not_equals" => Op::Ne,
            ">" | "greater_than" => Op::Gt,
            ">=" | "greater_than_equal" => Op::Ge,
            "<" | "less_than" => Op::Lt,
            "<=" | "less_than_equal" => Op::Le,
            "exists" => Op::Exists,
            "!exists" | "not_exists" => Op::NotExists,
            "in" => Op::In,
            "!in" | "not_in" => Op::NotIn,
            "=~" | "matches" => Op::Matches,
            "!~" | "not_matches" => Op::NotMatches,
            _ => return None,
        })
    }
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Compare {
        subject: String,
        op: Op,
        arguments: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Open,
    Close,
    OpenList,
    CloseList,
    Comma,
}

const OPERATOR_CHARS: &[char] = &['=', '!', '<', '>', '~', '&', '|'];
const PUNCTUATION: &[char] = &['(', ')', '[', ']', ','];

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        // The argument of a pattern match is a regular expression: up to the next blank.
        let after_match = matches!(tokens.last(), Some(Token::Word(w)) if matches!(w.as_str(), "=~" | "!~" | "matches" | "not_matches"));
        if after_match && c != '\'' && c != '"' {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() {
                i += 1;
            }
            tokens.push(Token::Word(chars[start..i].iter().collect()));
            continue;
        }
        match c {
            '(' => tokens.push(Token::Open),
            ')' => tokens.push(Token::Close),
            '[' => tokens.push(Token::OpenList),
            ']' => tokens.push(Token::CloseList),
            ',' => tokens.push(Token::Comma),
            '\'' | '"' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&d| d == c)
                    .ok_or_else(|| format!("unterminated quote at character {}", i + 1))?;
                tokens.push(Token::Quoted(chars[i + 1..i + 1 + end].iter().collect()));
                i += end + 2;
                continue;
            }
            _ if OPERATOR_CHARS.contains(&c) => {
                let start = i;
                while i < chars.len() && OPERATOR_CHARS.contains(&chars[i]) {
                    i += 1;
                }
                let mut op: String = chars[start..i].iter().collect();
                // `!exists`, `!in`: the negation is part of the operator.
                if op == "!" {
                    for word in ["exists", "in"] {
                        let rest: String = chars[i..].iter().take(word.len() + 1).collect();
                        let ends = rest.len() == word.len()
                            || rest.chars().last().is_some_and(|d| !d.is_alphanumeric());
                        if rest.starts_with(word) && ends {
                            op.push_str(word);
                            i += word.len();
                            break;
                        }
                    }
                }
                tokens.push(Token::Word(op));
                continue;
            }
            _ => {
                let start = i;
                while i < chars.len()
                    && !chars[i].is_whitespace()
                    && !PUNCTUATION.contains(&chars[i])
                    && !OPERATOR_CHARS.contains(&chars[i])
                    && chars[i] != '\''
                    && chars[i] != '"'
                {
                    i += 1;
                }
                tokens.push(Token::Word(chars[start..i].iter().collect()));
                continue;
            }
        }
        i += 1;
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn peek_word(&self, words: &[&str]) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if words.contains(&w.as_str()))
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.peek_word(&["||", "or"]) {
            self.at += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while self.peek_word(&["&&", "and"]) {
            self.at += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.peek_word(&["!", "not"]) {
            self.at += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Token::Open) {
            self.at += 1;
            let inner = self.or()?;
            return match self.next() {
                Some(Token::Close) => Ok(inner),
                _ => Err("a `(` is not closed".into()),
            };
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, String> {
        let subject = match self.next() {
            Some(Token::Word(w)) => w,
            other => return Err(format!("expected a subject, found {other:?}")),
        };
        let op = match self.next() {
            Some(Token::Word(w)) => {
                Op::parse(&w).ok_or_else(|| format!("`{w}` is not an operator"))?
            }
            other => {
                return Err(format!(
                    "expected an operator after `{subject}`, found {other:?}"
                ))
            }
        };
        let arguments = match op {
            Op::Exists | Op::NotExists => Vec::new(),
            Op::In | Op::NotIn => self.list()?,
            _ => vec![self.value()?],
        };
        Ok(Expr::Compare {
            subject,
            op,
            arguments,
        })
    }

    fn value(&mut self) -> Result<String, String> {
        match self.next() {
            Some(Token::Word(w) | Token::Quoted(w)) => Ok(w),
            other => Err(format!("expected a value, found {other:?}")),
        }
    }

    fn list(&mut self) -> Result<Vec<String>, String> {
        if self.next() != Some(Token::OpenList) {
            return Err("`in` takes a list: [a, b]".into());
        }
        let mut values = vec![self.value()?];
        loop {
            match self.next() {
                Some(Token::Comma) => values.push(self.value()?),
                Some(Token::CloseList) => return Ok(values),
                other => return Err(format!("expected `,` or `]`, found {other:?}")),
            }
        }
    }
}

/// Parses an expression; `Err` says why it is not one.
pub fn parse(text: &str) -> Result<Expr, String> {
    let mut parser = Parser {
        tokens: tokenize(text)?,
        at: 0,
    };
    let expr = parser.or()?;
    match parser.peek() {
        None => Ok(expr),
        Some(t) => Err(format!("unexpected {t:?} after the expression")),
    }
}

impl Expr {
    pub fn eval(&self, instance: &Instance<'_>) -> Truth {
        match self {
            Expr::Not(e) => !e.eval(instance),
            Expr::And(a, b) => a.eval(instance).and(b.eval(instance)),
            Expr::Or(a, b) => a.eval(instance).or(b.eval(instance)),
            Expr::Compare {
                subject,
                op,
                arguments,
            } => compare(subject, *op, arguments, instance),
        }
    }
}

fn compare(subject: &str, op: Op, arguments: &[String], instance: &Instance<'_>) -> Truth {
    // The subject's value: None when the instance does not have it.
    let value: Option<Option<String>> = if let Some(name) = subject.strip_prefix("attribute:") {
        instance.attributes.get(name).cloned()
    } else {
        match subject {
            "ec2InstanceId" => match instance.ec2_instance_id {
                Some(id) => Some(Some(id.to_string())),
                None => return Truth::Unknown,
            },
            "agentConnected" => match instance.agent_connected {
                Some(b) => Some(Some(b.to_string())),
                None => return Truth::Unknown,
            },
            // Running tasks, task groups, agent versions and registration times change.
            _ => return Truth::Unknown,
        }
    };
    let Some(value) = value else {
        return match op {
            Op::Exists => Truth::False,
            Op::NotExists => Truth::True,
            Op::Eq | Op::In | Op::Matches => Truth::False,
            _ => Truth::Unknown,
        };
    };
    let text = value.unwrap_or_default();
    match op {
        Op::Exists => Truth::True,
        Op::NotExists => Truth::False,
        Op::Eq => Truth::of(text == arguments[0]),
        Op::Ne => Truth::of(text != arguments[0]),
        Op::In => Truth::of(arguments.contains(&text)),
        Op::NotIn => Truth::of(!arguments.contains(&text)),
        Op::Matches | Op::NotMatches => {
            // Java's Pattern.matches: the whole value must match.
            match regex::Regex::new(&format!("^(?:{})$", arguments[0])) {
                Ok(re) if op == Op::Matches => Truth::of(re.is_match(&text)),
                Ok(re) => Truth::of(!re.is_match(&text)),
                Err(_) => Truth::Unknown,
            }
        }
        Op::Gt | Op::Ge | Op::Lt | Op::Le => {
            let (Ok(a), Ok(b)) = (text.parse::<f64>(), arguments[0].parse::<f64>()) else {
                return Truth::Unknown;
            };
            Truth::of(match op {
                Op::Gt => a > b,
                Op::Ge => a >= b,
                Op::Lt => a < b,
                _ => a <= b,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(attributes: &[(&str, &str)]) -> BTreeMap<String, Option<String>> {
        attributes
            .iter()
            .map(|(k, v)| (k.to_string(), Some(v.to_string())))
            .collect()
    }

    fn eval(expression: &str, attributes: &BTreeMap<String, Option<String>>) -> Truth {
        let i = Instance {
            ec2_instance_id: Some("i-abcd1234"),
            agent_connected: Some(true),
            attributes,
        };
        parse(expression)
            .unwrap_or_else(|e| panic!("{expression}: {e}"))
            .eval(&i)
    }

    #[test]
    fn the_examples_of_the_ecs_guide() {
        let t2 = instance(&[
            ("ecs.instance-type", "t2.small"),
            ("ecs.availability-zone", "us-east-1a"),
        ]);
        let g2 = instance(&[
            ("ecs.instance-type", "g2.2xlarge"),
            ("ecs.availability-zone", "us-east-1d"),
        ]);
        assert_eq!(
            eval("attribute:ecs.instance-type == t2.small", &t2),
            Truth::True
        );
        assert_eq!(
            eval("attribute:ecs.instance-type == t2.small", &g2),
            Truth::False
        );
        let az = "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]";
        assert_eq!(eval(az, &t2), Truth::True);
        assert_eq!(eval(az, &g2), Truth::False);
        let compound =
            "attribute:ecs.instance-type =~ g2.* and attribute:ecs.availability-zone != us-east-1d";
        assert_eq!(eval(compound, &g2), Truth::False);
        assert_eq!(eval(compound, &t2), Truth::False);
        assert_eq!(
            eval("ec2InstanceId in ['i-abcd1234', 'i-wxyx7890']", &t2),
            Truth::True
        );
        assert_eq!(eval("not(task:group == database)", &t2), Truth::Unknown);
        assert_eq!(eval("runningTasksCount == 1", &t2), Truth::Unknown);
    }

    #[test]
    fn operators_words_and_precedence() {
        let a = instance(&[("stack", "prod"), ("gpu", "2")]);
        assert_eq!(eval("attribute:stack equals prod", &a), Truth::True);
        assert_eq!(eval("attribute:stack not_in [dev, qa]", &a), Truth::True);
        assert_eq!(eval("attribute:stack !in [prod]", &a), Truth::False);
        assert_eq!(
            eval("attribute:gpu >= 2 && attribute:gpu < 4", &a),
            Truth::True
        );
        assert_eq!(eval("attribute:team exists", &a), Truth::False);
        assert_eq!(eval("attribute:team !exists", &a), Truth::True);
        assert_eq!(
            eval("attribute:stack == qa or attribute:stack == prod", &a),
            Truth::True
        );
        assert_eq!(
            eval(
                "(attribute:stack == qa or attribute:gpu == 2) and !(attribute:stack == dev)",
                &a
            ),
            Truth::True
        );
        // Unknown stays unknown unless the other side decides.
        assert_eq!(
            eval("task:group == web or attribute:stack == prod", &a),
            Truth::True
        );
        assert_eq!(
            eval("task:group == web and attribute:stack == dev", &a),
            Truth::False
        );
        assert_eq!(
            eval("task:group == web and attribute:stack == prod", &a),
            Truth::Unknown
        );
        // A pattern Rust's regex engine does not take (a look-ahead) is unknown.
        assert_eq!(eval("attribute:stack =~ (?=p).*", &a), Truth::Unknown);
    }

    #[test]
    fn malformed_expressions_are_errors() {
        for bad in [
            "attribute:x ==",
            "attribute:x in a",
            "(attribute:x == y",
            "attribute:x likes y",
            "attribute:x == 'y",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
