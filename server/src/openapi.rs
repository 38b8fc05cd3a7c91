//! The OpenAPI 3.1 document, generated from the handlers' annotations as routes register, and
//! served at `/api/v1/openapi.json` with a browsable reference at `/api/docs`.
use actix_web::{HttpResponse, web};
use fleetwarden_wire::error::ErrorBody;
use utoipa::OpenApi;

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
    tags((name = "health", description = "Liveness and readiness probes"))
)]
struct ApiDoc;

/// The document's fixed parts; paths are added as routes register.
pub fn base() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").into();
    doc
}

/// The route serving the finished document.
pub fn serve(doc: utoipa::openapi::OpenApi) -> actix_web::Resource {
    // Serialised once per worker at start-up, not per request.
    let json = web::Bytes::from(doc.to_json().unwrap_or_else(|_| "{}".into()));
    web::resource(DOCUMENT_PATH).route(web::get().to(move || {
        let json = json.clone();
        async move {
            HttpResponse::Ok()
                .content_type("application/json")
                .body(json)
        }
    }))
}

/// The browsable reference (Scalar, bundled into the binary so it works offline).
pub fn docs_ui(cfg: &mut web::ServiceConfig) {
    let config = serde_json::json!({ "url": DOCUMENT_PATH, "title": "Fleetwarden API" });
    scalar_api_reference::actix_web::config("/api/docs", &config)(cfg);
}
