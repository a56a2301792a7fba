//! A loaded trace with the indexes the stepping pane needs, and the stepping rules
//! (next/previous, over/out and their reverses, steps on a line, previous step of a frame).
//!
//! Everything a frame draw asks is O(1) or a short backwards walk, so a 20,000-step trace
//! draws as fast as a small one.

use std::sync::Arc;

use crate::trace::{Event, Step, Trace};

/// The program and trace shown in the stepping pane.
#[derive(Debug, Clone)]
pub struct TraceView {
    /// Shared with whoever keeps the trace past its time on show (the original program's,
    /// for the mutation view), not copied.
    trace: Arc<Trace>,
    /// The source lines the trace was recorded from.
    pub code_lines: Vec<String>,
    /// All step stdout, concatenated.
    stdout_all: String,
    /// `stdout_end[i]`: the length of `stdout_all` after step `i`.
    stdout_end: Vec<usize>,
    /// `resumed[i]`: the first step after `i` at a shallower depth (the caller going on once
    /// step `i`'s frame has returned or unwound), if the trace has one.
    resumed: Vec<Option<usize>>,
}

/// One frame on the call stack of a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackFrame {
    pub func: String,
    /// The line running in that frame: the current step's own line, and for each caller
    /// the line it made the call from.
    pub line: u32,
}

impl TraceView {
    pub fn new(trace: Trace, code: &str) -> TraceView {
        let mut stdout_all = String::new();
        let stdout_end = trace
            .steps
            .iter()
            .map(|s| {
                stdout_all.push_str(&s.stdout);
                stdout_all.len()
            })
            .collect();
        let resumed = resumed_steps(&trace.steps);
        TraceView {
            trace: Arc::new(trace),
            code_lines: code.lines().map(str::to_string).collect(),
            stdout_all,
            stdout_end,
            resumed,
        }
    }

    /// The trace on show.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// The trace on show, shared.
    pub fn shared_trace(&self) -> Arc<Trace> {
        Arc::clone(&self.trace)
    }

    pub fn steps(&self) -> &[Step] {
        &self.trace.steps
    }

    pub fn len(&self) -> usize {
        self.trace.steps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.trace.steps.is_empty()
    }

    /// The program's stdout up to and including step `i`.
    pub fn stdout_until(&self, i: usize) -> &str {
        match self.stdout_end.get(i) {
            Some(&end) => &self.stdout_all[..end],
            None => &self.stdout_all,
        }
    }

    /// The previous step of the same frame invocation as step `i`, if any.
    pub fn prev_in_frame(&self, i: usize) -> Option<usize> {
        let steps = self.steps();
        let cur = steps.get(i)?;
        if cur.event == Event::Call {
            return None;
        }
        for j in (0..i).rev() {
            let s = &steps[j];
            if s.depth < cur.depth {
                return None;
            }
            if s.depth == cur.depth {
                return (s.event != Event::Return && s.func == cur.func).then_some(j);
            }
        }
        None
    }

    /// For each local of step `i`, whether its value differs from the previous step of its
    /// frame (true for all when the frame has no previous step, false for all on a call).
    pub fn changed_locals(&self, i: usize) -> Vec<bool> {
        let Some(cur) = self.steps().get(i) else {
            return Vec::new();
        };
        let prev = self.prev_in_frame(i).map(|j| &self.steps()[j].locals);
        cur.locals
            .iter()
            .map(|local| match prev {
                Some(prev) => !prev
                    .iter()
                    .any(|p| p.name == local.name && p.repr == local.repr && p.ty == local.ty),
                None => cur.event != Event::Call,
            })
            .collect()
    }

    /// The call stack at step `i`, innermost first.
    ///
    /// A caller's line is the one it called from. A line's step comes once the line is done,
    /// so that is the caller's first step after the callee's (its `line` step for the calling
    /// line, or its `exception` step there). Where the trace ends before the caller goes on,
    /// the caller's last step before `i` stands in.
    pub fn stack(&self, i: usize) -> Vec<StackFrame> {
        let steps = self.steps();
        let Some(cur) = steps.get(i) else {
            return Vec::new();
        };
        let mut frames = vec![StackFrame {
            func: cur.func.clone(),
            line: cur.line,
        }];
        let mut want = cur.depth;
        let mut at = i;
        while let Some(next) = self.resumed.get(at).copied().flatten() {
            let caller = &steps[next];
            if want == 0 || caller.depth + 1 != want {
                break;
            }
            frames.push(StackFrame {
                func: caller.func.clone(),
                line: caller.line,
            });
            want -= 1;
            at = next;
        }
        for s in steps[..i].iter().rev() {
            if want == 0 {
                break;
            }
            if s.depth == want - 1 {
                frames.push(StackFrame {
                    func: s.func.clone(),
                    line: s.line,
                });
                want -= 1;
            }
        }
        frames
    }

    /// The next step after `i` whose depth passes `keep`.
    fn find_forward(&self, i: usize, keep: impl Fn(&Step) -> bool) -> Option<usize> {
        self.steps()
            .get(i + 1..)?
            .iter()
            .position(keep)
            .map(|k| i + 1 + k)
    }

    fn find_backward(&self, i: usize, keep: impl Fn(&Step) -> bool) -> Option<usize> {
        self.steps()
            .get(..i.min(self.len()))?
            .iter()
            .rposition(keep)
    }

    fn depth_at(&self, i: usize) -> u32 {
        self.steps().get(i).map_or(0, |s| s.depth)
    }

    /// Step over: the next step at the same or a shallower depth.
    pub fn step_over(&self, i: usize) -> Option<usize> {
        let d = self.depth_at(i);
        self.find_forward(i, |s| s.depth <= d)
    }

    /// Reverse of step over: the previous step at the same or a shallower depth.
    pub fn back_over(&self, i: usize) -> Option<usize> {
        let d = self.depth_at(i);
        self.find_backward(i, |s| s.depth <= d)
    }

    /// Step out: the next step at a shallower depth.
    pub fn step_out(&self, i: usize) -> Option<usize> {
        let d = self.depth_at(i);
        self.find_forward(i, |s| s.depth < d)
    }

    /// Reverse of step out: the previous step at a shallower depth.
    pub fn back_out(&self, i: usize) -> Option<usize> {
        let d = self.depth_at(i);
        self.find_backward(i, |s| s.depth < d)
    }

    /// The next step after `i` on 1-based `line`.
    pub fn next_on_line(&self, i: usize, line: u32) -> Option<usize> {
        self.find_forward(i, |s| s.line == line)
    }

    /// The previous step before `i` on 1-based `line`.
    pub fn prev_on_line(&self, i: usize, line: u32) -> Option<usize> {
        self.find_backward(i, |s| s.line == line)
    }
}

/// For each step, the first later step at a shallower depth (one pass, from the end).
fn resumed_steps(steps: &[Step]) -> Vec<Option<usize>> {
    let mut resumed = vec![None; steps.len()];
    // Later steps, their depths strictly increasing from the bottom.
    let mut later: Vec<usize> = Vec::new();
    for (i, step) in steps.iter().enumerate().rev() {
        while later.last().is_some_and(|&j| steps[j].depth >= step.depth) {
            later.pop();
        }
        resumed[i] = later.last().copied();
        later.push(i);
    }
    resumed
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::trace::OutcomeKind;

    /// A hand-made step: (event, line, func, depth, locals as name=repr).
    pub fn step(event: Event, line: u32, func: &str, depth: u32, locals: &[(&str, &str)]) -> Step {
        Step::hand_made(event, line, func, depth, locals)
    }

    pub fn trace_of(steps: Vec<Step>) -> Trace {
        Trace::with_steps(OutcomeKind::Completed, steps)
    }

    /// `def f(a): b = a + 1; return b` called twice from the module.
    fn two_calls() -> TraceView {
        use Event::*;
        let steps = vec![
            step(Line, 1, "<module>", 0, &[]),                       // 0
            step(Call, 1, "f", 1, &[("a", "1")]),                    // 1
            step(Line, 2, "f", 1, &[("a", "1"), ("b", "2")]),        // 2
            step(Return, 3, "f", 1, &[("a", "1"), ("b", "2")]),      // 3
            step(Line, 4, "<module>", 0, &[("x", "2")]),             // 4
            step(Call, 1, "f", 1, &[("a", "5")]),                    // 5
            step(Line, 2, "f", 1, &[("a", "5"), ("b", "6")]),        // 6
            step(Return, 3, "f", 1, &[("a", "5"), ("b", "6")]),      // 7
            step(Line, 5, "<module>", 0, &[("x", "2"), ("y", "6")]), // 8
        ];
        TraceView::new(trace_of(steps), "")
    }

    #[test]
    fn over_and_out_follow_depth() {
        let v = two_calls();
        assert_eq!(v.step_over(0), Some(4));
        assert_eq!(v.step_over(2), Some(3));
        assert_eq!(v.step_out(2), Some(4));
        assert_eq!(v.step_out(6), Some(8));
        assert_eq!(v.step_out(8), None);
        assert_eq!(v.back_over(8), Some(4));
        assert_eq!(v.back_over(4), Some(0));
        assert_eq!(v.back_out(6), Some(4));
        assert_eq!(v.back_out(2), Some(0));
        assert_eq!(v.back_out(0), None);
    }

    #[test]
    fn steps_on_a_line() {
        let v = two_calls();
        assert_eq!(v.next_on_line(0, 2), Some(2));
        assert_eq!(v.next_on_line(2, 2), Some(6));
        assert_eq!(v.next_on_line(6, 2), None);
        assert_eq!(v.prev_on_line(6, 2), Some(2));
        assert_eq!(v.prev_on_line(2, 2), None);
    }

    #[test]
    fn changes_are_against_the_same_frame_invocation() {
        let v = two_calls();
        assert_eq!(v.prev_in_frame(2), Some(1));
        assert_eq!(v.prev_in_frame(5), None, "a call starts a frame");
        assert_eq!(
            v.prev_in_frame(4),
            Some(0),
            "module skips the callee's steps"
        );
        assert_eq!(v.changed_locals(2), vec![false, true]);
        assert_eq!(v.changed_locals(8), vec![false, true]);
        assert_eq!(v.changed_locals(5), vec![false]);
    }

    #[test]
    fn each_caller_shows_the_line_it_called_from() {
        use Event::*;
        // def add(a, b): return a + b (lines 1-2); def twice(x): y = x (5); return add(y, y)
        // (6); r = twice(3) (10); the last call raises.
        let steps = vec![
            step(Line, 1, "<module>", 0, &[]),
            step(Line, 4, "<module>", 0, &[]),
            step(Call, 4, "twice", 1, &[]),
            step(Line, 5, "twice", 1, &[]),
            step(Call, 1, "add", 2, &[]),
            step(Line, 2, "add", 2, &[]), // 5
            step(Return, 2, "add", 2, &[]),
            step(Line, 6, "twice", 1, &[]),
            step(Return, 6, "twice", 1, &[]),
            step(Line, 10, "<module>", 0, &[]),
            step(Call, 4, "twice", 1, &[]), // 10
            step(Line, 5, "twice", 1, &[]),
            step(Exception, 5, "twice", 1, &[]),
            step(Line, 11, "<module>", 0, &[]),
            step(Exception, 11, "<module>", 0, &[]),
        ];
        let v = TraceView::new(trace_of(steps), "");
        let shown = |i: usize| -> Vec<String> {
            v.stack(i)
                .iter()
                .map(|f| format!("{}:{}", f.func, f.line))
                .collect()
        };
        assert_eq!(shown(5), ["add:2", "twice:6", "<module>:10"]);
        assert_eq!(shown(3), ["twice:5", "<module>:10"]);
        assert_eq!(
            shown(11),
            ["twice:5", "<module>:11"],
            "the caller's exception step"
        );
        assert_eq!(shown(9), ["<module>:10"]);
        // A trace cut short inside a callee: the caller's last step stands in.
        let cut = TraceView::new(trace_of(v.steps()[..6].to_vec()), "");
        let frames: Vec<u32> = cut.stack(5).iter().map(|f| f.line).collect();
        assert_eq!(frames, [2, 5, 4]);
    }

    #[test]
    fn stack_and_stdout() {
        let mut steps = two_calls().steps().to_vec();
        steps[0].stdout = "a\n".into();
        steps[4].stdout = "b\n".into();
        let v = TraceView::new(trace_of(steps), "x = 1\n");
        let stack = v.stack(6);
        assert_eq!(
            stack.iter().map(|f| f.func.as_str()).collect::<Vec<_>>(),
            ["f", "<module>"]
        );
        assert_eq!(stack[1].line, 5, "the module calls f from line 5");
        assert_eq!(v.stdout_until(3), "a\n");
        assert_eq!(v.stdout_until(8), "a\nb\n");
        assert_eq!(v.code_lines, ["x = 1"]);
    }
}
