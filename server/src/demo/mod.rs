//! The embedded default's demo fleet: with no Particle settings the server runs the simulated
//! cloud in-process and, on an empty database, seeds CustomerCoA with its clients ClientX
//! (Boston) and ClientY (Chicago), 40 pump controllers, groups, grants and people whose
//! passwords are printed once. On later starts only the product's credentials are refreshed,
//! since each simulator run mints new ones. Rows are built by `store`, and every change goes
//! through the change log like any other, so instances already running see it.
use chrono::Utc;
use entity::enums::{CatalogKind, MembershipRole, OrganizationKind, ProductMode};
use entity::{organization, particle_product};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::access::{GrantRecord, Scope, Subject};
use crate::changes::{Change, Writer};
use crate::domain::actions::{self, Action};
use crate::domain::email::Email;
use crate::domain::password::{self, HashParams};
use crate::domain::secrets;
use crate::particle::secret_box::SecretBox;
use crate::particle::simulator::{SimProduct, SimulatorHandle};
use crate::store;

mod simple_auth;

pub use simple_auth::{DEMO_CUSTOMER, DEMO_CUSTOMER_PASSWORD, simple_auth_family};

/// What a catalog entry asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// A built-in action.
    Builtin(Action),
    /// The function's own action, `device.function.call.<name>`.
    Own,
}

impl Needs {
    /// The action's name for the entry `name`.
    pub fn action(self, name: &str) -> String {
        match self {
            Needs::Builtin(action) => action.as_str().to_owned(),
            Needs::Own => actions::function_action(name),
        }
    }
}

/// Calling a function, as operators may.
const CALL: Needs = Needs::Builtin(Action::DeviceFunctionCall);
/// Reading a variable.
const READ: Needs = Needs::Builtin(Action::DeviceVariableRead);

/// The pump controller's function catalog: (kind, name, action). `reset` asks for its own
/// action, so managers (and custom roles that list it) may reset but operators may not.
pub const PUMP_CATALOG: [(CatalogKind, &str, Needs); 8] = [
    (CatalogKind::Function, "setPressure", CALL),
    (CatalogKind::Function, "start", CALL),
    (CatalogKind::Function, "stop", CALL),
    (CatalogKind::Function, "reset", Needs::Own),
    (CatalogKind::Variable, "pressure", READ),
    (CatalogKind::Variable, "flow", READ),
    (CatalogKind::Variable, "running", READ),
    (CatalogKind::Variable, "firmware", READ),
];

/// How the pump's functions and variables are shown: a label, a function's argument (as the
/// API's `ArgumentSpec`) and whether calling it needs a confirmation.
fn pump_control(name: &str) -> (&'static str, Option<serde_json::Value>, bool) {
    use serde_json::json;
    let button = Some(json!({"kind": "none"}));
    match name {
        "setPressure" => (
            "Set pressure",
            Some(json!({"kind": "number", "unit": "bar", "min": 0.0, "max": 10.0})),
            false,
        ),
        "start" => ("Start", button, false),
        "stop" => ("Stop", button, false),
        "reset" => ("Reset", button, true),
        "pressure" => ("Pressure (bar)", None, false),
        "flow" => ("Flow (l/min)", None, false),
        "running" => ("Running", None, false),
        _ => ("Firmware", None, false),
    }
}

/// Registers (or refreshes) the simulator's product and its catalog; returns the product id.
///
/// # Errors
/// Database failures.
pub async fn register_product(
    writer: &Writer,
    sim: &SimulatorHandle,
    secrets: &SecretBox,
) -> anyhow::Result<Uuid> {
    let product = SimProduct {
        id: sim.product_id,
        slug: sim.product_slug.clone(),
        client_id: sim.client_id.clone(),
        client_secret: sim.client_secret.clone(),
        devices: Vec::new(),
    };
    register(writer, &sim.base_url, &product, "Pump controller", secrets).await
}

/// Registers (or refreshes the credentials of) one product of the simulated cloud at
/// `base_url`, with the pump controller's catalog; returns its id.
///
/// # Errors
/// Database failures.
pub async fn register(
    writer: &Writer,
    base_url: &str,
    sim: &SimProduct,
    name: &str,
    secrets: &SecretBox,
) -> anyhow::Result<Uuid> {
    let now = Utc::now();
    let sealed = secrets.seal(&sim.client_secret)?;
    let mut txn = writer.begin().await?;
    let db = &*txn;
    let existing = particle_product::Entity::find()
        .filter(particle_product::Column::ParticleId.eq(sim.id))
        .one(db)
        .await?;
    let actions = PUMP_CATALOG
        .iter()
        .map(|(_, name, needs)| needs.action(name))
        .collect();
    if let Some(p) = existing {
        let id = p.id;
        let url = Some(base_url.to_owned());
        store::products::set_credentials(db, p, sim.client_id.clone(), sealed, url, now).await?;
        txn.change(Change::Product { id, actions });
        txn.commit().await?;
        return Ok(id);
    }
    let new = store::products::NewProduct {
        particle_id: sim.id,
        slug: Some(sim.slug.clone()),
        name: name.into(),
        platform_id: Some(32),
        mode: ProductMode::ProductToken,
        api_base_url: Some(base_url.to_owned()),
        oauth_client_id: sim.client_id.clone(),
        oauth_client_secret_enc: sealed,
    };
    let id = store::products::insert(db, new, now).await?.id;
    let catalog = PUMP_CATALOG
        .iter()
        .map(|(kind, name, needs)| {
            let (label, argument, confirm) = pump_control(name);
            store::products::NewCatalogEntry {
                kind: *kind,
                name: (*name).into(),
                action: needs.action(name),
                description: None,
                label: Some(label.to_owned()),
                argument,
                confirm,
            }
        })
        .collect();
    store::products::replace_catalog(db, id, catalog, now).await?;
    txn.change(Change::Product { id, actions });
    txn.commit().await?;
    Ok(id)
}

/// A demo person and the password printed for them.
pub struct DemoLogin {
    /// Email.
    pub email: String,
    /// What they do.
    pub role: &'static str,
    /// Their password (shown once).
    pub password: String,
}

/// Seeds the demo fleet when the database has no tenant yet; returns the logins to print.
///
/// # Errors
/// Database failures.
pub async fn seed(
    writer: &Writer,
    sim: &SimulatorHandle,
    product: Uuid,
    params: HashParams,
) -> anyhow::Result<Vec<DemoLogin>> {
    let now = Utc::now();
    let mut txn = writer.begin().await?;
    let tenants = organization::Entity::find()
        .filter(organization::Column::Kind.eq(OrganizationKind::Tenant))
        .count(&*txn)
        .await?;
    if tenants > 0 {
        return Ok(Vec::new());
    }
    let mut fleet = Seeding {
        changes: Vec::new(),
        now,
    };
    let coa = store::organizations::insert_tenant(&*txn, "CustomerCoA", now).await?;
    let x = store::organizations::insert_client(&*txn, coa.id, coa.id, "ClientX", now).await?;
    let y = store::organizations::insert_client(&*txn, coa.id, coa.id, "ClientY", now).await?;
    for org in [&coa, &x, &y] {
        fleet.changes.push(Change::Organization {
            id: org.id,
            tenant: org.tenant_id,
            parent: org.parent_id,
        });
    }
    let mut sites = Vec::new();
    for (org, name, tz) in [
        (&x, "ClientX Boston", "America/New_York"),
        (&y, "ClientY Chicago", "America/Chicago"),
        (&coa, "CustomerCoA Depot", "America/Chicago"),
    ] {
        let new = store::sites::NewSite {
            tenant: coa.id,
            organization: org.id,
            name,
            address: None,
            timezone: Some(tz.into()),
        };
        let s = store::sites::insert(&*txn, new, now).await?;
        fleet.changes.push(Change::Site {
            id: s.id,
            tenant: s.tenant_id,
            organization: s.organization_id,
        });
        sites.push(s.id);
    }
    for (i, id) in sim.devices.iter().enumerate() {
        let (site, name) = match i % 5 {
            0 | 1 => (sites[0], format!("Boston pump {:02}", i + 1)),
            2 | 3 => (sites[1], format!("Chicago pump {:02}", i + 1)),
            _ => (sites[2], format!("Depot pump {:02}", i + 1)),
        };
        let new = store::devices::NewDevice {
            id,
            tenant: coa.id,
            site: Some(site),
            product,
            shadow_customer: None,
            name: &name,
            seen: Some(store::devices::Seen {
                online: true,
                firmware_version: Some("1.0.1"),
                last_heard_at: Some(now),
            }),
        };
        let d = store::devices::insert(&*txn, new, now).await?;
        fleet
            .changes
            .push(Change::Device(crate::changes::rebuild::device_entry(&d)));
    }
    let people = [
        ("ops@fleetwarden.example", "platform admin", None, None),
        (
            "admin@customercoa.example",
            "CustomerCoA tenant admin",
            Some(&coa),
            Some(MembershipRole::Admin),
        ),
        (
            "boston.tech@customercoa.example",
            "technician, group Boston techs (operator on ClientX Boston)",
            Some(&coa),
            Some(MembershipRole::Member),
        ),
        (
            "chicago.tech@customercoa.example",
            "technician, group Chicago techs (operator on ClientY Chicago)",
            Some(&coa),
            Some(MembershipRole::Member),
        ),
        (
            "facilities@clientx.example",
            "ClientX staff (manager on ClientX)",
            Some(&x),
            Some(MembershipRole::Member),
        ),
    ];
    let mut logins = Vec::new();
    let mut ids = Vec::new();
    for (email, role, org, membership_role) in people {
        let pw = secrets::mint(secrets::Kind::Csrf)
            .secret
            .chars()
            .take(16)
            .collect::<String>();
        let address = Email::parse(email)?;
        let name = email.split('@').next().unwrap_or(email).replace('.', " ");
        let new = store::users::NewUser {
            email: &address,
            display_name: &name,
            password_hash: Some(password::hash(&pw, params)?),
            is_platform_admin: org.is_none(),
        };
        let user = store::users::insert(&*txn, new).await?;
        if org.is_none() {
            fleet.changes.push(Change::PlatformAdmin {
                user: user.id,
                admin: true,
            });
        }
        if let (Some(org), Some(m)) = (org, membership_role) {
            store::memberships::ensure(&*txn, user.id, org, m, now).await?;
            fleet.changes.push(Change::Membership {
                user: user.id,
                organization: org.id,
                member: true,
            });
            if m == MembershipRole::Admin {
                fleet.changes.push(Change::TenantAdmin {
                    user: user.id,
                    tenant: org.tenant_id,
                    admin: true,
                });
            }
        }
        ids.push(user.id);
        logins.push(DemoLogin {
            email: email.into(),
            role,
            password: pw,
        });
    }
    let by = ids[1];
    let boston_techs = fleet.group(&*txn, coa.id, "Boston techs", ids[2]).await?;
    let chicago_techs = fleet.group(&*txn, coa.id, "Chicago techs", ids[3]).await?;
    let operator = entity::role::OPERATOR_ID;
    fleet
        .grant(
            &*txn,
            coa.id,
            Subject::Group(boston_techs),
            Scope::Site(sites[0]),
            operator,
            by,
        )
        .await?;
    fleet
        .grant(
            &*txn,
            coa.id,
            Subject::Group(chicago_techs),
            Scope::Site(sites[1]),
            operator,
            by,
        )
        .await?;
    let manager = entity::role::MANAGER_ID;
    fleet
        .grant(
            &*txn,
            coa.id,
            Subject::User(ids[4]),
            Scope::Organization(x.id),
            manager,
            by,
        )
        .await?;
    store::seats::settle(&*txn, coa.id, None, now).await?;
    // Fewer included seats than the demo's people, so the bill shows an extra-seats line from
    // the first start; new tenants start on it too.
    let starter = store::billing::NewPlan {
        code: "starter",
        name: "Starter",
        included_seats: 2,
        monthly_price_minor: 4_900,
        extra_seat_price_minor: 1_200,
        currency: "USD",
        max_seats: None,
        history_retention_days: None,
    };
    let plan = store::billing::insert_plan(&*txn, starter, now).await?;
    store::billing::make_default(&*txn, plan.id).await?;
    store::billing::subscribe(&*txn, coa.id, plan.id, now).await?;
    txn.changes(fleet.changes);
    txn.commit().await?;
    Ok(logins)
}

/// The changes the seed made so far, for the change log.
struct Seeding {
    changes: Vec<Change>,
    now: chrono::DateTime<Utc>,
}

impl Seeding {
    /// A group with one member.
    async fn group(
        &mut self,
        db: &impl sea_orm::ConnectionTrait,
        tenant: Uuid,
        name: &str,
        member: Uuid,
    ) -> anyhow::Result<Uuid> {
        let g = store::groups::insert(db, tenant, tenant, name, None, self.now).await?;
        store::groups::add_member(db, g.id, member, self.now).await?;
        self.changes.push(Change::GroupMember {
            group: g.id,
            user: member,
            member: true,
        });
        Ok(g.id)
    }

    /// A grant without expiry.
    async fn grant(
        &mut self,
        db: &impl sea_orm::ConnectionTrait,
        tenant: Uuid,
        subject: Subject,
        scope: Scope,
        role: Uuid,
        by: Uuid,
    ) -> anyhow::Result<()> {
        let identity = store::grants::Identity::of(tenant, subject, &scope, role);
        let g = store::grants::insert(db, &identity, None, Some(by), self.now).await?;
        self.changes.push(Change::Grant(GrantRecord {
            id: g.id,
            tenant,
            subject,
            scope,
            role,
            expires_at: None,
        }));
        Ok(())
    }
}
