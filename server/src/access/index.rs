//! The in-memory authorization index. See the module docs in `access`.
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::Hash;
use std::ops::ControlFlow;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::actions::{ActionSet, Vocabulary};
use super::policy::{BUILTIN_ACTIONS, Policy, PolicyError};
use super::{Map, Set};

/// Who a grant is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    /// One user.
    User(Uuid),
    /// Every member of a group.
    Group(Uuid),
}

/// What a grant covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// One device (Particle id, lower-case).
    Device(String),
    /// Every device placed at the site.
    Site(Uuid),
    /// Every device at the sites of the organization and of its descendants.
    Organization(Uuid),
    /// Every device of the tenant.
    Tenant(Uuid),
}

/// A grant as the index keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRecord {
    /// Id.
    pub id: Uuid,
    /// Tenant it lives in.
    pub tenant: Uuid,
    /// Who.
    pub subject: Subject,
    /// On what.
    pub scope: Scope,
    /// Which role (built-in or the tenant's custom role).
    pub role: Uuid,
    /// Stops counting at this instant exactly; `None` never.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A role as the index keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRecord {
    /// Id (the built-in ones are `entity::role::{VIEWER_ID, OPERATOR_ID, MANAGER_ID}`).
    pub id: Uuid,
    /// `None` for built-in roles.
    pub tenant: Option<Uuid>,
    /// Name (`viewer`, `operator`, `manager`, or the custom role's).
    pub name: String,
    /// For custom roles: the actions it holds (its casbin `p` lines). Empty for built-ins,
    /// whose actions come from policies/policy.csv.
    pub actions: Vec<String>,
}

/// A device as the index keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceEntry {
    /// Particle id.
    pub id: String,
    /// Owning tenant.
    pub tenant: Uuid,
    /// Site it is placed at.
    pub site: Option<Uuid>,
    /// Display name (lists sort by it, then by id).
    pub name: String,
    /// Its Particle product (our id): device calls resolve their credential from it without
    /// reading the device row.
    pub product: Uuid,
}

/// Filters for "devices I can see".
#[derive(Debug, Clone, Default)]
pub struct DeviceFilter {
    /// Only devices at this site.
    pub site: Option<Uuid>,
    /// Only devices at sites of this organization or its descendants.
    pub organization: Option<Uuid>,
    /// Case-insensitive substring of the name or id.
    pub q: Option<String>,
}

/// One step of a chain that gives a user access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// Through membership of this group.
    Group(Uuid),
    /// This grant (its role and scope).
    Grant {
        /// The grant.
        id: Uuid,
        /// Its role.
        role: Uuid,
        /// Its scope.
        scope: Scope,
        /// Its expiry.
        expires_at: Option<DateTime<Utc>>,
    },
    /// Tenant administrator of the device's tenant (holds everything there).
    TenantAdmin,
}

/// One way a user reaches a device: user → [group] → grant → (scope contains) device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    /// The steps, from the user towards the device.
    pub links: Vec<Link>,
}

/// Everyone who reaches a device, what they may do, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// The user.
    pub user: Uuid,
    /// The union of the actions every chain gives.
    pub actions: BTreeSet<String>,
    /// Each chain that gives some access.
    pub chains: Vec<Chain>,
}

/// The action every list of devices is about.
const READ: &str = "device.read";

/// Where a grant points. Device ids are interned, so a lookup key is `Copy` and building one
/// allocates nothing on the hot path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Device(u32),
    Site(Uuid),
    Organization(Uuid),
    Tenant(Uuid),
}

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

    /// Adds a group. Nothing to keep yet: a group counts through its members and its grants,
    /// and a grant only counts inside its own tenant whoever holds it.
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

    /// Whether the index counts `user` as a platform administrator.
    pub fn is_platform_admin(&self, user: Uuid) -> bool {
        self.platform_admins.contains(&user)
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

    /// Removes a grant.
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

    // --- queries ----------------------------------------------------------------------------

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
    pub fn may(&self, user: Uuid, device: &str, action: &str, now: DateTime<Utc>) -> bool {
        let Some((slot, found)) = self.find_device(device) else {
            return false;
        };
        let Some(bit) = self.vocabulary.bit(action) else {
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
        let start = match scope {
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
        };
        match start {
            Some((tenant, key)) => self.actions_at(user, tenant, key, now),
            None => BTreeSet::new(),
        }
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
        } else if let Some(read) = self.vocabulary.bit(READ) {
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
    /// sorted by user id; tenant administrators with a `TenantAdmin` chain. Platform
    /// administrators are the operator's staff, not the tenant's, and are not listed.
    pub fn explain(&self, device: &str, now: DateTime<Utc>) -> Vec<Access> {
        let Some((slot, found)) = self.find_device(device) else {
            return Vec::new();
        };
        let tenant = found.entry.tenant;
        let mut reached: BTreeMap<Uuid, (ActionSet, Vec<Chain>)> = BTreeMap::new();
        let everything = self.vocabulary.all();
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

    // --- internals --------------------------------------------------------------------------

    fn find_device(&self, id: &str) -> Option<(u32, &DeviceSlot)> {
        let slot = *self.device_ids.get(id)?;
        Some((slot, self.device_slot(slot)?))
    }

    fn device_slot(&self, slot: u32) -> Option<&DeviceSlot> {
        self.devices.get(slot_index(slot))?.as_ref()
    }

    fn grant(&self, slot: u32) -> Option<&GrantSlot> {
        self.grants.get(slot_index(slot))?.as_ref()
    }

    fn role_of(&self, grant: &GrantSlot) -> Option<&ActionSet> {
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

    fn is_admin(&self, user: Uuid, tenant: Uuid) -> bool {
        self.platform_admins.contains(&user)
            || self
                .admin_of
                .get(&user)
                .is_some_and(|tenants| tenants.contains(&tenant))
    }

    fn intern_device(&mut self, id: &str) -> u32 {
        if let Some(slot) = self.device_ids.get(id) {
            return *slot;
        }
        self.devices.push(None);
        let slot = new_slot(self.devices.len());
        self.device_ids.insert(id.to_owned(), slot);
        slot
    }

    fn intern_role(&mut self, id: Uuid) -> u32 {
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
    fn unindex_device(&mut self, slot: u32) {
        let Some(Some(old)) = self.devices.get(slot_index(slot)) else {
            return;
        };
        let (tenant, site) = (old.entry.tenant, old.entry.site);
        detach_set(&mut self.tenant_devices, tenant, &slot);
        if let Some(site) = site {
            detach_set(&mut self.site_devices, site, &slot);
        }
    }

    fn drop_grants_on(&mut self, key: Key) {
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
    fn holders(&self, user: Uuid) -> impl Iterator<Item = Subject> + '_ {
        let groups = self.user_groups.get(&user).into_iter().flatten();
        std::iter::once(Subject::User(user)).chain(groups.map(|group| Subject::Group(*group)))
    }

    /// The scopes containing `start`, narrowest first, ending with `tenant`.
    fn path(&self, start: Key, tenant: Uuid) -> Path<'_> {
        Path {
            index: self,
            tenant,
            next: Some(start),
            // A cycle can only come from inconsistent input; never loop on it.
            budget: self.orgs.len(),
        }
    }

    fn actions_at(
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
    fn each_reaching_grant(
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

    /// The devices of `tenant` inside `key`.
    fn expand(&self, key: Key, tenant: Uuid, out: &mut Vec<u32>) {
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
    fn subtree_sites(&self, organization: Uuid) -> Vec<Uuid> {
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
struct Path<'a> {
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
fn is_active(expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    expires_at.is_none_or(|end| now < end)
}

fn role_allows(policy: &Policy, role: &RoleRecord, action: &str) -> bool {
    match role.tenant {
        None => policy.builtin_allows(&role.name, action),
        Some(tenant) => policy.custom_allows(tenant, role.id, action),
    }
}

fn role_set(policy: &Policy, vocabulary: &Vocabulary, role: &RoleRecord) -> ActionSet {
    let mut set = ActionSet::default();
    for (bit, action) in vocabulary.iter() {
        if role_allows(policy, role, action) {
            set.insert(bit);
        }
    }
    set
}

fn slot_index(slot: u32) -> usize {
    // Lossless: slots are created from `usize` lengths below `u32::MAX`.
    slot as usize
}

/// The slot of the element just pushed onto a vector now `len` long.
fn new_slot(len: usize) -> u32 {
    // Four billion devices, roles or grants in one process is not a case to handle.
    u32::try_from(len.saturating_sub(1)).unwrap_or(u32::MAX)
}

fn detach_set<K: Hash + Eq, V: Hash + Eq>(map: &mut Map<K, Set<V>>, key: K, value: &V) {
    if let Entry::Occupied(mut entry) = map.entry(key) {
        entry.get_mut().remove(value);
        if entry.get().is_empty() {
            entry.remove();
        }
    }
}

fn detach_slot<K: Hash + Eq>(map: &mut Map<K, Vec<u32>>, key: K, slot: u32) {
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

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use chrono::{Duration, TimeZone};
    use entity::role::{MANAGER_ID, OPERATOR_ID, VIEWER_ID};

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
    }

    fn id() -> Uuid {
        Uuid::now_v7()
    }

    /// Tenant → client → branch, a site at each of client and branch, a device at each
    /// site and one unplaced device.
    struct World {
        index: AccessIndex,
        tenant: Uuid,
        client: Uuid,
        branch: Uuid,
        client_site: Uuid,
        branch_site: Uuid,
    }

    const AT_CLIENT: &str = "d0000000000000000000000c";
    const AT_BRANCH: &str = "d0000000000000000000000b";
    const UNPLACED: &str = "d00000000000000000000000";

    async fn world() -> World {
        let mut index = AccessIndex::new().await.unwrap();
        let (tenant, client, branch, client_site, branch_site) = (id(), id(), id(), id(), id());
        index.upsert_organization(tenant, tenant, None);
        index.upsert_organization(client, tenant, Some(tenant));
        index.upsert_organization(branch, tenant, Some(client));
        index.upsert_site(client_site, tenant, client);
        index.upsert_site(branch_site, tenant, branch);
        for (device, site, name) in [
            (AT_CLIENT, Some(client_site), "Pump C"),
            (AT_BRANCH, Some(branch_site), "pump b"),
            (UNPLACED, None, "Spare"),
        ] {
            index.upsert_device(DeviceEntry {
                id: device.to_owned(),
                tenant,
                site,
                name: name.to_owned(),
                product: Uuid::nil(),
            });
        }
        World {
            index,
            tenant,
            client,
            branch,
            client_site,
            branch_site,
        }
    }

    fn grant(
        index: &mut AccessIndex,
        tenant: Uuid,
        subject: Subject,
        scope: Scope,
        role: Uuid,
        expires_at: Option<DateTime<Utc>>,
    ) -> Uuid {
        let grant = id();
        index.upsert_grant(GrantRecord {
            id: grant,
            tenant,
            subject,
            scope,
            role,
            expires_at,
        });
        grant
    }

    fn visible(index: &AccessIndex, user: Uuid) -> Vec<&str> {
        index
            .visible_devices(user, now(), &DeviceFilter::default())
            .into_iter()
            .map(|device| device.id.as_str())
            .collect()
    }

    #[tokio::test]
    async fn an_organization_grant_reaches_its_descendants_sites_but_not_unplaced_devices() {
        let mut w = world().await;
        let user = id();
        let scope = Scope::Organization(w.client);
        grant(
            &mut w.index,
            w.tenant,
            Subject::User(user),
            scope,
            VIEWER_ID,
            None,
        );

        assert!(w.index.may(user, AT_CLIENT, "device.read", now()));
        assert!(w.index.may(user, AT_BRANCH, "device.read", now()));
        assert!(!w.index.may(user, UNPLACED, "device.read", now()));
        assert!(!w.index.may(user, AT_CLIENT, "device.function.call", now()));
        assert_eq!(visible(&w.index, user), [AT_BRANCH, AT_CLIENT]);
    }

    #[tokio::test]
    async fn a_site_grant_reaches_only_that_sites_devices_and_follows_moves() {
        let mut w = world().await;
        let user = id();
        let scope = Scope::Site(w.branch_site);
        grant(
            &mut w.index,
            w.tenant,
            Subject::User(user),
            scope,
            VIEWER_ID,
            None,
        );
        assert_eq!(visible(&w.index, user), [AT_BRANCH]);

        let mut moved = w.index.device(AT_CLIENT).unwrap().clone();
        moved.site = Some(w.branch_site);
        w.index.upsert_device(moved);
        assert_eq!(visible(&w.index, user), [AT_BRANCH, AT_CLIENT]);

        w.index.remove_site(w.branch_site);
        assert_eq!(w.index.device(AT_BRANCH).unwrap().site, None);
        assert!(visible(&w.index, user).is_empty());
    }

    #[tokio::test]
    async fn a_tenant_grant_reaches_unplaced_devices_and_reparenting_moves_org_grants() {
        let mut w = world().await;
        let (everywhere, branch_only) = (id(), id());
        let tenant_scope = Scope::Tenant(w.tenant);
        grant(
            &mut w.index,
            w.tenant,
            Subject::User(everywhere),
            tenant_scope,
            VIEWER_ID,
            None,
        );
        let branch_scope = Scope::Organization(w.branch);
        grant(
            &mut w.index,
            w.tenant,
            Subject::User(branch_only),
            branch_scope,
            VIEWER_ID,
            None,
        );
        assert_eq!(
            visible(&w.index, everywhere),
            [AT_BRANCH, AT_CLIENT, UNPLACED]
        );

        // The client site moves under the branch: the branch grant now covers it.
        w.index.upsert_site(w.client_site, w.tenant, w.branch);
        assert_eq!(visible(&w.index, branch_only), [AT_BRANCH, AT_CLIENT]);
        // The branch moves to the root: still its own subtree.
        w.index
            .upsert_organization(w.branch, w.tenant, Some(w.tenant));
        assert!(w.index.may(branch_only, AT_CLIENT, "device.read", now()));
    }

    #[tokio::test]
    async fn a_grant_stops_counting_at_expires_at_exactly() {
        let mut w = world().await;
        let user = id();
        let end = now() + Duration::hours(1);
        let scope = Scope::Device(AT_CLIENT.to_owned());
        grant(
            &mut w.index,
            w.tenant,
            Subject::User(user),
            scope,
            OPERATOR_ID,
            Some(end),
        );

        let just_before = end - Duration::nanoseconds(1);
        assert!(
            w.index
                .may(user, AT_CLIENT, "device.function.call", just_before)
        );
        assert!(!w.index.may(user, AT_CLIENT, "device.function.call", end));
        assert!(w.index.device_actions(user, AT_CLIENT, end).is_empty());
        assert!(
            w.index
                .visible_devices(user, end, &DeviceFilter::default())
                .is_empty()
        );
        assert!(w.index.explain(AT_CLIENT, end).is_empty());
    }

    #[tokio::test]
    async fn rights_are_the_union_over_the_user_and_their_groups() {
        let mut w = world().await;
        let (user, readers, callers) = (id(), id(), id());
        w.index.upsert_group(readers, w.tenant);
        w.index.upsert_group(callers, w.tenant);
        w.index.add_group_member(readers, user);
        w.index.add_group_member(callers, user);
        let tenant_scope = Scope::Tenant(w.tenant);
        grant(
            &mut w.index,
            w.tenant,
            Subject::Group(readers),
            tenant_scope,
            VIEWER_ID,
            None,
        );
        let site_scope = Scope::Site(w.branch_site);
        grant(
            &mut w.index,
            w.tenant,
            Subject::Group(callers),
            site_scope,
            MANAGER_ID,
            None,
        );

        assert!(w.index.may(user, UNPLACED, "device.read", now()));
        assert!(!w.index.may(user, UNPLACED, "device.function.call", now()));
        assert!(w.index.may(user, AT_BRANCH, "device.share", now()));
        assert_eq!(
            w.index.device_actions(user, AT_BRANCH, now()),
            w.index.role_actions(MANAGER_ID)
        );

        w.index.remove_group_member(callers, user);
        assert!(!w.index.may(user, AT_BRANCH, "device.share", now()));
        w.index.remove_group(readers);
        assert!(visible(&w.index, user).is_empty());
    }

    #[tokio::test]
    async fn a_grant_never_reaches_another_tenants_device() {
        let mut w = world().await;
        let (user, other) = (id(), id());
        w.index.upsert_organization(other, other, None);
        // Tenant B's grant naming tenant A's device, site and tenant: all inert.
        for scope in [
            Scope::Device(AT_CLIENT.to_owned()),
            Scope::Site(w.client_site),
            Scope::Organization(w.client),
            Scope::Tenant(w.tenant),
        ] {
            grant(
                &mut w.index,
                other,
                Subject::User(user),
                scope,
                MANAGER_ID,
                None,
            );
        }
        assert!(w.index.device_actions(user, AT_CLIENT, now()).is_empty());
        assert!(visible(&w.index, user).is_empty());
        assert!(w.index.explain(AT_CLIENT, now()).is_empty());

        // An admin of tenant B is nobody in tenant A.
        w.index.set_tenant_admin(user, other, true);
        assert!(!w.index.may(user, AT_CLIENT, "device.read", now()));
        w.index.set_tenant_admin(user, w.tenant, true);
        assert!(w.index.may(user, AT_CLIENT, "billing.read", now()));
        assert_eq!(visible(&w.index, user), [AT_BRANCH, AT_CLIENT, UNPLACED]);
    }

    #[tokio::test]
    async fn a_device_moved_to_another_tenant_leaves_its_old_grants_behind() {
        let mut w = world().await;
        let (user, other) = (id(), id());
        let scope = Scope::Device(AT_CLIENT.to_owned());
        grant(
            &mut w.index,
            w.tenant,
            Subject::User(user),
            scope,
            VIEWER_ID,
            None,
        );
        w.index.upsert_device(DeviceEntry {
            id: AT_CLIENT.to_owned(),
            tenant: other,
            site: None,
            name: "moved".to_owned(),
            product: Uuid::nil(),
        });
        assert!(!w.index.may(user, AT_CLIENT, "device.read", now()));
        assert!(visible(&w.index, user).is_empty());
    }

    #[tokio::test]
    async fn delegation_is_bounded_by_grants_containing_the_whole_scope() {
        let mut w = world().await;
        let user = id();
        let client = Scope::Organization(w.client);
        grant(
            &mut w.index,
            w.tenant,
            Subject::User(user),
            client,
            MANAGER_ID,
            None,
        );
        let branch_site = Scope::Site(w.branch_site);
        grant(
            &mut w.index,
            w.tenant,
            Subject::User(user),
            branch_site,
            OPERATOR_ID,
            None,
        );

        let manager = w.index.role_actions(MANAGER_ID);
        assert_eq!(
            w.index
                .scope_actions(user, &Scope::Organization(w.branch), now()),
            manager
        );
        assert_eq!(
            w.index
                .scope_actions(user, &Scope::Site(w.client_site), now()),
            manager
        );
        assert_eq!(
            w.index
                .scope_actions(user, &Scope::Device(AT_BRANCH.to_owned()), now()),
            manager
        );
        // Above the grant: nothing; the root organization is not the whole tenant either.
        assert!(
            w.index
                .scope_actions(user, &Scope::Organization(w.tenant), now())
                .is_empty()
        );
        assert!(
            w.index
                .scope_actions(user, &Scope::Tenant(w.tenant), now())
                .is_empty()
        );
        assert!(
            w.index
                .scope_actions(user, &Scope::Device(UNPLACED.to_owned()), now())
                .is_empty()
        );
        w.index.set_platform_admin(user, true);
        assert!(
            w.index
                .scope_actions(user, &Scope::Tenant(id()), now())
                .contains("billing.read")
        );
    }

    #[tokio::test]
    async fn custom_roles_and_catalog_actions_are_precomputed() {
        let mut w = world().await;
        let (user, operator, role) = (id(), id(), id());
        w.index.register_action("device.function.call.reset");
        w.index
            .upsert_role(RoleRecord {
                id: role,
                tenant: Some(w.tenant),
                name: "resetter".to_owned(),
                actions: vec![
                    "device.read".to_owned(),
                    "device.function.call.*".to_owned(),
                ],
            })
            .await
            .unwrap();
        let scope = Scope::Tenant(w.tenant);
        grant(
            &mut w.index,
            w.tenant,
            Subject::User(user),
            scope.clone(),
            role,
            None,
        );
        grant(
            &mut w.index,
            w.tenant,
            Subject::User(operator),
            scope,
            OPERATOR_ID,
            None,
        );

        assert!(
            w.index
                .may(user, AT_CLIENT, "device.function.call.reset", now())
        );
        assert!(!w.index.may(user, AT_CLIENT, "device.function.call", now()));
        assert!(
            !w.index
                .may(operator, AT_CLIENT, "device.function.call.reset", now())
        );
        // A catalog action registered later reaches the pattern too.
        w.index.register_action("device.function.call.start");
        assert!(
            w.index
                .may(user, AT_CLIENT, "device.function.call.start", now())
        );
        assert!(
            w.index
                .role_actions(MANAGER_ID)
                .contains("device.function.call.start")
        );

        w.index
            .upsert_role(RoleRecord {
                id: role,
                tenant: Some(w.tenant),
                name: "resetter".to_owned(),
                actions: vec!["site.manage".to_owned()],
            })
            .await
            .unwrap();
        assert_eq!(
            w.index.device_actions(user, AT_CLIENT, now()),
            BTreeSet::from(["site.manage".to_owned()])
        );
        w.index.remove_role(role).await.unwrap();
        assert!(w.index.device_actions(user, AT_CLIENT, now()).is_empty());
        w.index.remove_role(VIEWER_ID).await.unwrap();
        assert!(w.index.role_actions(VIEWER_ID).contains("device.read"));
    }

    #[tokio::test]
    async fn lists_sort_by_lower_case_name_then_id_and_filter() {
        let mut w = world().await;
        let user = id();
        let scope = Scope::Tenant(w.tenant);
        grant(
            &mut w.index,
            w.tenant,
            Subject::User(user),
            scope,
            VIEWER_ID,
            None,
        );
        let ids = |filter: DeviceFilter| -> Vec<String> {
            w.index
                .visible_devices(user, now(), &filter)
                .into_iter()
                .map(|device| device.id.clone())
                .collect()
        };
        assert_eq!(
            ids(DeviceFilter::default()),
            [AT_BRANCH, AT_CLIENT, UNPLACED]
        );
        let by_org = DeviceFilter {
            organization: Some(w.branch),
            ..DeviceFilter::default()
        };
        assert_eq!(ids(by_org), [AT_BRANCH]);
        let by_site = DeviceFilter {
            site: Some(w.client_site),
            ..DeviceFilter::default()
        };
        assert_eq!(ids(by_site), [AT_CLIENT]);
        let by_text = DeviceFilter {
            q: Some("PUMP".to_owned()),
            ..DeviceFilter::default()
        };
        assert_eq!(ids(by_text), [AT_BRANCH, AT_CLIENT]);
        let by_id = DeviceFilter {
            q: Some("0B".to_owned()),
            ..DeviceFilter::default()
        };
        assert_eq!(ids(by_id), [AT_BRANCH]);
    }

    #[tokio::test]
    async fn explain_lists_every_chain_sorted_by_user() {
        let mut w = world().await;
        let (admin, member, group) = (id(), id(), id());
        w.index.set_tenant_admin(admin, w.tenant, true);
        w.index.upsert_group(group, w.tenant);
        w.index.add_group_member(group, member);
        let site = Scope::Site(w.client_site);
        let via_group = grant(
            &mut w.index,
            w.tenant,
            Subject::Group(group),
            site.clone(),
            VIEWER_ID,
            None,
        );
        let device = Scope::Device(AT_CLIENT.to_owned());
        let direct = grant(
            &mut w.index,
            w.tenant,
            Subject::User(member),
            device.clone(),
            OPERATOR_ID,
            None,
        );
        let expired = Some(now() - Duration::seconds(1));
        grant(
            &mut w.index,
            w.tenant,
            Subject::User(member),
            device.clone(),
            MANAGER_ID,
            expired,
        );

        let explained = w.index.explain(AT_CLIENT, now());
        let mut expected = vec![
            Access {
                user: admin,
                actions: w.index.vocabulary.names(&w.index.vocabulary.all()),
                chains: vec![Chain {
                    links: vec![Link::TenantAdmin],
                }],
            },
            Access {
                user: member,
                actions: w.index.role_actions(OPERATOR_ID),
                chains: vec![
                    Chain {
                        links: vec![Link::Grant {
                            id: direct,
                            role: OPERATOR_ID,
                            scope: device,
                            expires_at: None,
                        }],
                    },
                    Chain {
                        links: vec![
                            Link::Group(group),
                            Link::Grant {
                                id: via_group,
                                role: VIEWER_ID,
                                scope: site,
                                expires_at: None,
                            },
                        ],
                    },
                ],
            },
        ];
        expected.sort_by_key(|access| access.user);
        assert_eq!(explained, expected);
    }

    #[tokio::test]
    async fn removals_drop_the_grants_on_what_was_removed_and_unknowns_are_no_ops() {
        let mut w = world().await;
        let user = id();
        let device = Scope::Device(AT_CLIENT.to_owned());
        grant(
            &mut w.index,
            w.tenant,
            Subject::User(user),
            device,
            VIEWER_ID,
            None,
        );
        let site = Scope::Site(w.branch_site);
        grant(
            &mut w.index,
            w.tenant,
            Subject::User(user),
            site,
            VIEWER_ID,
            None,
        );
        w.index.remove_device(AT_CLIENT);
        w.index.remove_organization(w.branch);
        assert!(w.index.grant_ids.is_empty() && w.index.by_holder.is_empty());
        assert_eq!(w.index.device(AT_BRANCH).unwrap().site, None);

        w.index.remove_device("unknown");
        w.index.remove_site(id());
        w.index.remove_group(id());
        w.index.remove_grant(id());
        w.index.remove_organization(id());
        w.index.remove_group_member(id(), user);
        assert!(w.index.remove_role(id()).await.is_ok());
    }

    #[tokio::test]
    async fn another_tenants_custom_role_gives_nothing() {
        let mut w = world().await;
        let (user, other, role) = (id(), id(), id());
        let record = RoleRecord {
            id: role,
            tenant: Some(other),
            name: "foreign".to_owned(),
            actions: vec!["device.read".to_owned()],
        };
        w.index.upsert_role(record).await.unwrap();
        let scope = Scope::Tenant(w.tenant);
        grant(
            &mut w.index,
            w.tenant,
            Subject::User(user),
            scope,
            role,
            None,
        );
        assert!(!w.index.may(user, AT_CLIENT, "device.read", now()));
        assert!(visible(&w.index, user).is_empty());
    }

    #[test]
    fn the_index_can_be_shared_between_workers() {
        fn shared<T: Send + Sync>() {}
        shared::<AccessIndex>();
    }
}
