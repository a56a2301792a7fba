//! The keymap: the default bindings (declared with the commands, `super::command`), an
//! optional user keymap file in the same format, and the lookup the event loop uses. The help overlay is generated from this table,
//! so help and behaviour cannot drift apart.
//!
//! File format (TOML), one table per scope; a command listed there replaces its default keys
//! in that scope:
//! ```toml
//! [stepping]
//! next_step = ["n", "Right", "j"]
//! [global]
//! quit = ["Ctrl-Q"]
//! ```
//! Scopes `global`, `editor` and `stdin` apply while text is being edited, so their keys must use
//! Ctrl, Alt, an F-key, Esc, Tab or Shift-Tab: editing keys never trigger commands there.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::command::{Command, DEFAULT_BINDINGS};
use super::focus::Focus;
use super::scope::Scope;

/// One key with its modifiers, normalized (Shift is folded into characters and Shift-Tab).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyCombo {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl KeyCombo {
    /// Normalize a terminal key event.
    pub fn from_event(event: &KeyEvent) -> KeyCombo {
        let mut mods =
            event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match event.code {
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                // Ctrl+letter arrives lower-case on most terminals; fold case for Ctrl/Alt.
                if mods.is_empty() {
                    KeyCode::Char(c)
                } else {
                    KeyCode::Char(c.to_ascii_lowercase())
                }
            }
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            other => other,
        };
        KeyCombo { code, mods }
    }

    /// Parse `Ctrl-Q`, `Alt-N`, `F1`, `Shift-Tab`, `Right`, `?`, `G`.
    pub fn parse(text: &str) -> Result<KeyCombo, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = text;
        while let Some((head, tail)) = rest.split_once('-') {
            if tail.is_empty() {
                break;
            }
            match head.to_ascii_lowercase().as_str() {
                "ctrl" => mods |= KeyModifiers::CONTROL,
                "alt" => mods |= KeyModifiers::ALT,
                "shift" => mods |= KeyModifiers::SHIFT,
                _ => return Err(format!("unknown modifier `{head}` in key `{text}`")),
            }
            rest = tail;
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "tab" if mods.contains(KeyModifiers::SHIFT) => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            "tab" => KeyCode::Tab,
            "esc" => KeyCode::Esc,
            "enter" => KeyCode::Enter,
            "backspace" => KeyCode::Backspace,
            "delete" => KeyCode::Delete,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "space" => KeyCode::Char(' '),
            f if f.len() > 1 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(if mods.is_empty() {
                        c
                    } else {
                        c.to_ascii_lowercase()
                    }),
                    _ => return Err(format!("unknown key `{text}`")),
                }
            }
        };
        if matches!(code, KeyCode::Char(_)) {
            mods.remove(KeyModifiers::SHIFT);
        }
        Ok(KeyCombo { code, mods })
    }

    /// Whether a text widget would treat this key as editing (so it may not be a command there).
    fn is_editing_key(&self) -> bool {
        let modified = self
            .mods
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        let special = matches!(
            self.code,
            KeyCode::F(_) | KeyCode::Esc | KeyCode::Tab | KeyCode::BackTab
        );
        !(modified || special)
    }

    /// Whether this key would type text in `scope` (so it may not be a command there). A
    /// prompt is one line: its Enter submits.
    fn types_text_in(&self, scope: Scope) -> bool {
        let submits = scope == Scope::Prompt && self.code == KeyCode::Enter && self.mods.is_empty();
        scope.takes_text() && self.is_editing_key() && !submits
    }

    /// How hints and titles show the key: arrows as `↑ ↓ ← →`, the rest as in keymap files.
    pub fn label(&self) -> String {
        match (self.code, self.mods.is_empty()) {
            (KeyCode::Up, true) => "↑".into(),
            (KeyCode::Down, true) => "↓".into(),
            (KeyCode::Left, true) => "←".into(),
            (KeyCode::Right, true) => "→".into(),
            _ => self.to_string(),
        }
    }
}

impl fmt::Display for KeyCombo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) if self.mods.is_empty() => write!(f, "{c}"),
            KeyCode::Char(c) => write!(f, "{}", c.to_ascii_uppercase()),
            KeyCode::F(n) => write!(f, "F{n}"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// The keys bound to one command in one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub scope: Scope,
    pub command: Command,
    pub keys: Vec<KeyCombo>,
}

/// All bindings, in table order, and the lookup built from them.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<Binding>,
    lookup: HashMap<(Scope, KeyCombo), Command>,
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings = DEFAULT_BINDINGS
            .iter()
            .filter(|(_, _, keys)| !keys.is_empty())
            .map(|(scope, command, keys)| Binding {
                scope: *scope,
                command: *command,
                keys: keys
                    .iter()
                    .map(|k| KeyCombo::parse(k).expect("default keys parse (tested)"))
                    .collect(),
            })
            .collect();
        Keymap::from_bindings(bindings)
    }
}

impl Keymap {
    fn from_bindings(bindings: Vec<Binding>) -> Keymap {
        let mut lookup = HashMap::new();
        for b in &bindings {
            for key in &b.keys {
                lookup.insert((b.scope, *key), b.command);
            }
        }
        Keymap { bindings, lookup }
    }

    /// The bindings in help order.
    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// The command a key triggers with `focus` focused: the pane's scope first, then global.
    pub fn command_for(&self, focus: Focus, key: &KeyEvent) -> Option<Command> {
        let combo = KeyCombo::from_event(key);
        self.lookup
            .get(&(Scope::of_focus(focus), combo))
            .or_else(|| self.lookup.get(&(Scope::Global, combo)))
            .copied()
    }

    /// The command a key triggers in `scope` alone (a pop-up's scope).
    pub fn command_in(&self, scope: Scope, key: &KeyEvent) -> Option<Command> {
        self.lookup
            .get(&(scope, KeyCombo::from_event(key)))
            .copied()
    }

    /// The first key of `command` in `scope` as hints and messages show it (`Ctrl-O`, `↑`),
    /// or `unbound` when a user keymap left it without one.
    pub fn key_label(&self, scope: Scope, command: Command) -> String {
        self.keys_of(scope, command)
            .first()
            .map_or_else(|| "unbound".to_string(), KeyCombo::label)
    }

    /// The keys of `command` in `scope`, for hints ("F1 help").
    pub fn keys_of(&self, scope: Scope, command: Command) -> Vec<KeyCombo> {
        self.bindings
            .iter()
            .filter(|b| b.scope == scope && b.command == command)
            .flat_map(|b| b.keys.iter().copied())
            .collect()
    }

    /// The default keymap with a user keymap file applied.
    pub fn load(path: &Path) -> Result<Keymap, String> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("keymap {}: {e}", path.display()))?;
        Keymap::default()
            .with_overrides(&text)
            .map_err(|e| format!("keymap {}: {e}", path.display()))
    }

    /// Apply user bindings (the file format in the module docs) over this keymap.
    pub fn with_overrides(mut self, text: &str) -> Result<Keymap, String> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| format!("not valid TOML: {}", e.message()))?;
        for (scope_name, entries) in &table {
            let scope = Scope::ALL
                .iter()
                .copied()
                .find(|s| s.name() == scope_name)
                .ok_or_else(|| {
                    format!(
                        "unknown scope `{scope_name}` (expected {})",
                        Scope::ALL
                            .iter()
                            .map(|s| s.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })?;
            let entries = entries
                .as_table()
                .ok_or_else(|| format!("`{scope_name}` must be a table of command = [keys]"))?;
            for (name, keys) in entries {
                let command = Command::from_name(name)
                    .ok_or_else(|| format!("unknown command `{scope_name}.{name}`"))?;
                let keys = keys
                    .as_array()
                    .ok_or_else(|| format!("`{scope_name}.{name}` must be a list of keys"))?
                    .iter()
                    .map(|k| {
                        let combo = KeyCombo::parse(k.as_str().unwrap_or_default())
                            .map_err(|e| format!("`{scope_name}.{name}`: {e}"))?;
                        if combo.types_text_in(scope) {
                            return Err(format!(
                                "`{scope_name}.{name}`: key `{combo}` would type text; use Ctrl, Alt or an F-key"
                            ));
                        }
                        Ok(combo)
                    })
                    .collect::<Result<Vec<_>, String>>()?;
                self.bindings
                    .retain(|b| !(b.scope == scope && b.command == command));
                self.bindings.push(Binding {
                    scope,
                    command,
                    keys,
                });
            }
        }
        Ok(Keymap::from_bindings(self.bindings))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn defaults_parse_and_text_scopes_use_only_command_keys() {
        let map = Keymap::default();
        for b in map.bindings() {
            for k in &b.keys {
                assert!(
                    !k.types_text_in(b.scope),
                    "{} {} bound to editing key {k}",
                    b.scope.name(),
                    b.command.name()
                );
                assert_eq!(
                    KeyCombo::parse(&k.to_string()).unwrap(),
                    *k,
                    "round trip {k}"
                );
            }
        }
    }

    #[test]
    fn mandatory_defaults_exist() {
        let map = Keymap::default();
        let in_step = |code, mods| map.command_for(Focus::Stepping, &key(code, mods));
        let in_edit = |code, mods| map.command_for(Focus::Editor, &key(code, mods));
        assert_eq!(
            in_edit(KeyCode::Tab, KeyModifiers::NONE),
            Some(Command::FocusNext)
        );
        assert_eq!(
            in_edit(KeyCode::BackTab, KeyModifiers::SHIFT),
            Some(Command::FocusPrev)
        );
        assert_eq!(
            in_edit(KeyCode::Char('q'), KeyModifiers::CONTROL),
            Some(Command::Quit)
        );
        assert_eq!(
            in_edit(KeyCode::F(1), KeyModifiers::NONE),
            Some(Command::Help)
        );
        assert_eq!(in_edit(KeyCode::Char('?'), KeyModifiers::NONE), None);
        assert_eq!(in_edit(KeyCode::Char('n'), KeyModifiers::NONE), None);
        assert_eq!(
            in_step(KeyCode::Char('?'), KeyModifiers::SHIFT),
            Some(Command::Help)
        );
        assert_eq!(
            in_step(KeyCode::Esc, KeyModifiers::NONE),
            Some(Command::Close)
        );
        assert_eq!(
            in_step(KeyCode::Char('n'), KeyModifiers::NONE),
            Some(Command::NextStep)
        );
        assert_eq!(
            in_step(KeyCode::Right, KeyModifiers::NONE),
            Some(Command::NextStep)
        );
        assert_eq!(
            in_step(KeyCode::Char('p'), KeyModifiers::NONE),
            Some(Command::PrevStep)
        );
        assert_eq!(
            in_step(KeyCode::Left, KeyModifiers::NONE),
            Some(Command::PrevStep)
        );
        assert_eq!(
            in_step(KeyCode::Home, KeyModifiers::NONE),
            Some(Command::FirstStep)
        );
        assert_eq!(
            in_step(KeyCode::End, KeyModifiers::NONE),
            Some(Command::LastStep)
        );
        assert_eq!(
            in_step(KeyCode::Char('G'), KeyModifiers::SHIFT),
            Some(Command::LastStep)
        );
    }

    #[test]
    fn user_keymap_replaces_a_commands_keys() {
        let map = Keymap::default()
            .with_overrides("[stepping]\nnext_step = [\"x\"]\n")
            .unwrap();
        let cmd = |c| map.command_for(Focus::Stepping, &key(KeyCode::Char(c), KeyModifiers::NONE));
        assert_eq!(cmd('x'), Some(Command::NextStep));
        assert_eq!(cmd('n'), None);
        assert_eq!(cmd('p'), Some(Command::PrevStep));
    }

    #[test]
    fn bad_user_keymaps_are_rejected_with_a_reason() {
        let cases = [
            ("[editor]\nnext_step = [\"n\"]", "would type text"),
            (
                "[stepping]\nfly = [\"f\"]",
                "unknown command `stepping.fly`",
            ),
            ("[pane]\nquit = [\"q\"]", "unknown scope `pane`"),
            (
                "[stepping]\nquit = [\"Hyper-Q\"]",
                "unknown modifier `Hyper`",
            ),
        ];
        for (text, expected) in cases {
            let err = Keymap::default().with_overrides(text).unwrap_err();
            assert!(err.contains(expected), "{text:?}: {err}");
        }
    }
}
