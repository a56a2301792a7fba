//! The operations a CRUXEval program uses, for the "by operation" breakdown of a report: a
//! lexical heuristic over the code (string literals and comments skipped), not a type check.
//!
//! Groups (a program is in every group it matches, or in `none of these`):
//! - `str methods`, `list methods`, `dict methods`: a call `.name(` of a method only that type
//!   has (e.g. `.split(` is a string method; `.append(` a list method; `.items(` a dict one);
//! - `other methods`: any other `.name(` call (`.pop(`, `.count(`, `.index(`, ... which several
//!   types share, and methods of other types);
//! - `loops`: a `for` or `while` statement; `comprehensions`: a `for` inside brackets;
//! - `slicing`: a `:` directly inside square brackets (`s[1:]`, `x[::2]`).

const STR_METHODS: &[&str] = &[
    "capitalize",
    "casefold",
    "center",
    "endswith",
    "expandtabs",
    "find",
    "format",
    "format_map",
    "isalnum",
    "isalpha",
    "isascii",
    "isdecimal",
    "isdigit",
    "isidentifier",
    "islower",
    "isnumeric",
    "isprintable",
    "isspace",
    "istitle",
    "isupper",
    "join",
    "ljust",
    "lower",
    "lstrip",
    "maketrans",
    "partition",
    "removeprefix",
    "removesuffix",
    "replace",
    "rfind",
    "rindex",
    "rjust",
    "rpartition",
    "rsplit",
    "rstrip",
    "split",
    "splitlines",
    "startswith",
    "strip",
    "swapcase",
    "title",
    "translate",
    "upper",
    "zfill",
    "encode",
];
const LIST_METHODS: &[&str] = &["append", "extend", "insert", "sort", "reverse"];
const DICT_METHODS: &[&str] = &[
    "items",
    "keys",
    "values",
    "get",
    "setdefault",
    "popitem",
    "fromkeys",
    "update",
];

/// Every group name, in report order.
pub const GROUPS: &[&str] = &[
    "str methods",
    "list methods",
    "dict methods",
    "other methods",
    "loops",
    "comprehensions",
    "slicing",
    "none of these",
];

/// The groups `code` belongs to (at least one), in [`GROUPS`] order.
pub fn operations(code: &str) -> Vec<&'static str> {
    let found = scan(code);
    let mut groups: Vec<&'static str> = GROUPS
        .iter()
        .zip(found)
        .filter_map(|(group, hit)| hit.then_some(*group))
        .collect();
    if groups.is_empty() {
        groups.push("none of these");
    }
    groups
}

/// Which of the first seven groups `code` matches.
fn scan(code: &str) -> [bool; 7] {
    let mut hit = [false; 7];
    let chars: Vec<char> = code.chars().collect();
    let mut brackets: Vec<char> = Vec::new();
    let mut at_statement_start = true;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '\'' | '"' => {
                i = skip_string(&chars, i);
                at_statement_start = false;
                continue;
            }
            '(' | '[' | '{' => brackets.push(c),
            ')' | ']' | '}' => {
                brackets.pop();
            }
            ':' if brackets.last() == Some(&'[') => hit[6] = true,
            '.' => {
                let name = identifier_at(&chars, i + 1);
                if !name.is_empty() && chars.get(i + 1 + name.chars().count()) == Some(&'(') {
                    let group = if STR_METHODS.contains(&name.as_str()) {
                        0
                    } else if LIST_METHODS.contains(&name.as_str()) {
                        1
                    } else if DICT_METHODS.contains(&name.as_str()) {
                        2
                    } else {
                        3
                    };
                    hit[group] = true;
                }
            }
            c if c.is_alphabetic() || c == '_' => {
                let word = identifier_at(&chars, i);
                let len = word.chars().count();
                let standalone = i == 0 || !is_identifier_char(chars[i - 1]);
                if standalone && (word == "for" || word == "while") {
                    if brackets.is_empty() && at_statement_start {
                        hit[4] = true;
                    } else if word == "for" {
                        hit[5] = true;
                    }
                }
                at_statement_start = false;
                i += len;
                continue;
            }
            '\n' if brackets.is_empty() => at_statement_start = true,
            c if c.is_whitespace() => {}
            _ => at_statement_start = false,
        }
        i += 1;
    }
    hit
}

fn is_identifier_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn identifier_at(chars: &[char], from: usize) -> String {
    chars[from.min(chars.len())..]
        .iter()
        .take_while(|c| is_identifier_char(**c))
        .collect()
}

/// The index after the string literal starting at `start` (single or triple quoted).
fn skip_string(chars: &[char], start: usize) -> usize {
    let quote = chars[start];
    let triple = chars.get(start + 1) == Some(&quote) && chars.get(start + 2) == Some(&quote);
    let mut i = start + if triple { 3 } else { 1 };
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            c if c == quote => {
                if !triple {
                    return i + 1;
                }
                if chars.get(i + 1) == Some(&quote) && chars.get(i + 2) == Some(&quote) {
                    return i + 3;
                }
                i += 1;
            }
            '\n' if !triple => return i,
            _ => i += 1,
        }
    }
    chars.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_loops_and_slices_are_grouped() {
        let code = "def f(s):\n    out = []\n    for w in s.split(' '):\n        out.append(w[1:])\n    return out";
        assert_eq!(
            operations(code),
            vec!["str methods", "list methods", "loops", "slicing"]
        );
    }

    #[test]
    fn comprehensions_and_shared_methods() {
        let code = "def f(d):\n    return [k for k in d.keys()] + [d.pop('a')]";
        assert_eq!(
            operations(code),
            vec!["dict methods", "other methods", "comprehensions"]
        );
    }

    #[test]
    fn strings_and_comments_are_not_code() {
        let code = "def f(x):\n    # x.split(1)\n    return 'a.split(' + \"for\" + x";
        assert_eq!(operations(code), vec!["none of these"]);
    }
}
