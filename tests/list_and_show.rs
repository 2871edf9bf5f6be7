use predicates::str::contains;

use crate::support::{Sandbox, example};

#[test]
fn list_prints_every_preset_with_its_summary() {
    let output = Sandbox::new().stackgen(["list"]).assert().success();
    let stdout = String::from_utf8_lossy(&output.get_output().stdout).into_owned();
    let presets = stackgen::preset::all_embedded().expect("presets");
    assert_eq!(stdout.lines().count(), presets.len(), "{stdout}");
    for loaded in presets {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&loaded.preset.name))
            .unwrap_or_else(|| panic!("{} missing from:\n{stdout}", loaded.preset.name));
        assert!(line.ends_with(&loaded.preset.summary), "{line}");
    }
}

#[test]
fn list_json_is_machine_readable() {
    let output = Sandbox::new()
        .stackgen(["list", "--json"])
        .assert()
        .success();
    let value: serde_json::Value =
        serde_json::from_slice(&output.get_output().stdout).expect("valid JSON");
    let entries = value.as_array().expect("an array");
    let names: Vec<&str> = entries.iter().filter_map(|e| e["name"].as_str()).collect();
    assert_eq!(
        names,
        [
            "cockroach-oidc-cluster",
            "cockroach-token-session",
            "postgres-oauth2-jwt"
        ]
    );
    let jwt = &entries[2];
    assert_eq!(jwt["database"], "postgres");
    assert_eq!(jwt["auth"], "oauth2-jwt");
    assert!(jwt["summary"].as_str().is_some_and(|s| !s.is_empty()));
}

#[test]
fn show_describes_the_preset_its_settings_and_files() {
    Sandbox::new()
        .stackgen(["show", "cockroach-token-session"])
        .assert()
        .success()
        .stdout(contains("cockroach-token-session — "))
        .stdout(contains("Target user: Backend engineers"))
        .stdout(contains("Use cases:\n  - "))
        .stdout(contains("Database:    CockroachDB"))
        .stdout(contains("Auth:        opaque session tokens"))
        .stdout(contains(
            "Deployment:  Docker image, docker compose, GitHub Actions CI",
        ))
        .stdout(contains(
            "http_port              integer 1..=65535  default 8080",
        ))
        .stdout(contains("my-api/\n"))
        .stdout(contains("── Cargo.toml\n"))
        .stdout(contains("── CLAUDE.md\n"));
}

#[test]
fn show_reads_a_preset_file() {
    Sandbox::new()
        .stackgen(["show", "--preset-file"])
        .arg(example("internal-tools.yaml"))
        .assert()
        .success()
        .stdout(contains(
            "internal-tools — Internal tools API on PostgreSQL",
        ))
        .stdout(contains("default 3000"));
}

#[test]
fn show_an_unknown_preset_lists_the_available_ones() {
    Sandbox::new()
        .stackgen(["show", "cockroach-token"])
        .assert()
        .failure()
        .stderr(contains("unknown preset `cockroach-token`"))
        .stderr(contains("available presets: "));
}
