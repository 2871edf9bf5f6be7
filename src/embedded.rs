//! The presets and templates compiled into the binary, so stackgen works from any directory, offline.

use std::collections::HashMap;
use std::sync::OnceLock;

use include_dir::{Dir, DirEntry, include_dir};
#[cfg(test)]
use sha2::{Digest, Sha256};

pub static PRESETS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/presets");
pub static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");

/// A folder under `templates/` whose name starts with `_` holds shared partials, not a layer.
const PARTIALS_PREFIX: char = '_';

/// Every selectable template layer, sorted.
pub fn layer_names() -> Vec<String> {
    let mut names: Vec<String> = TEMPLATES
        .dirs()
        .filter_map(|dir| dir.path().to_str())
        .filter(|name| !name.starts_with(PARTIALS_PREFIX))
        .map(String::from)
        .collect();
    names.sort();
    names
}

/// Every layer whose manifest provides `capability` (or is named so), sorted. Used for hints,
/// so a manifest that does not parse simply provides nothing here.
pub fn layers_providing(capability: &str) -> Vec<String> {
    layer_names()
        .into_iter()
        .filter(|layer| {
            layer == capability
                || crate::layer::manifest_source(layer)
                    .ok()
                    .and_then(|text| crate::layer::parse(layer, text).ok())
                    .is_some_and(|manifest| manifest.provides.iter().any(|p| p == capability))
        })
        .collect()
}

/// The text of a template by its path under `templates/` (used by includes across layers).
/// Looked up in an index built on first use: include_dir searches its tree entry by entry,
/// and a render looks up every template and slot piece.
pub fn template_source(name: &str) -> Option<&'static str> {
    std::str::from_utf8(template_bytes(name)?).ok()
}

/// The bytes of a file under `templates/` by its path, from the same index.
pub fn template_bytes(name: &str) -> Option<&'static [u8]> {
    static INDEX: OnceLock<HashMap<&'static str, &'static [u8]>> = OnceLock::new();
    INDEX
        .get_or_init(|| {
            let mut index = HashMap::new();
            index_files(&TEMPLATES, &mut index);
            index
        })
        .get(name)
        .copied()
}

fn index_files(dir: &'static Dir<'static>, index: &mut HashMap<&'static str, &'static [u8]>) {
    for entry in dir.entries() {
        match entry {
            DirEntry::Dir(child) => index_files(child, index),
            DirEntry::File(file) => {
                if let Some(path) = file.path().to_str() {
                    index.insert(path, file.contents());
                }
            }
        }
    }
}

/// `--version`: the crate version and a digest of the embedded presets and templates, so two
/// binaries that print the same line generate the same projects.
pub fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        format!(
            "{} (templates {})",
            env!("CARGO_PKG_VERSION"),
            template_set_version()
        )
    })
}

/// The first 12 hex digits of a SHA-256 over every embedded preset and template (path and
/// bytes), computed by `build.rs` from the same files include_dir embeds.
pub fn template_set_version() -> &'static str {
    env!("STACKGEN_TEMPLATES_DIGEST")
}

/// The digest of what is embedded, computed at run time: the test that `build.rs` hashed the
/// same files.
#[cfg(test)]
fn embedded_digest() -> String {
    let mut files = Vec::new();
    collect_files(&PRESETS, "presets", &mut files);
    collect_files(&TEMPLATES, "templates", &mut files);
    files.sort();
    let mut hasher = Sha256::new();
    for (path, contents) in files {
        hasher.update((path.len() as u64).to_le_bytes());
        hasher.update(path.as_bytes());
        hasher.update((contents.len() as u64).to_le_bytes());
        hasher.update(contents);
    }
    hex(&hasher.finalize()[..6])
}

#[cfg(test)]
fn collect_files(dir: &Dir<'static>, root: &str, out: &mut Vec<(String, &'static [u8])>) {
    for entry in dir.entries() {
        match entry {
            DirEntry::Dir(child) => collect_files(child, root, out),
            DirEntry::File(file) => {
                out.push((format!("{root}/{}", file.path().display()), file.contents()))
            }
        }
    }
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_build_time_digest_covers_exactly_what_is_embedded() {
        assert_eq!(super::template_set_version(), super::embedded_digest());
    }
}
