//! `successCondition` / `failureCondition`: a small subset of the expr language Argo
//! Rollouts evaluates (`argoproj/argo-rollouts:utils/evaluate/evaluate.go:EvalCondition`,
//! `github.com/expr-lang/expr`).
//!
//! The subset, over one variable `result` (the measured value, a number):
//!
//! | form | meaning |
//! |---|---|
//! | `0.01`, `5`, `1e-3` | numbers |
//! | `result`, `result[0]` | the measurement (`result[0]` as written for a one-element Prometheus vector) |
//! | `true`, `false` | booleans |
//! | `-x`, `x * y`, `x / y`, `x + y`, `x - y` | arithmetic on numbers (floating point: `x / 0` is ±∞) |
//! | `<`, `<=`, `>`, `>=` | comparisons of numbers |
//! | `==`, `!=` | equality of two numbers or two booleans |
//! | `!x`, `not x`, `x && y`, `x and y`, `x \|\| y`, `x or y` | logic on booleans |
//! | `( … )` | grouping |
//!
//! Precedence is expr-lang's (`parser/operator`): unary `-` binds tightest, then `*` `/`,
//! `+` `-`, unary `!`/`not` (so `!result > 1` is `(!result) > 1`, a type error — write
//! `!(result > 1)`), comparisons, `&&`, `||`.
//!
//! Everything is checked when the scenario is loaded — syntax, names and types (a
//! condition must be a comparison or another boolean) — so evaluation cannot fail: a run
//! never meets an expression error. The parser is a shunting-yard over explicit stacks
//! and evaluation walks the postfix form with a value stack: no recursion, whatever the
//! nesting.

use std::fmt;

/// Longest condition accepted, in characters.
pub const MAX_LEN: usize = 2_000;

/// A parsed, type-checked condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    text: String,
    /// Postfix form.
    code: Vec<Op>,
}

/// Why a condition was refused, shown with the condition's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConditionError(String);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Bin {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
}

impl Bin {
    /// expr-lang's binary precedences.
    fn precedence(self) -> u8 {
        match self {
            Bin::Or => 10,
            Bin::And => 15,
            Bin::Eq | Bin::Ne | Bin::Lt | Bin::Le | Bin::Gt | Bin::Ge => 20,
            Bin::Add | Bin::Sub => 30,
            Bin::Mul | Bin::Div => 60,
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Bin::Or => "||",
            Bin::And => "&&",
            Bin::Eq => "==",
            Bin::Ne => "!=",
            Bin::Lt => "<",
            Bin::Le => "<=",
            Bin::Gt => ">",
            Bin::Ge => ">=",
            Bin::Add => "+",
            Bin::Sub => "-",
            Bin::Mul => "*",
            Bin::Div => "/",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Num(f64),
    Bool(bool),
    Result,
    Neg,
    Not,
    Bin(Bin),
}

/// Precedence of the prefix operators (expr-lang: `not`/`!` 50, unary `-` 90).
const NOT_PRECEDENCE: u8 = 50;
const NEG_PRECEDENCE: u8 = 90;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Num(f64),
    Bool(bool),
    Result,
    Bin(Bin),
    /// `-`: binary or unary by position.
    Minus,
    /// `+`: binary or unary by position.
    Plus,
    Not,
    Open,
    Close,
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Num(x) => write!(f, "`{x}`"),
            Token::Bool(b) => write!(f, "`{b}`"),
            Token::Result => f.write_str("`result`"),
            Token::Bin(b) => write!(f, "`{}`", b.symbol()),
            Token::Minus => f.write_str("`-`"),
            Token::Plus => f.write_str("`+`"),
            Token::Not => f.write_str("`!`"),
            Token::Open => f.write_str("`(`"),
            Token::Close => f.write_str("`)`"),
        }
    }
}

fn err<T>(message: impl Into<String>) -> Result<T, ConditionError> {
    Err(ConditionError(message.into()))
}

fn tokens(text: &str) -> Result<Vec<Token>, ConditionError> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            let start = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                i += 1;
            }
            if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
                i += 1;
                if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
                    i += 1;
                }
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
            }
            let s = &text[start..i];
            match s.parse::<f64>() {
                Ok(x) if x.is_finite() => out.push(Token::Num(x)),
                _ => return err(format!("`{s}` is not a number")),
            }
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let word = &text[start..i];
            out.push(match word {
                "result" => {
                    i = index(text, i)?;
                    Token::Result
                }
                "true" => Token::Bool(true),
                "false" => Token::Bool(false),
                "and" => Token::Bin(Bin::And),
                "or" => Token::Bin(Bin::Or),
                "not" => Token::Not,
                _ => {
                    return err(format!(
                        "unknown name `{word}`: a condition may use `result`, numbers, \
                         `true`, `false`, comparisons, arithmetic, `&&`, `||`, `!` and parentheses"
                    ));
                }
            });
            continue;
        }
        let two = b.get(i + 1).copied();
        let (token, len) = match (c, two) {
            (b'<', Some(b'=')) => (Token::Bin(Bin::Le), 2),
            (b'>', Some(b'=')) => (Token::Bin(Bin::Ge), 2),
            (b'=', Some(b'=')) => (Token::Bin(Bin::Eq), 2),
            (b'!', Some(b'=')) => (Token::Bin(Bin::Ne), 2),
            (b'&', Some(b'&')) => (Token::Bin(Bin::And), 2),
            (b'|', Some(b'|')) => (Token::Bin(Bin::Or), 2),
            (b'<', _) => (Token::Bin(Bin::Lt), 1),
            (b'>', _) => (Token::Bin(Bin::Gt), 1),
            (b'*', _) => (Token::Bin(Bin::Mul), 1),
            (b'/', _) => (Token::Bin(Bin::Div), 1),
            (b'-', _) => (Token::Minus, 1),
            (b'+', _) => (Token::Plus, 1),
            (b'!', _) => (Token::Not, 1),
            (b'(', _) => (Token::Open, 1),
            (b')', _) => (Token::Close, 1),
            (b'=', _) => return err("`=` is not an operator (compare with `==`)"),
            _ => {
                let ch = text[i..].chars().next().unwrap_or('?');
                return err(format!("unexpected `{ch}`"));
            }
        };
        out.push(token);
        i += len;
    }
    Ok(out)
}

/// After `result`: an optional `[0]`; returns the position after it.
fn index(text: &str, mut i: usize) -> Result<usize, ConditionError> {
    let b = text.as_bytes();
    let mut j = i;
    while j < b.len() && b[j].is_ascii_whitespace() {
        j += 1;
    }
    if b.get(j) != Some(&b'[') {
        return Ok(i);
    }
    let Some(close) = text[j..].find(']') else {
        return err("unclosed `[` after `result`");
    };
    let inner = text[j + 1..j + close].trim();
    if inner != "0" {
        return err(format!(
            "`result[{inner}]`: a simulated measurement is one value, only `result[0]` exists"
        ));
    }
    i = j + close + 1;
    Ok(i)
}

/// What sits on the operator stack.
#[derive(Debug, Clone, Copy)]
enum Pending {
    Open,
    Prefix(Op, u8),
    Bin(Bin),
}

impl Condition {
    /// Parses and type-checks `text`.
    pub fn parse(text: &str) -> Result<Condition, ConditionError> {
        if text.chars().count() > MAX_LEN {
            return err(format!("longer than {MAX_LEN} characters"));
        }
        let toks = tokens(text)?;
        if toks.is_empty() {
            return err("empty condition");
        }
        let mut code = Vec::with_capacity(toks.len());
        let mut stack: Vec<Pending> = Vec::new();
        let mut want_operand = true;
        for (k, tok) in toks.iter().enumerate() {
            if want_operand {
                match tok {
                    Token::Num(x) => code.push(Op::Num(*x)),
                    Token::Bool(b) => code.push(Op::Bool(*b)),
                    Token::Result => code.push(Op::Result),
                    Token::Open => {
                        stack.push(Pending::Open);
                        continue;
                    }
                    Token::Minus => {
                        stack.push(Pending::Prefix(Op::Neg, NEG_PRECEDENCE));
                        continue;
                    }
                    Token::Plus => continue,
                    Token::Not => {
                        stack.push(Pending::Prefix(Op::Not, NOT_PRECEDENCE));
                        continue;
                    }
                    other => {
                        return err(format!("expected a number or `result` before {other}"));
                    }
                }
                want_operand = false;
                continue;
            }
            let bin = match tok {
                Token::Bin(b) => *b,
                Token::Minus => Bin::Sub,
                Token::Plus => Bin::Add,
                Token::Close => {
                    loop {
                        match stack.pop() {
                            Some(Pending::Open) => break,
                            Some(p) => code.push(flush(p)),
                            None => return err("`)` without a matching `(`"),
                        }
                    }
                    continue;
                }
                other => {
                    let after = if k > 0 { " after a value" } else { "" };
                    return err(format!("expected an operator{after}, got {other}"));
                }
            };
            while let Some(&top) = stack.last() {
                let prec = match top {
                    Pending::Open => break,
                    Pending::Prefix(_, p) => p,
                    Pending::Bin(b) => b.precedence(),
                };
                // Left-associative: pop equal precedence too.
                if prec < bin.precedence() {
                    break;
                }
                stack.pop();
                code.push(flush(top));
            }
            stack.push(Pending::Bin(bin));
            want_operand = true;
        }
        if want_operand {
            return err("expected a number or `result` at the end");
        }
        while let Some(p) = stack.pop() {
            if let Pending::Open = p {
                return err("`(` is never closed");
            }
            code.push(flush(p));
        }
        check_types(&code)?;
        Ok(Condition {
            text: text.to_string(),
            code,
        })
    }

    /// The condition as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the condition holds for `result`.
    pub fn eval(&self, result: f64) -> bool {
        let mut stack: Vec<f64> = Vec::with_capacity(8);
        let truth = |b: bool| if b { 1.0 } else { 0.0 };
        for op in &self.code {
            let v = match *op {
                Op::Num(x) => x,
                Op::Bool(b) => truth(b),
                Op::Result => result,
                Op::Neg => -pop(&mut stack),
                Op::Not => truth(pop(&mut stack) == 0.0),
                Op::Bin(b) => {
                    let y = pop(&mut stack);
                    let x = pop(&mut stack);
                    match b {
                        Bin::Or => truth(x != 0.0 || y != 0.0),
                        Bin::And => truth(x != 0.0 && y != 0.0),
                        Bin::Eq => truth(x == y),
                        Bin::Ne => truth(x != y),
                        Bin::Lt => truth(x < y),
                        Bin::Le => truth(x <= y),
                        Bin::Gt => truth(x > y),
                        Bin::Ge => truth(x >= y),
                        Bin::Add => x + y,
                        Bin::Sub => x - y,
                        Bin::Mul => x * y,
                        Bin::Div => x / y,
                    }
                }
            };
            stack.push(v);
        }
        stack.pop().is_some_and(|v| v != 0.0)
    }
}

/// Type-checking made the stack shape certain; an empty pop cannot happen.
fn pop(stack: &mut Vec<f64>) -> f64 {
    stack.pop().unwrap_or(f64::NAN)
}

fn flush(p: Pending) -> Op {
    match p {
        Pending::Prefix(op, _) => op,
        Pending::Bin(b) => Op::Bin(b),
        Pending::Open => unreachable!("parentheses are matched before flushing"),
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Ty {
    Num,
    Bool,
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Ty::Num => "a number",
            Ty::Bool => "true or false",
        })
    }
}

fn check_types(code: &[Op]) -> Result<(), ConditionError> {
    let mut stack: Vec<Ty> = Vec::with_capacity(8);
    for op in code {
        let ty = match *op {
            Op::Num(_) | Op::Result => Ty::Num,
            Op::Bool(_) => Ty::Bool,
            Op::Neg | Op::Not => {
                let (want, sym) = if *op == Op::Neg {
                    (Ty::Num, "-")
                } else {
                    (Ty::Bool, "!")
                };
                let got = stack.pop().unwrap_or(want);
                if got != want {
                    return err(format!("`{sym}` needs {want}, got {got}"));
                }
                want
            }
            Op::Bin(b) => {
                let y = stack.pop().unwrap_or(Ty::Num);
                let x = stack.pop().unwrap_or(Ty::Num);
                let (operands, out) = match b {
                    Bin::Or | Bin::And => (Some(Ty::Bool), Ty::Bool),
                    Bin::Eq | Bin::Ne => (None, Ty::Bool),
                    Bin::Lt | Bin::Le | Bin::Gt | Bin::Ge => (Some(Ty::Num), Ty::Bool),
                    Bin::Add | Bin::Sub | Bin::Mul | Bin::Div => (Some(Ty::Num), Ty::Num),
                };
                let ok = match operands {
                    Some(t) => x == t && y == t,
                    None => x == y,
                };
                if !ok {
                    let want = operands.map_or("two values of one kind".to_string(), |t| {
                        format!("{t} on both sides")
                    });
                    return err(format!("`{}` needs {want}, got {x} and {y}", b.symbol()));
                }
                out
            }
        };
        stack.push(ty);
    }
    match stack.as_slice() {
        [Ty::Bool] => Ok(()),
        [Ty::Num] => err(
            "a condition must be true or false (a comparison such as `result < 0.01`), got a number",
        ),
        _ => err("not a single expression"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holds(text: &str, result: f64) -> bool {
        Condition::parse(text)
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .eval(result)
    }

    fn refused(text: &str) -> String {
        Condition::parse(text).unwrap_err().to_string()
    }

    #[test]
    fn comparisons_and_logic() {
        assert!(holds("result < 0.01", 0.005));
        assert!(!holds("result < 0.01", 0.01));
        assert!(holds("result <= 0.01", 0.01));
        assert!(holds("result[0] >= 0.95", 0.99));
        assert!(holds("result > 1 && result < 3", 2.0));
        assert!(!holds("result > 1 and result < 3", 3.0));
        assert!(holds("result < 1 || result > 3", 4.0));
        assert!(holds("not (result == 2)", 3.0));
        assert!(holds("!(result != 2)", 2.0));
        assert!(holds("true", 0.0));
        assert!(holds("(result > 1) == false", 0.5));
    }

    #[test]
    fn precedence_is_expr_langs() {
        // * before +, + before comparison, && before ||.
        assert!(holds("1 + 2 * result == 7", 3.0));
        assert!(holds("(1 + 2) * result == 9", 3.0));
        assert!(holds("result * 100 < 5", 0.04));
        assert!(holds("-result < -1", 2.0));
        assert!(holds("1 - 2 - 3 == -4", 0.0));
        assert!(holds("8 / 4 / 2 == 1", 0.0));
        assert!(holds("false && false || true", 0.0));
        assert!(!holds("false && (false || true)", 0.0));
        assert!(holds("1e-3 < result", 0.01));
    }

    #[test]
    fn arithmetic_is_floating_point_and_never_fails() {
        // Division by zero: +∞; NaN compares false.
        assert!(holds("1 / result > 1000", 0.0));
        assert!(!holds("result / result < 1", 0.0));
        assert!(!holds("result / result >= 1", 0.0));
    }

    #[test]
    fn load_time_errors() {
        assert_eq!(
            refused("result"),
            "a condition must be true or false (a comparison such as `result < 0.01`), got a number"
        );
        assert_eq!(
            refused("result <"),
            "expected a number or `result` at the end"
        );
        assert_eq!(refused("(result < 1"), "`(` is never closed");
        assert_eq!(refused("result < 1)"), "`)` without a matching `(`");
        assert_eq!(
            refused("!result > 1"),
            "`!` needs true or false, got a number"
        );
        assert_eq!(
            refused("result < 1 < 2"),
            "`<` needs a number on both sides, got true or false and a number"
        );
        assert_eq!(
            refused("result == true"),
            "`==` needs two values of one kind, got a number and true or false"
        );
        assert!(refused("len(result) > 0").starts_with("unknown name `len`"));
        assert_eq!(
            refused("result[1] > 0"),
            "`result[1]`: a simulated measurement is one value, only `result[0]` exists"
        );
        assert_eq!(
            refused("result = 1"),
            "`=` is not an operator (compare with `==`)"
        );
        assert_eq!(
            refused("result 1"),
            "expected an operator after a value, got `1`"
        );
        assert_eq!(refused("< 1"), "expected a number or `result` before `<`");
        assert_eq!(refused(""), "empty condition");
        assert_eq!(refused("1.2.3 > 0"), "`1.2.3` is not a number");
        assert_eq!(refused("result # 2"), "unexpected `#`");
    }

    /// Deep nesting is fine (no recursion) and evaluates correctly.
    #[test]
    fn deep_nesting_uses_no_recursion() {
        let depth = 900;
        let text = format!("{}result < 1{}", "(".repeat(depth), ")".repeat(depth));
        assert!(holds(&text, 0.5));
        let nots = format!("{}(result < 1)", "!".repeat(1001));
        assert!(holds(&nots, 2.0));
        assert_eq!(
            refused(&"(".repeat(MAX_LEN + 1)),
            format!("longer than {MAX_LEN} characters")
        );
    }
}
