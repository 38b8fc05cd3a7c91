//! Organizations: each tenant's tree. A root names itself as its tenant, so deleting it
//! cascades through `tenant_id`; deleting a middle node with children is refused.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organizations::Table)
                    .col(pk_uuid(Organizations::Id))
                    .col(uuid(Organizations::TenantId))
                    .col(uuid_null(Organizations::ParentId))
                    .col(string_len(Organizations::Kind, 16))
                    .col(string_len(Organizations::Name, 200))
                    .col(timestamp_with_time_zone_null(Organizations::SuspendedAt))
                    .col(timestamp_with_time_zone(Organizations::CreatedAt))
                    .col(timestamp_with_time_zone(Organizations::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_organizations_tenant_id")
                            .from(Organizations::Table, Organizations::TenantId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_organizations_parent_id")
                            .from(Organizations::Table, Organizations::ParentId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::NoAction),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_organizations_tenant_id_name")
                    .table(Organizations::Table)
                    .col(Organizations::TenantId)
                    .col(Organizations::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_organizations_parent_id")
                    .table(Organizations::Table)
                    .col(Organizations::ParentId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Organizations::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
    TenantId,
    ParentId,
    Kind,
    Name,
    SuspendedAt,
    CreatedAt,
    UpdatedAt,
}
