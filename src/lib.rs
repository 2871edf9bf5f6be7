//! stackgen: presets → context → rendered tree → disk, CLAUDE.md, or a verified build.
//!
//! The pipeline reads top to bottom in the module list: a [`preset`] and a [`project_name`]
//! make a [`context::Request`], each [`layer`]'s manifest is merged by [`composition`], [`render`] turns it into an in-memory tree, and a sink
//! ([`write`], [`verify`], or printing) consumes it.

pub mod cli;
pub mod commands;
pub mod composition;
pub mod context;
pub mod drift;
pub mod embedded;
pub mod failure_excerpt;
pub mod git;
mod key_by_key;
pub mod layer;
pub mod lockfile;
pub mod manifest;
pub mod merge;
pub mod output;
pub mod preconditions;
pub mod preset;
pub mod pristine;
pub mod project_name;
pub mod prompt;
pub mod render;
pub mod settings;
pub mod suggest;
pub mod throwaway_postgres;
pub mod tree;
pub mod update;
pub mod vcs;
pub mod verify;
pub mod wizard;
pub mod write;
