//! Invitations into an organization, stored by the hash of their link token.
use chrono::{DateTime, Utc};
use entity::enums::MembershipRole;
use entity::invitation;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

use crate::domain::email::Email;

/// An invitation to store.
pub struct NewInvitation<'a> {
    /// Tenant of the organization.
    pub tenant_id: Uuid,
    /// The organization.
    pub organization_id: Uuid,
    /// Invitee.
    pub email: &'a Email,
    /// Role on joining.
    pub role: MembershipRole,
    /// Hash of the link token.
    pub token_hash: String,
    /// Who invited.
    pub invited_by: Uuid,
    /// Link stops working.
    pub expires_at: DateTime<Utc>,
}

/// Stores an invitation.
///
/// # Errors
/// Database failures.
pub async fn insert(
    db: &impl ConnectionTrait,
    new: NewInvitation<'_>,
    now: DateTime<Utc>,
) -> Result<invitation::Model, DbErr> {
    invitation::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(new.tenant_id),
        organization_id: Set(new.organization_id),
        email: Set(new.email.display.clone()),
        email_lower: Set(new.email.lower.clone()),
        role: Set(new.role),
        token_hash: Set(new.token_hash),
        invited_by: Set(Some(new.invited_by)),
        created_at: Set(now),
        expires_at: Set(new.expires_at),
        accepted_at: Set(None),
        accepted_user_id: Set(None),
        revoked_at: Set(None),
    }
    .insert(db)
    .await
}

/// The invitation with this token hash.
///
/// # Errors
/// Database failures.
pub async fn find_by_hash(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<invitation::Model>, DbErr> {
    invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(token_hash))
        .one(db)
        .await
}

/// One invitation.
///
/// # Errors
/// Database failures.
pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<invitation::Model>, DbErr> {
    invitation::Entity::find_by_id(id).one(db).await
}

/// An organization's invitations, newest first.
///
/// # Errors
/// Database failures.
pub async fn of_organization(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
) -> Result<Vec<invitation::Model>, DbErr> {
    invitation::Entity::find()
        .filter(invitation::Column::OrganizationId.eq(organization_id))
        .order_by_desc(invitation::Column::CreatedAt)
        .all(db)
        .await
}

/// Marks it accepted if still open; false when another request won the race.
///
/// # Errors
/// Database failures.
pub async fn accept(
    db: &impl ConnectionTrait,
    id: Uuid,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = invitation::Entity::update_many()
        .col_expr(invitation::Column::AcceptedAt, Expr::value(now))
        .col_expr(invitation::Column::AcceptedUserId, Expr::value(user_id))
        .filter(invitation::Column::Id.eq(id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Revokes it if still open.
///
/// # Errors
/// Database failures.
pub async fn revoke(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = invitation::Entity::update_many()
        .col_expr(invitation::Column::RevokedAt, Expr::value(now))
        .filter(invitation::Column::Id.eq(id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
