//! Output conventions: completions, `--version`, colour and `NO_COLOR`.

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::Sandbox;

#[test]
fn completions_are_printed_for_every_supported_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _stackgen"),
        ("zsh", "#compdef stackgen"),
        ("fish", "complete -c stackgen"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[stackgen]"),
    ] {
        Sandbox::new()
            .stackgen(["completions", shell])
            .assert()
            .success()
            .stdout(
                contains(marker)
                    .and(contains("verify"))
                    .and(contains("diff")),
            );
    }
    Sandbox::new()
        .stackgen(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(contains(
            "possible values: bash, elvish, fish, powershell, zsh",
        ));
}

#[test]
fn version_names_the_template_set() {
    Sandbox::new()
        .stackgen(["--version"])
        .assert()
        .success()
        .stdout(format!(
            "stackgen {} (templates {})\n",
            env!("CARGO_PKG_VERSION"),
            stackgen::embedded::template_set_version()
        ));
    let digest = stackgen::embedded::template_set_version();
    assert_eq!(digest.len(), 12);
    assert!(digest.chars().all(|c| c.is_ascii_hexdigit()));
}

const ESCAPE: &str = "\u{1b}[";

/// Colour needs a terminal; CLICOLOR_FORCE stands in for one, and NO_COLOR wins over it.
#[test]
fn no_color_turns_colour_off_even_where_it_would_be_forced() {
    let bad_name = ["new", "My API", "--preset", "postgres-oauth2-jwt"];
    Sandbox::new()
        .stackgen(bad_name)
        .env("CLICOLOR_FORCE", "1")
        .env_remove("NO_COLOR")
        .assert()
        .failure()
        .stderr(contains(ESCAPE));
    Sandbox::new()
        .stackgen(bad_name)
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .assert()
        .failure()
        .stderr(contains("error: invalid project name").and(contains(ESCAPE).not()));
    // Without a terminal and without forcing, there is no colour at all.
    Sandbox::new()
        .stackgen(bad_name)
        .env_remove("CLICOLOR_FORCE")
        .env_remove("NO_COLOR")
        .assert()
        .failure()
        .stderr(contains(ESCAPE).not());
}

#[test]
fn data_goes_to_stdout_and_diagnostics_to_stderr() {
    let sandbox = Sandbox::new();
    sandbox
        .stackgen(["list", "--json"])
        .assert()
        .success()
        .stderr("");
    sandbox
        .stackgen(["show", "postgres-oauth3"])
        .assert()
        .failure()
        .stdout("")
        .stderr(contains("unknown preset"));
}

/// A reader that stops early (`stackgen list | head -1`) is not an error: every command that
/// prints data ends quietly and successfully when its stdout is a pipe nobody reads.
#[test]
fn a_closed_stdout_is_not_an_error() {
    let sandbox = Sandbox::new();
    sandbox
        .stackgen(["new", "shop-api", "--preset", "postgres-oauth2-jwt", "-q"])
        .assert()
        .success();
    let commands: [&[&str]; 8] = [
        &["list"],
        &["list", "--json"],
        &["show", "postgres-oauth2-jwt"],
        &[
            "claude-md",
            "--name",
            "shop-api",
            "--preset",
            "postgres-oauth2-jwt",
        ],
        &[
            "new",
            "other-api",
            "--preset",
            "postgres-oauth2-jwt",
            "--dry-run",
        ],
        &[
            "new",
            "json-api",
            "--preset",
            "postgres-oauth2-jwt",
            "--json",
        ],
        &["completions", "bash"],
        &["diff", "shop-api"],
    ];
    std::fs::write(sandbox.join("shop-api/README.md"), "edited\n").expect("edit a file");
    for args in commands {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let output = std::process::Command::new(assert_cmd::cargo::cargo_bin!("stackgen"))
            .current_dir(sandbox.path())
            .args(args)
            .stdout(writer)
            .output()
            .expect("stackgen runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "{args:?}: {:?}\n{stderr}",
            output.status
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    assert!(sandbox.join("json-api/Cargo.toml").is_file());
}
