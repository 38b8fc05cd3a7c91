//! Tenancy services: organizations, sites, groups, people, custom roles, grants, device
//! placement and the audit log. Each checks the caller's rights through the access index,
//! commits the change with its audit record, then applies it to the index.
use chrono::{DateTime, Utc};
use entity::enums::OrganizationKind;
use uuid::Uuid;

use crate::access::{Scope, Sight};
use crate::audit;
use crate::auth::{ClientInfo, Principal};
use crate::domain::actions::Action;
use crate::state::AppState;
use crate::store;

pub use crate::input::{name, text, time_zone};
pub use error::TenancyError;

pub mod audit_export;
pub mod audit_log;
pub mod batch_file;
pub mod calls;
pub mod devices;
pub mod directory;
mod error;
pub mod families;
pub mod grants;
pub mod onboarding;
pub mod products;

/// One request's context: who acts, from where, on which server.
pub struct Ctx<'a> {
    /// The server.
    pub state: &'a AppState,
    /// The caller.
    pub principal: &'a Principal,
    /// Their client.
    pub client: &'a ClientInfo,
}

impl<'a> Ctx<'a> {
    /// The context of one request.
    pub fn new(state: &'a AppState, principal: &'a Principal, client: &'a ClientInfo) -> Self {
        Self {
            state,
            principal,
            client,
        }
    }

    /// Begins a change: write its rows through the returned transaction, add its audit
    /// records and change-log entries, then commit.
    ///
    /// # Errors
    /// The database refuses or is unreachable.
    pub async fn write(&self) -> Result<crate::changes::Write<'a>, TenancyError> {
        Ok(self.state.writer.begin().await?)
    }

    /// The server's now.
    pub fn now(&self) -> DateTime<Utc> {
        self.state.clock.now()
    }

    /// The caller's id.
    pub fn user(&self) -> Uuid {
        self.principal.user_id()
    }

    /// An audit record by the caller, in `tenant`.
    pub fn entry(
        &self,
        tenant: Uuid,
        action: &'static str,
        target_kind: &'static str,
        target_id: impl ToString,
    ) -> audit::Entry {
        audit::Entry {
            tenant_id: Some(tenant),
            actor_user_id: Some(self.user()),
            actor_email: Some(self.principal.user.email.clone()),
            action,
            target_kind,
            target_id: Some(target_id.to_string()),
            ip: self.client.ip.clone(),
            request_id: self.client.request_id.clone(),
            ..Default::default()
        }
    }

    /// The tenant, when the caller belongs to it (or is a platform admin). Anything else is a
    /// 404, so other tenants' ids reveal nothing.
    ///
    /// # Errors
    /// 404 as above; database failures.
    pub async fn tenant(&self, tenant: Uuid) -> Result<entity::organization::Model, TenancyError> {
        let org = store::organizations::find(&self.state.db, tenant)
            .await?
            .filter(|o| o.kind == OrganizationKind::Tenant)
            .ok_or(TenancyError::NotFound)?;
        if self.principal.user.is_platform_admin {
            return Ok(org);
        }
        let member = !store::memberships::in_tenant(&self.state.db, self.user(), tenant)
            .await?
            .is_empty();
        if member {
            Ok(org)
        } else {
            Err(TenancyError::NotFound)
        }
    }

    /// The organizations of `tenant` whose directory the caller sees (see
    /// `AccessIndex::sight`). Call after `tenant`, which refuses outsiders.
    pub async fn sight(&self, tenant: Uuid) -> Sight {
        self.state
            .access
            .read()
            .await
            .sight(self.user(), tenant, self.now())
    }

    /// The organizations of `tenant` on the whole of which the caller holds `action`.
    pub async fn holding(&self, tenant: Uuid, action: Action) -> Sight {
        self.state
            .access
            .read()
            .await
            .holding(self.user(), tenant, action, self.now())
    }

    /// The caller's actions on a scope (their grants whose scope contains it, or everything
    /// for tenant and platform admins).
    pub async fn actions_on(&self, scope: &Scope) -> std::collections::BTreeSet<String> {
        self.state
            .access
            .read()
            .await
            .scope_actions(self.user(), scope, self.now())
    }

    /// Whether the caller holds `action` on the whole of `scope`.
    pub async fn holds(&self, scope: &Scope, action: Action) -> bool {
        self.actions_on(scope).await.contains(action.as_str())
    }

    /// 403 unless the caller operates the platform (products, onboarding, plans and invoices
    /// are theirs).
    ///
    /// # Errors
    /// `Forbidden`.
    pub fn require_platform_admin(&self) -> Result<(), TenancyError> {
        if self.principal.user.is_platform_admin {
            Ok(())
        } else {
            Err(TenancyError::Forbidden)
        }
    }

    /// 403 unless the caller holds `action` on `scope`.
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn require(&self, scope: &Scope, action: Action) -> Result<(), TenancyError> {
        if self.holds(scope, action).await {
            Ok(())
        } else {
            Err(TenancyError::Forbidden)
        }
    }
}

/// What a refused attempt was at, for its audit record (`Ctx::noting`).
pub struct Attempt {
    /// The tenant named in the path, if any.
    pub tenant: Option<Uuid>,
    /// The dotted action tried, e.g. `grant.create`.
    pub action: &'static str,
    /// The kind of object tried.
    pub target_kind: &'static str,
    /// Its id as given.
    pub target_id: String,
}

impl Attempt {
    /// An attempt on an object of `tenant`.
    pub fn on(
        tenant: impl Into<Uuid>,
        action: &'static str,
        target_kind: &'static str,
        target_id: impl ToString,
    ) -> Self {
        Self {
            tenant: Some(tenant.into()),
            action,
            target_kind,
            target_id: target_id.to_string(),
        }
    }

    /// An attempt on a device (its tenant, if it exists, is the index's).
    pub fn device(action: &'static str, id: impl ToString) -> Self {
        Self {
            tenant: None,
            action,
            target_kind: "device",
            target_id: id.to_string(),
        }
    }
}

impl Ctx<'_> {
    /// Passes `result` on. A refusal (403, 404 for what the caller may not see or what
    /// doesn't exist, 409 for a plan's seat limit) is first noted for the audit log, where the tenant's admins (and, for a
    /// device, its organization's) see it: noted in memory, coalesced and written in the
    /// background, so the refusal is not slowed and a scan of many ids writes few records.
    pub async fn noting<T>(
        &self,
        attempt: Attempt,
        result: Result<T, TenancyError>,
    ) -> Result<T, TenancyError> {
        let reason = match &result {
            Err(TenancyError::NotFound) => "not_found",
            Err(TenancyError::Forbidden) => "forbidden",
            Err(TenancyError::ExceedsOwnRights(_)) => "exceeds_own_rights",
            Err(TenancyError::SeatLimit(_)) => "seat_limit",
            _ => return result,
        };
        let (mut tenant, mut organization) = (attempt.tenant, None);
        if attempt.target_kind == "device" {
            let index = self.state.access.read().await;
            if let Some(device) = index.device(&attempt.target_id) {
                tenant = Some(device.tenant);
                organization = index.organization_of(&Scope::Device(device.id.clone()));
            } else {
                // A device that exists nowhere: the prober's own tenant sees the probe.
                tenant = index.home_tenant(self.user());
            }
        }
        self.state.refusals.record(crate::audit::refusals::Refusal {
            tenant_id: tenant,
            organization_id: organization,
            actor_user_id: self.user(),
            actor_email: self.principal.user.email.clone(),
            attempted: attempt.action,
            target_kind: attempt.target_kind,
            target_id: attempt.target_id,
            reason,
            ip: self.client.ip.clone(),
            request_id: self.client.request_id.clone(),
        });
        result
    }
}

/// A database failure as the service's error, a unique-index clash as a 409 that says what
/// clashed.
pub fn conflict(what: &str) -> impl Fn(sea_orm::DbErr) -> TenancyError + '_ {
    move |err| match TenancyError::from(err) {
        TenancyError::Conflict(_) => TenancyError::Conflict(format!("{what} already exists")),
        other => other,
    }
}
