//! Indexes on the foreign-key columns the table migrations left without one, so that deleting
//! a user, role, plan, organization or shadow customer doesn't scan the referring tables.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index name, table, column).
const INDEXES: [(&str, &str, &str); 9] = [
    ("idx_grants_role_id", "grants", "role_id"),
    ("idx_grants_created_by", "grants", "created_by"),
    (
        "idx_devices_shadow_customer_id",
        "devices",
        "shadow_customer_id",
    ),
    (
        "idx_invitations_organization_id",
        "invitations",
        "organization_id",
    ),
    ("idx_invitations_invited_by", "invitations", "invited_by"),
    (
        "idx_invitations_accepted_user_id",
        "invitations",
        "accepted_user_id",
    ),
    ("idx_subscriptions_plan_id", "subscriptions", "plan_id"),
    ("idx_seat_usage_user_id", "seat_usage", "user_id"),
    ("idx_sites_organization_id", "sites", "organization_id"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, column) in INDEXES {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Alias::new(table))
                        .col(Alias::new(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES.iter().rev() {
            manager
                .drop_index(
                    Index::drop()
                        .name(*name)
                        .table(Alias::new(*table))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
