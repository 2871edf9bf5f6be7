//! Docker and GitHub Actions cannot run here, so their files are checked by parsing and content.

use crate::support::render_preset;

fn text(preset: &str, path: &str) -> String {
    let rendered = render_preset(preset, "my-api");
    let bytes = rendered
        .get(path)
        .unwrap_or_else(|| panic!("{preset} does not generate {path}"));
    String::from_utf8_lossy(bytes).into_owned()
}

fn yaml(preset: &str, path: &str) -> yaml_serde::Value {
    yaml_serde::from_str(&text(preset, path))
        .unwrap_or_else(|err| panic!("{preset}: {path} is not valid YAML: {err}"))
}

#[test]
fn compose_runs_the_database_with_a_healthcheck_and_the_app_after_it() {
    for preset in stackgen::preset::embedded_names() {
        let compose = yaml(&preset, "docker-compose.yml");
        let services = &compose["services"];
        assert!(
            services["db"]["healthcheck"]["test"].is_sequence(),
            "{preset}: db healthcheck"
        );
        assert_eq!(
            services["app"]["depends_on"]["db"]["condition"].as_str(),
            Some("service_healthy"),
            "{preset}: the app waits for a healthy database"
        );
        let ports = services["app"]["ports"][0].as_str().unwrap_or_default();
        assert_eq!(
            ports, "8080:8080",
            "{preset}: the app publishes the configured port"
        );
    }
}

#[test]
fn the_ci_workflow_checks_format_lints_and_tests_against_postgres() {
    for preset in stackgen::preset::embedded_names() {
        let workflow = yaml(&preset, ".github/workflows/ci.yml");
        let jobs = workflow["jobs"].as_mapping().expect("jobs");
        let all_steps = text(&preset, ".github/workflows/ci.yml");
        assert!(all_steps.contains("cargo fmt --check"), "{preset}: fmt");
        assert!(
            all_steps.contains("-D warnings"),
            "{preset}: clippy -D warnings"
        );
        assert!(all_steps.contains("cargo test --locked"), "{preset}: tests");
        let has_postgres_service = jobs.values().any(|job| {
            job["services"].as_mapping().is_some_and(|services| {
                services.values().any(|s| {
                    s["image"]
                        .as_str()
                        .is_some_and(|image| image.starts_with("postgres"))
                })
            })
        });
        assert!(
            has_postgres_service,
            "{preset}: tests need a PostgreSQL service container"
        );
    }
}

#[test]
fn the_dockerfile_builds_locked_in_stages_and_runs_unprivileged() {
    for preset in stackgen::preset::embedded_names() {
        let dockerfile = text(&preset, "Dockerfile");
        let stages = dockerfile
            .lines()
            .filter(|l| l.starts_with("FROM "))
            .count();
        assert!(stages >= 2, "{preset}: a multi-stage build");
        assert!(
            dockerfile.contains("FROM rust:1.95"),
            "{preset}: the declared toolchain"
        );
        assert!(
            dockerfile.contains("cargo build --release --locked"),
            "{preset}: --locked"
        );
        let user = dockerfile
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("USER "))
            .unwrap_or_else(|| panic!("{preset}: no USER instruction"));
        assert_ne!(user.trim(), "root", "{preset}: runs as root");
        assert!(
            dockerfile.contains("ENTRYPOINT [\"/usr/local/bin/my-api\"]"),
            "{preset}"
        );
    }
}
