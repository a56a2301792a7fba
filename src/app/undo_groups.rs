//! Undo by word: word characters typed in a row are one undo step (the editor widget records
//! each character as an edit of its own). Only edits counted here are grouped: after an edit
//! made any other way (a mutation, a restore, a loaded sample), undo goes one edit at a time
//! until the next counted edit.

/// How many of the editor widget's edits each undo (and redo) step takes.
#[derive(Debug, Default, Clone)]
pub struct UndoGroups {
    /// Edits per undo step, oldest first.
    done: Vec<usize>,
    /// Edits per redo step, newest undo last.
    undone: Vec<usize>,
    /// The buffer as the last counted step left it.
    after: String,
    /// The last counted edit typed a word character.
    typing: bool,
}

impl UndoGroups {
    /// An edit turned `before` into `after`; `word` when it typed a word character (which
    /// joins the word being typed).
    pub fn edited(&mut self, word: bool, before: &str, after: String) {
        if self.after != before {
            self.done.clear();
            self.typing = false;
        }
        match self.done.last_mut() {
            Some(last) if word && self.typing => *last += 1,
            _ => self.done.push(1),
        }
        self.typing = word;
        self.undone.clear();
        self.after = after;
    }

    /// The cursor moved: the next word character starts a new step.
    pub fn moved(&mut self) {
        self.typing = false;
    }

    /// The edits the next undo takes, with the buffer as it is now.
    pub fn undo_step(&mut self, now: &str) -> usize {
        self.step(now, true)
    }

    /// The edits the next redo takes.
    pub fn redo_step(&mut self, now: &str) -> usize {
        self.step(now, false)
    }

    /// The buffer after an undo or redo.
    pub fn settled(&mut self, now: String) {
        self.after = now;
    }

    fn step(&mut self, now: &str, undo: bool) -> usize {
        self.typing = false;
        if self.after != now {
            self.done.clear();
            self.undone.clear();
            return 1;
        }
        let (from, to) = if undo {
            (&mut self.done, &mut self.undone)
        } else {
            (&mut self.undone, &mut self.done)
        };
        let n = from.pop().unwrap_or(1);
        to.push(n);
        n
    }
}

#[cfg(test)]
mod tests {
    use super::UndoGroups;

    #[test]
    fn a_typed_word_is_one_step_and_other_edits_their_own() {
        let mut groups = UndoGroups::default();
        let mut text = String::new();
        for c in "ab c".chars() {
            let before = text.clone();
            text.push(c);
            groups.edited(c.is_alphanumeric(), &before, text.clone());
        }
        // "ab", " ", "c"
        assert_eq!(groups.undo_step(&text), 1);
        groups.settled("ab ".into());
        assert_eq!(groups.undo_step("ab "), 1);
        groups.settled("ab".into());
        assert_eq!(groups.undo_step("ab"), 2);
        groups.settled(String::new());
        assert_eq!(groups.redo_step(""), 2);
        // An edit made elsewhere: one edit at a time.
        assert_eq!(groups.undo_step("changed elsewhere"), 1);
    }
}
