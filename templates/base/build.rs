//! Embeds the migrations of `migrations/` in the binary: `$OUT_DIR/migrations.rs` lists every
//! `<VERSION>_<DESCRIPTION>.sql` file (`.up.sql`/`.down.sql` for reversible ones) with its
//! contents, and `src/db.rs` builds the migrator from that list. Names are read as sqlx's CLI
//! and `migrate!` macro read them, so a database migrated by either sees the same versions and
//! checksums. The macro itself needs sqlx's `macros` feature, which compiles a second copy of
//! sqlx, tokio and rustls for the compiler: a third of a first build.

use std::error::Error;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One migration file: version, kind (a `sqlx::migrate::MigrationType` variant), description.
type Entry = (i64, &'static str, String, PathBuf);

fn main() -> Result<(), Box<dyn Error>> {
    // A directory is watched with everything in it: an added migration triggers a rebuild.
    println!("cargo:rerun-if-changed=migrations");
    let dir = Path::new(&std::env::var("CARGO_MANIFEST_DIR")?).join("migrations");
    let mut migrations = Vec::new();
    let listing = std::fs::read_dir(&dir)
        .map_err(|error| format!("cannot read {}: {error}", dir.display()))?;
    for entry in listing {
        if let Some(migration) = migration(&entry?.path())? {
            migrations.push(migration);
        }
    }
    migrations.sort();
    let mut code = String::from("&[\n");
    for (version, kind, description, path) in &migrations {
        let path = path.to_str().ok_or("a migration's path is not UTF-8")?;
        writeln!(
            code,
            "    ({version}, {description:?}, MigrationType::{kind}, include_str!({path:?})),"
        )?;
    }
    code.push(']');
    let out = Path::new(&std::env::var("OUT_DIR")?).join("migrations.rs");
    std::fs::write(&out, code)
        .map_err(|error| format!("cannot write {}: {error}", out.display()))?;
    Ok(())
}

/// The migration `path` holds, `None` for a file that is not one (this README, say).
fn migration(path: &Path) -> Result<Option<Entry>, String> {
    let Some(name) = path.file_name() else {
        return Ok(None);
    };
    let name = name.to_str().ok_or_else(|| {
        format!(
            "migrations/{}: a migration file name must be UTF-8; rename the file",
            name.to_string_lossy()
        )
    })?;
    let Some((version, rest)) = name.split_once('_') else {
        return Ok(None);
    };
    if !path.is_file() || !rest.ends_with(".sql") {
        return Ok(None);
    }
    let version = version.parse().map_err(|_| {
        format!("migrations/{name}: a migration is named <VERSION>_<DESCRIPTION>.sql, its version a number (0009_add_orders.sql)")
    })?;
    let (kind, suffix) = if rest.ends_with(".up.sql") {
        ("ReversibleUp", ".up.sql")
    } else if rest.ends_with(".down.sql") {
        ("ReversibleDown", ".down.sql")
    } else {
        ("Simple", ".sql")
    };
    let description = rest.trim_end_matches(suffix).replace('_', " ");
    Ok(Some((version, kind, description, path.to_path_buf())))
}
