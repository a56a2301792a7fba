//! The stepping pane's state: the trace on show (the last good one) and its current step,
//! whether the editor has moved on from it (stale), why the newest trace is not on show (a
//! syntax error, a tracer failure), and how far the Variables pane is scrolled. Moving through
//! the trace by a command, a typed step number or a click happens here.

use crate::app::command::Command;
use crate::app::layout::list_top;
use crate::app::trace_view::TraceView;
use crate::trace::{Outcome, Step, Trace};

/// The stepping pane.
#[derive(Debug, Clone, Default)]
pub struct SteppingPane {
    /// The trace on show (the last good one).
    pub view: Option<TraceView>,
    /// The current step of `view`.
    pub step: usize,
    /// The editor no longer matches `view`.
    pub stale: bool,
    /// The latest trace found a syntax error (the last good trace stays on show).
    pub syntax_error: Option<Outcome>,
    /// The tracer failed on the latest request.
    pub tracer_error: Option<String>,
    /// Rows of the Variables pane scrolled past (the mouse wheel over it).
    pub variables_scroll: usize,
}

impl SteppingPane {
    /// The current step, if there is a trace.
    pub fn current_step(&self) -> Option<&Step> {
        self.view.as_ref()?.steps().get(self.step)
    }

    /// The number of steps on show (0 without a trace).
    pub fn len(&self) -> usize {
        self.view.as_ref().map_or(0, TraceView::len)
    }

    /// Whether no step is on show.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A trace of `code` arrived: show it, keeping the current step where it still exists.
    pub fn show(&mut self, trace: Trace, code: &str) {
        let view = TraceView::new(trace, code);
        self.step = self.step.min(view.len().saturating_sub(1));
        self.view = Some(view);
        self.stale = false;
        self.syntax_error = None;
        self.tracer_error = None;
    }

    /// The newest program has a syntax error: the last good trace stays, marked stale.
    pub fn show_syntax_error(&mut self, outcome: Outcome) {
        self.syntax_error = Some(outcome);
        self.tracer_error = None;
        self.stale = self.view.is_some();
    }

    /// The tracer failed on the newest request.
    pub fn show_tracer_error(&mut self, message: String) {
        self.tracer_error = Some(message);
    }

    /// The editor changed: the trace on show no longer matches it.
    pub fn code_changed(&mut self) {
        if self.view.is_some() {
            self.stale = true;
        }
    }

    /// Another program was loaded: nothing is on show until its trace arrives.
    pub fn clear(&mut self) {
        self.view = None;
        self.step = 0;
        self.stale = false;
        self.syntax_error = None;
    }

    /// Move by a stepping command (`cursor_line`: the editor cursor's 1-based line, for the
    /// on-this-line commands); the message to show when there is no such step.
    pub fn navigate(&mut self, command: Command, cursor_line: u32) -> Result<(), String> {
        let Some(view) = self.view.as_ref() else {
            return Err("no trace yet".into());
        };
        if view.is_empty() {
            return Ok(());
        }
        let (i, last) = (self.step, view.len() - 1);
        let target = match command {
            Command::NextStep => Some((i + 1).min(last)),
            Command::PrevStep => Some(i.saturating_sub(1)),
            Command::Forward10 => Some((i + 10).min(last)),
            Command::Back10 => Some(i.saturating_sub(10)),
            Command::FirstStep => Some(0),
            Command::LastStep => Some(last),
            Command::StepOver => view.step_over(i),
            Command::BackOver => view.back_over(i),
            Command::StepOut => view.step_out(i),
            Command::BackOut => view.back_out(i),
            Command::NextOnCursorLine => view.next_on_line(i, cursor_line),
            Command::PrevOnCursorLine => view.prev_on_line(i, cursor_line),
            _ => None,
        };
        match target {
            Some(t) => {
                self.step = t;
                Ok(())
            }
            None => Err(format!(
                "no such step ({})",
                command.name().replace('_', " ")
            )),
        }
    }

    /// Go to the 1-based step typed in `text`; the message to show when there is none.
    pub fn jump_to(&mut self, text: &str) -> Result<(), String> {
        let len = self.len();
        match text.trim().parse::<usize>() {
            Ok(n) if n >= 1 && n <= len => {
                self.step = n - 1;
                Ok(())
            }
            _ => Err(format!("no step {} (the trace has {len})", text.trim())),
        }
    }

    /// A click on row `row` of the step list, `height` rows tall (as drawn around the current
    /// step): select the step shown there, if any.
    pub fn click_list_row(&mut self, row: usize, height: usize) {
        let len = self.len();
        if len == 0 {
            return;
        }
        let index = list_top(len, self.step, height) + row;
        if index < len {
            self.step = index;
        }
    }

    /// The mouse wheel over the Variables pane: scroll it a row, no further than its rows.
    pub fn scroll_variables(&mut self, down: bool) {
        self.variables_scroll = if down {
            let rows = self.current_step().map_or(0, |s| s.locals.len() + 1);
            (self.variables_scroll + 1).min(rows)
        } else {
            self.variables_scroll.saturating_sub(1)
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::trace_view::tests::{step, trace_of};
    use crate::trace::Event;

    fn pane(lines: &[u32]) -> SteppingPane {
        let steps = lines
            .iter()
            .map(|&l| step(Event::Line, l, "<module>", 0, &[]))
            .collect();
        let mut pane = SteppingPane::default();
        pane.show(trace_of(steps), "a = 1\nb = 2\n");
        pane
    }

    #[test]
    fn navigation_stays_in_the_trace_and_names_a_missing_step() {
        let mut empty = SteppingPane::default();
        assert_eq!(
            empty.navigate(Command::NextStep, 1),
            Err("no trace yet".into())
        );
        let mut pane = pane(&[1, 2, 1]);
        pane.navigate(Command::LastStep, 1).unwrap();
        pane.navigate(Command::NextStep, 1).unwrap();
        assert_eq!(pane.step, 2);
        assert_eq!(
            pane.navigate(Command::NextOnCursorLine, 1),
            Err("no such step (next on cursor line)".into())
        );
        pane.navigate(Command::PrevOnCursorLine, 1).unwrap();
        assert_eq!(pane.step, 0);
    }

    #[test]
    fn a_typed_step_is_one_based_and_checked() {
        let mut pane = pane(&[1, 2]);
        pane.jump_to(" 2 ").unwrap();
        assert_eq!(pane.step, 1);
        assert_eq!(pane.jump_to("3"), Err("no step 3 (the trace has 2)".into()));
        assert_eq!(pane.step, 1);
    }

    #[test]
    fn a_new_trace_keeps_the_step_where_it_exists_and_clears_staleness() {
        let mut pane = pane(&[1, 2, 1]);
        pane.step = 2;
        pane.code_changed();
        assert!(pane.stale);
        pane.show(
            trace_of(vec![step(Event::Line, 1, "<module>", 0, &[])]),
            "a\n",
        );
        assert_eq!((pane.step, pane.stale), (0, false));
    }
}
