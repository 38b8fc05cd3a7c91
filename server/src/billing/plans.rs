//! Plans: what tenants pay. Platform admins make and change them; prices are fixed once a plan
//! exists, so a subscriber's past days stay billed as they were.
use entity::plan;
use fleetwarden_wire::billing::{CreatePlan, PlanResponse, UpdatePlan};
use sea_orm::Set;
use uuid::Uuid;

use super::plan_response;
use crate::audit;
use crate::domain::billing::Currency;
use crate::store;
use crate::tenancy::{Ctx, TenancyError, conflict, name};

fn entry(ctx: &Ctx<'_>, action: &'static str, id: Uuid) -> audit::Entry {
    audit::Entry {
        tenant_id: None,
        ..ctx.entry(Uuid::nil(), action, "plan", id)
    }
}

/// Every plan (platform admins).
///
/// # Errors
/// 403.
pub async fn list(ctx: &Ctx<'_>) -> Result<Vec<PlanResponse>, TenancyError> {
    ctx.require_platform_admin()?;
    Ok(store::billing::plans(&ctx.state.db)
        .await?
        .iter()
        .map(plan_response)
        .collect())
}

fn amount(field: &str, value: i64) -> Result<i64, TenancyError> {
    if (0..=100_000_000_000).contains(&value) {
        Ok(value)
    } else {
        Err(TenancyError::invalid(
            field,
            "between 0 and 100000000000 minor units",
        ))
    }
}

fn seats(field: &str, value: u32, least: u32) -> Result<i32, TenancyError> {
    if (least..=1_000_000).contains(&value) {
        Ok(i32::try_from(value).unwrap_or(i32::MAX))
    } else {
        Err(TenancyError::invalid(
            field,
            format!("between {least} and 1000000"),
        ))
    }
}

fn days(field: &str, value: u32) -> Result<i32, TenancyError> {
    if (1..=36_500).contains(&value) {
        Ok(i32::try_from(value).unwrap_or(i32::MAX))
    } else {
        Err(TenancyError::invalid(field, "between 1 and 36500 days"))
    }
}

/// Makes a plan.
///
/// # Errors
/// 403; 422 for a bad field; 409 for a code in use.
pub async fn create(ctx: &Ctx<'_>, body: &CreatePlan) -> Result<PlanResponse, TenancyError> {
    ctx.require_platform_admin()?;
    let code = body.code.trim();
    let valid_code = !code.is_empty()
        && code.len() <= 50
        && code.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !valid_code {
        return Err(TenancyError::invalid(
            "code",
            "lower-case letters, digits, - and _, at most 50",
        ));
    }
    let plan_name = name("name", &body.name, 200)?;
    let currency = Currency::parse(&body.currency)
        .map_err(|_| TenancyError::invalid("currency", "an ISO 4217 code such as USD"))?;
    let new = store::billing::NewPlan {
        code,
        name: &plan_name,
        included_seats: seats("included_seats", body.included_seats, 0)?,
        monthly_price_minor: amount("monthly_price_minor", body.monthly_price_minor)?,
        extra_seat_price_minor: amount("extra_seat_price_minor", body.extra_seat_price_minor)?,
        currency: currency.as_str(),
        max_seats: body
            .max_seats
            .map(|m| seats("max_seats", m, 1))
            .transpose()?,
        history_retention_days: body
            .history_retention_days
            .map(|d| days("history_retention_days", d))
            .transpose()?,
    };
    let now = ctx.now();
    let txn = ctx.write().await?;
    let mut stored = store::billing::insert_plan(&*txn, new, now)
        .await
        .map_err(conflict("a plan with this code"))?;
    if body.default {
        store::billing::make_default(&*txn, stored.id).await?;
        stored.is_default = true;
    }
    let wire = plan_response(&stored);
    txn.audit(audit::Entry {
        after: serde_json::to_value(&wire).ok(),
        ..entry(ctx, "plan.create", stored.id)
    })
    .await?;
    txn.commit().await?;
    Ok(wire)
}

/// Renames, limits, sets the history kept, archives or makes default a plan.
///
/// # Errors
/// 403; 404; 422.
pub async fn update(
    ctx: &Ctx<'_>,
    id: Uuid,
    body: &UpdatePlan,
) -> Result<PlanResponse, TenancyError> {
    ctx.require_platform_admin()?;
    let current = store::billing::plan(&ctx.state.db, id)
        .await?
        .ok_or(TenancyError::NotFound)?;
    let mut changed: plan::ActiveModel = current.clone().into();
    if let Some(n) = &body.name {
        changed.name = Set(name("name", n, 200)?);
    }
    if let Some(max) = body.max_seats {
        changed.max_seats = Set(max.map(|m| seats("max_seats", m, 1)).transpose()?);
    }
    if let Some(kept) = body.history_retention_days {
        changed.history_retention_days = Set(kept
            .map(|d| days("history_retention_days", d))
            .transpose()?);
    }
    match body.archived {
        Some(true) if current.archived_at.is_none() => changed.archived_at = Set(Some(ctx.now())),
        Some(false) => changed.archived_at = Set(None),
        _ => {}
    }
    let txn = ctx.write().await?;
    let mut saved = store::billing::save_plan(&*txn, changed).await?;
    if body.default == Some(true) {
        store::billing::make_default(&*txn, id).await?;
        saved.is_default = true;
    }
    let wire = plan_response(&saved);
    txn.audit(audit::Entry {
        before: serde_json::to_value(plan_response(&current)).ok(),
        after: serde_json::to_value(&wire).ok(),
        ..entry(ctx, "plan.update", id)
    })
    .await?;
    txn.commit().await?;
    Ok(wire)
}
