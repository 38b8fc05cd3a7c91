//! Subscriptions: which plan a tenant is on, over time.
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
                    .table(Subscriptions::Table)
                    .col(pk_uuid(Subscriptions::Id))
                    .col(uuid(Subscriptions::TenantId))
                    .col(uuid(Subscriptions::PlanId))
                    .col(timestamp_with_time_zone(Subscriptions::StartsAt))
                    .col(timestamp_with_time_zone_null(Subscriptions::EndsAt))
                    .col(timestamp_with_time_zone(Subscriptions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_subscriptions_tenant_id")
                            .from(Subscriptions::Table, Subscriptions::TenantId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_subscriptions_plan_id")
                            .from(Subscriptions::Table, Subscriptions::PlanId)
                            .to(Plans::Table, Plans::Id)
                            .on_delete(restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_subscriptions_tenant_id_starts_at")
                    .table(Subscriptions::Table)
                    .col(Subscriptions::TenantId)
                    .col(Subscriptions::StartsAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Subscriptions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Subscriptions {
    Table,
    Id,
    TenantId,
    PlanId,
    StartsAt,
    EndsAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Plans {
    Table,
    Id,
}
