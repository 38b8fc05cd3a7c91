//! Sites: places of an organization where devices are installed.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Sites::Table)
                    .col(pk_uuid(Sites::Id))
                    .col(uuid(Sites::TenantId))
                    .col(uuid(Sites::OrganizationId))
                    .col(string_len(Sites::Name, 200))
                    .col(text_null(Sites::Address))
                    .col(string_len_null(Sites::Timezone, 64))
                    .col(timestamp_with_time_zone(Sites::CreatedAt))
                    .col(timestamp_with_time_zone(Sites::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sites_tenant_id")
                            .from(Sites::Table, Sites::TenantId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sites_organization_id")
                            .from(Sites::Table, Sites::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_sites_organization_id_name")
                    .table(Sites::Table)
                    .col(Sites::OrganizationId)
                    .col(Sites::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sites_tenant_id")
                    .table(Sites::Table)
                    .col(Sites::TenantId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Sites::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Sites {
    Table,
    Id,
    TenantId,
    OrganizationId,
    Name,
    Address,
    Timezone,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}
