//! Asking a person questions. The wizard talks to a [`Prompter`], so its flow is tested with
//! scripted answers; [`TerminalPrompter`] is the real one, drawing on standard error.

use std::fmt;
use std::io;
use std::sync::{Mutex, PoisonError};

use console::{Key, Term, measure_text_width, truncate_str};
use dialoguer::theme::{ColorfulTheme, SimpleTheme, Theme};
use dialoguer::{Confirm, Select};

use crate::key_by_key::{self, KeyByKey};

/// Exit status after a cancelled wizard, as for SIGINT.
pub const CANCELLED_STATUS: i32 = 130;

/// Which question is being asked; every one of them maps to a command-line flag.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum QuestionId {
    Name,
    Preset,
    Setting(String),
    Directory,
    Confirm,
}

impl fmt::Display for QuestionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Name => f.write_str("name"),
            Self::Preset => f.write_str("preset"),
            Self::Setting(key) => write!(f, "setting {key}"),
            Self::Directory => f.write_str("directory"),
            Self::Confirm => f.write_str("confirmation"),
        }
    }
}

/// Checks free text as it is typed: `Err` carries the message shown under the input.
pub type Check<'a> = &'a dyn Fn(&str) -> Result<(), String>;

/// Why a question got no answer.
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    #[error("cancelled")]
    Cancelled,
    #[error("cannot use the terminal: {0}")]
    Terminal(io::Error),
}

impl From<io::Error> for PromptError {
    /// A read interrupted by Ctrl-C is a cancellation, not a terminal failure.
    fn from(err: io::Error) -> Self {
        if err.kind() == io::ErrorKind::Interrupted {
            Self::Cancelled
        } else {
            Self::Terminal(err)
        }
    }
}

impl From<dialoguer::Error> for PromptError {
    fn from(err: dialoguer::Error) -> Self {
        io::Error::from(err).into()
    }
}

/// Says, once, that the wizard was cancelled. Ctrl-C reaches both the signal handler and the
/// interrupted read, and only the first of them may speak. The second waits until the first
/// has finished, so neither can end the process while the message is half-written.
pub fn report_cancelled() {
    static REPORTED: Mutex<bool> = Mutex::new(false);
    let mut reported = REPORTED.lock().unwrap_or_else(PoisonError::into_inner);
    if !*reported {
        *reported = true;
        key_by_key::restore();
        let term = Term::stderr();
        let _ = term.show_cursor();
        let _ = term.write_line("\nCancelled; nothing was written.");
    }
}

pub type Answer<T> = Result<T, PromptError>;

pub trait Prompter {
    /// Free text. An empty answer takes `default`; the answer must pass `check`.
    fn text(
        &mut self,
        id: &QuestionId,
        prompt: &str,
        default: Option<&str>,
        check: Check<'_>,
    ) -> Answer<String>;
    /// One of `items`, by index.
    fn select(
        &mut self,
        id: &QuestionId,
        prompt: &str,
        items: &[String],
        default: usize,
    ) -> Answer<usize>;
    fn confirm(&mut self, id: &QuestionId, prompt: &str, default: bool) -> Answer<bool>;
    /// Shows text that needs no answer, such as the summary.
    fn show(&mut self, text: &str) -> Answer<()>;
}

/// Prompts on the terminal behind standard error. Esc cancels any question; Ctrl-C ends the
/// process with status 130 (see [`TerminalPrompter::new`]).
pub struct TerminalPrompter {
    term: Term,
    theme: Box<dyn Theme>,
    /// Holds the terminal out of line mode until the prompter is dropped.
    _keys: Option<KeyByKey>,
}

impl TerminalPrompter {
    /// Also installs the Ctrl-C handler: nothing has been written while questions are asked,
    /// so it gives the terminal back its mode and cursor, says so and exits with 130.
    pub fn new(colour: bool) -> Self {
        let handler = ctrlc::set_handler(|| {
            report_cancelled();
            std::process::exit(CANCELLED_STATUS);
        });
        if let Err(err) = handler {
            eprintln!("warning: cannot watch for Ctrl-C ({err})");
        }
        let theme: Box<dyn Theme> = if colour {
            Box::new(ColorfulTheme::default())
        } else {
            Box::new(SimpleTheme)
        };
        Self {
            term: Term::stderr(),
            theme,
            _keys: KeyByKey::hold(),
        }
    }

    /// Redraws the question line and the message line under it, leaving the cursor after the
    /// input.
    fn draw_text(&self, head: &str, input: &str, message: Option<&str>) -> io::Result<()> {
        self.term.clear_line()?;
        self.term.write_str(head)?;
        self.term.write_str(input)?;
        self.term.write_str("\n")?;
        self.term.clear_line()?;
        if let Some(message) = message {
            // One physical line, so the cursor arithmetic below holds on any width.
            let flat = message.replace("\n  hint: ", "; ").replace('\n', " ");
            let mut line = String::new();
            let _ = self.theme.format_error(&mut line, &flat);
            let width = usize::from(self.term.size().1).saturating_sub(1).max(10);
            self.term.write_str(&truncate_str(&line, width, "…"))?;
        }
        self.term.move_cursor_up(1)?;
        self.term.write_str("\r")?;
        self.term
            .move_cursor_right(measure_text_width(head) + measure_text_width(input))
    }
}

impl Prompter for TerminalPrompter {
    fn text(
        &mut self,
        _id: &QuestionId,
        prompt: &str,
        default: Option<&str>,
        check: Check<'_>,
    ) -> Answer<String> {
        let mut head = String::new();
        let _ = self.theme.format_input_prompt(&mut head, prompt, default);
        head.push(' ');
        let mut input = String::new();
        // Reserve the message line once, then redraw in place.
        self.term.write_str("\n")?;
        self.term.move_cursor_up(1)?;
        let mut message: Option<String> = None;
        loop {
            self.draw_text(&head, &input, message.as_deref())?;
            match self.term.read_key()? {
                Key::Escape => {
                    self.term.clear_line()?;
                    self.term.write_line("")?;
                    self.term.clear_line()?;
                    return Err(PromptError::Cancelled);
                }
                Key::Enter => {
                    let answer = match (input.trim(), default) {
                        ("", Some(default)) => default.to_string(),
                        (typed, _) => typed.to_string(),
                    };
                    match check(&answer) {
                        Ok(()) => {
                            let mut done = String::new();
                            let _ = self
                                .theme
                                .format_input_prompt_selection(&mut done, prompt, &answer);
                            self.term.clear_line()?;
                            self.term.write_line(&done)?;
                            self.term.clear_line()?;
                            return Ok(answer);
                        }
                        Err(problem) => message = Some(problem),
                    }
                    continue;
                }
                Key::Backspace => {
                    input.pop();
                }
                Key::Char(c) if !c.is_control() => input.push(c),
                _ => continue,
            }
            message = if input.is_empty() {
                None
            } else {
                check(input.trim()).err()
            };
        }
    }

    fn select(
        &mut self,
        _id: &QuestionId,
        prompt: &str,
        items: &[String],
        default: usize,
    ) -> Answer<usize> {
        Select::with_theme(self.theme.as_ref())
            .with_prompt(prompt)
            .items(items)
            .default(default)
            .interact_on_opt(&self.term)
            .map_err(PromptError::from)?
            .ok_or(PromptError::Cancelled)
    }

    fn confirm(&mut self, _id: &QuestionId, prompt: &str, default: bool) -> Answer<bool> {
        Confirm::with_theme(self.theme.as_ref())
            .with_prompt(prompt)
            .default(default)
            .interact_on_opt(&self.term)
            .map_err(PromptError::from)?
            .ok_or(PromptError::Cancelled)
    }

    fn show(&mut self, text: &str) -> Answer<()> {
        self.term.write_str(text)?;
        Ok(())
    }
}
