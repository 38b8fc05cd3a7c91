//! The dashboard (dashboard/, built and bundled by build.rs), embedded in the binary: the index
//! page at `/` and at every client-side route (a reload of `/devices/…` must load the app), and
//! content-hashed assets under `/assets/`, cached for a year and sent gzipped when accepted.
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, Responder, http::Method, web};

use crate::error::ApiError;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/dashboard_assets.rs"));
}

/// Whether this binary carries the dashboard (false when built with `FW_DASHBOARD_SKIP=1`).
pub const BUILT: bool = embedded::BUILT;

/// Registers `/` and `/assets/{file}`; everything else reaches [`fallback`].
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index))
        .route("/assets/{file}", web::get().to(asset));
}

/// Unknown paths: the index page for a browser's GET of a client-side route, the API's JSON
/// 404 for everything else (any /api/ or /health/ path, and any unsafe method).
pub async fn fallback(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let path = req.path();
    let api = path == "/api"
        || path.starts_with("/api/")
        || path == "/health"
        || path.starts_with("/health/")
        || path.starts_with("/assets/");
    if !api && (req.method() == Method::GET || req.method() == Method::HEAD) {
        Ok(index_page(&req))
    } else {
        Err(ApiError::NotFound)
    }
}

async fn index(req: HttpRequest) -> impl Responder {
    index_page(&req)
}

fn index_page(req: &HttpRequest) -> HttpResponse {
    let etag = format!("\"{}\"", embedded::BUILD_ID);
    let fresh = if_none_match(req, &etag);
    // no-cache: revalidated each time, so a new build's asset names are picked up at once.
    let mut response = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::ETAG, etag))
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"));
    if fresh {
        response.finish()
    } else {
        response
            .content_type("text/html; charset=utf-8")
            .body(embedded::INDEX)
    }
}

/// Scripts only from us, with wasm compilation allowed; no inline script or style anywhere, so
/// injected markup can't run.
const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; \
    frame-ancestors 'none'";

async fn asset(req: HttpRequest) -> HttpResponse {
    let Some((_, content_type, plain, gzipped)) =
        embedded::ASSETS.iter().find(|(url, ..)| *url == req.path())
    else {
        return HttpResponse::NotFound()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish();
    };
    let gzip = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let mut response = HttpResponse::Ok();
    // The name holds a hash of the content: it never changes under this URL.
    response
        .content_type(*content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if gzip {
        response
            .insert_header((header::CONTENT_ENCODING, HeaderValue::from_static("gzip")))
            .body(*gzipped)
    } else {
        response.body(*plain)
    }
}

fn if_none_match(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}
