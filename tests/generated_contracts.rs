//! Promises every generated project keeps, checked on the rendered text of every preset.

use crate::support::render_preset;

fn text(rendered: &stackgen::render::Rendered, path: &str) -> String {
    String::from_utf8_lossy(rendered.get(path).unwrap_or_default()).into_owned()
}

/// Every `"UPPER_CASE"` string literal passed to the configuration reader in the config sources.
fn variables_read(rendered: &stackgen::render::Rendered) -> Vec<String> {
    let sources: String = rendered
        .files()
        .filter(|(path, _)| path.starts_with("src/core/config"))
        .map(|(_, bytes)| {
            let source = String::from_utf8_lossy(bytes);
            // Unit tests may name variables the service never reads.
            source
                .split("#[cfg(test)]")
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    let mut variables: Vec<String> = sources
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|literal| {
            literal.len() > 2
                && literal
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
        })
        .map(str::to_owned)
        .collect();
    variables.sort();
    variables.dedup();
    variables
}

#[test]
fn every_variable_the_service_reads_is_in_env_example_and_the_configuration_table() {
    for preset in stackgen::preset::embedded_names() {
        let rendered = render_preset(&preset, "my-api");
        let variables = variables_read(&rendered);
        assert!(
            variables.iter().any(|v| v == "DB_HOST"),
            "{preset}: the scan found no variables: {variables:?}"
        );
        let env_example = text(&rendered, ".env.example");
        let table = text(&rendered, "docs/configuration.md");
        for variable in &variables {
            if variable == "RUST_LOG" || variable == "DATABASE_URL" {
                assert!(
                    table.contains(&format!("`{variable}`")),
                    "{preset}: {variable}"
                );
                continue;
            }
            assert!(
                env_example.contains(&format!("{variable}=")),
                "{preset}: .env.example does not list {variable}"
            );
            assert!(
                table.contains(&format!("| `{variable}` |")),
                "{preset}: docs/configuration.md does not list {variable}"
            );
        }
    }
}

#[test]
fn migrations_stay_within_what_cockroachdb_supports() {
    let forbidden = [
        "SERIAL",
        "ADVISORY",
        "CREATE EXTENSION",
        "LISTEN",
        "NOTIFY",
        "TRIGGER",
        "PLPGSQL",
        "DEFERRABLE",
        "COLLATE",
    ];
    for preset in stackgen::preset::embedded_names() {
        let rendered = render_preset(&preset, "my-api");
        for (path, bytes) in rendered.files() {
            if !(path.starts_with("migrations/") && path.ends_with(".sql")) {
                continue;
            }
            let sql = String::from_utf8_lossy(bytes).to_uppercase();
            for construct in forbidden {
                assert!(
                    !sql.contains(construct),
                    "{preset}: {path} uses {construct}"
                );
            }
            assert!(
                !sql.contains("CREATE TABLE ")
                    || sql.contains("UUID PRIMARY KEY DEFAULT GEN_RANDOM_UUID()"),
                "{preset}: {path} must key its table by a random UUID"
            );
            assert!(
                !sql.contains(" TIMESTAMP ") && !sql.contains(" TIMESTAMP,"),
                "{preset}: {path} must use TIMESTAMPTZ"
            );
        }
    }
}

#[test]
fn the_app_never_applies_migrations_behind_the_operators_back() {
    for preset in stackgen::preset::embedded_names() {
        let rendered = render_preset(&preset, "my-api");
        let dockerfile = text(&rendered, "Dockerfile");
        assert!(
            dockerfile.contains(r#"CMD ["serve"]"#),
            "{preset}: the image serves without migrating by default"
        );
        let compose = text(&rendered, "docker-compose.yml");
        assert!(
            compose.contains(r#"command: ["serve", "--apply-migrations"]"#),
            "{preset}: local compose migrates explicitly"
        );
    }
}

#[test]
fn the_oauth2_preset_ships_no_real_secret_and_a_long_enough_local_one() {
    let rendered = render_preset("postgres-oauth2-jwt", "my-api");
    for path in [".env.example", "docker-compose.yml"] {
        let file = text(&rendered, path);
        let secret = file
            .lines()
            .find_map(|line| {
                let line = line.trim();
                line.strip_prefix("JWT_SECRET=")
                    .or_else(|| line.strip_prefix("JWT_SECRET: "))
            })
            .unwrap_or_else(|| panic!("{path} sets no JWT_SECRET"));
        assert!(
            secret.len() >= 32,
            "{path}: the local secret must pass the 32-byte check"
        );
        assert!(
            secret.contains("local-development"),
            "{path}: marked as local only"
        );
    }
}

/// The SQL in the code of a CockroachDB preset (string literals of its repositories and
/// database module) avoids what CockroachDB rejects, as its migrations do.
#[test]
fn cockroach_presets_send_no_sql_cockroachdb_rejects() {
    let forbidden = [
        "SERIAL",
        "PG_ADVISORY_LOCK",
        "PG_ADVISORY_XACT_LOCK",
        "LISTEN",
        "NOTIFY",
        "EXTENSION",
        "DEFERRABLE",
        "TRIGGER",
    ];
    let mut scanned = 0;
    for preset in stackgen::preset::embedded_names() {
        if !preset.starts_with("cockroach-") {
            continue;
        }
        let rendered = render_preset(&preset, "my-api");
        for (path, bytes) in rendered.files() {
            let holds_sql = path.starts_with("src/repositories/")
                || path.starts_with("src/db")
                || path.starts_with("src/auth/");
            if !(holds_sql && path.ends_with(".rs")) {
                continue;
            }
            scanned += 1;
            let code = String::from_utf8_lossy(bytes);
            for literal in string_literals(&code) {
                let words: Vec<String> = literal
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .map(str::to_uppercase)
                    .collect();
                for construct in forbidden {
                    assert!(
                        !words.iter().any(|word| word == construct),
                        "{preset}: {path} sends {construct} in {literal:?}"
                    );
                }
            }
        }
    }
    assert!(scanned > 0, "no SQL-bearing file was scanned");
}

/// The contents of the double-quoted strings on lines that are not comments.
fn string_literals(code: &str) -> Vec<&str> {
    code.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .flat_map(|line| line.split('"').skip(1).step_by(2))
        .collect()
}
