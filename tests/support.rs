//! A small builder so each test reads as: arguments, then what must come out.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use stackgen::context::Request;
use stackgen::preset;
use stackgen::project_name::ProjectName;
use stackgen::render::{self, Rendered};
pub use stackgen::verify::THROWAWAY_BUILD;

/// `stackgen` run in a fresh temporary directory, with no database or colour settings inherited.
pub struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub fn stackgen<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut command = Command::new(assert_cmd::cargo::cargo_bin!("stackgen"));
        command
            .current_dir(self.dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("STACKGEN_TARGET_DIR")
            .args(args);
        without_git_config(&mut command);
        command
    }

    /// `stackgen ARGS` in a pseudo-terminal as a person's shell would start it: colour allowed,
    /// not CI. `timeout_ms` bounds each wait for expected output.
    pub fn in_a_terminal<I, S>(&self, args: I, timeout_ms: u64) -> rexpect::session::PtySession
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin!("stackgen"));
        command
            .current_dir(self.dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("STACKGEN_TARGET_DIR")
            .env("TERM", "xterm-256color")
            .env_remove("NO_COLOR")
            .env_remove("CI")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .args(args);
        // Escape codes stay in: rexpect's stripping would also swallow the text after cursor
        // movements. Every expected string lies inside one styled run.
        let options = rexpect::reader::Options::new().timeout_ms(Some(timeout_ms));
        rexpect::spawn_with_options(command, options).expect("stackgen starts in a pty")
    }

    /// Every entry under the sandbox, relative and sorted, to prove nothing else was written.
    pub fn entries(&self) -> Vec<String> {
        let mut entries: Vec<String> = walkdir::WalkDir::new(self.dir.path())
            .min_depth(1)
            .into_iter()
            .filter_map(Result::ok)
            .map(|e| {
                e.path()
                    .strip_prefix(self.dir.path())
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            })
            .collect();
        entries.sort();
        entries
    }
}

/// git as on a CI machine: no global or system configuration, so no identity either; stackgen's
/// own commits must work anyway.
fn without_git_config(command: &mut Command) {
    command
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1");
}

/// Renders an embedded preset in memory with default settings.
pub fn render_preset(preset_name: &str, project: &str) -> Rendered {
    let request = Request::new(
        ProjectName::parse(project).expect("valid name"),
        preset::load_embedded(preset_name).expect("embedded preset"),
        &[],
    )
    .expect("default settings");
    render::render(&request).expect("renders")
}

/// The repository's `examples/` directory.
pub fn example(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(file)
}

/// Generates `preset` as the project `name` into the sandbox folder of that name, and returns
/// the folder.
///
/// Tests that build into [`shared_target_dir`] share the dependencies' artifacts, but each must
/// give its project a name no other concurrently running test uses: cargo names a package's
/// own artifacts after the package, not its folder, so two projects of one name would build
/// the same test binary, with the other one's `CARGO_MANIFEST_DIR` compiled in.
pub fn generate_preset(sandbox: &Sandbox, preset: &str, name: &str) -> PathBuf {
    let project = sandbox.join(name);
    sandbox
        .stackgen(["new", name, "--preset", preset, "-q", "--dir"])
        .arg(&project)
        .assert()
        .success();
    project
}

/// Held by each test whose `stackgen verify` builds a project named after its preset into
/// [`shared_target_dir`]: `verify` names projects after their preset, and cargo names a
/// package's artifacts after the package, not its folder, so two such runs at once would reuse
/// each other's test binary, with the other run's (soon deleted) `CARGO_MANIFEST_DIR` compiled
/// in. One at a time, each run's cargo sees the previous folder gone and rebuilds.
pub fn one_verify_of_a_preset_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The cargo target directory shared by every generated project these tests build.
pub fn shared_target_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("verify")
}

/// `cargo` run in `project`, building into [`shared_target_dir`] as `stackgen verify` builds a
/// throwaway project ([`THROWAWAY_BUILD`]). Every test's project lives in a new temporary
/// folder, and cargo names the project's own artifacts after its path: built with debug
/// information and incremental state, they grew the shared target by about 16 GB over one run
/// of the suite and filled a CI machine's disk.
pub fn cargo_in_shared_target(project: &Path) -> std::process::Command {
    let mut command = std::process::Command::new("cargo");
    command
        .current_dir(project)
        .env("CARGO_TARGET_DIR", shared_target_dir());
    for (name, value) in THROWAWAY_BUILD {
        if std::env::var_os(name).is_none() {
            command.env(name, value);
        }
    }
    command
}

/// Runs stackgen in a fresh sandbox and asserts it refuses: exit `code`, `message` on stderr,
/// and nothing written.
pub fn assert_refused(args: &[&str], code: i32, message: &str) {
    let sandbox = Sandbox::new();
    sandbox
        .stackgen(args)
        .assert()
        .failure()
        .code(code)
        .stderr(predicates::str::contains(message));
    assert!(
        sandbox.entries().is_empty(),
        "{args:?} left {:?}",
        sandbox.entries()
    );
}
