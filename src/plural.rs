//! Counts in messages: `1 record`, `2 records`, `0 records`.

/// `n` and `noun`, with an `s` added unless `n` is 1.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(1, "program"), "1 program");
        assert_eq!(count(0, "program"), "0 programs");
        assert_eq!(count(2, "record"), "2 records");
    }
}
