//! The OpenAPI 3.1 document, generated from the handlers' annotations as routes register, and
//! served at `/api/v1/openapi.json` with a browsable reference at `/api/docs`.
use actix_web::{HttpResponse, web};
use fleetwarden_wire::error::ErrorBody;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Where the document is served.
pub const DOCUMENT_PATH: &str = "/api/v1/openapi.json";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Fleetwarden API",
        description = "Device access for fleets on the Particle cloud: tenants, sharing, and \
                       device calls through one API. Every error is \
                       `{\"error\": \"snake_case_code\", \"message\": \"…\"}`."
    ),
    components(schemas(ErrorBody)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "health", description = "Liveness and readiness probes"),
        (name = "auth", description = "Sign in and out, forgotten passwords"),
        (name = "me", description = "My account, sessions and API tokens"),
        (name = "tenants", description = "Tenants (corporate customers)"),
        (name = "invitations", description = "Inviting people into organizations"),
        (name = "directory", description = "Organizations, sites, groups, people, roles, audit"),
        (name = "sharing", description = "Grants: who holds which role on what, until when"),
        (name = "devices", description = "Devices I can see, and who has access and why"),
        (name = "products", description = "Particle products, function catalogs, onboarding (operators)"),
    )
)]
struct ApiDoc;

/// `session`: the `fw_session` cookie (unsafe methods also need `X-CSRF-Token`);
/// `bearer`: a session token or an `fw_…` API token in `Authorization: Bearer`.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("fw_session"))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document's fixed parts; paths are added as routes register.
pub fn base() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").into();
    doc
}

/// The finished document as JSON, built once at start-up from the same `routes::configure`
/// that registers the handlers, so every route is in it; and from it, the methods each path
/// answers, so a request with another method gets 405 and `Allow` rather than 404.
#[derive(Clone)]
pub struct Document {
    /// The document, serialised.
    pub json: web::Bytes,
    /// Each path template, split at `/`, with the methods it answers.
    routes: Vec<(Vec<String>, Vec<&'static str>)>,
}

impl Document {
    /// Builds it.
    pub fn build() -> Self {
        use utoipa_actix_web::AppExt;
        let (_, doc) = actix_web::App::new()
            .into_utoipa_app()
            .openapi(base())
            .configure(crate::routes::configure)
            .split_for_parts();
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ];
                let segments = path.split('/').map(str::to_owned).collect();
                let allowed = methods.iter().filter(|m| m.1).map(|m| m.0).collect();
                (segments, allowed)
            })
            .collect();
        Self {
            json: web::Bytes::from(doc.to_json().unwrap_or_else(|_| "{}".into())),
            routes,
        }
    }

    /// The methods `path` answers, when it is one of the API's paths.
    pub fn allowed_methods(&self, path: &str) -> Option<Vec<&'static str>> {
        let asked: Vec<&str> = path.split('/').collect();
        let mut allowed: Vec<&'static str> = self
            .routes
            .iter()
            .filter(|(segments, _)| {
                segments.len() == asked.len()
                    && segments.iter().zip(&asked).all(|(template, part)| {
                        (template.starts_with('{') && !part.is_empty()) || template == part
                    })
            })
            .flat_map(|(_, methods)| methods.iter().copied())
            .collect();
        allowed.sort_unstable();
        allowed.dedup();
        (!allowed.is_empty()).then_some(allowed)
    }
}

/// What no route took: a path of the API asked with a method it doesn't answer there (TRACE,
/// say) is 405 with `Allow`; anything else is the dashboard's (its page, or a JSON 404).
///
/// # Errors
/// 405 or 404, as JSON.
pub async fn fallback(
    req: actix_web::HttpRequest,
    doc: web::Data<Document>,
) -> Result<HttpResponse, crate::error::ApiError> {
    match doc.allowed_methods(req.path()) {
        Some(methods) => Err(crate::error::ApiError::MethodNotAllowed(methods.join(", "))),
        None => crate::routes::dashboard::fallback(req).await,
    }
}

/// Serves the document. Registered ahead of the `/api/v1` scope, which would otherwise answer
/// 404 for every path under it that it doesn't know.
pub async fn serve(doc: web::Data<Document>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(doc.json.clone())
}

/// The browsable reference (Scalar, bundled into the binary so it works offline).
pub fn docs_ui(cfg: &mut web::ServiceConfig) {
    let config = serde_json::json!({ "url": DOCUMENT_PATH, "title": "Fleetwarden API" });
    scalar_api_reference::actix_web::config("/api/docs", &config)(cfg);
}
