use std::process::ExitCode;

use std::io::IsTerminal;
use std::time::Duration;

use anyhow::{Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::cli::VerifyArgs;
use crate::embedded;
use crate::output::{self, Ui};
use crate::preset;
use crate::verify::{self, Event, Options, Outcome, PresetReport, Step};

pub fn run(args: VerifyArgs, ui: Ui) -> Result<ExitCode> {
    let mut presets = if args.all {
        preset::all_embedded()?
    } else {
        args.preset
            .iter()
            .map(|name| preset::load_embedded(name))
            .collect::<Result<Vec<_>, _>>()?
    };
    for path in &args.preset_file {
        presets.push(preset::load_file(path)?);
    }
    if presets.is_empty() {
        bail!(
            "nothing to verify\n  hint: pass --preset NAME (repeatable), --preset-file PATH, or --all"
        );
    }
    let count = presets.len();
    let database_url = args.database_url.or_else(|| {
        std::env::var("DATABASE_URL")
            .ok()
            .filter(|url| !url.is_empty())
    });
    let options = Options {
        presets,
        keep: args.keep,
        database_url,
        target_dir: args.target_dir.unwrap_or_else(verify::default_target_dir),
    };
    let mut progress = Progress::new(ui, args.json);
    let reports = verify::run(options, &mut |event| progress.event(&event))?;
    progress.finish();
    let passed = reports.iter().filter(|r| r.passed()).count();
    if args.json {
        output::json(&Report::of(&reports))?;
    }
    if passed == count {
        if !args.json {
            ui.say(&format!("verified {passed} of {count} presets: all passed"));
        }
        Ok(ExitCode::SUCCESS)
    } else {
        let failed: Vec<&str> = reports
            .iter()
            .filter(|r| !r.passed())
            .map(|r| r.preset.as_str())
            .collect();
        eprintln!(
            "error: {} of {count} presets failed verification: {}",
            count - passed,
            failed.join(", ")
        );
        Ok(ExitCode::FAILURE)
    }
}

/// How progress is shown: a spinner per step on a terminal, plain lines otherwise (on stderr
/// with `--json`, whose stdout carries only the report), and only failures with `--quiet`.
pub(super) struct Progress {
    ui: Ui,
    to_stderr: bool,
    spinner: Option<ProgressBar>,
    terminal: bool,
}

impl Progress {
    pub(super) fn new(ui: Ui, json: bool) -> Self {
        Self {
            ui,
            to_stderr: json,
            spinner: None,
            terminal: !ui.quiet && std::io::stderr().is_terminal(),
        }
    }

    fn line(&self, text: &str) {
        if self.ui.quiet {
            return;
        }
        match &self.spinner {
            Some(spinner) => spinner.suspend(|| self.print(text)),
            None => self.print(text),
        }
    }

    fn print(&self, text: &str) {
        if self.to_stderr {
            eprintln!("{text}");
        } else {
            output::say_line(text);
        }
    }

    pub(super) fn event(&mut self, event: &Event<'_>) {
        match event {
            Event::Note(text) => self.line(text),
            Event::StepStarted { preset, step } => {
                if self.terminal {
                    let spinner = ProgressBar::new_spinner();
                    spinner.set_style(
                        ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                    );
                    spinner.set_message(format!("{preset} {}", step.name()));
                    spinner.enable_steady_tick(Duration::from_millis(120));
                    self.spinner = Some(spinner);
                }
            }
            Event::StepFinished {
                preset,
                report,
                project_dir,
            } => {
                if let Some(spinner) = self.spinner.take() {
                    spinner.finish_and_clear();
                }
                let passed = report.outcome == Outcome::Passed;
                let status = output::status_word(passed);
                self.line(&format!(
                    "{preset:<26} {:<7} {status} {:>7.1}s",
                    report.step.name(),
                    report.seconds
                ));
                if let Outcome::Failed { tail } = &report.outcome {
                    eprintln!(
                        "--- output of `cargo {}` in {} ---\n{tail}\n---",
                        report.step.cargo_args().join(" "),
                        project_dir.display()
                    );
                }
            }
        }
    }

    pub(super) fn finish(&mut self) {
        if let Some(spinner) = self.spinner.take() {
            spinner.finish_and_clear();
        }
    }
}

/// `verify --json`: one object for the whole run.
#[derive(Serialize)]
struct Report<'a> {
    stackgen_version: &'static str,
    templates_version: &'static str,
    passed: bool,
    presets: Vec<PresetEntry<'a>>,
}

#[derive(Serialize)]
struct PresetEntry<'a> {
    preset: &'a str,
    passed: bool,
    steps: Vec<StepEntry<'a>>,
}

#[derive(Serialize)]
pub(super) struct StepEntry<'a> {
    step: &'static str,
    /// `passed`, `failed`, or `skipped` after an earlier failure.
    status: &'static str,
    seconds: f64,
    output_tail: Option<&'a str>,
}

impl<'a> Report<'a> {
    fn of(reports: &'a [PresetReport]) -> Self {
        let presets: Vec<PresetEntry<'a>> = reports
            .iter()
            .map(|report| PresetEntry {
                preset: &report.preset,
                passed: report.passed(),
                steps: step_entries(report),
            })
            .collect();
        Self {
            stackgen_version: env!("CARGO_PKG_VERSION"),
            templates_version: embedded::template_set_version(),
            passed: presets.iter().all(|p| p.passed),
            presets,
        }
    }
}

/// Each step of a report, in order, with `skipped` for those after a failure.
pub(super) fn step_entries(report: &PresetReport) -> Vec<StepEntry<'_>> {
    Step::ALL
        .iter()
        .map(|step| match report.steps.iter().find(|s| s.step == *step) {
            Some(done) => StepEntry {
                step: step.name(),
                status: match done.outcome {
                    Outcome::Passed => "passed",
                    Outcome::Failed { .. } => "failed",
                },
                seconds: (done.seconds * 10.0).round() / 10.0,
                output_tail: match &done.outcome {
                    Outcome::Passed => None,
                    Outcome::Failed { tail } => Some(tail.as_str()),
                },
            },
            None => StepEntry {
                step: step.name(),
                status: "skipped",
                seconds: 0.0,
                output_tail: None,
            },
        })
        .collect()
}
