//! Device calls through one API: checked against the caller's effective actions and the
//! product's function catalog, sent with the right Particle credential, and audited with the
//! real user, the argument and the result.
use entity::enums::CatalogKind;
use std::sync::Arc;

use fleetwarden_wire::products::ArgumentSpec;
use fleetwarden_wire::sharing::{FunctionCallResponse, VariableResponse};

use super::Ctx;
use crate::access::DeviceEntry;
use crate::audit;
use crate::cache::products::CachedProduct;
use crate::domain::actions::Action;
use crate::domain::ids::DeviceId;
use crate::tenancy::TenancyError;

/// Particle's limit on a function argument, in bytes.
pub const MAX_ARG_BYTES: usize = 1024;

/// The device (as the access index has it: its owner and product, kept in step with every
/// committed change, so no read of the device row) and its product, when the caller may use
/// the catalog entry: 404 for a device they can't see or a name the catalog doesn't list, 403
/// when their role lacks the entry's action.
async fn authorize(
    ctx: &Ctx<'_>,
    id: &DeviceId,
    kind: CatalogKind,
    name: &str,
) -> Result<(DeviceEntry, Arc<CachedProduct>, String), TenancyError> {
    let now = ctx.now();
    let device = visible_device(ctx, id, now).await?;
    let product = ctx
        .state
        .products
        .get(&ctx.state.db, device.product)
        .await?
        .ok_or(TenancyError::NotFound)?;
    let action = product
        .entry(kind, name)
        .ok_or(TenancyError::NotFound)?
        .action
        .clone();
    if !ctx
        .state
        .access
        .read()
        .await
        .may(ctx.user(), id.as_str(), &action, now)
    {
        return Err(TenancyError::Forbidden);
    }
    Ok((device, product, action))
}

/// The device from the access index, if the caller may see it (404 otherwise).
async fn visible_device(
    ctx: &Ctx<'_>,
    id: &DeviceId,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<DeviceEntry, TenancyError> {
    let index = ctx.state.access.read().await;
    if !index.may(ctx.user(), id.as_str(), Action::DeviceRead, now) {
        return Err(TenancyError::NotFound);
    }
    index
        .device(id.as_str())
        .cloned()
        .ok_or(TenancyError::NotFound)
}

/// The function catalog of the device's product: what the device page offers (each entry
/// names the action it needs; the device answer lists mine).
///
/// # Errors
/// 404 unless the caller may see the device.
pub async fn device_catalog(
    ctx: &Ctx<'_>,
    id: &DeviceId,
) -> Result<Vec<fleetwarden_wire::products::CatalogEntry>, TenancyError> {
    let device = visible_device(ctx, id, ctx.now()).await?;
    super::products::catalog(ctx, crate::domain::ids::ProductId(device.product)).await
}

/// Records the call and its outcome (success or the error code) in the audit trail.
/// A device acts on the call, so no call is sent while its record can't be stored.
fn audit_trail_writable(ctx: &Ctx<'_>) -> Result<(), TenancyError> {
    if ctx.state.audit.is_writing() {
        Ok(())
    } else {
        Err(TenancyError::Unavailable(
            "the audit trail can't be written right now, so nothing was sent to the device; \
             try again shortly"
                .into(),
        ))
    }
}

async fn record(
    ctx: &Ctx<'_>,
    device: &DeviceEntry,
    action: &'static str,
    detail: serde_json::Value,
) -> Result<(), TenancyError> {
    let organization_id = ctx
        .state
        .access
        .read()
        .await
        .organization_of(&crate::access::Scope::Device(device.id.clone()));
    let entry = audit::Entry {
        after: Some(detail),
        organization_id,
        ..ctx.entry(device.tenant, action, "device", &device.id)
    };
    // Not a state change of ours, so no transaction to share: the group-committing writer
    // stores it, many calls a commit, and the call is answered once it is stored.
    ctx.state
        .audit
        .record(entry)
        .await
        .map_err(|e| TenancyError::Internal(e.into()))
}

/// Calls a catalogued function.
///
/// # Errors
/// 404/403 as in `authorize`, 422 for an over-long argument, 504 offline, 502/503 upstream.
pub async fn call_function(
    ctx: &Ctx<'_>,
    id: &DeviceId,
    name: &str,
    arg: &str,
) -> Result<FunctionCallResponse, TenancyError> {
    let (device, product, _) = authorize(ctx, id, CatalogKind::Function, name).await?;
    audit_trail_writable(ctx)?;
    if arg.len() > MAX_ARG_BYTES {
        return Err(TenancyError::invalid(
            "arg",
            format!("must be at most {MAX_ARG_BYTES} bytes"),
        ));
    }
    // The catalog's description of the argument, checked before anything reaches the device.
    let spec = product
        .entry(CatalogKind::Function, name)
        .and_then(|e| e.argument.clone())
        .and_then(|a| serde_json::from_value::<ArgumentSpec>(a).ok());
    if let Some(spec) = spec {
        crate::tenancy::products::argument(&spec)
            .check(arg)
            .map_err(|why| TenancyError::invalid("arg", why))?;
    }
    let particle = &ctx.state.particle;
    let device_id = device.id.as_str();
    let outcome = particle
        .on_device(
            &ctx.state.db,
            device.tenant,
            &product.product,
            |token, product| async move {
                particle
                    .client
                    .call_function(&token, product, device_id, name, arg)
                    .await
            },
        )
        .await;
    let result = outcome.map_err(TenancyError::from);
    let detail = match &result {
        Ok(r) => {
            serde_json::json!({ "function": name, "arg": arg, "return_value": r.return_value })
        }
        Err(e) => serde_json::json!({ "function": name, "arg": arg, "error": e.code() }),
    };
    record(ctx, &device, "device.function_call", detail).await?;
    let r = result?;
    Ok(FunctionCallResponse {
        return_value: r.return_value,
        connected: r.connected,
    })
}

/// Reads a catalogued variable.
///
/// # Errors
/// 404/403 as in `authorize`, 504 offline, 502/503 upstream.
pub async fn read_variable(
    ctx: &Ctx<'_>,
    id: &DeviceId,
    name: &str,
) -> Result<VariableResponse, TenancyError> {
    let (device, product, _) = authorize(ctx, id, CatalogKind::Variable, name).await?;
    audit_trail_writable(ctx)?;
    let particle = &ctx.state.particle;
    let device_id = device.id.as_str();
    let result = particle
        .on_device(
            &ctx.state.db,
            device.tenant,
            &product.product,
            |token, product| async move {
                particle
                    .client
                    .get_variable(&token, product, device_id, name)
                    .await
            },
        )
        .await
        .map_err(TenancyError::from);
    let detail = match &result {
        Ok(v) => serde_json::json!({ "variable": name, "value": v.result }),
        Err(e) => serde_json::json!({ "variable": name, "error": e.code() }),
    };
    // Successful reads are sampled (`audit::reads`); failures always recorded.
    let recorded = result.is_err()
        || ctx
            .state
            .recent_reads
            .should_record(ctx.user(), &device.id, name, ctx.now());
    if recorded {
        record(ctx, &device, "device.variable_read", detail).await?;
    }
    let v = result?;
    Ok(VariableResponse {
        name: name.to_owned(),
        value: v.result,
    })
}
