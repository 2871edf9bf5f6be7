//! What a failed step shows of its output: the reason each test failed, then the last lines.
//!
//! A failing `cargo test` ends with backtraces and the list of failed tests, so its last lines
//! rarely say why anything failed. The panic messages come earlier, one per test, in sections
//! that start `thread '…' panicked at file:line:col:`. This module keeps those messages (without
//! their backtraces) and adds the end of the log, so a reader of a CI log sees the causes.

/// At most this many panics are quoted; the rest are counted.
const MAX_PANICS: usize = 12;
/// At most this many lines of one panic's message are quoted.
const MAX_MESSAGE_LINES: usize = 8;

/// The panic messages found in `log` (if any), then its last `tail_lines` lines.
pub fn excerpt(log: &str, tail_lines: usize) -> String {
    let lines: Vec<&str> = log.lines().collect();
    let panics = panic_messages(&lines);
    let tail = lines[lines.len().saturating_sub(tail_lines)..].join("\n");
    if panics.is_empty() {
        return tail;
    }
    let mut out = String::from("why the tests failed:\n");
    for message in panics.iter().take(MAX_PANICS) {
        out.push_str(message);
        out.push('\n');
    }
    if panics.len() > MAX_PANICS {
        out.push_str(&format!(
            "(and {} more panics in the log)\n",
            panics.len() - MAX_PANICS
        ));
    }
    out.push_str("last lines:\n");
    out.push_str(&tail);
    out
}

/// Each `thread '…' panicked at …` line with the message lines after it, up to a blank line,
/// a backtrace, a `note:` line or the next test's section.
fn panic_messages(lines: &[&str]) -> Vec<String> {
    let mut messages = Vec::new();
    for (at, line) in lines.iter().enumerate() {
        if !is_panic_line(line) {
            continue;
        }
        let message: Vec<&str> = lines[at + 1..]
            .iter()
            .take_while(|line| !ends_message(line))
            .take(MAX_MESSAGE_LINES)
            .copied()
            .collect();
        let mut text = format!("  {}", line.trim());
        for line in message {
            text.push_str("\n    ");
            text.push_str(line);
        }
        messages.push(text);
    }
    messages
}

fn is_panic_line(line: &str) -> bool {
    let line = line.trim_start();
    line.starts_with("thread '") && line.contains("' ") && line.contains("panicked at ")
}

fn ends_message(line: &str) -> bool {
    let trimmed = line.trim();
    trimmed.is_empty()
        || trimmed.starts_with("stack backtrace:")
        || trimmed.starts_with("note: ")
        || trimmed.starts_with("---- ")
        || is_panic_line(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "\
running 3 tests
test users::a ... FAILED
test users::b ... FAILED
test health::c ... ok

failures:

---- users::a stdout ----

thread 'users::a' (101) panicked at tests/api/helpers.rs:212:10:
failed to create the test database: error returned from database: too many clients
stack backtrace:
   0: __rustc::rust_begin_unwind
note: Some details are omitted

---- users::b stdout ----

thread 'users::b' (102) panicked at tests/api/users.rs:40:5:
assertion `left == right` failed
  left: 503
 right: 201
note: run with `RUST_BACKTRACE=1`

failures:
    users::a
    users::b

test result: FAILED. 1 passed; 2 failed";

    #[test]
    fn each_panic_is_quoted_with_its_message_and_without_its_backtrace() {
        let excerpt = excerpt(LOG, 2);
        assert_eq!(
            excerpt,
            "why the tests failed:
  thread 'users::a' (101) panicked at tests/api/helpers.rs:212:10:
    failed to create the test database: error returned from database: too many clients
  thread 'users::b' (102) panicked at tests/api/users.rs:40:5:
    assertion `left == right` failed
      left: 503
     right: 201
last lines:

test result: FAILED. 1 passed; 2 failed"
        );
    }

    #[test]
    fn a_log_without_panics_gives_only_its_last_lines() {
        let log = "error[E0425]: cannot find value `x`\n --> src/main.rs:1:1\nerror: aborting";
        assert_eq!(excerpt(log, 2), " --> src/main.rs:1:1\nerror: aborting");
        assert_eq!(excerpt(log, 10), log);
    }

    #[test]
    fn many_panics_are_counted_after_the_first_ones() {
        let log: String = (0..MAX_PANICS + 3)
            .map(|n| format!("thread 't{n}' panicked at a.rs:1:1:\nboom {n}\n\n"))
            .collect();
        let excerpt = excerpt(&log, 0);
        assert!(excerpt.contains("boom 0"));
        assert!(excerpt.contains(&format!("boom {}", MAX_PANICS - 1)));
        assert!(!excerpt.contains(&format!("boom {MAX_PANICS}")));
        assert!(excerpt.contains("(and 3 more panics in the log)"));
    }
}
