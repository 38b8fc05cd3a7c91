//! `POST /oauth/token` and `/v1/access_tokens/current`, with the OAuth server's error table
//! (reference §1.2, `particle-iot/node-oauth2-server` `lib/grant.js`).
use actix_web::http::header::{CACHE_CONTROL, PRAGMA};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::json;

use super::super::Shared;
use super::super::state::{DEFAULT_TOKEN_LIFETIME_SECS, Minted, Principal, TokenProblem};
use super::auth::{ClientCredentials, authenticate};
use super::error::SimError;
use super::params::{BodyKind, Params};

const GRANT_TYPES: [&str; 6] = [
    "password",
    "authorization_code",
    "refresh_token",
    "client_credentials",
    "urn:custom:mfa-otp",
    "urn:custom:recovery-code",
];

#[derive(Serialize)]
struct TokenBody {
    token_type: &'static str,
    access_token: String,
    expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
}

/// The token JSON, `200` from `/oauth/token` and `201` from customer creation.
pub(crate) fn token_response(status: StatusCode, minted: Minted) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header((PRAGMA, "no-cache"))
        .json(TokenBody {
            token_type: "bearer",
            access_token: minted.access_token,
            expires_in: minted.expires_in,
            refresh_token: minted.refresh_token,
            scope: minted.scope,
        })
}

/// `POST /oauth/token` (any other method gets the OAuth server's 400).
pub(crate) async fn token(
    req: HttpRequest,
    body: web::Bytes,
    sim: web::Data<Shared>,
) -> Result<HttpResponse, SimError> {
    let params = Params::parse(&req, &body)
        .ok()
        .filter(|p| req.method() == Method::POST && p.kind == BodyKind::Form)
        .ok_or_else(|| {
            SimError::oauth(
                "invalid_request",
                "Method must be POST with application/x-www-form-urlencoded encoding",
            )
        })?;
    let grant_type = params
        .body("grant_type")
        .map(|g| g.to_ascii_lowercase())
        .filter(|g| GRANT_TYPES.contains(&g.as_str()))
        .ok_or_else(|| {
            SimError::oauth("invalid_request", "Invalid or missing grant_type parameter")
        })?;
    let credentials = ClientCredentials::from_request(&req, &params);
    let valid_id = credentials.id.as_deref().is_some_and(|id| {
        (3..=40).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    if !valid_id {
        return Err(SimError::oauth(
            "invalid_client",
            "Invalid or missing client_id parameter",
        ));
    }
    if credentials.secret.is_none() {
        return Err(SimError::oauth(
            "invalid_client",
            "Missing client_secret parameter",
        ));
    }
    let now = sim.clock.now();
    let index = credentials.check(&sim)?;
    let mut state = sim.state_at(index);
    let lifetime = lifetime(&params, now)?;
    let minted = match grant_type.as_str() {
        "client_credentials" => {
            let principal = match params.body("scope").filter(|s| !s.is_empty()) {
                None => Principal::Product,
                Some(scope) => {
                    // Unknown customers: undocumented upstream [?]; the library's default text.
                    let username = scope
                        .strip_prefix("customer=")
                        .map(str::to_lowercase)
                        .filter(|u| state.customer(u).is_some())
                        .ok_or_else(|| SimError::oauth("invalid_scope", "Invalid scope"))?;
                    Principal::Customer(username)
                }
            };
            state.mint(principal, lifetime, now)
        }
        "refresh_token" => {
            let refresh = params.body("refresh_token").ok_or_else(|| {
                SimError::oauth("invalid_request", "No \"refresh_token\" parameter")
            })?;
            let client = state.client.id.clone();
            state
                .refresh(&refresh, &client, lifetime, now)
                .map_err(|problem| match problem {
                    TokenProblem::Invalid => {
                        SimError::oauth("invalid_grant", "Invalid refresh token")
                    }
                    TokenProblem::Expired => {
                        SimError::oauth("invalid_grant", "Refresh token has expired")
                    }
                })?
        }
        "password" => {
            let (Some(username), Some(password)) =
                (params.body("username"), params.body("password"))
            else {
                return Err(SimError::oauth(
                    "invalid_client",
                    "Missing parameters. \"username\" and \"password\" are required",
                ));
            };
            // A simple-auth product's app signs its customers in with the product's client:
            // the simulated product has customers, not Particle users, and keeps their names
            // lower-cased as Particle does. A customer without a password (two-legged) can't.
            let username = username.to_lowercase();
            let matches = state
                .customer(&username)
                .and_then(|c| c.password.as_deref())
                .is_some_and(|stored| stored == password);
            if !matches {
                return Err(SimError::oauth(
                    "invalid_grant",
                    "User credentials are invalid",
                ));
            }
            state.mint(Principal::Customer(username), lifetime, now)
        }
        _ => {
            return Err(SimError::oauth(
                "invalid_client",
                "The grant type is unauthorised for this client_id",
            ));
        }
    };
    Ok(token_response(StatusCode::OK, minted))
}

/// Seconds from `expires_in` (0 = never) or `expires_at`; the default otherwise.
pub(crate) fn lifetime(params: &Params, now: DateTime<Utc>) -> Result<u64, SimError> {
    if let Some(raw) = params.body("expires_in") {
        return raw.trim().parse::<u64>().map_err(|_| {
            SimError::oauth(
                "invalid_request",
                "expires_in must be a non-negative integer",
            )
        });
    }
    if let Some(raw) = params.body("expires_at") {
        let at = DateTime::parse_from_rfc3339(raw.trim()).map_err(|_| {
            SimError::oauth("invalid_request", "expires_at must be an ISO 8601 date")
        })?;
        let seconds = (at.with_timezone(&Utc) - now).num_seconds();
        return u64::try_from(seconds)
            .ok()
            .filter(|s| *s > 0)
            .ok_or_else(|| SimError::oauth("invalid_request", "expires_at must be in the future"));
    }
    Ok(DEFAULT_TOKEN_LIFETIME_SECS)
}

/// `GET /v1/access_tokens/current`.
pub(crate) async fn current_token(
    req: HttpRequest,
    body: web::Bytes,
    sim: web::Data<Shared>,
) -> Result<HttpResponse, SimError> {
    let params = Params::parse(&req, &body)?;
    let caller = authenticate(&sim, &req, &params)?;
    let state = sim.state_at(caller.product);
    let token = state
        .token(&caller.token, sim.clock.now())
        .map_err(|_| super::auth::invalid_token())?;
    Ok(HttpResponse::Ok().json(json!({
        "expires_at": token
            .expires_at
            .map(|at| at.to_rfc3339_opts(SecondsFormat::Millis, true)),
        "client": token.client_id,
        "scopes": [],
        "orgs": [],
    })))
}

/// `DELETE /v1/access_tokens/current`: revokes the presented token.
pub(crate) async fn revoke_current_token(
    req: HttpRequest,
    body: web::Bytes,
    sim: web::Data<Shared>,
) -> Result<HttpResponse, SimError> {
    let params = Params::parse(&req, &body)?;
    let caller = authenticate(&sim, &req, &params)?;
    sim.state_at(caller.product).revoke(&caller.token);
    Ok(HttpResponse::Ok().json(json!({ "ok": true })))
}
