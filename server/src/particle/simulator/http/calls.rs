//! Cloud functions and variables, with the device's latency and reachability faults.
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::SecondsFormat;
use serde_json::{Value, json};

use super::super::Shared;
use super::auth::authenticate;
use super::error::SimError;
use super::params::Params;
use super::{path, product_route};

/// Finds the device for the caller, refuses with `reject` if the request is bad, then waits
/// as the device would: the offline wait (then `Err(timed_out)`) or the slow-device latency.
/// Returns the device id and its product (see `Shared::state_at`).
async fn reach_device(
    sim: &Shared,
    req: &HttpRequest,
    params: &Params,
    reject: Option<SimError>,
    timed_out: SimError,
) -> Result<(String, usize), SimError> {
    let caller = authenticate(sim, req, params)?;
    let (id, online) = {
        let state = sim.state_at(caller.product);
        product_route(req, &state)?;
        state
            .visible(&caller.principal, &path(req, "id"))
            .map(|d| (d.id.clone(), d.online))
            .ok_or(SimError::PermissionDenied)?
    };
    if let Some(reject) = reject {
        return Err(reject);
    }
    if !online {
        tokio::time::sleep(sim.config.offline_timeout).await;
        return Err(timed_out);
    }
    let slow = sim.faults().slow_millis(&id);
    if slow > 0 {
        tokio::time::sleep(Duration::from_millis(slow)).await;
    }
    Ok((id, caller.product))
}

fn wants_raw(params: &Params) -> bool {
    params.get("format").as_deref() == Some("raw")
}

/// `POST /v1/[products/:pid/]devices/:id/:function` with `arg` (or `args`).
pub(crate) async fn call_function(
    req: HttpRequest,
    body: web::Bytes,
    sim: web::Data<Shared>,
) -> Result<HttpResponse, SimError> {
    let params = Params::parse(&req, &body)?;
    let arg = params
        .body("arg")
        .or_else(|| params.body("args"))
        .unwrap_or_default();
    let function = path(&req, "name");
    // The limit is in UTF-8 bytes; the real rejection text is undocumented [?].
    let too_long = (arg.len() > sim.config.max_arg_bytes).then(|| {
        SimError::bad_request(format!(
            "Argument too long: the limit is {} bytes",
            sim.config.max_arg_bytes
        ))
    });
    let (id, product) = reach_device(
        &sim,
        &req,
        &params,
        too_long,
        SimError::function_timed_out(),
    )
    .await?;
    let now = sim.clock.now();
    let mut state = sim.state_at(product);
    let device = state.device(&id).ok_or(SimError::PermissionDenied)?;
    let (name, online) = (device.name.clone(), device.online);
    if !online {
        return Err(SimError::function_timed_out());
    }
    let return_value = state
        .call_function(&id, &function, &arg, now)
        .ok_or_else(|| {
            SimError::not_ok(
                StatusCode::NOT_FOUND,
                format!("Function {function} not found"),
            )
        })?;
    if wants_raw(&params) {
        return Ok(HttpResponse::Ok()
            .content_type("text/plain")
            .body(return_value.to_string()));
    }
    Ok(HttpResponse::Ok().json(json!({
        "id": id,
        "name": name,
        "connected": true,
        "return_value": return_value,
    })))
}

/// `GET /v1/[products/:pid/]devices/:id/:variable`.
pub(crate) async fn get_variable(
    req: HttpRequest,
    body: web::Bytes,
    sim: web::Data<Shared>,
) -> Result<HttpResponse, SimError> {
    let params = Params::parse(&req, &body)?;
    let variable = path(&req, "name");
    let (id, product) = reach_device(&sim, &req, &params, None, SimError::VariableTimedOut).await?;
    let now = sim.clock.now();
    let mut state = sim.state_at(product);
    let device = state.device(&id).ok_or(SimError::PermissionDenied)?;
    if !device.online {
        return Err(SimError::VariableTimedOut);
    }
    let result = device
        .pump
        .read(&variable)
        .ok_or_else(|| SimError::not_ok(StatusCode::NOT_FOUND, "Variable not found"))?;
    let core_info = json!({
        "name": device.name,
        "deviceID": device.id,
        "connected": true,
        "last_handshake_at": device.last_handshake_at.to_rfc3339_opts(SecondsFormat::Millis, true),
    });
    state.touch(&id, now);
    if wants_raw(&params) {
        let text = match &result {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        return Ok(HttpResponse::Ok().content_type("text/plain").body(text));
    }
    Ok(HttpResponse::Ok().json(json!({
        "name": variable,
        "result": result,
        "coreInfo": core_info,
    })))
}
