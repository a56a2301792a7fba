//! A program's structure: its tokens with every identifier (except attribute names and the
//! builtins and keywords generated programs use) replaced by `N`, every number by `0` and
//! every string by `S`, one line per logical line. Two programs that differ only in names and
//! literals have the same structure; the diverse stage splits train and test by it.

use rustpython_parser::{lexer::lex, Mode, Tok};

use super::diverse::names::RESERVED;

/// The structure of `code`, or `None` when it does not lex.
pub fn structure(code: &str) -> Option<String> {
    let mut out = String::new();
    let mut prev: Option<Tok> = None;
    // A unary minus waiting for its operand (a negative literal abstracts to `0` like any number).
    let mut unary_minus = false;
    for item in lex(code, Mode::Module) {
        let (tok, range) = item.ok()?;
        let after_dot = matches!(prev, Some(Tok::Dot));
        let number = matches!(
            tok,
            Tok::Int { .. } | Tok::Float { .. } | Tok::Complex { .. }
        );
        let mut text = match &tok {
            Tok::Name { name } if after_dot || RESERVED.contains(&name.as_str()) => {
                name.to_string()
            }
            Tok::Name { .. } => "N".into(),
            _ if number => "0".into(),
            Tok::String { .. } => "S".into(),
            Tok::Newline => "\n".into(),
            Tok::Indent => ">".into(),
            Tok::Dedent => "<".into(),
            Tok::EndOfFile => String::new(),
            Tok::Minus if !prev.as_ref().is_some_and(ends_operand) => {
                unary_minus = true;
                prev = Some(tok);
                continue;
            }
            _ => code
                .get(range.start().to_usize()..range.end().to_usize())
                .unwrap_or_default()
                .to_string(),
        };
        if std::mem::take(&mut unary_minus) && !number {
            text = format!("- {text}");
        }
        prev = Some(tok);
        if text.is_empty() {
            continue;
        }
        if !out.is_empty() && !out.ends_with('\n') && text != "\n" {
            out.push(' ');
        }
        out.push_str(&text);
    }
    Some(out)
}

/// Whether a token ends an operand (so a `-` after it is binary).
pub fn ends_operand(tok: &Tok) -> bool {
    matches!(
        tok,
        Tok::Name { .. }
            | Tok::Int { .. }
            | Tok::Float { .. }
            | Tok::Complex { .. }
            | Tok::String { .. }
            | Tok::Rpar
            | Tok::Rsqb
            | Tok::Rbrace
    )
}

/// The distinct statement shapes of a program: its structure's lines, indentation marks
/// dropped.
pub fn statement_shapes(code: &str) -> Vec<String> {
    structure(code)
        .unwrap_or_default()
        .lines()
        .map(|l| l.trim_start_matches(['>', '<', ' ']).to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_literals_are_abstracted_but_shapes_are_kept() {
        let a =
            structure("count = 12\nfor ch in 'abc':\n    count += len(ch)\nprint(count.real)\n");
        let b = structure("zq = -7\nfor w in 'hello world':\n    zq += len(w)\nprint(zq.real)\n");
        assert_eq!(a, b);
        assert_eq!(
            a.as_deref(),
            Some("N = 0\nfor N in S :\n> N += len ( N )\n< print ( N . real )\n")
        );
        let c = structure("count = 12\nwhile count > 0:\n    count -= 1\n");
        assert_ne!(a, c);
        assert_eq!(
            structure("a = b - 3\nc = -b\nd = [-2, 5]\n").as_deref(),
            Some("N = N - 0\nN = - N\nN = [ 0 , 0 ]\n")
        );
        assert_eq!(
            statement_shapes("x = 1\nif x:\n    y = 2\n"),
            ["N = 0", "if N :", "N = 0"]
        );
    }
}
