//! Sign-in, sessions, API tokens and passwords.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::tenancy::MembershipRole;

/// `POST /api/v1/auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Login email, any case.
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 320, pattern = r"^[^\u0000]*$")
    )]
    pub email: String,
    /// Password.
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 256, pattern = r"^[^\u0000]*$")
    )]
    pub password: String,
}

/// A signed-in session: also set as the `fw_session` cookie.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    /// Who signed in.
    pub user: UserResponse,
    /// Send as `X-CSRF-Token` on unsafe requests authenticated by the cookie (also readable
    /// from the `fw_csrf` cookie after a reload).
    pub csrf_token: String,
    /// The session as a bearer token (`Authorization: Bearer …`) for API clients.
    pub token: String,
    /// When the session ends at the latest.
    pub expires_at: DateTime<Utc>,
}

/// A user account as others may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserResponse {
    /// Id.
    pub id: Uuid,
    /// Login email, as typed when the account was made.
    pub email: String,
    /// Name shown in the UI.
    pub display_name: String,
    /// Operator staff who manage tenants and products.
    pub is_platform_admin: bool,
}

/// `GET /api/v1/me`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeResponse {
    /// The account.
    pub user: UserResponse,
    /// The organizations the user belongs to.
    pub memberships: Vec<MembershipResponse>,
    /// What the user administers, organization by organization (a tenant's admins: its
    /// root; a client company's manager: that company), so a client shows what they may do.
    #[serde(default)]
    pub administers: Vec<AdministeredResponse>,
    /// How this request was authenticated.
    pub authenticated_by: AuthenticatedBy,
}

/// What authenticated a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuthenticatedBy {
    /// A sign-in session (its cookie, or its token as a bearer).
    Session,
    /// An API token (`fw_…`).
    ApiToken,
}

closed_set!(AuthenticatedBy {
    Session => "session",
    ApiToken => "api_token",
});

/// One membership of a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MembershipResponse {
    /// The organization.
    pub organization_id: Uuid,
    /// Its name.
    pub organization_name: String,
    /// Its tenant (root organization).
    pub tenant_id: Uuid,
    /// Tenant admin or member.
    pub role: MembershipRole,
}

/// An organization (with its subtree) where the user holds directory actions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdministeredResponse {
    /// Its tenant.
    pub tenant_id: Uuid,
    /// The organization (the tenant's id for all of it).
    pub organization_id: Uuid,
    /// Its name.
    pub organization_name: String,
    /// The directory actions held there: of `user.invite`, `group.manage`, `site.manage`,
    /// `device.share`, `audit.read`, `organization.manage`, `role.manage`.
    pub actions: Vec<String>,
}

/// One of my sessions.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionResponse {
    /// Id (for revoking).
    pub id: Uuid,
    /// Sign-in time.
    pub created_at: DateTime<Utc>,
    /// Last request.
    pub last_seen_at: DateTime<Utc>,
    /// Latest end.
    pub expires_at: DateTime<Utc>,
    /// Browser or client, as it said.
    pub user_agent: Option<String>,
    /// Client address at sign-in.
    pub ip: Option<String>,
    /// Whether this is the session making the request.
    pub current: bool,
}

/// `POST /api/v1/me/tokens`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateTokenRequest {
    /// A name to recognise it by.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
        )
    )]
    pub name: String,
    /// When it stops working; absent = until revoked.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// An API token as listed (never the token itself).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    /// Id (for revoking).
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its first characters, to tell tokens apart.
    pub prefix: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Ends; absent = until revoked.
    pub expires_at: Option<DateTime<Utc>>,
    /// Last used (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
}

/// The answer to creating a token: the only time the token is shown.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenCreatedResponse {
    /// The token (`fw_…`); store it now, it is not shown again.
    pub token: String,
    /// Its listing.
    #[serde(flatten)]
    pub details: TokenResponse,
}

/// `POST /api/v1/auth/password/forgot`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ForgotPasswordRequest {
    /// The account's email.
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 320, pattern = r"^[^\u0000]*$")
    )]
    pub email: String,
}

/// `POST /api/v1/auth/password/reset`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    /// The token from the emailed link.
    pub token: String,
    /// The new password.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 12, max_length = 256, pattern = r"^[^\u0000]*$")
    )]
    pub new_password: String,
}

/// `POST /api/v1/me/password`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The password in use now.
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 256, pattern = r"^[^\u0000]*$")
    )]
    pub current_password: String,
    /// The new one.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 12, max_length = 256, pattern = r"^[^\u0000]*$")
    )]
    pub new_password: String,
}
