//! CSV files of a month's seats per day and of the issued invoices' lines, for the product
//! maker's own accounting.
use fleetwarden_wire::billing::BillingQuery;
use uuid::Uuid;

use super::bill::{billing, may_read};
use crate::domain::ids::TenantId;
use crate::store;
use crate::tenancy::audit_export::defused;
use crate::tenancy::{Ctx, TenancyError};

fn finish(out: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, TenancyError> {
    out.into_inner()
        .map_err(|e| TenancyError::Internal(anyhow::anyhow!("{e}")))
}

/// `date,seats`, one line per day of the month (days to come: 0).
///
/// # Errors
/// As for the bill.
pub async fn daily_seats(
    ctx: &Ctx<'_>,
    tenant: TenantId,
    query: &BillingQuery,
) -> Result<Vec<u8>, TenancyError> {
    let bill = billing(ctx, tenant, query).await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let written: Result<(), csv::Error> = (|| {
        out.write_record(["date", "seats"])?;
        for day in &bill.daily {
            out.write_record([day.date.to_string(), day.seats.to_string()])?;
        }
        Ok(())
    })();
    written.map_err(|e| TenancyError::Internal(e.into()))?;
    finish(out)
}

/// One line per invoice line of every issued invoice, newest month first.
///
/// # Errors
/// As for the invoices.
pub async fn invoices(ctx: &Ctx<'_>, tenant: TenantId) -> Result<Vec<u8>, TenancyError> {
    let tenant = Uuid::from(tenant);
    may_read(ctx, tenant).await?;
    let rows = store::billing::invoices(&ctx.state.db, tenant).await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let written: Result<(), csv::Error> = (|| {
        out.write_record([
            "number",
            "period",
            "currency",
            "plan",
            "kind",
            "description",
            "quantity",
            "unit_price_minor",
            "amount_minor",
            "invoice_total_minor",
        ])?;
        for row in &rows {
            let invoice = super::invoices::response(row);
            for line in &invoice.lines {
                out.write_record(
                    [
                        invoice.number.clone(),
                        invoice.period.clone(),
                        invoice.currency.clone(),
                        line.plan_code.clone(),
                        line.kind.as_str().to_owned(),
                        line.description.clone(),
                        line.quantity.to_string(),
                        line.unit_price_minor.clone(),
                        line.amount_minor.to_string(),
                        invoice.total_minor.to_string(),
                    ]
                    .map(defused),
                )?;
            }
        }
        Ok(())
    })();
    written.map_err(|e| TenancyError::Internal(e.into()))?;
    finish(out)
}
