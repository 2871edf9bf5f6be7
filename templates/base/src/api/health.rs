//! Probes for orchestrators: liveness (the process serves HTTP) and readiness (it can also
//! reach the database).

use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::json::ApiJson;
use crate::db;
use crate::error::{Chain, Error, Problem};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(live))
        .routes(routes!(ready))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthStatus {
    #[schema(example = "ok")]
    status: &'static str,
}

/// Liveness probe
///
/// Answers while the process serves HTTP. It never touches the database, so a database outage
/// does not get healthy instances restarted.
#[utoipa::path(
    get,
    path = "/health/live",
    tag = "health",
    responses((status = OK, description = "The process is serving requests", body = HealthStatus))
)]
async fn live() -> ApiJson<HealthStatus> {
    ApiJson(HealthStatus { status: "ok" })
}

/// Readiness probe
///
/// Answers 200 when the service can handle traffic: the database must answer `SELECT 1` within
/// two seconds.
#[utoipa::path(
    get,
    path = "/health/ready",
    tag = "health",
    responses(
        (status = OK, description = "The database is reachable", body = HealthStatus),
        (status = SERVICE_UNAVAILABLE, description = "The database is not reachable",
            body = Problem, content_type = "application/problem+json"),
    )
)]
async fn ready(State(state): State<AppState>) -> Result<ApiJson<HealthStatus>, Error> {
    if let Err(error) = db::ping(&state.pool).await {
        tracing::warn!(error = %Chain(&error), "readiness check failed");
        return Err(Error::ServiceUnavailable {
            detail: "The database is not reachable.".into(),
            retry_after: None,
        });
    }
    Ok(ApiJson(HealthStatus { status: "ready" }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::middleware::PROBE_ROUTES;

    #[test]
    fn the_routes_traced_as_probes_are_exactly_these_probes() {
        let document = router().into_openapi();
        let mut served: Vec<&str> = document.paths.paths.keys().map(String::as_str).collect();
        served.sort_unstable();
        let mut probes = PROBE_ROUTES.to_vec();
        probes.sort_unstable();
        assert_eq!(served, probes);
    }
}
