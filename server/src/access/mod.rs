//! Authorization: who may do what on which device, site, organization or tenant.
//!
//! casbin (policies/model.conf + policy.csv, plus each tenant's custom-role lines) answers
//! "may this role, in this tenant, do this action?"; the answers are precomputed per role. The
//! grants themselves — subject (user or group) × role × scope, optionally until a time — live in
//! SQL and in `AccessIndex`, an in-memory index the server keeps in step with every committed
//! change. A check is a handful of hash lookups whatever the number of grants.
//!
//! Plain Rust: no actix, no SQL.
mod actions;
mod index;
mod policy;
mod snapshot;
mod types;

pub use index::AccessIndex;
pub use policy::{BUILTIN_ACTIONS, Policy, PolicyError};
pub use snapshot::Snapshot;
pub use types::{
    Access, Chain, DeviceEntry, DeviceFilter, GrantRecord, Link, RoleRecord, Scope, Sight, Subject,
};

// foldhash rather than SipHash: keys are server-made UUIDs and Particle ids, not attacker-chosen
// strings, and the per-process seed still varies the layout; the check is mostly hashing.
type Map<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
type Set<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;
