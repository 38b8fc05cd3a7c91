//! Operators: Particle products and their catalogs, and onboarding devices into a tenant —
//! claiming them with the tenant's shadow customer where the product's mode needs it.
use entity::enums::{CatalogKind, ProductMode};
use entity::{catalog_entry, device, particle_product, shadow_customer};
use fleetwarden_wire::products::{CatalogEntry, CreateProduct, OnboardDevice, ProductResponse};
use fleetwarden_wire::sharing::DeviceResponse;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use uuid::Uuid;

use super::{Ctx, conflict, name};
use crate::audit;
use crate::domain::ids::DeviceId;
use crate::error::ApiError;
use crate::particle::client::OAuthClient;
use crate::particle::token_cache::{TokenCache, with_token};

fn platform_admin(ctx: &Ctx<'_>) -> Result<(), ApiError> {
    if ctx.principal.user.is_platform_admin {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

fn mode_name(mode: &ProductMode) -> &'static str {
    match mode {
        ProductMode::ProductToken => "product_token",
        ProductMode::ShadowCustomer => "shadow_customer",
    }
}

fn response(p: &particle_product::Model) -> ProductResponse {
    ProductResponse {
        id: p.id,
        particle_id: p.particle_id,
        name: p.name.clone(),
        slug: p.slug.clone(),
        mode: mode_name(&p.mode).into(),
        client_id: p.oauth_client_id.clone(),
        created_at: p.created_at,
    }
}

fn audit_entry(ctx: &Ctx<'_>, action: &'static str, id: Uuid) -> audit::Entry {
    audit::Entry {
        tenant_id: None,
        ..ctx.entry(Uuid::nil(), action, "product", id)
    }
}

/// Registers a product; its OAuth secret is sealed before it is stored.
///
/// # Errors
/// 403 for non-operators, 422 for bad fields, 409 for a product registered already.
pub async fn create(ctx: &Ctx<'_>, body: &CreateProduct) -> Result<ProductResponse, ApiError> {
    platform_admin(ctx)?;
    let mode = match body.mode.as_str() {
        "product_token" => ProductMode::ProductToken,
        "shadow_customer" => ProductMode::ShadowCustomer,
        _ => {
            return Err(ApiError::invalid(
                "mode",
                "must be product_token or shadow_customer",
            ));
        }
    };
    if body.particle_id <= 0 {
        return Err(ApiError::invalid(
            "particle_id",
            "must be Particle's numeric product id",
        ));
    }
    if body.client_id.trim().is_empty() || body.client_secret.trim().is_empty() {
        return Err(ApiError::invalid(
            "client_secret",
            "client_id and client_secret are required",
        ));
    }
    let sealed = ctx.state.particle.secrets.seal(body.client_secret.trim())?;
    let now = ctx.now();
    let txn = ctx.state.db.begin().await?;
    let product = particle_product::ActiveModel {
        id: Set(Uuid::now_v7()),
        particle_id: Set(body.particle_id),
        slug: Set(body.slug.clone()),
        name: Set(name("name", &body.name, 200)?),
        platform_id: Set(None),
        mode: Set(mode),
        api_base_url: Set(None),
        oauth_client_id: Set(body.client_id.trim().to_owned()),
        oauth_client_secret_enc: Set(sealed),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(ApiError::from)
    .map_err(conflict("a product with this Particle id"))?;
    let wire = response(&product);
    audit::record(
        &txn,
        audit::Entry {
            after: serde_json::to_value(&wire).ok(),
            ..audit_entry(ctx, "product.create", product.id)
        },
    )
    .await?;
    txn.commit().await?;
    Ok(wire)
}

/// Every registered product.
///
/// # Errors
/// Database failures.
pub async fn list(ctx: &Ctx<'_>) -> Result<Vec<ProductResponse>, ApiError> {
    let products = particle_product::Entity::find()
        .order_by_asc(particle_product::Column::Name)
        .all(&ctx.state.db)
        .await?;
    Ok(products.iter().map(response).collect())
}

fn entry_response(e: &catalog_entry::Model) -> CatalogEntry {
    CatalogEntry {
        kind: match e.kind {
            CatalogKind::Function => "function",
            CatalogKind::Variable => "variable",
        }
        .into(),
        name: e.name.clone(),
        action: e.action.clone(),
        description: e.description.clone(),
    }
}

/// A product's catalog.
///
/// # Errors
/// 404 for an unknown product.
pub async fn catalog(ctx: &Ctx<'_>, product: Uuid) -> Result<Vec<CatalogEntry>, ApiError> {
    particle_product::Entity::find_by_id(product)
        .one(&ctx.state.db)
        .await?
        .ok_or(ApiError::NotFound)?;
    let entries = catalog_entry::Entity::find()
        .filter(catalog_entry::Column::ProductId.eq(product))
        .order_by_asc(catalog_entry::Column::Kind)
        .order_by_asc(catalog_entry::Column::Name)
        .all(&ctx.state.db)
        .await?;
    Ok(entries.iter().map(entry_response).collect())
}

fn check_entry(e: &CatalogEntry) -> Result<CatalogKind, ApiError> {
    let kind = match e.kind.as_str() {
        "function" => CatalogKind::Function,
        "variable" => CatalogKind::Variable,
        _ => {
            return Err(ApiError::invalid(
                "entries",
                format!("{}: kind must be function or variable", e.name),
            ));
        }
    };
    let name_ok = !e.name.is_empty()
        && e.name.len() <= 64
        && e.name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    let action_ok = match kind {
        CatalogKind::Variable => e.action == "device.variable.read",
        CatalogKind::Function => {
            e.action == "device.function.call"
                || e.action
                    .strip_prefix("device.function.call.")
                    .is_some_and(|rest| {
                        !rest.is_empty()
                            && rest
                                .chars()
                                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    })
        }
    };
    if !name_ok {
        return Err(ApiError::invalid(
            "entries",
            format!("{:?} is not a Particle function or variable name", e.name),
        ));
    }
    if !action_ok {
        return Err(ApiError::invalid(
            "entries",
            format!("{}: action {:?} doesn't fit a {}", e.name, e.action, e.kind),
        ));
    }
    Ok(kind)
}

/// Replaces a product's catalog; new actions join the authorization vocabulary.
///
/// # Errors
/// 403 for non-operators, 404 for an unknown product, 422 for a bad entry or a duplicate.
pub async fn put_catalog(
    ctx: &Ctx<'_>,
    product: Uuid,
    entries: &[CatalogEntry],
) -> Result<Vec<CatalogEntry>, ApiError> {
    platform_admin(ctx)?;
    particle_product::Entity::find_by_id(product)
        .one(&ctx.state.db)
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut seen = std::collections::HashSet::new();
    let mut rows = Vec::with_capacity(entries.len());
    for e in entries {
        let kind = check_entry(e)?;
        if !seen.insert((e.kind.clone(), e.name.clone())) {
            return Err(ApiError::invalid(
                "entries",
                format!("{} {} is listed twice", e.kind, e.name),
            ));
        }
        rows.push(catalog_entry::ActiveModel {
            id: Set(Uuid::now_v7()),
            product_id: Set(product),
            kind: Set(kind),
            name: Set(e.name.clone()),
            action: Set(e.action.clone()),
            description: Set(e.description.clone()),
            created_at: Set(ctx.now()),
        });
    }
    let before = catalog(ctx, product).await?;
    let txn = ctx.state.db.begin().await?;
    catalog_entry::Entity::delete_many()
        .filter(catalog_entry::Column::ProductId.eq(product))
        .exec(&txn)
        .await?;
    if !rows.is_empty() {
        catalog_entry::Entity::insert_many(rows).exec(&txn).await?;
    }
    audit::record(
        &txn,
        audit::Entry {
            before: serde_json::to_value(&before).ok(),
            after: serde_json::to_value(entries).ok(),
            ..audit_entry(ctx, "product.catalog_update", product)
        },
    )
    .await?;
    txn.commit().await?;
    let mut index = ctx.state.access.write().await;
    for e in entries {
        index.register_action(&e.action);
    }
    drop(index);
    catalog(ctx, product).await
}

/// Onboards a device into a tenant: checked with Particle first (product-token mode: the
/// device must be in the product; shadow-customer mode: the tenant's customer, created on
/// first need with an opaque id, claims it), then stored. An upstream failure stores nothing.
///
/// # Errors
/// 403 for non-operators, 404 for an unknown tenant, 422 for bad fields, 409 when onboarded
/// already, upstream errors as device calls report them.
pub async fn onboard(
    ctx: &Ctx<'_>,
    tenant: Uuid,
    body: &OnboardDevice,
) -> Result<DeviceResponse, ApiError> {
    platform_admin(ctx)?;
    ctx.tenant(tenant).await?;
    let id = DeviceId::parse(&body.id).map_err(|e| ApiError::invalid("id", e.to_string()))?;
    let db = &ctx.state.db;
    if device::Entity::find_by_id(id.as_str().to_owned())
        .one(db)
        .await?
        .is_some()
    {
        return Err(ApiError::Conflict(
            "this device is onboarded already".into(),
        ));
    }
    let product = particle_product::Entity::find_by_id(body.product_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::invalid("product_id", "no such product"))?;
    if let Some(site) = body.site_id {
        entity::site::Entity::find_by_id(site)
            .one(db)
            .await?
            .filter(|s| s.tenant_id == tenant)
            .ok_or_else(|| ApiError::invalid("site_id", "no such site in this tenant"))?;
    }
    let particle = &ctx.state.particle;
    let oauth = OAuthClient {
        client_id: product.oauth_client_id.clone(),
        client_secret: particle.secrets.open(&product.oauth_client_secret_enc)?,
    };
    let now = ctx.now();
    let device_id = id.as_str();
    let shadow = match product.mode {
        ProductMode::ProductToken => {
            let key = TokenCache::product_key(product.particle_id);
            let mint = || particle.client.mint_product_token(&oauth);
            with_token(
                &particle.tokens,
                &key,
                now,
                particle.margin,
                mint,
                |t| async move {
                    particle
                        .client
                        .get_device(&t, Some(product.particle_id), device_id)
                        .await
                },
            )
            .await
            .map_err(|e| match e {
                // Particle answers 403 for ids it won't confirm, to avoid enumeration.
                crate::particle::Error::NotFound { .. }
                | crate::particle::Error::PermissionDenied => {
                    ApiError::invalid("id", "this device is not in the product")
                }
                other => other.into(),
            })?;
            None
        }
        ProductMode::ShadowCustomer => {
            let existing = shadow_customer::Entity::find()
                .filter(shadow_customer::Column::TenantId.eq(tenant))
                .filter(shadow_customer::Column::ProductId.eq(product.id))
                .one(db)
                .await?;
            let customer = match existing {
                Some(c) => c.customer_id,
                None => {
                    // Opaque and lower-case: never a person's email (Particle lower-cases ids).
                    let customer = format!("fw-{}", Uuid::now_v7().simple());
                    match particle
                        .client
                        .create_customer(&oauth, product.particle_id, &customer)
                        .await
                    {
                        Ok(_) => {}
                        Err(e) if e.is_customer_exists() => {}
                        Err(e) => return Err(e.into()),
                    }
                    // Remembered at once: it exists upstream even if the claim below fails.
                    let txn = db.begin().await?;
                    let row = shadow_customer::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        tenant_id: Set(tenant),
                        product_id: Set(product.id),
                        customer_id: Set(customer.clone()),
                        created_at: Set(now),
                    }
                    .insert(&txn)
                    .await?;
                    audit::record(
                        &txn,
                        ctx.entry(tenant, "shadow_customer.create", "shadow_customer", row.id),
                    )
                    .await?;
                    txn.commit().await?;
                    customer
                }
            };
            let key = TokenCache::customer_key(product.particle_id, &customer);
            let mint = || particle.client.mint_customer_token(&oauth, &customer);
            with_token(
                &particle.tokens,
                &key,
                now,
                particle.margin,
                mint,
                |t| async move { particle.client.claim(&t, device_id).await },
            )
            .await?;
            Some(customer)
        }
    };
    let txn = db.begin().await?;
    let shadow_id = match &shadow {
        Some(customer) => shadow_customer::Entity::find()
            .filter(shadow_customer::Column::ProductId.eq(product.id))
            .filter(shadow_customer::Column::CustomerId.eq(customer.clone()))
            .one(&txn)
            .await?
            .map(|c| c.id),
        None => None,
    };
    let stored = device::ActiveModel {
        id: Set(id.as_str().to_owned()),
        tenant_id: Set(tenant),
        site_id: Set(body.site_id),
        product_id: Set(product.id),
        shadow_customer_id: Set(shadow_id),
        name: Set(name("name", &body.name, 200)?),
        serial_number: Set(None),
        notes: Set(None),
        online: Set(false),
        firmware_version: Set(None),
        last_heard_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        audit::Entry {
            after: Some(serde_json::json!({
                "product_id": product.id, "site_id": stored.site_id, "shadow_customer": shadow,
            })),
            ..ctx.entry(tenant, "device.onboard", "device", &stored.id)
        },
    )
    .await?;
    txn.commit().await?;
    ctx.state
        .access
        .write()
        .await
        .upsert_device(super::load::device_entry(&stored));
    super::devices::get(ctx, &id).await
}
