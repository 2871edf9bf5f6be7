//! Generated projects for real: built, linted and tested against PostgreSQL. These compile the
//! generated dependencies once into a shared target directory (`target/verify`).

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Sandbox, one_verify_of_a_preset_at_a_time, shared_target_dir};

fn output_text(output: &std::process::Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn verify_all_passes_against_a_throwaway_postgres() {
    let _one_at_a_time = one_verify_of_a_preset_at_a_time();
    let sandbox = Sandbox::new();
    let started = std::time::SystemTime::now();
    let output = sandbox
        .stackgen(["verify", "--all", "--target-dir"])
        .arg(shared_target_dir())
        .env_remove("CARGO_INCREMENTAL")
        .env_remove("CARGO_PROFILE_DEV_DEBUG")
        .output()
        .expect("stackgen runs");
    let text = output_text(&output);
    assert!(output.status.success(), "{text}");
    assert_eq!(
        incremental_state_written_since(started),
        Vec::<String>::new(),
        "verify's throwaway projects must not leave incremental state in the shared target"
    );
    assert!(
        text.contains("database: throwaway PostgreSQL on 127.0.0.1:"),
        "{text}"
    );
    for preset in stackgen::preset::embedded_names() {
        for step in ["build", "clippy", "fmt", "test"] {
            let line = text
                .lines()
                .find(|l| l.starts_with(&preset) && l.split_whitespace().nth(1) == Some(step))
                .unwrap_or_else(|| panic!("no {step} line for {preset}:\n{text}"));
            assert_eq!(line.split_whitespace().nth(2), Some("ok"), "{line}");
        }
    }
    assert!(
        text.contains("verified 3 of 3 presets: all passed"),
        "{text}"
    );
}

/// The incremental compilation state of the embedded presets' crates that was written into
/// the shared target directory at or after `since`.
fn incremental_state_written_since(since: std::time::SystemTime) -> Vec<String> {
    let crates: Vec<String> = stackgen::preset::embedded_names()
        .into_iter()
        .map(|preset| format!("{}-", preset.replace('-', "_")))
        .collect();
    let Ok(entries) = std::fs::read_dir(shared_target_dir().join("debug").join("incremental"))
    else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            crates.iter().any(|prefix| name.starts_with(prefix))
        })
        .filter(|entry| {
            entry
                .metadata()
                .and_then(|meta| meta.modified())
                .is_ok_and(|modified| modified >= since)
        })
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect()
}

/// The example preset files compose the layers differently from the embedded presets (the
/// base on its own; token sessions on PostgreSQL): they must build and pass their tests too.
#[test]
fn example_preset_files_verify() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for example in ["internal-tools.yaml", "sessions-on-postgres.yaml"] {
        let sandbox = Sandbox::new();
        let output = sandbox
            .stackgen(["verify", "--preset-file"])
            .arg(examples.join(example))
            .arg("--target-dir")
            .arg(shared_target_dir())
            .output()
            .expect("stackgen runs");
        let text = output_text(&output);
        assert!(output.status.success(), "{example}:\n{text}");
        assert!(text.contains("all passed"), "{example}:\n{text}");
    }
}

/// Also the `--json` report: stdout carries only the report, progress goes to stderr.
#[test]
fn verify_reports_the_failing_step_with_the_tail_of_its_output() {
    let _one_at_a_time = one_verify_of_a_preset_at_a_time();
    let sandbox = Sandbox::new();
    let output = sandbox
        .stackgen([
            "verify",
            "--json",
            "--preset",
            "postgres-oauth2-jwt",
            "--target-dir",
        ])
        .arg(shared_target_dir())
        .args(["--database-url", "postgres://postgres@127.0.0.1:1/postgres"])
        .output()
        .expect("stackgen runs");
    let text = output_text(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let test_line = stderr
        .lines()
        .find(|l| l.starts_with("postgres-oauth2-jwt") && l.contains(" test "))
        .unwrap_or_else(|| panic!("no test line:\n{text}"));
    assert!(test_line.contains("FAILED"), "{test_line}");
    assert!(
        stderr.contains("--- output of `cargo test --locked`"),
        "{text}"
    );
    // The reason comes before the backtraces: each failing test's panic message.
    assert!(
        stderr.contains("why the tests failed:\n  thread '"),
        "{text}"
    );
    assert!(
        stderr.contains("1 of 1 presets failed verification: postgres-oauth2-jwt"),
        "{text}"
    );

    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|err| panic!("{err}: {text}"));
    assert_eq!(report["passed"], false);
    let preset = &report["presets"][0];
    assert_eq!(preset["preset"], "postgres-oauth2-jwt");
    assert_eq!(preset["passed"], false);
    let steps = preset["steps"].as_array().expect("steps");
    let statuses: Vec<(&str, &str)> = steps
        .iter()
        .map(|s| {
            (
                s["step"].as_str().unwrap_or(""),
                s["status"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("build", "passed"),
            ("clippy", "passed"),
            ("fmt", "passed"),
            ("test", "failed")
        ]
    );
    assert!(steps.iter().all(|s| s["seconds"].as_f64().is_some()));
    let tail = steps[3]["output_tail"]
        .as_str()
        .expect("a failing step's tail");
    assert!(!tail.trim().is_empty());
    assert!(steps[0]["output_tail"].is_null());
}

/// On a terminal each step runs under a spinner naming the preset and step, which gives way to
/// the coloured result line; the failing step's tail follows.
#[test]
fn verify_on_a_terminal_shows_a_spinner_per_step_then_coloured_results() {
    let _one_at_a_time = one_verify_of_a_preset_at_a_time();
    let sandbox = Sandbox::new();
    let target_dir = shared_target_dir();
    // A cold shared target means a full build first.
    let mut session = sandbox.in_a_terminal(
        [
            OsStr::new("verify"),
            OsStr::new("--preset"),
            OsStr::new("postgres-oauth2-jwt"),
            OsStr::new("--target-dir"),
            target_dir.as_os_str(),
            OsStr::new("--database-url"),
            OsStr::new("postgres://postgres@127.0.0.1:1/postgres"),
        ],
        900_000,
    );
    for step in ["build", "clippy", "fmt", "test"] {
        session
            .exp_string(&format!("postgres-oauth2-jwt {step}"))
            .unwrap_or_else(|err| panic!("a spinner for {step}: {err}"));
        let result = session
            .exp_regex(&format!(
                r"postgres-oauth2-jwt +{step} +(\x1b\[[0-9;]*m)+(ok|FAILED)"
            ))
            .unwrap_or_else(|err| panic!("a coloured result for {step}: {err}"))
            .1;
        let expected = if step == "test" { "FAILED" } else { "ok" };
        assert!(result.ends_with(expected), "{step}: {result:?}");
    }
    session
        .exp_string("--- output of `cargo test --locked`")
        .expect("the failing step's tail");
    session
        .exp_string("1 of 1 presets failed verification")
        .expect("the summary");
    session.exp_eof().expect("verify ends");
    assert_eq!(crate::terminal::exit_code(&session), 1);
}

#[test]
fn an_interrupted_verify_stops_its_cargo_and_its_database_and_cleans_up() {
    let _one_at_a_time = one_verify_of_a_preset_at_a_time();
    let sandbox = Sandbox::new();
    let scratch = sandbox.join("tmp");
    std::fs::create_dir(&scratch).expect("mkdir");
    // The throwaway server runs as `postgres` under root, so it must be able to reach TMPDIR.
    for dir in [sandbox.path(), scratch.as_path()] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let mut child = Command::new(assert_cmd::cargo::cargo_bin!("stackgen"))
        .current_dir(sandbox.path())
        .env_remove("DATABASE_URL")
        .env("TMPDIR", &scratch)
        .args(["verify", "--preset", "postgres-oauth2-jwt", "--target-dir"])
        .arg(sandbox.join("target"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("stackgen starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut first_line = String::new();
    BufReader::new(stdout)
        .read_line(&mut first_line)
        .expect("verify reports its database");
    let port: u16 = first_line
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("no port in {first_line:?}"));
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_ok(),
        "the database is up"
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while !cargo_build_started(&scratch) {
        assert!(Instant::now() < deadline, "cargo build never started");
        std::thread::sleep(Duration::from_millis(50));
    }

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let status = child.wait().expect("stackgen exits");
    assert_eq!(status.code(), Some(130));
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the throwaway database on port {port} is still running"
    );
    // The compiler drivers cargo ran remove their own temporary files once they get to run
    // after the signal, which on a loaded machine can take a while.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left: Vec<_> = std::fs::read_dir(&scratch)
            .expect("read TMPDIR")
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        if left.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "left behind in TMPDIR: {left:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Whether verify's working directory already holds the build step's log.
fn cargo_build_started(scratch: &std::path::Path) -> bool {
    walkdir::WalkDir::new(scratch)
        .max_depth(2)
        .into_iter()
        .filter_map(Result::ok)
        .any(|entry| entry.file_name() == "postgres-oauth2-jwt-build.log")
}

#[test]
fn shipped_lock_files_match_their_manifests() {
    for preset in stackgen::preset::embedded_names() {
        let sandbox = Sandbox::new();
        sandbox
            .stackgen(["new", "lock-check", "--preset", &preset])
            .assert()
            .success();
        let output = Command::new("cargo")
            .args(["metadata", "--locked", "--format-version", "1"])
            .current_dir(sandbox.join("lock-check"))
            .env("CARGO_TARGET_DIR", shared_target_dir())
            .stdout(Stdio::null())
            .output()
            .expect("cargo runs");
        assert!(
            output.status.success(),
            "{preset}: its Cargo.lock no longer matches its Cargo.toml; regenerate it with \
             `scripts/relock {preset}`:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
