//! Code serialization: line tokens, indentation tokens and the lexer's Python tokens.

use std::borrow::Cow;

use rustpython_parser::{
    lexer::{lex, LexicalError},
    Mode, Tok,
};

use super::CodeFormatError;

/// Tokenize a program into CodeExecutor code tokens (see the module docs for the layout).
pub fn code_tokens(source: &str) -> Result<Vec<String>, CodeFormatError> {
    Ok(code_token_texts(source)?
        .into_iter()
        .map(Cow::into_owned)
        .collect())
}

/// [`code_tokens`], each token that is source text borrowed from `source`.
pub fn code_token_texts(source: &str) -> Result<Vec<Cow<'_, str>>, CodeFormatError> {
    let lines = LineIndex::new(source);
    let mut out = Vec::with_capacity(source.len() / 3);
    let mut pending_indentation: Vec<&'static str> = Vec::new();
    let mut current_line: Option<usize> = None;
    for item in lex(source, Mode::Module) {
        let (tok, range) = item.map_err(|err| lex_error(&lines, &err))?;
        match tok {
            Tok::Newline | Tok::EndOfFile => continue,
            Tok::Indent => pending_indentation.push("<indent>"),
            Tok::Dedent => pending_indentation.push("<dedent>"),
            _ => {
                let start = range.start().to_usize();
                let line = lines.line_of(start);
                if current_line != Some(line) {
                    current_line = Some(line);
                    out.push(Cow::Owned(format!("<{line}>")));
                }
                out.extend(pending_indentation.drain(..).map(Cow::Borrowed));
                let text = source
                    .get(start..range.end().to_usize())
                    .unwrap_or_default();
                out.push(Cow::Borrowed(text));
            }
        }
    }
    Ok(out)
}

/// The error with its position. The lexer reports "EOL while scanning" just past the newline;
/// that position counts as the end of the line that holds the unterminated string.
fn lex_error(lines: &LineIndex, err: &LexicalError) -> CodeFormatError {
    let message = err.error.to_string();
    let mut offset = err.location.to_usize();
    if message.starts_with("EOL") {
        offset = offset.saturating_sub(1);
    }
    let (line, column) = lines.position(offset);
    CodeFormatError::Lex {
        line,
        column,
        message,
    }
}

/// Byte offsets of line starts, to map a byte offset to a 0-based line.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(source: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// The 0-based line holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset) - 1
    }

    /// The 1-based line and column of byte `offset`.
    fn position(&self, offset: usize) -> (u32, u32) {
        let line = self.line_of(offset);
        let column = offset - self.starts[line] + 1;
        (to_u32(line + 1), to_u32(column))
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
