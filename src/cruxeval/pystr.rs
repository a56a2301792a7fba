//! The few Python `str` operations the published prompt builders and answer extractors use,
//! with Python's semantics where Rust's differ: `str.strip()` and `str.isspace()` (Python also
//! counts U+001C..U+001F as whitespace), `s.split(sep)[i]`, and `s.rfind(sub)` answering -1
//! when absent (in characters, which matters when code adds a length to it).

/// Python's `str.isspace()` for one character.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `s.strip()`.
pub fn strip(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// Python's `s.strip() == ""`.
pub fn is_blank(s: &str) -> bool {
    strip(s).is_empty()
}

/// Python's `s.split(sep)[index]` where the caller knows `sep in s` (so indexes 0 and 1
/// exist); `""` otherwise, where Python would raise.
pub fn split_part<'a>(s: &'a str, sep: &str, index: usize) -> &'a str {
    s.split(sep).nth(index).unwrap_or("")
}

/// Python's `s.rfind(sub) + shift`, as a byte offset into `s` clamped to its length the way
/// slicing clamps: when `sub` is absent Python's -1 plus `shift` counts characters.
pub fn rfind_plus(s: &str, sub: &str, shift: usize) -> usize {
    match s.rfind(sub) {
        Some(at) => (at + shift).min(s.len()),
        None => s
            .char_indices()
            .nth(shift.saturating_sub(1))
            .map_or(s.len(), |(at, _)| at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_is_pythons() {
        assert_eq!(strip("\u{1f} a b\u{a0}\n"), "a b");
        assert_eq!(strip("\u{200b}x"), "\u{200b}x"); // ZERO WIDTH SPACE is not whitespace
    }

    #[test]
    fn split_part_indexes_like_python() {
        assert_eq!(split_part("a == b == c", "==", 1), " b ");
        assert_eq!(split_part("a == b", "==", 0), "a ");
        assert_eq!(split_part("ab", "==", 1), "");
    }

    #[test]
    fn rfind_plus_counts_characters_when_absent() {
        assert_eq!(rfind_plus("x[ANSWER]y", "[ANSWER]", 8), 9);
        // Absent: -1 + 8 = 7 characters in; "é" is two bytes.
        assert_eq!(rfind_plus("éabcdefgh", "[ANSWER]", 8), 8);
        assert_eq!(rfind_plus("abc", "[ANSWER]", 8), 3);
    }
}
