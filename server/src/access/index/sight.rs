//! Which organizations of a tenant a person's directory reaches, and where they hold an action
//! over whole organizations: client companies as sub-tenants.
use std::collections::BTreeSet;
use std::ops::ControlFlow;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::AccessIndex;
use super::path::Key;
use crate::access::{Scope, Sight};
use crate::domain::actions::Action;

impl AccessIndex {
    /// The organizations of `tenant` whose directory (sites, groups, people, invitations)
    /// `user` sees at `now`: those they belong to and those any active grant of theirs covers
    /// whole, each with its subtree. Administrators see the whole tenant, and so does anyone
    /// who belongs to its root or holds a grant on all of it.
    pub fn sight(&self, user: Uuid, tenant: Uuid, now: DateTime<Utc>) -> Sight {
        if self.is_admin(user, tenant) {
            return Sight::Whole;
        }
        let member = self.member_of.get(&user);
        self.closed_below(tenant, |org| {
            member.is_some_and(|orgs| orgs.contains(&org))
                || self
                    .each_reaching_grant(user, tenant, Key::Organization(org), now, |actions| {
                        if actions.is_empty() {
                            ControlFlow::Continue(())
                        } else {
                            ControlFlow::Break(())
                        }
                    })
                    .is_break()
        })
    }

    /// The organizations of `tenant` on the whole of which `user` holds `action` at `now`
    /// (grants on an organization reach its subtree).
    pub fn holding(&self, user: Uuid, tenant: Uuid, action: Action, now: DateTime<Utc>) -> Sight {
        if self.is_admin(user, tenant) {
            return Sight::Whole;
        }
        let Some(bit) = self.vocabulary.bit(action.as_str()) else {
            return Sight::Within(BTreeSet::new());
        };
        self.closed_below(tenant, |org| {
            self.each_reaching_grant(user, tenant, Key::Organization(org), now, |actions| {
                if actions.contains(bit) {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .is_break()
        })
    }

    /// A tenant `user` belongs to (the first by id, when several), where refusals of what
    /// exists nowhere are noted.
    pub fn home_tenant(&self, user: Uuid) -> Option<Uuid> {
        self.member_of
            .get(&user)?
            .iter()
            .filter_map(|org| self.orgs.get(org).map(|node| node.tenant))
            .min()
    }

    /// The organization a scope lies in: a device's site's, a site's, the organization
    /// itself; `None` for a tenant, an unplaced device or anything unknown.
    pub fn organization_of(&self, scope: &Scope) -> Option<Uuid> {
        match scope {
            Scope::Device(id) => self
                .device(id)
                .and_then(|d| d.site)
                .and_then(|site| self.sites.get(&site))
                .map(|node| node.organization),
            Scope::Site(site) => self.sites.get(site).map(|node| node.organization),
            Scope::Organization(org) => self.orgs.contains_key(org).then_some(*org),
            Scope::Tenant(_) => None,
        }
    }

    /// Walks the tenant's tree from its root: an organization where `reached` says yes is
    /// taken with its whole subtree, without asking below it.
    fn closed_below(&self, tenant: Uuid, reached: impl Fn(Uuid) -> bool) -> Sight {
        if !self.orgs.contains_key(&tenant) {
            return Sight::Within(BTreeSet::new());
        }
        if reached(tenant) {
            return Sight::Whole;
        }
        let mut seen = BTreeSet::new();
        let mut todo: Vec<(Uuid, bool)> = self.children(tenant).map(|c| (c, false)).collect();
        // A cycle can only come from inconsistent input; never loop on it.
        let mut budget = self.orgs.len();
        while let Some((org, inherited)) = todo.pop() {
            if budget == 0 {
                break;
            }
            budget -= 1;
            let taken = inherited || reached(org);
            if taken {
                seen.insert(org);
            }
            todo.extend(self.children(org).map(|c| (c, taken)));
        }
        Sight::Within(seen)
    }

    fn children(&self, org: Uuid) -> impl Iterator<Item = Uuid> + '_ {
        self.org_children.get(&org).into_iter().flatten().copied()
    }
}
