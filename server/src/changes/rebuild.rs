//! Building the access index from the tables: at start-up, after the log was pruned past
//! this instance, and to verify a live index.
use anyhow::Context;
use entity::enums::{GrantScopeKind, MembershipRole};
use entity::{
    catalog_entry, device, group, group_member, membership, organization, role, site, user,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::access::{AccessIndex, DeviceEntry, GrantRecord, RoleRecord, Scope, Subject};
use crate::store;

/// The stored grant as the index keeps it; `None` for a row that names no subject or scope
/// (the schema's CHECK forbids the first; the second would be a bug).
pub fn grant_record(g: &entity::grant::Model) -> Option<GrantRecord> {
    let subject = match (g.subject_user_id, g.subject_group_id) {
        (Some(u), None) => Subject::User(u),
        (None, Some(gr)) => Subject::Group(gr),
        _ => return None,
    };
    let scope = match g.scope_kind {
        GrantScopeKind::Device => Scope::Device(g.scope_device_id.clone()?),
        GrantScopeKind::Site => Scope::Site(g.scope_site_id?),
        GrantScopeKind::Organization => Scope::Organization(g.scope_organization_id?),
        GrantScopeKind::Tenant => Scope::Tenant(g.tenant_id),
    };
    Some(GrantRecord {
        id: g.id,
        tenant: g.tenant_id,
        subject,
        scope,
        role: g.role_id,
        expires_at: g.expires_at,
    })
}

/// The device as the index keeps it.
pub fn device_entry(d: &device::Model) -> DeviceEntry {
    DeviceEntry {
        id: d.id.clone(),
        tenant: d.tenant_id,
        site: d.site_id,
        name: d.name.clone(),
        product: d.product_id,
    }
}

/// Reads everything the index needs.
///
/// # Errors
/// Database failures, or a stored policy line casbin refuses.
pub async fn build_index(db: &impl ConnectionTrait) -> anyhow::Result<AccessIndex> {
    let mut index = AccessIndex::new().await.context("loading policies/")?;
    for action in catalog_entry::Entity::find().all(db).await? {
        index.register_action(&action.action);
    }
    let mut orgs = organization::Entity::find().all(db).await?;
    // Parents before children, so every upsert finds its parent.
    orgs.sort_by_key(|o| o.parent_id.is_some());
    for o in &orgs {
        index.upsert_organization(o.id, o.tenant_id, o.parent_id);
    }
    for s in site::Entity::find().all(db).await? {
        index.upsert_site(s.id, s.tenant_id, s.organization_id);
    }
    for d in device::Entity::find().all(db).await? {
        index.upsert_device(device_entry(&d));
    }
    for g in group::Entity::find().all(db).await? {
        index.upsert_group(g.id, g.tenant_id);
    }
    for m in group_member::Entity::find().all(db).await? {
        index.add_group_member(m.group_id, m.user_id);
    }
    for m in membership::Entity::find().all(db).await? {
        index.set_member(m.user_id, m.organization_id, true);
        if m.role == MembershipRole::Admin {
            index.set_tenant_admin(m.user_id, m.tenant_id, true);
        }
    }
    let platform = user::Entity::find().filter(user::Column::IsPlatformAdmin.eq(true));
    for u in platform.all(db).await? {
        index.set_platform_admin(u.id, true);
    }
    for r in role::Entity::find()
        .filter(role::Column::Builtin.eq(false))
        .all(db)
        .await?
    {
        let actions = store::directory::role_actions(db, &r).await?;
        index
            .upsert_role(RoleRecord {
                id: r.id,
                tenant: r.tenant_id,
                name: r.name,
                actions,
            })
            .await
            .context("loading a custom role")?;
    }
    for g in store::grants::all(db).await? {
        if let Some(record) = grant_record(&g) {
            index.upsert_grant(record);
        }
    }
    Ok(index)
}
