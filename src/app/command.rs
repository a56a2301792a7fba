//! Every command of the explorer, declared once: its enum variant, its name in keymap files,
//! its help line, the scope that owns it (its home) and its default keys in every scope all
//! come from the one list at the bottom of this file. An entry `SCOPE Variant = "name",
//! "help line", [keys];` declares a command with SCOPE as its home; `SCOPE Variant [keys];`
//! binds a declared command in another scope. The list's order is the help overlay's order
//! within each scope.

use super::scope::Scope;

/// Turns the command list into `Command`, `Command::ALL`, `name`, `description`, `home` and
/// `DEFAULT_BINDINGS`.
macro_rules! commands {
    (@munch [$($decl:tt)*] [$($bind:tt)*]) => {
        commands!(@emit [$($decl)*] [$($bind)*]);
    };
    (@munch [$($decl:tt)*] [$($bind:tt)*]
        $scope:ident $variant:ident = $name:literal, $description:literal, [$($key:literal),*];
        $($rest:tt)*) => {
        commands!(@munch
            [$($decl)* ($scope $variant $name $description)]
            [$($bind)* ($scope $variant [$($key),*])]
            $($rest)*);
    };
    (@munch [$($decl:tt)*] [$($bind:tt)*]
        $scope:ident $variant:ident [$($key:literal),*];
        $($rest:tt)*) => {
        commands!(@munch [$($decl)*] [$($bind)* ($scope $variant [$($key),*])] $($rest)*);
    };
    (@emit
        [$(($home:ident $variant:ident $name:literal $description:literal))*]
        [$(($scope:ident $bound:ident [$($key:literal),*]))*]) => {
        /// A bindable command. The snake_case name is what keymap files use.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Command {
            $($variant,)*
        }

        impl Command {
            /// Every command, in the order of the list.
            pub const ALL: &'static [Command] = &[$(Command::$variant,)*];

            /// The name used in keymap files.
            pub fn name(self) -> &'static str {
                match self {
                    $(Command::$variant => $name,)*
                }
            }

            /// One line for the help overlay.
            pub fn description(self) -> &'static str {
                match self {
                    $(Command::$variant => $description,)*
                }
            }

            /// The scope that owns the command.
            pub fn home(self) -> Scope {
                match self {
                    $(Command::$variant => Scope::$home,)*
                }
            }
        }

        /// The default bindings, in help order: the one table of keys in the program.
        pub const DEFAULT_BINDINGS: &[(Scope, Command, &[&str])] =
            &[$((Scope::$scope, Command::$bound, &[$($key),*]),)*];
    };
    ($($entries:tt)*) => {
        commands!(@munch [] [] $($entries)*);
    };
}

impl Command {
    /// The command named `name` in a keymap file.
    pub fn from_name(name: &str) -> Option<Command> {
        Command::ALL.iter().copied().find(|c| c.name() == name)
    }
}

commands! {
    Global Quit = "quit", "quit (asks first if there are unsaved changes)", ["Ctrl-Q"];
    Global Help = "help", "open this help", ["F1"];
    Global Close = "close", "close the help or a prompt", ["Esc"];
    Global FocusNext = "focus_next", "focus the next pane", ["Tab"];
    Global FocusPrev = "focus_prev", "focus the previous pane", ["Shift-Tab"];
    Global Save = "save", "save the program (asks for a path if it has none)", ["Ctrl-S"];
    Global Retrace = "retrace", "trace the program again now", ["F5"];
    Global OpenModel = "open_model", "use another model (a .gguf file, a directory, or none)", ["Alt-L"];
    Global ToggleBeam = "toggle_beam", "prediction: switch greedy / beam search", ["F6"];
    Global FirstDivergence = "first_divergence", "jump to the prediction's first divergence", ["F3"];
    Global NextDivergence = "next_divergence", "jump to the prediction's next divergence", ["F4"];
    Global MutateLine = "mutate_line", "pick a mutation on the cursor's line", ["Alt-M"];
    Global MutateProgram = "mutate_program", "pick a mutation anywhere in the program", ["Alt-W"];
    Global MutateRandom = "mutate_random", "apply a random mutation", ["Alt-R"];
    Global ShowDiff = "show_diff", "diff of the buffer against the original program", ["Alt-D"];
    Global BackToOriginal = "back_to_original", "return to the original program (undoable)", ["Alt-O"];
    Editor Undo = "undo", "undo an edit", ["Ctrl-Z"];
    Editor Redo = "redo", "redo an edit", ["Ctrl-Y"];
    Editor NextStep ["Alt-N", "F8"];
    Editor PrevStep ["Alt-P", "F7"];
    Editor NextOnCursorLine ["Alt-J", "F10"];
    Editor PrevOnCursorLine ["Alt-K", "F9"];
    Stdin Undo ["Ctrl-Z"];
    Stdin Redo ["Ctrl-Y"];
    Stepping Help ["?"];
    Stepping Quit ["q"];
    Stepping NextStep = "next_step", "next step", ["n", "Right", "Down", "j"];
    Stepping PrevStep = "prev_step", "previous step", ["p", "Left", "Up", "k"];
    Stepping Forward10 = "forward_10", "ten steps forward", ["PageDown", "]"];
    Stepping Back10 = "back_10", "ten steps back", ["PageUp", "["];
    Stepping FirstStep = "first_step", "first step", ["Home", "g"];
    Stepping LastStep = "last_step", "last step", ["End", "G"];
    Stepping JumpToStep = "jump_to_step", "jump to step N", [":"];
    Stepping NextOnCursorLine = "next_on_cursor_line", "next step on the editor's cursor line", ["."];
    Stepping PrevOnCursorLine = "prev_on_cursor_line", "previous step on the editor's cursor line", [","];
    Stepping StepOver = "step_over", "step over: next step at the same or a shallower depth", ["o"];
    Stepping BackOver = "back_over", "back over: previous step at the same or a shallower depth", ["O"];
    Stepping StepOut = "step_out", "step out: next step at a shallower depth", ["u"];
    Stepping BackOut = "back_out", "back out: previous step at a shallower depth", ["U"];
    Global OpenDataset ["Ctrl-O"];
    Browser OpenDataset = "open_dataset", "open a dataset file", [];
    Browser Help ["?"];
    Browser Quit ["q"];
    Browser SampleNext = "sample_next", "next sample", ["j", "Down"];
    Browser SamplePrev = "sample_prev", "previous sample", ["k", "Up"];
    Browser SamplePageDown = "sample_page_down", "ten samples down", ["PageDown"];
    Browser SamplePageUp = "sample_page_up", "ten samples up", ["PageUp"];
    Browser Accept = "accept", "accept the sample", ["a"];
    Browser Reject = "reject", "reject the sample", ["r"];
    Browser Unreview = "unreview", "reset the sample to unreviewed", ["u"];
    Browser Tag = "tag", "add or remove a tag (Tab completes)", ["t"];
    Browser Note = "note", "write a note on the sample", ["n"];
    Browser Search = "search", "search ids and code", ["/"];
    Browser FilterSpec = "filter", "filter: verdict:V tag:T op:O diverged:yes|no outcome:K words", ["f"];
    Browser ClearFilter = "clear_filter", "clear the filters", ["x"];
    Browser SaveSample = "save_sample", "save sample: store the edited code with its new trace", ["s"];
    Browser SaveAsNewSample = "save_as_new_sample", "save as new sample (origin points at this one)", ["S"];
    Browser SaveDataset = "save_dataset", "save the dataset file", ["Ctrl-S"];
    Stepping ToggleBeam ["b"];
    Stepping FirstDivergence ["d"];
    Stepping NextDivergence ["D"];
    Stepping NextParagraph = "next_paragraph", "monologue: select the next paragraph", ["}"];
    Stepping PrevParagraph = "prev_paragraph", "monologue: select the previous paragraph", ["{"];
    Stepping ParagraphStep = "paragraph_step", "monologue: first step on the selected paragraph's line", ["Enter"];
    Stepping SwitchTask = "switch_task", "monologue: ask a CRUXEval record for output / input", ["i"];
    Help ScrollDown = "scroll_down", "scroll down, or the next item", ["Down", "j"];
    Help ScrollUp = "scroll_up", "scroll up, or the previous item", ["Up", "k"];
    Help ScrollPageDown = "scroll_page_down", "ten lines or items down", ["PageDown"];
    Help ScrollPageUp = "scroll_page_up", "ten lines or items up", ["PageUp"];
    Help Help ["?"];
    Help Quit ["q"];
    Picker ScrollDown ["Down", "j"];
    Picker ScrollUp ["Up", "k"];
    Picker ScrollPageDown ["PageDown"];
    Picker ScrollPageUp ["PageUp"];
    Picker ScrollTop = "scroll_top", "the first item", ["Home", "g"];
    Picker ScrollBottom = "scroll_bottom", "the last item", ["End", "G"];
    Picker Choose = "choose", "apply the selected mutation", ["Enter"];
    Picker Quit ["q"];
    Diff ScrollDown ["Down", "j"];
    Diff ScrollUp ["Up", "k"];
    Diff ScrollPageDown ["PageDown"];
    Diff ScrollPageUp ["PageUp"];
    Diff Quit ["q"];
    Offer Restore = "restore", "restore the unsaved buffer, or replay the journal", ["r"];
    Offer Discard = "discard", "discard the buffer or the changes, or set the journal aside", ["d"];
    // Every save question answers with the same letters: s saves, d discards, Esc cancels.
    Confirm Save ["s"];
    Confirm Discard ["d"];
    Prompt Submit = "submit", "submit the prompt", ["Enter"];
    Prompt Complete = "complete", "complete a tag", ["Tab"];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_round_trips_through_its_name_and_has_a_home_and_keys() {
        let mut names = std::collections::HashSet::new();
        for &command in Command::ALL {
            assert!(
                names.insert(command.name()),
                "{} named twice",
                command.name()
            );
            assert_eq!(Command::from_name(command.name()), Some(command));
            assert!(Scope::ALL.contains(&command.home()), "{command:?}");
            assert!(!command.description().is_empty(), "{command:?}");
            assert!(
                DEFAULT_BINDINGS
                    .iter()
                    .any(|(_, bound, keys)| *bound == command && !keys.is_empty()),
                "{command:?} has no default key"
            );
        }
        assert_eq!(Command::from_name("fly"), None);
    }
}
