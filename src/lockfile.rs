//! Keeps a rendered `Cargo.lock` exactly as cargo would write it for the chosen project name.
//!
//! Each layer ships a lock file whose dependency entries were resolved once (see README,
//! "Updating a preset's dependencies"). Only the project's own entry depends on the name, and
//! cargo orders `[[package]]` entries by name, so that one entry is moved to its sorted place;
//! `cargo build --locked` then accepts the file byte for byte.

const PACKAGE_HEADER: &str = "\n[[package]]\n";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LockfileError {
    #[error(
        "`{0}` is also the name of one of the generated project's dependencies, and a crate cannot depend on itself\n  hint: choose another name, e.g. `{0}-api`"
    )]
    NameTaken(String),
    #[error("the template's Cargo.lock has no entry for the project `{0}` (a template bug)")]
    MissingRoot(String),
}

/// Moves the project's own `[[package]]` entry to where cargo sorts it.
pub fn place_root_package(lock: &str, project: &str) -> Result<String, LockfileError> {
    let Some((head, body)) = lock.split_once(PACKAGE_HEADER) else {
        return Err(LockfileError::MissingRoot(project.to_string()));
    };
    let mut entries: Vec<&str> = body.split(PACKAGE_HEADER).collect();
    let is_project = |entry: &&str| package_name(entry) == Some(project);
    let root_index = entries
        .iter()
        .position(|entry| is_project(entry) && !entry.contains("\nsource = "))
        .ok_or_else(|| LockfileError::MissingRoot(project.to_string()))?;
    let root = entries.remove(root_index);
    if entries.iter().any(is_project) {
        return Err(LockfileError::NameTaken(project.to_string()));
    }
    let position = entries
        .iter()
        .position(|entry| package_name(entry).is_some_and(|name| name > project))
        .unwrap_or(entries.len());
    entries.insert(position, root);

    let mut out = String::with_capacity(lock.len());
    out.push_str(head);
    for entry in entries {
        out.push_str(PACKAGE_HEADER);
        out.push_str(entry);
    }
    Ok(out)
}

fn package_name(entry: &str) -> Option<&str> {
    entry
        .lines()
        .next()?
        .strip_prefix("name = \"")?
        .strip_suffix('"')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock(names: &[(&str, bool)]) -> String {
        let mut out = String::from("# generated\nversion = 4\n");
        for (name, is_root) in names {
            out.push_str(PACKAGE_HEADER);
            out.push_str(&format!("name = \"{name}\"\nversion = \"0.1.0\"\n"));
            if !is_root {
                out.push_str(
                    "source = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
                );
            }
        }
        out
    }

    #[test]
    fn moves_the_project_entry_to_its_sorted_place() {
        let input = lock(&[("my-api", true), ("axum", false), ("tokio", false)]);
        let expected = lock(&[("axum", false), ("my-api", true), ("tokio", false)]);
        assert_eq!(place_root_package(&input, "my-api"), Ok(expected));
    }

    #[test]
    fn places_the_project_last_when_it_sorts_last() {
        let input = lock(&[("zz-api", true), ("axum", false)]);
        let expected = lock(&[("axum", false), ("zz-api", true)]);
        assert_eq!(place_root_package(&input, "zz-api"), Ok(expected));
    }

    #[test]
    fn refuses_a_project_named_like_a_dependency() {
        let input = lock(&[("axum", true), ("axum", false)]);
        assert_eq!(
            place_root_package(&input, "axum"),
            Err(LockfileError::NameTaken("axum".into()))
        );
    }

    #[test]
    fn reports_a_lock_without_the_project() {
        let input = lock(&[("axum", false)]);
        assert_eq!(
            place_root_package(&input, "my-api"),
            Err(LockfileError::MissingRoot("my-api".into()))
        );
    }
}
