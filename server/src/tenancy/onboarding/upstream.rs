//! Particle's side of onboarding: a product's OAuth client, its tokens (the product's own, or
//! one scoped to a tenant's shadow customer), claims, and the shadow customers themselves.
use entity::{particle_product, shadow_customer};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use secrecy::SecretString;
use uuid::Uuid;

use crate::particle::Error as ParticleError;
use crate::particle::client::OAuthClient;
use crate::particle::token_cache::{TokenCache, with_token};
use crate::tenancy::Ctx;
use crate::tenancy::TenancyError;

/// A product and its opened OAuth client: what every upstream step of onboarding needs.
pub(super) struct Upstream<'a> {
    ctx: &'a Ctx<'a>,
    pub(super) product: particle_product::Model,
    oauth: OAuthClient,
}

impl<'a> Upstream<'a> {
    pub(super) fn new(
        ctx: &'a Ctx<'a>,
        product: particle_product::Model,
    ) -> Result<Self, TenancyError> {
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
    pub(super) async fn owner(&self, device: &str) -> Result<Option<String>, TenancyError> {
        let particle = &self.ctx.state.particle;
        let pid = self.product.particle_id;
        let found = self
            .as_product(|t| async move { particle.client.get_device(&t, Some(pid), device).await })
            .await
            .map_err(|e| match e {
                // Particle answers 403 for ids it won't confirm, to avoid enumeration.
                ParticleError::NotFound { .. } | ParticleError::PermissionDenied => {
                    TenancyError::invalid("id", "this device is not in the product")
                }
                other => other.into(),
            })?;
        Ok(found.owner)
    }

    pub(super) async fn claim(&self, customer: &str, device: &str) -> Result<(), ParticleError> {
        let client = &self.ctx.state.particle.client;
        self.as_customer(customer, |t| async move { client.claim(&t, device).await })
            .await
    }

    pub(super) async fn unclaim(&self, customer: &str, device: &str) -> Result<(), ParticleError> {
        let client = &self.ctx.state.particle.client;
        self.as_customer(
            customer,
            |t| async move { client.unclaim(&t, device).await },
        )
        .await
    }

    /// The tenant's shadow customer for this product, created at Particle (with an opaque
    /// lower-case id, never a person's email) and remembered the first time it is needed.
    pub(super) async fn shadow_customer(
        &self,
        tenant: Uuid,
    ) -> Result<shadow_customer::Model, TenancyError> {
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
        let row = crate::store::shadow_customers::insert(
            &*txn,
            tenant,
            self.product.id,
            customer,
            self.ctx.now(),
        )
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
