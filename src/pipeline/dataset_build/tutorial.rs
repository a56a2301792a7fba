//! The Tutorial generator: small programs in the style of a Python tutorial (loops over small
//! ranges, accumulators, if/elif/else, while loops, string building, small functions and calls,
//! prints), each template filled with random names and constants.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;

const WORDS: [&str; 8] = [
    "hello", "banana", "level", "python", "stream", "abcde", "tutor", "racecar",
];
const ACCS: [&str; 4] = ["total", "acc", "result", "s"];
const FUNCS: [&str; 4] = ["square", "double", "step", "f"];

fn list(rng: &mut StdRng, n: usize) -> String {
    let items: Vec<String> = (0..n).map(|_| rng.gen_range(-3..15).to_string()).collect();
    format!("[{}]", items.join(", "))
}

/// One Tutorial program.
pub fn program(rng: &mut StdRng) -> String {
    let n = rng.gen_range(2..6);
    let k = rng.gen_range(1..5);
    let acc = ACCS.choose(rng).copied().unwrap_or("total");
    let func = FUNCS.choose(rng).copied().unwrap_or("f");
    let word = WORDS.choose(rng).copied().unwrap_or("hello");
    let len = rng.gen_range(2..6);
    let values = list(rng, len);
    let x = rng.gen_range(-5..30);
    let template = rng.gen_range(0..12);
    match template {
        0 => format!("{acc} = 0\nfor i in range({n}):\n    {acc} += i * {k}\nprint({acc})\n"),
        1 => format!("n = {}\nwhile n > 0:\n    n -= {k}\nprint(n)\n", n * 3),
        2 => format!(
            "x = {x}\nif x < {a}:\n    label = 'small'\nelif x < {b}:\n    label = 'medium'\nelse:\n    label = 'large'\nprint(label)\n",
            a = k * 3,
            b = k * 6
        ),
        3 => format!("word = '{word}'\nout = ''\nfor ch in word:\n    out = ch + out\nprint(out)\n"),
        4 => format!(
            "def {func}(v):\n    return v * {k}\n\nresult = {func}({x})\nprint(result)\n"
        ),
        5 => format!(
            "nums = []\nfor i in range({}):\n    if i % {} == 0:\n        nums.append(i)\nprint(nums)\n",
            n + 3,
            k + 1
        ),
        6 => format!(
            "vals = {values}\nbest = vals[0]\nfor v in vals:\n    if v > best:\n        best = v\nprint(best)\n"
        ),
        7 => format!(
            "def fact(m):\n    {acc} = 1\n    for i in range(1, m + 1):\n        {acc} *= i\n    return {acc}\n\nprint(fact({n}))\n"
        ),
        8 => format!(
            "text = '{word}'\ncount = 0\nfor ch in text:\n    if ch in 'aeiou':\n        count += 1\nprint(count)\n"
        ),
        9 => format!(
            "a, b = 0, 1\nfor _ in range({n}):\n    a, b = b, a + b\nprint(a)\n"
        ),
        10 => format!(
            "items = {values}\nevens = 0\nodds = 0\nfor v in items:\n    if v % 2 == 0:\n        evens += 1\n    else:\n        odds += 1\nprint(evens, odds)\n"
        ),
        _ => format!(
            "def {func}(a, b):\n    if a > b:\n        return a - b\n    return b - a\n\nx = {func}({x}, {k})\ny = {func}(x, {n})\nprint(x + y)\n"
        ),
    }
}
