use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::cli::NewArgs;
use crate::context::Request;
use crate::preset::Database;
use crate::project_name::ProjectName;
use crate::render;
use crate::write::{self, Change, Plan};

pub fn run(args: NewArgs) -> Result<ExitCode> {
    let name = ProjectName::parse(&args.name).context("invalid project name")?;
    let preset = super::load_preset(&args.preset)?;
    let request = Request::new(name, preset, &args.set)?;
    let rendered = render::render(&request)?;
    let target = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(request.name.as_str()));

    if args.dry_run {
        let plan = write::plan(&rendered, &target, args.force)?;
        print!("{}", dry_run_listing(&plan));
        return Ok(ExitCode::SUCCESS);
    }
    let plan = write::write(&rendered, &target, args.force)?;
    let preset = &request.preset.preset;
    println!(
        "Created {} from preset {} ({} files) in {}",
        request.name,
        preset.name,
        plan.files.len(),
        target.display()
    );
    let overwritten: Vec<&str> = plan.overwritten().collect();
    if !overwritten.is_empty() {
        println!("Overwrote {} existing files:", overwritten.len());
        for path in overwritten {
            println!("  {path}");
        }
    }
    print!("{}", next_steps(&target, &request));
    Ok(ExitCode::SUCCESS)
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

fn next_steps(target: &std::path::Path, request: &Request) -> String {
    let context = request.context();
    let local = &context.local_database;
    let port = request
        .settings
        .iter()
        .find(|(key, _)| *key == "http_port")
        .map(|(_, value)| value.to_string())
        .unwrap_or_else(|| "8080".into());
    let server = match request.preset.preset.database {
        Database::Postgres => "PostgreSQL 15",
        Database::Cockroachdb => "one insecure CockroachDB node, local only",
    };
    format!(
        "\nNext steps:\n  cd {dir}\n  docker compose up -d db        # {server}, on localhost:{db_port}\n  DATABASE_URL='{admin_url}' cargo test\n  docker compose up --build      # the service; then open http://localhost:{port}/docs\n",
        dir = target.display(),
        db_port = local.port,
        admin_url = local.admin_url,
    )
}
