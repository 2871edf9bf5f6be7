//! Each embedded preset's public surface, recorded through insta so it only changes on purpose.
//!
//! The templates are being restructured into layers. Moving code between files, rewording
//! prose or reordering sections must leave a generated project's contract alone; changing it
//! must be intended and reviewed as a diff of `tests/snapshots/integration__public_surface__*`.
//! The record holds, for the project `my-api`:
//! - the endpoints: `METHOD path auth` from CLAUDE.md's `## Endpoints` table (the generated
//!   project's own tests prove that table equals the served OpenAPI paths);
//! - the OpenAPI security schemes: every `add_security_scheme(` call in `src/**/*.rs`, its name
//!   resolved through `const NAME: &str = "..."` wherever that is defined, and its kind;
//! - the configuration: variable and default of docs/configuration.md's table, and every
//!   `NAME=value` of `.env.example`.
//!
//! Every list is sorted, so only a change in what is promised shows, not where it is written.

use std::collections::BTreeMap;

use stackgen::render::Rendered;

use crate::support::render_preset;

#[test]
fn every_embedded_preset_keeps_its_public_surface() {
    let presets = stackgen::preset::embedded_names();
    assert!(!presets.is_empty(), "stackgen embeds no preset");
    // Every preset is compared before failing, so one run shows (and `cargo insta review`
    // offers) every changed snapshot.
    let changed: Vec<String> = presets
        .into_iter()
        .filter(|preset| {
            let surface = public_surface(preset);
            let name = preset.replace('-', "_");
            std::panic::catch_unwind(|| insta::assert_snapshot!(name, surface)).is_err()
        })
        .collect();
    assert!(
        changed.is_empty(),
        "the public surface of {changed:?} changed (diffs above); if that is intended, review \
         and accept the new snapshots"
    );
}

#[test]
fn security_schemes_are_found_after_code_moves_and_reformatting() {
    let sources = [
        (
            "src/a.rs",
            "const URL: &str = \"https://x//y\"; fn f() { g('\"', '\\'', r#\"a\"b\"#); }\n\
             pub const NAME: &'static str\n    = \"cookie_auth\";\n\
             pub(crate) const C: &str = \"__Host-id\"; // \"not_this\"",
        ),
        (
            "src/deep/b.rs",
            "/* add_security_scheme(\"commented\", x) */\n\
             c.add_security_scheme(crate::a::NAME, utoipa::openapi::security::SecurityScheme\
             ::ApiKey(ApiKey::Cookie(\n ApiKeyValue::new(C))));\n\
             c.add_security_scheme(\"bearer\".to_string(), SecurityScheme::Http(\
             Http::new(HttpAuthScheme::Bearer)));",
        ),
    ];
    assert_eq!(
        security_schemes(&sources),
        [
            "bearer: SecurityScheme::Http HttpAuthScheme::Bearer",
            "cookie_auth: SecurityScheme::ApiKey ApiKey::Cookie name=__Host-id",
        ]
    );
}

/// The record of one preset, rendered as `my-api`.
fn public_surface(preset: &str) -> String {
    let rendered = render_preset(preset, "my-api");

    let claude_md = text(&rendered, "CLAUDE.md");
    let section = claude_md
        .split_once("\n## Endpoints\n")
        .and_then(|(_, after)| after.split("\n## ").next())
        .unwrap_or_else(|| panic!("{preset}: CLAUDE.md has no `## Endpoints` section"));
    let endpoints = tables(section)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("{preset}: no table under CLAUDE.md's `## Endpoints`"));
    let mut routes: Vec<[String; 3]> = endpoints
        .rows(preset, &["Method", "Path", "Auth"])
        .map(|[method, path, auth]| [path.replace('`', ""), method, auth])
        .collect();
    routes.sort();
    assert!(!routes.is_empty(), "{preset}: the endpoint table is empty");

    let sources: Vec<(&str, String)> = rendered
        .files()
        .filter(|(path, _)| path.starts_with("src/") && path.ends_with(".rs"))
        .map(|(path, bytes)| (path, String::from_utf8_lossy(bytes).into_owned()))
        .collect();
    let schemes = security_schemes(&sources);
    let protected: Vec<&[String; 3]> = routes.iter().filter(|r| r[2] != "none").collect();
    assert!(
        protected.is_empty() || !schemes.is_empty(),
        "{preset}: endpoints need auth ({protected:?}) but no `add_security_scheme(` call was \
         found in the rendered src/**/*.rs"
    );

    let configuration_doc = text(&rendered, "docs/configuration.md");
    let configuration = tables(&configuration_doc)
        .into_iter()
        .find(|table| table.has(&["Variable", "Default"]))
        .unwrap_or_else(|| {
            panic!("{preset}: docs/configuration.md has no `| Variable | Default |` table")
        });
    let mut variables: Vec<[String; 2]> = configuration
        .rows(preset, &["Variable", "Default"])
        .map(|[variable, default]| [unquote(&variable).to_owned(), unquote(&default).to_owned()])
        .collect();
    variables.sort();

    let env_example = text(&rendered, ".env.example");
    let mut assignments: Vec<(&str, &str)> = env_example
        .lines()
        .map(str::trim)
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .collect();
    assignments.sort_by_key(|(name, _)| *name);
    assert!(
        !variables.is_empty() && !assignments.is_empty(),
        "{preset}: docs/configuration.md or .env.example lists no variable"
    );

    let mut out = format!("preset {preset}, project my-api\n\nendpoints (method path auth):\n");
    for [path, method, auth] in &routes {
        out.push_str(&format!("  {method} {path} {auth}\n"));
    }
    out.push_str("\nOpenAPI security schemes (name: kind):\n");
    for scheme in &schemes {
        out.push_str(&format!("  {scheme}\n"));
    }
    if schemes.is_empty() {
        out.push_str("  (none)\n");
    }
    out.push_str("\nconfiguration, docs/configuration.md (variable = default):\n");
    for [variable, default] in &variables {
        out.push_str(&format!("  {variable} = {default}\n"));
    }
    out.push_str("\n.env.example:\n");
    for (name, value) in &assignments {
        out.push_str(&format!("  {name}={value}\n"));
    }
    out
}

fn text(rendered: &Rendered, path: &str) -> String {
    let bytes = rendered
        .get(path)
        .unwrap_or_else(|| panic!("the rendered project has no {path}"));
    String::from_utf8_lossy(bytes).into_owned()
}

/// `x` for a cell that is exactly one code span `` `x` ``; any other cell as written.
fn unquote(cell: &str) -> &str {
    match cell.strip_prefix('`').and_then(|c| c.strip_suffix('`')) {
        Some(inner) if !inner.contains('`') => inner,
        _ => cell,
    }
}

/// A Markdown table: its header cells and the cells of each row.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn has(&self, columns: &[&str]) -> bool {
        columns.iter().all(|c| self.header.iter().any(|h| h == c))
    }

    /// The named columns of every row, found by header name so the table's column order is free.
    fn rows<const N: usize>(
        &self,
        preset: &str,
        columns: &[&str; N],
    ) -> impl Iterator<Item = [String; N]> {
        let indices = columns.map(|column| {
            self.header
                .iter()
                .position(|h| h == column)
                .unwrap_or_else(|| panic!("{preset}: no column {column} in {:?}", self.header))
        });
        self.rows
            .iter()
            .map(move |row| indices.map(|i| row.get(i).cloned().unwrap_or_default()))
    }
}

/// Every table in `markdown`, in order: a header line, a `|---|` line, then rows.
fn tables(markdown: &str) -> Vec<Table> {
    fn cells(line: &str) -> Vec<String> {
        let line = line.trim().trim_start_matches('|').trim_end_matches('|');
        line.split('|').map(|cell| cell.trim().to_owned()).collect()
    }
    let mut tables = Vec::new();
    let mut lines = markdown.lines().map(str::trim).peekable();
    while let Some(line) = lines.next() {
        let is_separator = |l: &&str| l.starts_with('|') && l.chars().all(|c| "|-: ".contains(c));
        if !line.starts_with('|') || lines.next_if(is_separator).is_none() {
            continue;
        }
        let mut rows = Vec::new();
        while let Some(row) = lines.next_if(|l| l.starts_with('|')) {
            rows.push(cells(row));
        }
        tables.push(Table {
            header: cells(line),
            rows,
        });
    }
    tables
}

/// The Rust tokens this module needs; comments are dropped, so commented-out code never counts.
#[derive(Clone, Debug, PartialEq)]
enum Token {
    /// An identifier, keyword or number.
    Word(String),
    /// A string literal's text between its quotes, escapes as written.
    Str(String),
    Punct(char),
}

fn tokens(source: &str) -> Vec<Token> {
    let chars: Vec<char> = source.chars().collect();
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && at(i + 1) == '/') {
                i += 1;
            }
            i += 2;
        } else if c == '"' {
            let start = i + 1;
            i = start;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            out.push(Token::Str(
                chars[start..i.min(chars.len())].iter().collect(),
            ));
            i += 1;
        } else if c == '\'' && (at(i + 1) == '\\' || at(i + 2) == '\'') {
            // A char literal such as '"' or '\'': skipped so its quote opens no string.
            i += if at(i + 1) == '\\' { 3 } else { 2 };
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let hashes = chars[i..].iter().take_while(|&&h| h == '#').count();
            if (word == "r" || word == "br") && at(i + hashes) == '"' {
                // A raw string: r"...", r#"..."#.
                let close: String = std::iter::once('"')
                    .chain("#".repeat(hashes).chars())
                    .collect();
                let rest: String = chars[i + hashes + 1..].iter().collect();
                let body = rest.split(close.as_str()).next().unwrap_or_default();
                out.push(Token::Str(body.to_owned()));
                i += hashes + 1 + body.chars().count() + close.chars().count();
            } else {
                out.push(Token::Word(word));
            }
        } else {
            out.push(Token::Punct(c));
            i += 1;
        }
    }
    out
}

/// The top-level arguments of the call whose `(` was just consumed, up to its closing `)`.
fn arguments(tokens: &[Token]) -> Vec<&[Token]> {
    let mut arguments = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, token) in tokens.iter().enumerate() {
        match token {
            Token::Punct('(' | '[' | '{') => depth += 1,
            Token::Punct(')' | ']' | '}') if depth == 0 => {
                arguments.push(&tokens[start..i]);
                break;
            }
            Token::Punct(')' | ']' | '}') => depth -= 1,
            Token::Punct(',') if depth == 0 => {
                arguments.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    arguments.retain(|argument| !argument.is_empty());
    arguments
}

/// `name: kind` for every `add_security_scheme(name, scheme)` call in `sources` (path, text),
/// sorted by name.
fn security_schemes<S: AsRef<str>>(sources: &[(&str, S)]) -> Vec<String> {
    let files: Vec<(&str, Vec<Token>)> = sources
        .iter()
        .map(|(path, source)| (*path, tokens(source.as_ref())))
        .collect();

    // `const NAME: <type containing str> = "value";` in any file.
    let mut constants: Constants = BTreeMap::new();
    for (path, tokens) in &files {
        for (i, window) in tokens.windows(3).enumerate() {
            if let [Token::Word(keyword), Token::Word(name), Token::Punct(':')] = window
                && (keyword == "const" || keyword == "static")
            {
                let rest = &tokens[i + 3..];
                let equals = rest
                    .iter()
                    .position(|t| matches!(t, Token::Punct('=' | ';')));
                if let Some(e) = equals
                    && rest[..e].contains(&Token::Word("str".into()))
                    && let [Token::Punct('='), Token::Str(value), Token::Punct(';'), ..] =
                        &rest[e..]
                {
                    constants.entry(name).or_default().push((path, value));
                }
            }
        }
    }
    let mut schemes = Vec::new();
    for (path, tokens) in &files {
        for (i, token) in tokens.iter().enumerate() {
            if *token != Token::Word("add_security_scheme".into())
                || tokens.get(i + 1) != Some(&Token::Punct('('))
            {
                continue;
            }
            let call = arguments(&tokens[i + 2..]);
            let [name, scheme] = call[..] else {
                panic!("{path}: add_security_scheme takes (name, scheme), got {call:?}");
            };
            // `Type::Variant` of the kinds, plus the first argument of the constructors that
            // carry a name the client must send.
            let mut kind = Vec::new();
            for (j, window) in scheme.windows(4).enumerate() {
                let [
                    Token::Word(ty),
                    Token::Punct(':'),
                    Token::Punct(':'),
                    Token::Word(item),
                ] = window
                else {
                    continue;
                };
                match ty.as_str() {
                    "SecurityScheme" | "HttpAuthScheme" | "ApiKey" | "Flow" => {
                        kind.push(format!("{ty}::{item}"));
                    }
                    "ApiKeyValue" | "Password" => {
                        let label = if ty == "Password" {
                            "token_url"
                        } else {
                            "name"
                        };
                        let first = arguments(scheme.get(j + 5..).unwrap_or_default());
                        if let Some(first) = first.first() {
                            kind.push(format!("{label}={}", resolve(&constants, path, first)));
                        }
                    }
                    _ => {}
                }
            }
            schemes.push(format!(
                "{}: {}",
                resolve(&constants, path, name),
                kind.join(" ")
            ));
        }
    }
    schemes.sort();
    schemes
}

/// Each `const` or `static` string's name, with the file and value of every definition.
type Constants<'a> = BTreeMap<&'a str, Vec<(&'a str, &'a str)>>;

/// The string literal in `argument`, else the value of the constant it names (as defined in
/// `file` if it is, else anywhere, as long as every definition agrees).
fn resolve(constants: &Constants, file: &str, argument: &[Token]) -> String {
    if let Some(literal) = argument.iter().find_map(|t| match t {
        Token::Str(s) => Some(s),
        _ => None,
    }) {
        return literal.clone();
    }
    let definitions = argument.iter().rev().find_map(|t| match t {
        Token::Word(w) => constants.get(w.as_str()),
        _ => None,
    });
    let definitions = definitions.unwrap_or_else(|| {
        panic!(
            "{file}: {argument:?} is neither a string literal nor a `const NAME: &str` found in \
             the rendered src/**/*.rs"
        )
    });
    let in_file: Vec<&str> = definitions
        .iter()
        .filter(|(path, _)| *path == file)
        .map(|(_, value)| *value)
        .collect();
    let mut values = if in_file.is_empty() {
        definitions.iter().map(|(_, value)| *value).collect()
    } else {
        in_file
    };
    values.sort();
    values.dedup();
    match values[..] {
        [value] => value.to_owned(),
        _ => panic!("{file}: {argument:?} names a constant defined with values {values:?}"),
    }
}
