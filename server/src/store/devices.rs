//! Devices: Particle devices onboarded into a tenant.
use chrono::{DateTime, Utc};
use entity::device;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

use super::grants;
use uuid::Uuid;

/// A device to onboard.
#[derive(Debug, Clone)]
pub struct NewDevice<'a> {
    /// Particle's id (24 hex digits, lower-case).
    pub id: &'a str,
    /// Owning tenant.
    pub tenant: Uuid,
    /// Site it is placed at, if any.
    pub site: Option<Uuid>,
    /// Its Particle product (our id).
    pub product: Uuid,
    /// The tenant's shadow customer that claimed it, in `shadow_customer` mode.
    pub shadow_customer: Option<Uuid>,
    /// Display name.
    pub name: &'a str,
    /// Last known state from Particle, when known at onboarding.
    pub seen: Option<Seen<'a>>,
}

/// What Particle last said of a device.
#[derive(Debug, Clone, Copy)]
pub struct Seen<'a> {
    /// Connected to the cloud.
    pub online: bool,
    /// Firmware version it reported.
    pub firmware_version: Option<&'a str>,
    /// When it was last heard.
    pub last_heard_at: Option<DateTime<Utc>>,
}

/// Onboards a device.
///
/// # Errors
/// `UniqueConstraintViolation` when the device is already onboarded (in any tenant); database
/// failures.
pub async fn insert(
    db: &impl ConnectionTrait,
    new: NewDevice<'_>,
    now: DateTime<Utc>,
) -> Result<device::Model, DbErr> {
    let seen = new.seen.unwrap_or(Seen {
        online: false,
        firmware_version: None,
        last_heard_at: None,
    });
    device::ActiveModel {
        id: Set(new.id.to_owned()),
        tenant_id: Set(new.tenant),
        site_id: Set(new.site),
        product_id: Set(new.product),
        shadow_customer_id: Set(new.shadow_customer),
        name: Set(new.name.to_owned()),
        serial_number: Set(None),
        notes: Set(None),
        online: Set(seen.online),
        firmware_version: Set(seen.firmware_version.map(str::to_owned)),
        last_heard_at: Set(seen.last_heard_at),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
}

/// Renames and/or places (or unplaces) a device; `None` keeps the field.
///
/// # Errors
/// Database failures.
pub async fn update(
    db: &impl ConnectionTrait,
    current: device::Model,
    name: Option<String>,
    site: Option<Option<Uuid>>,
    now: DateTime<Utc>,
) -> Result<device::Model, DbErr> {
    let mut model: device::ActiveModel = current.into();
    if let Some(name) = name {
        model.name = Set(name);
    }
    if let Some(site) = site {
        model.site_id = Set(site);
    }
    model.updated_at = Set(now);
    model.update(db).await
}

/// Where a transferred device goes.
#[derive(Debug, Clone, Copy)]
pub struct Destination<'a> {
    /// Its new tenant.
    pub tenant: Uuid,
    /// Its site there, if placed.
    pub site: Option<Uuid>,
    /// The new tenant's shadow customer that claimed it.
    pub shadow_customer: Option<Uuid>,
    /// A new name, if given.
    pub name: Option<&'a str>,
}

/// Moves a device to another tenant: every grant on it is dropped (their ids returned), its
/// place, owner and name set.
///
/// # Errors
/// Database failures.
pub async fn transfer(
    db: &impl ConnectionTrait,
    current: device::Model,
    to: Destination<'_>,
    now: DateTime<Utc>,
) -> Result<(device::Model, Vec<Uuid>), DbErr> {
    let dropped = grants::delete_on_device(db, &current.id).await?;
    let mut model: device::ActiveModel = current.into();
    model.tenant_id = Set(to.tenant);
    model.site_id = Set(to.site);
    model.shadow_customer_id = Set(to.shadow_customer);
    if let Some(name) = to.name {
        model.name = Set(name.to_owned());
    }
    model.updated_at = Set(now);
    Ok((model.update(db).await?, dropped))
}
