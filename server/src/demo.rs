//! The embedded default's demo fleet: with no Particle settings the server runs the simulated
//! cloud in-process and, on an empty database, seeds CustomerCoA with its clients ClientX
//! (Boston) and ClientY (Chicago), 40 pump controllers, groups, grants and people whose
//! passwords are printed once. On later starts only the product's credentials are refreshed,
//! since each simulator run mints new ones.
use chrono::Utc;
use entity::enums::{CatalogKind, GrantScopeKind, MembershipRole, OrganizationKind, ProductMode};
use entity::{
    catalog_entry, device, grant, group, group_member, membership, organization, particle_product,
    site, user,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    Set,
};
use uuid::Uuid;

use crate::domain::password::{self, HashParams};
use crate::domain::secrets;
use crate::particle::secret_box::SecretBox;
use crate::particle::simulator::SimulatorHandle;

/// The pump controller's function catalog: (kind, name, action). `reset` asks for its own
/// action, so managers (and custom roles that list it) may reset but operators may not.
pub const PUMP_CATALOG: [(CatalogKind, &str, &str); 8] = [
    (CatalogKind::Function, "setPressure", "device.function.call"),
    (CatalogKind::Function, "start", "device.function.call"),
    (CatalogKind::Function, "stop", "device.function.call"),
    (CatalogKind::Function, "reset", "device.function.call.reset"),
    (CatalogKind::Variable, "pressure", "device.variable.read"),
    (CatalogKind::Variable, "flow", "device.variable.read"),
    (CatalogKind::Variable, "running", "device.variable.read"),
    (CatalogKind::Variable, "firmware", "device.variable.read"),
];

/// Registers (or refreshes) the simulator's product and its catalog; returns the product id.
///
/// # Errors
/// Database failures.
pub async fn register_product(
    db: &DatabaseConnection,
    sim: &SimulatorHandle,
    secrets: &SecretBox,
) -> anyhow::Result<Uuid> {
    let now = Utc::now();
    let sealed = secrets.seal(&sim.client_secret)?;
    let existing = particle_product::Entity::find()
        .filter(particle_product::Column::ParticleId.eq(sim.product_id))
        .one(db)
        .await?;
    if let Some(p) = existing {
        let mut model: particle_product::ActiveModel = p.clone().into();
        model.oauth_client_id = Set(sim.client_id.clone());
        model.oauth_client_secret_enc = Set(sealed);
        model.api_base_url = Set(Some(sim.base_url.clone()));
        model.updated_at = Set(now);
        model.update(db).await?;
        return Ok(p.id);
    }
    let id = Uuid::now_v7();
    particle_product::ActiveModel {
        id: Set(id),
        particle_id: Set(sim.product_id),
        slug: Set(Some(sim.product_slug.clone())),
        name: Set("Pump controller".into()),
        platform_id: Set(Some(32)),
        mode: Set(ProductMode::ProductToken),
        api_base_url: Set(Some(sim.base_url.clone())),
        oauth_client_id: Set(sim.client_id.clone()),
        oauth_client_secret_enc: Set(sealed),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    for (kind, name, action) in PUMP_CATALOG {
        catalog_entry::ActiveModel {
            id: Set(Uuid::now_v7()),
            product_id: Set(id),
            kind: Set(kind),
            name: Set(name.into()),
            action: Set(action.into()),
            description: Set(None),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
    }
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
    db: &DatabaseConnection,
    sim: &SimulatorHandle,
    product: Uuid,
    params: HashParams,
) -> anyhow::Result<Vec<DemoLogin>> {
    let tenants = organization::Entity::find()
        .filter(organization::Column::Kind.eq(OrganizationKind::Tenant))
        .count(db)
        .await?;
    if tenants > 0 {
        return Ok(Vec::new());
    }
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let org =
        |id: Uuid, tenant: Uuid, parent: Option<Uuid>, name: &str| organization::ActiveModel {
            id: Set(id),
            tenant_id: Set(tenant),
            parent_id: Set(parent),
            kind: Set(if parent.is_some() {
                OrganizationKind::Client
            } else {
                OrganizationKind::Tenant
            }),
            name: Set(name.into()),
            suspended_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        };
    let (coa, x, y) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    org(coa, coa, None, "CustomerCoA").insert(&txn).await?;
    org(x, coa, Some(coa), "ClientX").insert(&txn).await?;
    org(y, coa, Some(coa), "ClientY").insert(&txn).await?;
    let mut sites = Vec::new();
    for (org_id, name, tz) in [
        (x, "ClientX Boston", "America/New_York"),
        (y, "ClientY Chicago", "America/Chicago"),
        (coa, "CustomerCoA Depot", "America/Chicago"),
    ] {
        let s = site::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(coa),
            organization_id: Set(org_id),
            name: Set(name.into()),
            address: Set(None),
            timezone: Set(Some(tz.into())),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        sites.push(s.id);
    }
    for (i, id) in sim.devices.iter().enumerate() {
        let (site, name) = match i % 5 {
            0 | 1 => (sites[0], format!("Boston pump {:02}", i + 1)),
            2 | 3 => (sites[1], format!("Chicago pump {:02}", i + 1)),
            _ => (sites[2], format!("Depot pump {:02}", i + 1)),
        };
        device::ActiveModel {
            id: Set(id.clone()),
            tenant_id: Set(coa),
            site_id: Set(Some(site)),
            product_id: Set(product),
            shadow_customer_id: Set(None),
            name: Set(name),
            serial_number: Set(None),
            notes: Set(None),
            online: Set(true),
            firmware_version: Set(Some("1.0.1".into())),
            last_heard_at: Set(Some(now)),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    let people = [
        ("ops@fleetwarden.example", "platform admin", None, None),
        (
            "admin@customercoa.example",
            "CustomerCoA tenant admin",
            Some(coa),
            Some(MembershipRole::Admin),
        ),
        (
            "boston.tech@customercoa.example",
            "technician, group Boston techs (operator on ClientX Boston)",
            Some(coa),
            Some(MembershipRole::Member),
        ),
        (
            "chicago.tech@customercoa.example",
            "technician, group Chicago techs (operator on ClientY Chicago)",
            Some(coa),
            Some(MembershipRole::Member),
        ),
        (
            "facilities@clientx.example",
            "ClientX staff (manager on ClientX)",
            Some(x),
            Some(MembershipRole::Member),
        ),
    ];
    let mut logins = Vec::new();
    let mut ids = Vec::new();
    for (email, role, org_id, membership_role) in people {
        let pw = secrets::mint(secrets::Kind::Csrf)
            .secret
            .chars()
            .take(16)
            .collect::<String>();
        let id = Uuid::now_v7();
        user::ActiveModel {
            id: Set(id),
            email: Set(email.into()),
            email_lower: Set(email.into()),
            display_name: Set(email.split('@').next().unwrap_or(email).replace('.', " ")),
            password_hash: Set(Some(password::hash(&pw, params)?)),
            is_platform_admin: Set(org_id.is_none()),
            disabled_at: Set(None),
            password_changed_at: Set(Some(now)),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        if let (Some(org_id), Some(m)) = (org_id, membership_role) {
            membership::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(id),
                organization_id: Set(org_id),
                tenant_id: Set(coa),
                role: Set(m),
                created_at: Set(now),
            }
            .insert(&txn)
            .await?;
        }
        ids.push(id);
        logins.push(DemoLogin {
            email: email.into(),
            role,
            password: pw,
        });
    }
    let grant_to = async |group_name: &str,
                          member: Uuid,
                          kind: GrantScopeKind,
                          site: Option<Uuid>,
                          org_id: Option<Uuid>,
                          role: Uuid|
           -> anyhow::Result<()> {
        let (user_subject, group_subject) = if group_name.is_empty() {
            (Some(member), None)
        } else {
            let g = group::ActiveModel {
                id: Set(Uuid::now_v7()),
                tenant_id: Set(coa),
                name: Set(group_name.into()),
                description: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?;
            group_member::ActiveModel {
                group_id: Set(g.id),
                user_id: Set(member),
                created_at: Set(now),
            }
            .insert(&txn)
            .await?;
            (None, Some(g.id))
        };
        grant::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(coa),
            subject_user_id: Set(user_subject),
            subject_group_id: Set(group_subject),
            scope_kind: Set(kind),
            scope_device_id: Set(None),
            scope_site_id: Set(site),
            scope_organization_id: Set(org_id),
            role_id: Set(role),
            expires_at: Set(None),
            created_by: Set(Some(ids[1])),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
        Ok(())
    };
    grant_to(
        "Boston techs",
        ids[2],
        GrantScopeKind::Site,
        Some(sites[0]),
        None,
        entity::role::OPERATOR_ID,
    )
    .await?;
    grant_to(
        "Chicago techs",
        ids[3],
        GrantScopeKind::Site,
        Some(sites[1]),
        None,
        entity::role::OPERATOR_ID,
    )
    .await?;
    grant_to(
        "",
        ids[4],
        GrantScopeKind::Organization,
        None,
        Some(x),
        entity::role::MANAGER_ID,
    )
    .await?;
    txn.commit().await?;
    Ok(logins)
}
