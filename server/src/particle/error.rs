//! Typed Particle errors. The cloud answers failures in at least seven body shapes (reference
//! §6); [`Error::from_response`] folds all of them into the few cases callers act on differently,
//! with a message built the way particle-cli builds it (`error_description || error || errors[]
//! || info`). Messages never carry tokens: anything that looks like one is redacted.
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::Value;

/// Longest message kept from a response body; infrastructure error pages can be large.
const MAX_MESSAGE_CHARS: usize = 300;

/// A failed call to the Particle cloud.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The device did not answer: function `400 {"ok":false,"error":"Timed out."}`, variable
    /// `408 {"error":"Timed out."}`, claim `404 [["Core isn't online",404]]`, the docs' `404
    /// device not connected`. Retrying at once will not help.
    #[error("the device is offline or did not answer in time")]
    DeviceOffline,
    /// 404: unknown function, variable, device or product (`what` is the cloud's message).
    #[error("not found: {what}")]
    NotFound {
        /// What the cloud said was missing, e.g. `Function reboot not found`.
        what: String,
    },
    /// 403 (`Permission Denied`, MFA required) or an API user calling a forbidden endpoint.
    #[error("the Particle cloud denied access")]
    PermissionDenied,
    /// 401 `invalid_token` "… has expired." or `expired_token`: mint a new token.
    #[error("the Particle access token has expired")]
    TokenExpired,
    /// 401 `invalid_token` "… is invalid." (revoked, unknown), or no token was sent.
    #[error("the Particle access token is invalid")]
    TokenInvalid,
    /// 429: too many requests from this address; still limited after our retries.
    #[error("rate limited by the Particle cloud")]
    RateLimited {
        /// The `Retry-After` header in seconds, when the cloud sent one.
        retry_after_secs: Option<u64>,
    },
    /// 5xx (JSON or not) after our retries. This includes `500 … "Timed out, didn't hear back
    /// from device service"`: a 5xx is the cloud's failure, whatever the device is doing.
    #[error("the Particle cloud is unavailable (HTTP {status})")]
    Unavailable {
        /// The last HTTP status received.
        status: u16,
        /// The `Retry-After` header in seconds, when the cloud sent one.
        retry_after_secs: Option<u64>,
    },
    /// Any other 4xx, including OAuth `invalid_client`, `invalid_grant`, `invalid_scope`, and
    /// "Customer already exists" (see [`Error::is_customer_exists`]).
    #[error("the Particle cloud rejected the request: {message}")]
    BadRequest {
        /// The cloud's message, secrets redacted.
        message: String,
    },
    /// No complete response: connection refused or reset, timeout, truncated body, bad URL.
    #[error("could not reach the Particle cloud: {0}")]
    Transport(String),
    /// A response we could not understand (success body of the wrong shape, odd status).
    #[error("unexpected response from the Particle cloud: {0}")]
    Decode(String),
}

impl Error {
    /// A short name of the variant, for metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::DeviceOffline => "device_offline",
            Self::NotFound { .. } => "not_found",
            Self::PermissionDenied => "denied",
            Self::TokenExpired => "token_expired",
            Self::TokenInvalid => "token_invalid",
            Self::RateLimited { .. } => "rate_limited",
            Self::Unavailable { .. } => "unavailable",
            Self::BadRequest { .. } => "bad_request",
            Self::Transport(_) => "transport",
            Self::Decode(_) => "decode",
        }
    }

    /// Maps a non-success response to an error. Total: any status, headers and body bytes
    /// (JSON of any shape, empty, HTML, binary) give a variant, never a panic.
    pub fn from_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        let json = serde_json::from_slice::<Value>(body).ok();
        let code = json
            .as_ref()
            .and_then(|v| v.get("error"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let message = json.as_ref().and_then(describe).map(|m| redact(&m));
        let lower = message.as_deref().unwrap_or_default().to_lowercase();
        let s = status.as_u16();

        if code == "expired_token"
            || (s == 401 || code == "invalid_token") && lower.contains("expired")
        {
            return Self::TokenExpired;
        }
        if s == 401 || code == "invalid_token" || lower == "the access token was not found" {
            return Self::TokenInvalid;
        }
        if s == 408 || matches!(s, 400 | 404) && is_offline_message(&lower) {
            return Self::DeviceOffline;
        }
        if s == 403 || code == "unauthorized" || code == "mfa_required" {
            return Self::PermissionDenied;
        }
        let retry_after_secs = retry_after(headers);
        match s {
            404 => Self::NotFound {
                what: message.unwrap_or_else(|| "resource".into()),
            },
            429 => Self::RateLimited { retry_after_secs },
            500..=599 => Self::Unavailable {
                status: s,
                retry_after_secs,
            },
            400..=499 => Self::BadRequest {
                message: message.unwrap_or_else(|| format!("HTTP {s}")),
            },
            _ => Self::Decode(format!("unexpected HTTP status {s}")),
        }
    }

    /// Whether this is the cloud refusing to create a customer that already exists; the caller
    /// then mints a `scope=customer=<id>` token instead.
    pub fn is_customer_exists(&self) -> bool {
        matches!(self, Self::BadRequest { message } if message.to_lowercase().contains("already exists"))
    }

    /// Whether a claim failed because another account owns the device.
    pub fn is_owned_by_someone_else(&self) -> bool {
        match self {
            Self::BadRequest { message } | Self::NotFound { what: message } => {
                message.contains("belongs to someone else")
            }
            _ => false,
        }
    }

    /// Whether a fresh token might fix this (the token expired or was revoked).
    pub fn is_auth(&self) -> bool {
        matches!(self, Self::TokenExpired | Self::TokenInvalid)
    }

    /// The cloud's `Retry-After`, in seconds, if it sent one.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::RateLimited { retry_after_secs }
            | Self::Unavailable {
                retry_after_secs, ..
            } => *retry_after_secs,
            _ => None,
        }
    }
}

/// particle-cli's order: `error_description || error || errors[] || info`.
fn describe(body: &Value) -> Option<String> {
    let text = |key: &str| body.get(key).and_then(as_text);
    text("error_description")
        .or_else(|| text("error"))
        .or_else(|| {
            let parts: Vec<String> = body
                .get("errors")?
                .as_array()?
                .iter()
                .filter_map(as_text)
                .collect();
            (!parts.is_empty()).then(|| parts.join("; "))
        })
        .or_else(|| text("info"))
}

/// A message from one JSON value: `"text"`, `["text", 404]` (claim errors) or
/// `{"error": "text"}` (device-service errors).
fn as_text(value: &Value) -> Option<String> {
    let text = match value {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => items.first().and_then(as_text),
        Value::Object(map) => map
            .get("error")
            .or_else(|| map.get("message"))
            .and_then(as_text),
        _ => None,
    }?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// Texts with which the cloud says a device did not answer (reference §3.1, §3.3, §3.4 and the
/// docs' generic "404 device not connected").
fn is_offline_message(lower: &str) -> bool {
    lower.starts_with("timed out")
        || lower.contains("isn't online")
        || lower.contains("is not online")
        || lower.contains("not connected")
}

/// `Retry-After` as delta-seconds. HTTP dates are ignored: Particle documents neither form,
/// and a date would need a trusted clock to be useful.
fn retry_after(headers: &HeaderMap) -> Option<u64> {
    headers.get(RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()
}

/// Removes anything that could be a credential and bounds the length. The 403 body echoes the
/// request's `access_token` query parameter, and Particle tokens are 40 hex digits.
pub(crate) fn redact(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(MAX_MESSAGE_CHARS));
    let mut rest = message;
    while let Some(pos) = rest.find("access_token=") {
        let (before, after) = rest.split_at(pos + "access_token=".len());
        out.push_str(before);
        let end = after
            .find(|c: char| c == '&' || c == '"' || c.is_whitespace())
            .unwrap_or(after.len());
        if end > 0 {
            out.push_str("[redacted]");
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    let out = redact_hex_runs(&out);
    match out.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &out[..cut]),
        None => out,
    }
}

/// Replaces runs of 32 or more hex digits (tokens, client secrets) but keeps 24-digit device
/// ids, which callers need to see.
fn redact_hex_runs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 32 {
            out.push_str("[redacted]");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_hexdigit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use reqwest::header::HeaderValue;

    fn parse(status: u16, body: &str) -> Error {
        Error::from_response(
            StatusCode::from_u16(status).unwrap(),
            &HeaderMap::new(),
            body.as_bytes(),
        )
    }

    fn bad_request(message: &str) -> Error {
        Error::BadRequest {
            message: message.into(),
        }
    }

    #[test]
    fn oauth_bodies_map_to_token_and_client_errors() {
        let cases = [
            (
                401,
                r#"{"error":"invalid_token","error_description":"The access token provided is invalid."}"#,
                Error::TokenInvalid,
            ),
            (
                401,
                r#"{"error":"invalid_token","error_description":"The access token provided has expired."}"#,
                Error::TokenExpired,
            ),
            (401, r#"{"error":"expired_token"}"#, Error::TokenExpired),
            (400, r#"{"error":"expired_token"}"#, Error::TokenExpired),
            (401, "", Error::TokenInvalid),
            (
                400,
                r#"{"error":"invalid_request","error_description":"The access token was not found"}"#,
                Error::TokenInvalid,
            ),
            (
                400,
                r#"{"error":"invalid_client","error_description":"Client credentials are invalid"}"#,
                bad_request("Client credentials are invalid"),
            ),
            (
                400,
                r#"{"error":"invalid_client","error_description":"Invalid or missing client_id parameter"}"#,
                bad_request("Invalid or missing client_id parameter"),
            ),
            (
                400,
                r#"{"error":"invalid_grant","error_description":"User credentials are invalid"}"#,
                bad_request("User credentials are invalid"),
            ),
            (
                400,
                r#"{"error":"invalid_grant","error_description":"Refresh token has expired"}"#,
                bad_request("Refresh token has expired"),
            ),
            (
                400,
                r#"{"error":"invalid_scope"}"#,
                bad_request("invalid_scope"),
            ),
            (
                400,
                r#"{"error":"invalid_request","error_description":"Method must be POST with application/x-www-form-urlencoded encoding"}"#,
                bad_request("Method must be POST with application/x-www-form-urlencoded encoding"),
            ),
            (
                403,
                r#"{"error":"mfa_required","error_description":"Multifactor authentication required","mfa_token":"eyJ"}"#,
                Error::PermissionDenied,
            ),
            (
                400,
                r#"{"error":"unauthorized","error_description":"API users are not allowed to call this endpoint"}"#,
                Error::PermissionDenied,
            ),
            (
                429,
                r#"{"error":"rate_limit_exceeded"}"#,
                Error::RateLimited {
                    retry_after_secs: None,
                },
            ),
            (
                503,
                r#"{"error":"server_error"}"#,
                Error::Unavailable {
                    status: 503,
                    retry_after_secs: None,
                },
            ),
        ];
        for (status, body, expected) in cases {
            assert_eq!(parse(status, body), expected, "{status} {body}");
        }
    }

    #[test]
    fn device_offline_is_recognised_in_every_shape() {
        let cases = [
            (400, r#"{"ok":false,"error":"Timed out."}"#),
            (408, r#"{"error":"Timed out."}"#),
            (408, ""),
            (404, r#"{"ok":false,"errors":[["Core isn't online",404]]}"#),
            (404, r#"{"ok":false,"error":"device not connected"}"#),
        ];
        for (status, body) in cases {
            assert_eq!(parse(status, body), Error::DeviceOffline, "{status} {body}");
        }
    }

    #[test]
    fn missing_things_are_not_found_with_the_clouds_words() {
        let cases = [
            (
                r#"{"ok":false,"error":"Function blahblah not found"}"#,
                "Function blahblah not found",
            ),
            (
                r#"{"ok":false,"error":"Variable not found"}"#,
                "Variable not found",
            ),
            (
                r#"{"ok":false,"errors":["device does not exist"]}"#,
                "device does not exist",
            ),
            (
                r#"{"ok":false,"error":"Product not found."}"#,
                "Product not found.",
            ),
            (
                r#"{"ok":false,"error":"Webhook not found"}"#,
                "Webhook not found",
            ),
            ("{}", "resource"),
        ];
        for (body, what) in cases {
            assert_eq!(
                parse(404, body),
                Error::NotFound { what: what.into() },
                "{body}"
            );
        }
    }

    #[test]
    fn permission_denied_hides_the_echoed_token() {
        let body = r#"{"error":"Permission Denied","info":"I didn't recognize that device name or ID, try opening https://api.particle.io/v1/devices?access_token=254406f79c1999af65a7df4388971354f85cfee9"}"#;
        assert_eq!(parse(403, body), Error::PermissionDenied);
        // The message builder is what would carry it; check it directly.
        let json: Value = serde_json::from_str(body).unwrap();
        assert_eq!(describe(&json).as_deref(), Some("Permission Denied"));
        let info = json["info"].as_str().unwrap();
        let cleaned = redact(info);
        assert!(!cleaned.contains("254406f7"), "{cleaned}");
        assert!(cleaned.ends_with("access_token=[redacted]"), "{cleaned}");
    }

    #[test]
    fn messages_follow_particle_cli_precedence() {
        let json = |s: &str| serde_json::from_str::<Value>(s).unwrap();
        let cases = [
            (
                r#"{"error":"e","error_description":"d","errors":["x"],"info":"i"}"#,
                "d",
            ),
            (r#"{"error":"e","errors":["x"],"info":"i"}"#, "e"),
            (
                r#"{"ok":false,"errors":["x",["y",404],{"error":"z"}],"info":"i"}"#,
                "x; y; z",
            ),
            (r#"{"info":"i"}"#, "i"),
            (r#"{"error":"","errors":[],"info":"i"}"#, "i"),
        ];
        for (body, expected) in cases {
            assert_eq!(describe(&json(body)).as_deref(), Some(expected), "{body}");
        }
        assert_eq!(describe(&json("{}")), None);
        assert_eq!(describe(&json("[1,2]")), None);
    }

    #[test]
    fn claim_and_customer_conflicts_are_recognisable() {
        let exists = parse(400, r#"{"ok":false,"error":"Customer already exists"}"#);
        assert!(exists.is_customer_exists());
        assert!(!parse(400, r#"{"ok":false,"error":"nope"}"#).is_customer_exists());
        let owned = parse(
            400,
            r#"{"ok":false,"errors":["That belongs to someone else. To request a transfer add ?request_transfer=true to the URL."]}"#,
        );
        assert!(owned.is_owned_by_someone_else(), "{owned:?}");
    }

    #[test]
    fn server_errors_and_non_json_bodies_are_unavailable_or_bad_request() {
        let unavailable = |status| Error::Unavailable {
            status,
            retry_after_secs: None,
        };
        assert_eq!(
            parse(502, "<html><body>Bad Gateway</body></html>"),
            unavailable(502)
        );
        assert_eq!(parse(504, "upstream timed out"), unavailable(504));
        assert_eq!(
            parse(
                500,
                r#"{"ok":false,"code":500,"errors":[{"error":"Timed out, didn't hear back from device service"}]}"#
            ),
            unavailable(500)
        );
        assert_eq!(parse(503, "\u{0}\u{ff}garbage"), unavailable(503));
        assert_eq!(parse(400, "not json"), bad_request("HTTP 400"));
        assert_eq!(parse(409, "{}"), bad_request("HTTP 409"));
        assert!(matches!(parse(302, ""), Error::Decode(_)));
    }

    #[test]
    fn retry_after_is_read_from_the_header() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        let err = Error::from_response(StatusCode::TOO_MANY_REQUESTS, &headers, b"");
        assert_eq!(
            err,
            Error::RateLimited {
                retry_after_secs: Some(7)
            }
        );
        assert_eq!(err.retry_after_secs(), Some(7));
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        let err = Error::from_response(StatusCode::SERVICE_UNAVAILABLE, &headers, b"");
        assert_eq!(err.retry_after_secs(), None);
    }

    #[test]
    fn messages_never_carry_secrets_and_stay_short() {
        let secret = "615c0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0ac342";
        let err = parse(
            400,
            &format!(r#"{{"error":"invalid_client","error_description":"bad secret {secret}"}}"#),
        );
        assert!(!err.to_string().contains(secret), "{err}");
        // Device ids (24 hex digits) are kept.
        let device = "0123456789abcdef01234567";
        assert!(redact(device).contains(device));
        let long = "é".repeat(1000);
        assert_eq!(redact(&long).chars().count(), MAX_MESSAGE_CHARS + 1);
    }
}
