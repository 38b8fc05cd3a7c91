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
        (name = "families", description = "Product families and simple-auth customers' password resets"),
        (name = "billing", description = "Plans, subscriptions, seats, bills and invoices"),
        (name = "history", description = "Device history (raw, bucketed, CSV) and the live activity stream"),
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

/// What the edge and the extractors answer for every route, so the document says it once
/// for each operation instead of each handler repeating it: 401 where a credential is needed,
/// 400/408/413/422 where a body is read, 404 for a path naming nothing, 422 for a bad query,
/// 503 while the database is down; and no text in a request may hold a NUL.
struct EdgeAnswers;

/// Text the edge accepts (`edge::check_request` refuses a NUL anywhere in a body or query).
const NO_NUL: &str = "^[^\\u0000]*$";

impl Modify for EdgeAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{Operation, ParameterIn};
        use utoipa::openapi::{RefOr, Response, ResponseBuilder};
        let error = |description: &str| -> RefOr<Response> {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    utoipa::openapi::Content::new(Some(utoipa::openapi::Ref::from_schema_name(
                        "ErrorBody",
                    ))),
                )
                .build()
                .into()
        };
        let mut bodies = Vec::new();
        for (path, item) in &mut openapi.paths.paths {
            let health = path.starts_with("/health");
            let operations: [&mut Option<Operation>; 6] = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
                &mut item.options,
            ];
            for op in operations.into_iter().flatten() {
                let mut add = |status: &str, description: &str| {
                    op.responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| error(description));
                };
                if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    add("401", "no valid session or API token");
                }
                let params = op.parameters.clone().unwrap_or_default();
                let has = |place: ParameterIn| {
                    params.iter().any(|p| match p {
                        RefOr::T(p) => p.parameter_in == place,
                        RefOr::Ref(_) => false,
                    })
                };
                if has(ParameterIn::Path) {
                    add("404", "nothing of that id here (or not visible to you)");
                }
                if has(ParameterIn::Query) {
                    add("422", "a query parameter is out of bounds or malformed");
                }
                if op.request_body.is_some() {
                    add("400", "the body is not JSON of the documented shape");
                    add("408", "the body did not arrive in time");
                    add("413", "the body is too large");
                    add("422", "a field is invalid; `fields` names each");
                }
                if !health {
                    add(
                        "503",
                        "the database is unavailable; `Retry-After` says when to try again",
                    );
                }
                if let Some(parameters) = op.parameters.as_mut() {
                    for p in parameters.iter_mut() {
                        if let RefOr::T(p) = p
                            && p.parameter_in == ParameterIn::Query
                            && let Some(schema) = p.schema.as_mut()
                        {
                            no_nul(schema);
                        }
                    }
                }
                if let Some(RefOr::T(body)) = &op.request_body {
                    for content in body.content.values() {
                        if let RefOr::T(content) = content
                            && let Some(schema) = &content.schema
                        {
                            bodies.push(schema.clone());
                        }
                    }
                }
            }
        }
        // The request bodies' schemas, and every schema they refer to.
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let mut names = Vec::new();
        for schema in &bodies {
            refs_of(schema, &mut names);
        }
        let mut done = std::collections::BTreeSet::new();
        while let Some(name) = names.pop() {
            if !done.insert(name.clone()) {
                continue;
            }
            if let Some(schema) = components.schemas.get_mut(&name) {
                refs_of(schema, &mut names);
                no_nul(schema);
            }
        }
    }
}

/// Names of the component schemas `schema` refers to.
fn refs_of(schema: &utoipa::openapi::RefOr<utoipa::openapi::Schema>, out: &mut Vec<String>) {
    use utoipa::openapi::{RefOr, Schema};
    match schema {
        RefOr::Ref(r) => {
            if let Some(name) = r.ref_location.rsplit('/').next() {
                out.push(name.to_owned());
            }
        }
        RefOr::T(Schema::Object(o)) => o.properties.values().for_each(|p| refs_of(p, out)),
        RefOr::T(Schema::Array(a)) => {
            if let utoipa::openapi::schema::ArrayItems::RefOrSchema(item) = &a.items {
                refs_of(item, out);
            }
        }
        RefOr::T(Schema::OneOf(o)) => o.items.iter().for_each(|i| refs_of(i, out)),
        RefOr::T(Schema::AllOf(o)) => o.items.iter().for_each(|i| refs_of(i, out)),
        RefOr::T(Schema::AnyOf(o)) => o.items.iter().for_each(|i| refs_of(i, out)),
        RefOr::T(_) => {}
    }
}

/// Gives every string in `schema` (not behind a reference) the pattern [`NO_NUL`].
fn no_nul(schema: &mut utoipa::openapi::RefOr<utoipa::openapi::Schema>) {
    use utoipa::openapi::schema::{SchemaType, Type};
    use utoipa::openapi::{RefOr, Schema};
    match schema {
        RefOr::T(Schema::Object(o)) => {
            let is_string = match &o.schema_type {
                SchemaType::Type(t) => *t == Type::String,
                SchemaType::Array(ts) => ts.contains(&Type::String),
                SchemaType::AnyValue => false,
            };
            if is_string && o.pattern.is_none() && o.format.is_none() && o.enum_values.is_none() {
                o.pattern = Some(NO_NUL.to_owned());
            }
            o.properties.values_mut().for_each(no_nul);
        }
        RefOr::T(Schema::Array(a)) => {
            if let utoipa::openapi::schema::ArrayItems::RefOrSchema(item) = &mut a.items {
                no_nul(item);
            }
        }
        RefOr::T(Schema::OneOf(o)) => o.items.iter_mut().for_each(no_nul),
        RefOr::T(Schema::AllOf(o)) => o.items.iter_mut().for_each(no_nul),
        RefOr::T(Schema::AnyOf(o)) => o.items.iter_mut().for_each(no_nul),
        RefOr::T(_) | RefOr::Ref(_) => {}
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
    /// Each path with the methods it answers.
    pub routes: crate::routes::RouteTable,
}

impl Document {
    /// Builds it.
    pub fn build() -> Self {
        use utoipa_actix_web::AppExt;
        let (_, mut doc) = actix_web::App::new()
            .into_utoipa_app()
            .openapi(base())
            .configure(crate::routes::configure)
            .split_for_parts();
        // Over the routes, so only once they are all in.
        EdgeAnswers.modify(&mut doc);
        let routes = crate::routes::RouteTable::new(doc.paths.paths.iter().map(|(path, item)| {
            let methods = [
                ("GET", item.get.is_some()),
                ("POST", item.post.is_some()),
                ("PUT", item.put.is_some()),
                ("PATCH", item.patch.is_some()),
                ("DELETE", item.delete.is_some()),
            ];
            let allowed = methods.iter().filter(|m| m.1).map(|m| m.0).collect();
            (path.as_str(), allowed)
        }));
        Self {
            json: web::Bytes::from(doc.to_json().unwrap_or_else(|_| "{}".into())),
            routes,
        }
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
    match doc.routes.allowed_methods(req.path()) {
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
