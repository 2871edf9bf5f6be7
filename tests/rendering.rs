use crate::support::render_preset;

fn all_presets() -> Vec<String> {
    stackgen::preset::embedded_names()
}

#[test]
fn rendering_twice_gives_identical_bytes() {
    for preset in all_presets() {
        assert_eq!(
            render_preset(&preset, "my-api"),
            render_preset(&preset, "my-api"),
            "{preset}"
        );
    }
}

#[test]
fn output_carries_no_machine_specific_paths() {
    let machine_paths = [
        format!("{}/", env!("CARGO_MANIFEST_DIR")),
        format!("{}/", std::env::temp_dir().display()),
        format!(
            "{}/",
            std::env::var("HOME").unwrap_or_else(|_| "/root".into())
        ),
    ];
    for preset in all_presets() {
        for (path, bytes) in render_preset(&preset, "my-api").files() {
            let text = String::from_utf8_lossy(bytes);
            for machine_path in &machine_paths {
                assert!(
                    !text.contains(machine_path.as_str()),
                    "{preset}: {path} contains {machine_path}"
                );
            }
        }
    }
}

#[test]
fn the_project_name_reaches_every_place_it_belongs() {
    let rendered = render_preset("postgres-oauth2-jwt", "billing-api");
    let cargo_toml = String::from_utf8_lossy(rendered.get("Cargo.toml").expect("Cargo.toml"));
    assert!(
        cargo_toml.contains("name = \"billing-api\""),
        "{cargo_toml}"
    );
    let lock = String::from_utf8_lossy(rendered.get("Cargo.lock").expect("Cargo.lock"));
    assert!(
        lock.contains("name = \"billing-api\"\nversion = \"0.1.0\"\n"),
        "root entry present"
    );
    let other = render_preset("postgres-oauth2-jwt", "zzz-api");
    assert_ne!(rendered.get("Cargo.lock"), other.get("Cargo.lock"));
}

#[test]
fn no_template_suffix_survives_rendering() {
    for preset in all_presets() {
        for (path, _) in render_preset(&preset, "my-api").files() {
            assert!(!path.ends_with(".j2"), "{preset}: {path}");
        }
    }
}

#[test]
fn every_generated_project_ships_the_files_the_design_promises() {
    let required = [
        "CLAUDE.md",
        "README.md",
        "Cargo.toml",
        "Cargo.lock",
        ".env.example",
        ".gitignore",
        ".stackgen.yaml",
        "Dockerfile",
        "docker-compose.yml",
        ".github/workflows/ci.yml",
        "src/main.rs",
        "src/lib.rs",
        "src/core/config.rs",
        "src/error.rs",
    ];
    for preset in all_presets() {
        let rendered = render_preset(&preset, "my-api");
        for file in required {
            assert!(
                rendered.get(file).is_some(),
                "{preset} does not generate {file}"
            );
        }
        assert!(
            rendered
                .files()
                .any(|(path, _)| path.starts_with("migrations/")),
            "{preset} has no migrations/"
        );
        assert!(
            rendered.files().any(|(path, _)| path.starts_with("tests/")),
            "{preset} has no tests/"
        );
    }
}

#[test]
fn github_actions_expressions_render_literally() {
    for preset in all_presets() {
        let rendered = render_preset(&preset, "my-api");
        let ci = String::from_utf8_lossy(rendered.get(".github/workflows/ci.yml").expect("ci.yml"));
        assert!(
            ci.contains("${{"),
            "{preset}: CI workflow lost its ${{{{ }}}} expressions"
        );
    }
}

/// A template that renders to nothing writes no file, so a layer can hold files only some of
/// its presets need: the login throttle exists only where there is a login.
#[test]
fn a_template_that_renders_to_nothing_writes_no_file() {
    let throttle = ["src/api/login_throttle.rs", "tests/api/login_throttle.rs"];
    for (preset, has_login) in [
        ("cockroach-oidc-cluster", false),
        ("cockroach-token-session", true),
        ("postgres-oauth2-jwt", true),
    ] {
        let rendered = render_preset(preset, "my-api");
        for path in throttle {
            assert_eq!(rendered.get(path).is_some(), has_login, "{preset}: {path}");
        }
        for (path, bytes) in rendered.files() {
            assert!(
                !String::from_utf8_lossy(bytes).trim().is_empty() || path.ends_with(".gitkeep"),
                "{preset}: {path} is empty"
            );
        }
    }
}
