//! Themes: the named styles the explorer draws with, loaded from TOML.
//!
//! Three themes ship inside the binary (`themes/*.toml`, embedded with `include_str!`). A user
//! theme file may set only some keys, and within a key only some fields: everything else comes
//! from the default theme. Unknown keys, unknown fields and bad colours are errors that name the
//! file and the key, so the command line can report them before the terminal enters raw mode.

use std::path::Path;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

/// The shipped themes: (name, TOML text).
pub const BUILTIN_THEMES: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

/// A theme load failure, naming the source (file path or built-in name) and the key.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("theme {source_name}: {message}")]
    Invalid {
        source_name: String,
        message: String,
    },
    #[error("theme {path}: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("unknown theme `{0}`: expected a file path or one of default, light, high-contrast")]
    UnknownName(String),
}

macro_rules! theme_slots {
    ($($key:ident: $doc:literal),* $(,)?) => {
        /// Every style the explorer uses; each field is one theme key.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct Theme {
            $(#[doc = $doc] pub $key: Style,)*
        }

        impl Theme {
            /// The theme keys, in file order.
            pub const KEYS: &'static [&'static str] = &[$(stringify!($key)),*];

            fn slot_mut(&mut self, key: &str) -> Option<&mut Style> {
                match key {
                    $(stringify!($key) => Some(&mut self.$key),)*
                    _ => None,
                }
            }

            fn blank() -> Theme {
                Theme { $($key: Style::new(),)* }
            }
        }
    };
}

theme_slots! {
    base: "Text and background of every pane.",
    border: "Borders of unfocused panes.",
    border_focused: "Border of the focused pane.",
    title: "Pane titles.",
    line_number: "Line numbers in the editor and code view.",
    cursor: "The editor cursor.",
    cursor_line: "The editor line holding the cursor.",
    current_line: "The line of the current step.",
    next_line: "The line that runs next.",
    selected_step: "The selected row of the step list.",
    changed_value: "A variable whose value changed since the previous step of its frame.",
    syntax_error: "The place of a syntax error.",
    exception: "Exception details and non-completed outcomes.",
    stale: "Marks a trace that no longer matches the editor.",
    dim: "Secondary text.",
    status_bar: "The status bar.",
    help_key: "Key names in the help overlay.",
}

impl Theme {
    /// The default (dark) theme.
    pub fn default_theme() -> Theme {
        let mut theme = Theme::blank();
        theme
            .apply_toml(BUILTIN_THEMES[0].1, "default")
            .expect("the shipped default theme is valid (tested)");
        theme
    }

    /// Load `--theme NAME|PATH`: a built-in name, else a file path.
    pub fn load(name_or_path: &str) -> Result<Theme, ThemeError> {
        if let Some((name, text)) = BUILTIN_THEMES.iter().find(|(n, _)| *n == name_or_path) {
            return Theme::from_toml(text, name);
        }
        let path = Path::new(name_or_path);
        if !path.exists() {
            return Err(ThemeError::UnknownName(name_or_path.to_string()));
        }
        let text = std::fs::read_to_string(path).map_err(|error| ThemeError::Read {
            path: path.display().to_string(),
            error,
        })?;
        Theme::from_toml(&text, &path.display().to_string())
    }

    /// Parse a (possibly partial) theme; missing keys and fields come from the default theme.
    pub fn from_toml(text: &str, source_name: &str) -> Result<Theme, ThemeError> {
        let mut theme = Theme::default_theme();
        theme.apply_toml(text, source_name)?;
        Ok(theme)
    }

    fn apply_toml(&mut self, text: &str, source_name: &str) -> Result<(), ThemeError> {
        let invalid = |message: String| ThemeError::Invalid {
            source_name: source_name.to_string(),
            message,
        };
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| invalid(format!("not valid TOML: {}", e.message())))?;
        for (key, value) in &table {
            let slot = self.slot_mut(key).ok_or_else(|| {
                invalid(format!(
                    "unknown key `{key}` (known keys: {})",
                    Theme::KEYS.join(", ")
                ))
            })?;
            *slot = parse_style(*slot, key, value).map_err(invalid)?;
        }
        Ok(())
    }
}

/// Overlay the fields given in `value` onto `style`.
fn parse_style(mut style: Style, key: &str, value: &toml::Value) -> Result<Style, String> {
    let fields = value
        .as_table()
        .ok_or_else(|| format!("key `{key}`: expected a table like {{ fg = \"red\" }}"))?;
    for (field, v) in fields {
        match field.as_str() {
            "fg" => style.fg = Some(parse_color(key, field, v)?),
            "bg" => style.bg = Some(parse_color(key, field, v)?),
            "modifiers" => {
                let names = v
                    .as_array()
                    .ok_or_else(|| format!("key `{key}.modifiers`: expected a list of names"))?;
                style.add_modifier = Modifier::empty();
                for name in names {
                    let name = name.as_str().unwrap_or_default();
                    style.add_modifier |= parse_modifier(name).ok_or_else(|| {
                        format!("key `{key}.modifiers`: unknown modifier `{name}`")
                    })?;
                }
            }
            other => {
                return Err(format!(
                    "key `{key}`: unknown field `{other}` (expected fg, bg, modifiers)"
                ))
            }
        }
    }
    Ok(style)
}

fn parse_color(key: &str, field: &str, value: &toml::Value) -> Result<Color, String> {
    let text = value
        .as_str()
        .ok_or_else(|| format!("key `{key}.{field}`: expected a colour string"))?;
    Color::from_str(text).map_err(|_| format!("key `{key}.{field}`: bad colour `{text}`"))
}

fn parse_modifier(name: &str) -> Option<Modifier> {
    Some(match name {
        "bold" => Modifier::BOLD,
        "dim" => Modifier::DIM,
        "italic" => Modifier::ITALIC,
        "underlined" => Modifier::UNDERLINED,
        "reversed" => Modifier::REVERSED,
        "crossed_out" => Modifier::CROSSED_OUT,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_theme_parses_and_sets_every_key() {
        for (name, text) in BUILTIN_THEMES {
            let table: toml::Table = text.parse().unwrap();
            for key in Theme::KEYS {
                assert!(table.contains_key(*key), "theme {name} lacks key {key}");
            }
            Theme::load(name).unwrap_or_else(|e| panic!("{e}"));
        }
        assert_ne!(Theme::load("light").unwrap(), Theme::default_theme());
    }

    #[test]
    fn partial_theme_inherits_the_default() {
        let theme = Theme::from_toml("current_line = { bg = \"blue\" }", "mine.toml").unwrap();
        let default = Theme::default_theme();
        assert_eq!(theme.current_line.bg, Some(Color::Blue));
        assert_eq!(theme.current_line.fg, default.current_line.fg);
        assert_eq!(theme.status_bar, default.status_bar);
    }

    /// A colour as xterm shows it: the 16 ANSI colours of xterm's default palette, the
    /// 6x6x6 cube and the gray ramp; `reset` is the terminal's own `default` (black text on
    /// white for a light theme's background, the reverse for a dark one).
    fn xterm_rgb(color: Color, reset: (u8, u8, u8)) -> (u8, u8, u8) {
        const ANSI: [(u8, u8, u8); 16] = [
            (0x00, 0x00, 0x00),
            (0xcd, 0x00, 0x00),
            (0x00, 0xcd, 0x00),
            (0xcd, 0xcd, 0x00),
            (0x00, 0x00, 0xee),
            (0xcd, 0x00, 0xcd),
            (0x00, 0xcd, 0xcd),
            (0xe5, 0xe5, 0xe5),
            (0x7f, 0x7f, 0x7f),
            (0xff, 0x00, 0x00),
            (0x00, 0xff, 0x00),
            (0xff, 0xff, 0x00),
            (0x5c, 0x5c, 0xff),
            (0xff, 0x00, 0xff),
            (0x00, 0xff, 0xff),
            (0xff, 0xff, 0xff),
        ];
        let indexed = |i: u8| match i {
            0..=15 => ANSI[usize::from(i)],
            16..=231 => {
                let level = |n: u8| if n == 0 { 0 } else { 55 + 40 * n };
                let i = i - 16;
                (level(i / 36), level(i / 6 % 6), level(i % 6))
            }
            _ => {
                let gray = 8 + 10 * (i - 232);
                (gray, gray, gray)
            }
        };
        match color {
            Color::Reset => reset,
            Color::Rgb(r, g, b) => (r, g, b),
            Color::Indexed(i) => indexed(i),
            Color::Black => ANSI[0],
            Color::Red => ANSI[1],
            Color::Green => ANSI[2],
            Color::Yellow => ANSI[3],
            Color::Blue => ANSI[4],
            Color::Magenta => ANSI[5],
            Color::Cyan => ANSI[6],
            Color::Gray => ANSI[7],
            Color::DarkGray => ANSI[8],
            Color::LightRed => ANSI[9],
            Color::LightGreen => ANSI[10],
            Color::LightYellow => ANSI[11],
            Color::LightBlue => ANSI[12],
            Color::LightMagenta => ANSI[13],
            Color::LightCyan => ANSI[14],
            Color::White => ANSI[15],
        }
    }

    /// WCAG 2 relative luminance.
    fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    }

    fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
        let (la, lb) = (luminance(a), luminance(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    #[test]
    fn every_style_of_every_theme_reads_at_4_5_to_1() {
        assert!((contrast((0, 0, 0), (255, 255, 255)) - 21.0).abs() < 1e-9);
        assert!(contrast(xterm_rgb(Color::Gray, (0, 0, 0)), (255, 255, 255)) < 1.3);
        let mut failures = Vec::new();
        for (name, _) in BUILTIN_THEMES {
            let mut theme = Theme::load(name).unwrap();
            let base = theme.base;
            let reset_bg = xterm_rgb(base.bg.unwrap_or(Color::Reset), (0, 0, 0));
            let reset_fg = if luminance(reset_bg) > 0.5 {
                (0, 0, 0)
            } else {
                (255, 255, 255)
            };
            for key in Theme::KEYS {
                let style = *theme.slot_mut(key).unwrap();
                let mut fg = style.fg.or(base.fg).unwrap_or(Color::Reset);
                let mut bg = style.bg.or(base.bg).unwrap_or(Color::Reset);
                if style.add_modifier.contains(Modifier::REVERSED) {
                    std::mem::swap(&mut fg, &mut bg);
                }
                let ratio = contrast(xterm_rgb(fg, reset_fg), xterm_rgb(bg, reset_bg));
                if ratio < 4.5 {
                    failures.push(format!("{name}.{key}: {fg} on {bg} is {ratio:.2}:1"));
                }
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn unknown_name_is_reported() {
        let err = Theme::load("no-such-theme").unwrap_err().to_string();
        assert!(err.contains("unknown theme `no-such-theme`"), "{err}");
    }
}
