//! Roles: built-in ones (no tenant, seeded here) and tenants' custom ones.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Roles::Table)
                    .col(pk_uuid(Roles::Id))
                    .col(uuid_null(Roles::TenantId))
                    .col(string_len(Roles::Name, 64))
                    .col(text_null(Roles::Description))
                    .col(boolean(Roles::Builtin))
                    .col(timestamp_with_time_zone(Roles::CreatedAt))
                    .col(timestamp_with_time_zone(Roles::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_roles_tenant_id")
                            .from(Roles::Table, Roles::TenantId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_roles_tenant_id_name")
                    .table(Roles::Table)
                    .col(Roles::TenantId)
                    .col(Roles::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Built-in roles have no tenant, and NULLs never collide in the key above; this partial
        // index keeps their names unique on both backends.
        manager
            .create_index(
                Index::create()
                    .name("uq_roles_builtin_name")
                    .table(Roles::Table)
                    .col(Roles::Name)
                    .unique()
                    .and_where(Expr::col(Roles::TenantId).is_null())
                    .to_owned(),
            )
            .await?;
        seed_builtin_roles(manager).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Roles::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Roles {
    Table,
    Id,
    TenantId,
    Name,
    Description,
    Builtin,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

/// The built-in roles are reference data every deployment needs, with ids fixed in `entity`.
async fn seed_builtin_roles(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let now = chrono::Utc::now();
    let descriptions = [
        "Reads devices, variables and history.",
        "Viewer, and calls device functions.",
        "Operator, and shares access within their scope.",
    ];
    let mut insert = Query::insert();
    insert.into_table(Roles::Table).columns([
        Roles::Id,
        Roles::TenantId,
        Roles::Name,
        Roles::Description,
        Roles::Builtin,
        Roles::CreatedAt,
        Roles::UpdatedAt,
    ]);
    for ((id, name), description) in entity::role::BUILTIN.into_iter().zip(descriptions) {
        insert
            .values([
                id.into(),
                Option::<uuid::Uuid>::None.into(),
                name.into(),
                description.into(),
                true.into(),
                now.into(),
                now.into(),
            ])
            .map_err(|e| DbErr::Migration(e.to_string()))?;
    }
    manager.exec_stmt(insert).await
}
