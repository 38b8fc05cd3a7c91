//! The extractors: who is calling (`Principal`) and from where (`ClientInfo`), read from the
//! request and handed to the services as plain values; `Caller` holds both with the server, for
//! the handlers that call a service through its `Ctx`.
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

use crate::auth::{CSRF_HEADER, ClientInfo, Presented, Principal, SESSION_COOKIE};
use crate::domain::net::TrustedProxies;
use crate::error::ApiError;
use crate::state::AppState;
use crate::tenancy::Ctx;

/// The client's details from a request.
pub fn client_info(req: &HttpRequest) -> ClientInfo {
    ClientInfo {
        ip: req.peer_addr().map(|a| {
            let forwarded = req
                .headers()
                .get_all("x-forwarded-for")
                .filter_map(|v| v.to_str().ok());
            match req.app_data::<web::Data<TrustedProxies>>() {
                Some(proxies) => proxies.client_address(a.ip(), forwarded).to_string(),
                None => a.ip().to_string(),
            }
        }),
        user_agent: req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(500).collect()),
        request_id: req
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(|id| id.to_string()),
    }
}

impl FromRequest for ClientInfo {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(client_info(req)))
    }
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { principal(&req).await })
    }
}

/// An authenticated request's caller, client and server: what a service's [`Ctx`] borrows.
/// Refused exactly as [`Principal`] is when the request carries no valid credential.
pub struct Caller {
    state: web::Data<AppState>,
    principal: Principal,
    client: ClientInfo,
}

impl Caller {
    /// The services' context for this request.
    pub fn ctx(&self) -> Ctx<'_> {
        Ctx::new(&self.state, &self.principal, &self.client)
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        let client = client_info(&req);
        Box::pin(async move {
            let principal = principal(&req).await?;
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("application state missing")))?;
            Ok(Self {
                state,
                principal,
                client,
            })
        })
    }
}

async fn principal(req: &HttpRequest) -> Result<Principal, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("application state missing")))?;
    let cookie = req.cookie(SESSION_COOKIE);
    let (secret, from_cookie) = match (bearer(req), &cookie) {
        (Some(token), _) => (token, false),
        (None, Some(cookie)) => (cookie.value(), true),
        (None, None) => return Err(ApiError::Unauthenticated),
    };
    let presented = Presented {
        secret,
        from_cookie,
        unsafe_method: !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS),
        csrf_header: req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()),
    };
    crate::auth::authenticate(state, presented).await
}

fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}
