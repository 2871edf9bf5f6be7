//! The least a server on the generated projects' stack can do for `GET /health/live`: axum on
//! tokio's multi-threaded runtime, one route answering `{"status":"ok"}`, nothing else. The
//! generated server's liveness check is measured against it.
//!
//! ```sh
//! minimal-health 127.0.0.1:8099
//! ```

use axum::{Json, Router, routing::get};
use serde::Serialize;

#[derive(Serialize)]
struct Status {
    status: &'static str,
}

async fn live() -> Json<Status> {
    Json(Status { status: "ok" })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let address = std::env::args()
        .nth(1)
        .ok_or("usage: minimal-health 127.0.0.1:PORT")?;
    if !address.starts_with("127.0.0.1:") {
        return Err(format!("`{address}` is not a 127.0.0.1 address").into());
    }
    let listener = tokio::net::TcpListener::bind(&address).await?;
    axum::serve(listener, Router::new().route("/health/live", get(live))).await?;
    Ok(())
}
