use predicates::prelude::*;
use predicates::str::contains;
use sha2::Digest;

use crate::support::{Sandbox, assert_refused, render_preset};

const PRESET: &str = "postgres-oauth2-jwt";

#[test]
fn new_writes_the_rendered_tree_and_prints_next_steps() {
    let sandbox = Sandbox::new();
    sandbox
        .stackgen(["new", "my-api", "--preset", PRESET])
        .assert()
        .success()
        .stdout(contains("Created my-api from preset postgres-oauth2-jwt"))
        .stdout(contains("cd my-api"))
        .stdout(contains(
            "DATABASE_URL='postgres://postgres:postgres@localhost:5432/postgres' cargo test",
        ))
        .stdout(contains("docker compose up --build"));
    let rendered = render_preset(PRESET, "my-api");
    for (path, bytes) in rendered.files() {
        let on_disk = std::fs::read(sandbox.join("my-api").join(path)).expect(path);
        assert_eq!(on_disk, bytes, "{path} differs from the in-memory render");
    }
    let staging_left = sandbox.entries().iter().any(|e| e.contains(".stackgen-"));
    assert!(
        !staging_left,
        "staging directory left behind: {:?}",
        sandbox.entries()
    );
}

#[test]
fn next_steps_name_the_database_the_compose_file_starts() {
    let sandbox = Sandbox::new();
    sandbox
        .stackgen(["new", "my-api", "--preset", "cockroach-token-session"])
        .assert()
        .success()
        .stdout(contains(
            "insecure CockroachDB node, local only, on localhost:26257",
        ))
        .stdout(contains(
            "DATABASE_URL='postgresql://root@localhost:26257/defaultdb?sslmode=disable' cargo test",
        ))
        .stdout(contains("PostgreSQL").not());
}

#[test]
fn the_project_records_how_it_was_generated() {
    let sandbox = Sandbox::new();
    sandbox
        .stackgen([
            "new",
            "my-api",
            "--preset",
            PRESET,
            "--set",
            "http_port=3000",
        ])
        .assert()
        .success();
    let manifest =
        std::fs::read_to_string(sandbox.join("my-api/.stackgen.yaml")).expect("manifest");
    assert!(manifest.contains(&format!("stackgen_version: {}", env!("CARGO_PKG_VERSION"))));
    assert!(manifest.contains("preset: postgres-oauth2-jwt"));
    assert!(manifest.contains("name: my-api"));
    assert!(manifest.contains("http_port: 3000"), "{manifest}");
    assert!(
        manifest.contains("log_format: json"),
        "every setting is recorded: {manifest}"
    );
}

#[test]
fn dir_chooses_the_target_and_creates_missing_parents() {
    let sandbox = Sandbox::new();
    sandbox
        .stackgen([
            "new",
            "my-api",
            "--preset",
            PRESET,
            "--dir",
            "services/billing",
        ])
        .assert()
        .success();
    assert!(sandbox.join("services/billing/Cargo.toml").is_file());
    assert!(!sandbox.join("my-api").exists());
}

#[test]
fn an_existing_empty_directory_is_used() {
    let sandbox = Sandbox::new();
    std::fs::create_dir(sandbox.join("my-api")).expect("mkdir");
    sandbox
        .stackgen(["new", "my-api", "--preset", PRESET])
        .assert()
        .success();
    assert!(sandbox.join("my-api/Cargo.toml").is_file());
}

#[test]
fn a_non_empty_target_is_refused_and_left_untouched() {
    let sandbox = Sandbox::new();
    std::fs::create_dir(sandbox.join("my-api")).expect("mkdir");
    std::fs::write(sandbox.join("my-api/notes.txt"), "mine").expect("write");
    sandbox
        .stackgen(["new", "my-api", "--preset", PRESET])
        .assert()
        .failure()
        .stderr(contains("already exists and is not empty (notes.txt)"))
        .stderr(contains("--force"));
    assert_eq!(sandbox.entries(), ["my-api", "my-api/notes.txt"]);
}

#[test]
fn force_overwrites_only_generated_files_and_lists_them() {
    let sandbox = Sandbox::new();
    std::fs::create_dir(sandbox.join("my-api")).expect("mkdir");
    std::fs::write(sandbox.join("my-api/notes.txt"), "mine").expect("write");
    std::fs::write(sandbox.join("my-api/Cargo.toml"), "old").expect("write");
    sandbox
        .stackgen(["new", "my-api", "--preset", PRESET, "--force"])
        .assert()
        .success()
        .stdout(contains("Overwrote 1 existing files:\n  Cargo.toml\n"));
    assert_eq!(
        std::fs::read_to_string(sandbox.join("my-api/notes.txt"))
            .ok()
            .as_deref(),
        Some("mine")
    );
    let manifest = std::fs::read_to_string(sandbox.join("my-api/Cargo.toml")).expect("Cargo.toml");
    assert!(manifest.contains("name = \"my-api\""));
}

#[test]
fn force_refuses_a_directory_where_a_file_goes_and_changes_nothing() {
    let sandbox = Sandbox::new();
    std::fs::create_dir_all(sandbox.join("my-api/Cargo.toml")).expect("mkdir");
    std::fs::write(sandbox.join("my-api/notes.txt"), "mine").expect("write");
    let before = sandbox.entries();
    sandbox
        .stackgen(["new", "my-api", "--preset", PRESET, "--force"])
        .assert()
        .failure()
        .stderr(contains("Cargo.toml is a directory in the way"));
    assert_eq!(sandbox.entries(), before);
}

#[test]
fn a_file_in_place_of_the_target_is_refused() {
    let sandbox = Sandbox::new();
    std::fs::write(sandbox.join("my-api"), "a file").expect("write");
    sandbox
        .stackgen(["new", "my-api", "--preset", PRESET])
        .assert()
        .failure()
        .stderr(contains("exists and is not a directory"));
    assert_eq!(sandbox.entries(), ["my-api"]);
}

#[test]
fn a_file_in_place_of_a_parent_leaves_nothing_behind() {
    let sandbox = Sandbox::new();
    std::fs::write(sandbox.join("blocker"), "a file").expect("write");
    sandbox
        .stackgen([
            "new",
            "my-api",
            "--preset",
            PRESET,
            "--dir",
            "blocker/inner/my-api",
        ])
        .assert()
        .failure();
    assert_eq!(sandbox.entries(), ["blocker"]);
}

#[test]
fn dry_run_lists_paths_and_sizes_and_writes_nothing() {
    let sandbox = Sandbox::new();
    let rendered = render_preset(PRESET, "my-api");
    let cargo_toml = rendered.get("Cargo.toml").expect("Cargo.toml").len();
    sandbox
        .stackgen(["new", "my-api", "--preset", PRESET, "--dry-run"])
        .assert()
        .success()
        .stdout(contains(format!("Would write {} files", rendered.len())))
        .stdout(contains("nothing was written"))
        .stdout(contains(format!("{cargo_toml:>9}  Cargo.toml\n")));
    assert!(sandbox.entries().is_empty(), "{:?}", sandbox.entries());
}

#[test]
fn dry_run_shows_which_files_force_would_overwrite() {
    let sandbox = Sandbox::new();
    std::fs::create_dir(sandbox.join("my-api")).expect("mkdir");
    std::fs::write(sandbox.join("my-api/Cargo.toml"), "old").expect("write");
    sandbox
        .stackgen(["new", "my-api", "--preset", PRESET, "--dry-run", "--force"])
        .assert()
        .success()
        .stdout(contains("Cargo.toml  (overwrite)"));
    assert_eq!(
        std::fs::read_to_string(sandbox.join("my-api/Cargo.toml"))
            .ok()
            .as_deref(),
        Some("old")
    );
}

#[test]
fn invalid_names_are_refused_with_a_suggestion_and_nothing_is_written() {
    let cases = [
        ("", "the project name is empty"),
        ("2fast", "must start with a letter"),
        ("My API", "try `my-api`"),
        ("fn", "is a Rust keyword"),
        ("std", "reserved"),
        ("core", "reserved"),
        ("alloc", "reserved"),
        ("test", "reserved"),
        ("apps/api", "path separator"),
        ("my api", "whitespace"),
    ];
    for (name, message) in cases {
        assert_refused(&["new", name, "--preset", PRESET], 1, message);
        assert_refused(
            &["new", name, "--preset", PRESET],
            1,
            "invalid project name",
        );
    }
}

#[test]
fn a_name_taken_by_a_dependency_is_refused() {
    let sandbox = Sandbox::new();
    sandbox
        .stackgen(["new", "axum", "--preset", PRESET])
        .assert()
        .failure()
        .stderr(contains(
            "`axum` is also the name of one of the generated project's dependencies",
        ));
    assert!(sandbox.entries().is_empty());
}

#[test]
fn unknown_presets_are_listed_with_a_suggestion() {
    let sandbox = Sandbox::new();
    sandbox
        .stackgen(["new", "my-api", "--preset", "postgres-oauth-jwt"])
        .assert()
        .failure()
        .stderr(contains("unknown preset `postgres-oauth-jwt` (did you mean `postgres-oauth2-jwt`?)"))
        .stderr(contains(
            "available presets: cockroach-oidc-cluster, cockroach-token-session, postgres-oauth2-jwt",
        ));
    assert!(sandbox.entries().is_empty());
}

#[test]
fn set_with_an_unknown_key_or_a_wrong_type_is_refused() {
    let cases = [
        (
            "port=3000",
            1,
            "has no setting named `port`; its settings are: http_port",
        ),
        (
            "http_port=fast",
            1,
            "--set http_port=fast: `fast` is not an integer (expected integer 1..=65535)",
        ),
        ("http_port=70000", 1, "70000 is above the maximum 65535"),
        ("log_format=xml", 1, "`xml` is not one of: json, pretty"),
        ("http_port", 2, "not of the form key=value"),
    ];
    for (set, code, message) in cases {
        assert_refused(
            &["new", "my-api", "--preset", PRESET, "--set", set],
            code,
            message,
        );
    }
}

/// Without a terminal stackgen never waits for input: what is missing is an error naming the
/// flags. (assert_cmd gives the process no terminal, and stdin is empty.)
#[test]
fn without_a_terminal_anything_missing_names_the_flags_to_pass() {
    for (args, missing) in [
        (&["new", "my-api"][..], "needs a preset"),
        (
            &["new", "--preset", "postgres-oauth2-jwt"][..],
            "needs a project name",
        ),
        (&["new"][..], "needs a project name and a preset"),
        (
            &["new", "--no-input"][..],
            "needs a project name and a preset",
        ),
    ] {
        assert_refused(args, 1, missing);
        assert_refused(args, 1, "stackgen new NAME --preset PRESET");
        assert_refused(args, 1, "--preset-file PATH");
    }
}

#[test]
fn new_json_prints_a_manifest_of_every_file_with_its_hash() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .stackgen([
            "new",
            "my-api",
            "--preset",
            PRESET,
            "--json",
            "--set",
            "http_port=3000",
        ])
        .output()
        .expect("runs");
    assert!(output.status.success());
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("stdout is one JSON document");
    assert_eq!(report["stackgen_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        report["templates_version"],
        stackgen::embedded::template_set_version()
    );
    assert_eq!(report["preset"], PRESET);
    assert_eq!(report["written"], true);
    assert_eq!(report["settings"]["http_port"], 3000);
    let files = report["files"].as_array().expect("files");
    let rendered = render_preset(PRESET, "my-api");
    assert_eq!(files.len(), rendered.len());
    for file in files {
        let path = file["path"].as_str().expect("path");
        let bytes = std::fs::read(sandbox.join("my-api").join(path)).expect(path);
        assert_eq!(file["size"], bytes.len(), "{path}");
        let digest = sha2::Sha256::digest(&bytes);
        assert_eq!(file["sha256"], stackgen::embedded::hex(&digest), "{path}");
    }
    let commands: Vec<&str> = report["verify_commands"]
        .as_array()
        .expect("commands")
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert!(commands.contains(&"cargo test --locked"), "{commands:?}");
    assert!(
        commands.contains(&"cargo clippy --locked --all-targets -- -D warnings"),
        "{commands:?}"
    );
}

#[test]
fn quiet_prints_nothing_but_errors() {
    let sandbox = Sandbox::new();
    sandbox
        .stackgen(["new", "my-api", "--preset", PRESET, "--quiet"])
        .assert()
        .success()
        .stdout("")
        .stderr("");
    assert!(sandbox.join("my-api/Cargo.toml").is_file());
}
