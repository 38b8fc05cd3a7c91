//! Access-check benchmark: the in-memory `AccessIndex` against plain casbin holding the same
//! grants as policy lines.
//!
//! ```sh
//! cargo bench -p fleetwarden-tests --bench access
//! ```
//!
//! Builds 1k tenants (one with 12k devices under a 41-node organization tree), 100k devices,
//! 10k users in 5k groups and 1M grants (device, site, organization and tenant scopes; user and
//! group subjects; built-in and custom roles; 20% with an expiry, half of those past), then
//! prints percentiles of `may` as the grants grow, of `visible_devices` for users reaching
//! more than 10k devices, of casbin's `enforce` over the same grants, and of "who has access"
//! and directory sight in the big tenant.
#![expect(
    clippy::unwrap_used,
    reason = "a benchmark: any failure should stop it"
)]
use std::collections::HashSet;
use std::time::{Duration, Instant};

use casbin::{CoreApi, DefaultModel, Enforcer, MgmtApi, StringAdapter};
use chrono::{DateTime, TimeZone, Utc};
use entity::role::{MANAGER_ID, OPERATOR_ID, VIEWER_ID};
use fleetwarden_server::access::{
    AccessIndex, DeviceEntry, DeviceFilter, GrantRecord, RoleRecord, Scope, Subject,
};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

const TENANTS: usize = 1_000;
const DEVICES: usize = 100_000;
const BIG_TENANT_DEVICES: usize = 12_000;
const USERS_PER_TENANT: usize = 10;
const GROUPS_PER_TENANT: usize = 5;
const TENANTS_WITH_CUSTOM_ROLE: usize = 100;
const CHECKPOINTS: [usize; 4] = [1_000, 10_000, 100_000, 1_000_000];
const MAY_SAMPLES: usize = 200_000;
const LIST_RUNS: usize = 100;
/// Per casbin size and kind of check: at most this many enforce calls, and at most this long.
const CASBIN_CALLS: usize = 200;
const CASBIN_BUDGET: Duration = Duration::from_secs(4);
const RESET: &str = "device.function.call.reset";
const ASKED: [&str; 4] = ["device.read", "device.function.call", RESET, "device.share"];
const CUSTOM_ACTIONS: [&str; 3] = ["device.read", "device.variable.read", RESET];

/// A plain casbin model for the same question: the grant is a `p` line (subject, tenant,
/// scope, role); group membership, role → action and scope containment are role graphs.
const CASBIN_MODEL: &str = "
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, dom, obj, role

[role_definition]
g = _, _
g2 = _, _
g3 = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.dom == p.dom && g(r.sub, p.sub) && g3(r.obj, p.obj) && g2(p.role, r.act)
";

struct Tenant {
    id: Uuid,
    /// Root first.
    orgs: Vec<Uuid>,
    sites: Vec<Uuid>,
    devices: Vec<String>,
    users: Vec<Uuid>,
    groups: Vec<Uuid>,
    custom: Option<Uuid>,
}

struct Check {
    user: Uuid,
    tenant: Uuid,
    device: String,
    action: &'static str,
}

fn uuid(rng: &mut StdRng) -> Uuid {
    Uuid::from_u128(rng.random())
}

fn pick<T: Clone>(rng: &mut StdRng, items: &[T]) -> T {
    items.choose(rng).unwrap().clone()
}

/// Organizations are laid out root first, then per client: the client and its branches (the
/// big tenant: 10 clients with 3 branches each; the others: 3 clients and one branch, last,
/// under the first client). Each non-root organization has the same number of sites.
fn world(rng: &mut StdRng) -> Vec<Tenant> {
    let mut next_device = 0usize;
    (0..TENANTS)
        .map(|t| {
            let id = uuid(rng);
            let (orgs, sites_per_org, devices) = if t == 0 {
                (41, 3, BIG_TENANT_DEVICES)
            } else {
                let rest = DEVICES - BIG_TENANT_DEVICES;
                let share = rest / (TENANTS - 1) + usize::from(t <= rest % (TENANTS - 1));
                (5, 2, share)
            };
            Tenant {
                id,
                orgs: std::iter::once(id)
                    .chain((1..orgs).map(|_| uuid(rng)))
                    .collect(),
                sites: (0..(orgs - 1) * sites_per_org).map(|_| uuid(rng)).collect(),
                devices: (0..devices)
                    .map(|_| {
                        next_device += 1;
                        format!("{next_device:024x}")
                    })
                    .collect(),
                users: (0..USERS_PER_TENANT).map(|_| uuid(rng)).collect(),
                groups: (0..GROUPS_PER_TENANT).map(|_| uuid(rng)).collect(),
                custom: (t < TENANTS_WITH_CUSTOM_ROLE).then(|| uuid(rng)),
            }
        })
        .collect()
}

/// The organization's parent: branches under their client, clients under the root.
fn parent_of(tenant: &Tenant, position: usize) -> Option<Uuid> {
    if position == 0 {
        return None;
    }
    let big = tenant.orgs.len() == 41;
    if big {
        let offset = (position - 1) % 4;
        return Some(if offset == 0 {
            tenant.orgs[0]
        } else {
            tenant.orgs[position - offset]
        });
    }
    Some(if position == tenant.orgs.len() - 1 {
        tenant.orgs[1]
    } else {
        tenant.orgs[0]
    })
}

/// Where each device sits: devices spread evenly over the sites; 5% of the small tenants'
/// devices unplaced.
fn site_of(tenant: &Tenant, position: usize, rng: &mut StdRng) -> Option<Uuid> {
    if tenant.orgs.len() != 41 && rng.random_bool(0.05) {
        return None;
    }
    Some(tenant.sites[position % tenant.sites.len()])
}

fn site_org(tenant: &Tenant, position: usize) -> Uuid {
    let per_org = tenant.sites.len() / (tenant.orgs.len() - 1);
    tenant.orgs[1 + position / per_org]
}

fn random_grant(rng: &mut StdRng, tenants: &[Tenant], now: DateTime<Utc>) -> GrantRecord {
    let tenant = &tenants[rng.random_range(0..tenants.len())];
    let subject = if rng.random_bool(0.6) {
        Subject::User(pick(rng, &tenant.users))
    } else {
        Subject::Group(pick(rng, &tenant.groups))
    };
    let scope = match rng.random_range(0..100) {
        0..55 => Scope::Device(pick(rng, &tenant.devices)),
        55..80 => Scope::Site(pick(rng, &tenant.sites)),
        80..92 => Scope::Organization(pick(rng, &tenant.orgs[1..])),
        _ => Scope::Tenant(tenant.id),
    };
    let role = match (rng.random_range(0..100), tenant.custom) {
        (0..50, _) => VIEWER_ID,
        (50..80, _) => OPERATOR_ID,
        (80..95, _) => MANAGER_ID,
        (_, Some(custom)) => custom,
        _ => OPERATOR_ID,
    };
    let expires_at = match rng.random_range(0..10) {
        0 => Some(now + chrono::Duration::days(rng.random_range(1..90))),
        1 => Some(now - chrono::Duration::days(rng.random_range(1..90))),
        _ => None,
    };
    GrantRecord {
        id: uuid(rng),
        tenant: tenant.id,
        subject,
        scope,
        role,
        expires_at,
    }
}

fn checks(rng: &mut StdRng, tenants: &[Tenant], count: usize) -> Vec<Check> {
    (0..count)
        .map(|_| {
            let tenant = &tenants[rng.random_range(0..tenants.len())];
            // Now and then someone asks about another tenant's device.
            let device_tenant = if rng.random_bool(0.05) {
                &tenants[rng.random_range(0..tenants.len())]
            } else {
                tenant
            };
            Check {
                user: pick(rng, &tenant.users),
                tenant: device_tenant.id,
                device: pick(rng, &device_tenant.devices),
                action: pick(rng, &ASKED),
            }
        })
        .collect()
}

fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort_unstable();
    let at = |q: f64| {
        // Truncation is the nearest-rank percentile here.
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "ranks"
        )]
        let rank = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples[rank]
    };
    (at(0.5), at(0.99))
}

fn micros(d: Duration) -> String {
    format!("{:.2} µs", d.as_secs_f64() * 1e6)
}

fn millis(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// A field of /proc/self/status in MiB (Linux only; 0 elsewhere).
fn status_mib(name: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|line| line.starts_with(name))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

/// Resident and peak memory of this process.
fn memory() -> String {
    format!(
        "rss {} MiB, peak {} MiB",
        status_mib("VmRSS:"),
        status_mib("VmHWM:")
    )
}

fn time_may(
    index: &AccessIndex,
    checks: &[Check],
    action: Option<&str>,
    now: DateTime<Utc>,
) -> (Duration, Duration, usize) {
    let mut allowed = 0;
    let samples = checks
        .iter()
        .map(|check| {
            let action = action.unwrap_or(check.action);
            let started = Instant::now();
            let ok = index.may(check.user, &check.device, action, now);
            let took = started.elapsed();
            allowed += usize::from(std::hint::black_box(ok));
            took
        })
        .collect();
    let (p50, p99) = percentiles(samples);
    (p50, p99, allowed)
}

struct CasbinTiming {
    p50: Duration,
    p99: Duration,
    calls: usize,
    agree: usize,
}

/// casbin's `enforce` on the first checks (with `action` instead, if given), and whether it
/// agrees with the index on each.
fn time_casbin(
    casbin: &Enforcer,
    index: &AccessIndex,
    checks: &[Check],
    action: Option<&'static str>,
    now: DateTime<Utc>,
) -> CasbinTiming {
    let mut samples = Vec::new();
    let mut agree = 0;
    let budget = Instant::now();
    for check in checks.iter().take(CASBIN_CALLS) {
        let action = action.unwrap_or(check.action);
        let request = (
            format!("user:{}", check.user),
            check.tenant.to_string(),
            format!("device:{}", check.device),
            action.to_owned(),
        );
        let started = Instant::now();
        let decision = casbin.enforce(request).unwrap();
        samples.push(started.elapsed());
        agree += usize::from(decision == index.may(check.user, &check.device, action, now));
        if budget.elapsed() > CASBIN_BUDGET {
            break;
        }
    }
    let calls = samples.len();
    let (p50, p99) = percentiles(samples);
    CasbinTiming {
        p50,
        p99,
        calls,
        agree,
    }
}

fn casbin_line(grant: &GrantRecord) -> Vec<String> {
    let subject = match grant.subject {
        Subject::User(user) => format!("user:{user}"),
        Subject::Group(group) => format!("group:{group}"),
    };
    let object = match &grant.scope {
        Scope::Device(device) => format!("device:{device}"),
        Scope::Site(site) => format!("site:{site}"),
        Scope::Organization(org) => format!("org:{org}"),
        Scope::Tenant(tenant) => format!("tenant:{tenant}"),
    };
    let role = match grant.role {
        r if r == VIEWER_ID => "viewer".to_owned(),
        r if r == OPERATOR_ID => "operator".to_owned(),
        r if r == MANAGER_ID => "manager".to_owned(),
        custom => custom.to_string(),
    };
    vec![subject, grant.tenant.to_string(), object, role]
}

/// Membership, role → action and containment lines for casbin, as one policy text.
fn casbin_structure(
    tenants: &[Tenant],
    placement: &[(String, Uuid, Option<Uuid>)],
    members: &[(Uuid, Uuid)],
) -> String {
    let mut text = String::new();
    let mut line = |parts: [&str; 3]| {
        text.push_str(&parts.join(", "));
        text.push('\n');
    };
    for action in [
        "device.read",
        "device.variable.read",
        "device.history.read",
        "device.events.read",
    ] {
        line(["g2", "viewer", action]);
    }
    line(["g2", "operator", "viewer"]);
    line(["g2", "operator", "device.function.call"]);
    line(["g2", "manager", "operator"]);
    line(["g2", "manager", RESET]);
    line(["g2", "manager", "device.share"]);
    for tenant in tenants {
        if let Some(custom) = tenant.custom {
            for action in CUSTOM_ACTIONS {
                line(["g2", &custom.to_string(), action]);
            }
        }
        for position in 1..tenant.orgs.len() {
            let parent = parent_of(tenant, position).unwrap();
            line([
                "g3",
                &format!("org:{}", tenant.orgs[position]),
                &format!("org:{parent}"),
            ]);
        }
        for (position, site) in tenant.sites.iter().enumerate() {
            line([
                "g3",
                &format!("site:{site}"),
                &format!("org:{}", site_org(tenant, position)),
            ]);
        }
    }
    for (device, tenant, site) in placement {
        line([
            "g3",
            &format!("device:{device}"),
            &format!("tenant:{tenant}"),
        ]);
        if let Some(site) = site {
            line(["g3", &format!("device:{device}"), &format!("site:{site}")]);
        }
    }
    for (group, user) in members {
        line(["g", &format!("user:{user}"), &format!("group:{group}")]);
    }
    text
}

#[tokio::main]
async fn main() {
    let mut rng = StdRng::seed_from_u64(0x00f1_ee7a_2026);
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();

    // --- the world ------------------------------------------------------------------------
    let started = Instant::now();
    let tenants = world(&mut rng);
    let mut index = AccessIndex::new().await.unwrap();
    index.register_action(RESET);
    let mut placement = Vec::with_capacity(DEVICES);
    let mut members = Vec::new();
    for tenant in &tenants {
        for (position, org) in tenant.orgs.iter().enumerate() {
            index.upsert_organization(*org, tenant.id, parent_of(tenant, position));
        }
        for (position, site) in tenant.sites.iter().enumerate() {
            index.upsert_site(*site, tenant.id, site_org(tenant, position));
        }
        for (position, device) in tenant.devices.iter().enumerate() {
            let site = site_of(tenant, position, &mut rng);
            placement.push((device.clone(), tenant.id, site));
            let name = format!("Pump {}", rng.random_range(0..100_000));
            index.upsert_device(DeviceEntry {
                id: device.clone(),
                tenant: tenant.id,
                site,
                name,
                product: Uuid::nil(),
            });
        }
        for group in &tenant.groups {
            index.upsert_group(*group, tenant.id);
        }
        for user in &tenant.users {
            let count = rng.random_range(1..=2);
            let groups: Vec<Uuid> = tenant
                .groups
                .choose_multiple(&mut rng, count)
                .copied()
                .collect();
            for group in groups {
                index.add_group_member(group, *user);
                members.push((group, *user));
            }
        }
        if let Some(custom) = tenant.custom {
            let actions = CUSTOM_ACTIONS.map(str::to_owned).to_vec();
            let record = RoleRecord {
                id: custom,
                tenant: Some(tenant.id),
                name: "technician".to_owned(),
                actions,
            };
            index.upsert_role(record).await.unwrap();
        }
    }
    let grants: Vec<GrantRecord> = (0..CHECKPOINTS[3])
        .map(|_| random_grant(&mut rng, &tenants, now))
        .collect();
    println!(
        "world: {TENANTS} tenants, {DEVICES} devices, {} users, {} groups, {} grants generated in {:.1?}; {}",
        TENANTS * USERS_PER_TENANT,
        TENANTS * GROUPS_PER_TENANT,
        grants.len(),
        started.elapsed(),
        memory()
    );

    let started = Instant::now();
    let structure = casbin_structure(&tenants, &placement, &members);
    let structure_lines = structure.lines().count();
    let mut casbin = Enforcer::new(
        DefaultModel::from_str(CASBIN_MODEL).await.unwrap(),
        StringAdapter::new(structure),
    )
    .await
    .unwrap();
    casbin.enable_auto_save(false);
    println!(
        "casbin: {structure_lines} grouping lines (membership, role → action, containment) \
         loaded in {:.1?}; {}",
        started.elapsed(),
        memory()
    );

    // --- may, as the grants grow; casbin beside it ------------------------------------------
    let may_checks = checks(&mut rng, &tenants, MAY_SAMPLES);
    println!();
    println!(
        "p50 / p99 per check; \"mixed\" asks {ASKED:?} (the share allowed in brackets), \
         \"denied\" asks billing.read, which no grant gives, so every candidate is examined."
    );
    println!(
        "{:>9} | {:>25} | {:>21} | {:>23} | {:>23} | {:>7} | {:>8} | {:>8} | {:>9} | memory",
        "grants",
        "index: mixed",
        "index: denied",
        "casbin: mixed",
        "casbin: denied",
        "agree",
        "insert",
        "index +",
        "load p"
    );
    let mut inserted = 0;
    let mut loaded = 0;
    let mut casbin_seen: HashSet<Vec<String>> = HashSet::new();
    for checkpoint in CHECKPOINTS {
        let before = status_mib("VmRSS:");
        let started = Instant::now();
        for grant in &grants[inserted..checkpoint] {
            index.upsert_grant(grant.clone());
        }
        let index_growth = status_mib("VmRSS:").saturating_sub(before);
        let insert = started.elapsed() / u32::try_from(checkpoint - inserted).unwrap();
        inserted = checkpoint;

        let (p50, p99, allowed) = time_may(&index, &may_checks, None, now);
        // Nobody's grants give billing.read: every check walks the whole path.
        let (denied50, denied99, _) = time_may(&index, &may_checks, Some("billing.read"), now);

        // Expired grants are simply left out: plain casbin has no notion of expiry.
        let lines: Vec<Vec<String>> = grants[loaded..checkpoint]
            .iter()
            .filter(|g| g.expires_at.is_none_or(|end| now < end))
            .map(casbin_line)
            .filter(|line| casbin_seen.insert(line.clone()))
            .collect();
        loaded = checkpoint;
        let started = Instant::now();
        if !lines.is_empty() {
            casbin.add_policies(lines).await.unwrap();
        }
        let casbin_load = started.elapsed();
        let mixed = time_casbin(&casbin, &index, &may_checks, None, now);
        let denied = time_casbin(&casbin, &index, &may_checks, Some("billing.read"), now);
        let pair = |a: String, b: String| format!("{a} / {b}");
        println!(
            "{checkpoint:>9} | {:>19} ({:>2}%) | {:>21} | {:>23} | {:>23} | {:>7} | {:>8} | {:>8} | {:>9} | {}",
            pair(micros(p50), micros(p99)),
            allowed * 100 / may_checks.len(),
            pair(micros(denied50), micros(denied99)),
            pair(millis(mixed.p50), millis(mixed.p99)),
            pair(millis(denied.p50), millis(denied.p99)),
            format!(
                "{}/{}",
                mixed.agree + denied.agree,
                mixed.calls + denied.calls
            ),
            micros(insert),
            format!("{index_growth} MiB"),
            format!("{:.1?}", casbin_load),
            memory()
        );
    }

    // --- lists -----------------------------------------------------------------------------
    let big = &tenants[0];
    let (wide, tenant_wide, group) = (uuid(&mut rng), uuid(&mut rng), uuid(&mut rng));
    index.upsert_group(group, big.id);
    index.add_group_member(group, wide);
    let mut extra = vec![
        (Subject::Group(group), Scope::Organization(big.orgs[0])),
        (Subject::User(tenant_wide), Scope::Tenant(big.id)),
    ];
    for _ in 0..5 {
        extra.push((Subject::User(wide), Scope::Site(pick(&mut rng, &big.sites))));
        extra.push((
            Subject::User(wide),
            Scope::Device(pick(&mut rng, &big.devices)),
        ));
    }
    for (subject, scope) in extra {
        index.upsert_grant(GrantRecord {
            id: uuid(&mut rng),
            tenant: big.id,
            subject,
            scope,
            role: VIEWER_ID,
            expires_at: None,
        });
    }
    println!();
    println!(
        "{:<58} | {:>7} | {:>9} {:>9}",
        "visible_devices", "devices", "p50", "p99"
    );
    let small = tenants[1..].choose(&mut rng).unwrap();
    let typical = small.users[0];
    let filtered = DeviceFilter {
        q: Some("pump 1".to_owned()),
        ..DeviceFilter::default()
    };
    for (label, user, filter) in [
        (
            "organization root via a group, + site and device grants",
            wide,
            DeviceFilter::default(),
        ),
        (
            "the same user, filtered by name (q = \"pump 1\")",
            wide,
            filtered,
        ),
        ("a tenant-wide grant", tenant_wide, DeviceFilter::default()),
        (
            "a typical user of a small tenant",
            typical,
            DeviceFilter::default(),
        ),
    ] {
        let mut count = 0;
        let samples: Vec<Duration> = (0..LIST_RUNS)
            .map(|_| {
                let started = Instant::now();
                count = std::hint::black_box(index.visible_devices(user, now, &filter)).len();
                started.elapsed()
            })
            .collect();
        let (p50, p99) = percentiles(samples);
        println!(
            "{label:<58} | {count:>7} | {:>9} {:>9}",
            millis(p50),
            millis(p99)
        );
    }

    // --- who has access, and whose directory -----------------------------------------------
    println!();
    println!(
        "{:<58} | {:>7} | {:>9} {:>9}",
        "who has access (explain) / directory sight", "people", "p50", "p99"
    );
    // Someone of one client company who sees only its part of the tree: a member there with
    // one site grant, so the walk asks every organization of the 41.
    let client_staff = uuid(&mut rng);
    index.set_member(client_staff, big.orgs[1], true);
    index.upsert_grant(GrantRecord {
        id: uuid(&mut rng),
        tenant: big.id,
        subject: Subject::User(client_staff),
        scope: Scope::Site(pick(&mut rng, &big.sites)),
        role: VIEWER_ID,
        expires_at: None,
    });
    let device = pick(&mut rng, &big.devices);
    let mut reached = 0;
    let samples: Vec<Duration> = (0..LIST_RUNS * 10)
        .map(|_| {
            let started = Instant::now();
            reached = std::hint::black_box(index.explain(&device, now)).len();
            started.elapsed()
        })
        .collect();
    let (p50, p99) = percentiles(samples);
    println!(
        "{:<58} | {reached:>7} | {:>9} {:>9}",
        "explain a device of the big tenant",
        micros(p50),
        micros(p99)
    );
    for (label, user, tenant) in [
        (
            "sight: a member of one client company, + a site grant",
            client_staff,
            big.id,
        ),
        ("sight: someone granted the organization root", wide, big.id),
        ("sight: a typical user of a small tenant", typical, small.id),
    ] {
        let samples: Vec<Duration> = (0..LIST_RUNS * 10)
            .map(|_| {
                let started = Instant::now();
                std::hint::black_box(index.sight(user, tenant, now));
                started.elapsed()
            })
            .collect();
        let (p50, p99) = percentiles(samples);
        println!(
            "{label:<58} | {:>7} | {:>9} {:>9}",
            "",
            micros(p50),
            micros(p99)
        );
    }
    println!();
    println!("done; {}", memory());
}
