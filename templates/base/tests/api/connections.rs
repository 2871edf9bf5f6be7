//! Connections are cut off: a half-sent request head after the header-read timeout, and
//! whatever is still open when a stopping server's shutdown timeout ends.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{TestApp, spawn_app_with, spawn_stoppable_app};

/// Far longer than any timeout configured below: a connection still open then was never cut.
const PATIENCE: Duration = Duration::from_secs(20);

/// A connection that has sent the start of a request head and then nothing more.
async fn half_a_request(app: &TestApp) -> TcpStream {
    let address = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address)
        .await
        .expect("the server accepts");
    stream
        .write_all(b"GET /health/live HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .expect("the server reads");
    stream
}

/// Waits until the server closes `stream` (whatever it says first), or fails.
async fn assert_closed_by_the_server(mut stream: TcpStream) {
    let mut buffer = [0u8; 1024];
    let closed = tokio::time::timeout(PATIENCE, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => continue,
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the server left the connection open");
}

#[tokio::test]
async fn a_half_sent_request_head_is_cut_off_after_the_header_read_timeout() {
    let app = spawn_app_with(|config| {
        config.server.header_read_timeout = Duration::from_secs(1);
    })
    .await;

    let stream = half_a_request(&app).await;

    assert_closed_by_the_server(stream).await;
}

#[tokio::test]
async fn shutdown_ends_within_its_timeout_whatever_connections_stay_open() {
    let (app, stop, server) = spawn_stoppable_app(|config| {
        config.server.header_read_timeout = Duration::from_secs(3600);
        config.server.shutdown_timeout = Duration::from_secs(1);
    })
    .await;
    let stuck = half_a_request(&app).await;
    // A keep-alive connection that has finished a request and sits idle.
    let idle = reqwest::Client::new();
    idle.get(app.url("/health/live")).send().await.unwrap();

    stop.send(()).expect("the server is running");

    let stopped = tokio::time::timeout(PATIENCE, server).await;
    assert!(stopped.is_ok(), "the server was still running");
    assert_closed_by_the_server(stuck).await;
}

#[tokio::test]
async fn connections_beyond_the_cap_are_closed_at_once() {
    let app = spawn_app_with(|config| config.server.max_connections = 1).await;
    let _holding = half_a_request(&app).await;
    // Give the server a moment to accept the first connection.
    tokio::time::sleep(Duration::from_millis(100)).await;

    let second = half_a_request(&app).await;

    assert_closed_by_the_server(second).await;
}
