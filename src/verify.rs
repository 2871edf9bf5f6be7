//! `stackgen verify`: prove that presets generate projects that build, lint clean and pass
//! their own tests against a real database.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::context::Request;
use crate::failure_excerpt;
use crate::preset::LoadedPreset;
use crate::project_name::ProjectName;
use crate::render;
use crate::throwaway_postgres::{self, ThrowawayPostgres};
use crate::write;

/// How many lines of a failing step's output are shown.
const TAIL_LINES: usize = 60;

/// One check run in a generated project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Build,
    Clippy,
    Fmt,
    Test,
}

impl Step {
    pub const ALL: [Step; 4] = [Step::Build, Step::Clippy, Step::Fmt, Step::Test];

    pub fn name(self) -> &'static str {
        match self {
            Self::Build => "build",
            Self::Clippy => "clippy",
            Self::Fmt => "fmt",
            Self::Test => "test",
        }
    }

    pub fn cargo_args(self) -> &'static [&'static str] {
        match self {
            Self::Build => &["build", "--locked"],
            Self::Clippy => &[
                "clippy",
                "--locked",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
            Self::Fmt => &["fmt", "--check"],
            Self::Test => &["test", "--locked"],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed { tail: String },
}

#[derive(Debug, Clone)]
pub struct StepReport {
    pub step: Step,
    pub seconds: f64,
    pub outcome: Outcome,
}

#[derive(Debug, Clone)]
pub struct PresetReport {
    pub preset: String,
    pub steps: Vec<StepReport>,
    pub project_dir: PathBuf,
}

impl PresetReport {
    pub fn passed(&self) -> bool {
        self.steps.len() == Step::ALL.len()
            && self.steps.iter().all(|s| s.outcome == Outcome::Passed)
    }
}

pub struct Options {
    pub presets: Vec<LoadedPreset>,
    pub keep: bool,
    pub database_url: Option<String>,
    pub target_dir: PathBuf,
}

/// What an interrupt must clean up: the running cargo command and the working directory.
///
/// The interrupt handler holds this lock from its first step until the process exits, so the
/// main thread, which takes it before starting cargo, after cargo ends and while cleaning up,
/// can neither start more work nor race the handler's cleanup or its exit status.
struct Running {
    child: Option<u32>,
    workspace: Option<PathBuf>,
}

static RUNNING: Mutex<Running> = Mutex::new(Running {
    child: None,
    workspace: None,
});

/// What `verify` tells its caller as it goes.
#[derive(Debug)]
pub enum Event<'a> {
    /// A fact about the run, such as where the database is.
    Note(&'a str),
    StepStarted {
        preset: &'a str,
        step: Step,
    },
    StepFinished {
        preset: &'a str,
        report: &'a StepReport,
        project_dir: &'a Path,
    },
}

/// Runs every step for every preset, telling `progress` about each.
pub fn run(options: Options, progress: &mut dyn FnMut(Event<'_>)) -> Result<Vec<PresetReport>> {
    install_interrupt_handler();
    let workspace = tempfile::Builder::new()
        .prefix("stackgen-verify-")
        .tempdir()
        .context("cannot create a working directory for verify")?;
    if !options.keep {
        running().workspace = Some(workspace.path().to_path_buf());
    }
    let (server, database_url) = database(options.database_url, progress)?;
    std::fs::create_dir_all(&options.target_dir).with_context(|| {
        format!(
            "cannot create the shared target directory {}",
            options.target_dir.display()
        )
    })?;
    let mut reports = Vec::new();
    for preset in options.presets {
        reports.push(verify_preset(
            preset,
            workspace.path(),
            &options.target_dir,
            &database_url,
            progress,
        )?);
    }
    drop(server);
    let kept = {
        let mut running = running();
        running.workspace = None;
        if options.keep {
            Some(workspace.keep())
        } else {
            drop(workspace);
            None
        }
    };
    if let Some(kept) = kept {
        progress(Event::Note(&format!(
            "kept the generated projects in {}",
            kept.display()
        )));
    }
    Ok(reports)
}

fn verify_preset(
    preset: LoadedPreset,
    workspace: &Path,
    target_dir: &Path,
    database_url: &str,
    progress: &mut dyn FnMut(Event<'_>),
) -> Result<PresetReport> {
    let preset_name = preset.preset.name.clone();
    let name = ProjectName::parse(&preset_name)
        .with_context(|| format!("preset `{preset_name}` cannot name a project"))?;
    let request = Request::new(name, preset, &[])?;
    let rendered = render::render(&request)
        .with_context(|| format!("cannot render preset `{preset_name}`"))?;
    let project_dir = workspace.join(&preset_name);
    write::write(&rendered, &project_dir, false)?;

    let build = Build {
        target_dir,
        throwaway: true,
    };
    let steps = run_steps(
        &preset_name,
        &project_dir,
        workspace,
        &build,
        database_url,
        progress,
    )?;
    Ok(PresetReport {
        preset: preset_name,
        steps,
        project_dir,
    })
}

/// The database the tests run against: `url` when given, else a throwaway PostgreSQL, kept
/// alive by the returned server until verify ends.
fn database(
    url: Option<String>,
    progress: &mut dyn FnMut(Event<'_>),
) -> Result<(Option<ThrowawayPostgres>, String)> {
    if let Some(url) = url {
        return Ok((None, url));
    }
    let server = ThrowawayPostgres::start()?;
    progress(Event::Note(&format!(
        "database: throwaway PostgreSQL on 127.0.0.1:{} (stopped when verify ends)",
        server.port()
    )));
    let url = server.url();
    Ok((Some(server), url))
}

/// Checks a project that is already on disk (`stackgen update --verify`): the same steps as for
/// a preset, against `database_url` or a throwaway PostgreSQL, with the logs in a temporary
/// directory; nothing is written into the project but cargo's own output in `target_dir`.
pub fn check_project(
    label: &str,
    project_dir: &Path,
    database_url: Option<String>,
    target_dir: &Path,
    progress: &mut dyn FnMut(Event<'_>),
) -> Result<PresetReport> {
    install_interrupt_handler();
    let logs = tempfile::Builder::new()
        .prefix("stackgen-verify-logs-")
        .tempdir()
        .context("cannot create a directory for verify's logs")?;
    running().workspace = Some(logs.path().to_path_buf());
    let (server, database_url) = database(database_url, progress)?;
    let build = Build {
        target_dir,
        throwaway: false,
    };
    let steps = run_steps(
        label,
        project_dir,
        logs.path(),
        &build,
        &database_url,
        progress,
    );
    drop(server);
    running().workspace = None;
    Ok(PresetReport {
        preset: label.to_string(),
        steps: steps?,
        project_dir: project_dir.to_path_buf(),
    })
}

/// Where cargo builds a project.
struct Build<'a> {
    target_dir: &'a Path,
    /// The project is deleted when verify ends, but what cargo built for it stays in the
    /// shared target directory, under names that depend on the project's path, new on every
    /// run. So it is built lean (see [`THROWAWAY_BUILD`]).
    throwaway: bool,
}

/// How a throwaway project is built, each setting unless the environment already sets it:
/// no incremental compilation state (never read again, about 600 MB a project), and only line
/// tables for the project's own code (backtraces keep their lines; its binaries shrink from
/// about 700 MB to 200 MB). Neither changes what the steps check.
pub const THROWAWAY_BUILD: [(&str, &str); 2] = [
    ("CARGO_INCREMENTAL", "0"),
    ("CARGO_PROFILE_DEV_DEBUG", "line-tables-only"),
];

/// Runs every step in `project_dir` until one fails, with each step's log in `logs_dir`.
fn run_steps(
    label: &str,
    project_dir: &Path,
    logs_dir: &Path,
    build: &Build<'_>,
    database_url: &str,
    progress: &mut dyn FnMut(Event<'_>),
) -> Result<Vec<StepReport>> {
    let mut steps = Vec::new();
    for step in Step::ALL {
        progress(Event::StepStarted {
            preset: label,
            step,
        });
        let log_path = logs_dir.join(format!("{label}-{}.log", step.name()));
        let report = run_step(step, project_dir, &log_path, build, database_url)?;
        progress(Event::StepFinished {
            preset: label,
            report: &report,
            project_dir,
        });
        let failed = matches!(report.outcome, Outcome::Failed { .. });
        steps.push(report);
        if failed {
            break;
        }
    }
    Ok(steps)
}

fn run_step(
    step: Step,
    project: &Path,
    log_path: &Path,
    build: &Build<'_>,
    database_url: &str,
) -> Result<StepReport> {
    let mut log = File::options()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(log_path)
        .with_context(|| format!("cannot create {}", log_path.display()))?;
    let mut command = Command::new("cargo");
    command
        .args(step.cargo_args())
        .current_dir(project)
        .env("CARGO_TARGET_DIR", build.target_dir)
        .env("CARGO_TERM_COLOR", "never")
        .env_remove("RUSTFLAGS")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log.try_clone()?);
    if build.throwaway {
        for (name, value) in THROWAWAY_BUILD {
            if std::env::var_os(name).is_none() {
                command.env(name, value);
            }
        }
    }
    if step == Step::Test {
        command.env("DATABASE_URL", database_url);
    } else {
        command.env_remove("DATABASE_URL");
    }
    command.process_group(0);
    let started = Instant::now();
    let mut child = {
        let mut running = running();
        let child = command
            .spawn()
            .context("cannot run cargo; is it on PATH?")?;
        running.child = Some(child.id());
        child
    };
    let status = child.wait();
    running().child = None;
    let status = status.context("cargo did not finish")?;
    let seconds = started.elapsed().as_secs_f64();
    let outcome = if status.success() {
        Outcome::Passed
    } else {
        log.flush()?;
        Outcome::Failed {
            tail: tail(&mut log, TAIL_LINES)?,
        }
    };
    Ok(StepReport {
        step,
        seconds,
        outcome,
    })
}

/// The failing step's panic messages and last lines (see [`failure_excerpt`]).
fn tail(log: &mut File, lines: usize) -> Result<String> {
    let mut bytes = Vec::new();
    log.seek(SeekFrom::Start(0))?;
    log.read_to_end(&mut bytes)?;
    Ok(failure_excerpt::excerpt(
        &String::from_utf8_lossy(&bytes),
        lines,
    ))
}

fn running() -> std::sync::MutexGuard<'static, Running> {
    RUNNING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// On Ctrl-C or SIGTERM: stop the running cargo (its whole process group, rustc included),
/// stop the throwaway database, delete the working directory, exit 130. The handler keeps
/// [`RUNNING`] locked until it exits, so the main thread cannot start another cargo command,
/// report the killed one as a failure, or exit first with another status.
fn install_interrupt_handler() {
    let installed = ctrlc::set_handler(|| {
        let mut running = running();
        if let Some(pid) = running.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", "--", &format!("-{pid}")])
                .status();
        }
        throwaway_postgres::stop_active_server();
        if let Some(workspace) = running.workspace.take() {
            let _ = std::fs::remove_dir_all(workspace);
        }
        eprintln!("stackgen verify: interrupted; the throwaway database was stopped");
        std::process::exit(130);
    });
    if let Err(err) = installed {
        eprintln!("stackgen verify: warning: cannot watch for interrupts ({err})");
    }
}

/// The shared cargo target directory: `STACKGEN_TARGET_DIR`, else the user's cache directory.
pub fn default_target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("STACKGEN_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    cache.join("stackgen").join("verify-target")
}
