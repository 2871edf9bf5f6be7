//! `stackgen new` on a terminal without a name or a preset: the questions, in order, and the
//! command line that produces the same project without them.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::context::Request;
use crate::preset::{LoadedPreset, Origin};
use crate::project_name::ProjectName;
use crate::prompt::{Prompter, QuestionId};
use crate::settings::{Override, SettingDef, SettingType, Settings};

/// What the command line already said; the wizard asks only for the rest.
#[derive(Debug, Clone, Default)]
pub struct Given {
    pub name: Option<ProjectName>,
    pub preset: Option<LoadedPreset>,
    pub overrides: Vec<Override>,
    pub dir: Option<PathBuf>,
    pub force: bool,
}

/// A complete request, as the wizard's answers and the flags together make it.
#[derive(Debug, Clone)]
pub struct Answers {
    pub request: Request,
    /// Every setting that differs from its default, in the preset's order.
    pub overrides: Vec<Override>,
    pub dir: PathBuf,
    pub force: bool,
}

#[derive(Debug)]
pub enum Outcome {
    Generate(Box<Answers>),
    /// The person said no at the summary.
    Declined,
}

/// Asks every question the flags left open, shows a summary and asks for confirmation.
pub fn run(prompter: &mut dyn Prompter, given: Given, presets: &[LoadedPreset]) -> Result<Outcome> {
    let name = match given.name {
        Some(name) => name,
        None => ask_name(prompter)?,
    };
    let preset = match given.preset {
        Some(preset) => preset,
        None => ask_preset(prompter, presets)?,
    };
    Settings::resolve(
        &preset.preset.name,
        &preset.preset.settings,
        &given.overrides,
    )?;
    let mut answered = Vec::new();
    for def in &preset.preset.settings {
        if given.overrides.iter().any(|o| o.key == def.key) {
            continue;
        }
        let value = ask_setting(prompter, def)?;
        if value != def.default.to_string() {
            answered.push(Override {
                key: def.key.clone(),
                value,
            });
        }
    }
    let dir = match given.dir {
        Some(dir) => dir,
        None => ask_directory(prompter, &name, given.force)?,
    };
    let overrides = in_preset_order(&preset.preset.settings, given.overrides, answered);
    let request = Request::new(name, preset, &overrides)?;
    let answers = Answers {
        request,
        overrides,
        dir,
        force: given.force,
    };
    prompter.show(&summary(&answers))?;
    if prompter.confirm(&QuestionId::Confirm, "Generate the project?", true)? {
        Ok(Outcome::Generate(Box::new(answers)))
    } else {
        Ok(Outcome::Declined)
    }
}

fn ask_name(prompter: &mut dyn Prompter) -> Result<ProjectName> {
    let check = |text: &str| {
        ProjectName::parse(text)
            .map(drop)
            .map_err(|err| err.to_string())
    };
    let text = prompter.text(&QuestionId::Name, "Project name", None, &check)?;
    Ok(ProjectName::parse(&text)?)
}

fn ask_preset(prompter: &mut dyn Prompter, presets: &[LoadedPreset]) -> Result<LoadedPreset> {
    let width = presets
        .iter()
        .map(|p| p.preset.name.len())
        .max()
        .unwrap_or(0);
    let items: Vec<String> = presets
        .iter()
        .map(|p| format!("{:<width$}  {}", p.preset.name, p.preset.summary))
        .collect();
    let index = prompter.select(&QuestionId::Preset, "Preset", &items, 0)?;
    presets
        .get(index)
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("there is no preset number {index}"))
}

/// The setting's value as `--set` would spell it.
fn ask_setting(prompter: &mut dyn Prompter, def: &SettingDef) -> Result<String> {
    let id = QuestionId::Setting(def.key.clone());
    let prompt = format!("{}: {}", def.key, def.description);
    let default = def.default.to_string();
    let value = match def.kind {
        SettingType::Boolean => {
            let current = default == "true";
            prompter.confirm(&id, &prompt, current)?.to_string()
        }
        SettingType::Choice => {
            let at = def.choices.iter().position(|c| *c == default).unwrap_or(0);
            let index = prompter.select(&id, &prompt, &def.choices, at)?;
            def.choices
                .get(index)
                .cloned()
                .ok_or_else(|| anyhow::anyhow!("`{}` has no choice number {index}", def.key))?
        }
        SettingType::Integer | SettingType::String => {
            let check = |text: &str| def.parse_value(text).map(drop);
            prompter.text(&id, &prompt, Some(&default), &check)?
        }
    };
    Ok(value)
}

fn ask_directory(prompter: &mut dyn Prompter, name: &ProjectName, force: bool) -> Result<PathBuf> {
    let check = |text: &str| usable_target(Path::new(text), force);
    let text = prompter.text(
        &QuestionId::Directory,
        "Directory",
        Some(name.as_str()),
        &check,
    )?;
    Ok(PathBuf::from(text))
}

/// The same refusals `new` makes when writing, said while the person can still choose again.
fn usable_target(path: &Path, force: bool) -> Result<(), String> {
    if path.as_os_str().is_empty() {
        return Err("enter a directory".into());
    }
    if path.is_file() {
        return Err(format!("{} is a file", path.display()));
    }
    let occupied = std::fs::read_dir(path).is_ok_and(|mut entries| entries.next().is_some());
    if occupied && !force {
        return Err(format!(
            "{} is not empty: choose another directory, or run again with --force",
            path.display()
        ));
    }
    Ok(())
}

fn in_preset_order(
    defs: &[SettingDef],
    given: Vec<Override>,
    answered: Vec<Override>,
) -> Vec<Override> {
    let mut all: Vec<Override> = given.into_iter().chain(answered).collect();
    all.sort_by_key(|o| defs.iter().position(|def| def.key == o.key));
    all
}

fn summary(answers: &Answers) -> String {
    let request = &answers.request;
    let preset = &request.preset.preset;
    let mut out = format!(
        "\n  Project    {}\n  Preset     {} ({})\n",
        request.name, preset.name, preset.title
    );
    for (index, (key, value)) in request.settings.iter().enumerate() {
        let label = if index == 0 { "Settings" } else { "" };
        out.push_str(&format!("  {label:<10} {key} = {value}\n"));
    }
    out.push_str(&format!("  Directory  {}\n\n", answers.dir.display()));
    out
}

/// The arguments of `stackgen` that produce the same project without questions.
pub fn equivalent_args(answers: &Answers) -> Vec<String> {
    let request = &answers.request;
    let mut args = vec!["new".to_string(), request.name.to_string()];
    match &request.preset.origin {
        Origin::Embedded => {
            args.push("--preset".into());
            args.push(request.preset.preset.name.clone());
        }
        Origin::File { path, .. } => {
            args.push("--preset-file".into());
            args.push(path.display().to_string());
        }
    }
    if answers.dir != Path::new(request.name.as_str()) {
        args.push("--dir".into());
        args.push(answers.dir.display().to_string());
    }
    for Override { key, value } in &answers.overrides {
        args.push("--set".into());
        args.push(format!("{key}={value}"));
    }
    if answers.force {
        args.push("--force".into());
    }
    args
}

/// `args` as one line a POSIX shell reads back into the same words.
pub fn command_line(args: &[String]) -> String {
    let mut line = String::from("stackgen");
    for arg in args {
        line.push(' ');
        line.push_str(&shell_quote(arg));
    }
    line
}

fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@+%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_a_shell_would_split_are_quoted() {
        assert_eq!(shell_quote("my-api"), "my-api");
        assert_eq!(shell_quote("http_port=3000"), "http_port=3000");
        assert_eq!(shell_quote("my dir"), "'my dir'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("$HOME"), "'$HOME'");
    }

    #[test]
    fn overrides_follow_the_preset_order() {
        let def = |key: &str| SettingDef {
            key: key.into(),
            description: String::new(),
            kind: SettingType::Integer,
            default: crate::settings::SettingValue::Integer(1),
            min: None,
            max: None,
            choices: Vec::new(),
        };
        let set = |key: &str| Override {
            key: key.into(),
            value: "2".into(),
        };
        let ordered = in_preset_order(
            &[def("a"), def("b"), def("c")],
            vec![set("c")],
            vec![set("a")],
        );
        let keys: Vec<&str> = ordered.iter().map(|o| o.key.as_str()).collect();
        assert_eq!(keys, ["a", "c"]);
    }
}
