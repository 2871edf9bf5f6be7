//! Every preset's server, fuzzed from outside as an attacker would: schemathesis generates
//! requests from the server's own `/openapi.json` for a bounded time and checks that no answer
//! is a server error, and that every status, content type and body is the one the document
//! declares. A request schema looser than the validation shows as schemathesis' "schema
//! validation mismatch" warning, which fails the test too (except where a 400 means refused
//! credentials, not refused data: [`CREDENTIALS_REFUSED_WITH_400`]). The server must still
//! answer after.
//!
//! schemathesis comes from PyPI, pinned in `.ci/run`. The servers are the generated projects'
//! debug builds, compiled into the shared target directory that `verify` already filled.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use stackgen::throwaway_postgres::ThrowawayPostgres;

use crate::support::{Sandbox, cargo_in_shared_target, generate_preset, shared_target_dir};

/// How long schemathesis runs against each server, in seconds.
const FUZZ_SECONDS: &str = "45";

/// The user the fuzzer signs in as; the e-mail and password are the schemas' examples.
const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "correct horse battery";

/// schemathesis' configuration for a preset, beyond the command line. Dictionaries mix the
/// real user's e-mail and password into generated bodies, so that some logins succeed. A
/// password change always gives the real current password and that same password as the new
/// one, so it can succeed and leaves the user able to log in.
/// `auth.dynamic` logs in for a token, and again whenever an answer is 401 (after a logout or a
/// password change, say).
fn schemathesis_config(preset: &str) -> Option<String> {
    let per_preset = match preset {
        "postgres-oauth2-jwt" => Some(
            r#"
[[operations]]
include-path = "/api/v1/auth/token"
parameters = { "body.username" = { dictionary = "emails", probability = 0.9 }, "body.password" = { dictionary = "passwords", probability = 0.9 } }

[[operations]]
include-path = "/api/v1/users/me"
parameters = { "body.password" = { dictionary = "passwords", probability = 1.0 }, "body.current_password" = { dictionary = "passwords", probability = 1.0 } }

[auth.dynamic.openapi.oauth2]
path = "/api/v1/auth/token"
payload_content_type = "application/x-www-form-urlencoded"
payload = { grant_type = "password", username = "ada@example.com", password = "correct horse battery" }
extract_selector = "/access_token"
retry_on = [401]
"#,
        ),
        "cockroach-token-session" => Some(
            r#"
[[operations]]
include-path = "/auth/token/"
parameters = { "body.email" = { dictionary = "emails", probability = 0.9 }, "body.password" = { dictionary = "passwords", probability = 0.9 } }

[auth.dynamic.openapi.session_token]
path = "/auth/token/"
payload = { email = "ada@example.com", password = "correct horse battery" }
extract_selector = "/token"
retry_on = [401]
"#,
        ),
        // Tokens come from an identity provider, which this test does not run: the fuzzer
        // explores the refusals.
        _ => None,
    };
    per_preset.map(|settings| format!("{KNOWN_VALUES}{settings}"))
}

/// The values every preset's configuration mixes in: the seeded user's e-mail and password.
const KNOWN_VALUES: &str = r#"[dictionaries.emails]
values = ["ada@example.com"]
[dictionaries.passwords]
values = ["correct horse battery"]

[parameters]
"body.email" = { dictionary = "emails", probability = 0.5 }
"#;

/// The configuration every server is started with: throttles off (a fuzzer is one client
/// sending thousands of requests), the cheapest password hashing the presets accept, and an
/// identity provider address that refuses connections.
const SERVER_ENVIRONMENT: &[(&str, &str)] = &[
    ("APP_ENV", "development"),
    ("APP_HOST", "127.0.0.1"),
    ("LOG_FORMAT", "json"),
    ("RUST_LOG", "warn"),
    (
        "JWT_SECRET",
        "a-fuzzing-secret-of-more-than-thirty-two-bytes",
    ),
    ("BCRYPT_COST", "4"),
    ("ARGON2_MEMORY_KIB", "64"),
    ("LOGIN_ATTEMPTS_PER_MINUTE", "0"),
    ("REGISTRATIONS_PER_HOUR", "0"),
    ("API_REQUESTS_PER_MINUTE", "0"),
    ("AUTH_FAILURES_PER_MINUTE", "0"),
    ("OIDC_ISSUER", "http://127.0.0.1:9"),
    ("OIDC_AUDIENCE", "fuzzing"),
];

/// Operations whose 400 answers are refused credentials, not refused data. RFC 6749 (5.2)
/// answers a wrong password or an unknown refresh token with 400 `invalid_grant`, which
/// schemathesis counts as a validation rejection: when every well-formed request of a phase
/// carries credentials that do not match, it warns although the schema is exact. The token
/// endpoint's own validation (missing fields, unknown grant types) is tested by the preset's
/// `auth` tests, and schemathesis' other checks still run against it.
const CREDENTIALS_REFUSED_WITH_400: &[&str] = &["POST /api/v1/auth/token"];

/// The mismatched operations that say a request schema is looser than its validation.
fn looser_schemas(report: &str) -> Vec<String> {
    mismatched_operations(report)
        .into_iter()
        .filter(|operation| !CREDENTIALS_REFUSED_WITH_400.contains(&operation.as_str()))
        .collect()
}

/// The operations listed under schemathesis' "Schema validation mismatch" warning.
fn mismatched_operations(report: &str) -> Vec<String> {
    report
        .lines()
        .skip_while(|line| !line.starts_with("Schema validation mismatch"))
        .skip(1)
        .skip_while(|line| line.trim().is_empty())
        .take_while(|line| line.trim_start().starts_with("- "))
        .map(|line| line.trim_start().trim_start_matches("- ").to_owned())
        .collect()
}

fn schemathesis() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("schemathesis"))
            .find(|candidate| candidate.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "schemathesis is not installed: `python3 -m pip install schemathesis==4.32.5` \
             (the version .ci/run installs), with pip's scripts directory on PATH"
        )
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free local port")
}

/// The status line of `GET path`, or `None` if nothing answers.
fn get_status(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    answer.lines().next().map(str::to_owned)
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run_checked(command: &mut Command, what: &str) {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed:\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn build(sandbox: &Sandbox, preset: &str) -> (PathBuf, PathBuf) {
    let name = format!("fuzz-{preset}");
    let project = generate_preset(sandbox, preset, &name);
    run_checked(
        cargo_in_shared_target(&project).args(["build", "--locked", "--quiet"]),
        "cargo build",
    );
    let binary = shared_target_dir().join("debug").join(&name);
    (project, binary)
}

fn server_command(binary: &Path, database_url: &str, port: u16) -> Command {
    let mut command = Command::new(binary);
    command
        .envs(SERVER_ENVIRONMENT.iter().copied())
        .env("DATABASE_URL", database_url)
        .env("APP_PORT", port.to_string());
    command
}

fn fuzz(preset: &str) {
    let sandbox = Sandbox::new();
    let (project, binary) = build(&sandbox, preset);
    let database = ThrowawayPostgres::start().expect("a throwaway PostgreSQL starts");
    let url = database.url();
    // The commands run before `serve` listen nowhere.
    run_checked(server_command(&binary, &url, 0).arg("migrate"), "migrate");
    let config = schemathesis_config(preset);
    if config.is_some() {
        let mut create = server_command(&binary, &url, 0)
            .args(["create-user", "--email", EMAIL, "--full-name", "Ada"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("create-user starts");
        if let Some(mut stdin) = create.stdin.take() {
            writeln!(stdin, "{PASSWORD}").expect("the password is written");
        }
        let output = create.wait_with_output().expect("create-user runs");
        assert!(
            output.status.success(),
            "create-user: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let log = std::fs::File::create(project.join("server.log")).expect("a log file");
    // Picked just before the server binds it, so no other process can take it meanwhile.
    let port = free_port();
    let _server = Server(
        server_command(&binary, &url, port)
            .arg("serve")
            .stdout(log.try_clone().expect("the log file"))
            .stderr(log)
            .spawn()
            .expect("the server starts"),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while get_status(port, "/health/ready").is_none_or(|line| !line.contains(" 200 ")) {
        assert!(Instant::now() < deadline, "the server never became ready");
        std::thread::sleep(Duration::from_millis(100));
    }

    let config_file = project.join("schemathesis.toml");
    std::fs::write(&config_file, config.unwrap_or_default()).expect("the config is written");
    let output = Command::new(schemathesis())
        .arg("--config-file")
        .arg(&config_file)
        .arg("run")
        .arg(format!("http://127.0.0.1:{port}/openapi.json"))
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--max-time",
            FUZZ_SECONDS,
            // One worker: with several threads, CPython 3.11's parser can fail inside
            // Hypothesis ("AST constructor recursion depth mismatch").
            "--workers",
            "1",
            "--request-timeout",
            "10",
        ])
        .env("NO_COLOR", "1")
        .current_dir(&project)
        .output()
        .expect("schemathesis runs");
    let report = format!(
        "{}\n{}\nserver log:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        std::fs::read_to_string(project.join("server.log")).unwrap_or_default()
    );
    assert!(
        output.status.success(),
        "{preset}: schemathesis failed:\n{report}"
    );
    let mismatched = looser_schemas(&report);
    assert!(
        mismatched.is_empty(),
        "{preset}: request schemas are looser than the validation for {mismatched:?}:\n{report}"
    );
    assert!(
        get_status(port, "/health/live").is_some_and(|line| line.contains(" 200 ")),
        "{preset}: the server stopped answering after the fuzzing:\n{report}"
    );
}

#[test]
fn postgres_oauth2_jwt_survives_schemathesis() {
    fuzz("postgres-oauth2-jwt");
}

#[test]
fn cockroach_token_session_survives_schemathesis() {
    fuzz("cockroach-token-session");
}

#[test]
fn cockroach_oidc_cluster_survives_schemathesis() {
    fuzz("cockroach-oidc-cluster");
}

#[test]
fn the_mismatch_warning_is_read_operation_by_operation() {
    let report = "\nSchema validation mismatch: 2 operations mostly rejected generated data\n\n  \
                  - PATCH /api/v1/users/me\n  - POST /api/v1/auth/token\n\nNext";
    assert_eq!(looser_schemas(report), ["PATCH /api/v1/users/me"]);
    assert_eq!(
        mismatched_operations(report),
        ["PATCH /api/v1/users/me", "POST /api/v1/auth/token"]
    );
    assert!(mismatched_operations("no warnings").is_empty());
}
