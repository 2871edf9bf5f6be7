use predicates::str::contains;

use crate::support::Sandbox;

#[test]
fn verify_without_presets_says_what_to_pass() {
    Sandbox::new()
        .stackgen(["verify"])
        .assert()
        .failure()
        .stderr(contains("nothing to verify"))
        .stderr(contains("--all"));
}

#[test]
fn verify_an_unknown_preset_lists_the_available_ones() {
    Sandbox::new()
        .stackgen(["verify", "--preset", "postgres"])
        .assert()
        .failure()
        .stderr(contains("unknown preset `postgres`"))
        .stderr(contains("available presets:"));
}

#[test]
fn verify_refuses_all_together_with_named_presets() {
    Sandbox::new()
        .stackgen(["verify", "--all", "--preset", "postgres-oauth2-jwt"])
        .assert()
        .failure()
        .code(2);
}
