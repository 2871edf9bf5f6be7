//! stackgen's integration tests: one binary, so it links once.

mod support;

mod bench_scripts;
mod claude_md;
mod deployment_files;
mod diff;
mod end_to_end;
mod end_to_end_guide;
mod fuzzing;
mod generated_contracts;
mod layers;
mod list_and_show;
mod new;
mod output;
mod preset_files;
mod public_surface;
mod rendering;
mod snapshots;
mod terminal;
mod update;
mod verify;
mod wizard;
