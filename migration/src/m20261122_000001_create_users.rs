//! Users: one login per person; case-insensitive uniqueness lives in `email_lower`.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_uuid(Users::Id))
                    .col(string_len(Users::Email, 320))
                    .col(string_len(Users::EmailLower, 320))
                    .col(string_len(Users::DisplayName, 200))
                    .col(text_null(Users::PasswordHash))
                    .col(boolean(Users::IsPlatformAdmin).default(false))
                    .col(timestamp_with_time_zone_null(Users::DisabledAt))
                    .col(timestamp_with_time_zone_null(Users::PasswordChangedAt))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_users_email_lower")
                    .table(Users::Table)
                    .col(Users::EmailLower)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    EmailLower,
    DisplayName,
    PasswordHash,
    IsPlatformAdmin,
    DisabledAt,
    PasswordChangedAt,
    CreatedAt,
    UpdatedAt,
}
