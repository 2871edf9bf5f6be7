//! Keeps the terminal handing over keys one at a time for as long as the wizard asks.
//!
//! The prompt library switches the terminal out of line mode only while it waits for a key
//! and back right after. A key that arrives in between, while a question is being redrawn,
//! meets the terminal's own line editing: a backspace is taken by it and never reaches the
//! wizard, and letters are echoed where the wizard did not draw them. Holding line editing
//! and echo off from the first question to the last closes that gap.
//!
//! Signal keys are held off too. Ctrl-C then always reaches the prompt library as a key,
//! which raises SIGINT itself once it has given the terminal back this mode. Were the
//! terminal to raise it while a question is redrawn, the Ctrl-C handler could restore the
//! terminal and exit just as the next read switched it to raw mode, leaving the person's
//! shell raw. Output is processed as before.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Line mode is off while this lives; dropping it restores what the terminal had.
pub struct KeyByKey(());

impl KeyByKey {
    /// Turns line editing, echo and signal keys off on the controlling terminal. `None` when
    /// there is no terminal to hold, which leaves the prompts working as the library alone
    /// makes them, and while it is already held: only the first holder knows the mode to
    /// give back.
    pub fn hold() -> Option<Self> {
        let mut saved = saved();
        if saved.is_some() {
            return None;
        }
        *saved = Some(mode::hold()?);
        Some(Self(()))
    }
}

impl Drop for KeyByKey {
    fn drop(&mut self) {
        restore();
    }
}

/// Gives the terminal back the mode it had before [`KeyByKey::hold`]. Safe to call more
/// than once and from the Ctrl-C handler, which ends the process without running drops.
pub fn restore() {
    if let Some(held) = saved().take() {
        mode::restore(held);
    }
}

fn saved() -> MutexGuard<'static, Option<mode::Held>> {
    static SAVED: Mutex<Option<mode::Held>> = Mutex::new(None);
    SAVED.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(unix)]
mod mode {
    use std::fs::{File, OpenOptions};

    use rustix::termios::{self, LocalModes, OptionalActions, SpecialCodeIndex, Termios};

    pub struct Held {
        tty: File,
        original: Termios,
    }

    pub fn hold() -> Option<Held> {
        let tty = OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .ok()?;
        let original = termios::tcgetattr(&tty).ok()?;
        let mut keys = original.clone();
        keys.local_modes
            .remove(LocalModes::ICANON | LocalModes::ECHO | LocalModes::IEXTEN | LocalModes::ISIG);
        keys.special_codes[SpecialCodeIndex::VMIN] = 1;
        keys.special_codes[SpecialCodeIndex::VTIME] = 0;
        termios::tcsetattr(&tty, OptionalActions::Drain, &keys).ok()?;
        Some(Held { tty, original })
    }

    pub fn restore(held: Held) {
        // Nothing better can be done if the terminal has gone away.
        let _ = termios::tcsetattr(&held.tty, OptionalActions::Drain, &held.original);
    }
}

#[cfg(not(unix))]
mod mode {
    pub struct Held;

    pub fn hold() -> Option<Held> {
        None
    }

    pub fn restore(_held: Held) {}
}
