//! `GET /metrics` in Prometheus' text format, on the metrics listener only (never with the
//! API): what is counted as it happens, plus what is sampled now (the access index, the
//! change-log lag, the audit queue, the database pool).
use actix_web::{HttpResponse, web};
use metrics_exporter_prometheus::PrometheusHandle;

use crate::state::AppState;

/// Registers the route on the metrics listener's app.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(render));
}

async fn render(state: web::Data<AppState>, handle: web::Data<PrometheusHandle>) -> HttpResponse {
    let sample = crate::health::sample(&state).await;
    crate::metrics::record_sample(&sample);
    handle.run_upkeep();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(handle.render())
}
