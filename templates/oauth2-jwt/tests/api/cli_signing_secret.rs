//! The binary refuses to run without the secret that signs access tokens.

use crate::cli::{run, stderr};
use crate::helpers::unmigrated_database_env;

#[tokio::test]
async fn the_service_refuses_to_start_without_a_signing_secret() {
    let mut env = unmigrated_database_env().await;
    env.retain(|(key, _)| key != "JWT_SECRET");
    env.push(("JWT_SECRET".to_owned(), String::new()));

    let output = run(&["serve"], &env, "");

    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("JWT_SECRET is not set"), "{message}");
}
