//! Operators: Particle products and their function catalogs (onboarding devices is in
//! [`super::onboarding`]).
use std::collections::HashSet;

use entity::enums::{CatalogKind, ProductMode};
use entity::{catalog_entry, particle_product};
use fleetwarden_wire::products::{
    self as wire, ArgumentSpec, CatalogEntry, CreateProduct, ProductListing, ProductResponse,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{Ctx, conflict, name};
use crate::access::DeviceFilter;
use crate::audit;
use crate::audit::refusals::Refusal;
use crate::changes::Change;
use crate::domain::actions::{Action, FUNCTION_CALL_PREFIX};
use crate::domain::controls::Argument;
use crate::domain::ids::ProductId;
use crate::store;
use crate::tenancy::TenancyError;

/// Notes a refused attempt on a product for the audit log (products are platform-level).
fn refused(ctx: &Ctx<'_>, attempted: &'static str, target: impl ToString, reason: &'static str) {
    ctx.state.refusals.record(Refusal {
        tenant_id: None,
        organization_id: None,
        actor_user_id: ctx.user(),
        actor_email: ctx.principal.user.email.clone(),
        attempted,
        target_kind: "product",
        target_id: target.to_string(),
        reason,
        ip: ctx.client.ip.clone(),
        request_id: ctx.client.request_id.clone(),
    });
}

fn wire_mode(mode: ProductMode) -> wire::ProductMode {
    match mode {
        ProductMode::ProductToken => wire::ProductMode::ProductToken,
        ProductMode::ShadowCustomer => wire::ProductMode::ShadowCustomer,
    }
}

fn stored_mode(mode: wire::ProductMode) -> ProductMode {
    match mode {
        wire::ProductMode::ProductToken => ProductMode::ProductToken,
        wire::ProductMode::ShadowCustomer => ProductMode::ShadowCustomer,
    }
}

fn wire_kind(kind: CatalogKind) -> wire::CatalogKind {
    match kind {
        CatalogKind::Function => wire::CatalogKind::Function,
        CatalogKind::Variable => wire::CatalogKind::Variable,
    }
}

fn stored_kind(kind: wire::CatalogKind) -> CatalogKind {
    match kind {
        wire::CatalogKind::Function => CatalogKind::Function,
        wire::CatalogKind::Variable => CatalogKind::Variable,
    }
}

fn response(p: &particle_product::Model) -> ProductResponse {
    ProductResponse {
        id: p.id,
        particle_id: p.particle_id,
        name: p.name.clone(),
        slug: p.slug.clone(),
        mode: wire_mode(p.mode),
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
pub async fn create(ctx: &Ctx<'_>, body: &CreateProduct) -> Result<ProductResponse, TenancyError> {
    ctx.require_platform_admin()
        .inspect_err(|_| refused(ctx, "product.create", body.particle_id, "forbidden"))?;
    let mode = stored_mode(body.mode);
    if body.particle_id <= 0 {
        return Err(TenancyError::invalid(
            "particle_id",
            "must be Particle's numeric product id",
        ));
    }
    if body.client_id.trim().is_empty() || body.client_secret.trim().is_empty() {
        return Err(TenancyError::invalid(
            "client_secret",
            "client_id and client_secret are required",
        ));
    }
    let sealed = ctx.state.particle.secrets.seal(body.client_secret.trim())?;
    let now = ctx.now();
    let txn = ctx.write().await?;
    let new = store::products::NewProduct {
        particle_id: body.particle_id,
        slug: body.slug.clone(),
        name: name("name", &body.name, 200)?,
        platform_id: None,
        mode,
        api_base_url: None,
        oauth_client_id: body.client_id.trim().to_owned(),
        oauth_client_secret_enc: sealed,
    };
    let product = store::products::insert(&*txn, new, now)
        .await
        .map_err(conflict("a product with this Particle id"))?;
    let wire = response(&product);
    txn.audit(audit::Entry {
        after: serde_json::to_value(&wire).ok(),
        ..audit_entry(ctx, "product.create", product.id)
    })
    .await?;
    txn.commit().await?;
    Ok(wire)
}

/// The products the caller may know of: every one, in full, for platform admins; for anyone
/// else, id and name of the products of the devices they can see.
///
/// # Errors
/// Database failures.
pub async fn list(ctx: &Ctx<'_>) -> Result<Vec<ProductListing>, TenancyError> {
    let query = particle_product::Entity::find().order_by_asc(particle_product::Column::Name);
    if ctx.principal.user.is_platform_admin {
        let products = query.all(&ctx.state.db).await?;
        return Ok(products
            .iter()
            .map(|p| ProductListing::from(response(p)))
            .collect());
    }
    let mine = visible_products(ctx).await;
    if mine.is_empty() {
        return Ok(Vec::new());
    }
    let products = query
        .filter(particle_product::Column::Id.is_in(mine))
        .all(&ctx.state.db)
        .await?;
    Ok(products
        .into_iter()
        .map(|p| ProductListing::named(p.id, p.name))
        .collect())
}

/// The products of the devices the caller can see now.
async fn visible_products(ctx: &Ctx<'_>) -> HashSet<Uuid> {
    let index = ctx.state.access.read().await;
    index
        .visible_devices(ctx.user(), ctx.now(), &DeviceFilter::default())
        .iter()
        .map(|d| d.product)
        .collect()
}

fn entry_response(e: &catalog_entry::Model) -> CatalogEntry {
    CatalogEntry {
        kind: wire_kind(e.kind),
        name: e.name.clone(),
        action: e.action.clone(),
        description: e.description.clone(),
        label: e.label.clone(),
        argument: e
            .argument
            .clone()
            .and_then(|a| serde_json::from_value(a).ok()),
        confirm: e.confirm,
    }
}

/// The domain's reading of a wire argument description.
pub fn argument(spec: &ArgumentSpec) -> Argument {
    match spec {
        ArgumentSpec::None => Argument::None,
        ArgumentSpec::Number { unit, min, max } => Argument::Number {
            unit: unit.clone(),
            min: *min,
            max: *max,
        },
        ArgumentSpec::Choice { options } => Argument::Choice {
            options: options.clone(),
        },
        ArgumentSpec::Text { max_length } => Argument::Text {
            max_length: *max_length as usize,
        },
    }
}

/// A product's catalog, for platform admins and whoever can see one of its devices.
///
/// # Errors
/// 404 for an unknown product, and for one the caller has no device of (the same answer, so
/// ids reveal nothing).
pub async fn catalog(ctx: &Ctx<'_>, product: ProductId) -> Result<Vec<CatalogEntry>, TenancyError> {
    let product = Uuid::from(product);
    if !ctx.principal.user.is_platform_admin && !visible_products(ctx).await.contains(&product) {
        refused(ctx, "product.catalog_read", product, "not_found");
        return Err(TenancyError::NotFound);
    }
    stored_catalog(ctx, product).await
}

async fn stored_catalog(ctx: &Ctx<'_>, product: Uuid) -> Result<Vec<CatalogEntry>, TenancyError> {
    particle_product::Entity::find_by_id(product)
        .one(&ctx.state.db)
        .await?
        .ok_or(TenancyError::NotFound)?;
    let entries = catalog_entry::Entity::find()
        .filter(catalog_entry::Column::ProductId.eq(product))
        .order_by_asc(catalog_entry::Column::Kind)
        .order_by_asc(catalog_entry::Column::Name)
        .all(&ctx.state.db)
        .await?;
    Ok(entries.iter().map(entry_response).collect())
}

fn check_entry(e: &CatalogEntry) -> Result<CatalogKind, TenancyError> {
    let kind = stored_kind(e.kind);
    let name_ok = !e.name.is_empty()
        && e.name.len() <= 64
        && e.name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    let action_ok = match kind {
        CatalogKind::Variable => Action::parse(&e.action) == Some(Action::DeviceVariableRead),
        CatalogKind::Function => {
            Action::parse(&e.action) == Some(Action::DeviceFunctionCall)
                || e.action
                    .strip_prefix(FUNCTION_CALL_PREFIX)
                    .is_some_and(|rest| {
                        !rest.is_empty()
                            && rest
                                .chars()
                                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    })
        }
    };
    if !name_ok {
        return Err(TenancyError::invalid(
            "entries",
            format!("{:?} is not a Particle function or variable name", e.name),
        ));
    }
    if !action_ok {
        return Err(TenancyError::invalid(
            "entries",
            format!("{}: action {:?} doesn't fit a {}", e.name, e.action, e.kind),
        ));
    }
    if kind == CatalogKind::Variable && (e.argument.is_some() || e.confirm) {
        return Err(TenancyError::invalid(
            "entries",
            format!(
                "{}: a variable takes no argument and no confirmation",
                e.name
            ),
        ));
    }
    if let Some(spec) = &e.argument {
        argument(spec)
            .validate()
            .map_err(|why| TenancyError::invalid("entries", format!("{}: {why}", e.name)))?;
    }
    if e.label
        .as_ref()
        .is_some_and(|l| l.trim().is_empty() || l.len() > 100)
    {
        return Err(TenancyError::invalid(
            "entries",
            format!("{}: a label is 1 to 100 bytes", e.name),
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
    product: ProductId,
    entries: &[CatalogEntry],
) -> Result<Vec<CatalogEntry>, TenancyError> {
    let product = Uuid::from(product);
    ctx.require_platform_admin()
        .inspect_err(|_| refused(ctx, "product.catalog_update", product, "forbidden"))?;
    particle_product::Entity::find_by_id(product)
        .one(&ctx.state.db)
        .await?
        .ok_or(TenancyError::NotFound)?;
    let mut seen = std::collections::HashSet::new();
    let mut rows = Vec::with_capacity(entries.len());
    for e in entries {
        let kind = check_entry(e)?;
        if !seen.insert((e.kind, e.name.clone())) {
            return Err(TenancyError::invalid(
                "entries",
                format!("{} {} is listed twice", e.kind, e.name),
            ));
        }
        rows.push(store::products::NewCatalogEntry {
            kind,
            name: e.name.clone(),
            action: e.action.clone(),
            description: e.description.clone(),
            label: e.label.clone(),
            argument: e
                .argument
                .as_ref()
                .and_then(|a| serde_json::to_value(a).ok()),
            confirm: e.confirm,
        });
    }
    let before = stored_catalog(ctx, product).await?;
    let mut txn = ctx.write().await?;
    store::products::replace_catalog(&*txn, product, rows, ctx.now()).await?;
    txn.audit(audit::Entry {
        before: serde_json::to_value(&before).ok(),
        after: serde_json::to_value(entries).ok(),
        ..audit_entry(ctx, "product.catalog_update", product)
    })
    .await?;
    txn.change(Change::Product {
        id: product,
        actions: entries.iter().map(|e| e.action.clone()).collect(),
    });
    txn.commit().await?;
    stored_catalog(ctx, product).await
}
