//! The generated projects' own tests catch an untrue CLAUDE.md, AGENTS.md or `docs/`: each
//! preset is generated and its integration tests built once; then each edit below is made to
//! a fresh copy of the pristine files, the instruction checks (`guide`, `configuration_table`,
//! `code_rules`) are run, and the test named for that edit must be among the failures.
//!
//! The checks read the files at run time, so the already-built test binary (the one `cargo
//! test` runs) judges each edited tree without a rebuild; none of them needs a database.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Sandbox, cargo_in_shared_target, generate_preset};

/// The test modules that check the instructions against the code.
const CHECKS: [&str; 3] = ["guide::", "configuration_table::", "code_rules::"];
/// Both instruction files: an edit to what they say is made to both, as a person would.
const GUIDES: [&str; 2] = ["CLAUDE.md", "AGENTS.md"];

/// One edit that makes the instructions untrue, and the test that must catch it.
struct Edit {
    what: &'static str,
    files: &'static [&'static str],
    change: fn(&str) -> String,
    caught_by: &'static str,
}

const EDITS: &[Edit] = &[
    Edit {
        what: "a path that does not exist, named in the prose",
        files: &GUIDES,
        change: |text| format!("{text}\nThe session store is `src/services/sessions_store.rs`.\n"),
        caught_by: "guide::every_named_path_exists",
    },
    Edit {
        what: "a served route removed from the Endpoints table",
        files: &GUIDES,
        change: |text| replace_first_protected_row(text, |_| String::new()),
        caught_by: "guide::the_endpoint_table_matches_the_served_endpoints",
    },
    Edit {
        what: "a protected route marked as needing no authentication",
        files: &GUIDES,
        change: |text| {
            replace_first_protected_row(text, |cells| {
                format!("| {} | {} | none | {} |\n", cells[0], cells[1], cells[3])
            })
        },
        caught_by: "guide::the_endpoint_table_matches_the_served_endpoints",
    },
    Edit {
        what: "a public route marked as needing authentication",
        files: &GUIDES,
        change: |text| {
            changed(
                text,
                "| GET | `/health/live` | none |",
                "| GET | `/health/live` | bearer |",
            )
        },
        caught_by: "guide::the_endpoint_table_matches_the_served_endpoints",
    },
    Edit {
        what: "an environment variable removed from the configuration table",
        files: &["docs/configuration.md"],
        change: |text| {
            text.lines()
                .filter(|line| !line.starts_with("| `APP_PORT` |"))
                .map(|line| format!("{line}\n"))
                .collect()
        },
        caught_by: "configuration_table::every_variable_the_configuration_reads_is_listed",
    },
    Edit {
        what: "a variable's default changed in the configuration table",
        files: &["docs/configuration.md"],
        change: |text| changed(text, "| `APP_PORT` | `8080` |", "| `APP_PORT` | `8081` |"),
        caught_by: "configuration_table::each_listed_default_is_the_default",
    },
    Edit {
        what: "a flag of the binary renamed in the commands",
        files: &GUIDES,
        change: |text| {
            changed(
                text,
                "cargo run -- serve --apply-migrations ",
                "cargo run -- serve --apply-migration  ",
            )
        },
        caught_by: "guide::every_command_exists",
    },
    Edit {
        what: "a subcommand of the binary renamed in the commands",
        files: &GUIDES,
        change: |text| changed(text, "cargo run -- migrate ", "cargo run -- migrations "),
        caught_by: "guide::every_command_exists",
    },
    Edit {
        what: "a cargo flag misspelt in the commands",
        files: &GUIDES,
        change: |text| changed(text, "cargo build --locked ", "cargo build --lockd  "),
        caught_by: "guide::every_command_exists",
    },
    Edit {
        what: "a rule citing a test that does not exist",
        files: &GUIDES,
        change: |text| {
            changed(
                text,
                "`code_rules::no_postgresql_only_sql`",
                "`code_rules::no_postgres_only_sql`",
            )
        },
        caught_by: "guide::every_rule_cites_a_test_that_exists",
    },
    Edit {
        what: "AGENTS.md changed without CLAUDE.md",
        files: &["AGENTS.md"],
        change: |text| {
            changed(
                text,
                "## Never\n",
                "## Never\n\n- Never deploy on a Friday.\n",
            )
        },
        caught_by: "guide::agents_md_says_what_claude_md_says",
    },
    Edit {
        what: "an SQL statement added to a service module",
        files: &["src/services/items.rs"],
        change: |text| {
            format!(
                "{text}\n#[allow(dead_code)]\nasync fn forget_everything(pool: &sqlx::PgPool) -> \
                 Result<(), sqlx::Error> {{\n    sqlx::query(\"DELETE FROM items\").execute(pool).await?;\n    \
                 Ok(())\n}}\n"
            )
        },
        caught_by: "code_rules::sql_lives_only_in_repositories",
    },
    Edit {
        what: "a write added outside the retry helper",
        files: &["src/repositories/items.rs"],
        change: |text| {
            format!(
                "{text}\npub async fn touch_all(db: &sqlx::PgPool) -> Result<u64, sqlx::Error> {{\n    \
                 let done = sqlx::query(\"UPDATE items SET title = title\").execute(db).await?;\n    \
                 Ok(done.rows_affected())\n}}\n"
            )
        },
        caught_by: "code_rules::writes_run_only_inside_retry_write",
    },
];

/// `text` with `from` replaced once; the edit must apply, or it would test nothing.
fn changed(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "the pristine text has no {from:?}");
    text.replacen(from, to, 1)
}

/// `text` with the first Endpoints row whose Auth is not `none` replaced by `row(cells)`.
fn replace_first_protected_row(text: &str, row: impl Fn(&[&str]) -> String) -> String {
    let mut replaced = false;
    let mut out = String::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let protected = line.starts_with("| ")
            && cells.len() == 4
            && !["none", "Auth"].contains(&cells[2])
            && !cells[2].starts_with('-');
        if protected && !replaced {
            out.push_str(&row(&cells));
            replaced = true;
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(replaced, "the Endpoints table has no protected row");
    out
}

/// Generates `preset` and builds its integration tests; returns the project and the binary.
fn generate_and_build(sandbox: &Sandbox, preset: &str) -> (PathBuf, PathBuf) {
    let project = generate_preset(sandbox, preset, &format!("guide-{preset}"));
    let output = cargo_in_shared_target(&project)
        .args([
            "test",
            "--locked",
            "--no-run",
            "--message-format=json",
            "--test",
            "api",
        ])
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "{preset}: building the tests failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let binary = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["target"]["name"] == "api")
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .unwrap_or_else(|| panic!("{preset}: cargo named no `api` test executable"));
    (project, binary)
}

/// Runs the instruction checks of the project at `project`: success, and the output.
fn run_checks(binary: &Path, project: &Path) -> (bool, String) {
    let output = Command::new(binary)
        .args(CHECKS)
        .current_dir(project)
        .env_remove("DATABASE_URL")
        .output()
        .expect("the test binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// The test names listed under libtest's final `failures:` heading.
fn failed_tests(output: &str) -> Vec<String> {
    output
        .rsplit_once("\nfailures:\n")
        .map(|(_, list)| {
            list.lines()
                .map(str::trim)
                .take_while(|line| !line.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn each_edit_is_caught(preset: &str) {
    let sandbox = Sandbox::new();
    let (project, binary) = generate_and_build(&sandbox, preset);
    let (passed, output) = run_checks(&binary, &project);
    assert!(
        passed,
        "{preset}: the pristine project fails its own checks:\n{output}"
    );

    for edit in EDITS {
        let originals: Vec<(PathBuf, String)> = edit
            .files
            .iter()
            .map(|file| {
                let path = project.join(file);
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|error| panic!("{preset}: cannot read {file}: {error}"));
                (path, text)
            })
            .collect();
        for (path, text) in &originals {
            std::fs::write(path, (edit.change)(text)).expect("the edit is written");
        }
        let (passed, output) = run_checks(&binary, &project);
        for (path, text) in &originals {
            std::fs::write(path, text).expect("the file is restored");
        }
        let failed = failed_tests(&output);
        assert!(
            !passed && failed.iter().any(|test| test == edit.caught_by),
            "{preset}: {} was not caught by {} (failed: {failed:?}):\n{output}",
            edit.what,
            edit.caught_by
        );
    }
}

#[test]
fn postgres_oauth2_jwt_catches_every_untrue_instruction() {
    each_edit_is_caught("postgres-oauth2-jwt");
}

#[test]
fn cockroach_token_session_catches_every_untrue_instruction() {
    each_edit_is_caught("cockroach-token-session");
}

#[test]
fn cockroach_oidc_cluster_catches_every_untrue_instruction() {
    each_edit_is_caught("cockroach-oidc-cluster");
}

#[test]
fn every_embedded_preset_is_checked_here() {
    let checked = [
        "cockroach-oidc-cluster",
        "cockroach-token-session",
        "postgres-oauth2-jwt",
    ];
    assert_eq!(stackgen::preset::embedded_names(), checked);
}
