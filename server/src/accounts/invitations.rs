//! Invitations: whoever holds `user.invite` on an organization (its managers, a tenant's
//! admins) invites an email into it with a role (admin takes a tenant admin); the emailed,
//! single-use link works for a new person (who sets a password) and for someone who already
//! has an account (who just gains the membership).
use chrono::Duration;
use entity::enums::MembershipRole;
use entity::invitation;
use fleetwarden_wire::tenancy::{self as wire, InvitationStatus};

use super::AccountError;
use crate::audit;
use crate::auth::{ClientInfo, Principal};
use crate::changes::Change;
use crate::domain::ids::{InvitationId, OrganizationId};
use crate::domain::{email::Email, secrets};
use crate::email::Template;
use crate::state::AppState;
use crate::store;

/// A membership role as stored.
pub fn stored_role(role: wire::MembershipRole) -> MembershipRole {
    match role {
        wire::MembershipRole::Admin => MembershipRole::Admin,
        wire::MembershipRole::Member => MembershipRole::Member,
    }
}

/// A stored membership role as the API names it.
pub fn wire_role(role: MembershipRole) -> wire::MembershipRole {
    match role {
        MembershipRole::Admin => wire::MembershipRole::Admin,
        MembershipRole::Member => wire::MembershipRole::Member,
    }
}

/// Where the invitation stands at `now`.
pub fn status(inv: &invitation::Model, now: chrono::DateTime<chrono::Utc>) -> InvitationStatus {
    if inv.accepted_at.is_some() {
        InvitationStatus::Accepted
    } else if inv.revoked_at.is_some() {
        InvitationStatus::Revoked
    } else if inv.expires_at <= now {
        InvitationStatus::Expired
    } else {
        InvitationStatus::Pending
    }
}

/// Invites `email` into the organization and mails the link.
///
/// # Errors
/// 404/403 when the caller may not invite into it, 422 for a bad email or role.
pub async fn create(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    organization_id: OrganizationId,
    email: &str,
    role: wire::MembershipRole,
) -> Result<invitation::Model, AccountError> {
    let organization_id = uuid::Uuid::from(organization_id);
    let admin = role == wire::MembershipRole::Admin;
    let org =
        super::tenants::inviting(state, principal, OrganizationId(organization_id), admin).await?;
    let email = Email::parse(email).map_err(|e| AccountError::invalid("email", e.to_string()))?;
    let now = state.clock.now();
    let hours = state.settings.auth.invitation_hours;
    let minted = secrets::mint(secrets::Kind::Invitation);
    let txn = state.writer.begin().await?;
    let inv = store::invitations::insert(
        &*txn,
        store::invitations::NewInvitation {
            tenant_id: org.tenant_id,
            organization_id: org.id,
            email: &email,
            role: stored_role(role),
            token_hash: minted.hash,
            invited_by: principal.user_id(),
            expires_at: now + Duration::hours(hours),
        },
        now,
    )
    .await?;
    txn.audit(audit::Entry {
        tenant_id: Some(org.tenant_id),
        actor_user_id: Some(principal.user_id()),
        actor_email: Some(principal.user.email.clone()),
        organization_id: Some(org.id),
        action: "invitation.create",
        target_kind: "invitation",
        target_id: Some(inv.id.to_string()),
        after: Some(serde_json::json!({
            "email": inv.email, "organization_id": org.id, "role": role,
        })),
        ip: client.ip.clone(),
        request_id: client.request_id.clone(),
        ..Default::default()
    })
    .await?;
    txn.commit().await?;
    let link = format!("{}/invite?token={}", state.public_url, minted.secret);
    state.send_later(
        inv.email.clone(),
        Template::Invitation {
            link,
            organization: org.name,
            inviter: Some(principal.user.display_name.clone()),
            role: role.as_str().to_owned(),
            hours_valid: hours,
        },
    );
    Ok(inv)
}

/// An organization's invitations.
///
/// # Errors
/// 404/403 when the caller may not invite into it.
pub async fn list(
    state: &AppState,
    principal: &Principal,
    organization_id: OrganizationId,
) -> Result<Vec<invitation::Model>, AccountError> {
    let organization_id = uuid::Uuid::from(organization_id);
    let org =
        super::tenants::inviting(state, principal, OrganizationId(organization_id), false).await?;
    Ok(store::invitations::of_organization(&state.db, org.id).await?)
}

/// Revokes a pending invitation.
///
/// # Errors
/// 404 when unknown or not the caller's to see, 403 when not theirs to revoke, 409 when no
/// longer pending.
pub async fn revoke(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    id: InvitationId,
) -> Result<(), AccountError> {
    let id = uuid::Uuid::from(id);
    let inv = store::invitations::find(&state.db, id)
        .await?
        .ok_or(AccountError::NotFound)?;
    let admin = inv.role == MembershipRole::Admin;
    super::tenants::inviting(state, principal, OrganizationId(inv.organization_id), admin).await?;
    let txn = state.writer.begin().await?;
    if !store::invitations::revoke(&*txn, id, state.clock.now()).await? {
        return Err(AccountError::Conflict(
            "the invitation is no longer pending".into(),
        ));
    }
    txn.audit(audit::Entry {
        tenant_id: Some(inv.tenant_id),
        actor_user_id: Some(principal.user_id()),
        actor_email: Some(principal.user.email.clone()),
        organization_id: Some(inv.organization_id),
        action: "invitation.revoke",
        target_kind: "invitation",
        target_id: Some(id.to_string()),
        ip: client.ip.clone(),
        request_id: client.request_id.clone(),
        ..Default::default()
    })
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A pending invitation and its organization, by link token.
///
/// # Errors
/// 404 when the link is unknown, used, revoked or expired.
pub async fn pending(
    state: &AppState,
    token: &str,
) -> Result<(invitation::Model, entity::organization::Model, bool), AccountError> {
    let now = state.clock.now();
    let inv = store::invitations::find_by_hash(&state.db, &secrets::hash(token.trim()))
        .await?
        .filter(|inv| status(inv, now) == InvitationStatus::Pending)
        .ok_or(AccountError::NotFound)?;
    let org = store::organizations::find(&state.db, inv.organization_id)
        .await?
        .ok_or(AccountError::NotFound)?;
    let exists = store::users::find_by_email_lower(&state.db, &inv.email_lower)
        .await?
        .is_some();
    Ok((inv, org, exists))
}

/// Leaves an acceptance the plan's seat limit refused in the tenant's audit log, as a refusal,
/// so its admins learn that someone was turned away. Written on its own: the acceptance's own
/// transaction is gone. A failure to write it is logged; the 409 stands either way.
async fn note_seat_limit(
    state: &AppState,
    client: &ClientInfo,
    inv: &invitation::Model,
    actor: Option<uuid::Uuid>,
    why: &str,
) {
    let entry = audit::Entry {
        tenant_id: Some(inv.tenant_id),
        organization_id: Some(inv.organization_id),
        actor_user_id: actor,
        actor_email: Some(inv.email.clone()),
        action: store::audit_log::REFUSED,
        target_kind: "invitation",
        target_id: Some(inv.id.to_string()),
        after: Some(serde_json::json!({
            "attempted": "invitation.accept", "reason": "seat_limit", "count": 1, "message": why,
        })),
        ip: client.ip.clone(),
        request_id: client.request_id.clone(),
        ..Default::default()
    };
    let written = async {
        let txn = state.writer.begin().await?;
        txn.audit(entry).await?;
        txn.commit().await
    };
    if let Err(err) = written.await {
        tracing::error!(error = %err, "the seat-limit refusal's audit record was not written");
    }
}

/// Accepts: an existing account gains the membership; otherwise an account is created with
/// the given password.
///
/// # Errors
/// 404 for an unusable link, 422 when a new account's password is missing or weak.
pub async fn accept(
    state: &AppState,
    client: &ClientInfo,
    token: &str,
    password_given: Option<String>,
    display_name: Option<String>,
) -> Result<(entity::user::Model, invitation::Model), AccountError> {
    let (inv, org, _) = pending(state, token).await?;
    let now = state.clock.now();
    let existing = store::users::find_by_email_lower(&state.db, &inv.email_lower).await?;
    let existed = existing.as_ref().map(|user| user.id);
    let new_hash = match (&existing, password_given) {
        (Some(_), _) => None,
        (None, None) => {
            return Err(AccountError::invalid(
                "password",
                "is needed to create your account",
            ));
        }
        (None, Some(pw)) => {
            super::check_new_password("password", &pw)?;
            Some(super::hash_password(pw, super::hash_params(&state.settings.auth)).await?)
        }
    };
    let mut txn = state.writer.begin().await?;
    let user = match existing {
        Some(user) => user,
        None => {
            let email = Email::parse(&inv.email).map_err(|e| AccountError::Internal(e.into()))?;
            let name = display_name
                .map(|n| n.trim().chars().take(200).collect::<String>())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| email.display.split('@').next().unwrap_or("").to_owned());
            store::users::insert(
                &*txn,
                store::users::NewUser {
                    email: &email,
                    display_name: &name,
                    password_hash: new_hash,
                    is_platform_admin: false,
                },
            )
            .await?
        }
    };
    if !store::invitations::accept(&*txn, inv.id, user.id, now).await? {
        return Err(AccountError::NotFound);
    }
    // Checked inside the transaction that seats them, taking turns with every other change
    // that may seat someone in the tenant, so two acceptances can't both take the last seat.
    store::seats::take_turn(&*txn, inv.tenant_id).await?;
    if let Err(refused) = crate::billing::limits::check(&*txn, inv.tenant_id, user.id, now).await {
        drop(txn);
        return Err(match refused {
            crate::tenancy::TenancyError::SeatLimit(why) => {
                note_seat_limit(state, client, &inv, existed, &why).await;
                AccountError::Conflict(why)
            }
            other => AccountError::Internal(anyhow::anyhow!(other)),
        });
    }
    store::memberships::ensure(&*txn, user.id, &org, inv.role, now).await?;
    store::seats::settle(&*txn, inv.tenant_id, Some(&[user.id]), now).await?;
    txn.audit(audit::Entry {
        tenant_id: Some(inv.tenant_id),
        actor_user_id: Some(user.id),
        actor_email: Some(user.email.clone()),
        organization_id: Some(org.id),
        action: "invitation.accept",
        target_kind: "invitation",
        target_id: Some(inv.id.to_string()),
        after: Some(serde_json::json!({
            "organization_id": org.id, "role": wire_role(inv.role),
        })),
        ip: client.ip.clone(),
        request_id: client.request_id.clone(),
        ..Default::default()
    })
    .await?;
    txn.change(Change::Membership {
        user: user.id,
        organization: org.id,
        member: true,
    });
    if inv.role == MembershipRole::Admin {
        txn.change(Change::TenantAdmin {
            user: user.id,
            tenant: inv.tenant_id,
            admin: true,
        });
    }
    txn.commit().await?;
    Ok((user, inv))
}
