//! Particle products and the OAuth client used for each.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ParticleProducts::Table)
                    .col(pk_uuid(ParticleProducts::Id))
                    .col(big_integer(ParticleProducts::ParticleId))
                    .col(string_len_null(ParticleProducts::Slug, 100))
                    .col(string_len(ParticleProducts::Name, 200))
                    .col(integer_null(ParticleProducts::PlatformId))
                    .col(string_len(ParticleProducts::Mode, 32))
                    .col(string_len_null(ParticleProducts::ApiBaseUrl, 500))
                    .col(string_len(ParticleProducts::OauthClientId, 200))
                    .col(text(ParticleProducts::OauthClientSecretEnc))
                    .col(timestamp_with_time_zone(ParticleProducts::CreatedAt))
                    .col(timestamp_with_time_zone(ParticleProducts::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_particle_products_particle_id")
                    .table(ParticleProducts::Table)
                    .col(ParticleProducts::ParticleId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ParticleProducts::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ParticleProducts {
    Table,
    Id,
    ParticleId,
    Slug,
    Name,
    PlatformId,
    Mode,
    ApiBaseUrl,
    OauthClientId,
    OauthClientSecretEnc,
    CreatedAt,
    UpdatedAt,
}
