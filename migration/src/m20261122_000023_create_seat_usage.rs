//! Seat usage: one row per user seen in a tenant per billing month.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SeatUsage::Table)
                    .col(pk_uuid(SeatUsage::Id))
                    .col(uuid(SeatUsage::TenantId))
                    .col(uuid(SeatUsage::UserId))
                    .col(date(SeatUsage::PeriodStart))
                    .col(timestamp_with_time_zone(SeatUsage::FirstSeenAt))
                    .col(timestamp_with_time_zone(SeatUsage::LastSeenAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_seat_usage_tenant_id")
                            .from(SeatUsage::Table, SeatUsage::TenantId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_seat_usage_user_id")
                            .from(SeatUsage::Table, SeatUsage::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_seat_usage_tenant_id_period_start_user_id")
                    .table(SeatUsage::Table)
                    .col(SeatUsage::TenantId)
                    .col(SeatUsage::PeriodStart)
                    .col(SeatUsage::UserId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SeatUsage::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SeatUsage {
    Table,
    Id,
    TenantId,
    UserId,
    PeriodStart,
    FirstSeenAt,
    LastSeenAt,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
