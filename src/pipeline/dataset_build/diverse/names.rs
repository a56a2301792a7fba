//! The pools the diverse generator draws from: realistic identifiers, random-letter identifiers,
//! words and random strings for string literals, and the names a program must never rebind.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;

/// Identifiers a Python programmer would write.
const REALISTIC: [&str; 160] = [
    "count",
    "total",
    "items",
    "word",
    "text",
    "name",
    "value",
    "index",
    "result",
    "data",
    "nums",
    "numbers",
    "values",
    "acc",
    "score",
    "scores",
    "best",
    "worst",
    "left",
    "right",
    "low",
    "high",
    "mid",
    "start",
    "end",
    "size",
    "length",
    "width",
    "height",
    "depth",
    "key",
    "keys",
    "label",
    "line",
    "lines",
    "row",
    "col",
    "grid",
    "cell",
    "token",
    "tokens",
    "char",
    "chars",
    "letter",
    "letters",
    "digit",
    "digits",
    "prefix",
    "suffix",
    "head",
    "tail",
    "first",
    "last",
    "prev",
    "curr",
    "nxt",
    "step",
    "steps",
    "limit",
    "bound",
    "price",
    "prices",
    "cost",
    "amount",
    "balance",
    "rate",
    "ratio",
    "avg",
    "mean",
    "median",
    "temp",
    "tmp",
    "buf",
    "buffer",
    "out",
    "output",
    "res",
    "ans",
    "answer",
    "message",
    "msg",
    "greeting",
    "title",
    "city",
    "cities",
    "color",
    "colors",
    "fruit",
    "fruits",
    "animal",
    "pets",
    "user",
    "users",
    "age",
    "ages",
    "year",
    "month",
    "day",
    "hour",
    "minutes",
    "counter",
    "counts",
    "freq",
    "seen",
    "visited",
    "queue",
    "stack",
    "pair",
    "pairs",
    "point",
    "x_pos",
    "y_pos",
    "dx",
    "dy",
    "delta",
    "offset",
    "shift",
    "factor",
    "power",
    "base",
    "num",
    "val",
    "elem",
    "item",
    "entry",
    "record",
    "records",
    "parts",
    "chunk",
    "pieces",
    "matrix",
    "vec",
    "weights",
    "bias",
    "level",
    "rank",
    "grade",
    "grades",
    "marks",
    "points",
    "goal",
    "target",
    "guess",
    "attempts",
    "tries",
    "flag",
    "found",
    "done",
    "ok",
    "valid",
    "sentence",
    "phrase",
    "vowels",
    "upper_count",
    "lower_count",
    "total_sum",
    "max_val",
    "min_val",
    "new_list",
    "my_dict",
];

/// Words for string literals.
const WORDS: [&str; 80] = [
    "apple", "banana", "cherry", "kiwi", "mango", "pear", "plum", "grape", "lemon", "melon", "red",
    "green", "blue", "black", "white", "cyan", "amber", "violet", "gold", "silver", "cat", "dog",
    "bird", "fish", "horse", "tiger", "zebra", "otter", "panda", "koala", "paris", "tokyo", "lima",
    "oslo", "cairo", "delhi", "rome", "quito", "seoul", "nairobi", "hello", "world", "python",
    "code", "trace", "model", "token", "stack", "queue", "graph", "Alice", "Bob", "Carol", "Dave",
    "Eve", "Mallory", "Trent", "Peggy", "Victor", "Wendy", "spam", "eggs", "foo", "bar", "baz",
    "qux", "alpha", "beta", "gamma", "delta", "noon", "level", "radar", "abc", "xyz", "data",
    "open", "close", "yes", "no",
];

/// Python keywords and the builtins generated programs call: never used as identifiers.
pub const RESERVED: [&str; 56] = [
    "False",
    "None",
    "True",
    "and",
    "as",
    "assert",
    "async",
    "await",
    "break",
    "class",
    "continue",
    "def",
    "del",
    "elif",
    "else",
    "except",
    "finally",
    "for",
    "from",
    "global",
    "if",
    "import",
    "in",
    "is",
    "lambda",
    "nonlocal",
    "not",
    "or",
    "pass",
    "raise",
    "return",
    "try",
    "while",
    "with",
    "yield",
    "len",
    "sum",
    "min",
    "max",
    "abs",
    "str",
    "int",
    "list",
    "dict",
    "set",
    "sorted",
    "range",
    "print",
    "round",
    "float",
    "zip",
    "enumerate",
    "divmod",
    "ord",
    "f",
    "_",
];

/// A realistic identifier or, one time in three, random letters (one to four, perhaps with a
/// digit).
pub fn identifier(rng: &mut StdRng) -> String {
    if rng.gen_bool(2.0 / 3.0) {
        return REALISTIC
            .choose(rng)
            .copied()
            .unwrap_or("value")
            .to_string();
    }
    loop {
        let len = rng.gen_range(1..=4);
        let mut name = letters(rng, len, false);
        if rng.gen_bool(0.2) {
            name.push(char::from(b'0' + rng.gen_range(0..10u8)));
        }
        if !RESERVED.contains(&name.as_str()) {
            return name;
        }
    }
}

/// `len` random lowercase letters (upper case mixed in when `mixed`).
pub fn letters(rng: &mut StdRng, len: usize, mixed: bool) -> String {
    (0..len)
        .map(|_| {
            let c = char::from(b'a' + rng.gen_range(0..26u8));
            if mixed && rng.gen_bool(0.3) {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

/// A word from the pool or random letters.
pub fn word(rng: &mut StdRng) -> String {
    if rng.gen_bool(0.6) {
        WORDS.choose(rng).copied().unwrap_or("apple").to_string()
    } else {
        let len = rng.gen_range(1..=8);
        letters(rng, len, true)
    }
}

/// Text for a string literal: a word, several words joined by spaces or a separator, or
/// random letters and digits. Never empty; never holds a quote or a backslash.
pub fn text(rng: &mut StdRng) -> String {
    match rng.gen_range(0..5) {
        0 | 1 => word(rng),
        2 => {
            let n = rng.gen_range(2..=4);
            let sep = [" ", " ", ",", "-", "_"]
                .choose(rng)
                .copied()
                .unwrap_or(" ");
            (0..n).map(|_| word(rng)).collect::<Vec<_>>().join(sep)
        }
        3 => {
            let len = rng.gen_range(1..=6);
            let mut s = letters(rng, len, true);
            s.push_str(&rng.gen_range(0..1000).to_string());
            s
        }
        _ => {
            let len = rng.gen_range(3..=10);
            letters(rng, len, false)
        }
    }
}
