//! Particle products and their function catalogs.
use chrono::{DateTime, Utc};
use entity::enums::{CatalogKind, ProductMode};
use entity::{catalog_entry, particle_product};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};
use uuid::Uuid;

/// A product to register.
#[derive(Debug, Clone)]
pub struct NewProduct {
    /// Particle's numeric product id.
    pub particle_id: i64,
    /// Particle's slug, when known.
    pub slug: Option<String>,
    /// Display name.
    pub name: String,
    /// Particle's platform, when known.
    pub platform_id: Option<i32>,
    /// How device calls reach Particle.
    pub mode: ProductMode,
    /// Another Particle API than the configured one (the simulator's).
    pub api_base_url: Option<String>,
    /// OAuth client id.
    pub oauth_client_id: String,
    /// OAuth client secret, sealed.
    pub oauth_client_secret_enc: String,
}

/// Registers a product.
///
/// # Errors
/// `UniqueConstraintViolation` when the Particle product is registered already; database
/// failures.
pub async fn insert(
    db: &impl ConnectionTrait,
    new: NewProduct,
    now: DateTime<Utc>,
) -> Result<particle_product::Model, DbErr> {
    particle_product::ActiveModel {
        id: Set(Uuid::now_v7()),
        particle_id: Set(new.particle_id),
        slug: Set(new.slug),
        name: Set(new.name),
        platform_id: Set(new.platform_id),
        mode: Set(new.mode),
        api_base_url: Set(new.api_base_url),
        oauth_client_id: Set(new.oauth_client_id),
        oauth_client_secret_enc: Set(new.oauth_client_secret_enc),
        webhook_secret_hash: Set(None),
        family_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
}

/// Sets the hash of the secret the product's webhook presents.
///
/// # Errors
/// Database failures.
pub async fn set_webhook_secret(
    db: &impl ConnectionTrait,
    product: Uuid,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let changed = particle_product::Entity::update_many()
        .col_expr(
            particle_product::Column::WebhookSecretHash,
            sea_orm::sea_query::Expr::value(hash),
        )
        .col_expr(
            particle_product::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(particle_product::Column::Id.eq(product))
        .exec(db)
        .await?;
    Ok(changed.rows_affected > 0)
}

/// New OAuth credentials (and API address) for a registered product.
///
/// # Errors
/// Database failures.
pub async fn set_credentials(
    db: &impl ConnectionTrait,
    current: particle_product::Model,
    client_id: String,
    secret_enc: String,
    api_base_url: Option<String>,
    now: DateTime<Utc>,
) -> Result<particle_product::Model, DbErr> {
    let mut model: particle_product::ActiveModel = current.into();
    model.oauth_client_id = Set(client_id);
    model.oauth_client_secret_enc = Set(secret_enc);
    model.api_base_url = Set(api_base_url);
    model.updated_at = Set(now);
    model.update(db).await
}

/// One function or variable of a catalog.
#[derive(Debug, Clone)]
pub struct NewCatalogEntry {
    /// Function or variable.
    pub kind: CatalogKind,
    /// Its name on the device.
    pub name: String,
    /// The action it asks of the caller.
    pub action: String,
    /// What it does.
    pub description: Option<String>,
    /// The label of its control or value.
    pub label: Option<String>,
    /// A function's argument (the API's `ArgumentSpec` JSON).
    pub argument: Option<serde_json::Value>,
    /// Ask to confirm before calling.
    pub confirm: bool,
}

/// Replaces a product's catalog with `entries`.
///
/// # Errors
/// Database failures.
pub async fn replace_catalog(
    db: &impl ConnectionTrait,
    product: Uuid,
    entries: Vec<NewCatalogEntry>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    catalog_entry::Entity::delete_many()
        .filter(catalog_entry::Column::ProductId.eq(product))
        .exec(db)
        .await?;
    let rows: Vec<catalog_entry::ActiveModel> = entries
        .into_iter()
        .map(|e| catalog_entry::ActiveModel {
            id: Set(Uuid::now_v7()),
            product_id: Set(product),
            kind: Set(e.kind),
            name: Set(e.name),
            action: Set(e.action),
            description: Set(e.description),
            label: Set(e.label),
            argument: Set(e.argument),
            confirm: Set(e.confirm),
            created_at: Set(now),
        })
        .collect();
    if !rows.is_empty() {
        catalog_entry::Entity::insert_many(rows).exec(db).await?;
    }
    Ok(())
}
