use predicates::str::contains;

use crate::support::{Sandbox, example};

#[test]
fn the_example_preset_generates_a_project() {
    let sandbox = Sandbox::new();
    sandbox
        .stackgen(["new", "tools-api", "--preset-file"])
        .arg(example("internal-tools.yaml"))
        .assert()
        .success()
        .stdout(contains("from preset internal-tools"));
    let manifest =
        std::fs::read_to_string(sandbox.join("tools-api/.stackgen.yaml")).expect("manifest");
    let example_text =
        std::fs::read_to_string(example("internal-tools.yaml")).expect("example preset");
    let recorded: stackgen::manifest::Manifest =
        yaml_serde::from_str(&manifest).expect("the manifest parses back");
    assert_eq!(
        recorded.preset_source.as_deref(),
        Some(example_text.as_str())
    );
}

fn write_preset(sandbox: &Sandbox, text: &str) -> std::path::PathBuf {
    let path = sandbox.join("preset.yaml");
    std::fs::write(&path, text).expect("write preset");
    path
}

fn example_text() -> String {
    std::fs::read_to_string(example("internal-tools.yaml")).expect("example preset")
}

#[test]
fn an_unknown_key_is_reported_with_file_line_and_column() {
    let sandbox = Sandbox::new();
    let text = example_text().replace("database: postgres\n", "database: postgres\ncolour: blue\n");
    let line = text
        .lines()
        .position(|l| l == "colour: blue")
        .expect("inserted")
        + 1;
    write_preset(&sandbox, &text);
    sandbox
        .stackgen(["new", "x", "--preset-file", "preset.yaml"])
        .assert()
        .failure()
        .stderr(contains(format!(
            "preset.yaml:{line}:1: unknown field `colour`"
        )));
    assert_eq!(sandbox.entries(), ["preset.yaml"]);
}

#[test]
fn malformed_yaml_is_reported_with_its_location() {
    let sandbox = Sandbox::new();
    write_preset(&sandbox, "name: [unclosed\ntitle: x\n");
    sandbox
        .stackgen(["show", "--preset-file", "preset.yaml"])
        .assert()
        .failure()
        .stderr(contains("preset.yaml:"));
}

#[test]
fn a_wrong_value_type_is_reported_with_its_location() {
    let sandbox = Sandbox::new();
    write_preset(
        &sandbox,
        &example_text().replace("database: postgres", "database: mysql"),
    );
    sandbox
        .stackgen(["show", "--preset-file", "preset.yaml"])
        .assert()
        .failure()
        .stderr(contains(
            "unknown variant `mysql`, expected `postgres` or `cockroachdb`",
        ));
}

#[test]
fn an_unknown_layer_is_refused_with_the_available_ones() {
    let sandbox = Sandbox::new();
    write_preset(
        &sandbox,
        &example_text().replace("layers: [base, postgres]", "layers: [base, postgres, bsae]"),
    );
    sandbox
        .stackgen(["show", "--preset-file", "preset.yaml"])
        .assert()
        .failure()
        .stderr(contains(
            "unknown layer `bsae` (did you mean `base`?); available layers: accounts, base, cockroach-cluster, cockroach-node, cockroachdb, items, metrics, oauth2-jwt, oidc, postgres, token-session",
        ));
}

#[test]
fn a_preset_without_a_database_layer_is_refused_naming_it() {
    let sandbox = Sandbox::new();
    write_preset(
        &sandbox,
        &example_text().replace("layers: [base, postgres]", "layers: [base]"),
    );
    sandbox
        .stackgen(["new", "x", "--preset-file", "preset.yaml"])
        .assert()
        .failure()
        .stderr(contains(
            "`database: postgres` needs the `postgres` layer in `layers`",
        ));
    assert!(!sandbox.join("x").exists());
}

#[test]
fn layers_that_need_another_layer_say_which_ones_would_do() {
    let sandbox = Sandbox::new();
    write_preset(
        &sandbox,
        &example_text().replace(
            "layers: [base, postgres]",
            "layers: [base, postgres, items]",
        ),
    );
    sandbox
        .stackgen(["new", "x", "--preset-file", "preset.yaml"])
        .assert()
        .failure()
        .stderr(contains(
            "layer `items` needs a layer that provides `auth` (available: oauth2-jwt, oidc, token-session)",
        ));
    assert!(!sandbox.join("x").exists());
}

#[test]
fn two_database_layers_are_refused() {
    let sandbox = Sandbox::new();
    write_preset(
        &sandbox,
        &example_text().replace(
            "layers: [base, postgres]",
            "layers: [base, postgres, cockroachdb]",
        ),
    );
    sandbox
        .stackgen(["new", "x", "--preset-file", "preset.yaml"])
        .assert()
        .failure()
        .stderr(contains(
            "layers `postgres` and `cockroachdb` both provide `database`; a preset takes one of them",
        ));
    assert!(!sandbox.join("x").exists());
}

#[test]
fn a_default_of_the_wrong_type_is_refused() {
    let sandbox = Sandbox::new();
    write_preset(
        &sandbox,
        &example_text().replace("default: 3000", "default: fast"),
    );
    sandbox
        .stackgen(["show", "--preset-file", "preset.yaml"])
        .assert()
        .failure()
        .stderr(contains(
            "setting `http_port`: default `fast` is not a valid integer",
        ));
}

#[test]
fn a_missing_setting_that_a_template_reads_is_a_render_error() {
    let sandbox = Sandbox::new();
    let text = example_text();
    let start = text.find("  - key: http_port").expect("http_port declared");
    let end = text
        .find("  - key: db_max_connections")
        .expect("next setting");
    write_preset(&sandbox, &format!("{}{}", &text[..start], &text[end..]));
    sandbox
        .stackgen(["new", "x", "--preset-file", "preset.yaml"])
        .assert()
        .failure()
        .stderr(contains("templates/base/"))
        .stderr(contains("undefined value"));
    assert_eq!(sandbox.entries(), ["preset.yaml"]);
}

#[test]
fn a_missing_preset_file_is_a_clear_error() {
    Sandbox::new()
        .stackgen(["new", "x", "--preset-file", "nowhere.yaml"])
        .assert()
        .failure()
        .stderr(contains("cannot read preset file nowhere.yaml"));
}
