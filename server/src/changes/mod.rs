//! The change log: how every instance's access index and caches follow the database.
//!
//! Every state change commits in one transaction with its audit record and one change-log
//! entry (`Write`): a list of [`Change`]s saying what now holds, enough to update the index and
//! drop what the caches remembered. Nothing else touches the index or the caches' contents:
//! each instance's one [`Follower`] reads the entries in commit order and applies them under
//! the index's write lock, including the entries its own requests wrote; a request waits until
//! its entry is applied before it answers, so a person sees their own change at once.
//!
//! **Order.** Entries are numbered by the database as they are appended, the last statement
//! before the commit. A reader asks for everything after the last number it applied, so a
//! number handed out before a smaller one commits would be skipped for ever. We serialise the
//! writers' tails rather than read below the oldest running transaction: on PostgreSQL the
//! append first takes a transaction-scoped advisory lock, held until the commit, so numbers
//! are handed out, and become visible, in commit order; SQLite has one writer at a time
//! already. What this costs is that two changes can't be in their last statement and commit
//! at once; changes are rare next to device calls (which write audit records, not entries),
//! and the alternative (pg_snapshot_xmin and an xid8 column) needs PostgreSQL-only SQL on
//! every read and a second ordering to reason about.
//!
//! **Wake-ups.** Locally a commit wakes the follower at once. On PostgreSQL the append also
//! queues a `NOTIFY` delivered at the commit, which wakes every other instance; the listener
//! catches up after every (re)connection, because notifications sent while it was away are
//! lost; and a poll every [`POLL`] is the net under both.
//!
//! **Start and pruning.** An instance builds its index from the tables, starting from the
//! newest entry number read before it; replaying entries it already saw is harmless, because
//! each change states a result ("the grant is now …", "the site is gone"), not a step. Each
//! instance records its position in `change_log_readers`; entries go once every live reader
//! has applied them and they are older than [`KEEP`]. A reader silent for [`DEAD_AFTER`] is
//! forgotten; if it comes back it finds its row gone and rebuilds its index from the tables.
use std::time::Duration;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::{AccessIndex, DeviceEntry, GrantRecord, RoleRecord};
use crate::cache::credentials::KnownCredentials;
use crate::cache::products::ProductCache;

mod follower;
pub mod rebuild;
mod write;

pub use follower::{Follower, FollowerHandle};
pub use write::{Write, Writer};

/// How often a follower reads the log without being woken.
pub const POLL: Duration = Duration::from_secs(1);
/// Entries are kept at least this long.
pub const KEEP: chrono::Duration = chrono::Duration::hours(1);
/// A reader that has not reported for this long is taken for gone.
pub const DEAD_AFTER: chrono::Duration = chrono::Duration::minutes(10);

/// One thing that changed, stated as its result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// An organization exists with this place in the tree (`parent` None: a tenant root).
    Organization {
        id: Uuid,
        tenant: Uuid,
        parent: Option<Uuid>,
    },
    /// An organization is gone, with its sites and the grants on them.
    OrganizationRemoved { id: Uuid },
    /// A site exists in this organization.
    Site {
        id: Uuid,
        tenant: Uuid,
        organization: Uuid,
    },
    /// A site is gone, with the grants on it; its devices are unplaced.
    SiteRemoved { id: Uuid },
    /// A device is in this tenant, at this site (or none), with this name and product.
    Device(DeviceEntry),
    /// A group is gone, with its memberships and grants.
    GroupRemoved { id: Uuid },
    /// `user` is (or is no longer) a member of `group`.
    GroupMember {
        group: Uuid,
        user: Uuid,
        member: bool,
    },
    /// `user` belongs (or no longer belongs) to `organization`.
    Membership {
        user: Uuid,
        organization: Uuid,
        member: bool,
    },
    /// `user` administers (or no longer administers) `tenant`.
    TenantAdmin {
        user: Uuid,
        tenant: Uuid,
        admin: bool,
    },
    /// `user` is (or is no longer) a platform administrator.
    PlatformAdmin { user: Uuid, admin: bool },
    /// A tenant's custom role holds these actions.
    Role {
        id: Uuid,
        tenant: Uuid,
        name: String,
        actions: Vec<String>,
    },
    /// A custom role is gone.
    RoleRemoved { id: Uuid },
    /// A grant holds, as stated.
    Grant(GrantRecord),
    /// A grant is gone.
    GrantRemoved { id: Uuid },
    /// A product or its catalog changed; these are its catalog's actions now.
    Product { id: Uuid, actions: Vec<String> },
    /// What `user`'s sessions and API tokens may do changed (revoked, signed out, password
    /// changed, disabled): remembered copies are dropped and read again.
    Credentials { user: Uuid },
}

/// What the changes are applied to: this instance's index and caches.
pub struct Views<'a> {
    /// The access index, write-locked by the follower.
    pub access: &'a mut AccessIndex,
    /// Remembered sessions and API tokens.
    pub known: &'a KnownCredentials,
    /// Remembered products and catalogs.
    pub products: &'a ProductCache,
}

/// Applies one change.
///
/// # Errors
/// casbin refused a custom role's lines; the role keeps its previous actions.
pub async fn apply(
    change: Change,
    views: &mut Views<'_>,
) -> Result<(), crate::access::PolicyError> {
    let index = &mut *views.access;
    match change {
        Change::Organization { id, tenant, parent } => {
            index.upsert_organization(id, tenant, parent);
        }
        Change::OrganizationRemoved { id } => index.remove_organization(id),
        Change::Site {
            id,
            tenant,
            organization,
        } => index.upsert_site(id, tenant, organization),
        Change::SiteRemoved { id } => index.remove_site(id),
        Change::Device(device) => index.upsert_device(device),
        Change::GroupRemoved { id } => index.remove_group(id),
        Change::GroupMember {
            group,
            user,
            member,
        } => {
            if member {
                index.add_group_member(group, user);
            } else {
                index.remove_group_member(group, user);
            }
        }
        Change::Membership {
            user,
            organization,
            member,
        } => index.set_member(user, organization, member),
        Change::TenantAdmin {
            user,
            tenant,
            admin,
        } => index.set_tenant_admin(user, tenant, admin),
        Change::PlatformAdmin { user, admin } => {
            index.set_platform_admin(user, admin);
            views.known.forget_user(user);
        }
        Change::Role {
            id,
            tenant,
            name,
            actions,
        } => {
            index
                .upsert_role(RoleRecord {
                    id,
                    tenant: Some(tenant),
                    name,
                    actions,
                })
                .await?;
        }
        Change::RoleRemoved { id } => index.remove_role(id).await?,
        Change::Grant(grant) => index.upsert_grant(grant),
        Change::GrantRemoved { id } => index.remove_grant(id),
        Change::Product { id, actions } => {
            for action in &actions {
                index.register_action(action);
            }
            views.products.forget(id);
        }
        Change::Credentials { user } => views.known.forget_user(user),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use crate::access::{Scope, Subject};

    #[test]
    fn grants_of_every_scope_survive_the_trip_through_the_log_text() {
        let tenant = Uuid::from_u128(2);
        for (subject, scope) in [
            (
                Subject::Group(Uuid::from_u128(3)),
                Scope::Device("e00fce68a4c5b2d9e1f3a7b1".into()),
            ),
            (
                Subject::User(Uuid::from_u128(3)),
                Scope::Site(Uuid::from_u128(5)),
            ),
            (
                Subject::User(Uuid::from_u128(3)),
                Scope::Organization(Uuid::from_u128(6)),
            ),
            (Subject::User(Uuid::from_u128(3)), Scope::Tenant(tenant)),
        ] {
            let grant = GrantRecord {
                id: Uuid::from_u128(1),
                tenant,
                subject,
                scope,
                role: Uuid::from_u128(4),
                expires_at: chrono::DateTime::from_timestamp(1_800_000_000, 123_456_000),
            };
            let text = serde_json::to_string(&vec![Change::Grant(grant.clone())]).unwrap();
            let back: Vec<Change> = serde_json::from_str(&text).unwrap();
            assert_eq!(back, [Change::Grant(grant)], "{text}");
        }
    }
}
