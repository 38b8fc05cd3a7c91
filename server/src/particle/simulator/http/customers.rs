//! `/v1/products/:pid/customers`: product ("shadow") customers, keyed by a lower-cased id.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::super::Shared;
use super::super::state::Principal;
use super::auth::{ClientCredentials, authenticate};
use super::error::SimError;
use super::oauth::{lifetime, token_response};
use super::params::Params;
use super::{page, path, product};

/// `POST …/customers`: client credentials (Basic or body) or a product token; `201` with a
/// customer-scoped token.
pub(crate) async fn create_customer(
    req: HttpRequest,
    body: web::Bytes,
    sim: web::Data<Shared>,
) -> Result<HttpResponse, SimError> {
    let params = Params::parse(&req, &body)?;
    let credentials = ClientCredentials::from_request(&req, &params);
    let index = if credentials.is_complete() {
        credentials.check(&sim)?
    } else {
        let caller = authenticate(&sim, &req, &params)?;
        caller.require_product()?;
        caller.product
    };
    let now = sim.clock.now();
    let mut state = sim.state_at(index);
    product(&req, &state)?;
    // The API maps caps to lower case; ids need not be e-mail addresses.
    let username = params
        .body("email")
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty())
        .ok_or_else(|| SimError::bad_request("email is required"))?; // text [?]
    let lifetime = lifetime(&params, now)?;
    if !state.create_customer(&username, params.body("password")) {
        return Err(SimError::bad_request("Customer already exists"));
    }
    let minted = state.mint(Principal::Customer(username), lifetime, now);
    Ok(token_response(StatusCode::CREATED, minted))
}

/// `GET …/customers` (product token), paginated like device lists.
pub(crate) async fn list_customers(
    req: HttpRequest,
    body: web::Bytes,
    sim: web::Data<Shared>,
) -> Result<HttpResponse, SimError> {
    let params = Params::parse(&req, &body)?;
    let caller = authenticate(&sim, &req, &params)?;
    caller.require_product()?;
    let state = sim.state_at(caller.product);
    let product_id = product(&req, &state)?;
    let customers: Vec<_> = state.customers().collect();
    let (range, total_pages) = page(&params, customers.len());
    let shown = &customers[range];
    let devices_of = |username: &str| {
        state
            .devices
            .iter()
            .filter(|d| d.owner.as_deref() == Some(username))
            .collect::<Vec<_>>()
    };
    let body = json!({
        "customers": shown.iter().map(|c| json!({
            "id": c.id,
            "username": c.username,
            "devices": devices_of(&c.username).iter().map(|d| d.id.clone()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "devices": shown.iter().flat_map(|c| devices_of(&c.username)).map(|d| json!({
            "id": d.id,
            "product_id": product_id,
            "last_ip_address": d.last_ip_address,
            "firmware_version": super::super::state::PRODUCT_FIRMWARE_VERSION,
            "online": d.online,
        })).collect::<Vec<_>>(),
        "meta": { "total_pages": total_pages },
    });
    Ok(HttpResponse::Ok().json(body))
}

/// `DELETE …/customers/:id`: also revokes its tokens and releases its devices.
pub(crate) async fn delete_customer(
    req: HttpRequest,
    body: web::Bytes,
    sim: web::Data<Shared>,
) -> Result<HttpResponse, SimError> {
    let params = Params::parse(&req, &body)?;
    let caller = authenticate(&sim, &req, &params)?;
    caller.require_product()?;
    let mut state = sim.state_at(caller.product);
    product(&req, &state)?;
    let username = path(&req, "customer").to_lowercase();
    if !state.delete_customer(&username) {
        return Err(customer_not_found());
    }
    Ok(HttpResponse::Ok().json(json!({ "ok": true })))
}

/// `PUT …/customers/:id` with `password` (product token only).
pub(crate) async fn update_customer(
    req: HttpRequest,
    body: web::Bytes,
    sim: web::Data<Shared>,
) -> Result<HttpResponse, SimError> {
    let params = Params::parse(&req, &body)?;
    let caller = authenticate(&sim, &req, &params)?;
    caller.require_product()?;
    let mut state = sim.state_at(caller.product);
    product(&req, &state)?;
    let username = path(&req, "customer").to_lowercase();
    let password = params
        .body("password")
        .ok_or_else(|| SimError::bad_request("password is required"))?;
    if !state.set_customer_password(&username, password) {
        return Err(customer_not_found());
    }
    Ok(HttpResponse::Ok().json(json!({ "ok": true })))
}

/// Text undocumented upstream [?].
fn customer_not_found() -> SimError {
    SimError::not_ok(StatusCode::NOT_FOUND, "Customer not found")
}
