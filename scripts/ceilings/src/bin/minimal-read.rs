//! The least a server on the generated projects' stack can do for a read of one row by primary
//! key: axum on tokio's multi-threaded runtime and a sqlx pool configured as the generated
//! projects configure theirs (10 connections, no ping before each acquire), one route running
//! one prepared statement against pgbench's `pgbench_accounts`, no middleware, no logging and
//! no authentication. The generated servers' signed-in reads are measured against it, and it
//! against pgbench's select-only script on the same cluster: what the gap between them owes to
//! the HTTP layer and the pool rather than to the application.
//!
//! ```sh
//! minimal-read 127.0.0.1:8098 postgres://postgres@127.0.0.1:5432/pgbench
//! curl http://127.0.0.1:8098/accounts/1
//! ```

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Json, Router, routing::get};
use serde::Serialize;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

#[derive(Serialize)]
struct Account {
    aid: i32,
    bid: i32,
    abalance: i32,
    filler: String,
}

async fn account(
    State(pool): State<PgPool>,
    Path(aid): Path<i32>,
) -> Result<Json<Account>, StatusCode> {
    let row: Option<(i32, i32, i32, String)> = sqlx::query_as(
        "SELECT aid, bid, abalance, filler FROM pgbench_accounts WHERE aid = $1",
    )
    .bind(aid)
    .fetch_optional(&pool)
    .await
    .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?;
    let (aid, bid, abalance, filler) = row.ok_or(StatusCode::NOT_FOUND)?;
    Ok(Json(Account {
        aid,
        bid,
        abalance,
        filler,
    }))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: minimal-read 127.0.0.1:PORT postgres://…/pgbench";
    let address = args.next().ok_or(usage)?;
    let database_url = args.next().ok_or(usage)?;
    if !address.starts_with("127.0.0.1:") {
        return Err(format!("`{address}` is not a 127.0.0.1 address").into());
    }
    let pool = PgPoolOptions::new()
        .max_connections(10)
        .test_before_acquire(false)
        .connect(&database_url)
        .await?;
    let listener = tokio::net::TcpListener::bind(&address).await?;
    let router = Router::new()
        .route("/accounts/{aid}", get(account))
        .with_state(pool);
    axum::serve(listener, router).await?;
    Ok(())
}
