//! Operators put devices into tenants — one, or a CSV batch — and move them between tenants.
//! Particle is asked first (in shadow-customer mode the tenant's own customer claims the
//! device) and our rows change only once it agreed; a transfer that fails half-way at Particle
//! is put back, so the old state stays whole.
//!
//! Single onboarding is here; `upstream` speaks to Particle for a product, `batch` onboards
//! a CSV file, `transfer` moves a device between tenants.

mod batch;
mod transfer;
mod upstream;

pub use batch::onboard_csv;
pub use transfer::transfer;

use entity::enums::ProductMode;
use entity::{device, particle_product, site};
use fleetwarden_wire::products::OnboardDevice;
use fleetwarden_wire::sharing::DeviceResponse;
use sea_orm::EntityTrait;
use uuid::Uuid;

use super::{Ctx, name};
use crate::audit;
use crate::changes::Change;
use crate::changes::rebuild::device_entry;
use crate::domain::ids::DeviceId;
use crate::domain::ids::TenantId;
use crate::store;
use crate::tenancy::TenancyError;
use upstream::Upstream;

/// An onboarding request that passed every local check.
struct Checked {
    id: DeviceId,
    name: String,
    site_id: Option<Uuid>,
    product: particle_product::Model,
}

async fn product(ctx: &Ctx<'_>, id: Uuid) -> Result<particle_product::Model, TenancyError> {
    particle_product::Entity::find_by_id(id)
        .one(&ctx.state.db)
        .await?
        .ok_or_else(|| TenancyError::invalid("product_id", "no such product"))
}

async fn tenant_site(ctx: &Ctx<'_>, tenant: Uuid, site: Uuid) -> Result<site::Model, TenancyError> {
    site::Entity::find_by_id(site)
        .one(&ctx.state.db)
        .await?
        .filter(|s| s.tenant_id == tenant)
        .ok_or_else(|| TenancyError::invalid("site_id", "no such site in this tenant"))
}

async fn check(ctx: &Ctx<'_>, tenant: Uuid, body: &OnboardDevice) -> Result<Checked, TenancyError> {
    let id = DeviceId::parse(&body.id).map_err(|e| TenancyError::invalid("id", e.to_string()))?;
    let name = name("name", &body.name, 200)?;
    if let Some(site) = body.site_id {
        tenant_site(ctx, tenant, site).await?;
    }
    Ok(Checked {
        id,
        name,
        site_id: body.site_id,
        product: product(ctx, body.product_id).await?,
    })
}

/// Asks Particle, then stores the device with its audit record. An upstream failure stores
/// nothing (but a newly created shadow customer, which is reused next time).
async fn store(ctx: &Ctx<'_>, tenant: Uuid, c: Checked) -> Result<device::Model, TenancyError> {
    let db = &ctx.state.db;
    if device::Entity::find_by_id(c.id.as_str().to_owned())
        .one(db)
        .await?
        .is_some()
    {
        return Err(TenancyError::Conflict(
            "this device is onboarded already".into(),
        ));
    }
    let up = Upstream::new(ctx, c.product)?;
    let shadow = match up.product.mode {
        ProductMode::ProductToken => {
            // Left unclaimed (Particle's advice); it must be in the product, though.
            up.owner(c.id.as_str()).await?;
            None
        }
        ProductMode::ShadowCustomer => {
            let customer = up.shadow_customer(tenant).await?;
            up.claim(&customer.customer_id, c.id.as_str()).await?;
            Some(customer)
        }
    };
    let now = ctx.now();
    let mut txn = ctx.write().await?;
    let new = store::devices::NewDevice {
        id: c.id.as_str(),
        tenant,
        site: c.site_id,
        product: up.product.id,
        shadow_customer: shadow.as_ref().map(|s| s.id),
        name: &c.name,
        seen: None,
    };
    let stored = store::devices::insert(&*txn, new, now).await?;
    txn.audit(audit::Entry {
        after: Some(serde_json::json!({
            "product_id": up.product.id,
            "site_id": stored.site_id,
            "shadow_customer": shadow.as_ref().map(|s| &s.customer_id),
        })),
        ..ctx.entry(tenant, "device.onboard", "device", &stored.id)
    })
    .await?;
    txn.change(Change::Device(device_entry(&stored)));
    txn.commit().await?;
    Ok(stored)
}

/// Onboards a device into a tenant: checked with Particle first (product-token mode: the
/// device must be in the product; shadow-customer mode: the tenant's customer, created on
/// first need, claims it), then stored.
///
/// # Errors
/// 403 for non-operators, 404 for an unknown tenant, 422 for bad fields, 409 when onboarded
/// already, upstream errors as device calls report them.
pub async fn onboard(
    ctx: &Ctx<'_>,
    tenant: TenantId,
    body: &OnboardDevice,
) -> Result<DeviceResponse, TenancyError> {
    let tenant = Uuid::from(tenant);
    ctx.require_platform_admin()?;
    ctx.tenant(tenant).await?;
    let checked = check(ctx, tenant, body).await?;
    let id = checked.id.clone();
    store(ctx, tenant, checked).await?;
    super::devices::get(ctx, &id).await
}
