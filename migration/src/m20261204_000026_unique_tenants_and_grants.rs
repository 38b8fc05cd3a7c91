//! Uniqueness the database enforces, not a check-then-insert that two concurrent requests both
//! pass: a tenant's name among tenants (any case), and one grant per subject, scope and role.
//! NULLs are distinct in a unique index, so the grant index is over expressions that turn the
//! unused subject and scope columns into ''.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Identical grants (same tenant, subject, scope and role) made before this migration merge
/// into the one that lasts longest (no expiry, else the latest), the oldest of equals.
const MERGE_IDENTICAL_GRANTS: &str = "
DELETE FROM grants WHERE EXISTS (
  SELECT 1 FROM grants g
  WHERE g.tenant_id = grants.tenant_id
    AND g.role_id = grants.role_id
    AND g.scope_kind = grants.scope_kind
    AND (g.subject_user_id = grants.subject_user_id
         OR (g.subject_user_id IS NULL AND grants.subject_user_id IS NULL))
    AND (g.subject_group_id = grants.subject_group_id
         OR (g.subject_group_id IS NULL AND grants.subject_group_id IS NULL))
    AND (g.scope_device_id = grants.scope_device_id
         OR (g.scope_device_id IS NULL AND grants.scope_device_id IS NULL))
    AND (g.scope_site_id = grants.scope_site_id
         OR (g.scope_site_id IS NULL AND grants.scope_site_id IS NULL))
    AND (g.scope_organization_id = grants.scope_organization_id
         OR (g.scope_organization_id IS NULL AND grants.scope_organization_id IS NULL))
    AND g.id <> grants.id
    AND ((g.expires_at IS NULL AND grants.expires_at IS NOT NULL)
         OR (g.expires_at > grants.expires_at)
         OR ((g.expires_at = grants.expires_at
              OR (g.expires_at IS NULL AND grants.expires_at IS NULL))
             AND g.id < grants.id)))";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        let clash = db
            .query_one_raw(Statement::from_string(
                backend,
                "SELECT LOWER(name) AS name FROM organizations WHERE parent_id IS NULL \
                 GROUP BY LOWER(name) HAVING COUNT(*) > 1",
            ))
            .await?;
        if let Some(row) = clash {
            let name: String = row.try_get("", "name")?;
            return Err(DbErr::Migration(format!(
                "two tenants are named {name:?} (in some case); rename one, then migrate again"
            )));
        }
        db.execute_unprepared(
            "CREATE UNIQUE INDEX uq_organizations_tenant_name \
             ON organizations (LOWER(name)) WHERE parent_id IS NULL",
        )
        .await?;
        db.execute_unprepared(MERGE_IDENTICAL_GRANTS).await?;
        let text = |col: &str| match backend {
            DbBackend::Postgres => format!("COALESCE({col}::text, '')"),
            _ => format!("COALESCE({col}, '')"),
        };
        db.execute_unprepared(&format!(
            "CREATE UNIQUE INDEX uq_grants_identity ON grants \
             (tenant_id, {}, {}, scope_kind, {}, {}, {}, role_id)",
            text("subject_user_id"),
            text("subject_group_id"),
            text("scope_device_id"),
            text("scope_site_id"),
            text("scope_organization_id"),
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX uq_grants_identity")
            .await?;
        db.execute_unprepared("DROP INDEX uq_organizations_tenant_name")
            .await?;
        Ok(())
    }
}
