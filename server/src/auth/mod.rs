//! Who is calling: the `Principal` extractor reads the `fw_session` cookie or an
//! `Authorization: Bearer` session or API token, and enforces CSRF for cookie-authenticated
//! unsafe requests.
use std::future::Future;
use std::pin::Pin;

pub mod known;

use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use chrono::Duration;
use subtle::ConstantTimeEq;
use uuid::Uuid;

use self::known::Known;
use crate::domain::net::TrustedProxies;
use crate::domain::secrets;
use crate::error::ApiError;
use crate::startup::AppState;
use crate::store;

/// The session cookie: HttpOnly, SameSite=Lax.
pub const SESSION_COOKIE: &str = "fw_session";
/// The CSRF cookie: readable by our own pages' scripts, sent back as `X-CSRF-Token`.
pub const CSRF_COOKIE: &str = "fw_csrf";
/// The header carrying the CSRF token.
pub const CSRF_HEADER: &str = "X-CSRF-Token";

/// Writes to `last_seen_at`/`last_used_at` at most this often, not on every request.
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// How a request was authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// A sign-in session (cookie or bearer).
    Session(Uuid),
    /// A personal API token; it acts with exactly its owner's rights.
    ApiToken(Uuid),
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The user.
    pub user: entity::user::Model,
    /// What authenticated them.
    pub credential: Credential,
}

impl Principal {
    /// The user's id.
    pub fn user_id(&self) -> Uuid {
        self.user.id
    }

    /// The current session, when authenticated by one.
    pub fn session_id(&self) -> Option<Uuid> {
        match self.credential {
            Credential::Session(id) => Some(id),
            Credential::ApiToken(_) => None,
        }
    }
}

/// Client details recorded with sign-ins and in the audit trail.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    /// The client's address: the peer's, or behind a trusted proxy (`http.trusted_proxies`),
    /// the one it forwarded for.
    pub ip: Option<String>,
    /// The User-Agent header, trimmed to 500 characters.
    pub user_agent: Option<String>,
    /// The request's id, as in the log's request span.
    pub request_id: Option<String>,
}

impl ClientInfo {
    /// Reads them from a request.
    pub fn of(req: &HttpRequest) -> Self {
        Self {
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
}

impl FromRequest for ClientInfo {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(Self::of(req)))
    }
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(&req).await })
    }
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

async fn authenticate(req: &HttpRequest) -> Result<Principal, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("application state missing")))?;
    let now = state.clock.now();
    let (secret, from_cookie) = match bearer(req) {
        Some(token) => (token, false),
        None => match req.cookie(SESSION_COOKIE) {
            Some(cookie) => (cookie.value().to_owned(), true),
            None => return Err(ApiError::Unauthenticated),
        },
    };
    let db = &state.db;
    let hash = secrets::hash(&secret);
    let api_token = secrets::is_api_token(&secret) && !from_cookie;
    let known = match state.known.get(&hash, now) {
        // A session secret sent as an API token (or the reverse) is not remembered as one.
        Some(k) if matches!(k.credential, Credential::ApiToken(_)) == api_token => k,
        _ => {
            let generation = state.known.generation();
            let read = match lookup(db, &hash, api_token).await {
                Ok(Some(read)) => read,
                // Gone (revoked, expired) or unreadable: nobody goes on with a stale copy.
                failed => {
                    state.known.forget(&hash);
                    return Err(failed.err().unwrap_or(ApiError::Unauthenticated));
                }
            };
            state
                .known
                .remember(generation, hash.clone(), read.clone(), now);
            read
        }
    };
    if known.expires_at.is_some_and(|at| at <= now) {
        return Err(ApiError::Unauthenticated);
    }
    if let Credential::Session(_) = known.credential {
        let idle = Duration::minutes(state.settings.auth.session_idle_minutes);
        if known.last_used.is_none_or(|seen| seen + idle <= now) {
            return Err(ApiError::Unauthenticated);
        }
        // A cookie is sent by the browser on its own; only our pages can also send the token.
        let csrf = known.csrf_hash.as_deref().unwrap_or_default();
        if from_cookie && is_unsafe(req.method()) && !csrf_ok(req, csrf) {
            return Err(ApiError::CsrfMissing);
        }
    }
    if known.last_used.is_none_or(|at| now - at >= TOUCH_EVERY) {
        // Claimed before writing, so the other requests in flight don't all write it too.
        state.known.touched(&hash, now);
        match known.credential {
            Credential::Session(id) => store::sessions::touch(db, id, now).await?,
            Credential::ApiToken(id) => store::api_tokens::touch(db, id, now).await?,
        }
    }
    let Known {
        user, credential, ..
    } = known;
    if user.disabled_at.is_some() {
        return Err(ApiError::Unauthenticated);
    }
    // Admins made by `create-admin` in another process reach this index on first use; the
    // write lock only then, not on every request of theirs.
    if user.is_platform_admin && !state.access.read().await.is_platform_admin(user.id) {
        state.access.write().await.set_platform_admin(user.id, true);
    }
    Ok(Principal { user, credential })
}

/// The live (not revoked) session or API token with this hash, and its user.
async fn lookup(
    db: &sea_orm::DatabaseConnection,
    hash: &str,
    api_token: bool,
) -> Result<Option<Known>, ApiError> {
    if api_token {
        let Some(token) = store::api_tokens::find_live_by_hash(db, hash).await? else {
            return Ok(None);
        };
        let Some(user) = store::users::find(db, token.user_id).await? else {
            return Ok(None);
        };
        return Ok(Some(Known {
            user,
            credential: Credential::ApiToken(token.id),
            expires_at: token.expires_at,
            last_used: token.last_used_at,
            csrf_hash: None,
        }));
    }
    Ok(store::sessions::find_live_with_user(db, hash)
        .await?
        .map(|(session, user)| Known {
            user,
            credential: Credential::Session(session.id),
            expires_at: Some(session.expires_at),
            last_used: Some(session.last_seen_at),
            csrf_hash: Some(session.csrf_token_hash),
        }))
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn csrf_ok(req: &HttpRequest, stored_hash: &str) -> bool {
    let Some(sent) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    secrets::hash(sent)
        .as_bytes()
        .ct_eq(stored_hash.as_bytes())
        .into()
}
