//! The index's internals: interned keys, slot helpers and the walk up a containment path.
use std::collections::BTreeSet;
use std::collections::hash_map::Entry;
use std::hash::Hash;
use std::ops::ControlFlow;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{AccessIndex, DeviceSlot, GrantSlot, RoleSlot};
use crate::access::actions::{ActionSet, Vocabulary};
use crate::access::policy::Policy;
use crate::access::{Map, RoleRecord, Scope, Set, Subject};

/// Where a grant points. Device ids are interned, so a lookup key is `Copy` and building one
/// allocates nothing on the hot path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Key {
    Device(u32),
    Site(Uuid),
    Organization(Uuid),
    Tenant(Uuid),
}

impl AccessIndex {
    pub(super) fn find_device(&self, id: &str) -> Option<(u32, &DeviceSlot)> {
        let slot = *self.device_ids.get(id)?;
        Some((slot, self.device_slot(slot)?))
    }

    pub(super) fn device_slot(&self, slot: u32) -> Option<&DeviceSlot> {
        self.devices.get(slot_index(slot))?.as_ref()
    }

    pub(super) fn grant(&self, slot: u32) -> Option<&GrantSlot> {
        self.grants.get(slot_index(slot))?.as_ref()
    }

    pub(super) fn role_of(&self, grant: &GrantSlot) -> Option<&ActionSet> {
        self.role_in(grant.role, grant.record.tenant)
    }

    /// The actions role `slot` gives in a grant of `tenant`. A custom role counts only inside
    /// its own tenant, even if a grant names another tenant's role.
    fn role_in(&self, slot: u32, tenant: Uuid) -> Option<&ActionSet> {
        let role = self.roles.get(slot_index(slot))?;
        match role.record.as_ref()?.tenant {
            Some(owner) if owner != tenant => None,
            _ => Some(&role.actions),
        }
    }

    pub(super) fn is_admin(&self, user: Uuid, tenant: Uuid) -> bool {
        self.platform_admins.contains(&user)
            || self
                .admin_of
                .get(&user)
                .is_some_and(|tenants| tenants.contains(&tenant))
    }

    pub(super) fn intern_device(&mut self, id: &str) -> u32 {
        if let Some(slot) = self.device_ids.get(id) {
            return *slot;
        }
        self.devices.push(None);
        let slot = new_slot(self.devices.len());
        self.device_ids.insert(id.to_owned(), slot);
        slot
    }

    pub(super) fn intern_role(&mut self, id: Uuid) -> u32 {
        if let Some(slot) = self.role_ids.get(&id) {
            return *slot;
        }
        self.roles.push(RoleSlot {
            record: None,
            actions: ActionSet::default(),
        });
        let slot = new_slot(self.roles.len());
        self.role_ids.insert(id, slot);
        slot
    }

    /// Takes a device out of the tenant and site indexes (its slot keeps the entry).
    pub(super) fn unindex_device(&mut self, slot: u32) {
        let Some(Some(old)) = self.devices.get(slot_index(slot)) else {
            return;
        };
        let (tenant, site) = (old.entry.tenant, old.entry.site);
        detach_set(&mut self.tenant_devices, tenant, &slot);
        if let Some(site) = site {
            detach_set(&mut self.site_devices, site, &slot);
        }
    }

    pub(super) fn drop_grants_on(&mut self, key: Key) {
        let ids: Vec<Uuid> = self
            .by_scope
            .get(&key)
            .into_iter()
            .flatten()
            .filter_map(|slot| self.grant(*slot))
            .map(|grant| grant.record.id)
            .collect();
        for id in ids {
            self.remove_grant(id);
        }
    }

    /// The user and each of their groups.
    pub(super) fn holders(&self, user: Uuid) -> impl Iterator<Item = Subject> + '_ {
        let groups = self.user_groups.get(&user).into_iter().flatten();
        std::iter::once(Subject::User(user)).chain(groups.map(|group| Subject::Group(*group)))
    }

    /// The scopes containing `start`, narrowest first, ending with `tenant`.
    pub(super) fn path(&self, start: Key, tenant: Uuid) -> Path<'_> {
        Path {
            index: self,
            tenant,
            next: Some(start),
            // A cycle can only come from inconsistent input; never loop on it.
            budget: self.orgs.len(),
        }
    }

    pub(super) fn actions_at(
        &self,
        user: Uuid,
        tenant: Uuid,
        start: Key,
        now: DateTime<Utc>,
    ) -> BTreeSet<String> {
        if self.is_admin(user, tenant) {
            return self.vocabulary.names(&self.vocabulary.all());
        }
        let mut union = ActionSet::default();
        let _ = self.each_reaching_grant(user, tenant, start, now, |actions| {
            union.union_with(actions);
            ControlFlow::Continue(())
        });
        self.vocabulary.names(&union)
    }

    /// Visits the role actions of every active grant of `tenant` that reaches `start` for
    /// `user`, directly or through a group, until `visit` breaks.
    pub(super) fn each_reaching_grant(
        &self,
        user: Uuid,
        tenant: Uuid,
        start: Key,
        now: DateTime<Utc>,
        mut visit: impl FnMut(&ActionSet) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        for key in self.path(start, tenant) {
            for holder in self.holders(user) {
                let Some(held) = self.by_holder_scope.get(&(holder, key)) else {
                    continue;
                };
                for grant in held {
                    if grant.tenant != tenant || !is_active(grant.expires_at, now) {
                        continue;
                    }
                    if let Some(actions) = self.role_in(grant.role, tenant) {
                        visit(actions)?;
                    }
                }
            }
        }
        ControlFlow::Continue(())
    }

    /// The role of every active grant of `user` whose scope contains `start`.
    pub(super) fn each_reaching_role<'a>(
        &'a self,
        user: Uuid,
        tenant: Uuid,
        start: Key,
        now: DateTime<Utc>,
        mut visit: impl FnMut(&'a RoleRecord),
    ) {
        for key in self.path(start, tenant) {
            for holder in self.holders(user) {
                for grant in self
                    .by_holder_scope
                    .get(&(holder, key))
                    .into_iter()
                    .flatten()
                {
                    if grant.tenant != tenant || !is_active(grant.expires_at, now) {
                        continue;
                    }
                    let role = self.roles.get(slot_index(grant.role));
                    if let Some(record) = role.and_then(|r| r.record.as_ref())
                        && record.tenant.is_none_or(|owner| owner == tenant)
                    {
                        visit(record);
                    }
                }
            }
        }
    }

    /// Where a scope starts in the containment path, and its tenant; `None` when unknown.
    pub(super) fn start_of(&self, scope: &Scope) -> Option<(Uuid, Key)> {
        match scope {
            Scope::Device(id) => self
                .find_device(id)
                .map(|(slot, device)| (device.entry.tenant, Key::Device(slot))),
            Scope::Site(site) => self
                .sites
                .get(site)
                .map(|node| (node.tenant, Key::Site(*site))),
            Scope::Organization(organization) => self
                .orgs
                .get(organization)
                .map(|node| (node.tenant, Key::Organization(*organization))),
            Scope::Tenant(tenant) => Some((*tenant, Key::Tenant(*tenant))),
        }
    }

    /// The devices of `tenant` inside `key`.
    pub(super) fn expand(&self, key: Key, tenant: Uuid, out: &mut Vec<u32>) {
        match key {
            Key::Device(slot) => {
                if self
                    .device_slot(slot)
                    .is_some_and(|d| d.entry.tenant == tenant)
                {
                    out.push(slot);
                }
            }
            Key::Site(site) => self.expand_site(site, tenant, out),
            Key::Organization(organization) => {
                for site in self.subtree_sites(organization) {
                    self.expand_site(site, tenant, out);
                }
            }
            Key::Tenant(whole) => {
                if whole == tenant {
                    out.extend(self.tenant_devices.get(&whole).into_iter().flatten());
                }
            }
        }
    }

    fn expand_site(&self, site: Uuid, tenant: Uuid, out: &mut Vec<u32>) {
        let devices = self.site_devices.get(&site).into_iter().flatten();
        out.extend(devices.filter(|slot| {
            self.device_slot(**slot)
                .is_some_and(|d| d.entry.tenant == tenant)
        }));
    }

    /// The sites of `organization` and of its descendants.
    pub(super) fn subtree_sites(&self, organization: Uuid) -> Vec<Uuid> {
        let mut sites = Vec::new();
        let mut seen: Set<Uuid> = Set::default();
        let mut todo = vec![organization];
        while let Some(node) = todo.pop() {
            if !seen.insert(node) {
                continue;
            }
            sites.extend(self.org_sites.get(&node).into_iter().flatten());
            todo.extend(self.org_children.get(&node).into_iter().flatten());
        }
        sites
    }
}

/// Walks up from a scope: device → its site → the site's organization → its ancestors →
/// the tenant. A missing link (unplaced device, unknown site or parent) goes straight to the
/// tenant, which contains every device of its own.
pub(super) struct Path<'a> {
    index: &'a AccessIndex,
    tenant: Uuid,
    next: Option<Key>,
    budget: usize,
}

impl Iterator for Path<'_> {
    type Item = Key;

    fn next(&mut self) -> Option<Key> {
        let current = self.next.take()?;
        let tenant = Key::Tenant(self.tenant);
        self.next = match current {
            Key::Device(slot) => Some(
                self.index
                    .device_slot(slot)
                    .and_then(|device| device.entry.site)
                    .map_or(tenant, Key::Site),
            ),
            Key::Site(site) => Some(
                self.index
                    .sites
                    .get(&site)
                    .map_or(tenant, |node| Key::Organization(node.organization)),
            ),
            Key::Organization(organization) => {
                let parent = self
                    .index
                    .orgs
                    .get(&organization)
                    .and_then(|node| node.parent);
                match parent {
                    Some(parent) if self.budget > 0 => {
                        self.budget -= 1;
                        Some(Key::Organization(parent))
                    }
                    _ => Some(tenant),
                }
            }
            Key::Tenant(_) => None,
        };
        Some(current)
    }
}

/// A grant counts from its creation until `expires_at`, exclusive.
pub(super) fn is_active(expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    expires_at.is_none_or(|end| now < end)
}

pub(super) fn role_allows(policy: &Policy, role: &RoleRecord, action: &str) -> bool {
    match role.tenant {
        None => policy.builtin_allows(&role.name, action),
        Some(tenant) => policy.custom_allows(tenant, role.id, action),
    }
}

pub(super) fn role_set(policy: &Policy, vocabulary: &Vocabulary, role: &RoleRecord) -> ActionSet {
    let mut set = ActionSet::default();
    for (bit, action) in vocabulary.iter() {
        if role_allows(policy, role, action) {
            set.insert(bit);
        }
    }
    set
}

pub(super) fn slot_index(slot: u32) -> usize {
    // Lossless: slots are created from `usize` lengths below `u32::MAX`.
    slot as usize
}

/// The slot of the element just pushed onto a vector now `len` long.
pub(super) fn new_slot(len: usize) -> u32 {
    // Four billion devices, roles or grants in one process is not a case to handle.
    u32::try_from(len.saturating_sub(1)).unwrap_or(u32::MAX)
}

pub(super) fn detach_set<K: Hash + Eq, V: Hash + Eq>(map: &mut Map<K, Set<V>>, key: K, value: &V) {
    if let Entry::Occupied(mut entry) = map.entry(key) {
        entry.get_mut().remove(value);
        if entry.get().is_empty() {
            entry.remove();
        }
    }
}

pub(super) fn detach_slot<K: Hash + Eq>(map: &mut Map<K, Vec<u32>>, key: K, slot: u32) {
    if let Entry::Occupied(mut entry) = map.entry(key) {
        let slots = entry.get_mut();
        if let Some(position) = slots.iter().position(|s| *s == slot) {
            slots.swap_remove(position);
        }
        if slots.is_empty() {
            entry.remove();
        }
    }
}
