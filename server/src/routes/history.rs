//! Device history (raw, bucketed, CSV) and the live activity stream.
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, Responder, get, post, web};
use actix_web_lab::sse;
use base64::Engine;
use fleetwarden_wire::error::ErrorBody;
use fleetwarden_wire::history::{
    EventPage, EventQuery, HistoryBucket, HistoryQuery, WebhookAnswer, WebhookDelivery,
    WebhookSecretResponse,
};
use futures_util::StreamExt;
use uuid::Uuid;

use crate::error::ApiError;
use crate::history::webhook::{self, Delivery, Refused};
use crate::history::{live, read};
use crate::routes::extract::Caller;
use crate::routes::{Json, csv_file};
use crate::state::AppState;
use crate::tenancy::devices;

/// A comment line this often keeps proxies and browsers from closing a quiet stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The device's events in publication order, a page at a time (only what was stored while
/// its current tenant owned it).
#[utoipa::path(tag = "history", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "Particle device id"), EventQuery),
    responses((status = 200, body = EventPage), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/devices/{id}/events")]
pub async fn device_events(
    caller: Caller,
    id: web::Path<String>,
    q: web::Query<EventQuery>,
) -> Json<EventPage> {
    let id = devices::parse_id(&id)?;
    Ok(web::Json(read::events(&caller.ctx(), &id, &q).await?))
}

/// The device's events as a CSV file (`published_at,name,data,value`).
#[utoipa::path(tag = "history", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "Particle device id"), EventQuery),
    responses((status = 200, content_type = "text/csv", body = String, description = "published_at,name,data,value"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/devices/{id}/events/export")]
pub async fn export_device_events(
    caller: Caller,
    id: web::Path<String>,
    q: web::Query<EventQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = devices::parse_id(&id)?;
    let csv = read::export(&caller.ctx(), &id, &q).await?;
    Ok(csv_file(
        csv.into_bytes(),
        &format!("events-{}.csv", id.as_str()),
    ))
}

/// The device's numeric events per interval and name: min, max, mean and count.
#[utoipa::path(tag = "history", security(("session" = []), ("bearer" = [])),
    params(("id" = String, Path, description = "Particle device id"), HistoryQuery),
    responses((status = 200, body = Vec<HistoryBucket>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/devices/{id}/history")]
pub async fn device_history(
    caller: Caller,
    id: web::Path<String>,
    q: web::Query<HistoryQuery>,
) -> Json<Vec<HistoryBucket>> {
    let id = devices::parse_id(&id)?;
    Ok(web::Json(read::buckets(&caller.ctx(), &id, &q).await?))
}

/// Server-sent events (`event: device`, `data:` a `LiveMessage`) of every device I may read,
/// for as long as I may read it: a revoke stops its events, a grant starts them, without
/// reconnecting.
#[utoipa::path(tag = "history", security(("session" = []), ("bearer" = [])),
    responses((status = 200, content_type = "text/event-stream", body = String, description = "`device` events, each a LiveMessage"),
        (status = 401, body = ErrorBody)))]
#[get("/live")]
pub async fn live_activity(caller: Caller) -> impl Responder {
    let ctx = caller.ctx();
    let state = ctx.state;
    let messages = live::messages(
        ctx.user(),
        state.live.subscribe(),
        state.access.clone(),
        state.clock.clone(),
    )
    .filter_map(|message| async move {
        sse::Data::new_json(message)
            .ok()
            .map(|data| sse::Event::from(data.event("device")))
    });
    sse::Sse::from_infallible_stream(messages).with_keep_alive(KEEP_ALIVE)
}

/// A new secret for the product's Particle webhook (platform admins); the old one stops
/// working. Shown once.
#[utoipa::path(tag = "history", security(("session" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The product (ours)")),
    responses((status = 201, body = WebhookSecretResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[post("/products/{id}/webhook-secret")]
pub async fn new_webhook_secret(
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let ctx = caller.ctx();
    let secret = webhook::new_secret(&ctx, *id).await?;
    Ok(HttpResponse::Created().json(WebhookSecretResponse {
        secret,
        url: format!("{}/api/v1/webhooks/particle/{}", ctx.state.public_url, *id),
    }))
}

/// The secret a webhook presents: the `X-Fleetwarden-Secret` header, else a Basic auth
/// password.
fn presented_secret(req: &HttpRequest) -> Option<String> {
    let headers = req.headers();
    if let Some(secret) = headers
        .get("x-fleetwarden-secret")
        .and_then(|v| v.to_str().ok())
    {
        return Some(secret.trim().to_owned());
    }
    let basic = headers
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(basic.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    text.split_once(':')
        .map(|(_, password)| password.to_owned())
}

/// A Particle webhook's delivery for one of our products (JSON or form fields), authenticated
/// by the product's webhook secret; idempotent: a repeated delivery is stored once.
#[utoipa::path(tag = "history",
    params(("product" = Uuid, Path, description = "The product (ours)"),
        ("X-Fleetwarden-Secret" = Option<String>, Header, description = "The product's webhook secret (or Basic auth)")),
    request_body = WebhookDelivery,
    responses((status = 200, body = WebhookAnswer), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/webhooks/particle/{product}")]
pub async fn particle_webhook(
    state: web::Data<AppState>,
    req: HttpRequest,
    product: web::Path<Uuid>,
    body: web::Either<web::Json<WebhookDelivery>, web::Form<WebhookDelivery>>,
) -> Json<WebhookAnswer> {
    let body = match body {
        web::Either::Left(json) => json.into_inner(),
        web::Either::Right(form) => form.into_inner(),
    };
    let delivery = Delivery {
        event: body.event,
        data: body.data,
        coreid: body.coreid,
        published_at: body.published_at,
    };
    let secret = presented_secret(&req);
    match webhook::deliver(&state, *product, secret.as_deref(), delivery).await {
        Ok(taken) => Ok(web::Json(WebhookAnswer {
            stored: taken.stored,
            repeated: taken.repeated,
            dropped: taken.unknown,
        })),
        Err(Refused::Unauthenticated) => Err(ApiError::Unauthenticated),
        Err(Refused::Database(err)) => Err(err.into()),
    }
}
