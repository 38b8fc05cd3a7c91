//! A small fleet for tests, written into the database before the server starts with the
//! server's own row builders (the server builds its access index from it, as it does at every
//! start):
//!
//! CustomerCoA ─┬─ ClientX ── site "ClientX Boston": pumps bos-1..4
//!              ├─ ClientY ── site "ClientY Chicago": pumps chi-1..3
//!              └─ site "HQ": pump hq-1;  one pump unplaced
//! OtherCo ──────── site "Elsewhere": pump other-1
//!
//! People (password [`PASSWORD`]): admin@coa.example (tenant admin), tech@coa.example and
//! mgr@coa.example (members of CustomerCoA), xstaff@clientx.example (member of ClientX),
//! ystaff@clienty.example (member of ClientY),
//! admin@other.example (OtherCo's admin). Group "Boston techs" in CustomerCoA holds tech.
use chrono::Utc;
use entity::enums::MembershipRole;
use entity::organization;
use fleetwarden_server::changes::Writer;
use fleetwarden_server::clock::SystemClock;
use fleetwarden_server::domain::email::Email;
use fleetwarden_server::particle::secret_box::SecretBox;
use fleetwarden_server::particle::simulator::SimulatorHandle;
use fleetwarden_server::store::{devices, groups, memberships, organizations, sites, users};
use sea_orm::DatabaseConnection;
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
    /// ystaff@clienty.example.
    pub ystaff: Uuid,
    /// admin@other.example.
    pub other_admin: Uuid,
    /// The simulated Particle cloud the devices live in.
    pub sim: SimulatorHandle,
}

impl Fleet {
    /// Writes the fleet, with the same row builders (`store`) the server and its demo use.
    #[expect(clippy::expect_used, reason = "test fixture")]
    pub async fn seed(db: &DatabaseConnection, sim: SimulatorHandle, secrets: &SecretBox) -> Fleet {
        let now = Utc::now();
        let coa = organizations::insert_tenant(db, "CustomerCoA", now)
            .await
            .expect("tenant");
        let client_x = organizations::insert_client(db, coa.id, coa.id, "ClientX", now)
            .await
            .expect("client");
        let client_y = organizations::insert_client(db, coa.id, coa.id, "ClientY", now)
            .await
            .expect("client");
        let other = organizations::insert_tenant(db, "OtherCo", now)
            .await
            .expect("tenant");
        let new_site = async |org: &organization::Model, name: &str| {
            let new = sites::NewSite {
                tenant: org.tenant_id,
                organization: org.id,
                name,
                address: None,
                timezone: None,
            };
            sites::insert(db, new, now).await.expect("site").id
        };
        let boston = new_site(&client_x, "ClientX Boston").await;
        let chicago = new_site(&client_y, "ClientY Chicago").await;
        let hq = new_site(&coa, "HQ").await;
        let elsewhere = new_site(&other, "Elsewhere").await;
        let writer = Writer::detached(db.clone(), std::sync::Arc::new(SystemClock));
        let product = fleetwarden_server::demo::register_product(&writer, &sim, secrets)
            .await
            .expect("product");
        let mut n = 0;
        let mut pump = async |tenant: Uuid, site: Option<Uuid>, name: String| {
            n += 1;
            let new = devices::NewDevice {
                id: &sim.devices[n - 1],
                tenant,
                site,
                product,
                shadow_customer: None,
                name: &name,
                seen: Some(devices::Seen {
                    online: true,
                    firmware_version: Some("1.4.2"),
                    last_heard_at: Some(now),
                }),
            };
            devices::insert(db, new, now).await.expect("device").id
        };
        let mut boston_devices = Vec::new();
        for i in 1..=4 {
            boston_devices.push(pump(coa.id, Some(boston), format!("bos-{i}")).await);
        }
        let mut chicago_devices = Vec::new();
        for i in 1..=3 {
            chicago_devices.push(pump(coa.id, Some(chicago), format!("chi-{i}")).await);
        }
        let hq_device = pump(coa.id, Some(hq), "hq-1".into()).await;
        let unplaced_device = pump(coa.id, None, "spare-1".into()).await;
        let other_device = pump(other.id, Some(elsewhere), "other-1".into()).await;

        let params = fleetwarden_server::domain::password::HashParams {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        };
        let hash = fleetwarden_server::domain::password::hash(PASSWORD, params).expect("hash");
        let person = async |email: &str, org: &organization::Model, role: MembershipRole| {
            let address = Email::parse(email).expect("fixture email");
            let new = users::NewUser {
                email: &address,
                display_name: email.split('@').next().unwrap_or(email),
                password_hash: Some(hash.clone()),
                is_platform_admin: false,
            };
            let user = users::insert(db, new).await.expect("user");
            memberships::ensure(db, user.id, org, role, now)
                .await
                .expect("membership");
            user.id
        };
        let admin = person("admin@coa.example", &coa, MembershipRole::Admin).await;
        let tech = person("tech@coa.example", &coa, MembershipRole::Member).await;
        let mgr = person("mgr@coa.example", &coa, MembershipRole::Member).await;
        let xstaff = person("xstaff@clientx.example", &client_x, MembershipRole::Member).await;
        let ystaff = person("ystaff@clienty.example", &client_y, MembershipRole::Member).await;
        let other_admin = person("admin@other.example", &other, MembershipRole::Admin).await;
        let description = Some("Field technicians in Boston".to_owned());
        let boston_techs = groups::insert(db, coa.id, coa.id, "Boston techs", description, now)
            .await
            .expect("group")
            .id;
        groups::add_member(db, boston_techs, tech, now)
            .await
            .expect("group member");
        for tenant in [coa.id, other.id] {
            fleetwarden_server::store::seats::settle(db, tenant, None, now)
                .await
                .expect("seat spans");
        }
        Fleet {
            coa: coa.id,
            client_x: client_x.id,
            client_y: client_y.id,
            boston,
            chicago,
            hq,
            boston_devices,
            chicago_devices,
            hq_device,
            unplaced_device,
            other: other.id,
            other_device,
            boston_techs,
            admin,
            tech,
            mgr,
            xstaff,
            ystaff,
            other_admin,
            sim,
        }
    }
}
