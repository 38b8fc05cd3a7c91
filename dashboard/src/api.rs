//! The only module that speaks HTTP: typed calls to `/api/v1`, and one error type that turns
//! the API's `{"error", "message", "fields"}` into words for people.
use std::collections::BTreeMap;
use std::fmt;

use fleetwarden_wire::auth::{ForgotPasswordRequest, LoginRequest, LoginResponse, MeResponse};
use fleetwarden_wire::directory::{
    GroupResponse, OrganizationResponse, Page, RoleResponse, SiteResponse, TenantUserResponse,
};
use fleetwarden_wire::error::ErrorBody;
use fleetwarden_wire::products::CatalogEntry;
use fleetwarden_wire::sharing::{
    CreateGrant, DeviceAccessEntry, DeviceResponse, FunctionCallRequest, FunctionCallResponse,
    GrantResponse, VariableResponse,
};
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;
use wasm_bindgen::JsCast;

pub(crate) const BASE: &str = "/api/v1";

/// A failed call, as the dashboard explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The request never got an answer (server down, network gone).
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

pub(crate) fn unsafe_request(builder: RequestBuilder) -> RequestBuilder {
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

pub(crate) async fn send(request: Result<Request, gloo_net::Error>) -> ApiResult<Response> {
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

pub(crate) async fn json<T: DeserializeOwned>(response: Response) -> ApiResult<T> {
    response.json::<T>().await.map_err(|e| ApiError::Status {
        status: response.status(),
        code: "unreadable".into(),
        message: format!("the server's answer could not be read: {e}"),
        fields: BTreeMap::new(),
        retry_after: None,
    })
}

pub(crate) async fn get<T: DeserializeOwned>(path: &str) -> ApiResult<T> {
    json(send(Request::get(&format!("{BASE}{path}")).build()).await?).await
}

pub(crate) async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> ApiResult<T> {
    json(send(unsafe_request(Request::post(&format!("{BASE}{path}"))).json(body)).await?).await
}

pub(crate) async fn post_no_answer<B: Serialize>(path: &str, body: &B) -> ApiResult<()> {
    send(unsafe_request(Request::post(&format!("{BASE}{path}"))).json(body)).await?;
    Ok(())
}

pub(crate) async fn delete(path: &str) -> ApiResult<()> {
    send(unsafe_request(Request::delete(&format!("{BASE}{path}"))).build()).await?;
    Ok(())
}

pub(crate) fn encode(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}

/// Signs in; the server sets the session and CSRF cookies.
pub async fn login(email: String, password: String) -> ApiResult<LoginResponse> {
    post("/auth/login", &LoginRequest { email, password }).await
}

/// Ends this session.
pub async fn logout() -> ApiResult<()> {
    post_no_answer("/auth/logout", &serde_json::json!({})).await
}

/// Asks for a password-reset email (always accepted).
pub async fn forgot_password(email: String) -> ApiResult<()> {
    post_no_answer("/auth/password/forgot", &ForgotPasswordRequest { email }).await
}

/// Who I am and where I belong.
pub async fn me() -> ApiResult<MeResponse> {
    get("/me").await
}

/// Device list filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceQuery {
    /// Name or id contains.
    pub q: String,
    /// Only at this site.
    pub site: Option<Uuid>,
    /// Only under this organization.
    pub organization: Option<Uuid>,
    /// From 1.
    pub page: u64,
    /// Page size.
    pub per_page: u64,
}

/// A page of the devices I may see.
pub async fn devices(query: &DeviceQuery) -> ApiResult<Page<DeviceResponse>> {
    let mut path = format!(
        "/devices?page={}&per_page={}",
        query.page.max(1),
        query.per_page.max(1)
    );
    if !query.q.trim().is_empty() {
        path.push_str(&format!("&q={}", encode(query.q.trim())));
    }
    if let Some(site) = query.site {
        path.push_str(&format!("&site={site}"));
    }
    if let Some(org) = query.organization {
        path.push_str(&format!("&organization={org}"));
    }
    get(&path).await
}

/// One device with my actions on it.
pub async fn device(id: &str) -> ApiResult<DeviceResponse> {
    get(&format!("/devices/{}", encode(id))).await
}

/// Who reaches a device, and through which grants.
pub async fn device_access(id: &str) -> ApiResult<Vec<DeviceAccessEntry>> {
    get(&format!("/devices/{}/access", encode(id))).await
}

/// Calls a device function.
pub async fn call_function(id: &str, name: &str, arg: String) -> ApiResult<FunctionCallResponse> {
    post(
        &format!("/devices/{}/functions/{}", encode(id), encode(name)),
        &FunctionCallRequest { arg },
    )
    .await
}

/// Reads a device variable.
pub async fn read_variable(id: &str, name: &str) -> ApiResult<VariableResponse> {
    get(&format!(
        "/devices/{}/variables/{}",
        encode(id),
        encode(name)
    ))
    .await
}

/// The functions and variables of the device's product.
pub async fn catalog(id: &str) -> ApiResult<Vec<CatalogEntry>> {
    get(&format!("/devices/{}/catalog", encode(id))).await
}

/// A tenant's organizations.
pub async fn organizations(tenant: Uuid) -> ApiResult<Vec<OrganizationResponse>> {
    get(&format!("/tenants/{tenant}/organizations")).await
}

/// A tenant's sites.
pub async fn sites(tenant: Uuid) -> ApiResult<Vec<SiteResponse>> {
    get(&format!("/tenants/{tenant}/sites")).await
}

/// A tenant's groups.
pub async fn groups(tenant: Uuid) -> ApiResult<Vec<GroupResponse>> {
    get(&format!("/tenants/{tenant}/groups")).await
}

/// A tenant's people.
pub async fn users(tenant: Uuid) -> ApiResult<Vec<TenantUserResponse>> {
    get(&format!("/tenants/{tenant}/users")).await
}

/// A tenant's roles, built-in and custom.
pub async fn roles(tenant: Uuid) -> ApiResult<Vec<RoleResponse>> {
    get(&format!("/tenants/{tenant}/roles")).await
}

/// Shares: creates a grant.
pub async fn create_grant(tenant: Uuid, grant: &CreateGrant) -> ApiResult<GrantResponse> {
    post(&format!("/tenants/{tenant}/grants"), grant).await
}

/// Revokes a grant.
pub async fn revoke_grant(tenant: Uuid, grant: Uuid) -> ApiResult<()> {
    delete(&format!("/tenants/{tenant}/grants/{grant}")).await
}
