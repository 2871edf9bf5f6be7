use predicates::str::contains;

use crate::support::{Sandbox, render_preset};

#[test]
fn claude_md_prints_exactly_what_new_would_write() {
    let expected = render_preset("postgres-oauth2-jwt", "billing");
    let output = Sandbox::new()
        .stackgen([
            "claude-md",
            "--preset",
            "postgres-oauth2-jwt",
            "--name",
            "billing",
        ])
        .assert()
        .success();
    assert_eq!(
        output.get_output().stdout,
        expected.get("CLAUDE.md").expect("CLAUDE.md")
    );
}

#[test]
fn claude_md_writes_to_a_file_and_nothing_else() {
    let sandbox = Sandbox::new();
    sandbox
        .stackgen([
            "claude-md",
            "--preset",
            "cockroach-token-session",
            "-o",
            "CLAUDE.md",
        ])
        .assert()
        .success()
        .stderr(contains("wrote CLAUDE.md"));
    assert_eq!(sandbox.entries(), ["CLAUDE.md"]);
    let expected = render_preset("cockroach-token-session", "my-api");
    assert_eq!(
        std::fs::read(sandbox.join("CLAUDE.md")).expect("written"),
        expected.get("CLAUDE.md").expect("CLAUDE.md")
    );
}

#[test]
fn claude_md_applies_settings() {
    let default = render_preset("postgres-oauth2-jwt", "my-api");
    let output = Sandbox::new()
        .stackgen([
            "claude-md",
            "--preset",
            "postgres-oauth2-jwt",
            "--set",
            "http_port=3999",
        ])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&output.get_output().stdout).into_owned();
    let default_text = String::from_utf8_lossy(default.get("CLAUDE.md").expect("CLAUDE.md"));
    assert!(
        stdout.contains("3999"),
        "the port setting reaches CLAUDE.md"
    );
    assert_ne!(stdout, default_text);
}

#[test]
fn claude_md_refuses_bad_input() {
    let sandbox = Sandbox::new();
    sandbox
        .stackgen([
            "claude-md",
            "--preset",
            "postgres-oauth2-jwt",
            "--name",
            "Bad Name",
        ])
        .assert()
        .failure()
        .stderr(contains("invalid --name"))
        .stderr(contains("try `bad-name`"));
    sandbox
        .stackgen(["claude-md", "--preset", "nope"])
        .assert()
        .failure()
        .stderr(contains("unknown preset `nope`"));
    sandbox
        .stackgen(["claude-md", "--preset", "postgres-oauth2-jwt", "-o", "."])
        .assert()
        .failure()
        .stderr(contains("is a directory"));
    assert!(sandbox.entries().is_empty());
}
