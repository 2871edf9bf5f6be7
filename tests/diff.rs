//! `stackgen diff`: a project on disk against a fresh render from its `.stackgen.yaml`.

use predicates::prelude::*;
use predicates::str::contains;

use crate::support::{Sandbox, example};

const PRESET: &str = "postgres-oauth2-jwt";

fn generated(args: &[&str]) -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.stackgen(args).arg("--quiet").assert().success();
    sandbox
}

fn project() -> Sandbox {
    generated(&["new", "my-api", "--preset", PRESET])
}

#[test]
fn a_fresh_project_has_no_differences() {
    let sandbox = project();
    sandbox
        .stackgen(["diff", "my-api", "--exit-code"])
        .assert()
        .success()
        .stdout("")
        .stderr(contains("no differences"));
    // Run from inside the project, DIR defaults to `.`.
    sandbox
        .stackgen(["diff", "--exit-code"])
        .current_dir(sandbox.join("my-api"))
        .assert()
        .success();
}

#[test]
fn an_edited_file_is_shown_as_a_unified_diff_and_fails_with_exit_code() {
    let sandbox = project();
    let main_rs = sandbox.join("my-api/src/main.rs");
    let original = std::fs::read_to_string(&main_rs).expect("read");
    let first_line = original.lines().next().expect("a first line").to_string();
    let edited = original.replacen(&first_line, "//! Edited by hand.", 1);
    std::fs::write(&main_rs, edited).expect("write");

    let expected_patch = contains("--- a/src/main.rs\n+++ b/src/main.rs\n@@ ")
        .and(contains(format!("\n-{first_line}\n")))
        .and(contains("\n+//! Edited by hand.\n"));
    sandbox
        .stackgen(["diff", "my-api", "--exit-code"])
        .assert()
        .code(1)
        .stdout(expected_patch)
        .stderr(contains("1 of").and(contains("1 changed, 0 removed")));
    // Without --exit-code, differences are information, not failure.
    sandbox.stackgen(["diff", "my-api"]).assert().success();
}

#[test]
fn a_deleted_file_is_shown_and_files_the_user_added_are_ignored() {
    let sandbox = project();
    std::fs::remove_file(sandbox.join("my-api/Dockerfile")).expect("rm");
    std::fs::write(sandbox.join("my-api/src/mine.rs"), "// mine\n").expect("write");
    sandbox
        .stackgen(["diff", "my-api", "--exit-code"])
        .assert()
        .code(1)
        .stdout(contains("--- a/Dockerfile\n+++ /dev/null\n").and(contains("mine.rs").not()))
        .stderr(contains("0 changed, 1 removed"));
}

#[test]
fn a_project_from_a_preset_file_is_rendered_from_the_copy_in_its_manifest() {
    let preset_file = example("internal-tools.yaml");
    let sandbox = Sandbox::new();
    sandbox
        .stackgen(["new", "tools-api", "--quiet", "--preset-file"])
        .arg(&preset_file)
        .assert()
        .success();
    sandbox
        .stackgen(["diff", "tools-api", "--exit-code"])
        .assert()
        .success();
}

#[test]
fn a_missing_or_broken_manifest_is_a_clear_error_with_its_own_exit_status() {
    let sandbox = Sandbox::new();
    std::fs::create_dir(sandbox.join("plain")).expect("mkdir");
    sandbox
        .stackgen(["diff", "plain", "--exit-code"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("plain has no .stackgen.yaml").and(contains("hint:")));
    sandbox
        .stackgen(["diff", "nowhere"])
        .assert()
        .code(2)
        .stderr(contains("nowhere is not a directory"));

    let sandbox = project();
    let manifest = sandbox.join("my-api/.stackgen.yaml");
    let text = std::fs::read_to_string(&manifest).expect("read");
    std::fs::write(&manifest, text.replace("name: my-api", "name: [my-api")).expect("write");
    sandbox
        .stackgen(["diff", "my-api"])
        .assert()
        .code(2)
        .stderr(contains(".stackgen.yaml:").and(contains("restore .stackgen.yaml")));

    std::fs::write(&manifest, text.replace("name: my-api", "nmae: my-api")).expect("write");
    sandbox
        .stackgen(["diff", "my-api"])
        .assert()
        .code(2)
        .stderr(contains("unknown field `nmae`"));

    std::fs::write(
        &manifest,
        text.replace(&format!("preset: {PRESET}"), "preset: postgres-oauth3"),
    )
    .expect("write");
    sandbox
        .stackgen(["diff", "my-api"])
        .assert()
        .code(2)
        .stderr(contains("unknown preset `postgres-oauth3`"));

    std::fs::write(
        &manifest,
        text.replace("http_port: 8080", "http_port: huge"),
    )
    .expect("write");
    sandbox
        .stackgen(["diff", "my-api"])
        .assert()
        .code(2)
        .stderr(contains("http_port"));
}
