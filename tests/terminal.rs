//! The real binary in a pseudo-terminal, driven the way a person would: typing, arrow keys,
//! Enter, Esc and Ctrl-C.

use rexpect::process::WaitStatus;
use rexpect::session::PtySession;

use crate::support::Sandbox;

const DOWN: &str = "\u{1b}[B";
const ENTER: &str = "\r";
const BACKSPACE: &str = "\u{7f}";
const ESC: &str = "\u{1b}";

fn wizard(sandbox: &Sandbox) -> PtySession {
    sandbox.in_a_terminal(["new"], 30_000)
}

/// Sends keys and flushes, as rexpect buffers what it sends.
fn press(session: &mut PtySession, keys: &str) {
    session.send(keys).expect("send keys");
    session.flush().expect("flush keys");
}

/// A cancelled wizard says so, exits 130 and leaves nothing on disk.
fn assert_cancelled(session: &mut PtySession, sandbox: &Sandbox) {
    session
        .exp_string("Cancelled; nothing was written.")
        .expect("says so");
    session.exp_eof().expect("ends");
    assert_eq!(exit_code(session), 130);
    assert_line_mode_is_back(session);
    assert!(sandbox.entries().is_empty(), "{:?}", sandbox.entries());
}

/// The wizard gives the terminal back with line editing on, as a shell expects it. (Echo
/// cannot be checked here: the test's terminal starts without it.)
fn assert_line_mode_is_back(session: &PtySession) {
    use rustix::termios::LocalModes;
    let pty = session.process().get_file_handle().expect("the pty");
    let mode = rustix::termios::tcgetattr(&pty).expect("the terminal's mode");
    assert!(
        mode.local_modes
            .contains(LocalModes::ICANON | LocalModes::IEXTEN),
        "left in {:?}",
        mode.local_modes
    );
}

pub fn exit_code(session: &PtySession) -> i32 {
    match session.process().wait().expect("stackgen exits") {
        WaitStatus::Exited(_, code) => code,
        other => panic!("stackgen did not exit normally: {other:?}"),
    }
}

#[test]
fn a_person_types_picks_and_confirms_and_gets_the_project() {
    let sandbox = Sandbox::new();
    let mut session = wizard(&sandbox);
    session.exp_string("Project name").expect("asks for a name");
    press(&mut session, "My");
    session
        .exp_string("lower-case")
        .expect("the name is checked as it is typed");
    press(&mut session, &BACKSPACE.repeat(2));
    press(&mut session, "shop-api");
    press(&mut session, ENTER);

    session.exp_string("Preset").expect("offers the presets");
    session
        .exp_string("postgres-oauth2-jwt")
        .expect("lists them all");
    // The list is sorted: cockroach-oidc-cluster, cockroach-token-session, postgres-oauth2-jwt.
    press(&mut session, DOWN);
    press(&mut session, ENTER);

    let preset = stackgen::preset::load_embedded("cockroach-token-session").expect("preset");
    for setting in &preset.preset.settings {
        session
            .exp_string(&format!("{}:", setting.key))
            .unwrap_or_else(|err| panic!("asks for {}: {err}", setting.key));
        press(&mut session, ENTER);
    }
    session.exp_string("Directory").expect("asks where");
    press(&mut session, ENTER);
    session
        .exp_string("Generate the project?")
        .expect("asks to confirm");
    press(&mut session, ENTER);
    session
        .exp_string("stackgen new shop-api --preset cockroach-token-session --no-input")
        .expect("prints the command that needs no questions");
    session.exp_eof().expect("finishes");
    assert_eq!(exit_code(&session), 0);
    assert_line_mode_is_back(&session);
    let manifest = std::fs::read_to_string(sandbox.join("shop-api/.stackgen.yaml"))
        .expect("the project was written");
    assert!(
        manifest.contains("preset: cockroach-token-session"),
        "{manifest}"
    );
}

#[test]
fn ctrl_c_in_the_preset_list_writes_nothing_and_exits_130() {
    let sandbox = Sandbox::new();
    let mut session = wizard(&sandbox);
    session.exp_string("Project name").expect("asks for a name");
    press(&mut session, "shop-api");
    press(&mut session, ENTER);
    session.exp_string("Preset").expect("offers the presets");
    session.send_control('c').expect("ctrl-c");
    assert_cancelled(&mut session, &sandbox);
}

#[test]
fn ctrl_c_while_typing_a_name_writes_nothing_and_exits_130() {
    let sandbox = Sandbox::new();
    let mut session = wizard(&sandbox);
    session.exp_string("Project name").expect("asks for a name");
    press(&mut session, "half");
    session.send_control('c').expect("ctrl-c");
    assert_cancelled(&mut session, &sandbox);
}

#[test]
fn esc_cancels_a_text_question_too() {
    let sandbox = Sandbox::new();
    let mut session = wizard(&sandbox);
    session.exp_string("Project name").expect("asks for a name");
    press(&mut session, "shop");
    press(&mut session, ESC);
    assert_cancelled(&mut session, &sandbox);
}

/// Keys that arrive one by one while the question is being redrawn still count: none of
/// them is swallowed by the terminal between two reads. (Redrawn in line mode, a terminal
/// takes a backspace for its own line editing and drops it.)
#[test]
fn keys_typed_faster_than_the_question_redraws_are_all_taken() {
    let sandbox = Sandbox::new();
    let mut session = wizard(&sandbox);
    session.exp_string("Project name").expect("asks for a name");
    let typed = format!(
        "{}shop-api",
        format!("Xy{}", BACKSPACE.repeat(2)).repeat(40)
    );
    for (n, key) in typed.chars().enumerate() {
        press(&mut session, key.encode_utf8(&mut [0; 4]));
        // Uneven gaps, so keys land at every point of the read-and-redraw cycle.
        std::thread::sleep(std::time::Duration::from_micros(50 + (n as u64 * 37) % 400));
    }
    press(&mut session, ENTER);
    session
        .exp_string("Preset")
        .expect("every backspace erased a letter, so the name was accepted");
    session.send_control('c').expect("ctrl-c");
    assert_cancelled(&mut session, &sandbox);
}

/// Ctrl-C lands at every point of a question's read-and-redraw cycle, and each time the
/// terminal comes back in line mode. (Raised by the terminal between two reads, SIGINT used
/// to race the next read, which could switch the terminal to raw mode after the Ctrl-C
/// handler had restored it: about 1 run in 40.)
#[test]
fn ctrl_c_at_any_moment_gives_the_terminal_back_in_line_mode() {
    for run in 0..40u64 {
        let sandbox = Sandbox::new();
        let mut session = wizard(&sandbox);
        session.exp_string("Project name").expect("asks for a name");
        for key in "half".chars() {
            press(&mut session, key.encode_utf8(&mut [0; 4]));
        }
        std::thread::sleep(std::time::Duration::from_micros(run * 53 % 1500));
        session.send_control('c').expect("ctrl-c");
        assert_cancelled(&mut session, &sandbox);
    }
}
