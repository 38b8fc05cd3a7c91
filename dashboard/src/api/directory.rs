//! A tenant's directory (`/tenants/{tenant}/…`): organizations, sites, groups and their members,
//! people, roles.
use fleetwarden_wire::directory::{
    CreateOrganization, CreateSite, GroupBody, GroupResponse, OrganizationResponse, RoleResponse,
    SiteResponse, TenantUserResponse, UpdateOrganization, UpdateSite, UpdateTenantUser,
};
use fleetwarden_wire::tenancy::MembershipRole;
use uuid::Uuid;

use super::{ApiResult, delete, get, patch, patch_no_answer, post, put, put_empty};

/// A tenant's organizations.
pub async fn organizations(tenant: Uuid) -> ApiResult<Vec<OrganizationResponse>> {
    get(&format!("/tenants/{tenant}/organizations")).await
}

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

/// A tenant's sites.
pub async fn sites(tenant: Uuid) -> ApiResult<Vec<SiteResponse>> {
    get(&format!("/tenants/{tenant}/sites")).await
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

/// A tenant's groups.
pub async fn groups(tenant: Uuid) -> ApiResult<Vec<GroupResponse>> {
    get(&format!("/tenants/{tenant}/groups")).await
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

/// A tenant's people.
pub async fn users(tenant: Uuid) -> ApiResult<Vec<TenantUserResponse>> {
    get(&format!("/tenants/{tenant}/users")).await
}

/// Makes someone a tenant admin (`admin`) or a plain member (`member`).
pub async fn set_user_role(tenant: Uuid, user: Uuid, role: MembershipRole) -> ApiResult<()> {
    patch_no_answer(
        &format!("/tenants/{tenant}/users/{user}"),
        &UpdateTenantUser { role },
    )
    .await
}

/// Removes someone from the tenant, with their group memberships and grants there.
pub async fn remove_user(tenant: Uuid, user: Uuid) -> ApiResult<()> {
    delete(&format!("/tenants/{tenant}/users/{user}")).await
}

/// A tenant's roles, built-in and custom.
pub async fn roles(tenant: Uuid) -> ApiResult<Vec<RoleResponse>> {
    get(&format!("/tenants/{tenant}/roles")).await
}
