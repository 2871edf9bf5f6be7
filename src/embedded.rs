//! The presets and templates compiled into the binary, so stackgen works from any directory, offline.

use include_dir::{Dir, include_dir};

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

/// The text of a template by its path under `templates/` (used by includes across layers).
pub fn template_source(name: &str) -> Option<&'static str> {
    TEMPLATES
        .get_file(name)
        .and_then(|file| file.contents_utf8())
}
