//! The HTTP face of the simulator: routes in the real API's layout, and the middleware that
//! applies request-level faults before anything else (as a load balancer would).
mod auth;
mod calls;
mod customers;
mod devices;
mod error;
mod oauth;
mod params;
mod streams;

use std::future::Future;
use std::ops::Range;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::header::{CONTENT_TYPE, RETRY_AFTER};
use actix_web::http::{Method, StatusCode};
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse, Resource};
use serde_json::json;
use tokio::time::Sleep;

use super::super::route::{Route, product_of};
use super::Shared;
use super::fault::Counted;
use super::state::State;
use error::SimError;
use params::Params;

/// Device lists and customer lists: 25 a page unless `perPage` / `per_page` says otherwise.
const DEFAULT_PER_PAGE: usize = 25;

/// A resource whose other methods get the API's 404, not actix's 405.
fn resource(path: &str) -> Resource {
    web::resource(path).default_service(web::to(not_found))
}

/// Registers every route. Order matters: event streams before `/devices/:id/:variable`.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/oauth/token").to(oauth::token))
        .service(
            resource("/v1/access_tokens/current")
                .route(web::get().to(oauth::current_token))
                .route(web::delete().to(oauth::revoke_current_token)),
        )
        .service(
            resource("/v1/devices")
                .route(web::get().to(devices::list_devices))
                .route(web::post().to(devices::claim_device)),
        )
        .service(
            resource("/v1/devices/events")
                .route(web::get().to(streams::open_stream))
                .route(web::post().to(streams::publish_event)),
        )
        .service(
            resource("/v1/devices/events/{prefix:.*}").route(web::get().to(streams::open_stream)),
        )
        .service(resource("/v1/device_claims").route(web::post().to(devices::create_claim_code)))
        .service(resource("/v1/devices/{id}/events").route(web::get().to(streams::open_stream)))
        .service(
            resource("/v1/devices/{id}/events/{prefix:.*}")
                .route(web::get().to(streams::open_stream)),
        )
        .service(
            resource("/v1/devices/{id}")
                .route(web::get().to(devices::get_device))
                .route(web::delete().to(devices::unclaim_device)),
        )
        .service(
            resource("/v1/devices/{id}/{name}")
                .route(web::post().to(calls::call_function))
                .route(web::get().to(calls::get_variable))
                .route(web::put().to(devices::ping_device)),
        )
        .service(
            resource("/v1/products/{pid}/customers")
                .route(web::post().to(customers::create_customer))
                .route(web::get().to(customers::list_customers)),
        )
        .service(
            resource("/v1/products/{pid}/customers/{customer}")
                .route(web::delete().to(customers::delete_customer))
                .route(web::put().to(customers::update_customer)),
        )
        .service(
            resource("/v1/products/{pid}/device_claims")
                .route(web::post().to(devices::create_claim_code)),
        )
        .service(
            resource("/v1/products/{pid}/events")
                .route(web::get().to(streams::open_stream))
                .route(web::post().to(streams::publish_event)),
        )
        .service(
            resource("/v1/products/{pid}/events/{prefix:.*}")
                .route(web::get().to(streams::open_stream)),
        )
        .service(
            resource("/v1/products/{pid}/devices")
                .route(web::get().to(devices::list_product_devices))
                .route(web::post().to(devices::import_devices)),
        )
        .service(
            resource("/v1/products/{pid}/devices/{id}/events")
                .route(web::get().to(streams::open_stream)),
        )
        .service(
            resource("/v1/products/{pid}/devices/{id}/events/{prefix:.*}")
                .route(web::get().to(streams::open_stream)),
        )
        .service(
            resource("/v1/products/{pid}/devices/{id}")
                .route(web::get().to(devices::get_device))
                .route(web::delete().to(devices::remove_device)),
        )
        .service(
            resource("/v1/products/{pid}/devices/{id}/{name}")
                .route(web::post().to(calls::call_function))
                .route(web::get().to(calls::get_variable))
                .route(web::put().to(devices::ping_device))
                .route(web::delete().to(devices::unclaim_device)),
        )
        .default_service(web::to(not_found));
}

/// Unknown routes (text undocumented upstream [?]).
async fn not_found() -> HttpResponse {
    HttpResponse::NotFound().json(json!({ "ok": false, "error": "Not Found" }))
}

/// For shared `/devices/:id/:name` resources: only `expected` is a route for this method.
fn expect_name(req: &HttpRequest, expected: &str) -> Result<(), SimError> {
    match req.match_info().get("name") {
        Some(name) if name != expected => Err(SimError::not_ok(StatusCode::NOT_FOUND, "Not Found")),
        _ => Ok(()),
    }
}

/// A path parameter, with the escapes actix leaves decoded.
fn path(req: &HttpRequest, name: &str) -> String {
    params::percent_decode(req.match_info().get(name).unwrap_or_default())
}

/// The product of a `/v1/products/:pid/…` route.
fn product(req: &HttpRequest, state: &State) -> Result<i64, SimError> {
    let pid = req.match_info().get("pid").unwrap_or_default();
    if state.product.matches(pid) {
        Ok(state.product.id)
    } else {
        Err(SimError::ProductNotFound)
    }
}

/// Whether this is the `/v1/products/:pid/…` form of a route (checking the product if so).
fn product_route(req: &HttpRequest, state: &State) -> Result<bool, SimError> {
    match req.match_info().get("pid") {
        None => Ok(false),
        Some(_) => product(req, state).map(|_| true),
    }
}

/// The slice of `total` items that `page` (from 1) and `perPage`/`per_page` select, and
/// the page count.
fn page(params: &Params, total: usize) -> (Range<usize>, usize) {
    let number = |key: &str| {
        params
            .get(key)
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|n| *n > 0)
    };
    let per_page = number("perPage")
        .or_else(|| number("per_page"))
        .unwrap_or(DEFAULT_PER_PAGE);
    let page = number("page").unwrap_or(1);
    let start = page.saturating_sub(1).saturating_mul(per_page).min(total);
    let end = start.saturating_add(per_page).min(total);
    (start..end, total.div_ceil(per_page))
}

type Reply = Pin<Box<dyn Future<Output = Result<ServiceResponse<BoxBody>, actix_web::Error>>>>;

/// Counts token requests, then lets a pending request-level fault answer instead of the
/// route (or, for truncation, mangle the route's answer).
pub(crate) fn apply_faults<S>(req: ServiceRequest, service: &S) -> Reply
where
    S: Service<ServiceRequest, Response = ServiceResponse<BoxBody>, Error = actix_web::Error>,
    S::Future: 'static,
{
    let Some(sim) = req.app_data::<web::Data<Shared>>().cloned() else {
        return Box::pin(service.call(req));
    };
    let route = Route::classify(req.method().as_str(), req.path());
    if route == Route::Token && req.method() == Method::POST {
        sim.count_token_request();
    }
    let fault = sim.faults().take_http(route, product_of(req.path()));
    match fault {
        None | Some(Counted::TokenExpired) => Box::pin(service.call(req)),
        Some(Counted::Hang) => Box::pin(std::future::pending()),
        Some(Counted::RateLimited { retry_after_secs }) => {
            let mut response = HttpResponse::TooManyRequests();
            if retry_after_secs > 0 {
                response.insert_header((RETRY_AFTER, retry_after_secs.to_string()));
            }
            // Body shape undocumented upstream [?]: the OAuth library's code on every route.
            let response = response.json(json!({
                "error": "rate_limit_exceeded",
                "error_description": "Too many requests",
            }));
            Box::pin(async move { Ok(req.into_response(response)) })
        }
        Some(Counted::ServerError { status }) => {
            let response = server_error(status);
            Box::pin(async move { Ok(req.into_response(response)) })
        }
        Some(Counted::Truncated) => {
            let call = service.call(req);
            Box::pin(async move { truncate(call.await?).await })
        }
    }
}

fn server_error(status: u16) -> HttpResponse {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        return HttpResponse::InternalServerError().json(json!({
            "ok": false,
            "code": 500,
            "errors": [{ "error": "Timed out, didn't hear back from device service" }],
        }));
    }
    // What a load balancer in front of the API sends: HTML, not JSON.
    let reason = status.canonical_reason().unwrap_or("Error");
    let code = status.as_u16();
    HttpResponse::build(status)
        .insert_header((CONTENT_TYPE, "text/html"))
        .body(format!(
            "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n<center><h1>{code} {reason}</h1></center>\r\n</body>\r\n</html>\r\n"
        ))
}

/// Announces the whole body but sends half of it, then breaks the connection. Streaming
/// bodies pass through untouched (they have no length to lie about).
async fn truncate(
    response: ServiceResponse<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if !matches!(response.response().body().size(), BodySize::Sized(_)) {
        return Ok(response);
    }
    let (request, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let whole = actix_web::body::to_bytes(body)
        .await
        .map_err(|_| actix_web::error::ErrorInternalServerError("body"))?;
    let declared = u64::try_from(whole.len()).unwrap_or(u64::MAX).max(2);
    let half = whole.slice(..whole.len() / 2);
    let body = Truncated {
        declared,
        part: Some(half),
        pause: Some(Box::pin(tokio::time::sleep(Duration::from_millis(50)))),
    };
    Ok(ServiceResponse::new(
        request,
        head.set_body(BoxBody::new(body)),
    ))
}

/// A body that lies about its length: the part, a pause (so the part reaches the client),
/// then an error, which makes actix close the connection.
struct Truncated {
    declared: u64,
    part: Option<Bytes>,
    pause: Option<Pin<Box<Sleep>>>,
}

impl MessageBody for Truncated {
    type Error = std::io::Error;

    fn size(&self) -> BodySize {
        BodySize::Sized(self.declared)
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        if let Some(part) = this.part.take() {
            return Poll::Ready(Some(Ok(part)));
        }
        if let Some(pause) = &mut this.pause {
            if pause.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            this.pause = None;
        }
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "simulated truncated body",
        ))))
    }
}
