//! Value rendering: a `repr` as CodeExecutor writes it in a state.

use rustpython_parser::{lexer::lex, Mode, StringKind, Tok};

/// Render a Python `repr` as space-separated tokens, dropping the quotes of plain string
/// literals (`['x', 'y']` -> `[ x , y ]`). Decisions: a string that is empty or starts or
/// ends with whitespace keeps its quotes (`''`, `'  a '`), so no value is blank and parsing
/// (which trims values) gives it back unchanged; prefixed literals (`b'x'`) keep their prefix and quotes; escapes stay as
/// written in the repr; text the lexer cannot read (e.g. a repr cut by `max_repr` inside a
/// string) is split on whitespace, with an opening quote dropped.
pub fn render_value(repr: &str) -> String {
    render_plain(repr).unwrap_or_else(|| render_lexed(repr))
}

/// [`render_value`] through the Python lexer: any `repr`.
fn render_lexed(repr: &str) -> String {
    let mut tokens: Vec<&str> = Vec::new();
    let mut consumed = 0;
    for item in lex(repr, Mode::Module) {
        let Ok((tok, range)) = item else { break };
        let (start, end) = (range.start().to_usize(), range.end().to_usize());
        consumed = end;
        let text = repr.get(start..end).unwrap_or_default();
        match tok {
            Tok::Newline | Tok::EndOfFile | Tok::Indent | Tok::Dedent => {}
            Tok::String {
                kind: StringKind::String,
                triple_quoted,
                ..
            } => tokens.push(unquote(text, if triple_quoted { 3 } else { 1 })),
            _ if text.is_empty() => {}
            _ => tokens.push(text),
        }
    }
    let rest = repr.get(consumed..).unwrap_or_default().trim_start();
    let rest = rest.strip_prefix(['\'', '"']).unwrap_or(rest);
    tokens.extend(rest.split_whitespace());
    tokens.join(" ")
}

/// Drop `quote_len` quote characters from both ends, unless the content is empty or has
/// whitespace at either end.
fn unquote(text: &str, quote_len: usize) -> &str {
    match text.get(quote_len..text.len().saturating_sub(quote_len)) {
        Some(inner) if !inner.is_empty() && inner.trim() == inner => inner,
        _ => text,
    }
}

/// [`render_value`] of a `repr` made only of decimal integers (`-` before one), ASCII names,
/// plain one-line string literals without a backslash, brackets, `,` and `:`, separated by
/// single spaces: the most common values (`3`, `'abc'`, `[1, -2]`, `{'a': (True, None)}`),
/// read without the lexer, token for token as the lexer reads them. `None` for anything else
/// (floats, prefixed or escaped strings, `=`, `.`, other whitespace, non-ASCII outside a
/// string, unbalanced brackets, ...), which [`render_lexed`] then reads.
fn render_plain(repr: &str) -> Option<String> {
    let bytes = repr.as_bytes();
    let mut out = String::with_capacity(repr.len() + repr.len() / 2);
    let mut push = |token: &str| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(token);
    };
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        match bytes[i] {
            b' ' if i > 0 && i + 1 < bytes.len() && bytes[i - 1] != b' ' => i += 1,
            b'0'..=b'9' => {
                i += bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
                let ends = bytes.get(i).is_none_or(|b| b" ,:)]}".contains(b));
                if !ends || (bytes[start] == b'0' && i - start > 1) {
                    return None;
                }
                push(&repr[start..i]);
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                i += bytes[i..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                    .count();
                if matches!(bytes.get(i), Some(b'\'' | b'"')) {
                    return None; // a prefixed string literal
                }
                push(&repr[start..i]);
            }
            b'-' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i += 1;
                push("-");
            }
            b'(' | b'[' | b'{' | b')' | b']' | b'}' | b',' => {
                match bytes[i] {
                    b'(' | b'[' | b'{' => depth += 1,
                    b')' | b']' | b'}' => depth = depth.checked_sub(1)?,
                    _ => {}
                }
                i += 1;
                push(&repr[start..i]);
            }
            b':' if bytes.get(i + 1) != Some(&b'=') => {
                i += 1;
                push(":");
            }
            quote @ (b'\'' | b'"') => {
                let body = &bytes[i + 1..];
                if body.starts_with(&[quote, quote]) {
                    return None; // a triple-quoted string
                }
                let len = body
                    .iter()
                    .position(|b| *b == quote || *b == b'\\' || *b < 0x20)?;
                if body[len] != quote {
                    return None;
                }
                i += len + 2;
                push(unquote(&repr[start..i], 1));
            }
            _ => return None,
        }
    }
    (depth == 0 && !out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn common_values_are_read_without_the_lexer_as_the_lexer_reads_them() {
        for repr in [
            "3",
            "0",
            "-12",
            "True",
            "'abc'",
            "'a b'",
            "' a'",
            "''",
            "\"it's\"",
            "'é ü'",
            "[1, -2, 'x']",
            "{'a': (True, None), 'b': []}",
            "set()",
            "(1,)",
        ] {
            let plain = render_plain(repr);
            assert!(plain.is_some(), "{repr:?} was left to the lexer");
            assert_eq!(plain.unwrap(), render_lexed(repr), "{repr:?}");
        }
        for repr in [
            "", " 1", "1 ", "1  2", "1.5", "-x", "007", "1_000", "2j", "b'x'", "'a\\'b'",
            "'''a'''", "'abc", "[1", "1]", "x=1", "a.b", "é", "1\t2", "'a\nb'", "f(n:=1)", "- 1",
            "1-1",
        ] {
            assert_eq!(
                render_plain(repr),
                None,
                "{repr:?} was read without the lexer"
            );
        }
    }

    /// Pieces of reprs, common and tricky, for the generated ones.
    const PIECES: &[&str] = &[
        "0", "7", "42", "007", "-", "-3", "a", "None", "_x", "x1", "'a b'", "' a'", "''", "'",
        "\"it's\"", "'é'", "(", ")", "[", "]", "{", "}", ",", ":", "=", "1.5", "b'x'", "'''", "\\",
        "\n", "\t", "\u{a0}", "\u{2028}", "\u{85}", "\u{c}", "\u{7f}", "é", "j", ".",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn reading_without_the_lexer_gives_what_the_lexer_gives(
            parts in prop::collection::vec((0..PIECES.len(), 0..4usize), 0..10)
        ) {
            let repr: String = parts
                .iter()
                .map(|&(piece, gap)| format!("{}{}", PIECES[piece], ["", " ", "  ", ""][gap]))
                .collect();
            if let Some(plain) = render_plain(&repr) {
                prop_assert_eq!(plain, render_lexed(&repr), "{:?}", repr);
            }
        }
    }
}
