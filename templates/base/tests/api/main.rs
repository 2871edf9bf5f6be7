//! Integration tests: each test starts the real server on 127.0.0.1 with its own database and
//! talks to it over HTTP. One test binary, so everything links once.

mod claude_md;
mod cors;
mod docs;
mod errors;
mod health;
mod helpers;
mod migrations;
mod request_id;
