//! Devices as people see them: the list of what I may see, one device with my actions, who
//! has access and why, and placing a device at a site.
use std::collections::HashMap;

use entity::{device, site};
use fleetwarden_wire::directory::Page;
use fleetwarden_wire::sharing::{
    ChainLink, DeviceAccessEntry, DeviceResponse, LinkKind, UpdateDevice,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::Ctx;
use crate::access::{DeviceFilter, Link, Scope};
use crate::audit;
use crate::changes::Change;
use crate::changes::rebuild::device_entry;
use crate::domain::actions::Action;
use crate::domain::ids::DeviceId;
use crate::domain::paging::PageRequest;
use crate::store;
use crate::tenancy::TenancyError;

async fn responses(ctx: &Ctx<'_>, ids: &[String]) -> Result<Vec<DeviceResponse>, TenancyError> {
    let db = &ctx.state.db;
    let rows = device::Entity::find()
        .filter(device::Column::Id.is_in(ids.iter().cloned()))
        .all(db)
        .await?;
    let site_ids: Vec<Uuid> = rows.iter().filter_map(|d| d.site_id).collect();
    let sites: HashMap<Uuid, site::Model> = site::Entity::find()
        .filter(site::Column::Id.is_in(site_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let by_id: HashMap<&str, &device::Model> = rows.iter().map(|d| (d.id.as_str(), d)).collect();
    let index = ctx.state.access.read().await;
    let now = ctx.now();
    Ok(ids
        .iter()
        .filter_map(|id| by_id.get(id.as_str()))
        .map(|d| {
            let site = d.site_id.and_then(|s| sites.get(&s));
            DeviceResponse {
                id: d.id.clone(),
                name: d.name.clone(),
                tenant_id: d.tenant_id,
                site_id: d.site_id,
                site_name: site.map(|s| s.name.clone()),
                organization_id: site.map(|s| s.organization_id),
                online: d.online,
                last_heard_at: d.last_heard_at,
                actions: index
                    .device_actions(ctx.user(), &d.id, now)
                    .into_iter()
                    .collect(),
            }
        })
        .collect())
}

/// Every device the caller may see, filtered, in a stable order (name, then id), one page.
///
/// # Errors
/// Database failures.
pub async fn list(
    ctx: &Ctx<'_>,
    filter: &DeviceFilter,
    PageRequest { page, per_page }: PageRequest,
) -> Result<Page<DeviceResponse>, TenancyError> {
    let (ids, total) = {
        let index = ctx.state.access.read().await;
        let visible = index.visible_devices(ctx.user(), ctx.now(), filter);
        let start = usize::try_from((page - 1) * per_page).unwrap_or(usize::MAX);
        let ids: Vec<String> = visible
            .iter()
            .skip(start)
            .take(usize::try_from(per_page).unwrap_or(usize::MAX))
            .map(|d| d.id.clone())
            .collect();
        (ids, visible.len() as u64)
    };
    Ok(Page {
        items: responses(ctx, &ids).await?,
        page,
        per_page,
        total,
    })
}

/// Parses a path id; an id that can't be a device names nothing.
///
/// # Errors
/// 404.
pub fn parse_id(id: &str) -> Result<DeviceId, TenancyError> {
    DeviceId::parse(id).map_err(|_| TenancyError::NotFound)
}

/// One device with my actions; 404 unless I may read it.
///
/// # Errors
/// 404 as above.
pub async fn get(ctx: &Ctx<'_>, id: &DeviceId) -> Result<DeviceResponse, TenancyError> {
    let readable =
        ctx.state
            .access
            .read()
            .await
            .may(ctx.user(), id.as_str(), Action::DeviceRead, ctx.now());
    if !readable {
        return Err(TenancyError::NotFound);
    }
    responses(ctx, &[id.as_str().to_owned()])
        .await?
        .pop()
        .ok_or(TenancyError::NotFound)
}

/// Who can reach the device, what they may do, and the chains of grants that give it. Needs
/// `device.share` on it (404 without even `device.read`).
///
/// # Errors
/// 404/403 as above.
pub async fn access(ctx: &Ctx<'_>, id: &DeviceId) -> Result<Vec<DeviceAccessEntry>, TenancyError> {
    let now = ctx.now();
    let (actions, explained, tenant) = {
        let index = ctx.state.access.read().await;
        let tenant = index
            .device(id.as_str())
            .map(|d| d.tenant)
            .ok_or(TenancyError::NotFound)?;
        (
            index.device_actions(ctx.user(), id.as_str(), now),
            index.explain(id.as_str(), now),
            tenant,
        )
    };
    if !actions.contains(Action::DeviceRead.as_str()) {
        return Err(TenancyError::NotFound);
    }
    if !actions.contains(Action::DeviceShare.as_str()) {
        return Err(TenancyError::Forbidden);
    }
    let names = Names::load(ctx, tenant).await?;
    let users: HashMap<Uuid, entity::user::Model> = entity::user::Entity::find()
        .filter(entity::user::Column::Id.is_in(explained.iter().map(|e| e.user)))
        .all(&ctx.state.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut out = Vec::with_capacity(explained.len());
    for entry in explained {
        let Some(user) = users.get(&entry.user).cloned() else {
            continue;
        };
        let chains = entry
            .chains
            .iter()
            .map(|chain| chain.links.iter().map(|link| names.link(link)).collect())
            .collect();
        out.push(DeviceAccessEntry {
            user_id: user.id,
            email: user.email,
            display_name: user.display_name,
            actions: entry.actions.into_iter().collect(),
            chains,
        });
    }
    Ok(out)
}

/// Names of a tenant's groups, roles, sites, organizations and devices, for chains.
struct Names(HashMap<String, String>);

impl Names {
    async fn load(ctx: &Ctx<'_>, tenant: Uuid) -> Result<Self, TenancyError> {
        let db = &ctx.state.db;
        let mut names = HashMap::new();
        for (g, _) in crate::store::directory::groups(db, tenant).await? {
            names.insert(g.id.to_string(), g.name);
        }
        for (r, _) in crate::store::directory::roles(db, tenant).await? {
            names.insert(r.id.to_string(), r.name);
        }
        for s in crate::store::directory::sites(db, tenant).await? {
            names.insert(s.id.to_string(), s.name);
        }
        for o in crate::store::directory::organizations(db, tenant).await? {
            names.insert(o.id.to_string(), o.name);
        }
        let devices = device::Entity::find()
            .filter(device::Column::TenantId.eq(tenant))
            .all(db)
            .await?;
        for d in devices {
            names.insert(d.id, d.name);
        }
        Ok(Self(names))
    }

    fn name(&self, id: &str) -> Option<String> {
        self.0.get(id).cloned()
    }

    fn link(&self, link: &Link) -> ChainLink {
        match link {
            Link::Group(id) => ChainLink {
                kind: LinkKind::Group,
                id: Some(*id),
                name: self.name(&id.to_string()),
                scope: None,
                scope_name: None,
                expires_at: None,
            },
            Link::Grant {
                id,
                role,
                scope,
                expires_at,
            } => {
                let scope = super::grants::scope_ref(scope);
                ChainLink {
                    kind: LinkKind::Grant,
                    id: Some(*id),
                    name: self.name(&role.to_string()),
                    scope_name: self.name(&scope.id),
                    scope: Some(scope),
                    expires_at: *expires_at,
                }
            }
            Link::TenantAdmin => ChainLink {
                kind: LinkKind::TenantAdmin,
                id: None,
                name: Some("tenant admin".into()),
                scope: None,
                scope_name: None,
                expires_at: None,
            },
            Link::PlatformAdmin => ChainLink {
                kind: LinkKind::PlatformAdmin,
                id: None,
                name: Some("platform admin".into()),
                scope: None,
                scope_name: None,
                expires_at: None,
            },
        }
    }
}

/// Renames a device and/or places it at a site of its tenant (or unplaces it). Needs
/// `site.manage` on the device and on the destination site.
///
/// # Errors
/// 404 unless readable, 403 without `site.manage`, 422 for a site of another tenant.
pub async fn update(
    ctx: &Ctx<'_>,
    id: &DeviceId,
    body: &UpdateDevice,
) -> Result<DeviceResponse, TenancyError> {
    // Only the check: the full answer is built once, after the change.
    if !ctx
        .state
        .access
        .read()
        .await
        .may(ctx.user(), id.as_str(), Action::DeviceRead, ctx.now())
    {
        return Err(TenancyError::NotFound);
    }
    let db = &ctx.state.db;
    let current = device::Entity::find_by_id(id.as_str().to_owned())
        .one(db)
        .await?
        .ok_or(TenancyError::NotFound)?;
    ctx.require(&Scope::Device(current.id.clone()), Action::SiteManage)
        .await?;
    let new_name = body
        .name
        .as_ref()
        .map(|n| super::name("name", n, 200))
        .transpose()?;
    if let Some(Some(site_id)) = body.site_id {
        // A site the caller doesn't see reads as missing, in the same words.
        let site = super::directory::sites::site_in(ctx, current.tenant_id, site_id)
            .await
            .map_err(|_| {
                TenancyError::invalid("site_id", "no such site in this device's tenant")
            })?;
        ctx.require(&Scope::Site(site.id), Action::SiteManage)
            .await?;
    }
    let organization_id = ctx
        .state
        .access
        .read()
        .await
        .organization_of(&Scope::Device(current.id.clone()));
    let mut txn = ctx.write().await?;
    let updated =
        store::devices::update(&*txn, current.clone(), new_name, body.site_id, ctx.now()).await?;
    txn.audit(audit::Entry {
        before: Some(serde_json::json!({ "name": current.name, "site_id": current.site_id })),
        after: Some(serde_json::json!({ "name": updated.name, "site_id": updated.site_id })),
        organization_id,
        ..ctx.entry(current.tenant_id, "device.update", "device", &current.id)
    })
    .await?;
    txn.change(Change::Device(device_entry(&updated)));
    txn.commit().await?;
    // The change is made: answer with it even when it took the device out of the caller's
    // sight (unplaced from the site their grant is on), with the actions they have left.
    responses(ctx, &[id.as_str().to_owned()])
        .await?
        .pop()
        .ok_or(TenancyError::NotFound)
}
