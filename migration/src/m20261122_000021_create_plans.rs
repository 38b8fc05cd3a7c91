//! Billing plans.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Plans::Table)
                    .col(pk_uuid(Plans::Id))
                    .col(string_len(Plans::Code, 50))
                    .col(string_len(Plans::Name, 200))
                    .col(integer(Plans::IncludedSeats))
                    .col(big_integer(Plans::MonthlyPriceCents))
                    .col(big_integer(Plans::ExtraSeatPriceCents))
                    .col(string_len(Plans::Currency, 3))
                    .col(timestamp_with_time_zone(Plans::CreatedAt))
                    .col(timestamp_with_time_zone_null(Plans::ArchivedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_plans_code")
                    .table(Plans::Table)
                    .col(Plans::Code)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Plans::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Plans {
    Table,
    Id,
    Code,
    Name,
    IncludedSeats,
    MonthlyPriceCents,
    ExtraSeatPriceCents,
    Currency,
    CreatedAt,
    ArchivedAt,
}
