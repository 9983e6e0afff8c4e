//! RDS parameter values: a plain number, or a formula such as
//! `LEAST({DBInstanceClassMemory/9531392},5000)` that RDS evaluates when the instance starts.
//!
//! The grammar is AWS's ("DB parameter formulas", RDS User Guide): the functions `GREATEST`,
//! `LEAST` and `SUM` over comma-separated arguments, and `{…}` expressions with the variables
//! `DBInstanceClassMemory` and `DBInstanceVCPU`, integer literals, `*` and `/` (both truncate
//! to an integer, as RDS documents), `+`, `-`, parentheses and `log(…)` (base 2). Anything else
//! is refused with a message saying what was not understood, so the caller reports the limit as
//! unknown instead of guessing.

/// What a formula may refer to.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Variables {
    /// `DBInstanceClassMemory`, in bytes.
    pub memory_bytes: Option<f64>,
    /// `DBInstanceVCPU`.
    pub vcpus: Option<f64>,
}

/// Evaluates `text` to a whole number, or says why it cannot.
pub fn evaluate(text: &str, vars: &Variables) -> Result<i64, String> {
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        vars,
    };
    let value = parser.value()?;
    parser.skip_space();
    if parser.pos != parser.bytes.len() {
        return Err(parser.error("unexpected text"));
    }
    if !value.is_finite() {
        return Err(format!("`{text}` does not evaluate to a finite number"));
    }
    Ok(value.trunc() as i64)
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    vars: &'a Variables,
}

impl Parser<'_> {
    fn error(&self, what: &str) -> String {
        let rest: String = self.text[self.pos..].chars().take(20).collect();
        if rest.is_empty() {
            format!("`{}`: {what} at its end", self.text)
        } else {
            format!(
                "`{}`: {what} at character {} (`{rest}`)",
                self.text,
                self.pos + 1
            )
        }
    }

    fn skip_space(&mut self) {
        while self
            .bytes
            .get(self.pos)
            .is_some_and(u8::is_ascii_whitespace)
        {
            self.pos += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.skip_space();
        if self.bytes.get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.error(&format!("expected `{}`", c as char)))
        }
    }

    fn word(&mut self) -> &str {
        self.skip_space();
        let start = self.pos;
        while self
            .bytes
            .get(self.pos)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.')
        {
            self.pos += 1;
        }
        &self.text[start..self.pos]
    }

    /// A top-level value: a number, a `{…}` expression or a function call.
    fn value(&mut self) -> Result<f64, String> {
        self.skip_space();
        if self.eat(b'{') {
            let v = self.sum()?;
            self.expect(b'}')?;
            return Ok(v);
        }
        let start = self.pos;
        let word = self.word().to_string();
        if word.is_empty() {
            return Err(self.error("expected a number, `{` or a function"));
        }
        if let Ok(n) = word.parse::<f64>() {
            return Ok(n);
        }
        let upper = word.to_ascii_uppercase();
        if !matches!(upper.as_str(), "GREATEST" | "LEAST" | "SUM") {
            self.pos = start;
            return Err(self.error(&format!(
                "`{word}` is not a function RDS formulas use here (GREATEST, LEAST, SUM)"
            )));
        }
        self.expect(b'(')?;
        let mut args = vec![self.value()?];
        while self.eat(b',') {
            args.push(self.value()?);
        }
        self.expect(b')')?;
        Ok(match upper.as_str() {
            "GREATEST" => args.into_iter().fold(f64::MIN, f64::max),
            "LEAST" => args.into_iter().fold(f64::MAX, f64::min),
            _ => args.into_iter().sum(),
        })
    }

    /// `+` and `-` inside braces.
    fn sum(&mut self) -> Result<f64, String> {
        let mut v = self.product()?;
        loop {
            if self.eat(b'+') {
                v += self.product()?;
            } else if self.eat(b'-') {
                v -= self.product()?;
            } else {
                return Ok(v);
            }
        }
    }

    /// `*` and `/`, each truncated to an integer as RDS does.
    fn product(&mut self) -> Result<f64, String> {
        let mut v = self.factor()?;
        loop {
            if self.eat(b'*') {
                v = (v * self.factor()?).trunc();
            } else if self.eat(b'/') {
                let divisor = self.factor()?;
                if divisor == 0.0 {
                    return Err(self.error("division by zero"));
                }
                v = (v / divisor).trunc();
            } else {
                return Ok(v);
            }
        }
    }

    fn factor(&mut self) -> Result<f64, String> {
        if self.eat(b'(') {
            let v = self.sum()?;
            self.expect(b')')?;
            return Ok(v);
        }
        let start = self.pos;
        let word = self.word().to_string();
        if word.is_empty() {
            return Err(self.error("expected a number or a variable"));
        }
        if let Ok(n) = word.parse::<f64>() {
            return Ok(n);
        }
        let unknown = |p: &mut Self, what: &str| {
            p.pos = start;
            Err(p.error(what))
        };
        match word.as_str() {
            "DBInstanceClassMemory" => match self.vars.memory_bytes {
                Some(m) => Ok(m),
                None => unknown(
                    self,
                    "DBInstanceClassMemory is not known for this instance class",
                ),
            },
            "DBInstanceVCPU" => match self.vars.vcpus {
                Some(n) => Ok(n),
                None => unknown(self, "DBInstanceVCPU is not known for this instance class"),
            },
            w if w.eq_ignore_ascii_case("log") => {
                self.expect(b'(')?;
                let v = self.sum()?;
                self.expect(b')')?;
                if v <= 0.0 {
                    return Err(self.error("log of a number that is not positive"));
                }
                Ok(v.log2())
            }
            _ => unknown(self, &format!("unknown variable `{word}`")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

    fn with_memory(gib: f64) -> Variables {
        Variables {
            memory_bytes: Some(gib * GIB),
            vcpus: Some(2.0),
        }
    }

    #[test]
    fn plain_numbers() {
        assert_eq!(evaluate("40", &Variables::default()), Ok(40));
        assert_eq!(evaluate(" 100 ", &Variables::default()), Ok(100));
    }

    #[test]
    fn rds_postgres_default() {
        // 1 GiB / 9531392 = 112.65 → 112; 64 GiB → 7209, capped at 5000.
        let f = "LEAST({DBInstanceClassMemory/9531392},5000)";
        assert_eq!(evaluate(f, &with_memory(1.0)), Ok(112));
        assert_eq!(evaluate(f, &with_memory(64.0)), Ok(5000));
    }

    #[test]
    fn rds_mysql_default() {
        // 16 GiB / 12582880 = 1365.3 → 1365.
        assert_eq!(
            evaluate("{DBInstanceClassMemory/12582880}", &with_memory(16.0)),
            Ok(1365)
        );
    }

    #[test]
    fn aurora_mysql_default_uses_log_base_2_and_truncates() {
        // 16 GiB: 17179869184/805306368 = 21 (truncated), log2(21)·45 = 197.6 → 197;
        // 17179869184/8187281408 = 2, log2(2)·1000 = 1000. GREATEST → 1000.
        let f = "GREATEST({log(DBInstanceClassMemory/805306368)*45},{log(DBInstanceClassMemory/8187281408)*1000})";
        assert_eq!(evaluate(f, &with_memory(16.0)), Ok(1000));
    }

    #[test]
    fn arithmetic_and_functions() {
        let v = with_memory(2.0);
        assert_eq!(evaluate("SUM({DBInstanceVCPU*10},5)", &v), Ok(25));
        assert_eq!(evaluate("{(DBInstanceVCPU+2)*3-1}", &v), Ok(11));
        assert_eq!(evaluate("least(10, 20)", &v), Ok(10));
    }

    #[test]
    fn malformed_formulas_are_refused_with_a_clear_message() {
        let v = with_memory(1.0);
        let err = evaluate("LEAST({DBInstanceClassMemory/9531392},5000", &v).unwrap_err();
        assert!(
            err.contains("expected `)`") && err.contains("at its end"),
            "{err}"
        );
        let err = evaluate("{DBInstanceClassMemory/0}", &v).unwrap_err();
        assert!(err.contains("division by zero"), "{err}");
        let err = evaluate("{AllocatedStorage/1000}", &v).unwrap_err();
        assert!(err.contains("unknown variable `AllocatedStorage`"), "{err}");
        assert!(err.contains("character 2"), "{err}");
        let err = evaluate("MAX(1,2)", &v).unwrap_err();
        assert!(err.contains("`MAX` is not a function"), "{err}");
        let err = evaluate("40 connections", &v).unwrap_err();
        assert!(err.contains("unexpected text"), "{err}");
        assert!(evaluate("", &v).unwrap_err().contains("expected a number"));
        assert!(evaluate("{log(0)}", &v)
            .unwrap_err()
            .contains("not positive"));
    }

    #[test]
    fn a_formula_needs_the_memory_of_the_class() {
        let err = evaluate(
            "LEAST({DBInstanceClassMemory/9531392},5000)",
            &Variables::default(),
        )
        .unwrap_err();
        assert!(err.contains("DBInstanceClassMemory is not known"), "{err}");
    }
}
