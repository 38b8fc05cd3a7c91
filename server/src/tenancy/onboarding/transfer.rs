//! Moving a device to another tenant, at Particle and in our rows, all or nothing.
use entity::enums::ProductMode;
use entity::{device, particle_product, shadow_customer};
use fleetwarden_wire::products::TransferDevice;
use fleetwarden_wire::sharing::DeviceResponse;
use sea_orm::EntityTrait;

use super::tenant_site;
use super::upstream::Upstream;
use crate::audit;
use crate::changes::Change;
use crate::changes::rebuild::device_entry;
use crate::domain::ids::DeviceId;
use crate::store;
use crate::tenancy::TenancyError;
use crate::tenancy::{Ctx, name};

/// Moves a device to another tenant: in shadow-customer mode the old tenant's customer
/// unclaims it and the new tenant's claims it; then, in one transaction, the device changes
/// tenant (and site), every grant on it is dropped and both tenants' audit logs say so.
///
/// Atomic as seen from outside: if Particle refuses the new claim the old customer claims the
/// device back; if the database then fails, Particle is put back the same way. If even the
/// putting back fails the device is left unclaimed at Particle, our rows are unchanged, and
/// the same transfer can simply be repeated (every step first looks at who owns the device).
///
/// # Errors
/// 403 for non-operators, 404 for an unknown device or tenant, 422 for the same tenant or a
/// site of another, 409 when someone else owns the device at Particle, upstream errors.
pub async fn transfer(
    ctx: &Ctx<'_>,
    id: &DeviceId,
    body: &TransferDevice,
) -> Result<DeviceResponse, TenancyError> {
    ctx.require_platform_admin()?;
    let db = &ctx.state.db;
    let current = device::Entity::find_by_id(id.as_str().to_owned())
        .one(db)
        .await?
        .ok_or(TenancyError::NotFound)?;
    ctx.tenant(body.tenant_id).await?;
    if body.tenant_id == current.tenant_id {
        return Err(TenancyError::invalid(
            "tenant_id",
            "the device is in this tenant already",
        ));
    }
    if let Some(site) = body.site_id {
        tenant_site(ctx, body.tenant_id, site).await?;
    }
    let up = Upstream::new(
        ctx,
        particle_product::Entity::find_by_id(current.product_id)
            .one(db)
            .await?
            .ok_or_else(|| TenancyError::Internal(anyhow::anyhow!("device without its product")))?,
    )?;

    // Upstream first. `moved` holds (old customer, new customer) once Particle changed.
    let (new_shadow, moved) = match up.product.mode {
        ProductMode::ProductToken => (None, None),
        ProductMode::ShadowCustomer => {
            let old = match current.shadow_customer_id {
                Some(old) => shadow_customer::Entity::find_by_id(old).one(db).await?,
                None => None,
            };
            let new = up.shadow_customer(body.tenant_id).await?;
            let old_name = old.map(|o| o.customer_id);
            move_claim(&up, id.as_str(), old_name.as_deref(), &new.customer_id).await?;
            let moved = (old_name, new.customer_id.clone());
            (Some(new), Some(moved))
        }
    };

    match commit_transfer(ctx, &current, body, new_shadow.as_ref()).await {
        Ok(_) => crate::tenancy::devices::get(ctx, id).await,
        Err(e) => {
            if let Some((old, new)) = moved {
                put_back(&up, id.as_str(), &new, old.as_deref()).await;
            }
            Err(e)
        }
    }
}

/// Makes `new` the device's owner at Particle, from whatever state an earlier, interrupted
/// attempt left. If the new claim fails, the old owner claims it back before the error is
/// returned.
async fn move_claim(
    up: &Upstream<'_>,
    device: &str,
    old: Option<&str>,
    new: &str,
) -> Result<(), TenancyError> {
    match up.owner(device).await? {
        Some(owner) if owner == new => return Ok(()),
        Some(owner) if Some(owner.as_str()) == old => up.unclaim(&owner, device).await?,
        Some(_) => {
            return Err(TenancyError::Conflict(
                "someone outside this tenant owns the device at Particle".into(),
            ));
        }
        None => {}
    }
    if let Err(e) = up.claim(new, device).await {
        if let Some(old) = old
            && let Err(again) = up.claim(old, device).await
        {
            tracing::error!(device, error = %again,
                "transfer: the old owner could not claim the device back; it is unclaimed at Particle");
        }
        return Err(e.into());
    }
    Ok(())
}

/// Undoes [`move_claim`] after the database refused the transfer. Best effort: logged if
/// Particle refuses too (the transfer can be repeated).
async fn put_back(up: &Upstream<'_>, device: &str, new: &str, old: Option<&str>) {
    let result = match up.unclaim(new, device).await {
        Ok(()) => match old {
            Some(old) => up.claim(old, device).await,
            None => Ok(()),
        },
        Err(e) => Err(e),
    };
    if let Err(error) = result {
        tracing::error!(device, %error, "transfer: could not put the Particle claim back");
    }
}

/// The database half of a transfer: the device row, its grants dropped, and an audit record
/// in each tenant, in one transaction. Returns the updated row.
async fn commit_transfer(
    ctx: &Ctx<'_>,
    current: &device::Model,
    body: &TransferDevice,
    new_shadow: Option<&shadow_customer::Model>,
) -> Result<device::Model, TenancyError> {
    let new_name = body
        .name
        .as_ref()
        .map(|n| name("name", n, 200))
        .transpose()?;
    let to = store::devices::Destination {
        tenant: body.tenant_id,
        site: body.site_id,
        shadow_customer: new_shadow.map(|s| s.id),
        name: new_name.as_deref(),
    };
    let mut txn = ctx.write().await?;
    let (updated, dropped) =
        store::devices::transfer(&*txn, current.clone(), to, ctx.now()).await?;
    store::seats::settle(&*txn, current.tenant_id, None, ctx.now()).await?;
    let summary = serde_json::json!({
        "from_tenant": current.tenant_id,
        "to_tenant": body.tenant_id,
        "site_id": updated.site_id,
        "grants_dropped": dropped,
    });
    for (tenant, action) in [
        (current.tenant_id, "device.transfer_out"),
        (body.tenant_id, "device.transfer_in"),
    ] {
        txn.audit(audit::Entry {
            before: Some(serde_json::json!({
                "tenant_id": current.tenant_id, "site_id": current.site_id, "name": current.name,
            })),
            after: Some(summary.clone()),
            ..ctx.entry(tenant, action, "device", &current.id)
        })
        .await?;
    }
    txn.changes(dropped.iter().map(|&id| Change::GrantRemoved { id }));
    txn.change(Change::Device(device_entry(&updated)));
    txn.commit().await?;
    Ok(updated)
}
