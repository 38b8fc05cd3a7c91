//! `invitations`: an emailed offer to join an organization with a role.
use sea_orm::entity::prelude::*;

use crate::enums::MembershipRole;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub organization_id: Uuid,
    #[sea_orm(column_type = "String(StringLen::N(320))")]
    pub email: String,
    #[sea_orm(column_type = "String(StringLen::N(320))")]
    pub email_lower: String,
    pub role: MembershipRole,
    /// Hex SHA-256 of the token in the link.
    #[sea_orm(column_type = "String(StringLen::N(64))", unique)]
    pub token_hash: String,
    pub invited_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub accepted_at: Option<DateTimeUtc>,
    pub accepted_user_id: Option<Uuid>,
    pub revoked_at: Option<DateTimeUtc>,
    #[sea_orm(
        belongs_to,
        relation_enum = "Tenant",
        from = "tenant_id",
        to = "id",
        on_delete = "Cascade"
    )]
    pub tenant: BelongsTo<super::organization::Entity>,
    #[sea_orm(
        belongs_to,
        relation_enum = "Organization",
        from = "organization_id",
        to = "id",
        on_delete = "Cascade"
    )]
    pub organization: BelongsTo<super::organization::Entity>,
    #[sea_orm(
        belongs_to,
        relation_enum = "Inviter",
        from = "invited_by",
        to = "id",
        on_delete = "SetNull"
    )]
    pub inviter: BelongsTo<Option<super::user::Entity>>,
    #[sea_orm(
        belongs_to,
        relation_enum = "AcceptedUser",
        from = "accepted_user_id",
        to = "id",
        on_delete = "SetNull"
    )]
    pub accepted_user: BelongsTo<Option<super::user::Entity>>,
}

impl ActiveModelBehavior for ActiveModel {}
