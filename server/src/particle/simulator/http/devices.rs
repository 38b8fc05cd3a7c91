//! Devices: claim and release, import and removal, listings, details and ping.
use std::cmp::Ordering;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::SecondsFormat;
use serde_json::{Map, Value, json};

use super::super::Shared;
use super::super::pump::{FUNCTIONS, VARIABLES};
use super::super::state::{
    ClaimError, Device, Imported, PLATFORM_ID, PRODUCT_FIRMWARE_VERSION, Principal,
    SYSTEM_FIRMWARE_VERSION, State,
};
use super::auth::authenticate;
use super::error::SimError;
use super::params::Params;
use super::{expect_name, page, path, product, product_route};

/// The device object of `GET /v1/devices/:id`; product views add the product-only fields.
fn device_json(state: &State, device: &Device, product_view: bool) -> Value {
    let at = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
    // The cloud only knows what an offline device registered while it was online.
    let (functions, variables) = if device.online {
        let variables: Map<String, Value> = VARIABLES
            .iter()
            .map(|(name, kind)| ((*name).to_owned(), Value::from(*kind)))
            .collect();
        (json!(FUNCTIONS), Value::Object(variables))
    } else {
        (Value::Null, Value::Null)
    };
    let mut body = json!({
        "id": device.id,
        "name": device.name,
        "owner": device.owner,
        "last_ip_address": device.last_ip_address,
        "last_heard": at(device.last_heard),
        "last_handshake_at": at(device.last_handshake_at),
        "product_id": state.product.id,
        "online": device.online,
        "connected": device.online,
        "platform_id": PLATFORM_ID,
        "cellular": false,
        "notes": null,
        "functions": functions,
        "variables": variables,
        "status": "normal",
        "serial_number": device.serial_number,
        "system_firmware_version": SYSTEM_FIRMWARE_VERSION,
        "firmware_updates_enabled": true,
        "firmware_updates_forced": false,
    });
    if product_view && let Value::Object(fields) = &mut body {
        let customer_id = device
            .owner
            .as_deref()
            .and_then(|owner| state.customer_id(owner));
        for (key, value) in [
            ("firmware_product_id", json!(state.product.id)),
            ("groups", json!([])),
            ("firmware_version", json!(PRODUCT_FIRMWARE_VERSION)),
            ("desired_firmware_version", Value::Null),
            ("targeted_firmware_release_version", Value::Null),
            ("development", json!(false)),
            ("quarantined", json!(false)),
            ("denied", json!(false)),
        ] {
            fields.insert(key.to_owned(), value);
        }
        if let Some(customer_id) = customer_id {
            fields.insert("customer_id".to_owned(), json!(customer_id));
        }
    }
    body
}

/// `GET /v1/devices`: the caller's devices (a product token's: all), newest handshake first.
pub(crate) async fn list_devices(
    req: HttpRequest,
    body: web::Bytes,
    sim: web::Data<Shared>,
) -> Result<HttpResponse, SimError> {
    let params = Params::parse(&req, &body)?;
    let caller = authenticate(&sim, &req, &params)?;
    let state = sim.state_at(caller.product);
    let mut devices: Vec<&Device> = state
        .devices
        .iter()
        .filter(|d| State::can_see(&caller.principal, d))
        .collect();
    devices.sort_by_key(|d| std::cmp::Reverse(d.last_handshake_at));
    let body: Vec<Value> = devices
        .into_iter()
        .map(|d| device_json(&state, d, false))
        .collect();
    Ok(HttpResponse::Ok().json(body))
}

/// `GET /v1/products/:pid/devices`: filters, sorting and pages (`perPage` or `per_page`).
pub(crate) async fn list_product_devices(
    req: HttpRequest,
    body: web::Bytes,
    sim: web::Data<Shared>,
) -> Result<HttpResponse, SimError> {
    let params = Params::parse(&req, &body)?;
    let caller = authenticate(&sim, &req, &params)?;
    caller.require_product()?;
    let state = sim.state_at(caller.product);
    product(&req, &state)?;
    let contains = |value: &str, key: &str| {
        params
            .get(key)
            .is_none_or(|wanted| value.to_lowercase().contains(&wanted.to_lowercase()))
    };
    let mut devices: Vec<&Device> = state
        .devices
        .iter()
        .filter(|d| contains(&d.id, "deviceId"))
        .filter(|d| contains(&d.name, "deviceName"))
        .filter(|d| contains(&d.serial_number, "serialNumber"))
        // No simulated device is in a group or quarantined.
        .filter(|_| params.get("groups").is_none_or(|g| g.is_empty()))
        .filter(|_| params.get("quarantined").is_none_or(|q| q != "true"))
        .collect();
    let attribute = params.get("sortAttr");
    let compare = |a: &&Device, b: &&Device| -> Ordering {
        match attribute.as_deref() {
            Some("deviceName") => a.name.cmp(&b.name),
            Some("deviceId") => a.id.cmp(&b.id),
            Some("firmwareVersion") => Ordering::Equal,
            _ => a.last_handshake_at.cmp(&b.last_handshake_at),
        }
    };
    let descending = match params.get("sortDir").as_deref() {
        Some(dir) => dir == "desc",
        None => attribute.is_none(),
    };
    devices.sort_by(|a, b| {
        let order = compare(a, b);
        if descending { order.reverse() } else { order }
    });
    let (range, total_pages) = page(&params, devices.len());
    let shown = &devices[range];
    let customers: Vec<Value> = state
        .customers()
        .filter(|c| {
            shown
                .iter()
                .any(|d| d.owner.as_deref() == Some(&c.username))
        })
        .map(|c| json!({ "id": c.id, "username": c.username }))
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "devices": shown.iter().map(|d| device_json(&state, d, true)).collect::<Vec<_>>(),
        "customers": customers,
        "meta": { "total_pages": total_pages },
    })))
}

/// `GET /v1/[products/:pid/]devices/:id`.
pub(crate) async fn get_device(
    req: HttpRequest,
    body: web::Bytes,
    sim: web::Data<Shared>,
) -> Result<HttpResponse, SimError> {
    let params = Params::parse(&req, &body)?;
    let caller = authenticate(&sim, &req, &params)?;
    let state = sim.state_at(caller.product);
    let product_view = product_route(&req, &state)?;
    let device = state
        .visible(&caller.principal, &path(&req, "id"))
        .ok_or(SimError::PermissionDenied)?;
    Ok(HttpResponse::Ok().json(device_json(&state, device, product_view)))
}

/// `POST /v1/devices` `{id}`: claims for the calling customer.
pub(crate) async fn claim_device(
    req: HttpRequest,
    body: web::Bytes,
    sim: web::Data<Shared>,
) -> Result<HttpResponse, SimError> {
    let params = Params::parse(&req, &body)?;
    let caller = authenticate(&sim, &req, &params)?;
    let Principal::Customer(username) = caller.principal else {
        return Err(SimError::PermissionDenied);
    };
    let id = params.get("id").unwrap_or_default();
    let mut state = sim.state_at(caller.product);
    let user_id = state.customer_id(&username).unwrap_or_default().to_owned();
    match state.claim(&id, &username) {
        Ok(device) => Ok(HttpResponse::Ok().json(json!({
            "user_id": user_id,
            "id": device.id,
            "connected": device.online,
            "ok": true,
        }))),
        Err(ClaimError::Unknown) => Err(SimError::Errors {
            status: StatusCode::NOT_FOUND,
            errors: json!(["device does not exist"]),
        }),
        // Developer devices could ask the owner for a transfer; it is never approved here.
        Err(ClaimError::OwnedByOther) if params.flag("request_transfer") => {
            Ok(HttpResponse::Ok().json(json!({ "transfer_id": format!("{:024x}", 0) })))
        }
        // Status undocumented upstream [?]; the text is what particle-cli matches.
        Err(ClaimError::OwnedByOther) => Err(SimError::Errors {
            status: StatusCode::FORBIDDEN,
            errors: json!([
                "That belongs to someone else. To request a transfer add ?request_transfer=true to the URL."
            ]),
        }),
    }
}

/// `DELETE /v1/devices/:id` (owner or product token) and
/// `DELETE /v1/products/:pid/devices/:id/owner` (product token): unclaim.
pub(crate) async fn unclaim_device(
    req: HttpRequest,
    body: web::Bytes,
    sim: web::Data<Shared>,
) -> Result<HttpResponse, SimError> {
    expect_name(&req, "owner")?;
    let params = Params::parse(&req, &body)?;
    let caller = authenticate(&sim, &req, &params)?;
    let mut state = sim.state_at(caller.product);
    if product_route(&req, &state)? {
        caller.require_product()?;
    }
    let id = state
        .visible(&caller.principal, &path(&req, "id"))
        .ok_or(SimError::PermissionDenied)?
        .id
        .clone();
    state.release(&id);
    Ok(HttpResponse::Ok().json(json!({ "ok": true })))
}

/// `POST /v1/products/:pid/devices`: `id` or `ids[]`.
pub(crate) async fn import_devices(
    req: HttpRequest,
    body: web::Bytes,
    sim: web::Data<Shared>,
) -> Result<HttpResponse, SimError> {
    let params = Params::parse(&req, &body)?;
    let caller = authenticate(&sim, &req, &params)?;
    caller.require_product()?;
    let now = sim.clock.now();
    let mut state = sim.state_at(caller.product);
    product(&req, &state)?;
    let mut ids = params.list("ids");
    ids.extend(params.get("id"));
    let (mut updated, mut existing, mut invalid) = (Vec::new(), Vec::new(), Vec::new());
    for id in ids {
        match state.import(&id, now) {
            Imported::Added => updated.push(id),
            Imported::Existing => existing.push(id),
            Imported::Invalid => invalid.push(id),
        }
    }
    Ok(HttpResponse::Ok().json(json!({
        "updated": updated.len(),
        "updatedDeviceIds": updated,
        "existingDeviceIds": existing,
        "nonmemberDeviceIds": [],
        "invalidDeviceIds": invalid,
        "protectedDeviceIds": [],
    })))
}

/// `DELETE /v1/products/:pid/devices/:id`: removes it from the product (`204`).
pub(crate) async fn remove_device(
    req: HttpRequest,
    body: web::Bytes,
    sim: web::Data<Shared>,
) -> Result<HttpResponse, SimError> {
    let params = Params::parse(&req, &body)?;
    let caller = authenticate(&sim, &req, &params)?;
    caller.require_product()?;
    let mut state = sim.state_at(caller.product);
    product(&req, &state)?;
    let id = state
        .visible(&Principal::Product, &path(&req, "id"))
        .ok_or(SimError::PermissionDenied)?
        .id
        .clone();
    state.remove(&id);
    Ok(HttpResponse::NoContent().finish())
}

/// `PUT /v1/[products/:pid/]devices/:id/ping`.
pub(crate) async fn ping_device(
    req: HttpRequest,
    body: web::Bytes,
    sim: web::Data<Shared>,
) -> Result<HttpResponse, SimError> {
    expect_name(&req, "ping")?;
    let params = Params::parse(&req, &body)?;
    let caller = authenticate(&sim, &req, &params)?;
    let now = sim.clock.now();
    let mut state = sim.state_at(caller.product);
    product_route(&req, &state)?;
    let (id, online) = state
        .visible(&caller.principal, &path(&req, "id"))
        .map(|d| (d.id.clone(), d.online))
        .ok_or(SimError::PermissionDenied)?;
    if online {
        state.touch(&id, now);
    }
    Ok(HttpResponse::Ok().json(json!({ "online": online, "ok": true })))
}

/// `POST /v1/[products/:pid/]device_claims`: a claim code for the calling customer.
pub(crate) async fn create_claim_code(
    req: HttpRequest,
    body: web::Bytes,
    sim: web::Data<Shared>,
) -> Result<HttpResponse, SimError> {
    let params = Params::parse(&req, &body)?;
    let caller = authenticate(&sim, &req, &params)?;
    let mut state = sim.state_at(caller.product);
    product_route(&req, &state)?;
    let Principal::Customer(username) = caller.principal else {
        return Err(SimError::PermissionDenied);
    };
    let device_ids: Vec<String> = state
        .devices
        .iter()
        .filter(|d| d.owner.as_deref() == Some(&username))
        .map(|d| d.id.clone())
        .collect();
    let claim_code = state.new_claim_code(&username);
    Ok(HttpResponse::Ok().json(json!({ "claim_code": claim_code, "device_ids": device_ids })))
}
