//! Rebuild when an embedded preset or template changes: include_dir cannot tell cargo itself.
fn main() {
    println!("cargo::rerun-if-changed=presets");
    println!("cargo::rerun-if-changed=templates");
}
