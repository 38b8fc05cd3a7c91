//! What every request passes before its handler: a deadline for its body, and JSON bodies and
//! query strings checked for what no handler or database can take (a body that isn't an
//! object, a NUL character), so bad input gets one clear 4xx here instead of a 500 from
//! PostgreSQL later, or worse, an audit record the database refuses.
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{HttpMessage, web};
use futures_util::{Stream, StreamExt};

use crate::error::ApiError;

/// Largest JSON body of any route.
pub const JSON_LIMIT: usize = 256 * 1024;

/// How long a request's body may take to arrive (`http.body_read_timeout_secs`), as app data.
#[derive(Debug, Clone, Copy)]
pub struct BodyDeadline(pub Duration);

/// The middleware: see the module's doc.
///
/// # Errors
/// 400/408/413/422 for the request's body or query; the handler's own errors.
pub async fn check_request(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.query_string().contains("%00") || req.query_string().contains('\0') {
        return Err(ApiError::invalid("query", "may not contain NUL characters").into());
    }
    let allowed = req
        .app_data::<web::Data<BodyDeadline>>()
        .map_or(Duration::from_secs(30), |d| d.0);
    let deadline = tokio::time::Instant::now() + allowed;
    let payload = req.take_payload();
    if is_json(&req) {
        let body = read_json(payload, deadline).await?;
        req.set_payload(Payload::from(body));
    } else {
        let timed: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(Deadline {
            inner: payload,
            sleep: Box::pin(tokio::time::sleep_until(deadline)),
        });
        req.set_payload(Payload::from(timed));
    }
    next.call(req).await
}

fn is_json(req: &ServiceRequest) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|mime| mime == "application/json" || mime.ends_with("+json"))
}

/// Reads a JSON body whole, within the deadline and [`JSON_LIMIT`], and checks it.
async fn read_json(
    mut payload: Payload,
    deadline: tokio::time::Instant,
) -> Result<Bytes, ApiError> {
    let mut body = BytesMut::new();
    loop {
        let chunk = match tokio::time::timeout_at(deadline, payload.next()).await {
            Err(_) => return Err(too_slow()),
            Ok(None) => break,
            Ok(Some(Err(e))) => {
                return Err(ApiError::BadRequest(format!(
                    "could not read the body: {e}"
                )));
            }
            Ok(Some(Ok(chunk))) => chunk,
        };
        if body.len() + chunk.len() > JSON_LIMIT {
            return Err(ApiError::TooLarge(format!(
                "body larger than {JSON_LIMIT} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    // An empty body is the extractor's to refuse (or to accept, for routes without one).
    if !body.is_empty() {
        check_json(&body)?;
    }
    Ok(body)
}

/// What a body that missed its deadline is told.
const TOO_SLOW: &str = "the request body did not arrive in time";

/// The answer to a body that missed its deadline (also for routes that read bodies
/// themselves, see [`is_timeout`]).
pub fn too_slow() -> ApiError {
    ApiError::Timeout(TOO_SLOW.into())
}

/// Every JSON body of this API is an object (serde would otherwise read a struct from an
/// array, field by field) and no text in it holds a NUL (PostgreSQL stores none).
fn check_json(body: &[u8]) -> Result<(), ApiError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("malformed JSON body: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::invalid("body", "must be a JSON object"));
    }
    match nul_at(&value) {
        Some(mut path) => {
            path.reverse();
            let at = if path.is_empty() {
                "body".to_owned()
            } else {
                path.join("/")
            };
            Err(ApiError::invalid(&at, "may not contain NUL characters"))
        }
        None => Ok(()),
    }
}

/// Where the first string or key holding a NUL is, as path segments from the top (a key with
/// a NUL is reported at its object). The path is built only on the way back from a find, so a
/// clean body, every request's case, allocates nothing here.
fn nul_at(value: &serde_json::Value) -> Option<Vec<String>> {
    let found = |segment: String, mut below: Vec<String>| {
        below.push(segment);
        below
    };
    match value {
        serde_json::Value::String(s) if s.contains('\0') => Some(Vec::new()),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_at(v).map(|below| found(i.to_string(), below))),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
            if k.contains('\0') {
                Some(Vec::new())
            } else {
                nul_at(v).map(|below| found(k.clone(), below))
            }
        }),
        _ => None,
    }
}

/// A body stream that fails once its deadline passes.
struct Deadline {
    inner: Payload,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Poll::Ready(item) = self.inner.poll_next_unpin(cx) {
            return Poll::Ready(item);
        }
        match self.sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                TOO_SLOW,
            ))))),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Whether a body read failed on the deadline (for extractors that read bodies themselves).
pub fn is_timeout(err: &PayloadError) -> bool {
    matches!(err, PayloadError::Io(e) if e.kind() == std::io::ErrorKind::TimedOut)
}

/// Counts the request and its latency for the metrics, by route template (`/api/v1/devices/{id}`,
/// never the id itself, so the series stay few), method and status. Paths no route matches
/// share the label `unmatched`.
///
/// # Errors
/// The inner service's.
pub async fn measure(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if !crate::metrics::on() {
        return next.call(req).await;
    }
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let result = next.call(req).await;
    let (route, status) = match &result {
        Ok(res) => (
            res.request().match_pattern(),
            res.response().status().as_u16(),
        ),
        Err(err) => (None, err.as_response_error().status_code().as_u16()),
    };
    let route = route.unwrap_or_else(|| "unmatched".to_owned());
    crate::metrics::http_request(&route, method.as_str(), status, started.elapsed());
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(err: ApiError) -> String {
        match err {
            ApiError::Invalid(fields) => fields.keys().cloned().collect::<Vec<_>>().join(","),
            other => other.code().into(),
        }
    }

    #[test]
    fn only_objects_without_nul_pass() {
        assert!(check_json(br#"{"arg": "4.2", "tags": ["a"]}"#).is_ok());
        assert_eq!(
            check_json(br#"[null, null]"#).map_err(field_of),
            Err("body".into())
        );
        assert_eq!(
            check_json(br#"{"arg": "4\u00002"}"#).map_err(field_of),
            Err("arg".into())
        );
        assert_eq!(
            check_json(br#"{"a": {"b": ["x", "y\u0000"]}}"#).map_err(field_of),
            Err("a/b/1".into())
        );
        assert_eq!(
            check_json(br#"{"k\u0000": 1}"#).map_err(field_of),
            Err("body".into())
        );
        assert_eq!(
            check_json(b"{nope").map_err(field_of),
            Err("bad_request".into())
        );
    }
}
