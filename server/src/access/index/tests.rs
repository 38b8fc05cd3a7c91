#![expect(clippy::unwrap_used, reason = "tests")]
use std::collections::BTreeSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use entity::role::{MANAGER_ID, OPERATOR_ID, VIEWER_ID};
use uuid::Uuid;

use crate::access::{
    Access, AccessIndex, Chain, DeviceEntry, DeviceFilter, GrantRecord, Link, RoleRecord, Scope,
    Subject,
};

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

#[tokio::test]
async fn a_function_action_no_catalog_names_yet_is_held_as_the_roles_patterns_say() {
    let mut w = world().await;
    let (manager, operator, admin) = (id(), id(), id());
    let tenant_scope = Scope::Tenant(w.tenant);
    grant(
        &mut w.index,
        w.tenant,
        Subject::User(manager),
        tenant_scope.clone(),
        MANAGER_ID,
        None,
    );
    grant(
        &mut w.index,
        w.tenant,
        Subject::User(operator),
        tenant_scope.clone(),
        OPERATOR_ID,
        None,
    );
    w.index.set_tenant_admin(admin, w.tenant, true);
    let wanted = [
        "device.function.call.flush".to_owned(),
        "device.read".to_owned(),
    ];

    let for_manager = w.index.missing_on(manager, &tenant_scope, &wanted, now());
    let for_operator = w.index.missing_on(operator, &tenant_scope, &wanted, now());
    let for_admin = w.index.missing_on(admin, &tenant_scope, &wanted, now());
    let on_unknown = w
        .index
        .missing_on(manager, &Scope::Site(id()), &wanted, now());

    assert!(for_manager.is_empty(), "{for_manager:?}");
    assert_eq!(for_operator, ["device.function.call.flush"]);
    assert!(for_admin.is_empty());
    assert_eq!(
        on_unknown.len(),
        2,
        "nothing is held on a scope the index doesn't know"
    );
}
