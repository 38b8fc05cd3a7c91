//! Migrations go up, down and up again on SQLite and PostgreSQL.
use entity::role;
use fleetwarden_tests::TestDb;
use migration::{Migrator, MigratorTrait, SchemaManager};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

const TABLES: [&str; 32] = [
    "users",
    "organizations",
    "memberships",
    "sites",
    "particle_products",
    "catalog_entries",
    "shadow_customers",
    "devices",
    "groups",
    "group_members",
    "roles",
    "casbin_rules",
    "grants",
    "sessions",
    "api_tokens",
    "password_reset_tokens",
    "invitations",
    "login_throttles",
    "audit_records",
    "device_events",
    "plans",
    "subscriptions",
    "seat_usage",
    "audit_diverted",
    "change_log",
    "change_log_readers",
    "seat_spans",
    "invoices",
    "product_families",
    "customer_reset_tokens",
    "customer_password_changes",
    "customer_password_updates",
];

/// The tables before the newest migration (product families and customers' resets).
const BEFORE_FAMILIES: usize = TABLES.len() - 4;

async fn existing_tables(conn: &DatabaseConnection) -> anyhow::Result<Vec<&'static str>> {
    let manager = SchemaManager::new(conn);
    let mut found = Vec::new();
    for table in TABLES {
        if manager.has_table(table).await? {
            found.push(table);
        }
    }
    Ok(found)
}

async fn builtin_roles(conn: &DatabaseConnection) -> anyhow::Result<Vec<(uuid::Uuid, String)>> {
    Ok(role::Entity::find()
        .filter(role::Column::Builtin.eq(true))
        .order_by_asc(role::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect())
}

fn expected_builtin_roles() -> Vec<(uuid::Uuid, String)> {
    role::BUILTIN
        .iter()
        .map(|(id, name)| (*id, (*name).to_owned()))
        .collect()
}

#[tokio::test]
async fn migrating_up_creates_every_table_and_the_builtin_roles() -> anyhow::Result<()> {
    // Arrange
    let db = TestDb::fresh().await;

    // Act
    Migrator::up(&db.conn, None).await?;

    // Assert
    assert_eq!(existing_tables(&db.conn).await?, TABLES);
    assert_eq!(builtin_roles(&db.conn).await?, expected_builtin_roles());
    assert!(Migrator::get_pending_migrations(&db.conn).await?.is_empty());
    let manager = SchemaManager::new(&db.conn);
    assert!(manager.has_index("grants", "idx_grants_role_id").await?);
    assert!(
        manager
            .has_index("grants", "idx_grants_subject_user_id")
            .await?
    );
    Ok(())
}

#[tokio::test]
async fn migrating_all_the_way_down_removes_every_table() -> anyhow::Result<()> {
    // Arrange
    let db = TestDb::migrated().await;

    // Act
    Migrator::down(&db.conn, None).await?;

    // Assert
    assert_eq!(existing_tables(&db.conn).await?, Vec::<&str>::new());
    assert_eq!(
        Migrator::get_pending_migrations(&db.conn).await?.len(),
        Migrator::migrations().len()
    );
    Ok(())
}

#[tokio::test]
async fn migrating_up_again_after_down_restores_the_same_schema() -> anyhow::Result<()> {
    // Arrange
    let db = TestDb::migrated().await;
    Migrator::down(&db.conn, None).await?;

    // Act
    Migrator::up(&db.conn, None).await?;

    // Assert
    assert_eq!(existing_tables(&db.conn).await?, TABLES);
    assert_eq!(builtin_roles(&db.conn).await?, expected_builtin_roles());
    Ok(())
}

#[tokio::test]
async fn migrating_down_step_by_step_undoes_only_the_newest() -> anyhow::Result<()> {
    // Arrange
    let db = TestDb::migrated().await;
    let manager = SchemaManager::new(&db.conn);
    assert!(manager.has_index("grants", "uq_grants_identity").await?);

    // Act: the newest migration only adds product families and simple-auth customers' resets;
    // the one before it only adds device events' value and key and a product's webhook secret; the one before it only seat spans and invoices and two plan columns; the
    // one before it only gives groups and audit records an organization; then only the change
    // log's two tables; then only unique indexes; then only the table of diverted audit
    // records; then only foreign-key indexes.
    assert!(manager.has_column("particle_products", "family_id").await?);
    Migrator::down(&db.conn, Some(1)).await?;
    let tables_after_families = existing_tables(&db.conn).await?;
    let family_after = manager.has_column("particle_products", "family_id").await?;
    let family_index_after = manager
        .has_index("particle_products", "ix_particle_products_family_id")
        .await?;
    let webhook_kept = manager
        .has_column("particle_products", "webhook_secret_hash")
        .await?;
    assert!(manager.has_column("device_events", "event_key").await?);
    let per_device = "idx_device_events_history";
    assert!(manager.has_index("device_events", per_device).await?);
    assert!(
        manager
            .has_column("plans", "history_retention_days")
            .await?
    );
    Migrator::down(&db.conn, Some(1)).await?;
    let plan_history_after = manager
        .has_column("plans", "history_retention_days")
        .await?;
    let per_device_after = manager.has_index("device_events", per_device).await?;
    let old_index_back = manager
        .has_index("device_events", "idx_device_events_device_id_published_at")
        .await?;
    let tables_after_history = existing_tables(&db.conn).await?;
    let event_key_after = manager.has_column("device_events", "event_key").await?;
    let event_value_after = manager.has_column("device_events", "value").await?;
    let webhook_after = manager
        .has_column("particle_products", "webhook_secret_hash")
        .await?;
    assert!(manager.has_column("plans", "max_seats").await?);
    Migrator::down(&db.conn, Some(1)).await?;
    let tables_after_billing = existing_tables(&db.conn).await?;
    let plan_limit_after = manager.has_column("plans", "max_seats").await?;
    assert!(manager.has_column("groups", "organization_id").await?);
    Migrator::down(&db.conn, Some(1)).await?;
    let tables_after_orgs = existing_tables(&db.conn).await?;
    let group_orgs_after = manager.has_column("groups", "organization_id").await?;
    let audit_orgs_after = manager
        .has_column("audit_records", "organization_id")
        .await?;
    let group_names_unique_per_tenant = manager
        .has_index("groups", "uq_groups_tenant_id_name")
        .await?;
    Migrator::down(&db.conn, Some(1)).await?;
    let tables_after_log = existing_tables(&db.conn).await?;
    let unique_after_log = manager.has_index("grants", "uq_grants_identity").await?;
    Migrator::down(&db.conn, Some(1)).await?;
    let tables_after_one = existing_tables(&db.conn).await?;
    let unique_after_one = manager.has_index("grants", "uq_grants_identity").await?;
    Migrator::down(&db.conn, Some(1)).await?;
    let tables_after_two = existing_tables(&db.conn).await?;
    let index_after_two = manager.has_index("grants", "idx_grants_role_id").await?;
    Migrator::down(&db.conn, Some(1)).await?;
    let index_after_three = manager.has_index("grants", "idx_grants_role_id").await?;

    // Assert
    assert_eq!(tables_after_families, TABLES[..BEFORE_FAMILIES]);
    assert!(!family_after && !family_index_after && webhook_kept);
    assert_eq!(tables_after_history, TABLES[..BEFORE_FAMILIES]);
    assert!(!event_key_after && !event_value_after && !webhook_after);
    assert!(!per_device_after && old_index_back);
    assert!(!plan_history_after);
    let before_billing = &TABLES[..BEFORE_FAMILIES - 2];
    assert_eq!(tables_after_billing, before_billing);
    assert!(!plan_limit_after);
    assert_eq!(tables_after_orgs, before_billing);
    assert!(!group_orgs_after && !audit_orgs_after);
    assert!(group_names_unique_per_tenant);
    let without_log = &before_billing[..before_billing.len() - 2];
    assert_eq!(tables_after_log, without_log);
    assert!(unique_after_log);
    assert_eq!(tables_after_one, without_log);
    assert!(!unique_after_one);
    assert_eq!(tables_after_two, without_log[..without_log.len() - 1]);
    assert!(index_after_two);
    assert!(!index_after_three);
    assert_eq!(
        existing_tables(&db.conn).await?,
        without_log[..without_log.len() - 1]
    );
    Ok(())
}
