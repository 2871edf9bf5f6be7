//! Layers own their concerns: no template may branch on, or name, another layer or an
//! authentication or database kind. What differs between presets reaches a template only as
//! composition data (`slots`, `modules`, `environment`, exports), never as a switch.

use std::path::{Path, PathBuf};

use stackgen::embedded::layer_names;

/// The kinds a template once switched on; none may appear in a template expression.
const KINDS: &[&str] = &[
    "postgres",
    "cockroachdb",
    "oauth2-jwt",
    "token-session",
    "oidc",
];

/// Variables the renderer no longer provides, because branching on them is what layers
/// replace.
const SWITCHES: &[&str] = &["auth", "database"];

fn template_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("templates/ is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            template_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "j2")
            || path.file_name().is_some_and(|name| name == "layer.yaml")
        {
            out.push(path);
        }
    }
}

/// The text of every `{{ … }}` and `{% … %}` in a template, `{% raw %}` bodies excepted.
fn expressions(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(['{']) {
        let after = &rest[start..];
        let close = if after.starts_with("{{") {
            "}}"
        } else if after.starts_with("{%") {
            "%}"
        } else {
            rest = &after[1..];
            continue;
        };
        let Some(end) = after.find(close) else { break };
        let expression = after[2..end].trim().trim_matches('-').trim().to_owned();
        rest = &after[end + 2..];
        if expression == "raw" {
            rest = rest.find("{% endraw %}").map_or("", |at| &rest[at..]);
            continue;
        }
        found.push(expression);
    }
    found
}

/// The identifiers of an expression outside its string literals, and the words inside them.
fn identifiers_and_literal_words(expression: &str) -> (Vec<String>, Vec<String>) {
    let mut code = String::new();
    let mut literals = String::new();
    let mut quote = None;
    for c in expression.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => literals.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                literals.push(' ');
            }
            None => code.push(c),
        }
    }
    let split = |text: &str, joiner: fn(char) -> bool| -> Vec<String> {
        text.split(|c: char| !(c.is_ascii_alphanumeric() || joiner(c)))
            .filter(|word| !word.is_empty())
            .map(str::to_owned)
            .collect()
    };
    (
        split(&code, |c| c == '_'),
        split(&literals, |c| c == '_' || c == '-'),
    )
}

fn offences(layer: &str, text: &str, layers: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for expression in expressions(text) {
        let (identifiers, literal_words) = identifiers_and_literal_words(&expression);
        for word in identifiers
            .iter()
            .filter(|w| SWITCHES.contains(&w.as_str()))
        {
            found.push(format!("`{expression}` branches on `{word}`"));
        }
        for word in &literal_words {
            let other_layer = layers.iter().any(|l| l == word) || KINDS.contains(&word.as_str());
            if other_layer && word != layer {
                found.push(format!("`{expression}` names `{word}`"));
            }
        }
    }
    found
}

#[test]
fn no_template_branches_on_or_names_another_layer_or_kind() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let layers = layer_names();
    let mut files = Vec::new();
    template_files(&root, &mut files);
    assert!(
        files.len() > 20,
        "the scan found only {} templates",
        files.len()
    );
    let mut report = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&root).expect("under templates/");
        let layer = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .unwrap_or_default();
        let text = std::fs::read_to_string(file).expect("templates are UTF-8");
        for offence in offences(layer, &text, &layers) {
            report.push(format!("templates/{}: {offence}", relative.display()));
        }
    }
    assert!(
        report.is_empty(),
        "{} template expressions branch on or name another layer's concern; move what differs \
         into the layer that owns it (a `_slots/` piece, a manifest entry or an export):\n{}",
        report.len(),
        report.join("\n")
    );
}

#[test]
fn the_scan_catches_the_switches_it_forbids() {
    let layers = vec!["base".to_owned(), "oauth2-jwt".to_owned()];
    for branch in [
        "{% if auth == \"oauth2-jwt\" %}x{% endif %}",
        "{% if database == \"cockroachdb\" %}x{% endif %}",
        "{{ 'a' if auth in ['token-session'] else 'b' }}",
        "{% include \"oauth2-jwt/_slots/x.j2\" %}",
    ] {
        assert!(
            !offences("base", branch, &layers).is_empty(),
            "not caught: {branch}"
        );
    }
    let allowed = "{% for piece in slots.state_fields %}{% include piece %}{% endfor %}\
                   {{ api.prefix }}{% raw %}${{ auth }}{% endraw %}";
    assert!(offences("base", allowed, &layers).is_empty());
    assert!(offences("oauth2-jwt", "{{ 'oauth2-jwt' }}", &layers).is_empty());
}

fn slot_references(text: &str) -> Vec<String> {
    text.match_indices("slots.")
        .map(|(at, _)| {
            text[at + "slots.".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

#[test]
fn every_layer_has_a_manifest_and_every_slot_piece_is_rendered_somewhere() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut files = Vec::new();
    template_files(&root, &mut files);
    let referenced: Vec<String> = files
        .iter()
        .flat_map(|file| slot_references(&std::fs::read_to_string(file).unwrap_or_default()))
        .collect();
    for layer in layer_names() {
        let source =
            stackgen::layer::manifest_source(&layer).unwrap_or_else(|error| panic!("{error}"));
        stackgen::layer::parse(&layer, source).unwrap_or_else(|error| panic!("{error}"));
        for slot in stackgen::layer::slot_files(&layer).keys() {
            assert!(
                referenced.contains(slot),
                "templates/{layer}/_slots/{slot}.j2 fills an extension point no template \
                 renders: rename it to one that `slots.<name>` names, or render `slots.{slot}`"
            );
        }
    }
}

#[test]
fn secrets_have_no_default_and_required_variables_say_so() {
    for preset in stackgen::preset::embedded_names() {
        let loaded = stackgen::preset::load_embedded(&preset).expect("embedded preset");
        for layer in &loaded.preset.layers {
            let source = stackgen::layer::manifest_source(layer).expect("manifest");
            let manifest = stackgen::layer::parse(layer, source).expect("parses");
            for variable in manifest.environment.iter().flat_map(|b| &b.variables) {
                if variable.secret {
                    assert!(
                        variable.default.starts_with("none"),
                        "templates/{layer}/layer.yaml: secret {} must not have a default",
                        variable.name
                    );
                }
                assert_eq!(
                    variable.required,
                    variable.default == "none (required)",
                    "templates/{layer}/layer.yaml: {} is `required` exactly when its default \
                     says `none (required)`",
                    variable.name
                );
            }
        }
    }
}

/// Composed code must be what rustfmt would write for any combination of layers, not only the
/// embedded presets': with token sessions and no items, one router is mounted under the API
/// prefix, a chain rustfmt keeps on one line.
#[test]
fn a_combination_with_a_single_resource_router_is_rustfmt_clean() {
    let sandbox = crate::support::Sandbox::new();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sessions-on-postgres.yaml");
    let text = std::fs::read_to_string(example).expect("example preset");
    let text = text.replace(
        "layers: [base, postgres, accounts, token-session, items]",
        "layers: [base, postgres, accounts, token-session]",
    );
    assert!(text.contains("layers: [base, postgres, accounts, token-session]\n"));
    std::fs::write(sandbox.join("preset.yaml"), text).expect("write preset");
    sandbox
        .stackgen(["new", "solo", "--preset-file", "preset.yaml", "-q"])
        .assert()
        .success();
    let output = std::process::Command::new("rustfmt")
        .args(["--check", "--edition", "2024", "src/lib.rs"])
        .current_dir(sandbox.join("solo"))
        .output()
        .expect("rustfmt runs");
    assert!(
        output.status.success(),
        "the generated crate is not rustfmt-clean:\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

/// `use` lines are grouped so that rustfmt keeps them whatever the project is called: a crate
/// name sorting before or after the dependencies (`api`, `zz`) must not move them.
#[test]
fn every_preset_is_rustfmt_clean_whatever_the_project_name() {
    let sandbox = crate::support::Sandbox::new();
    for preset in stackgen::preset::embedded_names() {
        for name in ["api", "zz"] {
            let dir = format!("{preset}-{name}");
            sandbox
                .stackgen(["new", name, "--preset", &preset, "--dir", &dir, "-q"])
                .assert()
                .success();
            let output = std::process::Command::new("rustfmt")
                .args(["--check", "--edition", "2024"])
                .args(["src/lib.rs", "src/main.rs", "tests/api/main.rs"])
                .current_dir(sandbox.join(&dir))
                .output()
                .expect("rustfmt runs");
            assert!(
                output.status.success(),
                "{preset} named {name} is not rustfmt-clean:\n{}",
                String::from_utf8_lossy(&output.stdout)
            );
        }
    }
}

/// Leftovers of a patch or an editor (`error.rs.j2.orig`) would be rendered into every
/// generated project as files of their own.
#[test]
fn no_template_directory_holds_backup_or_reject_files() {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("templates/ is readable") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.to_string_lossy().ends_with(".orig")
                || path.to_string_lossy().ends_with(".rej")
                || path.to_string_lossy().ends_with('~')
            {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("templates"),
        &mut found,
    );
    assert!(found.is_empty(), "stray files in templates/: {found:?}");
}
