//! The queries: checks, lists and explanations, all at a given `now`.
use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::path::{Key, is_active, role_allows, slot_index};
use super::{AccessIndex, DeviceSlot, GrantSlot};
use crate::access::actions::ActionSet;
use crate::access::{
    Access, Chain, DeviceEntry, DeviceFilter, GrantRecord, Link, RoleRecord, Scope, Set, Snapshot,
    Subject,
};
use crate::domain::actions::Action;

/// The action every list of devices is about.
const READ: Action = Action::DeviceRead;

impl AccessIndex {
    /// The device, if known.
    pub fn device(&self, id: &str) -> Option<&DeviceEntry> {
        self.find_device(id).map(|(_, device)| &device.entry)
    }

    /// What `user` may do on `device` at `now`: empty if nothing or the device is unknown.
    pub fn device_actions(&self, user: Uuid, device: &str, now: DateTime<Utc>) -> BTreeSet<String> {
        match self.find_device(device) {
            Some((slot, found)) => {
                self.actions_at(user, found.entry.tenant, Key::Device(slot), now)
            }
            None => BTreeSet::new(),
        }
    }

    /// Whether `user` may do `action` on `device` at `now`. An action outside the vocabulary
    /// is nobody's, not even an administrator's: register catalog actions first.
    pub fn may(
        &self,
        user: Uuid,
        device: &str,
        action: impl AsRef<str>,
        now: DateTime<Utc>,
    ) -> bool {
        let Some((slot, found)) = self.find_device(device) else {
            return false;
        };
        let Some(bit) = self.vocabulary.bit(action.as_ref()) else {
            return false;
        };
        let tenant = found.entry.tenant;
        if self.is_admin(user, tenant) {
            return true;
        }
        self.each_reaching_grant(user, tenant, Key::Device(slot), now, |actions| {
            if actions.contains(bit) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .is_break()
    }

    /// What `user` holds on the whole of `scope` at `now`: the union of their active grants
    /// whose scope contains it (tenant ⊇ organization ⊇ descendant ⊇ site ⊇ device there);
    /// everything for an administrator. Bounds delegation: nobody grants more than this.
    pub fn scope_actions(&self, user: Uuid, scope: &Scope, now: DateTime<Utc>) -> BTreeSet<String> {
        if self.platform_admins.contains(&user) {
            return self.vocabulary.names(&self.vocabulary.all());
        }
        match self.start_of(scope) {
            Some((tenant, key)) => self.actions_at(user, tenant, key, now),
            None => BTreeSet::new(),
        }
    }

    /// Which of `actions` `user` does not hold on the whole of `scope` at `now`. An action no
    /// catalog has named yet (a function's own, outside the vocabulary) is decided from the
    /// roles of the grants that reach the scope, as casbin would once it is named; an
    /// administrator holds every action. Bounds what a custom role may hold.
    pub fn missing_on(
        &self,
        user: Uuid,
        scope: &Scope,
        actions: &[String],
        now: DateTime<Utc>,
    ) -> Vec<String> {
        let Some((tenant, key)) = self.start_of(scope) else {
            return actions.to_vec();
        };
        if self.is_admin(user, tenant) {
            return Vec::new();
        }
        let held = self.actions_at(user, tenant, key, now);
        let mut roles = Vec::new();
        self.each_reaching_role(user, tenant, key, now, |role| roles.push(role));
        actions
            .iter()
            .filter(|action| {
                let named = self.vocabulary.bit(action).is_some();
                !(held.contains(*action)
                    || (!named && roles.iter().any(|r| role_allows(&self.policy, r, action))))
            })
            .cloned()
            .collect()
    }

    /// The role's actions over the vocabulary; empty for an unknown role.
    pub fn role_actions(&self, role: Uuid) -> BTreeSet<String> {
        self.role_ids
            .get(&role)
            .and_then(|slot| self.roles.get(slot_index(*slot)))
            .map(|role| self.vocabulary.names(&role.actions))
            .unwrap_or_default()
    }

    /// Every device on which `user` holds `device.read` at `now`, filtered, sorted by
    /// (lower-case name, id).
    pub fn visible_devices(
        &self,
        user: Uuid,
        now: DateTime<Utc>,
        filter: &DeviceFilter,
    ) -> Vec<&DeviceEntry> {
        let mut slots: Vec<u32> = Vec::new();
        if self.platform_admins.contains(&user) {
            slots.extend(self.tenant_devices.values().flatten().copied());
        } else if let Some(read) = self.vocabulary.bit(READ.as_str()) {
            let readable: Vec<&GrantSlot> = self
                .holders(user)
                .filter_map(|holder| self.by_holder.get(&holder))
                .flatten()
                .filter_map(|slot| self.grant(*slot))
                .filter(|grant| {
                    is_active(grant.record.expires_at, now)
                        && self.role_of(grant).is_some_and(|role| role.contains(read))
                })
                .collect();
            // A tenant seen whole needs none of its narrower grants expanded.
            let mut whole: Set<Uuid> = self.admin_of.get(&user).cloned().unwrap_or_default();
            for grant in &readable {
                if grant.key == Key::Tenant(grant.record.tenant) {
                    whole.insert(grant.record.tenant);
                }
            }
            for tenant in &whole {
                slots.extend(self.tenant_devices.get(tenant).into_iter().flatten());
            }
            for grant in readable {
                if !whole.contains(&grant.record.tenant) {
                    self.expand(grant.key, grant.record.tenant, &mut slots);
                }
            }
        }
        slots.sort_unstable();
        slots.dedup();

        let in_organization: Option<Set<Uuid>> = filter
            .organization
            .map(|organization| self.subtree_sites(organization).into_iter().collect());
        let q = filter.q.as_deref().map(str::to_lowercase);
        let mut found: Vec<&DeviceSlot> = slots
            .into_iter()
            .filter_map(|slot| self.device_slot(slot))
            .filter(|device| {
                let site = device.entry.site;
                filter.site.is_none_or(|wanted| site == Some(wanted))
                    && in_organization
                        .as_ref()
                        .is_none_or(|sites| site.is_some_and(|site| sites.contains(&site)))
                    && q.as_deref()
                        .is_none_or(|q| device.name_key.contains(q) || device.id_key.contains(q))
            })
            .collect();
        found.sort_unstable_by(|a, b| {
            (a.name_key.as_str(), a.entry.id.as_str())
                .cmp(&(b.name_key.as_str(), b.entry.id.as_str()))
        });
        found.into_iter().map(|device| &device.entry).collect()
    }

    /// Everyone who reaches `device` at `now`, what they may do and every chain that gives it,
    /// sorted by user id; tenant administrators with a `TenantAdmin` chain and platform
    /// administrators (the operator's staff, who hold everything everywhere) with a
    /// `PlatformAdmin` one.
    pub fn explain(&self, device: &str, now: DateTime<Utc>) -> Vec<Access> {
        let Some((slot, found)) = self.find_device(device) else {
            return Vec::new();
        };
        let tenant = found.entry.tenant;
        let mut reached: BTreeMap<Uuid, (ActionSet, Vec<Chain>)> = BTreeMap::new();
        let everything = self.vocabulary.all();
        for admin in &self.platform_admins {
            let (actions, chains) = reached.entry(*admin).or_default();
            actions.union_with(&everything);
            chains.push(Chain {
                links: vec![Link::PlatformAdmin],
            });
        }
        for admin in self.tenant_admins.get(&tenant).into_iter().flatten() {
            let (actions, chains) = reached.entry(*admin).or_default();
            actions.union_with(&everything);
            chains.push(Chain {
                links: vec![Link::TenantAdmin],
            });
        }
        for key in self.path(Key::Device(slot), tenant) {
            let mut grants: Vec<(&GrantSlot, &ActionSet)> = self
                .by_scope
                .get(&key)
                .into_iter()
                .flatten()
                .filter_map(|slot| self.grant(*slot))
                .filter(|grant| {
                    grant.record.tenant == tenant && is_active(grant.record.expires_at, now)
                })
                .filter_map(|grant| Some((grant, self.role_of(grant)?)))
                .filter(|(_, role)| !role.is_empty())
                .collect();
            grants.sort_unstable_by_key(|(grant, _)| grant.record.id);
            for (grant, role) in grants {
                let link = Link::Grant {
                    id: grant.record.id,
                    role: grant.record.role,
                    scope: grant.record.scope.clone(),
                    expires_at: grant.record.expires_at,
                };
                match grant.record.subject {
                    Subject::User(user) => {
                        let (actions, chains) = reached.entry(user).or_default();
                        actions.union_with(role);
                        chains.push(Chain { links: vec![link] });
                    }
                    Subject::Group(group) => {
                        for user in self.group_members.get(&group).into_iter().flatten() {
                            let (actions, chains) = reached.entry(*user).or_default();
                            actions.union_with(role);
                            chains.push(Chain {
                                links: vec![Link::Group(group), link.clone()],
                            });
                        }
                    }
                }
            }
        }
        reached
            .into_iter()
            .map(|(user, (actions, chains))| Access {
                user,
                actions: self.vocabulary.names(&actions),
                chains,
            })
            .collect()
    }

    /// Whether the index counts `user` as a platform administrator.
    pub fn is_platform_admin(&self, user: Uuid) -> bool {
        self.platform_admins.contains(&user)
    }

    /// How many of each kind of entry the index holds, for the metrics.
    pub fn sizes(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("organizations", self.orgs.len()),
            ("sites", self.sites.len()),
            ("devices", self.device_ids.len()),
            ("grants", self.grant_ids.len()),
            ("roles", self.role_ids.len()),
            (
                "memberships",
                self.member_of.values().map(|s| s.len()).sum(),
            ),
            (
                "group_members",
                self.group_members.values().map(|s| s.len()).sum(),
            ),
        ]
    }

    /// Everything the index was told, sorted, without the action vocabulary: see `Snapshot`.
    pub fn snapshot(&self) -> Snapshot {
        let mut organizations: Vec<(Uuid, Uuid, Option<Uuid>)> = self
            .orgs
            .iter()
            .map(|(id, node)| (*id, node.tenant, node.parent))
            .collect();
        organizations.sort_unstable();
        let mut sites: Vec<(Uuid, Uuid, Uuid)> = self
            .sites
            .iter()
            .map(|(id, node)| (*id, node.tenant, node.organization))
            .collect();
        sites.sort_unstable();
        let mut devices: Vec<DeviceEntry> = self
            .devices
            .iter()
            .flatten()
            .map(|device| device.entry.clone())
            .collect();
        devices.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        let mut group_members: Vec<(Uuid, Uuid)> = self
            .group_members
            .iter()
            .flat_map(|(group, users)| users.iter().map(|user| (*group, *user)))
            .collect();
        group_members.sort_unstable();
        let mut tenant_admins: Vec<(Uuid, Uuid)> = self
            .tenant_admins
            .iter()
            .flat_map(|(tenant, users)| users.iter().map(|user| (*tenant, *user)))
            .collect();
        tenant_admins.sort_unstable();
        let mut memberships: Vec<(Uuid, Uuid)> = self
            .org_members
            .iter()
            .flat_map(|(org, users)| users.iter().map(|user| (*org, *user)))
            .collect();
        memberships.sort_unstable();
        let mut platform_admins: Vec<Uuid> = self.platform_admins.iter().copied().collect();
        platform_admins.sort_unstable();
        let mut custom_roles: Vec<RoleRecord> = self
            .roles
            .iter()
            .filter_map(|role| role.record.as_ref())
            .filter(|role| role.tenant.is_some())
            .map(|role| {
                let mut role = role.clone();
                role.actions.sort_unstable();
                role.actions.dedup();
                role
            })
            .collect();
        custom_roles.sort_unstable_by_key(|role| role.id);
        let mut grants: Vec<GrantRecord> = self
            .grants
            .iter()
            .flatten()
            .map(|grant| grant.record.clone())
            .collect();
        grants.sort_unstable_by_key(|grant| grant.id);
        Snapshot {
            organizations,
            sites,
            devices,
            group_members,
            memberships,
            tenant_admins,
            platform_admins,
            custom_roles,
            grants,
        }
    }
}
