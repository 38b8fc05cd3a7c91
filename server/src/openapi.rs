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
/// that registers the handlers, so every route is in it.
#[derive(Clone)]
pub struct Document(pub web::Bytes);

impl Document {
    /// Builds it.
    pub fn build() -> Self {
        use utoipa_actix_web::AppExt;
        let (_, doc) = actix_web::App::new()
            .into_utoipa_app()
            .openapi(base())
            .configure(crate::routes::configure)
            .split_for_parts();
        Self(web::Bytes::from(
            doc.to_json().unwrap_or_else(|_| "{}".into()),
        ))
    }
}

/// Serves the document. Registered ahead of the `/api/v1` scope, which would otherwise answer
/// 404 for every path under it that it doesn't know.
pub async fn serve(doc: web::Data<Document>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(doc.0.clone())
}

/// The browsable reference (Scalar, bundled into the binary so it works offline).
pub fn docs_ui(cfg: &mut web::ServiceConfig) {
    let config = serde_json::json!({ "url": DOCUMENT_PATH, "title": "Fleetwarden API" });
    scalar_api_reference::actix_web::config("/api/docs", &config)(cfg);
}
