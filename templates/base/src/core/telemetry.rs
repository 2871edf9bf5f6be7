//! Structured logging through `tracing`, as JSON lines (production) or pretty text (local).

use anyhow::Context;
use tracing_subscriber::EnvFilter;

use crate::core::config::{LogConfig, LogFormat};

/// Installs the global subscriber. Call it once, before anything logs.
pub fn init(config: &LogConfig) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(&config.filter)
        .with_context(|| format!("RUST_LOG={:?} is not a valid filter", config.filter))?;
    let subscriber = tracing_subscriber::fmt().with_env_filter(filter);
    let installed = match config.format {
        LogFormat::Json => subscriber.json().with_span_list(false).try_init(),
        LogFormat::Pretty => subscriber.pretty().try_init(),
    };
    installed
        .map_err(anyhow::Error::from_boxed)
        .context("failed to install the tracing subscriber")
}
