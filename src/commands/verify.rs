use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::cli::VerifyArgs;
use crate::preset;
use crate::verify::{self, Options};

pub fn run(args: VerifyArgs) -> Result<ExitCode> {
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
    let reports = verify::run(options, &mut |line| println!("{line}"))?;
    let passed = reports.iter().filter(|r| r.passed()).count();
    if passed == count {
        println!("verified {passed} of {count} presets: all passed");
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
