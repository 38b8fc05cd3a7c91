//! Device events, tagged with the tenant that owned the device when they happened.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DeviceEvents::Table)
                    .col(pk_uuid(DeviceEvents::Id))
                    .col(string_len(DeviceEvents::DeviceId, 24))
                    .col(uuid(DeviceEvents::TenantId))
                    .col(string_len(DeviceEvents::Name, 64))
                    .col(text_null(DeviceEvents::Data))
                    .col(timestamp_with_time_zone(DeviceEvents::PublishedAt))
                    .col(timestamp_with_time_zone(DeviceEvents::ReceivedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_device_events_device_id")
                            .from(DeviceEvents::Table, DeviceEvents::DeviceId)
                            .to(Devices::Table, Devices::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_device_events_tenant_id")
                            .from(DeviceEvents::Table, DeviceEvents::TenantId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_device_events_device_id_published_at")
                    .table(DeviceEvents::Table)
                    .col(DeviceEvents::DeviceId)
                    .col(DeviceEvents::PublishedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_device_events_tenant_id_published_at")
                    .table(DeviceEvents::Table)
                    .col(DeviceEvents::TenantId)
                    .col(DeviceEvents::PublishedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DeviceEvents::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum DeviceEvents {
    Table,
    Id,
    DeviceId,
    TenantId,
    Name,
    Data,
    PublishedAt,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum Devices {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}
