//! Prometheus metrics: the recorder behind the `metrics` facade, the middleware that counts and
//! times every request, and `GET /metrics`, which Prometheus scrapes.
//!
//! Any code in the crate may record through the facade (`metrics::counter!`, `gauge!`,
//! `histogram!`); once [`Metrics::install`] has run, what it records is rendered here. Label
//! values must come from a small, fixed set: every distinct value is a series Prometheus keeps.
//! That is why requests are labelled with the route template they matched (`/items/{id}`),
//! never with the path the client sent.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use sqlx::PgPool;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::core::config::MetricsConfig;
use crate::db::retry;
use crate::error::{Error, Problem};
use crate::state::AppState;

/// Prometheus' text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4";

/// Counter of answered requests, labelled `method`, `route` and `status`.
pub const REQUESTS_TOTAL: &str = "http_requests_total";
/// Histogram of the time to the response head, in seconds, with the same labels.
pub const REQUEST_DURATION_SECONDS: &str = "http_request_duration_seconds";
/// Gauges read from the pool at each scrape.
pub const POOL_CONNECTIONS: &str = "db_pool_connections";
pub const POOL_IDLE_CONNECTIONS: &str = "db_pool_idle_connections";
pub const POOL_MAX_CONNECTIONS: &str = "db_pool_max_connections";

/// The `route` of a request that matched no route (a 404), whatever its path.
pub const UNMATCHED_ROUTE: &str = "unmatched";
/// The `method` of a request with a method outside the standard ones.
pub const OTHER_METHOD: &str = "other";

/// Upper bounds of the latency buckets, in seconds (those of Prometheus' own client libraries).
pub const DURATION_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often recorded latencies are folded into their buckets between scrapes, which keeps
/// the memory they take bounded when nothing scrapes.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// The process's one recorder. The facade takes a single global recorder, and tests start many
/// applications in one process, so the first installation is kept and shared by every later one.
static RECORDER: OnceLock<Result<Metrics, InstallError>> = OnceLock::new();

/// A handle on the installed recorder; clones share it.
#[derive(Debug, Clone)]
pub struct Metrics {
    handle: PrometheusHandle,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum InstallError {
    #[error("the Prometheus recorder could not be configured: {0}")]
    Configuration(String),
    #[error("the metrics upkeep thread could not be started: {0}")]
    Upkeep(String),
    #[error("another metrics recorder is already installed in this process")]
    AnotherRecorder,
}

impl Metrics {
    /// The recorder, installed as the facade's global one by the first call. `None` when
    /// `METRICS_ENABLED=false`: then nothing is recorded and `GET /metrics` answers 404.
    pub fn install(config: &MetricsConfig) -> Result<Option<Self>, InstallError> {
        if !config.enabled {
            return Ok(None);
        }
        RECORDER.get_or_init(install_recorder).clone().map(Some)
    }

    /// Every metric in Prometheus' text format, with the pool gauges read just now.
    pub fn render(&self, pool: &PgPool) -> String {
        metrics::gauge!(POOL_CONNECTIONS).set(pool.size());
        metrics::gauge!(POOL_IDLE_CONNECTIONS).set(pool.num_idle() as f64);
        metrics::gauge!(POOL_MAX_CONNECTIONS).set(pool.options().get_max_connections());
        self.handle.render()
    }
}

fn install_recorder() -> Result<Metrics, InstallError> {
    let recorder = recorder()?;
    let handle = recorder.handle();
    let upkeep = handle.clone();
    std::thread::Builder::new()
        .name("metrics-upkeep".to_owned())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_INTERVAL);
                upkeep.run_upkeep();
            }
        })
        .map_err(|error| InstallError::Upkeep(error.to_string()))?;
    metrics::set_global_recorder(recorder).map_err(|_| InstallError::AnotherRecorder)?;
    Ok(Metrics { handle })
}

/// A recorder that renders latencies as histograms and knows this module's metrics.
fn recorder() -> Result<PrometheusRecorder, InstallError> {
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full(REQUEST_DURATION_SECONDS.to_owned()),
            DURATION_BUCKETS,
        )
        .map_err(|error| InstallError::Configuration(error.to_string()))?
        .build_recorder();
    metrics::with_local_recorder(&recorder, || {
        describe();
        // Series that exist from the start, so rates over them are 0 rather than missing.
        metrics::counter!(retry::RETRIES_METRIC).absolute(0);
        metrics::counter!(retry::RETRIES_EXHAUSTED_METRIC).absolute(0);
    });
    Ok(recorder)
}

/// The `# HELP` lines of this module's metrics.
fn describe() {
    metrics::describe_counter!(REQUESTS_TOTAL, "HTTP requests answered");
    metrics::describe_histogram!(
        REQUEST_DURATION_SECONDS,
        metrics::Unit::Seconds,
        "Time from receiving an HTTP request to sending its response head"
    );
    metrics::describe_gauge!(POOL_CONNECTIONS, "Open database connections");
    metrics::describe_gauge!(
        POOL_IDLE_CONNECTIONS,
        "Open database connections not in use"
    );
    metrics::describe_gauge!(
        POOL_MAX_CONNECTIONS,
        "Database connections the pool may open"
    );
}

/// Middleware: counts and times every request by method, route template and status. It wraps
/// all the others, so it also sees the answers they give themselves (timeouts, CORS, 413s).
pub async fn track(request: Request, next: Next) -> Response {
    if !RECORDER.get().is_some_and(Result::is_ok) {
        return next.run(request).await;
    }
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED_ROUTE, MatchedPath::as_str)
        .to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let labels = [
        ("method", method.to_owned()),
        ("route", route),
        ("status", response.status().as_u16().to_string()),
    ];
    metrics::counter!(REQUESTS_TOTAL, &labels).increment(1);
    metrics::histogram!(REQUEST_DURATION_SECONDS, &labels).record(started.elapsed());
    response
}

/// The standard methods by name; anything else is [`OTHER_METHOD`], so a client cannot add
/// series by inventing methods.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => OTHER_METHOD,
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(scrape))
}

/// Prometheus metrics
///
/// Every metric the service records, in Prometheus' text format. It takes no credentials, so
/// only the scraper inside the deployment may reach it; 404 when `METRICS_ENABLED=false`.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "metrics",
    responses(
        (status = OK, description = "The metrics, in Prometheus' text exposition format 0.0.4",
            body = String, content_type = "text/plain; version=0.0.4"),
        (status = NOT_FOUND, description = "Metrics are switched off (`METRICS_ENABLED=false`)",
            body = Problem, content_type = "application/problem+json"),
    )
)]
async fn scrape(State(state): State<AppState>) -> Result<Response, Error> {
    let Some(metrics) = &state.metrics else {
        return Err(Error::NotFound(
            "Metrics are switched off on this instance.".into(),
        ));
    };
    let body = metrics.render(&state.pool);
    Ok(([(header::CONTENT_TYPE, CONTENT_TYPE)], body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_methods_keep_their_names_and_others_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::DELETE), "DELETE");
        let invented = Method::from_bytes(b"BREW").unwrap();
        assert_eq!(method_label(&invented), OTHER_METHOD);
    }

    #[test]
    fn request_durations_are_a_histogram_with_the_configured_buckets() {
        let recorder = recorder().unwrap();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, || {
            metrics::histogram!(REQUEST_DURATION_SECONDS, "route" => "/health/live")
                .record(Duration::from_millis(30));
        });

        let text = handle.render();
        assert!(
            text.contains("# TYPE http_request_duration_seconds histogram"),
            "{text}"
        );
        assert!(
            text.contains(
                r#"http_request_duration_seconds_bucket{route="/health/live",le="0.025"} 0"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"http_request_duration_seconds_bucket{route="/health/live",le="0.05"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(r#"http_request_duration_seconds_count{route="/health/live"} 1"#),
            "{text}"
        );
    }
}
