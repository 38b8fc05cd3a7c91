//! Product families and simple-auth customers' "forgot password": operators group products
//! and brand them; a maker's app calls `forgot`, from a native app or a browser page on one of
//! the family's origins.
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError, delete, get, options, post, put, web};
use fleetwarden_wire::error::ErrorBody;
use fleetwarden_wire::families::{
    CustomerForgotAccepted, CustomerForgotRequest, FamilyBody, FamilyResponse, SimpleAuthBody,
};
use uuid::Uuid;

use crate::accounts::customer_reset::{self, Target};
use crate::auth::ClientInfo;
use crate::error::ApiError;
use crate::routes::Json;
use crate::routes::extract::Caller;
use crate::state::AppState;
use crate::tenancy::families;

/// Makes a product family with its brand (platform admins).
#[utoipa::path(tag = "families", security(("session" = []), ("bearer" = [])), request_body = FamilyBody,
    responses((status = 201, body = FamilyResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
#[post("/families")]
pub async fn create_family(
    caller: Caller,
    body: web::Json<FamilyBody>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(families::create(&caller.ctx(), &body).await?))
}

/// Every product family with its products (platform admins).
#[utoipa::path(tag = "families", security(("session" = []), ("bearer" = [])),
    responses((status = 200, body = Vec<FamilyResponse>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[get("/families")]
pub async fn list_families(caller: Caller) -> Json<Vec<FamilyResponse>> {
    Ok(web::Json(families::list(&caller.ctx()).await?))
}

/// Replaces a family's brand and allowed origins (platform admins).
#[utoipa::path(tag = "families", security(("session" = []), ("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = FamilyBody,
    responses((status = 200, body = FamilyResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[put("/families/{id}")]
pub async fn update_family(
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<FamilyBody>,
) -> Json<FamilyResponse> {
    Ok(web::Json(
        families::update(&caller.ctx(), *id, &body).await?,
    ))
}

/// Marks a product as having simple-auth customers, in a family whose brand their reset
/// emails and page carry (platform admins).
#[utoipa::path(tag = "families", security(("session" = []), ("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = SimpleAuthBody,
    responses((status = 200, body = FamilyResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[put("/products/{id}/simple-auth")]
pub async fn set_simple_auth(
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<SimpleAuthBody>,
) -> Json<FamilyResponse> {
    let family = families::set_simple_auth(&caller.ctx(), *id, Some(body.family_id)).await?;
    Ok(web::Json(family.ok_or(ApiError::NotFound)?))
}

/// Takes the simple-auth mark (and the family) off a product (platform admins).
#[utoipa::path(tag = "families", security(("session" = []), ("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 204, description = "no longer simple-auth"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[delete("/products/{id}/simple-auth")]
pub async fn unset_simple_auth(
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    families::set_simple_auth(&caller.ctx(), *id, None).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// What `forgot` answers, customer or not.
const ACCEPTED: &str = "If this address belongs to an account, an email with a link to choose a new password is on its way.";

/// The request's `Origin`, when it sent one.
fn origin_of(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The request's origin when the family allows it; `Err` for another site's page. Same-origin
/// pages and native apps send none, and are fine.
fn checked_origin(req: &HttpRequest, target: &Target) -> Result<Option<String>, ()> {
    match origin_of(req) {
        None => Ok(None),
        Some(origin) if customer_reset::origins(&target.family).contains(&origin) => {
            Ok(Some(origin))
        }
        Some(_) => Err(()),
    }
}

/// Lets the browser page at `origin` (one the family allows) read the answer.
fn allow(response: &mut HttpResponse, origin: Option<&str>) {
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(value) = origin.and_then(|o| HeaderValue::from_str(o).ok()) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
}

/// A maker's app asks for a password-reset email for one of its simple-auth customers. The
/// answer is the same, and as quick, whether or not the email is a customer: the lookup at
/// Particle and the email happen after it. One email goes out per person and family, however
/// many of the family's products they are a customer of. Browsers may call it only from the
/// family's allowed origins; native apps send no origin.
#[utoipa::path(tag = "families",
    params(("product" = String, Path, description = "Particle's product id or slug")),
    request_body = CustomerForgotRequest,
    responses((status = 202, body = CustomerForgotAccepted), (status = 400, body = ErrorBody),
        (status = 403, description = "called from a web origin the family doesn't allow", body = ErrorBody),
        (status = 404, description = "no simple-auth product by that id", body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, description = "too many requests for this email or from this address; see Retry-After", body = ErrorBody)))]
#[post("/simple-auth/{product}/password/forgot")]
pub async fn customer_forgot(
    state: web::Data<AppState>,
    client: ClientInfo,
    req: HttpRequest,
    product: web::Path<String>,
    body: web::Json<CustomerForgotRequest>,
) -> Result<HttpResponse, ApiError> {
    let target = customer_reset::target(&state, &product)
        .await?
        .ok_or(ApiError::NotFound)?;
    let origin = checked_origin(&req, &target).map_err(|()| ApiError::Forbidden)?;
    let answer = |result: Result<HttpResponse, ApiError>| {
        let mut response = result.unwrap_or_else(|err| err.error_response());
        allow(&mut response, origin.as_deref());
        response
    };
    let email = body.into_inner().email;
    if email.chars().count() > crate::domain::email::MAX_LEN {
        return Ok(answer(Err(ApiError::invalid(
            "email",
            format!("at most {} characters", crate::domain::email::MAX_LEN),
        ))));
    }
    if let Err(err) = customer_reset::admit(&state, &target, &email, &client).await {
        return Ok(answer(Err(err.into())));
    }
    let state = state.into_inner();
    let detached = target.clone();
    tokio::spawn(async move {
        if let Err(err) = customer_reset::request(&state, &detached, &email, &client).await {
            tracing::error!(error = %err, "a customer's password-reset request failed");
        }
    });
    Ok(answer(Ok(HttpResponse::Accepted().json(
        CustomerForgotAccepted {
            message: ACCEPTED.to_owned(),
        },
    ))))
}

/// The browser's CORS preflight for `forgot`: allowed only from the family's origins.
#[utoipa::path(tag = "families",
    params(("product" = String, Path, description = "Particle's product id or slug")),
    responses((status = 204, description = "CORS preflight; the allowance headers only for the family's origins")))]
#[options("/simple-auth/{product}/password/forgot")]
pub async fn customer_forgot_preflight(
    state: web::Data<AppState>,
    req: HttpRequest,
    product: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let mut response = HttpResponse::NoContent().finish();
    let Some(target) = customer_reset::target(&state, &product).await? else {
        return Ok(response);
    };
    // Another site's page gets an answer without any allowance.
    let origin = checked_origin(&req, &target).unwrap_or(None);
    allow(&mut response, origin.as_deref());
    if origin.is_some() {
        let headers = response.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("POST"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("content-type"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
    }
    Ok(response)
}
