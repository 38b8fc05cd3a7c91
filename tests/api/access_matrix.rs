//! The role × action matrix, over the real policies/ files: each built-in role, the tenant
//! administrator and a custom role hold exactly the actions the table says, as casbin decides
//! them and as the access index applies them to a device and to the whole tenant.
#![expect(clippy::unwrap_used, reason = "tests")]
use chrono::Utc;
use entity::role::{MANAGER_ID, OPERATOR_ID, VIEWER_ID};
use fleetwarden_server::access::{
    AccessIndex, BUILTIN_ACTIONS, DeviceEntry, GrantRecord, Policy, RoleRecord, Scope, Subject,
};
use rstest::rstest;
use uuid::Uuid;

/// A catalog function whose entry asks for its own action.
const RESET: &str = "device.function.call.reset";

/// The custom role in the table: reads, and resets, and nothing else.
const TECHNICIAN: [&str; 3] = ["device.read", "device.variable.read", RESET];

/// `y` = allowed. Columns: viewer, operator, manager, tenant_admin, technician (custom).
const MATRIX: &str = "
    device.read                   y y y y y
    device.variable.read          y y y y y
    device.history.read           y y y y .
    device.events.read            y y y y .
    device.function.call          . y y y .
    device.function.call.reset    . . y y y
    device.share                  . . y y .
    site.manage                   . . y y .
    group.manage                  . . y y .
    user.invite                   . . y y .
    audit.read                    . . y y .
    organization.manage           . . . y .
    role.manage                   . . . y .
    billing.read                  . . . y .
";

const ROLES: [&str; 5] = [
    "viewer",
    "operator",
    "manager",
    "tenant_admin",
    "technician",
];

/// The table's rows as (action, allowed) for `role`.
fn column(role: &str) -> Vec<(&'static str, bool)> {
    let at = ROLES.iter().position(|r| *r == role).unwrap();
    MATRIX
        .lines()
        .map(str::split_whitespace)
        .filter_map(|mut cells| {
            let action = cells.next()?;
            let cells: Vec<&str> = cells.collect();
            assert_eq!(cells.len(), ROLES.len(), "row {action}");
            Some((action, cells[at] == "y"))
        })
        .collect()
}

/// One tenant with one device at a site, and `user` holding `role` on the whole tenant.
async fn tenant_where(user: Uuid, role: &str) -> (AccessIndex, Uuid, String) {
    let mut index = AccessIndex::new().await.unwrap();
    index.register_action(RESET);
    let (tenant, site) = (Uuid::now_v7(), Uuid::now_v7());
    let device = "0123456789abcdef01234567".to_owned();
    index.upsert_organization(tenant, tenant, None);
    index.upsert_site(site, tenant, tenant);
    index.upsert_device(DeviceEntry {
        id: device.clone(),
        tenant,
        site: Some(site),
        name: "Pump 7".to_owned(),
        product: Uuid::nil(),
    });
    let role_id = match role {
        "viewer" => VIEWER_ID,
        "operator" => OPERATOR_ID,
        "manager" => MANAGER_ID,
        "tenant_admin" => {
            index.set_tenant_admin(user, tenant, true);
            return (index, tenant, device);
        }
        _ => {
            let id = Uuid::now_v7();
            let actions = TECHNICIAN.map(str::to_owned).to_vec();
            let name = role.to_owned();
            let record = RoleRecord {
                id,
                tenant: Some(tenant),
                name,
                actions,
            };
            index.upsert_role(record).await.unwrap();
            id
        }
    };
    index.upsert_grant(GrantRecord {
        id: Uuid::now_v7(),
        tenant,
        subject: Subject::User(user),
        scope: Scope::Tenant(tenant),
        role: role_id,
        expires_at: None,
    });
    (index, tenant, device)
}

#[test]
fn the_matrix_names_every_built_in_action_once() {
    let mut rows: Vec<&str> = column("viewer").into_iter().map(|(a, _)| a).collect();
    rows.retain(|action| *action != RESET);
    assert_eq!(rows, BUILTIN_ACTIONS);
}

#[rstest]
#[tokio::test]
async fn each_role_holds_exactly_its_column_of_the_matrix(
    #[values("viewer", "operator", "manager", "tenant_admin", "technician")] role: &str,
) {
    // Arrange
    let user = Uuid::now_v7();
    let (index, tenant, device) = tenant_where(user, role).await;
    let policy = Policy::load().await.unwrap();
    let now = Utc::now();

    // Act
    let on_device = index.device_actions(user, &device, now);
    let on_tenant = index.scope_actions(user, &Scope::Tenant(tenant), now);

    // Assert
    for (action, allowed) in column(role) {
        assert_eq!(
            index.may(user, &device, action, now),
            allowed,
            "{role} {action}: may"
        );
        assert_eq!(
            on_device.contains(action),
            allowed,
            "{role} {action}: on the device"
        );
        assert_eq!(
            on_tenant.contains(action),
            allowed,
            "{role} {action}: on the tenant"
        );
        if role != "technician" {
            let casbin = policy.builtin_allows(role, action);
            assert_eq!(casbin, allowed, "{role} {action}: policy.csv");
        }
    }
}

#[rstest]
#[case::viewer(VIEWER_ID, false)]
#[case::operator(OPERATOR_ID, false)]
#[case::manager(MANAGER_ID, true)]
#[tokio::test]
async fn a_catalog_function_asking_for_its_own_action_needs_a_manager(
    #[case] role: Uuid,
    #[case] allowed: bool,
) {
    // Arrange
    let index = AccessIndex::new().await.unwrap();

    // Act
    let actions = index.role_actions(role);

    // Assert
    assert!(!actions.contains(RESET), "not in the vocabulary yet");
    let mut index = index;
    index.register_action(RESET);
    assert_eq!(index.role_actions(role).contains(RESET), allowed);
}

#[tokio::test]
async fn someone_without_a_grant_holds_nothing() {
    // Arrange
    let (index, tenant, device) = tenant_where(Uuid::now_v7(), "manager").await;
    let stranger = Uuid::now_v7();

    // Act
    let actions = index.device_actions(stranger, &device, Utc::now());

    // Assert
    assert!(actions.is_empty());
    assert!(
        index
            .scope_actions(stranger, &Scope::Tenant(tenant), Utc::now())
            .is_empty()
    );
}
