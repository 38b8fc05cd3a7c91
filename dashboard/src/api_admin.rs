//! The administration calls (directory, people, invitations, audit, my account), built on the
//! request helpers of `api`, so errors come back as the same `ApiError` and CSRF is handled
//! in one place.
use chrono::{DateTime, Utc};
use fleetwarden_wire::auth::{
    ChangePasswordRequest, CreateTokenRequest, SessionResponse, TokenCreatedResponse, TokenResponse,
};
use fleetwarden_wire::directory::{
    AuditRecordResponse, CreateOrganization, CreateSite, GroupBody, GroupResponse,
    OrganizationResponse, Page, SiteResponse, UpdateOrganization, UpdateSite, UpdateTenantUser,
};
use fleetwarden_wire::tenancy::{CreateInvitationRequest, InvitationResponse};
use gloo_net::http::Request;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::api::{self, ApiResult, BASE, delete, encode, get, json, post, send, unsafe_request};

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

// --- organizations, sites, groups -----------------------------------------------------------

/// Creates a client organization.
pub async fn create_organization(
    tenant: Uuid,
    body: &CreateOrganization,
) -> ApiResult<OrganizationResponse> {
    post(&format!("/tenants/{tenant}/organizations"), body).await
}

/// Renames and/or moves an organization.
pub async fn update_organization(
    tenant: Uuid,
    id: Uuid,
    body: &UpdateOrganization,
) -> ApiResult<OrganizationResponse> {
    patch(&format!("/tenants/{tenant}/organizations/{id}"), body).await
}

/// Deletes an empty client organization (409 while it holds sites or organizations).
pub async fn delete_organization(tenant: Uuid, id: Uuid) -> ApiResult<()> {
    delete(&format!("/tenants/{tenant}/organizations/{id}")).await
}

/// Creates a site.
pub async fn create_site(tenant: Uuid, body: &CreateSite) -> ApiResult<SiteResponse> {
    post(&format!("/tenants/{tenant}/sites"), body).await
}

/// Edits or moves a site.
pub async fn update_site(tenant: Uuid, id: Uuid, body: &UpdateSite) -> ApiResult<SiteResponse> {
    patch(&format!("/tenants/{tenant}/sites/{id}"), body).await
}

/// Deletes a site; its devices stay, unplaced.
pub async fn delete_site(tenant: Uuid, id: Uuid) -> ApiResult<()> {
    delete(&format!("/tenants/{tenant}/sites/{id}")).await
}

/// Creates a group.
pub async fn create_group(tenant: Uuid, body: &GroupBody) -> ApiResult<GroupResponse> {
    post(&format!("/tenants/{tenant}/groups"), body).await
}

/// Renames a group (name and description together).
pub async fn update_group(tenant: Uuid, id: Uuid, body: &GroupBody) -> ApiResult<GroupResponse> {
    put(&format!("/tenants/{tenant}/groups/{id}"), body).await
}

/// Deletes a group and the grants given to it.
pub async fn delete_group(tenant: Uuid, id: Uuid) -> ApiResult<()> {
    delete(&format!("/tenants/{tenant}/groups/{id}")).await
}

/// Adds a person to a group.
pub async fn add_member(tenant: Uuid, group: Uuid, user: Uuid) -> ApiResult<GroupResponse> {
    put_empty(&format!("/tenants/{tenant}/groups/{group}/members/{user}")).await
}

/// Removes a person from a group.
pub async fn remove_member(tenant: Uuid, group: Uuid, user: Uuid) -> ApiResult<()> {
    delete(&format!("/tenants/{tenant}/groups/{group}/members/{user}")).await
}

// --- people and invitations -----------------------------------------------------------------

/// Makes someone a tenant admin (`admin`) or a plain member (`member`).
pub async fn set_user_role(tenant: Uuid, user: Uuid, role: &str) -> ApiResult<()> {
    patch_no_answer(
        &format!("/tenants/{tenant}/users/{user}"),
        &UpdateTenantUser { role: role.into() },
    )
    .await
}

/// Removes someone from the tenant, with their group memberships and grants there.
pub async fn remove_user(tenant: Uuid, user: Uuid) -> ApiResult<()> {
    delete(&format!("/tenants/{tenant}/users/{user}")).await
}

/// An organization's invitations, newest first.
pub async fn invitations(organization: Uuid) -> ApiResult<Vec<InvitationResponse>> {
    get(&format!("/organizations/{organization}/invitations")).await
}

/// Invites an email into an organization; the server mails the link.
pub async fn invite(
    organization: Uuid,
    email: String,
    role: String,
) -> ApiResult<InvitationResponse> {
    post(
        &format!("/organizations/{organization}/invitations"),
        &CreateInvitationRequest { email, role },
    )
    .await
}

/// Revokes a pending invitation.
pub async fn revoke_invitation(id: Uuid) -> ApiResult<()> {
    delete(&format!("/invitations/{id}")).await
}

// --- audit ----------------------------------------------------------------------------------

/// Audit log filters; empty strings mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// By this user.
    pub actor: Option<Uuid>,
    /// This action, or a prefix when it ends with `.`.
    pub action: String,
    /// On objects of this kind.
    pub target_kind: String,
    /// On this object.
    pub target_id: String,
    /// At or after.
    pub from: Option<DateTime<Utc>>,
    /// Before.
    pub to: Option<DateTime<Utc>>,
    /// From 1.
    pub page: u64,
    /// Page size (the server caps it at 200).
    pub per_page: u64,
}

/// The filters as query parameters, each starting with `&`.
fn audit_filters(q: &AuditQuery) -> String {
    let mut path = String::new();
    if let Some(actor) = q.actor {
        path.push_str(&format!("&actor={actor}"));
    }
    for (key, value) in [
        ("action", &q.action),
        ("target_kind", &q.target_kind),
        ("target_id", &q.target_id),
    ] {
        if !value.trim().is_empty() {
            path.push_str(&format!("&{key}={}", encode(value.trim())));
        }
    }
    for (key, value) in [("from", q.from), ("to", q.to)] {
        if let Some(t) = value {
            // `+` in an offset would read as a space in a query string; UTC's `Z` has none.
            path.push_str(&format!(
                "&{key}={}",
                encode(&t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            ));
        }
    }
    path
}

/// A page of the tenant's audit log, newest first.
pub async fn audit(tenant: Uuid, q: &AuditQuery) -> ApiResult<Page<AuditRecordResponse>> {
    get(&format!(
        "/tenants/{tenant}/audit?page={}&per_page={}{}",
        q.page.max(1),
        q.per_page.clamp(1, 200),
        audit_filters(q)
    ))
    .await
}

/// Where the browser downloads the log, filtered as `q` (the session cookie goes with it).
pub fn audit_export_url(tenant: Uuid, q: &AuditQuery) -> String {
    let filters = audit_filters(q);
    let query = filters.strip_prefix('&').unwrap_or(&filters);
    format!("{BASE}/tenants/{tenant}/audit/export?{query}")
}

// --- my account -----------------------------------------------------------------------------

/// My live sessions, newest first.
pub async fn sessions() -> ApiResult<Vec<SessionResponse>> {
    get("/me/sessions").await
}

/// Ends one of my sessions.
pub async fn revoke_session(id: Uuid) -> ApiResult<()> {
    delete(&format!("/me/sessions/{id}")).await
}

/// My API tokens (never the secrets).
pub async fn tokens() -> ApiResult<Vec<TokenResponse>> {
    get("/me/tokens").await
}

/// Creates an API token; the answer is the only time its secret is shown.
pub async fn create_token(
    name: String,
    expires_at: Option<DateTime<Utc>>,
) -> ApiResult<TokenCreatedResponse> {
    post("/me/tokens", &CreateTokenRequest { name, expires_at }).await
}

/// Revokes one of my API tokens.
pub async fn revoke_token(id: Uuid) -> ApiResult<()> {
    delete(&format!("/me/tokens/{id}")).await
}

/// Changes my password; the server ends my other sessions.
pub async fn change_password(current_password: String, new_password: String) -> ApiResult<()> {
    api::post_no_answer(
        "/me/password",
        &ChangePasswordRequest {
            current_password,
            new_password,
        },
    )
    .await
}
