//! Shadow customers: the Particle customer claiming one tenant's devices in one product.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ShadowCustomers::Table)
                    .col(pk_uuid(ShadowCustomers::Id))
                    .col(uuid(ShadowCustomers::TenantId))
                    .col(uuid(ShadowCustomers::ProductId))
                    .col(string_len(ShadowCustomers::CustomerId, 100))
                    .col(timestamp_with_time_zone(ShadowCustomers::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_shadow_customers_tenant_id")
                            .from(ShadowCustomers::Table, ShadowCustomers::TenantId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_shadow_customers_product_id")
                            .from(ShadowCustomers::Table, ShadowCustomers::ProductId)
                            .to(ParticleProducts::Table, ParticleProducts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_shadow_customers_tenant_id_product_id")
                    .table(ShadowCustomers::Table)
                    .col(ShadowCustomers::TenantId)
                    .col(ShadowCustomers::ProductId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_shadow_customers_product_id_customer_id")
                    .table(ShadowCustomers::Table)
                    .col(ShadowCustomers::ProductId)
                    .col(ShadowCustomers::CustomerId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ShadowCustomers::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ShadowCustomers {
    Table,
    Id,
    TenantId,
    ProductId,
    CustomerId,
    CreatedAt,
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
