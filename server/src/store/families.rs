//! Product families (a maker's product variants under one brand) and which simple-auth
//! products belong to them.
use chrono::{DateTime, Utc};
use entity::{particle_product, product_family};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

/// A family's brand and origins, checked.
#[derive(Debug, Clone)]
pub struct FamilyFields {
    /// The name customers know.
    pub name: String,
    /// CSS hex.
    pub primary_color: String,
    /// CSS hex.
    pub background_color: String,
    /// An http(s) URL.
    pub logo_url: Option<String>,
    /// The From of its emails.
    pub sender: String,
    /// `scheme://host[:port]`, lower-cased.
    pub allowed_origins: Vec<String>,
}

/// Stores a new family.
///
/// # Errors
/// Database failures.
pub async fn insert(
    db: &impl ConnectionTrait,
    fields: FamilyFields,
    now: DateTime<Utc>,
) -> Result<product_family::Model, DbErr> {
    product_family::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(fields.name),
        primary_color: Set(fields.primary_color),
        background_color: Set(fields.background_color),
        logo_url: Set(fields.logo_url),
        sender: Set(fields.sender),
        allowed_origins: Set(serde_json::json!(fields.allowed_origins)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
}

/// Replaces a family's brand and origins.
///
/// # Errors
/// Database failures.
pub async fn update(
    db: &impl ConnectionTrait,
    current: product_family::Model,
    fields: FamilyFields,
    now: DateTime<Utc>,
) -> Result<product_family::Model, DbErr> {
    let mut model: product_family::ActiveModel = current.into();
    model.name = Set(fields.name);
    model.primary_color = Set(fields.primary_color);
    model.background_color = Set(fields.background_color);
    model.logo_url = Set(fields.logo_url);
    model.sender = Set(fields.sender);
    model.allowed_origins = Set(serde_json::json!(fields.allowed_origins));
    model.updated_at = Set(now);
    model.update(db).await
}

/// The family with this id.
///
/// # Errors
/// Database failures.
pub async fn find(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<product_family::Model>, DbErr> {
    product_family::Entity::find_by_id(id).one(db).await
}

/// Every family, by name.
///
/// # Errors
/// Database failures.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<product_family::Model>, DbErr> {
    product_family::Entity::find()
        .order_by_asc(product_family::Column::Name)
        .all(db)
        .await
}

/// The simple-auth products of these families, by Particle id.
///
/// # Errors
/// Database failures.
pub async fn products_of(
    db: &impl ConnectionTrait,
    families: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<particle_product::Model>, DbErr> {
    particle_product::Entity::find()
        .filter(particle_product::Column::FamilyId.is_in(families))
        .order_by_asc(particle_product::Column::ParticleId)
        .all(db)
        .await
}

/// Puts the product in a family (it has simple-auth customers) or, with `None`, out of any.
///
/// # Errors
/// Database failures.
pub async fn set_product_family(
    db: &impl ConnectionTrait,
    product: Uuid,
    family: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let changed = particle_product::Entity::update_many()
        .col_expr(particle_product::Column::FamilyId, Expr::value(family))
        .col_expr(particle_product::Column::UpdatedAt, Expr::value(now))
        .filter(particle_product::Column::Id.eq(product))
        .exec(db)
        .await?;
    Ok(changed.rows_affected > 0)
}

/// The simple-auth product a maker's app names by Particle's numeric id or slug.
///
/// # Errors
/// Database failures.
pub async fn simple_auth_product(
    db: &impl ConnectionTrait,
    id_or_slug: &str,
) -> Result<Option<particle_product::Model>, DbErr> {
    let named = match id_or_slug.parse::<i64>() {
        Ok(id) => particle_product::Column::ParticleId.eq(id),
        Err(_) => particle_product::Column::Slug.eq(id_or_slug),
    };
    particle_product::Entity::find()
        .filter(named)
        .filter(particle_product::Column::FamilyId.is_not_null())
        .one(db)
        .await
}
