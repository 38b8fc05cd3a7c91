//! Who is calling: a presented session (cookie or bearer) or API token resolved to a
//! [`Principal`], with CSRF enforced for cookie-authenticated unsafe requests. The HTTP side
//! (reading cookies and headers) is the routes' extractor, `routes::extract`.
use chrono::Duration;
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::cache::credentials::Known;
pub use crate::cache::credentials::{Account, Credential};
use crate::domain::secrets;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;

/// The session cookie: HttpOnly, SameSite=Lax.
pub const SESSION_COOKIE: &str = "fw_session";
/// The CSRF cookie: readable by our own pages' scripts, sent back as `X-CSRF-Token`.
pub const CSRF_COOKIE: &str = "fw_csrf";
/// The header carrying the CSRF token.
pub const CSRF_HEADER: &str = "X-CSRF-Token";

/// Writes to `last_seen_at`/`last_used_at` at most this often, not on every request.
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The user (no password hash).
    pub user: Account,
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

/// What a request presented to prove who it is.
#[derive(Clone, Copy)]
pub struct Presented<'a> {
    /// The session or API token secret.
    pub secret: &'a str,
    /// Sent as the session cookie (else as a bearer token).
    pub from_cookie: bool,
    /// The method changes state (CSRF applies to cookie sessions).
    pub unsafe_method: bool,
    /// The `X-CSRF-Token` header, if sent.
    pub csrf_header: Option<&'a str>,
}

impl std::fmt::Debug for Presented<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Presented")
            .field("from_cookie", &self.from_cookie)
            .field("unsafe_method", &self.unsafe_method)
            .finish_non_exhaustive()
    }
}

/// The principal behind a presented credential.
///
/// # Errors
/// `Unauthenticated` for anything not live; `CsrfMissing`; database failures.
pub async fn authenticate(
    state: &AppState,
    presented: Presented<'_>,
) -> Result<Principal, ApiError> {
    let now = state.clock.now();
    let Presented {
        secret,
        from_cookie,
        ..
    } = presented;
    let db = &state.db;
    let hash = secrets::hash(secret);
    let api_token = secrets::is_api_token(secret) && !from_cookie;
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
        if from_cookie && presented.unsafe_method && !csrf_ok(presented.csrf_header, csrf) {
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
    // The account says platform admin and the index doesn't know yet: it was made a moment
    // ago by another process. Wait for the follower rather than act on a stale index.
    if user.is_platform_admin && !state.access.read().await.is_platform_admin(user.id) {
        state.writer.catch_up().await?;
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
            user: user.into(),
            credential: Credential::ApiToken(token.id),
            expires_at: token.expires_at,
            last_used: token.last_used_at,
            csrf_hash: None,
        }));
    }
    Ok(store::sessions::find_live_with_user(db, hash)
        .await?
        .map(|(session, user)| Known {
            user: user.into(),
            credential: Credential::Session(session.id),
            expires_at: Some(session.expires_at),
            last_used: Some(session.last_seen_at),
            csrf_hash: Some(session.csrf_token_hash),
        }))
}

fn csrf_ok(sent: Option<&str>, stored_hash: &str) -> bool {
    let Some(sent) = sent else {
        return false;
    };
    secrets::hash(sent)
        .as_bytes()
        .ct_eq(stored_hash.as_bytes())
        .into()
}
