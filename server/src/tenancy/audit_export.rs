//! The audit log as a CSV file, filtered as on screen, for people who keep their own records
//! or hand them to an auditor.
use uuid::Uuid;

use super::Ctx;
use crate::domain::ids::TenantId;
use crate::store::{self, audit_log::AuditFilter};
use crate::tenancy::TenancyError;

/// Most records in one file.
pub const MOST: u64 = 50_000;

/// The file: a header, then one line per record the caller may read, newest first.
///
/// # Errors
/// 404/403 as usual; 422 when more than [`MOST`] records match; 503 while device calls'
/// records are still being written.
pub async fn csv(
    ctx: &Ctx<'_>,
    tenant: TenantId,
    filter: &AuditFilter,
) -> Result<Vec<u8>, TenancyError> {
    let tenant = Uuid::from(tenant);
    ctx.tenant(tenant).await?;
    let filter = super::audit_log::readable(ctx, tenant, filter).await?;
    super::audit_log::audit_caught_up(ctx).await?;
    let Some(rows) =
        store::audit_log::all_up_to(&ctx.state.db, tenant, &filter, MOST, 1_000).await?
    else {
        return Err(TenancyError::invalid(
            "csv",
            format!("more than {MOST} records match; narrow the dates or filters"),
        ));
    };
    let mut out = csv::Writer::from_writer(Vec::new());
    let header = [
        "created_at",
        "actor_email",
        "actor_user_id",
        "action",
        "target_kind",
        "target_id",
        "before",
        "after",
        "request_id",
    ];
    let written: Result<(), csv::Error> = (|| {
        out.write_record(header)?;
        for r in rows {
            let json = |v: Option<serde_json::Value>| v.map(|v| v.to_string()).unwrap_or_default();
            out.write_record(
                [
                    r.created_at.to_rfc3339(),
                    r.actor_email.unwrap_or_default(),
                    r.actor_user_id.map(|u| u.to_string()).unwrap_or_default(),
                    r.action,
                    r.target_kind,
                    r.target_id.unwrap_or_default(),
                    json(r.before),
                    json(r.after),
                    r.request_id.unwrap_or_default(),
                ]
                .map(defused),
            )?;
        }
        Ok(())
    })();
    written.map_err(|e| TenancyError::Internal(e.into()))?;
    out.into_inner()
        .map_err(|e| TenancyError::Internal(anyhow::anyhow!("{e}")))
}

/// A spreadsheet runs a cell starting with `=`, `+`, `-`, `@` (or a tab or carriage return)
/// as a formula; anyone can put such text in a name that lands in the log, so such cells get
/// a leading `'`, which spreadsheets show as text (OWASP's advice for CSV injection).
pub fn defused(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

#[cfg(test)]
mod tests {
    use super::defused;

    #[test]
    fn cells_a_spreadsheet_would_run_are_kept_as_text() {
        assert_eq!(defused("=HYPERLINK(\"x\")".into()), "'=HYPERLINK(\"x\")");
        assert_eq!(defused("@SUM(A1)".into()), "'@SUM(A1)");
        assert_eq!(defused("grant.create".into()), "grant.create");
        assert_eq!(defused(String::new()), "");
    }
}
