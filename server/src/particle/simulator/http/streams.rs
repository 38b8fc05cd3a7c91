//! Server-sent event streams and publishing.
use std::time::Duration;

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::super::Shared;
use super::super::events::{MAX_NAME_BYTES, SseBody, StreamScope, Subscriber};
use super::auth::authenticate;
use super::error::SimError;
use super::params::{Params, percent_decode};
use super::{path, product_route};

/// `GET /v1/devices/events[/:prefix]`, `/v1/[products/:pid/]devices/:id/events[/:prefix]`,
/// `/v1/products/:pid/events[/:prefix]`. Open failures answer JSON like any other route.
pub(crate) async fn open_stream(
    req: HttpRequest,
    body: web::Bytes,
    sim: web::Data<Shared>,
) -> Result<HttpResponse, SimError> {
    let params = Params::parse(&req, &body)?;
    let caller = authenticate(&sim, &req, &params)?;
    let prefix = percent_decode(req.match_info().get("prefix").unwrap_or_default());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let mut state = sim.state_at(caller.product);
    let product_view = product_route(&req, &state)?;
    let scope = if req.match_info().get("id").is_some() {
        let device = state
            .visible(&caller.principal, &path(&req, "id"))
            .ok_or(SimError::PermissionDenied)?;
        StreamScope::Device(device.id.clone())
    } else if product_view {
        caller.require_product()?;
        StreamScope::Product
    } else {
        StreamScope::Mine
    };
    state.subscribe(Subscriber {
        tx,
        token: caller.token,
        principal: caller.principal,
        scope,
        prefix,
        product_view,
    });
    drop(state);
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/event-stream"))
        .insert_header((CACHE_CONTROL, "no-cache"))
        .body(SseBody::new(
            rx,
            Duration::from_secs(sim.config.keepalive_secs),
        )))
}

/// `POST /v1/devices/events` and `/v1/products/:pid/events` (`name`, `data`, `private`,
/// `ttl`): published with `coreid: "api"`.
pub(crate) async fn publish_event(
    req: HttpRequest,
    body: web::Bytes,
    sim: web::Data<Shared>,
) -> Result<HttpResponse, SimError> {
    let params = Params::parse(&req, &body)?;
    let caller = authenticate(&sim, &req, &params)?;
    let now = sim.clock.now();
    let mut state = sim.state_at(caller.product);
    if product_route(&req, &state)? {
        caller.require_product()?;
    }
    // Texts undocumented upstream [?].
    let name = params
        .get("name")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| SimError::bad_request("Event name is required"))?;
    if name.len() > MAX_NAME_BYTES || name.contains(['\r', '\n']) {
        return Err(SimError::bad_request("Event name is invalid"));
    }
    state.api_event(&name, params.get("data"), &caller.principal, now);
    Ok(HttpResponse::Ok().json(json!({ "ok": true })))
}
