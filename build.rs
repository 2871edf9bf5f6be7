//! Rebuild when an embedded preset or template changes (include_dir cannot tell cargo itself),
//! and digest them once here, so `--version` costs the binary nothing at startup.

use std::fs;
use std::path::Path;

use sha2::{Digest, Sha256};

fn main() {
    println!("cargo::rerun-if-changed=presets");
    println!("cargo::rerun-if-changed=templates");
    let mut files = Vec::new();
    for root in ["presets", "templates"] {
        collect(Path::new(root), &mut files);
    }
    files.sort();
    let mut hasher = Sha256::new();
    for (path, contents) in &files {
        hasher.update((path.len() as u64).to_le_bytes());
        hasher.update(path.as_bytes());
        hasher.update((contents.len() as u64).to_le_bytes());
        hasher.update(contents);
    }
    let digest: String = hasher.finalize()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    println!("cargo::rustc-env=STACKGEN_TEMPLATES_DIGEST={digest}");
}

/// Every file below `dir` as (`/`-separated path, bytes). A file that cannot be read fails the
/// build, as include_dir would.
fn collect(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            let bytes =
                fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            let name = path
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((name, bytes));
        }
    }
}
