//! Differential test of the access index against a brute-force reference model.
//!
//! Random operations (grants with and without expiry on every scope kind, group membership,
//! device, site and organization moves, custom-role edits, administrators, catalog actions,
//! organization memberships, clock jumps) are applied to both over a small universe. After every step every
//! (user, device, action) decision and every list of visible devices must agree, and so must
//! a filtered list, a few delegation bounds, two explanations drawn at random, and for one
//! person each tenant's directory sight and where they hold a delegated administration action. The reference shares no code with the index: it keeps plain
//! records and re-derives everything on each query by walking every grant.
//!
//! `FW_DIFF_OPS` sets the number of steps (default 10 000), `FW_DIFF_SEED` the seed.
#![expect(clippy::unwrap_used, reason = "tests")]
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt::Write as _;

use chrono::{DateTime, Duration, TimeZone, Utc};
use entity::role::{MANAGER_ID, OPERATOR_ID, VIEWER_ID};
use fleetwarden_server::access::{
    AccessIndex, DeviceEntry, DeviceFilter, GrantRecord, RoleRecord, Scope, Sight, Subject,
};
use fleetwarden_server::domain::actions::Action;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

const DEFAULT_OPS: usize = 10_000;
const DEFAULT_SEED: u64 = 0x00f1_ee7a_11de_2026;

/// The built-in roles' actions as policies/policy.csv spells them out (tenant_admin: all).
const VIEWER: &[&str] = &[
    "device.read",
    "device.variable.read",
    "device.history.read",
    "device.events.read",
];
const OPERATOR_EXTRA: &[&str] = &["device.function.call"];
const MANAGER_EXTRA: &[&str] = &[
    "device.function.call.*",
    "device.share",
    "site.manage",
    "group.manage",
    "user.invite",
    "audit.read",
];
const BUILTIN_VOCABULARY: &[&str] = &[
    "device.read",
    "device.variable.read",
    "device.history.read",
    "device.events.read",
    "device.function.call",
    "device.share",
    "site.manage",
    "group.manage",
    "user.invite",
    "audit.read",
    "organization.manage",
    "role.manage",
    "billing.read",
];

/// What custom roles are made of; `stop` joins the vocabulary only when a role names it.
const CUSTOM_POOL: &[&str] = &[
    "device.read",
    "device.variable.read",
    "device.function.call",
    "device.function.call.reset",
    "device.function.call.stop",
    "device.function.call.*",
    "site.manage",
    "billing.read",
];
/// Catalog actions registered along the way.
const CATALOG: &[&str] = &["device.function.call.reset", "device.function.call.start"];
/// The decisions compared after every step.
/// (`device_actions` is compared too, over the whole vocabulary.)
const CHECKED: &[&str] = &[
    "device.read",
    "device.function.call",
    "device.function.call.reset",
    "device.function.call.start",
    "device.function.call.stop",
    "device.share",
];
const NAMES: &[&str] = &["Pump", "pump", "Valve", "alpha", "Beta", "beta", "Zeta"];
const QUERIES: &[&str] = &["pu", "BE", "a", "0", "zz", ""];

// --- the reference model -------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Who {
    User(Uuid),
    Group(Uuid),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Over {
    Device(String),
    Site(Uuid),
    Organization(Uuid),
    Tenant(Uuid),
}

#[derive(Debug, Clone)]
struct RefGrant {
    tenant: Uuid,
    who: Who,
    over: Over,
    role: Uuid,
    until: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
struct RefDevice {
    tenant: Uuid,
    site: Option<Uuid>,
    name: String,
}

#[derive(Default)]
struct Reference {
    org_parent: HashMap<Uuid, Option<Uuid>>,
    org_tenant: HashMap<Uuid, Uuid>,
    /// Present sites: (tenant, organization).
    sites: HashMap<Uuid, (Uuid, Uuid)>,
    devices: BTreeMap<String, RefDevice>,
    groups: HashSet<Uuid>,
    members: HashSet<(Uuid, Uuid)>,
    grants: BTreeMap<Uuid, RefGrant>,
    /// Custom roles: (tenant, actions).
    custom: HashMap<Uuid, (Uuid, Vec<String>)>,
    admins: HashSet<(Uuid, Uuid)>,
    platform: HashSet<Uuid>,
    /// (user, organization)
    memberships: HashSet<(Uuid, Uuid)>,
    /// The built-in actions, the registered ones and every one a custom role ever named.
    vocabulary: BTreeSet<String>,
    now: DateTime<Utc>,
}

impl Reference {
    fn listed(list: &[&str], action: &str) -> bool {
        list.iter().any(|entry| Self::matches(entry, action))
    }

    fn matches(entry: &str, action: &str) -> bool {
        match entry.strip_suffix('*') {
            Some(prefix) => action.starts_with(prefix) && action.len() > prefix.len(),
            None => entry == action,
        }
    }

    /// The actions `role` gives inside `tenant`.
    fn role_actions(&self, role: Uuid, tenant: Uuid) -> BTreeSet<String> {
        let holds = |action: &str| -> bool {
            let viewer = Self::listed(VIEWER, action);
            let operator = viewer || Self::listed(OPERATOR_EXTRA, action);
            let manager = operator || Self::listed(MANAGER_EXTRA, action);
            if role == VIEWER_ID {
                viewer
            } else if role == OPERATOR_ID {
                operator
            } else if role == MANAGER_ID {
                manager
            } else {
                match self.custom.get(&role) {
                    Some((owner, actions)) if *owner == tenant => {
                        actions.iter().any(|entry| Self::matches(entry, action))
                    }
                    _ => false,
                }
            }
        };
        self.vocabulary
            .iter()
            .filter(|a| holds(a))
            .cloned()
            .collect()
    }

    fn active(&self, grant: &RefGrant) -> bool {
        grant.until.is_none_or(|until| self.now < until)
    }

    fn holds(&self, user: Uuid, who: Who) -> bool {
        match who {
            Who::User(u) => u == user,
            Who::Group(g) => self.members.contains(&(g, user)),
        }
    }

    /// The organization and every ancestor.
    fn lineage(&self, org: Uuid) -> Vec<Uuid> {
        let mut chain = vec![org];
        let mut at = org;
        while let Some(Some(parent)) = self.org_parent.get(&at) {
            chain.push(*parent);
            at = *parent;
        }
        chain
    }

    fn site_lineage(&self, site: Uuid) -> Vec<Uuid> {
        self.sites
            .get(&site)
            .map(|(_, org)| self.lineage(*org))
            .unwrap_or_default()
    }

    /// Whether `over` contains `target` (both in the same tenant, checked by the caller).
    fn contains(&self, over: &Over, target: &Over) -> bool {
        match (over, target) {
            (Over::Tenant(t), target) => self.tenant_of(target) == Some(*t),
            (Over::Organization(o), Over::Organization(x)) => self.lineage(*x).contains(o),
            (Over::Organization(o), Over::Site(s)) => self.site_lineage(*s).contains(o),
            (Over::Organization(o), Over::Device(d)) => self.devices[d]
                .site
                .is_some_and(|s| self.site_lineage(s).contains(o)),
            (Over::Site(s), Over::Site(x)) => s == x,
            (Over::Site(s), Over::Device(d)) => self.devices[d].site == Some(*s),
            (Over::Device(x), Over::Device(d)) => x == d,
            _ => false,
        }
    }

    fn tenant_of(&self, target: &Over) -> Option<Uuid> {
        match target {
            Over::Device(d) => self.devices.get(d).map(|d| d.tenant),
            Over::Site(s) => self.sites.get(s).map(|(t, _)| *t),
            Over::Organization(o) => self.org_tenant.get(o).copied(),
            Over::Tenant(t) => Some(*t),
        }
    }

    /// What `user` holds on all of `target`.
    fn actions(&self, user: Uuid, target: &Over) -> BTreeSet<String> {
        if self.platform.contains(&user) {
            return self.vocabulary.clone();
        }
        let Some(tenant) = self.tenant_of(target) else {
            return BTreeSet::new();
        };
        if self.admins.contains(&(user, tenant)) {
            return self.vocabulary.clone();
        }
        let mut union = BTreeSet::new();
        for grant in self.grants.values() {
            if grant.tenant == tenant
                && self.active(grant)
                && self.holds(user, grant.who)
                && self.contains(&grant.over, target)
            {
                union.extend(self.role_actions(grant.role, tenant));
            }
        }
        union
    }

    /// Who reaches `device` through grants or tenant administration: user → (actions, chains).
    fn explain(&self, device: &str) -> BTreeMap<Uuid, (BTreeSet<String>, usize)> {
        let tenant = self.devices[device].tenant;
        let target = Over::Device(device.to_owned());
        let mut reached: BTreeMap<Uuid, (BTreeSet<String>, usize)> = BTreeMap::new();
        for user in &self.platform {
            let entry = reached.entry(*user).or_default();
            entry.0.extend(self.vocabulary.iter().cloned());
            entry.1 += 1;
        }
        for (user, admin_tenant) in &self.admins {
            if *admin_tenant == tenant {
                let entry = reached.entry(*user).or_default();
                entry.0.extend(self.vocabulary.iter().cloned());
                entry.1 += 1;
            }
        }
        for grant in self.grants.values() {
            if grant.tenant != tenant || !self.active(grant) || !self.contains(&grant.over, &target)
            {
                continue;
            }
            let actions = self.role_actions(grant.role, tenant);
            if actions.is_empty() {
                continue;
            }
            let users: Vec<Uuid> = match grant.who {
                Who::User(user) => vec![user],
                Who::Group(group) => self
                    .members
                    .iter()
                    .filter(|(g, _)| *g == group)
                    .map(|(_, user)| *user)
                    .collect(),
            };
            for user in users {
                let entry = reached.entry(user).or_default();
                entry.0.extend(actions.iter().cloned());
                entry.1 += 1;
            }
        }
        reached
    }

    /// The organizations of `tenant` where `reached` says yes for the organization or an
    /// ancestor: the whole tenant when the root is one.
    fn closed_below(&self, tenant: Uuid, reached: impl Fn(Uuid) -> bool) -> Sight {
        if reached(tenant) {
            return Sight::Whole;
        }
        Sight::Within(
            self.org_tenant
                .iter()
                .filter(|(org, t)| **t == tenant && **org != tenant)
                .map(|(org, _)| *org)
                .filter(|org| self.lineage(*org).into_iter().any(&reached))
                .collect(),
        )
    }

    /// The organizations of `tenant` whose directory `user` sees: those they belong to or
    /// hold anything on, with their subtrees; everything for administrators.
    fn sight(&self, user: Uuid, tenant: Uuid) -> Sight {
        if self.platform.contains(&user) || self.admins.contains(&(user, tenant)) {
            return Sight::Whole;
        }
        self.closed_below(tenant, |org| {
            self.memberships.contains(&(user, org))
                || !self.actions(user, &Over::Organization(org)).is_empty()
        })
    }

    /// The organizations of `tenant` on all of which `user` holds `action`.
    fn holding(&self, user: Uuid, tenant: Uuid, action: &str) -> Sight {
        if self.platform.contains(&user) || self.admins.contains(&(user, tenant)) {
            return Sight::Whole;
        }
        self.closed_below(tenant, |org| {
            self.actions(user, &Over::Organization(org))
                .contains(action)
        })
    }

    /// The devices among `readable` that pass `filter`, in list order.
    fn visible(&self, readable: &BTreeSet<&String>, filter: &DeviceFilter) -> Vec<String> {
        let mut found: Vec<(String, String)> = self
            .devices
            .iter()
            .filter(|(id, _)| readable.contains(id))
            .filter(|(_, device)| filter.site.is_none_or(|s| device.site == Some(s)))
            .filter(|(_, device)| {
                filter.organization.is_none_or(|o| {
                    device
                        .site
                        .is_some_and(|s| self.site_lineage(s).contains(&o))
                })
            })
            .filter(|(id, device)| {
                filter.q.as_deref().is_none_or(|q| {
                    let q = q.to_lowercase();
                    device.name.to_lowercase().contains(&q) || id.to_lowercase().contains(&q)
                })
            })
            .map(|(id, device)| (device.name.to_lowercase(), id.clone()))
            .collect();
        found.sort();
        found.into_iter().map(|(_, id)| id).collect()
    }
}

// --- the universe and the operations --------------------------------------------------------

struct Universe {
    tenants: [Uuid; 2],
    /// Per tenant: root first.
    orgs: [Vec<Uuid>; 2],
    sites: [Vec<Uuid>; 2],
    devices: Vec<String>,
    users: Vec<Uuid>,
    /// (group, tenant)
    groups: Vec<(Uuid, Uuid)>,
    /// (role, tenant)
    custom: Vec<(Uuid, Uuid)>,
}

#[derive(Debug, Clone)]
enum Op {
    Grant(GrantRecord),
    Revoke(Uuid),
    Join {
        group: Uuid,
        user: Uuid,
    },
    Leave {
        group: Uuid,
        user: Uuid,
    },
    PlaceDevice(DeviceEntry),
    RemoveDevice(String),
    MoveSite {
        site: Uuid,
        tenant: Uuid,
        organization: Uuid,
    },
    RemoveSite(Uuid),
    Reparent {
        org: Uuid,
        tenant: Uuid,
        parent: Uuid,
    },
    EditRole(RoleRecord),
    RestoreGroup {
        group: Uuid,
        tenant: Uuid,
    },
    RemoveGroup(Uuid),
    TenantAdmin {
        user: Uuid,
        tenant: Uuid,
        admin: bool,
    },
    PlatformAdmin {
        user: Uuid,
        admin: bool,
    },
    Membership {
        user: Uuid,
        organization: Uuid,
        member: bool,
    },
    Register(String),
    Clock(DateTime<Utc>),
}

impl Op {
    fn kind(&self) -> &'static str {
        match self {
            Op::Grant(_) => "grant",
            Op::Revoke(_) => "revoke",
            Op::Join { .. } => "join",
            Op::Leave { .. } => "leave",
            Op::PlaceDevice(_) => "place_device",
            Op::RemoveDevice(_) => "remove_device",
            Op::MoveSite { .. } => "move_site",
            Op::RemoveSite(_) => "remove_site",
            Op::Reparent { .. } => "reparent",
            Op::EditRole(_) => "edit_role",
            Op::RestoreGroup { .. } => "restore_group",
            Op::RemoveGroup(_) => "remove_group",
            Op::TenantAdmin { .. } => "tenant_admin",
            Op::PlatformAdmin { .. } => "platform_admin",
            Op::Membership { .. } => "membership",
            Op::Register(_) => "register",
            Op::Clock(_) => "clock",
        }
    }
}

fn uuid(rng: &mut StdRng) -> Uuid {
    Uuid::from_u128(rng.random())
}

fn pick<T: Clone>(rng: &mut StdRng, items: &[T]) -> T {
    items.choose(rng).unwrap().clone()
}

fn custom_actions(rng: &mut StdRng) -> Vec<String> {
    CUSTOM_POOL
        .iter()
        .filter(|_| rng.random_bool(0.35))
        .map(|a| (*a).to_owned())
        .collect()
}

fn random_scope(rng: &mut StdRng, u: &Universe, tenant: usize) -> Scope {
    // Mostly the grant's own tenant; sometimes the other one's ids, which must stay inert.
    let t = if rng.random_bool(0.85) {
        tenant
    } else {
        1 - tenant
    };
    match rng.random_range(0..4) {
        0 => Scope::Device(pick(rng, &u.devices)),
        1 => Scope::Site(pick(rng, &u.sites[t])),
        2 => Scope::Organization(pick(rng, &u.orgs[t])),
        _ => Scope::Tenant(u.tenants[t]),
    }
}

fn next_op(rng: &mut StdRng, u: &Universe, model: &Reference) -> Op {
    let roll = rng.random_range(0..100);
    let t = rng.random_range(0..2);
    let tenant = u.tenants[t];
    // Grants and revocations share 40%, balanced so that a few dozen grants stay alive.
    let grant_share = match model.grants.len() {
        0..20 => 28,
        20..40 => 20,
        _ => 8,
    };
    match roll {
        0..40 if roll < grant_share => {
            // Replace an existing grant now and then, so upserts are exercised too.
            let id = match model.grants.keys().next() {
                Some(existing) if rng.random_bool(0.1) => *existing,
                _ => uuid(rng),
            };
            let subject = if rng.random_bool(0.5) {
                Subject::User(pick(rng, &u.users))
            } else {
                Subject::Group(pick(rng, &u.groups).0)
            };
            let roles = [
                VIEWER_ID,
                OPERATOR_ID,
                MANAGER_ID,
                u.custom[0].0,
                u.custom[1].0,
            ];
            let expires_at = rng
                .random_bool(0.4)
                .then(|| model.now + Duration::seconds(rng.random_range(-300..3600)));
            Op::Grant(GrantRecord {
                id,
                tenant,
                subject,
                scope: random_scope(rng, u, t),
                role: pick(rng, &roles),
                expires_at,
            })
        }
        0..40 => {
            let ids: Vec<Uuid> = model.grants.keys().copied().collect();
            if ids.is_empty() || rng.random_bool(0.05) {
                Op::Revoke(uuid(rng))
            } else {
                Op::Revoke(pick(rng, &ids))
            }
        }
        40..=47 => {
            let (group, user) = (pick(rng, &u.groups).0, pick(rng, &u.users));
            if rng.random_bool(0.6) {
                Op::Join { group, user }
            } else {
                Op::Leave { group, user }
            }
        }
        48..=56 => {
            let id = pick(rng, &u.devices);
            let current = model.devices.get(&id);
            // Rarely a transfer to the other tenant; otherwise the device's own tenant.
            let tenant = match current {
                Some(d) if rng.random_bool(0.93) => d.tenant,
                _ => tenant,
            };
            let t = u.tenants.iter().position(|x| *x == tenant).unwrap();
            let present: Vec<Uuid> = u.sites[t]
                .iter()
                .filter(|s| model.sites.contains_key(s))
                .copied()
                .collect();
            let site = if present.is_empty() || rng.random_bool(0.2) {
                None
            } else {
                Some(pick(rng, &present))
            };
            let name = match current {
                Some(d) if rng.random_bool(0.8) => d.name.clone(),
                _ => pick(rng, NAMES).to_owned(),
            };
            Op::PlaceDevice(DeviceEntry {
                id,
                tenant,
                site,
                name,
                product: Uuid::nil(),
            })
        }
        57..=58 => Op::RemoveDevice(pick(rng, &u.devices)),
        59..=64 => Op::MoveSite {
            site: pick(rng, &u.sites[t]),
            tenant,
            organization: pick(rng, &u.orgs[t]),
        },
        65 => Op::RemoveSite(pick(rng, &u.sites[t])),
        66..=71 => {
            let org = pick(rng, &u.orgs[t][1..]);
            // Keep it a tree: never under itself or a descendant.
            let parents: Vec<Uuid> = u.orgs[t]
                .iter()
                .filter(|p| !model.lineage(**p).contains(&org))
                .copied()
                .collect();
            Op::Reparent {
                org,
                tenant,
                parent: pick(rng, &parents),
            }
        }
        72..=76 => {
            let (id, tenant) = pick(rng, &u.custom);
            let name = format!("custom-{id}");
            Op::EditRole(RoleRecord {
                id,
                tenant: Some(tenant),
                name,
                actions: custom_actions(rng),
            })
        }
        77..=78 => {
            let (group, tenant) = pick(rng, &u.groups);
            if model.groups.contains(&group) {
                Op::RemoveGroup(group)
            } else {
                Op::RestoreGroup { group, tenant }
            }
        }
        79..=84 => Op::TenantAdmin {
            user: pick(rng, &u.users),
            tenant,
            admin: rng.random_bool(0.4),
        },
        85 => Op::PlatformAdmin {
            user: pick(rng, &u.users),
            admin: rng.random_bool(0.3),
        },
        86 => Op::Register(pick(rng, CATALOG).to_owned()),
        87..=89 => Op::Membership {
            user: pick(rng, &u.users),
            organization: pick(rng, &u.orgs[t]),
            member: rng.random_bool(0.6),
        },
        _ => {
            // Half the jumps land exactly on some grant's expiry: the boundary itself.
            let boundaries: Vec<DateTime<Utc>> = model
                .grants
                .values()
                .filter_map(|g| g.until)
                .filter(|until| *until > model.now)
                .collect();
            if !boundaries.is_empty() && rng.random_bool(0.5) {
                Op::Clock(pick(rng, &boundaries))
            } else {
                Op::Clock(model.now + Duration::seconds(rng.random_range(1..600)))
            }
        }
    }
}

async fn apply(op: &Op, index: &mut AccessIndex, model: &mut Reference) {
    match op.clone() {
        Op::Grant(g) => {
            let who = match g.subject {
                Subject::User(u) => Who::User(u),
                Subject::Group(g) => Who::Group(g),
            };
            let over = match &g.scope {
                Scope::Device(d) => Over::Device(d.clone()),
                Scope::Site(s) => Over::Site(*s),
                Scope::Organization(o) => Over::Organization(*o),
                Scope::Tenant(t) => Over::Tenant(*t),
            };
            let record = RefGrant {
                tenant: g.tenant,
                who,
                over,
                role: g.role,
                until: g.expires_at,
            };
            model.grants.insert(g.id, record);
            index.upsert_grant(g);
        }
        Op::Revoke(id) => {
            model.grants.remove(&id);
            index.remove_grant(id);
        }
        Op::Join { group, user } => {
            model.members.insert((group, user));
            index.add_group_member(group, user);
        }
        Op::Leave { group, user } => {
            model.members.remove(&(group, user));
            index.remove_group_member(group, user);
        }
        Op::PlaceDevice(d) => {
            let record = RefDevice {
                tenant: d.tenant,
                site: d.site,
                name: d.name.clone(),
            };
            model.devices.insert(d.id.clone(), record);
            index.upsert_device(d);
        }
        Op::RemoveDevice(id) => {
            model.devices.remove(&id);
            model
                .grants
                .retain(|_, g| g.over != Over::Device(id.clone()));
            index.remove_device(&id);
        }
        Op::MoveSite {
            site,
            tenant,
            organization,
        } => {
            model.sites.insert(site, (tenant, organization));
            index.upsert_site(site, tenant, organization);
        }
        Op::RemoveSite(site) => {
            if model.sites.remove(&site).is_some() {
                for device in model.devices.values_mut() {
                    if device.site == Some(site) {
                        device.site = None;
                    }
                }
                model.grants.retain(|_, g| g.over != Over::Site(site));
            }
            index.remove_site(site);
        }
        Op::Reparent {
            org,
            tenant,
            parent,
        } => {
            model.org_parent.insert(org, Some(parent));
            index.upsert_organization(org, tenant, Some(parent));
        }
        Op::EditRole(role) => {
            let tenant = role.tenant.unwrap();
            for action in &role.actions {
                if !action.contains('*') {
                    model.vocabulary.insert(action.clone());
                }
            }
            model.custom.insert(role.id, (tenant, role.actions.clone()));
            index.upsert_role(role).await.unwrap();
        }
        Op::RestoreGroup { group, tenant } => {
            model.groups.insert(group);
            index.upsert_group(group, tenant);
        }
        Op::RemoveGroup(group) => {
            model.groups.remove(&group);
            model.members.retain(|(g, _)| *g != group);
            model.grants.retain(|_, g| g.who != Who::Group(group));
            index.remove_group(group);
        }
        Op::TenantAdmin {
            user,
            tenant,
            admin,
        } => {
            if admin {
                model.admins.insert((user, tenant));
            } else {
                model.admins.remove(&(user, tenant));
            }
            index.set_tenant_admin(user, tenant, admin);
        }
        Op::PlatformAdmin { user, admin } => {
            if admin {
                model.platform.insert(user);
            } else {
                model.platform.remove(&user);
            }
            index.set_platform_admin(user, admin);
        }
        Op::Membership {
            user,
            organization,
            member,
        } => {
            if member {
                model.memberships.insert((user, organization));
            } else {
                model.memberships.remove(&(user, organization));
            }
            index.set_member(user, organization, member);
        }
        Op::Register(action) => {
            model.vocabulary.insert(action.clone());
            index.register_action(&action);
        }
        Op::Clock(now) => model.now = now,
    }
}

async fn setup(rng: &mut StdRng) -> (Universe, AccessIndex, Reference) {
    let mut index = AccessIndex::new().await.unwrap();
    let mut model = Reference {
        now: Utc.with_ymd_and_hms(2026, 1, 1, 8, 0, 0).unwrap(),
        vocabulary: BUILTIN_VOCABULARY.iter().map(|a| (*a).to_owned()).collect(),
        ..Reference::default()
    };
    let tenants = [uuid(rng), uuid(rng)];
    let orgs = tenants.map(|t| vec![t, uuid(rng), uuid(rng), uuid(rng)]);
    let sites = tenants.map(|_| vec![uuid(rng), uuid(rng)]);
    let mut universe = Universe {
        tenants,
        orgs,
        sites,
        devices: (0..12)
            .map(|_| format!("{:024x}", rng.random::<u128>() >> 32))
            .collect(),
        users: (0..6).map(|_| uuid(rng)).collect(),
        groups: vec![
            (uuid(rng), tenants[0]),
            (uuid(rng), tenants[0]),
            (uuid(rng), tenants[1]),
        ],
        custom: vec![(uuid(rng), tenants[0]), (uuid(rng), tenants[1])],
    };
    universe.users.sort();
    let mut ops = Vec::new();
    for (t, (tenant, orgs)) in tenants.iter().copied().zip(&universe.orgs).enumerate() {
        index.upsert_organization(tenant, tenant, None);
        model.org_parent.insert(tenant, None);
        // root ← o1 ← o2, root ← o3
        for (org, parent) in [(orgs[1], orgs[0]), (orgs[2], orgs[1]), (orgs[3], orgs[0])] {
            ops.push(Op::Reparent {
                org,
                tenant,
                parent,
            });
        }
        for org in orgs {
            model.org_tenant.insert(*org, tenant);
        }
        for site in &universe.sites[t] {
            ops.push(Op::MoveSite {
                site: *site,
                tenant,
                organization: pick(rng, &orgs[1..]),
            });
        }
    }
    for (i, id) in universe.devices.iter().enumerate() {
        let t = i % 2;
        let site = rng.random_bool(0.8).then(|| pick(rng, &universe.sites[t]));
        let name = pick(rng, NAMES).to_owned();
        ops.push(Op::PlaceDevice(DeviceEntry {
            id: id.clone(),
            tenant: tenants[t],
            site,
            name,
            product: Uuid::nil(),
        }));
    }
    for (group, tenant) in &universe.groups {
        ops.push(Op::RestoreGroup {
            group: *group,
            tenant: *tenant,
        });
    }
    for (id, tenant) in &universe.custom {
        let name = format!("custom-{id}");
        let actions = custom_actions(rng);
        ops.push(Op::EditRole(RoleRecord {
            id: *id,
            tenant: Some(*tenant),
            name,
            actions,
        }));
    }
    ops.push(Op::Register(CATALOG[0].to_owned()));
    for op in &ops {
        apply(op, &mut index, &mut model).await;
    }
    (universe, index, model)
}

/// Every comparison for the current state; the first disagreement, described.
fn compare(
    u: &Universe,
    index: &AccessIndex,
    model: &Reference,
    rng: &mut StdRng,
) -> Result<(), String> {
    let now = model.now;
    let mut readable: BTreeMap<Uuid, BTreeSet<&String>> = BTreeMap::new();
    for user in &u.users {
        for device in &u.devices {
            let expected = if model.devices.contains_key(device) {
                model.actions(*user, &Over::Device(device.clone()))
            } else {
                BTreeSet::new()
            };
            if expected.contains("device.read") {
                readable.entry(*user).or_default().insert(device);
            }
            let got = index.device_actions(*user, device, now);
            if got != expected {
                return Err(format!(
                    "device_actions({user}, {device}): index {got:?}, reference {expected:?}"
                ));
            }
            for action in CHECKED {
                let want = expected.contains(*action);
                if index.may(*user, device, action, now) != want {
                    return Err(format!(
                        "may({user}, {device}, {action}): reference says {want}"
                    ));
                }
            }
        }
        let got: Vec<String> = index
            .visible_devices(*user, now, &DeviceFilter::default())
            .into_iter()
            .map(|d| d.id.clone())
            .collect();
        let mine = readable.get(user).cloned().unwrap_or_default();
        let expected = model.visible(&mine, &DeviceFilter::default());
        if got != expected {
            return Err(format!(
                "visible_devices({user}): index {got:?}, reference {expected:?}"
            ));
        }
    }

    // One filtered list and a few delegation bounds per step.
    let user = pick(rng, &u.users);
    let t = rng.random_range(0..2);
    let filter = match rng.random_range(0..3) {
        0 => DeviceFilter {
            site: Some(pick(rng, &u.sites[t])),
            ..DeviceFilter::default()
        },
        1 => DeviceFilter {
            organization: Some(pick(rng, &u.orgs[t])),
            ..DeviceFilter::default()
        },
        _ => DeviceFilter {
            q: Some(pick(rng, QUERIES).to_owned()),
            ..DeviceFilter::default()
        },
    };
    let got: Vec<String> = index
        .visible_devices(user, now, &filter)
        .into_iter()
        .map(|d| d.id.clone())
        .collect();
    let mine = readable.get(&user).cloned().unwrap_or_default();
    let expected = model.visible(&mine, &filter);
    if got != expected {
        return Err(format!(
            "visible_devices({user}, {filter:?}): index {got:?}, reference {expected:?}"
        ));
    }
    let scopes = [
        (Scope::Tenant(u.tenants[t]), Over::Tenant(u.tenants[t])),
        {
            let o = pick(rng, &u.orgs[t]);
            (Scope::Organization(o), Over::Organization(o))
        },
        {
            let s = pick(rng, &u.sites[t]);
            (Scope::Site(s), Over::Site(s))
        },
    ];
    for (scope, over) in scopes {
        let got = index.scope_actions(user, &scope, now);
        let expected = model.actions(user, &over);
        if got != expected {
            return Err(format!(
                "scope_actions({user}, {scope:?}): index {got:?}, reference {expected:?}"
            ));
        }
    }

    // One person's directory sight and delegated administration, in each tenant.
    let delegated = pick(
        rng,
        &[
            Action::UserInvite,
            Action::GroupManage,
            Action::AuditRead,
            Action::SiteManage,
        ],
    );
    for tenant in u.tenants {
        let got = index.sight(user, tenant, now);
        let expected = model.sight(user, tenant);
        if got != expected {
            return Err(format!(
                "sight({user}, {tenant}): index {got:?}, reference {expected:?}"
            ));
        }
        let got = index.holding(user, tenant, delegated, now);
        let expected = model.holding(user, tenant, delegated.as_str());
        if got != expected {
            return Err(format!(
                "holding({user}, {tenant}, {delegated:?}): index {got:?}, reference {expected:?}"
            ));
        }
    }

    // Explanations for two devices per step: the decisions above already cover every pair.
    let present: Vec<&String> = model.devices.keys().collect();
    for _ in 0..2 {
        let Some(device) = present.choose(rng) else {
            break;
        };
        let got: BTreeMap<Uuid, (BTreeSet<String>, usize)> = index
            .explain(device, now)
            .into_iter()
            .map(|access| (access.user, (access.actions, access.chains.len())))
            .collect();
        let expected = model.explain(device);
        if got != expected {
            return Err(format!(
                "explain({device}): index {got:?}, reference {expected:?}"
            ));
        }
    }
    Ok(())
}

fn env_number(name: &str) -> Option<u64> {
    let raw = std::env::var(name).ok()?;
    let raw = raw.trim();
    match raw.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => raw.replace('_', "").parse().ok(),
    }
}

#[tokio::test]
async fn the_index_agrees_with_a_brute_force_model_after_every_step() {
    // Arrange
    let seed = env_number("FW_DIFF_SEED").unwrap_or(DEFAULT_SEED);
    let steps = env_number("FW_DIFF_OPS").map_or(DEFAULT_OPS, |n| usize::try_from(n).unwrap());
    let mut rng = StdRng::seed_from_u64(seed);
    let (universe, mut index, mut model) = setup(&mut rng).await;
    let mut log: VecDeque<String> = VecDeque::new();
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    let started = std::time::Instant::now();

    for step in 0..steps {
        // Act
        let op = next_op(&mut rng, &universe, &model);
        *counts.entry(op.kind()).or_default() += 1;
        if log.len() == 25 {
            log.pop_front();
        }
        log.push_back(format!("{step:>7}: {op:?}"));
        apply(&op, &mut index, &mut model).await;

        // Assert
        if let Err(mismatch) = compare(&universe, &index, &model, &mut rng) {
            let mut tail = String::new();
            for line in &log {
                let _ = writeln!(tail, "{line}");
            }
            panic!(
                "index and reference disagree\nseed {seed:#x} (FW_DIFF_SEED), step {step}, \
                 now {}\n{mismatch}\nlast operations:\n{tail}",
                model.now
            );
        }
    }
    println!(
        "{steps} operations, seed {seed:#x}, {:?}, {} grants at the end, mix {counts:?}",
        started.elapsed(),
        model.grants.len()
    );
}
