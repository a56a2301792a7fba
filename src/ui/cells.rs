//! Text fitted to a number of terminal columns: wide characters (`日本語`) take two, a cut
//! ends in `…`, and a cell can be padded so the column after it lines up.

use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

/// `text` cut to at most `width` columns (ending in `…` when cut).
pub(super) fn cut(text: &str, width: usize) -> String {
    let full: usize = text.chars().map(char_width).sum();
    if full <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = char_width(c);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// `text` cut to `width` columns and padded with spaces to exactly `width`.
pub(super) fn cell(text: &str, width: usize) -> String {
    let mut out = cut(text, width);
    let used: usize = out.chars().map(char_width).sum();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

/// A line whose spans are cut so the whole fits in `width` columns.
pub(super) fn cut_line(line: Line<'static>, width: usize) -> Line<'static> {
    let mut left = width;
    let mut spans = Vec::new();
    let style = line.style;
    for span in line.spans {
        if left == 0 {
            break;
        }
        let text = cut(&span.content, left);
        left = left.saturating_sub(text.chars().map(char_width).sum());
        spans.push(Span::styled(text, span.style));
    }
    Line::from(spans).style(style)
}

/// Keep what fits in `height` rows; when rows are left out, the last row says how many.
pub(super) fn with_more_mark(
    mut lines: Vec<Line<'static>>,
    height: usize,
    mark_style: ratatui::style::Style,
) -> Vec<Line<'static>> {
    if lines.len() <= height || height == 0 {
        return lines;
    }
    let hidden = lines.len() - (height - 1);
    lines.truncate(height - 1);
    lines.push(Line::styled(format!("+{hidden} more"), mark_style));
    lines
}

fn char_width(c: char) -> usize {
    c.width().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_count_two_columns() {
        assert_eq!(cell("日本語", 8), "日本語  ");
        assert_eq!(cut("日本語", 5), "日本…");
        assert_eq!(cell("abcdef", 4), "abc…");
        assert_eq!(cut("abc", 3), "abc");
    }

    #[test]
    fn hidden_rows_are_counted() {
        let lines: Vec<Line> = (0..10).map(|i| Line::raw(i.to_string())).collect();
        let kept = with_more_mark(lines, 4, ratatui::style::Style::new());
        assert_eq!(kept.len(), 4);
        assert_eq!(kept[3].to_string(), "+7 more");
    }
}
