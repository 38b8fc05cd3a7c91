//! The records the index takes in and gives out.
use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Who a grant is for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Subject {
    /// One user.
    User(Uuid),
    /// Every member of a group.
    Group(Uuid),
}

/// What a grant covers.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
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

/// A grant as the index keeps it. Ordered by id first (the derive follows the fields' order),
/// which is how a `Snapshot` sorts them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct GrantRecord {
    pub id: Uuid,
    /// Tenant it lives in.
    pub tenant: Uuid,
    pub subject: Subject,
    pub scope: Scope,
    /// Which role (built-in or the tenant's custom role).
    pub role: Uuid,
    /// Stops counting at this instant exactly; `None` never.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A role as the index keeps it. Ordered by id first (the derive follows the fields' order),
/// which is how a `Snapshot` sorts them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
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

/// A device as the index keeps it. Ordered by id first (the derive follows the fields' order),
/// which is how a `Snapshot` sorts them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct DeviceEntry {
    /// Particle id.
    pub id: String,
    pub tenant: Uuid,
    /// Site it is placed at.
    pub site: Option<Uuid>,
    /// Display name (lists sort by it, then by id).
    pub name: String,
    /// Its Particle product (our id): device calls resolve their credential from it without
    /// reading the device row.
    pub product: Uuid,
}

/// Which organizations of a tenant something reaches: all of them, or these (each with its
/// whole subtree listed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sight {
    /// The whole tenant.
    Whole,
    /// These organizations, closed downwards; empty for none.
    Within(BTreeSet<Uuid>),
}

impl Sight {
    /// Whether `organization` is in it (`Whole` says yes to any of the tenant's).
    pub fn sees(&self, organization: Uuid) -> bool {
        match self {
            Self::Whole => true,
            Self::Within(orgs) => orgs.contains(&organization),
        }
    }

    /// The organizations, or `None` for the whole tenant.
    pub fn organizations(&self) -> Option<&BTreeSet<Uuid>> {
        match self {
            Self::Whole => None,
            Self::Within(orgs) => Some(orgs),
        }
    }
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
        id: Uuid,
        role: Uuid,
        scope: Scope,
        expires_at: Option<DateTime<Utc>>,
    },
    /// Tenant administrator of the device's tenant (holds everything there).
    TenantAdmin,
    /// Platform administrator (holds everything everywhere).
    PlatformAdmin,
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
    pub user: Uuid,
    /// The union of the actions every chain gives.
    pub actions: BTreeSet<String>,
    /// Each chain that gives some access.
    pub chains: Vec<Chain>,
}
