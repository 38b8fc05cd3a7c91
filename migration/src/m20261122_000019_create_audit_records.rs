//! The audit log. No foreign keys, so records outlive what they describe.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditRecords::Table)
                    .col(pk_uuid(AuditRecords::Id))
                    .col(uuid_null(AuditRecords::TenantId))
                    .col(uuid_null(AuditRecords::ActorUserId))
                    .col(string_len_null(AuditRecords::ActorEmail, 320))
                    .col(string_len(AuditRecords::Action, 100))
                    .col(string_len(AuditRecords::TargetKind, 50))
                    .col(string_len_null(AuditRecords::TargetId, 100))
                    .col(json_null(AuditRecords::Before))
                    .col(json_null(AuditRecords::After))
                    .col(string_len_null(AuditRecords::RequestId, 64))
                    .col(string_len_null(AuditRecords::Ip, 64))
                    .col(timestamp_with_time_zone(AuditRecords::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_records_tenant_id_created_at")
                    .table(AuditRecords::Table)
                    .col(AuditRecords::TenantId)
                    .col(AuditRecords::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_records_actor_user_id_created_at")
                    .table(AuditRecords::Table)
                    .col(AuditRecords::ActorUserId)
                    .col(AuditRecords::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_records_target_kind_target_id")
                    .table(AuditRecords::Table)
                    .col(AuditRecords::TargetKind)
                    .col(AuditRecords::TargetId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_records_action_created_at")
                    .table(AuditRecords::Table)
                    .col(AuditRecords::Action)
                    .col(AuditRecords::CreatedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditRecords::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AuditRecords {
    Table,
    Id,
    TenantId,
    ActorUserId,
    ActorEmail,
    Action,
    TargetKind,
    TargetId,
    Before,
    After,
    RequestId,
    Ip,
    CreatedAt,
}
