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

/// Claude Code's guidance is to keep a CLAUDE.md under 200 lines: longer ones cost context and
/// are followed less closely. Reference material belongs in the project's `docs/`.
#[test]
fn every_presets_claude_md_is_under_200_lines_and_agents_md_says_the_same() {
    for preset in stackgen::preset::embedded_names() {
        let rendered = render_preset(&preset, "a-service-with-a-rather-long-name-for-wrapping");
        let text =
            |path: &str| String::from_utf8_lossy(rendered.get(path).expect(path)).into_owned();
        let claude = text("CLAUDE.md");
        let lines = claude.lines().count();
        assert!(lines < 200, "{preset}: CLAUDE.md has {lines} lines");
        let below_the_title = |text: &str| text.lines().skip(1).collect::<Vec<_>>().join("\n");
        assert_eq!(
            below_the_title(&claude),
            below_the_title(&text("AGENTS.md")),
            "{preset}"
        );
    }
}
