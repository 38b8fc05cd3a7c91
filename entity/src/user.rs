//! `users`: one login per person, shared by every tenant the person belongs to.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// As typed, for display.
    #[sea_orm(column_type = "String(StringLen::N(320))")]
    pub email: String,
    /// Lower-cased `email`; uniqueness is case-insensitive through this column.
    #[sea_orm(column_type = "String(StringLen::N(320))", unique)]
    pub email_lower: String,
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub display_name: String,
    /// `None` until an invited person sets a password.
    #[sea_orm(column_type = "Text", nullable)]
    pub password_hash: Option<String>,
    pub is_platform_admin: bool,
    pub disabled_at: Option<DateTimeUtc>,
    pub password_changed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(has_many)]
    pub memberships: HasMany<super::membership::Entity>,
    #[sea_orm(has_many)]
    pub sessions: HasMany<super::session::Entity>,
    #[sea_orm(has_many)]
    pub api_tokens: HasMany<super::api_token::Entity>,
    #[sea_orm(has_many)]
    pub password_reset_tokens: HasMany<super::password_reset_token::Entity>,
    #[sea_orm(has_many, via = "group_member")]
    pub groups: HasMany<super::group::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
