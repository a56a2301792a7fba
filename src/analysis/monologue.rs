//! A model's monologue about an execution, held against the real execution line by line. It is
//! a heuristic reading of free text; exactly this is read:
//!
//! - **Paragraphs**: runs of non-blank lines. A line that starts (after spaces and one list
//!   marker: `-`, `*`, `+` or `N.`) with `[` (a `[Lk]` label, or a tag such as `[ANSWER]`) or
//!   with `#` starts a new paragraph, so each bullet of a SemCoder monologue is one paragraph.
//! - **Links to a line**: a `[Lk]` label names program line `k - offset` (SemCoder's prompts
//!   label program line n as `[L{n + 4}]`, so the explorer passes 4); the word `line` (any case)
//!   followed by a number N names program line N. A paragraph's line is its first link.
//! - **Claims**, read only in a paragraph that has a line, each at its place in the text:
//!   - `` `NAME` = VALUE `` and `` `NAME = VALUE` `` (one `=`, not `==`);
//!   - `NAME becomes VALUE`, `NAME is set to VALUE`, `NAME is updated to VALUE`,
//!     `NAME is now VALUE`, `NAME is assigned VALUE` (NAME in backticks or bare; a bare NAME
//!     must be a Python identifier other than a handful of English words such as `it`);
//!   - `returns VALUE` and `return VALUE`.
//!
//!   VALUE is a text in backticks, or a Python literal where it stands: a string in `'` or `"`
//!   (backslash escapes honoured), a number, a bracketed list / tuple / dict / set (brackets
//!   balanced, strings inside honoured), `True`, `False` or `None`. Anything else is no claim.
//! - **The truth** for a claim about NAME on line L: NAME's `repr` after every run of line L (a
//!   `line` step carries the state after its line) and before it (at the previous step of the
//!   same frame), and at a `call` step on line L (a `def` line: the arguments); for `returns`,
//!   the values returned at line L, or, when nothing returns there, every value a function
//!   called from the module level returned.
//! - **Comparison**: both sides are normalised (whitespace outside strings dropped, every
//!   string's quotes made `'`), so `["a", 1]` equals the repr `['a', 1]`. A claim is right when
//!   any truth value equals it, wrong when there are truth values and none does, and not judged
//!   when the line never ran or NAME is not visible there.

use crate::trace::{Event, Step};

/// One paragraph of the monologue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paragraph {
    /// Byte range in the monologue text.
    pub start: usize,
    pub end: usize,
    /// The program line (1-based) the paragraph is about, when it names one.
    pub line: Option<u32>,
    pub claims: Vec<Claim>,
}

/// What a claim is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A variable's value on the paragraph's line.
    Variable(String),
    /// The value a function returns.
    Return,
}

/// A value the monologue states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// Byte range of the claim in the monologue text (from the name, or `return`, to the end
    /// of the value).
    pub start: usize,
    pub end: usize,
    pub subject: Subject,
    /// The value as written.
    pub value: String,
}

/// A claim held against the truth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judgement {
    Right,
    /// No truth value equals the claim; `truth` holds the first few (at most 3) there were.
    Wrong {
        truth: Vec<String>,
    },
    /// The line never ran, or the variable is not visible there.
    NotJudged,
}

/// The monologue read into paragraphs, links and claims.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Monologue {
    pub paragraphs: Vec<Paragraph>,
}

impl Monologue {
    /// Read `text`; `label_offset` turns a `[Lk]` label into program line `k - label_offset`.
    pub fn parse(text: &str, label_offset: u32) -> Monologue {
        let paragraphs = paragraph_ranges(text)
            .into_iter()
            .map(|(start, end)| {
                let body = &text[start..end];
                let line = first_link(body, label_offset);
                let claims = if line.is_some() {
                    claims_in(body)
                        .into_iter()
                        .map(|c| Claim {
                            start: start + c.start,
                            end: start + c.end,
                            ..c
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                Paragraph {
                    start,
                    end,
                    line,
                    claims,
                }
            })
            .collect();
        Monologue { paragraphs }
    }

    /// The paragraphs about program line `line`.
    pub fn paragraphs_on(&self, line: u32) -> impl Iterator<Item = usize> + '_ {
        self.paragraphs
            .iter()
            .enumerate()
            .filter(move |(_, p)| p.line == Some(line))
            .map(|(i, _)| i)
    }

    /// Every claim judged against the recorded `steps`, in text order: (paragraph, claim
    /// index within it, judgement).
    pub fn judge(&self, steps: &[Step]) -> Vec<(usize, usize, Judgement)> {
        let mut out = Vec::new();
        for (p, paragraph) in self.paragraphs.iter().enumerate() {
            let Some(line) = paragraph.line else { continue };
            for (c, claim) in paragraph.claims.iter().enumerate() {
                out.push((p, c, judge_claim(claim, line, steps)));
            }
        }
        out
    }
}

/// Where a paragraph starts: a `[Lk]` label, a tag or a heading at the start of a line.
fn starts_paragraph(line: &str) -> bool {
    let rest = line.trim_start();
    let rest = rest
        .strip_prefix(['-', '*', '+'])
        .or_else(|| {
            let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            (digits > 0)
                .then(|| rest[digits..].strip_prefix('.'))
                .flatten()
        })
        .unwrap_or(rest)
        .trim_start();
    rest.starts_with('[') || rest.starts_with('#')
}

/// Byte ranges of the paragraphs of `text` (trailing line ends left out).
fn paragraph_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, usize)> = None;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        let end = start + content.len();
        if content.trim().is_empty() {
            out.extend(open.take());
            continue;
        }
        match open.as_mut() {
            Some(range) if !starts_paragraph(content) => range.1 = end,
            _ => {
                out.extend(open.take());
                open = Some((start, end));
            }
        }
    }
    out.extend(open);
    out
}

/// The first line a paragraph links to.
fn first_link(body: &str, label_offset: u32) -> Option<u32> {
    let label = body.find("[L").and_then(|i| {
        let digits = leading_digits(&body[i + 2..]);
        let rest = &body[i + 2 + digits.len()..];
        let k: u32 = digits.parse().ok()?;
        (rest.starts_with(']') && k > label_offset).then_some((i, k - label_offset))
    });
    let lower = body.to_ascii_lowercase();
    let mention = lower.match_indices("line").find_map(|(i, _)| {
        let word_start = i == 0 || !is_ident_char(lower[..i].chars().next_back()?);
        let rest = lower[i + 4..].strip_prefix(' ')?;
        let digits = leading_digits(rest);
        let n: u32 = digits.parse().ok()?;
        (word_start && n > 0).then_some((i, n))
    });
    match (label, mention) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a.1 } else { b.1 }),
        (a, b) => a.or(b).map(|(_, line)| line),
    }
}

fn leading_digits(text: &str) -> &str {
    let n = text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    &text[..n]
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_') && chars.all(is_ident_char)
}

/// English words that stand before "becomes" without being a variable.
const NOT_NAMES: &[&str] = &[
    "it",
    "this",
    "that",
    "which",
    "what",
    "value",
    "result of",
    "and",
    "then",
    "now",
    "so",
];

/// The words that assign a value to the name before them.
const ASSIGNING: &[&str] = &[
    " becomes ",
    " is set to ",
    " is updated to ",
    " is now ",
    " is assigned ",
];

/// The claims of one paragraph, in text order (ranges relative to `body`).
fn claims_in(body: &str) -> Vec<Claim> {
    let mut claims = Vec::new();
    // `NAME = VALUE` inside backticks, and `NAME` followed by `=` or an assigning word.
    for (open, close) in backtick_spans(body) {
        let inner = &body[open + 1..close];
        if let Some((name, value)) = split_assignment(inner) {
            claims.push(Claim {
                start: open,
                end: close + 1,
                subject: Subject::Variable(name.to_string()),
                value: value.to_string(),
            });
            continue;
        }
        if !is_identifier(inner) {
            continue;
        }
        let after = &body[close + 1..];
        let value_at = if let Some(rest) = after.trim_start().strip_prefix('=') {
            (!rest.starts_with('=')).then(|| body.len() - rest.len())
        } else {
            ASSIGNING
                .iter()
                .find_map(|w| {
                    after
                        .strip_prefix(w.trim_end())
                        .map(|r| body.len() - r.len())
                })
                .filter(|_| after.starts_with(' '))
        };
        if let Some((value, end)) = value_at.and_then(|at| value_at_text(body, at)) {
            claims.push(Claim {
                start: open,
                end,
                subject: Subject::Variable(inner.to_string()),
                value,
            });
        }
    }
    // Bare `NAME becomes VALUE`.
    for word in ASSIGNING {
        for (i, _) in body.match_indices(word) {
            let before = &body[..i];
            let name_start = before
                .char_indices()
                .rev()
                .take_while(|(_, c)| is_ident_char(*c))
                .last()
                .map_or(i, |(j, _)| j);
            let name = &body[name_start..i];
            let backticked = before.ends_with('`');
            if backticked || !is_identifier(name) || NOT_NAMES.contains(&name) {
                continue;
            }
            if let Some((value, end)) = value_at_text(body, i + word.len()) {
                claims.push(Claim {
                    start: name_start,
                    end,
                    subject: Subject::Variable(name.to_string()),
                    value,
                });
            }
        }
    }
    // `returns VALUE`.
    for word in ["returns ", "return "] {
        for (i, _) in body.match_indices(word) {
            let word_start = body[..i]
                .chars()
                .next_back()
                .is_none_or(|c| !is_ident_char(c));
            if !word_start {
                continue;
            }
            if let Some((value, end)) = value_at_text(body, i + word.len()) {
                claims.push(Claim {
                    start: i,
                    end,
                    subject: Subject::Return,
                    value,
                });
            }
        }
    }
    claims.sort_by_key(|c| c.start);
    claims.dedup_by(|later, earlier| later.start < earlier.end);
    claims
}

/// The byte positions of matched backtick pairs.
fn backtick_spans(text: &str) -> Vec<(usize, usize)> {
    let ticks: Vec<usize> = text.match_indices('`').map(|(i, _)| i).collect();
    ticks.chunks_exact(2).map(|p| (p[0], p[1])).collect()
}

/// `NAME = VALUE` (one `=`), as written inside backticks.
fn split_assignment(text: &str) -> Option<(&str, &str)> {
    let at = text.find('=')?;
    let (name, rest) = (text[..at].trim(), &text[at + 1..]);
    if rest.starts_with('=') || !is_identifier(name) {
        return None;
    }
    let value = rest.trim();
    (!value.is_empty()).then_some((name, value))
}

/// The value written at byte `at` of `text` (spaces skipped) and where it ends.
fn value_at_text(text: &str, at: usize) -> Option<(String, usize)> {
    let skipped = text[at..].len() - text[at..].trim_start().len();
    let start = at + skipped;
    let rest = &text[start..];
    let first = rest.chars().next()?;
    let len = match first {
        '`' => {
            let close = rest[1..].find('`')?;
            return Some((rest[1..1 + close].trim().to_string(), start + close + 2));
        }
        '\'' | '"' => string_len(rest)?,
        '[' | '(' | '{' => bracketed_len(rest)?,
        '-' | '0'..='9' => {
            let n = rest
                .char_indices()
                .skip(1)
                .find(|(_, c)| !(c.is_ascii_digit() || *c == '.' || *c == '_'))
                .map_or(rest.len(), |(i, _)| i);
            // A sentence's full stop is not part of the number.
            let n = rest[..n].trim_end_matches('.').len();
            if !rest[..n].chars().any(|c| c.is_ascii_digit()) {
                return None;
            }
            n
        }
        _ => ["True", "False", "None"]
            .iter()
            .find(|w| {
                rest.starts_with(**w)
                    && rest[w.len()..]
                        .chars()
                        .next()
                        .is_none_or(|c| !is_ident_char(c))
            })?
            .len(),
    };
    Some((rest[..len].to_string(), start + len))
}

/// The length of the string literal at the start of `text`.
fn string_len(text: &str) -> Option<usize> {
    let quote = text.chars().next()?;
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '\n' => return None,
            c if c == quote => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// The length of the balanced bracketed literal at the start of `text`.
fn bracketed_len(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = 0;
    while i < text.len() {
        let c = text[i..].chars().next()?;
        match c {
            '\'' | '"' => {
                i += string_len(&text[i..])?;
                continue;
            }
            '[' | '(' | '{' => depth += 1,
            ']' | ')' | '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            '\n' => return None,
            _ => {}
        }
        i += c.len_utf8();
    }
    None
}

/// A value in a canonical form: whitespace outside strings dropped, every string quoted `'`.
pub fn normalise(value: &str) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < value.len() {
        let Some(c) = value[i..].chars().next() else {
            break;
        };
        if c == '\'' || c == '"' {
            if let Some(len) = string_len(&value[i..]) {
                out.push('\'');
                out.push_str(&value[i + 1..i + len - 1]);
                out.push('\'');
                i += len;
                continue;
            }
        }
        if !c.is_whitespace() {
            out.push(c);
        }
        i += c.len_utf8();
    }
    out
}

/// The previous step of the frame of `steps[i]` (`None` before that frame began).
fn prev_in_frame(steps: &[Step], i: usize) -> Option<usize> {
    let (depth, func) = (steps[i].depth, &steps[i].func);
    for j in (0..i).rev() {
        let step = &steps[j];
        if step.depth < depth {
            return None;
        }
        if step.depth == depth && step.func == *func {
            return Some(j);
        }
    }
    None
}

/// The values the truth has for `claim` on `line`.
fn truth_values(claim: &Claim, line: u32, steps: &[Step]) -> Vec<String> {
    let mut values: Vec<String> = Vec::new();
    let mut add = |v: &str| {
        if !values.iter().any(|seen| seen == v) {
            values.push(v.to_string());
        }
    };
    match &claim.subject {
        Subject::Variable(name) => {
            for (i, step) in steps.iter().enumerate() {
                let before = match step.event {
                    Event::Line => prev_in_frame(steps, i),
                    Event::Call => None,
                    Event::Return | Event::Exception => continue,
                };
                if step.line != line {
                    continue;
                }
                for at in [before, Some(i)].into_iter().flatten() {
                    if let Some(local) = steps[at].locals.iter().find(|l| &l.name == name) {
                        add(&local.repr);
                    }
                }
            }
        }
        Subject::Return => {
            let returned = |s: &&Step| s.event == Event::Return && s.value.is_some();
            let here: Vec<&Step> = steps
                .iter()
                .filter(returned)
                .filter(|s| s.line == line)
                .collect();
            let from_module: Vec<&Step> = steps
                .iter()
                .filter(returned)
                .filter(|s| s.depth == 1)
                .collect();
            let chosen = if here.is_empty() { from_module } else { here };
            for step in chosen {
                if let Some(value) = &step.value {
                    add(&value.repr);
                }
            }
        }
    }
    values
}

fn judge_claim(claim: &Claim, line: u32, steps: &[Step]) -> Judgement {
    let truth = truth_values(claim, line, steps);
    if truth.is_empty() {
        return Judgement::NotJudged;
    }
    let said = normalise(&claim.value);
    if truth.iter().any(|t| normalise(t) == said) {
        Judgement::Right
    } else {
        Judgement::Wrong {
            truth: truth.into_iter().take(3).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::Value;

    fn step(event: Event, line: u32, func: &str, depth: u32, locals: &[(&str, &str)]) -> Step {
        Step::hand_made(event, line, func, depth, locals)
    }

    const TEXT: &str = "Let's simulate `f(3)`.\n\
- [L5]: The function is called with `n = 3`.\n\
- [L6]: `total` is initialized to `0`.\n\
\x20 The loop starts.\n\
\n\
On line 3, total becomes 5.\n\
- [L8]: The function returns `[\"a\", 1]`.\n";

    #[test]
    fn paragraphs_split_at_blank_lines_and_labels() {
        let m = Monologue::parse(TEXT, 4);
        let lines: Vec<Option<u32>> = m.paragraphs.iter().map(|p| p.line).collect();
        assert_eq!(lines, [None, Some(1), Some(2), Some(3), Some(4)]);
        assert_eq!(
            &TEXT[m.paragraphs[2].start..m.paragraphs[2].end],
            "- [L6]: `total` is initialized to `0`.\n  The loop starts."
        );
        assert_eq!(m.paragraphs_on(3).collect::<Vec<_>>(), [3]);
    }

    #[test]
    fn claims_are_read_where_they_stand() {
        let m = Monologue::parse(TEXT, 4);
        let said = |p: usize| -> Vec<(Subject, String)> {
            m.paragraphs[p]
                .claims
                .iter()
                .map(|c| (c.subject.clone(), c.value.clone()))
                .collect()
        };
        let var = |n: &str| Subject::Variable(n.into());
        assert!(said(0).is_empty(), "no line, no claims");
        assert_eq!(said(1), [(var("n"), "3".to_string())]);
        // "is initialized to" is not an assigning phrase: no claim.
        assert!(said(2).is_empty());
        assert_eq!(said(3), [(var("total"), "5".to_string())]);
        assert_eq!(said(4), [(Subject::Return, "[\"a\", 1]".to_string())]);
        let claim = &m.paragraphs[3].claims[0];
        assert_eq!(&TEXT[claim.start..claim.end], "total becomes 5");
    }

    #[test]
    fn values_of_every_kind_are_read_whole() {
        let read = |t: &str| value_at_text(t, 0).map(|(v, _)| v);
        assert_eq!(read("'a\\'b' then").as_deref(), Some("'a\\'b'"));
        assert_eq!(
            read("{'k': [1, (2, 3)]}.").as_deref(),
            Some("{'k': [1, (2, 3)]}")
        );
        assert_eq!(read("-4.5.").as_deref(), Some("-4.5"));
        assert_eq!(read("Nonesuch"), None);
        assert_eq!(read("None,").as_deref(), Some("None"));
        assert_eq!(read("`x + 1` now").as_deref(), Some("x + 1"));
        assert_eq!(read("an empty list"), None);
        assert_eq!(read("[1, 2"), None);
    }

    #[test]
    fn claims_are_judged_against_the_line_before_and_after_it_ran() {
        // def f(n):        line 1
        //     total = 0     line 2
        //     total += n    line 3
        //     return total  line 4
        // f(3)              line 5
        // A line step carries the state after its line, as the tracer records it.
        let mut ret = step(Event::Return, 4, "f", 1, &[("n", "3"), ("total", "3")]);
        ret.value = Some(Value {
            repr: "3".into(),
            ty: "int".into(),
        });
        let steps = vec![
            step(Event::Line, 1, "<module>", 0, &[]),
            step(Event::Call, 1, "f", 1, &[("n", "3")]),
            step(Event::Line, 2, "f", 1, &[("n", "3"), ("total", "0")]),
            step(Event::Line, 3, "f", 1, &[("n", "3"), ("total", "3")]),
            ret,
            step(Event::Line, 5, "<module>", 0, &[]),
        ];
        let text = "[L6]: `total` = 0\n[L7]: total becomes 5\n[L7]: `total` = 3\n\
                    [L8]: returns 3\n[L5]: `n` = 3\n[L5]: `m` = 1\n[L9]: `total` = 1\n";
        let m = Monologue::parse(text, 4);
        let judged: Vec<Judgement> = m.judge(&steps).into_iter().map(|(_, _, j)| j).collect();
        assert_eq!(
            judged,
            [
                Judgement::Right,
                Judgement::Wrong {
                    truth: vec!["0".into(), "3".into()]
                },
                Judgement::Right,
                Judgement::Right,
                Judgement::Right,
                Judgement::NotJudged,
                Judgement::NotJudged,
            ]
        );
    }

    #[test]
    fn normalising_unifies_quotes_and_spacing() {
        assert_eq!(normalise("[\"a\",  1]"), normalise("['a', 1]"));
        assert_eq!(normalise("'a b'"), "'a b'");
        assert_ne!(normalise("'ab'"), normalise("'a b'"));
    }
}
