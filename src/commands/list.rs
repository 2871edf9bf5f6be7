use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;

use crate::cli::ListArgs;
use crate::output;
use crate::preset::{self, Auth, Database, Deployment};

#[derive(Serialize)]
struct Entry<'a> {
    name: &'a str,
    title: &'a str,
    summary: &'a str,
    database: Database,
    auth: Auth,
    deployment: &'a [Deployment],
}

pub fn run(args: &ListArgs) -> Result<ExitCode> {
    let presets = preset::all_embedded()?;
    if args.json {
        let entries: Vec<Entry> = presets
            .iter()
            .map(|loaded| {
                let p = &loaded.preset;
                Entry {
                    name: &p.name,
                    title: &p.title,
                    summary: &p.summary,
                    database: p.database,
                    auth: p.auth,
                    deployment: &p.deployment,
                }
            })
            .collect();
        output::json(&entries)?;
        return Ok(ExitCode::SUCCESS);
    }
    let width = presets
        .iter()
        .map(|l| l.preset.name.len())
        .max()
        .unwrap_or(0);
    let mut listing = String::new();
    for loaded in &presets {
        let p = &loaded.preset;
        listing.push_str(&format!("{:<width$}  {}\n", p.name, p.summary));
    }
    output::data(listing)?;
    Ok(ExitCode::SUCCESS)
}
