//! Client companies as sub-tenants: every group belongs to an organization (its name unique
//! there, so one client company's group names reveal nothing to another), and every audit
//! record names the organization it concerns, so a client company's managers read its audit
//! and not a sibling's. Existing groups and records belong to their tenant's root.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const NIL: &str = "00000000-0000-0000-0000-000000000000";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        // NOT NULL needs a default to add a column to existing rows (SQLite can't add the
        // constraint later); every row is then set to its tenant's root.
        manager
            .alter_table(
                Table::alter()
                    .table(Groups::Table)
                    .add_column(
                        ColumnDef::new(Groups::OrganizationId)
                            .uuid()
                            .not_null()
                            .default(NIL),
                    )
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared("UPDATE groups SET organization_id = tenant_id")
            .await?;
        if postgres {
            db.execute_unprepared("ALTER TABLE groups ALTER COLUMN organization_id DROP DEFAULT")
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("uq_groups_tenant_id_name")
                    .table(Groups::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_groups_organization_id_name")
                    .table(Groups::Table)
                    .col(Groups::OrganizationId)
                    .col(Groups::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AuditRecords::Table)
                    .add_column(ColumnDef::new(AuditRecords::OrganizationId).uuid().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_records_tenant_id_organization_id")
                    .table(AuditRecords::Table)
                    .col(AuditRecords::TenantId)
                    .col(AuditRecords::OrganizationId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_audit_records_tenant_id_organization_id")
                    .table(AuditRecords::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AuditRecords::Table)
                    .drop_column(AuditRecords::OrganizationId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("uq_groups_organization_id_name")
                    .table(Groups::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_groups_tenant_id_name")
                    .table(Groups::Table)
                    .col(Groups::TenantId)
                    .col(Groups::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Groups::Table)
                    .drop_column(Groups::OrganizationId)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Groups {
    Table,
    TenantId,
    OrganizationId,
    Name,
}

#[derive(DeriveIden)]
enum AuditRecords {
    Table,
    TenantId,
    OrganizationId,
}
