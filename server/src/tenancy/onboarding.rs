//! Operators put devices into tenants — one, or a CSV batch — and move them between tenants.
//! Particle is asked first (in shadow-customer mode the tenant's own customer claims the
//! device) and our rows change only once it agreed; a transfer that fails half-way at Particle
//! is put back, so the old state stays whole.

use entity::enums::ProductMode;
use entity::{device, grant, particle_product, shadow_customer, site};
use fleetwarden_wire::products::{
    BatchOutcome, BatchResult, BatchRow, OnboardDevice, TransferDevice,
};
use fleetwarden_wire::sharing::DeviceResponse;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use secrecy::SecretString;
use uuid::Uuid;

use super::batch_file;
use super::products::platform_admin;
use super::{Ctx, name};
use crate::audit;
use crate::changes::Change;
use crate::changes::rebuild::device_entry;
use crate::domain::ids::DeviceId;
use crate::error::ApiError;
use crate::particle::Error as ParticleError;
use crate::particle::client::OAuthClient;
use crate::particle::token_cache::{TokenCache, with_token};

/// A product and its opened OAuth client: what every upstream step of onboarding needs.
struct Upstream<'a> {
    ctx: &'a Ctx<'a>,
    product: particle_product::Model,
    oauth: OAuthClient,
}

impl<'a> Upstream<'a> {
    fn new(ctx: &'a Ctx<'a>, product: particle_product::Model) -> Result<Self, ApiError> {
        let oauth = OAuthClient {
            client_id: product.oauth_client_id.clone(),
            client_secret: ctx
                .state
                .particle
                .secrets
                .open(&product.oauth_client_secret_enc)?,
        };
        Ok(Self {
            ctx,
            product,
            oauth,
        })
    }

    /// Runs `call` with the product's own token (cached; a rejected token is renewed once).
    async fn as_product<T, C, F>(&self, call: C) -> Result<T, ParticleError>
    where
        C: Fn(SecretString) -> F,
        F: Future<Output = Result<T, ParticleError>>,
    {
        let particle = &self.ctx.state.particle;
        let key = TokenCache::product_key(self.product.particle_id);
        let mint = || particle.client.mint_product_token(&self.oauth);
        with_token(
            &particle.tokens,
            &key,
            self.ctx.now(),
            particle.margin,
            mint,
            call,
        )
        .await
    }

    /// Runs `call` with a token scoped to the shadow customer `customer`.
    async fn as_customer<T, C, F>(&self, customer: &str, call: C) -> Result<T, ParticleError>
    where
        C: Fn(SecretString) -> F,
        F: Future<Output = Result<T, ParticleError>>,
    {
        let particle = &self.ctx.state.particle;
        let key = TokenCache::customer_key(self.product.particle_id, customer);
        let mint = || particle.client.mint_customer_token(&self.oauth, customer);
        with_token(
            &particle.tokens,
            &key,
            self.ctx.now(),
            particle.margin,
            mint,
            call,
        )
        .await
    }

    /// Who owns `device` at Particle (a customer's username), asked with the product token.
    async fn owner(&self, device: &str) -> Result<Option<String>, ApiError> {
        let particle = &self.ctx.state.particle;
        let pid = self.product.particle_id;
        let found = self
            .as_product(|t| async move { particle.client.get_device(&t, Some(pid), device).await })
            .await
            .map_err(|e| match e {
                // Particle answers 403 for ids it won't confirm, to avoid enumeration.
                ParticleError::NotFound { .. } | ParticleError::PermissionDenied => {
                    ApiError::invalid("id", "this device is not in the product")
                }
                other => other.into(),
            })?;
        Ok(found.owner)
    }

    async fn claim(&self, customer: &str, device: &str) -> Result<(), ParticleError> {
        let client = &self.ctx.state.particle.client;
        self.as_customer(customer, |t| async move { client.claim(&t, device).await })
            .await
    }

    async fn unclaim(&self, customer: &str, device: &str) -> Result<(), ParticleError> {
        let client = &self.ctx.state.particle.client;
        self.as_customer(
            customer,
            |t| async move { client.unclaim(&t, device).await },
        )
        .await
    }

    /// The tenant's shadow customer for this product, created at Particle (with an opaque
    /// lower-case id, never a person's email) and remembered the first time it is needed.
    async fn shadow_customer(&self, tenant: Uuid) -> Result<shadow_customer::Model, ApiError> {
        let db = &self.ctx.state.db;
        let existing = shadow_customer::Entity::find()
            .filter(shadow_customer::Column::TenantId.eq(tenant))
            .filter(shadow_customer::Column::ProductId.eq(self.product.id))
            .one(db)
            .await?;
        if let Some(found) = existing {
            return Ok(found);
        }
        let customer = format!("fw-{}", Uuid::now_v7().simple());
        match self
            .ctx
            .state
            .particle
            .client
            .create_customer(&self.oauth, self.product.particle_id, &customer)
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_customer_exists() => {}
            Err(e) => return Err(e.into()),
        }
        // Remembered at once and on its own: it exists upstream whatever happens next, and an
        // empty customer is harmless (the next device for this tenant reuses it).
        let txn = self.ctx.write().await?;
        let row = shadow_customer::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(tenant),
            product_id: Set(self.product.id),
            customer_id: Set(customer),
            created_at: Set(self.ctx.now()),
        }
        .insert(&*txn)
        .await?;
        txn.audit(
            self.ctx
                .entry(tenant, "shadow_customer.create", "shadow_customer", row.id),
        )
        .await?;
        txn.commit().await?;
        Ok(row)
    }
}

/// An onboarding request that passed every local check.
struct Checked {
    id: DeviceId,
    name: String,
    site_id: Option<Uuid>,
    product: particle_product::Model,
}

async fn product(ctx: &Ctx<'_>, id: Uuid) -> Result<particle_product::Model, ApiError> {
    particle_product::Entity::find_by_id(id)
        .one(&ctx.state.db)
        .await?
        .ok_or_else(|| ApiError::invalid("product_id", "no such product"))
}

async fn tenant_site(ctx: &Ctx<'_>, tenant: Uuid, site: Uuid) -> Result<site::Model, ApiError> {
    site::Entity::find_by_id(site)
        .one(&ctx.state.db)
        .await?
        .filter(|s| s.tenant_id == tenant)
        .ok_or_else(|| ApiError::invalid("site_id", "no such site in this tenant"))
}

async fn check(ctx: &Ctx<'_>, tenant: Uuid, body: &OnboardDevice) -> Result<Checked, ApiError> {
    let id = DeviceId::parse(&body.id).map_err(|e| ApiError::invalid("id", e.to_string()))?;
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
async fn store(ctx: &Ctx<'_>, tenant: Uuid, c: Checked) -> Result<device::Model, ApiError> {
    let db = &ctx.state.db;
    if device::Entity::find_by_id(c.id.as_str().to_owned())
        .one(db)
        .await?
        .is_some()
    {
        return Err(ApiError::Conflict(
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
    let stored = device::ActiveModel {
        id: Set(c.id.as_str().to_owned()),
        tenant_id: Set(tenant),
        site_id: Set(c.site_id),
        product_id: Set(up.product.id),
        shadow_customer_id: Set(shadow.as_ref().map(|s| s.id)),
        name: Set(c.name),
        serial_number: Set(None),
        notes: Set(None),
        online: Set(false),
        firmware_version: Set(None),
        last_heard_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&*txn)
    .await?;
    txn.audit(audit::Entry {
        after: Some(serde_json::json!({
            "product_id": up.product.id,
            "site_id": stored.site_id,
            "shadow_customer": shadow.as_ref().map(|s| &s.customer_id),
        })),
        ..ctx.entry(tenant, "device.onboard", "device", &stored.id)
    })
    .await?;
    txn.change(Change::device(&device_entry(&stored)));
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
    tenant: Uuid,
    body: &OnboardDevice,
) -> Result<DeviceResponse, ApiError> {
    platform_admin(ctx)?;
    ctx.tenant(tenant).await?;
    let checked = check(ctx, tenant, body).await?;
    let id = checked.id.clone();
    store(ctx, tenant, checked).await?;
    super::devices::get(ctx, &id).await
}

/// Onboards every device of a CSV file. The file is checked whole first: any bad line is a
/// 422 naming every bad line, and nothing is done. Then each device is onboarded on its own,
/// so one Particle refusal doesn't undo the others; a device already in this tenant counts
/// as done, so a corrected file can simply be sent again.
///
/// # Errors
/// 403 for non-operators, 404 for an unknown tenant, 422 for a bad file.
pub async fn onboard_csv(
    ctx: &Ctx<'_>,
    tenant: Uuid,
    csv_text: Vec<u8>,
    default_product: Option<Uuid>,
) -> Result<BatchResult, ApiError> {
    platform_admin(ctx)?;
    ctx.tenant(tenant).await?;
    batch_file::check_size(&csv_text)?;
    let db = &ctx.state.db;
    let known = batch_file::Known {
        sites: site::Entity::find()
            .filter(site::Column::TenantId.eq(tenant))
            .all(db)
            .await?
            .into_iter()
            .map(|s| (s.id, s.name.to_lowercase()))
            .collect(),
        products: particle_product::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect(),
        default_product,
    };
    // A file of thousands of lines takes milliseconds to check: not on an async worker, where
    // it would hold up every other request of that thread.
    let lines = tokio::task::spawn_blocking(move || batch_file::parse(&csv_text, &known))
        .await
        .map_err(|e| ApiError::Internal(e.into()))??;
    let mut rows = Vec::with_capacity(lines.len());
    for batch_file::BatchLine {
        line,
        id,
        name,
        site_id,
        product,
    } in lines
    {
        let checked = Checked {
            id,
            name,
            site_id,
            product,
        };
        let id = checked.id.as_str().to_owned();
        let (outcome, error) = match store(ctx, tenant, checked).await {
            Ok(_) => (BatchOutcome::Onboarded, None),
            Err(ApiError::Conflict(_)) if in_tenant(ctx, tenant, &id).await? => {
                (BatchOutcome::AlreadyOnboarded, None)
            }
            Err(e) => (BatchOutcome::Failed, Some(e.body())),
        };
        rows.push(BatchRow {
            line,
            id,
            outcome,
            error,
        });
    }
    let count = |o: BatchOutcome| rows.iter().filter(|r| r.outcome == o).count();
    let result = BatchResult {
        onboarded: count(BatchOutcome::Onboarded),
        already_onboarded: count(BatchOutcome::AlreadyOnboarded),
        failed: count(BatchOutcome::Failed),
        rows,
    };
    let txn = ctx.write().await?;
    txn.audit(audit::Entry {
        after: Some(serde_json::json!({
            "onboarded": result.onboarded,
            "already_onboarded": result.already_onboarded,
            "failed": result.failed,
        })),
        ..ctx.entry(tenant, "device.onboard_batch", "tenant", tenant)
    })
    .await?;
    txn.commit().await?;
    Ok(result)
}

async fn in_tenant(ctx: &Ctx<'_>, tenant: Uuid, id: &str) -> Result<bool, ApiError> {
    Ok(device::Entity::find_by_id(id.to_owned())
        .one(&ctx.state.db)
        .await?
        .is_some_and(|d| d.tenant_id == tenant))
}

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
) -> Result<DeviceResponse, ApiError> {
    platform_admin(ctx)?;
    let db = &ctx.state.db;
    let current = device::Entity::find_by_id(id.as_str().to_owned())
        .one(db)
        .await?
        .ok_or(ApiError::NotFound)?;
    ctx.tenant(body.tenant_id).await?;
    if body.tenant_id == current.tenant_id {
        return Err(ApiError::invalid(
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
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("device without its product")))?,
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
        Ok(_) => super::devices::get(ctx, id).await,
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
) -> Result<(), ApiError> {
    match up.owner(device).await? {
        Some(owner) if owner == new => return Ok(()),
        Some(owner) if Some(owner.as_str()) == old => up.unclaim(&owner, device).await?,
        Some(_) => {
            return Err(ApiError::Conflict(
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
) -> Result<device::Model, ApiError> {
    let mut txn = ctx.write().await?;
    let grants = grant::Entity::find()
        .filter(grant::Column::ScopeDeviceId.eq(current.id.clone()))
        .all(&*txn)
        .await?;
    let dropped: Vec<Uuid> = grants.iter().map(|g| g.id).collect();
    grant::Entity::delete_many()
        .filter(grant::Column::ScopeDeviceId.eq(current.id.clone()))
        .exec(&*txn)
        .await?;
    let mut model: device::ActiveModel = current.clone().into();
    model.tenant_id = Set(body.tenant_id);
    model.site_id = Set(body.site_id);
    model.shadow_customer_id = Set(new_shadow.map(|s| s.id));
    if let Some(new_name) = &body.name {
        model.name = Set(name("name", new_name, 200)?);
    }
    model.updated_at = Set(ctx.now());
    let updated = model.update(&*txn).await?;
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
    txn.change(Change::device(&device_entry(&updated)));
    txn.commit().await?;
    Ok(updated)
}
