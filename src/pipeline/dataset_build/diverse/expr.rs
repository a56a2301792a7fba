//! Typed expressions and literals of the diverse generator. Every expression is safe by
//! construction: indexing only into values known non-empty, dict lookups only of known keys,
//! division and modulo only by non-zero literals.

use rand::seq::SliceRandom;
use rand::Rng;

use super::names;
use super::scope::Ty;
use super::Gen;

/// An expression and what is known about its value.
#[derive(Debug, Clone)]
pub struct Expr {
    pub text: String,
    /// At least one element (sized types).
    pub nonempty: bool,
    /// Keys known to be in the dict it makes.
    pub keys: Vec<String>,
}

impl Expr {
    fn new(text: String, nonempty: bool) -> Self {
        Self {
            text,
            nonempty,
            keys: Vec::new(),
        }
    }
}

/// Whether an expression needs no parentheses as an operand: nothing outside brackets and
/// quotes but a name, call, literal or subscript.
pub fn atomic(text: &str) -> bool {
    let (mut depth, mut quote) = (0i32, None);
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, ' ') if depth == 0 => return false,
            _ => {}
        }
    }
    !text.starts_with('-')
}

fn paren(text: String) -> String {
    if atomic(&text) {
        text
    } else {
        format!("({text})")
    }
}

impl Gen<'_> {
    /// An int literal: small, multi-digit, large or negative.
    pub fn int_lit(&mut self) -> String {
        let v: i64 = match self.rng.gen_range(0..10) {
            0..=3 => self.rng.gen_range(0..=12),
            4..=5 => self.rng.gen_range(-999..=999),
            6 => self.rng.gen_range(100..=99_999),
            7 => self.rng.gen_range(-30..=-1),
            _ => self.rng.gen_range(10..=99),
        };
        v.to_string()
    }

    /// A small positive int literal (a divisor, a repeat count, a range bound).
    pub fn small(&mut self, lo: i64, hi: i64) -> String {
        self.rng.gen_range(lo..=hi).to_string()
    }

    /// A float literal such as `3.25`, `-0.5` or `120.0`.
    pub fn float_lit(&mut self) -> String {
        let whole: i64 = if self.rng.gen_bool(0.7) {
            self.rng.gen_range(0..=20)
        } else {
            self.rng.gen_range(0..=999)
        };
        let frac = ["0", "5", "25", "75", "125", "1", "2", "05", "375", "9"]
            .choose(self.rng)
            .copied()
            .unwrap_or("5");
        let sign = if self.rng.gen_bool(0.2) { "-" } else { "" };
        format!("{sign}{whole}.{frac}")
    }

    /// A string literal (never empty).
    pub fn str_lit(&mut self) -> String {
        format!("'{}'", names::text(self.rng))
    }

    /// A one-letter string literal.
    pub fn char_lit(&mut self) -> String {
        let s = names::letters(self.rng, 1, false);
        format!("'{s}'")
    }

    /// A literal of type `ty` (non-empty for sized types unless an empty one is drawn).
    pub fn literal(&mut self, ty: Ty) -> Expr {
        match ty {
            Ty::Int => Expr::new(self.int_lit(), false),
            Ty::Float => Expr::new(self.float_lit(), false),
            Ty::Bool => Expr::new(
                if self.rng.gen_bool(0.5) {
                    "True"
                } else {
                    "False"
                }
                .into(),
                false,
            ),
            Ty::Str => Expr::new(self.str_lit(), true),
            Ty::IntList => {
                let n = self.rng.gen_range(0..=6usize);
                let n = if n == 0 && self.rng.gen_bool(0.7) {
                    3
                } else {
                    n
                };
                let items: Vec<String> = (0..n).map(|_| self.int_lit()).collect();
                Expr::new(format!("[{}]", items.join(", ")), n > 0)
            }
            Ty::StrList => {
                let n = self.rng.gen_range(1..=5usize);
                let items: Vec<String> = (0..n)
                    .map(|_| format!("'{}'", names::word(self.rng)))
                    .collect();
                Expr::new(format!("[{}]", items.join(", ")), true)
            }
            Ty::Dict => {
                let n = self.rng.gen_range(1..=4usize);
                let mut keys: Vec<String> = Vec::new();
                while keys.len() < n {
                    let k = names::word(self.rng);
                    if !keys.contains(&k) {
                        keys.push(k);
                    }
                }
                let items: Vec<String> = keys
                    .iter()
                    .map(|k| format!("'{k}': {}", self.int_lit()))
                    .collect();
                Expr {
                    text: format!("{{{}}}", items.join(", ")),
                    nonempty: true,
                    keys,
                }
            }
            Ty::IntSet => {
                let n = self.rng.gen_range(1..=5usize);
                let items: Vec<String> = (0..n).map(|_| self.small(-9, 30)).collect();
                Expr::new(format!("{{{}}}", items.join(", ")), true)
            }
        }
    }

    /// A variable of type `ty` or a literal. A condition without a bool variable compares a
    /// variable with a literal rather than being `True` or `False`.
    pub fn atom(&mut self, ty: Ty) -> Expr {
        if self.rng.gen_bool(0.75) {
            if let Some(v) = self.pick(ty, false, false) {
                return Expr {
                    text: v.name,
                    nonempty: v.nonempty,
                    keys: v.keys,
                };
            }
        }
        if ty == Ty::Bool && self.rng.gen_bool(0.9) {
            let sized = *[Ty::Str, Ty::IntList, Ty::StrList, Ty::Dict]
                .choose(self.rng)
                .unwrap_or(&Ty::Str);
            let op = ["<", ">", "<=", ">=", "==", "!="]
                .choose(self.rng)
                .copied()
                .unwrap_or("<");
            if let Some(v) = self.pick(Ty::Int, false, false) {
                return Expr::new(format!("{} {op} {}", v.name, self.int_lit()), false);
            }
            if let Some(v) = self.pick(sized, false, false) {
                return Expr::new(format!("len({}) {op} {}", v.name, self.small(0, 5)), false);
            }
        }
        self.literal(ty)
    }

    /// An expression of type `ty`, at most `depth` operators deep.
    pub fn expr(&mut self, ty: Ty, depth: usize) -> Expr {
        if depth == 0 || self.rng.gen_bool(0.3) {
            return self.atom(ty);
        }
        for _ in 0..8 {
            let found = match ty {
                Ty::Int => self.int_expr(depth),
                Ty::Float => self.float_expr(depth),
                Ty::Bool => self.bool_expr(depth),
                Ty::Str => self.str_expr(depth),
                Ty::IntList => self.int_list_expr(depth),
                Ty::StrList => self.str_list_expr(depth),
                Ty::Dict => self.dict_expr(depth),
                Ty::IntSet => self.set_expr(depth),
            };
            if let Some(e) = found {
                return e;
            }
        }
        self.atom(ty)
    }

    /// An operand: an expression, parenthesised unless atomic.
    pub fn operand(&mut self, ty: Ty, depth: usize) -> String {
        let e = self.expr(ty, depth);
        paren(e.text)
    }

    /// The name of a variable of `ty` (non-empty when asked).
    fn name_of(&mut self, ty: Ty, nonempty: bool) -> Option<String> {
        self.pick(ty, nonempty, false).map(|v| v.name)
    }

    /// A call of a function defined earlier that returns `ty`.
    pub fn call(&mut self, ty: Ty, depth: usize) -> Option<Expr> {
        let found: Vec<_> = self
            .scope
            .funcs
            .iter()
            .filter(|f| f.ret == ty)
            .cloned()
            .collect();
        let f = found.choose(self.rng)?.clone();
        let omit = self.rng.gen_range(0..=f.defaults);
        let args: Vec<String> = f.params[..f.params.len() - omit]
            .iter()
            .map(|(_, t)| self.expr(*t, depth.saturating_sub(1)).text)
            .collect();
        Some(Expr::new(format!("{}({})", f.name, args.join(", ")), false))
    }

    fn int_expr(&mut self, d: usize) -> Option<Expr> {
        let d1 = d - 1;
        let text = match self.rng.gen_range(0..16) {
            0 | 1 => {
                let op = ["+", "-", "+", "-", "*"].choose(self.rng).copied()?;
                let a = self.operand(Ty::Int, d1);
                let b = if op == "*" {
                    self.small(2, 9)
                } else {
                    self.operand(Ty::Int, d1)
                };
                format!("{a} {op} {b}")
            }
            2 => {
                let op = ["//", "%"].choose(self.rng).copied()?;
                format!("{} {op} {}", self.operand(Ty::Int, d1), self.small(2, 10))
            }
            3 => format!("abs({})", self.expr(Ty::Int, d1).text),
            4 => {
                let f = ["min", "max"].choose(self.rng).copied()?;
                format!(
                    "{f}({}, {})",
                    self.expr(Ty::Int, d1).text,
                    self.expr(Ty::Int, d1).text
                )
            }
            5 => {
                let ty =
                    *[Ty::Str, Ty::IntList, Ty::StrList, Ty::Dict, Ty::IntSet].choose(self.rng)?;
                format!("len({})", self.name_of(ty, false)?)
            }
            6 => format!("sum({})", self.name_of(Ty::IntList, false)?),
            7 => {
                let s = self.name_of(Ty::Str, false)?;
                let m = ["count", "find"].choose(self.rng).copied()?;
                format!("{s}.{m}({})", self.char_lit())
            }
            8 => return self.call(Ty::Int, d),
            9 => {
                let f = ["round", "int"].choose(self.rng).copied()?;
                format!("{f}({})", self.expr(Ty::Float, d1).text)
            }
            10 => {
                let l = self.name_of(Ty::IntList, true)?;
                let at = ["0", "-1", "0", "len(L) // 2"].choose(self.rng).copied()?;
                format!("{l}[{}]", at.replace('L', &l))
            }
            11 => {
                let l = self.name_of(Ty::IntList, true)?;
                let f = ["max", "min"].choose(self.rng).copied()?;
                format!("{f}({l})")
            }
            12 => {
                if self.rng.gen_bool(0.5) {
                    let (d, k) = self.scope.dict_key(self.rng)?;
                    format!("{d}['{k}']")
                } else {
                    let d = self.name_of(Ty::Dict, false)?;
                    format!("{d}.get('{}', {})", names::word(self.rng), self.small(0, 9))
                }
            }
            13 => {
                let c = self.expr(Ty::Bool, d1).text;
                let a = self.operand(Ty::Int, d1);
                let b = self.operand(Ty::Int, d1);
                format!("{a} if {c} else {b}")
            }
            14 => {
                let s = self.name_of(Ty::Str, true)?;
                format!("ord({s}[0])")
            }
            _ => {
                // Only a loop variable or a small literal is squared: a variable squared on
                // every pass of a loop would double its digits each time.
                let base = self
                    .scope
                    .vars
                    .iter()
                    .filter(|v| v.ty == Ty::Int && v.frozen)
                    .map(|v| v.name.clone())
                    .collect::<Vec<_>>()
                    .choose(self.rng)
                    .cloned()
                    .unwrap_or_else(|| self.small(2, 12));
                format!("{base} ** {}", self.small(2, 3))
            }
        };
        Some(Expr::new(text, false))
    }

    fn float_expr(&mut self, d: usize) -> Option<Expr> {
        let d1 = d - 1;
        let text = match self.rng.gen_range(0..7) {
            0 => format!("{} / {}", self.operand(Ty::Int, d1), self.small(2, 8)),
            1 => {
                let op = ["+", "-", "*"].choose(self.rng).copied()?;
                format!(
                    "{} {op} {}",
                    self.operand(Ty::Float, d1),
                    self.operand(Ty::Float, d1)
                )
            }
            2 => format!("float({})", self.expr(Ty::Int, d1).text),
            3 => format!(
                "round({}, {})",
                self.expr(Ty::Float, d1).text,
                self.small(1, 3)
            ),
            4 => {
                let l = self.name_of(Ty::IntList, true)?;
                format!("sum({l}) / len({l})")
            }
            5 => return self.call(Ty::Float, d),
            _ => format!("abs({})", self.expr(Ty::Float, d1).text),
        };
        Some(Expr::new(text, false))
    }

    fn bool_expr(&mut self, d: usize) -> Option<Expr> {
        let d1 = d - 1;
        let text = match self.rng.gen_range(0..11) {
            0 | 1 => {
                let op = ["<", ">", "<=", ">=", "==", "!="]
                    .choose(self.rng)
                    .copied()?;
                format!(
                    "{} {op} {}",
                    self.operand(Ty::Int, d1),
                    self.operand(Ty::Int, d1)
                )
            }
            2 => {
                let ty = *[Ty::IntList, Ty::IntSet].choose(self.rng)?;
                let c = self.name_of(ty, false)?;
                format!("{} in {c}", self.operand(Ty::Int, d1))
            }
            3 => {
                let s = self.name_of(Ty::Str, false)?;
                format!("{} in {s}", self.char_lit())
            }
            4 => {
                let s = self.name_of(Ty::Str, false)?;
                let m = ["isdigit", "isalpha", "isupper", "islower"]
                    .choose(self.rng)
                    .copied()?;
                format!("{s}.{m}()")
            }
            5 => {
                let s = self.name_of(Ty::Str, false)?;
                let m = ["startswith", "endswith"].choose(self.rng).copied()?;
                format!("{s}.{m}({})", self.char_lit())
            }
            6 => format!("not {}", self.operand(Ty::Bool, d1)),
            7 => {
                let op = ["and", "or"].choose(self.rng).copied()?;
                format!(
                    "{} {op} {}",
                    self.operand(Ty::Bool, d1),
                    self.operand(Ty::Bool, d1)
                )
            }
            8 => {
                let d = self.name_of(Ty::Dict, false)?;
                format!("'{}' in {d}", names::word(self.rng))
            }
            9 => format!("{} % 2 == 0", self.operand(Ty::Int, d1)),
            _ => {
                let ty = *[Ty::Str, Ty::IntList, Ty::StrList].choose(self.rng)?;
                format!("len({}) > {}", self.name_of(ty, false)?, self.small(0, 5))
            }
        };
        Some(Expr::new(text, false))
    }

    fn str_expr(&mut self, d: usize) -> Option<Expr> {
        let d1 = d - 1;
        let e = match self.rng.gen_range(0..12) {
            0 | 1 => {
                let a = self.expr(Ty::Str, d1);
                let b = self.expr(Ty::Str, d1);
                Expr::new(format!("{} + {}", paren(a.text), paren(b.text)), true)
            }
            2 => {
                let a = self.expr(Ty::Str, d1);
                let m = ["upper", "lower", "title", "capitalize", "swapcase"]
                    .choose(self.rng)
                    .copied()?;
                Expr::new(format!("{}.{m}()", paren(a.text)), a.nonempty)
            }
            3 => {
                let a = self.expr(Ty::Str, d1);
                Expr::new(format!("{}[::-1]", paren(a.text)), a.nonempty)
            }
            4 => {
                let s = self.name_of(Ty::Str, false)?;
                let slice = [
                    format!("{}:", self.small(1, 3)),
                    format!(":{}", self.small(1, 4)),
                    format!("{}:{}", self.small(0, 2), self.small(2, 5)),
                    "::2".to_string(),
                ]
                .choose(self.rng)?
                .clone();
                Expr::new(format!("{s}[{slice}]"), false)
            }
            5 => {
                let s = self.name_of(Ty::Str, true)?;
                let at = ["0", "-1"].choose(self.rng).copied()?;
                Expr::new(format!("{s}[{at}]"), true)
            }
            6 => {
                let a = self.expr(Ty::Str, d1);
                let (x, y) = (self.char_lit(), self.char_lit());
                Expr::new(format!("{}.replace({x}, {y})", paren(a.text)), a.nonempty)
            }
            7 => Expr::new(format!("str({})", self.expr(Ty::Int, d1).text), true),
            8 => {
                let l = self.pick(Ty::StrList, false, false)?;
                let sep = ["' '", "', '", "'-'", "''", "'/'"]
                    .choose(self.rng)
                    .copied()?;
                Expr::new(format!("{sep}.join({})", l.name), l.nonempty && sep != "''")
            }
            9 => {
                let a = self.expr(Ty::Str, d1);
                Expr::new(
                    format!("{} * {}", paren(a.text), self.small(2, 3)),
                    a.nonempty,
                )
            }
            10 => {
                let a = self.name_of(Ty::Int, false)?;
                let b = self.name_of(Ty::Str, false)?;
                Expr::new(format!("f'{{{b}}}:{{{a}}}'"), true)
            }
            _ => return self.call(Ty::Str, d),
        };
        Some(e)
    }

    fn int_list_expr(&mut self, d: usize) -> Option<Expr> {
        let d1 = d - 1;
        let x = self.scope.fresh(self.rng);
        let e = match self.rng.gen_range(0..11) {
            0 => {
                let l = self.expr(Ty::IntList, d1);
                let rev = if self.rng.gen_bool(0.3) {
                    ", reverse=True"
                } else {
                    ""
                };
                Expr::new(format!("sorted({}{rev})", l.text), l.nonempty)
            }
            1 => {
                let l = self.name_of(Ty::IntList, false)?;
                let slice = [
                    format!("{}:", self.small(1, 2)),
                    format!(":{}", self.small(1, 3)),
                    "::-1".to_string(),
                ]
                .choose(self.rng)?
                .clone();
                Expr::new(format!("{l}[{slice}]"), false)
            }
            2 => {
                let l = self.expr(Ty::IntList, d1);
                Expr::new(
                    format!("{} + [{}]", paren(l.text), self.expr(Ty::Int, d1).text),
                    true,
                )
            }
            3 => {
                let n: i64 = self.rng.gen_range(1..=7);
                if self.rng.gen_bool(0.5) {
                    Expr::new(format!("list(range({n}))"), true)
                } else {
                    let a: i64 = self.rng.gen_range(-5..=5);
                    Expr::new(format!("list(range({a}, {}))", a + n), true)
                }
            }
            4 | 5 => {
                let l = self.pick(Ty::IntList, false, false)?;
                let map = [
                    format!("{x} * {}", self.small(2, 5)),
                    format!("{x} + {}", self.int_lit()),
                    format!("{x} % {}", self.small(2, 7)),
                    format!("{x} * {x}"),
                    format!("abs({x})"),
                    format!("-{x}"),
                    format!("{x} // {}", self.small(2, 4)),
                ]
                .choose(self.rng)?
                .clone();
                if self.rng.gen_bool(0.5) {
                    Expr::new(format!("[{map} for {x} in {}]", l.name), l.nonempty)
                } else {
                    let cond = [
                        format!("{x} > {}", self.int_lit()),
                        format!("{x} % 2 == 0"),
                        format!("{x} != {}", self.small(0, 9)),
                        format!("{x} < {}", self.int_lit()),
                    ]
                    .choose(self.rng)?
                    .clone();
                    let out = if self.rng.gen_bool(0.5) {
                        x.clone()
                    } else {
                        map
                    };
                    Expr::new(format!("[{out} for {x} in {} if {cond}]", l.name), false)
                }
            }
            6 => {
                let l = self.pick(Ty::StrList, false, false)?;
                Expr::new(format!("[len({x}) for {x} in {}]", l.name), l.nonempty)
            }
            7 => {
                let d = self.pick(Ty::Dict, false, false)?;
                Expr::new(format!("list({}.values())", d.name), d.nonempty)
            }
            8 => {
                let a = self.pick(Ty::IntList, false, false)?;
                let b = self.pick(Ty::IntList, false, false)?;
                let y = format!("{x}_{}", self.small(1, 9));
                Expr::new(
                    format!("[{x} + {y} for {x}, {y} in zip({}, {})]", a.name, b.name),
                    a.nonempty && b.nonempty,
                )
            }
            9 => {
                let s = self.pick(Ty::IntSet, false, false)?;
                Expr::new(format!("sorted({})", s.name), s.nonempty)
            }
            _ => return self.call(Ty::IntList, d),
        };
        Some(e)
    }

    fn str_list_expr(&mut self, d: usize) -> Option<Expr> {
        let d1 = d - 1;
        let x = self.scope.fresh(self.rng);
        let e = match self.rng.gen_range(0..8) {
            0 | 1 => {
                let s = self.expr(Ty::Str, d1);
                let sep = ["' '", "','", "'-'", "'a'", "'e'"]
                    .choose(self.rng)
                    .copied()?;
                Expr::new(format!("{}.split({sep})", paren(s.text)), true)
            }
            2 => {
                let s = self.expr(Ty::Str, d1);
                Expr::new(format!("list({})", s.text), s.nonempty)
            }
            3 => {
                let l = self.expr(Ty::StrList, d1);
                Expr::new(format!("sorted({})", l.text), l.nonempty)
            }
            4 => {
                let l = self.pick(Ty::StrList, false, false)?;
                let m = ["upper", "lower", "strip", "title"]
                    .choose(self.rng)
                    .copied()?;
                Expr::new(format!("[{x}.{m}() for {x} in {}]", l.name), l.nonempty)
            }
            5 => {
                let l = self.pick(Ty::StrList, false, false)?;
                let cond = [
                    format!("len({x}) > {}", self.small(1, 5)),
                    format!("{x}.startswith({})", self.char_lit()),
                    format!("{} in {x}", self.char_lit()),
                ]
                .choose(self.rng)?
                .clone();
                Expr::new(format!("[{x} for {x} in {} if {cond}]", l.name), false)
            }
            6 => {
                let d = self.pick(Ty::Dict, false, false)?;
                Expr::new(format!("list({})", d.name), d.nonempty)
            }
            _ => return self.call(Ty::StrList, d),
        };
        Some(e)
    }

    fn dict_expr(&mut self, d: usize) -> Option<Expr> {
        let x = self.scope.fresh(self.rng);
        let e = match self.rng.gen_range(0..4) {
            0 => {
                let l = self.pick(Ty::StrList, false, false)?;
                Expr::new(
                    format!("{{{x}: len({x}) for {x} in {}}}", l.name),
                    l.nonempty,
                )
            }
            1 => {
                let a = self.pick(Ty::StrList, false, false)?;
                let b = self.pick(Ty::IntList, false, false)?;
                Expr::new(
                    format!("dict(zip({}, {}))", a.name, b.name),
                    a.nonempty && b.nonempty,
                )
            }
            2 => {
                let src = self.pick(Ty::Dict, false, false)?;
                let v = self.scope.fresh(self.rng);
                let v = if v == x { format!("{v}2") } else { v };
                let map = [
                    format!("{v} * 2"),
                    format!("{v} + {}", self.int_lit()),
                    format!("-{v}"),
                ]
                .choose(self.rng)?
                .clone();
                Expr {
                    text: format!("{{{x}: {map} for {x}, {v} in {}.items()}}", src.name),
                    nonempty: src.nonempty,
                    keys: src.keys,
                }
            }
            _ => {
                let _ = d;
                let src = self.pick(Ty::Dict, false, false)?;
                Expr {
                    text: format!("dict({})", src.name),
                    nonempty: src.nonempty,
                    keys: src.keys,
                }
            }
        };
        Some(e)
    }

    fn set_expr(&mut self, d: usize) -> Option<Expr> {
        let x = self.scope.fresh(self.rng);
        let e = match self.rng.gen_range(0..4) {
            0 => {
                let l = self.expr(Ty::IntList, d - 1);
                Expr::new(format!("set({})", l.text), l.nonempty)
            }
            1 => {
                let l = self.pick(Ty::IntList, false, false)?;
                Expr::new(
                    format!("{{{x} % {} for {x} in {}}}", self.small(2, 6), l.name),
                    l.nonempty,
                )
            }
            2 => {
                let a = self.pick(Ty::IntSet, false, false)?;
                let b = self.pick(Ty::IntSet, false, false)?;
                let op = ["|", "&", "-"].choose(self.rng).copied()?;
                Expr::new(
                    format!("{} {op} {}", a.name, b.name),
                    op == "|" && (a.nonempty || b.nonempty),
                )
            }
            _ => return self.call(Ty::IntSet, d),
        };
        Some(e)
    }
}
