//! The in-memory authorization index. See the module docs in `access`.
use std::collections::BTreeSet;
use std::collections::hash_map::Entry;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use self::path::{Key, detach_set, detach_slot, new_slot, role_allows, role_set, slot_index};
use super::actions::{ActionSet, Vocabulary};
use super::policy::{BUILTIN_ACTIONS, Policy, PolicyError};
use super::{DeviceEntry, GrantRecord, Map, RoleRecord, Scope, Set, Subject};

mod path;
mod query;
mod sight;
#[cfg(test)]
mod tests;

struct OrgNode {
    tenant: Uuid,
    parent: Option<Uuid>,
}

struct SiteNode {
    tenant: Uuid,
    organization: Uuid,
}

struct DeviceSlot {
    entry: DeviceEntry,
    /// Lower-cased once here, so sorting and searching lists don't allocate per device.
    name_key: String,
    id_key: String,
}

struct RoleSlot {
    /// `None` until the role is known (a grant may arrive first) and after it is removed.
    record: Option<RoleRecord>,
    actions: ActionSet,
}

struct GrantSlot {
    record: GrantRecord,
    key: Key,
    role: u32,
}

/// What a check needs of a grant, kept inline in the (subject, scope) index so a check reads
/// one contiguous list instead of chasing each grant.
#[derive(Clone, Copy)]
struct Held {
    slot: u32,
    role: u32,
    tenant: Uuid,
    expires_at: Option<DateTime<Utc>>,
}

/// The index. Mutations are applied by the server after each committed change; queries take
/// `now` so an expired grant stops counting at its `expires_at` exactly, with no sweeper.
///
/// Grants are kept three ways: by (subject, scope) for checks, by subject for lists and by
/// scope for explanations. A check walks the device's containment path (device, site,
/// organization and its ancestors, tenant) and looks up each of the user's subjects (the user
/// and their groups) on each step: a few hash lookups, whatever the number of grants.
pub struct AccessIndex {
    policy: Policy,
    vocabulary: Vocabulary,

    orgs: Map<Uuid, OrgNode>,
    org_children: Map<Uuid, Set<Uuid>>,
    org_sites: Map<Uuid, Set<Uuid>>,
    sites: Map<Uuid, SiteNode>,
    site_devices: Map<Uuid, Set<u32>>,
    tenant_devices: Map<Uuid, Set<u32>>,
    device_ids: Map<String, u32>,
    /// Slots are never reused: a removed device's slot waits for it to come back, and the
    /// grants naming it are dropped with it.
    devices: Vec<Option<DeviceSlot>>,

    group_members: Map<Uuid, Set<Uuid>>,
    user_groups: Map<Uuid, Set<Uuid>>,
    /// Organization memberships, both ways: who belongs where decides whose directory a
    /// person sees, not what they may do.
    member_of: Map<Uuid, Set<Uuid>>,
    org_members: Map<Uuid, Set<Uuid>>,
    tenant_admins: Map<Uuid, BTreeSet<Uuid>>,
    admin_of: Map<Uuid, Set<Uuid>>,
    platform_admins: Set<Uuid>,

    role_ids: Map<Uuid, u32>,
    roles: Vec<RoleSlot>,

    grant_ids: Map<Uuid, u32>,
    grants: Vec<Option<GrantSlot>>,
    free_grants: Vec<u32>,
    by_holder_scope: Map<(Subject, Key), Vec<Held>>,
    by_holder: Map<Subject, Vec<u32>>,
    by_scope: Map<Key, Vec<u32>>,
}

impl AccessIndex {
    /// An empty index that knows the built-in roles and actions.
    ///
    /// # Errors
    /// The policy files don't load.
    pub async fn new() -> Result<Self, PolicyError> {
        let mut index = Self {
            policy: Policy::load().await?,
            vocabulary: Vocabulary::default(),
            orgs: Map::default(),
            org_children: Map::default(),
            org_sites: Map::default(),
            sites: Map::default(),
            site_devices: Map::default(),
            tenant_devices: Map::default(),
            device_ids: Map::default(),
            devices: Vec::new(),
            group_members: Map::default(),
            user_groups: Map::default(),
            member_of: Map::default(),
            org_members: Map::default(),
            tenant_admins: Map::default(),
            admin_of: Map::default(),
            platform_admins: Set::default(),
            role_ids: Map::default(),
            roles: Vec::new(),
            grant_ids: Map::default(),
            grants: Vec::new(),
            free_grants: Vec::new(),
            by_holder_scope: Map::default(),
            by_holder: Map::default(),
            by_scope: Map::default(),
        };
        for action in BUILTIN_ACTIONS {
            index.register_action(action);
        }
        for (id, name) in entity::role::BUILTIN {
            index
                .upsert_role(RoleRecord {
                    id,
                    tenant: None,
                    name: name.to_owned(),
                    actions: Vec::new(),
                })
                .await?;
        }
        Ok(index)
    }

    // --- structure --------------------------------------------------------------------------

    /// Adds or moves an organization (`parent` None for a tenant root, whose id is `tenant`).
    pub fn upsert_organization(&mut self, id: Uuid, tenant: Uuid, parent: Option<Uuid>) {
        if let Some(old) = self.orgs.get(&id)
            && let Some(old_parent) = old.parent
        {
            detach_set(&mut self.org_children, old_parent, &id);
        }
        self.orgs.insert(id, OrgNode { tenant, parent });
        if let Some(parent) = parent {
            self.org_children.entry(parent).or_default().insert(id);
        }
    }

    /// Removes an organization with its sites and the grants on them, as the database's
    /// cascade does. Children stay: the database refuses to remove a parent first.
    pub fn remove_organization(&mut self, id: Uuid) {
        let Some(node) = self.orgs.remove(&id) else {
            return;
        };
        if let Some(parent) = node.parent {
            detach_set(&mut self.org_children, parent, &id);
        }
        let sites: Vec<Uuid> = self
            .org_sites
            .get(&id)
            .map(|sites| sites.iter().copied().collect())
            .unwrap_or_default();
        for site in sites {
            self.remove_site(site);
        }
        self.org_sites.remove(&id);
        for user in self.org_members.remove(&id).unwrap_or_default() {
            detach_set(&mut self.member_of, user, &id);
        }
        self.drop_grants_on(Key::Organization(id));
    }

    /// Adds or moves a site.
    pub fn upsert_site(&mut self, id: Uuid, tenant: Uuid, organization: Uuid) {
        if let Some(old) = self.sites.get(&id) {
            detach_set(&mut self.org_sites, old.organization, &id);
        }
        self.sites.insert(
            id,
            SiteNode {
                tenant,
                organization,
            },
        );
        self.org_sites.entry(organization).or_default().insert(id);
    }

    /// Removes a site and the grants on it; its devices become unplaced (the database's
    /// `SET NULL`).
    pub fn remove_site(&mut self, id: Uuid) {
        let Some(node) = self.sites.remove(&id) else {
            return;
        };
        detach_set(&mut self.org_sites, node.organization, &id);
        for slot in self.site_devices.remove(&id).unwrap_or_default() {
            if let Some(Some(device)) = self.devices.get_mut(slot_index(slot)) {
                device.entry.site = None;
            }
        }
        self.drop_grants_on(Key::Site(id));
    }

    /// Adds a device, or moves it between sites or tenants. A move to another tenant leaves
    /// the old tenant's grants inert (grants only count inside their own tenant).
    pub fn upsert_device(&mut self, device: DeviceEntry) {
        let slot = self.intern_device(&device.id);
        self.unindex_device(slot);
        self.tenant_devices
            .entry(device.tenant)
            .or_default()
            .insert(slot);
        if let Some(site) = device.site {
            self.site_devices.entry(site).or_default().insert(slot);
        }
        if let Some(place) = self.devices.get_mut(slot_index(slot)) {
            *place = Some(DeviceSlot {
                name_key: device.name.to_lowercase(),
                id_key: device.id.to_lowercase(),
                entry: device,
            });
        }
    }

    /// Removes a device and the grants on it.
    pub fn remove_device(&mut self, id: &str) {
        let Some(&slot) = self.device_ids.get(id) else {
            return;
        };
        self.unindex_device(slot);
        if let Some(place) = self.devices.get_mut(slot_index(slot)) {
            *place = None;
        }
        self.drop_grants_on(Key::Device(slot));
    }

    /// A no-op, kept so every committed change still has its call here (the change log) while
    /// its callers are rewritten. The index keeps nothing per group: a group counts through its
    /// members and its grants, and a grant only counts inside its own tenant whoever holds it.
    pub fn upsert_group(&mut self, id: Uuid, tenant: Uuid) {
        let _ = (id, tenant);
    }

    /// Removes a group, its members and its grants.
    pub fn remove_group(&mut self, id: Uuid) {
        for user in self.group_members.remove(&id).unwrap_or_default() {
            detach_set(&mut self.user_groups, user, &id);
        }
        let grants = self
            .by_holder
            .get(&Subject::Group(id))
            .cloned()
            .unwrap_or_default();
        for slot in grants {
            if let Some(id) = self.grant(slot).map(|grant| grant.record.id) {
                self.remove_grant(id);
            }
        }
    }

    /// Makes `user` a member of `group`.
    pub fn add_group_member(&mut self, group: Uuid, user: Uuid) {
        self.group_members.entry(group).or_default().insert(user);
        self.user_groups.entry(user).or_default().insert(group);
    }

    /// Takes `user` out of `group`.
    pub fn remove_group_member(&mut self, group: Uuid, user: Uuid) {
        detach_set(&mut self.group_members, group, &user);
        detach_set(&mut self.user_groups, user, &group);
    }

    /// Whether `user` belongs to `organization` (a membership, of either role).
    pub fn set_member(&mut self, user: Uuid, organization: Uuid, member: bool) {
        if member {
            self.member_of.entry(user).or_default().insert(organization);
            self.org_members
                .entry(organization)
                .or_default()
                .insert(user);
        } else {
            detach_set(&mut self.member_of, user, &organization);
            detach_set(&mut self.org_members, organization, &user);
        }
    }

    /// Whether `user` administers `tenant` (membership role `admin`): they then hold every
    /// action on everything in it.
    pub fn set_tenant_admin(&mut self, user: Uuid, tenant: Uuid, admin: bool) {
        if admin {
            self.tenant_admins.entry(tenant).or_default().insert(user);
            self.admin_of.entry(user).or_default().insert(tenant);
        } else {
            if let Some(admins) = self.tenant_admins.get_mut(&tenant) {
                admins.remove(&user);
                if admins.is_empty() {
                    self.tenant_admins.remove(&tenant);
                }
            }
            detach_set(&mut self.admin_of, user, &tenant);
        }
    }

    /// Whether `user` is a platform administrator: they hold every action everywhere.
    pub fn set_platform_admin(&mut self, user: Uuid, admin: bool) {
        if admin {
            self.platform_admins.insert(user);
        } else {
            self.platform_admins.remove(&user);
        }
    }

    /// Adds or edits a role. A custom role's actions become its casbin `p` lines in its
    /// tenant's domain (an action may be a pattern such as `device.function.call.*`); the
    /// concrete ones join the vocabulary. A built-in role (`tenant` None) takes its actions
    /// from policies/policy.csv by name.
    ///
    /// # Errors
    /// casbin refused the lines; the role keeps its previous actions in the index.
    pub async fn upsert_role(&mut self, role: RoleRecord) -> Result<(), PolicyError> {
        let slot = self.intern_role(role.id);
        let old_tenant = self
            .roles
            .get(slot_index(slot))
            .and_then(|old| old.record.as_ref())
            .and_then(|old| old.tenant);
        if let Some(old_tenant) = old_tenant
            && Some(old_tenant) != role.tenant
        {
            self.policy.remove_custom_role(old_tenant, role.id).await?;
        }
        if let Some(tenant) = role.tenant {
            self.policy
                .set_custom_role(tenant, role.id, &role.actions)
                .await?;
            for action in &role.actions {
                self.register_action(action.trim());
            }
        }
        let actions = role_set(&self.policy, &self.vocabulary, &role);
        if let Some(place) = self.roles.get_mut(slot_index(slot)) {
            *place = RoleSlot {
                record: Some(role),
                actions,
            };
        }
        Ok(())
    }

    /// Removes a custom role; grants still naming it give nothing. Built-in roles stay.
    ///
    /// # Errors
    /// casbin refused to drop the lines; the role stays.
    pub async fn remove_role(&mut self, id: Uuid) -> Result<(), PolicyError> {
        if entity::role::BUILTIN
            .iter()
            .any(|(builtin, _)| *builtin == id)
        {
            return Ok(());
        }
        let Some(&slot) = self.role_ids.get(&id) else {
            return Ok(());
        };
        let tenant = self
            .roles
            .get(slot_index(slot))
            .and_then(|role| role.record.as_ref())
            .and_then(|record| record.tenant);
        if let Some(tenant) = tenant {
            self.policy.remove_custom_role(tenant, id).await?;
        }
        if let Some(place) = self.roles.get_mut(slot_index(slot)) {
            *place = RoleSlot {
                record: None,
                actions: ActionSet::default(),
            };
        }
        Ok(())
    }

    /// Adds or replaces a grant.
    pub fn upsert_grant(&mut self, grant: GrantRecord) {
        self.remove_grant(grant.id);
        let key = match &grant.scope {
            Scope::Device(device) => Key::Device(self.intern_device(device)),
            Scope::Site(site) => Key::Site(*site),
            Scope::Organization(organization) => Key::Organization(*organization),
            Scope::Tenant(tenant) => Key::Tenant(*tenant),
        };
        let role = self.intern_role(grant.role);
        let (id, holder, tenant, expires_at) =
            (grant.id, grant.subject, grant.tenant, grant.expires_at);
        let entry = GrantSlot {
            record: grant,
            key,
            role,
        };
        let slot = match self.free_grants.pop() {
            Some(slot) => {
                if let Some(place) = self.grants.get_mut(slot_index(slot)) {
                    *place = Some(entry);
                }
                slot
            }
            None => {
                self.grants.push(Some(entry));
                new_slot(self.grants.len())
            }
        };
        self.grant_ids.insert(id, slot);
        // Most (subject, scope) pairs and scopes hold one grant: start lists at one element
        // rather than `Vec`'s first growth to four, which would double the index's memory.
        self.by_holder_scope
            .entry((holder, key))
            .or_insert_with(|| Vec::with_capacity(1))
            .push(Held {
                slot,
                role,
                tenant,
                expires_at,
            });
        self.by_holder.entry(holder).or_default().push(slot);
        self.by_scope
            .entry(key)
            .or_insert_with(|| Vec::with_capacity(1))
            .push(slot);
    }

    pub fn remove_grant(&mut self, id: Uuid) {
        let Some(slot) = self.grant_ids.remove(&id) else {
            return;
        };
        let Some(grant) = self.grants.get_mut(slot_index(slot)).and_then(Option::take) else {
            return;
        };
        self.free_grants.push(slot);
        let holder = grant.record.subject;
        if let Entry::Occupied(mut entry) = self.by_holder_scope.entry((holder, grant.key)) {
            entry.get_mut().retain(|held| held.slot != slot);
            if entry.get().is_empty() {
                entry.remove();
            }
        }
        detach_slot(&mut self.by_holder, holder, slot);
        detach_slot(&mut self.by_scope, grant.key, slot);
    }

    /// Adds an action to the vocabulary (a catalog's `device.function.call.<name>`) and
    /// decides, once per role, whether the role holds it. Patterns (`*`) are ignored.
    pub fn register_action(&mut self, action: &str) {
        let Some(bit) = self.vocabulary.insert(action) else {
            return;
        };
        for role in &mut self.roles {
            if let Some(record) = &role.record {
                let allowed = role_allows(&self.policy, record, action);
                role.actions.set(bit, allowed);
            }
        }
    }
}
