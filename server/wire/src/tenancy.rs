//! Tenants and invitations into their organizations.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::UserResponse;

/// A person's role in a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MembershipRole {
    /// Tenant admin: manages organizations, sites, groups, people and grants.
    Admin,
    /// Ordinary member: reaches devices only through grants.
    Member,
}

closed_set!(MembershipRole {
    Admin => "admin",
    Member => "member",
});

/// Where an invitation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    /// Its link still works.
    Pending,
    /// Used.
    Accepted,
    /// Withdrawn by an admin.
    Revoked,
    /// Its link ran out.
    Expired,
}

closed_set!(InvitationStatus {
    Pending => "pending",
    Accepted => "accepted",
    Revoked => "revoked",
    Expired => "expired",
});

/// `POST /api/v1/tenants` (platform admins).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateTenantRequest {
    /// The corporate customer's name.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 200,
            pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
        )
    )]
    pub name: String,
}

/// A tenant: the root organization of a corporate customer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantResponse {
    /// Id (also its root organization's id).
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// `POST /api/v1/organizations/{id}/invitations`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateInvitationRequest {
    /// Whom to invite.
    #[cfg_attr(feature = "openapi", schema(format = Email, max_length = 320))]
    pub email: String,
    /// Tenant admin or member.
    pub role: MembershipRole,
}

/// An invitation as its organization's admins see it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationResponse {
    /// Id (for revoking).
    pub id: Uuid,
    /// The organization invited into.
    pub organization_id: Uuid,
    /// Invitee.
    pub email: String,
    /// Tenant admin or member.
    pub role: MembershipRole,
    /// Sent.
    pub created_at: DateTime<Utc>,
    /// Link stops working.
    pub expires_at: DateTime<Utc>,
    /// Where it stands now.
    pub status: InvitationStatus,
}

/// What the invitation page shows before accepting.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationLookupResponse {
    /// Invitee.
    pub email: String,
    /// The organization's name.
    pub organization_name: String,
    /// Tenant admin or member.
    pub role: MembershipRole,
    /// Whether the invitee already has an account (then no password is asked).
    pub account_exists: bool,
}

/// `?token=…`: the token of an emailed link (`GET /api/v1/invitations/lookup`, and the
/// server's `/invite` and `/reset` pages).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct TokenQuery {
    /// From the emailed link.
    pub token: String,
}

/// `POST /api/v1/invitations/accept`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitationRequest {
    /// The token from the emailed link.
    pub token: String,
    /// For a new account: its password.
    #[serde(default)]
    pub password: Option<String>,
    /// For a new account: the name to show.
    #[serde(default)]
    pub display_name: Option<String>,
}

/// The result of accepting.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptedInvitationResponse {
    /// The account (new or existing) that gained the membership.
    pub user: UserResponse,
    /// The organization joined.
    pub organization_id: Uuid,
    /// Tenant admin or member.
    pub role: MembershipRole,
}
