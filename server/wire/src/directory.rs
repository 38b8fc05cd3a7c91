//! A tenant's directory: organizations, sites, groups, people, custom roles.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::tenancy::MembershipRole;

/// `POST /api/v1/tenants/{tenant}/organizations`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateOrganization {
    /// Name, unique in the tenant.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 200,
            pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
        )
    )]
    pub name: String,
    /// The parent organization (default: the tenant root).
    #[serde(default)]
    pub parent_id: Option<Uuid>,
}

/// `PATCH /api/v1/tenants/{tenant}/organizations/{id}`: rename and/or move.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganization {
    /// New name.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 200,
            pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
        )
    )]
    pub name: Option<String>,
    /// New parent (not the organization itself nor one of its descendants).
    #[serde(default)]
    pub parent_id: Option<Uuid>,
}

/// What an organization is within its tenant's tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrganizationKind {
    /// The root: the corporate customer itself.
    Tenant,
    /// A client company under the tenant.
    Client,
}

closed_set!(OrganizationKind {
    Tenant => "tenant",
    Client => "client",
});

/// An organization node.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganizationResponse {
    /// Id.
    pub id: Uuid,
    /// Its tenant.
    pub tenant_id: Uuid,
    /// Parent; absent for the tenant root.
    pub parent_id: Option<Uuid>,
    /// The tenant root or a client.
    pub kind: OrganizationKind,
    /// Name.
    pub name: String,
}

/// `POST /api/v1/tenants/{tenant}/sites`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateSite {
    /// The organization it belongs to.
    pub organization_id: Uuid,
    /// Name, unique in its organization.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 200,
            pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
        )
    )]
    pub name: String,
    /// Street address.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 500, pattern = r"^[^\u0000]*$")
    )]
    pub address: Option<String>,
    /// IANA time zone, e.g. `America/Chicago`.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "America/Chicago",
            max_length = 64,
            pattern = r"^[^\u0000]*$"
        )
    )]
    pub timezone: Option<String>,
}

/// `PATCH /api/v1/tenants/{tenant}/sites/{id}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateSite {
    /// New name.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 200,
            pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
        )
    )]
    pub name: Option<String>,
    /// Move to this organization.
    #[serde(default)]
    pub organization_id: Option<Uuid>,
    /// New address.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 500, pattern = r"^[^\u0000]*$")
    )]
    pub address: Option<String>,
    /// New time zone.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "America/Chicago",
            max_length = 64,
            pattern = r"^[^\u0000]*$"
        )
    )]
    pub timezone: Option<String>,
}

/// A site.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SiteResponse {
    /// Id.
    pub id: Uuid,
    /// Its tenant.
    pub tenant_id: Uuid,
    /// Its organization.
    pub organization_id: Uuid,
    /// Name.
    pub name: String,
    /// Street address.
    pub address: Option<String>,
    /// Time zone.
    pub timezone: Option<String>,
}

/// `POST /api/v1/tenants/{tenant}/groups` and `PATCH …/groups/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GroupBody {
    /// Name, unique in its organization.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 200,
            pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
        )
    )]
    pub name: String,
    /// What the group is for.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 1000, pattern = r"^[^\u0000]*$")
    )]
    pub description: Option<String>,
    /// The organization it belongs to (default: the tenant root); whoever manages groups there
    /// manages it. Fixed once created.
    #[serde(default)]
    pub organization_id: Option<Uuid>,
}

/// A group with its members.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupResponse {
    /// Id.
    pub id: Uuid,
    /// Its tenant.
    pub tenant_id: Uuid,
    /// The organization it belongs to.
    pub organization_id: Uuid,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Member user ids.
    pub members: Vec<Uuid>,
}

/// A person in a tenant.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantUserResponse {
    /// User id.
    pub id: Uuid,
    /// Email.
    pub email: String,
    /// Name.
    pub display_name: String,
    /// `admin` when they administer the tenant, else `member`.
    pub role: MembershipRole,
    /// Organizations of this tenant they belong to.
    pub organization_ids: Vec<Uuid>,
}

/// `PATCH /api/v1/tenants/{tenant}/users/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateTenantUser {
    /// For every membership in this tenant.
    pub role: MembershipRole,
}

/// `POST /api/v1/tenants/{tenant}/roles` and `PUT …/roles/{id}`: a custom role.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    /// Name, unique in the tenant, not a built-in role's.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 64,
            pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
        )
    )]
    pub name: String,
    /// What it is for.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 1000, pattern = r"^[^\u0000]*$")
    )]
    pub description: Option<String>,
    /// The actions it holds, e.g. `device.read`, `device.function.call.set_pressure`.
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub actions: Vec<String>,
}

/// A role (built-in or custom) and its actions.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleResponse {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Built-in (viewer, operator, manager) or the tenant's own.
    pub builtin: bool,
    /// Description.
    pub description: Option<String>,
    /// Its actions.
    pub actions: Vec<String>,
}

/// `GET /api/v1/tenants/{tenant}/audit` and its CSV export: filters, each optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct AuditQuery {
    /// By this user.
    pub actor: Option<Uuid>,
    /// This action; a trailing `.` matches a prefix (`grant.`).
    #[cfg_attr(feature = "openapi", param(max_length = 100))]
    pub action: Option<String>,
    /// On objects of this kind (`grant`, `device`, `site`, …).
    #[cfg_attr(feature = "openapi", param(max_length = 50))]
    pub target_kind: Option<String>,
    /// On this object.
    #[cfg_attr(feature = "openapi", param(max_length = 100))]
    pub target_id: Option<String>,
    /// At or after (RFC 3339, years 1 to 9999).
    pub from: Option<DateTime<Utc>>,
    /// Before (RFC 3339, years 1 to 9999).
    pub to: Option<DateTime<Utc>>,
    /// Only refused attempts (`true`), or only what was done (`false`).
    pub refused: Option<bool>,
}

/// One audit record.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditRecordResponse {
    /// Id (time-ordered).
    pub id: Uuid,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Who (absent for the system).
    pub actor_user_id: Option<Uuid>,
    /// Their email then.
    pub actor_email: Option<String>,
    /// The organization it concerns; absent for the tenant as a whole.
    pub organization_id: Option<Uuid>,
    /// What, e.g. `grant.create`; `access.refused` for refused attempts (see `after`).
    pub action: String,
    /// The kind of object.
    pub target_kind: String,
    /// Its id.
    pub target_id: Option<String>,
    /// Before the change.
    pub before: Option<serde_json::Value>,
    /// After the change.
    pub after: Option<serde_json::Value>,
    /// The request that made it.
    pub request_id: Option<String>,
}

/// A page of results.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// 1-based page number.
    pub page: u64,
    /// Page size.
    pub per_page: u64,
    /// Items across all pages.
    pub total: u64,
}

/// Which page of a list: `?page=…&per_page=…`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct PagingQuery {
    /// Page, from 1.
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 1_000_000))]
    pub page: Option<u64>,
    /// Page size, up to 200 (default 50).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub per_page: Option<u64>,
}
