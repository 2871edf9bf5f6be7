use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::cli::{NewArgs, PresetChoice};
use crate::context::{LocalDatabase, Request};
use crate::embedded;
use crate::output::{self, Ui};
use crate::preset;
use crate::project_name::ProjectName;
use crate::prompt::{self, PromptError, TerminalPrompter};
use crate::render::{Blueprint, Rendered};
use crate::settings::{SettingValue, Settings};
use crate::vcs::{self, Decision};
use crate::verify::Step;
use crate::wizard::{self, Answers, Given, Outcome};
use crate::write::{self, Change, Plan};

/// Exit status when the person cancels the wizard (Esc or Ctrl-C).
const CANCELLED: u8 = prompt::CANCELLED_STATUS as u8;

pub fn run(args: NewArgs, ui: Ui) -> Result<ExitCode> {
    let given = given(&args)?;
    let answers = if let (Some(name), Some(preset)) = (&given.name, &given.preset) {
        let request = Request::new(name.clone(), preset.clone(), &given.overrides)?;
        let dir = given
            .dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(name.as_str()));
        Answers {
            request,
            overrides: given.overrides,
            dir,
            force: given.force,
        }
    } else if !args.no_input && std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        let mut prompter = TerminalPrompter::new(output::stderr_colour());
        let answers = match wizard::run(&mut prompter, given, &preset::all_embedded()?) {
            Ok(Outcome::Generate(answers)) => *answers,
            Ok(Outcome::Declined) => {
                eprintln!("Nothing was written.");
                return Ok(ExitCode::FAILURE);
            }
            Err(err) if matches!(err.downcast_ref(), Some(PromptError::Cancelled)) => {
                prompt::report_cancelled();
                return Ok(ExitCode::from(CANCELLED));
            }
            Err(err) => return Err(err),
        };
        print_equivalent_command(&answers, ui, args.json);
        answers
    } else {
        bail!(missing_flags(&given));
    };
    generate(&answers, &args, ui)
}

/// Parses and checks everything the flags say before any question is asked.
fn given(args: &NewArgs) -> Result<Given> {
    let name = args
        .name
        .as_deref()
        .map(ProjectName::parse)
        .transpose()
        .context("invalid project name")?;
    let choice = PresetChoice {
        preset: args.preset.clone(),
        preset_file: args.preset_file.clone(),
    };
    let preset = if choice.preset.is_some() || choice.preset_file.is_some() {
        let loaded = super::load_preset(&choice)?;
        Settings::resolve(&loaded.preset.name, &loaded.preset.settings, &args.set)?;
        Some(loaded)
    } else {
        None
    };
    Ok(Given {
        name,
        preset,
        overrides: args.set.clone(),
        dir: args.dir.clone(),
        force: args.force,
    })
}

fn missing_flags(given: &Given) -> String {
    let missing = match (&given.name, &given.preset) {
        (None, None) => "a project name and a preset, and asks for them",
        (None, Some(_)) => "a project name, and asks for it",
        _ => "a preset, and asks for it",
    };
    format!(
        "stackgen new needs {missing} only on a terminal (without --no-input)\n  hint: pass them as flags: stackgen new NAME --preset PRESET [--dir DIR] [--set KEY=VALUE]...\n  hint: `stackgen list` shows the presets; a preset of your own goes in --preset-file PATH"
    )
}

/// Tells the person how to get the same project again without questions, e.g. in CI.
fn print_equivalent_command(answers: &Answers, ui: Ui, json: bool) {
    let line = wizard::command_line(&wizard::equivalent_args(answers));
    let text = format!("The same project without questions:\n  {line} --no-input\n");
    if json {
        ui.note(&text);
    } else {
        ui.say(&text);
    }
}

fn generate(answers: &Answers, args: &NewArgs, ui: Ui) -> Result<ExitCode> {
    let request = &answers.request;
    let blueprint = Blueprint::new(request)?;
    let rendered = blueprint.render()?;
    let local = blueprint.export::<LocalDatabase>("local_database")?;
    let target = &answers.dir;
    let (plan, recorded) = if args.dry_run {
        (
            write::plan(&rendered, target, answers.force)?,
            vcs::Recorded::Nothing,
        )
    } else {
        write_and_record(&rendered, answers, args.vcs, &request.preset.preset.name)?
    };
    if args.json {
        let report = NewReport::of(request, &rendered, &plan, !args.dry_run, &local, &recorded);
        output::json(&report)?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.dry_run {
        output::data(dry_run_listing(&plan))?;
        return Ok(ExitCode::SUCCESS);
    }
    let preset = &request.preset.preset;
    ui.say(&format!(
        "Created {} from preset {} ({} files) in {}",
        request.name,
        preset.name,
        plan.files.len(),
        target.display()
    ));
    let overwritten: Vec<&str> = plan.overwritten().collect();
    if !overwritten.is_empty() {
        let mut text = format!("Overwrote {} existing files:", overwritten.len());
        for path in overwritten {
            text.push_str(&format!("\n  {path}"));
        }
        ui.say(&text);
    }
    report_vcs(&recorded, ui);
    ui.say(&next_steps(target, request, &local));
    Ok(ExitCode::SUCCESS)
}

/// Writes the project, then gives it version control as `--vcs` says. When that fails, a
/// project written into a missing or empty directory is taken back, so nothing is left.
fn write_and_record(
    rendered: &Rendered,
    answers: &Answers,
    vcs: Option<vcs::Vcs>,
    preset: &str,
) -> Result<(Plan, vcs::Recorded)> {
    let target = &answers.dir;
    let decision = vcs::decide(target, vcs)?;
    let was_empty = is_missing_or_empty(target);
    let existed = target.is_dir();
    let plan = write::write(rendered, target, answers.force)?;
    let recorded = match vcs::record(&decision, target, rendered, preset) {
        Ok(recorded) => recorded,
        Err(err) if was_empty => {
            undo_fresh_project(target, existed);
            return Err(err.context(format!(
                "cannot set up version control for {}, so nothing was written\n  hint: pass --vcs none to generate without git",
                target.display()
            )));
        }
        Err(err) => {
            return Err(err.context(format!(
                "{dir} was written but its pristine render was not recorded\n  hint: fix the problem above, commit the project, then run `stackgen update --record-pristine {dir}`",
                dir = target.display()
            )));
        }
    };
    if decision == Decision::Unavailable {
        eprintln!(
            "warning: git is not installed, so no repository was created and no pristine render was recorded; `stackgen update` needs one\n  hint: install git, then in {dir}: git init && git add -A && git commit -m 'Generated by stackgen' && stackgen update --record-pristine",
            dir = target.display()
        );
    }
    Ok((plan, recorded))
}

fn is_missing_or_empty(target: &Path) -> bool {
    match std::fs::read_dir(target) {
        Ok(mut entries) => entries.next().is_none(),
        Err(_) => !target.exists(),
    }
}

/// Takes back a project written into a directory that was missing or empty before, leaving
/// an empty directory where there was one.
fn undo_fresh_project(target: &Path, existed: bool) {
    let _ = std::fs::remove_dir_all(target);
    if existed {
        let _ = std::fs::create_dir(target);
    }
}

fn report_vcs(recorded: &vcs::Recorded, ui: Ui) {
    match recorded {
        vcs::Recorded::Nothing => {}
        vcs::Recorded::Initialised { reference } => ui.say(&format!(
            "Initialised a git repository with the generated files committed; the pristine render is {reference}"
        )),
        vcs::Recorded::InExisting { toplevel, reference } => ui.say(&format!(
            "Inside the existing repository {}: nothing was committed; the pristine render is {reference}\n  commit the project when you are ready (stackgen update needs a clean tree)",
            toplevel.display()
        )),
    }
}

/// `new --json`: what was generated, exactly, and how to check it.
#[derive(Serialize)]
struct NewReport<'a> {
    stackgen_version: &'static str,
    templates_version: &'static str,
    preset: &'a str,
    name: &'a str,
    directory: String,
    written: bool,
    settings: BTreeMap<&'a str, &'a SettingValue>,
    files: Vec<FileEntry<'a>>,
    overwritten: Vec<&'a str>,
    /// The ref holding the pristine render, when one was recorded.
    pristine_ref: Option<&'a str>,
    verify_commands: Vec<String>,
    test_database_url: String,
}

#[derive(Serialize)]
struct FileEntry<'a> {
    path: &'a str,
    size: usize,
    sha256: String,
}

impl<'a> NewReport<'a> {
    fn of(
        request: &'a Request,
        rendered: &'a Rendered,
        plan: &'a Plan,
        written: bool,
        local: &LocalDatabase,
        recorded: &'a vcs::Recorded,
    ) -> Self {
        let files = rendered
            .files()
            .map(|(path, bytes)| FileEntry {
                path,
                size: bytes.len(),
                sha256: embedded::hex(&Sha256::digest(bytes)),
            })
            .collect();
        Self {
            stackgen_version: env!("CARGO_PKG_VERSION"),
            templates_version: embedded::template_set_version(),
            preset: &request.preset.preset.name,
            name: request.name.as_str(),
            directory: plan.target.display().to_string(),
            written,
            settings: request.settings.as_map(),
            files,
            overwritten: plan.overwritten().collect(),
            pristine_ref: match recorded {
                vcs::Recorded::Nothing => None,
                vcs::Recorded::Initialised { reference }
                | vcs::Recorded::InExisting { reference, .. } => Some(reference),
            },
            verify_commands: Step::ALL
                .iter()
                .map(|step| format!("cargo {}", step.cargo_args().join(" ")))
                .collect(),
            test_database_url: local.admin_url.clone(),
        }
    }
}

fn dry_run_listing(plan: &Plan) -> String {
    let mut out = String::new();
    let total: usize = plan.files.iter().map(|(_, size, _)| size).sum();
    out.push_str(&format!(
        "Would write {} files ({total} bytes) to {}; nothing was written.\n",
        plan.files.len(),
        plan.target.display()
    ));
    for (path, size, change) in &plan.files {
        let note = match change {
            Change::Create => "",
            Change::Overwrite => "  (overwrite)",
        };
        out.push_str(&format!("{size:>9}  {path}{note}\n"));
    }
    out
}

fn next_steps(target: &Path, request: &Request, local: &LocalDatabase) -> String {
    let port = request
        .settings
        .iter()
        .find(|(key, _)| *key == "http_port")
        .map(|(_, value)| value.to_string())
        .unwrap_or_else(|| "8080".into());
    let server = &local.compose_service;
    format!(
        "\nNext steps:\n  cd {dir}\n  docker compose up -d db        # {server}, on localhost:{db_port}\n  DATABASE_URL='{admin_url}' cargo test\n  docker compose up --build      # the service; then open http://localhost:{port}/docs",
        dir = target.display(),
        db_port = local.port,
        admin_url = local.admin_url,
    )
}
