//! Devices, keyed by the Particle device id. A tenant or product still owning devices can't be
//! deleted; deleting a site unplaces its devices.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let restrict = crate::restrict(manager);
        manager
            .create_table(
                Table::create()
                    .table(Devices::Table)
                    .col(string_len(Devices::Id, 24).primary_key())
                    .col(uuid(Devices::TenantId))
                    .col(uuid_null(Devices::SiteId))
                    .col(uuid(Devices::ProductId))
                    .col(uuid_null(Devices::ShadowCustomerId))
                    .col(string_len(Devices::Name, 200))
                    .col(string_len_null(Devices::SerialNumber, 100))
                    .col(text_null(Devices::Notes))
                    .col(boolean(Devices::Online).default(false))
                    .col(string_len_null(Devices::FirmwareVersion, 50))
                    .col(timestamp_with_time_zone_null(Devices::LastHeardAt))
                    .col(timestamp_with_time_zone(Devices::CreatedAt))
                    .col(timestamp_with_time_zone(Devices::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_devices_tenant_id")
                            .from(Devices::Table, Devices::TenantId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_devices_site_id")
                            .from(Devices::Table, Devices::SiteId)
                            .to(Sites::Table, Sites::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_devices_product_id")
                            .from(Devices::Table, Devices::ProductId)
                            .to(ParticleProducts::Table, ParticleProducts::Id)
                            .on_delete(restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_devices_shadow_customer_id")
                            .from(Devices::Table, Devices::ShadowCustomerId)
                            .to(ShadowCustomers::Table, ShadowCustomers::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_devices_tenant_id_id")
                    .table(Devices::Table)
                    .col(Devices::TenantId)
                    .col(Devices::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_devices_site_id")
                    .table(Devices::Table)
                    .col(Devices::SiteId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_devices_product_id")
                    .table(Devices::Table)
                    .col(Devices::ProductId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Devices::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Devices {
    Table,
    Id,
    TenantId,
    SiteId,
    ProductId,
    ShadowCustomerId,
    Name,
    SerialNumber,
    Notes,
    Online,
    FirmwareVersion,
    LastHeardAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ParticleProducts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ShadowCustomers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Sites {
    Table,
    Id,
}
