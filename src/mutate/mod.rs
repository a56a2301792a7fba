//! Mutation operators over rustpython-parser ASTs (MutPy catalogue), applied as exact
//! source-span replacements; enumeration, application, random and higher-order mutants (the
//! batch pipeline over many programs is `crate::pipeline::mutate_batch`).
//!
//! # API
//! - [`mutations`]`(source) -> Result<Vec<Mutation>, MutateError>`: every mutation of a
//!   program, sorted by position; ids are 1-based and stable for a given source text. Every
//!   listed mutation has been applied and checked to parse (on the edited statement alone,
//!   which gives the whole program's verdict; see `Candidate::unit_parses`).
//! - [`mutants`]`(source) -> Result<Vec<Mutant>, MutateError>`: the same list with each
//!   mutant's source (enumerate and apply in one pass; each mutant parsed once).
//! - [`apply`]`(source, &Mutation) -> Result<String, MutateError>`: the mutant's source.
//! - [`apply_many`]`(source, &[Mutation]) -> Result<String, MutateError>`: a higher-order
//!   mutant; fails when two spans overlap or the result does not parse.
//! - [`random`]`(source, seed) -> Result<Option<Mutant>, MutateError>`: one mutation chosen
//!   uniformly with a seeded generator (`None` when the program has no mutation).
//! - [`Operator`] (code, description, example) and [`catalogue`] (the `--help` text).
//!
//! Text outside the replaced span is kept byte for byte. SDL replaces a statement spanning
//! several lines with one `pass`, so later lines move up in that mutant.

mod collect;
mod operator;
mod source;

use rand::{rngs::StdRng, Rng, SeedableRng};
use rustpython_parser::{ast, Parse};
use serde::Serialize;

pub use operator::{catalogue, Operator};

use crate::dataset::record;

/// One mutation of a program: a byte span of the original source and its replacement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mutation {
    /// 1-based position in the sorted list of the program's mutations.
    pub id: usize,
    pub op: Operator,
    /// 1-based line and column (in characters) where the mutation is shown; for OIL and ZIL
    /// the loop header.
    pub line: u32,
    pub column: u32,
    /// The replaced byte span `[start, end)` of the original source (empty for insertions).
    pub start: usize,
    pub end: usize,
    /// The text written in place of the span.
    pub replacement: String,
    /// Short display texts: the site before and after (`<` and `<=`; `""` and `break`).
    pub before: String,
    pub after: String,
    /// One line saying what changes.
    pub description: String,
}

/// A mutated program with the mutation that produced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mutant {
    pub mutation: Mutation,
    pub code: String,
}

/// Why a mutation could not be listed or applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MutateError {
    #[error("the program does not parse: {0}")]
    Parse(String),
    #[error("mutation {id} does not fit this program (span {start}..{end})")]
    OutOfRange { id: usize, start: usize, end: usize },
    #[error("mutations {0} and {1} overlap")]
    Overlap(usize, usize),
    #[error("the mutant does not parse: {0}")]
    MutantInvalid(String),
}

/// The program's syntax tree, or where and why it does not parse (1-based line and column,
/// as `tracelens trace` reports a syntax error).
fn parse(source: &str) -> Result<ast::Suite, String> {
    ast::Suite::parse(source, "<mutant>").map_err(|e| {
        let mut offset = e.offset.to_usize().min(source.len());
        while !source.is_char_boundary(offset) {
            offset -= 1;
        }
        let (line, column) = source::LineIndex::new(source).line_col(offset);
        format!("line {line}, column {column}: {}", e.error)
    })
}

/// Replace `[start, end)` of `source` with `replacement`.
fn splice(source: &str, start: usize, end: usize, replacement: &str) -> String {
    let mut out = String::with_capacity(source.len() + replacement.len());
    out.push_str(&source[..start]);
    out.push_str(replacement);
    out.push_str(&source[end..]);
    out
}

fn describe(op: Operator, before: &str, after: &str) -> String {
    match (op, before.is_empty(), after.is_empty()) {
        (Operator::Oil, ..) => "add `break` at the end of the loop body".to_string(),
        (Operator::Zil, ..) => "add `break` at the start of the loop body".to_string(),
        (_, true, _) => format!("insert `{after}`"),
        (_, false, true) => format!("delete `{before}`"),
        _ => format!("replace `{before}` with `{after}`"),
    }
}

/// Every mutation of a program, sorted by position; each one's mutant parses.
pub fn mutations(source: &str) -> Result<Vec<Mutation>, MutateError> {
    Ok(mutants(source)?.into_iter().map(|m| m.mutation).collect())
}

/// Every mutant of a program with its mutation, sorted by position (the mutants that
/// [`mutations`] describes; each one parsed once).
pub fn mutants(source: &str) -> Result<Vec<Mutant>, MutateError> {
    let suite = parse(source).map_err(MutateError::Parse)?;
    let mut found = collect::candidates(source, &suite);
    // Sorted by where each mutation is shown; stable, so alternatives at one site keep the
    // operator's own order.
    found.sort_by_key(|c| (c.anchor, c.start, c.end, c.op));
    found.dedup_by(|a, b| (a.start, a.end, &a.replacement) == (b.start, b.end, &b.replacement));
    let lines = source::LineIndex::new(source);
    let mut out: Vec<Mutant> = Vec::with_capacity(found.len());
    for c in found {
        if !c.unit_parses(source, &lines, |text| parse(text).is_ok()) {
            continue;
        }
        let code = splice(source, c.start, c.end, &c.replacement);
        let (line, column) = lines.line_col(c.anchor);
        let mutation = Mutation {
            id: out.len() + 1,
            op: c.op,
            line,
            column,
            start: c.start,
            end: c.end,
            description: describe(c.op, &c.before, &c.after),
            replacement: c.replacement,
            before: c.before,
            after: c.after,
        };
        out.push(Mutant { mutation, code });
    }
    Ok(out)
}

fn check_span(source: &str, m: &Mutation) -> Result<(), MutateError> {
    let fits = m.start <= m.end
        && m.end <= source.len()
        && source.is_char_boundary(m.start)
        && source.is_char_boundary(m.end);
    if fits {
        Ok(())
    } else {
        Err(MutateError::OutOfRange {
            id: m.id,
            start: m.start,
            end: m.end,
        })
    }
}

/// The source of the mutant produced by one mutation of `source`.
pub fn apply(source: &str, mutation: &Mutation) -> Result<String, MutateError> {
    apply_many(source, std::slice::from_ref(mutation))
}

/// A higher-order mutant: several mutations of `source` applied together. Their spans must not
/// overlap (two edits at the same position count as overlapping), and the result must parse.
pub fn apply_many(source: &str, mutations: &[Mutation]) -> Result<String, MutateError> {
    let mut sorted: Vec<&Mutation> = mutations.iter().collect();
    sorted.sort_by_key(|m| (m.start, m.end));
    for m in &sorted {
        check_span(source, m)?;
    }
    for pair in sorted.windows(2) {
        if pair[0].end > pair[1].start || pair[0].start == pair[1].start {
            return Err(MutateError::Overlap(pair[0].id, pair[1].id));
        }
    }
    let mut code = source.to_string();
    for m in sorted.iter().rev() {
        code.replace_range(m.start..m.end, &m.replacement);
    }
    parse(&code).map_err(MutateError::MutantInvalid)?;
    Ok(code)
}

/// One mutation chosen uniformly at random with a seeded generator, and its mutant.
pub fn random(source: &str, seed: u64) -> Result<Option<Mutant>, MutateError> {
    let all = mutations(source)?;
    if all.is_empty() {
        return Ok(None);
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mutation = all[rng.gen_range(0..all.len())].clone();
    let code = apply(source, &mutation)?;
    Ok(Some(Mutant { mutation, code }))
}

impl Mutation {
    /// The dataset record's description of this mutation (docs/ARCHITECTURE.md section 3).
    pub fn to_record(&self) -> record::Mutation {
        record::Mutation {
            op: self.op.code().to_string(),
            line: self.line,
            before: self.before.clone(),
            after: self.after.clone(),
        }
    }
}

#[cfg(test)]
mod tests;
