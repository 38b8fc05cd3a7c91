//! Seats and billing: plans (platform admins), a tenant's subscription, its seat usage and
//! bill, issued invoices and the plan's seat limit. The arithmetic is `domain::billing`; this
//! loads what it needs (seat spans, the plans over time), checks who may see it, and stores
//! what is issued.
pub mod bill;
pub mod export;
pub mod invoices;
pub mod limits;
pub mod plans;
pub mod subscriptions;

use chrono::{DateTime, Utc};
use entity::plan;
use fleetwarden_wire::billing::{self as wire, BillView, InvoiceLineResponse, PlanResponse};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::domain::billing::{
    Coverage, Currency, Invoice, LineKind, Period, Plan, PlanSpan, SeatSpan,
};
use crate::store;
use crate::tenancy::TenancyError;

/// A stored plan's terms.
fn terms(p: &plan::Model) -> Result<Plan, TenancyError> {
    let currency = Currency::parse(&p.currency).map_err(|e| TenancyError::Internal(e.into()))?;
    Ok(Plan {
        code: p.code.clone(),
        name: p.name.clone(),
        included_seats: u32::try_from(p.included_seats).unwrap_or(0),
        monthly_price: p.monthly_price_cents,
        extra_seat_price: p.extra_seat_price_cents,
        currency,
        max_seats: p.max_seats.and_then(|m| u32::try_from(m).ok()),
    })
}

/// The wire form of a plan.
fn plan_response(p: &plan::Model) -> PlanResponse {
    PlanResponse {
        id: p.id,
        code: p.code.clone(),
        name: p.name.clone(),
        included_seats: u32::try_from(p.included_seats).unwrap_or(0),
        monthly_price_minor: p.monthly_price_cents,
        extra_seat_price_minor: p.extra_seat_price_cents,
        currency: p.currency.clone(),
        max_seats: p.max_seats.and_then(|m| u32::try_from(m).ok()),
        history_retention_days: p.history_retention_days.and_then(|d| u32::try_from(d).ok()),
        default: p.is_default,
        archived_at: p.archived_at,
    }
}

/// The tenant's plans over time.
async fn plan_spans(
    db: &impl ConnectionTrait,
    tenant: Uuid,
) -> Result<Vec<PlanSpan>, TenancyError> {
    store::billing::subscriptions(db, tenant)
        .await?
        .iter()
        .map(|(s, p)| {
            Ok(PlanSpan {
                plan: terms(p)?,
                from: s.starts_at,
                until: s.ends_at,
            })
        })
        .collect()
}

/// The plan in force at `at`.
async fn plan_at(
    db: &impl ConnectionTrait,
    tenant: Uuid,
    at: DateTime<Utc>,
) -> Result<Option<plan::Model>, TenancyError> {
    Ok(store::billing::subscriptions(db, tenant)
        .await?
        .into_iter()
        .filter(|(s, _)| s.starts_at <= at && s.ends_at.is_none_or(|end| end > at))
        .map(|(_, p)| p)
        .next_back())
}

/// The seat spans touching `period`.
async fn seat_spans(
    db: &impl ConnectionTrait,
    tenant: Uuid,
    period: &Period,
) -> Result<Vec<SeatSpan>, TenancyError> {
    Ok(
        store::seats::overlapping(db, tenant, period.start(), period.end())
            .await?
            .into_iter()
            .map(|s| SeatSpan {
                person: s.user_id,
                from: s.starts_at,
                until: s.ends_at,
            })
            .collect(),
    )
}

/// Reads `YYYY-MM`.
fn parse_period(text: &str) -> Result<Period, TenancyError> {
    let invalid = || TenancyError::invalid("period", "must be a month, YYYY-MM");
    let (year, month) = text.split_once('-').ok_or_else(invalid)?;
    if year.len() != 4 || month.len() != 2 {
        return Err(invalid());
    }
    Period::new(
        year.parse().map_err(|_| invalid())?,
        month.parse().map_err(|_| invalid())?,
    )
    .ok_or_else(invalid)
}

fn line_response(line: &crate::domain::billing::InvoiceLine) -> InvoiceLineResponse {
    let (kind, description) = match line.kind {
        LineKind::Base => (
            wire::LineKind::Base,
            format!(
                "{}: base price, {} {}",
                line.plan.name,
                line.quantity,
                if line.quantity == 1 { "day" } else { "days" }
            ),
        ),
        LineKind::ExtraSeats => (
            wire::LineKind::ExtraSeats,
            format!(
                "{}: seats beyond the {} included, {} seat-{}",
                line.plan.name,
                line.plan.included_seats,
                line.quantity,
                if line.quantity == 1 { "day" } else { "days" }
            ),
        ),
    };
    InvoiceLineResponse {
        plan_code: line.plan.code.clone(),
        kind,
        description,
        quantity: line.quantity,
        unit_price_minor: line.unit_price.normalize().to_string(),
        amount_minor: line.amount.minor,
    }
}

fn bill_view(invoice: &Invoice) -> BillView {
    let days_counted = match invoice.coverage {
        Coverage::Complete => invoice.period.days(),
        Coverage::SoFar { days } => days,
        Coverage::Projected { actual_days } => actual_days,
    };
    BillView {
        period: invoice.period.to_string(),
        currency: invoice.currency.as_str().to_owned(),
        lines: invoice.lines.iter().map(line_response).collect(),
        total_minor: invoice.total.minor,
        days_counted,
        days_in_period: invoice.period.days(),
    }
}
