//! Who is signed in and which tenant they are looking at, shared through `provide_context`.
//! The UI uses it to hide what the person can't do; the server still decides every request.
use fleetwarden_wire::auth::{AdministeredResponse, MeResponse};
use fleetwarden_wire::directory::OrganizationResponse;
use fleetwarden_wire::tenancy::MembershipRole;
use leptos::prelude::*;
use uuid::Uuid;

use crate::api;

/// The signed-in person, once known.
#[derive(Clone, Copy)]
pub struct Session {
    /// `None` until loaded, then `Some(None)` when signed out.
    pub me: RwSignal<Option<Option<MeResponse>>>,
    /// The tenant the pages show.
    pub tenant: RwSignal<Option<Uuid>>,
}

/// A tenant I belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantChoice {
    /// Tenant id.
    pub id: Uuid,
    /// Its name (or the name of the organization I belong to in it).
    pub name: String,
    /// Whether I administer it.
    pub admin: bool,
}

impl Session {
    /// Not loaded yet.
    pub fn new() -> Self {
        Self {
            me: RwSignal::new(None),
            tenant: RwSignal::new(None),
        }
    }

    /// Asks the server who I am; signed out on any error.
    pub async fn refresh(self) {
        let me = api::account::me().await.ok();
        let first = me
            .as_ref()
            .and_then(|m| tenants_of(m).first().map(|t| t.id));
        let keep = self.tenant.get_untracked().filter(|current| {
            me.as_ref()
                .is_some_and(|m| tenants_of(m).iter().any(|t| t.id == *current))
        });
        self.tenant.set(keep.or(first));
        self.me.set(Some(me));
    }

    /// Forgets the person (after signing out, or when the session ended).
    pub fn clear(self) {
        self.me.set(Some(None));
        self.tenant.set(None);
    }

    /// The tenants I belong to, in a stable order.
    pub fn tenants(self) -> Vec<TenantChoice> {
        self.me
            .with(|me| me.as_ref().and_then(Option::as_ref).map(tenants_of))
            .unwrap_or_default()
    }

    /// Whether I run the platform (plans, subscriptions, closing months).
    pub fn is_platform_admin(self) -> bool {
        self.me.with(|me| {
            me.as_ref()
                .and_then(Option::as_ref)
                .is_some_and(|m| m.user.is_platform_admin)
        })
    }

    /// Whether I administer the tenant shown (or am a platform admin).
    pub fn is_tenant_admin(self) -> bool {
        let tenant = self.tenant.get();
        self.is_platform_admin()
            || self
                .tenants()
                .iter()
                .any(|t| Some(t.id) == tenant && t.admin)
    }

    /// The organizations of the tenant shown where I may do `action` (e.g. `user.invite`),
    /// each with its subtree; every one of them for a tenant admin, who holds it at the root.
    pub fn administers(self, action: &str) -> Vec<AdministeredResponse> {
        let tenant = self.tenant.get();
        self.me.with(|me| {
            me.as_ref()
                .and_then(Option::as_ref)
                .map(|m| {
                    m.administers
                        .iter()
                        .filter(|a| Some(a.tenant_id) == tenant)
                        .filter(|a| a.actions.iter().any(|held| held == action))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default()
        })
    }

    /// Whether I administer anything in the tenant shown: then the directory, people and
    /// audit pages are for me too, showing what I may do there.
    pub fn may_administer(self) -> bool {
        let tenant = self.tenant.get();
        self.is_tenant_admin()
            || self.me.with(|me| {
                me.as_ref()
                    .and_then(Option::as_ref)
                    .is_some_and(|m| m.administers.iter().any(|a| Some(a.tenant_id) == tenant))
            })
    }

    /// Of `orgs` (the tenant's organizations as the server lists them to me), the ids of those
    /// where I may do `action`: the ones I administer for it and everything below them; all
    /// of them for a tenant admin.
    pub fn orgs_where(self, action: &str, orgs: &[OrganizationResponse]) -> Vec<Uuid> {
        if self.is_tenant_admin() {
            return orgs.iter().map(|o| o.id).collect();
        }
        let mut out: Vec<Uuid> = self
            .administers(action)
            .iter()
            .map(|a| a.organization_id)
            .collect();
        let mut i = 0;
        while let Some(&id) = out.get(i) {
            for o in orgs {
                if o.parent_id == Some(id) && !out.contains(&o.id) {
                    out.push(o.id);
                }
            }
            i += 1;
        }
        out
    }

    /// Whether I may do `action` somewhere in the tenant shown.
    pub fn may(self, action: &str) -> bool {
        self.is_tenant_admin() || !self.administers(action).is_empty()
    }
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

fn tenants_of(me: &MeResponse) -> Vec<TenantChoice> {
    let mut out: Vec<TenantChoice> = Vec::new();
    for m in &me.memberships {
        // Tenant administrators are admins of the tenant's root organization.
        let root = m.organization_id == m.tenant_id;
        let admin = root && m.role == MembershipRole::Admin;
        match out.iter_mut().find(|t| t.id == m.tenant_id) {
            Some(t) => {
                t.admin |= admin;
                if root {
                    t.name.clone_from(&m.organization_name);
                }
            }
            None => out.push(TenantChoice {
                id: m.tenant_id,
                name: m.organization_name.clone(),
                admin,
            }),
        }
    }
    crate::order::by_text(&mut out, |t| t.name.clone());
    out
}

/// The session from context.
pub fn use_session() -> Session {
    use_context::<Session>().unwrap_or_default()
}
