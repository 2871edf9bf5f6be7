//! `sqlx::migrate!` embeds the files of `migrations/` at compile time, but the compiler only
//! notices edits to files it has already seen. Watching the directory makes a newly added
//! migration trigger a rebuild.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
