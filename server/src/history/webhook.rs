//! Particle webhooks as the other way in: per product, with a secret of its own that the
//! maker puts in the webhook's headers (`X-Fleetwarden-Secret`) or Basic auth password.
//! Particle delivers at least once and in any order, and gives up on a server after two
//! failed retries, so a delivery is answered as soon as it is stored, and is idempotent: the
//! event's key is its content (the key the stream gives it too), so a repeated delivery, or
//! one that the stream already brought, is stored once.
use chrono::{DateTime, Utc};
use entity::particle_product;
use sea_orm::EntityTrait;
use uuid::Uuid;

use super::ingest::{self, Taken};
use crate::audit;
use crate::domain::secrets::{self, Kind};
use crate::particle::client::CloudEvent;
use crate::state::AppState;
use crate::store;
use crate::tenancy::{Ctx, TenancyError};

/// One delivery, in Particle's default JSON or form fields.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// `event`.
    pub event: String,
    /// `data`.
    pub data: Option<String>,
    /// `coreid`.
    pub coreid: String,
    /// `published_at`.
    pub published_at: DateTime<Utc>,
}

/// Why a delivery was not taken.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// No such product, no webhook secret set, or the wrong one: all alike.
    #[error("unknown product or wrong webhook secret")]
    Unauthenticated,
    /// The database failed (the delivery may be retried).
    #[error(transparent)]
    Database(#[from] sea_orm::DbErr),
}

/// Makes a new webhook secret for `product` (platform admins), voiding the old one; the
/// secret is shown once, only its hash is kept.
///
/// # Errors
/// 403 for anyone else; 404 for an unknown product.
pub async fn new_secret(ctx: &Ctx<'_>, product: Uuid) -> Result<String, TenancyError> {
    ctx.require_platform_admin()?;
    let minted = secrets::mint(Kind::Webhook);
    let txn = ctx.write().await?;
    if !store::products::set_webhook_secret(&*txn, product, &minted.hash, ctx.now()).await? {
        return Err(TenancyError::NotFound);
    }
    txn.audit(audit::Entry {
        tenant_id: None,
        ..ctx.entry(Uuid::nil(), "product.webhook_secret", "product", product)
    })
    .await?;
    txn.commit().await?;
    Ok(minted.secret)
}

/// Takes a delivery for `product` presenting `secret`.
///
/// # Errors
/// [`Refused`].
pub async fn deliver(
    state: &AppState,
    product: Uuid,
    secret: Option<&str>,
    delivery: Delivery,
) -> Result<Taken, Refused> {
    let stored_hash = particle_product::Entity::find_by_id(product)
        .one(&state.db)
        .await?
        .and_then(|p| p.webhook_secret_hash);
    // Compared in constant time, and a hash is compared even when there is none, so the
    // answer takes as long for an unknown product.
    let expected = stored_hash.as_deref().unwrap_or("");
    let presented = secret.unwrap_or("");
    if !secrets::matches(presented, expected) || stored_hash.is_none() {
        return Err(Refused::Unauthenticated);
    }
    let event = CloudEvent {
        name: delivery.event,
        data: delivery.data,
        published_at: delivery.published_at,
        device: delivery.coreid.to_ascii_lowercase(),
    };
    Ok(ingest::take(state, vec![event]).await?)
}
