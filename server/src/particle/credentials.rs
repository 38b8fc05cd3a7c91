//! Credential resolution for every device call: device → owning tenant → Particle product →
//! its mode. `product_token`: the product's own token, product paths. `shadow_customer`: the
//! tenant's shadow customer for that product and a customer-scoped token, customer paths.
//! Tokens come from the cache (one mint in flight per credential) and a 401 is retried once
//! with a fresh token.
use std::collections::HashMap;
use std::future::Future;

use chrono::Duration;
use entity::enums::ProductMode;
use entity::{particle_product, shadow_customer};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use secrecy::SecretString;
use uuid::Uuid;

use super::Error;
use super::client::{OAuthClient, ParticleClient};
use super::secret_box::SecretBox;
use super::token_cache::{TokenCache, with_token};
use crate::clock::SharedClock;

/// Everything a device call needs to reach Particle.
pub struct Particle {
    /// The REST client.
    pub client: ParticleClient,
    /// Cached tokens.
    pub tokens: TokenCache,
    /// Decrypts stored OAuth secrets.
    pub secrets: SecretBox,
    /// Refresh tokens this long before they expire.
    pub margin: Duration,
    /// The server's clock.
    pub clock: SharedClock,
    /// Shadow customers already looked up.
    pub customers: ShadowCustomers,
}

/// (tenant, product) → the tenant's shadow customer id at Particle, remembered once read:
/// a shadow customer is made once, never renamed or deleted, so an entry can't go stale, and
/// device calls skip a query each.
#[derive(Debug, Default)]
pub struct ShadowCustomers(std::sync::RwLock<HashMap<(Uuid, Uuid), String>>);

impl ShadowCustomers {
    fn get(&self, tenant: Uuid, product: Uuid) -> Option<String> {
        let map = self
            .0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(&(tenant, product)).cloned()
    }

    fn remember(&self, tenant: Uuid, product: Uuid, customer: &str) {
        let mut map = self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.insert((tenant, product), customer.to_owned());
    }

    /// The customer id, from memory or else from the database.
    async fn find(
        &self,
        db: &impl ConnectionTrait,
        tenant: Uuid,
        product: Uuid,
    ) -> Result<Option<String>, sea_orm::DbErr> {
        if let Some(customer) = self.get(tenant, product) {
            return Ok(Some(customer));
        }
        let row = shadow_customer::Entity::find()
            .filter(shadow_customer::Column::TenantId.eq(tenant))
            .filter(shadow_customer::Column::ProductId.eq(product))
            .one(db)
            .await?;
        if let Some(row) = &row {
            self.remember(tenant, product, &row.customer_id);
        }
        Ok(row.map(|r| r.customer_id))
    }
}

/// Why a device can't be called (before Particle is even asked).
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// The device's product or shadow customer is missing: an onboarding problem.
    #[error("{0}")]
    NotReady(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    /// Particle answered with an error.
    #[error(transparent)]
    Particle(#[from] Error),
}

impl Particle {
    /// The product's OAuth client, its secret opened.
    fn oauth_client(&self, product: &particle_product::Model) -> Result<OAuthClient, ResolveError> {
        Ok(OAuthClient {
            client_id: product.oauth_client_id.clone(),
            client_secret: self
                .secrets
                .open(&product.oauth_client_secret_enc)
                .map_err(|e| ResolveError::NotReady(format!("product credentials: {e}")))?,
        })
    }

    /// The product's own token (from the cache, minted when needed), whatever the product's
    /// mode: the product event stream and device list take it.
    ///
    /// # Errors
    /// [`ResolveError::NotReady`] when the stored secret can't be opened; the mint's failure.
    pub async fn product_token(
        &self,
        product: &particle_product::Model,
    ) -> Result<SecretString, ResolveError> {
        let oauth = self.oauth_client(product)?;
        let key = TokenCache::product_key(product.particle_id);
        Ok(self
            .tokens
            .get_or_mint(&key, self.clock.now(), self.margin, || {
                self.client.mint_product_token(&oauth)
            })
            .await?)
    }

    /// Runs `call` with the product's own token; when the cloud refuses that token, mints a
    /// new one and runs it once more.
    ///
    /// # Errors
    /// [`ResolveError`].
    pub async fn as_product<T, C, Fut>(
        &self,
        product: &particle_product::Model,
        call: C,
    ) -> Result<T, ResolveError>
    where
        C: Fn(SecretString) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let token = self.product_token(product).await?;
        match call(token).await {
            Err(Error::TokenExpired | Error::TokenInvalid) => {
                self.forget_product_token(product);
                let token = self.product_token(product).await?;
                Ok(call(token).await?)
            }
            other => Ok(other?),
        }
    }

    /// Forgets the product's cached token (the cloud refused it).
    pub fn forget_product_token(&self, product: &particle_product::Model) {
        self.tokens
            .invalidate(&TokenCache::product_key(product.particle_id));
    }

    /// Runs `call(token, product_path)` for a device of `tenant` and `product` with the right
    /// credential.
    /// `product_path` is `Some(product id)` in product-token mode (product routes).
    ///
    /// # Errors
    /// [`ResolveError`].
    pub async fn on_device<T, C, Fut>(
        &self,
        db: &impl ConnectionTrait,
        tenant: Uuid,
        product: &particle_product::Model,
        call: C,
    ) -> Result<T, ResolveError>
    where
        C: Fn(SecretString, Option<i64>) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let oauth = self.oauth_client(product)?;
        let now = self.clock.now();
        match product.mode {
            ProductMode::ProductToken => {
                let key = TokenCache::product_key(product.particle_id);
                let mint = || self.client.mint_product_token(&oauth);
                let pid = product.particle_id;
                Ok(with_token(&self.tokens, &key, now, self.margin, mint, |t| {
                    call(t, Some(pid))
                })
                .await?)
            }
            ProductMode::ShadowCustomer => {
                let customer = self
                    .customers
                    .find(db, tenant, product.id)
                    .await?
                    .ok_or_else(|| {
                        ResolveError::NotReady(
                            "the tenant has no shadow customer for this product yet".into(),
                        )
                    })?;
                let key = TokenCache::customer_key(product.particle_id, &customer);
                let mint = || self.client.mint_customer_token(&oauth, &customer);
                Ok(with_token(&self.tokens, &key, now, self.margin, mint, |t| {
                    call(t, None)
                })
                .await?)
            }
        }
    }
}
