//! A tenant's seats and bill for a month: what its admins (`billing.read` on the whole tenant)
//! and platform admins see.
use fleetwarden_wire::billing::{BillingQuery, BillingResponse, DaySeats};
use uuid::Uuid;

use super::{bill_view, parse_period, plan_at, plan_response, plan_spans, seat_spans};
use crate::access::Scope;
use crate::domain::actions::Action;
use crate::domain::billing::{self, Period};
use crate::domain::ids::TenantId;
use crate::store;
use crate::tenancy::{Ctx, TenancyError};

/// 404 for another tenant, 403 without `billing.read` on all of it.
pub(super) async fn may_read(ctx: &Ctx<'_>, tenant: Uuid) -> Result<(), TenancyError> {
    ctx.tenant(tenant).await?;
    ctx.require(&Scope::Tenant(tenant), Action::BillingRead)
        .await
}

/// The month's seats per day, its bill (so far for the current month, with a projection to its
/// end), the issued invoice once closed, and a warning past the included seats.
///
/// # Errors
/// 404/403 as above; 422 for a malformed or future month.
pub async fn billing(
    ctx: &Ctx<'_>,
    tenant: TenantId,
    query: &BillingQuery,
) -> Result<BillingResponse, TenancyError> {
    let tenant = Uuid::from(tenant);
    may_read(ctx, tenant).await?;
    let now = ctx.now();
    let current = Period::containing(now)
        .ok_or_else(|| TenancyError::Internal(anyhow::anyhow!("no period for {now}")))?;
    let period = match &query.period {
        Some(text) => parse_period(text)?,
        None => current,
    };
    if period > current {
        return Err(TenancyError::invalid("period", "that month hasn't begun"));
    }
    let db = &ctx.state.db;
    let plans = plan_spans(db, tenant).await?;
    let spans = seat_spans(db, tenant, &period).await?;
    let up_to = (period == current).then_some(now);
    let daily = billing::daily_seats(&spans, &period, up_to);
    let bill = match billing::invoice(&period, &plans, &spans, up_to) {
        Ok(invoice) => Some(bill_view(&invoice)),
        Err(billing::BillingError::NoPlan(_)) => None,
        Err(other) => return Err(TenancyError::Internal(other.into())),
    };
    let projected = if period == current && bill.is_some() {
        let invoice = billing::projection(now, &plans, &spans)
            .map_err(|e| TenancyError::Internal(e.into()))?;
        Some(bill_view(&invoice))
    } else {
        None
    };
    let plan = plan_at(db, tenant, now).await?;
    let seats_now = store::seats::seated(db, tenant, now).await?;
    let warning = plan.as_ref().and_then(|p| {
        let included = u32::try_from(p.included_seats).unwrap_or(0);
        (seats_now > included).then(|| {
            format!(
                "{seats_now} people hold seats and the {} plan includes {included}: each extra \
                 one is billed",
                p.name
            )
        })
    });
    let invoice = store::billing::invoice_for(db, tenant, period.first_day())
        .await?
        .map(|row| super::invoices::response(&row));
    Ok(BillingResponse {
        tenant_id: tenant,
        period: period.to_string(),
        plan: plan.as_ref().map(plan_response),
        seats_now,
        warning,
        daily: (1..=period.days())
            .zip(daily)
            .filter_map(|(day, seats)| {
                Some(DaySeats {
                    date: period.day(day)?,
                    seats,
                })
            })
            .collect(),
        bill,
        projected,
        invoice,
    })
}
