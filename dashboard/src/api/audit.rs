//! A tenant's audit log (`/tenants/{tenant}/audit`), on screen and as a CSV file.
use fleetwarden_wire::directory::{AuditQuery, AuditRecordResponse, Page, PagingQuery};
use uuid::Uuid;

use super::{ApiResult, BASE, Paged, get, with_query};

/// A page of the tenant's audit log, newest first.
pub async fn records(
    tenant: Uuid,
    filter: &AuditQuery,
    paging: &PagingQuery,
) -> ApiResult<Page<AuditRecordResponse>> {
    get(&with_query(
        &format!("/tenants/{tenant}/audit"),
        &Paged { filter, paging },
    )?)
    .await
}

/// Where the browser downloads the log, filtered as `filter` (the session cookie goes with it).
pub fn export_url(tenant: Uuid, filter: &AuditQuery) -> ApiResult<String> {
    let path = with_query(&format!("/tenants/{tenant}/audit/export"), filter)?;
    Ok(format!("{BASE}{path}"))
}
