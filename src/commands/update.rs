//! `stackgen update`: merge what changed between the last pristine render and this stackgen's
//! render into the working tree, keeping the user's edits, then optionally verify the result.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde::Serialize;

use super::verify::{Progress, StepEntry, step_entries};
use crate::cli::{PresetChoice, UpdateArgs};
use crate::manifest::{self, Changes, Manifest};
use crate::merge::Labels;
use crate::output::{self, Ui};
use crate::preconditions::{self, this_version};
use crate::pristine::{self, Pristine};
use crate::render::{self, Rendered};
use crate::update::{self, Action, Plan};
use crate::verify::{self, PresetReport};

/// Conflicts were left in the work tree, or `--verify` failed.
const CONFLICTS_OR_FAILED: u8 = 1;
/// Refused or failed before changing anything.
const REFUSED: u8 = 2;

pub fn run(args: UpdateArgs, ui: Ui) -> ExitCode {
    match run_checked(&args, ui) {
        Ok(code) => code,
        Err(err) => {
            output::print_error(&err);
            ExitCode::from(REFUSED)
        }
    }
}

fn run_checked(args: &UpdateArgs, ui: Ui) -> Result<ExitCode> {
    let dir = &args.dir;
    let manifest = manifest::read(dir)?;
    let recorded = manifest.stackgen_version.as_str();
    let differs = preconditions::check_not_newer(dir, recorded)?;
    let pristine = preconditions::locate(dir, recorded)?;
    if args.record_pristine {
        return record_pristine(args, &manifest, &pristine, differs, ui);
    }
    if args.continue_update {
        return finish(args, &manifest, &pristine, ui);
    }
    preconditions::check_clean(dir)?;
    let Some(before) = pristine.load()? else {
        return Err(preconditions::pristine_missing(dir, &pristine.reference, recorded).into());
    };
    let changes = Changes {
        preset: preset_change(args)?,
        overrides: args.set.clone(),
    };
    let request = manifest::request(&manifest, dir, &changes)?;
    let rendered = render::render(&request).context("cannot render the project")?;
    let labels = Labels {
        ours: "yours".into(),
        base: format!("pristine (stackgen {recorded})"),
        theirs: format!("stackgen {}", this_version()),
    };
    let plan = update::plan(dir, &before.files, &rendered, &labels)?;
    let up_to_date = pristine::same_files(&before.files, &rendered);
    let mut report = Report {
        stackgen_version: this_version(),
        recorded_version: recorded,
        directory: dir.display().to_string(),
        pristine_ref: &pristine.reference,
        dry_run: args.dry_run,
        outcome: Outcome::Planned,
        pristine_before: Some(&before.commit),
        pristine_after: None,
        files: plan
            .changes
            .iter()
            .map(|change| FileEntry {
                path: &change.path,
                action: change.action.name(),
                binary: change.binary,
            })
            .collect(),
        conflicts: plan.conflicts().map(|c| c.path.as_str()).collect(),
        verify: None,
    };
    if up_to_date {
        report.outcome = Outcome::UpToDate;
        return emit(args, &report, None, &plan, ui).map(|()| ExitCode::SUCCESS);
    }
    if args.dry_run {
        return emit(args, &report, None, &plan, ui).map(|()| ExitCode::SUCCESS);
    }
    update::apply(dir, &plan)?;
    if plan.has_conflicts() {
        report.outcome = Outcome::Conflicts;
        emit(args, &report, None, &plan, ui)?;
        return Ok(ExitCode::from(CONFLICTS_OR_FAILED));
    }
    let commit = pristine
        .record(&rendered, &pristine::message(&request.preset.preset.name))
        .context("the files were merged, but the new pristine render could not be recorded\n  hint: fix the problem, then run `stackgen update --continue`")?;
    report.outcome = Outcome::Updated;
    report.pristine_after = Some(commit);
    let verified = if args.verify {
        Some(run_verify(args, &manifest.name, ui)?)
    } else {
        None
    };
    let passed = verified.as_ref().is_none_or(PresetReport::passed);
    report.verify = verified.as_ref().map(|verified| VerifyEntry {
        passed: verified.passed(),
        steps: step_entries(verified),
    });
    emit(args, &report, verified.as_ref(), &plan, ui)?;
    Ok(if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(CONFLICTS_OR_FAILED)
    })
}

fn preset_change(args: &UpdateArgs) -> Result<Option<crate::preset::LoadedPreset>> {
    if args.preset.is_none() && args.preset_file.is_none() {
        return Ok(None);
    }
    let choice = PresetChoice {
        preset: args.preset.clone(),
        preset_file: args.preset_file.clone(),
    };
    super::load_preset(&choice).map(Some)
}

/// `--record-pristine`: this stackgen's render of the recorded answers becomes the pristine
/// render; no file in the project is touched.
fn record_pristine(
    args: &UpdateArgs,
    manifest: &Manifest,
    pristine: &Pristine,
    differs: bool,
    ui: Ui,
) -> Result<ExitCode> {
    let dir = &args.dir;
    if differs && !args.force {
        return Err(preconditions::Refusal::OtherVersion {
            dir: dir.display().to_string(),
            recorded: manifest.stackgen_version.clone(),
            this: this_version().to_string(),
        }
        .into());
    }
    let request = manifest::request(manifest, dir, &Changes::default())?;
    let rendered = render::render(&request).context("cannot render the project")?;
    let commit = pristine.record(&rendered, &pristine::message(&request.preset.preset.name))?;
    ui.say(&format!(
        "Recorded the pristine render of {} ({} files) as {} ({commit}); no file was changed",
        dir.display(),
        rendered.len(),
        pristine.reference
    ));
    Ok(ExitCode::SUCCESS)
}

/// `--continue`: once the conflicts of an update are resolved, record its render.
fn finish(args: &UpdateArgs, manifest: &Manifest, pristine: &Pristine, ui: Ui) -> Result<ExitCode> {
    let dir = &args.dir;
    if manifest.stackgen_version != this_version() {
        return Err(preconditions::Refusal::ContinueOtherVersion {
            recorded: manifest.stackgen_version.clone(),
            this: this_version().to_string(),
        }
        .into());
    }
    let request = manifest::request(manifest, dir, &Changes::default())?;
    let rendered: Rendered = render::render(&request).context("cannot render the project")?;
    preconditions::check_no_conflict_markers(dir, &rendered)?;
    let commit = pristine.record(&rendered, &pristine::message(&request.preset.preset.name))?;
    ui.say(&format!(
        "No conflict markers remain; recorded the new pristine render as {} ({commit})\nThe update is in the work tree, not committed: review it (git diff), then commit it.",
        pristine.reference
    ));
    let code = if args.verify {
        let verified = run_verify(args, &manifest.name, ui)?;
        print_verify(&verified, ui);
        if verified.passed() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(CONFLICTS_OR_FAILED)
        }
    } else {
        ExitCode::SUCCESS
    };
    Ok(code)
}

fn run_verify(args: &UpdateArgs, label: &str, ui: Ui) -> Result<PresetReport> {
    let target_dir = match &args.target_dir {
        Some(dir) => dir.clone(),
        None => args.dir.join("target"),
    };
    let target_dir: PathBuf = std::path::absolute(&target_dir)
        .with_context(|| format!("cannot resolve {}", target_dir.display()))?;
    let database_url = args.database_url.clone().or_else(|| {
        std::env::var("DATABASE_URL")
            .ok()
            .filter(|url| !url.is_empty())
    });
    let mut progress = Progress::new(ui, args.json);
    let report = verify::check_project(label, &args.dir, database_url, &target_dir, &mut |event| {
        progress.event(&event)
    });
    progress.finish();
    report
}

fn print_verify(verified: &PresetReport, ui: Ui) {
    if verified.passed() {
        ui.say("verify: the updated project builds, is clean under clippy and rustfmt, and passes its tests");
    } else {
        eprintln!("error: the updated project failed verification (see the failing step above)");
    }
}

/// `update --json`: one object (documented in the README).
#[derive(Serialize)]
struct Report<'a> {
    stackgen_version: &'static str,
    recorded_version: &'a str,
    directory: String,
    pristine_ref: &'a str,
    dry_run: bool,
    outcome: Outcome,
    pristine_before: Option<&'a str>,
    pristine_after: Option<String>,
    files: Vec<FileEntry<'a>>,
    conflicts: Vec<&'a str>,
    verify: Option<VerifyEntry<'a>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Outcome {
    /// This stackgen renders exactly the recorded pristine render: nothing to do.
    UpToDate,
    /// `--dry-run`: the plan, nothing written.
    Planned,
    /// Merged without conflicts, pristine render recorded.
    Updated,
    /// Merged with conflicts left in the files; pristine render not recorded.
    Conflicts,
}

#[derive(Serialize)]
struct FileEntry<'a> {
    path: &'a str,
    action: &'static str,
    binary: bool,
}

#[derive(Serialize)]
struct VerifyEntry<'a> {
    passed: bool,
    steps: Vec<StepEntry<'a>>,
}

fn emit(
    args: &UpdateArgs,
    report: &Report<'_>,
    verified: Option<&PresetReport>,
    plan: &Plan,
    ui: Ui,
) -> Result<()> {
    if args.json {
        return output::json(report);
    }
    output::data(listing(plan))?;
    let dir = &args.dir;
    match report.outcome {
        Outcome::UpToDate => ui.say(&format!(
            "{}: up to date; stackgen {} renders exactly the recorded pristine render",
            dir.display(),
            this_version()
        )),
        Outcome::Planned => ui.say(&format!(
            "{}: {}; nothing was written (--dry-run)",
            dir.display(),
            counts(plan)
        )),
        Outcome::Updated => {
            let versions = if report.recorded_version == this_version() {
                format!("with stackgen {}", this_version())
            } else {
                format!(
                    "from stackgen {} to {}",
                    report.recorded_version,
                    this_version()
                )
            };
            ui.say(&format!(
                "{}: updated {versions}: {}\nRecorded the new pristine render as {}.\nThe merged changes are in the work tree, not committed: review them (git diff), then commit.",
                dir.display(),
                counts(plan),
                report.pristine_ref
            ));
            if let Some(verified) = verified {
                print_verify(verified, ui);
            }
        }
        Outcome::Conflicts => {
            let paths: String = plan
                .conflicts()
                .map(|c| {
                    let note = if c.binary {
                        "  (binary: your version was left as it is)"
                    } else {
                        ""
                    };
                    format!("\n  {}{note}", c.path)
                })
                .collect();
            eprintln!(
                "error: {} of the files conflict:{paths}\n  hint: resolve the <<<<<<< yours / >>>>>>> stackgen {} markers in them (the other changes are already in the work tree), then run `stackgen update --continue {}` to record the new pristine render, and commit; the pristine render was not advanced",
                report.conflicts.len(),
                this_version(),
                dir.display()
            );
        }
    }
    Ok(())
}

fn listing(plan: &Plan) -> String {
    plan.changes
        .iter()
        .map(|change| {
            let note = match (change.action, change.binary) {
                (Action::Conflict, true) => "a binary file both changed: yours is left as it is",
                (action, _) => action.note(),
            };
            let note = if note.is_empty() {
                String::new()
            } else {
                format!("  ({note})")
            };
            format!("{:<13} {}{note}\n", change.action.name(), change.path)
        })
        .collect()
}

fn counts(plan: &Plan) -> String {
    let parts: Vec<String> = [
        Action::Update,
        Action::Merge,
        Action::Add,
        Action::Remove,
        Action::Keep,
        Action::StaysDeleted,
        Action::Conflict,
    ]
    .into_iter()
    .filter_map(|action| {
        let n = plan.count(action);
        (n > 0).then(|| format!("{n} {}", action.name()))
    })
    .collect();
    if parts.is_empty() {
        "no file to change".into()
    } else {
        parts.join(", ")
    }
}
