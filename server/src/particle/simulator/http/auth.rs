//! Who is calling: bearer tokens exactly as Particle's OAuth server reads them (one method
//! only; header, query or form body), and client credentials (HTTP Basic or body).
use actix_web::HttpRequest;
use actix_web::http::Method;
use actix_web::http::header::AUTHORIZATION;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::super::super::route::{Route, product_of};
use super::super::Shared;
use super::super::state::{Principal, State, TokenProblem};
use super::error::SimError;
use super::params::{BodyKind, Params};

/// A caller with a valid token.
#[derive(Debug)]
pub(crate) struct Caller {
    pub(crate) token: String,
    pub(crate) principal: Principal,
    /// The product whose token it is (see `Shared::state_at`).
    pub(crate) product: usize,
}

impl Caller {
    /// Product-wide routes (lists, customers, imports, publishing) need a product token.
    pub(crate) fn require_product(&self) -> Result<(), SimError> {
        match self.principal {
            Principal::Product => Ok(()),
            Principal::Customer(_) => Err(SimError::PermissionDenied),
        }
    }
}

/// The bearer token of the request, checked against the state and the clock.
pub(crate) fn authenticate(
    sim: &Shared,
    req: &HttpRequest,
    params: &Params,
) -> Result<Caller, SimError> {
    let token = bearer_token(req, params)?;
    let now = sim.clock.now();
    // A token belongs to one product; an unknown one is found in none.
    let product = sim
        .find(|state| !matches!(state.token(&token, now), Err(TokenProblem::Invalid)))
        .ok_or_else(invalid_token)?;
    let principal = match sim.state_at(product).token(&token, now) {
        Ok(t) => t.principal.clone(),
        Err(TokenProblem::Invalid) => return Err(invalid_token()),
        Err(TokenProblem::Expired) => return Err(expired_token()),
    };
    if sim.faults().take_token_expired(
        Route::classify(req.method().as_str(), req.path()),
        product_of(req.path()),
    ) {
        return Err(expired_token());
    }
    Ok(Caller {
        token,
        principal,
        product,
    })
}

fn bearer_token(req: &HttpRequest, params: &Params) -> Result<String, SimError> {
    let header = req
        .headers()
        .get(AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or_default());
    let query = params.query("access_token");
    let body = params.has_body("access_token");
    let methods = usize::from(header.is_some()) + usize::from(query.is_some()) + usize::from(body);
    if methods > 1 {
        // Two spaces after "header," in the original.
        return Err(SimError::oauth(
            "invalid_request",
            "Only one method may be used to authenticate at a time (Auth header,  GET or POST).",
        ));
    }
    if let Some(header) = header {
        let token = header
            .strip_prefix("Bearer")
            .filter(|rest| rest.starts_with(char::is_whitespace))
            .and_then(|rest| rest.split_whitespace().next());
        return token
            .map(str::to_owned)
            .ok_or_else(|| SimError::oauth("invalid_request", "Malformed auth header"));
    }
    if body {
        if req.method() == Method::GET {
            return Err(SimError::oauth(
                "invalid_request",
                "Method cannot be GET When putting the token in the body.",
            ));
        }
        if params.kind != BodyKind::Form {
            return Err(SimError::oauth(
                "invalid_request",
                "When putting the token in the body, content type must be application/x-www-form-urlencoded.",
            ));
        }
        return Ok(params.body("access_token").unwrap_or_default());
    }
    query
        .map(str::to_owned)
        .ok_or_else(|| SimError::oauth("invalid_request", "The access token was not found"))
}

pub(crate) fn invalid_token() -> SimError {
    SimError::oauth("invalid_token", "The access token provided is invalid.")
}

pub(crate) fn expired_token() -> SimError {
    SimError::oauth("invalid_token", "The access token provided has expired.")
}

/// Client credentials: HTTP Basic wins over body fields, as in the OAuth server.
#[derive(Debug, Default)]
pub(crate) struct ClientCredentials {
    pub(crate) id: Option<String>,
    pub(crate) secret: Option<String>,
}

impl ClientCredentials {
    pub(crate) fn from_request(req: &HttpRequest, params: &Params) -> Self {
        let basic = req
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, encoded) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("basic").then_some(encoded)
            })
            .and_then(|encoded| STANDARD.decode(encoded.trim()).ok())
            .and_then(|decoded| String::from_utf8(decoded).ok())
            .and_then(|pair| {
                let (id, secret) = pair.split_once(':')?;
                Some(Self {
                    id: Some(id.to_owned()).filter(|s| !s.is_empty()),
                    secret: Some(secret.to_owned()).filter(|s| !s.is_empty()),
                })
            });
        basic.unwrap_or_else(|| Self {
            id: params.body("client_id").filter(|s| !s.is_empty()),
            secret: params.body("client_secret").filter(|s| !s.is_empty()),
        })
    }

    pub(crate) fn is_complete(&self) -> bool {
        self.id.is_some() && self.secret.is_some()
    }

    /// The product whose client these are, or `invalid_client` with `WWW-Authenticate`.
    pub(crate) fn check(&self, sim: &Shared) -> Result<usize, SimError> {
        sim.find(|state| self.matches(state))
            .ok_or_else(|| SimError::oauth("invalid_client", "Client credentials are invalid"))
    }

    fn matches(&self, state: &State) -> bool {
        self.id.as_deref() == Some(state.client.id.as_str())
            && self.secret.as_deref() == Some(state.client.secret.as_str())
    }
}
