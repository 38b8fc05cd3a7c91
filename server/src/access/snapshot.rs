//! A comparable copy of what the index holds, so a verify can rebuild the index from the
//! database and check the live one against it.
use std::collections::BTreeSet;
use std::fmt::Debug;

use uuid::Uuid;

use super::{DeviceEntry, GrantRecord, RoleRecord};

/// Everything the index was told, each list sorted, so two indexes holding the same state
/// compare equal whatever order their mutations came in. The action vocabulary is left out:
/// it only grows (a catalog action registered once stays), so a live index knows more actions
/// than one rebuilt from the database without holding different access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// (id, tenant, parent), sorted.
    pub organizations: Vec<(Uuid, Uuid, Option<Uuid>)>,
    /// (id, tenant, organization), sorted.
    pub sites: Vec<(Uuid, Uuid, Uuid)>,
    /// Sorted by id.
    pub devices: Vec<DeviceEntry>,
    /// (group, user), sorted.
    pub group_members: Vec<(Uuid, Uuid)>,
    /// (organization, user), sorted.
    pub memberships: Vec<(Uuid, Uuid)>,
    /// (tenant, user), sorted.
    pub tenant_admins: Vec<(Uuid, Uuid)>,
    /// Sorted.
    pub platform_admins: Vec<Uuid>,
    /// Custom roles only (the built-in ones come from policies/policy.csv), sorted by id, each
    /// with its actions sorted and without repeats: their order means nothing to casbin.
    pub custom_roles: Vec<RoleRecord>,
    /// Sorted by id.
    pub grants: Vec<GrantRecord>,
}

/// Enough lines to see what went wrong in a test failure without drowning it.
const MAX_LINES: usize = 20;

impl Snapshot {
    /// What is in one snapshot and not the other, one line per entry, category by category:
    /// `-` for an entry only in `self`, `+` for one only in `other` (an entry that changed
    /// shows as both, next to each other). Empty when the snapshots are equal. At most 20
    /// lines: the last one then counts the lines left out.
    pub fn differences(&self, other: &Snapshot) -> Vec<String> {
        let mut report = Report::default();
        report.compare(
            "organization (id, tenant, parent)",
            &self.organizations,
            &other.organizations,
        );
        report.compare("site (id, tenant, organization)", &self.sites, &other.sites);
        report.compare("device", &self.devices, &other.devices);
        report.compare(
            "group member (group, user)",
            &self.group_members,
            &other.group_members,
        );
        report.compare(
            "membership (organization, user)",
            &self.memberships,
            &other.memberships,
        );
        report.compare(
            "tenant admin (tenant, user)",
            &self.tenant_admins,
            &other.tenant_admins,
        );
        report.compare(
            "platform admin",
            &self.platform_admins,
            &other.platform_admins,
        );
        report.compare("custom role", &self.custom_roles, &other.custom_roles);
        report.compare("grant", &self.grants, &other.grants);
        if report.lines.is_empty() && report.more == 0 && self != other {
            // Only reachable for snapshots built by hand, not by `AccessIndex::snapshot`.
            report
                .lines
                .push("same entries, but unsorted or repeated".to_owned());
        }
        report.finish()
    }
}

#[derive(Default)]
struct Report {
    lines: Vec<String>,
    /// Lines counted but not written, past the limit.
    more: usize,
}

impl Report {
    fn compare<T: Ord + Debug>(&mut self, what: &str, mine: &[T], theirs: &[T]) {
        let mine: BTreeSet<&T> = mine.iter().collect();
        let theirs: BTreeSet<&T> = theirs.iter().collect();
        let mut found: Vec<(&T, char)> = mine
            .difference(&theirs)
            .map(|entry| (*entry, '-'))
            .chain(theirs.difference(&mine).map(|entry| (*entry, '+')))
            .collect();
        // Records order by id first, so a changed one's two lines end up together.
        found.sort_by(|a, b| a.0.cmp(b.0));
        for (entry, side) in found {
            if self.lines.len() < MAX_LINES {
                self.lines.push(format!("{side} {what}: {entry:?}"));
            } else {
                self.more += 1;
            }
        }
    }

    fn finish(mut self) -> Vec<String> {
        if self.more > 0 {
            // The count takes the last line's place, so it always counts at least two.
            self.lines.pop();
            let more = self.more + 1;
            self.lines.push(format!("… and {more} more differences"));
        }
        self.lines
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use entity::role::VIEWER_ID;

    use super::*;
    use crate::access::{AccessIndex, Scope, Subject};

    /// One mutation of the index.
    #[derive(Clone)]
    enum Step {
        Organization(Uuid, Uuid, Option<Uuid>),
        Site(Uuid, Uuid, Uuid),
        Device(DeviceEntry),
        Member(Uuid, Uuid),
        TenantAdmin(Uuid, Uuid),
        PlatformAdmin(Uuid),
        Role(RoleRecord),
        Grant(GrantRecord),
    }

    async fn apply(index: &mut AccessIndex, step: Step) {
        match step {
            Step::Organization(id, tenant, parent) => {
                index.upsert_organization(id, tenant, parent);
            }
            Step::Site(id, tenant, organization) => index.upsert_site(id, tenant, organization),
            Step::Device(device) => index.upsert_device(device),
            Step::Member(group, user) => index.add_group_member(group, user),
            Step::TenantAdmin(user, tenant) => index.set_tenant_admin(user, tenant, true),
            Step::PlatformAdmin(user) => index.set_platform_admin(user, true),
            Step::Role(role) => index.upsert_role(role).await.unwrap(),
            Step::Grant(grant) => index.upsert_grant(grant),
        }
    }

    fn id() -> Uuid {
        Uuid::now_v7()
    }

    fn grant(tenant: Uuid, subject: Subject, scope: Scope, role: Uuid) -> GrantRecord {
        GrantRecord {
            id: id(),
            tenant,
            subject,
            scope,
            role,
            expires_at: None,
        }
    }

    /// A tenant with an organization, a site, two devices, a group, admins, a custom role and
    /// grants of each kind of subject.
    fn steps() -> Vec<Step> {
        let (tenant, client, site, group, user, admin, staff, role) =
            (id(), id(), id(), id(), id(), id(), id(), id());
        let device = |id: &str, site| {
            Step::Device(DeviceEntry {
                id: id.to_owned(),
                tenant,
                site,
                name: id.to_uppercase(),
                product: Uuid::nil(),
            })
        };
        vec![
            Step::Organization(tenant, tenant, None),
            Step::Organization(client, tenant, Some(tenant)),
            Step::Site(site, tenant, client),
            device("d0000000000000000000000a", Some(site)),
            device("d0000000000000000000000b", None),
            Step::Member(group, user),
            Step::TenantAdmin(admin, tenant),
            Step::PlatformAdmin(staff),
            Step::Role(RoleRecord {
                id: role,
                tenant: Some(tenant),
                name: "resetter".to_owned(),
                actions: vec![
                    "device.read".to_owned(),
                    "device.function.call.*".to_owned(),
                ],
            }),
            Step::Grant(grant(
                tenant,
                Subject::Group(group),
                Scope::Site(site),
                role,
            )),
            Step::Grant(grant(
                tenant,
                Subject::User(user),
                Scope::Device("d0000000000000000000000b".to_owned()),
                VIEWER_ID,
            )),
        ]
    }

    async fn build(steps: impl IntoIterator<Item = Step>) -> AccessIndex {
        let mut index = AccessIndex::new().await.unwrap();
        for step in steps {
            apply(&mut index, step).await;
        }
        index
    }

    #[tokio::test]
    async fn the_same_state_reached_in_any_order_has_the_same_snapshot() {
        let steps = steps();
        let forward = build(steps.clone()).await;

        let mut reversed = steps.clone();
        reversed.reverse();
        for step in &mut reversed {
            // The role's actions in another order: the same role.
            if let Step::Role(role) = step {
                role.actions.reverse();
            }
        }
        let mut backward = build(reversed).await;
        // What the snapshot leaves out or what leaves no trace: a new catalog action, a grant
        // and a membership come and gone, a no-op for a group.
        backward.register_action("device.function.call.reset");
        let (tenant, passing, user) = (id(), id(), id());
        let transient = grant(
            tenant,
            Subject::User(user),
            Scope::Device("d000000000000000000000ff".to_owned()),
            VIEWER_ID,
        );
        let transient_id = transient.id;
        backward.upsert_grant(transient);
        backward.remove_grant(transient_id);
        backward.add_group_member(passing, user);
        backward.remove_group_member(passing, user);
        backward.upsert_group(passing, tenant);

        let (a, b) = (forward.snapshot(), backward.snapshot());
        assert_eq!(a.differences(&b), Vec::<String>::new());
        assert_eq!(a, b);
        assert_eq!(a.organizations.len(), 2);
        assert_eq!(a.devices.len(), 2);
        assert_eq!(a.custom_roles.len(), 1);
        assert_eq!(
            a.custom_roles.first().unwrap().actions,
            ["device.function.call.*", "device.read"]
        );
        assert_eq!(a.grants.len(), 2);
    }

    #[tokio::test]
    async fn a_removed_grant_shows_in_the_differences() {
        let steps = steps();
        let live = build(steps.clone()).await;
        let mut rebuilt = build(steps).await;
        let removed = live.snapshot().grants.first().unwrap().clone();
        rebuilt.remove_grant(removed.id);

        let (live, rebuilt) = (live.snapshot(), rebuilt.snapshot());
        assert_ne!(live, rebuilt);
        let differences = live.differences(&rebuilt);
        assert_eq!(differences.len(), 1, "{differences:#?}");
        let line = differences.first().unwrap();
        assert!(line.starts_with("- grant: "), "{line}");
        assert!(line.contains(&removed.id.to_string()), "{line}");
        // The other way round, it is the other side's.
        let back = rebuilt.differences(&live);
        assert!(back.first().unwrap().starts_with("+ grant: "), "{back:?}");
    }

    #[tokio::test]
    async fn a_changed_entry_shows_as_both_lines_together_and_long_lists_are_cut() {
        let empty = AccessIndex::new().await.unwrap().snapshot();
        let mut changed = empty.clone();
        let (device, tenant) = ("d0000000000000000000000a", id());
        let entry = DeviceEntry {
            id: device.to_owned(),
            tenant,
            site: None,
            name: "Pump".to_owned(),
            product: Uuid::nil(),
        };
        let mut moved = entry.clone();
        moved.site = Some(id());
        let mut before = empty.clone();
        before.devices.push(entry);
        changed.devices.push(moved);
        let differences = before.differences(&changed);
        assert_eq!(differences.len(), 2, "{differences:#?}");
        assert!(differences.iter().all(|line| line.contains(device)));

        let mut crowded = empty.clone();
        crowded.platform_admins = (0..50).map(|_| id()).collect();
        crowded.platform_admins.sort_unstable();
        let differences = crowded.differences(&empty);
        assert_eq!(differences.len(), MAX_LINES);
        assert_eq!(
            differences.last().unwrap(),
            &format!("… and {} more differences", 50 - (MAX_LINES - 1))
        );
    }
}
