//! Statements of the diverse generator: assignments, augmented assignments, container methods,
//! unpacking and swaps, prints, calls, `if/elif/else`, `for` over ranges, lists, strings and
//! dict items, `while` loops that always end, accumulator loops, `break`/`continue` and early
//! returns, nested up to the configured depth.
//!
//! Facts about a variable (non-empty, known keys) only get stronger inside a block, and a block
//! restores the facts it started with when it closes, so code after an `if` or a loop never
//! relies on what the block may not have done.

use rand::seq::SliceRandom;
use rand::Rng;

use super::expr::Expr;
use super::scope::{var, Ty};
use super::Gen;

impl Gen<'_> {
    /// Write a line at the current indentation.
    pub fn emit(&mut self, line: String) {
        self.lines
            .push(format!("{}{line}", "    ".repeat(self.indent)));
    }

    /// Open a block under `header`, write its body, close it and restore the facts of the
    /// variables in scope. `loop_continue` is `Some(may_continue)` for a loop body.
    pub fn block(
        &mut self,
        header: String,
        loop_continue: Option<bool>,
        body: impl FnOnce(&mut Self),
    ) {
        self.emit(header);
        let saved = self.scope.vars.clone();
        self.indent += 1;
        self.block_depth += 1;
        if let Some(c) = loop_continue {
            self.loops.push(c);
        }
        let before = self.lines.len();
        body(self);
        if self.lines.len() == before {
            self.emit("pass".into());
        }
        if loop_continue.is_some() {
            self.loops.pop();
        }
        self.indent -= 1;
        self.block_depth -= 1;
        self.scope.vars = saved;
    }

    /// `n` statements.
    pub fn statements(&mut self, n: usize) {
        for _ in 0..n {
            self.statement();
        }
    }

    /// Whether another block may open here.
    fn may_nest(&self, levels: usize) -> bool {
        self.indent + levels <= self.cfg.max_depth
    }

    /// One statement of any kind allowed here.
    pub fn statement(&mut self) {
        for _ in 0..12 {
            let done = match self.rng.gen_range(0..22) {
                0..=3 => self.assign(),
                4..=5 => self.aug_assign(),
                6..=7 => self.container_op(),
                8 => self.dict_op(),
                9..=10 => self.print(),
                11 => self.unpack(),
                12..=13 => self.may_nest(1) && self.if_else(),
                14..=15 => self.may_nest(1) && self.for_loop(),
                16 => self.may_nest(1) && self.while_loop(),
                17..=18 => self.may_nest(1) && self.accumulate(),
                19 => !self.loops.is_empty() && self.may_nest(1) && self.loop_exit(),
                20 => self.ret.is_some() && self.block_depth > 0 && self.early_return(),
                _ => self.call_stmt(),
            };
            if done {
                return;
            }
        }
        self.assign();
    }

    /// A type for a new value, ints and strings most often.
    pub fn pick_ty(&mut self) -> Ty {
        *[
            Ty::Int,
            Ty::Int,
            Ty::Int,
            Ty::Str,
            Ty::Str,
            Ty::IntList,
            Ty::IntList,
            Ty::StrList,
            Ty::Dict,
            Ty::Float,
            Ty::Bool,
            Ty::IntSet,
        ]
        .choose(self.rng)
        .unwrap_or(&Ty::Int)
    }

    /// A value to store: a bare variable of a mutable type becomes a copy, so no two names
    /// share one list, dict or set (a loop over one could grow it through the other).
    pub fn stored(&mut self, ty: Ty, e: Expr) -> Expr {
        let mutable = matches!(ty, Ty::IntList | Ty::StrList | Ty::Dict | Ty::IntSet);
        if !mutable || !self.scope.vars.iter().any(|v| v.name == e.text) {
            return e;
        }
        let text = match (ty, self.rng.gen_range(0..3)) {
            (Ty::Dict, 0) => format!("dict({})", e.text),
            (Ty::IntSet, _) => format!("set({})", e.text),
            (Ty::IntList | Ty::StrList, 0) => format!("list({})", e.text),
            (Ty::IntList | Ty::StrList, 1) => format!("{}[:]", e.text),
            _ => format!("{}.copy()", e.text),
        };
        Expr { text, ..e }
    }

    /// Bind `name` to a stored value (a new variable, or a rebinding).
    fn bind_value(&mut self, name: String, ty: Ty, e: &Expr) {
        self.scope.bind(var(name, ty, e.nonempty, e.keys.clone()));
    }

    /// `name = EXPR`, to a new variable or (never weakening what is known) an existing one.
    pub fn assign(&mut self) -> bool {
        let ty = self.pick_ty();
        let e = if self.rng.gen_bool(0.15) {
            self.empty(ty)
        } else {
            let depth = self.rng.gen_range(1..=2);
            let e = self.expr(ty, depth);
            self.stored(ty, e)
        };
        // No rebinding inside a loop (`s = s + s` would grow without bound); a new name instead.
        let target = if self.loops.is_empty() && self.rng.gen_bool(0.3) {
            self.pick(ty, false, true)
        } else {
            None
        };
        let name = match target {
            Some(v)
                if self.block_depth == 0
                    || (e.nonempty >= v.nonempty && v.keys.iter().all(|k| e.keys.contains(k))) =>
            {
                v.name
            }
            _ => self.scope.fresh(self.rng),
        };
        self.emit(format!("{name} = {}", e.text));
        self.bind_value(name, ty, &e);
        true
    }

    /// An empty (or zero) start value of a type.
    pub fn empty(&mut self, ty: Ty) -> Expr {
        let text = match ty {
            Ty::Int => "0",
            Ty::Float => "0.0",
            Ty::Bool => "False",
            Ty::Str => "''",
            Ty::IntList | Ty::StrList => "[]",
            Ty::Dict => "{}",
            Ty::IntSet => "set()",
        };
        Expr {
            text: text.into(),
            nonempty: false,
            keys: Vec::new(),
        }
    }

    /// `x += E`, `s += E`, `n //= K` and the like.
    fn aug_assign(&mut self) -> bool {
        let ty = *[Ty::Int, Ty::Int, Ty::Float, Ty::Str, Ty::IntList]
            .choose(self.rng)
            .unwrap_or(&Ty::Int);
        let Some(v) = self.pick(ty, false, true) else {
            return false;
        };
        let line = match ty {
            Ty::Int => match self.rng.gen_range(0..6) {
                0 | 1 => format!("{} += {}", v.name, self.expr(Ty::Int, 1).text),
                2 => format!("{} -= {}", v.name, self.expr(Ty::Int, 1).text),
                3 => format!("{} *= {}", v.name, self.small(2, 3)),
                4 => format!("{} //= {}", v.name, self.small(2, 5)),
                _ => format!("{} %= {}", v.name, self.small(2, 9)),
            },
            Ty::Float => format!("{} += {}", v.name, self.expr(Ty::Float, 1).text),
            Ty::Str => {
                // In a loop, a string grows by a literal: `s += s` would double it each pass.
                let e = if self.loops.is_empty() {
                    self.expr(Ty::Str, 1)
                } else {
                    self.literal(Ty::Str)
                };
                if let Some(s) = self.scope.get_mut(&v.name) {
                    s.nonempty |= e.nonempty;
                }
                format!("{} += {}", v.name, e.text)
            }
            _ => {
                let e = self.expr(Ty::Int, 1);
                if let Some(s) = self.scope.get_mut(&v.name) {
                    s.nonempty = true;
                }
                format!("{} += [{}]", v.name, e.text)
            }
        };
        self.emit(line);
        true
    }

    /// A list or set method call.
    fn container_op(&mut self) -> bool {
        let ty = *[Ty::IntList, Ty::IntList, Ty::StrList, Ty::IntSet]
            .choose(self.rng)
            .unwrap_or(&Ty::IntList);
        let Some(v) = self.pick(ty, false, true) else {
            return false;
        };
        let elem = if ty == Ty::StrList { Ty::Str } else { Ty::Int };
        let n = v.name.clone();
        let straight = self.block_depth == 0;
        let (line, grows) = match (ty, self.rng.gen_range(0..8)) {
            (Ty::IntSet, 0..=3) => (format!("{n}.add({})", self.expr(Ty::Int, 1).text), true),
            (Ty::IntSet, _) => (
                format!("{n}.discard({})", self.expr(Ty::Int, 1).text),
                false,
            ),
            (_, 0 | 1) => (format!("{n}.append({})", self.expr(elem, 1).text), true),
            (_, 2) => {
                let items = self.literal(if elem == Ty::Int {
                    Ty::IntList
                } else {
                    Ty::StrList
                });
                (format!("{n}.extend({})", items.text), false)
            }
            (_, 3) => (format!("{n}.insert(0, {})", self.expr(elem, 1).text), true),
            (_, 4) => {
                let rev = if self.rng.gen_bool(0.3) {
                    "reverse=True"
                } else {
                    ""
                };
                (format!("{n}.sort({rev})"), false)
            }
            (_, 5) => (format!("{n}.reverse()"), false),
            (_, 6) if straight && v.nonempty => {
                let at = if self.rng.gen_bool(0.5) { "" } else { "0" };
                let line = if self.rng.gen_bool(0.5) {
                    let name = self.scope.fresh(self.rng);
                    self.scope.bind(var(name.clone(), elem, false, Vec::new()));
                    format!("{name} = {n}.pop({at})")
                } else {
                    format!("{n}.pop({at})")
                };
                if let Some(s) = self.scope.get_mut(&n) {
                    s.nonempty = false;
                }
                (line, false)
            }
            (_, _) if self.may_nest(1) => {
                let x = self.expr(elem, 1).text;
                self.block(format!("if {x} in {n}:"), None, |g| {
                    g.emit(format!("{n}.remove({x})"));
                });
                if let Some(s) = self.scope.get_mut(&n) {
                    s.nonempty = false;
                }
                return true;
            }
            _ => return false,
        };
        if grows {
            if let Some(s) = self.scope.get_mut(&n) {
                s.nonempty = true;
            }
        }
        self.emit(line);
        true
    }

    /// Setting, counting, updating or deleting dict entries.
    fn dict_op(&mut self) -> bool {
        let Some(v) = self.pick(Ty::Dict, false, true) else {
            return false;
        };
        let n = v.name.clone();
        let line = match self.rng.gen_range(0..5) {
            0 | 1 => {
                let k = super::names::word(self.rng);
                let e = self.expr(Ty::Int, 1).text;
                if let Some(s) = self.scope.get_mut(&n) {
                    s.nonempty = true;
                    if !s.keys.contains(&k) {
                        s.keys.push(k.clone());
                    }
                }
                format!("{n}['{k}'] = {e}")
            }
            2 => {
                let k = self.expr(Ty::Str, 1).text;
                if let Some(s) = self.scope.get_mut(&n) {
                    s.nonempty = true;
                }
                format!("{n}[{k}] = {n}.get({k}, 0) + {}", self.small(1, 3))
            }
            3 => {
                let e = self.literal(Ty::Dict);
                if let Some(s) = self.scope.get_mut(&n) {
                    s.nonempty = true;
                    for k in e.keys {
                        if !s.keys.contains(&k) {
                            s.keys.push(k);
                        }
                    }
                }
                format!("{n}.update({})", e.text)
            }
            _ if self.block_depth == 0 && !v.keys.is_empty() => {
                let k = v.keys.choose(self.rng).cloned().unwrap_or_default();
                if let Some(s) = self.scope.get_mut(&n) {
                    s.keys.retain(|x| *x != k);
                    s.nonempty = !s.keys.is_empty();
                }
                if self.rng.gen_bool(0.5) {
                    format!("del {n}['{k}']")
                } else {
                    format!("{n}.pop('{k}')")
                }
            }
            _ => return false,
        };
        self.emit(line);
        true
    }

    /// `print(...)` with one to three arguments, sometimes a label.
    fn print(&mut self) -> bool {
        let n = self.rng.gen_range(1..=3);
        let mut args: Vec<String> = (0..n)
            .map(|_| {
                let ty = self.pick_ty();
                self.expr(ty, 1).text
            })
            .collect();
        if self.rng.gen_bool(0.3) {
            args.insert(0, format!("'{}:'", super::names::word(self.rng)));
        }
        if self.rng.gen_bool(0.1) {
            args.push("sep=', '".into());
        }
        self.emit(format!("print({})", args.join(", ")));
        true
    }

    /// `a, b = E1, E2`, a swap, or `q, r = divmod(E, K)`.
    fn unpack(&mut self) -> bool {
        match self.rng.gen_range(0..3) {
            0 => {
                let (t1, t2) = (self.pick_ty(), self.pick_ty());
                let e1 = self.expr(t1, 1);
                let e1 = self.stored(t1, e1);
                let e2 = self.expr(t2, 1);
                let e2 = self.stored(t2, e2);
                let a = self.scope.fresh(self.rng);
                self.bind_value(a.clone(), t1, &e1);
                let b = self.scope.fresh(self.rng);
                self.bind_value(b.clone(), t2, &e2);
                self.emit(format!("{a}, {b} = {}, {}", e1.text, e2.text));
            }
            1 => {
                let ty = self.pick_ty();
                let Some(a) = self.pick(ty, false, true) else {
                    return false;
                };
                let Some(b) = self.pick(ty, false, true) else {
                    return false;
                };
                let same = a.nonempty == b.nonempty && a.keys == b.keys;
                if a.name == b.name || !(same || self.block_depth == 0) {
                    return false;
                }
                self.emit(format!("{0}, {1} = {1}, {0}", a.name, b.name));
                self.bind_value(
                    a.name.clone(),
                    ty,
                    &Expr {
                        text: String::new(),
                        nonempty: b.nonempty,
                        keys: b.keys,
                    },
                );
                self.bind_value(
                    b.name.clone(),
                    ty,
                    &Expr {
                        text: String::new(),
                        nonempty: a.nonempty,
                        keys: a.keys,
                    },
                );
            }
            _ => {
                let e = self.expr(Ty::Int, 1).text;
                let k = self.small(2, 12);
                let q = self.scope.fresh(self.rng);
                self.scope.bind(var(q.clone(), Ty::Int, false, Vec::new()));
                let r = self.scope.fresh(self.rng);
                self.scope.bind(var(r.clone(), Ty::Int, false, Vec::new()));
                self.emit(format!("{q}, {r} = divmod({e}, {k})"));
            }
        }
        true
    }

    /// A call of a defined function: stored, printed, or (rarely) on its own.
    fn call_stmt(&mut self) -> bool {
        let ty = self.pick_ty();
        let Some(e) = self.call(ty, 2) else {
            return false;
        };
        let e = self.stored(ty, e);
        match self.rng.gen_range(0..5) {
            0 | 1 => {
                let name = self.scope.fresh(self.rng);
                self.emit(format!("{name} = {}", e.text));
                self.bind_value(name, ty, &e);
            }
            2..=3 => self.emit(format!("print({})", e.text)),
            _ => self.emit(e.text),
        }
        true
    }

    /// `if` with optional `elif` and `else`.
    fn if_else(&mut self) -> bool {
        let cond = self.expr(Ty::Bool, 2).text;
        let n = self.rng.gen_range(1..=2);
        self.block(format!("if {cond}:"), None, |g| g.statements(n));
        if self.rng.gen_bool(0.3) {
            let cond = self.expr(Ty::Bool, 2).text;
            self.block(format!("elif {cond}:"), None, |g| g.statements(1));
        }
        if self.rng.gen_bool(0.5) {
            let n = self.rng.gen_range(1..=2);
            self.block("else:".into(), None, |g| g.statements(n));
        }
        true
    }

    /// A `for` header over a range, a collection in scope or a literal, and the loop
    /// variables it binds (with the iterated variable, frozen in the body).
    fn iteration(&mut self) -> (String, Vec<(String, Ty, bool)>, Option<String>) {
        let x = self.scope.fresh(self.rng);
        for _ in 0..6 {
            let header = match self.rng.gen_range(0..9) {
                0 => Some((
                    format!("range({})", self.small(1, 6)),
                    vec![(x.clone(), Ty::Int, false)],
                    None,
                )),
                1 => {
                    let a: i64 = self.rng.gen_range(-5..=10);
                    let b = a + self.rng.gen_range(1..=5);
                    let step = if self.rng.gen_bool(0.3) {
                        format!(", {}", self.small(2, 3))
                    } else {
                        String::new()
                    };
                    Some((
                        format!("range({a}, {b}{step})"),
                        vec![(x.clone(), Ty::Int, false)],
                        None,
                    ))
                }
                2 => Some((
                    format!("range({}, 0, -1)", self.small(2, 5)),
                    vec![(x.clone(), Ty::Int, false)],
                    None,
                )),
                3 => self.pick(Ty::IntList, false, false).map(|l| {
                    (
                        l.name.clone(),
                        vec![(x.clone(), Ty::Int, false)],
                        Some(l.name),
                    )
                }),
                4 => {
                    let s = self.atom(Ty::Str).text;
                    let frozen = self
                        .scope
                        .vars
                        .iter()
                        .any(|v| v.name == s)
                        .then(|| s.clone());
                    Some((s, vec![(x.clone(), Ty::Str, true)], frozen))
                }
                5 => self.pick(Ty::StrList, false, false).map(|l| {
                    (
                        l.name.clone(),
                        vec![(x.clone(), Ty::Str, false)],
                        Some(l.name),
                    )
                }),
                6 => self.pick(Ty::Dict, false, false).map(|d| {
                    let v = format!("{x}_val");
                    (
                        format!("{}.items()", d.name),
                        vec![(x.clone(), Ty::Str, false), (v, Ty::Int, false)],
                        Some(d.name),
                    )
                }),
                7 => {
                    let ty = *[Ty::IntList, Ty::StrList]
                        .choose(self.rng)
                        .unwrap_or(&Ty::IntList);
                    let elem = if ty == Ty::IntList { Ty::Int } else { Ty::Str };
                    self.pick(ty, false, false).map(|l| {
                        let i = ["i", "idx", "pos", "n"]
                            .choose(self.rng)
                            .copied()
                            .unwrap_or("i");
                        let i = if self.scope.vars.iter().any(|v| v.name == i) || i == x {
                            format!("{i}{}", self.indent)
                        } else {
                            i.to_string()
                        };
                        (
                            format!("enumerate({})", l.name),
                            vec![(i, Ty::Int, false), (x.clone(), elem, false)],
                            Some(l.name),
                        )
                    })
                }
                _ => self.pick(Ty::IntSet, false, false).map(|s| {
                    (
                        format!("sorted({})", s.name),
                        vec![(x.clone(), Ty::Int, false)],
                        Some(s.name),
                    )
                }),
            };
            if let Some(h) = header {
                return h;
            }
        }
        let list = self.literal(Ty::IntList).text;
        (list, vec![(x, Ty::Int, false)], None)
    }

    /// Bind the loop variables (frozen) and freeze the iterated variable.
    fn enter_loop(&mut self, vars: &[(String, Ty, bool)], iterated: &Option<String>) {
        if let Some(name) = iterated {
            self.scope.freeze(name, true);
        }
        for (name, ty, nonempty) in vars {
            let mut v = var(name.clone(), *ty, *nonempty, Vec::new());
            v.frozen = true;
            self.scope.bind(v);
        }
    }

    /// `for X in ITERABLE:` with a body.
    fn for_loop(&mut self) -> bool {
        let (iter, vars, iterated) = self.iteration();
        let names: Vec<&str> = vars.iter().map(|v| v.0.as_str()).collect();
        let header = format!("for {} in {iter}:", names.join(", "));
        let n = self.rng.gen_range(1..=3);
        self.block(header, Some(true), |g| {
            g.enter_loop(&vars, &iterated);
            g.statements(n);
        });
        true
    }

    /// A `while` loop that always ends: a counter up to a bound, digits of a number, or a
    /// stack popped until empty.
    fn while_loop(&mut self) -> bool {
        let n = self.rng.gen_range(1..=2);
        match self.rng.gen_range(0..3) {
            0 => {
                let k = self.scope.fresh(self.rng);
                let start = self.small(0, 3);
                self.emit(format!("{k} = {start}"));
                self.scope.bind(var(k.clone(), Ty::Int, false, Vec::new()));
                let bound = self.small(3, 7);
                let step = self.small(1, 2);
                let extra = if self.rng.gen_bool(0.3) {
                    format!(" and {}", self.operand(Ty::Bool, 1))
                } else {
                    String::new()
                };
                self.block(format!("while {k} < {bound}{extra}:"), Some(false), |g| {
                    g.scope.freeze(&k, true);
                    g.statements(n);
                    g.emit(format!("{k} += {step}"));
                });
            }
            1 => {
                let m = self.scope.fresh(self.rng);
                let e = self.expr(Ty::Int, 1).text;
                self.emit(format!("{m} = abs({e})"));
                self.scope.bind(var(m.clone(), Ty::Int, false, Vec::new()));
                let d = self.scope.fresh(self.rng);
                let base = if self.rng.gen_bool(0.8) {
                    "10".to_string()
                } else {
                    self.small(2, 9)
                };
                self.block(format!("while {m} > 0:"), Some(false), |g| {
                    g.scope.freeze(&m, true);
                    g.emit(format!("{d} = {m} % {base}"));
                    let mut dv = var(d.clone(), Ty::Int, false, Vec::new());
                    dv.frozen = true;
                    g.scope.bind(dv);
                    g.statements(n.saturating_sub(1));
                    g.emit(format!("{m} //= {base}"));
                });
            }
            _ => {
                let Some(l) = self
                    .pick(Ty::IntList, false, false)
                    .or_else(|| self.pick(Ty::StrList, false, false))
                else {
                    return false;
                };
                let elem = if l.ty == Ty::IntList {
                    Ty::Int
                } else {
                    Ty::Str
                };
                let stack = self.scope.fresh(self.rng);
                self.emit(format!("{stack} = list({})", l.name));
                self.scope
                    .bind(var(stack.clone(), l.ty, l.nonempty, Vec::new()));
                let top = self.scope.fresh(self.rng);
                self.block(format!("while {stack}:"), Some(true), |g| {
                    // Neither the stack nor its source grows while it is emptied.
                    g.scope.freeze(&stack, true);
                    g.scope.freeze(&l.name, true);
                    if let Some(s) = g.scope.get_mut(&stack) {
                        s.nonempty = false;
                    }
                    g.emit(format!("{top} = {stack}.pop()"));
                    let mut tv = var(top.clone(), elem, false, Vec::new());
                    tv.frozen = true;
                    g.scope.bind(tv);
                    g.statements(n);
                });
                if let Some(s) = self.scope.get_mut(&stack) {
                    s.nonempty = false;
                }
            }
        }
        true
    }

    /// An accumulator loop: a sum, a built string or list, a dict of counts, a running best
    /// or a count of matches, with a start value before the loop.
    fn accumulate(&mut self) -> bool {
        let acc = self.scope.fresh(self.rng);
        let cond_ok = self.may_nest(2);
        let (ty, init) = match self.rng.gen_range(0..6) {
            0 => (Ty::Int, "0".to_string()),
            1 => (Ty::Str, "''".to_string()),
            2 => (Ty::IntList, "[]".to_string()),
            3 => (Ty::Dict, "{}".to_string()),
            4 => {
                let Some(l) = self.pick(Ty::IntList, true, false) else {
                    return false;
                };
                (Ty::Int, format!("{}[0]", l.name))
            }
            _ => (Ty::Int, self.small(0, 1)),
        };
        self.emit(format!("{acc} = {init}"));
        self.scope.bind(var(acc.clone(), ty, false, Vec::new()));
        let (iter, vars, iterated) = self.iteration();
        let x = vars.last().map(|v| v.0.clone()).unwrap_or_default();
        let xty = vars.last().map(|v| v.1).unwrap_or(Ty::Int);
        let names: Vec<&str> = vars.iter().map(|v| v.0.as_str()).collect();
        let header = format!("for {} in {iter}:", names.join(", "));
        let update = match (ty, xty) {
            (Ty::Int, Ty::Int) if init.ends_with("[0]") => {
                let op = [">", "<"].choose(self.rng).copied().unwrap_or(">");
                vec![format!("if {x} {op} {acc}:"), format!("    {acc} = {x}")]
            }
            (Ty::Int, Ty::Int) => vec![format!(
                "{acc} += {}",
                [
                    x.clone(),
                    format!("{x} * {}", self.small(2, 5)),
                    format!("{x} % {}", self.small(2, 5))
                ]
                .choose(self.rng)
                .cloned()
                .unwrap_or_default()
            )],
            (Ty::Int, _) => vec![format!("{acc} += len({x})")],
            (Ty::Str, Ty::Str) => vec![[
                format!("{acc} = {x} + {acc}"),
                format!("{acc} += {x}.upper()"),
                format!("{acc} += {x}"),
            ]
            .choose(self.rng)
            .cloned()
            .unwrap_or_default()],
            (Ty::Str, _) => vec![format!("{acc} += str({x})")],
            (Ty::IntList, Ty::Int) => vec![format!("{acc}.append({x} * {})", self.small(1, 3))],
            (Ty::IntList, _) => vec![format!("{acc}.append(len({x}))")],
            (_, Ty::Str) => vec![format!("{acc}[{x}] = {acc}.get({x}, 0) + 1")],
            _ => vec![format!("{acc}[str({x})] = {x}")],
        };
        let guard = if cond_ok && !init.ends_with("[0]") && self.rng.gen_bool(0.4) {
            Some(match xty {
                Ty::Int => [
                    format!("{x} % 2 == 0"),
                    format!("{x} > {}", self.int_lit()),
                    format!("{x} != {}", self.small(0, 5)),
                ]
                .choose(self.rng)
                .cloned()
                .unwrap_or_default(),
                _ => [
                    format!("{x} not in 'aeiou'"),
                    format!("{x}.isalpha()"),
                    format!("len({x}) > 1"),
                ]
                .choose(self.rng)
                .cloned()
                .unwrap_or_default(),
            })
        } else {
            None
        };
        let extra = self.may_nest(2) && self.rng.gen_bool(0.3);
        self.block(header, Some(true), |g| {
            g.enter_loop(&vars, &iterated);
            g.scope.freeze(&acc, true);
            match &guard {
                Some(c) => {
                    g.emit(format!("if {c}:"));
                    for line in &update {
                        g.emit(format!("    {line}"));
                    }
                }
                None => {
                    for line in &update {
                        g.emit(line.clone());
                    }
                }
            }
            if extra {
                g.statement();
            }
        });
        if self.rng.gen_bool(0.6) {
            self.emit(format!("print({acc})"));
        }
        true
    }

    /// `if COND: break` or `if COND: continue` inside a loop.
    fn loop_exit(&mut self) -> bool {
        let may_continue = self.loops.last().copied().unwrap_or(false);
        let word = if may_continue && self.rng.gen_bool(0.4) {
            "continue"
        } else {
            "break"
        };
        let cond = self.expr(Ty::Bool, 1).text;
        self.block(format!("if {cond}:"), None, |g| g.emit(word.into()));
        true
    }

    /// `if COND: return E` inside a function.
    fn early_return(&mut self) -> bool {
        let Some(ret) = self.ret else {
            return false;
        };
        let cond = self.expr(Ty::Bool, 1).text;
        let e = self.expr(ret, 1);
        let e = self.stored(ret, e);
        self.block(format!("if {cond}:"), None, |g| {
            g.emit(format!("return {}", e.text))
        });
        true
    }
}
