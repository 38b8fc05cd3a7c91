//! Onboarding a CSV file of devices: the file checked whole, then each line on its own.
use entity::{device, particle_product, site};
use fleetwarden_wire::products::{BatchOutcome, BatchResult, BatchRow};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{Checked, store};
use crate::audit;
use crate::domain::ids::{ProductId, TenantId};
use crate::tenancy::TenancyError;
use crate::tenancy::{Ctx, batch_file};

/// Onboards every device of a CSV file. The file is checked whole first: any bad line is a
/// 422 naming every bad line, and nothing is done. Then each device is onboarded on its own,
/// so one Particle refusal doesn't undo the others; a device already in this tenant counts
/// as done, so a corrected file can simply be sent again.
///
/// # Errors
/// 403 for non-operators, 404 for an unknown tenant, 422 for a bad file.
pub async fn onboard_csv(
    ctx: &Ctx<'_>,
    tenant: TenantId,
    csv_text: Vec<u8>,
    default_product: Option<ProductId>,
) -> Result<BatchResult, TenancyError> {
    let tenant = Uuid::from(tenant);
    let default_product = default_product.map(Uuid::from);
    ctx.require_platform_admin()?;
    ctx.tenant(tenant).await?;
    batch_file::check_size(&csv_text)?;
    let db = &ctx.state.db;
    let known = batch_file::Known {
        sites: site::Entity::find()
            .filter(site::Column::TenantId.eq(tenant))
            .all(db)
            .await?
            .into_iter()
            .map(|s| (s.id, s.name.to_lowercase()))
            .collect(),
        products: particle_product::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect(),
        default_product,
    };
    // A file of thousands of lines takes milliseconds to check: not on an async worker, where
    // it would hold up every other request of that thread.
    let lines = tokio::task::spawn_blocking(move || batch_file::parse(&csv_text, &known))
        .await
        .map_err(|e| TenancyError::Internal(e.into()))??;
    let mut rows = Vec::with_capacity(lines.len());
    for batch_file::BatchLine {
        line,
        id,
        name,
        site_id,
        product,
    } in lines
    {
        let checked = Checked {
            id,
            name,
            site_id,
            product,
        };
        let id = checked.id.as_str().to_owned();
        let (outcome, error) = match store(ctx, tenant, checked).await {
            Ok(_) => (BatchOutcome::Onboarded, None),
            Err(TenancyError::Conflict(_)) if in_tenant(ctx, tenant, &id).await? => {
                (BatchOutcome::AlreadyOnboarded, None)
            }
            Err(e) => (
                BatchOutcome::Failed,
                Some(crate::error::ApiError::from(e).body()),
            ),
        };
        rows.push(BatchRow {
            line,
            id,
            outcome,
            error,
        });
    }
    let count = |o: BatchOutcome| rows.iter().filter(|r| r.outcome == o).count();
    let result = BatchResult {
        onboarded: count(BatchOutcome::Onboarded),
        already_onboarded: count(BatchOutcome::AlreadyOnboarded),
        failed: count(BatchOutcome::Failed),
        rows,
    };
    let txn = ctx.write().await?;
    txn.audit(audit::Entry {
        after: Some(serde_json::json!({
            "onboarded": result.onboarded,
            "already_onboarded": result.already_onboarded,
            "failed": result.failed,
        })),
        ..ctx.entry(tenant, "device.onboard_batch", "tenant", tenant)
    })
    .await?;
    txn.commit().await?;
    Ok(result)
}

async fn in_tenant(ctx: &Ctx<'_>, tenant: Uuid, id: &str) -> Result<bool, TenancyError> {
    Ok(device::Entity::find_by_id(id.to_owned())
        .one(&ctx.state.db)
        .await?
        .is_some_and(|d| d.tenant_id == tenant))
}
