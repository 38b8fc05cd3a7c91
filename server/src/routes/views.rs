//! Stored rows to wire types. Entities never go over the wire as they are.
use fleetwarden_wire::auth::{SessionResponse, TokenResponse, UserResponse};
use fleetwarden_wire::tenancy::{InvitationResponse, TenantResponse};

use crate::accounts::invitations::{status, wire_role};

/// A user as others may see them.
pub fn user(u: &crate::auth::Account) -> UserResponse {
    UserResponse {
        id: u.id,
        email: u.email.clone(),
        display_name: u.display_name.clone(),
        is_platform_admin: u.is_platform_admin,
    }
}

/// One of my sessions.
pub fn session(s: &entity::session::Model, current: Option<uuid::Uuid>) -> SessionResponse {
    SessionResponse {
        id: s.id,
        created_at: s.created_at,
        last_seen_at: s.last_seen_at,
        expires_at: s.expires_at,
        user_agent: s.user_agent.clone(),
        ip: s.ip.clone(),
        current: current == Some(s.id),
    }
}

/// An API token's listing.
pub fn token(t: &entity::api_token::Model) -> TokenResponse {
    TokenResponse {
        id: t.id,
        name: t.name.clone(),
        prefix: t.token_prefix.clone(),
        created_at: t.created_at,
        expires_at: t.expires_at,
        last_used_at: t.last_used_at,
    }
}

/// A tenant.
pub fn tenant(o: &entity::organization::Model) -> TenantResponse {
    TenantResponse {
        id: o.id,
        name: o.name.clone(),
        created_at: o.created_at,
    }
}

/// An invitation, with its status at `now`.
pub fn invitation(
    i: &entity::invitation::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> InvitationResponse {
    InvitationResponse {
        id: i.id,
        organization_id: i.organization_id,
        email: i.email.clone(),
        role: wire_role(i.role),
        created_at: i.created_at,
        expires_at: i.expires_at,
        status: status(i, now),
    }
}
