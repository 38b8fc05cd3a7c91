//! The change log: one row per committed state change, in commit order, saying what changed so
//! every server instance can bring its access index and caches up to date (server/src/changes).
//! `change_log_readers` holds each running instance's position, so pruning never removes an
//! entry an instance still has to apply.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // AUTOINCREMENT on SQLite (sea-query writes it for an auto-increment primary key), so a
        // pruned sequence number is never handed out again.
        manager
            .create_table(
                Table::create()
                    .table(ChangeLog::Table)
                    .col(big_pk_auto(ChangeLog::Seq))
                    .col(timestamp_with_time_zone(ChangeLog::CommittedAt))
                    .col(text(ChangeLog::Changes))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ChangeLogReaders::Table)
                    .col(pk_uuid(ChangeLogReaders::Id))
                    .col(big_integer(ChangeLogReaders::AppliedSeq))
                    .col(timestamp_with_time_zone(ChangeLogReaders::SeenAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ChangeLogReaders::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ChangeLog::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ChangeLog {
    Table,
    Seq,
    CommittedAt,
    Changes,
}

#[derive(DeriveIden)]
enum ChangeLogReaders {
    Table,
    Id,
    AppliedSeq,
    SeenAt,
}
