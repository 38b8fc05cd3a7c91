//! Grants, devices and "who has access and why".
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What kind of subject a grant is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// One person.
    User,
    /// Everyone in a group.
    Group,
}

closed_set!(SubjectKind {
    User => "user",
    Group => "group",
});

/// Who a grant is for: `{"kind": "user", "id": …}` or `{"kind": "group", "id": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SubjectRef {
    /// A user or a group.
    pub kind: SubjectKind,
    /// Its id.
    pub id: Uuid,
}

/// What kind of scope a grant covers, from the narrowest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    /// One device.
    Device,
    /// Every device placed at a site.
    Site,
    /// Every device at the sites of an organization and its descendants.
    Organization,
    /// Every device of the tenant.
    Tenant,
}

closed_set!(ScopeKind {
    Device => "device",
    Site => "site",
    Organization => "organization",
    Tenant => "tenant",
});

/// What a grant covers: `{"kind": "device"|"site"|"organization"|"tenant", "id": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ScopeRef {
    /// A device, site, organization or tenant.
    pub kind: ScopeKind,
    /// Its id (a device's 24-hex Particle id, else a UUID).
    pub id: String,
}

/// `POST /api/v1/tenants/{tenant}/grants`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateGrant {
    /// Who.
    pub subject: SubjectRef,
    /// On what.
    pub scope: ScopeRef,
    /// Which role (built-in or custom).
    pub role_id: Uuid,
    /// Until when; absent = until revoked.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// `PATCH /api/v1/tenants/{tenant}/grants/{id}`: a new role and/or expiry; what is absent stays.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateGrant {
    /// Another role (built-in or custom).
    #[serde(default)]
    pub role_id: Option<Uuid>,
    /// A new end, in the future; `null` makes it last until revoked.
    #[serde(default, with = "double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<DateTime<Utc>>))]
    pub expires_at: Option<Option<DateTime<Utc>>>,
}

/// `GET /api/v1/tenants/{tenant}/grants`: filters, each optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct GrantQuery {
    /// Given to this user directly.
    pub user: Option<Uuid>,
    /// Given to this group.
    pub group: Option<Uuid>,
    /// On this device (its 24-hex Particle id).
    #[cfg_attr(feature = "openapi", param(pattern = "^[0-9a-fA-F]{24}$"))]
    pub device: Option<String>,
    /// On this site.
    pub site: Option<Uuid>,
    /// On this organization.
    pub organization: Option<Uuid>,
    /// Of this role.
    pub role: Option<Uuid>,
    /// `true`: only grants that count now.
    pub active: Option<bool>,
}

/// A grant.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrantResponse {
    /// Id.
    pub id: Uuid,
    /// Tenant.
    pub tenant_id: Uuid,
    /// Who.
    pub subject: SubjectRef,
    /// On what.
    pub scope: ScopeRef,
    /// Role id.
    pub role_id: Uuid,
    /// Role name.
    pub role_name: String,
    /// Ends; absent = until revoked.
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether it counts now.
    pub active: bool,
    /// Who made it.
    pub created_by: Option<Uuid>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// `GET /api/v1/devices`: filters, each optional (the page is a `PagingQuery`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct DeviceQuery {
    /// Only at this site.
    pub site: Option<Uuid>,
    /// Only at sites of this organization and its descendants.
    pub organization: Option<Uuid>,
    /// Name or id contains this (any case).
    pub q: Option<String>,
}

/// A device I may see.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceResponse {
    /// Particle id (24 hex).
    pub id: String,
    /// Name.
    pub name: String,
    /// Owning tenant.
    pub tenant_id: Uuid,
    /// Site, if placed.
    pub site_id: Option<Uuid>,
    /// The site's name.
    pub site_name: Option<String>,
    /// The site's organization.
    pub organization_id: Option<Uuid>,
    /// Last known online state.
    pub online: bool,
    /// Last heard from.
    pub last_heard_at: Option<DateTime<Utc>>,
    /// What I may do with it.
    pub actions: Vec<String>,
}

/// `PATCH /api/v1/devices/{id}`: rename and/or place (site_id null unplaces).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateDevice {
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
    /// New site; `null` removes it from its site.
    #[serde(default, with = "double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Uuid>))]
    pub site_id: Option<Option<Uuid>>,
}

pub(crate) mod double_option {
    //! Tells an absent field (leave as is) from an explicit `null` (clear it).
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer, T: Serialize>(
        value: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// What one step in a chain of access is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// Membership of a group.
    Group,
    /// A grant of a role on a scope.
    Grant,
    /// Administering the device's tenant.
    TenantAdmin,
    /// Administering the platform (the operator's staff: every action on every device).
    PlatformAdmin,
}

closed_set!(LinkKind {
    Group => "group",
    Grant => "grant",
    TenantAdmin => "tenant_admin",
    PlatformAdmin => "platform_admin",
});

/// One step in a chain of access.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChainLink {
    /// A group, a grant or tenant administration.
    pub kind: LinkKind,
    /// Group or grant id.
    pub id: Option<Uuid>,
    /// Group name, or for a grant: its role's name.
    pub name: Option<String>,
    /// For a grant: its scope.
    pub scope: Option<ScopeRef>,
    /// For a grant: the scope's name (site, organization, tenant or device name).
    pub scope_name: Option<String>,
    /// For a grant: when it ends.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Someone who reaches the device.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceAccessEntry {
    /// User id.
    pub user_id: Uuid,
    /// Email.
    pub email: String,
    /// Name.
    pub display_name: String,
    /// Their effective actions.
    pub actions: Vec<String>,
    /// Each chain of grants that gives them access (user → group → grant on scope → device).
    pub chains: Vec<Vec<ChainLink>>,
}

/// `POST /api/v1/devices/{id}/functions/{name}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FunctionCallRequest {
    /// The function's argument (at most 1024 bytes).
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 256, pattern = r"^[^\u0000]*$")
    )]
    pub arg: String,
}

/// A function's answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunctionCallResponse {
    /// What the firmware function returned.
    pub return_value: i64,
    /// Whether the device was connected.
    pub connected: bool,
}

/// A variable's value.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VariableResponse {
    /// The variable.
    pub name: String,
    /// Its value (number, string or boolean, as the firmware types it).
    pub value: serde_json::Value,
}
