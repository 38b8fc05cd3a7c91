//! HTTP routes, one module per resource. Handlers are thin: extract, authorize, one domain
//! call, map to a wire type.
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{HttpRequest, web};
use fleetwarden_wire::directory::PagingQuery;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::paging::PageRequest;
use crate::error::ApiError;

/// A JSON body, or the API's error.
pub type Json<T> = Result<web::Json<T>, ApiError>;

/// The page a list's `?page=…&per_page=…` asks for, checked.
///
/// # Errors
/// 422 for a page or size out of bounds.
pub fn page_request(paging: &PagingQuery) -> Result<PageRequest, ApiError> {
    PageRequest::new(paging.page, paging.per_page).map_err(ApiError::Invalid)
}

/// A CSV file to download as `name`.
pub fn csv_file(body: Vec<u8>, name: &str) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body)
}

pub mod auth;
pub mod billing;
pub mod dashboard;
pub mod directory;
pub mod extract;
pub mod families;
pub mod health;
pub mod history;
pub mod me;
pub mod metrics;
pub mod pages;
pub mod products;
pub mod sharing;
pub mod tenants;
pub mod views;

/// Registers every documented route; the same function builds the OpenAPI document.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::live).service(health::ready).service(
        utoipa_actix_web::scope("/api/v1")
            // actix tries routes in order, one regex per dynamic path: the device calls, most
            // of all traffic, come first instead of after forty others.
            .service(sharing::call_function)
            .service(sharing::read_variable)
            .service(auth::login)
            .service(auth::logout)
            .service(auth::forgot_password)
            .service(auth::reset_password)
            .service(me::get_me)
            .service(me::list_sessions)
            .service(me::revoke_session)
            .service(me::create_token)
            .service(me::list_tokens)
            .service(me::revoke_token)
            .service(me::change_password)
            .service(tenants::create_tenant)
            .service(tenants::list_tenants)
            .service(tenants::create_invitation)
            .service(tenants::list_invitations)
            .service(tenants::lookup_invitation)
            .service(tenants::revoke_invitation)
            .service(tenants::accept_invitation)
            .service(directory::list_organizations)
            .service(directory::create_organization)
            .service(directory::update_organization)
            .service(directory::delete_organization)
            .service(directory::list_sites)
            .service(directory::create_site)
            .service(directory::update_site)
            .service(directory::delete_site)
            .service(directory::list_groups)
            .service(directory::create_group)
            .service(directory::update_group)
            .service(directory::delete_group)
            .service(directory::add_group_member)
            .service(directory::remove_group_member)
            .service(directory::list_users)
            .service(directory::update_user)
            .service(directory::remove_user)
            .service(directory::list_roles)
            .service(directory::create_role)
            .service(directory::update_role)
            .service(directory::delete_role)
            .service(directory::audit_log)
            .service(directory::audit_export)
            .service(sharing::create_grant)
            .service(sharing::list_grants)
            .service(sharing::update_grant)
            .service(sharing::revoke_grant)
            .service(sharing::list_devices)
            .service(sharing::get_device)
            .service(sharing::update_device)
            .service(sharing::device_access)
            .service(sharing::device_catalog)
            .service(products::create_product)
            .service(products::list_products)
            .service(products::get_catalog)
            .service(products::put_catalog)
            .service(products::onboard_device)
            .service(products::onboard_batch)
            .service(products::transfer_device)
            .service(families::create_family)
            .service(families::list_families)
            .service(families::update_family)
            .service(families::set_simple_auth)
            .service(families::unset_simple_auth)
            .service(families::customer_forgot)
            .service(families::customer_forgot_preflight)
            .service(billing::list_plans)
            .service(billing::create_plan)
            .service(billing::update_plan)
            .service(billing::set_subscription)
            .service(billing::get_billing)
            .service(billing::export_seats)
            .service(billing::export_invoices)
            .service(billing::list_invoices)
            .service(billing::close_period)
            .service(history::device_events)
            .service(history::export_device_events)
            .service(history::device_history)
            .service(history::live_activity)
            .service(history::new_webhook_secret)
            .service(history::particle_webhook),
    );
}

/// Makes body, path and query extraction failures speak the API's JSON error format.
pub fn extractor_errors(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(crate::edge::JSON_LIMIT)
            .error_handler(json_error),
    )
    .app_data(web::PathConfig::default().error_handler(path_error))
    .app_data(web::QueryConfig::default().error_handler(query_error));
}

fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    match err {
        // The JSON parsed but a field is missing or of the wrong type: a 422 that says which.
        JsonPayloadError::Deserialize(e) if e.is_data() => ApiError::invalid("body", e.to_string()),
        JsonPayloadError::ContentType => {
            ApiError::BadRequest("expected a JSON body (Content-Type: application/json)".into())
        }
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => {
            ApiError::TooLarge(format!("body larger than {limit} bytes"))
        }
        other => ApiError::BadRequest(format!("malformed JSON body: {other}")),
    }
    .into()
}

fn path_error(_err: PathError, req: &HttpRequest) -> actix_web::Error {
    // `/invitations/accept` asked with DELETE reaches `DELETE /invitations/{id}`: a path the
    // API has for other methods only.
    let allowed = req
        .app_data::<web::Data<RouteTable>>()
        .and_then(|table| table.allowed_methods(req.path()))
        .filter(|methods| !methods.contains(&req.method().as_str()));
    match allowed {
        Some(methods) => ApiError::MethodNotAllowed(methods.join(", ")).into(),
        // An id that can't even be parsed names nothing that exists.
        None => ApiError::NotFound.into(),
    }
}

/// Each documented path, split at `/`, with the methods it answers.
#[derive(Debug, Clone, Default)]
pub struct RouteTable(Vec<(Vec<String>, Vec<&'static str>)>);

impl RouteTable {
    /// From (path template, methods) pairs.
    pub fn new<'a>(routes: impl Iterator<Item = (&'a str, Vec<&'static str>)>) -> Self {
        Self(
            routes
                .map(|(path, methods)| (path.split('/').map(str::to_owned).collect(), methods))
                .collect(),
        )
    }

    /// The methods `path` answers, when it is one of the API's paths: of the templates that
    /// match, the most literal ones (`/invitations/accept` is not `/invitations/{id}`, as
    /// actix routes it).
    pub fn allowed_methods(&self, path: &str) -> Option<Vec<&'static str>> {
        let asked: Vec<&str> = path.split('/').collect();
        let matching: Vec<(usize, &Vec<&'static str>)> = self
            .0
            .iter()
            .filter(|(segments, _)| {
                segments.len() == asked.len()
                    && segments.iter().zip(&asked).all(|(template, part)| {
                        (template.starts_with('{') && !part.is_empty()) || template == part
                    })
            })
            .map(|(segments, methods)| {
                let literal = segments.iter().filter(|s| !s.starts_with('{')).count();
                (literal, methods)
            })
            .collect();
        let most = matching.iter().map(|(literal, _)| *literal).max()?;
        let mut allowed: Vec<&'static str> = matching
            .iter()
            .filter(|(literal, _)| *literal == most)
            .flat_map(|(_, methods)| methods.iter().copied())
            .collect();
        allowed.sort_unstable();
        allowed.dedup();
        (!allowed.is_empty()).then_some(allowed)
    }
}

fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::invalid("query", err.to_string()).into()
}

/// Unknown routes get the same JSON 404 as unknown objects.
pub async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}
