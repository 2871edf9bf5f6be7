//! The binary's commands over the accounts schema, each run as its own process: `serve` refuses
//! pending migrations (the accounts bring the first ones), `create-user` bootstraps an account
//! with the password from standard input.

use reqwest::StatusCode;

use crate::cli::{run, stderr};
use crate::helpers::{spawn_app, unmigrated_database_env};
use crate::signed_in::login_request;

#[tokio::test]
async fn serve_refuses_to_start_while_migrations_are_pending() {
    let env = unmigrated_database_env().await;

    let output = run(&["serve"], &env, "");

    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("migration(s) are not applied"),
        "{message}"
    );
    assert!(message.contains("migrate"), "{message}");
    assert!(message.contains("--apply-migrations"), "{message}");
}

#[tokio::test]
async fn create_user_reads_the_password_from_stdin() {
    let app = spawn_app().await;

    let output = run(
        &[
            "create-user",
            "--email",
            "Admin@Example.com",
            "--full-name",
            "Admin",
        ],
        &app.binary_env(),
        "an admin password\n",
    );

    assert!(output.status.success(), "{}", stderr(&output));
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("admin@example.com"), "{said}");
    let login = login_request(&app, "admin@example.com", "an admin password")
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
}

#[tokio::test]
async fn create_user_explains_what_is_wrong() {
    let app = spawn_app().await;
    let env = app.binary_env();
    let create = |email: &str, password: &str| {
        run(
            &["create-user", "--email", email, "--full-name", "Admin"],
            &env,
            password,
        )
    };

    let short = create("admin@example.com", "short\n");
    assert!(!short.status.success());
    assert!(
        stderr(&short).contains("password must be at least 8 characters"),
        "{}",
        stderr(&short)
    );

    let empty = create("admin@example.com", "");
    assert!(!empty.status.success());
    assert!(
        stderr(&empty).contains("no password on standard input"),
        "{}",
        stderr(&empty)
    );

    assert!(
        create("admin@example.com", "long enough\n")
            .status
            .success()
    );
    let duplicate = create("ADMIN@example.com", "long enough\n");
    assert!(!duplicate.status.success());
    assert!(
        stderr(&duplicate).contains("already exists"),
        "{}",
        stderr(&duplicate)
    );
}
