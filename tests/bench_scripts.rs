//! The benchmark scripts' own logic: `scripts/lib/profile_breakdown.py`, which splits a
//! server's sampled CPU into the parts of a request for `scripts/bench-serve --profile`.

use std::path::Path;
use std::process::{Command, Output};

/// Frames as perf names them: every layer of the stack carries the whole service type in its
/// generic arguments, so a hyper frame names axum, and tower-http's trace future encloses the
/// handler.
const HYPER_WRITE: &str = "tokio::runtime::task::harness::Harness<T,S>::poll;\
hyper::proto::h1::dispatch::Dispatcher<hyper::proto::h1::dispatch::Server<hyper_util::service::glue::TowerToHyperService<axum::routing::Router>>>::poll_write;\
<tokio::net::tcp::stream::TcpStream as tokio::io::async_write::AsyncWrite>::poll_write_vectored;\
do_syscall_64_[k];tcp_sendmsg_[k]";
const SQLX_READ_IN_TRACE: &str = "tokio::runtime::task::harness::Harness<T,S>::poll;\
<tower_http::trace::future::ResponseFuture<F,C,OnResponseT,OnBodyChunkT,OnEosT,OnFailureT> as core::future::future::Future>::poll;\
<F as axum::handler::Handler<(M,T1),S>>::call::{{closure}};\
sqlx_core::pool::executor::<impl sqlx_core::executor::Executor for &sqlx_core::pool::Pool<DB>>::fetch_optional::{{closure}};\
__recv_[k]";
const LOG_LINE: &str = "tokio::runtime::task::harness::Harness<T,S>::poll;\
<tower_http::trace::on_response::DefaultOnResponse as tower_http::trace::on_response::OnResponse<B>>::on_response;\
<tracing_subscriber::fmt::Subscriber<N,E,F,W> as tracing_core::subscriber::Subscriber>::event;\
malloc";
const TOKEN_CHECK: &str = "tokio::runtime::task::harness::Harness<T,S>::poll;\
<F as axum::handler::Handler<(M,T1),S>>::call::{{closure}};\
app::core::security::access_token::AccessTokens::verify;\
aws_lc_0_47_0_sha256_block_data_order_hw";
const PARKING: &str = "tokio::runtime::scheduler::multi_thread::worker::Context::park;\
epoll_wait_[k]";

/// Runs the script on folded stacks written from `stacks`, `stack count` a line.
fn run_script(stacks: &[(&str, u64)]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let folded = dir.path().join("server.folded");
    let lines: String = stacks
        .iter()
        .map(|(stack, count)| format!("{stack} {count}\n"))
        .collect();
    std::fs::write(&folded, lines).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/lib/profile_breakdown.py");
    Command::new("python3")
        .arg(&script)
        .arg(&folded)
        .arg("preset")
        .output()
        .expect("python3 runs")
}

fn breakdown(stacks: &[(&str, u64)]) -> String {
    let output = run_script(stacks);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn share(table: &str, part: &str) -> Option<String> {
    table
        .lines()
        .find(|line| line.starts_with(&format!("| {part}")))
        .map(|line| line.split('|').nth(2).unwrap().trim().to_owned())
}

#[test]
fn each_sample_goes_to_the_part_that_did_the_work_not_to_the_layers_named_in_its_types() {
    let table = breakdown(&[
        (HYPER_WRITE, 40),
        (SQLX_READ_IN_TRACE, 30),
        (LOG_LINE, 15),
        (TOKEN_CHECK, 10),
        (PARKING, 5),
    ]);
    for (part, expected) in [
        ("HTTP/1", "40.0 %"),
        ("database client", "30.0 %"),
        ("request log", "15.0 %"),
        ("token check", "10.0 %"),
        ("async runtime", "5.0 %"),
    ] {
        assert_eq!(share(&table, part).as_deref(), Some(expected), "{table}");
    }
    assert_eq!(share(&table, "handler, routing"), None, "{table}");
}

#[test]
fn the_kernel_column_counts_samples_whose_leaf_is_a_kernel_frame() {
    let table = breakdown(&[(HYPER_WRITE, 3), (LOG_LINE, 1)]);
    let all = table
        .lines()
        .find(|line| line.starts_with("| all"))
        .unwrap();
    assert!(all.ends_with("| 75.0 % |"), "{table}");
}

#[test]
fn a_file_without_samples_is_refused() {
    let output = run_script(&[]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no samples"));
}
