//! Issued invoices: once a month is over, each tenant subscribed during it gets its invoice,
//! numbered and never changed. Closing is safe to repeat and to run on several instances at
//! once: the unique (tenant, month) index lets one invoice through and the others find it.
use chrono::{DateTime, Utc};
use entity::invoice;
use fleetwarden_wire::billing::{InvoiceLineResponse, InvoiceResponse};
use uuid::Uuid;

use super::bill::may_read;
use super::{line_response, parse_period, plan_spans, seat_spans};
use crate::audit;
use crate::domain::billing::{self, Period};
use crate::domain::ids::TenantId;
use crate::state::AppState;
use crate::store;
use crate::tenancy::{Ctx, TenancyError};

/// The wire form of an issued invoice.
pub fn response(row: &invoice::Model) -> InvoiceResponse {
    InvoiceResponse {
        id: row.id,
        number: row.number.clone(),
        tenant_id: row.tenant_id,
        period: row.period_start.format("%Y-%m").to_string(),
        currency: row.currency.clone(),
        lines: serde_json::from_value::<Vec<InvoiceLineResponse>>(row.lines.clone())
            .unwrap_or_default(),
        total_minor: row.total_minor,
        issued_at: row.issued_at,
    }
}

/// The tenant's issued invoices, newest first.
///
/// # Errors
/// 404/403 as for its bill.
pub async fn list(ctx: &Ctx<'_>, tenant: TenantId) -> Result<Vec<InvoiceResponse>, TenancyError> {
    let tenant = Uuid::from(tenant);
    may_read(ctx, tenant).await?;
    Ok(store::billing::invoices(&ctx.state.db, tenant)
        .await?
        .iter()
        .map(response)
        .collect())
}

/// Closes a month now (platform admins): issues the invoices not yet issued.
///
/// # Errors
/// 403; 422 for a month not over.
pub async fn close_now(ctx: &Ctx<'_>, period: &str) -> Result<Vec<InvoiceResponse>, TenancyError> {
    ctx.require_platform_admin()?;
    let period = parse_period(period)?;
    if period.end() > ctx.now() {
        return Err(TenancyError::invalid("period", "that month isn't over yet"));
    }
    close(ctx.state, period, ctx.now()).await
}

/// Issues the invoice of every tenant subscribed during `period` that has none yet; returns
/// the invoices of the period (those issued now and before).
///
/// # Errors
/// Database failures.
pub async fn close(
    state: &AppState,
    period: Period,
    now: DateTime<Utc>,
) -> Result<Vec<InvoiceResponse>, TenancyError> {
    let closed = issue(state, period, now).await;
    match &closed {
        Ok((_, issued)) => crate::metrics::billing_close(true, *issued),
        Err(_) => crate::metrics::billing_close(false, 0),
    }
    closed.map(|(invoices, _)| invoices)
}

/// The period's invoices, and how many of them were issued now.
async fn issue(
    state: &AppState,
    period: Period,
    now: DateTime<Utc>,
) -> Result<(Vec<InvoiceResponse>, usize), TenancyError> {
    let db = &state.db;
    let mut out = Vec::new();
    let mut issued = 0;
    for tenant in store::billing::subscribed_between(db, period.start(), period.end()).await? {
        if let Some(row) = store::billing::invoice_for(db, tenant, period.first_day()).await? {
            out.push(response(&row));
            continue;
        }
        let plans = plan_spans(db, tenant).await?;
        let spans = seat_spans(db, tenant, &period).await?;
        let bill = match billing::invoice(&period, &plans, &spans, None) {
            Ok(bill) => bill,
            Err(billing::BillingError::NoPlan(_)) => continue,
            Err(other) => return Err(TenancyError::Internal(other.into())),
        };
        let lines: Vec<InvoiceLineResponse> = bill.lines.iter().map(line_response).collect();
        let row = invoice::Model {
            id: Uuid::now_v7(),
            tenant_id: tenant,
            period_start: period.first_day(),
            number: format!("FW-{period}-{}", &tenant.simple().to_string()[..12]),
            currency: bill.currency.as_str().to_owned(),
            total_minor: bill.total.minor,
            lines: serde_json::to_value(&lines).map_err(|e| TenancyError::Internal(e.into()))?,
            issued_at: now,
        };
        let txn = state.writer.begin().await?;
        match store::billing::insert_invoice(&*txn, row).await {
            Ok(stored) => {
                let wire = response(&stored);
                txn.audit(audit::Entry {
                    tenant_id: Some(tenant),
                    action: "invoice.issue",
                    target_kind: "invoice",
                    target_id: Some(stored.id.to_string()),
                    after: serde_json::to_value(&wire).ok(),
                    ..Default::default()
                })
                .await?;
                txn.commit().await?;
                issued += 1;
                out.push(wire);
            }
            Err(err)
                if matches!(
                    err.sql_err(),
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                ) =>
            {
                // Another instance issued it first.
                drop(txn);
                if let Some(row) =
                    store::billing::invoice_for(db, tenant, period.first_day()).await?
                {
                    out.push(response(&row));
                }
            }
            Err(err) => return Err(err.into()),
        }
    }
    Ok((out, issued))
}

/// Closes the month before `now`'s, every hour: a month is invoiced within the hour after it
/// ends, by whichever instance gets there first.
pub async fn close_every_hour(state: actix_web::web::Data<AppState>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let now = state.clock.now();
        let Some(previous) = Period::containing(now).and_then(|p| p.previous()) else {
            continue;
        };
        if let Err(err) = close(&state, previous, now).await {
            tracing::error!(error = %err, period = %previous, "closing the billing period failed");
        }
    }
}
