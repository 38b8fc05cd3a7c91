//! Grants: a user or group holds a role on a device, site, organization or whole tenant.
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
                    .table(Grants::Table)
                    .col(pk_uuid(Grants::Id))
                    .col(uuid(Grants::TenantId))
                    .col(uuid_null(Grants::SubjectUserId))
                    .col(uuid_null(Grants::SubjectGroupId))
                    .col(string_len(Grants::ScopeKind, 16))
                    .col(string_len_null(Grants::ScopeDeviceId, 24))
                    .col(uuid_null(Grants::ScopeSiteId))
                    .col(uuid_null(Grants::ScopeOrganizationId))
                    .col(uuid(Grants::RoleId))
                    .col(timestamp_with_time_zone_null(Grants::ExpiresAt))
                    .col(uuid_null(Grants::CreatedBy))
                    .col(timestamp_with_time_zone(Grants::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_grants_tenant_id")
                            .from(Grants::Table, Grants::TenantId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_grants_subject_user_id")
                            .from(Grants::Table, Grants::SubjectUserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_grants_subject_group_id")
                            .from(Grants::Table, Grants::SubjectGroupId)
                            .to(Groups::Table, Groups::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_grants_scope_device_id")
                            .from(Grants::Table, Grants::ScopeDeviceId)
                            .to(Devices::Table, Devices::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_grants_scope_site_id")
                            .from(Grants::Table, Grants::ScopeSiteId)
                            .to(Sites::Table, Sites::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_grants_scope_organization_id")
                            .from(Grants::Table, Grants::ScopeOrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_grants_role_id")
                            .from(Grants::Table, Grants::RoleId)
                            .to(Roles::Table, Roles::Id)
                            .on_delete(restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_grants_created_by")
                            .from(Grants::Table, Grants::CreatedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    // Exactly one subject: a user or a group.
                    .check(Check::named(
                        "ck_grants_one_subject",
                        Expr::col(Grants::SubjectUserId)
                            .is_not_null()
                            .and(Expr::col(Grants::SubjectGroupId).is_null())
                            .or(Expr::col(Grants::SubjectUserId)
                                .is_null()
                                .and(Expr::col(Grants::SubjectGroupId).is_not_null())),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_grants_subject_user_id")
                    .table(Grants::Table)
                    .col(Grants::SubjectUserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_grants_subject_group_id")
                    .table(Grants::Table)
                    .col(Grants::SubjectGroupId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_grants_scope_device_id")
                    .table(Grants::Table)
                    .col(Grants::ScopeDeviceId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_grants_scope_site_id")
                    .table(Grants::Table)
                    .col(Grants::ScopeSiteId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_grants_scope_organization_id")
                    .table(Grants::Table)
                    .col(Grants::ScopeOrganizationId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_grants_tenant_id_scope_kind")
                    .table(Grants::Table)
                    .col(Grants::TenantId)
                    .col(Grants::ScopeKind)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Grants::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Grants {
    Table,
    Id,
    TenantId,
    SubjectUserId,
    SubjectGroupId,
    ScopeKind,
    ScopeDeviceId,
    ScopeSiteId,
    ScopeOrganizationId,
    RoleId,
    ExpiresAt,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Devices {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Groups {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Roles {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Sites {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
