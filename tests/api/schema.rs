//! Schema round-trips for every table, and the constraints users rely on: case-insensitive
//! emails, cascades when users, sites and tenants go, and refusals where data would dangle.
use chrono::{DateTime, Duration, NaiveDate, SubsecRound, Utc};
use entity::enums::{CatalogKind, GrantScopeKind, MembershipRole, OrganizationKind, ProductMode};
use entity::{
    api_token, audit_record, casbin_rule, catalog_entry, device, device_event, grant, group,
    group_member, invitation, invoice, login_throttle, membership, organization, particle_product,
    password_reset_token, plan, role, seat_span, seat_usage, session, shadow_customer, site,
    subscription, user,
};
use fleetwarden_tests::TestDb;
use rstest::rstest;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, Condition, DatabaseConnection, DbErr, EntityTrait,
    IntoActiveModel, ModelTrait, PaginatorTrait, QueryFilter, QueryOrder, Set, SqlErr,
};
use uuid::Uuid;

/// Now, at the microsecond precision PostgreSQL keeps, so values read back compare equal.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn new_id() -> Uuid {
    Uuid::now_v7()
}

fn refused<T: std::fmt::Debug>(result: Result<T, DbErr>) -> DbErr {
    match result {
        Ok(value) => panic!("expected the database to refuse, but it stored {value:?}"),
        Err(err) => err,
    }
}

#[track_caller]
fn assert_unique_violation(err: DbErr) {
    assert!(
        matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))),
        "{err:?}"
    );
}

#[track_caller]
fn assert_foreign_key_violation(err: DbErr) {
    assert!(
        matches!(
            err.sql_err(),
            Some(SqlErr::ForeignKeyConstraintViolation(_))
        ),
        "{err:?}"
    );
}

fn a_user(email: &str) -> user::Model {
    let at = now();
    user::Model {
        id: new_id(),
        email: email.to_owned(),
        email_lower: email.to_lowercase(),
        display_name: email.split('@').next().unwrap_or(email).to_owned(),
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned()),
        is_platform_admin: false,
        disabled_at: None,
        password_changed_at: Some(at),
        created_at: at,
        updated_at: at,
    }
}

fn a_tenant(name: &str) -> organization::Model {
    let (id, at) = (new_id(), now());
    organization::Model {
        id,
        tenant_id: id,
        parent_id: None,
        kind: OrganizationKind::Tenant,
        name: name.to_owned(),
        suspended_at: None,
        created_at: at,
        updated_at: at,
    }
}

fn a_client(parent: &organization::Model, name: &str) -> organization::Model {
    let at = now();
    organization::Model {
        id: new_id(),
        tenant_id: parent.tenant_id,
        parent_id: Some(parent.id),
        kind: OrganizationKind::Client,
        name: name.to_owned(),
        suspended_at: None,
        created_at: at,
        updated_at: at,
    }
}

fn a_site(org: &organization::Model, name: &str) -> site::Model {
    let at = now();
    site::Model {
        id: new_id(),
        tenant_id: org.tenant_id,
        organization_id: org.id,
        name: name.to_owned(),
        address: Some("1 Harbor St, Boston".to_owned()),
        timezone: Some("America/New_York".to_owned()),
        created_at: at,
        updated_at: at,
    }
}

fn a_device(
    tenant: &organization::Model,
    site: Option<&site::Model>,
    product: &particle_product::Model,
    shadow: Option<&shadow_customer::Model>,
    hex_id: &str,
) -> device::Model {
    let at = now();
    device::Model {
        id: hex_id.to_owned(),
        tenant_id: tenant.id,
        site_id: site.map(|s| s.id),
        product_id: product.id,
        shadow_customer_id: shadow.map(|s| s.id),
        name: format!("pump {}", &hex_id[20..]),
        serial_number: Some(format!("SN-{}", &hex_id[16..])),
        notes: None,
        online: true,
        firmware_version: Some("4.2.0".to_owned()),
        last_heard_at: Some(at),
        created_at: at,
        updated_at: at,
    }
}

fn a_group(tenant: &organization::Model, name: &str) -> group::Model {
    let at = now();
    group::Model {
        id: new_id(),
        tenant_id: tenant.id,
        organization_id: tenant.id,
        name: name.to_owned(),
        description: Some("Field technicians, east coast".to_owned()),
        created_at: at,
        updated_at: at,
    }
}

enum Subject<'a> {
    User(&'a user::Model),
    Group(&'a group::Model),
}

fn a_grant(
    tenant: &organization::Model,
    subject: Subject<'_>,
    scope_kind: GrantScopeKind,
    role_id: Uuid,
) -> grant::Model {
    let (subject_user_id, subject_group_id) = match subject {
        Subject::User(u) => (Some(u.id), None),
        Subject::Group(g) => (None, Some(g.id)),
    };
    grant::Model {
        id: new_id(),
        tenant_id: tenant.id,
        subject_user_id,
        subject_group_id,
        scope_kind,
        scope_device_id: None,
        scope_site_id: None,
        scope_organization_id: None,
        role_id,
        expires_at: None,
        created_by: None,
        created_at: now(),
    }
}

/// CustomerCoA with client ClientX, its Boston site, one pump there, a technician in a group.
struct Fleet {
    db: TestDb,
    tenant: organization::Model,
    client: organization::Model,
    site: site::Model,
    product: particle_product::Model,
    shadow: shadow_customer::Model,
    device: device::Model,
    user: user::Model,
    group: group::Model,
}

impl Fleet {
    fn conn(&self) -> &DatabaseConnection {
        &self.db.conn
    }
}

async fn fleet() -> anyhow::Result<Fleet> {
    let db = TestDb::migrated().await;
    let conn = &db.conn;
    let at = now();
    let tenant = a_tenant("CustomerCoA")
        .into_active_model()
        .insert(conn)
        .await?;
    let client = a_client(&tenant, "ClientX")
        .into_active_model()
        .insert(conn)
        .await?;
    let site = a_site(&client, "ClientX Boston")
        .into_active_model()
        .insert(conn)
        .await?;
    let product = particle_product::Model {
        id: new_id(),
        particle_id: 31_337,
        slug: Some("pump-controller-v2".to_owned()),
        name: "Pump Controller".to_owned(),
        platform_id: Some(32),
        mode: ProductMode::ShadowCustomer,
        api_base_url: None,
        oauth_client_id: "pump-controller-2001".to_owned(),
        oauth_client_secret_enc: "v1:nonce:ciphertext".to_owned(),
        webhook_secret_hash: None,
        family_id: None,
        created_at: at,
        updated_at: at,
    }
    .into_active_model()
    .insert(conn)
    .await?;
    let shadow = shadow_customer::Model {
        id: new_id(),
        tenant_id: tenant.id,
        product_id: product.id,
        customer_id: "fw-0192f1c4e8a37b6c".to_owned(),
        created_at: at,
    }
    .into_active_model()
    .insert(conn)
    .await?;
    let device = a_device(
        &tenant,
        Some(&site),
        &product,
        Some(&shadow),
        "e00fce68ae40ab11c2d3e4f5",
    )
    .into_active_model()
    .insert(conn)
    .await?;
    let user = a_user("Tech.One@Example.com")
        .into_active_model()
        .insert(conn)
        .await?;
    let group = a_group(&tenant, "East technicians")
        .into_active_model()
        .insert(conn)
        .await?;
    group_member::Model {
        group_id: group.id,
        user_id: user.id,
        created_at: at,
    }
    .into_active_model()
    .insert(conn)
    .await?;
    Ok(Fleet {
        db,
        tenant,
        client,
        site,
        product,
        shadow,
        device,
        user,
        group,
    })
}

// --- round trips -------------------------------------------------------------------------------

#[tokio::test]
async fn a_tenant_tree_with_a_client_organization_and_a_site_reads_back() -> anyhow::Result<()> {
    // Arrange
    let f = fleet().await?;

    // Act
    let tenant = organization::Entity::find_by_id(f.tenant.id)
        .one(f.conn())
        .await?;
    let children = organization::Entity::find()
        .filter(organization::COLUMN.parent_id.eq(f.tenant.id))
        .all(f.conn())
        .await?;
    let sites = f.client.find_related(site::Entity).all(f.conn()).await?;

    // Assert
    assert_eq!(tenant.as_ref(), Some(&f.tenant));
    assert_eq!(f.tenant.tenant_id, f.tenant.id, "a root is its own tenant");
    assert_eq!(children, vec![f.client.clone()]);
    assert_eq!(children[0].tenant_id, f.tenant.id);
    assert_eq!(sites, vec![f.site.clone()]);
    Ok(())
}

#[tokio::test]
async fn two_tenants_may_each_have_a_client_with_the_same_name_but_one_tenant_may_not()
-> anyhow::Result<()> {
    // Arrange
    let f = fleet().await?;
    let other = a_tenant("CustomerCoB")
        .into_active_model()
        .insert(f.conn())
        .await?;

    // Act
    let elsewhere = a_client(&other, "ClientX")
        .into_active_model()
        .insert(f.conn())
        .await;
    let twice = a_client(&f.tenant, "ClientX")
        .into_active_model()
        .insert(f.conn())
        .await;

    // Assert
    assert!(elsewhere.is_ok(), "{elsewhere:?}");
    assert_unique_violation(refused(twice));
    Ok(())
}

#[tokio::test]
async fn a_device_at_a_site_reads_back_with_its_product_catalog_and_events() -> anyhow::Result<()> {
    // Arrange
    let f = fleet().await?;
    let at = now();
    let entry = catalog_entry::Model {
        id: new_id(),
        product_id: f.product.id,
        kind: CatalogKind::Function,
        name: "setPressure".to_owned(),
        action: "device.function.call".to_owned(),
        description: Some("Target pressure in bar".to_owned()),
        label: Some("Set pressure".to_owned()),
        argument: Some(
            serde_json::json!({"kind": "number", "unit": "bar", "min": 0.0, "max": 10.0}),
        ),
        confirm: false,
        created_at: at,
    };
    let variable = catalog_entry::Model {
        id: new_id(),
        kind: CatalogKind::Variable,
        name: "pressure".to_owned(),
        action: "device.variable.read".to_owned(),
        description: None,
        ..entry.clone()
    };
    let event = device_event::Model {
        id: new_id(),
        device_id: f.device.id.clone(),
        tenant_id: f.tenant.id,
        name: "pump/pressure".to_owned(),
        data: Some("4.2".to_owned()),
        value: Some(4.2),
        published_at: at - Duration::seconds(2),
        received_at: at,
        event_key: Some("0123456789abcdef0123456789abcdef".to_owned()),
    };

    // Act
    entry.clone().into_active_model().insert(f.conn()).await?;
    variable
        .clone()
        .into_active_model()
        .insert(f.conn())
        .await?;
    event.clone().into_active_model().insert(f.conn()).await?;
    let device = device::Entity::find_by_id(f.device.id.clone())
        .one(f.conn())
        .await?;
    let at_site = f.site.find_related(device::Entity).all(f.conn()).await?;
    let catalog = f
        .product
        .find_related(catalog_entry::Entity)
        .order_by_asc(catalog_entry::COLUMN.name)
        .all(f.conn())
        .await?;
    let shadow = f
        .device
        .find_related(shadow_customer::Entity)
        .one(f.conn())
        .await?;
    let events = f
        .device
        .find_related(device_event::Entity)
        .all(f.conn())
        .await?;

    // Assert
    assert_eq!(device.as_ref(), Some(&f.device));
    assert_eq!(at_site, vec![f.device.clone()]);
    assert_eq!(catalog, vec![variable, entry]);
    assert_eq!(shadow, Some(f.shadow.clone()));
    assert_eq!(events, vec![event]);
    Ok(())
}

#[tokio::test]
async fn a_catalog_lists_each_function_name_once_per_product() -> anyhow::Result<()> {
    // Arrange
    let f = fleet().await?;
    let entry = catalog_entry::Model {
        id: new_id(),
        product_id: f.product.id,
        kind: CatalogKind::Function,
        name: "reset".to_owned(),
        action: "device.function.call.reset".to_owned(),
        description: None,
        label: None,
        argument: None,
        confirm: true,
        created_at: now(),
    };
    entry.clone().into_active_model().insert(f.conn()).await?;

    // Act
    let again = catalog_entry::Model {
        id: new_id(),
        ..entry
    }
    .into_active_model()
    .insert(f.conn());

    // Assert
    assert_unique_violation(refused(again.await));
    Ok(())
}

#[tokio::test]
async fn a_group_reads_back_with_its_members() -> anyhow::Result<()> {
    // Arrange
    let f = fleet().await?;
    let second = a_user("tech.two@example.com")
        .into_active_model()
        .insert(f.conn())
        .await?;
    group_member::Model {
        group_id: f.group.id,
        user_id: second.id,
        created_at: now(),
    }
    .into_active_model()
    .insert(f.conn())
    .await?;

    // Act
    let group = group::Entity::find_by_id(f.group.id).one(f.conn()).await?;
    let members = f
        .group
        .find_related(user::Entity)
        .order_by_asc(user::COLUMN.email_lower)
        .all(f.conn())
        .await?;
    let groups_of_second = second.find_related(group::Entity).all(f.conn()).await?;

    // Assert
    assert_eq!(group.as_ref(), Some(&f.group));
    assert_eq!(members, vec![f.user.clone(), second]);
    assert_eq!(groups_of_second, vec![f.group.clone()]);
    Ok(())
}

#[tokio::test]
async fn grants_of_every_scope_kind_read_back_with_and_without_expiry() -> anyhow::Result<()> {
    // Arrange
    let f = fleet().await?;
    let admin = a_user("admin@customerco-a.example")
        .into_active_model()
        .insert(f.conn())
        .await?;
    let until = now() + Duration::days(30);
    let grants = vec![
        grant::Model {
            scope_device_id: Some(f.device.id.clone()),
            created_by: Some(admin.id),
            ..a_grant(
                &f.tenant,
                Subject::User(&f.user),
                GrantScopeKind::Device,
                role::OPERATOR_ID,
            )
        },
        grant::Model {
            scope_site_id: Some(f.site.id),
            expires_at: Some(until),
            ..a_grant(
                &f.tenant,
                Subject::Group(&f.group),
                GrantScopeKind::Site,
                role::VIEWER_ID,
            )
        },
        grant::Model {
            scope_organization_id: Some(f.client.id),
            expires_at: Some(until),
            ..a_grant(
                &f.tenant,
                Subject::User(&f.user),
                GrantScopeKind::Organization,
                role::MANAGER_ID,
            )
        },
        a_grant(
            &f.tenant,
            Subject::Group(&f.group),
            GrantScopeKind::Tenant,
            role::VIEWER_ID,
        ),
    ];

    // Act
    for g in &grants {
        g.clone().into_active_model().insert(f.conn()).await?;
    }
    let stored = grant::Entity::find()
        .filter(grant::COLUMN.tenant_id.eq(f.tenant.id))
        .order_by_asc(grant::COLUMN.id)
        .all(f.conn())
        .await?;
    let on_device = grant::Entity::find()
        .filter(grant::COLUMN.scope_device_id.eq(f.device.id.clone()))
        .one(f.conn())
        .await?;
    let device_role = match &on_device {
        Some(g) => g
            .find_related(role::Entity)
            .one(f.conn())
            .await?
            .map(|r| r.name),
        None => None,
    };
    let active_now = grant::Entity::find()
        .filter(grant::COLUMN.tenant_id.eq(f.tenant.id))
        .filter(
            Condition::any()
                .add(grant::COLUMN.expires_at.is_null())
                .add(grant::COLUMN.expires_at.gt(now() + Duration::days(31))),
        )
        .count(f.conn())
        .await?;

    // Assert
    let mut expected = grants;
    expected.sort_by_key(|g| g.id);
    assert_eq!(stored, expected);
    assert_eq!(device_role.as_deref(), Some("operator"));
    assert_eq!(
        active_now, 2,
        "only the two grants without expiry outlive 31 days"
    );
    Ok(())
}

#[tokio::test]
async fn memberships_and_invitations_read_back() -> anyhow::Result<()> {
    // Arrange
    let f = fleet().await?;
    let at = now();
    let membership = membership::Model {
        id: new_id(),
        user_id: f.user.id,
        organization_id: f.client.id,
        tenant_id: f.tenant.id,
        role: MembershipRole::Member,
        created_at: at,
    };
    let invitation = invitation::Model {
        id: new_id(),
        tenant_id: f.tenant.id,
        organization_id: f.client.id,
        email: "New.Hire@ClientX.example".to_owned(),
        email_lower: "new.hire@clientx.example".to_owned(),
        role: MembershipRole::Admin,
        token_hash: "a".repeat(64),
        invited_by: Some(f.user.id),
        created_at: at,
        expires_at: at + Duration::days(7),
        accepted_at: None,
        accepted_user_id: None,
        revoked_at: None,
    };

    // Act
    membership
        .clone()
        .into_active_model()
        .insert(f.conn())
        .await?;
    invitation
        .clone()
        .into_active_model()
        .insert(f.conn())
        .await?;
    let members_of_client = membership::Entity::find()
        .filter(membership::COLUMN.organization_id.eq(f.client.id))
        .all(f.conn())
        .await?;
    let pending = invitation::Entity::find()
        .filter(
            invitation::COLUMN
                .email_lower
                .eq("new.hire@clientx.example"),
        )
        .all(f.conn())
        .await?;
    let twice = membership::Model {
        id: new_id(),
        ..membership.clone()
    }
    .into_active_model()
    .insert(f.conn())
    .await;

    // Assert
    assert_eq!(members_of_client, vec![membership]);
    assert_eq!(pending, vec![invitation]);
    assert_unique_violation(refused(twice));
    Ok(())
}

#[tokio::test]
async fn sessions_api_tokens_reset_tokens_and_login_throttles_read_back() -> anyhow::Result<()> {
    // Arrange
    let f = fleet().await?;
    let at = now();
    let session = session::Model {
        id: new_id(),
        user_id: f.user.id,
        token_hash: "1".repeat(64),
        csrf_token_hash: "2".repeat(64),
        created_at: at,
        last_seen_at: at,
        expires_at: at + Duration::hours(12),
        revoked_at: None,
        user_agent: Some("Mozilla/5.0".to_owned()),
        ip: Some("2001:db8::1".to_owned()),
    };
    let token = api_token::Model {
        id: new_id(),
        user_id: f.user.id,
        name: "CI".to_owned(),
        token_hash: "3".repeat(64),
        token_prefix: "fw_3f9a2c1b".to_owned(),
        created_at: at,
        expires_at: None,
        last_used_at: Some(at),
        revoked_at: None,
    };
    let reset = password_reset_token::Model {
        id: new_id(),
        user_id: f.user.id,
        token_hash: "4".repeat(64),
        created_at: at,
        expires_at: at + Duration::minutes(30),
        used_at: None,
    };
    let throttle = login_throttle::Model {
        key: "acct:tech.one@example.com".to_owned(),
        failures: 3,
        window_started_at: at - Duration::minutes(5),
        locked_until: Some(at + Duration::minutes(15)),
        updated_at: at,
    };

    // Act
    session.clone().into_active_model().insert(f.conn()).await?;
    token.clone().into_active_model().insert(f.conn()).await?;
    reset.clone().into_active_model().insert(f.conn()).await?;
    throttle
        .clone()
        .into_active_model()
        .insert(f.conn())
        .await?;
    let by_cookie = session::Entity::find_by_token_hash("1".repeat(64))
        .one(f.conn())
        .await?;
    let by_bearer = api_token::Entity::find_by_token_hash("3".repeat(64))
        .one(f.conn())
        .await?;
    let resets = f
        .user
        .find_related(password_reset_token::Entity)
        .all(f.conn())
        .await?;
    let locked = login_throttle::Entity::find_by_id(throttle.key.clone())
        .one(f.conn())
        .await?;
    let same_cookie = session::Model {
        id: new_id(),
        ..session.clone()
    }
    .into_active_model()
    .insert(f.conn())
    .await;

    // Assert
    assert_eq!(by_cookie, Some(session));
    assert_eq!(by_bearer, Some(token));
    assert_eq!(resets, vec![reset]);
    assert_eq!(locked, Some(throttle));
    assert_unique_violation(refused(same_cookie));
    Ok(())
}

#[tokio::test]
async fn audit_records_keep_json_before_and_after_and_outlive_their_actor() -> anyhow::Result<()> {
    // Arrange
    let f = fleet().await?;
    let record = audit_record::Model {
        id: new_id(),
        tenant_id: Some(f.tenant.id),
        organization_id: Some(f.tenant.id),
        actor_user_id: Some(f.user.id),
        actor_email: Some(f.user.email.clone()),
        action: "grant.create".to_owned(),
        target_kind: "device".to_owned(),
        target_id: Some(f.device.id.clone()),
        before: None,
        after: Some(serde_json::json!({
            "role": "operator",
            "expires_at": null,
            "scope": {"kind": "device", "ids": [f.device.id, 7, 4.25, true]},
            "note": "ünïcode \"quoted\"",
        })),
        request_id: Some("req-01J9".to_owned()),
        ip: Some("203.0.113.7".to_owned()),
        created_at: now(),
    };
    record.clone().into_active_model().insert(f.conn()).await?;

    // Act
    let read = audit_record::Entity::find_by_id(record.id)
        .one(f.conn())
        .await?;
    f.user.clone().delete(f.conn()).await?;
    let after_user_gone = audit_record::Entity::find()
        .filter(audit_record::COLUMN.actor_user_id.eq(f.user.id))
        .all(f.conn())
        .await?;

    // Assert
    assert_eq!(read, Some(record.clone()));
    assert_eq!(after_user_gone, vec![record]);
    Ok(())
}

#[tokio::test]
async fn plans_subscriptions_and_seat_usage_read_back() -> anyhow::Result<()> {
    // Arrange
    let f = fleet().await?;
    let at = now();
    let plan = plan::Model {
        id: new_id(),
        code: "team-25".to_owned(),
        name: "Team".to_owned(),
        included_seats: 25,
        monthly_price_cents: 49_900,
        extra_seat_price_cents: 1_500,
        currency: "USD".to_owned(),
        max_seats: Some(40),
        history_retention_days: Some(30),
        is_default: false,
        created_at: at,
        archived_at: None,
    };
    let subscription = subscription::Model {
        id: new_id(),
        tenant_id: f.tenant.id,
        plan_id: plan.id,
        starts_at: at - Duration::days(40),
        ends_at: None,
        created_at: at,
    };
    let period_start =
        NaiveDate::from_ymd_opt(2026, 11, 1).ok_or_else(|| anyhow::anyhow!("valid date"))?;
    let seat = seat_usage::Model {
        id: new_id(),
        tenant_id: f.tenant.id,
        user_id: f.user.id,
        period_start,
        first_seen_at: at - Duration::days(3),
        last_seen_at: at,
    };

    // Act
    plan.clone().into_active_model().insert(f.conn()).await?;
    subscription
        .clone()
        .into_active_model()
        .insert(f.conn())
        .await?;
    seat.clone().into_active_model().insert(f.conn()).await?;
    let plan_read = plan::Entity::find_by_code("team-25").one(f.conn()).await?;
    let current = subscription::Entity::find()
        .filter(subscription::COLUMN.tenant_id.eq(f.tenant.id))
        .order_by_desc(subscription::COLUMN.starts_at)
        .one(f.conn())
        .await?;
    let seats = seat_usage::Entity::find()
        .filter(seat_usage::COLUMN.tenant_id.eq(f.tenant.id))
        .filter(seat_usage::COLUMN.period_start.eq(period_start))
        .all(f.conn())
        .await?;
    let seat_twice = seat_usage::Model {
        id: new_id(),
        ..seat.clone()
    }
    .into_active_model()
    .insert(f.conn());
    let seat_twice = seat_twice.await;
    let plan_in_use = plan.clone().delete(f.conn()).await;

    // Assert
    assert_eq!(plan_read, Some(plan));
    assert_eq!(current, Some(subscription));
    assert_eq!(seats, vec![seat]);
    assert_unique_violation(refused(seat_twice));
    assert_foreign_key_violation(refused(plan_in_use));
    Ok(())
}

#[tokio::test]
async fn a_custom_role_and_its_casbin_rules_read_back() -> anyhow::Result<()> {
    // Arrange
    let f = fleet().await?;
    let at = now();
    let custom = role::Model {
        id: new_id(),
        tenant_id: Some(f.tenant.id),
        name: "pressure-tuner".to_owned(),
        description: Some("May only set the pressure".to_owned()),
        builtin: false,
        created_at: at,
        updated_at: at,
    };
    let tenant_domain = f.tenant.id.to_string();
    let rule = casbin_rule::ActiveModel {
        id: NotSet,
        ptype: Set("p".to_owned()),
        v0: Set("pressure-tuner".to_owned()),
        v1: Set(tenant_domain.clone()),
        v2: Set("device.function.call".to_owned()),
        v3: Set(String::new()),
        v4: Set(String::new()),
        v5: Set(String::new()),
    };

    // Act
    custom.clone().into_active_model().insert(f.conn()).await?;
    let inserted = rule.insert(f.conn()).await?;
    let roles_of_tenant = role::Entity::find()
        .filter(role::COLUMN.tenant_id.eq(f.tenant.id))
        .all(f.conn())
        .await?;
    let rules = casbin_rule::Entity::find()
        .filter(casbin_rule::COLUMN.ptype.eq("p"))
        .filter(casbin_rule::COLUMN.v1.eq(tenant_domain.clone()))
        .all(f.conn())
        .await?;
    let shadowing_builtin = role::Model {
        id: new_id(),
        tenant_id: Some(f.tenant.id),
        name: "pressure-tuner".to_owned(),
        ..custom.clone()
    }
    .into_active_model()
    .insert(f.conn())
    .await;

    // Assert
    assert_eq!(roles_of_tenant, vec![custom]);
    assert!(inserted.id > 0);
    assert_eq!(rules, vec![inserted.clone()]);
    assert_eq!((inserted.v1, inserted.v3), (tenant_domain, String::new()));
    assert_unique_violation(refused(shadowing_builtin));
    Ok(())
}

#[tokio::test]
async fn a_second_builtin_role_with_an_existing_name_is_refused() -> anyhow::Result<()> {
    // Arrange
    let db = TestDb::migrated().await;
    let at = now();
    let duplicate = role::Model {
        id: new_id(),
        tenant_id: None,
        name: "viewer".to_owned(),
        description: None,
        builtin: true,
        created_at: at,
        updated_at: at,
    };

    // Act
    let result = duplicate.into_active_model().insert(&db.conn).await;

    // Assert
    assert_unique_violation(refused(result));
    Ok(())
}

// --- constraints ----------------------------------------------------------------------------------

#[tokio::test]
async fn a_second_user_whose_email_differs_only_in_case_is_refused() -> anyhow::Result<()> {
    // Arrange
    let db = TestDb::migrated().await;
    a_user("Alice@Example.com")
        .into_active_model()
        .insert(&db.conn)
        .await?;

    // Act
    let result = a_user("aLICE@example.COM")
        .into_active_model()
        .insert(&db.conn)
        .await;

    // Assert
    assert_unique_violation(refused(result));
    Ok(())
}

#[tokio::test]
async fn a_grant_naming_an_unknown_user_is_refused() -> anyhow::Result<()> {
    // Arrange
    let f = fleet().await?;
    let stranger = a_user("nobody@example.com");

    // Act
    let result = a_grant(
        &f.tenant,
        Subject::User(&stranger),
        GrantScopeKind::Tenant,
        role::VIEWER_ID,
    )
    .into_active_model()
    .insert(f.conn())
    .await;

    // Assert
    assert_foreign_key_violation(refused(result));
    Ok(())
}

#[rstest]
#[case::both_a_user_and_a_group(true, true)]
#[case::neither_a_user_nor_a_group(false, false)]
#[tokio::test]
async fn a_grant_must_name_exactly_one_subject(
    #[case] with_user: bool,
    #[case] with_group: bool,
) -> anyhow::Result<()> {
    // Arrange
    let f = fleet().await?;
    let g = grant::Model {
        subject_user_id: with_user.then_some(f.user.id),
        subject_group_id: with_group.then_some(f.group.id),
        ..a_grant(
            &f.tenant,
            Subject::User(&f.user),
            GrantScopeKind::Tenant,
            role::VIEWER_ID,
        )
    };

    // Act
    let result = g.into_active_model().insert(f.conn()).await;

    // Assert
    let err = refused(result);
    assert!(err.to_string().contains("ck_grants_one_subject"), "{err}");
    Ok(())
}

#[tokio::test]
async fn deleting_a_user_removes_their_sessions_tokens_group_memberships_and_grants()
-> anyhow::Result<()> {
    // Arrange
    let f = fleet().await?;
    let at = now();
    let colleague = a_user("colleague@example.com")
        .into_active_model()
        .insert(f.conn())
        .await?;
    session::Model {
        id: new_id(),
        user_id: f.user.id,
        token_hash: "5".repeat(64),
        csrf_token_hash: "6".repeat(64),
        created_at: at,
        last_seen_at: at,
        expires_at: at + Duration::hours(1),
        revoked_at: None,
        user_agent: None,
        ip: None,
    }
    .into_active_model()
    .insert(f.conn())
    .await?;
    api_token::Model {
        id: new_id(),
        user_id: f.user.id,
        name: "laptop".to_owned(),
        token_hash: "7".repeat(64),
        token_prefix: "fw_7777".to_owned(),
        created_at: at,
        expires_at: None,
        last_used_at: None,
        revoked_at: None,
    }
    .into_active_model()
    .insert(f.conn())
    .await?;
    let own = grant::Model {
        scope_device_id: Some(f.device.id.clone()),
        created_by: Some(f.user.id),
        ..a_grant(
            &f.tenant,
            Subject::User(&f.user),
            GrantScopeKind::Device,
            role::OPERATOR_ID,
        )
    };
    own.into_active_model().insert(f.conn()).await?;
    let given = grant::Model {
        created_by: Some(f.user.id),
        ..a_grant(
            &f.tenant,
            Subject::User(&colleague),
            GrantScopeKind::Tenant,
            role::VIEWER_ID,
        )
    };
    given.clone().into_active_model().insert(f.conn()).await?;

    // Act
    f.user.clone().delete(f.conn()).await?;

    // Assert
    let sessions = session::Entity::find().filter(session::COLUMN.user_id.eq(f.user.id));
    let tokens = api_token::Entity::find().filter(api_token::COLUMN.user_id.eq(f.user.id));
    let in_groups = group_member::Entity::find().filter(group_member::COLUMN.user_id.eq(f.user.id));
    let grants = grant::Entity::find().filter(grant::COLUMN.subject_user_id.eq(f.user.id));
    assert_eq!(sessions.count(f.conn()).await?, 0);
    assert_eq!(tokens.count(f.conn()).await?, 0);
    assert_eq!(in_groups.count(f.conn()).await?, 0);
    assert_eq!(grants.count(f.conn()).await?, 0);
    let kept = grant::Entity::find_by_id(given.id).one(f.conn()).await?;
    assert_eq!(
        kept,
        Some(grant::Model {
            created_by: None,
            ..given
        }),
        "its grants to others stay"
    );
    assert_eq!(
        group::Entity::find_by_id(f.group.id)
            .count(f.conn())
            .await?,
        1
    );
    Ok(())
}

#[tokio::test]
async fn deleting_a_site_leaves_its_devices_unplaced() -> anyhow::Result<()> {
    // Arrange
    let f = fleet().await?;
    let site_grant = grant::Model {
        scope_site_id: Some(f.site.id),
        ..a_grant(
            &f.tenant,
            Subject::Group(&f.group),
            GrantScopeKind::Site,
            role::VIEWER_ID,
        )
    };
    site_grant
        .clone()
        .into_active_model()
        .insert(f.conn())
        .await?;

    // Act
    f.site.clone().delete(f.conn()).await?;

    // Assert
    let device = device::Entity::find_by_id(f.device.id.clone())
        .one(f.conn())
        .await?;
    assert_eq!(
        device,
        Some(device::Model {
            site_id: None,
            ..f.device.clone()
        })
    );
    assert_eq!(
        grant::Entity::find_by_id(site_grant.id)
            .one(f.conn())
            .await?,
        None
    );
    Ok(())
}

#[tokio::test]
async fn deleting_a_tenant_root_removes_its_whole_subtree() -> anyhow::Result<()> {
    // Arrange
    let f = fleet().await?;
    let grandchild = a_client(&f.client, "ClientX Facilities").into_active_model();
    let grandchild = grandchild.insert(f.conn()).await?;
    membership::Model {
        id: new_id(),
        user_id: f.user.id,
        organization_id: grandchild.id,
        tenant_id: f.tenant.id,
        role: MembershipRole::Admin,
        created_at: now(),
    }
    .into_active_model()
    .insert(f.conn())
    .await?;
    let other = a_tenant("CustomerCoB")
        .into_active_model()
        .insert(f.conn())
        .await?;
    // A tenant that still owns devices can't go; the operator transfers them first.
    f.device.clone().delete(f.conn()).await?;

    // Act
    f.tenant.clone().delete(f.conn()).await?;

    // Assert
    let orgs = organization::Entity::find().all(f.conn()).await?;
    assert_eq!(orgs, vec![other]);
    assert_eq!(site::Entity::find().count(f.conn()).await?, 0);
    assert_eq!(group::Entity::find().count(f.conn()).await?, 0);
    assert_eq!(group_member::Entity::find().count(f.conn()).await?, 0);
    assert_eq!(membership::Entity::find().count(f.conn()).await?, 0);
    assert_eq!(shadow_customer::Entity::find().count(f.conn()).await?, 0);
    assert_eq!(
        user::Entity::find().count(f.conn()).await?,
        1,
        "people outlive tenants"
    );
    assert_eq!(particle_product::Entity::find().count(f.conn()).await?, 1);
    Ok(())
}

#[tokio::test]
async fn a_tenant_that_still_owns_devices_cannot_be_deleted() -> anyhow::Result<()> {
    // Arrange
    let f = fleet().await?;

    // Act
    let result = f.tenant.clone().delete(f.conn()).await;

    // Assert
    assert_foreign_key_violation(refused(result));
    assert_eq!(organization::Entity::find().count(f.conn()).await?, 2);
    Ok(())
}

#[tokio::test]
async fn deleting_an_organization_that_still_has_children_is_refused() -> anyhow::Result<()> {
    // Arrange
    let f = fleet().await?;
    a_client(&f.client, "ClientX Facilities")
        .into_active_model()
        .insert(f.conn())
        .await?;

    // Act
    let result = f.client.clone().delete(f.conn()).await;

    // Assert
    assert_foreign_key_violation(refused(result));
    Ok(())
}

#[tokio::test]
async fn deleting_a_role_in_use_by_a_grant_is_refused() -> anyhow::Result<()> {
    // Arrange
    let f = fleet().await?;
    let at = now();
    let custom = role::Model {
        id: new_id(),
        tenant_id: Some(f.tenant.id),
        name: "night-shift".to_owned(),
        description: None,
        builtin: false,
        created_at: at,
        updated_at: at,
    }
    .into_active_model()
    .insert(f.conn())
    .await?;
    a_grant(
        &f.tenant,
        Subject::Group(&f.group),
        GrantScopeKind::Tenant,
        custom.id,
    )
    .into_active_model()
    .insert(f.conn())
    .await?;

    // Act
    let result = custom.clone().delete(f.conn()).await;

    // Assert
    assert_foreign_key_violation(refused(result));
    assert_eq!(
        role::Entity::find_by_id(custom.id).one(f.conn()).await?,
        Some(custom)
    );
    Ok(())
}

#[tokio::test]
async fn a_device_event_keeps_the_tenant_that_owned_the_device_when_it_happened()
-> anyhow::Result<()> {
    // Arrange
    let f = fleet().await?;
    let at = now();
    let event = device_event::Model {
        id: new_id(),
        device_id: f.device.id.clone(),
        tenant_id: f.tenant.id,
        name: "pump/start".to_owned(),
        data: None,
        value: None,
        published_at: at,
        received_at: at,
        event_key: None,
    };
    event.clone().into_active_model().insert(f.conn()).await?;
    let buyer = a_tenant("CustomerCoB")
        .into_active_model()
        .insert(f.conn())
        .await?;

    // Act
    let mut moved = f.device.clone().into_active_model();
    moved.tenant_id = Set(buyer.id);
    moved.site_id = Set(None);
    moved.shadow_customer_id = Set(None);
    moved.update(f.conn()).await?;

    // Assert
    let buyer_history = device_event::Entity::find()
        .filter(device_event::COLUMN.tenant_id.eq(buyer.id))
        .count(f.conn())
        .await?;
    let seller_history = device_event::Entity::find()
        .filter(device_event::COLUMN.tenant_id.eq(f.tenant.id))
        .all(f.conn())
        .await?;
    assert_eq!(buyer_history, 0);
    assert_eq!(seller_history, vec![event]);
    Ok(())
}

#[tokio::test]
async fn deleting_a_tenant_removes_its_custom_roles_together_with_the_grants_using_them()
-> anyhow::Result<()> {
    // Arrange
    let f = fleet().await?;
    let at = now();
    let custom = role::Model {
        id: new_id(),
        tenant_id: Some(f.tenant.id),
        name: "night-shift".to_owned(),
        description: None,
        builtin: false,
        created_at: at,
        updated_at: at,
    }
    .into_active_model()
    .insert(f.conn())
    .await?;
    a_grant(
        &f.tenant,
        Subject::User(&f.user),
        GrantScopeKind::Tenant,
        custom.id,
    )
    .into_active_model()
    .insert(f.conn())
    .await?;
    f.device.clone().delete(f.conn()).await?;

    // Act
    f.tenant.clone().delete(f.conn()).await?;

    // Assert
    assert_eq!(grant::Entity::find().count(f.conn()).await?, 0);
    let roles = role::Entity::find()
        .order_by_asc(role::COLUMN.id)
        .all(f.conn())
        .await?;
    let names: Vec<_> = roles.into_iter().map(|r| r.name).collect();
    assert_eq!(names, ["viewer", "operator", "manager"]);
    Ok(())
}

#[tokio::test]
async fn seat_spans_and_invoices_read_back_and_a_period_is_invoiced_once() -> anyhow::Result<()> {
    // Arrange
    let f = fleet().await?;
    let at = now();
    let span = seat_span::Model {
        id: new_id(),
        tenant_id: f.tenant.id,
        user_id: f.user.id,
        source_kind: seat_span::MEMBERSHIP.to_owned(),
        source_id: new_id(),
        starts_at: at - Duration::days(3),
        ends_at: Some(at),
    };
    let period_start =
        NaiveDate::from_ymd_opt(2026, 11, 1).ok_or_else(|| anyhow::anyhow!("valid date"))?;
    let issued = invoice::Model {
        id: new_id(),
        tenant_id: f.tenant.id,
        period_start,
        number: "FW-2026-11-000001".to_owned(),
        currency: "USD".to_owned(),
        total_minor: 52_900,
        lines: serde_json::json!([{"description": "Team", "quantity": "30", "amount_minor": 49_900}]),
        issued_at: at,
    };

    // Act
    span.clone().into_active_model().insert(f.conn()).await?;
    issued.clone().into_active_model().insert(f.conn()).await?;
    let again = invoice::Model {
        id: new_id(),
        number: "FW-2026-11-000002".to_owned(),
        ..issued.clone()
    };
    let second = refused(again.into_active_model().insert(f.conn()).await);

    // Assert
    assert_eq!(
        seat_span::Entity::find_by_id(span.id).one(f.conn()).await?,
        Some(span)
    );
    assert_eq!(
        invoice::Entity::find_by_id(issued.id).one(f.conn()).await?,
        Some(issued)
    );
    assert_unique_violation(second);
    Ok(())
}
