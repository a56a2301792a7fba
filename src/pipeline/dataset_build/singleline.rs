//! The SingleLine generator: a few lines that set up a small state (ints, floats, strings,
//! lists, dicts, tuples, bools), then one line that transforms it (arithmetic, comparisons,
//! indexing and slicing, method calls, swaps, comprehensions).

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;

/// The kinds of value a setup line can create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Float,
    Str,
    List,
    Dict,
    Tuple,
    Bool,
}

const KINDS: [Kind; 7] = [
    Kind::Int,
    Kind::Float,
    Kind::Str,
    Kind::List,
    Kind::Dict,
    Kind::Tuple,
    Kind::Bool,
];

const WORDS: [&str; 12] = [
    "apple",
    "banana",
    "cat",
    "data",
    "hello",
    "world",
    "abc",
    "python",
    "level",
    "a b c",
    "x-y-z",
    "Mixed Case",
];
const KEYS: [&str; 6] = ["a", "b", "c", "x", "k", "name"];

fn name(kind: Kind, i: usize) -> String {
    let base = match kind {
        Kind::Int => ["a", "b", "n"],
        Kind::Float => ["f", "g", "r"],
        Kind::Str => ["s", "t", "w"],
        Kind::List => ["l", "nums", "xs"],
        Kind::Dict => ["d", "m", "counts"],
        Kind::Tuple => ["p", "q", "pair"],
        Kind::Bool => ["flag", "ok", "done"],
    };
    base[i % base.len()].to_string()
}

fn int_list(rng: &mut StdRng) -> String {
    let n = rng.gen_range(1..=5);
    let items: Vec<String> = (0..n).map(|_| rng.gen_range(-5..20).to_string()).collect();
    format!("[{}]", items.join(", "))
}

fn literal(kind: Kind, rng: &mut StdRng) -> String {
    match kind {
        Kind::Int => rng.gen_range(-10..50).to_string(),
        Kind::Float => format!("{:.1}", rng.gen_range(-5.0..20.0f64)),
        Kind::Str => format!("{:?}", WORDS.choose(rng).copied().unwrap_or("abc")),
        Kind::List => int_list(rng),
        Kind::Dict => {
            let n = rng.gen_range(1..=3);
            let mut keys = KEYS.to_vec();
            keys.shuffle(rng);
            let items: Vec<String> = keys[..n]
                .iter()
                .map(|k| format!("'{k}': {}", rng.gen_range(0..10)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        Kind::Tuple => format!("({}, {})", rng.gen_range(0..9), rng.gen_range(0..9)),
        Kind::Bool => if rng.gen_bool(0.5) { "True" } else { "False" }.to_string(),
    }
}

/// The transforming lines that apply to a variable `v` of `kind`; `o` is another variable of
/// the same kind when there is one.
fn transforms(kind: Kind, v: &str, o: Option<&str>, rng: &mut StdRng) -> Vec<String> {
    let k = rng.gen_range(1..6);
    let key = KEYS.choose(rng).copied().unwrap_or("a");
    let mut out: Vec<String> = match kind {
        Kind::Int => vec![
            format!("{v} = {v} * {k} + 1"),
            format!("{v} += {k}"),
            format!("z = {v} % {k}"),
            format!("z = {v} // {k}"),
            format!("z = {v} > {k}"),
            format!("z = abs({v}) - {k}"),
            format!("z = [{v} * i for i in range({k})]"),
            format!("z = str({v}) * 2"),
        ],
        Kind::Float => vec![
            format!("z = round({v} * {k}, 2)"),
            format!("z = int({v})"),
            format!("{v} -= {k}.5"),
            format!("z = {v} < {k}"),
        ],
        Kind::Str => vec![
            format!("z = {v}.upper()"),
            format!("z = {v}.split()"),
            format!("z = {v}[::-1]"),
            format!("z = {v}[1:{k}]"),
            format!("z = {v}.replace('a', 'o')"),
            format!("z = {v}.count('a')"),
            format!("z = len({v})"),
            format!("z = [c for c in {v} if c != ' ']"),
            format!("{v} = {v} + '!'"),
            format!("z = {v}.startswith('a')"),
        ],
        Kind::List => vec![
            format!("{v}.append({k})"),
            format!("z = {v}.pop()"),
            format!("z = {v}[-1]"),
            format!("z = {v}[:{k}]"),
            format!("z = sorted({v})"),
            format!("z = [x * 2 for x in {v}]"),
            format!("z = sum({v})"),
            format!("{v}.reverse()"),
            format!("z = {v}.index({v}[0])"),
            format!("{v}.insert(0, {k})"),
            format!("z = max({v}) - min({v})"),
        ],
        Kind::Dict => vec![
            format!("z = {v}.get('{key}', 0)"),
            format!("{v}['{key}'] = {k}"),
            format!("z = list({v}.keys())"),
            format!("z = {v}.pop('{key}', None)"),
            format!("z = sorted({v}.items())"),
            format!("z = {{k: x + 1 for k, x in {v}.items()}}"),
            format!("z = '{key}' in {v}"),
        ],
        Kind::Tuple => vec![
            format!("z = {v}[0] + {v}[1]"),
            format!("z = {v} + ({k},)"),
            format!("x, y = {v}"),
            format!("z = {v}[::-1]"),
        ],
        Kind::Bool => vec![
            format!("z = not {v}"),
            format!("z = {v} and {k} > 2"),
            format!("{v} = {v} or False"),
        ],
    };
    if let Some(o) = o {
        out.push(format!("{v}, {o} = {o}, {v}"));
        if matches!(kind, Kind::Int | Kind::Float | Kind::Str | Kind::List) {
            out.push(format!("z = {v} + {o}"));
        }
        if matches!(kind, Kind::Int | Kind::Float) {
            out.push(format!("z = {v} == {o} or {v} < {o}"));
        }
    }
    out
}

/// One SingleLine program: one to three setup lines, then one transforming line.
pub fn program(rng: &mut StdRng) -> String {
    let n = rng.gen_range(1..=3);
    let mut vars: Vec<(Kind, String)> = Vec::new();
    let mut lines = Vec::new();
    for _ in 0..n {
        let kind = *KINDS.choose(rng).unwrap_or(&Kind::Int);
        let same = vars.iter().filter(|(k, _)| *k == kind).count();
        let v = name(kind, same);
        if vars.iter().any(|(_, existing)| *existing == v) {
            continue;
        }
        lines.push(format!("{v} = {}", literal(kind, rng)));
        vars.push((kind, v));
    }
    let (kind, v) = vars.choose(rng).cloned().unwrap_or((Kind::Int, "a".into()));
    if lines.is_empty() {
        lines.push(format!("{v} = 1"));
    }
    let other = vars
        .iter()
        .find(|(k, o)| *k == kind && *o != v)
        .map(|(_, o)| o.as_str());
    let options = transforms(kind, &v, other, rng);
    let line = options
        .choose(rng)
        .cloned()
        .unwrap_or_else(|| format!("z = {v}"));
    lines.push(line);
    lines.join("\n") + "\n"
}
