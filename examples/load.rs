//! A small HTTP/1.1 load generator, used by `scripts/bench-serve` to measure generated servers.
//!
//! It keeps `--connections` keep-alive connections to one URL busy with GET requests (POST
//! requests with `--body`, for logins) until
//! `--requests` have been answered or `--seconds` have passed, whichever comes first, then
//! prints the throughput and latency percentiles. Only loopback URLs are accepted: it measures
//! a server on this machine and must never load anyone else's.
//!
//! Exit status: 0 when every measured request got a 2xx answer, 1 when some did not, 2 when the
//! arguments were wrong or the warm-up failed.
//!
//! ```sh
//! cargo run --release --example load -- --url http://127.0.0.1:8080/health/live \
//!     --header 'Authorization: Bearer …' --requests 20000 --seconds 10 --connections 32
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use serde::Serialize;

/// How long one request may wait for its answer before it counts as failed.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Parser)]
#[command(about = "Load one loopback URL with GET requests; bounded by count and time")]
struct Args {
    /// The URL to GET, on 127.0.0.1, localhost or [::1].
    #[arg(long)]
    url: String,
    /// A request header, `Name: value`; repeat for more.
    #[arg(long = "header")]
    headers: Vec<String>,
    /// Count answers with this status as shed load (a designed refusal such as 503 with
    /// Retry-After), not as failures.
    #[arg(long)]
    shed_status: Option<u16>,
    /// Send POST requests with this body instead of GET (set its Content-Type with --header).
    #[arg(long)]
    body: Option<String>,
    /// Stop after this many measured requests.
    #[arg(long, default_value_t = 20_000)]
    requests: u64,
    /// Stop after this many seconds even if requests remain.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Concurrent keep-alive connections, one thread each.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=1024))]
    connections: u32,
    /// Unmeasured requests sent first, to open connections and warm caches.
    #[arg(long, default_value_t = 500)]
    warmup: u64,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// Where to send requests, taken apart from a loopback URL.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    /// `host:port`, as connected to and sent in the `Host` header.
    authority: String,
    path: String,
}

impl Target {
    fn parse(url: &str) -> Result<Self> {
        let Some(rest) = url.strip_prefix("http://") else {
            bail!(
                "`{url}` is not an http:// URL (TLS is not supported; measure the server directly)"
            );
        };
        let (authority, path) = match rest.find('/') {
            Some(slash) => (&rest[..slash], &rest[slash..]),
            None => (rest, "/"),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) if !port.contains(']') => (host, port),
            _ => (authority, "80"),
        };
        if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
            bail!(
                "`{host}` is not this machine: the load generator only targets 127.0.0.1, localhost or [::1]"
            );
        }
        let port: u16 = port
            .parse()
            .with_context(|| format!("`{port}` in `{url}` is not a port number"))?;
        Ok(Self {
            authority: format!("{host}:{port}"),
            path: path.to_string(),
        })
    }

    /// The bytes of one request: a GET, or a POST of `body`.
    fn request(&self, headers: &[String], body: Option<&str>) -> Result<Vec<u8>> {
        let method = if body.is_some() { "POST" } else { "GET" };
        let mut request = format!(
            "{method} {} HTTP/1.1\r\nHost: {}\r\n",
            self.path, self.authority
        );
        for header in headers {
            if !header.contains(':') || header.contains(['\r', '\n']) {
                bail!("`{header}` is not a header; write it as `Name: value`");
            }
            request.push_str(header);
            request.push_str("\r\n");
        }
        if let Some(body) = body {
            request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        } else {
            request.push_str("\r\n");
        }
        Ok(request.into_bytes())
    }
}

/// What one response said, once its body has been read to the end.
#[derive(Debug, PartialEq, Eq)]
struct Response {
    status: u16,
    /// Whether the server keeps the connection open for the next request.
    keep_alive: bool,
}

/// Reads one response, body included, so the connection is ready for the next request.
fn read_response(reader: &mut impl BufRead) -> Result<Response> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        bail!("the server closed the connection");
    }
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .with_context(|| format!("not an HTTP status line: {line:?}"))?;
    let mut keep_alive = line.starts_with("HTTP/1.1");
    let mut length = None;
    let mut chunked = false;
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            bail!("the connection closed inside the response headers");
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else {
            bail!("not a header line: {header:?}");
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(value.parse::<u64>().context("a bad Content-Length")?);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.eq_ignore_ascii_case("chunked");
        } else if name.eq_ignore_ascii_case("connection") {
            keep_alive = value.eq_ignore_ascii_case("keep-alive");
        }
    }
    if chunked {
        skip_chunked_body(reader)?;
    } else if let Some(length) = length {
        let copied = std::io::copy(&mut reader.take(length), &mut std::io::sink())?;
        if copied != length {
            bail!("the connection closed inside the response body");
        }
    } else {
        std::io::copy(reader, &mut std::io::sink())?;
        keep_alive = false;
    }
    Ok(Response { status, keep_alive })
}

fn skip_chunked_body(reader: &mut impl BufRead) -> Result<()> {
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let size = line.trim_end().split(';').next().unwrap_or_default();
        let size =
            u64::from_str_radix(size, 16).with_context(|| format!("not a chunk size: {line:?}"))?;
        // The chunk and its closing CRLF; the last chunk is followed by the final CRLF.
        let copied = std::io::copy(&mut reader.take(size + 2), &mut std::io::sink())?;
        if copied != size + 2 {
            bail!("the connection closed inside a chunk");
        }
        if size == 0 {
            return Ok(());
        }
    }
}

/// A keep-alive connection that reconnects when the server closes it.
struct Connection {
    target: Target,
    timeout: Duration,
    stream: Option<(TcpStream, BufReader<TcpStream>)>,
}

impl Connection {
    fn new(target: Target, timeout: Duration) -> Self {
        Self {
            target,
            timeout,
            stream: None,
        }
    }

    fn connect(&self) -> Result<(TcpStream, BufReader<TcpStream>)> {
        let stream = TcpStream::connect(&self.target.authority)
            .with_context(|| format!("cannot connect to {}", self.target.authority))?;
        stream.set_nodelay(true)?;
        // A server that stops answering must not keep the run going past its time limit.
        stream.set_read_timeout(Some(self.timeout))?;
        stream.set_write_timeout(Some(self.timeout))?;
        let reader = BufReader::new(stream.try_clone()?);
        Ok((stream, reader))
    }

    fn get(&mut self, request: &[u8]) -> Result<u16> {
        let open = match self.stream.take() {
            Some(open) => open,
            None => self.connect()?,
        };
        let (stream, reader) = self.stream.insert(open);
        let answered = stream
            .write_all(request)
            .map_err(anyhow::Error::from)
            .and_then(|()| read_response(reader));
        match answered {
            Ok(response) => {
                if !response.keep_alive {
                    self.stream = None;
                }
                Ok(response.status)
            }
            Err(err) => {
                self.stream = None;
                Err(err)
            }
        }
    }
}

/// What one connection's thread measured.
#[derive(Debug, Default)]
struct Tally {
    latencies_us: Vec<u64>,
    /// Answers with the plan's shed status.
    shed: u64,
    failures: u64,
    first_failure: Option<String>,
}

#[derive(Debug, Serialize)]
struct Report {
    url: String,
    connections: u32,
    requests: u64,
    /// Answers with `--shed-status`, counted apart from successes and failures.
    shed: u64,
    failures: u64,
    first_failure: Option<String>,
    seconds: f64,
    requests_per_second: f64,
    latency_ms: Percentiles,
}

#[derive(Debug, Serialize, PartialEq)]
struct Percentiles {
    p50: f64,
    p90: f64,
    p99: f64,
    max: f64,
}

impl Percentiles {
    /// From latencies in microseconds, sorted ascending.
    fn of_sorted(sorted_us: &[u64]) -> Self {
        let at = |quantile: f64| {
            if sorted_us.is_empty() {
                return 0.0;
            }
            let rank = (quantile * sorted_us.len() as f64).ceil() as usize;
            sorted_us[rank.clamp(1, sorted_us.len()) - 1] as f64 / 1000.0
        };
        Self {
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
            max: at(1.0),
        }
    }
}

/// How many requests to send, over how many connections, and until when at the latest.
#[derive(Debug, Clone, Copy)]
struct Plan {
    connections: u32,
    total: u64,
    deadline: Instant,
    timeout: Duration,
    shed_status: Option<u16>,
}

/// Sends the plan's requests over its connections, one thread each, stopping early at its
/// deadline.
fn run(target: &Target, request: &[u8], plan: Plan) -> Vec<Tally> {
    let Plan {
        connections,
        total,
        deadline,
        timeout,
        shed_status,
    } = plan;
    let claimed = AtomicU64::new(0);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..connections)
            .map(|_| {
                let claimed = &claimed;
                let mut connection = Connection::new(target.clone(), timeout);
                scope.spawn(move || {
                    let mut tally = Tally::default();
                    while claimed.fetch_add(1, Ordering::Relaxed) < total
                        && Instant::now() < deadline
                    {
                        let started = Instant::now();
                        let outcome = connection.get(request);
                        let elapsed = started.elapsed().as_micros() as u64;
                        match outcome {
                            Ok(status) if (200..300).contains(&status) => {
                                tally.latencies_us.push(elapsed);
                            }
                            Ok(status) if Some(status) == shed_status => tally.shed += 1,
                            other => {
                                tally.failures += 1;
                                tally.first_failure.get_or_insert_with(|| match other {
                                    Ok(status) => format!("HTTP {status}"),
                                    Err(err) => format!("{err:#}"),
                                });
                            }
                        }
                    }
                    tally
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().unwrap_or_default())
            .collect()
    })
}

fn main() {
    match measure(Args::parse()) {
        Ok(report) if report.failures == 0 => {}
        Ok(_) => std::process::exit(1),
        Err(err) => {
            eprintln!("load: {err:#}");
            std::process::exit(2);
        }
    }
}

/// Warms up, measures, prints the report and returns it.
fn measure(args: Args) -> Result<Report> {
    let target = Target::parse(&args.url)?;
    let request = target.request(&args.headers, args.body.as_deref())?;
    let plan = |total, deadline| Plan {
        connections: args.connections,
        total,
        deadline,
        timeout: RESPONSE_TIMEOUT,
        shed_status: args.shed_status,
    };
    let far = Instant::now() + Duration::from_secs(args.seconds);
    let warmup = run(&target, &request, plan(args.warmup, far));
    if let Some(failure) = warmup.iter().find_map(|t| t.first_failure.clone()) {
        bail!("the warm-up requests failed: {failure}");
    }

    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let tallies = run(&target, &request, plan(args.requests, deadline));
    let seconds = started.elapsed().as_secs_f64();
    let failures = tallies.iter().map(|t| t.failures).sum();
    let shed = tallies.iter().map(|t| t.shed).sum();
    let first_failure = tallies.iter().find_map(|t| t.first_failure.clone());
    let mut latencies: Vec<u64> = tallies.into_iter().flat_map(|t| t.latencies_us).collect();
    latencies.sort_unstable();
    let report = Report {
        url: args.url,
        connections: args.connections,
        requests: latencies.len() as u64,
        shed,
        failures,
        first_failure,
        seconds,
        requests_per_second: latencies.len() as f64 / seconds,
        latency_ms: Percentiles::of_sorted(&latencies),
    };
    print_report(&report, args.json)?;
    Ok(report)
}

fn print_report(report: &Report, json: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer(&mut out, report)?;
        writeln!(out)?;
        return Ok(());
    }
    let l = &report.latency_ms;
    writeln!(
        out,
        "{} over {} connections",
        report.url, report.connections
    )?;
    writeln!(
        out,
        "{} requests in {:.2} s: {:.0} per second, {} shed, {} failed{}",
        report.requests,
        report.seconds,
        report.requests_per_second,
        report.shed,
        report.failures,
        report
            .first_failure
            .as_ref()
            .map(|f| format!(" (first: {f})"))
            .unwrap_or_default()
    )?;
    writeln!(
        out,
        "latency ms: p50 {:.2}  p90 {:.2}  p99 {:.2}  max {:.2}",
        l.p50, l.p90, l.p99, l.max
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_urls_are_taken_apart_and_others_refused() {
        let target = Target::parse("http://127.0.0.1:8080/api/items/1?x=y").unwrap();
        assert_eq!(target.authority, "127.0.0.1:8080");
        assert_eq!(target.path, "/api/items/1?x=y");
        assert_eq!(Target::parse("http://localhost").unwrap().path, "/");
        assert_eq!(
            Target::parse("http://[::1]:9000/").unwrap().authority,
            "[::1]:9000"
        );
        for url in [
            "http://example.com/",
            "http://10.0.0.1:80/",
            "https://127.0.0.1/",
            "http://127.0.0.1:http/",
        ] {
            assert!(Target::parse(url).is_err(), "{url}");
        }
    }

    #[test]
    fn a_body_makes_a_post_with_its_length() {
        let target = Target::parse("http://127.0.0.1:1/login").unwrap();
        let request = target
            .request(
                &["Content-Type: application/json".into()],
                Some(r#"{"a":"é"}"#),
            )
            .unwrap();
        assert_eq!(
            String::from_utf8(request).unwrap(),
            "POST /login HTTP/1.1\r\nHost: 127.0.0.1:1\r\nContent-Type: application/json\r\n\
             Content-Length: 10\r\n\r\n{\"a\":\"é\"}"
        );
    }

    #[test]
    fn headers_are_added_and_malformed_ones_refused() {
        let target = Target::parse("http://127.0.0.1:1/x").unwrap();
        let request = target
            .request(&["Authorization: Bearer t".into()], None)
            .unwrap();
        assert_eq!(
            String::from_utf8(request).unwrap(),
            "GET /x HTTP/1.1\r\nHost: 127.0.0.1:1\r\nAuthorization: Bearer t\r\n\r\n"
        );
        assert!(target.request(&["no colon".into()], None).is_err());
        assert!(target.request(&["A: b\r\nEvil: 1".into()], None).is_err());
    }

    #[test]
    fn a_response_is_read_to_the_end_of_its_body() {
        let two = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nconnection: close\r\n\r\n";
        let mut reader = &two[..];
        assert_eq!(
            read_response(&mut reader).unwrap(),
            Response {
                status: 200,
                keep_alive: true
            }
        );
        assert_eq!(
            read_response(&mut reader).unwrap(),
            Response {
                status: 404,
                keep_alive: false
            }
        );
        assert!(read_response(&mut reader).is_err(), "nothing left");
    }

    #[test]
    fn chunked_bodies_are_skipped_whole() {
        let text = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n1;ext\r\nd\r\n0\r\n\r\nHTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n";
        let mut reader = &text[..];
        assert_eq!(read_response(&mut reader).unwrap().status, 200);
        assert_eq!(read_response(&mut reader).unwrap().status, 204);
    }

    #[test]
    fn truncated_responses_are_errors() {
        for text in [
            &b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nok"[..],
            b"HTTP/1.1 200 OK\r\ncontent-",
            b"garbage\r\n\r\n",
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
        ] {
            assert!(read_response(&mut &text[..]).is_err(), "{text:?}");
        }
    }

    /// A loopback server that answers every request on a connection with `answer`, or never
    /// answers when it is empty; returns its URL.
    fn serve(answer: &'static [u8]) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut writer = stream;
                    let mut line = String::new();
                    while reader.read_line(&mut line).is_ok_and(|read| read > 0) {
                        if line == "\r\n" && !answer.is_empty() && writer.write_all(answer).is_err()
                        {
                            return;
                        }
                        line.clear();
                    }
                });
            }
        });
        url
    }

    fn plan(total: u64, timeout_ms: u64) -> Plan {
        Plan {
            connections: 3,
            total,
            deadline: Instant::now() + Duration::from_secs(60),
            timeout: Duration::from_millis(timeout_ms),
            shed_status: None,
        }
    }

    #[test]
    fn exactly_the_planned_requests_are_sent_over_kept_alive_connections() {
        let target =
            Target::parse(&serve(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")).unwrap();
        let request = target.request(&[], None).unwrap();
        let tallies = run(&target, &request, plan(100, 5_000));
        assert_eq!(tallies.len(), 3);
        let answered: usize = tallies.iter().map(|t| t.latencies_us.len()).sum();
        assert_eq!(answered, 100);
        assert!(tallies.iter().all(|t| t.failures == 0), "{tallies:?}");
    }

    #[test]
    fn error_statuses_are_failures_with_the_first_one_named() {
        let target = Target::parse(&serve(
            b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n",
        ))
        .unwrap();
        let request = target.request(&[], None).unwrap();
        let tallies = run(&target, &request, plan(10, 5_000));
        assert_eq!(tallies.iter().map(|t| t.failures).sum::<u64>(), 10);
        assert!(tallies.iter().all(|t| t.latencies_us.is_empty()));
        let first = tallies.iter().find_map(|t| t.first_failure.clone());
        assert_eq!(first.as_deref(), Some("HTTP 401"));
    }

    #[test]
    fn the_shed_status_is_counted_apart_and_other_errors_still_fail() {
        let busy =
            b"HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\ncontent-length: 0\r\n\r\n";
        let target = Target::parse(&serve(busy)).unwrap();
        let request = target.request(&[], None).unwrap();
        // (the status counted as shed, then how many were shed and how many failed)
        for (shed_status, shed, failed) in [(503, 10, 0), (429, 0, 10)] {
            let plan = Plan {
                shed_status: Some(shed_status),
                ..plan(10, 5_000)
            };
            let tallies = run(&target, &request, plan);
            assert_eq!(tallies.iter().map(|t| t.shed).sum::<u64>(), shed);
            assert_eq!(tallies.iter().map(|t| t.failures).sum::<u64>(), failed);
        }
    }

    #[test]
    fn a_server_that_never_answers_ends_in_failures_not_a_hang() {
        let target = Target::parse(&serve(b"")).unwrap();
        let request = target.request(&[], None).unwrap();
        let tallies = run(&target, &request, plan(6, 50));
        assert_eq!(tallies.iter().map(|t| t.failures).sum::<u64>(), 6);
    }

    #[test]
    fn percentiles_pick_the_nearest_rank() {
        let sorted: Vec<u64> = (1..=100).map(|ms| ms * 1000).collect();
        assert_eq!(
            Percentiles::of_sorted(&sorted),
            Percentiles {
                p50: 50.0,
                p90: 90.0,
                p99: 99.0,
                max: 100.0
            }
        );
        assert_eq!(Percentiles::of_sorted(&[]).max, 0.0);
    }
}
