//! Every preset's complete rendered tree, reviewed through insta: a template change without an
//! updated snapshot fails here (and in CI, where insta never writes snapshots).

use crate::support::render_preset;

fn tree_with_contents(preset: &str) -> String {
    let rendered = render_preset(preset, "my-api");
    let mut out = String::new();
    for (path, bytes) in rendered.files() {
        out.push_str(&format!("===== {path} ({} bytes)\n", bytes.len()));
        out.push_str(&String::from_utf8_lossy(bytes));
        if !bytes.ends_with(b"\n") {
            out.push_str("\n[no newline at end of file]\n");
        }
    }
    out
}

#[test]
fn postgres_oauth2_jwt() {
    insta::assert_snapshot!(tree_with_contents("postgres-oauth2-jwt"));
}

#[test]
fn cockroach_token_session() {
    insta::assert_snapshot!(tree_with_contents("cockroach-token-session"));
}

#[test]
fn cockroach_oidc_cluster() {
    insta::assert_snapshot!(tree_with_contents("cockroach-oidc-cluster"));
}

#[test]
fn every_embedded_preset_has_a_snapshot_test() {
    let source = include_str!("snapshots.rs");
    for preset in stackgen::preset::embedded_names() {
        let test_name = format!("fn {}()", preset.replace('-', "_"));
        assert!(
            source.contains(&test_name),
            "add a snapshot test `{test_name}` for {preset}"
        );
    }
}
