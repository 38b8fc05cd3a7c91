//! The one module that speaks HTTP: requests, CSRF, query strings and the API's errors live
//! here, private to `api`. Its submodules, one per resource (as in `fleetwarden_wire`), only
//! name routes and wire types; pages call those and get `Result<T, ApiError>`, with the API's
//! `{"error", "message", "fields"}` turned into words for people.
use std::collections::BTreeMap;
use std::fmt;

use fleetwarden_wire::directory::PagingQuery;
use fleetwarden_wire::error::ErrorBody;
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsCast;

pub mod account;
pub mod audit;
pub mod auth;
pub mod billing;
pub mod devices;
pub mod directory;
pub mod history;
pub mod invitations;
pub mod sharing;
pub mod tenants;

const BASE: &str = "/api/v1";

/// A failed call, as the dashboard explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The request got no answer (server down, network gone), or could not be built.
    Network(String),
    /// The server answered with an error status.
    Status {
        /// HTTP status.
        status: u16,
        /// The API's code, e.g. `device_offline` (empty when the body wasn't the API's).
        code: String,
        /// The API's sentence.
        message: String,
        /// For 422: field → problems.
        fields: BTreeMap<String, Vec<String>>,
        /// From `Retry-After`, in seconds.
        retry_after: Option<u64>,
    },
}

impl ApiError {
    /// The HTTP status, if the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            Self::Network(_) => None,
        }
    }

    /// The error in words, for the person using the page.
    pub fn words(&self) -> String {
        let Self::Status {
            status,
            code,
            message,
            fields,
            retry_after,
        } = self
        else {
            return "The server can't be reached. Check your connection and try again.".into();
        };
        match (*status, code.as_str()) {
            (401, "invalid_credentials") => "Email or password is wrong.".into(),
            (401, _) => "Your session has ended. Sign in again.".into(),
            (429, _) => format!(
                "Too many attempts, try again in {}.",
                minutes(retry_after.unwrap_or(15 * 60))
            ),
            (403, "exceeds_own_rights") => {
                format!("You can't give more than you hold yourself: {message}")
            }
            (403, "csrf_token_missing") => {
                "Your session's security token is missing. Reload the page and try again.".into()
            }
            (403, _) => "Your role doesn't allow this.".into(),
            (404, _) => "Not found: it was removed, or it is no longer shared with you.".into(),
            (504, _) | (_, "device_offline") => {
                "The device is offline: it didn't answer. Try again once it is back online.".into()
            }
            (502, _) => "The device cloud failed to answer. Try again in a moment.".into(),
            (503, _) => match retry_after {
                Some(s) => {
                    format!("The device cloud is unavailable right now. Try again in {s} seconds.")
                }
                None => "The device cloud is unavailable right now. Try again shortly.".into(),
            },
            (422, _) if !fields.is_empty() => {
                let parts: Vec<String> = fields
                    .iter()
                    .map(|(field, problems)| format!("{field} {}", problems.join(", ")))
                    .collect();
                format!("Please check: {}.", parts.join("; "))
            }
            (409 | 422, _) if !message.is_empty() => capitalised(message),
            (500..=599, _) => {
                "The server failed. Try again; if it keeps failing, tell your administrator.".into()
            }
            _ if !message.is_empty() => capitalised(message),
            _ => format!("The request failed (HTTP {status})."),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.words())
    }
}

fn minutes(seconds: u64) -> String {
    match seconds.div_ceil(60).max(1) {
        1 => "1 minute".into(),
        n => format!("{n} minutes"),
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A result of a call.
pub type ApiResult<T> = Result<T, ApiError>;

/// The CSRF token the server set at sign-in (`fw_csrf`, readable by scripts by design); read
/// at each call, so it survives reloads and follows a new sign-in.
fn csrf_token() -> Option<String> {
    let document = web_sys::window()?.document()?;
    let cookies = document
        .dyn_into::<web_sys::HtmlDocument>()
        .ok()?
        .cookie()
        .ok()?;
    cookies.split(';').find_map(|c| {
        c.trim()
            .strip_prefix("fw_csrf=")
            .map(std::borrow::ToOwned::to_owned)
    })
}

fn unsafe_request(builder: RequestBuilder) -> RequestBuilder {
    match csrf_token() {
        Some(token) => builder.header("X-CSRF-Token", &token),
        None => builder,
    }
}

async fn error_of(response: Response) -> ApiError {
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.trim().parse().ok());
    let body = response.json::<ErrorBody>().await.ok();
    ApiError::Status {
        status,
        code: body.as_ref().map(|b| b.error.clone()).unwrap_or_default(),
        message: body.as_ref().map(|b| b.message.clone()).unwrap_or_default(),
        fields: body.map(|b| b.fields).unwrap_or_default(),
        retry_after,
    }
}

async fn send(request: Result<Request, gloo_net::Error>) -> ApiResult<Response> {
    let response = request
        .map_err(|e| ApiError::Network(e.to_string()))?
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    if response.ok() {
        Ok(response)
    } else {
        Err(error_of(response).await)
    }
}

async fn json<T: DeserializeOwned>(response: Response) -> ApiResult<T> {
    response.json::<T>().await.map_err(|e| ApiError::Status {
        status: response.status(),
        code: "unreadable".into(),
        message: format!("the server's answer could not be read: {e}"),
        fields: BTreeMap::new(),
        retry_after: None,
    })
}

async fn get<T: DeserializeOwned>(path: &str) -> ApiResult<T> {
    json(send(Request::get(&format!("{BASE}{path}")).build()).await?).await
}

async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> ApiResult<T> {
    json(send(unsafe_request(Request::post(&format!("{BASE}{path}"))).json(body)).await?).await
}

async fn post_no_answer<B: Serialize>(path: &str, body: &B) -> ApiResult<()> {
    send(unsafe_request(Request::post(&format!("{BASE}{path}"))).json(body)).await?;
    Ok(())
}

async fn patch<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> ApiResult<T> {
    json(send(unsafe_request(Request::patch(&format!("{BASE}{path}"))).json(body)).await?).await
}

/// PATCH routes that answer 204.
async fn patch_no_answer<B: Serialize>(path: &str, body: &B) -> ApiResult<()> {
    send(unsafe_request(Request::patch(&format!("{BASE}{path}"))).json(body)).await?;
    Ok(())
}

async fn put<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> ApiResult<T> {
    json(send(unsafe_request(Request::put(&format!("{BASE}{path}"))).json(body)).await?).await
}

/// PUT without a body (group membership is named entirely by the path).
async fn put_empty<T: DeserializeOwned>(path: &str) -> ApiResult<T> {
    json(send(unsafe_request(Request::put(&format!("{BASE}{path}"))).build()).await?).await
}

async fn delete(path: &str) -> ApiResult<()> {
    send(unsafe_request(Request::delete(&format!("{BASE}{path}"))).build()).await?;
    Ok(())
}

/// A path segment, percent-encoded.
fn encode(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}

/// A list's filters and the page asked for, in one query string.
#[derive(Serialize)]
struct Paged<'a, F> {
    #[serde(flatten)]
    filter: &'a F,
    #[serde(flatten)]
    paging: &'a PagingQuery,
}

/// `path?query`: the wire query type encoded the way the server's `web::Query` decodes it
/// (serde_urlencoded on both sides), absent fields left out.
fn with_query<Q: Serialize>(path: &str, query: &Q) -> ApiResult<String> {
    let query = serde_urlencoded::to_string(query).map_err(|e| ApiError::Network(e.to_string()))?;
    Ok(if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    })
}
