//! Who is signed in and which tenant they are looking at, shared through `provide_context`.
//! The UI uses it to hide what the person can't do; the server still decides every request.
use fleetwarden_wire::auth::{AdministeredResponse, MeResponse};
use fleetwarden_wire::directory::OrganizationResponse;
use fleetwarden_wire::tenancy::{MembershipRole, TenantResponse};
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
    /// For a platform admin, every tenant (they may administer any); empty for everyone else.
    all_tenants: RwSignal<Vec<TenantResponse>>,
}

/// A tenant I belong to (or, for a platform admin, any tenant).
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
            all_tenants: RwSignal::new(Vec::new()),
        }
    }

    /// Asks the server who I am; signed out on any error.
    pub async fn refresh(self) {
        let me = api::account::me().await.ok();
        // A platform admin may belong to no tenant, yet administers every one. Should
        // the list fail, they keep the tenants they belong to.
        let all = match &me {
            Some(m) if m.user.is_platform_admin => api::tenants::list().await.unwrap_or_default(),
            _ => Vec::new(),
        };
        let choices = me.as_ref().map(|m| tenants_of(m, &all)).unwrap_or_default();
        let keep = self
            .tenant
            .get_untracked()
            .filter(|current| choices.iter().any(|t| t.id == *current));
        self.all_tenants.set(all);
        self.tenant.set(keep.or(choices.first().map(|t| t.id)));
        self.me.set(Some(me));
    }

    /// Forgets the person (after signing out, or when the session ended).
    pub fn clear(self) {
        self.me.set(Some(None));
        self.tenant.set(None);
        self.all_tenants.set(Vec::new());
    }

    /// The tenants I belong to (every one, for a platform admin), in a stable order.
    pub fn tenants(self) -> Vec<TenantChoice> {
        self.all_tenants.with(|all| {
            self.me
                .with(|me| {
                    me.as_ref()
                        .and_then(Option::as_ref)
                        .map(|m| tenants_of(m, all))
                })
                .unwrap_or_default()
        })
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

/// My tenants from my memberships, plus `all` (a platform admin's list of every tenant), which
/// I administer: the server lets a platform admin do what a tenant admin does.
fn tenants_of(me: &MeResponse, all: &[TenantResponse]) -> Vec<TenantChoice> {
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
    for t in all {
        match out.iter_mut().find(|c| c.id == t.id) {
            Some(c) => {
                c.admin = true;
                c.name.clone_from(&t.name);
            }
            None => out.push(TenantChoice {
                id: t.id,
                name: t.name.clone(),
                admin: true,
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
