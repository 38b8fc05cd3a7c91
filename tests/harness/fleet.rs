//! A small fleet for tests, written straight into the database before the server starts (the
//! server builds its access index from it, as it does at every start):
//!
//! CustomerCoA ─┬─ ClientX ── site "ClientX Boston": pumps bos-1..4
//!              ├─ ClientY ── site "ClientY Chicago": pumps chi-1..3
//!              └─ site "HQ": pump hq-1;  one pump unplaced
//! OtherCo ──────── site "Elsewhere": pump other-1
//!
//! People (password [`PASSWORD`]): admin@coa.example (tenant admin), tech@coa.example and
//! mgr@coa.example (members of CustomerCoA), xstaff@clientx.example (member of ClientX),
//! admin@other.example (OtherCo's admin). Group "Boston techs" in CustomerCoA holds tech.
use chrono::Utc;
use entity::enums::{MembershipRole, OrganizationKind};
use entity::{device, group, group_member, membership, organization, site, user};
use fleetwarden_server::particle::secret_box::SecretBox;
use fleetwarden_server::particle::simulator::SimulatorHandle;
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use uuid::Uuid;

/// Every fixture person's password.
pub const PASSWORD: &str = "correct horse battery staple";

/// Ids of what [`Fleet::seed`] wrote.
#[derive(Debug, Clone)]
pub struct Fleet {
    /// CustomerCoA (tenant root).
    pub coa: Uuid,
    /// ClientX under CustomerCoA.
    pub client_x: Uuid,
    /// ClientY under CustomerCoA.
    pub client_y: Uuid,
    /// Site "ClientX Boston".
    pub boston: Uuid,
    /// Site "ClientY Chicago".
    pub chicago: Uuid,
    /// Site "HQ" of CustomerCoA itself.
    pub hq: Uuid,
    /// Pumps at Boston.
    pub boston_devices: Vec<String>,
    /// Pumps at Chicago.
    pub chicago_devices: Vec<String>,
    /// The pump at HQ.
    pub hq_device: String,
    /// CustomerCoA's unplaced pump.
    pub unplaced_device: String,
    /// OtherCo (another tenant).
    pub other: Uuid,
    /// OtherCo's pump.
    pub other_device: String,
    /// Group "Boston techs".
    pub boston_techs: Uuid,
    /// admin@coa.example.
    pub admin: Uuid,
    /// tech@coa.example.
    pub tech: Uuid,
    /// mgr@coa.example.
    pub mgr: Uuid,
    /// xstaff@clientx.example.
    pub xstaff: Uuid,
    /// admin@other.example.
    pub other_admin: Uuid,
    /// The simulated Particle cloud the devices live in.
    pub sim: SimulatorHandle,
}

impl Fleet {
    /// Writes the fleet.
    #[expect(clippy::expect_used, reason = "test fixture")]
    pub async fn seed(db: &DatabaseConnection, sim: SimulatorHandle, secrets: &SecretBox) -> Fleet {
        let now = Utc::now();
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
        let (coa, client_x, client_y, other) = (
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
        );
        for o in [
            org(coa, coa, None, "CustomerCoA"),
            org(client_x, coa, Some(coa), "ClientX"),
            org(client_y, coa, Some(coa), "ClientY"),
            org(other, other, None, "OtherCo"),
        ] {
            o.insert(db).await.expect("org");
        }
        let new_site = |tenant: Uuid, org: Uuid, name: &str| site::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(tenant),
            organization_id: Set(org),
            name: Set(name.into()),
            address: Set(None),
            timezone: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        };
        let boston = new_site(coa, client_x, "ClientX Boston")
            .insert(db)
            .await
            .expect("site")
            .id;
        let chicago = new_site(coa, client_y, "ClientY Chicago")
            .insert(db)
            .await
            .expect("site")
            .id;
        let hq = new_site(coa, coa, "HQ").insert(db).await.expect("site").id;
        let elsewhere = new_site(other, other, "Elsewhere")
            .insert(db)
            .await
            .expect("site")
            .id;
        let product = fleetwarden_server::demo::register_product(db, &sim, secrets)
            .await
            .expect("product");
        let mut n = 0;
        let mut pump = async |tenant: Uuid, site: Option<Uuid>, name: String| {
            n += 1;
            device::ActiveModel {
                id: Set(sim.devices[n - 1].clone()),
                tenant_id: Set(tenant),
                site_id: Set(site),
                product_id: Set(product),
                shadow_customer_id: Set(None),
                name: Set(name),
                serial_number: Set(None),
                notes: Set(None),
                online: Set(true),
                firmware_version: Set(Some("1.4.2".into())),
                last_heard_at: Set(Some(now)),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db)
            .await
            .expect("device")
            .id
        };
        let mut boston_devices = Vec::new();
        for i in 1..=4 {
            boston_devices.push(pump(coa, Some(boston), format!("bos-{i}")).await);
        }
        let mut chicago_devices = Vec::new();
        for i in 1..=3 {
            chicago_devices.push(pump(coa, Some(chicago), format!("chi-{i}")).await);
        }
        let hq_device = pump(coa, Some(hq), "hq-1".into()).await;
        let unplaced_device = pump(coa, None, "spare-1".into()).await;
        let other_device = pump(other, Some(elsewhere), "other-1".into()).await;

        let params = fleetwarden_server::domain::password::HashParams {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        };
        let hash = fleetwarden_server::domain::password::hash(PASSWORD, params).expect("hash");
        let person = async |email: &str, org_id: Uuid, tenant: Uuid, role: MembershipRole| {
            let id = Uuid::now_v7();
            user::ActiveModel {
                id: Set(id),
                email: Set(email.into()),
                email_lower: Set(email.to_lowercase()),
                display_name: Set(email.split('@').next().unwrap_or(email).into()),
                password_hash: Set(Some(hash.clone())),
                is_platform_admin: Set(false),
                disabled_at: Set(None),
                password_changed_at: Set(Some(now)),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db)
            .await
            .expect("user");
            membership::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(id),
                organization_id: Set(org_id),
                tenant_id: Set(tenant),
                role: Set(role),
                created_at: Set(now),
            }
            .insert(db)
            .await
            .expect("membership");
            id
        };
        let admin = person("admin@coa.example", coa, coa, MembershipRole::Admin).await;
        let tech = person("tech@coa.example", coa, coa, MembershipRole::Member).await;
        let mgr = person("mgr@coa.example", coa, coa, MembershipRole::Member).await;
        let xstaff = person(
            "xstaff@clientx.example",
            client_x,
            coa,
            MembershipRole::Member,
        )
        .await;
        let other_admin = person("admin@other.example", other, other, MembershipRole::Admin).await;
        let boston_techs = group::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(coa),
            name: Set("Boston techs".into()),
            description: Set(Some("Field technicians in Boston".into())),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await
        .expect("group")
        .id;
        group_member::ActiveModel {
            group_id: Set(boston_techs),
            user_id: Set(tech),
            created_at: Set(now),
        }
        .insert(db)
        .await
        .expect("group member");
        Fleet {
            coa,
            client_x,
            client_y,
            boston,
            chicago,
            hq,
            boston_devices,
            chicago_devices,
            hq_device,
            unplaced_device,
            other,
            other_device,
            boston_techs,
            admin,
            tech,
            mgr,
            xstaff,
            other_admin,
            sim,
        }
    }
}
