//! What the diverse generator knows about a program while writing it: the variables in scope
//! with their types and the facts that keep every generated program running (a list or string
//! known non-empty, a dict's known keys, a loop variable that must not be rebound), and the
//! functions defined so far.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::names;

/// The value types the generator writes code for (dicts map strings to ints; sets hold ints,
/// whose printed order does not depend on hashing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Int,
    Float,
    Bool,
    Str,
    IntList,
    StrList,
    Dict,
    IntSet,
}

impl Ty {
    pub const ALL: [Ty; 8] = [
        Ty::Int,
        Ty::Float,
        Ty::Bool,
        Ty::Str,
        Ty::IntList,
        Ty::StrList,
        Ty::Dict,
        Ty::IntSet,
    ];

    /// Whether values of this type have a length that may be zero.
    pub fn sized(self) -> bool {
        matches!(
            self,
            Ty::Str | Ty::IntList | Ty::StrList | Ty::Dict | Ty::IntSet
        )
    }
}

/// A variable in scope.
#[derive(Debug, Clone)]
pub struct Var {
    pub name: String,
    pub ty: Ty,
    /// Known to hold at least one element (sized types only).
    pub nonempty: bool,
    /// Keys known to be in a dict.
    pub keys: Vec<String>,
    /// A loop variable or an iterated collection: read, never rebound or mutated.
    pub frozen: bool,
}

/// A function defined earlier in the program.
#[derive(Debug, Clone)]
pub struct Func {
    pub name: String,
    pub params: Vec<(String, Ty)>,
    /// How many trailing parameters have defaults.
    pub defaults: usize,
    pub ret: Ty,
}

/// Variables and functions visible at the point being written.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub vars: Vec<Var>,
    pub funcs: Vec<Func>,
    /// Names that are taken for the whole program (function names, `f`).
    pub taken: Vec<String>,
}

impl Scope {
    /// A name used by no variable or function in scope.
    pub fn fresh(&self, rng: &mut StdRng) -> String {
        loop {
            let name = names::identifier(rng);
            if !self.vars.iter().any(|v| v.name == name)
                && !self.taken.contains(&name)
                && !self.funcs.iter().any(|f| f.name == name)
            {
                return name;
            }
        }
    }

    /// A variable of type `ty` (non-empty when `nonempty`; not frozen when `mutable`).
    pub fn pick(&self, rng: &mut StdRng, ty: Ty, nonempty: bool, mutable: bool) -> Option<&Var> {
        let found: Vec<&Var> = self
            .vars
            .iter()
            .filter(|v| v.ty == ty && (!nonempty || v.nonempty) && (!mutable || !v.frozen))
            .collect();
        found.choose(rng).copied()
    }

    /// A dict variable with at least one known key, and one of its keys.
    pub fn dict_key(&self, rng: &mut StdRng) -> Option<(String, String)> {
        let found: Vec<&Var> = self
            .vars
            .iter()
            .filter(|v| v.ty == Ty::Dict && !v.keys.is_empty())
            .collect();
        let v = found.choose(rng)?;
        Some((v.name.clone(), v.keys.choose(rng)?.clone()))
    }

    /// Add a variable, or update the one of that name.
    pub fn bind(&mut self, var: Var) {
        match self.vars.iter_mut().find(|v| v.name == var.name) {
            Some(v) => *v = var,
            None => self.vars.push(var),
        }
    }

    /// The variable called `name`.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Var> {
        self.vars.iter_mut().find(|v| v.name == name)
    }

    /// Set or clear the frozen mark of a variable.
    pub fn freeze(&mut self, name: &str, frozen: bool) {
        if let Some(v) = self.get_mut(name) {
            v.frozen = frozen;
        }
    }
}

/// A fresh variable of type `ty` with facts.
pub fn var(name: String, ty: Ty, nonempty: bool, keys: Vec<String>) -> Var {
    Var {
        name,
        ty,
        nonempty,
        keys,
        frozen: false,
    }
}
