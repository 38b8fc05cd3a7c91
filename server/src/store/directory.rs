//! A tenant's directory rows: organizations, sites, groups and their members, custom roles.
//! Simple inserts and updates go through the entities' active models in the services; the
//! reads with filters live here.
use entity::{casbin_rule, group, group_member, membership, organization, role, site, user};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

/// A tenant's organizations, root first then by name.
///
/// # Errors
/// Database failures.
pub async fn organizations(
    db: &impl ConnectionTrait,
    tenant: Uuid,
) -> Result<Vec<organization::Model>, DbErr> {
    organization::Entity::find()
        .filter(organization::Column::TenantId.eq(tenant))
        .order_by_asc(organization::Column::Kind)
        .order_by_asc(organization::Column::Name)
        .all(db)
        .await
}

/// Whether the organization still has child organizations, sites or groups.
///
/// # Errors
/// Database failures.
pub async fn organization_in_use(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, DbErr> {
    let children = organization::Entity::find()
        .filter(organization::Column::ParentId.eq(id))
        .count(db)
        .await?;
    let sites = site::Entity::find()
        .filter(site::Column::OrganizationId.eq(id))
        .count(db)
        .await?;
    let groups = group::Entity::find()
        .filter(group::Column::OrganizationId.eq(id))
        .count(db)
        .await?;
    Ok(children + sites + groups > 0)
}

/// A tenant's sites by name.
///
/// # Errors
/// Database failures.
pub async fn sites(db: &impl ConnectionTrait, tenant: Uuid) -> Result<Vec<site::Model>, DbErr> {
    site::Entity::find()
        .filter(site::Column::TenantId.eq(tenant))
        .order_by_asc(site::Column::Name)
        .all(db)
        .await
}

/// A tenant's groups by name, each with its member ids.
///
/// # Errors
/// Database failures.
pub async fn groups(
    db: &impl ConnectionTrait,
    tenant: Uuid,
) -> Result<Vec<(group::Model, Vec<Uuid>)>, DbErr> {
    let groups = group::Entity::find()
        .filter(group::Column::TenantId.eq(tenant))
        .order_by_asc(group::Column::Name)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = groups.iter().map(|g| g.id).collect();
    let members = group_member::Entity::find()
        .filter(group_member::Column::GroupId.is_in(ids))
        .all(db)
        .await?;
    Ok(groups
        .into_iter()
        .map(|g| {
            let ids = members
                .iter()
                .filter(|m| m.group_id == g.id)
                .map(|m| m.user_id)
                .collect();
            (g, ids)
        })
        .collect())
}

/// One group's member ids.
///
/// # Errors
/// Database failures.
pub async fn group_members(db: &impl ConnectionTrait, group: Uuid) -> Result<Vec<Uuid>, DbErr> {
    Ok(group_member::Entity::find()
        .filter(group_member::Column::GroupId.eq(group))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect())
}

/// The people of a tenant with their memberships there.
///
/// # Errors
/// Database failures.
pub async fn tenant_users(
    db: &impl ConnectionTrait,
    tenant: Uuid,
) -> Result<Vec<(user::Model, Vec<membership::Model>)>, DbErr> {
    let memberships = membership::Entity::find()
        .filter(membership::Column::TenantId.eq(tenant))
        .all(db)
        .await?;
    let mut ids: Vec<Uuid> = memberships.iter().map(|m| m.user_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .order_by_asc(user::Column::EmailLower)
        .all(db)
        .await?;
    Ok(users
        .into_iter()
        .map(|u| {
            let mine = memberships
                .iter()
                .filter(|m| m.user_id == u.id)
                .cloned()
                .collect();
            (u, mine)
        })
        .collect())
}

/// Roles usable in a tenant: the built-ins and its own, each with its custom actions.
///
/// # Errors
/// Database failures.
pub async fn roles(
    db: &impl ConnectionTrait,
    tenant: Uuid,
) -> Result<Vec<(role::Model, Vec<String>)>, DbErr> {
    let roles = role::Entity::find()
        .filter(
            role::Column::TenantId
                .eq(tenant)
                .or(role::Column::TenantId.is_null()),
        )
        .order_by_desc(role::Column::Builtin)
        .order_by_asc(role::Column::Name)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(roles.len());
    for r in roles {
        let actions = role_actions(db, &r).await?;
        out.push((r, actions));
    }
    Ok(out)
}

/// A custom role's actions: its `p` lines in the casbin rule table (`p, <role id>, <tenant>,
/// <action>`). Built-in roles have none here; theirs are in policies/policy.csv.
///
/// # Errors
/// Database failures.
pub async fn role_actions(
    db: &impl ConnectionTrait,
    r: &role::Model,
) -> Result<Vec<String>, DbErr> {
    if r.builtin {
        return Ok(Vec::new());
    }
    Ok(casbin_rule::Entity::find()
        .filter(casbin_rule::Column::Ptype.eq("p"))
        .filter(casbin_rule::Column::V0.eq(r.id.to_string()))
        .order_by_asc(casbin_rule::Column::V2)
        .all(db)
        .await?
        .into_iter()
        .map(|rule| rule.v2)
        .collect())
}

/// Replaces a custom role's `p` lines.
///
/// # Errors
/// Database failures.
pub async fn set_role_actions(
    db: &impl ConnectionTrait,
    role: Uuid,
    tenant: Uuid,
    actions: &[String],
) -> Result<(), DbErr> {
    casbin_rule::Entity::delete_many()
        .filter(casbin_rule::Column::Ptype.eq("p"))
        .filter(casbin_rule::Column::V0.eq(role.to_string()))
        .exec(db)
        .await?;
    if actions.is_empty() {
        return Ok(());
    }
    let rows = actions.iter().map(|action| casbin_rule::ActiveModel {
        id: sea_orm::NotSet,
        ptype: sea_orm::Set("p".into()),
        v0: sea_orm::Set(role.to_string()),
        v1: sea_orm::Set(tenant.to_string()),
        v2: sea_orm::Set(action.clone()),
        v3: sea_orm::Set(String::new()),
        v4: sea_orm::Set(String::new()),
        v5: sea_orm::Set(String::new()),
    });
    casbin_rule::Entity::insert_many(rows)
        .exec(db)
        .await
        .map(|_| ())
}
