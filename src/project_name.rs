//! The project name: checked once, at the edge, so everything after it can trust it.

use std::fmt;

use heck::{ToKebabCase, ToPascalCase, ToShoutySnakeCase, ToSnakeCase, ToTitleCase};
use serde::Serialize;

/// crates.io refuses longer names; a generated project should be publishable.
const MAX_LEN: usize = 64;

/// Rust keywords (strict, reserved and 2018+ edition keywords): a crate cannot be named after one.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Names that shadow the standard library or clash with cargo's own output directories,
/// plus device names that Windows cannot create as files.
const RESERVED: &[&str] = &[
    "std",
    "core",
    "alloc",
    "test",
    "proc_macro",
    "build",
    "deps",
    "examples",
    "incremental",
    "con",
    "prn",
    "aux",
    "nul",
    "com1",
    "lpt1",
];

/// A valid, lower-case crate name such as `my-api`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectName(String);

/// Why a proposed name was refused, with a better name when one can be derived.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{problem}{}", hint(.suggestion))]
pub struct InvalidName {
    pub problem: String,
    pub suggestion: Option<String>,
}

fn hint(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(name) => format!("\n  hint: try `{name}`"),
        None => "\n  hint: use lower-case letters, digits and `-`, starting with a letter, e.g. `my-api`"
            .to_string(),
    }
}

impl ProjectName {
    pub fn parse(input: &str) -> Result<Self, InvalidName> {
        let refuse = |problem: String| InvalidName {
            problem,
            suggestion: suggest(input),
        };
        if input.trim().is_empty() {
            return Err(InvalidName {
                problem: "the project name is empty".into(),
                suggestion: None,
            });
        }
        if input.contains(['/', '\\']) {
            return Err(refuse(format!(
                "`{input}` contains a path separator; pass the name alone and the location with --dir"
            )));
        }
        if input.chars().any(char::is_whitespace) {
            return Err(refuse(format!("`{input}` contains whitespace")));
        }
        if let Some(bad) = input
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_'))
        {
            return Err(refuse(format!(
                "`{input}` contains `{bad}`; a crate name uses lower-case ASCII letters, digits, `-` and `_`"
            )));
        }
        if !input.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err(refuse(format!("`{input}` must start with a letter")));
        }
        if input.ends_with(['-', '_']) {
            return Err(refuse(format!("`{input}` must not end with `-` or `_`")));
        }
        if input.len() > MAX_LEN {
            return Err(refuse(format!(
                "`{input}` is {} characters long; crates.io allows at most {MAX_LEN}",
                input.len()
            )));
        }
        let snake = input.to_snake_case();
        if KEYWORDS.contains(&snake.as_str()) {
            return Err(refuse(format!("`{input}` is a Rust keyword")));
        }
        if RESERVED.contains(&snake.as_str()) {
            return Err(refuse(format!(
                "`{input}` is reserved (it shadows a standard crate or a cargo directory)"
            )));
        }
        Ok(Self(input.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The identifier used in `use` paths: `my-api` → `my_api`.
    pub fn crate_ident(&self) -> String {
        self.0.replace('-', "_")
    }

    pub fn snake(&self) -> String {
        self.0.to_snake_case()
    }

    pub fn pascal(&self) -> String {
        self.0.to_pascal_case()
    }

    pub fn shouty(&self) -> String {
        self.0.to_shouty_snake_case()
    }

    pub fn title(&self) -> String {
        self.0.to_title_case()
    }
}

impl fmt::Display for ProjectName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The nearest valid name: kebab-case of the input, leading digits dropped, keywords suffixed.
fn suggest(input: &str) -> Option<String> {
    let kebab = input
        .replace(['/', '\\'], "-")
        .to_kebab_case()
        .trim_start_matches(|c: char| !c.is_ascii_lowercase())
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
        .take(MAX_LEN)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string();
    if kebab.is_empty() {
        return None;
    }
    let candidate = if KEYWORDS.contains(&kebab.as_str()) || RESERVED.contains(&kebab.as_str()) {
        format!("{kebab}-api")
    } else {
        kebab
    };
    (candidate != input && ProjectName::parse(&candidate).is_ok()).then_some(candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(input: &str) -> InvalidName {
        ProjectName::parse(input).expect_err(input)
    }

    #[test]
    fn accepts_ordinary_crate_names() {
        for name in ["api", "my-api", "my_api", "a1", "billing-v2"] {
            assert_eq!(
                ProjectName::parse(name).map(|n| n.to_string()),
                Ok(name.into())
            );
        }
    }

    #[test]
    fn refuses_empty_and_blank_names_without_a_suggestion() {
        assert_eq!(refused("").suggestion, None);
        assert_eq!(refused("   ").suggestion, None);
    }

    #[test]
    fn suggests_kebab_case_for_spaces_and_capitals() {
        assert_eq!(refused("My API").suggestion.as_deref(), Some("my-api"));
        assert_eq!(refused("MyApi").suggestion.as_deref(), Some("my-api"));
    }

    #[test]
    fn refuses_leading_digits_and_suggests_without_them() {
        let err = refused("2fast");
        assert!(err.problem.contains("start with a letter"), "{err}");
        assert_eq!(err.suggestion.as_deref(), Some("fast"));
    }

    #[test]
    fn refuses_keywords_and_standard_crates() {
        for name in [
            "fn",
            "async",
            "self",
            "std",
            "core",
            "alloc",
            "test",
            "proc-macro",
        ] {
            let err = refused(name);
            assert!(
                err.problem.contains("keyword") || err.problem.contains("reserved"),
                "{name}: {err}"
            );
        }
        assert_eq!(refused("std").suggestion.as_deref(), Some("std-api"));
    }

    #[test]
    fn refuses_path_separators() {
        let err = refused("apps/my-api");
        assert!(err.problem.contains("path separator"), "{err}");
        assert_eq!(err.suggestion.as_deref(), Some("apps-my-api"));
        assert!(refused("..\\x").problem.contains("path separator"));
    }

    #[test]
    fn refuses_names_crates_io_would_refuse() {
        assert!(refused(&"a".repeat(65)).problem.contains("at most 64"));
        assert!(refused("api-").problem.contains("must not end"));
    }

    #[test]
    fn derives_every_case_from_one_name() {
        let name = ProjectName::parse("my-api").expect("valid");
        assert_eq!(name.crate_ident(), "my_api");
        assert_eq!(name.pascal(), "MyApi");
        assert_eq!(name.shouty(), "MY_API");
        assert_eq!(name.title(), "My Api");
    }
}
