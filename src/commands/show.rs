use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{PresetChoice, ShowArgs};
use crate::context::Request;
use crate::preset::LoadedPreset;
use crate::project_name::ProjectName;
use crate::{layer, output, render, tree};

/// The name used to draw the file tree a preset generates.
const EXAMPLE_NAME: &str = "my-api";

pub fn run(args: &ShowArgs) -> Result<ExitCode> {
    let loaded = super::load_preset(&PresetChoice {
        preset: args.preset.clone(),
        preset_file: args.preset_file.clone(),
    })?;
    output::data(describe(&loaded)?)?;
    Ok(ExitCode::SUCCESS)
}

/// The full description of a preset, as `stackgen show` prints it.
pub fn describe(loaded: &LoadedPreset) -> Result<String> {
    let p = &loaded.preset;
    let mut out = String::new();
    writeln!(out, "{} — {}", p.name, p.title)?;
    writeln!(out, "{}\n", p.summary)?;
    writeln!(out, "{}\n", p.description.trim_end())?;
    writeln!(out, "Target user: {}", p.target_user)?;
    writeln!(out, "Use cases:")?;
    for case in &p.use_cases {
        writeln!(out, "  - {case}")?;
    }
    writeln!(out, "Database:    {}", p.database)?;
    writeln!(out, "Auth:        {}", p.auth)?;
    let deployment: Vec<String> = p.deployment.iter().map(ToString::to_string).collect();
    writeln!(out, "Deployment:  {}", deployment.join(", "))?;
    writeln!(out, "Layers:      {}", p.layers.join(" → "))?;
    let width = p.layers.iter().map(String::len).max().unwrap_or(0);
    for layer in &p.layers {
        let summary = layer::summary(layer).unwrap_or_default();
        writeln!(out, "  {layer:<width$}  {summary}")?;
    }
    writeln!(out, "\nSettings (override with --set KEY=VALUE):")?;
    if p.settings.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for def in &p.settings {
        writeln!(
            out,
            "  {:<22} {:<18} default {:<8} {}",
            def.key,
            def.accepted(),
            def.default.to_string(),
            def.description
        )?;
    }
    let name = ProjectName::parse(EXAMPLE_NAME)?;
    let rendered = render::render(&Request::new(name, loaded.clone(), &[])?)?;
    writeln!(
        out,
        "\nFiles ({} files, {} bytes):",
        rendered.len(),
        rendered.total_bytes()
    )?;
    out.push_str(&tree::draw(
        EXAMPLE_NAME,
        rendered.files().map(|(path, _)| path),
    ));
    Ok(out)
}
