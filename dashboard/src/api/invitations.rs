//! Invitations into an organization (`/organizations/{id}/invitations`, `/invitations`).
use fleetwarden_wire::tenancy::{CreateInvitationRequest, InvitationResponse, MembershipRole};
use uuid::Uuid;

use super::{ApiResult, delete, get, post};

/// An organization's invitations, newest first.
pub async fn list(organization: Uuid) -> ApiResult<Vec<InvitationResponse>> {
    get(&format!("/organizations/{organization}/invitations")).await
}

/// Invites an email into an organization; the server mails the link.
pub async fn create(
    organization: Uuid,
    email: String,
    role: MembershipRole,
) -> ApiResult<InvitationResponse> {
    post(
        &format!("/organizations/{organization}/invitations"),
        &CreateInvitationRequest { email, role },
    )
    .await
}

/// Revokes a pending invitation.
pub async fn revoke(id: Uuid) -> ApiResult<()> {
    delete(&format!("/invitations/{id}")).await
}
