//! Seats and billing: when each person held a seat in a tenant (one span per membership or
//! grant, kept after the membership or grant is gone, so any past period's seat-days can be
//! computed again exactly), the invoices of closed periods (one per tenant and month, the
//! unique index making a close by several instances at once issue it once), and a plan's
//! optional seat limit and whether new tenants start on it.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SeatSpans::Table)
                    .col(pk_uuid(SeatSpans::Id))
                    .col(uuid(SeatSpans::TenantId))
                    .col(uuid(SeatSpans::UserId))
                    .col(string_len(SeatSpans::SourceKind, 20))
                    .col(uuid(SeatSpans::SourceId))
                    .col(timestamp_with_time_zone(SeatSpans::StartsAt))
                    .col(timestamp_with_time_zone_null(SeatSpans::EndsAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_seat_spans_tenant_id")
                            .from(SeatSpans::Table, SeatSpans::TenantId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "ix_seat_spans_tenant_id_starts_at",
                [SeatSpans::TenantId, SeatSpans::StartsAt],
            ),
            (
                "ix_seat_spans_source_id_starts_at",
                [SeatSpans::SourceId, SeatSpans::StartsAt],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(SeatSpans::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Invoices::Table)
                    .col(pk_uuid(Invoices::Id))
                    .col(uuid(Invoices::TenantId))
                    .col(date(Invoices::PeriodStart))
                    .col(string_len(Invoices::Number, 40))
                    .col(string_len(Invoices::Currency, 3))
                    .col(big_integer(Invoices::TotalMinor))
                    .col(json(Invoices::Lines))
                    .col(timestamp_with_time_zone(Invoices::IssuedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_invoices_tenant_id")
                            .from(Invoices::Table, Invoices::TenantId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_invoices_tenant_id_period_start")
                    .table(Invoices::Table)
                    .col(Invoices::TenantId)
                    .col(Invoices::PeriodStart)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_invoices_number")
                    .table(Invoices::Table)
                    .col(Invoices::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Plans::Table)
                    .add_column(ColumnDef::new(Plans::MaxSeats).integer().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Plans::Table)
                    .add_column(
                        ColumnDef::new(Plans::IsDefault)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Plans::IsDefault, Plans::MaxSeats] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Plans::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(Invoices::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(SeatSpans::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum SeatSpans {
    Table,
    Id,
    TenantId,
    UserId,
    SourceKind,
    SourceId,
    StartsAt,
    EndsAt,
}

#[derive(DeriveIden)]
enum Invoices {
    Table,
    Id,
    TenantId,
    PeriodStart,
    Number,
    Currency,
    TotalMinor,
    Lines,
    IssuedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Plans {
    Table,
    MaxSeats,
    IsDefault,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}
