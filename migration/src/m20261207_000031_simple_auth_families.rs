//! Password resets for makers on Particle's simple auth: product families with their brand
//! (the Wi-Fi and cellular variants of one product answer as one), the reset links sent to
//! their customers (hashes only), and each submitted new password's change at Particle, per
//! product, kept until it is done everywhere (the password itself sealed, and erased then).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ProductFamilies::Table)
                    .col(pk_uuid(ProductFamilies::Id))
                    .col(string_len(ProductFamilies::Name, 200))
                    .col(string_len(ProductFamilies::PrimaryColor, 20))
                    .col(string_len(ProductFamilies::BackgroundColor, 20))
                    .col(string_len_null(ProductFamilies::LogoUrl, 500))
                    .col(string_len(ProductFamilies::Sender, 400))
                    .col(json(ProductFamilies::AllowedOrigins))
                    .col(timestamp_with_time_zone(ProductFamilies::CreatedAt))
                    .col(timestamp_with_time_zone(ProductFamilies::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // No foreign key: SQLite can't add one to an existing table. Removing a family clears
        // its products' column in the same transaction.
        manager
            .alter_table(
                Table::alter()
                    .table(ParticleProducts::Table)
                    .add_column(ColumnDef::new(ParticleProducts::FamilyId).uuid().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_particle_products_family_id")
                    .table(ParticleProducts::Table)
                    .col(ParticleProducts::FamilyId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CustomerResetTokens::Table)
                    .col(pk_uuid(CustomerResetTokens::Id))
                    .col(uuid(CustomerResetTokens::FamilyId))
                    .col(string_len(CustomerResetTokens::Email, 320))
                    .col(string_len_uniq(CustomerResetTokens::TokenHash, 64))
                    .col(timestamp_with_time_zone(CustomerResetTokens::CreatedAt))
                    .col(timestamp_with_time_zone(CustomerResetTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(CustomerResetTokens::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_customer_reset_tokens_family_id")
                            .from(CustomerResetTokens::Table, CustomerResetTokens::FamilyId)
                            .to(ProductFamilies::Table, ProductFamilies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_customer_reset_tokens_family_id_email")
                    .table(CustomerResetTokens::Table)
                    .col(CustomerResetTokens::FamilyId)
                    .col(CustomerResetTokens::Email)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CustomerPasswordChanges::Table)
                    .col(pk_uuid(CustomerPasswordChanges::Id))
                    .col(uuid(CustomerPasswordChanges::FamilyId))
                    .col(string_len(CustomerPasswordChanges::Email, 320))
                    .col(text_null(CustomerPasswordChanges::PasswordEnc))
                    .col(timestamp_with_time_zone(CustomerPasswordChanges::CreatedAt))
                    .col(timestamp_with_time_zone_null(
                        CustomerPasswordChanges::FinishedAt,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_customer_password_changes_family_id")
                            .from(
                                CustomerPasswordChanges::Table,
                                CustomerPasswordChanges::FamilyId,
                            )
                            .to(ProductFamilies::Table, ProductFamilies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CustomerPasswordUpdates::Table)
                    .col(uuid(CustomerPasswordUpdates::ChangeId))
                    .col(uuid(CustomerPasswordUpdates::ProductId))
                    .col(string_len(CustomerPasswordUpdates::State, 20))
                    .col(integer(CustomerPasswordUpdates::Attempts))
                    .col(timestamp_with_time_zone(
                        CustomerPasswordUpdates::NextAttemptAt,
                    ))
                    .col(string_len_null(CustomerPasswordUpdates::LastError, 500))
                    .col(timestamp_with_time_zone_null(
                        CustomerPasswordUpdates::DoneAt,
                    ))
                    .primary_key(
                        Index::create()
                            .col(CustomerPasswordUpdates::ChangeId)
                            .col(CustomerPasswordUpdates::ProductId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_customer_password_updates_change_id")
                            .from(
                                CustomerPasswordUpdates::Table,
                                CustomerPasswordUpdates::ChangeId,
                            )
                            .to(CustomerPasswordChanges::Table, CustomerPasswordChanges::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_customer_password_updates_product_id")
                            .from(
                                CustomerPasswordUpdates::Table,
                                CustomerPasswordUpdates::ProductId,
                            )
                            .to(ParticleProducts::Table, ParticleProducts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_customer_password_updates_state_next_attempt_at")
                    .table(CustomerPasswordUpdates::Table)
                    .col(CustomerPasswordUpdates::State)
                    .col(CustomerPasswordUpdates::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CustomerPasswordUpdates::Table.into_iden(),
            CustomerPasswordChanges::Table.into_iden(),
            CustomerResetTokens::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("ix_particle_products_family_id")
                    .table(ParticleProducts::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ParticleProducts::Table)
                    .drop_column(ParticleProducts::FamilyId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(ProductFamilies::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ProductFamilies {
    Table,
    Id,
    Name,
    PrimaryColor,
    BackgroundColor,
    LogoUrl,
    Sender,
    AllowedOrigins,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ParticleProducts {
    Table,
    Id,
    FamilyId,
}

#[derive(DeriveIden)]
enum CustomerResetTokens {
    Table,
    Id,
    FamilyId,
    Email,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum CustomerPasswordChanges {
    Table,
    Id,
    FamilyId,
    Email,
    PasswordEnc,
    CreatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum CustomerPasswordUpdates {
    Table,
    ChangeId,
    ProductId,
    State,
    Attempts,
    NextAttemptAt,
    LastError,
    DoneAt,
}
