//! Schema migrations; every one runs on SQLite and PostgreSQL.
//!
//! One migration per table, in foreign-key order. Never edit a merged migration; add a new one.
pub use sea_orm_migration::prelude::*;

mod m20261122_000001_create_users;
mod m20261122_000002_create_organizations;
mod m20261122_000003_create_memberships;
mod m20261122_000004_create_sites;
mod m20261122_000005_create_particle_products;
mod m20261122_000006_create_catalog_entries;
mod m20261122_000007_create_shadow_customers;
mod m20261122_000008_create_devices;
mod m20261122_000009_create_groups;
mod m20261122_000010_create_group_members;
mod m20261122_000011_create_roles;
mod m20261122_000012_create_casbin_rules;
mod m20261122_000013_create_grants;
mod m20261122_000014_create_sessions;
mod m20261122_000015_create_api_tokens;
mod m20261122_000016_create_password_reset_tokens;
mod m20261122_000017_create_invitations;
mod m20261122_000018_create_login_throttles;
mod m20261122_000019_create_audit_records;
mod m20261122_000020_create_device_events;
mod m20261122_000021_create_plans;
mod m20261122_000022_create_subscriptions;
mod m20261122_000023_create_seat_usage;
mod m20261122_000024_index_foreign_keys;
mod m20261204_000025_create_audit_diverted;
mod m20261204_000026_unique_tenants_and_grants;
mod m20261207_000027_create_change_log;
mod m20261207_000028_organization_scoped;
mod m20261207_000029_seat_spans_and_invoices;
mod m20261207_000030_device_history;
mod m20261207_000031_simple_auth_families;

/// ON DELETE RESTRICT, as each backend best reports it. SQLite reports a RESTRICT refusal as a
/// trigger error (1811) that `DbErr::sql_err()` doesn't classify; NO ACTION refuses the same
/// deletes as a foreign-key error (787), which it does.
pub(crate) fn restrict(manager: &SchemaManager) -> ForeignKeyAction {
    match manager.get_database_backend() {
        sea_orm_migration::sea_orm::DbBackend::Sqlite => ForeignKeyAction::NoAction,
        _ => ForeignKeyAction::Restrict,
    }
}

/// Every migration, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_users::Migration),
            Box::new(m20261122_000002_create_organizations::Migration),
            Box::new(m20261122_000003_create_memberships::Migration),
            Box::new(m20261122_000004_create_sites::Migration),
            Box::new(m20261122_000005_create_particle_products::Migration),
            Box::new(m20261122_000006_create_catalog_entries::Migration),
            Box::new(m20261122_000007_create_shadow_customers::Migration),
            Box::new(m20261122_000008_create_devices::Migration),
            Box::new(m20261122_000009_create_groups::Migration),
            Box::new(m20261122_000010_create_group_members::Migration),
            Box::new(m20261122_000011_create_roles::Migration),
            Box::new(m20261122_000012_create_casbin_rules::Migration),
            Box::new(m20261122_000013_create_grants::Migration),
            Box::new(m20261122_000014_create_sessions::Migration),
            Box::new(m20261122_000015_create_api_tokens::Migration),
            Box::new(m20261122_000016_create_password_reset_tokens::Migration),
            Box::new(m20261122_000017_create_invitations::Migration),
            Box::new(m20261122_000018_create_login_throttles::Migration),
            Box::new(m20261122_000019_create_audit_records::Migration),
            Box::new(m20261122_000020_create_device_events::Migration),
            Box::new(m20261122_000021_create_plans::Migration),
            Box::new(m20261122_000022_create_subscriptions::Migration),
            Box::new(m20261122_000023_create_seat_usage::Migration),
            Box::new(m20261122_000024_index_foreign_keys::Migration),
            Box::new(m20261204_000025_create_audit_diverted::Migration),
            Box::new(m20261204_000026_unique_tenants_and_grants::Migration),
            Box::new(m20261207_000027_create_change_log::Migration),
            Box::new(m20261207_000028_organization_scoped::Migration),
            Box::new(m20261207_000029_seat_spans_and_invoices::Migration),
            Box::new(m20261207_000030_device_history::Migration),
            Box::new(m20261207_000031_simple_auth_families::Migration),
        ]
    }
}
