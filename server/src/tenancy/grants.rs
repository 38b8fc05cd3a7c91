//! Sharing: creating, listing and revoking grants, bounded by what the granter holds.
use chrono::{DateTime, SubsecRound, Utc};
use entity::grant;
use fleetwarden_wire::sharing::{
    CreateGrant, GrantResponse, ScopeKind, ScopeRef, SubjectKind, SubjectRef, UpdateGrant,
};
use sea_orm::EntityTrait;
use uuid::Uuid;

use super::directory::groups::group_in;
use super::directory::sites::site_in;
use super::directory::{org_in, person_in};
use super::{Ctx, conflict};
use crate::access::{GrantRecord, Scope, Subject};
use crate::audit;
use crate::changes::Change;
use crate::changes::rebuild::grant_record;
use crate::domain::actions::Action;
use crate::domain::ids::DeviceId;
use crate::domain::ids::{GrantId, TenantId};
use crate::store::{self, grants::GrantFilter, grants::Identity};
use crate::tenancy::TenancyError;

/// Reads a subject reference: a person or group the caller sees. Anything else reads as
/// missing, in the same words.
async fn subject(ctx: &Ctx<'_>, tenant: Uuid, s: &SubjectRef) -> Result<Subject, TenancyError> {
    match s.kind {
        SubjectKind::User => {
            let sight = ctx.sight(tenant).await;
            match person_in(ctx, tenant, &sight, s.id).await {
                Ok(_) => Ok(Subject::User(s.id)),
                Err(TenancyError::NotFound) => Err(TenancyError::invalid(
                    "subject",
                    "no such user in this tenant",
                )),
                Err(other) => Err(other),
            }
        }
        SubjectKind::Group => match group_in(ctx, tenant, s.id).await {
            Ok(g) => Ok(Subject::Group(g.id)),
            Err(TenancyError::NotFound) => Err(TenancyError::invalid(
                "subject",
                "no such group in this tenant",
            )),
            Err(other) => Err(other),
        },
    }
}

/// Reads a scope reference: something of the tenant the caller sees (a device they may read,
/// a site or organization in their sight). Anything else reads as missing, in the same words,
/// so a reference can't probe what exists.
pub async fn scope(ctx: &Ctx<'_>, tenant: Uuid, s: &ScopeRef) -> Result<Scope, TenancyError> {
    let uuid =
        || Uuid::parse_str(&s.id).map_err(|_| TenancyError::invalid("scope", "id is not a UUID"));
    let missing = || TenancyError::invalid("scope", format!("no such {} in this tenant", s.kind));
    let found = match s.kind {
        ScopeKind::Device => {
            let id = DeviceId::parse(&s.id)
                .map_err(|e| TenancyError::invalid("scope", e.to_string()))?;
            let index = ctx.state.access.read().await;
            let seen = index
                .device(id.as_str())
                .is_some_and(|d| d.tenant == tenant)
                && index.may(ctx.user(), id.as_str(), Action::DeviceRead, ctx.now());
            seen.then(|| Scope::Device(id.as_str().to_owned()))
        }
        ScopeKind::Site => site_in(ctx, tenant, uuid()?)
            .await
            .ok()
            .map(|site| Scope::Site(site.id)),
        ScopeKind::Organization => org_in(ctx, tenant, uuid()?)
            .await
            .ok()
            .map(|o| Scope::Organization(o.id)),
        ScopeKind::Tenant => (uuid()? == tenant).then_some(Scope::Tenant(tenant)),
    };
    found.ok_or_else(missing)
}

/// The wire form of a scope.
pub fn scope_ref(scope: &Scope) -> ScopeRef {
    let (kind, id) = match scope {
        Scope::Device(id) => (ScopeKind::Device, id.clone()),
        Scope::Site(id) => (ScopeKind::Site, id.to_string()),
        Scope::Organization(id) => (ScopeKind::Organization, id.to_string()),
        Scope::Tenant(id) => (ScopeKind::Tenant, id.to_string()),
    };
    ScopeRef { kind, id }
}

/// Nobody grants (or revokes) more than they hold: the caller needs `device.share` and every
/// action of the role on the scope.
async fn check_delegation(ctx: &Ctx<'_>, scope: &Scope, role: Uuid) -> Result<(), TenancyError> {
    let held = ctx.actions_on(scope).await;
    if !held.contains(Action::DeviceShare.as_str()) {
        return Err(TenancyError::Forbidden);
    }
    let wanted = ctx.state.access.read().await.role_actions(role);
    let missing: Vec<&String> = wanted.iter().filter(|a| !held.contains(*a)).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(TenancyError::ExceedsOwnRights(
            missing.into_iter().cloned().collect::<Vec<_>>().join(", "),
        ))
    }
}

/// A stored grant of the tenant, when the caller sees it: their own, or one on a scope where
/// they may share. Anything else is not found.
async fn visible_grant(
    ctx: &Ctx<'_>,
    tenant: Uuid,
    id: Uuid,
) -> Result<(grant::Model, GrantRecord), TenancyError> {
    let stored = grant::Entity::find_by_id(id)
        .one(&ctx.state.db)
        .await?
        .filter(|g| g.tenant_id == tenant)
        .ok_or(TenancyError::NotFound)?;
    let record = grant_record(&stored).ok_or(TenancyError::NotFound)?;
    let mine = record.subject == Subject::User(ctx.user());
    if mine || ctx.holds(&record.scope, Action::DeviceShare).await {
        Ok((stored, record))
    } else {
        Err(TenancyError::NotFound)
    }
}

/// The organization a grant's scope lies in, for its audit records.
async fn organization_of(ctx: &Ctx<'_>, scope: &Scope) -> Option<Uuid> {
    ctx.state.access.read().await.organization_of(scope)
}

/// The role, when usable in the tenant (built-in or its own).
async fn role(ctx: &Ctx<'_>, tenant: Uuid, id: Uuid) -> Result<entity::role::Model, TenancyError> {
    match entity::role::Entity::find_by_id(id)
        .one(&ctx.state.db)
        .await?
    {
        Some(r) if r.builtin || r.tenant_id == Some(tenant) => Ok(r),
        _ => Err(TenancyError::invalid(
            "role_id",
            "no such role in this tenant",
        )),
    }
}

/// The wire form of a grant.
pub fn response(
    g: &grant::Model,
    role_name: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> GrantResponse {
    let record = grant_record(g);
    let (subject, scope) = match &record {
        Some(r) => (
            match r.subject {
                Subject::User(id) => SubjectRef {
                    kind: SubjectKind::User,
                    id,
                },
                Subject::Group(id) => SubjectRef {
                    kind: SubjectKind::Group,
                    id,
                },
            },
            scope_ref(&r.scope),
        ),
        None => (
            SubjectRef {
                kind: SubjectKind::User,
                id: Uuid::nil(),
            },
            ScopeRef {
                kind: ScopeKind::Tenant,
                id: String::new(),
            },
        ),
    };
    GrantResponse {
        id: g.id,
        tenant_id: g.tenant_id,
        subject,
        scope,
        role_id: g.role_id,
        role_name: role_name.to_owned(),
        expires_at: g.expires_at,
        active: g.expires_at.is_none_or(|at| now < at),
        created_by: g.created_by,
        created_at: g.created_at,
    }
}

/// Creates a grant, or merges it into the identical one (same subject, scope and role), which
/// then lasts as long as the longer of the two; says which.
///
/// # Errors
/// 404 for another tenant, 422 for unknown subject/scope/role or a past expiry, 403 when the
/// caller may not share that scope or the role exceeds what they hold there.
pub async fn create(
    ctx: &Ctx<'_>,
    tenant: TenantId,
    body: &CreateGrant,
) -> Result<(GrantResponse, bool), TenancyError> {
    let tenant = Uuid::from(tenant);
    ctx.tenant(tenant).await?;
    let now = ctx.now();
    let subject = subject(ctx, tenant, &body.subject).await?;
    let scope = scope(ctx, tenant, &body.scope).await?;
    let role = role(ctx, tenant, body.role_id).await?;
    if body.expires_at.is_some_and(|at| at <= now) {
        return Err(TenancyError::invalid("expires_at", "must be in the future"));
    }
    check_delegation(ctx, &scope, role.id).await?;

    let identity = Identity::of(tenant, subject, &scope, role.id);
    // Stored at the precision both databases keep, so a merge compares like with like.
    let expires_at = body.expires_at.map(|at| at.trunc_subsecs(6));
    // Two identical requests at once both find nothing and both insert; the unique index lets
    // one through, and the other, tried again, merges into it.
    let org = organization_of(ctx, &scope).await;
    match store_grant(ctx, &identity, expires_at, &role.name, org).await {
        Err(TenancyError::Conflict(_)) => {
            store_grant(ctx, &identity, expires_at, &role.name, org).await
        }
        done => done,
    }
}

/// Stores a new grant, or merges into the identical one: it then lasts as long as the longer
/// of the two. Returns the grant and whether it is new.
async fn store_grant(
    ctx: &Ctx<'_>,
    identity: &Identity,
    expires_at: Option<DateTime<Utc>>,
    role_name: &str,
    org: Option<Uuid>,
) -> Result<(GrantResponse, bool), TenancyError> {
    let now = ctx.now();
    let tenant = identity.tenant;
    let mut txn = ctx.write().await?;
    if let Some(person) = identity.user {
        store::seats::take_turn(&*txn, tenant).await?;
        crate::billing::limits::check(&*txn, tenant, person, now).await?;
    }
    let (stored, created) = match store::grants::identical(&*txn, identity).await? {
        Some(existing) => {
            let before = response(&existing, role_name, now);
            // Extends only, in one statement: of two merges at once, the longer wins.
            if !store::grants::extend(&*txn, existing.id, expires_at).await? {
                return Ok((before, false));
            }
            let merged = grant::Entity::find_by_id(existing.id)
                .one(&*txn)
                .await?
                .ok_or(TenancyError::NotFound)?;
            let wire = response(&merged, role_name, now);
            txn.audit(audit::Entry {
                before: serde_json::to_value(&before).ok(),
                after: serde_json::to_value(&wire).ok(),
                organization_id: org,
                ..ctx.entry(tenant, "grant.merge", "grant", merged.id)
            })
            .await?;
            (merged, false)
        }
        None => {
            let stored =
                store::grants::insert(&*txn, identity, expires_at, Some(ctx.user()), now).await?;
            let wire = response(&stored, role_name, now);
            txn.audit(audit::Entry {
                after: serde_json::to_value(&wire).ok(),
                organization_id: org,
                ..ctx.entry(tenant, "grant.create", "grant", stored.id)
            })
            .await?;
            (stored, true)
        }
    };
    if let Some(user) = identity.user {
        store::seats::settle(&*txn, tenant, Some(&[user]), now).await?;
    }
    if let Some(record) = grant_record(&stored) {
        txn.change(Change::Grant(record));
    }
    txn.commit().await?;
    Ok((response(&stored, role_name, now), created))
}

/// Lists a tenant's grants: all of them for whoever may share at tenant level, otherwise
/// those on scopes the caller may share, and the caller's own.
///
/// # Errors
/// 404 for another tenant.
pub async fn list(
    ctx: &Ctx<'_>,
    tenant: TenantId,
    filter: &GrantFilter,
) -> Result<Vec<GrantResponse>, TenancyError> {
    let tenant = Uuid::from(tenant);
    ctx.tenant(tenant).await?;
    let now = ctx.now();
    let grants = store::grants::list(&ctx.state.db, tenant, filter).await?;
    let roles: std::collections::HashMap<Uuid, String> =
        store::directory::roles(&ctx.state.db, tenant)
            .await?
            .into_iter()
            .map(|(r, _)| (r.id, r.name))
            .collect();
    let whole_tenant = ctx.holds(&Scope::Tenant(tenant), Action::DeviceShare).await;
    let mut out = Vec::with_capacity(grants.len());
    for g in &grants {
        let Some(record) = grant_record(g) else {
            continue;
        };
        let mine = record.subject == Subject::User(ctx.user());
        if whole_tenant || mine || ctx.holds(&record.scope, Action::DeviceShare).await {
            out.push(response(
                g,
                roles.get(&g.role_id).map_or("", String::as_str),
                now,
            ));
        }
    }
    Ok(out)
}

/// Gives a grant another role and/or end, under the same rule as creating it: the caller must
/// be able to share on its scope and hold every action of both the old and the new role there.
///
/// # Errors
/// 404 when unknown or in another tenant, 403 when the caller may not, 422 for an unknown role
/// or a past end, 409 when an identical grant exists.
pub async fn update(
    ctx: &Ctx<'_>,
    tenant: TenantId,
    id: GrantId,
    body: &UpdateGrant,
) -> Result<GrantResponse, TenancyError> {
    let tenant = Uuid::from(tenant);
    let id = Uuid::from(id);
    ctx.tenant(tenant).await?;
    let now = ctx.now();
    let (current, record) = visible_grant(ctx, tenant, id).await?;
    check_delegation(ctx, &record.scope, current.role_id).await?;
    let old_role = role(ctx, tenant, current.role_id).await?;
    let new_role = match body.role_id {
        Some(id) => {
            let new_role = role(ctx, tenant, id).await?;
            check_delegation(ctx, &record.scope, new_role.id).await?;
            new_role
        }
        None => old_role.clone(),
    };
    if let Some(Some(at)) = body.expires_at
        && at <= now
    {
        return Err(TenancyError::invalid("expires_at", "must be in the future"));
    }
    // Stored at the precision both databases keep, as when created.
    let expires_at = body.expires_at.map(|at| at.map(|at| at.trunc_subsecs(6)));
    let before = response(&current, &old_role.name, now);
    let mut txn = ctx.write().await?;
    let updated = store::grants::update(&*txn, current, body.role_id, expires_at)
        .await
        .map_err(conflict(
            "an identical grant (same subject, scope and role)",
        ))?;
    let wire = response(&updated, &new_role.name, now);
    txn.audit(audit::Entry {
        before: serde_json::to_value(&before).ok(),
        after: serde_json::to_value(&wire).ok(),
        organization_id: organization_of(ctx, &record.scope).await,
        ..ctx.entry(tenant, "grant.update", "grant", id)
    })
    .await?;
    if let Some(user) = updated.subject_user_id {
        store::seats::settle(&*txn, tenant, Some(&[user]), now).await?;
    }
    if let Some(record) = grant_record(&updated) {
        txn.change(Change::Grant(record));
    }
    txn.commit().await?;
    Ok(wire)
}

/// Revokes a grant, under the same rule as creating it.
///
/// # Errors
/// 404 when unknown or in another tenant, 403 when the caller may not.
pub async fn revoke(ctx: &Ctx<'_>, tenant: TenantId, id: GrantId) -> Result<(), TenancyError> {
    let tenant = Uuid::from(tenant);
    let id = Uuid::from(id);
    ctx.tenant(tenant).await?;
    let (stored, record) = visible_grant(ctx, tenant, id).await?;
    check_delegation(ctx, &record.scope, stored.role_id).await?;
    let before = serde_json::to_value(response(&stored, "", ctx.now())).ok();
    let mut txn = ctx.write().await?;
    store::grants::delete(&*txn, &[id]).await?;
    if let Some(user) = stored.subject_user_id {
        store::seats::settle(&*txn, tenant, Some(&[user]), ctx.now()).await?;
    }
    txn.audit(audit::Entry {
        before,
        organization_id: organization_of(ctx, &record.scope).await,
        ..ctx.entry(tenant, "grant.revoke", "grant", id)
    })
    .await?;
    txn.change(Change::GrantRemoved { id });
    txn.commit().await?;
    Ok(())
}
