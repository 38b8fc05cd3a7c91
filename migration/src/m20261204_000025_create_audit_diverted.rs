//! Audit records the database refused for good (a value it can't store, a constraint): kept
//! here whole, as text, with the refusal, for an operator to read, instead of blocking the
//! records queued behind them. No JSON column, so whatever the record holds fits.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditDiverted::Table)
                    .col(pk_uuid(AuditDiverted::Id))
                    .col(text(AuditDiverted::Record))
                    .col(text(AuditDiverted::Error))
                    .col(timestamp_with_time_zone(AuditDiverted::DivertedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditDiverted::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AuditDiverted {
    Table,
    Id,
    Record,
    Error,
    DivertedAt,
}
